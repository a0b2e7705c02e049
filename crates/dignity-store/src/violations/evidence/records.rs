//! Evidence records: creating them from a stored file (with its analysis and custody
//! entries), reading and listing them.

use super::*;
use dignity_core::violations::evidence as rules;
use dignity_core::violations::Missing;

with_fields! {
    {
        pub title: String,
        pub description: String,
        /// The file's name as received.
        pub filename: String,
        /// original (default), working_copy, redacted, transcript, translation, public_copy.
        pub derivation: String,
        /// For derivatives: the original item.
        pub original_id: Option<i64>,
        pub event_id: Option<i64>,
        pub act_id: Option<i64>,
        pub person_id: Option<i64>,
        /// Who the item was acquired from (encrypted).
        pub acquired_from: String,
        /// When (YYYY-MM-DD or RFC 3339).
        pub acquired_at: String,
        /// How (handed over on a USB stick, downloaded from…, photographed by…).
        pub acquired_how: String,
    }

    #[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
    #[serde(default)]
    pub struct EvidenceInput {
        ..,
        /// Declared media type (recognised from the content when empty or generic).
        pub media_type: String,
        /// Default confidential. The raw text, which validation parses into a
        /// [`Confidentiality`].
        pub confidentiality: String,
        pub need_to_know_users: Vec<i64>,
        pub need_to_know_teams: Vec<i64>,
    }

    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct Evidence {
        pub id: i64,
        ..,
        #[schema(value_type = String)]
        pub media_type: MediaType,
        pub size_bytes: i64,
        /// SHA-256 of the content, hex (equal to `sha256sum` of the file).
        #[schema(value_type = String)]
        pub sha256: Sha256Hex,
        pub sha512: String,
        pub metadata: serde_json::Value,
        #[schema(value_type = String)]
        pub confidentiality: Confidentiality,
        pub created_by: Option<i64>,
        pub created_at: String,
    }
}

/// Create the evidence record of a stored file, with its custody entries (acquisition,
/// upload, metadata extraction). Check the actor's access to the linked records first.
/// What is learnt from a stored file's bytes: its media type (sniffed, and an office
/// document told from a plain zip) and its metadata (EXIF, document properties).
#[derive(Debug, Clone)]
pub struct FileAnalysis {
    pub media_type: MediaType,
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// Read a stored file for its type and metadata (zip and EXIF reading: slow on big
/// files). Done *before* the write transaction is opened, so that the transaction (and
/// the audit lock it holds) waits on no file.
pub fn analyse_file(store: &Store, declared: &str, blob: &Blob, head: &[u8]) -> FileAnalysis {
    // The declared type is parsed (RFC 6838 `type/subtype`, else octet-stream): it is sent
    // back as a `Content-Type` header on download.
    let declared = MediaType::or_octet_stream(declared);
    let media_type = match sniff(head) {
        Some(t) if declared == dignity_core::edge::OCTET_STREAM => MediaType::from(t),
        _ => declared,
    };
    // A zip that is an office document is named as one (a DOCX sent as octet-stream).
    let open = || EvidenceStore::open(store, &blob.sha256).ok().flatten();
    let media_type = if media_type == "application/zip" {
        open()
            .and_then(|f| package_type(std::io::BufReader::new(f)))
            .map(MediaType::from)
            .unwrap_or(media_type)
    } else {
        media_type
    };
    let metadata = open()
        .map(|f| extract_metadata(f, media_type.as_str()))
        .unwrap_or_default();
    FileAnalysis {
        media_type,
        metadata,
    }
}

/// Create an evidence record, reading the file for its type and metadata first (inside
/// the caller's transaction). Where the transaction can be opened after that reading —
/// uploads — call [`analyse_file`] first and then [`create_evidence_analysed`].
pub async fn create_evidence(
    tx: &mut WriteTx,
    input: &EvidenceInput,
    blob: &Blob,
    head: &[u8],
) -> Result<i64> {
    let analysis = analyse_file(tx.store(), &input.media_type, blob, head);
    create_evidence_analysed(tx, input, blob, &analysis).await
}

/// Create an evidence record of a file already analysed ([`analyse_file`]): the
/// transaction only checks and inserts, it reads no file.
pub async fn create_evidence_analysed(
    tx: &mut WriteTx,
    input: &EvidenceInput,
    blob: &Blob,
    analysis: &FileAnalysis,
) -> Result<i64> {
    let store = tx.store().clone();
    let title = rules::title(&input.title);
    let derivation = rules::Derivation::parse(&input.derivation, input.original_id)?.as_str();
    let lvl = level(&input.confidentiality, Confidentiality::Confidential)?;
    may_create(tx.actor(), lvl)?;
    for (f, t, id) in [
        ("original_id", EVIDENCE, input.original_id),
        ("event_id", EVENT, input.event_id),
        ("act_id", ACT, input.act_id),
        ("person_id", PERSON, input.person_id),
    ] {
        if let Some(id) = id {
            // Exists and readable by the writer: the same answer either way.
            if !super::records::exists(tx, t, id).await? {
                return Err(Missing::Record.invalid(f, id).into());
            }
        }
    }
    let media_type = &analysis.media_type;
    let meta = &analysis.metadata;
    let meta_json = serde_json::Value::Object(meta.clone()).to_string();
    let id = tx.next_id("vio_evidence").await?;
    sqlx::query(
        "INSERT INTO vio_evidence (original_id, derivation, title, description, filename, media_type, size_bytes, sha256, sha512, \
         metadata, event_id, act_id, person_id, acquired_from, acquired_at, acquired_how, confidentiality, published, created_by, created_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,0,$18,$19,$20)",
    )
    .bind(input.original_id)
    .bind(derivation)
    .bind(enc_keep(&store, "vio_evidence.title", id, &title))
    .bind(enc(&store, "vio_evidence.description", id, &input.description))
    .bind(enc(&store, "vio_evidence.filename", id, &input.filename))
    .bind(media_type.as_str())
    .bind(blob.size as i64)
    .bind(blob.sha256.as_str())
    .bind(&blob.sha512)
    .bind((!meta.is_empty()).then(|| store.keys().encrypt("vio_evidence.metadata", id, &meta_json)))
    .bind(input.event_id)
    .bind(input.act_id)
    .bind(input.person_id)
    .bind(enc(&store, "vio_evidence.acquired_from", id, &input.acquired_from))
    .bind(enc_keep(&store, "vio_evidence.acquired_at", id, &input.acquired_at))
    .bind(enc_keep(&store, "vio_evidence.acquired_how", id, &input.acquired_how))
    .bind(lvl.as_str())
    .bind(tx.actor().user_id)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    set_list(
        tx,
        EVIDENCE,
        id,
        lvl,
        &input.need_to_know_users,
        &input.need_to_know_teams,
    )
    .await?;
    tx.audit(
        "evidence.create",
        EVIDENCE,
        &id.to_string(),
        None,
        Some(&serde_json::json!({ "sha256": blob.sha256, "input": input })),
        serde_json::json!({ "sha256": blob.sha256, "size": blob.size, "derivation": derivation }),
    );
    if !input.acquired_from.trim().is_empty() || !input.acquired_how.trim().is_empty() {
        custody(
            tx,
            id,
            "acquired",
            &input.acquired_from,
            input.acquired_how.trim(),
            &format!("acquired_at={}", input.acquired_at.trim()),
        )
        .await?;
    }
    custody(
        tx,
        id,
        if derivation == "original" {
            "uploaded"
        } else {
            "derived"
        },
        "",
        "",
        &format!(
            "sha256={} sha512={} size={}{}",
            blob.sha256,
            blob.sha512,
            blob.size,
            input
                .original_id
                .map(|o| format!(" from={o}"))
                .unwrap_or_default()
        ),
    )
    .await?;
    if !meta.is_empty() {
        custody(
            tx,
            id,
            "metadata_extracted",
            "",
            "",
            &format!("fields={}", meta.len()),
        )
        .await?;
    }
    Ok(id)
}

const COLS: &str = "id, original_id, derivation, title, description, filename, media_type, size_bytes, sha256, sha512, metadata, \
    event_id, act_id, person_id, acquired_from, acquired_at, acquired_how, confidentiality, created_by, created_at";

fn from_row(store: &Store, r: &sqlx::any::AnyRow) -> Result<Evidence> {
    let id: i64 = r.get(0);
    let meta = dec(store, "vio_evidence.metadata", id, r.get(10))?;
    Ok(Evidence {
        id,
        original_id: r.get(1),
        derivation: r.get(2),
        title: dec(store, "vio_evidence.title", id, r.get(3))?,
        description: dec(store, "vio_evidence.description", id, r.get(4))?,
        filename: dec(store, "vio_evidence.filename", id, r.get(5))?,
        media_type: MediaType::or_octet_stream(&r.get::<String, _>(6)),
        size_bytes: r.get(7),
        sha256: Sha256Hex::parse(&r.get::<String, _>(8)).map_err(|e| {
            StoreError::Internal(format!(
                "evidence {}: the stored SHA-256 is not one: {e}",
                r.get::<i64, _>(0)
            ))
        })?,
        sha512: r.get(9),
        metadata: if meta.is_empty() {
            serde_json::json!({})
        } else {
            serde_json::from_str(&meta).unwrap_or_default()
        },
        event_id: r.get(11),
        act_id: r.get(12),
        person_id: r.get(13),
        acquired_from: dec(store, "vio_evidence.acquired_from", id, r.get(14))?,
        acquired_at: dec(store, "vio_evidence.acquired_at", id, r.get(15))?,
        acquired_how: dec(store, "vio_evidence.acquired_how", id, r.get(16))?,
        confidentiality: stored_level(r, 17),
        created_by: r.get(18),
        created_at: r.get(19),
    })
}

pub async fn get_evidence(store: &Store, id: i64) -> Result<Option<Evidence>> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM vio_evidence WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    r.map(|r| from_row(store, &r)).transpose()
}

/// Evidence items the actor may see, optionally of one event or derived from one item.
pub async fn list_evidence(
    store: &Store,
    actor: &Actor,
    event_id: Option<i64>,
    original_id: Option<i64>,
) -> Result<Vec<Evidence>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM vio_evidence v WHERE {} AND ($1 = 0 OR v.event_id = $1) AND ($2 = 0 OR v.original_id = $2) ORDER BY v.id",
        COLS.split(", ").map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", "),
        acl::visible_sql(actor, "v", dignity_core::RecordType::Evidence)
    ))
    .bind(event_id.unwrap_or(0))
    .bind(original_id.unwrap_or(0))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|r| from_row(store, r)).collect()
}

//! Pages and API of documenting violations (issue 4): the fast entry flow (event → act →
//! victim → perpetrator → source in one form, with duplicate warnings and drafts), event,
//! act, person, intervention, evidence and lens pages, the "due and overdue" page, streamed
//! evidence uploads, and the `/api/v1` endpoints for all of it.

mod api;
mod api_edit;
mod download;
mod edit;
mod edit_form;
#[cfg(test)]
pub(crate) mod examples;
mod forms;
mod pages;

use crate::ctx::Ctx;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use dignity_store::violations::evidence::{self, Blob, BlobWriter, EvidenceInput, UploadError};
use dignity_store::violations::{self as v, Vocab};
use serde_json::{json, Value as Json};

pub use api::ApiDoc;
pub(crate) use api::Paging;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/violations", get(pages::home))
        .route(
            "/violations/new",
            get(forms::entry_form).post(forms::entry_submit),
        )
        .route("/violations/events/{id}", get(pages::event_page))
        .route("/violations/events/{id}/acts", post(forms::add_act))
        .route(
            "/violations/events/{id}/information",
            post(forms::add_information),
        )
        .route(
            "/violations/events/{id}/interventions",
            post(forms::add_intervention),
        )
        .route(
            "/violations/events/{id}/evidence",
            post(forms::upload_evidence).layer(DefaultBodyLimit::disable()),
        )
        .route("/violations/events/{id}/case.json", get(pages::case_json))
        .route("/violations/acts/{id}", get(pages::act_page))
        .route("/violations/persons", get(pages::persons))
        .route("/violations/persons/{id}", get(pages::person_page))
        .route(
            "/violations/interventions/{id}",
            get(pages::intervention_page),
        )
        .route(
            "/violations/interventions/{id}/response",
            post(forms::intervention_response),
        )
        .route("/violations/due", get(pages::due))
        .route("/violations/lenses/{lens}", get(pages::lens_page))
        .route("/violations/death-penalty", post(pages::death_penalty))
        .route(
            "/violations/settings/priority",
            post(pages::priority_countries),
        )
        .route("/violations/evidence/{id}", get(pages::evidence_page))
        .route(
            "/violations/evidence/{id}/content",
            get(pages::evidence_content),
        )
        .route(
            "/violations/evidence/{id}/public-copy",
            post(pages::public_copy),
        )
        .route(
            "/violations/events/{id}/edit",
            get(edit::edit_event).post(edit::save_event),
        )
        .route(
            "/violations/acts/{id}/edit",
            get(edit::edit_act).post(edit::save_act),
        )
        .route(
            "/violations/persons/{id}/edit",
            get(edit::edit_person).post(edit::save_person),
        )
        .route(
            "/violations/involvements/{id}/edit",
            get(edit::edit_involvement).post(edit::save_involvement),
        )
        .route(
            "/violations/information/{id}/edit",
            get(edit::edit_information).post(edit::save_information),
        )
        .route("/violations/events/{id}/links", post(edit::link_event))
        .route("/violations/persons/{id}/links", post(edit::link_person))
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    api::router()
}

// ------------------------------------------------------------- helpers --

/// Form fields in order; repeated names allowed (multiple selects, checkboxes).
#[derive(Debug, Default, Clone)]
pub struct FormData(pub Vec<(String, String)>);

/// A form read by [`crate::authz::CsrfForm`]: every `(name, value)` pair, in order.
impl<'de> serde::Deserialize<'de> for FormData {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<(String, String)>::deserialize(d).map(FormData)
    }
}

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(url::form_urlencoded::parse(body).into_owned().collect())
    }
    pub fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }
    pub fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k)).filter(|v| !v.is_empty())
    }
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }
    pub fn to_json(&self) -> Json {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.0 {
            if k == "csrf_token" || k == "action" {
                continue;
            }
            match m.get_mut(k) {
                Some(Json::Array(a)) => a.push(Json::String(v.clone())),
                Some(old) => {
                    let o = old.take();
                    *old = Json::Array(vec![o, Json::String(v.clone())]);
                }
                None => {
                    m.insert(k.clone(), Json::String(v.clone()));
                }
            }
        }
        Json::Object(m)
    }
    pub fn from_json(v: &Json) -> FormData {
        let mut out = vec![];
        if let Some(o) = v.as_object() {
            for (k, val) in o {
                match val {
                    Json::Array(a) => out.extend(
                        a.iter()
                            .filter_map(|x| x.as_str())
                            .map(|x| (k.clone(), x.to_string())),
                    ),
                    Json::String(s) => out.push((k.clone(), s.clone())),
                    _ => {}
                }
            }
        }
        FormData(out)
    }
}

/// A reference to an existing person typed into a picker: `#12 — Name`, `#12` or `12`.
pub(crate) fn person_ref(s: &str) -> Option<i64> {
    let t = s.trim().trim_start_matches('#');
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return None;
    }
    let rest = t[digits.len()..].trim_start();
    if rest.is_empty()
        || rest.starts_with('—')
        || rest.starts_with('-')
        || s.trim().starts_with('#')
    {
        digits.parse().ok()
    } else {
        None
    }
}

/// Options of the coded fields, in the reader's language.
pub(crate) fn options(vocab: &Vocab, lang: &str, fields: &[&str]) -> Json {
    let mut m = serde_json::Map::new();
    for f in fields {
        let list = v::list_of(f).unwrap_or(0);
        let opts: Vec<Json> = vocab
            .options(list, lang)
            .into_iter()
            .map(|(code, label, level)| json!({ "code": code, "label": label, "prefix": "— ".repeat(level.clamp(0, 6) as usize) }))
            .collect();
        m.insert(f.to_string(), Json::Array(opts));
    }
    if fields.contains(&"int_type") {
        let extra = m
            .get_mut("int_type")
            .and_then(|x| x.as_array_mut())
            .expect("int_type");
        let mut all: Vec<Json> = v::interventions::EXTRA_TYPES
            .iter()
            .map(|t| json!({ "code": t, "label": crate::i18n::t(crate::i18n::Lang::parse(lang).unwrap_or_default(), &format!("vio.int_type.{t}")), "prefix": "" }))
            .collect();
        all.append(extra);
        *extra = all;
    }
    Json::Object(m)
}

pub(crate) fn country_options(vocab: &Vocab, lang: &str) -> Json {
    Json::Array(
        vocab
            .country_options(lang)
            .into_iter()
            .map(|(c, n)| json!({ "code": c, "label": n }))
            .collect(),
    )
}

/// The label of a coded value (or an extra intervention type), empty for none.
pub(crate) fn label(vocab: &Vocab, lang: crate::i18n::Lang, code: &Option<String>) -> String {
    match code.as_deref() {
        None | Some("") => String::new(),
        Some(c) if v::interventions::EXTRA_TYPES.contains(&c) => {
            crate::i18n::t(lang, &format!("vio.int_type.{c}"))
        }
        Some(c) => vocab.label(c, lang.code()),
    }
}

/// Stream a multipart upload to disk: the field `file` is hashed and stored while it
/// arrives; the other fields describe it. Nothing is stored unless the whole body arrived
/// and the file checks out.
///
/// Limits: the file at most `evidence::max_upload` bytes, each other field at most
/// [`crate::guard::MAX_FIELD_BYTES`], at most [`crate::guard::MAX_FIELDS`] of them; over a
/// limit the upload stops at once with 413 and a message (in `lang`) naming the limit.
pub(crate) async fn receive_upload(
    state: &AppState,
    lang: crate::i18n::Lang,
    mut mp: axum::extract::Multipart,
) -> Result<(EvidenceInput, Blob, Vec<u8>, FormData), (axum::http::StatusCode, String, &'static str)>
{
    use crate::guard::{human_size, MAX_FIELDS, MAX_FIELD_BYTES};
    use axum::http::StatusCode as S;
    let limit = evidence::max_upload(&state.store).await;
    let too_long = |field: &str, limit: u64| {
        crate::i18n::t_args(
            lang,
            "error.field_too_large",
            &[("field", field), ("limit", &human_size(limit))],
        )
    };
    let mut fields = FormData::default();
    let mut stored: Option<(BlobWriter, String, String)> = None;
    let bad = |e: axum::extract::multipart::MultipartError| {
        (
            S::BAD_REQUEST,
            format!("the upload was interrupted or malformed: {e}"),
            "file",
        )
    };
    loop {
        let Some(mut field) = mp.next_field().await.map_err(bad)? else {
            break;
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            if stored.is_some() {
                return Err((
                    S::UNPROCESSABLE_ENTITY,
                    "send one file per upload".into(),
                    "file",
                ));
            }
            let filename = field.file_name().unwrap_or("").to_string();
            let ctype = field.content_type().unwrap_or("").to_string();
            // The file is encrypted and written by a blocking task, fed through a channel
            // of a few chunks: the async thread never waits on the disk, and the memory
            // stays that of those chunks whatever the file's size.
            let (tx, rx) = tokio::sync::mpsc::channel::<axum::body::Bytes>(4);
            let store = state.store.clone();
            let writer = tokio::task::spawn_blocking(move || write_upload(&store, limit, rx));
            let mut failed = None;
            loop {
                match field.chunk().await {
                    // A closed channel: the writer stopped (its error is read below).
                    Ok(Some(chunk)) => {
                        if tx.send(chunk).await.is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        failed = Some(bad(e));
                        break;
                    }
                }
            }
            drop(tx);
            let w = writer
                .await
                .map_err(|e| (S::INTERNAL_SERVER_ERROR, e.to_string(), "file"))?
                .map_err(|e| match e {
                    UploadError::TooLarge { limit } => {
                        (S::PAYLOAD_TOO_LARGE, too_long("file", limit), "file")
                    }
                    e => (S::INTERNAL_SERVER_ERROR, e.to_string(), "file"),
                })?;
            if let Some(e) = failed {
                // Dropping the writer removes its temporary file, before the answer.
                let _ = tokio::task::spawn_blocking(move || drop(w)).await;
                return Err(e);
            }
            stored = Some((w, filename, ctype));
        } else {
            if fields.0.len() >= MAX_FIELDS {
                let msg = crate::i18n::t_args(
                    lang,
                    "error.too_many_fields",
                    &[("limit", &MAX_FIELDS.to_string())],
                );
                return Err((S::PAYLOAD_TOO_LARGE, msg, "file"));
            }
            // Read the field chunk by chunk and stop at the limit: a title of hundreds of
            // megabytes is refused after 64 KiB, not held in memory.
            let mut bytes: Vec<u8> = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > MAX_FIELD_BYTES {
                    let shown = known_field(&name);
                    return Err((
                        S::PAYLOAD_TOO_LARGE,
                        too_long(shown, MAX_FIELD_BYTES as u64),
                        shown,
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            let text = String::from_utf8(bytes).map_err(|_| {
                (
                    S::UNPROCESSABLE_ENTITY,
                    "a form field is not UTF-8 text".to_string(),
                    known_field(&name),
                )
            })?;
            fields.0.push((name, text));
        }
    }
    let Some((w, filename, ctype)) = stored else {
        return Err((
            S::UNPROCESSABLE_ENTITY,
            "no file: send it in the multipart field \"file\"".into(),
            "file",
        ));
    };
    let head = w.head().to_vec();
    let claimed = fields.opt("sha256");
    // Flush, sync and rename: blocking too.
    let blob = tokio::task::spawn_blocking(move || w.finish(claimed.as_deref()))
        .await
        .map_err(|e| (S::INTERNAL_SERVER_ERROR, e.to_string(), "file"))?
        .map_err(|e| match e {
            UploadError::HashMismatch { .. } => (S::UNPROCESSABLE_ENTITY, e.to_string(), "sha256"),
            UploadError::Empty => (S::UNPROCESSABLE_ENTITY, e.to_string(), "file"),
            e => (S::INTERNAL_SERVER_ERROR, e.to_string(), "file"),
        })?;
    let input = EvidenceInput {
        title: fields.get("title"),
        description: fields.get("description"),
        filename: if fields.get("filename").is_empty() {
            filename
        } else {
            fields.get("filename")
        },
        media_type: if fields.get("media_type").is_empty() {
            ctype
        } else {
            fields.get("media_type")
        },
        derivation: fields.get("derivation"),
        original_id: fields.get("original_id").parse().ok(),
        event_id: fields.get("event_id").parse().ok(),
        act_id: fields.get("act_id").parse().ok(),
        person_id: fields.get("person_id").parse().ok(),
        acquired_from: fields.get("acquired_from"),
        acquired_at: fields.get("acquired_at"),
        acquired_how: fields.get("acquired_how"),
        confidentiality: fields.get("confidentiality"),
        need_to_know_users: vec![],
        need_to_know_teams: vec![],
    };
    Ok((input, blob, head, fields))
}

/// The blocking side of an upload: open the temporary file, write every chunk `rx`
/// gives (encrypted, hashed) until the sender is dropped. Stops at the first error (over
/// the limit, a full disk); the dropped writer removes its temporary file.
fn write_upload(
    store: &dignity_store::Store,
    limit: u64,
    mut rx: tokio::sync::mpsc::Receiver<axum::body::Bytes>,
) -> Result<BlobWriter, UploadError> {
    let mut w = BlobWriter::new(store, limit)?;
    while let Some(chunk) = rx.blocking_recv() {
        w.write(&chunk)?;
    }
    Ok(w)
}

/// The name of an upload's text field as the answer may repeat it (a field of the form;
/// anything else is named "field").
fn known_field(name: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "csrf_token",
        "title",
        "description",
        "filename",
        "media_type",
        "derivation",
        "original_id",
        "event_id",
        "act_id",
        "person_id",
        "acquired_from",
        "acquired_at",
        "acquired_how",
        "confidentiality",
        "sha256",
    ];
    KNOWN
        .iter()
        .find(|k| **k == name)
        .copied()
        .unwrap_or("field")
}

/// Create the record of an uploaded file after checking access to what it is linked to;
/// removes the stored file again if the record cannot be written.
pub(crate) async fn save_upload(
    state: &AppState,
    ctx: &Ctx,
    input: &EvidenceInput,
    blob: &Blob,
    head: &[u8],
) -> Result<i64, dignity_store::StoreError> {
    use dignity_core::auth::Action;
    let store = &state.store;
    let r = async {
        for (t, id) in [
            (v::EVENT, input.event_id),
            (v::ACT, input.act_id),
            (v::PERSON, input.person_id),
            (v::EVIDENCE, input.original_id),
        ] {
            if let Some(id) = id {
                v::require(store, &ctx.actor, Action::Read, t, id).await?;
            }
        }
        // The file is read (type, metadata, zip contents) before the write transaction
        // opens: the transaction, and the audit lock it holds, wait on no file.
        let analysis = {
            let (store, declared, blob, head) = (
                store.clone(),
                input.media_type.clone(),
                blob.clone(),
                head.to_vec(),
            );
            tokio::task::spawn_blocking(move || {
                evidence::analyse_file(&store, &declared, &blob, &head)
            })
            .await
            .map_err(|e| dignity_store::StoreError::Internal(format!("file analysis: {e}")))?
        };
        let mut tx = store.begin(&ctx.actor).await?;
        let id = evidence::create_evidence_analysed(&mut tx, input, blob, &analysis).await?;
        tx.commit().await?;
        Ok(id)
    }
    .await;
    if r.is_err() {
        let _ = evidence::discard_if_unused(store, blob).await;
    }
    r
}

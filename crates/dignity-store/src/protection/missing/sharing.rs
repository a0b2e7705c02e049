//! What was shared with whom, consent-checked shares and exports for a recipient.

use super::*;
use crate::shared::BindCreated;

/// One time information about a case left the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Share {
    pub id: i64,
    pub missing_id: i64,
    pub recipient_kind: String,
    pub recipient: String,
    /// share, export or api.
    pub channel: String,
    /// What was sent (field names).
    pub fields: String,
    pub by: String,
    pub at: String,
}

/// The fields that go out when a case is shared.
pub const SHARED_FIELDS: &str =
    "name,sex,birth_date,last_seen_date,last_seen_place,region,status,status_on,history";

/// Share a case with a recipient, if the family's consent allows it; logged in
/// `pro_shares` and audited. Refused (nothing written) otherwise.
pub async fn share(
    tx: &mut WriteTx,
    missing_id: i64,
    recipient_kind: &str,
    recipient: &str,
    channel: &str,
) -> Result<i64> {
    let kind = RecipientKind::parse_outside(recipient_kind)?;
    let recipient = rules::recipient(kind, recipient)?;
    let store = tx.store().clone();
    case_consent(&store, missing_id).await?.check(kind)?;
    let recipient_kind = kind.as_str();
    let id = tx.next_id("pro_shares").await?;
    let to = enc_keep(tx.store(), "pro_shares.recipient", id, &recipient);
    sqlx::query(
        "INSERT INTO pro_shares (missing_id, recipient_kind, recipient, channel, fields, by_user, by_name, at, id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(missing_id)
    .bind(recipient_kind)
    .bind(to)
    .bind(channel)
    .bind(SHARED_FIELDS)
    .bind_signed(tx)
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "missing.share",
        MISSING,
        &missing_id.to_string(),
        None,
        None,
        serde_json::json!({ "share_id": id, "recipient_kind": recipient_kind, "channel": channel }),
    );
    Ok(id)
}

/// Whether an error is a refusal by the family's consent.
pub fn is_consent_refusal(e: &StoreError) -> bool {
    matches!(e, StoreError::Rejected(i) if i.field == "consent")
}

/// Record a refused attempt to pass a case on (its consent does not allow the recipient),
/// so that the audit log shows attempts as well as what left. Audited; no names.
pub async fn log_refused_share(
    store: &Store,
    actor: &Actor,
    missing_id: i64,
    recipient_kind: &str,
    channel: &str,
) -> Result<()> {
    store
        .log_event(
            actor,
            "missing.share_refused",
            MISSING,
            &missing_id.to_string(),
            serde_json::json!({ "recipient_kind": recipient_kind, "channel": channel }),
        )
        .await
}

pub async fn shares(store: &Store, missing_id: i64) -> Result<Vec<Share>> {
    sqlx::query("SELECT id, missing_id, recipient_kind, recipient, channel, fields, by_name, at FROM pro_shares WHERE missing_id = $1 ORDER BY id")
        .bind(missing_id)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            Ok(Share {
                id,
                missing_id: r.get(1),
                recipient_kind: r.get(2),
                recipient: dec(store, "pro_shares.recipient", id, r.get(3))?,
                channel: r.get(4),
                fields: r.get(5),
                by: r.get(6),
                at: r.get(7),
            })
        })
        .collect()
}

/// One case as it leaves the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedCase {
    pub id: i64,
    pub name: String,
    pub sex: Option<String>,
    pub birth_date: String,
    pub last_seen_date: String,
    pub last_seen_place: String,
    pub region: String,
    pub status: String,
    pub status_on: String,
    pub history: Vec<(String, String)>,
}

/// What an export for a recipient contains and what it withheld.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportForRecipient {
    pub recipient_kind: String,
    pub recipient: String,
    pub cases: Vec<SharedCase>,
    /// Cases the exporter may read that the families' consent keeps from this recipient.
    pub withheld: i64,
}

/// Export the cases the actor may export to a recipient: only those whose consent allows
/// it; every exported case is logged as shared (channel `export` or `api`), the export
/// itself audited. Names go out only when the actor may see them.
pub async fn export_for(
    store: &Store,
    actor: &Actor,
    recipient_kind: &str,
    recipient: &str,
    channel: &str,
    filter: &MissingFilter,
) -> Result<ExportForRecipient> {
    let kind = RecipientKind::parse(recipient_kind)?;
    let recipient = rules::recipient(kind, recipient)?;
    let (_, rows) = list_missing(store, actor, filter, 1000, 0).await?;
    let mut cases = vec![];
    let mut withheld = 0;
    let mut ids = vec![];
    for r in rows {
        if !can(store, actor, Action::Export, MISSING, r.id).await? {
            withheld += 1;
            continue;
        }
        if !case_consent(store, r.id).await?.allows(kind) {
            withheld += 1;
            continue;
        }
        let Some(c) = case_for(store, actor, r.id).await? else {
            continue;
        };
        let h = history(store, r.id)
            .await?
            .into_iter()
            .map(|e| (e.changed_on, e.to_status))
            .collect();
        ids.push(r.id);
        cases.push(SharedCase {
            id: c.id,
            name: c.name,
            sex: c.sex,
            birth_date: c.birth_date,
            last_seen_date: c.disappearance.last_seen_date,
            last_seen_place: c.disappearance.last_seen_place,
            region: c.disappearance.region,
            status: c.status,
            status_on: c.status_on,
            history: h,
        });
    }
    let rk = kind.as_str();
    let rc = recipient.clone();
    let ch = channel.to_string();
    let n = ids.len();
    store
        .write(actor, async |tx| {
            if kind != RecipientKind::OrganisationOnly {
                for id in &ids {
                    // Consent is checked again inside the transaction that records the share.
                    share(tx, *id, rk, &rc, &ch).await?;
                }
            }
            tx.audit("missing.export", MISSING, "*", None, None, serde_json::json!({ "recipient_kind": rk, "cases": n, "withheld": withheld, "channel": ch }));
            Ok(())
        })
        .await?;
    Ok(ExportForRecipient {
        recipient_kind: rk.into(),
        recipient,
        cases,
        withheld,
    })
}

/// CSV of an export.
pub fn export_csv(e: &ExportForRecipient) -> String {
    let mut w = dignity_core::edge::CsvWriter::from_writer(vec![]);
    let _ = w.write_record([
        "case",
        "name",
        "sex",
        "birth_date",
        "last_seen_date",
        "last_seen_place",
        "region",
        "status",
        "status_on",
        "history",
    ]);
    for c in &e.cases {
        let h = c
            .history
            .iter()
            .map(|(d, s)| format!("{d} {s}"))
            .collect::<Vec<_>>()
            .join("; ");
        let _ = w.write_record([
            c.id.to_string().as_str(),
            &c.name,
            c.sex.as_deref().unwrap_or(""),
            &c.birth_date,
            &c.last_seen_date,
            &c.last_seen_place,
            &c.region,
            &c.status,
            &c.status_on,
            &h,
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

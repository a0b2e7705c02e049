//! The keyed columns of source records (HMAC under the index key): the content hash that
//! tells a changed row from an unchanged one, and the external id that finds a record
//! again on re-import; and the upgrade steps that key what older versions stored.

use super::*;

/// What is stored in `content_hash`: `k1:` and a keyed hash (index key) of the row's
/// SHA-256, so that a dictionary of names cannot be checked against the column. Rows written
/// before held the plain SHA-256; [`rekey_content_hashes`] turns them into this form (it
/// needs only the stored value, nothing is decrypted).
pub(super) fn stored_hash(keys: &dignity_core::crypto::Keyring, digest: &str) -> String {
    if digest.starts_with("k1:") {
        return digest.to_string();
    }
    format!(
        "k1:{}",
        keys.content_mac("pro_source_records.content_hash", digest)
    )
}

/// Turn the plain SHA-256 content hashes of source records written by older versions into
/// keyed ones (run at server start and before an import). Returns how many were changed.
pub async fn rekey_content_hashes(store: &Store) -> Result<usize> {
    let system = Actor::system();
    let mut done = 0;
    loop {
        let n = store
            .write(&system, async |tx| {
                let rows = sqlx::query("SELECT id, content_hash FROM pro_source_records WHERE content_hash NOT LIKE 'k1:%' ORDER BY id LIMIT 2000")
                    .fetch_all(tx.conn())
                    .await?;
                let keys = tx.store().keys();
                for r in &rows {
                    sqlx::query("UPDATE pro_source_records SET content_hash = $1 WHERE id = $2")
                        .bind(stored_hash(&keys, &r.get::<String, _>(1)))
                        .bind(r.get::<i64, _>(0))
                        .execute(tx.conn())
                        .await?;
                }
                tx.audit(
                    "source_records.rekey_hashes",
                    "pro_source_records",
                    "",
                    None,
                    None,
                    serde_json::json!({ "rows": rows.len() }),
                );
                Ok(rows.len())
            })
            .await?;
        done += n;
        if n < 2000 {
            return Ok(done);
        }
    }
}

pub(super) async fn any_unkeyed_hash(store: &Store) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM pro_source_records WHERE content_hash NOT LIKE 'k1:%' LIMIT 1")
            .fetch_optional(store.pool())
            .await?
            .is_some(),
    )
}

/// Kind of the keyed external id ([`external_key`]).
const EXTERNAL_ID_KIND: &str = "pro_source_records.external_id";

/// What is stored in `external_id_key`: the keyed token (index key) of a record's external
/// id *within its source* (the source's id is part of the keyed input), so that a re-import
/// finds the records of a source by their identifier without the identifier in clear, and
/// equal identifiers in two sources do not show as equal.
pub fn external_key(
    keys: &dignity_core::crypto::Keyring,
    source_id: i64,
    external_id: &str,
) -> String {
    keys.blind_index(EXTERNAL_ID_KIND, &format!("{source_id}:{external_id}"))
}

const MISSING_EXTERNAL_KEY: &str = "external_id_key = '' AND external_id <> ''";

/// Fill the keyed external id of source records written before it existed (migration
/// 0019), from the stored value (encrypted at start by `at_rest::encrypt_clear_fields`, or
/// still in clear). Run at `dignity serve` start and by the commands that open the records
/// (through [`ensure_match_keys`]); audited in batches with a count, never a value. Returns
/// the number of records keyed.
pub async fn ensure_external_keys(store: &Store) -> Result<usize> {
    let mut done = 0;
    loop {
        let pending = sqlx::query(&format!(
            "SELECT 1 FROM pro_source_records WHERE {MISSING_EXTERNAL_KEY} LIMIT 1"
        ))
        .fetch_optional(store.pool())
        .await?;
        if pending.is_none() {
            return Ok(done);
        }
        let n = store
            .write(&Actor::system(), async |tx| {
                // Read inside the transaction: an import may have keyed them meanwhile.
                let rows = sqlx::query(&format!(
                    "SELECT id, source_id, external_id FROM pro_source_records WHERE {MISSING_EXTERNAL_KEY} ORDER BY id LIMIT 500"
                ))
                .fetch_all(tx.conn())
                .await?;
                let store = tx.store().clone();
                let keys = store.keys();
                for r in &rows {
                    let id: i64 = r.get(0);
                    let ext = dec_or_clear(&store, "pro_source_records.external_id", id, r.get(2))?;
                    sqlx::query("UPDATE pro_source_records SET external_id_key = $1 WHERE id = $2")
                        .bind(external_key(&keys, r.get(1), &ext))
                        .bind(id)
                        .execute(tx.conn())
                        .await?;
                }
                tx.audit(
                    "source_records.external_keys",
                    "pro_source_records",
                    "",
                    None,
                    None,
                    serde_json::json!({ "records": rows.len() }),
                );
                Ok(rows.len())
            })
            .await?;
        if n == 0 {
            return Ok(done);
        }
        done += n;
    }
}

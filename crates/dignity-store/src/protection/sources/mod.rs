//! Lists of missing persons from other sources (a commission, the Red Cross, NGOs, family
//! associations): import through a column mapping (CSV or XLSX), every record kept as
//! received and linked to the consolidated case; candidate matches by normalised name
//! (with Latin/Cyrillic transliteration, from `dignity_stats::linkage::text`), date of birth
//! and place.

use super::missing::{self, MissingInput};
use super::*;
use crate::now;
use crate::shared::BindCreated;
use crate::violations::{self as v, Vocab};
use dignity_core::columns::UnusedColumn;
use dignity_core::protection::sources::{self as rules, SourceKind, Target};
use dignity_stats::linkage::text;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

mod candidates;
mod case_candidates;
mod import;
mod keyed;
mod matching;
mod parse;
mod read;
mod records;

pub use candidates::*;
pub use case_candidates::*;
pub use import::*;
pub use keyed::*;
pub use matching::*;
pub use parse::*;
pub use read::*;
pub use records::*;

/// Kinds of source (the codes of [`SourceKind`]).
pub const SOURCE_KINDS: &[&str] = &SourceKind::CODES;
/// Fields a column can be mapped to (the codes of [`Target`]). `external_id` and `name` are
/// required.
pub const TARGETS: &[&str] = &Target::CODES;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Source {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub records: i64,
    pub linked: i64,
}

/// Register a source of lists. Audited.
pub async fn create_source(tx: &mut WriteTx, name: &str, kind: &str) -> Result<i64> {
    let input = rules::SourceInput::parse(name, kind)?;
    let (name, kind) = (input.name.as_str(), input.kind.as_str());
    // Names are encrypted: the uniqueness is checked here, among the (few) sources.
    let store = tx.store().clone();
    if source_names(&store, tx.conn())
        .await?
        .values()
        .any(|n| rules::same_source_name(n, name))
    {
        return Err(rules::source_name_taken().into());
    }
    let id = tx.next_id("pro_sources").await?;
    let enc_name = enc_keep(&store, "pro_sources.name", id, name);
    sqlx::query(
        "INSERT INTO pro_sources (name, kind, created_by, created_at, id) VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(enc_name)
    .bind(kind)
    .bind_created(tx)
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "source.create",
        "pro_sources",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "kind": kind }),
    );
    Ok(id)
}

/// Every source, by name (sorted here: the names are encrypted).
pub async fn sources(store: &Store) -> Result<Vec<Source>> {
    let mut out = sqlx::query(
        "SELECT s.id, s.name, s.kind, (SELECT COUNT(*) FROM pro_source_records r WHERE r.source_id = s.id AND r.current = 1), \
         (SELECT COUNT(*) FROM pro_source_records r WHERE r.source_id = s.id AND r.current = 1 AND r.missing_id IS NOT NULL) \
         FROM pro_sources s",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let id: i64 = r.get(0);
        Ok(Source { id, name: dec(store, "pro_sources.name", id, r.get(1))?, kind: r.get(2), records: r.get(3), linked: r.get(4) })
    })
    .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// The (decrypted) name of every source, by id.
async fn source_names(
    store: &Store,
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
) -> Result<HashMap<i64, String>> {
    sqlx::query("SELECT id, name FROM pro_sources")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            Ok((id, dec(store, "pro_sources.name", id, r.get(1))?))
        })
        .collect()
}

/// A source by its name (exact), for scripts that name the source.
pub async fn source_by_name(store: &Store, name: &str) -> Result<Option<Source>> {
    Ok(sources(store)
        .await?
        .into_iter()
        .find(|s| s.name == name.trim()))
}

/// Whether the actor's role may import lists (they create confidential records).
pub fn may_import(actor: &Actor) -> bool {
    authorize(
        actor,
        Action::Create,
        &dignity_core::RecordAccess::new(Confidentiality::Confidential),
    )
    .allowed()
}

//! Storage of the protection area (issue 5): human rights **defenders** (profile, attacks
//! and threats as violations acts, risk assessments, protection measures, check-ins) and
//! **missing persons** (cases with a status history backed by evidence, families and their
//! sharing consent, lists from other sources with candidate matching, family access links).
//!
//! People are the violations area's persons (`vio_persons`); attacks are its events and
//! acts; evidence backing a status change is its evidence items. This module adds only
//! what is specific to protection, in tables `pro_*` (migration 0301).
//!
//! Rules every function here keeps (see `DEVELOPERS.md`):
//! - names, contact details, whereabouts, places and narratives are encrypted fields;
//! - single records are read through [`can`] / [`require`] (the authorization module);
//!   lists and counts filter with [`profile_visible_sql`] in SQL (the profile or case *and*
//!   the person it discloses, the same rule as opening it);
//! - children (risk assessments, measures, check-ins, relatives, reports, shares) take the
//!   access of their defender or case;
//! - every write goes through a [`WriteTx`] and is audited (hashes of the content only).

pub mod defenders;
pub mod index;
pub mod missing;
pub mod reports;
pub mod sources;

use crate::shared::stored_level;
use crate::{acl, Result, Store, StoreError, WriteTx};
use chrono::NaiveDate;
use dignity_core::auth::{authorize, Action};
use dignity_core::protection as pro_rules;
use dignity_core::{Actor, Confidentiality};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

/// Record types (also `record_acl.record_type` and the audit `record_type`).
pub const DEFENDER: &str = "pro_defenders";
pub const MISSING: &str = "pro_missing";

// The input rules shared by the parts of the area are in `dignity_core::protection`; these
// wrappers keep the store's signatures (a field given at run time, today's date).

/// A full calendar date (`YYYY-MM-DD`), with the field named in the error.
pub fn day(field: &str, s: &str) -> Result<NaiveDate> {
    Ok(pro_rules::day(field.to_string(), s)?)
}

/// An optional full date: empty is `None`.
pub fn opt_day(field: &str, s: &str) -> Result<Option<NaiveDate>> {
    Ok(pro_rules::opt_day(field.to_string(), s)?)
}

/// Today (UTC).
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A date no later than today.
pub(crate) fn not_future(field: &str, d: NaiveDate) -> Result<NaiveDate> {
    Ok(pro_rules::not_future(field.to_string(), d, today())?)
}

/// An amount of money as entered (`1500`, `1500.50`, `1 500,50`) in cents.
pub fn cents(field: &str, s: &str) -> Result<Option<i64>> {
    Ok(pro_rules::cents(field.to_string(), s)?)
}

/// Cents as text (`1500.50`).
pub use pro_rules::money;

/// An ISO 4217 currency code (three capital letters).
pub fn currency(field: &str, s: &str) -> Result<String> {
    Ok(pro_rules::currency(field.to_string(), s)?)
}

pub(crate) use crate::fields::{dec, enc, enc_keep};

/// The keyed token of a short label that SQL filters and groups by (a region, a
/// community): HMAC under the index key, empty for an empty label. `kind` separates the
/// columns, so equal labels in two columns have unrelated tokens.
pub fn label_key(store: &Store, kind: &str, label: &str) -> String {
    let t = label.trim();
    if t.is_empty() {
        String::new()
    } else {
        store.keys().blind_index(kind, t)
    }
}

/// Token kinds of [`label_key`].
pub const REGION_KEY: &str = "pro_missing.region";
pub const COMMUNITY_KEY: &str = "pro_missing.community";

/// The clear sort key of a date a user typed: its month (`YYYY-MM`), or its year when only
/// the year is known, empty when unknown. The day is kept only in the encrypted value, so
/// range filters and sorting in SQL work at month precision (see `docs/security.md`).
pub fn month_key(d: &dignity_core::PartialDate) -> String {
    d.to_string()
        .trim_start_matches('~')
        .chars()
        .take(7)
        .collect()
}

/// The access facts of a defender or missing person case.
pub use crate::violations::record_access;

/// How a list shows person `pid` to its reader: the name where the reader sees names
/// (`names`, from `violations::sees_names`), the pseudonym otherwise.
pub(crate) async fn person_display(store: &Store, pid: i64, names: bool) -> Result<String> {
    Ok(if names {
        crate::violations::get_person(store, pid)
            .await?
            .map(|p| p.name)
            .unwrap_or_default()
    } else {
        crate::violations::pseudonym(store, pid)
    })
}

/// The record type of a defender's or a case's table: the SQL names its table from the
/// type (never from the string it was given).
fn profile_type(table: &str) -> Result<dignity_core::RecordType> {
    use dignity_core::RecordType;
    match RecordType::from_table(table) {
        Some(t @ (RecordType::Defender | RecordType::Missing)) => Ok(t),
        _ => Err(StoreError::Internal(format!(
            "{table} is not a defender or case table"
        ))),
    }
}

/// SQL (for a WHERE clause): the defender profile or missing-person case `alias` (a row of
/// `record_type`, a defender or a case) is readable **with the person it discloses** — the
/// SQL form of [`can`]`(actor, Read, …)` (`authorize_disclosing` in core). Every list and
/// count of profiles or cases uses it, never the record's own level alone, so that neither a
/// row nor a number tells that a person the reader may not see is recorded.
pub fn profile_visible_sql(
    actor: &Actor,
    alias: &str,
    record_type: dignity_core::RecordType,
) -> String {
    debug_assert!(matches!(
        record_type,
        dignity_core::RecordType::Defender | dignity_core::RecordType::Missing
    ));
    format!(
        "({} AND ({alias}.person_id IS NULL OR EXISTS (SELECT 1 FROM vio_persons dx_{alias} \
         WHERE dx_{alias}.id = {alias}.person_id AND {})))",
        acl::visible_sql(actor, alias, record_type),
        acl::visible_sql(
            actor,
            &format!("dx_{alias}"),
            dignity_core::RecordType::Person
        ),
    )
}

/// May `actor` do `action` on a defender or case (and [`require`], as an error)? The checks
/// of every area's records.
pub use crate::shared::{can, require};

/// [`require`] for checks inside a write transaction: read on the transaction (a case it
/// opened counts) and nothing logged (a separate log write would wait for the
/// transaction's own lock; the write is audited itself).
pub(crate) async fn require_in_tx(
    tx: &mut WriteTx,
    action: Action,
    table: &str,
    id: i64,
) -> Result<()> {
    let nf = || StoreError::NotFound(format!("{table} {id}"));
    let access = crate::violations::access_in_tx(tx, table, id)
        .await?
        .ok_or_else(nf)?;
    let table = profile_type(table)?.table();
    let person: Option<i64> = sqlx::query(&format!("SELECT person_id FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .and_then(|r| r.get(0));
    let mut disclosed = Vec::new();
    if let Some(pid) = person {
        disclosed.push(
            crate::violations::access_in_tx(tx, crate::violations::PERSON, pid)
                .await?
                .unwrap_or_default(),
        );
    }
    let disclosed: Vec<&dignity_core::RecordAccess> = disclosed.iter().collect();
    let actor = tx.actor();
    let decide = |a| dignity_core::auth::authorize_disclosing(actor, a, &access, &disclosed);
    if !decide(Action::Read).allowed() {
        return Err(nf());
    }
    if action == Action::Read || decide(action).allowed() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "your role or the record's need-to-know list does not allow this".into(),
        ))
    }
}

/// The need-to-know list of a restricted record: the given users and teams, plus extra
/// users (the contact point) — always including the creator through `created_by`.
pub(crate) use crate::shared::set_list;

/// The need-to-know list of a record: (users, teams).
pub async fn lists_of(store: &Store, table: &str, id: i64) -> Result<(Vec<i64>, Vec<i64>)> {
    let a = acl::access(
        store,
        table,
        &id.to_string(),
        Confidentiality::Internal,
        false,
        None,
    )
    .await?;
    Ok((a.need_to_know_users, a.need_to_know_teams))
}

// ----------------------------------------------------------------- terms --

/// Kinds of local vocabulary.
pub const TERM_KINDS: &[&str] = pro_rules::TermKind::CODES;

/// A term of a local vocabulary (areas of work, types of attack).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Term {
    pub kind: String,
    pub code: String,
    /// The label in the reader's language (English when that one is empty).
    pub label: String,
    /// What an editor enters (flattened: the JSON fields stay at the top level).
    #[serde(flatten)]
    pub entry: TermInput,
    /// Attacks: the category used by reports (killing, enforced_disappearance, …).
    pub category: String,
}

/// What an editor enters for a term.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(default)]
pub struct TermInput {
    pub label_en: String,
    pub label_fr: String,
    pub label_es: String,
    pub label_ar: String,
    pub label_ru: String,
    /// Attacks: the HURIDOCS type of act (micro-thesaurus 4) recorded on the act.
    pub act_type: String,
    /// Attacks: a reprisal for cooperation with the UN.
    pub un_reprisal: bool,
    pub active: bool,
}

/// The terms of a kind, in display order; retired ones only with `all`.
pub async fn terms(store: &Store, kind: &str, lang: &str, all: bool) -> Result<Vec<Term>> {
    let rows = sqlx::query(
        "SELECT kind, code, label_en, label_fr, label_es, label_ar, label_ru, act_type, category, un_reprisal, active \
         FROM pro_terms WHERE kind = $1 AND (active = 1 OR $2 = 1) ORDER BY sort_order, id",
    )
    .bind(kind)
    .bind(all as i64)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let labels: [String; 5] = [r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)];
            let l = &labels[crate::violations::lang_idx(lang)];
            Term {
                kind: r.get(0),
                code: r.get(1),
                label: if l.is_empty() {
                    labels[0].clone()
                } else {
                    l.clone()
                },
                entry: TermInput {
                    label_en: labels[0].clone(),
                    label_fr: labels[1].clone(),
                    label_es: labels[2].clone(),
                    label_ar: labels[3].clone(),
                    label_ru: labels[4].clone(),
                    act_type: r.get(7),
                    un_reprisal: r.get::<i64, _>(9) == 1,
                    active: r.get::<i64, _>(10) == 1,
                },
                category: r.get(8),
            }
        })
        .collect())
}

/// One term (active or not).
pub async fn term(store: &Store, kind: &str, code: &str) -> Result<Option<Term>> {
    Ok(terms(store, kind, "en", true)
        .await?
        .into_iter()
        .find(|t| t.code == code))
}

/// The kind, English label and type of act of a term, checked by the core rules.
fn check_term(kind: &str, t: &TermInput) -> Result<pro_rules::TermCheck> {
    Ok(pro_rules::parse_term(kind, &t.label_en, &t.act_type)?)
}

/// Add a local term; returns its code (`local-<n>`). Audited.
pub async fn add_term(tx: &mut WriteTx, kind: &str, t: &TermInput) -> Result<String> {
    let checked = check_term(kind, t)?;
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM pro_terms WHERE kind = $1")
        .bind(kind)
        .fetch_one(tx.conn())
        .await?
        .get(0);
    let code = format!("local-{}", n + 1);
    sqlx::query(
        "INSERT INTO pro_terms (kind, code, label_en, label_fr, label_es, label_ar, label_ru, act_type, category, un_reprisal, active, sort_order) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,1,$11)",
    )
    .bind(kind)
    .bind(&code)
    .bind(&checked.label_en)
    .bind(t.label_fr.trim())
    .bind(t.label_es.trim())
    .bind(t.label_ar.trim())
    .bind(t.label_ru.trim())
    .bind(checked.act_type.as_deref().unwrap_or(""))
    .bind(if kind == "attack" { if t.un_reprisal { "reprisal" } else { "other" } } else { "" })
    .bind(t.un_reprisal as i64)
    .bind(100 + n)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "pro_term.add",
        "pro_terms",
        &format!("{kind}/{code}"),
        None,
        Some(&serde_json::to_value(t).unwrap_or_default()),
        serde_json::json!({ "kind": kind }),
    );
    Ok(code)
}

/// Change a term's labels or retire it (retired terms stay on existing records). Audited.
pub async fn update_term(tx: &mut WriteTx, kind: &str, code: &str, t: &TermInput) -> Result<()> {
    let checked = check_term(kind, t)?;
    let before = term(tx.store(), kind, code)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("term {kind}/{code}")))?;
    sqlx::query(
        "UPDATE pro_terms SET label_en = $1, label_fr = $2, label_es = $3, label_ar = $4, label_ru = $5, \
         act_type = $6, un_reprisal = $7, active = $8 WHERE kind = $9 AND code = $10",
    )
    .bind(&checked.label_en)
    .bind(t.label_fr.trim())
    .bind(t.label_es.trim())
    .bind(t.label_ar.trim())
    .bind(t.label_ru.trim())
    .bind(checked.act_type.unwrap_or_else(|| before.entry.act_type.clone()))
    .bind(t.un_reprisal as i64)
    .bind(t.active as i64)
    .bind(kind)
    .bind(code)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "pro_term.update",
        "pro_terms",
        &format!("{kind}/{code}"),
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        Some(&serde_json::to_value(t).unwrap_or_default()),
        serde_json::json!({ "kind": kind }),
    );
    Ok(())
}

/// Check that `person_id` names an existing person who has no row in `table` yet (one
/// defender profile, one missing-person case per person). The refusal names the record from
/// `table`.
async fn ensure_person_free(tx: &mut WriteTx, table: &'static str, person_id: i64) -> Result<()> {
    // The person must exist and be readable by the writer (the same answer either way):
    // a profile or a case is never opened on a person its writer may not see.
    if !crate::violations::records::exists(tx, crate::violations::PERSON, person_id).await? {
        return Err(pro_rules::no_such("person_id", pro_rules::Refers::Person, person_id).into());
    }
    let n: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) FROM {table} WHERE person_id = $1"
    ))
    .bind(person_id)
    .fetch_one(tx.conn())
    .await?
    .get(0);
    if n > 0 {
        return Err(pro_rules::person_taken(match profile_type(table)? {
            dignity_core::RecordType::Defender => pro_rules::OnePerPerson::DefenderProfile,
            _ => pro_rules::OnePerPerson::MissingCase,
        })
        .into());
    }
    Ok(())
}

/// The rows that belong to a defender or a case (risk assessments, relatives, reports…):
/// `sql` selects them by their parent (`$1`), the row id first; `read` reads one row (given
/// its id).
pub(crate) async fn children_of<T>(
    store: &Store,
    sql: &str,
    parent: i64,
    read: impl Fn(&sqlx::any::AnyRow, i64) -> Result<T>,
) -> Result<Vec<T>> {
    sqlx::query(sql)
        .bind(parent)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| read(r, r.get(0)))
        .collect()
}

/// The person a new defender profile or missing person case is about: an existing person
/// (`person_id`), or a new one from the fields here. Inputs embed it flattened (the JSON
/// fields stay at the top level).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewPerson {
    /// An existing person; otherwise a person is created from the fields below.
    pub person_id: Option<i64>,
    pub name: String,
    pub other_names: Vec<String>,
    /// Micro-thesaurus 39.
    pub sex: Option<String>,
    pub birth_date: String,
    /// child, youth, adult, elderly, unknown.
    pub age_group: String,
}

/// The need-to-know list of a new record (users and teams), as a restricted input gives it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lists<'a> {
    pub users: &'a [i64],
    pub teams: &'a [i64],
}

impl NewPerson {
    /// The person of a new row of `table` (one per person): `person_id` when it names a
    /// person without one, otherwise a new person of `level`, with `nationality` and the
    /// record's need-to-know `lists`.
    pub(crate) async fn resolve(
        &self,
        tx: &mut WriteTx,
        vocab: &crate::violations::Vocab,
        table: &'static str,
        nationality: Option<String>,
        level: Confidentiality,
        lists: Lists<'_>,
    ) -> Result<i64> {
        if let Some(p) = self.person_id {
            ensure_person_free(tx, table, p).await?;
            return Ok(p);
        }
        crate::violations::create_person(
            tx,
            vocab,
            &crate::violations::PersonInput {
                name: self.name.clone(),
                other_names: self.other_names.clone(),
                sex: self.sex.clone(),
                birth_date: self.birth_date.clone(),
                age_group: self.age_group.clone(),
                nationality,
                confidentiality: level.as_str().into(),
                need_to_know_users: lists.users.to_vec(),
                need_to_know_teams: lists.teams.to_vec(),
                ..Default::default()
            },
        )
        .await
    }
}

/// Fill the keyed tokens of the missing persons' region and community where they are
/// missing: cases written before the tokens existed (migration 0016), whose values the
/// start encrypts (`at_rest::encrypt_clear_fields`). Run at `dignity serve` start, after
/// that; audited in batches (the audit entry holds a count, never a value). Returns the
/// number of cases keyed.
pub async fn ensure_label_keys(store: &Store) -> Result<u64> {
    const MISSING_KEYS: &str =
        "(region <> '' AND region_key = '') OR (community <> '' AND community_key = '')";
    let pending = format!("SELECT COUNT(*) FROM pro_missing WHERE {MISSING_KEYS}");
    let done = in_batches(store, &Actor::system(), &pending, async |tx| {
        // Read inside the transaction: a request may have keyed them meanwhile.
        let rows = sqlx::query(&format!(
            "SELECT id, region, community FROM pro_missing WHERE {MISSING_KEYS} ORDER BY id LIMIT 500"
        ))
        .fetch_all(tx.conn())
        .await?;
        let store = tx.store().clone();
        for r in &rows {
            let id: i64 = r.get(0);
            let region = dec_or_clear(&store, "pro_missing.region", id, r.get(1))?;
            let community =
                dec_or_clear(&store, "pro_missing.community", id, r.get(2))?;
            sqlx::query(
                "UPDATE pro_missing SET region_key = $1, community_key = $2 WHERE id = $3",
            )
            .bind(label_key(&store, REGION_KEY, &region))
            .bind(label_key(&store, COMMUNITY_KEY, &community))
            .bind(id)
            .execute(tx.conn())
            .await?;
        }
        tx.audit(
            "missing.label_keys",
            MISSING,
            "*",
            None,
            None,
            serde_json::json!({ "cases": rows.len() }),
        );
        Ok(rows.len())
    })
    .await?;
    Ok(done as u64)
}

/// Whether the row that `count` (`SELECT COUNT(*) FROM … WHERE id = $1`) counts with `id`
/// exists, read inside the write.
pub(crate) async fn row_exists(tx: &mut WriteTx, count: &str, id: i64) -> Result<bool> {
    let n: i64 = sqlx::query(count)
        .bind(id)
        .fetch_one(tx.conn())
        .await?
        .get(0);
    Ok(n != 0)
}

/// Work through a backlog in audited batches: while `pending` (a `SELECT COUNT(*)`) counts
/// rows, run `batch` in a write of its own as `actor` (it reads the rows inside the
/// transaction: a request may have done them meanwhile); stop when none is pending or a
/// batch did nothing. Returns the sum of what the batches did.
pub(crate) async fn in_batches(
    store: &Store,
    actor: &Actor,
    pending: &str,
    mut batch: impl AsyncFnMut(&mut WriteTx) -> Result<usize>,
) -> Result<usize> {
    let mut done = 0;
    loop {
        let left: i64 = sqlx::query(pending).fetch_one(store.pool()).await?.get(0);
        if left == 0 {
            return Ok(done);
        }
        let n = store.write(actor, async |tx| batch(tx).await).await?;
        if n == 0 {
            return Ok(done);
        }
        done += n;
    }
}

/// A value that may still be in clear (written by an older version) or encrypted.
fn dec_or_clear(store: &Store, field: &str, row: i64, v: Option<String>) -> Result<String> {
    match v {
        Some(v) if !v.starts_with("enc:") => Ok(v.trim().to_string()),
        v => dec(store, field, row, v),
    }
}

//! Storage of documenting violations (issue 4), modelled on the HURIDOCS Events Standard
//! Formats ("who did what to whom"): an **event** has many **acts**; each act has exactly
//! one **victim** (a person) and any number of perpetrators (**involvements**); **persons**
//! (victims, perpetrators, sources, witnesses, intervening parties, organisations) live in
//! one table whatever their roles; **information** links a source to an event, act or
//! person; **interventions** record what was done about it; **evidence** files are stored
//! once, content-addressed, with a chain of custody.
//!
//! Rules every function here keeps:
//! - vocabulary codes are checked against the HURIDOCS micro-thesauri (`vocab_terms`);
//! - names, contact details, exact places, coordinates and narratives are encrypted fields;
//! - single records are read through [`can`] (the authorization module), lists and counts
//!   filter with `acl::visible_sql` in SQL;
//! - every write goes through a [`WriteTx`] and is audited (hashes of the record only).

pub mod case;
pub mod edit;
pub mod evidence;
pub mod import;
pub mod index;
pub mod interventions;
pub mod records;

pub use edit::*;
pub use records::*;

use crate::{acl, Result, Store, StoreError, WriteTx};
use dignity_core::auth::{authorize, Action};
use dignity_core::{Actor, Confidentiality, PartialDate, Role};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Record types (also the `record_acl.record_type` and audit `record_type`).
pub const EVENT: &str = "vio_events";
pub const ACT: &str = "vio_acts";
pub const PERSON: &str = "vio_persons";
pub const INTERVENTION: &str = "vio_interventions";
pub const EVIDENCE: &str = "vio_evidence";

/// Which micro-thesaurus each coded field takes its values from.
pub const FIELD_LISTS: &[(&str, i64)] = &[
    ("index_terms", 1),
    ("rights_affected", 3),
    ("act_type", 4),
    ("methods", 5),
    ("counting_unit", 7),
    ("occupation", 10),
    ("religion", 12),
    ("ethnicity", 13),
    ("languages", 14),
    ("language", 14),
    ("source_type", 16),
    ("degree", 18),
    ("connection", 19),
    ("int_type", 20),
    ("person_link", 21),
    ("event_link", 22),
    ("perpetrator_type", 24),
    ("victim_status", 25),
    ("latest_status", 26),
    ("response_type", 27),
    ("attribution", 28),
    ("detention_type", 29),
    ("whereabouts", 30),
    ("legal_counsel", 31),
    ("court_type", 32),
    ("autopsy", 34),
    ("death_certificate", 35),
    ("statements_signed", 36),
    ("medical_attention", 37),
    ("intent", 38),
    ("sex", 39),
    ("violation_status", 41),
    ("reliability", 42),
    ("monitoring_status", 43),
    ("impact", 44),
    ("status", 45),
    ("priority", 46),
    ("compensation", 47),
];

/// The micro-thesaurus of a coded field.
pub fn list_of(field: &str) -> Option<i64> {
    FIELD_LISTS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, l)| *l)
}

/// Thematic lenses.
pub const LENSES: &[&str] = &["death_penalty", "torture", "hrd", "disappearance"];

pub use dignity_core::violations::death_penalty::DEATH_PENALTY_STATUSES;
pub use dignity_core::violations::persons::AGE_GROUPS;

/// Kinds of act whose specific parts apply, by the type-of-act code's prefix (MT 4).
pub fn act_kind(act_type: &str) -> &'static str {
    if act_type.starts_with("0101") {
        "killing"
    } else if act_type.starts_with("02011111") || act_type.starts_with("0201") {
        "torture"
    } else if act_type.starts_with("030101")
        || act_type.starts_with("030102")
        || act_type.starts_with("030105")
    {
        "detention"
    } else if act_type.starts_with("030103") {
        "disappearance"
    } else if act_type.starts_with("130103") {
        "destruction"
    } else {
        "other"
    }
}

/// The lens an act type puts its event under, if any.
pub fn lens_of_act(act_type: &str) -> Option<&'static str> {
    if act_type.starts_with("01010103") {
        Some("death_penalty")
    } else if act_type.starts_with("0201") {
        Some("torture")
    } else if act_type.starts_with("030103") {
        Some("disappearance")
    } else {
        None
    }
}

// ----------------------------------------------------------------- vocab --

/// The micro-thesauri and country codes in memory, for validating codes without a query
/// per field and for showing labels in the reader's language. Reloaded every 30 s.
#[derive(Debug, Default)]
pub struct Vocab {
    /// code → (list, labels en fr es ar ru, level)
    terms: HashMap<String, (i64, [String; 5], i64)>,
    /// list → codes in display order
    lists: HashMap<i64, Vec<String>>,
    countries: HashMap<String, [String; 5]>,
}

fn lang_idx(lang: &str) -> usize {
    match lang {
        "fr" => 1,
        "es" => 2,
        "ar" => 3,
        "ru" => 4,
        _ => 0,
    }
}

impl Vocab {
    pub async fn load(store: &Store) -> Result<Arc<Vocab>> {
        type Cache = Mutex<HashMap<String, (Instant, Arc<Vocab>)>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let key = format!("{}|{:?}", store.data_dir().display(), store.backend());
        let cache = CACHE.get_or_init(Default::default);
        if let Some((at, v)) = cache.lock().expect("vocab cache").get(&key) {
            if at.elapsed() < Duration::from_secs(30) {
                return Ok(v.clone());
            }
        }
        let v = Arc::new(Self::load_fresh(store).await?);
        cache
            .lock()
            .expect("vocab cache")
            .insert(key, (Instant::now(), v.clone()));
        Ok(v)
    }

    pub async fn load_fresh(store: &Store) -> Result<Vocab> {
        let mut v = Vocab::default();
        for r in sqlx::query(
            "SELECT list_number, vocab_number, label_en, label_fr, label_es, label_ar, label_ru, level \
             FROM vocab_terms WHERE active = 1 ORDER BY list_number, sort_order",
        )
        .fetch_all(store.pool())
        .await?
        {
            let list: i64 = r.get(0);
            let code: String = r.get(1);
            let en: String = r.get(2);
            let mut labels: [String; 5] = [en.clone(), r.get(3), r.get(4), r.get(5), r.get(6)];
            for l in labels.iter_mut() {
                if l.is_empty() {
                    *l = en.clone();
                }
            }
            v.lists.entry(list).or_default().push(code.clone());
            v.terms.insert(code, (list, labels, r.get::<i64, _>(7).max(0)));
        }
        for r in
            sqlx::query("SELECT iso3, name_en, name_fr, name_es, name_ar, name_ru FROM countries")
                .fetch_all(store.pool())
                .await?
        {
            v.countries
                .insert(r.get(0), [r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)]);
        }
        Ok(v)
    }

    /// Check one coded value of `field`; empty means none.
    pub fn check(&self, field: &str, code: &str) -> Result<Option<String>> {
        let code = code.trim();
        if code.is_empty() {
            return Ok(None);
        }
        let list = list_of(field)
            .ok_or_else(|| StoreError::Internal(format!("no vocabulary for field {field}")))?;
        match self.terms.get(code) {
            Some((l, _, _)) if *l == list => Ok(Some(code.to_string())),
            _ => Err(dignity_core::violations::not_a_term(field.to_string(), code, list).into()),
        }
    }

    pub fn check_opt(&self, field: &str, code: &Option<String>) -> Result<Option<String>> {
        self.check(field, code.as_deref().unwrap_or(""))
    }

    pub fn check_all(&self, field: &str, codes: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for c in codes {
            if let Some(c) = self.check(field, c)? {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    pub fn check_country(&self, code: &Option<String>) -> Result<Option<String>> {
        let Some(c) = code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let up = c.to_ascii_uppercase();
        if self.countries.contains_key(&up) {
            Ok(Some(up))
        } else {
            Err(dignity_core::violations::not_a_country("country", c).into())
        }
    }

    pub fn label(&self, code: &str, lang: &str) -> String {
        self.terms
            .get(code)
            .map(|t| t.1[lang_idx(lang)].clone())
            .unwrap_or_else(|| code.to_string())
    }

    pub fn country_name(&self, code: &str, lang: &str) -> String {
        self.countries
            .get(code)
            .map(|n| n[lang_idx(lang)].clone())
            .unwrap_or_else(|| code.to_string())
    }

    /// A code by its English label within a list (case-insensitive), for imports.
    pub fn by_label(&self, field: &str, label: &str) -> Option<String> {
        let list = list_of(field)?;
        let want = label.trim().to_lowercase();
        self.lists.get(&list)?.iter().find_map(|c| {
            let t = &self.terms[c];
            t.1.iter()
                .any(|l| l.to_lowercase() == want)
                .then(|| c.clone())
        })
    }

    /// Codes of a list with labels and levels, in display order (for pickers).
    pub fn options(&self, list: i64, lang: &str) -> Vec<(String, String, i64)> {
        self.lists
            .get(&list)
            .map(|codes| {
                codes
                    .iter()
                    .map(|c| {
                        let t = &self.terms[c];
                        (c.clone(), t.1[lang_idx(lang)].clone(), t.2)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn country_options(&self, lang: &str) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .countries
            .iter()
            .map(|(k, n)| (k.clone(), n[lang_idx(lang)].clone()))
            .collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    }

    pub fn codes_of(&self, list: i64) -> &[String] {
        self.lists.get(&list).map(|v| v.as_slice()).unwrap_or(&[])
    }
}

// --------------------------------------------------------------- helpers --

/// A partial date from text, with the field named in the error.
pub fn date(field: &str, s: &str) -> Result<PartialDate> {
    Ok(dignity_core::violations::date(field.to_string(), s)?)
}

/// Sort key of a partial date, kept in clear for sorting, range filters and statistics:
/// the month of its earliest day (`YYYY-MM`; a year alone gives its January, as the day
/// keys of older versions did, so statistics by month count it where they did), or empty
/// when unknown. The exact date is encrypted (see `docs/security.md`, "Fields at rest").
pub fn sort_key(d: &PartialDate) -> String {
    d.earliest()
        .map(|d| d.format("%Y-%m").to_string())
        .unwrap_or_default()
}

/// A date typed as the lower bound of a range filter (`2024`, `2024-03`, `2024-03-12`) as
/// a bound on the month sort keys: its month (the day is not compared: a filter "from
/// 2024-03-12" includes all of March 2024); a year alone stays the year.
pub fn month_bound(d: &str) -> String {
    d.trim().trim_start_matches('~').chars().take(7).collect()
}

/// A date typed as the upper bound of a range filter, as an inclusive bound on the month
/// sort keys: its month, or December of a year alone ("to 2024" includes all of 2024).
pub fn month_bound_to(d: &str) -> String {
    let m = month_bound(d);
    if m.len() == 4 {
        format!("{m}-12")
    } else {
        m
    }
}

/// The exact (decrypted) date of a row as a sort key within its month: its earliest day,
/// or empty when unknown or not a date.
pub fn exact_sort_key(d: &str) -> String {
    PartialDate::parse(d)
        .ok()
        .and_then(|d| d.earliest())
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// The keyed word tokens of an event title (`vio_events.title_words`): each word of
/// [`dignity_core::crypto::index_words`] as an HMAC under the index key, space-separated
/// with a space at both ends, so that `title_words LIKE '% token %'` finds a whole word.
/// Reveals which titles share a word, to whoever reads the database, and nothing else
/// without the key file.
pub fn title_words(store: &Store, title: &str) -> String {
    let keys = store.keys();
    let mut out = String::from(" ");
    for w in dignity_core::crypto::index_words(title) {
        out.push_str(&keys.blind_index(TITLE_WORD, &w));
        out.push(' ');
    }
    out
}

/// The blind-index kind of the words of event titles.
pub const TITLE_WORD: &str = "vio_events.title_words";

/// Fill `vio_events.title_words` for events written by a version without it (run at
/// serve start, after [`crate::at_rest::encrypt_clear_fields`]): reads each title (clear or
/// encrypted) and stores its word tokens, in audited batches. Idempotent.
pub async fn fill_title_words(store: &Store) -> Result<u64> {
    let mut done = 0u64;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query(
            "SELECT id, title FROM vio_events WHERE title_words = '' AND title <> '' ORDER BY id LIMIT 300",
        )
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        if rows.is_empty() {
            break;
        }
        let mut tx = store.begin(&Actor::system()).await?;
        let mut n = 0u64;
        for (id, t) in &rows {
            let clear = if dignity_core::crypto::Keyring::key_id_of(t).is_some() {
                store.decrypt("vio_events.title", id, t)?
            } else {
                t.clone()
            };
            // A title without words gives " ", never '' again.
            let words = title_words(store, &clear);
            n += sqlx::query(
                "UPDATE vio_events SET title_words = $1 WHERE id = $2 AND title_words = ''",
            )
            .bind(words)
            .bind(id)
            .execute(tx.conn())
            .await?
            .rows_affected();
        }
        tx.audit(
            "fields.title_words",
            "field",
            "vio_events.title_words",
            None,
            None,
            serde_json::json!({ "values": n }),
        );
        tx.commit().await?;
        done += n;
        if n == 0 {
            break;
        }
    }
    Ok(done)
}

/// Start and end dates, checked for order. Returns (start, start_sort, end, end_sort).
pub fn date_range(
    start_field: &'static str,
    start: &str,
    end_field: &'static str,
    end: &str,
) -> Result<(String, String, String, String)> {
    let p = dignity_core::violations::Period::parse(start_field, start, end_field, end)?;
    Ok((
        p.start.to_string(),
        sort_key(&p.start),
        p.end.to_string(),
        sort_key(&p.end),
    ))
}

/// Coordinates as "latitude, longitude" in decimal degrees.
pub fn coordinates(s: &str) -> Result<Option<String>> {
    Ok(dignity_core::violations::coordinates(s)?.map(|c| c.to_string()))
}

/// A confidentiality level (empty gives `default`).
pub fn level(s: &str, default: Confidentiality) -> Result<Confidentiality> {
    Ok(dignity_core::violations::level(s, default)?)
}

// The encrypted fields of a row are read and written by `crate::fields` (shared with the
// other areas); their paths here are kept.
pub use crate::fields::{dec, dec_opt, enc, enc_keep, enc_opt};

/// A stable keyed pseudonym for a person, shown instead of the name to readers who may
/// not see names. It reveals nothing without the index key.
pub fn pseudonym(store: &Store, person_id: i64) -> String {
    let h = store
        .keys()
        .blind_index("vio_pseudonym", &person_id.to_string());
    format!("P-{}", h[..6].to_ascii_uppercase())
}

/// The setting that lets analysts see names (off by default: analysts see pseudonyms).
pub const SETTING_ANALYSTS_SEE_NAMES: &str = "violations.analysts_see_names";
/// Priority countries (comma-separated ISO 3166-1 alpha-3 codes).
pub const SETTING_PRIORITY_COUNTRIES: &str = "violations.priority_countries";
/// Largest accepted upload in bytes.
pub const SETTING_MAX_UPLOAD: &str = "violations.max_upload_bytes";

/// Whether the actor sees the names of people, or pseudonyms.
pub async fn sees_names(store: &Store, actor: &Actor) -> Result<bool> {
    Ok(match actor.role {
        Role::Public => false,
        Role::Analyst if actor.user_id.is_some() => {
            store.setting(SETTING_ANALYSTS_SEE_NAMES).await?.as_deref() == Some("true")
        }
        _ => actor.user_id.is_some(),
    })
}

/// The access facts of one record of `table` (which follows the record-table convention).
pub async fn record_access(
    store: &Store,
    table: &str,
    id: i64,
) -> Result<Option<dignity_core::RecordAccess>> {
    // The table name comes from the record type (never from a string into the SQL).
    let Some(record_type) = dignity_core::RecordType::from_table(table) else {
        return Err(StoreError::Internal(format!(
            "{table} is not a record table"
        )));
    };
    acl::record_access(store, record_type, id).await
}

/// The records that a view of record `id` of `table` discloses with it: an act carries its
/// event and its victim; evidence the event, act (with what the act discloses) and person
/// it documents (`crate::disclosure`). Their access facts, for `authorize_disclosing`.
pub async fn disclosed_access(
    store: &Store,
    table: &str,
    id: i64,
) -> Result<Vec<dignity_core::RecordAccess>> {
    let mut out = Vec::new();
    let record_type = match dignity_core::RecordType::from_table(table) {
        Some(t @ (dignity_core::RecordType::Act | dignity_core::RecordType::Evidence)) => t,
        _ => return Ok(out),
    };
    for (t, pid) in crate::disclosure::disclosed(store, record_type, id).await? {
        // A record that is gone fails closed (an access without a level).
        out.push(acl::record_access(store, t, pid).await?.unwrap_or_default());
    }
    Ok(out)
}

/// May `actor` do `action` on record `id` of `table`? Missing records answer false. A
/// granted read of a strictly confidential record is written to the audit log. A record is
/// readable only when everything it discloses is too ([`disclosed_access`], decided by
/// `dignity_core::auth::authorize_disclosing`).
pub async fn can(
    store: &Store,
    actor: &Actor,
    action: Action,
    table: &str,
    id: i64,
) -> Result<bool> {
    let Some(access) = record_access(store, table, id).await? else {
        return Ok(false);
    };
    let disclosed = disclosed_access(store, table, id).await?;
    let disclosed: Vec<&dignity_core::RecordAccess> = disclosed.iter().collect();
    let d = dignity_core::auth::authorize_disclosing(actor, action, &access, &disclosed);
    if !d.allowed() {
        return Ok(false);
    }
    if matches!(d, dignity_core::Decision::Allow { audit_read: true }) && action == Action::Read {
        store
            .log_event(
                actor,
                "record.read",
                table,
                &id.to_string(),
                serde_json::json!({}),
            )
            .await?;
    }
    Ok(true)
}

/// Like [`can`], as an error: `NotFound` (not "forbidden") for records the actor may not
/// read, so that their existence does not leak.
pub async fn require(
    store: &Store,
    actor: &Actor,
    action: Action,
    table: &str,
    id: i64,
) -> Result<()> {
    if action != Action::Read && !can(store, actor, Action::Read, table, id).await? {
        return Err(StoreError::NotFound(format!("{table} {id}")));
    }
    if can(store, actor, action, table, id).await? {
        Ok(())
    } else if action == Action::Read {
        Err(StoreError::NotFound(format!("{table} {id}")))
    } else {
        Err(StoreError::Forbidden(
            "your role or the record's need-to-know list does not allow this".into(),
        ))
    }
}

/// The access facts of a record, read on the transaction's connection.
pub(crate) async fn access_in_tx(
    tx: &mut WriteTx,
    table: &str,
    id: i64,
) -> Result<Option<dignity_core::RecordAccess>> {
    // The table name comes from the record type (never from a string into the SQL).
    let Some(record_type) = dignity_core::RecordType::from_table(table) else {
        return Err(StoreError::Internal(format!(
            "{table} is not a record table"
        )));
    };
    let table = record_type.table();
    let Some(r) = sqlx::query(&format!(
        "SELECT confidentiality, published, created_by FROM {table} WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    else {
        return Ok(None);
    };
    let lvl: String = r.get(0);
    let mut a = dignity_core::RecordAccess {
        level: Some(lvl.parse().unwrap_or(Confidentiality::StrictlyConfidential)),
        published: r.get::<i64, _>(1) == 1,
        created_by: r.get(2),
        ..Default::default()
    };
    for r in sqlx::query(
        "SELECT principal_type, principal_id FROM record_acl WHERE record_type = $1 AND record_id = $2",
    )
    .bind(table)
    .bind(id.to_string())
    .fetch_all(tx.conn())
    .await?
    {
        match r.get::<String, _>(0).as_str() {
            "user" => a.need_to_know_users.push(r.get(1)),
            "team" => a.need_to_know_teams.push(r.get(1)),
            _ => {}
        }
    }
    Ok(Some(a))
}

/// Check and audit a change of who may see a record: its confidentiality level, or its
/// need-to-know list (an empty list in an update keeps the current one). Either needs
/// `ManageAccess` on the record as it is **and** as it will be (coordinators and admins on
/// the list); the change is written to the audit log as `record.access_change`. Nothing
/// changes: nothing to check.
pub(crate) async fn check_access_change(
    tx: &mut WriteTx,
    table: &str,
    id: i64,
    level: Confidentiality,
    users: &[i64],
    teams: &[i64],
) -> Result<()> {
    let Some(before) = access_in_tx(tx, table, id).await? else {
        return Err(StoreError::NotFound(format!("{table} {id}")));
    };
    let sorted = |v: &[i64]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    };
    let level_changed = before.level != Some(level);
    let list_changed = level.needs_list()
        && (!users.is_empty() || !teams.is_empty())
        && (sorted(users) != sorted(before.need_to_know_users.as_slice())
            || sorted(teams) != sorted(before.need_to_know_teams.as_slice()));
    if !level_changed && !list_changed {
        return Ok(());
    }
    let mut after = before.clone();
    after.level = Some(level);
    if list_changed {
        after.need_to_know_users = users.to_vec();
        after.need_to_know_teams = teams.to_vec();
    }
    let actor = tx.actor().clone();
    if !(authorize(&actor, Action::ManageAccess, &before).allowed()
        && authorize(&actor, Action::ManageAccess, &after).allowed())
    {
        return Err(StoreError::Forbidden(
            "changing who may see a record (its confidentiality or its need-to-know list) needs the right to manage access, at the current and the new level".into(),
        ));
    }
    tx.audit(
        "record.access_change",
        table,
        &id.to_string(),
        None,
        None,
        serde_json::json!({
            "from": before.level.map(|l| l.as_str()).unwrap_or(""),
            "to": level.as_str(),
            "need_to_know_changed": list_changed,
        }),
    );
    Ok(())
}

/// SQL (for a WHERE clause): the act `alias` (a `vio_acts` row) is readable **with
/// everything it discloses** — its event and its victim. The SQL form of
/// `can(actor, Read, ACT, id)` (`authorize_disclosing` in core); every act list, count and
/// export uses it, never the act's own level alone.
pub fn act_visible_sql(actor: &Actor, alias: &str) -> String {
    format!(
        "({} AND EXISTS (SELECT 1 FROM vio_events dx_e WHERE dx_e.id = {alias}.event_id AND {}) \
         AND EXISTS (SELECT 1 FROM vio_persons dx_p WHERE dx_p.id = {alias}.victim_id AND {}))",
        acl::visible_sql(actor, alias, dignity_core::RecordType::Act),
        acl::visible_sql(actor, "dx_e", dignity_core::RecordType::Event),
        acl::visible_sql(actor, "dx_p", dignity_core::RecordType::Person),
    )
}

/// May the actor create a record with this level at all (role check)?
pub fn may_create(actor: &Actor, lvl: Confidentiality) -> Result<()> {
    if authorize(actor, Action::Create, &dignity_core::RecordAccess::new(lvl)).allowed() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "your role does not allow creating records".into(),
        ))
    }
}

/// Replace the repeatable coded values of a record's field.
pub(crate) async fn set_terms(
    tx: &mut WriteTx,
    record_type: &str,
    id: i64,
    field: &str,
    codes: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM vio_terms WHERE record_type = $1 AND record_id = $2 AND field = $3")
        .bind(record_type)
        .bind(id)
        .bind(field)
        .execute(tx.conn())
        .await?;
    for c in codes {
        sqlx::query(
            "INSERT INTO vio_terms (record_type, record_id, field, code) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(record_type)
        .bind(id)
        .bind(field)
        .bind(c)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// Add coded values to a new record's field.
pub(crate) async fn add_terms(
    tx: &mut WriteTx,
    record_type: &str,
    id: i64,
    field: &str,
    codes: &[String],
) -> Result<()> {
    for c in codes {
        sqlx::query(
            "INSERT INTO vio_terms (record_type, record_id, field, code) VALUES ($1, $2, $3, $4)",
        )
        .bind(record_type)
        .bind(id)
        .bind(field)
        .bind(c)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

pub(crate) async fn terms_of(
    store: &Store,
    record_type: &str,
    id: i64,
    field: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query(
        "SELECT code FROM vio_terms WHERE record_type = $1 AND record_id = $2 AND field = $3 ORDER BY code",
    )
    .bind(record_type)
    .bind(id)
    .bind(field)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// Set a record's need-to-know list when it is restricted (and the lists are given).
pub(crate) async fn set_list(
    tx: &mut WriteTx,
    table: &str,
    id: i64,
    lvl: Confidentiality,
    users: &[i64],
    teams: &[i64],
) -> Result<()> {
    if lvl.needs_list() && (!users.is_empty() || !teams.is_empty()) {
        acl::set_need_to_know(tx, table, &id.to_string(), users, teams).await?;
    }
    Ok(())
}

/// Priority countries (setting).
pub async fn priority_countries(store: &Store) -> Result<Vec<String>> {
    Ok(store
        .setting(SETTING_PRIORITY_COUNTRIES)
        .await?
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| s.len() == 3)
        .collect())
}

pub async fn set_priority_countries(
    tx: &mut WriteTx,
    vocab: &Vocab,
    codes: &[String],
) -> Result<()> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in codes {
        if let Some(c) = vocab.check_country(&Some(c.clone()))? {
            if seen.insert(c.clone()) {
                out.push(c);
            }
        }
    }
    crate::accounts::set_setting(tx, SETTING_PRIORITY_COUNTRIES, &out.join(",")).await
}

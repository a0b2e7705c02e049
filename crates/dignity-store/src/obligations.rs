//! Storage of states' obligations and recommendations (issue 3): ratifications and the
//! procedures accepted, reports to treaty bodies and their due dates, special procedures,
//! recommendations (import, full-text search, facets) and the tracking of their
//! implementation.

pub mod coe;
pub mod facts;
pub mod index;
pub mod recs;
pub mod reports;
pub mod tracking;

use crate::reference::{country_known, lang_col};
use crate::{now, Result, Store, StoreError, WriteTx};
use dignity_core::obligations::{self as rules, Acceptance};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

pub use recs::{RecFilter, RecPage, Recommendation};

/// The access facts of public obligations data (ratifications, reports, visits,
/// recommendations): public and published, editable by documenters and above.
pub fn public_fact() -> dignity_core::RecordAccess {
    dignity_core::RecordAccess {
        level: Some(dignity_core::Confidentiality::Public),
        published: true,
        ..Default::default()
    }
}

pub(crate) fn opt_bool(v: Option<i64>) -> Option<bool> {
    v.map(|v| v != 0)
}

/// Today's date (UTC).
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

// ------------------------------------------------------------ ratifications --

/// A State's position with regard to one instrument.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Ratification {
    pub iso3: String,
    pub instrument: String,
    pub instrument_name: String,
    pub system: String,
    pub body: String,
    /// `party`, `signatory`, `none` (no action) or `denounced`; `unknown` when nothing is
    /// recorded (the shipped status covers the UN core instruments for the 193 UN member
    /// states; a Council of Europe instrument, or a State outside that set, has no row
    /// until someone records one, and that is "no information", not "not a party").
    pub status: String,
    /// Partial dates: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; empty when unknown.
    pub signature: String,
    pub consent: String,
    /// `ratification`, `accession`, `succession` or empty.
    pub consent_kind: String,
    pub reservations: String,
    pub declarations: String,
    /// The optional declaration accepting individual complaints (CAT art. 22, ICERD
    /// art. 14, CPED art. 31, ICMW art. 77); null when not recorded.
    pub complaints_declaration: Option<bool>,
    /// Whether the inquiry procedure applies (opt-in or opt-out); null when not recorded.
    pub inquiry_accepted: Option<bool>,
    pub note: String,
    /// `shipped` (reference data), `user` (recorded or corrected by the office) or
    /// `import` (imported by the office).
    pub source: String,
    /// Where a shipped fact comes from: `untc2015` (UN Treaty Collection, to the day),
    /// `wpd2022` (its August 2022 extract: years only), `update2026` (a verified later
    /// fact) or `untc` (a later snapshot loaded with `dignity refdata update`); empty for
    /// the office's rows.
    pub fact_source: String,
    /// The day the fact is known as of (`YYYY-MM-DD`); for the office's rows, the day it
    /// was recorded. Empty when not known (a row written before version 0020).
    pub as_of: String,
    /// `yes` / `no`: the UN Treaty Collection lists / does not list reservations or
    /// declarations of the State (listed texts may since have been withdrawn); empty:
    /// unknown.
    pub reservations_listed: String,
    /// The day the instrument entered into force for the State, computed by the
    /// instrument's rule from a consent known to the day (`YYYY-MM-DD`); empty when it
    /// cannot be computed (a succession, a year-only consent, no rule, not a party).
    pub entry_into_force: String,
    pub updated_at: String,
}

impl Ratification {
    /// The fact's values that the history follows.
    pub fn fact_row(&self) -> facts::FactRow {
        facts::FactRow {
            status: self.status.clone(),
            signature: self.signature.clone(),
            consent: self.consent.clone(),
            consent_kind: self.consent_kind.clone(),
            reservations_listed: self.reservations_listed.clone(),
            fact_source: self.fact_source.clone(),
            as_of: self.as_of.clone(),
        }
    }
}

/// The entry into force for the State of `instrument` (see
/// [`Ratification::entry_into_force`]), `""` when it cannot be computed.
pub fn state_entry_into_force(instrument: &str, status: &str, kind: &str, consent: &str) -> String {
    use dignity_core::refdata::{shipped_instruments, ConsentKind, TreatyStatus};
    let (Some(inst), Some(status), Ok(kind), Ok(consent)) = (
        shipped_instruments().iter().find(|i| i.code == instrument),
        TreatyStatus::from_code(status),
        ConsentKind::parse(kind),
        dignity_core::PartialDate::parse(consent),
    ) else {
        return String::new();
    };
    dignity_core::refdata::entry_into_force(status, kind, consent, inst)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// What a user or an import sets.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RatificationInput {
    pub status: String,
    #[serde(default)]
    pub signature: String,
    #[serde(default)]
    pub consent: String,
    #[serde(default)]
    pub consent_kind: String,
    #[serde(default)]
    pub reservations: String,
    #[serde(default)]
    pub declarations: String,
    #[serde(default)]
    pub complaints_declaration: Option<bool>,
    #[serde(default)]
    pub inquiry_accepted: Option<bool>,
    #[serde(default)]
    pub note: String,
}

const RAT_COLS: &str = "r.iso3, r.instrument, i.short_name, i.system, i.body_code, r.status, r.signature, r.consent, \
    r.consent_kind, r.reservations, r.declarations, r.complaints_declaration, r.inquiry_accepted, r.note, r.source, r.updated_at, r.id, \
    r.fact_source, r.as_of, r.reservations_listed";

/// Notes on ratifications are encrypted at rest (bound to the row id): a user's note may
/// say more than the public treaty status (the shipped curation notes are encrypted too,
/// so the column is one kind).
pub(crate) const RATIFICATION_NOTE: &str = "ratifications.note";

/// A ratification from a row of [`RAT_COLS`] (the columns of [`ratifications`] are in
/// the same order; the note is read through the row id, the 17th column).
fn rat_from_row(store: &Store, r: &AnyRow) -> Result<Ratification> {
    let note = match r.get::<Option<i64>, _>(16) {
        Some(id) => crate::violations::dec(store, RATIFICATION_NOTE, id, r.get(13))?,
        None => String::new(),
    };
    let (instrument, status, consent_kind, consent): (String, String, String, String) =
        (r.get(1), r.get(5), r.get(8), r.get(7));
    Ok(Ratification {
        iso3: r.get(0),
        entry_into_force: state_entry_into_force(&instrument, &status, &consent_kind, &consent),
        instrument,
        instrument_name: r.get(2),
        system: r.get(3),
        body: r.get(4),
        status,
        signature: r.get(6),
        consent,
        consent_kind,
        reservations: r.get(9),
        declarations: r.get(10),
        complaints_declaration: opt_bool(r.get(11)),
        inquiry_accepted: opt_bool(r.get(12)),
        note,
        source: r.get(14),
        updated_at: r.get(15),
        fact_source: r.get(17),
        as_of: r.get(18),
        reservations_listed: r.get(19),
    })
}

/// The status of an instrument for which nothing is recorded.
pub const UNKNOWN: &str = "unknown";

/// The ratifications of one State, for every instrument (instruments without a row read
/// `unknown`: no information, which is not "not a party"), UN first, in order of adoption.
pub async fn ratifications(store: &Store, iso3: &str) -> Result<Vec<Ratification>> {
    let rows = sqlx::query(
        "SELECT CAST($1 AS TEXT), i.code, i.short_name, i.system, i.body_code, COALESCE(r.status, 'unknown'), COALESCE(r.signature, ''), \
         COALESCE(r.consent, ''), COALESCE(r.consent_kind, ''), COALESCE(r.reservations, ''), COALESCE(r.declarations, ''), \
         r.complaints_declaration, r.inquiry_accepted, COALESCE(r.note, ''), COALESCE(r.source, ''), COALESCE(r.updated_at, ''), r.id, \
         COALESCE(r.fact_source, ''), COALESCE(r.as_of, ''), COALESCE(r.reservations_listed, '') \
         FROM instruments i LEFT JOIN ratifications r ON r.instrument = i.code AND r.iso3 = $1 \
         ORDER BY i.system DESC, i.adopted",
    )
    .bind(iso3)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|r| rat_from_row(store, r)).collect()
}

pub async fn ratification(
    store: &Store,
    iso3: &str,
    instrument: &str,
) -> Result<Option<Ratification>> {
    Ok(ratifications(store, iso3)
        .await?
        .into_iter()
        .find(|r| r.instrument == instrument))
}

pub async fn country_exists(store: &Store, iso3: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM countries WHERE iso3 = $1")
        .bind(iso3)
        .fetch_optional(store.pool())
        .await?
        .is_some())
}

/// (adopted, code) of an instrument by code or alias.
async fn instrument_meta(
    conn: &mut sqlx::AnyConnection,
    code: &str,
) -> Result<Option<(String, chrono::NaiveDate)>> {
    let rows = sqlx::query("SELECT code, adopted, details FROM instruments")
        .fetch_all(&mut *conn)
        .await?;
    for r in rows {
        let c: String = r.get(0);
        let details: String = r.get(2);
        let aliases: Vec<String> = serde_json::from_str::<serde_json::Value>(&details)
            .ok()
            .and_then(|v| v.get("aliases").cloned())
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        if c.eq_ignore_ascii_case(code) || aliases.iter().any(|a| a.eq_ignore_ascii_case(code)) {
            let adopted: String = r.get(1);
            let d = chrono::NaiveDate::parse_from_str(&adopted, "%Y-%m-%d")
                .map_err(|_| StoreError::Internal(format!("instrument {c}: bad date")))?;
            return Ok(Some((c, d)));
        }
    }
    Ok(None)
}

/// Check a ratification input with the rules of core
/// ([`rules::parse_ratification`]); returns the normalised input. Errors name the field.
pub fn validate_ratification(
    input: &RatificationInput,
    adopted: chrono::NaiveDate,
) -> Result<RatificationInput> {
    let facts = rules::parse_ratification(
        &rules::RatificationRaw {
            status: &input.status,
            signature: &input.signature,
            consent: &input.consent,
            consent_kind: &input.consent_kind,
        },
        adopted,
    )?;
    let mut out = input.clone();
    out.status = facts.status.code().to_string();
    out.consent_kind = facts.consent_kind.map_or("", |k| k.code()).to_string();
    out.signature = facts.signature.to_string();
    out.consent = facts.consent.to_string();
    Ok(out)
}

/// Set a State's ratification of an instrument (audited as `ratification.update`).
pub async fn set_ratification(
    tx: &mut WriteTx,
    iso3: &str,
    instrument: &str,
    input: &RatificationInput,
    source: &str,
) -> Result<Ratification> {
    let iso3 = iso3.trim().to_ascii_uppercase();
    if !country_known(tx.conn(), &iso3).await? {
        return Err(rules::Unknown::Country.invalid("iso3", Some(&iso3)).into());
    }
    let Some((code, adopted)) = instrument_meta(tx.conn(), instrument).await? else {
        return Err(rules::Unknown::Instrument
            .invalid("instrument", Some(instrument))
            .into());
    };
    let v = validate_ratification(input, adopted)?;
    let before = sqlx::query(&format!(
        "SELECT {RAT_COLS} FROM ratifications r JOIN instruments i ON i.code = r.instrument WHERE r.iso3 = $1 AND r.instrument = $2"
    ))
    .bind(&iso3)
    .bind(&code)
    .fetch_optional(tx.conn())
    .await?
    .map(|r| rat_from_row(tx.store(), &r))
    .transpose()?;
    let id: i64 = sqlx::query(
        "INSERT INTO ratifications (iso3, instrument, status, signature, consent, consent_kind, reservations, declarations, \
         complaints_declaration, inquiry_accepted, note, source, updated_at, fact_source, as_of) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,'',$14) \
         ON CONFLICT (iso3, instrument) DO UPDATE SET status = excluded.status, signature = excluded.signature, \
         consent = excluded.consent, consent_kind = excluded.consent_kind, reservations = excluded.reservations, \
         declarations = excluded.declarations, complaints_declaration = excluded.complaints_declaration, \
         inquiry_accepted = excluded.inquiry_accepted, note = excluded.note, source = excluded.source, updated_at = excluded.updated_at, \
         fact_source = excluded.fact_source, as_of = excluded.as_of \
         RETURNING id",
    )
    .bind(&iso3)
    .bind(&code)
    .bind(&v.status)
    .bind(&v.signature)
    .bind(&v.consent)
    .bind(&v.consent_kind)
    .bind(v.reservations.trim())
    .bind(v.declarations.trim())
    .bind(v.complaints_declaration.map(|b| b as i64))
    .bind(v.inquiry_accepted.map(|b| b as i64))
    .bind("")
    .bind(source)
    .bind(now())
    .bind(today().to_string())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    set_note(tx, "ratifications", RATIFICATION_NOTE, id, &v.note).await?;
    let row = sqlx::query(&format!(
        "SELECT {RAT_COLS} FROM ratifications r JOIN instruments i ON i.code = r.instrument WHERE r.iso3 = $1 AND r.instrument = $2"
    ))
    .bind(&iso3)
    .bind(&code)
    .fetch_one(tx.conn())
    .await?;
    let after = rat_from_row(tx.store(), &row)?;
    if let Some(b) = &before {
        facts::record_history(
            tx,
            &iso3,
            &code,
            &b.fact_row(),
            &after.fact_row(),
            &format!("office {source}"),
        )
        .await?;
    }
    let b = before.map(|b| serde_json::to_value(b).unwrap_or_default());
    let a = serde_json::to_value(&after).unwrap_or_default();
    tx.audit(
        "ratification.update",
        "ratification",
        &format!("{iso3}/{code}"),
        b.as_ref(),
        Some(&a),
        serde_json::json!({ "iso3": iso3, "instrument": code, "status": after.status, "source": source }),
    );
    Ok(after)
}

/// A complaint or inquiry procedure and whether the State accepted it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProcedureStatus {
    pub label: String,
    pub instrument: String,
    /// `complaints`, `inquiry` or `inter_state`.
    pub kind: String,
    /// `accepted`, `not_accepted` or `unknown`.
    pub acceptance: String,
}

/// The procedures accepted, from the ratifications.
pub fn procedures(rats: &[Ratification]) -> Vec<ProcedureStatus> {
    let mut out = Vec::new();
    for (kind, list) in [
        ("complaints", rules::COMPLAINT_PROCEDURES),
        ("inquiry", rules::INQUIRY_PROCEDURES),
        ("inter_state", rules::INTER_STATE_PROCEDURES),
    ] {
        for p in list {
            let r = rats.iter().find(|r| r.instrument == p.instrument);
            let party = r.is_some_and(|r| r.status == "party");
            // Nothing recorded on the instrument: nothing known about the procedure either.
            let unknown = r.is_none_or(|r| r.status == UNKNOWN);
            // No column records the inter-State declarations: unknown unless the
            // procedure binds every party.
            let flag = r.and_then(|r| match kind {
                "complaints" => r.complaints_declaration,
                "inquiry" => r.inquiry_accepted,
                _ => None,
            });
            let a = if unknown {
                Acceptance::Unknown
            } else {
                rules::acceptance(p, party, flag)
            };
            out.push(ProcedureStatus {
                label: p.label.into(),
                instrument: p.instrument.into(),
                kind: kind.into(),
                acceptance: match a {
                    Acceptance::Accepted => "accepted",
                    Acceptance::NotAccepted => "not_accepted",
                    Acceptance::Unknown => "unknown",
                }
                .into(),
            });
        }
    }
    out
}

// ------------------------------------------------------------------ matrix --

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct MatrixFilter {
    /// M49 region name (e.g. `Africa`) or sub-region name (e.g. `Western Asia`).
    pub region: Option<String>,
    /// UN regional group: AFRICAN, ASIA_PACIFIC, EEG, GRULAC, WEOG.
    pub group: Option<String>,
    /// `un` (default) or `coe`.
    pub system: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatrixInstrument {
    pub code: String,
    pub short_name: String,
    pub parties: i64,
    pub signatories: i64,
    /// States recorded as not party (no action, or denounced).
    pub not_parties: i64,
    /// States for which nothing is recorded (not counted as "not a party").
    pub unknown: i64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct MatrixCell {
    pub status: String,
    /// Date of the consent (ratification, accession, succession…) when a party or
    /// denounced: `YYYY-MM-DD`, or `YYYY` where only the year is known.
    pub consent: String,
    /// As [`Ratification::source`], [`Ratification::fact_source`] and
    /// [`Ratification::as_of`]; empty when nothing is recorded.
    pub source: String,
    pub fact_source: String,
    pub as_of: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatrixRow {
    pub iso3: String,
    pub name: String,
    pub cells: Vec<MatrixCell>,
    pub parties: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Matrix {
    pub instruments: Vec<MatrixInstrument>,
    pub rows: Vec<MatrixRow>,
}

/// States × instruments, as OHCHR's ratification dashboard: UN member states (and any
/// other country with a recorded ratification), filtered by region or regional group.
pub async fn matrix(store: &Store, lang: &str, f: &MatrixFilter) -> Result<Matrix> {
    let system = match f.system.as_deref() {
        Some("coe") => "coe",
        _ => "un",
    };
    let l = lang_col(lang);
    let region = f.region.clone().unwrap_or_default();
    let group = f.group.clone().unwrap_or_default();
    let instruments: Vec<(String, String)> =
        sqlx::query("SELECT code, short_name FROM instruments WHERE system = $1 ORDER BY adopted")
            .bind(system)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    let countries = sqlx::query(&format!(
        "SELECT c.iso3, c.name_{l}, c.name_en FROM countries c WHERE \
         (c.un_member = 1 OR EXISTS (SELECT 1 FROM ratifications r WHERE r.iso3 = c.iso3 AND r.status <> 'none')) \
         AND ($1 = '' OR c.region_name = $1 OR c.subregion_name = $1) AND ($2 = '' OR c.regional_group = $2) \
         ORDER BY c.name_{l}"
    ))
    .bind(&region)
    .bind(&group)
    .fetch_all(store.pool())
    .await?;
    let cells = sqlx::query(
        "SELECT r.iso3, r.instrument, r.status, r.consent, r.source, r.fact_source, r.as_of FROM ratifications r \
         JOIN countries c ON c.iso3 = r.iso3 JOIN instruments i ON i.code = r.instrument \
         WHERE i.system = $1 AND ($2 = '' OR c.region_name = $2 OR c.subregion_name = $2) AND ($3 = '' OR c.regional_group = $3)",
    )
    .bind(system)
    .bind(&region)
    .bind(&group)
    .fetch_all(store.pool())
    .await?;
    let mut by: HashMap<(String, String), MatrixCell> = HashMap::new();
    for r in &cells {
        let status: String = r.get(2);
        let bound = status == "party" || status == "denounced";
        by.insert(
            (r.get(0), r.get(1)),
            MatrixCell {
                consent: if bound { r.get(3) } else { String::new() },
                status,
                source: r.get(4),
                fact_source: r.get(5),
                as_of: r.get(6),
            },
        );
    }
    let mut inst: Vec<MatrixInstrument> = instruments
        .iter()
        .map(|(c, n)| MatrixInstrument {
            code: c.clone(),
            short_name: n.clone(),
            parties: 0,
            signatories: 0,
            not_parties: 0,
            unknown: 0,
        })
        .collect();
    let mut rows = Vec::new();
    for c in &countries {
        let iso3: String = c.get(0);
        let name: String = c.get(1);
        let name = if name.is_empty() { c.get(2) } else { name };
        let mut parties = 0;
        let cells = instruments
            .iter()
            .enumerate()
            .map(|(k, (code, _))| {
                let cell = by
                    .get(&(iso3.clone(), code.clone()))
                    .cloned()
                    .unwrap_or_else(|| MatrixCell {
                        status: UNKNOWN.into(),
                        ..Default::default()
                    });
                match cell.status.as_str() {
                    "party" => {
                        parties += 1;
                        inst[k].parties += 1;
                    }
                    "signatory" => inst[k].signatories += 1,
                    UNKNOWN => inst[k].unknown += 1,
                    _ => inst[k].not_parties += 1,
                }
                cell
            })
            .collect();
        rows.push(MatrixRow {
            iso3,
            name: name.trim_end_matches(" *").to_string(),
            cells,
            parties,
        });
    }
    Ok(Matrix {
        instruments: inst,
        rows,
    })
}

/// UN regional groups present in the countries table.
pub async fn regional_groups(store: &Store) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT regional_group FROM countries WHERE regional_group <> '' ORDER BY regional_group",
    )
    .fetch_all(store.pool())
    .await?)
}

/// Country names in a language, by ISO3 (UNTERM's trailing `*` dropped).
pub async fn country_names(store: &Store, lang: &str) -> Result<HashMap<String, String>> {
    let l = lang_col(lang);
    Ok(
        sqlx::query(&format!("SELECT iso3, name_{l}, name_en FROM countries"))
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| {
                let n: String = r.get(1);
                let n = if n.is_empty() { r.get(2) } else { n };
                (r.get(0), n.trim_end_matches(" *").to_string())
            })
            .collect(),
    )
}

/// A resolver of country names over the countries table (every language, codes, the
/// known variants).
pub async fn country_resolver(store: &Store) -> Result<rules::CountryResolver> {
    let rows = sqlx::query(
        "SELECT iso3, iso2, name_en, name_fr, name_es, name_ar, name_ru FROM countries",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rules::CountryResolver::new(rows.iter().map(|r| {
        (
            r.get::<String, _>(0),
            r.get::<String, _>(1),
            (2..7).map(|i| r.get::<String, _>(i)).collect::<Vec<_>>(),
        )
    })))
}

/// Write the note of a reference row (`table` keyed by an integer `id`) encrypted, bound
/// to the row: the upserts write the row first (the id of an existing row is only known
/// then), then its note, in the same write transaction. An empty note stays `''`.
pub(crate) async fn set_note(
    tx: &mut WriteTx,
    table: &'static str,
    field: &str,
    id: i64,
    note: &str,
) -> Result<()> {
    debug_assert!(table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    let enc = crate::violations::enc_keep(tx.store(), field, id, note);
    sqlx::query(&format!("UPDATE {table} SET note = $1 WHERE id = $2"))
        .bind(enc)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

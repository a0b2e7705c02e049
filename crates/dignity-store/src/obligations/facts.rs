//! Ratification facts to the day (issue 17, items 1 and 4): loading a set of dated facts
//! (the shipped `data/treaties/ratifications.csv`, or a newer snapshot an administrator
//! loads with `dignity refdata update FILE`) over the `ratifications` table, the plan of
//! what would change, and the history of every previous value.
//!
//! A fact replaces a row only when the row holds reference data (`source = 'shipped'`)
//! known as of the same day or earlier: a row the office recorded or imported is never
//! overwritten, nor a fact known as of a later day by an older one.

use super::{set_note, RATIFICATION_NOTE};
use crate::{now, Result, WriteTx};
use dignity_core::refdata::DatedRatification;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// The fields of a ratification fact that the history follows, in the order of
/// [`FactRow::values`].
pub const FACT_FIELDS: [&str; 7] = [
    "status",
    "signature",
    "consent",
    "consent_kind",
    "reservations_listed",
    "fact_source",
    "as_of",
];

/// The values of one fact as the `ratifications` table stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FactRow {
    pub status: String,
    pub signature: String,
    pub consent: String,
    pub consent_kind: String,
    pub reservations_listed: String,
    pub fact_source: String,
    pub as_of: String,
}

impl FactRow {
    pub fn of(d: &DatedRatification) -> Self {
        FactRow {
            status: d.status.code().into(),
            signature: d.signature.to_string(),
            consent: d.consent.to_string(),
            consent_kind: d.consent_kind.map_or("", |k| k.code()).into(),
            reservations_listed: d.reservations.code().into(),
            fact_source: d.source.code().into(),
            as_of: d.as_of.to_string(),
        }
    }

    pub fn values(&self) -> [&str; 7] {
        [
            &self.status,
            &self.signature,
            &self.consent,
            &self.consent_kind,
            &self.reservations_listed,
            &self.fact_source,
            &self.as_of,
        ]
    }

    /// The fields whose value differs from `before` (all of them against an empty row).
    pub fn changes_from(&self, before: &FactRow) -> Vec<FieldChange> {
        FACT_FIELDS
            .iter()
            .zip(before.values().into_iter().zip(self.values()))
            .filter(|(_, (old, new))| old != new)
            .map(|(field, (old, new))| FieldChange {
                field,
                old: old.to_string(),
                new: new.to_string(),
            })
            .collect()
    }
}

/// One field of a fact that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

/// A fact of the file that changes the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedFact {
    pub iso3: String,
    pub instrument: String,
    /// The row before (`None`: no row yet).
    pub before: Option<FactRow>,
    pub after: FactRow,
    /// Only the as-of date (and the source) change: a later source confirms the same
    /// fact.
    pub confirmed_only: bool,
    #[serde(skip)]
    note: Option<String>,
}

impl PlannedFact {
    pub fn changes(&self) -> Vec<FieldChange> {
        self.after
            .changes_from(self.before.as_ref().unwrap_or(&FactRow::default()))
    }

    /// A State becomes party (a new ratification, accession or succession).
    pub fn is_new_consent(&self) -> bool {
        self.after.status == "party" && self.before.as_ref().is_none_or(|b| b.status != "party")
    }

    /// The signature or consent date of a fact already known changes.
    pub fn changes_dates(&self) -> bool {
        self.before.as_ref().is_some_and(|b| {
            (!b.signature.is_empty() && b.signature != self.after.signature)
                || (!b.consent.is_empty() && b.consent != self.after.consent)
        })
    }

    /// Reservations or declarations listed before and no more (withdrawn).
    pub fn withdraws_reservations(&self) -> bool {
        self.before
            .as_ref()
            .is_some_and(|b| b.reservations_listed == "yes")
            && self.after.reservations_listed == "no"
    }
}

/// What loading a set of facts would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FactPlan {
    /// The facts that change the table (new rows, changed values, later as-of dates).
    pub facts: Vec<PlannedFact>,
    /// Facts the table already holds as they are.
    pub unchanged: usize,
    /// Rows the office recorded or imported, kept.
    pub kept_office: usize,
    /// Rows known as of a later day than the file's fact, kept.
    pub kept_newer: usize,
}

impl FactPlan {
    /// Facts whose values change (not only their as-of date).
    pub fn changed(&self) -> impl Iterator<Item = &PlannedFact> {
        self.facts.iter().filter(|f| !f.confirmed_only)
    }
}

/// Compare `facts` with the table (read on `conn`, inside the transaction that applies
/// the plan, or on the pool to show it first).
pub async fn plan(conn: &mut sqlx::AnyConnection, facts: &[DatedRatification]) -> Result<FactPlan> {
    let rows = sqlx::query(
        "SELECT iso3, instrument, source, status, signature, consent, consent_kind, reservations_listed, \
         fact_source, as_of FROM ratifications",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut current: HashMap<(String, String), (String, FactRow)> = HashMap::new();
    for r in &rows {
        current.insert(
            (r.get(0), r.get(1)),
            (
                r.get(2),
                FactRow {
                    status: r.get(3),
                    signature: r.get(4),
                    consent: r.get(5),
                    consent_kind: r.get(6),
                    reservations_listed: r.get(7),
                    fact_source: r.get(8),
                    as_of: r.get(9),
                },
            ),
        );
    }
    let mut plan = FactPlan::default();
    for d in facts {
        let after = FactRow::of(d);
        let before = match current.get(&(d.iso3.clone(), d.instrument.clone())) {
            Some((source, _)) if source != "shipped" => {
                plan.kept_office += 1;
                continue;
            }
            // ISO dates compare as text; a row of the years-only load has none.
            Some((_, b)) if b.as_of > after.as_of => {
                plan.kept_newer += 1;
                continue;
            }
            Some((_, b)) if *b == after => {
                plan.unchanged += 1;
                continue;
            }
            Some((_, b)) => Some(b.clone()),
            None => None,
        };
        let confirmed_only = before.as_ref().is_some_and(|b| {
            FactRow {
                as_of: after.as_of.clone(),
                fact_source: after.fact_source.clone(),
                ..b.clone()
            } == after
        });
        plan.facts.push(PlannedFact {
            iso3: d.iso3.clone(),
            instrument: d.instrument.clone(),
            before,
            after,
            confirmed_only,
            note: d.note.clone(),
        });
    }
    Ok(plan)
}

/// Write the plan in the caller's transaction: each fact's row (its note encrypted) and,
/// for a row that existed, one history entry per changed field, saying `origin`. A fact
/// whose only change is a later as-of date keeps no history. Returns the rows written.
pub async fn apply(tx: &mut WriteTx, plan: &FactPlan, origin: &str) -> Result<usize> {
    let at = now();
    for f in &plan.facts {
        let a = &f.after;
        // The plan read the table in this transaction: only shipped rows are updated.
        let Some(id): Option<i64> = sqlx::query(
            "INSERT INTO ratifications (iso3, instrument, status, signature, consent, consent_kind, \
             reservations_listed, fact_source, as_of, note, source, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', 'shipped', $10) \
             ON CONFLICT (iso3, instrument) DO UPDATE SET status = excluded.status, signature = excluded.signature, \
             consent = excluded.consent, consent_kind = excluded.consent_kind, \
             reservations_listed = excluded.reservations_listed, fact_source = excluded.fact_source, \
             as_of = excluded.as_of, updated_at = excluded.updated_at WHERE ratifications.source = 'shipped' \
             RETURNING id",
        )
        .bind(&f.iso3)
        .bind(&f.instrument)
        .bind(&a.status)
        .bind(&a.signature)
        .bind(&a.consent)
        .bind(&a.consent_kind)
        .bind(&a.reservations_listed)
        .bind(&a.fact_source)
        .bind(&a.as_of)
        .bind(&at)
        .fetch_optional(tx.conn())
        .await?
        .map(|r| r.get(0)) else {
            continue;
        };
        set_note(
            tx,
            "ratifications",
            RATIFICATION_NOTE,
            id,
            f.note.as_deref().unwrap_or(""),
        )
        .await?;
        if let (Some(before), false) = (&f.before, f.confirmed_only) {
            record_history(tx, &f.iso3, &f.instrument, before, a, origin).await?;
        }
    }
    Ok(plan.facts.len())
}

/// One history entry per field of `after` that differs from `before`, by the
/// transaction's actor, now.
pub(crate) async fn record_history(
    tx: &mut WriteTx,
    iso3: &str,
    instrument: &str,
    before: &FactRow,
    after: &FactRow,
    origin: &str,
) -> Result<()> {
    let at = now();
    let (by, name) = (tx.actor().user_id, tx.actor().username.clone());
    for c in after.changes_from(before) {
        sqlx::query(
            "INSERT INTO ratification_history (iso3, instrument, field, old_value, new_value, origin, changed_by, actor_name, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(iso3)
        .bind(instrument)
        .bind(c.field)
        .bind(&c.old)
        .bind(&c.new)
        .bind(origin)
        .bind(by)
        .bind(&name)
        .bind(&at)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// A previous value of a ratification fact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    /// What changed it: `shipped ratifications vN`, `refdata update sha256:…`, or the
    /// office's `form` / `import`.
    pub origin: String,
    /// Who changed it: the account's name, `cli:…` for a command run on the server,
    /// `system` for a shipped dataset loaded at start.
    pub changed_by: String,
    pub changed_at: String,
}

/// The history of one State's facts on one instrument, oldest first.
pub async fn history(
    store: &crate::Store,
    iso3: &str,
    instrument: &str,
) -> Result<Vec<HistoryEntry>> {
    let rows = sqlx::query(
        "SELECT field, old_value, new_value, origin, actor_name, changed_at FROM ratification_history \
         WHERE iso3 = $1 AND instrument = $2 ORDER BY id",
    )
    .bind(iso3)
    .bind(instrument)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| HistoryEntry {
            field: r.get(0),
            old_value: r.get(1),
            new_value: r.get(2),
            origin: r.get(3),
            changed_by: r.get(4),
            changed_at: r.get(5),
        })
        .collect())
}

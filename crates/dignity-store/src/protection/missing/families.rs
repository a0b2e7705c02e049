//! Relatives, the reports they make and their sharing consent (withdrawals logged).

use super::*;
use crate::shared::BindCreated;

// ------------------------------------------------------------- families --

/// A relative or reporting person as a form gives it: raw text, which [`RelativeInput::parse`]
/// checks into the input [`add_relative`] takes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RelativeInput {
    pub name: String,
    pub relationship: String,
    pub contact: String,
}

impl RelativeInput {
    /// The relative checked by the core rules ([`rules::RelativeInput::parse`]): errors name
    /// the field.
    pub fn parse(&self) -> Result<rules::RelativeInput> {
        Ok(rules::RelativeInput::parse(
            &self.name,
            &self.relationship,
            &self.contact,
        )?)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Relative {
    pub id: i64,
    pub missing_id: i64,
    pub name: String,
    pub relationship: String,
    pub contact: String,
}

/// Add a relative or reporting person to a case. Audited.
pub async fn add_relative(
    tx: &mut WriteTx,
    missing_id: i64,
    input: &rules::RelativeInput,
) -> Result<i64> {
    let (name, rel) = (input.name.as_str(), input.relationship.as_str());
    case_exists(tx, missing_id).await?;
    let store = tx.store().clone();
    let id = tx.next_id("pro_relatives").await?;
    sqlx::query("INSERT INTO pro_relatives (missing_id, name, relationship, contact, created_by, created_at, id) VALUES ($1,$2,$3,$4,$5,$6,$7)")
        .bind(missing_id)
        .bind(store.keys().encrypt("pro_relatives.name", id, name))
        .bind(rel)
        .bind(enc(&store, "pro_relatives.contact", id, &input.contact))
        .bind_created(tx)
        .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "relative.add",
        MISSING,
        &missing_id.to_string(),
        None,
        Some(&serde_json::json!({ "name": name, "relationship": rel, "contact": input.contact })),
        serde_json::json!({ "relative_id": id, "relationship": rel }),
    );
    Ok(id)
}

pub async fn relatives(store: &Store, missing_id: i64) -> Result<Vec<Relative>> {
    children_of(
        store,
        "SELECT id, missing_id, name, relationship, contact FROM pro_relatives WHERE missing_id = $1 ORDER BY id",
        missing_id,
        |r, id| {
            Ok(Relative {
                id,
                missing_id: r.get(1),
                name: store.decrypt("pro_relatives.name", id, &r.get::<String, _>(2))?,
                relationship: r.get(3),
                contact: dec(store, "pro_relatives.contact", id, r.get(4))?,
            })
        },
    )
    .await
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReportInput {
    pub relative_id: i64,
    /// Default today.
    pub reported_on: String,
    #[schema(value_type = ConsentSchema)]
    pub consent: Consent,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FamilyReport)]
pub struct Report {
    pub id: i64,
    pub missing_id: i64,
    pub relative_id: i64,
    pub relative: String,
    pub relationship: String,
    pub reported_on: String,
    #[schema(value_type = ConsentSchema)]
    pub consent: Consent,
    pub consent_updated_at: String,
}

/// Record a report by a relative with their sharing consent. Audited.
pub async fn add_report(tx: &mut WriteTx, missing_id: i64, r: &ReportInput) -> Result<i64> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) FROM pro_relatives WHERE id = $1 AND missing_id = $2")
            .bind(r.relative_id)
            .bind(missing_id)
            .fetch_one(tx.conn())
            .await?
            .get(0);
    if n == 0 {
        return Err(rules::reporter_not_relative().into());
    }
    let on = if r.reported_on.trim().is_empty() {
        today()
    } else {
        not_future("reported_on", day("reported_on", &r.reported_on)?)?
    };
    let at = now();
    let id = tx.next_id("pro_reports").await?;
    let reported_on = enc_keep(tx.store(), "pro_reports.reported_on", id, &on.to_string());
    sqlx::query(
        "INSERT INTO pro_reports (missing_id, relative_id, reported_on, consent_commission, consent_organisations, consent_updated_at, created_by, created_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$6,$8)",
    )
    .bind(missing_id)
    .bind(r.relative_id)
    .bind(reported_on)
    .bind(r.consent.commission as i64)
    .bind(r.consent.organisations as i64)
    .bind(&at)
    .bind(tx.actor().user_id)
    .bind(id)
    .execute(tx.conn())
    .await?;
    log_consent(tx, id, r.consent, false).await?;
    tx.audit(
        "report.create",
        MISSING,
        &missing_id.to_string(),
        None,
        Some(&serde_json::to_value(r).unwrap_or_default()),
        serde_json::json!({ "report_id": id, "consent": r.consent.summary() }),
    );
    Ok(id)
}

async fn log_consent(
    tx: &mut WriteTx,
    report_id: i64,
    c: Consent,
    withdrawn_after_sharing: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO pro_consent_log (report_id, consent_commission, consent_organisations, withdrawn_after_sharing, by_user, by_name, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(report_id)
    .bind(c.commission as i64)
    .bind(c.organisations as i64)
    .bind(withdrawn_after_sharing as i64)
    .bind_signed(tx)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// What changing a consent did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentChange {
    /// Consent for a kind of recipient was withdrawn after information had gone to it.
    pub withdrawn_after_sharing: bool,
    /// What those recipients received (for the follow-up: asking them to delete it).
    pub already_shared: Vec<Share>,
}

/// Change the consent of a report. A withdrawal after sharing is logged as such and
/// answered with what was already shared; no further sharing happens. Audited.
pub async fn set_consent(tx: &mut WriteTx, report_id: i64, c: Consent) -> Result<ConsentChange> {
    let r = sqlx::query("SELECT missing_id, consent_commission, consent_organisations FROM pro_reports WHERE id = $1")
        .bind(report_id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("report {report_id}")))?;
    let missing_id: i64 = r.get(0);
    let before = Consent {
        commission: r.get::<i64, _>(1) == 1,
        organisations: r.get::<i64, _>(2) == 1,
    };
    let store = tx.store().clone();
    let shared = shares(&store, missing_id).await?;
    let withdrawn: Vec<&str> = before
        .withdrawn(c)
        .into_iter()
        .map(|k| k.as_str())
        .collect();
    let already: Vec<Share> = shared
        .into_iter()
        .filter(|s| withdrawn.contains(&s.recipient_kind.as_str()))
        .collect();
    let after_sharing = !already.is_empty();
    sqlx::query("UPDATE pro_reports SET consent_commission = $1, consent_organisations = $2, consent_updated_at = $3 WHERE id = $4")
        .bind(c.commission as i64)
        .bind(c.organisations as i64)
        .bind(now())
        .bind(report_id)
        .execute(tx.conn())
        .await?;
    log_consent(tx, report_id, c, after_sharing).await?;
    tx.audit(
        if after_sharing { "consent.withdrawn_after_sharing" } else { "consent.change" },
        MISSING,
        &missing_id.to_string(),
        Some(&serde_json::to_value(before).unwrap_or_default()),
        Some(&serde_json::to_value(c).unwrap_or_default()),
        serde_json::json!({ "report_id": report_id, "from": before.summary(), "to": c.summary(), "shares_before": already.len() }),
    );
    Ok(ConsentChange {
        withdrawn_after_sharing: after_sharing,
        already_shared: already,
    })
}

pub async fn reports(store: &Store, missing_id: i64) -> Result<Vec<Report>> {
    children_of(
        store,
        "SELECT r.id, r.missing_id, r.relative_id, x.name, x.relationship, r.reported_on, r.consent_commission, r.consent_organisations, r.consent_updated_at \
         FROM pro_reports r JOIN pro_relatives x ON x.id = r.relative_id WHERE r.missing_id = $1 ORDER BY r.id",
        missing_id,
        |r, id| {
            Ok(Report {
                id,
                missing_id: r.get(1),
                relative_id: r.get(2),
                relative: store.decrypt(
                    "pro_relatives.name",
                    r.get::<i64, _>(2),
                    &r.get::<String, _>(3),
                )?,
                relationship: r.get(4),
                reported_on: dec(store, "pro_reports.reported_on", id, r.get(5))?,
                consent: Consent {
                    commission: r.get::<i64, _>(6) == 1,
                    organisations: r.get::<i64, _>(7) == 1,
                },
                consent_updated_at: r.get(8),
            })
        },
    )
    .await
}

/// The consent in force for a case: what every report allows (the most restrictive wins).
/// A case without a report is kept in the organisation.
pub async fn case_consent(store: &Store, missing_id: i64) -> Result<Consent> {
    let rows = sqlx::query(
        "SELECT consent_commission, consent_organisations FROM pro_reports WHERE missing_id = $1",
    )
    .bind(missing_id)
    .fetch_all(store.pool())
    .await?;
    Ok(Consent::of_case(rows.iter().map(|r| Consent {
        commission: r.get::<i64, _>(0) == 1,
        organisations: r.get::<i64, _>(1) == 1,
    })))
}

//! The protection records: a defender with risk, a measure, a grant and a check-in; a missing
//! person with a relative and a status change; a source list.

use super::*;
use dignity_store::testing::fixtures;

/// What [`super::populate`] writes of this area, each typed field with its marker.
pub(super) async fn populate(
    s: &Store,
    m: &mut Markers,
    doc_a: &Actor,
    coo_a: &Actor,
    vocab: &Vocab,
) {
    // Protection: a defender with risk, a measure and a check-in; a missing person with a
    // relative and a status change; a source list.
    let def = s
        .write(doc_a, async |tx| {
            create_defender(
                tx,
                vocab,
                &DefenderInput {
                    person: dignity_store::protection::NewPerson {
                        name: m.mk("vio_persons.name"),
                        age_group: "adult".into(),
                        ..Default::default()
                    },
                    profile: dignity_store::protection::defenders::DefenderProfile {
                        organisation: m.mk("pro_defenders.organisation"),
                        country: Some("HND".into()),
                        region: m.mk("pro_defenders.region"),
                        contact: m.mk("pro_defenders.contact"),
                        whereabouts: m.mk("pro_defenders.whereabouts"),
                        areas: vec!["land_environment".into()],
                        ..Default::default()
                    },
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
    let (risk_notes, host, outcome, checkin_notes) = (
        m.mk("pro_risk.notes"),
        m.mk("pro_measures.details"),
        m.mk("pro_measures.outcome"),
        m.mk("pro_checkins.notes"),
    );
    let _ = s
        .write(coo_a, async |tx| {
            assess_risk(
                tx,
                &RiskInput {
                    defender_id: def,
                    level: "high".into(),
                    factors: vec!["threats_received".into()],
                    notes: risk_notes.clone(),
                    assessed_on: "2024-02-12".into(),
                    next_review: "2024-03-19".into(),
                },
            )
            .await?;
            let mid = request_measure(
                tx,
                &MeasureInput {
                    defender_id: def,
                    measure_type: "relocation".into(),
                    requested_on: "2024-02-13".into(),
                    host: host.clone(),
                    period_start: "2024-03-01".into(),
                    period_end: "2024-11-30".into(),
                    visa: "Schengen type D".into(),
                    security_plan: "Escort".into(),
                    ..Default::default()
                },
            )
            .await?;
            Ok(mid)
        })
        .await
        .unwrap();
    // Each step on the committed measure (they read it outside the write).
    let mid = mid_of(s, def).await;
    s.write(coo_a, async |tx| {
        advance_measure(
            tx,
            mid,
            &MeasureStatusInput {
                status: "approved".into(),
                on_date: "2024-02-20".into(),
                outcome: outcome.clone(),
                ..Default::default()
            },
        )
        .await
    })
    .await
    .unwrap();
    for (col, date) in [
        ("pro_risk.assessed_on", "2024-02-12"),
        ("pro_risk.next_review", "2024-03-19"),
        ("pro_checkins.due_on", "2024-03-15"),
        ("pro_checkins.done_on", "2024-03-16"),
    ] {
        m.0.entry(col.into()).or_default().push(date.into());
    }
    // An emergency grant, approved, delivered (with its cost) and closed.
    let grant = fixtures::emergency_grant(s, coo_a, def, "2024-02-14", "98765.43").await;
    let grant_outcome = m.mk("pro_measures.outcome");
    for (status, on, cost) in [
        ("approved", "2024-02-21", ""),
        ("delivered", "2024-02-22", "8765.41"),
        ("closed", "2024-02-23", ""),
    ] {
        let outcome = if status == "closed" {
            grant_outcome.clone()
        } else {
            String::new()
        };
        let step = MeasureStatusInput {
            outcome,
            ..fixtures::measure_step(status, on, cost)
        };
        s.write(coo_a, async |tx| advance_measure(tx, grant, &step).await)
            .await
            .unwrap();
    }
    // Amounts are kept in cents.
    for (col, value) in [
        ("pro_measures.requested_on", "2024-02-13"),
        ("pro_measures.requested_on", "2024-02-14"),
        ("pro_measures.approved_on", "2024-02-20"),
        ("pro_measures.approved_on", "2024-02-21"),
        ("pro_measures.delivered_on", "2024-02-22"),
        ("pro_measures.closed_on", "2024-02-23"),
        ("pro_measures.period_start", "2024-03-01"),
        ("pro_measures.period_end", "2024-11-30"),
        ("pro_measures.amount", "9876543"),
        ("pro_measures.cost", "876541"),
        ("pro_measure_history.on_date", "2024-02-22"),
    ] {
        m.0.entry(col.into()).or_default().push(value.into());
    }
    let c = s
        .write(coo_a, async |tx| {
            add_checkin(tx, def, Some(mid), "2024-03-15").await
        })
        .await
        .unwrap();
    s.write(coo_a, async |tx| {
        complete_checkin(tx, c, "2024-03-16", &checkin_notes).await
    })
    .await
    .unwrap();
    let period = s
        .write(coo_a, async |tx| {
            add_period(tx, &m.mk("pro_periods.name"), "1997-02-03", "2000-12-30").await
        })
        .await
        .unwrap();
    // Dates cannot carry a marker: their values are searched for instead (each distinct
    // from every other date of this test and from the shipped ratification dates of
    // data/treaties/ratifications.csv, so that none is found in a clear column).
    for (col, date) in [
        ("pro_periods.start_date", "1997-02-03"),
        ("pro_periods.end_date", "2000-12-30"),
        ("pro_missing.last_seen_date", "1999-04-14"),
        ("pro_missing.status_on", "2003-06-01"),
        ("pro_status_history.changed_on", "2001-03-01"),
        ("pro_status_history.changed_on", "2003-06-01"),
        ("pro_reports.reported_on", "2001-02-25"),
    ] {
        m.0.entry(col.into()).or_default().push(date.into());
    }
    let (case, rel) = s
        .write(doc_a, async |tx| {
            fixtures::case_and_relative(
                tx,
                vocab,
                &MissingInput {
                    person: dignity_store::protection::NewPerson {
                        name: m.mk("vio_persons.name"),
                        birth_date: "1971-05-04".into(),
                        ..Default::default()
                    },
                    disappearance: dignity_store::protection::missing::Disappearance {
                        last_seen_date: "1999-04-14".into(),
                        last_seen_place: m.mk("pro_missing.last_seen_place"),
                        region: m.mk("pro_missing.region"),
                        community: m.mk("pro_missing.community"),
                        circumstances: m.mk("pro_missing.circumstances"),
                        description: m.mk("pro_missing.description"),
                        period_id: Some(period),
                    },
                    opened_on: "2001-03-01".into(),
                    ..Default::default()
                },
                &RelativeInput {
                    name: m.mk("pro_relatives.name"),
                    relationship: "spouse".into(),
                    contact: m.mk("pro_relatives.contact"),
                },
            )
            .await
        })
        .await
        .unwrap();
    s.write(doc_a, async |tx| {
        change_status(
            tx,
            case,
            &StatusChange {
                status: "located_alive".into(),
                changed_on: "2003-06-01".into(),
                reference: m.mk("pro_status_history.reference"),
                note: m.mk("pro_status_history.note"),
                ..Default::default()
            },
        )
        .await?;
        add_report(
            tx,
            case,
            &ReportInput {
                relative_id: rel,
                reported_on: "2001-02-25".into(),
                consent: Consent {
                    commission: true,
                    organisations: false,
                },
            },
        )
        .await
    })
    .await
    .unwrap();
    // Shared on the committed consent (read outside the write).
    let recipient = m.mk("pro_shares.recipient");
    s.write(doc_a, async |tx| {
        share(tx, case, "commission", &recipient, "email").await
    })
    .await
    .unwrap();
    let source = s
        .write(coo_a, async |tx| {
            src::create_source(tx, &m.mk("pro_sources.name"), "red_cross").await
        })
        .await
        .unwrap();
    let (rn, rp, rx) = (
        m.mk("pro_source_records.name"),
        m.mk("pro_source_records.place"),
        m.mk("pro_source_records.raw"),
    );
    // The mapping names the list's columns: a typed column name carries its marker.
    let id_col = m.mk("pro_source_imports.mapping");
    let (ext, sex) = (
        m.mk("pro_source_records.external_id"),
        m.mk("pro_source_records.sex"),
    );
    let birth = m.date("pro_source_records.birth_date", "1913-08-27");
    let seen = m.date("pro_source_records.last_seen_date", "1996-11-23");
    let csv = format!(
        "{id_col},Full name,DOB,Place,Sex,Seen,Other\n{ext},{rn},{birth},{rp},{sex},{seen},{rx}\n"
    );
    let mapping: src::Mapping = [
        ("external_id", id_col.as_str()),
        ("name", "Full name"),
        ("birth_date", "DOB"),
        ("place", "Place"),
        ("sex", "Sex"),
        ("last_seen_date", "Seen"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    src::import_list(
        s,
        coo_a,
        source,
        &format!("{}.csv", m.mk("pro_source_imports.filename")),
        &src::read_csv(csv.as_bytes()).unwrap(),
        &mapping,
        &src::ImportOptions::default(),
    )
    .await
    .unwrap();
}

//! The marker test of issue 16 ("do no harm at rest"): a distinct marker string in every
//! field a user can type, of every record type, written through the store's write
//! functions; then the search index is built and backups made with the `dignity` binary,
//! and the data directory (database, WAL, index, evidence files), the unpacked backup and,
//! on PostgreSQL, a `pg_dump` are searched for every marker.
//!
//! Which markers must not be found comes from the column registry
//! (`dignity_store::at_rest`): every marker typed into a column registered *encrypted*.
//! Markers typed into columns kept in clear (a staff label, by design) are expected in the
//! database and serve as the control that the search reads the right files (no column is
//! registered *pending* any more). Every encrypted column of the registry must be filled by
//! this test (checked), so a new encrypted column cannot be left out of it.

use dignity_core::{Actor, Role};
use dignity_store::at_rest::{self, Class};
use dignity_store::protection::defenders::*;
use dignity_store::protection::missing::*;
use dignity_store::protection::sources as src;
use dignity_store::violations::evidence::{self, EvidenceInput};
use dignity_store::violations::interventions::{self, InterventionInput};
use dignity_store::violations::*;
use dignity_store::{accounts, search, Store};
use std::collections::BTreeMap;

/// Encrypted columns this test cannot type into, with the reason.
pub const NOT_TYPED: &[(&str, &str)] = &[
    (
        "vio_evidence.metadata",
        "extracted from the uploaded file (its content carries the evidence marker)",
    ),
    (
        "sp_standing_invitations.note",
        "no store function writes it (a standing invitation records its date only)",
    ),
];

/// Markers by the column they were typed into (`table.column`).
#[derive(Default)]
pub struct Markers(pub BTreeMap<String, Vec<String>>);

impl Markers {
    /// A new marker for `column`.
    pub fn mk(&mut self, column: &str) -> String {
        let n = self.0.values().map(Vec::len).sum::<usize>();
        let m = format!("Zq{n:03}{}Qz", column.replace(['.', '_'], ""));
        self.0
            .entry(column.to_string())
            .or_default()
            .push(m.clone());
        m
    }

    /// A date typed into `column`: dates cannot carry a marker, so a distinctive date is
    /// searched for instead (each used once in the test).
    pub fn date(&mut self, column: &str, d: &str) -> String {
        self.0
            .entry(column.to_string())
            .or_default()
            .push(d.to_string());
        d.to_string()
    }
}

// Codes of the HURIDOCS micro-thesauri 13 (ethnicity), 12 (religion), 10 (occupation).
const ABKHAZIANS: &str = "01021108010113";
const BUDDHISTS: &str = "01000000000012";
const LEGISLATORS: &str = "01000000000010";

/// The evidence file's content: a marker inside non-trivial bytes.
pub const FILE_MARKER: &str = "ZqFileContentOfTheWitnessStatementQz";

pub async fn populate(s: &Store) -> Markers {
    let mut m = Markers::default();
    dignity_store::refdata::load_shipped(s).await.unwrap();
    let pw = "a long enough passphrase";
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let doc = accounts::create(
        &mut tx,
        "dora",
        &m.mk("users.display_name"),
        Role::Documenter,
        pw,
    )
    .await
    .unwrap();
    let coo = accounts::create(&mut tx, "cora", "", Role::Coordinator, pw)
        .await
        .unwrap();
    accounts::set_totp(&mut tx, doc.id, Some(&m.mk("users.totp_secret")), true)
        .await
        .unwrap();
    // The control: a label a user types into a column kept in clear by design (staff
    // labels, see the registry), which the search must find.
    accounts::create_token(&mut tx, doc.id, &m.mk("api_tokens.name"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let doc_a = accounts::actor_for(s, &doc).await.unwrap();
    let coo_a = accounts::actor_for(s, &coo).await.unwrap();
    let vocab = Vocab::load(s).await.unwrap();

    // Violations: event, persons, acts, information, evidence and custody, interventions.
    let mut tx = s.begin(&doc_a).await.unwrap();
    let event = create_event(
        &mut tx,
        &vocab,
        &EventInput {
            title: m.mk("vio_events.title"),
            description: m.mk("vio_events.description"),
            start_date: m.date("vio_events.start_date", "1987-06-05"),
            end_date: m.date("vio_events.end_date", "1987-06-07"),
            country: Some("PER".into()),
            admin_area: m.mk("vio_events.admin_area"),
            place: m.mk("vio_events.place"),
            coordinates: "-13.51671, -71.97812".into(),
            confidentiality: "internal".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    m.0.entry("vio_events.coordinates".into())
        .or_default()
        .push("-71.97812".into());
    let victim = create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            name: m.mk("vio_persons.name"),
            other_names: vec![m.mk("vio_persons.other_names")],
            gender: m.mk("vio_persons.gender"),
            birth_date: "1937-06-21".into(),
            death_date: "1999-11-03".into(),
            nationality: Some("PER".into()),
            contact: m.mk("vio_persons.contact"),
            address: m.mk("vio_persons.address"),
            notes: m.mk("vio_persons.notes"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Dates and codes cannot carry a marker: their values are searched for instead.
    m.0.entry("vio_persons.birth_date".into())
        .or_default()
        .push("1937-06-21".into());
    m.0.entry("vio_persons.death_date".into())
        .or_default()
        .push("1999-11-03".into());
    let person2 = create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            name: m.mk("vio_persons.name"),
            ethnicity: Some(ABKHAZIANS.into()),
            religion: Some(BUDDHISTS.into()),
            occupation: Some(LEGISLATORS.into()),
            nationality: Some("BOL".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Codes cannot carry a marker, and the code itself is in the shipped vocabulary (in
    // clear, as reference data): these columns are checked filled and encrypted only.
    for col in ["ethnicity", "religion", "occupation", "nationality"] {
        m.0.entry(format!("vio_persons.{col}")).or_default();
    }
    let act = create_act(
        &mut tx,
        &vocab,
        &ActInput {
            event_id: event,
            victim_id: Some(victim),
            act_type: "03010100000004".into(),
            start_date: m.date("vio_acts.start_date", "1986-05-04"),
            end_date: m.date("vio_acts.end_date", "1986-05-09"),
            admin_area: m.mk("vio_acts.admin_area"),
            property_destroyed: m.mk("vio_acts.property_destroyed"),
            property_value: m.mk("vio_acts.property_value"),
            place: m.mk("vio_acts.place"),
            coordinates: "-12.04637, -77.04279".into(),
            consequences: m.mk("vio_acts.consequences"),
            case_description: m.mk("vio_acts.case_description"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    m.0.entry("vio_acts.coordinates".into())
        .or_default()
        .push("-77.04279".into());
    // Only the months of the dates stay in clear (the sort keys).
    for (col, month) in [
        ("vio_events.start_sort", "1987-06"),
        ("vio_events.end_sort", "1987-06"),
        ("vio_acts.start_sort", "1986-05"),
        ("vio_acts.end_sort", "1986-05"),
    ] {
        m.0.entry(col.into()).or_default().push(month.into());
    }
    link_persons(
        &mut tx,
        &vocab,
        victim,
        person2,
        "01010100000021",
        &m.date("vio_person_links.start_date", "1979-08-01"),
        &m.date("vio_person_links.end_date", "1981-09-02"),
    )
    .await
    .unwrap();
    set_death_penalty(
        &mut tx,
        &DeathPenaltyInput {
            event_id: event,
            person_id: victim,
            status: "commuted".into(),
            charge: m.mk("vio_death_penalty.charge"),
            sentence_date: m.date("vio_death_penalty.sentence_date", "1988-01-11"),
            execution_date: m.date("vio_death_penalty.execution_date", "1988-02-12"),
            commutation_date: m.date("vio_death_penalty.commutation_date", "1988-03-13"),
        },
    )
    .await
    .unwrap();
    add_information(
        &mut tx,
        &vocab,
        &InformationInput {
            source_id: person2,
            event_id: Some(event),
            info_date: m.date("vio_information.info_date", "1985-04-03"),
            remarks: m.mk("vio_information.remarks"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut content: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    content[1000..1000 + FILE_MARKER.len()].copy_from_slice(FILE_MARKER.as_bytes());
    let (blob, head) = evidence::store_reader(s, &content[..], u64::MAX, None).unwrap();
    evidence::create_evidence(
        &mut tx,
        &EvidenceInput {
            title: m.mk("vio_evidence.title"),
            description: m.mk("vio_evidence.description"),
            filename: m.mk("vio_evidence.filename"),
            event_id: Some(event),
            acquired_from: m.mk("vio_evidence.acquired_from"),
            acquired_how: m.mk("vio_evidence.acquired_how"),
            acquired_at: m.date("vio_evidence.acquired_at", "1984-03-02"),
            confidentiality: "internal".into(),
            ..Default::default()
        },
        &blob,
        &head,
    )
    .await
    .unwrap();
    // The custody log names whom it was acquired from (the same typed value).
    let from = m.0["vio_evidence.acquired_from"].clone();
    m.0.insert("vio_custody.counterpart".into(), from);
    // … how (the method) and when (in the details).
    let how = m.0["vio_evidence.acquired_how"].clone();
    m.0.insert("vio_custody.method".into(), how);
    m.0.insert("vio_custody.details".into(), vec!["1984-03-02".into()]);
    let ua = interventions::create_intervention(
        &mut tx,
        &vocab,
        &InterventionInput {
            int_type: "urgent_appeal".into(),
            addressees: m.mk("vio_interventions.addressees"),
            int_date: m.date("vio_interventions.int_date", "1983-02-01"),
            follow_up_date: m.date("vio_interventions.follow_up_date", "1983-02-15"),
            description: m.mk("vio_interventions.description"),
            events: vec![event],
            acts: vec![act],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // The reply is due 60 days after an urgent appeal.
    m.date("vio_interventions.reply_due", "1983-04-02");
    // The response is recorded on the committed intervention (read outside the write).
    tx.commit().await.unwrap();
    let mut tx = s.begin(&doc_a).await.unwrap();
    interventions::record_response(
        &mut tx,
        &vocab,
        ua,
        Some("04000000000027".into()),
        &m.date("vio_interventions.response_date", "1983-03-21"),
        &m.mk("vio_interventions.response_text"),
        None,
        None,
    )
    .await
    .unwrap();
    save_draft(
        &mut tx,
        None,
        "entry",
        &serde_json::json!({ "victim_name": m.mk("vio_drafts.payload") }),
    )
    .await
    .unwrap();
    search::save_search(
        &mut tx,
        doc.id,
        &m.mk("saved_searches.name"),
        &format!("q={}", m.mk("saved_searches.query")),
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Protection: a defender with risk, a measure and a check-in; a missing person with a
    // relative and a status change; a source list.
    let def = s
        .write(&doc_a, async |tx| {
            create_defender(
                tx,
                &vocab,
                &DefenderInput {
                    name: m.mk("vio_persons.name"),
                    age_group: "adult".into(),
                    organisation: m.mk("pro_defenders.organisation"),
                    country: Some("HND".into()),
                    region: m.mk("pro_defenders.region"),
                    contact: m.mk("pro_defenders.contact"),
                    whereabouts: m.mk("pro_defenders.whereabouts"),
                    areas: vec!["land_environment".into()],
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
        .write(&coo_a, async |tx| {
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
    s.write(&coo_a, async |tx| {
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
    let grant = s
        .write(&coo_a, async |tx| {
            request_measure(
                tx,
                &MeasureInput {
                    defender_id: def,
                    measure_type: "emergency_grant".into(),
                    requested_on: "2024-02-14".into(),
                    amount: "98765.43".into(),
                    currency: "EUR".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
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
        s.write(&coo_a, async |tx| {
            advance_measure(
                tx,
                grant,
                &MeasureStatusInput {
                    status: status.into(),
                    on_date: on.into(),
                    cost: cost.into(),
                    cost_currency: if cost.is_empty() { "" } else { "EUR" }.into(),
                    outcome,
                },
            )
            .await
        })
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
        .write(&coo_a, async |tx| {
            add_checkin(tx, def, Some(mid), "2024-03-15").await
        })
        .await
        .unwrap();
    s.write(&coo_a, async |tx| {
        complete_checkin(tx, c, "2024-03-16", &checkin_notes).await
    })
    .await
    .unwrap();
    let period = s
        .write(&coo_a, async |tx| {
            add_period(tx, &m.mk("pro_periods.name"), "1997-02-03", "2000-12-30").await
        })
        .await
        .unwrap();
    // Dates cannot carry a marker: their values are searched for instead (each distinct
    // from every other date of this test, so that none is found in a clear column).
    for (col, date) in [
        ("pro_periods.start_date", "1997-02-03"),
        ("pro_periods.end_date", "2000-12-30"),
        ("pro_missing.last_seen_date", "1999-04-12"),
        ("pro_missing.status_on", "2003-06-01"),
        ("pro_status_history.changed_on", "2001-03-01"),
        ("pro_status_history.changed_on", "2003-06-01"),
        ("pro_reports.reported_on", "2001-02-27"),
    ] {
        m.0.entry(col.into()).or_default().push(date.into());
    }
    let (case, rel) = s
        .write(&doc_a, async |tx| {
            let id = create_missing(
                tx,
                &vocab,
                &MissingInput {
                    name: m.mk("vio_persons.name"),
                    birth_date: "1971-05-04".into(),
                    last_seen_date: "1999-04-12".into(),
                    last_seen_place: m.mk("pro_missing.last_seen_place"),
                    region: m.mk("pro_missing.region"),
                    community: m.mk("pro_missing.community"),
                    circumstances: m.mk("pro_missing.circumstances"),
                    description: m.mk("pro_missing.description"),
                    opened_on: "2001-03-01".into(),
                    period_id: Some(period),
                    ..Default::default()
                },
            )
            .await?;
            let rel = add_relative(
                tx,
                id,
                &RelativeInput {
                    name: m.mk("pro_relatives.name"),
                    relationship: "spouse".into(),
                    contact: m.mk("pro_relatives.contact"),
                },
            )
            .await?;
            Ok((id, rel))
        })
        .await
        .unwrap();
    s.write(&doc_a, async |tx| {
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
                reported_on: "2001-02-27".into(),
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
    s.write(&doc_a, async |tx| {
        share(tx, case, "commission", &recipient, "email").await
    })
    .await
    .unwrap();
    let source = s
        .write(&coo_a, async |tx| {
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
        &coo_a,
        source,
        &format!("{}.csv", m.mk("pro_source_imports.filename")),
        &src::read_csv(csv.as_bytes()).unwrap(),
        &mapping,
    )
    .await
    .unwrap();
    // Obligations: an assessment and a note on a shipped recommendation.
    use dignity_store::obligations::tracking;
    let input = dignity_store::obligations::recs::NewRecommendation {
        iso3: "KEN".into(),
        body: "CCPR".into(),
        text: "Establish an independent police oversight body.".into(),
        document_symbol: "CCPR/C/KEN/CO/4".into(),
        paragraph: "12".into(),
        date: "2021-07-27".into(),
        ..Default::default()
    }
    .into_input()
    .unwrap();
    let rec = s
        .write(&coo_a, async |tx| {
            dignity_store::obligations::recs::create(tx, input).await
        })
        .await
        .unwrap();
    let (narrative, evidence, note) = (
        m.mk("rec_assessments.narrative"),
        m.mk("rec_assessments.evidence"),
        m.mk("rec_notes.body"),
    );
    s.write(&coo_a, async |tx| {
        tracking::assess(
            tx,
            tracking::Target::Recommendation(rec),
            &tracking::Assessment {
                id: 0,
                status: "in_progress".into(),
                assessed_on: "2022-01-11".into(),
                narrative: narrative.clone(),
                evidence: evidence.clone(),
                confidentiality: Some("public".into()),
                published: true,
                by: None,
                via_cluster: false,
            },
        )
        .await?;
        tracking::add_note(
            tx,
            tracking::Target::Recommendation(rec),
            &note,
            dignity_core::Confidentiality::Internal,
        )
        .await
    })
    .await
    .unwrap();
    let (cluster_name, basis_value, focal, action, indicator, inst_name) = (
        m.mk("rec_clusters.name"),
        m.mk("rec_clusters.basis_value"),
        m.mk("rec_assignments.focal_point"),
        m.mk("rec_actions.description"),
        m.mk("rec_actions.indicator"),
        m.mk("institutions.name"),
    );
    s.write(&coo_a, async |tx| {
        let cluster =
            tracking::create_cluster(tx, "KEN", &cluster_name, "theme", &basis_value).await?;
        let inst = tracking::institution(tx, &inst_name, "ministry", Some("KEN")).await?;
        tracking::assign(tx, tracking::Target::Cluster(cluster), inst, &focal).await?;
        tracking::add_action(
            tx,
            tracking::Target::Recommendation(rec),
            &tracking::PlannedAction {
                id: 0,
                description: action.clone(),
                institution: None,
                target_date: "2026-02-17".into(),
                indicator: indicator.clone(),
                done: false,
                overdue_days: None,
            },
            Some(inst),
        )
        .await
    })
    .await
    .unwrap();
    m.0.entry("rec_actions.target_date".into())
        .or_default()
        .push("2026-02-17".into());
    // Notes typed on reference rows: a ratification, a treaty report, a country visit.
    use dignity_store::obligations::{self as ob, reports};
    let (rat_note, report_note, visit_note) = (
        m.mk("ratifications.note"),
        m.mk("treaty_reports.note"),
        m.mk("sp_visits.note"),
    );
    s.write(&coo_a, async |tx| {
        ob::set_ratification(
            tx,
            "KEN",
            "CPED",
            &ob::RatificationInput {
                status: "party".into(),
                consent: "2015-01-10".into(),
                note: rat_note.clone(),
                ..Default::default()
            },
            "user",
        )
        .await?;
        reports::set_report(
            tx,
            "KEN",
            "CPED",
            &reports::ReportInput {
                number: 1,
                note: report_note.clone(),
                ..Default::default()
            },
        )
        .await?;
        reports::upsert_mandate(
            tx,
            "SR-TORTURE",
            "Special Rapporteur on torture",
            "thematic",
            None,
            "1985",
        )
        .await?;
        reports::add_visit(
            tx,
            "KEN",
            &reports::Visit {
                id: 0,
                mandate_code: "SR-TORTURE".into(),
                mandate_name: String::new(),
                iso3: String::new(),
                status: "requested".into(),
                requested: "2019".into(),
                accepted: String::new(),
                visit_start: String::new(),
                visit_end: String::new(),
                report_symbol: String::new(),
                note: visit_note.clone(),
            },
        )
        .await
    })
    .await
    .unwrap();
    m.0.entry("rec_assessments.assessed_on".into())
        .or_default()
        .push("2022-01-11".into());
    // Statistics: a capture-history table (list names typed by a user, in the CSV too).
    let (la, lb) = (m.mk("mse_datasets.lists"), m.mk("mse_datasets.lists"));
    let stratum = m.mk("mse_datasets.stratum_column");
    let table_csv = format!(
        "{la},{lb},{stratum},count\n1,0,{},3\n0,1,x,2\n1,1,x,1\n",
        m.mk("mse_datasets.csv")
    );
    let (ds_name, ds_desc) = (m.mk("mse_datasets.name"), m.mk("mse_datasets.description"));
    s.write(&coo_a, async |tx| {
        dignity_store::stats::create(
            tx,
            &dignity_store::stats::NewDataset {
                name: &ds_name,
                description: &ds_desc,
                stratum_column: Some(&stratum),
                csv: &table_csv,
                lists: &[la.clone(), lb.clone()],
                observed: 6,
                level: dignity_core::Confidentiality::Internal,
            },
        )
        .await
    })
    .await
    .unwrap();
    // The raw row holds every typed cell, the name and place too.
    for col in [
        "pro_source_records.name",
        "pro_source_records.place",
        "pro_source_records.external_id",
        "pro_source_records.sex",
        "pro_source_records.birth_date",
        "pro_source_records.last_seen_date",
    ] {
        let v = m.0[col].clone();
        m.0.entry("pro_source_records.raw".into())
            .or_default()
            .extend(v);
    }
    m
}

/// Every column registered encrypted is filled by [`populate`] (in at least one row, and
/// with a marker), except [`NOT_TYPED`].
pub async fn check_coverage(s: &Store, m: &Markers) {
    use sqlx::Row;
    for col in at_rest::of_class(|c| c == Class::Encrypted) {
        if NOT_TYPED.iter().any(|(c, _)| *c == col) {
            continue;
        }
        assert!(
            m.0.contains_key(&col),
            "{col} is registered encrypted but the marker test types nothing into it: \
             add it to populate() in crates/dignity-cli/tests/it/at_rest/mod.rs"
        );
        let (t, c) = col.split_once('.').unwrap();
        let n: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {t} WHERE {c} IS NOT NULL AND {c} <> ''"
        ))
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
        assert!(n > 0, "{col}: the marker test left it empty");
    }
    // And every value of every encrypted column is a row-bound ciphertext: a person's
    // personal fields under the person's own key (crypto-shredding, `store::shred`), the
    // rest under the data key.
    for col in at_rest::of_class(|c| c == Class::Encrypted) {
        let (t, c) = col.split_once('.').unwrap();
        let prefix = if t == "vio_persons" {
            "enc:p1:"
        } else {
            "enc:v2:"
        };
        let n: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {t} WHERE {c} IS NOT NULL AND {c} <> '' AND substr({c}, 1, 7) <> '{prefix}'"
        ))
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
        assert_eq!(n, 0, "{col}: {n} values not encrypted");
    }
}

/// The markers that must not be found: those typed into encrypted columns, and the file's.
pub fn secret_markers(m: &Markers) -> Vec<(String, String)> {
    let mut out = vec![("evidence file".to_string(), FILE_MARKER.to_string())];
    for (col, ms) in &m.0 {
        let (t, c) = col.split_once('.').unwrap();
        if at_rest::class_of(t, c) == Some(Class::Encrypted) {
            out.extend(ms.iter().map(|x| (col.clone(), x.clone())));
        }
    }
    out
}

/// The months of the typed dates, kept in clear as sort keys (a control: the database
/// holds them, and no day).
pub fn month_markers(m: &Markers) -> Vec<(String, String)> {
    let mut out = vec![];
    for (col, ms) in &m.0 {
        let (t, c) = col.split_once('.').unwrap();
        if at_rest::class_of(t, c) == Some(at_rest::MONTH) {
            out.extend(ms.iter().map(|x| (col.clone(), x.clone())));
        }
    }
    out
}

/// The markers typed into columns kept in clear by design (the control; a column still
/// pending would count too).
pub fn clear_markers(m: &Markers) -> Vec<(String, String)> {
    let mut out = vec![];
    for (col, ms) in &m.0 {
        let (t, c) = col.split_once('.').unwrap();
        if matches!(
            at_rest::class_of(t, c),
            Some(Class::Pending | Class::Clear(_))
        ) {
            out.extend(ms.iter().map(|x| (col.clone(), x.clone())));
        }
    }
    out
}

pub use crate::common::contains;

/// Every file under `dir`, with its bytes.
pub fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = vec![];
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
    out
}

/// The markers of `secret` found in `files`: (marker's column, file).
pub fn hits(secret: &[(String, String)], files: &[(std::path::PathBuf, Vec<u8>)]) -> Vec<String> {
    let mut out = vec![];
    for (col, mk) in secret {
        for (p, b) in files {
            if contains(b, mk.as_bytes()) {
                out.push(format!("{col} ({mk}) in {}", p.display()));
            }
        }
    }
    out
}

async fn mid_of(s: &Store, defender: i64) -> i64 {
    measures_of(s, defender).await.unwrap()[0].id
}

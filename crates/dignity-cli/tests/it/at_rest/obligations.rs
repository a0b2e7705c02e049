//! The obligations records: an assessment and a note on a shipped recommendation; notes on a
//! ratification, a treaty report and a country visit.

use super::*;

/// What [`super::populate`] writes of this area, each typed field with its marker.
pub(super) async fn populate(s: &Store, m: &mut Markers, coo_a: &Actor) {
    // Obligations: an assessment and a note on a shipped recommendation.
    use dignity_store::obligations::tracking;
    let input = dignity_store::testing::fixtures::police_oversight()
        .into_input()
        .unwrap();
    let rec = s
        .write(coo_a, async |tx| {
            dignity_store::obligations::recs::create(tx, input).await
        })
        .await
        .unwrap();
    let (narrative, evidence, note) = (
        m.mk("rec_assessments.narrative"),
        m.mk("rec_assessments.evidence"),
        m.mk("rec_notes.body"),
    );
    s.write(coo_a, async |tx| {
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
    s.write(coo_a, async |tx| {
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
    s.write(coo_a, async |tx| {
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
}

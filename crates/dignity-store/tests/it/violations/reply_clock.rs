//! Interventions and their reply clock.

use super::*;

#[tokio::test]
async fn an_urgent_appeal_starts_a_reply_clock_and_shows_up_as_due_then_overdue() {
    for b in backends() {
        let (s, doc, ana, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let ua = interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                events: vec![c.event],
                acts: vec![c.act2],
                persons: vec![c.victim],
                ..common::urgent_appeal()
            },
        )
        .await
        .unwrap();
        let visit = interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "detention_visit".into(),
                int_date: "2024-03-13".into(),
                follow_up_date: "2024-04-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let e = interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "letter".into(),
                int_date: "2024-03-12".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, StoreError::Rejected(ref r) if r.field == "int_type"),
            "{e}"
        );
        tx.commit().await.unwrap();
        let it = interventions::get_intervention(&s, ua)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(it.reply_due, "2024-05-11");
        let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let due = interventions::deadlines(&s, &doc, "mine", day("2024-04-30"), 14)
            .await
            .unwrap();
        let kinds: Vec<(i64, &str, bool)> = due
            .iter()
            .map(|d| (d.intervention_id, d.kind.as_str(), d.overdue))
            .collect();
        assert_eq!(
            kinds,
            [(visit, "follow_up", true), (ua, "reply", false)],
            "{b:?}"
        );
        assert!(
            interventions::deadlines(&s, &ana, "mine", day("2024-06-01"), 14)
                .await
                .unwrap()
                .is_empty()
        );
        let due = interventions::deadlines(&s, &doc, "mine", day("2024-06-01"), 14)
            .await
            .unwrap();
        assert!(due
            .iter()
            .any(|d| d.intervention_id == ua && d.overdue && d.days_left == -21));
        // The reply stops the clock.
        let mut tx = s.begin(&doc).await.unwrap();
        interventions::record_response(
            &mut tx,
            &vocab,
            ua,
            Some("04000000000027".into()),
            "2024-05-02",
            "Asked for details",
            None,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let due = interventions::deadlines(&s, &doc, "mine", day("2024-06-01"), 14)
            .await
            .unwrap();
        assert!(!due.iter().any(|d| d.intervention_id == ua));
        assert_eq!(
            interventions::interventions_for(&s, &doc, ACT, c.act2)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

//! Tracking history and confidential notes.

use super::*;

#[tokio::test]
async fn tracking_history_and_confidential_notes() {
    for b in backends() {
        let s = fresh(b).await;
        let doc = user(&s, "doc", Role::Documenter).await;
        let other = user(&s, "analyst", Role::Analyst).await;
        let mut tx = s.begin(&doc).await.unwrap();
        let input = recs::NewRecommendation {
            themes: vec!["Police".into()],
            ..common::police_oversight()
        }
        .into_input()
        .unwrap();
        let rec = recs::create(&mut tx, input).await.unwrap();
        let cluster = tracking::create_cluster(&mut tx, "KEN", "Policing", "theme", "Police")
            .await
            .unwrap();
        let inst = tracking::institution(&mut tx, "Ministry of Interior", "ministry", Some("KEN"))
            .await
            .unwrap();
        tracking::assign(
            &mut tx,
            tracking::Target::Cluster(cluster),
            inst,
            "Legal adviser",
        )
        .await
        .unwrap();
        tracking::add_action(
            &mut tx,
            tracking::Target::Recommendation(rec),
            &tracking::PlannedAction {
                id: 0,
                description: "Draft bill".into(),
                institution: None,
                target_date: "2020-01-01".into(),
                indicator: "Bill tabled".into(),
                done: false,
                overdue_days: None,
            },
            Some(inst),
        )
        .await
        .unwrap();
        tracking::assess(
            &mut tx,
            tracking::Target::Recommendation(rec),
            &tracking::Assessment {
                narrative: "Bill drafted".into(),
                evidence: "https://example.org/bill".into(),
                confidentiality: Some("public".into()),
                published: true,
                ..common::assessment("in_progress", "2022-01-10")
            },
        )
        .await
        .unwrap();
        tracking::assess(
            &mut tx,
            tracking::Target::Cluster(cluster),
            &tracking::Assessment {
                narrative: "Body set up, no budget".into(),
                ..common::assessment("partially_implemented", "2023-03-01")
            },
        )
        .await
        .unwrap();
        tracking::add_note(
            &mut tx,
            tracking::Target::Recommendation(rec),
            "Minister hostile, do not quote",
            Confidentiality::Confidential,
        )
        .await
        .unwrap();
        tracking::add_note(
            &mut tx,
            tracking::Target::Recommendation(rec),
            "Follow up in March",
            Confidentiality::Internal,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        // Status history, oldest first, attributed; the cluster's assessment applies.
        let h = tracking::history(&s, &doc, rec).await.unwrap();
        let st: Vec<&str> = h.iter().map(|a| a.status.as_str()).collect();
        assert_eq!(st, ["in_progress", "partially_implemented"]);
        assert_eq!(h[0].by.as_deref(), Some("doc"));
        assert!(h[1].via_cluster);
        // The public sees the public assessment only, and the matching status.
        let pubh = tracking::history(&s, &Actor::anonymous(), rec)
            .await
            .unwrap();
        assert_eq!(pubh.len(), 1);
        let anon = recs::get(&s, &Actor::anonymous(), rec)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(anon.status, "in_progress");
        assert_eq!(
            recs::get(&s, &doc, rec).await.unwrap().unwrap().status,
            "partially_implemented"
        );
        let f = recs::search(
            &s,
            &Actor::anonymous(),
            &RecFilter {
                status: Some("partially_implemented".into()),
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap();
        assert_eq!(f.total, 0, "no count reveals an internal assessment");

        // Notes: the author sees both, another staff member the internal one, the public none.
        let t = tracking::Target::Recommendation(rec);
        assert_eq!(tracking::notes(&s, &doc, t).await.unwrap().len(), 2);
        let seen: Vec<String> = tracking::notes(&s, &other, t)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.body)
            .collect();
        assert_eq!(seen, ["Follow up in March"]);
        assert!(tracking::notes(&s, &Actor::anonymous(), t)
            .await
            .unwrap()
            .is_empty());

        // Assignments through the cluster, overdue action, follow-up report.
        let a = tracking::assignments(&s, rec).await.unwrap();
        assert_eq!(a[0].institution, "Ministry of Interior");
        assert_eq!(a[0].via_cluster.as_deref(), Some("Policing"));
        let acts = tracking::actions(&s, rec).await.unwrap();
        assert!(acts[0].overdue_days.unwrap() > 0);
        let due = tracking::due_actions(&s, "KEN", 30).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].description, "Draft bill");
        assert!(due[0].overdue_days.unwrap() > 0);
        assert!(tracking::due_actions(&s, "FRA", 30)
            .await
            .unwrap()
            .is_empty());
        let fu = tracking::follow_up(&s, &doc, "KEN", "CCPR", "2021-07-27")
            .await
            .unwrap();
        assert_eq!(fu.len(), 1);
        assert_eq!(fu[0].assessments.len(), 2);
        let fu_pub = tracking::follow_up(&s, &Actor::anonymous(), "KEN", "CCPR", "2021-07-27")
            .await
            .unwrap();
        assert_eq!(fu_pub[0].assessments.len(), 1);

        // Bad inputs.
        let mut tx = s.begin(&doc).await.unwrap();
        let bad = tracking::assess(&mut tx, t, &common::assessment("done", "2022-01-01")).await;
        assert!(matches!(bad, Err(StoreError::Rejected(ref e)) if e.field == "status"));
        tx.rollback().await.unwrap();
    }
}

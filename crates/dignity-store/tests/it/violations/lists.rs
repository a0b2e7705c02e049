//! Lenses (priority countries, death penalty) and long lists that cap totals and page by keyset.

use super::*;

#[tokio::test]
async fn lenses_priority_countries_and_death_penalty_cases() {
    for b in backends() {
        let (s, doc, ana, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        victim_internal(&s, &c).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        v::set_priority_countries(&mut tx, &vocab, &["per".into(), "SYR".into()])
            .await
            .unwrap();
        set_death_penalty(&mut tx, &death_penalty(&c, "sentenced", "2024-06-01"))
            .await
            .unwrap();
        set_death_penalty(
            &mut tx,
            &DeathPenaltyInput {
                commutation_date: "2024-09".into(),
                ..death_penalty(&c, "commuted", "2024-06-01")
            },
        )
        .await
        .unwrap();
        assert!(set_death_penalty(
            &mut tx,
            &DeathPenaltyInput {
                execution_date: "2024-05-01".into(),
                ..death_penalty(&c, "sentenced", "2024-06-01")
            }
        )
        .await
        .is_err());
        tx.commit().await.unwrap();
        assert_eq!(v::priority_countries(&s).await.unwrap(), ["PER", "SYR"]);
        let counts = lens_counts(&s, &ana).await.unwrap();
        let dp = counts.iter().find(|l| l.lens == "death_penalty").unwrap();
        assert_eq!((dp.events, dp.priority_events, dp.acts), (1, 1, 2));
        let (cases, by_status) = death_penalty_cases(&s, &ana).await.unwrap();
        assert_eq!(cases.len(), 1);
        assert!(
            cases[0].person.starts_with("P-"),
            "pseudonym for the analyst"
        );
        assert_eq!(by_status, [("commuted".to_string(), 1)]);
        let (n, _) = list_events(
            &s,
            &ana,
            &EventFilter {
                priority: Some(true),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        let (n, _) = list_events(
            &s,
            &ana,
            &EventFilter {
                lens: Some("hrd".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(n, 0);
    }
}

#[tokio::test]
async fn long_lists_cap_their_totals_and_page_by_keyset() {
    for b in backends() {
        let (s, doc, ana, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        // 10,005 more internal events and one confidential one, written in one statement.
        let mut tx = s.begin(&doc).await.unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10006) \
             INSERT INTO vio_events (title, start_date, start_sort, country, confidentiality, published, created_at, updated_at) \
             SELECT 'Event ' || CAST(i AS TEXT) || CASE WHEN i >= 10000 THEN ' late' ELSE '' END, '2020-01-01', '2020-01', 'SYR', \
             CASE WHEN i = 10006 THEN 'confidential' ELSE 'internal' END, 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n",
        )
        .execute(tx.conn())
        .await
        .unwrap();
        tx.audit(
            "test.bulk",
            EVENT,
            "bulk",
            None,
            None,
            serde_json::json!({}),
        );
        tx.commit().await.unwrap();
        // Written in clear, as an older version did: encrypted and keyed as at serve start.
        dignity_store::at_rest::encrypt_clear_fields(&s)
            .await
            .unwrap();
        assert_eq!(
            dignity_store::violations::fill_title_words(&s)
                .await
                .unwrap(),
            10006
        );
        let all = EventFilter::default();
        let (n, rows) = list_events(&s, &ana, &all, 50, 0).await.unwrap();
        assert_eq!(
            (n, total_is_exact(n)),
            (TOTAL_CAP + 1, false),
            "{b:?}: more than 10,000"
        );
        assert_eq!(rows.len(), 50);
        // Under the cap the total is exact, and it still leaves out what the reader may not see.
        let syr = EventFilter {
            country: Some("SYR".into()),
            q: Some("late EVENT".into()),
            ..Default::default()
        };
        let (n, rows) = list_events(&s, &ana, &syr, 50, 0).await.unwrap();
        // "Event 10000 late" … "Event 10005 late"; 10006 is confidential.
        assert_eq!((n, total_is_exact(n), rows.len()), (6, true, 6));
        assert!(rows.iter().all(|r| r.title.ends_with(" late")), "{rows:?}");
        // Acts: keyset pages follow each other without gaps or repeats; a victim's acts.
        let (n, first) = list_acts(&s, &doc, &ActFilter::default(), 1, 0)
            .await
            .unwrap();
        assert_eq!((n, first.len()), (2, 1));
        let next = ActFilter {
            before: Some(first[0].id),
            ..Default::default()
        };
        let (_, second) = list_acts(&s, &doc, &next, 1, 0).await.unwrap();
        assert_eq!(second.len(), 1);
        assert!(second[0].id < first[0].id);
        let mut ids = vec![first[0].id, second[0].id];
        ids.sort();
        assert_eq!(ids, {
            let mut v = vec![c.act1, c.act2];
            v.sort();
            v
        });
        let mine = ActFilter {
            victim_id: Some(c.victim),
            ..Default::default()
        };
        let (n, rows) = list_acts(&s, &doc, &mine, 100, 0).await.unwrap();
        assert!(n >= 1 && rows.iter().all(|a| a.victim_id == c.victim));
        let (n, _) = list_acts(
            &s,
            &doc,
            &ActFilter {
                victim_id: Some(c.perp),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
        assert_eq!(n, 0);
    }
}

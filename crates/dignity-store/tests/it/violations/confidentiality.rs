//! Confidential acts invisible to those without access, names encrypted at rest, private drafts.

use super::*;

#[tokio::test]
async fn a_confidential_act_is_invisible_everywhere_to_those_without_access() {
    for b in backends() {
        let (s, doc, ana, adm) = setup(b).await;
        let c = document_case(&s, &doc).await;
        victim_internal(&s, &c).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let secret = create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: c.event,
                victim_id: Some(c.victim),
                act_type: EXECUTION.into(),
                confidentiality: "confidential".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // An internal person who is the victim of a confidential act only.
        let hidden_victim = create_person(
            &mut tx,
            &vocab,
            &PersonInput {
                name: "Quispe Mamani".into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: c.event,
                victim_id: Some(hidden_victim),
                act_type: EXECUTION.into(),
                confidentiality: "confidential".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Roles, the victims filter and its count come only from acts the reader may see.
        assert_eq!(
            person_roles(&s, &doc, hidden_victim).await.unwrap(),
            ["victim"]
        );
        assert!(person_roles(&s, &ana, hidden_victim)
            .await
            .unwrap()
            .is_empty());
        let (n_ana, rows) = list_persons(&s, &ana, None, Some("victim"), 100, 0)
            .await
            .unwrap();
        assert!(rows.iter().all(|r| r.id != hidden_victim));
        assert_eq!(n_ana as usize, rows.len(), "the analyst's count of victims");
        let (_, rows) = list_persons(&s, &doc, None, Some("victim"), 100, 0)
            .await
            .unwrap();
        assert!(rows.iter().any(|r| r.id == hidden_victim));
        sqlx::query("DELETE FROM vio_acts WHERE victim_id = $1")
            .bind(hidden_victim)
            .execute(s.pool())
            .await
            .unwrap();
        for (who, sees) in [(&doc, true), (&ana, false), (&adm, false)] {
            let ctx = format!("{b:?} {}", who.username);
            assert_eq!(
                can(&s, who, Action::Read, ACT, secret).await.unwrap(),
                sees,
                "{ctx}: page"
            );
            let ids: Vec<i64> = acts_of_event(&s, who, c.event)
                .await
                .unwrap()
                .iter()
                .map(|a| a.id)
                .collect();
            assert_eq!(ids.contains(&secret), sees, "{ctx}: event page");
            let (total, rows) = list_acts(&s, who, &ActFilter::default(), 100, 0)
                .await
                .unwrap();
            assert_eq!(total, if sees { 3 } else { 2 }, "{ctx}: count");
            assert_eq!(rows.iter().any(|r| r.id == secret), sees, "{ctx}: list");
            let (_, evs) = list_events(&s, who, &EventFilter::default(), 10, 0)
                .await
                .unwrap();
            assert_eq!(
                evs[0].acts,
                if sees { 3 } else { 2 },
                "{ctx}: act counter of the event list"
            );
            let by_type = count_acts_by_type(&s, who, None).await.unwrap();
            assert_eq!(
                by_type.iter().any(|(t, _)| t == EXECUTION),
                sees,
                "{ctx}: facets"
            );
            let (_, evs) = list_events(
                &s,
                who,
                &EventFilter {
                    act_type: Some(EXECUTION.into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
            assert_eq!(!evs.is_empty(), sees, "{ctx}: filter by act type");
            let lens = lens_counts(&s, who).await.unwrap();
            let torture = lens.iter().find(|l| l.lens == "torture").unwrap();
            assert_eq!(
                torture.acts,
                if sees { 3 } else { 2 },
                "{ctx}: lens counter"
            );
            let exported = case::export_case(&s, who, c.event).await.unwrap();
            assert_eq!(
                exported.acts.len(),
                if sees { 3 } else { 2 },
                "{ctx}: export"
            );
        }
        // Put the admin on the list: now they see it.
        let mut tx = s.begin(&doc).await.unwrap();
        acl::set_need_to_know(
            &mut tx,
            ACT,
            &secret.to_string(),
            &[adm.user_id.unwrap()],
            &[],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(can(&s, &adm, Action::Read, ACT, secret).await.unwrap());
        // A restricted event hides its acts even when the acts are internal. Changing the
        // level needs ManageAccess (not a documenter's): the admin does it, on the list.
        let ev = get_event(&s, c.event).await.unwrap().unwrap();
        let mut input = case::event_input(&ev);
        input.confidentiality = "confidential".into();
        input.need_to_know_users = vec![doc.user_id.unwrap(), adm.user_id.unwrap()];
        let mut tx = s.begin(&doc).await.unwrap();
        assert!(matches!(
            update_event(&mut tx, &vocab, c.event, &input).await,
            Err(StoreError::Forbidden(_))
        ));
        tx.rollback().await.unwrap();
        let mut tx = s.begin(&adm).await.unwrap();
        update_event(&mut tx, &vocab, c.event, &input)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(!can(&s, &ana, Action::Read, ACT, c.act1).await.unwrap());
        assert_eq!(
            list_acts(&s, &ana, &ActFilter::default(), 100, 0)
                .await
                .unwrap()
                .0,
            0
        );
        assert!(case::export_case(&s, &ana, c.event).await.is_err());
    }
}

#[tokio::test]
async fn names_and_places_are_not_in_the_database_file() {
    let (s, doc, _, _) = setup(Backend::Sqlite).await;
    document_case(&s, &doc).await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(s.pool())
        .await
        .unwrap();
    let raw = common::sqlite_file_text(&s);
    assert!(
        raw.contains("event.create") && raw.contains("2024-03"),
        "the check reads the right file (the audit chain, the month of the event)"
    );
    for secret in [
        "Amaru",
        "Quispe",
        "Киспе",
        "Killa Huaman",
        "999 123 456",
        "Hatun Rumiyoq",
        "-71.9781",
        "Broken ribs",
        "Raid on the Hope Clinic",
        "Cusco",
        "2024-03-05",
    ] {
        assert!(!raw.contains(secret), "{secret} found in the raw database");
    }
}

#[tokio::test]
async fn drafts_are_private_and_encrypted() {
    let (s, doc, ana, _) = setup(Backend::Sqlite).await;
    let mut tx = s.begin(&doc).await.unwrap();
    let id = save_draft(
        &mut tx,
        None,
        "entry",
        &serde_json::json!({"victim_name": "Amaru Quispe"}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        drafts(&s, &doc).await.unwrap()[0].payload["victim_name"],
        "Amaru Quispe"
    );
    assert!(drafts(&s, &ana).await.unwrap().is_empty());
    let raw: String = sqlx::query("SELECT payload FROM vio_drafts WHERE id = $1")
        .bind(id)
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
    assert!(!raw.contains("Amaru"));
}

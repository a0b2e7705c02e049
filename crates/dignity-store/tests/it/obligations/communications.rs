//! Special procedures' communications following the reply clock of their intervention.

use super::*;

#[tokio::test]
async fn a_communication_follows_the_reply_clock_of_its_intervention() {
    use dignity_store::violations::interventions::{self, InterventionInput};
    for b in backends() {
        let s = fresh(b).await;
        let doc = user(&s, "dora", Role::Documenter).await;
        let other = user(&s, "omar", Role::Documenter).await;
        let vocab = dignity_store::violations::Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let ua = interventions::create_intervention(&mut tx, &vocab, &common::urgent_appeal())
            .await
            .unwrap();
        // A strictly confidential appeal only its author (and a need-to-know list) sees.
        let secret = interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "special_procedure_communication".into(),
                int_date: "2024-06-01".into(),
                confidentiality: "strictly_confidential".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        common::sr_torture_mandate(&mut tx).await;
        let c1 = reports::add_communication(
            &mut tx,
            "KEN",
            &reports::Communication {
                mandate_code: "SR-TORTURE".into(),
                reference: "UA KEN 1/2024".into(),
                sent: "2024-03-14".into(),
                intervention_id: Some(ua),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let c2 = reports::add_communication(
            &mut tx,
            "KEN",
            &reports::Communication {
                mandate_code: "SR-TORTURE".into(),
                reference: "AL KEN 2/2024".into(),
                sent: "2024-06-02".into(),
                reply: "2024-08-03".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        reports::link_intervention(&mut tx, c2, secret)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mine = reports::communications(&s, &doc, "KEN").await.unwrap();
        let a = mine.iter().find(|c| c.id == c1).unwrap();
        assert_eq!(a.reply_clocks.len(), 1);
        let k = &a.reply_clocks[0];
        // Sent 2024-03-12, 60 days to reply, no reply: overdue ever since.
        assert_eq!((k.intervention_id, k.sent.as_str()), (ua, "2024-03-12"));
        assert_eq!(k.due, "2024-05-11");
        assert_eq!(k.state, "overdue");
        let expected =
            (ob::today() - chrono::NaiveDate::from_ymd_opt(2024, 5, 11).unwrap()).num_days();
        assert_eq!(k.days, expected);
        // The reply recorded on the communication stops the clock: 3 days late.
        let b2 = mine.iter().find(|c| c.id == c2).unwrap();
        let k = &b2.reply_clocks[0];
        assert_eq!(
            (k.state.as_str(), k.due.as_str(), k.replied.as_str(), k.days),
            ("replied", "2024-07-31", "2024-08-03", 3)
        );

        // Another documenter sees the internal appeal's clock, not the confidential one;
        // an anonymous visitor sees the communications and no clock.
        let theirs = reports::communications(&s, &other, "KEN").await.unwrap();
        assert_eq!(theirs.len(), 2);
        assert_eq!(
            theirs
                .iter()
                .find(|c| c.id == c1)
                .unwrap()
                .reply_clocks
                .len(),
            1
        );
        assert!(theirs
            .iter()
            .find(|c| c.id == c2)
            .unwrap()
            .reply_clocks
            .is_empty());
        let public = reports::communications(&s, &Actor::anonymous(), "KEN")
            .await
            .unwrap();
        assert_eq!(public.len(), 2);
        assert!(public.iter().all(|c| c.reply_clocks.is_empty()));

        // Linking to an intervention one may not see reads as unknown; nothing written.
        assert_eq!(links(&s.store).await, 2);
        let r = s
            .write(&other, async |tx| {
                reports::link_intervention(tx, c1, secret).await
            })
            .await;
        assert!(
            matches!(r, Err(StoreError::Rejected(ref e)) if e.field == "intervention_id"),
            "{r:?}"
        );
        let r = s
            .write(&doc, async |tx| {
                reports::link_intervention(tx, 999_999, ua).await
            })
            .await;
        assert!(matches!(r, Err(StoreError::NotFound(_))), "{r:?}");
        assert_eq!(links(&s.store).await, 2);

        // The intervention's side: the communications linked to it.
        let of = reports::communications_of_intervention(&s, ua)
            .await
            .unwrap();
        assert_eq!(of.len(), 1);
        assert_eq!(
            (of[0].0.as_str(), of[0].1.reference.as_str()),
            ("KEN", "UA KEN 1/2024")
        );
    }
}

async fn links(s: &dignity_store::Store) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM sp_communication_interventions")
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

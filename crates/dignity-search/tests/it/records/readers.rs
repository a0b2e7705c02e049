//! Two readers see only their own hits and facet counts.

use super::*;

/// `reader` alone put on the need-to-know list of the record `id` of `record_type` by
/// `by`; whether the search applied the change within ten seconds.
async fn need_to_know(
    s: &TestStore,
    search: &Search,
    by: &Actor,
    record_type: &str,
    id: i64,
    reader: &Actor,
) -> bool {
    let mut tx = s.begin(by).await.unwrap();
    acl::set_need_to_know(
        &mut tx,
        record_type,
        &id.to_string(),
        &[reader.user_id.unwrap()],
        &[],
    )
    .await
    .unwrap();
    let seq = *tx.commit().await.unwrap().last().unwrap();
    search.wait_for(seq, Duration::from_secs(10)).await
}

#[tokio::test]
async fn two_readers_see_only_their_hits_and_facet_counts() {
    for b in backends() {
        let Setup {
            s,
            dora,
            ana,
            ids: i,
        } = setup(b).await;
        let search = open(&s).await;
        search.follow();
        let anon = Actor::anonymous();
        let hrd = k("person", person_of_defender(&s, i.defender).await);
        // What "Mohammed" finds for a reader of every record naming him.
        let every_mohammed = sorted(vec![
            k("act", i.a_torture),
            k("defender", i.defender),
            k("person", i.v_muhammad),
            hrd.clone(),
        ]);

        // dora recorded the confidential torture act and its victim; ana may not read them.
        assert_eq!(hits(&search, &dora, &q("Mohammed")), every_mohammed);
        assert_eq!(
            hits(&search, &ana, &q("Mohammed")),
            vec![k("defender", i.defender), hrd.clone()]
        );
        assert!(hits(&search, &anon, &q("Mohammed")).is_empty());
        // Nor its type, its victim's sex, or its event's words through it.
        assert_eq!(
            hits(&search, &ana, &q("manifestant")),
            vec![k("act", i.a_petrovic), k("event", i.e_fr)]
        );
        let acts = qf("", &[("record_type", "act")]);
        assert_eq!(facet_count(&search, &dora, &acts, "act_type", TORTURE), 1);
        assert_eq!(facet_count(&search, &ana, &acts, "act_type", TORTURE), 0);
        assert_eq!(facet_count(&search, &dora, &acts, "act_type", ARREST), 2);
        assert_eq!(facet_count(&search, &ana, &acts, "act_type", ARREST), 2);
        assert_eq!(facet_count(&search, &dora, &acts, "victim_sex", FEMALE), 1);
        assert_eq!(facet_count(&search, &ana, &acts, "victim_sex", FEMALE), 0);
        assert_eq!(
            facet_count(&search, &dora, &q(""), "confidentiality", "confidential"),
            2
        );
        assert_eq!(
            facet_count(&search, &ana, &q(""), "confidentiality", "confidential"),
            0
        );
        // The internal event does not count the confidential act's type among its facets,
        // for anyone: its readers are not all readers of the act.
        let events = qf("", &[("record_type", "event")]);
        assert_eq!(facet_count(&search, &dora, &events, "act_type", TORTURE), 0);
        assert_eq!(facet_count(&search, &ana, &events, "act_type", ARREST), 2);
        assert_eq!(
            facet_count(&search, &ana, &events, "perpetrator_type", GOVERNMENT),
            2
        );
        // Totals agree with the hits.
        assert_eq!(search.count(&ana, &acts).unwrap(), 2);
        assert_eq!(search.count(&dora, &acts).unwrap(), 3);
        // Anonymous readers see the public recommendations only.
        assert_eq!(
            hits(
                &search,
                &anon,
                &qf("", &[("record_type", "recommendation")])
            ),
            vec![k("recommendation", i.rec_en), k("recommendation", i.rec_fr)]
        );
        for t in ["event", "act", "person", "defender", "missing"] {
            assert_eq!(
                facet_count(&search, &anon, &q(""), "record_type", t),
                0,
                "{t}"
            );
            assert!(
                facet_count(&search, &ana, &q(""), "record_type", t) > 0,
                "{t}"
            );
        }

        // ana is put on the act's list: she still does not find it — an act is visible only
        // with its victim, whom she may not read yet. Its document is now for the readers
        // of both (dora alone), so it carries the victim's name for her.
        assert!(need_to_know(&s, &search, &dora, v::ACT, i.a_torture, &ana).await);
        assert_eq!(facet_count(&search, &ana, &acts, "act_type", TORTURE), 0);
        assert_eq!(
            hits(&search, &ana, &q("Mohammed")),
            vec![k("defender", i.defender), hrd.clone()]
        );
        assert_eq!(hits(&search, &dora, &q("Mohammed")), every_mohammed);
        // ana is put on the person's list too: the act's document follows the person's
        // list (a person's entry re-indexes the acts naming them).
        assert!(need_to_know(&s, &search, &dora, v::PERSON, i.v_muhammad, &ana).await);
        assert_eq!(hits(&search, &ana, &q("Mohammed")), every_mohammed);
        assert_eq!(facet_count(&search, &ana, &acts, "victim_sex", FEMALE), 1);
        assert_eq!(facet_count(&search, &ana, &acts, "act_type", TORTURE), 1);

        // A new internal act of torture on the event: the act's entry re-indexes its event.
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&dora).await.unwrap();
        let a_new = v::create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: i.e_fr,
                victim_id: Some(i.v_petrovic),
                act_type: TORTURE.into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let seq = *tx.commit().await.unwrap().last().unwrap();
        assert!(search.wait_for(seq, Duration::from_secs(10)).await);
        assert_eq!(
            hits(
                &search,
                &ana,
                &qf("", &[("record_type", "event"), ("act_type", TORTURE)])
            ),
            vec![k("event", i.e_fr)]
        );
        assert_eq!(
            hits(&search, &ana, &qf("Petrovic", &[("act_type", TORTURE)])),
            vec![k("act", a_new)]
        );

        // Implementation assessments re-index the recommendation they are about; only a
        // public, published one changes the status everyone may filter on.
        use dignity_store::obligations::tracking::{self, Assessment, Target};
        let assessment = |status: &str, level: &str, published: bool| Assessment {
            id: 0,
            status: status.into(),
            assessed_on: "2025-06-30".into(),
            narrative: String::new(),
            evidence: String::new(),
            confidentiality: Some(level.into()),
            published,
            by: None,
            via_cluster: false,
        };
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        tracking::assess(
            &mut tx,
            Target::Recommendation(i.rec_en),
            &assessment("implemented", "public", true),
        )
        .await
        .unwrap();
        tracking::assess(
            &mut tx,
            Target::Recommendation(i.rec_fr),
            &assessment("in_progress", "internal", false),
        )
        .await
        .unwrap();
        let seq = *tx.commit().await.unwrap().last().unwrap();
        assert!(search.wait_for(seq, Duration::from_secs(10)).await);
        let recs = qf("", &[("record_type", "recommendation")]);
        assert_eq!(
            facet_count(&search, &anon, &recs, "status", "implemented"),
            1
        );
        assert_eq!(
            facet_count(&search, &anon, &recs, "status", "in_progress"),
            0
        );
        assert_eq!(
            hits(&search, &anon, &qf("", &[("status", "implemented")])),
            vec![k("recommendation", i.rec_en)]
        );
    }
}

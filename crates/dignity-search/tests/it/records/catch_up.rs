//! Catch-up covers every record type, and the index holds no names.

use super::*;

#[tokio::test]
async fn catch_up_covers_every_record_type_and_the_index_holds_no_names() {
    for b in backends() {
        let Setup {
            s, dora, ids: i, ..
        } = setup(b).await;
        {
            let search = open(&s).await;
            assert_eq!(hits(&search, &dora, &q("Krasniqi")).len(), 2);
        }
        // Written while no index listens (the server crashed, or the CLI wrote).
        let vocab = Vocab::load(&s).await.unwrap();
        let pvocab = vocab.clone();
        let mut tx = s.begin(&dora).await.unwrap();
        let victim = v::create_person(
            &mut tx,
            &vocab,
            &person("Milica Stojanović", &["Милица Стојановић"], "internal"),
        )
        .await
        .unwrap();
        let act = v::create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: i.e_ar,
                victim_id: Some(victim),
                act_type: ARREST.into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let r = recs::create(
            &mut tx,
            rec(
                "t:3",
                "EGY",
                "Release all human rights defenders detained arbitrarily",
                "hrd",
                "16",
            ),
        )
        .await
        .unwrap();
        let d = defenders::create_defender(
            &mut tx,
            &pvocab,
            &DefenderInput {
                person: dignity_store::protection::NewPerson {
                    name: "Fatima Zahra".into(),
                    ..Default::default()
                },
                profile: dignity_store::protection::defenders::DefenderProfile {
                    areas: vec!["women_rights".into()],
                    ..Default::default()
                },
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let search = open(&s).await;
        assert_eq!(
            hits(&search, &dora, &q("Stojanovic")),
            vec![k("act", act), k("person", victim)]
        );
        assert_eq!(
            hits(&search, &dora, &q("detained")),
            vec![k("recommendation", r)]
        );
        assert_eq!(
            hits(&search, &dora, &q("Fatima")),
            sorted(vec![
                k("defender", d),
                k("person", person_of_defender(&s, d).await)
            ])
        );
        // The new act re-indexed its event: it is counted among the event's act types.
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf("", &[("record_type", "event"), ("act_type", ARREST)])
            ),
            sorted(vec![
                k("event", i.e_ar),
                k("event", i.e_fr),
                k("event", i.e_ru)
            ])
        );
        drop(search);

        // Grep every index file for the names as written, lowercased and transliterated.
        let dir = s.opts.data_dir.join("index");
        let mut bytes = Vec::new();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                bytes.extend(std::fs::read(&p).unwrap());
            }
        }
        assert!(bytes.len() > 1000, "the index has files");
        let hay = String::from_utf8_lossy(&bytes).to_lowercase();
        for name in [
            "Muhammad",
            "muhammad",
            "Hassan",
            "hasan",
            "محمد",
            "الحسن",
            "Petrović",
            "petrovic",
            "Јовановић",
            "jovanovic",
            "Krasniqi",
            "krasniqi",
            "Stojanović",
            "stojanovic",
            "Стојановић",
            "Milica",
            "Abdallah",
            "abdalah",
            "Fatima",
            "zahra",
        ] {
            assert!(
                !hay.contains(&name.to_lowercase()),
                "{b:?}: {name:?} is in the index files in clear"
            );
        }
        // What the database encrypts besides names does not reach the index either.
        for secret in ["narrative kept encrypted", "checkpoint"] {
            assert!(
                !hay.contains(secret),
                "{b:?}: {secret:?} is in the index files"
            );
        }
        let _ = (i.rec_fr, i.v_jovanovic, i.e_es, i.e_ru);
    }
}

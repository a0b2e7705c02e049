//! Every record type searchable in five languages and by name.

use super::*;

#[tokio::test]
async fn every_record_type_is_searchable_in_five_languages_and_by_name() {
    for b in backends() {
        let Setup {
            s, dora, ids: i, ..
        } = setup(b).await;
        let search = open(&s).await;
        let hrd = k("person", person_of_defender(&s, i.defender).await);
        let expect: Vec<(&str, Vec<String>)> = vec![
            // French stemming and folding: "manifestant" finds "manifestants" in the
            // event's title, and the two acts of the event that carry it.
            (
                "manifestant",
                vec![
                    k("act", i.a_petrovic),
                    k("act", i.a_torture),
                    k("event", i.e_fr),
                ],
            ),
            (
                "Nis",
                vec![
                    k("act", i.a_petrovic),
                    k("act", i.a_torture),
                    k("event", i.e_fr),
                ],
            ),
            // Russian stemming.
            (
                "задержания",
                vec![k("act", i.a_jovanovic), k("event", i.e_ru)],
            ),
            (
                "журналист",
                vec![k("act", i.a_jovanovic), k("event", i.e_ru)],
            ),
            // Arabic normalisation and stemming.
            ("المتظاهرين", vec![k("event", i.e_ar)]),
            // Spanish with and without accents.
            ("desaparicion", vec![k("event", i.e_es)]),
            ("estudiante", vec![k("event", i.e_es)]),
            // English stemming over recommendations; the torture act by its type.
            ("allegation", vec![k("recommendation", i.rec_en)]),
            (
                "tortures",
                vec![k("act", i.a_torture), k("recommendation", i.rec_en)],
            ),
            ("journalistes", vec![k("recommendation", i.rec_fr)]),
            // Arabic romanisations and scripts of one name.
            (
                "Mohammed",
                vec![
                    k("act", i.a_torture),
                    k("defender", i.defender),
                    k("person", i.v_muhammad),
                    hrd.clone(),
                ],
            ),
            (
                "Muhammad",
                vec![
                    k("act", i.a_torture),
                    k("defender", i.defender),
                    k("person", i.v_muhammad),
                    hrd.clone(),
                ],
            ),
            (
                "محمد",
                vec![
                    k("act", i.a_torture),
                    k("defender", i.defender),
                    k("person", i.v_muhammad),
                    hrd.clone(),
                ],
            ),
            (
                "Mohamed Abdallah",
                vec![k("defender", i.defender), hrd.clone()],
            ),
            (
                "Hassan",
                vec![k("act", i.a_torture), k("person", i.v_muhammad)],
            ),
            // Serbian Latin / Cyrillic.
            (
                "Petrovic",
                vec![k("act", i.a_petrovic), k("person", i.v_petrovic)],
            ),
            (
                "Петровић",
                vec![k("act", i.a_petrovic), k("person", i.v_petrovic)],
            ),
            (
                "Jovanovic",
                vec![k("act", i.a_jovanovic), k("person", i.v_jovanovic)],
            ),
            (
                "Ana Jovanovich",
                vec![k("act", i.a_jovanovic), k("person", i.v_jovanovic)],
            ),
            // Albanian / Serbian forms of one name.
            (
                "Krasniqi",
                vec![
                    k("missing", i.missing),
                    k("person", person_of_missing(&s, i.missing).await),
                ],
            ),
            (
                "Krasnići",
                vec![
                    k("missing", i.missing),
                    k("person", person_of_missing(&s, i.missing).await),
                ],
            ),
            (
                "Красничи",
                vec![
                    k("missing", i.missing),
                    k("person", person_of_missing(&s, i.missing).await),
                ],
            ),
        ];
        for (query, want) in expect {
            assert_eq!(
                hits(&search, &dora, &q(query)),
                sorted(want),
                "{b:?}: query {query:?}"
            );
        }
        // A reader who may not see names (an analyst seeing pseudonyms) searches without
        // them: a name confirms nothing, other words still match.
        let blind = |text: &str| SearchRequest {
            without_names: true,
            ..q(text)
        };
        assert!(hits(&search, &dora, &blind("Mohammed")).is_empty());
        assert!(hits(&search, &dora, &blind("Krasniqi")).is_empty());
        assert_eq!(
            hits(&search, &dora, &blind("estudiantes")),
            vec![k("event", i.e_es)]
        );
        // Facets narrow the same words.
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf(
                    "manifestant",
                    &[("record_type", "act"), ("act_type", TORTURE)]
                )
            ),
            vec![k("act", i.a_torture)]
        );
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf(
                    "",
                    &[("record_type", "recommendation"), ("theme", "torture")]
                )
            ),
            vec![k("recommendation", i.rec_en)]
        );
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf("", &[("record_type", "event"), ("lens", "torture")])
            ),
            vec![k("event", i.e_fr)]
        );
        assert_eq!(
            hits(&search, &dora, &qf("", &[("area_of_work", "women_rights")])),
            vec![k("defender", i.defender)]
        );
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf("", &[("record_type", "missing"), ("region", "Prizren")])
            ),
            vec![k("missing", i.missing)]
        );
        let y = SearchRequest {
            year_from: Some(2019),
            year_to: Some(2019),
            ..qf("", &[("record_type", "event")])
        };
        assert_eq!(hits(&search, &dora, &y), vec![k("event", i.e_ar)]);
        let _ = (i.v_jovanovic, i.e_es);
    }
}

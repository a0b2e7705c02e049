//! Cases as JSON round trips and incident lists imported through a mapping.

use super::*;

#[tokio::test]
async fn a_case_round_trips_through_json_without_loss() {
    for b in backends() {
        let (s, doc, _, adm) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "urgent_appeal".into(),
                int_date: "2024-03-12".into(),
                intervening_party_id: Some(c.source),
                events: vec![c.event],
                acts: vec![c.act1],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        set_death_penalty(&mut tx, &death_penalty(&c, "sentenced", "2024-06"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let one = case::export_case(&s, &doc, c.event).await.unwrap();
        assert_eq!(one.acts.len(), 2);
        assert_eq!(one.persons.len(), 3);
        let text = serde_json::to_string(&one).unwrap();
        let back: case::Case = serde_json::from_str(&text).unwrap();
        let (new_id, missing) = case::import_case(&s, &doc, &back).await.unwrap();
        assert!(missing.is_empty());
        let two = case::export_case(&s, &doc, new_id).await.unwrap();
        assert_eq!(
            serde_json::to_value(&one).unwrap(),
            serde_json::to_value(&two).unwrap(),
            "{b:?}"
        );
        // Someone who cannot see the victim exports a pseudonymised case.
        let third = case::export_case(&s, &adm, c.event).await.unwrap();
        assert!(third.persons.iter().any(|p| p.pseudonymised));
        assert!(!serde_json::to_string(&third.persons)
            .unwrap()
            .contains("Amaru"));
        // A broken reference is refused before anything is written.
        let mut bad = one.clone();
        bad.acts[0].victim = "p99".into();
        let events = count(&s, "vio_events").await;
        assert!(case::import_case(&s, &doc, &bad).await.is_err());
        assert_eq!(count(&s, "vio_events").await, events);
    }
}

fn rows(csv: &str) -> Vec<import::Row> {
    let mut r = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .enumerate()
        .map(|(i, rec)| {
            (
                i + 2,
                h.iter()
                    .cloned()
                    .zip(rec.unwrap().iter().map(String::from))
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn incident_lists_import_through_a_mapping_all_or_nothing() {
    for b in backends() {
        let (s, doc, _, _) = setup(b).await;
        let mapping = Mapping::parse_toml(
            "[columns]\nevent_key = \"Incident\"\nevent_title = \"Title\"\nevent_start = \"Date\"\ncountry = \"Country\"\n\
             act_type = \"Violation\"\nvictim_name = \"Victim\"\nvictim_sex = \"Sex\"\nperpetrator_name = \"Perpetrator\"\n\
             [defaults]\nconfidentiality = \"internal\"\n",
        )
        .unwrap();
        let good = "Incident,Title,Date,Country,Violation,Victim,Sex,Perpetrator\n\
                    1,Raid,2024-03-05,Peru,Arrest,Ana Mamani,Female,Police\n\
                    1,Raid,2024-03-05,PER,Torture,Ana Mamani,F,Police\n\
                    2,Shooting,2024-04,SYR,Summary execution,Omar Haddad,Male,Army\n";
        let bad = "Incident,Title,Date,Country,Violation,Victim,Sex,Perpetrator\n\
                   1,Raid,2024-03-05,PER,Arrest,Ana,Female,Police\n\
                   2,Raid,2024-13-05,PER,Arrest,Ana,Female,Police\n\
                   3,Raid,2024-03-05,PER,Flying,Ana,Female,Police\n\
                   4,Raid,2024-03-05,PER,Arrest,,Female,Police\n";
        let before = count(&s, "vio_acts").await;
        let rep = import::import_rows(&s, &doc, &mapping, || Ok(rows(bad).into_iter()), &|_| {})
            .await
            .unwrap();
        let errs: Vec<(usize, &str)> = rep
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(errs[0], (3, "start_date"), "{:?}", rep.errors);
        assert_eq!(errs[1], (4, "act_type"));
        // "F" is not a label of the sex list: only exact labels or codes are accepted.
        assert_eq!(errs[2], (5, "victim_name"));
        assert_eq!(count(&s, "vio_acts").await, before, "nothing written");
        let good = good.replace(",F,", ",Female,");
        let rep = import::import_rows(&s, &doc, &mapping, || Ok(rows(&good).into_iter()), &|_| {})
            .await
            .unwrap();
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        assert_eq!((rep.events, rep.acts), (2, 3));
        assert_eq!(
            rep.persons,
            3 + 2,
            "3 victims (one per row), 2 perpetrators"
        );
        let (n, evs) = list_events(
            &s,
            &doc,
            &EventFilter {
                country: Some("SYR".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(evs[0].acts, 1);
        // KoboToolbox JSON with a repeat group of acts.
        let kobo = serde_json::json!([{
            "_uuid": "abc", "incident/event_title": "Market attack", "incident/event_start": "2024-05-01", "incident/country": "SDN",
            "acts": [
                {"acts/act_type": "Summary execution", "acts/victim_name": "Victim One"},
                {"acts/act_type": "Arrest", "acts/victim_name": "Victim Two"}
            ]
        }]);
        let krows = import::kobo_json_rows(&kobo, Some("acts")).unwrap();
        let rep = import::import_rows(
            &s,
            &doc,
            &Mapping::kobo_default(),
            || Ok(krows.clone().into_iter()),
            &|_| {},
        )
        .await
        .unwrap();
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        assert_eq!((rep.events, rep.acts), (1, 2));
    }
}

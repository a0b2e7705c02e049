//! The real UPR Info files: imported completely and idempotently; a file with bad rows writes
//! nothing.

use super::*;

/// `records` imported as the system with no rejected rows (nothing written on a dry run).
async fn import(s: &TestStore, records: Vec<RecInput>, dry_run: bool) -> recs::ImportSummary {
    recs::import(s, &Actor::system(), records, vec![], dry_run, &|_| {})
        .await
        .unwrap()
}

#[tokio::test]
async fn the_upr_info_files_import_completely_and_idempotently() {
    for b in backends() {
        let s = fresh(b).await;
        let (records, errs) = parse_upr(&s).await;
        assert!(errs.is_empty(), "{:?}", &errs[..errs.len().min(5)]);
        assert_eq!(records.len(), 41_066);
        let sum = import(&s, records.clone(), true).await;
        assert_eq!((sum.created, sum.updated, sum.unchanged), (41_066, 0, 0));
        let n = common::count(&s, "recommendations").await;
        assert_eq!(n, 0, "a dry run writes nothing");
        let sum = import(&s, records.clone(), false).await;
        assert_eq!(sum.created, 41_066);
        assert!(sum.rejected.is_empty());

        // The first row of sessions 1-5, field by field.
        let filter = RecFilter {
            country: Some("AFG".into()),
            q: Some("forced marriages honour killings".into()),
            ..Default::default()
        };
        let p = recs::search(&s, &Actor::anonymous(), &filter, false)
            .await
            .unwrap();
        assert_eq!(p.total, 1);
        let r = &p.items[0];
        assert_eq!(r.body, "UPR");
        assert_eq!(r.mechanism, "upr");
        assert_eq!(r.recommending_iso3.as_deref(), Some("AUT"));
        assert_eq!(r.position, "supported");
        assert_eq!(r.upr_action, Some(5));
        assert_eq!(r.session, "5");
        assert_eq!(r.upr_cycle, Some(1));
        assert_eq!(r.themes, ["Rights of the Child", "Women's rights"]);
        assert!(r.text.starts_with(
            "Enact legislation and take effective measures to protect and promote women's rights"
        ));

        // Totals and facets agree with the files.
        let all = recs::search(&s, &Actor::anonymous(), &RecFilter::default(), true)
            .await
            .unwrap();
        assert_eq!(all.total, 41_066);
        let f = all.facets.unwrap();
        let get =
            |v: &[recs::FacetValue], k: &str| v.iter().find(|x| x.value == k).map(|x| x.count);
        assert_eq!(get(&f.position, "supported"), Some(30_472));
        assert_eq!(get(&f.position, "noted"), Some(10_594));
        assert_eq!(get(&f.country, "CUB"), Some(534));
        assert_eq!(get(&f.theme, "Women's rights"), Some(7_492));
        let filter = RecFilter {
            country: Some("cub".into()),
            position: Some("noted".into()),
            ..Default::default()
        };
        let cuba_noted = recs::search(&s, &Actor::anonymous(), &filter, false)
            .await
            .unwrap();
        assert!(cuba_noted.total > 0 && cuba_noted.total < 534);

        // Importing again changes nothing; a changed row is an update.
        let sum = import(&s, records.clone(), false).await;
        assert_eq!((sum.created, sum.updated, sum.unchanged), (0, 0, 41_066));
        let mut changed = records.clone();
        changed[0].position = Some(rules::Position::Noted);
        let sum = import(&s, changed, false).await;
        assert_eq!((sum.created, sum.updated, sum.unchanged), (0, 1, 41_065));
        let n = common::count(&s, "recommendations").await;
        assert_eq!(n, 41_066);
    }
}

#[tokio::test]
async fn a_file_with_bad_rows_writes_nothing_and_names_them() {
    for b in backends() {
        let s = fresh(b).await;
        let resolver = ob::country_resolver(&s).await.unwrap();
        // Latin-1 with CR line ends, as UPR Info used to publish.
        let bytes =
            b"To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\
Cote d'Ivoire,Africa,,Garantir l'acc\xe8s \xe0 la justice,France,WEOG,EU,Accepted,4,Justice,4\r\
Narnia,Africa,,Text,France,WEOG,EU,Accepted,4,Justice,4\r";
        let (text, enc) = rules::decode_text(bytes);
        assert_eq!(enc, rules::TextEncoding::Latin1);
        let t = Table::from_csv(&text).unwrap();
        let p = rules::parse_upr_info(&t, &resolver);
        assert_eq!(p.records[0].text, "Garantir l'accès à la justice");
        assert_eq!(p.records[0].iso3, "CIV");
        let sum = recs::import(&s, &Actor::system(), p.records, p.rejected, false, &|_| {})
            .await
            .unwrap();
        assert_eq!(sum.rejected.len(), 1);
        assert_eq!(
            sum.rejected[0].to_string(),
            "row 3, field To: unknown country \"Narnia\""
        );
        let n = common::count(&s, "recommendations").await;
        assert_eq!(n, 0);
    }
}

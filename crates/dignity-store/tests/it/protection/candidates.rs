//! Candidates on a person's page, from keyed blocking keys.

use super::*;

/// The candidates (score 0.7 or more, 20 at most) that `who` sees for the case.
async fn candidates(st: &TestStore, who: &Actor, case: i64) -> Vec<s::Candidate> {
    s::candidates_for_case(st, who, case, 0.7, 20)
        .await
        .unwrap()
}

/// The record linked to the case, conflicts accepted.
async fn link(st: &TestStore, who: &Actor, rid: i64, case: i64) {
    st.write(who, async |tx| {
        s::link(tx, rid, case, true).await?;
        Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn person_page_candidates_come_from_keyed_blocking_keys() {
    for b in backends() {
        let (st, doc, ana, coo, cora) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let (case, _, _) = case_with_family(&st, &doc, &vocab, Consent::default(), cora).await;
        let (icrc, comm) = common::icrc_and_commission(&st, &coo).await;
        let mapping = s::guess_mapping(&[
            "external_id".into(),
            "name".into(),
            "birth_date".into(),
            "place".into(),
        ]);
        // Cyrillic script, words in another order, and a first name spelt otherwise (its
        // Soundex differs: found through the surname and the year of birth).
        s::import_list(&st, &coo, icrc, "icrc.csv", &table("external_id,name,birth_date,place\nI-1,Агрон Красничи,1971,Ђаковица\nI-2,Dragana Jovanović,1980,Prizren\nI-3,Krasniqi Agron,1971-05-04,Gjakova\n"), &mapping, &s::ImportOptions::default())
            .await
            .unwrap();
        s::import_list(&st, &coo, comm, "comm.csv", &table("external_id,name,birth_date,place\nC-1,Egron Krasniqi,1971-05-04,Gjakova\nC-2,Petar Nikolić,1965,Peć\n"), &mapping, &s::ImportOptions::default())
            .await
            .unwrap();
        let ext = |c: &[s::Candidate]| -> Vec<String> {
            let mut v: Vec<String> = c.iter().map(|x| x.record_name.clone()).collect();
            v.sort();
            v
        };
        let found = candidates(&st, &coo, case).await;
        assert_eq!(
            ext(&found),
            vec!["Egron Krasniqi", "Krasniqi Agron", "Агрон Красничи"],
            "{found:?}"
        );
        assert!(found
            .iter()
            .all(|c| c.other_kind == "case" && c.other_id == case));
        // The same candidates as the whole-list matching offers for this case.
        let mut all: Vec<String> = s::candidates(&st, &coo, None, 0.7, 5000)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.other_kind == "case" && c.other_id == case)
            .map(|c| c.record_name)
            .collect();
        all.sort();
        assert_eq!(all, ext(&found));
        // The sources page goes window by window (here one record per window): together the
        // windows offer what the whole list offers, and each says where the next begins.
        let whole = s::candidates(&st, &coo, None, 0.7, 5000).await.unwrap();
        let mut paged = vec![];
        let mut after = 0;
        let mut windows = 0;
        loop {
            let page = s::candidates_page(&st, &coo, None, after, 1, 0.7)
                .await
                .unwrap();
            assert!(page.records_checked <= 1);
            windows += 1;
            paged.extend(page.items);
            match page.next_after {
                Some(n) => {
                    assert!(n > after);
                    after = n;
                }
                None => break,
            }
        }
        let unlinked: i64 = sqlx::query(
            "SELECT COUNT(*) FROM pro_source_records WHERE current = 1 AND missing_id IS NULL",
        )
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0);
        assert_eq!(windows, unlinked);
        let key = |c: &s::Candidate| {
            let (a, b) = if c.other_kind == "case" {
                (c.record_id, -c.other_id)
            } else {
                (c.record_id.min(c.other_id), c.record_id.max(c.other_id))
            };
            (a, b)
        };
        let mut w: Vec<(i64, i64)> = whole.iter().map(key).collect();
        let mut p: Vec<(i64, i64)> = paged.iter().map(key).collect();
        w.sort();
        p.sort();
        p.dedup();
        assert_eq!(w, p);
        assert!(!w.is_empty());
        // Someone who may not see the case gets nothing.
        assert!(s::candidates_for_case(&st, &ana, case, 0.7, 20)
            .await
            .unwrap()
            .is_empty());

        // The keys are keyed hashes: no name, token or Soundex code in clear.
        let keys = common::texts(&st, "SELECT key FROM pro_match_keys").await;
        assert!(keys.len() >= 5);
        for k in &keys {
            assert!(
                k.len() == 32 && k.bytes().all(|c| c.is_ascii_hexdigit()),
                "{k}"
            );
        }

        // Linking one: it leaves the candidates, and its name now finds others too.
        let rid = record_id(&st, "I-1").await;
        link(&st, &coo, rid, case).await;
        let found = candidates(&st, &coo, case).await;
        assert_eq!(ext(&found), vec!["Egron Krasniqi", "Krasniqi Agron"]);

        // The page's candidates are kept between requests, but never past a change: a
        // new list, a link and an unlink each show at once.
        let third = st
            .write(&coo, async |tx| {
                s::create_source(tx, "Families", "family_association").await
            })
            .await
            .unwrap();
        s::import_list(
            &st,
            &coo,
            third,
            "fam.csv",
            &table(
                "external_id,name,birth_date,place
F-1,Agron Krasniqi,1971-05-04,Gjakova
",
            ),
            &mapping,
            &s::ImportOptions::default(),
        )
        .await
        .unwrap();
        let found = candidates(&st, &coo, case).await;
        assert_eq!(
            ext(&found),
            vec!["Agron Krasniqi", "Egron Krasniqi", "Krasniqi Agron"]
        );
        assert!(found
            .iter()
            .any(|c| c.record_name == "Agron Krasniqi" && c.record_source == "Families"));
        let rid = record_id(&st, "F-1").await;
        link(&st, &coo, rid, case).await;
        assert_eq!(
            ext(&candidates(&st, &coo, case).await),
            vec!["Egron Krasniqi", "Krasniqi Agron"]
        );
        let rids = [record_id(&st, "F-1").await, record_id(&st, "I-1").await];
        st.write(&coo, async |tx| {
            for rid in rids {
                s::unlink(tx, rid).await?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let found = candidates(&st, &coo, case).await;
        assert_eq!(
            ext(&found),
            vec![
                "Agron Krasniqi",
                "Egron Krasniqi",
                "Krasniqi Agron",
                "Агрон Красничи"
            ]
        );
        // Records imported before the keys existed are keyed once, at start-up (`dignity
        // serve` calls `ensure_match_keys`), audited.
        sqlx::query("DELETE FROM pro_match_keys")
            .execute(st.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE pro_source_records SET keyed = 0")
            .execute(st.pool())
            .await
            .unwrap();
        let current: i64 = sqlx::query("SELECT COUNT(*) FROM pro_source_records")
            .fetch_one(st.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(s::ensure_match_keys(&st).await.unwrap() as i64, current);
        let found2 = candidates(&st, &coo, case).await;
        assert_eq!(ext(&found2), ext(&found));
        let left: i64 = sqlx::query("SELECT COUNT(*) FROM pro_source_records WHERE keyed = 0")
            .fetch_one(st.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 0);
        assert_eq!(s::ensure_match_keys(&st).await.unwrap(), 0);
        let n: i64 =
            sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'source_record.keys'")
                .fetch_one(st.pool())
                .await
                .unwrap()
                .get(0);
        assert_eq!(n, 1);
    }
}

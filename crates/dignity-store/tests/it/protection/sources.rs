//! Source lists: import, malformed lists, re-imports, matching across scripts and linking; money
//! and dates.

use super::*;

#[tokio::test]
async fn source_lists_import_match_and_link() {
    for b in backends() {
        let (st, doc, _ana, coo, cora) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let (case, _, _) = case_with_family(&st, &doc, &vocab, Consent::default(), cora).await;
        let (icrc, comm) = common::icrc_and_commission(&st, &coo).await;
        let mapping: Mapping = [
            ("external_id", "ID"),
            ("name", "Full name"),
            ("birth_date", "DOB"),
            ("place", "Place"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();

        // Malformed lists: every problem named by line and field; nothing written.
        let before = audit_count(&st).await;
        let bad = table("ID,Full name,DOB,Place\nK-1,Agron Krasniqi,1971-05-04,Gjakova\nK-1,Someone,1970,Peja\nK-3,,1970-13-01,Peja\n");
        let errs = s::import_list(
            &st,
            &coo,
            icrc,
            "icrc.csv",
            &bad,
            &mapping,
            &s::ImportOptions::default(),
        )
        .await
        .unwrap_err();
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            vec![(3, "external_id"), (4, "name"), (4, "birth_date")]
        );
        let mut wrong = mapping.clone();
        wrong.insert("name".into(), "Name".into());
        let errs = s::import_list(
            &st,
            &coo,
            icrc,
            "icrc.csv",
            &table("ID,Full name\nK-1,A\n"),
            &wrong,
            &s::ImportOptions::default(),
        )
        .await
        .unwrap_err();
        assert!(errs
            .iter()
            .any(|e| e.field == "name" && e.message.contains("no column")));
        assert!(s::read_csv(b"ID,Full name\nK-1,A,extra\n").is_err());
        assert!(s::read_csv(&[0xff, 0xfe, 0x00]).is_err());
        assert_eq!(audit_count(&st).await, before);
        assert_eq!(s::records(&st, None, false, 100, 0).await.unwrap().0, 0);

        // Two lists: the ICRC writes the name in Latin, the commission in Serbian Cyrillic.
        let rep = s::import_list(&st, &coo, icrc, "icrc.csv", &table("ID,Full name,DOB,Place\nK-1,Agron Krasniqi,1971-05-04,Gjakova\nK-2,Dragana Jovanović,1980,Prizren\n"), &mapping, &s::ImportOptions::default())
            .await
            .unwrap();
        assert_eq!((rep.new, rep.changed, rep.unchanged), (2, 0, 0));
        let rep = s::import_list(&st, &coo, comm, "comm.csv", &table("ID;Full name;DOB;Place\nC-77;Агрон Краснићи;1971-05-04;Ђаковица\nC-78;Драгана Јовановић;1980-02-02;Призрен\n"), &mapping, &s::ImportOptions::default())
            .await
            .unwrap();
        assert_eq!(rep.new, 2);
        let cands = s::candidates(&st, &coo, None, 0.75, 50).await.unwrap();
        // Agron (ICRC) and Агрон (commission) both match the case; Dragana matches across lists.
        let icrc_agron = s::records(&st, Some(icrc), false, 10, 0)
            .await
            .unwrap()
            .1
            .into_iter()
            .find(|r| r.external_id == "K-1")
            .unwrap();
        let comm_agron = s::records(&st, Some(comm), false, 10, 0)
            .await
            .unwrap()
            .1
            .into_iter()
            .find(|r| r.external_id == "C-77")
            .unwrap();
        assert!(
            cands.iter().any(|c| c.record_id == icrc_agron.id
                && c.other_kind == "case"
                && c.other_id == case),
            "{cands:#?}"
        );
        assert!(
            cands.iter().any(|c| c.record_id == comm_agron.id
                && c.other_kind == "case"
                && c.other_id == case),
            "{cands:#?}"
        );
        assert!(
            cands.iter().any(|c| c.other_kind == "record"
                && c.record_source != c.other_source
                && c.record_name.contains("Dragana")
                || c.other_name.contains("Dragana")),
            "{cands:#?}"
        );
        assert_eq!(
            comm_agron.raw,
            r#"{"DOB":"1971-05-04","Full name":"Агрон Краснићи","ID":"C-77","Place":"Ђаковица"}"#,
            "kept as received"
        );

        // Link both; linking again or elsewhere is refused; the case lists its sources.
        st.write(&coo, async |tx| {
            s::link(tx, icrc_agron.id, case, false).await
        })
        .await
        .unwrap();
        st.write(&coo, async |tx| {
            s::link(tx, comm_agron.id, case, false).await
        })
        .await
        .unwrap();
        let e = st
            .write(&coo, async |tx| {
                s::link(tx, icrc_agron.id, case, false).await
            })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "record_id");
        let srcs = s::records_of_case(&st, case).await.unwrap();
        assert_eq!(
            srcs.iter()
                .map(|(r, _)| r.source.as_str())
                .collect::<Vec<_>>(),
            ["Commission", "ICRC"]
        );
        assert!(srcs.iter().all(|(_, c)| c.is_empty()));

        // A conflicting record (another date of birth) needs confirmation; then the conflict shows.
        let ngo = st
            .write(&coo, async |tx| {
                s::create_source(tx, "Mothers' association", "family_association").await
            })
            .await
            .unwrap();
        s::import_list(
            &st,
            &coo,
            ngo,
            "ngo.csv",
            &table("ID,Full name,DOB,Place\nN-5,Agron Krasniqi,1973,Gjakova\n"),
            &mapping,
            &s::ImportOptions::default(),
        )
        .await
        .unwrap();
        let n5 = s::records(&st, Some(ngo), false, 10, 0).await.unwrap().1[0].id;
        let e = st
            .write(&coo, async |tx| s::link(tx, n5, case, false).await)
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "conflict");
        let c = st
            .write(&coo, async |tx| s::link(tx, n5, case, true).await)
            .await
            .unwrap();
        assert_eq!(c.len(), 1);
        let srcs = s::records_of_case(&st, case).await.unwrap();
        assert!(srcs
            .iter()
            .any(|(r, c)| r.id == n5 && c.iter().any(|x| x.contains("1973"))));

        // Re-import: unchanged rows stay, a changed row is kept beside the old one and its link carries over.
        let rep = s::import_list(&st, &coo, icrc, "icrc2.csv", &table("ID,Full name,DOB,Place\nK-1,Agron Krasniqi,1971-05-04,Gjakovë\nK-2,Dragana Jovanović,1980,Prizren\n"), &mapping, &s::ImportOptions::default())
            .await
            .unwrap();
        assert_eq!((rep.new, rep.changed, rep.unchanged), (0, 1, 1));
        let all: i64 = sqlx::query("SELECT COUNT(*) FROM pro_source_records WHERE source_id = $1")
            .bind(icrc)
            .fetch_one(st.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(all, 3, "the old version is kept");
        let k1 = s::records(&st, Some(icrc), false, 10, 0)
            .await
            .unwrap()
            .1
            .into_iter()
            .find(|r| r.external_id == "K-1")
            .unwrap();
        assert_eq!(k1.missing_id, Some(case));
        assert_eq!(k1.place, "Gjakovë");

        // A case from a record; unlink.
        let d2 = s::records(&st, Some(comm), true, 10, 0).await.unwrap().1[0].id;
        let new_case = st
            .write(&coo, async |tx| {
                s::case_from_record(tx, &vocab, d2, "").await
            })
            .await
            .unwrap();
        assert_eq!(
            s::get_record(&st, d2).await.unwrap().unwrap().missing_id,
            Some(new_case)
        );
        st.write(&coo, async |tx| s::unlink(tx, d2).await)
            .await
            .unwrap();
        assert_eq!(
            s::get_record(&st, d2).await.unwrap().unwrap().missing_id,
            None
        );

        if b == Backend::Sqlite {
            st.pool().close().await;
            let raw = String::from_utf8_lossy(&std::fs::read(st.opts.sqlite_path()).unwrap())
                .to_string()
                + &String::from_utf8_lossy(
                    &std::fs::read(st.opts.sqlite_path().with_extension("db-wal"))
                        .unwrap_or_default(),
                );
            for secret in ["Краснићи", "Dragana", "Prizren"] {
                assert!(!raw.contains(secret), "{secret} in the database file");
            }
        }
    }
}

#[test]
fn matching_across_scripts_without_a_database() {
    let c = s::match_plain(
        &[
            (1, 1, "Jovanović Dragan", "1965-01-02", "Peć"),
            (2, 2, "Драган Јовановић", "1965-01-02", "Пећ"),
            (3, 2, "Milica Petrović", "1990", "Niš"),
            (4, 3, "Hashim Berisha", "1970", "Peja"),
            (5, 1, "Hashim Berisa", "1970-07-07", "Pejë"),
        ],
        0.75,
        10,
    );
    let pairs: Vec<(i64, i64)> = c
        .iter()
        .map(|c| (c.record_id.min(c.other_id), c.record_id.max(c.other_id)))
        .collect();
    assert!(pairs.contains(&(1, 2)), "{c:#?}");
    assert!(pairs.contains(&(4, 5)), "{c:#?}");
    assert!(!pairs.iter().any(|p| p.0 == 3 || p.1 == 3));
}

#[test]
fn money_and_dates() {
    use dignity_store::protection::{cents, currency, day, money};
    assert_eq!(cents("a", "1 500,5").unwrap(), Some(150050));
    assert_eq!(cents("a", "").unwrap(), None);
    assert!(cents("a", "12.345").is_err());
    assert!(cents("a", "-5").is_err());
    assert_eq!(money(Some(150050)), "1500.50");
    assert_eq!(currency("c", "eur").unwrap(), "EUR");
    assert!(currency("c", "euro").is_err());
    assert!(day("d", "2024-02-30").is_err());
    assert_eq!(m::next_statuses("closed"), ["missing"]);
    let _ = d::MIN_SOURCES;
}

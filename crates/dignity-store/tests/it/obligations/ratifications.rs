//! Shipped ratifications (loaded once, user edits kept) and impossible ratifications refused with
//! the field.

use super::*;

#[tokio::test]
async fn shipped_ratifications_load_once_and_keep_user_edits() {
    for b in backends() {
        let s = fresh(b).await;
        let rats = ob::ratifications(&s, "JAM").await.unwrap();
        let op1 = rats.iter().find(|r| r.instrument == "ICCPR-OP1").unwrap();
        assert_eq!(op1.status, "denounced");
        assert_eq!(op1.consent, "1975");
        let fra = ob::ratifications(&s, "FRA").await.unwrap();
        let cat = fra.iter().find(|r| r.instrument == "CAT").unwrap();
        assert_eq!(
            (cat.status.as_str(), cat.consent.as_str()),
            ("party", "1986")
        );
        // A Council of Europe instrument that no shipped fact covers for the State reads
        // "no information", not "not a party" (the CoE facts: `obligations/coe.rs`).
        assert_eq!(
            fra.iter()
                .find(|r| r.instrument == "ECHR-P16")
                .unwrap()
                .status,
            "unknown"
        );
        let m = ob::matrix(&s, "en", &Default::default()).await.unwrap();
        assert_eq!(m.rows.len(), 193);
        assert_eq!(m.instruments.len(), 18);
        let crc = m.instruments.iter().find(|i| i.code == "CRC").unwrap();
        assert_eq!(crc.parties, 192, "every UN member but the United States");
        let afr = ob::MatrixFilter {
            group: Some("AFRICAN".into()),
            ..Default::default()
        };
        let afr = ob::matrix(&s, "en", &afr).await.unwrap();
        assert_eq!(afr.rows.len(), 54);
        let eu = ob::MatrixFilter {
            region: Some("Europe".into()),
            ..Default::default()
        };
        let eu = ob::matrix(&s, "en", &eu).await.unwrap();
        assert!(
            eu.rows.iter().any(|r| r.iso3 == "FRA") && !eu.rows.iter().any(|r| r.iso3 == "KEN")
        );

        // A user sets the exact date and the art. 22 declaration; it is audited.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let input = RatificationInput {
            status: "party".into(),
            signature: "1985-02-04".into(),
            consent: "1986-02-18".into(),
            consent_kind: "ratification".into(),
            complaints_declaration: Some(true),
            ..Default::default()
        };
        ob::set_ratification(&mut tx, "FRA", "CAT", &input, "user")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let p = ob::procedures(&ob::ratifications(&s, "FRA").await.unwrap());
        let cat22 = p.iter().find(|p| p.label == "CAT art. 22").unwrap();
        assert_eq!(cat22.acceptance, "accepted");
        let audit = dignity_store::audit::list(
            &s,
            &dignity_store::audit::AuditFilter {
                action: Some("ratification.update".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].record_id, "FRA/CAT");
        assert!(audit[0].before_hash.is_some() && audit[0].after_hash.is_some());

        // Reloading the shipped data (a newer version) keeps the user's row.
        sqlx::query("UPDATE refdata_versions SET version = '0' WHERE name = 'treaty_status'")
            .execute(s.pool())
            .await
            .unwrap();
        dignity_store::refdata::load_shipped(&s).await.unwrap();
        let cat = ob::ratification(&s, "FRA", "CAT").await.unwrap().unwrap();
        assert_eq!(cat.consent, "1986-02-18");
        assert_eq!(cat.source, "user");
    }
}

#[tokio::test]
async fn impossible_ratifications_are_refused_with_the_field() {
    for b in backends() {
        let s = fresh(b).await;
        // The input with `status`, `signature` and `consent` (empty: not given).
        let given = |status: &str, signature: &str, consent: &str| RatificationInput {
            status: status.into(),
            signature: signature.into(),
            consent: consent.into(),
            ..Default::default()
        };
        let cases: Vec<(&str, &str, RatificationInput, &str)> = vec![
            ("FRA", "CAT", given("party", "", "1980"), "consent"),
            ("FRA", "CAT", given("party", "", "1990-02-30"), "consent"),
            ("FRA", "CAT", given("party", "", ""), "consent"),
            ("FRA", "CAT", given("maybe", "", ""), "status"),
            ("FRA", "CAT", given("party", "1990", "1986"), "consent"),
            ("XXX", "CAT", given("none", "", ""), "iso3"),
            ("FRA", "NOPE", given("none", "", ""), "instrument"),
        ];
        for (iso3, inst, input, field) in cases {
            let mut tx = s.begin(&Actor::system()).await.unwrap();
            match ob::set_ratification(&mut tx, iso3, inst, &input, "user").await {
                Err(StoreError::Rejected(e)) => assert_eq!(e.field, field, "{e}"),
                other => panic!("{iso3} {inst} {input:?}: {other:?}"),
            }
            tx.rollback().await.unwrap();
        }
        // Aliases work: CRC-OP-AC = OP-CRC-AC.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let r = ob::set_ratification(
            &mut tx,
            "FRA",
            "CRC-OP-AC",
            &RatificationInput {
                status: "party".into(),
                consent: "2003-02-05".into(),
                ..Default::default()
            },
            "user",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(r.instrument, "OP-CRC-AC");
    }
}

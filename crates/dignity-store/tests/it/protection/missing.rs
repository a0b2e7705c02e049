//! Missing persons: status history with evidence and order, families and consent in every channel.

use super::*;

/// The commission that a family may consent to share with.
const COMMISSION: &str = "Government Commission on Missing Persons";

#[tokio::test]
async fn missing_persons_status_history_and_consent() {
    for b in backends() {
        let (st, doc, ana, coo, cora) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let (id, _rel, rep) = case_with_family(
            &st,
            &doc,
            &vocab,
            Consent {
                commission: true,
                organisations: false,
            },
            cora,
        )
        .await;
        let c = case_for(&st, &doc, id).await.unwrap().unwrap();
        assert_eq!(
            (c.status.as_str(), c.status_on.as_str()),
            ("missing", "2001-03-01")
        );
        assert!(
            case_for(&st, &ana, id).await.unwrap().is_none(),
            "confidential by default"
        );

        // Status changes: without evidence, out of order, not allowed — refused, nothing written.
        let before = audit_count(&st).await;
        for (chg, field) in [
            (
                StatusChange {
                    status: "deceased_identified".into(),
                    changed_on: "2003-06-01".into(),
                    ..Default::default()
                },
                "evidence",
            ),
            (
                StatusChange {
                    status: "deceased_identified".into(),
                    changed_on: "2000-06-01".into(),
                    reference: "ICMP DNA report 12345".into(),
                    ..Default::default()
                },
                "changed_on",
            ),
            (
                StatusChange {
                    status: "missing".into(),
                    changed_on: "2003-06-01".into(),
                    reference: "x".into(),
                    ..Default::default()
                },
                "status",
            ),
            (
                StatusChange {
                    status: "deceased_identified".into(),
                    changed_on: "2003-06-01".into(),
                    evidence_id: Some(999),
                    ..Default::default()
                },
                "evidence",
            ),
            (
                StatusChange {
                    status: "buried".into(),
                    changed_on: "2003-06-01".into(),
                    reference: "x".into(),
                    ..Default::default()
                },
                "status",
            ),
        ] {
            let e = st
                .write(&doc, async |tx| change_status(tx, id, &chg).await)
                .await
                .unwrap_err();
            assert_eq!(invalid_field(e), field);
        }
        assert_eq!(
            audit_count(&st).await,
            before,
            "refused changes leave no trace but the refusal"
        );
        assert_eq!(history(&st, id).await.unwrap().len(), 1);
        // Remains recovered, then identified, then closed: each dated, attributed, referenced.
        st.write(&doc, async |tx| {
            change_status(
                tx,
                id,
                &StatusChange {
                    status: "remains_unidentified".into(),
                    changed_on: "2002-09-10".into(),
                    reference: "Exhumation Rahovec site 4".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
        let e = st
            .write(&doc, async |tx| {
                change_status(
                    tx,
                    id,
                    &StatusChange {
                        status: "located_alive".into(),
                        changed_on: "2003-01-01".into(),
                        reference: "x".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        match e {
            StoreError::Rejected(e) => assert!(
                e.message()
                    .contains("remains_unidentified cannot become located_alive"),
                "{e}"
            ),
            e => panic!("{e}"),
        }
        st.write(&coo, async |tx| {
            change_status(
                tx,
                id,
                &StatusChange {
                    status: "deceased_identified".into(),
                    changed_on: "2003-06-01".into(),
                    reference: "ICMP DNA report 12345".into(),
                    note: "Family informed".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await
        .unwrap();
        let h = history(&st, id).await.unwrap();
        assert_eq!(
            h.iter().map(|e| e.to_status.as_str()).collect::<Vec<_>>(),
            ["missing", "remains_unidentified", "deceased_identified"]
        );
        assert_eq!(h[2].by, "cora");
        assert_eq!(h[2].reference, "ICMP DNA report 12345");
        assert_eq!(h[2].note, "Family informed");
        assert!(
            v::get_person(&st, c.person_id)
                .await
                .unwrap()
                .unwrap()
                .deceased
        );

        // Consent: the commission may receive it, other organisations may not.
        assert_eq!(
            case_consent(&st, id).await.unwrap(),
            Consent {
                commission: true,
                organisations: false
            }
        );
        let e = st
            .write(&coo, async |tx| {
                share(tx, id, "organisations", "ICRC Pristina", "share").await
            })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "consent");
        st.write(&coo, async |tx| {
            share(tx, id, "commission", COMMISSION, "share").await
        })
        .await
        .unwrap();
        // Export to organisations withholds it; to the commission includes it and logs it.
        let ex = export_for(
            &st,
            &coo,
            "organisations",
            "ICRC",
            "export",
            &MissingFilter::default(),
        )
        .await
        .unwrap();
        assert!(ex.cases.is_empty());
        assert_eq!(ex.withheld, 1);
        let ex = export_for(
            &st,
            &coo,
            "commission",
            "Government Commission on Missing Persons",
            "export",
            &MissingFilter::default(),
        )
        .await
        .unwrap();
        assert_eq!(ex.cases.len(), 1);
        assert!(m::export_csv(&ex).contains("Agron Krasniqi"));
        assert_eq!(shares(&st, id).await.unwrap().len(), 2);
        // Withdrawn after sharing: logged as such, what was shared is listed, no further sharing.
        let ch = st
            .write(&coo, async |tx| {
                set_consent(tx, rep, Consent::default()).await
            })
            .await
            .unwrap();
        assert!(ch.withdrawn_after_sharing);
        assert_eq!(ch.already_shared.len(), 2);
        assert_eq!(
            ch.already_shared[0].recipient,
            "Government Commission on Missing Persons"
        );
        let e = st
            .write(&coo, async |tx| {
                share(tx, id, "commission", COMMISSION, "share").await
            })
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e), "consent");
        assert!(export_for(
            &st,
            &coo,
            "commission",
            "GCMP",
            "api",
            &MissingFilter::default()
        )
        .await
        .unwrap()
        .cases
        .is_empty());
        let logged: i64 =
            sqlx::query("SELECT COUNT(*) FROM pro_consent_log WHERE withdrawn_after_sharing = 1")
                .fetch_one(st.pool())
                .await
                .unwrap()
                .get(0);
        assert_eq!(logged, 1);
        let audited: i64 = sqlx::query(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'consent.withdrawn_after_sharing'",
        )
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0);
        assert_eq!(audited, 1);

        // Family link: shows this case's status and history, nothing else; revocable.
        let (other, _, _) = case_with_family(&st, &doc, &vocab, Consent::default(), cora).await;
        let token = st
            .write(&coo, async |tx| create_family_link(tx, id, None, 30).await)
            .await
            .unwrap();
        let view = family_case(&st, &token).await.unwrap().unwrap();
        assert_eq!(view.status, "deceased_identified");
        assert_eq!(view.history.len(), 3);
        let json = serde_json::to_string(&view).unwrap();
        for hidden in [
            "ICMP",
            "Family informed",
            "cora",
            "Shpresa",
            "convoy",
            &other.to_string(),
        ] {
            assert!(
                !json.contains(hidden)
                    || hidden.chars().all(|c| c.is_ascii_digit())
                        && !json.contains(&format!("\"{hidden}\"")),
                "{hidden} leaked"
            );
        }
        assert!(family_case(&st, "not-a-real-token-at-all-xxxxxxxx")
            .await
            .unwrap()
            .is_none());
        let link = family_links(&st, id).await.unwrap()[0].id;
        st.write(&coo, async |tx| revoke_family_link(tx, link).await)
            .await
            .unwrap();
        assert!(family_case(&st, &token).await.unwrap().is_none());

        // Counts by region, filtered by what the reader may see.
        let counts = reports::missing_counts(&st, &coo, "region").await.unwrap();
        assert_eq!(
            counts,
            vec![reports::CountRow {
                group: "Gjakova".into(),
                open: 1,
                located: 1,
                closed: 0
            }]
        );
        assert!(reports::missing_counts(&st, &ana, "region")
            .await
            .unwrap()
            .is_empty());
        let svg = reports::counts_svg(&counts, ["Cases", "open", "located", "closed", "unknown"]);
        assert!(svg.starts_with("<svg") && svg.contains("Gjakova"));

        if b == Backend::Sqlite {
            st.pool().close().await;
            let raw = common::sqlite_file_text(&st);
            for secret in [
                "Shpresa",
                "+383 44",
                "convoy",
                "scar on the left",
                "Agron",
                "Family informed",
            ] {
                assert!(!raw.contains(secret), "{secret} in the database file");
            }
        }
    }
}

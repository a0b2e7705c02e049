//! Special procedures (issue 17 item 7): the shipped mandates loaded with their sources, an
//! office's own mandate kept, communications typed (UA/AL/OL), joint, with their reply
//! status and the 60-day deadline the communications state.

use super::*;

async fn rows(s: &dignity_store::Store, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(s.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_shipped_mandates_load_once_with_their_resolution_and_source() {
    for b in backends() {
        let s = fresh(b).await;
        let all = reports::mandates(&s).await.unwrap();
        let get = |code: &str| all.iter().find(|m| m.code == code).unwrap();
        // Facts read by hand (the source of each is the row's source_url):
        // https://www.ohchr.org/en/special-procedures/sr-executions/about-mandate
        let m = get("WG-DISAPPEARANCES");
        assert_eq!(
            (m.resolution.as_str(), m.established.as_str()),
            ("CHR res. 20 (XXXVI)", "1980")
        );
        let m = get("SR-EXECUTIONS");
        assert_eq!(
            (m.resolution.as_str(), m.established.as_str()),
            ("ECOSOC res. 1982/35", "1982")
        );
        assert_eq!(
            m.source_url,
            "https://www.ohchr.org/en/special-procedures/sr-executions/about-mandate"
        );
        // https://previous.ohchr.org/FR/Issues/Torture/SRTorture/Pages/SRTortureIndex.aspx
        assert_eq!(get("SR-TORTURE-CIDT").resolution, "CHR res. 1985/33");
        // https://www.ohchr.org/en/special-procedures/sr-human-rights-defenders/mandate
        assert_eq!(get("SR-HR-DEFENDERS").resolution, "CHR res. 2000/61");
        // https://docslib.org/doc/3766769/general-assembly-distr-general-5-september-2008
        let m = get("SR-MYANMAR");
        assert_eq!(
            (m.kind.as_str(), m.iso3.as_deref()),
            ("country", Some("MMR"))
        );
        assert_eq!(m.resolution, "CHR res. 1992/58");
        // https://pdfslide.us/documents/4dc1018e2.html (A/HRC/RES/16/9)
        let m = get("SR-IRAN");
        assert_eq!(
            (m.resolution.as_str(), m.established.as_str()),
            ("HRC res. 16/9", "2011")
        );
        assert!(all
            .iter()
            .filter(|m| m.source == "shipped")
            .all(|m| m.source_url.starts_with("https://") && m.as_of == "2026-12-07"));
        // Loaded in one audited transaction, once.
        assert_eq!(
            rows(&s, "SELECT COUNT(*) FROM audit_log WHERE action = 'refdata.load' AND record_id = 'sp_mandates'").await,
            1,
            "{b:?}"
        );
        // An office's correction of a shipped mandate is kept when the data load again.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let id = reports::upsert_mandate(
            &mut tx,
            "SR-PRIVACY",
            "Special Rapporteur on the right to privacy (office copy)",
            "thematic",
            None,
            "2015",
        )
        .await
        .unwrap();
        let refused = reports::set_mandate_resolution(&mut tx, id, "resolution 28/16")
            .await
            .unwrap_err();
        assert!(matches!(&refused, StoreError::Rejected(r) if r.field == "resolution"));
        tx.rollback().await.unwrap();
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        reports::upsert_mandate(
            &mut tx,
            "SR-PRIVACY",
            "Office copy",
            "thematic",
            None,
            "2015",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        sqlx::query("DELETE FROM refdata_versions WHERE name = 'sp_mandates'")
            .execute(s.pool())
            .await
            .unwrap();
        dignity_store::refdata::load_shipped(&s).await.unwrap();
        let again = reports::mandates(&s).await.unwrap();
        let p = again.iter().find(|m| m.code == "SR-PRIVACY").unwrap();
        assert_eq!(
            (p.name.as_str(), p.source.as_str()),
            ("Office copy", "office")
        );
        assert_eq!(again.len(), all.len());
    }
}

#[tokio::test]
async fn communications_are_typed_joint_and_carry_their_reply_deadline() {
    for b in backends() {
        let s = fresh(b).await;
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let ua = reports::Communication {
            mandate_code: "SR-TORTURE-CIDT".into(),
            joint_mandates: vec!["WG-ARBITRARY-DETENTION".into(), "SR-TORTURE-CIDT".into()],
            reference: "UA KEN 1/2024".into(),
            comm_type: "UA".into(),
            sent: "2024-01-05".into(),
            ..Default::default()
        };
        reports::add_communication(&mut tx, "KEN", &ua)
            .await
            .unwrap();
        let al = reports::Communication {
            mandate_code: "SR-HR-DEFENDERS".into(),
            reference: "AL KEN 2/2024".into(),
            comm_type: "AL".into(),
            sent: "2024-02-01".into(),
            reply_status: "partial".into(),
            ..Default::default()
        };
        reports::add_communication(&mut tx, "KEN", &al)
            .await
            .unwrap();
        // Each refusal names its field.
        for (c, field) in [
            (
                reports::Communication {
                    comm_type: "XX".into(),
                    ..ua.clone()
                },
                "comm_type",
            ),
            (
                reports::Communication {
                    joint_mandates: vec!["NOPE".into()],
                    ..ua.clone()
                },
                "joint_mandates",
            ),
            (
                reports::Communication {
                    reply_status: "soon".into(),
                    ..ua.clone()
                },
                "reply_status",
            ),
            (
                reports::Communication {
                    reply: "2023-01-01".into(),
                    ..ua.clone()
                },
                "reply",
            ),
        ] {
            let e = reports::add_communication(&mut tx, "KEN", &c)
                .await
                .unwrap_err();
            assert!(
                matches!(&e, StoreError::Rejected(r) if r.field == field),
                "{field}: {e}"
            );
        }
        tx.commit().await.unwrap();
        let list = reports::communications(&s, &Actor::anonymous(), "KEN")
            .await
            .unwrap();
        let ua = list
            .iter()
            .find(|c| c.reference == "UA KEN 1/2024")
            .unwrap();
        assert_eq!(ua.comm_type, "UA");
        assert!(ua.joint);
        assert_eq!(ua.joint_mandates, ["WG-ARBITRARY-DETENTION"]);
        assert_eq!(ua.reply_status, "none");
        assert_eq!(ua.reply_due, "2024-03-05");
        assert_eq!(ua.deadline, "overdue");
        assert!(ua.deadline_days > 0);
        let al = list
            .iter()
            .find(|c| c.reference == "AL KEN 2/2024")
            .unwrap();
        assert!(!al.joint);
        assert_eq!(
            (al.reply_status.as_str(), al.deadline.as_str()),
            ("partial", "replied")
        );
        assert_eq!(al.reply_due, "2024-04-01");
    }
}

//! Missing persons through the API: consent enforced on share, on reads for a recipient and
//! on exports, withdrawn consent after sharing, the family link page and the public memorial.

use super::*;

#[tokio::test]
async fn protection_api_consent_family_link_and_memorial() {
    for b in backends() {
        let (st, u, token, app) = cora_app(b).await;
        let t = Some(token.as_str());

        let (s, body) = call(&app, "POST", "/api/v1/protection/defenders", t, Some(json!({ "name": "Berta Flores", "areas": ["land_environment"], "memorial_consent": true, "country": "HND", "confidentiality": "public" }))).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let did: i64 = serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        let (s, body) = call(
            &app,
            "POST",
            &format!("/api/v1/protection/defenders/{did}/attacks"),
            t,
            Some(json!({ "attack_type": "killing", "date": "2016-03-03" })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let (s, body) = call(&app, "GET", "/api/v1/protection/defenders", t, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["total"], 1);
        let (s, _) = call(&app, "GET", "/api/v1/protection/defenders", None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        let (s, body) = call(&app, "POST", "/api/v1/protection/missing", t, Some(json!({ "name": "Agron Krasniqi", "last_seen_date": "1999-04-12", "region": "Gjakova", "opened_on": "2001-03-01" }))).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let mid: i64 = serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        let actor = accounts::actor_for(&st, &u).await.unwrap();
        spouse_report(&st, &actor, mid, "Shpresa", "").await;

        // A status change without evidence is refused with the field named.
        let (s, body) = call(
            &app,
            "POST",
            &format!("/api/v1/protection/missing/{mid}/status"),
            t,
            Some(json!({ "status": "located_alive", "changed_on": "2002-01-01" })),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"]["field"],
            "evidence"
        );
        // Consent shown; enforced on share and on exports.
        let (_, body) = get(&app, &format!("/api/v1/protection/missing/{mid}"), t).await;
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["consent"],
            "commission"
        );
        let (s, body) = share(&app, mid, t, "organisations", "ICRC").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"]["code"],
            "consent"
        );
        // A GET never writes: reading a case "for a recipient" (which would record a share)
        // is refused, naming the field, and records nothing; passing it on is a POST.
        let (s, body) = get(
            &app,
            &format!("/api/v1/protection/missing/{mid}?for_recipient=commission&recipient=GCMP"),
            t,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"]["field"],
            "for_recipient"
        );
        assert!(
            m::shares(&st, mid).await.unwrap().is_empty(),
            "a GET shared"
        );
        let (s, body) = share(&app, mid, t, "commission", "GCMP").await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        assert_eq!(
            export_counts(&app, t, "recipient_kind=organisations&recipient=ICRC").await,
            (0, 1)
        );
        assert_eq!(
            m::shares(&st, mid).await.unwrap().len(),
            1,
            "the permitted share was logged"
        );

        // The family link shows this case only; the memorial is public and consented.
        let tok = st
            .write(&actor, async |tx| {
                m::create_family_link(tx, mid, None, 30).await
            })
            .await
            .unwrap();
        let (s, html) = call(&app, "GET", &format!("/family/{tok}"), None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Agron Krasniqi") && !html.contains("Shpresa"));
        let (s, _) = get(
            &app,
            "/family/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Consent alone is not publication: the memorial names her only once her
        // profile and the killing are published through the publishing workflow.
        let (s, html) = call(&app, "GET", "/protection/memorial", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("Berta Flores"), "unpublished: {html}");
        let event: i64 = {
            use sqlx::Row;
            sqlx::query("SELECT x.event_id FROM pro_attacks k JOIN vio_acts x ON x.id = k.act_id WHERE k.defender_id = $1")
                .bind(did)
                .fetch_one(st.pool())
                .await
                .unwrap()
                .get(0)
        };
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let admin = accounts::create(&mut tx, "ada", "", Role::Admin, "a long enough passphrase")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let admin = accounts::actor_for(&st, &admin).await.unwrap();
        st.write(&admin, async |tx| {
            dignity_store::portal::set_published(tx, dignity_core::RecordType::Defender, did, true)
                .await?;
            dignity_store::portal::set_published(tx, dignity_core::RecordType::Event, event, true)
                .await
        })
        .await
        .unwrap();
        let (s, html) = call(&app, "GET", "/protection/memorial", None, None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Berta Flores"));
        let (_, doc) = call(&app, "GET", "/api/v1/openapi.json", None, None).await;
        assert!(doc.contains("/api/v1/protection/missing/{id}/share"));
    }
}

#[tokio::test]
async fn a_consent_withdrawn_after_sharing_stops_every_channel_and_is_logged() {
    for b in backends() {
        let (st, u, token, app) = cora_app(b).await;
        let t = Some(token.as_str());
        let (s, body) = call(&app, "POST", "/api/v1/protection/missing", t, Some(json!({ "name": "Dragan Jovanović", "last_seen_date": "1999-06", "region": "Prizren", "opened_on": "2001-03-01" }))).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let mid = serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        let actor = accounts::actor_for(&st, &u).await.unwrap();
        let rep = spouse_report(&st, &actor, mid, "Milica Jovanović", "+381 64 555 0199").await;

        // Shared with the commission while the family allowed it.
        let (s, body) = share(
            &app,
            mid,
            t,
            "commission",
            "Government Commission on Missing Persons",
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");

        // The family withdraws it (the case page's consent form): the page says it was
        // already shared, and with whom.
        let (s, _, html) = form(
            &app,
            &format!("/protection/reports/{rep}/consent"),
            &token,
            &[],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"withdrawn\""), "{html}");
        assert!(html.contains("Government Commission on Missing Persons"));

        // Every channel now refuses the commission: API share, the page's share form, API
        // export and CSV export (withheld).
        let (s, body) = share(&app, mid, t, "commission", "GCMP").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"]["code"],
            "consent"
        );
        let (s, _, html) = form(
            &app,
            &format!("/protection/missing/{mid}/share"),
            &token,
            &[("recipient_kind", "commission"), ("recipient", "GCMP")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("does not allow sharing this case with commission"),
            "{html}"
        );
        assert_eq!(
            export_counts(&app, t, "recipient_kind=commission&recipient=GCMP").await,
            (0, 1)
        );
        let (s, _, csv) = form(
            &app,
            "/protection/missing/export.csv",
            &token,
            &[("recipient_kind", "commission"), ("recipient", "GCMP")],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(!csv.contains("Jovanović"), "{csv}");
        // This organisation itself still has the case.
        let (s, body) = get(&app, &format!("/api/v1/protection/missing/{mid}"), t).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["consent"],
            "organisation_only"
        );

        // Nothing more left; the case page lists who received what, and when.
        let shares = m::shares(&st, mid).await.unwrap();
        assert_eq!(shares.len(), 1);
        assert_eq!(shares[0].channel, "api");
        let (_, html) = call(&app, "GET", &format!("/protection/missing/{mid}"), t, None).await;
        let table = &html[html.find("id=\"shares\"").unwrap()..];
        let table = &table[..table.find("</table>").unwrap()];
        assert!(table.contains("Government Commission on Missing Persons"));
        assert!(!table.contains("GCMP"));

        // The case's candidates through the API, as on its page (keyed blocking keys).
        use dignity_store::protection::sources as src;
        let sid = st
            .write(&actor, async |tx| {
                src::create_source(tx, "Belgrade list", "commission").await
            })
            .await
            .unwrap();
        let table = src::read_csv(
            "external_id,name\nB-1,Драган Јовановић\nB-2,Агрон Красничи\n".as_bytes(),
        )
        .unwrap();
        src::import_list(
            &st,
            &actor,
            sid,
            "b.csv",
            &table,
            &src::guess_mapping(&table.headers),
            &src::ImportOptions::default(),
        )
        .await
        .unwrap();
        let (s, body) = get(
            &app,
            &format!("/api/v1/protection/candidates?missing_id={mid}&min_score=0.6"),
            t,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let c: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(c["total"], 1, "{c}");
        assert_eq!(c["items"][0]["record_name"], "Драган Јовановић");
        assert_eq!(c["items"][0]["other_id"], mid);

        // Logged: the withdrawal after sharing, each refused attempt, each export.
        let count = |action: &'static str| {
            let st = &st;
            async move {
                let n: i64 = sqlx::Row::get(
                    &sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = $1")
                        .bind(action)
                        .fetch_one(st.pool())
                        .await
                        .unwrap(),
                    0,
                );
                n
            }
        };
        assert_eq!(count("consent.withdrawn_after_sharing").await, 1);
        assert_eq!(count("missing.share_refused").await, 2);
        assert_eq!(count("missing.export").await, 2);
        assert_eq!(count("missing.share").await, 1);
    }
}

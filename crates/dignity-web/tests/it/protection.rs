//! Protection over HTTP on every backend: the API with a token (defenders, missing persons,
//! status changes refused without evidence, consent enforced on share and on reads for a
//! recipient, exports that withhold), the family link page and the public memorial.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::protection::missing::{self as m, Consent, RelativeInput, ReportInput};
use dignity_store::testing::{backends, store};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut r = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => r
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => r.body(Body::empty()).unwrap(),
    };
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, body)
}

#[tokio::test]
async fn protection_api_consent_family_link_and_memorial() {
    for b in backends() {
        let st = store(b).await;
        dignity_store::refdata::load_shipped(&st).await.unwrap();
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let u = accounts::create(
            &mut tx,
            "cora",
            "",
            Role::Coordinator,
            "a long enough passphrase",
        )
        .await
        .unwrap();
        let (_, token) = accounts::create_token(&mut tx, u.id, "t").await.unwrap();
        tx.commit().await.unwrap();
        let app = dignity_web::router(dignity_web::AppState::new(
            st.store.clone(),
            Default::default(),
        ));
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
        st.write(&actor, async |tx| {
            let r = m::add_relative(
                tx,
                mid,
                &RelativeInput {
                    name: "Shpresa".into(),
                    relationship: "spouse".into(),
                    contact: String::new(),
                },
            )
            .await?;
            m::add_report(
                tx,
                mid,
                &ReportInput {
                    relative_id: r,
                    reported_on: "2001-03-01".into(),
                    consent: Consent {
                        commission: true,
                        organisations: false,
                    },
                },
            )
            .await
        })
        .await
        .unwrap();

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
        let (_, body) = call(
            &app,
            "GET",
            &format!("/api/v1/protection/missing/{mid}"),
            t,
            None,
        )
        .await;
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["consent"],
            "commission"
        );
        let (s, body) = call(
            &app,
            "POST",
            &format!("/api/v1/protection/missing/{mid}/share"),
            t,
            Some(json!({ "recipient_kind": "organisations", "recipient": "ICRC" })),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"]["code"],
            "consent"
        );
        // A GET never writes: reading a case "for a recipient" (which would record a share)
        // is refused, naming the field, and records nothing; passing it on is a POST.
        let (s, body) = call(
            &app,
            "GET",
            &format!("/api/v1/protection/missing/{mid}?for_recipient=commission&recipient=GCMP"),
            t,
            None,
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
        let (s, body) = call(
            &app,
            "POST",
            &format!("/api/v1/protection/missing/{mid}/share"),
            t,
            Some(json!({ "recipient_kind": "commission", "recipient": "GCMP" })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let (_, body) = call(
            &app,
            "POST",
            "/api/v1/protection/missing/export?recipient_kind=organisations&recipient=ICRC",
            t,
            None,
        )
        .await;
        let e: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (
                e["cases"].as_array().unwrap().len(),
                e["withheld"].as_i64().unwrap()
            ),
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
        let (s, _) = call(
            &app,
            "GET",
            "/family/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            None,
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

async fn form(
    app: &axum::Router,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(s.finish()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let loc = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, loc, body)
}

#[tokio::test]
async fn areas_of_work_and_types_of_attack_are_editable_in_five_languages() {
    for b in backends() {
        let st = store(b).await;
        dignity_store::refdata::load_shipped(&st).await.unwrap();
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let pw = "a long enough passphrase";
        let adm = accounts::create(&mut tx, "amina", "", Role::Admin, pw)
            .await
            .unwrap();
        let coo = accounts::create(&mut tx, "cora", "", Role::Coordinator, pw)
            .await
            .unwrap();
        let (_, admin) = accounts::create_token(&mut tx, adm.id, "t").await.unwrap();
        let (_, cora) = accounts::create_token(&mut tx, coo.id, "t").await.unwrap();
        tx.commit().await.unwrap();
        let app = dignity_web::router(dignity_web::AppState::new(
            st.store.clone(),
            Default::default(),
        ));

        // Everyone on the team reads both lists, with the labels in all five languages.
        let (s, body) = call(
            &app,
            "GET",
            "/protection/vocabularies/area",
            Some(&cora),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        for label in [
            "Land, environment and natural resources",
            "Terre, environnement et ressources naturelles",
            "Коренные народы",
        ] {
            assert!(body.contains(label), "{label}");
        }
        assert!(
            !body.contains("id=\"add-term\""),
            "a coordinator does not edit reference data"
        );
        let (s, body) = call(
            &app,
            "GET",
            "/protection/vocabularies/attack",
            Some(&cora),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("Reprisal for cooperation with the UN"));
        let (s, _) = call(
            &app,
            "GET",
            "/protection/vocabularies/colours",
            Some(&cora),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = form(
            &app,
            "/protection/vocabularies/area",
            &cora,
            &[("label_en", "Housing rights")],
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // The administrator adds an area in five languages; the defender form offers it.
        let (s, body) = call(
            &app,
            "GET",
            "/protection/vocabularies/area",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("id=\"add-term\""));
        let (s, loc, body) = form(
            &app,
            "/protection/vocabularies/area",
            &admin,
            &[
                ("label_en", "Housing rights"),
                ("label_fr", "Droit au logement"),
                ("label_es", "Derecho a la vivienda"),
                ("label_ar", "الحق في السكن"),
                ("label_ru", "Право на жильё"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let code = loc.rsplit("#term-").next().unwrap().to_string();
        let terms = dignity_store::protection::terms(&st, "area", "ru", false)
            .await
            .unwrap();
        assert!(terms
            .iter()
            .any(|t| t.code == code && t.label == "Право на жильё"));
        let (_, body) = call(&app, "GET", "/protection/defenders", Some(&cora), None).await;
        assert!(body.contains("Housing rights"));

        // A label is corrected and the term retired: no longer offered, still listed.
        let (s, _, body) = form(
            &app,
            &format!("/protection/vocabularies/area/{code}"),
            &admin,
            &[
                ("label_en", "Right to adequate housing"),
                ("label_fr", "Droit à un logement convenable"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, body) = call(&app, "GET", "/protection/defenders", Some(&cora), None).await;
        assert!(!body.contains("Right to adequate housing"));
        let (_, body) = call(
            &app,
            "GET",
            "/protection/vocabularies/area",
            Some(&cora),
            None,
        )
        .await;
        assert!(body.contains("Right to adequate housing") && body.contains("Retired"));

        // Bad input: no English label, a type of act that is not a code.
        let (s, _, body) = form(
            &app,
            "/protection/vocabularies/area",
            &admin,
            &[("label_fr", "Sans anglais")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("the English label is required"));
        let (s, _, body) = form(
            &app,
            "/protection/vocabularies/attack",
            &admin,
            &[("label_en", "Doxxing"), ("act_type", "doxx")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("micro-thesaurus 4"));
        // Every change is audited.
        let n: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'term.%' OR action LIKE 'pro_term.%' OR record_type = 'pro_terms'")
                .fetch_one(st.pool())
                .await
                .unwrap(),
            0,
        );
        assert_eq!(n, 2);
    }
}

#[tokio::test]
async fn a_consent_withdrawn_after_sharing_stops_every_channel_and_is_logged() {
    for b in backends() {
        let st = store(b).await;
        dignity_store::refdata::load_shipped(&st).await.unwrap();
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let u = accounts::create(
            &mut tx,
            "cora",
            "",
            Role::Coordinator,
            "a long enough passphrase",
        )
        .await
        .unwrap();
        let (_, token) = accounts::create_token(&mut tx, u.id, "t").await.unwrap();
        tx.commit().await.unwrap();
        let app = dignity_web::router(dignity_web::AppState::new(
            st.store.clone(),
            Default::default(),
        ));
        let t = Some(token.as_str());
        let (s, body) = call(&app, "POST", "/api/v1/protection/missing", t, Some(json!({ "name": "Dragan Jovanović", "last_seen_date": "1999-06", "region": "Prizren", "opened_on": "2001-03-01" }))).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let mid = serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        let actor = accounts::actor_for(&st, &u).await.unwrap();
        let rep = st
            .write(&actor, async |tx| {
                let r = m::add_relative(
                    tx,
                    mid,
                    &RelativeInput {
                        name: "Milica Jovanović".into(),
                        relationship: "spouse".into(),
                        contact: "+381 64 555 0199".into(),
                    },
                )
                .await?;
                m::add_report(
                    tx,
                    mid,
                    &ReportInput {
                        relative_id: r,
                        reported_on: "2001-03-01".into(),
                        consent: Consent {
                            commission: true,
                            organisations: false,
                        },
                    },
                )
                .await
            })
            .await
            .unwrap();

        // Shared with the commission while the family allowed it.
        let (s, body) = call(&app, "POST", &format!("/api/v1/protection/missing/{mid}/share"), t, Some(json!({ "recipient_kind": "commission", "recipient": "Government Commission on Missing Persons" }))).await;
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
        let (s, body) = call(
            &app,
            "POST",
            &format!("/api/v1/protection/missing/{mid}/share"),
            t,
            Some(json!({ "recipient_kind": "commission", "recipient": "GCMP" })),
        )
        .await;
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
        let (_, body) = call(
            &app,
            "POST",
            "/api/v1/protection/missing/export?recipient_kind=commission&recipient=GCMP",
            t,
            None,
        )
        .await;
        let e: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (
                e["cases"].as_array().unwrap().len(),
                e["withheld"].as_i64().unwrap()
            ),
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
        let (s, body) = call(
            &app,
            "GET",
            &format!("/api/v1/protection/missing/{mid}"),
            t,
            None,
        )
        .await;
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
        )
        .await
        .unwrap();
        let (s, body) = call(
            &app,
            "GET",
            &format!("/api/v1/protection/candidates?missing_id={mid}&min_score=0.6"),
            t,
            None,
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

#[tokio::test]
async fn a_list_import_names_the_columns_it_does_not_read() {
    for b in backends() {
        let st = store(b).await;
        dignity_store::refdata::load_shipped(&st).await.unwrap();
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let u = accounts::create(
            &mut tx,
            "cora",
            "",
            Role::Coordinator,
            "a long enough passphrase",
        )
        .await
        .unwrap();
        let (_, token) = accounts::create_token(&mut tx, u.id, "t").await.unwrap();
        tx.commit().await.unwrap();
        let cora = accounts::actor_for(&st, &u).await.unwrap();
        let sid = st
            .write(&cora, async |tx| {
                dignity_store::protection::sources::create_source(tx, "ICRC", "red_cross").await
            })
            .await
            .unwrap();
        let app = dignity_web::router(dignity_web::AppState::new(
            st.store.clone(),
            Default::default(),
        ));
        let csv = "external_id,name,date_of_birth\nK-1,Agron Krasniqi,1971-05-04\n";
        let post = |q: &str| {
            Request::builder()
                .method("POST")
                .uri(format!("/api/v1/protection/sources/{sid}/import{q}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(csv))
                .unwrap()
        };
        // Strict: refused, the column named (line 1) with the suggestion; nothing written.
        let res = app.clone().oneshot(post("?strict=true")).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["errors"][0]["line"], 1);
        assert_eq!(v["errors"][0]["field"], "date_of_birth");
        assert!(v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean \"birth_date\""));
        let (_, recs) = dignity_store::protection::sources::records(&st, None, false, 10, 0)
            .await
            .unwrap();
        assert!(recs.is_empty());
        // Not strict: imported, and the report lists the column left out.
        let res = app.clone().oneshot(post("")).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let v: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["new"], 1);
        assert_eq!(v["unused_columns"][0]["column"], "date_of_birth");
        assert_eq!(v["unused_columns"][0]["position"], 3);
        assert_eq!(v["unused_columns"][0]["suggestion"], "birth_date");
        // Mapped, nothing is left out.
        let res = app
            .clone()
            .oneshot(post("?mapping=birth_date%3Ddate_of_birth"))
            .await
            .unwrap();
        let v: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["unused_columns"], json!([]), "{v}");
        assert_eq!(v["changed"], 1, "{v}");

        // An XLSX list: the same report (an alias: DOB → birth_date).
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["external_id", "name", "DOB"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in ["K-2", "Dragana Jovanović", "1980"].iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        let xlsx = wb.save_to_buffer().unwrap();
        let req = Request::builder()
            .method("POST")
            .uri(format!(
                "/api/v1/protection/sources/{sid}/import?filename=list.xlsx"
            ))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(xlsx))
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let v: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        assert_eq!(v["unused_columns"][0]["column"], "DOB", "{v}");
        assert_eq!(v["unused_columns"][0]["suggestion"], "birth_date", "{v}");

        // The sources page's import form: with "refuse the list if a column is not
        // imported" ticked, the list is refused with the column named and nothing written;
        // without it, the list is imported and the report names the column left out.
        let sid2 = st
            .write(&cora, async |tx| {
                dignity_store::protection::sources::create_source(
                    tx,
                    "Families",
                    "family_association",
                )
                .await
            })
            .await
            .unwrap();
        let page_import = |strict: bool| {
            let mut body = Vec::new();
            if strict {
                body.extend(
                    b"--XyZ\r\nContent-Disposition: form-data; name=\"strict\"\r\n\r\n1\r\n",
                );
            }
            body.extend(
                b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"families.csv\"\r\nContent-Type: text/csv\r\n\r\n",
            );
            body.extend(
                b"external_id,name,date_of_birth,notes\nF-9,Besnik Gashi,1960,seen in May\n\r\n",
            );
            body.extend(b"--XyZ--\r\n");
            Request::builder()
                .method("POST")
                .uri(format!("/protection/sources/{sid2}/import"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
                .body(Body::from(body))
                .unwrap()
        };
        let (_, form_page) = call(
            &app,
            "GET",
            "/protection/sources",
            Some(token.as_str()),
            None,
        )
        .await;
        assert!(
            form_page.contains(&format!("id=\"strict-{sid2}\"")),
            "the option is offered"
        );
        let audits = audit_total(&st).await;
        let res = app.clone().oneshot(page_import(true)).await.unwrap();
        let html = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        let errors = html
            .split("id=\"import-errors\"")
            .nth(1)
            .and_then(|x| x.split("</div>").next())
            .expect("the list is refused");
        assert!(
            errors.contains("date_of_birth") && errors.contains("notes"),
            "{errors}"
        );
        assert!(errors.contains("birth_date"), "the suggestion: {errors}");
        let (n, _) = dignity_store::protection::sources::records(&st, Some(sid2), false, 10, 0)
            .await
            .unwrap();
        assert_eq!(n, 0, "nothing written");
        assert_eq!(audit_total(&st).await, audits, "nothing audited as written");
        let res = app.clone().oneshot(page_import(false)).await.unwrap();
        let html = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        assert!(html.contains("id=\"import-report\""), "{html}");
        let unread = html
            .split("id=\"unmapped-columns\"")
            .nth(1)
            .and_then(|x| x.split("</div>").next())
            .expect("the columns left out are named");
        assert!(
            unread.contains("date_of_birth") && unread.contains("notes"),
            "{unread}"
        );
        let (n, _) = dignity_store::protection::sources::records(&st, Some(sid2), false, 10, 0)
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}

async fn audit_total(st: &dignity_store::testing::TestStore) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM audit_log")
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0)
}

/// The reports page over HTTP: the SDG 16.10.1 table for a year and a country and its CSV
/// download (what a user would copy into a report), and the counts of missing-person cases
/// as a chart and a table, grouped by region and by community.
#[tokio::test]
async fn sdg_table_csv_download_and_counts_over_http() {
    use dignity_store::protection::defenders::{self as d, AttackInput, DefenderInput};
    use dignity_store::protection::missing::{MissingInput, StatusChange};
    use dignity_store::violations::{self as v, PersonInput, Vocab};
    const FEMALE: &str = "02000000000039";
    const MALE: &str = "01000000000039";
    for b in backends() {
        let st = store(b).await;
        dignity_store::refdata::load_shipped(&st).await.unwrap();
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let u = accounts::create(
            &mut tx,
            "cora",
            "",
            Role::Coordinator,
            "a long enough passphrase",
        )
        .await
        .unwrap();
        let (_, token) = accounts::create_token(&mut tx, u.id, "t").await.unwrap();
        tx.commit().await.unwrap();
        let actor = accounts::actor_for(&st, &u).await.unwrap();
        let vocab = Vocab::load(&st).await.unwrap();
        let app = dignity_web::router(dignity_web::AppState::new(
            st.store.clone(),
            Default::default(),
        ));
        let t = Some(token.as_str());

        // Two defenders killed in Honduras in 2024 (two independent sources each), one
        // killing with a single source (not verified: not counted), one in 2023.
        let mut sources = vec![];
        for n in ["Witness One", "Witness Two"] {
            sources.push(
                st.write(&actor, async |tx| {
                    v::create_person(
                        tx,
                        &vocab,
                        &PersonInput {
                            name: n.into(),
                            confidentiality: "internal".into(),
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
                .unwrap(),
            );
        }
        for (name, sex, date, perp, srcs) in [
            ("Berta Flores", FEMALE, "2024-03-02", "business", 2),
            ("Marta Lenca", FEMALE, "2024-07-10", "business", 2),
            ("Juan Lopez", MALE, "2024-09-01", "state_actor", 2),
            ("Pedro Ruiz", MALE, "2024-10-01", "state_actor", 1),
            ("Ana Diaz", FEMALE, "2023-05-05", "business", 2),
        ] {
            let id = st
                .write(&actor, async |tx| {
                    d::create_defender(
                        tx,
                        &vocab,
                        &DefenderInput {
                            name: name.into(),
                            sex: Some(sex.into()),
                            age_group: "adult".into(),
                            country: Some("HND".into()),
                            areas: vec!["land_environment".into()],
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
                .unwrap();
            let source_ids = sources[..srcs].to_vec();
            st.write(&actor, async |tx| {
                d::record_attack(
                    tx,
                    &vocab,
                    &AttackInput {
                        defender_id: id,
                        attack_type: "killing".into(),
                        date: date.into(),
                        perpetrator_category: perp.into(),
                        motive: "work_related".into(),
                        source_ids,
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap();
        }

        let (s, html) = call(
            &app,
            "GET",
            "/protection/reports?year=2024&country=HND",
            t,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let sdg = html
            .split("<table id=\"sdg-table\">")
            .nth(1)
            .and_then(|x| x.split("</table>").next())
            .expect("the SDG 16.10.1 table");
        assert!(sdg.contains("2024") && sdg.contains("HND"), "{sdg}");
        let rows: Vec<&str> = sdg.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 2, "female/business and male/state: {sdg}");
        assert!(rows
            .iter()
            .any(|r| r.contains("<td>female</td>") && r.contains("<td>2</td>")));
        assert!(rows
            .iter()
            .any(|r| r.contains("<td>male</td>") && r.contains("<td>1</td>")));
        assert!(
            html.contains("href=\"/protection/reports/sdg-16-10-1.csv?year=2024&amp;country=HND\"")
        );

        let before = audit_count(&st, "report.export").await;
        let res = app
            .clone()
            .oneshot(
                Request::builder()
                    .uri("/protection/reports/sdg-16-10-1.csv?year=2024&country=HND")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("sdg-16-10-1.csv"));
        let csv = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            vec![
                "indicator",
                "year",
                "country",
                "victim_status",
                "sex",
                "age_group",
                "perpetrator_category",
                "killings"
            ]
        );
        let mut lines: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect();
        lines.sort();
        assert_eq!(
            lines,
            vec![
                vec!["16.10.1", "2024", "HND", "hrd", "female", "adult", "business", "2"],
                vec![
                    "16.10.1",
                    "2024",
                    "HND",
                    "hrd",
                    "male",
                    "adult",
                    "state_actor",
                    "1"
                ],
            ]
            .into_iter()
            .map(|l| l.into_iter().map(String::from).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
            "{csv}"
        );
        // The download is audited as an export; without a year it is refused.
        assert_eq!(audit_count(&st, "report.export").await, before + 1);
        let (s, _) = call(
            &app,
            "GET",
            "/protection/reports/sdg-16-10-1.csv?country=HND",
            t,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = call(
            &app,
            "GET",
            "/protection/reports/sdg-16-10-1.csv?year=2024&country=HND",
            None,
            None,
        )
        .await;
        assert_ne!(s, StatusCode::OK, "not without signing in");

        // Counts: three cases in Gjakova (one located), one in Peja, closed.
        for (name, region, community, status) in [
            ("Agron Krasniqi", "Gjakova", "Albanian", None),
            ("Besnik Gashi", "Gjakova", "Albanian", None),
            (
                "Dragan Petrović",
                "Gjakova",
                "Serbian",
                Some("located_alive"),
            ),
            ("Milan Ilić", "Peja", "Serbian", Some("closed")),
        ] {
            let id = st
                .write(&actor, async |tx| {
                    m::create_missing(
                        tx,
                        &vocab,
                        &MissingInput {
                            name: name.into(),
                            last_seen_date: "1999-04-12".into(),
                            region: region.into(),
                            community: community.into(),
                            opened_on: "2001-03-01".into(),
                            confidentiality: "confidential".into(),
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
                .unwrap();
            if let Some(status) = status {
                st.write(&actor, async |tx| {
                    m::change_status(
                        tx,
                        id,
                        &StatusChange {
                            status: status.into(),
                            changed_on: "2005-06-01".into(),
                            reference: "Commission decision 12/2005".into(),
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
                .unwrap();
            }
        }
        let (s, html) = call(&app, "GET", "/protection/reports?by=region", t, None).await;
        assert_eq!(s, StatusCode::OK);
        let counts = html
            .split("<table id=\"counts\">")
            .nth(1)
            .and_then(|x| x.split("</table>").next())
            .expect("the counts table");
        let row = |g: &str| -> Vec<String> {
            let r = counts
                .split("<tr>")
                .find(|r| r.contains(&format!(">{g}</th>")))
                .unwrap_or_else(|| panic!("no row {g}: {counts}"));
            r.split("<td>")
                .skip(1)
                .map(|c| c.split('<').next().unwrap().to_string())
                .collect()
        };
        assert_eq!(row("Gjakova"), vec!["2", "1", "0"]);
        assert_eq!(row("Peja"), vec!["0", "0", "1"]);
        // The chart says the same (its text alternative and its bars).
        let svg = html
            .split("<figure class=\"chart\">")
            .nth(1)
            .and_then(|x| x.split("</figure>").next())
            .expect("the chart");
        assert!(svg.contains("role=\"img\""));
        assert!(
            svg.contains("Gjakova: 2 open, 1 located, 0 closed; Peja: 0 open, 0 located, 1 closed"),
            "{svg}"
        );
        let (_, html) = call(&app, "GET", "/protection/reports?by=community", t, None).await;
        let counts = html
            .split("<table id=\"counts\">")
            .nth(1)
            .and_then(|x| x.split("</table>").next())
            .unwrap();
        assert!(
            counts.contains(">Albanian</th><td>2</td><td>0</td><td>0</td>"),
            "{counts}"
        );
        assert!(
            counts.contains(">Serbian</th><td>0</td><td>1</td><td>1</td>"),
            "{counts}"
        );
    }
}

async fn audit_count(st: &dignity_store::testing::TestStore, action: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0)
}

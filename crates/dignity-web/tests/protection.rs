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

        let (s, body) = call(&app, "POST", "/api/v1/protection/defenders", t, Some(json!({ "name": "Berta Flores", "areas": ["land_environment"], "memorial_consent": true, "country": "HND" }))).await;
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
        // Consent shown; enforced on share, on reads for a recipient and on exports.
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
        let (s, _) = call(
            &app,
            "GET",
            &format!("/api/v1/protection/missing/{mid}?for_recipient=organisations&recipient=ICRC"),
            t,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = call(
            &app,
            "GET",
            &format!("/api/v1/protection/missing/{mid}?for_recipient=commission&recipient=GCMP"),
            t,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, body) = call(
            &app,
            "GET",
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
            "the permitted read was logged as shared"
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

        // Every channel now refuses the commission: API share, API read for a recipient,
        // the page's share form, API export and CSV export (withheld).
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
        let (s, body) = call(
            &app,
            "GET",
            &format!("/api/v1/protection/missing/{mid}?for_recipient=commission&recipient=GCMP"),
            t,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(!body.contains("Jovanović"));
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
            "GET",
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
        let (s, csv) = call(
            &app,
            "GET",
            "/protection/missing/export.csv?recipient_kind=commission&recipient=GCMP",
            t,
            None,
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
        assert_eq!(count("missing.share_refused").await, 3);
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
    }
}

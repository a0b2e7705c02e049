//! Defenders over HTTP on every backend: the refusals of the defenders' rules named and
//! explained in the reader's language, and writes refused before their body is read for
//! callers who may not make them.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::testing::{backends, store};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// A request with a bearer token in a language: a JSON body (API) or form fields (pages).
async fn send(
    app: &axum::Router,
    path: &str,
    token: &str,
    lang: &str,
    body: Result<Value, &[(&str, &str)]>,
) -> (StatusCode, String) {
    let r = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT_LANGUAGE, lang);
    let req = match body {
        Ok(json) => r
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string())),
        Err(fields) => {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in fields {
                s.append_pair(k, v);
            }
            r.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(s.finish()))
        }
    };
    let res = app.clone().oneshot(req.unwrap()).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, String::from_utf8(body).unwrap())
}

#[test]
fn every_rule_of_the_defenders_is_translated_in_five_languages() {
    use dignity_web::i18n::{lookup, Lang};
    let keys = dignity_core::protection::RULE_KEYS
        .iter()
        .chain(dignity_core::protection::defenders::RULE_KEYS);
    for key in keys {
        for lang in Lang::ALL {
            assert!(lookup(lang, key).is_some(), "{lang} lacks {key}");
        }
    }
}

#[tokio::test]
async fn a_refused_measure_names_the_field_in_the_readers_language() {
    for b in backends() {
        let st = store(b).await;
        dignity_store::refdata::load_shipped(&st).await.unwrap();
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let pw = "a long enough passphrase";
        let coo = accounts::create(&mut tx, "cora", "", Role::Coordinator, pw)
            .await
            .unwrap();
        let ana = accounts::create(&mut tx, "ana", "", Role::Analyst, pw)
            .await
            .unwrap();
        let (_, cora) = accounts::create_token(&mut tx, coo.id, "t").await.unwrap();
        let (_, anat) = accounts::create_token(&mut tx, ana.id, "t").await.unwrap();
        let dora = accounts::create(&mut tx, "dora", "", Role::Documenter, pw)
            .await
            .unwrap();
        let (_, dorat) = accounts::create_token(&mut tx, dora.id, "t").await.unwrap();
        tx.commit().await.unwrap();
        let app = dignity_web::router(dignity_web::AppState::new(
            st.store.clone(),
            Default::default(),
        ));
        let (s, body) = send(
            &app,
            "/api/v1/protection/defenders",
            &cora,
            "en",
            Ok(json!({ "name": "Berta Flores", "country": "HND" })),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let did = serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        // An analyst may not open a profile: refused before the body is read.
        let (s, _) = send(
            &app,
            "/api/v1/protection/defenders",
            &anat,
            "en",
            Ok(json!({ "name": "X" })),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // The API names the field of a refused vocabulary value, in English (whatever the
        // reader's language).
        let (s, body) = send(
            &app,
            "/api/v1/protection/defenders",
            &cora,
            "fr",
            Ok(json!({ "name": "Y", "sdg_status": "poet" })),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let e = &serde_json::from_str::<Value>(&body).unwrap()["error"];
        assert_eq!(e["field"], "sdg_status");
        assert!(e["message"].as_str().unwrap().contains("journalist"), "{e}");

        // A relocation of three months, in French: the page says why in French, names the
        // field, and nothing is written.
        let path = format!("/protection/defenders/{did}/measures");
        let reloc = |end: &'static str| {
            vec![
                ("measure_type", "relocation"),
                ("host", "Shelter city"),
                ("period_start", "2024-03-01"),
                ("period_end", end),
                ("visa", "Schengen"),
                ("security_plan", "Plan"),
                ("requested_on", "2024-02-01"),
            ]
        };
        let (s, html) = send(&app, &path, &cora, "fr", Err(&reloc("2024-05-31"))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("une relocalisation temporaire dure de 6 à 12 mois"),
            "{html}"
        );
        let (s, html) = send(&app, &path, &cora, "fr", Err(&reloc("2024-11-30"))).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
        let mid: i64 = sqlx::query("SELECT id FROM pro_measures WHERE defender_id = $1")
            .bind(did)
            .fetch_one(st.pool())
            .await
            .map(|r| sqlx::Row::get(&r, 0))
            .unwrap();
        // Delivered before approved: refused in Russian, the state machine's next steps named.
        let step = format!("/protection/measures/{mid}/status");
        let (s, html) = send(&app, &step, &cora, "ru", Err(&[("status", "delivered")])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("не может перейти в"), "{html}");
        // An analyst may not move a measure (refused before the form is read); a documenter
        // who may not see the confidential profile finds neither it nor its measures.
        let (s, _) = send(&app, &step, &anat, "en", Err(&[("status", "approved")])).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = send(&app, &step, &dorat, "en", Err(&[("status", "approved")])).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        for who in [&anat, &dorat] {
            let (s, _) = send(&app, &path, who, "en", Err(&reloc("2024-11-30"))).await;
            assert_eq!(s, StatusCode::NOT_FOUND);
        }
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM pro_measure_history WHERE measure_id = $1")
            .bind(mid)
            .fetch_one(st.pool())
            .await
            .map(|r| sqlx::Row::get(&r, 0))
            .unwrap();
        assert_eq!(n, 1, "only the request is recorded");
    }
}

/// The error summary of a page (its `error-summary` block).
fn summary(html: &str) -> &str {
    let i = html
        .find("class=\"error-summary\"")
        .expect("an error summary");
    &html[i..i + html[i..].find("</div>").unwrap()]
}

#[tokio::test]
async fn a_refused_date_is_summarised_by_its_label_and_reason() {
    for b in backends() {
        // A coordinator with an API token (the protection tests' set-up).
        let (_st, _, token, app) = crate::protection::cora_app(b).await;
        let defender = json!({ "name": "Berta Flores", "country": "HND" });
        let path = "/api/v1/protection/defenders";
        let (_, body) = send(&app, path, &token, "en", Ok(defender)).await;
        let did = serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        let path = format!("/protection/defenders/{did}/measures");
        let form = [
            ("measure_type", "relocation"),
            ("requested_on", "2024-02-30"),
        ];
        for (lang, label, reason) in [
            ("en", "Requested on:", "is not a date (YYYY-MM-DD)"),
            ("fr", "Demandée le:", "n’est pas une date (AAAA-MM-JJ)"),
        ] {
            let (s, html) = send(&app, &path, &token, lang, Err(&form)).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
            let summary = summary(&html);
            assert!(summary.contains(label), "{b:?} {lang}: {summary}");
            assert!(summary.contains(reason), "{b:?} {lang}: {summary}");
            assert!(!summary.contains("requested_on"), "{b:?} {lang}: {summary}");
        }
    }
}

//! What comes in from outside is parsed at the edge, and what goes out is clean: evidence
//! addressed only by a SHA-256 (never a path a user wrote), redirect targets that stay on
//! the site, media types and file names that cannot break a header, CSV cells that a
//! spreadsheet does not run, `Cache-Control: no-store` on personal data (issue 15).

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use dignity_core::Role;
use dignity_store::testing::backends;
use dignity_store::Backend;
use serde_json::{json, Value};

use crate::common;
use common::{count, Browser, PW};

common::web_app!();

impl App {
    async fn user(&self, name: &str, role: Role) -> String {
        common::account_with_token(&self.store, name, role).await.1
    }
    /// A case imported through the API with one evidence item (see [`case_with`]).
    async fn import_case(&self, token: &str, item: Value) -> (StatusCode, Value, HeaderMap) {
        self.api_json(
            token,
            "POST",
            "/api/v1/violations/cases",
            Some(case_with(item)),
        )
        .await
    }
    async fn upload(
        &self,
        token: &str,
        fields: &[(&str, &str)],
        data: &[u8],
    ) -> (StatusCode, Value) {
        let mut b = Vec::new();
        for (k, v) in fields {
            b.extend(
                format!("--XyZ\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                    .as_bytes(),
            );
        }
        b.extend(b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        b.extend(data);
        b.extend(b"\r\n--XyZ--\r\n");
        let (s, body, _) = common::call(&self.router, common::evidence_upload(token, b)).await;
        (s, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

fn case_with(evidence: Value) -> Value {
    json!({
        "format": "dignity-case/1",
        "event": { "title": "Imported case" },
        "persons": [], "acts": [], "information": [], "interventions": [],
        "death_penalty": [], "relationships": [],
        "evidence": [evidence],
    })
}

fn evidence_item(sha256: &str, sha512: &str, size: i64, media_type: &str) -> Value {
    json!({
        "ref": "e1", "original": null, "act": null, "person": null,
        "sha256": sha256, "sha512": sha512, "size_bytes": size, "media_type": media_type,
        "derivation": "original", "title": "Photo", "description": "", "filename": "f.bin",
    })
}

// ---------------------------------------------------------------- hole 1 --

#[tokio::test]
async fn a_case_import_never_turns_a_hash_into_a_path() {
    for b in backends() {
        let app = app(b).await;
        let dora = app.user("dora", Role::Documenter).await;
        let events = count(&app.store, "vio_events").await;
        for evil in [
            "../../keys.json",
            "../keys.json",
            "/etc/passwd",
            "..",
            "a",
            &"AB".repeat(32),
        ] {
            let (s, body, _) = app
                .import_case(&dora, evidence_item(evil, "", 10, "text/plain"))
                .await;
            assert_eq!(
                s,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{b:?} {evil:?}: {body}"
            );
            assert_eq!(body["error"]["field"], "evidence[0].sha256", "{body}");
        }
        assert_eq!(
            count(&app.store, "vio_events").await,
            events,
            "nothing imported"
        );
        assert_eq!(count(&app.store, "vio_evidence").await, 0);

        // A real stored file: the record's SHA-512 and size must be the file's.
        let data = b"a photograph of the detention centre";
        let (s, up) = app.upload(&dora, &[("title", "Photo")], data).await;
        assert_eq!(s, StatusCode::CREATED, "{up}");
        let (sha256, sha512) = (
            up["sha256"].as_str().unwrap(),
            up["sha512"].as_str().unwrap(),
        );
        let (s, body, _) = app
            .import_case(
                &dora,
                evidence_item(sha256, &"0".repeat(128), data.len() as i64, "image/jpeg"),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], "evidence[e1].sha512", "{body}");
        let (s, body, _) = app
            .import_case(&dora, evidence_item(sha256, sha512, 3, "image/jpeg"))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], "evidence[e1].size_bytes", "{body}");
        // The right record is imported, and its content is the stored file; a media type
        // that would break the header is stored as application/octet-stream.
        let (s, body, _) = app
            .import_case(
                &dora,
                evidence_item(
                    sha256,
                    sha512,
                    data.len() as i64,
                    "text/html\r\nSet-Cookie: session=x",
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        assert_eq!(body["missing_files"], json!([]));
        let event = body["event_id"].as_i64().unwrap();
        let (_, case, _) = app
            .api_json(
                &dora,
                "GET",
                &format!("/api/v1/violations/events/{event}/case"),
                None,
            )
            .await;
        assert_eq!(
            case["evidence"][0]["media_type"],
            "application/octet-stream"
        );
        // A well-formed hash of a file that is not stored is reported as missing.
        let absent = "ab".repeat(32);
        let (s, body, _) = app
            .import_case(&dora, evidence_item(&absent, "", 1, "image/png"))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        assert_eq!(body["missing_files"], json!([absent]));
    }
}

/// Issue 16: the reason a hash is refused reaches an API caller in the caller's language.
#[tokio::test]
async fn a_refused_hash_is_explained_in_the_callers_language() {
    for b in backends() {
        let app = app(b).await;
        let dora = app.user("dora", Role::Documenter).await;
        let item = evidence_item("../../keys.json", "", 10, "text/plain");
        let mut req = common::bearer(
            &dora,
            "POST",
            "/api/v1/violations/cases",
            Some(case_with(item)),
        );
        req.headers_mut()
            .insert(header::ACCEPT_LANGUAGE, "fr".parse().unwrap());
        let (s, body, _) = common::call(&app.router, req).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}: {body}");
        assert_eq!(body["error"]["field"], "evidence[0].sha256", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("64 caractères hexadécimaux en minuscules attendus"),
            "{message}"
        );
        assert!(message.contains("../../keys.json"), "{message}");
        assert!(!message.contains("must be"), "{message}");
    }
}

#[tokio::test]
async fn evidence_media_types_and_file_names_never_break_a_header() {
    let app = app(Backend::Sqlite).await;
    let dora = app.user("dora", Role::Documenter).await;
    let (s, up) = app
        .upload(
            &dora,
            &[
                ("title", "Statement"),
                ("media_type", "text/html\r\nX-Evil: 1"),
            ],
            b"plain words",
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    assert_eq!(up["media_type"], "application/octet-stream");
    let id = up["id"].as_i64().unwrap();
    let (s, body, h) = common::call(
        &app.router,
        Request::get(format!("/api/v1/evidence/{id}/content"))
            .header(header::AUTHORIZATION, format!("Bearer {dora}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, b"plain words");
    assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");
    assert!(h.get("x-evil").is_none());
    let cd = h[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(cd.starts_with("attachment; filename=\"f.bin\""), "{cd}");
}

// --------------------------------------------------------------- hole 13 --

async fn lang_redirect(app: &App, back: &str) -> (StatusCode, String) {
    let (s, _, h) = common::call(
        &app.router,
        Request::get(format!("/lang?to=fr&back={back}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let loc = h
        .get(header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    (s, loc)
}

#[tokio::test]
async fn the_language_switch_sends_back_only_to_this_site() {
    let app = app(Backend::Sqlite).await;
    for evil in [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "%2F%5Cevil.example",
        "https://evil.example",
        "/%0A",
        "/%0D%0ASet-Cookie:%20x=1",
        "/%2F%2Fevil.example",
        "%2F%09%2Fevil.example",
    ] {
        let (s, loc) = lang_redirect(&app, evil).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{evil}");
        assert_eq!(loc, "/", "{evil} sent to {loc:?}");
    }
    let (s, loc) = lang_redirect(&app, "%2Fviolations%2Fevents%3Fpage%3D2").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc, "/violations/events?page=2");
}

#[tokio::test]
async fn sign_in_sends_on_only_to_this_site() {
    let app = app(Backend::Sqlite).await;
    app.user("dora", Role::Documenter).await;
    for (next, want) in [
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/violations/events", "/violations/events"),
    ] {
        let mut b = Browser::new(&app.router);
        b.get("/login").await;
        let r = b
            .submit(
                "/login",
                &[("username", "dora"), ("password", PW), ("next", next)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.location, want, "{next:?}");
    }
}

// ------------------------------------------------ unknown references: 422 --

#[tokio::test]
async fn an_unknown_country_in_a_recommendation_is_a_422_naming_the_field() {
    for b in backends() {
        let app = app(b).await;
        let dora = app.user("dora", Role::Documenter).await;
        for (body, field) in [
            (
                json!({ "iso3": "FRA", "body": "UPR", "text": "Ratify OP-CAT", "recommending_iso3": "ZZZ" }),
                "recommending_iso3",
            ),
            (
                json!({ "iso3": "ZZZ", "body": "UPR", "text": "Ratify OP-CAT" }),
                "iso3",
            ),
        ] {
            let (s, v, _) = app
                .api_json(&dora, "POST", "/api/v1/recommendations", Some(body))
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b:?} {v}");
            assert_eq!(v["error"]["field"], field, "{v}");
        }
        let (s, v, _) = app
            .api_json(
                &dora,
                "POST",
                "/api/v1/recommendations",
                Some(json!({ "iso3": "FRA", "body": "UPR", "text": "Ratify OP-CAT", "recommending_iso3": "DEU" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
}

// ------------------------------------------------- caching and transport --

fn cache(h: &HeaderMap) -> &str {
    h.get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn personal_data_is_never_cached_and_public_pages_keep_their_caching() {
    let app = app(Backend::Sqlite).await;
    let dora = app.user("dora", Role::Documenter).await;
    // API answers to a token.
    let (s, _, h) = app
        .api_json(&dora, "GET", "/api/v1/violations/events", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cache(&h), "no-store");
    let (s, _, h) = app
        .api_json(&dora, "GET", "/api/v1/violations/events/999999", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(cache(&h), "no-store");
    // Pages to a signed-in user.
    let mut b = Browser::new(&app.router);
    b.login("dora").await;
    for path in ["/", "/violations/events", "/account"] {
        let (_, _, h) = common::call(
            &app.router,
            Request::get(path)
                .header(header::COOKIE, b.cookie_header())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(cache(&h), "no-store", "{path}");
    }
    // The stylesheet keeps its public caching; no HSTS unless configured.
    let (_, _, h) = common::call(
        &app.router,
        Request::get("/static/dignity.css")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(cache(&h).starts_with("public"), "{}", cache(&h));
    assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none());
}

#[tokio::test]
async fn hsts_is_sent_when_configured() {
    let app = app_with(
        Backend::Sqlite,
        dignity_web::WebConfig {
            hsts: true,
            ..Default::default()
        },
    )
    .await;
    let (_, _, h) = common::call(
        &app.router,
        Request::get("/login").body(Body::empty()).unwrap(),
    )
    .await;
    let v = h[header::STRICT_TRANSPORT_SECURITY].to_str().unwrap();
    assert!(v.starts_with("max-age=31536000"), "{v}");
}

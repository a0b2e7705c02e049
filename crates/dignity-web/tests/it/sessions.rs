//! Sessions, CSRF, accounts and request limits (issue 15) through the router, on every
//! backend, as an attacker would try them: cross-site API writes with the victim's
//! cookie, empty CSRF tokens, forged and oversized uploads, replayed two-factor codes,
//! locking other people's accounts, API tokens that outlive a password reset, cookies
//! without `Secure` behind TLS, and a GET that wrote.

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::testing::backends;
use http_body_util::BodyExt;
use sqlx::Row;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tower::ServiceExt;

use crate::common;
use common::{Browser, PW};

common::web_app!();

impl App {
    async fn user(&self, name: &str, role: Role) -> accounts::User {
        common::account(&self.store, name, role).await
    }
    async fn token(&self, user: &accounts::User) -> String {
        let mut tx = self.store.begin(&Actor::system()).await.unwrap();
        let (_, t) = accounts::create_token(&mut tx, user.id, "t").await.unwrap();
        tx.commit().await.unwrap();
        t
    }
    async fn count(&self, sql: &str) -> i64 {
        sqlx::query(sql)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
            .get(0)
    }
    async fn call(&self, req: Request<Body>) -> (StatusCode, String) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let s = res.status();
        let b = res.into_body().collect().await.unwrap().to_bytes();
        // Without the bidi isolation marks around translated arguments.
        let text = String::from_utf8_lossy(&b).replace(['\u{2068}', '\u{2069}'], "");
        (s, text)
    }
}

fn event_json(title: &str) -> String {
    serde_json::json!({ "title": title, "country": "SYR", "start_date": "2024-01" }).to_string()
}

/// A POST of JSON to `/api/v1/violations/events` with the browser's cookies and `extra`
/// headers — what a page on another site can make the victim's browser send.
fn cookie_post(br: &Browser, title: &str, extra: &[(&str, &str)]) -> Request<Body> {
    let mut r = Request::post("/api/v1/violations/events")
        .header(header::COOKIE, br.cookie_header())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::HOST, "dignity.example.org");
    for (k, v) in extra {
        r = r.header(*k, *v);
    }
    r.body(Body::from(event_json(title))).unwrap()
}

#[tokio::test]
async fn cookie_authenticated_api_writes_need_the_csrf_token_or_our_origin() {
    for b in backends() {
        let app = app(b).await;
        let dora = app.user("dora", Role::Documenter).await;
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        br.get("/").await;
        let events = "SELECT COUNT(*) FROM vio_events";

        // Cross-site: the cookie alone, or with a foreign Origin, or an empty token.
        for extra in [
            vec![],
            vec![("origin", "https://evil.example")],
            vec![("origin", "null")],
            vec![("x-csrf-token", "")],
            vec![("x-csrf-token", "forged")],
        ] {
            let (s, body) = app.call(cookie_post(&br, "Forged", &extra)).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{b:?} {extra:?}: {body}");
            assert!(body.contains("\"csrf\""), "{body}");
        }
        assert_eq!(app.count(events).await, 0, "nothing was written");

        // The page's token, or a request from our own pages (same Origin), is accepted.
        let token = br.csrf.clone();
        let (s, body) = app
            .call(cookie_post(&br, "With token", &[("x-csrf-token", &token)]))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let (s, body) = app
            .call(cookie_post(
                &br,
                "Same origin",
                &[("origin", "https://dignity.example.org")],
            ))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        // A bearer token needs neither (no browser sends one by itself).
        let t = app.token(&dora).await;
        let r = Request::post("/api/v1/violations/events")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(event_json("Bearer")))
            .unwrap();
        assert_eq!(app.call(r).await.0, StatusCode::CREATED);
        assert_eq!(app.count(events).await, 3);
    }
}

#[tokio::test]
async fn an_empty_csrf_token_is_never_accepted() {
    for b in backends() {
        let app = app(b).await;
        app.user("amina", Role::Admin).await;
        // A browser whose pre-session cookie is empty: before, its (empty) token "fitted".
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf_token", "")
            .append_pair("username", "amina")
            .append_pair("password", PW)
            .finish();
        let r = Request::post("/login")
            .header(header::COOKIE, "dignity_pre=")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let (s, body) = app.call(r).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b:?}: {body}");
        assert!(body.contains("The form expired or was sent from elsewhere"));
    }
}

#[tokio::test]
async fn exporting_missing_persons_is_a_post_not_a_get() {
    for b in backends() {
        let app = app(b).await;
        let cora = app.user("cora", Role::Coordinator).await;
        let t = app.token(&cora).await;
        let exports = "SELECT COUNT(*) FROM audit_log WHERE action = 'missing.export'";
        for path in [
            "/api/v1/protection/missing/export?recipient_kind=commission&recipient=GCMP",
            "/protection/missing/export.csv?recipient_kind=commission&recipient=GCMP",
        ] {
            let r = Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .body(Body::empty())
                .unwrap();
            let (s, _) = app.call(r).await;
            assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{b:?} {path}");
        }
        assert_eq!(app.count(exports).await, 0, "a GET wrote nothing");
        let r = Request::post(
            "/api/v1/protection/missing/export?recipient_kind=commission&recipient=GCMP",
        )
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .body(Body::empty())
        .unwrap();
        assert_eq!(app.call(r).await.0, StatusCode::OK);
        assert_eq!(app.count(exports).await, 1);
    }
}

/// A multipart body of `total` bytes whose first field is `first` (name, value), then a
/// field `title` that fills the rest; `pulled` counts the bytes the server read.
fn counted_upload(first: (&str, &str), total: usize, pulled: Arc<AtomicUsize>) -> Body {
    let head = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n",
        first.0, first.1
    );
    const CHUNK: usize = 64 * 1024;
    let n = total / CHUNK;
    let chunks = std::iter::once(Bytes::from(head))
        .chain((0..n).map(|_| Bytes::from(vec![b'a'; CHUNK])))
        .chain(std::iter::once(Bytes::from_static(b"\r\n--XyZ--\r\n")));
    // Like a network: each chunk arrives after the reader has had a turn.
    let stream = futures_util::stream::unfold(chunks, move |mut chunks| {
        let pulled = pulled.clone();
        async move {
            tokio::task::yield_now().await;
            let c = chunks.next()?;
            pulled.fetch_add(c.len(), Ordering::SeqCst);
            Some((Ok::<_, std::io::Error>(c), chunks))
        }
    });
    Body::from_stream(stream)
}

async fn event_of(app: &App, dora: &accounts::User) -> i64 {
    let actor = accounts::actor_for(&app.store, dora).await.unwrap();
    let vocab = dignity_store::violations::Vocab::load(&app.store)
        .await
        .unwrap();
    let mut tx = app.store.begin(&actor).await.unwrap();
    let id = dignity_store::violations::create_event(
        &mut tx,
        &vocab,
        &dignity_store::violations::EventInput {
            title: "Detention".into(),
            start_date: "2024-01-01".into(),
            confidentiality: "internal".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// dora, a documenter, with an event of hers, signed in with a browser on the event's
/// page: her account, the event and the browser.
async fn dora_on_her_event(app: &App) -> (accounts::User, i64, Browser<'_>) {
    let dora = app.user("dora", Role::Documenter).await;
    let ev = event_of(app, &dora).await;
    let mut br = Browser::new(&app.router);
    br.login("dora").await;
    br.get(&format!("/violations/events/{ev}")).await;
    (dora, ev, br)
}

#[tokio::test]
async fn a_forged_upload_is_refused_before_its_body_is_read() {
    for b in backends() {
        let app = app(b).await;
        let (_, ev, br) = dora_on_her_event(&app).await;
        const TOTAL: usize = 32 * 1024 * 1024;
        for (path, first) in [
            // A page's upload form whose token is not the first field, or is forged.
            (format!("/violations/events/{ev}/evidence"), ("title", "x")),
            (
                format!("/violations/events/{ev}/evidence"),
                ("csrf_token", "forged"),
            ),
            // The API with the session cookie and no token.
            ("/api/v1/evidence".to_string(), ("title", "x")),
        ] {
            let pulled = Arc::new(AtomicUsize::new(0));
            let r = Request::post(&path)
                .header(header::COOKIE, br.cookie_header())
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
                .body(counted_upload(first, TOTAL, pulled.clone()))
                .unwrap();
            let (s, body) = app.call(r).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{b:?} {path} {first:?}: {body}");
            let read = pulled.load(Ordering::SeqCst);
            assert!(
                read < 1024 * 1024,
                "{path}: {read} bytes were read before the refusal"
            );
        }
    }
}

#[tokio::test]
async fn a_huge_upload_field_is_refused_with_413_naming_the_limit() {
    for b in backends() {
        let app = app(b).await;
        let (dora, ev, br) = dora_on_her_event(&app).await;
        let token = br.csrf.clone();
        const TOTAL: usize = 16 * 1024 * 1024;
        let pulled = Arc::new(AtomicUsize::new(0));
        let r = Request::post(format!("/violations/events/{ev}/evidence"))
            .header(header::COOKIE, br.cookie_header())
            .header(header::ACCEPT_LANGUAGE, "fr")
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
            .body(counted_upload(
                ("csrf_token", &token),
                TOTAL,
                pulled.clone(),
            ))
            .unwrap();
        let (s, body) = app.call(r).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{b:?}: {body}");
        assert!(
            body.contains("Le champ « title » est trop long : 64 KiB au maximum."),
            "{body}"
        );
        assert!(pulled.load(Ordering::SeqCst) < TOTAL / 4, "stopped early");
        // The API says the same in JSON.
        let t = app.token(&dora).await;
        let pulled = Arc::new(AtomicUsize::new(0));
        let r = Request::post("/api/v1/evidence")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
            .body(counted_upload(("description", "d"), TOTAL, pulled.clone()))
            .unwrap();
        let (s, body) = app.call(r).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        let j: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(j["error"]["code"], "too_large");
        assert_eq!(j["error"]["field"], "title");
        assert!(j["error"]["message"].as_str().unwrap().contains("64 KiB"));
        assert_eq!(app.count("SELECT COUNT(*) FROM vio_evidence").await, 0);
    }
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_with_a_message_naming_it() {
    for b in backends() {
        let app = app(b).await;
        let dora = app.user("dora", Role::Documenter).await;
        let t = app.token(&dora).await;
        let big = format!(
            "{{\"title\": \"{}\", \"country\": \"SYR\", \"start_date\": \"2024-01\"}}",
            "a".repeat(2 * 1024 * 1024)
        );
        let r = Request::post("/api/v1/violations/events")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(big))
            .unwrap();
        let (s, body) = app.call(r).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{b:?}");
        let j: serde_json::Value = serde_json::from_str(&body).expect(&body);
        assert_eq!(j["error"]["code"], "too_large");
        assert_eq!(
            j["error"]["message"],
            "The request is too large: at most 1 MiB may be sent."
        );
    }
}

#[tokio::test]
async fn a_two_factor_code_opens_one_session_only() {
    for b in backends() {
        let app = app(b).await;
        let u = app.user("amina", Role::Admin).await;
        let secret = totp_rs::Secret::generate_secret().to_encoded().to_string();
        let mut tx = app.store.begin(&Actor::system()).await.unwrap();
        accounts::set_totp(&mut tx, u.id, Some(&secret), true)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let code = common::totp_now(&secret);
        let mut first = Browser::new(&app.router);
        first.login_with("amina", PW).await;
        first.get("/login/totp").await;
        let r = first.submit("/login/totp", &[("code", &code)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b:?}");
        // Someone who saw the code (and knows the password) tries it again at once.
        let mut second = Browser::new(&app.router);
        second.login_with("amina", PW).await;
        second.get("/login/totp").await;
        let r = second.submit("/login/totp", &[("code", &code)]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b:?}: replayed");
        assert_eq!(
            second.get("/admin/users").await.status,
            StatusCode::SEE_OTHER,
            "not signed in"
        );
    }
}

#[tokio::test]
async fn failed_sign_ins_lock_one_client_not_the_account_for_everyone() {
    for b in backends() {
        let app = app(b).await;
        app.user("lena", Role::Documenter).await;
        let mut attacker = Browser::at(&app.router, "203.0.113.9");
        for _ in 0..accounts::MAX_FAILED_LOGINS {
            attacker.login_with("lena", "wrong password!").await;
        }
        // The attacker's address is locked out, even with the right password …
        let r = attacker.login_with("lena", PW).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b:?}");
        assert!(r.body.contains("Too many failed attempts"), "{}", r.body);
        // … but Lena, elsewhere, still signs in.
        let mut lena = Browser::at(&app.router, "198.51.100.4");
        let r = lena.login_with("lena", PW).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b:?}: {}", r.body);

        // A username that does not exist is answered exactly like one that does: the
        // same message, and locked after as many failures.
        let mut prober = Browser::at(&app.router, "203.0.113.10");
        let mut answers = vec![];
        for name in ["lena", "nobody"] {
            let mut seen = vec![];
            for _ in 0..=accounts::MAX_FAILED_LOGINS {
                let r = prober.login_with(name, "wrong password!").await;
                seen.push((r.status, r.body.contains("Too many failed attempts")));
            }
            answers.push(seen);
        }
        assert_eq!(answers[0], answers[1], "{b:?}");
        assert!(
            answers[1].last().unwrap().1,
            "the unknown name is locked too"
        );
    }
}

#[tokio::test]
async fn a_password_reset_ends_sessions_and_revokes_api_tokens() {
    for b in backends() {
        let app = app(b).await;
        app.user("amina", Role::Admin).await;
        let omar = app.user("omar", Role::Analyst).await;
        let t = app.token(&omar).await;
        let get = |t: &str| {
            Request::get("/api/v1/violations/events")
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .body(Body::empty())
                .unwrap()
        };
        assert_eq!(app.call(get(&t)).await.0, StatusCode::OK);
        let mut omar_br = Browser::new(&app.router);
        omar_br.login("omar").await;
        let mut admin = Browser::new(&app.router);
        admin.login("amina").await;
        admin.get("/admin/users").await;
        let r = admin
            .submit(&format!("/admin/users/{}/reset-password", omar.id), &[])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}");
        assert_eq!(
            app.call(get(&t)).await.0,
            StatusCode::UNAUTHORIZED,
            "{b:?}: the token died with the password"
        );
        assert_eq!(omar_br.get("/account").await.status, StatusCode::SEE_OTHER);
        let audited = app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_set' AND details LIKE '%\"tokens_revoked\":1%'")
            .await;
        assert_eq!(audited, 1);

        // The user's own change of password does the same.
        let mut tx = app.store.begin(&Actor::system()).await.unwrap();
        accounts::set_password(&mut tx, omar.id, PW).await.unwrap();
        tx.commit().await.unwrap();
        let t2 = app.token(&omar).await;
        let mut br = Browser::new(&app.router);
        br.login("omar").await;
        br.get("/account").await;
        let new_pw = "another long passphrase";
        let r = br
            .submit(
                "/account/password",
                &[
                    ("current_password", PW),
                    ("new_password", new_pw),
                    ("new_password_confirm", new_pw),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(app.call(get(&t2)).await.0, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn behind_tls_every_cookie_is_secure() {
    for b in backends() {
        let app = app_with(
            b,
            dignity_web::WebConfig {
                secure_cookies: true,
                public_url: Some("https://dignity.example.org".into()),
                ..Default::default()
            },
        )
        .await;
        app.user("amina", Role::Admin).await;
        let res = app
            .router
            .clone()
            .oneshot(Request::get("/login").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let cookies = common::set_cookies(res.headers());
        assert!(
            cookies.iter().any(|c| c.starts_with("dignity_pre=")),
            "{cookies:?}"
        );
        for c in &cookies {
            assert!(c.contains("; Secure"), "{b:?}: {c}");
        }
        // Without TLS, no Secure (it would make the cookie unusable over plain HTTP).
        let plain = app_with(b, Default::default()).await;
        let res = plain
            .router
            .clone()
            .oneshot(Request::get("/login").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let c = res.headers().get(header::SET_COOKIE).unwrap();
        assert!(!c.to_str().unwrap().contains("Secure"));
    }
}

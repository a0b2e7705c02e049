//! The web application end to end (no network: requests go straight into the router),
//! on every backend: first setup, sign-in with and without 2FA, CSRF, lockout, session
//! fixation, role denials, languages, API errors and the OpenAPI document.

use crate::common;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::testing::backends;
use http_body_util::BodyExt;
use tower::ServiceExt;

use common::PW;

common::web_app!();

impl App {
    async fn user(&self, name: &str, role: Role) -> accounts::User {
        common::account(&self.store, name, role).await
    }
    async fn token(&self, user: &accounts::User) -> String {
        common::api_token(&self.store, user).await
    }
}

struct Resp {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

/// A browser: keeps cookies, reads the CSRF token of the last page.
struct Browser<'a> {
    app: &'a App,
    cookies: Vec<(String, String)>,
    lang: Option<&'static str>,
    csrf: String,
}

impl<'a> Browser<'a> {
    fn new(app: &'a App) -> Self {
        Browser {
            app,
            cookies: vec![],
            lang: None,
            csrf: String::new(),
        }
    }
    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
    async fn send(&mut self, req: Request<Body>) -> Resp {
        let res = self.app.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let cookies: Vec<String> = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for c in &cookies {
            let kv = c.split(';').next().unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() && !c.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        if let Some(i) = body.find("name=\"csrf_token\" value=\"") {
            let rest = &body[i + 25..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        }
        Resp {
            status,
            location,
            body,
        }
    }
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
    async fn get(&mut self, path: &str) -> Resp {
        let mut r = Request::get(path).header(header::COOKIE, self.cookie_header());
        if let Some(l) = self.lang {
            r = r.header(header::ACCEPT_LANGUAGE, l);
        }
        self.send(r.body(Body::empty()).unwrap()).await
    }
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let r = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(r).await
    }
    /// Post a form with the CSRF token of the last page seen.
    async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }
    async fn login(&mut self, user: &str, password: &str) -> Resp {
        self.get("/login").await;
        self.submit(
            "/login",
            &[("username", user), ("password", password), ("next", "/")],
        )
        .await
    }
}

#[tokio::test]
async fn first_setup_creates_the_administrator_once() {
    for b in backends() {
        let app = app(b).await;
        let token = accounts::create_setup_token(&app.store).await.unwrap();
        let mut br = Browser::new(&app);
        let page = br.get(&format!("/setup?token={token}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<main"), "{b:?}");
        // Passwords that do not match: the form comes back with a message, nothing saved.
        let r = br
            .submit(
                "/setup",
                &[
                    ("token", &token),
                    ("username", "amina"),
                    ("display_name", "Amina"),
                    ("password", PW),
                    ("password_confirm", "other"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(accounts::count_users(&app.store).await.unwrap(), 0);
        let r = br
            .submit(
                "/setup",
                &[
                    ("token", &token),
                    ("username", "amina"),
                    ("display_name", "Amina"),
                    ("password", PW),
                    ("password_confirm", PW),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b:?}: {}", r.body);
        assert!(br.cookie("dignity_session").is_some());
        let u = accounts::by_username(&app.store, "amina")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.role, Role::Admin);
        // The link works once.
        let mut other = Browser::new(&app);
        other.get(&format!("/setup?token={token}")).await;
        let r = other
            .submit(
                "/setup",
                &[
                    ("token", &token),
                    ("username", "mallory"),
                    ("password", PW),
                    ("password_confirm", PW),
                ],
            )
            .await;
        assert_ne!(r.status, StatusCode::SEE_OTHER);
        assert!(accounts::by_username(&app.store, "mallory")
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn sign_in_wrong_password_and_lockout() {
    for b in backends() {
        let app = app(b).await;
        app.user("lena", Role::Documenter).await;
        let mut br = Browser::new(&app);
        let r = br.login("lena", "wrong password!").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("Wrong username or password"), "{}", r.body);
        assert!(br.cookie("dignity_session").is_none());
        // Unknown user: the same answer.
        let r = br.login("nobody", "wrong password!").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("Wrong username or password"));
        for _ in 1..accounts::MAX_FAILED_LOGINS {
            br.login("lena", "wrong password!").await;
        }
        // Locked now (for this client): even the right password is refused until the
        // lock ends.
        let r = br.login("lena", PW).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("Too many failed attempts"), "{}", r.body);
        assert!(br.cookie("dignity_session").is_none(), "{b:?}");
    }
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_rejected() {
    for b in backends() {
        let app = app(b).await;
        app.user("amina", Role::Admin).await;
        let mut br = Browser::new(&app);
        br.get("/login").await;
        let r = br
            .post("/login", &[("username", "amina"), ("password", PW)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // A token from another browser does not fit this one.
        let mut other = Browser::new(&app);
        other.get("/login").await;
        let foreign = other.csrf.clone();
        let r = br
            .post(
                "/login",
                &[
                    ("csrf_token", &foreign),
                    ("username", "amina"),
                    ("password", PW),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Signed in, a forged request to add a user fails too.
        assert_eq!(br.login("amina", PW).await.status, StatusCode::SEE_OTHER);
        let r = br
            .post(
                "/admin/users",
                &[
                    ("csrf_token", "forged"),
                    ("username", "evil"),
                    ("role", "admin"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b:?}");
        assert!(accounts::by_username(&app.store, "evil")
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn a_new_session_at_sign_in_no_fixation() {
    for b in backends() {
        let app = app(b).await;
        app.user("omar", Role::Analyst).await;
        let mut br = Browser::new(&app);
        assert_eq!(br.login("omar", PW).await.status, StatusCode::SEE_OTHER);
        let first = br.cookie("dignity_session").unwrap();
        // Signing in again (e.g. an attacker planted the cookie) replaces the session.
        br.get("/").await;
        let r = br
            .submit(
                "/login",
                &[("username", "omar"), ("password", PW), ("next", "/")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let second = br.cookie("dignity_session").unwrap();
        assert_ne!(first, second);
        assert!(
            accounts::session(&app.store, &first)
                .await
                .unwrap()
                .is_none(),
            "{b:?}: old session ended"
        );
        // Sign out ends the session server-side.
        br.get("/").await;
        let r = br.submit("/logout", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(accounts::session(&app.store, &second)
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn roles_are_enforced_on_pages_and_api() {
    for b in backends() {
        let app = app(b).await;
        let analyst = app.user("omar", Role::Analyst).await;
        let mut anon = Browser::new(&app);
        let r = anon.get("/admin/audit").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location.unwrap().starts_with("/login?next="));
        let mut br = Browser::new(&app);
        br.login("omar", PW).await;
        let r = br.get("/admin/users").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b:?}");
        let r = br.get("/admin/audit").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // The API says the same in JSON, with the stable error shape.
        let token = app.token(&analyst).await;
        let res = app
            .router
            .clone()
            .oneshot(
                Request::get("/api/v1/audit")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let v: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["error"]["code"], "forbidden");
        assert!(v["error"]["message"].as_str().unwrap().len() > 5);
        // A revoked or made-up token is refused, not treated as anonymous.
        let res = app
            .router
            .clone()
            .oneshot(
                Request::get("/api/v1/countries")
                    .header(header::AUTHORIZATION, "Bearer dgn_madeup")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn two_factor_sign_in_and_recovery_codes() {
    for b in backends() {
        let app = app(b).await;
        let u = app.user("amina", Role::Admin).await;
        let mut br = Browser::new(&app);
        br.login("amina", PW).await;
        // Opening the account page writes nothing (GET never writes): no secret yet, a
        // form to start.
        let page = br.get("/account").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("<svg"),
            "no QR code before asking for one"
        );
        assert!(page.body.contains("action=\"/account/totp/setup\""));
        let u2 = accounts::by_id(&app.store, u.id).await.unwrap().unwrap();
        assert!(
            u2.totp_secret.is_none(),
            "{b:?}: GET /account wrote a secret"
        );
        // Without the CSRF token the setup is refused.
        let r = br.post("/account/totp/setup", &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = br.submit("/account/totp/setup", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location.as_deref(), Some("/account"));
        let page = br.get("/account").await;
        assert!(page.body.contains("<svg"), "a QR code to scan");
        let u2 = accounts::by_id(&app.store, u.id).await.unwrap().unwrap();
        let secret = accounts::totp_secret(&app.store, &u2).await_none();
        let secret = secret.unwrap();
        // A wrong code does not enable it.
        br.submit("/account/totp/enable", &[("code", "000000")])
            .await;
        assert!(
            !accounts::by_id(&app.store, u.id)
                .await
                .unwrap()
                .unwrap()
                .totp_enabled
        );
        let r = br
            .submit(
                "/account/totp/enable",
                &[("code", &common::totp_now(&secret))],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            accounts::by_id(&app.store, u.id)
                .await
                .unwrap()
                .unwrap()
                .totp_enabled,
            "{b:?}"
        );
        // Recovery codes are shown once.
        let codes: Vec<String> = r
            .body
            .match_indices("<code")
            .filter_map(|(i, _)| {
                let rest = &r.body[i..];
                let start = rest.find('>')? + 1;
                let end = rest.find("</code>")?;
                Some(rest[start..end].trim().to_string())
            })
            .filter(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
            .collect();
        assert_eq!(codes.len(), 10, "{}", r.body);

        // Next sign-in asks for the second factor; the password alone gives no session.
        let mut br = Browser::new(&app);
        let r = br.login("amina", PW).await;
        assert!(r.location.as_deref().unwrap().starts_with("/login/totp"));
        let r = br.get("/admin/users").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "not signed in yet");
        br.get("/login/totp").await;
        let r = br.submit("/login/totp", &[("code", "123456")]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        br.get("/login/totp").await;
        let r = br
            .submit("/login/totp", &[("code", &common::totp_now(&secret))])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(br.get("/admin/users").await.status, StatusCode::OK);

        // A recovery code works once.
        for expected in [StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED] {
            let mut br = Browser::new(&app);
            br.login("amina", PW).await;
            br.get("/login/totp").await;
            let r = br.submit("/login/totp", &[("code", &codes[0])]).await;
            assert_eq!(r.status, expected);
        }
    }
}

trait AwaitNone {
    fn await_none(self) -> Option<String>;
}
impl AwaitNone for Result<Option<String>, dignity_store::StoreError> {
    fn await_none(self) -> Option<String> {
        self.unwrap()
    }
}

#[tokio::test]
async fn an_admin_can_require_two_factor() {
    for b in backends() {
        let app = app(b).await;
        app.user("amina", Role::Admin).await;
        app.user("omar", Role::Analyst).await;
        let mut admin = Browser::new(&app);
        admin.login("amina", PW).await;
        admin.get("/admin/users").await;
        let r = admin
            .submit("/admin/settings/require-totp", &[("require_totp", "on")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mut br = Browser::new(&app);
        br.login("omar", PW).await;
        let r = br.get("/countries").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b:?}");
        assert_eq!(r.location.as_deref(), Some("/account"));
        let omar = accounts::by_username(&app.store, "omar")
            .await
            .unwrap()
            .unwrap();
        let token = app.token(&omar).await;
        let res = app
            .router
            .clone()
            .oneshot(
                Request::get("/api/v1/me")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(br.get("/account").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn language_from_the_browser_switchable_and_right_to_left() {
    for b in backends() {
        let app = app(b).await;
        let mut br = Browser::new(&app);
        br.lang = Some("fr-CA,fr;q=0.9,en;q=0.5");
        let r = br.get("/login").await;
        assert!(
            r.body.contains("<html lang=\"fr\" dir=\"ltr\""),
            "{}",
            &r.body[..200]
        );
        let r = br.get("/lang?to=ar&back=/countries").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location.as_deref(), Some("/countries"));
        let r = br.get("/countries").await;
        assert!(r.body.contains("<html lang=\"ar\" dir=\"rtl\""), "{b:?}");
        assert!(r.body.contains("أفغانستان"), "country names in Arabic");
        // No open redirect through the switcher.
        let r = br.get("/lang?to=ru&back=//evil.example").await;
        assert_eq!(r.location.as_deref(), Some("/"));
    }
}

#[tokio::test]
async fn admins_manage_users_and_see_the_audit_log() {
    for b in backends() {
        let app = app(b).await;
        app.user("amina", Role::Admin).await;
        let mut br = Browser::new(&app);
        br.login("amina", PW).await;
        br.get("/admin/users").await;
        let r = br
            .submit(
                "/admin/users",
                &[
                    ("username", "karim"),
                    ("display_name", "Karim"),
                    ("role", "documenter"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}");
        let karim = accounts::by_username(&app.store, "karim")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(karim.role, Role::Documenter);
        // The generated password is shown once and works.
        let mut k = Browser::new(&app);
        let pw = r
            .body
            .split("<code")
            .filter_map(|s| s.split_once('>').map(|x| x.1))
            .filter_map(|s| s.split_once("</code>").map(|x| x.0.trim().to_string()))
            .find(|s| s.len() == 23)
            .unwrap();
        assert_eq!(k.login("karim", &pw).await.status, StatusCode::SEE_OTHER);
        let r = br.get("/admin/audit?action=user.create").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("karim"));
        let r = br.submit("/admin/audit/verify", &[]).await;
        assert_eq!(r.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn reference_api_and_openapi_document() {
    for b in backends() {
        let app = app(b).await;
        let get = |p: &str| Request::get(p).body(Body::empty()).unwrap();
        let res = app
            .router
            .clone()
            .oneshot(get("/api/v1/countries?lang=fr&region=Africa"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let v: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        let list = v.as_array().unwrap();
        assert_eq!(
            list.len(),
            60,
            "{b:?}: 58 African states and territories? got {}",
            list.len()
        );
        assert!(list
            .iter()
            .any(|c| c["iso3"] == "SEN" && c["name"] == "Sénégal (le)"));
        let res = app
            .router
            .clone()
            .oneshot(get("/api/v1/instruments"))
            .await
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        let codes: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        for c in ["ICCPR", "CAT", "OP-CAT", "CPED", "ECHR", "ISTANBUL"] {
            assert!(codes.contains(&c), "{c} missing");
        }
        let res = app
            .router
            .clone()
            .oneshot(get("/api/v1/vocabularies/4?lang=fr&q=torture"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let res = app
            .router
            .clone()
            .oneshot(get("/api/v1/vocabularies/999"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = app
            .router
            .clone()
            .oneshot(get("/api/v1/vocabularies/abc"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["error"]["field"], "list");
        let res = app
            .router
            .clone()
            .oneshot(get("/api/v1/openapi.json"))
            .await
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert!(v["openapi"].as_str().unwrap().starts_with("3."));
        for p in [
            "/api/v1/countries",
            "/api/v1/instruments",
            "/api/v1/vocabularies/{list}",
            "/api/v1/me",
        ] {
            assert!(v["paths"][p].is_object(), "{p} not documented");
        }
        let res = app.router.clone().oneshot(get("/healthz")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn administrators_edit_vocabularies_in_every_language() {
    for b in backends() {
        let app = app(b).await;
        let admin = app.user("amina", Role::Admin).await;
        app.user("omar", Role::Analyst).await;
        let code = dignity_store::reference::terms(&app.store, 4, "en", Some("torture"))
            .await
            .unwrap()[0]
            .code
            .clone();
        let mut br = Browser::new(&app);
        br.login("amina", PW).await;
        let page = br.get(&format!("/vocabularies/4/terms/{code}")).await;
        assert_eq!(page.status, StatusCode::OK, "{b:?}");
        let current = dignity_store::reference::term(&app.store, 4, &code)
            .await
            .unwrap()
            .unwrap();
        let r = br
            .submit(
                &format!("/vocabularies/4/terms/{code}"),
                &[
                    ("label_en", &current.labels.label_en),
                    ("label_fr", &current.labels.label_fr),
                    ("label_es", &current.labels.label_es),
                    ("label_ar", "تعذيب"),
                    ("label_ru", "Пытки"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        br.lang = Some("ru");
        let r = br.get("/vocabularies/4?q=Пытки").await;
        assert!(r.body.contains("Пытки"), "{b:?}");
        // An analyst may read but not edit.
        let mut an = Browser::new(&app);
        an.login("omar", PW).await;
        assert_eq!(
            an.get(&format!("/vocabularies/4/terms/{code}"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // The API: a token of an admin adds a term; bad input names the field.
        let token = app.token(&admin).await;
        let post = |body: serde_json::Value| {
            Request::post("/api/v1/vocabularies/4/terms")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let res = app.router.clone().oneshot(post(serde_json::json!({"parent": code, "label_en": "Torture by proxy", "label_fr": "", "label_es": "", "label_ar": "", "label_ru": "", "active": true}))).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let res = app.router.clone().oneshot(post(serde_json::json!({"label_en": "", "label_fr": "", "label_es": "", "label_ar": "", "label_ru": "", "active": true}))).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["error"]["field"], "label_en");
        // A browser session without the CSRF header cannot use the write API.
        let res = app
            .router
            .clone()
            .oneshot(
                Request::put(format!("/api/v1/vocabularies/4/terms/{code}"))
                    .header(header::COOKIE, br.cookie_header())
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(serde_json::json!({"label_en": "x", "label_fr": "", "label_es": "", "label_ar": "", "label_ru": "", "active": true}).to_string()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn coordinators_manage_only_their_own_teams() {
    for b in backends() {
        let app = app(b).await;
        app.user("amina", Role::Admin).await;
        let cora = app.user("cora", Role::Coordinator).await;
        let omar = app.user("omar", Role::Analyst).await;
        let mut admin = Browser::new(&app);
        admin.login("amina", PW).await;
        admin.get("/admin/teams").await;
        assert_eq!(
            admin
                .submit("/admin/teams", &[("name", "North")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        admin.get("/admin/teams").await;
        assert_eq!(
            admin
                .submit("/admin/teams", &[("name", "South")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let north = dignity_store::acl::team_by_name(&app.store, "North")
            .await
            .unwrap()
            .unwrap();
        let south = dignity_store::acl::team_by_name(&app.store, "South")
            .await
            .unwrap()
            .unwrap();
        admin.get("/admin/teams").await;
        admin
            .submit(
                &format!("/admin/teams/{north}/members"),
                &[("username", "cora")],
            )
            .await;
        let mut c = Browser::new(&app);
        c.login("cora", PW).await;
        let page = c.get("/admin/teams").await;
        assert_eq!(page.status, StatusCode::OK, "{b:?}");
        assert_eq!(
            c.submit(
                &format!("/admin/teams/{north}/members"),
                &[("username", "omar")]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
        c.get("/admin/teams").await;
        assert_eq!(
            c.submit(
                &format!("/admin/teams/{south}/members"),
                &[("username", "omar")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        c.get("/admin/teams").await;
        assert_eq!(
            c.submit("/admin/teams", &[("name", "Mine")]).await.status,
            StatusCode::FORBIDDEN
        );
        let members: Vec<i64> = dignity_store::acl::members(&app.store, north)
            .await
            .unwrap()
            .iter()
            .map(|m| m.0)
            .collect();
        assert_eq!(members, vec![cora.id, omar.id]);
        assert!(dignity_store::acl::members(&app.store, south)
            .await
            .unwrap()
            .is_empty());
        let mut o = Browser::new(&app);
        o.login("omar", PW).await;
        assert_eq!(o.get("/admin/teams").await.status, StatusCode::FORBIDDEN);
    }
}

fn multipart(fields: &[(&str, &str)]) -> (String, String) {
    let boundary = "----dignitytestboundary";
    let mut body = String::new();
    for (k, v) in fields {
        if *k == "file" {
            body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lists.csv\"\r\nContent-Type: text/csv\r\n\r\n{v}\r\n"));
        } else {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Browser<'_> {
    async fn upload(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        let (ct, body) = multipart(&all);
        let r = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        self.send(r).await
    }
}

#[tokio::test]
async fn estimates_from_an_uploaded_capture_history_table() {
    let hiv = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/mse/hiv_rome.csv"
    ))
    .expect("../shared/data/mse/hiv_rome.csv beside the repository");
    for b in backends() {
        let app = app(b).await;
        app.user("dan", Role::Documenter).await;
        app.user("ana", Role::Analyst).await;
        let mut br = Browser::new(&app);
        br.login("dan", PW).await;
        br.get("/estimates").await;
        // A malformed table: a clear message naming the line, nothing stored.
        let r = br
            .upload(
                "/estimates",
                &[
                    ("name", "Bad"),
                    ("csv", "c1,c2,count\n1,0,5\n2,1,3\n"),
                    ("level", "internal"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(r.body.contains("line 3"), "{}", r.body);
        assert!(dignity_store::stats::list(&app.store, &Actor::system())
            .await
            .unwrap()
            .is_empty());
        let r = br
            .upload(
                "/estimates",
                &[
                    ("name", "HIV Rome"),
                    ("file", &hiv),
                    ("level", "confidential"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let loc = r.location.unwrap();
        let page = br.get(&loc).await;
        assert_eq!(page.status, StatusCode::OK);
        // Rcapture's independence model on this table: 11,124.6 (9,531.7 – 13,114.1).
        let stepwise = br.get(&format!("{loc}?method=loglinear")).await;
        assert!(stepwise.body.contains("<svg"), "an UpSet chart");
        assert!(stepwise.body.contains("1896"), "observed people");
        // Stepwise selection keeps the independence model here: Rcapture's 11,124.6 (9,531.7 – 13,114.1).
        assert!(
            stepwise.body.contains("11125")
                && stepwise.body.contains("9532")
                && stepwise.body.contains("13114"),
            "{b:?} {}",
            &stepwise.body[stepwise.body.find("result-heading").unwrap_or(0)..][..1500]
        );
        // The API gives the numbers; the analyst cannot see a confidential table not on their list.
        let id: i64 = loc.rsplit('/').next().unwrap().parse().unwrap();
        let dan = accounts::by_username(&app.store, "dan")
            .await
            .unwrap()
            .unwrap();
        let token = app.token(&dan).await;
        let res = app
            .router
            .clone()
            .oneshot(
                Request::get(format!("/api/v1/estimates/{id}?method=dga"))
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let v: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["total"]["method"], "dga");
        assert!(v["total"]["estimate"].as_f64().unwrap() > 1896.0);
        let mut an = Browser::new(&app);
        an.login("ana", PW).await;
        assert_eq!(an.get(&loc).await.status, StatusCode::NOT_FOUND);
        assert!(!an.get("/estimates").await.body.contains("HIV Rome"));
        let ana = accounts::by_username(&app.store, "ana")
            .await
            .unwrap()
            .unwrap();
        let token = app.token(&ana).await;
        let res = app
            .router
            .clone()
            .oneshot(
                Request::get(format!("/api/v1/estimates/{id}"))
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        // An analyst cannot add tables.
        an.get("/estimates").await;
        let r = an
            .upload(
                "/estimates",
                &[("name", "Mine"), ("file", &hiv), ("level", "internal")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

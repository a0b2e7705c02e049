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

mod admin;
mod estimates;
mod reference;
mod sign_in;

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
        for c in common::set_cookies(res.headers()) {
            common::keep_cookie(&mut self.cookies, &c);
        }
        let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        if let Some(token) = common::csrf_in(&body) {
            self.csrf = token;
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

//! First setup and signing in: the administrator created once, wrong passwords and lockout,
//! CSRF, a new session at sign-in, two-factor sign-in with recovery codes, and an
//! administrator requiring two factors.

use super::*;

/// The first-setup form's fields for the administrator amina, with `confirm` as the
/// repeated password.
fn setup_fields<'a>(token: &'a str, confirm: &'a str) -> [(&'a str, &'a str); 5] {
    [
        ("token", token),
        ("username", "amina"),
        ("display_name", "Amina"),
        ("password", PW),
        ("password_confirm", confirm),
    ]
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
        let r = br.submit("/setup", &setup_fields(&token, "other")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(accounts::count_users(&app.store).await.unwrap(), 0);
        let r = br.submit("/setup", &setup_fields(&token, PW)).await;
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
        let res = common::response(
            &app.router,
            common::bearer(&token, "GET", "/api/v1/me", None),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(br.get("/account").await.status, StatusCode::OK);
    }
}

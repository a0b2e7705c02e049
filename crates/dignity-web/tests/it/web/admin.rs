//! Roles enforced on pages and in the API; administrators manage users and read the audit
//! log; coordinators manage only their own teams.

use super::*;

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
        let res = common::response(
            &app.router,
            common::bearer(&token, "GET", "/api/v1/audit", None),
        )
        .await;
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

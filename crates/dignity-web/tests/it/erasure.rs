//! Erasing a person through the web (crypto-shredding, issue 16 item 7), on every backend:
//! only an administrator is offered and may use the erase form (a documenter is refused
//! and changes nothing), the box must be ticked, the person's page then shows the
//! translated *erased* state and no personal detail, the event stays, and the API answers
//! a second erasure as already done.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::search::Registry;
use dignity_store::testing::{backends, store};
use dignity_store::violations::{self as v, EventInput, PersonInput, Vocab};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common;
use common::{Browser, PW};

const NAME: &str = "Amaru Quispe Mamani";
const CONTACT: &str = "+51 999 123 456";

#[tokio::test]
async fn an_administrator_erases_a_person_and_the_page_shows_them_erased() {
    for b in backends() {
        let s = store(b).await;
        dignity_store::refdata::load_shipped(&s).await.unwrap();
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let adam = accounts::create(&mut tx, "adam", "", Role::Admin, PW)
            .await
            .unwrap();
        accounts::create(&mut tx, "dora", "", Role::Documenter, PW)
            .await
            .unwrap();
        let (_, token) = accounts::create_token(&mut tx, adam.id, "script")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let admin = accounts::actor_for(&s, &adam).await.unwrap();
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&admin).await.unwrap();
        let event = v::create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "Raid on the Hope Clinic".into(),
                start_date: "2024-03-05".into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let id = v::create_person(
            &mut tx,
            &vocab,
            &PersonInput {
                name: NAME.into(),
                contact: CONTACT.into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let state = dignity_web::AppState::new(s.store.clone(), Default::default());
        let state = dignity_web::search::attach(state, Registry::standard())
            .await
            .unwrap();
        let router = dignity_web::router(state);
        let page = format!("/violations/persons/{id}");
        let erase = format!("{page}/erase");

        // A documenter sees no erase form and is refused; nothing changes.
        let mut dora = Browser::new(&router);
        dora.login("dora").await;
        let r = dora.get(&page).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(NAME) && !r.body.contains(&erase), "{b:?}");
        let r = dora.submit(&erase, &[("confirm", "erase")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b:?}");
        assert!(dora.get(&page).await.body.contains(CONTACT));

        // The administrator is offered the form; without the box ticked nothing happens.
        let mut adm = Browser::new(&router);
        adm.login("adam").await;
        let r = adm.get(&page).await;
        assert!(r.body.contains(&format!("action=\"{erase}\"")), "{b:?}");
        assert!(r.body.contains("I understand that this cannot be undone"));
        let r = adm.submit(&erase, &[]).await;
        assert!(r.status.is_client_error(), "{b:?}: {}", r.status);
        assert!(adm.get(&page).await.body.contains(CONTACT));
        // Ticked: erased.
        let r = adm.submit(&erase, &[("confirm", "erase")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b:?}");
        assert!(
            r.location.contains("flash=vio_person_erased"),
            "{}",
            r.location
        );
        let r = adm.get(&r.location).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Erased person"), "{b:?}");
        assert!(r.body.contains("their personal details no longer exist"));
        assert!(!r.body.contains("Amaru") && !r.body.contains(CONTACT));
        assert!(
            !r.body.contains(&format!("action=\"{erase}\"")),
            "offered once only"
        );
        // In French too.
        let r = adm.get("/lang?to=fr&back=/").await;
        assert!(r.status.is_redirection());
        assert!(adm.get(&page).await.body.contains("Personne effacée"));
        // The event stays.
        let r = adm.get(&format!("/violations/events/{event}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Raid on the Hope Clinic"));

        // The API: the person reads as erased; a second erasure is answered as done.
        let call = |method: &str, path: &str| {
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap()
        };
        let res = router
            .clone()
            .oneshot(call("GET", &format!("/api/v1/violations/persons/{id}")))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let p: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(p["erased"], true, "{p}");
        assert_eq!(p["name"], "");
        let res = router
            .clone()
            .oneshot(call("POST", &format!("/api/v1{erase}")))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let e: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (e["erased"].clone(), e["already"].clone()),
            (true.into(), true.into())
        );
    }
}

//! Dashboards on the public portal, through the router, on every backend: an administrator
//! publishes the dashboard of a filter (CSRF-checked, audited), anyone opens it without
//! signing in, its counts are those of the anonymous visitor (a confidential act and an
//! unpublished public act never count), it is cacheable with an ETag, and unpublishing
//! removes it.

use crate::common;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use common::{csrf, get, post};
use dignity_core::Role;
use dignity_store::testing::{backends, TestStore};
use dignity_store::violations::*;
use dignity_store::{accounts, Backend};
use http_body_util::BodyExt;
use tower::ServiceExt;

const TORTURE: &str = "02011111000004";
const VICTIM: &str = "Ana Jovanović";

struct App {
    router: Router,
    store: TestStore,
    adam: String,
    dora: String,
    /// Events in Serbia, each with one act of torture.
    published: i64,
    unpublished: i64,
    confidential: i64,
    confidential_act: i64,
}

async fn app(b: Backend) -> App {
    let store = common::fresh_store(b).await;
    let (users, cookies): (Vec<_>, Vec<_>) =
        common::signed_in(&store, &[("adam", Role::Admin), ("dora", Role::Documenter)])
            .await
            .into_iter()
            .unzip();
    let dora = accounts::actor_for(&store, &users[1]).await.unwrap();
    let vocab = Vocab::load(&store).await.unwrap();
    let mut tx = store.begin(&dora).await.unwrap();
    let victim = common::internal_victim(&mut tx, &vocab, VICTIM).await;
    let mut ids = Vec::new();
    for (title, level, act_level, date) in [
        ("Arrests after the march", "public", "", "2025-03-05"),
        ("Beatings at the station", "public", "", "2024-06-01"),
        ("Secret detention site", "confidential", "", "2023-01-10"),
        (
            "Hidden ill-treatment",
            "public",
            "confidential",
            "2022-02-02",
        ),
    ] {
        let e = create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: title.into(),
                start_date: date.into(),
                country: Some("SRB".into()),
                confidentiality: level.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        common::add_act(&mut tx, &vocab, (e, victim), TORTURE, date, act_level).await;
        ids.push(e);
    }
    tx.commit().await.unwrap();
    let router = dignity_web::router(dignity_web::AppState::new(
        store.store.clone(),
        Default::default(),
    ));
    App {
        router,
        store,
        adam: cookies[0].clone(),
        dora: cookies[1].clone(),
        published: ids[0],
        unpublished: ids[1],
        confidential: ids[2],
        confidential_act: ids[3],
    }
}

async fn send(app: &App, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// An administrator publishes record `id` of `record_type` on the portal from its page
/// `back`, with the page's CSRF `token`: sent back to the page, which says it is published.
async fn published_from_page(
    app: &App,
    b: Backend,
    token: &str,
    (record_type, id): (&str, i64),
    back: &str,
) {
    let (s, h) = common::portal_publish(
        &app.router,
        &app.adam,
        format!("csrf_token={token}&record_type={record_type}&id={id}&action=publish&back={back}"),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b:?}");
    assert!(h[header::LOCATION].to_str().unwrap().starts_with(back));
    let (_, _, page) = send(app, get(back, &app.adam)).await;
    assert!(page.contains("Published on the portal since"), "{b:?}");
}

/// A form posted to `/dashboards/publish` with a session cookie: the status and the headers
/// of the answer.
async fn publish_dashboard(app: &App, cookie: &str, form: String) -> (StatusCode, HeaderMap) {
    let (status, headers, _) = send(app, post("/dashboards/publish", cookie, form)).await;
    (status, headers)
}

/// The number in the row of `label` of the table with id `table`.
fn table_count(page: &str, table: &str, label: &str) -> Option<i64> {
    let t = page.find(&format!("id=\"{table}\""))?;
    let end = t + page[t..].find("</table>")?;
    let rows = &page[t..end];
    let r = rows.find(&format!("<th scope=\"row\">{label}</th>"))?;
    let cell = &rows[r..];
    let i = cell.find("<td class=\"num\">")? + 16;
    cell[i..i + cell[i..].find('<')?].parse().ok()
}

#[tokio::test]
async fn an_administrator_publishes_a_dashboard_that_counts_only_public_published_acts() {
    for b in backends() {
        let app = app(b).await;
        // An administrator publishes the public event and the one with a confidential act
        // (which stays out: acts are published with their event only when public).
        let (_, _, page) = send(&app, get("/admin/portal", &app.adam)).await;
        let token = csrf(&page);
        for id in [app.published, app.confidential_act] {
            let (s, _) = common::portal_publish(
                &app.router,
                &app.adam,
                format!("csrf_token={token}&record_type=vio_events&id={id}&action=publish"),
            )
            .await;
            assert_eq!(s, StatusCode::SEE_OTHER, "{b:?}");
        }
        assert!(!dignity_store::portal::is_public(
            &app.store,
            dignity_core::RecordType::Event,
            app.unpublished
        )
        .await
        .unwrap());
        // A confidential event wrongly flagged published in the database.
        sqlx::query("UPDATE vio_events SET published = 1 WHERE id = $1")
            .bind(app.confidential)
            .execute(app.store.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE vio_acts SET published = 1 WHERE event_id = $1")
            .bind(app.confidential)
            .execute(app.store.pool())
            .await
            .unwrap();

        // The staff dashboard offers publishing to administrators only.
        let (s, _, page) = send(&app, get("/dashboards?country=SRB", &app.adam)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert!(page.contains("action=\"/dashboards/publish\""));
        assert!(page.contains("Not published on the portal."));
        assert!(
            page.contains("<strong>2 documented acts</strong>"),
            "the administrator's own view: the public acts, published or not"
        );
        let token = csrf(&page);
        let (_, _, dpage) = send(&app, get("/dashboards?country=SRB", &app.dora)).await;
        assert!(!dpage.contains("/dashboards/publish"));
        // Not by a documenter, nor without the form's token.
        let (s, _) = publish_dashboard(
            &app,
            &app.dora,
            format!(
                "csrf_token={}&title=Mine&filter=country%3DSRB",
                csrf(&dpage)
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) =
            publish_dashboard(&app, &app.adam, "title=Mine&filter=country%3DSRB".into()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // An empty title is refused, and nothing is published.
        let (s, _) = publish_dashboard(
            &app,
            &app.adam,
            format!("csrf_token={token}&title=+&filter=country%3DSRB"),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        let (s, h) = publish_dashboard(
            &app,
            &app.adam,
            format!("csrf_token={token}&title=Torture+in+Serbia&filter=country%3DSRB"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{b:?}");
        let loc = h[header::LOCATION].to_str().unwrap().to_string();
        assert_eq!(loc, "/public/dashboards/dashboard-torture-in-serbia");

        // Anyone opens it without signing in: one act (the published public one).
        let (s, h, page) = send(&app, get(&loc, "")).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert!(page.contains("Torture in Serbia"));
        // The filters are named for the visitor.
        let filters = &page[page.find("class=\"filters-summary\"").expect("the filters")..];
        assert!(
            filters[..filters.find("</dl>").unwrap()].contains("Serbia"),
            "{b:?}"
        );
        assert!(
            page.contains("<strong>1 documented acts</strong>"),
            "{page}"
        );
        assert_eq!(
            table_count(&page, "by-year-table", "2025"),
            Some(1),
            "{b:?}"
        );
        assert_eq!(
            table_count(&page, "by-year-table", "2024"),
            None,
            "unpublished"
        );
        assert_eq!(
            table_count(&page, "by-year-table", "2023"),
            None,
            "confidential"
        );
        assert_eq!(
            table_count(&page, "by-year-table", "2022"),
            None,
            "confidential act"
        );
        assert!(page.contains("data-iso3=\"SRB\""), "the map");
        for t in [
            "Arrests after the march",
            "Beatings at the station",
            "Secret detention site",
            "Hidden ill-treatment",
            VICTIM,
        ] {
            assert!(!page.contains(t), "{t}");
        }
        assert!(h.get(header::SET_COOKIE).is_none());
        assert!(h[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("public"));
        let tag = h[header::ETAG].to_str().unwrap().to_string();
        let (s, _, _) = send(
            &app,
            Request::get(&loc)
                .header(header::IF_NONE_MATCH, &tag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_MODIFIED);
        // A signed-in administrator sees exactly the public counts there.
        let (_, _, apage) = send(&app, get(&loc, &app.adam)).await;
        assert!(apage.contains("<strong>1 documented acts</strong>"));
        // It is listed on the portal, and the staff dashboard shows it is published.
        let (_, _, home) = send(&app, get("/public", "")).await;
        assert!(home.contains(&loc));
        let (_, _, page) = send(&app, get("/dashboards?country=SRB", &app.adam)).await;
        assert!(page.contains("Published on the portal since"), "{b:?}");
        assert!(page.contains(&format!("href=\"{loc}\"")));

        // Unpublishing the event takes its act out of the public counts at once.
        let (s, _) = common::portal_publish(
            &app.router,
            &app.adam,
            format!(
                "csrf_token={token}&record_type=vio_events&id={}&action=unpublish",
                app.published
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, h2, page) = send(&app, get(&loc, "")).await;
        assert_eq!(s, StatusCode::OK);
        assert_ne!(h2[header::ETAG].to_str().unwrap(), tag, "a new version");
        assert!(
            page.contains("<strong>0 documented acts</strong>"),
            "{page}"
        );

        // Unpublishing the dashboard removes it (audited).
        let id: i64 = sqlx::query_scalar("SELECT id FROM portal_dashboards")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        let (s, h, _) = send(
            &app,
            post(
                "/dashboards/unpublish",
                &app.adam,
                format!("csrf_token={token}&id={id}"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(h[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/dashboards?country=SRB&"));
        let (s, _, _) = send(&app, get(&loc, "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, _, home) = send(&app, get("/public", "")).await;
        assert!(!home.contains(&loc));
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('dashboard.publish', 'dashboard.unpublish')",
        )
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        assert_eq!(n, 2, "{b:?}");
    }
}

#[tokio::test]
async fn administrators_publish_and_unpublish_from_the_record_pages() {
    use dignity_store::protection::defenders::{create_defender, DefenderInput};
    for b in backends() {
        let app = app(b).await;
        let ev = format!("/violations/events/{}", app.unpublished);
        // The documenter sees no publishing panel.
        let (s, _, page) = send(&app, get(&ev, &app.dora)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert!(!page.contains("/admin/portal/publish"));
        // The administrator sees the state and a Publish button.
        let (s, _, page) = send(&app, get(&ev, &app.adam)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert!(page.contains("Not published on the portal."), "{b:?}");
        assert!(page.contains("name=\"action\" value=\"publish\""));
        let token = csrf(&page);
        // Without the form's token nothing happens.
        let (s, _) = common::portal_publish(
            &app.router,
            &app.adam,
            format!(
                "record_type=vio_events&id={}&action=publish&back={ev}",
                app.unpublished
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, h) = common::portal_publish(
            &app.router,
            &app.adam,
            format!(
                "csrf_token={token}&record_type=vio_events&id={}&action=publish&back={ev}",
                app.unpublished
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{b:?}");
        assert_eq!(
            h[header::LOCATION].to_str().unwrap(),
            format!("{ev}?flash=portal_published")
        );
        let (_, _, page) = send(&app, get(&ev, &app.adam)).await;
        assert!(page.contains("Published on the portal since"), "{b:?}");
        assert!(page.contains(&format!(
            "href=\"/public/records/vio_events/{}\"",
            app.unpublished
        )));
        assert!(page.contains("name=\"action\" value=\"unpublish\""));
        let public_page = format!("/public/records/vio_events/{}", app.unpublished);
        let (s, _, _) = send(&app, get(&public_page, "")).await;
        assert_eq!(s, StatusCode::OK);
        // A back address on another site is ignored.
        let (s, h) = common::portal_publish(
            &app.router,
            &app.adam,
            format!(
                "csrf_token={token}&record_type=vio_events&id={}&action=unpublish&back=//evil.example/x",
                app.unpublished
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(h[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/admin/portal?"));
        let (s, _, _) = send(&app, get(&public_page, "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE record_type = 'vio_events' AND record_id = $1 AND action IN ('record.publish', 'record.unpublish')",
        )
        .bind(app.unpublished.to_string())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        assert_eq!(n, 2, "{b:?}");

        // A confidential event: the panel says it cannot be published (dora made it; the
        // administrator is put on its list to open it).
        sqlx::query("UPDATE vio_events SET confidentiality = 'internal' WHERE id = $1")
            .bind(app.confidential)
            .execute(app.store.pool())
            .await
            .unwrap();
        let (_, _, page) = send(
            &app,
            get(
                &format!("/violations/events/{}", app.confidential),
                &app.adam,
            ),
        )
        .await;
        assert!(
            page.contains("Only records marked public can be published on the portal."),
            "{b:?}"
        );
        assert!(!page.contains("name=\"action\" value=\"publish\""));

        // A defender without consent cannot be published; with it, they can.
        let dora = common::actor_of(&app.store, "dora").await;
        let vocab = Vocab::load(&app.store).await.unwrap();
        let def = app
            .store
            .write(&dora, async |tx| {
                create_defender(
                    tx,
                    &vocab,
                    &DefenderInput {
                        person: dignity_store::protection::NewPerson {
                            name: "Marija Petrović".into(),
                            age_group: "adult".into(),
                            ..Default::default()
                        },
                        profile: dignity_store::protection::defenders::DefenderProfile {
                            country: Some("SRB".into()),
                            sdg_status: "hrd".into(),
                            ..Default::default()
                        },
                        confidentiality: "public".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap();
        let dp = format!("/protection/defenders/{def}");
        let (s, _, page) = send(&app, get(&dp, &app.adam)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert!(page.contains("has not consented to publication"), "{b:?}");
        assert!(!page.contains("name=\"action\" value=\"publish\""));
        let (s, _) = common::portal_publish(
            &app.router,
            &app.adam,
            format!(
                "csrf_token={token}&record_type=pro_defenders&id={def}&action=publish&back={dp}"
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        sqlx::query("UPDATE pro_defenders SET memorial_consent = 1 WHERE id = $1")
            .bind(def)
            .execute(app.store.pool())
            .await
            .unwrap();
        let (_, _, page) = send(&app, get(&dp, &app.adam)).await;
        assert!(page.contains("name=\"action\" value=\"publish\""), "{b:?}");
        published_from_page(&app, b, &token, ("pro_defenders", def), &dp).await;
        // The public page never shows the name.
        let (s, _, page) = send(
            &app,
            get(&format!("/public/records/pro_defenders/{def}"), ""),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(!page.contains("Marija Petrović"));
    }
}

#[tokio::test]
async fn the_latest_implementation_assessment_is_published_from_the_recommendation_page() {
    use dignity_store::obligations::{recs, tracking};
    for b in backends() {
        let app = app(b).await;
        let adam = common::actor_of(&app.store, "adam").await;
        let mut tx = app.store.begin(&adam).await.unwrap();
        let rec = recs::create(
            &mut tx,
            recs::NewRecommendation {
                iso3: "SRB".into(),
                body: "CAT".into(),
                text: "Investigate all allegations of torture promptly.".into(),
                document_symbol: "CAT/C/SRB/CO/3".into(),
                paragraph: "9".into(),
                date: "2021-05-20".into(),
                ..Default::default()
            }
            .into_input()
            .unwrap(),
        )
        .await
        .unwrap();
        let a = tracking::assess(
            &mut tx,
            tracking::Target::Recommendation(rec),
            &tracking::Assessment {
                id: 0,
                status: "in_progress".into(),
                assessed_on: "2025-01-10".into(),
                narrative: "A law was drafted.".into(),
                evidence: String::new(),
                confidentiality: Some("public".into()),
                published: false,
                by: None,
                via_cluster: false,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let path = format!("/obligations/recommendations/{rec}");
        let (s, _, page) = send(&app, get(&path, &app.adam)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert!(
            page.contains("Public portal — Implementation assessment"),
            "{b:?}"
        );
        assert!(page.contains("Not published on the portal."));
        let token = csrf(&page);
        published_from_page(&app, b, &token, ("rec_assessments", a), &path).await;
        let (_, _, page) = send(&app, get(&path, &app.dora)).await;
        assert!(!page.contains("Public portal —"));
    }
}

#[tokio::test]
async fn administrators_choose_the_country_profiles_on_the_portal() {
    for b in backends() {
        let app = app(b).await;
        let country = "/obligations/countries/SRB";
        // Not on the portal until chosen: the public page is not found, nor listed.
        let (s, _, _) = send(&app, get("/public/countries/SRB", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b:?}");
        // The documenter sees no panel and cannot publish.
        let (_, _, page) = send(&app, get(country, &app.dora)).await;
        assert!(!page.contains("/admin/portal/countries/SRB"), "{b:?}");
        let token = csrf(&page);
        let (s, _, _) = send(
            &app,
            post(
                "/admin/portal/countries/SRB",
                &app.dora,
                format!("csrf_token={token}&action=publish"),
            ),
        )
        .await;
        assert!(s.is_client_error(), "{b:?}: a documenter publishes: {s}");
        // The administrator: state, then Publish (without the form's token, nothing).
        let (_, _, page) = send(&app, get(country, &app.adam)).await;
        assert!(page.contains("Public portal — country profile"), "{b:?}");
        assert!(page.contains("Not published on the portal."));
        let (s, _, _) = send(
            &app,
            post(
                "/admin/portal/countries/SRB",
                &app.adam,
                "action=publish".into(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let token = csrf(&page);
        let (s, h, _) = send(
            &app,
            post(
                "/admin/portal/countries/SRB",
                &app.adam,
                format!("csrf_token={token}&action=publish"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{b:?}");
        assert!(h[header::LOCATION].to_str().unwrap().starts_with(country));
        let (s, _, public) = send(&app, get("/public/countries/SRB", "")).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert!(public.contains("Serbia"));
        let (_, _, home) = send(&app, get("/public", "")).await;
        assert!(home.contains("/public/countries/SRB") && !home.contains("/public/countries/FRA"));
        let (_, _, page) = send(&app, get(country, &app.adam)).await;
        assert!(page.contains("Published on the portal since"), "{b:?}");
        // An unknown State is refused and nothing is written.
        let (s, _, _) = send(
            &app,
            post(
                "/admin/portal/countries/XXX",
                &app.adam,
                format!("csrf_token={}&action=publish", csrf(&page)),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Unpublished: gone from the portal; both changes are in the audit log.
        let (s, _, _) = send(
            &app,
            post(
                "/admin/portal/countries/SRB",
                &app.adam,
                format!("csrf_token={}&action=unpublish", csrf(&page)),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, _, _) = send(&app, get("/public/countries/SRB", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE record_type = 'portal_countries' ORDER BY seq",
        )
        .fetch_all(app.store.pool())
        .await
        .unwrap();
        assert_eq!(actions, ["country.publish", "country.unpublish"], "{b:?}");
    }
}

#[tokio::test]
async fn a_refused_publication_is_explained_in_the_readers_language() {
    for b in backends() {
        let app = app(b).await;
        let fr = format!("{}; lang=fr", app.adam);
        let (_, _, page) = send(&app, get("/admin/portal", &fr)).await;
        let token = csrf(&page);
        // A record type that cannot be published: 422 (as every refused rule), in French.
        let (s, _, page) = send(
            &app,
            post(
                "/admin/portal/publish",
                &fr,
                format!("csrf_token={token}&record_type=accounts&id=1&action=publish"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(
            page.contains("les fiches de ce type ne peuvent pas être publiées"),
            "{b:?}: {page}"
        );
        assert!(!page.contains("records of this type cannot be published"));
        // A dashboard without a title: 422, in French.
        let (s, _, page) = send(
            &app,
            post(
                "/dashboards/publish",
                &fr,
                format!("csrf_token={token}&title=+&filter=country%3DSRB"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(page.contains("un titre compte de 1 à"), "{b:?}: {page}");
        assert!(!page.contains("a title is 1 to"));
    }
}

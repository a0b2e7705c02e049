//! The public portal shows only published public records, after an administrator's review.

use super::*;

#[tokio::test]
async fn public_portal_shows_only_published_public_records() {
    for b in backends() {
        let app = app(b).await;
        // An administrator reviews, then publishes the public event.
        let (s, _, body) = send(
            &app,
            get(
                &format!(
                    "/admin/portal/publish?record_type=vio_events&id={}&action=publish",
                    app.public
                ),
                &app.adam,
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        let page = String::from_utf8(body).unwrap();
        assert!(
            page.contains("Arrests after the Belgrade march"),
            "the confirmation names it"
        );
        let token = csrf(&page);
        let (s, h) = common::portal_publish(
            &app.router,
            &app.adam,
            format!(
                "csrf_token={token}&record_type=vio_events&id={}&action=publish",
                app.public
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(h[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("portal_published"));
        // Internal and confidential records cannot be published.
        for id in [app.internal, app.confidential] {
            let (s, _) = common::portal_publish(
                &app.router,
                &app.adam,
                format!("csrf_token={token}&record_type=vio_events&id={id}&action=publish"),
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        }
        // Nor by anyone but an administrator.
        let (s, _) = common::portal_publish(
            &app.router,
            &app.dora,
            format!(
                "csrf_token=x&record_type=vio_events&id={}&action=publish",
                app.public
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Even a confidential record flagged published in the database stays off the
        // public pages.
        sqlx::query("UPDATE vio_events SET published = 1 WHERE id = $1 OR id = $2")
            .bind(app.confidential)
            .bind(app.strict)
            .execute(app.store.pool())
            .await
            .unwrap();

        // A report snapshot.
        let adam = common::actor_of(&app.store, "adam").await;
        app.store
            .write(&adam, async |tx| {
                dignity_store::portal::publish_snapshot(
                    tx,
                    "report",
                    "annual-2025",
                    "Annual report 2025",
                    "en",
                    "<p>Forty cases documented.</p>",
                )
                .await
            })
            .await
            .unwrap();

        // A country profile is on the portal only once an administrator publishes it.
        let (s, _, _) = send(&app, get("/public/countries/SRB", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b:?}: not published yet");
        let (_, _, home) = send(&app, get("/public", "")).await;
        assert!(!String::from_utf8(home)
            .unwrap()
            .contains("/public/countries/SRB"));
        for iso3 in ["SRB", "SYR"] {
            app.store
                .write(&adam, async |tx| {
                    dignity_store::portal::set_country_published(tx, iso3, true).await
                })
                .await
                .unwrap();
        }
        let (_, _, home) = send(&app, get("/public", "")).await;
        let home = String::from_utf8(home).unwrap();
        assert!(home.contains("/public/countries/SRB") && !home.contains("/public/countries/FRA"));
        let (s, _, _) = send(&app, get("/public/countries/FRA", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b:?}: France was not published");

        // Every public page, without signing in: the published event, never the others.
        let pages = [
            "/public".to_string(),
            format!("/public/records/vio_events/{}", app.public),
            "/public/countries/SRB".to_string(),
            "/public/countries/SYR".to_string(),
            "/public/publications/annual-2025".to_string(),
        ];
        for p in &pages {
            let (s, h, body) = send(&app, get(p, "")).await;
            assert_eq!(s, StatusCode::OK, "{b:?} {p}");
            let text = String::from_utf8(body).unwrap();
            for t in SECRET_TITLES
                .iter()
                .chain(["Raid on the Hope Clinic"].iter())
            {
                assert!(!text.contains(t), "{p} shows {t}");
            }
            for n in NAMES {
                assert!(!text.contains(n), "{p} shows the name {n}");
            }
            assert!(h.get(header::SET_COOKIE).is_none(), "{p} sets a cookie");
            let cc = h[header::CACHE_CONTROL].to_str().unwrap();
            assert!(cc.starts_with("public, max-age="), "{p}: {cc}");
            // Revalidation: the same ETag answers 304 without a body.
            let tag = h[header::ETAG].to_str().unwrap().to_string();
            let req = Request::get(p.as_str())
                .header(header::IF_NONE_MATCH, &tag)
                .body(Body::empty())
                .unwrap();
            let (s, _, body) = send(&app, req).await;
            assert_eq!(s, StatusCode::NOT_MODIFIED, "{p}");
            assert!(body.is_empty());
        }
        // Serbia: a UN treaty party per the shipped status data; no source covers its
        // Protocol No. 16 to the ECHR, which the page must not present as "not a party".
        let (_, _, body) = send(&app, get("/public/countries/SRB", "")).await;
        let srb = String::from_utf8(body).unwrap();
        let row = |code: &str| {
            let at = srb
                .find(&format!(">{code}</abbr>"))
                .unwrap_or_else(|| panic!("{code} row"));
            srb[at..].split("</tr>").next().unwrap().to_string()
        };
        assert!(row("CAT").contains("Party"), "{}", row("CAT"));
        assert!(
            row("ECHR-P16").contains("No information"),
            "{}",
            row("ECHR-P16")
        );
        assert!(!row("ECHR-P16").contains("Not a party"));
        let (_, _, body) = send(&app, get("/public", "")).await;
        let home = String::from_utf8(body).unwrap();
        assert!(home.contains("Arrests after the Belgrade march"));
        assert!(home.contains("Annual report 2025"));
        assert!(home.contains("(1)"), "one published event counted");
        let (_, _, body) = send(&app, get("/public/publications/annual-2025", "")).await;
        assert!(String::from_utf8(body)
            .unwrap()
            .contains("Forty cases documented."));
        // A signed-in officer sees the same public page (nothing of theirs in it).
        let (_, _, body) = send(&app, get("/public", &app.dora)).await;
        let as_dora = String::from_utf8(body).unwrap();
        assert!(!as_dora.contains("dora") && !as_dora.contains("/logout"));
        for id in [app.internal, app.confidential, app.strict] {
            let (s, _, body) =
                send(&app, get(&format!("/public/records/vio_events/{id}"), "")).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{b:?} {id}");
            let text = String::from_utf8(body).unwrap();
            for t in SECRET_TITLES {
                assert!(!text.contains(t));
            }
        }
        let (s, _, _) = send(&app, get("/public/records/vio_persons/1", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Unpublish: gone from the public pages; both changes audited by the admin.
        let (s, _) = common::portal_publish(
            &app.router,
            &app.adam,
            format!(
                "csrf_token={token}&record_type=vio_events&id={}&action=unpublish",
                app.public
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, _, _) = send(
            &app,
            get(&format!("/public/records/vio_events/{}", app.public), ""),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, _, body) = send(&app, get("/public", "")).await;
        assert!(!String::from_utf8(body)
            .unwrap()
            .contains("Arrests after the Belgrade march"));
        let audited: Vec<(String, String, Option<i64>)> = sqlx::query(
            "SELECT action, record_id, actor_id FROM audit_log WHERE action IN ('record.publish', 'record.unpublish', 'publication.publish') ORDER BY seq",
        )
        .fetch_all(app.store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
        let pid = app.public.to_string();
        assert_eq!(audited.len(), 3, "{audited:?}");
        assert_eq!(
            (audited[0].0.as_str(), audited[0].1.as_str()),
            ("record.publish", pid.as_str())
        );
        assert_eq!(audited[1].0, "publication.publish");
        assert_eq!(
            (audited[2].0.as_str(), audited[2].1.as_str()),
            ("record.unpublish", pid.as_str())
        );
        assert!(audited.iter().all(|a| a.2 == Some(adam.user_id.unwrap())));
    }
}

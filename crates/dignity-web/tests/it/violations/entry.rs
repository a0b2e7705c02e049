//! Entering a case and who sees it: the entry flow with duplicate warnings and drafts,
//! confidentiality on pages and in the API, and the lens counters per reader.

use super::*;

/// The entry form's fields that save a second raid (torture) on `victim`.
fn second_raid(victim: &str) -> [(&str, &str); 4] {
    [
        ("action", "save"),
        ("title", "Second raid"),
        ("act_type", TORTURE),
        ("victim_name", victim),
    ]
}

#[tokio::test]
async fn a_field_officer_documents_a_case_in_one_flow() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        app.user("ana", Role::Analyst).await;
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let form = br.get("/violations/new").await;
        assert_eq!(form.status, StatusCode::OK, "{b:?}");
        assert!(form.body.contains("<datalist id=\"people-list\">"));
        // A draft first.
        let r = br
            .submit(
                "/violations/new",
                &[
                    ("action", "draft"),
                    ("title", "Raid on the clinic"),
                    ("victim_name", "Amaru Quispe"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location.contains("draft="), "{}", r.location);
        let d = br.get(&r.location).await;
        assert!(d.body.contains("value=\"Raid on the clinic\""));
        let draft_id = r
            .location
            .split("draft=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_string();
        // A bad date: the form comes back with the problem, nothing saved.
        let fields = vec![
            ("action", "save"),
            ("draft_id", draft_id.as_str()),
            ("title", "Raid on the clinic"),
            ("start_date", "2024-03-05"),
            ("end_date", "2024-02-01"),
            ("country", "PER"),
            ("act_type", ARREST),
            ("victim_name", "Amaru Quispe"),
            ("perp_name", "Special Operations Unit"),
            ("source_name", "Killa Huaman"),
        ];
        let r = br.submit("/violations/new", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("before the start"), "{}", r.body);
        assert_eq!(count(&app.store, "vio_events").await, 0);
        let mut fields = fields;
        fields[4] = ("end_date", "2024-03-07");
        let r = br.submit("/violations/new", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let event_url = r.location.split('?').next().unwrap().to_string();
        let page = br.get(&event_url).await;
        assert!(
            page.body.contains("Amaru Quispe") && page.body.contains("Special Operations Unit"),
            "{b:?}"
        );
        assert_eq!(
            count(&app.store, "vio_drafts").await,
            0,
            "the draft is gone once saved"
        );
        // The same victim again: a duplicate warning, then the user picks the existing person.
        let r = br
            .submit("/violations/new", &second_raid("QUISPE amaru"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("may already be recorded"), "{}", r.body);
        let pick = format!(
            "#{} — Amaru Quispe",
            r.body
                .split("/violations/persons/")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
        );
        let r = br.submit("/violations/new", &second_raid(&pick)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            count(&app.store, "vio_persons").await,
            3,
            "victim, perpetrator, source: no duplicate"
        );
        // Add an act on the event page; an act without a victim is refused with a message.
        let event_id = event_url.rsplit('/').next().unwrap();
        let r = br
            .submit(
                &format!("/violations/events/{event_id}/acts"),
                &[("act_type", TORTURE)],
            )
            .await;
        assert!(
            r.location.contains("problem_field=victim_id"),
            "{}",
            r.location
        );
        let shown = br.get(&r.location).await;
        assert!(shown.body.contains("an act needs a victim"));
        let r = br
            .submit(
                &format!("/violations/events/{event_id}/acts"),
                &[
                    ("act_type", TORTURE),
                    ("victim_name", &pick),
                    ("statements_signed", "01000000000036"),
                ],
            )
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        // The analyst sees the event, but neither the (confidential) victim nor the act
        // that would disclose them (a record is visible only with what it discloses).
        let mut an = Browser::new(&app.router);
        an.login("ana").await;
        let page = an.get(&event_url).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("Amaru"), "{b:?}: analyst sees no name");
        assert!(
            !page.body.contains("Add an act"),
            "no write forms for analysts"
        );
    }
}

#[tokio::test]
async fn a_confidential_act_is_invisible_in_every_channel() {
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ana) = app.user("ana", Role::Analyst).await;
        let (s, ev) = app.api(&dora, "POST", "/api/v1/violations/events", Some(serde_json::json!({"title": "Detention wave", "country": "SYR", "start_date": "2024-01"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{ev}");
        let ev = ev["id"].as_i64().unwrap();
        let (_, p) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/persons",
                Some(serde_json::json!({"name": "Omar Haddad", "confidentiality": "internal"})),
            )
            .await;
        let p = p["id"].as_i64().unwrap();
        let (s, open) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/acts",
                Some(serde_json::json!({"event_id": ev, "victim_id": p, "act_type": ARREST})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{open}");
        let (s, secret) = app
            .api(&dora, "POST", "/api/v1/violations/acts", Some(serde_json::json!({"event_id": ev, "victim_id": p, "act_type": TORTURE, "confidentiality": "confidential"})))
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let secret = secret["id"].as_i64().unwrap();
        // Bad input through the API: clear errors naming the field.
        let (s, e) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/acts",
                Some(serde_json::json!({"event_id": ev, "act_type": ARREST})),
            )
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("victim_id"))
        );
        let (s, e) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/acts",
                Some(serde_json::json!({"event_id": ev, "victim_id": p, "act_type": "123"})),
            )
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("act_type"))
        );
        // The documenter (creator) sees both; the analyst only the open one.
        for (tok, n) in [(&dora, 2), (&ana, 1)] {
            let (_, list) = app.api(tok, "GET", "/api/v1/violations/acts", None).await;
            assert_eq!(list["total"], n, "{b:?} list");
            let (_, acts) = app
                .api(
                    tok,
                    "GET",
                    &format!("/api/v1/violations/events/{ev}/acts"),
                    None,
                )
                .await;
            assert_eq!(acts["total"], n, "event acts");
            let (_, evs) = app.api(tok, "GET", "/api/v1/violations/events", None).await;
            assert_eq!(evs["items"][0]["acts"], n, "act counter");
            let (_, lens) = app.api(tok, "GET", "/api/v1/violations/lenses", None).await;
            let torture = lens
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["lens"] == "torture")
                .unwrap()
                .clone();
            assert_eq!(
                torture["events"], 0,
                "a restricted act puts no lens tag on its event"
            );
            let (_, case) = app
                .api(
                    tok,
                    "GET",
                    &format!("/api/v1/violations/events/{ev}/case"),
                    None,
                )
                .await;
            assert_eq!(
                case["acts"].as_array().map(|a| a.len()),
                Some(n as usize),
                "export"
            );
        }
        let (s, _) = app
            .get(&ana, &format!("/api/v1/violations/acts/{secret}"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "API record");
        let mut an = Browser::new(&app.router);
        an.login("ana").await;
        assert_eq!(
            an.get(&format!("/violations/acts/{secret}")).await.status,
            StatusCode::NOT_FOUND,
            "page"
        );
        let page = an.get(&format!("/violations/events/{ev}")).await;
        assert!(
            !page.body.contains(&format!("/violations/acts/{secret}\"")),
            "event page"
        );
        let lens = an.get("/violations/lenses/torture").await;
        assert!(lens.body.contains("card-number\">0<"), "lens page counts");
        // The person is internal: the analyst reads it, but gets a pseudonym from the API.
        let (_, person) = app
            .get(&ana, &format!("/api/v1/violations/persons/{p}"))
            .await;
        assert!(
            person["name"].as_str().unwrap().starts_with("P-"),
            "{person}"
        );
        let (_, person) = app
            .get(&dora, &format!("/api/v1/violations/persons/{p}"))
            .await;
        assert_eq!(person["name"], "Omar Haddad");
        // Without a token: 401.
        let (s, _, _) = app
            .call(
                Request::get("/api/v1/violations/events")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn lens_counters_follow_every_change_and_each_readers_access() {
    use serde_json::json;
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ana) = app.user("ana", Role::Analyst).await;
        let torture = |lens: &serde_json::Value| {
            lens.as_array()
                .unwrap()
                .iter()
                .find(|l| l["lens"] == "torture")
                .map(|l| l["events"].as_i64().unwrap())
                .unwrap()
        };
        let mut home = Browser::new(&app.router);
        home.login("ana").await;
        let row = |n: i64| {
            format!("<a href=\"/violations/lenses/torture\">Torture and ill-treatment</a></th><td class=\"num\">{n}</td>")
        };
        for (i, level) in ["internal", "confidential", "internal"].iter().enumerate() {
            let (s, _) = app
                .api(&dora, "POST", "/api/v1/violations/events", Some(json!({"title": format!("Beating {i}"), "lenses": ["torture"], "confidentiality": level})))
                .await;
            assert_eq!(s, StatusCode::CREATED);
            // Read twice: the second answer comes from the counters kept since the change,
            // and must equal a fresh count.
            for _ in 0..2 {
                let (_, d) = app
                    .api(&dora, "GET", "/api/v1/violations/lenses", None)
                    .await;
                let (_, a) = app
                    .api(&ana, "GET", "/api/v1/violations/lenses", None)
                    .await;
                let open = [1, 1, 2][i];
                assert_eq!(
                    (torture(&d), torture(&a)),
                    (i as i64 + 1, open),
                    "{b:?} after event {i}"
                );
                let page = home.get("/violations").await;
                assert!(page.body.contains(&row(open)), "{b:?}: home counter {open}");
            }
        }
        // An edit that removes the lens is counted at once as well.
        let id = one_i64(&app.store, "SELECT MIN(id) FROM vio_events").await;
        let (s, _, _) = app
            .api_h(
                &dora,
                "PATCH",
                &format!("/api/v1/violations/events/{id}"),
                &[],
                json!({"lenses": []}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, a) = app
            .api(&ana, "GET", "/api/v1/violations/lenses", None)
            .await;
        assert_eq!(torture(&a), 1);
        assert!(home.get("/violations").await.body.contains(&row(1)));
    }
}

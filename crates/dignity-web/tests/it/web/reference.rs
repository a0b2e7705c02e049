//! Languages (from the browser, switchable, right to left), the reference API with the
//! OpenAPI document, and vocabularies edited in every language.

use super::*;

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

/// The page body with the templates' HTML escapes undone (names carry `'` and `&`).
fn unescaped(body: &str) -> String {
    body.replace("&#x2f;", "/")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The names the countries page and the API show are the shipped data's (UNTERM short
/// names without footnote marks), in each of the five languages (issue 17 item 5).
#[tokio::test]
async fn country_names_shown_come_from_the_data() {
    let shipped = dignity_core::refdata::parse_shipped().unwrap().countries;
    for b in backends() {
        let app = app(b).await;
        for lang in ["en", "fr", "es", "ar", "ru"] {
            let mut br = Browser::new(&app);
            br.get(&format!("/lang?to={lang}&back=/countries")).await;
            let r = br.get("/countries").await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {lang}");
            let body = unescaped(&r.body);
            for c in &shipped {
                assert!(
                    body.contains(c.name(lang)),
                    "{b:?} {lang}: {} {:?}",
                    c.iso3,
                    c.name(lang)
                );
            }
            assert!(
                !body.contains(" *<") && !body.contains("**"),
                "{b:?} {lang}: a footnote mark"
            );
            assert!(!body.contains("Ivory Coast"), "{b:?} {lang}");
            let res = app
                .router
                .clone()
                .oneshot(
                    Request::get(format!("/api/v1/countries?lang={lang}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let v: serde_json::Value =
                serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes())
                    .unwrap();
            for c in v.as_array().unwrap() {
                let iso3 = c["iso3"].as_str().unwrap();
                let want = shipped.iter().find(|s| s.iso3 == iso3).unwrap().name(lang);
                assert_eq!(c["name"], want, "{b:?} {lang} {iso3}");
            }
        }
    }
}

/// Every vocabulary shows its source and the version of the shipped file, on the pages and
/// in the API; the placeholder lists of the OpenEvSys copy are gone (issue 17 item 9).
#[tokio::test]
async fn vocabularies_show_their_source_and_version() {
    let version = dignity_core::refdata::parse_shipped()
        .unwrap()
        .manifest
        .version_of("huridocs_thesauri")
        .unwrap();
    for b in backends() {
        let app = app(b).await;
        app.user("omar", Role::Analyst).await;
        let mut br = Browser::new(&app);
        br.login("omar", PW).await;
        let r = br.get("/vocabularies").await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}");
        let body = unescaped(&r.body);
        assert!(
            body.contains("HURIDOCS micro-thesauri (Events Standard Formats)"),
            "{b:?}"
        );
        assert!(
            body.contains("OpenEvSys: a list HURIDOCS added"),
            "{b:?}: list 68"
        );
        assert!(
            body.contains(&format!(
                "Version {version} of the shipped file, loaded on "
            )),
            "{b:?}"
        );
        for placeholder in [
            "/vocabularies/80\"",
            "/vocabularies/90\"",
            "/vocabularies/91\"",
            "/vocabularies/92\"",
        ] {
            assert!(!body.contains(placeholder), "{b:?}: {placeholder}");
        }
        assert_eq!(
            br.get("/vocabularies/90").await.status,
            StatusCode::NOT_FOUND
        );
        br.get("/lang?to=fr&back=/vocabularies/4").await;
        let r = br.get("/vocabularies/4").await;
        let body = unescaped(&r.body);
        assert!(body.contains("Micro-thésaurus HURIDOCS"), "{b:?}");
        assert!(
            body.contains(&format!("Version {version} du fichier livré")),
            "{b:?}"
        );
        let token = app.token(&app.user("lea", Role::Analyst).await).await;
        let res = app
            .router
            .clone()
            .oneshot(
                Request::get("/api/v1/vocabularies")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{b:?}");
        let v: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        let lists = v.as_array().unwrap();
        assert_eq!(lists.len(), 50, "{b:?}");
        for l in lists {
            assert!(
                ["HURIDOCS", "OpenEvSys"].contains(&l["source"].as_str().unwrap()),
                "{l}"
            );
            assert_eq!(l["version"], version.to_string(), "{l}");
        }
    }
}

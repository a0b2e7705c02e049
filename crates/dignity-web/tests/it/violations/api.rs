//! Editing records through the API (validation, versions, audit) and the OpenAPI document.

use super::*;

#[tokio::test]
async fn records_are_edited_through_the_api_with_validation_versions_and_audit() {
    use serde_json::json;
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ana) = app.user("ana", Role::Analyst).await;
        let (_, dan) = app.user("dan", Role::Documenter).await;
        let code = |list: i64| {
            format!("SELECT vocab_number FROM vocab_terms WHERE list_number = {list} ORDER BY sort_order LIMIT 1")
        };
        let degree = one_text(&app.store, &code(18)).await;
        let reliability = one_text(&app.store, &code(42)).await;
        let post = |path: &'static str, body: serde_json::Value| {
            let app = &app;
            let dora = dora.clone();
            async move {
                let (s, r) = app.api(&dora, "POST", path, Some(body)).await;
                assert_eq!(s, StatusCode::CREATED, "{path}: {r}");
                r["id"].as_i64().unwrap()
            }
        };
        let ev = post("/api/v1/violations/events", json!({"title": "Night raid", "country": "PER", "start_date": "2024-03", "description": "Soldiers entered the village."})).await;
        let victim = post(
            "/api/v1/violations/persons",
            json!({"name": "Amaru Quispe", "sex": null}),
        )
        .await;
        let soldier = post("/api/v1/violations/persons", json!({"name": "Captain R."})).await;
        let source = post("/api/v1/violations/persons", json!({"name": "Rosa Mamani"})).await;
        let act = post("/api/v1/violations/acts", json!({"event_id": ev, "victim_id": victim, "act_type": ARREST, "perpetrators": [{"perpetrator_id": soldier}]})).await;
        let inv = one_i64(
            &app.store,
            &format!("SELECT id FROM vio_involvements WHERE act_id = {act}"),
        )
        .await;
        let info = post(
            "/api/v1/violations/information",
            json!({"source_id": source, "event_id": ev, "info_date": "2024-03-05"}),
        )
        .await;

        // One case per record type: a good PATCH, a refused field, a stale write, a PUT.
        struct Case {
            path: String,
            good: serde_json::Value,
            bad: serde_json::Value,
            bad_field: &'static str,
            put: serde_json::Value,
            check: (&'static str, i64),
            expect: &'static str,
            audit: &'static str,
            audit_id: i64,
        }
        let cases = [
            Case {
                path: format!("/api/v1/violations/events/{ev}"),
                good: json!({"title": "Night raid on Accomarca"}),
                bad: json!({"start_date": "2024-05", "end_date": "2024-01"}),
                bad_field: "end_date",
                put: json!({"title": "Raid (replaced)", "country": "PER"}),
                check: ("vio_events.title", ev),
                expect: "Raid (replaced)",
                audit: "event.update",
                audit_id: ev,
            },
            Case {
                path: format!("/api/v1/violations/acts/{act}"),
                good: json!({"act_type": TORTURE, "start_date": "2024-03-02"}),
                bad: json!({"act_type": "123"}),
                bad_field: "act_type",
                put: json!({"victim_id": victim, "act_type": ARREST, "property_value": "none"}),
                check: ("vio_acts.property_value", act),
                expect: "none",
                audit: "act.update",
                audit_id: act,
            },
            Case {
                path: format!("/api/v1/violations/persons/{victim}"),
                good: json!({"gender": "man", "birth_date": "1990"}),
                bad: json!({"birth_date": "the nineties"}),
                bad_field: "birth_date",
                put: json!({"name": "Amaru Quispe Huamán", "age_group": "adult"}),
                check: ("vio_persons.age_group", victim),
                expect: "adult",
                audit: "person.update",
                audit_id: victim,
            },
            Case {
                path: format!("/api/v1/violations/involvements/{inv}"),
                good: json!({"degree": degree}),
                bad: json!({"degree": "nonsense"}),
                bad_field: "degree",
                put: json!({"perpetrator_id": soldier, "degree": degree}),
                check: ("vio_involvements.degree", inv),
                expect: "",
                audit: "involvement.update",
                audit_id: act,
            },
            Case {
                path: format!("/api/v1/violations/information/{info}"),
                good: json!({"reliability": reliability, "act_id": act}),
                bad: json!({"info_date": "2024-13-45"}),
                bad_field: "info_date",
                put: json!({"source_id": source, "info_date": "2024-03-06", "remarks": "Met in person."}),
                check: ("vio_information.info_date", info),
                expect: "2024-03-06",
                audit: "information.update",
                audit_id: ev,
            },
        ];
        for c in &cases {
            let v0 = app.etag(&dora, &c.path).await;
            // A refused field: 422 naming it, nothing written, the version unchanged.
            let audits = count(&app.store, "audit_log").await;
            let (s, e, _) = app
                .api_h(
                    &dora,
                    "PATCH",
                    &c.path,
                    &[("If-Match", &format!("\"{v0}\""))],
                    c.bad.clone(),
                )
                .await;
            assert_eq!(
                (s, e["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(c.bad_field)),
                "{} {b:?}: {e}",
                c.path
            );
            assert_eq!(app.etag(&dora, &c.path).await, v0, "{} unchanged", c.path);
            // An unknown field and a value of the wrong shape are named too.
            let (s, e, _) = app
                .api_h(&dora, "PATCH", &c.path, &[], json!({"colour": "red"}))
                .await;
            assert_eq!(
                (s, e["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("colour"))
            );
            let (s, e, _) = app
                .api_h(&dora, "PATCH", &c.path, &[], json!({"confidentiality": 3}))
                .await;
            assert_eq!(
                (s, e["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("confidentiality"))
            );
            assert_eq!(count(&app.store, "audit_log").await, audits, "{}", c.path);

            // A good change with the version read: 200, a new version, audited.
            let (s, r, etag) = app
                .api_h(
                    &dora,
                    "PATCH",
                    &c.path,
                    &[("If-Match", &format!("\"{v0}\""))],
                    c.good.clone(),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{} {b:?}: {r}", c.path);
            let v1 = r["version"].as_str().unwrap().to_string();
            assert_ne!(v1, v0);
            assert_eq!(etag, v1);
            assert_eq!(app.etag(&dora, &c.path).await, v1);
            assert_eq!(
                one_i64(
                    &app.store,
                    &format!(
                        "SELECT COUNT(*) FROM audit_log WHERE action = '{}' AND record_id = '{}'",
                        c.audit, c.audit_id
                    )
                )
                .await,
                1,
                "{} audited",
                c.path
            );
            // A stale write (the version before that change) is refused: 409, nothing written.
            let audits = count(&app.store, "audit_log").await;
            let mut stale = c.put.clone();
            stale["version"] = json!(v0);
            let (s, e, _) = app.api_h(&dora, "PUT", &c.path, &[], stale).await;
            assert_eq!(
                (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
                (StatusCode::CONFLICT, Some("conflict"), Some("version")),
                "{} {b:?}: {e}",
                c.path
            );
            assert_eq!(count(&app.store, "audit_log").await, audits);
            assert_eq!(app.etag(&dora, &c.path).await, v1);
            // PUT with the current version replaces the fields.
            let mut put = c.put.clone();
            put["version"] = json!(v1);
            let (s, r, _) = app.api_h(&dora, "PUT", &c.path, &[], put).await;
            assert_eq!(s, StatusCode::OK, "{} {b:?}: {r}", c.path);
            if !c.expect.is_empty() {
                assert_eq!(
                    one_clear(&app.store, c.check.0, c.check.1).await,
                    c.expect,
                    "{}",
                    c.path
                );
            }
            // An analyst may not edit (403); another documenter without access to a
            // confidential record does not see it (404, below).
            let (s, _, _) = app.api_h(&ana, "PATCH", &c.path, &[], c.good.clone()).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{} analyst", c.path);
        }
        // What the PATCH and PUT wrote, as a reader sees it.
        let (_, e) = app
            .get(&dora, &format!("/api/v1/violations/events/{ev}"))
            .await;
        assert_eq!(e["title"], "Raid (replaced)");
        assert_eq!(e["description"], "", "PUT replaces every field");
        assert_eq!(e["confidentiality"], "internal", "a level left out is kept");
        let (_, a) = app
            .get(&dora, &format!("/api/v1/violations/acts/{act}"))
            .await;
        assert_eq!(a["act_type"], ARREST);
        assert_eq!(
            a["perpetrators"].as_array().unwrap().len(),
            1,
            "perpetrators kept"
        );
        let (_, p) = app
            .get(&dora, &format!("/api/v1/violations/persons/{victim}"))
            .await;
        assert_eq!(p["name"], "Amaru Quispe Huamán");
        assert_eq!(p["confidentiality"], "confidential");
        // The encrypted name is stored encrypted, and the exact-name look-up follows.
        let stored = one_text(
            &app.store,
            &format!("SELECT name FROM vio_persons WHERE id = {victim}"),
        )
        .await;
        assert!(!stored.contains("Amaru"));
        let (_, found) = app
            .get(
                &dora,
                "/api/v1/violations/persons?name=quispe%20huam%C3%A1n%20amaru",
            )
            .await;
        assert_eq!(found["total"], 1, "{found}");
        let (_, i) = app
            .get(&dora, &format!("/api/v1/violations/information/{info}"))
            .await;
        assert_eq!(
            (i["remarks"].as_str(), i["act_id"].as_i64()),
            (Some("Met in person."), None)
        );

        // What an edit cannot do: move an act, add perpetrators inline, name a person
        // the caller may not see.
        let path = format!("/api/v1/violations/acts/{act}");
        let (s, e, _) = app
            .api_h(&dora, "PATCH", &path, &[], json!({"event_id": ev + 1000}))
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("event_id"))
        );
        let (s, e, _) = app
            .api_h(
                &dora,
                "PATCH",
                &path,
                &[],
                json!({"perpetrators": [{"perpetrator_id": soldier}]}),
            )
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("perpetrators"))
        );
        let (s, e, _) = app
            .api_h(&dora, "PATCH", &path, &[], json!({"victim_id": 999_999}))
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("victim_id"))
        );
        let (s, _, _) = app
            .api_h(&dora, "PATCH", &path, &[], json!(["not", "an", "object"]))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // Need-to-know: another documenter neither sees nor edits the confidential person
        // (404, as for a record that does not exist), nor names them as a victim.
        let (s, _, _) = app
            .api_h(
                &dan,
                "PATCH",
                &format!("/api/v1/violations/persons/{victim}"),
                &[],
                json!({"gender": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = app
            .api_h(
                &dan,
                "PATCH",
                "/api/v1/violations/persons/999999",
                &[],
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The act itself discloses its confidential victim: dan may not read it either.
        let (s, e, _) = app
            .api_h(&dan, "PATCH", &path, &[], json!({"victim_id": soldier}))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        let (_, p) = app
            .get(&dora, &format!("/api/v1/violations/persons/{victim}"))
            .await;
        assert_eq!(p["gender"], "", "nothing written by refused calls");
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_violations_endpoints() {
    let app = app(Backend::Sqlite).await;
    let (s, body, _) = app
        .call(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    for p in [
        "/api/v1/evidence",
        "/api/v1/evidence/{id}/content",
        "/api/v1/violations/events",
        "/api/v1/violations/acts",
        "/api/v1/violations/deadlines",
        "/api/v1/violations/cases",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
    for p in [
        "/api/v1/violations/events/{id}",
        "/api/v1/violations/acts/{id}",
        "/api/v1/violations/persons/{id}",
        "/api/v1/violations/involvements/{id}",
        "/api/v1/violations/information/{id}",
    ] {
        for m in ["put", "patch"] {
            let op = &doc["paths"][p][m];
            assert!(op.is_object(), "{m} {p} missing");
            for status in ["200", "409", "422"] {
                assert!(op["responses"].get(status).is_some(), "{m} {p} {status}");
            }
        }
    }
    assert!(
        doc["paths"]["/api/v1/evidence"]["post"]["requestBody"]["content"]
            .get("multipart/form-data")
            .is_some()
    );
}

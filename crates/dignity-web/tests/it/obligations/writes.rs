//! Writes need the role, and assessments follow confidentiality (API).

use super::*;

#[tokio::test]
async fn writes_need_the_role_and_assessments_follow_confidentiality() {
    for b in backends() {
        let a = app(b).await;
        let analyst = a.token("ana", Role::Analyst).await;
        let doc = a.token("doc", Role::Documenter).await;
        let body = serde_json::json!({ "status": "party", "consent": "1986-02-18", "consent_kind": "ratification", "complaints_declaration": true });
        let (s, _) = a
            .req(
                "PUT",
                "/api/v1/countries/FRA/ratifications/CAT",
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = a
            .req(
                "PUT",
                "/api/v1/countries/FRA/ratifications/CAT",
                Some(&analyst),
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, out) = a
            .req(
                "PUT",
                "/api/v1/countries/FRA/ratifications/CAT",
                Some(&doc),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{out}");
        let bad = serde_json::json!({ "status": "party", "consent": "1970" });
        let (s, out) = a
            .req(
                "PUT",
                "/api/v1/countries/FRA/ratifications/CAT",
                Some(&doc),
                Some(bad),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["error"]["field"], "consent");

        let new = serde_json::json!({ "iso3": "KEN", "body": "CEDAW", "text": "Adopt a law on femicide.", "document_symbol": "CEDAW/C/KEN/CO/9", "date": "2024-10" });
        let (s, out) = a
            .req("POST", "/api/v1/recommendations", Some(&doc), Some(new))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        let id = serde_json::from_str::<serde_json::Value>(&out).unwrap()["id"]
            .as_i64()
            .unwrap();
        let bad = serde_json::json!({ "iso3": "KEN", "body": "NOPE", "text": "x" });
        let (s, _) = a
            .req("POST", "/api/v1/recommendations", Some(&doc), Some(bad))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        let assess = serde_json::json!({ "status": "in_progress", "assessed_on": "2025-01-15", "narrative": "Draft bill with the cabinet" });
        let (s, out) = a
            .req(
                "POST",
                &format!("/api/v1/recommendations/{id}/assessments"),
                Some(&doc),
                Some(assess),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        // Internal by default: staff see it, the public does not (nor its status).
        let v = a
            .json(
                &format!("/api/v1/recommendations/{id}/assessments"),
                Some(&analyst),
            )
            .await;
        assert_eq!(v["total"], 1);
        let v = a
            .json(&format!("/api/v1/recommendations/{id}/assessments"), None)
            .await;
        assert_eq!(v["total"], 0);
        let v = a.json(&format!("/api/v1/recommendations/{id}"), None).await;
        assert_eq!(v["status"], "");
        let v = a
            .json(&format!("/api/v1/recommendations/{id}"), Some(&analyst))
            .await;
        assert_eq!(v["status"], "in_progress");
        let v = a
            .json("/api/v1/recommendations?status=in_progress", None)
            .await;
        assert_eq!(v["total"], 0);
        let (_, html) = a.get(&format!("/obligations/recommendations/{id}")).await;
        assert!(html.contains("femicide") && !html.contains("Draft bill with the cabinet"));

        // Special procedures, reports and clusters through the API.
        let m = serde_json::json!({ "code": "SR-TORTURE", "name": "Special Rapporteur on torture", "kind": "thematic", "established": "1985",
            "holders": [{ "name": "Alice Edwards", "start_date": "2022-08-01", "end_date": "" }] });
        let (s, out) = a.req("POST", "/api/v1/mandates", Some(&doc), Some(m)).await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        let v = a.json("/api/v1/mandates", None).await;
        assert_eq!(v["items"][0]["holders"][0]["name"], "Alice Edwards");
        let visit = serde_json::json!({ "mandate_code": "SR-TORTURE", "status": "requested", "requested": "2024-02" });
        let (s, out) = a
            .req(
                "POST",
                "/api/v1/countries/KEN/visits",
                Some(&doc),
                Some(visit),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        let bad = serde_json::json!({ "mandate_code": "SR-NOPE", "status": "requested" });
        let (s, _) = a
            .req(
                "POST",
                "/api/v1/countries/KEN/visits",
                Some(&doc),
                Some(bad),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.json("/api/v1/countries/KEN/visits", None).await["total"],
            1
        );
        // The standing invitation: recorded, shown, refused when not a date, withdrawn.
        let path = "/api/v1/countries/KEN/standing-invitation";
        let (s, out) = a
            .req(
                "PUT",
                path,
                Some(&doc),
                Some(serde_json::json!({ "since": "2019-03" })),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{out}");
        assert_eq!(
            a.json("/api/v1/countries/KEN/visits", None).await["standing_invitation"],
            "2019-03"
        );
        let (s, out) = a
            .req(
                "PUT",
                path,
                Some(&doc),
                Some(serde_json::json!({ "since": "2019-13" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
        assert!(out.contains("since"), "{out}");
        let (s, _) = a
            .req(
                "PUT",
                path,
                None,
                Some(serde_json::json!({ "since": "2020" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = a
            .req(
                "PUT",
                "/api/v1/countries/XXX/standing-invitation",
                Some(&doc),
                Some(serde_json::json!({ "since": "2020" })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(
            a.json("/api/v1/countries/KEN/visits", None).await["standing_invitation"],
            "2019-03",
            "a refused write changes nothing"
        );
        let (s, _) = a
            .req(
                "PUT",
                path,
                Some(&doc),
                Some(serde_json::json!({ "since": null })),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert!(
            a.json("/api/v1/countries/KEN/visits", None).await["standing_invitation"].is_null()
        );
        let iccpr_report = "/api/v1/countries/KEN/reports/ICCPR";
        let rep = serde_json::json!({ "number": 1, "submitted": "1970-01-01" });
        let (s, out) = a.req("PUT", iccpr_report, Some(&doc), Some(rep)).await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "submitted before ratification: {out}"
        );
        let rep = serde_json::json!({ "number": 1, "submitted": "1979-09-28", "symbol": "CCPR/C/1/Add.44" });
        let (s, out) = a.req("PUT", iccpr_report, Some(&doc), Some(rep)).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{out}");
        let c =
            serde_json::json!({ "name": "Policing", "basis": "theme", "basis_value": "Police" });
        let (s, out) = a
            .req(
                "POST",
                "/api/v1/countries/KEN/clusters",
                Some(&doc),
                Some(c),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        let v = a.json("/api/v1/countries/KEN/clusters", None).await;
        assert_eq!(v["items"][0]["members"], 1);
    }
}

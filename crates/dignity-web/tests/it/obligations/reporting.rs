//! No information, no reporting data and the reply clock, on pages and in the API.

use super::*;

#[tokio::test]
async fn no_information_no_reporting_data_and_the_reply_clock_on_pages_and_api() {
    for b in backends() {
        let a = app(b).await;
        // A Council of Europe instrument no shipped source covers (Protocol No. 16): "No
        // information" on the staff profile and the matrix, never "No action"; not counted
        // as not party.
        let (_, html) = a.get("/obligations/countries/SRB").await;
        let echr = row_of(&html, ">ECHR-P16</abbr>");
        assert!(echr.contains("No information"), "{echr}");
        assert!(!echr.contains("No action"), "{echr}");
        assert!(row_of(&html, ">CAT</abbr>").contains("Party"));
        let (_, html) = a.get("/obligations/matrix?system=coe").await;
        assert!(html.contains("title=\"No information\">?</abbr>"), "{b:?}");
        let not_parties = row_of(&html, "Not parties (no action or denounced)");
        // The 197 States of data/treaties/ratifications.csv.
        assert!(!not_parties.contains("<td>197</td>"), "{not_parties}");
        assert!(row_of(&html, ">No information</th>").contains("<td>197</td>"));
        let j = a.json("/api/v1/countries/SRB/ratifications", None).await;
        let items = j["items"].as_array().unwrap();
        let echr = items
            .iter()
            .find(|r| r["instrument"] == "ECHR-P16")
            .unwrap();
        assert_eq!(echr["status"], "unknown");

        // Reporting: no data for Kenya under ICCPR: estimate, no arrears; once a report is
        // recorded the delay is counted.
        let (_, html) = a.get("/obligations/countries/KEN").await;
        let iccpr = row_of(&html, "CCPR (ICCPR)");
        assert!(iccpr.contains("No reporting data recorded"), "{iccpr}");
        assert!(
            iccpr.contains("(estimate: no report recorded yet)"),
            "{iccpr}"
        );
        let j = a.json("/api/v1/countries/KEN/reports", None).await;
        let items = j["items"].as_array().unwrap();
        assert!(items.iter().all(|r| r["overdue_days"].is_null()), "{j}");
        assert!(items.iter().any(|r| r["no_data"] == true));
        let doc = a.token("dora", Role::Documenter).await;
        let (s, body) = a
            .req(
                "PUT",
                "/api/v1/countries/KEN/reports/ICCPR",
                Some(&doc),
                Some(serde_json::json!({ "number": 1, "submitted": "1979-12-01", "symbol": "CCPR/C/1/Add.44" })),
            )
            .await;
        assert!(s.is_success(), "{s} {body}");
        let (_, html) = a.get("/obligations/countries/KEN").await;
        let iccpr = row_of(&html, "CCPR (ICCPR)");
        assert!(iccpr.contains("Overdue by"), "{iccpr}");
        assert!(!iccpr.contains("No reporting data"), "{iccpr}");

        // A communication linked to the urgent appeal that prompted it: the reply clock on
        // the profile (for staff), the communication on the intervention's page.
        a.user("omar", Role::Documenter).await;
        let mut br = Browser::new(&a.router);
        br.login("omar").await;
        let (s, body) = a
            .req(
                "POST",
                "/api/v1/violations/interventions",
                Some(&doc),
                Some(
                    serde_json::json!({ "int_type": "urgent_appeal", "int_date": "2024-03-12",
                    "addressees": "Special Rapporteur on torture" }),
                ),
            )
            .await;
        assert!(s.is_success(), "{s} {body}");
        let ua = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        let (s, body) = a
            .req(
                "POST",
                "/api/v1/mandates",
                Some(&doc),
                Some(serde_json::json!({ "code": "SR-TORTURE", "name": "Special Rapporteur on torture", "kind": "thematic", "established": "1985" })),
            )
            .await;
        assert!(s.is_success(), "{s} {body}");
        let (s, body) = a
            .req(
                "POST",
                "/api/v1/countries/KEN/communications",
                Some(&doc),
                Some(serde_json::json!({ "mandate_code": "SR-TORTURE", "reference": "UA KEN 1/2024", "sent": "2024-03-14", "intervention_id": ua })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let j = a
            .json("/api/v1/countries/KEN/communications", Some(&doc))
            .await;
        assert_eq!(j["total"], 1);
        let k = &j["items"][0]["reply_clocks"][0];
        assert_eq!(k["due"], "2024-05-11");
        assert_eq!(k["state"], "overdue");
        // The public sees the communication, not the internal intervention's clock.
        let j = a.json("/api/v1/countries/KEN/communications", None).await;
        assert_eq!(j["items"][0]["reference"], "UA KEN 1/2024");
        assert!(j["items"][0]["reply_clocks"].as_array().unwrap().is_empty());
        let (_, html) = a.get("/obligations/countries/KEN").await;
        assert!(
            !html.contains("reply due 2024-05-11"),
            "anonymous sees no clock"
        );

        let page = br.get("/obligations/countries/KEN").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let row = row_of(&page.body, "UA KEN 1&#x2f;2024");
        assert!(
            row.contains(": sent 2024-03-12, reply due 2024-05-11"),
            "{row}"
        );
        assert!(row.contains("Overdue by"), "{row}");
        assert!(
            row.contains(&format!("href=\"/violations/interventions/{ua}\"")),
            "{row}"
        );

        // A second communication linked through the page's form; a wrong number is
        // refused with the field named and nothing linked.
        let r = br
            .submit(
                "/obligations/countries/KEN/communications",
                &[
                    ("mandate_code", "SR-TORTURE"),
                    ("reference", "AL KEN 2/2024"),
                    ("sent", "2024-04-02"),
                ],
            )
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        let c2 = a
            .n("SELECT id FROM sp_communications WHERE reference = 'AL KEN 2/2024'")
            .await;
        let path = format!("/obligations/countries/KEN/communications/{c2}/interventions");
        let page = br.get("/obligations/countries/KEN").await;
        assert!(page.body.contains(&format!("action=\"{path}\"")));
        let r = br.submit(&path, &[("intervention_id", "99999")]).await;
        assert_eq!(
            r.location,
            "/obligations/countries/KEN?error=obl_invalid_intervention_id"
        );
        assert_eq!(
            a.n("SELECT COUNT(*) FROM sp_communication_interventions")
                .await,
            1
        );
        let r = br
            .submit(&path, &[("intervention_id", &ua.to_string())])
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        assert_eq!(
            a.n("SELECT COUNT(*) FROM sp_communication_interventions")
                .await,
            2
        );

        // The standing invitation, set and withdrawn from the profile.
        let r = br
            .submit(
                "/obligations/countries/KEN/invitation",
                &[("since", "2011-13")],
            )
            .await;
        assert_eq!(
            r.location,
            "/obligations/countries/KEN?error=obl_invalid_since"
        );
        let r = br
            .submit(
                "/obligations/countries/KEN/invitation",
                &[("since", "2011")],
            )
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        let (_, html) = a.get("/obligations/countries/KEN").await;
        assert!(html.contains("2011"), "standing invitation shown");
        assert_eq!(
            a.n("SELECT COUNT(*) FROM sp_standing_invitations WHERE iso3 = 'KEN'")
                .await,
            1
        );
        let r = br
            .submit("/obligations/countries/KEN/invitation", &[("since", "")])
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        assert_eq!(
            a.n("SELECT COUNT(*) FROM sp_standing_invitations WHERE iso3 = 'KEN'")
                .await,
            0
        );

        let page = br.get(&format!("/violations/interventions/{ua}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Special procedures communications"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("UA KEN 1&#x2f;2024") && page.body.contains("AL KEN 2&#x2f;2024")
        );
        assert!(page
            .body
            .contains("href=\"/obligations/countries/KEN#comm-h\""));
    }
}

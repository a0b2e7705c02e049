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

/// The `data-report` facts of a page (one per outstanding report, in order).
fn page_facts(html: &str) -> Vec<String> {
    html.split("data-report=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

/// The same fact from an API item.
fn api_fact(r: &serde_json::Value) -> String {
    let or_dash = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) if !s.is_empty() => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => "-".into(),
    };
    format!(
        "{} {}-{} {} {} {}",
        r["instrument"].as_str().unwrap(),
        r["number"],
        r["number_to"],
        or_dash(&r["due_date"]),
        r["status"].as_str().unwrap(),
        or_dash(&r["overdue_days"]),
    )
}

/// The rows (cells as text) of the table captioned `caption` in a rendered document.
fn document_rows(html: &str, caption: &str) -> Vec<Vec<String>> {
    let Some(at) = html.find(&format!(">{caption}</caption>")) else {
        return Vec::new();
    };
    let body = &html[at..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("</t")
                // Text as a reader sees it: without the isolation marks around arguments.
                .filter_map(|c| c.rsplit_once('>').map(|(_, text)| text.trim().to_string()))
                .map(|c| {
                    c.replace("&#x2f;", "/")
                        .replace(['\u{2068}', '\u{2069}'], "")
                })
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn every_state_gets_the_same_reporting_facts_on_every_page_the_report_and_the_api() {
    for b in backends() {
        let a = app(b).await;
        // Some reporting history, so that overdue, combined, committee-set, on-request and
        // inside-another-report facts are among those compared (test data, not facts).
        let doc = a.token("dora", Role::Documenter).await;
        for (path, body) in [
            (
                "KEN/reports/ICCPR",
                serde_json::json!({ "number": 1, "submitted": "1979-12-01" }),
            ),
            (
                "FRA/reports/ICERD",
                serde_json::json!({ "number": 1, "number_to": 4, "submitted": "1979-01-10" }),
            ),
            (
                "FRA/reports/CAT",
                serde_json::json!({ "number": 7, "submitted": "2015-01-05" }),
            ),
            (
                "FRA/reports/CAT",
                serde_json::json!({ "number": 8, "number_to": 9, "due_date": "2027-12-06", "due_set_in": "CAT/C/FRA/CO/7", "loipr": "accepted" }),
            ),
            (
                "FRA/reports/OP-CRC-AC",
                serde_json::json!({ "number": 1, "submitted": "2004-01-01" }),
            ),
            ("MEX/reports/CEDAW", serde_json::json!({ "number": 9 })),
        ] {
            let (s, body) = a
                .req(
                    "PUT",
                    &format!("/api/v1/countries/{path}"),
                    Some(&doc),
                    Some(body),
                )
                .await;
            assert!(s.is_success(), "{path}: {s} {body}");
        }
        // Every State's profile on the portal; a staff member reads the country report.
        let admin = common::account(&a.store, "adam", Role::Admin).await;
        let adam = Actor {
            user_id: Some(admin.id),
            username: admin.username.clone(),
            role: Role::Admin,
            teams: vec![],
        };
        let states: Vec<String> = {
            use sqlx::Row;
            sqlx::query("SELECT iso3 FROM countries ORDER BY iso3")
                .fetch_all(a.store.pool())
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect()
        };
        assert!(states.len() >= 193, "{}", states.len());
        for iso3 in &states {
            a.store
                .write(&adam, async |tx| {
                    dignity_store::portal::set_country_published(tx, iso3, true).await
                })
                .await
                .unwrap();
        }
        a.user("omar", Role::Documenter).await;
        let mut br = Browser::new(&a.router);
        br.login("omar").await;
        let (mut overdue, mut combined, mut committee, mut elsewhere) = (0, 0, 0, 0);
        for iso3 in &states {
            let api = a
                .json(
                    &format!("/api/v1/countries/{iso3}/reports?outstanding=true"),
                    None,
                )
                .await;
            let items = api["items"].as_array().unwrap();
            let facts: Vec<String> = items.iter().map(api_fact).collect();
            // The internal country page and the public portal: the same facts.
            let (s, internal) = a.get(&format!("/obligations/countries/{iso3}")).await;
            assert_eq!(s, StatusCode::OK, "{iso3}");
            assert_eq!(page_facts(&internal), facts, "{iso3}: internal page vs API");
            let (s, public) = a.get(&format!("/public/countries/{iso3}")).await;
            assert_eq!(s, StatusCode::OK, "{iso3}");
            assert_eq!(page_facts(&public), facts, "{iso3}: public page vs API");
            // The country report (the document the PDF prints): one row per fact, with the
            // same treaty, reports, due date and delay.
            let report = br.get(&format!("/reports/country?country={iso3}")).await;
            assert_eq!(report.status, StatusCode::OK, "{iso3}");
            let rows = document_rows(
                &report.body,
                "Reporting to the treaty bodies: the report outstanding under each treaty",
            );
            assert_eq!(rows.len(), items.len(), "{iso3}: {rows:?}");
            for (row, r) in rows.iter().zip(items) {
                let fact = api_fact(r);
                assert_eq!(
                    row[0],
                    format!(
                        "{} ({})",
                        r["body"].as_str().unwrap(),
                        r["instrument"].as_str().unwrap()
                    ),
                    "{iso3}: {fact}"
                );
                assert!(
                    row[1].contains(&r["number"].to_string()),
                    "{iso3}: {row:?} {fact}"
                );
                if r["number_to"] != r["number"] {
                    combined += 1;
                    assert!(row[1].contains(&r["number_to"].to_string()), "{row:?}");
                }
                let due = r["due_date"].as_str().unwrap();
                assert!(
                    row[2].starts_with(if due.is_empty() { "—" } else { due }),
                    "{iso3}: {row:?} {fact}"
                );
                if !r["due_set_in"].as_str().unwrap().is_empty() {
                    committee += 1;
                    assert!(
                        row[2].contains(r["due_set_in"].as_str().unwrap()),
                        "{row:?}"
                    );
                }
                match r["overdue_days"].as_i64() {
                    Some(n) => {
                        overdue += 1;
                        assert_eq!(row[3], format!("Overdue by {n} days"), "{iso3}");
                    }
                    None => assert!(!row[3].contains("Overdue"), "{iso3}: {row:?}"),
                }
                if r["status"] == "in_other_report" {
                    elsewhere += 1;
                    assert!(
                        row[3].contains(r["included_in"].as_str().unwrap()),
                        "{row:?}"
                    );
                }
            }
            // Ratification facts where both pages show them: the consent of each party.
            let rats = a
                .json(&format!("/api/v1/countries/{iso3}/ratifications"), None)
                .await;
            for r in rats["items"].as_array().unwrap() {
                let consent = r["consent"].as_str().unwrap_or_default();
                if r["status"] != "party" || consent.is_empty() {
                    continue;
                }
                let key = format!(">{}</abbr>", r["instrument"].as_str().unwrap());
                assert!(row_of(&internal, &key).contains(consent), "{iso3} {key}");
                assert!(row_of(&public, &key).contains(consent), "{iso3} {key}");
            }
        }
        assert!(overdue > 0 && combined > 0 && committee > 0 && elsewhere > 0);
        // ICCPR-OP2 has no report of its own: nowhere a line of its own.
        let j = a.json("/api/v1/countries/FRA/reports", None).await;
        assert!(j["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["instrument"] != "ICCPR-OP2"));
    }
}

#[tokio::test]
async fn a_combined_report_a_committee_date_and_the_simplified_procedure_are_recorded_field_by_field(
) {
    for b in backends() {
        let a = app(b).await;
        let doc = a.token("dora", Role::Documenter).await;
        let put = async |instrument: &str, body: serde_json::Value| {
            a.req(
                "PUT",
                &format!("/api/v1/countries/FRA/reports/{instrument}"),
                Some(&doc),
                Some(body),
            )
            .await
        };
        let field = |out: &str| -> String {
            let v: serde_json::Value = serde_json::from_str(out).unwrap();
            v["error"]["field"].as_str().unwrap_or_default().to_string()
        };
        // Refused, each naming its field: a range ending before it starts, a committee's
        // date without the date, an unknown procedure status, ICCPR-OP2 (no reports).
        for (instrument, body, f) in [
            (
                "CAT",
                serde_json::json!({ "number": 5, "number_to": 3 }),
                "number_to",
            ),
            (
                "CAT",
                serde_json::json!({ "number": 5, "due_set_in": "CAT/C/FRA/CO/4" }),
                "due_date",
            ),
            (
                "CAT",
                serde_json::json!({ "number": 5, "loipr": "perhaps" }),
                "loipr",
            ),
            (
                "ICCPR-OP2",
                serde_json::json!({ "number": 1 }),
                "instrument",
            ),
        ] {
            let (s, out) = put(instrument, body).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
            assert_eq!(field(&out), f, "{out}");
        }
        // One submission covering reports 5 to 7; another overlapping it is refused.
        let (s, out) = put(
            "CAT",
            serde_json::json!({ "number": 5, "number_to": 7, "submitted": "2019-06-01", "symbol": "CAT/C/FRA/5-7" }),
        )
        .await;
        assert!(s.is_success(), "{out}");
        let (s, out) = put("CAT", serde_json::json!({ "number": 7, "number_to": 8 })).await;
        assert_eq!(
            (s, field(&out)),
            (StatusCode::UNPROCESSABLE_ENTITY, "number_to".into()),
            "{out}"
        );
        // The next one, its date set by the committee, under the simplified procedure.
        let (s, out) = put(
            "CAT",
            serde_json::json!({ "number": 8, "due_date": "2029-12-06", "due_set_in": "CAT/C/FRA/CO/5-7", "loipr": "list_transmitted" }),
        )
        .await;
        assert!(s.is_success(), "{out}");
        let j = a
            .json("/api/v1/countries/FRA/reports?outstanding=true", None)
            .await;
        let cat = j["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["instrument"] == "CAT")
            .unwrap()
            .clone();
        assert_eq!(cat["number"], 8);
        assert_eq!(cat["due_date"], "2029-12-06");
        assert_eq!(cat["due_source"], "committee");
        assert_eq!(cat["loipr"], "list_transmitted");
        assert_eq!(cat["status"], "due");
        // On the deadlines page: the combined submission and the committee's date.
        let (_, html) = a
            .get("/obligations/countries/FRA/deadlines?days=3650")
            .await;
        assert!(html.contains("5–7 (combined)"), "{html}");
        assert!(html.contains("set by the committee in"), "{html}");
        assert!(
            html.contains("List of issues prior to reporting sent"),
            "{html}"
        );
        // The form names the field too.
        a.user("omar", Role::Documenter).await;
        let mut br = Browser::new(&a.router);
        br.login("omar").await;
        let page = br.get("/obligations/countries/FRA/deadlines").await;
        assert!(page.body.contains("name=\"number_to\""));
        let r = br
            .submit(
                "/obligations/countries/FRA/reports",
                &[("instrument", "CAT"), ("number", "9"), ("number_to", "2")],
            )
            .await;
        assert!(
            r.location.ends_with("error=obl_invalid_number_to"),
            "{} {} {}",
            r.status,
            r.location,
            r.body
        );
    }
}

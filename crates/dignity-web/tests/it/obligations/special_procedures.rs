//! Special procedures through the forms and the API: the shipped mandates with their
//! resolution and source, typed and joint communications with their reply status and
//! 60-day deadline, each refusal naming its field (issue 17 item 7).

use super::*;

#[tokio::test]
async fn communications_show_type_reply_status_and_deadline_and_refusals_name_the_field() {
    for b in backends() {
        let a = app(b).await;
        a.user("dora", Role::Documenter).await;
        let doc = a.token("doc", Role::Documenter).await;
        let mut br = Browser::new(&a.router);
        br.login("dora").await;

        // The shipped mandates, with their establishing resolution and source.
        let page = br.get("/obligations/mandates").await;
        assert_eq!(page.status, StatusCode::OK, "{b:?}");
        let body = page.body.replace("&#x2f;", "/");
        assert!(body.contains("CHR res. 1985/33"), "{body}");
        assert!(body.contains("ECOSOC res. 1982/35"));
        assert!(body.contains(
            "href=\"https://www.ohchr.org/en/special-procedures/sr-human-rights-defenders/mandate\""
        ));
        assert!(body.contains("Source (read 2026-12-07)"));

        // A form's refusal names the field; nothing is written.
        br.get("/obligations/countries/KEN").await;
        let refused = [
            (vec![("comm_type", "XX")], "comm_type"),
            (
                vec![("comm_type", "UA"), ("joint_mandates", "NOPE")],
                "joint_mandates",
            ),
            (
                vec![
                    ("comm_type", "UA"),
                    ("reply_status", "none"),
                    ("reply", "2024-02-01"),
                ],
                "reply_status",
            ),
        ];
        for (extra, field) in refused {
            let mut form = vec![
                ("mandate_code", "SR-TORTURE-CIDT"),
                ("reference", "UA KEN 9/2024"),
                ("sent", "2024-01-05"),
            ];
            form.extend(extra);
            let r = br
                .submit("/obligations/countries/KEN/communications", &form)
                .await;
            assert_eq!(
                r.location,
                format!("/obligations/countries/KEN?error=obl_invalid_{field}")
            );
        }
        assert_eq!(a.n("SELECT COUNT(*) FROM sp_communications").await, 0);

        // A joint urgent appeal with no reply, past its deadline.
        let r = br
            .submit(
                "/obligations/countries/KEN/communications",
                &[
                    ("mandate_code", "SR-TORTURE-CIDT"),
                    ("joint_mandates", "WG-ARBITRARY-DETENTION"),
                    ("joint_mandates", "SR-HR-DEFENDERS"),
                    ("comm_type", "UA"),
                    ("reference", "UA KEN 1/2024"),
                    ("sent", "2024-01-05"),
                    ("reply_status", "none"),
                ],
            )
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        // An allegation letter answered in part, through the API.
        let al = serde_json::json!({
            "mandate_code": "SR-HR-DEFENDERS", "reference": "AL KEN 2/2024", "comm_type": "AL",
            "sent": "2024-02-01", "reply": "2024-03-20", "reply_status": "partial"
        });
        let (s, out) = a
            .req(
                "POST",
                "/api/v1/countries/KEN/communications",
                Some(&doc),
                Some(al),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        // The API names the refused field.
        for (body, field) in [
            (
                serde_json::json!({ "mandate_code": "SR-HR-DEFENDERS", "reference": "x", "comm_type": "LETTER" }),
                "comm_type",
            ),
            (
                serde_json::json!({ "mandate_code": "SR-HR-DEFENDERS", "reference": "x", "sent": "2024-02-01", "reply": "2024-01-01" }),
                "reply",
            ),
            (
                serde_json::json!({ "mandate_code": "SR-HR-DEFENDERS", "reference": "x", "joint_mandates": ["NOPE"] }),
                "joint_mandates",
            ),
        ] {
            let (s, out) = a
                .req(
                    "POST",
                    "/api/v1/countries/KEN/communications",
                    Some(&doc),
                    Some(body),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["error"]["field"], field);
        }
        let bad = serde_json::json!({ "code": "SR-X", "name": "X", "kind": "thematic", "resolution": "res 5/1" });
        let (s, out) = a
            .req("POST", "/api/v1/mandates", Some(&doc), Some(bad))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["error"]["field"], "resolution");

        // The page shows each communication's type, reply status and deadline.
        let page = br.get("/obligations/countries/KEN").await;
        let body = &page.body.replace("&#x2f;", "/");
        assert!(body.contains("UA – Urgent appeal"), "{body}");
        assert!(body.contains("AL – Allegation letter"));
        assert!(body.contains("Joint"));
        assert!(
            body.contains("WG-ARBITRARY-DETENTION, SR-HR-DEFENDERS")
                || body.contains("SR-HR-DEFENDERS, WG-ARBITRARY-DETENTION")
        );
        assert!(body.contains("No reply"));
        assert!(body.contains("Partial or interim reply (2024-03-20)"));
        assert!(body.contains("Reply overdue: due 2024-03-05"), "{body}");
        assert!(body.contains("Was due 2024-04-01"));
        // And the API the same facts.
        let (_, out) = a
            .req("GET", "/api/v1/countries/KEN/communications", None, None)
            .await;
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let ua = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == "UA KEN 1/2024")
            .unwrap();
        assert_eq!(ua["comm_type"], "UA");
        assert_eq!(ua["joint"], true);
        assert_eq!(ua["reply_due"], "2024-03-05");
        assert_eq!(ua["deadline"], "overdue");

        // A standing invitation with its date and source; a visit requested, accepted,
        // carried out.
        let r = br
            .submit(
                "/obligations/countries/KEN/invitation",
                &[
                    ("since", "2002-07-31"),
                    ("source", "OHCHR list of standing invitations"),
                ],
            )
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        let visit = |accepted: &'static str| {
            vec![
                ("mandate_code", "SR-HR-DEFENDERS"),
                ("status", "completed"),
                ("requested", "2023-01-10"),
                ("accepted", accepted),
                ("visit_start", "2023-09-04"),
                ("visit_end", "2023-09-15"),
            ]
        };
        let r = br
            .submit("/obligations/countries/KEN/visits", &visit("2022-12-01"))
            .await;
        assert_eq!(
            r.location,
            "/obligations/countries/KEN?error=obl_invalid_accepted"
        );
        let r = br
            .submit("/obligations/countries/KEN/visits", &visit("2023-03-01"))
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        let page = br.get("/obligations/countries/KEN").await;
        // (a value inside a sentence is isolated for right-to-left pages: U+2068 … U+2069)
        assert!(
            page.body.contains(
                "Standing invitation since 2002-07-31. Source: \u{2068}OHCHR list of standing invitations\u{2069}."
            ),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("<td>Carried out</td><td>2023-01-10</td><td>2023-03-01</td>"),
            "{}",
            page.body
        );
    }
}

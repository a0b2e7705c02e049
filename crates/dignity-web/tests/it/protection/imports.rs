//! List imports name the columns they do not read (API and page, strict or not).

use super::*;

/// The refusal of an imported list on the sources page (its `import-errors` block).
fn import_errors(html: &str) -> &str {
    html.split("id=\"import-errors\"")
        .nth(1)
        .and_then(|x| x.split("</div>").next())
        .expect("the list is refused")
}

/// The coordinator `u` as an actor, and the source "ICRC" (Red Cross) they created.
async fn icrc_source(st: &TestStore, u: &accounts::User) -> (Actor, i64) {
    let cora = accounts::actor_for(st, u).await.unwrap();
    let sid = st
        .write(&cora, async |tx| {
            dignity_store::protection::sources::create_source(tx, "ICRC", "red_cross").await
        })
        .await
        .unwrap();
    (cora, sid)
}

#[tokio::test]
async fn a_list_import_names_the_columns_it_does_not_read() {
    for b in backends() {
        let (st, u, token, app) = cora_app(b).await;
        let (cora, sid) = icrc_source(&st, &u).await;
        let csv = "external_id,name,date_of_birth\nK-1,Agron Krasniqi,1971-05-04\n";
        let post = |q: &str| {
            Request::builder()
                .method("POST")
                .uri(format!("/api/v1/protection/sources/{sid}/import{q}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(csv))
                .unwrap()
        };
        // Strict: refused, the column named (line 1) with the suggestion; nothing written.
        let res = app.clone().oneshot(post("?strict=true")).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["errors"][0]["line"], 1);
        assert_eq!(v["errors"][0]["field"], "date_of_birth");
        assert!(v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean \"birth_date\""));
        let (_, recs) = dignity_store::protection::sources::records(&st, None, false, 10, 0)
            .await
            .unwrap();
        assert!(recs.is_empty());
        // Not strict: imported, and the report lists the column left out.
        let res = app.clone().oneshot(post("")).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let v: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["new"], 1);
        assert_eq!(v["unused_columns"][0]["column"], "date_of_birth");
        assert_eq!(v["unused_columns"][0]["position"], 3);
        assert_eq!(v["unused_columns"][0]["suggestion"], "birth_date");
        // Mapped, nothing is left out.
        let res = app
            .clone()
            .oneshot(post("?mapping=birth_date%3Ddate_of_birth"))
            .await
            .unwrap();
        let v: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["unused_columns"], json!([]), "{v}");
        assert_eq!(v["changed"], 1, "{v}");

        // An XLSX list: the same report (an alias: DOB → birth_date).
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["external_id", "name", "DOB"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in ["K-2", "Dragana Jovanović", "1980"].iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        let xlsx = wb.save_to_buffer().unwrap();
        let req = Request::builder()
            .method("POST")
            .uri(format!(
                "/api/v1/protection/sources/{sid}/import?filename=list.xlsx"
            ))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(xlsx))
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let v: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        assert_eq!(v["unused_columns"][0]["column"], "DOB", "{v}");
        assert_eq!(v["unused_columns"][0]["suggestion"], "birth_date", "{v}");

        // The sources page's import form: with "refuse the list if a column is not
        // imported" ticked, the list is refused with the column named and nothing written;
        // without it, the list is imported and the report names the column left out.
        let sid2 = st
            .write(&cora, async |tx| {
                dignity_store::protection::sources::create_source(
                    tx,
                    "Families",
                    "family_association",
                )
                .await
            })
            .await
            .unwrap();
        let page_import = |strict: bool| {
            let mut body = Vec::new();
            if strict {
                body.extend(
                    b"--XyZ\r\nContent-Disposition: form-data; name=\"strict\"\r\n\r\n1\r\n",
                );
            }
            body.extend(
                b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"families.csv\"\r\nContent-Type: text/csv\r\n\r\n",
            );
            body.extend(
                b"external_id,name,date_of_birth,notes\nF-9,Besnik Gashi,1960,seen in May\n\r\n",
            );
            body.extend(b"--XyZ--\r\n");
            Request::builder()
                .method("POST")
                .uri(format!("/protection/sources/{sid2}/import"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
                .body(Body::from(body))
                .unwrap()
        };
        let (_, form_page) = get(&app, "/protection/sources", Some(token.as_str())).await;
        assert!(
            form_page.contains(&format!("id=\"strict-{sid2}\"")),
            "the option is offered"
        );
        let audits = audit_total(&st).await;
        let res = app.clone().oneshot(page_import(true)).await.unwrap();
        let html = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        let errors = import_errors(&html);
        assert!(
            errors.contains("date_of_birth") && errors.contains("notes"),
            "{errors}"
        );
        assert!(errors.contains("birth_date"), "the suggestion: {errors}");
        let (n, _) = dignity_store::protection::sources::records(&st, Some(sid2), false, 10, 0)
            .await
            .unwrap();
        assert_eq!(n, 0, "nothing written");
        assert_eq!(audit_total(&st).await, audits, "nothing audited as written");
        let res = app.clone().oneshot(page_import(false)).await.unwrap();
        let html = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        assert!(html.contains("id=\"import-report\""), "{html}");
        let unread = html
            .split("id=\"unmapped-columns\"")
            .nth(1)
            .and_then(|x| x.split("</div>").next())
            .expect("the columns left out are named");
        assert!(
            unread.contains("date_of_birth") && unread.contains("notes"),
            "{unread}"
        );
        let (n, _) = dignity_store::protection::sources::records(&st, Some(sid2), false, 10, 0)
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}

#[tokio::test]
async fn a_row_with_a_date_that_does_not_parse_is_refused_in_the_readers_language() {
    for b in backends() {
        let (st, u, token, app) = cora_app(b).await;
        let (_, sid) = icrc_source(&st, &u).await;
        let mut body = Vec::new();
        body.extend(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n",
        );
        body.extend(b"external_id,name,birth_date\nK-1,Agron Krasniqi,1971-13-04\n\r\n--XyZ--\r\n");
        let req = Request::builder()
            .method("POST")
            .uri(format!("/protection/sources/{sid}/import"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::ACCEPT_LANGUAGE, "fr")
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
            .body(Body::from(body))
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        let html = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        let errors = import_errors(&html);
        assert!(errors.contains("birth_date"), "{errors}");
        assert!(errors.contains("le mois va de 01 à 12"), "{errors}");
        assert!(!errors.contains("month must be"), "{errors}");
    }
}

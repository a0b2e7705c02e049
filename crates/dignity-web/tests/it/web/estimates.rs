//! Estimates from an uploaded capture history table.

use super::*;

fn multipart(fields: &[(&str, &str)]) -> (String, String) {
    let boundary = "----dignitytestboundary";
    let mut body = String::new();
    for (k, v) in fields {
        if *k == "file" {
            body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lists.csv\"\r\nContent-Type: text/csv\r\n\r\n{v}\r\n"));
        } else {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Browser<'_> {
    async fn upload(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        let (ct, body) = multipart(&all);
        let r = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        self.send(r).await
    }
}

#[tokio::test]
async fn estimates_from_an_uploaded_capture_history_table() {
    let hiv = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/mse/hiv_rome.csv"
    ))
    .expect("../shared/data/mse/hiv_rome.csv beside the repository");
    for b in backends() {
        let app = app(b).await;
        app.user("dan", Role::Documenter).await;
        app.user("ana", Role::Analyst).await;
        let mut br = Browser::new(&app);
        br.login("dan", PW).await;
        br.get("/estimates").await;
        // A malformed table: a clear message naming the line, nothing stored.
        let r = br
            .upload(
                "/estimates",
                &[
                    ("name", "Bad"),
                    ("csv", "c1,c2,count\n1,0,5\n2,1,3\n"),
                    ("level", "internal"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(r.body.contains("line 3"), "{}", r.body);
        assert!(dignity_store::stats::list(&app.store, &Actor::system())
            .await
            .unwrap()
            .is_empty());
        let r = br
            .upload(
                "/estimates",
                &[
                    ("name", "HIV Rome"),
                    ("file", &hiv),
                    ("level", "confidential"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let loc = r.location.unwrap();
        let page = br.get(&loc).await;
        assert_eq!(page.status, StatusCode::OK);
        // Rcapture's independence model on this table: 11,124.6 (9,531.7 – 13,114.1).
        let stepwise = br.get(&format!("{loc}?method=loglinear")).await;
        assert!(stepwise.body.contains("<svg"), "an UpSet chart");
        assert!(stepwise.body.contains("1896"), "observed people");
        // Stepwise selection keeps the independence model here: Rcapture's 11,124.6 (9,531.7 – 13,114.1).
        assert!(
            stepwise.body.contains("11125")
                && stepwise.body.contains("9532")
                && stepwise.body.contains("13114"),
            "{b:?} {}",
            &stepwise.body[stepwise.body.find("result-heading").unwrap_or(0)..][..1500]
        );
        // The API gives the numbers; the analyst cannot see a confidential table not on their list.
        let id: i64 = loc.rsplit('/').next().unwrap().parse().unwrap();
        let dan = accounts::by_username(&app.store, "dan")
            .await
            .unwrap()
            .unwrap();
        let token = app.token(&dan).await;
        let res = common::response(
            &app.router,
            common::bearer(
                &token,
                "GET",
                &format!("/api/v1/estimates/{id}?method=dga"),
                None,
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let v: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(v["total"]["method"], "dga");
        assert!(v["total"]["estimate"].as_f64().unwrap() > 1896.0);
        let mut an = Browser::new(&app);
        an.login("ana", PW).await;
        assert_eq!(an.get(&loc).await.status, StatusCode::NOT_FOUND);
        assert!(!an.get("/estimates").await.body.contains("HIV Rome"));
        let ana = accounts::by_username(&app.store, "ana")
            .await
            .unwrap()
            .unwrap();
        let token = app.token(&ana).await;
        let res = common::response(
            &app.router,
            common::bearer(&token, "GET", &format!("/api/v1/estimates/{id}"), None),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        // An analyst cannot add tables.
        an.get("/estimates").await;
        let r = an
            .upload(
                "/estimates",
                &[("name", "Mine"), ("file", &hiv), ("level", "internal")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

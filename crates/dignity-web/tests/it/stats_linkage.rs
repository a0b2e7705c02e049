//! Record linkage over HTTP on every backend: the review queue and a pair through the API
//! with a token, only for documenters and above, only pairs whose records the caller may see.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::protection::sources as s;
use dignity_store::stats::linkage::{self as l, RunSettings};
use dignity_store::testing::fixtures::import_csv;
use dignity_store::testing::{backends, store};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

async fn get(app: &axum::Router, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut r = Request::builder().method("GET").uri(path);
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let res = app
        .clone()
        .oneshot(r.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn linkage_pairs_through_the_api() {
    for b in backends() {
        let st = store(b).await;
        dignity_store::refdata::load_shipped(&st).await.unwrap();
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let pw = "a long enough passphrase";
        let doc = accounts::create(&mut tx, "dora", "", Role::Documenter, pw)
            .await
            .unwrap();
        let ana = accounts::create(&mut tx, "ana", "", Role::Analyst, pw)
            .await
            .unwrap();
        let (_, dt) = accounts::create_token(&mut tx, doc.id, "t").await.unwrap();
        let (_, at) = accounts::create_token(&mut tx, ana.id, "t").await.unwrap();
        tx.commit().await.unwrap();
        let actor = accounts::actor_for(&st, &doc).await.unwrap();
        let (a, c) = st
            .write(&actor, async |tx| {
                Ok((
                    s::create_source(tx, "ICRC", "red_cross").await?,
                    s::create_source(tx, "Commission", "commission").await?,
                ))
            })
            .await
            .unwrap();
        let map =
            s::guess_mapping(&["external_id", "name", "birth_date", "place"].map(String::from));
        let la = "external_id,name,birth_date,place\nK-1,Agron Krasniqi,1971-05-04,Gjakova\nK-2,Dragana Jovanović,1980-02-02,Prizren\nK-3,Besnik Gashi,1965-02-11,Peja\nK-4,Milan Petrović,1962-09-30,Istog\n";
        let lb = "external_id,name,birth_date,place\nC-1,Agron Krasniqi,1971-05-04,Gjakova\nC-5,Teuta Zeqiri,1993-10-10,Rahovec\nC-6,Bekim Shala,1981-04-27,Suhareka\nC-4,Milan Petrovic,1962-09-30,Istog\n";
        import_csv(&st, &actor, a, "a.csv", la.as_bytes(), &map).await;
        import_csv(&st, &actor, c, "b.csv", lb.as_bytes(), &map).await;
        let run = l::start_run(&st, &actor, &RunSettings::default())
            .await
            .unwrap();
        let app = dignity_web::router(dignity_web::AppState::new(
            st.store.clone(),
            Default::default(),
        ));

        let (code, body) = get(&app, "/api/v1/linkage/pairs?order=highest", Some(&dt)).await;
        assert_eq!(code, StatusCode::OK, "{body}");
        assert_eq!(body["total"].as_i64().unwrap(), run.pairs);
        let top = &body["items"][0];
        assert!(top["probability"].as_f64().unwrap() > 0.9);
        assert_eq!(top["left_kind"], "source_record");
        let id = top["id"].as_i64().unwrap();
        let (code, pair) = get(&app, &format!("/api/v1/linkage/pairs/{id}"), Some(&dt)).await;
        assert_eq!(code, StatusCode::OK);
        let ext = [
            pair["left"]["external_id"].as_str().unwrap(),
            pair["right"]["external_id"].as_str().unwrap(),
        ];
        assert!(
            ext == ["K-1", "C-1"]
                || ext == ["C-1", "K-1"]
                || ext == ["K-4", "C-4"]
                || ext == ["C-4", "K-4"],
            "{ext:?}"
        );
        // Analysts and anonymous callers get no pairs.
        assert_eq!(
            get(&app, "/api/v1/linkage/pairs", Some(&at)).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            get(&app, "/api/v1/linkage/pairs", None).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            get(&app, "/api/v1/linkage/pairs", Some("nope")).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            get(&app, "/api/v1/linkage/pairs/999999", Some(&dt)).await.0,
            StatusCode::NOT_FOUND
        );
        // The OpenAPI document lists the endpoints.
        let (_, doc) = get(&app, "/api/v1/openapi.json", None).await;
        assert!(doc["paths"]["/api/v1/linkage/pairs"].is_object());
        assert!(doc["paths"]["/api/v1/linkage/pairs/{id}"].is_object());
    }
}

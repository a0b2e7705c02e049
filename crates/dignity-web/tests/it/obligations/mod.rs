//! Obligations pages and API end to end, on every backend: the matrix and country
//! profile for the public, the recommendations search with facets, role checks on
//! writes, assessments that only staff may see, and the OpenAPI document.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use dignity_core::obligations::{self as rules, Table};
use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, TestStore};
use dignity_store::{obligations as ob, Backend};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common;
use common::Browser;

mod coe;
mod forms;
mod public;
mod reporting;
mod special_procedures;
mod upr;
mod writes;

struct App {
    router: Router,
    store: TestStore,
}

async fn app(b: Backend) -> App {
    let store = common::fresh_store(b).await;
    // A few recommendations through the generic importer.
    let resolver = ob::country_resolver(&store).await.unwrap();
    let m = rules::Mapping::parse(
        "[columns]\ntext = \"Text\"\ncountry = \"State\"\nbody = \"Body\"\nsymbol = \"Symbol\"\nthemes = \"Themes\"\nrecommending = \"From\"\nposition = \"Position\"\n[defaults]\nseparator = \";\"\n",
    )
    .unwrap();
    let t = Table::from_csv(
        "State,Body,Symbol,Text,Themes,From,Position\n\
         Kenya,CCPR,CCPR/C/KEN/CO/4,Establish an independent police oversight body.,Police;Justice,,\n\
         Kenya,UPR,,Abolish the death penalty.,Death penalty,France,Noted\n\
         France,CAT,CAT/C/FRA/CO/7,Investigate allegations of torture in police custody.,Torture,,\n",
    )
    .unwrap();
    let p = rules::parse_generic(&t, &m, &resolver);
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    ob::recs::import(&store, &Actor::system(), p.records, vec![], false, &|_| {})
        .await
        .unwrap();
    let router = common::router(&store);
    App { router, store }
}

impl App {
    async fn token(&self, name: &str, role: Role) -> String {
        common::account_with_token(&self.store, name, role).await.1
    }
    async fn req(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        json: Option<serde_json::Value>,
    ) -> (StatusCode, String) {
        let mut r = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match json {
            Some(j) => {
                r = r.header(header::CONTENT_TYPE, "application/json");
                Body::from(j.to_string())
            }
            None => Body::empty(),
        };
        let res = self
            .router
            .clone()
            .oneshot(r.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let b = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(b.to_vec()).unwrap())
    }
    async fn get(&self, path: &str) -> (StatusCode, String) {
        self.req("GET", path, None, None).await
    }
    async fn json(&self, path: &str, token: Option<&str>) -> serde_json::Value {
        let (s, b) = self.req("GET", path, token, None).await;
        assert_eq!(s, StatusCode::OK, "{path}: {b}");
        serde_json::from_str(&b).unwrap()
    }
}

impl App {
    async fn user(&self, name: &str, role: Role) {
        common::account(&self.store, name, role).await;
    }
    /// A cluster of `iso3` by its (decrypted) name: (id, members).
    async fn cluster(&self, iso3: &str, name: &str) -> (i64, i64) {
        let c = dignity_store::obligations::tracking::clusters(&self.store, iso3)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no cluster {name:?}"));
        (c.id, c.members)
    }

    async fn n(&self, sql: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(sql)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
            .get(0)
    }
}

/// Text of the table row whose header cell holds `key`.
fn row_of(html: &str, key: &str) -> String {
    let at = html
        .find(key)
        .unwrap_or_else(|| panic!("{key} not in page"));
    let start = html[..at].rfind("<tr").unwrap_or(0);
    html[start..].split("</tr>").next().unwrap().to_string()
}

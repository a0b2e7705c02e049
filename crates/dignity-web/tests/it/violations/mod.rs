//! The violations area end to end through the router, on every backend: the entry flow with
//! duplicate warnings and drafts, confidentiality on pages and in the API, evidence uploads
//! (hash equal to `sha256sum`, size limit, truncated bodies, claimed hashes) and the
//! OpenAPI document.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, TestStore};
use dignity_store::{accounts, Backend};

use crate::common;
use common::{count, Browser};

mod api;
mod entry;
mod evidence;
mod forms;

const ARREST: &str = "03010100000004";
const TORTURE: &str = "02011111000004";

common::web_app!();

impl App {
    async fn user(&self, name: &str, role: Role) -> (accounts::User, String) {
        common::account_with_token(&self.store, name, role).await
    }
    async fn call(&self, req: Request<Body>) -> (StatusCode, Vec<u8>, axum::http::HeaderMap) {
        common::call(&self.router, req).await
    }
    async fn api(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let (s, b, _) = self.call(common::bearer(token, method, path, body)).await;
        (
            s,
            serde_json::from_slice(&b).unwrap_or(serde_json::Value::Null),
        )
    }
    /// An API GET with a bearer token.
    async fn get(&self, token: &str, path: &str) -> (StatusCode, serde_json::Value) {
        self.api(token, "GET", path, None).await
    }
    /// An evidence upload (see [`common::evidence_upload`]): the status and the JSON answer.
    async fn upload(&self, token: &str, body: Vec<u8>) -> (StatusCode, serde_json::Value) {
        let (s, rec, _) = self.call(common::evidence_upload(token, body)).await;
        (s, serde_json::from_slice(&rec).unwrap())
    }
}

fn multipart(
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
    boundary: &str,
    truncate: bool,
) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, data)) = file {
        b.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        if truncate {
            b.extend(&data[..data.len() / 2]);
            return b;
        }
        b.extend(data);
        b.extend(b"\r\n");
    }
    b.extend(format!("--{boundary}--\r\n").as_bytes());
    b
}

fn tmp_files(s: &TestStore) -> usize {
    std::fs::read_dir(s.data_dir().join("files/tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

async fn one_i64(s: &TestStore, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql).fetch_one(s.pool()).await.unwrap().get(0)
}

async fn one_text(s: &TestStore, sql: &str) -> String {
    use sqlx::Row;
    sqlx::query(sql).fetch_one(s.pool()).await.unwrap().get(0)
}

/// The stored value of `table.column` of row `id`; decrypted where the column is
/// registered encrypted (and then the stored value must be its ciphertext).
async fn one_clear(s: &TestStore, field: &str, id: i64) -> String {
    use dignity_store::at_rest::{class_of, Class};
    let (t, c) = field.split_once('.').unwrap();
    let stored = one_text(s, &format!("SELECT {c} FROM {t} WHERE id = {id}")).await;
    if class_of(t, c) != Some(Class::Encrypted) {
        return stored;
    }
    assert!(
        stored.is_empty() || stored.starts_with("enc:v2:"),
        "{field} in clear: {stored}"
    );
    dignity_store::violations::dec(s, field, id, Some(stored)).unwrap()
}

/// The value of the hidden `version` field of an edit form.
fn version(body: &str) -> String {
    let i = body
        .find("name=\"version\" value=\"")
        .expect("the form carries the record's version");
    let rest = &body[i + 22..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The act of the case recorded as event `ev`, and the act's victim.
async fn act_and_victim(s: &TestStore, ev: i64) -> (i64, i64) {
    let act = one_i64(s, &format!("SELECT id FROM vio_acts WHERE event_id = {ev}")).await;
    let victim = one_i64(
        s,
        &format!("SELECT victim_id FROM vio_acts WHERE id = {act}"),
    )
    .await;
    (act, victim)
}

/// Open the edit form `edit` from the page `page`, which must link to it: the form's
/// version.
async fn edit_form_version(br: &mut Browser<'_>, page: &str, edit: &str) -> String {
    assert!(br.get(page).await.body.contains(edit));
    let form = br.get(edit).await;
    assert_eq!(form.status, StatusCode::OK);
    version(&form.body)
}

/// A case made through the entry form: returns the event id.
async fn entry_case(br: &mut Browser<'_>, title: &str, victim: &str) -> i64 {
    br.get("/violations/new").await;
    let r = br
        .submit(
            "/violations/new",
            &[
                ("action", "save"),
                ("title", title),
                ("start_date", "2024-03-05"),
                ("country", "PER"),
                ("act_type", ARREST),
                ("victim_name", victim),
                ("perp_name", "Special Operations Unit"),
                ("source_name", "Killa Huaman"),
                ("confirm_new_victim", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

impl App {
    /// An API call with extra headers; answers the status, the JSON body and the ETag.
    async fn api_h(
        &self,
        token: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value, String) {
        let mut r = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json");
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let (s, b, h) = self
            .call(r.body(Body::from(body.to_string())).unwrap())
            .await;
        let etag = h
            .get(header::ETAG)
            .map(|v| v.to_str().unwrap().trim_matches('"').to_string())
            .unwrap_or_default();
        (
            s,
            serde_json::from_slice(&b).unwrap_or(serde_json::Value::Null),
            etag,
        )
    }
    async fn etag(&self, token: &str, path: &str) -> String {
        let (s, _, e) = self
            .api_h(token, "GET", path, &[], serde_json::Value::Null)
            .await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(!e.is_empty(), "{path} answers an ETag");
        e
    }
}

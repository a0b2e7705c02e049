//! Evidence files encrypted at rest, seen from the web: an upload is stored encrypted and
//! downloads byte for byte with its recorded SHA-256; ranges (206, 416, `If-Range`) work
//! for video players; a damaged stored file is refused with a clear error, never served.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use dignity_core::Role;
use dignity_store::testing::fixtures::sha256sum;
use dignity_store::testing::TestStore;
use dignity_store::{accounts, Backend};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common;
use common::Browser;

const MARKER: &[u8] = b"MARKER-7f3a-witness-Amaru";

struct App {
    router: Router,
    store: TestStore,
}

async fn app() -> App {
    // Files are stored the same way whatever the database: one backend is enough.
    let store = common::fresh_store(Backend::Sqlite).await;
    let router = common::router(&store);
    App { router, store }
}

/// The same with the search index a server runs (opened, following the database).
async fn app_with_search() -> App {
    let store = common::fresh_store(Backend::Sqlite).await;
    let search = dignity_search::Search::open(
        &store,
        dignity_store::search::Registry::standard(),
        Default::default(),
    )
    .await
    .unwrap();
    search.follow();
    let router = dignity_web::router(
        dignity_web::AppState::new(store.store.clone(), Default::default()).with_search(search),
    );
    App { router, store }
}

/// The data key id of every sealed file of the server's search index.
fn index_keys(app: &App) -> Vec<String> {
    let mut keys = Vec::new();
    for e in std::fs::read_dir(app.store.data_dir().join("index")).unwrap() {
        if let Some(k) = dignity_search::at_rest::sealed_key_id(&e.unwrap().path()).unwrap() {
            keys.push(k);
        }
    }
    keys
}

impl App {
    /// The ids of the events `GET /api/v1/search?q=…` finds.
    async fn search_events(&self, token: &str, q: &str) -> Vec<String> {
        let (s, b, _) = self.get(token, &format!("/api/v1/search?q={q}"), &[]).await;
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["record_type"] == "event")
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    }

    async fn user(&self, name: &str, role: Role) -> String {
        common::account_with_token(&self.store, name, role).await.1
    }
    async fn call(&self, req: Request<Body>) -> (StatusCode, Vec<u8>, axum::http::HeaderMap) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes().to_vec());
        // A body cut off by an error reads as an error: never as a good file.
        (
            status,
            body.unwrap_or_else(|_| b"<cut off>".to_vec()),
            headers,
        )
    }
    async fn get(
        &self,
        token: &str,
        path: &str,
        extra: &[(&str, &str)],
    ) -> (StatusCode, Vec<u8>, axum::http::HeaderMap) {
        let mut r = Request::get(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
        for (k, v) in extra {
            r = r.header(*k, *v);
        }
        self.call(r.body(Body::empty()).unwrap()).await
    }
}

/// Bytes `a` to `b` (both included) of `url`, of a file of `size` bytes, asked for with a
/// `Range` header: the answer must be a 206 whose `Content-Range` says so; its body and
/// headers.
async fn get_range(
    app: &App,
    token: &str,
    url: &str,
    (a, b): (usize, usize),
    size: usize,
) -> (Vec<u8>, axum::http::HeaderMap) {
    let (s, body, h) = app
        .get(token, url, &[("range", &format!("bytes={a}-{b}"))])
        .await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        h[header::CONTENT_RANGE],
        format!("bytes {a}-{b}/{size}").as_str()
    );
    (body, h)
}

/// Upload `data` as evidence of a new event; returns (evidence id, recorded SHA-256).
async fn upload(app: &App, token: &str, data: &[u8]) -> (i64, String) {
    let (s, ev, _) = app
        .call(
            Request::post("/api/v1/violations/events")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"title": "Raid on the clinic"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let ev: serde_json::Value = serde_json::from_slice(&ev).unwrap();
    let ev = ev["id"].as_i64().unwrap().to_string();
    let mut b = Vec::new();
    for (k, v) in [
        ("title", "Video of the raid"),
        ("event_id", ev.as_str()),
        ("acquired_from", "Killa Huaman"),
        ("confidentiality", "internal"),
    ] {
        b.extend(
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    b.extend(b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"raid.mp4\"\r\nContent-Type: video/mp4\r\n\r\n");
    b.extend(data);
    b.extend(b"\r\n--XyZ--\r\n");
    let (s, rec, _) = app.call(common::evidence_upload(token, b)).await;
    let rec: serde_json::Value = serde_json::from_slice(&rec).unwrap();
    assert_eq!(s, StatusCode::CREATED, "{rec}");
    (
        rec["id"].as_i64().unwrap(),
        rec["sha256"].as_str().unwrap().to_string(),
    )
}

fn content(len: usize) -> Vec<u8> {
    let mut d: Vec<u8> = (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    // The marker at the start, in the middle and at the end.
    for at in [0, len / 2, len - MARKER.len()] {
        d[at..at + MARKER.len()].copy_from_slice(MARKER);
    }
    d
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn stored_path(app: &App, sha: &str) -> std::path::PathBuf {
    app.store
        .data_dir()
        .join(format!("files/sha256/{}/{}", &sha[..2], &sha[2..]))
}

#[tokio::test]
async fn an_upload_is_stored_encrypted_and_downloads_byte_identical() {
    let app = app().await;
    let dora = app.user("dora", Role::Documenter).await;
    // Over 8 MiB: the download is streamed, not decrypted whole first.
    let data = content(9 * 1024 * 1024 + 12_345);
    let (id, sha) = upload(&app, &dora, &data).await;
    // The stored file holds none of the content.
    let stored = std::fs::read(stored_path(&app, &sha)).unwrap();
    assert!(!contains(&stored, MARKER), "the marker is on disk in clear");
    assert_ne!(sha256sum(&stored_path(&app, &sha)), sha);
    // Nothing else under the data directory holds it either (temporary files included).
    let mut stack = vec![app.store.data_dir().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                assert!(!contains(&b, MARKER), "marker in {}", p.display());
            }
        }
    }
    // The download is the file: `sha256sum` of it is the recorded hash.
    let (s, body, h) = app
        .get(&dora, &format!("/api/v1/evidence/{id}/content"), &[])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_LENGTH], data.len().to_string().as_str());
    assert_eq!(h[header::ACCEPT_RANGES], "bytes");
    assert_eq!(h[header::ETAG], format!("\"{sha}\"").as_str());
    assert!(body == data, "the download differs from the upload");
    let out = app.store.data_dir().join("downloaded.mp4");
    std::fs::write(&out, &body).unwrap();
    assert_eq!(sha256sum(&out), sha);
    std::fs::remove_file(&out).unwrap();
    // The page's download link too (a browser session).
    let mut br = Browser::new(&app.router);
    br.login("dora").await;
    let r = br.get(&format!("/violations/evidence/{id}/content")).await;
    assert_eq!(r.status, StatusCode::OK);
    // A range of over 8 MiB (streamed in steps decrypted on several cores), starting and
    // ending inside chunks: exactly those bytes.
    let url = format!("/api/v1/evidence/{id}/content");
    let (a, b) = (1024 * 1024 - 100, data.len() - 70_000);
    let (body, _) = get_range(&app, &dora, &url, (a, b), data.len()).await;
    assert!(body == data[a..=b], "the range differs from the upload");
    // A chunk altered deep in the file, past the first steps: the status line is already
    // sent, so the body ends with an error; never a complete file.
    let path = stored_path(&app, &sha);
    let mut altered = std::fs::read(&path).unwrap();
    let at = altered.len() - 2 * 1024 * 1024;
    altered[at] ^= 0x01;
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, &altered).unwrap();
    let (s, body, _) = app.get(&dora, &url, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, b"<cut off>", "a damaged file was served as complete");
}

#[tokio::test]
async fn ranges_are_served_for_video_players() {
    let app = app().await;
    let dora = app.user("dora", Role::Documenter).await;
    let data = content(3 * 64 * 1024 + 777);
    let (id, sha) = upload(&app, &dora, &data).await;
    let url = format!("/api/v1/evidence/{id}/content");
    let size = data.len();
    // A range across a chunk boundary, deep in the file.
    let (a, b) = (2 * 64 * 1024 - 10, 2 * 64 * 1024 + 99);
    let (body, h) = get_range(&app, &dora, &url, (a, b), size).await;
    assert_eq!(h[header::CONTENT_LENGTH], (b - a + 1).to_string().as_str());
    assert!(body == data[a..=b]);
    // Open-ended and suffix ranges.
    let (s, body, _) = app.get(&dora, &url, &[("range", "bytes=100-")]).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert!(body == data[100..]);
    let (s, body, h) = app.get(&dora, &url, &[("range", "bytes=-500")]).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        h[header::CONTENT_RANGE],
        format!("bytes {}-{}/{size}", size - 500, size - 1).as_str()
    );
    assert!(body == data[size - 500..]);
    // Past the end: 416 with the size.
    let (s, body, h) = app
        .get(&dora, &url, &[("range", &format!("bytes={size}-"))])
        .await;
    assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(h[header::CONTENT_RANGE], format!("bytes */{size}").as_str());
    assert!(!contains(&body, MARKER));
    // If-Range with our ETag: the range; with another validator: the whole file.
    let etag = format!("\"{sha}\"");
    let (s, body, _) = app
        .get(&dora, &url, &[("range", "bytes=0-9"), ("if-range", &etag)])
        .await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert!(body == data[..10]);
    let (s, body, _) = app
        .get(
            &dora,
            &url,
            &[
                ("range", "bytes=0-9"),
                ("if-range", &format!("\"{}\"", "0".repeat(64))),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body == data);
    // Several ranges: the whole file, 200, as one body (no multipart/byteranges).
    let (s, body, h) = app
        .get(&dora, &url, &[("range", "bytes=0-9,100-199")])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.get(header::CONTENT_RANGE).is_none());
    assert!(!h[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("multipart/"));
    assert!(body == data);
}

#[tokio::test]
async fn a_damaged_stored_file_is_refused_not_served() {
    let app = app().await;
    let dora = app.user("dora", Role::Documenter).await;
    let mut br = Browser::new(&app.router);
    br.login("dora").await;
    let data = content(5 * 64 * 1024 + 3);
    let (id, sha) = upload(&app, &dora, &data).await;
    let path = stored_path(&app, &sha);
    let good = std::fs::read(&path).unwrap();
    let put = |bytes: &[u8]| {
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, bytes).unwrap();
    };
    let url = format!("/api/v1/evidence/{id}/content");
    let damaged = |s: StatusCode, body: &[u8]| {
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(v["error"]["code"], "evidence_damaged", "{v}");
        assert!(!contains(body, MARKER));
    };
    // Cut off (the last chunk gone).
    put(&good[..good.len() - 1000]);
    let (s, body, _) = app.get(&dora, &url, &[]).await;
    damaged(s, &body);
    // One bit changed in the middle of the file.
    let mut altered = good.clone();
    let mid = altered.len() / 2;
    altered[mid] ^= 0x20;
    put(&altered);
    let (s, body, _) = app.get(&dora, &url, &[]).await;
    damaged(s, &body);
    // A range that reads the altered chunk only.
    let (s, body, _) = app
        .get(&dora, &url, &[("range", "bytes=163840-163850")])
        .await;
    damaged(s, &body);
    // The page says so, in the reader's language.
    let r = br.get(&format!("/violations/evidence/{id}/content")).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body.contains("is damaged"), "{}", r.body);
    // Restored from a backup: served again.
    put(&good);
    let (s, body, _) = app.get(&dora, &url, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body == data);
}

/// Key rotation from the web (issue 16, item 8): an administrator starts it through the
/// API (202 with the job), the server re-encrypts in the background while the event, its
/// evidence and the search stay readable, the progress is polled to completion, and
/// afterwards every value, the file and every file of the search index the server holds
/// are under the new key (the index re-sealed live, not deferred to a restart; it opens
/// with the old key retired); the Keys page shows it, and its button starts the next
/// rotation. Refused to anyone but an administrator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_rotates_the_keys_in_the_background_while_pages_stay_readable() {
    let app = app_with_search().await;
    let dora = app.user("dora", Role::Documenter).await;
    let ada = app.user("ada", Role::Admin).await;
    let data = content(200_000);
    let (id, sha) = upload(&app, &dora, &data).await;
    let event_id = {
        let (_, b, _) = app.get(&dora, &format!("/api/v1/evidence/{id}"), &[]).await;
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        v["event_id"].to_string()
    };
    // The index follows the database: the event is found by a word of its title.
    for _ in 0..3000 {
        if !app.search_events(&dora, "clinic").await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        app.search_events(&dora, "clinic").await,
        std::slice::from_ref(&event_id)
    );
    assert!(
        index_keys(&app).iter().all(|k| k == "k1"),
        "{:?}",
        index_keys(&app)
    );
    let event: serde_json::Value = {
        let (_, b, _) = app.get(&dora, &format!("/api/v1/evidence/{id}"), &[]).await;
        serde_json::from_slice(&b).unwrap()
    };
    let key_of_file = || {
        let mut h = std::fs::read(stored_path(&app, &sha)).unwrap();
        h.truncate(64);
        dignity_store::filecrypt::key_id_of(&h).unwrap().to_string()
    };
    assert_eq!(key_of_file(), "k1");
    let post = |token: &str| {
        Request::post("/api/v1/admin/keys/rotate")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };

    // A documenter may neither start a rotation nor see one.
    let (s, _, _) = app.call(post(&dora)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = app.get(&dora, "/api/v1/admin/keys/rotation", &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b, _) = app.get(&ada, "/api/v1/admin/keys/rotation", &[]).await;
    assert_eq!(s, StatusCode::OK);
    let st: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(st["current_key"], "k1");
    assert!(st["rotation"].is_null(), "{st}");

    let (s, b, _) = app.call(post(&ada)).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let started: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(started["target_key"], "k2", "{started}");
    assert!(started["finished_at"].is_null());

    // Poll until done; every poll, the evidence record and its file still read.
    let mut last = serde_json::Value::Null;
    for _ in 0..3000 {
        let (s, b, _) = app.get(&ada, "/api/v1/admin/keys/rotation", &[]).await;
        assert_eq!(s, StatusCode::OK);
        last = serde_json::from_slice(&b).unwrap();
        assert!(last["error"].is_null(), "{last}");
        let (s, b, _) = app.get(&dora, &format!("/api/v1/evidence/{id}"), &[]).await;
        assert_eq!(s, StatusCode::OK);
        let now: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(now["acquired_from"], event["acquired_from"]);
        assert_eq!(now["title"], event["title"]);
        let (s, body, _) = app
            .get(&dora, &format!("/api/v1/evidence/{id}/content"), &[])
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(body == data, "the download differs during the rotation");
        assert_eq!(
            app.search_events(&dora, "clinic").await,
            std::slice::from_ref(&event_id),
            "the search answers during the rotation"
        );
        if !last["rotation"]["finished_at"].is_null() && last["running"] == false {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let r = &last["rotation"];
    assert_eq!(r["phase"], "done", "{last}");
    assert_eq!(r["target_key"], "k2");
    assert_eq!(last["current_key"], "k2");
    assert!(r["fields_done"].as_u64().unwrap() >= 1, "{last}");
    assert_eq!(r["fields_done"], r["fields_total"], "{last}");
    assert_eq!(r["fields_failed"], 0);
    assert_eq!(
        (r["files_done"].as_u64(), r["files_total"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(r["files_failed"], 0);
    // The server's own search index, re-sealed in place while it ran.
    assert_eq!(r["index_deferred"], false, "{last}");
    assert!(r["index_total"].as_u64().unwrap() >= 3, "{last}");
    assert_eq!(r["index_done"], r["index_total"], "{last}");
    assert!(
        index_keys(&app).iter().all(|k| k == "k2"),
        "{:?}",
        index_keys(&app)
    );
    assert_eq!(
        app.search_events(&dora, "clinic").await,
        std::slice::from_ref(&event_id)
    );
    // Everything under the new key; still readable, byte for byte.
    let usage = dignity_store::keys::usage(&app.store).await.unwrap();
    assert!(usage.iter().all(|u| u.key_id == "k2"), "{usage:?}");
    assert_eq!(key_of_file(), "k2");
    let (_, body, _) = app
        .get(&dora, &format!("/api/v1/evidence/{id}/content"), &[])
        .await;
    assert!(body == data);
    let on_disk = std::fs::read_to_string(app.store.key_path()).unwrap();
    assert!(
        on_disk.contains("\"k1\"") && on_disk.contains("\"k2\""),
        "old key kept until retired"
    );

    // The Keys page: k2 current, the last rotation finished; its button starts the next.
    let mut br = Browser::new(&app.router);
    br.login("ada").await;
    let page = br.get("/admin/keys").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<code>k2</code> <strong>(current)</strong>"),
        "{}",
        page.body
    );
    // (Placeholders are wrapped in Unicode isolates for right-to-left pages.)
    assert!(
        page.body
            .contains("The last rotation, to key \u{2068}k2\u{2069}, finished"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Rotate now"));
    let r = br.submit("/admin/keys/rotate", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location, "/admin/keys");
    for _ in 0..3000 {
        if dignity_store::keys::rotation::latest(&app.store)
            .await
            .unwrap()
            .is_some_and(|j| j.target_key == "k3" && j.finished())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (_, b, _) = app.get(&ada, "/api/v1/admin/keys/rotation", &[]).await;
    let st: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(st["rotation"]["target_key"], "k3", "{st}");
    assert_eq!(st["rotation"]["phase"], "done", "{st}");
    assert_eq!(st["rotation"]["index_deferred"], false, "{st}");
    assert_eq!(key_of_file(), "k3");
    assert!(
        index_keys(&app).iter().all(|k| k == "k3"),
        "{:?}",
        index_keys(&app)
    );
    assert_eq!(
        app.search_events(&dora, "clinic").await,
        std::slice::from_ref(&event_id)
    );
    // After a restart with the old keys retired from the key file, the index opens from
    // its files as it was (not made again): a copy of it, since this server holds it.
    let copy = dignity_store::testing::temp_dir("dignity-index-copy").join("index");
    std::fs::create_dir_all(&copy).unwrap();
    for e in std::fs::read_dir(app.store.data_dir().join("index")).unwrap() {
        let e = e.unwrap();
        if !e.file_name().to_string_lossy().contains("lock") {
            std::fs::copy(e.path(), copy.join(e.file_name())).unwrap();
        }
    }
    let mut only_k3 = (*app.store.keys()).clone();
    only_k3.retire_old_keys();
    assert_eq!(only_k3.data_keys.len(), 1);
    let idx = dignity_search::SearchIndex::open(&copy, &only_k3, 1, 15).unwrap();
    assert!(!idx.needs_rebuild(&only_k3));
    let req = dignity_search::SearchRequest {
        q: "clinic".into(),
        lang: "en".into(),
        limit: 10,
        ..Default::default()
    };
    let u = accounts::by_username(&app.store, "dora")
        .await
        .unwrap()
        .unwrap();
    let dora_actor = accounts::actor_for(&app.store, &u).await.unwrap();
    assert!(idx.num_docs() > 0);
    assert_eq!(idx.count(&only_k3, &dora_actor, &req).unwrap(), 1);
    // A documenter's browser is refused the page and the button.
    let mut db = Browser::new(&app.router);
    db.login("dora").await;
    assert_eq!(db.get("/admin/keys").await.status, StatusCode::FORBIDDEN);
}

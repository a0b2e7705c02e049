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
use common::Browser;

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

fn upload_req(token: &str, body: Vec<u8>) -> Request<Body> {
    Request::post("/api/v1/evidence")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
        .body(Body::from(body))
        .unwrap()
}

fn tmp_files(s: &TestStore) -> usize {
    std::fs::read_dir(s.data_dir().join("files/tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

async fn count(s: &TestStore, table: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_field_officer_documents_a_case_in_one_flow() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        app.user("ana", Role::Analyst).await;
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let form = br.get("/violations/new").await;
        assert_eq!(form.status, StatusCode::OK, "{b:?}");
        assert!(form.body.contains("<datalist id=\"people-list\">"));
        // A draft first.
        let r = br
            .submit(
                "/violations/new",
                &[
                    ("action", "draft"),
                    ("title", "Raid on the clinic"),
                    ("victim_name", "Amaru Quispe"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location.contains("draft="), "{}", r.location);
        let d = br.get(&r.location).await;
        assert!(d.body.contains("value=\"Raid on the clinic\""));
        let draft_id = r
            .location
            .split("draft=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_string();
        // A bad date: the form comes back with the problem, nothing saved.
        let fields = vec![
            ("action", "save"),
            ("draft_id", draft_id.as_str()),
            ("title", "Raid on the clinic"),
            ("start_date", "2024-03-05"),
            ("end_date", "2024-02-01"),
            ("country", "PER"),
            ("act_type", ARREST),
            ("victim_name", "Amaru Quispe"),
            ("perp_name", "Special Operations Unit"),
            ("source_name", "Killa Huaman"),
        ];
        let r = br.submit("/violations/new", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("before the start"), "{}", r.body);
        assert_eq!(count(&app.store, "vio_events").await, 0);
        let mut fields = fields;
        fields[4] = ("end_date", "2024-03-07");
        let r = br.submit("/violations/new", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let event_url = r.location.split('?').next().unwrap().to_string();
        let page = br.get(&event_url).await;
        assert!(
            page.body.contains("Amaru Quispe") && page.body.contains("Special Operations Unit"),
            "{b:?}"
        );
        assert_eq!(
            count(&app.store, "vio_drafts").await,
            0,
            "the draft is gone once saved"
        );
        // The same victim again: a duplicate warning, then the user picks the existing person.
        let r = br
            .submit(
                "/violations/new",
                &[
                    ("action", "save"),
                    ("title", "Second raid"),
                    ("act_type", TORTURE),
                    ("victim_name", "QUISPE amaru"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("may already be recorded"), "{}", r.body);
        let pick = format!(
            "#{} — Amaru Quispe",
            r.body
                .split("/violations/persons/")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
        );
        let r = br
            .submit(
                "/violations/new",
                &[
                    ("action", "save"),
                    ("title", "Second raid"),
                    ("act_type", TORTURE),
                    ("victim_name", &pick),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            count(&app.store, "vio_persons").await,
            3,
            "victim, perpetrator, source: no duplicate"
        );
        // Add an act on the event page; an act without a victim is refused with a message.
        let event_id = event_url.rsplit('/').next().unwrap();
        let r = br
            .submit(
                &format!("/violations/events/{event_id}/acts"),
                &[("act_type", TORTURE)],
            )
            .await;
        assert!(
            r.location.contains("problem_field=victim_id"),
            "{}",
            r.location
        );
        let shown = br.get(&r.location).await;
        assert!(shown.body.contains("an act needs a victim"));
        let r = br
            .submit(
                &format!("/violations/events/{event_id}/acts"),
                &[
                    ("act_type", TORTURE),
                    ("victim_name", &pick),
                    ("statements_signed", "01000000000036"),
                ],
            )
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        // The analyst sees the event, but neither the (confidential) victim nor the act
        // that would disclose them (a record is visible only with what it discloses).
        let mut an = Browser::new(&app.router);
        an.login("ana").await;
        let page = an.get(&event_url).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("Amaru"), "{b:?}: analyst sees no name");
        assert!(
            !page.body.contains("Add an act"),
            "no write forms for analysts"
        );
    }
}

#[tokio::test]
async fn a_confidential_act_is_invisible_in_every_channel() {
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ana) = app.user("ana", Role::Analyst).await;
        let (s, ev) = app.api(&dora, "POST", "/api/v1/violations/events", Some(serde_json::json!({"title": "Detention wave", "country": "SYR", "start_date": "2024-01"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{ev}");
        let ev = ev["id"].as_i64().unwrap();
        let (_, p) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/persons",
                Some(serde_json::json!({"name": "Omar Haddad", "confidentiality": "internal"})),
            )
            .await;
        let p = p["id"].as_i64().unwrap();
        let (s, open) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/acts",
                Some(serde_json::json!({"event_id": ev, "victim_id": p, "act_type": ARREST})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{open}");
        let (s, secret) = app
            .api(&dora, "POST", "/api/v1/violations/acts", Some(serde_json::json!({"event_id": ev, "victim_id": p, "act_type": TORTURE, "confidentiality": "confidential"})))
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let secret = secret["id"].as_i64().unwrap();
        // Bad input through the API: clear errors naming the field.
        let (s, e) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/acts",
                Some(serde_json::json!({"event_id": ev, "act_type": ARREST})),
            )
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("victim_id"))
        );
        let (s, e) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/acts",
                Some(serde_json::json!({"event_id": ev, "victim_id": p, "act_type": "123"})),
            )
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("act_type"))
        );
        // The documenter (creator) sees both; the analyst only the open one.
        for (tok, n) in [(&dora, 2), (&ana, 1)] {
            let (_, list) = app.api(tok, "GET", "/api/v1/violations/acts", None).await;
            assert_eq!(list["total"], n, "{b:?} list");
            let (_, acts) = app
                .api(
                    tok,
                    "GET",
                    &format!("/api/v1/violations/events/{ev}/acts"),
                    None,
                )
                .await;
            assert_eq!(acts["total"], n, "event acts");
            let (_, evs) = app.api(tok, "GET", "/api/v1/violations/events", None).await;
            assert_eq!(evs["items"][0]["acts"], n, "act counter");
            let (_, lens) = app.api(tok, "GET", "/api/v1/violations/lenses", None).await;
            let torture = lens
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["lens"] == "torture")
                .unwrap()
                .clone();
            assert_eq!(
                torture["events"], 0,
                "a restricted act puts no lens tag on its event"
            );
            let (_, case) = app
                .api(
                    tok,
                    "GET",
                    &format!("/api/v1/violations/events/{ev}/case"),
                    None,
                )
                .await;
            assert_eq!(
                case["acts"].as_array().map(|a| a.len()),
                Some(n as usize),
                "export"
            );
        }
        let (s, _) = app
            .api(
                &ana,
                "GET",
                &format!("/api/v1/violations/acts/{secret}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "API record");
        let mut an = Browser::new(&app.router);
        an.login("ana").await;
        assert_eq!(
            an.get(&format!("/violations/acts/{secret}")).await.status,
            StatusCode::NOT_FOUND,
            "page"
        );
        let page = an.get(&format!("/violations/events/{ev}")).await;
        assert!(
            !page.body.contains(&format!("/violations/acts/{secret}\"")),
            "event page"
        );
        let lens = an.get("/violations/lenses/torture").await;
        assert!(lens.body.contains("card-number\">0<"), "lens page counts");
        // The person is internal: the analyst reads it, but gets a pseudonym from the API.
        let (_, person) = app
            .api(
                &ana,
                "GET",
                &format!("/api/v1/violations/persons/{p}"),
                None,
            )
            .await;
        assert!(
            person["name"].as_str().unwrap().starts_with("P-"),
            "{person}"
        );
        let (_, person) = app
            .api(
                &dora,
                "GET",
                &format!("/api/v1/violations/persons/{p}"),
                None,
            )
            .await;
        assert_eq!(person["name"], "Omar Haddad");
        // Without a token: 401.
        let (s, _, _) = app
            .call(
                Request::get("/api/v1/violations/events")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn evidence_uploads_stream_hash_and_refuse_bad_files_without_leftovers() {
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ana) = app.user("ana", Role::Analyst).await;
        let (_, ev) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/events",
                Some(serde_json::json!({"title": "Clinic"})),
            )
            .await;
        let ev = ev["id"].as_i64().unwrap();
        let data: Vec<u8> = (0..2_500_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        let file = app.store.data_dir().join("sample.bin");
        std::fs::write(&file, &data).unwrap();
        let out = std::process::Command::new("sha256sum")
            .arg(&file)
            .output()
            .unwrap();
        let expected = String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        let ev_s = ev.to_string();
        let body = multipart(
            &[
                ("title", "Video of the raid"),
                ("event_id", &ev_s),
                ("acquired_from", "Killa Huaman"),
                ("acquired_how", "USB stick"),
                ("sha256", &expected),
                ("confidentiality", "internal"),
            ],
            Some(("raid.mp4", &data)),
            "XyZ",
            false,
        );
        let (s, rec, _) = app.call(upload_req(&dora, body)).await;
        let rec: serde_json::Value = serde_json::from_slice(&rec).unwrap();
        assert_eq!(s, StatusCode::CREATED, "{rec}");
        assert_eq!(
            rec["sha256"],
            expected.as_str(),
            "{b:?}: equal to sha256sum"
        );
        assert_eq!(rec["size_bytes"], 2_500_000);
        let id = rec["id"].as_i64().unwrap();
        // The content comes back byte for byte, and the download is in the custody log.
        let (s, content, h) = app
            .call(
                Request::get(format!("/api/v1/evidence/{id}/content"))
                    .header(header::AUTHORIZATION, format!("Bearer {ana}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h.get(header::CONTENT_LENGTH).unwrap(), "2500000");
        assert!(content == data);
        let (_, log) = app
            .api(
                &dora,
                "GET",
                &format!("/api/v1/evidence/{id}/custody"),
                None,
            )
            .await;
        let actions: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["acquired", "uploaded", "downloaded"]);
        let records = count(&app.store, "vio_evidence").await;
        // A claimed hash that does not match.
        let body = multipart(
            &[("sha256", &"0".repeat(64))],
            Some(("x.bin", b"other content")),
            "XyZ",
            false,
        );
        let (s, e, _) = app.call(upload_req(&dora, body)).await;
        let e: serde_json::Value = serde_json::from_slice(&e).unwrap();
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("sha256")),
            "{e}"
        );
        // A truncated upload (the connection dropped mid-file).
        let body = multipart(&[("title", "cut")], Some(("cut.bin", &data)), "XyZ", true);
        let (s, _, _) = app.call(upload_req(&dora, body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // Larger than the configured limit.
        let mut tx = app.store.begin(&Actor::system()).await.unwrap();
        accounts::set_setting(
            &mut tx,
            dignity_store::violations::SETTING_MAX_UPLOAD,
            "1000000",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let body = multipart(&[], Some(("big.bin", &data)), "XyZ", false);
        let (s, e, _) = app.call(upload_req(&dora, body)).await;
        assert_eq!(
            s,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            String::from_utf8_lossy(&e)
        );
        // None of the refused uploads left a record, a stored file or a temporary file.
        assert_eq!(count(&app.store, "vio_evidence").await, records);
        assert_eq!(tmp_files(&app.store), 0, "{b:?}: no orphan temporary files");
        let stored = std::fs::read_dir(app.store.data_dir().join("files/sha256"))
            .unwrap()
            .count();
        assert_eq!(stored, 1, "only the accepted file is stored");
        // An analyst may not upload.
        let body = multipart(&[], Some(("a.bin", b"abc")), "XyZ", false);
        let (s, _, _) = app.call(upload_req(&ana, body)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_violations_endpoints() {
    let app = app(Backend::Sqlite).await;
    let (s, body, _) = app
        .call(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    for p in [
        "/api/v1/evidence",
        "/api/v1/evidence/{id}/content",
        "/api/v1/violations/events",
        "/api/v1/violations/acts",
        "/api/v1/violations/deadlines",
        "/api/v1/violations/cases",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
    for p in [
        "/api/v1/violations/events/{id}",
        "/api/v1/violations/acts/{id}",
        "/api/v1/violations/persons/{id}",
        "/api/v1/violations/involvements/{id}",
        "/api/v1/violations/information/{id}",
    ] {
        for m in ["put", "patch"] {
            let op = &doc["paths"][p][m];
            assert!(op.is_object(), "{m} {p} missing");
            for status in ["200", "409", "422"] {
                assert!(op["responses"].get(status).is_some(), "{m} {p} {status}");
            }
        }
    }
    assert!(
        doc["paths"]["/api/v1/evidence"]["post"]["requestBody"]["content"]
            .get("multipart/form-data")
            .is_some()
    );
}

// ------------------------------------------------------------ edit forms --

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

#[tokio::test]
async fn an_officer_edits_an_event_with_field_errors_kept_input_and_stale_forms_refused() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let id = entry_case(&mut br, "Raid on the clinic", "Amaru Quispe").await;
        let edit = format!("/violations/events/{id}/edit");
        let page = br.get(&format!("/violations/events/{id}")).await;
        assert!(
            page.body.contains(&edit),
            "the event page links to its edit form"
        );
        let form = br.get(&edit).await;
        assert_eq!(form.status, StatusCode::OK, "{b:?}");
        assert!(form.body.contains("value=\"Raid on the clinic\""));
        assert!(form.body.contains("value=\"2024-03-05\""));
        let v1 = version(&form.body);
        let audits_before = count(&app.store, "audit_log").await;

        // Dates out of order: the field is marked, the typed values stay, nothing is written.
        let bad = [
            ("version", v1.as_str()),
            ("title", "Raid on the San Martín clinic"),
            ("start_date", "2024-03"),
            ("end_date", "2024-02-10"),
            ("country", "PER"),
            ("place", "Jr. Ucayali 120"),
            ("confidentiality", "confidential"),
        ];
        let r = br.submit(&edit, &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(r.body.contains("before the start"), "{}", r.body);
        assert!(r.body.contains("value=\"Raid on the San Martín clinic\""));
        assert!(r.body.contains("value=\"Jr. Ucayali 120\""));
        assert!(r.body.contains("id=\"f-end_date\" name=\"end_date\" value=\"2024-02-10\" dir=\"auto\" aria-describedby=\"f-end_date-hint f-end_date-error\" aria-invalid=\"true\""), "{}", r.body);
        assert_eq!(
            one_clear(&app.store, "vio_events.title", id).await,
            "Raid on the clinic"
        );
        assert_eq!(count(&app.store, "audit_log").await, audits_before);

        // An unknown vocabulary code is refused too.
        let r = br
            .submit(
                &edit,
                &[
                    ("version", v1.as_str()),
                    ("title", "Raid"),
                    ("violation_status", "99999999999999"),
                    ("confidentiality", "internal"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("aria-invalid=\"true\""));

        // A good save: dates with their precision, location, confidentiality, lenses.
        let good = [
            ("version", v1.as_str()),
            ("title", "Raid on the San Martín clinic"),
            ("start_date", "2024-03"),
            ("end_date", "~2024-04-02"),
            ("country", "PER"),
            ("admin_area", "Lima"),
            ("place", "Jr. Ucayali 120"),
            ("coordinates", "-12.05, -77.03"),
            ("lenses", "torture"),
            ("confidentiality", "internal"),
        ];
        // Raising the level changes who may see the record: that needs ManageAccess, which
        // a documenter does not have (403, nothing written).
        let mut raise = good.to_vec();
        raise[9] = ("confidentiality", "confidential");
        let r = br.submit(&edit, &raise).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b:?}");
        assert_eq!(count(&app.store, "audit_log").await, audits_before);
        let r = br.submit(&edit, &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location, format!("/violations/events/{id}?flash=saved"));
        let page = br.get(&format!("/violations/events/{id}")).await;
        assert!(page.body.contains("Raid on the San Martín clinic"));
        assert!(page.body.contains("2024-03 – ~2024-04-02"), "{}", page.body);
        assert!(page.body.contains("Jr. Ucayali 120"));
        assert!(page.body.contains("/violations/lenses/torture"));
        assert_eq!(
            one_text(
                &app.store,
                &format!("SELECT confidentiality FROM vio_events WHERE id = {id}")
            )
            .await,
            "internal"
        );
        // The place is stored encrypted, and the change is audited with before and after.
        assert_ne!(
            one_text(
                &app.store,
                &format!("SELECT place FROM vio_events WHERE id = {id}")
            )
            .await,
            "Jr. Ucayali 120"
        );
        assert_eq!(
            one_i64(
                &app.store,
                &format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = 'event.update' AND record_id = '{id}' \
                     AND before_hash IS NOT NULL AND after_hash IS NOT NULL"
                )
            )
            .await,
            1
        );

        // The same old form sent again (someone else saved meanwhile): refused, nothing written.
        let mut stale = good.to_vec();
        stale[1] = ("title", "An older idea of the title");
        let r = br.submit(&edit, &stale).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b:?}");
        assert!(
            r.body.contains("someone else changed this record"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("value=\"An older idea of the title\""),
            "the user's input is kept"
        );
        assert_eq!(
            one_clear(&app.store, "vio_events.title", id).await,
            "Raid on the San Martín clinic"
        );
        // The events list finds it by whole words of the new title, in any order and case
        // (titles are encrypted; the filter matches keyed words), and says so.
        let list = br.get("/violations?q=MART%C3%8DN+raid").await;
        assert!(list.body.contains("Raid on the San Martín clinic"), "{b:?}");
        assert!(
            list.body.contains("Whole words, in any order"),
            "the filter explains how it matches"
        );
        for miss in ["/violations?q=Mart", "/violations?q=raid+clinic+Ucayali"] {
            let list = br.get(miss).await;
            assert!(!list.body.contains("San Martín clinic"), "{b:?}: {miss}");
        }
    }
}

#[tokio::test]
async fn acts_persons_involvements_and_information_are_edited_through_forms() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let ev = entry_case(&mut br, "Arrest at the market", "Rosa Mamani").await;
        let act = one_i64(
            &app.store,
            &format!("SELECT id FROM vio_acts WHERE event_id = {ev}"),
        )
        .await;
        let victim = one_i64(
            &app.store,
            &format!("SELECT victim_id FROM vio_acts WHERE id = {act}"),
        )
        .await;
        let inv = one_i64(
            &app.store,
            &format!("SELECT id FROM vio_involvements WHERE act_id = {act}"),
        )
        .await;
        let perp = one_i64(
            &app.store,
            &format!("SELECT perpetrator_id FROM vio_involvements WHERE id = {inv}"),
        )
        .await;
        let info = one_i64(
            &app.store,
            &format!("SELECT id FROM vio_information WHERE event_id = {ev}"),
        )
        .await;
        let source = one_i64(
            &app.store,
            &format!("SELECT source_id FROM vio_information WHERE id = {info}"),
        )
        .await;
        let code = |list: i64| {
            format!("SELECT vocab_number FROM vocab_terms WHERE list_number = {list} ORDER BY sort_order LIMIT 1")
        };
        let medical = one_text(&app.store, &code(37)).await;
        let reliability = one_text(&app.store, &code(42)).await;
        let degree = one_text(&app.store, &code(18)).await;

        // The act: type, dates, the torture part, consequences.
        let page = br.get(&format!("/violations/acts/{act}")).await;
        let edit = format!("/violations/acts/{act}/edit");
        assert!(page.body.contains(&edit));
        let form = br.get(&edit).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body
                .contains(&format!("value=\"#{victim} — Rosa Mamani\"")),
            "{}",
            form.body
        );
        let ver = version(&form.body);
        let victim_ref = format!("#{victim} — Rosa Mamani");
        let mut fields = vec![
            ("version", ver.as_str()),
            ("act_type", TORTURE),
            ("victim", victim_ref.as_str()),
            ("start_date", "2024-03-05"),
            ("end_date", "2024-03-09"),
            ("medical_attention", medical.as_str()),
            ("consequences", "Broken arm, untreated for four days"),
            ("confidentiality", "internal"),
        ];
        // No victim: refused with the field named, nothing written.
        fields[2] = ("victim", "");
        let r = br.submit(&edit, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(r.body.contains("id=\"f-victim-error\""), "{}", r.body);
        assert!(
            r.body.contains("Broken arm, untreated for four days"),
            "input kept"
        );
        assert_eq!(
            one_text(
                &app.store,
                &format!("SELECT act_type FROM vio_acts WHERE id = {act}")
            )
            .await,
            ARREST
        );
        fields[2] = ("victim", victim_ref.as_str());
        let r = br.submit(&edit, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = br.get(&format!("/violations/acts/{act}")).await;
        assert!(page.body.contains("Broken arm, untreated for four days"));
        assert!(page.body.contains("2024-03-05 – 2024-03-09"));
        assert_eq!(
            one_text(
                &app.store,
                &format!("SELECT act_type FROM vio_acts WHERE id = {act}")
            )
            .await,
            TORTURE
        );
        assert_eq!(
            one_i64(&app.store, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'act.update' AND record_id = '{act}'")).await,
            1
        );

        // The person: names, other names, date of birth with its precision.
        let edit = format!("/violations/persons/{victim}/edit");
        assert!(br
            .get(&format!("/violations/persons/{victim}"))
            .await
            .body
            .contains(&edit));
        let form = br.get(&edit).await;
        assert_eq!(form.status, StatusCode::OK);
        let ver = version(&form.body);
        let mut fields = vec![
            ("version", ver.as_str()),
            ("person_type", "individual"),
            ("name", "Rosa Elena Mamani"),
            ("other_names", "Роза Мамани\nR. Mamani"),
            ("birth_date", "1990-13"),
            ("age_group", "adult"),
            ("confidentiality", "confidential"),
        ];
        let r = br.submit(&edit, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(r.body.contains("id=\"f-birth_date-error\""), "{}", r.body);
        assert!(r.body.contains("Роза Мамани"));
        fields[4] = ("birth_date", "~1990-05-01");
        let r = br.submit(&edit, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = br.get(&format!("/violations/persons/{victim}")).await;
        assert!(
            page.body.contains("Rosa Elena Mamani") && page.body.contains("Роза Мамани; R. Mamani")
        );
        assert!(page.body.contains("~1990-05-01"));
        // The other names are found by the exact-name look-up.
        let list = br.get("/violations/persons?name=r.+mamani").await;
        assert!(
            list.body
                .contains(&format!("/violations/persons/{victim}\"")),
            "{}",
            list.body
        );

        // The involvement: degree of involvement.
        let edit = format!("/violations/involvements/{inv}/edit");
        assert!(br
            .get(&format!("/violations/acts/{act}"))
            .await
            .body
            .contains(&edit));
        let form = br.get(&edit).await;
        assert_eq!(form.status, StatusCode::OK);
        let ver = version(&form.body);
        let perp_ref = format!("#{perp}");
        let r = br
            .submit(
                &edit,
                &[
                    ("version", &ver),
                    ("perpetrator", &perp_ref),
                    ("degree", "nonsense"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = br
            .submit(
                &edit,
                &[
                    ("version", &ver),
                    ("perpetrator", &perp_ref),
                    ("degree", &degree),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            one_text(
                &app.store,
                &format!("SELECT degree FROM vio_involvements WHERE id = {inv}")
            )
            .await,
            degree
        );

        // The information: now about the act, with its reliability and remarks.
        let edit = format!("/violations/information/{info}/edit");
        assert!(br
            .get(&format!("/violations/events/{ev}"))
            .await
            .body
            .contains(&edit));
        let form = br.get(&edit).await;
        assert_eq!(form.status, StatusCode::OK);
        let ver = version(&form.body);
        let src = format!("#{source}");
        let act_s = act.to_string();
        let r = br
            .submit(
                &edit,
                &[
                    ("version", &ver),
                    ("source", &src),
                    ("act_id", &act_s),
                    ("reliability", &reliability),
                    ("info_date", "2024-03-10"),
                    ("remarks", "Met in person"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            one_i64(
                &app.store,
                &format!("SELECT act_id FROM vio_information WHERE id = {info}")
            )
            .await,
            act
        );
        let form = br.get(&edit).await;
        assert!(form.body.contains("Met in person"));
        assert_ne!(
            version(&form.body),
            ver,
            "a saved change gives a new version"
        );
    }
}

#[tokio::test]
async fn chains_of_events_and_relationships_between_persons_are_added_in_the_ui() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let e1 = entry_case(&mut br, "First raid", "Amaru Quispe").await;
        let e2 = entry_case(&mut br, "Reprisal raid", "Killa Quispe").await;
        let chain_type = one_text(&app.store, "SELECT vocab_number FROM vocab_terms WHERE list_number = 22 ORDER BY sort_order LIMIT 1").await;
        let chain_label = one_text(
            &app.store,
            "SELECT label_en FROM vocab_terms WHERE list_number = 22 ORDER BY sort_order LIMIT 1",
        )
        .await;
        let page = br.get(&format!("/violations/events/{e1}")).await;
        assert!(page
            .body
            .contains(&format!("action=\"/violations/events/{e1}/links\"")));
        // Chained to itself: refused with a message, nothing written.
        let e1s = e1.to_string();
        let r = br
            .submit(
                &format!("/violations/events/{e1}/links"),
                &[("link_type", &chain_type), ("to_event", &e1s)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(br
            .get(&r.location)
            .await
            .body
            .contains("cannot be chained to itself"));
        assert_eq!(count(&app.store, "vio_event_links").await, 0);
        let e2s = e2.to_string();
        let r = br
            .submit(
                &format!("/violations/events/{e1}/links"),
                &[("link_type", &chain_type), ("to_event", &e2s)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = br.get(&format!("/violations/events/{e2}")).await;
        assert!(
            page.body.contains(&format!(
                "/violations/events/{e1}\">Event {e1}</a> — {chain_label}"
            )),
            "{}",
            page.body
        );

        let a = one_i64(
            &app.store,
            &format!("SELECT victim_id FROM vio_acts WHERE event_id = {e1}"),
        )
        .await;
        let bb = one_i64(
            &app.store,
            &format!("SELECT victim_id FROM vio_acts WHERE event_id = {e2}"),
        )
        .await;
        let rel_type = one_text(&app.store, "SELECT vocab_number FROM vocab_terms WHERE list_number = 21 ORDER BY sort_order LIMIT 1").await;
        let other = format!("#{bb} — Killa Quispe");
        let r = br
            .submit(
                &format!("/violations/persons/{a}/links"),
                &[
                    ("link_type", &rel_type),
                    ("person_b", &other),
                    ("start_date", "2001"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!r.location.contains("problem"), "{}", r.location);
        let page = br.get(&format!("/violations/persons/{bb}")).await;
        assert!(
            page.body
                .contains(&format!("/violations/persons/{a}\">Person {a}</a>")),
            "{}",
            page.body
        );
        assert_eq!(count(&app.store, "vio_person_links").await, 1);
    }
}

#[tokio::test]
async fn a_role_that_may_not_edit_gets_403_and_nothing_is_written() {
    for b in backends() {
        let app = app(b).await;
        app.user("dora", Role::Documenter).await;
        app.user("ana", Role::Analyst).await;
        let mut dora = Browser::new(&app.router);
        dora.login("dora").await;
        let ev = entry_case(&mut dora, "Raid on the clinic", "Amaru Quispe").await;
        let act = one_i64(
            &app.store,
            &format!("SELECT id FROM vio_acts WHERE event_id = {ev}"),
        )
        .await;
        let victim = one_i64(
            &app.store,
            &format!("SELECT victim_id FROM vio_acts WHERE id = {act}"),
        )
        .await;
        let audits = count(&app.store, "audit_log").await;
        let mut ana = Browser::new(&app.router);
        ana.login("ana").await;
        let page = ana.get(&format!("/violations/events/{ev}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("/edit\""),
            "no edit links for an analyst"
        );
        for path in [
            format!("/violations/events/{ev}/edit"),
            format!("/violations/acts/{act}/edit"),
            format!("/violations/persons/{victim}/edit"),
        ] {
            assert_eq!(
                ana.get(&path).await.status,
                StatusCode::FORBIDDEN,
                "{path} {b:?}"
            );
            let r = ana
                .submit(
                    &path,
                    &[
                        ("title", "Changed"),
                        ("name", "Changed"),
                        ("act_type", TORTURE),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {b:?}");
        }
        let r = ana
            .submit(
                &format!("/violations/events/{ev}/links"),
                &[("link_type", "x"), ("to_event", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            one_clear(&app.store, "vio_events.title", ev).await,
            "Raid on the clinic"
        );
        // Access checks write read entries only; no change was audited.
        assert_eq!(
            one_i64(&app.store, &format!("SELECT COUNT(*) FROM audit_log WHERE seq > {audits} AND action NOT LIKE '%read%' AND action NOT LIKE 'session%' AND action NOT LIKE 'login%' AND action NOT LIKE 'user.%'")).await,
            0
        );
        // A form without its CSRF token is refused as well.
        let r = dora
            .send(
                Request::post(format!("/violations/events/{ev}/edit"))
                    .header(header::COOKIE, dora.cookie_header())
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("title=Changed&confidentiality=internal"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

// --------------------------------------------------------------- API edits --

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

#[tokio::test]
async fn records_are_edited_through_the_api_with_validation_versions_and_audit() {
    use serde_json::json;
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ana) = app.user("ana", Role::Analyst).await;
        let (_, dan) = app.user("dan", Role::Documenter).await;
        let code = |list: i64| {
            format!("SELECT vocab_number FROM vocab_terms WHERE list_number = {list} ORDER BY sort_order LIMIT 1")
        };
        let degree = one_text(&app.store, &code(18)).await;
        let reliability = one_text(&app.store, &code(42)).await;
        let post = |path: &'static str, body: serde_json::Value| {
            let app = &app;
            let dora = dora.clone();
            async move {
                let (s, r) = app.api(&dora, "POST", path, Some(body)).await;
                assert_eq!(s, StatusCode::CREATED, "{path}: {r}");
                r["id"].as_i64().unwrap()
            }
        };
        let ev = post("/api/v1/violations/events", json!({"title": "Night raid", "country": "PER", "start_date": "2024-03", "description": "Soldiers entered the village."})).await;
        let victim = post(
            "/api/v1/violations/persons",
            json!({"name": "Amaru Quispe", "sex": null}),
        )
        .await;
        let soldier = post("/api/v1/violations/persons", json!({"name": "Captain R."})).await;
        let source = post("/api/v1/violations/persons", json!({"name": "Rosa Mamani"})).await;
        let act = post("/api/v1/violations/acts", json!({"event_id": ev, "victim_id": victim, "act_type": ARREST, "perpetrators": [{"perpetrator_id": soldier}]})).await;
        let inv = one_i64(
            &app.store,
            &format!("SELECT id FROM vio_involvements WHERE act_id = {act}"),
        )
        .await;
        let info = post(
            "/api/v1/violations/information",
            json!({"source_id": source, "event_id": ev, "info_date": "2024-03-05"}),
        )
        .await;

        // One case per record type: a good PATCH, a refused field, a stale write, a PUT.
        struct Case {
            path: String,
            good: serde_json::Value,
            bad: serde_json::Value,
            bad_field: &'static str,
            put: serde_json::Value,
            check: (&'static str, i64),
            expect: &'static str,
            audit: &'static str,
            audit_id: i64,
        }
        let cases = [
            Case {
                path: format!("/api/v1/violations/events/{ev}"),
                good: json!({"title": "Night raid on Accomarca"}),
                bad: json!({"start_date": "2024-05", "end_date": "2024-01"}),
                bad_field: "end_date",
                put: json!({"title": "Raid (replaced)", "country": "PER"}),
                check: ("vio_events.title", ev),
                expect: "Raid (replaced)",
                audit: "event.update",
                audit_id: ev,
            },
            Case {
                path: format!("/api/v1/violations/acts/{act}"),
                good: json!({"act_type": TORTURE, "start_date": "2024-03-02"}),
                bad: json!({"act_type": "123"}),
                bad_field: "act_type",
                put: json!({"victim_id": victim, "act_type": ARREST, "property_value": "none"}),
                check: ("vio_acts.property_value", act),
                expect: "none",
                audit: "act.update",
                audit_id: act,
            },
            Case {
                path: format!("/api/v1/violations/persons/{victim}"),
                good: json!({"gender": "man", "birth_date": "1990"}),
                bad: json!({"birth_date": "the nineties"}),
                bad_field: "birth_date",
                put: json!({"name": "Amaru Quispe Huamán", "age_group": "adult"}),
                check: ("vio_persons.age_group", victim),
                expect: "adult",
                audit: "person.update",
                audit_id: victim,
            },
            Case {
                path: format!("/api/v1/violations/involvements/{inv}"),
                good: json!({"degree": degree}),
                bad: json!({"degree": "nonsense"}),
                bad_field: "degree",
                put: json!({"perpetrator_id": soldier, "degree": degree}),
                check: ("vio_involvements.degree", inv),
                expect: "",
                audit: "involvement.update",
                audit_id: act,
            },
            Case {
                path: format!("/api/v1/violations/information/{info}"),
                good: json!({"reliability": reliability, "act_id": act}),
                bad: json!({"info_date": "2024-13-45"}),
                bad_field: "info_date",
                put: json!({"source_id": source, "info_date": "2024-03-06", "remarks": "Met in person."}),
                check: ("vio_information.info_date", info),
                expect: "2024-03-06",
                audit: "information.update",
                audit_id: ev,
            },
        ];
        for c in &cases {
            let v0 = app.etag(&dora, &c.path).await;
            // A refused field: 422 naming it, nothing written, the version unchanged.
            let audits = count(&app.store, "audit_log").await;
            let (s, e, _) = app
                .api_h(
                    &dora,
                    "PATCH",
                    &c.path,
                    &[("If-Match", &format!("\"{v0}\""))],
                    c.bad.clone(),
                )
                .await;
            assert_eq!(
                (s, e["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(c.bad_field)),
                "{} {b:?}: {e}",
                c.path
            );
            assert_eq!(app.etag(&dora, &c.path).await, v0, "{} unchanged", c.path);
            // An unknown field and a value of the wrong shape are named too.
            let (s, e, _) = app
                .api_h(&dora, "PATCH", &c.path, &[], json!({"colour": "red"}))
                .await;
            assert_eq!(
                (s, e["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("colour"))
            );
            let (s, e, _) = app
                .api_h(&dora, "PATCH", &c.path, &[], json!({"confidentiality": 3}))
                .await;
            assert_eq!(
                (s, e["error"]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("confidentiality"))
            );
            assert_eq!(count(&app.store, "audit_log").await, audits, "{}", c.path);

            // A good change with the version read: 200, a new version, audited.
            let (s, r, etag) = app
                .api_h(
                    &dora,
                    "PATCH",
                    &c.path,
                    &[("If-Match", &format!("\"{v0}\""))],
                    c.good.clone(),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{} {b:?}: {r}", c.path);
            let v1 = r["version"].as_str().unwrap().to_string();
            assert_ne!(v1, v0);
            assert_eq!(etag, v1);
            assert_eq!(app.etag(&dora, &c.path).await, v1);
            assert_eq!(
                one_i64(
                    &app.store,
                    &format!(
                        "SELECT COUNT(*) FROM audit_log WHERE action = '{}' AND record_id = '{}'",
                        c.audit, c.audit_id
                    )
                )
                .await,
                1,
                "{} audited",
                c.path
            );
            // A stale write (the version before that change) is refused: 409, nothing written.
            let audits = count(&app.store, "audit_log").await;
            let mut stale = c.put.clone();
            stale["version"] = json!(v0);
            let (s, e, _) = app.api_h(&dora, "PUT", &c.path, &[], stale).await;
            assert_eq!(
                (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
                (StatusCode::CONFLICT, Some("conflict"), Some("version")),
                "{} {b:?}: {e}",
                c.path
            );
            assert_eq!(count(&app.store, "audit_log").await, audits);
            assert_eq!(app.etag(&dora, &c.path).await, v1);
            // PUT with the current version replaces the fields.
            let mut put = c.put.clone();
            put["version"] = json!(v1);
            let (s, r, _) = app.api_h(&dora, "PUT", &c.path, &[], put).await;
            assert_eq!(s, StatusCode::OK, "{} {b:?}: {r}", c.path);
            if !c.expect.is_empty() {
                assert_eq!(
                    one_clear(&app.store, c.check.0, c.check.1).await,
                    c.expect,
                    "{}",
                    c.path
                );
            }
            // An analyst may not edit (403); another documenter without access to a
            // confidential record does not see it (404, below).
            let (s, _, _) = app.api_h(&ana, "PATCH", &c.path, &[], c.good.clone()).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{} analyst", c.path);
        }
        // What the PATCH and PUT wrote, as a reader sees it.
        let (_, e) = app
            .api(
                &dora,
                "GET",
                &format!("/api/v1/violations/events/{ev}"),
                None,
            )
            .await;
        assert_eq!(e["title"], "Raid (replaced)");
        assert_eq!(e["description"], "", "PUT replaces every field");
        assert_eq!(e["confidentiality"], "internal", "a level left out is kept");
        let (_, a) = app
            .api(
                &dora,
                "GET",
                &format!("/api/v1/violations/acts/{act}"),
                None,
            )
            .await;
        assert_eq!(a["act_type"], ARREST);
        assert_eq!(
            a["perpetrators"].as_array().unwrap().len(),
            1,
            "perpetrators kept"
        );
        let (_, p) = app
            .api(
                &dora,
                "GET",
                &format!("/api/v1/violations/persons/{victim}"),
                None,
            )
            .await;
        assert_eq!(p["name"], "Amaru Quispe Huamán");
        assert_eq!(p["confidentiality"], "confidential");
        // The encrypted name is stored encrypted, and the exact-name look-up follows.
        let stored = one_text(
            &app.store,
            &format!("SELECT name FROM vio_persons WHERE id = {victim}"),
        )
        .await;
        assert!(!stored.contains("Amaru"));
        let (_, found) = app
            .api(
                &dora,
                "GET",
                "/api/v1/violations/persons?name=quispe%20huam%C3%A1n%20amaru",
                None,
            )
            .await;
        assert_eq!(found["total"], 1, "{found}");
        let (_, i) = app
            .api(
                &dora,
                "GET",
                &format!("/api/v1/violations/information/{info}"),
                None,
            )
            .await;
        assert_eq!(
            (i["remarks"].as_str(), i["act_id"].as_i64()),
            (Some("Met in person."), None)
        );

        // What an edit cannot do: move an act, add perpetrators inline, name a person
        // the caller may not see.
        let path = format!("/api/v1/violations/acts/{act}");
        let (s, e, _) = app
            .api_h(&dora, "PATCH", &path, &[], json!({"event_id": ev + 1000}))
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("event_id"))
        );
        let (s, e, _) = app
            .api_h(
                &dora,
                "PATCH",
                &path,
                &[],
                json!({"perpetrators": [{"perpetrator_id": soldier}]}),
            )
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("perpetrators"))
        );
        let (s, e, _) = app
            .api_h(&dora, "PATCH", &path, &[], json!({"victim_id": 999_999}))
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("victim_id"))
        );
        let (s, _, _) = app
            .api_h(&dora, "PATCH", &path, &[], json!(["not", "an", "object"]))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // Need-to-know: another documenter neither sees nor edits the confidential person
        // (404, as for a record that does not exist), nor names them as a victim.
        let (s, _, _) = app
            .api_h(
                &dan,
                "PATCH",
                &format!("/api/v1/violations/persons/{victim}"),
                &[],
                json!({"gender": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _, _) = app
            .api_h(
                &dan,
                "PATCH",
                "/api/v1/violations/persons/999999",
                &[],
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The act itself discloses its confidential victim: dan may not read it either.
        let (s, e, _) = app
            .api_h(&dan, "PATCH", &path, &[], json!({"victim_id": soldier}))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        let (_, p) = app
            .api(
                &dora,
                "GET",
                &format!("/api/v1/violations/persons/{victim}"),
                None,
            )
            .await;
        assert_eq!(p["gender"], "", "nothing written by refused calls");
    }
}

#[tokio::test]
async fn office_document_properties_are_shown_and_stripped_from_public_copies() {
    use calamine::Reader;
    use std::io::Read;
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ev) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/events",
                Some(serde_json::json!({"title": "Prison visit"})),
            )
            .await;
        let ev = ev["id"].as_i64().unwrap();
        // A real workbook, written by a spreadsheet library with its document properties.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let props = rust_xlsxwriter::DocProperties::new()
            .set_title("Detainee list")
            .set_author("Rosa Mamani")
            .set_company("Comisión de Derechos");
        wb.set_properties(&props);
        let sheet = wb.add_worksheet();
        sheet
            .write_string(0, 0, "Cell block C: 14 detainees")
            .unwrap();
        // A reviewer's note on a cell: its author is named inside the workbook (as Excel
        // writes the user's name as the default author).
        sheet.set_default_note_author("Omar Haddad");
        sheet
            .insert_note(
                0,
                0,
                &rust_xlsxwriter::Note::new("Count again on the next visit")
                    .set_author("Omar Haddad"),
            )
            .unwrap();
        let xlsx = wb.save_to_buffer().unwrap();
        let ev_s = ev.to_string();
        // Sent as application/octet-stream: recognised as a spreadsheet by its contents.
        let body = multipart(
            &[
                ("title", "Detainee list"),
                ("event_id", &ev_s),
                ("confidentiality", "internal"),
            ],
            Some(("list.xlsx", &xlsx)),
            "XyZ",
            false,
        );
        let (s, rec, _) = app.call(upload_req(&dora, body)).await;
        let rec: serde_json::Value = serde_json::from_slice(&rec).unwrap();
        assert_eq!(s, StatusCode::CREATED, "{rec}");
        assert_eq!(
            rec["media_type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let id = rec["id"].as_i64().unwrap();
        let (_, e) = app
            .api(&dora, "GET", &format!("/api/v1/evidence/{id}"), None)
            .await;
        assert_eq!(e["metadata"]["Author"], "Rosa Mamani", "{e}");
        assert_eq!(e["metadata"]["Title"], "Detainee list");
        assert_eq!(e["metadata"]["Company"], "Comisión de Derechos");
        assert_eq!(e["metadata"]["People"], "Omar Haddad", "{e}");
        assert!(e["metadata"]["Created"]
            .as_str()
            .is_some_and(|d| d.len() >= 10));
        // The metadata is stored encrypted.
        let stored = one_text(
            &app.store,
            &format!("SELECT metadata FROM vio_evidence WHERE id = {id}"),
        )
        .await;
        assert!(!stored.contains("Rosa"));
        // The evidence page shows the properties under their names, with the copy button.
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let page = br.get(&format!("/violations/evidence/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains(">Author</dt><dd dir=\"auto\">Rosa Mamani</dd>"),
            "{}",
            page.body
        );
        assert!(page
            .body
            .contains(&format!("/violations/evidence/{id}/public-copy")));
        assert!(
            page.body
                .contains(">Comment and revision authors</dt><dd dir=\"auto\">Omar Haddad</dd>"),
            "{}",
            page.body
        );

        // The public copy: a derivative without the properties that still opens.
        let (s, c) = app
            .api(
                &dora,
                "POST",
                &format!("/api/v1/evidence/{id}/public-copy"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let copy = c["id"].as_i64().unwrap();
        let (_, ce) = app
            .api(&dora, "GET", &format!("/api/v1/evidence/{copy}"), None)
            .await;
        assert_eq!(ce["derivation"], "public_copy");
        assert_eq!(ce["original_id"], id);
        assert!(ce["metadata"].get("Author").is_none(), "{ce}");
        let (s, bytes, _) = app
            .call(
                Request::get(format!("/api/v1/evidence/{copy}/content"))
                    .header(header::AUTHORIZATION, format!("Bearer {dora}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("the copy is a zip");
        let mut core = String::new();
        z.by_name("docProps/core.xml")
            .unwrap()
            .read_to_string(&mut core)
            .unwrap();
        assert!(
            !core.contains("Rosa") && !core.contains("creator"),
            "{core}"
        );
        let mut app_xml = String::new();
        z.by_name("docProps/app.xml")
            .unwrap()
            .read_to_string(&mut app_xml)
            .unwrap();
        assert!(!app_xml.contains("Comisi"));
        // No part of the copy names the note's author; the note itself is kept.
        let mut all = String::new();
        for i in 0..z.len() {
            let mut part = String::new();
            if z.by_index(i).unwrap().read_to_string(&mut part).is_ok() {
                all.push_str(&part);
            }
        }
        assert!(!all.contains("Omar") && !all.contains("Rosa"), "{all}");
        assert!(all.contains("Count again on the next visit"));
        assert!(ce["metadata"].get("People").is_none(), "{ce}");
        // …and it still opens as the same workbook.
        let mut x =
            calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).expect("opens as a workbook");
        let sheet = x.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(
            sheet.get_value((0, 0)).unwrap().to_string(),
            "Cell block C: 14 detainees"
        );
        // A plain zip cannot be cleaned here: a clear refusal, nothing stored.
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("notes.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, b"notes").unwrap();
        let plain = w.finish().unwrap().into_inner();
        let body = multipart(
            &[("event_id", &ev_s), ("confidentiality", "internal")],
            Some(("notes.zip", &plain)),
            "XyZ",
            false,
        );
        let (_, rec, _) = app.call(upload_req(&dora, body)).await;
        let rec: serde_json::Value = serde_json::from_slice(&rec).unwrap();
        assert_eq!(rec["media_type"], "application/zip");
        let before = count(&app.store, "vio_evidence").await;
        let (s, e) = app
            .api(
                &dora,
                "POST",
                &format!("/api/v1/evidence/{}/public-copy", rec["id"]),
                None,
            )
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("media_type"))
        );
        assert_eq!(count(&app.store, "vio_evidence").await, before);
    }
}

#[tokio::test]
async fn lens_counters_follow_every_change_and_each_readers_access() {
    use serde_json::json;
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ana) = app.user("ana", Role::Analyst).await;
        let torture = |lens: &serde_json::Value| {
            lens.as_array()
                .unwrap()
                .iter()
                .find(|l| l["lens"] == "torture")
                .map(|l| l["events"].as_i64().unwrap())
                .unwrap()
        };
        let mut home = Browser::new(&app.router);
        home.login("ana").await;
        let row = |n: i64| {
            format!("<a href=\"/violations/lenses/torture\">Torture and ill-treatment</a></th><td class=\"num\">{n}</td>")
        };
        for (i, level) in ["internal", "confidential", "internal"].iter().enumerate() {
            let (s, _) = app
                .api(&dora, "POST", "/api/v1/violations/events", Some(json!({"title": format!("Beating {i}"), "lenses": ["torture"], "confidentiality": level})))
                .await;
            assert_eq!(s, StatusCode::CREATED);
            // Read twice: the second answer comes from the counters kept since the change,
            // and must equal a fresh count.
            for _ in 0..2 {
                let (_, d) = app
                    .api(&dora, "GET", "/api/v1/violations/lenses", None)
                    .await;
                let (_, a) = app
                    .api(&ana, "GET", "/api/v1/violations/lenses", None)
                    .await;
                let open = [1, 1, 2][i];
                assert_eq!(
                    (torture(&d), torture(&a)),
                    (i as i64 + 1, open),
                    "{b:?} after event {i}"
                );
                let page = home.get("/violations").await;
                assert!(page.body.contains(&row(open)), "{b:?}: home counter {open}");
            }
        }
        // An edit that removes the lens is counted at once as well.
        let id = one_i64(&app.store, "SELECT MIN(id) FROM vio_events").await;
        let (s, _, _) = app
            .api_h(
                &dora,
                "PATCH",
                &format!("/api/v1/violations/events/{id}"),
                &[],
                json!({"lenses": []}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, a) = app
            .api(&ana, "GET", "/api/v1/violations/lenses", None)
            .await;
        assert_eq!(torture(&a), 1);
        assert!(home.get("/violations").await.body.contains(&row(1)));
    }
}

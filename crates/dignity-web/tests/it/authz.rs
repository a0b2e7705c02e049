//! Authorization of record reads and writes as an attacker with a staff account sees it,
//! through the router on every backend: restricted records answer exactly like records
//! that do not exist (hole 2), confidentiality and need-to-know lists change only with
//! `ManageAccess` (hole 3), acts and evidence are hidden with what they disclose (hole 4),
//! the read-only role writes nothing and links need Read (hole 7), source records are
//! linked only by readers of both cases (hole 8).

use axum::http::StatusCode;
use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::protection::sources::{self as s, Mapping};
use dignity_store::testing::backends;
use dignity_store::testing::fixtures::{import_csv, missing_case};
use dignity_store::violations::{self as v, Vocab};
use serde_json::{json, Value};

use crate::common;
use common::Browser;

const ARREST: &str = "03010100000004";

common::web_app!();

impl App {
    /// An account, its actor and an API token.
    async fn user(&self, name: &str, role: Role) -> (Actor, String) {
        let (u, t) = common::account_with_token(&self.store, name, role).await;
        (accounts::actor_for(&self.store, &u).await.unwrap(), t)
    }
    async fn api(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let (status, b, _) =
            common::call(&self.router, common::bearer(token, method, path, body)).await;
        (status, String::from_utf8_lossy(&b).into_owned())
    }
    async fn created(&self, token: &str, path: &str, body: Value) -> i64 {
        let (st, b) = self.api(token, "POST", path, Some(body)).await;
        assert_eq!(st, StatusCode::CREATED, "{path}: {b}");
        serde_json::from_str::<Value>(&b).unwrap()["id"]
            .as_i64()
            .unwrap()
    }
}

const MISSING_ID: i64 = 987_654;

/// A restricted record answers like a missing one: same status, same body (but for the id
/// the caller sent).
async fn same_as_missing(a: &App, token: &str, path: &str, id: i64) {
    let (st, body) = a
        .api(token, "GET", &path.replace("{id}", &id.to_string()), None)
        .await;
    let (st_missing, body_missing) = a
        .api(
            token,
            "GET",
            &path.replace("{id}", &MISSING_ID.to_string()),
            None,
        )
        .await;
    assert_eq!(st_missing, StatusCode::NOT_FOUND, "{path}: {body_missing}");
    assert_eq!(st, st_missing, "{path}: {body}");
    assert_eq!(
        body.replace(&id.to_string(), "N"),
        body_missing.replace(&MISSING_ID.to_string(), "N"),
        "{path}"
    );
}

#[tokio::test]
async fn restricted_records_answer_not_found_like_missing_ones() {
    for b in backends() {
        let a = app(b).await;
        let (_, dora) = a.user("dora", Role::Documenter).await;
        let (_, ana) = a.user("ana", Role::Analyst).await;
        let (_, adam) = a.user("adam", Role::Admin).await;
        // A strictly confidential person (only Dora, who created it, is on the list).
        let secret = a
            .created(&dora, "/api/v1/violations/persons", json!({ "name": "Amaru Quispe Mamani", "confidentiality": "strictly_confidential" }))
            .await;
        let pseudonym = v::pseudonym(&a.store, secret);
        for token in [&ana, &adam] {
            same_as_missing(&a, token, "/api/v1/violations/persons/{id}", secret).await;
        }
        let (_, body) = a
            .api(
                &ana,
                "GET",
                &format!("/api/v1/violations/persons/{secret}"),
                None,
            )
            .await;
        assert!(!body.contains(&pseudonym), "{b:?}: {body}");
        // The page, for a signed-in analyst.
        let mut br = Browser::new(&a.router);
        br.login("ana").await;
        let r = br.get(&format!("/violations/persons/{secret}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b:?}");
        assert!(!r.body.contains(&pseudonym) && !r.body.contains("Amaru"));
        let missing = br.get(&format!("/violations/persons/{MISSING_ID}")).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        // An internal act on an internal event whose victim is that person; internal
        // evidence about a strictly confidential event.
        let ev = a
            .created(&dora, "/api/v1/violations/events", json!({ "title": "Raid", "start_date": "2024-03-05", "country": "PER", "confidentiality": "internal" }))
            .await;
        let act = a
            .created(&dora, "/api/v1/violations/acts", json!({ "event_id": ev, "victim_id": secret, "act_type": ARREST, "confidentiality": "internal" }))
            .await;
        let (st, _) = a
            .api(
                &dora,
                "GET",
                &format!("/api/v1/violations/acts/{act}"),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        same_as_missing(&a, &ana, "/api/v1/violations/acts/{id}", act).await;
        let (_, list) = a.api(&ana, "GET", "/api/v1/violations/acts", None).await;
        let list: Value = serde_json::from_str(&list).unwrap();
        assert_eq!(list["total"], 0, "{b:?}: {list}");
        let (_, acts) = a
            .api(
                &ana,
                "GET",
                &format!("/api/v1/violations/events/{ev}/acts"),
                None,
            )
            .await;
        assert_eq!(
            serde_json::from_str::<Value>(&acts).unwrap()["total"],
            0,
            "{acts}"
        );
        let r = br.get(&format!("/violations/acts/{act}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b:?}");
    }
}

#[tokio::test]
async fn documenters_cannot_change_who_may_see_a_record() {
    for b in backends() {
        let a = app(b).await;
        let (_, dora) = a.user("dora", Role::Documenter).await;
        let (_, ana) = a.user("ana", Role::Analyst).await;
        let (cora_actor, cora) = a.user("cora", Role::Coordinator).await;
        let cora_id = cora_actor.user_id.unwrap();
        let ev = a
            .created(&dora, "/api/v1/violations/events", json!({ "title": "Raid", "start_date": "2024-03-05", "country": "PER", "confidentiality": "confidential", "need_to_know_users": [cora_id] }))
            .await;
        let path = format!("/api/v1/violations/events/{ev}");
        // Editing the title is fine.
        let (st, body) = a
            .api(
                &dora,
                "PATCH",
                &path,
                Some(json!({ "title": "Raid on the clinic" })),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b:?}: {body}");
        // Lowering the level, or putting the analyst on the list, is not.
        for change in [
            json!({ "confidentiality": "internal" }),
            json!({ "confidentiality": "public" }),
            json!({ "need_to_know_users": [cora_id, 99] }),
        ] {
            let (st, body) = a.api(&dora, "PATCH", &path, Some(change.clone())).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{b:?} {change}: {body}");
        }
        let (st, _) = a.api(&ana, "GET", &path, None).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{b:?}: still restricted");
        // The coordinator on the list may lower it.
        let (st, body) = a
            .api(
                &cora,
                "PATCH",
                &path,
                Some(json!({ "confidentiality": "internal" })),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b:?}: {body}");
        let (st, _) = a.api(&ana, "GET", &path, None).await;
        assert_eq!(st, StatusCode::OK, "{b:?}");
    }
}

#[tokio::test]
async fn analysts_write_nothing_and_links_need_read() {
    for b in backends() {
        let a = app(b).await;
        let (_, dora) = a.user("dora", Role::Documenter).await;
        let (_, dino) = a.user("dino", Role::Documenter).await;
        let (_, ana) = a.user("ana", Role::Analyst).await;
        let ev = a
            .created(&dora, "/api/v1/violations/events", json!({ "title": "Raid", "start_date": "2024-03-05", "country": "PER", "confidentiality": "internal" }))
            .await;
        let open = a
            .created(
                &dora,
                "/api/v1/violations/persons",
                json!({ "name": "Open Witness", "confidentiality": "internal" }),
            )
            .await;
        let secret = a
            .created(
                &dora,
                "/api/v1/violations/persons",
                json!({ "name": "Amaru Quispe", "confidentiality": "confidential" }),
            )
            .await;
        let before: i64 = count(&a, "audit_log").await;
        for (path, body) in [
            (
                "/api/v1/violations/information",
                json!({ "source_id": open, "event_id": ev }),
            ),
            (
                "/api/v1/violations/events",
                json!({ "title": "Mine", "start_date": "2024-03-05", "country": "PER" }),
            ),
            ("/api/v1/violations/persons", json!({ "name": "Someone" })),
            (
                "/api/v1/violations/acts",
                json!({ "event_id": ev, "victim_id": open, "act_type": ARREST }),
            ),
            (
                &format!("/api/v1/violations/events/{ev}/links") as &str,
                json!({ "to": ev, "link_type": "x" }),
            ),
        ] {
            let (st, resp) = a.api(&ana, "POST", path, Some(body)).await;
            assert!(
                st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND,
                "{b:?} {path}: {st} {resp}"
            );
        }
        assert_eq!(
            count(&a, "audit_log").await,
            before,
            "{b:?}: nothing written"
        );
        // Another documenter may not link the restricted person: the answer is the one
        // for a person that does not exist, and nothing is written.
        for (path, field) in [
            ("/api/v1/violations/acts", "victim_id"),
            ("/api/v1/violations/information", "source_id"),
        ] {
            let body = |p: i64| {
                if field == "victim_id" {
                    json!({ "event_id": ev, "victim_id": p, "act_type": ARREST })
                } else {
                    json!({ "source_id": p, "event_id": ev })
                }
            };
            let (st, resp) = a.api(&dino, "POST", path, Some(body(secret))).await;
            let (st_m, resp_m) = a.api(&dino, "POST", path, Some(body(MISSING_ID))).await;
            assert!(st.is_client_error(), "{b:?} {path}: {st} {resp}");
            assert_eq!(
                (st, resp.replace(&secret.to_string(), "N")),
                (st_m, resp_m.replace(&MISSING_ID.to_string(), "N")),
                "{b:?} {path}"
            );
        }
        assert_eq!(count(&a, "vio_acts").await, 0);
        assert_eq!(count(&a, "vio_information").await, 0);
    }
}

async fn count(a: &App, table: &str) -> i64 {
    common::count(&a.store, table).await
}

#[tokio::test]
async fn source_records_link_only_between_cases_the_user_reads() {
    for b in backends() {
        let a = app(b).await;
        let (dora_actor, _) = a.user("dora", Role::Documenter).await;
        let (dino_actor, dino) = a.user("dino", Role::Documenter).await;
        let (cora, _) = a.user("cora", Role::Coordinator).await;
        let vocab = Vocab::load(&a.store).await.unwrap();
        let secret = missing_case(
            &a.store,
            &dora_actor,
            &vocab,
            "Agron Krasniqi",
            "strictly_confidential",
        )
        .await;
        let mine = missing_case(
            &a.store,
            &dino_actor,
            &vocab,
            "Dragana Jovanovic",
            "confidential",
        )
        .await;
        let icrc = a
            .store
            .write(&cora, async |tx| {
                s::create_source(tx, "ICRC", "red_cross").await
            })
            .await
            .unwrap();
        let mapping: Mapping = [("external_id", "ID"), ("name", "Full name")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        import_csv(
            &a.store,
            &cora,
            icrc,
            "icrc.csv",
            b"ID,Full name\nK-1,Agron Krasniqi\nK-2,Dragana Jovanovic\n",
            &mapping,
        )
        .await;
        let (_, recs) = s::records(&a.store, Some(icrc), false, 10, 0)
            .await
            .unwrap();
        let k1 = recs.iter().find(|r| r.external_id == "K-1").unwrap().id;
        let k2 = recs.iter().find(|r| r.external_id == "K-2").unwrap().id;
        a.store
            .write(&dora_actor, async |tx| s::link(tx, k1, secret, true).await)
            .await
            .unwrap();
        // Dino moves Dora's record to his case: refused without naming her case.
        let (st, body) = a
            .api(
                &dino,
                "POST",
                "/api/v1/protection/links",
                Some(json!({ "record_id": k1, "missing_id": mine, "accept_conflicts": true })),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{b:?}: {body}");
        assert!(!body.contains(&format!("#{secret}")), "{body}");
        // Through the case page's form: unlinking her record from her case.
        let mut br = Browser::new(&a.router);
        br.login("dino").await;
        br.get(&format!("/protection/missing/{mine}")).await;
        let r = br
            .submit(
                &format!("/protection/missing/{mine}/link"),
                &[("record_id", &k1.to_string()), ("unlink", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b:?}: {}", r.location);
        let rec = s::get_record(&a.store, k1).await.unwrap().unwrap();
        assert_eq!(
            rec.missing_id,
            Some(secret),
            "{b:?}: still linked to her case"
        );
        // His own record to his own case: fine.
        let (st, body) = a
            .api(
                &dino,
                "POST",
                "/api/v1/protection/links",
                Some(json!({ "record_id": k2, "missing_id": mine, "accept_conflicts": true })),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b:?}: {body}");
    }
}

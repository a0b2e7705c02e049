//! The route × role × confidentiality matrix (issue 15, "make the class impossible").
//!
//! 1. Every route registered in `crates/dignity-web/src` (HTML and API, every method) is
//!    read from the sources by a small scanner (axum cannot list its routes) and must be
//!    classified in [`ROUTES`]: a new route without a line there fails this test, and so
//!    does a line for a route that no longer exists. The API part is compared with the
//!    OpenAPI document the code generates.
//! 2. One store is filled once with records at every confidentiality level (published
//!    public, unpublished public, internal, confidential, strictly confidential, and an act
//!    that discloses a strictly confidential victim), each carrying unique canary strings in
//!    its names and texts. Need-to-know lists hold the analyst, documenter, coordinator and
//!    admin — not the second admin, `admin_off`, nor the second analyst, `analyst_off`.
//! 3. Every GET route is called as anonymous, analyst, documenter, coordinator, admin and
//!    admin_off and analyst_off, with path ids filled with each level's record and with an id that does not
//!    exist. It fails when a canary appears where the rule says it must not (a level the
//!    reader may not read; a name for a reader who may not see names; anything unpublished
//!    on a public page), when a record the reader may not read answers differently from a
//!    record that does not exist, or on a server error.
//! 4. Every unsafe route is called (with a valid CSRF token, or a bearer token) by each
//!    persona without the right; it fails unless the answer is a refusal (401, 403, 404 or
//!    the sign-in page) and the audit log (the record of every write) is unchanged.
//!
//! Cases that fail today because a fix is under way on another branch are listed, each with
//! its reason, in [`KNOWN_OPEN_HOLES`]; the test asserts that each of them *still* fails, so
//! the list can only shrink. Everything else must pass.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::search::Registry;
use dignity_store::testing::{store, TestStore};
use dignity_store::Backend;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use tower::ServiceExt;

use crate::common;
use common::PW;

mod checks;
mod holes;
mod routes;

use routes::*;
use Role::{Admin as AD, Analyst as AN, Coordinator as CO, Documenter as DO};
use C::*;

// ------------------------------------------------------------------- personas --

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum P {
    Anon,
    Analyst,
    Documenter,
    Coordinator,
    Admin,
    /// An admin who is on no need-to-know list.
    AdminOff,
    /// An analyst who is on no need-to-know list.
    AnalystOff,
}

impl P {
    const ALL: [P; 7] = [
        P::Anon,
        P::Analyst,
        P::Documenter,
        P::Coordinator,
        P::Admin,
        P::AdminOff,
        P::AnalystOff,
    ];
    fn name(self) -> &'static str {
        match self {
            P::Anon => "anonymous",
            P::Analyst => "analyst",
            P::Documenter => "documenter",
            P::Coordinator => "coordinator",
            P::Admin => "admin",
            P::AdminOff => "admin_off",
            P::AnalystOff => "analyst_off",
        }
    }
    fn role(self) -> Role {
        match self {
            P::Anon => Role::Public,
            P::Analyst | P::AnalystOff => Role::Analyst,
            P::Documenter => Role::Documenter,
            P::Coordinator => Role::Coordinator,
            P::Admin | P::AdminOff => Role::Admin,
        }
    }
    /// `violations::sees_names` with the default settings.
    fn sees_names(self) -> bool {
        !matches!(self, P::Anon | P::Analyst | P::AnalystOff)
    }
}

// -------------------------------------------------------------------- records --

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum L {
    /// Public and published through the publishing workflow.
    Pub,
    /// Public, never published.
    Unpub,
    Int,
    Conf,
    Strict,
    /// An internal act whose victim is strictly confidential: readable only by who may
    /// read both (issue 15, hole 4).
    Mix,
}

impl L {
    fn tag(self) -> &'static str {
        match self {
            L::Pub => "PUB",
            L::Unpub => "UNPUB",
            L::Int => "INT",
            L::Conf => "CONF",
            L::Strict => "STRICT",
            L::Mix => "MIX",
        }
    }
    fn level(self) -> &'static str {
        match self {
            L::Pub | L::Unpub => "public",
            L::Int | L::Mix => "internal",
            L::Conf => "confidential",
            L::Strict => "strictly_confidential",
        }
    }
}

#[derive(Debug, Clone)]
struct Canary {
    text: String,
    kind: K,
    level: L,
    /// A name (or personal detail hidden with names): only for who may see names.
    name: bool,
    /// The record is published (the public may read its non-name texts).
    published: bool,
}

fn canary(kind: K, level: L, field: &str) -> String {
    format!("ZQ{:?}{}{}", kind, level.tag(), field).to_uppercase()
}

/// May `p` read a record at `level` (published or not)?
fn readable(p: P, level: L, published: bool) -> bool {
    match p {
        P::Anon => published,
        P::AdminOff | P::AnalystOff => matches!(level, L::Pub | L::Unpub | L::Int),
        _ => true,
    }
}

struct World {
    router: Router,
    store: TestStore,
    canaries: Vec<Canary>,
    /// (kind, level) → id
    ids: BTreeMap<(K, L), i64>,
    sessions: BTreeMap<P, Session>,
}

#[derive(Clone, Default)]
struct Session {
    cookie: String,
    csrf: String,
    token: String,
}

struct Resp {
    status: StatusCode,
    location: String,
    body: String,
}

impl World {
    async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap_or("").to_string())
            .unwrap_or_default();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            location,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// A request as `p`: the API with the bearer token, pages with the session cookie;
    /// unsafe methods with an empty JSON object or a form holding only the CSRF token.
    async fn call(&self, p: P, method: &str, path: &str) -> Resp {
        self.call_with(p, method, path, None).await
    }

    /// A body that the API would accept from someone with the right, for the writes where
    /// a refusal must come from the authorization and not from validation (hole 7).
    fn valid_body(&self, route: &str) -> Option<Value> {
        let id = |k: K| self.ids[&(k, L::Int)];
        Some(match route {
            "POST /api/v1/violations/events" => json!({ "title": "Matrix write" }),
            "POST /api/v1/violations/persons" => json!({ "name": "Matrix Write" }),
            "POST /api/v1/violations/acts" => {
                json!({ "event_id": id(K::Event), "victim_id": id(K::Person), "act_type": "03010100000004" })
            }
            "POST /api/v1/violations/information" => {
                json!({ "source_id": id(K::Person), "event_id": id(K::Event) })
            }
            "POST /api/v1/violations/interventions" => {
                json!({ "int_type": "urgent_appeal", "int_date": "2021-03-04" })
            }
            "POST /api/v1/protection/defenders" => {
                json!({ "name": "Matrix Write", "areas": ["land_environment"] })
            }
            "POST /api/v1/protection/missing" => {
                json!({ "name": "Matrix Write", "last_seen_date": "1999-04-12", "region": "Gjakova", "opened_on": "2001-03-01" })
            }
            "POST /api/v1/protection/defenders/{id}/attacks" => {
                json!({ "attack_type": "killing", "date": "2016-03-03" })
            }
            _ => return None,
        })
    }

    async fn call_with(&self, p: P, method: &str, path: &str, json_body: Option<Value>) -> Resp {
        let s = &self.sessions[&p];
        let api = path.starts_with("/api/");
        let mut r = Request::builder().method(method).uri(path);
        if api {
            if !s.token.is_empty() {
                r = r.header(header::AUTHORIZATION, format!("Bearer {}", s.token));
            }
        } else if !s.cookie.is_empty() {
            r = r.header(header::COOKIE, s.cookie.clone());
        }
        let body = if method == "GET" {
            Body::empty()
        } else if api {
            r = r.header(header::CONTENT_TYPE, "application/json");
            Body::from(json_body.map(|b| b.to_string()).unwrap_or("{}".into()))
        } else {
            r = r.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(format!("csrf_token={}", s.csrf))
        };
        self.send(r.body(body).unwrap()).await
    }

    async fn owner_api(&self, token: &str, path: &str, body: Value) -> i64 {
        let r = Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let r = self.send(r).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
        serde_json::from_str::<Value>(&r.body).unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    /// Audit entries other than logged reads: what a refused write must leave unchanged.
    async fn writes(&self) -> i64 {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action <> 'record.read'")
            .fetch_one(self.store.pool())
            .await
            .unwrap()
            .get(0)
    }

    /// The canaries `p` must not see in this answer.
    fn forbidden(&self, p: P, class: &C, path: &str) -> Vec<&Canary> {
        let public_page = matches!(class, Public);
        self.canaries
            .iter()
            .filter(|c| {
                let allowed = if public_page || p == P::Anon {
                    // The memorial names consented, published defenders.
                    c.published
                        && (!c.name || (path == "/protection/memorial" && c.kind == K::Defender))
                } else {
                    readable(p, c.level, c.published) && (!c.name || p.sees_names())
                };
                !allowed
            })
            .collect()
    }
}

async fn world() -> World {
    let store = store(Backend::Sqlite).await;
    dignity_store::refdata::load_shipped(&store).await.unwrap();
    let state = dignity_web::AppState::new(store.store.clone(), Default::default());
    let state = dignity_web::search::attach(state, Registry::standard())
        .await
        .unwrap();
    let search = state.search.clone().unwrap();
    let router = dignity_web::router(state);

    // Accounts: one per persona, and the owner who creates the records.
    let mut users = BTreeMap::new();
    let mut tx = store.begin(&Actor::system()).await.unwrap();
    let owner = accounts::create(&mut tx, "owner", "", Role::Documenter, PW)
        .await
        .unwrap();
    let (_, owner_token) = accounts::create_token(&mut tx, owner.id, "t")
        .await
        .unwrap();
    for p in P::ALL.into_iter().skip(1) {
        let u = accounts::create(&mut tx, p.name(), "", p.role(), PW)
            .await
            .unwrap();
        let (_, token) = accounts::create_token(&mut tx, u.id, "t").await.unwrap();
        let sess = accounts::create_session(&mut tx, u.id, "full", chrono::Duration::hours(2))
            .await
            .unwrap();
        users.insert(p, (u, token, sess));
    }
    tx.commit().await.unwrap();
    let list: Vec<i64> = [P::Analyst, P::Documenter, P::Coordinator, P::Admin]
        .iter()
        .map(|p| users[p].0.id)
        .collect();

    let mut w = World {
        router,
        store,
        canaries: vec![],
        ids: BTreeMap::new(),
        sessions: BTreeMap::new(),
    };
    w.sessions.insert(P::Anon, Session::default());
    for (p, (_, token, sess)) in &users {
        let cookie = format!("dignity_session={sess}");
        let page = w
            .send(
                Request::get("/account")
                    .header(header::COOKIE, cookie.clone())
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let i = page
            .body
            .find("name=\"csrf_token\" value=\"")
            .expect("a CSRF token on /account");
        let rest = &page.body[i + 25..];
        w.sessions.insert(
            *p,
            Session {
                cookie,
                csrf: rest[..rest.find('"').unwrap()].to_string(),
                token: token.clone(),
            },
        );
    }

    // The records, at every level, with canaries.
    let published = |l: L| l == L::Pub;
    let mut canaries = vec![];
    let mut add = |kind: K, level: L, field: &str, name: bool| {
        let text = canary(kind, level, field);
        canaries.push(Canary {
            text: text.clone(),
            kind,
            level,
            name,
            published: published(level) && kind != K::Person,
        });
        text
    };
    let mut specs = vec![];
    for l in [L::Pub, L::Unpub, L::Int, L::Conf, L::Strict] {
        let base = json!({ "confidentiality": l.level(), "need_to_know_users": list });
        let with = |v: Value| {
            let mut b = base.clone();
            b.as_object_mut()
                .unwrap()
                .extend(v.as_object().unwrap().clone());
            b
        };
        specs.push((
            l,
            with(json!({ "name": add(K::Person, l, "name", true), "other_names": [add(K::Person, l, "alias", true)], "notes": add(K::Person, l, "notes", true) })),
            with(json!({ "title": add(K::Event, l, "title", false), "description": add(K::Event, l, "desc", false), "country": "HND", "start_date": "2020-01-02" })),
            add(K::Act, l, "case", false),
            with(json!({ "int_type": "urgent_appeal", "int_date": "2021-03-04", "description": add(K::Intervention, l, "desc", false) })),
            with(json!({ "name": add(K::Defender, l, "name", true), "organisation": add(K::Defender, l, "org", false), "areas": ["land_environment"], "memorial_consent": true, "country": "HND" })),
            with(json!({ "name": add(K::Missing, l, "name", true), "circumstances": add(K::Missing, l, "circ", true), "last_seen_date": "1999-04-12", "region": "Gjakova", "opened_on": "2001-03-01" })),
        ));
    }
    let mix_case = add(K::Act, L::Mix, "case", false);
    w.canaries = canaries;
    for (l, person, event, act_case, intervention, defender, missing) in specs {
        let pid = w
            .owner_api(&owner_token, "/api/v1/violations/persons", person)
            .await;
        let eid = w
            .owner_api(&owner_token, "/api/v1/violations/events", event)
            .await;
        let aid = w
            .owner_api(
                &owner_token,
                "/api/v1/violations/acts",
                json!({ "event_id": eid, "victim_id": pid, "act_type": "03010100000004", "case_description": act_case, "confidentiality": l.level(), "need_to_know_users": list }),
            )
            .await;
        let mut intervention = intervention;
        intervention["events"] = json!([eid]);
        let iid = w
            .owner_api(
                &owner_token,
                "/api/v1/violations/interventions",
                intervention,
            )
            .await;
        let did = w
            .owner_api(&owner_token, "/api/v1/protection/defenders", defender)
            .await;
        // A killing, in the defender's own event: the memorial lists it.
        w.owner_api(
            &owner_token,
            &format!("/api/v1/protection/defenders/{did}/attacks"),
            json!({ "attack_type": "killing", "date": "2016-03-03", "event_id": eid }),
        )
        .await;
        let mid = w
            .owner_api(&owner_token, "/api/v1/protection/missing", missing)
            .await;
        for (k, id) in [
            (K::Person, pid),
            (K::Event, eid),
            (K::Act, aid),
            (K::Intervention, iid),
            (K::Defender, did),
            (K::Missing, mid),
        ] {
            w.ids.insert((k, l), id);
        }
    }
    let mix = w
        .owner_api(
            &owner_token,
            "/api/v1/violations/acts",
            json!({ "event_id": w.ids[&(K::Event, L::Int)], "victim_id": w.ids[&(K::Person, L::Strict)], "act_type": "03010100000004", "case_description": mix_case, "confidentiality": "internal" }),
        )
        .await;
    w.ids.insert((K::Act, L::Mix), mix);

    // Publishing, through the audited workflow, of the PUB level only.
    let admin = accounts::actor_for(&w.store, &users[&P::Admin].0)
        .await
        .unwrap();
    let to_publish = [
        ("vio_events", w.ids[&(K::Event, L::Pub)]),
        ("vio_interventions", w.ids[&(K::Intervention, L::Pub)]),
        ("pro_defenders", w.ids[&(K::Defender, L::Pub)]),
        ("pro_missing", w.ids[&(K::Missing, L::Pub)]),
    ];
    w.store
        .write(&admin, async |tx| {
            for (t, id) in to_publish {
                let t: dignity_core::RecordType = t.parse().expect("a record type");
                dignity_store::portal::set_published(tx, t, id, true).await?;
            }
            Ok(())
        })
        .await
        .unwrap();
    search.catch_up().await.unwrap();
    w
}

fn fill(path: &str, id: i64) -> String {
    path.replace("{id}", &id.to_string())
}

/// A refusal: 401, 403, 404, 405, or a redirect to the sign-in page.
fn refused(r: &Resp) -> bool {
    matches!(r.status.as_u16(), 401 | 403 | 404 | 405)
        || (r.status.is_redirection() && r.location.starts_with("/login"))
}

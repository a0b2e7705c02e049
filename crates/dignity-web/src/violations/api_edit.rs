//! Editing recorded events, acts, persons, involvements and information through the API:
//! `PUT` (replace the record's fields) and `PATCH` (change only the fields sent) on
//! `/api/v1/violations/{events,acts,persons,involvements,information}/{id}`.
//!
//! The same rules as the edit forms: only roles that may write, with update access to the
//! record (records the caller may not read answer 404); the same validation in the store
//! (a refused value answers 422 naming the field); the same optimistic concurrency (the
//! record's `version`, given by `GET` as the `ETag` header and by every save, is sent back
//! as `If-Match` or as `"version"` in the body; a save on a record changed since answers
//! 409 and writes nothing); the same audited write path, which the search index follows.
//! Fields the API does not know are refused rather than ignored, so that a misspelt field
//! never looks like a successful change.

use super::edit::Kind;
use super::*;
use crate::api::ApiError;
use crate::authz::{MayWrite, SignedIn, WebError};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dignity_core::auth::Action;
use dignity_core::violations::{picks, stale};
use dignity_store::violations::{
    ActInput, EventInput, InformationInput, InvolvementInput, PersonInput,
};
use dignity_store::StoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

/// The kinds of record edited here: those of the edit forms, with what the API needs.
impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Event => "event",
            Kind::Act => "act",
            Kind::Person => "person",
            Kind::Involvement => "involvement",
            Kind::Information => "information",
        }
    }
    /// The fields a client may send: those of the input type.
    fn fields(self) -> Vec<String> {
        let j = match self {
            Kind::Event => serde_json::to_value(EventInput::default()),
            Kind::Act => serde_json::to_value(ActInput::default()),
            Kind::Person => serde_json::to_value(PersonInput::default()),
            Kind::Involvement => serde_json::to_value(InvolvementInput::default()),
            Kind::Information => serde_json::to_value(InformationInput::default()),
        }
        .unwrap_or_default();
        j.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }
    /// Check that one field's value has the right shape (string, list, number…).
    fn check_shape(self, field: &str, value: &Json) -> Result<(), String> {
        fn one<T: DeserializeOwned>(field: &str, value: &Json) -> Result<(), String> {
            serde_json::from_value::<T>(json!({ field: value }))
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        match self {
            Kind::Event => one::<EventInput>(field, value),
            Kind::Act => one::<ActInput>(field, value),
            Kind::Person => one::<PersonInput>(field, value),
            Kind::Involvement => one::<InvolvementInput>(field, value),
            Kind::Information => one::<InformationInput>(field, value),
        }
    }
}

/// The record whose update access governs an edit: involvements belong to their act,
/// information to its event (or to the person it is about).
async fn owner(state: &AppState, kind: Kind, id: i64) -> Result<(&'static str, i64), StoreError> {
    let nf = || StoreError::NotFound(format!("{} {id}", kind.name()));
    Ok(match kind {
        Kind::Event | Kind::Act | Kind::Person => (kind.table(), id),
        Kind::Involvement => {
            let i = v::get_involvement(&state.store, id).await?.ok_or_else(nf)?;
            (v::ACT, i.act_id)
        }
        Kind::Information => {
            let i = v::get_information(&state.store, id).await?.ok_or_else(nf)?;
            match (i.event_id, i.person_id) {
                (Some(e), _) => (v::EVENT, e),
                (None, Some(p)) => (v::PERSON, p),
                _ => return Err(nf()),
            }
        }
    })
}

/// The record as its input type would carry it (only the input's fields), to start a
/// `PATCH` from. Persons only for readers who see who they are: a pseudonymised person
/// cannot be edited without overwriting the name.
async fn current(state: &AppState, ctx: &Ctx, kind: Kind, id: i64) -> Result<Json, StoreError> {
    let nf = || StoreError::NotFound(format!("{} {id}", kind.name()));
    let s = &state.store;
    let record = match kind {
        Kind::Event => serde_json::to_value(v::get_event(s, id).await?.ok_or_else(nf)?),
        Kind::Act => serde_json::to_value(v::get_act(s, id).await?.ok_or_else(nf)?),
        Kind::Person => {
            let (p, full) = v::person_for(s, &ctx.actor, id).await?.ok_or_else(nf)?;
            if !full {
                return Err(StoreError::Forbidden(
                    "this person's identity is restricted".into(),
                ));
            }
            serde_json::to_value(p)
        }
        Kind::Involvement => serde_json::to_value(v::get_involvement(s, id).await?.ok_or_else(nf)?),
        Kind::Information => serde_json::to_value(v::get_information(s, id).await?.ok_or_else(nf)?),
    }
    .map_err(picks::body)?;
    let fields = kind.fields();
    let mut out = serde_json::Map::new();
    if let Json::Object(o) = record {
        for (k, val) in o {
            if fields.contains(&k) {
                out.insert(k, val);
            }
        }
    }
    Ok(Json::Object(out))
}

/// The answer of a successful save.
#[derive(Serialize, ToSchema)]
pub struct Saved {
    pub id: i64,
    /// The record's new version: send it back (`If-Match` or `"version"`) with the next
    /// change.
    pub version: String,
}

fn invalid(field: &str, message: impl Into<String>) -> Response {
    WebError::Invalid {
        field: field.into(),
        message: message.into(),
    }
    .into_response()
}

/// A store error as the API answers it; a stale version is a conflict (409).
fn refused(e: StoreError) -> Response {
    match e {
        StoreError::Rejected(r) if stale::is_stale(&r) => WebError::refused(
            StatusCode::CONFLICT,
            "conflict",
            r.message(),
            Some(v::VERSION_FIELD.into()),
        )
        .into_response(),
        e => WebError::from(e).into_response(),
    }
}

/// The version a client sends: `If-Match` (quotes and `W/` dropped) or `"version"`.
fn sent_version(
    headers: &HeaderMap,
    body: &mut serde_json::Map<String, Json>,
) -> Result<String, Response> {
    let in_body = match body.remove("version") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(_) => return Err(invalid("version", "the version is a string")),
    };
    let in_header = headers
        .get(header::IF_MATCH)
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            h.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_string()
        });
    match (in_body, in_header) {
        (Some(b), Some(h)) if b != h && h != "*" => Err(invalid(
            "version",
            "If-Match and \"version\" name different versions",
        )),
        (Some(b), _) => Ok(b),
        (None, Some(h)) if h == "*" => Ok(String::new()),
        (None, Some(h)) => Ok(h),
        (None, None) => Ok(String::new()),
    }
}

async fn edit(
    state: AppState,
    ctx: MayWrite,
    headers: HeaderMap,
    kind: Kind,
    id: i64,
    body: Bytes,
    patch: bool,
) -> Response {
    // Access first: a record the caller may not read answers 404 whatever the body says.
    let (otable, oid) = match owner(&state, kind, id).await {
        Ok(o) => o,
        Err(e) => return WebError::from(e).into_response(),
    };
    if let Err(e) = v::require(&state.store, &ctx.actor, Action::Update, otable, oid).await {
        return WebError::from(e).into_response();
    }
    let mut sent = match serde_json::from_slice::<Json>(&body) {
        Ok(Json::Object(o)) => o,
        Ok(_) => {
            return WebError::refused(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "the body is a JSON object of the record's fields",
                None,
            )
            .into_response()
        }
        Err(e) => {
            return WebError::refused(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("the body is not JSON: {e}"),
                None,
            )
            .into_response()
        }
    };
    let version = match sent_version(&headers, &mut sent) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let fields = kind.fields();
    for (k, val) in &sent {
        if !fields.contains(k) {
            return invalid(k, format!("{} records have no field {k:?}", kind.name()));
        }
        if let Err(m) = kind.check_shape(k, val) {
            return invalid(k, m);
        }
    }
    let cur = match current(&state, &ctx, kind, id).await {
        Ok(c) => c,
        Err(e) => return WebError::from(e).into_response(),
    };
    // What an edit cannot change: where the record belongs, and an act's perpetrators
    // (each is an involvement of its own).
    let fixed: &[&str] = match kind {
        Kind::Act => &["event_id"],
        Kind::Information => &["event_id", "person_id"],
        _ => &[],
    };
    for f in fixed {
        if let Some(val) = sent.get(*f) {
            let same = val == &cur[*f]
                || (val.as_i64() == Some(0) && *f == "event_id" && kind == Kind::Act);
            let info_person_free =
                kind == Kind::Information && *f == "person_id" && cur["event_id"].is_i64();
            if !same && !info_person_free {
                return invalid(
                    f,
                    format!("the {} cannot be moved: {f} cannot change", kind.name()),
                );
            }
        }
    }
    if kind == Kind::Act
        && sent
            .get("perpetrators")
            .is_some_and(|p| p.as_array().is_some_and(|a| !a.is_empty()))
    {
        return invalid(
            "perpetrators",
            "perpetrators are edited one by one: PUT/PATCH /api/v1/violations/involvements/{id}, \
             or added with POST /api/v1/violations/acts/{id}/perpetrators",
        );
    }
    // PATCH starts from the record; PUT from empty fields, except that a level left out
    // keeps the record's level (a replacement never lowers confidentiality by omission).
    let mut merged = if patch {
        cur.as_object().cloned().unwrap_or_default()
    } else {
        let mut m = serde_json::Map::new();
        if !sent.contains_key("confidentiality") {
            if let Some(c) = cur.get("confidentiality") {
                m.insert("confidentiality".into(), c.clone());
            }
        }
        if let Some(e) = cur.get("event_id").filter(|_| kind != Kind::Event) {
            m.insert("event_id".into(), e.clone());
        }
        if kind == Kind::Information {
            if let Some(p) = cur.get("person_id") {
                m.insert("person_id".into(), p.clone());
            }
        }
        m
    };
    for (k, val) in sent {
        merged.insert(k, val);
    }
    let merged = Json::Object(merged);
    // People named by id must be people the caller may read (as the form's pickers).
    let person_refs: &[&str] = match kind {
        Kind::Act => &["victim_id"],
        Kind::Involvement => &["perpetrator_id"],
        Kind::Information => &["source_id", "person_id"],
        _ => &[],
    };
    for f in person_refs {
        if let Some(pid) = merged[*f].as_i64() {
            match v::can(&state.store, &ctx.actor, Action::Read, v::PERSON, pid).await {
                Ok(true) => {}
                Ok(false) => return invalid(f, format!("no person #{pid}")),
                Err(e) => return WebError::from(e).into_response(),
            }
        }
    }
    let r = save(&state, &ctx, kind, id, &version, merged).await;
    match r {
        Ok(version) => {
            let mut res = (
                StatusCode::OK,
                axum::Json(Saved {
                    id,
                    version: version.clone(),
                }),
            )
                .into_response();
            if let Ok(h) = HeaderValue::from_str(&format!("\"{version}\"")) {
                res.headers_mut().insert(header::ETAG, h);
            }
            res
        }
        Err(e) => refused(e),
    }
}

fn parse<T: DeserializeOwned>(j: Json) -> Result<T, StoreError> {
    serde_json::from_value(j).map_err(|e| picks::body(e).into())
}

/// Validate and write in one transaction (nothing half-written); the new version.
async fn save(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: i64,
    version: &str,
    input: Json,
) -> Result<String, StoreError> {
    let vocab = Vocab::load(&state.store).await?;
    let mut tx = state.store.begin(&ctx.actor).await?;
    v::check_version(&mut tx, kind.table(), id, version).await?;
    match kind {
        Kind::Event => v::update_event(&mut tx, &vocab, id, &parse::<EventInput>(input)?).await?,
        Kind::Act => v::update_act(&mut tx, &vocab, id, &parse::<ActInput>(input)?).await?,
        Kind::Person => {
            v::update_person(&mut tx, &vocab, id, &parse::<PersonInput>(input)?).await?
        }
        Kind::Involvement => {
            v::update_involvement(&mut tx, &vocab, id, &parse::<InvolvementInput>(input)?).await?
        }
        Kind::Information => {
            v::update_information(&mut tx, &vocab, id, &parse::<InformationInput>(input)?).await?
        }
    }
    tx.commit().await?;
    Ok(v::current_version(&state.store, kind.table(), id)
        .await?
        .unwrap_or_default())
}

/// A record's `ETag` (its version), for `GET` answers.
pub(super) async fn with_etag(
    state: &AppState,
    table: &str,
    id: i64,
    mut res: Response,
) -> Response {
    if res.status() == StatusCode::OK {
        if let Ok(Some(ver)) = v::current_version(&state.store, table, id).await {
            if let Ok(h) = HeaderValue::from_str(&format!("\"{ver}\"")) {
                res.headers_mut().insert(header::ETAG, h);
            }
        }
    }
    res
}

/// One edit endpoint of a record: `$method` (put or patch) on `$path`, with `$partial`
/// (whether fields left out keep their values) passed to [`edit`].
macro_rules! edit_endpoint {
    ($(#[$doc:meta])* $method:ident, $name:ident, $kind:expr, $path:literal, $input:ty, $partial:expr) => {
        $(#[$doc])*
        #[utoipa::path($method, path = $path, params(("id" = i64, Path),
                ("If-Match" = Option<String>, Header, description = "the version read (ETag)")),
            request_body = $input,
            responses((status = 200, body = Saved), (status = 400, body = ApiError),
                (status = 403, body = ApiError), (status = 404, body = ApiError),
                (status = 409, description = "changed by someone else since the version sent", body = ApiError),
                (status = 422, description = "a refused field, named in error.field", body = ApiError)),
            security(("token" = [])))]
        pub async fn $name(
            State(state): State<AppState>,
            ctx: MayWrite,
            headers: HeaderMap,
            Path(id): Path<i64>,
            body: Bytes,
        ) -> Response {
            edit(state, ctx, headers, $kind, id, body, $partial).await
        }
    };
}

/// The `PUT` and `PATCH` endpoints of a record.
macro_rules! edit_endpoints {
    ($put:ident, $patch:ident, $kind:expr, $path:literal, $input:ty) => {
        edit_endpoint!(
            /// Replace the record's fields (fields left out are emptied; a confidentiality
            /// left out is kept). Send the version read (`If-Match` or `"version"`).
            put, $put, $kind, $path, $input, false
        );
        edit_endpoint!(
            /// Change only the fields sent (the others keep their values). Send the version
            /// read (`If-Match` or `"version"`).
            patch, $patch, $kind, $path, $input, true
        );
    };
}

edit_endpoints!(
    put_event,
    patch_event,
    Kind::Event,
    "/api/v1/violations/events/{id}",
    EventInput
);
edit_endpoints!(
    put_act,
    patch_act,
    Kind::Act,
    "/api/v1/violations/acts/{id}",
    ActInput
);
edit_endpoints!(
    put_person,
    patch_person,
    Kind::Person,
    "/api/v1/violations/persons/{id}",
    PersonInput
);
edit_endpoints!(
    put_involvement,
    patch_involvement,
    Kind::Involvement,
    "/api/v1/violations/involvements/{id}",
    InvolvementInput
);
edit_endpoints!(
    put_information,
    patch_information,
    Kind::Information,
    "/api/v1/violations/information/{id}",
    InformationInput
);

/// A read of an involvement or information record (with its `ETag`).
async fn read(state: AppState, ctx: SignedIn, kind: Kind, id: i64) -> Response {
    let (otable, oid) = match owner(&state, kind, id).await {
        Ok(o) => o,
        Err(e) => return WebError::from(e).into_response(),
    };
    if let Err(e) = v::require(&state.store, &ctx.actor, Action::Read, otable, oid).await {
        return WebError::from(e).into_response();
    }
    let res =
        match kind {
            Kind::Involvement => match v::get_involvement(&state.store, id).await {
                Ok(Some(i)) => axum::Json(i).into_response(),
                Ok(None) => WebError::from(StoreError::NotFound(format!("involvement {id}")))
                    .into_response(),
                Err(e) => WebError::from(e).into_response(),
            },
            _ => match v::get_information(&state.store, id).await {
                Ok(Some(i)) => axum::Json(i).into_response(),
                Ok(None) => WebError::from(StoreError::NotFound(format!("information {id}")))
                    .into_response(),
                Err(e) => WebError::from(e).into_response(),
            },
        };
    with_etag(&state, kind.table(), id, res).await
}

/// One perpetrator involvement (act, perpetrator, degree, type, latest status).
#[utoipa::path(get, path = "/api/v1/violations/involvements/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = v::InvolvementRecord, headers(("ETag" = String, description = "the version to send back"))),
        (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn get_involvement(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    read(state, ctx, Kind::Involvement, id).await
}

/// One piece of information from a source (without the source's name).
#[utoipa::path(get, path = "/api/v1/violations/information/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = v::InformationRecord, headers(("ETag" = String, description = "the version to send back"))),
        (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn get_information(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    read(state, ctx, Kind::Information, id).await
}

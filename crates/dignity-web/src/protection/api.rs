//! `/api/v1/protection/...` endpoints. Same rules as the pages: the authorization module for
//! single records (records the caller may not read answer 404), `visible_sql` in every list,
//! the families' sharing consent on every share, export and read made for a recipient.

use super::*;
use crate::api::ApiError;
use crate::authz::{rec, CanExportRecord, CanWrite, MayWrite, SignedIn, WebError};
use crate::violations::Paging;
use axum::body::Bytes;
use axum::response::IntoResponse;
use axum::Json as J;
use dignity_store::protection::defenders::{
    Attack, Defender, DefenderRow, Measure, RiskAssessment,
};
use dignity_store::protection::missing::{
    ExportForRecipient, MissingCase, MissingRow, Report, Share, StatusEntry,
};
use dignity_store::protection::reports::SdgTable;
use dignity_store::protection::sources::{Candidate, ImportReport, RowError};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

macro_rules! try_r {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return WebError::with_consent(e).into_response(),
        }
    };
}

#[derive(Serialize, ToSchema)]
pub struct DefenderPage {
    pub total: i64,
    pub items: Vec<DefenderRow>,
}

#[derive(Serialize, ToSchema)]
pub struct MissingPage {
    pub total: i64,
    pub items: Vec<MissingRow>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidatePage {
    pub total: i64,
    pub items: Vec<Candidate>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

fn created(id: i64) -> Response {
    (StatusCode::CREATED, J(Created { id })).into_response()
}

#[derive(Deserialize, IntoParams)]
pub struct DefenderParams {
    pub area: Option<String>,
    pub country: Option<String>,
}

/// Defenders the caller may see.
#[utoipa::path(get, path = "/api/v1/protection/defenders", params(DefenderParams, Paging), tag = "protection",
    responses((status = 200, body = DefenderPage), (status = 401, body = ApiError)))]
pub async fn defenders(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<DefenderParams>,
    Query(page): Query<Paging>,
) -> Response {
    let (total, items) = try_r!(
        page.list(async |limit, offset| {
            let (area, country) = (q.area.as_deref(), q.country.as_deref());
            d::list_defenders(&state.store, &ctx.actor, area, country, limit, offset).await
        })
        .await
    );
    J(DefenderPage { total, items }).into_response()
}

/// Create a defender's profile (documenters and up).
#[utoipa::path(post, path = "/api/v1/protection/defenders", request_body = DefenderInput, tag = "protection",
    responses((status = 201, body = Created), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn defender_create(
    State(state): State<AppState>,
    ctx: MayWrite,
    J(input): J<DefenderInput>,
) -> Response {
    let vocab = try_r!(Vocab::load(&state.store).await);
    created(try_r!(
        state
            .store
            .write(&ctx.actor, async |tx| d::create_defender(
                tx, &vocab, &input
            )
            .await)
            .await
    ))
}

#[derive(Serialize, ToSchema)]
pub struct DefenderFull {
    pub defender: Defender,
    pub attacks: Vec<Attack>,
    pub risk: Vec<RiskAssessment>,
    pub measures: Vec<Measure>,
}

/// A defender with attacks, risk history and measures.
#[utoipa::path(get, path = "/api/v1/protection/defenders/{id}", params(("id" = i64, Path)), tag = "protection",
    responses((status = 200, body = DefenderFull), (status = 404, body = ApiError)))]
pub async fn defender(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let Some(df) = try_r!(d::defender_for(&state.store, &ctx.actor, id).await) else {
        return WebError::with_consent(StoreError::NotFound(format!("defender {id}")))
            .into_response();
    };
    J(DefenderFull {
        defender: df,
        attacks: try_r!(d::attacks_of(&state.store, &ctx.actor, id).await),
        risk: try_r!(d::risk_history(&state.store, id).await),
        measures: try_r!(d::measures_of(&state.store, id).await),
    })
    .into_response()
}

/// Record an attack or threat against a defender.
#[utoipa::path(post, path = "/api/v1/protection/defenders/{id}/attacks", request_body = AttackInput, params(("id" = i64, Path)), tag = "protection",
    responses((status = 201, body = Created), (status = 422, body = ApiError)))]
pub async fn attack_create(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Defender>,
    Path(id): Path<i64>,
    J(mut input): J<AttackInput>,
) -> Response {
    input.facts.defender_id = id;
    let vocab = try_r!(Vocab::load(&state.store).await);
    created(try_r!(
        state
            .store
            .write(&ctx.actor, async |tx| d::record_attack(tx, &vocab, &input)
                .await)
            .await
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct MissingParams {
    pub status: Option<String>,
    pub region: Option<String>,
    pub name: Option<String>,
}

/// Missing person cases the caller may see.
#[utoipa::path(get, path = "/api/v1/protection/missing", params(MissingParams, Paging), tag = "protection",
    responses((status = 200, body = MissingPage), (status = 401, body = ApiError)))]
pub async fn missing(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<MissingParams>,
    Query(page): Query<Paging>,
) -> Response {
    let f = MissingFilter {
        status: q.status,
        region: q.region,
        name: q.name,
        period_id: None,
    };
    let (total, items) = try_r!(
        page.list(async |limit, offset| {
            m::list_missing(&state.store, &ctx.actor, &f, limit, offset).await
        })
        .await
    );
    J(MissingPage { total, items }).into_response()
}

/// Open a missing person case.
#[utoipa::path(post, path = "/api/v1/protection/missing", request_body = MissingInput, tag = "protection",
    responses((status = 201, body = Created), (status = 422, body = ApiError)))]
pub async fn missing_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    J(input): J<MissingInput>,
) -> Response {
    let vocab = try_r!(Vocab::load(&state.store).await);
    created(try_r!(
        state
            .store
            .write(&ctx.actor, async |tx| m::create_missing(tx, &vocab, &input)
                .await)
            .await
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct CaseParams {
    /// Not accepted on a GET (422): passing a case on is recorded as a share, and a GET never
    /// writes. Share it with `POST /api/v1/protection/missing/{id}/share` (refused with 403,
    /// code `consent`, unless the families' consent allows it), then read it here.
    /// `organisation_only` (no recipient) is allowed.
    pub for_recipient: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseFull {
    pub case: MissingCase,
    /// The consent in force: organisation_only, commission, organisations or commission_and_organisations.
    pub consent: String,
    pub history: Vec<StatusEntry>,
    pub reports: Vec<Report>,
    pub shares: Vec<Share>,
}

/// One case, with the consent in force shown next to it. Writes nothing (sharing is
/// `POST …/share`).
#[utoipa::path(get, path = "/api/v1/protection/missing/{id}", params(("id" = i64, Path), CaseParams), tag = "protection",
    responses((status = 200, body = CaseFull), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn case(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<CaseParams>,
) -> Response {
    let Some(c) = try_r!(m::case_for(&state.store, &ctx.actor, id).await) else {
        return WebError::with_consent(StoreError::NotFound(format!("missing person case {id}")))
            .into_response();
    };
    if q.for_recipient
        .as_deref()
        .is_some_and(|k| !k.is_empty() && k != "organisation_only")
    {
        return WebError::Invalid {
            field: "for_recipient".into(),
            message: format!(
                "a GET never writes: share the case with POST /api/v1/protection/missing/{id}/share (recorded, and refused unless the families' consent allows it), then read it here"
            ),
        }
        .into_response();
    }
    let consent = try_r!(m::case_consent(&state.store, id).await);
    let names = try_r!(v::sees_names(&state.store, &ctx.actor).await);
    let mut reports = try_r!(m::reports(&state.store, id).await);
    if !names {
        for r in reports.iter_mut() {
            r.relative.clear();
        }
    }
    J(CaseFull {
        case: c,
        consent: consent.summary().into(),
        history: try_r!(m::history(&state.store, id).await),
        reports,
        shares: try_r!(m::shares(&state.store, id).await),
    })
    .into_response()
}

/// Change the status of a case (evidence or a reference required, in date order).
#[utoipa::path(post, path = "/api/v1/protection/missing/{id}/status", request_body = StatusChange, params(("id" = i64, Path)), tag = "protection",
    responses((status = 201, body = Created), (status = 422, body = ApiError)))]
pub async fn status(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Missing>,
    Path(id): Path<i64>,
    J(input): J<StatusChange>,
) -> Response {
    created(try_r!(
        state
            .store
            .write(&ctx.actor, async |tx| m::change_status(tx, id, &input)
                .await)
            .await
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ShareInput {
    /// commission or organisations.
    pub recipient_kind: String,
    pub recipient: String,
}

/// Share a case with a recipient (only if the families' consent allows it).
#[utoipa::path(post, path = "/api/v1/protection/missing/{id}/share", request_body = ShareInput, params(("id" = i64, Path)), tag = "protection",
    responses((status = 201, body = Created), (status = 403, body = ApiError)))]
pub async fn share(
    State(state): State<AppState>,
    ctx: CanExportRecord<rec::Missing>,
    Path(id): Path<i64>,
    J(input): J<ShareInput>,
) -> Response {
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            m::share(tx, id, &input.recipient_kind, &input.recipient, "api").await
        })
        .await;
    if let Err(e) = &r {
        if m::is_consent_refusal(e) {
            try_r!(
                m::log_refused_share(&state.store, &ctx.actor, id, &input.recipient_kind, "api")
                    .await
            );
        }
    }
    created(try_r!(r))
}

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// organisation_only, commission or organisations.
    pub recipient_kind: String,
    #[serde(default)]
    pub recipient: String,
}

/// The cases that may go to a recipient; withheld cases are counted, exported ones logged.
/// A POST: every exported case is recorded as shared (a GET never writes).
#[utoipa::path(post, path = "/api/v1/protection/missing/export", params(ExportParams), tag = "protection",
    responses((status = 200, body = ExportForRecipient), (status = 422, body = ApiError)))]
pub async fn export(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<ExportParams>,
) -> Response {
    J(try_r!(
        m::export_for(
            &state.store,
            &ctx.actor,
            &q.recipient_kind,
            &q.recipient,
            "api",
            &MissingFilter::default()
        )
        .await
    ))
    .into_response()
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// Mapping `target=column` pairs separated by commas, e.g. `external_id=ID,name=Full name`;
    /// unmapped targets use a column of the same name.
    pub mapping: Option<String>,
    pub filename: Option<String>,
    /// Refuse the list (422) if it has columns the mapping leaves unread; otherwise they
    /// are listed in the report's `unused_columns`.
    pub strict: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportErrors {
    pub errors: Vec<RowError>,
}

/// Import a source's list: the request body is the CSV (or XLSX) file.
#[utoipa::path(post, path = "/api/v1/protection/sources/{id}/import", params(("id" = i64, Path), ImportParams), request_body(content = String, content_type = "text/csv"), tag = "protection",
    responses((status = 201, body = ImportReport), (status = 422, body = ImportErrors)))]
pub async fn import(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(id): Path<i64>,
    Query(q): Query<ImportParams>,
    body: Bytes,
) -> Response {
    let fname = q.filename.unwrap_or_else(|| "list.csv".into());
    let table = match s::read_table(&fname, &body) {
        Ok(t) => t,
        Err(errors) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, J(ImportErrors { errors })).into_response()
        }
    };
    let mut mapping = s::guess_mapping(&table.headers);
    for pair in q.mapping.unwrap_or_default().split(',') {
        if let Some((t, c)) = pair.split_once('=') {
            mapping.insert(t.trim().to_string(), c.trim().to_string());
        }
    }
    let opts = s::ImportOptions {
        strict: q.strict.unwrap_or(false),
        ..Default::default()
    };
    match s::import_list(
        &state.store,
        &ctx.actor,
        id,
        &fname,
        &table,
        &mapping,
        &opts,
    )
    .await
    {
        Ok(r) => (StatusCode::CREATED, J(r)).into_response(),
        Err(errors) => {
            (StatusCode::UNPROCESSABLE_ENTITY, J(ImportErrors { errors })).into_response()
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CandidateParams {
    pub source_id: Option<i64>,
    /// Only the candidates of this case (through the keyed blocking keys, as its page).
    pub missing_id: Option<i64>,
    /// 0 to 1 (default 0.75).
    pub min_score: Option<f64>,
    pub limit: Option<usize>,
}

/// Candidate matches for unlinked source records.
#[utoipa::path(get, path = "/api/v1/protection/candidates", params(CandidateParams), tag = "protection",
    responses((status = 200, body = CandidatePage)))]
pub async fn candidates(
    State(state): State<AppState>,
    ctx: MayWrite,
    Query(q): Query<CandidateParams>,
) -> Response {
    let (min, limit) = (
        q.min_score.unwrap_or(0.75),
        q.limit.unwrap_or(200).min(5000),
    );
    let items = match q.missing_id {
        Some(id) => {
            try_r!(p::require(&state.store, &ctx.actor, Action::Read, p::MISSING, id).await);
            let mut c =
                try_r!(s::candidates_for_case(&state.store, &ctx.actor, id, min, limit).await);
            if let Some(src) = q.source_id {
                let name = try_r!(s::sources(&state.store).await)
                    .into_iter()
                    .find(|x| x.id == src)
                    .map(|x| x.name);
                c.retain(|x| Some(&x.record_source) == name.as_ref());
            }
            c
        }
        None => try_r!(s::candidates(&state.store, &ctx.actor, q.source_id, min, limit).await),
    };
    J(CandidatePage {
        total: items.len() as i64,
        items,
    })
    .into_response()
}

#[derive(Deserialize, ToSchema)]
#[schema(as = MissingLinkInput)]
pub struct LinkInput {
    pub record_id: i64,
    pub missing_id: i64,
    #[serde(default)]
    pub accept_conflicts: bool,
}

#[derive(Serialize, ToSchema)]
pub struct LinkOut {
    pub conflicts: Vec<String>,
}

/// Link a source record to a case.
#[utoipa::path(post, path = "/api/v1/protection/links", request_body = LinkInput, tag = "protection",
    responses((status = 200, body = LinkOut), (status = 422, body = ApiError)))]
pub async fn link(
    State(state): State<AppState>,
    ctx: MayWrite,
    J(input): J<LinkInput>,
) -> Response {
    try_r!(
        p::require(
            &state.store,
            &ctx.actor,
            Action::Update,
            p::MISSING,
            input.missing_id
        )
        .await
    );
    let conflicts = try_r!(
        state
            .store
            .write(&ctx.actor, async |tx| s::link(
                tx,
                input.record_id,
                input.missing_id,
                input.accept_conflicts
            )
            .await)
            .await
    );
    J(LinkOut { conflicts }).into_response()
}

#[derive(Deserialize, IntoParams)]
pub struct SdgParams {
    pub year: i32,
    /// ISO 3166-1 alpha-3.
    pub country: String,
}

/// SDG indicator 16.10.1 for a year and a country.
#[utoipa::path(get, path = "/api/v1/protection/reports/sdg-16-10-1", params(SdgParams), tag = "protection",
    responses((status = 200, body = SdgTable)))]
pub async fn sdg(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<SdgParams>,
) -> Response {
    J(try_r!(
        reports::sdg_16101(&state.store, &ctx.actor, q.year, &q.country).await
    ))
    .into_response()
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        defenders,
        defender_create,
        defender,
        attack_create,
        missing,
        missing_create,
        case,
        status,
        share,
        export,
        import,
        candidates,
        link,
        sdg
    ),
    components(schemas(
        DefenderPage,
        MissingPage,
        CandidatePage,
        Created,
        DefenderFull,
        CaseFull,
        ShareInput,
        ImportErrors,
        LinkInput,
        LinkOut
    ))
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/protection/defenders",
            get(defenders).post(defender_create),
        )
        .route("/protection/defenders/{id}", get(defender))
        .route("/protection/defenders/{id}/attacks", post(attack_create))
        .route("/protection/missing", get(missing).post(missing_create))
        .route("/protection/missing/export", post(export))
        .route("/protection/missing/{id}", get(case))
        .route("/protection/missing/{id}/status", post(status))
        .route("/protection/missing/{id}/share", post(share))
        .route("/protection/sources/{id}/import", post(import))
        .route("/protection/candidates", get(candidates))
        .route("/protection/links", post(link))
        .route("/protection/reports/sdg-16-10-1", get(sdg))
}

//! Exports of search results (issue 6): `POST /search/export` (the CSRF-checked form on the
//! search page) and `POST /api/v1/search/export`, as CSV, XLSX, JSON or GeoJSON. An export
//! writes its audit entry, so it is never a GET (a GET never writes): `GET /search/export`
//! only sends the reader back to the search page with its form, and the API has no GET.
//!
//! - The same query parameters as `/search`; every matching record the exporter may
//!   export, with no row cap. Rows are read from the index in batches and written to the
//!   answer as they are produced (XLSX: rust_xlsxwriter's constant-memory mode writes rows
//!   to a temporary file, which is streamed once the workbook is closed).
//! - Only what the exporter may see: the index's access filter is in the query, and each
//!   confidential or strictly confidential match is checked with
//!   `authorize(actor, Export, …)` (strictly confidential records leave only with a
//!   coordinator or admin on the list).
//! - **Pseudonymised by default**: each record gets a stable keyed pseudonym (`P-…`, an
//!   HMAC of its type and id under the installation's blind-index key); names and the
//!   record's free text are left out. Names come in only when the exporter's role allows
//!   names and they ask for them (`names=1`); that choice is in the audit entry.
//! - **Every export is audited** (`search.export`) before any row leaves, with its filter
//!   (facets and years in clear, the words encrypted: they can be a name), format, row
//!   count and whether names were included.

use crate::authz::{export, CanExport, CsrfForm, WebError};
use crate::ctx::Ctx;
use crate::search::Params;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use dignity_core::auth::{authorize, Action};
use dignity_core::Actor;
use dignity_search::{ExportCursor, ExportRow, Search};
use dignity_store::Store;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use tokio::sync::mpsc;
use utoipa::IntoParams;

/// Rows read from the index (and names loaded) at a time.
pub const BATCH: usize = 500;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new().route("/search/export", get(export_form).post(export_page))
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new().route("/search/export", post(api_export))
}

/// The OpenAPI description of [`api_router`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_export))]
pub struct ApiDoc;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
    GeoJson,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::Xlsx, Format::Json, Format::GeoJson];

    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "json" => Some(Format::Json),
            "geojson" => Some(Format::GeoJson),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
            Format::GeoJson => "geojson",
        }
    }
    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
            Format::GeoJson => "application/geo+json",
        }
    }
}

/// The stable pseudonym of a record in exports: keyed on its type and id with the
/// installation's blind-index key (reveals nothing without the key file).
pub fn pseudonym(store: &Store, record_type: &str, id: &str) -> String {
    let h = store
        .keys()
        .blind_index("export.pseudonym", &format!("{record_type}:{id}"));
    format!("P-{}", h[..8].to_ascii_uppercase())
}

/// Why an export cannot be made.
#[derive(Debug)]
enum Refusal {
    SignIn,
    Forbidden,
    BadFormat,
    NamesNotAllowed,
    Unavailable,
    Internal(String),
}

/// A checked export, ready to stream.
struct Prepared {
    search: Search,
    actor: Actor,
    /// `None` only while a batch is being read on a blocking thread.
    cursor: Option<ExportCursor>,
    total: usize,
    format: Format,
    names: bool,
    facet_cols: Vec<String>,
}

fn truthy(v: &str) -> bool {
    matches!(v.trim(), "1" | "true" | "on" | "yes")
}

/// Check the request, run the search, drop what the exporter may not export, and write the
/// audit entry.
async fn prepare(state: &AppState, ctx: &Ctx, query: &str) -> Result<Prepared, Refusal> {
    let Some(search) = state.search.clone() else {
        return Err(Refusal::Unavailable);
    };
    if !ctx.actor.is_staff() {
        return Err(Refusal::SignIn);
    }
    // The role must allow exports at all (analysts and up).
    if crate::authz::may_export(ctx).is_err() {
        return Err(Refusal::Forbidden);
    }
    let mut format = None;
    let mut names = false;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "format" => format = Some(Format::parse(&v).ok_or(Refusal::BadFormat)?),
            "names" => names = truthy(&v),
            _ => {}
        }
    }
    let format = format.ok_or(Refusal::BadFormat)?;
    let store = state.store.clone();
    if names
        && !dignity_store::violations::sees_names(&store, &ctx.actor)
            .await
            .map_err(|e| Refusal::Internal(e.to_string()))?
    {
        return Err(Refusal::NamesNotAllowed);
    }
    let params = Params::parse(query, search.facet_names());
    // The same request the search page makes for this reader (name matching only for
    // readers who may see names), so the file holds exactly the hits they saw.
    let mut req = crate::search::reader_request(state, ctx, &params, ctx.lang.code()).await;
    req.offset = 0;
    let actor = ctx.actor.clone();
    let (s2, a2) = (search.clone(), actor.clone());
    let mut cursor =
        tokio::task::spawn_blocking(move || s2.index().export(&s2.store().keys(), &a2, &req))
            .await
            .map_err(|e| Refusal::Internal(e.to_string()))?
            .map_err(|e| Refusal::Internal(e.to_string()))?;

    // Confidential and strictly confidential matches: the export rule, record by record.
    if cursor.restricted() > 0 {
        let keys: Vec<(String, String)> = {
            let mut v = Vec::new();
            cursor
                .retain_restricted(|r| {
                    v.push((r.record_type.clone(), r.id.clone()));
                    true
                })
                .map_err(|e| Refusal::Internal(e.to_string()))?;
            v
        };
        let mut allowed: HashSet<(String, String)> = HashSet::new();
        for (t, id) in keys {
            let Some(ix) = search.registry().get(&t) else {
                continue;
            };
            if let Some(doc) = ix
                .load(&store, &id)
                .await
                .map_err(|e| Refusal::Internal(e.to_string()))?
            {
                if authorize(&actor, Action::Export, &doc.access).allowed() {
                    allowed.insert((t, id));
                }
            }
        }
        cursor
            .retain_restricted(|r| allowed.contains(&(r.record_type.clone(), r.id.clone())))
            .map_err(|e| Refusal::Internal(e.to_string()))?;
    }

    let keys = store.keys();
    let mut filter = serde_json::Map::new();
    if !params.q.is_empty() {
        // The words can be a name: kept encrypted, like saved searches. The audit entry's
        // id is not known before it is written: the value is bound to the audit log's
        // export details (the entry itself is sealed by the audit chain).
        filter.insert(
            "q_encrypted".into(),
            keys.encrypt("audit_log.export_q", "details", &params.q)
                .into(),
        );
    }
    filter.insert("facets".into(), serde_json::json!(params.filters));
    if let Some(y) = params.year_from {
        filter.insert("year_from".into(), y.into());
    }
    if let Some(y) = params.year_to {
        filter.insert("year_to".into(), y.into());
    }
    if let Some(c) = params.changed_after {
        filter.insert("changed_after".into(), c.into());
    }
    store
        .log_event(
            &actor,
            "search.export",
            "search",
            "export",
            serde_json::json!({
                "filter": filter,
                "format": format.as_str(),
                "rows": cursor.total(),
                "names": names,
            }),
        )
        .await
        .map_err(|e| Refusal::Internal(e.to_string()))?;
    let facet_cols = search
        .facet_names()
        .iter()
        .filter(|f| !matches!(f.as_str(), "record_type" | "country" | "region" | "year"))
        .cloned()
        .collect();
    let total = cursor.total();
    Ok(Prepared {
        search,
        actor,
        cursor: Some(cursor),
        total,
        format,
        names,
        facet_cols,
    })
}

/// One row as it is written: the index's row, its pseudonym, and the names if included.
struct OutRow {
    row: ExportRow,
    pseudonym: String,
    names: Vec<String>,
}

/// Column names, in order.
fn columns(names: bool, facet_cols: &[String]) -> Vec<String> {
    let mut c: Vec<String> = [
        "record_type",
        "id",
        "pseudonym",
        "title",
        "country",
        "region",
        "date_from",
        "date_to",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    c.extend(facet_cols.iter().cloned());
    if names {
        c.push("names".into());
        c.push("text".into());
    }
    c
}

/// The cells of a row, in the order of [`columns`].
fn cells(r: &OutRow, names: bool, facet_cols: &[String]) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut c = vec![
        r.row.record_type.clone(),
        r.row.id.clone(),
        r.pseudonym.clone(),
        r.row.title.clone(),
        o(&r.row.country),
        o(&r.row.region),
        o(&r.row.date_from),
        o(&r.row.date_to),
    ];
    for f in facet_cols {
        c.push(
            r.row
                .facets
                .get(f)
                .map(|v| v.join("; "))
                .unwrap_or_default(),
        );
    }
    if names {
        c.push(r.names.join("; "));
        c.push(r.row.text.clone());
    }
    c
}

/// A JSON object of a row (JSON items and GeoJSON properties).
fn json_item(r: &OutRow, names: bool) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("record_type".into(), r.row.record_type.clone().into());
    m.insert("id".into(), r.row.id.clone().into());
    m.insert("pseudonym".into(), r.pseudonym.clone().into());
    m.insert("title".into(), r.row.title.clone().into());
    m.insert("country".into(), serde_json::json!(r.row.country));
    m.insert("region".into(), serde_json::json!(r.row.region));
    m.insert("date_from".into(), serde_json::json!(r.row.date_from));
    m.insert("date_to".into(), serde_json::json!(r.row.date_to));
    m.insert("facets".into(), serde_json::json!(r.row.facets));
    if names {
        m.insert("names".into(), serde_json::json!(r.names));
        m.insert("text".into(), r.row.text.clone().into());
    }
    serde_json::Value::Object(m)
}

/// The GeoJSON geometry of a row: a point at the country's centroid where known (never
/// the record's exact location), else null.
fn geometry(row: &ExportRow) -> serde_json::Value {
    match row.country.as_deref().and_then(dignity_core::geo::centroid) {
        Some([lon, lat]) => serde_json::json!({ "type": "Point", "coordinates": [lon, lat] }),
        None => serde_json::Value::Null,
    }
}

impl Prepared {
    /// The next batch of rows with pseudonyms (and names if asked), or None at the end.
    async fn next(&mut self) -> Result<Option<Vec<OutRow>>, String> {
        let Some(mut cursor) = self.cursor.take() else {
            return Ok(None);
        };
        let (cursor, batch) = tokio::task::spawn_blocking(move || {
            let b = cursor.next_batch(BATCH);
            (cursor, b)
        })
        .await
        .map_err(|e| e.to_string())?;
        self.cursor = Some(cursor);
        let batch = batch.map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(None);
        }
        let store = self.search.store().clone();
        let mut names: HashMap<(String, String), Vec<String>> = HashMap::new();
        if self.names {
            let mut by_type: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for r in &batch {
                by_type
                    .entry(&r.record_type)
                    .or_default()
                    .push(r.id.clone());
            }
            for (t, ids) in by_type {
                let Some(ix) = self.search.registry().get(t) else {
                    continue;
                };
                for d in ix
                    .load_many(&store, &ids)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    // Names only of records the exporter may still read.
                    if authorize(&self.actor, Action::Read, &d.access).allowed() {
                        names.insert((d.record_type.clone(), d.id.clone()), d.names);
                    }
                }
            }
        }
        Ok(Some(
            batch
                .into_iter()
                .map(|row| OutRow {
                    pseudonym: pseudonym(&store, &row.record_type, &row.id),
                    names: names
                        .remove(&(row.record_type.clone(), row.id.clone()))
                        .unwrap_or_default(),
                    row,
                })
                .collect(),
        ))
    }
}

type Chunk = Result<Bytes, std::io::Error>;

/// Stream the export: a task produces the file chunk by chunk into a bounded channel.
fn stream(mut p: Prepared) -> Response {
    let (tx, rx) = mpsc::channel::<Chunk>(8);
    let format = p.format;
    tokio::spawn(async move {
        let r = match format {
            Format::Xlsx => write_xlsx(&mut p, &tx).await,
            _ => write_text(&mut p, &tx).await,
        };
        if let Err(e) = r {
            tracing::error!(error = %e, "export failed while streaming");
            let _ = tx.send(Err(std::io::Error::other(e))).await;
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|c| (c, rx))
    }));
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let name = format!(
        "attachment; filename=\"dignity-export-{}.{}\"",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        format.as_str()
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn send(tx: &mpsc::Sender<Chunk>, buf: Vec<u8>) -> Result<(), String> {
    tx.send(Ok(Bytes::from(buf)))
        .await
        .map_err(|_| "the client went away".to_string())
}

/// CSV, JSON and GeoJSON: each batch is encoded and sent as one chunk.
async fn write_text(p: &mut Prepared, tx: &mpsc::Sender<Chunk>) -> Result<(), String> {
    let cols = columns(p.names, &p.facet_cols);
    let total = p.total;
    let head = match p.format {
        Format::Csv => {
            let mut w = dignity_core::edge::CsvWriter::from_writer(Vec::new());
            w.write_record(&cols).map_err(|e| e.to_string())?;
            w.into_inner().map_err(|e| e.to_string())?
        }
        Format::Json => format!(
            "{{\"total\":{total},\"names_included\":{},\"items\":[",
            p.names
        )
        .into_bytes(),
        Format::GeoJson => format!(
            "{{\"type\":\"FeatureCollection\",\"total\":{total},\"names_included\":{},\"features\":[",
            p.names
        )
        .into_bytes(),
        Format::Xlsx => unreachable!("xlsx is written by write_xlsx"),
    };
    send(tx, head).await?;
    let mut first = true;
    while let Some(batch) = p.next().await? {
        let mut buf = Vec::with_capacity(batch.len() * 200);
        match p.format {
            Format::Csv => {
                // Every cell goes through `csv_cell` (formula injection, issue 15).
                let mut w = dignity_core::edge::CsvWriter::from_writer(&mut buf);
                for r in &batch {
                    w.write_record(cells(r, p.names, &p.facet_cols))
                        .map_err(|e| e.to_string())?;
                }
                w.flush().map_err(|e| e.to_string())?;
            }
            _ => {
                for r in &batch {
                    if !first {
                        buf.push(b',');
                    }
                    first = false;
                    let v = if p.format == Format::Json {
                        json_item(r, p.names)
                    } else {
                        serde_json::json!({
                            "type": "Feature",
                            "id": format!("{}:{}", r.row.record_type, r.row.id),
                            "geometry": geometry(&r.row),
                            "properties": json_item(r, p.names),
                        })
                    };
                    serde_json::to_writer(&mut buf, &v).map_err(|e| e.to_string())?;
                }
            }
        }
        send(tx, buf).await?;
    }
    if p.format != Format::Csv {
        send(tx, b"]}".to_vec()).await?;
    }
    Ok(())
}

/// Rows per worksheet (Excel's limit less the header row); more go on further sheets.
const XLSX_ROWS: u32 = 1_048_575;
/// Excel's limit on the characters of a cell.
const XLSX_CELL: usize = 32_767;

/// XLSX: rows go to worksheets in constant-memory mode (each row is flushed to a temporary
/// file as the next begins); the closed workbook is then streamed from a temporary file.
async fn write_xlsx(p: &mut Prepared, tx: &mpsc::Sender<Chunk>) -> Result<(), String> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let cols = columns(p.names, &p.facet_cols);
    let bold = CellFormat::new().set_bold();
    let mut wb = Workbook::new();
    let x = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let new_sheet = |wb: &mut Workbook| -> Result<usize, String> {
        let ws = wb.add_worksheet_with_constant_memory().map_err(x)?;
        for (i, c) in cols.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, c, &bold)
                .map_err(x)?;
        }
        Ok(wb.worksheets().len() - 1)
    };
    let mut sheet = new_sheet(&mut wb)?;
    let mut row: u32 = 0;
    while let Some(batch) = p.next().await? {
        for r in &batch {
            if row == XLSX_ROWS {
                sheet = new_sheet(&mut wb)?;
                row = 0;
            }
            row += 1;
            let ws = wb.worksheet_from_index(sheet).map_err(x)?;
            for (i, c) in cells(r, p.names, &p.facet_cols).iter().enumerate() {
                if c.is_empty() {
                    continue;
                }
                let c: String = if c.len() > XLSX_CELL {
                    c.chars().take(XLSX_CELL).collect()
                } else {
                    c.clone()
                };
                ws.write_string(row, i as u16, c).map_err(x)?;
            }
        }
    }
    // Close the workbook into a temporary file, then stream it.
    let file = tokio::task::spawn_blocking(move || -> Result<std::fs::File, String> {
        let mut f = tempfile::tempfile().map_err(|e| e.to_string())?;
        wb.save_to_writer(&mut f).map_err(x)?;
        f.flush().map_err(|e| e.to_string())?;
        Ok(f)
    })
    .await
    .map_err(|e| e.to_string())??;
    use std::io::{Read, Seek};
    let mut file = file;
    file.rewind().map_err(|e| e.to_string())?;
    loop {
        let (f, buf) = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; 256 * 1024];
            let n = file.read(&mut buf);
            (
                file,
                n.map(|n| {
                    buf.truncate(n);
                    buf
                }),
            )
        })
        .await
        .map_err(|e| e.to_string())?;
        file = f;
        let buf = buf.map_err(|e| e.to_string())?;
        if buf.is_empty() {
            return Ok(());
        }
        send(tx, buf).await?;
    }
}

// --------------------------------------------------------------------------- pages --

/// `GET /search/export?…`: writes nothing; back to the search page (with the same
/// search), where the export form is.
pub async fn export_form(RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let to = if query.is_empty() {
        "/search".to_string()
    } else {
        format!("/search?{query}")
    };
    Redirect::to(&to).into_response()
}

/// `POST /search/export` (form fields: the search's, `format`, `names=1`): download the
/// results of a search. The role is checked before the form is read, the CSRF token
/// before it is parsed.
pub async fn export_page(
    State(state): State<AppState>,
    ctx: CanExport<export::SearchResults>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let query: String = {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields.iter().filter(|(k, _)| k != "csrf_token") {
            q.append_pair(k, v);
        }
        q.finish()
    };
    match prepare(&state, &ctx, &query).await {
        Ok(p) => stream(p),
        Err(r) => {
            let (status, key) = match r {
                Refusal::SignIn => return WebError::Unauthenticated.into_response(),
                Refusal::Forbidden => (StatusCode::FORBIDDEN, "export.forbidden"),
                Refusal::BadFormat => (StatusCode::BAD_REQUEST, "export.bad_format"),
                Refusal::NamesNotAllowed => (StatusCode::FORBIDDEN, "export.names_forbidden"),
                Refusal::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "search.unavailable"),
                Refusal::Internal(e) => {
                    tracing::error!(error = %e, "export failed");
                    (StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
                }
            };
            WebError::keyed(status, key).into_response()
        }
    }
}

// ----------------------------------------------------------------------------- API --

/// Parameters of `POST /api/v1/search/export` (in the query string): those of
/// `GET /api/v1/search` (words, facets, years), plus the format and whether to include names.
#[derive(Debug, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ExportParams {
    /// `csv`, `xlsx`, `json` (`{"total", "names_included", "items"}`) or `geojson` (a FeatureCollection; a point at the country's centroid where known).
    format: String,
    /// `1` to include names and the records' free text (only if your role allows names; recorded in the audit log). Default: pseudonymised.
    names: Option<String>,
    /// Words to find, as in `GET /api/v1/search`.
    q: Option<String>,
    /// Record type; every facet of `GET /api/v1/search` works the same way (repeatable).
    r#type: Option<Vec<String>>,
    /// ISO 3166-1 alpha-3 country code.
    country: Option<Vec<String>>,
    /// Records whose date overlaps the years from…
    year_from: Option<i32>,
    /// …to (inclusive).
    year_to: Option<i32>,
}

/// Export every record of a search the caller may export, streamed, pseudonymised unless
/// names are asked for and allowed. Audited, hence a POST: a call authenticated by the
/// session cookie sends the page's CSRF token in `X-CSRF-Token` (or comes from this
/// server's pages, with their `Origin`); a bearer token needs neither.
#[utoipa::path(post, path = "/api/v1/search/export", params(ExportParams),
    responses(
        (status = 200, description = "The file (CSV, XLSX, JSON or GeoJSON), as an attachment", content_type = "text/csv"),
        (status = 400, body = crate::api::ApiError), (status = 401, body = crate::api::ApiError),
        (status = 403, body = crate::api::ApiError), (status = 503, body = crate::api::ApiError)),
    security(("bearer" = [])), tag = "search")]
pub async fn api_export(
    State(state): State<AppState>,
    ctx: CanExport<export::SearchResults>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    match prepare(&state, &ctx, &query).await {
        Ok(p) => stream(p),
        Err(r) => match r {
            Refusal::SignIn => WebError::refused(StatusCode::UNAUTHORIZED, "unauthorized", "sign in or send an API token to export", None).into_response(),
            Refusal::Forbidden => WebError::Forbidden("your role does not allow exports".into()).into_response(),
            Refusal::BadFormat => WebError::refused(StatusCode::BAD_REQUEST, "invalid", "format must be one of csv, xlsx, json, geojson", Some("format".into())).into_response(),
            Refusal::NamesNotAllowed => WebError::refused(StatusCode::FORBIDDEN, "forbidden", "your role does not allow names in exports: leave out names=1 for a pseudonymised export", Some("names".into())).into_response(),
            Refusal::Unavailable => WebError::refused(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "search is not available on this server", None).into_response(),
            Refusal::Internal(e) => {
                WebError::internal(format!("export failed: {e}")).into_response()
            }
        },
    }
}

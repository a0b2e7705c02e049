//! Country and thematic reports (issue 6, item 5) as HTML and PDF, and the PDF of the
//! obligations follow-up report (issue 3, item 5).
//!
//! A report is built once as a `dignity_report::Document` (headings, paragraphs, tables)
//! in the reader's language; the HTML page and the PDF show that same document. Victims
//! are pseudonymised unless the reader's role allows names and they ask for them; every
//! report made is logged (`report.generate`, with the choice of names, never the names).

use crate::authz::{export, CanExport, CsrfForm, MayPublish, SignedIn, WebError};
use crate::ctx::Ctx;
use crate::i18n::{self, Lang};
use crate::pages::{page, page_status};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use dignity_core::Actor;
use dignity_report::{Document, Table};
use dignity_store::obligations::{self as ob, tracking};
use dignity_store::reports::{self, CountryReport, ReportScope};
use dignity_store::violations::{self, Vocab, LENSES};
use dignity_store::{Store, StoreError};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(reports_index))
        .route("/reports/country", get(country_html))
        .route("/reports/country/pdf", get(country_pdf))
        .route(
            "/reports/country/publish",
            axum::routing::post(publish_report),
        )
        .route(
            "/obligations/countries/{iso3}/follow-up/pdf",
            get(follow_up_pdf),
        )
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new().route("/reports/country", get(api_country))
}

/// The OpenAPI description of [`api_router`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_country))]
pub struct ApiDoc;

/// What a report covers (query parameters).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// ISO 3166-1 alpha-3 code of the State.
    pub country: Option<String>,
    /// A thematic lens: death_penalty, torture, hrd, disappearance.
    pub lens: Option<String>,
    /// A type of act (HURIDOCS micro-thesaurus 4 code).
    pub act_type: Option<String>,
    /// One year.
    pub year: Option<String>,
    /// `1` to show victims' names (only where the role allows it).
    pub names: Option<String>,
}

impl ReportParams {
    /// The scope, or the name of the invalid field.
    pub fn scope(&self) -> Result<ReportScope, &'static str> {
        let s = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        let country = s(&self.country).ok_or("country")?.to_ascii_uppercase();
        if country.len() != 3 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err("country");
        }
        let lens = s(&self.lens);
        if lens.as_deref().is_some_and(|l| !LENSES.contains(&l)) {
            return Err("lens");
        }
        let year = match s(&self.year) {
            None => None,
            Some(y) => Some(
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (1900..=2200).contains(y))
                    .ok_or("year")?,
            ),
        };
        Ok(ReportScope {
            country,
            lens,
            act_type: s(&self.act_type),
            year,
            include_names: self.names.as_deref() == Some("1"),
        })
    }
    fn query(&self, scope: &ReportScope) -> String {
        let mut q = format!("country={}", scope.country);
        if let Some(l) = &scope.lens {
            q.push_str(&format!("&lens={l}"));
        }
        if let Some(a) = &scope.act_type {
            q.push_str(&format!("&act_type={}", enc(a)));
        }
        if let Some(y) = scope.year {
            q.push_str(&format!("&year={y}"));
        }
        if scope.include_names {
            q.push_str("&names=1");
        }
        q
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---------------------------------------------------------------- document --

fn t(lang: Lang, key: &str) -> String {
    i18n::t(lang, key)
}

fn ta(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    i18n::t_args(lang, key, args)
}

fn status_label(lang: Lang, s: &str) -> String {
    t(
        lang,
        &format!("obl.status.{}", if s.is_empty() { "none" } else { s }),
    )
}

/// The report as a document (the same for the page and the PDF).
pub fn country_document(r: &CountryReport, lang: Lang) -> Document {
    let l = lang;
    let lens = r
        .scope
        .lens
        .as_deref()
        .map(|x| t(l, &format!("vio.lens.{x}")));
    let year = r.scope.year.map(|y| y.to_string());
    let title = match (&lens, &year) {
        (Some(lens), Some(y)) => ta(
            l,
            "rep.report.title_thematic_year",
            &[("theme", lens), ("country", &r.country_name), ("year", y)],
        ),
        (Some(lens), None) => ta(
            l,
            "rep.report.title_thematic",
            &[("theme", lens), ("country", &r.country_name)],
        ),
        (None, Some(y)) => ta(
            l,
            "rep.report.title_country_year",
            &[("country", &r.country_name), ("year", y)],
        ),
        (None, None) => ta(
            l,
            "rep.report.title_country",
            &[("country", &r.country_name)],
        ),
    };
    let mut d = Document::new(title, l.code());
    d.subtitle = format!(
        "{} · {}",
        ta(l, "rep.report.generated", &[("date", &r.generated)]),
        t(
            l,
            if r.names_shown {
                "rep.report.names_shown"
            } else {
                "rep.report.pseudonymised"
            }
        )
    );
    d.footer = t(l, "rep.report.footer");

    // 1. Documented cases.
    d.heading(1, t(l, "rep.report.cases"));
    let total = r.counts.total.to_string();
    d.paragraph(ta(l, "rep.report.cases_total", &[("count", &total)]));
    if r.counts.total > 0 {
        let count_table = |caption: String, head: String, rows: &[reports::Count]| Table {
            caption,
            header: vec![head, t(l, "rep.dash.acts")],
            rows: rows
                .iter()
                .map(|c| vec![c.label.clone(), c.count.to_string()])
                .collect(),
            widths: vec![4.0, 1.0],
        };
        d.table(count_table(
            t(l, "rep.dash.by_act_type"),
            t(l, "search.facet.act_type"),
            &r.counts.by_act_type,
        ));
        d.table(count_table(
            t(l, "rep.dash.by_year"),
            t(l, "search.facet.year"),
            &r.counts.by_year,
        ));
        if !r.counts.by_perpetrator_type.is_empty() {
            d.table(count_table(
                t(l, "rep.dash.by_perpetrator_type"),
                t(l, "search.facet.perpetrator_type"),
                &r.counts.by_perpetrator_type,
            ));
        }
        let shown = r.cases.len().to_string();
        d.table(Table {
            caption: ta(
                l,
                "rep.report.case_table",
                &[("shown", &shown), ("total", &total)],
            ),
            header: vec![
                t(l, "rep.report.date"),
                t(l, "search.facet.act_type"),
                t(l, "rep.report.victim"),
                t(l, "search.facet.victim_sex"),
                t(l, "search.facet.victim_age_group"),
                t(l, "rep.report.area"),
            ],
            rows: r
                .cases
                .iter()
                .map(|c| {
                    vec![
                        c.date.clone(),
                        c.act_type_label.clone(),
                        c.victim.clone(),
                        c.victim_sex.clone(),
                        if c.victim_age_group.is_empty() {
                            String::new()
                        } else {
                            t(l, &format!("vio.age.{}", c.victim_age_group))
                        },
                        c.admin_area.clone(),
                    ]
                })
                .collect(),
            widths: vec![1.3, 3.0, 1.6, 1.2, 1.2, 1.6],
        });
    }

    // 2. Interventions and replies.
    d.heading(1, t(l, "rep.report.interventions"));
    if r.interventions.is_empty() {
        d.paragraph(t(l, "rep.report.no_interventions"));
    } else {
        d.table(Table {
            caption: t(l, "rep.report.interventions"),
            header: vec![
                t(l, "rep.report.date"),
                t(l, "rep.report.int_type"),
                t(l, "rep.report.addressees"),
                t(l, "rep.report.int_status"),
                t(l, "rep.report.reply"),
            ],
            rows: r
                .interventions
                .iter()
                .map(|i| {
                    let reply = if !i.response_date.is_empty() || !i.response_type.is_empty() {
                        format!("{} {}", i.response_type, i.response_date)
                            .trim()
                            .to_string()
                    } else if i.reply_overdue {
                        t(l, "rep.report.reply_overdue")
                    } else {
                        t(l, "rep.report.no_reply")
                    };
                    vec![
                        i.date.clone(),
                        i.int_type.clone(),
                        i.addressees.clone(),
                        i.status.clone(),
                        reply,
                    ]
                })
                .collect(),
            widths: vec![1.2, 1.8, 2.5, 1.4, 2.0],
        });
    }

    // 3. Recommendations.
    d.heading(1, t(l, "rep.report.recommendations"));
    let rt = r.recommendations_total.to_string();
    d.paragraph(ta(l, "rep.report.recommendations_total", &[("count", &rt)]));
    if !r.recommendation_status_counts.is_empty() {
        d.table(Table {
            caption: t(l, "rep.report.status_counts"),
            header: vec![t(l, "obl.facet.status"), t(l, "rep.report.recommendations")],
            rows: r
                .recommendation_status_counts
                .iter()
                .map(|c| vec![status_label(l, &c.key), c.count.to_string()])
                .collect(),
            widths: vec![3.0, 1.0],
        });
    }
    if !r.recommendations.is_empty() {
        let shown = r.recommendations.len().to_string();
        d.table(Table {
            caption: ta(
                l,
                "rep.report.rec_table",
                &[("shown", &shown), ("total", &rt)],
            ),
            header: vec![
                t(l, "rep.report.symbol"),
                t(l, "rep.report.recommendation"),
                t(l, "obl.facet.status"),
            ],
            rows: r
                .recommendations
                .iter()
                .map(|x| {
                    let sym = if x.document_symbol.is_empty() {
                        x.body.clone()
                    } else if x.paragraph.is_empty() {
                        x.document_symbol.clone()
                    } else {
                        format!("{} ¶ {}", x.document_symbol, x.paragraph)
                    };
                    vec![sym, x.text.clone(), status_label(l, &x.status)]
                })
                .collect(),
            widths: vec![1.6, 5.0, 1.4],
        });
    }

    // 4. Ratification gaps.
    d.heading(1, t(l, "rep.report.gaps"));
    let g = &r.gaps;
    if g.not_ratified.is_empty() && g.no_information.is_empty() {
        d.paragraph(t(l, "rep.report.all_ratified"));
    }
    if !g.no_information.is_empty() {
        let list: Vec<&str> = g.no_information.iter().map(|(c, _)| c.as_str()).collect();
        d.paragraph(ta(
            l,
            "rep.report.no_information",
            &[("list", &list.join(", "))],
        ));
    }
    if !g.not_ratified.is_empty() {
        d.table(Table {
            caption: t(l, "rep.report.not_ratified"),
            header: vec![t(l, "rep.report.instrument"), t(l, "rep.report.rat_status")],
            rows: g
                .not_ratified
                .iter()
                .map(|(code, name, st)| {
                    vec![format!("{code} — {name}"), t(l, &format!("rep.rat.{st}"))]
                })
                .collect(),
            widths: vec![5.0, 1.5],
        });
    }
    if !g.procedures_not_accepted.is_empty() {
        d.table(Table {
            caption: t(l, "rep.report.procedures"),
            header: vec![
                t(l, "rep.report.procedure"),
                t(l, "rep.report.procedure_kind"),
            ],
            rows: g
                .procedures_not_accepted
                .iter()
                .map(|(label, kind)| vec![label.clone(), t(l, &format!("rep.proc.{kind}"))])
                .collect(),
            widths: vec![4.0, 1.5],
        });
    }
    if !g.no_reporting_data.is_empty() {
        d.paragraph(ta(
            l,
            "rep.report.no_reporting_data",
            &[("list", &g.no_reporting_data.join(", "))],
        ));
    }
    if g.overdue_reports.is_empty() {
        if g.no_reporting_data.is_empty() {
            d.paragraph(t(l, "rep.report.no_overdue"));
        }
    } else {
        d.table(Table {
            caption: t(l, "rep.report.overdue"),
            header: vec![
                t(l, "rep.report.body"),
                t(l, "rep.report.report_number"),
                t(l, "rep.report.due"),
                t(l, "rep.report.days_overdue"),
            ],
            rows: g
                .overdue_reports
                .iter()
                .map(|(b, n, due, days)| {
                    vec![b.clone(), n.to_string(), due.clone(), days.to_string()]
                })
                .collect(),
            widths: vec![1.5, 1.0, 1.5, 1.5],
        });
    }
    d
}

/// Build a report for any reader and log it (`report.generate`); the public portal can
/// call this with the public actor.
pub async fn generate(
    store: &Store,
    actor: &Actor,
    lang: Lang,
    scope: &ReportScope,
    format: &str,
) -> Result<(CountryReport, Document), StoreError> {
    let r = reports::country_report(store, actor, scope, lang.code()).await?;
    let doc = country_document(&r, lang);
    store
        .log_event(
            actor,
            "report.generate",
            "report",
            &r.scope.country,
            serde_json::json!({
                "kind": if r.scope.lens.is_some() || r.scope.act_type.is_some() { "thematic" } else { "country" },
                "format": format,
                "lens": r.scope.lens,
                "act_type": r.scope.act_type,
                "year": r.scope.year,
                "names_requested": scope.include_names,
                "names_shown": r.names_shown,
                "cases": r.cases.len(),
            }),
        )
        .await?;
    Ok((r, doc))
}

// ------------------------------------------------------------------- pages --

async fn form_context(state: &AppState, ctx: &Ctx, p: &ReportParams) -> Value {
    let l = ctx.lang;
    let vocab = Vocab::load(&state.store).await.ok();
    let sees = violations::sees_names(&state.store, &ctx.actor)
        .await
        .unwrap_or(false);
    context! {
        params => context! {
            country => p.country.clone().unwrap_or_default().to_ascii_uppercase(),
            lens => p.lens.clone().unwrap_or_default(),
            year => p.year.clone().unwrap_or_default(),
            names => p.names.as_deref() == Some("1"),
        },
        may_see_names => sees,
        country_options => vocab.map(|v| v.country_options(l.code())).unwrap_or_default(),
        lens_options => LENSES.iter().map(|a| (a.to_string(), i18n::t(l, &format!("vio.lens.{a}")))).collect::<Vec<_>>(),
    }
}

pub async fn reports_index(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(p): Query<ReportParams>,
) -> Response {
    let form = form_context(&state, &ctx, &p).await;
    page(
        &state,
        &ctx,
        "reports_index.html",
        context! { form => form, error => () },
    )
}

pub async fn country_html(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(p): Query<ReportParams>,
) -> Response {
    let scope = match p.scope() {
        Ok(s) => s,
        Err(field) => {
            let form = form_context(&state, &ctx, &p).await;
            return page_status(
                &state,
                &ctx,
                "reports_index.html",
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { form => form, error => ctx.t(&format!("rep.error.{field}")) },
            );
        }
    };
    match generate(&state.store, &ctx.actor, ctx.lang, &scope, "html").await {
        Ok((r, doc)) => {
            let q = p.query(&r.scope);
            // The public version of this report, in this language, if an administrator
            // published it.
            let publication = if crate::authz::role_may(&ctx, dignity_core::Action::Publish) {
                dignity_store::portal::publication(
                    &state.store,
                    &publication_slug(&r.scope),
                    ctx.lang.code(),
                )
                .await
                .ok()
                .flatten()
                .filter(|p| p.lang == ctx.lang.code())
                .map(|p| context! { id => p.id, slug => p.slug, published_at => p.published_at.get(..10).unwrap_or("").to_string() })
            } else {
                None
            };
            page(
                &state,
                &ctx,
                "reports_document.html",
                context! {
                    doc => Value::from_serialize(&doc),
                    rtl => doc.rtl(),
                    names_requested_denied => scope.include_names && !r.names_shown,
                    pdf_href => format!("/reports/country/pdf?{q}"),
                    can_publish => crate::authz::role_may(&ctx, dignity_core::Action::Publish),
                    publication => publication,
                    scope => context! {
                        country => r.scope.country.clone(),
                        lens => r.scope.lens.clone().unwrap_or_default(),
                        act_type => r.scope.act_type.clone().unwrap_or_default(),
                        year => r.scope.year.map(|y| y.to_string()).unwrap_or_default(),
                    },
                    form_query => q,
                },
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The form that publishes a report's public version.
#[derive(Deserialize)]
pub struct PublishForm {
    pub country: Option<String>,
    pub lens: Option<String>,
    pub act_type: Option<String>,
    pub year: Option<String>,
}

/// The slug of a report's publication: `report-per-torture-2025`.
fn publication_slug(scope: &ReportScope) -> String {
    let mut parts = vec!["report".to_string(), scope.country.to_ascii_lowercase()];
    parts.extend(scope.lens.iter().map(|l| l.to_string()));
    parts.extend(scope.act_type.iter().map(|a| format!("act-{a}")));
    parts.extend(scope.year.iter().map(|y| y.to_string()));
    parts
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// A report as an HTML fragment for the portal (the publication page adds the title and
/// the layout). Every text is escaped.
pub fn document_fragment(doc: &Document) -> String {
    use crate::dashboards::esc;
    use dignity_report::Block;
    let dir = if doc.rtl() { " dir=\"rtl\"" } else { "" };
    let mut h = format!(
        "<article class=\"report\" lang=\"{}\"{dir}>",
        esc(&doc.lang)
    );
    if !doc.subtitle.is_empty() {
        h += &format!("<p class=\"lead\">{}</p>", esc(&doc.subtitle));
    }
    for b in &doc.blocks {
        match b {
            Block::Heading { level: 1, text } => h += &format!("<h2>{}</h2>", esc(text)),
            Block::Heading { text, .. } => h += &format!("<h3>{}</h3>", esc(text)),
            Block::Paragraph { text } => h += &format!("<p>{}</p>", esc(text)),
            Block::Table(t) => {
                h += "<div class=\"table-scroll\"><table class=\"table-compact\">";
                h += &format!("<caption>{}</caption><thead><tr>", esc(&t.caption));
                for c in &t.header {
                    h += &format!("<th scope=\"col\">{}</th>", esc(c));
                }
                h += "</tr></thead><tbody>";
                for r in &t.rows {
                    h += "<tr>";
                    for (i, c) in r.iter().enumerate() {
                        if i == 0 {
                            h += &format!("<th scope=\"row\">{}</th>", esc(c));
                        } else {
                            h += &format!("<td>{}</td>", esc(c));
                        }
                    }
                    h += "</tr>";
                }
                h += "</tbody></table></div>";
            }
        }
    }
    if !doc.footer.is_empty() {
        h += &format!(
            "<footer class=\"report-footer\"><p>{}</p></footer>",
            esc(&doc.footer)
        );
    }
    h += "</article>";
    h
}

/// `POST /reports/country/publish`: an administrator publishes the public version of a
/// report to the portal. It is generated as the anonymous visitor — only published, public
/// records, never names — whatever the administrator can see, and stored as a snapshot
/// (audited by the write path) at `/public/publications/{slug}`.
pub async fn publish_report(
    State(state): State<AppState>,
    ctx: MayPublish,
    CsrfForm(f): CsrfForm<PublishForm>,
) -> Response {
    let p = ReportParams {
        country: f.country,
        lens: f.lens,
        act_type: f.act_type,
        year: f.year,
        names: None,
    };
    let scope = match p.scope() {
        Ok(s) => s,
        Err(field) => {
            return WebError::Message {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: ctx.t(&format!("rep.error.{field}")),
            }
            .into_response()
        }
    };
    let (_, doc) = match generate(
        &state.store,
        &Actor::anonymous(),
        ctx.lang,
        &scope,
        "publish",
    )
    .await
    {
        Ok(x) => x,
        Err(e) => return WebError::from(e).into_response(),
    };
    let slug = publication_slug(&scope);
    let html = document_fragment(&doc);
    let lang = ctx.lang.code();
    let res = state
        .store
        .write(&ctx.actor, async |tx| {
            dignity_store::portal::publish_snapshot(tx, "report", &slug, &doc.title, lang, &html)
                .await
        })
        .await;
    match res {
        Ok(_) => Redirect::to(&format!("/public/publications/{slug}")).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

fn pdf_response(doc: &Document, filename: &str) -> Response {
    match dignity_report::to_pdf(doc) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{filename}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => WebError::internal(format!("PDF failed: {e}")).into_response(),
    }
}

pub async fn country_pdf(
    State(state): State<AppState>,
    ctx: CanExport<export::Report>,
    Query(p): Query<ReportParams>,
) -> Response {
    let scope = match p.scope() {
        Ok(s) => s,
        Err(field) => {
            return WebError::Message {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: ctx.t(&format!("rep.error.{field}")),
            }
            .into_response()
        }
    };
    let r = async {
        let (mut r, _) = generate(&state.store, &ctx.actor, ctx.lang, &scope, "pdf").await?;
        keep_exportable(&state.store, &ctx.actor, &mut r).await?;
        Ok::<_, StoreError>(r)
    }
    .await;
    match r {
        Ok(r) => pdf_response(
            &country_document(&r, ctx.lang),
            &format!("report-{}.pdf", r.scope.country),
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Drop from a downloaded report the cases and interventions the reader may read but not
/// export (e.g. strictly confidential records, which only coordinators export).
async fn keep_exportable(
    store: &Store,
    actor: &Actor,
    r: &mut CountryReport,
) -> Result<(), StoreError> {
    use dignity_core::auth::Action::Export;
    let mut cases = Vec::with_capacity(r.cases.len());
    for c in std::mem::take(&mut r.cases) {
        if violations::can(store, actor, Export, violations::ACT, c.act_id).await?
            && violations::can(store, actor, Export, violations::EVENT, c.event_id).await?
        {
            cases.push(c);
        }
    }
    r.cases = cases;
    let mut kept = Vec::with_capacity(r.interventions.len());
    for i in std::mem::take(&mut r.interventions) {
        if violations::can(store, actor, Export, violations::INTERVENTION, i.id).await? {
            kept.push(i);
        }
    }
    r.interventions = kept;
    Ok(())
}

#[derive(Deserialize, Default)]
pub struct FollowUpQuery {
    body: Option<String>,
    since: Option<String>,
}

/// The follow-up report of one mechanism for a State as a document (issue 3, item 5).
pub fn follow_up_document(
    lang: Lang,
    name: &str,
    body: &str,
    since: &str,
    items: &[tracking::FollowUpItem],
) -> Document {
    let l = lang;
    let mut d = Document::new(
        ta(l, "obl.followup.title", &[("body", body), ("name", name)]),
        l.code(),
    );
    let today = ob::today().to_string();
    d.subtitle = ta(
        l,
        "obl.followup.intro",
        &[("since", since), ("date", &today)],
    );
    d.footer = t(l, "rep.report.footer");
    if items.is_empty() {
        d.paragraph(t(l, "obl.followup.none"));
    }
    for (n, it) in items.iter().enumerate() {
        let r = &it.recommendation;
        let head = if r.document_symbol.is_empty() {
            r.body.clone()
        } else if r.paragraph.is_empty() {
            r.document_symbol.clone()
        } else {
            format!("{} ¶ {}", r.document_symbol, r.paragraph)
        };
        d.heading(2, format!("{}. {head}", n + 1));
        d.paragraph(r.text.clone());
        d.paragraph(format!(
            "{}: {}",
            t(l, "obl.facet.status"),
            status_label(l, &r.status)
        ));
        if !it.assignments.is_empty() {
            let who: Vec<String> = it
                .assignments
                .iter()
                .map(|a| a.institution.clone())
                .collect();
            d.paragraph(format!(
                "{}: {}",
                t(l, "obl.followup.responsible"),
                who.join(", ")
            ));
        }
        for a in &it.actions {
            let mut line = format!("• {}", a.description);
            if !a.target_date.is_empty() {
                line.push_str(&format!(" — {}", a.target_date));
            }
            if let Some(days) = a.overdue_days {
                line.push_str(&format!(
                    " ({})",
                    ta(l, "obl.overdue_by", &[("days", &days.to_string())])
                ));
            }
            d.paragraph(line);
        }
        if it.assessments.is_empty() {
            d.paragraph(t(l, "obl.followup.nothing"));
        } else {
            d.table(Table {
                caption: String::new(),
                header: vec![
                    t(l, "rep.report.date"),
                    t(l, "obl.facet.status"),
                    t(l, "rep.report.narrative"),
                ],
                rows: it
                    .assessments
                    .iter()
                    .map(|a| {
                        vec![
                            a.assessed_on.clone(),
                            status_label(l, &a.status),
                            a.narrative.clone(),
                        ]
                    })
                    .collect(),
                widths: vec![1.2, 1.6, 5.0],
            });
        }
    }
    d
}

pub async fn follow_up_pdf(
    State(state): State<AppState>,
    ctx: CanExport<export::Report>,
    Path(iso3): Path<String>,
    Query(q): Query<FollowUpQuery>,
) -> Response {
    let iso3 = iso3.trim().to_ascii_uppercase();
    match ob::country_exists(&state.store, &iso3).await {
        Ok(true) => {}
        Ok(false) => return WebError::not_found().into_response(),
        Err(e) => return WebError::from(e).into_response(),
    }
    let name = match Vocab::load(&state.store).await {
        Ok(v) => v.country_name(&iso3, ctx.lang.code()),
        Err(e) => return WebError::from(e).into_response(),
    };
    let body = q.body.unwrap_or_else(|| "CCPR".into());
    let since = q
        .since
        .filter(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
        .unwrap_or_else(|| "1900-01-01".into());
    let items = match tracking::follow_up(&state.store, &ctx.actor, &iso3, &body, &since).await {
        Ok(i) => i,
        Err(e) => return WebError::from(e).into_response(),
    };
    let doc = follow_up_document(ctx.lang, &name, &body, &since, &items);
    if let Err(e) = state
        .store
        .log_event(
            &ctx.actor,
            "report.generate",
            "report",
            &iso3,
            serde_json::json!({ "kind": "follow_up", "format": "pdf", "body": body, "since": since, "items": items.len() }),
        )
        .await
    {
        return WebError::from(e).into_response();
    }
    let safe_body: String = body.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    pdf_response(&doc, &format!("follow-up-{iso3}-{safe_body}.pdf"))
}

// --------------------------------------------------------------------- API --

/// A country report (or a thematic one, with `lens`, `act_type` or `year`) as JSON:
/// `counts`, `cases` (pseudonymised unless `names=1` and the role allows names),
/// `interventions`, `recommendations` with their status, and ratification `gaps`.
#[utoipa::path(get, path = "/api/v1/reports/country", params(ReportParams),
    responses((status = 200, description = "the report: scope, country_name, names_shown, generated, counts, cases, interventions, recommendations_total, recommendations, recommendation_status_counts, gaps"),
        (status = 401, body = crate::api::ApiError), (status = 404, body = crate::api::ApiError),
        (status = 422, body = crate::api::ApiError)), security(("token" = [])))]
pub async fn api_country(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<ReportParams>,
) -> Response {
    if let Err(e) = crate::authz::signed_in(&ctx) {
        return e.into_response();
    }
    let scope = match p.scope() {
        Ok(s) => s,
        Err(field) => {
            return WebError::Invalid {
                field: field.into(),
                message: i18n::t(Lang::En, &format!("rep.error.{field}")),
            }
            .into_response()
        }
    };
    match generate(&state.store, &ctx.actor, ctx.lang, &scope, "json").await {
        Ok((r, _)) => Json(r).into_response(),
        Err(StoreError::NotFound(_)) => WebError::refused(
            StatusCode::NOT_FOUND,
            "not_found",
            "unknown country",
            Some("country".into()),
        )
        .into_response(),
        Err(e) => WebError::internal(format!("report failed: {e}")).into_response(),
    }
}

#[cfg(test)]
pub(crate) fn examples() -> Vec<(&'static str, Value, bool, bool)> {
    use serde_json::json;
    let form = json!({
        "params": { "country": "USA", "lens": "torture", "year": "2025", "names": true },
        "may_see_names": true,
        "country_options": [["USA", "United States <of> America"], ["PER", "Peru"]],
        "lens_options": [["torture", "Torture"]],
    });
    let no_names = json!({
        "params": { "country": "", "lens": "", "year": "", "names": false },
        "may_see_names": false, "country_options": [], "lens_options": [],
    });
    let mut doc = Document::new("Torture in <Peru>", "en");
    doc.subtitle = "Made on 2026-11-23".into();
    doc.footer = "Dignity".into();
    doc.heading(1, "Documented cases")
        .heading(2, "Sub")
        .paragraph("Documented acts: 2.")
        .table(Table {
            caption: "Cases".into(),
            header: vec!["Date".into(), "Victim".into()],
            rows: vec![vec!["2025-03-05".into(), "P-ABC123".into()]],
            widths: vec![],
        });
    let filter = json!({ "country": ["USA"], "region": ["Americas"], "year_from": 2024, "year_to": null,
        "act_type": [], "perpetrator_type": [], "victim_sex": [], "victim_age_group": ["adult"], "lens": [] });
    let chart = json!({ "id": "by-year", "title": "By year", "svg": "<svg role=\"img\"></svg>", "key_header": "Year",
        "rows": [{ "key": "2025", "label": "2025", "count": 3 }] });
    let empty_chart =
        json!({ "id": "by-sex", "title": "By sex", "svg": "", "key_header": "Sex", "rows": [] });
    let opts = json!([["a", "Option <b>"]]);
    let empty_filter = json!({ "country": [], "region": [], "year_from": null, "year_to": null, "act_type": [],
        "perpetrator_type": [], "victim_sex": [], "victim_age_group": [], "lens": [] });
    vec![
        (
            "dashboards_index.html",
            Value::from_serialize(json!({
                "filter": filter.clone(), "total": 3, "charts": [chart.clone(), empty_chart], "world_map": "<svg></svg>",
                "regional_map": { "title": "Americas", "svg": "<svg></svg>" },
                "search_href": "/search?country=USA", "api_href": "/api/v1/dashboards/acts?country=USA",
                "country_options": opts, "region_options": ["Americas"], "act_type_options": opts,
                "perpetrator_type_options": opts, "sex_options": opts, "age_options": opts, "lens_options": opts,
                "publish": { "filter": "country=USA", "title": "Acts <in> the USA",
                    "current": { "id": 3, "slug": "dashboard-usa", "title": "Acts <in> the USA", "published_at": "2026-11-20" } },
            })),
            true,
            true,
        ),
        (
            "portal_dashboard.html",
            Value::from_serialize(json!({
                "dashboard": { "title": "Torture <in> Serbia", "published_at": "2026-11-20" },
                "filter": filter.clone(), "country_options": [["USA", "United States"]], "act_type_options": opts.clone(),
                "lens_options": opts.clone(), "perpetrator_type_options": opts.clone(), "sex_options": opts.clone(), "age_options": opts.clone(),
                "total": 3, "charts": [chart.clone()], "world_map": "<svg></svg>",
                "regional_map": { "title": "Southern Europe", "svg": "<svg></svg>" },
            })),
            false,
            false,
        ),
        (
            "dashboards_index.html",
            Value::from_serialize(json!({
                "filter": empty_filter, "total": 0, "charts": [], "world_map": "", "regional_map": null,
                "search_href": "/search", "api_href": "/api/v1/dashboards/acts", "country_options": [],
                "region_options": [], "act_type_options": [], "perpetrator_type_options": [], "sex_options": [],
                "age_options": [], "lens_options": [],
                "publish": { "filter": "", "title": "Dashboard", "current": null },
            })),
            true,
            false,
        ),
        (
            "reports_index.html",
            Value::from_serialize(json!({ "form": form, "error": "Choose a country" })),
            true,
            false,
        ),
        (
            "reports_index.html",
            Value::from_serialize(json!({ "form": no_names, "error": null })),
            true,
            false,
        ),
        (
            "reports_document.html",
            Value::from_serialize(json!({
                "doc": doc, "rtl": false, "names_requested_denied": true,
                "pdf_href": "/reports/country/pdf?country=PER", "form_query": "country=PER",
                "can_publish": true,
                "publication": { "id": 4, "slug": "report-per-torture-2025", "published_at": "2026-11-20" },
                "scope": { "country": "PER", "lens": "torture", "act_type": "", "year": "2025" },
            })),
            true,
            false,
        ),
        (
            "reports_document.html",
            Value::from_serialize(json!({
                "doc": Document::new("تقرير", "ar"), "rtl": true, "names_requested_denied": false,
                "pdf_href": "/reports/country/pdf?country=PER", "form_query": "",
                "can_publish": false,
            })),
            true,
            false,
        ),
    ]
}

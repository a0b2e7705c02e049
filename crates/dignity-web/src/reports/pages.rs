//! The report pages: the form, the HTML report, its publication on the portal, and the PDFs
//! (every one logged).

use super::*;

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

/// The report's scope, or a 422 naming the refused field in the reader's language.
fn scope_or_422(ctx: &Ctx, p: &ReportParams) -> Result<ReportScope, Response> {
    p.scope().map_err(|field| {
        WebError::Message {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: ctx.t(&format!("rep.error.{field}")),
        }
        .into_response()
    })
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
    let scope = match scope_or_422(&ctx, &p) {
        Ok(s) => s,
        Err(r) => return r,
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
    let scope = match scope_or_422(&ctx, &p) {
        Ok(s) => s,
        Err(r) => return r,
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

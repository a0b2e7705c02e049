//! Reports of the area (SDG 16.10.1, counts), the public memorial and the family case view.

use super::*;
use crate::authz::{export, CanExport};

// -------------------------------------------------------------- reports --

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    year: Option<i32>,
    country: Option<String>,
    by: Option<String>,
}

pub async fn reports_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<ReportQuery>,
) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let lang = ctx.lang.code();
        let by =
            q.by.clone()
                .filter(|b| reports::COUNT_BY.contains(&b.as_str()))
                .unwrap_or_else(|| "region".into());
        let counts = reports::missing_counts(&state.store, &ctx.actor, &by).await?;
        let (t_title, t_open, t_loc, t_closed, t_unknown) = (
            ctx.t("pro.counts_title"),
            ctx.t("pro.bucket.open"),
            ctx.t("pro.bucket.located"),
            ctx.t("pro.bucket.closed"),
            ctx.t("pro.unknown"),
        );
        let svg = reports::counts_svg(&counts, [&t_title, &t_open, &t_loc, &t_closed, &t_unknown]);
        let sdg = match (q.year, q.country.as_deref().filter(|c| !c.is_empty())) {
            (Some(y), Some(c)) => Some(reports::sdg_16101(&state.store, &ctx.actor, y, c).await?),
            _ => None,
        };
        Ok::<_, StoreError>(json!({
            "year": q.year, "country": q.country, "by": by, "bys": reports::COUNT_BY,
            "counts": counts, "svg": svg, "sdg": sdg,
            "countries": crate::violations::country_options(&vocab, lang),
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "protection_reports.html", v_(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The SDG 16.10.1 table as CSV: a download, so the role must be allowed to export.
pub async fn sdg_csv(
    State(state): State<AppState>,
    ctx: CanExport<export::Report>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let (Some(y), Some(c)) = (q.year, q.country.clone()) else {
        let field = if q.year.is_none() { "year" } else { "country" };
        return WebError::Rejected(dignity_core::Invalid::required(field)).into_response();
    };
    match reports::sdg_16101(&state.store, &ctx.actor, y, &c).await {
        Ok(t) => {
            let _ = state
                .store
                .log_event(
                    &ctx.actor,
                    "report.export",
                    "sdg_16_10_1",
                    &format!("{y}/{c}"),
                    json!({ "rows": t.rows.len() }),
                )
                .await;
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"sdg-16-10-1.csv\"",
                    ),
                ],
                reports::sdg_csv(&t),
            )
                .into_response()
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The public memorial (no sign-in): consented names only.
pub async fn memorial(State(state): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let lang = ctx.lang.code();
        let areas = p::terms(&state.store, "area", lang, true).await?;
        Ok::<_, StoreError>(json!({
            "entries": reports::memorial(&state.store).await?.into_iter().map(|e| json!({
                "name": e.name, "date": e.date,
                "country": e.country.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default(),
                "areas": e.areas.iter().map(|a| areas.iter().find(|t| &t.code == a).map(|t| t.label.clone()).unwrap_or(a.clone())).collect::<Vec<_>>().join(", "),
            })).collect::<Vec<_>>()
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "protection_memorial.html", v_(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The family's view of their own case, through their link (no account).
pub async fn family_view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    match m::family_case(&state.store, &token).await {
        Ok(Some(view)) => {
            let mut r = page(
                &state,
                &ctx,
                "protection_family.html",
                v_(json!({ "view": view })),
            );
            r.headers_mut().insert(
                header::REFERRER_POLICY,
                header::HeaderValue::from_static("no-referrer"),
            );
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            r
        }
        Ok(None) => WebError::keyed(StatusCode::NOT_FOUND, "pro.family_invalid").into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

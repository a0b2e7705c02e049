//! Dashboards (issue 6, item 4): counts of documented acts over time, by type of act, by
//! country (a world map and a regional map, choropleths drawn as SVG on the server), by
//! perpetrator type and by victim group. Filters have the search page's names, so a
//! dashboard links to the same records in search. Every chart is an inline SVG with a
//! title, an `aria-label` and text labels, next to a table of the same numbers; nothing
//! needs JavaScript. Counts come from `dignity_store::reports`, filtered in SQL by what
//! the reader may see.
//!
//! The drawing functions take plain counts and are public, so the public portal can draw
//! the same charts for a snapshot rendered with any actor.

use crate::api::ApiError;
use crate::authz::{CsrfForm, MayPublish, SignedIn, WebError};
use crate::ctx::Ctx;
use crate::i18n::{self, Lang};
use crate::pages::page;
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dignity_core::geo;
use dignity_store::reports::{self, Count, DashFilter, Dashboard};
use dignity_store::violations::{self, Vocab, AGE_GROUPS, LENSES};
use dignity_store::{portal, reference, Store};
use minijinja::context;
use minijinja::value::Value;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboards", get(dashboard_page))
        .route("/dashboards/publish", post(publish_dashboard))
        .route("/dashboards/unpublish", post(unpublish_dashboard))
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new().route("/dashboards/acts", get(api_dashboard))
}

/// The OpenAPI description of [`api_router`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_dashboard), components(schemas(Dashboard, Count)))]
pub struct ApiDoc;

/// Query parameters of the dashboard (as on `/search`; repeat a name for several values).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DashParams {
    /// ISO 3166-1 alpha-3 country code.
    country: Option<String>,
    /// M49 region or sub-region name (`Europe`, `Southern Asia`).
    region: Option<String>,
    year_from: Option<i32>,
    year_to: Option<i32>,
    /// Type of act (HURIDOCS micro-thesaurus 4 code; narrower terms included).
    act_type: Option<String>,
    /// Type of perpetrator (micro-thesaurus 24 code).
    perpetrator_type: Option<String>,
    /// Sex of the victim (micro-thesaurus 39 code).
    victim_sex: Option<String>,
    /// child, youth, adult, elderly, unknown.
    victim_age_group: Option<String>,
    /// death_penalty, torture, hrd, disappearance.
    lens: Option<String>,
}

// --------------------------------------------------------------------- SVG --

/// Escape text for XML (element content and attribute values).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// A horizontal bar chart (one labelled bar per count, at most `max_bars`), as inline SVG
/// with a title and an accessible name.
pub fn bar_chart(id: &str, title: &str, counts: &[Count], max_bars: usize) -> String {
    let rows: Vec<&Count> = counts.iter().take(max_bars).collect();
    let max = rows.iter().map(|c| c.count).max().unwrap_or(0).max(1) as f64;
    let (label_w, bar_w, row_h) = (220.0, 300.0, 22.0);
    let h = (rows.len().max(1) as f64) * row_h + 8.0;
    let w = label_w + bar_w + 70.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t\" aria-label=\"{t}\" \
         viewBox=\"0 0 {w} {h}\" width=\"100%\" style=\"max-width:{w}px\"><title id=\"{id}-t\">{t}</title>",
        t = esc(title)
    );
    for (i, c) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * row_h;
        let bw = (c.count as f64 / max * bar_w).max(1.0);
        let _ = write!(
            s,
            "<g><text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"12\">{l}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{bw:.1}\" height=\"{bh}\" fill=\"#2b6cb0\"><title>{full}: {n}</title></rect>\
             <text x=\"{nx:.1}\" y=\"{ty}\" font-size=\"12\">{n}</text></g>",
            lx = label_w - 6.0,
            ty = y + 15.0,
            l = esc(&shorten(&c.label, 30)),
            full = esc(&c.label),
            bh = row_h - 6.0,
            nx = label_w + bw + 4.0,
            n = c.count,
        );
    }
    s.push_str("</svg>");
    s
}

/// Vertical columns over time (years or months, in order), labelled below.
pub fn time_chart(id: &str, title: &str, counts: &[Count]) -> String {
    let n = counts.len().max(1);
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1) as f64;
    let col = (600.0 / n as f64).clamp(4.0, 48.0);
    let (top, plot_h) = (18.0, 160.0);
    let w = col * n as f64 + 20.0;
    let h = top + plot_h + 40.0;
    let every = (n as f64 / 16.0).ceil().max(1.0) as usize;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t\" aria-label=\"{t}\" \
         viewBox=\"0 0 {w:.0} {h}\" width=\"100%\" style=\"max-width:{w:.0}px\"><title id=\"{id}-t\">{t}</title>\
         <line x1=\"10\" y1=\"{base}\" x2=\"{x2:.0}\" y2=\"{base}\" stroke=\"#555\"/>",
        t = esc(title),
        base = top + plot_h,
        x2 = w - 10.0,
    );
    for (i, c) in counts.iter().enumerate() {
        let bh = c.count as f64 / max * plot_h;
        let x = 10.0 + i as f64 * col;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cw:.1}\" height=\"{bh:.1}\" fill=\"#2b6cb0\"><title>{l}: {n}</title></rect>",
            y = top + plot_h - bh,
            cw = (col - 2.0).max(1.0),
            l = esc(&c.label),
            n = c.count
        );
        if i % every == 0 {
            let _ = write!(
                s,
                "<text x=\"{tx:.1}\" y=\"{ty}\" font-size=\"11\" text-anchor=\"middle\">{l}</text>",
                tx = x + col / 2.0,
                ty = top + plot_h + 14.0,
                l = esc(&c.label)
            );
        }
        if counts.len() <= 24 {
            let _ = write!(
                s,
                "<text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"10\" text-anchor=\"middle\">{n}</text>",
                tx = x + col / 2.0,
                ty = top + plot_h - bh - 3.0,
                n = c.count
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Fill colours of the choropleth classes (no data, then 5 classes, light to dark).
const CLASSES: [&str; 6] = [
    "#e2e8f0", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c",
];

/// The class (1–5) of a count on a logarithmic scale up to `max`; 0 for no data.
fn class_of(n: i64, max: i64) -> usize {
    if n <= 0 {
        return 0;
    }
    if max <= 1 {
        return 5;
    }
    let r = (n as f64).ln() / (max as f64).ln();
    1 + ((r * 4.999).floor() as usize).min(4)
}

/// Class limits for the legend: (class, from, to).
fn legend(max: i64) -> Vec<(usize, i64, i64)> {
    let mut out: Vec<(usize, i64, i64)> = Vec::new();
    for n in 1..=max.max(1) {
        let c = class_of(n, max);
        match out.last_mut() {
            Some(l) if l.0 == c => l.2 = n,
            _ => out.push((c, n, n)),
        }
        if n > 100_000 {
            break;
        }
    }
    if let Some(l) = out.last_mut() {
        l.2 = max.max(l.2);
    }
    out
}

/// A choropleth of the countries whose shape is known, in an equirectangular projection of
/// the box `[min_lon, min_lat, max_lon, max_lat]` (longitudes scaled by the cosine of the
/// middle latitude). Countries outside `only` (when given) are drawn as context in grey.
/// Each country with data is a `<path>` with `data-iso3` and a `<title>` (name: count).
pub fn choropleth(
    id: &str,
    title: &str,
    counts: &HashMap<String, (String, i64)>,
    bbox: [f64; 4],
    only: Option<&[String]>,
    no_data: &str,
) -> String {
    let [x0, y0, x1, y1] = bbox;
    let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.3);
    let width = 720.0;
    let sx = width / ((x1 - x0) * k).max(1e-6);
    let height = ((y1 - y0) * sx).clamp(120.0, 720.0);
    let sy = height / (y1 - y0).max(1e-6);
    let max = counts.values().map(|(_, n)| *n).max().unwrap_or(0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" role=\"img\" aria-labelledby=\"{id}-t\" aria-label=\"{t}\" \
         viewBox=\"0 0 {width} {height:.0}\" width=\"100%\" style=\"max-width:{width}px\"><title id=\"{id}-t\">{t}</title>\
         <rect width=\"{width}\" height=\"{height:.0}\" fill=\"#f8fafc\"/>",
        t = esc(title)
    );
    for c in geo::countries() {
        if c.iso3 == "ATA" {
            continue;
        }
        let b = c.bbox();
        if b[2] < x0 || b[0] > x1 || b[3] < y0 || b[1] > y1 {
            continue;
        }
        let inside = only.is_none_or(|o| o.iter().any(|i| i == &c.iso3));
        let mut d = String::new();
        for ring in c.rings() {
            for (i, [lon, lat]) in ring.iter().enumerate() {
                let x = (lon - x0) * k * sx;
                let y = (y1 - lat) * sy;
                let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
            }
            d.push('Z');
        }
        let (fill, tip) = match counts.get(&c.iso3) {
            Some((name, n)) if inside => (CLASSES[class_of(*n, max)], format!("{name}: {n}")),
            _ if inside => (CLASSES[0], format!("{}: {no_data}", c.name)),
            _ => ("#f1f5f9", c.name.clone()),
        };
        let _ = write!(
            s,
            "<path d=\"{d}\" fill=\"{fill}\" stroke=\"#fff\" stroke-width=\"0.5\" fill-rule=\"evenodd\" data-iso3=\"{iso}\"><title>{tip}</title></path>",
            iso = esc(&c.iso3),
            tip = esc(&tip)
        );
    }
    // Legend.
    let mut y = height - 14.0;
    for (c, from, to) in legend(max).iter().rev() {
        let label = if from == to {
            from.to_string()
        } else {
            format!("{from}–{to}")
        };
        let _ = write!(
            s,
            "<rect x=\"8\" y=\"{ry:.0}\" width=\"14\" height=\"10\" fill=\"{f}\" stroke=\"#999\" stroke-width=\"0.5\"/>\
             <text x=\"26\" y=\"{ty:.0}\" font-size=\"10\">{label}</text>",
            ry = y - 9.0,
            ty = y,
            f = CLASSES[*c]
        );
        y -= 14.0;
    }
    s.push_str("</svg>");
    s
}

/// The world, without Antarctica.
pub const WORLD_BBOX: [f64; 4] = [-180.0, -58.0, 180.0, 84.0];

/// The bounding box of a set of countries, with a margin.
pub fn bbox_of(iso3s: &[String]) -> Option<[f64; 4]> {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut any = false;
    for i in iso3s {
        if i == "ATA" {
            continue;
        }
        if let Some(c) = geo::country(i) {
            let cb = c.bbox();
            b = [
                b[0].min(cb[0]),
                b[1].min(cb[1]),
                b[2].max(cb[2]),
                b[3].max(cb[3]),
            ];
            any = true;
        }
    }
    any.then(|| {
        let mx = ((b[2] - b[0]) * 0.03).max(0.5);
        let my = ((b[3] - b[1]) * 0.03).max(0.5);
        [
            (b[0] - mx).max(-180.0),
            (b[1] - my).max(-90.0),
            (b[2] + mx).min(180.0),
            (b[3] + my).min(90.0),
        ]
    })
}

// -------------------------------------------------------------------- page --

/// One chart with its table, for the template.
#[derive(serde::Serialize)]
struct Chart {
    id: &'static str,
    title: String,
    svg: String,
    /// Column header of the key.
    key_header: String,
    rows: Vec<Count>,
}

/// Everything the dashboard page shows, for any reader (the portal renders it with the
/// public actor).
pub async fn dashboard_context(
    store: &Store,
    actor: &dignity_core::Actor,
    lang: Lang,
    f: &DashFilter,
) -> dignity_store::Result<Value> {
    let l = lang.code();
    let t = |k: &str| i18n::t(lang, k);
    let d = reports::dashboard(store, actor, f, l).await?;
    let vocab = Vocab::load(store).await?;
    let countries = reference::countries(store, l, None).await?;
    let region_of: HashMap<&str, (&str, &str)> = countries
        .iter()
        .map(|c| (c.iso3.as_str(), (c.region.as_str(), c.subregion.as_str())))
        .collect();

    let age: Vec<Count> = d
        .by_victim_age_group
        .iter()
        .map(|c| Count {
            label: i18n::lookup(lang, &format!("vio.age.{}", c.key))
                .map(String::from)
                .unwrap_or_else(|| c.key.clone()),
            ..c.clone()
        })
        .collect();
    let mut charts = vec![Chart {
        id: "by-year",
        title: t("rep.dash.by_year"),
        svg: time_chart("by-year", &t("rep.dash.by_year"), &d.by_year),
        key_header: t("search.facet.year"),
        rows: d.by_year.clone(),
    }];
    if !d.by_month.is_empty() && d.by_month.len() <= 120 {
        charts.push(Chart {
            id: "by-month",
            title: t("rep.dash.by_month"),
            svg: time_chart("by-month", &t("rep.dash.by_month"), &d.by_month),
            key_header: t("rep.dash.month"),
            rows: d.by_month.clone(),
        });
    }
    for (id, key, header, rows) in [
        (
            "by-type",
            "rep.dash.by_act_type",
            "search.facet.act_type",
            &d.by_act_type,
        ),
        (
            "by-country",
            "rep.dash.by_country",
            "search.facet.country",
            &d.by_country,
        ),
        (
            "by-perpetrator",
            "rep.dash.by_perpetrator_type",
            "search.facet.perpetrator_type",
            &d.by_perpetrator_type,
        ),
        (
            "by-sex",
            "rep.dash.by_victim_sex",
            "search.facet.victim_sex",
            &d.by_victim_sex,
        ),
        (
            "by-age",
            "rep.dash.by_victim_age_group",
            "search.facet.victim_age_group",
            &age,
        ),
    ] {
        charts.push(Chart {
            id,
            title: t(key),
            svg: bar_chart(id, &t(key), rows, 20),
            key_header: t(header),
            rows: rows.clone(),
        });
    }

    // Maps: the world, and the region of the filter (or of the country with most acts).
    let by_iso: HashMap<String, (String, i64)> = d
        .by_country
        .iter()
        .map(|c| (c.key.clone(), (c.label.clone(), c.count)))
        .collect();
    let world = choropleth(
        "map-world",
        &t("rep.dash.map_world"),
        &by_iso,
        WORLD_BBOX,
        None,
        &t("rep.dash.no_data"),
    );
    let region = f
        .region
        .first()
        .cloned()
        .or_else(|| {
            f.country
                .first()
                .or(d.by_country.first().map(|c| &c.key))
                .and_then(|i| region_of.get(i.as_str()))
                .map(|(_, sub)| sub.to_string())
        })
        .filter(|r| !r.is_empty());
    let regional = region.as_ref().and_then(|r| {
        let members: Vec<String> = countries
            .iter()
            .filter(|c| &c.region == r || &c.subregion == r)
            .map(|c| c.iso3.clone())
            .collect();
        let bbox = bbox_of(&members)?;
        let title = i18n::t_args(lang, "rep.dash.map_region", &[("region", r)]);
        Some(context! {
            title => title.clone(),
            svg => choropleth("map-region", &title, &by_iso, bbox, Some(&members), &t("rep.dash.no_data")),
        })
    });

    // Filter options.
    let mut regions: Vec<String> = countries
        .iter()
        .flat_map(|c| [c.region.clone(), c.subregion.clone()])
        .filter(|r| !r.is_empty())
        .collect();
    regions.sort();
    regions.dedup();
    let opts = |list: i64| -> Vec<(String, String)> {
        vocab
            .options(list, l)
            .into_iter()
            .map(|(c, label, level)| {
                (
                    c,
                    format!("{}{label}", "· ".repeat((level.max(1) - 1) as usize)),
                )
            })
            .collect()
    };
    let query = f.to_query();
    Ok(context! {
        filter => Value::from_serialize(f),
        total => d.total,
        charts => Value::from_serialize(&charts),
        world_map => world,
        regional_map => regional,
        search_href => if query.is_empty() { "/search".to_string() } else { format!("/search?{query}") },
        api_href => format!("/api/v1/dashboards/acts{}", if query.is_empty() { String::new() } else { format!("?{query}") }),
        country_options => vocab.country_options(l),
        region_options => regions,
        act_type_options => opts(violations::list_of("act_type").unwrap_or(4)),
        perpetrator_type_options => opts(violations::list_of("perpetrator_type").unwrap_or(24)),
        sex_options => opts(violations::list_of("sex").unwrap_or(39)),
        age_options => AGE_GROUPS.iter().map(|a| (a.to_string(), i18n::t(lang, &format!("vio.age.{a}")))).collect::<Vec<_>>(),
        lens_options => LENSES.iter().map(|a| (a.to_string(), i18n::t(lang, &format!("vio.lens.{a}")))).collect::<Vec<_>>(),
    })
}

pub async fn dashboard_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    RawQuery(q): RawQuery,
) -> Response {
    let f = DashFilter::parse(q.as_deref().unwrap_or(""));
    let r = async {
        let v = dashboard_context(&state.store, &ctx.actor, ctx.lang, &f).await?;
        let publish = if crate::authz::role_may(&ctx, dignity_core::Action::Publish) {
            Some(publish_context(&state.store, &ctx, &f).await?)
        } else {
            None
        };
        Ok::<_, dignity_store::StoreError>(context! { publish => publish, ..v })
    }
    .await;
    match r {
        Ok(v) => page(&state, &ctx, "dashboards_index.html", v),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The publishing panel of an administrator: the filter, a title to publish under, and
/// the public dashboard with this filter if there is one.
async fn publish_context(store: &Store, ctx: &Ctx, f: &DashFilter) -> dignity_store::Result<Value> {
    let query = f.to_query();
    let current = portal::public_dashboards(store)
        .await?
        .into_iter()
        .find(|d| d.filter == query);
    let title = current
        .as_ref()
        .map(|d| d.title.clone())
        .unwrap_or_else(|| ctx.t("rep.dash.title"));
    Ok(context! {
        filter => query,
        title => title,
        current => current.map(|d| context! {
            id => d.id,
            slug => d.slug,
            title => d.title,
            published_at => d.published_at.get(..10).unwrap_or("").to_string(),
        }),
    })
}

/// The form that publishes a dashboard.
#[derive(serde::Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    filter: String,
}

/// `POST /dashboards/publish`: an administrator publishes the dashboard of a filter to the
/// public portal (audited as `dashboard.publish`). Only the title and the filter are
/// stored: the public page counts as the anonymous visitor each time it is built.
pub async fn publish_dashboard(
    State(state): State<AppState>,
    ctx: MayPublish,
    CsrfForm(f): CsrfForm<PublishForm>,
) -> Response {
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            portal::publish_dashboard(tx, &f.title, &f.filter).await
        })
        .await;
    match r {
        Ok((_, slug)) => Redirect::to(&format!("/public/dashboards/{slug}")).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The form that takes a dashboard off the portal.
#[derive(serde::Deserialize)]
pub struct UnpublishForm {
    #[serde(default)]
    id: i64,
}

/// `POST /dashboards/unpublish`: an administrator takes a dashboard off the portal
/// (audited as `dashboard.unpublish`), back to the staff dashboard of the same filter.
pub async fn unpublish_dashboard(
    State(state): State<AppState>,
    ctx: MayPublish,
    CsrfForm(f): CsrfForm<UnpublishForm>,
) -> Response {
    let filter = portal::public_dashboards(&state.store)
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|d| d.id == f.id))
        .map(|d| d.filter)
        .unwrap_or_default();
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            portal::unpublish_dashboard(tx, f.id).await
        })
        .await;
    match r {
        Ok(_) => Redirect::to(&format!(
            "/dashboards?{}{}flash=dashboard_unpublished",
            filter,
            if filter.is_empty() { "" } else { "&" }
        ))
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Counts of the documented acts the caller may see, by year, month, type of act,
/// country, perpetrator type, victim sex and age group.
#[utoipa::path(get, path = "/api/v1/dashboards/acts", params(DashParams),
    responses((status = 200, body = Dashboard), (status = 401, body = ApiError)), security(("token" = [])))]
pub async fn api_dashboard(
    State(state): State<AppState>,
    ctx: SignedIn,
    RawQuery(q): RawQuery,
) -> Response {
    let f = DashFilter::parse(q.as_deref().unwrap_or(""));
    match reports::dashboard(&state.store, &ctx.actor, &f, ctx.lang.code()).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_has_a_path_for_a_country_with_data_and_escapes_labels() {
        let mut counts = HashMap::new();
        counts.insert("SRB".to_string(), ("Serbia <&>".to_string(), 12));
        let svg = choropleth("m", "Map", &counts, WORLD_BBOX, None, "no data");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\""));
        let i = svg.find("data-iso3=\"SRB\"").expect("a path for Serbia");
        let path_start = svg[..i].rfind("<path").unwrap();
        assert!(svg[path_start..i].contains(&format!("fill=\"{}\"", CLASSES[5])));
        assert!(svg.contains("<title>Serbia &lt;&amp;&gt;: 12</title>"));
        // Regional map: Serbia's neighbours are drawn, far countries are not.
        let members = vec!["SRB".to_string(), "HRV".to_string(), "BIH".to_string()];
        let r = choropleth(
            "r",
            "Region",
            &counts,
            bbox_of(&members).unwrap(),
            Some(&members),
            "-",
        );
        assert!(r.contains("data-iso3=\"SRB\"") && r.contains("data-iso3=\"HRV\""));
        assert!(!r.contains("data-iso3=\"AUS\""));
    }

    #[test]
    fn classes_grow_with_the_count() {
        assert_eq!(class_of(0, 100), 0);
        assert_eq!(class_of(1, 100), 1);
        assert_eq!(class_of(100, 100), 5);
        assert!(class_of(10, 100) < class_of(90, 100));
        let l = legend(100);
        assert_eq!(l.first().unwrap().1, 1);
        assert_eq!(l.last().unwrap().2, 100);
    }

    #[test]
    fn bar_charts_label_every_bar() {
        let c = vec![
            Count {
                key: "a".into(),
                label: "Torture".into(),
                count: 5,
            },
            Count {
                key: "b".into(),
                label: "Arrest".into(),
                count: 2,
            },
        ];
        let svg = bar_chart("x", "By type", &c, 10);
        assert!(svg.contains(">Torture</text>") && svg.contains(">5</text>"));
        assert!(svg.contains("aria-label=\"By type\""));
        let t = time_chart("y", "By year", &c);
        assert!(t.contains("<title>Torture: 5</title>"));
    }
}

//! Example contexts of the report templates, for the template tests.

#![cfg(test)]

use super::*;

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

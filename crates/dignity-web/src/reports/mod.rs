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

mod api;
mod document;
#[cfg(test)]
mod examples;
mod pages;

pub use api::api_country;
pub use document::{country_document, follow_up_document, generate};
#[cfg(test)]
pub(crate) use examples::examples;
pub use pages::{
    country_html, country_pdf, document_fragment, follow_up_pdf, publish_report, reports_index,
    FollowUpQuery, PublishForm,
};

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
#[openapi(paths(api::api_country))]
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

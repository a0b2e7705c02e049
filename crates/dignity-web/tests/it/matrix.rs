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

// ------------------------------------------------------------------ the table --

/// What a path id is filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum K {
    /// No record id (or a fixed one written in the path).
    No,
    Event,
    Act,
    Person,
    Intervention,
    Defender,
    Missing,
}

/// How a route is checked.
#[derive(Debug, Clone, Copy)]
enum C {
    /// Anyone may open it; what it shows follows the reader's rights.
    Open,
    /// A public page: it renders as the anonymous visitor whoever asks, so nothing
    /// unpublished and no name may appear for anybody.
    Public,
    /// Signed-in staff of at least this role; everyone else is refused.
    Staff(Role),
    /// A record page of kind `K`: readable (and role at least `Role`) → 200; not readable →
    /// the same answer as a record that does not exist.
    Record(K, Role),
    /// An unsafe method: needs at least this role (and, with a record kind, the right on
    /// that record). Called only by personas without the right, who must be refused.
    Write(Role, K),
    /// A record export of kind `K`: as [`C::Record`], but a strictly confidential record
    /// leaves only with a coordinator or admin on its list (`Action::Export`).
    Export(K),
    /// Not called; the reason says why and where it is tested instead.
    Skip(#[allow(dead_code)] &'static str),
}

use Role::{Admin as AD, Analyst as AN, Coordinator as CO, Documenter as DO};
use C::*;

/// Every route, with a concrete path to call (`{id}` is filled per record; other
/// parameters are written out) and its class. A route may have several lines.
#[rustfmt::skip]
const ROUTES: &[(&str, &str, &str, C)] = &[
    // -- pages, sign-in, account
    ("GET", "/", "/", Open),
    ("GET", "/healthz", "/healthz", Open),
    ("GET", "/static/dignity.css", "/static/dignity.css", Open),
    ("GET", "/lang", "/lang?to=fr&back=/", Open),
    ("GET", "/login", "/login", Open),
    ("POST", "/login", "", Skip("sign-in: tests/it/web.rs (lockout, throttle)")),
    ("GET", "/login/totp", "/login/totp", Open),
    ("POST", "/login/totp", "", Skip("second factor: tests/it/web.rs")),
    ("POST", "/logout", "", Skip("ends the persona's session; tests/it/web.rs")),
    ("GET", "/setup", "/setup", Open),
    ("POST", "/setup", "", Skip("first-start setup, refused once an admin exists: tests/it/web.rs")),
    ("GET", "/account", "/account", Staff(AN)),
    ("POST", "/account/password", "/account/password", Write(AN, K::No)),
    ("POST", "/account/totp/setup", "/account/totp/setup", Write(AN, K::No)),
    ("POST", "/account/totp/enable", "/account/totp/enable", Write(AN, K::No)),
    ("POST", "/account/totp/disable", "/account/totp/disable", Write(AN, K::No)),
    ("POST", "/account/tokens", "/account/tokens", Write(AN, K::No)),
    ("POST", "/account/tokens/{id}/revoke", "/account/tokens/1/revoke", Write(AN, K::No)),
    ("GET", "/admin/users", "/admin/users", Staff(AD)),
    ("POST", "/admin/users", "/admin/users", Write(AD, K::No)),
    ("POST", "/admin/users/{id}/{action}", "/admin/users/1/disable", Write(AD, K::No)),
    ("POST", "/admin/settings/require-totp", "/admin/settings/require-totp", Write(AD, K::No)),
    ("GET", "/admin/teams", "/admin/teams", Staff(CO)),
    ("POST", "/admin/teams", "/admin/teams", Write(AD, K::No)),
    ("POST", "/admin/teams/{id}/members", "/admin/teams/1/members", Write(CO, K::No)),
    ("POST", "/admin/teams/{id}/members/{user}/remove", "/admin/teams/1/members/1/remove", Write(CO, K::No)),
    ("GET", "/admin/audit", "/admin/audit", Staff(AD)),
    ("POST", "/admin/audit/verify", "/admin/audit/verify", Write(AD, K::No)),
    ("GET", "/admin/keys", "/admin/keys", Staff(AD)),
    ("POST", "/admin/keys/rotate", "/admin/keys/rotate", Write(AD, K::No)),
    ("GET", "/countries", "/countries", Open),
    ("GET", "/instruments", "/instruments", Open),
    ("GET", "/vocabularies", "/vocabularies", Open),
    ("GET", "/vocabularies/{list}", "/vocabularies/4", Open),
    ("POST", "/vocabularies/{list}/terms", "/vocabularies/4/terms", Write(AD, K::No)),
    ("GET", "/vocabularies/{list}/terms/{code}", "/vocabularies/4/terms/03010100000004", Staff(AD)),
    ("POST", "/vocabularies/{list}/terms/{code}", "/vocabularies/4/terms/03010100000004", Write(AD, K::No)),
    // -- obligations
    ("GET", "/obligations/matrix", "/obligations/matrix", Open),
    ("GET", "/obligations/countries/{iso3}", "/obligations/countries/HND", Open),
    ("GET", "/obligations/countries/{iso3}/ratifications/{instrument}", "/obligations/countries/HND/ratifications/CAT", Staff(DO)),
    ("POST", "/obligations/countries/{iso3}/ratifications/{instrument}", "/obligations/countries/HND/ratifications/CAT", Write(DO, K::No)),
    ("GET", "/obligations/countries/{iso3}/deadlines", "/obligations/countries/HND/deadlines", Open),
    ("POST", "/obligations/countries/{iso3}/reports", "/obligations/countries/HND/reports", Write(DO, K::No)),
    ("POST", "/obligations/countries/{iso3}/visits", "/obligations/countries/HND/visits", Write(DO, K::No)),
    ("GET", "/obligations/countries/{iso3}/follow-up", "/obligations/countries/HND/follow-up", Open),
    ("GET", "/obligations/countries/{iso3}/follow-up/pdf", "/obligations/countries/HND/follow-up/pdf", Open),
    ("GET", "/obligations/recommendations", "/obligations/recommendations", Open),
    ("GET", "/obligations/recommendations/{id}", "/obligations/recommendations/1", Open),
    ("POST", "/obligations/recommendations/{id}/{what}", "/obligations/recommendations/1/assessment", Write(DO, K::No)),
    ("POST", "/obligations/countries/{iso3}/communications", "/obligations/countries/HND/communications", Write(DO, K::No)),
    ("POST", "/obligations/countries/{iso3}/communications/{id}/interventions", "/obligations/countries/HND/communications/1/interventions", Write(DO, K::No)),
    ("POST", "/obligations/countries/{iso3}/invitation", "/obligations/countries/HND/invitation", Write(DO, K::No)),
    ("POST", "/obligations/countries/{iso3}/clusters", "/obligations/countries/HND/clusters", Write(DO, K::No)),
    ("GET", "/obligations/mandates", "/obligations/mandates", Open),
    ("POST", "/obligations/mandates", "/obligations/mandates", Write(DO, K::No)),
    ("POST", "/obligations/mandates/holders", "/obligations/mandates/holders", Write(DO, K::No)),
    // -- violations (pages)
    ("GET", "/violations", "/violations", Staff(AN)),
    ("GET", "/violations/new", "/violations/new", Staff(DO)),
    ("POST", "/violations/new", "/violations/new", Write(DO, K::No)),
    ("GET", "/violations/events/{id}", "/violations/events/{id}", Record(K::Event, AN)),
    ("POST", "/violations/events/{id}/acts", "/violations/events/{id}/acts", Write(DO, K::Event)),
    ("POST", "/violations/events/{id}/information", "/violations/events/{id}/information", Write(DO, K::Event)),
    ("POST", "/violations/events/{id}/interventions", "/violations/events/{id}/interventions", Write(DO, K::Event)),
    ("POST", "/violations/events/{id}/evidence", "/violations/events/{id}/evidence", Write(DO, K::Event)),
    ("GET", "/violations/events/{id}/case.json", "/violations/events/{id}/case.json", Export(K::Event)),
    ("GET", "/violations/acts/{id}", "/violations/acts/{id}", Record(K::Act, AN)),
    ("GET", "/violations/persons", "/violations/persons", Staff(AN)),
    ("GET", "/violations/persons/{id}", "/violations/persons/{id}", Record(K::Person, AN)),
    ("GET", "/violations/interventions/{id}", "/violations/interventions/{id}", Record(K::Intervention, AN)),
    ("POST", "/violations/interventions/{id}/response", "/violations/interventions/{id}/response", Write(DO, K::Intervention)),
    ("GET", "/violations/due", "/violations/due", Staff(AN)),
    ("GET", "/violations/lenses/{lens}", "/violations/lenses/torture", Staff(AN)),
    ("POST", "/violations/death-penalty", "/violations/death-penalty", Write(DO, K::No)),
    ("POST", "/violations/settings/priority", "/violations/settings/priority", Write(AD, K::No)),
    ("GET", "/violations/evidence/{id}", "/violations/evidence/1", Staff(AN)),
    ("GET", "/violations/evidence/{id}/content", "/violations/evidence/1/content", Staff(AN)),
    ("POST", "/violations/evidence/{id}/public-copy", "/violations/evidence/1/public-copy", Write(DO, K::No)),
    ("GET", "/violations/events/{id}/edit", "/violations/events/{id}/edit", Record(K::Event, DO)),
    ("POST", "/violations/events/{id}/edit", "/violations/events/{id}/edit", Write(DO, K::Event)),
    ("GET", "/violations/acts/{id}/edit", "/violations/acts/{id}/edit", Record(K::Act, DO)),
    ("POST", "/violations/acts/{id}/edit", "/violations/acts/{id}/edit", Write(DO, K::Act)),
    ("GET", "/violations/persons/{id}/edit", "/violations/persons/{id}/edit", Record(K::Person, DO)),
    ("POST", "/violations/persons/{id}/edit", "/violations/persons/{id}/edit", Write(DO, K::Person)),
    ("GET", "/violations/involvements/{id}/edit", "/violations/involvements/1/edit", Staff(DO)),
    ("POST", "/violations/involvements/{id}/edit", "/violations/involvements/1/edit", Write(DO, K::No)),
    ("GET", "/violations/information/{id}/edit", "/violations/information/1/edit", Staff(DO)),
    ("POST", "/violations/information/{id}/edit", "/violations/information/1/edit", Write(DO, K::No)),
    ("POST", "/violations/events/{id}/links", "/violations/events/{id}/links", Write(DO, K::Event)),
    ("POST", "/violations/persons/{id}/links", "/violations/persons/{id}/links", Write(DO, K::Person)),
    ("POST", "/violations/persons/{id}/erase", "/violations/persons/{id}/erase", Write(AD, K::Person)),
    // -- protection (pages)
    ("GET", "/protection", "/protection", Staff(AN)),
    ("GET", "/protection/defenders", "/protection/defenders", Staff(AN)),
    ("POST", "/protection/defenders", "/protection/defenders", Write(DO, K::No)),
    ("GET", "/protection/defenders/{id}", "/protection/defenders/{id}", Record(K::Defender, AN)),
    ("POST", "/protection/defenders/{id}/attacks", "/protection/defenders/{id}/attacks", Write(DO, K::Defender)),
    ("POST", "/protection/defenders/{id}/risk", "/protection/defenders/{id}/risk", Write(DO, K::Defender)),
    ("POST", "/protection/defenders/{id}/measures", "/protection/defenders/{id}/measures", Write(DO, K::Defender)),
    ("POST", "/protection/defenders/{id}/checkins", "/protection/defenders/{id}/checkins", Write(DO, K::Defender)),
    ("POST", "/protection/measures/{id}/status", "/protection/measures/1/status", Write(DO, K::No)),
    ("POST", "/protection/checkins/{id}/done", "/protection/checkins/1/done", Write(DO, K::No)),
    ("GET", "/protection/missing", "/protection/missing", Staff(AN)),
    ("POST", "/protection/missing", "/protection/missing", Write(DO, K::No)),
    ("POST", "/protection/missing/export.csv", "/protection/missing/export.csv", Staff(AN)),
    ("GET", "/protection/missing/{id}", "/protection/missing/{id}", Record(K::Missing, AN)),
    ("POST", "/protection/missing/{id}/status", "/protection/missing/{id}/status", Write(DO, K::Missing)),
    ("POST", "/protection/missing/{id}/relatives", "/protection/missing/{id}/relatives", Write(DO, K::Missing)),
    ("POST", "/protection/missing/{id}/share", "/protection/missing/{id}/share", Write(AN, K::Missing)),
    ("POST", "/protection/missing/{id}/link", "/protection/missing/{id}/link", Write(DO, K::Missing)),
    ("POST", "/protection/missing/{id}/family-links", "/protection/missing/{id}/family-links", Write(DO, K::Missing)),
    ("POST", "/protection/reports/{id}/consent", "/protection/reports/1/consent", Write(DO, K::No)),
    ("POST", "/protection/family-links/{id}/revoke", "/protection/family-links/1/revoke", Write(DO, K::No)),
    ("GET", "/protection/sources", "/protection/sources", Staff(AN)),
    ("POST", "/protection/sources", "/protection/sources", Write(DO, K::No)),
    ("POST", "/protection/sources/{id}/import", "/protection/sources/1/import", Write(DO, K::No)),
    ("POST", "/protection/records/{id}/case", "/protection/records/1/case", Write(DO, K::No)),
    ("GET", "/protection/reports", "/protection/reports", Staff(AN)),
    ("GET", "/protection/reports/sdg-16-10-1.csv", "/protection/reports/sdg-16-10-1.csv", Staff(AN)),
    ("GET", "/protection/memorial", "/protection/memorial", Public),
    ("GET", "/family/{token}", "/family/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Public),
    ("GET", "/protection/vocabularies/{kind}", "/protection/vocabularies/area", Staff(AN)),
    ("POST", "/protection/vocabularies/{kind}", "/protection/vocabularies/area", Write(AD, K::No)),
    ("POST", "/protection/vocabularies/{kind}/{code}", "/protection/vocabularies/area/land_environment", Write(AD, K::No)),
    // -- search, exports, alerts
    ("GET", "/search", "/search?q=ZQ", Open),
    ("GET", "/search", "/search?type=vio_events", Open),
    ("POST", "/search/saved", "/search/saved", Write(AN, K::No)),
    ("GET", "/search/saved/{id}", "/search/saved/1", Staff(AN)),
    ("POST", "/search/saved/{id}/delete", "/search/saved/1/delete", Write(AN, K::No)),
    ("GET", "/alerts", "/alerts", Staff(AN)),
    ("POST", "/alerts/{id}/seen", "/alerts/1/seen", Write(AN, K::No)),
    // An export writes its audit entry: a POST (hole 12); the GET only goes back to the
    // search page. What each reader gets: tests/it/exports.rs.
    ("GET", "/search/export", "/search/export?record_type=vio_events&format=csv", Open),
    ("POST", "/search/export", "/search/export", Write(AN, K::No)),
    // -- portal
    ("GET", "/public", "/public", Public),
    ("GET", "/public/records/{record_type}/{id}", "/public/records/vio_events/{id}", Public),
    ("GET", "/public/records/{record_type}/{id}", "/public/records/pro_defenders/{id}", Public),
    ("GET", "/public/records/{record_type}/{id}", "/public/records/pro_missing/{id}", Public),
    ("GET", "/public/records/{record_type}/{id}", "/public/records/vio_interventions/{id}", Public),
    ("GET", "/public/countries", "/public/countries?iso3=HND", Public),
    ("GET", "/public/countries/{iso3}", "/public/countries/HND", Public),
    ("GET", "/public/publications/{slug}", "/public/publications/x", Public),
    ("GET", "/public/dashboards/{slug}", "/public/dashboards/x", Public),
    ("GET", "/admin/portal", "/admin/portal", Staff(AD)),
    ("GET", "/admin/portal/publish", "/admin/portal/publish?record_type=vio_events&id=1", Staff(AD)),
    ("POST", "/admin/portal/publish", "/admin/portal/publish", Write(AD, K::No)),
    ("POST", "/admin/portal/publications/{id}/unpublish", "/admin/portal/publications/1/unpublish", Write(AD, K::No)),
    ("POST", "/admin/portal/countries/{iso3}", "/admin/portal/countries/HND", Write(AD, K::No)),
    ("POST", "/admin/portal/dashboards/{id}/unpublish", "/admin/portal/dashboards/1/unpublish", Write(AD, K::No)),
    // -- statistics
    ("GET", "/estimates", "/estimates", Staff(AN)),
    ("POST", "/estimates", "/estimates", Write(AN, K::No)),
    ("GET", "/estimates/{id}", "/estimates/1", Staff(AN)),
    ("GET", "/stats/linkage", "/stats/linkage", Staff(AN)),
    ("GET", "/stats/linkage.js", "/stats/linkage.js", Open),
    ("POST", "/stats/linkage/runs", "/stats/linkage/runs", Write(DO, K::No)),
    ("GET", "/stats/linkage/pairs/{id}", "/stats/linkage/pairs/1", Staff(AN)),
    ("POST", "/stats/linkage/pairs/{id}", "/stats/linkage/pairs/1", Write(DO, K::No)),
    ("POST", "/stats/linkage/estimate", "/stats/linkage/estimate", Write(AN, K::No)),
    // -- dashboards, reports
    ("GET", "/dashboards", "/dashboards", Open),
    ("POST", "/dashboards/publish", "/dashboards/publish", Write(AD, K::No)),
    ("POST", "/dashboards/unpublish", "/dashboards/unpublish", Write(AD, K::No)),
    ("GET", "/reports", "/reports", Staff(AN)),
    ("GET", "/reports/country", "/reports/country?country=HND", Staff(AN)),
    ("GET", "/reports/country/pdf", "/reports/country/pdf?country=HND", Staff(AN)),
    ("POST", "/reports/country/publish", "/reports/country/publish", Write(AD, K::No)),
    // -- API: reference data, account, audit
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", Open),
    ("GET", "/api/v1/countries", "/api/v1/countries", Open),
    ("GET", "/api/v1/instruments", "/api/v1/instruments", Open),
    ("GET", "/api/v1/vocabularies", "/api/v1/vocabularies", Open),
    ("GET", "/api/v1/vocabularies/{list}", "/api/v1/vocabularies/4", Open),
    ("POST", "/api/v1/vocabularies/{list}/terms", "/api/v1/vocabularies/4/terms", Write(AD, K::No)),
    ("PUT", "/api/v1/vocabularies/{list}/terms/{code}", "/api/v1/vocabularies/4/terms/03010100000004", Write(AD, K::No)),
    ("GET", "/api/v1/me", "/api/v1/me", Staff(AN)),
    ("GET", "/api/v1/audit", "/api/v1/audit", Staff(AD)),
    ("GET", "/api/v1/audit/verify", "/api/v1/audit/verify", Staff(AD)),
    ("POST", "/api/v1/admin/keys/rotate", "/api/v1/admin/keys/rotate", Write(AD, K::No)),
    ("GET", "/api/v1/admin/keys/rotation", "/api/v1/admin/keys/rotation", Staff(AD)),
    // -- API: obligations
    ("GET", "/api/v1/countries/{iso3}/ratifications", "/api/v1/countries/HND/ratifications", Open),
    ("PUT", "/api/v1/countries/{iso3}/ratifications/{instrument}", "/api/v1/countries/HND/ratifications/CAT", Write(DO, K::No)),
    ("GET", "/api/v1/countries/{iso3}/reports", "/api/v1/countries/HND/reports", Open),
    ("PUT", "/api/v1/countries/{iso3}/reports/{instrument}", "/api/v1/countries/HND/reports/CAT", Write(DO, K::No)),
    ("GET", "/api/v1/countries/{iso3}/visits", "/api/v1/countries/HND/visits", Open),
    ("POST", "/api/v1/countries/{iso3}/visits", "/api/v1/countries/HND/visits", Write(DO, K::No)),
    ("PUT", "/api/v1/countries/{iso3}/standing-invitation", "/api/v1/countries/HND/standing-invitation", Write(DO, K::No)),
    ("GET", "/api/v1/countries/{iso3}/clusters", "/api/v1/countries/HND/clusters", Open),
    ("POST", "/api/v1/countries/{iso3}/clusters", "/api/v1/countries/HND/clusters", Write(DO, K::No)),
    ("GET", "/api/v1/countries/{iso3}/communications", "/api/v1/countries/HND/communications", Open),
    ("POST", "/api/v1/countries/{iso3}/communications", "/api/v1/countries/HND/communications", Write(DO, K::No)),
    ("GET", "/api/v1/mandates", "/api/v1/mandates", Open),
    ("POST", "/api/v1/mandates", "/api/v1/mandates", Write(DO, K::No)),
    ("GET", "/api/v1/ratifications/matrix", "/api/v1/ratifications/matrix", Open),
    ("GET", "/api/v1/recommendations", "/api/v1/recommendations", Open),
    ("POST", "/api/v1/recommendations", "/api/v1/recommendations", Write(DO, K::No)),
    ("GET", "/api/v1/recommendations/{id}", "/api/v1/recommendations/1", Open),
    ("GET", "/api/v1/recommendations/{id}/assessments", "/api/v1/recommendations/1/assessments", Open),
    ("POST", "/api/v1/recommendations/{id}/assessments", "/api/v1/recommendations/1/assessments", Write(DO, K::No)),
    // -- API: violations
    ("GET", "/api/v1/violations/events", "/api/v1/violations/events", Staff(AN)),
    ("POST", "/api/v1/violations/events", "/api/v1/violations/events", Write(DO, K::No)),
    ("GET", "/api/v1/violations/events/{id}", "/api/v1/violations/events/{id}", Record(K::Event, AN)),
    ("PUT", "/api/v1/violations/events/{id}", "/api/v1/violations/events/{id}", Write(DO, K::Event)),
    ("PATCH", "/api/v1/violations/events/{id}", "/api/v1/violations/events/{id}", Write(DO, K::Event)),
    ("GET", "/api/v1/violations/events/{id}/acts", "/api/v1/violations/events/{id}/acts", Record(K::Event, AN)),
    ("POST", "/api/v1/violations/events/{id}/links", "/api/v1/violations/events/{id}/links", Write(DO, K::Event)),
    ("GET", "/api/v1/violations/events/{id}/case", "/api/v1/violations/events/{id}/case", Export(K::Event)),
    ("POST", "/api/v1/violations/cases", "/api/v1/violations/cases", Write(DO, K::No)),
    ("GET", "/api/v1/violations/acts", "/api/v1/violations/acts", Staff(AN)),
    ("POST", "/api/v1/violations/acts", "/api/v1/violations/acts", Write(DO, K::No)),
    ("GET", "/api/v1/violations/acts/{id}", "/api/v1/violations/acts/{id}", Record(K::Act, AN)),
    ("PUT", "/api/v1/violations/acts/{id}", "/api/v1/violations/acts/{id}", Write(DO, K::Act)),
    ("PATCH", "/api/v1/violations/acts/{id}", "/api/v1/violations/acts/{id}", Write(DO, K::Act)),
    ("POST", "/api/v1/violations/acts/{id}/perpetrators", "/api/v1/violations/acts/{id}/perpetrators", Write(DO, K::Act)),
    ("POST", "/api/v1/violations/information", "/api/v1/violations/information", Write(DO, K::No)),
    ("GET", "/api/v1/violations/involvements/{id}", "/api/v1/violations/involvements/1", Staff(AN)),
    ("PUT", "/api/v1/violations/involvements/{id}", "/api/v1/violations/involvements/1", Write(DO, K::No)),
    ("PATCH", "/api/v1/violations/involvements/{id}", "/api/v1/violations/involvements/1", Write(DO, K::No)),
    ("GET", "/api/v1/violations/information/{id}", "/api/v1/violations/information/1", Staff(AN)),
    ("PUT", "/api/v1/violations/information/{id}", "/api/v1/violations/information/1", Write(DO, K::No)),
    ("PATCH", "/api/v1/violations/information/{id}", "/api/v1/violations/information/1", Write(DO, K::No)),
    ("GET", "/api/v1/violations/persons", "/api/v1/violations/persons", Staff(AN)),
    ("POST", "/api/v1/violations/persons", "/api/v1/violations/persons", Write(DO, K::No)),
    ("GET", "/api/v1/violations/persons/duplicates", "/api/v1/violations/persons/duplicates?name=x", Staff(AN)),
    ("GET", "/api/v1/violations/persons/{id}", "/api/v1/violations/persons/{id}", Record(K::Person, AN)),
    ("PUT", "/api/v1/violations/persons/{id}", "/api/v1/violations/persons/{id}", Write(DO, K::Person)),
    ("PATCH", "/api/v1/violations/persons/{id}", "/api/v1/violations/persons/{id}", Write(DO, K::Person)),
    ("POST", "/api/v1/violations/persons/{id}/links", "/api/v1/violations/persons/{id}/links", Write(DO, K::Person)),
    ("POST", "/api/v1/violations/persons/{id}/erase", "/api/v1/violations/persons/{id}/erase", Write(AD, K::Person)),
    ("GET", "/api/v1/violations/interventions", "/api/v1/violations/interventions", Staff(AN)),
    ("POST", "/api/v1/violations/interventions", "/api/v1/violations/interventions", Write(DO, K::No)),
    ("GET", "/api/v1/violations/interventions/{id}", "/api/v1/violations/interventions/{id}", Record(K::Intervention, AN)),
    ("POST", "/api/v1/violations/interventions/{id}/response", "/api/v1/violations/interventions/{id}/response", Write(DO, K::Intervention)),
    ("GET", "/api/v1/violations/deadlines", "/api/v1/violations/deadlines", Staff(AN)),
    ("GET", "/api/v1/violations/lenses", "/api/v1/violations/lenses", Staff(AN)),
    ("GET", "/api/v1/violations/death-penalty", "/api/v1/violations/death-penalty", Open),
    ("POST", "/api/v1/violations/death-penalty", "/api/v1/violations/death-penalty", Write(DO, K::No)),
    ("POST", "/api/v1/evidence", "/api/v1/evidence", Write(DO, K::No)),
    ("GET", "/api/v1/evidence/{id}", "/api/v1/evidence/1", Staff(AN)),
    ("GET", "/api/v1/evidence/{id}/content", "/api/v1/evidence/1/content", Staff(AN)),
    ("GET", "/api/v1/evidence/{id}/custody", "/api/v1/evidence/1/custody", Staff(AN)),
    ("POST", "/api/v1/evidence/{id}/public-copy", "/api/v1/evidence/1/public-copy", Write(DO, K::No)),
    // -- API: protection
    ("GET", "/api/v1/protection/defenders", "/api/v1/protection/defenders", Staff(AN)),
    ("POST", "/api/v1/protection/defenders", "/api/v1/protection/defenders", Write(DO, K::No)),
    ("GET", "/api/v1/protection/defenders/{id}", "/api/v1/protection/defenders/{id}", Record(K::Defender, AN)),
    ("POST", "/api/v1/protection/defenders/{id}/attacks", "/api/v1/protection/defenders/{id}/attacks", Write(DO, K::Defender)),
    ("GET", "/api/v1/protection/missing", "/api/v1/protection/missing", Staff(AN)),
    ("POST", "/api/v1/protection/missing", "/api/v1/protection/missing", Write(DO, K::No)),
    ("POST", "/api/v1/protection/missing/export", "/api/v1/protection/missing/export", Staff(AN)),
    ("GET", "/api/v1/protection/missing/{id}", "/api/v1/protection/missing/{id}", Record(K::Missing, AN)),
    ("POST", "/api/v1/protection/missing/{id}/status", "/api/v1/protection/missing/{id}/status", Write(DO, K::Missing)),
    ("POST", "/api/v1/protection/missing/{id}/share", "/api/v1/protection/missing/{id}/share", Write(AN, K::Missing)),
    ("POST", "/api/v1/protection/sources/{id}/import", "/api/v1/protection/sources/1/import", Write(DO, K::No)),
    ("GET", "/api/v1/protection/candidates", "/api/v1/protection/candidates", Staff(AN)),
    ("POST", "/api/v1/protection/links", "/api/v1/protection/links", Write(DO, K::No)),
    ("GET", "/api/v1/protection/reports/sdg-16-10-1", "/api/v1/protection/reports/sdg-16-10-1", Staff(AN)),
    // -- API: search, exports, statistics, dashboards, reports
    ("GET", "/api/v1/search", "/api/v1/search?q=ZQ", Open),
    ("GET", "/api/v1/alerts", "/api/v1/alerts", Staff(AN)),
    ("POST", "/api/v1/search/export", "/api/v1/search/export?format=csv", Write(AN, K::No)),
    ("GET", "/api/v1/estimates/{id}", "/api/v1/estimates/1", Staff(AN)),
    ("GET", "/api/v1/linkage/pairs", "/api/v1/linkage/pairs", Staff(AN)),
    ("GET", "/api/v1/linkage/pairs/{id}", "/api/v1/linkage/pairs/1", Staff(AN)),
    ("GET", "/api/v1/dashboards/acts", "/api/v1/dashboards/acts", Open),
    ("GET", "/api/v1/reports/country", "/api/v1/reports/country?country=HND", Staff(AN)),
];

/// Cases that fail today because their fix is under way on another branch: (route as
/// "METHOD /pattern", personas separated by spaces, reason). The test asserts that each
/// route still fails for each persona listed; delete a persona (or the line) when its fix
/// lands.
#[rustfmt::skip]
const KNOWN_OPEN_HOLES: &[(&str, &str, &str)] = &[];

/// API routes that are deliberately not in the OpenAPI document.
const UNDOCUMENTED_API: &[&str] = &["GET /api/v1/openapi.json"];

// ---------------------------------------------------------------- the scanner --

/// Every `.route("…", get(…).post(…))` in the web crate's sources, as (METHOD, path),
/// with `/api/v1` in front of the routes of `api.rs` files and `api_router` functions
/// (the API router is nested there). Anything the scanner cannot account for is an error.
fn scan_routes() -> (BTreeSet<(String, String)>, Vec<String>) {
    const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];
    let mut out = BTreeSet::new();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        // Test modules (at the end of a file) build their own little routers; a test module
        // declared in a file of its own (`#[cfg(test)] mod examples;`) ends nothing.
        let inline_test_module = text.match_indices("#[cfg(test)]\nmod").find(|(i, _)| {
            let line = text[*i + "#[cfg(test)]\n".len()..]
                .lines()
                .next()
                .unwrap_or("");
            line.trim_end().ends_with('{')
        });
        let text = match inline_test_module {
            Some((i, _)) => &text[..i],
            None => &text[..],
        };
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        for bad in [".route_service(", ".nest_service(", ".nest("] {
            if text.contains(bad) && !(bad == ".nest(" && name == "lib.rs") {
                errors.push(format!(
                    "{}: {bad} is not understood by the matrix scanner",
                    f.display()
                ));
            }
        }
        if name == "lib.rs" && text.matches(".nest(").count() != 1 {
            errors.push("lib.rs: expected exactly one .nest(\"/api/v1\", …)".into());
        }
        let b = text.as_bytes();
        for (at, _) in text.match_indices(".route(") {
            let start = at + ".route(".len();
            let mut depth = 1;
            let mut j = start;
            while depth > 0 {
                match b[j] {
                    b'(' => depth += 1,
                    b')' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            let arg = &text[start..j - 1];
            let q1 = arg.find('"').expect("route path literal");
            let q2 = q1 + 1 + arg[q1 + 1..].find('"').unwrap();
            let path = &arg[q1 + 1..q2];
            let rest = &arg[q2 + 1..];
            let func = text[..at]
                .rfind("fn ")
                .map(|i| {
                    text[i + 3..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .unwrap_or_default();
            if func != "router" && func != "api_router" {
                errors.push(format!(
                    "{}: route {path} registered in fn {func}, not router()/api_router()",
                    f.display()
                ));
            }
            let api = name == "api.rs" || func == "api_router";
            let mut found = 0;
            for m in METHODS {
                for (i, _) in rest.match_indices(&format!("{m}(")) {
                    let before = rest[..i].chars().last();
                    if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                        out.insert((
                            m.to_uppercase(),
                            format!("{}{path}", if api { "/api/v1" } else { "" }),
                        ));
                        found += 1;
                    }
                }
            }
            if found == 0 {
                errors.push(format!("{}: no method found for route {path}", f.display()));
            }
        }
    }
    (out, errors)
}

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

#[tokio::test]
async fn every_route_is_classified_and_checked_for_every_role_and_level() {
    // 1. Every registered route is in the table, and every line of the table is a route.
    let (routes, errors) = scan_routes();
    assert!(errors.is_empty(), "route scanner: {errors:#?}");
    assert!(
        routes.len() > 200,
        "the scanner found only {} routes",
        routes.len()
    );
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    let unclassified: Vec<_> = routes.difference(&table).collect();
    assert!(
        unclassified.is_empty(),
        "routes not classified in tests/it/matrix.rs ROUTES (add a line saying who may call each): {unclassified:#?}"
    );
    let stale: Vec<_> = table.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "ROUTES lines for routes that do not exist: {stale:#?}"
    );

    let w = world().await;

    // 2. The API routes are the OpenAPI document's operations.
    let doc: Value =
        serde_json::from_str(&w.call(P::Anon, "GET", "/api/v1/openapi.json").await.body).unwrap();
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&m.as_str()) {
                documented.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    let api: BTreeSet<(String, String)> = routes
        .iter()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
        .filter(|(m, p)| !UNDOCUMENTED_API.contains(&format!("{m} {p}").as_str()))
        .cloned()
        .collect();
    let undocumented: Vec<_> = api.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&api).collect();
    assert!(
        undocumented.is_empty() && phantom.is_empty(),
        "API routes missing from the OpenAPI document: {undocumented:#?}; documented operations without a route: {phantom:#?}"
    );

    // 3. and 4. Every route, every persona, every level.
    let mut failures: Vec<(String, P, String)> = vec![];
    let mut calls = 0usize;
    let levels = [L::Pub, L::Unpub, L::Int, L::Conf, L::Strict, L::Mix];
    for (method, pattern, path, class) in ROUTES {
        let route = format!("{method} {pattern}");
        let mut fail = |p: P, what: String| failures.push((route.clone(), p, what));
        match class {
            Skip(_) => {}
            Open | Public | Staff(_) | Record(..) | Export(_) => {
                let kind = match class {
                    Record(k, _) | Export(k) => *k,
                    _ if path.contains("{id}") => match path {
                        p if p.contains("vio_events") => K::Event,
                        p if p.contains("pro_defenders") => K::Defender,
                        p if p.contains("pro_missing") => K::Missing,
                        _ => K::Intervention,
                    },
                    _ => K::No,
                };
                for p in P::ALL {
                    let mut targets: Vec<(Option<L>, String)> = vec![];
                    if kind == K::No {
                        targets.push((None, path.to_string()));
                    } else {
                        targets.push((None, fill(path, 987_654)));
                        for l in levels {
                            if let Some(id) = w.ids.get(&(kind, l)) {
                                targets.push((Some(l), fill(path, *id)));
                            }
                        }
                    }
                    let mut missing_status = None;
                    for (l, target) in targets {
                        let r = w.call(p, method, &target).await;
                        calls += 1;
                        let at = l.map(|l| format!(" [{}]", l.tag())).unwrap_or_default();
                        if r.status.is_server_error() {
                            fail(p, format!("{target}{at}: server error {}", r.status));
                        }
                        for c in w.forbidden(p, class, pattern) {
                            if r.body.contains(&c.text) {
                                fail(p, format!("{target}{at}: shows {}", c.text));
                            }
                        }
                        match (class, l) {
                            (Staff(min), _) if p.role() < *min && !refused(&r) => {
                                fail(p, format!("{target}: not refused ({})", r.status))
                            }
                            (Record(..) | Export(_), None) => missing_status = Some(r.status),
                            (Record(..) | Export(_), Some(l)) => {
                                let min = match class {
                                    Record(_, min) => *min,
                                    _ if l == L::Strict => CO,
                                    _ => AN,
                                };
                                let published = l == L::Pub && kind != K::Person && kind != K::Act;
                                let may = readable(p, l, published) && p != P::Anon;
                                if !readable(p, l, published) && Some(r.status) != missing_status {
                                    fail(p, format!(
                                        "{target}{at}: answers {} where a record that does not exist answers {:?}",
                                        r.status, missing_status
                                    ));
                                }
                                if may && p.role() >= min && r.status != StatusCode::OK {
                                    fail(
                                        p,
                                        format!("{target}{at}: readable, but answers {}", r.status),
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            Write(min, kind) => {
                for p in P::ALL {
                    let mut targets: Vec<(L, String)> = vec![];
                    if *kind == K::No {
                        if p.role() < *min {
                            targets.push((L::Int, path.to_string()));
                        }
                    } else {
                        for l in levels {
                            let Some(id) = w.ids.get(&(*kind, l)) else {
                                continue;
                            };
                            if p.role() < *min && l == L::Int
                                || p.role() >= *min && !readable(p, l, false)
                            {
                                targets.push((l, fill(path, *id)));
                            }
                        }
                    }
                    for (l, target) in targets {
                        let before = w.writes().await;
                        let r = w.call_with(p, method, &target, w.valid_body(&route)).await;
                        calls += 1;
                        let after = w.writes().await;
                        let at = if *kind == K::No {
                            String::new()
                        } else {
                            format!(" [{}]", l.tag())
                        };
                        if after != before {
                            fail(
                                p,
                                format!(
                                    "{target}{at}: WROTE ({} audit entries) answering {}",
                                    after - before,
                                    r.status
                                ),
                            );
                        } else if !refused(&r) {
                            fail(
                                p,
                                format!("{target}{at}: not refused ({} {})", r.status, r.location),
                            );
                        }
                        for c in w.forbidden(p, class, pattern) {
                            if r.body.contains(&c.text) {
                                fail(p, format!("{target}{at}: shows {}", c.text));
                            }
                        }
                    }
                }
            }
        }
    }

    // 5. Failures are exactly the known open holes (each of which must still fail).
    let known = |route: &str, p: P| {
        KNOWN_OPEN_HOLES
            .iter()
            .any(|(r, who, _)| *r == route && who.split(' ').any(|w| w == p.name()))
    };
    let unexpected: Vec<String> = failures
        .iter()
        .filter(|(r, p, _)| !known(r, *p))
        .map(|(r, p, w)| format!("{r} as {}: {w}", p.name()))
        .collect();
    let fixed: Vec<String> = KNOWN_OPEN_HOLES
        .iter()
        .flat_map(|(r, who, why)| who.split(' ').map(move |w| (r, w, why)))
        .filter(|(r, who, _)| {
            !failures
                .iter()
                .any(|(fr, p, _)| fr == *r && p.name() == *who)
        })
        .map(|(r, who, why)| format!("{r} as {who} ({why})"))
        .collect();
    eprintln!("matrix: {calls} requests, {} failures", failures.len());
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "{} unexpected failures:\n{}\n\nKNOWN_OPEN_HOLES that no longer fail (delete them from the list):\n{}",
        unexpected.len(),
        unexpected.join("\n"),
        fixed.join("\n")
    );
}

/// Hole 5: the public memorial names a defender only when the profile was published
/// through the publishing workflow (public, published) and the publication is consented
/// to; withdrawing consent takes it off the memorial and the portal at once.
#[tokio::test]
async fn the_memorial_shows_only_published_consented_defenders() {
    let w = world().await;
    for p in [P::Anon, P::Admin] {
        let r = w.call(p, "GET", "/protection/memorial").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains(&canary(K::Defender, L::Pub, "name")),
            "{}",
            r.body
        );
        for l in [L::Unpub, L::Int, L::Conf, L::Strict] {
            let name = canary(K::Defender, l, "name");
            assert!(
                !r.body.contains(&name),
                "{} sees {name} on the memorial",
                p.name()
            );
        }
    }
    let id = w.ids[&(K::Defender, L::Pub)];
    let page = format!("/public/records/pro_defenders/{id}");
    assert_eq!(w.call(P::Anon, "GET", &page).await.status, StatusCode::OK);
    sqlx::query("UPDATE pro_defenders SET memorial_consent = 0 WHERE id = $1")
        .bind(id)
        .execute(w.store.pool())
        .await
        .unwrap();
    let r = w.call(P::Anon, "GET", "/protection/memorial").await;
    assert!(!r.body.contains(&canary(K::Defender, L::Pub, "name")));
    assert_eq!(
        w.call(P::Anon, "GET", &page).await.status,
        StatusCode::NOT_FOUND
    );
    let r = w.call(P::Anon, "GET", "/public").await;
    assert!(
        !r.body.contains(&page),
        "consent withdrawn, still listed on /public"
    );
}

/// Hole 6: a reader who may not see names (an analyst, by default) gets the same answer for
/// a recorded name as for a name nobody has: no name matching at all. Who may see names
/// still finds the person.
#[tokio::test]
async fn name_queries_tell_nothing_to_readers_who_may_not_see_names() {
    let w = world().await;
    let person = canary(K::Person, L::Int, "name");
    let missing = canary(K::Missing, L::Int, "name");
    let nobody = "NOBODYRECORDEDHERE";
    let cases = [
        ("/api/v1/violations/persons?name=", &person),
        ("/api/v1/violations/persons/duplicates?name=", &person),
        ("/api/v1/protection/missing?name=", &missing),
        ("/violations/persons?name=", &person),
        ("/protection/missing?name=", &missing),
    ];
    for (path, name) in cases {
        let hit = w.call(P::Analyst, "GET", &format!("{path}{name}")).await;
        let miss = w.call(P::Analyst, "GET", &format!("{path}{nobody}")).await;
        assert_eq!(hit.status, StatusCode::OK, "{path}");
        assert_eq!(
            (hit.status, hit.body.replace(name.as_str(), "")),
            (miss.status, miss.body.replace(nobody, "")),
            "{path}: the analyst's answer depends on whether the name is recorded"
        );
        if path.starts_with("/api/") {
            // Who may see names finds exactly that person.
            let found = w.call(P::Documenter, "GET", &format!("{path}{name}")).await;
            let v: Value = serde_json::from_str(&found.body).unwrap();
            assert_eq!(v["total"], 1, "{path}: {}", found.body);
        }
    }
}

//! Example pages of the portal's templates, for the template tests.

use super::*;

/// Example pages for the template tests.
pub fn examples() -> Vec<(&'static str, Value, bool, bool)> {
    let rec = context! {
        record_type => "vio_events", id => 7, url => "/public/records/vio_events/7", type_label => "Event",
        title => "Arrests at <the> march", text => "Forty people were detained.", country => "SRB",
        date_from => "2025-03-01", date_to => "2025-03-02",
    };
    let empty = |v: Vec<Value>| v;
    vec![
        (
            "portal_home.html",
            context! {
                sections => vec![context! { record_type => "vio_events", label => "Events", count => 1, items => vec![rec.clone()] }],
                publications => vec![context! { slug => "annual-2025", title => "Annual <report>", kind => "report", lang => "en", published_at => "2026-01-01" }],
                countries => vec![context! { iso3 => "SRB", name => "Serbia" }],
                dashboards => vec![context! { id => 2, slug => "dashboard-torture", title => "Torture <in> Serbia", published_at => "2026-11-20" }],
            },
            false,
            false,
        ),
        (
            "portal_home.html",
            context! { sections => empty(vec![]), publications => empty(vec![]), countries => empty(vec![]), dashboards => empty(vec![]) },
            false,
            false,
        ),
        (
            "portal_record.html",
            context! { record => rec.clone() },
            false,
            false,
        ),
        (
            "portal_country.html",
            context! {
                country => context! { iso3 => "SRB", name => "Serbia" },
                ratifications => vec![context! { instrument => "CAT", name => "Convention against Torture", status => "party", signature => "", consent => "2001-03-12", consent_kind => "succession", entry_into_force => "", source => "shipped", fact_source => "untc2015", as_of => "2022-08-25" },
                    context! { instrument => "OP-CAT", name => "Optional Protocol", status => "party", signature => "2003-09-25", consent => "2006-09-26", consent_kind => "ratification", entry_into_force => "2006-10-26", source => "user", fact_source => "", as_of => "2026-12-01" },
                    context! { instrument => "CRPD", name => "CRPD", status => "party", signature => "", consent => "2019", consent_kind => "", entry_into_force => "", source => "shipped", fact_source => "wpd2022", as_of => "2022-08-25" }],
                reports => vec![report_line("CAT", "CAT", 3, "2024-05-01", "overdue", Some(100)), context! { ..context! { no_data => true, status => "unknown" }, ..report_line("ICERD", "CERD", 12, "2027-01-04", "due", None) }],
                visits => vec![context! { mandate => "Special Rapporteur on torture", status => "completed", start => "2023-01-01", end => "2023-01-10" }],
                recommendations => vec![context! { body => "UPR", date => "2023", text => "Ratify <OP-CAT>", position => "supported", status => "" }],
                recommendations_total => 1,
            },
            false,
            false,
        ),
        (
            "portal_country.html",
            context! {
                country => context! { iso3 => "SRB", name => "Serbia" },
                ratifications => empty(vec![]), reports => empty(vec![]), visits => empty(vec![]),
                recommendations => empty(vec![]), recommendations_total => 0,
            },
            false,
            false,
        ),
        (
            "portal_publication.html",
            context! { publication => context! { title => "Annual report", kind => "report", lang => "en", html => "<p>Snapshot</p>", published_at => "2026-01-01" } },
            false,
            false,
        ),
        (
            "portal_admin.html",
            context! {
                published => vec![rec.clone()],
                publications => vec![context! { id => 1, slug => "annual-2025", title => "Annual <report>", kind => "report", lang => "en", published_at => "2026-01-01T00:00:00Z" }],
                types => vec![context! { value => "vio_events", label => "Events" }],
                dashboards => vec![context! { id => 2, slug => "dashboard-torture", title => "Torture <in> Serbia", published_at => "2026-11-20" }],
            },
            true,
            true,
        ),
        (
            "portal_admin.html",
            context! { published => empty(vec![]), publications => empty(vec![]), types => empty(vec![]), dashboards => empty(vec![]) },
            true,
            true,
        ),
        (
            "portal_confirm.html",
            context! { record => rec.clone(), publish => true, allowed => true, level => "public" },
            true,
            true,
        ),
        (
            "portal_confirm.html",
            context! { record => rec, publish => false, allowed => false, level => "confidential" },
            true,
            true,
        ),
    ]
}

/// One line of `reporting_obligations` as the store gives it to the pages (the fields the
/// `report_row` macro of obligations_reporting.html reads).
pub fn report_line(
    instrument: &str,
    body: &str,
    number: i64,
    due_date: &str,
    status: &str,
    overdue_days: Option<i64>,
) -> Value {
    context! { instrument, body, number, number_to => number, due_date, due_set_in => "", loipr => "",
    status, overdue_days, no_data => false, approximate => false, included_in => "" }
}

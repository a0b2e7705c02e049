//! Server-rendered pages: the minijinja environment and its templates.
//!
//! Every template is embedded in the binary. Templates translate their text
//! with the global function `t(key, **placeholders)`, which reads the
//! language that [`render`] puts in the context:
//!
//! ```jinja
//! {{ t("nav.home") }}
//! {{ t("audit.caption", page=page) }}
//! ```

use minijinja::value::{Kwargs, Value};
use minijinja::{context, AutoEscape, Environment, Error, ErrorKind, State};

use crate::i18n::{self, Lang};

/// Name and source of every template, `layout.html` first.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("login.html", include_str!("../templates/login.html")),
    (
        "login_totp.html",
        include_str!("../templates/login_totp.html"),
    ),
    ("setup.html", include_str!("../templates/setup.html")),
    ("account.html", include_str!("../templates/account.html")),
    (
        "admin_users.html",
        include_str!("../templates/admin_users.html"),
    ),
    (
        "admin_audit.html",
        include_str!("../templates/admin_audit.html"),
    ),
    (
        "countries.html",
        include_str!("../templates/countries.html"),
    ),
    (
        "instruments.html",
        include_str!("../templates/instruments.html"),
    ),
    (
        "vocabularies.html",
        include_str!("../templates/vocabularies.html"),
    ),
    (
        "vocabulary.html",
        include_str!("../templates/vocabulary.html"),
    ),
    ("error.html", include_str!("../templates/error.html")),
    // Macros that pages import (`{% from "macros/forms.html" import … %}`).
    (
        "macros/forms.html",
        include_str!("../templates/macros/forms.html"),
    ),
    (
        "macros/vocab.html",
        include_str!("../templates/macros/vocab.html"),
    ),
    (
        "admin_teams.html",
        include_str!("../templates/admin_teams.html"),
    ),
    (
        "vocabulary_term.html",
        include_str!("../templates/vocabulary_term.html"),
    ),
    // Areas of the product add their templates in their own block below.
    // -- obligations (issue 3)
    (
        "obligations_facts.html",
        include_str!("../templates/obligations_facts.html"),
    ),
    (
        "obligations_matrix.html",
        include_str!("../templates/obligations_matrix.html"),
    ),
    (
        "obligations_country.html",
        include_str!("../templates/obligations_country.html"),
    ),
    (
        "obligations_ratification.html",
        include_str!("../templates/obligations_ratification.html"),
    ),
    (
        "obligations_deadlines.html",
        include_str!("../templates/obligations_deadlines.html"),
    ),
    (
        "obligations_reporting.html",
        include_str!("../templates/obligations_reporting.html"),
    ),
    (
        "obligations_recommendations.html",
        include_str!("../templates/obligations_recommendations.html"),
    ),
    (
        "obligations_recommendation.html",
        include_str!("../templates/obligations_recommendation.html"),
    ),
    (
        "obligations_followup.html",
        include_str!("../templates/obligations_followup.html"),
    ),
    (
        "obligations_mandates.html",
        include_str!("../templates/obligations_mandates.html"),
    ),
    // -- violations (issue 4)
    (
        "violations_home.html",
        include_str!("../templates/violations_home.html"),
    ),
    (
        "violations_entry.html",
        include_str!("../templates/violations_entry.html"),
    ),
    (
        "violations_event.html",
        include_str!("../templates/violations_event.html"),
    ),
    (
        "violations_act.html",
        include_str!("../templates/violations_act.html"),
    ),
    (
        "violations_persons.html",
        include_str!("../templates/violations_persons.html"),
    ),
    (
        "violations_person.html",
        include_str!("../templates/violations_person.html"),
    ),
    (
        "violations_intervention.html",
        include_str!("../templates/violations_intervention.html"),
    ),
    (
        "violations_due.html",
        include_str!("../templates/violations_due.html"),
    ),
    (
        "violations_lens.html",
        include_str!("../templates/violations_lens.html"),
    ),
    (
        "violations_evidence.html",
        include_str!("../templates/violations_evidence.html"),
    ),
    (
        "violations_edit.html",
        include_str!("../templates/violations_edit.html"),
    ),
    // -- protection (issue 5)
    (
        "protection_home.html",
        include_str!("../templates/protection_home.html"),
    ),
    (
        "protection_defenders.html",
        include_str!("../templates/protection_defenders.html"),
    ),
    (
        "protection_defender.html",
        include_str!("../templates/protection_defender.html"),
    ),
    (
        "protection_missing_list.html",
        include_str!("../templates/protection_missing_list.html"),
    ),
    (
        "protection_missing.html",
        include_str!("../templates/protection_missing.html"),
    ),
    (
        "protection_sources.html",
        include_str!("../templates/protection_sources.html"),
    ),
    (
        "protection_reports.html",
        include_str!("../templates/protection_reports.html"),
    ),
    (
        "protection_memorial.html",
        include_str!("../templates/protection_memorial.html"),
    ),
    (
        "protection_family.html",
        include_str!("../templates/protection_family.html"),
    ),
    (
        "protection_vocabulary.html",
        include_str!("../templates/protection_vocabulary.html"),
    ),
    // -- search, dashboards, reports, portal (issue 6)
    (
        "search_results.html",
        include_str!("../templates/search_results.html"),
    ),
    (
        "search_alerts.html",
        include_str!("../templates/search_alerts.html"),
    ),
    (
        "portal_home.html",
        include_str!("../templates/portal_home.html"),
    ),
    (
        "portal_record.html",
        include_str!("../templates/portal_record.html"),
    ),
    (
        "portal_country.html",
        include_str!("../templates/portal_country.html"),
    ),
    (
        "portal_publication.html",
        include_str!("../templates/portal_publication.html"),
    ),
    (
        "portal_admin.html",
        include_str!("../templates/portal_admin.html"),
    ),
    (
        "portal_panel.html",
        include_str!("../templates/portal_panel.html"),
    ),
    (
        "protection_problem.html",
        include_str!("../templates/protection_problem.html"),
    ),
    (
        "violations_problem.html",
        include_str!("../templates/violations_problem.html"),
    ),
    (
        "portal_confirm.html",
        include_str!("../templates/portal_confirm.html"),
    ),
    (
        "portal_dashboard.html",
        include_str!("../templates/portal_dashboard.html"),
    ),
    // -- statistics (issue 7)
    (
        "stats_estimates.html",
        include_str!("../templates/stats_estimates.html"),
    ),
    (
        "stats_estimate.html",
        include_str!("../templates/stats_estimate.html"),
    ),
    (
        "stats_linkage.html",
        include_str!("../templates/stats_linkage.html"),
    ),
    (
        "stats_linkage_pair.html",
        include_str!("../templates/stats_linkage_pair.html"),
    ),
    (
        "stats_linkage_notice.html",
        include_str!("../templates/stats_linkage_notice.html"),
    ),
    // -- dashboards and reports (issue 6, items 4-5)
    (
        "dashboards_index.html",
        include_str!("../templates/dashboards_index.html"),
    ),
    (
        "reports_index.html",
        include_str!("../templates/reports_index.html"),
    ),
    (
        "reports_document.html",
        include_str!("../templates/reports_document.html"),
    ),
    // -- keys
    (
        "keys_admin.html",
        include_str!("../templates/keys_admin.html"),
    ),
];

/// The stylesheet, for serving at `/static/dignity.css`.
pub const STYLESHEET: &str = include_str!("../static/dignity.css");

/// Context variable holding the language that `t()` translates into. It is
/// separate from `lang` so that a template variable called `lang` can never
/// change the language of the page behind its back.
const LANG_VAR: &str = "__dignity_lang";

/// The template environment with every page template loaded, HTML
/// auto-escaping for `.html` templates, and the `t` function.
///
/// Build it once at start-up and share it (it is `Send + Sync`).
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name} does not compile: {e:#}"));
    }
    env.add_function("t", translate);
    env
}

/// `t(key, **placeholders)`: the template-side translation function.
fn translate(state: &State, key: &str, kwargs: Kwargs) -> Result<String, Error> {
    let lang = state
        .lookup(LANG_VAR)
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default();
    let mut values: Vec<(String, String)> = Vec::new();
    for name in kwargs.args() {
        let v: Value = kwargs.get(name)?;
        let text = if v.is_undefined() || v.is_none() {
            String::new()
        } else {
            v.to_string()
        };
        values.push((name.to_string(), text));
    }
    kwargs.assert_all_used()?;
    let args: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Ok(i18n::t_args(lang, key, &args))
}

/// The `languages` list of the common context: every interface language
/// with its code and own name, as the language switcher wants it.
pub fn languages() -> Value {
    Value::from_serialize(
        Lang::ALL
            .iter()
            .map(|l| context! { code => l.code(), name => l.name() })
            .collect::<Vec<_>>(),
    )
}

/// Renders template `name` in `lang`.
///
/// `lang` and `dir` in the output always follow `lang` (they override the
/// same names in `ctx`); when `ctx` has no `languages`, the full list is
/// supplied. Everything else comes from `ctx`.
pub fn render(env: &Environment<'_>, name: &str, lang: Lang, ctx: Value) -> Result<String, Error> {
    if !ctx.is_undefined() && !ctx.is_none() && ctx.kind() != minijinja::value::ValueKind::Map {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "the template context must be a map",
        ));
    }
    let tmpl = env.get_template(name)?;
    let full = context! {
        ..context! {
            lang => lang.code(),
            dir => lang.dir(),
            __dignity_lang => lang.code(),
        },
        ..ctx,
        ..context! { languages => languages() },
    };
    tmpl.render(full)
}

#[cfg(test)]
mod examples;
#[cfg(test)]
mod tests;

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
mod tests {
    use super::*;
    use minijinja::UndefinedBehavior;

    fn common(user: bool, admin: bool, flash: Option<(&str, &str)>, path: &str) -> Value {
        context! {
            lang => "en",
            dir => "ltr",
            languages => languages(),
            current_path => path,
            user => if user {
                Value::from_serialize(context! {
                    username => "amina", display_name => "Amina <Diallo>", role => if admin { "admin" } else { "documenter" }
                })
            } else {
                Value::from(())
            },
            csrf_token => "csrf-TOKEN-123",
            flash => match flash {
                Some((kind, message)) => context! { kind => kind, message => message },
                None => Value::from(()),
            },
            is_admin => admin,
            can_manage_teams => admin,
        }
    }

    fn none() -> Value {
        Value::from(())
    }

    /// (template, page context, signed in, admin), each page in a "full"
    /// variant (every optional part present) and an "empty" one.
    fn examples() -> Vec<(&'static str, Value, bool, bool)> {
        let mut v = Vec::new();
        v.extend(crate::obligations::template_examples());
        v.extend(crate::keys_admin::template_examples());
        v.push((
            "home.html",
            context! { counts => context! { countries => 249, instruments => 27, vocabulary_terms => 1234, sdg_targets => 169 } },
            false,
            false,
        ));
        v.push((
            "home.html",
            context! { counts => context! { countries => 0, instruments => 0, vocabulary_terms => 0, sdg_targets => 0 } },
            true,
            true,
        ));
        v.push((
            "login.html",
            context! { error => "Wrong username or password.", username => "amina", next => "/admin/audit" },
            false,
            false,
        ));
        v.push((
            "login.html",
            context! { error => none(), username => none(), next => none() },
            false,
            false,
        ));
        v.push((
            "login_totp.html",
            context! { error => "Invalid code." },
            false,
            false,
        ));
        v.push((
            "login_totp.html",
            context! { error => none() },
            false,
            false,
        ));
        v.push((
            "setup.html",
            context! { token => "abc", error => "Passwords differ.", username => "admin", display_name => "Admin" },
            false,
            false,
        ));
        v.push((
            "setup.html",
            context! { token => none(), error => none(), username => none(), display_name => none() },
            false,
            false,
        ));
        let tokens = vec![
            context! { id => "t1", name => "laptop script", created_at => "2025-01-02 10:00", last_used_at => "2025-02-01 09:00" },
            context! { id => "t2", name => "<b>bold</b>", created_at => "2025-01-03 10:00", last_used_at => none() },
        ];
        v.push((
            "account.html",
            context! {
                totp_enabled => false,
                totp_required => true,
                totp_setup => context! {
                    secret => "JBSWY3DPEHPK3PXP",
                    otpauth_url => "otpauth://totp/Dignity:amina?secret=JBSWY3DPEHPK3PXP&issuer=Dignity",
                    qr_svg => "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"10\" height=\"10\"/></svg>",
                },
                recovery_codes => vec!["abcd-efgh", "ijkl-mnop"],
                tokens => tokens,
                new_token => "dgn_secret_token",
            },
            true,
            false,
        ));
        v.push((
            "account.html",
            context! {
                totp_enabled => true, totp_required => true, totp_setup => none(),
                recovery_codes => none(), tokens => Vec::<Value>::new(), new_token => none(),
            },
            true,
            true,
        ));
        let roles = vec!["admin", "coordinator", "documenter", "analyst"];
        v.push((
            "admin_users.html",
            context! {
                users => vec![
                    context! { id => 1, username => "amina", display_name => "Amina Diallo", role => "admin", disabled => false, totp_enabled => true, locked => false },
                    context! { id => 2, username => "ivan", display_name => "Иван Петров", role => "analyst", disabled => true, totp_enabled => false, locked => true },
                    context! { id => 3, username => "sara", display_name => "سارة", role => "coordinator", disabled => false, totp_enabled => false, locked => false },
                    context! { id => 4, username => "marc", display_name => "Marc", role => "documenter", disabled => false, totp_enabled => false, locked => false },
                ],
                roles => roles.clone(),
                require_totp => true,
                new_password => context! { username => "ivan", password => "correct-horse-battery" },
            },
            true,
            true,
        ));
        v.push((
            "admin_users.html",
            context! { users => Vec::<Value>::new(), roles => roles, require_totp => false, new_password => none() },
            true,
            true,
        ));
        let filter = context! { actor => "amina", action => "user.create", record_type => "user", from => "2025-01-01", to => "2025-12-31" };
        v.push((
            "admin_audit.html",
            context! {
                entries => vec![
                    context! { seq => 42, at => "2025-03-01T10:00:00Z", actor_name => "Amina", action => "user.create", record_type => "user", record_id => "7", details => "{\"username\":\"ivan\"}" },
                    context! { seq => 41, at => "2025-03-01T09:00:00Z", actor_name => none(), action => "setup", record_type => none(), record_id => none(), details => none() },
                ],
                filter => filter,
                verify => context! { ok => false, checked => 42, problems => vec!["entry 17: hash mismatch"] },
                page => 2, has_next => true, has_prev => true,
            },
            true,
            true,
        ));
        v.push((
            "admin_audit.html",
            context! {
                entries => Vec::<Value>::new(),
                filter => context! { actor => none(), action => none(), record_type => none(), from => none(), to => none() },
                verify => context! { ok => true, checked => 1000, problems => Vec::<String>::new() },
                page => 1, has_next => false, has_prev => false,
            },
            true,
            true,
        ));
        v.push((
            "admin_audit.html",
            context! {
                entries => Vec::<Value>::new(),
                filter => context! { actor => "", action => "", record_type => "", from => "", to => "" },
                verify => none(),
                page => 1, has_next => false, has_prev => false,
            },
            true,
            true,
        ));
        v.push((
            "countries.html",
            context! {
                countries => vec![
                    context! { iso3 => "FRA", iso2 => "FR", name => "France", region => "Europe", subregion => "Western Europe", un_member => true },
                    context! { iso3 => "PSE", iso2 => "PS", name => "State of Palestine", region => "Asia", subregion => "Western Asia", un_member => false },
                ],
                regions => vec!["Africa", "Americas", "Asia", "Europe", "Oceania"],
                region => "Europe",
                total => 249,
            },
            false,
            false,
        ));
        v.push((
            "countries.html",
            context! { countries => Vec::<Value>::new(), regions => Vec::<String>::new(), region => none(), total => 0 },
            false,
            false,
        ));
        v.push((
            "instruments.html",
            context! {
                instruments => vec![
                    context! { code => "ICCPR", short_name => "ICCPR", full_name => "International Covenant on Civil and Political Rights", system => "un", adopted => "1966-12-16", entry_into_force => "1976-03-23", body => "Human Rights Committee" },
                    context! { code => "ECHR", short_name => "ECHR", full_name => "Convention for the Protection of Human Rights and Fundamental Freedoms", system => "coe", adopted => "1950-11-04", entry_into_force => "1953-09-03", body => "European Court of Human Rights" },
                    context! { code => "X", short_name => "X", full_name => "Not yet in force", system => "un", adopted => "2024-01-01", entry_into_force => none(), body => none() },
                ],
            },
            false,
            false,
        ));
        v.push((
            "instruments.html",
            context! { instruments => Vec::<Value>::new() },
            false,
            false,
        ));
        v.push((
            "vocabularies.html",
            context! { lists => vec![context! { number => 1, name => "Types of acts", terms => 120 }] },
            false,
            false,
        ));
        v.push((
            "vocabularies.html",
            context! { lists => Vec::<Value>::new() },
            false,
            false,
        ));
        v.push((
            "vocabulary.html",
            context! {
                list => context! { number => 1, name => "Types of acts" },
                terms => vec![
                    context! { code => "01", label => "Killing", level => 0 },
                    context! { code => "0101", label => "Extrajudicial execution", level => 1 },
                    context! { code => "010101", label => "Deep", level => 9 },
                ],
                q => "kill",
                can_edit => true,
            },
            false,
            false,
        ));
        let est = context! { estimate => 11125, observed => 1896, lower => 9532, upper => 13114, level => 95, model => "independence", interval => "profile likelihood", warnings => vec!["check the overlaps"] };
        v.push((
            "stats_estimate.html",
            context! {
                dataset => context! { id => 1, name => "Rome <HIV>", description => "d", level => "internal", lists => vec!["c1", "c2"], observed => 1896, stratum => "region" },
                method => "loglinear",
                total => est.clone(),
                reason => none(),
                strata => vec![context! { name => "North", result => est.clone(), error => none() }, context! { name => "South", result => none(), error => "no estimate" }],
                warnings => vec!["w"],
                overlaps => vec![context! { name => "c1", total => 10, cells => vec![10, 3] }],
                list_names => vec!["c1", "c2"],
                upset_svg => "<svg></svg>",
                patterns => vec![context! { lists => "c1 + c2", count => 3 }],
            },
            false,
            false,
        ));
        v.push((
            "stats_estimate.html",
            context! {
                dataset => context! { id => 1, name => "x", description => "", level => "public", lists => vec!["a"], observed => 1, stratum => none() },
                method => "dga", total => none(), reason => "no estimate exists", strata => Vec::<Value>::new(), warnings => Vec::<Value>::new(),
                overlaps => Vec::<Value>::new(), list_names => Vec::<Value>::new(), upset_svg => "", patterns => Vec::<Value>::new(),
            },
            false,
            false,
        ));
        v.push((
            "stats_estimates.html",
            context! {
                datasets => vec![context! { id => 1, name => "Kosovo 1999", lists => "A, B", observed => 3, level => "confidential", created_at => "2026" }],
                can_create => true, error => "The table cannot be used", form => context! { name => "x", description => "", stratum => "", level => "internal" },
                levels => vec!["public", "internal", "confidential", "strictly_confidential"],
            },
            false,
            false,
        ));
        v.push((
            "stats_estimates.html",
            context! { datasets => Vec::<Value>::new(), can_create => false, error => none(), form => context! { name => "", description => "", stratum => "", level => "" }, levels => Vec::<Value>::new() },
            false,
            false,
        ));
        let run = context! {
            id => 3, scope => "sources", records => 120, candidates => 900, pairs => 40, started_by => "dora",
            started_at => "2026-11-23T20:00:00Z", finished_at => "2026-11-23T20:00:01Z", pending => 30, accepted => 6,
            rejected => 3, unsure => 1, min_probability => "10.0", lambda => "0.004000", em_iterations => 12,
            blocking_rules => vec!["name soundex"], diagnostics => vec!["blocking rule name soundex (900 pairs)"],
            model_fields => vec![context! { field => "name", levels => vec![context! { label => "exact", m => "0.8", u => "0.001", weight => "+9.64" }] }],
        };
        v.push((
            "stats_linkage.html",
            context! {
                may_review => true, runs => vec![run.clone()], current => run.clone(),
                pairs => vec![context! { id => 7, probability => "51.2", status => "pending", kind => "source_record",
                    left => context! { label => "Agron Krasniqi", source => "ICRC", external_id => "K-1" },
                    right => context! { label => "Агрон Краснићи", source => "Commission", external_id => "C-77" } }],
                total => 1, page => 1, prev_page => none(), next_page => 2, status_filter => "pending", order => "uncertain",
                qs => "run=3", notice => "Pair accepted", last => 6, problem => "fewer than two records to link",
                statuses => vec!["pending", "unsure", "accepted", "rejected"], strata => vec!["region", "period", "sex"],
                levels => vec!["public", "internal", "confidential", "strictly_confidential"],
            },
            false,
            false,
        ));
        v.push((
            "stats_linkage.html",
            context! { may_review => false, runs => Vec::<Value>::new(), current => none(), pairs => Vec::<Value>::new(), total => 0,
                page => 1, prev_page => none(), next_page => none(), status_filter => "pending", order => "uncertain", qs => "",
                notice => none(), last => none(), problem => none(), statuses => Vec::<Value>::new(), strata => Vec::<Value>::new(), levels => Vec::<Value>::new() },
            false,
            false,
        ));
        for status in ["pending", "accepted"] {
            v.push((
                "stats_linkage_pair.html",
                context! {
                    pair => context! { id => 7, run_id => 3, probability => "97.5", match_weight => "+5.30", prior => "-8.10", status => status, kind => "source_record" },
                    left => context! { kind => "source_record", id => 1, label => "Agron Krasniqi", source => "ICRC", external_id => "K-1", consolidated => 4, consolidated_link => "/protection/missing/4", link => none() },
                    right => context! { kind => "source_record", id => 2, label => "Агрон Краснићи", source => "Commission", external_id => "C-77", consolidated => none(), consolidated_link => none(), link => none() },
                    fields => vec![
                        context! { field => "name", label => "Name", left => "Agron Krasniqi", right => "Агрон Краснићи", level => "spelling variant", weight => "+9.10", agrees => true, disagrees => false },
                        context! { field => "place", label => "Place", left => "Gjakova", right => "", level => "missing", weight => "+0.00", agrees => false, disagrees => false },
                        context! { field => "sex", label => "Sex", left => "M", right => "F", level => "different", weight => "-3.20", agrees => false, disagrees => true },
                    ],
                    prev => 5, next => 9, qs => "run=3", run => 3, status_filter => "pending", order => "uncertain",
                    notice => "Pair accepted", last => 6, problem => "undo the merge first",
                },
                false,
                false,
            ));
        }
        v.push((
            "admin_teams.html",
            context! {
                teams => vec![context! { id => 1, name => "Field office", can_edit => true,
                    members => vec![context! { id => 2, username => "omar", display_name => "Omar" }] },
                    context! { id => 2, name => "Legal", can_edit => false, members => Vec::<Value>::new() }],
                can_create => true,
            },
            false,
            false,
        ));
        v.push((
            "admin_teams.html",
            context! { teams => Vec::<Value>::new(), can_create => false },
            false,
            false,
        ));
        v.push((
            "vocabulary_term.html",
            context! {
                list => context! { number => 4, name => "Types of acts" },
                term => context! { code => "0101", label_en => "Killing", label_fr => "Meurtre", label_es => "", label_ar => "", label_ru => "", active => true },
            },
            false,
            false,
        ));
        v.push((
            "vocabulary.html",
            context! { list => context! { number => 1, name => "Types of acts" }, terms => Vec::<Value>::new(), q => "zzz", can_edit => false },
            false,
            false,
        ));
        v.push((
            "vocabulary.html",
            context! { list => context! { number => 1, name => "Types of acts" }, terms => Vec::<Value>::new(), q => none(), can_edit => false },
            false,
            false,
        ));
        // -- violations (issue 4)
        v.extend(crate::violations::examples::examples());
        // -- protection (issue 5)
        v.extend(crate::protection::examples());
        // -- search (issue 6)
        v.push((
            "home.html",
            context! {
                counts => context! { countries => 249, instruments => 27, vocabulary_terms => 1234, sdg_targets => 169 },
                search_alerts => vec![context! { id => 1, name => "Family <J>", new => 3 }],
                work => context! { due => 2, overdue => 1, checkins => 1, drafts => 0 },
            },
            true,
            false,
        ));
        v.push((
            "home.html",
            context! {
                counts => context! { countries => 249, instruments => 27, vocabulary_terms => 1234, sdg_targets => 169 },
                work => context! { due => 0, overdue => 0, checkins => 0, drafts => 0 },
            },
            true,
            false,
        ));
        v.push((
            "search_results.html",
            context! {
                q => "Jovanović torture", year_from => 1999, year_to => none(), new_only => false, searched => true,
                total => 42, page => 2, pages => 3, prev => "/search?q=x&page=1", next => "/search?q=x&page=3",
                query => "q=Jovanovi%C4%87", can_save => true,
                hits => vec![context! { url => "/events/1", title => "Detainees <tortured>", snippet_html => "Witnesses describe <mark>torture</mark>", type_label => "Event", country => "Serbia", date_from => "1999-04-01", date_to => "1999-04-30" }],
                facets => vec![context! { name => "country", label => "Country", values => vec![context! { value => "SRB", label => "Serbia", count => 12, checked => true }] }],
                saved => vec![context! { id => 1, name => "Family <J>", new => 3 }, context! { id => 2, name => "Other", new => 0 }],
                can_export => true, can_export_names => true, export_fields => vec![("q", "Jovanović"), ("country", "SRB")],
            },
            true,
            false,
        ));
        v.push((
            "search_results.html",
            context! {
                q => "", year_from => none(), year_to => none(), new_only => true, searched => false,
                total => 0, page => 1, pages => 1, prev => none(), next => none(),
                query => "", can_save => false, hits => Vec::<Value>::new(), facets => Vec::<Value>::new(), saved => Vec::<Value>::new(),
                can_export => false, can_export_names => false, export_fields => Vec::<(String, String)>::new(),
            },
            false,
            false,
        ));
        v.extend(crate::portal::examples());
        v.push((
            "search_alerts.html",
            context! { total => 3, items => vec![
                context! { id => 1, name => "Family <J>", new => 3, more => false, seen_at => "2026-11-20",
                    hits => vec![context! { url => "/violations/events/1", title => "Arrests <at> the march", type_label => "Event", date_from => "2025-03-01" }] },
                context! { id => 2, name => "Torture", new => 0, more => false, seen_at => (), hits => Vec::<minijinja::Value>::new() },
            ] },
            true,
            false,
        ));
        v.push((
            "search_alerts.html",
            context! { total => 0, items => Vec::<minijinja::Value>::new() },
            true,
            false,
        ));
        // -- dashboards and reports (issue 6)
        v.extend(crate::reports::examples());
        for status in [400, 403, 404, 500] {
            v.push((
                "error.html",
                context! { status => status, message => "Something <bad>" },
                false,
                false,
            ));
        }
        v
    }

    fn strict_env() -> Environment<'static> {
        let mut env = environment();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env
    }

    fn render_example(
        env: &Environment<'_>,
        name: &str,
        page: &Value,
        user: bool,
        admin: bool,
        lang: Lang,
    ) -> String {
        let flash = if admin {
            Some(("ok", "Saved."))
        } else {
            Some(("error", "Form expired."))
        };
        let path = format!("/{}", name.trim_end_matches(".html"));
        let ctx = context! { ..page.clone(), ..common(user, admin, flash, &path) };
        render(env, name, lang, ctx).unwrap_or_else(|e| panic!("{name} in {lang}: {e:#}"))
    }

    /// Writes every example page in every language, with the stylesheet,
    /// to `$DIGNITY_DUMP_HTML` for looking at in a browser:
    /// `DIGNITY_DUMP_HTML=/tmp/pages cargo test -p dignity-web dump -- --ignored`
    #[test]
    #[ignore]
    fn dump_example_pages() {
        let Ok(dir) = std::env::var("DIGNITY_DUMP_HTML") else {
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(dir.join("static")).unwrap();
        std::fs::write(dir.join("static/dignity.css"), STYLESHEET).unwrap();
        let env = environment();
        let mut seen = std::collections::HashMap::new();
        for (name, page, user, admin) in examples() {
            let n = seen.entry(name).or_insert(0);
            *n += 1;
            let variant = if *n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            for lang in Lang::ALL {
                let html = render_example(&env, name, &page, user, admin, lang).replace(
                    "href=\"/static/dignity.css\"",
                    "href=\"static/dignity.css\"",
                );
                let file = format!(
                    "{}{variant}.{}.html",
                    name.trim_end_matches(".html"),
                    lang.code()
                );
                std::fs::write(dir.join(file), html).unwrap();
            }
        }
    }

    #[test]
    fn every_template_is_exercised() {
        let examples = examples();
        for (name, src) in TEMPLATES.iter().skip(1) {
            if !src.contains("{% extends") {
                // A part of pages (`{% include %}`): exercised by the examples of the pages
                // that include it.
                assert!(
                    TEMPLATES
                        .iter()
                        .any(|(_, s)| s.contains(&format!("include \"{name}\""))),
                    "{name} is included by no page"
                );
                continue;
            }
            assert!(
                examples.iter().any(|e| e.0 == *name),
                "no example for {name}"
            );
        }
    }

    #[test]
    fn every_template_renders_in_every_language_without_leaking_keys() {
        let env = strict_env();
        let en_keys: Vec<&str> = i18n::keys(Lang::En).collect();
        let groups: std::collections::BTreeSet<String> = en_keys
            .iter()
            .map(|k| format!("{}.", k.split('.').next().unwrap()))
            .collect();
        for (name, page, user, admin) in examples() {
            for lang in Lang::ALL {
                let html = render_example(&env, name, &page, user, admin, lang);
                let ctx = format!("{name} in {lang}");
                assert!(
                    html.contains(&format!(
                        "<html lang=\"{}\" dir=\"{}\">",
                        lang.code(),
                        lang.dir()
                    )),
                    "{ctx}: html lang/dir"
                );
                for key in &en_keys {
                    assert!(!html.contains(key), "{ctx}: key {key} leaked");
                }
                // A key that does not exist at all would leak as "group.something".
                let text = strip_tags(&html);
                for group in &groups {
                    for (i, _) in text.match_indices(group.as_str()) {
                        let before = text[..i].chars().last();
                        let after = text[i + group.len()..].chars().next();
                        let word_start =
                            !matches!(before, Some(c) if c.is_alphanumeric() || c == '_');
                        let keyish = after.is_some_and(|c| c.is_ascii_lowercase());
                        assert!(
                            !(word_start && keyish),
                            "{ctx}: untranslated key near {:?}",
                            &text[i..(i + 40).min(text.len())]
                        );
                    }
                }
                for landmark in [
                    "<header",
                    "<nav class=\"main-nav\" aria-label=",
                    "<main id=\"main\"",
                    "<footer",
                    "href=\"#main\"",
                    "action=\"/lang\"",
                    "<label for=\"lang-select\">",
                    "name=\"back\"",
                    "<link rel=\"stylesheet\" href=\"/static/dignity.css\">",
                ] {
                    assert!(html.contains(landmark), "{ctx}: lacks {landmark}");
                }
                assert_eq!(html.matches("<h1").count(), 1, "{ctx}: one h1");
                // No inline JavaScript; a page may load a small same-origin script that
                // only adds to what works without it (e.g. keyboard shortcuts).
                for (i, _) in html.match_indices("<script") {
                    let tag = &html[i..i + html[i..].find("</script>").unwrap_or(0)];
                    assert!(
                        tag.starts_with("<script src=\"/") && tag.ends_with(" defer>"),
                        "{ctx}: no inline JavaScript"
                    );
                }
                assert!(!html.contains("style=\""), "{ctx}: no inline styles");
                check_forms(&html, &ctx);
                check_labels(&html, &ctx);
                check_tables(&html, &ctx);
                check_describedby(&html, &ctx);
                assert!(!html.contains("Amina <Diallo>"), "{ctx}: escaping");
                assert!(!html.contains("<b>bold</b>"), "{ctx}: escaping");
            }
        }
    }

    fn strip_tags(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    out.push(' ');
                }
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }

    /// Every POST form carries the CSRF token.
    fn check_forms(html: &str, ctx: &str) {
        for (i, _) in html.match_indices("<form") {
            let end = html[i..].find("</form>").expect("closed form") + i;
            let form = &html[i..end];
            if form.contains("method=\"post\"") {
                assert!(
                    form.contains(
                        "<input type=\"hidden\" name=\"csrf_token\" value=\"csrf-TOKEN-123\">"
                    ),
                    "{ctx}: POST form without csrf_token: {form}"
                );
            } else {
                assert!(
                    form.contains("method=\"get\""),
                    "{ctx}: form without explicit method"
                );
            }
        }
    }

    fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let pat = format!(" {name}=\"");
        let start = tag.find(&pat)? + pat.len();
        let len = tag[start..].find('"')?;
        Some(&tag[start..start + len])
    }

    fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
        let open = format!("<{name}");
        html.match_indices(&open)
            .filter(|(i, _)| html[i + open.len()..].starts_with([' ', '>']))
            .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap() + 1])
            .collect()
    }

    /// Every visible input, select and textarea has a unique id bound to a label.
    fn check_labels(html: &str, ctx: &str) {
        let mut ids = std::collections::HashSet::new();
        for tag in tags(html, "input")
            .into_iter()
            .chain(tags(html, "select"))
            .chain(tags(html, "textarea"))
        {
            if tag.contains("type=\"hidden\"") || tag.contains(" hidden") {
                continue;
            }
            let id = attr(tag, "id").unwrap_or_else(|| panic!("{ctx}: field without id: {tag}"));
            assert!(ids.insert(id), "{ctx}: duplicate id {id}");
            assert!(
                html.contains(&format!("<label for=\"{id}\">")),
                "{ctx}: no label for {id}"
            );
        }
    }

    fn check_tables(html: &str, ctx: &str) {
        let tables = tags(html, "table").len();
        assert_eq!(
            tables,
            html.matches("<caption").count(),
            "{ctx}: every table has a caption"
        );
        for th in tags(html, "th") {
            assert!(th.contains("scope=\""), "{ctx}: th without scope: {th}");
        }
    }

    /// aria-describedby and aria-labelledby point at ids on the page.
    fn check_describedby(html: &str, ctx: &str) {
        for attr_name in ["aria-describedby", "aria-labelledby"] {
            let pat = format!("{attr_name}=\"");
            for (i, _) in html.match_indices(&pat) {
                let start = i + pat.len();
                let value = &html[start..start + html[start..].find('"').unwrap()];
                for id in value.split_whitespace() {
                    assert!(
                        html.contains(&format!(" id=\"{id}\"")),
                        "{ctx}: {attr_name} points to missing #{id}"
                    );
                }
            }
        }
    }

    #[test]
    fn template_keys_exist_in_english() {
        for (name, source) in TEMPLATES {
            for quote in ['"', '\''] {
                let pat = format!("t({quote}");
                for (i, _) in source.match_indices(&pat) {
                    let start = i + pat.len();
                    let key = &source[start..start + source[start..].find(quote).unwrap()];
                    if key.ends_with('.') {
                        continue; // dynamic: "role." ~ name
                    }
                    assert!(
                        i18n::lookup(Lang::En, key).is_some(),
                        "{name}: t({key:?}) not in en.toml"
                    );
                }
            }
        }
        for r in ["public", "admin", "coordinator", "documenter", "analyst"] {
            assert!(i18n::lookup(Lang::En, &format!("role.{r}")).is_some());
        }
        for s in ["un", "coe"] {
            assert!(i18n::lookup(Lang::En, &format!("system.{s}")).is_some());
        }
    }

    #[test]
    fn lang_and_dir_follow_the_render_language() {
        let env = environment();
        let ctx = context! { ..context! { status => 404, message => "x" }, ..common(false, false, None, "/x") };
        let html = render(&env, "error.html", Lang::Ar, ctx).unwrap();
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"));
        assert!(html.contains(&i18n::t(Lang::Ar, "nav.home")));
        assert!(html.contains("<option value=\"ar\" lang=\"ar\" selected>العربية</option>"));
        assert!(html.contains("<input type=\"hidden\" name=\"back\" value=\"&#x2f;x\">"));
    }

    #[test]
    fn placeholders_are_filled_and_escaped() {
        let env = environment();
        let mut ctx = common(true, true, None, "/account");
        ctx = context! { ..context! {
            totp_enabled => true, totp_required => false, totp_setup => none(),
            recovery_codes => none(), tokens => Vec::<Value>::new(), new_token => none(),
        }, ..ctx };
        let html = render(&env, "account.html", Lang::En, ctx).unwrap();
        assert!(html.contains("Amina &lt;Diallo&gt;"), "{html}");
        assert!(!html.contains("{name}"));
    }

    #[test]
    fn languages_default_and_admin_nav() {
        let env = environment();
        let ctx = context! {
            counts => context! { countries => 1, instruments => 2, vocabulary_terms => 3, sdg_targets => 4 },
            current_path => "/", user => none(), csrf_token => "x", flash => none(), is_admin => false, can_manage_teams => false,
        };
        let html = render(&env, "home.html", Lang::Fr, ctx).unwrap();
        for l in Lang::ALL {
            assert!(html.contains(&format!("<option value=\"{}\"", l.code())));
        }
        assert!(!html.contains("/admin/users"));
        assert!(html.contains("href=\"/login\""));
        assert!(html.contains("aria-current=\"page\""));
    }

    #[test]
    fn unknown_kwargs_are_substituted_or_rejected_cleanly() {
        let mut env = Environment::new();
        env.add_function("t", translate);
        env.add_template(
            "x",
            "{{ t('error.locked', minutes=15) }}|{{ t('error.locked') }}",
        )
        .unwrap();
        let out = env
            .get_template("x")
            .unwrap()
            .render(context! { __dignity_lang => "fr" })
            .unwrap();
        assert!(out.contains("15"), "{out}");
        assert!(out.contains("{minutes}"), "{out}");
    }
}

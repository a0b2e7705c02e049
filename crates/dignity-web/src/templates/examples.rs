//! Example contexts of every template (a "full" and an "empty" variant of each page), for
//! the template tests.

#![cfg(test)]

use super::*;

pub(super) fn common(user: bool, admin: bool, flash: Option<(&str, &str)>, path: &str) -> Value {
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

pub(super) fn none() -> Value {
    Value::from(())
}

/// (template, page context, signed in, admin), each page in a "full"
/// variant (every optional part present) and an "empty" one.
pub(super) fn examples() -> Vec<(&'static str, Value, bool, bool)> {
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
    // An empty log: a filter left out (the chain verified) or sent empty (not verified).
    for (filter, verify) in [
        (
            context! { actor => none(), action => none(), record_type => none(), from => none(), to => none() },
            context! { ok => true, checked => 1000, problems => Vec::<String>::new() },
        ),
        (
            context! { actor => "", action => "", record_type => "", from => "", to => "" },
            none(),
        ),
    ] {
        v.push((
            "admin_audit.html",
            context! {
                entries => Vec::<Value>::new(),
                filter => filter,
                verify => verify,
                page => 1, has_next => false, has_prev => false,
            },
            true,
            true,
        ));
    }
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
        context! { lists => vec![
            context! { number => 4, name => "Types of acts", terms => 120, source => "HURIDOCS", version => "2", loaded_at => "2026-12-07T10:00:00Z" },
            context! { number => 68, name => "other_thesaurus", terms => 840, source => "OpenEvSys", version => "", loaded_at => "" },
        ] },
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
            list => context! { number => 1, name => "Types of acts", source => "HURIDOCS", version => "2", loaded_at => "2026-12-07T10:00:00Z" },
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
        context! { list => context! { number => 1, name => "Types of acts", source => "HURIDOCS", version => "2", loaded_at => "2026-12-07T10:00:00Z" }, terms => Vec::<Value>::new(), q => "zzz", can_edit => false },
        false,
        false,
    ));
    v.push((
        "vocabulary.html",
        context! { list => context! { number => 1, name => "Types of acts", source => "HURIDOCS", version => "2", loaded_at => "2026-12-07T10:00:00Z" }, terms => Vec::<Value>::new(), q => none(), can_edit => false },
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

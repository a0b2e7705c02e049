//! Example contexts of the obligations templates, for the template tests (every page in
//! a "full" and an "empty" variant, in every language, strict undefined behaviour).

use minijinja::context;
use minijinja::value::Value;

fn none() -> Value {
    Value::from(())
}

pub fn all() -> Vec<(&'static str, Value, bool, bool)> {
    let mut v = Vec::new();
    let groups = vec![context! { code => "AFRICAN", name => "African States" }];
    v.push((
        "obligations_matrix.html",
        context! {
            matrix => context! {
                instruments => vec![context! { code => "CAT", short_name => "Convention against Torture", parties => 173, signatories => 6, not_parties => 13, unknown => 1 }],
                rows => vec![
                    context! { iso3 => "FRA", name => "Amina <Diallo>", parties => 1, cells => vec![context! { status => "party", consent => "1986-02-18", source => "shipped", fact_source => "untc2015", as_of => "2022-08-25" }, context! { status => "party", consent => "2018", source => "shipped", fact_source => "wpd2022", as_of => "2022-08-25" }, context! { status => "party", consent => "2004-03-03", source => "user", fact_source => "", as_of => "2026-12-01" }] },
                    context! { iso3 => "USA", name => "United States", parties => 0, cells => vec![context! { status => "signatory", consent => "", source => "shipped", fact_source => "untc2015", as_of => "2015-03-14" }] },
                    context! { iso3 => "JAM", name => "Jamaica", parties => 0, cells => vec![context! { status => "denounced", consent => "1975-10-03", source => "shipped", fact_source => "untc2015", as_of => "2022-08-25" }] },
                    context! { iso3 => "XXX", name => "X", parties => 0, cells => vec![context! { status => "none", consent => "", source => "shipped", fact_source => "update2026", as_of => "2026-12-05" }] },
                    context! { iso3 => "YYY", name => "Y", parties => 0, cells => vec![context! { status => "unknown", consent => "", source => "", fact_source => "", as_of => "" }] },
                ],
            },
            regions => vec!["Africa", "Europe"], groups => groups.clone(), region => "Africa", group => "AFRICAN", system => "un",
        },
        false,
        false,
    ));
    v.push((
        "obligations_matrix.html",
        context! { matrix => context! { instruments => Vec::<Value>::new(), rows => Vec::<Value>::new() }, regions => Vec::<String>::new(), groups => Vec::<Value>::new(), region => "", group => "", system => "coe" },
        true,
        true,
    ));
    let rat = context! {
        iso3 => "FRA", instrument => "CAT", instrument_name => "Convention against Torture", system => "un", body => "CAT",
        status => "party", signature => "1985-02-04", consent => "1986-02-18", consent_kind => "ratification",
        reservations => "<b>bold</b>", declarations => "", complaints_declaration => true, inquiry_accepted => none(),
        note => "", source => "user", updated_at => "2025-01-01T00:00:00Z",
        fact_source => "", as_of => "2025-01-01", reservations_listed => "yes", entry_into_force => "1987-06-26",
    };
    let svg = Value::from_safe_string(crate::obligations::bar_chart(
        "chart-body",
        "By <body>",
        &[("UPR".into(), 10), ("CCPR".into(), 3)],
    ));
    let row = |label: &str, value: &str, n: i64| context! { label => label, value => value, count => n, href => "/obligations/recommendations?country=FRA&body=UPR", follow_up => "/obligations/countries/FRA/follow-up?body=UPR" };
    v.push((
        "obligations_country.html",
        context! {
            iso3 => "FRA", name => "Amina <Diallo>", can_edit => true,
            portal_panel => context! { heading => "Public portal — country <profile>", since => "2026-11-01",
                record_type => "", id => "", iso3 => "FRA", back => "", note => "portal.country_becomes_public", can_publish => true },
            ratifications => vec![rat.clone(), context! { ..context! { status => "none", consent => "", consent_kind => "", signature => "", reservations => "", source => "shipped", fact_source => "untc2015", as_of => "2022-08-25", reservations_listed => "no", entry_into_force => "" }, ..rat.clone() },
                context! { ..context! { instrument => "OP-CAT", consent => "2018", consent_kind => "", signature => "", reservations => "", source => "shipped", fact_source => "wpd2022", as_of => "2022-08-25", reservations_listed => "", entry_into_force => "" }, ..rat.clone() },
                context! { ..context! { instrument => "CPED", consent => "2023-01-04", consent_kind => "accession", signature => "", reservations => "", source => "shipped", fact_source => "update2026", as_of => "2026-12-05", reservations_listed => "", entry_into_force => "2023-02-03" }, ..rat.clone() },
                context! { ..context! { instrument => "CRC", consent => "1990-08-07", consent_kind => "ratification", signature => "1990-01-26", reservations => "", source => "import", fact_source => "", as_of => "2026-11-02", reservations_listed => "", entry_into_force => "1990-09-06" }, ..rat.clone() },
                context! { ..context! { instrument => "CRPD", consent => "2026-10-01", consent_kind => "ratification", signature => "", reservations => "", source => "shipped", fact_source => "untc", as_of => "2026-11-30", reservations_listed => "no", entry_into_force => "2026-10-31" }, ..rat.clone() },
                context! { ..context! { instrument => "ECHR", status => "unknown", consent => "", consent_kind => "", signature => "", reservations => "" }, ..rat.clone() },
                context! { ..context! { instrument => "ISTANBUL", status => "denounced", consent => "2012", consent_kind => "", signature => "", reservations => "", source => "coe", fact_source => "", as_of => "", reservations_listed => "", entry_into_force => "" }, ..rat.clone() },
                context! { ..context! { instrument => "FCNM", status => "none", consent => "", consent_kind => "", signature => "", reservations => "", source => "coe", fact_source => "", as_of => "", reservations_listed => "", entry_into_force => "" }, ..rat.clone() }],
            coe_facts => context! {
                ISTANBUL => context! { as_of => "2022-11", source => "https://example.org/210?a=\"<b>", entry_into_force => none(), denunciation => "2021-07-01" },
                FCNM => context! { as_of => "2016", source => "https://example.org/157", entry_into_force => none(), denunciation => none() },
            },
            procedures => vec![context! { label => "CAT art. 22", instrument => "CAT", kind => "complaints", acceptance => "accepted" }, context! { label => "CAT art. 20", instrument => "CAT", kind => "inquiry", acceptance => "unknown" }],
            outstanding => vec![crate::portal::report_line("ICCPR", "CCPR", 6, "2020-01-01", "overdue", Some(400)),
                context! { ..context! { approximate => true, no_data => true, status => "unknown" }, ..crate::portal::report_line("ICERD", "CERD", 12, "2027-01-04", "due", None) },
                context! { ..context! { number_to => 13, due_set_in => "CERD/C/FRA/CO/<22-23>", loipr => "accepted" }, ..crate::portal::report_line("ICERD", "CERD", 12, "2027-01-04", "due", None) },
                context! { ..context! { included_in => "CRC" }, ..crate::portal::report_line("OP-CRC-AC", "CRC", 2, "", "in_other_report", None) }],
            visits => vec![context! { mandate_name => "SR on torture", status => "completed", requested => "2019", accepted => "2020-02-01", visit_start => "2021-05-03", visit_end => "2021-05-12", report_symbol => "A/HRC/49/50/Add.1" }],
            invitation => "2011", invitation_source => "OHCHR standing invitations <list>",
            mandates => vec![context! { code => "SR-TORTURE", name => "Special Rapporteur on torture" }],
            visit_statuses => vec!["requested", "completed"], comm_types => vec!["UA", "AL", "OL"], reply_statuses => vec!["none", "received", "partial"],
            communications => vec![context! { id => 1, mandate_code => "SR-TORTURE", reference => "AL FRA 3/2024", sent => "2024-03-01", reply => "", comm_type => "AL", joint => true, joint_mandates => vec!["SR-FOE", "WG-AD"], reply_status => "none", reply_due => "2024-04-30", deadline => "overdue", deadline_days => 45, link => "https://spcommreports.ohchr.org/x",
                    reply_clocks => vec![context! { intervention_id => 5, int_type => "urgent_appeal", sent => "2024-02-28", due => "2024-04-28", replied => "", state => "overdue", days => 30 },
                        context! { intervention_id => 6, int_type => "urgent_appeal", sent => "2024-02-28", due => "2024-04-28", replied => "2024-05-01", state => "replied", days => 3 },
                        context! { intervention_id => 7, int_type => "urgent_appeal", sent => "2024-02-28", due => "2024-04-28", replied => "", state => "running", days => 12 }] },
                context! { id => 2, mandate_code => "SR-TORTURE", reference => "UA FRA 1/2023", sent => "2023", reply => "2023-05", comm_type => "", joint => false, joint_mandates => Vec::<String>::new(), reply_status => "received", reply_due => "", deadline => "unknown", deadline_days => 0, link => "", reply_clocks => Vec::<Value>::new() }],
            clusters => vec![context! { id => 3, iso3 => "FRA", name => "Policing <b>", basis => "theme", basis_value => "Police", members => 4 }],
            cluster_bases => vec!["theme", "affected", "sdg", "manual"],
            total => 13,
            by_body => vec![row("UPR", "UPR", 10), row("CCPR", "CCPR", 3)],
            by_theme => vec![row("Women's rights", "Women's rights", 4)],
            by_status => vec![row("Not assessed", "none", 12), row("In progress", "in_progress", 1)],
            by_position => vec![row("Supported", "supported", 8), row("Pending (no response yet)", "pending", 1)],
            by_action => vec![row("Specific action (5)", "5", 6), row("No action category", "none", 4)],
            chart_body => svg.clone(), chart_theme => svg.clone(), chart_status => none(), chart_position => svg.clone(), chart_action => none(),
        },
        true,
        false,
    ));
    v.push((
        "obligations_country.html",
        context! {
            iso3 => "TUV", name => "Tuvalu", can_edit => false,
            portal_panel => context! { heading => "Public portal — country profile", since => (),
                record_type => "rec_assessments", id => "3", iso3 => "", back => "/obligations/recommendations/3\"<x>", note => "portal.becomes_public", can_publish => true }, ratifications => Vec::<Value>::new(), coe_facts => context! {}, procedures => Vec::<Value>::new(),
            outstanding => Vec::<Value>::new(), visits => Vec::<Value>::new(), invitation => none(), invitation_source => none(), mandates => Vec::<Value>::new(),
            visit_statuses => Vec::<String>::new(), comm_types => Vec::<String>::new(), reply_statuses => Vec::<String>::new(), communications => Vec::<Value>::new(), clusters => Vec::<Value>::new(),
            cluster_bases => Vec::<String>::new(), total => 0, by_body => Vec::<Value>::new(), by_theme => Vec::<Value>::new(),
            by_status => Vec::<Value>::new(), by_position => Vec::<Value>::new(), by_action => Vec::<Value>::new(), chart_body => none(), chart_theme => none(), chart_status => none(),
            chart_position => none(), chart_action => none(),
        },
        false,
        false,
    ));
    let kinds = vec!["ratification", "accession", "succession"];
    let statuses = vec!["party", "signatory", "none", "denounced"];
    v.push((
        "obligations_ratification.html",
        context! { iso3 => "FRA", name => "France", r => rat.clone(), error => "consent: 1980 is before the adoption", statuses => statuses.clone(), kinds => kinds.clone(),
            history => ["status", "signature", "consent", "consent_kind", "reservations_listed", "fact_source", "as_of"].iter().map(|f| context! {
                field => f, old_value => "", new_value => "<b>x</b>", origin => "refdata update untc.csv sha256:ab", changed_by => "cli:Amina <Diallo>", changed_at => "2026-12-01T10:00:00Z" }).collect::<Vec<_>>() },
        true,
        true,
    ));
    v.push((
        "obligations_ratification.html",
        context! { iso3 => "FRA", name => "France", r => context! { ..context! { complaints_declaration => false, inquiry_accepted => true }, ..rat }, error => none(), statuses => statuses, kinds => kinds, history => Vec::<Value>::new() },
        true,
        false,
    ));
    let rep = context! { ..context! { submitted => "", symbol => "CCPR/C/FRA/6", co_symbol => "", recorded => true }, ..crate::portal::report_line("ICCPR", "CCPR", 6, "2020-01-01", "overdue", Some(400)) };
    v.push((
        "obligations_deadlines.html",
        context! { iso3 => "FRA", name => "France", days => 365, due => vec![rep.clone(), context! { ..context! { overdue_days => none(), approximate => true }, ..rep.clone() }, context! { ..context! { overdue_days => none(), no_data => true, recorded => false }, ..rep.clone() }], recorded => vec![rep], instruments => vec!["ICCPR", "CAT"], can_edit => true,
            actions => vec![context! { rec_id => 7, body => "CCPR", description => "Draft <b>bold</b> bill", institution => "Ministry", target_date => "2020-01", overdue_days => 30 }, context! { rec_id => 8, body => "UPR", description => "Train police", institution => none(), target_date => "2030", overdue_days => none() }] },
        true,
        false,
    ));
    v.push((
        "obligations_deadlines.html",
        context! { iso3 => "FRA", name => "France", days => 30, due => Vec::<Value>::new(), recorded => Vec::<Value>::new(), instruments => Vec::<String>::new(), can_edit => false, actions => Vec::<Value>::new() },
        false,
        false,
    ));
    let item = context! {
        id => 7, body => "UPR", mechanism => "upr", country => "Afghanistan", from => "Austria", text => "Enact <b>bold</b> legislation",
        date => "2009-05", symbol => "", session => "5", position => "supported", status => "in_progress", themes => vec!["Women's rights"],
        action => "Specific action (5)",
    };
    let facet = context! { key => "theme", values => vec![context! { label => "Women's rights", count => 3, href => "/obligations/recommendations?theme=x", active => true }, context! { label => "Justice", count => 2, href => "/obligations/recommendations?theme=y", active => false }], clear => "/obligations/recommendations" };
    v.push((
        "obligations_recommendations.html",
        context! {
            total => 2, items => vec![item.clone(), context! { ..context! { from => none(), position => "partially_supported", action => none(), status => "", themes => Vec::<String>::new(), symbol => "CCPR/C/KEN/CO/4" }, ..item }],
            facets => vec![facet, context! { key => "body", values => vec![context! { label => "UPR", count => 2, href => "/x", active => false }], clear => none() }],
            q => "torture", country => "AFG", countries => vec![context! { iso3 => "AFG", name => "Afghanistan" }],
            page => 2, pages => 3, prev => "/obligations/recommendations?page=1", next => "/obligations/recommendations?page=3", filtered => true,
        },
        false,
        false,
    ));
    v.push((
        "obligations_recommendations.html",
        context! { total => 0, items => Vec::<Value>::new(), facets => Vec::<Value>::new(), q => "", country => "", countries => Vec::<Value>::new(), page => 1, pages => 0, prev => none(), next => none(), filtered => false },
        true,
        true,
    ));
    let rec = context! {
        id => 7, iso3 => "KEN", body => "CCPR", mechanism => "treaty_body", session => "132", upr_cycle => none(), document_symbol => "CCPR/C/KEN/CO/4",
        paragraph => "12", date => "2021-07-27", text => "Establish <b>bold</b> oversight", position => "", upr_action => none(),
        themes => vec!["Police"], affected => vec!["Detainees"], sdgs => vec!["16.3"], status => "in_progress",
    };
    v.push((
        "obligations_recommendation.html",
        context! {
            r => rec.clone(), action => none(), country => "Kenya", from => "Austria",
            history => vec![context! { assessed_on => "2022-01-10", status => "in_progress", narrative => "Bill drafted", evidence => "https://example.org/a", links => vec!["https://example.org/a"], by => "Amina <Diallo>", via_cluster => true }],
            assignments => vec![context! { institution => "Ministry of Interior", kind => "ministry", focal_point => "Legal adviser", via_cluster => "Policing" }],
            actions => vec![context! { id => 4, description => "Draft bill", institution => "Ministry", target_date => "2020-01-01", indicator => "Tabled", overdue_days => 30, done => false },
                context! { id => 5, description => "Train police", institution => none(), target_date => "", indicator => "", overdue_days => none(), done => true }],
            clusters => vec![context! { id => 3, name => "Policing", members => 4 }],
            notes => vec![context! { body => "Follow up", confidentiality => "internal", by => "doc", created_at => "2025-01-01T00:00:00Z" }],
            can_edit => true, staff => true, statuses => vec!["not_started", "implemented"], levels => vec!["public", "internal"],
            kinds => vec!["ministry", "nhri"], today => "2025-01-02",
        },
        true,
        false,
    ));
    v.push((
        "obligations_recommendation.html",
        context! {
            r => context! { ..context! { status => "", themes => Vec::<String>::new(), affected => Vec::<String>::new(), sdgs => Vec::<String>::new(), document_symbol => "", session => "", date => "", upr_cycle => 2, upr_action => 4, position => "pending" }, ..rec },
            action => context! { label => "General action (4)", definition => "Calls for new action expressed in general terms.", source_url => "https://upr-info.org/en/news/x", source_date => "2009-12-03" },
            country => "Kenya", from => none(), history => Vec::<Value>::new(), assignments => Vec::<Value>::new(), actions => Vec::<Value>::new(), clusters => Vec::<Value>::new(),
            notes => Vec::<Value>::new(), can_edit => false, staff => false, statuses => Vec::<String>::new(), levels => Vec::<String>::new(),
            kinds => Vec::<String>::new(), today => "2025-01-02",
        },
        false,
        false,
    ));
    let fu = context! {
        recommendation => context! { document_symbol => "CCPR/C/KEN/CO/4", paragraph => "12", body => "CCPR", text => "Establish <b>bold</b> oversight", status => "in_progress", position => "partially_supported" },
        action => "Specific action (5)",
        assignments => vec![context! { institution => "Ministry of Interior" }],
        actions => vec![context! { description => "Draft bill", target_date => "2020-01-01", overdue_days => 3 }],
        assessments => vec![context! { assessed_on => "2022-01-10", status => "in_progress", narrative => "Bill drafted" }],
    };
    v.push((
        "obligations_followup.html",
        context! {
            self_href => "/obligations/countries/KEN/follow-up?body=CCPR", iso3 => "KEN", name => "Kenya", body => "CCPR", since => "2021-07-27", generated => "2025-01-02", bodies => vec!["CCPR", "UPR"],
            items => vec![fu, context! { recommendation => context! { document_symbol => "", paragraph => "", body => "CCPR", text => "x", status => "", position => "" }, action => none(), assignments => Vec::<Value>::new(), actions => Vec::<Value>::new(), assessments => Vec::<Value>::new() }],
        },
        true,
        false,
    ));
    v.push((
        "obligations_followup.html",
        context! { self_href => "/obligations/countries/KEN/follow-up?body=CAT", iso3 => "KEN", name => "Kenya", body => "CAT", since => "1900-01-01", generated => "2025-01-02", bodies => Vec::<String>::new(), items => Vec::<Value>::new() },
        false,
        false,
    ));
    v.push((
        "obligations_mandates.html",
        context! {
            mandates => vec![
                context! { id => 1, code => "SR-TORTURE", name => "Special Rapporteur on torture <b>", kind => "thematic", iso3 => none(), country => none(), established => "1985", resolution => "CHR res. 1985/33", source => "shipped", source_url => "https://www.ohchr.org/x?a=\"<b>", as_of => "2026-12-07",
                    holders => vec![context! { name => "Alice Jill Edwards", start_date => "2022-08", end_date => "" }] },
                context! { id => 2, code => "SR-MMR", name => "Special Rapporteur on Myanmar", kind => "country", iso3 => "MMR", country => "Myanmar", established => "1992", resolution => "", source => "office", source_url => "", as_of => "", holders => Vec::<Value>::new() },
            ],
            countries => vec![context! { code => "MMR", name => "Myanmar" }],
            can_edit => true,
        },
        true,
        false,
    ));
    v.push((
        "obligations_mandates.html",
        context! { mandates => Vec::<Value>::new(), countries => Vec::<Value>::new(), can_edit => false },
        false,
        false,
    ));
    v
}

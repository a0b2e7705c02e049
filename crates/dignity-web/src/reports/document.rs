//! A report as a `dignity_report::Document` in the reader's language: the country or
//! thematic report, and the follow-up report of one mechanism for a State.

use super::*;

// ---------------------------------------------------------------- document --

pub(super) fn t(lang: Lang, key: &str) -> String {
    i18n::t(lang, key)
}

pub(super) fn ta(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    i18n::t_args(lang, key, args)
}

pub(super) fn status_label(lang: Lang, s: &str) -> String {
    t(
        lang,
        &format!("obl.status.{}", if s.is_empty() { "none" } else { s }),
    )
}

/// The report as a document (the same for the page and the PDF).
pub fn country_document(r: &CountryReport, lang: Lang) -> Document {
    let l = lang;
    let lens = r
        .scope
        .lens
        .as_deref()
        .map(|x| t(l, &format!("vio.lens.{x}")));
    let year = r.scope.year.map(|y| y.to_string());
    let title = match (&lens, &year) {
        (Some(lens), Some(y)) => ta(
            l,
            "rep.report.title_thematic_year",
            &[("theme", lens), ("country", &r.country_name), ("year", y)],
        ),
        (Some(lens), None) => ta(
            l,
            "rep.report.title_thematic",
            &[("theme", lens), ("country", &r.country_name)],
        ),
        (None, Some(y)) => ta(
            l,
            "rep.report.title_country_year",
            &[("country", &r.country_name), ("year", y)],
        ),
        (None, None) => ta(
            l,
            "rep.report.title_country",
            &[("country", &r.country_name)],
        ),
    };
    let mut d = Document::new(title, l.code());
    d.subtitle = format!(
        "{} · {}",
        ta(l, "rep.report.generated", &[("date", &r.generated)]),
        t(
            l,
            if r.names_shown {
                "rep.report.names_shown"
            } else {
                "rep.report.pseudonymised"
            }
        )
    );
    d.footer = t(l, "rep.report.footer");

    // 1. Documented cases.
    d.heading(1, t(l, "rep.report.cases"));
    let total = r.counts.total.to_string();
    d.paragraph(ta(l, "rep.report.cases_total", &[("count", &total)]));
    if r.counts.total > 0 {
        let count_table = |caption: String, head: String, rows: &[reports::Count]| Table {
            caption,
            header: vec![head, t(l, "rep.dash.acts")],
            rows: rows
                .iter()
                .map(|c| vec![c.label.clone(), c.count.to_string()])
                .collect(),
            widths: vec![4.0, 1.0],
        };
        d.table(count_table(
            t(l, "rep.dash.by_act_type"),
            t(l, "search.facet.act_type"),
            &r.counts.by_act_type,
        ));
        d.table(count_table(
            t(l, "rep.dash.by_year"),
            t(l, "search.facet.year"),
            &r.counts.by_year,
        ));
        if !r.counts.by_perpetrator_type.is_empty() {
            d.table(count_table(
                t(l, "rep.dash.by_perpetrator_type"),
                t(l, "search.facet.perpetrator_type"),
                &r.counts.by_perpetrator_type,
            ));
        }
        let shown = r.cases.len().to_string();
        d.table(Table {
            caption: ta(
                l,
                "rep.report.case_table",
                &[("shown", &shown), ("total", &total)],
            ),
            header: vec![
                t(l, "rep.report.date"),
                t(l, "search.facet.act_type"),
                t(l, "rep.report.victim"),
                t(l, "search.facet.victim_sex"),
                t(l, "search.facet.victim_age_group"),
                t(l, "rep.report.area"),
            ],
            rows: r
                .cases
                .iter()
                .map(|c| {
                    vec![
                        c.date.clone(),
                        c.act_type_label.clone(),
                        c.victim.clone(),
                        c.victim_sex.clone(),
                        if c.victim_age_group.is_empty() {
                            String::new()
                        } else {
                            t(l, &format!("vio.age.{}", c.victim_age_group))
                        },
                        c.admin_area.clone(),
                    ]
                })
                .collect(),
            widths: vec![1.3, 3.0, 1.6, 1.2, 1.2, 1.6],
        });
    }

    // 2. Interventions and replies.
    d.heading(1, t(l, "rep.report.interventions"));
    if r.interventions.is_empty() {
        d.paragraph(t(l, "rep.report.no_interventions"));
    } else {
        d.table(Table {
            caption: t(l, "rep.report.interventions"),
            header: vec![
                t(l, "rep.report.date"),
                t(l, "rep.report.int_type"),
                t(l, "rep.report.addressees"),
                t(l, "rep.report.int_status"),
                t(l, "rep.report.reply"),
            ],
            rows: r
                .interventions
                .iter()
                .map(|i| {
                    let reply = if !i.response_date.is_empty() || !i.response_type.is_empty() {
                        format!("{} {}", i.response_type, i.response_date)
                            .trim()
                            .to_string()
                    } else if i.reply_overdue {
                        t(l, "rep.report.reply_overdue")
                    } else {
                        t(l, "rep.report.no_reply")
                    };
                    vec![
                        i.date.clone(),
                        i.int_type.clone(),
                        i.addressees.clone(),
                        i.status.clone(),
                        reply,
                    ]
                })
                .collect(),
            widths: vec![1.2, 1.8, 2.5, 1.4, 2.0],
        });
    }

    // 3. Recommendations.
    d.heading(1, t(l, "rep.report.recommendations"));
    let rt = r.recommendations_total.to_string();
    d.paragraph(ta(l, "rep.report.recommendations_total", &[("count", &rt)]));
    if !r.recommendation_status_counts.is_empty() {
        d.table(Table {
            caption: t(l, "rep.report.status_counts"),
            header: vec![t(l, "obl.facet.status"), t(l, "rep.report.recommendations")],
            rows: r
                .recommendation_status_counts
                .iter()
                .map(|c| vec![status_label(l, &c.key), c.count.to_string()])
                .collect(),
            widths: vec![3.0, 1.0],
        });
    }
    if !r.recommendations.is_empty() {
        let shown = r.recommendations.len().to_string();
        d.table(Table {
            caption: ta(
                l,
                "rep.report.rec_table",
                &[("shown", &shown), ("total", &rt)],
            ),
            header: vec![
                t(l, "rep.report.symbol"),
                t(l, "rep.report.recommendation"),
                t(l, "obl.facet.status"),
            ],
            rows: r
                .recommendations
                .iter()
                .map(|x| {
                    let sym = if x.document_symbol.is_empty() {
                        x.body.clone()
                    } else if x.paragraph.is_empty() {
                        x.document_symbol.clone()
                    } else {
                        format!("{} ¶ {}", x.document_symbol, x.paragraph)
                    };
                    vec![sym, x.text.clone(), status_label(l, &x.status)]
                })
                .collect(),
            widths: vec![1.6, 5.0, 1.4],
        });
    }

    // 4. Ratification gaps.
    d.heading(1, t(l, "rep.report.gaps"));
    let g = &r.gaps;
    if g.not_ratified.is_empty() && g.no_information.is_empty() {
        d.paragraph(t(l, "rep.report.all_ratified"));
    }
    if !g.no_information.is_empty() {
        let list: Vec<&str> = g.no_information.iter().map(|(c, _)| c.as_str()).collect();
        d.paragraph(ta(
            l,
            "rep.report.no_information",
            &[("list", &list.join(", "))],
        ));
    }
    if !g.not_ratified.is_empty() {
        d.table(Table {
            caption: t(l, "rep.report.not_ratified"),
            header: vec![t(l, "rep.report.instrument"), t(l, "rep.report.rat_status")],
            rows: g
                .not_ratified
                .iter()
                .map(|(code, name, st)| {
                    vec![format!("{code} — {name}"), t(l, &format!("rep.rat.{st}"))]
                })
                .collect(),
            widths: vec![5.0, 1.5],
        });
    }
    if !g.procedures_not_accepted.is_empty() {
        d.table(Table {
            caption: t(l, "rep.report.procedures"),
            header: vec![
                t(l, "rep.report.procedure"),
                t(l, "rep.report.procedure_kind"),
            ],
            rows: g
                .procedures_not_accepted
                .iter()
                .map(|(label, kind)| vec![label.clone(), t(l, &format!("rep.proc.{kind}"))])
                .collect(),
            widths: vec![4.0, 1.5],
        });
    }
    if !g.no_reporting_data.is_empty() {
        d.paragraph(ta(
            l,
            "rep.report.no_reporting_data",
            &[("list", &g.no_reporting_data.join(", "))],
        ));
    }
    if g.overdue_reports.is_empty() && g.no_reporting_data.is_empty() {
        d.paragraph(t(l, "rep.report.no_overdue"));
    }
    if !g.reporting.is_empty() {
        d.table(Table {
            caption: t(l, "obl.report.caption"),
            header: vec![
                t(l, "rep.report.body"),
                t(l, "rep.report.report_number"),
                t(l, "rep.report.due"),
                t(l, "obl.field.status"),
            ],
            rows: g.reporting.iter().map(|r| reporting_row(l, r)).collect(),
            widths: vec![1.5, 1.0, 1.5, 2.0],
        });
    }
    d
}

/// One reporting fact as the country pages show it (`obligations_reporting.html`).
fn reporting_row(l: Lang, r: &dignity_store::obligations::reports::Report) -> Vec<String> {
    let report = if r.number_to > r.number {
        ta(
            l,
            "obl.report.combined",
            &[
                ("first", &r.number.to_string()),
                ("last", &r.number_to.to_string()),
            ],
        )
    } else {
        ta(l, "obl.report.one", &[("number", &r.number.to_string())])
    };
    let mut due = if r.due_date.is_empty() {
        "—".to_string()
    } else {
        r.due_date.clone()
    };
    if !r.due_set_in.is_empty() {
        due = format!(
            "{due} ({})",
            ta(l, "obl.report.due_set_in", &[("symbol", &r.due_set_in)])
        );
    } else if r.no_data {
        due = format!("{due} {}", t(l, "obl.estimated"));
    } else if r.approximate {
        due = format!("{due} {}", t(l, "obl.approximate"));
    }
    let status = match (r.no_data, r.status.as_str(), r.overdue_days) {
        (true, _, _) => t(l, "obl.no_reporting_data"),
        (_, "overdue", Some(days)) => ta(l, "obl.overdue_by", &[("days", &days.to_string())]),
        (_, "in_other_report", _) => format!(
            "{} ({})",
            t(l, "obl.rstatus.in_other_report"),
            ta(
                l,
                "obl.report.included_in",
                &[("instrument", &r.included_in)]
            )
        ),
        (_, s, _) => t(l, &format!("obl.rstatus.{s}")),
    };
    vec![
        format!("{} ({})", r.body, r.instrument),
        report,
        due,
        status,
    ]
}

/// Build a report for any reader and log it (`report.generate`); the public portal can
/// call this with the public actor.
pub async fn generate(
    store: &Store,
    actor: &Actor,
    lang: Lang,
    scope: &ReportScope,
    format: &str,
) -> Result<(CountryReport, Document), StoreError> {
    let r = reports::country_report(store, actor, scope, lang.code()).await?;
    let doc = country_document(&r, lang);
    store
        .log_event(
            actor,
            "report.generate",
            "report",
            &r.scope.country,
            serde_json::json!({
                "kind": if r.scope.lens.is_some() || r.scope.act_type.is_some() { "thematic" } else { "country" },
                "format": format,
                "lens": r.scope.lens,
                "act_type": r.scope.act_type,
                "year": r.scope.year,
                "names_requested": scope.include_names,
                "names_shown": r.names_shown,
                "cases": r.cases.len(),
            }),
        )
        .await?;
    Ok((r, doc))
}

/// The follow-up report of one mechanism for a State as a document (issue 3, item 5).
pub fn follow_up_document(
    lang: Lang,
    name: &str,
    body: &str,
    since: &str,
    items: &[tracking::FollowUpItem],
) -> Document {
    let l = lang;
    let mut d = Document::new(
        ta(l, "obl.followup.title", &[("body", body), ("name", name)]),
        l.code(),
    );
    let today = ob::today().to_string();
    d.subtitle = ta(
        l,
        "obl.followup.intro",
        &[("since", since), ("date", &today)],
    );
    d.footer = t(l, "rep.report.footer");
    if items.is_empty() {
        d.paragraph(t(l, "obl.followup.none"));
    }
    for (n, it) in items.iter().enumerate() {
        let r = &it.recommendation;
        let head = if r.document_symbol.is_empty() {
            r.body.clone()
        } else if r.paragraph.is_empty() {
            r.document_symbol.clone()
        } else {
            format!("{} ¶ {}", r.document_symbol, r.paragraph)
        };
        d.heading(2, format!("{}. {head}", n + 1));
        d.paragraph(r.text.clone());
        d.paragraph(format!(
            "{}: {}",
            t(l, "obl.facet.status"),
            status_label(l, &r.status)
        ));
        if !r.position.is_empty() {
            let key = format!("obl.position.{}", r.position);
            d.paragraph(format!("{}: {}", t(l, "obl.facet.position"), t(l, &key)));
        }
        if let Some(c) = r
            .upr_action
            .and_then(dignity_core::refdata::action_category)
        {
            d.paragraph(format!(
                "{}: {}",
                t(l, "obl.field.upr_action"),
                c.shown(l.code())
            ));
        }
        if !it.assignments.is_empty() {
            let who: Vec<String> = it
                .assignments
                .iter()
                .map(|a| a.institution.clone())
                .collect();
            d.paragraph(format!(
                "{}: {}",
                t(l, "obl.followup.responsible"),
                who.join(", ")
            ));
        }
        for a in &it.actions {
            let mut line = format!("• {}", a.description);
            if !a.target_date.is_empty() {
                line.push_str(&format!(" — {}", a.target_date));
            }
            if let Some(days) = a.overdue_days {
                line.push_str(&format!(
                    " ({})",
                    ta(l, "obl.overdue_by", &[("days", &days.to_string())])
                ));
            }
            d.paragraph(line);
        }
        if it.assessments.is_empty() {
            d.paragraph(t(l, "obl.followup.nothing"));
        } else {
            d.table(Table {
                caption: String::new(),
                header: vec![
                    t(l, "rep.report.date"),
                    t(l, "obl.facet.status"),
                    t(l, "rep.report.narrative"),
                ],
                rows: it
                    .assessments
                    .iter()
                    .map(|a| {
                        vec![
                            a.assessed_on.clone(),
                            status_label(l, &a.status),
                            a.narrative.clone(),
                        ]
                    })
                    .collect(),
                widths: vec![1.2, 1.6, 5.0],
            });
        }
    }
    d
}

//! States' obligations: the clocks (entry into force, report schedules, overdue days, the
//! reply clock of a communication) are monotone in their inputs and never negative, and
//! the parsers of the area accept or refuse any text naming the field.

use crate::{config, day, day_text, names, partial_date, recent_day, text};
use chrono::{Datelike, NaiveDate};
use dignity_core::obligations::*;
use dignity_core::Confidentiality;
use proptest::prelude::*;

const INSTRUMENTS: &[&str] = &[
    "ICESCR",
    "ICCPR",
    "ICCPR-OP1",
    "ICCPR-OP2",
    "OP-ICESCR",
    "ICMW",
    "ICERD",
    "CEDAW",
    "CAT",
    "CRC",
    "CRPD",
    "CPED",
    "OP-CAT",
];

fn instrument() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(INSTRUMENTS)
}

/// Days overdue as a number (none = 0).
fn overdue(due: NaiveDate, today: NaiveDate) -> i64 {
    overdue_days(due, None, today).unwrap_or(0)
}

proptest! {
    #![proptest_config(config(256))]

    /// A treaty enters into force for a State after its consent, 30 days to 4 months
    /// later, and a later consent never gives an earlier entry into force.
    #[test]
    fn entry_into_force_is_monotone_and_bounded(i in instrument(), a in recent_day(), b in recent_day()) {
        let (a, b) = (a.min(b), a.max(b));
        let (ea, eb) = (state_entry_into_force(i, a), state_entry_into_force(i, b));
        prop_assert!(ea <= eb, "{}: {} -> {}, {} -> {}", i, a, ea, b, eb);
        let days = (ea - a).num_days();
        prop_assert!((30..=124).contains(&days), "{}: {} -> {} ({} days)", i, a, ea, days);
    }

    /// Adding years moves a day to the same month of that later year, never backwards.
    #[test]
    fn adding_years_is_monotone(a in recent_day(), b in recent_day(), y in 0u32..50) {
        let (a, b) = (a.min(b), a.max(b));
        prop_assert!(add_years(a, y) <= add_years(b, y));
        prop_assert!(add_years(a, y) >= a);
        prop_assert_eq!(add_years(a, y).year(), a.year() + y as i32);
        prop_assert_eq!(add_years(a, y).month(), a.month());
    }

    /// A schedule numbers its reports 1, 2, 3… with due dates strictly increasing: the
    /// initial report `initial_years` after entry into force, then one every
    /// `periodic_years`, all up to `until` (the initial report always) and none missing
    /// before it; without periodic reporting only the initial report.
    #[test]
    fn schedules_are_numbered_increasing_and_complete(
        eif in recent_day(), until in recent_day(), initial in 0u8..5, periodic in proptest::option::of(0u8..10),
    ) {
        let s = report_schedule(eif, initial, periodic, until);
        prop_assert!(!s.is_empty() && s.len() <= 200);
        prop_assert_eq!(s[0].due, add_years(eif, initial as u32));
        for (k, r) in s.iter().enumerate() {
            prop_assert_eq!(r.number as usize, k + 1);
            if k > 0 {
                prop_assert!(r.due <= until);
                prop_assert!(r.due > s[k - 1].due);
            }
        }
        match periodic.filter(|p| *p > 0) {
            None => prop_assert_eq!(s.len(), 1),
            Some(p) if s.len() < 200 => prop_assert!(add_years(s.last().unwrap().due, p as u32) > until),
            Some(_) => {}
        }
    }

    /// Re-basing on a submitted report never brings a due date earlier, leaves the reports
    /// up to it as they were, and keeps the due dates increasing.
    #[test]
    fn rebasing_never_brings_a_report_forward(
        eif in recent_day(), initial in 1u8..3, p in 1u8..6, last in 0u32..8, submitted in recent_day(),
    ) {
        let until = add_years(eif, 40);
        let before = report_schedule(eif, initial, Some(p), until);
        let mut after = before.clone();
        rebase_schedule(&mut after, last, submitted, Some(p));
        for (b, a) in before.iter().zip(&after) {
            prop_assert_eq!(a.number, b.number);
            prop_assert!(a.due >= b.due);
            if a.number <= last {
                prop_assert_eq!(a.due, b.due);
            }
        }
        for w in after.windows(2) {
            prop_assert!(w[0].due < w[1].due, "{:?}", w);
        }
        let mut unchanged = before.clone();
        rebase_schedule(&mut unchanged, last, submitted, None);
        prop_assert_eq!(unchanged, before);
    }

    /// A report is overdue by the days since its due date, only once that day passed and
    /// while it is not submitted; the days grow with the day it is, one a day.
    #[test]
    fn overdue_days_are_positive_and_grow_with_today(due in day(), t1 in day(), t2 in day(), sub in day()) {
        let (t1, t2) = (t1.min(t2), t1.max(t2));
        prop_assert!(overdue(due, t1) <= overdue(due, t2));
        match overdue_days(due, None, t1) {
            Some(n) => prop_assert!(n > 0 && t1 - due == chrono::Duration::days(n)),
            None => prop_assert!(t1 <= due),
        }
        prop_assert_eq!(overdue_days(due, Some(sub), t1), None);
        prop_assert_eq!(known_overdue_days(false, due, None, t1), None);
        prop_assert_eq!(known_overdue_days(true, due, None, t1), overdue_days(due, None, t1));
        if let Some(n) = overdue_days(due, None, t2) {
            let next = t2.succ_opt().unwrap_or(t2);
            prop_assert_eq!(overdue(due, next), n + (next - t2).num_days());
        }
    }

    /// The reply clock of a communication runs 60 days: replied (late by the days after
    /// the due date, never negative), overdue (at least one day) or running (days left,
    /// never negative), and each state says how far the due date is.
    #[test]
    fn reply_clocks_are_never_negative(
        sent in recent_day(), today in recent_day(), replied in proptest::option::of(recent_day()),
    ) {
        let due = reply_due(sent);
        prop_assert_eq!((due - sent).num_days(), SP_REPLY_DAYS);
        match reply_clock(due, replied, today) {
            ReplyClock::Replied { on, late_days } => {
                prop_assert_eq!(Some(on), replied);
                prop_assert_eq!(late_days, (on - due).num_days().max(0));
            }
            ReplyClock::Overdue { days } => {
                prop_assert!(replied.is_none() && days > 0);
                prop_assert_eq!(today - due, chrono::Duration::days(days));
            }
            ReplyClock::Running { days_left } => {
                prop_assert!(replied.is_none() && days_left >= 0);
                prop_assert_eq!(due - today, chrono::Duration::days(days_left));
            }
        }
    }

    /// The next report due is the first after the last submitted; the estimated one the
    /// first not before today.
    #[test]
    fn the_next_report_follows_the_last(eif in recent_day(), today in recent_day(), last in 0u32..12) {
        let s = report_schedule(eif, 1, Some(4), add_years(eif, 40));
        let next = next_due(&s, last);
        prop_assert_eq!(next.map(|r| r.number), s.iter().map(|r| r.number).find(|n| *n > last));
        if let Some(r) = estimated_next_due(&s, today) {
            prop_assert!(r.due >= today);
            prop_assert!(s.iter().filter(|x| x.number < r.number).all(|x| x.due < today));
        }
    }

    /// UPR cycles: sessions 1–12 are cycle 1, then 14 sessions a cycle; the cycle never
    /// goes down as sessions go up.
    #[test]
    fn upr_cycles_are_monotone(s in 1u32..10_000) {
        let c = upr_cycle(s);
        prop_assert!(upr_cycle(s + 1) == c || upr_cycle(s + 1) == c + 1);
        prop_assert_eq!(c, 1 + (s + 1) / 14);
        if let Some(m) = upr_session_month(s) {
            prop_assert!(upr_session_month(s + 1).is_none_or(|n| n.earliest() > m.earliest()));
        }
    }

    /// A submission is refused exactly when the State was not a party or submitted before
    /// the earliest day of its consent.
    #[test]
    fn a_submission_is_refused_only_before_consent((consent, _) in partial_date(), submitted in day(), party: bool) {
        let r = check_submission("FRA", "ICCPR", party, &consent, submitted);
        let before = consent.earliest().is_some_and(|c| submitted < c);
        prop_assert_eq!(r.is_ok(), party && !before);
        if let Err(e) = r {
            prop_assert_eq!(e.field, "submitted");
        }
    }

    /// Report numbers are 1 to 100 and dates full days; any text either parses or is
    /// refused naming its field.
    #[test]
    fn reports_parse_or_name_the_field(n in -5i64..110, due in day_text(), sub in day_text()) {
        match parse_report(n, &due, &sub) {
            Ok(r) => {
                prop_assert!((1..=MAX_REPORT_NUMBER).contains(&n) && r.number as i64 == n);
                let want = Some(due.trim()).filter(|d| !d.is_empty());
                let want = want.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap());
                prop_assert_eq!(r.due_date, want);
            }
            Err(e) => prop_assert!(["number", "due_date", "submitted"].contains(&&*e.field), "{}", e),
        }
    }

    /// Any text in the fields of an assessment either parses (to a day not after today) or
    /// is refused naming the field; a level parses to itself.
    #[test]
    fn assessments_parse_or_name_the_field(
        status in prop_oneof![
            text(),
            proptest::sample::select(ImplementationStatus::ALL.to_vec()).prop_map(|s| s.as_str().to_string()),
        ],
        on in day_text(), level in proptest::option::of(text()), today in recent_day(),
    ) {
        match parse_assessment(&status, &on, level.as_deref(), today) {
            Ok(a) => {
                prop_assert!(a.assessed_on <= today);
                prop_assert_eq!(ImplementationStatus::parse(a.status.as_str()), Some(a.status));
                if level.is_none() {
                    prop_assert_eq!(a.level, Confidentiality::Internal);
                }
            }
            Err(e) => prop_assert!(["status", "assessed_on", "confidentiality"].contains(&&*e.field), "{}", e),
        }
        for s in ImplementationStatus::ALL {
            prop_assert_eq!(ImplementationStatus::parse(&s.as_str().replace('_', " ").to_uppercase()), Some(s));
        }
    }

    /// A ratification is accepted only with a known status, dates not before the
    /// instrument's adoption, a consent not before the signature, and a consent date for a
    /// party; anything else is refused naming the field.
    #[test]
    fn ratifications_keep_their_dates_in_order(
        status in prop_oneof![text(), "party|signatory|none|denounced"],
        (sig, sig_text) in partial_date(), (con, con_text) in partial_date(),
        kind in prop_oneof![text(), "(ratification|accession|succession|Accession )"],
        adopted in recent_day(), noise in text(), which in 0..3u8,
    ) {
        let (sig_text, con_text) = match which {
            0 => (noise.clone(), con_text),
            1 => (sig_text, noise.clone()),
            _ => (sig_text, con_text),
        };
        let raw = RatificationRaw { status: &status, signature: &sig_text, consent: &con_text, consent_kind: &kind };
        match parse_ratification(&raw, adopted) {
            Ok(f) => {
                prop_assert_eq!(f.status.code(), status.trim());
                for d in [&f.signature, &f.consent] {
                    prop_assert!(d.latest().is_none_or(|l| l >= adopted));
                }
                if let (Some(s), Some(c)) = (f.signature.earliest(), f.consent.latest()) {
                    prop_assert!(c >= s);
                }
                if matches!(status.trim(), "party" | "denounced") {
                    prop_assert_ne!(f.consent, dignity_core::PartialDate::UNKNOWN);
                }
                if which == 2 {
                    prop_assert_eq!((f.signature, f.consent), (sig, con));
                }
                let want = Some(kind.trim().to_ascii_lowercase()).filter(|k| !k.is_empty());
                prop_assert_eq!(f.consent_kind.map(|k| k.code().to_string()), want);
            }
            Err(e) => names(Err::<(), _>(e), &["status", "signature", "consent", "consent_kind"])?,
        }
    }

    /// A country visit ends no earlier than it starts; a communication has a reference;
    /// each refusal names its field.
    #[test]
    fn visits_and_communications_parse_or_name_the_field(
        status in prop_oneof![text(), "requested|accepted|completed|declined|postponed"],
        (_, a) in partial_date(), (_, b) in partial_date(), noise in text(), reference in text(),
    ) {
        match parse_visit(&status, &noise, &a, &a, &b) {
            Ok(v) => {
                prop_assert_eq!(v.status.code(), status.as_str());
                if let (Some(s), Some(e)) = (v.start.earliest(), v.end.latest()) {
                    prop_assert!(e >= s);
                }
            }
            Err(e) => names(Err::<(), _>(e), &["status", "requested", "accepted", "visit_start", "visit_end"])?,
        }
        match parse_communication(&a, &noise, &reference) {
            Ok(_) => prop_assert!(!reference.trim().is_empty()),
            Err(e) => names(Err::<(), _>(e), &["sent", "reply", "reference"])?,
        }
        match parse_intervention_id(&noise) {
            Ok(None) => prop_assert!(noise.trim().is_empty()),
            Ok(Some(n)) => prop_assert_eq!(n.to_string().parse::<i64>(), noise.trim().parse::<i64>()),
            Err(e) => prop_assert_eq!(&e.field, "intervention_id"),
        }
    }

    /// The other inputs of the area never panic and name their field when refused.
    #[test]
    fn recommendation_inputs_parse_or_name_the_field(a in text(), b in text(), c in text()) {
        names(parse_body(&a), &["body"])?;
        names(parse_rec_date(&a), &["date"])?;
        names(parse_position(Some(&a)), &["position"])?;
        names(CountFacet::parse(&a), &["what"])?;
        names(parse_cluster(&a, &b, &c), &["name", "basis", "basis_value"])?;
        names(parse_institution(&a, &b), &["institution", "kind"])?;
        names(parse_action(&a, &b), &["description", "target_date"])?;
        names(full_date("due_date", &a), &["due_date"])?;
        if let Ok((m, code)) = parse_body(&a) {
            prop_assert_eq!(body_mechanism(&code).map(|x| x.0), Some(m));
        }
    }

    /// Country names: normalising never panics on any text and gives lower-case words
    /// separated by single spaces; case and punctuation do not matter.
    #[test]
    fn country_names_normalise_to_words(s in text(), ascii in "[a-zA-Z ,.()'-]{0,30}") {
        let n = normalize_name(&s);
        prop_assert!(!n.starts_with(' ') && !n.ends_with(' ') && !n.contains("  "));
        prop_assert!(n.chars().all(|c| c == ' ' || c.is_alphanumeric()));
        let _ = is_unknown_marker(&s);
        let plain = ascii.to_lowercase().replace([',', '.', '(', ')', '\'', '-'], " ");
        prop_assert_eq!(normalize_name(&ascii.to_uppercase()), normalize_name(&ascii));
        prop_assert_eq!(normalize_name(&plain), normalize_name(&ascii));
    }

    /// Decoding entities never panics and leaves a text without `&` as it is.
    #[test]
    fn entities_decode_any_text(s in prop_oneof![text(), "([a-z ]{0,3}&(#x?[0-9a-fA-F]{0,7}|amp|lt|quot)?;?){0,4}"]) {
        let d = decode_entities(&s);
        if !s.contains('&') {
            prop_assert_eq!(d, s.clone());
        } else {
            prop_assert!(d.chars().count() <= s.chars().count());
        }
    }
}

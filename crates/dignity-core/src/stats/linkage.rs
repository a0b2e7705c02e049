//! Record linkage inputs: the scope of a run and its thresholds, a reviewer's decision on a
//! pair, the stratum of capture histories — and the refusals the review can meet (records
//! already consolidated, replaced, or linked to two cases).

use crate::invalid::Invalid;
use serde::{Deserialize, Serialize};

/// Which records a linkage run compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The missing persons' source records (each list's records).
    Sources,
    /// The violations persons.
    Persons,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Sources, Scope::Persons];
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Sources => "sources",
            Scope::Persons => "persons",
        }
    }
    /// `sources` or `persons` (field `scope`).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| Invalid::not_one_of("scope", s, Self::ALL.map(Self::as_str)))
    }
}

/// The most pairs one run may store.
pub const MAX_PAIRS: usize = 200_000;

/// A run's settings, parsed: pairs under `min_probability` are not stored, at most
/// `max_pairs` are (the most probable first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunInput {
    pub scope: Scope,
    /// A probability, from 0 to 1.
    pub min_probability: f64,
    /// From 1 to [`MAX_PAIRS`].
    pub max_pairs: usize,
}

impl RunInput {
    /// Check a run's settings: the scope, a probability from 0 to 1 and a number of pairs
    /// from 1 to [`MAX_PAIRS`], each refusal naming its field.
    pub fn parse(scope: &str, min_probability: f64, max_pairs: usize) -> Result<Self, Invalid> {
        let scope = Scope::parse(scope)?;
        if !(0.0..=1.0).contains(&min_probability) {
            return Err(Invalid::rule(
                "min_probability",
                "stats.rule.probability",
                "give a probability between 0 and 1",
            ));
        }
        if max_pairs == 0 || max_pairs > MAX_PAIRS {
            return Err(Invalid::rule(
                "max_pairs",
                "stats.rule.max_pairs",
                "give a number of pairs between 1 and {max}",
            )
            .arg("max", MAX_PAIRS));
        }
        Ok(RunInput {
            scope,
            min_probability,
            max_pairs,
        })
    }
}

/// A run needs two records at least.
pub fn too_few_records() -> Invalid {
    Invalid::rule(
        "scope",
        "stats.rule.too_few_records",
        "fewer than two records to link",
    )
}

/// The linkage model could not be trained on the scope's records (`reason` from the model).
pub fn not_linkable(reason: impl ToString) -> Invalid {
    Invalid::rule(
        "scope",
        "stats.rule.not_linkable",
        "the records cannot be linked: {reason}",
    )
    .arg("reason", reason)
}

/// A reviewer's decision on a candidate pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The two records are one person: consolidate them.
    Accept,
    /// Two different persons.
    Reject,
    /// Not sure yet: keep the pair aside.
    Unsure,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Accept, Decision::Reject, Decision::Unsure];
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Reject => "reject",
            Decision::Unsure => "unsure",
        }
    }
    /// `accept`, `reject` or `unsure` (field `decision`).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| Invalid::not_one_of("decision", s, Self::ALL.map(Self::as_str)))
    }
    /// The pair's status once decided.
    pub fn status(self) -> &'static str {
        match self {
            Decision::Accept => "accepted",
            Decision::Reject => "rejected",
            Decision::Unsure => "unsure",
        }
    }
}

/// How capture histories are split into strata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stratum {
    /// The case's region.
    Region,
    /// The case's period.
    Period,
    /// Sex, as the records give it.
    Sex,
}

impl Stratum {
    pub const ALL: [Stratum; 3] = [Stratum::Region, Stratum::Period, Stratum::Sex];
    pub fn as_str(self) -> &'static str {
        match self {
            Stratum::Region => "region",
            Stratum::Period => "period",
            Stratum::Sex => "sex",
        }
    }
    /// `region`, `period` or `sex` (field `stratum`); empty is no stratum.
    pub fn parse(raw: &str) -> Result<Option<Self>, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Ok(None);
        }
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .map(Some)
            .ok_or_else(|| Invalid::not_one_of("stratum", s, Self::ALL.map(Self::as_str)))
    }
    /// The table's stratum column would share its name with a list (or the count column).
    pub fn check_lists<'a>(self, lists: impl IntoIterator<Item = &'a str>) -> Result<(), Invalid> {
        let name = self.as_str();
        if lists.into_iter().any(|l| l == name || l == "count") {
            return Err(Invalid::rule(
                "stratum",
                "stats.rule.list_named_like_column",
                "a list has the name of a column of the table: rename the source",
            ));
        }
        Ok(())
    }
}

/// Refusals of the review, met against the records as they are now.
pub mod refusal {
    use super::Invalid;

    /// Accepting a pair of persons that are already one.
    pub fn already_consolidated() -> Invalid {
        Invalid::rule(
            "pair",
            "stats.rule.already_consolidated",
            "these two persons are already consolidated into one",
        )
    }
    /// A record of the pair is no longer the current one.
    pub fn replaced() -> Invalid {
        Invalid::rule(
            "pair",
            "stats.rule.replaced",
            "a newer import replaced one of these records: run linkage again",
        )
    }
    /// Both records are already linked to the same case.
    pub fn same_case() -> Invalid {
        Invalid::rule(
            "pair",
            "stats.rule.same_case",
            "these two records are already linked to the same case",
        )
    }
    /// The records are linked to two different cases.
    pub fn two_cases(a: i64, b: i64) -> Invalid {
        Invalid::rule(
            "pair",
            "stats.rule.two_cases",
            "the records are linked to two cases (#{a} and #{b}): decide on the cases in the protection area first",
        )
        .arg("a", a)
        .arg("b", b)
    }
    /// A decision on a pair that was merged.
    pub fn merged() -> Invalid {
        Invalid::rule(
            "decision",
            "stats.rule.merged",
            "this pair is merged: undo the merge first",
        )
    }
    /// Undoing a pair that was not merged.
    pub fn not_merged() -> Invalid {
        Invalid::rule("pair", "stats.rule.not_merged", "this pair is not merged")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;

    #[test]
    fn every_value_round_trips_and_anything_else_is_refused_naming_the_field() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(&format!(" {} ", s.as_str())), Ok(s));
        }
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Ok(d));
        }
        for s in Stratum::ALL {
            assert_eq!(Stratum::parse(s.as_str()), Ok(Some(s)));
        }
        assert_eq!(Stratum::parse("  "), Ok(None));
        for bad in ["", "Sources", "person", "accept ed", "undo", "country"] {
            if !bad.is_empty() {
                assert_eq!(Stratum::parse(bad).unwrap_err().field, "stratum");
            }
            assert_eq!(Scope::parse(bad).unwrap_err().field, "scope");
            assert_eq!(Decision::parse(bad).unwrap_err().field, "decision");
        }
        let e = Decision::parse("merge").unwrap_err();
        assert_eq!(
            e.problem,
            Problem::NotOneOf {
                value: "merge".into(),
                allowed: vec!["accept".into(), "reject".into(), "unsure".into()]
            }
        );
    }

    #[test]
    fn run_settings_are_checked_over_their_whole_range() {
        for i in -20..=120 {
            let p = i as f64 / 100.0;
            let r = RunInput::parse("persons", p, 10);
            if (0..=100).contains(&i) {
                let r = r.unwrap();
                assert_eq!((r.scope, r.min_probability), (Scope::Persons, p));
            } else {
                assert_eq!(r.unwrap_err().field, "min_probability", "{p}");
            }
        }
        for p in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                RunInput::parse("sources", p, 10).unwrap_err().field,
                "min_probability"
            );
        }
        for (n, ok) in [
            (0, false),
            (1, true),
            (MAX_PAIRS, true),
            (MAX_PAIRS + 1, false),
        ] {
            let r = RunInput::parse("sources", 0.5, n);
            assert_eq!(r.is_ok(), ok, "{n}");
            if let Err(e) = r {
                assert_eq!(e.field, "max_pairs");
                assert_eq!(e.message(), "give a number of pairs between 1 and 200000");
            }
        }
        // The scope is checked first, as the form shows it first.
        assert_eq!(RunInput::parse("x", 2.0, 0).unwrap_err().field, "scope");
    }

    #[test]
    fn a_decision_gives_the_status_of_the_pair() {
        assert_eq!(Decision::Accept.status(), "accepted");
        assert_eq!(Decision::Reject.status(), "rejected");
        assert_eq!(Decision::Unsure.status(), "unsure");
    }

    #[test]
    fn a_stratum_may_not_share_its_name_with_a_list() {
        assert!(Stratum::Region.check_lists(["ICRC", "Red Cross"]).is_ok());
        let e = Stratum::Sex.check_lists(["ICRC", "sex"]).unwrap_err();
        assert_eq!(e.field, "stratum");
        assert!(Stratum::Period.check_lists(["count"]).is_err());
    }

    #[test]
    fn refusals_name_the_pair_and_fill_their_text() {
        let e = refusal::two_cases(3, 9);
        assert_eq!(e.field, "pair");
        assert_eq!(
            e.message(),
            "the records are linked to two cases (#3 and #9): decide on the cases in the protection area first"
        );
        assert_eq!(refusal::merged().field, "decision");
        assert_eq!(
            not_linkable("no blocking rule").message(),
            "the records cannot be linked: no blocking rule"
        );
    }
}

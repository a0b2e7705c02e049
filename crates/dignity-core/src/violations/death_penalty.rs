//! Death penalty cases: the status of a case from a fixed list, and its dates (an
//! execution not before the sentence).

use super::dates::date;
use crate::{Invalid, PartialDate};
use std::fmt;

/// Statuses of a death penalty case, as stored.
pub const DEATH_PENALTY_STATUSES: &[&str] = &[
    "charged",
    "sentenced",
    "appeal_pending",
    "executed",
    "commuted",
    "pardoned",
    "acquitted",
];

/// The status of a death penalty case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeathPenaltyStatus {
    Charged,
    Sentenced,
    AppealPending,
    Executed,
    Commuted,
    Pardoned,
    Acquitted,
}

impl DeathPenaltyStatus {
    pub const ALL: [DeathPenaltyStatus; 7] = [
        DeathPenaltyStatus::Charged,
        DeathPenaltyStatus::Sentenced,
        DeathPenaltyStatus::AppealPending,
        DeathPenaltyStatus::Executed,
        DeathPenaltyStatus::Commuted,
        DeathPenaltyStatus::Pardoned,
        DeathPenaltyStatus::Acquitted,
    ];

    pub fn as_str(self) -> &'static str {
        DEATH_PENALTY_STATUSES[self as usize]
    }

    pub fn parse(raw: &str) -> Result<DeathPenaltyStatus, Invalid> {
        let t = raw.trim();
        DeathPenaltyStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == t)
            .ok_or_else(|| {
                Invalid::rule(
                    "status",
                    "vio.rule.death_penalty_status",
                    "expected one of {allowed}",
                )
                .arg("allowed", DEATH_PENALTY_STATUSES.join(", "))
            })
    }
}

impl fmt::Display for DeathPenaltyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The dates of a case: sentence, execution (not before the sentence) and commutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceDates {
    pub sentence: PartialDate,
    pub execution: PartialDate,
    pub commutation: PartialDate,
}

impl SentenceDates {
    pub fn parse(
        sentence: &str,
        execution: &str,
        commutation: &str,
    ) -> Result<SentenceDates, Invalid> {
        let s = date("sentence_date", sentence)?;
        let e = date("execution_date", execution)?;
        let c = date("commutation_date", commutation)?;
        if let (Some(a), Some(b)) = (s.earliest(), e.latest()) {
            if b < a {
                return Err(Invalid::rule(
                    "execution_date",
                    "vio.rule.execution_before_sentence",
                    "the execution date is before the sentence",
                ));
            }
        }
        Ok(SentenceDates {
            sentence: s,
            execution: e,
            commutation: c,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_is_one_of_the_list() {
        for (s, code) in DeathPenaltyStatus::ALL.iter().zip(DEATH_PENALTY_STATUSES) {
            assert_eq!(s.as_str(), *code);
            assert_eq!(DeathPenaltyStatus::parse(&format!(" {code} ")).unwrap(), *s);
        }
        let e = DeathPenaltyStatus::parse("hanged").unwrap_err();
        assert_eq!(e.field, "status");
        assert_eq!(
            e.message(),
            "expected one of charged, sentenced, appeal_pending, executed, commuted, pardoned, acquitted"
        );
    }

    #[test]
    fn an_execution_is_not_before_its_sentence() {
        let d = SentenceDates::parse("2019-05", "2021-02-03", "").unwrap();
        assert_eq!(d.execution.to_string(), "2021-02-03");
        assert!(SentenceDates::parse("2019-05", "2019-05-01", "").is_ok());
        let e = SentenceDates::parse("2019-05", "2019-04", "").unwrap_err();
        assert_eq!(e.field, "execution_date");
        assert_eq!(e.message(), "the execution date is before the sentence");
        assert_eq!(
            SentenceDates::parse("", "", "never").unwrap_err().field,
            "commutation_date"
        );
    }
}

//! Dates of events and acts: partial dates (`2024`, `2024-03`, `2024-03-12`, `~2024-03-12`)
//! and periods whose end may not come before their start.

use crate::{Invalid, PartialDate};
use std::borrow::Cow;

/// A partial date from text (empty = unknown), with the field named in the refusal.
pub fn date(field: impl Into<Cow<'static, str>>, raw: &str) -> Result<PartialDate, Invalid> {
    PartialDate::parse(raw).map_err(|e| Invalid::parse(field, e))
}

/// A start and an end, each possibly unknown or partial; when both are known the end's
/// latest day is not before the start's earliest day (a period "2024-03 to 2024-03-01"
/// is accepted: the two may describe the same day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub start: PartialDate,
    pub end: PartialDate,
}

impl Period {
    pub fn parse(
        start_field: &'static str,
        start: &str,
        end_field: &'static str,
        end: &str,
    ) -> Result<Period, Invalid> {
        let s = date(start_field, start)?;
        let e = date(end_field, end)?;
        if let (Some(s0), Some(e1)) = (s.earliest(), e.latest()) {
            if e1 < s0 {
                return Err(Invalid::rule(
                    end_field,
                    "vio.rule.end_before_start",
                    "the end ({end}) is before the start ({start})",
                )
                .arg("end", e)
                .arg("start", s));
            }
        }
        Ok(Period { start: s, end: e })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;

    /// Every shape of partial date over a span of years (a year, a month, a day, an
    /// estimated day, unknown).
    fn space() -> Vec<String> {
        let mut out = vec![String::new()];
        for y in [1999, 2000, 2023, 2024] {
            out.push(format!("{y}"));
            for m in [1, 2, 6, 12] {
                out.push(format!("{y}-{m:02}"));
                for d in [1, 15, 28] {
                    out.push(format!("{y}-{m:02}-{d:02}"));
                    out.push(format!("~{y}-{m:02}-{d:02}"));
                }
            }
        }
        out
    }

    #[test]
    fn a_period_is_refused_exactly_when_its_end_comes_before_its_start() {
        let space = space();
        for s in &space {
            for e in &space {
                let (ps, pe) = (
                    PartialDate::parse(s).unwrap(),
                    PartialDate::parse(e).unwrap(),
                );
                let before = matches!((ps.earliest(), pe.latest()), (Some(a), Some(b)) if b < a);
                match Period::parse("start_date", s, "end_date", e) {
                    Ok(p) => {
                        assert!(!before, "{s}..{e} accepted");
                        assert_eq!((p.start, p.end), (ps, pe));
                    }
                    Err(err) => {
                        assert!(before, "{s}..{e} refused: {err}");
                        assert_eq!(err.field, "end_date");
                        assert!(matches!(
                            err.problem,
                            Problem::Rule {
                                key: "vio.rule.end_before_start",
                                ..
                            }
                        ));
                        assert!(err.message().contains("before the start"), "{err}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_bad_date_names_its_field() {
        let e = Period::parse("start_date", "2024-13", "end_date", "").unwrap_err();
        assert_eq!(e.field, "start_date");
        assert!(matches!(e.problem, Problem::Parse(_)));
        let e = Period::parse("start_date", "2024", "end_date", "soon").unwrap_err();
        assert_eq!(e.field, "end_date");
        assert_eq!(
            Period::parse("start_date", "2024-03", "end_date", "2024-02")
                .unwrap_err()
                .message(),
            "the end (2024-02) is before the start (2024-03)"
        );
    }
}

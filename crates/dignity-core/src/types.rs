//! Newtypes that parse instead of validate: once you hold one, its value is good.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a value could not be parsed into a domain type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {reason} (got {value:?})")]
pub struct ParseError {
    pub what: &'static str,
    pub reason: &'static str,
    pub value: String,
}

/// The reasons a [`ParseError`] gives, in English: named here so that a translation of
/// them (the web's `parse.*` keys) follows any change of wording at compile time.
pub mod reason {
    pub const DATE_SHAPE: &str =
        "expected YYYY, YYYY-MM or YYYY-MM-DD (optionally ~ for estimated)";
    pub const DATE_ESTIMATED: &str = "only a full date can be marked estimated";
    pub const YEAR_DIGITS: &str = "year must have four digits";
    pub const MONTH_RANGE: &str = "month must be 01-12";
    pub const NO_SUCH_DAY: &str = "no such day in that month";
    pub const TWO_LETTERS: &str = "must be 2 ASCII letters";
    pub const THREE_LETTERS: &str = "must be 3 ASCII letters";
}

fn err(what: &'static str, reason: &'static str, value: &str) -> ParseError {
    ParseError {
        what,
        reason,
        value: value.to_string(),
    }
}

macro_rules! iso_code {
    ($name:ident, $len:expr, $what:expr, $reason:expr) => {
        #[doc = concat!("An upper-case ", $what, " code.")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, ParseError> {
                let t = s.trim();
                if t.len() != $len || !t.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(err($what, $reason, s));
                }
                Ok(Self(t.to_ascii_uppercase()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

iso_code!(Iso2, 2, "ISO 3166-1 alpha-2", reason::TWO_LETTERS);
iso_code!(Iso3, 3, "ISO 3166-1 alpha-3", reason::THREE_LETTERS);

/// How precisely a date is known. Human rights documentation rarely has exact dates:
/// a witness remembers "spring 1999" or "the year the war started".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Exact,
    Estimated,
    Month,
    Year,
    Unknown,
}

/// A full date (`YYYY-MM-DD`, spaces around it ignored) that may be left empty (`None`);
/// any other text is refused with `refuse()`, which names the field and the area's rule.
pub fn optional_day<E>(
    raw: &str,
    refuse: impl FnOnce() -> E,
) -> Result<Option<chrono::NaiveDate>, E> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| refuse())
}

/// A date known to some precision. `Unknown` holds no date at all; `Year` holds only a
/// year, `Month` a year and month. Stored as `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `~YYYY-MM-DD`
/// (estimated). Plain forms sort correctly as text, the estimated one does not (`~` sorts
/// after every digit): order by [`PartialDate::earliest`], or by a stored sort column
/// (events keep `start_sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    precision: Precision,
}

impl PartialDate {
    pub const UNKNOWN: PartialDate = PartialDate {
        year: None,
        month: None,
        day: None,
        precision: Precision::Unknown,
    };

    pub fn year(y: i32) -> Result<Self, ParseError> {
        if !(1000..=9999).contains(&y) {
            return Err(err("date", reason::YEAR_DIGITS, &y.to_string()));
        }
        Ok(Self {
            year: Some(y),
            month: None,
            day: None,
            precision: Precision::Year,
        })
    }

    pub fn precision(&self) -> Precision {
        self.precision
    }

    pub fn year_value(&self) -> Option<i32> {
        self.year
    }

    /// The earliest calendar day this date can stand for (for ordering and overlap checks).
    pub fn earliest(&self) -> Option<chrono::NaiveDate> {
        let y = self.year?;
        chrono::NaiveDate::from_ymd_opt(y, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The latest calendar day this date can stand for.
    pub fn latest(&self) -> Option<chrono::NaiveDate> {
        let y = self.year?;
        match (self.month, self.day) {
            (Some(m), Some(d)) => chrono::NaiveDate::from_ymd_opt(y, m, d),
            (Some(m), None) => {
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                chrono::NaiveDate::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt())
            }
            _ => chrono::NaiveDate::from_ymd_opt(y, 12, 31),
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("unknown") {
            return Ok(Self::UNKNOWN);
        }
        let (estimated, body) = match t.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let parts: Vec<&str> = body.split('-').collect();
        let num = |p: &str, n: usize| -> Result<u32, ParseError> {
            if p.len() != n || !p.chars().all(|c| c.is_ascii_digit()) {
                return Err(err("date", reason::DATE_SHAPE, s));
            }
            Ok(p.parse().unwrap_or(0))
        };
        let d = match parts.as_slice() {
            [y] => Self {
                year: Some(num(y, 4)? as i32),
                month: None,
                day: None,
                precision: Precision::Year,
            },
            [y, m] => Self {
                year: Some(num(y, 4)? as i32),
                month: Some(num(m, 2)?),
                day: None,
                precision: Precision::Month,
            },
            [y, m, d] => Self {
                year: Some(num(y, 4)? as i32),
                month: Some(num(m, 2)?),
                day: Some(num(d, 2)?),
                precision: if estimated {
                    Precision::Estimated
                } else {
                    Precision::Exact
                },
            },
            _ => return Err(err("date", reason::DATE_SHAPE, s)),
        };
        if estimated && d.day.is_none() {
            return Err(err("date", reason::DATE_ESTIMATED, s));
        }
        if d.year.unwrap_or(1000) < 1000 {
            return Err(err("date", reason::YEAR_DIGITS, s));
        }
        if let Some(m) = d.month {
            if !(1..=12).contains(&m) {
                return Err(err("date", reason::MONTH_RANGE, s));
            }
        }
        if d.day.is_some() && d.earliest().is_none() {
            return Err(err("date", reason::NO_SUCH_DAY, s));
        }
        Ok(d)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.year, self.month, self.day) {
            (Some(y), Some(m), Some(d)) => {
                if self.precision == Precision::Estimated {
                    f.write_str("~")?;
                }
                write!(f, "{y:04}-{m:02}-{d:02}")
            }
            (Some(y), Some(m), None) => write!(f, "{y:04}-{m:02}"),
            (Some(y), None, _) => write!(f, "{y:04}"),
            _ => Ok(()),
        }
    }
}

impl FromStr for PartialDate {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_codes_parse_and_normalise() {
        assert_eq!(Iso3::parse(" fra ").unwrap().as_str(), "FRA");
        assert!(Iso3::parse("FR").is_err());
        assert!(Iso3::parse("F1A").is_err());
        assert_eq!(Iso2::parse("rs").unwrap().to_string(), "RS");
        let e = serde_json::from_str::<Iso3>("\"XXXX\"").unwrap_err();
        assert!(e.to_string().contains("3 ASCII letters"));
    }

    #[test]
    fn partial_dates_keep_their_precision() {
        for s in ["1999", "1999-04", "1999-04-17", "~1999-04-17"] {
            let d = PartialDate::parse(s).unwrap();
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(
            PartialDate::parse("1999-04").unwrap().precision(),
            Precision::Month
        );
        assert_eq!(PartialDate::parse("").unwrap(), PartialDate::UNKNOWN);
        let feb = PartialDate::parse("2000-02").unwrap();
        assert_eq!(feb.latest().unwrap().to_string(), "2000-02-29");
        assert_eq!(feb.earliest().unwrap().to_string(), "2000-02-01");
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for s in [
            "1999-13",
            "1999-02-30",
            "99",
            "1999-4-1",
            "~1999",
            "abcd",
            "2001-02-29",
        ] {
            assert!(PartialDate::parse(s).is_err(), "{s} should not parse");
        }
    }
}

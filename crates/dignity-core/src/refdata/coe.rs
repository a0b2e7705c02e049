//! Council of Europe treaty facts (`data/treaties/coe-members.csv`,
//! `data/treaties/coe-ratifications.csv`): which States are members of the Council of
//! Europe, and for each member State and Council of Europe instrument the status, the
//! dates the sources give (signature, ratification, entry into force for the State,
//! denunciation), the date the status is known as of and the source(s) it was read in.
//! Nothing is inferred: a cell no source gives stays empty, and a State × instrument pair
//! no source covers has no row (it reads *unknown*). See `docs/reference-data.md`.

use super::*;
use crate::{PartialDate, Precision};

/// A row of `data/treaties/coe-members.csv`: a State that is, or was, a member of the
/// Council of Europe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoeMember {
    pub iso3: String,
    /// A member today (`yes`), or a former member (`no`).
    pub member: bool,
    /// The day a former member ceased to be one.
    pub left: Option<NaiveDate>,
    /// The day the membership is known as of.
    pub as_of: NaiveDate,
    /// Where it was read: one or more URLs.
    pub sources: Vec<String>,
    pub note: Option<String>,
}

const MEMBER_COLUMNS: &[&str] = &["iso3", "member", "left", "as_of", "source", "note"];

/// The URLs of a `source` cell: one or more, separated by ` | `, each `http(s)://`.
fn sources(row: &Row<'_>) -> Result<Vec<String>, RefDataError> {
    let list: Vec<String> = row
        .get("source")
        .split(" | ")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() {
        return Err(row.err("source", "every fact needs a source"));
    }
    if let Some(bad) = list
        .iter()
        .find(|s| !(s.starts_with("https://") || s.starts_with("http://")) || s.contains(' '))
    {
        return Err(row.err("source", format!("not a URL: {bad:?}")));
    }
    Ok(list)
}

fn optional_day(row: &Row<'_>, field: &str) -> Result<Option<NaiveDate>, RefDataError> {
    match row.get(field) {
        "" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| row.err(field, format!("expected YYYY-MM-DD, got {v:?}"))),
    }
}

fn partial(row: &Row<'_>, field: &str) -> Result<PartialDate, RefDataError> {
    PartialDate::parse(row.get(field)).map_err(|_| {
        row.err(
            field,
            format!(
                "expected YYYY-MM-DD, YYYY-MM or YYYY, got {:?}",
                row.get(field)
            ),
        )
    })
}

/// Parses `data/treaties/coe-members.csv`: known ISO codes, no duplicates, a leaving date
/// exactly for former members and never after the as-of date, a source on every row.
pub fn parse_coe_members(
    text: &str,
    countries: &[Country],
) -> Result<Vec<CoeMember>, RefDataError> {
    let iso3s: HashSet<&str> = countries.iter().map(|c| c.iso3.as_str()).collect();
    let mut out: Vec<CoeMember> = Vec::new();
    read_csv(text, MEMBER_COLUMNS, |row| {
        let iso3 = row.get("iso3").to_owned();
        if !iso3s.contains(iso3.as_str()) {
            return Err(row.err("iso3", format!("unknown country {iso3:?}")));
        }
        if out.iter().any(|m| m.iso3 == iso3) {
            return Err(row.err("iso3", format!("duplicate row for {iso3}")));
        }
        let member = match row.get("member") {
            "yes" => true,
            "no" => false,
            v => return Err(row.err("member", format!("expected yes or no, got {v:?}"))),
        };
        let left = optional_day(row, "left")?;
        let as_of: NaiveDate = row.parse("as_of", "a date YYYY-MM-DD")?;
        if member == left.is_some() {
            return Err(row.err("left", "given exactly for a former member"));
        }
        if left.is_some_and(|l| l > as_of) {
            return Err(row.err("left", format!("after the as-of date {as_of}")));
        }
        out.push(CoeMember {
            iso3,
            member,
            left,
            as_of,
            sources: sources(row)?,
            note: row.optional("note"),
        });
        Ok(())
    })?;
    Ok(out)
}

/// A row of `data/treaties/coe-ratifications.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoeRatification {
    pub iso3: String,
    /// A Council of Europe instrument code of `instruments.toml`.
    pub instrument: String,
    /// `party`, `signatory`, `none` (neither signed nor ratified) or `denounced` (no longer
    /// bound: a denunciation, or the Russian Federation's exclusion).
    pub status: TreatyStatus,
    /// Day, or unknown (no source read gives it).
    pub signature: PartialDate,
    /// The deposit of the instrument of ratification, acceptance, approval or accession
    /// (for ETS No. 158, the acceptance of the collective complaints procedure): day,
    /// year, or unknown.
    pub ratification: PartialDate,
    /// Entry into force for the State, where the source gives it (otherwise see
    /// [`CoeRatification::entry_into_force_for`]).
    pub entry_into_force: Option<NaiveDate>,
    /// The day a denunciation took effect (the State ceased to be bound).
    pub denunciation: Option<NaiveDate>,
    /// The day (or month, or year) the status is known as of: the date of the status the
    /// source states.
    pub as_of: PartialDate,
    /// Where it was read: one or more URLs.
    pub sources: Vec<String>,
    pub note: Option<String>,
}

impl CoeRatification {
    /// The day the instrument entered into force for the State: the source's day, or the
    /// one the instrument's rule gives for a ratification known to the day (`None`
    /// otherwise: the file states a party without the day of its ratification).
    pub fn entry_into_force_for(&self, instrument: &Instrument) -> Option<NaiveDate> {
        if !matches!(self.status, TreatyStatus::Party | TreatyStatus::Denounced) {
            return None;
        }
        self.entry_into_force.or_else(|| {
            let rule = instrument.state_entry_into_force.as_ref()?;
            (self.ratification.precision() == Precision::Exact).then_some(())?;
            Some(
                rule.rule.state_entry_into_force(
                    self.ratification.earliest()?,
                    instrument.entry_into_force,
                ),
            )
        })
    }

    /// The as-of date as the pages show it (`2022-05-03`, `2022-11`, `2016`).
    pub fn as_of_label(&self) -> String {
        self.as_of.to_string()
    }
}

const COE_COLUMNS: &[&str] = &[
    "iso3",
    "instrument",
    "status",
    "signature",
    "ratification",
    "entry_into_force",
    "denunciation",
    "as_of",
    "source",
    "note",
];

/// Parses `data/treaties/coe-ratifications.csv` and checks every row against the
/// members, the instruments and itself: a member State (or a former member), a Council
/// of Europe instrument, no duplicate pair; a ratification or entry into force only for
/// parties and denunciations, a denunciation exactly for `denounced`; no date before the
/// treaty was opened, nor after the as-of date; signature ≤ ratification ≤ entry into
/// force ≤ denunciation; an entry into force the source gives that agrees with the
/// instrument's rule where both are known; and a source on every row.
pub fn parse_coe_ratifications(
    text: &str,
    members: &[CoeMember],
    instruments: &[Instrument],
) -> Result<Vec<CoeRatification>, RefDataError> {
    let mut out: Vec<CoeRatification> = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, COE_COLUMNS, |row| {
        let iso3 = row.get("iso3").to_owned();
        if !members.iter().any(|m| m.iso3 == iso3) {
            return Err(row.err("iso3", format!("{iso3:?} is not in coe-members.csv")));
        }
        let code = row.get("instrument");
        let Some(inst) = instruments.iter().find(|i| i.code == code) else {
            return Err(row.err("instrument", format!("unknown instrument {code:?}")));
        };
        if inst.system != TreatySystem::Coe {
            return Err(row.err(
                "instrument",
                format!("{code} is not a Council of Europe instrument"),
            ));
        }
        let raw = row.get("status");
        let status = TreatyStatus::from_code(raw)
            .ok_or_else(|| row.err("status", format!("unknown status {raw:?}")))?;
        let signature = partial(row, "signature")?;
        let ratification = partial(row, "ratification")?;
        let entry_into_force = optional_day(row, "entry_into_force")?;
        let denunciation = optional_day(row, "denunciation")?;
        let as_of = partial(row, "as_of")?;
        if as_of.precision() == Precision::Unknown {
            return Err(row.err("as_of", "every fact needs its as-of date"));
        }
        let bound = matches!(status, TreatyStatus::Party | TreatyStatus::Denounced);
        if !bound && (ratification.precision() != Precision::Unknown || entry_into_force.is_some())
        {
            return Err(row.err(
                "ratification",
                format!("no ratification nor entry into force when status is {raw}"),
            ));
        }
        if (status == TreatyStatus::Denounced) != denunciation.is_some() {
            return Err(row.err("denunciation", "given exactly when the status is denounced"));
        }
        if status == TreatyStatus::NoAction && signature.precision() != Precision::Unknown {
            return Err(row.err("signature", "a State that signed is a signatory, not none"));
        }
        if !matches!(signature.precision(), Precision::Exact | Precision::Unknown) {
            return Err(row.err("signature", "a signature is known to the day or not at all"));
        }
        if !matches!(
            ratification.precision(),
            Precision::Exact | Precision::Year | Precision::Unknown
        ) {
            return Err(row.err("ratification", "a day, a year, or nothing"));
        }
        let as_of_last = as_of.latest().expect("a known as-of date has a last day");
        let dated = [
            ("signature", signature.earliest()),
            ("ratification", ratification.earliest()),
            ("entry_into_force", entry_into_force),
            ("denunciation", denunciation),
        ];
        for (field, d) in dated {
            let Some(d) = d else { continue };
            if d < inst.adopted {
                return Err(row.err(
                    field,
                    format!("{d} is before {code} was opened on {}", inst.adopted),
                ));
            }
            if d > as_of_last {
                return Err(row.err(field, format!("{d} is after the as-of date {as_of}")));
            }
        }
        // In order: signature ≤ ratification ≤ entry into force ≤ denunciation.
        let mut last: Option<(&str, NaiveDate)> = None;
        for (field, d) in [
            ("signature", signature.earliest()),
            ("ratification", ratification.latest()),
            ("entry_into_force", entry_into_force),
            ("denunciation", denunciation),
        ] {
            let Some(d) = d else { continue };
            if let Some((before, b)) = last {
                if d < b {
                    return Err(row.err(field, format!("{d} is before the {before} {b}")));
                }
            }
            last = Some((field, d));
        }
        if let Some(eif) = entry_into_force {
            if eif < inst.entry_into_force {
                return Err(row.err(
                    "entry_into_force",
                    format!("{eif} is before {code} itself entered into force"),
                ));
            }
        }
        let fact = CoeRatification {
            iso3: iso3.clone(),
            instrument: code.to_owned(),
            status,
            signature,
            ratification,
            entry_into_force,
            denunciation,
            as_of,
            sources: sources(row)?,
            note: row.optional("note"),
        };
        if let (Some(given), Some(rule)) = (entry_into_force, &inst.state_entry_into_force) {
            if let (Precision::Exact, Some(r)) = (ratification.precision(), ratification.earliest())
            {
                let computed = rule.rule.state_entry_into_force(r, inst.entry_into_force);
                if computed != given {
                    return Err(row.err(
                        "entry_into_force",
                        format!(
                            "{given} disagrees with art. {} of {code}, which gives {computed}",
                            rule.article
                        ),
                    ));
                }
            }
        }
        if !seen.insert((iso3.clone(), code.to_owned())) {
            return Err(row.err("instrument", format!("duplicate row for {iso3} and {code}")));
        }
        out.push(fact);
        Ok(())
    })?;
    Ok(out)
}

/// The shipped Council of Europe facts, parsed once (the shipped files are checked by
/// [`parse_shipped`]; this panics only if they do not parse, which a test rules out).
pub fn shipped_coe_ratifications() -> &'static [CoeRatification] {
    static LIST: std::sync::OnceLock<Vec<CoeRatification>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        parse_shipped()
            .unwrap_or_else(|e| panic!("shipped reference data does not parse: {e}"))
            .coe_ratifications
    })
}

/// The shipped fact for one State and instrument.
pub fn shipped_coe_fact(iso3: &str, instrument: &str) -> Option<&'static CoeRatification> {
    shipped_coe_ratifications()
        .iter()
        .find(|r| r.iso3 == iso3 && r.instrument == instrument)
}

//! Ratification facts to the day (`data/treaties/ratifications.csv`): per State and
//! core UN instrument, the signature, the date and kind of consent, the
//! reservations/declarations flag, and where each fact comes from and as of when; and the
//! rule by which a treaty enters into force for a State (`state_entry_into_force` in
//! `data/instruments.toml`).

use super::*;
use crate::Invalid;
use crate::{PartialDate, Precision};
use chrono::{Datelike, Months};

/// How a State expressed its consent to be bound. Acceptance and approval have the same
/// effect as ratification (Vienna Convention on the Law of Treaties, art. 14(2)); the UN
/// Treaty Collection marks them `A` and `AA` (e.g. the Netherlands' acceptance of the CRC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentKind {
    Ratification,
    Accession,
    Succession,
    Acceptance,
    Approval,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 5] = [
        ConsentKind::Ratification,
        ConsentKind::Accession,
        ConsentKind::Succession,
        ConsentKind::Acceptance,
        ConsentKind::Approval,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ConsentKind::Ratification => "ratification",
            ConsentKind::Accession => "accession",
            ConsentKind::Succession => "succession",
            ConsentKind::Acceptance => "acceptance",
            ConsentKind::Approval => "approval",
        }
    }
    /// `None` for an empty value (not said); case and spaces are ignored.
    pub fn parse(raw: &str) -> Result<Option<Self>, Invalid> {
        let t = raw.trim().to_ascii_lowercase();
        if t.is_empty() {
            return Ok(None);
        }
        Self::ALL
            .into_iter()
            .find(|k| k.code() == t)
            .map(Some)
            .ok_or_else(|| {
                Invalid::rule(
                    "consent_kind",
                    "obl.rule.consent_kind",
                    "expected ratification, accession, succession, acceptance or approval",
                )
            })
    }
}

// ------------------------------------------------------- entry into force --

/// When a treaty enters into force for a State that ratifies or accedes to it, counted
/// from the deposit of its instrument, as the treaty's final clauses say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EifAfter {
    /// On the thirtieth day after the deposit (ICERD art. 19(2), CRC art. 49(2), …).
    ThirtiethDay,
    /// One month after the deposit (OP-CRC-AC art. 10(2), OP-CRC-SC art. 14(2)).
    OneMonth,
    /// Three months after the deposit (ICCPR art. 49(2), ICESCR art. 27(2), …).
    ThreeMonths,
    /// On the first day of the month following a period of three months after the
    /// deposit (ICMW art. 87(2); most Council of Europe conventions, e.g. the Istanbul
    /// Convention art. 75(4)).
    FirstDayOfMonthAfterThreeMonths,
    /// On the first day of the month following a period of one month after the deposit
    /// (revised European Social Charter art. K(3), ETS No. 158 art. 14(2)).
    FirstDayOfMonthAfterOneMonth,
    /// On the day of the deposit (ECHR art. 59(4)).
    OnDeposit,
}

/// The first day of the month after the one `d` falls in.
fn first_of_next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

/// The rule of an instrument (`state_entry_into_force` in `instruments.toml`) and the
/// article that sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EifRule {
    pub rule: EifAfter,
    /// Article of the treaty, e.g. `49(2)`.
    pub article: String,
}

impl EifAfter {
    /// The day the rule gives for a deposit, without regard to the treaty's own entry
    /// into force. Months are calendar months; a day that the target month lacks becomes
    /// its last day (30 November + 3 months = 28 or 29 February).
    pub fn after_deposit(self, deposit: NaiveDate) -> NaiveDate {
        let months = |n| {
            deposit
                .checked_add_months(Months::new(n))
                .unwrap_or(deposit)
        };
        match self {
            EifAfter::ThirtiethDay => deposit + chrono::Duration::days(30),
            EifAfter::OneMonth => months(1),
            EifAfter::ThreeMonths => months(3),
            EifAfter::FirstDayOfMonthAfterThreeMonths => first_of_next_month(months(3)),
            EifAfter::FirstDayOfMonthAfterOneMonth => first_of_next_month(months(1)),
            EifAfter::OnDeposit => deposit,
        }
    }

    /// The day the treaty entered into force for a State that deposited its instrument
    /// of ratification or accession on `deposit`: the rule's day, or the treaty's own
    /// entry into force when the State deposited before it (the early parties are bound
    /// from that day).
    pub fn state_entry_into_force(self, deposit: NaiveDate, treaty_eif: NaiveDate) -> NaiveDate {
        self.after_deposit(deposit).max(treaty_eif)
    }
}

/// The instruments shipped in `data/instruments.toml`, parsed once.
pub fn shipped_instruments() -> &'static [Instrument] {
    static LIST: std::sync::OnceLock<Vec<Instrument>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        parse_instruments(shipped::INSTRUMENTS_TOML)
            .unwrap_or_else(|e| panic!("data/instruments.toml does not parse: {e}"))
    })
}

// ----------------------------------------------------------- the facts --

/// Where a ratification fact comes from (`source` in `ratifications.csv`; the sources are
/// described in `data/SOURCES.md` and `docs/reference-data.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactSource {
    /// UN Treaty Collection chapter IV participant tables, scraped 2014-01 to 2015-03
    /// (`zmjones/untreaties`), to the day.
    Untc2015,
    /// The August 2022 years-only extract of the UN Treaty Collection
    /// (`world-politics-datalab`), for changes after the 2015 scrape.
    Wpd2022,
    /// A verified fact newer than both (`known_updates_after_source.csv`).
    Update2026,
    /// A later snapshot of the UN Treaty Collection, loaded by an administrator with
    /// `dignity refdata update FILE`, to the day, as of its `as_of`.
    Untc,
}

impl FactSource {
    pub const ALL: [FactSource; 4] = [
        FactSource::Untc2015,
        FactSource::Wpd2022,
        FactSource::Update2026,
        FactSource::Untc,
    ];
    pub fn code(self) -> &'static str {
        match self {
            FactSource::Untc2015 => "untc2015",
            FactSource::Wpd2022 => "wpd2022",
            FactSource::Update2026 => "update2026",
            FactSource::Untc => "untc",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Whether the UN Treaty Collection lists reservations or declarations of the State
/// (`yes`, `no`; empty = unknown: the State acted after the declarations were scraped).
/// Listed texts may since have been withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reservations {
    Yes,
    No,
    Unknown,
}

impl Reservations {
    pub fn code(self) -> &'static str {
        match self {
            Reservations::Yes => "yes",
            Reservations::No => "no",
            Reservations::Unknown => "",
        }
    }
}

/// One row of `data/treaties/ratifications.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedRatification {
    pub iso3: String,
    pub instrument: String,
    pub status: TreatyStatus,
    /// Day, or unknown (no signature, or signed after the UNTC scrape).
    pub signature: PartialDate,
    /// Day (UNTC) or year only (a later change known from the 2022 extract); unknown
    /// unless the State is or was a party.
    pub consent: PartialDate,
    pub consent_kind: Option<ConsentKind>,
    pub reservations: Reservations,
    /// Where the dates come from.
    pub source: FactSource,
    /// The day the status is known as of (the latest source that confirms it).
    pub as_of: NaiveDate,
    pub note: Option<String>,
}

impl DatedRatification {
    /// The day the instrument entered into force for the State, where the facts allow it
    /// to be computed: a ratification, accession, acceptance or approval known to the
    /// day, under the instrument's rule. `None` for a succession (the successor State is
    /// bound from its independence, not from its notification), a year-only consent, or
    /// an instrument without a rule.
    pub fn entry_into_force(&self, instrument: &Instrument) -> Option<NaiveDate> {
        entry_into_force(self.status, self.consent_kind, self.consent, instrument)
    }
}

/// The day an instrument entered into force for a State with this status, kind and date
/// of consent (see [`DatedRatification::entry_into_force`]); also used for the facts an
/// office recorded.
pub fn entry_into_force(
    status: TreatyStatus,
    kind: Option<ConsentKind>,
    consent: PartialDate,
    instrument: &Instrument,
) -> Option<NaiveDate> {
    if !matches!(status, TreatyStatus::Party | TreatyStatus::Denounced)
        || kind == Some(ConsentKind::Succession)
        || consent.precision() != Precision::Exact
    {
        return None;
    }
    let rule = instrument.state_entry_into_force.as_ref()?;
    Some(
        rule.rule
            .state_entry_into_force(consent.earliest()?, instrument.entry_into_force),
    )
}

const RATIFICATION_COLUMNS: &[&str] = &[
    "iso3",
    "instrument",
    "status",
    "signature",
    "consent",
    "consent_kind",
    "reservations",
    "source",
    "as_of",
    "note",
];

/// Parses `data/treaties/ratifications.csv`, checking every `iso3` against the countries
/// and every `instrument` against the instruments, and the facts against each other: a
/// consent exactly for parties and denunciations, to the day from the UNTC, no consent
/// before the signature, no fact after its as-of date, no duplicate State/instrument.
pub fn parse_dated_ratifications(
    text: &str,
    countries: &[Country],
    instruments: &[Instrument],
) -> Result<Vec<DatedRatification>, RefDataError> {
    let iso3s: HashSet<&str> = countries.iter().map(|c| c.iso3.as_str()).collect();
    let codes: HashSet<&str> = instruments.iter().map(|i| i.code.as_str()).collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, RATIFICATION_COLUMNS, |row| {
        let (iso3, instrument, status) =
            super::treaties::state_instrument_status(row, Some((&iso3s, &codes)))?;
        let date = |field: &str| {
            PartialDate::parse(row.get(field)).map_err(|_| {
                row.err(
                    field,
                    format!("expected YYYY-MM-DD or YYYY, got {:?}", row.get(field)),
                )
            })
        };
        let signature = date("signature")?;
        let consent = date("consent")?;
        let consent_kind = ConsentKind::parse(row.get("consent_kind")).map_err(|_| {
            row.err(
                "consent_kind",
                format!("unknown kind {:?}", row.get("consent_kind")),
            )
        })?;
        let raw = row.get("reservations");
        let reservations = match raw {
            "yes" => Reservations::Yes,
            "no" => Reservations::No,
            "" => Reservations::Unknown,
            _ => {
                return Err(row.err(
                    "reservations",
                    format!("expected yes, no or empty, got {raw:?}"),
                ))
            }
        };
        let raw = row.get("source");
        let source = FactSource::from_code(raw)
            .ok_or_else(|| row.err("source", format!("unknown source {raw:?}")))?;
        let as_of: NaiveDate = row.parse("as_of", "a date YYYY-MM-DD")?;
        let bound = matches!(status, TreatyStatus::Party | TreatyStatus::Denounced);
        match (bound, consent.precision()) {
            (true, Precision::Unknown) => {
                return Err(row.err(
                    "consent",
                    format!("required when status is {}", status.code()),
                ))
            }
            (false, p) if p != Precision::Unknown => {
                return Err(row.err(
                    "consent",
                    format!("must be empty when status is {}", status.code()),
                ))
            }
            _ => {}
        }
        if consent_kind.is_some() != (consent.precision() == Precision::Exact) {
            return Err(row.err(
                "consent_kind",
                "given exactly when the consent is known to the day",
            ));
        }
        if matches!(source, FactSource::Untc2015 | FactSource::Untc)
            && ![Precision::Exact, Precision::Unknown].contains(&consent.precision())
        {
            return Err(row.err("consent", "the UNTC gives the day"));
        }
        if !matches!(signature.precision(), Precision::Exact | Precision::Unknown) {
            return Err(row.err("signature", "a signature is known to the day or not at all"));
        }
        if let (Some(s), Some(c)) = (signature.earliest(), consent.latest()) {
            if c < s {
                return Err(row.err(
                    "consent",
                    format!("{consent} is before the signature {signature}"),
                ));
            }
        }
        for (field, d) in [("signature", signature), ("consent", consent)] {
            if d.earliest().is_some_and(|d| d > as_of) {
                return Err(row.err(field, format!("after the as-of date {as_of}")));
            }
        }
        if !seen.insert((iso3.clone(), instrument.clone())) {
            return Err(row.err(
                "instrument",
                format!("duplicate row for {iso3} and {instrument}"),
            ));
        }
        out.push(DatedRatification {
            iso3,
            instrument,
            status,
            signature,
            consent,
            consent_kind,
            reservations,
            source,
            as_of,
            note: row.optional("note"),
        });
        Ok(())
    })?;
    Ok(out)
}

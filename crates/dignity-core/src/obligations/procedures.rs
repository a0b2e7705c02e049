//! The complaint and inquiry procedures a State may accept, and whether it did.

use super::*;

// ------------------------------------------------------------ procedures --

/// A complaint or inquiry procedure and how a State accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProcedureRule {
    /// Short label, e.g. `CAT art. 22`.
    pub label: &'static str,
    /// The instrument whose ratification row holds the facts.
    pub instrument: &'static str,
    /// How acceptance works: being party to the protocol, an optional declaration
    /// (opt-in), or automatic unless the State opted out.
    pub via: AcceptanceVia,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceVia {
    Protocol,
    OptIn,
    OptOut,
}

pub const COMPLAINT_PROCEDURES: &[ProcedureRule] = &[
    ProcedureRule {
        label: "ICCPR-OP1",
        instrument: "ICCPR-OP1",
        via: AcceptanceVia::Protocol,
    },
    ProcedureRule {
        label: "OP-ICESCR",
        instrument: "OP-ICESCR",
        via: AcceptanceVia::Protocol,
    },
    ProcedureRule {
        label: "OP-CEDAW",
        instrument: "OP-CEDAW",
        via: AcceptanceVia::Protocol,
    },
    ProcedureRule {
        label: "CAT art. 22",
        instrument: "CAT",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "ICERD art. 14",
        instrument: "ICERD",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "CPED art. 31",
        instrument: "CPED",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "ICMW art. 77",
        instrument: "ICMW",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "OP-CRPD",
        instrument: "OP-CRPD",
        via: AcceptanceVia::Protocol,
    },
    ProcedureRule {
        label: "OP-CRC-IC",
        instrument: "OP-CRC-IC",
        via: AcceptanceVia::Protocol,
    },
];

pub const INQUIRY_PROCEDURES: &[ProcedureRule] = &[
    ProcedureRule {
        label: "CAT art. 20",
        instrument: "CAT",
        via: AcceptanceVia::OptOut,
    },
    ProcedureRule {
        label: "OP-CEDAW art. 8",
        instrument: "OP-CEDAW",
        via: AcceptanceVia::OptOut,
    },
    ProcedureRule {
        label: "OP-ICESCR art. 11",
        instrument: "OP-ICESCR",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "OP-CRPD art. 6",
        instrument: "OP-CRPD",
        via: AcceptanceVia::OptOut,
    },
    ProcedureRule {
        label: "OP-CRC-IC art. 13",
        instrument: "OP-CRC-IC",
        via: AcceptanceVia::OptOut,
    },
    ProcedureRule {
        label: "CPED art. 33",
        instrument: "CPED",
        via: AcceptanceVia::Protocol,
    },
];

/// Accepted, not accepted, or not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Acceptance {
    Accepted,
    NotAccepted,
    Unknown,
}

/// Whether a State accepted a procedure, from its ratification facts: `party` (party to
/// the instrument) and `flag` (the recorded declaration: for opt-in procedures whether it
/// was made, for opt-out ones whether the procedure applies, i.e. `false` = opted out).
pub fn acceptance(rule: &ProcedureRule, party: bool, flag: Option<bool>) -> Acceptance {
    if !party {
        return Acceptance::NotAccepted;
    }
    match (rule.via, flag) {
        (AcceptanceVia::Protocol, _) => Acceptance::Accepted,
        (_, Some(true)) => Acceptance::Accepted,
        (_, Some(false)) => Acceptance::NotAccepted,
        // Opt-out procedures apply unless the State opted out; opt-in ones need the
        // declaration. Neither is known when it was not recorded.
        (AcceptanceVia::OptOut, None) => Acceptance::Accepted,
        (AcceptanceVia::OptIn, None) => Acceptance::Unknown,
    }
}

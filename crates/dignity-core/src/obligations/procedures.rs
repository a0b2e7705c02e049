//! The complaint and inquiry procedures a State may accept, and whether it did.

use super::*;

// ------------------------------------------------------------ procedures --

/// A complaint, inter-State or inquiry procedure and how a State accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProcedureRule {
    /// Short label, e.g. `CAT art. 22`.
    pub label: &'static str,
    /// The instrument whose ratification row holds the facts.
    pub instrument: &'static str,
    /// How acceptance works, as the treaty defines it.
    pub via: AcceptanceVia,
}

/// How a State comes to be bound by a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceVia {
    /// Applies to every party of the instrument: a communications protocol (being party
    /// is the acceptance), CPED art. 33 (visits), ICERD art. 11 (inter-State).
    Protocol,
    /// Only with a recorded declaration (CAT art. 21/22, ICERD art. 14, ICCPR art. 41,
    /// CPED art. 31/32, ICMW art. 76/77, OP-ICESCR art. 10/11, OP-CRC-IC art. 12).
    OptIn,
    /// Applies unless the State opted out (CAT art. 20 unless a reservation under
    /// art. 28; OP-CEDAW art. 8 unless art. 10; OP-CRPD art. 6 unless art. 8; OP-CRC-IC
    /// art. 13 unless its para. 7).
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

/// The inter-State communication procedures. ICERD art. 11 binds every party; the others
/// need the declaration of both States.
pub const INTER_STATE_PROCEDURES: &[ProcedureRule] = &[
    ProcedureRule {
        label: "ICERD art. 11",
        instrument: "ICERD",
        via: AcceptanceVia::Protocol,
    },
    ProcedureRule {
        label: "ICCPR art. 41",
        instrument: "ICCPR",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "OP-ICESCR art. 10",
        instrument: "OP-ICESCR",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "CAT art. 21",
        instrument: "CAT",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "OP-CRC-IC art. 12",
        instrument: "OP-CRC-IC",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "ICMW art. 76",
        instrument: "ICMW",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "CPED art. 32",
        instrument: "CPED",
        via: AcceptanceVia::OptIn,
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
/// Nothing recorded (`None`) on an opt-in or opt-out procedure is [`Acceptance::Unknown`]:
/// the absence of a record is not the absence of a declaration or of an opt-out, and an
/// unknown is never shown as accepted.
pub fn acceptance(rule: &ProcedureRule, party: bool, flag: Option<bool>) -> Acceptance {
    if !party {
        return Acceptance::NotAccepted;
    }
    match (rule.via, flag) {
        (AcceptanceVia::Protocol, _) => Acceptance::Accepted,
        (_, Some(true)) => Acceptance::Accepted,
        (_, Some(false)) => Acceptance::NotAccepted,
        (AcceptanceVia::OptIn | AcceptanceVia::OptOut, None) => Acceptance::Unknown,
    }
}

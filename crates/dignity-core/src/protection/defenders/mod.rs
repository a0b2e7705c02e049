//! Rules of the defenders part of the protection area: the fixed vocabularies (SDG 16.10.1
//! victim status, perpetrator categories, motives, risk levels and factors, types and
//! statuses of protection measures) as enums, the parsing of a profile, an attack, a risk
//! assessment, a measure and its steps, the measures' state machine and the check-in clock.
//! No I/O: what needs the database (the local vocabularies, whether a record exists) is
//! looked up by the store and handed in.

use super::{cents, currency, day, not_future, past_day_or_today};
use crate::Invalid;
use chrono::NaiveDate;

mod checkins;
mod measures;
mod profile;
mod risk;

pub use checkins::*;
pub use measures::*;
pub use profile::*;
pub use risk::*;

/// An enum of a fixed vocabulary: its codes (stored and sent as they are), the list of
/// them, and a parse that refuses anything else naming the field and the accepted codes.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// Every code, in the same order.
            pub const CODES: &'static [&'static str] = &[$($code),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }

            /// The value of a stored code.
            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$v),)+ _ => None }
            }

            /// A code as typed (trimmed), refused with the field named.
            pub fn parse(
                field: impl Into<std::borrow::Cow<'static, str>>,
                raw: &str,
            ) -> Result<$name, Invalid> {
                let t = raw.trim();
                Self::from_code(t).ok_or_else(|| Invalid::not_one_of(field, t, Self::CODES))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Victim status of SDG indicator 16.10.1.
    SdgStatus {
        Hrd = "hrd",
        Journalist = "journalist",
        MediaWorker = "media_worker",
        TradeUnionist = "trade_unionist",
    }
}

vocabulary! {
    /// Perpetrator categories of SDG indicator 16.10.1 (OHCHR metadata).
    PerpetratorCategory {
        StateActor = "state_actor",
        ArmedGroup = "armed_group",
        OrganisedCrime = "organised_crime",
        Business = "business",
        PrivateIndividual = "private_individual",
        Unknown = "unknown",
    }
}

vocabulary! {
    /// Motive of an attack.
    Motive {
        WorkRelated = "work_related",
        NotWorkRelated = "not_work_related",
        Unknown = "unknown",
    }
}

vocabulary! {
    /// Risk levels, lowest first.
    RiskLevel {
        Low = "low",
        Medium = "medium",
        High = "high",
        Extreme = "extreme",
    }
}

vocabulary! {
    /// Risk factors that an assessment may tick.
    RiskFactor {
        PriorAttacks = "prior_attacks",
        ThreatsReceived = "threats_received",
        HighProfileCase = "high_profile_case",
        IsolatedLocation = "isolated_location",
        FamilyTargeted = "family_targeted",
        Surveillance = "surveillance",
        Impunity = "impunity",
        Stigmatisation = "stigmatisation",
        GenderBased = "gender_based",
    }
}

vocabulary! {
    /// Types of protection measure.
    MeasureType {
        EmergencyGrant = "emergency_grant",
        Relocation = "relocation",
        LegalSupport = "legal_support",
        MedicalSupport = "medical_support",
        PsychosocialSupport = "psychosocial_support",
        DigitalSecurity = "digital_security",
        TrialObservation = "trial_observation",
        PublicAdvocacy = "public_advocacy",
        PrivateAdvocacy = "private_advocacy",
    }
}

vocabulary! {
    /// Statuses of a measure, in order (see [`MeasureStatus::next`]).
    MeasureStatus {
        Requested = "requested",
        Approved = "approved",
        Delivered = "delivered",
        Closed = "closed",
    }
}

/// Every rule key of the defenders' rules (the web catalogs must have them all).
pub const RULE_KEYS: &[&str] = &[
    "pro.def.not_an_area",
    "pro.def.attack_type",
    "pro.def.no_act_type",
    "pro.def.review_after_assessment",
    "pro.def.grant_amount",
    "pro.def.relocation_host",
    "pro.def.relocation_period",
    "pro.def.relocation_visa",
    "pro.def.relocation_plan",
    "pro.def.measure_next",
    "pro.def.measure_closed",
    "pro.def.step_out_of_order",
    "pro.def.outcome_required",
    "pro.def.not_this_defenders_measure",
    "pro.def.checkin_done",
];

#[cfg(test)]
mod tests;

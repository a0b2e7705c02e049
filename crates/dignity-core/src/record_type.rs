//! The kinds of records that carry a confidentiality level, a publication flag and a
//! need-to-know list. A record type is parsed from a path segment or a form field into
//! this enum; its table name comes from a `match` on the enum, so no SQL identifier is
//! ever built from a string that a user sent.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Calls the macro `$then` with every record type, each after its documentation: the one
/// list of the record types. [`RecordType`] and [`RecordType::ALL`] are made from it here,
/// and the marker types of the web's extractors (`dignity_web::authz::rec`) there.
#[macro_export]
macro_rules! with_record_types {
    ($then:ident) => {
        $then! {
            /// A violation event (`vio_events`).
            Event,
            /// An act of violence within an event (`vio_acts`).
            Act,
            /// A person: victim, perpetrator, source (`vio_persons`).
            Person,
            /// An intervention on behalf of victims (`vio_interventions`).
            Intervention,
            /// An evidence item (`vio_evidence`).
            Evidence,
            /// A human-rights defender (`pro_defenders`).
            Defender,
            /// A missing-person case (`pro_missing`).
            Missing,
            /// An assessment of a recommendation's implementation (`rec_assessments`).
            Assessment,
            /// A note on a recommendation (`rec_notes`).
            RecommendationNote,
            /// A multiple-systems-estimation data set (`mse_datasets`).
            MseDataset,
        }
    };
}

/// The enum and its list of every variant.
macro_rules! record_type_enum {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Every record type of the store that follows the record-table convention
        /// (`confidentiality`, `published`, `created_by`, need-to-know list in `record_acl`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum RecordType {
            $($(#[$doc])* $name,)*
        }

        impl RecordType {
            /// Every record type, in a stable order.
            pub const ALL: [RecordType; [$(stringify!($name)),*].len()] = [$(RecordType::$name),*];
        }
    };
}

with_record_types!(record_type_enum);

impl RecordType {
    /// The record types an administrator may publish on the public portal. People's
    /// records (persons, evidence files) are never published.
    pub const PUBLISHABLE: [RecordType; 6] = [
        RecordType::Event,
        RecordType::Intervention,
        RecordType::Defender,
        RecordType::Missing,
        RecordType::Assessment,
        RecordType::MseDataset,
    ];

    /// The table holding records of this type (also the `record_type` of its
    /// need-to-know list in `record_acl` and of its audit entries).
    pub const fn table(self) -> &'static str {
        match self {
            RecordType::Event => "vio_events",
            RecordType::Act => "vio_acts",
            RecordType::Person => "vio_persons",
            RecordType::Intervention => "vio_interventions",
            RecordType::Evidence => "vio_evidence",
            RecordType::Defender => "pro_defenders",
            RecordType::Missing => "pro_missing",
            RecordType::Assessment => "rec_assessments",
            RecordType::RecommendationNote => "rec_notes",
            RecordType::MseDataset => "mse_datasets",
        }
    }

    /// May records of this type be published on the public portal?
    pub fn is_publishable(self) -> bool {
        RecordType::PUBLISHABLE.contains(&self)
    }

    /// The record type whose table is `table` (exact match), if any.
    pub fn from_table(table: &str) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|t| t.table() == table)
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.table())
    }
}

/// Parses a table name (`vio_events`, as forms and the audit log carry it) or the path
/// segment of the record's pages (`events`, `acts`, `persons`, `interventions`,
/// `evidence`, `defenders`, `missing`, `assessments`, `notes`, `datasets`). Anything else
/// is refused.
impl FromStr for RecordType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(t) = RecordType::from_table(s) {
            return Ok(t);
        }
        match s {
            "events" => Ok(RecordType::Event),
            "acts" => Ok(RecordType::Act),
            "persons" => Ok(RecordType::Person),
            "interventions" => Ok(RecordType::Intervention),
            "evidence" => Ok(RecordType::Evidence),
            "defenders" => Ok(RecordType::Defender),
            "missing" => Ok(RecordType::Missing),
            "assessments" => Ok(RecordType::Assessment),
            "notes" => Ok(RecordType::RecommendationNote),
            "datasets" => Ok(RecordType::MseDataset),
            _ => Err(format!(
                "unknown record type {:?}",
                s.chars().take(64).collect::<String>()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_round_trip() {
        for t in RecordType::ALL {
            assert_eq!(t.table().parse::<RecordType>(), Ok(t));
            assert_eq!(RecordType::from_table(t.table()), Some(t));
            assert!(t
                .table()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn path_segments_parse_and_nothing_else_does() {
        assert_eq!("acts".parse::<RecordType>(), Ok(RecordType::Act));
        assert_eq!("defenders".parse::<RecordType>(), Ok(RecordType::Defender));
        for bad in [
            "",
            "users",
            "vio_events; DROP TABLE users",
            "VIO_EVENTS",
            "vio_events ",
            "audit_log",
            "../vio_events",
        ] {
            assert!(bad.parse::<RecordType>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn people_are_never_publishable() {
        assert!(!RecordType::Person.is_publishable());
        assert!(!RecordType::Evidence.is_publishable());
        assert!(RecordType::Event.is_publishable());
    }
}

//! References an input makes to records that must exist (a State, an instrument, a
//! mandate, a recommendation or cluster): the refusal when one does not. The store looks
//! the reference up; the refusal, its field and its words are the area's.

use crate::Invalid;

/// What an input referred to that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    Country,
    Instrument,
    Mandate,
    /// A cluster of recommendations, or a recommendation put in one.
    ClusterOrRecommendation,
    /// What an action, an indicator or a note is about.
    RecommendationOrCluster,
    /// What an implementation step is attached to.
    RecommendationClusterOrInstitution,
    /// A planned action, of the recommendation (or of a cluster it is in).
    PlannedAction,
}

impl Unknown {
    /// The refusal of `field`; `value` (when given) is shown quoted after the words.
    pub fn invalid(self, field: &'static str, value: Option<&str>) -> Invalid {
        let (key, en, en_value) = match self {
            Unknown::Country => (
                "obl.rule.unknown_country",
                "unknown country",
                "unknown country {value}",
            ),
            Unknown::Instrument => (
                "obl.rule.unknown_instrument",
                "unknown instrument",
                "unknown instrument {value}",
            ),
            Unknown::Mandate => (
                "obl.rule.unknown_mandate",
                "unknown mandate",
                "unknown mandate {value}",
            ),
            Unknown::ClusterOrRecommendation => (
                "obl.rule.unknown_cluster",
                "unknown cluster or recommendation",
                "unknown cluster or recommendation {value}",
            ),
            Unknown::RecommendationOrCluster => (
                "obl.rule.unknown_target",
                "unknown recommendation or cluster",
                "unknown recommendation or cluster {value}",
            ),
            Unknown::RecommendationClusterOrInstitution => (
                "obl.rule.unknown_step_target",
                "unknown recommendation, cluster or institution",
                "unknown recommendation, cluster or institution {value}",
            ),
            Unknown::PlannedAction => (
                "obl.rule.unknown_action",
                "no such planned action on this recommendation",
                "no such planned action on this recommendation {value}",
            ),
        };
        match value {
            Some(v) => Invalid::rule(field, key, en_value).arg("value", format!("{v:?}")),
            None => Invalid::rule(field, key, en),
        }
    }
}

/// A communication linked to an intervention the actor may not read (it reads as unknown,
/// so that a restricted record does not show) or may read but not edit.
pub fn intervention_refused(intervention_id: i64, may_read: bool) -> Invalid {
    if may_read {
        Invalid::rule(
            "intervention_id",
            "obl.rule.intervention_not_editable",
            "you may not edit intervention {id}",
        )
    } else {
        Invalid::rule(
            "intervention_id",
            "obl.rule.unknown_intervention",
            "no intervention {id}",
        )
    }
    .arg("id", intervention_id)
}

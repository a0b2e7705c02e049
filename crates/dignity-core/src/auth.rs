//! The one authorization module. Every page, API handler, search, count and export asks
//! [`authorize`] before it reads or writes a record; nothing else decides access.
//!
//! The rules, in words a human rights officer would use:
//! - **Public** records that are **published** are open to everyone, logged in or not.
//! - **Internal** records are open to every staff account for reading; documenters,
//!   coordinators and admins may edit them.
//! - **Confidential** and **strictly confidential** records are open only to the people and
//!   teams on the record's need-to-know list (and whoever created it) — whatever their role.
//!   An admin is not above that rule: an admin can change who is on the list, and that change
//!   is itself an audited write.
//! - **Strictly confidential** records additionally: every read is written to the audit log,
//!   and they never leave in a bulk export unless the exporter is a coordinator or admin on
//!   the list.
//! - Roles cap what a person may do with what they can see: analysts read, search and export;
//!   documenters also create and edit; coordinators also delete and manage their team;
//!   admins also manage users, reference data, publishing and read the audit log.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Anonymous visitor of the public pages.
    Public,
    Analyst,
    Documenter,
    Coordinator,
    Admin,
}

impl Role {
    pub const STAFF: [Role; 4] = [
        Role::Admin,
        Role::Coordinator,
        Role::Documenter,
        Role::Analyst,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Analyst => "analyst",
            Role::Documenter => "documenter",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "coordinator" => Ok(Role::Coordinator),
            "documenter" => Ok(Role::Documenter),
            "analyst" => Ok(Role::Analyst),
            "public" => Ok(Role::Public),
            other => Err(format!(
                "unknown role {other:?}: expected admin, coordinator, documenter or analyst"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidentiality {
    Public,
    Internal,
    Confidential,
    StrictlyConfidential,
}

impl Confidentiality {
    pub const ALL: [Confidentiality; 4] = [
        Confidentiality::Public,
        Confidentiality::Internal,
        Confidentiality::Confidential,
        Confidentiality::StrictlyConfidential,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            Confidentiality::Public => "public",
            Confidentiality::Internal => "internal",
            Confidentiality::Confidential => "confidential",
            Confidentiality::StrictlyConfidential => "strictly_confidential",
        }
    }
    /// Levels above internal are restricted to a need-to-know list.
    pub fn needs_list(&self) -> bool {
        *self >= Confidentiality::Confidential
    }
}

impl fmt::Display for Confidentiality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Confidentiality {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
            "public" => Ok(Self::Public),
            "internal" => Ok(Self::Internal),
            "confidential" => Ok(Self::Confidential),
            "strictly_confidential" => Ok(Self::StrictlyConfidential),
            other => Err(format!(
                "unknown confidentiality level {other:?}: expected public, internal, confidential or strictly_confidential"
            )),
        }
    }
}

/// Who is asking. Anonymous visitors are `Actor::anonymous()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub teams: Vec<i64>,
}

impl Actor {
    pub fn anonymous() -> Self {
        Actor {
            user_id: None,
            username: "anonymous".into(),
            role: Role::Public,
            teams: vec![],
        }
    }
    /// The system itself (first-start loading of reference data, migrations). Never a
    /// person; shown as `system` in the audit log.
    pub fn system() -> Self {
        Actor {
            user_id: None,
            username: "system".into(),
            role: Role::Admin,
            teams: vec![],
        }
    }
    pub fn is_staff(&self) -> bool {
        self.role != Role::Public && self.user_id.is_some()
    }
}

/// What an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
    Export,
    Publish,
    /// Change the confidentiality level or the need-to-know list.
    ManageAccess,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Export,
        Action::Publish,
        Action::ManageAccess,
    ];
}

/// Actions on the system rather than on a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemAction {
    ManageUsers,
    ManageTeamMembers,
    ViewAudit,
    ManageReferenceData,
    ManageSettings,
    /// Erase a person (crypto-shredding): administrators only.
    ErasePersons,
}

/// The access facts of one record.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecordAccess {
    pub level: Option<Confidentiality>,
    pub published: bool,
    pub created_by: Option<i64>,
    pub need_to_know_users: Vec<i64>,
    pub need_to_know_teams: Vec<i64>,
}

impl RecordAccess {
    pub fn new(level: Confidentiality) -> Self {
        RecordAccess {
            level: Some(level),
            ..Default::default()
        }
    }
    fn level(&self) -> Confidentiality {
        // A record with no level set is treated as the most restrictive: fail closed.
        self.level.unwrap_or(Confidentiality::StrictlyConfidential)
    }
    fn on_list(&self, actor: &Actor) -> bool {
        let Some(uid) = actor.user_id else {
            return false;
        };
        self.created_by == Some(uid)
            || self.need_to_know_users.contains(&uid)
            || actor
                .teams
                .iter()
                .any(|t| self.need_to_know_teams.contains(t))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Decision {
    /// Allowed. `audit_read` asks the caller to write the read to the audit log.
    Allow {
        audit_read: bool,
    },
    Deny(&'static str),
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }
}

/// Decide whether `actor` may do `action` on a record with `access`.
/// For `Create`, pass the access the new record will have.
pub fn authorize(actor: &Actor, action: Action, access: &RecordAccess) -> Decision {
    let level = access.level();
    let role = if actor.user_id.is_some() {
        actor.role
    } else {
        Role::Public
    };

    // What the role may do at all, whatever the record.
    let role_may = match action {
        Action::Read => true,
        Action::Export => role >= Role::Analyst,
        Action::Create | Action::Update => role >= Role::Documenter,
        Action::Delete => role >= Role::Coordinator,
        Action::Publish => role >= Role::Admin,
        Action::ManageAccess => role >= Role::Coordinator,
    };
    if !role_may {
        return Decision::Deny("your role does not allow this action");
    }

    if role == Role::Public {
        return if level == Confidentiality::Public && access.published {
            Decision::Allow { audit_read: false }
        } else {
            Decision::Deny("this record is not published")
        };
    }

    // Staff from here on.
    if level.needs_list() && !(action == Action::Create || access.on_list(actor)) {
        return Decision::Deny("this record is restricted to its need-to-know list");
    }
    match action {
        Action::Publish if level != Confidentiality::Public => {
            Decision::Deny("only records marked public can be published")
        }
        Action::Export
            if level == Confidentiality::StrictlyConfidential && role < Role::Coordinator =>
        {
            Decision::Deny("strictly confidential records are exported only by coordinators")
        }
        Action::Read => Decision::Allow {
            audit_read: level == Confidentiality::StrictlyConfidential,
        },
        _ => Decision::Allow { audit_read: false },
    }
}

/// The access of a view that discloses several records at once (an act with its event and
/// victim, evidence with the act or event it documents, a search document that carries them
/// all): readable only by those who may read **every** one of them. Where the exact
/// intersection cannot be written as one level and one list (two different need-to-know
/// lists), it keeps only the principals named on every list: some readers who could open
/// each record one by one may lose the combined view, never the other way round (fail
/// closed). `authorize(actor, Read, &RecordAccess::disclosing(&[a, b]))` allowed ⇒
/// `authorize(actor, Read, a)` and `authorize(actor, Read, b)` allowed (a test checks).
impl RecordAccess {
    pub fn disclosing(records: &[&RecordAccess]) -> RecordAccess {
        let Some(first) = records.first() else {
            return RecordAccess::default();
        };
        let mut out = RecordAccess {
            level: Some(Confidentiality::Public),
            published: true,
            ..Default::default()
        };
        let mut lists: Option<(Vec<i64>, Vec<i64>)> = None;
        for r in records {
            let Some(level) = r.level else {
                return RecordAccess::default();
            };
            out.level = out.level.max(Some(level));
            out.published &= r.published;
            if level.needs_list() {
                let mut users = r.need_to_know_users.clone();
                users.extend(r.created_by);
                let teams = r.need_to_know_teams.clone();
                lists = Some(match lists {
                    None => (users, teams),
                    Some((u, t)) => (
                        u.into_iter().filter(|x| users.contains(x)).collect(),
                        t.into_iter().filter(|x| teams.contains(x)).collect(),
                    ),
                });
            }
        }
        if records.len() == 1 {
            return (*first).clone();
        }
        if let Some((mut users, mut teams)) = lists {
            users.sort_unstable();
            users.dedup();
            teams.sort_unstable();
            teams.dedup();
            out.need_to_know_users = users;
            out.need_to_know_teams = teams;
        }
        out
    }
}

/// Decide `action` on a record that discloses other records (its event, its victim, the act
/// it documents…): the action must be allowed on the record itself and every disclosed
/// record must be readable. The one rule for "a record is visible only when it and every
/// record it discloses are readable"; `audit_read` when any of them asks for it.
pub fn authorize_disclosing(
    actor: &Actor,
    action: Action,
    record: &RecordAccess,
    disclosed: &[&RecordAccess],
) -> Decision {
    let mut audit = false;
    for (i, (a, acc)) in std::iter::once((action, record))
        .chain(disclosed.iter().map(|d| (Action::Read, *d)))
        .enumerate()
    {
        match authorize(actor, a, acc) {
            Decision::Allow { audit_read } => audit |= audit_read,
            Decision::Deny(m) if i == 0 => return Decision::Deny(m),
            Decision::Deny(_) => {
                return Decision::Deny("a record this one discloses is restricted")
            }
        }
    }
    Decision::Allow {
        audit_read: audit && action == Action::Read,
    }
}

/// Decide a system-level action.
pub fn authorize_system(actor: &Actor, action: SystemAction) -> Decision {
    if actor.user_id.is_none() {
        return Decision::Deny("sign in first");
    }
    let need = match action {
        SystemAction::ManageTeamMembers => Role::Coordinator,
        SystemAction::ManageUsers
        | SystemAction::ViewAudit
        | SystemAction::ManageReferenceData
        | SystemAction::ManageSettings
        | SystemAction::ErasePersons => Role::Admin,
    };
    if actor.role >= need {
        Decision::Allow { audit_read: false }
    } else {
        Decision::Deny("your role does not allow this action")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Confidentiality::*;

    fn staff(role: Role) -> Actor {
        Actor {
            user_id: Some(10),
            username: role.as_str().into(),
            role,
            teams: vec![7],
        }
    }

    /// The expected answer for every role × level × action, written out as a table a
    /// reviewer can read line by line. `on_list` says whether the actor is on the
    /// record's need-to-know list (by user id).
    fn expected(role: Role, level: Confidentiality, action: Action, on_list: bool) -> bool {
        let staff_may = |r: Role| match action {
            Read => true,
            Export => r >= Role::Analyst,
            Create | Update => r >= Role::Documenter,
            Delete => r >= Role::Coordinator,
            Publish => r == Role::Admin,
            ManageAccess => r >= Role::Coordinator,
        };
        match role {
            Role::Public => action == Read && level == Public, // published records only
            r => {
                if !staff_may(r) {
                    return false;
                }
                let visible = !level.needs_list() || on_list || action == Create;
                let publish_ok = action != Publish || level == Public;
                let export_ok =
                    !(action == Export && level == StrictlyConfidential && r < Role::Coordinator);
                visible && publish_ok && export_ok
            }
        }
    }

    #[test]
    fn the_whole_matrix_role_by_level_by_action() {
        let mut checked = 0;
        for role in [
            Role::Public,
            Role::Analyst,
            Role::Documenter,
            Role::Coordinator,
            Role::Admin,
        ] {
            for level in Confidentiality::ALL {
                for action in Action::ALL {
                    for on_list in [false, true] {
                        let actor = if role == Role::Public {
                            Actor::anonymous()
                        } else {
                            staff(role)
                        };
                        let mut access = RecordAccess::new(level);
                        access.published = true;
                        access.created_by = Some(99);
                        if on_list {
                            access.need_to_know_users = vec![10];
                        }
                        let got = authorize(&actor, action, &access).allowed();
                        let want = expected(role, level, action, on_list && role != Role::Public);
                        assert_eq!(
                            got, want,
                            "role={role} level={level} action={action:?} on_list={on_list}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 5 * 4 * 7 * 2);
    }

    #[test]
    fn team_membership_puts_you_on_the_list() {
        let mut access = RecordAccess::new(Confidential);
        access.need_to_know_teams = vec![7];
        assert!(authorize(&staff(Role::Analyst), Read, &access).allowed());
        let mut other = staff(Role::Analyst);
        other.teams = vec![8];
        assert!(!authorize(&other, Read, &access).allowed());
    }

    #[test]
    fn the_creator_keeps_access_to_a_restricted_record() {
        let mut access = RecordAccess::new(StrictlyConfidential);
        access.created_by = Some(10);
        assert_eq!(
            authorize(&staff(Role::Documenter), Read, &access),
            Decision::Allow { audit_read: true }
        );
    }

    #[test]
    fn unpublished_public_records_stay_hidden_from_visitors() {
        let access = RecordAccess::new(Public);
        assert!(!authorize(&Actor::anonymous(), Read, &access).allowed());
        assert!(authorize(&staff(Role::Analyst), Read, &access).allowed());
    }

    #[test]
    fn a_record_without_a_level_fails_closed() {
        let access = RecordAccess::default();
        assert!(!authorize(&staff(Role::Admin), Read, &access).allowed());
    }

    #[test]
    fn a_staff_role_without_an_account_is_treated_as_public() {
        let ghost = Actor {
            user_id: None,
            username: "x".into(),
            role: Role::Admin,
            teams: vec![],
        };
        assert!(!authorize(&ghost, Update, &RecordAccess::new(Internal)).allowed());
    }

    #[test]
    fn system_actions() {
        assert!(authorize_system(&staff(Role::Admin), SystemAction::ViewAudit).allowed());
        assert!(!authorize_system(&staff(Role::Coordinator), SystemAction::ViewAudit).allowed());
        assert!(
            authorize_system(&staff(Role::Coordinator), SystemAction::ManageTeamMembers).allowed()
        );
        assert!(!authorize_system(&staff(Role::Documenter), SystemAction::ManageUsers).allowed());
        assert!(!authorize_system(&Actor::anonymous(), SystemAction::ViewAudit).allowed());
    }

    #[test]
    fn roles_and_levels_parse() {
        assert_eq!("Coordinator".parse::<Role>().unwrap(), Role::Coordinator);
        assert!("root".parse::<Role>().is_err());
        assert_eq!(
            "strictly confidential".parse::<Confidentiality>().unwrap(),
            StrictlyConfidential
        );
    }

    #[test]
    fn a_view_is_readable_only_when_everything_it_discloses_is() {
        // An internal act of a strictly confidential event, readable by the act's readers
        // alone: the act does not carry the event to them.
        let act = RecordAccess::new(Internal);
        let mut event = RecordAccess::new(StrictlyConfidential);
        event.need_to_know_users = vec![11];
        let analyst = staff(Role::Analyst);
        assert!(authorize(&analyst, Read, &act).allowed());
        assert!(!authorize_disclosing(&analyst, Read, &act, &[&event]).allowed());
        let mut on_list = staff(Role::Analyst);
        on_list.user_id = Some(11);
        assert_eq!(
            authorize_disclosing(&on_list, Read, &act, &[&event]),
            Decision::Allow { audit_read: true }
        );
        // The action applies to the record, reading to what it discloses.
        assert!(!authorize_disclosing(&on_list, Update, &act, &[&event]).allowed());
        let mut doc = staff(Role::Documenter);
        doc.user_id = Some(11);
        assert!(authorize_disclosing(&doc, Update, &act, &[&event]).allowed());
    }

    /// `disclosing` never lets anyone read more than each record allows (soundness), over
    /// every pair of levels × lists × published, for every role and list membership.
    #[test]
    fn the_combined_access_is_never_wider_than_any_part() {
        let mut parts = Vec::new();
        for level in Confidentiality::ALL {
            for published in [false, true] {
                for (users, teams, creator) in [
                    (vec![], vec![], None),
                    (vec![10], vec![], None),
                    (vec![], vec![7], None),
                    (vec![12], vec![8], Some(10)),
                ] {
                    parts.push(RecordAccess {
                        level: Some(level),
                        published,
                        created_by: creator,
                        need_to_know_users: users,
                        need_to_know_teams: teams,
                    });
                }
            }
        }
        parts.push(RecordAccess::default());
        let mut actors = vec![Actor::anonymous()];
        for role in Role::STAFF {
            for (uid, teams) in [(10, vec![]), (12, vec![7]), (13, vec![8]), (14, vec![])] {
                let mut a = staff(role);
                a.user_id = Some(uid);
                a.teams = teams;
                actors.push(a);
            }
        }
        let mut wider_never = 0;
        for a in &parts {
            for b in &parts {
                let both = RecordAccess::disclosing(&[a, b]);
                for actor in &actors {
                    let sees_both =
                        authorize(actor, Read, a).allowed() && authorize(actor, Read, b).allowed();
                    if authorize(actor, Read, &both).allowed() {
                        assert!(sees_both, "{a:?} + {b:?} for {actor:?}");
                        wider_never += 1;
                    }
                    // Same list on both sides, or only one restricted: exact.
                    if a == b || !a.level.unwrap_or(StrictlyConfidential).needs_list() {
                        assert_eq!(
                            authorize(actor, Read, &both).allowed(),
                            sees_both,
                            "{a:?} + {b:?} for {actor:?}"
                        );
                    }
                }
            }
        }
        assert!(wider_never > 0);
    }
}

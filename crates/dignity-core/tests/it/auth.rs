//! Authorization: the one module every read and write asks. A higher role or a lower
//! confidentiality level never grants less, a record with no level is strictly
//! confidential, an anonymous visitor reads published public records and nothing else, and
//! a view that discloses several records is readable only by those who may read each.

use crate::config;
use dignity_core::auth::{authorize, authorize_disclosing, authorize_system, SystemAction};
use dignity_core::{Action, Actor, Confidentiality, RecordAccess, Role};
use proptest::prelude::*;

const ROLES: [Role; 5] = [
    Role::Public,
    Role::Analyst,
    Role::Documenter,
    Role::Coordinator,
    Role::Admin,
];
const SYSTEM: [SystemAction; 6] = [
    SystemAction::ManageUsers,
    SystemAction::ManageTeamMembers,
    SystemAction::ViewAudit,
    SystemAction::ManageReferenceData,
    SystemAction::ManageSettings,
    SystemAction::ErasePersons,
];

fn ids() -> impl Strategy<Value = Vec<i64>> {
    proptest::collection::vec(1i64..6, 0..3)
}

fn actor() -> impl Strategy<Value = Actor> {
    (
        proptest::option::of(1i64..6),
        proptest::sample::select(ROLES.to_vec()),
        ids(),
    )
        .prop_map(|(user_id, role, teams)| Actor {
            user_id,
            username: "u".into(),
            role,
            teams,
        })
}

fn level() -> impl Strategy<Value = Confidentiality> {
    proptest::sample::select(Confidentiality::ALL.to_vec())
}

fn access() -> impl Strategy<Value = RecordAccess> {
    (
        proptest::option::of(level()),
        any::<bool>(),
        proptest::option::of(1i64..6),
        ids(),
        ids(),
    )
        .prop_map(
            |(level, published, created_by, need_to_know_users, need_to_know_teams)| RecordAccess {
                level,
                published,
                created_by,
                need_to_know_users,
                need_to_know_teams,
            },
        )
}

fn action() -> impl Strategy<Value = Action> {
    proptest::sample::select(Action::ALL.to_vec())
}

proptest! {
    #![proptest_config(config(512))]

    /// A higher role never may do less on the same record.
    #[test]
    fn a_higher_role_never_grants_less(a in actor(), act in action(), r in access(), hi in 0..5usize) {
        let higher = Actor { role: ROLES[hi].max(a.role), ..a.clone() };
        if authorize(&a, act, &r).allowed() {
            prop_assert!(authorize(&higher, act, &r).allowed(), "{:?} -> {:?}", a.role, higher.role);
        }
    }

    /// A more confidential record never allows more; a record with no level is treated as
    /// strictly confidential (fail closed).
    #[test]
    fn a_higher_level_never_grants_more(a in actor(), act in action(), r in access(), l1 in level(), l2 in level()) {
        let (lo, hi) = (l1.min(l2), l1.max(l2));
        let at = |l| RecordAccess { level: Some(l), ..r.clone() };
        if authorize(&a, act, &at(hi)).allowed() {
            prop_assert!(authorize(&a, act, &at(lo)).allowed());
        }
        let unset = RecordAccess { level: None, ..r.clone() };
        prop_assert_eq!(
            authorize(&a, act, &unset),
            authorize(&a, act, &at(Confidentiality::StrictlyConfidential))
        );
    }

    /// Being put on a record's need-to-know list never takes access away.
    #[test]
    fn joining_the_list_never_grants_less(a in actor(), act in action(), r in access()) {
        if let Some(uid) = a.user_id {
            let mut listed = r.clone();
            listed.need_to_know_users.push(uid);
            if authorize(&a, act, &r).allowed() {
                prop_assert!(authorize(&a, act, &listed).allowed());
            }
        }
    }

    /// Someone not signed in (or signed in as `public`) may read a published public record
    /// and do nothing else; reads of strictly confidential records are audited.
    #[test]
    fn visitors_read_only_published_public_records(a in actor(), act in action(), r in access()) {
        let d = authorize(&a, act, &r);
        if a.user_id.is_none() || a.role == Role::Public {
            let open = act == Action::Read && r.level == Some(Confidentiality::Public) && r.published;
            prop_assert_eq!(d.allowed(), open);
        }
        let audited = matches!(d, dignity_core::Decision::Allow { audit_read: true });
        let strict = r.level.is_none_or(|l| l == Confidentiality::StrictlyConfidential);
        prop_assert_eq!(audited, d.allowed() && act == Action::Read && strict);
    }

    /// A view disclosing several records is readable only by who may read each of them
    /// (never the other way round); the decision on a record that discloses others allows
    /// only what is allowed on it and readable in each.
    #[test]
    fn disclosing_views_are_readable_only_when_each_record_is(
        a in actor(), records in proptest::collection::vec(access(), 0..4), act in action(), own in access(),
    ) {
        let refs: Vec<&RecordAccess> = records.iter().collect();
        if authorize(&a, Action::Read, &RecordAccess::disclosing(&refs)).allowed() {
            for r in &records {
                prop_assert!(authorize(&a, Action::Read, r).allowed(), "{:?}", r);
            }
        }
        let d = authorize_disclosing(&a, act, &own, &refs);
        let each = authorize(&a, act, &own).allowed()
            && records.iter().all(|r| authorize(&a, Action::Read, r).allowed());
        prop_assert_eq!(d.allowed(), each);
        if let dignity_core::Decision::Allow { audit_read: true } = d {
            prop_assert_eq!(act, Action::Read);
        }
    }

    /// System actions need a signed-in account, and a higher role never may do less.
    #[test]
    fn system_actions_need_an_account_and_a_role(a in actor(), i in 0..6usize, hi in 0..5usize) {
        let s = SYSTEM[i];
        let d = authorize_system(&a, s);
        if a.user_id.is_none() {
            prop_assert!(!d.allowed());
        }
        let higher = Actor { role: ROLES[hi].max(a.role), ..a.clone() };
        if d.allowed() {
            prop_assert!(authorize_system(&higher, s).allowed());
            prop_assert!(a.role >= Role::Coordinator);
        }
    }
}

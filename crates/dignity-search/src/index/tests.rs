use super::*;
use dignity_core::auth::{authorize, Action};

/// The access tokens and the filter agree with `authorize` on every combination of
/// level, publication, creator, list (users and teams) and reader.
#[test]
fn access_tokens_match_authorize() {
    let readers = [
        Actor::anonymous(),
        Actor {
            user_id: Some(1),
            username: "a".into(),
            role: Role::Analyst,
            teams: vec![7],
        },
        Actor {
            user_id: Some(2),
            username: "d".into(),
            role: Role::Documenter,
            teams: vec![],
        },
        Actor {
            user_id: Some(3),
            username: "x".into(),
            role: Role::Admin,
            teams: vec![8, 7],
        },
        Actor {
            user_id: None,
            username: "ghost".into(),
            role: Role::Admin,
            teams: vec![7],
        },
        Actor {
            user_id: Some(1),
            username: "p".into(),
            role: Role::Public,
            teams: vec![7],
        },
    ];
    let mut n = 0;
    for level in [None].into_iter().chain(Confidentiality::ALL.map(Some)) {
        for published in [false, true] {
            for created_by in [None, Some(1), Some(2)] {
                for (users, teams) in [
                    (vec![], vec![]),
                    (vec![1], vec![]),
                    (vec![], vec![7]),
                    (vec![2], vec![9]),
                ] {
                    let a = RecordAccess {
                        level,
                        published,
                        created_by,
                        need_to_know_users: users.clone(),
                        need_to_know_teams: teams.clone(),
                    };
                    let toks = access_tokens(&a);
                    for r in &readers {
                        let reader_toks: Vec<String> =
                            match r.user_id.filter(|_| r.role != Role::Public) {
                                None => vec!["anon".into()],
                                Some(u) => std::iter::once("staff".to_string())
                                    .chain(std::iter::once(format!("u:{u}")))
                                    .chain(r.teams.iter().map(|t| format!("t:{t}")))
                                    .collect(),
                            };
                        let filter = toks.iter().any(|t| reader_toks.contains(t));
                        assert_eq!(
                            filter,
                            authorize(r, Action::Read, &a).allowed(),
                            "{a:?} {r:?}"
                        );
                        n += 1;
                    }
                }
            }
        }
    }
    assert_eq!(n, 5 * 2 * 3 * 4 * 6);
}

//! The SQL visibility filter agrees with the authorization module on every combination of
//! level, publication, creator, list membership and role — on every backend.

use crate::common;
use dignity_core::auth::{authorize, Action};
use dignity_core::{Actor, Confidentiality, RecordType, Role};
use dignity_store::testing::{backends, fixtures, store};
use dignity_store::{accounts, acl};
use sqlx::Row;

/// The record type whose need-to-know lists the scratch rows use.
const SCRATCH: RecordType = RecordType::MseDataset;

#[tokio::test]
async fn list_filter_matches_authorize_for_every_case() {
    for b in backends() {
        let s = store(b).await;
        // A scratch record table following the record-table convention; its rows take the
        // need-to-know lists of one record type (`SCRATCH`, whose own table stays empty).
        sqlx::query("CREATE TABLE scratch (id INTEGER PRIMARY KEY, confidentiality TEXT NOT NULL, published INTEGER NOT NULL, created_by INTEGER)")
            .execute(s.pool())
            .await
            .unwrap();
        let users: Vec<accounts::User> = common::users(
            &s,
            &[
                ("ana", Role::Analyst),
                ("dan", Role::Documenter),
                ("cora", Role::Coordinator),
                ("adam", Role::Admin),
            ],
        )
        .await
        .into_iter()
        .map(|(u, _)| u)
        .collect();
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let team = fixtures::field_office_north(&mut tx, users[0].id).await;
        // Records: every level × published × creator (none / ana / dan) × list (none / ana / team / dan).
        let mut id = 0i64;
        for level in Confidentiality::ALL {
            for published in [0, 1] {
                for creator in [None, Some(users[0].id), Some(users[1].id)] {
                    for list in 0..4 {
                        id += 1;
                        sqlx::query("INSERT INTO scratch (id, confidentiality, published, created_by) VALUES ($1, $2, $3, $4)")
                            .bind(id)
                            .bind(level.as_str())
                            .bind(published)
                            .bind(creator)
                            .execute(tx.conn())
                            .await
                            .unwrap();
                        let (u, t) = fixtures::matrix_list(list, users[0].id, users[1].id, team);
                        if list > 0 {
                            acl::set_need_to_know(
                                &mut tx,
                                SCRATCH.table(),
                                &id.to_string(),
                                &u,
                                &t,
                            )
                            .await
                            .unwrap();
                        }
                    }
                }
            }
        }
        tx.commit().await.unwrap();

        let mut actors: Vec<Actor> = vec![Actor::anonymous()];
        for u in &users {
            actors.push(accounts::actor_for(&s, u).await.unwrap());
        }
        for actor in &actors {
            let sql = format!(
                "SELECT id FROM scratch s WHERE {} ORDER BY id",
                acl::visible_sql(actor, "s", SCRATCH)
            );
            let visible = common::ints(&s, &sql).await;
            let rows = sqlx::query(
                "SELECT id, confidentiality, published, created_by FROM scratch ORDER BY id",
            )
            .fetch_all(s.pool())
            .await
            .unwrap();
            let mut expected = vec![];
            for r in rows {
                let rid: i64 = r.get(0);
                let access = fixtures::row_access(&s, SCRATCH.table(), &r).await;
                if authorize(actor, Action::Read, &access).allowed() {
                    expected.push(rid);
                }
            }
            assert_eq!(visible, expected, "{b:?} {}", actor.username);
            assert!(!expected.is_empty());
        }
    }
}

//! What the store tests share: a fresh store with the reference data, and accounts with
//! their actors.
#![allow(dead_code)]

use dignity_core::{Actor, Role};
use dignity_store::testing::TestStore;
use dignity_store::{accounts, Backend, Store};

/// The passphrase of every account the tests create.
pub const PW: &str = "a long enough passphrase";

/// A fresh store on `b` with the shipped reference data (vocabularies, countries) loaded.
pub async fn fresh_store(b: Backend) -> TestStore {
    let st = dignity_store::testing::store(b).await;
    dignity_store::refdata::load_shipped(&st).await.unwrap();
    st
}

/// New accounts (passphrase [`PW`]), written in one audited transaction as the system:
/// each account with its actor.
pub async fn users(s: &Store, who: &[(&str, Role)]) -> Vec<(accounts::User, Actor)> {
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let mut made = Vec::new();
    for (name, role) in who {
        made.push(
            accounts::create(&mut tx, name, "", *role, PW)
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let mut out = Vec::new();
    for u in made {
        let a = accounts::actor_for(s, &u).await.unwrap();
        out.push((u, a));
    }
    out
}

/// An administrator's actor as the first account of a store has it (id 1), for writes
/// whose author does not matter.
pub fn admin() -> Actor {
    Actor {
        user_id: Some(1),
        username: "amina".into(),
        role: Role::Admin,
        teams: vec![],
    }
}

/// A new account (passphrase [`PW`]), written as the system.
pub async fn account(s: &Store, name: &str, role: Role) -> accounts::User {
    users(s, &[(name, role)]).await.remove(0).0
}

/// Rows of a table.
pub async fn count(s: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(s.pool())
        .await
        .unwrap()
}

/// A new account's actor.
pub async fn actor(s: &Store, name: &str, role: Role) -> Actor {
    users(s, &[(name, role)]).await.remove(0).1
}

//! What the search tests share: accounts written in a transaction, search requests, and the
//! ids a test indexer lists.
#![allow(dead_code)]

use dignity_core::Role;
use dignity_search::SearchRequest;
use dignity_store::{accounts, Store, WriteTx};
use sqlx::Row;

/// The passphrase of every account the tests create.
pub const PW: &str = "a long enough passphrase";

/// A new account (no full name, passphrase [`PW`]) written in `tx`.
pub async fn account(tx: &mut WriteTx, name: &str, role: Role) -> accounts::User {
    accounts::create(tx, name, "", role, PW).await.unwrap()
}

/// A search for `text` in English, at most `limit` hits.
pub fn request(text: &str, limit: usize) -> SearchRequest {
    SearchRequest {
        q: text.into(),
        lang: "en".into(),
        limit,
        ..Default::default()
    }
}

/// The ids (integers, as text) that `sql` lists: what a test indexer's `ids` returns.
pub async fn text_ids(store: &Store, sql: &'static str) -> dignity_store::Result<Vec<String>> {
    Ok(sqlx::query(sql)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.get::<i64, _>(0).to_string())
        .collect())
}

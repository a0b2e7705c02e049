//! What the search tests share: accounts written in a transaction and search requests (the
//! test record types are `dignity_store::testing::fixtures::RowIndexer`s).
#![allow(dead_code)]

use dignity_core::Role;
use dignity_search::SearchRequest;
use dignity_store::{accounts, WriteTx};

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

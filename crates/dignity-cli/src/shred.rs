//! `dignity person erase`: crypto-shredding (see `dignity_store::shred`).

use anyhow::Result;
use clap::Subcommand;
use dignity_core::Actor;
use dignity_store::shred::{self, Erasure};
use dignity_store::Store;

#[derive(Subcommand, Clone)]
pub enum PersonCmd {
    /// Erase a person (right to erasure): their personal fields are overwritten and their
    /// key is destroyed, so they are unreadable in every older backup too. Events, acts
    /// and the person's record id stay. Cannot be undone.
    Erase {
        /// The person's record id.
        id: i64,
    },
}

pub async fn run(store: &Store, actor: &Actor, cmd: PersonCmd) -> Result<i32> {
    match cmd {
        PersonCmd::Erase { id } => {
            match shred::erase(store, actor, id).await? {
                Erasure::Erased => println!("person {id} erased"),
                Erasure::AlreadyErased => {
                    println!("person {id} was already erased (its key is destroyed)")
                }
            }
            Ok(0)
        }
    }
}

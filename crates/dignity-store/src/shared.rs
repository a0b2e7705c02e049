//! Pieces of record writes that the areas share (a leaf: it imports no area).

use crate::{acl, now, Result, WriteTx};
use dignity_core::Confidentiality;
use sqlx::any::{Any, AnyArguments};
use sqlx::query::Query;

/// The need-to-know list of a restricted record: the given users and teams (set only when
/// the record is restricted and a list is given) — the creator is always included through
/// `created_by`.
pub(crate) async fn set_list(
    tx: &mut WriteTx,
    table: &str,
    id: i64,
    lvl: Confidentiality,
    users: &[i64],
    teams: &[i64],
) -> Result<()> {
    if lvl.needs_list() && (!users.is_empty() || !teams.is_empty()) {
        acl::set_need_to_know(tx, table, &id.to_string(), users, teams).await?;
    }
    Ok(())
}

/// Who made a row and when: binds the next two placeholders of a query to the writing
/// actor's user id and the time now (`created_by, created_at` and the like).
pub(crate) trait BindCreated {
    fn bind_created(self, tx: &WriteTx) -> Self;
    /// Who did it, by name: binds the next two placeholders to the writing actor's user id
    /// and username (`by_user, by_name`).
    fn bind_by(self, tx: &WriteTx) -> Self;
    /// [`BindCreated::bind_by`] and when: the third placeholder is the time now (`by_user,
    /// by_name, at`).
    fn bind_signed(self, tx: &WriteTx) -> Self;
}

impl<'q> BindCreated for Query<'q, Any, AnyArguments<'q>> {
    fn bind_created(self, tx: &WriteTx) -> Self {
        self.bind(tx.actor().user_id).bind(now())
    }
    fn bind_by(self, tx: &WriteTx) -> Self {
        self.bind(tx.actor().user_id)
            .bind(tx.actor().username.clone())
    }
    fn bind_signed(self, tx: &WriteTx) -> Self {
        self.bind_by(tx).bind(now())
    }
}

//! Pieces of record writes that the areas share (a leaf: it imports no area).

use crate::{acl, now, Result, Store, StoreError, WriteTx};
use dignity_core::auth::Action;
use dignity_core::{Actor, Confidentiality, Decision, RecordType};
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

/// May `actor` do `action` on record `id` of `table` (a record table of any area)? Missing
/// records answer false. A record is readable only when everything it discloses is too
/// (`acl::decide`: an act with its event and victim, evidence with what it documents, a
/// defender or a case with their person). A granted read of a strictly confidential record
/// is written to the audit log.
pub async fn can(
    store: &Store,
    actor: &Actor,
    action: Action,
    table: &str,
    id: i64,
) -> Result<bool> {
    let record_type = RecordType::from_table(table)
        .ok_or_else(|| StoreError::Internal(format!("{table} is not a record table")))?;
    let Some(d) = acl::decide(store, actor, action, record_type, id).await? else {
        return Ok(false);
    };
    granted(store, actor, action, table, id, d).await
}

/// Like [`can`], as an error: `NotFound` for records the actor may not read (their
/// existence does not leak), `Forbidden` for reads without the right to act.
pub async fn require(
    store: &Store,
    actor: &Actor,
    action: Action,
    table: &str,
    id: i64,
) -> Result<()> {
    if !can(store, actor, Action::Read, table, id).await? {
        return Err(StoreError::NotFound(format!("{table} {id}")));
    }
    if action == Action::Read || can(store, actor, action, table, id).await? {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "your role or the record's need-to-know list does not allow this".into(),
        ))
    }
}

/// Whether decision `d` on `action` for record `id` of `table` allows it; a granted read
/// of a strictly confidential record is written to the audit log.
pub(crate) async fn granted(
    store: &Store,
    actor: &Actor,
    action: Action,
    table: &str,
    id: i64,
    d: Decision,
) -> Result<bool> {
    if !d.allowed() {
        return Ok(false);
    }
    if matches!(d, Decision::Allow { audit_read: true }) && action == Action::Read {
        store
            .log_event(
                actor,
                "record.read",
                table,
                &id.to_string(),
                serde_json::json!({}),
            )
            .await?;
    }
    Ok(true)
}

/// The confidentiality level stored in column `i` of a row. A value that is not a level
/// fails closed: it reads as strictly confidential (as [`crate::acl`] decides it).
pub(crate) fn stored_level<I>(r: &sqlx::any::AnyRow, i: I) -> Confidentiality
where
    I: sqlx::ColumnIndex<sqlx::any::AnyRow>,
{
    use sqlx::Row;
    r.get::<String, _>(i)
        .parse()
        .unwrap_or(Confidentiality::StrictlyConfidential)
}

/// Declares structs that carry one list of fields, written once: what a user enters for a
/// record and the record as stored (or as exported) share most of their fields. The first
/// braced group is the shared list; each struct then lists its own fields, with `..` where
/// the shared ones go. The structs stay flat (no nesting, no `#[serde(flatten)]`): their
/// JSON, their OpenAPI schema, the forms that fill them and every struct literal see the
/// same plain fields.
///
/// The shared list may itself have a `..`, where a first braced group before it goes (a
/// list that the records of several kinds share).
///
/// A `fn` item among them copies one struct into another: the shared fields are cloned
/// (`..`), the others are given.
///
/// ```ignore
/// with_fields! {
///     { pub title: String, pub place: String, }
///     #[derive(Debug, Default)]
///     pub struct ThingInput { .., pub confidentiality: String, }
///     #[derive(Debug)]
///     pub struct Thing { pub id: i64, .., pub confidentiality: Confidentiality, }
///     /// What to enter to make the same thing again.
///     pub fn thing_input(t: &Thing) -> ThingInput { .., confidentiality: t.confidentiality.to_string(), }
/// }
/// ```
macro_rules! with_fields {
    // A second braced group with `..`: the first group goes there (a list that several
    // kinds of record share, such as `violations::records::where_when`).
    (
        { $($outer:tt)* }
        {
            $($(#[$pm:meta])* pub $pf:ident : $pt:ty,)*
            ..,
            $($(#[$qm:meta])* pub $qf:ident : $qt:ty,)*
        }
        $($rest:tt)*
    ) => {
        $crate::shared::with_fields! {
            { $($(#[$pm])* pub $pf: $pt,)* $($outer)* $($(#[$qm])* pub $qf: $qt,)* }
            $($rest)*
        }
    };
    (@struct { $($shared:tt)* } $(#[$m:meta])* $name:ident { $($pre:tt)* } { $($post:tt)* }) => {
        $(#[$m])*
        pub struct $name { $($pre)* $($shared)* $($post)* }
    };
    (@copy { $($(#[$sm:meta])* pub $sf:ident : $st:ty,)* } $(#[$m:meta])* $f:ident $src:ident $from:ident $to:ident { $($given:tt)* }) => {
        $(#[$m])*
        pub fn $f($src: &$from) -> $to {
            $to { $($sf: Clone::clone(&$src.$sf),)* $($given)* }
        }
    };
    ($shared:tt) => {};
    (
        $shared:tt
        $(#[$m:meta])*
        pub struct $name:ident {
            $($(#[$pm:meta])* pub $pf:ident : $pt:ty,)*
            ..,
            $($(#[$qm:meta])* pub $qf:ident : $qt:ty,)*
        }
        $($rest:tt)*
    ) => {
        $crate::shared::with_fields!(@struct $shared
            $(#[$m])* $name { $($(#[$pm])* pub $pf: $pt,)* } { $($(#[$qm])* pub $qf: $qt,)* });
        $crate::shared::with_fields!($shared $($rest)*);
    };
    (
        $shared:tt
        $(#[$m:meta])*
        pub fn $f:ident($src:ident: &$from:ident) -> $to:ident {
            ..,
            $($given:tt)*
        }
        $($rest:tt)*
    ) => {
        $crate::shared::with_fields!(@copy $shared $(#[$m])* $f $src $from $to { $($given)* });
        $crate::shared::with_fields!($shared $($rest)*);
    };
}
pub(crate) use with_fields;

//! Helpers for the indexers of every area: id lists, need-to-know lists and access of
//! many records at once, the changes of an audit batch, and the language of a text.

use super::{Affected, BoxFuture, Change, Indexer, SearchDoc};
use crate::{Result, Store};
use dignity_core::{Confidentiality, RecordAccess};
use sqlx::Row;

/// Numeric ids as a SQL list (`1, 2, 3`) for `IN (…)`; ids that are not integers are
/// dropped (only integers ever reach the SQL). `None` when no id is left.
pub fn id_list(ids: &[String]) -> Option<String> {
    let v: Vec<String> = ids
        .iter()
        .filter_map(|i| i.parse::<i64>().ok())
        .map(|i| i.to_string())
        .collect();
    (!v.is_empty()).then(|| v.join(", "))
}

/// The need-to-know lists (users, teams) of many records of one type, in one query.
pub async fn acl_lists(
    store: &Store,
    record_type: &str,
    ids: &[String],
) -> Result<std::collections::HashMap<String, (Vec<i64>, Vec<i64>)>> {
    let mut out: std::collections::HashMap<String, (Vec<i64>, Vec<i64>)> = Default::default();
    let Some(list) = id_list(ids) else {
        return Ok(out);
    };
    // The ids are integers; record_acl keeps them as text.
    let quoted = list
        .split(", ")
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query(&format!(
        "SELECT record_id, principal_type, principal_id FROM record_acl \
         WHERE record_type = $1 AND record_id IN ({quoted})"
    ))
    .bind(record_type)
    .fetch_all(store.pool())
    .await?;
    for r in rows {
        let e = out.entry(r.get::<String, _>(0)).or_default();
        let id: i64 = r.get(2);
        match r.get::<String, _>(1).as_str() {
            "user" => e.0.push(id),
            "team" => e.1.push(id),
            _ => {}
        }
    }
    Ok(out)
}

/// Every id of `table` (an integer `id` column) as strings, in order: an indexer's `ids`.
/// The table is a constant of the code (`&'static`), never a string built at run time.
pub async fn all_ids(store: &Store, table: &'static str) -> Result<Vec<String>> {
    Ok(id_column(
        &sqlx::query(&format!("SELECT id FROM {table} ORDER BY id"))
            .fetch_all(store.pool())
            .await?,
        0,
    ))
}

/// The integers of column `k` of `rows` as string ids.
pub fn id_column(rows: &[sqlx::any::AnyRow], k: usize) -> Vec<String> {
    rows.iter()
        .map(|r| r.get::<i64, _>(k).to_string())
        .collect()
}

/// One record through the indexer's `load_many`: the `load` of an indexer whose batch
/// load is its only load.
pub fn load_one<'a, I: Indexer + ?Sized>(
    indexer: &'a I,
    store: &'a Store,
    id: &'a str,
) -> BoxFuture<'a, Result<Option<SearchDoc>>> {
    Box::pin(async move {
        let ids = [id.to_string()];
        Ok(indexer.load_many(store, &ids).await?.into_iter().next())
    })
}

/// The entries that name a record of `record_type`, each with its sequence.
pub fn changes_of(changes: &[Change], record_type: &str) -> Vec<(Affected, i64)> {
    changes
        .iter()
        .filter(|c| c.record_type == record_type)
        .map(|c| (Affected::One(c.record_id.clone()), c.seq))
        .collect()
}

/// The records that entries of `from_type` reach through `sql` (one integer column;
/// `{ids}` stands for the entries' record ids, as often as it appears), each with the
/// largest sequence of those entries: how a child table's or a linked record's write
/// re-indexes the documents that show it (an act's entry → its event).
pub async fn map_changes(
    store: &Store,
    changes: &[Change],
    from_type: &str,
    sql: &str,
    out: &mut Vec<(Affected, i64)>,
) -> Result<()> {
    let from: Vec<&Change> = changes
        .iter()
        .filter(|c| c.record_type == from_type)
        .collect();
    let ids: Vec<String> = from.iter().map(|c| c.record_id.clone()).collect();
    let Some(list) = id_list(&ids) else {
        return Ok(());
    };
    let seq = from.iter().map(|c| c.seq).max().unwrap_or(0);
    for id in id_column(
        &sqlx::query(&sql.replace("{ids}", &list))
            .fetch_all(store.pool())
            .await?,
        0,
    ) {
        out.push((Affected::One(id), seq));
    }
    Ok(())
}

/// The access facts of a batch of records of one type: their need-to-know lists are
/// loaded in one query ([`acl_lists`]), their level, publication and creator come from
/// the batch's own rows ([`BatchAccess::of_row`]).
pub struct BatchAccess {
    lists: std::collections::HashMap<String, (Vec<i64>, Vec<i64>)>,
}

impl BatchAccess {
    pub async fn load(store: &Store, record_type: &str, ids: &[String]) -> Result<BatchAccess> {
        Ok(BatchAccess {
            lists: acl_lists(store, record_type, ids).await?,
        })
    }

    /// The access of record `id` from a row whose columns `at`, `at + 1` and `at + 2` are
    /// its `confidentiality`, `published` (0/1) and `created_by`.
    pub fn of_row(&self, id: i64, row: &sqlx::any::AnyRow, at: usize) -> RecordAccess {
        access_of(
            &row.get::<String, _>(at),
            row.get::<i64, _>(at + 1) == 1,
            row.get(at + 2),
            self.lists.get(&id.to_string()),
        )
    }
}

/// The name of an access's level (`""` without one): the `confidentiality` facet.
pub fn level_name(a: &RecordAccess) -> String {
    a.level.map(|l| l.as_str().to_string()).unwrap_or_default()
}

/// The access facts of a record from its level, publication, creator and need-to-know
/// lists (as [`acl_lists`] returns them). An unknown level fails closed.
pub fn access_of(
    level: &str,
    published: bool,
    created_by: Option<i64>,
    lists: Option<&(Vec<i64>, Vec<i64>)>,
) -> RecordAccess {
    RecordAccess {
        level: Some(
            level
                .parse()
                .unwrap_or(Confidentiality::StrictlyConfidential),
        ),
        published,
        created_by,
        need_to_know_users: lists.map(|l| l.0.clone()).unwrap_or_default(),
        need_to_know_teams: lists.map(|l| l.1.clone()).unwrap_or_default(),
    }
}

/// Whether everyone who may read a record with `outer` access may also read one with
/// `inner` access (the rule of `authorize(…, Read, …)`). A document may carry the keyed
/// name tokens of a linked person only if this holds: otherwise a name search would tell
/// a reader of the act that the person they may not see is its victim.
pub fn access_covers(outer: &RecordAccess, inner: &RecordAccess) -> bool {
    let lvl = |a: &RecordAccess| a.level.unwrap_or(Confidentiality::StrictlyConfidential);
    let (o, i) = (lvl(outer), lvl(inner));
    let anon = |a: &RecordAccess, l: Confidentiality| l == Confidentiality::Public && a.published;
    if anon(outer, o) && !anon(inner, i) {
        return false;
    }
    if !i.needs_list() {
        return true;
    }
    if !o.needs_list() {
        return false;
    }
    let users_in = |u: &i64| inner.created_by == Some(*u) || inner.need_to_know_users.contains(u);
    outer.created_by.iter().all(users_in)
        && outer.need_to_know_users.iter().all(users_in)
        && outer
            .need_to_know_teams
            .iter()
            .all(|t| inner.need_to_know_teams.contains(t))
}

/// A guess of the language of a short text written by a user (an event title), for
/// stemming: Cyrillic → `ru`, Arabic → `ar`, Latin with French or Spanish marks or
/// function words → `fr` / `es`, other Latin → `en`.
pub fn guess_lang(text: &str) -> &'static str {
    let (mut cyr, mut arab, mut latin) = (0, 0, 0);
    for c in text.chars() {
        match c {
            '\u{0400}'..='\u{04FF}' => cyr += 1,
            '\u{0600}'..='\u{06FF}' => arab += 1,
            c if c.is_alphabetic() => latin += 1,
            _ => {}
        }
    }
    if cyr > latin && cyr >= arab {
        return "ru";
    }
    if arab > latin {
        return "ar";
    }
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphabetic() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(w)).count();
    let fr = count(&[
        "le", "la", "les", "des", "du", "et", "à", "au", "aux", "une", "dans", "sur", "contre",
        "d'un", "d'une",
    ]) + lower.matches(['è', 'ê', 'à', 'ç', 'œ', 'û']).count();
    let es = count(&[
        "el", "los", "las", "del", "y", "una", "en", "por", "contra", "con",
    ]) + lower.matches(['ñ', 'á', 'í', 'ó', 'ú', '¿', '¡']).count();
    if fr > es && fr > 0 {
        "fr"
    } else if es > 0 {
        "es"
    } else {
        "en"
    }
}

/// Split a stored list of values (`a; b`, `a, b`, `a|b` or a JSON array) into values.
pub fn split_values(s: &str) -> Vec<String> {
    let s = s.trim();
    if s.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(s) {
            return v.into_iter().filter(|x| !x.trim().is_empty()).collect();
        }
    }
    s.split([';', ',', '|'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dignity_core::auth::{authorize, Action};
    use dignity_core::{Actor, Role};

    /// `access_covers(outer, inner)` holds exactly when every reader `authorize` lets
    /// read `outer` may also read `inner`, over levels × publication × creators × lists.
    #[test]
    fn access_covers_agrees_with_authorize() {
        let levels = [
            Confidentiality::Public,
            Confidentiality::Internal,
            Confidentiality::Confidential,
            Confidentiality::StrictlyConfidential,
        ];
        let mut accesses = Vec::new();
        for level in levels {
            for published in [false, true] {
                for creator in [None, Some(1)] {
                    for (users, teams) in [(vec![], vec![]), (vec![2], vec![]), (vec![], vec![7])] {
                        accesses.push(RecordAccess {
                            level: Some(level),
                            published,
                            created_by: creator,
                            need_to_know_users: users,
                            need_to_know_teams: teams,
                        });
                    }
                }
            }
        }
        let staff = |id: i64, teams: Vec<i64>| Actor {
            user_id: Some(id),
            role: Role::Analyst,
            teams,
            ..Actor::anonymous()
        };
        let readers = [
            Actor::anonymous(),
            staff(1, vec![]),
            staff(2, vec![]),
            staff(3, vec![7]),
            staff(4, vec![]),
        ];
        let reads = |a: &Actor, r: &RecordAccess| authorize(a, Action::Read, r).allowed();
        for outer in &accesses {
            for inner in &accesses {
                let all = readers.iter().all(|a| !reads(a, outer) || reads(a, inner));
                if access_covers(outer, inner) {
                    assert!(all, "covers but a reader differs: {outer:?} {inner:?}");
                }
            }
        }
    }

    #[test]
    fn languages_are_guessed_by_script_and_words() {
        assert_eq!(guess_lang("Задержание журналистов"), "ru");
        assert_eq!(guess_lang("اعتقال المتظاهرين"), "ar");
        assert_eq!(guess_lang("Arrestation de manifestants à Niš"), "fr");
        assert_eq!(guess_lang("Desaparición de estudiantes"), "es");
        assert_eq!(guess_lang("Raid on the clinic"), "en");
    }
}

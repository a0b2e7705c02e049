//! Importing a list: new, changed and unchanged records by the source's identifier,
//! written in one transaction.

use super::*;

/// Existing current records of a source: keyed external id ([`external_key`]) → (id,
/// content hash, link). A hash still in the old plain form is compared in its keyed form;
/// a record an older version wrote without the keyed external id (before the start's
/// upgrade step, [`ensure_external_keys`]) is keyed here from its stored value.
async fn existing_records<'e, E>(
    exec: E,
    store: &Store,
    source_id: i64,
) -> Result<HashMap<String, (i64, String, Option<i64>)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let keys = store.keys();
    let mut existing = HashMap::new();
    for r in sqlx::query("SELECT id, external_id_key, content_hash, missing_id, external_id FROM pro_source_records WHERE source_id = $1 AND current = 1")
        .bind(source_id)
        .fetch_all(exec)
        .await?
    {
        let id: i64 = r.get(0);
        let mut key: String = r.get(1);
        if key.is_empty() {
            let ext = dec_or_clear(store, "pro_source_records.external_id", id, r.get(4))?;
            key = external_key(&keys, source_id, &ext);
        }
        let h: String = r.get(2);
        existing.insert(key, (id, stored_hash(&keys, &h), r.get(3)));
    }
    Ok(existing)
}

type ToInsert<'p> = Vec<(&'p Parsed, Option<i64>, Option<i64>)>;

/// Which rows are new, changed (a new version to insert, with the old one and its link) or
/// unchanged, by the source's own identifier.
fn classify<'p>(
    parsed: &'p [Parsed],
    existing: &HashMap<String, (i64, String, Option<i64>)>,
) -> (ImportReport, ToInsert<'p>) {
    let mut rep = ImportReport {
        rows: parsed.len(),
        ..Default::default()
    };
    let mut to_insert = vec![];
    for p in parsed {
        match existing.get(&p.ext_key) {
            Some((_, h, _)) if *h == p.hash => rep.unchanged += 1,
            Some((old, _, link)) => {
                rep.changed += 1;
                to_insert.push((p, Some(*old), *link));
            }
            None => {
                rep.new += 1;
                to_insert.push((p, None, None));
            }
        }
    }
    (rep, to_insert)
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub import_id: i64,
    pub rows: usize,
    pub new: usize,
    /// Records of this source seen before whose content changed: the new version is kept
    /// beside the old one, and its link carries over.
    pub changed: usize,
    pub unchanged: usize,
    /// Columns of the file the mapping leaves unread (not imported), with a suggestion.
    #[schema(value_type = Vec<Object>)]
    pub unused_columns: Vec<UnusedColumn>,
}

/// How [`import_list`] runs: `dry_run` checks every row and counts what would be new,
/// changed or unchanged without writing anything; `progress` is told how many rows were
/// written so far (for a progress bar). The default writes and reports nothing on the way.
#[derive(Default)]
pub struct ImportOptions<'a> {
    pub dry_run: bool,
    /// Refuse a file with columns the mapping leaves unread.
    pub strict: bool,
    pub progress: Option<&'a (dyn Fn(usize) + Sync)>,
}

/// Import a source's list. Every row is checked first; any error means nothing is written
/// and every error is returned (line and field). Records are kept as received (encrypted).
/// `opts`: a dry run, progress reports (the command line's import).
pub async fn import_list(
    store: &Store,
    actor: &Actor,
    source_id: i64,
    filename: &str,
    table: &Table,
    mapping: &Mapping,
    opts: &ImportOptions<'_>,
) -> std::result::Result<ImportReport, Vec<RowError>> {
    let unused = unused_columns(table, mapping);
    if opts.strict && !unused.is_empty() {
        return Err(strict_errors(&unused));
    }
    let mut parsed = parse_rows(table, mapping)?;
    // Only the keyed forms of each row's hash and external id are compared and stored.
    {
        let keys = store.keys();
        for p in &mut parsed {
            p.hash = stored_hash(&keys, &p.hash);
            p.ext_key = external_key(&keys, source_id, &p.external_id);
        }
    }
    let internal = |e: StoreError| {
        vec![RowError {
            line: 0,
            field: "database".into(),
            rule: None,
            message: e.to_string(),
        }]
    };
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM pro_sources WHERE id = $1")
        .bind(source_id)
        .fetch_one(store.pool())
        .await
        .map_err(|e| internal(e.into()))?
        .get(0);
    if n == 0 {
        return Err(file_error("source_id", format!("no source {source_id}")));
    }
    if !may_import(actor) {
        return Err(file_error(
            "access",
            "your role does not allow importing lists",
        ));
    }
    if opts.dry_run {
        let existing = existing_records(store.pool(), store, source_id)
            .await
            .map_err(internal)?;
        let (mut rep, _) = classify(&parsed, &existing);
        rep.unused_columns = unused;
        return Ok(rep);
    }
    // Hashes left in the old plain form are keyed before new rows are written beside them.
    if any_unkeyed_hash(store).await.map_err(internal)? {
        rekey_content_hashes(store).await.map_err(internal)?;
    }
    let mapping_json = serde_json::to_string(mapping).unwrap_or_default();
    let filename = filename.to_string();
    let unused_n = unused.len();
    store
        .write(actor, async |tx| {
            let store = tx.store().clone();
            let existing = existing_records(tx.conn(), &store, source_id).await?;
            let (mut rep, to_insert) = classify(&parsed, &existing);
            let at = now();
            let import_id = tx.next_id("pro_source_imports").await?;
            sqlx::query(
                "INSERT INTO pro_source_imports (source_id, filename, mapping, rows_new, rows_changed, rows_unchanged, by_user, at, id) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
            )
            .bind(source_id)
            .bind(enc_keep(&store, "pro_source_imports.filename", import_id, &filename))
            .bind(enc_keep(&store, "pro_source_imports.mapping", import_id, &mapping_json))
            .bind(rep.new as i64)
            .bind(rep.changed as i64)
            .bind(rep.unchanged as i64)
            .bind(tx.actor().user_id)
            .bind(&at)
            .bind(import_id)
            .execute(tx.conn())
            .await?;
            rep.import_id = import_id;
            let keys = tx.store().keys();
            const BATCH: usize = 400;
            const COLS: usize = 15;
            let mut written = 0;
            // Older versions of changed records (old id → new id) and the blocking keys of
            // the new records.
            let mut superseded: Vec<(i64, i64)> = vec![];
            let mut keyrows: Vec<(i64, String)> = vec![];
            for chunk in to_insert.chunks(BATCH) {
                // Ids first: the encrypted fields are bound to their row.
                let ids = tx.next_ids("pro_source_records", chunk.len()).await?;
                let mut sql = String::from(
                    "INSERT INTO pro_source_records (source_id, import_id, line, external_id, external_id_key, raw, content_hash, name, \
                     birth_date, place, sex, last_seen_date, current, keyed, missing_id, linked_at, id, created_at) VALUES ",
                );
                for (i, _) in chunk.iter().enumerate() {
                    let b = i * COLS;
                    if i > 0 {
                        sql.push(',');
                    }
                    let ph: Vec<String> = (b + 1..=b + COLS).map(|n| format!("${n}")).collect();
                    sql.push_str(&format!(
                        "({},1,1,{},${})",
                        ph[..12].join(","),
                        ph[12..].join(","),
                        COLS * chunk.len() + 1
                    ));
                }
                let enc = |field: &str, id: i64, v: &str| enc_keep(&store, field, id, v);
                let mut q = sqlx::query(&sql);
                for ((p, old, link), &id) in chunk.iter().zip(&ids) {
                    q = q
                        .bind(source_id)
                        .bind(import_id)
                        .bind(p.line as i64)
                        .bind(keys.encrypt("pro_source_records.external_id", id, &p.external_id))
                        .bind(p.ext_key.clone())
                        .bind(keys.encrypt("pro_source_records.raw", id, &p.raw))
                        .bind(p.hash.clone())
                        .bind(keys.encrypt("pro_source_records.name", id, &p.name))
                        .bind(enc("pro_source_records.birth_date", id, &p.birth_date))
                        .bind(if p.place.is_empty() { None } else { Some(keys.encrypt("pro_source_records.place", id, &p.place)) })
                        .bind(enc("pro_source_records.sex", id, &p.sex))
                        .bind(enc("pro_source_records.last_seen_date", id, &p.last_seen_date))
                        .bind(*link)
                        .bind(if link.is_some() { at.clone() } else { String::new() })
                        .bind(id);
                    if let Some(old) = old {
                        superseded.push((*old, id));
                    }
                    for k in match_keys(&keys, [p.name.as_str()], &p.birth_date) {
                        keyrows.push((id, k));
                    }
                }
                q = q.bind(at.clone());
                q.execute(tx.conn()).await?;
                written += chunk.len();
                if let Some(f) = opts.progress {
                    f(written);
                }
            }
            // Older versions of changed records: no longer current, pointing at the new one.
            for (old, new) in superseded {
                sqlx::query("UPDATE pro_source_records SET current = 0, superseded_by = $1 WHERE id = $2")
                    .bind(new)
                    .bind(old)
                    .execute(tx.conn())
                    .await?;
            }
            // Blocking keys of the new records, for candidate matches through an index.
            insert_keys(tx, &keyrows).await?;
            if !to_insert.is_empty() {
                match_changed(tx).await?;
            }
            tx.audit(
                "source.import",
                "pro_sources",
                &source_id.to_string(),
                None,
                None,
                serde_json::json!({ "import_id": import_id, "rows": rep.rows, "new": rep.new, "changed": rep.changed, "unchanged": rep.unchanged, "unused_columns": unused_n }),
            );
            Ok(rep)
        })
        .await
        .map(|mut rep| {
            rep.unused_columns = unused;
            rep
        })
        .map_err(internal)
}

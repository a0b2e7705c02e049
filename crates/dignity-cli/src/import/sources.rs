//! `dignity import source-list`: a protection source list with its mapping file.

use super::*;

pub(super) struct SourceListArgs {
    pub(super) file: PathBuf,
    pub(super) source: String,
    pub(super) kind: String,
    pub(super) mapping: Option<PathBuf>,
    pub(super) dry_run: bool,
    pub(super) format: String,
    pub(super) strict: bool,
    pub(super) input: InputOpts,
}

/// A mapping file: `target = "column"` at the top level or under `[columns]`.
fn read_source_mapping(path: &Path) -> Result<dignity_store::protection::sources::Mapping> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let v: toml::Table = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a TOML mapping: {e}", path.display()))?;
    let table = match v.get("columns") {
        Some(toml::Value::Table(t)) => t.clone(),
        _ => v,
    };
    let mut m = dignity_store::protection::sources::Mapping::new();
    for (k, val) in table {
        let Some(col) = val.as_str() else {
            bail!(
                "{}: {k} must name a column, as in {k} = \"Column header\"",
                path.display()
            );
        };
        m.insert(k, col.to_string());
    }
    Ok(m)
}

/// `dignity import source-list`: the same checks and store import as the sources page.
pub(super) async fn import_source_list(
    store: &Store,
    actor: &Actor,
    a: &SourceListArgs,
) -> Result<i32> {
    use dignity_store::protection::sources as src;
    let start = Instant::now();
    if !src::may_import(actor) {
        bail!(
            "{}'s role does not allow importing lists: use --as with a documenter or coordinator",
            actor.username
        );
    }
    let fname = a
        .file
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_default();
    let limits = a.input.limits();
    let mut rejected: Vec<src::RowError> = vec![];
    let mut report = src::ImportReport::default();
    let mut read = 0;
    let mut unused = vec![];
    let table = ingest::read_file(&a.file, &limits)
        .map_err(|e| {
            vec![src::RowError {
                line: e.line as usize,
                field: "file".into(),
                rule: None,
                message: e.message,
            }]
        })
        .and_then(|bytes| src::read_table_with(&fname, &bytes, a.input.encoding, &limits));
    match table {
        Err(e) => rejected = e,
        Ok(table) => {
            read = table.rows.len();
            let mut mapping = src::guess_mapping(&table.headers);
            if let Some(p) = &a.mapping {
                mapping.extend(read_source_mapping(p)?);
            }
            unused = src::unused_columns(&table, &mapping);
            let existing = src::source_by_name(store, &a.source).await?;
            match existing {
                _ if a.strict && !unused.is_empty() => rejected = src::strict_errors(&unused),
                None if a.dry_run => match src::check_list(&table, &mapping) {
                    Ok(n) => {
                        report.rows = n;
                        report.new = n;
                    }
                    Err(e) => rejected = e,
                },
                _ => {
                    let id = match existing {
                        Some(s) => s.id,
                        None => {
                            // Register the source only if the list itself is clean.
                            if let Err(e) = src::check_list(&table, &mapping) {
                                rejected = e;
                                0
                            } else {
                                let (name, kind) = (a.source.clone(), a.kind.clone());
                                store
                                    .write(actor, async |tx| {
                                        src::create_source(tx, &name, &kind).await
                                    })
                                    .await
                                    .map_err(|e| anyhow::anyhow!("--source/--kind: {e}"))?
                            }
                        }
                    };
                    if id != 0 {
                        let bar = Progress::new(table.rows.len());
                        let progress = |n: usize| bar.set(n);
                        let opts = src::ImportOptions {
                            dry_run: a.dry_run,
                            strict: a.strict,
                            progress: Some(&progress),
                        };
                        match src::import_list(store, actor, id, &fname, &table, &mapping, &opts)
                            .await
                        {
                            Ok(r) => {
                                bar.set(table.rows.len());
                                report = r;
                            }
                            Err(e) => rejected = e,
                        }
                    }
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let mut lines: Vec<usize> = rejected.iter().map(|e| e.line).filter(|l| *l > 0).collect();
    lines.dedup();
    // Errors about the whole file (line 0: a missing column, a bad mapping) reject every row.
    let rejected_rows = if rejected.is_empty() {
        0
    } else if lines.is_empty() {
        read
    } else {
        lines.len()
    };
    if a.format == "json" {
        println!(
            "{}",
            serde_json::json!({ "kind": "source-list", "source": a.source, "read": read,
                "created": report.new, "updated": report.changed, "unchanged": report.unchanged,
                "rejected": rejected_rows, "errors": rejected, "unmapped_columns": unused,
                "dry_run": a.dry_run, "seconds": secs })
        );
    } else {
        print_unused(&unused);
        for e in &rejected {
            println!("rejected: {}: {e}", a.file.display());
        }
        // A refused import writes nothing: its counts are what it would have done.
        let verb = if a.dry_run || !rejected.is_empty() {
            "would be "
        } else {
            ""
        };
        println!(
            "source-list {:?}: read {read}, {verb}created {}, {verb}updated {}, unchanged {}, rejected {rejected_rows}{}",
            a.source,
            report.new,
            report.changed,
            report.unchanged,
            if a.dry_run { " (dry run: nothing written)" } else { "" }
        );
        if !rejected.is_empty() && !a.dry_run {
            println!("nothing was written: correct the rejected rows and import again");
        }
        if !a.dry_run && rejected.is_empty() {
            println!(
                "{secs:.1} s, {:.0} records/s",
                report.rows as f64 / secs.max(0.001)
            );
        }
    }
    Ok(if rejected.is_empty() { 0 } else { 1 })
}

//! The obligations imports: UPR Info, UHRI, recommendations and ratifications.

use super::input::with_file;
use super::*;

/// A file that could not be read: its error, the one rejected row of the summary.
fn unreadable(kind: &str, e: RowError, file: &Path, opts: &ImportOpts) -> i32 {
    let s = ImportSummary {
        rejected: vec![with_file(e, file)],
        dry_run: opts.dry_run,
        ..Default::default()
    };
    print_summary(kind, &s, &[], &opts.format, 0.0)
}

/// The parsed recommendations of a file imported; `unused`: the file's columns no field
/// reads (under `--strict` they reject the file).
async fn import_parsed(
    store: &Store,
    actor: &Actor,
    kind: &str,
    mut p: rules::Parsed,
    unused: Vec<UnusedColumn>,
    opts: &ImportOpts,
    start: Instant,
) -> Result<i32> {
    let format = opts.format.as_str();
    if opts.strict && !unused.is_empty() {
        // Under --strict an unread column rejects the file: nothing is written.
        p.rejected.extend(strict_errors(&unused));
    }
    let bar = Progress::new(p.records.len());
    if !p.repeated.is_empty() && format != "json" {
        eprintln!(
            "note: {} rows repeat an earlier identical recommendation and are kept as further occurrences (e.g. row {} repeats row {})",
            p.repeated.len(),
            p.repeated[0].0,
            p.repeated[0].1
        );
    }
    let s = ob::recs::import(store, actor, p.records, p.rejected, opts.dry_run, &|n| {
        bar.set(n)
    })
    .await?;
    Ok(print_summary(
        kind,
        &s,
        &unused,
        format,
        start.elapsed().as_secs_f64(),
    ))
}

pub(super) async fn run_obligations(store: &Store, actor: &Actor, cmd: ImportCmd) -> Result<i32> {
    let start = Instant::now();
    let resolver = ob::country_resolver(store).await?;
    match cmd {
        ImportCmd::Incidents(_) | ImportCmd::SourceList { .. } => {
            bail!("not an obligations import")
        }
        ImportCmd::UprInfo { files, opts } => {
            // All files form one import, so that a recommendation listed in two exports
            // (overlapping sessions) keeps one key per occurrence.
            let mut all = Table::default();
            let mut rejected = Vec::new();
            for f in &files {
                match read_table(f, &opts.input) {
                    Ok(t) => {
                        if all.header.is_empty() {
                            all.header = t.header.clone();
                        } else if t.header != all.header {
                            rejected.push(with_file(
                                RowError::new(1, "", "the columns differ from the first file's"),
                                f,
                            ));
                            continue;
                        }
                        let p = rules::parse_upr_info(&t, &resolver);
                        rejected.extend(p.rejected.into_iter().map(|e| with_file(e, f)));
                        // Re-number rows per file for messages, keep them for keys.
                        all.rows.extend(t.rows);
                    }
                    Err(e) => rejected.push(with_file(e, f)),
                }
            }
            if !rejected.is_empty() {
                let s = ImportSummary {
                    read: all.rows.len(),
                    rejected,
                    dry_run: opts.dry_run,
                    ..Default::default()
                };
                return Ok(print_summary(
                    "upr-info",
                    &s,
                    &[],
                    &opts.format,
                    start.elapsed().as_secs_f64(),
                ));
            }
            let read: Vec<&str> = rules::UPR_INFO_COLUMNS
                .iter()
                .chain(rules::UPR_INFO_DERIVED)
                .copied()
                .collect();
            let unused = unused_columns(&all.header, &read, rules::UPR_INFO_COLUMNS);
            let p = rules::parse_upr_info(&all, &resolver);
            import_parsed(store, actor, "upr-info", p, unused, &opts, start).await
        }
        ImportCmd::Uhri { file, opts } => {
            let t = match read_table(&file, &opts.input) {
                Ok(t) => t,
                Err(e) => return Ok(unreadable("uhri", e, &file, &opts)),
            };
            let unused = unused_columns(&t.header, &rules::UHRI_COLUMNS, &rules::UHRI_COLUMNS);
            let mut p = rules::parse_uhri(&t, &resolver);
            drop(t);
            p.rejected = p
                .rejected
                .into_iter()
                .map(|e| with_file(e, &file))
                .collect();
            import_parsed(store, actor, "uhri", p, unused, &opts, start).await
        }
        ImportCmd::Recommendations {
            file,
            mapping,
            opts,
        } => {
            let m = std::fs::read_to_string(&mapping)
                .with_context(|| format!("cannot read {}", mapping.display()))?;
            let m =
                Mapping::parse(&m).map_err(|e| anyhow::anyhow!("{}: {e}", mapping.display()))?;
            let t = match read_table(&file, &opts.input) {
                Ok(t) => t,
                Err(e) => return Ok(unreadable("recommendations", e, &file, &opts)),
            };
            let read: Vec<&str> = m.columns.values().map(String::as_str).collect();
            let free: Vec<&str> = rules::MAPPING_FIELDS
                .iter()
                .copied()
                .filter(|f| !m.columns.contains_key(*f))
                .collect();
            let unused = unused_columns(&t.header, &read, &free);
            let mut p = rules::parse_generic(&t, &m, &resolver);
            p.rejected = p
                .rejected
                .into_iter()
                .map(|e| with_file(e, &file))
                .collect();
            import_parsed(store, actor, "recommendations", p, unused, &opts, start).await
        }
        ImportCmd::Ratifications { file, opts } => {
            import_ratifications(store, actor, &file, &opts, &resolver).await
        }
    }
}

async fn import_ratifications(
    store: &Store,
    actor: &Actor,
    file: &Path,
    opts: &ImportOpts,
    resolver: &rules::CountryResolver,
) -> Result<i32> {
    let (dry_run, format) = (opts.dry_run, opts.format.as_str());
    let start = Instant::now();
    let t = read_table(file, &opts.input).map_err(|e| anyhow::anyhow!("{}", with_file(e, file)))?;
    let unused = unused_columns(
        &t.header,
        rules::RATIFICATION_COLUMNS,
        rules::RATIFICATION_COLUMNS,
    );
    if opts.strict && !unused.is_empty() {
        let s = ImportSummary {
            read: t.rows.len(),
            rejected: strict_errors(&unused)
                .into_iter()
                .map(|e| with_file(e, file))
                .collect(),
            dry_run,
            ..Default::default()
        };
        return Ok(print_summary("ratifications", &s, &unused, format, 0.0));
    }
    let col = |n: &str| t.column(n);
    let (Some(ci), Some(ii), Some(si)) = (col("iso3"), col("instrument"), col("status")) else {
        bail!(
            "{}: needs the columns iso3, instrument and status",
            file.display()
        );
    };
    let get = |r: &[String], n: &str| {
        col(n)
            .and_then(|i| r.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let tri = |s: String| match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" => Some(true),
        "no" | "false" | "0" => Some(false),
        _ => None,
    };
    let mut rejected = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut tx = store.begin(actor).await?;
    let mut n = 0;
    for (line, r) in &t.rows {
        let given = r.get(ci).map(String::as_str).unwrap_or("");
        let iso3 = match resolver.resolve(given) {
            Some(c) => c.to_string(),
            None => {
                rejected.push(with_file(
                    RowError::new(*line, "iso3", format!("unknown country {given:?}")),
                    file,
                ));
                continue;
            }
        };
        let inst = r.get(ii).cloned().unwrap_or_default();
        if let Some(first) = seen.insert((iso3.clone(), inst.to_ascii_uppercase()), *line) {
            rejected.push(with_file(
                RowError::new(
                    *line,
                    "instrument",
                    format!("duplicate key {iso3}/{inst}, first at row {first}"),
                ),
                file,
            ));
            continue;
        }
        let input = ob::RatificationInput {
            status: r.get(si).cloned().unwrap_or_default(),
            signature: get(r, "signature"),
            consent: get(r, "consent"),
            consent_kind: get(r, "consent_kind"),
            reservations: get(r, "reservations"),
            declarations: get(r, "declarations"),
            complaints_declaration: tri(get(r, "complaints_declaration")),
            inquiry_accepted: tri(get(r, "inquiry_accepted")),
            note: get(r, "note"),
        };
        match ob::set_ratification(&mut tx, &iso3, &inst, &input, "import").await {
            Ok(_) => n += 1,
            Err(dignity_store::StoreError::Rejected(e)) => {
                rejected.push(with_file(RowError::new(*line, &e.field, e.message()), file))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let s = ImportSummary {
        read: t.rows.len(),
        updated: n,
        rejected,
        dry_run,
        ..Default::default()
    };
    if dry_run || !s.rejected.is_empty() {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(print_summary(
        "ratifications",
        &s,
        &unused,
        format,
        start.elapsed().as_secs_f64(),
    ))
}

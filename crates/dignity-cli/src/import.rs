//! `dignity import …`: bulk imports. Every kind reads its files, checks every row, and
//! writes all of it in one audited transaction or nothing; `--dry-run` shows what would
//! happen, with every rejected row and why. Other areas add their kinds to [`ImportCmd`].

pub mod incidents;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use dignity_core::columns::{unused_columns, UnusedColumn};
use dignity_core::obligations::{self as rules, Mapping, RowError, Table};
use dignity_core::Actor;
use dignity_store::ingest::{self, Encoding, Limits};
use dignity_store::obligations::{self as ob, recs::ImportSummary};
use dignity_store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum ImportCmd {
    /// UPR Info recommendation exports (CSV, any line ends; UTF-8 unless --encoding names another).
    UprInfo {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check and count, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Output: text or json.
        #[arg(long, default_value = "text")]
        format: String,
        /// Refuse the file if it has columns this import does not read.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        input: InputOpts,
    },
    /// An OHCHR Universal Human Rights Index export (XLSX or CSV, 16 columns).
    Uhri {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value = "text")]
        format: String,
        /// Refuse the file if it has columns this import does not read.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        input: InputOpts,
    },
    /// Any recommendations table (CSV or XLSX) with a TOML column mapping.
    Recommendations {
        file: PathBuf,
        /// The mapping (see `dignity_core::obligations::Mapping`).
        #[arg(long)]
        mapping: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value = "text")]
        format: String,
        /// Refuse the file if it has columns this import does not read.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        input: InputOpts,
    },
    /// Ratifications (CSV: iso3, instrument, status, signature, consent, consent_kind,
    /// reservations, declarations, complaints_declaration, inquiry_accepted, note).
    Ratifications {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value = "text")]
        format: String,
        /// Refuse the file if it has columns this import does not read.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        input: InputOpts,
    },
    /// Incident lists and KoboToolbox/ODK submissions (violations).
    #[command(flatten)]
    Incidents(incidents::ImportKind),
    /// A source's list of missing persons (a commission, the Red Cross, an NGO, a family
    /// association), CSV or XLSX. Columns named like the fields (external_id, name,
    /// birth_date, place, sex, last_seen_date) need no mapping; otherwise a TOML mapping
    /// `external_id = "Case no."`. Importing the list again updates it by the source's own
    /// identifiers: unchanged rows are left alone, changed ones kept as a new version.
    SourceList {
        file: PathBuf,
        /// The source's name; a new source is registered with --kind.
        #[arg(long)]
        source: String,
        /// Kind of a new source: commission, red_cross, ngo, family_association, other.
        #[arg(long, default_value = "other")]
        kind: String,
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// The account the records are imported as (its role must allow creating records).
        #[arg(long = "as")]
        as_user: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value = "text")]
        format: String,
        /// Refuse the list if it has columns the mapping leaves unread.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        input: InputOpts,
    },
}

/// A progress bar on standard error (only on a terminal).
struct Progress {
    total: usize,
    start: Instant,
    on: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        use std::io::IsTerminal;
        Progress {
            total,
            start: Instant::now(),
            on: std::io::stderr().is_terminal(),
        }
    }
    fn set(&self, done: usize) {
        if !self.on || self.total == 0 {
            return;
        }
        let width = 40;
        let filled = (done.min(self.total) * width) / self.total;
        let rate = done as f64 / self.start.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r[{}{}] {done}/{} ({rate:.0}/s)",
            "#".repeat(filled),
            "-".repeat(width - filled),
            self.total
        );
        let _ = std::io::stderr().flush();
        if done >= self.total {
            eprintln!();
        }
    }
}

/// How every import reads its file: the encoding of CSV text and the size limits (the
/// shared checks of [`dignity_store::ingest`]).
#[derive(clap::Args, Clone, Debug)]
pub struct InputOpts {
    /// Encoding of CSV text: utf-8 (a BOM is fine) or windows-1252 (latin1). Text that is
    /// not valid in it is refused with the line and byte; nothing is guessed.
    #[arg(long, default_value = "utf-8", value_parser = parse_encoding)]
    pub encoding: Encoding,
    /// The largest file read, in MiB; an archive (XLSX) may expand to as much, a table hold
    /// 16,000 cells per MiB. Memory grows with it (under 200 MB at the default).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_file_mb: u64,
}

fn parse_encoding(s: &str) -> std::result::Result<Encoding, String> {
    s.parse()
}

impl InputOpts {
    pub fn limits(&self) -> Limits {
        Limits::with_file_mb(self.max_file_mb)
    }
}

fn ingest_err(e: dignity_store::ingest::IngestError) -> RowError {
    RowError::new(e.line, "", e.message)
}

/// Read a CSV (UTF-8, or the encoding named; LF/CR/CRLF) or an XLSX file into a table,
/// after the shared checks (size, text, encoding, record and field sizes, expanded size).
pub fn read_table(path: &Path, input: &InputOpts) -> Result<Table, RowError> {
    let limits = input.limits();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = ingest::read_file(path, &limits).map_err(ingest_err)?;
    // A workbook by its name or its content (an ODS, or a legacy XLS refused by name).
    if matches!(ext.as_str(), "xlsx" | "ods" | "xls")
        || ingest::workbook_kind(&bytes) != ingest::Workbook::NotAWorkbook
    {
        return read_xlsx(&bytes, &limits);
    }
    let shape = ingest::check_csv(&bytes[..], input.encoding, b',', &limits).map_err(ingest_err)?;
    ingest::check_cells(shape.records, shape.max_fields, &limits).map_err(ingest_err)?;
    let text = ingest::decode(bytes, input.encoding).map_err(ingest_err)?;
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    Table::from_csv(&text)
}

fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Table, RowError> {
    use calamine::Data;
    let cell = |d: &Data| -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            // Excel dates stay serial numbers; the parsers turn them into dates.
            Data::DateTime(d) => d.as_f64().to_string(),
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#ERROR {e:?}"),
        }
    };
    let sheet = ingest::read_workbook(bytes, limits, &cell).map_err(ingest_err)?;
    Ok(Table {
        header: sheet.header.iter().map(|h| h.trim().to_string()).collect(),
        rows: sheet.rows,
    })
}

fn with_file(mut e: RowError, f: &Path) -> RowError {
    e.file = f.display().to_string();
    e
}

/// The columns of a file an import does not read: an error each under `--strict` (line 1,
/// the column), else a note in the summary.
pub fn strict_errors(unused: &[UnusedColumn]) -> Vec<RowError> {
    unused
        .iter()
        .map(|u| {
            let col = if u.column.is_empty() {
                format!("column {}", u.position)
            } else {
                u.column.clone()
            };
            RowError::new(
                1,
                &col,
                match &u.suggestion {
                    Some(s) => format!("this column is not imported (did you mean {s:?}?)"),
                    None => "this column is not imported: map it or remove it".into(),
                },
            )
        })
        .collect()
}

/// The unread columns, in the text summary (JSON summaries carry `unmapped_columns`).
pub fn print_unused(unused: &[UnusedColumn]) {
    for u in unused {
        println!("unmapped column: {u}");
    }
    if !unused.is_empty() {
        println!(
            "note: {} column(s) of the file are not imported; map them, or use --strict to refuse such a file",
            unused.len()
        );
    }
}

fn print_summary(
    kind: &str,
    s: &ImportSummary,
    unused: &[UnusedColumn],
    format: &str,
    secs: f64,
) -> i32 {
    if format == "json" {
        println!(
            "{}",
            serde_json::json!({ "kind": kind, "read": s.read, "created": s.created, "updated": s.updated,
                "unchanged": s.unchanged, "rejected": s.rejected, "unmapped_columns": unused,
                "dry_run": s.dry_run, "seconds": secs })
        );
    } else {
        print_unused(unused);
        for e in &s.rejected {
            println!("rejected: {e}");
        }
        let verb = if s.dry_run { "would be " } else { "" };
        println!(
            "{kind}: read {}, {verb}created {}, {verb}updated {}, unchanged {}, rejected {}{}",
            s.read,
            s.created,
            s.updated,
            s.unchanged,
            s.rejected.len(),
            if s.dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        );
        if !s.rejected.is_empty() && !s.dry_run {
            println!("nothing was written: correct the rejected rows and import again");
        }
        if !s.dry_run && s.rejected.is_empty() {
            println!(
                "{:.1} s, {:.0} records/s",
                secs,
                (s.created + s.updated + s.unchanged) as f64 / secs.max(0.001)
            );
        }
    }
    if s.rejected.is_empty() {
        0
    } else {
        1
    }
}

/// How an obligations import treats its file's columns.
struct Columns {
    unused: Vec<UnusedColumn>,
    strict: bool,
}

#[allow(clippy::too_many_arguments)]
async fn import_parsed(
    store: &Store,
    actor: &Actor,
    kind: &str,
    mut p: rules::Parsed,
    cols: Columns,
    dry_run: bool,
    format: &str,
    start: Instant,
) -> Result<i32> {
    if cols.strict && !cols.unused.is_empty() {
        // Under --strict an unread column rejects the file: nothing is written.
        p.rejected.extend(strict_errors(&cols.unused));
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
    let s = ob::recs::import(store, actor, p.records, p.rejected, dry_run, &|n| {
        bar.set(n)
    })
    .await?;
    Ok(print_summary(
        kind,
        &s,
        &cols.unused,
        format,
        start.elapsed().as_secs_f64(),
    ))
}

pub async fn run(store: &Store, actor: &Actor, cmd: ImportCmd) -> Result<i32> {
    match cmd {
        ImportCmd::Incidents(kind) => incidents::run(store, kind).await,
        ImportCmd::SourceList {
            file,
            source,
            kind,
            mapping,
            as_user,
            dry_run,
            format,
            strict,
            input,
        } => {
            let actor = crate::violations::actor(store, &as_user).await?;
            let a = SourceListArgs {
                file,
                source,
                kind,
                mapping,
                dry_run,
                format,
                strict,
                input,
            };
            import_source_list(store, &actor, &a).await
        }
        other => run_obligations(store, actor, other).await,
    }
}

async fn run_obligations(store: &Store, actor: &Actor, cmd: ImportCmd) -> Result<i32> {
    let start = Instant::now();
    let resolver = ob::country_resolver(store).await?;
    match cmd {
        ImportCmd::Incidents(_) | ImportCmd::SourceList { .. } => {
            bail!("not an obligations import")
        }
        ImportCmd::UprInfo {
            files,
            dry_run,
            format,
            strict,
            input,
        } => {
            // All files form one import, so that a recommendation listed in two exports
            // (overlapping sessions) keeps one key per occurrence.
            let mut all = Table::default();
            let mut rejected = Vec::new();
            for f in &files {
                match read_table(f, &input) {
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
                    dry_run,
                    ..Default::default()
                };
                return Ok(print_summary(
                    "upr-info",
                    &s,
                    &[],
                    &format,
                    start.elapsed().as_secs_f64(),
                ));
            }
            let read: Vec<&str> = rules::UPR_INFO_COLUMNS
                .iter()
                .chain(rules::UPR_INFO_DERIVED)
                .copied()
                .collect();
            let cols = Columns {
                unused: unused_columns(&all.header, &read, rules::UPR_INFO_COLUMNS),
                strict,
            };
            let p = rules::parse_upr_info(&all, &resolver);
            import_parsed(store, actor, "upr-info", p, cols, dry_run, &format, start).await
        }
        ImportCmd::Uhri {
            file,
            dry_run,
            format,
            strict,
            input,
        } => {
            let t = match read_table(&file, &input) {
                Ok(t) => t,
                Err(e) => {
                    let s = ImportSummary {
                        rejected: vec![with_file(e, &file)],
                        dry_run,
                        ..Default::default()
                    };
                    return Ok(print_summary("uhri", &s, &[], &format, 0.0));
                }
            };
            let cols = Columns {
                unused: unused_columns(&t.header, &rules::UHRI_COLUMNS, &rules::UHRI_COLUMNS),
                strict,
            };
            let mut p = rules::parse_uhri(&t, &resolver);
            drop(t);
            p.rejected = p
                .rejected
                .into_iter()
                .map(|e| with_file(e, &file))
                .collect();
            import_parsed(store, actor, "uhri", p, cols, dry_run, &format, start).await
        }
        ImportCmd::Recommendations {
            file,
            mapping,
            dry_run,
            format,
            strict,
            input,
        } => {
            let m = std::fs::read_to_string(&mapping)
                .with_context(|| format!("cannot read {}", mapping.display()))?;
            let m =
                Mapping::parse(&m).map_err(|e| anyhow::anyhow!("{}: {e}", mapping.display()))?;
            let t = match read_table(&file, &input) {
                Ok(t) => t,
                Err(e) => {
                    let s = ImportSummary {
                        rejected: vec![with_file(e, &file)],
                        dry_run,
                        ..Default::default()
                    };
                    return Ok(print_summary("recommendations", &s, &[], &format, 0.0));
                }
            };
            let read: Vec<&str> = m.columns.values().map(String::as_str).collect();
            let free: Vec<&str> = rules::MAPPING_FIELDS
                .iter()
                .copied()
                .filter(|f| !m.columns.contains_key(*f))
                .collect();
            let cols = Columns {
                unused: unused_columns(&t.header, &read, &free),
                strict,
            };
            let mut p = rules::parse_generic(&t, &m, &resolver);
            p.rejected = p
                .rejected
                .into_iter()
                .map(|e| with_file(e, &file))
                .collect();
            import_parsed(
                store,
                actor,
                "recommendations",
                p,
                cols,
                dry_run,
                &format,
                start,
            )
            .await
        }
        ImportCmd::Ratifications {
            file,
            dry_run,
            format,
            strict,
            input,
        } => {
            import_ratifications(
                store, actor, &file, dry_run, strict, &format, &resolver, &input,
            )
            .await
        }
    }
}

/// The columns of a ratifications file.
const RATIFICATION_COLUMNS: &[&str] = &[
    "iso3",
    "instrument",
    "status",
    "signature",
    "consent",
    "consent_kind",
    "reservations",
    "declarations",
    "complaints_declaration",
    "inquiry_accepted",
    "note",
];

#[allow(clippy::too_many_arguments)]
async fn import_ratifications(
    store: &Store,
    actor: &Actor,
    file: &Path,
    dry_run: bool,
    strict: bool,
    format: &str,
    resolver: &rules::CountryResolver,
    input: &InputOpts,
) -> Result<i32> {
    let start = Instant::now();
    let t = read_table(file, input).map_err(|e| anyhow::anyhow!("{}", with_file(e, file)))?;
    let unused = unused_columns(&t.header, RATIFICATION_COLUMNS, RATIFICATION_COLUMNS);
    if strict && !unused.is_empty() {
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
        let iso3 = match resolver.resolve(r.get(ci).map(String::as_str).unwrap_or("")) {
            Some(c) => c.to_string(),
            None => {
                rejected.push(with_file(
                    RowError::new(*line, "iso3", format!("unknown country {:?}", r.get(ci))),
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
            Err(dignity_store::StoreError::Invalid { field, message }) => {
                rejected.push(with_file(RowError::new(*line, &field, message), file))
            }
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

// ------------------------------------------------- protection: source lists --

struct SourceListArgs {
    file: PathBuf,
    source: String,
    kind: String,
    mapping: Option<PathBuf>,
    dry_run: bool,
    format: String,
    strict: bool,
    input: InputOpts,
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
async fn import_source_list(store: &Store, actor: &Actor, a: &SourceListArgs) -> Result<i32> {
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
                        match src::import_list_with(
                            store, actor, id, &fname, &table, &mapping, &opts,
                        )
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
        let verb = if a.dry_run { "would be " } else { "" };
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

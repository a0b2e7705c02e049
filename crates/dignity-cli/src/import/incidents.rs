//! `dignity import …`: incident lists (CSV) through a column mapping, and KoboToolbox / ODK
//! submission exports (CSV or JSON). Every row is checked first; errors name the line and
//! the field; only a clean file is written, in one transaction.

use super::InputOpts;
use anyhow::{Context, Result};
use clap::Subcommand;
use dignity_store::ingest::{self, Encoding};
use dignity_store::violations::import::{self, ImportReport, Mapping, Row};
use dignity_store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ImportKind {
    /// An incident list (CSV, one act per row) with a column mapping (TOML:
    /// `[columns] victim_name = "Name of victim"`, `[defaults] country = "SYR"`).
    Incidents {
        file: PathBuf,
        #[arg(long)]
        mapping: PathBuf,
        #[command(flatten)]
        opts: IncidentOpts,
    },
    /// A KoboToolbox/ODK export (CSV or JSON) of Dignity's incident form; `--mapping` for
    /// other forms.
    Kobo {
        file: PathBuf,
        #[arg(long)]
        mapping: Option<PathBuf>,
        #[command(flatten)]
        opts: IncidentOpts,
    },
}

/// What both incident imports take besides the file and the mapping.
#[derive(clap::Args)]
pub struct IncidentOpts {
    /// The account the records are created as (its role must allow creating records).
    #[arg(long = "as")]
    as_user: String,
    /// Refuse the file if it has columns the mapping leaves unread.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    input: InputOpts,
}

/// A CSV reader of a file already checked by [`check_csv`]: text in `enc`, read as UTF-8.
fn csv_reader(
    path: &Path,
    enc: Encoding,
) -> std::result::Result<csv::Reader<Box<dyn std::io::Read>>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(ingest::text_reader(std::io::BufReader::new(f), enc)))
}

/// The shared checks of a CSV file before any row is read (text, encoding, record, field
/// and column limits): `Some(exit code)` after naming the cause when the file fails them.
fn check_csv(path: &Path, input: &InputOpts) -> Option<i32> {
    match ingest::check_csv_file(path, input.encoding, b',', &input.limits()) {
        Ok(_) => None,
        Err(e) => {
            eprintln!("nothing was imported: {}: {e}", path.display());
            Some(1)
        }
    }
}

/// Rows of a CSV file; `kobo` reduces `group/field` headers to `field`.
pub fn csv_rows(
    path: &Path,
    kobo: bool,
    enc: Encoding,
) -> std::result::Result<impl Iterator<Item = Row>, String> {
    let mut r = csv_reader(path, enc)?;
    let headers = read_header(&mut r, path, kobo)?;
    Ok(r.into_records().enumerate().map(move |(i, rec)| {
        let mut m: HashMap<String, String> = HashMap::new();
        match rec {
            Ok(rec) => {
                for (h, v) in headers.iter().zip(rec.iter()) {
                    m.insert(h.clone(), v.to_string());
                }
            }
            // A malformed line becomes a row whose fields are all empty: validation names it.
            Err(e) => {
                m.insert("__error".into(), e.to_string());
            }
        }
        (i + 2, m)
    }))
}

/// The header of a CSV file, as [`csv_rows`] reads it.
pub fn csv_header(
    path: &Path,
    kobo: bool,
    enc: Encoding,
) -> std::result::Result<Vec<String>, String> {
    read_header(&mut csv_reader(path, enc)?, path, kobo)
}

/// The column names of the reader's header row (trimmed, without a BOM; `kobo`:
/// `group/field` reduced to `field`).
fn read_header(
    r: &mut csv::Reader<Box<dyn std::io::Read>>,
    path: &Path,
    kobo: bool,
) -> std::result::Result<Vec<String>, String> {
    Ok(r.headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(|h| {
            if kobo {
                import::kobo_header(h)
            } else {
                h.trim().trim_start_matches('\u{feff}').to_string()
            }
        })
        .collect())
}

/// Columns of a KoboToolbox/ODK export that are the form's metadata, not answers: never
/// reported as unmapped.
const KOBO_META: &[&str] = &[
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "audit",
    "instanceID",
    "instanceName",
    "uuid",
];

/// The columns of `header` that `m` leaves unread (Kobo metadata and `_`-columns aside).
pub fn unused(
    header: &[String],
    m: &Mapping,
    kobo: bool,
) -> Vec<dignity_core::columns::UnusedColumn> {
    let mut read: Vec<&str> = m.columns.values().map(String::as_str).collect();
    if kobo {
        read.extend(KOBO_META);
    }
    // Suggestions: the fields not mapped, and the mapped columns the file lacks.
    let free: Vec<&str> = import::TARGETS
        .iter()
        .copied()
        .filter(|t| !m.columns.contains_key(*t))
        .chain(m.columns.values().map(String::as_str))
        .collect();
    let mut u = dignity_core::columns::unused_columns(header, &read, &free);
    if kobo {
        u.retain(|c| !c.column.starts_with('_'));
    }
    u
}

/// The unread columns before the import; under `--strict` they refuse the file.
fn check_columns(u: &[dignity_core::columns::UnusedColumn], strict: bool) -> Option<i32> {
    if strict && !u.is_empty() {
        eprintln!(
            "nothing was imported: --strict and the file has columns the mapping does not read"
        );
        for e in super::strict_errors(u) {
            eprintln!("  {e}");
        }
        return Some(1);
    }
    super::print_unused(u);
    None
}

/// The header and rows of the first sheet of a spreadsheet (XLSX or ODS, told by its
/// content); the first row holds the column names. Dates stored as spreadsheet dates become
/// YYYY-MM-DD. XLSX is read cell by cell within the limits; an ODS workbook is scanned
/// first ([`ingest::check_ods`]); XLSB and legacy XLS workbooks are refused by name.
pub fn sheet(path: &Path, input: &InputOpts) -> Result<(Vec<String>, Vec<Row>)> {
    use calamine::Data;
    let limits = input.limits();
    let err = |e: ingest::IngestError| anyhow::anyhow!("{}: {e}", path.display());
    let bytes = ingest::read_file(path, &limits).map_err(err)?;
    let cell = |c: &Data| match c {
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.date().to_string())
            .unwrap_or_default(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Empty => String::new(),
        other => other.to_string(),
    };
    let s = ingest::read_workbook(&bytes, &limits, &cell).map_err(err)?;
    let (headers, rows) = (s.header, s.rows);
    let headers: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    let rows = rows
        .into_iter()
        .map(|(line, r)| (line as usize, headers.iter().cloned().zip(r).collect()))
        .collect();
    Ok((headers, rows))
}

/// A KoboToolbox/ODK JSON export, within a quarter of the file size limit (a parsed JSON
/// document takes several times its size in memory), UTF-8 (or the encoding named).
fn read_json(path: &Path, input: &InputOpts) -> std::result::Result<serde_json::Value, String> {
    let mut limits = input.limits();
    limits.max_file_bytes /= 4;
    let bytes = ingest::read_file(path, &limits).map_err(|e| e.to_string())?;
    ingest::sniff_text(&bytes, "JSON").map_err(|e| e.to_string())?;
    let text = ingest::decode(bytes, input.encoding).map_err(|e| e.to_string())?;
    ingest::check_json(text.as_bytes(), &input.limits()).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| format!("not a JSON export: {e}"))
}

fn print_report(r: &ImportReport) -> Result<i32> {
    if !r.errors.is_empty() {
        eprintln!(
            "nothing was imported: {} problem(s) in {} rows checked",
            r.errors.len(),
            r.rows
        );
        for e in &r.errors {
            eprintln!("  {e}");
        }
        return Ok(1);
    }
    println!(
        "imported {} rows: {} events, {} acts, {} persons",
        r.rows, r.events, r.acts, r.persons
    );
    Ok(0)
}

/// The count of rows written so far, on one line of the terminal.
fn progress(n: usize) {
    eprint!("\r{n} rows written");
}

/// Rows already read whole (a spreadsheet, a JSON export) imported: the exit code.
async fn import_read(
    store: &Store,
    actor: &dignity_core::Actor,
    m: &Mapping,
    rows: Vec<Row>,
) -> Result<i32> {
    let r =
        import::import_rows(store, actor, m, || Ok(rows.clone().into_iter()), &progress).await?;
    eprintln!();
    print_report(&r)
}

/// A CSV file checked (its limits, then its columns) and imported as it is read: the exit
/// code. `kobo`: a KoboToolbox/ODK export (see [`csv_rows`]).
async fn import_csv(
    store: &Store,
    actor: &dignity_core::Actor,
    m: &Mapping,
    path: &Path,
    opts: &IncidentOpts,
    kobo: bool,
) -> Result<i32> {
    if let Some(code) = check_csv(path, &opts.input) {
        return Ok(code);
    }
    let enc = opts.input.encoding;
    let header = csv_header(path, kobo, enc).map_err(anyhow::Error::msg)?;
    if let Some(code) = check_columns(&unused(&header, m, kobo), opts.strict) {
        return Ok(code);
    }
    let rows = || csv_rows(path, kobo, enc);
    let r = import::import_rows(store, actor, m, rows, &progress).await?;
    eprintln!();
    print_report(&r)
}

pub async fn run(store: &Store, kind: ImportKind) -> Result<i32> {
    let started = std::time::Instant::now();
    let code = match kind {
        ImportKind::Incidents {
            file,
            mapping,
            opts,
        } => {
            let actor = crate::violations::actor(store, &opts.as_user).await?;
            let m = Mapping::parse_toml(
                &std::fs::read_to_string(&mapping)
                    .with_context(|| mapping.display().to_string())?,
            )
            .map_err(anyhow::Error::msg)?;
            let sheet = file.extension().is_some_and(|e| {
                ["xlsx", "xls", "ods"]
                    .iter()
                    .any(|x| e.eq_ignore_ascii_case(x))
            });
            if sheet {
                let (header, rows) = self::sheet(&file, &opts.input)?;
                if let Some(code) = check_columns(&unused(&header, &m, false), opts.strict) {
                    return Ok(code);
                }
                import_read(store, &actor, &m, rows).await?
            } else {
                import_csv(store, &actor, &m, &file, &opts, false).await?
            }
        }
        ImportKind::Kobo {
            file,
            mapping,
            opts,
        } => {
            let actor = crate::violations::actor(store, &opts.as_user).await?;
            let m = match mapping {
                Some(p) => Mapping::parse_toml(&std::fs::read_to_string(&p)?)
                    .map_err(anyhow::Error::msg)?,
                None => Mapping::kobo_default(),
            };
            if file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                let json = match read_json(&file, &opts.input) {
                    Ok(j) => j,
                    Err(e) => {
                        eprintln!("nothing was imported: {}: {e}", file.display());
                        return Ok(1);
                    }
                };
                let rows = import::kobo_json_rows(&json, m.repeat.as_deref())
                    .map_err(anyhow::Error::msg)?;
                import_read(store, &actor, &m, rows).await?
            } else {
                import_csv(store, &actor, &m, &file, &opts, true).await?
            }
        }
    };
    eprintln!(
        "took {:.1} s; peak memory {} MiB",
        started.elapsed().as_secs_f64(),
        crate::violations::peak_rss_mib()
    );
    Ok(code)
}

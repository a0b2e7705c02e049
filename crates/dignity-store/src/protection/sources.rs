//! Lists of missing persons from other sources (a commission, the Red Cross, NGOs, family
//! associations): import through a column mapping (CSV or XLSX), every record kept as
//! received and linked to the consolidated case; candidate matches by normalised name
//! (with Latin/Cyrillic transliteration, from `dignity_stats::linkage::text`), date of birth
//! and place.

use super::missing::{self, MissingInput};
use super::*;
use crate::now;
use crate::violations::{self as v, Vocab};
use dignity_core::columns::UnusedColumn;
use dignity_stats::linkage::text;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// Kinds of source.
pub const SOURCE_KINDS: &[&str] = &[
    "commission",
    "red_cross",
    "ngo",
    "family_association",
    "other",
];
/// Fields a column can be mapped to. `external_id` and `name` are required.
pub const TARGETS: &[&str] = &[
    "external_id",
    "name",
    "birth_date",
    "place",
    "sex",
    "last_seen_date",
];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Source {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub records: i64,
    pub linked: i64,
}

/// Register a source of lists. Audited.
pub async fn create_source(tx: &mut WriteTx, name: &str, kind: &str) -> Result<i64> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(StoreError::invalid(
            "name",
            "a source needs a name (at most 200 characters)",
        ));
    }
    if !SOURCE_KINDS.contains(&kind) {
        return Err(StoreError::invalid(
            "kind",
            format!("{kind:?}: expected one of {}", SOURCE_KINDS.join(", ")),
        ));
    }
    // Names are encrypted: the uniqueness is checked here, among the (few) sources.
    let store = tx.store().clone();
    if source_names(&store, tx.conn())
        .await?
        .values()
        .any(|n| n.trim().to_lowercase() == name.to_lowercase())
    {
        return Err(StoreError::invalid(
            "name",
            "a source with this name exists",
        ));
    }
    let id = tx.next_id("pro_sources").await?;
    let enc_name = enc_keep(&store, "pro_sources.name", id, name);
    sqlx::query(
        "INSERT INTO pro_sources (name, kind, created_by, created_at, id) VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(enc_name)
    .bind(kind)
    .bind(tx.actor().user_id)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "source.create",
        "pro_sources",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "kind": kind }),
    );
    Ok(id)
}

/// Every source, by name (sorted here: the names are encrypted).
pub async fn sources(store: &Store) -> Result<Vec<Source>> {
    let mut out = sqlx::query(
        "SELECT s.id, s.name, s.kind, (SELECT COUNT(*) FROM pro_source_records r WHERE r.source_id = s.id AND r.current = 1), \
         (SELECT COUNT(*) FROM pro_source_records r WHERE r.source_id = s.id AND r.current = 1 AND r.missing_id IS NOT NULL) \
         FROM pro_sources s",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let id: i64 = r.get(0);
        Ok(Source { id, name: dec(store, "pro_sources.name", id, r.get(1))?, kind: r.get(2), records: r.get(3), linked: r.get(4) })
    })
    .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// The (decrypted) name of every source, by id.
async fn source_names(
    store: &Store,
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
) -> Result<HashMap<i64, String>> {
    sqlx::query("SELECT id, name FROM pro_sources")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            Ok((id, dec(store, "pro_sources.name", id, r.get(1))?))
        })
        .collect()
}

// ------------------------------------------------------------- reading --

/// A table read from a file: the header and the data rows with their line numbers.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// A problem with one row (or the file: line 0).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.field, self.message)
        } else {
            write!(f, "line {}, {}: {}", self.line, self.field, self.message)
        }
    }
}

fn file_error(field: &str, message: impl Into<String>) -> Vec<RowError> {
    vec![RowError {
        line: 0,
        field: field.into(),
        message: message.into(),
    }]
}

fn ingest_error(e: crate::ingest::IngestError) -> Vec<RowError> {
    vec![RowError {
        line: e.line as usize,
        field: "file".into(),
        message: e.message,
    }]
}

/// Read a CSV file (UTF-8, comma or semicolon separated, with a header line) within the
/// default import limits (see [`crate::ingest`]).
pub fn read_csv(bytes: &[u8]) -> std::result::Result<Table, Vec<RowError>> {
    read_csv_with(
        bytes,
        crate::ingest::Encoding::Utf8,
        &crate::ingest::Limits::default(),
    )
}

/// [`read_csv`] in an encoding and within limits (`dignity import source-list --encoding`).
pub fn read_csv_with(
    bytes: &[u8],
    enc: crate::ingest::Encoding,
    limits: &crate::ingest::Limits,
) -> std::result::Result<Table, Vec<RowError>> {
    use crate::ingest;
    ingest::check_size(bytes.len() as u64, limits).map_err(ingest_error)?;
    // The shared checks first (text, encoding, record and field sizes), on the bytes as
    // they are: nothing is parsed or copied before they pass.
    let head = &bytes[..bytes.len().min(64 * 1024)];
    ingest::sniff_text(head, "CSV").map_err(ingest_error)?;
    let first_line = head
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .unwrap_or(b"");
    let semis = first_line.iter().filter(|&&b| b == b';').count();
    let commas = first_line.iter().filter(|&&b| b == b',').count();
    let delim = if semis > commas { b';' } else { b',' };
    let shape = ingest::check_csv(bytes, enc, delim, limits).map_err(ingest_error)?;
    ingest::check_cells(shape.records, shape.max_fields, limits).map_err(ingest_error)?;
    let text = ingest::decode(bytes.to_vec(), enc).map_err(ingest_error)?;
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| file_error("file", format!("cannot read the header line: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(file_error("file", "the file is empty"));
    }
    let mut rows = vec![];
    let mut errors = vec![];
    for rec in r.records() {
        match rec {
            Ok(rec) => {
                let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
                if rec.len() != headers.len() {
                    errors.push(RowError {
                        line,
                        field: "file".into(),
                        message: format!(
                            "{} values where the header has {} columns",
                            rec.len(),
                            headers.len()
                        ),
                    });
                    continue;
                }
                rows.push((line, rec.iter().map(|x| x.trim().to_string()).collect()));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                errors.push(RowError {
                    line,
                    field: "file".into(),
                    message: format!("unreadable row: {e}"),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Table { headers, rows })
}

/// Read the first sheet of an XLSX or ODS workbook (first row = header). Line numbers are
/// the spreadsheet's row numbers. The workbook's expanded size and its cells are limited
/// (see [`crate::ingest::read_workbook`]).
pub fn read_xlsx(bytes: &[u8]) -> std::result::Result<Table, Vec<RowError>> {
    read_xlsx_with(bytes, &crate::ingest::Limits::default())
}

/// [`read_xlsx`] within limits.
pub fn read_xlsx_with(
    bytes: &[u8],
    limits: &crate::ingest::Limits,
) -> std::result::Result<Table, Vec<RowError>> {
    use calamine::Data;
    let cell = |c: &Data| -> String {
        match c {
            Data::Empty => String::new(),
            Data::String(s) => s.trim().to_string(),
            Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(d) => {
                // Excel serial day numbers count from 1899-12-30.
                let base = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
                base.checked_add_days(chrono::Days::new(d.as_f64().max(0.0) as u64))
                    .map(|x| x.to_string())
                    .unwrap_or_default()
            }
            Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
            Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#{e:?}"),
        }
    };
    let sheet = crate::ingest::read_workbook(bytes, limits, &cell).map_err(ingest_error)?;
    if sheet.header.iter().all(|h| h.is_empty()) {
        return Err(file_error("file", "the first sheet is empty"));
    }
    let rows = sheet
        .rows
        .into_iter()
        .map(|(l, r)| (l as usize, r))
        .collect();
    Ok(Table {
        headers: sheet.header,
        rows,
    })
}

/// Read a list by its file name: `.xlsx` as a workbook, anything else as CSV (UTF-8),
/// within the default import limits.
pub fn read_table(filename: &str, bytes: &[u8]) -> std::result::Result<Table, Vec<RowError>> {
    read_table_with(
        filename,
        bytes,
        crate::ingest::Encoding::Utf8,
        &crate::ingest::Limits::default(),
    )
}

/// [`read_table`] with an encoding for CSV and limits.
pub fn read_table_with(
    filename: &str,
    bytes: &[u8],
    enc: crate::ingest::Encoding,
    limits: &crate::ingest::Limits,
) -> std::result::Result<Table, Vec<RowError>> {
    let name = filename.to_ascii_lowercase();
    if [".xlsx", ".ods", ".xls"].iter().any(|x| name.ends_with(x))
        || crate::ingest::workbook_kind(bytes) != crate::ingest::Workbook::NotAWorkbook
    {
        read_xlsx_with(bytes, limits)
    } else {
        read_csv_with(bytes, enc, limits)
    }
}

// ------------------------------------------------------------- import --

/// Which column feeds which field: `target → column header`. Targets not mapped are left
/// empty; a mapping naming a column the file lacks is an error.
pub type Mapping = HashMap<String, String>;

/// A mapping guessed from the headers (same names as the targets, case-insensitive).
pub fn guess_mapping(headers: &[String]) -> Mapping {
    let mut m = Mapping::new();
    for t in TARGETS {
        if let Some(h) = headers
            .iter()
            .find(|h| h.trim().to_lowercase().replace([' ', '-'], "_") == *t)
        {
            m.insert(t.to_string(), h.clone());
        }
    }
    m
}

struct Parsed {
    line: usize,
    external_id: String,
    name: String,
    birth_date: String,
    place: String,
    sex: String,
    last_seen_date: String,
    raw: String,
    hash: String,
}

fn parse_rows(t: &Table, m: &Mapping) -> std::result::Result<Vec<Parsed>, Vec<RowError>> {
    let mut errors = vec![];
    for k in m.keys() {
        if !TARGETS.contains(&k.as_str()) {
            errors.push(RowError {
                line: 0,
                field: k.clone(),
                message: format!(
                    "unknown field in the mapping; known: {}",
                    TARGETS.join(", ")
                ),
            });
        }
    }
    let mut col = HashMap::new();
    for (target, header) in m {
        if header.trim().is_empty() {
            continue;
        }
        match t.headers.iter().position(|h| h == header.trim()) {
            Some(i) => {
                col.insert(target.as_str(), i);
            }
            None => errors.push(RowError {
                line: 0,
                field: target.clone(),
                message: format!("the file has no column {header:?}"),
            }),
        }
    }
    for req in ["external_id", "name"] {
        if !col.contains_key(req) && !errors.iter().any(|e| e.field == req) {
            errors.push(RowError {
                line: 0,
                field: req.into(),
                message: format!(
                    "map a column to this field (the file's columns: {})",
                    t.headers.join(", ")
                ),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if t.rows.is_empty() {
        return Err(file_error("file", "the file has a header but no rows"));
    }
    let get = |row: &Vec<String>, f: &str| {
        col.get(f)
            .and_then(|i| row.get(*i))
            .cloned()
            .unwrap_or_default()
    };
    let mut out = Vec::with_capacity(t.rows.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let ext = get(row, "external_id");
        let name = get(row, "name");
        if ext.is_empty() {
            errors.push(RowError {
                line,
                field: "external_id".into(),
                message: "empty: every record needs the source's identifier".into(),
            });
        } else if let Some(first) = seen.insert(ext.clone(), line) {
            errors.push(RowError {
                line,
                field: "external_id".into(),
                message: format!("{ext:?} appears twice in this file (also on line {first})"),
            });
        }
        if name.is_empty() {
            errors.push(RowError {
                line,
                field: "name".into(),
                message: "empty".into(),
            });
        } else if name.chars().count() > 300 {
            errors.push(RowError {
                line,
                field: "name".into(),
                message: "longer than 300 characters".into(),
            });
        }
        let mut dates = vec![];
        for f in ["birth_date", "last_seen_date"] {
            let d = get(row, f);
            match dignity_core::PartialDate::parse(&d) {
                Ok(p) => dates.push(p.to_string()),
                Err(e) => {
                    errors.push(RowError {
                        line,
                        field: f.into(),
                        message: format!("{d:?}: {e}"),
                    });
                    dates.push(String::new());
                }
            }
        }
        let raw: serde_json::Map<String, serde_json::Value> = t
            .headers
            .iter()
            .cloned()
            .zip(row.iter().map(|c| serde_json::Value::String(c.clone())))
            .collect();
        let raw = serde_json::Value::Object(raw).to_string();
        let (place, sex) = (get(row, "place"), get(row, "sex"));
        // The row as received and the fields read from it: importing the same file again
        // with a corrected mapping (a column that was left out) stores a new version.
        let read = serde_json::json!([name, dates[0], place, sex, dates[1]]).to_string();
        let hash = hex::encode(Sha256::digest(format!("{raw}\n{read}").as_bytes()));
        out.push(Parsed {
            line,
            external_id: ext,
            name,
            birth_date: dates[0].clone(),
            place,
            sex,
            last_seen_date: dates[1].clone(),
            raw,
            hash,
        });
    }
    if !errors.is_empty() {
        errors.truncate(200);
        return Err(errors);
    }
    Ok(out)
}

/// What is stored in `content_hash`: `k1:` and a keyed hash (index key) of the row's
/// SHA-256, so that a dictionary of names cannot be checked against the column. Rows written
/// before held the plain SHA-256; [`rekey_content_hashes`] turns them into this form (it
/// needs only the stored value, nothing is decrypted).
fn stored_hash(keys: &dignity_core::crypto::Keyring, digest: &str) -> String {
    if digest.starts_with("k1:") {
        return digest.to_string();
    }
    format!(
        "k1:{}",
        keys.content_mac("pro_source_records.content_hash", digest)
    )
}

/// Turn the plain SHA-256 content hashes of source records written by older versions into
/// keyed ones (run at server start and before an import). Returns how many were changed.
pub async fn rekey_content_hashes(store: &Store) -> Result<usize> {
    let system = Actor::system();
    let mut done = 0;
    loop {
        let n = store
            .write(&system, async |tx| {
                let rows = sqlx::query("SELECT id, content_hash FROM pro_source_records WHERE content_hash NOT LIKE 'k1:%' ORDER BY id LIMIT 2000")
                    .fetch_all(tx.conn())
                    .await?;
                let keys = tx.store().keys();
                for r in &rows {
                    sqlx::query("UPDATE pro_source_records SET content_hash = $1 WHERE id = $2")
                        .bind(stored_hash(&keys, &r.get::<String, _>(1)))
                        .bind(r.get::<i64, _>(0))
                        .execute(tx.conn())
                        .await?;
                }
                tx.audit(
                    "source_records.rekey_hashes",
                    "pro_source_records",
                    "",
                    None,
                    None,
                    serde_json::json!({ "rows": rows.len() }),
                );
                Ok(rows.len())
            })
            .await?;
        done += n;
        if n < 2000 {
            return Ok(done);
        }
    }
}

async fn any_unkeyed_hash(store: &Store) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM pro_source_records WHERE content_hash NOT LIKE 'k1:%' LIMIT 1")
            .fetch_optional(store.pool())
            .await?
            .is_some(),
    )
}

/// Existing current records of a source: external id → (id, content hash, link). A hash
/// still in the old plain form is compared in its keyed form.
async fn existing_records<'e, E>(
    exec: E,
    keys: &dignity_core::crypto::Keyring,
    source_id: i64,
) -> Result<HashMap<String, (i64, String, Option<i64>)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let mut existing = HashMap::new();
    for r in sqlx::query("SELECT id, external_id, content_hash, missing_id FROM pro_source_records WHERE source_id = $1 AND current = 1")
        .bind(source_id)
        .fetch_all(exec)
        .await?
    {
        let h: String = r.get(2);
        existing.insert(r.get(1), (r.get(0), stored_hash(keys, &h), r.get(3)));
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
        match existing.get(&p.external_id) {
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

/// The columns of a list that its mapping leaves unread, each with a "did you mean …"
/// suggestion among the fields not mapped yet (`date_of_birth` → `birth_date`).
pub fn unused_columns(table: &Table, mapping: &Mapping) -> Vec<UnusedColumn> {
    let used: Vec<&str> = mapping.values().map(String::as_str).collect();
    let free: Vec<&str> = TARGETS
        .iter()
        .copied()
        .filter(|t| !mapping.contains_key(*t))
        .collect();
    dignity_core::columns::unused_columns(&table.headers, &used, &free)
}

/// The errors of a strict import: one per unread column (line 1, the column's name).
pub fn strict_errors(unused: &[UnusedColumn]) -> Vec<RowError> {
    unused
        .iter()
        .map(|u| RowError {
            line: 1,
            field: if u.column.is_empty() {
                format!("column {}", u.position)
            } else {
                u.column.clone()
            },
            message: match &u.suggestion {
                Some(s) => format!("this column is not imported (did you mean {s:?}?)"),
                None => "this column is not imported: map it or remove it".into(),
            },
        })
        .collect()
}

/// Import a source's list. Every row is checked first; any error means nothing is written
/// and every error is returned (line and field). Records are kept as received (encrypted).
pub async fn import_list(
    store: &Store,
    actor: &Actor,
    source_id: i64,
    filename: &str,
    table: &Table,
    mapping: &Mapping,
) -> std::result::Result<ImportReport, Vec<RowError>> {
    import_list_with(
        store,
        actor,
        source_id,
        filename,
        table,
        mapping,
        &ImportOptions::default(),
    )
    .await
}

/// How [`import_list_with`] runs: `dry_run` checks every row and counts what would be new,
/// changed or unchanged without writing anything; `progress` is told how many rows were
/// written so far (for a progress bar).
#[derive(Default)]
pub struct ImportOptions<'a> {
    pub dry_run: bool,
    /// Refuse a file with columns the mapping leaves unread.
    pub strict: bool,
    pub progress: Option<&'a (dyn Fn(usize) + Sync)>,
}

/// A source by its name (exact), for scripts that name the source.
pub async fn source_by_name(store: &Store, name: &str) -> Result<Option<Source>> {
    Ok(sources(store)
        .await?
        .into_iter()
        .find(|s| s.name == name.trim()))
}

/// Whether the actor's role may import lists (they create confidential records).
pub fn may_import(actor: &Actor) -> bool {
    authorize(
        actor,
        Action::Create,
        &dignity_core::RecordAccess::new(Confidentiality::Confidential),
    )
    .allowed()
}

/// Check a list against a mapping without a source (a dry run for a source not yet
/// registered): the number of rows, or every error (line and field).
pub fn check_list(table: &Table, mapping: &Mapping) -> std::result::Result<usize, Vec<RowError>> {
    parse_rows(table, mapping).map(|p| p.len())
}

/// [`import_list`] with a dry run and progress reports (the command line's import).
pub async fn import_list_with(
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
    // Only the keyed form of each row's hash is compared and stored.
    {
        let keys = store.keys();
        for p in &mut parsed {
            p.hash = stored_hash(&keys, &p.hash);
        }
    }
    let internal = |e: StoreError| {
        vec![RowError {
            line: 0,
            field: "database".into(),
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
        let existing = existing_records(store.pool(), &store.keys(), source_id)
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
            let keys = tx.store().keys();
            let existing = existing_records(tx.conn(), &keys, source_id).await?;
            let (mut rep, to_insert) = classify(&parsed, &existing);
            let at = now();
            let import_id = tx.next_id("pro_source_imports").await?;
            let store = tx.store().clone();
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
            let mut written = 0;
            for chunk in to_insert.chunks(BATCH) {
                // Ids first: the encrypted fields are bound to their row.
                let ids = tx.next_ids("pro_source_records", chunk.len()).await?;
                let mut sql = String::from(
                    "INSERT INTO pro_source_records (source_id, import_id, line, external_id, raw, content_hash, name, birth_date, place, sex, \
                     last_seen_date, current, keyed, missing_id, linked_at, id, created_at) VALUES ",
                );
                for (i, _) in chunk.iter().enumerate() {
                    let b = i * 14;
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!(
                        "(${},${},${},${},${},${},${},${},${},${},${},1,1,${},${},${},${})",
                        b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12, b + 13, b + 14, 14 * chunk.len() + 1
                    ));
                }
                let mut q = sqlx::query(&sql);
                for ((p, _, link), &id) in chunk.iter().zip(&ids) {
                    q = q
                        .bind(source_id)
                        .bind(import_id)
                        .bind(p.line as i64)
                        .bind(p.external_id.clone())
                        .bind(keys.encrypt("pro_source_records.raw", id, &p.raw))
                        .bind(p.hash.clone())
                        .bind(keys.encrypt("pro_source_records.name", id, &p.name))
                        .bind(p.birth_date.clone())
                        .bind(if p.place.is_empty() { None } else { Some(keys.encrypt("pro_source_records.place", id, &p.place)) })
                        .bind(p.sex.clone())
                        .bind(p.last_seen_date.clone())
                        .bind(*link)
                        .bind(if link.is_some() { at.clone() } else { String::new() })
                        .bind(id);
                }
                q = q.bind(at.clone());
                q.execute(tx.conn()).await?;
                written += chunk.len();
                if let Some(f) = opts.progress {
                    f(written);
                }
            }
            // Older versions of changed records: no longer current, pointing at the new one.
            for (p, old, _) in &to_insert {
                if let Some(old) = old {
                    sqlx::query(
                        "UPDATE pro_source_records SET current = 0, superseded_by = (SELECT id FROM pro_source_records \
                         WHERE source_id = $1 AND external_id = $2 AND import_id = $3) WHERE id = $4",
                    )
                    .bind(source_id)
                    .bind(&p.external_id)
                    .bind(import_id)
                    .bind(*old)
                    .execute(tx.conn())
                    .await?;
                }
            }
            // Blocking keys of the new records, for candidate matches through an index.
            let ids: HashMap<String, i64> = sqlx::query("SELECT external_id, id FROM pro_source_records WHERE import_id = $1")
                .bind(import_id)
                .fetch_all(tx.conn())
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let mut keyrows: Vec<(i64, String)> = vec![];
            for (p, _, _) in &to_insert {
                if let Some(id) = ids.get(&p.external_id) {
                    for k in match_keys(&keys, [p.name.as_str()], &p.birth_date) {
                        keyrows.push((*id, k));
                    }
                }
            }
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

// ------------------------------------------------------------ records --

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceRecord {
    pub id: i64,
    pub source_id: i64,
    pub source: String,
    pub source_kind: String,
    pub external_id: String,
    pub line: i64,
    pub name: String,
    pub birth_date: String,
    pub place: String,
    pub sex: String,
    pub last_seen_date: String,
    /// The row exactly as received (column → value), JSON.
    pub raw: String,
    pub missing_id: Option<i64>,
    pub current: bool,
    pub imported_at: String,
}

const REC_SQL: &str = "SELECT r.id, r.source_id, s.name, s.kind, r.external_id, r.line, r.name, r.birth_date, r.place, r.sex, r.last_seen_date, \
    r.raw, r.missing_id, r.current, r.created_at FROM pro_source_records r JOIN pro_sources s ON s.id = r.source_id";

fn record_from(store: &Store, r: &sqlx::any::AnyRow) -> Result<SourceRecord> {
    let id: i64 = r.get(0);
    Ok(SourceRecord {
        id,
        source_id: r.get(1),
        source: dec(store, "pro_sources.name", r.get(1), r.get(2))?,
        source_kind: r.get(3),
        external_id: r.get(4),
        line: r.get(5),
        name: store.decrypt("pro_source_records.name", id, &r.get::<String, _>(6))?,
        birth_date: r.get(7),
        place: dec(store, "pro_source_records.place", id, r.get(8))?,
        sex: r.get(9),
        last_seen_date: r.get(10),
        raw: store.decrypt("pro_source_records.raw", id, &r.get::<String, _>(11))?,
        missing_id: r.get(12),
        current: r.get::<i64, _>(13) == 1,
        imported_at: r.get(14),
    })
}

pub async fn get_record(store: &Store, id: i64) -> Result<Option<SourceRecord>> {
    match sqlx::query(&format!("{REC_SQL} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
    {
        Some(r) => Ok(Some(record_from(store, &r)?)),
        None => Ok(None),
    }
}

/// Current records of a source (or of all sources), optionally only unlinked ones.
pub async fn records(
    store: &Store,
    source_id: Option<i64>,
    unlinked_only: bool,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<SourceRecord>)> {
    let w = format!(
        "r.current = 1 AND ($1 = 0 OR r.source_id = $1){}",
        if unlinked_only {
            " AND r.missing_id IS NULL"
        } else {
            ""
        }
    );
    let total: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) FROM pro_source_records r WHERE {w}"
    ))
    .bind(source_id.unwrap_or(0))
    .fetch_one(store.pool())
    .await?
    .get(0);
    let rows = sqlx::query(&format!(
        "{REC_SQL} WHERE {w} ORDER BY r.source_id, r.id LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    ))
    .bind(source_id.unwrap_or(0))
    .fetch_all(store.pool())
    .await?;
    Ok((
        total,
        rows.iter()
            .map(|r| record_from(store, r))
            .collect::<Result<_>>()?,
    ))
}

/// The source records linked to a case, each with the differences from the case and the
/// other records (conflicts), for the person page.
pub async fn records_of_case(
    store: &Store,
    missing_id: i64,
) -> Result<Vec<(SourceRecord, Vec<String>)>> {
    let rows = sqlx::query(&format!(
        "{REC_SQL} WHERE r.missing_id = $1 AND r.current = 1"
    ))
    .bind(missing_id)
    .fetch_all(store.pool())
    .await?;
    let mut recs: Vec<SourceRecord> = rows
        .iter()
        .map(|r| record_from(store, r))
        .collect::<Result<_>>()?;
    // By source name (decrypted), then id.
    recs.sort_by(|a, b| a.source.cmp(&b.source).then(a.id.cmp(&b.id)));
    let case = missing::get_missing(store, missing_id).await?;
    Ok(recs
        .iter()
        .map(|r| {
            let mut c = vec![];
            if let Some(case) = &case {
                c.extend(conflicts(
                    r,
                    &case.birth_date,
                    &case.sex.clone().unwrap_or_default(),
                ));
            }
            for o in recs.iter().filter(|o| o.id != r.id) {
                if !r.birth_date.is_empty()
                    && !o.birth_date.is_empty()
                    && !dates_agree(&r.birth_date, &o.birth_date)
                {
                    c.push(format!("birth_date: {} says {}", o.source, o.birth_date));
                }
            }
            (r.clone(), c)
        })
        .collect())
}

fn dates_agree(a: &str, b: &str) -> bool {
    // Partial dates agree when one is a prefix of the other (1970 and 1970-03-01).
    a.starts_with(b) || b.starts_with(a)
}

/// Differences between a source record and the case it is (to be) linked to.
fn conflicts(r: &SourceRecord, case_birth: &str, case_sex: &str) -> Vec<String> {
    let mut c = vec![];
    if !r.birth_date.is_empty() && !case_birth.is_empty() && !dates_agree(&r.birth_date, case_birth)
    {
        c.push(format!(
            "birth_date: the case says {case_birth}, {} says {}",
            r.source, r.birth_date
        ));
    }
    let _ = case_sex;
    c
}

/// Link a source record to a case. A record already linked to another case is refused (unlink
/// it first); a record that conflicts with the case (another date of birth) is refused unless
/// `accept_conflicts` — then the conflict stays visible on the person page. Audited.
///
/// Linking needs the right to update the case and to read both ends: a record already
/// linked to a case the actor may not read answers *not found*, like a record that does
/// not exist (its case number is not told).
pub async fn link(
    tx: &mut WriteTx,
    record_id: i64,
    missing_id: i64,
    accept_conflicts: bool,
) -> Result<Vec<String>> {
    require_in_tx(tx, Action::Update, MISSING, missing_id).await?;
    readable_record(tx, record_id).await?;
    link_unchecked(tx, record_id, missing_id, accept_conflicts).await
}

/// A source record as the actor may act on it: source lists are for documenters and
/// above, and a record linked to a case is readable only by the case's readers. Anything
/// else answers *not found*.
async fn readable_record(tx: &mut WriteTx, record_id: i64) -> Result<SourceRecord> {
    let nf = || StoreError::NotFound(format!("source record {record_id}"));
    let actor = tx.actor();
    if !(actor.user_id.is_some() && actor.role >= dignity_core::Role::Documenter) {
        return Err(nf());
    }
    let store = tx.store().clone();
    let r = get_record(&store, record_id).await?.ok_or_else(nf)?;
    if let Some(m) = r.missing_id {
        if require_in_tx(tx, Action::Read, MISSING, m).await.is_err() {
            return Err(nf());
        }
    }
    Ok(r)
}

async fn link_unchecked(
    tx: &mut WriteTx,
    record_id: i64,
    missing_id: i64,
    accept_conflicts: bool,
) -> Result<Vec<String>> {
    let store = tx.store().clone();
    let r = get_record(&store, record_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("source record {record_id}")))?;
    if !r.current {
        return Err(StoreError::invalid(
            "record_id",
            "this version of the record was replaced by a newer import: link the current one",
        ));
    }
    match r.missing_id {
        Some(m) if m == missing_id => {
            return Err(StoreError::invalid(
                "record_id",
                "this record is already linked to this case",
            ))
        }
        Some(m) => {
            return Err(StoreError::invalid(
                "record_id",
                format!("this record is linked to case #{m}: unlink it there first"),
            ))
        }
        None => {}
    }
    // Read inside the transaction: the case may have been opened by it.
    let row = sqlx::query("SELECT p.birth_date, p.id FROM pro_missing m JOIN vio_persons p ON p.id = m.person_id WHERE m.id = $1")
        .bind(missing_id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("missing person case {missing_id}")))?;
    let birth = v::dec(tx.store(), "vio_persons.birth_date", row.get(1), row.get(0))?;
    let c = conflicts(&r, &birth, "");
    if !c.is_empty() && !accept_conflicts {
        return Err(StoreError::invalid(
            "conflict",
            format!(
                "the records disagree — {}; confirm the link to keep both versions",
                c.join("; ")
            ),
        ));
    }
    sqlx::query("UPDATE pro_source_records SET missing_id = $1, linked_by = $2, linked_at = $3 WHERE id = $4")
        .bind(missing_id)
        .bind(tx.actor().user_id)
        .bind(now())
        .bind(record_id)
        .execute(tx.conn())
        .await?;
    match_changed(tx).await?;
    tx.audit(
        "source_record.link",
        MISSING,
        &missing_id.to_string(),
        None,
        None,
        serde_json::json!({ "record_id": record_id, "source_id": r.source_id, "conflicts": c.len() }),
    );
    Ok(c)
}

/// Undo a link. Audited. Needs the right to update the case the record is linked to
/// (a record linked to a case the actor may not read answers *not found*).
pub async fn unlink(tx: &mut WriteTx, record_id: i64) -> Result<()> {
    let r = readable_record(tx, record_id).await?;
    let Some(m) = r.missing_id else {
        return Err(StoreError::invalid(
            "record_id",
            "this record is not linked",
        ));
    };
    require_in_tx(tx, Action::Update, MISSING, m).await?;
    sqlx::query("UPDATE pro_source_records SET missing_id = NULL, linked_by = NULL, linked_at = '' WHERE id = $1").bind(record_id).execute(tx.conn()).await?;
    match_changed(tx).await?;
    tx.audit(
        "source_record.unlink",
        MISSING,
        &m.to_string(),
        None,
        None,
        serde_json::json!({ "record_id": record_id }),
    );
    Ok(())
}

/// Open a case from a source record (the person is not yet known) and link the record.
pub async fn case_from_record(
    tx: &mut WriteTx,
    vocab: &Vocab,
    record_id: i64,
    confidentiality: &str,
) -> Result<i64> {
    let r = readable_record(tx, record_id).await?;
    if r.missing_id.is_some() {
        return Err(StoreError::invalid(
            "record_id",
            "this record is already linked to a case",
        ));
    }
    let id = missing::create_missing(
        tx,
        vocab,
        &MissingInput {
            name: r.name.clone(),
            birth_date: r.birth_date.clone(),
            last_seen_date: r.last_seen_date.clone(),
            last_seen_place: r.place.clone(),
            confidentiality: confidentiality.into(),
            ..Default::default()
        },
    )
    .await?;
    // The case was opened by this transaction (by this actor): not yet visible outside it.
    link_unchecked(tx, record_id, id, true).await?;
    Ok(id)
}

// -------------------------------------------------------- candidates --

/// A possible match: an unlinked source record and a case or another source's record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    pub record_id: i64,
    pub record_source: String,
    pub record_name: String,
    /// "case" or "record".
    pub other_kind: String,
    pub other_id: i64,
    pub other_source: String,
    pub other_name: String,
    /// 0 to 1.
    pub score: f64,
    pub reasons: Vec<String>,
}

/// One side of a comparison, prepared once.
struct Entity {
    kind: u8, // 0 case, 1 record
    id: i64,
    source_id: i64,
    source: String,
    display: String,
    /// Canonical normalised names (each token canonical, sorted) and their characters.
    names: Vec<(String, Vec<char>)>,
    birth: String,
    place: String,
}

fn prep_name(n: &str) -> (String, Vec<char>) {
    let mut toks: Vec<String> = text::canonical(&text::normalise(n))
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    toks.sort();
    let s = toks.join(" ");
    let c = s.chars().collect();
    (s, c)
}

/// Blocking keys of a name: the Soundex codes of every pair of its tokens (word order does
/// not matter; one misspelt token still leaves a shared key when the name has three).
fn block_keys(n: &str) -> Vec<String> {
    let codes: Vec<String> = n
        .split(' ')
        .filter(|t| t.len() >= 2)
        .map(text::soundex)
        .collect();
    let mut out = vec![];
    if codes.len() == 1 {
        out.push(codes[0].clone());
    }
    for i in 0..codes.len() {
        for j in i + 1..codes.len() {
            let (a, b) = if codes[i] <= codes[j] {
                (&codes[i], &codes[j])
            } else {
                (&codes[j], &codes[i])
            };
            out.push(format!("{a}{b}"));
        }
    }
    out
}

/// Blocking keys of a prepared name with the year of birth: the Soundex code of each token
/// and the year (a name with one token spelt otherwise still shares one).
fn year_keys(n: &str, birth_date: &str) -> Vec<String> {
    let Some(y) = birth_date
        .get(..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
    else {
        return vec![];
    };
    n.split(' ')
        .filter(|t| t.len() >= 2)
        .map(|t| format!("{}|{y}", text::soundex(t)))
        .collect()
}

fn score(a: &Entity, b: &Entity) -> (f64, Vec<String>) {
    let mut best = 0.0f64;
    for (sa, ca) in &a.names {
        for (sb, cb) in &b.names {
            let s = if sa == sb {
                1.0
            } else {
                text::jaro_winkler(ca, cb)
            };
            best = best.max(s);
        }
    }
    let mut reasons = vec![format!("name {:.0}%", best * 100.0)];
    let mut s = 0.6 * best;
    if !a.birth.is_empty() && !b.birth.is_empty() {
        if a.birth == b.birth {
            s += 0.25;
            reasons.push("same date of birth".into());
        } else if dates_agree(&a.birth, &b.birth) {
            s += 0.18;
            reasons.push("compatible date of birth".into());
        } else if a.birth.get(..4) == b.birth.get(..4) {
            s += 0.1;
            reasons.push("same year of birth".into());
        } else {
            s -= 0.15;
            reasons.push("different date of birth".into());
        }
    } else {
        s += 0.1;
    }
    if !a.place.is_empty() && !b.place.is_empty() {
        let pa = text::canonical(&text::normalise(&a.place));
        let pb = text::canonical(&text::normalise(&b.place));
        let j = text::jaro_winkler(
            &pa.chars().collect::<Vec<_>>(),
            &pb.chars().collect::<Vec<_>>(),
        );
        // Places differ between languages (Peć / Pejë): agreement counts, difference not.
        if pa == pb || j >= 0.85 {
            s += 0.15;
            reasons.push("same place".into());
        }
    } else {
        s += 0.05;
    }
    (s.clamp(0.0, 1.0), reasons)
}

/// Candidate matches for the unlinked current records (of `source_id`, or of all sources):
/// cases the actor may read, and unlinked records of other sources. Best first. Goes through
/// the whole list window by window ([`candidates_page`]): blocking through the key index, so
/// only the records that share a key with another source's record or a case are decrypted.
pub async fn candidates(
    store: &Store,
    actor: &Actor,
    source_id: Option<i64>,
    min_score: f64,
    limit: usize,
) -> Result<Vec<Candidate>> {
    let mut out = vec![];
    let mut seen: HashSet<(i64, i64)> = HashSet::new();
    let mut after = 0;
    loop {
        let page = candidates_page(store, actor, source_id, after, 2000, min_score).await?;
        // Two records of two windows meet twice: keep the pair once.
        out.extend(page.items.into_iter().filter(|c| {
            c.other_kind == "case"
                || seen.insert((c.record_id.min(c.other_id), c.record_id.max(c.other_id)))
        }));
        match page.next_after {
            Some(a) => after = a,
            None => break,
        }
    }
    sort_candidates(&mut out);
    out.truncate(limit);
    Ok(out)
}

/// One window of the whole-list matching (the sources page): the next `records` unlinked
/// current records (of `source_id`, or of all sources) after the record id `after`, with
/// their candidates, best first. `next_after` continues with the next window.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = SourceCandidatePage)]
pub struct CandidatePage {
    pub items: Vec<Candidate>,
    /// Unlinked records looked at in this window.
    pub records_checked: usize,
    /// The `after` of the next window, if there is one.
    pub next_after: Option<i64>,
}

fn sort_candidates(out: &mut [Candidate]) {
    out.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.record_id.cmp(&b.record_id))
            .then(a.other_kind.cmp(&b.other_kind))
            .then(a.other_id.cmp(&b.other_id))
    });
}

/// Blocks larger than this say nothing (a key shared by thousands) and are skipped.
const MAX_BLOCK: usize = 2000;
/// A pair sharing a single key is scored only when that key's block is at most this large
/// (a name written in Cyrillic and Latin script may share only its surname and year).
const SMALL_BLOCK: usize = 100;

/// The key index in memory for the whole-list matching: every current record's source and
/// case, and the members of every block. Read once (two queries, nothing decrypted) and
/// kept while the change token of candidate matches is unchanged, so that the windows of
/// the sources page and of [`candidates`] fetch each block once, not once per window.
struct KeySnapshot {
    /// Current record → (source, linked case).
    recs: HashMap<i64, (i64, Option<i64>)>,
    /// Unlinked current records, by id.
    unlinked: Vec<i64>,
    /// Key (blind index) → its number.
    key_no: HashMap<String, u32>,
    /// Members (current records) of each key's block, by key number.
    blocks: Vec<Vec<i64>>,
    /// Current record → its keys' numbers.
    rec_keys: HashMap<i64, Vec<u32>>,
    /// Cases with at least one current record linked.
    linked_cases: HashSet<i64>,
}

/// Per store (data directory): the change token and the snapshot read under it.
type Snapshots = HashMap<std::path::PathBuf, (String, std::sync::Arc<KeySnapshot>)>;

static KEY_SNAPSHOTS: std::sync::LazyLock<std::sync::Mutex<Snapshots>> =
    std::sync::LazyLock::new(Default::default);

async fn key_snapshot(store: &Store) -> Result<std::sync::Arc<KeySnapshot>> {
    let token = match_token(store).await?;
    if let Ok(all) = KEY_SNAPSHOTS.lock() {
        if let Some((t, snap)) = all.get(store.data_dir()) {
            if *t == token {
                return Ok(snap.clone());
            }
        }
    }
    let mut recs = HashMap::new();
    let mut unlinked = vec![];
    let mut linked_cases = HashSet::new();
    for r in
        sqlx::query("SELECT id, source_id, missing_id FROM pro_source_records WHERE current = 1")
            .fetch_all(store.pool())
            .await?
    {
        let (id, src, case): (i64, i64, Option<i64>) = (r.get(0), r.get(1), r.get(2));
        match case {
            Some(c) => {
                linked_cases.insert(c);
            }
            None => unlinked.push(id),
        }
        recs.insert(id, (src, case));
    }
    unlinked.sort_unstable();
    let mut key_no: HashMap<String, u32> = HashMap::new();
    let mut blocks: Vec<Vec<i64>> = vec![];
    let mut rec_keys: HashMap<i64, Vec<u32>> = HashMap::new();
    for r in sqlx::query("SELECT record_id, key FROM pro_match_keys")
        .fetch_all(store.pool())
        .await?
    {
        let id: i64 = r.get(0);
        if !recs.contains_key(&id) {
            continue; // an older version
        }
        let key: String = r.get(1);
        let n = match key_no.get(&key) {
            Some(n) => *n,
            None => {
                let n = blocks.len() as u32;
                key_no.insert(key, n);
                blocks.push(vec![]);
                n
            }
        };
        blocks[n as usize].push(id);
        rec_keys.entry(id).or_default().push(n);
    }
    let snap = std::sync::Arc::new(KeySnapshot {
        recs,
        unlinked,
        key_no,
        blocks,
        rec_keys,
        linked_cases,
    });
    if let Ok(mut all) = KEY_SNAPSHOTS.lock() {
        all.insert(store.data_dir().to_path_buf(), (token, snap.clone()));
    }
    Ok(snap)
}

/// Candidate matches of one window of unlinked records, found like the person page's
/// ([`candidates_for_case`]): the window's blocking keys and the members of their blocks
/// come from the key index (read once and kept in memory until a write changes it), cases
/// are found through the records linked to them, or, when they have none, through the
/// keys of their own names (computed, never stored), and only the records of the pairs
/// so found are decrypted and scored. Its cost grows with the window and the size of the
/// blocks, not with the number of records.
pub async fn candidates_page(
    store: &Store,
    actor: &Actor,
    source_id: Option<i64>,
    after: i64,
    records: usize,
    min_score: f64,
) -> Result<CandidatePage> {
    let records = records.clamp(1, 10_000);
    let snap = key_snapshot(store).await?;
    // The window: ids and sources only, nothing decrypted.
    let from = snap.unlinked.partition_point(|id| *id <= after);
    let mut window: Vec<(i64, i64)> = snap.unlinked[from..]
        .iter()
        .map(|id| (*id, snap.recs[id].0))
        .filter(|(_, src)| source_id.is_none_or(|s| s == *src))
        .take(records + 1)
        .collect();
    let next_after = if window.len() > records {
        window.truncate(records);
        window.last().map(|w| w.0)
    } else {
        None
    };
    let records_checked = window.len();
    if window.is_empty() {
        return Ok(CandidatePage {
            items: vec![],
            records_checked,
            next_after,
        });
    }
    let probe_source: HashMap<i64, i64> = window.iter().copied().collect();
    let all_keys: HashSet<u32> = window
        .iter()
        .filter_map(|(id, _)| snap.rec_keys.get(id))
        .flatten()
        .copied()
        .collect();
    // Visible cases.
    let sql = format!(
        "SELECT m.id, m.person_id, m.last_seen_place FROM pro_missing m WHERE {}",
        profile_visible_sql(actor, "m", dignity_core::RecordType::Missing)
    );
    let visible: HashMap<i64, (i64, Option<String>)> = sqlx::query(&sql)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    // Cases with no linked record: the keys of their own names (computed, never stored).
    let mut persons: HashMap<i64, v::Person> = HashMap::new();
    let mut case_keys: HashMap<u32, Vec<i64>> = HashMap::new();
    for c in visible.keys().filter(|c| !snap.linked_cases.contains(c)) {
        let Some(p) = v::get_person(store, visible[c].0).await? else {
            continue;
        };
        let ks = match_keys(
            &store.keys(),
            std::iter::once(p.name.as_str()).chain(p.other_names.iter().map(String::as_str)),
            &p.birth_date,
        );
        for k in ks {
            if let Some(n) = snap.key_no.get(&k).filter(|n| all_keys.contains(n)) {
                case_keys.entry(*n).or_default().push(*c);
            }
        }
        persons.insert(*c, p);
    }
    // Pairs: a window record and a case, or an unlinked record of another source. A pair
    // that shares two keys or more is scored; one that shares a single key only when that
    // block is small (in a large block one shared key is mostly a common first name and
    // year), so that a window does not decrypt whole blocks.
    let mut pairs: HashSet<(i64, u8, i64)> = HashSet::new();
    for (rid, src) in &window {
        let Some(ks) = snap.rec_keys.get(rid) else {
            continue;
        };
        // partner → (keys shared, smallest block shared)
        let mut shared: HashMap<(u8, i64), (usize, usize)> = HashMap::new();
        let mut add = |p: (u8, i64), size: usize| {
            let e = shared.entry(p).or_insert((0, usize::MAX));
            e.0 += 1;
            e.1 = e.1.min(size);
        };
        for k in ks {
            let members = &snap.blocks[*k as usize];
            let from_cases = case_keys.get(k).map(Vec::as_slice).unwrap_or(&[]);
            let size = members.len() + from_cases.len();
            if size > MAX_BLOCK {
                continue;
            }
            let mut here: HashSet<(u8, i64)> = HashSet::new();
            for oid in members {
                let (osrc, case) = snap.recs[oid];
                match case {
                    Some(c) if visible.contains_key(&c) => {
                        here.insert((0, c));
                    }
                    Some(_) => {}
                    // Another source's record; each pair once when both are in the window.
                    None if osrc != *src
                        && oid != rid
                        && !(probe_source.contains_key(oid) && oid < rid) =>
                    {
                        here.insert((1, *oid));
                    }
                    None => {}
                }
            }
            here.extend(from_cases.iter().map(|c| (0, *c)));
            for p in here {
                add(p, size);
            }
        }
        for ((kind, oid), (n, smallest)) in shared {
            if n >= 2 || smallest <= SMALL_BLOCK {
                pairs.insert((*rid, kind, oid));
            }
        }
    }
    // Decrypt only what the pairs need.
    let names_visible = v::sees_names(store, actor).await?;
    let need_records: HashSet<i64> = pairs
        .iter()
        .flat_map(|&(r, kind, o)| std::iter::once(r).chain(if kind == 1 { Some(o) } else { None }))
        .collect();
    let need_cases: HashSet<i64> = pairs.iter().filter(|p| p.1 == 0).map(|p| p.2).collect();
    let source_names = source_names(store, store.pool()).await?;
    let mut recs: HashMap<i64, Entity> = HashMap::new();
    let ids: Vec<String> = need_records.iter().map(|i| i.to_string()).collect();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, source_id, name, birth_date, place FROM pro_source_records WHERE id IN ({})",
            chunk.join(",")
        );
        for r in sqlx::query(&sql).fetch_all(store.pool()).await? {
            let rid: i64 = r.get(0);
            let name = store.decrypt("pro_source_records.name", rid, &r.get::<String, _>(2))?;
            let source_id: i64 = r.get(1);
            recs.insert(
                r.get(0),
                Entity {
                    kind: 1,
                    id: r.get(0),
                    source_id,
                    source: source_names.get(&source_id).cloned().unwrap_or_default(),
                    names: vec![prep_name(&name)],
                    display: if names_visible { name } else { String::new() },
                    birth: r.get(3),
                    place: dec(store, "pro_source_records.place", rid, r.get(4))?,
                },
            );
        }
    }
    let mut cases: HashMap<i64, Entity> = HashMap::new();
    for c in &need_cases {
        let (pid, place) = visible[c].clone();
        let p = match persons.remove(c) {
            Some(p) => p,
            None => match v::get_person(store, pid).await? {
                Some(p) => p,
                None => continue,
            },
        };
        let mut ns: Vec<(String, Vec<char>)> = std::iter::once(&p.name)
            .chain(p.other_names.iter())
            .map(|n| prep_name(n))
            .collect();
        for r in sqlx::query(
            "SELECT name, id FROM pro_source_records WHERE missing_id = $1 AND current = 1",
        )
        .bind(*c)
        .fetch_all(store.pool())
        .await?
        {
            ns.push(prep_name(&store.decrypt(
                "pro_source_records.name",
                r.get::<i64, _>(1),
                &r.get::<String, _>(0),
            )?));
        }
        cases.insert(
            *c,
            Entity {
                kind: 0,
                id: *c,
                source_id: 0,
                source: String::new(),
                display: if names_visible {
                    p.name.clone()
                } else {
                    v::pseudonym(store, pid)
                },
                names: ns,
                birth: p.birth_date.clone(),
                place: dec(store, "pro_missing.last_seen_place", *c, place)?,
            },
        );
    }
    let mut items = vec![];
    for (rid, kind, oid) in pairs {
        let Some(rec) = recs.get(&rid) else { continue };
        let other = if kind == 0 {
            cases.get(&oid)
        } else {
            recs.get(&oid)
        };
        let Some(other) = other else { continue };
        let (s, reasons) = score(rec, other);
        if s >= min_score {
            items.push(candidate(rec, other, s, reasons));
        }
    }
    sort_candidates(&mut items);
    Ok(CandidatePage {
        items,
        records_checked,
        next_after,
    })
}

fn candidate(rec: &Entity, other: &Entity, s: f64, reasons: Vec<String>) -> Candidate {
    Candidate {
        record_id: rec.id,
        record_source: rec.source.clone(),
        record_name: rec.display.clone(),
        other_kind: if other.kind == 0 {
            "case".into()
        } else {
            "record".into()
        },
        other_id: other.id,
        other_source: other.source.clone(),
        other_name: other.display.clone(),
        score: (s * 1000.0).round() / 1000.0,
        reasons,
    }
}

fn match_entities(
    ents: &[Entity],
    source_id: Option<i64>,
    min_score: f64,
    limit: usize,
) -> Vec<Candidate> {
    let mut blocks: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, e) in ents.iter().enumerate() {
        let mut ks: HashSet<String> = HashSet::new();
        for (n, _) in &e.names {
            ks.extend(block_keys(n));
            ks.extend(year_keys(n, &e.birth));
        }
        for k in ks {
            blocks.entry(k).or_default().push(i as u32);
        }
    }
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    let mut out = vec![];
    for members in blocks.values() {
        if members.len() > 2000 {
            continue; // a key shared by thousands says nothing
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                let (a, b) = (&ents[i as usize], &ents[j as usize]);
                // At least one side is an unlinked record of the wanted source; never two
                // records of one source, never two cases.
                let (rec, other) = if a.kind == 1 && source_id.is_none_or(|s| s == a.source_id) {
                    (a, b)
                } else if b.kind == 1 && source_id.is_none_or(|s| s == b.source_id) {
                    (b, a)
                } else {
                    continue;
                };
                if other.kind == 1 && other.source_id == rec.source_id {
                    continue;
                }
                let key = if i < j { (i, j) } else { (j, i) };
                if !seen.insert(key) {
                    continue;
                }
                let (s, reasons) = score(rec, other);
                if s >= min_score {
                    out.push(candidate(rec, other, s, reasons));
                }
            }
        }
    }
    sort_candidates(&mut out);
    out.truncate(limit);
    out
}

// ------------------------------------------------- indexed candidates --

/// Kind of the blind index of matching keys.
const MATCH_KEY_KIND: &str = "pro.match";

/// The blocking keys of a person's names, as stored: keyed hashes (blind index) of the
/// Soundex codes of every pair of normalised, transliterated name tokens, and of every
/// token with the year of birth (when known) — so that a name written in Cyrillic or Latin
/// script, with the words in another order, or with one token misspelt, shares a key.
pub fn match_keys<'a>(
    keys: &dignity_core::crypto::Keyring,
    names: impl IntoIterator<Item = &'a str>,
    birth_date: &str,
) -> HashSet<String> {
    let mut out = HashSet::new();
    for n in names {
        let (canon, _) = prep_name(n);
        for k in block_keys(&canon)
            .into_iter()
            .chain(year_keys(&canon, birth_date))
        {
            out.insert(keys.blind_index(MATCH_KEY_KIND, &k));
        }
    }
    out
}

async fn insert_keys(tx: &mut WriteTx, rows: &[(i64, String)]) -> Result<()> {
    for chunk in rows.chunks(500) {
        let mut sql = String::from("INSERT INTO pro_match_keys (record_id, key) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${},${})", 2 * i + 1, 2 * i + 2));
        }
        let mut q = sqlx::query(&sql);
        for (id, k) in chunk {
            q = q.bind(*id).bind(k.clone());
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Key the records imported before blocking keys existed (audited as maintenance). Run
/// once at start-up (`dignity serve`), not per request: records imported since migration
/// 0302 are keyed by their import. Returns how many records it keyed.
pub async fn ensure_match_keys(store: &Store) -> Result<usize> {
    if any_unkeyed_hash(store).await? {
        let n = rekey_content_hashes(store).await?;
        tracing::info!(rows = n, "keyed the content hashes of source records");
    }
    let system = Actor {
        user_id: None,
        username: "system".into(),
        role: dignity_core::Role::Admin,
        teams: vec![],
    };
    let mut done = 0;
    loop {
        let pending: i64 = sqlx::query("SELECT COUNT(*) FROM pro_source_records WHERE keyed = 0")
            .fetch_one(store.pool())
            .await?
            .get(0);
        if pending == 0 {
            return Ok(done);
        }
        let n = store
            .write(&system, async |tx| {
                // Read inside the transaction: another request may have keyed them.
                let rows = sqlx::query("SELECT id, name, birth_date FROM pro_source_records WHERE keyed = 0 ORDER BY id LIMIT 2000")
                    .fetch_all(tx.conn())
                    .await?;
                let keys = tx.store().keys();
                let mut keyrows = vec![];
                let mut ids = vec![];
                for r in &rows {
                    let id: i64 = r.get(0);
                    let name = tx.store().decrypt("pro_source_records.name", id, &r.get::<String, _>(1))?;
                    for k in match_keys(&keys, [name.as_str()], &r.get::<String, _>(2)) {
                        keyrows.push((id, k));
                    }
                    ids.push(id.to_string());
                }
                insert_keys(tx, &keyrows).await?;
                for chunk in ids.chunks(500) {
                    sqlx::query(&format!("UPDATE pro_source_records SET keyed = 1 WHERE id IN ({})", chunk.join(",")))
                        .execute(tx.conn())
                        .await?;
                }
                match_changed(tx).await?;
                tx.audit(
                    "source_record.keys",
                    "pro_source_records",
                    "",
                    None,
                    None,
                    serde_json::json!({ "records": ids.len() }),
                );
                Ok(ids.len())
            })
            .await?;
        if n == 0 {
            return Ok(done);
        }
        done += n;
    }
}

// ------------------------------------------------- candidate cache --

/// Replace the change token of candidate matches, in the transaction of a write that can
/// change them (records imported, linked or unlinked, keys back-filled): a case's
/// candidates kept in memory under the old token are no longer used.
async fn match_changed(tx: &mut WriteTx) -> Result<()> {
    let token = format!("{:016x}", rand::random::<u64>());
    sqlx::query(
        "INSERT INTO pro_match_state (id, token, changed_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET token = $1, changed_at = $2",
    )
    .bind(token)
    .bind(now())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The current change token of candidate matches (empty before the first change).
async fn match_token(store: &Store) -> Result<String> {
    Ok(
        sqlx::query("SELECT token FROM pro_match_state WHERE id = 1")
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get::<String, _>(0))
            .unwrap_or_default(),
    )
}

/// Cases' candidates kept in memory, per store (data directory), while the change token is
/// the one they were computed under. Bounded: at most [`CACHE_CASES`] entries per store;
/// the oldest quarter goes when it is full.
struct CandidateCache {
    token: String,
    /// (case, names visible, min score, limit, fingerprint of the case's own data) →
    /// (stamp, candidates).
    entries: HashMap<CacheKey, (u64, Vec<Candidate>)>,
    stamp: u64,
}

type CacheKey = (i64, bool, u64, usize, [u8; 32]);

const CACHE_CASES: usize = 4096;

static CANDIDATE_CACHE: std::sync::LazyLock<
    std::sync::Mutex<HashMap<std::path::PathBuf, CandidateCache>>,
> = std::sync::LazyLock::new(Default::default);

fn cache_get(store: &Store, token: &str, key: &CacheKey) -> Option<Vec<Candidate>> {
    let mut all = CANDIDATE_CACHE.lock().ok()?;
    let c = all.get_mut(store.data_dir())?;
    if c.token != token {
        return None;
    }
    c.stamp += 1;
    let stamp = c.stamp;
    let e = c.entries.get_mut(key)?;
    e.0 = stamp;
    Some(e.1.clone())
}

fn cache_put(store: &Store, token: &str, key: CacheKey, items: &[Candidate]) {
    let Ok(mut all) = CANDIDATE_CACHE.lock() else {
        return;
    };
    let c = all
        .entry(store.data_dir().to_path_buf())
        .or_insert_with(|| CandidateCache {
            token: token.to_string(),
            entries: HashMap::new(),
            stamp: 0,
        });
    if c.token != token {
        c.token = token.to_string();
        c.entries.clear();
    }
    if c.entries.len() >= CACHE_CASES {
        let mut stamps: Vec<u64> = c.entries.values().map(|e| e.0).collect();
        stamps.sort_unstable();
        let cut = stamps[stamps.len() / 4];
        c.entries.retain(|_, e| e.0 > cut);
    }
    c.stamp += 1;
    c.entries.insert(key, (c.stamp, items.to_vec()));
}

/// Forget every case's candidates kept in memory for this store (tests, benchmarks).
pub fn clear_candidate_cache(store: &Store) {
    if let Ok(mut all) = CANDIDATE_CACHE.lock() {
        all.remove(store.data_dir());
    }
}

/// A single key shared with a case is enough for a record to be scored when that key's
/// block holds at most this many records; otherwise it must share two keys.
const CASE_SMALL_BLOCK: usize = 120;

/// Candidate matches for one case (the person page): unlinked current records of every
/// source sharing blocking keys with the case's names (its person's name, other names and
/// the names of the records already linked to it), found through the key index and scored
/// like [`candidates`]. Best first. Nothing if the actor may not see the case.
///
/// Only the records that share two keys with the case, or one key of a block of at most
/// [`CASE_SMALL_BLOCK`] records, are read and decrypted (blocks of more than [`MAX_BLOCK`]
/// are skipped). The result is kept in memory until a write changes what it depends on
/// (an import, a link or unlink: the change token; the case's own names, date of birth
/// and place: part of the key), so a page seen again does no matching at all.
pub async fn candidates_for_case(
    store: &Store,
    actor: &Actor,
    missing_id: i64,
    min_score: f64,
    limit: usize,
) -> Result<Vec<Candidate>> {
    if !can(store, actor, Action::Read, MISSING, missing_id).await? {
        return Ok(vec![]);
    }
    // The case's own data (not the pseudonym shown to readers who do not see names).
    let Some(case) = missing::get_missing(store, missing_id).await? else {
        return Ok(vec![]);
    };
    let names_visible = v::sees_names(store, actor).await?;
    let token = match_token(store).await?;
    let fingerprint: [u8; 32] = Sha256::digest(
        serde_json::json!([
            case.name,
            case.other_names,
            case.birth_date,
            case.last_seen_place
        ])
        .to_string()
        .as_bytes(),
    )
    .into();
    let key: CacheKey = (
        missing_id,
        names_visible,
        min_score.to_bits(),
        limit,
        fingerprint,
    );
    if let Some(hit) = cache_get(store, &token, &key) {
        return Ok(hit);
    }
    let out = case_candidates(store, &case, names_visible, min_score, limit).await?;
    cache_put(store, &token, key, &out);
    Ok(out)
}

async fn case_candidates(
    store: &Store,
    case: &missing::MissingCase,
    names_visible: bool,
    min_score: f64,
    limit: usize,
) -> Result<Vec<Candidate>> {
    let missing_id = case.id;
    let mut names: Vec<String> = std::iter::once(case.name.clone())
        .chain(case.other_names.iter().cloned())
        .collect();
    for r in
        sqlx::query("SELECT name, id FROM pro_source_records WHERE missing_id = $1 AND current = 1")
            .bind(missing_id)
            .fetch_all(store.pool())
            .await?
    {
        names.push(store.decrypt(
            "pro_source_records.name",
            r.get::<i64, _>(1),
            &r.get::<String, _>(0),
        )?);
    }
    let keys = match_keys(
        &store.keys(),
        names.iter().map(String::as_str),
        &case.birth_date,
    );
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let case_ent = Entity {
        kind: 0,
        id: missing_id,
        source_id: 0,
        source: String::new(),
        display: String::new(),
        names: names.iter().map(|n| prep_name(n)).collect(),
        birth: case.birth_date.clone(),
        place: case.last_seen_place.clone(),
    };
    // The members of each key's block, from the key index alone (nothing decrypted).
    let keys: Vec<String> = keys.into_iter().collect();
    let mut blocks: HashMap<String, Vec<i64>> = HashMap::new();
    for chunk in keys.chunks(200) {
        let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT key, record_id FROM pro_match_keys WHERE key IN ({})",
            ph.join(",")
        );
        let mut q = sqlx::query(&sql);
        for k in chunk {
            q = q.bind(k.clone());
        }
        for r in q.fetch_all(store.pool()).await? {
            blocks.entry(r.get(0)).or_default().push(r.get(1));
        }
    }
    // record → (keys shared with the case, smallest block shared)
    let mut shared: HashMap<i64, (usize, usize)> = HashMap::new();
    for members in blocks.values() {
        if members.len() > MAX_BLOCK {
            continue;
        }
        for id in members {
            let e = shared.entry(*id).or_insert((0, usize::MAX));
            e.0 += 1;
            e.1 = e.1.min(members.len());
        }
    }
    let wanted: Vec<String> = shared
        .iter()
        .filter(|(_, (n, smallest))| *n >= 2 || *smallest <= CASE_SMALL_BLOCK)
        .map(|(id, _)| id.to_string())
        .collect();
    let source_names = source_names(store, store.pool()).await?;
    let mut out = vec![];
    for chunk in wanted.chunks(500) {
        let sql = format!(
            "SELECT id, source_id, name, birth_date, place FROM pro_source_records \
             WHERE id IN ({}) AND current = 1 AND missing_id IS NULL",
            chunk.join(",")
        );
        for r in sqlx::query(&sql).fetch_all(store.pool()).await? {
            let rid: i64 = r.get(0);
            let name = store.decrypt("pro_source_records.name", rid, &r.get::<String, _>(2))?;
            let source_id: i64 = r.get(1);
            let rec = Entity {
                kind: 1,
                id: r.get(0),
                source_id,
                source: source_names.get(&source_id).cloned().unwrap_or_default(),
                names: vec![prep_name(&name)],
                display: if names_visible { name } else { String::new() },
                birth: r.get(3),
                place: dec(store, "pro_source_records.place", rid, r.get(4))?,
            };
            let (sc, reasons) = score(&rec, &case_ent);
            if sc >= min_score {
                out.push(Candidate {
                    record_id: rec.id,
                    record_source: rec.source.clone(),
                    record_name: rec.display.clone(),
                    other_kind: "case".into(),
                    other_id: missing_id,
                    other_source: String::new(),
                    other_name: String::new(),
                    score: (sc * 1000.0).round() / 1000.0,
                    reasons,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.record_id.cmp(&b.record_id))
    });
    out.truncate(limit);
    Ok(out)
}

/// Match plain name/birth/place triples (for tests and benchmarks without a database).
pub fn match_plain(
    items: &[(i64, i64, &str, &str, &str)],
    min_score: f64,
    limit: usize,
) -> Vec<Candidate> {
    let ents: Vec<Entity> = items
        .iter()
        .map(|(id, src, name, birth, place)| Entity {
            kind: 1,
            id: *id,
            source_id: *src,
            source: src.to_string(),
            display: name.to_string(),
            names: vec![prep_name(name)],
            birth: birth.to_string(),
            place: place.to_string(),
        })
        .collect();
    match_entities(&ents, None, min_score, limit)
}

//! Reading a list from a file (CSV or a workbook) into a table of rows with line numbers.

use super::*;

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
    /// The core rule that refused the row, when one did: pages show it in the reader's
    /// language (`message` is its English text, as the API and the command line say it).
    #[serde(skip)]
    pub rule: Option<dignity_core::Invalid>,
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

pub(super) fn file_error(field: &str, message: impl Into<String>) -> Vec<RowError> {
    vec![RowError {
        line: 0,
        field: field.into(),
        rule: None,
        message: message.into(),
    }]
}

fn ingest_error(e: crate::ingest::IngestError) -> Vec<RowError> {
    vec![RowError {
        line: e.line as usize,
        field: "file".into(),
        rule: None,
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
                        rule: None,
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
                    rule: None,
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

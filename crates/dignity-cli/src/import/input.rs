//! What an import reads: the shared input options and a CSV or XLSX file read into a table.

use super::*;

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

pub(super) fn with_file(mut e: RowError, f: &Path) -> RowError {
    e.file = f.display().to_string();
    e
}

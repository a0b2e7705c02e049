//! The checks every importer makes before it parses a file, in one place: the size of the
//! file, the expanded size of an archive (XLSX, ODS, ZIP), whether the file is text at all,
//! its encoding (UTF-8, a BOM allowed, or an encoding named by the caller: never a guess),
//! and the size of one record, one field and the number of columns. Each check fails
//! early, before the content is held in memory, with a message that says the cause and
//! the limit ("line 1: one value is longer than 256 KiB, the limit for a field …").
//!
//! Used by `dignity import …` (every kind) and by the web uploads that feed the same
//! importers (source lists). See `docs/operations.md`, "Importers: limits".

use std::io::{Read, Seek};

mod workbook;
pub use workbook::{check_ods, read_ods, read_workbook, scan_ods_content, workbook_kind, Workbook};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

/// The limits of one import. [`Limits::default`] is what the web uses and what the command
/// line uses unless `--max-file-mb` raises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest file read (bytes on disk or in the upload).
    pub max_file_bytes: u64,
    /// The largest total content of an archive once expanded (every entry together).
    pub max_expanded_bytes: u64,
    /// The most entries in an archive.
    pub max_archive_entries: usize,
    /// The longest record (a CSV line, with the line breaks inside quoted values).
    pub max_record_bytes: u64,
    /// The longest single value.
    pub max_field_bytes: u64,
    /// The most columns in a record or a sheet.
    pub max_fields: usize,
    /// The most cells (rows × (columns + 1): a row costs about as much as a cell) of a
    /// table held in memory.
    pub max_cells: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::with_file_mb(32)
    }
}

impl Limits {
    /// The limits for files up to `mb` MiB: an archive may expand to as much, a table may
    /// hold 16,000 cells per MiB (512,000 at 32 MiB; each row counts as one more cell).
    /// Record and field limits do not change.
    pub fn with_file_mb(mb: u64) -> Limits {
        let mb = mb.max(1);
        Limits {
            max_file_bytes: mb * MIB,
            max_expanded_bytes: mb * MIB,
            max_archive_entries: 10_000,
            max_record_bytes: MIB,
            max_field_bytes: 256 * KIB,
            max_fields: 1_000,
            max_cells: mb * 16_000,
        }
    }
}

/// A size in words: `64 MiB`, `256 KiB`, `812 bytes`.
pub fn human(bytes: u64) -> String {
    let unit = |n: u64, u: u64, name: &str| {
        let x = n as f64 / u as f64;
        if x.fract() == 0.0 || x >= 10.0 {
            format!("{} {name}", x.round() as u64)
        } else {
            format!("{x:.1} {name}")
        }
    };
    if bytes >= MIB {
        unit(bytes, MIB, "MiB")
    } else if bytes >= KIB {
        unit(bytes, KIB, "KiB")
    } else {
        format!("{bytes} bytes")
    }
}

/// The text encoding of a file. UTF-8 unless the caller names another one: an importer
/// never guesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    /// Windows-1252 (a superset of Latin-1 / ISO-8859-1 for printable characters).
    Windows1252,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin1" | "latin-1" | "iso-8859-1" => {
                Ok(Encoding::Windows1252)
            }
            other => Err(format!(
                "unknown encoding {other:?}: use utf-8 or windows-1252 (latin1)"
            )),
        }
    }
}

/// Why a file was refused before its rows were read. `line` 0: the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestError {
    pub line: u64,
    pub message: String,
}

impl IngestError {
    fn file(message: impl Into<String>) -> Self {
        IngestError {
            line: 0,
            message: message.into(),
        }
    }
    fn at(line: u64, message: impl Into<String>) -> Self {
        IngestError {
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for IngestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for IngestError {}

type R<T> = std::result::Result<T, IngestError>;

/// Refuse a file larger than the limit.
pub fn check_size(len: u64, l: &Limits) -> R<()> {
    if len > l.max_file_bytes {
        return Err(IngestError::file(format!(
            "the file is {}, more than the limit of {} for one import file",
            human(len),
            human(l.max_file_bytes)
        )));
    }
    Ok(())
}

/// Read a whole file once its size is checked (at most the limit, even if it grows).
pub fn read_file(path: &std::path::Path, l: &Limits) -> R<Vec<u8>> {
    let f = std::fs::File::open(path)
        .map_err(|e| IngestError::file(format!("cannot read {}: {e}", path.display())))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    check_size(len, l)?;
    let mut out = Vec::with_capacity(len as usize);
    f.take(l.max_file_bytes + 1)
        .read_to_end(&mut out)
        .map_err(|e| IngestError::file(format!("cannot read {}: {e}", path.display())))?;
    check_size(out.len() as u64, l)?;
    Ok(out)
}

/// Whether the bytes start like a ZIP archive (XLSX, ODS, DOCX … are ZIP archives).
pub fn looks_like_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

/// Refuse what is plainly not text (`what`: "CSV", "JSON"), from the first bytes: a ZIP
/// archive, a PDF, UTF-16, binary data (a NUL byte, or many control characters).
pub fn sniff_text(head: &[u8], what: &str) -> R<()> {
    let head = &head[..head.len().min(64 * 1024)];
    if looks_like_zip(head) {
        return Err(IngestError::file(format!(
            "the file is a ZIP archive (an XLSX or ODS workbook?), not {what} text: give it its .xlsx extension or export the sheet as {what}"
        )));
    }
    if workbook_kind(head) == Workbook::Xls {
        return Err(IngestError::file(format!(
            "the file is a legacy XLS (Excel 97–2003) workbook, not {what} text: save it as XLSX or {what}"
        )));
    }
    if head.starts_with(b"%PDF") {
        return Err(IngestError::file(format!(
            "the file is a PDF document, not {what} text"
        )));
    }
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(IngestError::file(format!(
            "the file is UTF-16 text: save it as {what} UTF-8"
        )));
    }
    if let Some(p) = head.iter().position(|&b| b == 0) {
        return Err(IngestError::file(format!(
            "the file is not {what} text: it holds binary data (a NUL byte at byte {})",
            p + 1
        )));
    }
    let control = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f)
        .count();
    if head.len() >= 32 && control * 100 > head.len() {
        return Err(IngestError::file(format!(
            "the file is not {what} text: {control} of its first {} bytes are control characters (binary data?)",
            head.len()
        )));
    }
    Ok(())
}

fn not_utf8(line: u64, offset: u64, byte: Option<u8>) -> IngestError {
    let b = byte.map(|b| format!(" (0x{b:02X})")).unwrap_or_default();
    IngestError::at(
        line,
        format!(
            "the file is not UTF-8 text: byte {}{b} is not valid UTF-8; save it as UTF-8, or name its encoding (--encoding windows-1252)",
            offset + 1
        ),
    )
}

/// Decode a whole file: UTF-8 (its BOM dropped), or the encoding named. Invalid UTF-8 is an
/// error naming the line and the byte, never replaced or guessed.
pub fn decode(bytes: Vec<u8>, enc: Encoding) -> R<String> {
    match enc {
        Encoding::Utf8 => {
            let bom = bytes.starts_with(b"\xEF\xBB\xBF");
            let mut bytes = bytes;
            if bom {
                bytes.drain(..3);
            }
            String::from_utf8(bytes).map_err(|e| {
                let at = e.utf8_error().valid_up_to();
                let b = e.as_bytes();
                let line = 1 + b[..at].iter().filter(|&&c| c == b'\n').count() as u64;
                not_utf8(
                    line,
                    at as u64 + if bom { 3 } else { 0 },
                    b.get(at).copied(),
                )
            })
        }
        Encoding::Windows1252 => Ok(bytes.iter().map(|&b| cp1252(b)).collect()),
    }
}

/// One byte of Windows-1252 as a character.
pub fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    if (0x80..0xA0).contains(&b) {
        HIGH[(b - 0x80) as usize]
    } else {
        b as char
    }
}

/// A reader of text in `enc` that yields UTF-8 without a BOM (for streaming parsers; check
/// the file with [`check_csv`] first).
pub fn text_reader<T: Read + 'static>(r: T, enc: Encoding) -> Box<dyn Read> {
    match enc {
        Encoding::Utf8 => Box::new(SkipBom {
            inner: r,
            start: true,
        }),
        Encoding::Windows1252 => Box::new(Cp1252Reader {
            inner: r,
            pending: Vec::new(),
        }),
    }
}

struct SkipBom<T> {
    inner: T,
    start: bool,
}

impl<T: Read> Read for SkipBom<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.start || buf.len() < 3 {
            return self.inner.read(buf);
        }
        self.start = false;
        let mut n = 0;
        while n < 3 {
            let k = self.inner.read(&mut buf[n..3])?;
            if k == 0 {
                return Ok(n);
            }
            n += k;
        }
        if buf[..3] == *b"\xEF\xBB\xBF" {
            return self.inner.read(buf);
        }
        Ok(3)
    }
}

struct Cp1252Reader<T> {
    inner: T,
    pending: Vec<u8>,
}

impl<T: Read> Read for Cp1252Reader<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            let mut raw = vec![0u8; (buf.len() / 3).max(1)];
            let n = self.inner.read(&mut raw)?;
            if n == 0 {
                return Ok(0);
            }
            let mut tmp = [0u8; 4];
            for &b in &raw[..n] {
                self.pending
                    .extend_from_slice(cp1252(b).encode_utf8(&mut tmp).as_bytes());
            }
        }
        let k = self.pending.len().min(buf.len());
        buf[..k].copy_from_slice(&self.pending[..k]);
        self.pending.drain(..k);
        Ok(k)
    }
}

/// What [`check_csv`] found: the number of records (the header included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsvShape {
    pub records: u64,
    pub max_fields: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum St {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Check CSV text as it streams by, holding at most one buffer: that it is text (see
/// [`sniff_text`]), valid in `enc`, and that no record, field or column count passes
/// the limits. Quoting follows RFC 4180 as the `csv` crate reads it (a quote opens a
/// quoted value only at its start; line breaks inside quotes belong to the value); line
/// ends may be LF, CRLF or CR.
pub fn check_csv<T: Read>(mut r: T, enc: Encoding, delimiter: u8, l: &Limits) -> R<CsvShape> {
    let mut buf = vec![0u8; 64 * 1024];
    // Bytes of an incomplete UTF-8 character at the end of the last buffer.
    let mut work: Vec<u8> = Vec::new();
    let mut consumed: u64 = 0; // bytes of the file scanned
    let mut first = true;
    let mut line: u64 = 1;
    let mut record_line: u64 = 1;
    let mut prev_cr = false;
    let mut st = St::FieldStart;
    let (mut record_bytes, mut field_bytes, mut fields) = (0u64, 0u64, 1usize);
    let mut shape = CsvShape::default();
    loop {
        let n = r
            .read(&mut buf)
            .map_err(|e| IngestError::file(format!("cannot read the file: {e}")))?;
        let mut chunk = &buf[..n];
        if first && n > 0 {
            first = false;
            sniff_text(chunk, "CSV")?;
            if enc == Encoding::Utf8 && chunk.starts_with(b"\xEF\xBB\xBF") {
                chunk = &chunk[3..];
                consumed += 3;
            }
        }
        if n == 0 {
            if !work.is_empty() {
                return Err(not_utf8(line, consumed, work.first().copied()));
            }
            break;
        }
        work.extend_from_slice(chunk);
        // Up to the bad byte when the text stops being UTF-8 (scanned first, so that the
        // line number is exact).
        let (valid, bad) = if enc == Encoding::Utf8 {
            match std::str::from_utf8(&work) {
                Ok(_) => (work.len(), false),
                Err(e) => (e.valid_up_to(), e.error_len().is_some()),
            }
        } else {
            (work.len(), false)
        };
        scan(
            &work[..valid],
            delimiter,
            l,
            &mut st,
            &mut line,
            &mut record_line,
            &mut prev_cr,
            &mut record_bytes,
            &mut field_bytes,
            &mut fields,
            &mut shape,
        )?;
        if bad {
            return Err(not_utf8(
                line,
                consumed + valid as u64,
                work.get(valid).copied(),
            ));
        }
        consumed += valid as u64;
        work.drain(..valid);
    }
    if record_bytes > 0 {
        shape.records += 1;
        shape.max_fields = shape.max_fields.max(fields);
    }
    Ok(shape)
}

#[allow(clippy::too_many_arguments)]
fn scan(
    data: &[u8],
    delimiter: u8,
    l: &Limits,
    st: &mut St,
    line: &mut u64,
    record_line: &mut u64,
    prev_cr: &mut bool,
    record_bytes: &mut u64,
    field_bytes: &mut u64,
    fields: &mut usize,
    shape: &mut CsvShape,
) -> R<()> {
    for &b in data {
        let newline = b == b'\n' || b == b'\r';
        if newline {
            if !(b == b'\n' && *prev_cr) {
                *line += 1;
            }
            *prev_cr = b == b'\r';
        } else {
            *prev_cr = false;
        }
        let end_record = match *st {
            St::Quoted => {
                if b == b'"' {
                    *st = St::QuoteInQuoted;
                }
                false
            }
            _ if newline => true,
            _ if b == delimiter => {
                *st = St::FieldStart;
                *fields += 1;
                *field_bytes = 0;
                if *fields > l.max_fields {
                    return Err(IngestError::at(
                        *record_line,
                        format!(
                            "more than {} columns in one record, the limit (is this really a table with one record per line?)",
                            l.max_fields
                        ),
                    ));
                }
                false
            }
            St::FieldStart => {
                *st = if b == b'"' { St::Quoted } else { St::Unquoted };
                false
            }
            St::QuoteInQuoted => {
                *st = if b == b'"' { St::Quoted } else { St::Unquoted };
                false
            }
            St::Unquoted => false,
        };
        if end_record {
            if *record_bytes > 0 {
                shape.records += 1;
                shape.max_fields = shape.max_fields.max(*fields);
            }
            *st = St::FieldStart;
            *record_bytes = 0;
            *field_bytes = 0;
            *fields = 1;
            *record_line = *line;
            continue;
        }
        *record_bytes += 1;
        *field_bytes += 1;
        if *field_bytes > l.max_field_bytes {
            return Err(IngestError::at(
                *record_line,
                format!(
                    "one value is longer than {}, the limit for a field: the file has no line ends where a table has them, an unclosed quote, or is not CSV text",
                    human(l.max_field_bytes)
                ),
            ));
        }
        if *record_bytes > l.max_record_bytes {
            return Err(IngestError::at(
                *record_line,
                format!(
                    "one record is longer than {}, the limit for a line: the file has no line ends where a table has them, an unclosed quote, or is not CSV text",
                    human(l.max_record_bytes)
                ),
            ));
        }
    }
    Ok(())
}

/// Check a CSV file on disk with [`check_csv`], streaming (a file read row by row, as the
/// incident importers read theirs, needs no limit on its total size).
pub fn check_csv_file(
    path: &std::path::Path,
    enc: Encoding,
    delimiter: u8,
    l: &Limits,
) -> R<CsvShape> {
    let f = std::fs::File::open(path)
        .map_err(|e| IngestError::file(format!("cannot read {}: {e}", path.display())))?;
    check_csv(std::io::BufReader::new(f), enc, delimiter, l)
}

/// Refuse a table of more than `max_cells` (rows × (columns + 1)).
pub fn check_cells(rows: u64, columns: usize, l: &Limits) -> R<()> {
    if rows.saturating_mul(columns as u64 + 1) > l.max_cells {
        return Err(IngestError::file(format!(
            "the table has {rows} rows of up to {columns} columns, more than the limit of {} cells for one import file",
            l.max_cells
        )));
    }
    Ok(())
}

/// Refuse JSON text with more than `max_cells / 2` values (256,000 at the default limits):
/// a parsed JSON document takes about a hundred bytes per value however small the text
/// (`[{},{},…]`), so its size alone does not bound its memory. Counts the values from the
/// structure (commas and opening brackets outside strings), without parsing.
pub fn check_json(text: &[u8], l: &Limits) -> R<u64> {
    let max = l.max_cells / 2;
    let (mut values, mut in_str, mut escaped) = (1u64, false, false);
    for &b in text {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b',' | b'[' | b'{' => {
                values += 1;
                if values > max {
                    return Err(IngestError::file(format!(
                        "the JSON document holds more than {max} values, the limit for one import file (export the form as CSV, which is read row by row)"
                    )));
                }
            }
            _ => {}
        }
    }
    Ok(values)
}

/// Check an archive before anything reads it: a readable ZIP, at most
/// `max_archive_entries` entries, and an expanded size within `max_expanded_bytes` — by the
/// sizes the archive declares first, then by expanding every entry into nothing, counting
/// (so a declared size that lies is caught too). `what`: "XLSX workbook", "ZIP archive".
pub fn check_zip<T: Read + Seek>(r: T, what: &str, l: &Limits) -> R<()> {
    let mut z = zip::ZipArchive::new(r).map_err(|e| {
        IngestError::file(format!(
            "the file is not a readable {what} (a ZIP archive): {e}"
        ))
    })?;
    if z.len() > l.max_archive_entries {
        return Err(IngestError::file(format!(
            "the {what} has {} entries, more than the limit of {}",
            z.len(),
            l.max_archive_entries
        )));
    }
    // `n`: the declared size, or (`None`) more than the limit found by expanding.
    let too_big = |n: Option<u64>| {
        IngestError::file(format!(
            "the {what} expands to {}, more than the limit of {} for an archive's content (a ZIP bomb?)",
            match n {
                Some(n) => human(n),
                None => "still more".to_string(),
            },
            human(l.max_expanded_bytes)
        ))
    };
    let mut declared: u64 = 0;
    for i in 0..z.len() {
        let f = z
            .by_index_raw(i)
            .map_err(|e| IngestError::file(format!("the {what} is damaged: {e}")))?;
        declared = declared.saturating_add(f.size());
    }
    if declared > l.max_expanded_bytes {
        return Err(too_big(Some(declared)));
    }
    let mut total: u64 = 0;
    for i in 0..z.len() {
        let mut f = z
            .by_index(i)
            .map_err(|e| IngestError::file(format!("the {what} cannot be read: {e}")))?;
        let left = l.max_expanded_bytes - total;
        let n = std::io::copy(&mut (&mut f).take(left + 1), &mut std::io::sink())
            .map_err(|e| IngestError::file(format!("the {what} is damaged: {e}")))?;
        total += n;
        if total > l.max_expanded_bytes {
            return Err(too_big(None));
        }
    }
    Ok(())
}

/// The most an office package (DOCX, XLSX, ODT… stored as evidence) may expand to before
/// its document properties are read or a copy without them is made.
pub const PACKAGE_MAX_EXPANDED_BYTES: u64 = 1 << 30;

/// Whether an office package stored as evidence may be opened for its document properties
/// (or copied without them): at most 10,000 entries expanding to at most 1 GiB together
/// ([`check_zip`]: declared sizes, then expanded into nothing). A package that does not fit
/// is left as it is: no properties read, no public copy made; the stored file is unchanged.
pub fn package_fits<T: Read + Seek>(r: &mut T) -> bool {
    let l = Limits {
        max_expanded_bytes: PACKAGE_MAX_EXPANDED_BYTES,
        max_archive_entries: 10_000,
        ..Limits::default()
    };
    match check_zip(&mut *r, "office document", &l) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "office document not read for its properties");
            false
        }
    }
}

/// The rows of a sheet: the header (first row with a value) and the rows after it with
/// their spreadsheet row numbers (the header's row is 1 when it is the sheet's first).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Read the first sheet of an XLSX workbook after [`check_zip`], cell by cell (never as
/// one dense range, which a single far-away cell would blow up), with `cell` turning each
/// value into text. Rows without any value are left out; rows are as wide as the widest.
pub fn read_xlsx(bytes: &[u8], l: &Limits, cell: &dyn Fn(&calamine::Data) -> String) -> R<Sheet> {
    use calamine::{Reader, Xlsx};
    check_size(bytes.len() as u64, l)?;
    check_zip(std::io::Cursor::new(bytes), "XLSX workbook", l)?;
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| IngestError::file(format!("not a readable XLSX workbook: {e}")))?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| IngestError::file("the workbook has no sheet"))?;
    let mut cells = wb
        .worksheet_cells_reader(&name)
        .map_err(|e| IngestError::file(format!("cannot read sheet {name:?}: {e}")))?;
    // Sparse rows: (row, [(column, text)]).
    let mut sparse: Vec<(u32, Vec<(u32, String)>)> = Vec::new();
    let (mut min_col, mut max_col) = (u32::MAX, 0u32);
    let mut n_cells: u64 = 0;
    let mut text_total: u64 = 0;
    loop {
        let c = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                return Err(IngestError::file(format!(
                    "cannot read sheet {name:?}: {e}"
                )))
            }
        };
        let (row, col) = c.get_position();
        let v: calamine::Data = c.get_value().clone().into();
        let text = cell(&v);
        if text.is_empty() {
            continue;
        }
        if col as usize >= l.max_fields {
            return Err(IngestError::at(
                row as u64 + 1,
                format!(
                    "a value in column {}, past the limit of {} columns",
                    col + 1,
                    l.max_fields
                ),
            ));
        }
        if text.len() as u64 > l.max_field_bytes {
            return Err(IngestError::at(
                row as u64 + 1,
                format!(
                    "one value is longer than {}, the limit for a field",
                    human(l.max_field_bytes)
                ),
            ));
        }
        // A shared string is stored once in the workbook and copied into every cell that
        // names it: the text the cells hold together is bounded too.
        text_total += text.len() as u64;
        if text_total > l.max_expanded_bytes {
            return Err(IngestError::at(
                row as u64 + 1,
                format!(
                    "the sheet's values hold more than {} of text, the limit for an archive's content (one shared string repeated in many cells?)",
                    human(l.max_expanded_bytes)
                ),
            ));
        }
        min_col = min_col.min(col);
        max_col = max_col.max(col);
        n_cells += 1;
        match sparse.last_mut() {
            Some((r, v)) if *r == row => v.push((col, text)),
            _ => sparse.push((row, vec![(col, text)])),
        }
        if n_cells > l.max_cells {
            return Err(IngestError::file(format!(
                "the sheet has more than {} cells with a value, the limit for one import file",
                l.max_cells
            )));
        }
    }
    if sparse.is_empty() {
        return Ok(Sheet::default());
    }
    let width = (max_col - min_col + 1) as usize;
    check_cells(sparse.len() as u64, width, l)?;
    let mut it = sparse.into_iter().map(|(r, cells)| {
        let mut v = vec![String::new(); width];
        for (c, t) in cells {
            v[(c - min_col) as usize] = t;
        }
        (r as u64 + 1, v)
    });
    let header = it.next().map(|(_, h)| h).unwrap_or_default();
    Ok(Sheet {
        header,
        rows: it.collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Limits {
        Limits {
            max_file_bytes: 10_000,
            max_expanded_bytes: 10_000,
            max_archive_entries: 10,
            max_record_bytes: 100,
            max_field_bytes: 40,
            max_fields: 5,
            max_cells: 1000,
        }
    }

    #[test]
    fn csv_checks_name_the_cause_and_the_limit() {
        let l = small();
        let ok = b"a,b\n\"x\ny\",2\r\n3,4\r5,6";
        let s = check_csv(&ok[..], Encoding::Utf8, b',', &l).unwrap();
        assert_eq!(s.records, 4);
        let long = vec![b'x'; 500];
        let e = check_csv(&long[..], Encoding::Utf8, b',', &l).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 1: one value is longer than 40 bytes"),
            "{e}"
        );
        let e = check_csv(&b"a,b,c,d,e,f\n"[..], Encoding::Utf8, b',', &l).unwrap_err();
        assert!(e.to_string().contains("more than 5 columns"), "{e}");
        let e = check_csv(&b"a,b\n1,\"open\n2,3\n"[..], Encoding::Utf8, b',', &small())
            .map(|_| ())
            .err();
        assert!(
            e.is_none(),
            "a short unclosed quote is for the parser to name"
        );
        let e = check_csv(&b"a,b\n\xe9t\xe9,1\n"[..], Encoding::Utf8, b',', &l).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("not UTF-8 text: byte 5 (0xE9)"), "{e}");
        assert!(check_csv(&b"a,b\n\xe9t\xe9,1\n"[..], Encoding::Windows1252, b',', &l).is_ok());
        let e = check_csv(&b"PK\x03\x04rest"[..], Encoding::Utf8, b',', &l).unwrap_err();
        assert!(e.message.contains("ZIP archive"), "{e}");
        let e = check_csv(&b"a\x00b"[..], Encoding::Utf8, b',', &l).unwrap_err();
        assert!(e.message.contains("not CSV text"), "{e}");
        // A character split across two buffers is valid.
        let mut big = "é".repeat(40_000).into_bytes();
        big.push(b'\n');
        let l = Limits::default();
        assert!(check_csv(&big[..], Encoding::Utf8, b',', &l).is_ok());
    }

    #[test]
    fn decode_is_strict_and_cp1252_is_explicit() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFa,b".to_vec(), Encoding::Utf8).unwrap(),
            "a,b"
        );
        let e = decode(b"a\nb\n\x93x".to_vec(), Encoding::Utf8).unwrap_err();
        assert_eq!(
            (e.line, e.message.contains("byte 5 (0x93)")),
            (3, true),
            "{e}"
        );
        assert_eq!(
            decode(b"\x93x\x94".to_vec(), Encoding::Windows1252).unwrap(),
            "“x”"
        );
        let mut s = String::new();
        text_reader(&b"\xEF\xBB\xBFab"[..], Encoding::Utf8)
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "ab");
        let mut s = String::new();
        text_reader(&b"caf\xe9"[..], Encoding::Windows1252)
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "café");
    }

    #[test]
    fn an_office_package_of_too_many_entries_is_not_opened_for_its_properties() {
        use crate::violations::evidence::{package_properties, strip_metadata};
        use std::io::Write;
        let docx = |entries: usize| {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let o = zip::write::SimpleFileOptions::default();
            w.start_file("word/document.xml", o).unwrap();
            w.write_all(b"<w:document/>").unwrap();
            w.start_file("docProps/core.xml", o).unwrap();
            w.write_all(b"<cp:coreProperties><dc:creator>Ana</dc:creator></cp:coreProperties>")
                .unwrap();
            for i in 0..entries {
                w.start_file(format!("word/media/{i}.xml"), o).unwrap();
            }
            w.finish().unwrap().into_inner()
        };
        let t = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        let small = docx(10);
        assert_eq!(
            package_properties(std::io::Cursor::new(&small))["Author"],
            "Ana"
        );
        assert!(strip_metadata(&small, t).is_some());
        let many = docx(10_000);
        assert!(package_properties(std::io::Cursor::new(&many)).is_empty());
        assert!(strip_metadata(&many, t).is_none());
    }

    #[test]
    fn a_zip_bomb_is_refused_by_its_expanded_size() {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("xl/worksheets/sheet1.xml", o).unwrap();
        let zeros = vec![b'0'; 1 << 20];
        for _ in 0..4 {
            w.write_all(&zeros).unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        assert!(bytes.len() < 100_000);
        let l = Limits::with_file_mb(1);
        let e = check_zip(std::io::Cursor::new(&bytes), "XLSX workbook", &l).unwrap_err();
        assert!(
            e.message
                .contains("expands to 4 MiB, more than the limit of 1 MiB"),
            "{e}"
        );
    }
}

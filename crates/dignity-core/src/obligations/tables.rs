//! Reading imported files: text encodings, tables of cells, row-numbered errors.

use super::*;

// ---------------------------------------------------------------- decoding --

/// The text encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    /// ISO-8859-1 with the Windows-1252 characters in 0x80–0x9F.
    Latin1,
}

/// Decode a text file: UTF-8 (a BOM is dropped) when valid, Latin-1/Windows-1252
/// otherwise (UPR Info's old exports). Line ends are made LF (CR and CRLF both accepted).
pub fn decode_text(bytes: &[u8]) -> (String, TextEncoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (text, enc) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), TextEncoding::Utf8),
        Err(_) => (
            bytes.iter().map(|&b| cp1252(b)).collect(),
            TextEncoding::Latin1,
        ),
    };
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    (text, enc)
}

/// One byte of Windows-1252 as a character (also the store's importers').
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

// ------------------------------------------------------------------ tables --

/// A table read from CSV or a spreadsheet: a header and rows with their line numbers
/// (the header is line 1).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Parse decoded CSV text.
    pub fn from_csv(text: &str) -> Result<Table, RowError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| RowError::new(1, "", format!("cannot read the header: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect::<Vec<_>>();
        let mut rows = Vec::new();
        for r in reader.records() {
            let r = r.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                let msg = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("expected {expected_len} fields, found {len}"),
                    _ => format!("malformed CSV: {e}"),
                };
                RowError::new(line, "", msg)
            })?;
            let line = r.position().map_or(0, |p| p.line());
            rows.push((line, r.iter().map(str::to_string).collect()));
        }
        Ok(Table { header, rows })
    }

    /// Index of a column by name (case- and space-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        let n = name.trim().to_ascii_lowercase();
        self.header
            .iter()
            .position(|h| h.trim().to_ascii_lowercase() == n)
    }
}

/// A rejected row: file line (1 = header) and field, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn new(line: u64, field: &str, message: impl Into<String>) -> Self {
        RowError {
            file: String::new(),
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}: ", self.file)?;
        }
        // Line 0: the whole file (its size, its encoding, not text at all).
        match (self.line, self.field.is_empty()) {
            (0, true) => {}
            (0, false) => write!(f, "field {}: ", self.field)?,
            (l, true) => write!(f, "row {l}: ")?,
            (l, false) => write!(f, "row {l}, field {}: ", self.field)?,
        }
        f.write_str(&self.message)
    }
}

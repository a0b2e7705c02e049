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

mod archive;
mod delimited;
mod text;
mod workbook;
pub use archive::*;
pub use delimited::*;
pub use text::*;
pub use workbook::{
    check_ods, read_ods, read_workbook, read_xlsx, scan_ods_content, workbook_kind, Sheet, Workbook,
};

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

//! Whether a file is text at all (from its first bytes), and reading it in its encoding:
//! UTF-8 (a BOM allowed) or Windows-1252, named by the caller, never guessed.

use super::*;

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

pub(super) fn not_utf8(line: u64, offset: u64, byte: Option<u8>) -> IngestError {
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
pub use dignity_core::obligations::cp1252;

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

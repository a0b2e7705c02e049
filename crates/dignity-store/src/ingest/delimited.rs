//! CSV checked as it streams by (text, encoding, and the size of a record, a field and the
//! number of columns), and the size of a table in cells.

use super::*;

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

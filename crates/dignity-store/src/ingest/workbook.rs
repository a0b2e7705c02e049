//! Spreadsheets told by their content (never by their file name) and checked before a
//! reader expands them: XLSX is read cell by cell ([`read_xlsx`]); an ODS workbook's
//! `content.xml` is scanned as a stream first, counting what calamine would hold once it
//! has read every sheet (repeated rows and columns, repeated spaces, the dense rectangle
//! of each sheet); XLSB and legacy XLS workbooks are refused, because their reader holds
//! every sheet as one dense range and copies shared strings into every cell, which no
//! check of the file's size can bound.

use super::{check_cells, check_size, check_zip, human, IngestError, Limits, R};
use std::io::{BufRead, Read};

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

/// What kind of spreadsheet the bytes are, by their content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workbook {
    Xlsx,
    Xlsb,
    Ods,
    /// Legacy binary Excel (a Compound File Binary container).
    Xls,
    /// A ZIP archive that is none of the above.
    OtherZip,
    /// Not a workbook at all.
    NotAWorkbook,
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Tell the kind of workbook from the bytes (the entries of a ZIP archive, the signature
/// of a legacy file).
pub fn workbook_kind(bytes: &[u8]) -> Workbook {
    if bytes.starts_with(&CFB_MAGIC) {
        return Workbook::Xls;
    }
    if !super::looks_like_zip(bytes) {
        return Workbook::NotAWorkbook;
    }
    let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Workbook::OtherZip;
    };
    if z.index_for_name("xl/workbook.xml").is_some() {
        return Workbook::Xlsx;
    }
    if z.index_for_name("xl/workbook.bin").is_some() {
        return Workbook::Xlsb;
    }
    if z.index_for_name("content.xml").is_some() {
        let mut m = String::new();
        let ods = match z.by_name("mimetype") {
            Ok(f) => {
                f.take(100).read_to_string(&mut m).is_ok()
                    && m.trim() == "application/vnd.oasis.opendocument.spreadsheet"
            }
            // Some writers leave the mimetype entry out.
            Err(_) => true,
        };
        if ods {
            return Workbook::Ods;
        }
    }
    Workbook::OtherZip
}

/// Read the first sheet of a workbook (XLSX or ODS, told by its content) within the limits,
/// with `cell` turning each value into text.
pub fn read_workbook(
    bytes: &[u8],
    l: &Limits,
    cell: &dyn Fn(&calamine::Data) -> String,
) -> R<Sheet> {
    check_size(bytes.len() as u64, l)?;
    match workbook_kind(bytes) {
        Workbook::Xlsx => super::read_xlsx(bytes, l, cell),
        Workbook::Ods => read_ods(bytes, l, cell),
        Workbook::Xlsb => Err(IngestError::file(
            "the file is an XLSB (binary Excel) workbook, which is not read: save it as XLSX, ODS or CSV",
        )),
        Workbook::Xls => Err(IngestError::file(
            "the file is a legacy XLS (Excel 97–2003) workbook, which is not read because it cannot be read within the memory limits: save it as XLSX, ODS or CSV",
        )),
        Workbook::OtherZip => Err(IngestError::file(
            "the file is a ZIP archive but not an XLSX or ODS workbook",
        )),
        Workbook::NotAWorkbook => Err(IngestError::file(
            "the file is not a spreadsheet (XLSX or ODS): its content is neither",
        )),
    }
}

/// Read the first sheet of an ODS workbook after [`check_ods`].
pub fn read_ods(bytes: &[u8], l: &Limits, cell: &dyn Fn(&calamine::Data) -> String) -> R<Sheet> {
    use calamine::Reader;
    check_ods(bytes, l)?;
    let mut wb: calamine::Ods<_> = calamine::Ods::new(std::io::Cursor::new(bytes))
        .map_err(|e| IngestError::file(format!("not a readable ODS workbook: {e}")))?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| IngestError::file("the workbook has no sheet"))?;
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| IngestError::file(format!("cannot read sheet {name:?}: {e}")))?;
    let first = range.start().map(|(r, _)| r as u64 + 1).unwrap_or(1);
    let mut rows = range.rows().enumerate().filter_map(|(i, r)| {
        let v: Vec<String> = r.iter().map(cell).collect();
        v.iter()
            .any(|c| !c.is_empty())
            .then_some((first + i as u64, v))
    });
    let header = rows.next().map(|(_, h)| h).unwrap_or_default();
    Ok(Sheet {
        header,
        rows: rows.collect(),
    })
}

/// The most rows and columns of an ODS sheet (calamine's own caps).
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;

/// Check an ODS workbook before calamine reads it (which it does whole: every sheet, each
/// as a dense rectangle, a repeated value copied into every cell it repeats into): the
/// archive by [`check_zip`], then `content.xml` as a stream, never held, counting for every
/// sheet the rectangle that holds its values (with `table:number-rows-repeated` and
/// `table:number-columns-repeated`) and the text the repeated values add up to. Refused:
/// a value past `max_fields` columns, more than `max_cells` cells in the sheets'
/// rectangles together, one value longer than `max_field_bytes`, or repeated text of more
/// than `max_expanded_bytes`.
pub fn check_ods(bytes: &[u8], l: &Limits) -> R<()> {
    check_zip(std::io::Cursor::new(bytes), "ODS workbook", l)?;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| IngestError::file(format!("the file is not a readable ODS workbook: {e}")))?;
    let content = z
        .by_name("content.xml")
        .map_err(|_| IngestError::file("the file is not an ODS workbook: it has no content.xml"))?;
    scan_ods_content(std::io::BufReader::with_capacity(64 << 10, content), l)
}

#[derive(Default)]
struct Table {
    /// The row the next `table:table-row` starts at (0-based, repeats counted).
    row: u64,
    /// First and last row holding a value.
    rows: Option<(u64, u64)>,
    /// One past the last column holding a value.
    width: u64,
}

#[derive(Default)]
struct Cell {
    repeats: u64,
    /// Holds a value (a value type or a formula, or text).
    value: bool,
    /// Bytes of text it holds (attributes and content, repeated spaces expanded).
    text: u64,
}

/// The scan of `content.xml` behind [`check_ods`].
pub fn scan_ods_content<T: BufRead>(r: T, l: &Limits) -> R<()> {
    use quick_xml::events::Event;
    let damaged = |e: &dyn std::fmt::Display| {
        IngestError::file(format!("the ODS workbook is damaged (content.xml): {e}"))
    };
    let mut reader = quick_xml::Reader::from_reader(r);
    let mut buf = Vec::with_capacity(64 << 10);
    let mut tables: Vec<Table> = Vec::new();
    // The row being read: its repeats, its column, and the cells and text it holds.
    let mut row_repeats: u64 = 1;
    let mut col: u64 = 0;
    let mut row_has_value = false;
    let mut row_text: u64 = 0;
    let mut cell: Option<Cell> = None;
    // Totals over every sheet (calamine holds them all).
    let mut cells_total: u64 = 0;
    let mut text_total: u64 = 0;
    let too_much_text = |n: u64| {
        IngestError::file(format!(
            "the ODS workbook's repeated cells hold {} of text, more than the limit of {} for an archive's content (a ZIP bomb?)",
            human(n),
            human(l.max_expanded_bytes)
        ))
    };
    loop {
        let ev = reader.read_event_into(&mut buf).map_err(|e| damaged(&e))?;
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let attr = |name: &str| -> R<Option<String>> {
                for a in e.attributes().with_checks(false) {
                    let a = a.map_err(|e| damaged(&e))?;
                    if a.key.as_ref() == name {
                        return Ok(Some(a.value.into_owned()));
                    }
                }
                Ok(None)
            };
            let number = |name: &str| -> R<u64> {
                match attr(name)? {
                    None => Ok(1),
                    Some(v) => v
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| damaged(&format!("{name} is not a number"))),
                }
            };
            match e.name().as_ref() {
                "table:table" if !empty => tables.push(Table::default()),
                "table:table-row" if !tables.is_empty() => {
                    let t = tables.last().unwrap();
                    row_repeats = number("table:number-rows-repeated")?
                        .min(ODS_MAX_ROWS.saturating_sub(t.row));
                    col = 0;
                    row_has_value = false;
                    row_text = 0;
                    if empty {
                        tables.last_mut().unwrap().row += row_repeats;
                    }
                }
                "table:table-cell" | "table:covered-table-cell" if !tables.is_empty() => {
                    let mut c = Cell {
                        repeats: number("table:number-columns-repeated")?
                            .min(ODS_MAX_COLUMNS.saturating_sub(col)),
                        ..Cell::default()
                    };
                    for a in e.attributes().with_checks(false) {
                        let a = a.map_err(|e| damaged(&e))?;
                        match a.key.as_ref() {
                            "office:value-type" | "table:formula" => c.value = true,
                            _ => {}
                        }
                        match a.key.as_ref() {
                            "office:value"
                            | "office:string-value"
                            | "office:date-value"
                            | "office:time-value"
                            | "table:formula" => c.text += a.value.len() as u64,
                            _ => {}
                        }
                    }
                    cell = Some(c);
                    if empty {
                        end_cell(
                            cell.take().unwrap(),
                            &mut col,
                            &mut row_has_value,
                            &mut row_text,
                            tables.last_mut().unwrap(),
                            l,
                        )?;
                    }
                }
                "text:s" => {
                    if let Some(c) = cell.as_mut() {
                        c.text = c.text.saturating_add(number("text:c")?);
                        check_field(c.text, tables.last().map_or(0, |t| t.row), l)?;
                    }
                }
                _ => {
                    if let Some(c) = cell.as_mut() {
                        // A paragraph, a tab, a line break: one character at least.
                        c.text = c.text.saturating_add(1);
                    }
                }
            }
        }
        match &ev {
            Event::Text(t) => {
                if let Some(c) = cell.as_mut() {
                    c.text = c.text.saturating_add(t.len() as u64);
                    check_field(c.text, tables.last().map_or(0, |t| t.row), l)?;
                }
            }
            Event::CData(t) => {
                if let Some(c) = cell.as_mut() {
                    c.text = c.text.saturating_add(t.len() as u64);
                }
            }
            Event::GeneralRef(_) => {
                if let Some(c) = cell.as_mut() {
                    c.text = c.text.saturating_add(4);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    if let (Some(c), Some(t)) = (cell.take(), tables.last_mut()) {
                        end_cell(c, &mut col, &mut row_has_value, &mut row_text, t, l)?;
                    }
                }
                "table:table-row" => {
                    if let Some(t) = tables.last_mut() {
                        if row_has_value {
                            let first = t.rows.map_or(t.row, |(f, _)| f);
                            t.rows = Some((first, t.row + row_repeats - 1));
                            text_total =
                                text_total.saturating_add(row_text.saturating_mul(row_repeats));
                            if text_total > l.max_expanded_bytes {
                                return Err(too_much_text(text_total));
                            }
                        }
                        t.row += row_repeats;
                    }
                    row_repeats = 1;
                }
                "table:table" => {
                    if let Some(t) = tables.pop() {
                        if let Some((first, last)) = t.rows {
                            let rows = last - first + 1;
                            // Each row costs about as much as a cell (as `check_cells`).
                            cells_total =
                                cells_total.saturating_add(rows.saturating_mul(t.width + 1));
                            if cells_total > l.max_cells {
                                return Err(IngestError::file(format!(
                                    "the ODS workbook's sheets span {rows} rows of up to {} columns, more than the limit of {} cells for one import file (every sheet is read)",
                                    t.width,
                                    l.max_cells
                                )));
                            }
                        }
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

fn check_field(text: u64, row: u64, l: &Limits) -> R<()> {
    if text > l.max_field_bytes {
        return Err(IngestError::at(
            row + 1,
            format!(
                "one value is longer than {}, the limit for a field",
                human(l.max_field_bytes)
            ),
        ));
    }
    Ok(())
}

/// A cell is done: a value past the column limit is refused; its text counts once per
/// column it repeats into.
fn end_cell(
    c: Cell,
    col: &mut u64,
    row_has_value: &mut bool,
    row_text: &mut u64,
    t: &mut Table,
    l: &Limits,
) -> R<()> {
    let value = c.value || c.text > 0;
    if value && c.repeats > 0 {
        check_field(c.text, t.row, l)?;
        let last = *col + c.repeats; // 1-based: the last column the value reaches
        if last > l.max_fields as u64 {
            return Err(IngestError::at(
                t.row + 1,
                format!(
                    "a value in column {last}, past the limit of {} columns",
                    l.max_fields
                ),
            ));
        }
        t.width = t.width.max(last);
        *row_has_value = true;
        *row_text = row_text.saturating_add(c.text.saturating_mul(c.repeats));
    }
    *col += c.repeats;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// An ODS workbook whose one sheet's rows are `rows` (the XML inside `<table:table>`).
    pub(crate) fn ods(rows: &str) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("mimetype", stored).unwrap();
        w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        w.start_file("META-INF/manifest.xml", o).unwrap();
        w.write_all(b"<?xml version=\"1.0\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>").unwrap();
        w.start_file("content.xml", o).unwrap();
        w.write_all(format!("<?xml version=\"1.0\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet><table:table table:name=\"Sheet1\">{rows}</table:table></office:spreadsheet></office:body></office:document-content>").as_bytes()).unwrap();
        w.finish().unwrap().into_inner()
    }

    fn s(t: &str) -> String {
        format!("<table:table-cell office:value-type=\"string\"><text:p>{t}</text:p></table:table-cell>")
    }

    fn text(c: &calamine::Data) -> String {
        c.to_string()
    }

    #[test]
    fn an_ods_sheet_is_read_by_its_content() {
        let b = ods(&format!(
            "<table:table-row>{}{}</table:table-row><table:table-row table:number-rows-repeated=\"2\">{}<table:table-cell table:number-columns-repeated=\"3\"/></table:table-row><table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>",
            s("name"),
            s("date"),
            s("x")
        ));
        assert_eq!(workbook_kind(&b), Workbook::Ods);
        let sheet = read_workbook(&b, &Limits::default(), &text).unwrap();
        assert_eq!(sheet.header, vec!["name", "date"]);
        assert_eq!(
            sheet.rows,
            vec![
                (2, vec!["x".to_string(), String::new()]),
                (3, vec!["x".to_string(), String::new()])
            ]
        );
    }

    #[test]
    fn ods_bombs_are_refused_before_calamine_expands_them() {
        let l = Limits::default();
        // One 100 KiB value repeated into 1,000 columns of 1,000 rows: 100 GB once read
        // (calamine copies a repeated value into every cell), 100 KB in the file.
        let big = "x".repeat(100 << 10);
        let b = ods(&format!(
            "<table:table-row table:number-rows-repeated=\"1000\"><table:table-cell table:number-columns-repeated=\"1000\" office:value-type=\"string\"><text:p>{big}</text:p></table:table-cell></table:table-row>"
        ));
        let e = read_workbook(&b, &l, &text).unwrap_err();
        assert!(
            e.message.contains("repeated cells hold")
                && e.message.contains("more than the limit of 32 MiB"),
            "{e}"
        );
        // A value far away: past the column limit.
        let b = ods(&format!(
            "<table:table-row>{}<table:table-cell table:number-columns-repeated=\"16000\"/>{}</table:table-row>",
            s("a"),
            s("far")
        ));
        let e = read_workbook(&b, &l, &text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: a value in column 16002, past the limit of 1000 columns"
        );
        // A value a million rows down: a rectangle of a million rows.
        let b = ods(&format!(
            "<table:table-row>{}</table:table-row><table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell/></table:table-row><table:table-row>{}</table:table-row>",
            s("a"),
            s("b")
        ));
        let e = read_workbook(&b, &l, &text).unwrap_err();
        assert!(
            e.message.contains(
                "sheets span 1000002 rows of up to 1 columns, more than the limit of 512000 cells"
            ),
            "{e}"
        );
        // Repeated spaces in one value (`<text:s text:c=…>`).
        let b = ods(
            "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>a<text:s text:c=\"4000000000\"></text:s></text:p></table:table-cell></table:table-row>",
        );
        let e = read_workbook(&b, &l, &text).unwrap_err();
        assert!(
            e.message.contains("one value is longer than 256 KiB"),
            "{e}"
        );
        // And a plain ZIP bomb: the archive check first.
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        w.start_file("mimetype", o).unwrap();
        w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        w.start_file("content.xml", o).unwrap();
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..100 {
            w.write_all(&zeros).unwrap();
        }
        let b = w.finish().unwrap().into_inner();
        assert_eq!(workbook_kind(&b), Workbook::Ods);
        let e = read_workbook(&b, &l, &text).unwrap_err();
        assert!(
            e.message
                .contains("the ODS workbook expands to 100 MiB, more than the limit of 32 MiB"),
            "{e}"
        );
    }

    #[test]
    fn legacy_and_binary_workbooks_are_refused_by_name() {
        let mut xls = CFB_MAGIC.to_vec();
        xls.resize(4096, 0);
        let e = read_workbook(&xls, &Limits::default(), &text).unwrap_err();
        assert!(
            e.message.contains("legacy XLS (Excel 97–2003) workbook"),
            "{e}"
        );
        let e = read_workbook(b"name,date\n", &Limits::default(), &text).unwrap_err();
        assert!(e.message.contains("not a spreadsheet"), "{e}");
    }
}

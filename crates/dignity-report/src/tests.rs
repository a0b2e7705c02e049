//! The PDF of a sample report: pages, text, tags and right-to-left layout.

#![cfg(test)]

use super::shaping::*;
use super::*;

fn sample(lang: &str) -> Document {
    let mut d = Document::new("Country report: Serbia", lang);
    d.subtitle = "Generated 2026-11-23".into();
    d.heading(1, "Documented cases").paragraph(
        "Twelve acts were documented. Двенадцать актов. تم توثيق اثني عشر فعلا في عام 2025.",
    );
    d.table(Table {
        caption: "Cases".into(),
        header: vec!["Case".into(), "Date".into(), "Type of act".into()],
        rows: (0..120)
            .map(|i| vec![format!("V-{i:04}"), "2025-03-01".into(), "Torture".into()])
            .collect(),
        widths: vec![],
    });
    d
}

#[test]
fn a_pdf_with_several_pages_parses_and_keeps_its_text() {
    let pdf = to_pdf(&sample("en")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let doc = lopdf::Document::load_mem(&pdf).expect("a valid PDF");
    let pages = doc.get_pages();
    assert!(pages.len() >= 2, "120 rows need more than one page");
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    assert!(text.contains("Documented cases"), "{text}");
    assert!(text.contains("Двенадцать"), "{text}");
    assert!(text.contains("V-0119"), "{text}");
}

/// The structure element types (`/S`) of a PDF, and its catalog.
fn structure(pdf: &[u8]) -> (Vec<String>, lopdf::Dictionary) {
    let doc = lopdf::Document::load_mem(pdf).expect("a valid PDF");
    let catalog = doc.catalog().expect("a catalog").clone();
    let mut kinds = Vec::new();
    for o in doc.objects.values() {
        if let Ok(d) = o.as_dict() {
            if d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"StructElem".as_slice())
                || (d.has(b"S") && d.has(b"P"))
            {
                if let Ok(s) = d.get(b"S").and_then(|s| s.as_name()) {
                    kinds.push(String::from_utf8_lossy(s).into_owned());
                }
            }
        }
    }
    (kinds, catalog)
}

#[test]
fn pdfs_are_tagged_with_language_headings_and_table_headers() {
    let pdf = to_pdf(&sample("fr")).unwrap();
    let (kinds, catalog) = structure(&pdf);
    assert!(catalog.has(b"StructTreeRoot"), "a structure tree");
    let lang = catalog
        .get(b"Lang")
        .and_then(|l| l.as_str())
        .expect("/Lang");
    assert_eq!(lang, b"fr");
    let mark = catalog.get(b"MarkInfo").expect("/MarkInfo");
    let marked = match mark {
        lopdf::Object::Dictionary(d) => d.get(b"Marked").and_then(|m| m.as_bool()).ok(),
        _ => None,
    };
    assert_eq!(marked, Some(true), "/MarkInfo << /Marked true >>");
    for k in [
        "H1", "H2", "P", "Table", "Caption", "THead", "TBody", "TR", "TH", "TD",
    ] {
        assert!(kinds.iter().any(|x| x == k), "no {k} in {kinds:?}");
    }
    // One TH per header column (the header repeated on later pages is an artifact),
    // three TD per row.
    assert_eq!(kinds.iter().filter(|k| *k == "TH").count(), 3);
    assert_eq!(kinds.iter().filter(|k| *k == "TD").count(), 360);
    // The text can still be extracted.
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    assert!(text.contains("V-0119"));
    // The title of the document is in the metadata.
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let info = doc.trailer.get(b"Info").and_then(|i| i.as_reference());
    let title = info
        .ok()
        .and_then(|r| doc.get_dictionary(r).ok())
        .and_then(|d| d.get(b"Title").ok())
        .and_then(|t| t.as_str().ok())
        .map(|t| String::from_utf8_lossy(t).into_owned());
    assert!(
        title.is_some_and(|t| t.contains("Serbia")),
        "document title"
    );
}

#[test]
fn arabic_documents_are_shaped_and_run_right_to_left() {
    let mut d = Document::new("تقرير قطري", "ar");
    d.paragraph("تم توثيق اثني عشر فعلا");
    let pdf = to_pdf(&d).unwrap();
    assert!(lopdf::Document::load_mem(&pdf).is_ok());
    // Shaping picked contextual forms (not the isolated code points' glyphs).
    let (glyphs, _) = shape("توثيق", false, true);
    let (isolated, _) = shape("ت", false, true);
    assert_ne!(
        glyphs.last().map(|g| g.glyph_id),
        isolated.first().map(|g| g.glyph_id)
    );
    // Mixed runs: the Latin/number run keeps its order inside the Arabic line.
    let runs = visual_runs("عام 2025 في CCPR", true);
    assert!(runs.iter().any(|(s, rtl)| s.contains("CCPR") && !rtl));
}

#[test]
fn long_words_and_empty_tables_do_not_break_the_layout() {
    let mut d = Document::new("x", "fr");
    d.paragraph("a".repeat(2000));
    d.table(Table {
        header: vec!["Seul".into()],
        ..Default::default()
    });
    let pdf = to_pdf(&d).unwrap();
    assert!(lopdf::Document::load_mem(&pdf).is_ok());
}

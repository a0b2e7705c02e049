//! Documents for Dignity's reports, laid out as PDF.
//!
//! A report is built as a small [`Document`] model (title, headings, paragraphs, tables)
//! and written with [`to_pdf`]: A4 pages, text shaped with rustybuzz (Arabic joining
//! forms), reordered with the Unicode bidirectional algorithm (right-to-left paragraphs
//! are right-aligned and tables run from right to left), wrapped at word boundaries, tables
//! split across pages with their header repeated, page numbers in the footer. The font
//! (DejaVu Sans, shipped in `data/fonts/` with its licence) covers Latin, Cyrillic and
//! Arabic; krilla subsets and embeds it with a ToUnicode map, so the text can be searched,
//! copied and extracted.
//!
//! The same model is what the HTML pages show, so any report (country, thematic,
//! follow-up) can offer a PDF of what is on screen.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagTree,
};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document as PdfDocument;
use serde::Serialize;
use std::sync::OnceLock;
use unicode_bidi::{BidiInfo, Level};

const REGULAR: &[u8] = include_bytes!("../../../data/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../../data/fonts/DejaVuSans-Bold.ttf");

/// A report: what both the PDF and an HTML page can show.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Document {
    pub title: String,
    /// A line under the title (e.g. what the report covers and when it was made).
    pub subtitle: String,
    /// BCP 47 language of the text (`en`, `fr`, `ar`, …); `ar` lays the document out
    /// right to left.
    pub lang: String,
    pub blocks: Vec<Block>,
    /// Printed at the foot of every page, before the page number (e.g. "Confidential").
    pub footer: String,
}

/// One part of a document, in reading order.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Level 1 (section) or 2 (subsection).
    Heading {
        level: u8,
        text: String,
    },
    Paragraph {
        text: String,
    },
    Table(Table),
}

/// A table with a header row; every row has as many cells as the header.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Relative column widths; computed from the content when empty.
    pub widths: Vec<f32>,
}

impl Document {
    pub fn new(title: impl Into<String>, lang: impl Into<String>) -> Document {
        Document {
            title: title.into(),
            lang: lang.into(),
            ..Default::default()
        }
    }
    pub fn heading(&mut self, level: u8, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Heading {
            level: level.clamp(1, 2),
            text: text.into(),
        });
        self
    }
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph { text: text.into() });
        self
    }
    pub fn table(&mut self, t: Table) -> &mut Self {
        self.blocks.push(Block::Table(t));
        self
    }
    /// Right to left (Arabic).
    pub fn rtl(&self) -> bool {
        matches!(self.lang.as_str(), "ar" | "he" | "fa" | "ur")
    }
    /// All the text of the document, in reading order (what a search of the PDF finds).
    pub fn plain_text(&self) -> String {
        let mut s = format!("{}\n{}\n", self.title, self.subtitle);
        for b in &self.blocks {
            match b {
                Block::Heading { text, .. } | Block::Paragraph { text } => {
                    s.push_str(text);
                    s.push('\n');
                }
                Block::Table(t) => {
                    s.push_str(&t.caption);
                    s.push('\n');
                    for r in std::iter::once(&t.header).chain(&t.rows) {
                        s.push_str(&r.join("\t"));
                        s.push('\n');
                    }
                }
            }
        }
        s
    }
}

/// Why a PDF could not be written.
#[derive(Debug)]
pub struct PdfError(pub String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PDF: {}", self.0)
    }
}
impl std::error::Error for PdfError {}

// ------------------------------------------------------------------ shaping --

struct Fonts {
    faces: [rustybuzz::Face<'static>; 2],
    fonts: [Font; 2],
}

fn fonts() -> &'static Fonts {
    static F: OnceLock<Fonts> = OnceLock::new();
    F.get_or_init(|| Fonts {
        faces: [
            rustybuzz::Face::from_slice(REGULAR, 0).expect("shipped regular font"),
            rustybuzz::Face::from_slice(BOLD, 0).expect("shipped bold font"),
        ],
        fonts: [
            Font::new(krilla::Data::from(REGULAR), 0).expect("shipped regular font"),
            Font::new(krilla::Data::from(BOLD), 0).expect("shipped bold font"),
        ],
    })
}

/// Glyphs of one directional run (in visual order) and its advance in em.
fn shape(text: &str, bold: bool, rtl: bool) -> (Vec<KrillaGlyph>, f32) {
    let face = &fonts().faces[bold as usize];
    let upem = face.units_per_em() as f32;
    let mut buf = rustybuzz::UnicodeBuffer::new();
    buf.push_str(text);
    buf.guess_segment_properties();
    buf.set_direction(if rtl {
        rustybuzz::Direction::RightToLeft
    } else {
        rustybuzz::Direction::LeftToRight
    });
    let out = rustybuzz::shape(face, &[], buf);
    let infos = out.glyph_infos();
    let mut clusters: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    clusters.sort_unstable();
    clusters.dedup();
    let mut width = 0.0;
    let glyphs = infos
        .iter()
        .zip(out.glyph_positions())
        .map(|(info, pos)| {
            let start = info.cluster as usize;
            let end = clusters
                .iter()
                .find(|c| **c > start)
                .copied()
                .unwrap_or(text.len());
            width += pos.x_advance as f32 / upem;
            KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                pos.x_advance as f32 / upem,
                pos.x_offset as f32 / upem,
                pos.y_offset as f32 / upem,
                pos.y_advance as f32 / upem,
                start..end,
                None,
            )
        })
        .collect();
    (glyphs, width)
}

/// Width of a line of text in points.
fn width(text: &str, bold: bool, size: f32) -> f32 {
    visual_runs(text, false)
        .iter()
        .map(|(s, rtl)| shape(s, bold, *rtl).1)
        .sum::<f32>()
        * size
}

/// The directional runs of one line, left to right on the page.
fn visual_runs(line: &str, rtl_base: bool) -> Vec<(String, bool)> {
    if line.is_empty() {
        return Vec::new();
    }
    let base = if rtl_base { Level::rtl() } else { Level::ltr() };
    let bidi = BidiInfo::new(line, Some(base));
    let Some(para) = bidi.paragraphs.first() else {
        return vec![(line.to_string(), rtl_base)];
    };
    let (levels, runs) = bidi.visual_runs(para, para.range.clone());
    runs.into_iter()
        .map(|r| (line[r.clone()].to_string(), levels[r.start].is_rtl()))
        .collect()
}

/// Greedy word wrap to `max` points; words longer than a line are cut.
fn wrap(text: &str, bold: bool, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        for word in para.split_whitespace() {
            let candidate = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            if width(&candidate, bold, size) <= max {
                cur = candidate;
                continue;
            }
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            if width(word, bold, size) <= max {
                cur = word.to_string();
            } else {
                // Cut a very long word (a URL, a symbol) by characters.
                let mut piece = String::new();
                for ch in word.chars() {
                    piece.push(ch);
                    if width(&piece, bold, size) > max && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(ch);
                    }
                }
                cur = piece;
            }
        }
        lines.push(cur);
    }
    lines
}

// ------------------------------------------------------------------- layout --

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const FOOT: f32 = 36.0;
const BODY: f32 = 10.0;
const CELL: f32 = 8.5;
const PAD: f32 = 3.0;

/// The logical element a line of text belongs to, for the PDF's structure tree; `None`
/// marks text that is not part of the content (a table header repeated on a new page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Part {
    Title,
    Subtitle,
    /// A heading or paragraph: the index of its block.
    Block(usize),
    /// A table's caption.
    Caption(usize),
    /// A table cell: block, row (`None`: the header row), column.
    Cell(usize, Option<usize>, usize),
}

enum Op {
    /// A line of text; `x` is its left edge, `y` its baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
        part: Option<Part>,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: u8,
    },
    HLine {
        x: f32,
        y: f32,
        w: f32,
    },
}

struct Layout {
    rtl: bool,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// The element the next lines belong to.
    part: Option<Part>,
}

impl Layout {
    fn width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN
    }
    fn bottom(&self) -> f32 {
        PAGE_H - MARGIN - FOOT
    }
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }
    fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom() && self.y > MARGIN {
            self.new_page();
        }
    }
    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }
    /// A line placed in the box [left, left + w], aligned to the start of the direction.
    fn line(&mut self, left: f32, w: f32, baseline: f32, size: f32, bold: bool, text: &str) {
        let x = if self.rtl {
            left + w - width(text, bold, size)
        } else {
            left
        };
        self.push(Op::Text {
            x,
            y: baseline,
            size,
            bold,
            text: text.to_string(),
            part: self.part,
        });
    }
    fn text_block(&mut self, text: &str, size: f32, bold: bool, space_before: f32) {
        let lh = size * 1.4;
        let lines = wrap(text, bold, size, self.width());
        self.y += space_before;
        // Keep a heading with at least two lines of what follows.
        self.ensure(if bold { lh * 3.0 } else { lh });
        for l in lines {
            self.ensure(lh);
            self.y += lh;
            let w = self.width();
            self.line(MARGIN, w, self.y - size * 0.3, size, bold, &l);
        }
    }
    fn table(&mut self, block: usize, t: &Table) {
        let ncol = t.header.len().max(1);
        let total = self.width();
        let weights: Vec<f32> = if t.widths.len() == ncol {
            t.widths.clone()
        } else {
            (0..ncol)
                .map(|c| {
                    let longest = std::iter::once(&t.header)
                        .chain(t.rows.iter().take(200))
                        .filter_map(|r| r.get(c))
                        .map(|s| s.chars().count())
                        .max()
                        .unwrap_or(1);
                    (longest as f32).clamp(4.0, 60.0)
                })
                .collect()
        };
        let sum: f32 = weights.iter().sum();
        let widths: Vec<f32> = weights.iter().map(|w| total * w / sum).collect();
        // Left edge of each column, right to left for RTL documents.
        let mut lefts = Vec::with_capacity(ncol);
        let mut x = MARGIN;
        for w in &widths {
            lefts.push(x);
            x += w;
        }
        if self.rtl {
            lefts = widths
                .iter()
                .scan(MARGIN + total, |right, w| {
                    *right -= w;
                    Some(*right)
                })
                .collect();
        }
        let lh = CELL * 1.35;
        if !t.caption.is_empty() {
            self.part = Some(Part::Caption(block));
            self.text_block(&t.caption, BODY, true, 6.0);
        }
        let wrapped = |row: &[String], bold: bool| -> Vec<Vec<String>> {
            (0..ncol)
                .map(|c| {
                    wrap(
                        row.get(c).map(String::as_str).unwrap_or(""),
                        bold,
                        CELL,
                        widths[c] - 2.0 * PAD,
                    )
                })
                .collect()
        };
        let header = wrapped(&t.header, true);
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD;
        // `row`: Some(None) the header, Some(Some(i)) a body row, None a repeated header.
        let draw_row = |me: &mut Layout,
                        cells: &[Vec<String>],
                        row: Option<Option<usize>>,
                        bold: bool,
                        h: f32| {
            let top = me.y;
            if bold {
                me.push(Op::Rect {
                    x: MARGIN,
                    y: top,
                    w: total,
                    h,
                    grey: 225,
                });
            }
            for (c, lines) in cells.iter().enumerate() {
                me.part = row.map(|r| Part::Cell(block, r, c));
                for (i, l) in lines.iter().enumerate() {
                    let baseline = top + PAD + (i as f32 + 1.0) * lh - CELL * 0.3;
                    me.line(
                        lefts[c] + PAD,
                        widths[c] - 2.0 * PAD,
                        baseline,
                        CELL,
                        bold,
                        l,
                    );
                }
            }
            me.y += h;
            me.push(Op::HLine {
                x: MARGIN,
                y: me.y,
                w: total,
            });
        };
        self.y += 4.0;
        self.ensure(header_h + lh * 2.0);
        draw_row(self, &header, Some(None), true, header_h);
        for (r, row) in t.rows.iter().enumerate() {
            let cells = wrapped(row, false);
            let h = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD;
            if self.y + h > self.bottom() {
                self.new_page();
                draw_row(self, &header, None, true, header_h);
            }
            draw_row(self, &cells, Some(Some(r)), false, h);
        }
        self.y += 6.0;
    }
}

fn draw_line(surface: &mut Surface, x: f32, y: f32, size: f32, bold: bool, text: &str, rtl: bool) {
    let font = fonts().fonts[bold as usize].clone();
    let mut x = x;
    for (run, run_rtl) in visual_runs(text, rtl) {
        let (glyphs, w) = shape(&run, bold, run_rtl);
        surface.draw_glyphs(
            Point::from_xy(x, y),
            &glyphs,
            font.clone(),
            &run,
            size,
            false,
        );
        x += w * size;
    }
}

/// Write the document as a PDF (A4, fonts embedded).
pub fn to_pdf(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let mut l = Layout {
        rtl: doc.rtl(),
        pages: Vec::new(),
        y: MARGIN,
        part: Some(Part::Title),
    };
    l.new_page();
    l.text_block(&doc.title, 18.0, true, 0.0);
    if !doc.subtitle.is_empty() {
        l.part = Some(Part::Subtitle);
        l.text_block(&doc.subtitle, BODY, false, 4.0);
    }
    for (i, b) in doc.blocks.iter().enumerate() {
        l.part = Some(Part::Block(i));
        match b {
            Block::Heading { level, text } => {
                let size = if *level <= 1 { 14.0 } else { 11.5 };
                l.text_block(text, size, true, if *level <= 1 { 14.0 } else { 8.0 });
            }
            Block::Paragraph { text } => l.text_block(text, BODY, false, 4.0),
            Block::Table(t) => l.table(i, t),
        }
    }
    let n = l.pages.len();
    // Tagged PDF: every line of content is marked and placed in the structure tree
    // (title, headings, paragraphs, tables with header cells), decoration and page
    // furniture are artifacts.
    let mut pdf = PdfDocument::new_with(krilla::SerializeSettings {
        enable_tagging: true,
        ..Default::default()
    });
    let mut marked: std::collections::HashMap<Part, Vec<Identifier>> =
        std::collections::HashMap::new();
    let artifact = |kind| ContentTag::Artifact(Artifact::with_kind(kind));
    pdf.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language(doc.lang.clone())
            .creator("Dignity".into()),
    );
    let black = Fill {
        paint: rgb::Color::black().into(),
        ..Default::default()
    };
    for (i, ops) in l.pages.iter().enumerate() {
        let size = krilla::geom::Size::from_wh(PAGE_W, PAGE_H).expect("A4");
        let mut page = pdf.start_page_with(PageSettings::new(size));
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    text,
                    part,
                } => {
                    s.set_fill(Some(black.clone()));
                    s.set_stroke(None);
                    match part {
                        Some(p) => {
                            let id = s.start_tagged(ContentTag::Span(SpanTag::empty()));
                            marked.entry(*p).or_default().push(id);
                        }
                        None => {
                            s.start_tagged(artifact(ArtifactType::Page));
                        }
                    }
                    draw_line(&mut s, *x, *y, *size, *bold, text, l.rtl);
                    s.end_tagged();
                }
                Op::Rect { x, y, w, h, grey } => {
                    s.start_tagged(artifact(ArtifactType::Layout));
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                        let mut pb = PathBuilder::new();
                        pb.push_rect(r);
                        if let Some(p) = pb.finish() {
                            s.set_stroke(None);
                            s.set_fill(Some(Fill {
                                paint: rgb::Color::new(*grey, *grey, *grey).into(),
                                ..Default::default()
                            }));
                            s.draw_path(&p);
                        }
                    }
                    s.end_tagged();
                }
                Op::HLine { x, y, w } => {
                    s.start_tagged(artifact(ArtifactType::Layout));
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x, *y);
                    pb.line_to(x + w, *y);
                    if let Some(p) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(150, 150, 150).into(),
                            width: 0.5,
                            ..Default::default()
                        }));
                        s.draw_path(&p);
                    }
                    s.end_tagged();
                }
            }
        }
        // Footer: the document's note and the page number.
        let foot = if doc.footer.is_empty() {
            format!("{} / {}", i + 1, n)
        } else {
            format!("{} · {} / {}", doc.footer, i + 1, n)
        };
        s.set_fill(Some(Fill {
            paint: rgb::Color::new(90, 90, 90).into(),
            ..Default::default()
        }));
        s.set_stroke(None);
        let w = width(&foot, false, 8.0);
        let x = (PAGE_W - w) / 2.0;
        s.start_tagged(artifact(ArtifactType::Page));
        draw_line(&mut s, x, PAGE_H - MARGIN + 8.0, 8.0, false, &foot, l.rtl);
        s.end_tagged();
        s.finish();
        page.finish();
    }
    pdf.set_tag_tree(tag_tree(doc, &mut marked));
    pdf.finish().map_err(|e| PdfError(format!("{e:?}")))
}

/// The structure tree of a document: its title (H1), subtitle (P), headings (H2, H3),
/// paragraphs (P) and tables (Table with a Caption, THead of TH cells with column scope,
/// TBody of TR/TD), in reading order, with the document's language.
fn tag_tree(
    doc: &Document,
    marked: &mut std::collections::HashMap<Part, Vec<Identifier>>,
) -> TagTree {
    let mut take = |g: &mut TagGroup, p: Part| {
        for id in marked.remove(&p).unwrap_or_default() {
            g.push(id);
        }
    };
    let h = |level: u16, title: &str| {
        TagGroup::new(Tag::Hn(
            std::num::NonZeroU16::new(level).expect("a level"),
            Some(title.to_string()),
        ))
    };
    let mut tree = TagTree::new().with_lang(Some(doc.lang.clone()));
    let mut title = h(1, &doc.title);
    take(&mut title, Part::Title);
    tree.push(title);
    if !doc.subtitle.is_empty() {
        let mut p = TagGroup::new(Tag::P);
        take(&mut p, Part::Subtitle);
        tree.push(p);
    }
    for (i, b) in doc.blocks.iter().enumerate() {
        match b {
            Block::Heading { level, text } => {
                let mut g = h(if *level <= 1 { 2 } else { 3 }, text);
                take(&mut g, Part::Block(i));
                tree.push(g);
            }
            Block::Paragraph { .. } => {
                let mut g = TagGroup::new(Tag::P);
                take(&mut g, Part::Block(i));
                tree.push(g);
            }
            Block::Table(t) => {
                let mut table = TagGroup::new(Tag::Table);
                if !t.caption.is_empty() {
                    let mut c = TagGroup::new(Tag::Caption);
                    take(&mut c, Part::Caption(i));
                    table.push(c);
                }
                let mut head = TagGroup::new(Tag::THead);
                let mut tr = TagGroup::new(Tag::TR);
                for c in 0..t.header.len() {
                    let mut th = TagGroup::new(Tag::TH(TableHeaderScope::Column));
                    take(&mut th, Part::Cell(i, None, c));
                    tr.push(th);
                }
                head.push(tr);
                table.push(head);
                let mut body = TagGroup::new(Tag::TBody);
                for r in 0..t.rows.len() {
                    let mut tr = TagGroup::new(Tag::TR);
                    for c in 0..t.header.len() {
                        let mut td = TagGroup::new(Tag::TD);
                        take(&mut td, Part::Cell(i, Some(r), c));
                        tr.push(td);
                    }
                    body.push(tr);
                }
                table.push(body);
                tree.push(table);
            }
        }
    }
    // Anything left (it should not be): kept in the tree, as every marked piece needs a
    // parent.
    let rest: Vec<Identifier> = marked.drain().flat_map(|(_, v)| v).collect();
    if !rest.is_empty() {
        let mut g = TagGroup::new(Tag::P);
        for id in rest {
            g.push(id);
        }
        tree.push(g);
    }
    tree
}

#[cfg(test)]
mod tests {
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
}

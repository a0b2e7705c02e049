//! Writing the laid-out pages as a tagged PDF, with its structure tree.

use super::layout::*;
use super::shaping::width;
use super::*;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagTree,
};
use krilla::Document as PdfDocument;

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
pub(crate) fn tag_tree(
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

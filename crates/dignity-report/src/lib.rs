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

mod layout;
mod pdf;
mod shaping;

pub use pdf::to_pdf;

use serde::Serialize;

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

#[cfg(test)]
mod tests;

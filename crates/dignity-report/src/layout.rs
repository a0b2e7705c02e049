//! Page layout: A4 pages, lines, tables split across pages with their header repeated, and the marked content of each.

use super::shaping::*;
use super::*;
use krilla::geom::Point;
use krilla::surface::Surface;

pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN: f32 = 56.0;
pub(crate) const FOOT: f32 = 36.0;
pub(crate) const BODY: f32 = 10.0;
pub(crate) const CELL: f32 = 8.5;
pub(crate) const PAD: f32 = 3.0;

/// The logical element a line of text belongs to, for the PDF's structure tree; `None`
/// marks text that is not part of the content (a table header repeated on a new page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Part {
    Title,
    Subtitle,
    /// A heading or paragraph: the index of its block.
    Block(usize),
    /// A table's caption.
    Caption(usize),
    /// A table cell: block, row (`None`: the header row), column.
    Cell(usize, Option<usize>, usize),
}

pub(crate) enum Op {
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

pub(crate) struct Layout {
    pub(crate) rtl: bool,
    pub(crate) pages: Vec<Vec<Op>>,
    pub(crate) y: f32,
    /// The element the next lines belong to.
    pub(crate) part: Option<Part>,
}

impl Layout {
    fn width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN
    }
    fn bottom(&self) -> f32 {
        PAGE_H - MARGIN - FOOT
    }
    pub(crate) fn new_page(&mut self) {
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
    pub(crate) fn text_block(&mut self, text: &str, size: f32, bold: bool, space_before: f32) {
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
    pub(crate) fn table(&mut self, block: usize, t: &Table) {
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

pub(crate) fn draw_line(
    surface: &mut Surface,
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    text: &str,
    rtl: bool,
) {
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

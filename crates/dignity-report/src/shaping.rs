//! Text shaping: the embedded fonts, glyphs and widths of a run, bidirectional runs of a line, word wrapping.

use krilla::text::{Font, GlyphId, KrillaGlyph};
use std::sync::OnceLock;
use unicode_bidi::{BidiInfo, Level};

pub(crate) const REGULAR: &[u8] = include_bytes!("../../../data/fonts/DejaVuSans.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../../../data/fonts/DejaVuSans-Bold.ttf");

pub(crate) struct Fonts {
    pub(crate) faces: [rustybuzz::Face<'static>; 2],
    pub(crate) fonts: [Font; 2],
}

pub(crate) fn fonts() -> &'static Fonts {
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
pub(crate) fn shape(text: &str, bold: bool, rtl: bool) -> (Vec<KrillaGlyph>, f32) {
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
pub(crate) fn width(text: &str, bold: bool, size: f32) -> f32 {
    visual_runs(text, false)
        .iter()
        .map(|(s, rtl)| shape(s, bold, *rtl).1)
        .sum::<f32>()
        * size
}

/// The directional runs of one line, left to right on the page.
pub(crate) fn visual_runs(line: &str, rtl_base: bool) -> Vec<(String, bool)> {
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
pub(crate) fn wrap(text: &str, bold: bool, size: f32, max: f32) -> Vec<String> {
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

//! Comparison levels per field kind.
//!
//! Each comparison maps a pair of values to an ordinal level, from the
//! strongest agreement to "else". Level 0 is always "missing" (one side has
//! no value), which carries no evidence (Bayes factor 1). The m and u
//! probabilities of every level are estimated from the data, so the order
//! only decides which level a pair falls in when several apply.

use super::prepare::{PDate, Prepared, Val};
use super::text::{damerau_levenshtein, jaro_winkler};
use super::FieldKind;

pub const MISSING: u8 = 0;
/// The "exact" level of every kind (where term-frequency adjustment applies).
pub const EXACT: u8 = 1;

/// Level labels per kind (index = level).
pub fn labels(kind: FieldKind) -> &'static [&'static str] {
    match kind {
        FieldKind::Name => &[
            "missing",
            "exact",
            "spelling variant (transliteration, romanisation, nickname)",
            "one edit (Damerau-Levenshtein <= 1)",
            "Jaro-Winkler >= 0.92",
            "same phonetic code",
            "Jaro-Winkler >= 0.8",
            "partial (shared token, initial or prefix)",
            "swapped with another name field",
            "different",
        ],
        FieldKind::Date => &[
            "missing",
            "exact",
            "day and month swapped",
            "one typo",
            "same year and month (or compatible at month precision)",
            "same year (or compatible at year precision)",
            "within 2 years",
            "different",
        ],
        FieldKind::Place => &[
            "missing",
            "exact",
            "near-identical (one edit or Jaro-Winkler >= 0.9)",
            "shared token",
            "different",
        ],
        FieldKind::Exact => &[
            "missing",
            "exact",
            "one edit",
            "same leading token",
            "different",
        ],
        FieldKind::Text => &[
            "missing",
            "exact",
            "token Jaccard >= 0.6",
            "token Jaccard >= 0.3",
            "different",
        ],
    }
}

pub fn num_levels(kind: FieldKind) -> usize {
    labels(kind).len()
}

fn token_overlap(a: &[u32], b: &[u32]) -> usize {
    a.iter().filter(|t| b.contains(t)).count()
}

fn partial_name(a: &Val, b: &Val) -> bool {
    if token_overlap(&a.tokens, &b.tokens) > 0 {
        return true;
    }
    let (x, y) = (&a.chars, &b.chars);
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    // An initial ("j" vs "john") or a prefix of three or more letters ("geo" vs "george").
    (short.len() == 1 && long.first() == short.first())
        || (short.len() >= 3 && long.starts_with(short))
}

fn name_level(p: &Prepared, a: u32, b: u32, swap: bool) -> u8 {
    if a == b {
        return 1;
    }
    let (va, vb) = (p.val(a), p.val(b));
    if va.canon == vb.canon {
        return 2;
    }
    if damerau_levenshtein(&va.chars, &vb.chars, 1) <= 1 {
        return 3;
    }
    let jw = jaro_winkler(&va.chars, &vb.chars);
    if jw >= 0.92 {
        return 4;
    }
    if va.phon == vb.phon {
        return 5;
    }
    if jw >= 0.8 {
        return 6;
    }
    if partial_name(va, vb) {
        return 7;
    }
    if swap {
        return 8;
    }
    9
}

fn date_level(p: &Prepared, a: u32, b: u32) -> u8 {
    if a == b {
        return 1;
    }
    let (va, vb) = (p.val(a), p.val(b));
    match (va.date, vb.date) {
        (Some(x), Some(y)) => {
            if let (Some(mx), Some(dx), Some(my), Some(dy)) = (x.month, x.day, y.month, y.day) {
                if x.year == y.year && mx == my && dx == dy {
                    return 1; // same date written differently
                }
                if x.year == y.year && mx == dy && dx == my {
                    return 2;
                }
            }
            if damerau_levenshtein(&va.chars, &vb.chars, 1) <= 1 {
                return 3;
            }
            date_precision_level(x, y)
        }
        _ => {
            if damerau_levenshtein(&va.chars, &vb.chars, 1) <= 1 {
                3
            } else {
                7
            }
        }
    }
}

fn date_precision_level(x: PDate, y: PDate) -> u8 {
    if x.year == y.year {
        match (x.month, y.month) {
            // equal to the month: days differ, or one side is known only to the month
            (Some(a), Some(b)) if a == b => 4,
            _ => 5,
        }
    } else if (x.year - y.year).abs() <= 2 {
        6
    } else {
        7
    }
}

fn place_level(p: &Prepared, a: u32, b: u32) -> u8 {
    if a == b {
        return 1;
    }
    let (va, vb) = (p.val(a), p.val(b));
    if va.canon == vb.canon
        || damerau_levenshtein(&va.chars, &vb.chars, 1) <= 1
        || jaro_winkler(&va.chars, &vb.chars) >= 0.9
    {
        return 2;
    }
    if token_overlap(&va.tokens, &vb.tokens) > 0 {
        return 3;
    }
    4
}

fn exact_level(p: &Prepared, a: u32, b: u32) -> u8 {
    if a == b {
        return 1;
    }
    let (va, vb) = (p.val(a), p.val(b));
    if va.chars.len() >= 3 && damerau_levenshtein(&va.chars, &vb.chars, 1) <= 1 {
        return 2;
    }
    if va.tokens.len() > 1 && vb.tokens.len() > 1 && va.tokens[0] == vb.tokens[0] {
        return 3;
    }
    4
}

fn text_level(p: &Prepared, a: u32, b: u32) -> u8 {
    if a == b {
        return 1;
    }
    let (va, vb) = (p.val(a), p.val(b));
    let inter = token_overlap(&va.tokens, &vb.tokens) as f64;
    let union = (va.tokens.len() + vb.tokens.len()) as f64 - inter;
    let j = if union > 0.0 { inter / union } else { 0.0 };
    if j >= 0.6 {
        2
    } else if j >= 0.3 {
        3
    } else {
        4
    }
}

/// Everything needed to compare records on the configured fields.
pub struct Comparator<'a> {
    pub prep: &'a Prepared,
    pub kinds: Vec<FieldKind>,
    /// For each field, the other name fields (for the "swapped" level).
    pub swap_partners: Vec<Vec<usize>>,
}

impl<'a> Comparator<'a> {
    pub fn new(prep: &'a Prepared, kinds: Vec<FieldKind>) -> Self {
        let names: Vec<usize> = (0..kinds.len())
            .filter(|&f| kinds[f] == FieldKind::Name)
            .collect();
        let swap_partners = (0..kinds.len())
            .map(|f| {
                if kinds[f] == FieldKind::Name {
                    names.iter().copied().filter(|&g| g != f).collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        Comparator {
            prep,
            kinds,
            swap_partners,
        }
    }

    /// Comparison level of field `f` for records `i` and `j`.
    #[inline]
    pub fn level(&self, f: usize, i: usize, j: usize) -> u8 {
        let ids = &self.prep.ids[f];
        let (a, b) = (ids[i], ids[j]);
        if a == 0 || b == 0 {
            return MISSING;
        }
        match self.kinds[f] {
            FieldKind::Name => {
                let swap = self.swap_partners[f].iter().any(|&g| {
                    let ig = &self.prep.ids[g];
                    (ig[j] != 0 && ig[j] == a) || (ig[i] != 0 && ig[i] == b)
                });
                name_level(self.prep, a, b, swap)
            }
            FieldKind::Date => date_level(self.prep, a, b),
            FieldKind::Place => place_level(self.prep, a, b),
            FieldKind::Exact => exact_level(self.prep, a, b),
            FieldKind::Text => text_level(self.prep, a, b),
        }
    }

    /// All levels packed 4 bits per field (at most 16 fields).
    #[inline]
    pub fn pattern(&self, i: usize, j: usize) -> u64 {
        let mut p = 0u64;
        for f in 0..self.kinds.len() {
            p |= (self.level(f, i, j) as u64) << (4 * f);
        }
        p
    }
}

/// Level of field `f` in a packed pattern.
#[inline]
pub fn unpack(pattern: u64, f: usize) -> u8 {
    ((pattern >> (4 * f)) & 0xF) as u8
}

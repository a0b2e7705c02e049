//! Pre-computation of per-value features (normalised text, canonical and
//! phonetic forms, tokens, parsed dates) so that comparing a pair costs a few
//! integer comparisons in the common case.

use std::collections::HashMap;

use rayon::prelude::*;

use super::text::{canonical, normalise, phonetic};
use super::{Dataset, FieldKind};

/// A date known to year, month or day precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

/// Parse ISO-like dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, also with `/` or
/// `.`) and day-first `DD/MM/YYYY`. Out-of-range month or day (typos such as
/// `1861-88-12`) lower the precision instead of discarding the year.
pub fn parse_date(s: &str) -> Option<PDate> {
    let parts: Vec<&str> = s
        .split(['-', '/', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let num = |p: &str| -> Option<i32> {
        if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() && p.len() <= 4 {
            p.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = match parts.as_slice() {
        [y] if y.len() == 4 => (num(y)?, None, None),
        [y, m] if y.len() == 4 => (num(y)?, num(m), None),
        [y, m, d] if y.len() == 4 => (num(y)?, num(m), num(d)),
        [d, m, y] if y.len() == 4 => (num(y)?, num(m), num(d)),
        _ => return None,
    };
    let month = m.filter(|v| (1..=12).contains(v)).map(|v| v as u8);
    let day = if month.is_some() {
        d.filter(|v| (1..=31).contains(v)).map(|v| v as u8)
    } else {
        None
    };
    Some(PDate {
        year: y,
        month,
        day,
    })
}

/// Features of one distinct normalised value.
#[derive(Debug, Clone)]
pub struct Val {
    pub text: String,
    pub chars: Box<[char]>,
    pub canon: u32,
    pub phon: u32,
    /// Interned canonical tokens, in order.
    pub tokens: Box<[u32]>,
    pub date: Option<PDate>,
}

/// Interned values shared by all fields, so that equality across fields
/// (first name written in the surname column) is an integer comparison.
#[derive(Debug, Default)]
pub struct Prepared {
    pub vals: Vec<Val>,
    /// `ids[field][record]`: 0 = missing, else 1 + index into `vals`.
    pub ids: Vec<Vec<u32>>,
    /// Term frequency of the record's value within its field (0 when missing).
    pub tf: Vec<Vec<f32>>,
    /// Non-missing values per field.
    pub non_null: Vec<usize>,
}

impl Prepared {
    pub fn val(&self, id: u32) -> &Val {
        &self.vals[(id - 1) as usize]
    }
}

#[derive(Default)]
struct Interner {
    map: HashMap<String, u32>,
}

impl Interner {
    fn get(&mut self, s: &str) -> u32 {
        if let Some(&v) = self.map.get(s) {
            return v;
        }
        let v = self.map.len() as u32;
        self.map.insert(s.to_string(), v);
        v
    }
}

/// Normalise and intern every value of the dataset.
pub fn prepare(ds: &Dataset) -> Prepared {
    let nf = ds.fields.len();
    let n = ds.len();
    // Normalise in parallel (the expensive part for big files).
    let normed: Vec<Vec<Option<String>>> = (0..nf)
        .into_par_iter()
        .map(|f| {
            (0..n)
                .into_par_iter()
                .map(|r| {
                    ds.value(r, f).and_then(|v| {
                        let s = match ds.fields[f].kind {
                            FieldKind::Date => v.trim().to_string(),
                            _ => normalise(v),
                        };
                        (!s.is_empty()).then_some(s)
                    })
                })
                .collect()
        })
        .collect();
    let mut map: HashMap<&str, u32> = HashMap::new();
    let mut texts: Vec<&str> = Vec::new();
    let mut ids = vec![vec![0u32; n]; nf];
    for f in 0..nf {
        for r in 0..n {
            if let Some(s) = &normed[f][r] {
                let id = *map.entry(s.as_str()).or_insert_with(|| {
                    texts.push(s.as_str());
                    texts.len() as u32
                });
                ids[f][r] = id;
            }
        }
    }
    // Per-value features.
    let derived: Vec<(String, String, Vec<String>)> = texts
        .par_iter()
        .map(|t| {
            let c = canonical(t);
            let p = phonetic(t);
            let toks = c
                .split(' ')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect();
            (c, p, toks)
        })
        .collect();
    let mut canon_i = Interner::default();
    let mut tok_i = Interner::default();
    let mut vals = Vec::with_capacity(texts.len());
    for (t, (c, p, toks)) in texts.iter().zip(derived) {
        let canon = canon_i.get(&c);
        let phon = canon_i.get(&format!("\u{1}{p}"));
        let tokens: Box<[u32]> = toks.iter().map(|x| tok_i.get(x)).collect();
        vals.push(Val {
            text: t.to_string(),
            chars: t.chars().collect(),
            canon,
            phon,
            tokens,
            date: parse_date(t),
        });
    }
    // Term frequencies per field.
    let mut tf = vec![vec![0f32; n]; nf];
    let mut non_null = vec![0usize; nf];
    for f in 0..nf {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for &id in &ids[f] {
            if id != 0 {
                *counts.entry(id).or_default() += 1;
            }
        }
        let nn: u32 = counts.values().sum();
        non_null[f] = nn as usize;
        for r in 0..n {
            let id = ids[f][r];
            if id != 0 {
                tf[f][r] = counts[&id] as f32 / nn as f32;
            }
        }
    }
    Prepared {
        vals,
        ids,
        tf,
        non_null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_with_partial_precision() {
        let d = |y, m, dd| {
            Some(PDate {
                year: y,
                month: m,
                day: dd,
            })
        };
        assert_eq!(parse_date("1971-06-24"), d(1971, Some(6), Some(24)));
        assert_eq!(parse_date("1971-06"), d(1971, Some(6), None));
        assert_eq!(parse_date("1971"), d(1971, None, None));
        assert_eq!(parse_date("24/06/1971"), d(1971, Some(6), Some(24)));
        assert_eq!(parse_date("1861-88-12"), d(1861, None, None));
        assert_eq!(parse_date("1819-12-55"), d(1819, Some(12), None));
        assert_eq!(parse_date("unknown"), None);
    }
}

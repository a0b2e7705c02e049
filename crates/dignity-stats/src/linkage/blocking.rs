//! Blocking: which pairs of records are compared at all.
//!
//! Comparing every pair is quadratic (5·10^11 pairs for a million records),
//! so only pairs that agree on at least one blocking key are scored. A rule
//! is a conjunction of per-field keys (exact value, phonetic code, year…);
//! the candidate set is the union over rules, each pair kept once (with the
//! set of rules it satisfies, which training needs to avoid bias).

use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::prepare::Prepared;
use super::{FieldKind, FieldSpec};

/// The key a field contributes to a blocking rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFn {
    /// The normalised value.
    Exact,
    /// Canonical spelling (romanisation variants and nicknames merged).
    Canonical,
    /// Soundex of each canonical token.
    Phonetic,
    /// Year of a date.
    Year,
    /// First token (e.g. the outward part of a postcode).
    FirstToken,
    /// First three characters.
    Prefix3,
}

impl KeyFn {
    fn name(self) -> &'static str {
        match self {
            KeyFn::Exact => "exact",
            KeyFn::Canonical => "canonical",
            KeyFn::Phonetic => "phonetic",
            KeyFn::Year => "year",
            KeyFn::FirstToken => "first_token",
            KeyFn::Prefix3 => "prefix3",
        }
    }
    fn parse(s: &str) -> Option<KeyFn> {
        Some(match s {
            "exact" => KeyFn::Exact,
            "canonical" => KeyFn::Canonical,
            "phonetic" => KeyFn::Phonetic,
            "year" => KeyFn::Year,
            "first_token" => KeyFn::FirstToken,
            "prefix3" => KeyFn::Prefix3,
            _ => return None,
        })
    }
    /// Does equality of `self` imply equality of `coarser`?
    fn implies(self, coarser: KeyFn) -> bool {
        self == coarser
            || (self == KeyFn::Exact && coarser != KeyFn::FirstToken)
            || (self == KeyFn::Canonical && coarser == KeyFn::Phonetic)
    }
}

/// A conjunction of keys: records agreeing on all of them are compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockingRule {
    /// (field index, key function)
    pub keys: Vec<(usize, KeyFn)>,
}

impl BlockingRule {
    /// Parse `field[.key]&field[.key]…`, e.g. `surname.phonetic&dob.year`.
    pub fn parse(spec: &str, fields: &[FieldSpec]) -> Result<BlockingRule, String> {
        let mut keys = Vec::new();
        for part in spec
            .split(['&', '+'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (name, kf) = match part.rsplit_once('.') {
                Some((n, k)) if KeyFn::parse(k).is_some() => {
                    (n, KeyFn::parse(k).unwrap_or(KeyFn::Exact))
                }
                _ => (part, KeyFn::Exact),
            };
            let f = fields.iter().position(|x| x.name == name).ok_or_else(|| {
                format!(
                    "blocking rule '{spec}': no field '{name}' (fields: {})",
                    fields
                        .iter()
                        .map(|x| x.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            keys.push((f, kf));
        }
        if keys.is_empty() {
            return Err(format!("blocking rule '{spec}' names no field"));
        }
        Ok(BlockingRule { keys })
    }

    pub fn describe(&self, fields: &[FieldSpec]) -> String {
        self.keys
            .iter()
            .map(|&(f, k)| {
                if k == KeyFn::Exact {
                    fields[f].name.clone()
                } else {
                    format!("{}.{}", fields[f].name, k.name())
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Every pair this rule blocks together is also blocked by `other`.
    fn implied_by(&self, other: &BlockingRule) -> bool {
        other
            .keys
            .iter()
            .all(|&(g, kg)| self.keys.iter().any(|&(f, kf)| f == g && kf.implies(kg)))
    }

    pub fn fields(&self) -> impl Iterator<Item = usize> + '_ {
        self.keys.iter().map(|k| k.0)
    }
}

const NONE: u64 = u64::MAX;

fn component(prep: &Prepared, f: usize, r: usize, k: KeyFn) -> Option<u64> {
    let id = prep.ids[f][r];
    if id == 0 {
        return None;
    }
    let v = prep.val(id);
    Some(match k {
        KeyFn::Exact => id as u64,
        KeyFn::Canonical => v.canon as u64,
        KeyFn::Phonetic => v.phon as u64,
        KeyFn::Year => v.date?.year as u64 & 0xFFFF_FFFF,
        KeyFn::FirstToken => {
            // only meaningful for multi-token values (postcodes); single tokens are the exact key
            if v.tokens.len() < 2 {
                return None;
            }
            v.tokens[0] as u64
        }
        KeyFn::Prefix3 => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            v.chars.iter().take(3).collect::<String>().hash(&mut h);
            h.finish() >> 1
        }
    })
}

/// Key of every record under `rule` (`NONE` where a component is missing).
pub fn rule_keys(prep: &Prepared, rule: &BlockingRule, n: usize) -> Vec<u64> {
    (0..n)
        .into_par_iter()
        .map(|r| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for &(f, k) in &rule.keys {
                let Some(c) = component(prep, f, r, k) else {
                    return NONE;
                };
                for x in [f as u64, k as u64, c] {
                    h ^= x;
                    h = h.wrapping_mul(0x0000_0100_0000_01b3);
                    h ^= h >> 29;
                }
            }
            if h == NONE {
                h - 1
            } else {
                h
            }
        })
        .collect()
}

/// Number of pairs a rule generates (sum of g(g-1)/2 over its blocks).
pub fn count_pairs(keys: &[u64]) -> u64 {
    let mut k: Vec<u64> = keys.iter().copied().filter(|&x| x != NONE).collect();
    k.par_sort_unstable();
    let mut total = 0u64;
    let mut i = 0;
    while i < k.len() {
        let mut j = i + 1;
        while j < k.len() && k[j] == k[i] {
            j += 1;
        }
        let g = (j - i) as u64;
        total += g * (g - 1) / 2;
        i = j;
    }
    total
}

/// Candidate pairs from a set of rules.
#[derive(Debug, Default)]
pub struct Candidates {
    /// (i, j) with i < j.
    pub pairs: Vec<(u32, u32)>,
    /// Bit r set when the pair agrees on rule r's key.
    pub masks: Vec<u32>,
    /// New pairs contributed by each rule (after de-duplication).
    pub per_rule: Vec<usize>,
    /// Blocks skipped because they exceeded the size limit.
    pub skipped_blocks: usize,
}

/// Generate candidate pairs. `sources`, when given with `link_only`, drops
/// pairs from the same source.
pub fn generate(
    prep: &Prepared,
    rules: &[BlockingRule],
    n: usize,
    sources: Option<&[u32]>,
    link_only: bool,
    max_block: usize,
) -> Candidates {
    assert!(rules.len() <= 32, "at most 32 blocking rules");
    let keys: Vec<Vec<u64>> = rules.iter().map(|r| rule_keys(prep, r, n)).collect();
    let mut out = Candidates::default();
    for r in 0..rules.len() {
        let mut order: Vec<(u64, u32)> = keys[r]
            .iter()
            .enumerate()
            .filter(|(_, &k)| k != NONE)
            .map(|(i, &k)| (k, i as u32))
            .collect();
        order.par_sort_unstable();
        let mut groups = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let mut j = i + 1;
            while j < order.len() && order[j].0 == order[i].0 {
                j += 1;
            }
            if j - i > 1 {
                if j - i > max_block {
                    out.skipped_blocks += 1;
                } else {
                    groups.push((i, j));
                }
            }
            i = j;
        }
        let keys = &keys;
        let order = &order;
        let found: Vec<((u32, u32), u32)> = groups
            .par_iter()
            .flat_map_iter(|&(s, e)| {
                let mut v = Vec::new();
                for a in s..e {
                    for b in (a + 1)..e {
                        let (x, y) = (order[a].1, order[b].1);
                        let (i, j) = if x < y { (x, y) } else { (y, x) };
                        if link_only {
                            if let Some(src) = sources {
                                if src[i as usize] == src[j as usize] {
                                    continue;
                                }
                            }
                        }
                        let (iu, ju) = (i as usize, j as usize);
                        if (0..r).any(|q| keys[q][iu] != NONE && keys[q][iu] == keys[q][ju]) {
                            continue; // already produced by an earlier rule
                        }
                        let mut mask = 0u32;
                        for (q, kq) in keys.iter().enumerate().skip(r) {
                            if kq[iu] != NONE && kq[iu] == kq[ju] {
                                mask |= 1 << q;
                            }
                        }
                        v.push(((i, j), mask));
                    }
                }
                v
            })
            .collect();
        out.per_rule.push(found.len());
        out.pairs.reserve(found.len());
        out.masks.reserve(found.len());
        for (p, m) in found {
            out.pairs.push(p);
            out.masks.push(m);
        }
    }
    out
}

/// Choose blocking rules automatically: every single-field key and every
/// pair of keys on two fields is a candidate; the coarsest rules whose pair
/// count stays within `per_rule_budget` are kept (finer rules implied by a
/// kept one add nothing), up to `total_budget` pairs and `max_rules` rules.
pub fn auto_rules(
    prep: &Prepared,
    fields: &[FieldSpec],
    n: usize,
    per_rule_budget: u64,
    total_budget: u64,
    max_rules: usize,
) -> Vec<(BlockingRule, u64)> {
    let mut comps: Vec<(usize, KeyFn)> = Vec::new();
    for (f, spec) in fields.iter().enumerate() {
        let ks: &[KeyFn] = match spec.kind {
            FieldKind::Name => &[KeyFn::Exact, KeyFn::Phonetic],
            FieldKind::Date => &[KeyFn::Exact, KeyFn::Year],
            FieldKind::Place => &[KeyFn::Exact],
            FieldKind::Exact => &[KeyFn::Exact, KeyFn::FirstToken],
            FieldKind::Text => &[],
        };
        comps.extend(ks.iter().map(|&k| (f, k)));
    }
    let mut cands: Vec<BlockingRule> = comps
        .iter()
        .map(|&c| BlockingRule { keys: vec![c] })
        .collect();
    for a in 0..comps.len() {
        for b in (a + 1)..comps.len() {
            if comps[a].0 != comps[b].0 {
                cands.push(BlockingRule {
                    keys: vec![comps[a], comps[b]],
                });
            }
        }
    }
    let counted: Vec<(BlockingRule, u64)> = cands
        .into_iter()
        .map(|r| {
            let c = count_pairs(&rule_keys(prep, &r, n));
            (r, c)
        })
        .collect();
    let mut order: Vec<&(BlockingRule, u64)> = counted.iter().filter(|(_, c)| *c > 0).collect();
    order.sort_by(|a, b| a.0.keys.len().cmp(&b.0.keys.len()).then(b.1.cmp(&a.1)));
    let mut chosen: Vec<(BlockingRule, u64)> = Vec::new();
    let mut total = 0u64;
    for (rule, c) in order {
        if *c > per_rule_budget || total + c > total_budget || chosen.len() >= max_rules {
            continue;
        }
        if chosen.iter().any(|(s, _)| rule.implied_by(s)) {
            continue;
        }
        total += c;
        chosen.push((rule.clone(), *c));
    }
    chosen
}

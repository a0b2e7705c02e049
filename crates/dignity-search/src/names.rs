//! Keyed name tokens: how names (and other values the database encrypts) are searchable
//! without being in the index in clear.
//!
//! A name is normalised and transliterated (`dignity_core::names`: Latin diacritics
//! removed, Cyrillic and Arabic script to Latin, Arabic romanisations to one canonical
//! spelling), then turned into several tolerance keys per token:
//! - `t:` the canonical token (`muhammad` for Mohammed / Mohamed / محمد),
//! - `k:` its consonant skeleton (`jvnvk` for Jovanović / Jovanoviq / Јовановић / Jovanovich),
//! - `d:` the skeleton with one letter deleted (skeletons of 4+ letters: one typo),
//!
//! and one key for the whole name (`f:` sorted canonical tokens). Each key is an
//! HMAC-SHA256 under the installation's blind-index key (`Keyring::blind_index`),
//! truncated to 80 bits. Queries go through the same transform, so the index only ever
//! compares keys. See `docs/search.md` for what this reveals.

use dignity_core::crypto::Keyring;
use dignity_core::names::{canonical_token, normalise, skeleton};

/// Domain-separation label of the keys (a blind index kind of its own).
const KIND: &str = "search.name";
/// Hex characters kept of each HMAC (80 bits).
const KEEP: usize = 20;

fn keyed(keys: &Keyring, key: &str) -> String {
    let mut h = keys.blind_index(KIND, key);
    h.truncate(KEEP);
    h
}

fn deletions(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 4 {
        return vec![];
    }
    let mut out: Vec<String> = (0..chars.len())
        .map(|i| {
            chars
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| c)
                .collect()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Canonical tokens of a name. The Arabic article written attached (`alhassan`,
/// `الحسن` → `alhsn`) also gives the article and the name apart (`al`, `hasan`).
fn tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in normalise(name).split(' ').filter(|t| !t.is_empty()) {
        out.push(canonical_token(t).to_string());
        if let Some(rest) = t.strip_prefix("al").or_else(|| t.strip_prefix("el")) {
            if rest.len() >= 3 {
                out.push("al".to_string());
                out.push(canonical_token(rest).to_string());
            }
        }
    }
    out
}

/// The plain (unkeyed) keys of a name, for tests and for reasoning about leakage.
pub fn plain_keys(name: &str) -> Vec<String> {
    let toks = tokens(name);
    let mut out = Vec::new();
    for t in &toks {
        out.push(format!("t:{t}"));
        let k = skeleton(t);
        if !k.is_empty() {
            for d in deletions(&k) {
                out.push(format!("d:{d}"));
            }
            out.push(format!("k:{k}"));
        }
    }
    let whole: Vec<String> = normalise(name)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(|t| canonical_token(t).to_string())
        .collect();
    if whole.len() > 1 {
        let mut s = whole;
        s.sort();
        out.push(format!("f:{}", s.join(" ")));
    }
    out.sort();
    out.dedup();
    out
}

/// The keyed tokens of a name, as stored in the index.
pub fn name_tokens(keys: &Keyring, name: &str) -> Vec<String> {
    plain_keys(name).iter().map(|k| keyed(keys, k)).collect()
}

/// The keyed tokens one query word is looked up with, with their weights: exact canonical
/// token first, then the skeleton, then one-letter differences of the skeleton.
pub fn query_tokens(keys: &Keyring, word: &str) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    let toks = tokens(word);
    let n = toks.len();
    // The article split off a word is not a search word of its own.
    for t in toks.into_iter().filter(|t| n == 1 || t != "al") {
        out.push((keyed(keys, &format!("t:{t}")), 3.0));
        let k = skeleton(&t);
        if k.is_empty() {
            continue;
        }
        out.push((keyed(keys, &format!("k:{k}")), 1.5));
        if k.chars().count() >= 4 {
            // The name has one letter more than the query…
            out.push((keyed(keys, &format!("d:{k}")), 0.4));
            // …or one letter less, or one letter differs.
            for d in deletions(&k) {
                out.push((keyed(keys, &format!("k:{d}")), 0.4));
                out.push((keyed(keys, &format!("d:{d}")), 0.3));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// The keyed whole-name token of a multi-word query (matches a name with exactly these
/// words, in any order).
pub fn full_name_token(keys: &Keyring, words: &[String]) -> Option<String> {
    let mut toks: Vec<String> = words
        .iter()
        .flat_map(|w| {
            normalise(w)
                .split(' ')
                .map(|t| canonical_token(t).to_string())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    if toks.len() < 2 {
        return None;
    }
    toks.sort();
    Some(keyed(keys, &format!("f:{}", toks.join(" "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_share_keys() {
        let k = Keyring::generate("t");
        let doc = name_tokens(&k, "Ana Jovanović");
        for q in [
            "Jovanoviq",
            "Јовановић",
            "jovanovich",
            "Jovanovic",
            "Jovanović",
        ] {
            let qt = query_tokens(&k, q);
            assert!(qt.iter().any(|(t, _)| doc.contains(t)), "{q}");
        }
        let doc = name_tokens(&k, "Mohammed Al-Hassan");
        for q in ["Muhammad", "Mohamed", "محمد"] {
            assert!(
                query_tokens(&k, q)
                    .iter()
                    .any(|(t, w)| *w >= 3.0 && doc.contains(t)),
                "{q}"
            );
        }
        assert!(!query_tokens(&k, "Petrović")
            .iter()
            .any(|(t, _)| name_tokens(&k, "Ana Jovanović").contains(t)));
        // Keys are keyed: another installation's keys differ.
        let other = Keyring::generate("t");
        assert_ne!(name_tokens(&k, "Ana"), name_tokens(&other, "Ana"));
        assert!(full_name_token(&k, &["jovanovic".into(), "ana".into()])
            .is_some_and(|t| name_tokens(&k, "Ana Jovanović").contains(&t)));
    }

    #[test]
    fn keys_hold_no_plaintext() {
        let k = Keyring::generate("t");
        for t in name_tokens(&k, "Ana Jovanović") {
            assert_eq!(t.len(), 20);
            assert!(t.chars().all(|c| c.is_ascii_hexdigit()));
        }
        assert!(plain_keys("Ana Jovanović").contains(&"k:jvnvk".to_string()));
    }
}

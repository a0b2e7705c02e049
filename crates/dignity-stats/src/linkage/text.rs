//! String normalisation and similarity for person records.
//!
//! Normalisation, transliteration, canonical spellings and phonetic keys are
//! shared with search and live in `dignity_core::names`; this module re-exports
//! them and adds the similarity measures linkage needs.

pub use dignity_core::names::{canonical, canonical_token, normalise, phonetic, soundex};

/// Jaro–Winkler similarity (prefix scale 0.1, up to 4 characters).
pub fn jaro_winkler(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let (s1, s2) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let window = (s2.len() / 2).saturating_sub(1);
    let mut m2 = [false; 128];
    let mut m2v = vec![];
    let flags: &mut [bool] = if s2.len() <= 128 {
        &mut m2[..s2.len()]
    } else {
        m2v.resize(s2.len(), false);
        &mut m2v[..]
    };
    let mut matches = 0usize;
    let mut s1m = [0usize; 128];
    let mut s1mv: Vec<usize> = vec![];
    for (i, &c) in s1.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(s2.len());
        for j in lo..hi {
            if !flags[j] && s2[j] == c {
                flags[j] = true;
                if matches < 128 {
                    s1m[matches] = i;
                } else {
                    s1mv.push(i);
                }
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let idx1: Vec<usize> = s1m
        .iter()
        .take(matches.min(128))
        .copied()
        .chain(s1mv)
        .collect();
    let mut trans = 0usize;
    let mut k = 0usize;
    for (j, &f) in flags.iter().enumerate() {
        if f {
            if s1[idx1[k]] != s2[j] {
                trans += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    let jaro = (m / s1.len() as f64 + m / s2.len() as f64 + (m - (trans / 2) as f64) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// Damerau–Levenshtein distance (optimal string alignment), capped: returns
/// `cap + 1` as soon as the distance must exceed `cap`.
pub fn damerau_levenshtein(a: &[char], b: &[char], cap: usize) -> usize {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > cap {
        return cap + 1;
    }
    if n == 0 || m == 0 {
        return n.max(m);
    }
    let w = m + 1;
    let mut d = vec![0usize; (n + 1) * w];
    for (j, v) in d.iter_mut().enumerate().take(m + 1) {
        *v = j;
    }
    for i in 1..=n {
        d[i * w] = i;
        let mut row_min = usize::MAX;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > cap {
            return cap + 1;
        }
    }
    d[n * w + m].min(cap + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn jaro_winkler_reference_values() {
        assert!((jaro_winkler(&c("martha"), &c("marhta")) - 0.961_111).abs() < 1e-5);
        assert!((jaro_winkler(&c("dwayne"), &c("duane")) - 0.84).abs() < 1e-5);
        assert!((jaro_winkler(&c("dixon"), &c("dicksonx")) - 0.813_333).abs() < 1e-5);
        assert_eq!(jaro_winkler(&c("abc"), &c("xyz")), 0.0);
    }

    #[test]
    fn damerau_levenshtein_values() {
        assert_eq!(damerau_levenshtein(&c("ca"), &c("ac"), 3), 1);
        assert_eq!(damerau_levenshtein(&c("kitten"), &c("sitting"), 5), 3);
        assert_eq!(damerau_levenshtein(&c("kitten"), &c("sitting"), 1), 2);
        assert_eq!(damerau_levenshtein(&c("abc"), &c("abc"), 0), 0);
    }
}

//! Capture histories: who was seen on which list.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::MseError;

/// Largest number of lists accepted. 2^t cells are enumerated, and with more
/// than ~15 lists the saturated two-way model is far beyond what the data of
/// any documentation project can support anyway.
pub const MAX_LISTS: usize = 15;

/// Aggregated capture histories for `t` lists.
///
/// Cell `h` (a bit mask, bit `k` = on list `k`) holds the number of people
/// with exactly that history; cell 0 (on no list) is the unobserved "dark
/// figure" and is always 0 here.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureHistories {
    lists: Vec<String>,
    counts: Vec<f64>,
}

impl CaptureHistories {
    /// Build from list names and `(history bits, count)` pairs; repeated
    /// histories are summed.
    pub fn new(lists: Vec<String>, cells: &[(u32, f64)]) -> Result<Self, MseError> {
        let t = lists.len();
        if t < 2 {
            return Err(MseError::Input(format!(
                "multiple systems estimation needs at least 2 lists, found {t} ({})",
                lists.join(", ")
            )));
        }
        if t > MAX_LISTS {
            return Err(MseError::Input(format!(
                "{t} lists given; at most {MAX_LISTS} are supported"
            )));
        }
        let mut counts = vec![0.0; 1 << t];
        for &(h, c) in cells {
            if h == 0 {
                return Err(MseError::Input(
                    "a capture history with no list marked cannot be observed".into(),
                ));
            }
            if (h as usize) >= counts.len() {
                return Err(MseError::Input(format!(
                    "history {h:#b} refers to a list beyond {t}"
                )));
            }
            if c.is_nan() || c < 0.0 || !c.is_finite() {
                return Err(MseError::Input(format!(
                    "count {c} is not a non-negative number"
                )));
            }
            counts[h as usize] += c;
        }
        let out = CaptureHistories { lists, counts };
        if out.observed() <= 0.0 {
            return Err(MseError::Input(
                "no one was observed on any list (all counts are 0)".into(),
            ));
        }
        Ok(out)
    }

    /// Build from the set of lists each person (e.g. a linkage cluster) was
    /// found on. Persons on no list are ignored.
    pub fn from_memberships<I, S>(lists: Vec<String>, people: I) -> Result<Self, MseError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[usize]>,
    {
        let mut cells: BTreeMap<u32, f64> = BTreeMap::new();
        for p in people {
            let mut h = 0u32;
            for &l in p.as_ref() {
                if l >= lists.len() {
                    return Err(MseError::Input(format!("list index {l} out of range")));
                }
                h |= 1 << l;
            }
            if h != 0 {
                *cells.entry(h).or_default() += 1.0;
            }
        }
        let cells: Vec<(u32, f64)> = cells.into_iter().collect();
        Self::new(lists, &cells)
    }

    pub fn lists(&self) -> &[String] {
        &self.lists
    }
    pub fn num_lists(&self) -> usize {
        self.lists.len()
    }
    /// Count for history `h` (bit mask).
    pub fn count(&self, h: usize) -> f64 {
        self.counts[h]
    }
    /// Counts indexed by bit mask, cell 0 included (always 0).
    pub fn counts(&self) -> &[f64] {
        &self.counts
    }
    /// Number of distinct people observed.
    pub fn observed(&self) -> f64 {
        self.counts.iter().sum()
    }
    /// Number of people seen on both lists `i` and `j` (whatever else).
    pub fn overlap(&self, i: usize, j: usize) -> f64 {
        let m = (1 << i) | (1 << j);
        self.counts
            .iter()
            .enumerate()
            .filter(|(h, _)| h & m == m)
            .map(|(_, c)| c)
            .sum()
    }
    /// Number of people on list `i`.
    pub fn list_total(&self, i: usize) -> f64 {
        self.counts
            .iter()
            .enumerate()
            .filter(|(h, _)| h & (1 << i) != 0)
            .map(|(_, c)| c)
            .sum()
    }
    /// Index of a list by name.
    pub fn list_index(&self, name: &str) -> Option<usize> {
        self.lists.iter().position(|l| l == name)
    }
}

/// Capture histories read from a file, possibly split by stratum.
#[derive(Debug, Clone)]
pub struct CaptureTable {
    /// One table per stratum value, in first-seen order (a single entry with
    /// an empty name when no stratum column is used).
    pub strata: Vec<(String, CaptureHistories)>,
}

/// Read capture histories from CSV: one 0/1 column per list, an optional
/// `count` column (otherwise each row is one person) and an optional stratum
/// column. Errors name the offending row (1-based line of the file, header
/// = line 1) and column.
pub fn read_capture_csv(path: &Path, stratum: Option<&str>) -> Result<CaptureTable, MseError> {
    let file = std::fs::File::open(path)
        .map_err(|e| MseError::Input(format!("cannot open {}: {e}", path.display())))?;
    read_capture_reader(file, stratum)
        .map_err(|e| MseError::Input(format!("{}: {}", path.display(), e.message())))
}

/// As [`read_capture_csv`], from any reader.
pub fn read_capture_reader<R: Read>(
    rdr: R,
    stratum: Option<&str>,
) -> Result<CaptureTable, MseError> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(rdr);
    let headers = r
        .headers()
        .map_err(|e| MseError::Input(format!("cannot read CSV header: {e}")))?
        .clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(MseError::Input("the file is empty (no header row)".into()));
    }
    let names: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let count_col = names.iter().position(|h| h.eq_ignore_ascii_case("count"));
    let stratum_col = match stratum {
        Some(s) => Some(names.iter().position(|h| h == s).ok_or_else(|| {
            MseError::Input(format!(
                "stratum column '{s}' not found; columns are {}",
                names.join(", ")
            ))
        })?),
        None => None,
    };
    let list_cols: Vec<usize> = (0..names.len())
        .filter(|&i| Some(i) != count_col && Some(i) != stratum_col)
        .collect();
    if list_cols.len() < 2 {
        return Err(MseError::Input(format!(
            "at least 2 list columns are needed, found {} ({})",
            list_cols.len(),
            list_cols
                .iter()
                .map(|&i| names[i].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if list_cols.len() > MAX_LISTS {
        return Err(MseError::Input(format!(
            "{} list columns; at most {MAX_LISTS} are supported",
            list_cols.len()
        )));
    }
    let lists: Vec<String> = list_cols.iter().map(|&i| names[i].clone()).collect();
    let mut order: Vec<String> = Vec::new();
    let mut cells: BTreeMap<String, Vec<(u32, f64)>> = BTreeMap::new();
    let mut rows = 0usize;
    for (k, rec) in r.records().enumerate() {
        let line = k + 2;
        let rec = rec.map_err(|e| MseError::Input(format!("malformed CSV at line {line}: {e}")))?;
        if rec.len() != names.len() {
            return Err(MseError::Input(format!(
                "line {line} has {} fields, the header has {}",
                rec.len(),
                names.len()
            )));
        }
        let mut h = 0u32;
        for (bit, &c) in list_cols.iter().enumerate() {
            match &rec[c] {
                "1" => h |= 1 << bit,
                "0" => {}
                other => {
                    return Err(MseError::Input(format!(
                        "line {line}, column '{}': expected 0 or 1, found '{other}'",
                        names[c]
                    )))
                }
            }
        }
        let count = match count_col {
            Some(c) => {
                let v: f64 = rec[c].parse().map_err(|_| {
                    MseError::Input(format!(
                        "line {line}, column '{}': '{}' is not a number",
                        names[c], &rec[c]
                    ))
                })?;
                if v < 0.0 || !v.is_finite() {
                    return Err(MseError::Input(format!(
                        "line {line}, column '{}': negative count {}",
                        names[c], &rec[c]
                    )));
                }
                if v.fract() != 0.0 {
                    return Err(MseError::Input(format!(
                        "line {line}, column '{}': count {} is not a whole number",
                        names[c], &rec[c]
                    )));
                }
                v
            }
            None => 1.0,
        };
        if h == 0 && count > 0.0 {
            return Err(MseError::Input(format!(
                "line {line}: no list is marked (all-zero capture history); people on no list cannot be observed — remove the row"
            )));
        }
        let s = stratum_col.map(|c| rec[c].to_string()).unwrap_or_default();
        if !cells.contains_key(&s) {
            order.push(s.clone());
        }
        if h != 0 {
            cells.entry(s).or_default().push((h, count));
        } else {
            cells.entry(s).or_default();
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(MseError::Input(
            "the file has a header but no data rows".into(),
        ));
    }
    let mut strata = Vec::new();
    for s in order {
        let c = &cells[&s];
        let t = CaptureHistories::new(lists.clone(), c).map_err(|e| {
            if stratum_col.is_some() {
                MseError::Input(format!("stratum '{s}': {}", e.message()))
            } else {
                e
            }
        })?;
        strata.push((s, t));
    }
    Ok(CaptureTable { strata })
}

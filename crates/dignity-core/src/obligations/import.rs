//! The parsers of recommendation exports (UPR Info, OHCHR's UHRI, a generic mapped table) into recommendation inputs.

use super::*;

// ---------------------------------------------------------- recommendations --

/// One recommendation or observation, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecInput {
    /// Stable key: the same recommendation imported again gets the same key.
    pub key: String,
    pub mechanism: Mechanism,
    pub body: String,
    pub upr_cycle: Option<u32>,
    pub session: String,
    pub document_symbol: String,
    pub paragraph: String,
    pub date: PartialDate,
    pub iso3: String,
    pub recommending_iso3: Option<String>,
    /// `recommendation` or `observation`.
    pub kind: String,
    pub text: String,
    pub position: Option<Position>,
    /// UPR Info's action category 1–5 (1: minimal action … 5: specific action).
    pub upr_action: Option<u8>,
    pub themes: Vec<String>,
    pub affected: Vec<String>,
    pub sdgs: Vec<String>,
    /// `upr-info`, `uhri`, `generic`, `manual`.
    pub source: String,
    /// Line in the source file (0 when typed in).
    #[serde(skip)]
    pub line: u64,
}

impl RecInput {
    /// A hash of the content, to tell an unchanged re-import from an update.
    pub fn content_hash(&self) -> String {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("key");
        }
        hex::encode(&Sha256::digest(v.to_string().as_bytes())[..16])
    }
}

pub(super) fn text_fingerprint(text: &str) -> String {
    let norm: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    hex::encode(&Sha256::digest(norm.as_bytes())[..8])
}

/// What a parser made of a table: the records and the rejected rows.
#[derive(Debug, Default)]
pub struct Parsed {
    pub records: Vec<RecInput>,
    pub rejected: Vec<RowError>,
    /// Rows kept as a further occurrence of an identical recommendation (UPR Info lists a
    /// few twice): (line, line of the first occurrence).
    pub repeated: Vec<(u64, u64)>,
}

pub(super) fn cell(row: &[String], col: Option<usize>) -> &str {
    col.and_then(|i| row.get(i)).map(|s| s.trim()).unwrap_or("")
}

pub(super) fn require_columns(t: &Table, cols: &[&str]) -> Result<Vec<usize>, RowError> {
    cols.iter()
        .map(|c| {
            t.column(c)
                .ok_or_else(|| RowError::new(1, c, format!("missing column {c:?}")))
        })
        .collect()
}

/// The State's response as a format spells it. A blank cell is `pending` on a UPR
/// recommendation and nothing on the others; an unknown spelling is refused.
pub fn response(
    format: ResponseSpelling,
    raw: &str,
    upr: bool,
) -> Result<Option<Position>, String> {
    if raw.trim().is_empty() && !upr {
        return Ok(None);
    }
    Position::from_spelling(format, raw).map(Some)
}

/// The SDG targets of a multi-valued cell (`1.4 - Equal rights…` or `1.4`), each one
/// of the shipped targets (`data/sdg/targets.csv`); the values refused otherwise.
pub fn sdg_targets(values: &[String]) -> (Vec<String>, Vec<String>) {
    let known = crate::refdata::sdg_target_codes();
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for v in values {
        match sdg_code(v).filter(|c| known.contains(c)) {
            Some(c) => ok.push(c),
            None => bad.push(v.clone()),
        }
    }
    (ok, bad)
}

/// The columns of a UPR Info export the parser reads.
pub const UPR_INFO_COLUMNS: &[&str] = &[
    "To", "Text", "From", "Response", "Action", "Issue", "Session",
];
/// Columns of a UPR Info export known and deliberately not read (regional groups and
/// organisations are derived from the states): not reported as unmapped.
pub const UPR_INFO_DERIVED: &[&str] = &["To-Rgrp", "To-Org", "From-Rgrp", "From-Org"];
/// Parse a UPR Info export (`To, To-Rgrp, To-Org, Text, From, From-Rgrp, From-Org,
/// Response, Action, Issue, Session`). Keys: session, state under review, recommending
/// state and the text; an identical recommendation listed again gets `#2`, `#3`, ….
pub fn parse_upr_info(t: &Table, countries: &CountryResolver) -> Parsed {
    let mut p = Parsed::default();
    let cols = match require_columns(t, UPR_INFO_COLUMNS) {
        Ok(c) => c,
        Err(e) => {
            p.rejected.push(e);
            return p;
        }
    };
    let [to, text, from, response_c, action, issue, session] = cols[..] else {
        unreachable!()
    };
    let mut seen: HashMap<String, (u32, u64)> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let mut errs = Vec::new();
        let to_name = cell(row, Some(to));
        let iso3 = match countries.resolve(to_name) {
            Some(c) => c.to_string(),
            None => {
                errs.push(RowError::new(
                    line,
                    "To",
                    format!("unknown country {to_name:?}"),
                ));
                String::new()
            }
        };
        let from_name = cell(row, Some(from));
        let recommending = if is_unknown_marker(from_name) {
            None
        } else {
            match countries.resolve(from_name) {
                Some(c) => Some(c.to_string()),
                None => {
                    errs.push(RowError::new(
                        line,
                        "From",
                        format!("unknown country {from_name:?}"),
                    ));
                    None
                }
            }
        };
        let body = decode_entities(cell(row, Some(text)));
        if body.trim().is_empty() {
            errs.push(RowError::new(
                line,
                "Text",
                "the recommendation has no text",
            ));
        }
        let position = response(ResponseSpelling::UprInfo, cell(row, Some(response_c)), true)
            .unwrap_or_else(|m| {
                errs.push(RowError::new(line, "Response", m));
                None
            });
        let act = cell(row, Some(action));
        let upr_action = if act.is_empty() {
            None
        } else {
            // The categories are those of the shipped scale (`data/upr/action-categories.csv`).
            match act
                .parse::<i64>()
                .ok()
                .and_then(crate::refdata::action_category)
            {
                Some(c) => Some(c.category),
                None => {
                    errs.push(RowError::new(
                        line,
                        "Action",
                        format!("expected 1 to 5, got {act:?}"),
                    ));
                    None
                }
            }
        };
        let themes: Vec<String> = cell(row, Some(issue))
            .split(',')
            .map(|s| decode_entities(s.trim()))
            .filter(|s| !s.is_empty())
            .collect();
        for t in &themes {
            if !crate::refdata::upr_info_issues()
                .iter()
                .any(|i| &i.issue == t)
            {
                errs.push(RowError::new(
                    line,
                    "Issue",
                    format!("unknown issue {t:?} (not in data/upr/upr-info-issues.csv)"),
                ));
            }
        }
        let sess = cell(row, Some(session));
        let sess_n = match sess.parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => {
                errs.push(RowError::new(
                    line,
                    "Session",
                    format!("expected a session number, got {sess:?}"),
                ));
                0
            }
        };
        if !errs.is_empty() {
            p.rejected.extend(errs);
            continue;
        }
        let base = format!(
            "upr:{sess_n}:{iso3}:{}:{}",
            recommending.as_deref().unwrap_or("-"),
            text_fingerprint(&body)
        );
        let entry = seen.entry(base.clone()).or_insert((0, line));
        entry.0 += 1;
        let key = if entry.0 == 1 {
            base
        } else {
            p.repeated.push((line, entry.1));
            format!("{base}#{}", entry.0)
        };
        p.records.push(RecInput {
            key,
            mechanism: Mechanism::Upr,
            body: "UPR".into(),
            upr_cycle: Some(upr_cycle(sess_n)),
            session: sess_n.to_string(),
            document_symbol: String::new(),
            paragraph: String::new(),
            date: upr_session_month(sess_n).unwrap_or(PartialDate::UNKNOWN),
            iso3,
            recommending_iso3: recommending,
            kind: "recommendation".into(),
            text: body.trim().to_string(),
            position,
            upr_action,
            themes,
            affected: vec![],
            sdgs: vec![],
            source: "upr-info".into(),
            line,
        });
    }
    p
}

/// Values of a multi-valued UHRI cell: one per line, each prefixed with `- `.
pub fn split_multi(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("- ")
                .trim_start_matches('-')
                .trim()
        })
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A date as spreadsheets deliver it: ISO (`2019-11-29`, also with a time), `29/11/2019`
/// (day first), a year, or an Excel serial number (`43798`).
pub fn parse_loose_date(s: &str) -> Result<PartialDate, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(PartialDate::UNKNOWN);
    }
    if let Ok(d) = PartialDate::parse(s) {
        return Ok(d);
    }
    // ISO with a time part.
    if s.len() > 10 && s.as_bytes()[10] == b'T' || s.len() > 10 && s.as_bytes()[10] == b' ' {
        if let Ok(d) = PartialDate::parse(&s[..10]) {
            return Ok(d);
        }
    }
    if let Ok(serial) = s.parse::<f64>() {
        if (1.0..2_958_466.0).contains(&serial) {
            // Excel's day 0 is 1899-12-30 (its 1900 leap-year bug included).
            let base = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
            let d = base + chrono::Duration::days(serial.floor() as i64);
            return PartialDate::parse(&d.format("%Y-%m-%d").to_string())
                .map_err(|e| e.to_string());
        }
    }
    let parts: Vec<&str> = s.split(['/', '.']).collect();
    if let [d, m, y] = parts[..] {
        if let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u32>(), m.parse::<u32>(), y.parse::<i32>()) {
            if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                return PartialDate::parse(&date.format("%Y-%m-%d").to_string())
                    .map_err(|e| e.to_string());
            }
            return Err(format!("no such date {s:?}"));
        }
    }
    Err(format!(
        "expected a date (YYYY-MM-DD, DD/MM/YYYY, a year or an Excel date), got {s:?}"
    ))
}

/// The SDG target code at the start of a UHRI value: `1.4 - Equal rights…` → `1.4`.
pub fn sdg_code(s: &str) -> Option<String> {
    let code = s.split(" - ").next()?.trim();
    let ok = code.split('.').count() == 2
        && code
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
    ok.then(|| code.to_ascii_lowercase())
}

/// The 16 columns of OHCHR's Universal Human Rights Index export.
pub const UHRI_COLUMNS: [&str; 16] = [
    "Text",
    "Countries Concerned",
    "Reccomending Body",
    "Document Symbol",
    "Themes",
    "Affected Persons",
    "Sdgs",
    "Document Publication Date",
    "UPR Reccomending States",
    "UPR Position",
    "Type",
    "OHCHR Annotation Id",
    "UPR Session",
    "Regions Concerned",
    "Recommending Regions",
    "Date of publication on UHRI",
];

/// Parse a UHRI export. One record per country concerned, keyed by the OHCHR
/// annotation id and the country. Duplicate annotation ids are rejected.
pub fn parse_uhri(t: &Table, countries: &CountryResolver) -> Parsed {
    let mut p = Parsed::default();
    let need = [
        "Text",
        "Countries Concerned",
        "Reccomending Body",
        "Document Symbol",
        "OHCHR Annotation Id",
    ];
    if let Err(e) = require_columns(t, &need) {
        p.rejected.push(e);
        return p;
    }
    let c = |n: &str| t.column(n);
    let (text_c, countries_c, body_c, symbol_c, id_c) = (
        c("Text"),
        c("Countries Concerned"),
        c("Reccomending Body"),
        c("Document Symbol"),
        c("OHCHR Annotation Id"),
    );
    let (themes_c, affected_c, sdgs_c, date_c, from_c, pos_c, type_c, session_c) = (
        c("Themes"),
        c("Affected Persons"),
        c("Sdgs"),
        c("Document Publication Date"),
        c("UPR Reccomending States"),
        c("UPR Position"),
        c("Type"),
        c("UPR Session"),
    );
    let mut ids: HashMap<String, u64> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let mut errs = Vec::new();
        let id = cell(row, id_c).to_ascii_lowercase();
        if id.is_empty() {
            errs.push(RowError::new(
                line,
                "OHCHR Annotation Id",
                "must not be empty",
            ));
        } else if let Some(first) = ids.get(&id) {
            errs.push(RowError::new(
                line,
                "OHCHR Annotation Id",
                format!("duplicate key {id}, first at row {first}"),
            ));
        } else {
            ids.insert(id.clone(), line);
        }
        let text = cell(row, text_c).to_string();
        if text.is_empty() {
            errs.push(RowError::new(line, "Text", "must not be empty"));
        }
        let body_raw = cell(row, body_c);
        let mech = body_mechanism(body_raw);
        if mech.is_none() {
            errs.push(RowError::new(
                line,
                "Reccomending Body",
                format!("unknown mechanism {body_raw:?}"),
            ));
        }
        let mut isos = Vec::new();
        let names = split_multi(cell(row, countries_c));
        if names.is_empty() {
            errs.push(RowError::new(
                line,
                "Countries Concerned",
                "must not be empty",
            ));
        }
        for n in &names {
            match countries.resolve(n) {
                Some(i) => {
                    if !isos.iter().any(|x: &String| x == i) {
                        isos.push(i.to_string())
                    }
                }
                None => errs.push(RowError::new(
                    line,
                    "Countries Concerned",
                    format!("unknown country {n:?}"),
                )),
            }
        }
        let date = match parse_loose_date(cell(row, date_c)) {
            Ok(d) => d,
            Err(m) => {
                errs.push(RowError::new(line, "Document Publication Date", m));
                PartialDate::UNKNOWN
            }
        };
        let from_names = split_multi(cell(row, from_c));
        let mut recommending = None;
        if let Some(n) = from_names.first() {
            if !is_unknown_marker(n) {
                match countries.resolve(n) {
                    Some(i) => recommending = Some(i.to_string()),
                    None => errs.push(RowError::new(
                        line,
                        "UPR Reccomending States",
                        format!("unknown country {n:?}"),
                    )),
                }
            }
        }
        let is_upr = matches!(mech, Some((Mechanism::Upr, _)));
        let position =
            response(ResponseSpelling::Uhri, cell(row, pos_c), is_upr).unwrap_or_else(|m| {
                errs.push(RowError::new(line, "UPR Position", m));
                None
            });
        let (sdgs, bad_sdgs) = sdg_targets(&split_multi(cell(row, sdgs_c)));
        for v in bad_sdgs {
            errs.push(RowError::new(
                line,
                "Sdgs",
                format!("unknown SDG target {v:?} (not in data/sdg/targets.csv)"),
            ));
        }
        if !errs.is_empty() {
            p.rejected.extend(errs);
            continue;
        }
        let (mechanism, body) = mech.expect("checked");
        let type_cell = cell(row, type_c);
        let kind = if type_cell.is_empty() || type_cell.to_ascii_lowercase().contains("recommend") {
            "recommendation"
        } else {
            "observation"
        };
        let session = cell(row, session_c).to_string();
        let upr_cycle = if mechanism == Mechanism::Upr {
            session.trim().parse::<u32>().ok().map(upr_cycle)
        } else {
            None
        };
        for iso3 in &isos {
            p.records.push(RecInput {
                key: format!("uhri:{id}:{iso3}"),
                mechanism,
                body: body.clone(),
                upr_cycle,
                session: session.clone(),
                document_symbol: cell(row, symbol_c).to_string(),
                paragraph: String::new(),
                date,
                iso3: iso3.clone(),
                recommending_iso3: recommending.clone(),
                kind: kind.into(),
                text: text.clone(),
                position,
                upr_action: None,
                themes: split_multi(cell(row, themes_c)),
                affected: split_multi(cell(row, affected_c)),
                sdgs: sdgs.clone(),
                source: "uhri".into(),
                line,
            });
        }
    }
    p
}

/// Which column of a generic table holds which field (`dignity import recommendations
/// FILE --mapping MAP.toml`):
///
/// ```toml
/// [columns]
/// text = "Recommendation"      # required
/// country = "State"            # required (names or ISO codes)
/// body = "Body"                # or a default below
/// key = "ID"                   # optional stable key; else derived from the content
/// symbol = "Symbol"
/// paragraph = "Para"
/// date = "Date"
/// recommending = "From"
/// position = "Response"
/// session = "Session"
/// themes = "Themes"
/// affected = "Groups"
/// sdgs = "SDG"
/// type = "Type"
/// [defaults]
/// body = "CCPR"
/// separator = ";"              # between values of multi-valued cells (default: new line)
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
}

/// The fields a generic recommendations mapping can fill.
pub const MAPPING_FIELDS: &[&str] = &[
    "text",
    "country",
    "body",
    "key",
    "symbol",
    "paragraph",
    "date",
    "recommending",
    "position",
    "session",
    "themes",
    "affected",
    "sdgs",
    "type",
];

impl Mapping {
    pub fn parse(toml_text: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(toml_text).map_err(|e| format!("mapping: {e}"))?;
        for k in m.columns.keys() {
            if !MAPPING_FIELDS.contains(&k.as_str()) {
                return Err(format!(
                    "mapping: unknown field {k:?} (known: {})",
                    MAPPING_FIELDS.join(", ")
                ));
            }
        }
        for k in ["text", "country"] {
            if !m.columns.contains_key(k) {
                return Err(format!("mapping: [columns] needs {k:?}"));
            }
        }
        if !m.columns.contains_key("body") && !m.defaults.contains_key("body") {
            return Err("mapping: give a body column or a default body".into());
        }
        Ok(m)
    }
}

/// Parse a generic table with a column mapping.
pub fn parse_generic(t: &Table, m: &Mapping, countries: &CountryResolver) -> Parsed {
    let mut p = Parsed::default();
    let mut cols: HashMap<&str, usize> = HashMap::new();
    for (field, col) in &m.columns {
        match t.column(col) {
            Some(i) => {
                cols.insert(field.as_str(), i);
            }
            None => {
                p.rejected.push(RowError::new(
                    1,
                    col,
                    format!("missing column {col:?} (mapped to {field})"),
                ));
            }
        }
    }
    if !p.rejected.is_empty() {
        return p;
    }
    let sep = m.defaults.get("separator").cloned();
    let multi = |s: &str| -> Vec<String> {
        match &sep {
            Some(sep) if !sep.is_empty() => s
                .split(sep.as_str())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect(),
            _ => split_multi(s),
        }
    };
    let get = |row: &[String], f: &str| -> String {
        let v = cell(row, cols.get(f).copied());
        if v.is_empty() {
            m.defaults.get(f).cloned().unwrap_or_default()
        } else {
            v.to_string()
        }
    };
    let mut keys: HashMap<String, u64> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let mut errs = Vec::new();
        let col_name = |f: &str| m.columns.get(f).cloned().unwrap_or_else(|| f.to_string());
        let text = get(row, "text");
        if text.is_empty() {
            errs.push(RowError::new(line, &col_name("text"), "must not be empty"));
        }
        let cname = get(row, "country");
        let iso3 = countries.resolve(&cname).map(str::to_string);
        if iso3.is_none() {
            errs.push(RowError::new(
                line,
                &col_name("country"),
                format!("unknown country {cname:?}"),
            ));
        }
        let body_raw = get(row, "body");
        let mech = body_mechanism(&body_raw);
        if mech.is_none() {
            errs.push(RowError::new(
                line,
                &col_name("body"),
                format!("unknown mechanism {body_raw:?} (UPR, a treaty body such as CCPR, or a special procedure SR…/WG…/IE…)"),
            ));
        }
        let date = match parse_loose_date(&get(row, "date")) {
            Ok(d) => d,
            Err(e) => {
                errs.push(RowError::new(line, &col_name("date"), e));
                PartialDate::UNKNOWN
            }
        };
        let rname = get(row, "recommending");
        let recommending = if is_unknown_marker(&rname) {
            None
        } else {
            match countries.resolve(&rname) {
                Some(i) => Some(i.to_string()),
                None => {
                    errs.push(RowError::new(
                        line,
                        &col_name("recommending"),
                        format!("unknown country {rname:?}"),
                    ));
                    None
                }
            }
        };
        let is_upr = matches!(mech, Some((Mechanism::Upr, _)));
        let position = response(ResponseSpelling::Canonical, &get(row, "position"), is_upr)
            .unwrap_or_else(|m| {
                errs.push(RowError::new(line, &col_name("position"), m));
                None
            });
        let (sdgs, bad_sdgs) = sdg_targets(&multi(&get(row, "sdgs")));
        for v in bad_sdgs {
            errs.push(RowError::new(
                line,
                &col_name("sdgs"),
                format!("unknown SDG target {v:?} (not in data/sdg/targets.csv)"),
            ));
        }
        let symbol = get(row, "symbol");
        let paragraph = get(row, "paragraph");
        let key = {
            let k = get(row, "key");
            if k.is_empty() {
                format!(
                    "generic:{}:{}:{symbol}:{paragraph}:{}",
                    body_raw.to_ascii_uppercase(),
                    iso3.as_deref().unwrap_or(""),
                    text_fingerprint(&text)
                )
            } else {
                format!("generic:{k}")
            }
        };
        if let Some(first) = keys.get(&key) {
            errs.push(RowError::new(
                line,
                &col_name("key"),
                format!("duplicate key, first at row {first}"),
            ));
        }
        if !errs.is_empty() {
            p.rejected.extend(errs);
            continue;
        }
        keys.insert(key.clone(), line);
        let (mechanism, body) = mech.expect("checked");
        let session = get(row, "session");
        let kind = get(row, "type").to_ascii_lowercase();
        p.records.push(RecInput {
            key,
            mechanism,
            body,
            upr_cycle: if mechanism == Mechanism::Upr {
                session.parse().ok().map(upr_cycle)
            } else {
                None
            },
            session,
            document_symbol: symbol,
            paragraph,
            date,
            iso3: iso3.expect("checked"),
            recommending_iso3: recommending,
            kind: if kind.contains("observ") || kind.contains("concern") {
                "observation".into()
            } else {
                "recommendation".into()
            },
            text,
            position,
            upr_action: None,
            themes: multi(&get(row, "themes")),
            affected: multi(&get(row, "affected")),
            sdgs,
            source: "generic".into(),
            line,
        });
    }
    p
}

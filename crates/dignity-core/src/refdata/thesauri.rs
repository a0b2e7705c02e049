//! The HURIDOCS micro-thesauri (`data/huridocs/micro-thesauri.csv`).

use super::*;

// ---------------------------------------------------------------- HURIDOCS --

/// A term of the HURIDOCS micro-thesauri (`data/huridocs/micro-thesauri.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabTerm {
    /// Micro-thesaurus number, e.g. 4 = types of acts.
    pub list_number: u16,
    /// e.g. `types_of_acts`; None where the source gives no name (only the placeholder
    /// lists of the OpenEvSys copy had none, and they are not shipped).
    pub list_name: Option<String>,
    /// Hierarchical code, two digits per level (12 digits).
    pub huri_code: String,
    /// Depth, 0 = top; HURIDOCS uses -5 for the "Other / Not applicable /
    /// Unknown" entries at the end of some lists.
    pub level: i8,
    /// `vocab_number` of the parent term; None at the top of a list.
    pub parent_vocab_number: Option<String>,
    /// Unique id of the term (14 digits: huri_code + list number).
    pub vocab_number: String,
    /// Display order within the list.
    pub order: u32,
    pub term_en: String,
    pub term_fr: String,
    pub term_es: String,
}

impl VocabTerm {
    /// The term in a language (`en`, `fr`, `es`); English otherwise.
    pub fn term(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.term_en,
            &self.term_fr,
            &self.term_es,
            &self.term_en,
            &self.term_en,
            &self.term_en,
        )
    }
}

/// Where a shipped list comes from: the HURIDOCS standard micro-thesauri (lists 1-48
/// and 67) or an addition of OpenEvSys, HURIDOCS' documentation system, whose copy Dignity
/// ships (list 68). The code is stored in `vocabularies.source` and served by the API.
pub fn list_source(list_number: u16) -> &'static str {
    match list_number {
        1..=48 | 67 => "HURIDOCS",
        _ => "OpenEvSys",
    }
}

/// Lists of the OpenEvSys copy that are placeholders of its configuration, not HURIDOCS
/// content ("Generic Additional Details 1", "First issue", "Element 1", "Procedure 1"):
/// `data/scripts/build_refdata.py` leaves them out and the loader removes them from
/// databases that loaded an earlier version.
pub const PLACEHOLDER_LISTS: [u16; 4] = [80, 90, 91, 92];

const THESAURI_COLUMNS: &[&str] = &[
    "list_number",
    "list_name",
    "huri_code",
    "level",
    "parent_vocab_number",
    "vocab_number",
    "order",
    "english",
    "french",
    "spanish",
];

/// Parses the HURIDOCS micro-thesauri: unique vocab numbers, and every parent
/// present in the same list (`0` or empty means no parent).
pub fn parse_thesauri(text: &str) -> Result<Vec<VocabTerm>, RefDataError> {
    let mut out = Vec::new();
    let mut lines = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    read_csv(text, THESAURI_COLUMNS, |row| {
        let vocab_number = row.required("vocab_number")?;
        if !vocab_number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(row.err(
                "vocab_number",
                format!("expected digits, got {vocab_number:?}"),
            ));
        }
        let huri_code = row.required("huri_code")?;
        if !huri_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(row.err("huri_code", format!("expected digits, got {huri_code:?}")));
        }
        if index.insert(vocab_number.clone(), out.len()).is_some() {
            return Err(row.err("vocab_number", format!("duplicate {vocab_number}")));
        }
        let parent_vocab_number = match row.get("parent_vocab_number") {
            "" | "0" => None,
            p => Some(p.to_owned()),
        };
        let list_number: u16 = row.parse("list_number", "a list number")?;
        if PLACEHOLDER_LISTS.contains(&list_number) {
            return Err(row.err(
                "list_number",
                format!("list {list_number} is a placeholder of the OpenEvSys copy, not HURIDOCS content"),
            ));
        }
        lines.push(row.line);
        out.push(VocabTerm {
            list_number,
            list_name: row.optional("list_name"),
            huri_code,
            level: row.parse("level", "a level")?,
            parent_vocab_number,
            vocab_number,
            order: row.parse("order", "a non-negative order")?,
            term_en: row.required("english")?,
            term_fr: row.required("french")?,
            term_es: row.required("spanish")?,
        });
        Ok(())
    })?;
    for (term, &line) in out.iter().zip(&lines) {
        if let Some(p) = &term.parent_vocab_number {
            let err = |msg: String| RefDataError::new(Some(line), Some("parent_vocab_number"), msg);
            match index.get(p) {
                None => return Err(err(format!("unknown parent {p}"))),
                Some(&i) if out[i].list_number != term.list_number => {
                    return Err(err(format!("parent {p} is in list {}", out[i].list_number)))
                }
                Some(_) if p == &term.vocab_number => {
                    return Err(err("a term cannot be its own parent".into()))
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

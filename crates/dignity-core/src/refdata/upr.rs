//! The Universal Periodic Review lists (`data/upr/*.csv`): UPR Info's action categories
//! (Edward McMahon's scale 1–5) and the issues of the UPR Info exports.

use super::*;

/// `data/upr/action-categories.csv`, embedded at compile time.
pub const UPR_ACTION_CATEGORIES_CSV: &str =
    include_str!("../../../../data/upr/action-categories.csv");
/// `data/upr/upr-info-issues.csv`, embedded at compile time.
pub const UPR_INFO_ISSUES_CSV: &str = include_str!("../../../../data/upr/upr-info-issues.csv");

/// One step of UPR Info's action scale: 1 (minimal action) … 5 (specific action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCategory {
    /// 1..=5.
    pub category: u8,
    pub label_en: String,
    pub label_fr: String,
    pub label_es: String,
    pub label_ar: String,
    pub label_ru: String,
    /// What the category means (English), from the source below.
    pub definition_en: String,
    pub source_url: String,
    /// When the source was published (`YYYY-MM` or `YYYY-MM-DD`).
    pub source_date: String,
}

impl ActionCategory {
    /// The label in a UI language; English otherwise.
    pub fn label(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.label_en,
            &self.label_fr,
            &self.label_es,
            &self.label_ar,
            &self.label_ru,
            &self.label_en,
        )
    }
    /// The label and the number, as every page shows a category: "Specific action (5)".
    pub fn shown(&self, lang: &str) -> String {
        format!("{} ({})", self.label(lang), self.category)
    }
}

const ACTION_COLUMNS: &[&str] = &[
    "category",
    "label_en",
    "label_fr",
    "label_es",
    "label_ar",
    "label_ru",
    "definition_en",
    "source_url",
    "source_date",
];

/// Parses `data/upr/action-categories.csv`: the categories 1 to 5, each once, in order,
/// every label and the source given.
pub fn parse_action_categories(text: &str) -> Result<Vec<ActionCategory>, RefDataError> {
    let mut out: Vec<ActionCategory> = Vec::new();
    read_csv(text, ACTION_COLUMNS, |row| {
        let category: u8 = row.parse("category", "a category 1-5")?;
        let expected = out.len() as u8 + 1;
        if category != expected {
            return Err(row.err(
                "category",
                format!("expected category {expected}, got {category}"),
            ));
        }
        let source_date = row.required("source_date")?;
        if !is_source_date(&source_date) {
            return Err(row.err(
                "source_date",
                format!("expected YYYY-MM or YYYY-MM-DD, got {source_date:?}"),
            ));
        }
        out.push(ActionCategory {
            category,
            label_en: row.required("label_en")?,
            label_fr: row.required("label_fr")?,
            label_es: row.required("label_es")?,
            label_ar: row.required("label_ar")?,
            label_ru: row.required("label_ru")?,
            definition_en: row.required("definition_en")?,
            source_url: row.required("source_url")?,
            source_date,
        });
        Ok(())
    })?;
    if out.len() != 5 {
        return Err(RefDataError::new(
            None,
            Some("category"),
            format!("expected the 5 categories, got {}", out.len()),
        ));
    }
    Ok(out)
}

/// A source date: `YYYY-MM` or `YYYY-MM-DD`.
fn is_source_date(s: &str) -> bool {
    let day = match s.len() {
        7 => format!("{s}-01"),
        10 => s.to_owned(),
        _ => return false,
    };
    NaiveDate::parse_from_str(&day, "%Y-%m-%d").is_ok()
}

/// The shipped action categories (parsed once; a test proves the file parses).
pub fn action_categories() -> &'static [ActionCategory] {
    static C: std::sync::OnceLock<Vec<ActionCategory>> = std::sync::OnceLock::new();
    C.get_or_init(|| parse_action_categories(UPR_ACTION_CATEGORIES_CSV).unwrap_or_default())
}

/// The shipped category of a number 1–5.
pub fn action_category(n: i64) -> Option<&'static ActionCategory> {
    action_categories()
        .iter()
        .find(|c| i64::from(c.category) == n)
}

/// An issue (theme) of the UPR Info exports, with the number of recommendations of the
/// source exports that carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UprInfoIssue {
    pub issue: String,
    pub recommendations: u32,
}

/// Parses `data/upr/upr-info-issues.csv` (unique issues).
pub fn parse_upr_info_issues(text: &str) -> Result<Vec<UprInfoIssue>, RefDataError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, &["issue", "recommendations"], |row| {
        let issue = row.required("issue")?;
        if !seen.insert(issue.clone()) {
            return Err(row.err("issue", format!("duplicate issue {issue:?}")));
        }
        out.push(UprInfoIssue {
            issue,
            recommendations: row.parse("recommendations", "a count")?,
        });
        Ok(())
    })?;
    Ok(out)
}

/// The shipped UPR Info issues (parsed once).
pub fn upr_info_issues() -> &'static [UprInfoIssue] {
    static C: std::sync::OnceLock<Vec<UprInfoIssue>> = std::sync::OnceLock::new();
    C.get_or_init(|| parse_upr_info_issues(UPR_INFO_ISSUES_CSV).unwrap_or_default())
}

/// The codes of the shipped SDG targets (`16.10`, `16.a`), lower case.
pub fn sdg_target_codes() -> &'static HashSet<String> {
    static C: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        parse_sdg_targets(shipped::SDG_TARGETS_CSV)
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.code.to_ascii_lowercase())
            .collect()
    })
}

#[cfg(test)]
mod tests;

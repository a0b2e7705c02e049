//! The Sustainable Development Goals and targets (`data/sdg/*.csv`).

use super::*;

/// A Sustainable Development Goal, with short and full titles in the six UN
/// languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SdgGoal {
    /// 1..=17.
    pub goal: u8,
    pub short_en: String,
    pub short_fr: String,
    pub short_es: String,
    pub short_ar: String,
    pub short_ru: String,
    pub short_zh: String,
    pub title_en: String,
    pub title_fr: String,
    pub title_es: String,
    pub title_ar: String,
    pub title_ru: String,
    pub title_zh: String,
}

impl SdgGoal {
    /// The full title in a language; English otherwise.
    pub fn title(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.title_en,
            &self.title_fr,
            &self.title_es,
            &self.title_ar,
            &self.title_ru,
            &self.title_zh,
        )
    }

    /// The short title in a language; English otherwise.
    pub fn short(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.short_en,
            &self.short_fr,
            &self.short_es,
            &self.short_ar,
            &self.short_ru,
            &self.short_zh,
        )
    }
}

/// An SDG target, e.g. `16.10`, titled in the six UN languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SdgTarget {
    /// `<goal>.<number or letter>`, e.g. `16.10`, `16.a`.
    pub code: String,
    pub goal: u8,
    pub title_en: String,
    pub title_fr: String,
    pub title_es: String,
    pub title_ar: String,
    pub title_ru: String,
    pub title_zh: String,
}

impl SdgTarget {
    /// The title in a language; English otherwise.
    pub fn title(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.title_en,
            &self.title_fr,
            &self.title_es,
            &self.title_ar,
            &self.title_ru,
            &self.title_zh,
        )
    }
}

const LANGS: [&str; 6] = ["en", "fr", "es", "ar", "ru", "zh"];

fn parse_goal_number(row: &Row<'_>, field: &str) -> Result<u8, RefDataError> {
    let g: u8 = row.parse(field, "a goal number 1-17")?;
    if !(1..=17).contains(&g) {
        return Err(row.err(field, format!("goal {g} is not between 1 and 17")));
    }
    Ok(g)
}

/// Parses `data/sdg/goals.csv`.
pub fn parse_sdg_goals(text: &str) -> Result<Vec<SdgGoal>, RefDataError> {
    let columns: Vec<String> = std::iter::once("goal".to_owned())
        .chain(LANGS.iter().map(|l| format!("short_{l}")))
        .chain(LANGS.iter().map(|l| format!("title_{l}")))
        .collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, &columns, |row| {
        let goal = parse_goal_number(row, "goal")?;
        if !seen.insert(goal) {
            return Err(row.err("goal", format!("duplicate goal {goal}")));
        }
        out.push(SdgGoal {
            goal,
            short_en: row.required("short_en")?,
            short_fr: row.required("short_fr")?,
            short_es: row.required("short_es")?,
            short_ar: row.required("short_ar")?,
            short_ru: row.required("short_ru")?,
            short_zh: row.required("short_zh")?,
            title_en: row.required("title_en")?,
            title_fr: row.required("title_fr")?,
            title_es: row.required("title_es")?,
            title_ar: row.required("title_ar")?,
            title_ru: row.required("title_ru")?,
            title_zh: row.required("title_zh")?,
        });
        Ok(())
    })?;
    Ok(out)
}

/// Parses `data/sdg/targets.csv`; the goal column must match the code.
pub fn parse_sdg_targets(text: &str) -> Result<Vec<SdgTarget>, RefDataError> {
    let columns: Vec<String> = ["code".to_owned(), "goal".to_owned()]
        .into_iter()
        .chain(LANGS.iter().map(|l| format!("title_{l}")))
        .collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, &columns, |row| {
        let code = row.required("code")?;
        let goal = parse_goal_number(row, "goal")?;
        let valid = code.split_once('.').is_some_and(|(g, t)| {
            g == goal.to_string()
                && !t.is_empty()
                && t.len() <= 2
                && (t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0')
                    || t.len() == 1 && t.bytes().all(|b| b.is_ascii_lowercase()))
        });
        if !valid {
            return Err(row.err(
                "code",
                format!("expected <goal>.<number or letter> with goal {goal}, got {code:?}"),
            ));
        }
        if !seen.insert(code.clone()) {
            return Err(row.err("code", format!("duplicate target {code}")));
        }
        out.push(SdgTarget {
            code,
            goal,
            title_en: row.required("title_en")?,
            title_fr: row.required("title_fr")?,
            title_es: row.required("title_es")?,
            title_ar: row.required("title_ar")?,
            title_ru: row.required("title_ru")?,
            title_zh: row.required("title_zh")?,
        });
        Ok(())
    })?;
    Ok(out)
}

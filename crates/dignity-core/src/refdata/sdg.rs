//! The Sustainable Development Goals and targets (`data/sdg/*.csv`).

use super::*;

/// A text in the six UN languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnText {
    pub en: String,
    pub fr: String,
    pub es: String,
    pub ar: String,
    pub ru: String,
    pub zh: String,
}

const LANGS: [&str; 6] = ["en", "fr", "es", "ar", "ru", "zh"];

impl UnText {
    /// The text in a language; English otherwise.
    pub fn get(&self, lang: &str) -> &str {
        pick(
            lang, &self.en, &self.fr, &self.es, &self.ar, &self.ru, &self.zh,
        )
    }

    /// The names of the columns `{prefix}_en` … `{prefix}_zh`.
    fn columns(prefix: &str) -> impl Iterator<Item = String> + '_ {
        LANGS.iter().map(move |l| format!("{prefix}_{l}"))
    }

    /// The columns `{prefix}_en` … `{prefix}_zh` of `row`, each required.
    fn read(row: &Row<'_>, prefix: &str) -> Result<UnText, RefDataError> {
        let [en, fr, es, ar, ru, zh] = LANGS.map(|l| row.required(&format!("{prefix}_{l}")));
        Ok(UnText {
            en: en?,
            fr: fr?,
            es: es?,
            ar: ar?,
            ru: ru?,
            zh: zh?,
        })
    }
}

/// A Sustainable Development Goal, with short and full titles in the six UN
/// languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SdgGoal {
    /// 1..=17.
    pub goal: u8,
    pub short: UnText,
    pub title: UnText,
}

impl SdgGoal {
    /// The full title in a language; English otherwise.
    pub fn title(&self, lang: &str) -> &str {
        self.title.get(lang)
    }

    /// The short title in a language; English otherwise.
    pub fn short(&self, lang: &str) -> &str {
        self.short.get(lang)
    }
}

/// An SDG target, e.g. `16.10`, titled in the six UN languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SdgTarget {
    /// `<goal>.<number or letter>`, e.g. `16.10`, `16.a`.
    pub code: String,
    pub goal: u8,
    pub title: UnText,
}

impl SdgTarget {
    /// The title in a language; English otherwise.
    pub fn title(&self, lang: &str) -> &str {
        self.title.get(lang)
    }
}

fn parse_goal_number(row: &Row<'_>, field: &str) -> Result<u8, RefDataError> {
    let g: u8 = row.parse(field, "a goal number 1-17")?;
    if !(1..=17).contains(&g) {
        return Err(row.err(field, format!("goal {g} is not between 1 and 17")));
    }
    Ok(g)
}

/// The rows of `text`, whose columns are `keys` then the six languages of each of `texts`,
/// each made a `T` by `f` (which also gets the keys seen so far, to refuse a duplicate).
fn parse_rows<T, K>(
    text: &str,
    keys: &[&str],
    texts: &[&str],
    mut f: impl FnMut(&Row<'_>, &mut HashSet<K>) -> Result<T, RefDataError>,
) -> Result<Vec<T>, RefDataError> {
    let columns: Vec<String> = keys
        .iter()
        .map(|k| k.to_string())
        .chain(texts.iter().flat_map(|t| UnText::columns(t)))
        .collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, &columns, |row| {
        out.push(f(row, &mut seen)?);
        Ok(())
    })?;
    Ok(out)
}

/// Parses `data/sdg/goals.csv`.
pub fn parse_sdg_goals(text: &str) -> Result<Vec<SdgGoal>, RefDataError> {
    parse_rows(text, &["goal"], &["short", "title"], |row, seen| {
        let goal = parse_goal_number(row, "goal")?;
        if !seen.insert(goal) {
            return Err(row.err("goal", format!("duplicate goal {goal}")));
        }
        Ok(SdgGoal {
            goal,
            short: UnText::read(row, "short")?,
            title: UnText::read(row, "title")?,
        })
    })
}

/// Parses `data/sdg/targets.csv`; the goal column must match the code.
pub fn parse_sdg_targets(text: &str) -> Result<Vec<SdgTarget>, RefDataError> {
    parse_rows(text, &["code", "goal"], &["title"], |row, seen| {
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
        Ok(SdgTarget {
            code,
            goal,
            title: UnText::read(row, "title")?,
        })
    })
}

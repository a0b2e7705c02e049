//! The coded fields and their vocabularies: which micro-thesaurus each coded field takes
//! its values from, the thematic lenses and kinds of act, and [`Vocab`], the micro-thesauri
//! and country codes in memory. Re-exported as `violations::*`.

use super::*;

/// Which micro-thesaurus each coded field takes its values from.
pub const FIELD_LISTS: &[(&str, i64)] = &[
    ("index_terms", 1),
    ("rights_affected", 3),
    ("act_type", 4),
    ("methods", 5),
    ("counting_unit", 7),
    ("occupation", 10),
    ("religion", 12),
    ("ethnicity", 13),
    ("languages", 14),
    ("language", 14),
    ("source_type", 16),
    ("degree", 18),
    ("connection", 19),
    ("int_type", 20),
    ("person_link", 21),
    ("event_link", 22),
    ("perpetrator_type", 24),
    ("victim_status", 25),
    ("latest_status", 26),
    ("response_type", 27),
    ("attribution", 28),
    ("detention_type", 29),
    ("whereabouts", 30),
    ("legal_counsel", 31),
    ("court_type", 32),
    ("autopsy", 34),
    ("death_certificate", 35),
    ("statements_signed", 36),
    ("medical_attention", 37),
    ("intent", 38),
    ("sex", 39),
    ("violation_status", 41),
    ("reliability", 42),
    ("monitoring_status", 43),
    ("impact", 44),
    ("status", 45),
    ("priority", 46),
    ("compensation", 47),
];

/// The micro-thesaurus of a coded field.
pub fn list_of(field: &str) -> Option<i64> {
    FIELD_LISTS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, l)| *l)
}

/// Thematic lenses.
pub const LENSES: &[&str] = &["death_penalty", "torture", "hrd", "disappearance"];

pub use dignity_core::violations::death_penalty::DEATH_PENALTY_STATUSES;
pub use dignity_core::violations::persons::AGE_GROUPS;

/// Kinds of act whose specific parts apply, by the type-of-act code's prefix (MT 4).
pub fn act_kind(act_type: &str) -> &'static str {
    if act_type.starts_with("0101") {
        "killing"
    } else if act_type.starts_with("02011111") || act_type.starts_with("0201") {
        "torture"
    } else if act_type.starts_with("030101")
        || act_type.starts_with("030102")
        || act_type.starts_with("030105")
    {
        "detention"
    } else if act_type.starts_with("030103") {
        "disappearance"
    } else if act_type.starts_with("130103") {
        "destruction"
    } else {
        "other"
    }
}

/// The lens an act type puts its event under, if any.
pub fn lens_of_act(act_type: &str) -> Option<&'static str> {
    if act_type.starts_with("01010103") {
        Some("death_penalty")
    } else if act_type.starts_with("0201") {
        Some("torture")
    } else if act_type.starts_with("030103") {
        Some("disappearance")
    } else {
        None
    }
}

/// The micro-thesauri and country codes in memory, for validating codes without a query
/// per field and for showing labels in the reader's language. Reloaded every 30 s.
#[derive(Debug, Default)]
pub struct Vocab {
    /// code → (list, labels en fr es ar ru, level)
    pub(super) terms: HashMap<String, (i64, [String; 5], i64)>,
    /// list → codes in display order
    pub(super) lists: HashMap<i64, Vec<String>>,
    pub(super) countries: HashMap<String, [String; 5]>,
}

/// The place of `lang` among the five labels (en, fr, es, ar, ru) of a term or a country;
/// English for any other language.
pub(crate) fn lang_idx(lang: &str) -> usize {
    match lang {
        "fr" => 1,
        "es" => 2,
        "ar" => 3,
        "ru" => 4,
        _ => 0,
    }
}

impl Vocab {
    pub async fn load(store: &Store) -> Result<Arc<Vocab>> {
        type Cache = Mutex<HashMap<String, (Instant, Arc<Vocab>)>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let key = format!("{}|{:?}", store.data_dir().display(), store.backend());
        let cache = CACHE.get_or_init(Default::default);
        if let Some((at, v)) = cache.lock().expect("vocab cache").get(&key) {
            if at.elapsed() < Duration::from_secs(30) {
                return Ok(v.clone());
            }
        }
        let v = Arc::new(Self::load_fresh(store).await?);
        cache
            .lock()
            .expect("vocab cache")
            .insert(key, (Instant::now(), v.clone()));
        Ok(v)
    }

    pub async fn load_fresh(store: &Store) -> Result<Vocab> {
        let mut v = Vocab::default();
        for r in sqlx::query(
            "SELECT list_number, vocab_number, label_en, label_fr, label_es, label_ar, label_ru, level \
             FROM vocab_terms WHERE active = 1 ORDER BY list_number, sort_order",
        )
        .fetch_all(store.pool())
        .await?
        {
            let list: i64 = r.get(0);
            let code: String = r.get(1);
            let en: String = r.get(2);
            let mut labels: [String; 5] = [en.clone(), r.get(3), r.get(4), r.get(5), r.get(6)];
            for l in labels.iter_mut() {
                if l.is_empty() {
                    *l = en.clone();
                }
            }
            v.lists.entry(list).or_default().push(code.clone());
            v.terms.insert(code, (list, labels, r.get::<i64, _>(7).max(0)));
        }
        for r in
            sqlx::query("SELECT iso3, name_en, name_fr, name_es, name_ar, name_ru FROM countries")
                .fetch_all(store.pool())
                .await?
        {
            v.countries
                .insert(r.get(0), [r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)]);
        }
        Ok(v)
    }

    /// Check one coded value of `field`; empty means none.
    pub fn check(&self, field: &str, code: &str) -> Result<Option<String>> {
        let code = code.trim();
        if code.is_empty() {
            return Ok(None);
        }
        let list = list_of(field)
            .ok_or_else(|| StoreError::Internal(format!("no vocabulary for field {field}")))?;
        match self.terms.get(code) {
            Some((l, _, _)) if *l == list => Ok(Some(code.to_string())),
            _ => Err(dignity_core::violations::not_a_term(field.to_string(), code, list).into()),
        }
    }

    pub fn check_opt(&self, field: &str, code: &Option<String>) -> Result<Option<String>> {
        self.check(field, code.as_deref().unwrap_or(""))
    }

    pub fn check_all(&self, field: &str, codes: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for c in codes {
            if let Some(c) = self.check(field, c)? {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    pub fn check_country(&self, code: &Option<String>) -> Result<Option<String>> {
        let Some(c) = code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let up = c.to_ascii_uppercase();
        if self.countries.contains_key(&up) {
            Ok(Some(up))
        } else {
            Err(dignity_core::violations::not_a_country("country", c).into())
        }
    }

    pub fn label(&self, code: &str, lang: &str) -> String {
        self.terms
            .get(code)
            .map(|t| t.1[lang_idx(lang)].clone())
            .unwrap_or_else(|| code.to_string())
    }

    pub fn country_name(&self, code: &str, lang: &str) -> String {
        self.countries
            .get(code)
            .map(|n| n[lang_idx(lang)].clone())
            .unwrap_or_else(|| code.to_string())
    }

    /// A code by its English label within a list (case-insensitive), for imports.
    pub fn by_label(&self, field: &str, label: &str) -> Option<String> {
        let list = list_of(field)?;
        let want = label.trim().to_lowercase();
        self.lists.get(&list)?.iter().find_map(|c| {
            let t = &self.terms[c];
            t.1.iter()
                .any(|l| l.to_lowercase() == want)
                .then(|| c.clone())
        })
    }

    /// Codes of a list with labels and levels, in display order (for pickers).
    pub fn options(&self, list: i64, lang: &str) -> Vec<(String, String, i64)> {
        self.lists
            .get(&list)
            .map(|codes| {
                codes
                    .iter()
                    .map(|c| {
                        let t = &self.terms[c];
                        (c.clone(), t.1[lang_idx(lang)].clone(), t.2)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn country_options(&self, lang: &str) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .countries
            .iter()
            .map(|(k, n)| (k.clone(), n[lang_idx(lang)].clone()))
            .collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    }

    pub fn codes_of(&self, list: i64) -> &[String] {
        self.lists.get(&list).map(|v| v.as_slice()).unwrap_or(&[])
    }
}

//! Country names to ISO codes: normalisation, name variants, the resolver.

use super::*;

// --------------------------------------------------------------- countries --

/// Lower-case, ASCII-folded, punctuation-free form of a country name: `Côte d'Ivoire`,
/// `COTE D IVOIRE` and `Cote d’Ivoire` all become `cote d ivoire`; `&` reads `and`, `St`
/// reads `saint`, a leading/trailing `the` and UNTERM's `(the)` and `*` are dropped.
pub fn normalize_name(s: &str) -> String {
    let s = decode_entities(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            c => c,
        };
        if c == '&' {
            out.push_str(" and ");
        } else if c.is_alphanumeric() {
            out.push(c);
        } else {
            out.push(' ');
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let mut words: Vec<&str> = words
        .into_iter()
        .map(|w| if w == "st" { "saint" } else { w })
        .collect();
    // "(the)" of UNTERM names and a leading "the".
    if words.last() == Some(&"the") {
        words.pop();
    }
    if words.first() == Some(&"the") {
        words.remove(0);
    }
    words.join(" ")
}

/// `&#40;Unknown&#41;` → `(Unknown)`, `&amp;` → `&` (UPR Info left some HTML entities).
pub fn decode_entities(s: &str) -> String {
    crate::entities::decode(s, 8)
}

/// Names met in the wild (UPR Info, UHRI, older UN usage) for States whose current
/// UNTERM short name differs.
pub const NAME_VARIANTS: &[(&str, &str)] = &[
    ("Cape Verde", "CPV"),
    ("Cote d'Ivoire", "CIV"),
    ("Ivory Coast", "CIV"),
    ("Czech Republic", "CZE"),
    ("DPR Korea", "PRK"),
    ("DPRK", "PRK"),
    ("North Korea", "PRK"),
    ("South Korea", "KOR"),
    ("Korea", "KOR"),
    ("Democratic Republic of Congo", "COD"),
    ("DR Congo", "COD"),
    ("DRC", "COD"),
    ("Congo, Democratic Republic of the", "COD"),
    ("Republic of Congo", "COG"),
    ("Congo-Brazzaville", "COG"),
    ("Laos", "LAO"),
    ("Lao PDR", "LAO"),
    ("Macedonia FYR", "MKD"),
    ("The former Yugoslav Republic of Macedonia", "MKD"),
    ("Macedonia", "MKD"),
    ("FYROM", "MKD"),
    ("Moldova", "MDA"),
    ("Palestine", "PSE"),
    ("State of Palestine", "PSE"),
    ("Swaziland", "SWZ"),
    ("Syria", "SYR"),
    ("Tanzania", "TZA"),
    ("Turkey", "TUR"),
    ("Turkiye", "TUR"),
    ("United Kingdom", "GBR"),
    ("UK", "GBR"),
    ("Great Britain", "GBR"),
    ("United States", "USA"),
    ("USA", "USA"),
    ("United States of America", "USA"),
    ("Vietnam", "VNM"),
    ("Russia", "RUS"),
    ("Iran", "IRN"),
    ("Bolivia", "BOL"),
    ("Venezuela", "VEN"),
    ("Micronesia", "FSM"),
    ("Guinea Bissau", "GNB"),
    ("Timor Leste", "TLS"),
    ("East Timor", "TLS"),
    ("Burma", "MMR"),
    ("Brunei", "BRN"),
    ("Holy See", "VAT"),
    ("Vatican", "VAT"),
    ("Sao Tome", "STP"),
    ("Netherlands", "NLD"),
    ("Kyrgyz Republic", "KGZ"),
    ("Slovak Republic", "SVK"),
    ("Gambia", "GMB"),
    ("Bahamas", "BHS"),
];

/// Resolves country names (any of the UN languages, codes, known variants) to ISO 3166-1
/// alpha-3 codes.
#[derive(Debug, Clone, Default)]
pub struct CountryResolver {
    map: HashMap<String, String>,
}

impl CountryResolver {
    /// `entries`: (iso3, iso2, names in any language). A name that is ambiguous after
    /// normalisation (two countries) is dropped rather than guessed.
    pub fn new<I, N>(entries: I) -> Self
    where
        I: IntoIterator<Item = (String, String, N)>,
        N: IntoIterator<Item = String>,
    {
        let mut map: HashMap<String, String> = HashMap::new();
        let mut ambiguous: Vec<String> = Vec::new();
        let mut add = |k: String, iso3: &str, map: &mut HashMap<String, String>| {
            if k.is_empty() {
                return;
            }
            match map.get(&k) {
                Some(v) if v != iso3 => ambiguous.push(k),
                Some(_) => {}
                None => {
                    map.insert(k, iso3.to_string());
                }
            }
        };
        let mut codes = Vec::new();
        for (iso3, iso2, names) in entries {
            codes.push((iso3.clone(), iso2));
            for n in names {
                add(normalize_name(&n), &iso3, &mut map);
                // "Bolivia (Plurinational State of)" also answers to "Bolivia".
                if let Some(i) = n.find('(') {
                    let short = normalize_name(&n[..i]);
                    if !short.is_empty() && !n[i..].to_lowercase().starts_with("(the)") {
                        add(short, &iso3, &mut map);
                    }
                }
            }
        }
        for k in &ambiguous {
            map.remove(k);
        }
        for (v, iso3) in NAME_VARIANTS {
            map.insert(normalize_name(v), iso3.to_string());
        }
        for (iso3, iso2) in codes {
            map.insert(iso3.to_ascii_lowercase(), iso3.clone());
            map.entry(iso2.to_ascii_lowercase()).or_insert(iso3);
        }
        CountryResolver { map }
    }

    /// The ISO3 code of a name, if known.
    pub fn resolve(&self, name: &str) -> Option<&str> {
        self.map.get(&normalize_name(name)).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Whether a recommending-state cell says the state is not known (`(Unknown)`, blank).
pub fn is_unknown_marker(s: &str) -> bool {
    let n = normalize_name(s);
    n.is_empty() || n == "unknown" || n == "n a" || n == "none"
}

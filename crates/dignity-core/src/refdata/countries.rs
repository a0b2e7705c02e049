//! Countries and territories (`data/countries.csv`).

use super::*;

// --------------------------------------------------------------- countries --

/// The five regional groups of the UN General Assembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnRegionalGroup {
    /// African Group (`AFRICAN`).
    African,
    /// Asia-Pacific Group (`ASIA_PACIFIC`).
    AsiaPacific,
    /// Eastern European Group (`EEG`).
    Eeg,
    /// Latin American and Caribbean Group (`GRULAC`).
    Grulac,
    /// Western European and Others Group (`WEOG`).
    Weog,
}

impl UnRegionalGroup {
    /// All five groups.
    pub const ALL: [UnRegionalGroup; 5] = [
        UnRegionalGroup::African,
        UnRegionalGroup::AsiaPacific,
        UnRegionalGroup::Eeg,
        UnRegionalGroup::Grulac,
        UnRegionalGroup::Weog,
    ];

    /// The code used in `countries.csv` and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            UnRegionalGroup::African => "AFRICAN",
            UnRegionalGroup::AsiaPacific => "ASIA_PACIFIC",
            UnRegionalGroup::Eeg => "EEG",
            UnRegionalGroup::Grulac => "GRULAC",
            UnRegionalGroup::Weog => "WEOG",
        }
    }

    /// The English name of the group.
    pub fn name(self) -> &'static str {
        match self {
            UnRegionalGroup::African => "African Group",
            UnRegionalGroup::AsiaPacific => "Asia-Pacific Group",
            UnRegionalGroup::Eeg => "Eastern European Group",
            UnRegionalGroup::Grulac => "Latin American and Caribbean Group",
            UnRegionalGroup::Weog => "Western European and Others Group",
        }
    }

    /// Parses a code as written by [`UnRegionalGroup::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// A country or territory (ISO 3166-1), with UN M49 regions, names in the
/// six UN languages, UN membership and regional group. The names are UNTERM's short names
/// as UNTERM writes them (with its bracketed article, e.g. "Philippines (the)"), without
/// UNTERM's footnote marks (the parser refuses a `*`); territories UNTERM does not list
/// carry the UN M49 names. `docs/reference-data.md` ("Names") has the sources and every
/// disagreement between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2, e.g. `NA` (Namibia: never read it as "missing").
    pub iso2: String,
    /// ISO 3166-1 alpha-3, e.g. `NAM`.
    pub iso3: String,
    /// ISO 3166-1 numeric / M49 code, three digits with leading zeros.
    pub numeric: String,
    pub name_en: String,
    pub name_fr: String,
    pub name_es: String,
    pub name_ar: String,
    pub name_ru: String,
    pub name_zh: String,
    /// M49 region code (three digits), e.g. `002` Africa. None for Antarctica.
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    /// M49 sub-region code, e.g. `202` Sub-Saharan Africa.
    pub subregion_code: Option<String>,
    pub subregion_name: Option<String>,
    /// M49 intermediate region code, e.g. `014` Eastern Africa.
    pub intermediate_region_code: Option<String>,
    pub intermediate_region_name: Option<String>,
    /// One of the 193 UN member states.
    pub un_member: bool,
    /// Regional group; Some exactly for UN members.
    pub un_regional_group: Option<UnRegionalGroup>,
}

impl Country {
    /// The name in a language (`en`, `fr`, `es`, `ar`, `ru`, `zh`); English otherwise.
    pub fn name(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.name_en,
            &self.name_fr,
            &self.name_es,
            &self.name_ar,
            &self.name_ru,
            &self.name_zh,
        )
    }
}

const COUNTRY_COLUMNS: &[&str] = &[
    "iso2",
    "iso3",
    "numeric",
    "name_en",
    "name_fr",
    "name_es",
    "name_ar",
    "name_ru",
    "name_zh",
    "region_code",
    "region_name",
    "subregion_code",
    "subregion_name",
    "intermediate_region_code",
    "intermediate_region_name",
    "un_member",
    "un_regional_group",
];

/// Parses `data/countries.csv`.
pub fn parse_countries(text: &str) -> Result<Vec<Country>, RefDataError> {
    let mut out = Vec::new();
    let mut seen: [HashSet<String>; 3] = Default::default();
    read_csv(text, COUNTRY_COLUMNS, |row| {
        let iso2 = row.required("iso2")?;
        if !is_upper_code(&iso2, 2) {
            return Err(row.err(
                "iso2",
                format!("expected two capital letters, got {iso2:?}"),
            ));
        }
        let iso3 = row.required("iso3")?;
        if !is_upper_code(&iso3, 3) {
            return Err(row.err(
                "iso3",
                format!("expected three capital letters, got {iso3:?}"),
            ));
        }
        let numeric = row.required("numeric")?;
        if !is_digits(&numeric, 3) {
            return Err(row.err("numeric", format!("expected three digits, got {numeric:?}")));
        }
        for (i, (field, value)) in [("iso2", &iso2), ("iso3", &iso3), ("numeric", &numeric)]
            .into_iter()
            .enumerate()
        {
            if !seen[i].insert(value.clone()) {
                return Err(row.err(field, format!("duplicate {value:?}")));
            }
        }
        let code_name =
            |code: &str, name: &str| -> Result<(Option<String>, Option<String>), RefDataError> {
                let c = row.optional(code);
                let n = row.optional(name);
                if let Some(c) = &c {
                    if !is_digits(c, 3) {
                        return Err(row.err(code, format!("expected three digits, got {c:?}")));
                    }
                }
                match (&c, &n) {
                    (Some(_), None) => Err(row.err(name, "missing while the code is given")),
                    (None, Some(_)) => Err(row.err(code, "missing while the name is given")),
                    _ => Ok((c, n)),
                }
            };
        let (region_code, region_name) = code_name("region_code", "region_name")?;
        let (subregion_code, subregion_name) = code_name("subregion_code", "subregion_name")?;
        let (intermediate_region_code, intermediate_region_name) =
            code_name("intermediate_region_code", "intermediate_region_name")?;
        let un_member = match row.get("un_member") {
            "1" => true,
            "0" => false,
            other => return Err(row.err("un_member", format!("expected 0 or 1, got {other:?}"))),
        };
        let group = row.get("un_regional_group");
        let un_regional_group = match (un_member, group) {
            (true, "") => return Err(row.err("un_regional_group", "required for a UN member")),
            (false, "") => None,
            (false, g) => {
                return Err(row.err("un_regional_group", format!("{g:?} given for a non-member")))
            }
            (true, g) => Some(UnRegionalGroup::from_code(g).ok_or_else(|| {
                row.err(
                    "un_regional_group",
                    format!(
                        "unknown group {g:?} (expected AFRICAN, ASIA_PACIFIC, EEG, GRULAC or WEOG)"
                    ),
                )
            })?),
        };
        let name = |field: &str| -> Result<String, RefDataError> {
            let n = row.required(field)?;
            if n.contains('*') {
                return Err(row.err(
                    field,
                    format!("{n:?} carries a footnote mark: ship the name without it"),
                ));
            }
            Ok(n)
        };
        out.push(Country {
            name_en: name("name_en")?,
            name_fr: name("name_fr")?,
            name_es: name("name_es")?,
            name_ar: name("name_ar")?,
            name_ru: name("name_ru")?,
            name_zh: name("name_zh")?,
            iso2,
            iso3,
            numeric,
            region_code,
            region_name,
            subregion_code,
            subregion_name,
            intermediate_region_code,
            intermediate_region_name,
            un_member,
            un_regional_group,
        });
        Ok(())
    })?;
    Ok(out)
}

//! The special procedures' mandates (`data/special-procedures/mandates.csv`): each row a
//! mandate with the resolution that established it, the source it was read from and when.

use super::*;
use chrono::Datelike;

/// A mandate of the special procedures as shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedMandate {
    /// Dignity's short code, e.g. `SR-TORTURE-CIDT`.
    pub code: String,
    /// The mandate's title as OHCHR writes it.
    pub name: String,
    /// `thematic` or `country`.
    pub kind: String,
    /// The State of a country mandate.
    pub iso3: Option<String>,
    /// The establishing resolution as its body numbers it (`CHR res. 1985/33`, `HRC res. 16/9`,
    /// `ECOSOC res. 1982/35`); `None` where no source read gives it (never guessed).
    pub resolution: Option<String>,
    /// The year the mandate was established.
    pub established: u16,
    /// Where the row's facts were read.
    pub source_url: String,
    /// The day the source was read (`YYYY-MM-DD`).
    pub as_of: NaiveDate,
    pub note: Option<String>,
}

const MANDATE_COLUMNS: &[&str] = &[
    "code",
    "name",
    "kind",
    "iso3",
    "resolution",
    "established",
    "source_url",
    "as_of",
    "note",
];

/// The forms a resolution of the bodies that establish mandates takes: the Commission on
/// Human Rights (`1985/33`, or a session numbering such as `20 (XXXVI)`), the Human Rights
/// Council (`16/9`, `S-17/1`), the Economic and Social Council and the General Assembly.
pub fn is_resolution(r: &str) -> bool {
    let Some((body, number)) = r.split_once(" res. ") else {
        return false;
    };
    ["CHR", "HRC", "ECOSOC", "GA"].contains(&body)
        && !number.is_empty()
        && number
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == 'S')
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " /()-".contains(c))
}

/// Parses the shipped mandates: unique codes, a kind, a State (of `countries`) exactly for
/// country mandates, a resolution in a known form or empty, a year, a source URL and the
/// day it was read.
pub fn parse_mandates(
    text: &str,
    countries: &[Country],
) -> Result<Vec<ShippedMandate>, RefDataError> {
    let known: HashSet<&str> = countries.iter().map(|c| c.iso3.as_str()).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    read_csv(text, MANDATE_COLUMNS, |row| {
        let code = row.required("code")?;
        if !code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(row.err("code", "capitals, digits and hyphens only"));
        }
        if !seen.insert(code.clone()) {
            return Err(row.err("code", format!("duplicate code {code}")));
        }
        let kind = row.required("kind")?;
        let iso3 = row.optional("iso3");
        match (kind.as_str(), &iso3) {
            ("thematic", None) => {}
            ("country", Some(c)) if known.contains(c.as_str()) => {}
            ("country", Some(c)) => return Err(row.err("iso3", format!("unknown State {c}"))),
            ("country", None) => return Err(row.err("iso3", "a country mandate needs its State")),
            ("thematic", Some(_)) => return Err(row.err("iso3", "a thematic mandate has no State")),
            _ => return Err(row.err("kind", "thematic or country")),
        }
        let resolution = row.optional("resolution");
        if let Some(r) = &resolution {
            if !is_resolution(r) {
                return Err(row.err(
                    "resolution",
                    format!("{r:?} is not `CHR|HRC|ECOSOC|GA res. NUMBER`"),
                ));
            }
        }
        let established: u16 = row.parse("established", "a year")?;
        if !(1946..=2100).contains(&established) {
            return Err(row.err("established", "a year after 1946"));
        }
        let source_url = row.required("source_url")?;
        if !source_url.starts_with("https://") && !source_url.starts_with("http://") {
            return Err(row.err("source_url", "a web address"));
        }
        let as_of = NaiveDate::parse_from_str(row.get("as_of"), "%Y-%m-%d")
            .map_err(|_| row.err("as_of", "a day, YYYY-MM-DD"))?;
        if (as_of.year() as u16) < established {
            return Err(row.err("as_of", "read before the mandate existed"));
        }
        out.push(ShippedMandate {
            code,
            name: row.required("name")?,
            kind,
            iso3,
            resolution,
            established,
            source_url,
            as_of,
            note: row.optional("note"),
        });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped_mandates() -> Vec<ShippedMandate> {
        let countries = parse_countries(shipped::COUNTRIES_CSV).unwrap();
        parse_mandates(shipped::SP_MANDATES_CSV, &countries).unwrap()
    }

    fn get<'a>(all: &'a [ShippedMandate], code: &str) -> &'a ShippedMandate {
        all.iter().find(|m| m.code == code).unwrap()
    }

    /// Facts read by hand from the sources, checked against the shipped file.
    #[test]
    fn shipped_mandates_agree_with_facts_read_by_hand() {
        let all = shipped_mandates();
        let fact = |code: &str, res: &str, year: u16, iso3: Option<&str>| {
            let m = get(&all, code);
            assert_eq!(m.resolution.as_deref(), Some(res), "{code}");
            assert_eq!(m.established, year, "{code}");
            assert_eq!(m.iso3.as_deref(), iso3, "{code}");
            assert_eq!(
                m.kind,
                if iso3.is_some() {
                    "country"
                } else {
                    "thematic"
                }
            );
        };
        // https://www.ohchr.org/en/special-procedures/sr-executions/about-mandate: "The
        // Commission on Human Rights, in its resolution 20 (XXXVI), of 29 February 1980,
        // established the Working Group on Enforced or Involuntary Disappearances."
        fact("WG-DISAPPEARANCES", "CHR res. 20 (XXXVI)", 1980, None);
        // Same page: the Commission's 1982/29 was "adopted by the Economic and Social
        // Council as resolution 1982/35 and established the mandate": ECOSOC, not the CHR.
        fact("SR-EXECUTIONS", "ECOSOC res. 1982/35", 1982, None);
        // https://previous.ohchr.org/FR/Issues/Torture/SRTorture/Pages/SRTortureIndex.aspx:
        // "Dans sa résolution 1985/33, la Commission des droits de l'homme a décidé de nommer
        // un rapporteur spécial".
        fact("SR-TORTURE-CIDT", "CHR res. 1985/33", 1985, None);
        // https://www.ohchr.org/sp/issues/detention/pages/wgadindex.aspx: "creado por la
        // resolución 1991/42 de la antigua Comisión de Derechos Humanos".
        fact("WG-ARBITRARY-DETENTION", "CHR res. 1991/42", 1991, None);
        // https://www.ohchr.org/en/special-procedures/sr-human-rights-defenders/mandate:
        // "established in 2000 by the Commission on Human Rights (E/CN.4/RES/2000/61)".
        fact("SR-HR-DEFENDERS", "CHR res. 2000/61", 2000, None);
        // https://web.test.ohchr.un-icc.cloud/en/special-procedures/sr-privacy/mandate:
        // "After being established in 2015 (A/HRC/RES/28/16)".
        fact("SR-PRIVACY", "HRC res. 28/16", 2015, None);
        // https://docslib.org/doc/3766769/general-assembly-distr-general-5-september-2008
        // (A/63/341): "In its resolution 1992/58, the Commission on Human Rights established
        // the mandate on the situation of human rights in Myanmar".
        fact("SR-MYANMAR", "CHR res. 1992/58", 1992, Some("MMR"));
        // https://pdfslide.us/documents/4dc1018e2.html (A/HRC/RES/16/9): "1. Decides to
        // appoint a special rapporteur on the situation of human rights in the Islamic
        // Republic of Iran".
        fact("SR-IRAN", "HRC res. 16/9", 2011, Some("IRN"));
        // https://web.test.ohchr.un-icc.cloud/en/special-procedures/sr-religion-or-belief/about-mandate:
        // "The United Nations Commission on Human Rights appointed further to resolution
        // 1986/20 a 'Special Rapporteur on religious intolerance'".
        fact("SR-RELIGION", "CHR res. 1986/20", 1986, None);
        // https://web.test.ohchr.un-icc.cloud/en/special-procedures/sr-freedom-of-assembly-and-association/mandate:
        // "In 2010, the Human Rights Council adopted resolution 15/21 … creating the mandate".
        fact("SR-ASSEMBLY-ASSOCIATION", "HRC res. 15/21", 2010, None);
        assert_eq!(all.len(), 15);
        // Every row says where it was read and when.
        for m in &all {
            assert!(m.source_url.starts_with("https://"), "{}", m.code);
            assert!(m.as_of >= NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        }
    }

    #[test]
    fn a_bad_row_names_its_line_and_field() {
        let countries = parse_countries(shipped::COUNTRIES_CSV).unwrap();
        let head = "code,name,kind,iso3,resolution,established,source_url,as_of,note\n";
        let bad = |row: &str| {
            parse_mandates(&format!("{head}{row}\n"), &countries)
                .unwrap_err()
                .field
                .unwrap()
        };
        let ok = "X,A mandate,thematic,,HRC res. 5/1,2007,https://example.org,2026-12-07,";
        assert_eq!(
            parse_mandates(&format!("{head}{ok}\n"), &countries)
                .unwrap()
                .len(),
            1
        );
        // An unknown resolution stays empty: allowed, never guessed.
        let unknown = "X,A mandate,thematic,,,2007,https://example.org,2026-12-07,";
        let m = parse_mandates(&format!("{head}{unknown}\n"), &countries).unwrap();
        assert_eq!(m[0].resolution, None);
        assert_eq!(
            bad("X,A,country,,HRC res. 5/1,2007,https://e.org,2026-12-07,"),
            "iso3"
        );
        assert_eq!(
            bad("X,A,country,ZZZ,HRC res. 5/1,2007,https://e.org,2026-12-07,"),
            "iso3"
        );
        assert_eq!(
            bad("X,A,thematic,,res 5/1,2007,https://e.org,2026-12-07,"),
            "resolution"
        );
        assert_eq!(
            bad("X,A,thematic,,HRC res. 5/1,07,https://e.org,2026-12-07,"),
            "established"
        );
        assert_eq!(
            bad("X,A,thematic,,HRC res. 5/1,2007,e.org,2026-12-07,"),
            "source_url"
        );
        assert_eq!(
            bad("X,A,thematic,,HRC res. 5/1,2007,https://e.org,2026-12,"),
            "as_of"
        );
        assert_eq!(
            bad("x,A,thematic,,HRC res. 5/1,2007,https://e.org,2026-12-07,"),
            "code"
        );
        assert_eq!(
            bad("X,A,other,,HRC res. 5/1,2007,https://e.org,2026-12-07,"),
            "kind"
        );
    }
}

//! Writes a synthetic UHRI-style export (the 16 OHCHR columns) of N recommendations for
//! the obligations benchmarks: `cargo run --release --example obligations_gen -- 300000 out.csv`.
//! Deterministic (fixed seed); names, bodies, themes and groups drawn from realistic lists.

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, v: &'a [&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
}

const BODIES: &[&str] = &[
    "UPR",
    "UPR",
    "UPR",
    "UPR",
    "CCPR",
    "CESCR",
    "CEDAW",
    "CERD",
    "CAT",
    "CRC",
    "CRPD",
    "CMW",
    "CED",
    "SPT",
    "SR on torture",
    "SR on freedom of expression",
    "WG on Arbitrary Detention",
    "IE on sexual orientation and gender identity",
];
const THEMES: &[&str] = &[
    "Torture and other cruel, inhuman or degrading treatment",
    "Women's rights",
    "Rights of the child",
    "Administration of justice",
    "Death penalty",
    "Freedom of expression",
    "Freedom of association",
    "Human rights defenders",
    "Migrants",
    "Trafficking in persons",
    "Right to education",
    "Right to health",
    "Right to housing",
    "Right to food",
    "Indigenous peoples",
    "Persons with disabilities",
    "Minorities",
    "Racial discrimination",
    "Counter-terrorism",
    "Enforced disappearances",
    "National human rights institution",
    "Cooperation with treaty bodies",
    "Ratification of instruments",
    "Poverty",
    "Environment",
    "Corruption",
    "Gender-based violence",
    "Sexual orientation and gender identity",
    "Detention conditions",
    "Impunity",
    "Elections",
    "Refugees and asylum-seekers",
];
const GROUPS: &[&str] = &[
    "Women and girls",
    "Children",
    "Persons with disabilities",
    "Migrants",
    "Indigenous peoples",
    "Minorities",
    "Detainees",
    "Human rights defenders",
    "Journalists",
    "LGBTI persons",
    "Older persons",
    "Refugees",
    "Persons living in poverty",
];
const SDGS: &[&str] = &[
    "1.3 - Social protection",
    "4.1 - Free primary and secondary education",
    "5.1 - End discrimination against women and girls",
    "5.2 - Eliminate violence against women and girls",
    "8.7 - End forced labour and child labour",
    "10.3 - Equal opportunity",
    "16.1 - Reduce violence everywhere",
    "16.2 - Protect children from abuse",
    "16.3 - Promote the rule of law",
    "16.10 - Public access to information and fundamental freedoms",
    "16.a - Strengthen national institutions",
];
const VERBS: &[&str] = &[
    "Adopt",
    "Ensure",
    "Strengthen",
    "Consider",
    "Take measures to",
    "Continue efforts to",
    "Establish",
    "Guarantee",
    "Investigate",
    "Ratify",
];
const WORDS: &[&str] = &[
    "comprehensive",
    "legislation",
    "effective",
    "measures",
    "protect",
    "promote",
    "independent",
    "mechanism",
    "victims",
    "access",
    "justice",
    "allegations",
    "torture",
    "detention",
    "police",
    "women",
    "children",
    "discrimination",
    "violence",
    "domestic",
    "national",
    "plan",
    "action",
    "human",
    "rights",
    "education",
    "training",
    "officials",
    "prosecute",
    "perpetrators",
    "freedom",
    "expression",
    "journalists",
    "defenders",
    "civil",
    "society",
    "migrants",
    "asylum",
    "trafficking",
    "disabilities",
    "health",
    "housing",
    "indigenous",
    "land",
    "consultation",
    "budget",
    "implementation",
    "monitoring",
    "data",
    "reparation",
];

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let out = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "uhri-synthetic.csv".into());
    let countries =
        dignity_core::refdata::parse_countries(dignity_core::refdata::shipped::COUNTRIES_CSV)
            .expect("shipped countries");
    let names: Vec<String> = countries
        .iter()
        .filter(|c| c.un_member)
        .map(|c| c.name_en.trim_end_matches(" *").to_string())
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let mut csv = csv::Writer::from_writer(&mut w);
    csv.write_record(dignity_core::obligations::UHRI_COLUMNS)?;
    for i in 0..n {
        let body = rng.pick(BODIES);
        let country = names[(rng.next() % names.len() as u64) as usize].clone();
        let len = 12 + (rng.next() % 30) as usize;
        let mut text = format!("{} ", rng.pick(VERBS));
        // A third of the words from the common list, the rest from a long tail (a Zipf-like
        // draw over 20,000 terms), so that a word matches a realistic share of texts.
        for _ in 0..len {
            if rng.next().is_multiple_of(3) {
                text.push_str(rng.pick(WORDS));
            } else {
                let r = rng.next() % 20_000 + 1;
                let k = rng.next() % r;
                text.push_str(&format!("term{k}"));
            }
            text.push(' ');
        }
        text.push_str(&format!("(ref {i})."));
        let themes: Vec<String> = (0..1 + rng.next() % 3)
            .map(|_| format!("- {}", rng.pick(THEMES)))
            .collect();
        let affected: Vec<String> = (0..rng.next() % 3)
            .map(|_| format!("- {}", rng.pick(GROUPS)))
            .collect();
        let sdgs: Vec<String> = (0..rng.next() % 3)
            .map(|_| format!("- {}", rng.pick(SDGS)))
            .collect();
        let year = 2008 + rng.next() % 17;
        let date = format!(
            "{year}-{:02}-{:02}",
            1 + rng.next() % 12,
            1 + rng.next() % 28
        );
        let (from, position, session, symbol) = if body == "UPR" {
            let session = 1 + rng.next() % 46;
            (
                format!("- {}", names[(rng.next() % names.len() as u64) as usize]),
                if rng.next().is_multiple_of(4) {
                    "Noted"
                } else {
                    "Supported"
                }
                .to_string(),
                session.to_string(),
                format!("A/HRC/{}/{}", 8 + session / 2, 1 + rng.next() % 20),
            )
        } else {
            (
                String::new(),
                String::new(),
                String::new(),
                format!(
                    "{}/C/{}/CO/{}",
                    body.split(' ').next().unwrap_or(body),
                    &country.chars().take(3).collect::<String>().to_uppercase(),
                    1 + rng.next() % 9
                ),
            )
        };
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rng.next() as u32,
            rng.next() as u16,
            rng.next() % 4096,
            rng.next() % 4096,
            rng.next() % (1 << 48)
        );
        csv.write_record([
            text.as_str(),
            &format!("- {country}"),
            body,
            &symbol,
            &themes.join("\n"),
            &affected.join("\n"),
            &sdgs.join("\n"),
            &date,
            &from,
            &position,
            if rng.next().is_multiple_of(3) {
                "Concerns/Observations"
            } else {
                "Recommendations"
            },
            &id,
            &session,
            "",
            "",
            &date,
        ])?;
    }
    csv.flush()?;
    eprintln!("wrote {n} rows to {out}");
    Ok(())
}

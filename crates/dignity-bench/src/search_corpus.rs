//! The synthetic multilingual corpus and query set of `dignity-bench search`, shared by every
//! engine measured.

use dignity_core::{Actor, Confidentiality, RecordAccess, Role};
use dignity_search::SearchRequest;
use dignity_store::search::SearchDoc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::Path;

// ---------------------------------------------------------------------- benchmark --

/// One synthetic record, as every engine gets it.
pub(crate) struct Rec {
    pub(crate) id: i64,
    pub(crate) record_type: &'static str,
    pub(crate) lang: &'static str,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) names: Vec<String>,
    pub(crate) country: &'static str,
    pub(crate) year: i32,
    pub(crate) month: Option<u32>,
    pub(crate) act_type: &'static str,
    pub(crate) perpetrator: &'static str,
    pub(crate) sex: &'static str,
    pub(crate) age: &'static str,
    pub(crate) level: Confidentiality,
    pub(crate) published: bool,
    pub(crate) created_by: i64,
    pub(crate) acl_users: Vec<i64>,
    pub(crate) acl_teams: Vec<i64>,
}

pub(crate) struct Lang {
    pub(crate) code: &'static str,
    pub(crate) pg: &'static str,
    pub(crate) acts: &'static [&'static str],
    pub(crate) words: &'static [&'static str],
    pub(crate) title: &'static [&'static str],
}

pub(crate) const LANGS: &[(Lang, u32)] = &[
    (
        Lang {
            code: "en",
            pg: "english",
            acts: &[
                "torture",
                "arbitrary detention",
                "killing",
                "enforced disappearance",
                "beating",
                "threats",
                "forced eviction",
                "sexual violence",
                "abduction",
                "destruction of property",
            ],
            words: &[
                "police",
                "soldiers",
                "detained",
                "village",
                "witnesses",
                "reported",
                "family",
                "prison",
                "interrogation",
                "released",
                "court",
                "lawyer",
                "journalist",
                "protest",
                "night",
                "house",
                "checkpoint",
                "military",
                "officers",
                "beaten",
                "arrested",
                "student",
                "teacher",
                "hospital",
                "injuries",
                "complaint",
                "authorities",
                "investigation",
                "threatened",
                "women",
                "children",
                "camp",
                "border",
                "displaced",
                "school",
                "market",
                "mosque",
                "church",
                "farm",
                "land",
            ],
            title: &[
                "{act} of {n} people in {p}",
                "{act} reported near {p}",
                "{act} during a protest in {p}",
                "{act} at a checkpoint outside {p}",
            ],
        },
        40,
    ),
    (
        Lang {
            code: "fr",
            pg: "french",
            acts: &[
                "torture",
                "détention arbitraire",
                "meurtre",
                "disparition forcée",
                "passage à tabac",
                "menaces",
                "expulsion forcée",
                "violences sexuelles",
                "enlèvement",
                "destruction de biens",
            ],
            words: &[
                "police",
                "soldats",
                "détenus",
                "village",
                "témoins",
                "signalé",
                "famille",
                "prison",
                "interrogatoire",
                "libérés",
                "tribunal",
                "avocat",
                "journaliste",
                "manifestation",
                "nuit",
                "maison",
                "barrage",
                "militaires",
                "agents",
                "battus",
                "arrêtés",
                "étudiant",
                "enseignant",
                "hôpital",
                "blessures",
                "plainte",
                "autorités",
                "enquête",
                "menacés",
                "femmes",
                "enfants",
                "camp",
                "frontière",
                "déplacés",
                "école",
                "marché",
            ],
            title: &[
                "{act} de {n} personnes à {p}",
                "{act} signalée près de {p}",
                "{act} lors d'une manifestation à {p}",
            ],
        },
        20,
    ),
    (
        Lang {
            code: "es",
            pg: "spanish",
            acts: &[
                "tortura",
                "detención arbitraria",
                "asesinato",
                "desaparición forzada",
                "golpiza",
                "amenazas",
                "desalojo forzoso",
                "violencia sexual",
                "secuestro",
                "destrucción de bienes",
            ],
            words: &[
                "policía",
                "soldados",
                "detenidos",
                "pueblo",
                "testigos",
                "denunció",
                "familia",
                "cárcel",
                "interrogatorio",
                "liberados",
                "tribunal",
                "abogado",
                "periodista",
                "protesta",
                "noche",
                "casa",
                "retén",
                "militares",
                "agentes",
                "golpeados",
                "arrestados",
                "estudiante",
                "maestro",
                "hospital",
                "heridas",
                "denuncia",
                "autoridades",
                "investigación",
                "amenazados",
                "mujeres",
                "niños",
                "campamento",
                "frontera",
                "desplazados",
                "escuela",
            ],
            title: &[
                "{act} de {n} personas en {p}",
                "{act} denunciada cerca de {p}",
                "{act} durante una protesta en {p}",
            ],
        },
        15,
    ),
    (
        Lang {
            code: "ru",
            pg: "russian",
            acts: &[
                "пытки",
                "произвольное задержание",
                "убийство",
                "насильственное исчезновение",
                "избиение",
                "угрозы",
                "принудительное выселение",
                "сексуальное насилие",
                "похищение",
                "уничтожение имущества",
            ],
            words: &[
                "полиция",
                "солдаты",
                "задержанные",
                "деревня",
                "свидетели",
                "сообщили",
                "семья",
                "тюрьма",
                "допрос",
                "освобождены",
                "суд",
                "адвокат",
                "журналист",
                "протест",
                "ночью",
                "дом",
                "блокпост",
                "военные",
                "сотрудники",
                "избиты",
                "арестованы",
                "студент",
                "учитель",
                "больница",
                "травмы",
                "жалоба",
                "власти",
                "расследование",
                "женщины",
                "дети",
                "лагерь",
                "граница",
                "школа",
            ],
            title: &[
                "{act}: {n} человек в {p}",
                "{act} около {p}",
                "{act} во время протеста в {p}",
            ],
        },
        10,
    ),
    (
        Lang {
            code: "ar",
            pg: "arabic",
            acts: &[
                "التعذيب",
                "الاعتقال التعسفي",
                "القتل",
                "الاختفاء القسري",
                "الضرب",
                "التهديد",
                "الإخلاء القسري",
                "العنف الجنسي",
                "الاختطاف",
                "تدمير الممتلكات",
            ],
            words: &[
                "الشرطة",
                "الجنود",
                "المعتقلين",
                "القرية",
                "الشهود",
                "أفادت",
                "العائلة",
                "السجن",
                "الاستجواب",
                "أطلق",
                "المحكمة",
                "المحامي",
                "الصحفي",
                "الاحتجاج",
                "الليل",
                "المنزل",
                "الحاجز",
                "العسكريين",
                "الضباط",
                "ضربوا",
                "اعتقلوا",
                "الطالب",
                "المعلم",
                "المستشفى",
                "الإصابات",
                "الشكوى",
                "السلطات",
                "التحقيق",
                "النساء",
                "الأطفال",
                "المخيم",
                "الحدود",
                "المدرسة",
            ],
            title: &[
                "{act} بحق {n} أشخاص في {p}",
                "{act} قرب {p}",
                "{act} خلال احتجاج في {p}",
            ],
        },
        10,
    ),
    (
        Lang {
            code: "sq",
            pg: "simple",
            acts: &[
                "torturë",
                "ndalim arbitrar",
                "vrasje",
                "zhdukje me forcë",
                "rrahje",
                "kërcënime",
                "dëbim me forcë",
                "dhunë seksuale",
                "rrëmbim",
                "shkatërrim prone",
            ],
            words: &[
                "policia",
                "ushtarët",
                "të ndaluarit",
                "fshati",
                "dëshmitarët",
                "raportuan",
                "familja",
                "burgu",
                "marrja në pyetje",
                "liruan",
                "gjykata",
                "avokati",
                "gazetari",
                "protesta",
                "natën",
                "shtëpia",
                "pika kontrollit",
                "ushtarakët",
                "zyrtarët",
                "studenti",
                "mësuesi",
                "spitali",
                "plagët",
                "ankesa",
                "autoritetet",
                "hetimi",
                "gratë",
                "fëmijët",
                "kufiri",
                "shkolla",
            ],
            title: &["{act} ndaj {n} personave në {p}", "{act} pranë {p}"],
        },
        5,
    ),
];

pub(crate) const ACT_CODES: [&str; 10] = [
    "torture",
    "arbitrary_detention",
    "killing",
    "enforced_disappearance",
    "ill_treatment",
    "threats",
    "forced_eviction",
    "sexual_violence",
    "abduction",
    "property_destruction",
];
pub(crate) const PLACES: &[&str] = &[
    "Pristina",
    "Mitrovica",
    "Aleppo",
    "Homs",
    "Bamako",
    "Gao",
    "Guerrero",
    "Oaxaca",
    "Grozny",
    "Kharkiv",
    "Mosul",
    "Tripoli",
    "Goma",
    "Juba",
    "Kabul",
    "Tigray",
    "Cauca",
    "Rakhine",
    "Darfur",
    "Sana'a",
];
pub(crate) const COUNTRIES: &[(&str, u32)] = &[
    ("SRB", 8),
    ("SYR", 12),
    ("MLI", 6),
    ("MEX", 10),
    ("RUS", 6),
    ("UKR", 8),
    ("IRQ", 8),
    ("LBY", 4),
    ("COD", 8),
    ("SSD", 4),
    ("AFG", 6),
    ("ETH", 5),
    ("COL", 7),
    ("MMR", 5),
    ("SDN", 5),
    ("YEM", 4),
];
pub(crate) const FIRST: &[&str] = &[
    "Ana",
    "Dragan",
    "Milica",
    "Jovan",
    "Arben",
    "Drita",
    "Mohammed",
    "Muhammad",
    "Mohamed",
    "Fatima",
    "Ahmed",
    "Aisha",
    "Hassan",
    "Omar",
    "Moussa",
    "Aminata",
    "José",
    "María",
    "Juan",
    "Guadalupe",
    "Ivan",
    "Olga",
    "Sergei",
    "Natalia",
    "Oksana",
    "Taras",
    "Hawa",
    "Abdullah",
    "Khalid",
    "Yusuf",
];
pub(crate) const LAST: &[&str] = &[
    "Jovanović",
    "Jovanoviq",
    "Петровић",
    "Petrović",
    "Nikolić",
    "Krasniqi",
    "Hoxha",
    "Berisha",
    "Al-Hassan",
    "Haddad",
    "Khalil",
    "Traoré",
    "Diallo",
    "Keita",
    "López",
    "García",
    "Hernández",
    "Martínez",
    "Иванов",
    "Петров",
    "Смирнова",
    "Kovalenko",
    "Shevchenko",
    "محمد",
    "الحسن",
    "حداد",
    "Mutombo",
    "Deng",
    "Ahmadi",
    "Mohammadi",
];

pub(crate) fn pick<T: Copy>(rng: &mut StdRng, xs: &[T]) -> T {
    xs[rng.gen_range(0..xs.len())]
}

pub(crate) fn weighted_copy<T: Copy>(rng: &mut StdRng, xs: &[(T, u32)]) -> T {
    *weighted(rng, xs)
}

pub(crate) fn weighted<'a, T>(rng: &mut StdRng, xs: &'a [(T, u32)]) -> &'a T {
    let total: u32 = xs.iter().map(|x| x.1).sum();
    let mut r = rng.gen_range(0..total);
    for (x, w) in xs {
        if r < *w {
            return x;
        }
        r -= w;
    }
    &xs[0].0
}

pub(crate) fn corpus(n: usize) -> impl Iterator<Item = Rec> {
    let mut rng = StdRng::seed_from_u64(42);
    (0..n).map(move |i| {
        let lang = weighted(&mut rng, LANGS);
        let a = rng.gen_range(0..10);
        let act = lang.acts[a];
        let place = pick(&mut rng, PLACES);
        let title = pick(&mut rng, lang.title)
            .replace("{act}", act)
            .replace("{n}", &rng.gen_range(2..40).to_string())
            .replace("{p}", place);
        let mut body = String::new();
        let words = rng.gen_range(20..60);
        for k in 0..words {
            if k == words / 2 {
                body.push_str(act);
            } else {
                body.push_str(pick(&mut rng, lang.words));
            }
            body.push(if k % 9 == 8 { '.' } else { ' ' });
        }
        body.push_str(place);
        let names = (0..rng.gen_range(1..4))
            .map(|_| format!("{} {}", pick(&mut rng, FIRST), pick(&mut rng, LAST)))
            .collect();
        let level = match rng.gen_range(0..100) {
            0..=49 => Confidentiality::Public,
            50..=79 => Confidentiality::Internal,
            80..=94 => Confidentiality::Confidential,
            _ => Confidentiality::StrictlyConfidential,
        };
        let restricted = level.needs_list();
        Rec {
            id: i as i64 + 1,
            record_type: if rng.gen_bool(0.3) { "event" } else { "act" },
            lang: lang.code,
            title,
            body,
            names,
            country: weighted_copy(&mut rng, COUNTRIES),
            year: rng.gen_range(1990..2025),
            month: rng.gen_bool(0.6).then(|| rng.gen_range(1..13)),
            act_type: ACT_CODES[a],
            perpetrator: pick(
                &mut rng,
                &[
                    "state_police",
                    "state_military",
                    "armed_group",
                    "private",
                    "unknown",
                ],
            ),
            sex: pick(&mut rng, &["female", "male", "unknown"]),
            age: pick(&mut rng, &["child", "youth", "adult", "elderly"]),
            level,
            published: level == Confidentiality::Public && rng.gen_bool(0.7),
            created_by: rng.gen_range(1..51),
            acl_users: if restricted {
                (0..rng.gen_range(0..3))
                    .map(|_| rng.gen_range(1..51))
                    .collect()
            } else {
                vec![]
            },
            acl_teams: if restricted && rng.gen_bool(0.5) {
                vec![rng.gen_range(1..11)]
            } else {
                vec![]
            },
        }
    })
}

pub(crate) fn search_doc(r: &Rec) -> SearchDoc {
    let mut access = RecordAccess::new(r.level);
    access.published = r.published;
    access.created_by = Some(r.created_by);
    access.need_to_know_users = r.acl_users.clone();
    access.need_to_know_teams = r.acl_teams.clone();
    let mut d = SearchDoc::new(r.record_type, &r.id.to_string(), &r.title, access)
        .text(r.lang, &r.title, &r.body)
        .facet("act_type", r.act_type)
        .facet("perpetrator_type", r.perpetrator)
        .facet("victim_sex", r.sex)
        .facet("victim_age_group", r.age);
    d.names = r.names.clone();
    d.country = Some(r.country.to_string());
    let (m1, m2) = r.month.map(|m| (m, m)).unwrap_or((1, 12));
    d.date_from = chrono::NaiveDate::from_ymd_opt(r.year, m1, 1);
    d.date_to = chrono::NaiveDate::from_ymd_opt(r.year, m2, 28);
    d
}

/// One query of the mixed set.
#[derive(Clone)]
pub(crate) struct Q {
    pub(crate) text: String,
    pub(crate) country: Option<&'static str>,
    pub(crate) act_type: Option<&'static str>,
    pub(crate) years: Option<(i32, i32)>,
}

impl Q {
    /// The kind of query, for the latency by kind.
    pub(crate) fn kind(&self) -> &'static str {
        match (
            self.text.is_empty(),
            self.years.is_some(),
            self.country.or(self.act_type).is_some(),
        ) {
            (true, _, _) => "country + five years, no words",
            (false, _, true) => "word + country or type of act",
            _ if self.text.contains(' ') => "two words",
            _ if LAST.contains(&self.text.as_str()) => "surname",
            _ => "one word",
        }
    }
}

pub(crate) fn queries(n: usize) -> Vec<Q> {
    let mut rng = StdRng::seed_from_u64(7);
    (0..n)
        .map(|i| {
            let lang = weighted(&mut rng, LANGS);
            let word = |rng: &mut StdRng| -> String {
                if rng.gen_bool(0.5) {
                    pick(rng, lang.acts).split(' ').next().unwrap().to_string()
                } else {
                    pick(rng, lang.words).split(' ').next().unwrap().to_string()
                }
            };
            let mut q = Q {
                text: String::new(),
                country: None,
                act_type: None,
                years: None,
            };
            match i % 20 {
                0..=7 => q.text = word(&mut rng),
                8..=11 => q.text = format!("{} {}", word(&mut rng), word(&mut rng)),
                12..=14 => q.text = pick(&mut rng, LAST).to_string(),
                15..=17 => {
                    q.text = word(&mut rng);
                    if rng.gen_bool(0.5) {
                        q.country = Some(weighted_copy(&mut rng, COUNTRIES));
                    } else {
                        q.act_type = Some(pick(&mut rng, &ACT_CODES));
                    }
                }
                _ => {
                    q.country = Some(weighted_copy(&mut rng, COUNTRIES));
                    let y = rng.gen_range(1990..2020);
                    q.years = Some((y, y + 4));
                }
            }
            q
        })
        .collect()
}

pub(crate) fn request(q: &Q) -> SearchRequest {
    let mut filters = BTreeMap::new();
    if let Some(c) = q.country {
        filters.insert("country".to_string(), vec![c.to_string()]);
    }
    if let Some(a) = q.act_type {
        filters.insert("act_type".to_string(), vec![a.to_string()]);
    }
    SearchRequest {
        q: q.text.clone(),
        filters,
        year_from: q.years.map(|y| y.0),
        year_to: q.years.map(|y| y.1),
        lang: "en".into(),
        limit: 20,
        ..Default::default()
    }
}

/// The reader of every measured query: an analyst in team 3.
pub(crate) fn reader() -> Actor {
    Actor {
        user_id: Some(7),
        username: "bench".into(),
        role: Role::Analyst,
        teams: vec![3],
    }
}

pub(crate) fn dir_size(p: &Path) -> u64 {
    let mut n = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let m = e.metadata().unwrap();
            n += if m.is_dir() {
                dir_size(&e.path())
            } else {
                m.len()
            };
        }
    }
    n
}

/// The 1-minute load average of the machine (`/proc/loadavg`), for the reports.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(String::from))
        .unwrap_or_else(|| "?".into())
}

pub(crate) struct Line {
    pub(crate) engine: String,
    pub(crate) load_s: f64,
    pub(crate) size_mb: f64,
    pub(crate) lat: (f64, f64, f64, f64),
    pub(crate) hits: u64,
}

pub(crate) fn report(lines: &[Line], n: usize, q: usize) {
    println!(
        "\n## Search: {n} documents, {q} mixed queries (one client, in order); load average now {}\n",
        load_average()
    );
    println!("| engine | load + index (s) | docs/s | on disk (MB) | p50 (ms) | p95 (ms) | p99 (ms) | mean (ms) | total hits |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for l in lines {
        println!(
            "| {} | {:.1} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            l.engine,
            l.load_s,
            n as f64 / l.load_s,
            l.size_mb,
            l.lat.0,
            l.lat.1,
            l.lat.2,
            l.lat.3,
            l.hits
        );
    }
}

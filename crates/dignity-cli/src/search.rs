//! Search commands: `dignity reindex`, the wiring of the index into `serve`, and
//! `dignity bench search` (Dignity's index vs PostgreSQL full-text search vs SQLite FTS5
//! on one synthetic multilingual corpus).

use crate::bench_http::{percentiles, proc_status_mb, rss_mb};
use crate::config::Config;
use anyhow::{Context, Result};
use clap::Args;
use dignity_core::{Actor, Confidentiality, RecordAccess, Role};
use dignity_search::{IndexState, Search, SearchIndex, SearchOptions, SearchRequest};
use dignity_store::search::{BoxFuture, Indexer, Registry, SearchDoc};
use dignity_store::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Row;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct ReindexArgs {}

/// `dignity reindex`: rebuild the search index from the database, with a progress bar.
pub async fn reindex(cfg: &Config, _a: &ReindexArgs) -> Result<i32> {
    let _lock = dignity_store::DataDirLock::acquire(&cfg.data_dir)
        .context("stop `dignity serve` before rebuilding its search index")?;
    let store = Store::open(&cfg.open_options()).await?;
    dignity_store::refdata::load_shipped(&store).await?;
    let search = Search::new(&store, Registry::standard(), SearchOptions::default())?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} indexing [{bar:40}] {pos}/{len} records ({per_sec}, {eta} left)",
        )
        .expect("template")
        .progress_chars("=> "),
    );
    let r = search
        .rebuild(&|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    println!(
        "search index rebuilt: {} records in {:.1} s, up to audit entry {}",
        r.documents, r.seconds, r.seq
    );
    Ok(0)
}

/// Open the search index for `serve` and follow the database.
pub async fn attach(state: dignity_web::AppState) -> Result<dignity_web::AppState> {
    let t = Instant::now();
    let state = dignity_web::search::attach(state, Registry::standard())
        .await
        .context("cannot open the search index")?;
    if let Some(s) = &state.search {
        tracing::info!(
            documents = s.index().num_docs(),
            applied = s.applied(),
            seconds = t.elapsed().as_secs_f64(),
            "search index ready"
        );
        // Build the common permission sets and read the index files in the background:
        // start-up does not wait, the first searches find them ready.
        let s = s.clone();
        tokio::task::spawn_blocking(move || match s.index().warm_up() {
            Ok(w) => tracing::info!(
                segments = w.segments,
                mb = w.bytes / 1_000_000,
                seconds = w.seconds,
                "search index warmed up"
            ),
            Err(e) => tracing::warn!(error = %e, "search index warm-up failed"),
        });
    }
    Ok(state)
}

// ---------------------------------------------------------------------- benchmark --

#[derive(Args)]
pub struct BenchSearchArgs {
    /// Documents in the synthetic corpus.
    #[arg(long, default_value_t = 1_000_000)]
    pub docs: usize,
    /// Queries of the mixed query set (each engine runs the same list).
    #[arg(long, default_value_t = 2000)]
    pub queries: usize,
    /// Also measure PostgreSQL full-text search on this server (a fresh database is made).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Skip SQLite FTS5.
    #[arg(long)]
    pub no_sqlite: bool,
    /// Concurrent clients of the HTTP load test (0: skip it).
    #[arg(long, default_value_t = 200)]
    pub clients: usize,
    /// Seconds of the HTTP load test.
    #[arg(long, default_value_t = 20)]
    pub load_seconds: u64,
    /// Audited records to write for the catch-up measurement.
    #[arg(long, default_value_t = 10_000)]
    pub catch_up: usize,
    /// Indexing threads (the server default is 1; 2 = both cores of the reference machine).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Working directory (default: a new directory under the system temp dir, removed after).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// With `--work-dir`: keep the Dignity index a previous run left there when it holds
    /// `--docs` documents (query latency only; the load figures are then not measured).
    #[arg(long)]
    pub reuse_index: bool,
    /// Also build the same index with its files in clear (not encrypted) first, and report
    /// indexing rate, query p95 and memory of both side by side (what the encryption at
    /// rest costs).
    #[arg(long)]
    pub compare_clear: bool,
}

/// One synthetic record, as every engine gets it.
struct Rec {
    id: i64,
    record_type: &'static str,
    lang: &'static str,
    title: String,
    body: String,
    names: Vec<String>,
    country: &'static str,
    year: i32,
    month: Option<u32>,
    act_type: &'static str,
    perpetrator: &'static str,
    sex: &'static str,
    age: &'static str,
    level: Confidentiality,
    published: bool,
    created_by: i64,
    acl_users: Vec<i64>,
    acl_teams: Vec<i64>,
}

struct Lang {
    code: &'static str,
    pg: &'static str,
    acts: &'static [&'static str],
    words: &'static [&'static str],
    title: &'static [&'static str],
}

const LANGS: &[(Lang, u32)] = &[
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

const ACT_CODES: [&str; 10] = [
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
const PLACES: &[&str] = &[
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
const COUNTRIES: &[(&str, u32)] = &[
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
const FIRST: &[&str] = &[
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
const LAST: &[&str] = &[
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

fn pick<T: Copy>(rng: &mut StdRng, xs: &[T]) -> T {
    xs[rng.gen_range(0..xs.len())]
}

fn weighted_copy<T: Copy>(rng: &mut StdRng, xs: &[(T, u32)]) -> T {
    *weighted(rng, xs)
}

fn weighted<'a, T>(rng: &mut StdRng, xs: &'a [(T, u32)]) -> &'a T {
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

fn corpus(n: usize) -> impl Iterator<Item = Rec> {
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

fn search_doc(r: &Rec) -> SearchDoc {
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
struct Q {
    text: String,
    country: Option<&'static str>,
    act_type: Option<&'static str>,
    years: Option<(i32, i32)>,
}

impl Q {
    /// The kind of query, for the latency by kind.
    fn kind(&self) -> &'static str {
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

fn queries(n: usize) -> Vec<Q> {
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

fn request(q: &Q) -> SearchRequest {
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
fn reader() -> Actor {
    Actor {
        user_id: Some(7),
        username: "bench".into(),
        role: Role::Analyst,
        teams: vec![3],
    }
}

fn dir_size(p: &Path) -> u64 {
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

struct Line {
    engine: String,
    load_s: f64,
    size_mb: f64,
    lat: (f64, f64, f64, f64),
    hits: u64,
}

fn report(lines: &[Line], n: usize, q: usize) {
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

pub async fn bench(a: &BenchSearchArgs) -> Result<i32> {
    let own_dir = a.work_dir.is_none();
    let work = a
        .work_dir
        .clone()
        .unwrap_or_else(|| dignity_store::testing::temp_dir("dignity-bench-search"));
    std::fs::create_dir_all(&work)?;
    let data = work.join("data");
    let qs = queries(a.queries);
    let mut lines = Vec::new();
    println!("corpus: {} documents; work dir {}", a.docs, work.display());

    // --- Dignity (tantivy) ----------------------------------------------------------
    let store = Store::open(&dignity_store::OpenOptions::new(&data)).await?;
    let keys = store.keys();
    let index_dir = data.join("index");
    let mut at_rest = Vec::new();
    if a.compare_clear {
        // The same corpus and queries into an index whose files are not encrypted, first
        // (its mapped pages are given back when it is dropped, before the encrypted one
        // decrypts its files into the heap).
        let clear_dir = data.join("index-clear");
        let _ = std::fs::remove_dir_all(&clear_dir);
        let m = bench_dignity(a, &keys, &clear_dir, false, &qs, &mut lines)?;
        at_rest.push(m);
        let _ = std::fs::remove_dir_all(&clear_dir);
    }
    let m = bench_dignity(a, &keys, &index_dir, true, &qs, &mut lines)?;
    at_rest.push(m);
    if a.compare_clear {
        report_at_rest(&at_rest, a.docs);
    }
    report(&lines, a.docs, qs.len());

    // --- PostgreSQL full-text search -------------------------------------------------
    if let Some(url) = &a.postgres {
        match bench_postgres(url, a.docs, &qs).await {
            Ok(l) => lines.push(l),
            Err(e) => println!("PostgreSQL: {e:#}"),
        }
        report(&lines, a.docs, qs.len());
    }
    // --- SQLite FTS5 -------------------------------------------------------------------
    if !a.no_sqlite {
        match bench_sqlite(&work.join("fts.db"), a.docs, &qs).await {
            Ok(l) => lines.push(l),
            Err(e) => println!("SQLite FTS5: {e:#}"),
        }
        report(&lines, a.docs, qs.len());
    }

    // --- Catch-up: audited writes applied from the log -----------------------------------
    if a.catch_up > 0 {
        sqlx::query("CREATE TABLE IF NOT EXISTS bench_events (id INTEGER PRIMARY KEY, lang TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, confidentiality TEXT NOT NULL, published INTEGER NOT NULL, created_by INTEGER)")
            .execute(store.pool())
            .await?;
        let mut reg = Registry::new();
        reg.add(BenchIndexer);
        let search = Search::open(
            &store,
            reg.clone(),
            SearchOptions {
                dir: Some(index_dir.clone()),
                ..Default::default()
            },
        )
        .await?;
        drop(search);
        let t = Instant::now();
        for chunk in corpus(a.catch_up).collect::<Vec<_>>().chunks(100) {
            let mut tx = store.begin(&Actor::system()).await?;
            for r in chunk {
                sqlx::query("INSERT INTO bench_events (id, lang, title, body, confidentiality, published, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(10_000_000 + r.id)
                    .bind(r.lang)
                    .bind(&r.title)
                    .bind(&r.body)
                    .bind(r.level.as_str())
                    .bind(r.published as i64)
                    .bind(r.created_by)
                    .execute(tx.conn())
                    .await?;
                tx.audit(
                    "bench.create",
                    "bench_event",
                    &(10_000_000 + r.id).to_string(),
                    None,
                    None,
                    serde_json::json!({}),
                );
            }
            tx.commit().await?;
        }
        let write_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let search = Search::new(
            &store,
            reg,
            SearchOptions {
                dir: Some(index_dir.clone()),
                ..Default::default()
            },
        )?;
        let c = search.catch_up().await?;
        let cu = t.elapsed().as_secs_f64();
        println!(
            "\ncatch-up: {} audit entries written in {:.1} s without the index listening; applied at the next start in {:.2} s ({:.0} entries/s), {} documents indexed",
            c.entries, write_s, cu, c.entries as f64 / cu, c.indexed
        );
        drop(search);
    }
    store.close().await;

    // --- HTTP: the real server under concurrent clients -----------------------------------
    if a.clients > 0 {
        if let Err(e) = load_test(&data, &qs, a.clients, a.load_seconds).await {
            println!("load test: {e:#}");
        }
    }
    if own_dir {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(0)
}

/// What `--compare-clear` reports for one index.
struct AtRest {
    sealed: bool,
    load_s: f64,
    size_mb: f64,
    /// p95 of the first and second pass.
    p95: (f64, f64),
    open_s: f64,
    decrypted_mb: f64,
    rss_anon_mb: f64,
    rss_file_mb: f64,
}

fn report_at_rest(m: &[AtRest], n: usize) {
    println!(
        "\n## Search index at rest: clear vs encrypted, {n} documents; load average now {}\n",
        load_average()
    );
    println!("| index files | index (s) | docs/s | on disk (MB) | open (s) | p95 first pass (ms) | p95 second pass (ms) | decrypted in memory (MB) | RSS heap (MB) | RSS mapped files (MB) |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for l in m {
        println!(
            "| {} | {:.1} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0} |",
            if l.sealed { "encrypted" } else { "clear" },
            l.load_s,
            n as f64 / l.load_s,
            l.size_mb,
            l.open_s,
            l.p95.0,
            l.p95.1,
            l.decrypted_mb,
            l.rss_anon_mb,
            l.rss_file_mb
        );
    }
}

/// Index the corpus into `index_dir` (files encrypted or, for the comparison, clear) and
/// run the query list three times.
fn bench_dignity(
    a: &BenchSearchArgs,
    keys: &dignity_core::crypto::Keyring,
    index_dir: &Path,
    sealed: bool,
    qs: &[Q],
    lines: &mut Vec<Line>,
) -> Result<AtRest> {
    let open = |threads: usize, mb: usize| {
        if sealed {
            SearchIndex::open(index_dir, keys, threads, mb)
        } else {
            SearchIndex::open_clear_for_benchmark(index_dir, threads, mb)
        }
    };
    let label = if sealed {
        "Dignity (tantivy, in process)"
    } else {
        "Dignity, index files in clear (tantivy, in process)"
    };
    let t = Instant::now();
    let reused = a.reuse_index
        && a.work_dir.is_some()
        && open(1, 15)
            .map(|i| i.num_docs() == a.docs as u64)
            .unwrap_or(false);
    if reused {
        println!("  dignity: reusing the index in {}", index_dir.display());
    } else {
        let idx = open(a.threads, 64)?;
        idx.delete_all()?;
        for (k, r) in corpus(a.docs).enumerate() {
            idx.add(keys, &search_doc(&r), 0)?;
            if (k + 1) % 200_000 == 0 {
                println!("  dignity: {} documents", k + 1);
            }
        }
        idx.commit(&IndexState {
            schema: dignity_search::index::SCHEMA_VERSION,
            key: dignity_search::index::key_fingerprint(keys),
            seq: 0,
            hash: String::new(),
        })?;
        idx.wait_merging()?;
    }
    let load_s = if reused {
        f64::NAN
    } else {
        t.elapsed().as_secs_f64()
    };
    let size_mb = dir_size(index_dir) as f64 / 1e6;
    println!(
        "  dignity ({}): indexed in {load_s:.1} s, {size_mb:.0} MB",
        if sealed { "encrypted" } else { "clear" }
    );
    let t = Instant::now();
    let idx = open(1, 15)?;
    let open_s = t.elapsed().as_secs_f64();
    let facet_names = Registry::new().facet_names();
    let actor = reader();
    let mut p95 = Vec::new();
    // What `serve` does after opening the index (in the background there), then the
    // query list twice: the first pass meets every year range and facet filter for the
    // first time, the second finds their bit sets kept.
    let w = idx.warm_up()?;
    println!(
        "  dignity: warm-up {:.2} s ({} segments, {} MB of index files read)",
        w.seconds,
        w.segments,
        w.bytes / 1_000_000
    );
    for (pass, tables) in [
        ("first pass after the warm-up", true),
        ("second pass", true),
        (
            "third pass, facets counted by tantivy's FacetCollector",
            false,
        ),
    ] {
        idx.set_facet_tables(tables);
        let mut lat = Vec::with_capacity(qs.len());
        let mut hits = 0;
        let mut by_kind: BTreeMap<&'static str, (Vec<f64>, u64)> = BTreeMap::new();
        for q in qs {
            let t = Instant::now();
            let r = idx.search(keys, &actor, &request(q), &facet_names)?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            lat.push(ms);
            hits += r.total;
            let k = by_kind.entry(q.kind()).or_default();
            k.0.push(ms);
            k.1 += r.total;
        }
        println!("\n  {label}, {pass}, by kind of query:\n");
        println!("  | kind | queries | mean hits | p50 (ms) | p95 (ms) | p99 (ms) |");
        println!("  |---|---|---|---|---|---|");
        for (kind, (l, h)) in by_kind {
            let n = l.len();
            let (p50, p95, p99, _) = percentiles(l);
            println!(
                "  | {kind} | {n} | {:.0} | {p50:.2} | {p95:.2} | {p99:.2} |",
                h as f64 / n as f64
            );
        }
        let lat = percentiles(lat);
        p95.push(lat.1);
        lines.push(Line {
            engine: format!("{label}, {pass}"),
            load_s,
            size_mb,
            lat,
            hits,
        });
    }
    let pid = std::process::id();
    let m = AtRest {
        sealed,
        load_s,
        size_mb,
        p95: (p95[0], p95[1]),
        open_s,
        decrypted_mb: idx.memory_bytes() as f64 / 1e6,
        rss_anon_mb: proc_status_mb(pid, "RssAnon:"),
        rss_file_mb: proc_status_mb(pid, "RssFile:"),
    };
    drop(idx);
    Ok(m)
}

/// The bench record type of the catch-up measurement.
struct BenchIndexer;

impl Indexer for BenchIndexer {
    fn record_type(&self) -> &'static str {
        "bench_event"
    }
    fn load<'a>(
        &'a self,
        store: &'a Store,
        id: &'a str,
    ) -> BoxFuture<'a, dignity_store::Result<Option<SearchDoc>>> {
        Box::pin(async move {
            let r = sqlx::query("SELECT id, lang, title, body, confidentiality, published, created_by FROM bench_events WHERE id = $1")
                .bind(id.parse::<i64>().unwrap_or(-1))
                .fetch_optional(store.pool())
                .await?;
            let Some(r) = r else { return Ok(None) };
            let level: String = r.get(4);
            let access = dignity_store::acl::access(
                store,
                "bench_event",
                id,
                level
                    .parse()
                    .unwrap_or(Confidentiality::StrictlyConfidential),
                r.get::<i64, _>(5) == 1,
                r.get(6),
            )
            .await?;
            let title: String = r.get(2);
            Ok(Some(
                SearchDoc::new("bench_event", id, &title, access).text(
                    &r.get::<String, _>(1),
                    &title,
                    &r.get::<String, _>(3),
                ),
            ))
        })
    }
    fn ids<'a>(&'a self, store: &'a Store) -> BoxFuture<'a, dignity_store::Result<Vec<String>>> {
        Box::pin(async move {
            Ok(sqlx::query("SELECT id FROM bench_events")
                .fetch_all(store.pool())
                .await?
                .iter()
                .map(|r| r.get::<i64, _>(0).to_string())
                .collect())
        })
    }
}

const FACET_COLS: [&str; 7] = [
    "record_type",
    "country",
    "act_type",
    "perpetrator",
    "sex",
    "age",
    "year",
];

/// The WHERE clause of a query for the SQL engines (`match_cond` is the text match).
fn sql_where(q: &Q, match_cond: Option<&str>) -> String {
    let a = reader();
    let mut w = vec![format!(
        "(d.confidentiality IN ('public', 'internal') OR d.created_by = {uid} OR EXISTS (SELECT 1 FROM acl a WHERE a.doc_id = d.id AND ((a.kind = 'u' AND a.pid = {uid}) OR (a.kind = 't' AND a.pid IN ({teams})))))",
        uid = a.user_id.unwrap(),
        teams = a.teams.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(",")
    )];
    if let Some(m) = match_cond {
        w.push(m.to_string());
    }
    if let Some(c) = q.country {
        w.push(format!("d.country = '{c}'"));
    }
    if let Some(t) = q.act_type {
        w.push(format!("d.act_type = '{t}'"));
    }
    if let Some((y1, y2)) = q.years {
        w.push(format!("d.year BETWEEN {y1} AND {y2}"));
    }
    w.join(" AND ")
}

fn facet_sql(from_where: &str) -> String {
    let parts: Vec<String> = FACET_COLS
        .iter()
        .map(|c| {
            format!("SELECT '{c}' AS f, CAST({c} AS TEXT) AS v, COUNT(*) AS n FROM m GROUP BY {c}")
        })
        .collect();
    format!("WITH m AS MATERIALIZED (SELECT d.record_type, d.country, d.act_type, d.perpetrator, d.sex, d.age, d.year {from_where}) {}", parts.join(" UNION ALL "))
}

async fn bench_postgres(url: &str, n: usize, qs: &[Q]) -> Result<Line> {
    use sqlx::postgres::PgPoolOptions;
    use sqlx::Executor;
    let admin = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let db = "dignity_bench_search";
    admin
        .execute(format!("DROP DATABASE IF EXISTS {db}").as_str())
        .await?;
    admin
        .execute(format!("CREATE DATABASE {db}").as_str())
        .await?;
    admin.close().await;
    let (prefix, _) = url.rsplit_once('/').context("URL has a database name")?;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&format!("{prefix}/{db}"))
        .await?;
    pool.execute("CREATE TABLE docs (id BIGINT PRIMARY KEY, record_type TEXT, cfg REGCONFIG, title TEXT, body TEXT, names TEXT, country TEXT, year INT, act_type TEXT, perpetrator TEXT, sex TEXT, age TEXT, confidentiality TEXT, published INT, created_by BIGINT, \
        tsv TSVECTOR GENERATED ALWAYS AS (setweight(to_tsvector(cfg, title), 'A') || to_tsvector(cfg, body) || to_tsvector('simple', names)) STORED)").await?;
    pool.execute("CREATE TABLE acl (doc_id BIGINT, kind TEXT, pid BIGINT)")
        .await?;
    let t = Instant::now();
    let all: Vec<Rec> = corpus(n).collect();
    for chunk in all.chunks(5000) {
        let col = |f: &dyn Fn(&Rec) -> String| chunk.iter().map(f).collect::<Vec<String>>();
        sqlx::query("INSERT INTO docs (id, record_type, cfg, title, body, names, country, year, act_type, perpetrator, sex, age, confidentiality, published, created_by) \
            SELECT id, rt, cfg::regconfig, title, body, names, country, year, act, perp, sex, age, conf, published, created_by FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::int[], $15::bigint[]) \
            AS u(id, rt, cfg, title, body, names, country, year, act, perp, sex, age, conf, published, created_by)")
            .bind(chunk.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(col(&|r| r.record_type.into()))
            .bind(col(&|r| LANGS.iter().find(|l| l.0.code == r.lang).unwrap().0.pg.into()))
            .bind(col(&|r| r.title.clone()))
            .bind(col(&|r| r.body.clone()))
            .bind(col(&|r| r.names.join(" ")))
            .bind(col(&|r| r.country.into()))
            .bind(chunk.iter().map(|r| r.year).collect::<Vec<_>>())
            .bind(col(&|r| r.act_type.into()))
            .bind(col(&|r| r.perpetrator.into()))
            .bind(col(&|r| r.sex.into()))
            .bind(col(&|r| r.age.into()))
            .bind(col(&|r| r.level.as_str().into()))
            .bind(chunk.iter().map(|r| r.published as i32).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.created_by).collect::<Vec<_>>())
            .execute(&pool)
            .await?;
        let mut ids = vec![];
        let mut kinds = vec![];
        let mut pids = vec![];
        for r in chunk {
            for u in &r.acl_users {
                ids.push(r.id);
                kinds.push("u".to_string());
                pids.push(*u);
            }
            for tm in &r.acl_teams {
                ids.push(r.id);
                kinds.push("t".to_string());
                pids.push(*tm);
            }
        }
        sqlx::query("INSERT INTO acl SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[])")
            .bind(ids)
            .bind(kinds)
            .bind(pids)
            .execute(&pool)
            .await?;
    }
    drop(all);
    pool.execute("CREATE INDEX docs_tsv ON docs USING GIN (tsv)")
        .await?;
    pool.execute("CREATE INDEX docs_country ON docs (country)")
        .await?;
    pool.execute("CREATE INDEX docs_act ON docs (act_type)")
        .await?;
    pool.execute("CREATE INDEX docs_year ON docs (year)")
        .await?;
    pool.execute("CREATE INDEX acl_doc ON acl (doc_id)").await?;
    pool.execute("VACUUM ANALYZE docs").await?;
    pool.execute("VACUUM ANALYZE acl").await?;
    let load_s = t.elapsed().as_secs_f64();
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&pool)
        .await?;
    println!("  postgresql: loaded and indexed in {load_s:.1} s");
    let tsq = "(plainto_tsquery('english', $1) || plainto_tsquery('french', $1) || plainto_tsquery('spanish', $1) || plainto_tsquery('russian', $1) || plainto_tsquery('arabic', $1) || plainto_tsquery('simple', $1))";
    let run = |q: &Q| {
        let m = (!q.text.is_empty()).then(|| format!("d.tsv @@ {tsq}"));
        let from_where = format!("FROM docs d WHERE {}", sql_where(q, m.as_deref()));
        let facets = facet_sql(&from_where);
        let top = if q.text.is_empty() {
            format!("SELECT d.id, d.title, left(d.body, 150) {from_where} ORDER BY d.year DESC, d.id LIMIT 20")
        } else {
            format!("SELECT t.id, t.title, ts_headline(t.cfg, t.body, {tsq}) FROM (SELECT d.id, d.title, d.body, d.cfg, ts_rank(d.tsv, {tsq}) AS r {from_where} ORDER BY r DESC LIMIT 20) t ORDER BY t.r DESC")
        };
        (facets, top)
    };
    let mut conn = pool.acquire().await?;
    conn.execute("SET work_mem = '64MB'").await?;
    conn.execute("SET jit = off").await?;
    let mut lat = vec![];
    let mut hits = 0u64;
    for (k, q) in qs.iter().enumerate() {
        let (facets, top) = run(q);
        let t = Instant::now();
        let rows = if q.text.is_empty() {
            sqlx::query(&facets).fetch_all(&mut *conn).await?
        } else {
            sqlx::query(&facets)
                .bind(&q.text)
                .fetch_all(&mut *conn)
                .await?
        };
        if q.text.is_empty() {
            sqlx::query(&top).fetch_all(&mut *conn).await?
        } else {
            sqlx::query(&top)
                .bind(&q.text)
                .fetch_all(&mut *conn)
                .await?
        };
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let _ = k;
        lat.push(ms);
        hits += rows
            .iter()
            .filter(|r| r.get::<String, _>(0) == "record_type")
            .map(|r| r.get::<i64, _>(2) as u64)
            .sum::<u64>();
    }
    drop(conn);
    pool.close().await;
    Ok(Line {
        engine: "PostgreSQL FTS (GIN tsvector, 6 configs)".into(),
        load_s,
        size_mb: size as f64 / 1e6,
        lat: percentiles(lat),
        hits,
    })
}

async fn bench_sqlite(path: &Path, n: usize, qs: &[Q]) -> Result<Line> {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use sqlx::Executor;
    let _ = std::fs::remove_file(path);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal),
        )
        .await?;
    pool.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, record_type TEXT, title TEXT, body TEXT, names TEXT, country TEXT, year INT, act_type TEXT, perpetrator TEXT, sex TEXT, age TEXT, confidentiality TEXT, published INT, created_by INT)").await?;
    pool.execute("CREATE TABLE acl (doc_id INT, kind TEXT, pid INT)")
        .await?;
    pool.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, names, content='docs', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')").await?;
    let t = Instant::now();
    let mut tx = pool.begin().await?;
    for (k, r) in corpus(n).enumerate() {
        sqlx::query(
            "INSERT INTO docs VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(r.id)
        .bind(r.record_type)
        .bind(&r.title)
        .bind(&r.body)
        .bind(r.names.join(" "))
        .bind(r.country)
        .bind(r.year)
        .bind(r.act_type)
        .bind(r.perpetrator)
        .bind(r.sex)
        .bind(r.age)
        .bind(r.level.as_str())
        .bind(r.published as i64)
        .bind(r.created_by)
        .execute(&mut *tx)
        .await?;
        for u in &r.acl_users {
            sqlx::query("INSERT INTO acl VALUES ($1, 'u', $2)")
                .bind(r.id)
                .bind(*u)
                .execute(&mut *tx)
                .await?;
        }
        for tm in &r.acl_teams {
            sqlx::query("INSERT INTO acl VALUES ($1, 't', $2)")
                .bind(r.id)
                .bind(*tm)
                .execute(&mut *tx)
                .await?;
        }
        if (k + 1) % 100_000 == 0 {
            tx.commit().await?;
            tx = pool.begin().await?;
        }
    }
    tx.commit().await?;
    pool.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
        .await?;
    pool.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        .await?;
    pool.execute("CREATE INDEX docs_country ON docs (country)")
        .await?;
    pool.execute("CREATE INDEX docs_act ON docs (act_type)")
        .await?;
    pool.execute("CREATE INDEX docs_year ON docs (year)")
        .await?;
    pool.execute("CREATE INDEX acl_doc ON acl (doc_id)").await?;
    pool.execute("ANALYZE").await?;
    let load_s = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(path)?.len();
    println!("  sqlite: loaded and indexed in {load_s:.1} s");
    let mut lat = vec![];
    let mut hits = 0u64;
    let mut conn = pool.acquire().await?;
    for q in qs {
        // FTS5 query: every word (quoted, so punctuation cannot break the syntax).
        let m: String = q
            .text
            .split_whitespace()
            .map(|w| format!("\"{}\"", w.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" AND ");
        let cond = (!m.is_empty()).then_some("d.id IN (SELECT rowid FROM fts WHERE fts MATCH $1)");
        let from_where = format!("FROM docs d WHERE {}", sql_where(q, cond));
        let facets = facet_sql(&from_where);
        let top = if m.is_empty() {
            format!("SELECT d.id, d.title, substr(d.body, 1, 150) {from_where} ORDER BY d.year DESC, d.id LIMIT 20")
        } else {
            format!("SELECT d.id, d.title, snippet(fts, 1, '<mark>', '</mark>', '…', 20) FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH $1 AND {} ORDER BY rank LIMIT 20", sql_where(q, None))
        };
        let t = Instant::now();
        let rows = if m.is_empty() {
            sqlx::query(&facets).fetch_all(&mut *conn).await?
        } else {
            sqlx::query(&facets).bind(&m).fetch_all(&mut *conn).await?
        };
        if m.is_empty() {
            sqlx::query(&top).fetch_all(&mut *conn).await?
        } else {
            sqlx::query(&top).bind(&m).fetch_all(&mut *conn).await?
        };
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        hits += rows
            .iter()
            .filter(|r| r.get::<String, _>(0) == "record_type")
            .map(|r| r.get::<i64, _>(2) as u64)
            .sum::<u64>();
    }
    drop(conn);
    pool.close().await;
    Ok(Line {
        engine: "SQLite FTS5 (porter unicode61)".into(),
        load_s,
        size_mb: size as f64 / 1e6,
        lat: percentiles(lat),
        hits,
    })
}

/// Start `dignity serve` on the bench data directory and hit `GET /api/v1/search` with
/// `clients` concurrent keep-alive connections for `seconds` (loopback only).
async fn load_test(data: &Path, qs: &[Q], clients: usize, seconds: u64) -> Result<()> {
    // A staff account and an API token, so that the permission filter works as for staff.
    let store = Store::open(&dignity_store::OpenOptions::new(data)).await?;
    let mut tx = store.begin(&Actor::system()).await?;
    let u = dignity_store::accounts::create(
        &mut tx,
        &format!("bench{}", rand::random::<u32>()),
        "",
        Role::Analyst,
        "a long enough passphrase",
    )
    .await?;
    let (_, token) = dignity_store::accounts::create_token(&mut tx, u.id, "bench").await?;
    tx.commit().await?;
    store.close().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DIGNITY_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let pid = child.id();
    let result = load_test_run(pid, port, qs, clients, seconds, &token).await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

async fn load_test_run(
    pid: u32,
    port: u16,
    qs: &[Q],
    clients: usize,
    seconds: u64,
    token: &str,
) -> Result<()> {
    let addr = format!("127.0.0.1:{port}");
    let t0 = Instant::now();
    loop {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            break;
        }
        if t0.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("the server did not start");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let start_s = t0.elapsed().as_secs_f64();
    let rss_idle = rss_mb(pid);
    let paths: Vec<String> = qs
        .iter()
        .map(|q| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            s.append_pair("q", &q.text);
            if let Some(c) = q.country {
                s.append_pair("country", c);
            }
            if let Some(t) = q.act_type {
                s.append_pair("act_type", t);
            }
            if let Some((a, b)) = q.years {
                s.append_pair("year_from", &a.to_string());
                s.append_pair("year_to", &b.to_string());
            }
            format!("/api/v1/search?{}", s.finish())
        })
        .collect();
    let headers = format!("Authorization: Bearer {token}\r\n");
    let paths = paths.into_iter().map(|p| (p, headers.clone())).collect();
    let stats = crate::bench_http::load(&addr, paths, clients, seconds, Some(pid)).await?;
    let errors: u64 = stats
        .statuses
        .iter()
        .filter(|(k, _)| **k != 200)
        .map(|(_, n)| n)
        .sum();
    let (failed, all) = (stats.failed, stats.latencies);
    let peak = stats.rss_peak_mb;
    let rss_after = rss_mb(pid);
    let (anon, file) = (
        proc_status_mb(pid, "RssAnon:"),
        proc_status_mb(pid, "RssFile:"),
    );
    let n = all.len();
    let (p50, p95, p99, mean) = percentiles(all);
    println!("\n## HTTP: GET /api/v1/search, {clients} concurrent keep-alive clients for {seconds} s (loopback; server and clients share the machine)\n");
    println!("| requests | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | mean (ms) | non-200 | failed clients | server start (s) | RSS idle (MB) | RSS peak (MB) | RSS after (MB) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {n} | {:.0} | {p50:.1} | {p95:.1} | {p99:.1} | {mean:.1} | {errors} | {failed} | {start_s:.1} | {rss_idle:.0} | {} | {rss_after:.0} |",
        n as f64 / seconds as f64,
        peak
    );
    println!("\nRSS after the load test: {anon:.0} MB anonymous (heap) + {file:.0} MB file-backed (index pages mapped from disk, reclaimable by the kernel).");
    Ok(())
}

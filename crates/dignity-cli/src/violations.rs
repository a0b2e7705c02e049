//! `dignity demo generate` (synthetic cases in several languages) and `dignity evidence …`
//! (add a file, export a verifiable package).

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use dignity_core::Actor;
use dignity_store::violations::evidence;
use dignity_store::violations::import::{self, Mapping, Row};
use dignity_store::{accounts, Store};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DemoCmd {
    /// Generate realistic synthetic cases (events with 1–5 acts each; names, places and
    /// titles in Spanish, Arabic, Russian, French and English).
    Generate {
        /// Number of events.
        #[arg(long)]
        events: usize,
        /// Random seed (the same seed gives the same data).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write the rows as a CSV incident list instead of importing them.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// The account the records are created as.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// A small bounded load generator for benchmarks: `concurrency` keep-alive HTTP/1.1
    /// connections on loopback send `requests` GETs in turn over `paths`; prints p50/p95/p99.
    Load {
        /// host:port of a running `dignity serve`.
        #[arg(long)]
        addr: String,
        /// Paths to request, in turn (e.g. /violations,/violations/events/1).
        #[arg(long, value_delimiter = ',')]
        paths: Vec<String>,
        /// A `Cookie` header (a signed-in session) or `Bearer TOKEN`.
        #[arg(long, default_value = "")]
        auth: String,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        #[arg(long, default_value_t = 1000)]
        requests: usize,
    },
}

#[derive(Subcommand)]
pub enum EvidenceCmd {
    /// Store a file as evidence (hashed while it is copied) and print its record.
    Add {
        file: PathBuf,
        #[arg(long)]
        event: Option<i64>,
        #[arg(long, default_value = "")]
        title: String,
        /// The SHA-256 you expect; the file is refused if it differs.
        #[arg(long)]
        sha256: Option<String>,
        #[arg(long = "as")]
        as_user: String,
    },
    /// Build an evidence package: files, manifests of hashes, custody log, hash of the
    /// manifest. Check it with `sha256sum -c manifest.sha256.sha256 && sha256sum -c manifest.sha256`.
    Export {
        /// Every item of this event.
        #[arg(long)]
        event: Option<i64>,
        /// Items by id (comma-separated).
        #[arg(long, value_delimiter = ',')]
        ids: Vec<i64>,
        /// A new or empty directory, or with `--archive` a new `.tar` file.
        #[arg(long)]
        out: PathBuf,
        /// Write one tar archive (`--out case-12.tar`, files under `case-12/`) instead of a
        /// directory; check it with `tar -xf case-12.tar && cd case-12 && sha256sum -c …`.
        #[arg(long)]
        archive: bool,
        #[arg(long = "as")]
        as_user: String,
    },
}

/// The actor of an account, for commands that act in someone's name.
pub async fn actor(store: &Store, name: &str) -> Result<Actor> {
    let u = accounts::by_username(store, name)
        .await?
        .with_context(|| format!("no user named {name:?}"))?;
    if u.disabled {
        bail!("user {name:?} is disabled");
    }
    Ok(accounts::actor_for(store, &u).await?)
}

/// Peak resident memory of this process (Linux), in MiB.
pub fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}

pub async fn demo(store: &Store, cmd: DemoCmd) -> Result<i32> {
    let (events, seed, csv, as_user) = match cmd {
        DemoCmd::Generate {
            events,
            seed,
            csv,
            as_user,
        } => (events, seed, csv, as_user),
        DemoCmd::Load {
            addr,
            paths,
            auth,
            concurrency,
            requests,
        } => return load(&addr, &paths, &auth, concurrency, requests).await,
    };
    let started = std::time::Instant::now();
    if let Some(path) = csv {
        let mut w = csv::Writer::from_path(&path)?;
        w.write_record(COLUMNS)?;
        let mut n = 0;
        for (_, row) in Generator::new(seed, events) {
            w.write_record(
                COLUMNS
                    .iter()
                    .map(|c| row.get(*c).map(String::as_str).unwrap_or("")),
            )?;
            n += 1;
        }
        w.flush()?;
        println!("wrote {n} rows ({events} events) to {}", path.display());
        return Ok(0);
    }
    let as_user = as_user.context("--as USER: the account the records are created as")?;
    let actor = actor(store, &as_user).await?;
    let mapping = Mapping {
        columns: COLUMNS
            .iter()
            .map(|c| (c.to_string(), c.to_string()))
            .collect(),
        ..Default::default()
    };
    let progress = |n: usize| eprint!("\r{n} acts written");
    let r = import::import_rows(
        store,
        &actor,
        &mapping,
        || Ok(Generator::new(seed, events)),
        &progress,
    )
    .await?;
    eprintln!();
    if !r.errors.is_empty() {
        for e in &r.errors {
            eprintln!("  {e}");
        }
        bail!("the generator made invalid rows");
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "generated {} events, {} acts, {} persons in {secs:.1} s ({:.0} acts/s); peak memory {} MiB",
        r.events,
        r.acts,
        r.persons,
        r.acts as f64 / secs,
        peak_rss_mib()
    );
    Ok(0)
}

pub async fn evidence_cmd(store: &Store, cmd: EvidenceCmd) -> Result<i32> {
    match cmd {
        EvidenceCmd::Add {
            file,
            event,
            title,
            sha256,
            as_user,
        } => {
            let actor = actor(store, &as_user).await?;
            let started = std::time::Instant::now();
            let f = std::fs::File::open(&file).with_context(|| file.display().to_string())?;
            let limit = evidence::max_upload(store).await;
            let (blob, head) = evidence::store_reader(
                store,
                std::io::BufReader::with_capacity(1 << 20, f),
                limit,
                sha256.as_deref(),
            )?;
            let hashed = started.elapsed().as_secs_f64();
            let input = evidence::EvidenceInput {
                title: if title.is_empty() {
                    file.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                } else {
                    title
                },
                filename: file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                event_id: event,
                ..Default::default()
            };
            let r = async {
                let mut tx = store.begin(&actor).await?;
                let id = evidence::create_evidence(&mut tx, &input, &blob, &head).await?;
                tx.commit().await?;
                Ok::<_, dignity_store::StoreError>(id)
            }
            .await;
            let id = match r {
                Ok(id) => id,
                Err(e) => {
                    evidence::discard_if_unused(store, &blob).await?;
                    return Err(e.into());
                }
            };
            println!("{}  {}", blob.sha256, file.display());
            eprintln!(
                "evidence {id}: {} bytes stored and hashed (SHA-256 + SHA-512) in {hashed:.2} s ({:.0} MB/s)",
                blob.size,
                blob.size as f64 / hashed / 1e6
            );
            Ok(0)
        }
        EvidenceCmd::Export {
            event,
            ids,
            out,
            archive,
            as_user,
        } => {
            let actor = actor(store, &as_user).await?;
            let mut all = ids;
            if let Some(e) = event {
                all.extend(
                    evidence::list_evidence(store, &actor, Some(e), None)
                        .await?
                        .iter()
                        .map(|x| x.id),
                );
            }
            if all.is_empty() {
                bail!("nothing to export: give --event or --ids");
            }
            let r = if archive {
                evidence::export_archive(store, &actor, &all, &out).await?
            } else {
                evidence::export_package(store, &actor, &all, &out).await?
            };
            println!(
                "{} items ({} bytes) in {}; manifest SHA-256 {}",
                r.items,
                r.bytes,
                out.display(),
                r.manifest_sha256
            );
            if !r.skipped.is_empty() {
                println!(
                    "skipped (not exportable by {}): {:?}",
                    actor.username, r.skipped
                );
            }
            if archive {
                let dir = out
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .trim_end_matches(".tar")
                    .to_string();
                println!("verify: tar -xf {} && cd {dir} && sha256sum -c manifest.sha256.sha256 && sha256sum -c manifest.sha256", out.display());
            } else {
                println!("verify: cd {} && sha256sum -c manifest.sha256.sha256 && sha256sum -c manifest.sha256", out.display());
            }
            Ok(0)
        }
    }
}

// ------------------------------------------------------------- generator --

const COLUMNS: &[&str] = &[
    "event_key",
    "event_title",
    "event_start",
    "country",
    "admin_area",
    "act_type",
    "act_start",
    "victim_name",
    "victim_sex",
    "victim_birth_date",
    "perpetrator_name",
    "perpetrator_type",
    "source_name",
    "source_type",
    "reliability",
    "confidentiality",
];

struct Locale {
    country: &'static str,
    areas: &'static [&'static str],
    first_f: &'static [&'static str],
    first_m: &'static [&'static str],
    last: &'static [&'static str],
    titles: &'static [&'static str],
    perpetrators: &'static [&'static str],
}

const LOCALES: &[Locale] = &[
    Locale {
        country: "PER",
        areas: &["Cusco", "Puno", "Ayacucho", "Lima", "Loreto"],
        first_f: &["María", "Rosa", "Killa", "Ana", "Carmen", "Yolanda"],
        first_m: &["José", "Amaru", "Luis", "Juan", "Wilber", "Edwin"],
        last: &[
            "Quispe", "Mamani", "Huamán", "Flores", "Condori", "Rojas", "Vargas", "Ccori",
        ],
        titles: &[
            "Detención arbitraria en {a}",
            "Desalojo violento en {a}",
            "Represión de una marcha en {a}",
            "Allanamiento nocturno en {a}",
        ],
        perpetrators: &[
            "Policía Nacional",
            "Fuerzas Armadas",
            "Serenazgo municipal",
            "Empresa de seguridad privada",
        ],
    },
    Locale {
        country: "SYR",
        areas: &["Aleppo", "Idlib", "Homs", "Daraa", "Deir ez-Zor"],
        first_f: &["فاطمة", "مريم", "رنا", "هبة", "نور"],
        first_m: &["محمد", "أحمد", "عمر", "خالد", "يوسف"],
        last: &["الحداد", "الخطيب", "العلي", "الأحمد", "النجار", "السيد"],
        titles: &[
            "اعتقال تعسفي في {a}",
            "قصف حي سكني في {a}",
            "اختفاء ناشطين في {a}",
            "مداهمة منزل في {a}",
        ],
        perpetrators: &[
            "الأمن العسكري",
            "جماعة مسلحة",
            "المخابرات الجوية",
            "قوات الجيش",
        ],
    },
    Locale {
        country: "RUS",
        areas: &["Москва", "Санкт-Петербург", "Чечня", "Дагестан", "Казань"],
        first_f: &["Анна", "Мария", "Ольга", "Наталья", "Елена"],
        first_m: &["Алексей", "Иван", "Дмитрий", "Сергей", "Магомед"],
        last: &["Иванов", "Смирнов", "Кузнецов", "Попов", "Алиев", "Петров"],
        titles: &[
            "Задержание на акции в {a}",
            "Обыск у журналиста в {a}",
            "Пытки в отделе полиции, {a}",
            "Исчезновение активиста, {a}",
        ],
        perpetrators: &["Полиция", "Росгвардия", "ФСБ", "Центр «Э»"],
    },
    Locale {
        country: "COD",
        areas: &["Kinshasa", "Nord-Kivu", "Sud-Kivu", "Ituri", "Kasaï"],
        first_f: &["Marie", "Aline", "Esther", "Chantal", "Solange"],
        first_m: &["Jean", "Patrick", "Emmanuel", "Olivier", "Didier"],
        last: &[
            "Kabila",
            "Mukendi",
            "Tshibanda",
            "Mbuyi",
            "Kasongo",
            "Ilunga",
        ],
        titles: &[
            "Arrestations arbitraires à {a}",
            "Attaque d’un village, {a}",
            "Violences sexuelles à {a}",
            "Exécutions sommaires à {a}",
        ],
        perpetrators: &[
            "FARDC",
            "Police nationale congolaise",
            "Groupe armé M23",
            "Milice locale",
        ],
    },
    Locale {
        country: "PHL",
        areas: &["Manila", "Davao", "Cebu", "Mindanao", "Quezon City"],
        first_f: &["Maria", "Grace", "Joy", "Liza", "Rowena"],
        first_m: &["Jose", "Mark", "Rodel", "Jun", "Antonio"],
        last: &["Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza"],
        titles: &[
            "Killing during anti-drug operation in {a}",
            "Raid on a community in {a}",
            "Red-tagging of activists in {a}",
            "Arrest of a journalist in {a}",
        ],
        perpetrators: &[
            "Philippine National Police",
            "Armed Forces",
            "Unknown gunmen",
            "Barangay officials",
        ],
    },
];

/// (MT 4 code, weight): arrest, detention, disappearance, summary execution, extrajudicial
/// execution, torture, physical assault, destruction, illegal search, abduction.
const ACT_TYPES: &[(&str, u32)] = &[
    ("03010100000004", 30),
    ("03010200000004", 15),
    ("03010300000004", 6),
    ("01010101000004", 4),
    ("01010102000004", 6),
    ("02011111000004", 12),
    ("02010100000004", 12),
    ("13010300000004", 5),
    ("04010100000004", 6),
    ("03010400000004", 4),
];
const PERP_TYPES: &[&str] = &["01000000000024", "02000000000024", "99000000000024"];
const SOURCE_TYPES: &[&str] = &["09142005180116", "16081520150116", "14052319160116"];
const RELIABILITY: &[&str] = &["01000000000042", "02000000000042", "03000000000042"];

/// Deterministic rows of synthetic incidents (splitmix64).
pub struct Generator {
    state: u64,
    events: usize,
    event: usize,
    acts_left: u32,
    line: usize,
    cur: HashMap<String, String>,
}

impl Generator {
    pub fn new(seed: u64, events: usize) -> Generator {
        Generator {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03,
            events,
            event: 0,
            acts_left: 0,
            line: 1,
            cur: HashMap::new(),
        }
    }
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
    fn date(&mut self) -> String {
        let y = 2015 + self.next() % 11;
        let m = 1 + self.next() % 12;
        let d = 1 + self.next() % 28;
        match self.next() % 10 {
            0 => format!("{y}"),
            1 => format!("{y}-{m:02}"),
            2 => format!("~{y}-{m:02}-{d:02}"),
            _ => format!("{y}-{m:02}-{d:02}"),
        }
    }
}

impl Iterator for Generator {
    type Item = Row;
    fn next(&mut self) -> Option<Row> {
        if self.acts_left == 0 {
            if self.event >= self.events {
                return None;
            }
            self.event += 1;
            self.acts_left = 1 + (Generator::next(self) % 5) as u32;
            let loc = &LOCALES[(Generator::next(self) % LOCALES.len() as u64) as usize];
            let area = self.pick(loc.areas);
            let title = self.pick(loc.titles).replace("{a}", area);
            let date = self.date();
            let perp = self.pick(loc.perpetrators);
            let ptype = self.pick(PERP_TYPES);
            let conf = if Generator::next(self).is_multiple_of(20) {
                "confidential"
            } else {
                "internal"
            };
            self.cur = HashMap::from([
                ("event_key".to_string(), format!("E{}", self.event)),
                ("event_title".into(), title),
                ("event_start".into(), date.clone()),
                ("act_start".into(), date),
                ("country".into(), loc.country.into()),
                ("admin_area".into(), area.into()),
                ("perpetrator_name".into(), perp.into()),
                ("perpetrator_type".into(), ptype.into()),
                ("confidentiality".into(), conf.into()),
                ("__locale".into(), loc.country.into()),
            ]);
        }
        self.acts_left -= 1;
        let loc = LOCALES
            .iter()
            .find(|l| l.country == self.cur["__locale"])
            .expect("locale");
        let female = Generator::next(self).is_multiple_of(2);
        let first = if female {
            self.pick(loc.first_f)
        } else {
            self.pick(loc.first_m)
        };
        let (l1, l2) = (self.pick(loc.last), self.pick(loc.last));
        let total: u32 = ACT_TYPES.iter().map(|a| a.1).sum();
        let mut r = (Generator::next(self) % total as u64) as u32;
        let mut act = ACT_TYPES[0].0;
        for (code, w) in ACT_TYPES {
            if r < *w {
                act = code;
                break;
            }
            r -= w;
        }
        let mut row = self.cur.clone();
        row.remove("__locale");
        row.insert("act_type".into(), act.into());
        row.insert("victim_name".into(), format!("{first} {l1} {l2}"));
        row.insert(
            "victim_sex".into(),
            if female {
                "02000000000039"
            } else {
                "01000000000039"
            }
            .into(),
        );
        row.insert(
            "victim_birth_date".into(),
            format!("{}", 1950 + Generator::next(self) % 55),
        );
        if Generator::next(self).is_multiple_of(3) {
            let s = format!("{} {}", self.pick(loc.first_f), self.pick(loc.last));
            row.insert("source_name".into(), s);
            row.insert("source_type".into(), self.pick(SOURCE_TYPES).into());
            row.insert("reliability".into(), self.pick(RELIABILITY).into());
        }
        self.line += 1;
        Some((self.line, row))
    }
}

// ------------------------------------------------------------------ load --

async fn one(stream: &mut tokio::io::BufStream<tokio::net::TcpStream>, req: &[u8]) -> Result<u16> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    stream.write_all(req).await?;
    stream.flush().await?;
    let mut status = String::new();
    stream.read_line(&mut status).await?;
    let code: u16 = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("bad status line")?;
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        stream.read_line(&mut h).await?;
        let t = h.trim_end();
        if t.is_empty() {
            break;
        }
        if let Some((k, v)) = t.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse()?;
            }
        }
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await?;
    Ok(code)
}

pub async fn load(
    addr: &str,
    paths: &[String],
    auth: &str,
    concurrency: usize,
    requests: usize,
) -> Result<i32> {
    if paths.is_empty() {
        bail!("give --paths");
    }
    let header = if let Some(t) = auth.strip_prefix("Bearer ") {
        format!("Authorization: Bearer {t}\r\n")
    } else if auth.is_empty() {
        String::new()
    } else {
        format!("Cookie: {auth}\r\n")
    };
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = std::time::Instant::now();
    let mut tasks = vec![];
    for _ in 0..concurrency.max(1) {
        let (addr, paths, header, next) = (
            addr.to_string(),
            paths.to_vec(),
            header.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut times = vec![];
            let mut errors = 0usize;
            let mut s = tokio::io::BufStream::new(tokio::net::TcpStream::connect(&addr).await?);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let req = format!(
                    "GET {} HTTP/1.1\r\nHost: {addr}\r\n{header}Accept-Language: en\r\n\r\n",
                    paths[i % paths.len()]
                );
                let t = std::time::Instant::now();
                match one(&mut s, req.as_bytes()).await {
                    Ok(200) => times.push(t.elapsed()),
                    _ => errors += 1,
                }
            }
            Ok::<_, anyhow::Error>((times, errors))
        }));
    }
    let mut all = vec![];
    let mut errors = 0;
    for t in tasks {
        let (times, e) = t.await??;
        all.extend(times);
        errors += e;
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "{} ok, {errors} errors, {concurrency} connections, {:.0} req/s; p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
        all.len(),
        all.len() as f64 / wall,
        pct(0.50),
        pct(0.95),
        pct(0.99)
    );
    Ok(if errors == 0 { 0 } else { 1 })
}

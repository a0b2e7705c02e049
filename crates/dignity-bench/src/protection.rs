//! `dignity-bench protection`: missing persons listed by three overlapping sources imported,
//! candidate matching per case, the person page under concurrent load.

use crate::in_process::user_with_token;
use anyhow::Result;
use clap::Args;
use dignity_core::Role;
use dignity_store::{accounts, Store};
use std::time::Instant;

/// `dignity-bench protection`: missing persons listed by three overlapping sources.
#[derive(Args)]
pub struct BenchProtectionArgs {
    /// Missing persons (each appears on one to three of the lists).
    #[arg(long, default_value_t = 100_000)]
    pub missing: usize,
    /// Cases opened from the first list (the person pages measured).
    #[arg(long, default_value_t = 2000)]
    pub cases: usize,
    /// Concurrent connections for the person page under load (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    pub concurrency: Vec<usize>,
    /// Requests per load run.
    #[arg(long, default_value_t = 2000)]
    pub requests: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Run on this (empty) PostgreSQL database instead of SQLite.
    #[arg(long)]
    pub postgres: Option<String>,
}

const FIRST: &[&str] = &[
    "Agron", "Arben", "Besnik", "Blerim", "Dritan", "Fatmir", "Gani", "Hajdar", "Ilir", "Jetmir",
    "Kujtim", "Luan", "Mentor", "Nexhat", "Petrit", "Rexhep", "Shkelzen", "Valon", "Xhevdet",
    "Zenel", "Dragan", "Milan", "Nenad", "Zoran", "Dejan", "Goran", "Slobodan", "Miroslav",
    "Bojan", "Vladimir", "Nikola", "Stefan", "Marko", "Jovan", "Petar", "Dušan", "Ljubomir",
    "Njegoš", "Živko", "Milica", "Jelena", "Vesna", "Drita", "Shpresa", "Mimoza", "Fatime",
    "Teuta", "Valbona", "Ljiljana", "Snežana",
];
const LAST: &[&str] = &[
    "Krasniqi",
    "Gashi",
    "Berisha",
    "Morina",
    "Shala",
    "Hoxha",
    "Bytyqi",
    "Kelmendi",
    "Rexhepi",
    "Mustafa",
    "Ahmeti",
    "Hasani",
    "Kryeziu",
    "Thaçi",
    "Zeqiri",
    "Jovanović",
    "Petrović",
    "Nikolić",
    "Marković",
    "Đorđević",
    "Stojanović",
    "Ilić",
    "Stanković",
    "Pavlović",
    "Milošević",
    "Popović",
    "Živković",
    "Todorović",
    "Ristić",
    "Lukić",
    "Savić",
    "Kostić",
    "Mitić",
    "Lazarević",
    "Vasić",
    "Tomić",
    "Đukić",
    "Radovanović",
    "Obradović",
    "Šarić",
];
const PLACES: &[&str] = &[
    "Prizren",
    "Gjakova",
    "Peja",
    "Mitrovica",
    "Gjilan",
    "Ferizaj",
    "Podujeva",
    "Suhareka",
    "Rahovec",
    "Drenas",
    "Skenderaj",
    "Malisheva",
    "Dečani",
    "Istog",
    "Klina",
    "Lipjan",
];

/// Serbian Latin to Cyrillic, as a Belgrade list writes every name.
fn to_cyrillic(s: &str) -> String {
    let mut out = String::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
        let lower = two.to_lowercase();
        let upper = cs[i].is_uppercase();
        let dig = match lower.as_str() {
            "lj" => Some('љ'),
            "nj" => Some('њ'),
            "dž" => Some('џ'),
            "xh" => Some('џ'),
            "sh" => Some('ш'),
            "zh" => Some('ж'),
            _ => None,
        };
        if let Some(c) = dig {
            out.extend(if upper {
                c.to_uppercase().collect::<Vec<_>>()
            } else {
                vec![c]
            });
            i += 2;
            continue;
        }
        let c = cs[i].to_lowercase().next().unwrap_or(cs[i]);
        let m = match c {
            'a' => 'а',
            'b' => 'б',
            'v' => 'в',
            'g' => 'г',
            'd' => 'д',
            'đ' => 'ђ',
            'e' => 'е',
            'ë' => 'е',
            'ž' => 'ж',
            'z' => 'з',
            'i' => 'и',
            'j' => 'ј',
            'k' => 'к',
            'l' => 'л',
            'm' => 'м',
            'n' => 'н',
            'o' => 'о',
            'p' => 'п',
            'r' => 'р',
            's' => 'с',
            't' => 'т',
            'ć' => 'ћ',
            'u' => 'у',
            'f' => 'ф',
            'h' => 'х',
            'c' => 'ц',
            'č' => 'ч',
            'ç' => 'ч',
            'š' => 'ш',
            'q' => 'ћ',
            'x' => 'ѕ',
            'y' => 'и',
            other => other,
        };
        out.extend(if upper {
            m.to_uppercase().collect::<Vec<_>>()
        } else {
            vec![m]
        });
        i += 1;
    }
    out
}

struct SynthPerson {
    first: &'static str,
    last: &'static str,
    birth: String,
    place: &'static str,
}

/// One synthetic list: source name, source kind, CSV text, rows.
type SynthList = (String, String, String, usize);

/// Three lists as CSV. Person `i` has external ids `A-i`/`B-i`/`C-i`, so that recall can
/// be checked; the second list writes names in Cyrillic, surname first; the third has
/// transposed letters in some surnames and only the year of birth for some.
fn synth_lists(n: usize, seed: u64) -> (Vec<SynthPerson>, Vec<SynthList>) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let people: Vec<SynthPerson> = (0..n)
        .map(|_| SynthPerson {
            first: FIRST[rng.gen_range(0..FIRST.len())],
            last: LAST[rng.gen_range(0..LAST.len())],
            birth: format!(
                "{}-{:02}-{:02}",
                rng.gen_range(1930..1996),
                rng.gen_range(1..13),
                rng.gen_range(1..29)
            ),
            place: PLACES[rng.gen_range(0..PLACES.len())],
        })
        .collect();
    let mut lists = vec![];
    for (tag, name, kind, share) in [
        (
            "A",
            "Commission on Missing Persons (Pristina)",
            "commission",
            0.7,
        ),
        (
            "B",
            "Commission for Missing Persons (Belgrade)",
            "commission",
            0.6,
        ),
        (
            "C",
            "Association of Families of the Missing",
            "family_association",
            0.5,
        ),
    ] {
        let mut csv = String::from("external_id,name,birth_date,place\n");
        let mut rows = 0;
        for (i, p) in people.iter().enumerate() {
            // Everyone is on at least the first list.
            if tag != "A" && rng.gen::<f64>() >= share {
                continue;
            }
            if tag == "A" && rng.gen::<f64>() >= share && i % 3 != 0 {
                continue;
            }
            let (name, birth, place) = match tag {
                "B" => (
                    format!("{} {}", to_cyrillic(p.last), to_cyrillic(p.first)),
                    p.birth.clone(),
                    to_cyrillic(p.place),
                ),
                "C" => {
                    let mut last: Vec<char> = p.last.chars().collect();
                    if rng.gen::<f64>() < 0.1 && last.len() > 4 {
                        let k = rng.gen_range(1..last.len() - 2);
                        last.swap(k, k + 1);
                    }
                    let birth = if rng.gen::<f64>() < 0.3 {
                        p.birth[..4].to_string()
                    } else {
                        p.birth.clone()
                    };
                    (
                        format!("{} {}", p.first, last.into_iter().collect::<String>()),
                        birth,
                        p.place.to_string(),
                    )
                }
                _ => (
                    format!("{} {}", p.first, p.last),
                    p.birth.clone(),
                    p.place.to_string(),
                ),
            };
            csv.push_str(&format!("{tag}-{i},{name},{birth},{place}\n"));
            rows += 1;
        }
        lists.push((name.to_string(), kind.to_string(), csv, rows));
    }
    (people, lists)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0)
}

pub async fn protection(a: &BenchProtectionArgs) -> Result<i32> {
    use dignity_store::protection::sources as src;
    let dir = dignity_store::testing::temp_dir("dignity-bench-protection");
    let data = dir.join("data");
    let mut o = dignity_store::OpenOptions::new(&data);
    o.database_url = a.postgres.clone();
    let store = Store::open(&o).await?;
    dignity_store::refdata::load_shipped(&store).await?;
    let backend = if a.postgres.is_some() {
        "PostgreSQL (loopback)"
    } else {
        "SQLite (embedded, WAL)"
    };
    let (u, token) = user_with_token(&store, "cora", Role::Coordinator).await?;
    let actor = accounts::actor_for(&store, &u).await?;

    let t = Instant::now();
    let (people, lists) = synth_lists(a.missing, a.seed);
    println!(
        "{backend}: {} missing persons, lists of {} rows generated in {:.1} s",
        people.len(),
        lists
            .iter()
            .map(|l| l.3.to_string())
            .collect::<Vec<_>>()
            .join(" + "),
        t.elapsed().as_secs_f64()
    );
    println!("\n| list | rows | read and checked | imported (one transaction) | rows/s |");
    println!("|---|---|---|---|---|");
    let mut ids = vec![];
    for (name, kind, csv, rows) in &lists {
        let (n, k) = (name.clone(), kind.clone());
        let sid = store
            .write(&actor, async |tx| src::create_source(tx, &n, &k).await)
            .await?;
        ids.push(sid);
        let t = Instant::now();
        let table = src::read_csv(csv.as_bytes())
            .map_err(|e| anyhow::anyhow!("synthetic list refused: {:?}", e.first()))?;
        let read_s = t.elapsed().as_secs_f64();
        let mapping = src::guess_mapping(&table.headers);
        let t2 = Instant::now();
        let rep = src::import_list(
            &store,
            &actor,
            sid,
            "list.csv",
            &table,
            &mapping,
            &src::ImportOptions::default(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("import refused: {:?}", e.first()))?;
        let imp_s = t2.elapsed().as_secs_f64();
        anyhow::ensure!(
            rep.new == *rows,
            "expected {rows} new rows, got {}",
            rep.new
        );
        println!(
            "| {name} | {rows} | {read_s:.2} s | {imp_s:.1} s | {:.0} |",
            *rows as f64 / (read_s + imp_s)
        );
    }
    // A re-import of the first list: every row unchanged.
    let t = Instant::now();
    let table = src::read_csv(lists[0].2.as_bytes()).map_err(|_| anyhow::anyhow!("refused"))?;
    let rep = src::import_list(
        &store,
        &actor,
        ids[0],
        "list.csv",
        &table,
        &src::guess_mapping(&table.headers),
        &src::ImportOptions::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("re-import refused: {:?}", e.first()))?;
    println!(
        "| {} again (unchanged) | {} | | {:.1} s | {:.0} |",
        lists[0].0,
        rep.unchanged,
        t.elapsed().as_secs_f64(),
        rep.unchanged as f64 / t.elapsed().as_secs_f64()
    );

    // Cases opened from the first list's records.
    let vocab = dignity_store::violations::Vocab::load(&store).await?;
    let t = Instant::now();
    let first: Vec<(i64, String)> = sqlx::query(
        "SELECT id, external_id FROM pro_source_records WHERE source_id = $1 AND current = 1 ORDER BY id LIMIT $2",
    )
    .bind(ids[0])
    .bind(a.cases as i64)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| ext_id(&store, r))
    .collect::<Result<_, _>>()?;
    let recs: Vec<i64> = first.iter().map(|r| r.0).collect();
    let cases: Vec<i64> = store
        .write(&actor, async |tx| {
            let mut out = vec![];
            for r in &recs {
                out.push(src::case_from_record(tx, &vocab, *r, "confidential").await?);
            }
            Ok(out)
        })
        .await?;
    println!(
        "\n{} cases opened from the first list in {:.1} s.",
        cases.len(),
        t.elapsed().as_secs_f64()
    );

    // Candidate matching for each case's person page, through the keyed blocking keys.
    let mut times = vec![];
    let (mut expected, mut found, mut offered) = (0usize, 0usize, 0usize);
    for (case, (_, ext)) in cases.iter().zip(&first) {
        let i = ext.trim_start_matches("A-");
        let t = Instant::now();
        let c = src::candidates_for_case(&store, &actor, *case, 0.7, 20).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        offered += c.len();
        let want: Vec<String> = vec![format!("B-{i}"), format!("C-{i}")];
        let exts: Vec<i64> = c.iter().map(|x| x.record_id).collect();
        let mut got = std::collections::HashSet::new();
        if !exts.is_empty() {
            let list = exts
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(",");
            for r in sqlx::query(&format!(
                "SELECT id, external_id FROM pro_source_records WHERE id IN ({list})"
            ))
            .fetch_all(store.pool())
            .await?
            {
                got.insert(ext_id(&store, &r)?.1);
            }
        }
        let exist: i64 = sqlx::Row::get(
            // By (source, keyed identifier): the index, not a scan of every record per case.
            &sqlx::query("SELECT COUNT(*) FROM pro_source_records WHERE (source_id = $1 AND external_id_key = $2) OR (source_id = $3 AND external_id_key = $4)")
                .bind(ids[1])
                .bind(src::external_key(&store.keys(), ids[1], &want[0]))
                .bind(ids[2])
                .bind(src::external_key(&store.keys(), ids[2], &want[1]))
                .fetch_one(store.pool())
                .await?,
            0,
        );
        expected += exist as usize;
        found += want.iter().filter(|w| got.contains(*w)).count();
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    println!(
        "Candidates for one case (indexed): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms over {} cases; {:.1} candidates offered per case; recall of the same person on the other two lists {}/{} ({:.1} %).",
        pct(&times, 0.5),
        pct(&times, 0.95),
        pct(&times, 0.99),
        times.len(),
        offered as f64 / times.len().max(1) as f64,
        found,
        expected,
        100.0 * found as f64 / expected.max(1) as f64
    );
    // The sources page: one window of unlinked records at a time, through the key index.
    let mut wtimes = vec![];
    let mut after = 0;
    let mut wcands = 0usize;
    for _ in 0..20 {
        let t = Instant::now();
        let page = src::candidates_page(&store, &actor, None, after, 500, 0.75).await?;
        wtimes.push(t.elapsed().as_secs_f64() * 1000.0);
        wcands += page.items.len();
        match page.next_after {
            Some(n) => after = n,
            None => break,
        }
    }
    wtimes.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    println!(
        "Sources page, one window of 500 unlinked records (candidates_page, indexed): p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms over {} windows; {:.1} candidates (score >= 0.75) per window.",
        pct(&wtimes, 0.5),
        pct(&wtimes, 0.95),
        wtimes.last().copied().unwrap_or(0.0),
        wtimes.len(),
        wcands as f64 / wtimes.len().max(1) as f64
    );
    store.close().await;

    // The person page under load: a real server, a staff API token, many case pages. A
    // fresh server for each level of concurrency, so that the first pass over the cases
    // finds nothing in the candidate cache (every request a first visit) and the second
    // pass shows the pages seen again.
    let paths: Vec<String> = cases
        .iter()
        .take(500)
        .map(|c| format!("/protection/missing/{c}"))
        .collect();
    println!(
        "\nPerson page (/protection/missing/{{id}}, {} different cases) under load:",
        paths.len()
    );
    for c in &a.concurrency {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let exe = crate::dignity_exe()?;
        let mut cmd = std::process::Command::new(exe);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("DIGNITY_DATA_DIR", &data)
            .env("DIGNITY_LOG", "warn")
            .stdout(std::process::Stdio::null());
        if let Some(u) = &a.postgres {
            cmd.env("DIGNITY_DATABASE_URL", u);
        }
        let mut child = cmd.spawn()?;
        let addr = format!("127.0.0.1:{port}");
        let t0 = Instant::now();
        while tokio::net::TcpStream::connect(&addr).await.is_err() {
            anyhow::ensure!(t0.elapsed().as_secs() < 120, "the server did not start");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // Warm-up on the home page (no candidates): the server's database connections
        // are open before the person pages are measured.
        print!("  {c} connections, warm-up on /protection: ");
        dignity_cli::violations::load(
            &addr,
            &["/protection".to_string()],
            &format!("Bearer {token}"),
            *c,
            (*c * 4).max(20),
        )
        .await?;
        print!("  {c} connections, first visit of each case (nothing cached): ");
        dignity_cli::violations::load(&addr, &paths, &format!("Bearer {token}"), *c, paths.len())
            .await?;
        print!(
            "  {c} connections, {} requests, cases seen before: ",
            a.requests
        );
        dignity_cli::violations::load(&addr, &paths, &format!("Bearer {token}"), *c, a.requests)
            .await?;
        let _ = child.kill();
        let _ = child.wait();
    }

    // Last, the whole list (every window), which takes longest.
    let store = Store::open(&o).await?;
    let t = Instant::now();
    let all = src::candidates(&store, &actor, None, 0.7, 1_000_000).await?;
    let whole_s = t.elapsed().as_secs_f64();
    // Recall of the whole list: pairs of records of one person on two lists (B/C) offered.
    let unl: i64 = sqlx::Row::get(
        &sqlx::query(
            "SELECT COUNT(*) FROM pro_source_records WHERE current = 1 AND missing_id IS NULL",
        )
        .fetch_one(store.pool())
        .await?,
        0,
    );
    let mut ext_of: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for r in sqlx::query("SELECT id, external_id FROM pro_source_records WHERE current = 1")
        .fetch_all(store.pool())
        .await?
    {
        let (id, ext) = ext_id(&store, &r)?;
        ext_of.insert(id, ext);
    }
    let person = |e: &str| e.get(2..).map(String::from).unwrap_or_default();
    let bc_found: std::collections::HashSet<String> = all
        .iter()
        .filter(|c| c.other_kind == "record")
        .filter_map(|c| {
            let (a, b) = (ext_of.get(&c.record_id)?, ext_of.get(&c.other_id)?);
            let bc = (a.starts_with("B-") && b.starts_with("C-"))
                || (a.starts_with("C-") && b.starts_with("B-"));
            (bc && person(a) == person(b)).then(|| person(a))
        })
        .collect();
    let b_ids: std::collections::HashSet<String> = ext_of
        .values()
        .filter(|e| e.starts_with("B-"))
        .map(|e| person(e))
        .collect();
    let bc_expected = ext_of
        .values()
        .filter(|e| e.starts_with("C-") && b_ids.contains(&person(e)))
        .count();
    println!(
        "Whole-list matching through the key index (all {} unlinked records, window by window, as the API's candidates without missing_id): {:.1} s, {} candidate pairs (score >= 0.7); the same person on the Belgrade and family lists offered for {}/{} ({:.1} %) of the persons on both (among cases too: those linked to a case are matched to the case).",
        unl,
        whole_s,
        all.len(),
        bc_found.len(),
        bc_expected,
        100.0 * bc_found.len() as f64 / bc_expected.max(1) as f64
    );
    drop(all);
    store.close().await;
    std::fs::remove_dir_all(dir).ok();
    Ok(0)
}

/// A source record's id and its external id (stored encrypted, bound to the row) from a
/// row `SELECT id, external_id`.
fn ext_id(
    store: &dignity_store::Store,
    r: &sqlx::any::AnyRow,
) -> Result<(i64, String), dignity_store::StoreError> {
    let id: i64 = sqlx::Row::get(r, 0);
    let ext = store.decrypt(
        "pro_source_records.external_id",
        id,
        &sqlx::Row::get::<String, _>(r, 1),
    )?;
    Ok((id, ext))
}

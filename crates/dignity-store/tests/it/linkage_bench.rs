//! Benchmark (ignored by default): a linkage run over 100,000 source records in the app —
//! two lists of 50,000 missing persons, 30,000 people on both, some names misspelt. Prints
//! the time to candidates and the peak memory for `docs/benchmarks.md`:
//! `cargo test --release -p dignity-store --test linkage_bench -- --ignored --nocapture`

use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::protection::sources as s;
use dignity_store::stats::linkage::{self as l, RunSettings};
use dignity_store::testing::fixtures::import_csv;
use dignity_store::testing::{backends, store};
use std::time::Instant;

const FIRST: &[&str] = &[
    "Agron", "Besnik", "Dragana", "Fatmir", "Lirije", "Vjosa", "Milan", "Shpresa", "Ilir", "Teuta",
    "Bekim", "Ardita", "Arben", "Blerta", "Driton", "Elira", "Fisnik", "Gentiana", "Hysen", "Jeta",
    "Kushtrim", "Liridona", "Mentor", "Nora", "Petrit", "Qendresa", "Rinor", "Sara", "Valon",
    "Zana", "Jovan", "Milica", "Nikola", "Jelena", "Stefan", "Marija", "Dusan", "Ana", "Lazar",
    "Ivana",
];
const LAST: &[&str] = &[
    "Krasniqi",
    "Gashi",
    "Berisha",
    "Hoxha",
    "Morina",
    "Kelmendi",
    "Rexhepi",
    "Zeqiri",
    "Shala",
    "Bytyqi",
    "Ahmeti",
    "Hasani",
    "Osmani",
    "Mustafa",
    "Kryeziu",
    "Thaqi",
    "Sylejmani",
    "Halili",
    "Rama",
    "Dervishi",
    "Jovanovic",
    "Petrovic",
    "Nikolic",
    "Markovic",
    "Djordjevic",
    "Stojanovic",
    "Ilic",
    "Stankovic",
    "Pavlovic",
    "Milosevic",
];
const PLACES: &[&str] = &[
    "Gjakova",
    "Prizren",
    "Peja",
    "Ferizaj",
    "Mitrovica",
    "Gjilan",
    "Istog",
    "Decan",
    "Podujeva",
    "Rahovec",
];

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("VmHWM")).map(String::from))
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn bench_linkage_run_over_100k_source_records() {
    let people = 70_000usize;
    let mut rng = Lcg(7);
    let persons: Vec<(String, String, String, &str)> = (0..people)
        .map(|_| {
            let name = format!(
                "{} {} {}",
                FIRST[rng.next(FIRST.len())],
                FIRST[rng.next(FIRST.len())],
                LAST[rng.next(LAST.len())]
            );
            let birth = format!(
                "{}-{:02}-{:02}",
                1930 + rng.next(75),
                1 + rng.next(12),
                1 + rng.next(28)
            );
            (
                name,
                birth,
                PLACES[rng.next(PLACES.len())].to_string(),
                if rng.next(2) == 0 { "M" } else { "F" },
            )
        })
        .collect();
    for b in backends() {
        let st = store(b).await;
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let u = accounts::create(
            &mut tx,
            "bench",
            "",
            Role::Coordinator,
            "a long enough passphrase",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let actor = accounts::actor_for(&st, &u).await.unwrap();
        let (a, c) = st
            .write(&actor, async |tx| {
                Ok((
                    s::create_source(tx, "A", "ngo").await?,
                    s::create_source(tx, "B", "commission").await?,
                ))
            })
            .await
            .unwrap();
        // List A: people 0..50k; list B: 20k..70k (30k on both), every 10th name misspelt
        // and every 7th date of birth only a year.
        let mut ta = String::from("external_id,name,birth_date,place,sex\n");
        for (i, p) in persons.iter().enumerate().take(50_000) {
            ta.push_str(&format!("A-{i},{},{},{},{}\n", p.0, p.1, p.2, p.3));
        }
        let mut tb = String::from("external_id,name,birth_date,place,sex\n");
        for (i, p) in persons.iter().enumerate().skip(20_000) {
            let name = if i % 10 == 0 {
                p.0.replacen('a', "e", 1)
            } else {
                p.0.clone()
            };
            let birth = if i % 7 == 0 {
                p.1[..4].to_string()
            } else {
                p.1.clone()
            };
            tb.push_str(&format!("B-{i},{name},{birth},{},{}\n", p.2, p.3));
        }
        let map = s::guess_mapping(
            &["external_id", "name", "birth_date", "place", "sex"].map(String::from),
        );
        let t = Instant::now();
        import_csv(&st, &actor, a, "a.csv", ta.as_bytes(), &map).await;
        import_csv(&st, &actor, c, "b.csv", tb.as_bytes(), &map).await;
        let import_s = t.elapsed().as_secs_f64();
        let rss_before = peak_rss_mib();
        let t = Instant::now();
        let run = l::start_run(&st, &actor, &RunSettings::default())
            .await
            .unwrap();
        let run_s = t.elapsed().as_secs_f64();
        println!(
            "{b:?}: 100,000 source records imported in {import_s:.1} s; linkage run {run_s:.1} s total \
             ({}); {} candidate pairs, {} stored; peak RSS {rss_before:.0} MiB before the run, {:.0} MiB after",
            run.diagnostics.last().unwrap(),
            run.candidates,
            run.pairs,
            peak_rss_mib()
        );
        assert_eq!(run.records, 100_000);
        // Quality of the stored pairs at p >= 0.5 against the truth (A-i and B-i are one person).
        let rows = sqlx::query(
            "SELECT a.id, a.external_id, b.id, b.external_id FROM stat_linkage_pairs x JOIN pro_source_records a ON a.id = x.left_id \
             JOIN pro_source_records b ON b.id = x.right_id WHERE x.run_id = $1 AND x.probability >= 0.5",
        )
        .bind(run.id)
        .fetch_all(st.pool())
        .await
        .unwrap();
        let found = rows.len() as f64;
        let right = rows
            .iter()
            .filter(|r| {
                // The external ids are stored encrypted, bound to their rows.
                let ext = |i: usize| {
                    st.decrypt(
                        "pro_source_records.external_id",
                        sqlx::Row::get::<i64, _>(*r, i),
                        &sqlx::Row::get::<String, _>(*r, i + 1),
                    )
                    .unwrap()
                };
                let (x, y) = (ext(0), ext(2));
                x[2..] == y[2..]
            })
            .count() as f64;
        println!(
            "{b:?}: pairs at p >= 0.5: {found}, precision {:.3}, recall {:.3} (30,000 true pairs)",
            right / found.max(1.0),
            right / 30_000.0
        );
    }
}

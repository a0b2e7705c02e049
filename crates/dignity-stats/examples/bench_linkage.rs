//! Linkage benchmark on ../shared/data/linkage (run with --release):
//! `cargo run -p dignity-stats --release --example bench_linkage -- [historical_50k|fake_1000|synthetic N]`

use std::path::PathBuf;
use std::time::Instant;

use dignity_stats::linkage::{metrics, Dataset, FieldKind, FieldSpec, LinkageSettings, Linker};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/linkage")
}

fn load(file: &str, fields: &[(&str, FieldKind)], truth_col: &str) -> (Dataset, Vec<u64>) {
    let path = data_dir().join(file);
    metrics::read_labelled(&path, fields, truth_col).unwrap_or_else(|e| panic!("{e:#}"))
}

/// Synthetic people: syllable-built names with a Zipf-like frequency (name
/// pools grow with the population, as real surname diversity does), dates of
/// birth over 80 years, 2,000 places; each person has 1–4 records with typos,
/// missing values and day/month swaps.
fn synthetic(n_records: usize) -> (Dataset, Vec<u64>) {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(2024);
    let syl = [
        "al", "be", "ca", "da", "el", "fa", "ga", "ha", "in", "jo", "ka", "li", "ma", "na", "or",
        "pe", "ra", "sa", "ta", "ul", "va", "ya", "za", "mi", "ro", "su", "ke", "lo", "ni", "te",
    ];
    let word = |rng: &mut StdRng, k: usize| -> String {
        (0..k).map(|_| syl[rng.gen_range(0..syl.len())]).collect()
    };
    let firsts: Vec<String> = (0..(n_records / 100).max(500))
        .map(|_| {
            let k = 2 + usize::from(rng.gen::<f64>() < 0.4);
            word(&mut rng, k)
        })
        .collect();
    let surnames: Vec<String> = (0..(n_records / 4).max(1000))
        .map(|_| {
            let k = 3 + usize::from(rng.gen::<f64>() < 0.5);
            word(&mut rng, k)
        })
        .collect();
    let places: Vec<String> = (0..2000).map(|_| word(&mut rng, 3)).collect();
    // skewed like real name frequencies: the commonest value holds ~1/sqrt(n) of people
    let zipf =
        |rng: &mut StdRng, n: usize| -> usize { ((n as f64) * rng.gen::<f64>().powi(2)) as usize };
    let typo = |rng: &mut StdRng, s: &str| -> String {
        let mut c: Vec<char> = s.chars().collect();
        if c.len() > 2 {
            let i = rng.gen_range(0..c.len() - 1);
            match rng.gen_range(0..3) {
                0 => c.swap(i, i + 1),
                1 => {
                    c.remove(i);
                }
                _ => c[i] = (b'a' + rng.gen_range(0..26u8)) as char,
            }
        }
        c.into_iter().collect()
    };
    let fields = vec![
        FieldSpec::new("first_name", FieldKind::Name),
        FieldSpec::new("surname", FieldKind::Name),
        FieldSpec::new("dob", FieldKind::Date),
        FieldSpec::new("birth_place", FieldKind::Place),
    ];
    let mut ds = Dataset::new(fields);
    let mut truth = Vec::with_capacity(n_records);
    let mut person = 0u64;
    while ds.len() < n_records {
        let f = firsts[zipf(&mut rng, firsts.len())].clone();
        let s = surnames[zipf(&mut rng, surnames.len())].clone();
        let (y, m, d) = (
            rng.gen_range(1930..2010),
            rng.gen_range(1..13),
            rng.gen_range(1..29),
        );
        let pl = places[zipf(&mut rng, places.len())].clone();
        let copies = 1 + rng.gen_range(0..4);
        for _ in 0..copies {
            if ds.len() >= n_records {
                break;
            }
            let mut vals = vec![
                Some(f.clone()),
                Some(s.clone()),
                Some(format!("{y:04}-{m:02}-{d:02}")),
                Some(pl.clone()),
            ];
            for v in vals.iter_mut() {
                let r: f64 = rng.gen();
                if r < 0.1 {
                    *v = None;
                } else if r < 0.25 {
                    *v = v.as_ref().map(|x| typo(&mut rng, x));
                }
            }
            if rng.gen::<f64>() < 0.05 {
                vals[2] = Some(format!("{y:04}-{d:02}-{m:02}"));
            }
            let id = format!("p{person}-{}", ds.len());
            ds.push(&id, vals);
            truth.push(person);
        }
        person += 1;
    }
    (ds, truth)
}

fn main() {
    let which = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "historical_50k".into());
    let (ds, truth) = match which.as_str() {
        "synthetic" => synthetic(
            std::env::args()
                .nth(2)
                .and_then(|v| v.parse().ok())
                .unwrap_or(1_000_000),
        ),
        "fake_1000" => load("fake_1000.csv", metrics::FAKE_1000_FIELDS, "cluster"),
        _ => load(
            "historical_50k.csv",
            metrics::HISTORICAL_50K_FIELDS,
            "cluster",
        ),
    };
    println!(
        "{} records, {} threads",
        ds.len(),
        rayon::current_num_threads()
    );
    let t0 = Instant::now();
    let linker = Linker::new(&ds, LinkageSettings::default()).unwrap();
    let t_block = t0.elapsed().as_secs_f64();
    for d in &linker.diagnostics {
        println!("  {d}");
    }
    println!(
        "candidates {} blocking recall {:.4}",
        linker.num_candidate_pairs(),
        metrics::blocking_recall(linker.candidate_pairs(), &truth)
    );
    let t1 = Instant::now();
    let model = linker.train().unwrap();
    let t_train = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let pairs = linker.predict(&model);
    let t_pred = t2.elapsed().as_secs_f64();
    let t3 = Instant::now();
    let cl = linker.cluster(&pairs, 0.5);
    let t_cl = t3.elapsed().as_secs_f64();
    println!(
        "lambda {:.3e} em iters {}",
        model.lambda, model.em_iterations
    );
    for f in &model.fields {
        println!(
            "{}: {}",
            f.field,
            f.levels
                .iter()
                .skip(1)
                .map(|l| format!(
                    "[{} m={:.3} u={:.2e} w={:.1}]",
                    &l.label[..l.label.len().min(14)],
                    l.m,
                    l.u,
                    l.weight()
                ))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let p = metrics::pairwise(&pairs, &truth, 0.5);
    let c = metrics::clusters(&cl.assignment, &truth);
    println!(
        "pairwise p>=0.5: P {:.4} R {:.4} F1 {:.4}",
        p.precision, p.recall, p.f1
    );
    println!(
        "clusters: P {:.4} R {:.4} F1 {:.4} bcubed F1 {:.4} ARI {:.4} clusters {} / {} refused {}",
        c.pairwise.precision,
        c.pairwise.recall,
        c.pairwise.f1,
        c.bcubed_f1,
        c.adjusted_rand_index,
        c.clusters,
        c.true_clusters,
        cl.refused_merges
    );
    println!("time: block+compare {t_block:.2}s train {t_train:.2}s predict {t_pred:.2}s cluster {t_cl:.2}s total {:.2}s", t0.elapsed().as_secs_f64());
}

//! Linkage benchmark on ../shared/data/linkage (run with --release):
//! `cargo run -p dignity-stats --release --example bench_linkage -- [historical_50k|fake_1000|synthetic N]`

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use dignity_stats::linkage::{metrics, Dataset, FieldKind, FieldSpec, LinkageSettings, Linker};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/linkage")
}

fn load(file: &str, fields: &[(&str, FieldKind)], truth_col: &str) -> (Dataset, Vec<u64>) {
    let path = data_dir().join(file);
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let h = r.headers().unwrap().clone();
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("no column {n}"))
    };
    let idc = col("unique_id");
    let tc = col(truth_col);
    let fc: Vec<usize> = fields.iter().map(|f| col(f.0)).collect();
    let mut ds = Dataset::new(fields.iter().map(|f| FieldSpec::new(f.0, f.1)).collect());
    let mut ents: HashMap<String, u64> = HashMap::new();
    let mut truth = vec![];
    for rec in r.records() {
        let rec = rec.unwrap();
        ds.push(
            &rec[idc],
            fc.iter().map(|&c| Some(rec[c].to_string())).collect(),
        );
        let n = ents.len() as u64;
        truth.push(*ents.entry(rec[tc].to_string()).or_insert(n));
    }
    (ds, truth)
}

fn main() {
    let which = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "historical_50k".into());
    let (ds, truth) = match which.as_str() {
        "fake_1000" => load(
            "fake_1000.csv",
            &[
                ("first_name", FieldKind::Name),
                ("surname", FieldKind::Name),
                ("dob", FieldKind::Date),
                ("city", FieldKind::Place),
                ("email", FieldKind::Exact),
            ],
            "cluster",
        ),
        _ => load(
            "historical_50k.csv",
            &[
                ("first_name", FieldKind::Name),
                ("surname", FieldKind::Name),
                ("dob", FieldKind::Date),
                ("birth_place", FieldKind::Place),
                ("postcode_fake", FieldKind::Exact),
                ("occupation", FieldKind::Exact),
                ("gender", FieldKind::Exact),
            ],
            "cluster",
        ),
    };
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

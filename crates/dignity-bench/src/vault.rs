//! `dignity-bench vault`: what the person key vault costs a bulk import (issue 16 item 7).
//!
//! The import runs as `dignity demo generate` runs it (one write transaction): its
//! persons' keys reach the vault as one batch file, synced before the commit. The design
//! before (one file per person: temporary file synced, renamed, directory synced — the
//! product's `private::write_atomic`, which the old vault called once per person) is
//! emulated in the same run on the same disk: the same number of wrapped keys written that
//! way, and the batch file's own write timed alike; "before" is the measured import minus
//! the batch write plus the per-person writes.

use crate::in_process::create_user;
use anyhow::{Context, Result};
use clap::Args;
use dignity_cli::violations::{self, DemoCmd};
use dignity_core::crypto::PersonKey;
use dignity_core::Role;
use dignity_store::private::write_atomic;
use dignity_store::Store;
use sqlx::Row;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct BenchVaultArgs {
    /// Events to import (1–5 acts each, with their victims), the demo generator's data.
    #[arg(long, default_value_t = 2_000)]
    pub events: usize,
    /// Repetitions (a fresh data directory each); the medians are reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Working directory (default: a new directory under the system temp dir, removed after).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}

struct Run {
    persons: f64,
    import_s: f64,
    batch_s: f64,
    per_person_s: f64,
}

async fn one(a: &BenchVaultArgs, work: &std::path::Path, i: usize) -> Result<Run> {
    let data = work.join(format!("data-{i}"));
    std::fs::create_dir_all(&data)?;
    let store = Store::open(&dignity_store::OpenOptions::new(&data)).await?;
    dignity_store::refdata::load_shipped(&store).await?;
    create_user(&store, "bench-documenter", Role::Documenter).await?;
    let t = Instant::now();
    violations::demo(
        &store,
        DemoCmd::Generate {
            events: a.events,
            seed: 1 + i as u64,
            csv: None,
            as_user: Some("bench-documenter".into()),
        },
    )
    .await
    .context("importing the generated events")?;
    let import_s = t.elapsed().as_secs_f64();
    let persons: i64 = sqlx::query("SELECT COUNT(*) FROM vio_persons")
        .fetch_one(store.pool())
        .await?
        .get(0);
    // The same keys, wrapped as the vault wraps them.
    let keys = store.keys();
    let wrapped: Vec<String> = (1..=persons)
        .map(|id| keys.wrap_person_key(id, &PersonKey::generate()))
        .collect();
    store.close().await;
    // The batch file: one synced file holding every line, as the commit writes it.
    let emu = work.join(format!("emulated-{i}"));
    std::fs::create_dir_all(&emu)?;
    let body: String = wrapped
        .iter()
        .enumerate()
        .map(|(n, w)| format!("{} 1 {w}\n", n + 1))
        .collect();
    let t = Instant::now();
    write_atomic(&emu.join("batch.keys"), body.as_bytes())?;
    let batch_s = t.elapsed().as_secs_f64();
    // The design before: one synced file per person.
    let t = Instant::now();
    for (n, w) in wrapped.iter().enumerate() {
        write_atomic(
            &emu.join(format!("{}.key", n + 1)),
            format!("{w}\n").as_bytes(),
        )?;
    }
    let per_person_s = t.elapsed().as_secs_f64();
    Ok(Run {
        persons: persons as f64,
        import_s,
        batch_s,
        per_person_s,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

pub async fn bench(a: &BenchVaultArgs) -> Result<i32> {
    let own = a.work_dir.is_none();
    let work = a
        .work_dir
        .clone()
        .unwrap_or_else(|| dignity_store::testing::temp_dir("dignity-bench-vault"));
    let load_before = load();
    let mut runs = Vec::new();
    for i in 0..a.runs.max(1) {
        let r = one(a, &work, i).await?;
        eprintln!(
            "run {}: {:.0} persons, import {:.2} s, batch write {:.1} ms, one file per person {:.2} s",
            i + 1,
            r.persons,
            r.import_s,
            r.batch_s * 1000.0,
            r.per_person_s
        );
        runs.push(r);
    }
    let persons = median(runs.iter().map(|r| r.persons).collect());
    let now = median(runs.iter().map(|r| r.import_s).collect());
    let before = median(
        runs.iter()
            .map(|r| r.import_s - r.batch_s + r.per_person_s)
            .collect(),
    );
    let per_person_ms = median(
        runs.iter()
            .map(|r| r.per_person_s * 1000.0 / r.persons)
            .collect(),
    );
    let batch_ms = median(runs.iter().map(|r| r.batch_s * 1000.0).collect());
    println!(
        "\n## Person key vault: import of {} events ({persons:.0} persons), median of {} runs; load average {load_before} → {}\n",
        a.events,
        runs.len(),
        load()
    );
    println!(
        "| | one synced file per person (before, emulated) | one batch per transaction (now) |"
    );
    println!("|---|---:|---:|");
    println!("| import, s | {before:.2} | {now:.2} |");
    println!(
        "| persons/s | {:.0} | {:.0} |",
        persons / before,
        persons / now
    );
    println!(
        "| vault writes | {per_person_ms:.3} ms per person ({:.2} s) | {batch_ms:.1} ms for the batch |",
        per_person_ms * persons / 1000.0
    );
    if own {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(0)
}

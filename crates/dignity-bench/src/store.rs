//! `dignity-bench store`: what the foundation costs — audited writes, audit verification,
//! backup and password hashing — on SQLite and, side by side, PostgreSQL.

use anyhow::Result;
use clap::Args;
use dignity_core::{Actor, Role};
use dignity_store::{accounts, audit, backup, Store};
use std::time::Instant;

#[derive(Args)]
pub struct BenchStoreArgs {
    /// Audited writes to make (each in its own transaction).
    #[arg(long, default_value_t = 2000)]
    pub writes: usize,
    /// Also measure on this (empty) PostgreSQL database.
    #[arg(long)]
    pub postgres: Option<String>,
}

struct Row {
    backend: String,
    single: f64,
    batched: f64,
    verify: f64,
    backup_s: f64,
    entries: usize,
}

async fn measure(store: &Store, n: usize, label: &str) -> Result<Row> {
    let actor = Actor {
        user_id: None,
        username: "bench".into(),
        role: Role::Admin,
        teams: vec![],
    };
    // One write per transaction, as a person saving a form.
    let t = Instant::now();
    for i in 0..n {
        let mut tx = store.begin(&actor).await?;
        accounts::set_setting(&mut tx, &format!("bench.single.{i}"), "value").await?;
        tx.commit().await?;
    }
    let single = n as f64 / t.elapsed().as_secs_f64();
    // Many writes per transaction, as an import.
    let t = Instant::now();
    let mut tx = store.begin(&actor).await?;
    for i in 0..n {
        accounts::set_setting(&mut tx, &format!("bench.batch.{i}"), "value").await?;
    }
    tx.commit().await?;
    let batched = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let rep = audit::verify_log(store).await?;
    anyhow::ensure!(rep.ok(), "audit chain did not verify: {:?}", rep.problems);
    let verify = rep.checked as f64 / t.elapsed().as_secs_f64();
    let dir = dignity_store::testing::temp_dir("dignity-bench");
    let t = Instant::now();
    backup::backup(
        store,
        &dir.join("b.dgn"),
        &backup::BackupOptions::unencrypted(),
    )
    .await?;
    let backup_s = t.elapsed().as_secs_f64();
    std::fs::remove_dir_all(dir).ok();
    Ok(Row {
        backend: label.into(),
        single,
        batched,
        verify,
        backup_s,
        entries: rep.checked,
    })
}

pub async fn run(a: &BenchStoreArgs) -> Result<i32> {
    let mut rows = Vec::new();
    let dir = dignity_store::testing::temp_dir("dignity-bench-sqlite");
    let s = Store::open(&dignity_store::OpenOptions::new(dir.join("data"))).await?;
    rows.push(measure(&s, a.writes, "SQLite (embedded, WAL)").await?);
    s.close().await;
    std::fs::remove_dir_all(dir).ok();
    if let Some(url) = &a.postgres {
        let dir = dignity_store::testing::temp_dir("dignity-bench-pg");
        let mut o = dignity_store::OpenOptions::new(dir.join("data"));
        o.database_url = Some(url.clone());
        let s = Store::open(&o).await?;
        rows.push(measure(&s, a.writes, "PostgreSQL (loopback)").await?);
        s.close().await;
        std::fs::remove_dir_all(dir).ok();
    }
    let t = Instant::now();
    let h = dignity_core::password::hash("correct horse battery staple");
    let hash_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    dignity_core::password::verify("correct horse battery staple", &h);
    let verify_ms = t.elapsed().as_secs_f64() * 1000.0;

    println!("| backend | audited writes/s, one per transaction | audited writes/s, {} per transaction | audit verify, entries/s | backup of {} audit entries + rows |", a.writes, 2 * a.writes);
    println!("|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.2} s ({} entries) |",
            r.backend, r.single, r.batched, r.verify, r.backup_s, r.entries
        );
    }
    println!("\nArgon2id (default parameters): hash {hash_ms:.0} ms, verify {verify_ms:.0} ms per sign-in.");
    Ok(0)
}

//! `dignity-bench reports`: the dashboard (unfiltered, one country, a country and years),
//! the country and thematic reports as HTML and PDF, timed through the application's router
//! in process (request context, permission filter, queries, rendering, PDF layout; no TCP
//! socket), signed in as an analyst (every count filtered by the SQL visibility filter).
//! Builds the data first when the data directory has no acts: `--events` events of the
//! violations generator (`dignity demo generate`), 1–5 acts each (333,334 events ≈ 1,000,000
//! acts), imported through the import path.

use crate::in_process::{create_user, generate, get, signed_in};
use anyhow::{Context, Result};
use clap::Args;
use dignity_core::Role;
use dignity_store::{accounts, Store};
use sqlx::Row;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct BenchReportsArgs {
    /// Data directory (kept): the data is generated there when it has no acts yet.
    #[arg(long)]
    pub work_dir: PathBuf,
    /// Events to generate when the data directory has no acts (1–5 acts each).
    #[arg(long, default_value_t = 333_334)]
    pub events: usize,
    /// Times each request is made (the first is cold: nothing cached).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// The country of the filtered dashboards and of the reports.
    #[arg(long, default_value = "PER")]
    pub country: String,
}

async fn user(store: &Store, name: &str, role: Role) -> Result<i64> {
    if let Some(u) = accounts::by_username(store, name).await? {
        return Ok(u.id);
    }
    create_user(store, name, role).await
}

pub async fn bench(a: &BenchReportsArgs) -> Result<i32> {
    let data = a.work_dir.join("data");
    std::fs::create_dir_all(&data)?;
    let store = Store::open(&dignity_store::OpenOptions::new(&data)).await?;
    dignity_store::refdata::load_shipped(&store).await?;
    user(&store, "bench-documenter", Role::Documenter).await?;
    let analyst = user(&store, "bench-analyst", Role::Analyst).await?;
    let acts = |store: Store| async move {
        sqlx::query("SELECT COUNT(*) FROM vio_acts")
            .fetch_one(store.pool())
            .await
            .map(|r| r.get::<i64, _>(0))
    };
    if acts(store.clone()).await? == 0 {
        println!("generating {} events (1–5 acts each)…", a.events);
        generate(&store, a.events)
            .await
            .context("generating the data")?;
    }
    let n_acts = acts(store.clone()).await?;
    println!(
        "data: {n_acts} acts in {}; load average {}",
        data.display(),
        crate::search_corpus::load_average()
    );

    let (router, cookie) = signed_in(&store, analyst).await?;
    let c = &a.country;
    let paths = [
        ("dashboard, unfiltered", "/dashboards".to_string()),
        ("dashboard, one country", format!("/dashboards?country={c}")),
        (
            "dashboard, country + 2015–2020",
            format!("/dashboards?country={c}&year_from=2015&year_to=2020"),
        ),
        (
            "dashboard API (JSON), unfiltered",
            "/api/v1/dashboards/acts".to_string(),
        ),
        (
            "country report, HTML",
            format!("/reports/country?country={c}"),
        ),
        (
            "thematic report (torture, 2020), HTML",
            format!("/reports/country?country={c}&lens=torture&year=2020"),
        ),
        (
            "country report, PDF",
            format!("/reports/country/pdf?country={c}"),
        ),
        (
            "thematic report (torture, 2020), PDF",
            format!("/reports/country/pdf?country={c}&lens=torture&year=2020"),
        ),
    ];
    println!("\n| request | bytes | first (ms) | then (ms, each) | load avg |");
    println!("|---|---:|---:|---|---:|");
    for (what, path) in paths {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..a.repeat.max(1) {
            let t = Instant::now();
            bytes = get(&router, &cookie, &path).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let then: Vec<String> = times[1..].iter().map(|t| format!("{t:.0}")).collect();
        println!(
            "| {what} (`{path}`) | {bytes} | {:.0} | {} | {} |",
            times[0],
            then.join(", "),
            crate::search_corpus::load_average()
        );
    }
    store.close().await;
    Ok(0)
}

//! Search commands: `dignity reindex` and the wiring of the index into `serve` (the search
//! benchmark is `dignity-bench search`, crate `dignity-bench`).

use crate::config::Config;
use anyhow::{Context, Result};
use clap::Args;
use dignity_search::{Search, SearchOptions};
use dignity_store::search::Registry;
use dignity_store::Store;
use std::time::Instant;

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

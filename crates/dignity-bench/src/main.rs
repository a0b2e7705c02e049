//! `dignity-bench`: the benchmarks behind `docs/benchmarks.md`, in their own binary so that the
//! product binary `dignity` carries none of their code (issue 23, "the binary is the product").
//!
//! Run a figure with `cargo run --release -p dignity-bench -- <figure> [options]`; the figures
//! that start a server (`search`'s load test, `protection`) run the `dignity` binary found beside
//! this one (`cargo build --release -p dignity-cli` first) or the one named by `DIGNITY_BIN`.

mod evidence;
mod exports;
mod fields;
mod http;
mod in_process;
mod protection;
mod reports;
mod search;
mod search_corpus;
mod search_sql;
mod store;
mod vault;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "dignity-bench",
    version,
    about = "Measure what Dignity's capabilities cost (figures for docs/benchmarks.md; release build)"
)]
struct Cli {
    #[command(subcommand)]
    command: BenchCmd,
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Audited writes, audit verification, backup, password hashing (SQLite, and PostgreSQL if given).
    Store(store::BenchStoreArgs),
    // -- benchmarks of the areas of the product
    /// Search: Dignity's index vs PostgreSQL full-text search vs SQLite FTS5 on one synthetic corpus.
    Search(search::BenchSearchArgs),
    /// Protection: three overlapping lists of missing persons imported, candidate matching
    /// per case, the person page under concurrent load.
    Protection(protection::BenchProtectionArgs),
    /// Exports (CSV, XLSX rows/s) of a synthetic index, and the public country page under load.
    Exports(exports::BenchExportsArgs),
    /// Dashboards and country/thematic reports (HTML, PDF) over generated violations data.
    Reports(reports::BenchReportsArgs),
    /// Keep-alive HTTP load on a running server (pages of the portal, the search API…).
    Http(http::BenchHttpArgs),
    /// Evidence files: upload and download MB/s, encrypted at rest vs in clear.
    Evidence(evidence::BenchEvidenceArgs),
    /// Field encryption: bulk import rate and event page latency, and the share of the
    /// store's cipher in each (encrypted at rest vs clear).
    Fields(fields::BenchFieldsArgs),
    /// Person key vault: a bulk import with one batch of keys per transaction, against one
    /// synced file per person (emulated in the same run).
    Vault(vault::BenchVaultArgs),
}

/// The `dignity` binary that the server-side figures start: `DIGNITY_BIN`, or `dignity` in
/// the directory of this executable (both are built into `target/release/`).
pub fn dignity_exe() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("DIGNITY_BIN") {
        return Ok(PathBuf::from(p));
    }
    let me = std::env::current_exe()?;
    let p = me
        .parent()
        .context("the directory of dignity-bench")?
        .join("dignity");
    anyhow::ensure!(
        p.is_file(),
        "{} not found: build it first (`cargo build --release -p dignity-cli`) or set DIGNITY_BIN",
        p.display()
    );
    Ok(p)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let r = match cli.command {
        BenchCmd::Store(a) => store::run(&a).await,
        BenchCmd::Search(a) => search::bench(&a).await,
        BenchCmd::Protection(a) => protection::protection(&a).await,
        BenchCmd::Exports(a) => exports::bench(&a).await,
        BenchCmd::Reports(a) => reports::bench(&a).await,
        BenchCmd::Http(a) => http::bench(&a).await,
        BenchCmd::Evidence(a) => evidence::bench(&a).await,
        BenchCmd::Fields(a) => fields::bench(&a).await,
        BenchCmd::Vault(a) => vault::bench(&a).await,
    };
    match r {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_figure_keeps_its_options() {
        Cli::command().debug_assert();
        for args in [
            &["store", "--writes", "10", "--postgres", "postgres://x/y"][..],
            &[
                "search",
                "--docs",
                "1000",
                "--queries",
                "10",
                "--no-sqlite",
                "--catch-up",
                "0",
            ],
            &[
                "search",
                "--clients",
                "0",
                "--compare-clear",
                "--reuse-index",
            ],
            &["protection", "--missing", "100", "--cases", "10"],
            &[
                "exports",
                "--docs",
                "100",
                "--clients",
                "1",
                "--seconds",
                "1",
            ],
            &["reports", "--work-dir", "/tmp/x", "--repeat", "1"],
            &["http", "--addr", "127.0.0.1:1", "--paths", "/a,/b"],
            &["evidence", "--mib", "1", "--runs", "1"],
            &["fields", "--events", "10", "--pages", "5"],
            &["vault", "--events", "10", "--runs", "1"],
        ] {
            let argv = std::iter::once("dignity-bench").chain(args.iter().copied());
            if let Err(e) = Cli::try_parse_from(argv) {
                panic!("{args:?}: {e}");
            }
        }
    }
}

//! `dignity-bench search`: Dignity's index vs PostgreSQL full-text search vs SQLite FTS5 on one
//! synthetic multilingual corpus (moved out of the `dignity` binary, issue 23).

use crate::http::{percentiles, proc_status_mb, rss_mb};
use crate::in_process::user_with_token;
use crate::search_corpus::*;
use crate::search_sql::{bench_postgres, bench_sqlite};
use anyhow::Result;
use clap::Args;
use dignity_core::{Actor, Confidentiality, Role};
use dignity_search::{IndexState, Search, SearchIndex, SearchOptions};
use dignity_store::search::{BoxFuture, Registry, SearchDoc};
use dignity_store::testing::fixtures::RowIndexer;
use dignity_store::Store;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct BenchSearchArgs {
    /// Documents in the synthetic corpus.
    #[arg(long, default_value_t = 1_000_000)]
    pub docs: usize,
    /// Queries of the mixed query set (each engine runs the same list).
    #[arg(long, default_value_t = 2000)]
    pub queries: usize,
    /// Also measure PostgreSQL full-text search on this server (a fresh database is made).
    #[arg(long)]
    pub postgres: Option<String>,
    /// Skip SQLite FTS5.
    #[arg(long)]
    pub no_sqlite: bool,
    /// Concurrent clients of the HTTP load test (0: skip it).
    #[arg(long, default_value_t = 200)]
    pub clients: usize,
    /// Seconds of the HTTP load test.
    #[arg(long, default_value_t = 20)]
    pub load_seconds: u64,
    /// Audited records to write for the catch-up measurement.
    #[arg(long, default_value_t = 10_000)]
    pub catch_up: usize,
    /// Indexing threads (the server default is 1; 2 = both cores of the reference machine).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Working directory (default: a new directory under the system temp dir, removed after).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// With `--work-dir`: keep the Dignity index a previous run left there when it holds
    /// `--docs` documents (query latency only; the load figures are then not measured).
    #[arg(long)]
    pub reuse_index: bool,
    /// Also build the same index with its files in clear (not encrypted) first, and report
    /// indexing rate, query p95 and memory of both side by side (what the encryption at
    /// rest costs).
    #[arg(long)]
    pub compare_clear: bool,
}

pub async fn bench(a: &BenchSearchArgs) -> Result<i32> {
    let own_dir = a.work_dir.is_none();
    let work = a
        .work_dir
        .clone()
        .unwrap_or_else(|| dignity_store::testing::temp_dir("dignity-bench-search"));
    std::fs::create_dir_all(&work)?;
    let data = work.join("data");
    let qs = queries(a.queries);
    let mut lines = Vec::new();
    println!("corpus: {} documents; work dir {}", a.docs, work.display());

    // --- Dignity (tantivy) ----------------------------------------------------------
    let store = Store::open(&dignity_store::OpenOptions::new(&data)).await?;
    let keys = store.keys();
    let index_dir = data.join("index");
    let mut at_rest = Vec::new();
    if a.compare_clear {
        // The same corpus and queries into an index whose files are not encrypted, first
        // (its mapped pages are given back when it is dropped, before the encrypted one
        // decrypts its files into the heap).
        let clear_dir = data.join("index-clear");
        let _ = std::fs::remove_dir_all(&clear_dir);
        let m = bench_dignity(a, &keys, &clear_dir, false, &qs, &mut lines)?;
        at_rest.push(m);
        let _ = std::fs::remove_dir_all(&clear_dir);
    }
    let m = bench_dignity(a, &keys, &index_dir, true, &qs, &mut lines)?;
    at_rest.push(m);
    if a.compare_clear {
        report_at_rest(&at_rest, a.docs);
    }
    report(&lines, a.docs, qs.len());

    // --- PostgreSQL full-text search -------------------------------------------------
    if let Some(url) = &a.postgres {
        match bench_postgres(url, a.docs, &qs).await {
            Ok(l) => lines.push(l),
            Err(e) => println!("PostgreSQL: {e:#}"),
        }
        report(&lines, a.docs, qs.len());
    }
    // --- SQLite FTS5 -------------------------------------------------------------------
    if !a.no_sqlite {
        match bench_sqlite(&work.join("fts.db"), a.docs, &qs).await {
            Ok(l) => lines.push(l),
            Err(e) => println!("SQLite FTS5: {e:#}"),
        }
        report(&lines, a.docs, qs.len());
    }

    // --- Catch-up: audited writes applied from the log -----------------------------------
    if a.catch_up > 0 {
        sqlx::query("CREATE TABLE IF NOT EXISTS bench_events (id INTEGER PRIMARY KEY, lang TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, confidentiality TEXT NOT NULL, published INTEGER NOT NULL, created_by INTEGER)")
            .execute(store.pool())
            .await?;
        let mut reg = Registry::new();
        reg.add(BENCH_EVENTS);
        let search = Search::open(
            &store,
            reg.clone(),
            SearchOptions {
                dir: Some(index_dir.clone()),
                ..Default::default()
            },
        )
        .await?;
        drop(search);
        let t = Instant::now();
        for chunk in corpus(a.catch_up).collect::<Vec<_>>().chunks(100) {
            let mut tx = store.begin(&Actor::system()).await?;
            for r in chunk {
                sqlx::query("INSERT INTO bench_events (id, lang, title, body, confidentiality, published, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(10_000_000 + r.id)
                    .bind(r.lang)
                    .bind(&r.title)
                    .bind(&r.body)
                    .bind(r.level.as_str())
                    .bind(r.published as i64)
                    .bind(r.created_by)
                    .execute(tx.conn())
                    .await?;
                tx.audit(
                    "bench.create",
                    "bench_event",
                    &(10_000_000 + r.id).to_string(),
                    None,
                    None,
                    serde_json::json!({}),
                );
            }
            tx.commit().await?;
        }
        let write_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let search = Search::new(
            &store,
            reg,
            SearchOptions {
                dir: Some(index_dir.clone()),
                ..Default::default()
            },
        )?;
        let c = search.catch_up().await?;
        let cu = t.elapsed().as_secs_f64();
        println!(
            "\ncatch-up: {} audit entries written in {:.1} s without the index listening; applied at the next start in {:.2} s ({:.0} entries/s), {} documents indexed",
            c.entries, write_s, cu, c.entries as f64 / cu, c.indexed
        );
        drop(search);
    }
    store.close().await;

    // --- HTTP: the real server under concurrent clients -----------------------------------
    if a.clients > 0 {
        if let Err(e) = load_test(&data, &qs, a.clients, a.load_seconds).await {
            println!("load test: {e:#}");
        }
    }
    if own_dir {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(0)
}

/// What `--compare-clear` reports for one index.
struct AtRest {
    sealed: bool,
    load_s: f64,
    size_mb: f64,
    /// p95 of the first and second pass.
    p95: (f64, f64),
    open_s: f64,
    decrypted_mb: f64,
    rss_anon_mb: f64,
    rss_file_mb: f64,
}

fn report_at_rest(m: &[AtRest], n: usize) {
    println!(
        "\n## Search index at rest: clear vs encrypted, {n} documents; load average now {}\n",
        load_average()
    );
    println!("| index files | index (s) | docs/s | on disk (MB) | open (s) | p95 first pass (ms) | p95 second pass (ms) | decrypted in memory (MB) | RSS heap (MB) | RSS mapped files (MB) |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for l in m {
        println!(
            "| {} | {:.1} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0} |",
            if l.sealed { "encrypted" } else { "clear" },
            l.load_s,
            n as f64 / l.load_s,
            l.size_mb,
            l.open_s,
            l.p95.0,
            l.p95.1,
            l.decrypted_mb,
            l.rss_anon_mb,
            l.rss_file_mb
        );
    }
}

/// Index the corpus into `index_dir` (files encrypted or, for the comparison, clear) and
/// run the query list three times.
fn bench_dignity(
    a: &BenchSearchArgs,
    keys: &dignity_core::crypto::Keyring,
    index_dir: &Path,
    sealed: bool,
    qs: &[Q],
    lines: &mut Vec<Line>,
) -> Result<AtRest> {
    let open = |threads: usize, mb: usize| {
        if sealed {
            SearchIndex::open(index_dir, keys, threads, mb)
        } else {
            SearchIndex::open_clear_for_benchmark(index_dir, threads, mb)
        }
    };
    let label = if sealed {
        "Dignity (tantivy, in process)"
    } else {
        "Dignity, index files in clear (tantivy, in process)"
    };
    let t = Instant::now();
    let reused = a.reuse_index
        && a.work_dir.is_some()
        && open(1, 15)
            .map(|i| i.num_docs() == a.docs as u64)
            .unwrap_or(false);
    if reused {
        println!("  dignity: reusing the index in {}", index_dir.display());
    } else {
        let idx = open(a.threads, 64)?;
        idx.delete_all()?;
        for (k, r) in corpus(a.docs).enumerate() {
            idx.add(keys, &search_doc(&r), 0)?;
            if (k + 1) % 200_000 == 0 {
                println!("  dignity: {} documents", k + 1);
            }
        }
        idx.commit(&IndexState {
            schema: dignity_search::index::SCHEMA_VERSION,
            key: dignity_search::index::key_fingerprint(keys),
            seq: 0,
            hash: String::new(),
        })?;
        idx.wait_merging()?;
    }
    let load_s = if reused {
        f64::NAN
    } else {
        t.elapsed().as_secs_f64()
    };
    let size_mb = dir_size(index_dir) as f64 / 1e6;
    println!(
        "  dignity ({}): indexed in {load_s:.1} s, {size_mb:.0} MB",
        if sealed { "encrypted" } else { "clear" }
    );
    let t = Instant::now();
    let idx = open(1, 15)?;
    let open_s = t.elapsed().as_secs_f64();
    let facet_names = Registry::new().facet_names();
    let actor = reader();
    let mut p95 = Vec::new();
    // What `serve` does after opening the index (in the background there), then the
    // query list twice: the first pass meets every year range and facet filter for the
    // first time, the second finds their bit sets kept.
    let w = idx.warm_up()?;
    println!(
        "  dignity: warm-up {:.2} s ({} segments, {} MB of index files read)",
        w.seconds,
        w.segments,
        w.bytes / 1_000_000
    );
    for (pass, tables) in [
        ("first pass after the warm-up", true),
        ("second pass", true),
        (
            "third pass, facets counted by tantivy's FacetCollector",
            false,
        ),
    ] {
        idx.set_facet_tables(tables);
        let mut lat = Vec::with_capacity(qs.len());
        let mut hits = 0;
        let mut by_kind: BTreeMap<&'static str, (Vec<f64>, u64)> = BTreeMap::new();
        for q in qs {
            let t = Instant::now();
            let r = idx.search(keys, &actor, &request(q), &facet_names)?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            lat.push(ms);
            hits += r.total;
            let k = by_kind.entry(q.kind()).or_default();
            k.0.push(ms);
            k.1 += r.total;
        }
        println!("\n  {label}, {pass}, by kind of query:\n");
        println!("  | kind | queries | mean hits | p50 (ms) | p95 (ms) | p99 (ms) |");
        println!("  |---|---|---|---|---|---|");
        for (kind, (l, h)) in by_kind {
            let n = l.len();
            let (p50, p95, p99, _) = percentiles(l);
            println!(
                "  | {kind} | {n} | {:.0} | {p50:.2} | {p95:.2} | {p99:.2} |",
                h as f64 / n as f64
            );
        }
        let lat = percentiles(lat);
        p95.push(lat.1);
        lines.push(Line {
            engine: format!("{label}, {pass}"),
            load_s,
            size_mb,
            lat,
            hits,
        });
    }
    let pid = std::process::id();
    let m = AtRest {
        sealed,
        load_s,
        size_mb,
        p95: (p95[0], p95[1]),
        open_s,
        decrypted_mb: idx.memory_bytes() as f64 / 1e6,
        rss_anon_mb: proc_status_mb(pid, "RssAnon:"),
        rss_file_mb: proc_status_mb(pid, "RssFile:"),
    };
    drop(idx);
    Ok(m)
}

fn bench_row(store: &Store, id: i64, r: AnyRow) -> BoxFuture<'_, dignity_store::Result<SearchDoc>> {
    Box::pin(async move {
        let level: String = r.get(4);
        let access = dignity_store::acl::access(
            store,
            "bench_event",
            &id.to_string(),
            level
                .parse()
                .unwrap_or(Confidentiality::StrictlyConfidential),
            r.get::<i64, _>(5) == 1,
            r.get(6),
        )
        .await?;
        let title: String = r.get(2);
        Ok(
            SearchDoc::new("bench_event", &id.to_string(), &title, access).text(
                &r.get::<String, _>(1),
                &title,
                &r.get::<String, _>(3),
            ),
        )
    })
}

/// The bench record type of the catch-up measurement.
const BENCH_EVENTS: RowIndexer = RowIndexer {
    record_type: "bench_event",
    table: "bench_events",
    select: "SELECT id, lang, title, body, confidentiality, published, created_by FROM bench_events WHERE id = $1",
    doc: bench_row,
};

/// Start `dignity serve` on the bench data directory and hit `GET /api/v1/search` with
/// `clients` concurrent keep-alive connections for `seconds` (loopback only).
async fn load_test(data: &Path, qs: &[Q], clients: usize, seconds: u64) -> Result<()> {
    // A staff account and an API token, so that the permission filter works as for staff.
    let store = Store::open(&dignity_store::OpenOptions::new(data)).await?;
    let name = format!("bench{}", rand::random::<u32>());
    let (_, token) = user_with_token(&store, &name, Role::Analyst).await?;
    store.close().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let exe = crate::dignity_exe()?;
    let mut child = std::process::Command::new(exe)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DIGNITY_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let pid = child.id();
    let result = load_test_run(pid, port, qs, clients, seconds, &token).await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

async fn load_test_run(
    pid: u32,
    port: u16,
    qs: &[Q],
    clients: usize,
    seconds: u64,
    token: &str,
) -> Result<()> {
    let addr = format!("127.0.0.1:{port}");
    let t0 = Instant::now();
    loop {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            break;
        }
        if t0.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("the server did not start");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let start_s = t0.elapsed().as_secs_f64();
    let rss_idle = rss_mb(pid);
    let paths: Vec<String> = qs
        .iter()
        .map(|q| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            s.append_pair("q", &q.text);
            if let Some(c) = q.country {
                s.append_pair("country", c);
            }
            if let Some(t) = q.act_type {
                s.append_pair("act_type", t);
            }
            if let Some((a, b)) = q.years {
                s.append_pair("year_from", &a.to_string());
                s.append_pair("year_to", &b.to_string());
            }
            format!("/api/v1/search?{}", s.finish())
        })
        .collect();
    let headers = format!("Authorization: Bearer {token}\r\n");
    let paths = paths.into_iter().map(|p| (p, headers.clone())).collect();
    let stats = crate::http::load(&addr, paths, clients, seconds, Some(pid)).await?;
    let errors: u64 = stats
        .statuses
        .iter()
        .filter(|(k, _)| **k != 200)
        .map(|(_, n)| n)
        .sum();
    let (failed, all) = (stats.failed, stats.latencies);
    let peak = stats.rss_peak_mb;
    let rss_after = rss_mb(pid);
    let (anon, file) = (
        proc_status_mb(pid, "RssAnon:"),
        proc_status_mb(pid, "RssFile:"),
    );
    let n = all.len();
    let (p50, p95, p99, mean) = percentiles(all);
    println!("\n## HTTP: GET /api/v1/search, {clients} concurrent keep-alive clients for {seconds} s (loopback; server and clients share the machine)\n");
    println!("| requests | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | mean (ms) | non-200 | failed clients | server start (s) | RSS idle (MB) | RSS peak (MB) | RSS after (MB) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {n} | {:.0} | {p50:.1} | {p95:.1} | {p99:.1} | {mean:.1} | {errors} | {failed} | {start_s:.1} | {rss_idle:.0} | {} | {rss_after:.0} |",
        n as f64 / seconds as f64,
        peak
    );
    println!("\nRSS after the load test: {anon:.0} MB anonymous (heap) + {file:.0} MB file-backed (index pages mapped from disk, reclaimable by the kernel).");
    Ok(())
}

//! A small HTTP/1.1 load generator for the benchmarks: N keep-alive connections on a
//! running server send GETs in turn over a list of paths for S seconds, while the server's
//! resident memory is sampled. Used by `dignity-bench search` (the search API under 200
//! clients) and, as `dignity-bench http`, for any page of a running `dignity serve` (the
//! public portal, with or without `If-None-Match`).

use anyhow::Result;
use clap::Args;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Args)]
pub struct BenchHttpArgs {
    /// host:port of a running `dignity serve`.
    #[arg(long)]
    pub addr: String,
    /// Paths to request, in turn (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub paths: Vec<String>,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 200)]
    pub clients: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// A header sent with every request (`Name: value`), e.g. `Authorization: Bearer …`.
    #[arg(long)]
    pub header: Vec<String>,
    /// Ask every path once first and send its `ETag` back as `If-None-Match` (the
    /// revalidation of a cached page: 304 without a body).
    #[arg(long)]
    pub revalidate: bool,
    /// Process id of the server, to sample its resident memory during the run.
    #[arg(long)]
    pub pid: Option<u32>,
}

/// What a load run measured.
pub struct LoadStats {
    /// Latencies of the answered requests, in ms.
    pub latencies: Vec<f64>,
    /// Answers by status code.
    pub statuses: std::collections::BTreeMap<u16, u64>,
    /// Connections that failed (closed or refused).
    pub failed: usize,
    /// Peak of the sampled server RSS, MB (0 without a pid).
    pub rss_peak_mb: u64,
}

pub fn percentiles(mut v: Vec<f64>) -> (f64, f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let p = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (p(0.5), p(0.95), p(0.99), mean)
}

/// Send one GET on a keep-alive connection and read the whole answer (a body of
/// `Content-Length` bytes). Returns the status and the head (as sent: header values such
/// as an `ETag` keep their case).
async fn get(
    stream: &mut tokio::net::TcpStream,
    buf: &mut [u8],
    path: &str,
    headers: &str,
) -> Result<(u16, String)> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n{headers}\r\n");
    stream.write_all(req.as_bytes()).await?;
    let mut got: Vec<u8> = Vec::new();
    let (head_end, len, status, head) = loop {
        let n = stream.read(buf).await?;
        if n == 0 {
            anyhow::bail!("connection closed");
        }
        got.extend_from_slice(&buf[..n]);
        if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..i]).into_owned();
            let lower = head.to_lowercase();
            anyhow::ensure!(
                !lower.contains("transfer-encoding: chunked"),
                "{path}: chunked answers are not supported by this load generator"
            );
            let len = lower
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            let status = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            break (i + 4, len, status, head);
        }
    };
    while got.len() < head_end + len {
        let n = stream.read(buf).await?;
        if n == 0 {
            anyhow::bail!("connection closed");
        }
        got.extend_from_slice(&buf[..n]);
    }
    Ok((status, head))
}

/// Resident memory of a process, MB.
pub fn rss_mb(pid: u32) -> f64 {
    proc_status_mb(pid, "VmRSS:")
}

/// A memory figure of `/proc/PID/status` in MB (`VmRSS:`, `RssAnon:`, `RssFile:`).
pub fn proc_status_mb(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Run `clients` connections for `seconds` over `paths` (each with its own extra headers).
pub async fn load(
    addr: &str,
    paths: Vec<(String, String)>,
    clients: usize,
    seconds: u64,
    pid: Option<u32>,
) -> Result<LoadStats> {
    let paths = Arc::new(paths);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = pid.map(|pid| {
        let peak = peak.clone();
        tokio::spawn(async move {
            while Instant::now() < deadline {
                peak.fetch_max(rss_mb(pid) as u64, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    });
    let mut tasks = Vec::new();
    for c in 0..clients {
        let paths = paths.clone();
        let addr = addr.to_string();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut statuses = std::collections::BTreeMap::new();
            let mut stream = tokio::net::TcpStream::connect(&addr).await?;
            let mut buf = vec![0u8; 1 << 16];
            let mut k = c * 7;
            while Instant::now() < deadline {
                let (p, h) = &paths[k % paths.len()];
                k += 1;
                let t = Instant::now();
                let (status, _) = get(&mut stream, &mut buf, p, h).await?;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                *statuses.entry(status).or_insert(0u64) += 1;
            }
            Ok::<_, anyhow::Error>((lat, statuses))
        }));
    }
    let mut out = LoadStats {
        latencies: Vec::new(),
        statuses: Default::default(),
        failed: 0,
        rss_peak_mb: 0,
    };
    for t in tasks {
        match t.await? {
            Ok((l, s)) => {
                out.latencies.extend(l);
                for (k, n) in s {
                    *out.statuses.entry(k).or_insert(0) += n;
                }
            }
            Err(_) => out.failed += 1,
        }
    }
    if let Some(s) = sampler {
        let _ = s.await;
    }
    out.rss_peak_mb = peak.load(Ordering::Relaxed);
    Ok(out)
}

/// `dignity-bench http`.
pub async fn bench(a: &BenchHttpArgs) -> Result<i32> {
    anyhow::ensure!(!a.paths.is_empty(), "--paths: at least one path");
    let mut headers = String::new();
    for h in &a.header {
        headers.push_str(h.trim());
        headers.push_str("\r\n");
    }
    let mut paths = Vec::new();
    for p in &a.paths {
        let mut h = headers.clone();
        if a.revalidate {
            let mut s = tokio::net::TcpStream::connect(&a.addr).await?;
            let mut buf = vec![0u8; 1 << 16];
            let (status, head) = get(&mut s, &mut buf, p, &headers).await?;
            let etag = head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("etag")
                    .then(|| value.trim().to_string())
            });
            match etag {
                Some(e) => h.push_str(&format!("If-None-Match: {e}\r\n")),
                None => anyhow::bail!("{p} answered {status} without an ETag"),
            }
        }
        paths.push((p.clone(), h));
    }
    let rss_before = a.pid.map(rss_mb);
    let load_before = crate::search_corpus::load_average();
    let s = load(&a.addr, paths, a.clients, a.seconds, a.pid).await?;
    let n = s.latencies.len();
    let (p50, p95, p99, mean) = percentiles(s.latencies);
    let statuses: Vec<String> = s
        .statuses
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect();
    println!(
        "| requests | requests/s | p50 (ms) | p95 (ms) | p99 (ms) | mean (ms) | answers | failed clients | server RSS before / peak (MB) | load avg before / after |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {n} | {:.0} | {p50:.1} | {p95:.1} | {p99:.1} | {mean:.1} | {} | {} | {} | {load_before} / {} |",
        n as f64 / a.seconds as f64,
        statuses.join(", "),
        s.failed,
        match rss_before {
            Some(r) => format!("{r:.0} / {}", s.rss_peak_mb),
            None => "—".into(),
        },
        crate::search_corpus::load_average()
    );
    Ok(0)
}

//! A small HTTP load generator for the obligations benchmarks (keep-alive HTTP/1.1 over
//! loopback, bounded in requests and time):
//! `cargo run --release --example obligations_load -- 127.0.0.1:8080 CONCURRENCY REQUESTS PATH…`
//! Each worker cycles through the paths; prints count, errors, throughput and p50/p95/p99.

use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

async fn get(conn: &mut BufReader<TcpStream>, host: &str, path: &str) -> std::io::Result<u16> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Language: en\r\nConnection: keep-alive\r\n\r\n");
    conn.get_mut().write_all(req.as_bytes()).await?;
    let mut line = String::new();
    conn.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut len = 0usize;
    let mut chunked = false;
    loop {
        line.clear();
        conn.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        loop {
            line.clear();
            conn.read_line(&mut line).await?;
            let n = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
            let mut buf = vec![0u8; n + 2];
            conn.read_exact(&mut buf).await?;
            if n == 0 {
                break;
            }
        }
    } else {
        let mut buf = vec![0u8; len];
        conn.read_exact(&mut buf).await?;
    }
    Ok(status)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: obligations_load HOST:PORT CONCURRENCY REQUESTS PATH…");
        std::process::exit(2);
    }
    let host = args[1].clone();
    let conc: usize = args[2].parse().expect("concurrency");
    let total: usize = args[3].parse().expect("requests");
    let paths: Vec<String> = args[4..].to_vec();
    let deadline = Instant::now() + Duration::from_secs(120);
    let start = Instant::now();
    let mut handles = Vec::new();
    for w in 0..conc {
        let host = host.clone();
        let paths = paths.clone();
        let n = total / conc + usize::from(w < total % conc);
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(n);
            let mut errors = 0usize;
            let mut conn = BufReader::new(TcpStream::connect(&host).await.expect("connect"));
            for i in 0..n {
                if Instant::now() > deadline {
                    break;
                }
                let p = &paths[(w + i) % paths.len()];
                let t = Instant::now();
                match get(&mut conn, &host, p).await {
                    Ok(200) => lat.push(t.elapsed()),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        conn = BufReader::new(TcpStream::connect(&host).await.expect("connect"));
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for h in handles {
        let (l, e) = h.await.unwrap();
        lat.extend(l);
        errors += e;
    }
    let wall = start.elapsed().as_secs_f64();
    lat.sort();
    let q = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "requests {} errors {errors} concurrency {conc} wall {wall:.1}s throughput {:.0}/s p50 {:.1} ms p95 {:.1} ms p99 {:.1} ms max {:.1} ms",
        lat.len(),
        lat.len() as f64 / wall,
        q(0.50),
        q(0.95),
        q(0.99),
        lat.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
    );
}

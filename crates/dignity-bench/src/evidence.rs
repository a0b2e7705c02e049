//! `dignity-bench evidence`: evidence files stored encrypted at rest against the same work
//! in clear (what earlier versions did), in one run, in MB/s, the median of the runs:
//!
//! - upload, storage layer: stream to a temporary file while computing SHA-256 and
//!   SHA-512, sync, rename to the content address;
//! - download, storage layer: read the whole file (encrypted: decrypt and authenticate),
//!   one chunk after the other on one core (`Read`, the design before) and with the chunks
//!   of each step decrypted on several cores (`DecReader::read_parallel`, now);
//! - download over HTTP, loopback TCP through axum: in clear, the handler of earlier
//!   versions (the file read with `tokio::fs` in 256 KiB steps, streamed as the body);
//!   encrypted, the handler before this change emulated (256 KiB steps decrypted on one
//!   core, one step ahead) and the product's own route (`GET
//!   /violations/evidence/{id}/content`, signed in, with its access check and custody
//!   entry), on the same file content.

use crate::in_process::{create_user, signed_in};
use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use clap::Args;
use dignity_core::{Actor, Role};
use dignity_store::violations::evidence::{self, EvidenceStore};
use dignity_store::Store;
use sha2::{Digest, Sha256, Sha512};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Args)]
pub struct BenchEvidenceArgs {
    /// Size of the file uploaded and downloaded, in MiB.
    #[arg(long, default_value_t = 512)]
    pub mib: usize,
    /// Runs of each measure (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

/// The upload path of earlier versions: the file in clear.
fn clear_upload(dir: &Path, data: &[u8], n: usize) -> Result<PathBuf> {
    let tmp = dir.join(format!("upload-{n}"));
    let mut f = std::fs::File::create(&tmp)?;
    let (mut h256, mut h512) = (Sha256::new(), Sha512::new());
    for part in data.chunks(256 * 1024) {
        h256.update(part);
        h512.update(part);
        f.write_all(part)?;
    }
    f.flush()?;
    f.sync_all()?;
    let dest = dir.join(format!("{:x}", h256.finalize()));
    let _ = h512.finalize();
    std::fs::rename(&tmp, &dest)?;
    Ok(dest)
}

/// The download handler of earlier versions (before encryption at rest), as it was:
/// the stored file read with `tokio::fs` in 256 KiB steps and streamed as the body.
async fn old_stream_file(path: PathBuf, size: u64) -> Response {
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(_) => return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let stream = futures_util::stream::unfold(file, |mut f| async move {
        let mut buf = vec![0u8; 256 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, size.to_string()),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// The design before this change, emulated with the same reader: every chunk decrypted
/// on one core, one after the other.
mod before {
    use super::*;

    /// Read the whole file through `Read` (one chunk at a time, one core).
    pub fn read_all(r: &mut evidence::EvidenceFile, buf: &mut [u8]) -> Result<usize> {
        let mut got = 0;
        loop {
            let n = r.read(buf)?;
            if n == 0 {
                return Ok(got);
            }
            got += n;
        }
    }

    /// The download handler's loop as it was: 256 KiB steps read through `Read` in a
    /// blocking task, the next one started when the previous one is handed to the body.
    pub async fn download(store: Store, sha: dignity_core::Sha256) -> Response {
        type Step = tokio::task::JoinHandle<(evidence::EvidenceFile, std::io::Result<Vec<u8>>)>;
        fn step(r: evidence::EvidenceFile, n: u64) -> Step {
            tokio::task::spawn_blocking(move || {
                let mut r = r;
                let mut b = Vec::with_capacity(n as usize);
                let res = r.by_ref().take(n).read_to_end(&mut b);
                (r, res.map(|_| b))
            })
        }
        let r = tokio::task::spawn_blocking(move || EvidenceStore::open(&store, &sha))
            .await
            .expect("join")
            .expect("open")
            .expect("stored");
        let size = r.size();
        const STEP: u64 = 256 * 1024;
        let first = step(r, size.min(STEP));
        let stream = futures_util::stream::unfold(Some((first, size)), |state| async move {
            let (pending, left) = state?;
            let (r, b) = pending.await.expect("join");
            let left = left - left.min(STEP);
            let next = (left > 0).then(|| (step(r, left.min(STEP)), left));
            Some((b.map(Bytes::from), next))
        });
        (
            [(header::CONTENT_LENGTH, size.to_string())],
            axum::body::Body::from_stream(stream),
        )
            .into_response()
    }
}

/// Serve `router` on a loopback port; returns the address.
async fn serve(router: axum::Router) -> Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    Ok(addr)
}

/// GET `path` on a new connection and read the whole body (discarded). Returns the body's
/// length; fails on any status but 200 or a body shorter than its `Content-Length`.
async fn http_get(addr: std::net::SocketAddr, path: &str, cookie: &str) -> Result<u64> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut head = Vec::new();
    let body_start = loop {
        let n = s.read(&mut buf).await?;
        anyhow::ensure!(n > 0, "connection closed before the answer's head");
        head.extend_from_slice(&buf[..n]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let text = String::from_utf8_lossy(&head[..body_start]).to_string();
    anyhow::ensure!(
        text.starts_with("HTTP/1.1 200"),
        "{path}: {}",
        text.lines().next().unwrap_or("")
    );
    let len: u64 = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .context("no Content-Length")?;
    let mut got = (head.len() - body_start) as u64;
    while got < len {
        let n = s.read(&mut buf).await?;
        anyhow::ensure!(n > 0, "{path}: body cut off at {got} of {len} bytes");
        got += n as u64;
    }
    Ok(got)
}

fn mbps(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / secs
}

pub async fn bench(a: &BenchEvidenceArgs) -> Result<i32> {
    let dir = dignity_store::testing::temp_dir("dignity-bench-evidence");
    let store = Store::open(&dignity_store::OpenOptions::new(dir.join("data"))).await?;
    let clear_dir = dir.join("clear");
    std::fs::create_dir_all(&clear_dir)?;
    let len = a.mib * 1024 * 1024;
    // Incompressible content.
    let mut data = vec![0u8; len];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for c in data.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c.copy_from_slice(&x.to_le_bytes()[..c.len()]);
    }

    // The product's router, signed in as the documenter who adds the files.
    let author = create_user(&store, "bench-documenter", Role::Documenter).await?;
    let (router, cookie) = signed_in(&store, author).await?;
    let actor = Actor {
        user_id: Some(author),
        username: "bench-documenter".into(),
        role: Role::Documenter,
        teams: vec![],
    };
    let product = serve(router).await?;

    // MB/s of each measure, one per run (the median is reported).
    let mut m: [Vec<f64>; 8] = Default::default();
    let [up_clear, up_enc, down_clear, down_before, down_enc, http_clear, http_before, http_enc] =
        [0, 1, 2, 3, 4, 5, 6, 7];
    let threads = dignity_store::filecrypt::decrypt_threads();
    let mut buf = vec![0u8; 256 * 1024];
    for run in 0..a.runs.max(1) {
        // Different content per run so that each upload is really stored.
        data[..8].copy_from_slice(&(run as u64).to_le_bytes());
        let t = Instant::now();
        let path = clear_upload(&clear_dir, &data, run)?;
        m[up_clear].push(mbps(len, t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let mut f = std::fs::File::open(&path)?;
        while f.read(&mut buf)? > 0 {}
        m[down_clear].push(mbps(len, t.elapsed().as_secs_f64()));

        let t = Instant::now();
        let mut w = evidence::BlobWriter::new(&store, u64::MAX)?;
        for part in data.chunks(256 * 1024) {
            w.write(part)?;
        }
        let head = w.head().to_vec();
        let blob = w.finish(None)?;
        m[up_enc].push(mbps(len, t.elapsed().as_secs_f64()));

        // Storage layer: one core (before), then several (now), same file.
        let open = || -> Result<evidence::EvidenceFile> {
            EvidenceStore::open(&store, &blob.sha256)?
                .ok_or_else(|| anyhow::anyhow!("stored file missing"))
        };
        let t = Instant::now();
        let got = before::read_all(&mut open()?, &mut buf)?;
        anyhow::ensure!(got == len, "read back {got} bytes, not {len}");
        m[down_before].push(mbps(len, t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let mut r = open()?;
        let mut got = 0;
        loop {
            let b = r.read_parallel(1024 * 1024, threads)?;
            if b.is_empty() {
                break;
            }
            got += b.len();
        }
        anyhow::ensure!(got == len, "read back {got} bytes, not {len}");
        m[down_enc].push(mbps(len, t.elapsed().as_secs_f64()));
        drop(r);

        // Over HTTP: the same content, clear file by the old handler, encrypted file by
        // the handler before this change and by the product's route.
        let clear = serve(axum::Router::new().route(
            "/clear",
            axum::routing::get({
                let path = path.clone();
                move || old_stream_file(path.clone(), len as u64)
            }),
        ))
        .await?;
        let t = Instant::now();
        let n = http_get(clear, "/clear", "").await?;
        anyhow::ensure!(n == len as u64, "clear download: {n} bytes");
        m[http_clear].push(mbps(len, t.elapsed().as_secs_f64()));
        let old = serve(axum::Router::new().route(
            "/before",
            axum::routing::get({
                let (st, sha) = (store.clone(), blob.sha256.clone());
                move || before::download(st.clone(), sha.clone())
            }),
        ))
        .await?;
        let t = Instant::now();
        let n = http_get(old, "/before", "").await?;
        anyhow::ensure!(n == len as u64, "encrypted download (before): {n} bytes");
        m[http_before].push(mbps(len, t.elapsed().as_secs_f64()));
        let mut tx = store.begin(&actor).await?;
        let input = evidence::EvidenceInput {
            title: format!("bench file {run}"),
            filename: format!("bench-{run}.bin"),
            media_type: "application/octet-stream".into(),
            ..Default::default()
        };
        let id = evidence::create_evidence(&mut tx, &input, &blob, &head).await?;
        tx.commit().await?;
        let t = Instant::now();
        let n = http_get(
            product,
            &format!("/violations/evidence/{id}/content"),
            &cookie,
        )
        .await?;
        anyhow::ensure!(n == len as u64, "encrypted download: {n} bytes");
        m[http_enc].push(mbps(len, t.elapsed().as_secs_f64()));
        std::fs::remove_file(&path)?;
    }
    store.close().await;
    std::fs::remove_dir_all(&dir).ok();
    let med = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let m: Vec<f64> = m.iter().map(|v| med(v)).collect();
    let cost = |enc: usize, clear: usize| (1.0 - m[enc] / m[clear]) * 100.0;
    println!(
        "Evidence files, {} MiB, median of {} runs; {} cores, {threads} decrypting threads; load average {}",
        a.mib,
        a.runs.max(1),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        crate::search_corpus::load_average()
    );
    println!("| MB/s | clear | encrypted, one core (before) | cost | encrypted, {threads} threads (now) | cost |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| upload, storage layer (hash, write, sync, rename) | {:.0} | | | {:.0} | {:.1} % |",
        m[up_clear],
        m[up_enc],
        cost(up_enc, up_clear)
    );
    println!(
        "| download, storage layer (read whole file) | {:.0} | {:.0} | {:.1} % | {:.0} | {:.1} % |",
        m[down_clear],
        m[down_before],
        cost(down_before, down_clear),
        m[down_enc],
        cost(down_enc, down_clear)
    );
    println!(
        "| download over HTTP (loopback, axum) | {:.0} | {:.0} | {:.1} % | {:.0} | {:.1} % |",
        m[http_clear],
        m[http_before],
        cost(http_before, http_clear),
        m[http_enc],
        cost(http_enc, http_clear)
    );
    Ok(0)
}

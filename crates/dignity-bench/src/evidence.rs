//! `dignity-bench evidence`: evidence files stored encrypted at rest against the same work
//! in clear (what earlier versions did), in one run: upload (stream to a temporary file
//! while computing SHA-256 and SHA-512, sync, rename to the content address) and download
//! (read the whole file; encrypted: decrypt and check its SHA-256), in MB/s.

use anyhow::Result;
use clap::Args;
use dignity_store::violations::evidence::{self, EvidenceStore};
use dignity_store::Store;
use sha2::{Digest, Sha256, Sha512};
use std::io::{Read, Write};
use std::time::Instant;

#[derive(Args)]
pub struct BenchEvidenceArgs {
    /// Size of the file uploaded and downloaded, in MiB.
    #[arg(long, default_value_t = 512)]
    pub mib: usize,
    /// Runs of each measure (the best is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

/// The upload path of earlier versions: the file in clear.
fn clear_upload(dir: &std::path::Path, data: &[u8], n: usize) -> Result<std::path::PathBuf> {
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
    let (mut up_enc, mut up_clear, mut down_enc, mut down_clear) = (0f64, 0f64, 0f64, 0f64);
    let mut buf = vec![0u8; 256 * 1024];
    for run in 0..a.runs.max(1) {
        // Different content per run so that each upload is really stored.
        data[..8].copy_from_slice(&(run as u64).to_le_bytes());
        let t = Instant::now();
        let path = clear_upload(&clear_dir, &data, run)?;
        up_clear = up_clear.max(mbps(len, t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let mut f = std::fs::File::open(&path)?;
        while f.read(&mut buf)? > 0 {}
        down_clear = down_clear.max(mbps(len, t.elapsed().as_secs_f64()));
        std::fs::remove_file(&path)?;

        let t = Instant::now();
        let mut w = evidence::BlobWriter::new(&store, u64::MAX)?;
        for part in data.chunks(256 * 1024) {
            w.write(part)?;
        }
        let blob = w.finish(None)?;
        up_enc = up_enc.max(mbps(len, t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let mut r = EvidenceStore::open(&store, &blob.sha256)?
            .ok_or_else(|| anyhow::anyhow!("stored file missing"))?;
        let mut got = 0;
        loop {
            let n = r.read(&mut buf)?;
            if n == 0 {
                break;
            }
            got += n;
        }
        anyhow::ensure!(got == len, "read back {got} bytes, not {len}");
        down_enc = down_enc.max(mbps(len, t.elapsed().as_secs_f64()));
        let _ = std::fs::remove_file(blob.path(&store));
    }
    store.close().await;
    std::fs::remove_dir_all(&dir).ok();
    let cost = |enc: f64, clear: f64| (1.0 - enc / clear) * 100.0;
    println!(
        "Evidence files, {} MiB, best of {} runs (storage layer, no HTTP)",
        a.mib, a.runs
    );
    println!("| | clear | encrypted | cost |");
    println!("|---|---:|---:|---:|");
    println!(
        "| upload (hash, write, sync, rename), MB/s | {up_clear:.0} | {up_enc:.0} | {:.1} % |",
        cost(up_enc, up_clear)
    );
    println!(
        "| download (read whole file), MB/s | {down_clear:.0} | {down_enc:.0} | {:.1} % |",
        cost(down_enc, down_clear)
    );
    Ok(0)
}

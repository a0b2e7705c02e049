//! `dignity-bench fields`: what field encryption costs the bulk import and the event page
//! (issue 16, "Tests and benchmarks").
//!
//! The store has no clear mode and this benchmark does not add one (field encryption is not
//! a switch, even for benchmarks). So the "clear" side is computed, not run: the import and
//! the event page are measured as they are (encrypted), the values the store encrypted are
//! counted in the database, and the store's own cipher (`Keyring::encrypt` / `decrypt`, as
//! the write and read paths call it, per value) is timed on values of the same size. The
//! cipher's time per record over the measured time per record is the share an identity
//! transform would save: the "clear" figure is the measured one minus that time.

use crate::in_process::{create_user, generate, get, signed_in};
use anyhow::{Context, Result};
use clap::Args;
use dignity_core::crypto::Keyring;
use dignity_core::Role;
use dignity_store::Store;
use sqlx::{Column, Row};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct BenchFieldsArgs {
    /// Events to import (1–5 acts each, with their victims), the demo generator's data.
    #[arg(long, default_value_t = 20_000)]
    pub events: usize,
    /// Event pages to request (distinct events, in turn).
    #[arg(long, default_value_t = 1000)]
    pub pages: usize,
    /// Working directory (default: a new directory under the system temp dir, removed after).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}

/// Encrypted values in the database: count and plaintext bytes, over every table.
async fn encrypted_values(store: &Store) -> Result<(u64, u64, Vec<(String, u64)>)> {
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| r.get::<String, _>(0))
    .collect();
    let (mut n, mut bytes) = (0u64, 0u64);
    let mut per_table = Vec::new();
    for t in tables {
        let rows = sqlx::query(&format!("SELECT * FROM \"{t}\""))
            .fetch_all(store.pool())
            .await?;
        let mut in_table = 0;
        for r in &rows {
            for c in r.columns() {
                if let Ok(Some(v)) = r.try_get::<Option<String>, _>(c.ordinal()) {
                    if Keyring::key_id_of(&v).is_some() {
                        in_table += 1;
                        // "enc:v2:<key id>:" + base64(nonce 24 + plaintext + tag 16)
                        let b64 = v.rsplit(':').next().unwrap_or("").len() as u64;
                        bytes += (b64 * 3 / 4).saturating_sub(40);
                    }
                }
            }
        }
        if in_table > 0 {
            per_table.push((t, in_table));
        }
        n += in_table;
    }
    Ok((n, bytes, per_table))
}

/// The store's cipher as it was before the cipher cache (kept here to compare both in one
/// run): per value, the data key decoded from base64 and the cipher built, the nonce drawn
/// by a `getrandom` system call, the result assembled with `format!`.
mod before {
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};
    use dignity_core::crypto::{row_aad, Keyring};
    use rand::RngCore;

    fn cipher(keys: &Keyring, id: &str) -> XChaCha20Poly1305 {
        let dk = keys.data_keys.iter().find(|d| d.id == id).expect("key");
        let key: [u8; 32] = B64.decode(&dk.key).expect("base64").try_into().expect("32");
        XChaCha20Poly1305::new(&key.into())
    }

    pub fn encrypt(keys: &Keyring, field: &str, row: i64, plaintext: &str) -> String {
        let aad = row_aad(field, &row.to_string());
        let c = cipher(keys, &keys.current);
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = c
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .expect("encrypt");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        format!("enc:v2:{}:{}", keys.current, B64.encode(blob))
    }

    pub fn decrypt(keys: &Keyring, field: &str, row: i64, value: &str) -> Option<String> {
        let rest = value.strip_prefix("enc:v2:")?;
        let aad = row_aad(field, &row.to_string());
        let (kid, b64) = rest.split_once(':')?;
        let blob = B64.decode(b64).ok()?;
        let (nonce, ct) = blob.split_at(24);
        let pt = cipher(keys, kid)
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(pt).ok()
    }
}

/// Microseconds per `encrypt` and per `decrypt` of one value of `len` bytes: the store's
/// cipher now, and (second pair) as it was before the cipher cache.
fn cipher_us(keys: &Keyring, len: usize) -> Result<(f64, f64, f64, f64)> {
    let value: String = "é".repeat(len / 2) + &"x".repeat(len % 2);
    let n = 20_000;
    let mut best = [f64::MAX; 4];
    // Alternated, best of 3, so that both see the same machine.
    for _ in 0..3 {
        let t = Instant::now();
        let cts: Vec<String> = (0..n)
            .map(|_| keys.encrypt("vio_events.title", 1, &value))
            .collect();
        best[0] = best[0].min(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        let t = Instant::now();
        for c in &cts {
            let p = keys.decrypt("vio_events.title", 1, c)?;
            anyhow::ensure!(p.len() == value.len(), "round trip");
        }
        best[1] = best[1].min(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        let t = Instant::now();
        let cts: Vec<String> = (0..n)
            .map(|_| before::encrypt(keys, "vio_events.title", 1, &value))
            .collect();
        best[2] = best[2].min(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        let t = Instant::now();
        for c in &cts {
            let p = before::decrypt(keys, "vio_events.title", 1, c)
                .ok_or_else(|| anyhow::anyhow!("round trip (before)"))?;
            anyhow::ensure!(p.len() == value.len(), "round trip");
        }
        best[3] = best[3].min(t.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    Ok((best[0], best[1], best[2], best[3]))
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn bench(a: &BenchFieldsArgs) -> Result<i32> {
    let own_dir = a.work_dir.is_none();
    let work = a
        .work_dir
        .clone()
        .unwrap_or_else(|| dignity_store::testing::temp_dir("dignity-bench-fields"));
    let data = work.join("data");
    std::fs::create_dir_all(&data)?;
    let store = Store::open(&dignity_store::OpenOptions::new(&data)).await?;
    dignity_store::refdata::load_shipped(&store).await?;
    // The records' author reads them: every event page is visible to them (an analyst
    // would get 404 for the restricted ones).
    let author = create_user(&store, "bench-documenter", Role::Documenter).await?;

    // 1. The bulk import, as `dignity demo generate` (the product's import path) runs it.
    let t = Instant::now();
    generate(&store, a.events)
        .await
        .context("importing the generated events")?;
    let import_s = t.elapsed().as_secs_f64();
    let count = |sql: &'static str| {
        let store = store.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(store.pool())
                .await
                .map(|r| r.get::<i64, _>(0))
        }
    };
    let events = count("SELECT COUNT(*) FROM vio_events").await? as f64;
    let acts = count("SELECT COUNT(*) FROM vio_acts").await? as f64;

    // 2. What the store encrypted: values and their plaintext size.
    let (values, bytes, per_table) = encrypted_values(&store).await?;
    let per_event = values as f64 / events;
    let mean_len = (bytes as f64 / values.max(1) as f64).round() as usize;

    // 3. The event page, signed in as the author, through the application's router.
    let (router, cookie) = signed_in(&store, author).await?;
    let ids: Vec<i64> = sqlx::query("SELECT id FROM vio_events ORDER BY id")
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect();
    let step = (ids.len() / a.pages.max(1)).max(1);
    let mut lat = Vec::new();
    let mut page_bytes = 0usize;
    for id in ids.iter().step_by(step).take(a.pages) {
        let path = format!("/violations/events/{id}");
        let t = Instant::now();
        page_bytes += get(&router, &cookie, &path).await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|x, y| x.total_cmp(y));
    let (p50, p95) = (pct(&lat, 0.5), pct(&lat, 0.95));

    // 4. The cipher, per value, on values of the measured mean size.
    let (enc_us, dec_us, old_enc_us, old_dec_us) = cipher_us(&store.keys(), mean_len)?;

    let import_ms_per_event = import_s * 1000.0 / events;
    let enc_ms_per_event = per_event * enc_us / 1000.0;
    let dec_ms_per_page = per_event * dec_us / 1000.0;
    let import_share = enc_ms_per_event / import_ms_per_event;
    let page_share = dec_ms_per_page / p50;
    println!(
        "\n## Field encryption: {events:.0} events, {acts:.0} acts imported; load average {}\n",
        crate::search_corpus::load_average()
    );
    println!(
        "Encrypted values in the database: {values} ({per_event:.1} per event, mean {mean_len} bytes of plaintext); by table: {}",
        per_table
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("Store cipher per value of {mean_len} bytes (best of 3): encrypt {enc_us:.2} µs, decrypt {dec_us:.2} µs; before the cipher cache (same run): encrypt {old_enc_us:.2} µs, decrypt {old_dec_us:.2} µs.\n");
    println!("| figure | encrypted at rest (measured) | clear (measured − cipher time) | cost of encryption |");
    println!("|---|---:|---:|---:|");
    println!(
        "| bulk import, events/s ({acts:.0} acts) | {:.0} | {:.0} | {:.1} % |",
        events / import_s,
        1000.0 / (import_ms_per_event - enc_ms_per_event),
        import_share * 100.0
    );
    println!(
        "| bulk import, acts/s | {:.0} | {:.0} | {:.1} % |",
        acts / import_s,
        acts / events * 1000.0 / (import_ms_per_event - enc_ms_per_event),
        import_share * 100.0
    );
    println!(
        "| event page p50, ms ({} pages, {} bytes each on average) | {p50:.2} | {:.2} | {:.1} % |",
        lat.len(),
        page_bytes / lat.len().max(1),
        p50 - dec_ms_per_page,
        page_share * 100.0
    );
    println!(
        "| event page p95, ms | {p95:.2} | {:.2} | {:.1} % |",
        p95 - dec_ms_per_page,
        dec_ms_per_page / p95 * 100.0
    );
    println!(
        "\nWith the cipher as it was before the cache (same values, same run): import {:.1} %, event page p50 {:.1} %.",
        per_event * old_enc_us / 1000.0 / import_ms_per_event * 100.0,
        per_event * old_dec_us / 1000.0 / p50 * 100.0
    );
    println!("\nThe page's decryption is estimated as the values of one event (event, acts, victims: {per_event:.1}) × the decrypt time; a page that shows more records (linked persons, information, evidence lists) decrypts more.");
    store.close().await;
    if own_dir {
        std::fs::remove_dir_all(&work).ok();
    }
    Ok(0)
}

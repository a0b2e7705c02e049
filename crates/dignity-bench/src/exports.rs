//! `dignity-bench exports`: the export rate (rows/s) of `POST /api/v1/search/export` as CSV
//! and XLSX over a synthetic index of N documents, and the public country page under
//! concurrent clients. Requests go through the application's router in process (the full
//! handler path: context, permission filter, collection, batches, encoding, streaming),
//! without a TCP socket.

use anyhow::Result;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use clap::Args;
use dignity_core::{Actor, Confidentiality, RecordAccess, Role};
use dignity_search::{IndexState, SearchIndex};
use dignity_store::search::{Registry, SearchDoc};
use dignity_store::{accounts, Store};
use futures_util::StreamExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[derive(Args)]
pub struct BenchExportsArgs {
    /// Documents in the synthetic index.
    #[arg(long, default_value_t = 1_000_000)]
    pub docs: usize,
    /// Concurrent clients of the public country page.
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// Seconds of the public page load test.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Working directory (default: a new directory under the system temp dir, removed after).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}

const COUNTRIES: [&str; 8] = ["SRB", "SYR", "PER", "COL", "UKR", "MMR", "SDN", "MEX"];
const ACTS: [&str; 5] = [
    "torture",
    "killing",
    "arbitrary_detention",
    "disappearance",
    "threat",
];

fn doc(i: usize) -> SearchDoc {
    let mut a = RecordAccess::new(if i.is_multiple_of(3) {
        Confidentiality::Public
    } else {
        Confidentiality::Internal
    });
    a.published = i.is_multiple_of(6);
    let country = COUNTRIES[i % COUNTRIES.len()];
    let act = ACTS[(i / 7) % ACTS.len()];
    let title = format!("Case {i}: {} reported in {country}", act.replace('_', " "));
    let mut d = SearchDoc::new("bench_case", &i.to_string(), &title, a)
        .text(
            "en",
            &title,
            "Witnesses describe the events of that day; the family filed a complaint.",
        )
        .facet("act_type", act)
        .facet(
            "perpetrator_type",
            if i.is_multiple_of(2) {
                "state"
            } else {
                "non_state"
            },
        );
    d.country = Some(country.to_string());
    d.region = Some("Region".into());
    let day = chrono::NaiveDate::from_ymd_opt(1995 + (i % 30) as i32, 1 + (i % 12) as u32, 1);
    d.date_from = day;
    d.date_to = day;
    d.names.push(format!("Person {i}"));
    d
}

async fn body_len(res: axum::response::Response) -> Result<u64> {
    let mut s = res.into_body().into_data_stream();
    let mut n = 0u64;
    while let Some(c) = s.next().await {
        n += c.map_err(|e| anyhow::anyhow!("{e}"))?.len() as u64;
    }
    Ok(n)
}

pub async fn bench(a: &BenchExportsArgs) -> Result<i32> {
    let own = a.work_dir.is_none();
    let work = a
        .work_dir
        .clone()
        .unwrap_or_else(|| dignity_store::testing::temp_dir("dignity-bench-exports"));
    std::fs::create_dir_all(&work)?;
    let data = work.join("data");
    let store = Store::open(&dignity_store::OpenOptions::new(&data)).await?;
    dignity_store::refdata::load_shipped(&store).await?;
    let keys = store.keys();
    let head = dignity_store::search::audit_head(&store).await?;
    let hash = dignity_store::search::audit_hash_at(&store, head)
        .await?
        .unwrap_or_default();
    let t = Instant::now();
    {
        let idx = SearchIndex::open(&data.join("index"), &keys, 2, 64)?;
        for i in 0..a.docs {
            idx.add(&keys, &doc(i), head)?;
        }
        idx.commit(&IndexState {
            schema: dignity_search::index::SCHEMA_VERSION,
            key: dignity_search::index::key_fingerprint(&keys),
            seq: head,
            hash,
        })?;
        idx.wait_merging()?;
    }
    println!(
        "index: {} documents in {:.1} s",
        a.docs,
        t.elapsed().as_secs_f64()
    );

    let mut tx = store.begin(&Actor::system()).await?;
    let u = accounts::create(
        &mut tx,
        "bench",
        "",
        Role::Analyst,
        "a long enough passphrase",
    )
    .await?;
    let sess = accounts::create_session(&mut tx, u.id, "full", chrono::Duration::hours(2)).await?;
    tx.commit().await?;
    // The measured public page: Serbia's country profile, on the portal.
    store
        .write(&Actor::system(), async |tx| {
            dignity_store::portal::set_country_published(tx, "SRB", true).await
        })
        .await?;
    let cookie = format!("dignity_session={sess}");
    let state = dignity_web::AppState::new(store.clone(), Default::default());
    let state = dignity_web::search::attach(state, Registry::standard()).await?;
    let router = dignity_web::router(state);

    for format in ["csv", "xlsx"] {
        let t = Instant::now();
        // A cookie-authenticated API write: same-origin `Origin` instead of a CSRF token.
        let req = Request::post(format!(
            "/api/v1/search/export?type=bench_case&format={format}"
        ))
        .header(header::COOKIE, &cookie)
        .header(header::HOST, "dignity.bench")
        .header(header::ORIGIN, "http://dignity.bench")
        .body(Body::empty())?;
        let res = router.clone().oneshot(req).await?;
        anyhow::ensure!(
            res.status() == StatusCode::OK,
            "export answered {}",
            res.status()
        );
        let bytes = body_len(res).await?;
        let s = t.elapsed().as_secs_f64();
        println!(
            "export {format}: {} rows, {:.1} MB in {s:.1} s = {:.0} rows/s",
            a.docs,
            bytes as f64 / 1e6,
            a.docs as f64 / s
        );
    }

    // The public country page under concurrent clients.
    let until = Instant::now() + Duration::from_secs(a.seconds);
    let mut tasks = Vec::new();
    for _ in 0..a.clients {
        let r = router.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let req = Request::get("/public/countries/SRB")
                    .body(Body::empty())
                    .unwrap();
                let res = r.clone().oneshot(req).await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                body_len(res).await.unwrap();
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await?);
    }
    lat.sort_by(f64::total_cmp);
    let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize];
    println!(
        "public country page, {} clients, {} s: {} requests = {:.0} req/s; latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms (full renders, no If-None-Match)",
        a.clients,
        a.seconds,
        lat.len(),
        lat.len() as f64 / a.seconds as f64,
        p(0.5),
        p(0.95),
        p(0.99)
    );
    store.close().await;
    if own {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(0)
}

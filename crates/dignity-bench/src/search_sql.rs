//! The SQL engines of `dignity-bench search`: PostgreSQL full-text search and SQLite FTS5 on
//! the same corpus and queries.

use crate::http::percentiles;
use crate::search_corpus::*;
use anyhow::{Context, Result};
use sqlx::Row;
use std::path::Path;
use std::time::Instant;

// ---------------------------------------------------------------------- benchmark --

pub(crate) const FACET_COLS: [&str; 7] = [
    "record_type",
    "country",
    "act_type",
    "perpetrator",
    "sex",
    "age",
    "year",
];

/// The indexes both engines get for the filters and the permission check.
const FILTER_INDEXES: [&str; 4] = [
    "CREATE INDEX docs_country ON docs (country)",
    "CREATE INDEX docs_act ON docs (act_type)",
    "CREATE INDEX docs_year ON docs (year)",
    "CREATE INDEX acl_doc ON acl (doc_id)",
];

/// The documents a query found, as both engines count them: the counts of the
/// `record_type` rows of its facet query (facet, value, count).
fn facet_hits<R: Row>(rows: &[R]) -> u64
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    rows.iter()
        .filter(|r| r.get::<String, _>(0) == "record_type")
        .map(|r| r.get::<i64, _>(2) as u64)
        .sum()
}

/// The report's line of one SQL engine: its database's `size` in bytes, the latencies in ms.
fn line(engine: &str, load_s: f64, size: f64, lat: Vec<f64>, hits: u64) -> Line {
    Line {
        engine: engine.into(),
        load_s,
        size_mb: size / 1e6,
        lat: percentiles(lat),
        hits,
    }
}

/// The WHERE clause of a query for the SQL engines (`match_cond` is the text match).
pub(crate) fn sql_where(q: &Q, match_cond: Option<&str>) -> String {
    let a = reader();
    let mut w = vec![format!(
        "(d.confidentiality IN ('public', 'internal') OR d.created_by = {uid} OR EXISTS (SELECT 1 FROM acl a WHERE a.doc_id = d.id AND ((a.kind = 'u' AND a.pid = {uid}) OR (a.kind = 't' AND a.pid IN ({teams})))))",
        uid = a.user_id.unwrap(),
        teams = a.teams.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(",")
    )];
    if let Some(m) = match_cond {
        w.push(m.to_string());
    }
    if let Some(c) = q.country {
        w.push(format!("d.country = '{c}'"));
    }
    if let Some(t) = q.act_type {
        w.push(format!("d.act_type = '{t}'"));
    }
    if let Some((y1, y2)) = q.years {
        w.push(format!("d.year BETWEEN {y1} AND {y2}"));
    }
    w.join(" AND ")
}

pub(crate) fn facet_sql(from_where: &str) -> String {
    let parts: Vec<String> = FACET_COLS
        .iter()
        .map(|c| {
            format!("SELECT '{c}' AS f, CAST({c} AS TEXT) AS v, COUNT(*) AS n FROM m GROUP BY {c}")
        })
        .collect();
    format!("WITH m AS MATERIALIZED (SELECT d.record_type, d.country, d.act_type, d.perpetrator, d.sex, d.age, d.year {from_where}) {}", parts.join(" UNION ALL "))
}

pub(crate) async fn bench_postgres(url: &str, n: usize, qs: &[Q]) -> Result<Line> {
    use sqlx::postgres::PgPoolOptions;
    use sqlx::Executor;
    let admin = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let db = "dignity_bench_search";
    admin
        .execute(format!("DROP DATABASE IF EXISTS {db}").as_str())
        .await?;
    admin
        .execute(format!("CREATE DATABASE {db}").as_str())
        .await?;
    admin.close().await;
    let (prefix, _) = url.rsplit_once('/').context("URL has a database name")?;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&format!("{prefix}/{db}"))
        .await?;
    pool.execute("CREATE TABLE docs (id BIGINT PRIMARY KEY, record_type TEXT, cfg REGCONFIG, title TEXT, body TEXT, names TEXT, country TEXT, year INT, act_type TEXT, perpetrator TEXT, sex TEXT, age TEXT, confidentiality TEXT, published INT, created_by BIGINT, \
        tsv TSVECTOR GENERATED ALWAYS AS (setweight(to_tsvector(cfg, title), 'A') || to_tsvector(cfg, body) || to_tsvector('simple', names)) STORED)").await?;
    pool.execute("CREATE TABLE acl (doc_id BIGINT, kind TEXT, pid BIGINT)")
        .await?;
    let t = Instant::now();
    let all: Vec<Rec> = corpus(n).collect();
    for chunk in all.chunks(5000) {
        let col = |f: &dyn Fn(&Rec) -> String| chunk.iter().map(f).collect::<Vec<String>>();
        sqlx::query("INSERT INTO docs (id, record_type, cfg, title, body, names, country, year, act_type, perpetrator, sex, age, confidentiality, published, created_by) \
            SELECT id, rt, cfg::regconfig, title, body, names, country, year, act, perp, sex, age, conf, published, created_by FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::int[], $15::bigint[]) \
            AS u(id, rt, cfg, title, body, names, country, year, act, perp, sex, age, conf, published, created_by)")
            .bind(chunk.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(col(&|r| r.record_type.into()))
            .bind(col(&|r| LANGS.iter().find(|l| l.0.code == r.lang).unwrap().0.pg.into()))
            .bind(col(&|r| r.title.clone()))
            .bind(col(&|r| r.body.clone()))
            .bind(col(&|r| r.names.join(" ")))
            .bind(col(&|r| r.country.into()))
            .bind(chunk.iter().map(|r| r.year).collect::<Vec<_>>())
            .bind(col(&|r| r.act_type.into()))
            .bind(col(&|r| r.perpetrator.into()))
            .bind(col(&|r| r.sex.into()))
            .bind(col(&|r| r.age.into()))
            .bind(col(&|r| r.level.as_str().into()))
            .bind(chunk.iter().map(|r| r.published as i32).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.created_by).collect::<Vec<_>>())
            .execute(&pool)
            .await?;
        let mut ids = vec![];
        let mut kinds = vec![];
        let mut pids = vec![];
        for r in chunk {
            for u in &r.acl_users {
                ids.push(r.id);
                kinds.push("u".to_string());
                pids.push(*u);
            }
            for tm in &r.acl_teams {
                ids.push(r.id);
                kinds.push("t".to_string());
                pids.push(*tm);
            }
        }
        sqlx::query("INSERT INTO acl SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[])")
            .bind(ids)
            .bind(kinds)
            .bind(pids)
            .execute(&pool)
            .await?;
    }
    drop(all);
    pool.execute("CREATE INDEX docs_tsv ON docs USING GIN (tsv)")
        .await?;
    for sql in FILTER_INDEXES {
        pool.execute(sql).await?;
    }
    pool.execute("VACUUM ANALYZE docs").await?;
    pool.execute("VACUUM ANALYZE acl").await?;
    let load_s = t.elapsed().as_secs_f64();
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&pool)
        .await?;
    println!("  postgresql: loaded and indexed in {load_s:.1} s");
    let tsq = "(plainto_tsquery('english', $1) || plainto_tsquery('french', $1) || plainto_tsquery('spanish', $1) || plainto_tsquery('russian', $1) || plainto_tsquery('arabic', $1) || plainto_tsquery('simple', $1))";
    let run = |q: &Q| {
        let m = (!q.text.is_empty()).then(|| format!("d.tsv @@ {tsq}"));
        let from_where = format!("FROM docs d WHERE {}", sql_where(q, m.as_deref()));
        let facets = facet_sql(&from_where);
        let top = if q.text.is_empty() {
            format!("SELECT d.id, d.title, left(d.body, 150) {from_where} ORDER BY d.year DESC, d.id LIMIT 20")
        } else {
            format!("SELECT t.id, t.title, ts_headline(t.cfg, t.body, {tsq}) FROM (SELECT d.id, d.title, d.body, d.cfg, ts_rank(d.tsv, {tsq}) AS r {from_where} ORDER BY r DESC LIMIT 20) t ORDER BY t.r DESC")
        };
        (facets, top)
    };
    let mut conn = pool.acquire().await?;
    conn.execute("SET work_mem = '64MB'").await?;
    conn.execute("SET jit = off").await?;
    let mut lat = vec![];
    let mut hits = 0u64;
    for (k, q) in qs.iter().enumerate() {
        let (facets, top) = run(q);
        let t = Instant::now();
        let rows = if q.text.is_empty() {
            sqlx::query(&facets).fetch_all(&mut *conn).await?
        } else {
            sqlx::query(&facets)
                .bind(&q.text)
                .fetch_all(&mut *conn)
                .await?
        };
        if q.text.is_empty() {
            sqlx::query(&top).fetch_all(&mut *conn).await?
        } else {
            sqlx::query(&top)
                .bind(&q.text)
                .fetch_all(&mut *conn)
                .await?
        };
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let _ = k;
        lat.push(ms);
        hits += facet_hits(&rows);
    }
    drop(conn);
    pool.close().await;
    Ok(line(
        "PostgreSQL FTS (GIN tsvector, 6 configs)",
        load_s,
        size as f64,
        lat,
        hits,
    ))
}

pub(crate) async fn bench_sqlite(path: &Path, n: usize, qs: &[Q]) -> Result<Line> {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use sqlx::Executor;
    let _ = std::fs::remove_file(path);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal),
        )
        .await?;
    pool.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, record_type TEXT, title TEXT, body TEXT, names TEXT, country TEXT, year INT, act_type TEXT, perpetrator TEXT, sex TEXT, age TEXT, confidentiality TEXT, published INT, created_by INT)").await?;
    pool.execute("CREATE TABLE acl (doc_id INT, kind TEXT, pid INT)")
        .await?;
    pool.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, names, content='docs', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')").await?;
    let t = Instant::now();
    let mut tx = pool.begin().await?;
    for (k, r) in corpus(n).enumerate() {
        sqlx::query(
            "INSERT INTO docs VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(r.id)
        .bind(r.record_type)
        .bind(&r.title)
        .bind(&r.body)
        .bind(r.names.join(" "))
        .bind(r.country)
        .bind(r.year)
        .bind(r.act_type)
        .bind(r.perpetrator)
        .bind(r.sex)
        .bind(r.age)
        .bind(r.level.as_str())
        .bind(r.published as i64)
        .bind(r.created_by)
        .execute(&mut *tx)
        .await?;
        for u in &r.acl_users {
            sqlx::query("INSERT INTO acl VALUES ($1, 'u', $2)")
                .bind(r.id)
                .bind(*u)
                .execute(&mut *tx)
                .await?;
        }
        for tm in &r.acl_teams {
            sqlx::query("INSERT INTO acl VALUES ($1, 't', $2)")
                .bind(r.id)
                .bind(*tm)
                .execute(&mut *tx)
                .await?;
        }
        if (k + 1) % 100_000 == 0 {
            tx.commit().await?;
            tx = pool.begin().await?;
        }
    }
    tx.commit().await?;
    pool.execute("INSERT INTO fts(fts) VALUES ('rebuild')")
        .await?;
    pool.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        .await?;
    for sql in FILTER_INDEXES {
        pool.execute(sql).await?;
    }
    pool.execute("ANALYZE").await?;
    let load_s = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(path)?.len();
    println!("  sqlite: loaded and indexed in {load_s:.1} s");
    let mut lat = vec![];
    let mut hits = 0u64;
    let mut conn = pool.acquire().await?;
    for q in qs {
        // FTS5 query: every word (quoted, so punctuation cannot break the syntax).
        let m: String = q
            .text
            .split_whitespace()
            .map(|w| format!("\"{}\"", w.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" AND ");
        let cond = (!m.is_empty()).then_some("d.id IN (SELECT rowid FROM fts WHERE fts MATCH $1)");
        let from_where = format!("FROM docs d WHERE {}", sql_where(q, cond));
        let facets = facet_sql(&from_where);
        let top = if m.is_empty() {
            format!("SELECT d.id, d.title, substr(d.body, 1, 150) {from_where} ORDER BY d.year DESC, d.id LIMIT 20")
        } else {
            format!("SELECT d.id, d.title, snippet(fts, 1, '<mark>', '</mark>', '…', 20) FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH $1 AND {} ORDER BY rank LIMIT 20", sql_where(q, None))
        };
        let t = Instant::now();
        let rows = if m.is_empty() {
            sqlx::query(&facets).fetch_all(&mut *conn).await?
        } else {
            sqlx::query(&facets).bind(&m).fetch_all(&mut *conn).await?
        };
        if m.is_empty() {
            sqlx::query(&top).fetch_all(&mut *conn).await?
        } else {
            sqlx::query(&top).bind(&m).fetch_all(&mut *conn).await?
        };
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        hits += facet_hits(&rows);
    }
    drop(conn);
    pool.close().await;
    Ok(line(
        "SQLite FTS5 (porter unicode61)",
        load_s,
        size as f64,
        lat,
        hits,
    ))
}

//! Bulk insert and list-page latency on Dignity's own schema (the SQLite migrations of
//! `crates/dignity-store/migrations`), on plain SQLite or on SQLCipher (feature `cipher`),
//! with Dignity's connection settings (WAL, `synchronous = NORMAL`, foreign keys on).
//!
//! Usage: sqlcipher-bench DB_PATH MIGRATIONS_DIR ACTS [--key]
//!   --key: `PRAGMA key` with a raw 256-bit key (no passphrase derivation, as a key file
//!   would give), SQLCipher 4 defaults otherwise (4096-byte pages, HMAC-SHA512 per page).

use libsqlite3_sys as ffi;
use std::ffi::{CStr, CString};
use std::time::Instant;

struct Db(*mut ffi::sqlite3);

impl Db {
    fn open(path: &str) -> Db {
        let c = CString::new(path).unwrap();
        let mut db = std::ptr::null_mut();
        let rc = unsafe { ffi::sqlite3_open(c.as_ptr(), &mut db) };
        assert_eq!(rc, ffi::SQLITE_OK, "open {path}");
        Db(db)
    }
    fn exec(&self, sql: &str) {
        let c = CString::new(sql).unwrap();
        let mut err = std::ptr::null_mut();
        let rc = unsafe { ffi::sqlite3_exec(self.0, c.as_ptr(), None, std::ptr::null_mut(), &mut err) };
        if rc != ffi::SQLITE_OK {
            let msg = unsafe { CStr::from_ptr(err) }.to_string_lossy().into_owned();
            panic!("{msg}: {}", &sql[..sql.len().min(200)]);
        }
    }
    fn prepare(&self, sql: &str) -> Stmt {
        let c = CString::new(sql).unwrap();
        let mut st = std::ptr::null_mut();
        let rc = unsafe { ffi::sqlite3_prepare_v2(self.0, c.as_ptr(), -1, &mut st, std::ptr::null_mut()) };
        if rc != ffi::SQLITE_OK {
            let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }.to_string_lossy().into_owned();
            panic!("{msg}: {sql}");
        }
        Stmt(st)
    }
    fn scalar(&self, sql: &str) -> String {
        let mut s = self.prepare(sql);
        let mut out = String::new();
        if s.step() {
            out = s.text(0);
        }
        out
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        unsafe { ffi::sqlite3_close(self.0) };
    }
}

struct Stmt(*mut ffi::sqlite3_stmt);

impl Stmt {
    fn bind_text(&mut self, i: i32, v: &str) {
        let rc = unsafe {
            ffi::sqlite3_bind_text(self.0, i, v.as_ptr() as *const _, v.len() as i32, ffi::SQLITE_TRANSIENT())
        };
        assert_eq!(rc, ffi::SQLITE_OK);
    }
    fn bind_int(&mut self, i: i32, v: i64) {
        assert_eq!(unsafe { ffi::sqlite3_bind_int64(self.0, i, v) }, ffi::SQLITE_OK);
    }
    /// Whether a row is ready.
    fn step(&mut self) -> bool {
        match unsafe { ffi::sqlite3_step(self.0) } {
            ffi::SQLITE_ROW => true,
            ffi::SQLITE_DONE => false,
            rc => panic!("step: {rc}"),
        }
    }
    fn text(&self, col: i32) -> String {
        let p = unsafe { ffi::sqlite3_column_text(self.0, col) };
        if p.is_null() {
            return String::new();
        }
        unsafe { CStr::from_ptr(p as *const _) }.to_string_lossy().into_owned()
    }
    fn reset(&mut self) {
        unsafe {
            ffi::sqlite3_reset(self.0);
            ffi::sqlite3_clear_bindings(self.0);
        }
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

/// A value as Dignity stores an encrypted field: `enc:v2:k1:` and the base64 of nonce (24),
/// plaintext (`len`) and tag (16). Content is pseudo-random (incompressible).
fn enc_value(x: &mut u64, len: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let n = (24 + len + 16).div_ceil(3) * 4;
    let mut s = String::with_capacity(10 + n);
    s.push_str("enc:v2:k1:");
    for _ in 0..n {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        s.push(A[(*x % 64) as usize] as char);
    }
    s
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(((v.len() - 1) as f64) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (path, migrations, acts) = (&args[1], &args[2], args[3].parse::<i64>().unwrap());
    let key = args.iter().any(|a| a == "--key");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let t_open = Instant::now();
    let db = Db::open(path);
    if key {
        db.exec("PRAGMA key = \"x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D99'\"");
    }
    db.exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA journal_mode = WAL;");
    let version = db.scalar("SELECT sqlite_version()");
    let cipher = if key { db.scalar("PRAGMA cipher_version") } else { String::new() };
    let open_ms = t_open.elapsed().as_secs_f64() * 1e3;

    let mut files: Vec<_> = std::fs::read_dir(migrations)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    for f in &files {
        db.exec(&std::fs::read_to_string(f).unwrap());
    }

    // Bulk import: one event per 3 acts, one victim per act, one transaction (as
    // `dignity demo generate` / the importers do).
    let events = (acts / 3).max(1);
    let countries = ["SD", "MM", "SY", "UA", "YE", "AF", "CD", "ET", "HT", "VE"];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let t = Instant::now();
    db.exec("BEGIN");
    {
        let mut ev = db.prepare(
            "INSERT INTO vio_events (id, title, description, start_date, start_sort, country, place, \
             confidentiality, created_by, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, 'restricted', 1, ?7, ?7)",
        );
        let mut pe = db.prepare(
            "INSERT INTO vio_persons (id, person_type, name, name_bidx, gender, birth_date, nationality, \
             confidentiality, created_at, updated_at) \
             VALUES (?1, 'individual', ?2, ?3, ?4, ?5, ?6, 'restricted', ?7, ?7)",
        );
        let mut ac = db.prepare(
            "INSERT INTO vio_acts (id, event_id, victim_id, act_type, start_date, start_sort, country, \
             place, consequences, case_description, confidentiality, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, 'restricted', ?10, ?10)",
        );
        for e in 1..=events {
            let date = format!("{:04}-{:02}-{:02}", 2000 + e % 25, 1 + e % 12, 1 + e % 28);
            let now = "2026-12-06T23:00:00Z";
            ev.bind_int(1, e);
            ev.bind_text(2, &enc_value(&mut x, 40));
            ev.bind_text(3, &enc_value(&mut x, 300));
            ev.bind_text(4, &date);
            ev.bind_text(5, countries[(e % 10) as usize]);
            ev.bind_text(6, &enc_value(&mut x, 20));
            ev.bind_text(7, now);
            ev.step();
            ev.reset();
            for k in 0..3 {
                let id = (e - 1) * 3 + k + 1;
                if id > acts {
                    break;
                }
                pe.bind_int(1, id);
                pe.bind_text(2, &enc_value(&mut x, 18));
                pe.bind_text(3, &format!("{:032x}", x));
                pe.bind_text(4, &enc_value(&mut x, 4));
                pe.bind_text(5, &enc_value(&mut x, 10));
                pe.bind_text(6, &enc_value(&mut x, 2));
                pe.bind_text(7, now);
                pe.step();
                pe.reset();
                ac.bind_int(1, id);
                ac.bind_int(2, e);
                ac.bind_int(3, id);
                ac.bind_text(4, ["killing", "arbitrary_detention", "torture", "disappearance"][(id % 4) as usize]);
                ac.bind_text(5, &date);
                ac.bind_text(6, countries[(e % 10) as usize]);
                ac.bind_text(7, &enc_value(&mut x, 20));
                ac.bind_text(8, &enc_value(&mut x, 60));
                ac.bind_text(9, &enc_value(&mut x, 120));
                ac.bind_text(10, now);
                ac.step();
                ac.reset();
            }
        }
    }
    db.exec("COMMIT");
    let insert_s = t.elapsed().as_secs_f64();
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    drop(db);
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);

    // List pages, on a fresh connection (cold page cache of the connection, warm OS cache):
    // 50 events of a country in date order (index vio_events_country_start), and one event's
    // acts with their victims.
    let db = Db::open(path);
    if key {
        db.exec("PRAGMA key = \"x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D99'\"");
    }
    db.exec("PRAGMA foreign_keys = ON");
    let mut list = db.prepare(
        "SELECT id, title, start_date, country, place FROM vio_events \
         WHERE country = ?1 AND start_sort < ?2 ORDER BY start_sort DESC, id DESC LIMIT 50",
    );
    let mut detail = db.prepare(
        "SELECT a.id, a.act_type, a.place, a.consequences, p.name, p.gender FROM vio_acts a \
         JOIN vio_persons p ON p.id = a.victim_id WHERE a.event_id = ?1 ORDER BY a.id",
    );
    let (mut lat_list, mut lat_detail) = (Vec::new(), Vec::new());
    let mut rows = 0usize;
    for q in 0..2000i64 {
        let t = Instant::now();
        list.bind_text(1, countries[(q % 10) as usize]);
        list.bind_text(2, &format!("{:04}-12-31", 2000 + (q * 7) % 25));
        while list.step() {
            rows += list.text(1).len();
        }
        list.reset();
        lat_list.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        detail.bind_int(1, 1 + (q * 7919) % events);
        while detail.step() {
            rows += detail.text(4).len();
        }
        detail.reset();
        lat_detail.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let t = Instant::now();
    let count = db.scalar("SELECT COUNT(*) FROM vio_acts WHERE act_type = 'torture'");
    let scan_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "{} | SQLite {version}{} | open {open_ms:.1} ms | insert {acts} acts + {acts} persons + {events} events: {insert_s:.2} s, {:.0} acts/s | file {:.1} MB | events list p50/p95 {:.3}/{:.3} ms | event acts p50/p95 {:.3}/{:.3} ms | full scan count {count}: {scan_ms:.1} ms | ({rows} bytes read)",
        if key { "SQLCipher" } else { "plain" },
        if key { format!(", SQLCipher {cipher}") } else { String::new() },
        acts as f64 / insert_s,
        size as f64 / 1e6,
        pct(&mut lat_list, 0.5),
        pct(&mut lat_list, 0.95),
        pct(&mut lat_detail, 0.5),
        pct(&mut lat_detail, 0.95),
    );
}

//! Key rotation covers the evidence files and the search index (issue 16, item 8):
//! `dignity keys rotate` is killed (SIGKILL) while it re-encrypts the files; every file is
//! still whole and readable, the next `keys rotate --retire` finishes the job and retires
//! the old keys, every file then downloads byte-identical with its recorded SHA-256 under
//! the one key left, the index is re-sealed (not rebuilt) and still finds the records.

use crate::common::{add_admin, cmd, column, open, out as text, run_ok as run};
use dignity_core::Actor;
use dignity_search::{Search, SearchOptions, SearchRequest};
use dignity_store::search::Registry;
use dignity_store::violations::evidence::EvidenceStore;
use dignity_store::Store;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const FILES: usize = 12;
const FILE_MB: usize = 6;

/// Content that does not compress and differs per file.
fn content(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ n as u64;
    (0..FILE_MB * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Every stored evidence file.
fn stored(data: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for top in std::fs::read_dir(data.join("files/sha256")).unwrap() {
        for f in std::fs::read_dir(top.unwrap().path()).unwrap() {
            out.push(f.unwrap().path());
        }
    }
    out
}

/// The data key a stored file's header names.
fn key_of(path: &Path) -> String {
    let mut h = Vec::new();
    std::fs::File::open(path)
        .unwrap()
        .take(64)
        .read_to_end(&mut h)
        .unwrap();
    dignity_store::filecrypt::key_id_of(&h)
        .expect("an encrypted file")
        .to_string()
}

/// Every evidence item's file, read back, against its recorded SHA-256 and the original.
async fn check_files(store: &Store, originals: &[(String, Vec<u8>)]) {
    let recorded: Vec<String> = column(store, "SELECT sha256 FROM vio_evidence ORDER BY id").await;
    assert_eq!(recorded.len(), FILES);
    for (sha, bytes) in originals {
        assert!(recorded.contains(sha), "{sha} is recorded");
        let mut f = EvidenceStore::open(store, &sha.parse().unwrap())
            .unwrap_or_else(|e| panic!("{sha} must open: {e}"))
            .expect("stored");
        let mut got = Vec::new();
        f.read_to_end(&mut got)
            .unwrap_or_else(|e| panic!("{sha} must read: {e}"));
        assert_eq!(hex::encode(Sha256::digest(&got)), *sha);
        assert!(got == *bytes, "{sha}: the bytes read are the bytes stored");
    }
}

fn q(text: &str) -> SearchRequest {
    SearchRequest {
        q: text.into(),
        lang: "en".into(),
        limit: 50,
        ..Default::default()
    }
}

/// The number of records the index holds, and whether a search by a word of one record's
/// title finds that record.
async fn search_check(store: &Store, probe: Option<(String, String)>) -> (u64, (String, String)) {
    let s = Search::open(store, Registry::standard(), SearchOptions::default())
        .await
        .unwrap();
    let all = s.search(&Actor::system(), &q("")).unwrap();
    assert!(all.total > 0, "the index holds the records");
    let probe = probe.unwrap_or_else(|| {
        let h = &all.hits[0];
        let word = h
            .title
            .split_whitespace()
            .max_by_key(|w| w.chars().count())
            .unwrap()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_string();
        (word, h.id.clone())
    });
    let found = s.search(&Actor::system(), &q(&probe.0)).unwrap();
    assert!(
        found.hits.iter().any(|h| h.id == probe.1),
        "searching {:?} finds record {}",
        probe.0,
        probe.1
    );
    (all.total, probe)
}

fn index_keys(data: &Path) -> Vec<String> {
    let mut keys = Vec::new();
    for e in std::fs::read_dir(data.join("index")).unwrap() {
        if let Some(k) = dignity_search::at_rest::sealed_key_id(&e.unwrap().path()).unwrap() {
            keys.push(k);
        }
    }
    keys
}

/// An installation with an administrator, demo events and [`FILES`] evidence files:
/// (temporary directory, data directory, the files' (SHA-256, bytes)).
fn installation(name: &str) -> (PathBuf, PathBuf, Vec<(String, Vec<u8>)>) {
    let d = dignity_store::testing::temp_dir(name);
    let data = d.join("data");
    add_admin(&data, "ana");
    run(
        &data,
        &["demo", "generate", "--events", "30", "--as", "ana"],
    );
    let mut originals = Vec::new();
    for n in 0..FILES {
        let bytes = content(n);
        let path = d.join(format!("statement-{n}.bin"));
        std::fs::write(&path, &bytes).unwrap();
        run(
            &data,
            &["evidence", "add", path.to_str().unwrap(), "--as", "ana"],
        );
        originals.push((hex::encode(Sha256::digest(&bytes)), bytes));
    }
    (d, data, originals)
}

/// `dignity ARGS --data-dir DATA` started with its output thrown away.
fn start_quiet(data: &Path, args: &[&str]) -> Child {
    cmd(data, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Start `dignity keys rotate` and kill it (SIGKILL) once some files are under the new key
/// and others not yet.
fn rotate_and_kill_midway(data: &Path, first_key: &str) {
    let mut child = start_quiet(data, &["keys", "rotate"]);
    let start = Instant::now();
    let mut killed_midway = false;
    while start.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        let files = stored(data);
        let moved = files.iter().filter(|p| key_of(p) != first_key).count();
        if moved >= 1 && moved < files.len() {
            child.kill().unwrap();
            killed_midway = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait().unwrap();
    assert!(
        killed_midway,
        "the rotation ended before it could be killed while re-encrypting files"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_killed_midway_loses_no_file_and_the_next_run_retires_the_old_key() {
    let (d, data, originals) = installation("dignity-rotate-files");
    run(&data, &["reindex"]);
    let first_key = key_of(&stored(&data)[0]);
    let (docs, probe) = {
        let store = open(&data).await;
        let r = search_check(&store, None).await;
        store.close().await;
        r
    };
    assert!(index_keys(&data).iter().all(|k| *k == first_key));

    rotate_and_kill_midway(&data, &first_key);

    // Every file is whole and readable, under the old key or the new one.
    let store = open(&data).await;
    let keys_used: std::collections::HashSet<String> =
        stored(&data).iter().map(|p| key_of(p)).collect();
    assert_eq!(keys_used.len(), 2, "old and new keys in use: {keys_used:?}");
    let new_key = keys_used.iter().find(|k| **k != first_key).unwrap().clone();
    check_files(&store, &originals).await;
    // The rotation is recorded as unfinished, with its target key.
    let unfinished = dignity_store::keys::rotation::unfinished(&store)
        .await
        .unwrap()
        .expect("an unfinished rotation");
    assert_eq!(unfinished.target_key, new_key);
    store.close().await;
    let o = run(&data, &["keys", "status"]);
    assert!(
        text(&o).contains(&format!("unfinished rotation to key {new_key}")),
        "{}",
        text(&o)
    );

    // The next run resumes it with the same key (no third key), finishes and retires
    // every old key.
    let o = run(&data, &["keys", "rotate", "--retire"]);
    let out = text(&o);
    assert!(
        out.contains(&format!("resuming rotation to key {new_key}")),
        "{out}"
    );
    assert!(out.contains(&format!("new data key {new_key};")), "{out}");
    assert!(
        out.contains(&format!("retired keys: {first_key}\n")),
        "{out}"
    );
    assert!(out.contains("retired keys:"), "{out}");
    assert!(out.contains("could not be re-encrypted"), "{out}");
    assert!(out.contains(", 0 could not be re-encrypted"), "{out}");
    assert!(out.contains("search index:"), "{out}");

    let store = open(&data).await;
    let keys = store.keys();
    assert_eq!(keys.data_keys.len(), 1, "only the current key is left");
    assert!(!keys.data_keys.iter().any(|k| k.id == first_key));
    for p in stored(&data) {
        assert_eq!(key_of(&p), keys.current, "{}", p.display());
    }
    check_files(&store, &originals).await;
    // The index was re-sealed under the new key, not deleted and rebuilt.
    let ik = index_keys(&data);
    assert!(
        !ik.is_empty() && ik.iter().all(|k| *k == keys.current),
        "{ik:?}"
    );
    let (docs_after, _) = search_check(&store, Some(probe)).await;
    assert_eq!(docs_after, docs);

    // Audited with counts only: no file's hash in the entries.
    let details: Vec<String> = column(
        &store,
        "SELECT details FROM audit_log WHERE action = 'keys.rotate' ORDER BY seq",
    )
    .await;
    assert_eq!(details.len(), 1, "the killed run wrote no rotate entry");
    let last: serde_json::Value = serde_json::from_str(&details[0]).unwrap();
    assert!(last["files_reencrypted"].as_u64().unwrap() >= 1, "{last}");
    for (sha, _) in &originals {
        assert!(!details.iter().any(|d| d.contains(sha)));
    }
    let o = run(&data, &["audit", "verify"]);
    assert!(o.status.success());
    store.close().await;
    std::fs::remove_dir_all(d).ok();
}

/// A server started after a rotation was killed midway resumes it in the background, with
/// the same key: the key file ends with exactly one key more, every file under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_started_after_a_killed_rotation_resumes_it_with_the_same_key() {
    let (d, data, originals) = installation("dignity-rotate-serve");
    let first_key = key_of(&stored(&data)[0]);
    rotate_and_kill_midway(&data, &first_key);
    let keys_used: std::collections::HashSet<String> =
        stored(&data).iter().map(|p| key_of(p)).collect();
    let new_key = keys_used.iter().find(|k| **k != first_key).unwrap().clone();

    let mut server = start_quiet(&data, &["serve", "--listen", "127.0.0.1:0"]);
    let start = Instant::now();
    let mut finished = false;
    while start.elapsed() < Duration::from_secs(180) {
        assert!(server.try_wait().unwrap().is_none(), "the server stopped");
        let o = cmd(&data, &["keys", "status"]).output().unwrap();
        if o.status.success() && !text(&o).contains("unfinished rotation") {
            finished = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(finished, "the server did not finish the rotation");

    let store = open(&data).await;
    let keys = store.keys();
    let ids: Vec<&str> = keys.data_keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(
        ids,
        [first_key.as_str(), new_key.as_str()],
        "exactly one key more"
    );
    assert_eq!(keys.current, new_key);
    for p in stored(&data) {
        assert_eq!(key_of(&p), new_key, "{}", p.display());
    }
    check_files(&store, &originals).await;
    let job = dignity_store::keys::rotation::latest(&store)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.target_key.as_str(), job.phase.as_str()),
        (new_key.as_str(), "done")
    );
    assert_eq!(job.files_failed, 0);
    let usage = dignity_store::keys::usage(&store).await.unwrap();
    assert!(usage.iter().all(|u| u.key_id == new_key), "{usage:?}");
    store.close().await;
    std::fs::remove_dir_all(d).ok();
}

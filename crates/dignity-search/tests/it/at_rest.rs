//! The search index at rest (issue 16, item 4): a copy of `DATA_DIR/index` without the key
//! file holds no clear text. Marker words indexed in a record's title, its description
//! and a person's name are not found, byte for byte, in any file of the index directory;
//! the index reopens from its encrypted files; an index left in clear by an older version
//! is found at start and rebuilt encrypted; an index sealed under a key the key file no
//! longer holds is rebuilt rather than refused.

use crate::common;
use dignity_core::crypto::Keyring;
use dignity_core::{Actor, Confidentiality, RecordAccess};
use dignity_search::{IndexState, Search, SearchIndex, SearchOptions, SearchRequest};
use dignity_store::search::{BoxFuture, Registry, SearchDoc};
use dignity_store::testing::fixtures::RowIndexer;
use dignity_store::testing::{store, TestStore};
use dignity_store::Store;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::path::Path;
use std::time::Duration;

const TITLE_MARKER: &str = "Zorblaxtitle";
const BODY_MARKER: &str = "Quimbledescription";
const NAME_MARKER: &str = "Vexmarkname Ploofington";

const CREATE_NOTES: &str =
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL, name TEXT NOT NULL)";

fn note_doc(store: &Store, id: i64, title: &str, body: &str, name: &str) -> SearchDoc {
    let access = RecordAccess {
        level: Some(Confidentiality::Public),
        published: true,
        ..RecordAccess::new(Confidentiality::Public)
    };
    let mut d = SearchDoc::new("note", &id.to_string(), title, access).text("en", title, body);
    d.names.push(store.decrypt("notes.name", id, name).unwrap());
    d
}

fn note_row(store: &Store, id: i64, r: AnyRow) -> BoxFuture<'_, dignity_store::Result<SearchDoc>> {
    let (title, body, name): (String, String, String) = (r.get(1), r.get(2), r.get(3));
    Box::pin(async move { Ok(note_doc(store, id, &title, &body, &name)) })
}

/// A record type with a title, a description and a person's name (encrypted in the
/// database, as real names are), public and published so anyone may find it.
const NOTES: RowIndexer = RowIndexer {
    record_type: "note",
    table: "notes",
    select: "SELECT id, title, description, name FROM notes WHERE id = $1",
    doc: note_row,
};

fn registry() -> Registry {
    let mut r = Registry::standard();
    r.add(NOTES);
    r
}

fn opts(s: &TestStore) -> SearchOptions {
    SearchOptions {
        dir: Some(index_dir(s)),
        poll: Duration::from_millis(200),
        ..Default::default()
    }
}

fn index_dir(s: &TestStore) -> std::path::PathBuf {
    s.opts.data_dir.join("index")
}

/// A store with one note whose title, description and victim name carry the markers.
async fn setup() -> TestStore {
    let s = store(dignity_store::Backend::Sqlite).await;
    sqlx::query(CREATE_NOTES).execute(s.pool()).await.unwrap();
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let name = tx.store().keys().encrypt("notes.name", 1, NAME_MARKER);
    sqlx::query("INSERT INTO notes (id, title, description, name) VALUES (1, $1, $2, $3)")
        .bind(format!("Arbitrary arrest of a journalist {TITLE_MARKER}"))
        .bind(format!(
            "The witness said {BODY_MARKER} was taken from his home at night."
        ))
        .bind(name)
        .execute(tx.conn())
        .await
        .unwrap();
    tx.audit(
        "note.create",
        "note",
        "1",
        None,
        None,
        serde_json::json!({}),
    );
    tx.commit().await.unwrap();
    s
}

/// Every spelling of the markers a reader of the files could look for: as typed,
/// lowercased, and the name's parts.
fn needles() -> Vec<String> {
    let mut v = Vec::new();
    for m in [TITLE_MARKER, BODY_MARKER, NAME_MARKER] {
        v.push(m.to_string());
        v.push(m.to_lowercase());
        for part in m.split(' ') {
            v.push(part.to_string());
            v.push(part.to_lowercase());
        }
    }
    // Stems a language's analyser could keep.
    v.push("zorblax".into());
    v.push("quimbledescript".into());
    v
}

/// The needles found (as raw bytes) in any file under `dir`, with the file.
fn grep(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut files = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&p).unwrap();
            for n in needles() {
                if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                    found.push(format!("{n:?} in {}", p.display()));
                }
            }
        }
    }
    assert!(files >= 3, "the index directory holds files ({files})");
    found
}

fn q(text: &str) -> SearchRequest {
    common::request(text, 20)
}

fn note_ids(search: &Search, text: &str) -> Vec<String> {
    search
        .search(&Actor::anonymous(), &q(text))
        .unwrap()
        .hits
        .into_iter()
        .filter(|h| h.record_type == "note")
        .map(|h| h.id)
        .collect()
}

#[tokio::test]
async fn markers_in_title_description_and_name_are_in_no_index_file() {
    let s = setup().await;
    let search = Search::open(&s, registry(), opts(&s)).await.unwrap();
    // Found by each marker: the index has them, in memory.
    assert_eq!(note_ids(&search, TITLE_MARKER), ["1"]);
    assert_eq!(note_ids(&search, BODY_MARKER), ["1"]);
    assert_eq!(note_ids(&search, "Ploofington"), ["1"]);
    // Fuzzy name search still works (a spelling variant).
    assert_eq!(note_ids(&search, "Vexmarkname Plofington"), ["1"]);
    let hit = &search
        .search(&Actor::anonymous(), &q(TITLE_MARKER))
        .unwrap()
        .hits[0];
    assert!(hit.title.contains(TITLE_MARKER), "{}", hit.title);
    drop(search);
    let found = grep(&index_dir(&s));
    assert!(found.is_empty(), "clear text in the index files: {found:?}");
}

#[tokio::test]
async fn the_encrypted_index_reopens_and_finds_the_record() {
    let s = setup().await;
    let search = Search::open(&s, registry(), opts(&s)).await.unwrap();
    let applied = search.applied();
    assert!(applied > 0);
    drop(search);
    // Reopened without a rebuild or catch-up: what it finds comes from its own files.
    let search = Search::new(&s, registry(), opts(&s)).unwrap();
    assert!(!search.index().needs_rebuild(&s.keys()));
    assert_eq!(search.applied(), applied);
    assert_eq!(note_ids(&search, TITLE_MARKER), ["1"]);
    assert_eq!(note_ids(&search, BODY_MARKER), ["1"]);
    assert_eq!(note_ids(&search, "ploofington"), ["1"]);
    let hit = &search
        .search(&Actor::anonymous(), &q(BODY_MARKER))
        .unwrap()
        .hits[0];
    assert!(
        hit.snippet.contains(BODY_MARKER),
        "snippet from the stored text: {}",
        hit.snippet
    );
    assert!(search.index().is_sealed());
    assert!(search.index().memory_bytes() > 0);
}

#[tokio::test]
async fn a_clear_index_from_before_is_rebuilt_encrypted() {
    let s = setup().await;
    let dir = index_dir(&s);
    // What an older version left: the same record in an index whose files are clear.
    {
        let idx = SearchIndex::open_clear_for_benchmark(&dir, 1, 15).unwrap();
        let keys = s.keys();
        let name = keys.encrypt("notes.name", 1, NAME_MARKER);
        let doc = note_doc(
            &s,
            1,
            &format!("Arbitrary arrest of a journalist {TITLE_MARKER}"),
            &format!("The witness said {BODY_MARKER} was taken."),
            &name,
        );
        idx.add(&keys, &doc, 1).unwrap();
        idx.commit(&IndexState {
            schema: dignity_search::index::SCHEMA_VERSION,
            key: dignity_search::index::key_fingerprint(&keys),
            seq: 1,
            hash: String::new(),
        })
        .unwrap();
        idx.wait_merging().unwrap();
    }
    // The check sees clear text where there is some.
    let before = grep(&dir);
    assert!(
        before.iter().any(|f| f.contains(TITLE_MARKER))
            && before.iter().any(|f| f.contains(BODY_MARKER)),
        "{before:?}"
    );
    // The first start finds it, deletes it and rebuilds it encrypted from the database.
    let search = Search::open(&s, registry(), opts(&s)).await.unwrap();
    assert!(search.index().is_sealed());
    assert_eq!(note_ids(&search, TITLE_MARKER), ["1"]);
    assert_eq!(note_ids(&search, BODY_MARKER), ["1"]);
    assert_eq!(note_ids(&search, "Ploofington"), ["1"]);
    drop(search);
    let after = grep(&dir);
    assert!(after.is_empty(), "clear text left: {after:?}");
}

#[tokio::test]
async fn an_index_sealed_under_a_key_no_longer_held_is_made_again() {
    let dir = dignity_store::testing::temp_dir("dignity-at-rest").join("index");
    let keys = Keyring::generate("2026-12-06");
    let state = IndexState {
        schema: dignity_search::index::SCHEMA_VERSION,
        key: dignity_search::index::key_fingerprint(&keys),
        seq: 3,
        hash: "h".into(),
    };
    let access = RecordAccess {
        published: true,
        ..RecordAccess::new(Confidentiality::Public)
    };
    {
        let idx = SearchIndex::open(&dir, &keys, 1, 15).unwrap();
        let doc =
            SearchDoc::new("note", "1", "Detention", access.clone()).text("en", "Detention", "");
        idx.add(&keys, &doc, 3).unwrap();
        idx.commit(&state).unwrap();
    }
    // Same key ring: opens as it was.
    {
        let idx = SearchIndex::open(&dir, &keys, 1, 15).unwrap();
        assert_eq!(idx.num_docs(), 1);
        assert_eq!(idx.state(), Some(state.clone()));
        assert!(!idx.needs_rebuild(&keys));
    }
    // The data key was rotated and the old one retired: the files cannot be read any
    // more, so the index starts again empty (and is rebuilt from the database).
    let mut rotated = keys.clone();
    rotated.rotate("2026-12-07");
    rotated.retire_old_keys();
    let idx = SearchIndex::open(&dir, &rotated, 1, 15).unwrap();
    assert_eq!(idx.num_docs(), 0);
    assert_eq!(idx.state(), None);
    assert!(idx.needs_rebuild(&rotated));
    drop(idx);
    // Another installation's key ring (a key of the same id, another key) cannot read
    // them either.
    let other = Keyring::generate("2026-12-06");
    {
        let idx = SearchIndex::open(&dir, &keys, 1, 15).unwrap();
        let doc = SearchDoc::new("note", "2", "Eviction", access).text("en", "Eviction", "");
        idx.add(&keys, &doc, 4).unwrap();
        idx.commit(&state).unwrap();
        assert_eq!(idx.num_docs(), 1);
    }
    let idx = SearchIndex::open(&dir, &other, 1, 15).unwrap();
    assert_eq!(idx.num_docs(), 0);
    assert!(idx.needs_rebuild(&other));
}

/// Add note `id` with `title` (audited, so the index's catch-up picks it up).
async fn add_note(s: &Store, id: i64, title: &str) {
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let name = tx.store().keys().encrypt("notes.name", id, "Amaru Quispe");
    sqlx::query("INSERT INTO notes (id, title, description, name) VALUES ($1, $2, '', $3)")
        .bind(id)
        .bind(title)
        .bind(name)
        .execute(tx.conn())
        .await
        .unwrap();
    let id = id.to_string();
    tx.audit(
        "note.create",
        "note",
        &id,
        None,
        None,
        serde_json::json!({}),
    );
    tx.commit().await.unwrap();
}

/// The data key id of every sealed file of the index.
fn index_keys(dir: &Path) -> Vec<String> {
    let mut keys = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        if let Some(k) = dignity_search::at_rest::sealed_key_id(&e.unwrap().path()).unwrap() {
            keys.push(k);
        }
    }
    keys.sort();
    keys
}

/// Key rotation without downtime (issue 16, item 8): the index a server holds is re-sealed
/// under the new key in place while searches go on and find what they found before; files
/// written before the re-sealing under the old key are re-sealed too, files written after
/// it are under the new key; with the old key retired from the key file, the index reopens
/// as it was (not made again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_is_resealed_in_place_while_it_keeps_answering() {
    let s = setup().await;
    let dir = index_dir(&s);
    let search = Search::open(&s, registry(), opts(&s)).await.unwrap();
    assert_eq!(index_keys(&dir).first().map(String::as_str), Some("k1"));

    // The rotation's new key: current in the key file and the store.
    let mut k = (*s.keys()).clone();
    k.rotate("2026-12-07");
    s.write_keys(&k).unwrap();
    s.replace_keys(k.clone());
    assert!(search.key_changed());
    // Indexed before the re-sealing: the running index still seals under the old key.
    add_note(&s, 2, "Eviction of the Quispe family").await;
    search.catch_up().await.unwrap();
    assert!(
        index_keys(&dir).iter().all(|k| k == "k1"),
        "{:?}",
        index_keys(&dir)
    );

    // Searches run all through the re-sealing and find the same records.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let searcher = {
        let (search, stop) = (search.clone(), stop.clone());
        tokio::task::spawn_blocking(move || {
            let mut n = 0;
            loop {
                assert_eq!(note_ids(&search, TITLE_MARKER), ["1"]);
                assert_eq!(note_ids(&search, "eviction"), ["2"]);
                n += 1;
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    return n;
                }
            }
        })
    };
    let seen = std::sync::Mutex::new((0, 0));
    let r = search
        .reseal(&|done, total| *seen.lock().unwrap() = (done, total))
        .await
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(searcher.await.unwrap() >= 1);
    assert!(!r.busy, "{r:?}");
    assert!(r.resealed >= 3, "{r:?}");
    let (done, total) = *seen.lock().unwrap();
    assert!(done == total && total >= r.resealed, "{done}/{total}");
    assert!(!search.key_changed());
    assert!(
        index_keys(&dir).iter().all(|k| k == "k2"),
        "{:?}",
        index_keys(&dir)
    );
    // Nothing left behind, nothing in clear.
    assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("reseal")));
    assert!(grep(&dir).is_empty());

    // Indexed after: under the new key.
    add_note(&s, 3, "Detention of a lawyer").await;
    search.catch_up().await.unwrap();
    assert_eq!(note_ids(&search, "lawyer"), ["3"]);
    assert!(
        index_keys(&dir).iter().all(|k| k == "k2"),
        "{:?}",
        index_keys(&dir)
    );
    drop(search);

    // The old key retired: the index opens from its own files, as it was.
    k.retire_old_keys();
    assert_eq!(k.data_keys.len(), 1);
    s.write_keys(&k).unwrap();
    s.replace_keys(k);
    let search = Search::new(&s, registry(), opts(&s)).unwrap();
    assert!(!search.index().needs_rebuild(&s.keys()));
    assert_eq!(note_ids(&search, TITLE_MARKER), ["1"]);
    assert_eq!(note_ids(&search, "eviction"), ["2"]);
    assert_eq!(note_ids(&search, "lawyer"), ["3"]);
}

//! Evidence files encrypted at rest (issue 16, item 3): what a copy of the data directory
//! without the key file shows of them, what a damaged file does, and how files stored in
//! clear by an older version are upgraded. Files do not depend on the database: SQLite.

use crate::common;
use dignity_core::Sha256 as Sha256Hex;
use dignity_store::filecrypt;
use dignity_store::testing::store;
use dignity_store::violations::evidence::{self, EvidenceStore};
use dignity_store::Backend;
use std::io::{ErrorKind, Read, Seek, SeekFrom};

const MARKER: &[u8] = b"MARKER-51c2-statement-of-Killa";

fn content(len: usize) -> Vec<u8> {
    let mut d: Vec<u8> = (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for at in [0, len / 3, len - MARKER.len()] {
        d[at..at + MARKER.len()].copy_from_slice(MARKER);
    }
    d
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn sha256sum(bytes: &[u8], dir: &std::path::Path) -> String {
    let p = dir.join("check.bin");
    std::fs::write(&p, bytes).unwrap();
    let sum = common::sha256sum(&p);
    std::fs::remove_file(&p).unwrap();
    sum
}

fn read_back(st: &dignity_store::Store, sha: &Sha256Hex) -> std::io::Result<Vec<u8>> {
    let mut r = EvidenceStore::open(st, sha)?.expect("stored");
    let mut out = Vec::new();
    r.read_to_end(&mut out)?;
    Ok(out)
}

#[tokio::test]
async fn a_stored_file_is_encrypted_and_reads_back_with_its_sha256() {
    let st = store(Backend::Sqlite).await;
    let data = content(700_001);
    let (blob, _) = evidence::store_reader(&st, &data[..], u64::MAX, None).unwrap();
    // The address is the SHA-256 of the plaintext, as `sha256sum` computes it.
    assert_eq!(blob.sha256, sha256sum(&data, st.data_dir()));
    let stored = std::fs::read(blob.path(&st)).unwrap();
    assert!(
        !contains(&stored, MARKER),
        "the content is on disk in clear"
    );
    assert!(filecrypt::looks_encrypted(&stored));
    assert_eq!(
        stored.len() as u64,
        filecrypt::stored_len(data.len() as u64)
    );
    let back = read_back(&st, &blob.sha256).unwrap();
    assert!(back == data);
    assert_eq!(sha256sum(&back, st.data_dir()), blob.sha256.as_str());
    // Verification reads the decrypted content.
    let v = EvidenceStore::verify(&st, &blob.sha256).unwrap().unwrap();
    assert_eq!((v.size, v.sha512), (blob.size, blob.sha512.clone()));
    // Random access: a range deep in the file without reading from the start.
    let mut r = EvidenceStore::open(&st, &blob.sha256).unwrap().unwrap();
    r.seek(SeekFrom::Start(600_000)).unwrap();
    let mut part = vec![0u8; 1000];
    r.read_exact(&mut part).unwrap();
    assert!(part == data[600_000..601_000]);
    // Without the key file (another installation's keys) nothing decrypts.
    let other = dignity_core::crypto::Keyring::generate("2026-01-01T00:00:00Z");
    let f = std::fs::File::open(blob.path(&st)).unwrap();
    let e = filecrypt::DecReader::open(f, &other).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidData);
}

#[tokio::test]
async fn a_truncated_or_altered_file_is_refused() {
    let st = store(Backend::Sqlite).await;
    let data = content(300_000);
    let (blob, _) = evidence::store_reader(&st, &data[..], u64::MAX, None).unwrap();
    let path = blob.path(&st);
    let good = std::fs::read(&path).unwrap();
    let put = |bytes: &[u8]| {
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, bytes).unwrap();
    };
    let refused = |what: &str| {
        let e = read_back(&st, &blob.sha256).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidData, "{what}: {e}");
        assert!(e.to_string().contains("damaged"), "{what}: {e}");
        assert!(EvidenceStore::verify(&st, &blob.sha256).is_err(), "{what}");
    };
    put(&good[..good.len() - 1]);
    refused("cut off by one byte");
    put(&good[..filecrypt::HEADER + 64 * 1024 + 16]);
    refused("cut off at a chunk boundary");
    let mut t = good.clone();
    t[good.len() / 2] ^= 1;
    put(&t);
    refused("one bit changed");
    let mut t = good.clone();
    t[filecrypt::HEADER - 40] ^= 1;
    put(&t);
    refused("the recorded size or hash changed");
    // Another stored file put at this address.
    let (other, _) = evidence::store_reader(&st, &b"another file"[..], u64::MAX, None).unwrap();
    put(&std::fs::read(other.path(&st)).unwrap());
    refused("another file at this address");
    put(&good);
    assert!(read_back(&st, &blob.sha256).unwrap() == data);
}

#[tokio::test]
async fn files_stored_in_clear_are_encrypted_in_place_at_start() {
    let st = store(Backend::Sqlite).await;
    // What an older version left: files in clear at their content address.
    let old = content(200_000);
    let sha = Sha256Hex::from_bytes(<[u8; 32]>::from(<sha2::Sha256 as sha2::Digest>::digest(
        &old,
    )));
    let path = EvidenceStore::path(&st, &sha);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &old).unwrap();
    // A clear file that does not hash to its address is left alone, and reported.
    let bad = Sha256Hex::from_bytes([7u8; 32]);
    let bad_path = EvidenceStore::path(&st, &bad);
    std::fs::create_dir_all(bad_path.parent().unwrap()).unwrap();
    std::fs::write(&bad_path, b"MARKER-not-this-file").unwrap();
    // And one stored encrypted already.
    let (new, _) = evidence::store_reader(&st, &b"a newer file"[..], u64::MAX, None).unwrap();
    let rep = evidence::encrypt_clear_files(&st);
    assert_eq!((rep.encrypted, rep.already, rep.failed), (1, 1, 1));
    let stored = std::fs::read(&path).unwrap();
    assert!(!contains(&stored, MARKER));
    assert!(read_back(&st, &sha).unwrap() == old);
    assert_eq!(std::fs::read(&bad_path).unwrap(), b"MARKER-not-this-file");
    assert_eq!(read_back(&st, &new.sha256).unwrap(), b"a newer file");
    // No temporary file is left; a second run changes nothing.
    let tmp = evidence::files_dir(&st).join("tmp");
    let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0);
    let rep = evidence::encrypt_clear_files(&st);
    assert_eq!((rep.encrypted, rep.already, rep.failed), (0, 2, 1));
    assert_eq!(std::fs::read(&path).unwrap(), stored, "rewritten again");
    // A file left in clear (a CLI run before the server started) is encrypted when read.
    let later = content(1000);
    let sha2 = Sha256Hex::from_bytes(<[u8; 32]>::from(<sha2::Sha256 as sha2::Digest>::digest(
        &later,
    )));
    let p2 = EvidenceStore::path(&st, &sha2);
    std::fs::create_dir_all(p2.parent().unwrap()).unwrap();
    std::fs::write(&p2, &later).unwrap();
    assert!(read_back(&st, &sha2).unwrap() == later);
    assert!(!contains(&std::fs::read(&p2).unwrap(), MARKER));
}

#[tokio::test]
async fn rotation_re_encrypts_stored_files_and_then_retires_the_old_key() {
    let st = store(Backend::Sqlite).await;
    let data = content(3 * filecrypt::CHUNK + 17);
    let (blob, _) = evidence::store_reader(&st, &data[..], u64::MAX, None).unwrap();
    let old_key = st.keys().current.clone();
    // A reader that opened the file before the rotation (a download under way).
    let mut early = EvidenceStore::open(&st, &blob.sha256).unwrap().unwrap();
    let mut first = vec![0u8; 1000];
    early.read_exact(&mut first).unwrap();
    // Another process on the same data directory (a running server) that knows only the
    // old key.
    let server = dignity_store::Store::open(&st.opts).await.unwrap();

    let r = dignity_store::keys::rotate(&st, true).await.unwrap();
    assert_eq!(
        (r.files.reencrypted, r.files.failed),
        (1, 0),
        "{:?}",
        r.files
    );
    assert_eq!(r.retired, vec![old_key.clone()], "{:?}", r.retire_refused);
    let head = std::fs::read(blob.path(&st)).unwrap();
    assert_eq!(filecrypt::key_id_of(&head), Some(r.new_key_id.as_str()));
    assert!(!contains(&head, MARKER));
    // The early reader reads on, from the file it opened; new readers get the new file.
    let mut rest = Vec::new();
    early.read_to_end(&mut rest).unwrap();
    first.extend_from_slice(&rest);
    assert!(
        first == data,
        "the reader that opened the old file reads it whole"
    );
    assert!(read_back(&st, &blob.sha256).unwrap() == data);
    assert!(
        read_back(&server, &blob.sha256).unwrap() == data,
        "a process that did not know the new key reads the key file again"
    );
    assert_eq!(
        sha256sum(
            &read_back(&st, &blob.sha256).unwrap(),
            st.opts.data_dir.as_path()
        ),
        blob.sha256.as_str()
    );
    // No temporary file is left; the old key is gone from the key file.
    let tmp = evidence::files_dir(&st).join("tmp");
    assert_eq!(std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0), 0);
    assert_eq!(st.keys().data_keys.len(), 1);
    // Audited with counts only.
    let details: String = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'keys.rotate' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(st.pool())
    .await
    .unwrap();
    let d: serde_json::Value = serde_json::from_str(&details).unwrap();
    assert_eq!(d["files_reencrypted"], 1, "{d}");
    assert!(!details.contains(blob.sha256.as_str()));
    server.close().await;
}

#[tokio::test]
async fn old_keys_are_kept_while_a_stored_file_cannot_be_re_encrypted() {
    let st = store(Backend::Sqlite).await;
    let data = content(100_000);
    let (blob, _) = evidence::store_reader(&st, &data[..], u64::MAX, None).unwrap();
    let (good, _) = evidence::store_reader(&st, &b"a good file"[..], u64::MAX, None).unwrap();
    // Damage the first file: it can be neither served nor re-encrypted.
    let path = blob.path(&st);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[filecrypt::HEADER + 10] ^= 1;
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, &bytes).unwrap();
    let r = dignity_store::keys::rotate(&st, true).await.unwrap();
    assert_eq!(
        (r.files.reencrypted, r.files.failed),
        (1, 1),
        "{:?}",
        r.files
    );
    assert!(r.retired.is_empty(), "{:?}", r.retired);
    let why = r.retire_refused.unwrap();
    assert!(why.contains("evidence files (1)"), "{why}");
    // The damaged file is left exactly as it was; the good one reads under the new key.
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert_eq!(read_back(&st, &good.sha256).unwrap(), b"a good file");
    let (b2, _) = evidence::store_reader(&st, &b"after rotation"[..], u64::MAX, None).unwrap();
    let head = std::fs::read(b2.path(&st)).unwrap();
    assert_eq!(filecrypt::key_id_of(&head), Some(r.new_key_id.as_str()));
}

//! Operations on every backend: backup and restore, copying to PostgreSQL, key rotation,
//! and what reaches the disk.

use crate::common::{self, admin};
use dignity_core::{Actor, Role};
use dignity_store::backup::{self, BackupOptions, RestoreOptions};
use dignity_store::testing::{backends, fresh_postgres_database, store, temp_dir, TestStore};
use dignity_store::{accounts, audit, keys, Backend, OpenOptions, Store, StoreError};
use sqlx::Row;
use std::path::{Path, PathBuf};

mod backup_restore;
mod key_rotation;

const NAME: &str = "Ana Jovanović, Kraljevo";
const PASS: &str = "correct horse battery staple";

/// Users, settings, a token, an encrypted value, audit entries and an uploaded file.
async fn populate(s: &Store) -> i64 {
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let u = accounts::create(&mut tx, "amina", "Amina K.", Role::Admin, PASS)
        .await
        .unwrap();
    accounts::create(&mut tx, "omar", "Omar", Role::Analyst, PASS)
        .await
        .unwrap();
    accounts::create_token(&mut tx, u.id, "script")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = s.begin(&admin()).await.unwrap();
    accounts::set_totp(&mut tx, u.id, Some(NAME), true)
        .await
        .unwrap();
    accounts::set_setting(&mut tx, "org_name", "Centar za prava ‘Ž’")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let files = s.data_dir().join("files").join("case-1");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("photo.jpg"), vec![0xffu8; 100_000]).unwrap();
    std::fs::write(s.data_dir().join("files").join("note.txt"), "evidence").unwrap();
    u.id
}

/// A temporary directory, removed when dropped.
struct Cleanup(PathBuf);

impl std::ops::Deref for Cleanup {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn out_path(tag: &str) -> (PathBuf, Cleanup) {
    let d = temp_dir(tag);
    (d.join("backup.dgn"), Cleanup(d))
}

/// Digests of every table but the audit ones (a restore appends its own entry).
async fn data_digests(s: &Store) -> Vec<(String, u64, String)> {
    backup::table_digests(s)
        .await
        .unwrap()
        .into_iter()
        .filter(|(t, _, _)| t != "audit_log" && t != "audit_head")
        .collect()
}

async fn target(b: Backend) -> (OpenOptions, Cleanup) {
    let dir = temp_dir("dignity-restore");
    let mut o = OpenOptions::new(dir.join("data"));
    if b == Backend::Postgres {
        o.database_url = Some(fresh_postgres_database().await);
    }
    (o, Cleanup(dir))
}

/// Restores `archive` (encrypted with [`PASS`]) into `target`, not forced.
async fn restore_with_passphrase(archive: &Path, target: &OpenOptions) -> backup::RestoreSummary {
    backup::restore(
        archive,
        target,
        &RestoreOptions {
            passphrase: Some(PASS.into()),
            force: false,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn check_restored(src: &TestStore, o: &OpenOptions, uid: i64) {
    let r = Store::open(o).await.unwrap();
    assert_eq!(data_digests(&src.store).await, data_digests(&r).await);
    // The source's chain, then the restore's own entry, all verifying with the keys.
    let before = audit::list(&src.store, &Default::default(), 1000, 0)
        .await
        .unwrap();
    let after = audit::list(&r, &Default::default(), 1000, 0).await.unwrap();
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after[0].action, "backup.restore");
    assert_eq!(&after[1..], &before[..]);
    let v = audit::verify_log(&r).await.unwrap();
    assert!(v.ok() && v.anchored, "{:?}", v.problems);
    let u = accounts::by_id(&r, uid).await.unwrap().unwrap();
    assert_eq!(
        accounts::totp_secret(&r, &u).unwrap().as_deref(),
        Some(NAME)
    );
    assert_eq!(
        std::fs::read(o.data_dir.join("files/case-1/photo.jpg")).unwrap(),
        vec![0xffu8; 100_000]
    );
    // New rows do not collide with copied ids.
    let mut tx = r.begin(&admin()).await.unwrap();
    let n = accounts::create(&mut tx, "lena", "", Role::Documenter, PASS)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(n.id > uid);
    r.close().await;
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The entries of an unencrypted archive.
fn unpack(p: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let f = std::fs::File::open(p).unwrap();
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut out = Vec::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut d = Vec::new();
        e.read_to_end(&mut d).unwrap();
        out.push((name, d));
    }
    out
}

fn pack(p: &Path, entries: &[(String, Vec<u8>)]) {
    let _ = std::fs::remove_file(p);
    let f = std::fs::File::create(p).unwrap();
    let mut t = tar::Builder::new(flate2::write::GzEncoder::new(
        f,
        flate2::Compression::fast(),
    ));
    for (n, d) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(d.len() as u64);
        h.set_mode(0o600);
        t.append_data(&mut h, n, &d[..]).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap();
}

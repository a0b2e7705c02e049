//! Backup and restore (with and without keys, tampered archives, age recipients, consistent
//! snapshots) and copying into PostgreSQL.

use super::*;

#[tokio::test]
async fn backup_and_restore_round_trip_with_keys_in_an_encrypted_archive() {
    for b in backends() {
        let s = store(b).await;
        let uid = populate(&s).await;
        let (out, _d) = out_path("dignity-bk");
        let sum = backup::backup(
            &s,
            &out,
            &BackupOptions {
                include_keys: true,
                passphrase: Some(PASS.into()),
                allow_plaintext_keys: false,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(sum.encrypted && sum.keys_included, "{b:?}");
        assert_eq!(sum.files, 2);
        assert_eq!(
            sum.tables.iter().find(|t| t.name == "users").unwrap().rows,
            2
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the archive is private");
        }
        // No plaintext anywhere in the encrypted archive.
        let raw = std::fs::read(&out).unwrap();
        assert!(!contains(&raw, b"amina"));

        let m = backup::verify_archive(&out, Some(PASS)).await.unwrap();
        assert!(m.keys_included);

        let (o, _dir) = target(b).await;
        let r = restore_with_passphrase(&out, &o).await;
        assert!(r.audit.ok(), "{b:?}: {:?}", r.audit.problems);
        // The 2FA secret and the two users' display names.
        assert_eq!((r.encrypted_values, r.undecryptable_values), (3, 0));
        assert_eq!(r.files, 2);
        assert!(r.keys.contains("from the archive"));
        check_restored(&s, &o, uid).await;
    }
}

#[tokio::test]
async fn a_backup_without_keys_restores_with_the_key_file_supplied() {
    for b in backends() {
        let s = store(b).await;
        let uid = populate(&s).await;
        let (out, _d) = out_path("dignity-bk");
        let sum = backup::backup(&s, &out, &BackupOptions::unencrypted())
            .await
            .unwrap();
        assert!(!sum.keys_included && !sum.encrypted);
        assert!(sum.notes.iter().any(|n| n.contains("ciphertext")));
        // The encrypted value is in the archive, as ciphertext only.
        let plain = unpack(&out);
        let users = plain
            .iter()
            .find(|(n, _)| n == "tables/users.jsonl")
            .unwrap();
        assert!(contains(&users.1, b"enc:v2:k1:"));
        assert!(!plain.iter().any(|(_, d)| contains(d, NAME.as_bytes())));
        assert!(!plain.iter().any(|(n, _)| n == "keys.json"));

        // Without a key file at the target: refused, nothing written.
        let (o, _dir) = target(b).await;
        let e = backup::restore(&out, &o, &RestoreOptions::default())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no key file"), "{e}");
        assert!(!o.key_path().exists() && !o.sqlite_path().exists());

        std::fs::create_dir_all(&o.data_dir).unwrap();
        std::fs::copy(s.key_path(), o.key_path()).unwrap();
        let r = backup::restore(&out, &o, &RestoreOptions::default())
            .await
            .unwrap();
        assert!(r.audit.ok(), "{b:?}: {:?}", r.audit.problems);
        check_restored(&s, &o, uid).await;
    }
}

#[tokio::test]
async fn a_sqlite_backup_restores_into_postgresql() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("PostgreSQL not configured: cross-backend restore not checked in this run");
        return;
    }
    let s = store(Backend::Sqlite).await;
    let uid = populate(&s).await;
    let (out, _d) = out_path("dignity-bk");
    backup::backup(
        &s,
        &out,
        &BackupOptions {
            include_keys: true,
            passphrase: Some(PASS.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (o, _dir) = target(Backend::Postgres).await;
    let r = restore_with_passphrase(&out, &o).await;
    assert_eq!(r.source_backend, "sqlite");
    assert!(r.audit.ok(), "{:?}", r.audit.problems);
    check_restored(&s, &o, uid).await;
}

#[tokio::test]
async fn keys_are_never_written_in_clear_unless_allowed() {
    let s = store(Backend::Sqlite).await;
    populate(&s).await;
    let (out, _d) = out_path("dignity-bk");
    let e = backup::backup(
        &s,
        &out,
        &BackupOptions {
            include_keys: true,
            unencrypted: true,
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("unencrypted"), "{e}");
    assert!(!out.exists());
    let sum = backup::backup(
        &s,
        &out,
        &BackupOptions {
            include_keys: true,
            allow_plaintext_keys: true,
            unencrypted: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(sum.notes.iter().any(|n| n.contains("IN CLEAR")));
    // A short passphrase is refused; an existing file is never overwritten.
    let e = backup::backup(
        &s,
        &out.with_extension("2"),
        &BackupOptions {
            passphrase: Some("short".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("passphrase"));
    // Backups are encrypted by default: no passphrase, no recipient and no explicit
    // `unencrypted` is refused, and nothing is written.
    let e = backup::backup(&s, &out.with_extension("3"), &BackupOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("backups are encrypted"), "{e}");
    assert!(!out.with_extension("3").exists());
    let e = backup::backup(&s, &out, &BackupOptions::unencrypted())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)));
}

#[tokio::test]
async fn wrong_passphrase_and_tampered_archives_are_refused_and_nothing_is_written() {
    let s = store(Backend::Sqlite).await;
    populate(&s).await;
    let (out, d) = out_path("dignity-bk");
    let opts = BackupOptions {
        include_keys: true,
        passphrase: Some(PASS.into()),
        ..Default::default()
    };
    backup::backup(&s, &out, &opts).await.unwrap();
    let nothing_written = |o: &OpenOptions| {
        assert!(!o.key_path().exists() && !o.sqlite_path().exists());
        assert!(std::fs::read_dir(&o.data_dir).map_or(true, |mut d| d.next().is_none()));
    };

    let (o, _dir) = target(Backend::Sqlite).await;
    let wrong = RestoreOptions {
        passphrase: Some("not the passphrase at all".into()),
        force: false,
        ..Default::default()
    };
    let e = backup::restore(&out, &o, &wrong).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Archive(m) if m.contains("passphrase is wrong")),
        "{e}"
    );
    nothing_written(&o);
    let e = backup::restore(&out, &o, &RestoreOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("give its passphrase"), "{e}");

    // One flipped bit in the middle of the encrypted archive.
    let mut raw = std::fs::read(&out).unwrap();
    let mid = raw.len() / 2;
    raw[mid] ^= 0x10;
    let bad = d.join("tampered.dgn");
    std::fs::write(&bad, &raw).unwrap();
    let right = RestoreOptions {
        passphrase: Some(PASS.into()),
        force: false,
        ..Default::default()
    };
    let e = backup::restore(&bad, &o, &right).await.unwrap_err();
    assert!(e.to_string().contains("altered or damaged"), "{e}");
    nothing_written(&o);
    // Cut off at the end.
    std::fs::write(&bad, &raw[..raw.len() - 100]).unwrap();
    assert!(backup::restore(&bad, &o, &right).await.is_err());
    nothing_written(&o);

    // An unencrypted archive with a table changed (the manifest left as it was).
    let plain = d.join("plain.dgn");
    backup::backup(&s, &plain, &BackupOptions::unencrypted())
        .await
        .unwrap();
    let mut entries = unpack(&plain);
    for (n, data) in entries.iter_mut() {
        if n == "tables/users.jsonl" {
            let t = String::from_utf8(data.clone()).unwrap();
            *data = t.replacen("\"analyst\"", "\"admin\"", 1).into_bytes();
        }
    }
    let forged = d.join("forged.dgn");
    pack(&forged, &entries);
    std::fs::create_dir_all(&o.data_dir).unwrap();
    std::fs::copy(s.key_path(), o.key_path()).unwrap();
    let e = backup::restore(&forged, &o, &RestoreOptions::default())
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("table users") && e.to_string().contains("nothing was written"),
        "{e}"
    );
    assert!(!o.sqlite_path().exists());
    // A backup of a newer schema: refused after the checks, and the directory is left as
    // it was found (no database file, the key file as before).
    let mut entries = unpack(&plain);
    for (n, data) in entries.iter_mut() {
        if n == "manifest.json" {
            let mut m: serde_json::Value = serde_json::from_slice(data).unwrap();
            m["migrations"]
                .as_array_mut()
                .unwrap()
                .push("9999_future".into());
            *data = serde_json::to_vec(&m).unwrap();
        }
    }
    pack(&forged, &entries);
    let e = backup::restore(&forged, &o, &RestoreOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("newer Dignity"), "{e}");
    assert!(!o.sqlite_path().exists() && o.key_path().exists());
    // Repacked unchanged, it restores: the check is about content, not packing.
    let entries = unpack(&plain);
    pack(&forged, &entries);
    backup::restore(&forged, &o, &RestoreOptions::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn restoring_into_a_store_that_holds_data_is_refused_unless_forced() {
    for b in backends() {
        let s = store(b).await;
        let uid = populate(&s).await;
        let (out, _d) = out_path("dignity-bk");
        let opts = BackupOptions {
            include_keys: true,
            passphrase: Some(PASS.into()),
            ..Default::default()
        };
        backup::backup(&s, &out, &opts).await.unwrap();
        let t = store(b).await;
        let mut tx = t.begin(&admin()).await.unwrap();
        accounts::set_setting(&mut tx, "mine", "yes").await.unwrap();
        tx.commit().await.unwrap();
        let key_before = std::fs::read(t.opts.key_path()).unwrap();
        let ro = RestoreOptions {
            passphrase: Some(PASS.into()),
            force: false,
            ..Default::default()
        };
        let e = backup::restore(&out, &t.opts, &ro).await.unwrap_err();
        // The target's different key file is found first.
        assert!(e.to_string().contains("differs"), "{b:?}: {e}");
        std::fs::copy(s.key_path(), t.opts.key_path()).unwrap();
        let e = backup::restore(&out, &t.opts, &ro).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Conflict(m) if m.contains("not empty") && m.contains("settings")),
            "{b:?}: {e}"
        );
        assert_eq!(t.setting("mine").await.unwrap().as_deref(), Some("yes"));
        // Forced: replaced, and what was there is moved aside, never deleted.
        std::fs::write(t.opts.key_path(), &key_before).unwrap();
        std::fs::create_dir_all(t.data_dir().join("files")).unwrap();
        std::fs::write(t.data_dir().join("files/old.txt"), "old").unwrap();
        let r = backup::restore(
            &out,
            &t.opts,
            &RestoreOptions {
                passphrase: Some(PASS.into()),
                force: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(r.moved_aside.len(), 2, "{:?}", r.moved_aside);
        assert!(r.moved_aside.iter().all(|p| p.exists()));
        assert!(r.audit.ok(), "{b:?}: {:?}", r.audit.problems);
        t.store.reload_keys().unwrap();
        assert_eq!(t.setting("mine").await.unwrap(), None);
        check_restored(&s, &t.opts, uid).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writes_go_on_is_one_consistent_snapshot() {
    for b in backends() {
        let s = store(b).await;
        populate(&s).await;
        let writer = {
            let s = s.store.clone();
            tokio::spawn(async move {
                for i in 0..200 {
                    let mut tx = s.begin(&admin()).await.unwrap();
                    accounts::set_setting(&mut tx, &format!("k{i}"), "v")
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                    tokio::task::yield_now().await;
                }
            })
        };
        let (out, _d) = out_path("dignity-bk");
        let mut sums = Vec::new();
        for i in 0..3 {
            let p = out.with_extension(i.to_string());
            sums.push(
                backup::backup(&s, &p, &BackupOptions::unencrypted())
                    .await
                    .unwrap(),
            );
            let entries = unpack(&p);
            let table = |n: &str| {
                let d = &entries
                    .iter()
                    .find(|(x, _)| x == &format!("tables/{n}.jsonl"))
                    .unwrap()
                    .1;
                String::from_utf8(d.clone())
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str::<Vec<serde_json::Value>>(l).unwrap())
                    .collect::<Vec<_>>()
            };
            let head = &table("audit_head")[0];
            let log = table("audit_log");
            let last = log.last().unwrap();
            // seq and hash of the head are those of the last entry in the same dump.
            assert_eq!(head[1], last[0], "{b:?}");
            assert_eq!(head[2], last[11], "{b:?}");
            // Every setting written is in the dump with its audit entry, and no more.
            let settings = table("settings").len() as i64;
            let setting_entries = log.iter().filter(|r| r[4] == "setting.set").count() as i64;
            assert_eq!(settings, setting_entries, "{b:?}");
        }
        writer.await.unwrap();
        assert!(sums.iter().all(|s| s.audit_head_seq > 0));
    }
}

#[tokio::test]
async fn migrate_store_copies_into_an_empty_postgresql_database_and_verifies() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("PostgreSQL not configured: migrate-store not checked in this run");
        return;
    }
    let s = store(Backend::Sqlite).await;
    let uid = populate(&s).await;
    dignity_store::refdata::load_shipped(&s).await.unwrap();
    let url = fresh_postgres_database().await;
    let report = dignity_store::copy::migrate_store(&s, &url).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.source_writes_after_copy, 0);
    let vt = report
        .tables
        .iter()
        .find(|t| t.name == "vocab_terms")
        .unwrap();
    assert_eq!(vt.target_rows, 4509);
    assert_eq!(report.target, dignity_store::mask_url(&url));

    let mut o = s.opts.clone();
    o.database_url = Some(url.clone());
    let pg = Store::open(&o).await.unwrap();
    assert_eq!(data_digests(&s).await, data_digests(&pg).await);
    let v = audit::verify_log(&pg).await.unwrap();
    assert!(v.ok() && v.anchored, "{:?}", v.problems);
    // The source, still in use until the operator switches, verifies too.
    let v = audit::verify_log(&s).await.unwrap();
    assert!(v.ok() && v.anchored, "{:?}", v.problems);
    let u = accounts::by_id(&pg, uid).await.unwrap().unwrap();
    assert_eq!(
        accounts::totp_secret(&pg, &u).unwrap().as_deref(),
        Some(NAME)
    );
    // Identity sequences were moved past the copied ids.
    let mut tx = pg.begin(&admin()).await.unwrap();
    let n = accounts::create(&mut tx, "lena", "", Role::Documenter, PASS)
        .await
        .unwrap();
    let (tid, _) = accounts::create_token(&mut tx, n.id, "x").await.unwrap();
    tx.commit().await.unwrap();
    assert!(n.id > uid && tid > 1);
    pg.close().await;

    // A target that holds data is refused.
    let e = dignity_store::copy::migrate_store(&s, &url)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(m) if m.contains("not empty")),
        "{e}"
    );
    let e = dignity_store::copy::migrate_store(&s, "sqlite:///tmp/x.db")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("PostgreSQL"));
}

/// Backups encrypted to an age recipient: the machine that makes them holds only the public
/// key; the identity kept elsewhere opens them, in Dignity or with any age implementation.
#[tokio::test]
async fn backup_to_an_age_recipient_opens_only_with_its_identity() {
    use age::secrecy::ExposeSecret;
    let s = store(Backend::Sqlite).await;
    let uid = populate(&s).await;
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    let identity = format!(
        "# created for the test\n{}\n",
        id.to_string().expose_secret()
    );
    let (out, _d) = out_path("dignity-bk-age");

    // Bad input first: a malformed recipient, and a passphrase together with recipients.
    for opts in [
        BackupOptions {
            recipients: vec!["age1notakey".into()],
            ..Default::default()
        },
        BackupOptions {
            recipients: vec![recipient.clone()],
            passphrase: Some(PASS.into()),
            ..Default::default()
        },
    ] {
        let e = backup::backup(&s, &out, &opts).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Rejected(dignity_core::Invalid { field, .. }) if field == "recipients"),
            "{e}"
        );
        assert!(!out.exists(), "nothing written");
    }

    let sum = backup::backup(
        &s,
        &out,
        &BackupOptions {
            include_keys: true,
            recipients: vec![recipient.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(sum.encrypted && sum.keys_included);
    let raw = std::fs::read(&out).unwrap();
    assert!(raw.starts_with(b"age-encryption.org/v1\n"), "an age file");
    assert!(!contains(&raw, b"amina"), "nothing in clear");

    // Any age implementation opens it: decrypt with the age library alone, then it is the
    // usual gzip'd tar with the manifest last.
    let dec = age::Decryptor::new(&raw[..]).unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut dec
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .unwrap(),
        &mut plain,
    )
    .unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&plain[..]));
    let names: Vec<String> = tar
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.last().map(String::as_str), Some("manifest.json"));
    assert!(names.iter().any(|n| n == "keys.json"));

    // Without the identity, or with another one, it does not open; nothing is restored.
    let (o, _dir) = target(Backend::Sqlite).await;
    let e = backup::restore(&out, &o, &RestoreOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("give the identity file"), "{e}");
    let other = age::x25519::Identity::generate();
    let e = backup::restore(
        &out,
        &o,
        &RestoreOptions {
            identities: Some(other.to_string().expose_secret().to_string()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("none of the given identities"),
        "{e}"
    );
    assert!(!o.sqlite_path().exists(), "nothing written");

    let with_id = RestoreOptions {
        identities: Some(identity),
        ..Default::default()
    };
    let m = backup::verify_archive_with(&out, &with_id).await.unwrap();
    assert!(m.keys_included);
    let r = backup::restore(&out, &o, &with_id).await.unwrap();
    assert!(r.audit.ok(), "{:?}", r.audit.problems);
    check_restored(&s, &o, uid).await;
}

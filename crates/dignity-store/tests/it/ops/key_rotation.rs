//! Key rotation and retirement, and encrypted values on disk: never in clear, bound to their row,
//! old clear values encrypted at start.

use super::*;

/// The administrator `amina` (no display name), written in `tx`.
async fn amina(tx: &mut dignity_store::WriteTx) -> accounts::User {
    accounts::create(tx, "amina", "", Role::Admin, PASS)
        .await
        .unwrap()
}

#[tokio::test]
async fn key_rotation_reencrypts_every_value_and_retires_old_keys_only_when_unused() {
    for b in backends() {
        let s = store(b).await;
        let uid = populate(&s).await;
        // A second encrypted column, found generically; its value in the older format
        // (bound to the column only), which rotation rewrites bound to its row (the
        // settings row's key).
        let other = s.keys().encrypt_v1("settings.value", "Kraljevo safe house");
        let mut tx = s.begin(&admin()).await.unwrap();
        accounts::set_setting(&mut tx, "secret_place", &other)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let old_keys = (*s.keys()).clone();
        let beside = Store::open(&s.opts).await.unwrap();

        let r = keys::rotate(&s, false).await.unwrap();
        assert_eq!(r.new_key_id, "k2", "{b:?}");
        // The 2FA secret, the setting and the two users' display names.
        assert_eq!(r.reencrypt.reencrypted_total(), 4, "{r:?}");
        assert_eq!(r.reencrypt.failed_total(), 0);
        assert!(r.retired.is_empty());
        // Readable, and the raw database holds only the new key id.
        let u = accounts::by_id(&s, uid).await.unwrap().unwrap();
        assert!(u.totp_secret.as_deref().unwrap().starts_with("enc:v2:k2:"));
        assert_eq!(
            accounts::totp_secret(&s, &u).unwrap().as_deref(),
            Some(NAME)
        );
        let v = s.setting("secret_place").await.unwrap().unwrap();
        assert!(v.starts_with("enc:v2:k2:"), "{b:?}: {v}");
        assert_eq!(
            s.decrypt("settings.value", "secret_place", &v).unwrap(),
            "Kraljevo safe house"
        );
        // Bound to its row now: under another setting's key it does not decrypt.
        assert!(s.decrypt("settings.value", "other_place", &v).is_err());
        let usage = keys::usage(&s).await.unwrap();
        assert!(usage.iter().all(|u| u.key_id == "k2"), "{usage:?}");
        assert_eq!(usage.iter().map(|u| u.values).sum::<u64>(), 4);
        // Another process that loaded the keys before the rotation (a running server)
        // reads the new values: it re-reads the key file on meeting the unknown key id.
        assert_eq!(beside.keys().current, "k1");
        assert_eq!(
            beside
                .decrypt("users.totp_secret", u.id, u.totp_secret.as_deref().unwrap())
                .unwrap(),
            NAME
        );
        assert_eq!(beside.keys().current, "k2");
        beside.close().await;

        // An old-key value appears (a server that had not re-read the key file): retiring
        // is refused and names the column; the keys stay.
        let omar: i64 = sqlx::query("SELECT id FROM users WHERE username = 'omar'")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        let stale = old_keys.encrypt("users.display_name", omar, "Omar");
        sqlx::query("UPDATE users SET display_name = $1 WHERE username = 'omar'")
            .bind(&stale)
            .execute(s.pool())
            .await
            .unwrap();
        let e = keys::retire_old_keys(&s).await.unwrap_err();
        assert!(e.to_string().contains("users.display_name"), "{b:?}: {e}");
        assert_eq!(s.keys().data_keys.len(), 2);
        let on_disk = std::fs::read_to_string(s.key_path()).unwrap();
        assert!(on_disk.contains("\"k1\""));

        // Re-encrypting finishes the job; then retiring works.
        let re = keys::reencrypt(&s).await.unwrap();
        assert_eq!(re.reencrypted_total(), 1);
        let retired = keys::retire_old_keys(&s).await.unwrap();
        assert_eq!(retired, ["k1"]);
        let on_disk = std::fs::read_to_string(s.key_path()).unwrap();
        assert!(!on_disk.contains("\"k1\""));
        assert_eq!(
            accounts::totp_secret(&s, &u).unwrap().as_deref(),
            Some(NAME)
        );

        // rotate with retire in one go.
        let r = keys::rotate(&s, true).await.unwrap();
        assert_eq!(
            (r.new_key_id.as_str(), r.retired.as_slice()),
            ("k3", &["k2".to_string()][..])
        );
        assert!(r.retire_refused.is_none());
        let entries = audit::list(&s, &Default::default(), 1000, 0).await.unwrap();
        assert!(entries.iter().any(|e| e.action == "keys.rotate"));
        assert!(entries.iter().any(|e| e.action == "keys.retire"));
        for e in &entries {
            assert!(!e.details.contains(&old_keys.data_keys[0].key));
        }
        assert!(audit::verify_log(&s).await.unwrap().ok());
    }
}

/// A rotation is recorded before its key is generated: interrupted (a kill -9) before or
/// after the key file was written, the next run resumes it with the same target key, so the
/// key file ends with exactly one key more than before; a second starter meanwhile gets
/// the same rotation; the next rotation after it finished is a new one.
#[tokio::test]
async fn an_interrupted_rotation_resumes_with_its_key_and_never_adds_a_second() {
    use dignity_store::keys::rotation as job;
    for b in backends() {
        let s = store(b).await;
        let uid = populate(&s).await;
        assert_eq!(job::latest(&s).await.unwrap(), None);
        let keys_on_disk = |s: &Store| {
            let k = dignity_core::crypto::Keyring::from_json(
                &std::fs::read_to_string(s.key_path()).unwrap(),
            )
            .unwrap();
            k.data_keys.iter().map(|d| d.id.clone()).collect::<Vec<_>>()
        };

        // Killed right after the rotation was recorded: no key generated yet.
        let (j, resumed) = job::begin(&s, &admin()).await.unwrap();
        assert!(!resumed);
        assert_eq!((j.target_key.as_str(), j.phase.as_str()), ("k2", "key"));
        assert_eq!(j.started_by, Some(1));
        assert_eq!(keys_on_disk(&s), ["k1"], "{b:?}");
        // Another starter (the server, a second `keys rotate`) gets the same rotation.
        let (again, resumed) = job::begin(&s, &Actor::system()).await.unwrap();
        assert!(resumed);
        assert_eq!(again.id, j.id);
        assert_eq!(again.target_key, "k2");

        // Killed after the key file was written (twice, even): the key is kept, not
        // generated again.
        job::ensure_key(&s, &j).unwrap();
        let written = std::fs::read_to_string(s.key_path()).unwrap();
        job::ensure_key(&s, &j).unwrap();
        assert_eq!(keys_on_disk(&s), ["k1", "k2"], "{b:?}");
        assert_eq!(
            std::fs::read_to_string(s.key_path()).unwrap(),
            written,
            "the same key material"
        );

        // The rerun resumes and finishes the job under k2.
        let started = std::sync::Mutex::new(None);
        let on_start = |j: &job::RotationJob, resumed: bool| {
            *started.lock().unwrap() = Some((j.target_key.clone(), resumed));
        };
        let steps = dignity_store::keys::files::RotateSteps {
            on_start: Some(&on_start),
            ..Default::default()
        };
        let r = keys::rotate_with(&s, false, &steps).await.unwrap();
        assert_eq!(
            started.lock().unwrap().clone(),
            Some(("k2".to_string(), true))
        );
        assert!(r.resumed);
        assert_eq!(r.new_key_id, "k2");
        assert_eq!(
            keys_on_disk(&s),
            ["k1", "k2"],
            "{b:?}: exactly one key more"
        );
        assert_eq!(r.reencrypt.failed_total(), 0);
        let usage = keys::usage(&s).await.unwrap();
        assert!(
            !usage.is_empty() && usage.iter().all(|u| u.key_id == "k2"),
            "{usage:?}"
        );
        let u = accounts::by_id(&s, uid).await.unwrap().unwrap();
        assert_eq!(
            accounts::totp_secret(&s, &u).unwrap().as_deref(),
            Some(NAME)
        );
        let done = job::latest(&s).await.unwrap().unwrap();
        assert_eq!(done.id, j.id);
        assert_eq!(done.phase, "done");
        assert!(done.finished_at.is_some());
        assert_eq!(done.fields_done, r.reencrypt.reencrypted_total());
        assert!(done.fields_done >= 1, "{done:?}");
        assert_eq!(done.fields_total, done.fields_done);
        assert_eq!(job::unfinished(&s).await.unwrap(), None);

        // Audited: one start, the phases, one finish; counts and key ids only.
        let entries = audit::list(&s, &Default::default(), 1000, 0).await.unwrap();
        let n = |a: &str| entries.iter().filter(|e| e.action == a).count();
        assert_eq!(n("keys.rotation.start"), 1);
        assert_eq!(n("keys.rotation.finish"), 1);
        assert!(n("keys.rotation.phase") >= 3);
        for e in &entries {
            assert!(!e.details.contains(NAME));
        }

        // The next rotation is a new one, with the next key.
        let r = keys::rotate(&s, false).await.unwrap();
        assert!(!r.resumed);
        assert_eq!(r.new_key_id, "k3");
        assert_eq!(keys_on_disk(&s), ["k1", "k2", "k3"]);
        assert!(audit::verify_log(&s).await.unwrap().ok());
    }
}

#[tokio::test]
async fn retiring_keys_is_refused_while_a_server_holds_the_data_directory() {
    let s = store(Backend::Sqlite).await;
    populate(&s).await;
    let _server = dignity_store::DataDirLock::acquire(s.data_dir()).unwrap();
    let e = keys::rotate(&s, true).await.unwrap_err();
    assert!(e.to_string().contains("dignity serve"), "{e}");
    // Nothing changed.
    assert_eq!(s.keys().data_keys.len(), 1);
    let r = keys::rotate(&s, false).await.unwrap();
    // The 2FA secret and the two users' display names.
    assert_eq!(r.reencrypt.reencrypted_total(), 3);
}

#[tokio::test]
async fn the_database_files_never_hold_an_encrypted_value_in_clear() {
    let s = store(Backend::Sqlite).await;
    let marker = "Plain-Setting-Marker-7781";
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let u = accounts::create(&mut tx, "amina", "Amina K.", Role::Admin, PASS)
        .await
        .unwrap();
    accounts::set_setting(&mut tx, "marker", marker)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let secret = "Ana Jovanović Zlatibor 43.7";
    let mut tx = s.begin(&admin()).await.unwrap();
    accounts::set_totp(&mut tx, u.id, Some(secret), true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let dir = s.data_dir();
    let mut all = Vec::new();
    for name in ["dignity.db", "dignity.db-wal", "dignity.db-shm"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            all.extend(b);
        }
    }
    // The read sees what was written (the control), and the name is not there in any form.
    assert!(contains(&all, marker.as_bytes()), "control value not found");
    assert!(contains(&all, b"enc:v2:k1:"));
    assert!(!contains(&all, secret.as_bytes()));
    assert!(!contains(&all, "Jovanović".as_bytes()));
    let utf16: Vec<u8> = "Jovanović"
        .encode_utf16()
        .flat_map(|c| c.to_le_bytes())
        .collect();
    assert!(!contains(&all, &utf16));
}

/// A ciphertext copied into another row of the same column (the associated data holds
/// the row id) is refused as damaged, not shown as the other row's value.
#[tokio::test]
async fn a_ciphertext_moved_to_another_row_does_not_decrypt() {
    for b in backends() {
        let s = store(b).await;
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let a = amina(&mut tx).await;
        let o = accounts::create(&mut tx, "omar", "", Role::Documenter, PASS)
            .await
            .unwrap();
        accounts::set_totp(&mut tx, a.id, Some("AMINA-SECRET"), true)
            .await
            .unwrap();
        accounts::set_totp(&mut tx, o.id, Some("OMAR-SECRET"), true)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let amina = accounts::by_id(&s, a.id).await.unwrap().unwrap();
        assert!(amina.totp_secret.as_deref().unwrap().starts_with("enc:v2:"));
        assert_eq!(
            accounts::totp_secret(&s, &amina).unwrap().as_deref(),
            Some("AMINA-SECRET")
        );
        // Someone with write access to the database file copies Amina's secret to Omar.
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind(amina.totp_secret.as_deref().unwrap())
            .bind(o.id)
            .execute(s.pool())
            .await
            .unwrap();
        let omar = accounts::by_id(&s, o.id).await.unwrap().unwrap();
        let e = accounts::totp_secret(&s, &omar).unwrap_err();
        assert!(e.to_string().contains("tampered"), "{b:?}: {e}");
        // Amina's own row still reads.
        assert_eq!(
            accounts::totp_secret(&s, &amina).unwrap().as_deref(),
            Some("AMINA-SECRET")
        );
        // Key rotation does not launder the moved value: it stays refused.
        let r = keys::rotate(&s, false).await.unwrap();
        assert_eq!(r.reencrypt.failed_total(), 1, "{b:?}: {r:?}");
        let omar = accounts::by_id(&s, o.id).await.unwrap().unwrap();
        assert!(accounts::totp_secret(&s, &omar).is_err());
    }
}

/// Values that an older version left in clear in a column now registered encrypted are
/// encrypted (bound to their row) by `at_rest::encrypt_clear_fields`, which `dignity serve`
/// runs at start: they read back unchanged, the audit entry holds the column and a count,
/// never the value, and a second run has nothing left to do.
#[tokio::test]
async fn values_left_in_clear_by_an_older_version_are_encrypted_at_start() {
    for b in backends() {
        let s = store(b).await;
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let a = amina(&mut tx).await;
        tx.commit().await.unwrap();
        // As an older version stored it: in clear.
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind("OLDCLEARSECRET")
            .bind(a.id)
            .execute(s.pool())
            .await
            .unwrap();

        let r = dignity_store::at_rest::encrypt_clear_fields(&s)
            .await
            .unwrap();
        assert_eq!(r.total(), 1, "{b:?}: {:?}", r.encrypted);
        assert_eq!(r.encrypted, vec![("users.totp_secret".to_string(), 1)]);
        let amina = accounts::by_id(&s, a.id).await.unwrap().unwrap();
        let stored = amina.totp_secret.clone().unwrap();
        assert!(stored.starts_with("enc:v2:"), "{b:?}: {stored}");
        assert_eq!(
            accounts::totp_secret(&s, &amina).unwrap().as_deref(),
            Some("OLDCLEARSECRET")
        );
        // The audit entry names the column and the count, not the value.
        let details = common::texts(
            &s,
            "SELECT CAST(details AS TEXT) FROM audit_log WHERE action = 'fields.encrypt_clear'",
        )
        .await;
        assert_eq!(details.len(), 1, "{b:?}");
        assert!(details[0].contains("\"values\":1"), "{}", details[0]);
        let all = common::texts(&s, "SELECT CAST(details AS TEXT) FROM audit_log").await;
        assert!(all.iter().all(|d| !d.contains("OLDCLEARSECRET")));
        let v = audit::verify_log(&s).await.unwrap();
        assert!(v.ok(), "{b:?}: {:?}", v.problems);
        // Nothing left in clear: the next start does nothing.
        let again = dignity_store::at_rest::encrypt_clear_fields(&s)
            .await
            .unwrap();
        assert_eq!(again.total(), 0, "{b:?}");
    }
}

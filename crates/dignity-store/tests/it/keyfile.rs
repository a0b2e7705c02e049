//! The key file sealed with a passphrase, on every backend: a wrong or missing passphrase
//! refuses to open the store and never creates new keys; rotation keeps the file sealed;
//! a missing key file is never replaced by new keys over existing data.

use dignity_core::{Actor, Role};
use dignity_store::keyfile::{self, Passphrase};
use dignity_store::testing::{backends, store};
use dignity_store::{accounts, keys, Store, StoreError};
use sqlx::Row;

const PW: &str = "correct horse battery staple";
const MARKER: &str = "Marker-Zq7 Witness Name";

async fn add_user(s: &Store) {
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let u = accounts::create(&mut tx, "amina", "Amina", Role::Admin, PW)
        .await
        .unwrap();
    // An encrypted field: readable only with the keys.
    accounts::set_totp(&mut tx, u.id, Some(MARKER), true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_sealed_key_file_opens_only_with_its_passphrase_and_stays_sealed() {
    for b in backends() {
        let t = store(b).await;
        add_user(&t.store).await;
        t.store.close().await;
        let path = t.opts.key_path();
        let clear = std::fs::read_to_string(&path).unwrap();
        keyfile::seal_file(&path, PW).unwrap();
        let sealed = std::fs::read(&path).unwrap();
        assert!(keyfile::is_sealed(&path));
        // No secret of the clear file is left in the sealed one.
        let ring: serde_json::Value = serde_json::from_str(&clear).unwrap();
        let text = String::from_utf8(sealed.clone()).unwrap();
        for k in ring["data_keys"].as_array().unwrap() {
            let secret = k["key"].as_str().unwrap();
            assert!(
                !text.contains(secret),
                "{b:?}: a data key is in the sealed file"
            );
        }
        let files_before = listing(&t.opts.data_dir);

        // Missing, then wrong passphrase: refused with a clear message, nothing changes.
        let e = Store::open(&t.opts).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Keys(m) if m.contains(keyfile::PASSPHRASE_ENV)
            && m.contains("sealed")),
            "{b:?}: {e}"
        );
        let mut wrong = t.opts.clone();
        wrong.key_passphrase = Some(Passphrase::new("not the right passphrase"));
        let e = Store::open(&wrong).await.unwrap_err();
        assert!(
            e.to_string().contains("does not open") && e.to_string().contains("no key was created"),
            "{b:?}: {e}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            sealed,
            "{b:?}: key file untouched"
        );
        assert_eq!(
            listing(&t.opts.data_dir),
            files_before,
            "{b:?}: nothing created"
        );

        // The right passphrase opens it; the data reads as before.
        let mut right = t.opts.clone();
        right.key_passphrase = Some(Passphrase::new(PW));
        let s = Store::open(&right).await.unwrap();
        assert!(s.keys_sealed());
        let u = accounts::by_username(&s, "amina").await.unwrap().unwrap();
        let totp: String = sqlx::query("SELECT totp_secret FROM users WHERE id = $1")
            .bind(u.id)
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(s.decrypt("users.totp_secret", u.id, &totp).unwrap(), MARKER);

        // A rotation writes the key file sealed again, under the same passphrase.
        let r = keys::rotate(&s, false).await.unwrap();
        assert!(r.reencrypt.reencrypted_total() > 0);
        assert!(keyfile::is_sealed(&path), "{b:?}: rotation kept the seal");
        s.reload_keys().unwrap();
        s.close().await;
        let (ring, _) = keyfile::read(&path, Some(PW), None).unwrap();
        assert_eq!(ring.current, r.new_key_id);

        // Change the passphrase: the old one stops working.
        keyfile::change_passphrase(&path, PW, "another long passphrase").unwrap();
        assert!(Store::open(&right).await.is_err());
        right.key_passphrase = Some(Passphrase::new("another long passphrase"));
        Store::open(&right).await.unwrap().close().await;
        // Unseal: the store opens without a passphrase again.
        keyfile::unseal_file(&path, "another long passphrase").unwrap();
        assert!(!keyfile::is_sealed(&path));
        Store::open(&t.opts).await.unwrap().close().await;
    }
}

#[tokio::test]
async fn a_missing_key_file_is_never_replaced_by_new_keys_over_existing_data() {
    for b in backends() {
        let t = store(b).await;
        add_user(&t.store).await;
        t.store.close().await;
        let path = t.opts.key_path();
        std::fs::remove_file(&path).unwrap();
        let e = Store::open(&t.opts).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Keys(m) if m.contains("missing") && m.contains("No new key")),
            "{b:?}: {e}"
        );
        assert!(!path.exists(), "{b:?}: no key file was created");
    }
}

#[tokio::test]
async fn a_new_installation_given_a_passphrase_starts_with_a_sealed_key_file() {
    let dir = dignity_store::testing::temp_dir("dignity-seal");
    let mut o = dignity_store::OpenOptions::new(dir.join("data"));
    o.key_passphrase = Some(Passphrase::new(PW));
    let s = Store::open(&o).await.unwrap();
    assert!(s.keys_sealed() && keyfile::is_sealed(&o.key_path()));
    s.close().await;
    std::fs::remove_dir_all(dir).ok();
}

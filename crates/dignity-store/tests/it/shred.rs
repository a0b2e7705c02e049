//! Crypto-shredding (issue 16, item 7) on every backend: a person's personal fields are
//! under the person's own key, kept in the vault outside the database and its backups;
//! erasing the person destroys the key, so the person is unreadable in an older backup
//! too, while events, acts and every other person stay intact.

use crate::common;
use dignity_core::crypto::ERASED;
use dignity_core::{Actor, Role};
use dignity_store::backup::{self, BackupOptions, RestoreOptions};
use dignity_store::shred::{self, Erasure};
use dignity_store::testing::{backends, temp_dir, TestStore};
use dignity_store::vault::{Entry, Vault};
use dignity_store::violations::*;
use dignity_store::{audit, keys, Backend, Store, StoreError};
use sqlx::Row;

const VICTIM: &str = "Amaru Quispe Mamani";
const OTHER: &str = "Амару Киспе";
const CONTACT: &str = "+51 999 123 456";
const WITNESS: &str = "Killa Huaman";
const TITLE: &str = "Raid on the Hope Clinic";

struct Case {
    admin: Actor,
    event: i64,
    victim: i64,
    witness: i64,
    act: i64,
}

async fn setup(b: Backend) -> (TestStore, Case) {
    let s = common::fresh_store(b).await;
    let admin = common::actor(&s, "adam", Role::Admin).await;
    let vocab = Vocab::load(&s).await.unwrap();
    let mut tx = s.begin(&admin).await.unwrap();
    let (event, victim) = common::event_and_victim(
        &mut tx,
        &vocab,
        &EventInput {
            title: TITLE.into(),
            description: "Security forces raided the clinic.".into(),
            start_date: "2024-03-05".into(),
            country: Some("PER".into()),
            confidentiality: "internal".into(),
            ..Default::default()
        },
        &PersonInput {
            name: VICTIM.into(),
            other_names: vec![OTHER.into()],
            birth_date: "1990".into(),
            contact: CONTACT.into(),
            notes: "Lives near the clinic".into(),
            ..Default::default()
        },
    )
    .await;
    let witness = create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            name: WITNESS.into(),
            contact: "+51 988 000 111".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let act = create_act(
        &mut tx,
        &vocab,
        &ActInput {
            event_id: event,
            victim_id: Some(victim),
            act_type: "03010100000004".into(),
            start_date: "2024-03-05".into(),
            consequences: "Broken ribs".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (
        s,
        Case {
            admin,
            event,
            victim,
            witness,
            act,
        },
    )
}

/// The batch files of a vault.
fn batch_files(vault: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(vault)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".keys"))
        .collect();
    v.sort();
    v
}

/// Turn the vault into the layout of older versions: one `<id>.key` file per person
/// (the `keep` ones), no batch file.
fn to_one_file_per_person(s: &Store, keep: &[i64]) {
    let dir = s.vault().dir().to_path_buf();
    for id in keep {
        let Entry::Key(k) = s.vault().get(*id, &s.keys()).unwrap() else {
            panic!("person {id} has a key");
        };
        let w = s.keys().wrap_person_key(*id, &k);
        std::fs::write(dir.join(format!("{id}.key")), format!("{w}\n")).unwrap();
    }
    for f in batch_files(&dir) {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    std::fs::write(dir.join("VAULT"), "dignity person key vault v1\n").unwrap();
}

/// The raw personal values of a person, as stored.
async fn raw(s: &Store, id: i64) -> Vec<Option<String>> {
    let cols = shred::personal_columns().join(", ");
    let r = sqlx::query(&format!("SELECT {cols} FROM vio_persons WHERE id = $1"))
        .bind(id)
        .fetch_one(s.pool())
        .await
        .unwrap();
    (0..shred::personal_columns().len())
        .map(|i| r.get::<Option<String>, _>(i))
        .collect()
}

async fn name_tokens(s: &Store, id: i64) -> (i64, String) {
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM vio_person_names WHERE person_id = $1")
        .bind(id)
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
    let bidx: String = sqlx::query("SELECT name_bidx FROM vio_persons WHERE id = $1")
        .bind(id)
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
    (n, bidx)
}

/// Everything but the erased person reads as before.
async fn rest_is_intact(s: &Store, c: &Case) {
    let w = get_person(s, c.witness).await.unwrap().unwrap();
    assert!(!w.erased);
    assert_eq!(w.name, WITNESS);
    assert_eq!(w.contact, "+51 988 000 111");
    let e = get_event(s, c.event).await.unwrap().unwrap();
    assert_eq!(e.title, TITLE);
    let a = get_act(s, c.act).await.unwrap().unwrap();
    assert_eq!(a.victim_id, c.victim);
    assert_eq!(a.consequences, "Broken ribs");
}

async fn assert_erased(s: &Store, id: i64) {
    let p = get_person(s, id).await.unwrap().unwrap();
    assert!(p.erased, "the person reads as erased");
    assert_eq!(p.name, "");
    assert!(p.other_names.is_empty());
    assert_eq!(p.contact, "");
    assert_eq!(p.notes, "");
    assert_eq!(p.birth_date, "");
}

#[tokio::test]
async fn erasing_a_person_makes_them_unreadable_and_leaves_everything_else() {
    for b in backends() {
        let (s, c) = setup(b).await;
        // The personal fields are under the person's own key, kept in the vault.
        let before = raw(&s, c.victim).await;
        let prefix = format!("enc:p1:{}:", c.victim);
        assert!(before[0].as_deref().unwrap().starts_with(&prefix), "{b:?}");
        assert!(before
            .iter()
            .flatten()
            .all(|v| v.is_empty() || v.starts_with(&prefix)));
        let vault = s.vault().dir().to_path_buf();
        assert!(s.vault().has_key_on_disk(c.victim).unwrap());
        assert!(!vault.starts_with(s.data_dir().join("files")));
        // One durable write for the transaction: both persons' keys in one batch file.
        let batches = batch_files(&vault);
        assert_eq!(batches.len(), 1, "{b:?}: {batches:?}");
        let text = std::fs::read_to_string(vault.join(&batches[0])).unwrap();
        let victim_line = |t: &str| {
            t.lines()
                .find(|l| l.starts_with(&format!("{} ", c.victim)))
                .map(|l| l.rsplit(' ').next().unwrap().to_string())
        };
        let wrapped = victim_line(&text).expect("the victim's key is in the batch");
        assert!(text.contains(&format!("\n{} ", c.witness)), "{text}");
        let p = get_person(&s, c.victim).await.unwrap().unwrap();
        assert_eq!((p.name.as_str(), p.contact.as_str()), (VICTIM, CONTACT));
        assert!(name_tokens(&s, c.victim).await.0 > 0);

        assert_eq!(
            shred::erase(&s, &c.admin, c.victim).await.unwrap(),
            Erasure::Erased
        );
        assert_erased(&s, c.victim).await;
        rest_is_intact(&s, &c).await;
        // The key is gone from the vault, a tombstone remains; the database holds the
        // erased marker and no blind-index token of the person.
        assert!(!s.vault().has_key_on_disk(c.victim).unwrap());
        assert!(s.vault().has_key_on_disk(c.witness).unwrap());
        assert!(vault.join(format!("{}.erased", c.victim)).exists());
        // No file of the vault holds the erased person's wrapped key any more.
        for f in std::fs::read_dir(&vault).unwrap().flatten() {
            let bytes = std::fs::read(f.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(&wrapped),
                "{:?}",
                f.path()
            );
        }
        let after = raw(&s, c.victim).await;
        assert!(
            after.iter().flatten().all(|v| v.is_empty() || v == ERASED),
            "{b:?}: {after:?}"
        );
        assert_eq!(name_tokens(&s, c.victim).await, (0, String::new()));
        // Audited, naming no one.
        let entries = audit::list(
            &s,
            &audit::AuditFilter {
                action: Some("person.erase".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(entries.len(), 1, "{b:?}");
        assert_eq!(entries[0].record_id, c.victim.to_string());
        assert_eq!(entries[0].actor_name, "adam");
        let details = entries[0].details.to_string();
        assert!(
            !details.contains("Amaru") && !details.contains("Quispe"),
            "{details}"
        );
        assert!(audit::verify_log(&s).await.unwrap().ok());
        // Again: nothing left to do. Editing the erased person is refused.
        assert_eq!(
            shred::erase(&s, &c.admin, c.victim).await.unwrap(),
            Erasure::AlreadyErased
        );
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&c.admin).await.unwrap();
        let e = update_person(
            &mut tx,
            &vocab,
            c.victim,
            &PersonInput {
                name: VICTIM.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        tx.rollback().await.unwrap();
        assert!(matches!(e, StoreError::Conflict(_)), "{e}");
        // An unknown person: not found.
        assert!(matches!(
            shred::erase(&s, &c.admin, 999_999).await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn an_older_backup_restored_after_the_erasure_shows_the_person_erased() {
    for b in backends() {
        let (s, c) = setup(b).await;
        let dir = temp_dir("dignity-shred");
        let old = dir.join("before-erasure.dgn");
        backup::backup(&s, &old, &BackupOptions::unencrypted())
            .await
            .unwrap();
        // The backup holds the person's ciphertexts, and no person key.
        let m = backup::verify_archive(&old, None).await.unwrap();
        assert!(
            m.files
                .iter()
                .all(|f| !f.path.contains("person-keys") && !f.path.ends_with(".key")),
            "{:?}",
            m.files
        );

        shred::erase(&s, &c.admin, c.victim).await.unwrap();
        let opts = s.opts.clone();
        s.close().await;
        // The older backup comes back over the installation.
        backup::restore(
            &old,
            &opts,
            &RestoreOptions {
                force: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let r = Store::open(&opts).await.unwrap();
        // The person's ciphertexts are back, their key is not: erased, never damaged.
        assert!(raw(&r, c.victim).await[0]
            .as_deref()
            .unwrap()
            .starts_with(&format!("enc:p1:{}:", c.victim)));
        assert_erased(&r, c.victim).await;
        rest_is_intact(&r, &c).await;
        // The next start applies the erasure to the restored rows again (tokens too).
        let f = shred::finish_erasures(&r).await.unwrap();
        assert_eq!((f.reapplied, f.keys_destroyed), (1, 0), "{b:?}");
        assert_eq!(name_tokens(&r, c.victim).await, (0, String::new()));
        assert!(raw(&r, c.victim)
            .await
            .iter()
            .flatten()
            .all(|v| v.is_empty() || v == ERASED));
        assert_erased(&r, c.victim).await;
        rest_is_intact(&r, &c).await;
        assert_eq!(
            shred::finish_erasures(&r).await.unwrap(),
            Default::default()
        );
        assert!(audit::verify_log(&r).await.unwrap().ok());
        r.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Persons written by an older version (under the data key) get keys of their own at
/// start; an erasure cut off before the key was destroyed is completed; rotation re-wraps
/// the vault; a missing vault stops the start.
#[tokio::test]
async fn existing_persons_are_keyed_rotation_rewraps_and_a_missing_vault_is_refused() {
    for b in backends() {
        let (s, c) = setup(b).await;
        // As an older version stored the witness: under the data key, no vault entry.
        let k = s.keys();
        sqlx::query("UPDATE vio_persons SET name = $1, contact = $2 WHERE id = $3")
            .bind(k.encrypt("vio_persons.name", c.witness, WITNESS))
            .bind(k.encrypt("vio_persons.contact", c.witness, "+51 988 000 111"))
            .bind(c.witness)
            .execute(s.pool())
            .await
            .unwrap();
        // And an older vault without the witness's key: one file per person.
        to_one_file_per_person(&s, &[c.victim]);
        let r = shred::key_persons(&s).await.unwrap();
        assert_eq!((r.persons, r.failed), (1, 0), "{b:?}");
        assert!(raw(&s, c.witness)
            .await
            .iter()
            .flatten()
            .all(|v| v.is_empty() || v.starts_with(&format!("enc:p1:{}:", c.witness))));
        rest_is_intact(&s, &c).await;
        assert_eq!(shred::key_persons(&s).await.unwrap().persons, 0);

        // An erasure cut off after the database step: the key is still there.
        sqlx::query("UPDATE vio_persons SET name = $1 WHERE id = $2")
            .bind(ERASED)
            .bind(c.victim)
            .execute(s.pool())
            .await
            .unwrap();
        let f = shred::finish_erasures(&s).await.unwrap();
        assert_eq!(f.keys_destroyed, 1, "{b:?}");
        assert!(s.vault().is_erased(c.victim));

        // Rotation re-wraps the remaining keys; the old data key can then be retired.
        let rot = keys::rotate(&s, true).await.unwrap();
        assert!(rot.retired.contains(&"k1".to_string()), "{b:?}: {rot:?}");
        let dir = s.vault().dir().to_path_buf();
        let w: String = batch_files(&dir)
            .iter()
            .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
            .collect();
        let line = w
            .lines()
            .find(|l| l.starts_with(&format!("{} ", c.witness)))
            .expect("the witness's key");
        assert!(
            line.rsplit(' ')
                .next()
                .unwrap()
                .starts_with(&format!("{}:", rot.new_key_id)),
            "{line}"
        );
        let fresh = Store::open(&s.opts).await.unwrap();
        assert_eq!(
            get_person(&fresh, c.witness).await.unwrap().unwrap().name,
            WITNESS
        );
        fresh.close().await;

        // Without the vault: refused, and no empty vault is created over the data.
        let opts = s.opts.clone();
        s.close().await;
        let vault = opts.person_keys_path();
        let aside = vault.with_file_name("person-keys.aside");
        std::fs::rename(&vault, &aside).unwrap();
        let e = Store::open(&opts).await.unwrap_err().to_string();
        assert!(
            e.contains("person key vault") && e.contains("missing"),
            "{e}"
        );
        assert!(!vault.exists());
        // Its latest copy put back: the start goes on.
        std::fs::rename(&aside, &vault).unwrap();
        let back = Store::open(&opts).await.unwrap();
        assert_eq!(
            get_person(&back, c.witness).await.unwrap().unwrap().name,
            WITNESS
        );
        back.close().await;
    }
}

/// A vault of an older version (one file per person) is read and moved into a batch file;
/// many transactions' batch files are merged; a person created in one transaction and
/// written again in the next keeps their key.
#[tokio::test]
async fn an_older_vault_is_moved_into_batches_and_batches_are_merged() {
    for b in backends() {
        let (s, c) = setup(b).await;
        to_one_file_per_person(&s, &[c.victim, c.witness]);
        let dir = s.vault().dir().to_path_buf();
        assert!(batch_files(&dir).is_empty());
        let opts = s.opts.clone();
        s.close().await;
        let r = Store::open(&opts).await.unwrap();
        let v = get_person(&r, c.victim).await.unwrap().unwrap();
        assert_eq!((v.name.as_str(), v.contact.as_str()), (VICTIM, CONTACT));
        assert_eq!(
            get_person(&r, c.witness).await.unwrap().unwrap().name,
            WITNESS
        );
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        assert!(!names.iter().any(|n| n.ends_with(".key")), "{names:?}");
        assert_eq!(batch_files(&dir).len(), 1, "{b:?}: {names:?}");
        assert_eq!(
            std::fs::read_to_string(dir.join("VAULT")).unwrap(),
            "dignity person key vault v2\n"
        );

        // Twenty transactions of one person each: their batch files are merged.
        let vocab = Vocab::load(&r).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..20 {
            let mut tx = r.begin(&c.admin).await.unwrap();
            let input = PersonInput {
                name: format!("Person number {i}"),
                ..Default::default()
            };
            let id = create_person(&mut tx, &vocab, &input).await.unwrap();
            tx.commit().await.unwrap();
            ids.push(id);
        }
        let files = batch_files(&dir);
        assert!(files.len() < 16, "{b:?}: {files:?}");
        // Written again: the key on disk is kept, no batch file is written.
        let mut tx = r.begin(&c.admin).await.unwrap();
        let input = PersonInput {
            name: "Person number 0".into(),
            contact: "+51 900 000 000".into(),
            ..Default::default()
        };
        update_person(&mut tx, &vocab, ids[0], &input)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(batch_files(&dir), files);
        r.close().await;
        // Read by a fresh process: every key found.
        let again = Store::open(&opts).await.unwrap();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                get_person(&again, *id).await.unwrap().unwrap().name,
                format!("Person number {i}")
            );
        }
        let vault = Vault::open(&dir, false).unwrap();
        assert_eq!(vault.keyed().unwrap().len(), ids.len() + 2);
        again.close().await;
    }
}

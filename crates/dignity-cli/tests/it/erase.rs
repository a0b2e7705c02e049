//! `dignity person erase` (crypto-shredding, issue 16 item 7): an erasure killed before its
//! key was destroyed loses nothing and a rerun completes it; the person key vault is
//! copied with `dignity keys vault-copy` (an erased person's key never in the copy); a
//! start without the vault is refused, and no empty vault is created over the data.

use crate::common::{add_admin, cmd, column, open, out as text, run_ok as run};
use dignity_store::vault::Vault;
use dignity_store::violations::get_person;
use sqlx::Row;
use std::path::Path;

/// Whether the vault in `dir` holds a key of `person` (read from disk).
fn has_key(dir: &Path, person: i64) -> bool {
    Vault::open(dir, false)
        .unwrap()
        .has_key_on_disk(person)
        .unwrap()
}

/// Every person's id and name, and the number of events and acts.
async fn snapshot(data: &Path) -> (Vec<(i64, String)>, i64, i64) {
    let s = open(data).await;
    let ids: Vec<i64> = column(&s, "SELECT id FROM vio_persons ORDER BY id").await;
    let mut persons = Vec::new();
    for id in ids {
        persons.push((id, get_person(&s, id).await.unwrap().unwrap().name));
    }
    let count = async |t: &str| -> i64 {
        sqlx::query(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0)
    };
    let (events, acts) = (count("vio_events").await, count("vio_acts").await);
    s.close().await;
    (persons, events, acts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_killed_midway_is_completed_by_a_rerun_and_the_vault_is_needed_to_start() {
    let d = dignity_store::testing::temp_dir("dignity-erase");
    let data = d.join("data");
    add_admin(&data, "ana");
    run(&data, &["demo", "generate", "--events", "8", "--as", "ana"]);
    let (persons, events, acts) = snapshot(&data).await;
    let (victim, name) = persons
        .iter()
        .find(|(_, n)| n.chars().count() > 3)
        .cloned()
        .expect("the demo data has named persons");
    let vault = data.join("person-keys");
    assert!(has_key(&vault, victim));

    // Killed (abort, no clean-up) after the database step, before the key is destroyed.
    let o = cmd(&data, &["person", "erase", &victim.to_string()])
        .env("DIGNITY_TEST_CRASH_AT", "person-erase-before-key")
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        has_key(&vault, victim),
        "the crash came before the key was destroyed"
    );
    let (mid, e, a) = snapshot(&data).await;
    assert_eq!((e, a), (events, acts));
    for ((id, n), (id2, n2)) in persons.iter().zip(&mid) {
        assert_eq!(id, id2);
        if *id == victim {
            assert_eq!(n2, "", "the database step was committed");
        } else {
            assert_eq!(n, n2, "person {id} is untouched");
        }
    }

    // The rerun completes it.
    let o = run(&data, &["person", "erase", &victim.to_string()]);
    assert!(text(&o).contains("already erased"), "{}", text(&o));
    assert!(!has_key(&vault, victim));
    assert!(vault.join(format!("{victim}.erased")).exists());
    let (after, e, a) = snapshot(&data).await;
    assert_eq!((e, a), (events, acts));
    assert_eq!(after.len(), persons.len());
    for ((id, n), (_, n2)) in persons.iter().zip(&after) {
        if *id != victim {
            assert_eq!(n, n2, "person {id} is untouched");
        }
    }
    // One audit entry, naming the record id and no one.
    let o = run(&data, &["audit", "list", "--action", "person.erase"]);
    let listing = text(&o);
    assert_eq!(listing.lines().count(), 1, "{listing}");
    assert!(
        listing.contains(&format!("vio_persons:{victim}")),
        "{listing}"
    );
    for word in name.split_whitespace() {
        assert!(!listing.contains(word), "{listing}");
    }
    run(&data, &["audit", "verify"]);

    // A copy of the vault holds every key but the erased person's.
    let copy = d.join("vault-copy");
    run(&data, &["keys", "vault-copy", copy.to_str().unwrap()]);
    let other = persons.iter().find(|(id, _)| *id != victim).unwrap().0;
    assert!(has_key(&copy, other));
    assert!(!has_key(&copy, victim));
    // Copying again replaces the copy whole.
    run(&data, &["keys", "vault-copy", copy.to_str().unwrap()]);
    assert!(has_key(&copy, other));

    // Without the vault the server does not start, and creates no empty vault.
    let aside = d.join("person-keys.moved");
    std::fs::rename(&vault, &aside).unwrap();
    let o = cmd(&data, &["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("person key vault") && t.contains("missing"),
        "{t}"
    );
    assert!(!vault.exists());
    // The copy put in its place: everything reads again.
    std::fs::rename(&copy, &vault).unwrap();
    let (back, _, _) = snapshot(&data).await;
    assert_eq!(back, after);
    let _ = std::fs::remove_dir_all(d);
}

/// A kill -9 inside the vault's own steps: after a transaction's batch of keys is written
/// but before the database commit (the persons are not there, nothing else changed, the
/// next import works), and during an erasure after the tombstone, before the batch file
/// is rewritten (the rerun destroys the key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_inside_the_vault_loses_no_key_of_a_committed_person() {
    let d = dignity_store::testing::temp_dir("dignity-erase-kill");
    let data = d.join("data");
    add_admin(&data, "ana");
    run(&data, &["demo", "generate", "--events", "4", "--as", "ana"]);
    let (persons, events, acts) = snapshot(&data).await;
    let o = cmd(&data, &["demo", "generate", "--events", "4", "--as", "ana"])
        .env("DIGNITY_TEST_CRASH_AT", "vault-batch-written")
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", text(&o));
    assert_eq!(snapshot(&data).await, (persons.clone(), events, acts));
    run(&data, &["demo", "generate", "--events", "4", "--as", "ana"]);
    let (more, _, _) = snapshot(&data).await;
    assert!(more.len() > persons.len());

    let vault = data.join("person-keys");
    let (victim, _) = more
        .iter()
        .find(|(_, n)| n.chars().count() > 3)
        .cloned()
        .unwrap();
    let o = cmd(&data, &["person", "erase", &victim.to_string()])
        .env("DIGNITY_TEST_CRASH_AT", "vault-erase-after-tombstone")
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", text(&o));
    assert!(vault.join(format!("{victim}.erased")).exists());
    assert!(has_key(&vault, victim));
    run(&data, &["person", "erase", &victim.to_string()]);
    assert!(!has_key(&vault, victim));
    let (after, _, _) = snapshot(&data).await;
    for ((id, n), (_, n2)) in more.iter().zip(&after) {
        if *id != victim {
            assert_eq!(n, n2, "person {id} is untouched");
        } else {
            assert_eq!(n2, "");
        }
    }
    let _ = std::fs::remove_dir_all(d);
}

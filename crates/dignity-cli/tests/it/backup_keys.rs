//! Backups are encrypted by default, restores check the whole archive before they write,
//! and the key file can be sealed with a passphrase — as an operator drives the binary.

use crate::common::{add_admin_shown_as, cmd, contains, feed, out, PW};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const KEY_PW: &str = "key file passphrase, long";
const MARKER: &str = "MarkerQx81 Witness";

fn dir() -> PathBuf {
    crate::common::dir("dignity-cli-bk")
}

fn run_env(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = cmd(data, args);
    c.envs(env.iter().copied());
    feed(c, &format!("{PW}\n"))
}

fn run(data: &Path, args: &[&str]) -> Output {
    run_env(data, args, &[])
}

/// Unpack the archive with `tar -xzf` as someone who found it would, and return every
/// byte of what came out (nothing when it does not unpack).
fn unpacked(archive: &Path, into: &Path) -> Vec<u8> {
    std::fs::create_dir_all(into).unwrap();
    let _ = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(into)
        .stderr(Stdio::null())
        .status();
    let mut all = Vec::new();
    fn walk(p: &Path, all: &mut Vec<u8>) {
        for e in std::fs::read_dir(p).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), all);
            } else {
                all.extend(std::fs::read(e.path()).unwrap());
            }
        }
    }
    walk(into, &mut all);
    all
}

/// An installation with the marker in a user's display name and a team's name.
fn installation(d: &Path) -> PathBuf {
    let data = d.join("data");
    let o = add_admin_shown_as(&data, "amina", MARKER);
    assert!(o.status.success(), "{}", out(&o));
    let o = run(&data, &["team", "add", &format!("{MARKER} team")]);
    assert!(o.status.success(), "{}", out(&o));
    data
}

#[test]
fn a_default_backup_is_encrypted_and_names_no_one() {
    let d = dir();
    let data = installation(&d);

    // Nothing to encrypt to and no terminal: refused, nothing written.
    let refused = d.join("refused.dgn");
    let o = run(&data, &["backup", refused.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(out(&o).contains("backups are encrypted"), "{}", out(&o));
    assert!(!refused.exists());

    // With a passphrase from the environment, and no other option: encrypted.
    let archive = d.join("backup.dgn");
    let o = run_env(
        &data,
        &["backup", archive.to_str().unwrap()],
        &[("DIGNITY_BACKUP_PASSPHRASE", "correct horse battery staple")],
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(!out(&o).contains("NOT encrypted"), "{}", out(&o));
    let raw = std::fs::read(&archive).unwrap();
    assert!(!contains(&raw, MARKER), "the marker is in the archive file");
    assert!(raw[..2] != [0x1f, 0x8b], "the archive is not a bare gzip");
    let u = unpacked(&archive, &d.join("unpacked"));
    assert!(
        !contains(&u, MARKER),
        "the marker is in the unpacked archive"
    );

    // The same check finds the marker in an --unencrypted archive, which warns.
    let plain = d.join("plain.dgn");
    let o = run(&data, &["backup", plain.to_str().unwrap(), "--unencrypted"]);
    assert!(o.status.success(), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning") && err.contains("NOT encrypted"),
        "{}",
        out(&o)
    );
    // (the manifest's format name is in clear there: the same unpacking sees text)
    let u = unpacked(&plain, &d.join("unpacked-plain"));
    assert!(
        contains(&u, "dignity-backup"),
        "the check reads a clear archive"
    );

    // The encrypted archive holds the key file: the passphrase alone restores it on a new
    // machine.
    let target = d.join("new-machine");
    let o = run_env(
        &target,
        &["restore", archive.to_str().unwrap()],
        &[("DIGNITY_BACKUP_PASSPHRASE", "correct horse battery staple")],
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = run(&target, &["user", "list"]);
    assert!(out(&o).contains(MARKER), "{}", out(&o));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn backups_go_to_the_recipient_set_up_once_and_open_with_the_offline_identity() {
    let d = dir();
    let data = installation(&d);
    let identity = d.join("office-backup.key");
    let o = run(
        &data,
        &["keys", "backup-identity", identity.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", out(&o));
    let rec = std::fs::read_to_string(data.join("backup-recipients.txt")).unwrap();
    assert!(rec.contains("age1"), "{rec}");
    assert!(
        !rec.contains("AGE-SECRET-KEY"),
        "the server keeps no identity"
    );
    assert!(std::fs::read_to_string(&identity)
        .unwrap()
        .contains("AGE-SECRET-KEY-1"));

    // No passphrase, no option: the archive is encrypted to the configured recipient.
    let archive = d.join("nightly.dgn");
    let o = run(&data, &["backup", archive.to_str().unwrap()]);
    assert!(o.status.success(), "{}", out(&o));
    let raw = std::fs::read(&archive).unwrap();
    assert!(raw.starts_with(b"age-encryption.org/v1\n"));
    assert!(!contains(&unpacked(&archive, &d.join("u")), MARKER));

    // The server is lost: a new machine restores with the identity alone.
    let target = d.join("new-machine");
    let o = run(&target, &["restore", archive.to_str().unwrap()]);
    assert!(!o.status.success(), "{}", out(&o));
    assert!(!target.exists(), "a refused restore creates nothing");
    let o = run(
        &target,
        &[
            "restore",
            archive.to_str().unwrap(),
            "--identity",
            identity.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = run(&target, &["user", "list"]);
    assert!(out(&o).contains(MARKER), "{}", out(&o));
    let o = run(&target, &["audit", "verify"]);
    assert!(o.status.success(), "{}", out(&o));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn a_tampered_backup_is_refused_before_anything_is_written() {
    let d = dir();
    let data = installation(&d);
    let env = [("DIGNITY_BACKUP_PASSPHRASE", "correct horse battery staple")];
    let archive = d.join("backup.dgn");
    let o = run_env(&data, &["backup", archive.to_str().unwrap()], &env);
    assert!(o.status.success(), "{}", out(&o));
    let mut raw = std::fs::read(&archive).unwrap();
    // A flipped bit near the end: everything before it decrypts and would be written by a
    // restore that did not check first.
    let i = raw.len() - 40;
    raw[i] ^= 0x01;
    let bad = d.join("tampered.dgn");
    std::fs::write(&bad, &raw).unwrap();
    for target in [d.join("fresh"), data.clone()] {
        let before = listing(&target);
        let o = run_env(
            &target,
            &["restore", bad.to_str().unwrap(), "--force"],
            &env,
        );
        assert!(!o.status.success(), "{}", out(&o));
        assert!(out(&o).contains("altered or damaged"), "{}", out(&o));
        assert_eq!(listing(&target), before, "nothing was written");
    }
    assert!(!d.join("fresh").exists());
    let o = run(&data, &["user", "list"]);
    assert!(out(&o).contains("amina"), "{}", out(&o));
    std::fs::remove_dir_all(d).ok();
}

fn listing(p: &Path) -> Vec<(String, u64)> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            // The database's shared-memory files change as any reader opens it.
            if !name.ends_with("-shm") && !name.ends_with("-wal") {
                v.push((name, if m.is_file() { m.len() } else { 0 }));
            }
        }
    }
    v.sort();
    v
}

#[test]
fn a_sealed_key_file_needs_its_passphrase_and_a_wrong_one_changes_nothing() {
    let d = dir();
    let data = installation(&d);
    let key = data.join("keys.json");
    let clear = std::fs::read_to_string(&key).unwrap();
    let o = run_env(
        &data,
        &["keys", "seal"],
        &[("DIGNITY_NEW_KEY_PASSPHRASE", KEY_PW)],
    );
    assert!(o.status.success(), "{}", out(&o));
    let sealed = std::fs::read(&key).unwrap();
    assert!(contains(&sealed, "dignity-sealed-keys"));
    let ring: serde_json::Value = serde_json::from_str(&clear).unwrap();
    assert!(!contains(
        &sealed,
        ring["data_keys"][0]["key"].as_str().unwrap()
    ));

    // Missing or wrong: every command and the server refuse, and nothing is created.
    let o = run(&data, &["user", "list"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("DIGNITY_KEY_PASSPHRASE"), "{}", out(&o));
    let wrong = [("DIGNITY_KEY_PASSPHRASE", "not the key passphrase")];
    let o = run_env(&data, &["user", "list"], &wrong);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("does not open"), "{}", out(&o));
    let o = run_env(&data, &["serve", "--listen", "127.0.0.1:0"], &wrong);
    assert!(!o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("cannot start") && out(&o).contains("does not open"),
        "{}",
        out(&o)
    );
    assert_eq!(
        std::fs::read(&key).unwrap(),
        sealed,
        "the key file is untouched"
    );
    assert!(
        !listing(&data)
            .iter()
            .any(|(n, _)| n.starts_with("keys") && n != "keys.json"),
        "no other key file"
    );

    // From the environment, or from a mounted secret file.
    let o = run_env(
        &data,
        &["user", "list"],
        &[("DIGNITY_KEY_PASSPHRASE", KEY_PW)],
    );
    assert!(out(&o).contains(MARKER), "{}", out(&o));
    let secret = d.join("secret");
    std::fs::write(&secret, format!("{KEY_PW}\n")).unwrap();
    let by_file = [("DIGNITY_KEY_PASSPHRASE_FILE", secret.to_str().unwrap())];
    let o = run_env(&data, &["audit", "verify"], &by_file);
    assert!(o.status.success(), "{}", out(&o));

    // A rotation keeps the file sealed.
    let o = run_env(&data, &["keys", "rotate"], &by_file);
    assert!(o.status.success(), "{}", out(&o));
    assert!(contains(
        &std::fs::read(&key).unwrap(),
        "dignity-sealed-keys"
    ));

    // Change the passphrase; then unseal.
    let o = run_env(
        &data,
        &["keys", "change-passphrase"],
        &[
            ("DIGNITY_KEY_PASSPHRASE", KEY_PW),
            ("DIGNITY_NEW_KEY_PASSPHRASE", "the new key passphrase"),
        ],
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = run_env(
        &data,
        &["user", "list"],
        &[("DIGNITY_KEY_PASSPHRASE", KEY_PW)],
    );
    assert!(!o.status.success(), "the old passphrase no longer opens it");
    let o = run_env(
        &data,
        &["keys", "unseal"],
        &[("DIGNITY_KEY_PASSPHRASE", "the new key passphrase")],
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("in clear"), "{}", out(&o));
    let o = run(&data, &["user", "list"]);
    assert!(out(&o).contains(MARKER), "{}", out(&o));
    // Each change of the key file's sealing is audited, with no secret in the entry.
    let o = run(&data, &["audit", "list", "--limit", "20"]);
    let log = out(&o);
    for action in ["keys.seal", "keys.change_passphrase", "keys.unseal"] {
        assert!(log.contains(action), "{action} audited: {log}");
    }
    assert!(!log.contains(KEY_PW) && !log.contains("the new key passphrase"));
    let o = run(&data, &["audit", "verify"]);
    assert!(o.status.success(), "{}", out(&o));
    std::fs::remove_dir_all(d).ok();
}

//! The `dignity` binary as a script would drive it.

use crate::common::{add_admin_shown_as, add_user, bin, out, run, run_pw, PW};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn dir() -> PathBuf {
    crate::common::dir("dignity-cli")
}

#[test]
fn users_and_tokens_from_scripts() {
    let d = dir();
    let data = d.join("data");
    let o = run_pw(&data, &["user", "add", "amina", "--role", "admin"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        !out(&o).contains(PW),
        "a password from stdin is never echoed"
    );
    let o = run(&data, &["user", "add", "omar", "--role", "analyst"], "");
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("with password: "), "{}", out(&o));
    let o = run(&data, &["user", "add", "x", "--role", "king"], "");
    assert!(!o.status.success());
    assert!(out(&o).contains("unknown role"));
    let o = run(
        &data,
        &["user", "add", "lena", "--role", "analyst"],
        "short\n",
    );
    assert!(!o.status.success());
    assert!(out(&o).contains("at least 12 characters"), "{}", out(&o));
    let o = run(&data, &["user", "list", "--format", "json"], "");
    let users: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["amina", "omar"]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("argon2"));
    let o = run(&data, &["token", "create", "omar"], "");
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout)
        .trim()
        .starts_with("dgn_"));
    assert!(run(&data, &["user", "disable", "omar"], "")
        .status
        .success());
    let o = run(&data, &["token", "create", "omar"], "");
    assert!(!o.status.success());
    assert!(out(&o).contains("disabled"));
    let o = run(&data, &["token", "create", "nobody"], "");
    assert!(out(&o).contains("no user named"));
    let o = run(&data, &["audit", "verify"], "");
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("intact"));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn audit_verify_fails_and_names_the_entry_after_tampering() {
    let d = dir();
    let data = d.join("data");
    add_user(&data, "amina", "admin");
    add_user(&data, "omar", "analyst");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", data.join("dignity.db").display());
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let seq: i64 =
            sqlx::query_scalar("SELECT MAX(seq) FROM audit_log WHERE action = 'user.create'")
                .fetch_one(&pool)
                .await
                .unwrap();
        sqlx::query("UPDATE audit_log SET record_id = '999' WHERE seq = $1")
            .bind(seq)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let o = run(&data, &["audit", "verify"], "");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("was edited"), "{}", out(&o));
    std::fs::remove_dir_all(d).ok();
}

/// After an upgrade, a command run before any server start reads what the older version
/// kept in clear: the upgrade of fields at rest runs when a command opens the records.
#[test]
fn a_command_run_after_an_upgrade_reads_and_encrypts_values_kept_in_clear() {
    let d = dir();
    let data = d.join("data");
    add_admin_shown_as(&data, "amina", "Amina");
    let url = format!("sqlite://{}", data.join("dignity.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    // What an older version wrote: the display name in clear (and, being older, no
    // upgrade marker).
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query(
            "UPDATE users SET display_name = 'Amina Clear-Before' WHERE username = 'amina'",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("DELETE FROM settings WHERE key = 'upgrade.at_rest'")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let o = run(&data, &["user", "list"], "");
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("Amina Clear-Before"), "{}", out(&o));
    let stored: String = rt.block_on(async {
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let v = sqlx::query_scalar("SELECT display_name FROM users WHERE username = 'amina'")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        v
    });
    assert!(stored.starts_with("enc:v2:"), "{stored}");
    std::fs::remove_dir_all(d).ok();
}

/// The upgrade steps run once: the marker they leave makes the next command skip their
/// scans (a value put in clear behind the product's back stays as it is), and a marker of
/// another registry or schema (a new version) makes them run again.
#[test]
fn the_upgrade_marker_skips_the_scans_until_the_registry_changes() {
    let d = dir();
    let data = d.join("data");
    add_user(&data, "amina", "admin");
    let url = format!("sqlite://{}", data.join("dignity.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sql = |q: &'static str| {
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            let v: Option<String> = sqlx::query_scalar(q).fetch_optional(&pool).await.unwrap();
            pool.close().await;
            v
        })
    };
    let marker = sql("SELECT value FROM settings WHERE key = 'upgrade.at_rest'")
        .expect("the first command leaves the marker");
    sql("UPDATE users SET display_name = 'Amina In-Clear' WHERE username = 'amina' RETURNING 'x'");
    let stored = "SELECT display_name FROM users WHERE username = 'amina'";
    // A command that opens the records (and reads no user).
    let o = run(&data, &["team", "list"], "");
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(
        sql(stored).as_deref(),
        Some("Amina In-Clear"),
        "scans skipped"
    );
    // A marker of another registry: the steps run again and leave this one's marker.
    sql("UPDATE settings SET value = 'an-older-registry' WHERE key = 'upgrade.at_rest' RETURNING 'x'");
    let o = run(&data, &["user", "list"], "");
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("Amina In-Clear"), "{}", out(&o));
    assert!(sql(stored).unwrap().starts_with("enc:v2:"));
    assert_eq!(
        sql("SELECT value FROM settings WHERE key = 'upgrade.at_rest'"),
        Some(marker)
    );
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn backup_and_restore_round_trip() {
    let d = dir();
    let data = d.join("data");
    add_user(&data, "amina", "admin");
    run(&data, &["team", "add", "Field office"], "");
    let pass = d.join("pass");
    std::fs::write(&pass, "correct horse battery staple\n").unwrap();
    let archive = d.join("backup.dgn");
    // Keys in an archive need a passphrase.
    let o = run(
        &data,
        &["backup", archive.to_str().unwrap(), "--include-keys"],
        "",
    );
    assert!(!o.status.success());
    let o = run(
        &data,
        &[
            "backup",
            archive.to_str().unwrap(),
            "--include-keys",
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", out(&o));
    let verify = |passphrase_file: &std::path::Path| {
        run(
            &data,
            &[
                "backup",
                archive.to_str().unwrap(),
                "--verify",
                "--passphrase-file",
                passphrase_file.to_str().unwrap(),
            ],
            "",
        )
    };
    let o = verify(&pass);
    assert!(o.status.success(), "{}", out(&o));
    let wrong = d.join("wrong");
    std::fs::write(&wrong, "not the passphrase at all\n").unwrap();
    let o = verify(&wrong);
    assert!(!o.status.success());
    let target = d.join("restored");
    let o = run(
        &target,
        &[
            "restore",
            archive.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", out(&o));
    let o = run(&target, &["user", "list"], "");
    assert!(out(&o).contains("amina"));
    let o = run(&target, &["team", "list"], "");
    assert!(out(&o).contains("Field office"));
    let o = run(&target, &["audit", "verify"], "");
    assert!(o.status.success(), "{}", out(&o));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn clear_errors_for_bad_configuration_database_and_locked_data_dir() {
    let d = dir();
    let data = d.join("data");
    let cfg = d.join("dignity.toml");
    std::fs::write(&cfg, "listen = 8080\n").unwrap();
    let o = run(&data, &["config", "--config", cfg.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("dignity.toml"), "{}", out(&o));
    let o = run(
        &data,
        &[
            "user",
            "list",
            "--database-url",
            "postgres://dignity:secret@127.0.0.1:1/none",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    let text = out(&o);
    assert!(text.contains("cannot reach the database"), "{text}");
    assert!(!text.contains("secret"), "the password is masked: {text}");
    let o = run(&data, &["user", "list", "--database-url", "mysql://x"], "");
    assert!(out(&o).contains("postgres://"));

    // A second server on the same data directory is refused.
    let mut first = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut reader = std::io::BufReader::new(first.stdout.take().unwrap());
    while !line.contains("listening") {
        line.clear();
        assert!(
            std::io::BufRead::read_line(&mut reader, &mut line).unwrap() > 0,
            "server ended early"
        );
    }
    let o = run(&data, &["serve", "--listen", "127.0.0.1:0"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("in use by another"), "{}", out(&o));
    // ... but command-line tools work beside it.
    add_user(&data, "amina", "admin");
    // SIGTERM: the server stops gracefully and closes the database.
    let pid = first.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = first.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn config_shows_sources_and_masks_secrets() {
    let d = dir();
    let o = Command::new(bin())
        .args(["config", "--listen", "0.0.0.0:9999"])
        .env(
            "DIGNITY_DATABASE_URL",
            "postgres://dignity:hunter2@db/dignity",
        )
        .env("DIGNITY_DATA_DIR", d.join("x"))
        .output()
        .unwrap();
    let text = out(&o);
    assert!(text.contains("listen = \"0.0.0.0:9999\""), "{text}");
    assert!(text.contains("postgres://dignity:****@db/dignity"));
    assert!(!text.contains("hunter2"));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn migrate_store_to_postgres() {
    let Some(_) = dignity_store::testing::postgres_url() else {
        eprintln!("PostgreSQL not configured: migrate-store not checked in this run");
        return;
    };
    let d = dir();
    let data = d.join("data");
    add_user(&data, "amina", "admin");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rt.block_on(dignity_store::testing::fresh_postgres_database());
    let o = run(&data, &["migrate-store", "--to", &url], "");
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("identical"));
    assert!(!out(&o).contains("DIFFERENT"));
    let o = run(&data, &["user", "list", "--database-url", &url], "");
    assert!(out(&o).contains("amina"), "{}", out(&o));
    let o = run(&data, &["audit", "verify", "--database-url", &url], "");
    assert!(o.status.success(), "{}", out(&o));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn serve_demo_adds_an_account_and_synthetic_cases_and_still_offers_setup() {
    let d = dir();
    let data = d.join("data");
    let mut server = Command::new(bin())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env("DIGNITY_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut all = String::new();
    let mut line = String::new();
    while !line.contains("listening") {
        line.clear();
        assert!(
            std::io::BufRead::read_line(&mut reader, &mut line).unwrap() > 0,
            "server ended early: {all}"
        );
        all.push_str(&line);
    }
    server.kill().ok();
    server.wait().ok();
    assert!(all.contains("Sign in as demo-documenter"), "{all}");
    assert!(
        all.contains("/setup?token="),
        "the first administrator is still created through the setup link: {all}"
    );
    let o = run(&data, &["user", "list"], "");
    assert!(out(&o).contains("demo-documenter"));
    assert!(out(&o).contains("demo-coordinator"));
    let o = run(&data, &["audit", "list", "--limit", "5000"], "");
    let log = out(&o);
    assert!(
        log.contains("demo-documenter"),
        "the demo cases are audited as their author"
    );
    // Every area has something to look at, written through the audited store functions:
    // cases with interventions and a death penalty case, UPR recommendations with their
    // follow-up, defenders with attacks, risk and a delivered measure, missing persons and
    // two source lists.
    for action in [
        "case.import",
        "intervention.create",
        "death_penalty.set",
        "recommendation.create",
        "assessment.create",
        "action.create",
        "report.update",
        "defender.create",
        "attack.create",
        "risk.assess",
        "measure.status",
        "checkin.add",
        "missing.create",
        "missing.status",
        "source.import",
    ] {
        assert!(
            log.lines()
                .any(|l| l.split_whitespace().nth(3) == Some(action)),
            "no {action} in the demo's audit log"
        );
    }
    assert!(
        all.contains("692 UPR recommendations"),
        "the shipped UPR Info sample is imported whole: {all}"
    );
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn kobo_csv_json_and_xlsx_incident_lists_import_all_or_nothing() {
    let d = dir();
    let data = d.join("data");
    add_user(&data, "dora", "documenter");
    // A KoboToolbox CSV export: `group/field` headers, two acts of one submission.
    let csv = d.join("kobo.csv");
    std::fs::write(
        &csv,
        "incident/event_key,incident/event_title,incident/event_start,incident/country,act/act_type,act/victim_name\n\
         sub-1,Market attack,2024-05-01,SDN,Arrest,Victim One\n\
         sub-1,Market attack,2024-05-01,SDN,Summary execution,Victim Two\n",
    )
    .unwrap();
    let o = run(
        &data,
        &["import", "kobo", csv.to_str().unwrap(), "--as", "dora"],
        "",
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("1 events, 2 acts"), "{}", out(&o));
    // The JSON export: the repeat group `acts` gives one act per entry.
    let json = d.join("kobo.json");
    std::fs::write(
        &json,
        r#"[{"_uuid": "f3a1", "incident/event_title": "Night arrests", "incident/event_start": "2024-06",
            "incident/country": "SDN",
            "acts": [{"acts/act_type": "Arrest", "acts/victim_name": "Victim Three"},
                     {"acts/act_type": "Arrest", "acts/victim_name": "Victim Four"},
                     {"acts/act_type": "Arrest", "acts/victim_name": "Victim Five"}]}]"#,
    )
    .unwrap();
    let o = run(
        &data,
        &["import", "kobo", json.to_str().unwrap(), "--as", "dora"],
        "",
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("1 events, 3 acts"), "{}", out(&o));
    // A malformed row: the error names its line and field, and nothing is written.
    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        "incident/event_key,incident/event_title,act/act_type,act/victim_name\n\
         sub-9,Checkpoint,Arrest,Victim Six\n\
         sub-9,Checkpoint,No such act,Victim Seven\n",
    )
    .unwrap();
    let o = run(
        &data,
        &["import", "kobo", bad.to_str().unwrap(), "--as", "dora"],
        "",
    );
    assert!(!o.status.success());
    let text = out(&o);
    assert!(text.contains("nothing was imported"), "{text}");
    assert!(text.contains('3') && text.contains("act_type"), "{text}");
    // An incident list as XLSX (a real workbook) with a column mapping.
    let xlsx = d.join("incidents.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Case", "Title", "Date", "Country", "Violation", "Victim"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in [
        [
            "C-1",
            "Protest dispersal",
            "2024-07-02",
            "PER",
            "Arrest",
            "Victim Eight",
        ],
        [
            "C-1",
            "Protest dispersal",
            "2024-07-02",
            "PER",
            "Arrest",
            "Victim Nine",
        ],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save(&xlsx).unwrap();
    let map = d.join("map.toml");
    std::fs::write(
        &map,
        "[columns]\nevent_key = \"Case\"\nevent_title = \"Title\"\nevent_start = \"Date\"\ncountry = \"Country\"\nact_type = \"Violation\"\nvictim_name = \"Victim\"\n",
    )
    .unwrap();
    let o = run(
        &data,
        &[
            "import",
            "incidents",
            xlsx.to_str().unwrap(),
            "--mapping",
            map.to_str().unwrap(),
            "--as",
            "dora",
        ],
        "",
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("1 events, 2 acts"), "{}", out(&o));
    let o = run(&data, &["audit", "verify"], "");
    assert!(o.status.success(), "{}", out(&o));
    // The acts of the three good files only.
    let db = data.join("dignity.db");
    let n = Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT COUNT(*) FROM vio_acts")
        .output();
    if let Ok(n) = n {
        if n.status.success() {
            assert_eq!(String::from_utf8_lossy(&n.stdout).trim(), "7");
        }
    }
}

#[test]
fn the_product_binary_carries_no_benchmarks() {
    // Issue 23: the benchmarks are `dignity-bench` (crate dignity-bench), not a command of
    // the product.
    let d = dir();
    let o = run(&d.join("data"), &["--help"], "");
    assert!(o.status.success(), "{}", out(&o));
    assert!(!out(&o).contains("bench"), "{}", out(&o));
    let o = run(&d.join("data"), &["bench", "store"], "");
    assert!(!o.status.success());
    assert!(
        out(&o).contains("unrecognized subcommand 'bench'"),
        "{}",
        out(&o)
    );
}

use crate::at_rest;

/// Issue 16's marker test, on SQLite and (when configured) PostgreSQL: see
/// `tests/it/at_rest/mod.rs`.
#[test]
fn no_marker_typed_into_an_encrypted_field_reaches_the_disk_backups_or_pg_dump() {
    let mut urls = vec![None];
    if dignity_store::testing::postgres_url().is_some() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        urls.push(Some(
            rt.block_on(dignity_store::testing::fresh_postgres_database()),
        ));
    }
    for url in urls {
        let d = dir();
        let data = d.join("data");
        let mut opts = dignity_store::OpenOptions::new(&data);
        opts.database_url = url.clone();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let markers = rt.block_on(async {
            let s = dignity_store::Store::open(&opts).await.unwrap();
            let m = at_rest::populate(&s).await;
            at_rest::check_coverage(&s, &m).await;
            s.close().await;
            m
        });
        let db_args: Vec<&str> = match &url {
            Some(u) => vec!["--database-url", u],
            None => vec![],
        };
        let with_db = |args: &[&str]| -> Vec<String> {
            args.iter()
                .chain(db_args.iter())
                .map(|s| s.to_string())
                .collect()
        };
        let run_s = |args: Vec<String>| {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            run(&data, &a, "")
        };
        // The search index.
        let o = run_s(with_db(&["reindex"]));
        assert!(o.status.success(), "{}", out(&o));
        // A backup with the default options (encrypted, to a passphrase), and one made
        // --unencrypted, unpacked: both hold only ciphertext of the encrypted fields.
        let pass = d.join("pass");
        std::fs::write(&pass, "correct horse battery staple\n").unwrap();
        let enc = d.join("backup.dgn");
        let o = run_s(with_db(&[
            "backup",
            enc.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ]));
        assert!(o.status.success(), "{}", out(&o));
        let plain = d.join("plain.tar.gz");
        let o = run_s(with_db(&[
            "backup",
            plain.to_str().unwrap(),
            "--unencrypted",
        ]));
        assert!(o.status.success(), "{}", out(&o));
        let unpacked = d.join("unpacked");
        std::fs::create_dir_all(&unpacked).unwrap();
        let t = Command::new("tar")
            .arg("xzf")
            .arg(&plain)
            .arg("-C")
            .arg(&unpacked)
            .status()
            .unwrap();
        assert!(t.success());
        if let Some(u) = &url {
            let bin = std::env::var("PG_TEST_BIN").ok().or_else(|| {
                let mut v: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
                    .ok()?
                    .flatten()
                    .map(|e| e.path().join("bin"))
                    .collect();
                v.sort();
                v.pop().map(|p| p.to_string_lossy().into_owned())
            });
            let bin = bin.expect("pg_dump of the test server (PG_TEST_BIN)");
            let dump = Command::new(format!("{bin}/pg_dump"))
                .arg("--dbname")
                .arg(u)
                .output()
                .unwrap();
            assert!(
                dump.status.success(),
                "{}",
                String::from_utf8_lossy(&dump.stderr)
            );
            std::fs::write(d.join("pg_dump.sql"), &dump.stdout).unwrap();
        }
        std::fs::remove_file(&pass).unwrap();
        // Everything on disk: the data directory (database, WAL, index, evidence files),
        // both archives, the unpacked archive, the pg_dump.
        let files = at_rest::files_under(&d);
        assert!(files.iter().any(|(p, _)| p.starts_with(data.join("index"))));
        let secret = at_rest::secret_markers(&markers);
        assert!(secret.len() > 40, "{}", secret.len());
        let found = at_rest::hits(&secret, &files);
        assert!(
            found.is_empty(),
            "{url:?}: typed values of encrypted fields found in clear:\n{}",
            found.join("\n")
        );
        // The control: a value typed into a column kept in clear by design (a staff
        // label, docs/security.md) is found, so the search reads the right bytes.
        let control = at_rest::clear_markers(&markers);
        assert!(!control.is_empty());
        assert!(
            !at_rest::hits(&control, &files).is_empty(),
            "{url:?}: the control markers were not found"
        );
        // The months of typed dates stay in clear (sort keys), their days do not (above).
        let months = at_rest::month_markers(&markers);
        assert_eq!(months.len(), 4);
        let db: Vec<_> = files
            .iter()
            .filter(|(p, _)| p.starts_with(&data) || p.ends_with("pg_dump.sql"))
            .cloned()
            .collect();
        assert!(
            at_rest::hits(&months, &db).len() >= 2,
            "{url:?}: the months of the dates are kept for sorting"
        );
        std::fs::remove_dir_all(d).ok();
    }
}

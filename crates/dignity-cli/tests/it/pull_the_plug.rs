//! Pulling the plug in the middle of an import: the process is killed (SIGKILL, no chance to
//! clean up) while it writes. Nothing of the import may remain, the audit log must still
//! verify, and running the import again must give the whole file once.

use crate::common::{cmd, out as text};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn run(data: &Path, args: &[&str]) -> Output {
    cmd(data, args).output().unwrap()
}

fn upr_files() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/upr");
    ["upr-info-sessions-1-5.csv", "upr-info-sessions-6-9.csv"]
        .iter()
        .map(|f| dir.join(f).to_string_lossy().into_owned())
        .collect()
}

fn wal_len(data: &Path) -> u64 {
    std::fs::metadata(data.join("dignity.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0)
}

#[test]
fn killing_an_import_while_it_writes_leaves_nothing_and_the_import_can_be_run_again() {
    let files = upr_files();
    if !Path::new(&files[0]).exists() {
        panic!(
            "the UPR Info files of ../shared/data/upr are needed: {}",
            files[0]
        );
    }
    let d = dignity_store::testing::temp_dir("dignity-plug");
    let data = d.join("data");
    // Create the installation (reference data loaded) before timing anything.
    assert!(run(&data, &["user", "list"]).status.success());
    let mut args = vec!["import", "upr-info"];
    args.extend(files.iter().map(String::as_str));
    let before = wal_len(&data);
    let mut child = cmd(&data, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import is writing (its transaction has grown the write-ahead log by
    // several megabytes), then kill it.
    let start = Instant::now();
    let mut killed_while_writing = false;
    while start.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if wal_len(&data) > before + 4 * 1024 * 1024 {
            child.kill().unwrap();
            killed_while_writing = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait().unwrap();
    assert!(
        killed_while_writing,
        "the import ended before it could be killed while writing"
    );

    // The dry run sees an empty table: every record would be created.
    let o = run(&data, &[&args[..], &["--dry-run"]].concat());
    let summary = text(&o);
    assert!(o.status.success(), "{summary}");
    let read = summary
        .split("read ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no count in {summary}"));
    assert!(read > 10_000, "{summary}");
    assert!(
        summary.contains(&format!("would be created {read},")),
        "nothing of the killed import may remain: {summary}"
    );
    let o = run(&data, &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));

    // Running it again imports the whole file once; a further run changes nothing.
    let o = run(&data, &args);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("created {read},")),
        "{}",
        text(&o)
    );
    let o = run(&data, &args);
    assert!(
        text(&o).contains(&format!("created 0, updated 0, unchanged {read},")),
        "{}",
        text(&o)
    );
    let o = run(&data, &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::remove_dir_all(d).ok();
}

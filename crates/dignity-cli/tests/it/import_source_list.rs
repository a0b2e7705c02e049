//! `dignity import source-list`: a source's list of missing persons imported from a script,
//! as the sources page imports it — all or nothing, rejected rows with line and field, a
//! dry run that writes nothing, re-imports that update by the source's own identifier.

use crate::common::{add_user, out, run, with_store};
use dignity_store::protection::sources;
use dignity_store::Store;
use std::path::{Path, PathBuf};
use std::process::Output;

fn import(data: &Path, file: &Path, extra: &[&str]) -> Output {
    let f = file.to_str().unwrap();
    let mut args = vec![
        "import",
        "source-list",
        f,
        "--source",
        "Missing Persons Commission",
        "--as",
        "dora",
    ];
    args.extend_from_slice(extra);
    run(data, &args, "")
}

/// The current records of every source, read through the store as the pages read them.
fn records(data: &Path) -> Vec<sources::SourceRecord> {
    with_store(data, async |store: &Store| {
        let (_, recs) = sources::records(store, None, false, 1000, 0).await.unwrap();
        recs
    })
}

fn setup() -> (PathBuf, PathBuf) {
    let d = crate::common::dir("dignity-cli-sources");
    let data = d.join("data");
    add_user(&data, "dora", "documenter");
    (d, data)
}

const MAPPING: &str = "# the commission's own column names\nexternal_id = \"Case no.\"\nname = \"Full name\"\nbirth_date = \"Born\"\nplace = \"Last seen in\"\n";
const LIST: &str = "Case no.,Full name,Born,Last seen in\nKM-0417,Dragan Jovanović,1971-05-14,Orahovac\nKM-0418,Петар Николић,1965,Призрен\nKM-0419,Agron Krasniqi,1980-02,Gjakova\n";

#[test]
fn a_list_is_checked_written_once_and_updated_by_the_sources_identifiers() {
    let (d, data) = setup();
    let map = d.join("commission.toml");
    std::fs::write(&map, MAPPING).unwrap();
    let list = d.join("commission-2024.csv");
    std::fs::write(&list, LIST).unwrap();
    let m = map.to_str().unwrap();

    // A dry run counts and writes nothing, not even the new source.
    let o = import(
        &data,
        &list,
        &["--kind", "commission", "--mapping", m, "--dry-run"],
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("read 3, would be created 3, would be updated 0, unchanged 0, rejected 0"),
        "{}",
        out(&o)
    );
    assert!(records(&data).is_empty(), "a dry run writes nothing");

    // The import: three records, kept as received and readable through the store.
    let o = import(&data, &list, &["--kind", "commission", "--mapping", m]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("read 3, created 3, updated 0, unchanged 0, rejected 0"),
        "{}",
        out(&o)
    );
    let recs = records(&data);
    assert_eq!(recs.len(), 3);
    let petar = recs.iter().find(|r| r.external_id == "KM-0418").unwrap();
    assert_eq!(petar.name, "Петар Николић");
    assert_eq!(petar.birth_date, "1965");
    assert_eq!(petar.place, "Призрен");
    assert_eq!(petar.source, "Missing Persons Commission");
    assert_eq!(petar.source_kind, "commission");
    assert!(
        petar.raw.contains("\"Case no.\":\"KM-0418\""),
        "{}",
        petar.raw
    );

    // Names and places are encrypted: absent from every file of the data directory.
    for entry in std::fs::read_dir(&data).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            for secret in ["Jovanović", "Николић", "Orahovac", "Krasniqi", "Gjakova"] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{secret} in clear in {}",
                    p.display()
                );
            }
        }
    }

    // The same list again: nothing new (idempotent by the source's identifier).
    let o = import(&data, &list, &["--mapping", m, "--format", "json"]);
    assert!(o.status.success(), "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            &j["read"],
            &j["created"],
            &j["updated"],
            &j["unchanged"],
            &j["rejected"]
        ),
        (&3.into(), &0.into(), &0.into(), &3.into(), &0.into()),
        "{j}"
    );
    assert_eq!(records(&data).len(), 3);

    // A later version of the list: one corrected row, one new; the old version is kept.
    let v2 = d.join("commission-2025.csv");
    std::fs::write(
        &v2,
        LIST.replace("1980-02,Gjakova", "1980-02-01,Gjakova") + "KM-0420,Ana Petrović,1970,Peć\n",
    )
    .unwrap();
    let o = import(&data, &v2, &["--mapping", m]);
    assert!(
        out(&o).contains("read 4, created 1, updated 1, unchanged 2, rejected 0"),
        "{}",
        out(&o)
    );
    let recs = records(&data);
    assert_eq!(recs.len(), 4, "current records only");
    let agron = recs.iter().find(|r| r.external_id == "KM-0419").unwrap();
    assert_eq!(agron.birth_date, "1980-02-01");
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn a_malformed_list_is_refused_with_line_and_field_and_nothing_is_written() {
    let (d, data) = setup();
    let map = d.join("m.toml");
    std::fs::write(&map, MAPPING).unwrap();
    let m = map.to_str().unwrap();
    let list = d.join("good.csv");
    std::fs::write(&list, LIST).unwrap();
    let o = import(&data, &list, &["--kind", "ngo", "--mapping", m]);
    assert!(o.status.success(), "{}", out(&o));

    // Bad date on line 3, empty name on line 4, a repeated identifier on line 5, and a
    // valid change on line 2 that must not be written either.
    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        "Case no.,Full name,Born,Last seen in\nKM-0417,Dragan Jovanović,1971-05-15,Orahovac\nKM-0500,Mira Ilić,1975-13-40,Peć\nKM-0501,,1970,Peć\nKM-0501,Ivan Ilić,1972,Peć\n",
    )
    .unwrap();
    let o = import(&data, &bad, &["--mapping", m]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("line 3, birth_date"), "{text}");
    assert!(text.contains("line 4, name: empty"), "{text}");
    assert!(text.contains("line 5, external_id"), "{text}");
    assert!(text.contains("rejected 3"), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
    let recs = records(&data);
    assert_eq!(recs.len(), 3);
    assert_eq!(
        recs.iter()
            .find(|r| r.external_id == "KM-0417")
            .unwrap()
            .birth_date,
        "1971-05-14",
        "the valid row of a refused file is not written"
    );

    // Columns the mapping names but the file lacks, and no mapping at all: the file's
    // columns are listed.
    let o = import(&data, &bad, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("external_id: map a column to this field (the file's columns: Case no., Full name, Born, Last seen in)"),
        "{}",
        out(&o)
    );
    let other = d.join("other.csv");
    std::fs::write(&other, "id,name\n1,X\n").unwrap();
    let o = import(&data, &other, &["--mapping", m]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("the file has no column \"Case no.\""),
        "{}",
        out(&o)
    );

    // An account whose role may not create records is refused before anything happens.
    add_user(&data, "ana", "analyst");
    let o = run(
        &data,
        &[
            "import",
            "source-list",
            list.to_str().unwrap(),
            "--source",
            "Another NGO",
            "--as",
            "ana",
        ],
        "",
    );
    assert!(!o.status.success());
    assert!(
        out(&o).contains("does not allow importing lists"),
        "{}",
        out(&o)
    );
    assert_eq!(records(&data).len(), 3);
    std::fs::remove_dir_all(d).ok();
}

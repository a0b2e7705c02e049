//! Every importer (`dignity import upr-info | uhri | recommendations | ratifications |
//! incidents | kobo | source-list`) refuses a file with no line end (50 MB), a ZIP bomb
//! (an XLSX whose sheet expands far past the limit, built here) and random bytes: early,
//! with a message naming the cause and the limit, writing nothing, and with a bounded peak
//! memory — measured for each run of the `dignity` binary as a child process: its `VmHWM`
//! (the high-water mark of its resident memory) in `/proc/<pid>/status`, read every
//! millisecond until it exits. (`wait4`'s `ru_maxrss` is not used for the figure: Linux
//! carries the parent's peak into a child across `exec`, so it would count the test's own
//! memory.)

use crate::common::{cmd, count, spawn_fed, PW};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Peak memory allowed for one import run, whatever the input (the bound).
const MAX_RSS_MIB: i64 = 200;

struct Run {
    code: i32,
    text: String,
    max_rss_mib: i64,
}

/// Run `dignity ARGS --data-dir DATA`, wait for it with `wait4` and keep its peak RSS.
#[allow(clippy::zombie_processes)] // reaped by `wait4`, which also gives its rusage
fn run(data: &Path, args: &[&str]) -> Run {
    let mut child = spawn_fed(cmd(data, args), &format!("{PW}\n"));
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut s = String::new();
        so.read_to_string(&mut s).ok();
        s
    });
    let t2 = std::thread::spawn(move || {
        let mut s = Vec::new();
        se.read_to_end(&mut s).ok();
        String::from_utf8_lossy(&s).to_string()
    });
    let pid = child.id() as libc::pid_t;
    // The child's own high-water mark, polled until it exits (the status file of a zombie
    // has no VmHWM line).
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let d2 = done.clone();
    let poll = std::thread::spawn(move || {
        let mut peak_kib = 0i64;
        while !d2.load(std::sync::atomic::Ordering::Relaxed) {
            if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                if let Some(kib) = s
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<i64>().ok())
                {
                    peak_kib = peak_kib.max(kib);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        peak_kib
    });
    let mut status: libc::c_int = 0;
    // SAFETY: plain system call on our own child; `ru` is written by the kernel.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(r, pid, "wait4 failed");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak_kib = poll.join().unwrap();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let text = format!("{}{}", t1.join().unwrap(), t2.join().unwrap());
    Run {
        code,
        text,
        // The polled VmHWM, never below what the child showed; ru_maxrss (KiB) is an upper
        // bound that includes the test process's own peak, used if polling saw nothing.
        max_rss_mib: if peak_kib > 0 {
            peak_kib / 1024
        } else {
            ru.ru_maxrss / 1024
        },
    }
}

/// What every import writes to: an import that wrote anything changed one of these.
const TABLES: &[&str] = &[
    "audit_log",
    "recommendations",
    "ratifications",
    "vio_events",
    "vio_acts",
    "pro_sources",
    "pro_source_records",
];

fn counts(data: &Path) -> Vec<i64> {
    TABLES.iter().map(|t| count(data, t)).collect()
}

fn setup(name: &str) -> (PathBuf, PathBuf) {
    let d = crate::common::dir(name);
    let data = d.join("data");
    let o = run(&data, &["user", "add", "dora", "--role", "documenter"]);
    assert_eq!(o.code, 0, "{}", o.text);
    std::fs::write(
        d.join("recs.toml"),
        "[columns]\ntext = \"Recommendation\"\ncountry = \"State\"\n[defaults]\nbody = \"CAT\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("incidents.toml"),
        "[columns]\nevent_title = \"Title\"\nevent_start = \"Date\"\ncountry = \"Country\"\nact_type = \"Violation\"\nvictim_name = \"Victim\"\n",
    )
    .unwrap();
    (d, data)
}

/// The command line of each importer for `file`.
fn importers(d: &Path, file: &Path) -> Vec<(&'static str, Vec<String>)> {
    let f = file.to_str().unwrap().to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let recs = d.join("recs.toml").to_str().unwrap().to_string();
    let inc = d.join("incidents.toml").to_str().unwrap().to_string();
    vec![
        ("upr-info", s(&["import", "upr-info", &f])),
        ("uhri", s(&["import", "uhri", &f])),
        (
            "recommendations",
            s(&["import", "recommendations", &f, "--mapping", &recs]),
        ),
        ("ratifications", s(&["import", "ratifications", &f])),
        (
            "incidents",
            s(&["import", "incidents", &f, "--mapping", &inc, "--as", "dora"]),
        ),
        ("kobo", s(&["import", "kobo", &f, "--as", "dora"])),
        (
            "source-list",
            s(&[
                "import",
                "source-list",
                &f,
                "--source",
                "Commission",
                "--as",
                "dora",
            ]),
        ),
    ]
}

/// Run every importer on `file`: each must fail with a message containing one of
/// `expect`, write nothing and stay under the memory bound.
fn refused_by_all(d: &Path, data: &Path, file: &Path, expect: &[&str]) {
    let before = counts(data);
    for (name, args) in importers(d, file) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let started = std::time::Instant::now();
        let o = run(data, &args);
        assert_ne!(o.code, 0, "{name} accepted {}: {}", file.display(), o.text);
        assert!(
            expect.iter().any(|e| o.text.contains(e)),
            "{name} on {}: expected one of {expect:?} in:\n{}",
            file.display(),
            o.text
        );
        assert!(
            o.max_rss_mib < MAX_RSS_MIB,
            "{name} on {} peaked at {} MiB (bound {MAX_RSS_MIB} MiB)",
            file.display(),
            o.max_rss_mib
        );
        eprintln!(
            "{name} on {}: refused in {:.2} s, peak {} MiB: {}",
            file.display(),
            started.elapsed().as_secs_f64(),
            o.max_rss_mib,
            o.text
                .lines()
                .find(|l| expect.iter().any(|e| l.contains(e)))
                .unwrap_or("")
        );
        assert_eq!(counts(data), before, "{name} wrote something");
    }
}

#[test]
fn a_file_with_no_line_end_is_refused_by_every_importer_at_the_field_limit() {
    let (d, data) = setup("dignity-cli-limits-nonl");
    // 50 MB of words and no line end (the file: minutes and 2.3 GB before).
    let mut text = Vec::with_capacity(50_000_000);
    while text.len() < 50_000_000 {
        text.extend_from_slice(b"lorem ipsum dolor sit amet ");
    }
    let csv = d.join("nonl.csv");
    std::fs::write(&csv, &text).unwrap();
    refused_by_all(
        &d,
        &data,
        &csv,
        &[
            // Read row by row (incidents, kobo): the first value passes the field limit.
            "one value is longer than 256 KiB, the limit for a field: the file has no line ends where a table has them",
            // Held in memory (the other importers): refused by its size first.
            "the file is 48 MiB, more than the limit of 32 MiB for one import file",
        ],
    );
    // Allowed a larger file, an importer that holds it refuses it at the field limit too.
    for (name, mut args) in importers(&d, &csv) {
        args.extend(["--max-file-mb".to_string(), "64".to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&data, &args);
        assert_ne!(o.code, 0, "{name}: {}", o.text);
        assert!(
            o.text
                .contains("one value is longer than 256 KiB, the limit for a field"),
            "{name}: {}",
            o.text
        );
        assert!(o.max_rss_mib < MAX_RSS_MIB, "{name}: {} MiB", o.max_rss_mib);
        if name != "incidents" && name != "kobo" {
            // These hold the whole file (48 MB): the measurement sees it.
            assert!(o.max_rss_mib >= 48, "{name}: {} MiB", o.max_rss_mib);
        }
    }
    // Under a lower file limit, an importer that reads the whole file refuses it by size.
    let (name, mut args) = importers(&d, &csv).remove(0);
    args.extend(["--max-file-mb".to_string(), "16".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&data, &args);
    assert_ne!(o.code, 0, "{name}: {}", o.text);
    assert!(
        o.text
            .contains("the file is 48 MiB, more than the limit of 16 MiB for one import file"),
        "{}",
        o.text
    );
    assert!(o.max_rss_mib < MAX_RSS_MIB, "{} MiB", o.max_rss_mib);
    // Short lines, but more cells than a table held in memory may have (1.2 million):
    // refused by the importers that hold the table (before: 235–260 MB at 2 million).
    let cells = d.join("cells.csv");
    std::fs::write(&cells, format!("a,b\n{}", "x,y\n".repeat(400_000))).unwrap();
    for (name, args) in importers(&d, &cells) {
        if name == "incidents" || name == "kobo" {
            continue; // read row by row: no limit on rows
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&data, &args);
        assert_ne!(o.code, 0, "{name}: {}", o.text);
        assert!(
            o.text.contains(
                "the table has 400001 rows of up to 2 columns, more than the limit of 512000 cells"
            ),
            "{name}: {}",
            o.text
        );
        assert!(o.max_rss_mib < MAX_RSS_MIB, "{name}: {} MiB", o.max_rss_mib);
    }
    // With commas and still no line end: the column limit.
    let commas: Vec<u8> = b"ab,".iter().copied().cycle().take(3_000_000).collect();
    let wide = d.join("wide.csv");
    std::fs::write(&wide, &commas).unwrap();
    refused_by_all(
        &d,
        &data,
        &wide,
        &["more than 1000 columns in one record, the limit"],
    );
    // A Kobo JSON export without line ends: the JSON size limit.
    let json = d.join("nonl.json");
    std::fs::write(&json, &text).unwrap();
    let o = run(
        &data,
        &["import", "kobo", json.to_str().unwrap(), "--as", "dora"],
    );
    assert_eq!(o.code, 1, "{}", o.text);
    assert!(
        o.text
            .contains("the file is 48 MiB, more than the limit of 8 MiB for one import file"),
        "{}",
        o.text
    );
    assert!(o.max_rss_mib < MAX_RSS_MIB, "{} MiB", o.max_rss_mib);
    std::fs::remove_dir_all(d).ok();
}

/// A valid XLSX workbook (readable by the old code, which expanded it: 646 MB of memory
/// for 200 KB) whose one cell is `mib` MiB of zeros: a few hundred KB compressed.
fn zip_bomb(mib: usize) -> Vec<u8> {
    workbook(&|w| {
        let zeros = vec![b'0'; 1 << 20];
        w.write_all(b"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>")?;
        for _ in 0..mib {
            w.write_all(&zeros)?;
        }
        w.write_all(b"</t></is></c></row>")
    })
}

const NS: &str = "http://schemas.openxmlformats.org";

/// A valid XLSX workbook whose first sheet's `<sheetData>` is what `rows` writes.
fn workbook(rows: &dyn Fn(&mut dyn Write) -> std::io::Result<()>) -> Vec<u8> {
    workbook_sst(&[], rows)
}

/// [`workbook`] with a table of shared strings (`<c t="s"><v>0</v></c>` names the first).
fn workbook_sst(
    shared: &[String],
    rows: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let parts = [
        ("[Content_Types].xml", format!("<?xml version=\"1.0\"?><Types xmlns=\"{NS}/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>")),
        ("_rels/.rels", format!("<?xml version=\"1.0\"?><Relationships xmlns=\"{NS}/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{NS}/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>")),
        ("xl/workbook.xml", format!("<?xml version=\"1.0\"?><workbook xmlns=\"{NS}/spreadsheetml/2006/main\" xmlns:r=\"{NS}/officeDocument/2006/relationships\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>")),
        ("xl/_rels/workbook.xml.rels", format!("<?xml version=\"1.0\"?><Relationships xmlns=\"{NS}/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{NS}/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"{NS}/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>")),
    ];
    for (name, text) in parts {
        w.start_file(name, o).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    if !shared.is_empty() {
        w.start_file("xl/sharedStrings.xml", o).unwrap();
        w.write_all(
            format!(
                "<?xml version=\"1.0\"?><sst xmlns=\"{NS}/spreadsheetml/2006/main\" count=\"{n}\" uniqueCount=\"{n}\">",
                n = shared.len()
            )
            .as_bytes(),
        )
        .unwrap();
        for t in shared {
            w.write_all(format!("<si><t>{t}</t></si>").as_bytes())
                .unwrap();
        }
        w.write_all(b"</sst>").unwrap();
    }
    w.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    w.write_all(
        format!(
            "<?xml version=\"1.0\"?><worksheet xmlns=\"{NS}/spreadsheetml/2006/main\"><sheetData>"
        )
        .as_bytes(),
    )
    .unwrap();
    rows(&mut w).unwrap();
    w.write_all(b"</sheetData></worksheet>").unwrap();
    w.finish().unwrap().into_inner()
}

#[test]
fn a_zip_bomb_is_refused_by_its_expanded_size_before_it_is_expanded() {
    let (d, data) = setup("dignity-cli-limits-bomb");
    let bomb = zip_bomb(200);
    assert!(bomb.len() < 1_000_000, "{} bytes", bomb.len());
    let x = d.join("bomb.xlsx");
    std::fs::write(&x, &bomb).unwrap();
    refused_by_all(
        &d,
        &data,
        &x,
        &[
            "the XLSX workbook expands to 200 MiB, more than the limit of 32 MiB for an archive's content",
            // Kobo reads CSV or JSON: a workbook is named as such.
            "the file is a ZIP archive (an XLSX or ODS workbook?), not CSV text",
        ],
    );
    // The same archive named .csv: no importer parses it as text.
    let c = d.join("bomb.csv");
    std::fs::write(&c, &bomb).unwrap();
    refused_by_all(
        &d,
        &data,
        &c,
        &[
            "expands to 200 MiB, more than the limit of 32 MiB",
            "the file is a ZIP archive (an XLSX or ODS workbook?), not CSV text",
        ],
    );
    // A tiny workbook with one cell far away (XFD1048576): the old reader made a dense
    // range of 17 billion cells of it; cells are now read one by one, within the columns.
    let far = workbook(&|w| {
        w.write_all(b"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>name</t></is></c></row>")?;
        w.write_all(
            b"<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c></row>",
        )
    });
    let f = d.join("far.xlsx");
    std::fs::write(&f, &far).unwrap();
    refused_by_all(
        &d,
        &data,
        &f,
        &[
            "a value in column 16384, past the limit of 1000 columns",
            "the file is a ZIP archive (an XLSX or ODS workbook?), not CSV text",
        ],
    );
    // One shared string of 200 KiB named by 4,000 cells: 40 KB of sheet, 800 MB of cell
    // values once each cell holds its copy.
    let shared = workbook_sst(&["y".repeat(200 << 10)], &|w| {
        for r in 1..=4000 {
            w.write_all(
                format!("<row r=\"{r}\"><c r=\"A{r}\" t=\"s\"><v>0</v></c></row>").as_bytes(),
            )?;
        }
        Ok(())
    });
    let f = d.join("shared.xlsx");
    std::fs::write(&f, &shared).unwrap();
    refused_by_all(
        &d,
        &data,
        &f,
        &[
            "the sheet's values hold more than 32 MiB of text, the limit for an archive's content",
            "the file is a ZIP archive (an XLSX or ODS workbook?), not CSV text",
        ],
    );
    // The web's source-list upload reads workbooks through the same store function.
    let e =
        dignity_store::protection::sources::read_table("list.xlsx", &zip_bomb(100)).unwrap_err();
    assert!(
        e[0].message
            .contains("expands to 100 MiB, more than the limit of 32 MiB"),
        "{e:?}"
    );
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn random_bytes_are_refused_as_not_text_and_latin1_needs_its_encoding_named() {
    let (d, data) = setup("dignity-cli-limits-random");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..1_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let f = d.join("random.csv");
    std::fs::write(&f, &bytes).unwrap();
    refused_by_all(
        &d,
        &data,
        &f,
        &["the file is not CSV text: it holds binary data (a NUL byte at byte"],
    );
    let j = d.join("random.json");
    std::fs::write(&j, &bytes).unwrap();
    let o = run(
        &data,
        &["import", "kobo", j.to_str().unwrap(), "--as", "dora"],
    );
    assert_eq!(o.code, 1, "{}", o.text);
    assert!(
        o.text
            .contains("the file is not JSON text: it holds binary data"),
        "{}",
        o.text
    );

    // A small JSON export of very many tiny values (4 MB, 1.4 million empty submissions):
    // its size is within the limit, its parsed form would not be (3.9 GB and a minute for
    // 16 MB before); refused by the count of values.
    let many = format!("[{}{{}}]", "{},".repeat(1_400_000));
    let j = d.join("many.json");
    std::fs::write(&j, many).unwrap();
    let o = run(
        &data,
        &["import", "kobo", j.to_str().unwrap(), "--as", "dora"],
    );
    assert_eq!(o.code, 1, "{}", o.text);
    assert!(
        o.text.contains(
            "the JSON document holds more than 256000 values, the limit for one import file"
        ),
        "{}",
        o.text
    );
    assert!(o.max_rss_mib < MAX_RSS_MIB, "{} MiB", o.max_rss_mib);

    // Latin-1 text: every importer refuses it the same way, naming line and byte, unless
    // the encoding is named; then it imports.
    let latin1 = b"Case no.,name\nA-1,Jos\xe9 P\xe9rez\n".to_vec();
    let l = d.join("latin1.csv");
    std::fs::write(&l, &latin1).unwrap();
    refused_by_all(
        &d,
        &data,
        &l,
        &["the file is not UTF-8 text: byte 22 (0xE9) is not valid UTF-8; save it as UTF-8, or name its encoding (--encoding windows-1252)"],
    );
    let map = d.join("src.toml");
    std::fs::write(&map, "external_id = \"Case no.\"\n").unwrap();
    let o = run(
        &data,
        &[
            "import",
            "source-list",
            l.to_str().unwrap(),
            "--source",
            "Commission",
            "--as",
            "dora",
            "--mapping",
            map.to_str().unwrap(),
            "--encoding",
            "windows-1252",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.text);
    assert_eq!(count(&data, "pro_source_records"), 1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let names = rt.block_on(async {
        let store = dignity_store::Store::open(&dignity_store::OpenOptions::new(&data))
            .await
            .unwrap();
        let (_, r) = dignity_store::protection::sources::records(&store, None, false, 10, 0)
            .await
            .unwrap();
        store.close().await;
        r.into_iter().map(|r| r.name).collect::<Vec<_>>()
    });
    assert_eq!(names, vec!["José Pérez".to_string()]);
    std::fs::remove_dir_all(d).ok();
}

/// An ODS workbook whose one sheet's rows are `rows` (the XML inside `<table:table>`);
/// `pad` MiB of spaces after the sheet (to make a ZIP bomb of it).
fn ods(rows: &str, pad: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    w.start_file("content.xml", o).unwrap();
    w.write_all(format!("<?xml version=\"1.0\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet><table:table table:name=\"Sheet1\">{rows}</table:table>").as_bytes()).unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..pad {
        w.write_all(&spaces).unwrap();
    }
    w.write_all(b"</office:spreadsheet></office:body></office:document-content>")
        .unwrap();
    w.finish().unwrap().into_inner()
}

#[test]
fn ods_and_legacy_workbooks_are_checked_before_they_are_read() {
    let (d, data) = setup("dignity-cli-limits-ods");
    let kobo = "the file is a ZIP archive (an XLSX or ODS workbook?), not CSV text";
    // A ZIP bomb: content.xml expands to 200 MiB.
    let f = d.join("bomb.ods");
    let bomb = ods("", 200);
    assert!(bomb.len() < 1_000_000, "{} bytes", bomb.len());
    std::fs::write(&f, &bomb).unwrap();
    refused_by_all(
        &d,
        &data,
        &f,
        &[
            "the ODS workbook expands to 200 MiB, more than the limit of 32 MiB for an archive's content",
            kobo,
        ],
    );
    // A small archive whose one 100 KiB value repeats into 1,000 columns of 1,000 rows:
    // calamine copies a repeated value into every cell (100 GB).
    let big = "x".repeat(100 << 10);
    let f = d.join("repeats.ods");
    std::fs::write(
        &f,
        ods(
            &format!("<table:table-row table:number-rows-repeated=\"1000\"><table:table-cell table:number-columns-repeated=\"1000\" office:value-type=\"string\"><text:p>{big}</text:p></table:table-cell></table:table-row>"),
            0,
        ),
    )
    .unwrap();
    refused_by_all(
        &d,
        &data,
        &f,
        &["the ODS workbook's repeated cells hold", kobo],
    );
    // One value a million rows down: a rectangle of a million rows once read.
    let f = d.join("far.ods");
    let cell = |t: &str| {
        format!("<table:table-cell office:value-type=\"string\"><text:p>{t}</text:p></table:table-cell>")
    };
    std::fs::write(
        &f,
        ods(
            &format!("<table:table-row>{}</table:table-row><table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell/></table:table-row><table:table-row>{}</table:table-row>", cell("Title"), cell("x")),
            0,
        ),
    )
    .unwrap();
    refused_by_all(
        &d,
        &data,
        &f,
        &[
            "the ODS workbook's sheets span 1000002 rows of up to 1 columns, more than the limit of 512000 cells",
            kobo,
        ],
    );
    // A legacy XLS workbook (its reader holds every sheet whole): refused by name, by its
    // content whatever its name.
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.resize(64 << 10, 0);
    for name in ["old.xls", "old.csv"] {
        let f = d.join(name);
        std::fs::write(&f, &xls).unwrap();
        refused_by_all(
            &d,
            &data,
            &f,
            &[
                "the file is a legacy XLS (Excel 97–2003) workbook, which is not read",
                // Read as CSV (Kobo; the incidents importer by a .csv name).
                "the file is a legacy XLS (Excel 97–2003) workbook, not CSV text",
            ],
        );
    }
    std::fs::remove_dir_all(d).ok();
}

//! Reading evidence content: views and downloads (with their custody entries), public
//! copies without metadata, and export packages.

use super::*;
use dignity_core::violations::evidence as rules;

/// Record that the actor viewed or downloaded an item (custody + audit), and return the
/// path of its content.
pub async fn open_content(
    store: &Store,
    actor: &Actor,
    id: i64,
    action: &str,
) -> Result<(Evidence, PathBuf)> {
    let (ev, blob) = readable(store, actor, id).await?;
    let path = blob.path(store);
    if !path.exists() {
        return Err(StoreError::Internal(format!(
            "the content of evidence {id} is missing from the files directory"
        )));
    }
    let mut tx = store.begin(actor).await?;
    custody(&mut tx, id, action, "", "", "").await?;
    tx.commit().await?;
    Ok((ev, path))
}

/// Evidence item `id` once the actor may read it, with its stored file.
async fn readable(store: &Store, actor: &Actor, id: i64) -> Result<(Evidence, Blob)> {
    require(store, actor, Action::Read, EVIDENCE, id).await?;
    let ev = get_evidence(store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("evidence {id}")))?;
    let blob = Blob {
        sha256: ev.sha256.clone(),
        sha512: ev.sha512.clone(),
        size: ev.size_bytes as u64,
    };
    Ok((ev, blob))
}

/// The whole (decrypted) content of a stored file, for derivatives made in memory.
fn read_all(store: &Store, sha256: &Sha256Hex) -> Result<Vec<u8>> {
    let mut r = EvidenceStore::open(store, sha256)
        .map_err(|e| StoreError::Internal(e.to_string()))?
        .ok_or_else(|| StoreError::Internal(format!("the file {sha256} is missing")))?;
    let mut out = Vec::with_capacity(r.size() as usize);
    r.read_to_end(&mut out)
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(out)
}

/// Make a public copy of an image or an office document without its metadata (a derivative
/// of `id`). The copy is checked: if metadata could still be read from it, nothing is stored.
pub async fn make_public_copy(store: &Store, actor: &Actor, id: i64) -> Result<i64> {
    let (ev, blob) = readable(store, actor, id).await?;
    let bytes = read_all(store, &blob.sha256)?;
    let clean = strip_metadata(&bytes, ev.media_type.as_str())
        .ok_or_else(|| rules::no_public_copy(ev.media_type.as_str()))?;
    if is_package(ev.media_type.as_str())
        && !package_properties(std::io::Cursor::new(&clean)).is_empty()
    {
        return Err(rules::properties_remain().into());
    }
    let (nb, head) = store_reader(store, &clean[..], u64::MAX, None)
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let input = EvidenceInput {
        title: format!("{} (public copy)", ev.title),
        filename: ev.filename.clone(),
        media_type: ev.media_type.to_string(),
        derivation: "public_copy".into(),
        original_id: Some(id),
        event_id: ev.event_id,
        act_id: ev.act_id,
        person_id: ev.person_id,
        confidentiality: ev.confidentiality.to_string(),
        ..Default::default()
    };
    let r = async {
        let mut tx = store.begin(actor).await?;
        let nid = create_evidence(&mut tx, &input, &nb, &head).await?;
        custody(
            &mut tx,
            id,
            "derived",
            "",
            "metadata removed",
            &format!("public_copy={nid}"),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(nid)
    }
    .await;
    if r.is_err() {
        discard_if_unused(store, &nb).await?;
    }
    r
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub items: usize,
    pub bytes: u64,
    pub skipped: Vec<i64>,
    pub manifest_sha256: String,
}

/// Build an evidence package in `out` (a new or empty directory): `files/<sha256>`, the
/// manifests `manifest.sha256` and `manifest.sha512` (the format of `sha256sum`), the
/// custody log of every item (`custody.json`, `custody.csv`), the item records
/// (`items.json`) and `manifest.sha256.sha256`, the hash of the manifest. Check it with
/// `sha256sum -c manifest.sha256.sha256 && sha256sum -c manifest.sha256`.
///
/// Items the actor may not export are skipped (listed in the report, not in the package).
/// Each exported item gets an `exported` custody entry; the export is audited.
pub async fn export_package(
    store: &Store,
    actor: &Actor,
    ids: &[i64],
    out: &Path,
) -> Result<ExportReport> {
    let io = |e: std::io::Error| StoreError::Internal(format!("{}: {e}", out.display()));
    if out.exists() && std::fs::read_dir(out).map_err(io)?.next().is_some() {
        return Err(rules::out_not_empty(out.display()).into());
    }
    std::fs::create_dir_all(out.join("files")).map_err(io)?;
    let mut items = vec![];
    let mut skipped = vec![];
    for &id in ids {
        if can(store, actor, Action::Export, EVIDENCE, id).await? {
            if let Some(e) = get_evidence(store, id).await? {
                items.push(e);
                continue;
            }
        }
        skipped.push(id);
    }
    let mut tx = store.begin(actor).await?;
    for e in &items {
        custody(
            &mut tx,
            e.id,
            "exported",
            "",
            "evidence package",
            &format!("package={}", out.display()),
        )
        .await?;
    }
    tx.audit(
        "evidence.export",
        EVIDENCE,
        "package",
        None,
        None,
        serde_json::json!({ "items": items.iter().map(|e| e.id).collect::<Vec<_>>(), "skipped": skipped }),
    );
    tx.commit().await?;

    let mut m256 = String::new();
    let mut m512 = String::new();
    let mut bytes = 0u64;
    let mut custody_all = serde_json::Map::new();
    // Cells that a spreadsheet would run as a formula get a leading `'` (custody.json
    // keeps the exact values, over which the entries' hashes are computed).
    let mut csv = dignity_core::edge::CsvWriter::from_writer(Vec::new());
    let _ = csv.write_record([
        "evidence_id",
        "seq",
        "at",
        "actor",
        "action",
        "counterpart",
        "method",
        "details",
        "prev_hash",
        "hash",
    ]);
    for e in &items {
        let blob = Blob {
            sha256: e.sha256.clone(),
            sha512: e.sha512.clone(),
            size: e.size_bytes as u64,
        };
        let rel = format!("files/{}", e.sha256);
        if !out.join(&rel).exists() {
            // The package is for a court or a partner: the files leave decrypted.
            let mut src = EvidenceStore::open(store, &blob.sha256)
                .and_then(|o| o.ok_or_else(|| std::io::Error::other("the file is missing")))
                .map_err(io)?;
            let mut dst = std::fs::File::create(out.join(&rel)).map_err(io)?;
            std::io::copy(&mut src, &mut dst).map_err(io)?;
            m256.push_str(&format!("{}  {rel}\n", e.sha256));
            m512.push_str(&format!("{}  {rel}\n", e.sha512));
            bytes += blob.size;
        }
        let log = custody_log(store, e.id).await?;
        for c in &log {
            let _ = csv.write_record([
                e.id.to_string().as_str(),
                &c.seq.to_string(),
                &c.at,
                &c.actor,
                &c.action,
                &c.counterpart,
                &c.method,
                &c.details,
                &c.prev_hash,
                &c.hash,
            ]);
        }
        custody_all.insert(
            e.id.to_string(),
            serde_json::to_value(&log).unwrap_or_default(),
        );
    }
    let write = |name: &str, content: &[u8]| std::fs::write(out.join(name), content).map_err(io);
    write(
        "items.json",
        serde_json::to_string_pretty(&items)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    write(
        "custody.json",
        serde_json::to_string_pretty(&custody_all)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    write("custody.csv", &csv.into_inner().unwrap_or_default())?;
    for name in ["items.json", "custody.json", "custody.csv"] {
        let data = std::fs::read(out.join(name)).map_err(io)?;
        m256.push_str(&format!("{}  {name}\n", hex::encode(Sha256::digest(&data))));
        m512.push_str(&format!("{}  {name}\n", hex::encode(Sha512::digest(&data))));
    }
    write("manifest.sha256", m256.as_bytes())?;
    write("manifest.sha512", m512.as_bytes())?;
    let mh = hex::encode(Sha256::digest(m256.as_bytes()));
    write(
        "manifest.sha256.sha256",
        format!("{mh}  manifest.sha256\n").as_bytes(),
    )?;
    write(
        "README.txt",
        format!(
            "Evidence package from Dignity.\n\nVerify with standard tools:\n\n  sha256sum -c manifest.sha256.sha256\n  sha256sum -c manifest.sha256\n  sha512sum -c manifest.sha512\n\nfiles/ holds each file once, named by its SHA-256.\nitems.json describes the items; custody.json and custody.csv hold their chain of custody\n(each entry's hash is SHA-256 over prev_hash, seq, at, actor, action, counterpart, method, details, each followed by a newline).\nSHA-256 of manifest.sha256: {mh}\n"
        )
        .as_bytes(),
    )?;
    Ok(ExportReport {
        items: items.len(),
        bytes,
        skipped,
        manifest_sha256: mh,
    })
}

/// Build the same package as [`export_package`] as one tar archive at `archive`, with
/// every file under a top-level folder named like the archive (`case-12.tar` →
/// `case-12/…`). Verify with standard tools only:
/// `tar -xf case-12.tar && cd case-12 && sha256sum -c manifest.sha256.sha256 && sha256sum -c manifest.sha256`.
///
/// The archive is written to `<archive>.partial` and renamed when complete, so an
/// interrupted export leaves no archive that looks whole; the staging folder is removed.
pub async fn export_archive(
    store: &Store,
    actor: &Actor,
    ids: &[i64],
    archive: &Path,
) -> Result<ExportReport> {
    let io = |e: std::io::Error| StoreError::Internal(format!("{}: {e}", archive.display()));
    if archive.exists() {
        return Err(rules::out_exists(archive.display()).into());
    }
    let name = rules::archive_name(archive.file_name().and_then(|n| n.to_str()))?;
    let parent = archive
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    let partial = parent.join(format!("{name}.tar.partial"));
    let result = async {
        let report = export_package(store, actor, ids, &staging.join(&name)).await?;
        let f = std::fs::File::create(&partial).map_err(io)?;
        let mut tb = tar::Builder::new(std::io::BufWriter::new(f));
        tb.mode(tar::HeaderMode::Deterministic);
        tb.follow_symlinks(false);
        tb.append_dir_all(&name, staging.join(&name)).map_err(io)?;
        let w = tb.into_inner().map_err(io)?;
        let f = w.into_inner().map_err(|e| io(e.into_error()))?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&partial, archive).map_err(io)?;
        Ok(report)
    }
    .await;
    let _ = std::fs::remove_dir_all(&staging);
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

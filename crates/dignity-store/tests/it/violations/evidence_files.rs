//! Evidence: hashing, storing once, packages and tar exports, temporary files of uploads.

use super::*;
use crate::common::sha256sum;

/// `input` written as new evidence in `tx`, with the stored `blob` whose first bytes are
/// `head`.
async fn evidence_of(
    tx: &mut dignity_store::WriteTx,
    input: &EvidenceInput,
    blob: &evidence::Blob,
    head: &[u8],
) -> i64 {
    evidence::create_evidence(tx, input, blob, head)
        .await
        .unwrap()
}

fn tmp_files(s: &TestStore) -> usize {
    std::fs::read_dir(evidence::files_dir(s).join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn evidence_is_hashed_stored_once_and_packaged_verifiably() {
    for b in backends() {
        let (s, doc, ana, adm) = setup(b).await;
        let c = document_case(&s, &doc).await;
        // 3 MB of non-trivial content.
        let data: Vec<u8> = (0..3_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let (blob, head) = evidence::store_reader(&s, &data[..], u64::MAX, None).unwrap();
        // Stored encrypted: the address is `sha256sum` of the content, read back decrypted.
        let clear = s.data_dir().join("clear-copy.bin");
        {
            use std::io::Read;
            let mut r = evidence::EvidenceStore::open(&s, &blob.sha256)
                .unwrap()
                .unwrap();
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            std::fs::write(&clear, out).unwrap();
        }
        assert_eq!(blob.sha256, sha256sum(&clear), "{b:?}: equal to sha256sum");
        std::fs::remove_file(&clear).unwrap();
        assert_eq!(blob.size, 3_000_000);
        let mut tx = s.begin(&doc).await.unwrap();
        let input = EvidenceInput {
            title: "Clinic video".into(),
            filename: "VID_0305_Amaru.mp4".into(),
            event_id: Some(c.event),
            acquired_from: "Killa Huaman".into(),
            acquired_how: "handed over on a USB stick".into(),
            acquired_at: "2024-03-10".into(),
            confidentiality: "internal".into(),
            ..Default::default()
        };
        let id = evidence_of(&mut tx, &input, &blob, &head).await;
        tx.commit().await.unwrap();
        // The same content again: stored once.
        let (blob2, _) =
            evidence::store_reader(&s, &data[..], u64::MAX, Some(blob.sha256.as_str())).unwrap();
        assert_eq!(blob2.sha256, blob.sha256);
        let stored: usize = walk(&evidence::files_dir(&s).join("sha256"));
        assert_eq!(stored, 1);
        // A claimed hash that does not match: refused, nothing left behind.
        let mut wrong = data.clone();
        wrong.truncate(2_999_000);
        match evidence::store_reader(&s, &wrong[..], u64::MAX, Some(blob.sha256.as_str())) {
            Err(UploadError::HashMismatch { .. }) => {}
            other => panic!("{other:?}"),
        }
        // Too large: refused, nothing left behind.
        assert!(matches!(
            evidence::store_reader(&s, &data[..], 1_000_000, None),
            Err(UploadError::TooLarge { .. })
        ));
        // Interrupted: the writer is dropped mid-way.
        {
            let mut w = evidence::BlobWriter::new(&s, u64::MAX).unwrap();
            w.write(&data[..1000]).unwrap();
            assert_eq!(tmp_files(&s), 1);
        }
        assert_eq!(tmp_files(&s), 0, "no orphan");
        assert_eq!(walk(&evidence::files_dir(&s).join("sha256")), 1);
        // Views and downloads are in the custody log; the chain verifies.
        evidence::open_content(&s, &ana, id, "viewed")
            .await
            .unwrap();
        evidence::open_content(&s, &doc, id, "downloaded")
            .await
            .unwrap();
        let log = evidence::custody_log(&s, id).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["acquired", "uploaded", "viewed", "downloaded"]);
        assert_eq!(log[0].counterpart, "Killa Huaman");
        assert!(evidence::verify_custody(&log).is_empty());
        // A public copy of a JPEG loses its EXIF (and GPS).
        let jpeg = tiny_jpeg_with_exif();
        let (jb, jh) = evidence::store_reader(&s, &jpeg[..], u64::MAX, None).unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let input = EvidenceInput {
            title: "Photo".into(),
            event_id: Some(c.event),
            confidentiality: "internal".into(),
            ..Default::default()
        };
        let jid = evidence_of(&mut tx, &input, &jb, &jh).await;
        tx.commit().await.unwrap();
        let photo = evidence::get_evidence(&s, jid).await.unwrap().unwrap();
        assert_eq!(photo.media_type, "image/jpeg");
        assert!(photo.metadata.get("GPS").is_some(), "{:?}", photo.metadata);
        let pid = evidence::make_public_copy(&s, &doc, jid).await.unwrap();
        let copy = evidence::get_evidence(&s, pid).await.unwrap().unwrap();
        assert_eq!(
            (copy.derivation.as_str(), copy.original_id),
            ("public_copy", Some(jid))
        );
        assert_eq!(copy.metadata, serde_json::json!({}));
        assert_ne!(copy.sha256, photo.sha256);
        // The package verifies with sha256sum alone.
        let out = dignity_store::testing::temp_dir("pkg").join("package");
        let rep = evidence::export_package(&s, &adm, &[id, jid, pid], &out)
            .await
            .unwrap();
        assert_eq!(rep.items, 3);
        for args in [["-c", "manifest.sha256.sha256"], ["-c", "manifest.sha256"]] {
            let st = std::process::Command::new("sha256sum")
                .args(args)
                .current_dir(&out)
                .output()
                .unwrap();
            assert!(
                st.status.success(),
                "{}",
                String::from_utf8_lossy(&st.stdout)
            );
        }
        let st = std::process::Command::new("sha512sum")
            .args(["-c", "manifest.sha512"])
            .current_dir(&out)
            .output()
            .unwrap();
        assert!(st.status.success());
        let custody = std::fs::read_to_string(out.join("custody.json")).unwrap();
        assert!(custody.contains("\"exported\""));
        // Tampering with a file is caught by the same tools.
        std::fs::write(out.join(format!("files/{}", blob.sha256)), b"changed").unwrap();
        let st = std::process::Command::new("sha256sum")
            .args(["-c", "--quiet", "manifest.sha256"])
            .current_dir(&out)
            .output()
            .unwrap();
        assert!(!st.status.success());
        // The analyst may export internal items, but not the one made confidential.
        let mut tx = s.begin(&doc).await.unwrap();
        sqlx::query("UPDATE vio_evidence SET confidentiality = 'confidential' WHERE id = $1")
            .bind(id)
            .execute(tx.conn())
            .await
            .unwrap();
        tx.audit(
            "test",
            "vio_evidence",
            &id.to_string(),
            None,
            None,
            serde_json::json!({}),
        );
        tx.commit().await.unwrap();
        let out2 = dignity_store::testing::temp_dir("pkg").join("p2");
        let rep = evidence::export_package(&s, &ana, &[id, jid], &out2)
            .await
            .unwrap();
        assert_eq!((rep.items, rep.skipped.clone()), (1, vec![id]));
        assert!(!out2.join(format!("files/{}", blob.sha256)).exists());
        assert!(evidence::open_content(&s, &ana, id, "viewed")
            .await
            .is_err());
        assert_eq!(
            evidence::list_evidence(&s, &ana, Some(c.event), None)
                .await
                .unwrap()
                .len(),
            2
        );
    }
}

fn walk(p: &std::path::Path) -> usize {
    let mut n = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                n += walk(&e.path());
            } else {
                n += 1;
            }
        }
    }
    n
}

/// A minimal JPEG: SOI, an APP1 EXIF segment with GPS latitude/longitude, a comment, then
/// a (fake) scan.
pub fn tiny_jpeg_with_exif() -> Vec<u8> {
    // TIFF little-endian: IFD0 with one entry (GPS IFD pointer), GPS IFD with 4 entries.
    let mut t: Vec<u8> = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes());
    // IFD0 at 8: 1 entry
    t.extend(1u16.to_le_bytes());
    t.extend(0x8825u16.to_le_bytes());
    t.extend(4u16.to_le_bytes());
    t.extend(1u32.to_le_bytes());
    t.extend(26u32.to_le_bytes()); // GPS IFD offset
    t.extend(0u32.to_le_bytes()); // next IFD
                                  // GPS IFD at 26: 4 entries (2 + 4*12 + 4 = 54 bytes) → data at 80
    t.extend(4u16.to_le_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, val: u32| {
        t.extend(tag.to_le_bytes());
        t.extend(typ.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(val.to_le_bytes());
    };
    entry(&mut t, 1, 2, 2, u32::from_le_bytes(*b"S\0\0\0"));
    entry(&mut t, 2, 5, 3, 80);
    entry(&mut t, 3, 2, 2, u32::from_le_bytes(*b"W\0\0\0"));
    entry(&mut t, 4, 5, 3, 104);
    t.extend(0u32.to_le_bytes());
    assert_eq!(t.len(), 80);
    for (n, d) in [(13u32, 1u32), (30, 1), (0, 1), (71, 1), (58, 1), (41, 1)] {
        t.extend(n.to_le_bytes());
        t.extend(d.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(&t);
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
    j.extend(((app1.len() + 2) as u16).to_be_bytes());
    j.extend(&app1);
    let com = b"taken by Amaru";
    j.extend([0xFF, 0xFE]);
    j.extend(((com.len() + 2) as u16).to_be_bytes());
    j.extend(com);
    j.extend([0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0x33, 0xFF, 0xD9]);
    j
}

#[tokio::test]
async fn evidence_exports_as_one_tar_archive_that_standard_tools_verify() {
    for b in backends() {
        let (s, doc, _, adm) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (blob, head) = evidence::store_reader(&s, &data[..], u64::MAX, None).unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let input = EvidenceInput {
            event_id: Some(c.event),
            title: "Clinic video".into(),
            filename: "clinic.bin".into(),
            confidentiality: "internal".into(),
            ..Default::default()
        };
        let id = evidence_of(&mut tx, &input, &blob, &head).await;
        tx.commit().await.unwrap();
        let dir = dignity_store::testing::temp_dir("tar");
        let archive = dir.join("case-1.tar");
        let rep = evidence::export_archive(&s, &adm, &[id], &archive)
            .await
            .unwrap();
        assert_eq!(rep.items, 1, "{b:?}");
        // Only the archive is left: no staging folder, no partial file.
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["case-1.tar".to_string()]);
        // A second export to the same name is refused rather than overwriting it.
        assert!(evidence::export_archive(&s, &adm, &[id], &archive)
            .await
            .is_err());
        let run = |cmd: &str, args: &[&str], cwd: &std::path::Path| {
            let o = std::process::Command::new(cmd)
                .args(args)
                .current_dir(cwd)
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{cmd} {args:?}: {}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
        };
        run("tar", &["-xf", "case-1.tar"], &dir);
        let pkg = dir.join("case-1");
        run("sha256sum", &["-c", "manifest.sha256.sha256"], &pkg);
        run("sha256sum", &["-c", "manifest.sha256"], &pkg);
        run("sha512sum", &["-c", "manifest.sha512"], &pkg);
        assert_eq!(
            std::fs::read(pkg.join(format!("files/{}", blob.sha256))).unwrap(),
            data
        );
    }
}

#[tokio::test]
async fn temporary_files_of_interrupted_uploads_are_removed_at_start() {
    let (s, _, _, _) = setup(Backend::Sqlite).await;
    let tmp = evidence::files_dir(&s).join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let old = tmp.join("upload-old.part");
    std::fs::write(&old, b"half an upload").unwrap();
    let f = std::fs::File::options().write(true).open(&old).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    drop(f);
    let fresh = tmp.join("upload-now.part");
    std::fs::write(&fresh, b"being written").unwrap();
    assert_eq!(evidence::clean_at_start(&s), 1);
    assert!(!old.exists(), "the interrupted upload is gone");
    assert!(fresh.exists(), "a file still being written is left alone");
}

//! Evidence uploads (hash equal to `sha256sum`, size limit, truncated bodies, claimed
//! hashes, no leftovers) and office document properties shown and stripped from public copies.

use super::*;

#[tokio::test]
async fn evidence_uploads_stream_hash_and_refuse_bad_files_without_leftovers() {
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ana) = app.user("ana", Role::Analyst).await;
        let (_, ev) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/events",
                Some(serde_json::json!({"title": "Clinic"})),
            )
            .await;
        let ev = ev["id"].as_i64().unwrap();
        let data: Vec<u8> = (0..2_500_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        let file = app.store.data_dir().join("sample.bin");
        std::fs::write(&file, &data).unwrap();
        let out = std::process::Command::new("sha256sum")
            .arg(&file)
            .output()
            .unwrap();
        let expected = String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        let ev_s = ev.to_string();
        let body = multipart(
            &[
                ("title", "Video of the raid"),
                ("event_id", &ev_s),
                ("acquired_from", "Killa Huaman"),
                ("acquired_how", "USB stick"),
                ("sha256", &expected),
                ("confidentiality", "internal"),
            ],
            Some(("raid.mp4", &data)),
            "XyZ",
            false,
        );
        let (s, rec) = app.upload(&dora, body).await;
        assert_eq!(s, StatusCode::CREATED, "{rec}");
        assert_eq!(
            rec["sha256"],
            expected.as_str(),
            "{b:?}: equal to sha256sum"
        );
        assert_eq!(rec["size_bytes"], 2_500_000);
        let id = rec["id"].as_i64().unwrap();
        // The content comes back byte for byte, and the download is in the custody log.
        let (s, content, h) = app
            .call(
                Request::get(format!("/api/v1/evidence/{id}/content"))
                    .header(header::AUTHORIZATION, format!("Bearer {ana}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h.get(header::CONTENT_LENGTH).unwrap(), "2500000");
        assert!(content == data);
        let (_, log) = app
            .get(&dora, &format!("/api/v1/evidence/{id}/custody"))
            .await;
        let actions: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["acquired", "uploaded", "downloaded"]);
        let records = count(&app.store, "vio_evidence").await;
        // A claimed hash that does not match.
        let body = multipart(
            &[("sha256", &"0".repeat(64))],
            Some(("x.bin", b"other content")),
            "XyZ",
            false,
        );
        let (s, e, _) = app.call(common::evidence_upload(&dora, body)).await;
        let e: serde_json::Value = serde_json::from_slice(&e).unwrap();
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("sha256")),
            "{e}"
        );
        // A truncated upload (the connection dropped mid-file).
        let body = multipart(&[("title", "cut")], Some(("cut.bin", &data)), "XyZ", true);
        let (s, _, _) = app.call(common::evidence_upload(&dora, body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // Larger than the configured limit.
        let mut tx = app.store.begin(&Actor::system()).await.unwrap();
        accounts::set_setting(
            &mut tx,
            dignity_store::violations::SETTING_MAX_UPLOAD,
            "1000000",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let body = multipart(&[], Some(("big.bin", &data)), "XyZ", false);
        let (s, e, _) = app.call(common::evidence_upload(&dora, body)).await;
        assert_eq!(
            s,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            String::from_utf8_lossy(&e)
        );
        // None of the refused uploads left a record, a stored file or a temporary file.
        assert_eq!(count(&app.store, "vio_evidence").await, records);
        assert_eq!(tmp_files(&app.store), 0, "{b:?}: no orphan temporary files");
        let stored = std::fs::read_dir(app.store.data_dir().join("files/sha256"))
            .unwrap()
            .count();
        assert_eq!(stored, 1, "only the accepted file is stored");
        // An analyst may not upload.
        let body = multipart(&[], Some(("a.bin", b"abc")), "XyZ", false);
        let (s, _, _) = app.call(common::evidence_upload(&ana, body)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn office_document_properties_are_shown_and_stripped_from_public_copies() {
    use calamine::Reader;
    use std::io::Read;
    for b in backends() {
        let app = app(b).await;
        let (_, dora) = app.user("dora", Role::Documenter).await;
        let (_, ev) = app
            .api(
                &dora,
                "POST",
                "/api/v1/violations/events",
                Some(serde_json::json!({"title": "Prison visit"})),
            )
            .await;
        let ev = ev["id"].as_i64().unwrap();
        // A real workbook, written by a spreadsheet library with its document properties.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let props = rust_xlsxwriter::DocProperties::new()
            .set_title("Detainee list")
            .set_author("Rosa Mamani")
            .set_company("Comisión de Derechos");
        wb.set_properties(&props);
        let sheet = wb.add_worksheet();
        sheet
            .write_string(0, 0, "Cell block C: 14 detainees")
            .unwrap();
        // A reviewer's note on a cell: its author is named inside the workbook (as Excel
        // writes the user's name as the default author).
        sheet.set_default_note_author("Omar Haddad");
        sheet
            .insert_note(
                0,
                0,
                &rust_xlsxwriter::Note::new("Count again on the next visit")
                    .set_author("Omar Haddad"),
            )
            .unwrap();
        let xlsx = wb.save_to_buffer().unwrap();
        let ev_s = ev.to_string();
        // Sent as application/octet-stream: recognised as a spreadsheet by its contents.
        let body = multipart(
            &[
                ("title", "Detainee list"),
                ("event_id", &ev_s),
                ("confidentiality", "internal"),
            ],
            Some(("list.xlsx", &xlsx)),
            "XyZ",
            false,
        );
        let (s, rec) = app.upload(&dora, body).await;
        assert_eq!(s, StatusCode::CREATED, "{rec}");
        assert_eq!(
            rec["media_type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let id = rec["id"].as_i64().unwrap();
        let (_, e) = app
            .api(&dora, "GET", &format!("/api/v1/evidence/{id}"), None)
            .await;
        assert_eq!(e["metadata"]["Author"], "Rosa Mamani", "{e}");
        assert_eq!(e["metadata"]["Title"], "Detainee list");
        assert_eq!(e["metadata"]["Company"], "Comisión de Derechos");
        assert_eq!(e["metadata"]["People"], "Omar Haddad", "{e}");
        assert!(e["metadata"]["Created"]
            .as_str()
            .is_some_and(|d| d.len() >= 10));
        // The metadata is stored encrypted.
        let stored = one_text(
            &app.store,
            &format!("SELECT metadata FROM vio_evidence WHERE id = {id}"),
        )
        .await;
        assert!(!stored.contains("Rosa"));
        // The evidence page shows the properties under their names, with the copy button.
        let mut br = Browser::new(&app.router);
        br.login("dora").await;
        let page = br.get(&format!("/violations/evidence/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains(">Author</dt><dd dir=\"auto\">Rosa Mamani</dd>"),
            "{}",
            page.body
        );
        assert!(page
            .body
            .contains(&format!("/violations/evidence/{id}/public-copy")));
        assert!(
            page.body
                .contains(">Comment and revision authors</dt><dd dir=\"auto\">Omar Haddad</dd>"),
            "{}",
            page.body
        );

        // The public copy: a derivative without the properties that still opens.
        let (s, c) = app
            .api(
                &dora,
                "POST",
                &format!("/api/v1/evidence/{id}/public-copy"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let copy = c["id"].as_i64().unwrap();
        let (_, ce) = app
            .api(&dora, "GET", &format!("/api/v1/evidence/{copy}"), None)
            .await;
        assert_eq!(ce["derivation"], "public_copy");
        assert_eq!(ce["original_id"], id);
        assert!(ce["metadata"].get("Author").is_none(), "{ce}");
        let (s, bytes, _) = app
            .call(
                Request::get(format!("/api/v1/evidence/{copy}/content"))
                    .header(header::AUTHORIZATION, format!("Bearer {dora}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("the copy is a zip");
        let mut core = String::new();
        z.by_name("docProps/core.xml")
            .unwrap()
            .read_to_string(&mut core)
            .unwrap();
        assert!(
            !core.contains("Rosa") && !core.contains("creator"),
            "{core}"
        );
        let mut app_xml = String::new();
        z.by_name("docProps/app.xml")
            .unwrap()
            .read_to_string(&mut app_xml)
            .unwrap();
        assert!(!app_xml.contains("Comisi"));
        // No part of the copy names the note's author; the note itself is kept.
        let mut all = String::new();
        for i in 0..z.len() {
            let mut part = String::new();
            if z.by_index(i).unwrap().read_to_string(&mut part).is_ok() {
                all.push_str(&part);
            }
        }
        assert!(!all.contains("Omar") && !all.contains("Rosa"), "{all}");
        assert!(all.contains("Count again on the next visit"));
        assert!(ce["metadata"].get("People").is_none(), "{ce}");
        // …and it still opens as the same workbook.
        let mut x =
            calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).expect("opens as a workbook");
        let sheet = x.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(
            sheet.get_value((0, 0)).unwrap().to_string(),
            "Cell block C: 14 detainees"
        );
        // A plain zip cannot be cleaned here: a clear refusal, nothing stored.
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("notes.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, b"notes").unwrap();
        let plain = w.finish().unwrap().into_inner();
        let body = multipart(
            &[("event_id", &ev_s), ("confidentiality", "internal")],
            Some(("notes.zip", &plain)),
            "XyZ",
            false,
        );
        let (_, rec, _) = app.call(common::evidence_upload(&dora, body)).await;
        let rec: serde_json::Value = serde_json::from_slice(&rec).unwrap();
        assert_eq!(rec["media_type"], "application/zip");
        let before = count(&app.store, "vio_evidence").await;
        let (s, e) = app
            .api(
                &dora,
                "POST",
                &format!("/api/v1/evidence/{}/public-copy", rec["id"]),
                None,
            )
            .await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("media_type"))
        );
        assert_eq!(count(&app.store, "vio_evidence").await, before);
    }
}

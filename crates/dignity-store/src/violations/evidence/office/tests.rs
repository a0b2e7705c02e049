use super::*;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

fn package(parts: &[(&str, &str, CompressionMethod)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text, method) in parts {
        w.start_file(
            *name,
            SimpleFileOptions::default().compression_method(*method),
        )
        .unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const DEFLATE: CompressionMethod = CompressionMethod::Deflated;

/// A minimal Word document, as Word writes its parts.
fn docx() -> Vec<u8> {
    package(&[
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#,
            DEFLATE,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
            DEFLATE,
        ),
        (
            "word/document.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Statement of the witness.</w:t></w:r></w:p></w:body></w:document>"#,
            DEFLATE,
        ),
        (
            "docProps/core.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Interview notes</dc:title><dc:creator>Rosa Mamani</dc:creator><cp:lastModifiedBy>Juan P&#233;rez &amp; co</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">2024-03-05T09:12:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-06T17:40:00Z</dcterms:modified></cp:coreProperties>"#,
            DEFLATE,
        ),
        (
            "docProps/app.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Template>Normal.dotm</Template><Application>Microsoft Office Word</Application><AppVersion>16.0000</AppVersion><Company>Comisión de Derechos</Company></Properties>"#,
            DEFLATE,
        ),
    ])
}

/// A minimal OpenDocument text: `mimetype` first and stored, as ODF requires.
fn odt() -> Vec<u8> {
    package(&[
        (
            "mimetype",
            "application/vnd.oasis.opendocument.text",
            CompressionMethod::Stored,
        ),
        (
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
            DEFLATE,
        ),
        (
            "content.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:text><text:p>Visit report</text:p></office:text></office:body></office:document-content>"#,
            DEFLATE,
        ),
        (
            "meta.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:meta><meta:initial-creator>Айгуль Садыкова</meta:initial-creator><dc:creator>Omar Haddad</dc:creator><meta:creation-date>2024-02-01T10:00:00</meta:creation-date><dc:date>2024-02-03T08:30:00</dc:date><meta:generator>LibreOffice/7.4.7.2$Linux_X86_64</meta:generator><dc:title>Prison visit</dc:title><meta:editing-cycles>4</meta:editing-cycles></office:meta></office:document-meta>"#,
            DEFLATE,
        ),
    ])
}

fn names(bytes: &[u8]) -> Vec<(String, CompressionMethod)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let f = z.by_index(i).unwrap();
            (f.name().unwrap().into_owned(), f.compression())
        })
        .collect()
}

fn read_part(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    part(&mut z, name).unwrap()
}

#[test]
fn word_document_properties_are_read_and_stripped() {
    let d = docx();
    assert_eq!(
        package_type(Cursor::new(&d)).as_deref(),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    let p = package_properties(Cursor::new(&d));
    assert_eq!(p["Author"], "Rosa Mamani");
    assert_eq!(p["LastModifiedBy"], "Juan Pérez & co");
    assert_eq!(p["Title"], "Interview notes");
    assert_eq!(p["Created"], "2024-03-05T09:12:00Z");
    assert_eq!(p["Modified"], "2024-03-06T17:40:00Z");
    assert_eq!(p["Application"], "Microsoft Office Word 16.0000");
    assert_eq!(p["Company"], "Comisión de Derechos");

    let clean = strip_metadata(
        &d,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    .unwrap();
    // Still a zip with the same parts in the same order, the text untouched…
    assert_eq!(names(&clean), names(&d));
    assert_eq!(
        read_part(&clean, "word/document.xml"),
        read_part(&d, "word/document.xml")
    );
    assert_eq!(
        read_part(&clean, "_rels/.rels"),
        read_part(&d, "_rels/.rels")
    );
    // …and no properties, no names anywhere in the package.
    assert!(package_properties(Cursor::new(&clean)).is_empty());
    let core = read_part(&clean, "docProps/core.xml");
    assert!(
        core.contains("<cp:coreProperties") && !core.contains("creator"),
        "{core}"
    );
    for part in ["docProps/core.xml", "docProps/app.xml"] {
        let t = read_part(&clean, part);
        for name in ["Rosa", "Juan", "Comisi", "Word", "2024"] {
            assert!(!t.contains(name), "{name} in {part}");
        }
    }
}

#[test]
fn opendocument_properties_are_read_and_stripped_keeping_the_mimetype_first() {
    let d = odt();
    assert_eq!(
        package_type(Cursor::new(&d)).as_deref(),
        Some("application/vnd.oasis.opendocument.text")
    );
    let p = package_properties(Cursor::new(&d));
    assert_eq!(p["Author"], "Айгуль Садыкова");
    assert_eq!(p["LastModifiedBy"], "Omar Haddad");
    assert_eq!(p["Created"], "2024-02-01T10:00:00");
    assert_eq!(p["Modified"], "2024-02-03T08:30:00");
    assert_eq!(p["Title"], "Prison visit");
    assert!(p["Application"]
        .as_str()
        .unwrap()
        .starts_with("LibreOffice/7.4"));

    let clean = strip_metadata(&d, "application/vnd.oasis.opendocument.text").unwrap();
    let n = names(&clean);
    assert_eq!(n[0], ("mimetype".to_string(), CompressionMethod::Stored));
    assert_eq!(n, names(&d));
    assert!(package_properties(Cursor::new(&clean)).is_empty());
    let meta = read_part(&clean, "meta.xml");
    assert!(meta.contains("office:version=\"1.3\""), "{meta}");
    assert!(!meta.contains("Omar") && !meta.contains("Айгуль") && !meta.contains("LibreOffice"));
    assert_eq!(
        read_part(&clean, "content.xml"),
        read_part(&d, "content.xml")
    );
}

/// A Word document with two reviewers' comments, a tracked change, the people list and
/// a page preview — as Word 2016 writes them.
fn reviewed_docx() -> Vec<u8> {
    package(&[
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="jpeg" ContentType="image/jpeg"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/thumbnail.jpeg" ContentType="image/jpeg"/><Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>"#,
            DEFLATE,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail" Target="docProps/thumbnail.jpeg"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
            DEFLATE,
        ),
        (
            "word/document.xml",
            r#"<w:document xmlns:w="x"><w:body><w:p><w:ins w:id="1" w:author="Rosa Mamani" w:date="2024-03-05T09:00:00Z"><w:r><w:t>The guards beat him.</w:t></w:r></w:ins><w:r xw:author="kept"><w:t>Cell 4.</w:t></w:r></w:p></w:body></w:document>"#,
            DEFLATE,
        ),
        (
            "word/comments.xml",
            r#"<w:comments xmlns:w="x"><w:comment w:id="0" w:author="Juan P&#233;rez" w:date="2024-03-06T10:00:00Z" w:initials="JP"><w:p><w:r><w:t>Check the date with the lawyer</w:t></w:r></w:p></w:comment><w:comment w:id="1" w:author='Айгуль' w:initials="AS"><w:p><w:r><w:t>Second source?</w:t></w:r></w:p></w:comment></w:comments>"#,
            DEFLATE,
        ),
        (
            "word/people.xml",
            r#"<w15:people xmlns:w15="y"><w15:person w15:author="Juan Pérez"><w15:presenceInfo w15:providerId="AD" w15:userId="S::juan.perez@ngo.example::1234"/></w15:person></w15:people>"#,
            DEFLATE,
        ),
        (
            "docProps/thumbnail.jpeg",
            "\u{ff}\u{d8}unredacted page",
            CompressionMethod::Stored,
        ),
    ])
}

#[test]
fn comment_and_revision_authors_and_the_preview_are_found_and_removed() {
    let d = reviewed_docx();
    let p = package_properties(Cursor::new(&d));
    assert_eq!(p["People"], "Juan Pérez; Rosa Mamani; Айгуль");
    assert_eq!(p["Thumbnail"], "docProps/thumbnail.jpeg");

    let clean = strip_metadata(
        &d,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    .unwrap();
    assert!(package_properties(Cursor::new(&clean)).is_empty());
    let n: Vec<String> = names(&clean).into_iter().map(|(n, _)| n).collect();
    assert!(!n.iter().any(|n| n.contains("thumbnail")), "{n:?}");
    let mut all = String::new();
    for name in &n {
        let t = read_part(&clean, name);
        for who in [
            "Rosa",
            "Juan",
            "P&#233;rez",
            "Айгуль",
            "juan.perez",
            "JP",
            "AS\"",
            "thumbnail",
        ] {
            assert!(!t.contains(who), "{who} in {name}: {t}");
        }
        all.push_str(&t);
    }
    // The words of the document and of the comments stay; so does another namespace's
    // attribute that only ends like an author's.
    for kept in [
        "The guards beat him.",
        "Check the date with the lawyer",
        "Second source?",
        "xw:author=\"kept\"",
        "w:date=\"2024-03-06T10:00:00Z\"",
    ] {
        assert!(all.contains(kept), "{kept}");
    }
    let rels = read_part(&clean, "_rels/.rels");
    assert!(
        rels.contains("word/document.xml") && rels.ends_with("</Relationships>"),
        "{rels}"
    );
    let types = read_part(&clean, "[Content_Types].xml");
    assert!(
        types.contains("/word/comments.xml") && types.contains("Extension=\"jpeg\""),
        "{types}"
    );
}

#[test]
fn spreadsheet_presentation_and_opendocument_reviewers_are_removed() {
    let xlsx = package(&[
        ("xl/workbook.xml", "<workbook/>", DEFLATE),
        (
            "xl/comments1.xml",
            r#"<comments><authors><author>Omar Haddad</author><author>tc={1}</author></authors><commentList><comment ref="B2" authorId="0"><text><r><rPr><b/></rPr><t>Omar Haddad:</t></r><r><t xml:space="preserve">3 victims, see Omar Haddad: later</t></r></text></comment></commentList></comments>"#,
            DEFLATE,
        ),
        (
            "xl/persons/person.xml",
            r#"<personList><person displayName="Omar Haddad" id="{1}" userId="omar@ngo.example" providerId="None"/></personList>"#,
            DEFLATE,
        ),
    ]);
    assert_eq!(
        package_properties(Cursor::new(&xlsx))["People"],
        "Omar Haddad"
    );
    let clean = strip_package(&xlsx).unwrap();
    assert!(package_properties(Cursor::new(&clean)).is_empty());
    assert!(!read_part(&clean, "xl/persons/person.xml").contains("omar"));
    let c = read_part(&clean, "xl/comments1.xml");
    assert!(c.starts_with("<comments><authors><author></author>"), "{c}");
    // Excel's bold "author:" run at the start of a note goes; the note's own words are
    // the document's content and stay, even where they name someone.
    assert!(
        c.contains("<t></t></r><r><t xml:space=\"preserve\">3 victims, see Omar Haddad: later</t>"),
        "{c}"
    );

    let pptx = package(&[
        ("ppt/presentation.xml", "<p/>", DEFLATE),
        (
            "ppt/commentAuthors.xml",
            r#"<p:cmAuthorLst><p:cmAuthor id="0" name="Lena Petrova" initials="LP" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>"#,
            DEFLATE,
        ),
    ]);
    assert_eq!(
        package_properties(Cursor::new(&pptx))["People"],
        "Lena Petrova"
    );
    let clean = strip_package(&pptx).unwrap();
    assert!(package_properties(Cursor::new(&clean)).is_empty());

    let odt = package(&[
        (
            "mimetype",
            "application/vnd.oasis.opendocument.text",
            CompressionMethod::Stored,
        ),
        (
            "content.xml",
            r#"<office:text><office:annotation><dc:creator>Omar Haddad</dc:creator><dc:date>2024-02-03T08:30:00</dc:date><text:p>ask the family</text:p></office:annotation><text:changed-region><office:change-info><dc:creator>Айгуль Садыкова</dc:creator></office:change-info></text:changed-region><text:p>Detained on 3 May.</text:p></office:text>"#,
            DEFLATE,
        ),
        (
            "Thumbnails/thumbnail.png",
            "\u{89}PNG the first page",
            CompressionMethod::Stored,
        ),
        (
            "META-INF/manifest.xml",
            r#"<manifest:manifest><manifest:file-entry manifest:full-path="Thumbnails/thumbnail.png" manifest:media-type="image/png"/></manifest:manifest>"#,
            DEFLATE,
        ),
    ]);
    let p = package_properties(Cursor::new(&odt));
    assert_eq!(p["People"], "Omar Haddad; Айгуль Садыкова");
    assert_eq!(p["Thumbnail"], "Thumbnails/thumbnail.png");
    let clean = strip_package(&odt).unwrap();
    assert!(package_properties(Cursor::new(&clean)).is_empty());
    assert_eq!(
        names(&clean),
        names(&odt),
        "the manifest still lists every part"
    );
    let c = read_part(&clean, "content.xml");
    assert!(
        !c.contains("Omar")
            && !c.contains("Айгуль")
            && c.contains("ask the family")
            && c.contains("Detained on 3 May."),
        "{c}"
    );
    let mut z = zip::ZipArchive::new(Cursor::new(&clean)).unwrap();
    let mut png = Vec::new();
    z.by_name("Thumbnails/thumbnail.png")
        .unwrap()
        .read_to_end(&mut png)
        .unwrap();
    assert_eq!(png, BLANK_PNG);
}

#[test]
fn the_blank_preview_is_a_valid_png() {
    // Signature, IHDR of a 1×1 RGBA image, IDAT that inflates to one filtered row, IEND;
    // every chunk's CRC right (what a decoder checks).
    assert!(BLANK_PNG.starts_with(b"\x89PNG\r\n\x1a\n"));
    let mut i = 8;
    let mut kinds = Vec::new();
    while i < BLANK_PNG.len() {
        let len = u32::from_be_bytes(BLANK_PNG[i..i + 4].try_into().unwrap()) as usize;
        let body = &BLANK_PNG[i + 4..i + 8 + len];
        let crc = u32::from_be_bytes(BLANK_PNG[i + 8 + len..i + 12 + len].try_into().unwrap());
        let mut c = flate2::Crc::new();
        c.update(body);
        assert_eq!(c.sum(), crc, "CRC of {:?}", std::str::from_utf8(&body[..4]));
        let data = &body[4..];
        match &body[..4] {
            b"IHDR" => assert_eq!(&data[..10], &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6]),
            b"IDAT" => {
                let mut row = Vec::new();
                flate2::read::ZlibDecoder::new(data)
                    .read_to_end(&mut row)
                    .unwrap();
                assert_eq!(row, [0u8; 5]);
            }
            _ => {}
        }
        kinds.push(body[..4].to_vec());
        i += 12 + len;
    }
    assert_eq!(
        kinds,
        [b"IHDR".to_vec(), b"IDAT".to_vec(), b"IEND".to_vec()]
    );
}

#[test]
fn other_zips_and_broken_packages_are_left_alone() {
    let plain = package(&[("notes.txt", "hello", DEFLATE)]);
    assert_eq!(package_type(Cursor::new(&plain)), None);
    assert!(package_properties(Cursor::new(&plain)).is_empty());
    assert_eq!(strip_metadata(&plain, "application/zip"), None);
    let d = docx();
    assert_eq!(strip_metadata(&d[..d.len() / 2], "application/zip"), None);
    assert!(package_properties(Cursor::new(&d[..d.len() / 2])).is_empty());
    assert_eq!(xml_text("<a:b/>", "a:b"), None);
    assert_eq!(
        xml_text("<a:bc>x</a:bc><a:b k=\"1\">y &lt;z&gt; &#x41;</a:b>", "a:b").as_deref(),
        Some("y <z> A")
    );
}

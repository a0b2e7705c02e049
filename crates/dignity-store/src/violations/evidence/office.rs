//! Office documents (DOCX, XLSX, PPTX, ODT, ODS, ODP): document properties read, and
//! stripped with the names of reviewers and the preview for public copies.

use super::*;

/// Media types of office packages whose document properties are read and stripped.
pub const OFFICE_TYPES: &[(&str, &str)] = &[
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
];

/// Whether a media type is a zip package that may carry document properties.
pub fn is_package(media_type: &str) -> bool {
    media_type == "application/zip"
        || media_type.starts_with("application/vnd.openxmlformats-officedocument.")
        || media_type.starts_with("application/vnd.oasis.opendocument.")
}

/// Whether a public copy without metadata can be made of this media type here.
pub fn can_strip(media_type: &str) -> bool {
    matches!(media_type, "image/jpeg" | "image/png") || is_package(media_type)
}

/// The media type of a zip that is an office document (DOCX, XLSX, PPTX by their main part;
/// ODF by its `mimetype` entry), or `None` for another zip.
pub fn package_type<R: Read + std::io::Seek>(r: R) -> Option<String> {
    let mut z = zip::ZipArchive::new(r).ok()?;
    for (part, t) in OFFICE_TYPES {
        if z.index_for_name(part).is_some() {
            return Some((*t).to_string());
        }
    }
    let mut m = String::new();
    z.by_name("mimetype")
        .ok()?
        .take(200)
        .read_to_string(&mut m)
        .ok()?;
    let m = m.trim();
    m.starts_with("application/vnd.oasis.opendocument.")
        .then(|| m.to_string())
}

/// Read one part of a package as text (at most 4 MiB).
fn part<R: Read + std::io::Seek>(z: &mut zip::ZipArchive<R>, name: &str) -> Option<String> {
    let mut s = String::new();
    z.by_name(name)
        .ok()?
        .take(4 << 20)
        .read_to_string(&mut s)
        .ok()?;
    Some(s)
}

/// The text of the first `<tag …>text</tag>` element in `xml` (entities decoded), if not empty.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}");
    let mut from = 0;
    while let Some(i) = xml[from..].find(&open) {
        let start = from + i + open.len();
        let rest = &xml[start..];
        // `<dc:title>` or `<dc:title attr="…">`, not `<dc:titles>` nor `<dc:title/>`.
        match rest.chars().next() {
            Some('>') | Some(' ') | Some('\t') | Some('\n') | Some('\r') => {}
            _ => {
                from = start;
                continue;
            }
        }
        let gt = rest.find('>')?;
        if rest[..gt].ends_with('/') {
            return None;
        }
        let body = &rest[gt + 1..];
        let end = body.find(&format!("</{tag}>"))?;
        let text = unescape_xml(body[..end].trim());
        return (!text.is_empty()).then(|| text.chars().take(500).collect());
    }
    None
}

fn unescape_xml(s: &str) -> String {
    dignity_core::entities::decode(s, 10)
}

/// Document properties of an office package: OOXML (`docProps/core.xml`, `docProps/app.xml`)
/// or ODF (`meta.xml`). Keys as for PDF: Title, Subject, Keywords, Description, Author,
/// LastModifiedBy, Created, Modified, Application, Company, Manager.
pub fn package_properties<R: Read + std::io::Seek>(
    r: R,
) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    let mut r = r;
    if !crate::ingest::package_fits(&mut r) {
        return out;
    }
    let Ok(mut z) = zip::ZipArchive::new(r) else {
        return out;
    };
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.insert(k.into(), serde_json::Value::String(v));
        }
    };
    if let Some(core) = part(&mut z, "docProps/core.xml") {
        put("Title", xml_text(&core, "dc:title"));
        put("Subject", xml_text(&core, "dc:subject"));
        put("Keywords", xml_text(&core, "cp:keywords"));
        put("Description", xml_text(&core, "dc:description"));
        put("Author", xml_text(&core, "dc:creator"));
        put("LastModifiedBy", xml_text(&core, "cp:lastModifiedBy"));
        put("Created", xml_text(&core, "dcterms:created"));
        put("Modified", xml_text(&core, "dcterms:modified"));
    }
    if let Some(app) = part(&mut z, "docProps/app.xml") {
        let name = xml_text(&app, "Application");
        let version = xml_text(&app, "AppVersion");
        put(
            "Application",
            name.map(|n| match version {
                Some(v) => format!("{n} {v}"),
                None => n,
            }),
        );
        put("Company", xml_text(&app, "Company"));
        put("Manager", xml_text(&app, "Manager"));
    }
    if let Some(meta) = part(&mut z, "meta.xml") {
        // ODF: the initial creator is the author; dc:creator is who saved it last.
        put("Title", xml_text(&meta, "dc:title"));
        put("Subject", xml_text(&meta, "dc:subject"));
        put("Keywords", xml_text(&meta, "meta:keyword"));
        put("Description", xml_text(&meta, "dc:description"));
        put("Author", xml_text(&meta, "meta:initial-creator"));
        put("LastModifiedBy", xml_text(&meta, "dc:creator"));
        put("Created", xml_text(&meta, "meta:creation-date"));
        put("Modified", xml_text(&meta, "dc:date"));
        put("Application", xml_text(&meta, "meta:generator"));
    }
    // Who commented or tracked changes (names inside the document's parts, not its
    // properties), and whether it carries a preview image of a page (which may show an
    // earlier, unredacted version).
    let mut people = std::collections::BTreeSet::new();
    let mut thumbnail = None;
    let names: Vec<String> = z
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    for name in names {
        if is_thumbnail(&name) {
            // A public copy's blank preview is not one.
            let mut head = Vec::new();
            let blank = z.by_name(&name).is_ok_and(|f| {
                f.size() == BLANK_PNG.len() as u64 && f.take(256).read_to_end(&mut head).is_ok()
            }) && head == BLANK_PNG;
            if !blank {
                thumbnail.get_or_insert(name);
            }
        } else if names_people(&name) {
            if let Some(xml) = part_limited(&mut z, &name, PART_LIMIT) {
                people.extend(people_in(&name, &xml));
            }
        }
    }
    if !people.is_empty() {
        put(
            "People",
            Some(people.into_iter().collect::<Vec<_>>().join("; ")),
        );
    }
    put("Thumbnail", thumbnail);
    out
}

/// The largest part read to look for or remove names (uncompressed): a package with a
/// bigger XML part cannot be cleaned here, and no public copy is made of it.
const PART_LIMIT: u64 = 64 << 20;

/// Read one part of a package as text, `None` when absent, not UTF-8 or over `limit`.
fn part_limited<R: Read + std::io::Seek>(
    z: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Option<String> {
    let f = z.by_name(name).ok()?;
    if f.size() > limit {
        return None;
    }
    let mut s = String::new();
    f.take(limit).read_to_string(&mut s).ok()?;
    Some(s)
}

/// A page preview stored in the package: OOXML `docProps/thumbnail.*`, ODF
/// `Thumbnails/thumbnail.png`.
fn is_thumbnail(name: &str) -> bool {
    name.starts_with("docProps/thumbnail.") || name.starts_with("Thumbnails/")
}

/// Where a part of an office package names people: the attributes and the elements that
/// hold a comment's or a revision's author, by part. Empty for other parts.
fn people_rules(name: &str) -> (&'static [&'static str], &'static [&'static str]) {
    let xml = name.ends_with(".xml");
    if xml && name.starts_with("word/") {
        // Comments, tracked insertions/deletions/format changes, the people list (Word 2013+).
        (
            &[
                "w:author",
                "w:initials",
                "w15:author",
                "w15:userId",
                "w15:providerId",
            ],
            &[],
        )
    } else if xml && name.starts_with("xl/") {
        // Legacy comments list their authors; threaded comments refer to persons; shared
        // workbooks log the user of each revision.
        (
            &["displayName", "userId", "providerId", "userName"],
            &["author"],
        )
    } else if name == "ppt/commentAuthors.xml" || name == "ppt/authors.xml" {
        (&["name", "initials", "userId", "providerId"], &[])
    } else if name == "content.xml" || name == "styles.xml" {
        // ODF annotations and change tracking: <dc:creator> inside them.
        (&[], &["dc:creator"])
    } else {
        (&[], &[])
    }
}

/// Whether a part may name people (see [`people_rules`]).
fn names_people(name: &str) -> bool {
    let (attrs, elements) = people_rules(name);
    !attrs.is_empty() || !elements.is_empty()
}

/// The byte ranges of the values of attribute `attr` (`attr="…"` or `attr='…'`, preceded by
/// white space so that `xw:author` is not `w:author`).
fn attr_values(xml: &str, attr: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let b = xml.as_bytes();
    let mut from = 0;
    while let Some(i) = xml[from..].find(attr).map(|i| i + from) {
        from = i + attr.len();
        let before_ok = i > 0 && b[i - 1].is_ascii_whitespace();
        let rest = &b[from..];
        let eq = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
        if !before_ok || rest.get(eq) != Some(&b'=') {
            continue;
        }
        let q = from + eq + 1;
        let q = q + b[q..]
            .iter()
            .take_while(|c| c.is_ascii_whitespace())
            .count();
        let Some(&quote) = b.get(q).filter(|c| **c == b'"' || **c == b'\'') else {
            continue;
        };
        if let Some(end) = b[q + 1..].iter().position(|c| *c == quote) {
            out.push(q + 1..q + 1 + end);
            from = q + 1 + end;
        }
    }
    out
}

/// The byte ranges of the text of every `<tag>…</tag>` element (`<tag attr…>` too).
fn element_texts(xml: &str, tag: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut from = 0;
    while let Some(i) = xml[from..].find(&open).map(|i| i + from) {
        from = i + open.len();
        let Some(gt) = xml[from..].find('>').map(|g| g + from) else {
            break;
        };
        let next = xml.as_bytes()[from];
        if !(next == b'>' || next.is_ascii_whitespace()) || xml.as_bytes()[gt - 1] == b'/' {
            continue;
        }
        if let Some(end) = xml[gt + 1..].find(&close).map(|e| e + gt + 1) {
            out.push(gt + 1..end);
            from = end + close.len();
        }
    }
    out
}

fn person_ranges(name: &str, xml: &str) -> Vec<std::ops::Range<usize>> {
    let (attrs, elements) = people_rules(name);
    let mut r: Vec<_> = attrs
        .iter()
        .flat_map(|a| attr_values(xml, a))
        .chain(elements.iter().flat_map(|e| element_texts(xml, e)))
        .filter(|r| !r.is_empty())
        .collect();
    if name.starts_with("xl/comments") {
        // Excel starts a note's text with its author's name in a bold run of its own
        // ("Omar Haddad:"): that run goes too; the rest of the note is content and stays.
        let authors: Vec<String> = element_texts(xml, "author")
            .into_iter()
            .map(|a| format!("{}:", unescape_xml(xml[a].trim())))
            .collect();
        r.extend(
            element_texts(xml, "t")
                .into_iter()
                .filter(|t| authors.contains(&unescape_xml(xml[t.clone()].trim()))),
        );
    }
    r.sort_by_key(|r| r.start);
    r.dedup_by(|b, a| b.start < a.end);
    r
}

/// The names of people found in a part (entities decoded), for the evidence page: the
/// name-holding attributes and elements only (initials and account ids are removed from a
/// public copy too, but not listed).
fn people_in(name: &str, xml: &str) -> Vec<String> {
    const NAMES: &[&str] = &["w:author", "w15:author", "displayName", "userName", "name"];
    let (attrs, elements) = people_rules(name);
    attrs
        .iter()
        .filter(|a| NAMES.contains(a))
        .flat_map(|a| attr_values(xml, a))
        .chain(elements.iter().flat_map(|e| element_texts(xml, e)))
        .map(|r| unescape_xml(xml[r].trim()))
        // Excel's placeholder author of a threaded comment (`tc={id}`) is not a person.
        .filter(|n| !n.is_empty() && !n.starts_with("tc="))
        .collect()
}

/// The part with every person's name emptied, or `None` when it names nobody.
fn without_people(name: &str, xml: &str) -> Option<String> {
    let ranges = person_ranges(name, xml);
    if ranges.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(xml.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(&xml[at..r.start]);
        at = r.end;
    }
    out.push_str(&xml[at..]);
    Some(out)
}

/// `_rels/.rels` or `[Content_Types].xml` without the elements that point at a dropped
/// thumbnail (`Target="docProps/thumbnail.jpeg"`, `PartName="/docProps/thumbnail.jpeg"`).
fn without_thumbnail_refs(xml: &str, thumbnails: &[String]) -> Option<String> {
    let mut out = xml.to_string();
    let mut changed = false;
    for t in thumbnails {
        for needle in [
            format!("Target=\"{t}\""),
            format!("Target=\"/{t}\""),
            format!("PartName=\"/{t}\""),
        ] {
            while let Some(i) = out.find(&needle) {
                let (Some(start), Some(end)) = (out[..i].rfind('<'), out[i..].find("/>")) else {
                    break;
                };
                out.replace_range(start..i + end + 2, "");
                changed = true;
            }
        }
    }
    changed.then_some(out)
}

/// The parts of a package that hold document properties, and what replaces them: the same
/// part with no property in it (so that the package stays valid for its readers).
fn blank_part(name: &str, original: &str) -> Option<String> {
    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
    match name {
        "docProps/core.xml" => Some(format!(
            "{XML}\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
             xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"></cp:coreProperties>"
        )),
        "docProps/app.xml" => Some(format!(
            "{XML}\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
             xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"></Properties>"
        )),
        "docProps/custom.xml" => Some(format!(
            "{XML}\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" \
             xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"></Properties>"
        )),
        "meta.xml" => {
            // Keep the document's ODF version (its manifest names the same one).
            let version = original
                .find("office:version=\"")
                .and_then(|i| {
                    let r = &original[i + 16..];
                    r.find('"').map(|j| r[..j].to_string())
                })
                .filter(|v| v.len() <= 8 && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
                .unwrap_or_else(|| "1.2".into());
            Some(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta \
                 xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
                 xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" \
                 xmlns:dc=\"http://purl.org/dc/elements/1.1/\" office:version=\"{version}\"><office:meta/></office:document-meta>"
            ))
        }
        _ => None,
    }
}

/// A copy of an office package (DOCX, XLSX, PPTX, ODT, ODS, ODP…) without what identifies
/// the people who wrote it: the document properties are emptied, the authors of comments and
/// tracked changes blanked (the comments' text stays), and the page preview removed (OOXML:
/// the part and the references to it; ODF: replaced by a blank 1×1 image, as its manifest
/// lists it). Every other part is copied byte for byte, in the same order and with the same
/// compression (an ODF `mimetype` entry stays first and stored). `None` when the bytes are
/// not a zip, a part to clean cannot be read, or there was nothing to remove.
pub fn strip_package(bytes: &[u8]) -> Option<Vec<u8>> {
    if !crate::ingest::package_fits(&mut std::io::Cursor::new(bytes)) {
        return None;
    }
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(bytes.len())));
    let odf = z.index_for_name("mimetype").is_some();
    let dropped: Vec<String> = if odf {
        Vec::new()
    } else {
        z.file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .filter(|n| is_thumbnail(n))
            .collect()
    };
    let mut replaced = 0;
    for i in 0..z.len() {
        let (name, method) = {
            let f = z.by_index_raw(i).ok()?;
            (f.name().ok()?.into_owned(), f.compression())
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        if is_thumbnail(&name) {
            replaced += 1;
            if odf {
                w.start_file(name.as_str(), opts).ok()?;
                std::io::Write::write_all(&mut w, BLANK_PNG).ok()?;
            }
            continue;
        }
        let properties = matches!(
            name.as_str(),
            "docProps/core.xml" | "docProps/app.xml" | "docProps/custom.xml" | "meta.xml"
        );
        let refs = !dropped.is_empty() && (name == "_rels/.rels" || name == "[Content_Types].xml");
        let people = names_people(&name);
        let cleaned = if properties || refs || people {
            // A part that must be cleaned but cannot be read stops the copy.
            let original = part_limited(&mut z, &name, PART_LIMIT)?;
            if properties {
                blank_part(&name, &original)
            } else if refs {
                without_thumbnail_refs(&original, &dropped)
            } else {
                without_people(&name, &original)
            }
        } else {
            None
        };
        match cleaned {
            Some(text) => {
                w.start_file(name.as_str(), opts).ok()?;
                std::io::Write::write_all(&mut w, text.as_bytes()).ok()?;
                replaced += 1;
            }
            None => w.raw_copy_file(z.by_index_raw(i).ok()?).ok()?,
        }
    }
    if replaced == 0 {
        return None;
    }
    Some(w.finish().ok()?.into_inner())
}

/// A valid 1×1 transparent PNG: what an ODF package's preview becomes in a public copy.
const BLANK_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0B, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7A, 0x5E, 0xAB, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44,
    0xAE, 0x42, 0x60, 0x82,
];

#[cfg(test)]
mod tests;

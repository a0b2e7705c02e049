//! Metadata of images and PDF files: read (EXIF with GPS, PDF document properties) and
//! stripped for public copies (JPEG, PNG; office packages in `office`).

use super::*;

/// Extract metadata (EXIF with GPS for images; document properties for PDF and for office
/// packages: DOCX, XLSX, PPTX, ODT, ODS, ODP).
pub fn extract_metadata<R: Read + std::io::Seek>(
    mut f: R,
    media_type: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    if media_type.starts_with("image/") {
        {
            let mut r = std::io::BufReader::new(f);
            if let Ok(ex) = exif::Reader::new().read_from_container(&mut r) {
                let mut gps = (None, None, None, None);
                for field in ex.fields() {
                    if field.ifd_num != exif::In::PRIMARY {
                        continue;
                    }
                    let name = field.tag.to_string();
                    let val = field.display_value().with_unit(&ex).to_string();
                    match field.tag {
                        exif::Tag::GPSLatitude => gps.0 = dms(&field.value),
                        exif::Tag::GPSLatitudeRef => gps.1 = Some(val.clone()),
                        exif::Tag::GPSLongitude => gps.2 = dms(&field.value),
                        exif::Tag::GPSLongitudeRef => gps.3 = Some(val.clone()),
                        _ => {}
                    }
                    if val.len() <= 500 && !matches!(field.tag, exif::Tag::MakerNote) {
                        out.insert(name, serde_json::Value::String(val));
                    }
                }
                if let (Some(lat), Some(lon)) = (gps.0, gps.2) {
                    let lat = if gps.1.as_deref().is_some_and(|r| r.contains('S')) {
                        -lat
                    } else {
                        lat
                    };
                    let lon = if gps.3.as_deref().is_some_and(|r| r.contains('W')) {
                        -lon
                    } else {
                        lon
                    };
                    out.insert(
                        "GPS".into(),
                        serde_json::json!(format!("{lat:.6}, {lon:.6}")),
                    );
                }
            }
        }
    } else if is_package(media_type) {
        out = package_properties(std::io::BufReader::new(f));
    } else if media_type == "application/pdf" {
        {
            // The Info dictionary is near the start or the end; read both ends.
            let len = f.seek(std::io::SeekFrom::End(0)).unwrap_or(0);
            let _ = f.seek(std::io::SeekFrom::Start(0));
            let mut text = Vec::new();
            let mut buf = vec![0u8; (len.min(1 << 20)) as usize];
            if f.read_exact(&mut buf).is_ok() {
                text.extend_from_slice(&buf);
            }
            if len > (1 << 20) {
                let tail = (len - (1 << 20)).max(1 << 20);
                if f.seek(std::io::SeekFrom::Start(tail)).is_ok() {
                    let mut b = Vec::new();
                    let _ = f.read_to_end(&mut b);
                    text.extend_from_slice(&b);
                }
            }
            for key in [
                "Title",
                "Author",
                "Subject",
                "Keywords",
                "Creator",
                "Producer",
                "CreationDate",
                "ModDate",
            ] {
                if let Some(v) = pdf_string(&text, key) {
                    out.insert(key.into(), serde_json::Value::String(v));
                }
            }
        }
    }
    out
}

fn dms(v: &exif::Value) -> Option<f64> {
    match v {
        exif::Value::Rational(r) if r.len() >= 3 => {
            Some(r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0)
        }
        _ => None,
    }
}

/// `/Key (literal string)` in a PDF's bytes.
fn pdf_string(b: &[u8], key: &str) -> Option<String> {
    let pat = format!("/{key}");
    let pos = b.windows(pat.len()).position(|w| w == pat.as_bytes())?;
    let rest = &b[pos + pat.len()..];
    let rest = &rest[rest.iter().position(|c| !c.is_ascii_whitespace())?..];
    if rest.first() != Some(&b'(') {
        return None;
    }
    let mut depth = 0;
    let mut out = Vec::new();
    let mut esc = false;
    for &c in rest.iter().take(2000) {
        if esc {
            out.push(c);
            esc = false;
            continue;
        }
        match c {
            b'\\' => esc = true,
            b'(' => {
                depth += 1;
                if depth > 1 {
                    out.push(c);
                }
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    if out.starts_with(&[0xFE, 0xFF]) {
        let u: Vec<u16> = out[2..]
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return Some(String::from_utf16_lossy(&u));
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// A copy without its metadata: JPEG or PNG (EXIF, GPS, XMP, IPTC, comments, text chunks),
/// office packages (document properties). Other types cannot be cleaned here: `None`.
pub fn strip_metadata(bytes: &[u8], media_type: &str) -> Option<Vec<u8>> {
    match media_type {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        t if is_package(t) => strip_package(bytes),
        _ => None,
    }
}

fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = vec![0xFF, 0xD8];
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        if marker == 0xDA {
            // Start of scan: the rest is image data.
            out.extend_from_slice(&b[i..]);
            return Some(out);
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if i + 2 + len > b.len() {
            return None;
        }
        // Drop APP1 (EXIF, XMP), APP13 (IPTC) and other application segments except APP0
        // (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform); drop comments.
        let drop =
            (0xE1..=0xEF).contains(&marker) && marker != 0xE2 && marker != 0xEE || marker == 0xFE;
        if !drop {
            out.extend_from_slice(&b[i..i + 2 + len]);
        }
        i += 2 + len;
    }
    None
}

fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    let sig = b"\x89PNG\r\n\x1a\n";
    if !b.starts_with(sig) {
        return None;
    }
    let mut out = sig.to_vec();
    let mut i = 8;
    while i + 12 <= b.len() {
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let kind = &b[i + 4..i + 8];
        let end = i + 12 + len;
        if end > b.len() {
            return None;
        }
        if !matches!(kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME") {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

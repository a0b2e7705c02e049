//! Values that come from outside (a form, a JSON document, a query string, a file) and
//! end up somewhere dangerous: a filesystem path, a `Location` or `Content-Type` header,
//! a spreadsheet cell. Each is parsed into a type here, once, at the edge; the places that
//! build paths, headers or CSV files take only these types.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::types::ParseError;

/// The reasons the types of this module give when they refuse a value, in English: named
/// here so that a translation of them (the web's `parse.*` keys) follows any change of
/// wording at compile time.
pub mod reason {
    pub const SHA256_HEX: &str = "must be 64 lower-case hexadecimal characters";
    pub const PATH_START: &str = "must start with /";
    pub const PATH_LENGTH: &str = "is too long";
    pub const PATH_PRINTABLE: &str = "must be printable ASCII without spaces";
    pub const PATH_BACKSLASH: &str = "must not contain a backslash";
    pub const PATH_DOUBLE_SLASH: &str = "must not contain //";
    pub const PATH_PERCENT: &str = "has a broken percent-encoding";
    pub const PATH_ENCODED_CONTROL: &str = "must not encode control characters";
    pub const PATH_ENCODED_SLASH: &str = "must not encode a slash, backslash or % in the path";
    pub const PATH_SCHEME: &str = "must not look like a scheme";
    pub const MEDIA_TYPE: &str = "must be type/subtype (RFC 6838)";
}

fn err(what: &'static str, reason: &'static str, value: &str) -> ParseError {
    let mut v: String = value.chars().take(80).collect();
    if v.len() < value.len() {
        v.push('…');
    }
    ParseError {
        what,
        reason,
        value: v,
    }
}

// ------------------------------------------------------------------ Sha256 --

/// A SHA-256 digest as exactly 64 lower-case hexadecimal characters. Evidence files are
/// addressed by it, so that no text a user sends can become a filesystem path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256(String);

impl Sha256 {
    /// Exactly 64 characters `0-9a-f` (no trimming, no upper case: what is stored and
    /// compared is one spelling).
    pub fn parse(s: &str) -> Result<Sha256, ParseError> {
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(err("SHA-256", reason::SHA256_HEX, s));
        }
        Ok(Sha256(s.to_string()))
    }

    /// The digest of `bytes`.
    pub fn digest(bytes: &[u8]) -> Sha256 {
        use sha2::Digest;
        Sha256(hex::encode(sha2::Sha256::digest(bytes)))
    }

    /// From a finished hasher.
    pub fn from_bytes(bytes: [u8; 32]) -> Sha256 {
        Sha256(hex::encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two path segments of the content address (`ab`, `cdef…`): made only of hex
    /// digits, so they never contain a separator, `..` or anything else.
    pub fn segments(&self) -> (&str, &str) {
        self.0.split_at(2)
    }
}

impl FromStr for Sha256 {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sha256::parse(s)
    }
}
impl TryFrom<String> for Sha256 {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Sha256::parse(&s)
    }
}
impl From<Sha256> for String {
    fn from(v: Sha256) -> String {
        v.0
    }
}
impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl PartialEq<String> for Sha256 {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}
impl std::ops::Deref for Sha256 {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}
impl AsRef<str> for Sha256 {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
impl PartialEq<str> for Sha256 {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}
impl PartialEq<&str> for Sha256 {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

// --------------------------------------------------------------- LocalPath --

/// A same-site relative address to send a browser back to (`back=`, `next=`): it starts
/// with exactly one `/`, and has no `//` or `\` at its start, no control or space
/// characters, no percent-encoded control characters, slashes or backslashes, and no
/// scheme. Anything else is refused, and the caller falls back to a fixed address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct LocalPath(String);

impl LocalPath {
    pub fn parse(s: &str) -> Result<LocalPath, ParseError> {
        let bad = |reason| Err(err("local address", reason, s));
        if !s.starts_with('/') {
            return bad(reason::PATH_START);
        }
        if s.len() > 2048 {
            return bad(reason::PATH_LENGTH);
        }
        // Printable ASCII only: no control characters (a tab or newline would be dropped
        // by the browser and turn `/\t/evil` into `//evil`), no spaces, no non-ASCII.
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return bad(reason::PATH_PRINTABLE);
        }
        if s.contains('\\') {
            return bad(reason::PATH_BACKSLASH);
        }
        // The path part (before `?` or `#`).
        let path = s.split(['?', '#']).next().unwrap_or("");
        if path.contains("//") {
            return bad(reason::PATH_DOUBLE_SLASH);
        }
        // No encoded control characters anywhere (`/%09/evil`, `%0d%0a`), and no encoded
        // slash, backslash or percent sign in the path (`/%2F/evil`, `/%5Cevil`), which a
        // decoding proxy or framework could turn into one.
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    None => return bad(reason::PATH_PERCENT),
                    Some(b) if b < 0x20 || b == 0x7f => return bad(reason::PATH_ENCODED_CONTROL),
                    Some(b'\\' | b'/' | b'%') if i < path.len() => {
                        return bad(reason::PATH_ENCODED_SLASH)
                    }
                    Some(_) => i += 3,
                }
            } else {
                i += 1;
            }
        }
        // No scheme: the first segment never holds a `:` (`/javascript:` is a path, but
        // refuse it anyway so that nothing looks like one).
        let first = path[1..].split('/').next().unwrap_or("");
        if first.contains(':') {
            return bad(reason::PATH_SCHEME);
        }
        Ok(LocalPath(s.to_string()))
    }

    /// The value, or `fallback` (which must itself be a good local path) when it does
    /// not parse.
    pub fn or(s: &str, fallback: &'static str) -> LocalPath {
        LocalPath::parse(s).unwrap_or_else(|_| {
            debug_assert!(LocalPath::parse(fallback).is_ok());
            LocalPath(fallback.to_string())
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LocalPath {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LocalPath::parse(s)
    }
}
impl From<LocalPath> for String {
    fn from(v: LocalPath) -> String {
        v.0
    }
}
impl fmt::Display for LocalPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// --------------------------------------------------------------- MediaType --

/// A media type `type/subtype` made of RFC 6838 token characters (lower case, no
/// parameters): safe to send as a `Content-Type` header. Anything else becomes
/// `application/octet-stream`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct MediaType(String);

pub const OCTET_STREAM: &str = "application/octet-stream";

fn restricted_name(s: &str) -> bool {
    // RFC 6838 section 4.2: restricted-name = restricted-name-first *126restricted-name-chars
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 127
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'!' | b'#' | b'$' | b'&' | b'-' | b'^' | b'_' | b'.' | b'+'
                )
        })
}

impl MediaType {
    /// Strictly: `type/subtype`, RFC 6838 names, parameters dropped.
    pub fn parse(s: &str) -> Result<MediaType, ParseError> {
        let t = s
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match t.split_once('/') {
            Some((a, b)) if restricted_name(a) && restricted_name(b) => Ok(MediaType(t)),
            _ => Err(err("media type", reason::MEDIA_TYPE, s)),
        }
    }

    /// The parsed type, or `application/octet-stream`.
    pub fn or_octet_stream(s: &str) -> MediaType {
        MediaType::parse(s).unwrap_or_else(|_| MediaType(OCTET_STREAM.into()))
    }

    pub fn octet_stream() -> MediaType {
        MediaType(OCTET_STREAM.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for MediaType {
    fn from(s: String) -> MediaType {
        MediaType::or_octet_stream(&s)
    }
}
impl From<&str> for MediaType {
    fn from(s: &str) -> MediaType {
        MediaType::or_octet_stream(s)
    }
}
impl From<MediaType> for String {
    fn from(v: MediaType) -> String {
        v.0
    }
}
impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl PartialEq<str> for MediaType {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}
impl PartialEq<&str> for MediaType {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A `Content-Disposition` value for a download named `filename` (RFC 6266): an ASCII
/// fallback `filename="…"` with anything outside safe printable ASCII replaced by `_`,
/// and `filename*=UTF-8''…` (RFC 5987) with the exact name percent-encoded. The result is
/// always a valid header value, whatever the name holds.
pub fn content_disposition(kind: &str, filename: &str) -> String {
    let kind = if kind == "inline" {
        "inline"
    } else {
        "attachment"
    };
    let name: String = filename
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string();
    let name = if name.is_empty() {
        "download".to_string()
    } else {
        name
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';' | '/') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut ext = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            )
        {
            ext.push(b as char);
        } else {
            ext.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{ext}")
}

// --------------------------------------------------------------------- CSV --

/// A CSV cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return) is written with a leading `'`, as OWASP recommends. Plain
/// numbers (`-12.5`) are left as they are: a spreadsheet reads them as numbers.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = s.len() > 1
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && s.parse::<f64>().is_ok_and(|v| v.is_finite());
    if risky && !number {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A CSV writer that neutralises every cell with [`csv_cell`]. Every CSV file the server
/// or the command line writes goes through it.
pub struct CsvWriter<W: std::io::Write>(csv::Writer<W>);

impl<W: std::io::Write> CsvWriter<W> {
    pub fn from_writer(w: W) -> CsvWriter<W> {
        CsvWriter(csv::Writer::from_writer(w))
    }

    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let cells: Vec<String> = record
            .into_iter()
            .map(|c| csv_cell(c.as_ref()).into_owned())
            .collect();
        self.0.write_record(&cells)
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }

    pub fn into_inner(self) -> Result<W, csv::IntoInnerError<csv::Writer<W>>> {
        self.0.into_inner()
    }
}

impl CsvWriter<std::fs::File> {
    pub fn from_path(path: impl AsRef<std::path::Path>) -> csv::Result<CsvWriter<std::fs::File>> {
        Ok(CsvWriter(csv::Writer::from_path(path)?))
    }
}

/// The text of a CSV document written with [`CsvWriter`].
pub fn csv_string<R, I, T>(rows: R) -> String
where
    R: IntoIterator<Item = I>,
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let mut w = CsvWriter::from_writer(Vec::new());
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_exactly_64_lower_hex() {
        let good = "ab".repeat(32);
        assert_eq!(Sha256::parse(&good).unwrap().as_str(), good);
        for bad in [
            "../../keys.json",
            "",
            "ab",
            &"AB".repeat(32),
            &format!("{}/", &"ab".repeat(32)[..63]),
            &format!(" {}", &"ab".repeat(32)[..63]),
            &"ab".repeat(33),
            &format!("..{}", &"ab".repeat(31)),
            &format!("{}é", &"ab".repeat(31)),
        ] {
            assert!(Sha256::parse(bad).is_err(), "{bad:?} parsed");
        }
        let parsed: Result<Sha256, _> = serde_json::from_value(serde_json::json!("../x"));
        assert!(parsed.is_err());
        let s = Sha256::digest(b"abc");
        assert_eq!(
            s.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(s.segments().0, "ba");
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!(s.as_str())
        );
    }

    #[test]
    fn local_path_accepts_only_same_site_paths() {
        for good in [
            "/",
            "/violations/events/3",
            "/search?q=a%20b&page=2",
            "/search?q=a%2Fb",
            "/x#top",
            "/a/b/?c=d/e",
        ] {
            assert!(LocalPath::parse(good).is_ok(), "{good:?} refused");
        }
        for bad in [
            "",
            "x",
            "//evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/\\evil.example",
            "/%5Cevil.example",
            "/%2F/evil.example",
            "/\n",
            "/%0A",
            "/%0d%0aSet-Cookie:x",
            "/search?q=%0A",
            "https://evil.example",
            "/https://evil.example",
            "/javascript:alert(1)",
            "/ x",
            "/é",
            "/a//b",
            "/%zz",
        ] {
            assert!(LocalPath::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(LocalPath::or("//evil", "/").as_str(), "/");
    }

    #[test]
    fn media_type_is_a_token_pair_or_octet_stream() {
        assert_eq!(
            MediaType::or_octet_stream("image/JPEG").as_str(),
            "image/jpeg"
        );
        assert_eq!(
            MediaType::or_octet_stream("text/plain; charset=utf-8").as_str(),
            "text/plain"
        );
        assert_eq!(
            MediaType::or_octet_stream(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            )
            .as_str(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        for bad in [
            "text/html\r\nSet-Cookie: a=b",
            "",
            "image",
            "a/b/c",
            "/x",
            "image/ jpeg",
            "ïmage/x",
        ] {
            assert_eq!(
                MediaType::or_octet_stream(bad).as_str(),
                OCTET_STREAM,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn content_disposition_is_always_a_valid_header() {
        let v = content_disposition("attachment", "a\"b\r\nSet-Cookie: x=1;ü.pdf");
        assert!(v.bytes().all(|b| b.is_ascii_graphic() || b == b' '), "{v}");
        assert!(
            v.starts_with("attachment; filename=\"a_bSet-Cookie: x=1_"),
            "{v}"
        );
        assert!(
            v.ends_with("filename*=UTF-8''a%22bSet-Cookie%3A%20x%3D1%3B%C3%BC.pdf"),
            "{v}"
        );
        assert_eq!(
            content_disposition("inline", ""),
            "inline; filename=\"download\"; filename*=UTF-8''download"
        );
    }

    #[test]
    fn csv_cells_that_start_a_formula_are_neutralised() {
        for (i, o) in [
            (
                "=HYPERLINK(\"http://evil\")",
                "'=HYPERLINK(\"http://evil\")",
            ),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("plain", "plain"),
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(i), o, "{i:?}");
        }
        let text = csv_string([["=1", "a"], ["b", "@x"]]);
        assert_eq!(text, "'=1,a\nb,'@x\n");
    }
}

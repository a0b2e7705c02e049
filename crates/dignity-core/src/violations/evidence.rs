//! Evidence items: their titles, what an item derives from (an original, or a working
//! copy, redaction, transcript, translation or public copy made from another item), and
//! the refusals of making a public copy and of exporting a package. The store keeps the
//! files and the rows.

use crate::Invalid;
use std::fmt;

/// How an item relates to the item it was made from, as stored.
pub const DERIVATIONS: &[&str] = &[
    "original",
    "working_copy",
    "redacted",
    "transcript",
    "translation",
    "public_copy",
];

/// The longest title of an item, in characters (a longer one is cut).
pub const TITLE_MAX: usize = 300;

/// An item's title: trimmed and cut to [`TITLE_MAX`] characters; empty is "untitled".
pub fn title(raw: &str) -> String {
    let t = raw.trim();
    if t.is_empty() {
        "untitled".to_string()
    } else {
        t.chars().take(TITLE_MAX).collect()
    }
}

/// What an item is: an original, or a derivative of another item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derivation {
    Original,
    WorkingCopy,
    Redacted,
    Transcript,
    Translation,
    PublicCopy,
}

impl Derivation {
    pub const ALL: [Derivation; 6] = [
        Derivation::Original,
        Derivation::WorkingCopy,
        Derivation::Redacted,
        Derivation::Transcript,
        Derivation::Translation,
        Derivation::PublicCopy,
    ];

    pub fn as_str(self) -> &'static str {
        DERIVATIONS[self as usize]
    }

    /// A derivation by its code (empty: an original), checked against `original_id`: a
    /// derivative names the item it was made from, an original names none.
    pub fn parse(raw: &str, original_id: Option<i64>) -> Result<Derivation, Invalid> {
        let d = match raw.trim() {
            "" => Derivation::Original,
            t => Derivation::ALL
                .into_iter()
                .find(|d| d.as_str() == t)
                .ok_or_else(|| {
                    Invalid::rule(
                        "derivation",
                        "vio.rule.derivation",
                        "expected one of {allowed}",
                    )
                    .arg("allowed", DERIVATIONS.join(", "))
                })?,
        };
        match (d, original_id) {
            (Derivation::Original, Some(_)) => Err(Invalid::rule(
                "derivation",
                "vio.rule.derivative_kind",
                "an item made from another one is a derivative (working_copy, redacted, transcript, translation or public_copy)",
            )),
            (Derivation::Original, None) | (_, Some(_)) => Ok(d),
            (_, None) => Err(Invalid::rule(
                "original_id",
                "vio.rule.derivative_original",
                "a derivative names the original it was made from",
            )),
        }
    }
}

impl fmt::Display for Derivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A public copy of a file whose metadata cannot be removed here.
pub fn no_public_copy(media_type: &str) -> Invalid {
    Invalid::rule(
        "media_type",
        "vio.rule.no_public_copy",
        "metadata cannot be removed from {media_type} files here; make a redacted copy by hand",
    )
    .arg("media_type", media_type)
}

/// A public copy of a document whose properties remained after they were removed.
pub fn properties_remain() -> Invalid {
    Invalid::rule(
        "media_type",
        "vio.rule.properties_remain",
        "the document's properties could not all be removed; nothing was stored",
    )
}

/// An export into a folder that holds something already.
pub fn out_not_empty(path: impl fmt::Display) -> Invalid {
    Invalid::rule("out", "vio.rule.out_not_empty", "{path} is not empty").arg("path", path)
}

/// An export into an archive that exists already.
pub fn out_exists(path: impl fmt::Display) -> Invalid {
    Invalid::rule("out", "vio.rule.out_exists", "{path} already exists").arg("path", path)
}

/// The name of an export archive (`name.tar`, the extension in either case) without its
/// extension: not empty, not hidden.
pub fn archive_name(file_name: Option<&str>) -> Result<String, Invalid> {
    file_name
        .map(|n| {
            n.trim_end_matches(".tar")
                .trim_end_matches(".TAR")
                .to_string()
        })
        .filter(|n| !n.is_empty() && !n.starts_with('.'))
        .ok_or_else(|| {
            Invalid::rule(
                "out",
                "vio.rule.archive_name",
                "the archive needs a file name ending in .tar",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_default_and_are_cut() {
        assert_eq!(title("  "), "untitled");
        assert_eq!(title(" Photo 1 "), "Photo 1");
        assert_eq!(title(&"é".repeat(400)).chars().count(), TITLE_MAX);
    }

    /// Every derivation with and without an original: a derivative needs one, an
    /// original has none.
    #[test]
    fn derivatives_name_their_original_and_originals_do_not() {
        for d in Derivation::ALL {
            assert_eq!(
                Derivation::parse(d.as_str(), Some(1)).is_ok(),
                d != Derivation::Original
            );
            assert_eq!(
                Derivation::parse(d.as_str(), None).is_ok(),
                d == Derivation::Original
            );
        }
        assert_eq!(Derivation::parse(" ", None).unwrap(), Derivation::Original);
        let e = Derivation::parse("redacted", None).unwrap_err();
        assert_eq!(e.field, "original_id");
        let e = Derivation::parse("", Some(3)).unwrap_err();
        assert_eq!(e.field, "derivation");
        assert!(e
            .message()
            .starts_with("an item made from another one is a derivative"));
        let e = Derivation::parse("copy", Some(3)).unwrap_err();
        assert_eq!(
            e.message(),
            "expected one of original, working_copy, redacted, transcript, translation, public_copy"
        );
    }

    #[test]
    fn exports_refuse_to_overwrite_and_need_an_archive_name() {
        assert_eq!(archive_name(Some("case-12.tar")).unwrap(), "case-12");
        assert_eq!(archive_name(Some("X.TAR")).unwrap(), "X");
        for bad in [None, Some(".tar"), Some(".hidden.tar")] {
            let e = archive_name(bad).unwrap_err();
            assert_eq!(e.field, "out");
            assert_eq!(e.message(), "the archive needs a file name ending in .tar");
        }
        assert_eq!(
            out_exists("/tmp/a.tar").message(),
            "/tmp/a.tar already exists"
        );
        assert_eq!(out_not_empty("/tmp/x").message(), "/tmp/x is not empty");
        assert_eq!(
            no_public_copy("video/mp4").message(),
            "metadata cannot be removed from video/mp4 files here; make a redacted copy by hand"
        );
        assert_eq!(properties_remain().field, "media_type");
    }
}

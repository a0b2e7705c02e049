//! ZIP archives (XLSX, ODS, office documents) checked before anything reads them: their
//! entries and expanded size, by what they declare and then by expanding them into nothing.

use super::*;

/// Check an archive before anything reads it: a readable ZIP, at most
/// `max_archive_entries` entries, and an expanded size within `max_expanded_bytes` — by the
/// sizes the archive declares first, then by expanding every entry into nothing, counting
/// (so a declared size that lies is caught too). `what`: "XLSX workbook", "ZIP archive".
pub fn check_zip<T: Read + Seek>(r: T, what: &str, l: &Limits) -> R<()> {
    let mut z = zip::ZipArchive::new(r).map_err(|e| {
        IngestError::file(format!(
            "the file is not a readable {what} (a ZIP archive): {e}"
        ))
    })?;
    if z.len() > l.max_archive_entries {
        return Err(IngestError::file(format!(
            "the {what} has {} entries, more than the limit of {}",
            z.len(),
            l.max_archive_entries
        )));
    }
    // `n`: the declared size, or (`None`) more than the limit found by expanding.
    let too_big = |n: Option<u64>| {
        IngestError::file(format!(
            "the {what} expands to {}, more than the limit of {} for an archive's content (a ZIP bomb?)",
            match n {
                Some(n) => human(n),
                None => "still more".to_string(),
            },
            human(l.max_expanded_bytes)
        ))
    };
    let mut declared: u64 = 0;
    for i in 0..z.len() {
        let f = z
            .by_index_raw(i)
            .map_err(|e| IngestError::file(format!("the {what} is damaged: {e}")))?;
        declared = declared.saturating_add(f.size());
    }
    if declared > l.max_expanded_bytes {
        return Err(too_big(Some(declared)));
    }
    let mut total: u64 = 0;
    for i in 0..z.len() {
        let mut f = z
            .by_index(i)
            .map_err(|e| IngestError::file(format!("the {what} cannot be read: {e}")))?;
        let left = l.max_expanded_bytes - total;
        let n = std::io::copy(&mut (&mut f).take(left + 1), &mut std::io::sink())
            .map_err(|e| IngestError::file(format!("the {what} is damaged: {e}")))?;
        total += n;
        if total > l.max_expanded_bytes {
            return Err(too_big(None));
        }
    }
    Ok(())
}

/// The most an office package (DOCX, XLSX, ODT… stored as evidence) may expand to before
/// its document properties are read or a copy without them is made.
pub const PACKAGE_MAX_EXPANDED_BYTES: u64 = 1 << 30;

/// Whether an office package stored as evidence may be opened for its document properties
/// (or copied without them): at most 10,000 entries expanding to at most 1 GiB together
/// ([`check_zip`]: declared sizes, then expanded into nothing). A package that does not fit
/// is left as it is: no properties read, no public copy made; the stored file is unchanged.
pub fn package_fits<T: Read + Seek>(r: &mut T) -> bool {
    let l = Limits {
        max_expanded_bytes: PACKAGE_MAX_EXPANDED_BYTES,
        max_archive_entries: 10_000,
        ..Limits::default()
    };
    match check_zip(&mut *r, "office document", &l) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "office document not read for its properties");
            false
        }
    }
}

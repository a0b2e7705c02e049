//! What an import prints: its progress bar, the columns it did not read and its summary.

use super::*;

/// A progress bar on standard error (only on a terminal).
pub(super) struct Progress {
    total: usize,
    start: Instant,
    on: bool,
}

impl Progress {
    pub(super) fn new(total: usize) -> Self {
        use std::io::IsTerminal;
        Progress {
            total,
            start: Instant::now(),
            on: std::io::stderr().is_terminal(),
        }
    }
    pub(super) fn set(&self, done: usize) {
        if !self.on || self.total == 0 {
            return;
        }
        let width = 40;
        let filled = (done.min(self.total) * width) / self.total;
        let rate = done as f64 / self.start.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r[{}{}] {done}/{} ({rate:.0}/s)",
            "#".repeat(filled),
            "-".repeat(width - filled),
            self.total
        );
        let _ = std::io::stderr().flush();
        if done >= self.total {
            eprintln!();
        }
    }
}

/// The columns of a file an import does not read: an error each under `--strict` (line 1,
/// the column), else a note in the summary.
pub fn strict_errors(unused: &[UnusedColumn]) -> Vec<RowError> {
    unused
        .iter()
        .map(|u| {
            let col = if u.column.is_empty() {
                format!("column {}", u.position)
            } else {
                u.column.clone()
            };
            RowError::new(
                1,
                &col,
                match &u.suggestion {
                    Some(s) => format!("this column is not imported (did you mean {s:?}?)"),
                    None => "this column is not imported: map it or remove it".into(),
                },
            )
        })
        .collect()
}

/// The unread columns, in the text summary (JSON summaries carry `unmapped_columns`).
pub fn print_unused(unused: &[UnusedColumn]) {
    for u in unused {
        println!("unmapped column: {u}");
    }
    if !unused.is_empty() {
        println!(
            "note: {} column(s) of the file are not imported; map them, or use --strict to refuse such a file",
            unused.len()
        );
    }
}

pub(super) fn print_summary(
    kind: &str,
    s: &ImportSummary,
    unused: &[UnusedColumn],
    format: &str,
    secs: f64,
) -> i32 {
    if format == "json" {
        println!(
            "{}",
            serde_json::json!({ "kind": kind, "read": s.read, "created": s.created, "updated": s.updated,
                "unchanged": s.unchanged, "rejected": s.rejected, "unmapped_columns": unused,
                "dry_run": s.dry_run, "seconds": secs })
        );
    } else {
        print_unused(unused);
        for e in &s.rejected {
            println!("rejected: {e}");
        }
        // A refused import writes nothing: its counts are what it would have done.
        let verb = if s.dry_run || !s.rejected.is_empty() {
            "would be "
        } else {
            ""
        };
        println!(
            "{kind}: read {}, {verb}created {}, {verb}updated {}, unchanged {}, rejected {}{}",
            s.read,
            s.created,
            s.updated,
            s.unchanged,
            s.rejected.len(),
            if s.dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        );
        if !s.rejected.is_empty() && !s.dry_run {
            println!("nothing was written: correct the rejected rows and import again");
        }
        if !s.dry_run && s.rejected.is_empty() {
            println!(
                "{:.1} s, {:.0} records/s",
                secs,
                (s.created + s.updated + s.unchanged) as f64 / secs.max(0.001)
            );
        }
    }
    if s.rejected.is_empty() {
        0
    } else {
        1
    }
}

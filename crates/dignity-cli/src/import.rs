//! `dignity import …`: bulk imports. Every kind reads its files, checks every row, and
//! writes all of it in one audited transaction or nothing; `--dry-run` shows what would
//! happen, with every rejected row and why. Other areas add their kinds to [`ImportCmd`].

pub mod incidents;
mod input;
mod obligations;
mod report;
mod sources;

pub use input::{read_table, InputOpts};
use obligations::run_obligations;
use report::{print_summary, Progress};
pub use report::{print_unused, strict_errors};
use sources::{import_source_list, SourceListArgs};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use dignity_core::columns::{unused_columns, UnusedColumn};
use dignity_core::obligations::{self as rules, Mapping, RowError, Table};
use dignity_core::Actor;
use dignity_store::ingest::{self, Encoding, Limits};
use dignity_store::obligations::{self as ob, recs::ImportSummary};
use dignity_store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum ImportCmd {
    /// UPR Info recommendation exports (CSV, any line ends; UTF-8 unless --encoding names another).
    UprInfo {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// An OHCHR Universal Human Rights Index export (XLSX or CSV, 16 columns).
    Uhri {
        file: PathBuf,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// Any recommendations table (CSV or XLSX) with a TOML column mapping.
    Recommendations {
        file: PathBuf,
        /// The mapping (see `dignity_core::obligations::Mapping`).
        #[arg(long)]
        mapping: PathBuf,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// Ratifications (CSV: iso3, instrument, status, signature, consent, consent_kind,
    /// reservations, declarations, complaints_declaration, inquiry_accepted, note).
    Ratifications {
        file: PathBuf,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// Incident lists and KoboToolbox/ODK submissions (violations).
    #[command(flatten)]
    Incidents(incidents::ImportKind),
    /// A source's list of missing persons (a commission, the Red Cross, an NGO, a family
    /// association), CSV or XLSX. Columns named like the fields (external_id, name,
    /// birth_date, place, sex, last_seen_date) need no mapping; otherwise a TOML mapping
    /// `external_id = "Case no."`. Importing the list again updates it by the source's own
    /// identifiers: unchanged rows are left alone, changed ones kept as a new version.
    SourceList {
        file: PathBuf,
        /// The source's name; a new source is registered with --kind.
        #[arg(long)]
        source: String,
        /// Kind of a new source: commission, red_cross, ngo, family_association, other.
        #[arg(long, default_value = "other")]
        kind: String,
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// The account the records are imported as (its role must allow creating records).
        #[arg(long = "as")]
        as_user: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value = "text")]
        format: String,
        /// Refuse the list if it has columns the mapping leaves unread.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        input: InputOpts,
    },
}

/// What every obligations import takes besides its files.
#[derive(clap::Args)]
pub struct ImportOpts {
    /// Check and count, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output: text or json.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Refuse the file if it has columns this import does not read.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub input: InputOpts,
}

pub async fn run(store: &Store, actor: &Actor, cmd: ImportCmd) -> Result<i32> {
    match cmd {
        ImportCmd::Incidents(kind) => incidents::run(store, kind).await,
        ImportCmd::SourceList {
            file,
            source,
            kind,
            mapping,
            as_user,
            dry_run,
            format,
            strict,
            input,
        } => {
            let actor = crate::violations::actor(store, &as_user).await?;
            let a = SourceListArgs {
                file,
                source,
                kind,
                mapping,
                dry_run,
                format,
                strict,
                input,
            };
            import_source_list(store, &actor, &a).await
        }
        other => run_obligations(store, actor, other).await,
    }
}

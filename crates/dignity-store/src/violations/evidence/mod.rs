//! Evidence files and their chain of custody (Berkeley Protocol).
//!
//! - Files are streamed to a temporary file under `DATA_DIR/files/tmp/` while SHA-256 and
//!   SHA-512 are computed; only a complete, verified file is renamed to its
//!   content address `DATA_DIR/files/sha256/ab/cdef…` (stored once, never rewritten). An
//!   interrupted or refused upload leaves nothing behind: the temporary file is removed
//!   when the writer is dropped, and stale ones are removed when a process first stores
//!   a file.
//! - Working copies and derivatives (redacted image, transcript, translation, public copy)
//!   are evidence items of their own that name their original.
//! - The custody log records acquisition (from whom, when, how) and every view, download,
//!   derivation and export; its entries are chained by SHA-256 per item.
//! - Metadata (EXIF incl. GPS, PDF and office document properties) is extracted, stored encrypted and
//!   shown; public copies are made without it.

use super::*;
use crate::{filecrypt, now};
use dignity_core::{MediaType, Sha256 as Sha256Hex};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};
use std::io::Read;
use std::path::{Path, PathBuf};
use utoipa::ToSchema;

/// Default largest upload: 4 GiB.
pub const DEFAULT_MAX_UPLOAD: u64 = 4 * 1024 * 1024 * 1024;

pub use dignity_core::violations::evidence::DERIVATIONS;

mod content;
mod custody;
mod files;
mod metadata;
mod office;
mod records;
mod upload;

pub use content::*;
pub use custody::*;
pub use files::*;
pub use metadata::*;
pub use office::*;
pub use records::*;
pub use upload::*;

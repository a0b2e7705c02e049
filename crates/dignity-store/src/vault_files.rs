//! The files of the person key vault ([`crate::vault`]): batch files of wrapped keys, the
//! lock that serialises the processes changing them, and the listing of the directory.
//!
//! A batch file `b<seq>_<min>_<max>_<n>.keys` holds the keys written by one write
//! transaction (or merged from several): a header line, one line per key
//! `<person> <seq> <wrapped key>`, and a trailer `end <n> <sha256 of the lines before>`.
//! `seq` orders the records (the newest record of a person wins, see [`Record`]); `min` and
//! `max` bound the person ids inside, so that a look-up reads only the files whose range
//! holds the id. A batch file is written whole beside its name, synced, renamed into
//! place and the directory synced: a crash leaves it whole or absent. The trailer's count
//! and hash make a damaged file (a bad disk, a hand edit) an error naming the file instead
//! of keys silently missing; each wrapped key is authenticated (bound to its person) anyway.

use crate::private::{open_options, sync_dir};
use crate::{Result, StoreError};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

const HEAD: &str = "dignity person keys v2";
/// The lock file: held (exclusively) while a batch file is written, rewritten or merged.
pub(crate) const LOCK: &str = "VAULT.lock";

pub(crate) fn io(what: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io(format!("person key vault {}: {e}", what.display()))
}

/// One wrapped key in a batch file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub id: i64,
    /// The sequence number of the batch the key was first written in: of two records of
    /// one person (a key made for a transaction that was rolled back, then a new row with
    /// the same id), the higher wins.
    pub seq: u64,
    pub wrapped: String,
}

/// A batch file's name, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BatchName {
    pub seq: u64,
    pub min: i64,
    pub max: i64,
    pub n: u64,
    pub name: String,
}

impl BatchName {
    pub fn new(seq: u64, records: &[Record]) -> BatchName {
        let min = records.iter().map(|r| r.id).min().unwrap_or(0);
        let max = records.iter().map(|r| r.id).max().unwrap_or(0);
        let n = records.len() as u64;
        BatchName {
            seq,
            min,
            max,
            n,
            name: format!("b{seq:012}_{min}_{max}_{n}.keys"),
        }
    }

    pub fn parse(name: &str) -> Option<BatchName> {
        let body = name.strip_prefix('b')?.strip_suffix(".keys")?;
        let mut p = body.split('_');
        let seq = p.next()?.parse().ok()?;
        let min = p.next()?.parse().ok()?;
        let max = p.next()?.parse().ok()?;
        let n = p.next()?.parse().ok()?;
        p.next().is_none().then(|| BatchName {
            seq,
            min,
            max,
            n,
            name: name.to_string(),
        })
    }

    pub fn holds(&self, id: i64) -> bool {
        self.min <= id && id <= self.max
    }

    /// The size tier of the file (16 files of one tier are merged into one of the next).
    pub fn tier(&self) -> u32 {
        let mut n = self.n.max(1);
        let mut t = 0;
        while n >= 16 {
            n /= 16;
            t += 1;
        }
        t
    }
}

/// What the directory holds.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub batches: Vec<BatchName>,
    /// Keys of the one-file-per-person layout of older versions (`<id>.key`).
    pub legacy: Vec<i64>,
    pub erased: Vec<i64>,
}

impl Listing {
    pub fn read(dir: &Path) -> Result<Listing> {
        let mut l = Listing::default();
        for e in std::fs::read_dir(dir).map_err(io(dir))? {
            let name = e.map_err(io(dir))?.file_name();
            let name = name.to_string_lossy();
            if let Some(b) = BatchName::parse(&name) {
                l.batches.push(b);
            } else if let Some(id) = id_with(&name, ".key") {
                l.legacy.push(id);
            } else if let Some(id) = id_with(&name, ".erased") {
                l.erased.push(id);
            }
        }
        l.batches.sort_by_key(|b| b.seq);
        l.legacy.sort_unstable();
        l.erased.sort_unstable();
        Ok(l)
    }

    pub fn next_seq(&self) -> u64 {
        self.batches.iter().map(|b| b.seq).max().unwrap_or(0) + 1
    }
}

fn id_with(name: &str, ext: &str) -> Option<i64> {
    name.strip_suffix(ext).and_then(|s| s.parse::<i64>().ok())
}

/// The text of a batch file.
pub(crate) fn encode(records: &[Record]) -> String {
    let mut body = format!("{HEAD}\n");
    for r in records {
        body.push_str(&format!("{} {} {}\n", r.id, r.seq, r.wrapped));
    }
    let sum = hex::encode(Sha256::digest(body.as_bytes()));
    body.push_str(&format!("end {} {sum}\n", records.len()));
    body
}

/// Parse a batch file's text; `path` names it in the error.
pub(crate) fn decode(path: &Path, text: &str) -> Result<Vec<Record>> {
    let damaged = |why: &str| {
        StoreError::Io(format!(
            "person key vault: the batch file {} is damaged ({why}); put back the vault's \
             latest copy (`dignity keys vault-copy`)",
            path.display()
        ))
    };
    let body_end = text
        .trim_end_matches('\n')
        .rfind('\n')
        .map(|i| i + 1)
        .ok_or_else(|| damaged("no trailer"))?;
    let (body, trailer) = text.split_at(body_end);
    let mut t = trailer.trim_end().split(' ');
    let (Some("end"), Some(n), Some(sum), None) = (t.next(), t.next(), t.next(), t.next()) else {
        return Err(damaged("no trailer"));
    };
    if hex::encode(Sha256::digest(body.as_bytes())) != sum {
        return Err(damaged("checksum"));
    }
    let mut lines = body.lines();
    if lines.next() != Some(HEAD) {
        return Err(damaged("header"));
    }
    let mut out = Vec::new();
    for line in lines {
        let mut p = line.splitn(3, ' ');
        let (Some(id), Some(seq), Some(w)) = (p.next(), p.next(), p.next()) else {
            return Err(damaged("record"));
        };
        out.push(Record {
            id: id.parse().map_err(|_| damaged("record"))?,
            seq: seq.parse().map_err(|_| damaged("record"))?,
            wrapped: w.to_string(),
        });
    }
    if n.parse::<usize>().ok() != Some(out.len()) {
        return Err(damaged("count"));
    }
    Ok(out)
}

pub(crate) fn read(dir: &Path, name: &str) -> Result<Vec<Record>> {
    let p = dir.join(name);
    let text = std::fs::read_to_string(&p).map_err(io(&p))?;
    decode(&p, &text)
}

/// Write a new batch file durably (see the module doc); returns its name.
pub(crate) fn write_new(dir: &Path, seq: u64, records: &[Record]) -> Result<BatchName> {
    let name = BatchName::new(seq, records);
    write_whole(dir, &name.name, encode(records).as_bytes())?;
    sync_dir(dir).map_err(io(dir))?;
    Ok(name)
}

/// Write `bytes` beside `name`, sync, and rename into place (the directory is not synced).
fn write_whole(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut f = open_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, dir.join(name)).map_err(io(dir))
}

/// Replace the batch file `name` with `records` (a rewrite after an erasure, a re-wrap):
/// the new content is written beside it, synced and renamed over it, the directory
/// synced, and then the old content, still open, is overwritten with zeros and synced, so
/// that keys dropped from the file do not stay readable in its former blocks. No records
/// left: the file is overwritten and removed.
pub(crate) fn rewrite(dir: &Path, name: &str, records: &[Record]) -> Result<()> {
    let path = dir.join(name);
    let mut old = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    if records.is_empty() {
        std::fs::remove_file(&path).map_err(io(&path))?;
    } else {
        write_whole(dir, name, encode(records).as_bytes())?;
    }
    sync_dir(dir).map_err(io(dir))?;
    zero(&mut old);
    Ok(())
}

/// Overwrite an open file's content with zeros and sync it (best effort: the file is
/// already unlinked or replaced).
pub(crate) fn zero(f: &mut std::fs::File) {
    let mut len = 0u64;
    if let Ok(m) = f.metadata() {
        len = m.len();
    } else if let Ok(n) = f.read_to_end(&mut Vec::new()) {
        len = n as u64;
    }
    if f.seek(std::io::SeekFrom::Start(0)).is_ok() {
        let _ = f.write_all(&vec![0u8; len as usize]);
        let _ = f.sync_all();
    }
}

/// The vault's lock, held until dropped.
pub(crate) struct Lock {
    _file: std::fs::File,
}

impl Lock {
    /// Wait for the vault's lock (another process may be writing it: a server and a
    /// `dignity person erase` beside it).
    pub fn take(dir: &Path) -> Result<Lock> {
        use fs4::fs_std::FileExt;
        let p: PathBuf = dir.join(LOCK);
        let file = open_options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&p)
            .map_err(io(&p))?;
        FileExt::lock_exclusive(&file).map_err(io(&p))?;
        Ok(Lock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_file_reads_back_and_damage_is_named() {
        let recs = vec![
            Record {
                id: 7,
                seq: 3,
                wrapped: "k1:abc".into(),
            },
            Record {
                id: 12,
                seq: 3,
                wrapped: "k1:def".into(),
            },
        ];
        let text = encode(&recs);
        let p = Path::new("b1.keys");
        assert_eq!(decode(p, &text).unwrap(), recs);
        let bad = text.replace("k1:abc", "k1:abd");
        let e = decode(p, &bad).unwrap_err().to_string();
        assert!(e.contains("b1.keys") && e.contains("damaged"), "{e}");
        let cut = &text[..text.len() - 10];
        assert!(decode(p, cut).is_err());
        let n = BatchName::new(5, &recs);
        assert_eq!(BatchName::parse(&n.name), Some(n.clone()));
        assert!(n.holds(7) && n.holds(12) && !n.holds(13));
        assert_eq!(n.tier(), 0);
    }
}

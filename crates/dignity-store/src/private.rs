//! Files that hold personal data or keys are the owner's alone: the database (and its
//! `-wal`/`-shm`), the key file, the audit anchor, evidence files and backups are created
//! `0600` (evidence `0400`: never rewritten), their directories `0700`. Modes are set when
//! a file is created (not changed afterwards, so there is no moment when it is readable by
//! others), and [`harden`] corrects what an older version left world-readable.

use std::io::Write;
use std::path::Path;

/// Create a directory (and its parents) readable by the owner only.
pub fn create_dir(path: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
}

/// Open options that create a file readable and writable by the owner only.
pub fn open_options() -> std::fs::OpenOptions {
    #[allow(unused_mut)]
    let mut o = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Write a whole file (created `0600`, truncated if it exists).
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = open_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    f.write_all(bytes)
}

/// Make a directory's entries (a rename, a removal) reach the disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Replace `path` atomically with `bytes` (`0600`): a temporary file beside it (named per
/// file and per process, so two writers never share one) written and synced, renamed over
/// `path`, and the directory synced; a crash leaves the old content or the new.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut f = open_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// Create an empty file `0600` if none exists (SQLite then keeps that mode, and gives its
/// `-wal` and `-shm` files the same).
pub fn touch(path: &Path) -> std::io::Result<()> {
    match open_options().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Take group and other permissions away from `path` (a file or directory), if any.
pub fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::symlink_metadata(path) {
            if m.file_type().is_symlink() {
                return;
            }
            let mode = m.permissions().mode();
            if mode & 0o077 != 0 {
                let _ =
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Correct the modes of what an older version created: the data directory, the database
/// and its `-wal`/`-shm`, the key file, the audit anchor, and the evidence files
/// directory tree (every file and directory under `files/`).
pub fn harden(data_dir: &Path, key_file: &Path, sqlite: Option<&Path>) {
    restrict(data_dir);
    restrict(key_file);
    restrict(&data_dir.join("audit-anchor"));
    restrict(&data_dir.join("serve.lock"));
    if let Some(db) = sqlite {
        restrict(db);
        for ext in ["-wal", "-shm", "-journal"] {
            let mut p = db.as_os_str().to_owned();
            p.push(ext);
            restrict(Path::new(&p));
        }
    }
    fn walk(dir: &Path) {
        restrict(dir);
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                match e.file_type() {
                    Ok(t) if t.is_dir() => walk(&e.path()),
                    Ok(t) if t.is_file() => restrict(&e.path()),
                    _ => {}
                }
            }
        }
    }
    for sub in ["files", "index"] {
        let p = data_dir.join(sub);
        if p.is_dir() {
            walk(&p);
        }
    }
}

//! The key file on disk, in clear or sealed with a passphrase.
//!
//! A clear key file is the key ring's JSON (see `dignity_core::crypto::Keyring`). A sealed
//! key file is a small JSON document:
//!
//! ```json
//! { "format": "dignity-sealed-keys", "version": 1,
//!   "kdf": "argon2id", "m_cost_kib": 65536, "t_cost": 3, "p_cost": 1,
//!   "salt": "<16 bytes, hex>",
//!   "aead": "xchacha20poly1305", "nonce": "<24 bytes, hex>",
//!   "ciphertext": "<base64 of the encrypted key ring JSON and its 16-byte tag>" }
//! ```
//!
//! Argon2id (64 MiB, 3 passes) turns the passphrase and the salt into a 32-byte key;
//! XChaCha20-Poly1305 encrypts the key ring under it with a fresh random nonce each time the
//! file is written. The associated data binds the format, version and every KDF parameter
//! (`dignity-sealed-keys/1/argon2id/<m>/<t>/<p>/<salt>`), so a changed parameter fails like
//! a changed byte. A wrong passphrase and an altered file are refused alike: nothing in the
//! file tells them apart, and nothing is decrypted.
//!
//! A process that opened a sealed key file keeps the derived key (not the passphrase) in
//! memory so that a key rotation writes the file sealed again, under the same passphrase.

use crate::{now, private, Result, StoreError};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use dignity_core::crypto::Keyring;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const SEALED_FORMAT: &str = "dignity-sealed-keys";
pub const SEALED_VERSION: u32 = 1;
/// The environment variable that holds the key file's passphrase.
pub const PASSPHRASE_ENV: &str = "DIGNITY_KEY_PASSPHRASE";
/// The environment variable that names a file holding it (a mounted secret).
pub const PASSPHRASE_FILE_ENV: &str = "DIGNITY_KEY_PASSPHRASE_FILE";

/// Argon2id cost of newly sealed key files: 64 MiB, 3 passes, 1 lane.
const M_COST: u32 = 64 * 1024;
const T_COST: u32 = 3;
const P_COST: u32 = 1;

/// A key file passphrase; never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(String);

impl Passphrase {
    pub fn new(p: impl Into<String>) -> Self {
        Passphrase(p.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(****)")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SealedFile {
    format: String,
    version: u32,
    kdf: String,
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
    salt: String,
    aead: String,
    nonce: String,
    ciphertext: String,
}

/// The key derived from a key file's passphrase, with the salt and costs it was derived
/// with. Written files reuse it (with a fresh nonce).
#[derive(Clone)]
pub struct SealKey {
    salt: [u8; 16],
    m: u32,
    t: u32,
    p: u32,
    key: [u8; 32],
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

impl Drop for SealKey {
    fn drop(&mut self) {
        // Best effort: the derived key does not outlive its use in this memory.
        self.key.iter_mut().for_each(|b| *b = 0);
    }
}

fn aad(m: u32, t: u32, p: u32, salt: &[u8]) -> String {
    format!(
        "{SEALED_FORMAT}/{SEALED_VERSION}/argon2id/{m}/{t}/{p}/{}",
        hex::encode(salt)
    )
}

fn derive(passphrase: &str, salt: &[u8; 16], m: u32, t: u32, p: u32) -> Result<SealKey> {
    let params = argon2::Params::new(m, t, p, Some(32))
        .map_err(|e| StoreError::Keys(format!("key file: bad key derivation parameters: {e}")))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = [0u8; 32];
    a.hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| StoreError::Keys(format!("key file: key derivation failed: {e}")))?;
    Ok(SealKey {
        salt: *salt,
        m,
        t,
        p,
        key,
    })
}

impl SealKey {
    /// Derive a key for a new passphrase (fresh salt). The passphrase must follow the
    /// password policy (at least 12 characters).
    pub fn new(passphrase: &str) -> Result<SealKey> {
        dignity_core::backup::passphrase(passphrase)?;
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        derive(passphrase, &salt, M_COST, T_COST, P_COST)
    }
}

/// Whether `text` (a key file's content) is a sealed key file.
pub fn is_sealed_text(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_string))
        .is_some_and(|f| f == SEALED_FORMAT)
}

/// Whether the key file at `path` exists and is sealed.
pub fn is_sealed(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| is_sealed_text(&t))
}

/// Seal a key ring: the text of a sealed key file.
pub fn seal(keys: &Keyring, sk: &SealKey) -> String {
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new_from_slice(&sk.key).expect("32-byte key");
    let plain = keys.to_json();
    let a = aad(sk.m, sk.t, sk.p, &sk.salt);
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain.as_bytes(),
                aad: a.as_bytes(),
            },
        )
        .expect("encryption does not fail");
    let f = SealedFile {
        format: SEALED_FORMAT.into(),
        version: SEALED_VERSION,
        kdf: "argon2id".into(),
        m_cost_kib: sk.m,
        t_cost: sk.t,
        p_cost: sk.p,
        salt: hex::encode(sk.salt),
        aead: "xchacha20poly1305".into(),
        nonce: hex::encode(nonce),
        ciphertext: base64::engine::general_purpose::STANDARD.encode(ct),
    };
    let mut s = serde_json::to_string_pretty(&f).expect("serialises");
    s.push('\n');
    s
}

fn parse_sealed(text: &str, what: &str) -> Result<SealedFile> {
    let f: SealedFile = serde_json::from_str(text)
        .map_err(|e| StoreError::Keys(format!("{what}: the sealed key file is not valid: {e}")))?;
    if f.format != SEALED_FORMAT
        || f.version != SEALED_VERSION
        || f.kdf != "argon2id"
        || f.aead != "xchacha20poly1305"
    {
        return Err(StoreError::Keys(format!(
            "{what}: a sealed key file of a kind this Dignity does not read \
             ({} version {}, {}, {})",
            f.format, f.version, f.kdf, f.aead
        )));
    }
    // Refuse costs no file of ours has: a forged file must not exhaust the machine.
    if f.m_cost_kib > 4 * 1024 * 1024 || f.t_cost > 64 || f.p_cost > 64 {
        return Err(StoreError::Keys(format!(
            "{what}: the sealed key file asks for an unreasonable key derivation cost"
        )));
    }
    Ok(f)
}

/// Open a sealed key file's text with `passphrase` (or with a key derived before, when the
/// salt and costs match). Returns the key ring and the derived key.
pub fn open_sealed(
    text: &str,
    passphrase: Option<&str>,
    cached: Option<&SealKey>,
    what: &str,
) -> Result<(Keyring, SealKey)> {
    let f = parse_sealed(text, what)?;
    let bad = || StoreError::Keys(format!("{what}: the sealed key file is damaged"));
    let salt: [u8; 16] = hex::decode(&f.salt)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(bad)?;
    let nonce: [u8; 24] = hex::decode(&f.nonce)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(bad)?;
    let ct = base64::engine::general_purpose::STANDARD
        .decode(f.ciphertext.trim())
        .map_err(|_| bad())?;
    let sk = match cached {
        Some(c) if c.salt == salt && (c.m, c.t, c.p) == (f.m_cost_kib, f.t_cost, f.p_cost) => {
            c.clone()
        }
        _ => {
            let p = passphrase.ok_or_else(|| {
                StoreError::Keys(format!(
                    "{what} is sealed with a passphrase and none was given: set \
                     {PASSPHRASE_ENV}, or {PASSPHRASE_FILE_ENV} to a file that holds it \
                     (or start `dignity serve` on a terminal to be asked). Nothing was changed."
                ))
            })?;
            derive(p, &salt, f.m_cost_kib, f.t_cost, f.p_cost)?
        }
    };
    let cipher = XChaCha20Poly1305::new_from_slice(&sk.key).expect("32-byte key");
    let a = aad(f.m_cost_kib, f.t_cost, f.p_cost, &salt);
    let plain = cipher
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &ct,
                aad: a.as_bytes(),
            },
        )
        .map_err(|_| {
            StoreError::Keys(format!(
                "{what}: the passphrase does not open the sealed key file (wrong passphrase, \
                 or the file was altered). Nothing was changed; no key was created."
            ))
        })?;
    let plain = String::from_utf8(plain).map_err(|_| bad())?;
    let keys = Keyring::from_json(&plain).map_err(|e| StoreError::Keys(format!("{what}: {e}")))?;
    Ok((keys, sk))
}

/// Read a key file, clear or sealed. A sealed one needs `passphrase` (or a `cached` key
/// derived from it before).
pub fn read(
    path: &Path,
    passphrase: Option<&str>,
    cached: Option<&SealKey>,
) -> Result<(Keyring, Option<SealKey>)> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        StoreError::Keys(format!("cannot read the key file {}: {e}", path.display()))
    })?;
    let what = format!("the key file {}", path.display());
    if is_sealed_text(&text) {
        let (k, sk) = open_sealed(&text, passphrase, cached, &what)?;
        return Ok((k, Some(sk)));
    }
    let k = Keyring::from_json(&text)
        .map_err(|e| StoreError::Keys(format!("{}: {e}", path.display())))?;
    Ok((k, None))
}

/// Check the text of a key file (from a backup) without opening a sealed one: a clear key
/// ring that parses, or a sealed file of a known kind.
pub fn check_text(text: &str) -> Result<()> {
    if is_sealed_text(text) {
        parse_sealed(text, "the key file").map(|_| ())
    } else {
        Keyring::from_json(text)
            .map(|_| ())
            .map_err(|e| StoreError::Keys(e.to_string()))
    }
}

/// Write raw key file content atomically, readable by the owner only.
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    private::write_atomic(path, text.as_bytes())
        .map_err(|e| StoreError::Keys(format!("cannot write the key file {}: {e}", path.display())))
}

/// Write a key ring, sealed under `seal` when given, in clear otherwise.
pub fn write(path: &Path, keys: &Keyring, seal_key: Option<&SealKey>) -> Result<()> {
    match seal_key {
        Some(sk) => write_text(path, &seal(keys, sk)),
        None => write_text(path, &keys.to_json()),
    }
}

/// The key file's passphrase from the environment: `DIGNITY_KEY_PASSPHRASE`, or the first
/// line of the file `DIGNITY_KEY_PASSPHRASE_FILE` names.
pub fn passphrase_from_env() -> Result<Option<String>> {
    if let Some(p) = std::env::var(PASSPHRASE_ENV).ok().filter(|s| !s.is_empty()) {
        return Ok(Some(p));
    }
    if let Some(f) = std::env::var_os(PASSPHRASE_FILE_ENV).filter(|s| !s.is_empty()) {
        let text = std::fs::read_to_string(&f).map_err(|e| {
            StoreError::Keys(format!(
                "cannot read the key passphrase file {} ({PASSPHRASE_FILE_ENV}): {e}",
                Path::new(&f).display()
            ))
        })?;
        let line = text.lines().next().unwrap_or("").to_string();
        if line.is_empty() {
            return Err(StoreError::Keys(format!(
                "the key passphrase file {} ({PASSPHRASE_FILE_ENV}) is empty",
                Path::new(&f).display()
            )));
        }
        return Ok(Some(line));
    }
    Ok(None)
}

/// What [`seal_file`], [`change_passphrase`] and [`unseal_file`] did.
#[derive(Debug, Clone, Serialize)]
pub struct SealReport {
    pub path: std::path::PathBuf,
    pub sealed: bool,
    pub at: String,
}

/// Seal a clear key file with `new_passphrase`. Refused if it is already sealed.
pub fn seal_file(path: &Path, new_passphrase: &str) -> Result<SealReport> {
    let (keys, sk) = read(path, None, None)?;
    if sk.is_some() {
        return Err(StoreError::Conflict(format!(
            "the key file {} is already sealed: use `dignity keys change-passphrase`",
            path.display()
        )));
    }
    seal_with(path, &keys, new_passphrase)
}

/// Write `keys` to `path` sealed under `passphrase`, and check that they read back.
fn seal_with(path: &Path, keys: &Keyring, passphrase: &str) -> Result<SealReport> {
    let sk = SealKey::new(passphrase)?;
    write(path, keys, Some(&sk))?;
    verify_written(path, keys, Some(passphrase))?;
    Ok(SealReport {
        path: path.to_path_buf(),
        sealed: true,
        at: now(),
    })
}

/// Re-seal a sealed key file under a new passphrase.
pub fn change_passphrase(path: &Path, old: &str, new_passphrase: &str) -> Result<SealReport> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        StoreError::Keys(format!("cannot read the key file {}: {e}", path.display()))
    })?;
    if !is_sealed_text(&text) {
        return Err(StoreError::Conflict(format!(
            "the key file {} is not sealed: use `dignity keys seal`",
            path.display()
        )));
    }
    let (keys, _) = read(path, Some(old), None)?;
    seal_with(path, &keys, new_passphrase)
}

/// Write a sealed key file back in clear.
pub fn unseal_file(path: &Path, passphrase: &str) -> Result<SealReport> {
    let (keys, sk) = read(path, Some(passphrase), None)?;
    if sk.is_none() {
        return Err(StoreError::Conflict(format!(
            "the key file {} is not sealed",
            path.display()
        )));
    }
    write(path, &keys, None)?;
    verify_written(path, &keys, None)?;
    Ok(SealReport {
        path: path.to_path_buf(),
        sealed: false,
        at: now(),
    })
}

/// Read back what was written: the same key ring must come out.
fn verify_written(path: &Path, keys: &Keyring, passphrase: Option<&str>) -> Result<()> {
    let (back, _) = read(path, passphrase, None)?;
    if serde_json::to_value(&back).ok() != serde_json::to_value(keys).ok() {
        return Err(StoreError::Keys(format!(
            "the key file {} does not read back as written",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PW: &str = "correct horse battery staple";

    #[test]
    fn sealed_round_trip_and_refusals() {
        let keys = Keyring::generate(&now());
        let sk = SealKey::new(PW).unwrap();
        let text = seal(&keys, &sk);
        assert!(is_sealed_text(&text));
        // The key material is not in the sealed text.
        let clear = keys.to_json();
        let v: serde_json::Value = serde_json::from_str(&clear).unwrap();
        fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(s) if s.len() >= 16 => out.push(s.clone()),
                serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
                serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
                _ => {}
            }
        }
        let mut secrets = Vec::new();
        strings(&v, &mut secrets);
        assert!(!secrets.is_empty());
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{s} is in the sealed file");
        }
        let (back, _) = open_sealed(&text, Some(PW), None, "k").unwrap();
        assert_eq!(back.to_json(), keys.to_json());
        let e = open_sealed(&text, Some("not the passphrase!"), None, "k").unwrap_err();
        assert!(e.to_string().contains("does not open"), "{e}");
        let e = open_sealed(&text, None, None, "k").unwrap_err();
        assert!(e.to_string().contains(PASSPHRASE_ENV), "{e}");
        // A changed cost parameter is refused (associated data), not silently used.
        let mut f: serde_json::Value = serde_json::from_str(&text).unwrap();
        f["t_cost"] = 2.into();
        let e = open_sealed(&f.to_string(), Some(PW), None, "k").unwrap_err();
        assert!(e.to_string().contains("does not open"), "{e}");
        // The cached derived key opens the file without the passphrase.
        assert!(open_sealed(&text, None, Some(&sk), "k").is_ok());
        assert!(SealKey::new("short").is_err());
    }
}

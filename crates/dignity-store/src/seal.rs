//! Passphrase encryption of a whole backup archive: Argon2id derives the key,
//! XChaCha20-Poly1305 in the STREAM construction (big-endian 32-bit counter, 64 KiB
//! chunks) encrypts. Every chunk is authenticated, the last one is marked as last, so a
//! changed, reordered or cut-off archive is refused. A keyed check value in the header tells
//! a wrong passphrase apart from a damaged archive before anything is decrypted.
//!
//! Layout: `MAGIC (8) | m_cost, t_cost, p_cost (u32 BE each) | salt (16) | nonce (19) |
//! check (32) | chunks…`; the header is the associated data of every chunk.

use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::io::{self, Read, Write};

pub(crate) const MAGIC: &[u8; 8] = b"DGNYBAK\x01";
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const HEADER: usize = 8 + 12 + 16 + 19 + 32;

/// Argon2id cost of new archives: 64 MiB, 3 passes.
const M_COST: u32 = 64 * 1024;
const T_COST: u32 = 3;
const P_COST: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub(crate) enum SealError {
    #[error("the passphrase is wrong (or the archive's header is damaged)")]
    WrongPassphrase,
    #[error("the archive is not a Dignity backup, or its header is damaged")]
    NotSealed,
    #[error("{0}")]
    Io(#[from] io::Error),
}

fn derive(passphrase: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Result<[u8; 64], SealError> {
    let params = argon2::Params::new(m, t, p, Some(64)).map_err(|_| SealError::NotSealed)?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 64];
    a.hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|_| SealError::NotSealed)?;
    Ok(out)
}

fn check_value(check_key: &[u8], header: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(check_key).expect("any key length");
    mac.update(header);
    mac.finalize().into_bytes().into()
}

fn auth_failed() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the archive was altered or damaged: an encrypted block does not authenticate",
    )
}

/// Encrypts everything written to it; call [`SealWriter::finish`] at the end.
pub(crate) struct SealWriter<W: Write> {
    inner: W,
    enc: Option<EncryptorBE32<XChaCha20Poly1305>>,
    buf: Vec<u8>,
    aad: Vec<u8>,
}

impl<W: Write> SealWriter<W> {
    pub(crate) fn new(mut inner: W, passphrase: &str) -> Result<Self, SealError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 19];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let keys = derive(passphrase, &salt, M_COST, T_COST, P_COST)?;
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        for v in [M_COST, T_COST, P_COST] {
            header.extend_from_slice(&v.to_be_bytes());
        }
        header.extend_from_slice(&salt);
        header.extend_from_slice(&nonce);
        let check = check_value(&keys[32..], &header);
        header.extend_from_slice(&check);
        inner.write_all(&header)?;
        let aead = XChaCha20Poly1305::new_from_slice(&keys[..32]).expect("32-byte key");
        Ok(SealWriter {
            inner,
            enc: Some(EncryptorBE32::from_aead(aead, (&nonce).into())),
            buf: Vec::with_capacity(CHUNK * 2),
            aad: header,
        })
    }

    pub(crate) fn finish(mut self) -> io::Result<W> {
        let enc = self.enc.take().expect("finished once");
        let ct = enc
            .encrypt_last(Payload {
                msg: &self.buf,
                aad: &self.aad,
            })
            .map_err(|_| io::Error::other("encryption failed"))?;
        self.inner.write_all(&ct)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        // Keep at least one byte back: the last chunk is written by `finish`.
        while self.buf.len() > CHUNK {
            let rest = self.buf.split_off(CHUNK);
            let ct = self
                .enc
                .as_mut()
                .expect("not finished")
                .encrypt_next(Payload {
                    msg: &self.buf,
                    aad: &self.aad,
                })
                .map_err(|_| io::Error::other("encryption failed"))?;
            self.inner.write_all(&ct)?;
            self.buf = rest;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts an archive made by [`SealWriter`]. Reading fails with `InvalidData` at the
/// first block that does not authenticate, and at a cut-off end.
pub(crate) struct OpenReader<R: Read> {
    inner: R,
    dec: Option<DecryptorBE32<XChaCha20Poly1305>>,
    aad: Vec<u8>,
    next_ct: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
}

fn read_up_to<R: Read>(r: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut v)?;
    Ok(v)
}

impl<R: Read> OpenReader<R> {
    /// Read the header (the magic already checked by the caller is read again here).
    pub(crate) fn new(mut inner: R, passphrase: &str) -> Result<Self, SealError> {
        let header = read_up_to(&mut inner, HEADER)?;
        if header.len() != HEADER || &header[..8] != MAGIC {
            return Err(SealError::NotSealed);
        }
        let u = |i: usize| u32::from_be_bytes(header[i..i + 4].try_into().expect("4 bytes"));
        let (m, t, p) = (u(8), u(12), u(16));
        // Refuse costs no archive of ours has: a forged header must not exhaust the machine.
        if m > 4 * 1024 * 1024 || t > 64 || p > 64 {
            return Err(SealError::NotSealed);
        }
        let salt = &header[20..36];
        let nonce: [u8; 19] = header[36..55].try_into().expect("19 bytes");
        let keys = derive(passphrase, salt, m, t, p)?;
        // Constant-time comparison through the MAC's own verification.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&keys[32..]).expect("any key");
        mac.update(&header[..55]);
        if mac.verify_slice(&header[55..]).is_err() {
            return Err(SealError::WrongPassphrase);
        }
        let aead = XChaCha20Poly1305::new_from_slice(&keys[..32]).expect("32-byte key");
        let next_ct = read_up_to(&mut inner, CHUNK + TAG)?;
        if next_ct.len() < TAG {
            return Err(SealError::Io(auth_failed()));
        }
        Ok(OpenReader {
            inner,
            dec: Some(DecryptorBE32::from_aead(aead, (&nonce).into())),
            aad: header,
            next_ct,
            out: Vec::new(),
            pos: 0,
        })
    }

    fn fill(&mut self) -> io::Result<()> {
        let Some(mut dec) = self.dec.take() else {
            return Ok(());
        };
        let cur = std::mem::take(&mut self.next_ct);
        let following = read_up_to(&mut self.inner, CHUNK + TAG)?;
        let payload = Payload {
            msg: &cur,
            aad: &self.aad,
        };
        if following.is_empty() {
            self.out = dec.decrypt_last(payload).map_err(|_| auth_failed())?;
        } else {
            if cur.len() != CHUNK + TAG {
                return Err(auth_failed());
            }
            self.out = dec.decrypt_next(payload).map_err(|_| auth_failed())?;
            self.next_ct = following;
            self.dec = Some(dec);
        }
        self.pos = 0;
        Ok(())
    }
}

impl<R: Read> Read for OpenReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.out.len() {
            if self.dec.is_none() {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(data: &[u8], pw: &str) -> Vec<u8> {
        let mut w = SealWriter::new(Vec::new(), pw).unwrap();
        // Odd write sizes cross chunk boundaries.
        for part in data.chunks(7777) {
            w.write_all(part).unwrap();
        }
        w.finish().unwrap()
    }

    fn open(sealed: &[u8], pw: &str) -> Result<Vec<u8>, SealError> {
        let mut r = OpenReader::new(sealed, pw)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trip_at_every_boundary() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let s = seal(&data, "correct horse battery");
            assert_eq!(open(&s, "correct horse battery").unwrap(), data, "{len}");
        }
    }

    #[test]
    fn wrong_passphrase_tampering_and_truncation_are_refused() {
        let data = vec![7u8; 2 * CHUNK + 100];
        let s = seal(&data, "correct horse battery");
        assert!(matches!(
            open(&s, "wrong horse battery"),
            Err(SealError::WrongPassphrase)
        ));
        let mut t = s.clone();
        let i = HEADER + CHUNK + 10;
        t[i] ^= 1;
        assert!(open(&t, "correct horse battery").is_err());
        // Cut at a chunk boundary: the new end is not marked as last.
        let cut = &s[..HEADER + CHUNK + TAG];
        assert!(open(cut, "correct horse battery").is_err());
        // Header parameters changed: the check value no longer matches.
        let mut h = s.clone();
        h[20] ^= 1;
        assert!(open(&h, "correct horse battery").is_err());
    }
}

//! Evidence files encrypted at rest.
//!
//! Every stored file is XChaCha20-Poly1305 in the STREAM construction (big-endian 32-bit
//! chunk counter and a last-chunk flag in the nonce, 64 KiB chunks), under a key of its
//! own: HKDF-SHA256 of the data key named in the header, with a random 32-byte salt. The
//! chunks are sealed and opened by [`ChunkCipher`] (same format, a faster implementation).
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! MAGIC "DGNYEVF\x01" (8) | key id length (1) | key id, zero-padded (16) | salt (32) |
//! nonce (19) | plaintext size (8) | plaintext SHA-256 (32) | HMAC-SHA256 (32) | chunks…
//! ```
//!
//! The first 76 bytes (magic to nonce) are the associated data of every chunk; the MAC,
//! keyed by the second half of the derived key material, covers the 116 bytes before it,
//! so the size and the SHA-256 of the plaintext (the file's address) are bound to the
//! chunks. The header is written last (the upload's hash is known only at its end): the
//! file is written to a temporary name and renamed only when complete.
//!
//! A reader checks the MAC and that the file has exactly the length the size implies
//! before it returns a byte, and decrypts only the chunks it is asked for (seeking to a
//! range decrypts from the chunk that holds it); [`DecReader::read_parallel`] opens the
//! chunks of one larger read on several cores at once (downloads). Anything that does not
//! authenticate is an [`io::ErrorKind::InvalidData`] error: a damaged file is refused,
//! never served in part as if good.
//!
//! A reader does not hash the plaintext again: every chunk is authenticated under the
//! file's own key, with its index and the last-chunk flag in its nonce and the header in
//! its associated data, and the header's MAC binds the size and the SHA-256. So what a
//! reader returns is, byte for byte, what the writer encrypted, and the writer's SHA-256 is
//! computed over the same bytes as it encrypts them ([`encrypt_reader`], the upload's
//! `BlobWriter`). A second SHA-256 at every download would only check the writer against
//! itself; the integrity check (`EvidenceStore::verify`) and the package export compute
//! the hashes of what they read, as before (docs/security.md, "Evidence files at rest").

use crate::chunk_cipher::ChunkCipher;
use dignity_core::crypto::Keyring;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::io::{self, Read, Seek, SeekFrom, Write};

pub const MAGIC: &[u8; 8] = b"DGNYEVF\x01";
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const KID: usize = 16;
const NONCE: usize = 19;
/// Magic, key id, salt, nonce: the associated data of every chunk.
const PREFIX: usize = 8 + 1 + KID + 32 + NONCE;
/// The whole header.
pub const HEADER: usize = PREFIX + 8 + 32 + 32;
const INFO: &[u8] = b"dignity evidence file v1";

type Stream = ChunkCipher;

/// The error of a stored file that does not authenticate (altered, cut off, or another
/// key file).
pub fn damaged(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the stored evidence file is damaged: {why}"),
    )
}

/// Number of chunks of a plaintext of `size` bytes (an empty file has one, empty, chunk).
fn chunks(size: u64) -> u64 {
    size.div_ceil(CHUNK as u64).max(1)
}

/// Length of the stored file of a plaintext of `size` bytes.
pub fn stored_len(size: u64) -> u64 {
    HEADER as u64 + size + chunks(size) * TAG as u64
}

fn stream_with_nonce(
    keys: &Keyring,
    kid: &str,
    salt: &[u8],
    nonce: &[u8],
) -> io::Result<(Stream, [u8; 32])> {
    let m = keys
        .derive_subkeys(kid, salt, INFO)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let key: [u8; 32] = m[..32].try_into().expect("32 bytes");
    let mac: [u8; 32] = m[32..].try_into().expect("32 bytes");
    let nonce: [u8; NONCE] = nonce.try_into().expect("19 bytes");
    Ok((ChunkCipher::new(&key, &nonce), mac))
}

fn header_mac(mac_key: &[u8; 32], covered: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(mac_key).expect("any key length");
    mac.update(covered);
    mac
}

/// Whether `head` (the first bytes of a stored file) starts like an encrypted file.
pub fn looks_encrypted(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// The id of the data key named by the header at the start of `head`, if it is one.
pub fn key_id_of(head: &[u8]) -> Option<&str> {
    if !looks_encrypted(head) || head.len() < 9 + KID {
        return None;
    }
    let n = head[8] as usize;
    if n > KID {
        return None;
    }
    std::str::from_utf8(&head[9..9 + n]).ok()
}

/// Encrypts a file as it is written; [`EncWriter::finish`] writes the last chunk and the
/// header. Memory: one chunk (sealed in place), whatever the file's size.
pub struct EncWriter<W: Write + Seek> {
    inner: W,
    stream: Stream,
    mac_key: [u8; 32],
    prefix: [u8; PREFIX],
    buf: Vec<u8>,
    pos: u32,
    size: u64,
}

impl<W: Write + Seek> EncWriter<W> {
    /// Start a file under the current data key (a zeroed header is written in its place).
    pub fn new(mut inner: W, keys: &Keyring) -> io::Result<Self> {
        let kid = keys.current.as_bytes();
        if kid.len() > KID {
            return Err(io::Error::other(
                "the data key's id is longer than 16 bytes",
            ));
        }
        let mut salt = [0u8; 32];
        let mut nonce = [0u8; NONCE];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut prefix = [0u8; PREFIX];
        prefix[..8].copy_from_slice(MAGIC);
        prefix[8] = kid.len() as u8;
        prefix[9..9 + kid.len()].copy_from_slice(kid);
        prefix[9 + KID..9 + KID + 32].copy_from_slice(&salt);
        prefix[9 + KID + 32..].copy_from_slice(&nonce);
        let (stream, mac_key) = stream_with_nonce(keys, &keys.current, &salt, &nonce)?;
        inner.write_all(&[0u8; HEADER])?;
        Ok(EncWriter {
            inner,
            stream,
            mac_key,
            prefix,
            buf: Vec::with_capacity(CHUNK + TAG),
            pos: 0,
            size: 0,
        })
    }

    /// Seal the buffered chunk in place (its tag appended) and write it.
    fn seal(&mut self, last: bool) -> io::Result<()> {
        self.stream
            .seal(self.pos, last, &self.prefix, &mut self.buf)
            .map_err(|_| io::Error::other("encryption failed"))?;
        self.inner.write_all(&self.buf)?;
        self.buf.clear();
        if !last {
            self.pos = self
                .pos
                .checked_add(1)
                .ok_or_else(|| io::Error::other("the file is too large to encrypt"))?;
        }
        Ok(())
    }

    /// Encrypt `data` (buffered up to one chunk).
    pub fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        self.size += data.len() as u64;
        while !data.is_empty() {
            // A full chunk is sealed only once more data follows: the last chunk (flagged
            // as such) is written by `finish`.
            if self.buf.len() == CHUNK {
                self.seal(false)?;
            }
            let n = (CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        Ok(())
    }

    /// Write the last chunk and the header, which binds `sha256` (of the plaintext) and
    /// the size. Returns the inner writer (for the caller to sync).
    pub fn finish(mut self, sha256: &[u8; 32]) -> io::Result<W> {
        self.seal(true)?;
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(&self.prefix);
        header.extend_from_slice(&self.size.to_be_bytes());
        header.extend_from_slice(sha256);
        let tag = header_mac(&self.mac_key, &header).finalize().into_bytes();
        header.extend_from_slice(&tag);
        self.inner.flush()?;
        self.inner.seek(SeekFrom::Start(0))?;
        self.inner.write_all(&header)?;
        self.inner.flush()?;
        Ok(self.inner)
    }

    /// Plaintext bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }
}

/// Encrypt everything `r` gives into `w`; returns the plaintext's SHA-256 and size.
pub fn encrypt_reader<W: Write + Seek>(
    mut r: impl Read,
    w: W,
    keys: &Keyring,
) -> io::Result<(W, [u8; 32], u64)> {
    let mut enc = EncWriter::new(w, keys)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        enc.write_all(&buf[..n])?;
    }
    let size = enc.size();
    let sha: [u8; 32] = h.finalize().into();
    Ok((enc.finish(&sha)?, sha, size))
}

/// Decrypts a stored file, with random access (`Seek`) by chunk.
pub struct DecReader<R: Read + Seek> {
    inner: R,
    stream: Stream,
    prefix: [u8; PREFIX],
    key_id: String,
    size: u64,
    sha256: [u8; 32],
    n_chunks: u64,
    /// Plaintext position.
    pos: u64,
    /// Index of the chunk decrypted in `buf`, if any.
    cur: Option<u64>,
    /// One chunk: read and decrypted in place.
    buf: Vec<u8>,
    /// Where the next read of `inner` starts, when known (no seek for sequential reads).
    at: Option<u64>,
}

impl<R: Read + Seek> DecReader<R> {
    /// Read and check the header (MAC, stored length). An `InvalidData` error says the
    /// file is damaged or not encrypted.
    pub fn open(mut inner: R, keys: &Keyring) -> io::Result<Self> {
        let mut header = [0u8; HEADER];
        inner.seek(SeekFrom::Start(0))?;
        let mut got = 0;
        while got < HEADER {
            let n = inner.read(&mut header[got..])?;
            if n == 0 {
                return Err(damaged("it is shorter than its header"));
            }
            got += n;
        }
        if !looks_encrypted(&header) {
            return Err(damaged("it is not an encrypted evidence file"));
        }
        let kid_len = header[8] as usize;
        if kid_len > KID {
            return Err(damaged("its header is not valid"));
        }
        let key_id = String::from_utf8(header[9..9 + kid_len].to_vec())
            .map_err(|_| damaged("its header is not valid"))?;
        let salt = &header[9 + KID..9 + KID + 32];
        let nonce = &header[9 + KID + 32..PREFIX];
        let (stream, mac_key) = stream_with_nonce(keys, &key_id, salt, nonce).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the stored evidence file cannot be decrypted: {e}"),
            )
        })?;
        header_mac(&mac_key, &header[..PREFIX + 40])
            .verify_slice(&header[PREFIX + 40..])
            .map_err(|_| damaged("its header does not authenticate"))?;
        let size = u64::from_be_bytes(header[PREFIX..PREFIX + 8].try_into().expect("8 bytes"));
        let sha256: [u8; 32] = header[PREFIX + 8..PREFIX + 40]
            .try_into()
            .expect("32 bytes");
        let len = inner.seek(SeekFrom::End(0))?;
        if len != stored_len(size) {
            return Err(damaged(&format!(
                "it has {len} bytes where {} were written (cut off or extended)",
                stored_len(size)
            )));
        }
        let mut prefix = [0u8; PREFIX];
        prefix.copy_from_slice(&header[..PREFIX]);
        Ok(DecReader {
            inner,
            stream,
            prefix,
            key_id,
            size,
            sha256,
            n_chunks: chunks(size),
            pos: 0,
            cur: None,
            buf: Vec::with_capacity(CHUNK + TAG),
            at: None,
        })
    }

    /// Plaintext size.
    pub fn size(&self) -> u64 {
        self.size
    }
    /// SHA-256 of the plaintext, as bound by the header.
    pub fn sha256(&self) -> [u8; 32] {
        self.sha256
    }
    /// Id of the data key the file's key was derived from.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn load(&mut self, idx: u64) -> io::Result<()> {
        if self.cur == Some(idx) {
            return Ok(());
        }
        self.cur = None;
        let last = idx + 1 == self.n_chunks;
        let pt_len = if last {
            (self.size - idx * CHUNK as u64) as usize
        } else {
            CHUNK
        };
        let from = HEADER as u64 + idx * (CHUNK + TAG) as u64;
        if self.at.take() != Some(from) {
            self.inner.seek(SeekFrom::Start(from))?;
        }
        self.buf.resize(pt_len + TAG, 0);
        self.inner.read_exact(&mut self.buf).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                damaged("it was cut off")
            } else {
                e
            }
        })?;
        self.at = Some(from + (pt_len + TAG) as u64);
        let pos = u32::try_from(idx).map_err(|_| damaged("too many chunks"))?;
        let n = self
            .stream
            .open(pos, last, &self.prefix, &mut self.buf)
            .map_err(|_| damaged(&format!("block {idx} does not authenticate")))?;
        self.buf.truncate(n);
        self.cur = Some(idx);
        Ok(())
    }
}

impl<R: Read + Seek> DecReader<R> {
    /// Decrypt up to `max` plaintext bytes from the current position into a new buffer
    /// (fewer only at the end of the file), the chunks they span opened by up to `threads`
    /// threads at once. The ciphertext of those chunks is read in one piece and each chunk
    /// opened in place; the plaintext is then moved together in the same buffer, so the
    /// memory is that one buffer (`max` plus a tag per chunk), whatever the file's size. A
    /// chunk that does not authenticate fails the whole call (`InvalidData`), and nothing
    /// of the buffer is returned.
    pub fn read_parallel(&mut self, max: usize, threads: usize) -> io::Result<Vec<u8>> {
        if self.pos >= self.size || max == 0 {
            return Ok(Vec::new());
        }
        let end = self.size.min(self.pos.saturating_add(max as u64));
        let first = self.pos / CHUNK as u64;
        let last = (end - 1) / CHUNK as u64;
        let n = (last - first + 1) as usize;
        // Plaintext bytes of the chunks `first..=last`, and their stored length.
        let pt = (self.size.min((last + 1) * CHUNK as u64) - first * CHUNK as u64) as usize;
        let from = HEADER as u64 + first * (CHUNK + TAG) as u64;
        if self.at.take() != Some(from) {
            self.inner.seek(SeekFrom::Start(from))?;
        }
        let mut ct = vec![0u8; pt + n * TAG];
        self.inner.read_exact(&mut ct).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                damaged("it was cut off")
            } else {
                e
            }
        })?;
        self.at = Some(from + ct.len() as u64);
        let (stream, prefix, n_chunks) = (&self.stream, &self.prefix, self.n_chunks);
        let open = |idx: u64, c: &mut [u8]| -> io::Result<()> {
            let pos = u32::try_from(idx).map_err(|_| damaged("too many chunks"))?;
            stream
                .open(pos, idx + 1 == n_chunks, prefix, c)
                .map(|_| ())
                .map_err(|_| damaged(&format!("block {idx} does not authenticate")))
        };
        let open = &open;
        let mut parts: Vec<(u64, &mut [u8])> = ct
            .chunks_mut(CHUNK + TAG)
            .enumerate()
            .map(|(i, c)| (first + i as u64, c))
            .collect();
        let per = n.div_ceil(threads.clamp(1, n));
        std::thread::scope(|s| {
            let mut groups = parts.chunks_mut(per);
            let mine = groups.next().expect("at least one chunk");
            let others: Vec<_> = groups
                .map(|g| s.spawn(move || g.iter_mut().try_for_each(|(i, c)| open(*i, c))))
                .collect();
            let mut res = mine.iter_mut().try_for_each(|(i, c)| open(*i, c));
            for h in others {
                let r = h
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("a decrypting thread failed")));
                if res.is_ok() {
                    res = r;
                }
            }
            res
        })?;
        // Move each chunk's plaintext over the tags before it.
        for i in 1..n {
            let at = i * (CHUNK + TAG);
            let len = CHUNK.min(pt - i * CHUNK);
            ct.copy_within(at..at + len, i * CHUNK);
        }
        let skip = (self.pos - first * CHUNK as u64) as usize;
        ct.truncate(skip + (end - self.pos) as usize);
        if skip > 0 {
            ct.drain(..skip);
        }
        self.pos = end;
        Ok(ct)
    }
}

/// Threads that decrypt one download's chunks at once: the cores but one (the one that
/// sends the body), at least 1, at most 4. On a 2-core machine a second decrypting thread
/// was measured slower than one (docs/benchmarks.md): it has no idle core to run on.
pub fn decrypt_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .saturating_sub(1)
        .clamp(1, 4)
}

impl<R: Read + Seek> Read for DecReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let idx = self.pos / CHUNK as u64;
        self.load(idx)?;
        let pt = &self.buf;
        let off = (self.pos - idx * CHUNK as u64) as usize;
        let n = buf.len().min(pt.len() - off);
        buf[..n].copy_from_slice(&pt[off..off + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for DecReader<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let p = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.pos = p;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn keys() -> Keyring {
        Keyring::generate("2026-01-01T00:00:00Z")
    }

    fn enc(data: &[u8], k: &Keyring) -> Vec<u8> {
        let (c, sha, size) = encrypt_reader(data, Cursor::new(Vec::new()), k).unwrap();
        assert_eq!(size, data.len() as u64);
        assert_eq!(sha, <[u8; 32]>::from(Sha256::digest(data)));
        c.into_inner()
    }

    fn dec(stored: &[u8], k: &Keyring) -> io::Result<Vec<u8>> {
        let mut r = DecReader::open(Cursor::new(stored), k)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trip_at_every_boundary_and_seek() {
        let k = keys();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let s = enc(&data, &k);
            assert_eq!(s.len() as u64, stored_len(len as u64), "{len}");
            assert_eq!(dec(&s, &k).unwrap(), data, "{len}");
            if len > 10 {
                let mut r = DecReader::open(Cursor::new(&s), &k).unwrap();
                let from = len as u64 - 7;
                r.seek(SeekFrom::Start(from)).unwrap();
                let mut tail = Vec::new();
                r.read_to_end(&mut tail).unwrap();
                assert_eq!(tail, data[from as usize..], "{len}");
            }
        }
    }

    /// Everything `read_parallel` returns from `from`, `step` bytes at a time.
    fn dec_parallel(
        stored: &[u8],
        k: &Keyring,
        from: u64,
        step: usize,
        threads: usize,
    ) -> io::Result<Vec<u8>> {
        let mut r = DecReader::open(Cursor::new(stored), k)?;
        r.seek(SeekFrom::Start(from))?;
        let mut out = Vec::new();
        loop {
            let b = r.read_parallel(step, threads)?;
            if b.is_empty() {
                return Ok(out);
            }
            assert!(b.len() <= step);
            out.extend_from_slice(&b);
        }
    }

    #[test]
    fn parallel_reads_give_the_same_bytes_from_any_start_in_any_step() {
        let k = keys();
        // Few bytes per chunk (the cipher is slow in a debug build).
        for (len, chunk_steps) in [(0, true), (1, true), (CHUNK, false), (5 * CHUNK + 7, true)] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let s = enc(&data, &k);
            for from in [0, 1, CHUNK - 3, 2 * CHUNK + 9, len.saturating_sub(2)] {
                let from = from.min(len);
                for step in [CHUNK, CHUNK + 5, 3 * CHUNK - 1, 8 * CHUNK] {
                    if !chunk_steps && step != CHUNK {
                        continue;
                    }
                    for threads in [1, 3] {
                        let got = dec_parallel(&s, &k, from as u64, step, threads).unwrap();
                        assert_eq!(got, data[from..], "len {len} from {from} step {step}");
                    }
                }
            }
            // Sequential and parallel reads mixed on one reader.
            if len > CHUNK {
                let mut r = DecReader::open(Cursor::new(&s), &k).unwrap();
                let mut a = [0u8; 10];
                r.read_exact(&mut a).unwrap();
                let mut got = a.to_vec();
                got.extend(r.read_parallel(CHUNK, 2).unwrap());
                r.read_to_end(&mut got).unwrap();
                assert_eq!(got, data);
            }
        }
    }

    #[test]
    fn parallel_reads_refuse_an_altered_or_cut_off_chunk() {
        let k = keys();
        let data = vec![3u8; 6 * CHUNK + 100];
        let s = enc(&data, &k);
        for at in [HEADER + 5, HEADER + 4 * (CHUNK + TAG) + 1, s.len() - 1] {
            let mut t = s.clone();
            t[at] ^= 1;
            for threads in [1, 2, 4] {
                let e = dec_parallel(&t, &k, 0, 8 * CHUNK, threads).unwrap_err();
                assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
                assert!(e.to_string().contains("does not authenticate"), "{e}");
            }
        }
        // Cut off after the header was read: the reader of a file that shrank.
        let mut r = DecReader::open(Cursor::new(s.clone()), &k).unwrap();
        r.inner.get_mut().truncate(s.len() - 10);
        let e = r.read_parallel(8 * CHUNK, 2).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        assert!(e.to_string().contains("cut off"), "{e}");
    }

    #[test]
    fn tampering_truncation_and_other_keys_are_refused() {
        let k = keys();
        let data = vec![7u8; 2 * CHUNK + 100];
        let s = enc(&data, &k);
        let bad = |s: &[u8]| {
            let e = dec(s, &k).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        };
        let mut t = s.clone();
        t[HEADER + CHUNK + 10] ^= 1;
        bad(&t);
        bad(&s[..s.len() - 1]);
        bad(&s[..HEADER + CHUNK + TAG]);
        for i in [0, 9, 30, PREFIX + 3, PREFIX + 20, HEADER - 1] {
            let mut h = s.clone();
            h[i] ^= 1;
            bad(&h);
        }
        // Chunks swapped.
        let mut sw = s.clone();
        let (a, b) = (HEADER, HEADER + CHUNK + TAG);
        let first = s[a..b].to_vec();
        sw[a..b].copy_from_slice(&s[b..b + CHUNK + TAG]);
        sw[b..b + CHUNK + TAG].copy_from_slice(&first);
        bad(&sw);
        assert!(dec(&s, &keys()).is_err());
        // A rotated key ring still reads files of its older key.
        let mut k2 = k.clone();
        k2.rotate("2026-02-01T00:00:00Z");
        assert_eq!(dec(&s, &k2).unwrap(), data);
    }

    #[test]
    fn no_plaintext_in_the_stored_file() {
        let k = keys();
        let data = b"MARKER-witness-statement ".repeat(10_000);
        let s = enc(&data, &k);
        assert!(!s.windows(7).any(|w| w == b"MARKER-"));
    }
}

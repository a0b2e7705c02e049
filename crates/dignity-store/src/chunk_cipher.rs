//! The chunk cipher of evidence files: XChaCha20-Poly1305 in the STREAM construction
//! (big-endian 32-bit chunk counter and a last-chunk flag after a 19-byte nonce prefix),
//! byte for byte the format of `aead::stream::StreamBE32<XChaCha20Poly1305>` that earlier
//! versions wrote, computed with `ring`'s ChaCha20-Poly1305 (about twice as fast as the
//! portable implementation on x86-64 and ARM: it is most of the cost of an evidence
//! download, docs/benchmarks.md).
//!
//! XChaCha20 is ChaCha20 under a subkey: HChaCha20(key, first 16 bytes of the 24-byte
//! nonce), with the 12-byte nonce `0000 || last 8 bytes`. In STREAM the first 16 bytes of
//! every chunk's nonce are the file's prefix, so the subkey is computed once per file and
//! each chunk is one IETF ChaCha20-Poly1305 call with the nonce
//! `0000 || prefix[16..19] || counter (4, big-endian) || last flag (1)`.

use chacha20::cipher::consts::U10;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use zeroize::Zeroize;

/// Length of the nonce prefix (the 24-byte XChaCha20 nonce less counter and flag).
pub const PREFIX: usize = 19;
/// Length of a chunk's tag.
pub const TAG: usize = 16;

/// The error of a chunk that does not authenticate (or a counter that would wrap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkError;

/// One file's chunk cipher: the XChaCha20 subkey of its key and nonce prefix.
pub struct ChunkCipher {
    key: LessSafeKey,
    tail: [u8; PREFIX - 16],
}

impl ChunkCipher {
    /// The cipher of the file whose key is `key` and nonce prefix is `prefix`.
    pub fn new(key: &[u8; 32], prefix: &[u8; PREFIX]) -> Self {
        let mut sub = chacha20::hchacha::<U10>(key.into(), prefix[..16].into());
        let key = LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, sub.as_slice()).expect("a 32-byte key"),
        );
        sub.as_mut_slice().zeroize();
        let mut tail = [0u8; PREFIX - 16];
        tail.copy_from_slice(&prefix[16..]);
        ChunkCipher { key, tail }
    }

    fn nonce(&self, pos: u32, last: bool) -> Nonce {
        let mut n = [0u8; 12];
        n[4..7].copy_from_slice(&self.tail);
        n[7..11].copy_from_slice(&pos.to_be_bytes());
        n[11] = last as u8;
        Nonce::assume_unique_for_key(n)
    }

    /// Encrypt chunk `pos` in place and append its tag.
    pub fn seal(
        &self,
        pos: u32,
        last: bool,
        aad: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<(), ChunkError> {
        self.key
            .seal_in_place_append_tag(self.nonce(pos, last), Aad::from(aad), buf)
            .map_err(|_| ChunkError)
    }

    /// Decrypt chunk `pos` (ciphertext and tag) in place; returns the plaintext's length
    /// (the tag's bytes are left at the end of `buf`).
    pub fn open(
        &self,
        pos: u32,
        last: bool,
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<usize, ChunkError> {
        self.key
            .open_in_place(self.nonce(pos, last), Aad::from(aad), buf)
            .map(|pt| pt.len())
            .map_err(|_| ChunkError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20poly1305::aead::stream::{NewStream, StreamBE32, StreamPrimitive};
    use chacha20poly1305::aead::KeyInit;
    use chacha20poly1305::XChaCha20Poly1305;
    use rand::Rng;

    fn reference(key: &[u8; 32], prefix: &[u8; PREFIX]) -> StreamBE32<XChaCha20Poly1305> {
        StreamBE32::from_aead(XChaCha20Poly1305::new(key.into()), prefix.into())
    }

    /// Files written by earlier versions (the portable STREAM implementation) open with
    /// this cipher, and what it writes opens with the portable one: same format, for
    /// random keys, prefixes, positions (the ends of the counter included), flags,
    /// associated data and lengths.
    #[test]
    fn same_bytes_as_the_portable_stream() {
        let mut rng = rand::thread_rng();
        for round in 0..300 {
            let (mut key, mut prefix) = ([0u8; 32], [0u8; PREFIX]);
            rng.fill(&mut key);
            rng.fill(&mut prefix);
            let pos = match round % 3 {
                0 => 0,
                1 => u32::MAX - 1,
                _ => rng.gen(),
            };
            let last = rng.gen::<bool>();
            let aad: Vec<u8> = (0..rng.gen_range(0..80)).map(|_| rng.gen()).collect();
            let data: Vec<u8> = (0..rng.gen_range(0..300)).map(|_| rng.gen()).collect();
            let ours = ChunkCipher::new(&key, &prefix);
            let theirs = reference(&key, &prefix);
            let mut a = data.clone();
            ours.seal(pos, last, &aad, &mut a).unwrap();
            let mut b = data.clone();
            theirs
                .encrypt_in_place(pos, last, aad.as_slice(), &mut b)
                .unwrap();
            assert_eq!(a, b, "round {round}");
            let n = ours.open(pos, last, &aad, &mut b).unwrap();
            assert_eq!(&b[..n], data.as_slice());
        }
    }

    #[test]
    fn another_chunk_flag_aad_or_altered_byte_is_refused() {
        let c = ChunkCipher::new(&[7; 32], &[3; PREFIX]);
        let mut sealed = b"witness statement".to_vec();
        c.seal(5, false, b"head", &mut sealed).unwrap();
        for (pos, last, aad) in [
            (6, false, &b"head"[..]),
            (5, true, b"head"),
            (5, false, b"hea"),
        ] {
            assert_eq!(c.open(pos, last, aad, &mut sealed.clone()), Err(ChunkError));
        }
        let mut altered = sealed.clone();
        altered[0] ^= 1;
        assert_eq!(c.open(5, false, b"head", &mut altered), Err(ChunkError));
        let n = c.open(5, false, b"head", &mut sealed).unwrap();
        assert_eq!(&sealed[..n], b"witness statement");
    }
}

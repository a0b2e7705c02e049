//! The SHA-256 and SHA-512 of an evidence upload, computed in a thread of their own while
//! the caller's thread encrypts and writes the file ([`crate::violations::evidence::BlobWriter`]).
//!
//! Both hashes are kept: the SHA-256 is the file's address and what `sha256sum` checks; the
//! SHA-512 goes into the record and the chain of custody manifest (docs/security.md,
//! "Evidence files at rest"). Hashing both costs about as much as encrypting, so on a
//! machine with two cores the upload runs the two side by side instead of one after the
//! other. Memory: at most [`QUEUE`] + 1 blocks of [`BLOCK`] bytes per upload.

use sha2::{Digest, Sha256, Sha512};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

/// Bytes handed to the hashing thread at a time.
const BLOCK: usize = 256 * 1024;
/// Blocks waiting for the hashing thread before a writer waits for it.
const QUEUE: usize = 4;

type Digests = (Sha256, Sha512);

/// Hashes what it is given, in another thread when one could be started (else in the
/// caller's: the same result, one core).
pub(crate) enum UploadHasher {
    Inline(Box<Digests>),
    Thread {
        pending: Vec<u8>,
        tx: SyncSender<Vec<u8>>,
        worker: JoinHandle<Digests>,
    },
}

impl UploadHasher {
    pub(crate) fn new() -> Self {
        let (tx, rx) = sync_channel::<Vec<u8>>(QUEUE);
        let worker = std::thread::Builder::new()
            .name("dignity-upload-hash".into())
            .spawn(move || {
                let (mut h256, mut h512) = (Sha256::new(), Sha512::new());
                for block in rx {
                    h256.update(&block);
                    h512.update(&block);
                }
                (h256, h512)
            });
        match worker {
            Ok(worker) => UploadHasher::Thread {
                pending: Vec::with_capacity(BLOCK),
                tx,
                worker,
            },
            Err(_) => UploadHasher::Inline(Box::new((Sha256::new(), Sha512::new()))),
        }
    }

    pub(crate) fn update(&mut self, mut data: &[u8]) {
        match self {
            UploadHasher::Inline(h) => {
                h.0.update(data);
                h.1.update(data);
            }
            UploadHasher::Thread { pending, tx, .. } => {
                while !data.is_empty() {
                    let n = (BLOCK - pending.len()).min(data.len());
                    pending.extend_from_slice(&data[..n]);
                    data = &data[n..];
                    if pending.len() == BLOCK {
                        let full = std::mem::replace(pending, Vec::with_capacity(BLOCK));
                        if let Err(e) = tx.send(full) {
                            // The thread is gone (it cannot fail but by panicking): hash
                            // the rest here; `finish` reports the loss.
                            *pending = e.0;
                            return;
                        }
                    }
                }
            }
        }
    }

    /// The SHA-256 and the SHA-512 (hex) of everything given.
    pub(crate) fn finish(self) -> std::io::Result<([u8; 32], String)> {
        let (h256, h512) = match self {
            UploadHasher::Inline(h) => *h,
            UploadHasher::Thread {
                pending,
                tx,
                worker,
            } => {
                let sent = pending.is_empty() || tx.send(pending).is_ok();
                drop(tx);
                match worker.join() {
                    Ok(h) if sent => h,
                    _ => return Err(std::io::Error::other("the upload's hashing thread failed")),
                }
            }
        };
        Ok((h256.finalize().into(), hex::encode(h512.finalize())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_digests_as_one_pass_whatever_the_pieces() {
        let data: Vec<u8> = (0..3 * BLOCK + 12_345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        for piece in [1, 1000, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK] {
            let mut h = UploadHasher::new();
            for p in data.chunks(piece) {
                h.update(p);
            }
            let (sha256, sha512) = h.finish().unwrap();
            assert_eq!(sha256, <[u8; 32]>::from(Sha256::digest(&data)), "{piece}");
            assert_eq!(sha512, hex::encode(Sha512::digest(&data)), "{piece}");
        }
        let (empty, _) = UploadHasher::new().finish().unwrap();
        assert_eq!(empty, <[u8; 32]>::from(Sha256::digest(b"")));
    }
}

//! The tamper-evident audit log: a hash chain keyed with a secret kept outside the database.
//!
//! Each entry's `hash` is HMAC-SHA256(audit key, canonical(entry fields, prev_hash)). Because
//! the key lives in the key file (not in the database), someone who can edit the database
//! file cannot recompute a valid chain after changing, deleting, inserting or reordering
//! entries; [`verify`] finds and names the entry at fault. Entries record *hashes* of the
//! before/after content of a record, never the sensitive plaintext.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::HashMap;

type HmacSha256 = Hmac<Sha256>;

/// How far from its position a moved entry is looked for.
const REORDER_WINDOW: i64 = 256;

/// The hash that stands before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// e.g. `user.create`, `record.read`, `export`.
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    /// SHA-256 of the record's canonical content before the change, if it existed.
    pub before_hash: Option<String>,
    /// SHA-256 of the record's canonical content after the change, if it still exists.
    pub after_hash: Option<String>,
    /// Non-sensitive details (a filter, a row count, a field name) as JSON text.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Keyed hash of a record's content, for `before_hash`/`after_hash`: HMAC-SHA256 with the
/// audit key over the canonical JSON (serde_json keeps object keys ordered, so the same
/// content always hashes the same). Keyed, so that someone holding the database but not the
/// key file cannot confirm a guessed value (a name from a list) by hashing it. Entries
/// written before this was keyed keep their plain SHA-256: the chain covers the stored
/// value, so they still verify.
pub fn content_hash(key: &[u8], value: &serde_json::Value) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"dignity-audit-content\0");
    mac.update(value.to_string().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn put(mac: &mut HmacSha256, field: &str) {
    // Length-prefixed so that field boundaries cannot be shifted.
    mac.update(&(field.len() as u64).to_be_bytes());
    mac.update(field.as_bytes());
}

/// Compute the chain hash of an entry (its own `hash` field is ignored).
pub fn entry_hash(key: &[u8], e: &AuditEntry) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    put(&mut mac, &e.seq.to_string());
    put(&mut mac, &e.at);
    put(
        &mut mac,
        &e.actor_id.map(|v| v.to_string()).unwrap_or_default(),
    );
    put(&mut mac, &e.actor_name);
    put(&mut mac, &e.action);
    put(&mut mac, &e.record_type);
    put(&mut mac, &e.record_id);
    put(&mut mac, e.before_hash.as_deref().unwrap_or(""));
    put(&mut mac, e.after_hash.as_deref().unwrap_or(""));
    put(&mut mac, &e.details);
    put(&mut mac, &e.prev_hash);
    hex::encode(mac.finalize().into_bytes())
}

/// Seal an entry: fill in `hash` from its content and `prev_hash`.
pub fn seal(key: &[u8], mut e: AuditEntry) -> AuditEntry {
    e.hash = entry_hash(key, &e);
    e
}

/// What is wrong with the log, entry by entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// The entry's content no longer matches its hash.
    Edited { seq: i64 },
    /// Entries are missing before this one.
    Deleted { after_seq: i64, before_seq: i64 },
    /// The entry verifies, but at another position in the chain.
    Reordered { seq: i64, belongs_after_seq: i64 },
    /// An entry that was never part of the chain.
    Inserted { seq: i64 },
    /// The log ends before the last entry known to the anchor.
    Truncated { last_seq: i64, expected_seq: i64 },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Edited { seq } => write!(f, "entry {seq} was edited after it was written"),
            Problem::Deleted {
                after_seq,
                before_seq,
            } => write!(
                f,
                "entries between {after_seq} and {before_seq} were deleted"
            ),
            Problem::Reordered {
                seq,
                belongs_after_seq,
            } => write!(
                f,
                "entry {seq} was moved: it was written right after entry {belongs_after_seq}"
            ),
            Problem::Inserted { seq } => {
                write!(f, "entry {seq} was inserted: it is not part of the chain")
            }
            Problem::Truncated {
                last_seq,
                expected_seq,
            } => write!(
                f,
                "the log ends at entry {last_seq} but entry {expected_seq} was written (entries deleted at the end)"
            ),
        }
    }
}

/// Check a log given in storage order (by `seq`). `anchor` is the last (seq, hash) recorded
/// outside the log, if any, to catch deletions at the end.
pub fn verify(key: &[u8], entries: &[AuditEntry], anchor: Option<(i64, &str)>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let by_hash: HashMap<&str, &AuditEntry> =
        entries.iter().map(|e| (e.hash.as_str(), e)).collect();
    let mut prev: Option<&AuditEntry> = None;
    for e in entries {
        let valid = entry_hash(key, e) == e.hash;
        if !valid {
            // Reordering: the content verifies with the seq it had when it was written.
            // Try the seq after the entry its prev_hash points at first, then nearby ones.
            let hint = if e.prev_hash == GENESIS {
                Some(0)
            } else {
                by_hash.get(e.prev_hash.as_str()).map(|p| p.seq)
            };
            let verifies_at = |s: i64| {
                let mut probe = e.clone();
                probe.seq = s;
                entry_hash(key, &probe) == e.hash
            };
            let mut candidates: Vec<i64> = hint.map(|p| vec![p + 1]).unwrap_or_default();
            candidates.extend((1..=REORDER_WINDOW).flat_map(|d| [e.seq - d, e.seq + d]));
            let moved = candidates
                .into_iter()
                .filter(|s| *s >= 1 && *s != e.seq)
                .find(|s| verifies_at(*s))
                .map(|s| s - 1);
            match moved {
                Some(p) if p + 1 != e.seq => problems.push(Problem::Reordered {
                    seq: e.seq,
                    belongs_after_seq: p,
                }),
                _ => problems.push(Problem::Edited { seq: e.seq }),
            }
        } else {
            let expected_prev = prev.map(|p| p.hash.as_str()).unwrap_or(GENESIS);
            if e.prev_hash != expected_prev {
                let pred_seq = prev.map(|p| p.seq).unwrap_or(0);
                if by_hash.contains_key(e.prev_hash.as_str()) || e.prev_hash == GENESIS {
                    // It links to an entry elsewhere: something moved around it.
                    if e.seq != pred_seq + 1 {
                        problems.push(Problem::Deleted {
                            after_seq: pred_seq,
                            before_seq: e.seq,
                        });
                    }
                } else if e.seq > pred_seq + 1 {
                    problems.push(Problem::Deleted {
                        after_seq: pred_seq,
                        before_seq: e.seq,
                    });
                } else {
                    problems.push(Problem::Inserted { seq: e.seq });
                }
            } else if let Some(p) = prev {
                if e.seq != p.seq + 1 {
                    problems.push(Problem::Inserted { seq: e.seq });
                }
            }
        }
        prev = Some(e);
    }
    if let Some((seq, hash)) = anchor {
        let last = entries.last().map(|e| e.seq).unwrap_or(0);
        if last < seq {
            problems.push(Problem::Truncated {
                last_seq: last,
                expected_seq: seq,
            });
        } else if let Some(e) = entries.iter().find(|e| e.seq == seq) {
            if e.hash != hash
                && !problems
                    .iter()
                    .any(|p| matches!(p, Problem::Edited { seq: s } if *s == seq))
            {
                problems.push(Problem::Edited { seq });
            }
        }
    }
    problems.dedup();
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test audit key, 32 bytes long!!!";

    #[test]
    fn content_hashes_are_keyed() {
        use sha2::Digest;
        let v = serde_json::json!({ "name": "Amaru Quispe" });
        let h = content_hash(KEY, &v);
        // Not the plain SHA-256 that anyone could compute from a guessed name…
        assert_ne!(h, hex::encode(Sha256::digest(v.to_string().as_bytes())));
        // …and another key gives another hash; the same key, the same.
        assert_ne!(h, content_hash(b"another key", &v));
        assert_eq!(h, content_hash(KEY, &v));
        assert_eq!(h.len(), 64);
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map(|e| e.hash.clone()).unwrap_or(GENESIS.into());
            out.push(seal(
                KEY,
                AuditEntry {
                    seq,
                    at: format!("2026-11-23T10:00:{seq:02}Z"),
                    actor_id: Some(1),
                    actor_name: "amina".into(),
                    action: "record.update".into(),
                    record_type: "event".into(),
                    record_id: seq.to_string(),
                    before_hash: None,
                    after_hash: Some(content_hash(KEY, &serde_json::json!({ "n": seq }))),
                    details: "{}".into(),
                    prev_hash: prev,
                    hash: String::new(),
                },
            ));
        }
        out
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let c = chain(10);
        assert!(verify(KEY, &c, Some((10, &c[9].hash))).is_empty());
    }

    #[test]
    fn an_edited_entry_is_named() {
        let mut c = chain(10);
        c[4].actor_name = "someone else".into();
        assert_eq!(verify(KEY, &c, None), vec![Problem::Edited { seq: 5 }]);
    }

    #[test]
    fn a_deleted_entry_is_named() {
        let mut c = chain(10);
        c.remove(6); // seq 7
        assert_eq!(
            verify(KEY, &c, None),
            vec![Problem::Deleted {
                after_seq: 6,
                before_seq: 8
            }]
        );
    }

    #[test]
    fn deleting_and_renumbering_is_still_caught() {
        let mut c = chain(6);
        c.remove(2);
        for (i, e) in c.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        let p = verify(KEY, &c, None);
        assert!(!p.is_empty());
        assert!(p
            .iter()
            .all(|p| matches!(p, Problem::Reordered { .. } | Problem::Edited { .. })));
    }

    #[test]
    fn an_inserted_entry_is_named() {
        let mut c = chain(5);
        let mut fake = c[2].clone();
        fake.seq = 100;
        fake.action = "user.delete".into();
        fake.hash = "f".repeat(64);
        c.push(fake);
        assert_eq!(verify(KEY, &c, None), vec![Problem::Edited { seq: 100 }]);
        // A forged entry sealed with the wrong key is caught too.
        let mut c = chain(5);
        let forged = seal(
            b"not the key",
            AuditEntry {
                seq: 6,
                prev_hash: c[4].hash.clone(),
                ..c[4].clone()
            },
        );
        c.push(forged);
        assert_eq!(verify(KEY, &c, None), vec![Problem::Edited { seq: 6 }]);
    }

    #[test]
    fn swapped_entries_are_reported_as_reordered() {
        let mut c = chain(6);
        // Swap entries 3 and 4 including their positions (seq values swapped too).
        let (a, b) = (c[2].clone(), c[3].clone());
        c[2] = AuditEntry { seq: 3, ..b };
        c[3] = AuditEntry { seq: 4, ..a };
        let p = verify(KEY, &c, None);
        assert!(p.contains(&Problem::Reordered {
            seq: 3,
            belongs_after_seq: 3
        }));
        assert!(p.contains(&Problem::Reordered {
            seq: 4,
            belongs_after_seq: 2
        }));
    }

    #[test]
    fn truncation_at_the_end_is_caught_by_the_anchor() {
        let c = chain(8);
        let anchor_hash = c[7].hash.clone();
        let short = &c[..6];
        assert_eq!(
            verify(KEY, short, Some((8, &anchor_hash))),
            vec![Problem::Truncated {
                last_seq: 6,
                expected_seq: 8
            }]
        );
    }
}

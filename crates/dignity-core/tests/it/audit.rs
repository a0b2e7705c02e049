//! The audit log's hash chain: a chain as written verifies, and any edit, deletion or swap
//! of its entries is found.

use crate::config;
use dignity_core::audit::{seal, verify, AuditEntry, GENESIS};
use proptest::prelude::*;

const KEY: &[u8] = b"property test audit key, 32 b!!!";

/// The fields of one entry, before it is chained.
fn fields() -> impl Strategy<Value = (Option<i64>, String, String, String)> {
    (
        proptest::option::of(1i64..50),
        "[a-z]{1,8}",
        "(record|user)\\.(read|create|update)",
        "\\PC{0,20}",
    )
}

/// A chain of `n` entries, sealed in order as the store writes them.
fn chain() -> impl Strategy<Value = Vec<AuditEntry>> {
    proptest::collection::vec(fields(), 1..10).prop_map(|rows| {
        let mut out: Vec<AuditEntry> = Vec::new();
        for (i, (actor_id, actor_name, action, details)) in rows.into_iter().enumerate() {
            let prev_hash = out.last().map_or(GENESIS.to_string(), |e| e.hash.clone());
            out.push(seal(
                KEY,
                AuditEntry {
                    seq: i as i64 + 1,
                    at: format!("2024-01-01T00:00:{:02}Z", i % 60),
                    actor_id,
                    actor_name,
                    action,
                    record_type: "vio_events".into(),
                    record_id: (i + 1).to_string(),
                    before_hash: None,
                    after_hash: Some(format!("{i:064x}")),
                    details,
                    prev_hash,
                    hash: String::new(),
                },
            ));
        }
        out
    })
}

fn anchor(c: &[AuditEntry]) -> Option<(i64, &str)> {
    c.last().map(|e| (e.seq, e.hash.as_str()))
}

proptest! {
    #![proptest_config(config(64))]

    /// A chain as written verifies, with its anchor.
    #[test]
    fn a_written_chain_verifies(c in chain()) {
        prop_assert_eq!(verify(KEY, &c, anchor(&c)), vec![]);
    }

    /// Changing any field of any entry is found.
    #[test]
    fn an_edit_is_found(
        c in chain(), at in any::<proptest::sample::Index>(), field in 0..6u8, text in "\\PC{1,10}",
    ) {
        let a = anchor(&c).map(|(s, h)| (s, h.to_string()));
        let mut c2 = c.clone();
        let e = &mut c2[at.index(c.len())];
        match field {
            0 => e.actor_name.push_str(&text),
            1 => e.action.push_str(&text),
            2 => e.details.push_str(&text),
            3 => e.actor_id = Some(e.actor_id.unwrap_or(0) + 1),
            4 => e.record_id.push_str(&text),
            _ => e.after_hash = None,
        }
        let found = verify(KEY, &c2, a.as_ref().map(|(s, h)| (*s, h.as_str())));
        prop_assert!(!found.is_empty());
    }

    /// Deleting any entry is found (the last one through the anchor kept outside the log).
    #[test]
    fn a_deletion_is_found(c in chain(), at in any::<proptest::sample::Index>()) {
        let a = anchor(&c).map(|(s, h)| (s, h.to_string()));
        let mut c2 = c.clone();
        c2.remove(at.index(c.len()));
        prop_assert!(!verify(KEY, &c2, a.as_ref().map(|(s, h)| (*s, h.as_str()))).is_empty());
    }

    /// Swapping two entries is found.
    #[test]
    fn a_swap_is_found(
        c in chain().prop_filter("two entries", |c| c.len() >= 2),
        i in any::<proptest::sample::Index>(),
        d in any::<proptest::sample::Index>(),
    ) {
        let i = i.index(c.len());
        let j = (i + 1 + d.index(c.len() - 1)) % c.len();
        let mut c2 = c.clone();
        c2.swap(i, j);
        prop_assert!(!verify(KEY, &c2, anchor(&c)).is_empty());
    }
}

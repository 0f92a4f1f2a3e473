//! The audit log as a hash chain: every operator and admin action is one entry (who, what,
//! when, on what, the state before and after), and each entry's hash covers its number, its
//! fields and the previous entry's hash. Changing, removing or moving a stored entry breaks
//! the chain at that entry, and [`verify`] names it.
//!
//! A chain kept where an attacker can write can be recomputed from the changed entry to the
//! end; the head (`seq`, `hash`) printed by `radar audit verify`, kept elsewhere, is the
//! anchor: [`verify`] checks that an earlier head is still part of the chain.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::Timestamp;

/// The `prev` of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// An action to record, before the store gives it its number and links it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditDraft {
    pub time: Timestamp,
    /// Who: `user:anna`, `token:3f2a…` (an API token, by its id), `operator-token` (the
    /// bootstrap token), `cli` (a command run on the server).
    pub actor: String,
    /// What: `incident.declare`, `statement.add`, `user.add`, …
    pub action: String,
    /// On what: an incident id, a component, a user name.
    pub target: String,
    /// The state before (JSON text), if there was one.
    pub before: Option<String>,
    /// The state after (JSON text), if there is one.
    pub after: Option<String>,
}

/// A stored entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// 1, 2, 3, … in the order written.
    pub seq: i64,
    pub draft: AuditDraft,
    /// The previous entry's hash ([`GENESIS`] for the first).
    pub prev: [u8; 32],
    pub hash: [u8; 32],
}

impl AuditDraft {
    /// The entry this draft becomes as number `seq` after an entry whose hash is `prev`.
    pub fn chain(self, seq: i64, prev: [u8; 32]) -> AuditEntry {
        let hash = entry_hash(seq, &prev, &self);
        AuditEntry {
            seq,
            draft: self,
            prev,
            hash,
        }
    }
}

/// SHA-256 over a version tag, the number, the previous hash and every field
/// (length-prefixed, so no two different entries encode alike).
pub fn entry_hash(seq: i64, prev: &[u8; 32], d: &AuditDraft) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"radar-audit-v1");
    h.update(seq.to_le_bytes());
    h.update(prev);
    h.update(d.time.0.to_le_bytes());
    for field in [
        Some(d.actor.as_str()),
        Some(d.action.as_str()),
        Some(d.target.as_str()),
        d.before.as_deref(),
        d.after.as_deref(),
    ] {
        match field {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    h.finalize().into()
}

/// The last entry of a verified chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: [u8; 32],
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, hex(&self.hash))
    }
}

impl Head {
    /// Reads `SEQ:HASH` as [`Head`]'s `Display` writes it.
    pub fn parse(s: &str) -> Option<Head> {
        let (seq, hash) = s.trim().split_once(':')?;
        let seq = seq.parse().ok()?;
        let bytes = unhex(hash)?;
        Some(Head {
            seq,
            hash: bytes.try_into().ok()?,
        })
    }
}

/// The first place where a stored chain differs from what was written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Tamper {
    #[error("entry {seq} was altered: its fields no longer match its hash")]
    Altered { seq: i64 },
    #[error("entry {seq} was altered: entry {next} no longer follows it")]
    AlteredBefore { seq: i64, next: i64 },
    #[error("entries {first} to {last} were removed: entry {next} follows entry {after}")]
    Removed {
        first: i64,
        last: i64,
        after: i64,
        next: i64,
    },
    #[error("entry {seq} was moved: it is stored as entry {stored_as}")]
    Reordered { seq: i64, stored_as: i64 },
    #[error("the chain is not the one anchored at {anchor}: {why}")]
    Anchor { anchor: String, why: String },
}

/// Checks a chain read in stored order (by `seq`). `anchor`, an earlier [`Head`], must still
/// be part of it. Returns the head (None for an empty log).
pub fn verify(entries: &[AuditEntry], anchor: Option<Head>) -> Result<Option<Head>, Tamper> {
    let mut prev = GENESIS;
    let max_seq = entries.iter().map(|e| e.seq).max().unwrap_or(0);
    for (expected, e) in (1i64..).zip(entries) {
        if entry_hash(e.seq, &e.prev, &e.draft) != e.hash {
            // Written under another number: the entry itself is intact but was moved.
            let written_as = (1..=max_seq.max(expected) + 1)
                .filter(|k| *k != e.seq)
                .find(|k| entry_hash(*k, &e.prev, &e.draft) == e.hash);
            return Err(match written_as {
                Some(k) => Tamper::Reordered {
                    seq: k,
                    stored_as: e.seq,
                },
                None => Tamper::Altered { seq: e.seq },
            });
        }
        if e.seq != expected {
            return Err(Tamper::Removed {
                first: expected,
                last: e.seq - 1,
                after: expected - 1,
                next: e.seq,
            });
        }
        if e.prev != prev {
            return Err(Tamper::AlteredBefore {
                seq: e.seq - 1,
                next: e.seq,
            });
        }
        prev = e.hash;
    }
    let head = entries.last().map(|e| Head {
        seq: e.seq,
        hash: e.hash,
    });
    if let Some(a) = anchor {
        let why = match entries.iter().find(|e| e.seq == a.seq) {
            None => Some(format!(
                "entry {} is missing (the log ends at {})",
                a.seq,
                head.map_or(0, |h| h.seq)
            )),
            Some(e) if e.hash != a.hash => Some(format!(
                "entry {} has another hash: it or an entry before it was rewritten",
                a.seq
            )),
            Some(_) => None,
        };
        if let Some(why) = why {
            return Err(Tamper::Anchor {
                anchor: a.to_string(),
                why,
            });
        }
    }
    Ok(head)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let e = AuditDraft {
                    time: Timestamp(1_000 + seq),
                    actor: "user:anna".into(),
                    action: "statement.add".into(),
                    target: format!("net-{seq}"),
                    before: (seq > 1).then(|| "{}".to_owned()),
                    after: Some(format!("{{\"n\":{seq}}}")),
                }
                .chain(seq, prev);
                prev = e.hash;
                e
            })
            .collect()
    }

    #[test]
    fn a_clean_chain_verifies() {
        let c = chain(5);
        let head = verify(&c, None).unwrap().unwrap();
        assert_eq!(head.seq, 5);
        assert_eq!(Head::parse(&head.to_string()), Some(head));
        assert_eq!(verify(&[], None), Ok(None));
        let anchor = Head {
            seq: 3,
            hash: c[2].hash,
        };
        assert!(verify(&c, Some(anchor)).is_ok());
    }

    #[test]
    fn an_altered_entry_is_named() {
        let mut c = chain(5);
        c[2].draft.after = Some("{\"n\":99}".into());
        assert_eq!(verify(&c, None), Err(Tamper::Altered { seq: 3 }));
    }

    #[test]
    fn an_altered_and_rehashed_entry_is_named_by_its_successor() {
        let mut c = chain(5);
        c[1].draft.actor = "user:mallory".into();
        c[1].hash = entry_hash(2, &c[1].prev, &c[1].draft);
        assert_eq!(
            verify(&c, None),
            Err(Tamper::AlteredBefore { seq: 2, next: 3 })
        );
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify(&c, None),
            Err(Tamper::Removed {
                first: 2,
                last: 2,
                after: 1,
                next: 3
            })
        );
    }

    #[test]
    fn a_moved_entry_is_named() {
        let mut c = chain(5);
        // Swap the numbers of entries 2 and 3, as an UPDATE of their seq would.
        c[1].seq = 3;
        c[2].seq = 2;
        c.swap(1, 2);
        assert_eq!(
            verify(&c, None),
            Err(Tamper::Reordered {
                seq: 3,
                stored_as: 2
            })
        );
    }

    #[test]
    fn a_recomputed_or_truncated_chain_fails_its_anchor() {
        let c = chain(5);
        let anchor = Head {
            seq: 5,
            hash: c[4].hash,
        };
        let truncated = &c[..4];
        assert!(matches!(
            verify(truncated, Some(anchor)),
            Err(Tamper::Anchor { .. })
        ));
        let mut rewritten = c.clone();
        rewritten[4].draft.target = "x".into();
        rewritten[4].hash = entry_hash(5, &rewritten[4].prev, &rewritten[4].draft);
        assert!(verify(&rewritten, None).is_ok());
        assert!(matches!(
            verify(&rewritten, Some(anchor)),
            Err(Tamper::Anchor { .. })
        ));
    }
}

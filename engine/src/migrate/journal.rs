//! The migration journal: what a migration has done so far, kept in the coordinator's store so
//! that a run killed at any point can be finished by running the same command again.
//!
//! One record describes the run (the policy it moves to, the effective instant, the credentials
//! it re-issues); one record per credential describes how far that credential got. Each step
//! of the migration is one commit of one of these records, made after the step's effect is
//! durable at the parties and before the next step begins.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::store::{CredentialId, Store, StoreError};

/// The journal key of the run record.
const RUN_KEY: &[u8] = b"migration";
/// The prefix of the per-credential records; the old credential's id follows.
const ENTRY_PREFIX: &[u8] = b"migration/";

/// The migration as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct RunRecord {
    /// The version of the policy the run moves to.
    pub(super) version: u64,
    /// Its digest.
    pub(super) digest: [u8; 32],
    /// The effective instant, Unix seconds: the instant the policy's states are judged at.
    pub(super) effective: i64,
    /// When the run began, Unix seconds.
    pub(super) started: i64,
    /// The credentials it re-issues, in order.
    pub(super) items: Vec<[u8; 16]>,
    /// Whether every credential was re-issued.
    pub(super) finished: bool,
}

impl RunRecord {
    pub(super) fn effective(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.effective).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// How far one credential got.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Entry {
    /// The identifier of a key generation begun but not known to have finished.
    pub(super) pending: Option<[u8; 16]>,
    /// The successor, once every holder stored its share.
    pub(super) new: Option<[u8; 16]>,
    /// The old key's signature of the rollover statement.
    #[serde(with = "serde_bytes")]
    pub(super) old_signature: Option<Vec<u8>>,
    /// Why the old key did not sign it.
    pub(super) old_skipped: Option<String>,
    /// The new key's signature of the statement.
    #[serde(with = "serde_bytes")]
    pub(super) new_signature: Option<Vec<u8>>,
    /// Whether every holder made the old credential verify-only and linked it.
    pub(super) retired: bool,
}

/// The journal in the coordinator's store.
pub(super) struct Journal<'a>(pub(super) &'a Store);

impl Journal<'_> {
    pub(super) fn run(&self) -> Result<Option<RunRecord>, StoreError> {
        self.0.journal(RUN_KEY)
    }

    pub(super) fn put_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        self.0.put_journal(RUN_KEY, run)
    }

    pub(super) fn entry(&self, old: &CredentialId) -> Result<Entry, StoreError> {
        Ok(self.0.journal(&entry_key(old))?.unwrap_or_default())
    }

    pub(super) fn put_entry(&self, old: &CredentialId, entry: &Entry) -> Result<(), StoreError> {
        self.0.put_journal(&entry_key(old), entry)
    }
}

fn entry_key(old: &CredentialId) -> Vec<u8> {
    [ENTRY_PREFIX, old.as_bytes().as_slice()].concat()
}

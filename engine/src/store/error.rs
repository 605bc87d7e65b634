//! What can go wrong with a key store. Every error names the store file, and the table and
//! record when one is involved, so an operator can tell which store and which credential.

use std::io;
use std::path::PathBuf;

use qoesign_algorithms::{SessionId, WireError};
use qoesign_policy::PolicyDigest;

use super::{CredentialId, CredentialState};

/// A key store operation that failed. Whatever the error, nothing stored was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The operating system refused a file operation.
    #[error("store {path}: cannot {action}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done, e.g. `read the file`.
        action: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
    /// The passphrase could not be read, or is empty.
    #[error("passphrase from {origin}: {reason}")]
    Passphrase {
        /// Where it was read from: an environment variable or a file.
        origin: String,
        /// Why it is unusable.
        reason: String,
    },
    /// The Argon2id parameters are outside what this build accepts.
    #[error("key derivation parameters {reason}")]
    KdfParams {
        /// Which bound is broken.
        reason: String,
    },
    /// [`Store::create`](super::Store::create) found a store (or another file) already there.
    #[error("store {path} already exists")]
    Exists {
        /// The store file.
        path: PathBuf,
    },
    /// [`Store::open`](super::Store::open) found no store file.
    #[error("store {path} does not exist")]
    Missing {
        /// The store file.
        path: PathBuf,
    },
    /// Another process (or another [`Store`](super::Store) of this process) has the store open.
    #[error("store {path} is in use by another process or handle")]
    InUse {
        /// The store file.
        path: PathBuf,
    },
    /// The database file itself is damaged: truncated, a flipped byte in a page, a broken
    /// B-tree. Nothing was repaired or written.
    #[error("store {path} is damaged ({detail}); the file was left as it is")]
    Damaged {
        /// The store file.
        path: PathBuf,
        /// What the database reported.
        detail: String,
    },
    /// A record failed its integrity check: it was altered, or moved from another record, table
    /// or store. Nothing was repaired or written.
    #[error("store {path}: record {record} in table {table} is damaged or was moved ({detail})")]
    RecordDamaged {
        /// The store file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// The record key (a credential id, a policy digest, a session id, or `header`).
        record: String,
        /// What failed.
        detail: String,
    },
    /// The passphrase does not open this store (the header's check value did not
    /// authenticate).
    #[error("store {path}: wrong passphrase")]
    WrongPassphrase {
        /// The store file.
        path: PathBuf,
    },
    /// The store was written by a newer build; nothing was changed.
    #[error("store {path} was written by schema {found}; this build reads up to {supported}")]
    NewerSchema {
        /// The store file.
        path: PathBuf,
        /// The schema in the store's header.
        found: u32,
        /// The newest schema this build reads.
        supported: u32,
    },
    /// A credential with this id is already stored.
    #[error("store {path}: credential {credential} already exists")]
    Duplicate {
        /// The store file.
        path: PathBuf,
        /// The credential.
        credential: CredentialId,
    },
    /// No credential with this id is stored.
    #[error("store {path}: no credential {credential}")]
    NotFound {
        /// The store file.
        path: PathBuf,
        /// The credential.
        credential: CredentialId,
    },
    /// The credential was destroyed: its share is gone.
    #[error("store {path}: credential {credential} was destroyed; it has no share")]
    Destroyed {
        /// The store file.
        path: PathBuf,
        /// The credential.
        credential: CredentialId,
    },
    /// The credential is retired: its public key still verifies, but it signs no more.
    #[error("store {path}: credential {credential} is retired (verify only); it cannot sign")]
    Retired {
        /// The store file.
        path: PathBuf,
        /// The credential.
        credential: CredentialId,
    },
    /// A state change the lifecycle does not allow (a destroyed or retired key cannot come
    /// back).
    #[error("store {path}: credential {credential} cannot go from {from} to {to}")]
    StateChange {
        /// The store file.
        path: PathBuf,
        /// The credential.
        credential: CredentialId,
        /// Its current state.
        from: CredentialState,
        /// The state asked for.
        to: CredentialState,
    },
    /// A credential, a share or a lineage link that does not fit what is stored (or does not
    /// fit itself); nothing was written.
    #[error("store {path}: credential {credential}: {reason}")]
    Mismatch {
        /// The store file.
        path: PathBuf,
        /// The credential.
        credential: CredentialId,
        /// What does not fit.
        reason: String,
    },
    /// A key share could not be encoded or decoded.
    #[error("store {path}: share of credential {credential}: {source}")]
    Share {
        /// The store file.
        path: PathBuf,
        /// The credential.
        credential: CredentialId,
        /// The share format's error.
        source: WireError,
    },
    /// A policy with this digest or version is already accepted with different contents.
    #[error("store {path}: policy {digest} (version {version}) conflicts: {reason}")]
    PolicyConflict {
        /// The store file.
        path: PathBuf,
        /// The digest of the policy offered.
        digest: PolicyDigest,
        /// Its version.
        version: u64,
        /// What conflicts.
        reason: String,
    },
    /// The session was claimed before: a replayed session is refused.
    #[error("store {path}: session {session} was already claimed (replayed session)")]
    SessionReplayed {
        /// The store file.
        path: PathBuf,
        /// The session.
        session: SessionId,
    },
    /// A schema upgrade step is missing or failed (a bug of this build); nothing was changed.
    #[error("store {path}: cannot upgrade from schema {from}: {reason}")]
    Upgrade {
        /// The store file.
        path: PathBuf,
        /// The schema the failing step starts from.
        from: u32,
        /// What went wrong.
        reason: String,
    },
    /// The store was opened for reading only ([`Store::open_read_only`](super::Store)), or
    /// needs a schema upgrade before it can be.
    #[error("store {path} is open for reading only")]
    ReadOnly {
        /// The store file.
        path: PathBuf,
    },
    /// A crash injected by a test ([`crate::fault::CrashPoint`]) stopped this write before
    /// it committed.
    #[error("store {path}: an injected crash stopped the write; nothing was committed")]
    Crashed {
        /// The store file.
        path: PathBuf,
    },
    /// The database failed at run time (a transaction could not begin or commit, a disk
    /// error).
    #[error("store {path}: database error: {detail}")]
    Database {
        /// The store file.
        path: PathBuf,
        /// What the database reported.
        detail: String,
    },
}

//! The key store of one party: its credentials, its encrypted key shares, the policies it
//! accepted, and the sessions it took part in.
//!
//! Every party (each provider's node and each user's device) has its own store: one
//! directory holding one [redb](https://docs.rs/redb) file, `store.redb`, an embedded ACID
//! database (copy-on-write B-trees, one writer at a time, every commit durable when it
//! returns).
//!
//! # Encryption at rest
//!
//! An operator passphrase (from an environment variable or a file, see [`Passphrase`]) and a
//! random salt give a root key through Argon2id ([`KdfParams`]; RFC 9106). Every record except
//! the header is sealed with XChaCha20-Poly1305 under a key derived from it, with a fresh
//! random 24-byte nonce on every write. The associated data binds the store's random id, the
//! schema version, the table and the record key, so a record altered, or copied to another
//! credential, table or store, fails to open. Metadata is sealed like shares: names and
//! public keys are confidential too, and a flipped byte in any record is detected.
//!
//! The header is the one record in the clear: schema version, store id, party, Argon2id
//! parameters and salt, a SHA3-256 digest (a damaged header is told apart from a wrong
//! passphrase) and a check value sealed under the derived key over all of those fields, which
//! authenticates the passphrase before any other record is read.
//!
//! Decrypted shares live only in memory, in [`KeyShare`]s (which zeroize their secret) and in
//! zeroizing buffers.
//!
//! # Nothing changes on failure
//!
//! [`Store::open`] checks a store before it trusts it, without writing to it: redb's open,
//! with its full integrity check (every page checksum), runs on a copy-on-write view of the
//! file whose writes stay in memory; then the header, the passphrase and every record are
//! checked. Only a store that passes is opened for writing (redb then repairs a store left by
//! a crash). Every write runs in one transaction that commits only when everything checked
//! out; any error aborts it.
//!
//! # Schema upgrades
//!
//! The header records the schema that wrote the store. An older one is upgraded in one write
//! transaction when the store is opened; a newer one is refused, and the file is left as it
//! is. See the `schema` module for how a new schema is added.

mod check;
mod error;
mod header;
mod overlay;
mod passphrase;
mod record;
mod schema;
mod seal;

pub use error::StoreError;
pub use passphrase::{KdfParams, Passphrase};
pub use record::{
    AcceptedPolicy, Credential, CredentialId, CredentialIdError, CredentialState, Holder,
};

use std::fmt;
use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use qoesign_algorithms::{KeyShare, SessionId};
use qoesign_policy::PolicyDigest;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use header::{Header, HeaderFields};
use record::{CredentialRecord, PolicyRecord, SessionRecord};
use seal::Sealer;

use crate::fault::CrashPoint;

/// One party's key store. `Send + Sync`: share it between threads behind an `Arc`.
pub struct Store {
    db: Database,
    dir: PathBuf,
    file: PathBuf,
    party: String,
    schema: u32,
    sealer: Sealer,
    crash: Option<Arc<CrashPoint>>,
    read_only: bool,
    /// For a store opened read-only: redb's read-only handle, which keeps writers out.
    _reader: Option<redb::ReadOnlyDatabase>,
}

impl Store {
    /// Creates an empty store for `party` in the directory `dir` (created if missing), locked
    /// by `passphrase` with the Argon2id parameters `kdf`.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Exists`] when `dir` already holds a store file,
    /// [`StoreError::Passphrase`] for an empty passphrase or party name,
    /// [`StoreError::KdfParams`] for parameters out of bounds, and [`StoreError::Io`] or
    /// [`StoreError::Database`] when the file cannot be made. A failed create leaves no file.
    pub fn create(
        dir: &Path,
        party: &str,
        passphrase: &Passphrase,
        kdf: KdfParams,
    ) -> Result<Self, StoreError> {
        let file = dir.join(FILE_NAME);
        if passphrase.is_empty() {
            return Err(StoreError::Passphrase {
                origin: "the caller".to_owned(),
                reason: "empty".to_owned(),
            });
        }
        if party.is_empty() {
            return Err(StoreError::Passphrase {
                origin: "the caller".to_owned(),
                reason: "the party name is empty".to_owned(),
            });
        }
        let fields = HeaderFields {
            store_id: random(&file)?,
            party: party.to_owned(),
            kdf,
            salt: random(&file)?,
        };
        let root = passphrase::derive_root_key(passphrase, &kdf, &fields.salt)?;
        let sealer = Sealer::new(&root, fields.store_id, schema::CURRENT);
        let header = Header::new(schema::CURRENT, fields, &sealer).map_err(|reason| {
            StoreError::Database {
                path: file.clone(),
                detail: format!("cannot seal the header: {reason}"),
            }
        })?;

        private_dir(dir).map_err(|source| StoreError::Io {
            path: dir.to_owned(),
            action: "create the store directory",
            source,
        })?;
        // `create_new` makes the file only if there is none, so an existing store is never
        // opened here, let alone overwritten.
        private_file(&file).map_err(|source| match source.kind() {
            io::ErrorKind::AlreadyExists => StoreError::Exists { path: file.clone() },
            _ => StoreError::Io {
                path: file.clone(),
                action: "create the store file",
                source,
            },
        })?;
        let made = Self::initialise(dir, &file, header, sealer);
        if made.is_err() {
            // Best effort: the file is ours and holds nothing worth keeping.
            let _ = std::fs::remove_file(&file);
        }
        made
    }

    /// Opens the store in `dir` with `passphrase`, after checking all of it (see the module
    /// docs); runs the schema upgrades an older store needs.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Missing`] when there is no store file, [`StoreError::InUse`] when
    /// another handle has it open, [`StoreError::Damaged`] for a damaged file (truncated,
    /// flipped bytes in the database's pages), [`StoreError::RecordDamaged`] for a record
    /// that fails its integrity check, [`StoreError::NewerSchema`] for a store of a newer
    /// build, [`StoreError::WrongPassphrase`], and [`StoreError::Upgrade`] when an upgrade
    /// cannot run. In every error case the file is left exactly as it was.
    pub fn open(dir: &Path, passphrase: &Passphrase) -> Result<Self, StoreError> {
        let file = dir.join(FILE_NAME);
        let checked = check::check_file(&file, passphrase)?;
        let db = Database::open(&file).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse { path: file.clone() },
            other => StoreError::Database {
                path: file.clone(),
                detail: other.to_string(),
            },
        })?;
        let store = Self {
            db,
            dir: dir.to_owned(),
            file,
            party: checked.header.fields.party.clone(),
            schema: checked.header.schema,
            sealer: checked.sealer,
            crash: None,
            read_only: false,
            _reader: None,
        };
        if store.schema < schema::CURRENT {
            return store.upgrade(checked.root, checked.header);
        }
        Ok(store)
    }

    /// Opens the store in `dir` for reading only, after the same checks as [`Store::open`]:
    /// the file is never written, not even when the store closes (redb records its allocator
    /// state on close), and every write is refused with [`StoreError::ReadOnly`]. While it is
    /// open, no other handle can write the store.
    ///
    /// # Errors
    ///
    /// As [`Store::open`], and [`StoreError::ReadOnly`] for a store of an older schema (it
    /// must be upgraded by [`Store::open`] first).
    pub fn open_read_only(dir: &Path, passphrase: &Passphrase) -> Result<Self, StoreError> {
        let file = dir.join(FILE_NAME);
        let checked = check::check_file(&file, passphrase)?;
        if checked.header.schema < schema::CURRENT {
            return Err(StoreError::ReadOnly { path: file });
        }
        let (db, guard) = check::view(&file)?;
        Ok(Self {
            db,
            _reader: guard,
            dir: dir.to_owned(),
            party: checked.header.fields.party.clone(),
            schema: checked.header.schema,
            sealer: checked.sealer,
            crash: None,
            read_only: true,
            file,
        })
    }

    /// The party this store belongs to.
    pub fn party(&self) -> &str {
        &self.party
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Stores a new credential with this party's share of its key.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Duplicate`] when the id is taken, [`StoreError::Mismatch`] when
    /// the share does not fit the credential (algorithm, scheme, key, holders, threshold,
    /// required holder) or the credential is destroyed, and [`StoreError::Share`] when the
    /// share cannot be encoded.
    pub fn insert_credential(
        &self,
        credential: &Credential,
        share: &KeyShare,
    ) -> Result<(), StoreError> {
        let id = credential.id;
        if let Some(reason) = credential.mismatch(share) {
            return Err(self.mismatch(id, reason));
        }
        if credential.state == CredentialState::Destroyed {
            return Err(self.mismatch(id, "a new credential cannot be destroyed".to_owned()));
        }
        if credential.replaced_by.is_some() || credential.replaces == Some(id) {
            return Err(self.mismatch(id, "a new credential has an impossible lineage".to_owned()));
        }
        self.write(|txn| {
            if self.get_credential(txn, &id)?.is_some() {
                return Err(StoreError::Duplicate {
                    path: self.file.clone(),
                    credential: id,
                });
            }
            self.put_credential(txn, credential)?;
            self.put_share(txn, &id, share)
        })
    }

    /// The credential `id`.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::NotFound`], or [`StoreError::RecordDamaged`] when its record fails
    /// its integrity check.
    pub fn credential(&self, id: &CredentialId) -> Result<Credential, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_error(e))?;
        self.get_credential_ro(&txn, id)?
            .ok_or_else(|| self.not_found(*id))
    }

    /// Every credential, oldest first (ties by id).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::RecordDamaged`] when a record fails its integrity check.
    pub fn credentials(&self) -> Result<Vec<Credential>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_error(e))?;
        let table = txn.open_table(CREDENTIALS).map_err(|e| self.db_error(e))?;
        let mut all = Vec::new();
        for entry in table.iter().map_err(|e| self.db_error(e))? {
            let (key, value) = entry.map_err(|e| self.db_error(e))?;
            all.push(self.decode_credential(key.value(), value.value())?);
        }
        all.sort_by_key(|c| (c.created, c.id));
        Ok(all)
    }

    /// This party's share of credential `id`, decrypted (it zeroizes its secret on drop).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::NotFound`], [`StoreError::Destroyed`] for a destroyed credential,
    /// [`StoreError::RecordDamaged`] when a record fails its integrity check, and
    /// [`StoreError::Share`] when the share does not decode.
    ///
    /// # Security
    ///
    /// The share's secret is in the clear in memory until the share is dropped.
    pub fn load_share(&self, id: &CredentialId) -> Result<KeyShare, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_error(e))?;
        let credential = self
            .get_credential_ro(&txn, id)?
            .ok_or_else(|| self.not_found(*id))?;
        let table = txn.open_table(SHARES).map_err(|e| self.db_error(e))?;
        self.read_share(&table, &credential)
    }

    /// Signs with credential `id`: runs `f` on the decrypted share inside one write
    /// transaction. When `f` returns `Ok`, the share as `f` left it (a threshold ML-DSA share
    /// reserves its signing budget in [`Scheme::sign`]) is sealed again and committed together
    /// with the signature count and `now` as the last use, before this returns; when `f`
    /// returns `Err`, nothing changes. Only an active credential signs.
    ///
    /// Other writes to the store wait while `f` runs: let it start the session (create the
    /// state machines), not run it.
    ///
    /// [`Scheme::sign`]: qoesign_algorithms::Scheme::sign
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::NotFound`], [`StoreError::Retired`], [`StoreError::Destroyed`],
    /// [`StoreError::Mismatch`] when `f` turned the share into another key's share,
    /// [`StoreError::RecordDamaged`] and [`StoreError::Share`] as [`Store::load_share`] does,
    /// and [`StoreError::Database`] when the commit fails. The closure's own error comes back
    /// inside `Ok`.
    ///
    /// # Security
    ///
    /// `f` sees the share's secret in the clear; whatever it keeps of it (a signing state
    /// machine) must zeroize it in turn. The share itself is zeroized when this returns.
    pub fn use_share<T, E>(
        &self,
        id: &CredentialId,
        now: OffsetDateTime,
        f: impl FnOnce(&mut KeyShare) -> Result<T, E>,
    ) -> Result<Result<T, E>, StoreError> {
        self.use_share_claiming(id, None, now, f)
    }

    /// [`Store::use_share`] for signing session `session`, claimed in the same transaction
    /// (see [`Store::claim_session`]): either the session is claimed and the share's use
    /// committed together, or nothing changes. One commit per session instead of two.
    ///
    /// # Errors
    ///
    /// As [`Store::use_share`], and [`StoreError::SessionReplayed`] for a session claimed
    /// before.
    pub fn use_share_for_session<T, E>(
        &self,
        id: &CredentialId,
        session: &SessionId,
        now: OffsetDateTime,
        f: impl FnOnce(&mut KeyShare) -> Result<T, E>,
    ) -> Result<Result<T, E>, StoreError> {
        self.use_share_claiming(id, Some(session), now, f)
    }

    fn use_share_claiming<T, E>(
        &self,
        id: &CredentialId,
        session: Option<&SessionId>,
        now: OffsetDateTime,
        f: impl FnOnce(&mut KeyShare) -> Result<T, E>,
    ) -> Result<Result<T, E>, StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.db_error(e))?;
        if let Some(session) = session {
            self.claim_in(&txn, session, now)?;
        }
        let mut credential = self
            .get_credential(&txn, id)?
            .ok_or_else(|| self.not_found(*id))?;
        match credential.state {
            CredentialState::Active => {}
            CredentialState::Retired => {
                return Err(StoreError::Retired {
                    path: self.file.clone(),
                    credential: *id,
                });
            }
            CredentialState::Destroyed => return Err(self.destroyed(*id)),
        }
        let mut share = {
            let table = txn.open_table(SHARES).map_err(|e| self.db_error(e))?;
            self.read_share(&table, &credential)?
        };
        let value = match f(&mut share) {
            Ok(value) => value,
            // Dropping the transaction aborts it.
            Err(e) => return Ok(Err(e)),
        };
        if let Some(reason) = credential.mismatch(&share) {
            return Err(self.mismatch(*id, format!("after signing, {reason}")));
        }
        credential.signature_count = credential.signature_count.saturating_add(1);
        credential.last_used = Some(now);
        self.put_credential(&txn, &credential)?;
        self.put_share(&txn, id, &share)?;
        self.commit(txn)?;
        Ok(Ok(value))
    }

    /// Replaces the stored share of credential `id` (after a ban or a refresh).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::NotFound`], [`StoreError::Destroyed`], and
    /// [`StoreError::Mismatch`] when `share` is not this party's share of the same key.
    pub fn update_share(&self, id: &CredentialId, share: &KeyShare) -> Result<(), StoreError> {
        self.write(|txn| {
            let credential = self
                .get_credential(txn, id)?
                .ok_or_else(|| self.not_found(*id))?;
            if credential.state == CredentialState::Destroyed {
                return Err(self.destroyed(*id));
            }
            if let Some(reason) = credential.mismatch(share) {
                return Err(self.mismatch(*id, reason));
            }
            let stored = {
                let table = txn.open_table(SHARES).map_err(|e| self.db_error(e))?;
                self.read_share(&table, &credential)?
            };
            if stored.party() != share.party() {
                return Err(self.mismatch(*id, "the share is another holder's".to_owned()));
            }
            self.put_share(txn, id, share)
        })
    }

    /// Moves credential `id` to `state`. [`CredentialState::Destroyed`] deletes the share
    /// record; [`CredentialState::Retired`] keeps it for the record but [`Store::use_share`]
    /// refuses it. Setting the current state again does nothing.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::NotFound`], and [`StoreError::StateChange`] for a move backwards
    /// (a retired or destroyed credential cannot become active again).
    pub fn set_state(&self, id: &CredentialId, state: CredentialState) -> Result<(), StoreError> {
        self.write(|txn| {
            let mut credential = self
                .get_credential(txn, id)?
                .ok_or_else(|| self.not_found(*id))?;
            let from = credential.state;
            if !from.may_become(state) {
                return Err(StoreError::StateChange {
                    path: self.file.clone(),
                    credential: *id,
                    from,
                    to: state,
                });
            }
            if from == state {
                return Ok(());
            }
            credential.state = state;
            self.put_credential(txn, &credential)?;
            if state == CredentialState::Destroyed {
                let mut table = txn.open_table(SHARES).map_err(|e| self.db_error(e))?;
                table
                    .remove(id.as_bytes().as_slice())
                    .map_err(|e| self.db_error(e))?;
            }
            Ok(())
        })
    }

    /// Records that credential `by` re-issues credential `id`. `by` must be stored already,
    /// naming `id` as the credential it replaces. Recording the same link again does nothing.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::NotFound`] for either credential, and [`StoreError::Mismatch`]
    /// when `by` is `id`, does not name `id` as replaced, or `id` is already replaced by
    /// another credential.
    pub fn set_replaced_by(&self, id: &CredentialId, by: CredentialId) -> Result<(), StoreError> {
        if by == *id {
            return Err(self.mismatch(*id, "a credential cannot replace itself".to_owned()));
        }
        self.write(|txn| {
            let mut credential = self
                .get_credential(txn, id)?
                .ok_or_else(|| self.not_found(*id))?;
            let successor = self
                .get_credential(txn, &by)?
                .ok_or_else(|| self.not_found(by))?;
            if successor.replaces != Some(*id) {
                return Err(self.mismatch(*id, format!("credential {by} does not replace it")));
            }
            match credential.replaced_by {
                Some(current) if current == by => return Ok(()),
                Some(current) => {
                    return Err(self.mismatch(*id, format!("it is already replaced by {current}")));
                }
                None => {}
            }
            credential.replaced_by = Some(by);
            self.put_credential(txn, &credential)
        })
    }

    /// Records that this party accepts `policy`. Accepting the same policy again does nothing
    /// (the first acceptance time stays).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::PolicyConflict`] when a policy with the same digest but other
    /// contents, or another policy with the same version, is already accepted.
    pub fn accept_policy(&self, policy: &AcceptedPolicy) -> Result<(), StoreError> {
        let conflict = |reason: &str| StoreError::PolicyConflict {
            path: self.file.clone(),
            digest: policy.digest,
            version: policy.version,
            reason: reason.to_owned(),
        };
        self.write(|txn| {
            let table = txn.open_table(POLICIES).map_err(|e| self.db_error(e))?;
            for accepted in self.read_policies(&table)? {
                let same_digest = accepted.digest == policy.digest;
                if same_digest && accepted.version == policy.version {
                    if accepted.source != policy.source {
                        return Err(conflict("the same digest was accepted with another source"));
                    }
                    return Ok(());
                }
                if same_digest {
                    return Err(conflict(
                        "the same digest was accepted with another version",
                    ));
                }
                if accepted.version == policy.version {
                    return Err(conflict("another policy with this version was accepted"));
                }
            }
            drop(table);
            let key = policy.digest.as_bytes();
            self.put(txn, TABLE_POLICIES, key, &PolicyRecord::from_policy(policy))
        })
    }

    /// The accepted policy with this digest, if any.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::RecordDamaged`] when its record fails its integrity check.
    pub fn accepted_policy(
        &self,
        digest: &PolicyDigest,
    ) -> Result<Option<AcceptedPolicy>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_error(e))?;
        let table = txn.open_table(POLICIES).map_err(|e| self.db_error(e))?;
        let key = digest.as_bytes().as_slice();
        let Some(value) = table.get(key).map_err(|e| self.db_error(e))? else {
            return Ok(None);
        };
        self.decode_policy(key, value.value()).map(Some)
    }

    /// Every accepted policy, by version.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::RecordDamaged`] when a record fails its integrity check.
    pub fn accepted_policies(&self) -> Result<Vec<AcceptedPolicy>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_error(e))?;
        let table = txn.open_table(POLICIES).map_err(|e| self.db_error(e))?;
        let mut all = self.read_policies(&table)?;
        all.sort_by_key(|p| p.version);
        Ok(all)
    }

    /// Claims `session` for this party, once: the claim and its refusal of a replay are one
    /// atomic write.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::SessionReplayed`] when the session was claimed before.
    pub fn claim_session(
        &self,
        session: &SessionId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.write(|txn| self.claim_in(txn, session, now))
    }

    fn claim_in(
        &self,
        txn: &WriteTransaction,
        session: &SessionId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let key = session.0.as_slice();
        let claimed = {
            let table = txn.open_table(SESSIONS).map_err(|e| self.db_error(e))?;
            table.get(key).map_err(|e| self.db_error(e))?.is_some()
        };
        if claimed {
            return Err(StoreError::SessionReplayed {
                path: self.file.clone(),
                session: *session,
            });
        }
        let record = SessionRecord {
            claimed_at: now.unix_timestamp_nanos(),
        };
        self.put(txn, TABLE_SESSIONS, key, &record)
    }

    /// Makes every write of this store count against `crash`, and fail once it is spent.
    /// For crash tests only (see [`crate::fault`]).
    #[doc(hidden)]
    pub fn dangerous_inject_crash(&mut self, crash: Arc<CrashPoint>) {
        self.crash = Some(crash);
    }

    /// Stores the journal record `key` (sealed like every record).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Database`] when the commit fails, and [`StoreError::Crashed`]
    /// after an injected crash.
    pub fn put_journal<R: Serialize>(&self, key: &[u8], record: &R) -> Result<(), StoreError> {
        self.write(|txn| self.put(txn, TABLE_JOURNAL, key, record))
    }

    /// The journal record `key`, if any.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::RecordDamaged`] when the record fails its integrity check or
    /// does not decode as `R`.
    pub fn journal<R: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<R>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_error(e))?;
        let table = match txn.open_table(JOURNAL) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.db_error(e)),
        };
        let Some(value) = table.get(key).map_err(|e| self.db_error(e))? else {
            return Ok(None);
        };
        check::open_record::<R>(&self.sealer, TABLE_JOURNAL, key, value.value())
            .map(Some)
            .map_err(|detail| self.damaged(TABLE_JOURNAL, key, detail))
    }

    /// Rewrites the header of the store in `dir` as if schema `schema` had written it, keeping
    /// every other record. For tests of the schema checks only: a store rewritten this way may
    /// not open again with this build.
    ///
    /// # Errors
    ///
    /// Returns what [`Store::open`] returns, and [`StoreError::Database`] when the commit
    /// fails.
    #[doc(hidden)]
    pub fn dangerous_rewrite_schema(
        dir: &Path,
        passphrase: &Passphrase,
        schema: u32,
    ) -> Result<(), StoreError> {
        let store = Self::open(dir, passphrase)?;
        let header = store.read_header()?;
        let root =
            passphrase::derive_root_key(passphrase, &header.fields.kdf, &header.fields.salt)?;
        let sealer = Sealer::new(&root, header.fields.store_id, schema);
        let rewritten = Header::new(schema, header.fields, &sealer)
            .map_err(|reason| store.sealing_error(header::TABLE, header::KEY, reason))?;
        store.write(|txn| store.put_header(txn, &rewritten))
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.file)
            .field("party", &self.party)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

// Private helpers: transactions, sealed records, errors.
impl Store {
    fn initialise(
        dir: &Path,
        file: &Path,
        header: Header,
        sealer: Sealer,
    ) -> Result<Self, StoreError> {
        let db = Database::create(file).map_err(|e| StoreError::Database {
            path: file.to_owned(),
            detail: e.to_string(),
        })?;
        let store = Self {
            db,
            dir: dir.to_owned(),
            file: file.to_owned(),
            party: header.fields.party.clone(),
            schema: header.schema,
            sealer,
            crash: None,
            read_only: false,
            _reader: None,
        };
        store.write(|txn| {
            for table in [CREDENTIALS, SHARES, POLICIES, SESSIONS] {
                txn.open_table(table).map_err(|e| store.db_error(e))?;
            }
            store.put_header(txn, &header)
        })?;
        Ok(store)
    }

    /// Runs the upgrade steps from the store's schema to the current one and rewrites the
    /// header, all in one write transaction.
    fn upgrade(mut self, root: Zeroizing<[u8; 32]>, header: Header) -> Result<Self, StoreError> {
        let to = Sealer::new(&root, header.fields.store_id, schema::CURRENT);
        let from_schema = header.schema;
        let rewritten = Header::new(schema::CURRENT, header.fields, &to)
            .map_err(|reason| self.sealing_error(header::TABLE, header::KEY, reason))?;
        let txn = self.db.begin_write().map_err(|e| self.db_error(e))?;
        {
            let mut context = schema::StepContext {
                txn: &txn,
                from: &self.sealer,
                to: &to,
            };
            schema::run_upgrades(
                from_schema,
                schema::CURRENT,
                &schema::upgrades(),
                &mut context,
            )
            .map_err(|failure| StoreError::Upgrade {
                path: self.file.clone(),
                from: failure.from,
                reason: failure.reason,
            })?;
        }
        self.put_header(&txn, &rewritten)?;
        txn.commit().map_err(|e| self.db_error(e))?;
        self.schema = schema::CURRENT;
        self.sealer = to;
        Ok(self)
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&WriteTransaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.db_error(e))?;
        // On an error the transaction is dropped, which aborts it.
        let out = f(&txn)?;
        self.commit(txn)?;
        Ok(out)
    }

    /// Commits `txn`, unless an injected crash happened.
    fn commit(&self, txn: WriteTransaction) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.file.clone(),
            });
        }
        if let Some(crash) = &self.crash
            && !crash.permit()
        {
            // Dropping the transaction aborts it.
            return Err(StoreError::Crashed {
                path: self.file.clone(),
            });
        }
        txn.commit().map_err(|e| self.db_error(e))
    }

    fn read_header(&self) -> Result<Header, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_error(e))?;
        let table = txn.open_table(META).map_err(|e| self.db_error(e))?;
        let value = table
            .get(header::KEY)
            .map_err(|e| self.db_error(e))?
            .ok_or_else(|| self.damaged(header::TABLE, header::KEY, "missing"))?;
        Header::decode(value.value(), schema::CURRENT)
            .map_err(|_| self.damaged(header::TABLE, header::KEY, "does not decode"))
    }

    fn put_header(&self, txn: &WriteTransaction, header: &Header) -> Result<(), StoreError> {
        let mut table = txn.open_table(META).map_err(|e| self.db_error(e))?;
        table
            .insert(header::KEY, header.encode().as_slice())
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    fn get_credential(
        &self,
        txn: &WriteTransaction,
        id: &CredentialId,
    ) -> Result<Option<Credential>, StoreError> {
        self.lookup_credential(
            &txn.open_table(CREDENTIALS).map_err(|e| self.db_error(e))?,
            id,
        )
    }

    fn get_credential_ro(
        &self,
        txn: &redb::ReadTransaction,
        id: &CredentialId,
    ) -> Result<Option<Credential>, StoreError> {
        self.lookup_credential(
            &txn.open_table(CREDENTIALS).map_err(|e| self.db_error(e))?,
            id,
        )
    }

    fn lookup_credential(
        &self,
        table: &impl ReadableTable<&'static [u8], &'static [u8]>,
        id: &CredentialId,
    ) -> Result<Option<Credential>, StoreError> {
        let key = id.as_bytes().as_slice();
        match table.get(key).map_err(|e| self.db_error(e))? {
            Some(value) => self.decode_credential(key, value.value()).map(Some),
            None => Ok(None),
        }
    }

    fn decode_credential(&self, key: &[u8], value: &[u8]) -> Result<Credential, StoreError> {
        check::decode_credential(&self.file, &self.sealer, key, value)
    }

    fn put_credential(
        &self,
        txn: &WriteTransaction,
        credential: &Credential,
    ) -> Result<(), StoreError> {
        let record = CredentialRecord::from_credential(credential);
        self.put(txn, TABLE_CREDENTIALS, credential.id.as_bytes(), &record)
    }

    fn read_share(
        &self,
        table: &impl ReadableTable<&'static [u8], &'static [u8]>,
        credential: &Credential,
    ) -> Result<KeyShare, StoreError> {
        let id = credential.id;
        if credential.state == CredentialState::Destroyed {
            return Err(self.destroyed(id));
        }
        let key = id.as_bytes().as_slice();
        let value = table
            .get(key)
            .map_err(|e| self.db_error(e))?
            .ok_or_else(|| self.damaged(TABLE_SHARES, key, "missing"))?;
        check::decode_share(&self.file, &self.sealer, credential, value.value())
    }

    fn put_share(
        &self,
        txn: &WriteTransaction,
        id: &CredentialId,
        share: &KeyShare,
    ) -> Result<(), StoreError> {
        let plaintext = share.to_bytes().map_err(|source| StoreError::Share {
            path: self.file.clone(),
            credential: *id,
            source,
        })?;
        let key = id.as_bytes().as_slice();
        let sealed = self
            .sealer
            .seal(TABLE_SHARES, key, &plaintext)
            .map_err(|reason| self.sealing_error(TABLE_SHARES, key, reason))?;
        let mut table = txn.open_table(SHARES).map_err(|e| self.db_error(e))?;
        table
            .insert(key, sealed.as_slice())
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    fn read_policies(
        &self,
        table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    ) -> Result<Vec<AcceptedPolicy>, StoreError> {
        let mut all = Vec::new();
        for entry in table.iter().map_err(|e| self.db_error(e))? {
            let (key, value) = entry.map_err(|e| self.db_error(e))?;
            all.push(self.decode_policy(key.value(), value.value())?);
        }
        Ok(all)
    }

    fn decode_policy(&self, key: &[u8], value: &[u8]) -> Result<AcceptedPolicy, StoreError> {
        check::decode_policy(&self.file, &self.sealer, key, value)
    }

    /// Seals `record` and stores it under `key` in `table`.
    fn put<R: Serialize>(
        &self,
        txn: &WriteTransaction,
        name: &'static str,
        key: &[u8],
        record: &R,
    ) -> Result<(), StoreError> {
        let plaintext = Zeroizing::new(
            postcard::to_allocvec(record)
                .map_err(|e| self.sealing_error(name, key, &e.to_string()))?,
        );
        let sealed = self
            .sealer
            .seal(name, key, &plaintext)
            .map_err(|reason| self.sealing_error(name, key, reason))?;
        let mut table = txn
            .open_table(TableDefinition::<&[u8], &[u8]>::new(name))
            .map_err(|e| self.db_error(e))?;
        table
            .insert(key, sealed.as_slice())
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    fn damaged(&self, table: &'static str, key: &[u8], detail: &str) -> StoreError {
        check::record_damaged(&self.file, table, key, detail)
    }

    fn mismatch(&self, credential: CredentialId, reason: String) -> StoreError {
        StoreError::Mismatch {
            path: self.file.clone(),
            credential,
            reason,
        }
    }

    fn not_found(&self, credential: CredentialId) -> StoreError {
        StoreError::NotFound {
            path: self.file.clone(),
            credential,
        }
    }

    fn destroyed(&self, credential: CredentialId) -> StoreError {
        StoreError::Destroyed {
            path: self.file.clone(),
            credential,
        }
    }

    fn sealing_error(&self, table: &str, key: &[u8], reason: &str) -> StoreError {
        StoreError::Database {
            path: self.file.clone(),
            detail: format!(
                "cannot seal record {} of table {table}: {reason}",
                check::record_name(key)
            ),
        }
    }

    fn db_error(&self, e: impl Into<redb::Error>) -> StoreError {
        StoreError::Database {
            path: self.file.clone(),
            detail: e.into().to_string(),
        }
    }
}

/// Creates `dir` and its missing parents; on Unix, the ones it creates are for the owner only.
fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the empty store file, refusing one that exists; on Unix, for the owner only (the
/// file holds ciphertext, but a copy of it lets anyone guess the passphrase offline).
fn private_file(file: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file).map(drop)
}

fn random<const N: usize>(file: &Path) -> Result<[u8; N], StoreError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Io {
        path: file.to_owned(),
        action: "draw random bytes for the store",
        source: io::Error::other(e.to_string()),
    })?;
    Ok(bytes)
}

/// The database file inside a store's directory.
const FILE_NAME: &str = "store.redb";

const TABLE_CREDENTIALS: &str = "credentials";
const TABLE_SHARES: &str = "shares";
const TABLE_POLICIES: &str = "policies";
const TABLE_SESSIONS: &str = "sessions";
const TABLE_JOURNAL: &str = "journal";

/// The header (key `header`); see the `header` module.
const META: TableDefinition<&[u8], &[u8]> = TableDefinition::new(header::TABLE);
/// Credential records by credential id.
const CREDENTIALS: TableDefinition<&[u8], &[u8]> = TableDefinition::new(TABLE_CREDENTIALS);
/// This party's key shares (the `KeyShare::to_bytes` encoding, sealed) by credential id.
const SHARES: TableDefinition<&[u8], &[u8]> = TableDefinition::new(TABLE_SHARES);
/// Accepted policies by digest.
const POLICIES: TableDefinition<&[u8], &[u8]> = TableDefinition::new(TABLE_POLICIES);
/// Claimed sessions by session id.
const SESSIONS: TableDefinition<&[u8], &[u8]> = TableDefinition::new(TABLE_SESSIONS);
/// Journal records of long operations (a migration) by key; made on the first write.
const JOURNAL: TableDefinition<&[u8], &[u8]> = TableDefinition::new(TABLE_JOURNAL);

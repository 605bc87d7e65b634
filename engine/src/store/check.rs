//! The check a store passes before it is opened for writing, and the record decoders it shares
//! with the store.
//!
//! Order of the check: the database's own integrity check on a copy-on-write view of the file
//! (see the `overlay` module); the header (schema first, then its digest); the passphrase,
//! through the header's check value, before any other record is read; then every record of
//! every table is opened and decoded, and credentials and shares are checked against each
//! other.

use std::collections::BTreeMap;
use std::fs::{File, TryLockError};
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use qoesign_algorithms::KeyShare;
use redb::{Builder, Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::header::{self, Header, HeaderError};
use super::overlay::Overlay;
use super::passphrase::{self, Passphrase};
use super::record::{CredentialRecord, PolicyRecord, SessionRecord};
use super::seal::Sealer;
use super::{
    AcceptedPolicy, Credential, CredentialState, StoreError, TABLE_CREDENTIALS, TABLE_JOURNAL,
    TABLE_POLICIES, TABLE_SESSIONS, TABLE_SHARES, schema,
};

/// What a store that passed the check opens with.
pub(super) struct Checked {
    pub(super) header: Header,
    pub(super) root: Zeroizing<[u8; 32]>,
    pub(super) sealer: Sealer,
}

/// Checks the store file `file` without writing to it.
pub(super) fn check_file(file: &Path, passphrase: &Passphrase) -> Result<Checked, StoreError> {
    let (handle, len) = open_shared(file)?;
    let overlay = Overlay::new(handle, len);
    // The integrity check turns damaged pages into errors; catching a panic as well keeps a
    // database bug on a damaged file from taking the process down. The overlay and the
    // database are thrown away either way.
    let checked = catch_unwind(AssertUnwindSafe(|| {
        let db = Builder::new()
            .set_check_integrity_on_open(true)
            .set_cache_size(CHECK_CACHE_BYTES)
            .create_with_backend(overlay)
            .map_err(|e| damaged(file, &e.to_string()))?;
        check_contents(&db, file, passphrase)
    }));
    checked.unwrap_or_else(|_| Err(damaged(file, "the database failed on its contents")))
}

/// Opens `file` under a shared lock (no writer can commit while it is held) and returns it
/// with its length, refusing an empty file.
fn open_shared(file: &Path) -> Result<(File, u64), StoreError> {
    let handle = File::open(file).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => StoreError::Missing {
            path: file.to_owned(),
        },
        _ => io_error(file, "open the store file", source),
    })?;
    let len = handle
        .metadata()
        .map_err(|source| io_error(file, "read the store file's length", source))?
        .len();
    // A writer holds an exclusive lock on the whole file; checking under a shared one makes
    // sure no commit lands half-way through. Filesystems without locks are checked unlocked.
    let locked = handle.try_lock_shared();
    match locked {
        Ok(()) | Err(TryLockError::Error(_)) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(StoreError::InUse {
                path: file.to_owned(),
            });
        }
    }
    if len == 0 {
        return Err(damaged(file, "the file is empty"));
    }
    Ok((handle, len))
}

/// A database over a copy-on-write view of `file`, which the file never sees a write of, for
/// reading a store that passed [`check_file`]; with it, a read-only handle of redb's own that
/// keeps writers out while the view is open. A store left by a crash (redb would repair it on
/// the next open for writing) is read without that handle: redb refuses read-only handles on
/// such a file, and the view repairs in memory.
pub(super) fn view(file: &Path) -> Result<(Database, Option<redb::ReadOnlyDatabase>), StoreError> {
    let guard = match Builder::new().open_read_only(file) {
        Ok(guard) => Some(guard),
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
            return Err(StoreError::InUse {
                path: file.to_owned(),
            });
        }
        Err(redb::DatabaseError::RepairAborted) => None,
        Err(e) => return Err(damaged(file, &e.to_string())),
    };
    let (handle, len) = open_shared(file)?;
    let db = Builder::new()
        .create_with_backend(Overlay::new(handle, len))
        .map_err(|e| damaged(file, &e.to_string()))?;
    Ok((db, guard))
}

/// Opens the sealed record `key` of `table` and decodes it, refusing trailing bytes.
pub(super) fn open_record<R: DeserializeOwned>(
    sealer: &Sealer,
    table: &'static str,
    key: &[u8],
    value: &[u8],
) -> Result<R, &'static str> {
    let plaintext = sealer
        .open(table, key, value)
        .map_err(|_| "it does not authenticate")?;
    let (record, rest) =
        postcard::take_from_bytes::<R>(&plaintext).map_err(|_| "it does not decode")?;
    if !rest.is_empty() {
        return Err("trailing bytes after the record");
    }
    Ok(record)
}

/// Decodes the credential record `key`.
pub(super) fn decode_credential(
    file: &Path,
    sealer: &Sealer,
    key: &[u8],
    value: &[u8],
) -> Result<Credential, StoreError> {
    let fail = |detail| record_damaged(file, TABLE_CREDENTIALS, key, detail);
    let record: CredentialRecord =
        open_record(sealer, TABLE_CREDENTIALS, key, value).map_err(fail)?;
    let credential = record
        .into_credential()
        .ok_or_else(|| fail("a time is out of range"))?;
    if credential.id.as_bytes().as_slice() != key {
        return Err(fail("it names another credential"));
    }
    Ok(credential)
}

/// Decodes the share record of `credential`.
pub(super) fn decode_share(
    file: &Path,
    sealer: &Sealer,
    credential: &Credential,
    value: &[u8],
) -> Result<KeyShare, StoreError> {
    let key = credential.id.as_bytes().as_slice();
    let plaintext = sealer
        .open(TABLE_SHARES, key, value)
        .map_err(|_| record_damaged(file, TABLE_SHARES, key, "it does not authenticate"))?;
    let share = KeyShare::from_bytes(&plaintext).map_err(|source| StoreError::Share {
        path: file.to_owned(),
        credential: credential.id,
        source,
    })?;
    if let Some(reason) = credential.mismatch(&share) {
        return Err(record_damaged(file, TABLE_SHARES, key, &reason));
    }
    Ok(share)
}

/// Decodes the policy record `key`.
pub(super) fn decode_policy(
    file: &Path,
    sealer: &Sealer,
    key: &[u8],
    value: &[u8],
) -> Result<AcceptedPolicy, StoreError> {
    let fail = |detail| record_damaged(file, TABLE_POLICIES, key, detail);
    let record: PolicyRecord = open_record(sealer, TABLE_POLICIES, key, value).map_err(fail)?;
    let policy = record
        .into_policy()
        .ok_or_else(|| fail("a time is out of range"))?;
    if policy.digest.as_bytes().as_slice() != key {
        return Err(fail("it names another policy"));
    }
    Ok(policy)
}

/// A record that failed its check.
pub(super) fn record_damaged(
    file: &Path,
    table: &'static str,
    key: &[u8],
    detail: &str,
) -> StoreError {
    StoreError::RecordDamaged {
        path: file.to_owned(),
        table,
        record: record_name(key),
        detail: detail.to_owned(),
    }
}

/// How errors name a record: `header`, or its key in hex (a credential id, a policy digest, a
/// session id).
pub(super) fn record_name(key: &[u8]) -> String {
    if key == header::KEY {
        return "header".to_owned();
    }
    hex::encode(key)
}

fn check_contents(
    db: &Database,
    file: &Path,
    passphrase: &Passphrase,
) -> Result<Checked, StoreError> {
    let db_error = |e: redb::Error| damaged(file, &e.to_string());
    let txn = db.begin_read().map_err(|e| db_error(e.into()))?;
    let meta = txn
        .open_table(table(header::TABLE))
        .map_err(|e| db_error(e.into()))?;
    let header_damaged = |detail: &str| record_damaged(file, header::TABLE, header::KEY, detail);
    let value = meta
        .get(header::KEY)
        .map_err(|e| db_error(e.into()))?
        .ok_or_else(|| header_damaged("missing"))?;
    let header = Header::decode(value.value(), schema::CURRENT).map_err(|e| match e {
        HeaderError::Newer(found) => StoreError::NewerSchema {
            path: file.to_owned(),
            found,
            supported: schema::CURRENT,
        },
        HeaderError::Damaged(detail) => header_damaged(detail),
    })?;
    let fields = &header.fields;
    fields
        .kdf
        .check()
        .map_err(|e| header_damaged(&e.to_string()))?;
    let root = passphrase::derive_root_key(passphrase, &fields.kdf, &fields.salt)?;
    let sealer = Sealer::new(&root, fields.store_id, header.schema);
    if !header.passphrase_matches(&sealer) {
        return Err(StoreError::WrongPassphrase {
            path: file.to_owned(),
        });
    }
    if header.schema == schema::CURRENT {
        check_records(&txn, file, &sealer)?;
    } else {
        authenticate_records(&txn, file, &sealer)?;
    }
    drop(value);
    Ok(Checked {
        header,
        root,
        sealer,
    })
}

/// Opens and decodes every record of the current schema, and checks that credentials and
/// shares go together.
fn check_records(
    txn: &redb::ReadTransaction,
    file: &Path,
    sealer: &Sealer,
) -> Result<(), StoreError> {
    let db_error = |e: redb::Error| damaged(file, &e.to_string());
    for handle in txn.list_tables().map_err(|e| db_error(e.into()))? {
        if !TABLES.contains(&handle.name()) {
            return Err(damaged(file, &format!("unknown table {}", handle.name())));
        }
    }
    let meta = txn
        .open_table(table(header::TABLE))
        .map_err(|e| db_error(e.into()))?;
    for_each(&meta, file, |key, _| match key {
        k if k == header::KEY => Ok(()),
        k => Err(record_damaged(file, header::TABLE, k, "unknown record")),
    })?;

    let credentials = txn
        .open_table(table(TABLE_CREDENTIALS))
        .map_err(|e| db_error(e.into()))?;
    let mut stored = BTreeMap::new();
    for_each(&credentials, file, |key, value| {
        let credential = decode_credential(file, sealer, key, value)?;
        stored.insert(credential.id, credential);
        Ok(())
    })?;
    let shares = txn
        .open_table(table(TABLE_SHARES))
        .map_err(|e| db_error(e.into()))?;
    let mut with_share = 0usize;
    for_each(&shares, file, |key, value| {
        let credential = super::CredentialId::from_bytes(key.try_into().unwrap_or_default());
        let credential = stored
            .get(&credential)
            .filter(|c| c.id.as_bytes().as_slice() == key)
            .filter(|c| c.state != CredentialState::Destroyed)
            .ok_or_else(|| record_damaged(file, TABLE_SHARES, key, "no live credential owns it"))?;
        decode_share(file, sealer, credential, value)?;
        with_share += 1;
        Ok(())
    })?;
    let live = stored
        .values()
        .filter(|c| c.state != CredentialState::Destroyed)
        .count();
    if live != with_share {
        let missing = stored
            .values()
            .find(|c| {
                c.state != CredentialState::Destroyed
                    && shares
                        .get(c.id.as_bytes().as_slice())
                        .ok()
                        .flatten()
                        .is_none()
            })
            .map(|c| c.id.as_bytes().to_vec())
            .unwrap_or_default();
        return Err(record_damaged(file, TABLE_SHARES, &missing, "missing"));
    }

    let policies = txn
        .open_table(table(TABLE_POLICIES))
        .map_err(|e| db_error(e.into()))?;
    for_each(&policies, file, |key, value| {
        decode_policy(file, sealer, key, value).map(drop)
    })?;
    let sessions = txn
        .open_table(table(TABLE_SESSIONS))
        .map_err(|e| db_error(e.into()))?;
    for_each(&sessions, file, |key, value| {
        if key.len() != 32 {
            return Err(record_damaged(
                file,
                TABLE_SESSIONS,
                key,
                "not a session id",
            ));
        }
        open_record::<SessionRecord>(sealer, TABLE_SESSIONS, key, value)
            .map(drop)
            .map_err(|detail| record_damaged(file, TABLE_SESSIONS, key, detail))
    })?;
    // The journal is made on its first write; its records are the journal owner's to decode.
    authenticate(txn, file, sealer, TABLE_JOURNAL)
}

/// Authenticates every sealed record of an older schema, whose encodings the upgrade steps
/// read.
fn authenticate_records(
    txn: &redb::ReadTransaction,
    file: &Path,
    sealer: &Sealer,
) -> Result<(), StoreError> {
    for name in [
        TABLE_CREDENTIALS,
        TABLE_SHARES,
        TABLE_POLICIES,
        TABLE_SESSIONS,
        TABLE_JOURNAL,
    ] {
        authenticate(txn, file, sealer, name)?;
    }
    Ok(())
}

/// Authenticates every sealed record of table `name`, if the store has that table.
fn authenticate(
    txn: &redb::ReadTransaction,
    file: &Path,
    sealer: &Sealer,
    name: &'static str,
) -> Result<(), StoreError> {
    let Ok(records) = txn.open_table(table(name)) else {
        return Ok(());
    };
    for_each(&records, file, |key, value| {
        sealer
            .open(name, key, value)
            .map(drop)
            .map_err(|_| record_damaged(file, name, key, "it does not authenticate"))
    })
}

fn for_each(
    table: &impl ReadableTable<&'static [u8], &'static [u8]>,
    file: &Path,
    mut f: impl FnMut(&[u8], &[u8]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let db_error = |e: redb::StorageError| damaged(file, &e.to_string());
    for entry in table.iter().map_err(db_error)? {
        let (key, value) = entry.map_err(db_error)?;
        f(key.value(), value.value())?;
    }
    Ok(())
}

fn table(name: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
    TableDefinition::new(name)
}

fn damaged(file: &Path, detail: &str) -> StoreError {
    StoreError::Damaged {
        path: file.to_owned(),
        detail: detail.to_owned(),
    }
}

fn io_error(file: &Path, action: &'static str, source: io::Error) -> StoreError {
    StoreError::Io {
        path: file.to_owned(),
        action,
        source,
    }
}

/// Every table of the current schema.
const TABLES: [&str; 6] = [
    header::TABLE,
    TABLE_CREDENTIALS,
    TABLE_SHARES,
    TABLE_POLICIES,
    TABLE_SESSIONS,
    TABLE_JOURNAL,
];

/// The database's page cache during the check: enough for the B-tree nodes in use.
const CHECK_CACHE_BYTES: usize = 16 * 1024 * 1024;

//! The key store: round trips, signing through `use_share` (signatures checked by the
//! independent verifiers), and refusals that leave the file exactly as it was: wrong
//! passphrase, truncation, flipped bytes, records moved between credentials or stores, a newer
//! schema, duplicates, replays.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use qoesign_algorithms::sim::Simulation;
use qoesign_algorithms::{
    KeyShare, PartyId, Scheme, SchemeKind, SessionId, SignInput, SignParams, builtin_schemes, sim,
};
use qoesign_engine::Registry;
use qoesign_engine::store::{
    AcceptedPolicy, Credential, CredentialId, CredentialState, Holder, KdfParams, Passphrase,
    Store, StoreError,
};
use qoesign_policy::Policy;
use qoesign_vectors::independent;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use sha3::{Digest, Sha3_256};
use time::OffsetDateTime;
use time::macros::datetime;
use zeroize::Zeroizing;

const PARTY: &str = "at-graz";
const SHARES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("shares");
const CREDENTIALS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("credentials");

fn rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

fn passphrase() -> Passphrase {
    Passphrase::new(Zeroizing::new("correct horse battery staple".to_owned()))
}

fn scheme(kind: SchemeKind, algorithm: &str) -> std::sync::Arc<dyn Scheme> {
    builtin_schemes()
        .into_iter()
        .find(|s| s.info().kind == kind && s.info().algorithm.id == algorithm)
        .unwrap()
}

/// A single-party ML-DSA-65 share and a 2-of-3 threshold ML-DSA-44 key's three shares, made
/// once (their encodings, since shares are not `Clone`).
struct Encoded {
    single: Zeroizing<Vec<u8>>,
    threshold: Vec<Zeroizing<Vec<u8>>>,
}

fn encoded_shares() -> &'static Encoded {
    static SHARES: OnceLock<Encoded> = OnceLock::new();
    SHARES.get_or_init(|| {
        let single = sim::keygen(
            scheme(SchemeKind::Single, "ml-dsa-65").as_ref(),
            &[PartyId(0)],
            1,
            SessionId([1; 32]),
            &mut rng(),
        )
        .unwrap();
        let parties = [PartyId(0), PartyId(1), PartyId(2)];
        let threshold = sim::keygen(
            scheme(SchemeKind::Threshold, "ml-dsa-44").as_ref(),
            &parties,
            2,
            SessionId([2; 32]),
            &mut rng(),
        )
        .unwrap();
        Encoded {
            single: single[0].to_bytes().unwrap(),
            threshold: threshold.iter().map(|s| s.to_bytes().unwrap()).collect(),
        }
    })
}

fn single_share() -> KeyShare {
    KeyShare::from_bytes(&encoded_shares().single).unwrap()
}

fn threshold_share(party: usize) -> KeyShare {
    KeyShare::from_bytes(&encoded_shares().threshold[party]).unwrap()
}

fn credential_for(share: &KeyShare, id: CredentialId, created: OffsetDateTime) -> Credential {
    let names = ["at-graz", "at-wien", "at-linz"];
    Credential {
        id,
        owner: "Maria Musterfrau".to_owned(),
        algorithm: share.algorithm().to_owned(),
        scheme: share.scheme().to_owned(),
        public_key: share.public_key().to_vec(),
        policy_version: 3,
        policy_digest: policy().digest(),
        holders: share
            .parties()
            .iter()
            .map(|&party| Holder {
                name: names[usize::from(party.0)].to_owned(),
                party,
            })
            .collect(),
        threshold: share.threshold(),
        required: share.required(),
        state: CredentialState::Active,
        replaces: None,
        replaced_by: None,
        created,
        last_used: None,
        signature_count: 0,
    }
}

fn policy_source() -> String {
    std::fs::read_to_string(crate::example("pq-threshold.toml")).unwrap()
}

fn policy() -> Policy {
    Policy::parse(
        &policy_source(),
        "pq-threshold.toml",
        &Registry::builtin().known_ids(),
    )
    .unwrap()
}

fn file_of(dir: &Path) -> PathBuf {
    dir.join("store.redb")
}

fn hash(path: &Path) -> [u8; 32] {
    Sha3_256::digest(std::fs::read(path).unwrap()).into()
}

/// The flags byte of redb's file header (primary slot, recovery needed, two-phase commit).
const GOD_BYTE: usize = 9;
/// Its flag for "not shut down cleanly".
const RECOVERY_REQUIRED: u8 = 2;

const T0: OffsetDateTime = datetime!(2027-01-04 09:00 UTC);
const T1: OffsetDateTime = datetime!(2027-01-05 10:30 UTC);

/// A store holding a single-party credential, a threshold credential, an accepted policy and
/// a claimed session; returns the directory and the credential ids.
fn populated() -> (tempfile::TempDir, CredentialId, CredentialId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(dir.path(), PARTY, &passphrase(), KdfParams::for_tests()).unwrap();
    let single = CredentialId::random(&mut rng());
    let threshold = CredentialId::random(&mut rng());
    store
        .insert_credential(
            &credential_for(&single_share(), single, T0),
            &single_share(),
        )
        .unwrap();
    store
        .insert_credential(
            &credential_for(&threshold_share(0), threshold, T1),
            &threshold_share(0),
        )
        .unwrap();
    store.accept_policy(&accepted(&policy())).unwrap();
    store.claim_session(&SessionId([9; 32]), T1).unwrap();
    (dir, single, threshold)
}

fn accepted(policy: &Policy) -> AcceptedPolicy {
    AcceptedPolicy {
        version: policy.version(),
        digest: policy.digest(),
        source: policy_source(),
        accepted_at: T0,
    }
}

/// Everything a store gives back, for comparing two opens.
fn contents(store: &Store) -> (Vec<Credential>, Vec<Vec<u8>>, Vec<AcceptedPolicy>) {
    let credentials = store.credentials().unwrap();
    let shares = credentials
        .iter()
        .map(|c| {
            store
                .load_share(&c.id)
                .unwrap()
                .to_bytes()
                .unwrap()
                .to_vec()
        })
        .collect();
    (credentials, shares, store.accepted_policies().unwrap())
}

#[test]
fn the_store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Store>();
}

#[test]
fn round_trip_of_credentials_shares_and_lifecycle() {
    let (dir, single, threshold) = populated();
    let store = Store::open(dir.path(), &passphrase()).unwrap();
    assert_eq!(store.party(), PARTY);
    assert_eq!(store.path(), dir.path());

    let listed = store.credentials().unwrap();
    assert_eq!(
        listed.iter().map(|c| c.id).collect::<Vec<_>>(),
        [single, threshold],
        "oldest first"
    );
    assert_eq!(listed[0], credential_for(&single_share(), single, T0));
    assert_eq!(store.credential(&threshold).unwrap(), listed[1]);
    assert_eq!(
        store.load_share(&single).unwrap().to_bytes().unwrap(),
        single_share().to_bytes().unwrap()
    );
    assert_eq!(
        store.load_share(&threshold).unwrap().to_bytes().unwrap(),
        threshold_share(0).to_bytes().unwrap()
    );

    // Lineage: a re-issued credential names the one it replaces, then the old one is linked.
    let successor = CredentialId::random(&mut rng());
    let mut new = credential_for(&threshold_share(0), successor, T1);
    new.replaces = Some(single);
    store.insert_credential(&new, &threshold_share(0)).unwrap();
    store.set_replaced_by(&single, successor).unwrap();
    store.set_replaced_by(&single, successor).unwrap();
    assert!(matches!(
        store.set_replaced_by(&single, threshold),
        Err(StoreError::Mismatch { .. })
    ));
    assert!(matches!(
        store.set_replaced_by(&threshold, single),
        Err(StoreError::Mismatch { .. })
    ));

    // Retired: verify only. Destroyed: the share is gone. Neither comes back.
    store.set_state(&single, CredentialState::Retired).unwrap();
    assert!(store.load_share(&single).is_ok());
    let refused = store
        .use_share(&single, T1, |_| Ok::<(), ()>(()))
        .unwrap_err();
    assert!(matches!(refused, StoreError::Retired { credential, .. } if credential == single));
    assert!(
        refused.to_string().contains(&single.to_string()),
        "{refused}"
    );
    store
        .set_state(&single, CredentialState::Destroyed)
        .unwrap();
    assert!(matches!(
        store.load_share(&single),
        Err(StoreError::Destroyed { credential, .. }) if credential == single
    ));
    assert!(matches!(
        store.use_share(&single, T1, |_| Ok::<(), ()>(())),
        Err(StoreError::Destroyed { .. })
    ));
    assert!(matches!(
        store.set_state(&single, CredentialState::Active),
        Err(StoreError::StateChange {
            from: CredentialState::Destroyed,
            to: CredentialState::Active,
            ..
        })
    ));
    drop(store);

    let store = Store::open(dir.path(), &passphrase()).unwrap();
    let old = store.credential(&single).unwrap();
    assert_eq!(old.state, CredentialState::Destroyed);
    assert_eq!(old.replaced_by, Some(successor));
    assert_eq!(store.credential(&successor).unwrap().replaces, Some(single));
    assert!(matches!(
        store.load_share(&single),
        Err(StoreError::Destroyed { .. })
    ));
    assert_eq!(store.credentials().unwrap().len(), 3);
}

#[test]
fn use_share_signs_and_commits_the_share() {
    let (dir, single, _) = populated();
    let store = Store::open(dir.path(), &passphrase()).unwrap();
    let scheme = scheme(SchemeKind::Single, "ml-dsa-65");
    let (document, context) = (b"store test document", b"qoesign-test");
    let input = SignInput::with_context(document.to_vec(), context.to_vec());
    let params = SignParams {
        session: SessionId([3; 32]),
        signers: vec![PartyId(0)],
        input,
    };
    let machine = store
        .use_share(&single, T1, |share| scheme.sign(share, &params))
        .unwrap()
        .unwrap();
    let signed = Simulation::new(vec![machine])
        .run(&mut rng())
        .into_result()
        .unwrap()
        .remove(&PartyId(0))
        .unwrap();
    let public_key = single_share().public_key().to_vec();
    let verdict = independent::verify(
        "ml-dsa-65",
        &public_key,
        document,
        context,
        &signed.signature,
    );
    assert_eq!(verdict, Some(true));
    let credential = store.credential(&single).unwrap();
    assert_eq!(credential.signature_count, 1);
    assert_eq!(credential.last_used, Some(T1));
}

#[test]
fn use_share_persists_the_threshold_budget_before_signing() {
    // Two parties of the 2-of-3 key, each with its own store.
    let scheme = scheme(SchemeKind::Threshold, "ml-dsa-44");
    let id = CredentialId::random(&mut rng());
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let stores: Vec<Store> = dirs
        .iter()
        .enumerate()
        .map(|(party, dir)| {
            let name = ["at-graz", "at-wien"][party];
            let store = Store::create(dir.path(), name, &passphrase(), KdfParams::for_tests());
            let store = store.unwrap();
            let share = threshold_share(party);
            store
                .insert_credential(&credential_for(&share, id, T0), &share)
                .unwrap();
            store
        })
        .collect();
    let before = stores[0].load_share(&id).unwrap().budget().unwrap().used();
    let document = b"threshold document";
    let input = SignInput::with_context(document.to_vec(), Vec::new());
    let params = SignParams {
        session: SessionId([4; 32]),
        signers: vec![PartyId(0), PartyId(1)],
        input,
    };
    let machines: Vec<_> = stores
        .iter()
        .map(|store| {
            store
                .use_share(&id, T1, |share| scheme.sign(share, &params))
                .unwrap()
                .unwrap()
        })
        .collect();
    // The reservation is on disk before any message of the session is delivered.
    drop(stores);
    let reopened = Store::open(dirs[0].path(), &passphrase()).unwrap();
    let after = reopened.load_share(&id).unwrap().budget().unwrap().used();
    assert!(after > before, "budget used {before} -> {after}");
    assert_eq!(reopened.credential(&id).unwrap().signature_count, 1);

    let report = Simulation::new(machines).concurrent().run(&mut rng());
    let signatures = report.into_result().unwrap();
    let signature = &signatures[&PartyId(0)].signature;
    let public_key = threshold_share(0).public_key().to_vec();
    let verdict = independent::verify("ml-dsa-44", &public_key, document, &[], signature);
    assert_eq!(verdict, Some(true));
}

#[test]
fn a_store_left_by_a_crash_opens_at_its_last_commit() {
    let (dir, single, _) = populated();
    let store = Store::open(dir.path(), &passphrase()).unwrap();
    store.claim_session(&SessionId([11; 32]), T1).unwrap();
    // The file as a crash would leave it: taken while the store is open, after a commit.
    let crashed = std::fs::read(file_of(dir.path())).unwrap();
    assert_ne!(
        crashed[GOD_BYTE] & RECOVERY_REQUIRED,
        0,
        "redb marks an open file"
    );
    let expected = contents(&store);
    drop(store);
    let copy = tempfile::tempdir().unwrap();
    std::fs::write(file_of(copy.path()), &crashed).unwrap();
    let reopened = Store::open(copy.path(), &passphrase()).unwrap();
    assert_eq!(contents(&reopened), expected);
    assert!(matches!(
        reopened.claim_session(&SessionId([11; 32]), T1),
        Err(StoreError::SessionReplayed { .. })
    ));
    assert!(reopened.load_share(&single).is_ok());
}

#[test]
fn a_failing_closure_changes_nothing() {
    let (dir, _, threshold) = populated();
    let file = file_of(dir.path());
    let store = Store::open(dir.path(), &passphrase()).unwrap();
    let before = hash(&file);
    let outcome = store
        .use_share(&threshold, T1, |share| {
            share.ban(PartyId(2));
            share
                .reserve(scheme(SchemeKind::Threshold, "ml-dsa-44").info(), 1)
                .unwrap();
            Err::<(), _>("peer vanished")
        })
        .unwrap();
    assert_eq!(outcome, Err("peer vanished"));
    assert_eq!(hash(&file), before);
    let share = store.load_share(&threshold).unwrap();
    assert!(share.banned().is_empty());
    assert_eq!(
        share.to_bytes().unwrap(),
        threshold_share(0).to_bytes().unwrap()
    );
    let credential = store.credential(&threshold).unwrap();
    assert_eq!(
        (credential.signature_count, credential.last_used),
        (0, None)
    );

    // A closure that swaps in another key's share is refused, and nothing changes either.
    let swapped = store.use_share(&threshold, T1, |share| {
        *share = single_share();
        Ok::<(), ()>(())
    });
    assert!(
        matches!(swapped, Err(StoreError::Mismatch { .. })),
        "{swapped:?}"
    );
    assert_eq!(hash(&file), before);

    // update_share records a ban.
    let mut banned = store.load_share(&threshold).unwrap();
    banned.ban(PartyId(2));
    store.update_share(&threshold, &banned).unwrap();
    drop(store);
    let store = Store::open(dir.path(), &passphrase()).unwrap();
    assert_eq!(store.load_share(&threshold).unwrap().banned(), [PartyId(2)]);
    assert!(matches!(
        store.update_share(&threshold, &threshold_share(1)),
        Err(StoreError::Mismatch { .. })
    ));
    assert!(matches!(
        store.update_share(&threshold, &single_share()),
        Err(StoreError::Mismatch { .. })
    ));
}

#[test]
fn refusals_of_bad_input_change_nothing() {
    let (dir, single, threshold) = populated();
    let file = file_of(dir.path());
    let store = Store::open(dir.path(), &passphrase()).unwrap();
    let before = hash(&file);
    let duplicate = store.insert_credential(
        &credential_for(&single_share(), single, T0),
        &single_share(),
    );
    let Err(StoreError::Duplicate { credential, path }) = &duplicate else {
        panic!("{duplicate:?}");
    };
    assert_eq!((*credential, path), (single, &file));
    let fresh = CredentialId::random(&mut rng());
    let wrong_share = store.insert_credential(
        &credential_for(&single_share(), fresh, T0),
        &threshold_share(1),
    );
    assert!(
        matches!(wrong_share, Err(StoreError::Mismatch { .. })),
        "{wrong_share:?}"
    );
    assert!(matches!(
        store.credential(&fresh),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.load_share(&fresh),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.set_state(&fresh, CredentialState::Retired),
        Err(StoreError::NotFound { .. })
    ));
    let replay = store.claim_session(&SessionId([9; 32]), T1).unwrap_err();
    assert!(matches!(replay, StoreError::SessionReplayed { .. }));
    assert!(replay.to_string().contains("replayed"), "{replay}");
    assert_eq!(hash(&file), before);
    assert!(store.claim_session(&SessionId([10; 32]), T1).is_ok());
    assert!(matches!(
        store.claim_session(&SessionId([10; 32]), T1),
        Err(StoreError::SessionReplayed { .. })
    ));
    assert_eq!(store.credentials().unwrap().len(), 2);
    assert!(store.credential(&threshold).is_ok());
    assert!(matches!(
        Store::open(dir.path(), &passphrase()),
        Err(StoreError::InUse { .. })
    ));
    assert!(matches!(
        Store::create(dir.path(), PARTY, &passphrase(), KdfParams::for_tests()),
        Err(StoreError::Exists { .. })
    ));
}

#[test]
fn policies_round_trip_and_conflicts_are_refused() {
    let (dir, _, _) = populated();
    let store = Store::open(dir.path(), &passphrase()).unwrap();
    let policy = policy();
    let stored = store.accepted_policy(&policy.digest()).unwrap().unwrap();
    assert_eq!(stored, accepted(&policy));
    // Accepting again does nothing, and keeps the first acceptance time.
    let mut again = accepted(&policy);
    again.accepted_at = T1;
    store.accept_policy(&again).unwrap();
    assert_eq!(store.accepted_policies().unwrap(), [accepted(&policy)]);

    let older = Policy::parse(
        &std::fs::read_to_string(crate::example("v1-classical.toml")).unwrap(),
        "v1-classical.toml",
        &Registry::builtin().known_ids(),
    )
    .unwrap();
    let mut older_accepted = accepted(&older);
    older_accepted.source = "(v1 source)".to_owned();
    store.accept_policy(&older_accepted).unwrap();
    let versions: Vec<u64> = store
        .accepted_policies()
        .unwrap()
        .iter()
        .map(|p| p.version)
        .collect();
    assert_eq!(versions, [older.version(), policy.version()]);

    let mut same_version = accepted(&older);
    same_version.version = policy.version();
    assert!(matches!(
        store.accept_policy(&same_version),
        Err(StoreError::PolicyConflict { .. })
    ));
    let mut other_source = accepted(&policy);
    other_source.source.push_str("\n# edited\n");
    assert!(matches!(
        store.accept_policy(&other_source),
        Err(StoreError::PolicyConflict { .. })
    ));
    let unknown = qoesign_policy::PolicyDigest::from_bytes([0xEE; 32]);
    assert_eq!(store.accepted_policy(&unknown).unwrap(), None);
}

#[test]
fn wrong_passphrase_is_refused_and_changes_nothing() {
    let (dir, _, _) = populated();
    let file = file_of(dir.path());
    let before = hash(&file);
    let wrong = Passphrase::new(Zeroizing::new("Correct horse battery staple".to_owned()));
    let err = Store::open(dir.path(), &wrong).unwrap_err();
    assert!(
        matches!(&err, StoreError::WrongPassphrase { path } if *path == file),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("store {}: wrong passphrase", file.display())
    );
    assert_eq!(hash(&file), before);
    assert!(Store::open(dir.path(), &passphrase()).is_ok());
}

#[test]
fn a_newer_schema_is_refused_and_changes_nothing() {
    let (dir, _, _) = populated();
    let file = file_of(dir.path());
    Store::dangerous_rewrite_schema(dir.path(), &passphrase(), 3).unwrap();
    let before = hash(&file);
    let err = Store::open(dir.path(), &passphrase()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "store {} was written by schema 3; this build reads up to 1",
            file.display()
        )
    );
    assert!(matches!(
        err,
        StoreError::NewerSchema {
            found: 3,
            supported: 1,
            ..
        }
    ));
    assert_eq!(hash(&file), before);
}

#[test]
fn a_truncated_file_is_refused_and_left_alone() {
    let (dir, _, _) = populated();
    let original = std::fs::read(file_of(dir.path())).unwrap();
    let len = original.len();
    for cut in [0, 1, 100, 4096, 4096 + 17, len / 2, len - 4096, len - 1] {
        let copy = tempfile::tempdir().unwrap();
        let refused = open_written(copy.path(), &original[..cut]);
        assert!(refused.is_err(), "cut at {cut}");
    }
}

#[test]
fn every_flipped_byte_is_refused_or_has_no_effect() {
    let (dir, _, _) = populated();
    let original = std::fs::read(file_of(dir.path())).unwrap();
    let expected = contents(&Store::open(dir.path(), &passphrase()).unwrap());
    let copy = tempfile::tempdir().unwrap();
    // Every byte of the database header and commit slots, every bit of its flag byte, and a
    // stride through the rest that is prime to the page size, so every offset within a page
    // is hit on some page, with the bit flipped varying along the way.
    let flips = (0..512usize)
        .map(|offset| (offset, 0x04u8))
        .chain((0..8).map(|bit| (GOD_BYTE, 1u8 << bit)))
        .chain(
            (512..original.len())
                .step_by(509)
                .map(|o| (o, 1u8 << (o % 8))),
        );
    let (mut refused, mut harmless) = (0usize, Vec::new());
    for (offset, mask) in flips {
        let mut damaged = original.clone();
        damaged[offset] ^= mask;
        match open_written(copy.path(), &damaged) {
            Err(_) => refused += 1,
            Ok(store) => {
                // Free space, padding, or the previous commit's slot: what the store gives
                // back must be exactly what was written.
                assert_eq!(contents(&store), expected, "offset {offset}");
                assert!(matches!(
                    store.claim_session(&SessionId([9; 32]), T1),
                    Err(StoreError::SessionReplayed { .. })
                ));
                harmless.push(offset);
            }
        }
    }
    println!(
        "{refused} flips refused, {} without effect (of {} bytes)",
        harmless.len(),
        original.len()
    );
    assert!(refused > 0);
}

#[test]
fn records_moved_between_credentials_or_stores_are_refused() {
    let (dir, single, threshold) = populated();
    let (other, _, _) = populated();
    let original = std::fs::read(file_of(dir.path())).unwrap();

    // Swap the two shares of one store.
    let file = file_of(dir.path());
    let (a, b) = (
        stored_value(&file, SHARES, &single),
        stored_value(&file, SHARES, &threshold),
    );
    put_raw(&file, SHARES, &single, &b);
    put_raw(&file, SHARES, &threshold, &a);
    let err = expect_record_damaged(dir.path(), "shares").to_string();
    assert!(
        err.contains(&single.to_string()) || err.contains(&threshold.to_string()),
        "{err}"
    );

    // Copy a credential record of another store (same passphrase) over one of this store.
    std::fs::write(file_of(dir.path()), &original).unwrap();
    let foreign = {
        let db = redb::Database::open(file_of(other.path())).unwrap();
        let txn = db.begin_read().unwrap();
        let table = txn.open_table(CREDENTIALS).unwrap();
        let (_, value) = table.first().unwrap().unwrap();
        value.value().to_vec()
    };
    put_raw(&file, CREDENTIALS, &single, &foreign);
    let err = expect_record_damaged(dir.path(), "credentials");
    assert!(err.to_string().contains(&single.to_string()), "{err}");
}

#[test]
fn flips_in_the_share_ciphertext_are_refused() {
    let (dir, single, threshold) = populated();
    let original = std::fs::read(file_of(dir.path())).unwrap();
    let copy = tempfile::tempdir().unwrap();
    for id in [single, threshold] {
        let sealed = stored_value(&file_of(dir.path()), SHARES, &id);
        let at = original
            .windows(sealed.len())
            .position(|w| w == sealed.as_slice())
            .expect("a sealed share lies in one piece in the file");
        for inside in (0..sealed.len()).step_by(97).chain([sealed.len() - 1]) {
            let mut damaged = original.clone();
            damaged[at + inside] ^= 0x80;
            let refused = open_written(copy.path(), &damaged);
            assert!(refused.is_err(), "byte {inside} of the share of {id}");
        }
    }
}

#[test]
fn records_altered_through_the_database_are_refused() {
    // Written through redb, so its page checksums hold: only the seal can tell.
    let (dir, single, threshold) = populated();
    let original = std::fs::read(file_of(dir.path())).unwrap();
    for (table, name, id) in [
        (SHARES, "shares", threshold),
        (CREDENTIALS, "credentials", single),
    ] {
        let sealed = stored_value(&file_of(dir.path()), table, &id);
        for inside in [0, 30, sealed.len() / 2, sealed.len() - 1] {
            std::fs::write(file_of(dir.path()), &original).unwrap();
            let mut altered = sealed.clone();
            altered[inside] ^= 0x01;
            put_raw(&file_of(dir.path()), table, &id, &altered);
            let err = expect_record_damaged(dir.path(), name);
            assert!(err.to_string().contains(&id.to_string()), "{err}");
        }
    }
}

/// The stored (sealed) value of record `id` in `table`, read with redb directly.
fn stored_value(file: &Path, table: TableDefinition<&[u8], &[u8]>, id: &CredentialId) -> Vec<u8> {
    let db = redb::Database::open(file).unwrap();
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(table).unwrap();
    let value = table.get(id.as_bytes().as_slice()).unwrap().unwrap();
    value.value().to_vec()
}

/// Writes `bytes` as the store file in `dir` and opens it; checks that a refusal says the file
/// is damaged, names it, and left it byte for byte as it was.
fn open_written(dir: &Path, bytes: &[u8]) -> Result<Store, StoreError> {
    let file = file_of(dir);
    std::fs::write(&file, bytes).unwrap();
    let before = hash(&file);
    let opened = Store::open(dir, &passphrase());
    if let Err(err) = &opened {
        assert!(
            matches!(
                err,
                StoreError::Damaged { .. } | StoreError::RecordDamaged { .. }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&file.display().to_string()),
            "{err}"
        );
        assert_eq!(hash(&file), before, "{err}");
    }
    opened
}

/// Stores `value` as record `id` of `table` with redb directly, bypassing the seal.
fn put_raw(file: &Path, table: TableDefinition<&[u8], &[u8]>, id: &CredentialId, value: &[u8]) {
    let db = redb::Database::open(file).unwrap();
    let txn = db.begin_write().unwrap();
    txn.open_table(table)
        .unwrap()
        .insert(id.as_bytes().as_slice(), value)
        .unwrap();
    txn.commit().unwrap();
}

fn expect_record_damaged(dir: &Path, expected_table: &str) -> StoreError {
    let file = file_of(dir);
    let before = hash(&file);
    let err = Store::open(dir, &passphrase()).unwrap_err();
    assert!(
        matches!(&err, StoreError::RecordDamaged { table, .. } if *table == expected_table),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
    assert_eq!(hash(&file), before);
    err
}

#[test]
fn shares_and_metadata_never_reach_the_disk_in_the_clear() {
    let (dir, _, _) = populated();
    drop(Store::open(dir.path(), &passphrase()).unwrap());
    let mut on_disk = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        on_disk.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    for share in [single_share(), threshold_share(0)] {
        let secret = share.secret().expose().to_vec();
        let encoded = share.to_bytes().unwrap().to_vec();
        let mut needles = vec![secret.clone(), encoded.clone()];
        for bytes in [&secret, &encoded] {
            for start in (0..bytes.len().saturating_sub(16)).step_by(bytes.len() / 7 + 1) {
                needles.push(bytes[start..start + 16].to_vec());
            }
        }
        // Public data is sealed too: the owner's name and the public key.
        needles.push(share.public_key()[..32].to_vec());
        for needle in needles {
            assert!(
                !on_disk
                    .windows(needle.len())
                    .any(|w| w == needle.as_slice()),
                "{} bytes found in the clear",
                needle.len()
            );
        }
    }
    assert!(!on_disk.windows(16).any(|w| w == b"Maria Musterfrau"));
}

#[cfg(unix)]
#[test]
fn the_store_is_for_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("party").join("store");
    drop(Store::create(&dir, PARTY, &passphrase(), KdfParams::for_tests()).unwrap());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file_of(&dir)), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(dir.parent().unwrap()), 0o700);
}

#[test]
fn passphrase_sources() {
    assert!(matches!(
        Passphrase::from_env("QOESIGN_STORE_TEST_PASSPHRASE_NEVER_SET"),
        Err(StoreError::Passphrase { .. })
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("passphrase");
    std::fs::write(&path, "correct horse battery staple\n").unwrap();
    let from_file = Passphrase::from_file(&path).unwrap();
    assert_eq!(format!("{from_file:?}"), "Passphrase([redacted])");
    let (store_dir, _, _) = populated();
    assert!(Store::open(store_dir.path(), &from_file).is_ok());
    let empty = Passphrase::new(Zeroizing::new(String::new()));
    let fresh = tempfile::tempdir().unwrap();
    assert!(matches!(
        Store::create(fresh.path(), PARTY, &empty, KdfParams::for_tests()),
        Err(StoreError::Passphrase { .. })
    ));
    assert!(!file_of(fresh.path()).exists());
}

//! `qoesign migrate`: re-issue under a new policy, killed after every commit and finished by a
//! second run; the v1 -> v2 -> v3 rollover over every algorithm; and the refusals.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use qoesign_algorithms::SignInput;
use qoesign_engine::Registry;
use qoesign_engine::coordinator::{KeygenOptions, Timeouts};
use qoesign_engine::fault::CrashPoint;
use qoesign_engine::local::{LocalCluster, LocalOptions};
use qoesign_engine::migrate::{self, MigrateError, MigrateOptions, PlanKind, Report};
use qoesign_engine::node::{Approval, Clock};
use qoesign_engine::rollover::Statement;
use qoesign_engine::store::{
    Credential, CredentialId, CredentialState, KdfParams, Passphrase, Store,
};
use qoesign_policy::Policy;
use qoesign_vectors::independent;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::datetime;
use zeroize::Zeroizing;

const PASSPHRASE: &str = "migration tests";
const TODAY: OffsetDateTime = datetime!(2026-12-04 12:00 UTC);

fn passphrase() -> Passphrase {
    Passphrase::new(Zeroizing::new(PASSPHRASE.to_owned()))
}

fn registry() -> Arc<Registry> {
    Arc::new(Registry::builtin())
}

fn clock() -> Clock {
    Arc::new(|| TODAY)
}

fn parse(text: &str) -> Policy {
    Policy::parse(text, "test policy", &registry().known_ids()).unwrap()
}

/// A policy: `version`, providers `p1..pN`, `threshold`, the user's device when `user`, the
/// preferred algorithm and `(id, state)` lines.
fn policy(
    version: u64,
    quorum: (usize, u16, bool),
    preferred: &str,
    algorithms: &[(&str, &str)],
) -> Policy {
    parse(&policy_text(version, quorum, preferred, algorithms))
}

/// The text of [`policy`].
fn policy_text(
    version: u64,
    (providers, threshold, user): (usize, u16, bool),
    preferred: &str,
    algorithms: &[(&str, &str)],
) -> String {
    let providers: Vec<String> = (1..=providers).map(|i| format!("\"p{i}\"")).collect();
    let mut text = format!(
        "version = {version}\nissued = 2026-12-01\npreferred = \"{preferred}\"\n\n[quorum]\n\
         providers = [{}]\nthreshold = {threshold}\nuser_required = {user}\n",
        providers.join(", ")
    );
    for (id, state) in algorithms {
        text.push_str(&format!("\n[[algorithm]]\nid = \"{id}\"\n{state}\n"));
    }
    text
}

fn options(crash: Option<Arc<CrashPoint>>) -> LocalOptions {
    LocalOptions {
        kdf: KdfParams::for_tests(),
        sign_round_timeout: Duration::from_secs(20),
        timeouts: Timeouts {
            keygen: Duration::from_secs(300),
            sign: Duration::from_secs(120),
            // A party refusing (after an injected crash) ends the session within a second.
            grace: Duration::from_secs(1),
        },
        clock: clock(),
        approver: None,
        crash,
    }
}

/// Creates the deployment in `dir` under `policy` with one key per `(owner, algorithm)`.
fn deploy(dir: &Path, policy: &Policy, keys: &[(&str, &str)]) -> Vec<Credential> {
    let owners: Vec<&str> = keys.iter().map(|(o, _)| *o).collect();
    let registry = registry();
    let mut cluster = LocalCluster::start(
        dir,
        Some(policy),
        &owners,
        &passphrase(),
        &registry,
        options(None),
    )
    .unwrap();
    let credentials = keys
        .iter()
        .map(|(owner, algorithm)| cluster.coordinator.keygen(owner, algorithm).unwrap())
        .collect();
    cluster.stop();
    credentials
}

fn run(
    dir: &Path,
    new: &Policy,
    jobs: usize,
    crash: Option<Arc<CrashPoint>>,
) -> Result<Report, MigrateError> {
    let options = MigrateOptions {
        jobs,
        local: options(crash),
    };
    migrate::migrate(
        dir,
        &passphrase(),
        &registry(),
        new,
        TODAY,
        options,
        &|_| {},
    )
}

/// Every party store in `dir`, by party name.
fn stores(dir: &Path) -> BTreeMap<String, Store> {
    let mut stores = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.ends_with("coordinator") {
            let store = Store::open(&path, &passphrase()).unwrap();
            stores.insert(store.party().to_owned(), store);
        }
    }
    stores
}

/// Every store's record of `id`, by party.
fn records(stores: &BTreeMap<String, Store>, id: &CredentialId) -> BTreeMap<String, Credential> {
    stores
        .iter()
        .filter_map(|(party, store)| Some((party.clone(), store.credential(id).ok()?)))
        .collect()
}

/// Whether every holder of `credential` stores it active, with its key and its share.
fn usable(stores: &BTreeMap<String, Store>, credential: &Credential) -> bool {
    credential.holders.iter().all(|holder| {
        stores.get(&holder.name).is_some_and(|store| {
            store.credential(&credential.id).is_ok_and(|c| {
                c.state == CredentialState::Active && c.public_key == credential.public_key
            }) && store.load_share(&credential.id).is_ok()
        })
    })
}

/// The successors of `old` that were not discarded, over every store.
fn successors(stores: &BTreeMap<String, Store>, old: &CredentialId) -> BTreeSet<CredentialId> {
    stores
        .values()
        .flat_map(|store| store.credentials().unwrap())
        .filter(|c| c.replaces == Some(*old) && c.state != CredentialState::Destroyed)
        .map(|c| c.id)
        .collect()
}

/// What must hold after a crash at any point: every old credential is usable, or its one
/// successor is.
fn never_without_a_key(dir: &Path, olds: &[Credential]) {
    let stores = stores(dir);
    for old in olds {
        if usable(&stores, old) {
            continue;
        }
        let next = successors(&stores, &old.id);
        assert_eq!(
            next.len(),
            1,
            "{} is unusable and has successors {next:?}",
            old.id
        );
        let id = next.first().unwrap();
        let new = records(&stores, id).into_values().next().unwrap();
        assert!(
            usable(&stores, &new),
            "neither {} nor {id} is usable",
            old.id
        );
    }
}

/// What must hold once a migration finished: every old credential is retired at every holder
/// with its key and share kept, linked to exactly one successor under `preferred`, usable at
/// every holder and linked back. Returns the successors, in the order of `olds`.
fn migrated(dir: &Path, olds: &[Credential], preferred: &str) -> Vec<Credential> {
    let stores = stores(dir);
    let mut news = Vec::new();
    for old in olds {
        let next = successors(&stores, &old.id);
        assert_eq!(next.len(), 1, "{} has successors {next:?}", old.id);
        let id = *next.first().unwrap();
        for holder in &old.holders {
            let store = &stores[&holder.name];
            let record = store.credential(&old.id).unwrap();
            assert_eq!(
                record.state,
                CredentialState::Retired,
                "{} at {}",
                old.id,
                holder.name
            );
            assert_eq!(
                record.replaced_by,
                Some(id),
                "{} at {}",
                old.id,
                holder.name
            );
            assert_eq!(record.public_key, old.public_key);
            store.load_share(&old.id).unwrap();
        }
        let new = records(&stores, &id).into_values().next().unwrap();
        assert_eq!(new.algorithm, preferred);
        assert_eq!(new.owner, old.owner);
        assert_eq!(new.replaces, Some(old.id));
        assert!(usable(&stores, &new), "{id} is not usable");
        news.push(new);
    }
    news
}

/// Checks every statement of `report` with independent verifiers: the new key's signature
/// always, the old key's when it signed (and that it did exactly when it was allowed to).
fn statements_verify(report: &Report) {
    for (item, planned) in report.items.iter().zip(&report.plan.items) {
        let done = item.result.as_ref().unwrap();
        let statement = Statement::parse(&done.statement).unwrap();
        assert_eq!(statement.old, item.old.id);
        assert_eq!(statement.new, done.new.id);
        assert_eq!(statement.old_public_key, item.old.public_key);
        assert_eq!(statement.new_public_key, done.new.public_key);
        assert_eq!(statement.policy_version, report.plan.to_version);
        assert!(
            verify(&done.new, &done.statement, &done.new_signature),
            "new key of {}",
            item.old.id
        );
        match &done.old_signature {
            Some(signature) => {
                assert!(planned.old_key_signs);
                assert!(
                    verify(&item.old, &done.statement, signature),
                    "{}",
                    item.old.id
                );
            }
            None => {
                assert!(!planned.old_key_signs, "{} should have signed", item.old.id);
                assert!(done.old_signature_skipped.is_some());
            }
        }
    }
}

/// An independent verdict; the legacy draft ML-DSA has no implementation but the one the
/// scheme wraps (pqcrypto-dilithium 0.5, the draft's reference code), used through the
/// registry.
fn verify(credential: &Credential, message: &[u8], signature: &[u8]) -> bool {
    independent::verify(
        &credential.algorithm,
        &credential.public_key,
        message,
        b"",
        signature,
    )
    .unwrap_or_else(|| {
        assert!(
            credential.algorithm.ends_with("-ipd"),
            "{}",
            credential.algorithm
        );
        registry()
            .verify(
                &credential.algorithm,
                &credential.public_key,
                &SignInput::message(message.to_vec()),
                signature,
            )
            .unwrap()
            .is_ok()
    })
}

/// Signs `message` with every credential through a cluster under the policy in force and
/// checks each signature independently.
fn sign_each(dir: &Path, credentials: &[Credential], message: &[u8]) -> Vec<Vec<u8>> {
    let owners: Vec<&str> = credentials.iter().map(|c| c.owner.as_str()).collect();
    let registry = registry();
    let mut cluster =
        LocalCluster::start(dir, None, &owners, &passphrase(), &registry, options(None)).unwrap();
    let signatures = credentials
        .iter()
        .map(|credential| {
            let input = SignInput::message(message.to_vec());
            let report = cluster.coordinator.sign(credential, &input).unwrap();
            assert!(
                verify(credential, message, &report.signature),
                "{}",
                credential.algorithm
            );
            report.signature
        })
        .collect();
    cluster.stop();
    signatures
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// v1 of the crash test: threshold ML-DSA-44, 2 of 3, and a legacy draft key held whole.
fn crash_v1() -> Policy {
    parse(&crash_v1_text())
}

fn crash_v1_text() -> String {
    policy_text(
        1,
        (3, 2, false),
        "ml-dsa-44",
        &[
            ("ml-dsa-44", "state = \"active\""),
            ("mldsa44-ipd", "state = \"active\""),
        ],
    )
}

/// v2 of the crash test: ML-DSA-65 for new keys, ML-DSA-44 deprecated (it signs the
/// statement), the draft retired (it does not).
fn crash_v2() -> Policy {
    parse(&crash_v2_text())
}

fn crash_v2_text() -> String {
    policy_text(
        2,
        (3, 2, false),
        "ml-dsa-65",
        &[
            ("ml-dsa-44", "state = \"deprecated\""),
            ("mldsa44-ipd", "state = \"retired\""),
            ("ml-dsa-65", "state = \"active\""),
        ],
    )
}

#[test]
fn a_migration_killed_after_any_commit_is_finished_by_running_it_again() {
    let (v1, v2) = (crash_v1(), crash_v2());
    let base = tempfile::tempdir().unwrap();
    let origin = base.path().join("origin");
    let olds = deploy(
        &origin,
        &v1,
        &[("alice", "ml-dsa-44"), ("bob", "mldsa44-ipd")],
    );
    let mut crashes = 0;
    for budget in 0.. {
        let dir = base.path().join(format!("crash-{budget}"));
        copy_dir(&origin, &dir);
        let crash = CrashPoint::after(budget);
        let first = run(&dir, &v2, 1, Some(Arc::clone(&crash)));
        if !crash.hit() {
            // The budget outlasted the whole migration: every commit point was covered.
            let report = first.unwrap();
            assert!(report.all_migrated());
            migrated(&dir, &olds, "ml-dsa-65");
            statements_verify(&report);
            break;
        }
        crashes += 1;
        if let Ok(report) = &first {
            assert!(!report.all_migrated(), "a crashed run claims success");
        }
        never_without_a_key(&dir, &olds);
        if budget == 3 {
            // An unfinished migration blocks any other policy until it is finished.
            let v3 = policy(
                3,
                (3, 2, false),
                "ml-dsa-65",
                &[("ml-dsa-65", "state = \"active\"")],
            );
            let refused = run(&dir, &v3, 1, None).unwrap_err();
            assert!(
                matches!(refused, MigrateError::Unfinished { version: 2, .. }),
                "{refused}"
            );
        }
        let second = run(&dir, &v2, 1, None).unwrap_or_else(|e| panic!("budget {budget}: {e}"));
        assert!(second.all_migrated(), "budget {budget}: {:?}", second.items);
        let news = migrated(&dir, &olds, "ml-dsa-65");
        statements_verify(&second);
        // A third run finds the migration done and changes nothing.
        let third = run(&dir, &v2, 1, None).unwrap();
        assert_eq!(third.plan.kind, PlanKind::Done);
        let again: BTreeMap<CredentialId, CredentialId> = third
            .items
            .iter()
            .map(|i| (i.old.id, i.result.as_ref().unwrap().new.id))
            .collect();
        let expected = olds.iter().zip(&news).map(|(o, n)| (o.id, n.id)).collect();
        assert_eq!(again, expected);
        assert_eq!(migrated(&dir, &olds, "ml-dsa-65"), news);
        if budget % 8 == 0 {
            sign_each(&dir, &news, b"after the crash");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // Journal, adoption, two key generations, three statement signatures, two retirements.
    eprintln!("the migration was killed at each of its {crashes} commit points");
    assert!(crashes >= 30, "only {crashes} commit points");
}

#[test]
fn v1_to_v2_to_v3_over_every_algorithm() {
    // A minute of threshold ECDSA key generations on every core.
    let _cpu = crate::whole_cpu();
    let quorum = (3, 2, true);
    let every = registry().known_ids();
    assert_eq!(every.len(), 9, "a new algorithm belongs in v2 and v3 below");
    let active = "state = \"active\"";
    let v1_lines: Vec<(&str, &str)> = every.iter().map(|id| (*id, active)).collect();
    let v1 = policy(1, quorum, "ecdsa-p256", &v1_lines);
    let v2 = policy(
        2,
        quorum,
        "mldsa65-ecdsa-p256",
        &[
            (
                "ecdsa-p256",
                "state = \"deprecated\"\nretire_on = 2030-01-01",
            ),
            ("ml-dsa-44", active),
            ("ml-dsa-65", active),
            ("ml-dsa-87", active),
            ("mldsa44-ecdsa-p256", active),
            ("mldsa65-ecdsa-p256", active),
            ("mldsa44-ipd", "state = \"retired\""),
            ("mldsa65-ipd", "state = \"retired\""),
            ("mldsa87-ipd", "state = \"retired\""),
        ],
    );
    let v3 = policy(
        3,
        quorum,
        "ml-dsa-65",
        &[
            ("ecdsa-p256", "state = \"retired\""),
            ("ml-dsa-44", active),
            ("ml-dsa-65", active),
            ("ml-dsa-87", active),
            ("mldsa44-ecdsa-p256", "state = \"deprecated\""),
            ("mldsa65-ecdsa-p256", "state = \"deprecated\""),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<(String, &str)> = every
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("user{i}"), *id))
        .collect();
    let keys: Vec<(&str, &str)> = keys.iter().map(|(o, a)| (o.as_str(), *a)).collect();
    let originals = deploy(dir.path(), &v1, &keys);
    let document = b"signed under version 1";
    let old_signatures = sign_each(dir.path(), &originals, document);

    let plan = migrate::plan(dir.path(), &passphrase(), &registry(), &v2, TODAY).unwrap();
    let planned: BTreeSet<&str> = plan
        .items
        .iter()
        .map(|i| i.credential.algorithm.as_str())
        .collect();
    let expected = ["ecdsa-p256", "mldsa44-ipd", "mldsa65-ipd", "mldsa87-ipd"];
    assert_eq!(planned, BTreeSet::from(expected));
    assert_eq!(plan.skipped.len(), 5);
    let report = run(dir.path(), &v2, 2, None).unwrap();
    assert!(report.all_migrated(), "{:?}", report.items);
    statements_verify(&report);
    let to_v2: Vec<Credential> = report.items.iter().map(|i| i.old.clone()).collect();
    let from_v2 = migrated(dir.path(), &to_v2, "mldsa65-ecdsa-p256");

    let report = run(dir.path(), &v3, 2, None).unwrap();
    assert!(report.all_migrated(), "{:?}", report.items);
    statements_verify(&report);
    let to_v3: Vec<Credential> = report.items.iter().map(|i| i.old.clone()).collect();
    let composites = to_v3
        .iter()
        .filter(|c| c.algorithm.contains("-ecdsa-"))
        .count();
    assert_eq!(
        (to_v3.len(), composites),
        (2 + from_v2.len(), 2 + from_v2.len())
    );
    let from_v3 = migrated(dir.path(), &to_v3, "ml-dsa-65");

    // Every active credential signs under v3; every retired one still verifies what it signed.
    let stores = stores(dir.path());
    let mut all: BTreeMap<CredentialId, Credential> = BTreeMap::new();
    for store in stores.values() {
        for credential in store.credentials().unwrap() {
            all.entry(credential.id).or_insert(credential);
        }
    }
    drop(stores);
    let active: Vec<Credential> = all
        .values()
        .filter(|c| c.state == CredentialState::Active)
        .cloned()
        .collect();
    assert_eq!(
        active.len(),
        3 + from_v3.len(),
        "ML-DSA-44/65/87 and the re-issued keys"
    );
    sign_each(dir.path(), &active, b"signed under version 3");
    for (credential, signature) in originals.iter().zip(&old_signatures) {
        let now = &all[&credential.id];
        if credential.algorithm.starts_with("ml-dsa-") {
            assert_eq!(now.state, CredentialState::Active);
        } else {
            assert_eq!(
                now.state,
                CredentialState::Retired,
                "{}",
                credential.algorithm
            );
        }
        assert!(verify(now, document, signature), "{}", credential.algorithm);
    }
}

#[test]
fn refusals_name_the_reason_and_change_nothing() {
    let (v1, v2) = (crash_v1(), crash_v2());
    let dir = tempfile::tempdir().unwrap();
    deploy(dir.path(), &v1, &[("alice", "ml-dsa-44")]);
    // A store another handle holds (which writes it when it closes).
    {
        let _held = Store::open(&dir.path().join("p2"), &passphrase()).unwrap();
        let error = run(dir.path(), &v2, 1, None).unwrap_err();
        assert!(matches!(error, MigrateError::Locked { .. }), "{error}");
        assert!(
            error.to_string().contains("locked by another process"),
            "{error}"
        );
    }
    let before = fingerprint(dir.path());

    // The same version with other contents.
    let same = policy(
        1,
        (3, 2, false),
        "ml-dsa-65",
        &[("ml-dsa-65", "state = \"active\"")],
    );
    let error = run(dir.path(), &same, 1, None).unwrap_err();
    assert!(
        matches!(error, MigrateError::NotNewer { new: 1, current: 1 }),
        "{error}"
    );
    assert!(
        error.to_string().contains("does not supersede version 1"),
        "{error}"
    );
    // A policy under which no algorithm may create keys on the effective day.
    let ending = policy(
        2,
        (3, 2, false),
        "ml-dsa-65",
        &[("ml-dsa-65", "state = \"active\"\ndeprecate_on = 2026-12-02")],
    );
    let error = run(dir.path(), &ending, 1, None).unwrap_err();
    assert!(
        matches!(error, MigrateError::NoKeyCreation { version: 2, .. }),
        "{error}"
    );
    // A preferred algorithm with no threshold scheme for the new quorum (threshold ML-DSA
    // stops at six parties).
    let too_many = policy(
        2,
        (7, 4, false),
        "ml-dsa-65",
        &[("ml-dsa-65", "state = \"active\"")],
    );
    let error = run(dir.path(), &too_many, 1, None).unwrap_err();
    assert!(matches!(error, MigrateError::Preferred { .. }), "{error}");
    assert!(
        error.to_string().contains("ml-dsa-65 cannot re-issue keys"),
        "{error}"
    );
    // A refused migration changes no store and leaves no journal behind.
    assert_eq!(fingerprint(dir.path()), before);
    assert!(!dir.path().join("coordinator").exists());
    // The dry run changes nothing either.
    let plan = migrate::plan(dir.path(), &passphrase(), &registry(), &v2, TODAY).unwrap();
    assert_eq!(plan.items.len(), 1);
    assert_eq!(fingerprint(dir.path()), before);

    // After v2 is in force, v1 is a lower version.
    assert!(run(dir.path(), &v2, 1, None).unwrap().all_migrated());
    let error = run(dir.path(), &v1, 1, None).unwrap_err();
    assert!(
        matches!(error, MigrateError::NotNewer { new: 1, current: 2 }),
        "{error}"
    );
}

/// The SHA-256 of every store file, by directory.
fn fingerprint(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| {
            let bytes = std::fs::read(p.join("store.redb")).unwrap();
            (p.display().to_string(), hex::encode(Sha256::digest(&bytes)))
        })
        .collect()
}

fn qoesign(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qoesign"))
        .args(args)
        .args(["--date", "2026-12-04"])
        .env("QOESIGN_PASSPHRASE", PASSPHRASE)
        .env("QOESIGN_STORE", dir)
        .output()
        .unwrap()
}

fn json_of(output: &Output) -> Value {
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn text<'a>(json: &'a Value, field: &str) -> &'a str {
    json[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {json}"))
}

fn unhex(json: &Value, field: &str) -> Vec<u8> {
    hex::decode(text(json, field)).unwrap()
}

#[test]
fn the_command_line_plans_migrates_reports_and_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let (v1_file, v2_file) = (files.path().join("v1.toml"), files.path().join("v2.toml"));
    std::fs::write(&v1_file, crash_v1_text()).unwrap();
    std::fs::write(&v2_file, crash_v2_text()).unwrap();
    let (v1_file, v2_file) = (v1_file.to_str().unwrap(), v2_file.to_str().unwrap());
    let store = dir.path().to_str().unwrap();
    let olds = deploy(
        dir.path(),
        &crash_v1(),
        &[("alice", "ml-dsa-44"), ("bob", "mldsa44-ipd")],
    );

    // The plan, which changes nothing.
    let before = fingerprint(dir.path());
    let out = qoesign(
        dir.path(),
        &["migrate", "--policy", v2_file, "--dry-run", "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let plan = json_of(&out);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["plan"]["kind"], "fresh");
    assert_eq!(
        (
            plan["plan"]["from_version"].as_u64(),
            plan["plan"]["to_version"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(text(&plan["plan"], "target"), "ml-dsa-65");
    let planned = plan["plan"]["credentials"].as_array().unwrap();
    assert_eq!(planned.len(), 2);
    for item in planned {
        let signs = text(item, "algorithm") == "ml-dsa-44";
        assert_eq!(item["old_key_signs"], signs, "{item}");
        assert_eq!(text(item, "becomes"), "ml-dsa-65");
    }
    assert_eq!(fingerprint(dir.path()), before);

    // Refused while another process (here: this one) has a store open.
    {
        let _held = Store::open(&dir.path().join("p3"), &passphrase()).unwrap();
        let out = qoesign(
            dir.path(),
            &["migrate", "--policy", v2_file, "--store", store],
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr_of(&out).contains("locked by another process"),
            "{}",
            stderr_of(&out)
        );
    }

    // The migration, with every statement checked by an independent verifier.
    let out = qoesign(
        dir.path(),
        &["migrate", "--policy", v2_file, "--store", store, "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let report = json_of(&out);
    assert_eq!(report["complete"], true);
    assert_eq!(report["failed"].as_array().unwrap().len(), 0);
    let done = report["migrated"].as_array().unwrap();
    assert_eq!(done.len(), olds.len());
    for item in done {
        let statement = text(item, "statement").as_bytes();
        let parsed = Statement::parse(statement).unwrap();
        assert_eq!(parsed.new.to_string(), text(item, "new_credential"));
        let new_key = unhex(item, "new_public_key");
        let new_signature = unhex(item, "new_signature");
        assert_eq!(
            independent::verify("ml-dsa-65", &new_key, statement, b"", &new_signature),
            Some(true)
        );
        if text(item, "algorithm") == "ml-dsa-44" {
            let old_key = unhex(item, "public_key");
            let old_signature = unhex(item, "old_signature");
            assert_eq!(
                independent::verify("ml-dsa-44", &old_key, statement, b"", &old_signature),
                Some(true)
            );
        } else {
            assert!(item["old_signature"].is_null());
            assert!(
                text(item, "old_signature_skipped").contains("retired"),
                "{item}"
            );
        }
    }
    migrated(dir.path(), &olds, "ml-dsa-65");

    // Again: done, nothing changes; the store directory may come from QOESIGN_STORE.
    let before = fingerprint(dir.path());
    let out = qoesign(dir.path(), &["migrate", "--policy", v2_file, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(json_of(&out)["plan"]["kind"], "done");
    assert_eq!(fingerprint(dir.path()), before);
    let human = qoesign(dir.path(), &["migrate", "--policy", v2_file]);
    let shown = String::from_utf8(human.stdout).unwrap();
    assert!(
        shown.contains("the journal says this migration finished"),
        "{shown}"
    );
    assert!(shown.contains("migrated 2, failed 0"), "{shown}");

    // A lower version, and an instant that is not one.
    let out = qoesign(dir.path(), &["migrate", "--policy", v1_file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("does not supersede version 2"),
        "{}",
        stderr_of(&out)
    );
    let out = qoesign(
        dir.path(),
        &["migrate", "--policy", v2_file, "--at", "soon"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("--at"), "{}", stderr_of(&out));
}

#[test]
fn a_killed_qoesign_migrate_process_is_finished_by_running_it_again() {
    let base = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let v2_file = files.path().join("v2.toml");
    std::fs::write(&v2_file, crash_v2_text()).unwrap();
    let v2_file = v2_file.to_str().unwrap();
    let origin = base.path().join("origin");
    let olds = deploy(
        &origin,
        &crash_v1(),
        &[("alice", "ml-dsa-44"), ("bob", "mldsa44-ipd")],
    );
    // Kills spread over the 41 commits of this migration (the in-process test covers each).
    for budget in [0, 2, 7, 13, 20, 28, 36] {
        let dir = base.path().join(format!("kill-{budget}"));
        copy_dir(&origin, &dir);
        let killed = Command::new(env!("CARGO_BIN_EXE_qoesign"))
            .args(["migrate", "--policy", v2_file, "--date", "2026-12-04"])
            .env("QOESIGN_PASSPHRASE", PASSPHRASE)
            .env("QOESIGN_STORE", &dir)
            .env("QOESIGN_TEST_ABORT_AFTER_COMMITS", budget.to_string())
            .output()
            .unwrap();
        assert_eq!(
            killed.status.code(),
            None,
            "budget {budget}: {}",
            stderr_of(&killed)
        );
        never_without_a_key(&dir, &olds);
        let out = qoesign(&dir, &["migrate", "--policy", v2_file]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "budget {budget}: {}",
            stderr_of(&out)
        );
        migrated(&dir, &olds, "ml-dsa-65");
    }
}

#[test]
fn a_credential_that_fails_is_reported_and_the_next_run_retries_it() {
    let v1 = policy(
        1,
        (3, 2, true),
        "ml-dsa-44",
        &[("ml-dsa-44", "state = \"active\"")],
    );
    let v2 = policy(
        2,
        (3, 2, true),
        "ml-dsa-65",
        &[
            ("ml-dsa-44", "state = \"deprecated\""),
            ("ml-dsa-65", "state = \"active\""),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let olds = deploy(
        dir.path(),
        &v1,
        &[("alice", "ml-dsa-44"), ("bob", "ml-dsa-44")],
    );
    // Bob's device declines the new key.
    let mut local = options(None);
    local.approver = Some(Box::new(|device: &str| {
        let declines = device == "device:bob";
        Box::new(move |asked: &Approval| !(declines && matches!(asked, Approval::Keygen { .. })))
    }));
    let options = MigrateOptions { jobs: 2, local };
    let report = migrate::migrate(
        dir.path(),
        &passphrase(),
        &registry(),
        &v2,
        TODAY,
        options,
        &|_| {},
    )
    .unwrap();
    assert!(!report.all_migrated());
    for item in &report.items {
        match (item.old.owner.as_str(), &item.result) {
            ("alice", Ok(_)) => {}
            ("bob", Err(reason)) => assert!(reason.contains("declined"), "{reason}"),
            (owner, result) => panic!("{owner}: {result:?}"),
        }
    }
    never_without_a_key(dir.path(), &olds);
    let bob: Vec<Credential> = olds.iter().filter(|c| c.owner == "bob").cloned().collect();
    assert!(
        usable(&stores(dir.path()), &bob[0]),
        "bob's old key must still sign"
    );

    // The next run resumes: Alice's credential is done, Bob's is re-issued.
    let report = run(dir.path(), &v2, 2, None).unwrap();
    assert_eq!(report.plan.kind, PlanKind::Resume);
    assert!(report.all_migrated(), "{:?}", report.items);
    statements_verify(&report);
    migrated(dir.path(), &olds, "ml-dsa-65");
}

#[test]
fn holders_refuse_a_retirement_the_new_key_did_not_sign_and_keep_a_key_that_signed() {
    let (v1, v2) = (crash_v1(), crash_v2());
    let dir = tempfile::tempdir().unwrap();
    let old = deploy(dir.path(), &v1, &[("alice", "ml-dsa-44")]).remove(0);
    let registry = registry();
    let start = |policy: Option<&Policy>| {
        LocalCluster::start(
            dir.path(),
            policy,
            &["alice"],
            &passphrase(),
            &registry,
            options(None),
        )
        .unwrap()
    };
    let mut cluster = start(Some(&v2));
    let options = KeygenOptions {
        credential: None,
        replaces: Some(old.id),
    };
    let new = cluster
        .coordinator
        .keygen_with("alice", "ml-dsa-65", options)
        .unwrap();
    let statement = Statement::rollover(&old, &new, v2.version(), v2.digest(), TODAY);
    let signature = cluster
        .coordinator
        .sign(&new, &statement.sign_input())
        .unwrap()
        .signature;

    // A signature that does not verify, and a statement naming another key, are refused.
    let mut flipped = signature.clone();
    flipped[10] ^= 1;
    let error = cluster
        .coordinator
        .retire(&old, &new, &statement.to_bytes(), &flipped)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("signature of the statement does not verify"),
        "{error}"
    );
    let other = Statement {
        new_public_key: old.public_key.clone(),
        ..statement.clone()
    };
    let error = cluster
        .coordinator
        .retire(&old, &new, &other.to_bytes(), &signature)
        .unwrap_err();
    assert!(
        error.to_string().contains("does not match credential"),
        "{error}"
    );
    // The successor signed, so it is not discarded.
    let error = cluster
        .coordinator
        .discard(&new.holders, new.id)
        .unwrap_err();
    assert!(error.to_string().contains("is kept"), "{error}");
    cluster.stop();
    let held = stores(dir.path());
    assert!(
        usable(&held, &old),
        "a refused retirement changed the old credential"
    );
    assert!(
        usable(&held, &new),
        "a refused discard changed the new credential"
    );
    assert!(
        records(&held, &old.id)
            .values()
            .all(|c| c.replaced_by.is_none())
    );
    drop(held);

    // The genuine statement and signature retire it.
    let mut cluster = start(None);
    cluster
        .coordinator
        .retire(&old, &new, &statement.to_bytes(), &signature)
        .unwrap();
    cluster.stop();
    migrated(dir.path(), std::slice::from_ref(&old), "ml-dsa-65");
}

//! The engine end to end in one process: nodes with their own stores, the in-memory transport,
//! the coordinator; keygen and signing for every threshold algorithm, providers dropping at
//! every round, and the refusals every honest party makes on its own.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLockReadGuard};
use std::time::Duration;

use qoesign_algorithms::SignInput;
use qoesign_engine::coordinator::{Coordinator, CoordinatorError, FailureKind, Timeouts};
use qoesign_engine::envelope::{Envelope, Outcome, SignRequest};
use qoesign_engine::node::{Approval, Clock, Node, NodeConfig, NodeHandle};
use qoesign_engine::store::{AcceptedPolicy, Credential, KdfParams, Passphrase, Store};
use qoesign_engine::transport::memory::{MemoryNetwork, Verdict};
use qoesign_engine::transport::{Endpoint, Transport};
use qoesign_engine::{Registry, session_id};
use qoesign_policy::Policy;
use qoesign_vectors::independent;
use tempfile::TempDir;
use time::OffsetDateTime;
use time::macros::datetime;
use zeroize::Zeroizing;

const NOW: OffsetDateTime = datetime!(2026-12-04 12:00 UTC);
const CONTEXT: &[u8] = b"engine test";

/// A policy text: `providers` named p0.., `threshold` of them, the user when `user`, and
/// `algorithm` preferred with `extra` algorithm tables after it.
fn policy_text(
    algorithm: &str,
    providers: usize,
    threshold: u16,
    user: bool,
    extra: &str,
) -> String {
    let names: Vec<String> = (0..providers).map(|i| format!("\"p{i}\"")).collect();
    format!(
        "version = 1\nissued = 2026-12-01\npreferred = \"{algorithm}\"\n[quorum]\n\
         providers = [{}]\nthreshold = {threshold}\nuser_required = {user}\n\
         [[algorithm]]\nid = \"{algorithm}\"\nstate = \"active\"\n{extra}",
        names.join(", ")
    )
}

fn parse(text: &str) -> Policy {
    Policy::parse(text, "test.toml", &Registry::builtin().known_ids()).unwrap()
}

/// Every party of a policy in one process.
struct Cluster {
    dir: TempDir,
    network: MemoryNetwork,
    registry: Arc<Registry>,
    names: Vec<String>,
    nodes: Vec<NodeHandle>,
    coordinator: Coordinator,
    device_log: Arc<Mutex<Vec<Approval>>>,
    decline: Arc<AtomicBool>,
    /// Each node's key generation round timeout (nodes started from now on).
    keygen_round: Duration,
    /// Round timeouts of a few seconds: no test that keeps every core busy runs meanwhile.
    _cpu: RwLockReadGuard<'static, ()>,
}

fn passphrase(name: &str) -> Passphrase {
    Passphrase::new(Zeroizing::new(format!("passphrase of {name}")))
}

fn clock() -> Clock {
    Arc::new(|| NOW)
}

impl Cluster {
    fn new(policy: &Policy) -> Self {
        // Generous: under a loaded test machine a healthy session can take many seconds, and
        // a party that stalls is reported by its peers long before this.
        Self::with_sign_timeout(policy, Duration::from_secs(120))
    }

    /// A cluster whose coordinator gives a signing session at most `sign` (the time it waits
    /// when no signer reports at all).
    fn with_sign_timeout(policy: &Policy, sign: Duration) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let network = MemoryNetwork::new();
        let registry = Arc::new(Registry::builtin());
        let mut names = policy.quorum().providers().to_vec();
        if policy.quorum().user_required() {
            names.push(qoesign_engine::coordinator::device_name("alice"));
        }
        let device_log = Arc::new(Mutex::new(Vec::new()));
        let decline = Arc::new(AtomicBool::new(false));
        let mut cluster = Self {
            coordinator: Coordinator::new(
                network.endpoint("coordinator").unwrap(),
                Arc::clone(&registry),
                policy.clone(),
                Timeouts {
                    keygen: Duration::from_secs(300),
                    sign,
                    grace: Duration::from_secs(3),
                },
                clock(),
            ),
            dir,
            network,
            registry,
            names: names.clone(),
            nodes: Vec::new(),
            device_log,
            decline,
            keygen_round: Duration::from_secs(120),
            _cpu: crate::shared_cpu(),
        };
        for name in &names {
            let store = Store::create(
                &cluster.dir.path().join(name),
                name,
                &passphrase(name),
                KdfParams::for_tests(),
            )
            .unwrap();
            drop(store);
            cluster.accept(name, policy);
        }
        for name in names {
            cluster.start(&name);
        }
        cluster
    }

    fn is_device(name: &str) -> bool {
        name.starts_with("device:")
    }

    fn open(&self, name: &str) -> Store {
        Store::open(&self.dir.path().join(name), &passphrase(name)).unwrap()
    }

    fn accept(&self, name: &str, policy: &Policy) {
        self.open(name)
            .accept_policy(&AcceptedPolicy {
                version: policy.version(),
                digest: policy.digest(),
                source: policy.to_toml(),
                accepted_at: NOW,
            })
            .unwrap();
    }

    fn start(&mut self, name: &str) {
        let mut config = if Self::is_device(name) {
            let log = Arc::clone(&self.device_log);
            let decline = Arc::clone(&self.decline);
            NodeConfig::user_device(Box::new(move |asked: &Approval| {
                log.lock().unwrap().push(asked.clone());
                !decline.load(Ordering::SeqCst)
            }))
        } else {
            NodeConfig::provider()
        };
        config.sign_round_timeout = Duration::from_secs(3);
        config.keygen_round_timeout = self.keygen_round;
        config.clock = clock();
        let endpoint = self.network.endpoint(name).unwrap();
        let node = Node::new(
            self.open(name),
            endpoint,
            Arc::clone(&self.registry),
            config,
        );
        self.nodes.push(node.spawn());
    }

    /// Stops every node (their stores close) and starts them again.
    fn restart(&mut self) {
        self.nodes.clear();
        for name in self.names.clone() {
            self.start(&name);
        }
    }

    /// Stops every node (their stores close), accepts `policy` everywhere, restarts them.
    fn accept_everywhere(&mut self, policy: &Policy) {
        self.nodes.clear();
        for name in self.names.clone() {
            self.accept(&name, policy);
        }
        for name in self.names.clone() {
            self.start(&name);
        }
    }
}

fn input(message: &[u8], algorithm: &str) -> SignInput {
    let context = if algorithm == "ecdsa-p256" {
        Vec::new()
    } else {
        CONTEXT.to_vec()
    };
    SignInput::with_context(message.to_vec(), context)
}

/// Checks a signature with the independent verifier of the algorithm.
fn independently_valid(credential: &Credential, message: &[u8], signature: &[u8]) {
    let context = if credential.algorithm == "ecdsa-p256" {
        &[][..]
    } else {
        CONTEXT
    };
    let verdict = independent::verify(
        &credential.algorithm,
        &credential.public_key,
        message,
        context,
        signature,
    );
    assert_eq!(verdict, Some(true), "{}", credential.algorithm);
}

/// Drops everything `victim` sends once it has sent `allowed` protocol messages.
fn silence_after(network: &MemoryNetwork, victim: &str, allowed: usize) {
    let victim = victim.to_owned();
    let mut sent = 0usize;
    network.set_fault(Box::new(move |from, _, bytes| {
        if from != victim {
            return Verdict::Deliver;
        }
        if matches!(Envelope::decode(bytes), Ok(Envelope::Protocol { .. })) {
            sent += 1;
        }
        // Once past its allowance the party is gone: no protocol message, no report.
        if sent > allowed {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    }));
}

/// Counts the protocol messages `party` sends.
fn count_from(network: &MemoryNetwork, party: &str) -> Arc<Mutex<usize>> {
    let count = Arc::new(Mutex::new(0));
    let seen = Arc::clone(&count);
    let party = party.to_owned();
    network.set_fault(Box::new(move |from, _, bytes| {
        if from == party && matches!(Envelope::decode(bytes), Ok(Envelope::Protocol { .. })) {
            *seen.lock().unwrap() += 1;
        }
        Verdict::Deliver
    }));
    count
}

#[test]
fn every_threshold_algorithm_signs_through_the_coordinator() {
    for algorithm in crate::THRESHOLD_ALGORITHMS {
        let policy = parse(&policy_text(algorithm, 3, 2, false, ""));
        let mut cluster = Cluster::new(&policy);
        let credential = cluster.coordinator.keygen("alice", algorithm).unwrap();
        assert_eq!(credential.holders.len(), 3);
        for message in [&b"first"[..], b"second"] {
            let report = cluster
                .coordinator
                .sign(&credential, &input(message, algorithm))
                .unwrap();
            assert_eq!(report.signers.len(), 2, "{algorithm}");
            assert!(report.failures().is_empty(), "{algorithm}");
            independently_valid(&credential, message, &report.signature);
        }
        // Every holder stored the same credential and counted the signatures it took part in.
        cluster.nodes.clear();
        let counts: Vec<u64> = cluster
            .names
            .iter()
            .map(|n| {
                let stored = cluster.open(n).credential(&credential.id).unwrap();
                assert_eq!(stored.public_key, credential.public_key);
                assert_eq!(stored.holders, credential.holders);
                stored.signature_count
            })
            .collect();
        assert_eq!(
            counts,
            [2, 2, 0],
            "{algorithm}: the first two providers signed"
        );
    }
}

#[test]
fn a_provider_dropping_at_any_round_is_replaced() {
    for algorithm in ["ml-dsa-44", "ecdsa-p256"] {
        let policy = parse(&policy_text(algorithm, 3, 2, false, ""));
        let mut cluster = Cluster::new(&policy);
        let credential = cluster.coordinator.keygen("alice", algorithm).unwrap();
        // How many messages p0 sends in a session that goes through.
        let count = count_from(&cluster.network, "p0");
        cluster
            .coordinator
            .sign(&credential, &input(b"count", algorithm))
            .unwrap();
        let total = *count.lock().unwrap();
        assert!(total >= 3, "{algorithm}: {total} messages");
        // Threshold ML-DSA may restart, so only its first attempt's three rounds are certain;
        // threshold ECDSA sends the same messages every time.
        let rounds = if algorithm.starts_with("ml-dsa") {
            3
        } else {
            total
        };
        for allowed in 0..rounds {
            silence_after(&cluster.network, "p0", allowed);
            let message = format!("dropped after {allowed}");
            let report = cluster
                .coordinator
                .sign(&credential, &input(message.as_bytes(), algorithm))
                .unwrap_or_else(|e| panic!("{algorithm}, drop after {allowed}: {e}"));
            independently_valid(&credential, message.as_bytes(), &report.signature);
            let failures = report.failures();
            assert_eq!(failures.len(), 1, "{algorithm} {allowed}: {failures:?}");
            assert_eq!(failures[0].party, "p0");
            assert_eq!(failures[0].kind, FailureKind::Silent);
            let names: Vec<&str> = report.signers.iter().map(|h| h.name.as_str()).collect();
            assert_eq!(names, ["p1", "p2"]);
        }
        cluster.network.clear_fault();
    }
}

#[test]
fn more_dropped_providers_than_spares_is_an_error_naming_them() {
    let policy = parse(&policy_text("ml-dsa-44", 3, 2, false, ""));
    // Both signers of the first session fall silent and nobody reports: the coordinator
    // waits out the session.
    let mut cluster = Cluster::with_sign_timeout(&policy, Duration::from_secs(8));
    let credential = cluster.coordinator.keygen("alice", "ml-dsa-44").unwrap();
    cluster.network.set_fault(Box::new(|from, _, _| {
        if from == "p0" || from == "p1" {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    }));
    let err = cluster
        .coordinator
        .sign(&credential, &input(b"nobody", "ml-dsa-44"))
        .unwrap_err();
    let CoordinatorError::NoQuorum {
        needed,
        available,
        failures,
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!((*needed, *available), (2, 1));
    let named: BTreeSet<&str> = failures.iter().map(|f| f.party.as_str()).collect();
    assert_eq!(named, ["p0", "p1"].into());
    let text = err.to_string();
    assert!(
        text.contains("p0 fell silent") && text.contains("p1 fell silent"),
        "{text}"
    );
}

#[test]
fn a_provider_sending_garbage_is_named_and_replaced() {
    let policy = parse(&policy_text("ml-dsa-44", 3, 2, false, ""));
    let mut cluster = Cluster::new(&policy);
    let credential = cluster.coordinator.keygen("alice", "ml-dsa-44").unwrap();
    cluster
        .network
        .set_fault(Box::new(|from, _, bytes| match Envelope::decode(bytes) {
            Ok(Envelope::Protocol { session, mut bytes }) if from == "p0" => {
                if let Some(last) = bytes.last_mut() {
                    *last ^= 0x55;
                }
                bytes.truncate(bytes.len() / 2);
                Verdict::Replace(Envelope::Protocol { session, bytes }.encode().unwrap())
            }
            _ => Verdict::Deliver,
        }));
    let report = cluster
        .coordinator
        .sign(&credential, &input(b"garbage", "ml-dsa-44"))
        .unwrap();
    independently_valid(&credential, b"garbage", &report.signature);
    let failures = report.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].party, "p0");
    assert!(
        matches!(&failures[0].kind, FailureKind::Misbehaved(why) if why.contains("party 0")),
        "{:?}",
        failures[0].kind
    );
}

/// Sends `request` to every signer from a rogue endpoint and returns each one's outcome.
fn ask_directly(
    network: &MemoryNetwork,
    rogue: &str,
    request: &SignRequest,
) -> Vec<(String, Outcome)> {
    let mut endpoint = network.endpoint(rogue).unwrap();
    let bytes = Envelope::Sign(request.clone()).encode().unwrap();
    for signer in &request.signers {
        endpoint.send(&signer.name, bytes.clone()).unwrap();
    }
    collect_outcomes(endpoint.as_mut(), request.signers.len())
}

fn collect_outcomes(endpoint: &mut dyn Endpoint, expected: usize) -> Vec<(String, Outcome)> {
    let mut outcomes = Vec::new();
    while outcomes.len() < expected {
        let delivery = endpoint
            .recv(Duration::from_secs(30))
            .unwrap()
            .expect("every honest party answers");
        if let Ok(Envelope::Outcome { outcome, .. }) = Envelope::decode(&delivery.bytes) {
            outcomes.push((delivery.from, outcome));
        }
    }
    outcomes
}

fn refusals(outcomes: &[(String, Outcome)]) -> Vec<String> {
    outcomes
        .iter()
        .map(|(name, outcome)| match outcome {
            Outcome::Refused { reason } => reason.clone(),
            other => panic!("{name} did not refuse: {other:?}"),
        })
        .collect()
}

#[test]
fn parties_refuse_retired_algorithms_unaccepted_policies_and_replays() {
    let v1 = parse(&policy_text("ml-dsa-44", 3, 2, false, ""));
    let mut cluster = Cluster::new(&v1);
    let credential = cluster.coordinator.keygen("alice", "ml-dsa-44").unwrap();
    let signers: Vec<_> = credential.holders[..2].to_vec();
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    let request = |digest: &qoesign_policy::PolicyDigest,
                   rng: &mut dyn qoesign_algorithms::CryptoRng| {
        SignRequest {
            session: session_id(digest, "sign", rng),
            policy_digest: *digest.as_bytes(),
            credential: *credential.id.as_bytes(),
            algorithm: credential.algorithm.clone(),
            signers: signers.clone(),
            input: (&input(b"rogue", "ml-dsa-44")).into(),
        }
    };

    // A policy nobody accepted.
    let stranger =
        parse(&policy_text("ml-dsa-44", 3, 2, false, "").replace("version = 1", "version = 7"));
    let outcomes = ask_directly(
        &cluster.network,
        "rogue-1",
        &request(&stranger.digest(), &mut rng),
    );
    for reason in refusals(&outcomes) {
        assert!(reason.contains("has not been accepted"), "{reason}");
    }

    // A replayed session: capture a real request, let it sign, send it again.
    let captured = Arc::new(Mutex::new(None));
    let keep = Arc::clone(&captured);
    cluster.network.set_fault(Box::new(move |from, to, bytes| {
        if from == "coordinator"
            && to == "p0"
            && let Ok(Envelope::Sign(request)) = Envelope::decode(bytes)
        {
            *keep.lock().unwrap() = Some(request);
        }
        Verdict::Deliver
    }));
    cluster
        .coordinator
        .sign(&credential, &input(b"once", "ml-dsa-44"))
        .unwrap();
    cluster.network.clear_fault();
    let replayed = captured.lock().unwrap().clone().unwrap();
    let outcomes = ask_directly(&cluster.network, "rogue-2", &replayed);
    for reason in refusals(&outcomes) {
        assert!(reason.contains("used before"), "{reason}");
    }
    // After a restart the store still remembers the session.
    cluster.restart();
    let outcomes = ask_directly(&cluster.network, "rogue-2b", &replayed);
    for reason in refusals(&outcomes) {
        assert!(
            reason.contains("used before (a replayed request)"),
            "{reason}"
        );
    }

    // v2 retires ml-dsa-44; every party accepts it. Sessions under v2 for the old key are
    // refused, and so are sessions under v1, which is superseded.
    let v2_text = policy_text("ml-dsa-65", 3, 2, false, "").replace("version = 1", "version = 2")
        + "[[algorithm]]\nid = \"ml-dsa-44\"\nstate = \"retired\"\n";
    let v2 = parse(&v2_text);
    cluster.accept_everywhere(&v2);
    let outcomes = ask_directly(
        &cluster.network,
        "rogue-3",
        &request(&v2.digest(), &mut rng),
    );
    for reason in refusals(&outcomes) {
        assert!(
            reason.contains("does not allow ml-dsa-44 to sign"),
            "{reason}"
        );
    }
    let outcomes = ask_directly(
        &cluster.network,
        "rogue-4",
        &request(&v1.digest(), &mut rng),
    );
    for reason in refusals(&outcomes) {
        assert!(reason.contains("superseded by version 2"), "{reason}");
    }
    // Nothing was signed by the refused sessions: the counts are the one real signature.
    cluster.nodes.clear();
    for name in ["p0", "p1"] {
        let stored = cluster.open(name).credential(&credential.id).unwrap();
        assert_eq!(stored.signature_count, 1, "{name}");
    }
}

/// One algorithm per way of making the user's device necessary: hosted indices (ECDSA), the
/// "user and t of n" sharing (ML-DSA), both at once (the composite).
const WITH_DEVICE: [&str; 3] = ["ecdsa-p256", "ml-dsa-65", "mldsa44-ecdsa-p256"];

#[test]
fn with_the_user_required_the_device_signs_and_can_decline() {
    for algorithm in crate::THRESHOLD_ALGORITHMS {
        let policy = parse(&policy_text(algorithm, 3, 2, true, ""));
        let mut cluster = Cluster::new(&policy);
        let credential = cluster.coordinator.keygen("alice", algorithm).unwrap();
        let device = "device:alice";
        assert_eq!(credential.threshold, 3, "{algorithm}");
        assert!(
            credential
                .holders
                .iter()
                .any(|h| h.name == device && Some(h.party) == credential.required)
        );
        let report = cluster
            .coordinator
            .sign(&credential, &input(b"with the device", algorithm))
            .unwrap();
        independently_valid(&credential, b"with the device", &report.signature);
        let names: Vec<&str> = report.signers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["p0", "p1", device], "{algorithm}");
        {
            let log = cluster.device_log.lock().unwrap();
            assert!(matches!(&log[0], Approval::Keygen { algorithm: a, .. } if a == algorithm));
            let expected = format!(
                "sha256:{}",
                hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"with the device"))
            );
            assert!(
                matches!(&log[1], Approval::Sign { digest, .. } if *digest == expected),
                "{log:?}"
            );
        }

        // A provider that drops is replaced; the device stays.
        silence_after(&cluster.network, "p0", 0);
        let report = cluster
            .coordinator
            .sign(&credential, &input(b"p0 gone", algorithm))
            .unwrap();
        independently_valid(&credential, b"p0 gone", &report.signature);
        let names: Vec<&str> = report.signers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["p1", "p2", device], "{algorithm}");
        cluster.network.clear_fault();

        // The user declines: no signature, and the error says why.
        cluster.decline.store(true, Ordering::SeqCst);
        let err = cluster
            .coordinator
            .sign(&credential, &input(b"declined", algorithm))
            .unwrap_err();
        assert!(
            matches!(err, CoordinatorError::UserUnavailable { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("declined"), "{err}");
        cluster.decline.store(false, Ordering::SeqCst);
    }
}

#[test]
fn all_providers_together_cannot_sign_without_the_device() {
    for algorithm in WITH_DEVICE {
        let policy = parse(&policy_text(algorithm, 3, 2, true, ""));
        let mut cluster = Cluster::new(&policy);
        let credential = cluster.coordinator.keygen("alice", algorithm).unwrap();
        let providers: Vec<_> = credential
            .holders
            .iter()
            .filter(|h| Some(h.party) != credential.required)
            .cloned()
            .collect();
        assert_eq!(providers.len(), 3);

        // Every honest provider refuses a session without the device.
        let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
        let digest = cluster.coordinator.policy().digest();
        let request = SignRequest {
            session: session_id(&digest, "sign", &mut rng),
            policy_digest: *digest.as_bytes(),
            credential: *credential.id.as_bytes(),
            algorithm: credential.algorithm.clone(),
            signers: providers.clone(),
            input: (&input(b"collusion", algorithm)).into(),
        };
        let outcomes = ask_directly(&cluster.network, "colluders", &request);
        for reason in refusals(&outcomes) {
            assert!(
                reason.contains("device is not among the signers"),
                "{reason}"
            );
        }

        // Colluding providers with every provider share out of its store, in one process,
        // running the scheme themselves: refused, the key cannot sign without the device.
        cluster.nodes.clear();
        let mut shares: Vec<_> = providers
            .iter()
            .map(|p| cluster.open(&p.name).load_share(&credential.id).unwrap())
            .collect();
        let scheme = cluster
            .registry
            .entry(algorithm)
            .unwrap()
            .schemes
            .iter()
            .find(|s| s.info().id == credential.scheme)
            .cloned()
            .unwrap();
        let mut refs: Vec<_> = shares.iter_mut().collect();
        let err = qoesign_algorithms::sim::sign(
            scheme.as_ref(),
            &mut refs,
            &input(b"collusion", algorithm),
            qoesign_algorithms::SessionId([7; 32]),
            &mut rng,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("cannot sign without"),
            "{algorithm}: {err}"
        );
    }
}

#[test]
fn key_generation_names_the_parties_that_failed_it() {
    let policy = parse(&policy_text("ml-dsa-44", 3, 2, false, ""));
    let mut cluster = Cluster::new(&policy);
    cluster.keygen_round = Duration::from_secs(4);
    cluster.restart();
    // Every holder is needed: one that never answers fails the key generation, by name.
    cluster.network.set_fault(Box::new(|from, _, _| {
        if from == "p2" {
            Verdict::Drop
        } else {
            Verdict::Deliver
        }
    }));
    let err = cluster
        .coordinator
        .keygen("alice", "ml-dsa-44")
        .unwrap_err();
    let CoordinatorError::Keygen { failures } = &err else {
        panic!("{err}");
    };
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].party, "p2");
    assert_eq!(failures[0].kind, FailureKind::Silent);
    assert!(err.to_string().contains("p2 fell silent"), "{err}");
    cluster.network.clear_fault();

    // A coordinator under a policy the parties never accepted is refused by every one of them.
    let stranger =
        parse(&policy_text("ml-dsa-44", 3, 2, false, "").replace("version = 1", "version = 9"));
    let mut rogue = Coordinator::new(
        cluster.network.endpoint("rogue-coordinator").unwrap(),
        Arc::clone(&cluster.registry),
        stranger,
        Timeouts::default(),
        clock(),
    );
    let err = rogue.keygen("alice", "ml-dsa-44").unwrap_err();
    let CoordinatorError::Keygen { failures } = &err else {
        panic!("{err}");
    };
    assert_eq!(failures.len(), 3, "{failures:?}");
    for failure in failures {
        assert!(
            matches!(&failure.kind, FailureKind::Refused(why) if why.contains("not been accepted")),
            "{failure}"
        );
    }
    // The failed attempts left no credential anywhere.
    cluster.nodes.clear();
    for name in ["p0", "p1", "p2"] {
        assert!(
            cluster.open(name).credentials().unwrap().is_empty(),
            "{name}"
        );
    }
}

#[test]
fn garbage_and_floods_from_outside_change_nothing() {
    let policy = parse(&policy_text("ml-dsa-44", 3, 2, false, ""));
    let mut cluster = Cluster::new(&policy);
    let credential = cluster.coordinator.keygen("alice", "ml-dsa-44").unwrap();
    let rogue = cluster.network.endpoint("rogue").unwrap();
    for (i, name) in (0..2000).zip(["p0", "p1", "p2"].into_iter().cycle()) {
        // Undecodable bytes, envelopes of another version, and protocol messages of sessions
        // that were never opened (a node keeps those of at most 64 unknown sessions, for one
        // round timeout): none of it stops the next signature.
        let mut session = [0u8; 32];
        session[..4].copy_from_slice(&u32::to_be_bytes(i));
        let bytes = match i % 3 {
            0 => vec![0xff; 40],
            1 => vec![9, 1, 2, 3],
            _ => Envelope::Protocol {
                session: qoesign_algorithms::SessionId(session),
                bytes: vec![0; 64],
            }
            .encode()
            .unwrap(),
        };
        rogue.send(name, bytes).unwrap();
    }
    let report = cluster
        .coordinator
        .sign(&credential, &input(b"after the flood", "ml-dsa-44"))
        .unwrap();
    independently_valid(&credential, b"after the flood", &report.signature);
    assert!(report.failures().is_empty());
}

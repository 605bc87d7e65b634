//! Engine overhead: one threshold ML-DSA-65 signature at (3, 5) through the coordinator, the
//! nodes, their encrypted stores and the in-memory transport, against the bare scheme in the
//! simulator with the same signers.
//!
//! Group `engine/ml-dsa-65`, bench ids `bare/3-of-5` (the simulator, parties concurrent) and
//! `coordinator/3-of-5` (request, admission checks, session claim and budget reservation in
//! each signer's store, the protocol over channels, outcome, standard verification), plus
//! `coordinator/user-and-3-of-5` for the default deployment with the user's device. Both
//! bare and coordinator signatures use the first three providers, so they run the same
//! protocol; the number of attempts a signature takes is random, so the means over many
//! iterations are what compare, and each bench prints the mean attempts of the signatures it
//! measured (warm-up included) to stderr: divide the mean time by it for the time per attempt.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use qoesign_algorithms::SignInput;
use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::threshold_mldsa;
use qoesign_benches::{threshold_keygen, threshold_sign};
use qoesign_engine::Registry;
use qoesign_engine::local::{LocalCluster, LocalOptions};
use qoesign_engine::store::Passphrase;
use qoesign_policy::Policy;
use zeroize::Zeroizing;

fn policy(user: bool) -> Result<Policy, qoesign_policy::PolicyError> {
    let text = format!(
        "version = 1\nissued = 2026-12-01\npreferred = \"ml-dsa-65\"\n[quorum]\n\
         providers = [\"p0\", \"p1\", \"p2\", \"p3\", \"p4\"]\nthreshold = 3\n\
         user_required = {user}\n[[algorithm]]\nid = \"ml-dsa-65\"\nstate = \"active\"\n"
    );
    Policy::parse(&text, "bench.toml", &Registry::builtin().known_ids())
}

fn engine(c: &mut Criterion) {
    let input = SignInput::with_context(vec![0xa3; 32], b"qoesign-bench".to_vec());
    let mut group = c.benchmark_group("engine/ml-dsa-65");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(20));

    let scheme = threshold_mldsa::scheme(ParameterSet::MlDsa65);
    if let Some(mut shares) = threshold_keygen(scheme.as_ref(), 3, 5) {
        let mut attempts = Attempts::default();
        group.bench_function(BenchmarkId::new("bare", "3-of-5"), |b| {
            b.iter(|| {
                let session = threshold_sign(scheme.as_ref(), &mut shares, &[0, 1, 2], &input);
                attempts.add(session.as_ref().map(|s| s.signed.attempts));
                black_box(session)
            })
        });
        attempts.report("bare/3-of-5");
    }

    let registry = Arc::new(Registry::builtin());
    for (user, id) in [(false, "3-of-5"), (true, "user-and-3-of-5")] {
        let Ok(dir) = tempfile::tempdir() else {
            eprintln!("skipping coordinator/{id}: no temporary directory");
            continue;
        };
        let policy = match policy(user) {
            Ok(policy) => policy,
            Err(e) => {
                eprintln!("skipping coordinator/{id}: {e}");
                continue;
            }
        };
        let passphrase = Passphrase::new(Zeroizing::new("bench".to_owned()));
        let owners: &[&str] = if user { &["alice"] } else { &[] };
        let started = LocalCluster::start(
            dir.path(),
            Some(&policy),
            owners,
            &passphrase,
            &registry,
            LocalOptions::default(),
        );
        let mut cluster = match started {
            Ok(cluster) => cluster,
            Err(e) => {
                eprintln!("skipping coordinator/{id}: {e}");
                continue;
            }
        };
        let credential = match cluster.coordinator.keygen("alice", "ml-dsa-65") {
            Ok(credential) => credential,
            Err(e) => {
                eprintln!("skipping coordinator/{id}: {e}");
                continue;
            }
        };
        let mut attempts = Attempts::default();
        group.bench_function(BenchmarkId::new("coordinator", id), |b| {
            b.iter(|| {
                let report = cluster.coordinator.sign(&credential, &input).ok();
                attempts.add(report.as_ref().map(|r| r.attempts));
                black_box(report)
            })
        });
        attempts.report(&format!("coordinator/{id}"));
        cluster.stop();
    }
    group.finish();
}

/// Protocol attempts over every measured signature: threshold ML-DSA restarts at random, so
/// time per signature compares only together with attempts per signature.
#[derive(Default)]
struct Attempts {
    signatures: u64,
    attempts: u64,
    failed: u64,
}

impl Attempts {
    fn add(&mut self, attempts: Option<u32>) {
        match attempts {
            Some(n) => {
                self.signatures += 1;
                self.attempts += u64::from(n);
            }
            None => self.failed += 1,
        }
    }

    fn report(&self, id: &str) {
        #[expect(clippy::cast_precision_loss, reason = "a mean for a human reader")]
        let mean = self.attempts as f64 / self.signatures.max(1) as f64;
        eprintln!(
            "{id}: {} signatures, {mean:.3} attempts per signature, {} without a signature",
            self.signatures, self.failed
        );
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);

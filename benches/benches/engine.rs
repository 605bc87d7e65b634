//! Engine overhead: one threshold ML-DSA-65 signature at (3, 5) through the coordinator, the
//! nodes, their encrypted stores and the in-memory transport, against the bare scheme in the
//! simulator with the same signers.
//!
//! Group `engine/ml-dsa-65`, functions `bare/3-of-5` (the simulator, parties concurrent) and
//! `coordinator/3-of-5` (request, admission checks, session claim and budget reservation in
//! each signer's store, the protocol over channels, outcome, standard verification), plus
//! `coordinator/user+3-of-5` for the default deployment with the user's device. Bare and
//! coordinator signatures at 3-of-5 use the first three providers, so they run the same
//! protocol; the number of attempts a signature takes is random, so the means over many
//! iterations are what compare, and the run records the mean attempts of each row's
//! signatures. Every first signature is checked by `fips204`.

use std::process::ExitCode;
use std::sync::Arc;

use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::{SignInput, threshold_mldsa};
use qoesign_benches::record::{Family, Protocol, Quorum, Role, Row};
use qoesign_benches::runner::Runner;
use qoesign_benches::threshold::{self, SignStats};
use qoesign_engine::Registry;
use qoesign_engine::local::{LocalCluster, LocalOptions};
use qoesign_engine::store::Passphrase;
use qoesign_policy::Policy;
use zeroize::Zeroizing;

fn main() -> ExitCode {
    qoesign_benches::runner::log_to_stderr();
    Runner::main("engine", engine)
}

fn row(function: &str, quorum: Quorum, implementation: &str) -> Row {
    Row {
        group: "engine/ml-dsa-65".to_owned(),
        function: format!("{function}/{}", quorum.label()),
        family: Family::PostQuantum,
        algorithm: "ml-dsa-65".to_owned(),
        role: Role::Engine,
        op: "sign".to_owned(),
        implementation: implementation.to_owned(),
        quorum: Some(quorum),
        message: Some(32),
    }
}

fn policy(user: bool) -> Result<Policy, qoesign_policy::PolicyError> {
    let text = format!(
        "version = 1\nissued = 2026-12-01\npreferred = \"ml-dsa-65\"\n[quorum]\n\
         providers = [\"p0\", \"p1\", \"p2\", \"p3\", \"p4\"]\nthreshold = 3\n\
         user_required = {user}\n[[algorithm]]\nid = \"ml-dsa-65\"\nstate = \"active\"\n"
    );
    Policy::parse(&text, "bench.toml", &Registry::builtin().known_ids())
}

fn engine(runner: &mut Runner) {
    let input = SignInput::with_context(vec![0x5a; 32], b"qoesign-bench".to_vec());
    let scheme = threshold_mldsa::scheme(ParameterSet::MlDsa65);
    let bare = row("bare", Quorum::new(3, 5, false), "simulator");
    if runner.selected(&bare) {
        match threshold::keygen(scheme.as_ref(), Quorum::new(3, 5, false)) {
            Ok(mut shares) => {
                let mut stats = SignStats::default();
                let mut failure = None;
                runner.measure(&bare, || {
                    match threshold::sign(scheme.as_ref(), &mut shares, &[0, 1, 2], &input) {
                        Ok(session) => stats.add(&session),
                        Err(e) => failure = Some(e),
                    }
                });
                match failure {
                    Some(e) => runner.failure(bare.id(), format!("signing failed: {e}")),
                    None => runner.protocol(&bare, stats.protocol()),
                }
            }
            Err(e) => runner.failure(bare.id(), format!("key generation failed: {e}")),
        }
    }
    let registry = Arc::new(Registry::builtin());
    for user in [false, true] {
        let row = row("coordinator", Quorum::new(3, 5, user), "qoesign-engine");
        if !runner.selected(&row) {
            continue;
        }
        if let Err(e) = coordinator(runner, &row, &registry, &input) {
            runner.failure(row.id(), e);
        }
    }
}

/// Starts a local cluster of five providers (and the device), creates one credential and
/// benchmarks its signatures.
fn coordinator(
    runner: &mut Runner,
    row: &Row,
    registry: &Arc<Registry>,
    input: &SignInput,
) -> Result<(), String> {
    let user = row.quorum.is_some_and(|q| q.user);
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let policy = policy(user).map_err(|e| e.to_string())?;
    let passphrase = Passphrase::new(Zeroizing::new("bench".to_owned()));
    let owners: &[&str] = if user { &["alice"] } else { &[] };
    let mut cluster = LocalCluster::start(
        dir.path(),
        Some(&policy),
        owners,
        &passphrase,
        registry,
        LocalOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let result = (|| {
        let credential = cluster
            .coordinator
            .keygen("alice", "ml-dsa-65")
            .map_err(|e| format!("key generation failed: {e}"))?;
        let first = cluster
            .coordinator
            .sign(&credential, input)
            .map_err(|e| format!("signing failed: {e}"))?;
        let scheme = threshold_mldsa::scheme(ParameterSet::MlDsa65);
        qoesign_benches::check::verify(
            scheme.as_ref(),
            &credential.public_key,
            input,
            &first.signature,
        )
        .map_err(|e| format!("the signature does not verify: {e}"))?;
        let (mut signatures, mut attempts, mut failure) = (0u64, 0u64, None);
        runner.measure(row, || match cluster.coordinator.sign(&credential, input) {
            Ok(report) => {
                signatures += 1;
                attempts += u64::from(report.attempts);
            }
            Err(e) => failure = Some(e.to_string()),
        });
        if let Some(e) = failure {
            return Err(format!("signing failed: {e}"));
        }
        #[expect(clippy::cast_precision_loss, reason = "a mean for a human reader")]
        let mean = attempts as f64 / signatures.max(1) as f64;
        runner.protocol(
            row,
            Protocol {
                signatures,
                attempts: mean,
                ..Protocol::default()
            },
        );
        Ok(())
    })();
    cluster.stop();
    result
}

//! Threshold key generation and signing, every party in one process: threshold ML-DSA-44/65/87
//! (qoesign), threshold ECDSA P-256 (DKLs23 through `dkls23`) and threshold composite
//! ML-DSA-44/65 + ECDSA P-256, at (t, n) = (2, 3), (3, 5) and (4, 6), without and with the
//! user's device as a required signer.
//!
//! Groups `threshold/<algorithm>`, functions `keygen/<quorum>` and `sign/<quorum>` (quorum
//! `3-of-5` or `user+3-of-5`). The parties run concurrently in the simulator
//! (`Simulation::concurrent`), sharing this machine's cores as separate machines would not. A
//! signing iteration is one released signature of a 32-byte message (with a context where the
//! algorithm takes one), from set-up through every attempt it takes, by a signer set that
//! cycles through every t-subset of the providers (plus the device). The first signature of
//! every key is checked by standard verifiers (`fips204`, `p256`). For every sign row the
//! run records the mean attempts, communication rounds (the simulator's waves) and bytes
//! sent per signer per signature, and for every key the sizes of public key, signature and
//! shares.
//!
//! Threshold ML-DSA's tables stop at six parties, so (4, 6) with the device (seven holders) is
//! recorded as unsupported for ML-DSA and composite. Group `threshold/ecdsa-p256` also holds
//! `keygen-step/ot-setup` and `keygen-step/ot-check`: what one party computes for one peer
//! in the third and fourth phases of the DKLs23 key generation, which it does for each of its
//! peers, so they tell where that key generation's time goes.
//!
//! A quick run (`cargo xtask bench --quick`) generates composite keys only at (2, 3) with and
//! without the device: the larger ones cost minutes of threshold ECDSA key generation that
//! the threshold ECDSA rows have just run, through the same code. Its composite signatures at
//! the larger quorums use keys joined (`composite::join`, what the composite key generation
//! does with its halves) from those threshold ECDSA keys and fresh threshold ML-DSA keys.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::Arc;

use dkls23::secp256r1::utilities::multiplication::{MulReceiver, MulSender};
use p256::NistP256;
use qoesign_algorithms::composite::{self, Variant};
use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::{KeyShare, KeygenParams, Scheme, threshold_ecdsa, threshold_mldsa};
use qoesign_benches::record::{Family, Quorum, Role, Row, Sizes};
use qoesign_benches::runner::Runner;
use qoesign_benches::threshold::{self, QUORUMS, SignStats};
use qoesign_benches::{SESSION, check, input};

fn main() -> ExitCode {
    qoesign_benches::runner::log_to_stderr();
    Runner::main("threshold", |runner| {
        let mut ecdsa_keys = EcdsaKeys::new();
        for set in ParameterSet::ALL {
            let scheme_of_set = threshold_mldsa::scheme(set);
            scheme(runner, scheme_of_set, Family::PostQuantum, &mut ecdsa_keys);
        }
        let ecdsa = threshold_ecdsa::scheme();
        scheme(runner, ecdsa, Family::Classical, &mut ecdsa_keys);
        per_peer(runner);
        for variant in Variant::ALL {
            let composite = composite::threshold(variant);
            scheme(runner, composite, Family::PostQuantum, &mut ecdsa_keys);
        }
    })
}

fn row(scheme: &dyn Scheme, family: Family, op: &str, quorum: Quorum) -> Row {
    let algorithm = scheme.info().algorithm.id;
    Row {
        group: format!("threshold/{algorithm}"),
        function: format!("{op}/{}", quorum.label()),
        family,
        algorithm: algorithm.to_owned(),
        role: Role::Threshold,
        op: op.to_owned(),
        implementation: scheme.info().id.to_owned(),
        quorum: Some(quorum),
        message: (op == "sign").then_some(32),
    }
}

/// The threshold ECDSA keys of the run, by quorum, for a quick run's composite keys.
type EcdsaKeys = BTreeMap<Quorum, Vec<KeyShare>>;

fn scheme(runner: &mut Runner, scheme: Arc<dyn Scheme>, family: Family, ecdsa: &mut EcdsaKeys) {
    let variant = Variant::of(scheme.info().algorithm.id);
    for quorum in QUORUMS {
        let keygen_row = row(scheme.as_ref(), family, "keygen", quorum);
        let sign_row = row(scheme.as_ref(), family, "sign", quorum);
        if !runner.selected(&keygen_row) && !runner.selected(&sign_row) {
            continue;
        }
        if let Err(reason) = supported(scheme.as_ref(), quorum) {
            runner.skipped(&keygen_row, &reason);
            runner.skipped(&sign_row, reason);
            continue;
        }
        let shares = match variant {
            Some(variant) if runner.quick() && quorum.t > 2 => {
                runner.skipped(
                    &keygen_row,
                    "quick run: composite key generation only at (2, 3); larger keys are \
                     joined from the threshold ECDSA and ML-DSA keys",
                );
                joined(variant, quorum, ecdsa).map_err(|reason| runner.skipped(&sign_row, reason))
            }
            _ => {
                let generate = || threshold::keygen(scheme.as_ref(), quorum);
                let generated = runner
                    .measure(&keygen_row, generate)
                    .unwrap_or_else(generate);
                generated.map_err(|e| {
                    runner.failure(keygen_row.id(), format!("key generation failed: {e}"));
                })
            }
        };
        let Ok(mut shares) = shares else {
            continue;
        };
        sign(
            runner,
            scheme.as_ref(),
            family,
            quorum,
            &sign_row,
            &mut shares,
        );
        if scheme.info().id == threshold_ecdsa::scheme().info().id {
            ecdsa.insert(quorum, shares);
        }
    }
}

/// Composite shares for `quorum` joined from the run's threshold ECDSA key and a fresh
/// threshold ML-DSA key, or why there are none.
fn joined(variant: Variant, quorum: Quorum, ecdsa: &EcdsaKeys) -> Result<Vec<KeyShare>, String> {
    let ecdsa = ecdsa.get(&quorum).ok_or_else(|| {
        "quick run: no threshold ECDSA key of this quorum to join (the filter left it out)"
            .to_owned()
    })?;
    let mldsa = threshold::keygen(threshold_mldsa::scheme(variant.mldsa()).as_ref(), quorum)
        .map_err(|e| format!("the ML-DSA half's key generation failed: {e}"))?;
    mldsa
        .iter()
        .zip(ecdsa)
        .map(|(m, e)| composite::join(variant, m, e).map_err(|e| e.to_string()))
        .collect()
}

/// Whether the scheme takes `quorum` at all (a table look-up, no session).
fn supported(scheme: &dyn Scheme, quorum: Quorum) -> Result<(), String> {
    let parties = quorum.parties();
    let params = KeygenParams {
        session: SESSION,
        me: parties[0],
        parties,
        threshold: quorum.signers(),
        required: quorum.device(),
    };
    scheme.keygen(&params).map(drop).map_err(|e| e.to_string())
}

fn sign(
    runner: &mut Runner,
    scheme: &dyn Scheme,
    family: Family,
    quorum: Quorum,
    sign_row: &Row,
    shares: &mut [KeyShare],
) {
    let message = input(scheme, 32);
    let first = threshold::sign(scheme, shares, &quorum.signer_set(0), &message);
    let session = match first {
        Ok(session) => session,
        Err(e) => return runner.failure(sign_row.id(), format!("signing failed: {e}")),
    };
    let public_key = shares[0].public_key().to_vec();
    let signature = &session.signed.signature;
    if let Err(e) = check::verify(scheme, &public_key, &message, signature) {
        return runner.failure(sign_row.id(), format!("the signature does not verify: {e}"));
    }
    let share_len =
        |share: Option<&KeyShare>| share.and_then(|s| s.to_bytes().ok()).map(|b| b.len());
    runner.sizes(Sizes {
        algorithm: scheme.info().algorithm.id.to_owned(),
        family,
        quorum: Some(quorum),
        public_key: public_key.len(),
        signature: signature.len(),
        share: share_len(shares.first()).unwrap_or(0),
        device_share: quorum.user.then(|| share_len(shares.last())).flatten(),
    });
    let mut stats = SignStats::default();
    let mut failure = None;
    let mut i = 0usize;
    runner.measure(sign_row, || {
        i += 1;
        match threshold::sign(scheme, shares, &quorum.signer_set(i), &message) {
            Ok(session) => stats.add(&session),
            Err(e) => failure = Some(e),
        }
    });
    if let Some(e) = failure {
        return runner.failure(sign_row.id(), format!("signing failed: {e}"));
    }
    runner.protocol(sign_row, stats.protocol());
}

/// The two per-peer steps of the DKLs23 key generation.
fn per_peer(runner: &mut Runner) {
    let step = |op: &str| Row {
        group: "threshold/ecdsa-p256".to_owned(),
        function: format!("keygen-step/{op}"),
        family: Family::Classical,
        algorithm: "ecdsa-p256".to_owned(),
        role: Role::Detail,
        op: op.to_owned(),
        implementation: "dkls23".to_owned(),
        quorum: None,
        message: None,
    };
    let sid = b"qoesign bench OT set-up".as_slice();
    runner.measure(&step("ot-setup"), || {
        black_box(MulReceiver::<NistP256>::init_phase1(sid));
        black_box(MulSender::<NistP256>::init_phase1(sid));
    });
    // One direction's set-up from each side, then both checks.
    let (ot_sender, dlog_proof, nonce) = MulReceiver::<NistP256>::init_phase1(sid);
    let (ot_receiver, correlation, vec_r, enc_proofs) = MulSender::<NistP256>::init_phase1(sid);
    let mut valid = true;
    runner.measure(&step("ot-check"), || {
        let receiver = MulReceiver::<NistP256>::init_phase2(
            &ot_sender,
            sid,
            &ot_receiver.seed,
            &enc_proofs,
            &nonce,
        );
        let sender = MulSender::<NistP256>::init_phase2(
            &ot_receiver,
            sid,
            correlation.clone(),
            &vec_r,
            &dlog_proof,
            &nonce,
        );
        valid &= receiver.is_ok() && sender.is_ok();
        black_box((receiver.is_ok(), sender.is_ok()))
    });
    if !valid {
        runner.failure(
            "threshold/ecdsa-p256/keygen-step/ot-check",
            "the OT set-ups do not check",
        );
    }
}

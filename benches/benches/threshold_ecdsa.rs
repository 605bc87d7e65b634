//! Threshold ECDSA P-256 (DKLs23 through `dkls23`) with every party in one process: distributed
//! key generation and signing at (t, n) = (2, 3), (3, 5) and (4, 6), and the two per-peer
//! steps that dominate key generation.
//!
//! Group `threshold-ecdsa`, bench ids `keygen/t-of-n` and `sign/t-of-n`: the parties run
//! concurrently in the simulator (`Simulation::concurrent`) and each party runs its per-peer
//! OT set-ups in parallel, all sharing this machine's cores. A signing iteration is one
//! released signature (three rounds, then the `p256` self-check) by a signer set that cycles
//! through every t-subset, over the SHA-256 digest of a document (the remote-signing case).
//! After each signing benchmark it prints, to stderr, the bytes each signer sent.
//!
//! Group `threshold-ecdsa/per-peer`: `ot-setup` is what one party computes for one peer in
//! the DKG's third phase (its base-OT set-ups as multiplication receiver and as sender), and
//! `ot-check` what it computes for that peer in the fourth (checking the peer's set-ups). A
//! party does each n - 1 times, so they tell where the key generation time goes. Set
//! `RAYON_NUM_THREADS=1` to measure key generation without any parallelism.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use dkls23::secp256r1::utilities::multiplication::{MulReceiver, MulSender};
use p256::NistP256;
use qoesign_algorithms::{SignInput, threshold_ecdsa};
use qoesign_benches::{SignStats, bench_threshold_signing, threshold_keygen};

const CONFIGS: [(u16, u16); 3] = [(2, 3), (3, 5), (4, 6)];

fn protocol(c: &mut Criterion) {
    // A 32-byte SHA-256 digest, as a remote-signing client sends it.
    let digest = vec![0x5c; 32];
    let input = SignInput::Digest(digest);
    let scheme = threshold_ecdsa::scheme();
    let mut group = c.benchmark_group("threshold-ecdsa");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for (t, n) in CONFIGS {
        let id = format!("{t}-of-{n}");
        group.bench_function(BenchmarkId::new("keygen", &id), |b| {
            b.iter(|| black_box(threshold_keygen(scheme.as_ref(), t, n)))
        });
        let Some(mut shares) = threshold_keygen(scheme.as_ref(), t, n) else {
            eprintln!("skipping {id}: key generation failed");
            continue;
        };
        let share_bytes = shares[0].to_bytes().map_or(0, |b| b.len());
        let SignStats {
            signatures, bytes, ..
        } = bench_threshold_signing(
            &mut group,
            &id,
            scheme.as_ref(),
            &mut shares,
            (t, n),
            &input,
        );
        eprintln!(
            "threshold-ecdsa {id}: {signatures} signatures, {} bytes sent per signer per \
             signature; key share {share_bytes} bytes",
            bytes / signatures.max(1)
        );
    }
    group.finish();
}

fn per_peer(c: &mut Criterion) {
    let mut group = c.benchmark_group("threshold-ecdsa/per-peer");
    group.sample_size(10);
    let sid = b"qoesign bench OT set-up".as_slice();
    group.bench_function("ot-setup", |b| {
        b.iter(|| {
            black_box(MulReceiver::<NistP256>::init_phase1(sid));
            black_box(MulSender::<NistP256>::init_phase1(sid));
        })
    });
    // One direction's set-up from each side, then both checks.
    let (ot_sender, dlog_proof, nonce) = MulReceiver::<NistP256>::init_phase1(sid);
    let (ot_receiver, correlation, vec_r, enc_proofs) = MulSender::<NistP256>::init_phase1(sid);
    group.bench_function("ot-check", |b| {
        b.iter(|| {
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
            assert!(receiver.is_ok() && sender.is_ok(), "the set-ups must check");
            black_box((receiver.is_ok(), sender.is_ok()))
        })
    });
    group.finish();
}

criterion_group!(benches, protocol, per_peer);
criterion_main!(benches);

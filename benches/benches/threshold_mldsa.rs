//! Threshold ML-DSA with every party in one process: distributed key generation and signing at
//! (T, N) = (2, 3), (3, 5) and (4, 6) for each level.
//!
//! Groups are `threshold-mldsa/<level>`, bench ids `keygen/T-of-N` and `sign/T-of-N`. The
//! parties run concurrently in the simulator (`Simulation::concurrent`), each party's slots in
//! parallel too, as separate machines would, sharing this machine's cores. A signing
//! iteration is one finished signature: all T parties' state machines from setup to the
//! released signature, through every attempt it takes (the attempt count varies with the
//! randomness, so the mean over many iterations is the mean time per signature). Signing uses a
//! fresh random signer set of size T for every iteration and signs a 32-byte message with a
//! context. After each signing benchmark it prints, to stderr, the mean number of attempts of the
//! signatures it measured and the bytes each party sent per attempt.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::sim::Simulation;
use qoesign_algorithms::threshold_mldsa;
use qoesign_algorithms::{KeyShare, PartyId, Scheme, SignInput, SignParams, Signed, sim};
use qoesign_benches::{SESSION, rng};

const CONFIGS: [(u16, u16); 3] = [(2, 3), (3, 5), (4, 6)];

fn keygen(scheme: &dyn Scheme, t: u16, n: u16) -> Option<Vec<KeyShare>> {
    let parties: Vec<PartyId> = (0..n).map(PartyId).collect();
    sim::keygen(scheme, &parties, t, SESSION, &mut rng()).ok()
}

/// One signature by the signers at positions `signers` of `shares`: its attempts and the bytes
/// each signer sent.
fn sign(
    scheme: &dyn Scheme,
    shares: &mut [KeyShare],
    signers: &[usize],
    input: &SignInput,
) -> Option<(Signed, usize)> {
    let ids: Vec<PartyId> = signers
        .iter()
        .filter_map(|&i| u16::try_from(i).ok().map(PartyId))
        .collect();
    let params = SignParams {
        session: SESSION,
        signers: ids,
        input: input.clone(),
    };
    let mut machines = Vec::with_capacity(signers.len());
    for (i, share) in shares.iter_mut().enumerate() {
        if signers.contains(&i) {
            machines.push(scheme.sign(share, &params).ok()?);
        }
    }
    let report = Simulation::new(machines).concurrent().run(&mut rng());
    let sent = report.traffic.values().map(|t| t.bytes).max().unwrap_or(0);
    let signed = report.outputs.into_values().next()?;
    Some((signed, sent))
}

/// The `i`-th T-subset of 0..n in a fixed cycle through all of them.
fn signer_set(t: u16, n: u16, i: usize) -> Vec<usize> {
    let sets: Vec<Vec<usize>> = (0u32..1 << n)
        .filter(|m| m.count_ones() == u32::from(t))
        .map(|m| (0..usize::from(n)).filter(|b| m >> b & 1 == 1).collect())
        .collect();
    sets[i % sets.len()].clone()
}

fn threshold(c: &mut Criterion) {
    let input = SignInput::with_context(vec![0xa3; 32], b"qoesign-bench".to_vec());
    for set in ParameterSet::ALL {
        let scheme = threshold_mldsa::scheme(set);
        let mut group = c.benchmark_group(format!("threshold-mldsa/{}", &set.name()[7..]));
        group.sample_size(10).warm_up_time(Duration::from_secs(1));
        for (t, n) in CONFIGS {
            let id = format!("{t}-of-{n}");
            group.bench_function(BenchmarkId::new("keygen", &id), |b| {
                b.iter(|| black_box(keygen(scheme.as_ref(), t, n)))
            });
            let Some(mut shares) = keygen(scheme.as_ref(), t, n) else {
                eprintln!("skipping {} {id}: key generation failed", set.name());
                continue;
            };
            // The measured signatures also count their attempts and traffic.
            let (mut signatures, mut attempts, mut bytes) = (0u64, 0u64, 0u64);
            let mut i = 0usize;
            group.bench_function(BenchmarkId::new("sign", &id), |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        i += 1;
                        let signers = signer_set(t, n, i);
                        if let Some((signed, sent)) =
                            sign(scheme.as_ref(), &mut shares, &signers, &input)
                        {
                            signatures += 1;
                            attempts += u64::from(signed.attempts);
                            bytes += sent as u64;
                        }
                    }
                    start.elapsed()
                })
            });
            eprintln!(
                "{} {id}: {signatures} signatures, {:.2} attempts each on average, {} bytes sent \
                 per party per attempt (to each of {} peers: {})",
                set.name(),
                attempts as f64 / signatures.max(1) as f64,
                bytes / attempts.max(1),
                t - 1,
                bytes / attempts.max(1) / u64::from(t - 1)
            );
        }
        group.finish();
    }
}

criterion_group!(benches, threshold);
criterion_main!(benches);

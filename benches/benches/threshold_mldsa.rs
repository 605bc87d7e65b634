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
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use qoesign_algorithms::SignInput;
use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::threshold_mldsa;
use qoesign_benches::{SignStats, bench_threshold_signing, threshold_keygen};

const CONFIGS: [(u16, u16); 3] = [(2, 3), (3, 5), (4, 6)];

fn threshold(c: &mut Criterion) {
    let input = SignInput::with_context(vec![0xa3; 32], b"qoesign-bench".to_vec());
    for set in ParameterSet::ALL {
        let scheme = threshold_mldsa::scheme(set);
        let mut group = c.benchmark_group(format!("threshold-mldsa/{}", &set.name()[7..]));
        group.sample_size(10).warm_up_time(Duration::from_secs(1));
        for (t, n) in CONFIGS {
            let id = format!("{t}-of-{n}");
            group.bench_function(BenchmarkId::new("keygen", &id), |b| {
                b.iter(|| black_box(threshold_keygen(scheme.as_ref(), t, n)))
            });
            let Some(mut shares) = threshold_keygen(scheme.as_ref(), t, n) else {
                eprintln!("skipping {} {id}: key generation failed", set.name());
                continue;
            };
            let SignStats {
                signatures,
                attempts,
                bytes,
                ..
            } = bench_threshold_signing(
                &mut group,
                &id,
                scheme.as_ref(),
                &mut shares,
                (t, n),
                &input,
            );
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

//! Composite ML-DSA + ECDSA P-256 (draft-ietf-lamps-pq-composite-sigs-19), for both variants:
//! single-party key generation and signing, threshold key generation and signing at (2, 3)
//! and (3, 5), and each threshold half signing alone with the same key shares and the same
//! M', so that the composite's cost can be compared with its slower half.
//!
//! Groups `composite/<variant>` (`mldsa44-ecdsa-p256`, `mldsa65-ecdsa-p256`), bench ids
//! `single/keygen`, `sign/single`, `keygen/t-of-n`, `sign/t-of-n` (the threshold composite),
//! `sign/mldsa-half/t-of-n` and `sign/ecdsa-half/t-of-n`. Threshold sessions run every party
//! in one process, concurrently (`Simulation::concurrent`), sharing this machine's cores; a
//! signing iteration is one released signature, by a signer set that cycles through every
//! t-subset, over a 32-byte message with a context (the ECDSA half alone signs M', as inside
//! the composite). After each threshold signing benchmark it prints the mean ML-DSA attempts and
//! communication rounds (the simulator's waves) per signature.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use qoesign_algorithms::composite::{self, Variant};
use qoesign_algorithms::threshold_mldsa;
use qoesign_algorithms::{KeyShare, SignInput, threshold_ecdsa};
use qoesign_benches::{SignStats, bench_threshold_signing, single_keygen, threshold_keygen};

const CONFIGS: [(u16, u16); 2] = [(2, 3), (3, 5)];

fn composite(c: &mut Criterion) {
    let input = SignInput::with_context(vec![0xa3; 32], b"qoesign-bench".to_vec());
    for variant in Variant::ALL {
        let mut group = c.benchmark_group(format!("composite/{}", variant.algorithm().id));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(5));

        let single = composite::single(variant);
        group.bench_function("single/keygen", |b| {
            b.iter(|| black_box(single_keygen(single.as_ref()).ok()))
        });
        if let Ok(share) = single_keygen(single.as_ref()) {
            let mut shares = [share];
            bench_threshold_signing(
                &mut group,
                "single",
                single.as_ref(),
                &mut shares,
                (1, 1),
                &input,
            );
        }

        let scheme = composite::threshold(variant);
        let m_prime = composite::message_representative(variant, &input).ok();
        let halves_input = m_prime.map(|m| {
            (
                SignInput::with_context(m.clone(), variant.label().as_bytes().to_vec()),
                SignInput::message(m),
            )
        });
        for (t, n) in CONFIGS {
            let id = format!("{t}-of-{n}");
            group.bench_function(BenchmarkId::new("keygen", &id), |b| {
                b.iter(|| black_box(threshold_keygen(scheme.as_ref(), t, n)))
            });
            let Some(mut shares) = threshold_keygen(scheme.as_ref(), t, n) else {
                eprintln!("skipping {id}: key generation failed");
                continue;
            };
            let stats = bench_threshold_signing(
                &mut group,
                &id,
                scheme.as_ref(),
                &mut shares,
                (t, n),
                &input,
            );
            report(variant, &id, "composite", stats);
            // The same keys' halves, each signing alone.
            let Some((mldsa_input, ecdsa_input)) = &halves_input else {
                continue;
            };
            let (mut mldsa, mut ecdsa): (Vec<KeyShare>, Vec<KeyShare>) = shares
                .iter()
                .filter_map(|s| composite::halves(s).ok())
                .unzip();
            let mldsa_scheme = threshold_mldsa::scheme(variant.mldsa());
            let stats = bench_threshold_signing(
                &mut group,
                &format!("mldsa-half/{id}"),
                mldsa_scheme.as_ref(),
                &mut mldsa,
                (t, n),
                mldsa_input,
            );
            report(variant, &id, "ML-DSA half alone", stats);
            let stats = bench_threshold_signing(
                &mut group,
                &format!("ecdsa-half/{id}"),
                threshold_ecdsa::scheme().as_ref(),
                &mut ecdsa,
                (t, n),
                ecdsa_input,
            );
            report(variant, &id, "ECDSA half alone", stats);
        }
        group.finish();
    }
}

fn report(variant: Variant, id: &str, what: &str, stats: SignStats) {
    let per = |total: u64| total as f64 / stats.signatures.max(1) as f64;
    eprintln!(
        "{} {id} {what}: {} signatures, {:.2} attempts (of the ML-DSA half, if any) and {:.2} \
         communication rounds each on average",
        variant.algorithm().id,
        stats.signatures,
        per(stats.attempts),
        per(stats.waves)
    );
}

criterion_group!(benches, composite);
criterion_main!(benches);

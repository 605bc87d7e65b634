//! Single-party key generation, signing and verification of every built-in scheme, through the
//! plugin contract (the same path the engine takes).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use qoesign_algorithms::{sim, single_party_schemes};
use qoesign_benches::{MESSAGE_SIZES, SESSION, input, rng, single_keygen};

fn single_party(c: &mut Criterion) {
    for scheme in single_party_schemes() {
        let id = scheme.info().id;
        let mut group = c.benchmark_group(format!("single/{id}"));
        group.bench_function("keygen", |b| {
            b.iter(|| single_keygen(scheme.as_ref()).map(|s| black_box(s.public_key().len())))
        });
        let Ok(mut share) = single_keygen(scheme.as_ref()) else {
            eprintln!("skipping {id}: key generation failed");
            continue;
        };
        for len in MESSAGE_SIZES {
            let message = input(scheme.as_ref(), len);
            let signature = sim::sign(
                scheme.as_ref(),
                &mut [&mut share],
                &message,
                SESSION,
                &mut rng(),
            );
            let Ok(signed) = signature else {
                eprintln!("skipping {id} at {len} bytes: signing failed");
                continue;
            };
            group.throughput(Throughput::Bytes(u64::try_from(len).unwrap_or(u64::MAX)));
            group.bench_with_input(BenchmarkId::new("sign", len), &message, |b, m| {
                b.iter(|| sim::sign(scheme.as_ref(), &mut [&mut share], m, SESSION, &mut rng()))
            });
            group.bench_with_input(BenchmarkId::new("verify", len), &message, |b, m| {
                b.iter(|| scheme.verify(share.public_key(), m, &signed.signature))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, single_party);
criterion_main!(benches);

//! ML-DSA key generation, signing and verification in qoesign's own implementation
//! (`qoesign_algorithms::mldsa`) and in three others: `fips204`, RustCrypto `ml-dsa` and PQClean
//! through `pqcrypto-mldsa`.
//!
//! Groups are `mldsa/<level>/<op>`, bench ids the library. To compare like with like:
//!
//! - keygen runs FIPS 204 KeyGen_internal from a fixed 32-byte seed, except in PQClean, whose
//!   API takes no seed and draws one from the operating system (a 32-byte read, small next to
//!   the rest);
//! - sign signs a 32-byte message with an empty context, hedged, from a key object each library
//!   has already loaded (PQClean's key object is the encoded secret key, which its signing
//!   unpacks every time: that is how its API works, so it is measured so). The time of one
//!   signature depends on how often FIPS 204 Alg. 7 rejects and restarts (about four times at
//!   ML-DSA-44 on average), which depends on rnd: with one fixed rnd a benchmark measures one
//!   draw of that count, not its mean. So the signers that take rnd from the caller cycle
//!   through the same fixed list of 256 rnd values, and do the same work as each other (their
//!   signatures are byte-identical). PQClean takes no rnd and draws a fresh one from the
//!   operating system, which averages the same way;
//! - verify checks one valid signature from a loaded public key object.
//!
//! PQClean picks its AVX2 code when the processor has AVX2, its portable C code otherwise.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use getrandom::rand_core::{TryCryptoRng, TryRng};

/// The key seed every keygen benchmark starts from.
const SEED: [u8; 32] = [0x17; 32];
/// The rnd values of the hedged signatures are this one with its first byte replaced by a
/// counter, see [`rnd`].
const RND: [u8; 32] = [0x5c; 32];
/// The signed message: digest-sized.
const MESSAGE: [u8; 32] = [0xa3; 32];

/// Benchmarks one parameter set in all four libraries.
macro_rules! level {
    ($name:ident, $level:literal, $set:ident, $fips:ident, $rc:ident, $pq:ident) => {
        fn $name(c: &mut Criterion) {
            use fips204::traits::{KeyGen as _, Signer as _, Verifier as _};
            use pqcrypto_mldsa::$pq as pq;
            use qoesign_algorithms::mldsa::{self, ParameterSet};

            const SET: ParameterSet = ParameterSet::$set;
            type Rc = ml_dsa::$rc;
            type Fips = fips204::$fips::KG;

            let mut group = c.benchmark_group(concat!("mldsa/", $level, "/keygen"));
            group.bench_function("qoesign", |b| {
                b.iter(|| mldsa::key_gen(SET, black_box(&SEED)))
            });
            group.bench_function("fips204", |b| {
                b.iter(|| Fips::keygen_from_seed(black_box(&SEED)))
            });
            group.bench_function("ml-dsa", |b| {
                b.iter(|| ml_dsa::SigningKey::<Rc>::from_seed(&black_box(SEED).into()))
            });
            group.bench_function("pqcrypto", |b| b.iter(pq::keypair));
            group.finish();

            let (ours, our_vk) = mldsa::key_gen(SET, &SEED);
            let (fips_pk, fips_sk) = Fips::keygen_from_seed(&SEED);
            let rc = ml_dsa::ExpandedSigningKey::<Rc>::from_seed(&SEED.into());
            let rc_vk = rc.verifying_key();
            let (pq_pk, pq_sk) = pq::keypair();

            let mut group = c.benchmark_group(concat!("mldsa/", $level, "/sign"));
            // The counter lives across criterion's samples, so that all of them cycle on.
            let mut i = 0;
            group.bench_function("qoesign", |b| {
                b.iter(|| ours.sign(black_box(&MESSAGE), &[], &rnd(&mut i)))
            });
            group.bench_function("fips204", |b| {
                b.iter(|| fips_sk.try_sign_with_seed(&rnd(&mut i), black_box(&MESSAGE), &[]))
            });
            group.bench_function("ml-dsa", |b| {
                b.iter(|| rc.sign_randomized(black_box(&MESSAGE), &[], &mut FixedRnd(rnd(&mut i))))
            });
            group.bench_function("pqcrypto", |b| {
                b.iter(|| pq::detached_sign_ctx(black_box(&MESSAGE), &[], &pq_sk))
            });
            group.finish();

            // One valid signature per library, checked once here so that a broken signer shows
            // as a message instead of as a fast "verify".
            let Ok(our_sig) = ours.sign(&MESSAGE, &[], &RND) else {
                eprintln!(
                    "skipping verify at ML-DSA-{}: qoesign signing failed",
                    $level
                );
                return;
            };
            let Ok(fips_sig) = fips_sk.try_sign_with_seed(&RND, &MESSAGE, &[]) else {
                eprintln!(
                    "skipping verify at ML-DSA-{}: fips204 signing failed",
                    $level
                );
                return;
            };
            let Ok(rc_sig) = rc.sign_randomized(&MESSAGE, &[], &mut FixedRnd(RND)) else {
                eprintln!(
                    "skipping verify at ML-DSA-{}: ml-dsa signing failed",
                    $level
                );
                return;
            };
            let pq_sig = pq::detached_sign_ctx(&MESSAGE, &[], &pq_sk);
            let all_valid = our_vk.verify(&MESSAGE, &[], &our_sig)
                && fips_pk.verify(&MESSAGE, &fips_sig, &[])
                && rc_vk.verify_with_context(&MESSAGE, &[], &rc_sig)
                && pq::verify_detached_signature_ctx(&pq_sig, &MESSAGE, &[], &pq_pk).is_ok();
            if !all_valid {
                eprintln!(
                    "skipping verify at ML-DSA-{}: a signature does not verify",
                    $level
                );
                return;
            }

            let mut group = c.benchmark_group(concat!("mldsa/", $level, "/verify"));
            group.bench_function("qoesign", |b| {
                b.iter(|| our_vk.verify(black_box(&MESSAGE), &[], &our_sig))
            });
            group.bench_function("fips204", |b| {
                b.iter(|| fips_pk.verify(black_box(&MESSAGE), &fips_sig, &[]))
            });
            group.bench_function("ml-dsa", |b| {
                b.iter(|| rc_vk.verify_with_context(black_box(&MESSAGE), &[], &rc_sig))
            });
            group.bench_function("pqcrypto", |b| {
                b.iter(|| {
                    pq::verify_detached_signature_ctx(&pq_sig, black_box(&MESSAGE), &[], &pq_pk)
                })
            });
            group.finish();
        }
    };
}

level!(mldsa_44, "44", MlDsa44, ml_dsa_44, MlDsa44, mldsa44);
level!(mldsa_65, "65", MlDsa65, ml_dsa_65, MlDsa65, mldsa65);
level!(mldsa_87, "87", MlDsa87, ml_dsa_87, MlDsa87, mldsa87);

/// The next of the 256 rnd values the sign benchmarks cycle through.
fn rnd(counter: &mut u8) -> [u8; 32] {
    *counter = counter.wrapping_add(1);
    let mut rnd = RND;
    rnd[0] = *counter;
    rnd
}

/// A "random" generator that returns one fixed rnd, so that RustCrypto `ml-dsa`, which draws
/// rnd itself, signs hedged with the same rnd as the others.
struct FixedRnd([u8; 32]);

impl TryRng for FixedRnd {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let [a, b, c, d, ..] = self.0;
        Ok(u32::from_le_bytes([a, b, c, d]))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(u64::from(self.try_next_u32()?) << 32 | u64::from(self.try_next_u32()?))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for (out, byte) in dst.iter_mut().zip(self.0.iter().cycle()) {
            *out = *byte;
        }
        Ok(())
    }
}

impl TryCryptoRng for FixedRnd {}

criterion_group!(benches, mldsa_44, mldsa_65, mldsa_87);
criterion_main!(benches);

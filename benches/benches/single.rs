//! Single-party key generation, signing (32 B and 1 MiB) and verification, for every
//! algorithm and, where several libraries implement it, every library.
//!
//! - ECDSA P-256: RustCrypto `p256` (what qoesign's schemes use) and `ring` (the fastest
//!   classical reference: hand-written assembly where the processor allows). Both hash the
//!   message with SHA-256 inside the sign and verify rows.
//! - ML-DSA-44/65/87: qoesign's own FIPS 204 code, `fips204`, RustCrypto `ml-dsa` and PQClean
//!   through `pqcrypto-mldsa`, each through its own API with an empty context. Key generation
//!   runs FIPS 204 KeyGen_internal from a fixed seed, except in PQClean, whose API draws the
//!   seed itself. The time of one signature depends on how often FIPS 204 Alg. 7 rejects and
//!   restarts, which depends on rnd: the libraries that take rnd from the caller cycle through
//!   the same 256 rnd values (and do the same work: their signatures are byte-identical), so
//!   a sample averages over that count; PQClean draws rnd itself. PQClean signs from the
//!   encoded secret key and unpacks it each time, as its API requires.
//! - The draft ML-DSA legacy scheme (CRYSTALS-Dilithium as of the FIPS 204 draft, PQClean) and
//!   composite ML-DSA-44/65 + ECDSA P-256 through qoesign's plugin contract, the path the
//!   engine takes.
//!
//! Before a signature's verify row runs, the signature is checked by a standard verifier
//! (`fips204` for qoesign's ML-DSA, `p256` for `ring`'s ECDSA). The sizes of each algorithm's
//! public key, signature and stored key are recorded from qoesign's preferred scheme.

use std::process::ExitCode;
use std::sync::Arc;

use fips204::traits::{KeyGen as _, SerDes as _, Signer as _, Verifier as _};
use getrandom::rand_core::{TryCryptoRng, TryRng};
use p256::ecdsa::signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::Generate as _;
use qoesign_algorithms::composite::{self, Variant};
use qoesign_algorithms::mldsa::{self, ParameterSet};
use qoesign_algorithms::{Scheme, SignInput, sim, single, single_party_schemes};
use qoesign_benches::record::{Family, Role, Row, Sizes};
use qoesign_benches::runner::Runner;
use qoesign_benches::{MESSAGE_SIZES, SESSION, check, input, rng, single_keygen};
use ring::signature::{self as ring_sig, KeyPair as _};
use sha2::{Digest as _, Sha256};

/// The key seed of every keygen that takes one.
const SEED: [u8; 32] = [0x17; 32];
/// The rnd values of the hedged ML-DSA signatures: this one with its first byte a counter.
const RND: [u8; 32] = [0x5c; 32];

fn main() -> ExitCode {
    qoesign_benches::runner::log_to_stderr();
    Runner::main("single", |runner| {
        ecdsa(runner);
        for set in ParameterSet::ALL {
            mldsa_libraries(runner, set);
        }
        for set in ParameterSet::ALL {
            plugin(runner, single::ml_dsa_ipd(set), "pqclean");
        }
        for variant in Variant::ALL {
            plugin(runner, composite::single(variant), "qoesign");
        }
        sizes(runner);
    })
}

/// Signs a prepared message with a key.
type SignFn<K, M, S> = Box<dyn FnMut(&mut K, &M) -> Result<S, String>>;
/// Verifies a signature on a prepared message.
type VerifyFn<K, M, S> = Box<dyn Fn(&K, &M, &S) -> bool>;
/// Checks one signature, saying what is wrong.
type CheckFn<K, M, S> = Box<dyn Fn(&K, &M, &S) -> Result<(), String>>;

/// One library's operations, benchmarked alike.
struct Library<K, M, S> {
    family: Family,
    algorithm: String,
    name: &'static str,
    keygen: Box<dyn FnMut() -> K>,
    prepare: Box<dyn Fn(usize) -> M>,
    sign: SignFn<K, M, S>,
    verify: VerifyFn<K, M, S>,
    /// The independent check of one signature (or the library's own verify, for a library
    /// that is itself the standard).
    check: CheckFn<K, M, S>,
}

fn row(library_family: Family, algorithm: &str, op: &str, name: &str, len: Option<usize>) -> Row {
    let function = match len {
        Some(len) => format!("{op}/{len}/{name}"),
        None => format!("{op}/{name}"),
    };
    Row {
        group: format!("single/{algorithm}"),
        function,
        family: library_family,
        algorithm: algorithm.to_owned(),
        role: Role::Single,
        op: op.to_owned(),
        implementation: name.to_owned(),
        quorum: None,
        message: len,
    }
}

fn bench<K, M, S>(runner: &mut Runner, mut lib: Library<K, M, S>) {
    let row = |op: &str, len: Option<usize>| row(lib.family, &lib.algorithm, op, lib.name, len);
    let keygen_row = row("keygen", None);
    let sign_rows: Vec<(usize, Row)> = MESSAGE_SIZES
        .into_iter()
        .map(|len| (len, row("sign", Some(len))))
        .collect();
    let verify_row = row("verify", Some(MESSAGE_SIZES[0]));
    let wanted = runner.selected(&keygen_row)
        || runner.selected(&verify_row)
        || sign_rows.iter().any(|(_, r)| runner.selected(r));
    if !wanted {
        return;
    }
    let mut key = match runner.measure(&keygen_row, &mut lib.keygen) {
        Some(key) => key,
        None => (lib.keygen)(),
    };
    let mut short = None;
    for (len, sign_row) in &sign_rows {
        let message = (lib.prepare)(*len);
        let signature = match (lib.sign)(&mut key, &message) {
            Ok(signature) => signature,
            Err(e) => return runner.failure(sign_row.id(), e),
        };
        if let Err(e) = (lib.check)(&key, &message, &signature) {
            return runner.failure(sign_row.id(), format!("the signature does not verify: {e}"));
        }
        let sign = &mut lib.sign;
        runner.measure(sign_row, || sign(&mut key, &message));
        if *len == MESSAGE_SIZES[0] {
            short = Some((message, signature));
        }
    }
    let Some((message, signature)) = short else {
        return;
    };
    if !(lib.verify)(&key, &message, &signature) {
        return runner.failure(verify_row.id(), "a valid signature does not verify");
    }
    let verify = &lib.verify;
    runner.measure(&verify_row, || verify(&key, &message, &signature));
}

fn ecdsa(runner: &mut Runner) {
    let message = |len: usize| vec![0x5a; len];
    bench(
        runner,
        Library {
            family: Family::Classical,
            algorithm: "ecdsa-p256".to_owned(),
            name: "p256",
            keygen: Box::new(|| SigningKey::generate_from_rng(&mut rng())),
            prepare: Box::new(message),
            sign: Box::new(|key: &mut SigningKey, m: &Vec<u8>| {
                key.sign_prehash(&Sha256::digest(m))
                    .map(|s: Signature| s.to_der().as_bytes().to_vec())
                    .map_err(|e| e.to_string())
            }),
            verify: Box::new(|key, m, sig| {
                Signature::from_der(sig).is_ok_and(|sig| {
                    key.verifying_key()
                        .verify_prehash(&Sha256::digest(m), &sig)
                        .is_ok()
                })
            }),
            check: Box::new(|key, m, sig| {
                let public_key = key.verifying_key().to_sec1_point(false);
                check::ecdsa(public_key.as_bytes(), &Sha256::digest(m), sig)
            }),
        },
    );
    let random = ring::rand::SystemRandom::new();
    bench(
        runner,
        Library {
            family: Family::Classical,
            algorithm: "ecdsa-p256".to_owned(),
            name: "ring",
            keygen: Box::new(move || ring_keygen(&random)),
            prepare: Box::new(message),
            sign: Box::new(|key: &mut Option<ring_sig::EcdsaKeyPair>, m: &Vec<u8>| {
                let key = key.as_ref().ok_or("ring refused to generate a key")?;
                key.sign(&ring::rand::SystemRandom::new(), m)
                    .map(|s| s.as_ref().to_vec())
                    .map_err(|_| "ring refused to sign".to_owned())
            }),
            verify: Box::new(|key, m, sig| {
                key.as_ref().is_some_and(|key| {
                    ring_sig::UnparsedPublicKey::new(
                        &ring_sig::ECDSA_P256_SHA256_ASN1,
                        key.public_key().as_ref(),
                    )
                    .verify(m, sig)
                    .is_ok()
                })
            }),
            check: Box::new(|key, m, sig| {
                let key = key.as_ref().ok_or("no key")?;
                check::ecdsa(key.public_key().as_ref(), &Sha256::digest(m), sig)
            }),
        },
    );
}

fn ring_keygen(random: &ring::rand::SystemRandom) -> Option<ring_sig::EcdsaKeyPair> {
    let alg = &ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING;
    let pkcs8 = ring_sig::EcdsaKeyPair::generate_pkcs8(alg, random).ok()?;
    ring_sig::EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), random).ok()
}

/// The next of the 256 rnd values the ML-DSA signers cycle through.
fn next_rnd(counter: &mut u8) -> [u8; 32] {
    *counter = counter.wrapping_add(1);
    let mut rnd = RND;
    rnd[0] = *counter;
    rnd
}

macro_rules! mldsa_level {
    ($runner:expr, $set:expr, $fips:ident, $rc:ident, $pq:ident) => {{
        use pqcrypto_mldsa::$pq as pq;
        use pqcrypto_traits::sign::PublicKey as _;
        type Fips = fips204::$fips::KG;
        type Rc = ml_dsa::$rc;
        let set: ParameterSet = $set;
        let algorithm = set.name().to_ascii_lowercase();
        let message = |len: usize| vec![0x5a; len];

        let mut i = 0u8;
        bench(
            $runner,
            Library {
                family: Family::PostQuantum,
                algorithm: algorithm.clone(),
                name: "qoesign",
                keygen: Box::new(move || mldsa::key_gen(set, &SEED)),
                prepare: Box::new(message),
                sign: Box::new(
                    move |(sk, _): &mut (mldsa::SigningKey, mldsa::VerifyingKey), m| {
                        sk.sign(m, &[], &next_rnd(&mut i))
                            .map_err(|e| e.to_string())
                    },
                ),
                verify: Box::new(|(_, vk), m, sig| vk.verify(m, &[], sig)),
                check: Box::new(move |(_, vk), m, sig| {
                    check::mldsa(set, &vk.encode(), m, &[], sig)
                }),
            },
        );
        let mut i = 0u8;
        bench(
            $runner,
            Library {
                family: Family::PostQuantum,
                algorithm: algorithm.clone(),
                name: "fips204",
                keygen: Box::new(|| Fips::keygen_from_seed(&SEED)),
                prepare: Box::new(message),
                sign: Box::new(move |(_, sk), m| {
                    sk.try_sign_with_seed(&next_rnd(&mut i), m, &[])
                        .map_err(|e| e.to_string())
                }),
                verify: Box::new(|(pk, _), m, sig| pk.verify(m, sig, &[])),
                check: Box::new(move |(pk, _), m, sig| {
                    check::mldsa(set, &pk.clone().into_bytes(), m, &[], sig)
                }),
            },
        );
        let mut i = 0u8;
        bench(
            $runner,
            Library {
                family: Family::PostQuantum,
                algorithm: algorithm.clone(),
                name: "ml-dsa",
                keygen: Box::new(|| {
                    let key = ml_dsa::ExpandedSigningKey::<Rc>::from_seed(&SEED.into());
                    let vk = key.verifying_key();
                    (key, vk)
                }),
                prepare: Box::new(message),
                sign: Box::new(move |(key, _), m| {
                    key.sign_randomized(m, &[], &mut FixedRnd(next_rnd(&mut i)))
                        .map_err(|e| e.to_string())
                }),
                verify: Box::new(|(_, vk), m, sig| vk.verify_with_context(m, &[], sig)),
                check: Box::new(move |(_, vk), m, sig| {
                    check::mldsa(set, &vk.encode(), m, &[], &sig.encode())
                }),
            },
        );
        bench(
            $runner,
            Library {
                family: Family::PostQuantum,
                algorithm,
                name: "pqcrypto",
                keygen: Box::new(pq::keypair),
                prepare: Box::new(message),
                sign: Box::new(|(_, sk), m| Ok(pq::detached_sign_ctx(m, &[], sk))),
                verify: Box::new(|(pk, _), m, sig| {
                    pq::verify_detached_signature_ctx(sig, m, &[], pk).is_ok()
                }),
                check: Box::new(move |(pk, _), m, sig| {
                    use pqcrypto_traits::sign::DetachedSignature as _;
                    check::mldsa(set, pk.as_bytes(), m, &[], sig.as_bytes())
                }),
            },
        );
    }};
}

fn mldsa_libraries(runner: &mut Runner, set: ParameterSet) {
    match set {
        ParameterSet::MlDsa44 => mldsa_level!(runner, set, ml_dsa_44, MlDsa44, mldsa44),
        ParameterSet::MlDsa65 => mldsa_level!(runner, set, ml_dsa_65, MlDsa65, mldsa65),
        ParameterSet::MlDsa87 => mldsa_level!(runner, set, ml_dsa_87, MlDsa87, mldsa87),
    }
}

/// A single-party scheme through the plugin contract: key generation and signing in the
/// simulator, verification by the scheme.
fn plugin(runner: &mut Runner, scheme: Arc<dyn Scheme>, name: &'static str) {
    let (keygen_scheme, sign_scheme, verify_scheme, check_scheme, prepare_scheme) = (
        Arc::clone(&scheme),
        Arc::clone(&scheme),
        Arc::clone(&scheme),
        Arc::clone(&scheme),
        Arc::clone(&scheme),
    );
    bench(
        runner,
        Library {
            family: Family::PostQuantum,
            algorithm: scheme.info().algorithm.id.to_owned(),
            name,
            keygen: Box::new(move || single_keygen(keygen_scheme.as_ref()).ok()),
            prepare: Box::new(move |len| input(prepare_scheme.as_ref(), len)),
            sign: Box::new(move |share, m: &SignInput| {
                let share = share.as_mut().ok_or("key generation failed")?;
                sim::sign(sign_scheme.as_ref(), &mut [share], m, SESSION, &mut rng())
                    .map(|signed| signed.signature)
                    .map_err(|e| e.to_string())
            }),
            verify: Box::new(move |share, m, sig| {
                share
                    .as_ref()
                    .is_some_and(|share| verify_scheme.verify(share.public_key(), m, sig).is_ok())
            }),
            check: Box::new(move |share, m, sig| {
                let share = share.as_ref().ok_or("key generation failed")?;
                check::verify(check_scheme.as_ref(), share.public_key(), m, sig)
            }),
        },
    );
}

/// Sizes of every algorithm's single-party key, from the first (preferred) scheme of each.
fn sizes(runner: &mut Runner) {
    let mut seen = Vec::new();
    for scheme in single_party_schemes() {
        let algorithm = scheme.info().algorithm.id;
        if seen.contains(&algorithm) {
            continue;
        }
        seen.push(algorithm);
        let family = if algorithm == "ecdsa-p256" {
            Family::Classical
        } else {
            Family::PostQuantum
        };
        let signed = single_keygen(scheme.as_ref())
            .map_err(|e| e.to_string())
            .and_then(|mut share| {
                let message = input(scheme.as_ref(), 32);
                let signed = sim::sign(
                    scheme.as_ref(),
                    &mut [&mut share],
                    &message,
                    SESSION,
                    &mut rng(),
                )
                .map_err(|e| e.to_string())?;
                check::verify(
                    scheme.as_ref(),
                    share.public_key(),
                    &message,
                    &signed.signature,
                )?;
                let stored = share.to_bytes().map_err(|e| e.to_string())?.len();
                Ok((share.public_key().len(), signed.signature.len(), stored))
            });
        match signed {
            Ok((public_key, signature, share)) => runner.sizes(Sizes {
                algorithm: algorithm.to_owned(),
                family,
                quorum: None,
                public_key,
                signature,
                share,
                device_share: None,
            }),
            Err(e) => runner.failure(format!("sizes/{algorithm}"), e),
        }
    }
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

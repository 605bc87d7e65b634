//! qoesign's own ML-DSA (`qoesign_algorithms::mldsa`) against three implementations that share
//! no code with it: `fips204` 0.5, RustCrypto `ml-dsa` 0.1, and PQClean's C code through
//! `pqcrypto-mldsa` 0.1.
//!
//! For random seeds, messages and contexts at all three parameter sets:
//!
//! - key generation from one 32-byte seed gives byte-identical public keys and expanded secret
//!   keys in qoesign, `fips204` and `ml-dsa` (PQClean takes no seed, see below);
//! - deterministic signatures (rnd = 0^32) and hedged signatures with the same rnd are
//!   byte-identical, pure and HashML-DSA, and through an external mu;
//! - every implementation accepts every other's signatures, and all of them refuse a signature
//!   with one bit flipped, a message with one byte more, and another context.
//!
//! Every failure message names the parameter set and the round's key seed in hex: the seeds are
//! random test data, not anyone's secret, and they let a failing round be replayed. PQClean's
//! rounds have no seed, and name the first bytes of PQClean's public key instead.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use getrandom::SysRng;
use getrandom::rand_core::{Rng, TryCryptoRng, TryRng, UnwrapErr};
use qoesign_algorithms::mldsa::{self, ParameterSet, PreHash, SigningKey, VerifyingKey};
use sha2::Digest;
use sha3::digest::{ExtendableOutput, Update};

/// Rounds per parameter set and test. Each round makes a fresh key and message in every
/// library; this keeps the whole file at a few seconds in the test profile.
const ROUNDS: usize = 25;
/// Rounds of the HashML-DSA test, each of which runs all twelve pre-hash functions.
const PREHASH_ROUNDS: usize = 5;
/// The longest random message, exclusive.
const MAX_MESSAGE: u32 = 2000;
/// The longest random context, inclusive (FIPS 204 allows 255 bytes).
const MAX_CONTEXT: u32 = 255;
/// rnd of the deterministic variant of FIPS 204 Alg. 2 and 4.
const DETERMINISTIC: [u8; 32] = [0; 32];

#[test]
fn keys_from_one_seed_are_identical_in_three_libraries() {
    for_each_seed(ROUNDS, |lib, seed, round, _| {
        let (sk, vk) = mldsa::key_gen(lib.set, seed);
        let (our_pk, our_sk) = (vk.encode(), sk.encode());
        assert_eq!(
            our_pk.len(),
            lib.set.public_key_len(),
            "{round}: public key length"
        );
        assert_eq!(
            our_sk.len(),
            lib.set.secret_key_len(),
            "{round}: secret key length"
        );
        let (fips_pk, fips_sk) = (lib.fips_keygen)(seed);
        let (rc_pk, rc_sk) = (lib.rc_keygen)(seed);
        round.same("public key, qoesign vs fips204", &our_pk, &fips_pk);
        round.same("public key, qoesign vs ml-dsa", &our_pk, &rc_pk);
        round.same("expanded secret key, qoesign vs fips204", &our_sk, &fips_sk);
        round.same("expanded secret key, qoesign vs ml-dsa", &our_sk, &rc_sk);
        // The other ways to the same key: from_seed, decode of both encodings, and the
        // verifying key derived from the secret key.
        round.same(
            "SigningKey::from_seed",
            &SigningKey::from_seed(lib.set, seed).encode(),
            &our_sk,
        );
        let decoded = SigningKey::decode(lib.set, &fips_sk)
            .unwrap_or_else(|e| panic!("{round}: fips204's secret key refused: {e}"));
        round.same("decode(fips204 sk).encode()", &decoded.encode(), &our_sk);
        round.same(
            "decode(sk).verifying_key()",
            &decoded.verifying_key().encode(),
            &our_pk,
        );
        let pk = VerifyingKey::decode(lib.set, &rc_pk)
            .unwrap_or_else(|e| panic!("{round}: ml-dsa's public key refused: {e}"));
        round.same("decode(ml-dsa pk).encode()", &pk.encode(), &our_pk);
        round.same("tr", pk.tr(), vk.tr());
        assert_eq!(
            sk.parameter_set(),
            lib.set,
            "{round}: parameter_set of the signing key"
        );
        assert_eq!(
            pk.parameter_set(),
            lib.set,
            "{round}: parameter_set of the verifying key"
        );
    });
}

#[test]
fn signatures_are_identical_and_everyone_verifies_everyone() {
    for_each_seed(ROUNDS, |lib, seed, round, rng| {
        let (message, context) = (
            random_vec(rng, MAX_MESSAGE),
            random_vec(rng, MAX_CONTEXT + 1),
        );
        let (sk, vk) = mldsa::key_gen(lib.set, seed);
        let pk = vk.encode();
        let (_, fips_sk) = (lib.fips_keygen)(seed);
        let hedge: [u8; 32] = random_bytes(rng);
        for (mode, rnd) in [("deterministic", DETERMINISTIC), ("hedged", hedge)] {
            let ours = sk
                .sign(&message, &context, &rnd)
                .unwrap_or_else(|e| panic!("{round}: our {mode} signing failed: {e}"));
            assert_eq!(
                ours.len(),
                lib.set.signature_len(),
                "{round}: {mode} signature length"
            );
            let fips = (lib.fips_sign)(&fips_sk, &message, &context, &rnd);
            let rc = (lib.rc_sign)(seed, &message, &context, &rnd);
            round.same(
                &format!("{mode} signature, qoesign vs fips204"),
                &ours,
                &fips,
            );
            round.same(&format!("{mode} signature, qoesign vs ml-dsa"), &ours, &rc);
            if rnd == DETERMINISTIC {
                // ml-dsa's own deterministic entry point, apart from its hedged one.
                let rc_det = (lib.rc_sign_deterministic)(seed, &message, &context);
                round.same("ml-dsa sign_deterministic", &ours, &rc_det);
            }
            // Each signature is checked by all four verifiers even where the bytes are equal:
            // this is what catches a verifier that accepts too much or too little.
            for (signer, sig) in [("qoesign", &ours), ("fips204", &fips), ("ml-dsa", &rc)] {
                let what = format!("{mode} signature by {signer}");
                everyone_accepts(lib, round, &what, &pk, &message, &context, sig);
                everyone_refuses_alterations(lib, round, &what, rng, &pk, &message, &context, sig);
            }
        }
    });
}

/// PQClean generates its keys from its own randomness and signs hedged with fresh randomness, so
/// its outputs cannot be compared byte for byte. What matched (checked here every round): its
/// public key is FIPS 204 pkEncode, and its secret key is FIPS 204 skEncode (rho, K, tr, s1, s2,
/// t0), so `SigningKey::decode` takes it as it is and re-encodes it to the same bytes, and the
/// verifying key derived from it is PQClean's public key. Its detached API takes a context
/// (`*_ctx`), so the random context is used here too.
#[test]
fn pqclean_and_qoesign_accept_each_other() {
    let mut rng = UnwrapErr(SysRng);
    let rng = &mut rng;
    for lib in LIBRARIES
        .iter()
        .flat_map(|lib| std::iter::repeat_n(lib, ROUNDS))
    {
        let (pq_pk, pq_sk) = (lib.pq_keypair)();
        // The key is PQClean's, not derived from a seed; name it by a prefix of its public key.
        let round = Round::pqclean(lib.set, &pq_pk);
        let (message, context) = (
            random_vec(rng, MAX_MESSAGE),
            random_vec(rng, MAX_CONTEXT + 1),
        );
        let sk = SigningKey::decode(lib.set, &pq_sk)
            .unwrap_or_else(|e| panic!("{round}: PQClean's secret key refused: {e}"));
        round.same("decode(PQClean sk).encode()", &sk.encode(), &pq_sk);
        round.same(
            "decode(PQClean sk).verifying_key()",
            &sk.verifying_key().encode(),
            &pq_pk,
        );
        let vk = VerifyingKey::decode(lib.set, &pq_pk)
            .unwrap_or_else(|e| panic!("{round}: PQClean's public key refused: {e}"));
        round.same("decode(PQClean pk).encode()", &vk.encode(), &pq_pk);

        let theirs = (lib.pq_sign)(&pq_sk, &message, &context);
        let what = "PQClean's signature";
        everyone_accepts(lib, &round, what, &pq_pk, &message, &context, &theirs);
        everyone_refuses_alterations(lib, &round, what, rng, &pq_pk, &message, &context, &theirs);

        // Ours with PQClean's secret key, deterministic (then equal to fips204's from the same
        // key bytes) and hedged.
        let ours = sk.sign(&message, &context, &DETERMINISTIC);
        let ours = ours.unwrap_or_else(|e| panic!("{round}: signing failed: {e}"));
        let fips = (lib.fips_sign)(&pq_sk, &message, &context, &DETERMINISTIC);
        round.same(
            "deterministic signature under PQClean's key, vs fips204",
            &ours,
            &fips,
        );
        let hedged = sk.sign(&message, &context, &random_bytes(rng));
        let hedged = hedged.unwrap_or_else(|e| panic!("{round}: signing failed: {e}"));
        for (mode, sig) in [("deterministic", &ours), ("hedged", &hedged)] {
            let what = format!("our {mode} signature under PQClean's key");
            everyone_accepts(lib, &round, &what, &pq_pk, &message, &context, sig);
        }
    }
}

#[test]
fn external_mu_gives_the_same_signature_as_sign() {
    for_each_seed(ROUNDS, |lib, seed, round, rng| {
        let (message, context) = (
            random_vec(rng, MAX_MESSAGE),
            random_vec(rng, MAX_CONTEXT + 1),
        );
        let (sk, vk) = mldsa::key_gen(lib.set, seed);
        let pk = vk.encode();
        let mu = vk
            .external_mu(&message, &context)
            .unwrap_or_else(|e| panic!("{round}: external_mu failed: {e}"));
        round.same(
            "mu, qoesign vs ml-dsa compute_mu",
            &mu,
            &(lib.rc_mu)(&pk, &message, &context),
        );
        let hedge: [u8; 32] = random_bytes(rng);
        for (mode, rnd) in [("deterministic", DETERMINISTIC), ("hedged", hedge)] {
            let via_mu = sk.sign_mu(&mu, &rnd);
            let direct = sk.sign(&message, &context, &rnd);
            let direct = direct.unwrap_or_else(|e| panic!("{round}: signing failed: {e}"));
            round.same(&format!("{mode} sign_mu vs sign"), &via_mu, &direct);
            assert!(
                vk.verify_mu(&mu, &via_mu),
                "{round}: our verify_mu refused ({mode})"
            );
            assert!(
                (lib.rc_verify_mu)(&pk, &mu, &via_mu),
                "{round}: ml-dsa verify_mu refused"
            );
            everyone_accepts(lib, round, "sign_mu", &pk, &message, &context, &via_mu);
        }
        let rc = (lib.rc_sign_mu_deterministic)(seed, &mu);
        round.same(
            "ml-dsa sign_mu_deterministic vs our sign_mu",
            &rc,
            &sk.sign_mu(&mu, &DETERMINISTIC),
        );
        let mut other_mu = mu;
        other_mu[0] ^= 1;
        assert!(
            !vk.verify_mu(&other_mu, &rc),
            "{round}: our verify_mu took another mu"
        );
        assert!(
            !(lib.rc_verify_mu)(&pk, &other_mu, &rc),
            "{round}: ml-dsa took another mu"
        );
    });
}

/// HashML-DSA (FIPS 204 Alg. 4 and 5) against `fips204`, the one library here that has it
/// (RustCrypto `ml-dsa` 0.1 and `pqcrypto-mldsa` 0.1 expose pure ML-DSA only). `fips204` takes
/// the digest PH(M) and the hash OID from the caller; the digest here comes from the RustCrypto
/// `sha2`/`sha3` crates and the OID from `fips204::pre_hash`, so neither is ours. `fips204`
/// knows all twelve pre-hash functions of FIPS 204 and NIST's ACVP, so none is skipped.
#[test]
fn hash_ml_dsa_matches_fips204_for_every_prehash() {
    for_each_seed(PREHASH_ROUNDS, |lib, seed, round, rng| {
        let message = random_vec(rng, MAX_MESSAGE);
        let context = random_vec(rng, MAX_CONTEXT + 1);
        let (sk, vk) = mldsa::key_gen(lib.set, seed);
        let pk = vk.encode();
        let (_, fips_sk) = (lib.fips_keygen)(seed);
        for ph in PreHash::ALL {
            let (oid, digest) = independent_prehash(ph, &message);
            let name = ph.acvp_name();
            round.same(
                &format!("{name} digest, ours vs sha2/sha3"),
                &ph.digest(&message),
                &digest,
            );
            let rnd = if rng.next_u32().is_multiple_of(2) {
                DETERMINISTIC
            } else {
                random_bytes(rng)
            };
            let ours = sk.sign_prehash(&message, &context, ph, &rnd);
            let ours = ours.unwrap_or_else(|e| panic!("{round}: {name} signing failed: {e}"));
            let fips = (lib.fips_hash_sign)(&fips_sk, &digest, &context, oid, &rnd);
            round.same(
                &format!("HashML-DSA {name} signature vs fips204"),
                &ours,
                &fips,
            );
            assert!(
                (lib.fips_hash_verify)(&pk, &digest, &context, oid, &ours),
                "{round}: fips204 refused our HashML-DSA {name} signature"
            );
            assert!(
                vk.verify_prehash(&message, &context, ph, &fips),
                "{round}: we refused fips204's HashML-DSA {name} signature"
            );
            hash_signature_is_bound(lib, round, &vk, &message, &context, ph, &ours);
        }
    });
}

/// What one round works on, for failure messages: the parameter set and where the key came from.
struct Round {
    set: ParameterSet,
    key: String,
}

impl Round {
    fn new(set: ParameterSet, seed: &[u8; 32]) -> Self {
        Round {
            set,
            key: format!("seed {}", hex::encode(seed)),
        }
    }

    fn pqclean(set: ParameterSet, pk: &[u8]) -> Self {
        let prefix = pk.get(..16).unwrap_or(pk);
        Round {
            set,
            key: format!("PQClean key with pk {}...", hex::encode(prefix)),
        }
    }

    /// Asserts two outputs are equal, naming the first differing byte if they are not.
    fn same(&self, what: &str, ours: &[u8], theirs: &[u8]) {
        if ours == theirs {
            return;
        }
        let first = ours.iter().zip(theirs).position(|(a, b)| a != b);
        let at = match first {
            Some(i) => format!(
                "first difference at byte {i}: {:#04x} vs {:#04x}",
                ours[i], theirs[i]
            ),
            None => "one is a prefix of the other".to_owned(),
        };
        panic!(
            "{self}: {what} differ ({} vs {} bytes; {at})",
            ours.len(),
            theirs.len()
        );
    }
}

impl std::fmt::Display for Round {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.set.name(), self.key)
    }
}

/// One verifier: its name and `verify(pk, message, context, signature)`.
type Verifier = (&'static str, fn(&[u8], &[u8], &[u8], &[u8]) -> bool);

fn verifiers(lib: &Library) -> [Verifier; 4] {
    [
        ("qoesign", lib.ours_verify),
        ("fips204", lib.fips_verify),
        ("ml-dsa", lib.rc_verify),
        ("PQClean", lib.pq_verify),
    ]
}

fn everyone_accepts(
    lib: &Library,
    round: &Round,
    what: &str,
    pk: &[u8],
    message: &[u8],
    context: &[u8],
    sig: &[u8],
) {
    for (verifier, verify) in verifiers(lib) {
        assert!(
            verify(pk, message, context, sig),
            "{round}: {verifier} refused the {what}"
        );
    }
}

/// One random bit of the signature flipped, one byte appended to the message, one byte of the
/// context changed (or one added to an empty one): every verifier must refuse each.
#[expect(
    clippy::too_many_arguments,
    reason = "a test helper, each argument is one input"
)]
fn everyone_refuses_alterations(
    lib: &Library,
    round: &Round,
    what: &str,
    rng: &mut impl Rng,
    pk: &[u8],
    message: &[u8],
    context: &[u8],
    sig: &[u8],
) {
    let bit = usize::try_from(rng.next_u32()).unwrap() % (sig.len() * 8);
    let mut flipped = sig.to_vec();
    flipped[bit / 8] ^= 1 << (bit % 8);
    let mut longer = message.to_vec();
    longer.push(0);
    let mut other_context = context.to_vec();
    match other_context.first_mut() {
        Some(first) => *first ^= 0x80,
        None => other_context.push(0),
    }
    for (verifier, verify) in verifiers(lib) {
        assert!(
            !verify(pk, message, context, &flipped),
            "{round}: {verifier} accepted the {what} with bit {bit} flipped"
        );
        assert!(
            !verify(pk, &longer, context, sig),
            "{round}: {verifier} accepted the {what} for a longer message"
        );
        assert!(
            !verify(pk, message, &other_context, sig),
            "{round}: {verifier} accepted the {what} under another context"
        );
    }
}

/// A HashML-DSA signature verifies for its own pre-hash only, and never as pure ML-DSA.
fn hash_signature_is_bound(
    lib: &Library,
    round: &Round,
    vk: &VerifyingKey,
    message: &[u8],
    context: &[u8],
    ph: PreHash,
    sig: &[u8],
) {
    let name = ph.acvp_name();
    let pk = vk.encode();
    for (verifier, verify) in verifiers(lib) {
        assert!(
            !verify(&pk, message, context, sig),
            "{round}: {verifier} accepted a HashML-DSA {name} signature as pure ML-DSA"
        );
    }
    let other = PreHash::ALL.into_iter().find(|p| *p != ph).unwrap();
    assert!(
        !vk.verify_prehash(message, context, other, sig),
        "{round}: a HashML-DSA {name} signature verified as {}",
        other.acvp_name()
    );
    let (oid, digest) = independent_prehash(ph, message);
    let mut other_digest = digest.clone();
    other_digest[0] ^= 1;
    assert!(
        !(lib.fips_hash_verify)(&pk, &other_digest, context, oid, sig),
        "{round}: fips204 accepted a HashML-DSA {name} signature for another digest"
    );
    let mut flipped = sig.to_vec();
    flipped[0] ^= 1;
    assert!(
        !vk.verify_prehash(message, context, ph, &flipped),
        "{round}: we accepted a HashML-DSA {name} signature with a bit flipped"
    );
    assert!(
        !(lib.fips_hash_verify)(&pk, &digest, context, oid, &flipped),
        "{round}: fips204 accepted a HashML-DSA {name} signature with a bit flipped"
    );
}

/// PH(M) of FIPS 204 Alg. 4 computed with the RustCrypto hash crates, and the DER OID of PH from
/// `fips204`. SHAKE128 gives 256 bits and SHAKE256 512 bits, as Alg. 4 fixes.
fn independent_prehash(ph: PreHash, message: &[u8]) -> (&'static [u8], Vec<u8>) {
    use fips204::pre_hash as oid;
    match ph {
        PreHash::Sha2_224 => (&oid::SHA2_224, sha2::Sha224::digest(message).to_vec()),
        PreHash::Sha2_256 => (&oid::SHA2_256, sha2::Sha256::digest(message).to_vec()),
        PreHash::Sha2_384 => (&oid::SHA2_384, sha2::Sha384::digest(message).to_vec()),
        PreHash::Sha2_512 => (&oid::SHA2_512, sha2::Sha512::digest(message).to_vec()),
        PreHash::Sha2_512_224 => (
            &oid::SHA2_512_224,
            sha2::Sha512_224::digest(message).to_vec(),
        ),
        PreHash::Sha2_512_256 => (
            &oid::SHA2_512_256,
            sha2::Sha512_256::digest(message).to_vec(),
        ),
        PreHash::Sha3_224 => (&oid::SHA3_224, sha3::Sha3_224::digest(message).to_vec()),
        PreHash::Sha3_256 => (&oid::SHA3_256, sha3::Sha3_256::digest(message).to_vec()),
        PreHash::Sha3_384 => (&oid::SHA3_384, sha3::Sha3_384::digest(message).to_vec()),
        PreHash::Sha3_512 => (&oid::SHA3_512, sha3::Sha3_512::digest(message).to_vec()),
        PreHash::Shake128 => (&oid::SHAKE_128, shake::<sha3::Shake128>(message, 32)),
        PreHash::Shake256 => (&oid::SHAKE_256, shake::<sha3::Shake256>(message, 64)),
    }
}

fn shake<X: Default + Update + ExtendableOutput>(message: &[u8], len: usize) -> Vec<u8> {
    let mut xof = X::default();
    xof.update(message);
    let mut out = vec![0; len];
    xof.finalize_xof_into(&mut out);
    out
}

/// Runs `body` `rounds` times for each parameter set, each time with a fresh random key seed
/// and the [`Round`] that names it. A library that panics on its own does not know the seed, so
/// a failed round is named once more after the panic.
fn for_each_seed(
    rounds: usize,
    mut body: impl FnMut(&Library, &[u8; 32], &Round, &mut UnwrapErr<SysRng>),
) {
    let mut rng = UnwrapErr(SysRng);
    for lib in &LIBRARIES {
        for _ in 0..rounds {
            let seed: [u8; 32] = random_bytes(&mut rng);
            let round = Round::new(lib.set, &seed);
            let outcome = catch_unwind(AssertUnwindSafe(|| body(lib, &seed, &round, &mut rng)));
            if let Err(cause) = outcome {
                eprintln!("{round}: this round failed (see the panic above)");
                resume_unwind(cause);
            }
        }
    }
}

fn random_bytes<const N: usize>(rng: &mut impl Rng) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out
}

/// Random bytes of a random length below `bound`.
fn random_vec(rng: &mut impl Rng, bound: u32) -> Vec<u8> {
    let len = usize::try_from(rng.next_u32() % bound).unwrap();
    let mut out = vec![0u8; len];
    rng.fill_bytes(&mut out);
    out
}

/// A "random" generator that returns one fixed rnd, so that a library which draws rnd itself
/// (RustCrypto `ml-dsa`'s `sign_randomized`) can be given the same rnd as the others.
struct FixedRnd([u8; 32]);

impl TryRng for FixedRnd {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!("ML-DSA draws rnd with fill_bytes only")
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!("ML-DSA draws rnd with fill_bytes only")
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        assert_eq!(dst.len(), 32, "ML-DSA draws exactly 32 bytes of rnd");
        dst.copy_from_slice(&self.0);
        Ok(())
    }
}

impl TryCryptoRng for FixedRnd {}

/// One parameter set in each implementation, behind byte-slice functions so that the tests are
/// written once. `fips_*` is `fips204`, `rc_*` RustCrypto `ml-dsa`, `pq_*` PQClean.
#[expect(
    clippy::type_complexity,
    reason = "each field spells out the byte signature of one library call"
)]
struct Library {
    set: ParameterSet,
    /// `verify(pk, message, context, signature)` through qoesign's byte interface.
    ours_verify: fn(&[u8], &[u8], &[u8], &[u8]) -> bool,
    /// KeyGen_internal from a seed: (pkEncode, skEncode).
    fips_keygen: fn(&[u8; 32]) -> (Vec<u8>, Vec<u8>),
    /// ML-DSA.Sign(sk, M, ctx) with the given rnd, from the encoded secret key.
    fips_sign: fn(&[u8], &[u8], &[u8], &[u8; 32]) -> Vec<u8>,
    fips_verify: fn(&[u8], &[u8], &[u8], &[u8]) -> bool,
    /// HashML-DSA.Sign(sk, PH(M), ctx, OID) with the given rnd.
    fips_hash_sign: fn(&[u8], &[u8], &[u8], &[u8], &[u8; 32]) -> Vec<u8>,
    /// HashML-DSA.Verify(pk, PH(M), ctx, OID, signature).
    fips_hash_verify: fn(&[u8], &[u8], &[u8], &[u8], &[u8]) -> bool,
    /// `SigningKey::from_seed`: (pkEncode, skEncode).
    rc_keygen: fn(&[u8; 32]) -> (Vec<u8>, Vec<u8>),
    /// `sign_randomized` with a fixed rnd, from the key of a seed.
    rc_sign: fn(&[u8; 32], &[u8], &[u8], &[u8; 32]) -> Vec<u8>,
    rc_sign_deterministic: fn(&[u8; 32], &[u8], &[u8]) -> Vec<u8>,
    rc_verify: fn(&[u8], &[u8], &[u8], &[u8]) -> bool,
    /// `compute_mu(pk, message, context)`.
    rc_mu: fn(&[u8], &[u8], &[u8]) -> [u8; 64],
    rc_sign_mu_deterministic: fn(&[u8; 32], &[u8; 64]) -> Vec<u8>,
    rc_verify_mu: fn(&[u8], &[u8; 64], &[u8]) -> bool,
    /// PQClean's keypair from its own randomness: (pk, sk).
    pq_keypair: fn() -> (Vec<u8>, Vec<u8>),
    /// Detached, hedged signature with a context.
    pq_sign: fn(&[u8], &[u8], &[u8]) -> Vec<u8>,
    pq_verify: fn(&[u8], &[u8], &[u8], &[u8]) -> bool,
}

/// Builds the [`Library`] of one parameter set. Malformed keys and signatures make a verifier
/// return `false`; a library failing on well-formed input panics with its own message.
macro_rules! library {
    ($set:ident, $fips:ident, $rc:ident, $pq:ident) => {{
        use fips204::traits::{KeyGen as _, SerDes as _, Signer as _, Verifier as _};
        use fips204::$fips as fips;
        use pqcrypto_mldsa::$pq as pq;
        use pqcrypto_traits::sign::{DetachedSignature as _, PublicKey as _, SecretKey as _};
        type Rc = ml_dsa::$rc;
        const SET: ParameterSet = ParameterSet::$set;

        fn ours_verify(pk: &[u8], message: &[u8], context: &[u8], sig: &[u8]) -> bool {
            VerifyingKey::decode(SET, pk).is_ok_and(|vk| vk.verify(message, context, sig))
        }
        fn fips_keygen(seed: &[u8; 32]) -> (Vec<u8>, Vec<u8>) {
            let (pk, sk) = fips::KG::keygen_from_seed(seed);
            (pk.into_bytes().to_vec(), sk.into_bytes().to_vec())
        }
        fn fips_private(sk: &[u8]) -> fips::PrivateKey {
            fips::PrivateKey::try_from_bytes(sk.try_into().unwrap()).unwrap()
        }
        fn fips_public(pk: &[u8]) -> Option<fips::PublicKey> {
            fips::PublicKey::try_from_bytes(pk.try_into().ok()?).ok()
        }
        fn fips_sign(sk: &[u8], message: &[u8], ctx: &[u8], rnd: &[u8; 32]) -> Vec<u8> {
            fips_private(sk)
                .try_sign_with_seed(rnd, message, ctx)
                .unwrap()
                .to_vec()
        }
        fn fips_verify(pk: &[u8], message: &[u8], ctx: &[u8], sig: &[u8]) -> bool {
            let (Some(pk), Ok(sig)) = (fips_public(pk), sig.try_into()) else {
                return false;
            };
            pk.verify(message, &sig, ctx)
        }
        fn fips_hash_sign(sk: &[u8], ph: &[u8], ctx: &[u8], oid: &[u8], rnd: &[u8; 32]) -> Vec<u8> {
            let sig = fips_private(sk).try_hash_sign_with_seed(rnd, ph, ctx, oid);
            sig.unwrap().to_vec()
        }
        fn fips_hash_verify(pk: &[u8], ph: &[u8], ctx: &[u8], oid: &[u8], sig: &[u8]) -> bool {
            let (Some(pk), Ok(sig)) = (fips_public(pk), sig.try_into()) else {
                return false;
            };
            pk.hash_verify(ph, &sig, ctx, oid)
        }
        fn rc_key(seed: &[u8; 32]) -> ml_dsa::ExpandedSigningKey<Rc> {
            ml_dsa::ExpandedSigningKey::<Rc>::from_seed(&(*seed).into())
        }
        fn rc_public(pk: &[u8]) -> Option<ml_dsa::VerifyingKey<Rc>> {
            let enc = ml_dsa::EncodedVerifyingKey::<Rc>::try_from(pk).ok()?;
            Some(ml_dsa::VerifyingKey::<Rc>::decode(&enc))
        }
        fn rc_signature(sig: &[u8]) -> Option<ml_dsa::Signature<Rc>> {
            ml_dsa::Signature::<Rc>::try_from(sig).ok()
        }
        fn rc_keygen(seed: &[u8; 32]) -> (Vec<u8>, Vec<u8>) {
            let key = rc_key(seed);
            #[expect(
                deprecated,
                reason = "ml-dsa 0.1 prefers seeds; the expanded key is compared"
            )]
            let sk = key.to_expanded().to_vec();
            (key.verifying_key().encode().to_vec(), sk)
        }
        fn rc_sign(seed: &[u8; 32], message: &[u8], ctx: &[u8], rnd: &[u8; 32]) -> Vec<u8> {
            let sig = rc_key(seed).sign_randomized(message, ctx, &mut FixedRnd(*rnd));
            sig.unwrap().encode().to_vec()
        }
        fn rc_sign_deterministic(seed: &[u8; 32], message: &[u8], ctx: &[u8]) -> Vec<u8> {
            rc_key(seed)
                .sign_deterministic(message, ctx)
                .unwrap()
                .encode()
                .to_vec()
        }
        fn rc_verify(pk: &[u8], message: &[u8], ctx: &[u8], sig: &[u8]) -> bool {
            let (Some(pk), Some(sig)) = (rc_public(pk), rc_signature(sig)) else {
                return false;
            };
            pk.verify_with_context(message, ctx, &sig)
        }
        fn rc_mu(pk: &[u8], message: &[u8], ctx: &[u8]) -> [u8; 64] {
            let mu = rc_public(pk).unwrap().compute_mu(
                |h| {
                    h.update(message);
                    Ok(())
                },
                ctx,
            );
            mu.unwrap().into()
        }
        fn rc_sign_mu_deterministic(seed: &[u8; 32], mu: &[u8; 64]) -> Vec<u8> {
            rc_key(seed)
                .sign_mu_deterministic(&(*mu).into())
                .encode()
                .to_vec()
        }
        fn rc_verify_mu(pk: &[u8], mu: &[u8; 64], sig: &[u8]) -> bool {
            let (Some(pk), Some(sig)) = (rc_public(pk), rc_signature(sig)) else {
                return false;
            };
            pk.verify_mu(&(*mu).into(), &sig)
        }
        fn pq_keypair() -> (Vec<u8>, Vec<u8>) {
            let (pk, sk) = pq::keypair();
            (pk.as_bytes().to_vec(), sk.as_bytes().to_vec())
        }
        fn pq_sign(sk: &[u8], message: &[u8], ctx: &[u8]) -> Vec<u8> {
            let sk = pq::SecretKey::from_bytes(sk).unwrap();
            pq::detached_sign_ctx(message, ctx, &sk).as_bytes().to_vec()
        }
        fn pq_verify(pk: &[u8], message: &[u8], ctx: &[u8], sig: &[u8]) -> bool {
            let (Ok(pk), Ok(sig)) = (
                pq::PublicKey::from_bytes(pk),
                pq::DetachedSignature::from_bytes(sig),
            ) else {
                return false;
            };
            pq::verify_detached_signature_ctx(&sig, message, ctx, &pk).is_ok()
        }
        Library {
            set: SET,
            ours_verify,
            fips_keygen,
            fips_sign,
            fips_verify,
            fips_hash_sign,
            fips_hash_verify,
            rc_keygen,
            rc_sign,
            rc_sign_deterministic,
            rc_verify,
            rc_mu,
            rc_sign_mu_deterministic,
            rc_verify_mu,
            pq_keypair,
            pq_sign,
            pq_verify,
        }
    }};
}

const LIBRARIES: [Library; 3] = [
    library!(MlDsa44, ml_dsa_44, MlDsa44, mldsa44),
    library!(MlDsa65, ml_dsa_65, MlDsa65, mldsa65),
    library!(MlDsa87, ml_dsa_87, MlDsa87, mldsa87),
];

//! Verification by libraries independent of the schemes under test.
//!
//! Inputs are plain bytes, so this module depends on no qoesign crate and can check any of
//! them.

use ml_dsa::{EncodedSignature, EncodedVerifyingKey, MlDsa44, MlDsa65, MlDsa87, MlDsaParams};
use ring::digest;
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};

/// Which independent verifier a verdict came from.
pub const ECDSA_VERIFIER: &str = "ring 0.17 (ECDSA_P256_SHA256_ASN1)";
/// Which independent verifier a verdict came from.
pub const MLDSA_VERIFIER: &str = "RustCrypto ml-dsa 0.1";
/// Which independent verifier a composite verdict came from.
pub const COMPOSITE_VERIFIER: &str =
    "RustCrypto ml-dsa 0.1 and ring 0.17, with M' built here from the draft";

/// Verifies a signature over `message` (with `context` for ML-DSA) for algorithm `algorithm`
/// (a qoesign algorithm identifier). Returns `None` for an algorithm no independent verifier
/// here covers, `Some(verdict)` otherwise. Malformed keys and signatures give `Some(false)`.
pub fn verify(
    algorithm: &str,
    public_key: &[u8],
    message: &[u8],
    context: &[u8],
    signature: &[u8],
) -> Option<bool> {
    match algorithm {
        "ecdsa-p256" => Some(
            context.is_empty()
                && UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
                    .verify(message, signature)
                    .is_ok(),
        ),
        "ml-dsa-44" => Some(ml_dsa_verify::<MlDsa44>(
            public_key, message, context, signature,
        )),
        "ml-dsa-65" => Some(ml_dsa_verify::<MlDsa65>(
            public_key, message, context, signature,
        )),
        "ml-dsa-87" => Some(ml_dsa_verify::<MlDsa87>(
            public_key, message, context, signature,
        )),
        "mldsa44-ecdsa-p256" => Some(composite_verify::<MlDsa44>(
            &COMPOSITE_44,
            public_key,
            message,
            context,
            signature,
        )),
        "mldsa65-ecdsa-p256" => Some(composite_verify::<MlDsa65>(
            &COMPOSITE_65,
            public_key,
            message,
            context,
            signature,
        )),
        _ => None,
    }
}

/// What the two ML-DSA + ECDSA P-256 composites of draft-ietf-lamps-pq-composite-sigs-19
/// differ in, written out here from the draft (not taken from qoesign).
struct Composite {
    label: &'static [u8],
    prehash: &'static digest::Algorithm,
    mldsa_pk_len: usize,
    mldsa_sig_len: usize,
}

static COMPOSITE_44: Composite = Composite {
    label: b"COMPSIG-MLDSA44-ECDSA-P256-SHA256",
    prehash: &digest::SHA256,
    mldsa_pk_len: 1312,
    mldsa_sig_len: 2420,
};

static COMPOSITE_65: Composite = Composite {
    label: b"COMPSIG-MLDSA65-ECDSA-P256-SHA512",
    prehash: &digest::SHA512,
    mldsa_pk_len: 1952,
    mldsa_sig_len: 3309,
};

/// Composite verification: M' = "CompositeAlgorithmSignatures2025" || label || len(ctx) || ctx
/// || PH(M); the ML-DSA half over M' with the label as context (RustCrypto), the ECDSA half
/// over M' with SHA-256 (ring). Valid only when both are.
fn composite_verify<P: MlDsaParams>(
    c: &Composite,
    pk: &[u8],
    message: &[u8],
    ctx: &[u8],
    sig: &[u8],
) -> bool {
    let Ok(ctx_len) = u8::try_from(ctx.len()) else {
        return false;
    };
    if pk.len() <= c.mldsa_pk_len || sig.len() <= c.mldsa_sig_len {
        return false;
    }
    let (mldsa_pk, ecdsa_pk) = pk.split_at(c.mldsa_pk_len);
    let (mldsa_sig, ecdsa_sig) = sig.split_at(c.mldsa_sig_len);
    let mut m_prime = b"CompositeAlgorithmSignatures2025".to_vec();
    m_prime.extend_from_slice(c.label);
    m_prime.push(ctx_len);
    m_prime.extend_from_slice(ctx);
    m_prime.extend_from_slice(digest::digest(c.prehash, message).as_ref());
    let post_quantum = ml_dsa_verify::<P>(mldsa_pk, &m_prime, c.label, mldsa_sig);
    let classical = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, ecdsa_pk)
        .verify(&m_prime, ecdsa_sig)
        .is_ok();
    post_quantum && classical
}

/// FIPS 204 Alg. 3 (ML-DSA.Verify) through the RustCrypto implementation.
fn ml_dsa_verify<P: MlDsaParams>(pk: &[u8], message: &[u8], ctx: &[u8], sig: &[u8]) -> bool {
    let Ok(pk) = EncodedVerifyingKey::<P>::try_from(pk) else {
        return false;
    };
    let Ok(sig) = EncodedSignature::<P>::try_from(sig) else {
        return false;
    };
    let Some(sig) = ml_dsa::Signature::<P>::decode(&sig) else {
        return false;
    };
    ml_dsa::VerifyingKey::<P>::decode(&pk).verify_with_context(message, ctx, &sig)
}

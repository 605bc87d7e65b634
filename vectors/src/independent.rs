//! Verification by libraries independent of the schemes under test.
//!
//! Inputs are plain bytes, so this module depends on no qoesign crate and can check any of
//! them.

use ml_dsa::{EncodedSignature, EncodedVerifyingKey, MlDsa44, MlDsa65, MlDsa87, MlDsaParams};
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};

/// Which independent verifier a verdict came from.
pub const ECDSA_VERIFIER: &str = "ring 0.17 (ECDSA_P256_SHA256_ASN1)";
/// Which independent verifier a verdict came from.
pub const MLDSA_VERIFIER: &str = "RustCrypto ml-dsa 0.1";

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
        _ => None,
    }
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

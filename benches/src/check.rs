//! Signatures checked by standard verifiers that are not qoesign's code, before their numbers
//! go into a report: a broken signer must show as a failure, not as a fast benchmark.

use fips204::traits::{SerDes as _, Verifier as _};
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use qoesign_algorithms::composite::{self, Variant};
use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::{Scheme, SignInput};
use sha2::{Digest as _, Sha256};

/// Checks `signature` on `input` under `public_key` with an independent verifier: `fips204` for
/// ML-DSA, `p256` for ECDSA P-256, both for composite (over M′, as the draft specifies). The
/// draft ML-DSA legacy scheme has no independent verifier here; it is checked by `scheme`,
/// which is PQClean's reference code behind a thin wrapper.
///
/// # Errors
///
/// Returns what does not verify, in words.
pub fn verify(
    scheme: &dyn Scheme,
    public_key: &[u8],
    input: &SignInput,
    signature: &[u8],
) -> Result<(), String> {
    let algorithm = scheme.info().algorithm.id;
    if let Some(variant) = Variant::of(algorithm) {
        let m_prime =
            composite::message_representative(variant, input).map_err(|e| e.to_string())?;
        let (mldsa_pk, ecdsa_pk) =
            composite::split_public_key(variant, public_key).map_err(|e| e.to_string())?;
        let (mldsa_sig, ecdsa_sig) =
            composite::split_signature(variant, signature).map_err(|e| e.to_string())?;
        mldsa(
            variant.mldsa(),
            mldsa_pk,
            &m_prime,
            variant.label().as_bytes(),
            mldsa_sig,
        )
        .map_err(|e| format!("the ML-DSA half: {e}"))?;
        return ecdsa(ecdsa_pk, &Sha256::digest(&m_prime), ecdsa_sig)
            .map_err(|e| format!("the ECDSA half: {e}"));
    }
    match (algorithm, input) {
        ("ecdsa-p256", SignInput::Message { message, .. }) => {
            ecdsa(public_key, &Sha256::digest(message), signature)
        }
        ("ecdsa-p256", SignInput::Digest(digest)) => ecdsa(public_key, digest, signature),
        (id, SignInput::Message { message, context }) => {
            match ParameterSet::ALL
                .into_iter()
                .find(|s| s.name().eq_ignore_ascii_case(id))
            {
                Some(set) => mldsa(set, public_key, message, context, signature),
                None => scheme
                    .verify(public_key, input, signature)
                    .map_err(|e| e.to_string()),
            }
        }
        _ => scheme
            .verify(public_key, input, signature)
            .map_err(|e| e.to_string()),
    }
}

/// ECDSA P-256 verification of a DER `signature` over a SHA-256 `digest` by `p256`.
///
/// # Errors
///
/// Returns what does not parse or verify.
pub fn ecdsa(public_key: &[u8], digest: &[u8], signature: &[u8]) -> Result<(), String> {
    let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|e| format!("public key: {e}"))?;
    let signature = Signature::from_der(signature).map_err(|e| format!("signature: {e}"))?;
    key.verify_prehash(digest, &signature)
        .map_err(|_| "p256 rejects the signature".to_owned())
}

/// FIPS 204 ML-DSA verification by `fips204`.
///
/// # Errors
///
/// Returns what does not parse or verify.
pub fn mldsa(
    set: ParameterSet,
    public_key: &[u8],
    message: &[u8],
    context: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    macro_rules! at {
        ($module:ident) => {{
            use fips204::$module::{PK_LEN, PublicKey, SIG_LEN};
            let pk: [u8; PK_LEN] = public_key
                .try_into()
                .map_err(|_| format!("a public key of {} bytes", public_key.len()))?;
            let sig: [u8; SIG_LEN] = signature
                .try_into()
                .map_err(|_| format!("a signature of {} bytes", signature.len()))?;
            let key = PublicKey::try_from_bytes(pk).map_err(|e| format!("public key: {e}"))?;
            key.verify(message, &sig, context)
        }};
    }
    let valid = match set {
        ParameterSet::MlDsa44 => at!(ml_dsa_44),
        ParameterSet::MlDsa65 => at!(ml_dsa_65),
        ParameterSet::MlDsa87 => at!(ml_dsa_87),
    };
    if valid {
        Ok(())
    } else {
        Err("fips204 rejects the signature".to_owned())
    }
}

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

#[cfg(test)]
mod tests {
    use qoesign_algorithms::{sim, single};

    use super::*;
    use crate::{SESSION, input, rng, single_keygen};

    /// Each scheme's signature passes the independent check, and the same signature with one
    /// byte changed, or over another message, does not.
    #[test]
    fn independent_checks_accept_signatures_and_refuse_damaged_ones() {
        let schemes = [
            single::ecdsa_p256(),
            single::qoesign_ml_dsa(ParameterSet::MlDsa65),
            composite::single(Variant::MlDsa44EcdsaP256),
            composite::single(Variant::MlDsa65EcdsaP256),
        ];
        for scheme in schemes {
            let id = scheme.info().id;
            let mut share = single_keygen(scheme.as_ref()).unwrap();
            let message = input(scheme.as_ref(), 32);
            let signed = sim::sign(
                scheme.as_ref(),
                &mut [&mut share],
                &message,
                SESSION,
                &mut rng(),
            )
            .unwrap();
            let pk = share.public_key().to_vec();
            verify(scheme.as_ref(), &pk, &message, &signed.signature)
                .unwrap_or_else(|e| panic!("{id}: a valid signature is refused: {e}"));
            // The first, last and middle byte: for a composite, both halves are hit.
            for at in [0, signed.signature.len() - 1, signed.signature.len() / 2] {
                let mut damaged = signed.signature.clone();
                damaged[at] ^= 0x01;
                assert!(
                    verify(scheme.as_ref(), &pk, &message, &damaged).is_err(),
                    "{id}: a signature changed at byte {at} passes"
                );
            }
            let other = input(scheme.as_ref(), 33);
            assert!(
                verify(scheme.as_ref(), &pk, &other, &signed.signature).is_err(),
                "{id}: a signature of another message passes"
            );
        }
    }

    /// A digest input is checked as the digest, not hashed again.
    #[test]
    fn an_ecdsa_digest_is_checked_as_given() {
        let scheme = single::ecdsa_p256();
        let mut share = single_keygen(scheme.as_ref()).unwrap();
        let digest = SignInput::Digest(Sha256::digest(b"document").to_vec());
        let signed = sim::sign(
            scheme.as_ref(),
            &mut [&mut share],
            &digest,
            SESSION,
            &mut rng(),
        )
        .unwrap();
        verify(
            scheme.as_ref(),
            share.public_key(),
            &digest,
            &signed.signature,
        )
        .unwrap();
        let message = SignInput::message(b"document".to_vec());
        verify(
            scheme.as_ref(),
            share.public_key(),
            &message,
            &signed.signature,
        )
        .unwrap();
        let wrong = SignInput::Digest(Sha256::digest(b"another").to_vec());
        assert!(
            verify(
                scheme.as_ref(),
                share.public_key(),
                &wrong,
                &signed.signature
            )
            .is_err()
        );
    }
}

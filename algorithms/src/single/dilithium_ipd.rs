//! ML-DSA as in the FIPS 204 initial public draft (August 2023), on `pqcrypto-dilithium` 0.5.
//!
//! Legacy keys only: early pilots deployed the draft, and a deployment must be able to hold
//! such keys, keep verifying and signing under them, and migrate them away. The draft differs
//! from final FIPS 204: it has no context string and no domain separation of the message (the
//! draft's mu = H(tr ‖ M), where final FIPS 204 hashes M' = 0 ‖ |ctx| ‖ ctx ‖ M), so a draft
//! signature does not verify as final ML-DSA and the reverse. Key and signature
//! encodings and sizes are those of final FIPS 204 Table 2.
//!
//! The crate wraps PQClean's `dilithium2/3/5` "clean" C code (its `META.yml` names
//! pq-crystals/dilithium commit 918af1a). It is the draft, not Dilithium round 3 and not the
//! final standard: its 64-byte `tr` and `c~` of lambda/4 bytes (secret keys of 2560/4032/4896
//! bytes, signatures of 2420/3309/4627) are the draft's, and it hashes no context. Signing is
//! the draft's optional deterministic variant of Alg. 2 (`rnd` all zero), and key generation draws its seed from the operating
//! system inside the C code: the caller's random generator is not used, so keys cannot be
//! derived from a test seed. The stored secret is the draft's whole secret key encoding
//! (`skEncode`), since the crate offers no key generation from a seed.

use rand_core::CryptoRng;

use super::LevelInfos;
use super::one_shot::Backend;
use crate::mldsa::ParameterSet;
use crate::{
    ProtocolError, SchemeError, SchemeInfo, SecretBytes, SignInput, VerifyError, VerifyPart, known,
};

/// The draft ML-DSA backend at one security level.
pub(super) struct DilithiumIpd {
    level: ParameterSet,
}

impl DilithiumIpd {
    pub(super) fn new(level: ParameterSet) -> Self {
        Self { level }
    }
}

static INFOS: LevelInfos = LevelInfos::new(
    [
        ("pqcrypto-ipd-44", &known::MLDSA44_IPD),
        ("pqcrypto-ipd-65", &known::MLDSA65_IPD),
        ("pqcrypto-ipd-87", &known::MLDSA87_IPD),
    ],
    "pqcrypto-dilithium 0.5 (PQClean dilithium clean, FIPS 204 draft)",
);

impl Backend for DilithiumIpd {
    fn info(&self) -> &'static SchemeInfo {
        INFOS.get(self.level)
    }

    fn generate(&self, _rng: &mut dyn CryptoRng) -> Result<(Vec<u8>, SecretBytes), ProtocolError> {
        // Draft Alg. 1 (ML-DSA.KeyGen); the seed comes from the OS inside PQClean.
        Ok(match self.level {
            ParameterSet::MlDsa44 => level44::generate(),
            ParameterSet::MlDsa65 => level65::generate(),
            ParameterSet::MlDsa87 => level87::generate(),
        })
    }

    fn check_input(&self, input: &SignInput) -> Result<(), SchemeError> {
        super::refuse_input(self.info().id, draft_message(input))
    }

    fn sign(
        &self,
        secret: &SecretBytes,
        input: &SignInput,
        _rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, ProtocolError> {
        let message = draft_message(input).map_err(|e| ProtocolError::Internal(e.to_string()))?;
        let signed = match self.level {
            ParameterSet::MlDsa44 => level44::sign(secret, message),
            ParameterSet::MlDsa65 => level65::sign(secret, message),
            ParameterSet::MlDsa87 => level87::sign(secret, message),
        };
        signed.ok_or_else(|| {
            ProtocolError::Internal("stored draft ML-DSA secret key has the wrong length".into())
        })
    }

    fn verify(&self, public_key: &[u8], input: &SignInput, sig: &[u8]) -> Result<(), VerifyError> {
        let message = draft_message(input)?;
        match self.level {
            ParameterSet::MlDsa44 => level44::verify(public_key, message, sig),
            ParameterSet::MlDsa65 => level65::verify(public_key, message, sig),
            ParameterSet::MlDsa87 => level87::verify(public_key, message, sig),
        }
    }
}

/// The only input the draft signs: a message, with no context string (the draft had none) and
/// no pre-hash or external-mu interface.
fn draft_message(input: &SignInput) -> Result<&[u8], VerifyError> {
    match input {
        SignInput::Message { message, context } if context.is_empty() => Ok(message),
        SignInput::Message { context, .. } => Err(VerifyError::Malformed {
            part: VerifyPart::Context,
            reason: format!(
                "the FIPS 204 draft of August 2023 has no context string, got {} bytes",
                context.len()
            ),
        }),
        SignInput::Digest(_) | SignInput::ExternalMu(_) => Err(VerifyError::Malformed {
            part: VerifyPart::Message,
            reason: format!(
                "the FIPS 204 draft of August 2023 signs a message, not a {}",
                input.form()
            ),
        }),
    }
}

/// One module per parameter set over the matching `pqcrypto-dilithium` module; the bodies are
/// identical.
macro_rules! level {
    ($name:ident, $params:ident) => {
        mod $name {
            use pqcrypto_dilithium::$params as params;
            use pqcrypto_traits::sign::{DetachedSignature as _, PublicKey as _, SecretKey as _};

            use crate::{SecretBytes, VerifyError, VerifyPart};

            /// Draft Alg. 1 (ML-DSA.KeyGen): the public key and the secret key encodings.
            pub(super) fn generate() -> (Vec<u8>, SecretBytes) {
                // TODO(unwiped secret key): the crate's `SecretKey` is a plain `Copy` byte
                // array that is not wiped when dropped, so this copy of the secret key stays
                // in freed stack memory until overwritten; only our own copy (`SecretBytes`)
                // is zeroized.
                let (pk, sk) = params::keypair();
                (
                    pk.as_bytes().to_vec(),
                    SecretBytes::new(sk.as_bytes().to_vec()),
                )
            }

            /// Draft Alg. 2 (ML-DSA.Sign), deterministic variant; `None` when the stored secret
            /// key has the wrong length.
            pub(super) fn sign(secret: &SecretBytes, message: &[u8]) -> Option<Vec<u8>> {
                let sk = params::SecretKey::from_bytes(secret.expose()).ok()?;
                Some(params::detached_sign(message, &sk).as_bytes().to_vec())
            }

            /// Draft Alg. 3 (ML-DSA.Verify).
            pub(super) fn verify(
                public_key: &[u8],
                message: &[u8],
                signature: &[u8],
            ) -> Result<(), VerifyError> {
                let malformed = |part, expected: usize, got: usize| VerifyError::Malformed {
                    part,
                    reason: format!("expected {expected} bytes, got {got}"),
                };
                let pk = params::PublicKey::from_bytes(public_key).map_err(|_| {
                    malformed(
                        VerifyPart::PublicKey,
                        params::public_key_bytes(),
                        public_key.len(),
                    )
                })?;
                // The crate's decoder takes any length up to the maximum (it also serves
                // variable-length schemes); a draft ML-DSA signature has exactly one length.
                let sig_len = params::signature_bytes();
                let sig = params::DetachedSignature::from_bytes(signature)
                    .ok()
                    .filter(|_| signature.len() == sig_len)
                    .ok_or_else(|| malformed(VerifyPart::Signature, sig_len, signature.len()))?;
                params::verify_detached_signature(&sig, message, &pk)
                    .map_err(|_| VerifyError::Invalid)
            }
        }
    };
}

level!(level44, dilithium2);
level!(level65, dilithium3);
level!(level87, dilithium5);

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes written as literals in [`known`] are the crate's own.
    #[test]
    fn registered_sizes_are_the_crates() {
        use pqcrypto_dilithium::{dilithium2, dilithium3, dilithium5};
        let crate_sizes = [
            (
                dilithium2::public_key_bytes(),
                dilithium2::signature_bytes(),
            ),
            (
                dilithium3::public_key_bytes(),
                dilithium3::signature_bytes(),
            ),
            (
                dilithium5::public_key_bytes(),
                dilithium5::signature_bytes(),
            ),
        ];
        let registered = [
            &known::MLDSA44_IPD,
            &known::MLDSA65_IPD,
            &known::MLDSA87_IPD,
        ];
        for ((pk, sig), info) in crate_sizes.into_iter().zip(registered) {
            assert_eq!(info.public_key_len, pk, "{}", info.id);
            assert_eq!(
                info.signature_len,
                crate::SignatureLen::Exact(sig),
                "{}",
                info.id
            );
        }
    }
}

//! ML-DSA (FIPS 204) at the three security levels, on the `fips204` crate.
//!
//! The stored secret is the 32-byte key generation seed ξ (FIPS 204 Alg. 6 input); the
//! expanded key is derived again for each signature and dropped (and zeroized by `fips204`)
//! right after. Signing is hedged: a fresh 32-byte `rnd` per signature (FIPS 204 §3.4).

use rand_core::CryptoRng;

use super::LevelInfos;
use super::one_shot::Backend;
use crate::mldsa::{MAX_CONTEXT_LEN, ParameterSet};
use crate::{
    ProtocolError, SchemeError, SchemeInfo, SecretBytes, SignInput, VerifyError, VerifyPart, known,
};

pub(super) struct MlDsa {
    level: ParameterSet,
}

impl MlDsa {
    pub(super) fn new(level: ParameterSet) -> Self {
        Self { level }
    }
}

static INFOS: LevelInfos = LevelInfos::new(
    [
        ("fips204-single-44", &known::ML_DSA_44),
        ("fips204-single-65", &known::ML_DSA_65),
        ("fips204-single-87", &known::ML_DSA_87),
    ],
    "fips204 0.5 (integritychain)",
);

impl Backend for MlDsa {
    fn info(&self) -> &'static SchemeInfo {
        INFOS.get(self.level)
    }

    fn generate(&self, rng: &mut dyn CryptoRng) -> Result<(Vec<u8>, SecretBytes), ProtocolError> {
        let seed = super::fresh_32(rng);
        let public_key = match self.level {
            ParameterSet::MlDsa44 => level44::public_key(&seed),
            ParameterSet::MlDsa65 => level65::public_key(&seed),
            ParameterSet::MlDsa87 => level87::public_key(&seed),
        };
        Ok((public_key, SecretBytes::new(seed.to_vec())))
    }

    fn check_input(&self, input: &SignInput) -> Result<(), SchemeError> {
        super::refuse_input(self.info().id, pure_input(input))
    }

    fn sign(
        &self,
        secret: &SecretBytes,
        input: &SignInput,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, ProtocolError> {
        let seed = super::ml_dsa_seed(secret)?;
        let (message, context) =
            pure_input(input).map_err(|e| ProtocolError::Internal(e.to_string()))?;
        let rnd = super::fresh_32(rng);
        let signed = match self.level {
            ParameterSet::MlDsa44 => level44::sign(seed, message, context, &rnd),
            ParameterSet::MlDsa65 => level65::sign(seed, message, context, &rnd),
            ParameterSet::MlDsa87 => level87::sign(seed, message, context, &rnd),
        };
        signed.map_err(|e| ProtocolError::Internal(format!("ML-DSA signing failed: {e}")))
    }

    fn verify(&self, public_key: &[u8], input: &SignInput, sig: &[u8]) -> Result<(), VerifyError> {
        let (message, context) = pure_input(input)?;
        let valid = match self.level {
            ParameterSet::MlDsa44 => level44::verify(public_key, message, context, sig)?,
            ParameterSet::MlDsa65 => level65::verify(public_key, message, context, sig)?,
            ParameterSet::MlDsa87 => level87::verify(public_key, message, context, sig)?,
        };
        if valid {
            Ok(())
        } else {
            Err(VerifyError::Invalid)
        }
    }
}

/// The pure ML-DSA input (FIPS 204 Alg. 2 / Alg. 3): a message and a context of at most 255
/// bytes. The `fips204` crate offers no supported external-μ interface.
fn pure_input(input: &SignInput) -> Result<(&[u8], &[u8]), VerifyError> {
    match input {
        SignInput::Message { message, context } if context.len() <= MAX_CONTEXT_LEN => {
            Ok((message, context))
        }
        SignInput::Message { context, .. } => Err(VerifyError::Malformed {
            part: VerifyPart::Context,
            reason: format!("at most {MAX_CONTEXT_LEN} bytes, got {}", context.len()),
        }),
        SignInput::Digest(_) | SignInput::ExternalMu(_) => Err(VerifyError::Malformed {
            part: VerifyPart::Message,
            reason: format!(
                "the fips204 backend signs a message with a context, not a {}",
                input.form()
            ),
        }),
    }
}

/// One module per parameter set over the matching `fips204` module; the bodies are identical.
macro_rules! level {
    ($name:ident, $params:ident) => {
        mod $name {
            use fips204::traits::{KeyGen, SerDes, Signer, Verifier};
            use fips204::$params as params;

            use crate::{VerifyError, VerifyPart};

            /// FIPS 204 Alg. 6 (ML-DSA.KeyGen_internal), public key only.
            pub(super) fn public_key(seed: &[u8; 32]) -> Vec<u8> {
                let (pk, _sk) = params::KG::keygen_from_seed(seed);
                pk.into_bytes().to_vec()
            }

            /// FIPS 204 Alg. 2 (ML-DSA.Sign) with the given `rnd`.
            pub(super) fn sign(
                seed: &[u8; 32],
                message: &[u8],
                context: &[u8],
                rnd: &[u8; 32],
            ) -> Result<Vec<u8>, &'static str> {
                let (_pk, sk) = params::KG::keygen_from_seed(seed);
                sk.try_sign_with_seed(rnd, message, context)
                    .map(|s| s.to_vec())
            }

            /// FIPS 204 Alg. 3 (ML-DSA.Verify).
            pub(super) fn verify(
                public_key: &[u8],
                message: &[u8],
                context: &[u8],
                signature: &[u8],
            ) -> Result<bool, VerifyError> {
                let pk: [u8; params::PK_LEN] =
                    public_key.try_into().map_err(|_| VerifyError::Malformed {
                        part: VerifyPart::PublicKey,
                        reason: format!(
                            "expected {} bytes, got {}",
                            params::PK_LEN,
                            public_key.len()
                        ),
                    })?;
                let sig: [u8; params::SIG_LEN] =
                    signature.try_into().map_err(|_| VerifyError::Malformed {
                        part: VerifyPart::Signature,
                        reason: format!(
                            "expected {} bytes, got {}",
                            params::SIG_LEN,
                            signature.len()
                        ),
                    })?;
                let pk =
                    params::PublicKey::try_from_bytes(pk).map_err(|e| VerifyError::Malformed {
                        part: VerifyPart::PublicKey,
                        reason: e.to_owned(),
                    })?;
                Ok(pk.verify(message, &sig, context))
            }
        }
    };
}

level!(level44, ml_dsa_44);
level!(level65, ml_dsa_65);
level!(level87, ml_dsa_87);

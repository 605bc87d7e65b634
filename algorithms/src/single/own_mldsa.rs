//! ML-DSA (FIPS 204) at the three security levels, on this crate's own [`crate::mldsa`]
//! implementation.
//!
//! The stored secret is the 32-byte key generation seed xi (FIPS 204 Alg. 6 input). Signing is
//! hedged: a fresh 32-byte `rnd` per signature (FIPS 204 §3.4). Besides a message with its
//! context (pure ML-DSA), it signs an external mu computed by the caller, so that a remote
//! signing service never needs the document.

use rand_core::CryptoRng;

use super::LevelInfos;
use super::one_shot::Backend;
use crate::mldsa::{self, MAX_CONTEXT_LEN, ParameterSet, SigningKey, VerifyingKey};
use crate::{
    ProtocolError, SchemeError, SchemeInfo, SecretBytes, SignInput, VerifyError, VerifyPart, known,
};

pub(super) struct OwnMlDsa {
    set: ParameterSet,
}

impl OwnMlDsa {
    pub(super) fn new(set: ParameterSet) -> Self {
        Self { set }
    }
}

static INFOS: LevelInfos = LevelInfos::new(
    [
        ("qoesign-single-44", &known::ML_DSA_44),
        ("qoesign-single-65", &known::ML_DSA_65),
        ("qoesign-single-87", &known::ML_DSA_87),
    ],
    "qoesign mldsa (FIPS 204, this crate)",
);

impl Backend for OwnMlDsa {
    fn info(&self) -> &'static SchemeInfo {
        INFOS.get(self.set)
    }

    fn generate(&self, rng: &mut dyn CryptoRng) -> Result<(Vec<u8>, SecretBytes), ProtocolError> {
        let seed = super::fresh_32(rng);
        let (_, public) = mldsa::key_gen(self.set, &seed);
        Ok((public.encode(), SecretBytes::new(seed.to_vec())))
    }

    fn check_input(&self, input: &SignInput) -> Result<(), SchemeError> {
        super::refuse_input(self.info().id, check(input))
    }

    fn sign(
        &self,
        secret: &SecretBytes,
        input: &SignInput,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, ProtocolError> {
        let key = SigningKey::from_seed(self.set, super::ml_dsa_seed(secret)?);
        let rnd = super::fresh_32(rng);
        match input {
            SignInput::Message { message, context } => key
                .sign(message, context, &rnd)
                .map_err(|e| ProtocolError::Internal(e.to_string())),
            SignInput::ExternalMu(mu) => Ok(key.sign_mu(mu, &rnd)),
            SignInput::Digest(_) => Err(ProtocolError::Internal(
                "digest input passed the input check".to_owned(),
            )),
        }
    }

    fn verify(&self, public_key: &[u8], input: &SignInput, sig: &[u8]) -> Result<(), VerifyError> {
        check(input)?;
        let set = self.set;
        let key = VerifyingKey::decode(set, public_key).map_err(|e| VerifyError::Malformed {
            part: VerifyPart::PublicKey,
            reason: e.to_string(),
        })?;
        if sig.len() != set.signature_len() {
            return Err(VerifyError::Malformed {
                part: VerifyPart::Signature,
                reason: format!(
                    "{} signatures are {} bytes, got {}",
                    set.name(),
                    set.signature_len(),
                    sig.len()
                ),
            });
        }
        let valid = match input {
            SignInput::Message { message, context } => key.verify(message, context, sig),
            SignInput::ExternalMu(mu) => key.verify_mu(mu, sig),
            SignInput::Digest(_) => false,
        };
        if valid {
            Ok(())
        } else {
            Err(VerifyError::Invalid)
        }
    }
}

/// Pure ML-DSA (a message with a context of at most 255 bytes) or an external mu; a bare
/// digest is refused, since HashML-DSA needs to know which hash made it.
fn check(input: &SignInput) -> Result<(), VerifyError> {
    match input {
        SignInput::Message { context, .. } if context.len() > MAX_CONTEXT_LEN => {
            Err(VerifyError::Malformed {
                part: VerifyPart::Context,
                reason: format!("at most {MAX_CONTEXT_LEN} bytes, got {}", context.len()),
            })
        }
        SignInput::Message { .. } | SignInput::ExternalMu(_) => Ok(()),
        SignInput::Digest(_) => Err(VerifyError::Malformed {
            part: VerifyPart::Message,
            reason: "ML-DSA signs a message with a context or an external mu, not a bare digest"
                .to_owned(),
        }),
    }
}

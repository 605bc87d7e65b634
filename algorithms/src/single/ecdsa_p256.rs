//! ECDSA P-256 with SHA-256 (FIPS 186-5) on the RustCrypto `p256` crate.

use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::one_shot::Backend;
use crate::{
    ProtocolError, SchemeError, SchemeInfo, SchemeKind, SecretBytes, SignInput, VerifyError,
    VerifyPart, known,
};

pub(super) struct EcdsaP256;

static INFO: SchemeInfo = SchemeInfo {
    id: "p256-single",
    algorithm: &crate::known::ECDSA_P256,
    kind: SchemeKind::Single,
    max_parties: 1,
    implementation: "RustCrypto p256 0.14",
    transport: "none: one party, no messages",
};

impl Backend for EcdsaP256 {
    fn info(&self) -> &'static SchemeInfo {
        &INFO
    }

    fn generate(&self, rng: &mut dyn CryptoRng) -> Result<(Vec<u8>, SecretBytes), ProtocolError> {
        let key = SigningKey::generate_from_rng(rng);
        let public_key = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let scalar = Zeroizing::new(key.to_bytes());
        Ok((public_key, SecretBytes::new(scalar.to_vec())))
    }

    fn check_input(&self, input: &SignInput) -> Result<(), SchemeError> {
        super::refuse_input(INFO.id, prehash(input))
    }

    fn sign(
        &self,
        secret: &SecretBytes,
        input: &SignInput,
        _rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, ProtocolError> {
        let key = SigningKey::from_slice(secret.expose())
            .map_err(|_| ProtocolError::Internal("stored ECDSA scalar is invalid".to_owned()))?;
        let digest = prehash(input).map_err(|e| ProtocolError::Internal(e.to_string()))?;
        // RFC 6979 deterministic nonce: no randomness needed, no nonce reuse possible.
        let signature: Signature = key
            .sign_prehash(&digest)
            .map_err(|_| ProtocolError::Internal("ECDSA signing failed".to_owned()))?;
        Ok(signature.normalize_s().to_der().as_bytes().to_vec())
    }

    fn verify(&self, public_key: &[u8], input: &SignInput, sig: &[u8]) -> Result<(), VerifyError> {
        verify(public_key, input, sig)
    }
}

/// ECDSA P-256 verification of a DER signature over a message or a SHA-256 digest; every
/// ECDSA scheme of this crate verifies here.
pub(crate) fn verify(public_key: &[u8], input: &SignInput, sig: &[u8]) -> Result<(), VerifyError> {
    let key = parse_public_key(public_key)?;
    let signature = Signature::from_der(sig).map_err(|_| VerifyError::Malformed {
        part: VerifyPart::Signature,
        reason: "not a DER-encoded ECDSA signature".to_owned(),
    })?;
    let digest = prehash(input)?;
    key.verify_prehash(&digest, &signature)
        .map_err(|_| VerifyError::Invalid)
}

/// The SHA-256 digest that ECDSA signs: computed from the message, or given by the caller.
pub(crate) fn prehash(input: &SignInput) -> Result<[u8; 32], VerifyError> {
    match input {
        SignInput::Message { message, context } => {
            if !context.is_empty() {
                return Err(VerifyError::Malformed {
                    part: VerifyPart::Context,
                    reason: "ECDSA P-256 takes no context string; it must be empty".to_owned(),
                });
            }
            Ok(Sha256::digest(message).into())
        }
        SignInput::Digest(digest) => {
            digest
                .as_slice()
                .try_into()
                .map_err(|_| VerifyError::Malformed {
                    part: VerifyPart::Message,
                    reason: format!("a SHA-256 digest is 32 bytes, got {}", digest.len()),
                })
        }
        SignInput::ExternalMu(_) => Err(VerifyError::Malformed {
            part: VerifyPart::Message,
            reason: "external mu is an ML-DSA input; ECDSA signs a message or a digest".to_owned(),
        }),
    }
}

/// Accepts only the SEC 1 uncompressed encoding, the project's standard for public keys.
fn parse_public_key(bytes: &[u8]) -> Result<VerifyingKey, VerifyError> {
    let expected = known::ECDSA_P256.public_key_len;
    let malformed = |reason: String| VerifyError::Malformed {
        part: VerifyPart::PublicKey,
        reason,
    };
    if bytes.len() != expected || bytes.first() != Some(&0x04) {
        return Err(malformed(format!(
            "expected a {expected}-byte SEC 1 uncompressed point (04 || x || y), got {} bytes",
            bytes.len()
        )));
    }
    VerifyingKey::from_sec1_bytes(bytes).map_err(|_| malformed("not a point on P-256".to_owned()))
}

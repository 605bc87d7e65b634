//! Single-party schemes: one key holder signs alone.
//!
//! They run through the same sans-IO contract as the threshold schemes (a session of one party
//! that finishes in its first step), serve one-provider deployments, and are the reference
//! that benchmarks compare threshold schemes against.

mod dilithium_ipd;
pub(crate) mod ecdsa_p256;
mod fips204;
mod one_shot;
mod own_mldsa;

use std::sync::Arc;

use crate::Scheme;
use one_shot::SingleScheme;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::mldsa::ParameterSet;
use crate::{
    AlgorithmInfo, ProtocolError, SchemeError, SchemeInfo, SchemeKind, SecretBytes, VerifyError,
};

/// ECDSA P-256 with SHA-256 on the RustCrypto `p256` crate: deterministic nonces (RFC 6979),
/// low-s signatures, DER encoding, SEC 1 uncompressed public keys.
pub fn ecdsa_p256() -> Arc<dyn Scheme> {
    Arc::new(SingleScheme::new(ecdsa_p256::EcdsaP256))
}

/// ML-DSA (FIPS 204) at one security level on this crate's own implementation
/// ([`crate::mldsa`]): hedged signing, the 32-byte seed as the stored secret, and both the
/// message-with-context and the external-mu input forms. This is the default ML-DSA scheme.
pub fn qoesign_ml_dsa(level: ParameterSet) -> Arc<dyn Scheme> {
    Arc::new(SingleScheme::new(own_mldsa::OwnMlDsa::new(level)))
}

/// ML-DSA (FIPS 204) at one security level on the `fips204` crate: hedged signing (fresh
/// randomness per signature), the 32-byte seed as the stored secret.
pub fn ml_dsa(level: ParameterSet) -> Arc<dyn Scheme> {
    Arc::new(SingleScheme::new(fips204::MlDsa::new(level)))
}

/// ML-DSA as in the FIPS 204 initial public draft (August 2023) at one security level, on the
/// `pqcrypto-dilithium` 0.5 crate: for legacy keys that must be held and migrated away. Messages
/// only, without context; deterministic signing; the whole secret key encoding as the stored
/// secret.
pub fn ml_dsa_ipd(level: ParameterSet) -> Arc<dyn Scheme> {
    Arc::new(SingleScheme::new(dilithium_ipd::DilithiumIpd::new(level)))
}

/// 32 fresh random bytes: an ML-DSA key seed xi (FIPS 204 Alg. 1, step 1) or a hedged signing
/// `rnd` (FIPS 204 Alg. 2, step 5).
fn fresh_32(rng: &mut dyn CryptoRng) -> Zeroizing<[u8; 32]> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(bytes.as_mut_slice());
    bytes
}

/// The stored ML-DSA key seed xi of a key share.
fn ml_dsa_seed(secret: &SecretBytes) -> Result<&[u8; 32], ProtocolError> {
    secret
        .expose()
        .try_into()
        .map_err(|_| ProtocolError::Internal("stored ML-DSA seed is not 32 bytes".to_owned()))
}

/// The identities of one single-party ML-DSA backend at its three levels (44, 65, 87).
struct LevelInfos([SchemeInfo; 3]);

impl LevelInfos {
    /// The scheme id and algorithm at each level, in ML-DSA-44, -65, -87 order.
    const fn new(
        levels: [(&'static str, &'static AlgorithmInfo); 3],
        implementation: &'static str,
    ) -> Self {
        let [l44, l65, l87] = levels;
        Self([
            single_info(l44.0, l44.1, implementation),
            single_info(l65.0, l65.1, implementation),
            single_info(l87.0, l87.1, implementation),
        ])
    }

    /// The identity at one level.
    fn get(&self, level: ParameterSet) -> &SchemeInfo {
        let [l44, l65, l87] = &self.0;
        match level {
            ParameterSet::MlDsa44 => l44,
            ParameterSet::MlDsa65 => l65,
            ParameterSet::MlDsa87 => l87,
        }
    }
}

/// The identity of a single-party scheme.
const fn single_info(
    id: &'static str,
    algorithm: &'static AlgorithmInfo,
    implementation: &'static str,
) -> SchemeInfo {
    SchemeInfo {
        id,
        algorithm,
        kind: SchemeKind::Single,
        max_parties: 1,
        implementation,
        transport: "none: one party, no messages",
    }
}

/// A backend's input check as the refusal a session setup gives: the reason the verifier
/// would have given, as [`SchemeError::UnsupportedInput`] of `scheme`.
fn refuse_input<T>(
    scheme: &'static str,
    checked: Result<T, VerifyError>,
) -> Result<(), SchemeError> {
    checked
        .map(drop)
        .map_err(|e| SchemeError::UnsupportedInput {
            scheme,
            reason: e.to_string(),
        })
}

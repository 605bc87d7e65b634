//! Single-party schemes: one key holder signs alone.
//!
//! They run through the same sans-IO contract as the threshold schemes (a session of one party
//! that finishes in its first step), serve one-provider deployments, and are the reference
//! that benchmarks compare threshold schemes against.

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
use crate::{ProtocolError, SecretBytes};

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

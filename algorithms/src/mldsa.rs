//! ML-DSA (FIPS 204, August 2024) written for qoesign: the complete arithmetic, the internal
//! and external algorithms, at the three parameter sets.
//!
//! Threshold ML-DSA needs the pieces of the standard itself (the NTT, the samplers, rounding,
//! hints and bit packings), which no crate exposes; this module provides them to the rest of
//! the crate and a complete single-party backend on top:
//!
//! - [`key_gen`] / [`SigningKey::from_seed`]: ML-DSA.KeyGen_internal (Alg. 6) from the 32-byte
//!   seed; [`SigningKey::decode`] / [`SigningKey::encode`]: the expanded key format.
//! - [`SigningKey::sign`] / [`VerifyingKey::verify`]: pure ML-DSA with a context of at most 255
//!   bytes (Alg. 2 / 3); [`SigningKey::sign_prehash`] / [`VerifyingKey::verify_prehash`]:
//!   HashML-DSA with any [`PreHash`] (Alg. 4 / 5).
//! - [`SigningKey::sign_mu`] / [`VerifyingKey::verify_mu`]: the external-mu form, for remote
//!   signing where the caller hashes the document; [`VerifyingKey::external_mu`] computes the
//!   mu of a pure ML-DSA message.
//! - [`SigningKey::sign_internal`] / [`VerifyingKey::verify_internal`]: Alg. 7 / 8 on M' as
//!   given.
//!
//! Randomness is the caller's: every signing function takes `rnd` (32 zero bytes for the
//! deterministic variant). The outputs match the NIST ACVP vectors byte for byte; see the
//! conformance suite in the `qoesign-vectors` crate.
//!
//! # Side channels
//!
//! Arithmetic on secret values (NTT, reductions, rounding, hints, bound checks) is branch-free
//! and uses no secret-dependent table index; division by the public moduli is done by
//! multiplication. The rejection loop reveals only how many attempts a signature took, as FIPS
//! 204 §3.6.3 allows. Secret keys and the intermediate secrets of signing are zeroized when
//! dropped. Verification works on public data and is not constant time.

// The unit tests below this module compute expected values with plain casts and divisions.
#![cfg_attr(
    test,
    allow(
        clippy::cast_possible_truncation,
        clippy::cast_lossless,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap,
        clippy::integer_division_remainder_used,
        reason = "test arithmetic on small, known values"
    )
)]

pub(crate) mod encode;
pub(crate) mod field;
pub(crate) mod keys;
pub(crate) mod ntt;
pub(crate) mod params;
pub(crate) mod poly;
mod prehash;
pub(crate) mod rounding;
pub(crate) mod sample;

pub use keys::{SigningKey, VerifyingKey, key_gen};
pub use params::ParameterSet;
pub use prehash::PreHash;

/// Why an ML-DSA input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The context string is longer than FIPS 204 allows (255 bytes).
    #[error("the context is {len} bytes; FIPS 204 allows at most 255")]
    ContextTooLong {
        /// Its length.
        len: usize,
    },
    /// A key has the wrong length for its parameter set.
    #[error("{what} for {set} must be {expected} bytes, got {got}")]
    Length {
        /// `public key` or `secret key`.
        what: &'static str,
        /// The parameter set.
        set: &'static str,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        got: usize,
    },
    /// An expanded secret key that no key generation can have produced.
    #[error("the {set} secret key is malformed: {reason}")]
    MalformedSecretKey {
        /// The parameter set.
        set: &'static str,
        /// What is inconsistent.
        reason: &'static str,
    },
}

/// The longest context string (FIPS 204 §5.2).
pub const MAX_CONTEXT_LEN: usize = 255;

impl SigningKey {
    /// FIPS 204 Alg. 2 (ML-DSA.Sign), pure ML-DSA, with `rnd` given (32 zero bytes for the
    /// deterministic variant).
    ///
    /// # Errors
    ///
    /// [`Error::ContextTooLong`] for a context of more than 255 bytes.
    pub fn sign(&self, message: &[u8], context: &[u8], rnd: &[u8; 32]) -> Result<Vec<u8>, Error> {
        let len = context_len(context)?;
        // Steps 10-11: M' = 0 || |ctx| || ctx || M.
        let mu = keys::mu(self.tr(), &[&[0, len], context, message]);
        Ok(self.sign_mu(&mu, rnd))
    }

    /// FIPS 204 Alg. 4 (HashML-DSA.Sign): signs PH(M) under the pre-hash function `ph`.
    ///
    /// # Errors
    ///
    /// [`Error::ContextTooLong`] for a context of more than 255 bytes.
    pub fn sign_prehash(
        &self,
        message: &[u8],
        context: &[u8],
        ph: PreHash,
        rnd: &[u8; 32],
    ) -> Result<Vec<u8>, Error> {
        let mu = prehash_mu(self.tr(), message, context, ph)?;
        Ok(self.sign_mu(&mu, rnd))
    }
}

impl VerifyingKey {
    /// FIPS 204 Alg. 3 (ML-DSA.Verify), pure ML-DSA. A context over 255 bytes, like any
    /// malformed signature, gives `false`.
    pub fn verify(&self, message: &[u8], context: &[u8], signature: &[u8]) -> bool {
        self.external_mu(message, context)
            .is_ok_and(|mu| self.verify_mu(&mu, signature))
    }

    /// FIPS 204 Alg. 5 (HashML-DSA.Verify).
    pub fn verify_prehash(
        &self,
        message: &[u8],
        context: &[u8],
        ph: PreHash,
        signature: &[u8],
    ) -> bool {
        prehash_mu(self.tr(), message, context, ph).is_ok_and(|mu| self.verify_mu(&mu, signature))
    }

    /// The external mu of a pure ML-DSA message: H(tr || 0 || |ctx| || ctx || M, 64), what a
    /// remote-signing client computes so that the signer never sees the document.
    ///
    /// # Errors
    ///
    /// [`Error::ContextTooLong`] for a context of more than 255 bytes.
    pub fn external_mu(&self, message: &[u8], context: &[u8]) -> Result<[u8; 64], Error> {
        let len = context_len(context)?;
        Ok(keys::mu(self.tr(), &[&[0, len], context, message]))
    }
}

/// mu of HashML-DSA: M' = 1 || |ctx| || ctx || OID(PH) || PH(M) (FIPS 204 Alg. 4, step 23).
fn prehash_mu(
    tr: &[u8; 64],
    message: &[u8],
    context: &[u8],
    ph: PreHash,
) -> Result<[u8; 64], Error> {
    let len = context_len(context)?;
    let digest = ph.digest(message);
    Ok(keys::mu(tr, &[&[1, len], context, &ph.oid_der(), &digest]))
}

fn context_len(context: &[u8]) -> Result<u8, Error> {
    u8::try_from(context.len()).map_err(|_| Error::ContextTooLong { len: context.len() })
}

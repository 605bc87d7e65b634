//! The qoesign engine: it turns the scheme plugins of `qoesign-algorithms` into signing
//! sessions bound to the policy of `qoesign-policy`.
//!
//! This version provides:
//!
//! - the [`Registry`], mapping every known algorithm to its schemes and picking the scheme that
//!   fits a policy's quorum ([`Committee`]);
//! - [`demo::run`], the end-to-end flow behind `qoesign demo`: create a key under the policy's
//!   preferred algorithm, sign a document, verify the signature with the standard verifier;
//! - session identifiers bound to the policy digest ([`session_id`]);
//! - the signature encodings `qoesign verify` reads besides the standard ones
//!   ([`SignatureFormat`]).
//!
//! Sessions run in one process through the simulator of `qoesign-algorithms`; the key store,
//! the networked transport and the coordinator come later and will use the same state machines.
//!
//! Nothing here logs, prints or stores a secret: key shares stay in memory, are zeroized on drop
//! and are discarded at the end of the demo.

mod committee;
pub mod demo;
mod registry;
mod signature_format;

pub use committee::Committee;
pub use registry::{AlgorithmEntry, Registry, RegistryError};
pub use signature_format::{FormatError, SignatureFormat, to_standard};

use qoesign_algorithms::{CryptoRng, SessionId};
use qoesign_policy::PolicyDigest;
use sha3::{Digest, Sha3_256};

/// Derives a fresh session identifier bound to a policy and a purpose: SHA3-256 over a domain
/// label, the policy digest, the purpose and 32 random bytes. A party that checks the session
/// identifier against the policy it accepted cannot be led into a session under another policy.
pub fn session_id(policy: &PolicyDigest, purpose: &str, rng: &mut dyn CryptoRng) -> SessionId {
    let mut nonce = [0u8; 32];
    rng.fill_bytes(&mut nonce);
    let mut hash = Sha3_256::new();
    hash.update(b"qoesign-session-v1");
    hash.update(policy.as_bytes());
    hash.update((purpose.len() as u64).to_be_bytes());
    hash.update(purpose.as_bytes());
    hash.update(nonce);
    SessionId(hash.finalize().into())
}

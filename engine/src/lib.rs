//! The qoesign engine: it turns the scheme plugins of `qoesign-algorithms` into signing
//! sessions bound to the policy of `qoesign-policy`.
//!
//! This version provides:
//!
//! - the [`Registry`], mapping every known algorithm to its schemes and picking the scheme that
//!   fits a policy's quorum ([`Committee`]);
//! - [`node::Node`]: one party (a provider, or the user's device) serving key generation and
//!   signing requests from its own store after the checks of [`admission`] (the policy in
//!   force, the algorithm's state that day, a committee the policy describes, a fresh session);
//! - [`coordinator::Coordinator`]: opens sessions, picks the signers from the policy's quorum,
//!   retries without a party that falls silent, refuses or sends invalid data, and verifies
//!   every signature with the standard verifier before returning it;
//! - the [`transport::Transport`] parties talk over, with the in-memory
//!   [`transport::memory::MemoryNetwork`], and the [`envelope`]s they exchange;
//! - [`store::Store`]: each party's key store, one redb file holding its credentials, its key
//!   shares and metadata sealed at rest under an Argon2id passphrase key, the policies it
//!   accepted and the sessions it claimed;
//! - [`local::LocalCluster`]: every party of a policy in one process over the in-memory
//!   transport, each with its own store in one directory;
//! - [`migrate`]: the policy rollover behind `qoesign migrate`, which re-issues every
//!   credential a new policy deprecates or retires, journaled so that a run killed anywhere is
//!   finished by the next, with the signed [`rollover::Statement`] linking old and new keys
//!   (crash tests inject their crashes through [`fault`]);
//! - [`demo::run`], the end-to-end flow behind `qoesign demo`;
//! - session identifiers bound to the policy digest ([`session_id`]);
//! - the signature encodings `qoesign verify` reads besides the standard ones
//!   ([`SignatureFormat`]).
//!
//! Nothing here logs, prints or stores a secret: shares are encrypted in the store, exist in
//! the clear only in memory, and are zeroized on drop.

pub mod admission;
mod committee;
pub mod coordinator;
pub mod demo;
pub mod envelope;
pub mod fault;
pub mod local;
pub mod migrate;
pub mod node;
mod registry;
pub mod rollover;
mod signature_format;
pub mod store;
pub mod transport;

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

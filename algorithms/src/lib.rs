//! Signature scheme plugins for qoesign, as sans-IO protocol state machines.
//!
//! Two words are kept apart throughout:
//!
//! - an **algorithm** is what a verifier sees: `ecdsa-p256`, `ml-dsa-44`, `ml-dsa-65`,
//!   `ml-dsa-87`, `mldsa44-ecdsa-p256`, `mldsa65-ecdsa-p256`, and the legacy FIPS 204 draft
//!   `mldsa44-ipd`, `mldsa65-ipd`, `mldsa87-ipd` (see [`ALGORITHMS`]);
//! - a **scheme** is an implementation that produces signatures of one algorithm, with one key
//!   holder (single party) or with `t` of `n` key holders (threshold). Every scheme implements
//!   [`Scheme`].
//!
//! Key generation and signing are protocols run by each party: a [`Party`] takes incoming
//! messages `(from, bytes)` and returns outgoing ones until it returns its output or a
//! [`ProtocolError`] that names the culprit where one is known. Messages and key shares carry a
//! versioned header (format, algorithm, scheme, session, sender); decoders refuse unknown
//! versions, foreign sessions, forged senders and trailing bytes (see [`wire`]).
//!
//! [`sim::Simulation`] runs the parties of any scheme in one process, with hooks to drop a party
//! or tamper with messages; tests and benchmarks of every scheme use it.
//!
//! # Schemes in this version
//!
//! - [`single::ecdsa_p256`]: ECDSA P-256 with SHA-256, on the RustCrypto `p256` crate.
//! - [`single::qoesign_ml_dsa`]: ML-DSA-44/65/87 (FIPS 204) on this crate's own [`mldsa`]
//!   implementation, the default ML-DSA scheme; it also signs an external mu.
//! - [`single::ml_dsa`]: ML-DSA-44/65/87 on the `fips204` crate, kept as a second
//!   implementation for cross-checks and benchmarks.
//!
//! - [`threshold_mldsa::scheme`]: threshold ML-DSA-44/65/87, any T of N <= 6 parties with
//!   distributed key generation (Celi et al., ePrint 2026/013).
//! - [`threshold_ecdsa::scheme`]: threshold ECDSA P-256, any t of n <= 255 parties (DKLs23 on
//!   the `dkls23` crate), with refresh, share repair and persistent bans.
//!
//! - [`composite::single`] and [`composite::threshold`]: the IETF composites ML-DSA-44/65 +
//!   ECDSA P-256 (draft-ietf-lamps-pq-composite-sigs-19), with one key holder or with threshold
//!   ML-DSA and threshold ECDSA as halves over one quorum.
//!
//! # What this crate assumes
//!
//! It performs no I/O: no sockets, no files, no clock. Randomness comes from the caller as a
//! [`rand_core::CryptoRng`], except inside the `dkls23` library, which draws from the operating
//! system. The transport between parties must authenticate senders (a
//! [`PartyId`] passed to [`Party::receive`] is trusted to be the real sender) and, for schemes
//! that say so in [`SchemeInfo::transport`], encrypt point-to-point messages.
//!
//! # Side channels
//!
//! Secret material lives in [`SecretBytes`], which is zeroized on drop, never printed and
//! compared in constant time. The ECDSA arithmetic is that of `p256` (also under `dkls23`),
//! which documents a constant-time implementation; [`mldsa`] states its own side-channel
//! stance. Timing of the protocol rounds is not hidden.

#![warn(clippy::indexing_slicing, clippy::integer_division_remainder_used)]

pub mod composite;
mod error;
mod framing;
mod hosted;
mod identity;
mod input;
pub mod mldsa;
mod party;
mod scheme;
mod share;
pub mod sim;
pub mod single;
pub mod threshold_ecdsa;
pub mod threshold_mldsa;
pub mod wire;

pub use error::{ProtocolError, SchemeError, VerifyError, VerifyPart};
pub use identity::{
    ALGORITHMS, AlgorithmInfo, SchemeInfo, SchemeKind, SignatureLen, algorithm, ids, known,
};
pub use input::SignInput;
pub use party::{Outgoing, Party, PartyId, Progress, Recipient};
pub use rand_core::CryptoRng;
pub use scheme::{KeygenParams, Scheme, SignParams, Signed, builtin_schemes, single_party_schemes};
pub use share::{KeyShare, SecretBytes, SigningBudget};
pub use wire::{SessionId, WireError};

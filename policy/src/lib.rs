//! The qoesign policy file: what a qualified trust service provider edits to move a whole
//! deployment from one signature algorithm to another.
//!
//! A policy is a small TOML document with a monotonically increasing `version`. It names the
//! algorithms the deployment knows and the lifecycle state of each (`active`, `deprecated`,
//! `retired`, optionally scheduled to change on a date), the algorithm preferred for new keys,
//! and the quorum of providers that hold key shares:
//!
//! ```toml
//! version = 2
//! issued = 2026-12-01
//! description = "hybrid transition"
//! preferred = "mldsa65-ecdsa-p256"
//!
//! [quorum]
//! providers = ["at-graz", "at-wien", "at-linz", "de-berlin", "ee-tallinn"]
//! threshold = 3
//! user_required = true
//!
//! [[algorithm]]
//! id = "ecdsa-p256"
//! state = "deprecated"
//! retire_on = 2030-01-01
//!
//! [[algorithm]]
//! id = "mldsa65-ecdsa-p256"
//! state = "active"
//! ```
//!
//! Parsing is strict: unknown keys, wrong types and every semantic mistake are reported as a
//! [`PolicyError`] that names the file, the line and the column, and says what was expected.
//! This crate does not know which algorithms exist; the caller (the engine's registry) passes
//! the known algorithm identifiers to [`Policy::parse`].
//!
//! Two policies are compared with [`diff`], which also refuses a version that does not
//! increase. [`Policy::digest`] is a SHA3-256 digest over a canonical encoding of the content,
//! so comments, whitespace and key order do not change it; signing sessions are bound to it.
//!
//! Dates are calendar dates without a time zone. A schedule date takes effect at the start of
//! that day, and the caller decides which day "now" is (the engine uses UTC).
//!
//! This crate reads files only in [`Policy::load`] and keeps no state.

mod diff;
mod digest;
mod error;
mod model;
mod parse;
mod render;

pub use diff::{AlgorithmChange, DiffError, PolicyDiff, QuorumChange, diff};
pub use digest::PolicyDigest;
pub use error::{LoadError, PolicyError, PolicyErrorKind};
pub use model::{AlgorithmPolicy, AlgorithmState, Policy, Quorum};
pub use time::Date;

/// The embedded default policy: one provider, no user device, ML-DSA-65 preferred and ECDSA
/// P-256 still active. It is what `qoesign demo` runs when no policy file is given.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../examples/default.toml");

/// The file name under which the embedded default policy is reported in errors.
pub const DEFAULT_POLICY_NAME: &str = "<embedded default policy>";

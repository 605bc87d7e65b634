//! Integration tests of the policy crate: the example files, every refusal with its location,
//! the lifecycle answers, the diff and the digest.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod examples;
mod lifecycle;
mod refusals;

use qoesign_policy::{Policy, PolicyError};

/// The algorithm identifiers the engine's registry knows; the policy crate takes them as input.
const KNOWN: &[&str] = &[
    "ecdsa-p256",
    "ml-dsa-44",
    "ml-dsa-65",
    "ml-dsa-87",
    "mldsa44-ecdsa-p256",
    "mldsa65-ecdsa-p256",
    "mldsa44-ipd",
    "mldsa65-ipd",
    "mldsa87-ipd",
];

fn parse(source: &str) -> Result<Policy, PolicyError> {
    Policy::parse(source, "test.toml", KNOWN)
}

fn example(name: &str) -> Policy {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    match Policy::load(&path, KNOWN) {
        Ok(policy) => policy,
        Err(e) => panic!("example {name} must be valid: {e}"),
    }
}

//! Integration tests of the engine: the registry's choices, the demo flow, and the `qoesign`
//! command line as scripts use it.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod cli;
mod coordinator;
mod demo;
mod migrate;
mod registry;
mod store;

use std::path::PathBuf;

/// The shipped example policy `name`.
fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../policy/examples")
        .join(name)
}

/// Every algorithm with a threshold scheme.
const THRESHOLD_ALGORITHMS: [&str; 6] = [
    "ecdsa-p256",
    "ml-dsa-44",
    "ml-dsa-65",
    "ml-dsa-87",
    "mldsa44-ecdsa-p256",
    "mldsa65-ecdsa-p256",
];

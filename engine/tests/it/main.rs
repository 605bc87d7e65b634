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
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

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

/// The test machine's cores. Tests whose parties run on round timeouts of a few seconds hold it
/// shared; a test that keeps every core busy for a minute holds it alone, so that it cannot
/// starve their rounds into timeouts.
static CPU: RwLock<()> = RwLock::new(());

/// A share of the machine, for a test with short round timeouts.
fn shared_cpu() -> RwLockReadGuard<'static, ()> {
    CPU.read().unwrap_or_else(PoisonError::into_inner)
}

/// The whole machine, for a test that keeps every core busy.
fn whole_cpu() -> RwLockWriteGuard<'static, ()> {
    CPU.write().unwrap_or_else(PoisonError::into_inner)
}

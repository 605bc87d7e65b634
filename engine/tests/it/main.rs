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
mod registry;
mod store;

use std::path::PathBuf;

/// The shipped example policy `name`.
fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../policy/examples")
        .join(name)
}

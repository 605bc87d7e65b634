//! Integration tests of the plugin contract: single-party schemes through the sans-IO
//! interface, key share encoding, the wire header checks and the simulator's fault hooks.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod share;
mod simulator;
mod single;
mod threshold_ecdsa;
mod threshold_mldsa;
mod toy;

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;

/// The operating system's generator; tests fail loudly if it does.
fn rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

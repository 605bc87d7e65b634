//! Shared set-up for the criterion benchmarks of qoesign's schemes, and the records
//! `cargo xtask bench` builds its report from.
//!
//! The benchmarks live in `benches/benches/`: `single` (one key holder, every library),
//! `threshold` (every threshold scheme and quorum) and `engine` (a signature through the
//! coordinator and the stores); `migrate` measures a policy rollover at scale and is run on
//! its own. This library holds what they have in common: the [`runner`] that measures a
//! benchmark in criterion or on its own, the [`record`]s a run writes for the report, the
//! [`threshold`] sessions in one process, and the independent [`check`] of every signature.

pub mod check;
pub mod record;
pub mod runner;
pub mod threshold;

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use qoesign_algorithms::sim::{self, SessionError};
use qoesign_algorithms::{KeyShare, PartyId, Scheme, SessionId, SignInput};

/// The operating system's random generator, as the schemes take it.
pub fn rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

/// The session identifier the benchmarks use; sessions in one process need not be unique.
pub const SESSION: SessionId = SessionId([0x42; 32]);

/// The message sizes every signing benchmark runs: a 32-byte digest-sized message and a 1 MiB
/// document.
pub const MESSAGE_SIZES: [usize; 2] = [32, 1 << 20];

/// Generates a key with one holder through the simulator.
///
/// # Errors
///
/// Returns the simulator's [`SessionError`] if the scheme refuses or aborts.
pub fn single_keygen(scheme: &dyn Scheme) -> Result<KeyShare, SessionError> {
    let mut shares = sim::keygen(scheme, &[PartyId(0)], 1, SESSION, &mut rng())?;
    shares.pop().ok_or(SessionError::Unfinished {
        parties: vec![PartyId(0)],
    })
}

/// The input the benchmarks sign: `len` bytes of message, with a context where the algorithm
/// takes one.
pub fn input(scheme: &dyn Scheme, len: usize) -> SignInput {
    let message = vec![0x5a; len];
    if scheme.info().algorithm.takes_context {
        SignInput::with_context(message, b"qoesign-bench".to_vec())
    } else {
        SignInput::message(message)
    }
}

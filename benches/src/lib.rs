//! Shared set-up for the criterion benchmarks of qoesign's schemes.
//!
//! The benchmarks live in `benches/benches/`; this library holds what they have in common, so
//! that every benchmark measures the schemes through the same plugin contract the engine uses.

use std::time::Instant;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId};
use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use qoesign_algorithms::sim::{self, SessionError, Simulation};
use qoesign_algorithms::{KeyShare, PartyId, Scheme, SessionId, SignInput, SignParams, Signed};

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

/// Generates a t-of-n key held by parties 0..n through the simulator, or `None` if the
/// scheme refuses or aborts.
pub fn threshold_keygen(scheme: &dyn Scheme, t: u16, n: u16) -> Option<Vec<KeyShare>> {
    let parties: Vec<PartyId> = (0..n).map(PartyId).collect();
    sim::keygen(scheme, &parties, t, SESSION, &mut rng()).ok()
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

/// One finished threshold signing session, as the benchmarks count it.
#[derive(Clone, Debug)]
pub struct Session {
    /// The signature and its attempts.
    pub signed: Signed,
    /// Bytes the busiest signer sent.
    pub sent: usize,
    /// Communication rounds on the critical path (the simulator's waves).
    pub waves: usize,
}

/// One threshold signature by the holders of the shares at positions `signers`, every party
/// running concurrently in the simulator, or `None` if the session produced no signature.
pub fn threshold_sign(
    scheme: &dyn Scheme,
    shares: &mut [KeyShare],
    signers: &[usize],
    input: &SignInput,
) -> Option<Session> {
    let params = SignParams {
        session: SESSION,
        signers: signers
            .iter()
            .filter_map(|&i| u16::try_from(i).ok().map(PartyId))
            .collect(),
        input: input.clone(),
    };
    let mut machines = Vec::with_capacity(signers.len());
    for (i, share) in shares.iter_mut().enumerate() {
        if signers.contains(&i) {
            machines.push(scheme.sign(share, &params).ok()?);
        }
    }
    let report = Simulation::new(machines).concurrent().run(&mut rng());
    let sent = report.traffic.values().map(|t| t.bytes).max().unwrap_or(0);
    let waves = report.waves;
    let signed = report.outputs.into_values().next()?;
    Some(Session {
        signed,
        sent,
        waves,
    })
}

/// The `i`-th t-subset of `0..n` in a fixed cycle through all of them.
pub fn signer_set(t: u16, n: u16, i: usize) -> Vec<usize> {
    let sets: Vec<Vec<usize>> = (0u32..1 << n)
        .filter(|m| m.count_ones() == u32::from(t))
        .map(|m| (0..usize::from(n)).filter(|b| m >> b & 1 == 1).collect())
        .collect();
    sets.get(i % sets.len().max(1)).cloned().unwrap_or_default()
}

/// What the signatures measured by [`bench_threshold_signing`] add up to.
#[derive(Clone, Copy, Debug, Default)]
pub struct SignStats {
    /// Signatures released.
    pub signatures: u64,
    /// Attempts they took, in total.
    pub attempts: u64,
    /// Bytes the busiest signer sent, summed over the signatures.
    pub bytes: u64,
    /// Communication rounds on the critical path, summed over the signatures.
    pub waves: u64,
}

/// Benchmarks `sign/<id>`: one released threshold signature per iteration, by a signer set
/// that cycles through every t-subset of the n shares.
pub fn bench_threshold_signing(
    group: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    scheme: &dyn Scheme,
    shares: &mut [KeyShare],
    (t, n): (u16, u16),
    input: &SignInput,
) -> SignStats {
    let mut stats = SignStats::default();
    let mut i = 0usize;
    group.bench_function(BenchmarkId::new("sign", id), |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                i += 1;
                let signers = signer_set(t, n, i);
                if let Some(session) = threshold_sign(scheme, shares, &signers, input) {
                    stats.signatures += 1;
                    stats.attempts += u64::from(session.signed.attempts);
                    stats.bytes += session.sent as u64;
                    stats.waves += session.waves as u64;
                }
            }
            start.elapsed()
        })
    });
    stats
}

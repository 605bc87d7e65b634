//! Integration tests of the plugin contract: single-party schemes through the sans-IO
//! interface, key share encoding, the wire header checks and the simulator's fault hooks.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail by panicking"
)]

mod composite;
mod legacy;
mod required;
mod share;
mod simulator;
mod single;
mod threshold_ecdsa;
mod threshold_mldsa;
mod threshold_mldsa_user;
mod toy;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use qoesign_algorithms::{KeyShare, PartyId, Scheme, SessionId, sim};

/// The operating system's generator; tests fail loudly if it does.
fn rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

/// A fresh copy of the shares of a t-of-n key of `scheme` held by parties 0..n. Each key is
/// generated once per test run (a threshold ECDSA key generation costs seconds) and handed
/// out as decoded copies.
fn cached_key(scheme: &dyn Scheme, t: u16, n: u16) -> Vec<KeyShare> {
    /// The encoded shares of one key, by (scheme, t, n).
    type Keys = BTreeMap<(&'static str, u16, u16), Arc<OnceLock<Vec<Vec<u8>>>>>;
    static KEYS: OnceLock<Mutex<Keys>> = OnceLock::new();
    let slot = {
        let mut keys = KEYS
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(keys.entry((scheme.info().id, t, n)).or_default())
    };
    let encoded = slot.get_or_init(|| {
        let parties: Vec<PartyId> = (0..n).map(PartyId).collect();
        sim::keygen(scheme, &parties, t, SessionId([0x4b; 32]), &mut rng())
            .unwrap()
            .iter()
            .map(|s| s.to_bytes().unwrap().to_vec())
            .collect()
    });
    encoded
        .iter()
        .map(|b| KeyShare::from_bytes(b).unwrap())
        .collect()
}

/// The shares at positions `set`, for a session of those holders.
fn subset<'a>(shares: &'a mut [KeyShare], set: &[usize]) -> Vec<&'a mut KeyShare> {
    shares
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| set.contains(i))
        .map(|(_, s)| s)
        .collect()
}

/// Every size-t subset of 0..n, as sorted index lists.
fn subsets(t: u16, n: u16) -> Vec<Vec<usize>> {
    (0u32..1 << n)
        .filter(|m| m.count_ones() == u32::from(t))
        .map(|m| (0..usize::from(n)).filter(|i| m >> i & 1 == 1).collect())
        .collect()
}

/// Checks the attempts `signatures` signatures took against a row's measured per-attempt
/// success p. Successes over attempts estimates p; its sampling error is about
/// sqrt(p^2 (1 - p) / signatures). Three of those are allowed, plus the measurement's own two
/// standard errors and 0.03 for the spread between the few keys a test can pool.
fn assert_attempt_rate(
    params: &qoesign_algorithms::threshold_mldsa::ThresholdParams,
    signatures: usize,
    attempts: u32,
    what: &str,
) {
    #[expect(clippy::cast_precision_loss, reason = "a few hundred signatures")]
    let signatures = signatures as f64;
    let p = params.attempt_success;
    let observed = signatures / f64::from(attempts);
    let se = (p * p * (1.0 - p) / signatures).sqrt();
    assert!(
        (observed - p).abs() <= 3.0 * se + params.attempt_success_2se + 0.03,
        "{what}: observed {observed:.3} over {attempts} attempts, expected {p}"
    );
}

//! Threshold sessions of every party in one process, and what the report counts about them.

use qoesign_algorithms::sim::{self, SessionError, Simulation};
use qoesign_algorithms::{KeyShare, PartyId, Scheme, SignInput, SignParams, Signed};

use crate::record::{Protocol, Quorum};
use crate::{SESSION, rng};

/// The quorums every threshold benchmark runs: (2, 3), (3, 5) and (4, 6), without and with the
/// user's device.
pub const QUORUMS: [Quorum; 6] = [
    Quorum::new(2, 3, false),
    Quorum::new(3, 5, false),
    Quorum::new(4, 6, false),
    Quorum::new(2, 3, true),
    Quorum::new(3, 5, true),
    Quorum::new(4, 6, true),
];

impl Quorum {
    /// `t` of `n` providers, with the user's device if `user`.
    pub const fn new(t: u16, n: u16, user: bool) -> Self {
        Self { t, n, user }
    }

    /// The key holders: providers `0..n`, then the device as party `n`.
    pub fn parties(&self) -> Vec<PartyId> {
        (0..self.n + u16::from(self.user)).map(PartyId).collect()
    }

    /// The device's party id, if there is one.
    pub fn device(&self) -> Option<PartyId> {
        self.user.then_some(PartyId(self.n))
    }

    /// Signers per session, the device included.
    pub fn signers(&self) -> u16 {
        self.t + u16::from(self.user)
    }

    /// The positions (in [`Self::parties`] order) of the `i`-th signer set in a fixed cycle
    /// through every t-subset of the providers, plus the device.
    pub fn signer_set(&self, i: usize) -> Vec<usize> {
        let mut set = signer_set(self.t, self.n, i);
        if self.user {
            set.push(usize::from(self.n));
        }
        set
    }
}

/// Generates a key for `quorum` through the simulator; the shares come in
/// [`Quorum::parties`] order.
///
/// # Errors
///
/// Returns the simulator's [`SessionError`] if the scheme refuses the quorum or a party
/// aborts.
pub fn keygen(scheme: &dyn Scheme, quorum: Quorum) -> Result<Vec<KeyShare>, SessionError> {
    sim::keygen_with_required(
        scheme,
        &quorum.parties(),
        quorum.signers(),
        quorum.device(),
        SESSION,
        &mut rng(),
    )
}

/// One finished threshold signing session, as the benchmarks count it.
#[derive(Clone, Debug)]
pub struct Session {
    /// The signature and its attempts.
    pub signed: Signed,
    /// Bytes each signer sent, on average over the signers.
    pub sent_mean: f64,
    /// Bytes the busiest signer sent.
    pub sent_max: usize,
    /// Communication rounds on the critical path (the simulator's waves).
    pub waves: usize,
}

/// One threshold signature by the holders of the shares at positions `signers`, every party
/// running concurrently in the simulator.
///
/// # Errors
///
/// Returns what went wrong, in words: a party that refused to start or aborted, or a session
/// that ended without a signature.
pub fn sign(
    scheme: &dyn Scheme,
    shares: &mut [KeyShare],
    signers: &[usize],
    input: &SignInput,
) -> Result<Session, String> {
    let params = SignParams {
        session: SESSION,
        signers: signers
            .iter()
            .filter_map(|&i| shares.get(i).map(KeyShare::party))
            .collect(),
        input: input.clone(),
    };
    let mut machines = Vec::with_capacity(signers.len());
    for (i, share) in shares.iter_mut().enumerate() {
        if signers.contains(&i) {
            let party = share.party();
            let machine = scheme
                .sign(share, &params)
                .map_err(|e| format!("{party} refused to sign: {e}"))?;
            machines.push(machine);
        }
    }
    let report = Simulation::new(machines).concurrent().run(&mut rng());
    if let Some((party, error)) = report.errors.iter().next() {
        return Err(format!("{party} aborted: {error}"));
    }
    let bytes: Vec<usize> = report.traffic.values().map(|t| t.bytes).collect();
    let sent_max = bytes.iter().copied().max().unwrap_or(0);
    let sent_mean = mean(bytes.iter().map(|&b| b as f64).sum(), bytes.len() as f64);
    let waves = report.waves;
    let signed = report
        .outputs
        .into_values()
        .next()
        .ok_or_else(|| "the session ended without a signature".to_owned())?;
    Ok(Session {
        signed,
        sent_mean,
        sent_max,
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

/// Sums over the signatures a sign benchmark measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct SignStats {
    signatures: u64,
    attempts: u64,
    waves: u64,
    sent_mean: f64,
    sent_max: u64,
}

impl SignStats {
    /// Counts one session.
    pub fn add(&mut self, session: &Session) {
        self.signatures += 1;
        self.attempts += u64::from(session.signed.attempts);
        self.waves += session.waves as u64;
        self.sent_mean += session.sent_mean;
        self.sent_max += session.sent_max as u64;
    }

    /// The means per signature.
    pub fn protocol(&self) -> Protocol {
        let n = self.signatures as f64;
        Protocol {
            signatures: self.signatures,
            attempts: mean(self.attempts as f64, n),
            rounds: Some(mean(self.waves as f64, n)),
            sent_mean: Some(mean(self.sent_mean, n)),
            sent_max: Some(mean(self.sent_max as f64, n)),
        }
    }
}

fn mean(sum: f64, count: f64) -> f64 {
    if count > 0.0 { sum / count } else { 0.0 }
}

//! An in-process network that runs every party of a session to completion.
//!
//! Tests and benchmarks of every scheme drive their parties through [`Simulation`]. It
//! delivers messages in order of sending, expands broadcasts into one copy per recipient,
//! counts traffic per sender, and can misbehave on purpose: a party may be absent from the
//! start, fall silent after some messages, and any message may be dropped, duplicated or
//! rewritten by an interceptor.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chacha20::ChaCha20Rng;
use rand_core::{CryptoRng, SeedableRng};
use rayon::prelude::*;

use crate::{
    KeyShare, KeygenParams, Outgoing, Party, PartyId, Progress, ProtocolError, Recipient, Scheme,
    SchemeError, SessionId, SignInput, SignParams, Signed,
};

/// A message in flight between two parties.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The sender.
    pub from: PartyId,
    /// The recipient.
    pub to: PartyId,
    /// The encoded message; an interceptor may rewrite it.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key generation messages carry secret material: their length only.
        f.debug_struct("Envelope")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// What an interceptor does with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Deliver it (possibly rewritten).
    Deliver,
    /// Lose it.
    Drop,
    /// Deliver it twice, as a replaying network would.
    Duplicate,
}

/// Messages sent by one party.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Point-to-point copies sent (a broadcast counts once per recipient).
    pub messages: usize,
    /// Bytes in those copies.
    pub bytes: usize,
}

/// The result of a simulated session.
#[derive(Debug)]
pub struct Report<O> {
    /// The output of every party that finished.
    pub outputs: BTreeMap<PartyId, O>,
    /// The error of every party that aborted.
    pub errors: BTreeMap<PartyId, ProtocolError>,
    /// Parties that took part but neither finished nor aborted (waiting for a silent party),
    /// and parties that were absent.
    pub unfinished: BTreeSet<PartyId>,
    /// Traffic sent by each party.
    pub traffic: BTreeMap<PartyId, Traffic>,
    /// Messages delivered in total.
    pub deliveries: usize,
    /// Waves of a concurrent run ([`Simulation::concurrent`]): everything in flight is
    /// delivered in one wave, so this counts communication rounds on the critical path (0 for
    /// a sequential run).
    pub waves: usize,
}

type Interceptor = Box<dyn FnMut(&mut Envelope) -> Delivery>;

/// A session of parties in one process.
pub struct Simulation<O> {
    parties: Vec<Box<dyn Party<Output = O>>>,
    absent: BTreeSet<PartyId>,
    silent_after: BTreeMap<PartyId, usize>,
    interceptor: Option<Interceptor>,
    max_deliveries: usize,
    concurrent: bool,
}

impl<O> Simulation<O> {
    /// A simulation of these parties, all honest and present.
    pub fn new(parties: Vec<Box<dyn Party<Output = O>>>) -> Self {
        Self {
            parties,
            absent: BTreeSet::new(),
            silent_after: BTreeMap::new(),
            interceptor: None,
            max_deliveries: DEFAULT_MAX_DELIVERIES,
            concurrent: false,
        }
    }

    /// Runs the parties concurrently on the thread pool, as separate machines would: messages
    /// are delivered in waves (everything in flight at once), each party handling its share of
    /// a wave in order on its own thread. Every channel stays first-in first-out; the
    /// interleaving between channels differs from the sequential default. Each party draws its
    /// randomness from its own generator, seeded from the one passed to [`Simulation::run`].
    #[must_use]
    pub fn concurrent(mut self) -> Self {
        self.concurrent = true;
        self
    }

    /// The party never starts and receives nothing, like a provider that is down.
    #[must_use]
    pub fn absent(mut self, party: PartyId) -> Self {
        self.absent.insert(party);
        self
    }

    /// The party sends its first `messages` point-to-point copies, then crashes: it sends and
    /// receives nothing more.
    #[must_use]
    pub fn silent_after(mut self, party: PartyId, messages: usize) -> Self {
        self.silent_after.insert(party, messages);
        self
    }

    /// Every message passes through `f` before delivery.
    #[must_use]
    pub fn intercept(mut self, f: impl FnMut(&mut Envelope) -> Delivery + 'static) -> Self {
        self.interceptor = Some(Box::new(f));
        self
    }

    /// Caps the number of deliveries, so a protocol that never ends still returns.
    #[must_use]
    pub fn max_deliveries(mut self, max: usize) -> Self {
        self.max_deliveries = max;
        self
    }

    /// The network and the empty report of a run, and the parties that take part (the absent
    /// ones are already recorded as unfinished).
    fn prepare(&mut self) -> (Network, Report<O>, Vec<Box<dyn Party<Output = O>>>) {
        let net = Network {
            ids: self.parties.iter().map(|p| p.id()).collect(),
            queue: VecDeque::new(),
            traffic: BTreeMap::new(),
            budget: self.silent_after.clone(),
            crashed: BTreeSet::new(),
        };
        let mut report = Report {
            outputs: BTreeMap::new(),
            errors: BTreeMap::new(),
            unfinished: BTreeSet::new(),
            traffic: BTreeMap::new(),
            deliveries: 0,
            waves: 0,
        };
        let (absent, present) = std::mem::take(&mut self.parties)
            .into_iter()
            .partition::<Vec<_>, _>(|p| self.absent.contains(&p.id()));
        report.unfinished.extend(absent.iter().map(|p| p.id()));
        (net, report, present)
    }

    /// Runs until no message is left in flight (or the delivery cap is reached).
    pub fn run(mut self, rng: &mut dyn CryptoRng) -> Report<O>
    where
        O: Send,
    {
        if self.concurrent {
            return self.run_concurrently(rng);
        }
        let (mut net, mut report, present) = self.prepare();
        let mut active: BTreeMap<PartyId, Box<dyn Party<Output = O>>> =
            present.into_iter().map(|p| (p.id(), p)).collect();
        let starting: Vec<PartyId> = active.keys().copied().collect();
        for id in starting {
            if let Some(party) = active.get_mut(&id) {
                let step = party.start(rng);
                settle(id, step, &mut active, &mut net, &mut report);
            }
        }
        while let Some(mut envelope) = net.queue.pop_front() {
            if report.deliveries >= self.max_deliveries {
                break;
            }
            let copies = match self.interceptor.as_mut().map(|f| f(&mut envelope)) {
                None | Some(Delivery::Deliver) => 1,
                Some(Delivery::Drop) => 0,
                Some(Delivery::Duplicate) => 2,
            };
            for _ in 0..copies {
                if net.crashed.contains(&envelope.to) {
                    break;
                }
                let Some(party) = active.get_mut(&envelope.to) else {
                    break;
                };
                report.deliveries += 1;
                let step = party.receive(envelope.from, &envelope.bytes, rng);
                settle(envelope.to, step, &mut active, &mut net, &mut report);
            }
        }
        report.unfinished.extend(active.into_keys());
        report.traffic = net.traffic;
        report
    }
}

impl<O: Send> Simulation<O> {
    fn run_concurrently(mut self, rng: &mut dyn CryptoRng) -> Report<O> {
        let (mut net, mut report, present) = self.prepare();
        let mut active: BTreeMap<PartyId, Running<O>> = BTreeMap::new();
        for party in present {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            let rng = ChaCha20Rng::from_seed(seed);
            active.insert(party.id(), Running { party, rng });
        }
        let max = self.max_deliveries;
        match self.interceptor.take() {
            // Without an interceptor (which may hold non-thread-safe state) the whole run
            // moves onto the thread pool, so each wave is shared out without a hand-over from
            // an outside thread.
            None => rayon::scope(|_| run_waves(&mut active, &mut net, &mut report, None, max)),
            Some(mut interceptor) => run_waves(
                &mut active,
                &mut net,
                &mut report,
                Some(&mut interceptor),
                max,
            ),
        }
        report.unfinished.extend(active.into_keys());
        report.traffic = net.traffic;
        report
    }
}

/// The deliveries of a concurrent simulation, wave by wave, from the parties' start.
fn run_waves<O: Send>(
    active: &mut BTreeMap<PartyId, Running<O>>,
    net: &mut Network,
    report: &mut Report<O>,
    mut interceptor: Option<&mut Interceptor>,
    max_deliveries: usize,
) {
    // Every party starts at once.
    let started: Vec<_> = std::mem::take(active)
        .into_par_iter()
        .map(|(id, mut running)| {
            let step = running.party.start(&mut running.rng);
            (id, running, vec![step])
        })
        .collect();
    settle_wave(started, active, net, report);
    while !net.queue.is_empty() && report.deliveries < max_deliveries {
        report.waves += 1;
        // Everything in flight forms one wave, split by recipient in order of sending.
        let mut batches: BTreeMap<PartyId, Vec<Envelope>> = BTreeMap::new();
        while let Some(mut envelope) = net.queue.pop_front() {
            let copies = match interceptor.as_mut().map(|f| f(&mut envelope)) {
                None | Some(Delivery::Deliver) => 1,
                Some(Delivery::Drop) => 0,
                Some(Delivery::Duplicate) => 2,
            };
            if net.crashed.contains(&envelope.to) || !active.contains_key(&envelope.to) {
                continue;
            }
            for _ in 0..copies {
                if report.deliveries >= max_deliveries {
                    break;
                }
                report.deliveries += 1;
                batches
                    .entry(envelope.to)
                    .or_default()
                    .push(envelope.clone());
            }
        }
        let work: Vec<_> = batches
            .into_iter()
            .filter_map(|(id, batch)| active.remove(&id).map(|r| (id, r, batch)))
            .collect();
        let done: Vec<_> = work
            .into_par_iter()
            .map(|(id, mut running, batch)| {
                let mut steps = Vec::with_capacity(batch.len());
                for envelope in batch {
                    let step =
                        running
                            .party
                            .receive(envelope.from, &envelope.bytes, &mut running.rng);
                    let last = !matches!(step, Ok(Progress::Continue(_)));
                    steps.push(step);
                    if last {
                        break;
                    }
                }
                (id, running, steps)
            })
            .collect();
        settle_wave(done, active, net, report);
    }
}

/// A party of a concurrent simulation with its own generator.
struct Running<O> {
    party: Box<dyn Party<Output = O>>,
    rng: ChaCha20Rng,
}

type Steps<O> = Vec<Result<Progress<O>, ProtocolError>>;

/// Applies the steps of one wave in party order; parties still running go back to `active`.
fn settle_wave<O>(
    wave: Vec<(PartyId, Running<O>, Steps<O>)>,
    active: &mut BTreeMap<PartyId, Running<O>>,
    net: &mut Network,
    report: &mut Report<O>,
) {
    for (id, running, steps) in wave {
        let mut finished = false;
        for step in steps {
            match step {
                Ok(Progress::Continue(outgoing)) => net.send(id, outgoing),
                Ok(Progress::Done { outgoing, output }) => {
                    net.send(id, outgoing);
                    report.outputs.insert(id, output);
                    finished = true;
                }
                Err(error) => {
                    report.errors.insert(id, error);
                    finished = true;
                }
            }
        }
        if !finished {
            active.insert(id, running);
        }
    }
}

/// Default delivery cap: far above what any scheme here needs.
const DEFAULT_MAX_DELIVERIES: usize = 1_000_000;

struct Network {
    ids: Vec<PartyId>,
    queue: VecDeque<Envelope>,
    traffic: BTreeMap<PartyId, Traffic>,
    budget: BTreeMap<PartyId, usize>,
    crashed: BTreeSet<PartyId>,
}

impl Network {
    fn send(&mut self, from: PartyId, outgoing: Vec<Outgoing>) {
        for message in outgoing {
            let recipients: Vec<PartyId> = match message.to {
                Recipient::All => self.ids.iter().copied().filter(|&id| id != from).collect(),
                Recipient::One(to) => vec![to],
            };
            for to in recipients {
                if let Some(left) = self.budget.get_mut(&from) {
                    if *left == 0 {
                        self.crashed.insert(from);
                        return;
                    }
                    *left -= 1;
                }
                let traffic = self.traffic.entry(from).or_default();
                traffic.messages += 1;
                traffic.bytes += message.bytes.len();
                self.queue.push_back(Envelope {
                    from,
                    to,
                    bytes: message.bytes.clone(),
                });
            }
        }
        if self.budget.get(&from) == Some(&0) {
            self.crashed.insert(from);
        }
    }
}

/// Applies one step's result: queue its messages, record an output or an error.
fn settle<O>(
    id: PartyId,
    step: Result<Progress<O>, ProtocolError>,
    active: &mut BTreeMap<PartyId, Box<dyn Party<Output = O>>>,
    net: &mut Network,
    report: &mut Report<O>,
) {
    match step {
        Ok(Progress::Continue(outgoing)) => net.send(id, outgoing),
        Ok(Progress::Done { outgoing, output }) => {
            net.send(id, outgoing);
            active.remove(&id);
            report.outputs.insert(id, output);
        }
        Err(error) => {
            active.remove(&id);
            report.errors.insert(id, error);
        }
    }
}

/// Records in each aborted party's share what its abort requires (a ban; see
/// [`KeyShare::record_abort`]), as a real party does before it persists its share.
pub fn record_aborts<O>(shares: &mut [&mut KeyShare], report: &Report<O>) {
    for share in shares.iter_mut() {
        if let Some(error) = report.errors.get(&share.party()) {
            share.record_abort(error);
        }
    }
}

/// A simulated session that did not produce its result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A party's state machine could not be created.
    #[error("session setup failed: {0}")]
    Setup(#[from] SchemeError),
    /// A party aborted.
    #[error("{party} aborted: {error}")]
    Aborted {
        /// The party that aborted.
        party: PartyId,
        /// Why.
        error: ProtocolError,
    },
    /// Some parties neither finished nor aborted.
    #[error("{} party(ies) did not finish: {parties:?}", parties.len())]
    Unfinished {
        /// Which ones.
        parties: Vec<PartyId>,
    },
    /// Parties finished with different public keys or signatures.
    #[error("parties disagree on the {0}")]
    Disagreement(&'static str),
}

/// Runs a whole key generation in one process with every party honest and present, running
/// concurrently (see [`Simulation::concurrent`]), and returns each party's share.
///
/// # Errors
///
/// Returns a [`SessionError`] when setup fails, a party aborts or does not finish, or the
/// parties end with different public keys.
pub fn keygen(
    scheme: &dyn Scheme,
    parties: &[PartyId],
    threshold: u16,
    session: SessionId,
    rng: &mut dyn CryptoRng,
) -> Result<Vec<KeyShare>, SessionError> {
    keygen_with_required(scheme, parties, threshold, None, session, rng)
}

/// [`keygen`] of a key that cannot sign without `required` ([`KeygenParams::required`]).
///
/// # Errors
///
/// As [`keygen`].
pub fn keygen_with_required(
    scheme: &dyn Scheme,
    parties: &[PartyId],
    threshold: u16,
    required: Option<PartyId>,
    session: SessionId,
    rng: &mut dyn CryptoRng,
) -> Result<Vec<KeyShare>, SessionError> {
    let mut machines = Vec::with_capacity(parties.len());
    for &me in parties {
        let params = KeygenParams {
            session,
            me,
            parties: parties.to_vec(),
            threshold,
            required,
        };
        machines.push(scheme.keygen(&params)?);
    }
    let shares: Vec<KeyShare> = Simulation::new(machines)
        .concurrent()
        .run(rng)
        .into_result()?
        .into_values()
        .collect();
    let agree = shares
        .windows(2)
        .all(|w| matches!(w, [a, b] if a.public_key() == b.public_key()));
    if !agree {
        return Err(SessionError::Disagreement("public key"));
    }
    Ok(shares)
}

/// Runs a whole signing session in one process with the holders of `shares` as signers, running
/// concurrently (see [`Simulation::concurrent`]), and returns the signature they agree on.
/// Shares with a signing budget are debited, and a party that must ban another records the
/// ban in its share.
///
/// # Errors
///
/// Returns a [`SessionError`] when setup fails, a party aborts or does not finish, or the
/// parties end with different signatures.
pub fn sign(
    scheme: &dyn Scheme,
    shares: &mut [&mut KeyShare],
    input: &SignInput,
    session: SessionId,
    rng: &mut dyn CryptoRng,
) -> Result<Signed, SessionError> {
    let signers: Vec<PartyId> = shares.iter().map(|s| s.party()).collect();
    let params = SignParams {
        session,
        signers,
        input: input.clone(),
    };
    let mut machines = Vec::with_capacity(shares.len());
    for share in shares.iter_mut() {
        machines.push(scheme.sign(share, &params)?);
    }
    let report = Simulation::new(machines).concurrent().run(rng);
    record_aborts(shares, &report);
    let mut results = report.into_result()?.into_values();
    let first = results.next().ok_or(SessionError::Unfinished {
        parties: Vec::new(),
    })?;
    if results.any(|s| s != first) {
        return Err(SessionError::Disagreement("signature"));
    }
    Ok(first)
}

impl<O> Report<O> {
    /// Every party's output, or the first abort, or the list of parties that did not finish.
    ///
    /// # Errors
    ///
    /// Returns [`SessionError::Aborted`] for the lowest-numbered party that aborted, else
    /// [`SessionError::Unfinished`] when any party did not finish.
    pub fn into_result(self) -> Result<BTreeMap<PartyId, O>, SessionError> {
        if let Some((party, error)) = self.errors.into_iter().next() {
            return Err(SessionError::Aborted { party, error });
        }
        if !self.unfinished.is_empty() {
            return Err(SessionError::Unfinished {
                parties: self.unfinished.into_iter().collect(),
            });
        }
        Ok(self.outputs)
    }
}

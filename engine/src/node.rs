//! A party of the engine: one provider's signer, or the user's device.
//!
//! A node owns its [`Store`] and its transport [`Endpoint`]. It answers key generation and
//! signing requests from a coordinator after the checks of [`crate::admission`], runs the
//! scheme's state machine with its peers, and reports the [`Outcome`] to the coordinator. A
//! round that does not progress within the round timeout ends the session with a report
//! naming the peers that fell silent.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use qoesign_algorithms::{
    KeyShare, KeygenParams, Outgoing, Party, PartyId, Progress, ProtocolError, Recipient, Scheme,
    SessionId, SignParams, Signed,
};
use qoesign_policy::{Policy, PolicyDigest};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::Registry;
use crate::admission::{self, Refusal};
use crate::envelope::{Envelope, KeygenRequest, Outcome, RetireRequest, SignRequest, WireInput};
use crate::rollover::Statement;
use crate::store::{Credential, CredentialId, CredentialState, Holder, Store};
use crate::transport::{Delivery, Endpoint};

/// The clock a node judges policy dates by.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The system clock in UTC.
pub fn system_clock() -> Clock {
    Arc::new(OffsetDateTime::now_utc)
}

/// What the user's device is asked to approve, as it shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Approval {
    /// A new key for the user.
    Keygen {
        /// The credential to be created.
        credential: CredentialId,
        /// The owner named in the request.
        owner: String,
        /// The algorithm.
        algorithm: String,
    },
    /// A signature.
    Sign {
        /// The credential.
        credential: CredentialId,
        /// The algorithm.
        algorithm: String,
        /// What is signed, as `sha256:<hex>` of the document, or the caller's digest or μ in
        /// hex when only that was sent.
        digest: String,
    },
}

/// The user's decision on the device: `true` to go ahead.
pub type Approver = Box<dyn FnMut(&Approval) -> bool + Send>;

/// Which kind of party a node is.
pub enum Role {
    /// A provider: never the required holder of a key.
    Provider,
    /// The user's device: the required holder of its owner's keys; asks the user first.
    UserDevice(Approver),
}

/// How a node behaves.
pub struct NodeConfig {
    /// Provider or user device.
    pub role: Role,
    /// How long a key generation round may go without progress.
    pub keygen_round_timeout: Duration,
    /// How long a signing round may go without progress.
    pub sign_round_timeout: Duration,
    /// The clock policy dates are judged by.
    pub clock: Clock,
}

impl NodeConfig {
    /// A provider with the default timeouts (120 s per key generation round, 10 s per signing
    /// round) and the system clock.
    pub fn provider() -> Self {
        Self {
            role: Role::Provider,
            keygen_round_timeout: Duration::from_secs(120),
            sign_round_timeout: Duration::from_secs(10),
            clock: system_clock(),
        }
    }

    /// The user's device with `approver` and the provider defaults otherwise.
    pub fn user_device(approver: Approver) -> Self {
        Self {
            role: Role::UserDevice(approver),
            ..Self::provider()
        }
    }
}

/// A running party.
pub struct Node {
    store: Store,
    endpoint: Box<dyn Endpoint>,
    registry: Arc<Registry>,
    config: NodeConfig,
    rng: UnwrapErr<SysRng>,
    sessions: HashMap<SessionId, Active>,
    /// Messages of sessions whose request has not arrived yet, with when the first came.
    early: HashMap<SessionId, (Instant, Vec<Delivery>)>,
    finished: VecDeque<SessionId>,
}

/// Protocol messages kept for sessions whose request has not arrived yet, per session.
const EARLY_LIMIT: usize = 1024;
/// Sessions whose request has not arrived yet for which messages are kept at all; a peer
/// flooding made-up sessions cannot make the node hold more.
const EARLY_SESSIONS: usize = 64;
/// Sessions whose late messages are ignored quietly.
const FINISHED_MEMORY: usize = 256;
/// How often the loop looks at its timers when nothing arrives.
const TICK: Duration = Duration::from_millis(20);

enum Machine {
    Keygen {
        party: Box<dyn Party<Output = KeyShare>>,
        credential: Box<Credential>,
    },
    Sign {
        party: Box<dyn Party<Output = Signed>>,
        credential: CredentialId,
    },
}

struct Active {
    coordinator: String,
    machine: Machine,
    /// Peers by name and index, this node excluded.
    peers: BTreeMap<PartyId, String>,
    received: BTreeMap<String, usize>,
    last_progress: Instant,
    round_timeout: Duration,
}

/// A node running on its own thread; dropping the handle stops it.
pub struct NodeHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for NodeHandle {
    /// Stops the node and waits for its thread.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // A node thread that panicked has nothing left to clean up.
            let _ = thread.join();
        }
    }
}

impl Node {
    /// A node serving `store` over `endpoint`.
    pub fn new(
        store: Store,
        endpoint: Box<dyn Endpoint>,
        registry: Arc<Registry>,
        config: NodeConfig,
    ) -> Self {
        Self {
            store,
            endpoint,
            registry,
            config,
            rng: UnwrapErr(SysRng),
            sessions: HashMap::new(),
            early: HashMap::new(),
            finished: VecDeque::new(),
        }
    }

    /// Runs the node on a thread of its own until the handle is dropped.
    pub fn spawn(self) -> NodeHandle {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || self.run(&flag));
        NodeHandle {
            stop,
            thread: Some(thread),
        }
    }

    /// Serves requests until `stop` is set or the endpoint closes.
    fn run(mut self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            match self.endpoint.recv(TICK) {
                Ok(Some(delivery)) => self.handle(delivery),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(node = self.endpoint.name(), %error, "endpoint closed");
                    return;
                }
            }
            self.expire();
        }
    }

    fn name(&self) -> &str {
        self.endpoint.name()
    }

    fn handle(&mut self, delivery: Delivery) {
        let envelope = match Envelope::decode(&delivery.bytes) {
            Ok(envelope) => envelope,
            Err(error) => {
                tracing::warn!(node = self.name(), from = %delivery.from, %error,
                    "ignored an unreadable envelope");
                return;
            }
        };
        match envelope {
            Envelope::Keygen(request) => {
                let session = request.session;
                let from = delivery.from;
                if let Err(refusal) = self.open_keygen(&from, request) {
                    self.report_to(&from, session, refused(&refusal));
                }
            }
            Envelope::Sign(request) => {
                let session = request.session;
                let from = delivery.from;
                if let Err(refusal) = self.open_sign(&from, request) {
                    self.report_to(&from, session, refused(&refusal));
                }
            }
            Envelope::Protocol { session, bytes } => self.protocol(session, delivery.from, bytes),
            Envelope::Cancel { session } => {
                if self
                    .sessions
                    .get(&session)
                    .is_some_and(|s| s.coordinator == delivery.from)
                {
                    self.sessions.remove(&session);
                    self.remember_finished(session);
                }
            }
            Envelope::Confirm {
                session,
                credential,
            } => {
                let outcome = match self.confirm(CredentialId::from_bytes(credential)) {
                    Ok(()) => Outcome::Recorded,
                    Err(refusal) => refused(&refusal),
                };
                self.report_to(&delivery.from, session, outcome);
            }
            Envelope::Discard {
                session,
                credential,
            } => {
                let outcome = match self.discard(CredentialId::from_bytes(credential)) {
                    Ok(()) => Outcome::Recorded,
                    Err(refusal) => refused(&refusal),
                };
                self.report_to(&delivery.from, session, outcome);
            }
            Envelope::Retire(request) => {
                let session = request.session;
                let outcome = match self.retire(&request) {
                    Ok(()) => Outcome::Recorded,
                    Err(refusal) => refused(&refusal),
                };
                self.report_to(&delivery.from, session, outcome);
            }
            Envelope::Outcome { .. } => {
                tracing::warn!(node = self.name(), from = %delivery.from,
                    "ignored an outcome sent to a party");
            }
        }
    }

    fn accepted_policies(&self) -> Result<Vec<Policy>, Refusal> {
        let accepted = self
            .store
            .accepted_policies()
            .map_err(|e| store_refusal(&e))?;
        let known = self.registry.known_ids();
        accepted
            .iter()
            .map(|a| {
                Policy::parse(&a.source, "accepted policy", &known).map_err(|e| {
                    Refusal::Store(format!(
                        "the accepted policy version {} no longer parses: {e}",
                        a.version
                    ))
                })
            })
            .collect()
    }

    fn open_keygen(&mut self, from: &str, request: KeygenRequest) -> Result<(), Refusal> {
        let session = request.session;
        let id = CredentialId::from_bytes(request.credential);
        self.check_new_session(session)?;
        let accepted = self.accepted_policies()?;
        let digest = PolicyDigest::from_bytes(request.policy_digest);
        let policy = admission::policy_in_force(&accepted, &digest)?;
        let now = (self.config.clock)();
        admission::algorithm_allowed(policy, &request.algorithm, now.date(), true)?;
        admission::keygen_committee(
            policy,
            &request.holders,
            request.threshold,
            request.required,
            self.registry.held_whole(&request.algorithm),
        )?;
        let replaces = request.replaces.map(CredentialId::from_bytes);
        if let Some(old) = replaces {
            self.check_replaceable(&old, &request.owner)?;
        }
        let me = self.me_in(&request.holders)?;
        self.check_role(me, request.required, &id.to_string())?;
        let scheme = self.scheme(&request.algorithm, &request.scheme)?;
        if self.store.credential(&id).is_ok() {
            return Err(Refusal::Mismatch {
                id: id.to_string(),
                what: "a credential with this identifier exists already".to_owned(),
            });
        }
        if let Role::UserDevice(approve) = &mut self.config.role {
            let asked = Approval::Keygen {
                credential: id,
                owner: request.owner.clone(),
                algorithm: request.algorithm.clone(),
            };
            if !approve(&asked) {
                return Err(Refusal::Declined);
            }
        }
        let params = KeygenParams {
            session,
            me,
            parties: request.holders.iter().map(|h| h.party).collect(),
            threshold: request.threshold,
            required: request.required,
        };
        let party = scheme
            .keygen(&params)
            .map_err(|e| Refusal::Scheme(e.to_string()))?;
        self.store
            .claim_session(&session, now)
            .map_err(|e| store_refusal(&e))?;
        let credential = Credential {
            id,
            owner: request.owner,
            algorithm: request.algorithm,
            scheme: request.scheme,
            public_key: Vec::new(),
            policy_version: policy.version(),
            policy_digest: digest,
            holders: request.holders.clone(),
            threshold: request.threshold,
            required: request.required,
            state: CredentialState::Active,
            replaces,
            replaced_by: None,
            created: request.created,
            last_used: None,
            signature_count: 0,
        };
        let machine = Machine::Keygen {
            party,
            credential: Box::new(credential),
        };
        let timeout = self.config.keygen_round_timeout;
        self.begin(from, session, me, &request.holders, machine, timeout);
        Ok(())
    }

    fn open_sign(&mut self, from: &str, request: SignRequest) -> Result<(), Refusal> {
        let session = request.session;
        self.check_new_session(session)?;
        let accepted = self.accepted_policies()?;
        let digest = PolicyDigest::from_bytes(request.policy_digest);
        let policy = admission::policy_in_force(&accepted, &digest)?;
        let credential = self
            .store
            .credential(&CredentialId::from_bytes(request.credential))
            .map_err(|e| store_refusal(&e))?;
        if credential.algorithm != request.algorithm {
            return Err(Refusal::Mismatch {
                id: credential.id.to_string(),
                what: format!(
                    "the request says {}, the key is {}",
                    request.algorithm, credential.algorithm
                ),
            });
        }
        let now = (self.config.clock)();
        admission::algorithm_allowed(policy, &credential.algorithm, now.date(), false)?;
        admission::signing_committee(policy, &credential, &request.signers)?;
        let me = self.me_in(&request.signers)?;
        self.check_role(me, credential.required, &credential.id.to_string())?;
        let scheme = self.scheme(&credential.algorithm, &credential.scheme)?;
        let input = request.input.to_input().map_err(|e| Refusal::Mismatch {
            id: credential.id.to_string(),
            what: e.to_string(),
        })?;
        if let Role::UserDevice(approve) = &mut self.config.role {
            let asked = Approval::Sign {
                credential: credential.id,
                algorithm: credential.algorithm.clone(),
                digest: shown_digest(&request.input),
            };
            if !approve(&asked) {
                return Err(Refusal::Declined);
            }
        }
        let params = SignParams {
            session,
            signers: request.signers.iter().map(|h| h.party).collect(),
            input,
        };
        // The scheme reserves its signing budget in the share; the store commits it, the
        // signature count and the session's claim in one transaction before any message of
        // the session leaves.
        let party = self
            .store
            .use_share_for_session(&credential.id, &session, now, |share| {
                scheme.sign(share, &params)
            })
            .map_err(|e| store_refusal(&e))?
            .map_err(|e| Refusal::Scheme(e.to_string()))?;
        let machine = Machine::Sign {
            party,
            credential: credential.id,
        };
        let timeout = self.config.sign_round_timeout;
        self.begin(from, session, me, &request.signers, machine, timeout);
        Ok(())
    }

    /// The credential `id` as this party stores it, if it holds it.
    fn stored(&self, id: &CredentialId) -> Result<Option<Credential>, Refusal> {
        match self.store.credential(id) {
            Ok(credential) => Ok(Some(credential)),
            Err(crate::store::StoreError::NotFound { .. }) => Ok(None),
            Err(error) => Err(store_refusal(&error)),
        }
    }

    /// A key generation may re-issue `old` if this party does not hold it (it cannot judge)
    /// or holds it active, for the same owner, and not yet replaced.
    fn check_replaceable(&self, old: &CredentialId, owner: &str) -> Result<(), Refusal> {
        let Some(credential) = self.stored(old)? else {
            return Ok(());
        };
        let what = if credential.owner != owner {
            format!("it belongs to {}, not to {owner}", credential.owner)
        } else if credential.state != CredentialState::Active {
            format!("it is {} already", credential.state)
        } else if let Some(by) = credential.replaced_by {
            format!("it is replaced by {by} already")
        } else {
            return Ok(());
        };
        Err(Refusal::Mismatch {
            id: old.to_string(),
            what: format!("it cannot be re-issued: {what}"),
        })
    }

    /// Records that the key generation of `id` finished at every holder.
    fn confirm(&mut self, id: CredentialId) -> Result<(), Refusal> {
        if self.stored(&id)?.is_none() {
            return Err(Refusal::Mismatch {
                id: id.to_string(),
                what: "this party holds no such credential".to_owned(),
            });
        }
        self.store
            .put_journal(&confirmed_key(&id), &true)
            .map_err(|e| store_refusal(&e))
    }

    /// Drops the key of a key generation that did not finish everywhere: only a key that was
    /// never confirmed ([`Envelope::Confirm`]), never signed here, and that no credential here
    /// was retired in favour of. (A holder that was not among the signers cannot tell from its
    /// own count that the key signed; the confirmation is what protects a key in use.)
    fn discard(&mut self, id: CredentialId) -> Result<(), Refusal> {
        let Some(credential) = self.stored(&id)? else {
            return Ok(());
        };
        let mismatch = |what: String| Refusal::Mismatch {
            id: id.to_string(),
            what,
        };
        if credential.state == CredentialState::Destroyed {
            return Ok(());
        }
        let confirmed: Option<bool> = self
            .store
            .journal(&confirmed_key(&id))
            .map_err(|e| store_refusal(&e))?;
        if confirmed.is_some() {
            return Err(mismatch(
                "its key generation was confirmed; it is kept".to_owned(),
            ));
        }
        if credential.signature_count > 0 {
            return Err(mismatch(format!(
                "it signed {} time(s) and is kept",
                credential.signature_count
            )));
        }
        if let Some(old) = credential.replaces
            && let Ok(old) = self.store.credential(&old)
            && old.replaced_by == Some(id)
        {
            return Err(mismatch(format!(
                "credential {} was retired for it",
                old.id
            )));
        }
        self.store
            .set_state(&id, CredentialState::Destroyed)
            .map_err(|e| store_refusal(&e))?;
        tracing::info!(node = self.name(), credential = %id, "discarded an unfinished key");
        Ok(())
    }

    /// Makes the old credential of a rollover verify-only and links it to its successor,
    /// once the successor's signature of the statement verifies.
    fn retire(&mut self, request: &RetireRequest) -> Result<(), Refusal> {
        let accepted = self.accepted_policies()?;
        let digest = PolicyDigest::from_bytes(request.policy_digest);
        admission::policy_in_force(&accepted, &digest)?;
        let old_id = CredentialId::from_bytes(request.old);
        let new_id = CredentialId::from_bytes(request.new);
        let mismatch = |what: String| Refusal::Mismatch {
            id: old_id.to_string(),
            what,
        };
        let statement =
            Statement::parse(&request.statement).map_err(|e| mismatch(e.to_string()))?;
        if statement.old != old_id || statement.new != new_id {
            return Err(mismatch(
                "the statement is about other credentials".to_owned(),
            ));
        }
        let old = self.stored(&old_id)?;
        let new = self.stored(&new_id)?;
        if let Some(new) = &new
            && (new.replaces != Some(old_id)
                || new.public_key != statement.new_public_key
                || new.algorithm != statement.new_algorithm)
        {
            return Err(mismatch(format!(
                "the statement does not match credential {new_id} as stored here"
            )));
        }
        if let Some(old) = &old
            && (old.public_key != statement.old_public_key || old.owner != statement.owner)
        {
            return Err(mismatch(
                "the statement does not match it as stored here".to_owned(),
            ));
        }
        let verdict = self
            .registry
            .verify(
                &statement.new_algorithm,
                &statement.new_public_key,
                &statement.sign_input(),
                &request.new_signature,
            )
            .map_err(|e| Refusal::Scheme(e.to_string()))?;
        if let Err(error) = verdict {
            return Err(mismatch(format!(
                "the new key's signature of the statement does not verify: {error}"
            )));
        }
        let Some(old) = old else {
            return Ok(());
        };
        if old.state == CredentialState::Active {
            self.store
                .set_state(&old_id, CredentialState::Retired)
                .map_err(|e| store_refusal(&e))?;
        }
        if new.is_some() {
            self.store
                .set_replaced_by(&old_id, new_id)
                .map_err(|e| store_refusal(&e))?;
        }
        tracing::info!(node = self.name(), old = %old_id, new = %new_id, "credential retired");
        Ok(())
    }

    fn check_new_session(&self, session: SessionId) -> Result<(), Refusal> {
        if self.sessions.contains_key(&session) || self.finished.contains(&session) {
            return Err(Refusal::Replayed { session });
        }
        Ok(())
    }

    fn me_in(&self, holders: &[Holder]) -> Result<PartyId, Refusal> {
        holders
            .iter()
            .find(|h| h.name == self.name())
            .map(|h| h.party)
            .ok_or_else(|| Refusal::Quorum(format!("{} is not among the parties", self.name())))
    }

    fn check_role(&self, me: PartyId, required: Option<PartyId>, id: &str) -> Result<(), Refusal> {
        let is_required = required == Some(me);
        match (&self.config.role, is_required) {
            (Role::Provider, true) => Err(Refusal::Mismatch {
                id: id.to_owned(),
                what: "a provider cannot be the user's required device".to_owned(),
            }),
            (Role::UserDevice(_), false) => Err(Refusal::Mismatch {
                id: id.to_owned(),
                what: "the user's device takes part only as the key's required holder".to_owned(),
            }),
            _ => Ok(()),
        }
    }

    fn scheme(&self, algorithm: &str, scheme: &str) -> Result<Arc<dyn Scheme>, Refusal> {
        let entry = self
            .registry
            .entry(algorithm)
            .map_err(|e| Refusal::Scheme(e.to_string()))?;
        entry
            .schemes
            .iter()
            .find(|s| s.info().id == scheme)
            .cloned()
            .ok_or_else(|| {
                Refusal::Scheme(format!(
                    "this build has no scheme `{scheme}` for {algorithm}"
                ))
            })
    }

    fn begin(
        &mut self,
        coordinator: &str,
        session: SessionId,
        me: PartyId,
        holders: &[Holder],
        machine: Machine,
        round_timeout: Duration,
    ) {
        let peers: BTreeMap<PartyId, String> = holders
            .iter()
            .filter(|h| h.party != me)
            .map(|h| (h.party, h.name.clone()))
            .collect();
        let received = peers.values().map(|n| (n.clone(), 0)).collect();
        let mut active = Active {
            coordinator: coordinator.to_owned(),
            machine,
            peers,
            received,
            last_progress: Instant::now(),
            round_timeout,
        };
        let step = match &mut active.machine {
            Machine::Keygen { party, .. } => party.start(&mut self.rng).map(Step::from_keygen),
            Machine::Sign { party, .. } => party.start(&mut self.rng).map(Step::from_sign),
        };
        self.sessions.insert(session, active);
        self.advance(session, step);
        let waiting = self
            .early
            .remove(&session)
            .map(|(_, w)| w)
            .unwrap_or_default();
        for delivery in waiting {
            if let Ok(Envelope::Protocol { bytes, .. }) = Envelope::decode(&delivery.bytes) {
                self.protocol(session, delivery.from, bytes);
            }
        }
    }

    fn protocol(&mut self, session: SessionId, from: String, bytes: Vec<u8>) {
        let Some(active) = self.sessions.get_mut(&session) else {
            let room = self.early.contains_key(&session) || self.early.len() < EARLY_SESSIONS;
            if !self.finished.contains(&session) && room {
                let (_, waiting) = self
                    .early
                    .entry(session)
                    .or_insert_with(|| (Instant::now(), Vec::new()));
                if waiting.len() < EARLY_LIMIT {
                    let bytes = Envelope::Protocol { session, bytes }
                        .encode()
                        .unwrap_or_default();
                    waiting.push(Delivery { from, bytes });
                }
            }
            return;
        };
        let Some(sender) = active
            .peers
            .iter()
            .find(|(_, name)| **name == from)
            .map(|(id, _)| *id)
        else {
            tracing::warn!(node = self.endpoint.name(), %from, %session,
                "ignored a protocol message from a party outside the session");
            return;
        };
        if let Some(count) = active.received.get_mut(&from) {
            *count += 1;
        }
        let step = match &mut active.machine {
            Machine::Keygen { party, .. } => party
                .receive(sender, &bytes, &mut self.rng)
                .map(Step::from_keygen),
            Machine::Sign { party, .. } => party
                .receive(sender, &bytes, &mut self.rng)
                .map(Step::from_sign),
        };
        active.last_progress = Instant::now();
        self.advance(session, step);
    }

    fn advance(&mut self, session: SessionId, step: Result<Step, ProtocolError>) {
        match step {
            Ok(Step::Continue(outgoing)) => self.send_all(session, outgoing),
            Ok(Step::KeyShare(outgoing, share)) => {
                self.send_all(session, outgoing);
                self.finish_keygen(session, *share);
            }
            Ok(Step::Signed(outgoing, signed)) => {
                self.send_all(session, outgoing);
                if let Some(active) = self.finish(session) {
                    let outcome = Outcome::Signed {
                        signature: signed.signature,
                        attempts: signed.attempts,
                    };
                    self.report_to(&active.coordinator, session, outcome);
                }
            }
            Err(error) => self.fail(session, &error),
        }
    }

    fn finish_keygen(&mut self, session: SessionId, share: KeyShare) {
        let Some(active) = self.finish(session) else {
            return;
        };
        let Machine::Keygen { mut credential, .. } = active.machine else {
            return;
        };
        credential.public_key = share.public_key().to_vec();
        let outcome = match self.store.insert_credential(&credential, &share) {
            Ok(()) => Outcome::KeyCreated {
                public_key: credential.public_key.clone(),
            },
            Err(error) => Outcome::Failed {
                culprit: None,
                silent: Vec::new(),
                reason: format!("the share could not be stored: {error}"),
            },
        };
        self.report_to(&active.coordinator, session, outcome);
    }

    fn fail(&mut self, session: SessionId, error: &ProtocolError) {
        let Some(active) = self.finish(session) else {
            return;
        };
        let name_of = |p: PartyId| active.peers.get(&p).cloned();
        let culprit = error.culprit().and_then(name_of);
        if let (Some(banned), Machine::Sign { credential, .. }) = (error.ban(), &active.machine) {
            self.record_ban(credential, banned);
        }
        tracing::warn!(node = self.endpoint.name(), %session, %error, "session failed");
        let outcome = Outcome::Failed {
            culprit,
            silent: Vec::new(),
            reason: error.to_string(),
        };
        self.report_to(&active.coordinator, session, outcome);
    }

    /// Keeps a ban the protocol demands in the stored share, so the culprit never signs with
    /// this key again.
    fn record_ban(&self, credential: &CredentialId, banned: PartyId) {
        let result = self.store.load_share(credential).and_then(|mut share| {
            share.ban(banned);
            self.store.update_share(credential, &share)
        });
        if let Err(error) = result {
            tracing::error!(node = self.endpoint.name(), %credential, %error,
                "could not record a ban");
        }
    }

    fn expire(&mut self) {
        let now = Instant::now();
        // Messages for a session whose request never came are dropped after a round timeout.
        let patience = self.config.sign_round_timeout;
        self.early
            .retain(|_, (first, _)| now.duration_since(*first) <= patience);
        let stalled: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(_, a)| now.duration_since(a.last_progress) > a.round_timeout)
            .map(|(s, _)| *s)
            .collect();
        for session in stalled {
            let Some(active) = self.finish(session) else {
                continue;
            };
            let silent = laggards(&active.received);
            let outcome = Outcome::Failed {
                culprit: None,
                reason: format!(
                    "no progress for {} ms; waiting for {}",
                    active.round_timeout.as_millis(),
                    silent.join(", ")
                ),
                silent,
            };
            self.report_to(&active.coordinator, session, outcome);
        }
    }

    fn finish(&mut self, session: SessionId) -> Option<Active> {
        let active = self.sessions.remove(&session)?;
        self.remember_finished(session);
        Some(active)
    }

    fn remember_finished(&mut self, session: SessionId) {
        self.early.remove(&session);
        if self.finished.len() == FINISHED_MEMORY {
            self.finished.pop_front();
        }
        self.finished.push_back(session);
    }

    fn send_all(&self, session: SessionId, outgoing: Vec<Outgoing>) {
        // `advance` sends a finishing party's last messages before it forgets the session.
        let Some(active) = self.sessions.get(&session) else {
            return;
        };
        for message in outgoing {
            let bytes = match (Envelope::Protocol {
                session,
                bytes: message.bytes,
            })
            .encode()
            {
                Ok(bytes) => bytes,
                Err(error) => {
                    tracing::error!(%session, %error, "could not encode a protocol message");
                    continue;
                }
            };
            let recipients: Vec<&String> = match message.to {
                Recipient::All => active.peers.values().collect(),
                Recipient::One(party) => active.peers.get(&party).into_iter().collect(),
            };
            for to in recipients {
                if let Err(error) = self.endpoint.send(to, bytes.clone()) {
                    tracing::warn!(node = self.endpoint.name(), %to, %error, "send failed");
                }
            }
        }
    }

    fn report_to(&self, coordinator: &str, session: SessionId, outcome: Outcome) {
        let envelope = Envelope::Outcome { session, outcome };
        match envelope.encode() {
            Ok(bytes) => {
                if let Err(error) = self.endpoint.send(coordinator, bytes) {
                    tracing::warn!(node = self.endpoint.name(), %error, "could not report");
                }
            }
            Err(error) => tracing::error!(%error, "could not encode an outcome"),
        }
    }
}

/// One step of a machine, with the output type erased.
enum Step {
    Continue(Vec<Outgoing>),
    KeyShare(Vec<Outgoing>, Box<KeyShare>),
    Signed(Vec<Outgoing>, Signed),
}

impl Step {
    fn from_keygen(progress: Progress<KeyShare>) -> Self {
        match progress {
            Progress::Continue(out) => Self::Continue(out),
            Progress::Done { outgoing, output } => Self::KeyShare(outgoing, Box::new(output)),
        }
    }

    fn from_sign(progress: Progress<Signed>) -> Self {
        match progress {
            Progress::Continue(out) => Self::Continue(out),
            Progress::Done { outgoing, output } => Self::Signed(outgoing, output),
        }
    }
}

/// The peers that sent fewer messages than the others: the ones a stalled round waits for.
/// When every peer sent as many, all of them are named (this party cannot tell).
fn laggards(received: &BTreeMap<String, usize>) -> Vec<String> {
    let most = received.values().copied().max().unwrap_or(0);
    let behind: Vec<String> = received
        .iter()
        .filter(|(_, n)| **n < most)
        .map(|(name, _)| name.clone())
        .collect();
    if behind.is_empty() {
        received.keys().cloned().collect()
    } else {
        behind
    }
}

/// What the device shows for the input: the SHA-256 of a document (what `sha256sum` prints
/// for the file), or the caller's digest or μ as sent.
fn shown_digest(input: &WireInput) -> String {
    match input {
        WireInput::Message { message, .. } => {
            format!("sha256:{}", hex::encode(Sha256::digest(message)))
        }
        WireInput::Digest(d) => format!("digest:{}", hex::encode(d)),
        WireInput::ExternalMu(mu) => format!("mu:{}", hex::encode(mu)),
    }
}

/// The store record that marks credential `id` confirmed.
fn confirmed_key(id: &CredentialId) -> Vec<u8> {
    [b"confirmed/".as_slice(), id.as_bytes().as_slice()].concat()
}

fn refused(refusal: &Refusal) -> Outcome {
    Outcome::Refused {
        reason: refusal.to_string(),
    }
}

fn store_refusal(error: &crate::store::StoreError) -> Refusal {
    match error {
        crate::store::StoreError::SessionReplayed { session, .. } => {
            Refusal::Replayed { session: *session }
        }
        other => Refusal::Store(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laggards_are_the_peers_behind() {
        let counts: BTreeMap<String, usize> = [
            ("a".to_owned(), 2),
            ("b".to_owned(), 1),
            ("c".to_owned(), 2),
        ]
        .into();
        assert_eq!(laggards(&counts), ["b"]);
        let even: BTreeMap<String, usize> = [("a".to_owned(), 1), ("b".to_owned(), 1)].into();
        assert_eq!(laggards(&even), ["a", "b"]);
    }
}

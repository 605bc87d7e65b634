//! The coordinator: it opens key generation and signing sessions under the policy in force,
//! picks the signers, and retries without a party that fell silent, refused, or was blamed by
//! the protocol, until a signature comes back or no quorum is left.
//!
//! The coordinator holds no share and sees no secret: protocol messages go from party to party.
//! Every signature is checked with the algorithm's standard verifier before it is returned.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use qoesign_algorithms::{PartyId, SessionId, SignInput, VerifyError};
use qoesign_policy::Policy;

use crate::admission::{self, Refusal};
use crate::envelope::{
    Envelope, EnvelopeError, KeygenRequest, Outcome, RetireRequest, SignRequest,
};
use crate::node::Clock;
use crate::store::{Credential, CredentialId, CredentialState, Holder};
use crate::transport::{Endpoint, TransportError};
use crate::{Committee, Registry, RegistryError, session_id};

/// How long the coordinator waits.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// The longest a key generation session may take.
    pub keygen: Duration,
    /// The longest one signing session may take.
    pub sign: Duration,
    /// After the first party reports a failure, how long the others get to report theirs.
    pub grace: Duration,
}

impl Default for Timeouts {
    /// Ten minutes per key generation, one minute per signing session, 15 s of grace; parties
    /// report a stalled round after their own round timeout, well within these.
    fn default() -> Self {
        Self {
            keygen: Duration::from_secs(600),
            sign: Duration::from_secs(60),
            grace: Duration::from_secs(15),
        }
    }
}

/// A party that made a session fail, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The party's name.
    pub party: String,
    /// The session it made fail.
    pub session: SessionId,
    /// What it did.
    pub kind: FailureKind,
}

/// How a party failed a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// It never answered, or stopped answering mid-protocol.
    Silent,
    /// It refused the request (policy, credential, or the user declined).
    Refused(String),
    /// The protocol blamed it: it sent invalid data.
    Misbehaved(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FailureKind::Silent => write!(f, "{} fell silent", self.party),
            FailureKind::Refused(why) => write!(f, "{} refused: {why}", self.party),
            FailureKind::Misbehaved(why) => write!(f, "{} sent invalid data: {why}", self.party),
        }
    }
}

/// One signing session the coordinator ran.
#[derive(Clone, Debug)]
pub struct SessionSummary {
    /// Its identifier.
    pub session: SessionId,
    /// Its signers.
    pub signers: Vec<Holder>,
    /// The parties that made it fail; empty for the session that signed, and for a session
    /// that failed with no one to blame (every signer stalled; it is retried as it was).
    pub failures: Vec<Failure>,
}

/// A signature and how it came about.
#[derive(Clone, Debug)]
pub struct SignReport {
    /// The signature in the algorithm's standard encoding, verified.
    pub signature: Vec<u8>,
    /// Protocol attempts of the session that signed.
    pub attempts: u32,
    /// The signers of the session that signed.
    pub signers: Vec<Holder>,
    /// Every session tried, the successful one last.
    pub sessions: Vec<SessionSummary>,
}

impl SignReport {
    /// Every failure over all sessions, in order.
    pub fn failures(&self) -> Vec<&Failure> {
        self.sessions.iter().flat_map(|s| &s.failures).collect()
    }
}

/// Why the coordinator could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoordinatorError {
    /// The policy in force forbids the request.
    #[error(transparent)]
    NotAllowed(#[from] Refusal),
    /// The registry has no scheme for the request.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// An envelope could not be encoded.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// Too few parties are left to sign.
    #[error(
        "no quorum left: {needed} providers needed, {available} left; {}",
        list(failures)
    )]
    NoQuorum {
        /// Providers a signature needs.
        needed: usize,
        /// Providers not yet excluded.
        available: usize,
        /// Every failure that excluded a party.
        failures: Vec<Failure>,
    },
    /// The user's device did not take part, so no signature can exist.
    #[error("the user's device did not sign: {}", list(failures))]
    UserUnavailable {
        /// What happened, the device's failure included.
        failures: Vec<Failure>,
    },
    /// Key generation did not complete at every key holder.
    #[error("key generation failed: {}", list(failures))]
    Keygen {
        /// The parties that failed it.
        failures: Vec<Failure>,
    },
    /// A discard or retire request was not carried out by every party it went to.
    #[error("{what} did not complete at every party: {}", list(failures))]
    NotRecorded {
        /// The request.
        what: &'static str,
        /// The parties that refused or did not answer.
        failures: Vec<Failure>,
    },
    /// The key holders ended key generation with different public keys.
    #[error("key generation ended with different public keys at {parties:?}")]
    Disagreement {
        /// The parties whose key differs from the first party's.
        parties: Vec<String>,
    },
    /// A session failed and no party could be blamed for it.
    #[error("signing failed and no party can be blamed: {reason}")]
    Unattributable {
        /// What the parties reported.
        reason: String,
    },
    /// The signature the parties produced does not verify (a bug or a fault).
    #[error("the signature did not pass the standard verifier: {0}")]
    Invalid(VerifyError),
}

fn list(failures: &[Failure]) -> String {
    if failures.is_empty() {
        return "no party failed".to_owned();
    }
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs sessions among the parties of a [`crate::transport::Transport`].
pub struct Coordinator {
    endpoint: Box<dyn Endpoint>,
    registry: Arc<Registry>,
    policy: Policy,
    timeouts: Timeouts,
    clock: Clock,
    rng: UnwrapErr<SysRng>,
}

/// The name of the user's device for `owner`: the party the engine asks for the user's share.
pub fn device_name(owner: &str) -> String {
    format!("device:{owner}")
}

impl Coordinator {
    /// A coordinator that runs sessions under `policy` over `endpoint`.
    pub fn new(
        endpoint: Box<dyn Endpoint>,
        registry: Arc<Registry>,
        policy: Policy,
        timeouts: Timeouts,
        clock: Clock,
    ) -> Self {
        Self {
            endpoint,
            registry,
            policy,
            timeouts,
            clock,
            rng: UnwrapErr(SysRng),
        }
    }

    /// The policy the coordinator runs sessions under.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Creates a key for `owner` under `algorithm`, held by every provider of the policy and by
    /// the owner's device when the policy requires it.
    ///
    /// # Errors
    ///
    /// Returns [`CoordinatorError::NotAllowed`] when the policy forbids creating the key,
    /// [`CoordinatorError::Registry`] when no scheme fits the quorum,
    /// [`CoordinatorError::Keygen`] naming the parties that did not complete, or
    /// [`CoordinatorError::Disagreement`].
    pub fn keygen(&mut self, owner: &str, algorithm: &str) -> Result<Credential, CoordinatorError> {
        self.keygen_with(owner, algorithm, KeygenOptions::default())
    }

    /// [`Coordinator::keygen`] with the credential's identifier chosen by the caller and the
    /// credential it re-issues, as a migration needs them. A key generation that does not
    /// finish at every holder is discarded at the holders that finished
    /// ([`Coordinator::discard`]).
    ///
    /// An algorithm whose keys are held whole ([`Registry::held_whole`], a legacy algorithm)
    /// gets one holder, the policy's first provider, who signs alone.
    ///
    /// # Errors
    ///
    /// As [`Coordinator::keygen`].
    pub fn keygen_with(
        &mut self,
        owner: &str,
        algorithm: &str,
        options: KeygenOptions,
    ) -> Result<Credential, CoordinatorError> {
        let now = (self.clock)();
        admission::algorithm_allowed(&self.policy, algorithm, now.date(), true)?;
        let whole = self.registry.held_whole(algorithm);
        let (committee, holders, required, threshold) = if whole {
            let first = self.policy.quorum().providers().first().cloned();
            let holders: Vec<Holder> = first
                .map(|name| Holder {
                    name,
                    party: PartyId(0),
                })
                .into_iter()
                .collect();
            let single = Committee {
                providers: 1,
                threshold: 1,
                user_required: false,
            };
            (single, holders, None, 1)
        } else {
            let (holders, required) = holders(&self.policy, owner);
            let threshold = admission::signers_per_signature(&self.policy);
            let committee = Committee::from_quorum(self.policy.quorum());
            (committee, holders, required, threshold)
        };
        let scheme = self.registry.select(algorithm, committee)?;
        admission::keygen_committee(&self.policy, &holders, threshold, required, whole)?;
        let digest = self.policy.digest();
        let session = session_id(&digest, "keygen", &mut self.rng);
        let id = options
            .credential
            .unwrap_or_else(|| CredentialId::random(&mut self.rng));
        let request = KeygenRequest {
            session,
            policy_digest: *digest.as_bytes(),
            credential: *id.as_bytes(),
            owner: owner.to_owned(),
            algorithm: algorithm.to_owned(),
            scheme: scheme.info().id.to_owned(),
            holders: holders.clone(),
            threshold,
            required,
            created: now,
            replaces: options.replaces.map(|r| *r.as_bytes()),
        };
        let span = tracing::info_span!("keygen", %session, credential = %id);
        let _entered = span.enter();
        self.send_to(&holders, &Envelope::Keygen(request.clone()))?;
        let outcomes = self.collect(session, &holders, self.timeouts.keygen, |_| false)?;
        let failures = failures(session, &holders, &outcomes);
        if !failures.is_empty() {
            self.cancel(session, &holders);
            // Holders that finished before another failed stored their share of a key that
            // will never sign: they drop it (see `discard`).
            let finished: Vec<Holder> = holders
                .iter()
                .filter(|h| matches!(outcomes.get(&h.name), Some(Outcome::KeyCreated { .. })))
                .cloned()
                .collect();
            if !finished.is_empty()
                && let Err(error) = self.discard(&finished, id)
            {
                tracing::warn!(%error, "could not discard the unfinished key");
            }
            return Err(CoordinatorError::Keygen { failures });
        }
        let keys: Vec<(&String, &Vec<u8>)> = outcomes
            .iter()
            .filter_map(|(name, o)| match o {
                Outcome::KeyCreated { public_key } => Some((name, public_key)),
                _ => None,
            })
            .collect();
        let first = keys.first().map(|(_, k)| *k).cloned().unwrap_or_default();
        let differing: Vec<String> = keys
            .iter()
            .filter(|(_, k)| **k != first)
            .map(|(n, _)| (*n).clone())
            .collect();
        if !differing.is_empty() || keys.len() != holders.len() {
            return Err(CoordinatorError::Disagreement { parties: differing });
        }
        // Every holder has its share: confirmed, the key can no longer be discarded. Until
        // this is done (a crash), the key is a pending one the next migration run settles.
        self.confirm(&holders, id)?;
        tracing::info!(holders = holders.len(), "key created");
        Ok(Credential {
            id,
            owner: request.owner,
            algorithm: request.algorithm,
            scheme: request.scheme,
            public_key: first,
            policy_version: self.policy.version(),
            policy_digest: digest,
            holders,
            threshold,
            required,
            state: CredentialState::Active,
            replaces: options.replaces,
            replaced_by: None,
            created: now,
            last_used: None,
            signature_count: 0,
        })
    }

    /// Signs `input` with `credential`. The signers are the policy's threshold of providers
    /// (with the user's device when the key requires it); a provider that falls silent, refuses
    /// or is blamed by the protocol is left out of the next session, until a signature comes
    /// back or too few providers are left. A session in which every signer stalled waiting for
    /// the others, with no one to blame, is retried with the same signers up to twice.
    ///
    /// # Errors
    ///
    /// Returns [`CoordinatorError::NotAllowed`] when the policy forbids the signature,
    /// [`CoordinatorError::NoQuorum`] or [`CoordinatorError::UserUnavailable`] naming every
    /// failure, [`CoordinatorError::Unattributable`], or [`CoordinatorError::Invalid`].
    pub fn sign(
        &mut self,
        credential: &Credential,
        input: &SignInput,
    ) -> Result<SignReport, CoordinatorError> {
        let now = (self.clock)();
        admission::algorithm_allowed(&self.policy, &credential.algorithm, now.date(), false)?;
        let digest = self.policy.digest();
        let mut excluded = BTreeSet::new();
        let mut sessions: Vec<SessionSummary> = Vec::new();
        let mut unattributed = 0;
        loop {
            let signers = match choose_signers(credential, &excluded) {
                Ok(signers) => signers,
                Err((needed, available)) => {
                    return Err(CoordinatorError::NoQuorum {
                        needed,
                        available,
                        failures: all_failures(&sessions),
                    });
                }
            };
            admission::signing_committee(&self.policy, credential, &signers)?;
            let session = session_id(&digest, "sign", &mut self.rng);
            let span = tracing::info_span!("sign", %session, credential = %credential.id);
            let _entered = span.enter();
            let request = SignRequest {
                session,
                policy_digest: *digest.as_bytes(),
                credential: *credential.id.as_bytes(),
                algorithm: credential.algorithm.clone(),
                signers: signers.clone(),
                input: input.into(),
            };
            self.send_to(&signers, &Envelope::Sign(request))?;
            let outcomes = self.collect(session, &signers, self.timeouts.sign, |o| {
                o.values().any(|o| matches!(o, Outcome::Signed { .. }))
            })?;
            let signed = outcomes.values().find_map(|o| match o {
                Outcome::Signed {
                    signature,
                    attempts,
                } => Some((signature.clone(), *attempts)),
                _ => None,
            });
            if let Some((signature, attempts)) = signed {
                self.registry
                    .verify(
                        &credential.algorithm,
                        &credential.public_key,
                        input,
                        &signature,
                    )?
                    .map_err(CoordinatorError::Invalid)?;
                sessions.push(SessionSummary {
                    session,
                    signers: signers.clone(),
                    failures: Vec::new(),
                });
                tracing::info!(attempts, "signed and verified");
                return Ok(SignReport {
                    signature,
                    attempts,
                    signers,
                    sessions,
                });
            }
            self.cancel(session, &signers);
            let failures = failures(session, &signers, &outcomes);
            tracing::warn!(failures = %list(&failures), "session failed, retrying");
            if failures.is_empty() {
                // Every signer stalled waiting for the others: a slow moment of the parties or
                // the network rather than a culprit. The same signers try again, a few times.
                if unattributed == UNATTRIBUTED_RETRIES {
                    return Err(CoordinatorError::Unattributable {
                        reason: describe(&outcomes),
                    });
                }
                unattributed += 1;
                sessions.push(SessionSummary {
                    session,
                    signers,
                    failures,
                });
                continue;
            }
            let user_failed = failures
                .iter()
                .any(|f| Some(f.party.as_str()) == required_name(credential));
            for failure in &failures {
                excluded.insert(failure.party.clone());
            }
            sessions.push(SessionSummary {
                session,
                signers,
                failures,
            });
            if user_failed {
                return Err(CoordinatorError::UserUnavailable {
                    failures: all_failures(&sessions),
                });
            }
        }
    }

    /// Tells `holders` that the key generation of credential `id` finished at all of them, so
    /// that none of them discards it later.
    ///
    /// # Errors
    ///
    /// Returns [`CoordinatorError::NotRecorded`] naming the holders that refused or did not
    /// answer (the request is safe to repeat).
    pub fn confirm(
        &mut self,
        holders: &[Holder],
        id: CredentialId,
    ) -> Result<(), CoordinatorError> {
        let session = session_id(&self.policy.digest(), "confirm", &mut self.rng);
        let envelope = Envelope::Confirm {
            session,
            credential: *id.as_bytes(),
        };
        self.request_everywhere("confirming the key", session, holders, &envelope)
    }

    /// Asks `holders` to drop credential `id`, the key of a key generation that did not finish
    /// everywhere. A holder drops it only if it was never confirmed, never signed and no
    /// credential was retired in favour of it; a holder without it has nothing to do.
    ///
    /// # Errors
    ///
    /// Returns [`CoordinatorError::NotRecorded`] naming the holders that refused or did not
    /// answer.
    pub fn discard(
        &mut self,
        holders: &[Holder],
        id: CredentialId,
    ) -> Result<(), CoordinatorError> {
        let session = session_id(&self.policy.digest(), "discard", &mut self.rng);
        let envelope = Envelope::Discard {
            session,
            credential: *id.as_bytes(),
        };
        self.request_everywhere("discarding the key", session, holders, &envelope)
    }

    /// Makes credential `old` verify-only at each of its holders and links it to `new`, which
    /// re-issues it; `statement` is the rollover statement and `new_signature` the new key's
    /// signature of it, which every holder of `new` checks first.
    ///
    /// # Errors
    ///
    /// Returns [`CoordinatorError::NotRecorded`] naming the holders that refused or did not
    /// answer (the request is safe to repeat).
    pub fn retire(
        &mut self,
        old: &Credential,
        new: &Credential,
        statement: &[u8],
        new_signature: &[u8],
    ) -> Result<(), CoordinatorError> {
        let digest = self.policy.digest();
        let session = session_id(&digest, "retire", &mut self.rng);
        let envelope = Envelope::Retire(RetireRequest {
            session,
            policy_digest: *digest.as_bytes(),
            old: *old.id.as_bytes(),
            new: *new.id.as_bytes(),
            statement: statement.to_vec(),
            new_signature: new_signature.to_vec(),
        });
        let mut parties = old.holders.clone();
        for holder in &new.holders {
            if !parties.iter().any(|p| p.name == holder.name) {
                parties.push(holder.clone());
            }
        }
        self.request_everywhere("retiring the credential", session, &parties, &envelope)
    }

    /// Sends `envelope` to every party and waits until each reported it [`Outcome::Recorded`].
    fn request_everywhere(
        &mut self,
        what: &'static str,
        session: SessionId,
        parties: &[Holder],
        envelope: &Envelope,
    ) -> Result<(), CoordinatorError> {
        self.send_to(parties, envelope)?;
        // A node answers once the protocol messages queued before the request are handled.
        let outcomes = self.collect(session, parties, self.timeouts.keygen, |_| false)?;
        let failures: Vec<Failure> = parties
            .iter()
            .filter_map(|party| {
                let kind = match outcomes.get(&party.name) {
                    Some(Outcome::Recorded) => return None,
                    None => FailureKind::Silent,
                    Some(Outcome::Refused { reason } | Outcome::Failed { reason, .. }) => {
                        FailureKind::Refused(reason.clone())
                    }
                    Some(other) => FailureKind::Refused(format!("unexpected outcome {other:?}")),
                };
                Some(Failure {
                    party: party.name.clone(),
                    session,
                    kind,
                })
            })
            .collect();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(CoordinatorError::NotRecorded { what, failures })
        }
    }

    fn send_to(&self, parties: &[Holder], envelope: &Envelope) -> Result<(), CoordinatorError> {
        let bytes = envelope.encode()?;
        for party in parties {
            if let Err(error) = self.endpoint.send(&party.name, bytes.clone()) {
                // An unreachable party is a silent one; the session reports it.
                tracing::warn!(party = %party.name, %error, "could not reach a party");
            }
        }
        Ok(())
    }

    fn cancel(&self, session: SessionId, parties: &[Holder]) {
        if let Err(error) = self.send_to(parties, &Envelope::Cancel { session }) {
            tracing::warn!(%error, "could not cancel a session");
        }
    }

    /// Gathers the parties' outcomes of `session` until every party reported, `enough` says
    /// so, `limit` passes, or the grace period after the first failure ends.
    fn collect(
        &mut self,
        session: SessionId,
        parties: &[Holder],
        limit: Duration,
        enough: impl Fn(&BTreeMap<String, Outcome>) -> bool,
    ) -> Result<BTreeMap<String, Outcome>, CoordinatorError> {
        let names: BTreeSet<&str> = parties.iter().map(|p| p.name.as_str()).collect();
        let mut outcomes = BTreeMap::new();
        let mut deadline = Instant::now() + limit;
        while outcomes.len() < names.len() && !enough(&outcomes) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let Some(delivery) = self.endpoint.recv(deadline - now)? else {
                continue;
            };
            let Ok(Envelope::Outcome {
                session: about,
                outcome,
            }) = Envelope::decode(&delivery.bytes)
            else {
                tracing::warn!(from = %delivery.from, "ignored a message that is not an outcome");
                continue;
            };
            if about != session || !names.contains(delivery.from.as_str()) {
                continue;
            }
            if matches!(outcome, Outcome::Failed { .. } | Outcome::Refused { .. }) {
                deadline = deadline.min(Instant::now() + self.timeouts.grace);
            }
            outcomes.entry(delivery.from).or_insert(outcome);
        }
        Ok(outcomes)
    }
}

/// How often a session that failed with no one to blame is run again with the same signers.
const UNATTRIBUTED_RETRIES: u32 = 2;

/// What [`Coordinator::keygen_with`] may fix in advance.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeygenOptions {
    /// The new credential's identifier (default: a random one).
    pub credential: Option<CredentialId>,
    /// The credential the new one re-issues.
    pub replaces: Option<CredentialId>,
}

/// The key holders a policy asks for: its providers in file order, then the owner's device
/// when the policy requires it.
fn holders(policy: &Policy, owner: &str) -> (Vec<Holder>, Option<PartyId>) {
    let mut holders: Vec<Holder> = policy
        .quorum()
        .providers()
        .iter()
        .zip(0u16..)
        .map(|(name, i)| Holder {
            name: name.clone(),
            party: PartyId(i),
        })
        .collect();
    let mut required = None;
    if policy.quorum().user_required() {
        let party = PartyId(u16::try_from(holders.len()).unwrap_or(u16::MAX));
        holders.push(Holder {
            name: device_name(owner),
            party,
        });
        required = Some(party);
    }
    (holders, required)
}

fn required_name(credential: &Credential) -> Option<&str> {
    let required = credential.required?;
    credential
        .holders
        .iter()
        .find(|h| h.party == required)
        .map(|h| h.name.as_str())
}

/// The first providers of the key not excluded, as many as a signature needs, and the required
/// holder; or how many were needed and how many are left.
fn choose_signers(
    credential: &Credential,
    excluded: &BTreeSet<String>,
) -> Result<Vec<Holder>, (usize, usize)> {
    let providers_needed =
        usize::from(credential.threshold) - usize::from(credential.required.is_some());
    let available: Vec<&Holder> = credential
        .holders
        .iter()
        .filter(|h| Some(h.party) != credential.required && !excluded.contains(&h.name))
        .collect();
    if available.len() < providers_needed {
        return Err((providers_needed, available.len()));
    }
    let mut signers: Vec<Holder> = available
        .into_iter()
        .take(providers_needed)
        .cloned()
        .collect();
    if let Some(required) = credential.required {
        signers.extend(
            credential
                .holders
                .iter()
                .find(|h| h.party == required)
                .cloned(),
        );
    }
    signers.sort_by_key(|h| h.party);
    Ok(signers)
}

/// Who made a session fail: parties that never reported, refused, or were blamed; when the
/// failing parties only report a stalled round, the parties every one of them waited for.
fn failures(
    session: SessionId,
    parties: &[Holder],
    outcomes: &BTreeMap<String, Outcome>,
) -> Vec<Failure> {
    let mut blamed: BTreeMap<String, FailureKind> = BTreeMap::new();
    // What a party did outweighs its silence afterwards: a party blamed for invalid data that
    // then stalls is reported as misbehaving, not as silent.
    for party in parties {
        match outcomes.get(&party.name) {
            None => {}
            Some(Outcome::Refused { reason }) => {
                blamed.insert(party.name.clone(), FailureKind::Refused(reason.clone()));
            }
            Some(Outcome::Failed {
                culprit: Some(culprit),
                reason,
                ..
            }) => {
                blamed
                    .entry(culprit.clone())
                    .or_insert_with(|| FailureKind::Misbehaved(reason.clone()));
            }
            Some(_) => {}
        }
    }
    for party in parties {
        if !outcomes.contains_key(&party.name) {
            blamed
                .entry(party.name.clone())
                .or_insert(FailureKind::Silent);
        }
    }
    if blamed.is_empty() {
        // Only stalls were reported: blame the parties every stalled party waited for.
        let mut waited: Option<BTreeSet<String>> = None;
        for outcome in outcomes.values() {
            if let Outcome::Failed {
                culprit: None,
                silent,
                ..
            } = outcome
            {
                let named: BTreeSet<String> = silent.iter().cloned().collect();
                waited = Some(match waited {
                    None => named,
                    Some(before) => before.intersection(&named).cloned().collect(),
                });
            }
        }
        for name in waited.unwrap_or_default() {
            blamed.insert(name, FailureKind::Silent);
        }
    }
    blamed
        .into_iter()
        .map(|(party, kind)| Failure {
            party,
            session,
            kind,
        })
        .collect()
}

fn describe(outcomes: &BTreeMap<String, Outcome>) -> String {
    outcomes
        .iter()
        .map(|(name, outcome)| match outcome {
            Outcome::Failed { reason, .. } | Outcome::Refused { reason } => {
                format!("{name}: {reason}")
            }
            Outcome::KeyCreated { .. } | Outcome::Signed { .. } | Outcome::Recorded => {
                format!("{name}: done")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn all_failures(sessions: &[SessionSummary]) -> Vec<Failure> {
    sessions.iter().flat_map(|s| s.failures.clone()).collect()
}

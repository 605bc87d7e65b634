//! The main job, end to end, in one process: every party of the policy (each provider and the
//! user's device when required) with its own encrypted store in a temporary directory, all
//! connected by the in-memory transport; a key under the policy's preferred algorithm; two
//! signed documents, with one provider made to fall silent in the middle of the second so the
//! coordinator's retry shows; both signatures checked with the standard verifier.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use qoesign_algorithms::{SchemeKind, SignInput, VerifyError};
use qoesign_policy::{Date, Policy, PolicyDigest};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::coordinator::{CoordinatorError, Failure, SessionSummary, Timeouts};
use crate::envelope::Envelope;
use crate::local::{LocalCluster, LocalError, LocalOptions};
use crate::node::{Approval, Clock};
use crate::store::{KdfParams, Passphrase};
use crate::transport::memory::{MemoryNetwork, Verdict};
use crate::{Registry, RegistryError, admission};

/// The first document the demo signs.
pub const DOCUMENT: &[u8] = b"qoesign demo: the signatory approves this document.";

/// The second document, signed while one provider falls silent.
pub const SECOND_DOCUMENT: &[u8] = b"qoesign demo: the signatory approves a second document.";

/// The documents the demo signs, in order.
pub const DOCUMENTS: [&[u8]; 2] = [DOCUMENT, SECOND_DOCUMENT];

/// The FIPS 204 context string the demo uses where the algorithm takes one.
pub const CONTEXT: &[u8] = b"qoesign-demo";

/// The owner of the demo's key.
pub const OWNER: &str = "alice";

/// One signature the demo made.
#[derive(Debug)]
pub struct DemoSignature {
    /// The signed document.
    pub message: Vec<u8>,
    /// The signature in the algorithm's standard encoding.
    pub signature: Vec<u8>,
    /// The signers of the session that signed, by name.
    pub signers: Vec<String>,
    /// Protocol attempts that session took.
    pub attempts: u32,
    /// Every session the coordinator ran for it, the successful one last.
    pub sessions: Vec<SessionSummary>,
}

impl DemoSignature {
    /// Every failure over the signature's sessions.
    pub fn failures(&self) -> Vec<&Failure> {
        self.sessions.iter().flat_map(|s| &s.failures).collect()
    }
}

/// What the demo did.
#[derive(Debug)]
pub struct DemoReport {
    /// The algorithm signed with.
    pub algorithm: &'static str,
    /// The scheme that ran.
    pub scheme: &'static str,
    /// Single party or threshold.
    pub scheme_kind: SchemeKind,
    /// The policy version in force.
    pub policy_version: u64,
    /// The digest the sessions were bound to.
    pub policy_digest: PolicyDigest,
    /// The key holders by name (providers, then the user's device when required).
    pub key_holders: Vec<String>,
    /// The public key in the algorithm's standard encoding.
    pub public_key: Vec<u8>,
    /// The context string (empty for ECDSA).
    pub context: Vec<u8>,
    /// The signatures, one per document of [`DOCUMENTS`].
    pub signatures: Vec<DemoSignature>,
    /// The provider made to fall silent during the second signature, if the quorum has a
    /// provider to spare.
    pub dropped: Option<String>,
    /// What the user's device showed before it agreed, in order.
    pub device_log: Vec<Approval>,
}

/// Why the demo could not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The policy does not let its preferred algorithm create keys or sign on this day.
    #[error(transparent)]
    NotAllowed(#[from] admission::Refusal),
    /// The registry cannot run the algorithm for this quorum.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The parties' stores or the transport could not be set up.
    #[error(transparent)]
    Local(#[from] LocalError),
    /// The temporary directory for the stores could not be made.
    #[error("could not create the demo's temporary directory: {0}")]
    TempDir(std::io::Error),
    /// A session failed.
    #[error(transparent)]
    Coordinator(#[from] CoordinatorError),
    /// The signature did not pass the standard verifier (a bug or a fault).
    #[error("the signature did not verify: {0}")]
    Verify(VerifyError),
}

/// Runs the demo under `policy` on `today` (at noon UTC, for the policy's schedule).
///
/// # Errors
///
/// Returns a [`DemoError`] when the policy forbids the preferred algorithm today, the registry
/// has no scheme for the policy's quorum, a store or the transport cannot be set up, the
/// coordinator cannot get a signature, or a signature does not verify.
pub fn run(
    policy: &Policy,
    registry: &Arc<Registry>,
    today: Date,
) -> Result<DemoReport, DemoError> {
    let algorithm = policy.preferred();
    let now = OffsetDateTime::new_utc(today, time::macros::time!(12:00));
    admission::algorithm_allowed(policy, algorithm, today, true)?;
    admission::algorithm_allowed(policy, algorithm, today, false)?;
    let committee = crate::Committee::from_quorum(policy.quorum());
    let info = registry.select(algorithm, committee)?.info();
    let clock: Clock = Arc::new(move || now);

    let dir = tempfile::tempdir().map_err(DemoError::TempDir)?;
    let device_log = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&device_log);
    let options = LocalOptions {
        kdf: KdfParams::recommended(),
        // A provider that stops answering is given up on after 2 s without progress, so the
        // retry shows within seconds.
        sign_round_timeout: Duration::from_secs(2),
        timeouts: Timeouts {
            grace: Duration::from_secs(3),
            ..Timeouts::default()
        },
        clock,
        approver: Some(Box::new(move |_device: &str| {
            let log = Arc::clone(&log);
            Box::new(move |asked: &Approval| {
                log.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(asked.clone());
                true
            })
        })),
        crash: None,
    };
    // The demo's stores are thrown away with the temporary directory; the passphrase only has
    // to exist.
    let passphrase = Passphrase::new(Zeroizing::new("qoesign demo".to_owned()));
    let owners: &[&str] = if policy.quorum().user_required() {
        &[OWNER]
    } else {
        &[]
    };
    let mut cluster = LocalCluster::start(
        dir.path(),
        Some(policy),
        owners,
        &passphrase,
        registry,
        options,
    )?;
    let network = cluster.network().clone();
    let coordinator = &mut cluster.coordinator;
    let credential = coordinator.keygen(OWNER, algorithm)?;
    let context = if info.algorithm.takes_context {
        CONTEXT.to_vec()
    } else {
        Vec::new()
    };
    let mut signatures = Vec::new();
    let mut dropped = None;
    for (n, document) in DOCUMENTS.iter().enumerate() {
        if n == 1 {
            dropped = drop_a_provider(&network, policy);
        }
        let input = SignInput::with_context(document.to_vec(), context.clone());
        let report = coordinator.sign(&credential, &input)?;
        registry
            .verify(algorithm, &credential.public_key, &input, &report.signature)?
            .map_err(DemoError::Verify)?;
        signatures.push(DemoSignature {
            message: document.to_vec(),
            signature: report.signature,
            signers: report.signers.into_iter().map(|h| h.name).collect(),
            attempts: report.attempts,
            sessions: report.sessions,
        });
    }
    network.clear_fault();
    cluster.stop();
    let device_log =
        std::mem::take(&mut *device_log.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(DemoReport {
        algorithm: info.algorithm.id,
        scheme: info.id,
        scheme_kind: info.kind,
        policy_version: policy.version(),
        policy_digest: policy.digest(),
        key_holders: credential.holders.iter().map(|h| h.name.clone()).collect(),
        public_key: credential.public_key,
        context,
        signatures,
        dropped,
        device_log,
    })
}

/// Makes the first provider fall silent after its first protocol message of the next
/// session, as a provider that crashes mid-protocol does; `None` when the quorum has no
/// provider to spare.
fn drop_a_provider(network: &MemoryNetwork, policy: &Policy) -> Option<String> {
    let quorum = policy.quorum();
    if quorum.provider_count() <= usize::from(quorum.threshold()) {
        return None;
    }
    let victim = quorum.providers().first()?.clone();
    let name = victim.clone();
    let mut sent = 0usize;
    network.set_fault(Box::new(move |from, _to, bytes| {
        if from != name {
            return Verdict::Deliver;
        }
        let protocol = matches!(Envelope::decode(bytes), Ok(Envelope::Protocol { .. }));
        if protocol && sent == 0 {
            sent += 1;
            return Verdict::Deliver;
        }
        if sent == 0 {
            // Not yet in a session: keep the provider alive until it starts one.
            return Verdict::Deliver;
        }
        Verdict::Drop
    }));
    Some(victim)
}

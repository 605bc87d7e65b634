//! The main job, end to end: create a key under the policy's preferred algorithm, sign a
//! document, and verify the signature with the standard verifier.

use qoesign_algorithms::sim::{self, SessionError};
use qoesign_algorithms::{CryptoRng, KeyShare, PartyId, SchemeKind, SignInput, VerifyError};
use qoesign_policy::{AlgorithmState, Date, Policy, PolicyDigest};

use crate::{Committee, Registry, RegistryError, session_id};

/// The document the demo signs.
pub const DOCUMENT: &[u8] = b"qoesign demo: the signatory approves this document.";

/// The FIPS 204 context string the demo uses where the algorithm takes one.
pub const CONTEXT: &[u8] = b"qoesign-demo";

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
    /// The key holders by name (providers, then `user` when required).
    pub key_holders: Vec<String>,
    /// The signers of the signature by name.
    pub signers: Vec<String>,
    /// Protocol attempts the signature took (threshold ML-DSA restarts on rejection).
    pub attempts: u32,
    /// The public key in the algorithm's standard encoding.
    pub public_key: Vec<u8>,
    /// The signed document.
    pub message: Vec<u8>,
    /// The context string (empty for ECDSA).
    pub context: Vec<u8>,
    /// The signature in the algorithm's standard encoding.
    pub signature: Vec<u8>,
}

/// Why the demo could not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The policy does not let its preferred algorithm create keys or sign on this day.
    #[error("the policy does not allow {algorithm} to {action} on {day} (state: {state})")]
    NotAllowed {
        /// The algorithm.
        algorithm: String,
        /// `create keys` or `sign`.
        action: &'static str,
        /// The day asked about.
        day: Date,
        /// Its state on that day, or `not listed`.
        state: String,
    },
    /// The registry cannot run the algorithm for this quorum.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A session failed.
    #[error("{stage} failed: {source}")]
    Session {
        /// `key generation` or `signing`.
        stage: &'static str,
        /// What went wrong.
        source: SessionError,
    },
    /// The signature did not pass the standard verifier (a bug or a fault).
    #[error("the signature did not verify: {0}")]
    Verify(VerifyError),
}

/// Runs the demo under `policy` on `today`.
///
/// # Errors
///
/// Returns a [`DemoError`] when the policy forbids the preferred algorithm today, the registry
/// has no scheme for the policy's quorum, a session fails, or the signature does not verify.
pub fn run(
    policy: &Policy,
    registry: &Registry,
    today: Date,
    rng: &mut dyn CryptoRng,
) -> Result<DemoReport, DemoError> {
    let algorithm = policy.preferred();
    allowed(
        policy,
        algorithm,
        today,
        "create keys",
        AlgorithmState::may_create_keys,
    )?;
    allowed(policy, algorithm, today, "sign", AlgorithmState::may_sign)?;
    let committee = Committee::from_quorum(policy.quorum());
    let scheme = registry.select(algorithm, committee)?;
    let info = scheme.info();
    let digest = policy.digest();

    let names = holder_names(policy);
    let holders: Vec<PartyId> = (0..committee.key_holders()).map(PartyId).collect();
    let session = session_id(&digest, "keygen", rng);
    let mut shares = sim::keygen(scheme.as_ref(), &holders, committee.signers(), session, rng)
        .map_err(|source| DemoError::Session {
            stage: "key generation",
            source,
        })?;
    let public_key = shares
        .first()
        .map(|s| s.public_key().to_vec())
        .unwrap_or_default();

    // The first `threshold` providers sign, with the user's device when it is required.
    let mut signer_shares: Vec<&mut KeyShare> = shares
        .iter_mut()
        .filter(|s| {
            let index = s.party().0;
            index < committee.threshold || (committee.user_required && index == committee.providers)
        })
        .collect();
    let signer_ids: Vec<PartyId> = signer_shares.iter().map(|s| s.party()).collect();
    let context = if info.algorithm.takes_context {
        CONTEXT.to_vec()
    } else {
        Vec::new()
    };
    let input = SignInput::with_context(DOCUMENT.to_vec(), context.clone());
    let session = session_id(&digest, "sign", rng);
    let signed =
        sim::sign(scheme.as_ref(), &mut signer_shares, &input, session, rng).map_err(|source| {
            DemoError::Session {
                stage: "signing",
                source,
            }
        })?;

    registry
        .verify(algorithm, &public_key, &input, &signed.signature)?
        .map_err(DemoError::Verify)?;
    let name_of = |p: PartyId| names.get(usize::from(p.0)).cloned().unwrap_or_default();
    Ok(DemoReport {
        algorithm: info.algorithm.id,
        scheme: info.id,
        scheme_kind: info.kind,
        policy_version: policy.version(),
        policy_digest: digest,
        key_holders: holders.iter().map(|&p| name_of(p)).collect(),
        signers: signer_ids.iter().map(|&p| name_of(p)).collect(),
        attempts: signed.attempts,
        public_key,
        message: DOCUMENT.to_vec(),
        context,
        signature: signed.signature,
    })
}

fn allowed(
    policy: &Policy,
    algorithm: &str,
    day: Date,
    action: &'static str,
    may: fn(AlgorithmState) -> bool,
) -> Result<(), DemoError> {
    match policy.state_at(algorithm, day) {
        Some(state) if may(state) => Ok(()),
        state => Err(DemoError::NotAllowed {
            algorithm: algorithm.to_owned(),
            action,
            day,
            state: state.map_or_else(|| "not listed".to_owned(), |s| s.to_string()),
        }),
    }
}

/// Party names by index: the providers in policy order, then `user` when required.
fn holder_names(policy: &Policy) -> Vec<String> {
    let mut names = policy.quorum().providers().to_vec();
    if policy.quorum().user_required() {
        names.push("user".to_owned());
    }
    names
}

//! The checks every party makes before it takes part in a session: the policy in force, the
//! algorithm's state on that day, and a committee the policy describes.
//!
//! The coordinator makes the same checks before it asks anyone, so an honest coordinator never
//! sends a request an honest party refuses; a party still never relies on that.

use std::collections::BTreeSet;

use qoesign_policy::{Date, Policy, PolicyDigest};

use crate::store::{Credential, CredentialState, Holder};

/// Why a party refuses a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The session names a policy this party never accepted.
    #[error("policy {digest} has not been accepted here")]
    UnknownPolicy {
        /// The digest the session carries.
        digest: PolicyDigest,
    },
    /// The session names an older policy than the one in force here.
    #[error(
        "policy version {version} ({digest}) was superseded by version {current}; sessions run \
         only under the policy in force"
    )]
    Superseded {
        /// The version the session names.
        version: u64,
        /// Its digest.
        digest: PolicyDigest,
        /// The version in force.
        current: u64,
    },
    /// No policy has been accepted at all.
    #[error("no policy has been accepted here yet")]
    NoPolicy,
    /// The policy does not let the algorithm do this on this day.
    #[error("the policy in force does not allow {algorithm} to {action} on {day} ({state})")]
    Algorithm {
        /// The algorithm.
        algorithm: String,
        /// `create keys` or `sign`.
        action: &'static str,
        /// The day.
        day: Date,
        /// Its state then, or `not listed`.
        state: String,
    },
    /// The committee is not one the policy describes.
    #[error("the policy's quorum does not describe this committee: {0}")]
    Quorum(String),
    /// The credential cannot sign.
    #[error("credential {id} is {state} and cannot sign")]
    Credential {
        /// The credential.
        id: String,
        /// Its state.
        state: CredentialState,
    },
    /// The request contradicts this party's own record of the credential.
    #[error("the request does not match credential {id}: {what}")]
    Mismatch {
        /// The credential.
        id: String,
        /// What differs.
        what: String,
    },
    /// The user declined on the device.
    #[error("the user declined on the device")]
    Declined,
    /// The session identifier was used before: a replayed request.
    #[error("session {session} was used before (a replayed request)")]
    Replayed {
        /// The session.
        session: qoesign_algorithms::SessionId,
    },
    /// The scheme cannot run the session (a signer set it cannot serve, a spent budget, an
    /// input form it does not take).
    #[error("the scheme refused: {0}")]
    Scheme(String),
    /// This party's store failed or refused.
    #[error("this party's store refused: {0}")]
    Store(String),
}

/// Finds the policy a session names among the accepted ones and checks it is the one in force
/// (the newest accepted version).
///
/// # Errors
///
/// Returns [`Refusal::NoPolicy`], [`Refusal::UnknownPolicy`] or [`Refusal::Superseded`].
pub fn policy_in_force<'a>(
    accepted: &'a [Policy],
    digest: &PolicyDigest,
) -> Result<&'a Policy, Refusal> {
    let current = accepted
        .iter()
        .max_by_key(|p| p.version())
        .ok_or(Refusal::NoPolicy)?;
    if current.digest() == *digest {
        return Ok(current);
    }
    match accepted.iter().find(|p| p.digest() == *digest) {
        Some(old) => Err(Refusal::Superseded {
            version: old.version(),
            digest: *digest,
            current: current.version(),
        }),
        None => Err(Refusal::UnknownPolicy { digest: *digest }),
    }
}

/// Checks that `policy` lets `algorithm` create keys (`keygen`) or sign on `day`.
///
/// # Errors
///
/// Returns [`Refusal::Algorithm`] with the algorithm's state that day.
pub fn algorithm_allowed(
    policy: &Policy,
    algorithm: &str,
    day: Date,
    keygen: bool,
) -> Result<(), Refusal> {
    let allowed = if keygen {
        policy.may_create_keys(algorithm, day)
    } else {
        policy.may_sign(algorithm, day)
    };
    if allowed {
        return Ok(());
    }
    Err(Refusal::Algorithm {
        algorithm: algorithm.to_owned(),
        action: if keygen { "create keys" } else { "sign" },
        day,
        state: policy
            .state_at(algorithm, day)
            .map_or_else(|| "not listed".to_owned(), |s| s.to_string()),
    })
}

/// Checks a key generation committee: every provider of the policy and nobody else, plus the
/// user's device exactly when the policy requires it, with the policy's threshold. A key held
/// whole (`whole`: its algorithm has no threshold scheme, see [`crate::Registry::held_whole`])
/// has one holder instead, a provider of the policy, who signs alone.
///
/// # Errors
///
/// Returns [`Refusal::Quorum`] naming what differs.
pub fn keygen_committee(
    policy: &Policy,
    holders: &[Holder],
    threshold: u16,
    required: Option<qoesign_algorithms::PartyId>,
    whole: bool,
) -> Result<(), Refusal> {
    distinct(holders)?;
    if whole {
        return match (holders, required) {
            ([holder], None) if threshold == 1 => {
                if policy.quorum().providers().contains(&holder.name) {
                    Ok(())
                } else {
                    Err(Refusal::Quorum(format!(
                        "{} is not a provider of the policy",
                        holder.name
                    )))
                }
            }
            _ => Err(Refusal::Quorum(
                "a key held whole has one holder, a provider, who signs alone".to_owned(),
            )),
        };
    }
    let quorum = policy.quorum();
    let providers: BTreeSet<&str> = holders
        .iter()
        .filter(|h| Some(h.party) != required)
        .map(|h| h.name.as_str())
        .collect();
    let wanted: BTreeSet<&str> = quorum.providers().iter().map(String::as_str).collect();
    if providers != wanted {
        return Err(Refusal::Quorum(format!(
            "key holders {} are not the policy's providers {}",
            join(&providers),
            join(&wanted)
        )));
    }
    match (quorum.user_required(), required) {
        (true, None) => return Err(Refusal::Quorum("the user's device is missing".to_owned())),
        (false, Some(_)) => {
            return Err(Refusal::Quorum(
                "the policy does not make the user's device a key holder".to_owned(),
            ));
        }
        (true, Some(party)) if !holders.iter().any(|h| h.party == party) => {
            return Err(Refusal::Quorum(format!(
                "the required {party} holds no share"
            )));
        }
        _ => {}
    }
    let expected = signers_per_signature(policy);
    if threshold != expected {
        return Err(Refusal::Quorum(format!(
            "threshold {threshold}, the policy asks for {expected} signers per signature"
        )));
    }
    Ok(())
}

/// Checks a signer set for a credential: key holders of it as recorded, the required holder
/// among them, only providers the policy lists, and exactly the policy's number of signers.
/// A key held whole (one holder, threshold one) is signed by its holder alone, whatever the
/// quorum says: it is a legacy key waiting to be migrated to one the quorum holds.
///
/// # Errors
///
/// Returns [`Refusal::Credential`] for a credential that is not active, or
/// [`Refusal::Quorum`] naming what is wrong with the signers.
pub fn signing_committee(
    policy: &Policy,
    credential: &Credential,
    signers: &[Holder],
) -> Result<(), Refusal> {
    if credential.state != CredentialState::Active {
        return Err(Refusal::Credential {
            id: credential.id.to_string(),
            state: credential.state,
        });
    }
    distinct(signers)?;
    for signer in signers {
        if !credential.holders.contains(signer) {
            return Err(Refusal::Quorum(format!(
                "{} ({}) holds no share of credential {}",
                signer.name, signer.party, credential.id
            )));
        }
        let is_user = Some(signer.party) == credential.required;
        if !is_user && !policy.quorum().providers().contains(&signer.name) {
            return Err(Refusal::Quorum(format!(
                "{} is not a provider of the policy in force",
                signer.name
            )));
        }
    }
    if held_whole(credential) {
        return match signers {
            [signer] if *signer == credential.holders[0] => Ok(()),
            _ => Err(Refusal::Quorum(format!(
                "credential {} is held whole: its holder signs alone",
                credential.id
            ))),
        };
    }
    if let Some(required) = credential.required
        && !signers.iter().any(|s| s.party == required)
    {
        return Err(Refusal::Quorum(
            "the user's device is not among the signers".to_owned(),
        ));
    }
    if policy.quorum().user_required() && credential.required.is_none() {
        return Err(Refusal::Quorum(
            "the policy requires the user's device, and this key has none".to_owned(),
        ));
    }
    let expected = signers_per_signature(policy);
    if signers.len() != usize::from(expected) || credential.threshold != expected {
        return Err(Refusal::Quorum(format!(
            "{} signers for a key of threshold {}; the policy asks for {expected}",
            signers.len(),
            credential.threshold
        )));
    }
    Ok(())
}

/// Signers per signature under `policy`: its provider threshold, plus the user's device when
/// required.
pub fn signers_per_signature(policy: &Policy) -> u16 {
    policy.quorum().threshold() + u16::from(policy.quorum().user_required())
}

/// Whether `credential` is held whole by one party.
pub fn held_whole(credential: &Credential) -> bool {
    credential.holders.len() == 1 && credential.threshold == 1 && credential.required.is_none()
}

fn distinct(holders: &[Holder]) -> Result<(), Refusal> {
    let mut names = BTreeSet::new();
    let mut parties = BTreeSet::new();
    for holder in holders {
        if !names.insert(holder.name.as_str()) || !parties.insert(holder.party) {
            return Err(Refusal::Quorum(format!(
                "{} ({}) is listed twice",
                holder.name, holder.party
            )));
        }
    }
    Ok(())
}

fn join(names: &BTreeSet<&str>) -> String {
    format!("[{}]", names.iter().copied().collect::<Vec<_>>().join(", "))
}

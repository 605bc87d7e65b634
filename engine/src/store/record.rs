//! What a store holds about each credential and each accepted policy, and how those records
//! are encoded (postcard) before they are sealed.

use std::fmt;
use std::str::FromStr;

use qoesign_algorithms::{CryptoRng, KeyShare, PartyId};
use qoesign_policy::PolicyDigest;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Identifies a credential: 16 random bytes, written as 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CredentialId([u8; 16]);

impl CredentialId {
    /// A fresh random identifier.
    pub fn random(rng: &mut dyn CryptoRng) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The identifier with these bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// A credential identifier that is not 32 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("credential id {input:?} is not 32 hex digits")]
pub struct CredentialIdError {
    /// What was given.
    pub input: String,
}

impl FromStr for CredentialId {
    type Err = CredentialIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| CredentialIdError {
            input: s.to_owned(),
        })?;
        Ok(Self(bytes))
    }
}

/// Where a credential is in its life.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum CredentialState {
    /// Signs and verifies.
    Active,
    /// Verifies only: the share is kept, but no new signature is made with it.
    Retired,
    /// Gone: the share was wiped; the public key is kept for the record.
    Destroyed,
}

impl CredentialState {
    /// `active`, `retired` or `destroyed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retired => "retired",
            Self::Destroyed => "destroyed",
        }
    }

    /// Whether the lifecycle allows going from `self` to `to`: forward only (active, retired,
    /// destroyed), and staying put.
    pub fn may_become(self, to: Self) -> bool {
        self == to
            || matches!(
                (self, to),
                (Self::Active, Self::Retired | Self::Destroyed) | (Self::Retired, Self::Destroyed)
            )
    }
}

impl fmt::Display for CredentialState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One key holder of a credential: a provider's name or the user's device, and its index in
/// the key's sessions.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Holder {
    /// The provider name from the policy, or `user`.
    pub name: String,
    /// The holder's party index.
    pub party: PartyId,
}

/// A credential as this party stores it: who it belongs to, the key, the policy it was made
/// under, where it is in its life, and what a coordinator needs to run it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Credential {
    /// The credential's identifier.
    pub id: CredentialId,
    /// Whom the key belongs to (the signatory).
    pub owner: String,
    /// The algorithm identifier, e.g. `ml-dsa-65`.
    pub algorithm: String,
    /// The scheme that made the key.
    pub scheme: String,
    /// The public key in the algorithm's standard encoding.
    pub public_key: Vec<u8>,
    /// The version of the policy in force when the key was made.
    pub policy_version: u64,
    /// The digest of that policy.
    pub policy_digest: PolicyDigest,
    /// Every key holder, by name and party index.
    pub holders: Vec<Holder>,
    /// How many holders sign together.
    pub threshold: u16,
    /// The holder without whom no signature exists, if any.
    pub required: Option<PartyId>,
    /// Where the credential is in its life.
    pub state: CredentialState,
    /// The credential this one re-issues (after a migration).
    pub replaces: Option<CredentialId>,
    /// The credential that re-issues this one.
    pub replaced_by: Option<CredentialId>,
    /// When the key was made.
    pub created: OffsetDateTime,
    /// When this party last signed with it.
    pub last_used: Option<OffsetDateTime>,
    /// How many signatures this party took part in.
    pub signature_count: u64,
}

impl Credential {
    /// What in `share` contradicts this credential, if anything: another algorithm, scheme,
    /// public key, committee, threshold or required holder, or a party that is not a holder.
    pub fn mismatch(&self, share: &KeyShare) -> Option<String> {
        let holders: Vec<PartyId> = self.holders.iter().map(|h| h.party).collect();
        let checks: [(bool, &str); 7] = [
            (
                share.algorithm() == self.algorithm,
                "the share is of another algorithm",
            ),
            (
                share.scheme() == self.scheme,
                "the share is of another scheme",
            ),
            (
                share.public_key() == self.public_key.as_slice(),
                "the share is of another key",
            ),
            (
                share.parties() == holders.as_slice(),
                "the share has other holders",
            ),
            (
                share.threshold() == self.threshold,
                "the share has another threshold",
            ),
            (
                share.required() == self.required,
                "the share has another required holder",
            ),
            (
                holders.contains(&share.party()),
                "the share's party is not a holder",
            ),
        ];
        checks
            .into_iter()
            .find(|(ok, _)| !ok)
            .map(|(_, reason)| reason.to_owned())
    }
}

/// A policy this party accepted: it takes part only in sessions bound to an accepted policy.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AcceptedPolicy {
    /// The policy's version.
    pub version: u64,
    /// Its digest.
    pub digest: PolicyDigest,
    /// The TOML source as accepted.
    pub source: String,
    /// When it was accepted.
    pub accepted_at: OffsetDateTime,
}

/// The stored form of a [`Credential`]; times are Unix nanoseconds (UTC).
#[derive(Serialize, Deserialize)]
pub(super) struct CredentialRecord {
    id: [u8; 16],
    owner: String,
    algorithm: String,
    scheme: String,
    public_key: Vec<u8>,
    policy_version: u64,
    policy_digest: [u8; 32],
    holders: Vec<Holder>,
    threshold: u16,
    required: Option<PartyId>,
    state: CredentialState,
    replaces: Option<[u8; 16]>,
    replaced_by: Option<[u8; 16]>,
    created: i128,
    last_used: Option<i128>,
    signature_count: u64,
}

impl CredentialRecord {
    pub(super) fn from_credential(c: &Credential) -> Self {
        Self {
            id: c.id.0,
            owner: c.owner.clone(),
            algorithm: c.algorithm.clone(),
            scheme: c.scheme.clone(),
            public_key: c.public_key.clone(),
            policy_version: c.policy_version,
            policy_digest: *c.policy_digest.as_bytes(),
            holders: c.holders.clone(),
            threshold: c.threshold,
            required: c.required,
            state: c.state,
            replaces: c.replaces.map(|id| id.0),
            replaced_by: c.replaced_by.map(|id| id.0),
            created: c.created.unix_timestamp_nanos(),
            last_used: c.last_used.map(OffsetDateTime::unix_timestamp_nanos),
            signature_count: c.signature_count,
        }
    }

    /// The credential, or `None` when a time is out of range.
    pub(super) fn into_credential(self) -> Option<Credential> {
        Some(Credential {
            id: CredentialId(self.id),
            owner: self.owner,
            algorithm: self.algorithm,
            scheme: self.scheme,
            public_key: self.public_key,
            policy_version: self.policy_version,
            policy_digest: PolicyDigest::from_bytes(self.policy_digest),
            holders: self.holders,
            threshold: self.threshold,
            required: self.required,
            state: self.state,
            replaces: self.replaces.map(CredentialId),
            replaced_by: self.replaced_by.map(CredentialId),
            created: from_nanos(self.created)?,
            last_used: match self.last_used {
                Some(t) => Some(from_nanos(t)?),
                None => None,
            },
            signature_count: self.signature_count,
        })
    }
}

/// The stored form of an [`AcceptedPolicy`].
#[derive(Serialize, Deserialize)]
pub(super) struct PolicyRecord {
    version: u64,
    digest: [u8; 32],
    source: String,
    accepted_at: i128,
}

impl PolicyRecord {
    pub(super) fn from_policy(p: &AcceptedPolicy) -> Self {
        Self {
            version: p.version,
            digest: *p.digest.as_bytes(),
            source: p.source.clone(),
            accepted_at: p.accepted_at.unix_timestamp_nanos(),
        }
    }

    /// The policy, or `None` when the time is out of range.
    pub(super) fn into_policy(self) -> Option<AcceptedPolicy> {
        Some(AcceptedPolicy {
            version: self.version,
            digest: PolicyDigest::from_bytes(self.digest),
            source: self.source,
            accepted_at: from_nanos(self.accepted_at)?,
        })
    }
}

/// The stored form of a claimed session: when it was claimed.
#[derive(Serialize, Deserialize)]
pub(super) struct SessionRecord {
    pub(super) claimed_at: i128,
}

fn from_nanos(nanos: i128) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_parse_as_hex() {
        let id = CredentialId::from_bytes(*b"0123456789abcdef");
        let text = id.to_string();
        assert_eq!(text, "30313233343536373839616263646566");
        assert_eq!(text.parse::<CredentialId>(), Ok(id));
        for bad in [
            "",
            "3031",
            "zz313233343536373839616263646566",
            &format!("{text}00"),
        ] {
            assert!(bad.parse::<CredentialId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn states_move_forward_only() {
        use CredentialState::{Active, Destroyed, Retired};
        assert!(Active.may_become(Retired) && Active.may_become(Destroyed));
        assert!(Retired.may_become(Destroyed) && Retired.may_become(Retired));
        assert!(!Retired.may_become(Active) && !Destroyed.may_become(Active));
        assert!(!Destroyed.may_become(Retired));
    }
}

//! Key shares: what one party keeps after key generation.

use std::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::wire::{FORMAT_VERSION, WireError, take_all, to_vec};
use crate::{PartyId, SchemeError, SchemeInfo};

/// Secret bytes: zeroized on drop, never printed, compared in constant time, not `Clone`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret bytes. Keep the borrow short and never log it.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([redacted; {}])", self.0.len())
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        // Lengths are public (they follow from the scheme); contents are compared in constant
        // time.
        self.0.len() == other.0.len() && bool::from(self.0.ct_eq(&other.0))
    }
}

impl Eq for SecretBytes {}

/// How many protocol executions a key share may still take part in. Threshold ML-DSA counts
/// Round-3 responses against the budget its security proof assumes; schemes without such a
/// bound carry no budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningBudget {
    used: u64,
    cap: u64,
}

impl SigningBudget {
    /// A fresh budget of `cap` units.
    pub fn new(cap: u64) -> Self {
        Self { used: 0, cap }
    }

    /// Units used (or reserved) so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// The cap.
    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// Units left.
    pub fn remaining(&self) -> u64 {
        self.cap.saturating_sub(self.used)
    }
}

/// One party's share of a key, with the public data needed to use it.
///
/// A share records the algorithm and the scheme that made it, so a scheme can be retired and
/// its keys re-issued. [`KeyShare::to_bytes`] returns the secret in the clear: callers must
/// encrypt it before it leaves memory.
#[derive(PartialEq, Eq)]
pub struct KeyShare {
    algorithm: String,
    scheme: String,
    party: PartyId,
    parties: Vec<PartyId>,
    threshold: u16,
    required: Option<PartyId>,
    public_key: Vec<u8>,
    budget: Option<SigningBudget>,
    banned: Vec<PartyId>,
    secret: SecretBytes,
}

impl KeyShare {
    /// Assembles a share; used by schemes at the end of key generation.
    pub fn new(
        scheme: &SchemeInfo,
        party: PartyId,
        parties: Vec<PartyId>,
        threshold: u16,
        public_key: Vec<u8>,
        secret: SecretBytes,
    ) -> Self {
        Self {
            algorithm: scheme.algorithm.id.to_owned(),
            scheme: scheme.id.to_owned(),
            party,
            parties,
            threshold,
            required: None,
            public_key,
            budget: None,
            banned: Vec::new(),
            secret,
        }
    }

    /// The same share with `party` recorded as a holder without whom no signature exists (the
    /// user's device of a "user and t of n" key); used by schemes at the end of key generation.
    #[must_use]
    pub fn with_required(mut self, party: PartyId) -> Self {
        self.required = Some(party);
        self
    }

    /// The holder that must be among the signers of every signature, if the key has one.
    pub fn required(&self) -> Option<PartyId> {
        self.required
    }

    /// The same key holder and key with a new secret (after a refresh), keeping the budget and
    /// the bans.
    #[must_use]
    pub fn with_secret(&self, secret: SecretBytes) -> Self {
        Self {
            algorithm: self.algorithm.clone(),
            scheme: self.scheme.clone(),
            party: self.party,
            parties: self.parties.clone(),
            threshold: self.threshold,
            required: self.required,
            public_key: self.public_key.clone(),
            budget: self.budget,
            banned: self.banned.clone(),
            secret,
        }
    }

    /// Parties this share refuses to run sessions with, sorted.
    pub fn banned(&self) -> &[PartyId] {
        &self.banned
    }

    /// Bans `party` for good: later sessions of this share that include it are refused.
    /// Returns whether the ban is new. Persist the share afterwards.
    pub fn ban(&mut self, party: PartyId) -> bool {
        match self.banned.binary_search(&party) {
            Ok(_) => false,
            Err(at) => {
                self.banned.insert(at, party);
                true
            }
        }
    }

    /// Records what an aborted session of this share requires: bans the culprit when `error`
    /// says so ([`crate::ProtocolError::ban`]). Returns the party newly banned, if any.
    pub fn record_abort(&mut self, error: &crate::ProtocolError) -> Option<PartyId> {
        let party = error.ban()?;
        self.ban(party).then_some(party)
    }

    /// Checks that no party of a session is banned by this share.
    ///
    /// # Errors
    ///
    /// Returns [`SchemeError::Banned`] naming the first banned party.
    pub fn check_not_banned(
        &self,
        scheme: &SchemeInfo,
        session: &[PartyId],
    ) -> Result<(), SchemeError> {
        match session
            .iter()
            .find(|p| self.banned.binary_search(p).is_ok())
        {
            Some(&party) => Err(SchemeError::Banned {
                scheme: scheme.id,
                party,
            }),
            None => Ok(()),
        }
    }

    /// The share with a fresh signing budget of `cap` units.
    #[must_use]
    pub fn with_budget(mut self, cap: u64) -> Self {
        self.budget = Some(SigningBudget::new(cap));
        self
    }

    /// The signing budget, for schemes that have one.
    pub fn budget(&self) -> Option<SigningBudget> {
        self.budget
    }

    /// Takes `units` from the signing budget, if the share has one.
    ///
    /// # Errors
    ///
    /// Returns [`SchemeError::BudgetExhausted`], changing nothing, when fewer than `units`
    /// remain.
    pub fn reserve(&mut self, scheme: &SchemeInfo, units: u64) -> Result<(), SchemeError> {
        let Some(budget) = &mut self.budget else {
            return Ok(());
        };
        if budget.remaining() < units {
            return Err(SchemeError::BudgetExhausted {
                scheme: scheme.id,
                used: budget.used,
                cap: budget.cap,
                needed: units,
            });
        }
        budget.used += units;
        Ok(())
    }

    /// The algorithm identifier.
    pub fn algorithm(&self) -> &str {
        &self.algorithm
    }

    /// The identifier of the scheme that made this share.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The party holding this share.
    pub fn party(&self) -> PartyId {
        self.party
    }

    /// Every key holder.
    pub fn parties(&self) -> &[PartyId] {
        &self.parties
    }

    /// How many key holders must sign together.
    pub fn threshold(&self) -> u16 {
        self.threshold
    }

    /// The joint public key, in the algorithm's standard encoding.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The secret part.
    pub fn secret(&self) -> &SecretBytes {
        &self.secret
    }

    /// Checks that the share was made by `scheme`.
    ///
    /// # Errors
    ///
    /// Returns [`SchemeError::WrongShare`] naming both schemes when it was not.
    pub fn check_scheme(&self, scheme: &SchemeInfo) -> Result<(), SchemeError> {
        if self.scheme == scheme.id && self.algorithm == scheme.algorithm.id {
            return Ok(());
        }
        Err(SchemeError::WrongShare {
            scheme: scheme.id,
            reason: format!("the share was made by {}/{}", self.algorithm, self.scheme),
        })
    }

    /// Encodes the share, secret included, in the versioned format.
    ///
    /// # Security
    ///
    /// The result holds the secret in the clear; it is zeroized on drop. Encrypt it before it
    /// is written anywhere.
    ///
    /// # Errors
    ///
    /// Returns [`WireError::Encode`] only on a serialization bug.
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, WireError> {
        let record = ShareRecordRef {
            format: FORMAT_VERSION,
            algorithm: &self.algorithm,
            scheme: &self.scheme,
            party: self.party,
            parties: &self.parties,
            threshold: self.threshold,
            required: self.required,
            public_key: &self.public_key,
            budget: self.budget,
            banned: &self.banned,
            secret: self.secret.expose(),
        };
        to_vec("key share", &record).map(Zeroizing::new)
    }

    /// Decodes a share written by [`KeyShare::to_bytes`].
    ///
    /// # Errors
    ///
    /// Returns [`WireError::UnknownFormat`] for another format version,
    /// [`WireError::TrailingBytes`] for extra bytes and [`WireError::Decode`] for anything else
    /// that does not decode (a truncated record, for example).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let (format, _) =
            postcard::take_from_bytes::<u16>(bytes).map_err(|e| WireError::Decode {
                what: "key share format",
                reason: e.to_string(),
            })?;
        if format != FORMAT_VERSION {
            return Err(WireError::UnknownFormat { found: format });
        }
        let mut record: ShareRecord = take_all("key share", bytes)?;
        record.banned.sort_unstable();
        record.banned.dedup();
        Ok(Self {
            algorithm: record.algorithm,
            scheme: record.scheme,
            party: record.party,
            parties: record.parties,
            threshold: record.threshold,
            required: record.required,
            public_key: record.public_key,
            budget: record.budget,
            banned: record.banned,
            secret: SecretBytes::new(std::mem::take(&mut *record.secret)),
        })
    }
}

impl fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyShare")
            .field("algorithm", &self.algorithm)
            .field("scheme", &self.scheme)
            .field("party", &self.party)
            .field("parties", &self.parties)
            .field("threshold", &self.threshold)
            .field("required", &self.required)
            .field("public_key_len", &self.public_key.len())
            .field("budget", &self.budget)
            .field("banned", &self.banned)
            .field("secret", &self.secret)
            .finish()
    }
}

#[derive(Serialize)]
struct ShareRecordRef<'a> {
    format: u16,
    algorithm: &'a str,
    scheme: &'a str,
    party: PartyId,
    parties: &'a [PartyId],
    threshold: u16,
    required: Option<PartyId>,
    public_key: &'a [u8],
    budget: Option<SigningBudget>,
    banned: &'a [PartyId],
    secret: &'a [u8],
}

#[derive(Deserialize)]
struct ShareRecord {
    #[allow(dead_code, reason = "checked before the whole record is decoded")]
    format: u16,
    algorithm: String,
    scheme: String,
    party: PartyId,
    parties: Vec<PartyId>,
    threshold: u16,
    required: Option<PartyId>,
    public_key: Vec<u8>,
    budget: Option<SigningBudget>,
    banned: Vec<PartyId>,
    secret: Zeroizing<Vec<u8>>,
}

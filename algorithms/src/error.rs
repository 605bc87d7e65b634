//! Error types of the scheme plugins, kept apart by cause: caller misuse, invalid input, a
//! misbehaving party (with blame), and internal bugs. A failed signature verification is a
//! single opaque verdict.

use crate::{PartyId, WireError};

/// A protocol run that cannot continue.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A party sent bytes that do not decode as a message of this session.
    #[error("{party} sent a malformed message: {reason}")]
    Malformed {
        /// The sender, as authenticated by the transport.
        party: PartyId,
        /// What was wrong with the bytes.
        reason: WireError,
    },
    /// A party sent a message it had already sent, or one for a round already closed.
    #[error("{party} sent a replayed or duplicate message: {what}")]
    Replayed {
        /// The sender.
        party: PartyId,
        /// Which message was repeated.
        what: String,
    },
    /// A party sent a well-formed message that breaks the protocol (a bad proof, an
    /// inconsistent value).
    #[error("{party} broke the protocol: {reason}")]
    Misbehaved {
        /// The culprit.
        party: PartyId,
        /// What it did.
        reason: String,
    },
    /// A party failed a check whose failure leaks reusable secret state: for threshold ECDSA,
    /// the oblivious-transfer or multiplication checks of DKLs23. The party that detected it
    /// must never run another session with the culprit under this key; see
    /// [`crate::KeyShare::record_abort`].
    #[error("{party} failed a check that protects reusable secret state ({reason}); it is banned")]
    MustBan {
        /// The culprit, to be banned.
        party: PartyId,
        /// The check that failed.
        reason: String,
    },
    /// A check failed that the protocol cannot pin on one party (for example, values that only
    /// disagree once every party's contribution is combined).
    #[error("a check failed that cannot be attributed to one party: {0}")]
    Unattributable(String),
    /// A message came from a party that is not part of this session.
    #[error("message from {party}, which is not a party of this session")]
    UnknownSender {
        /// The sender.
        party: PartyId,
    },
    /// The caller drove the state machine wrongly (for example, called it after it finished).
    #[error("protocol driven wrongly: {0}")]
    Misuse(&'static str),
    /// The signature the protocol produced did not pass standard verification, so it was not
    /// released.
    #[error("the produced signature failed verification and was not released")]
    SelfCheckFailed,
    /// Every attempt the session allows ended without a valid signature. For threshold
    /// ML-DSA this is expected with a small probability; it also happens when a co-signer
    /// sends bad responses, which the scheme cannot attribute.
    #[error("no valid signature after {attempts} attempts")]
    NoSignature {
        /// Attempts made.
        attempts: u32,
    },
    /// A bug in qoesign or a failure of the backing library.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ProtocolError {
    /// The party to blame, when the error is a party's fault.
    pub fn culprit(&self) -> Option<PartyId> {
        match self {
            Self::Malformed { party, .. }
            | Self::Replayed { party, .. }
            | Self::Misbehaved { party, .. }
            | Self::MustBan { party, .. }
            | Self::UnknownSender { party } => Some(*party),
            Self::Misuse(_)
            | Self::Unattributable(_)
            | Self::SelfCheckFailed
            | Self::NoSignature { .. }
            | Self::Internal(_) => None,
        }
    }
}

impl ProtocolError {
    /// The same error with its culprit (if any) renamed by `rename`: for a party that runs
    /// several indices of an inner protocol and answers for them under one id.
    #[must_use]
    pub fn map_culprit(self, rename: impl Fn(PartyId) -> PartyId) -> Self {
        match self {
            Self::Malformed { party, reason } => Self::Malformed {
                party: rename(party),
                reason,
            },
            Self::Replayed { party, what } => Self::Replayed {
                party: rename(party),
                what,
            },
            Self::Misbehaved { party, reason } => Self::Misbehaved {
                party: rename(party),
                reason,
            },
            Self::MustBan { party, reason } => Self::MustBan {
                party: rename(party),
                reason,
            },
            Self::UnknownSender { party } => Self::UnknownSender {
                party: rename(party),
            },
            other => other,
        }
    }

    /// The party the detecting party must ban, when the error requires a ban.
    pub fn ban(&self) -> Option<PartyId> {
        match self {
            Self::MustBan { party, .. } => Some(*party),
            _ => None,
        }
    }
}

/// A session that cannot be set up: the caller asked for something the scheme does not do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemeError {
    /// The committee (parties, threshold) is outside what the scheme supports.
    #[error("unsupported committee for scheme {scheme}: {reason}")]
    UnsupportedCommittee {
        /// The scheme identifier.
        scheme: &'static str,
        /// Why.
        reason: String,
    },
    /// The message form or its parameters do not fit the algorithm.
    #[error("scheme {scheme} cannot sign this input: {reason}")]
    UnsupportedInput {
        /// The scheme identifier.
        scheme: &'static str,
        /// Why.
        reason: String,
    },
    /// The share's signing budget cannot cover another session.
    #[error(
        "the key share's signing budget is exhausted for scheme {scheme}: {used} of {cap} used, \
         a session needs {needed}; re-issue the key"
    )]
    BudgetExhausted {
        /// The scheme identifier.
        scheme: &'static str,
        /// Units already used.
        used: u64,
        /// The cap.
        cap: u64,
        /// Units one session reserves.
        needed: u64,
    },
    /// A requested co-signer is banned by this share (it failed a check that protects the
    /// share's reusable secret state in an earlier session).
    #[error("scheme {scheme} refuses to run a session with {party}: this key share has banned it")]
    Banned {
        /// The scheme identifier.
        scheme: &'static str,
        /// The banned party.
        party: PartyId,
    },
    /// The key share was made by another scheme or for another party.
    #[error("key share does not fit scheme {scheme}: {reason}")]
    WrongShare {
        /// The scheme identifier.
        scheme: &'static str,
        /// Why.
        reason: String,
    },
}

/// The part of a verification input that is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyPart {
    /// The public key.
    PublicKey,
    /// The signature.
    Signature,
    /// The message, digest or μ.
    Message,
    /// The context string.
    Context,
}

/// Why a signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// An input cannot even be decoded (wrong length, bad encoding); nothing was verified.
    #[error("malformed {}: {reason}", part.as_str())]
    Malformed {
        /// Which input.
        part: VerifyPart,
        /// What is wrong with it.
        reason: String,
    },
    /// The signature does not verify. Deliberately says nothing more.
    #[error("invalid signature")]
    Invalid,
}

impl VerifyPart {
    /// A short name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PublicKey => "public key",
            Self::Signature => "signature",
            Self::Message => "message",
            Self::Context => "context",
        }
    }
}

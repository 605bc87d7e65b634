//! What the engine's parties say to each other: requests from the coordinator, protocol
//! messages between key holders, and the outcome each party reports.
//!
//! Byte fields are encoded as one length and the bytes (`serde_bytes`), not element by
//! element: protocol messages of threshold ML-DSA run to hundreds of kilobytes.
//!
//! Envelopes travel as bytes over a [`crate::transport::Transport`], which authenticates the
//! sender; nothing in an envelope claims who sent it. The encoding is postcard behind a
//! version byte, so a party of another release is told apart from a party sending garbage.

use qoesign_algorithms::{PartyId, SessionId, SignInput};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[cfg(doc)]
use crate::store::CredentialId;
use crate::store::Holder;

/// The envelope encoding this build speaks.
pub const ENVELOPE_VERSION: u8 = 2;

/// Everything parties send each other.
#[derive(Clone, Serialize, Deserialize)]
pub enum Envelope {
    /// Coordinator to key holder: take part in a key generation.
    Keygen(KeygenRequest),
    /// Coordinator to signer: take part in a signature.
    Sign(SignRequest),
    /// Key holder to key holder: one message of a running protocol. The bytes carry the
    /// scheme's own header (session, sender index), which the scheme checks.
    Protocol {
        /// The session the message belongs to.
        session: SessionId,
        /// The scheme's message.
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
    /// Party to coordinator: how a session ended for it.
    Outcome {
        /// The session.
        session: SessionId,
        /// What happened.
        outcome: Outcome,
    },
    /// Coordinator to parties: stop working on a session (it was retried or abandoned).
    Cancel {
        /// The session.
        session: SessionId,
    },
    /// Coordinator to key holders: the key generation finished at every holder; the key is
    /// confirmed and can no longer be discarded.
    Confirm {
        /// A fresh session identifier for the request and its outcome.
        session: SessionId,
        /// The credential ([`CredentialId`] bytes).
        credential: [u8; 16],
    },
    /// Coordinator to key holders: drop the key of a key generation that did not finish at
    /// every holder. A party drops only a key that never signed and that no credential was
    /// retired in favour of, and that was never confirmed.
    Discard {
        /// A fresh session identifier for the request and its outcome.
        session: SessionId,
        /// The credential ([`CredentialId`] bytes).
        credential: [u8; 16],
    },
    /// Coordinator to the holders of a credential being re-issued: the rollover statement is
    /// signed, make the old credential verify-only and link it to its successor.
    Retire(RetireRequest),
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Keygen(request) => f.debug_tuple("Keygen").field(request).finish(),
            Self::Sign(request) => f.debug_tuple("Sign").field(request).finish(),
            // Key generation messages carry secret material: their length only.
            Self::Protocol { session, bytes } => f
                .debug_struct("Protocol")
                .field("session", session)
                .field("len", &bytes.len())
                .finish(),
            Self::Outcome { session, outcome } => f
                .debug_struct("Outcome")
                .field("session", session)
                .field("outcome", outcome)
                .finish(),
            Self::Cancel { session } => f.debug_struct("Cancel").field("session", session).finish(),
            Self::Confirm {
                session,
                credential,
            } => f
                .debug_struct("Confirm")
                .field("session", session)
                .field("credential", &hex::encode(credential))
                .finish(),
            Self::Discard {
                session,
                credential,
            } => f
                .debug_struct("Discard")
                .field("session", session)
                .field("credential", &hex::encode(credential))
                .finish(),
            Self::Retire(request) => f.debug_tuple("Retire").field(request).finish(),
        }
    }
}

/// The request that opens a key generation session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeygenRequest {
    /// The fresh session identifier, bound to the policy digest.
    pub session: SessionId,
    /// The policy the session runs under; every party must have accepted it.
    pub policy_digest: [u8; 32],
    /// The identifier the new credential gets at every party ([`CredentialId`] bytes).
    pub credential: [u8; 16],
    /// The person the key belongs to.
    pub owner: String,
    /// The algorithm of the key.
    pub algorithm: String,
    /// The scheme that runs it.
    pub scheme: String,
    /// Every key holder by name and index.
    pub holders: Vec<Holder>,
    /// Signers per signature, the required holder included.
    pub threshold: u16,
    /// The holder without whom no signature exists (the user's device), if the policy wants one.
    pub required: Option<PartyId>,
    /// When the coordinator opened the session.
    pub created: OffsetDateTime,
    /// The credential the new one re-issues, in a migration ([`CredentialId`] bytes).
    pub replaces: Option<[u8; 16]>,
}

/// The request that retires a credential in favour of its successor.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RetireRequest {
    /// A fresh session identifier for the request and its outcome.
    pub session: SessionId,
    /// The policy in force; every party must have accepted it.
    pub policy_digest: [u8; 32],
    /// The credential that becomes verify-only ([`CredentialId`] bytes).
    pub old: [u8; 16],
    /// Its successor ([`CredentialId`] bytes).
    pub new: [u8; 16],
    /// The rollover statement, as signed.
    #[serde(with = "serde_bytes")]
    pub statement: Vec<u8>,
    /// The successor's signature of the statement, which a holder of the successor checks.
    #[serde(with = "serde_bytes")]
    pub new_signature: Vec<u8>,
}

/// The request that opens a signing session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignRequest {
    /// The fresh session identifier, bound to the policy digest.
    pub session: SessionId,
    /// The policy the session runs under.
    pub policy_digest: [u8; 32],
    /// The credential to sign with ([`CredentialId`] bytes).
    pub credential: [u8; 16],
    /// Its algorithm, which every signer checks against its own record and the policy.
    pub algorithm: String,
    /// The signers of this session by name and index.
    pub signers: Vec<Holder>,
    /// What is signed.
    pub input: WireInput,
}

/// [`SignInput`] on the wire.
#[derive(Clone, Serialize, Deserialize)]
pub enum WireInput {
    /// The document and its context string.
    Message {
        /// The document.
        #[serde(with = "serde_bytes")]
        message: Vec<u8>,
        /// The context string.
        #[serde(with = "serde_bytes")]
        context: Vec<u8>,
    },
    /// The caller's digest of the document.
    Digest(#[serde(with = "serde_bytes")] Vec<u8>),
    /// FIPS 204 external μ.
    ExternalMu(#[serde(with = "serde_bytes")] Vec<u8>),
}

impl std::fmt::Debug for WireInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Documents may be confidential: shown as SignInput shows them, sizes only.
        match self.to_input() {
            Ok(input) => input.fmt(f),
            Err(_) => f.write_str("ExternalMu(malformed)"),
        }
    }
}

impl From<&SignInput> for WireInput {
    fn from(input: &SignInput) -> Self {
        match input {
            SignInput::Message { message, context } => Self::Message {
                message: message.clone(),
                context: context.clone(),
            },
            SignInput::Digest(d) => Self::Digest(d.clone()),
            SignInput::ExternalMu(mu) => Self::ExternalMu(mu.to_vec()),
        }
    }
}

impl WireInput {
    /// The input as the schemes take it.
    ///
    /// # Errors
    ///
    /// Returns [`EnvelopeError::Malformed`] for an external μ that is not 64 bytes.
    pub fn to_input(&self) -> Result<SignInput, EnvelopeError> {
        Ok(match self {
            Self::Message { message, context } => {
                SignInput::with_context(message.clone(), context.clone())
            }
            Self::Digest(d) => SignInput::Digest(d.clone()),
            Self::ExternalMu(mu) => {
                SignInput::ExternalMu(mu.as_slice().try_into().map_err(|_| {
                    EnvelopeError::Malformed(format!("external mu has {} bytes, not 64", mu.len()))
                })?)
            }
        })
    }
}

/// How a session ended for one party.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Outcome {
    /// Key generation finished and the share is stored.
    KeyCreated {
        /// The public key in its standard encoding.
        #[serde(with = "serde_bytes")]
        public_key: Vec<u8>,
    },
    /// Signing finished.
    Signed {
        /// The signature in its standard encoding.
        #[serde(with = "serde_bytes")]
        signature: Vec<u8>,
        /// Protocol attempts it took.
        attempts: u32,
    },
    /// The party refused to take part; nothing was changed.
    Refused {
        /// Why, in words for the operator.
        reason: String,
    },
    /// A [`Envelope::Discard`] or [`Envelope::Retire`] request is done here (or there was
    /// nothing to do).
    Recorded,
    /// The protocol failed at this party.
    Failed {
        /// The party the protocol blames, by name, when it can tell.
        culprit: Option<String>,
        /// Parties this party waited for in vain when a round timed out.
        silent: Vec<String>,
        /// What went wrong.
        reason: String,
    },
}

/// An envelope that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Written by another release of the envelope encoding.
    #[error("envelope version {found}, this build speaks {ENVELOPE_VERSION}")]
    Version {
        /// The version byte found.
        found: u8,
    },
    /// Not an envelope.
    #[error("malformed envelope: {0}")]
    Malformed(String),
}

impl Envelope {
    /// The envelope's bytes.
    ///
    /// # Errors
    ///
    /// Returns [`EnvelopeError::Malformed`] only on a serialization bug.
    pub fn encode(&self) -> Result<Vec<u8>, EnvelopeError> {
        let mut bytes = vec![ENVELOPE_VERSION];
        let body =
            postcard::to_stdvec(self).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
        bytes.extend_from_slice(&body);
        Ok(bytes)
    }

    /// Reads an envelope.
    ///
    /// # Errors
    ///
    /// Returns [`EnvelopeError::Version`] for another encoding version and
    /// [`EnvelopeError::Malformed`] for bytes that do not decode or carry trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let (&version, body) = bytes
            .split_first()
            .ok_or_else(|| EnvelopeError::Malformed("empty".to_owned()))?;
        if version != ENVELOPE_VERSION {
            return Err(EnvelopeError::Version { found: version });
        }
        let (envelope, rest) = postcard::take_from_bytes::<Self>(body)
            .map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(EnvelopeError::Malformed(format!(
                "{} trailing bytes",
                rest.len()
            )));
        }
        Ok(envelope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_protocol_bytes_and_round_trips() {
        let envelope = Envelope::Protocol {
            session: SessionId([1; 32]),
            bytes: vec![0xab; 40],
        };
        let shown = format!("{envelope:?}");
        assert!(
            shown.contains("len: 40") && !shown.contains("171"),
            "{shown}"
        );
        let delivery = crate::transport::Delivery {
            from: "p0".to_owned(),
            bytes: vec![0xab; 40],
        };
        assert!(!format!("{delivery:?}").contains("171"));
        let bytes = envelope.encode().unwrap_or_default();
        // One version byte, the variant, the session, the length and the 40 bytes themselves.
        assert!(bytes.len() < 40 + 32 + 8, "{} bytes", bytes.len());
        assert!(matches!(
            Envelope::decode(&bytes),
            Ok(Envelope::Protocol { bytes, .. }) if bytes == vec![0xab; 40]
        ));
        assert_eq!(
            Envelope::decode(&[1, 0]).err(),
            Some(EnvelopeError::Version { found: 1 })
        );
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(
            Envelope::decode(&trailing),
            Err(EnvelopeError::Malformed(_))
        ));
    }
}

//! The versioned wire encoding of protocol messages.
//!
//! Every message is `postcard(Header) ‖ postcard(body)`. The header carries the format version,
//! the algorithm and scheme identifiers, the session identifier and the claimed sender. A
//! decoder refuses, in this order: an unknown format version, a header or body that does not
//! decode, trailing bytes, another algorithm or scheme, another session, and a claimed sender
//! that differs from the sender the transport authenticated.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::PartyId;

/// The wire format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// Identifies one key generation or signing session; chosen by the coordinator, unique per
/// session, and bound into every message so that messages cannot cross sessions.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionId(pub [u8; 32]);

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().take(8).try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// The header in front of every message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Wire format version, [`FORMAT_VERSION`].
    pub format: u16,
    /// Algorithm identifier.
    pub algorithm: String,
    /// Scheme identifier.
    pub scheme: String,
    /// Session identifier.
    pub session: SessionId,
    /// The party that wrote the message.
    pub sender: PartyId,
}

/// What a receiver expects of a message's header.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// Algorithm identifier.
    pub algorithm: &'a str,
    /// Scheme identifier.
    pub scheme: &'a str,
    /// Session identifier.
    pub session: SessionId,
}

/// Why bytes are not a valid message (or key share).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The format version is not one this build reads.
    #[error("unknown format version {found} (this build reads version {FORMAT_VERSION})")]
    UnknownFormat {
        /// The version found.
        found: u16,
    },
    /// The bytes do not decode.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// The decoder's description.
        reason: String,
    },
    /// Bytes follow the encoded value.
    #[error("{count} trailing byte(s) after the encoded value")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The header names another algorithm or scheme.
    #[error("message is for {found}, expected {expected}")]
    WrongScheme {
        /// `algorithm/scheme` expected.
        expected: String,
        /// `algorithm/scheme` found.
        found: String,
    },
    /// The header names another session.
    #[error("message belongs to session {found}, not {expected}")]
    WrongSession {
        /// The session expected.
        expected: SessionId,
        /// The session found.
        found: SessionId,
    },
    /// The header claims a sender other than the authenticated one.
    #[error("message claims to come from {claimed} but was sent by {actual}")]
    SenderMismatch {
        /// The sender written in the header.
        claimed: PartyId,
        /// The sender the transport authenticated.
        actual: PartyId,
    },
    /// The value could not be encoded (a bug).
    #[error("cannot encode {what}: {reason}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's description.
        reason: String,
    },
}

/// Encodes a message.
///
/// # Errors
///
/// Returns [`WireError::Encode`] if serialization fails, which only a bug in a body type can
/// cause.
pub fn encode<T: Serialize>(header: &Header, body: &T) -> Result<Vec<u8>, WireError> {
    let mut out = to_vec("header", header)?;
    out.extend_from_slice(&to_vec("body", body)?);
    Ok(out)
}

/// Decodes a message sent by `from`, checking its header against `expected`.
///
/// # Errors
///
/// Returns the first [`WireError`] found, in the order given in the module documentation.
pub fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    expected: Expected<'_>,
    from: PartyId,
) -> Result<T, WireError> {
    let (header, rest) = take_header(bytes)?;
    let body = take_all::<T>("body", rest)?;
    if header.algorithm != expected.algorithm || header.scheme != expected.scheme {
        return Err(WireError::WrongScheme {
            expected: format!("{}/{}", expected.algorithm, expected.scheme),
            found: format!("{}/{}", header.algorithm, header.scheme),
        });
    }
    if header.session != expected.session {
        return Err(WireError::WrongSession {
            expected: expected.session,
            found: header.session,
        });
    }
    if header.sender != from {
        return Err(WireError::SenderMismatch {
            claimed: header.sender,
            actual: from,
        });
    }
    Ok(body)
}

/// Reads the format version and header at the start of `bytes`.
pub(crate) fn take_header(bytes: &[u8]) -> Result<(Header, &[u8]), WireError> {
    let (format, _) =
        postcard::take_from_bytes::<u16>(bytes).map_err(|e| decode_error("format", e))?;
    if format != FORMAT_VERSION {
        return Err(WireError::UnknownFormat { found: format });
    }
    postcard::take_from_bytes::<Header>(bytes).map_err(|e| decode_error("header", e))
}

/// Decodes exactly one value filling all of `bytes`.
pub(crate) fn take_all<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, WireError> {
    let (value, rest) = postcard::take_from_bytes::<T>(bytes).map_err(|e| decode_error(what, e))?;
    if !rest.is_empty() {
        return Err(WireError::TrailingBytes { count: rest.len() });
    }
    Ok(value)
}

pub(crate) fn to_vec<T: Serialize + ?Sized>(
    what: &'static str,
    value: &T,
) -> Result<Vec<u8>, WireError> {
    postcard::to_allocvec(value).map_err(|e| WireError::Encode {
        what,
        reason: e.to_string(),
    })
}

fn decode_error(what: &'static str, e: postcard::Error) -> WireError {
    WireError::Decode {
        what,
        reason: e.to_string(),
    }
}

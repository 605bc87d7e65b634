//! What every threshold protocol of this crate shares on the wire: the header every message
//! carries and the checks every received message passes first.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::wire::{self, Expected, Header, WireError};
use crate::{Outgoing, PartyId, ProtocolError, Recipient, SchemeInfo, SessionId};

/// Who speaks in a session: the scheme, the session and this party.
#[derive(Clone, Copy)]
pub(crate) struct Framing {
    pub(crate) info: &'static SchemeInfo,
    pub(crate) session: SessionId,
    pub(crate) me: PartyId,
}

impl Framing {
    /// `body` behind this party's header, addressed to `to`.
    pub(crate) fn outgoing<T: Serialize>(
        &self,
        to: Recipient,
        body: &T,
    ) -> Result<Outgoing, ProtocolError> {
        let header = Header {
            format: wire::FORMAT_VERSION,
            algorithm: self.info.algorithm.id.to_owned(),
            scheme: self.info.id.to_owned(),
            session: self.session,
            sender: self.me,
        };
        let bytes =
            wire::encode(&header, body).map_err(|e| ProtocolError::Internal(e.to_string()))?;
        Ok(Outgoing { to, bytes })
    }

    /// The body of a message from `from`, after checking that `from` is another member of the
    /// session (`is_member`) and that the header is this session's.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        from: PartyId,
        is_member: bool,
        bytes: &[u8],
    ) -> Result<T, ProtocolError> {
        if from == self.me || !is_member {
            return Err(ProtocolError::UnknownSender { party: from });
        }
        let expected = Expected {
            algorithm: self.info.algorithm.id,
            scheme: self.info.id,
            session: self.session,
        };
        wire::decode(bytes, expected, from).map_err(|reason| ProtocolError::Malformed {
            party: from,
            reason,
        })
    }
}

/// A well-framed message from `party` whose `what` is not acceptable.
pub(crate) fn malformed(party: PartyId, what: &'static str, reason: String) -> ProtocolError {
    ProtocolError::Malformed {
        party,
        reason: WireError::Decode { what, reason },
    }
}

//! What the key generation and signing protocols share on the wire: the header every message
//! carries, the checks every received message passes first, and the 23-bit packing of w and
//! t_S (q < 2^23).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::mldsa::encode::{simple_bit_pack, simple_bit_unpack};
use crate::mldsa::field::Q;
use crate::mldsa::poly::Poly;
use crate::wire::{self, Expected, Header, WireError};
use crate::{Outgoing, PartyId, ProtocolError, Recipient, SchemeInfo, SessionId};

/// Bits per coefficient of w and t_S on the wire.
pub(crate) const W_BITS: usize = 23;

/// Bytes of one polynomial packed at [`W_BITS`].
pub(crate) const POLY_BYTES: usize = 32 * W_BITS;

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

/// Polynomials with coefficients in [0, q), packed at [`W_BITS`].
pub(crate) fn pack(polys: &[Poly]) -> Vec<u8> {
    let mut out = Vec::with_capacity(polys.len() * POLY_BYTES);
    for p in polys {
        simple_bit_pack(p, W_BITS, &mut out);
    }
    out
}

/// Exactly `count` polynomials packed at [`W_BITS`], every coefficient below q.
pub(crate) fn unpack(bytes: &[u8], count: usize) -> Result<Vec<Poly>, String> {
    if bytes.len() != count * POLY_BYTES {
        return Err(format!(
            "{} bytes, expected {}",
            bytes.len(),
            count * POLY_BYTES
        ));
    }
    bytes
        .chunks_exact(POLY_BYTES)
        .map(|chunk| {
            let mut p = Poly::default();
            simple_bit_unpack(chunk, W_BITS, &mut p);
            match p.0.iter().find(|&&x| x >= Q) {
                Some(bad) => Err(format!("coefficient {bad} is not below q = {Q}")),
                None => Ok(p),
            }
        })
        .collect()
}

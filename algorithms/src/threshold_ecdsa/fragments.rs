//! Round 0 of the DKG and of a refresh: each key holder sends every peer its polynomial's
//! value at the peer's index (a secret fragment, on an encrypted channel), and keeps its own.

use p256::Scalar;
use zeroize::Zeroize;

use super::committee::Committee;
use super::rounds::{Received, Sends, decode, encode};
use crate::{PartyId, ProtocolError};

/// The fragments to send, one per peer, and ours. `fragments` are the library's phase-1
/// output in index order; they are wiped here.
pub(crate) fn send(
    committee: &Committee,
    me: PartyId,
    mut fragments: Vec<Scalar>,
) -> Result<(Sends, Scalar), ProtocolError> {
    let mut sends = Vec::with_capacity(fragments.len());
    let mut own = None;
    for (fragment, &party) in fragments.iter().zip(committee.parties()) {
        if party == me {
            own = Some(*fragment);
        } else {
            sends.push((party, encode("polynomial fragment", fragment)?));
        }
    }
    let complete = fragments.len() == committee.parties().len();
    fragments.zeroize();
    match own {
        Some(own) if complete => Ok((sends, own)),
        _ => Err(ProtocolError::Internal(
            "the library made fragments for another committee".to_owned(),
        )),
    }
}

/// Every key holder's fragment for us, in index order (ours is `own`). Wipe the result after
/// use.
pub(crate) fn gather(
    committee: &Committee,
    me: PartyId,
    own: Scalar,
    received: &Received,
) -> Result<Vec<Scalar>, ProtocolError> {
    let mut fragments = Vec::with_capacity(committee.parties().len());
    for &party in committee.parties() {
        if party == me {
            fragments.push(own);
        } else {
            let bytes = received
                .get(&party)
                .ok_or(ProtocolError::Misuse("a fragment is missing"))?;
            match decode::<Scalar>(party, "polynomial fragment", bytes) {
                Ok(fragment) => fragments.push(fragment),
                Err(error) => {
                    fragments.zeroize();
                    return Err(error);
                }
            }
        }
    }
    Ok(fragments)
}

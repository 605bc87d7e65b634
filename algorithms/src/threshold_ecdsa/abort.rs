//! Turning the library's aborts into [`ProtocolError`]s that name the culprit by party id.

use dkls23::secp256r1::protocols::{Abort, AbortKind, AbortReason, PartyIndex};

use super::committee::Committee;
use crate::{PartyId, ProtocolError};

/// The error for an abort the library reported at this party.
pub(crate) fn blame(committee: &Committee, abort: &Abort) -> ProtocolError {
    let reason = abort.description();
    let named = |index: PartyIndex| committee.party(index);
    if let AbortKind::BanCounterparty(index) = abort.kind {
        return match named(index) {
            Some(party) => ProtocolError::MustBan { party, reason },
            None => ProtocolError::Internal(format!("ban of unknown index {index}: {reason}")),
        };
    }
    match culprit(&abort.reason) {
        Culprit::Party(index) => match named(index) {
            Some(party) => ProtocolError::Misbehaved { party, reason },
            None => ProtocolError::Internal(format!("blame of unknown index {index}: {reason}")),
        },
        Culprit::Nobody => ProtocolError::Unattributable(reason),
        Culprit::Us => ProtocolError::Internal(reason),
        Culprit::Signature => ProtocolError::SelfCheckFailed,
    }
}

/// A message whose routing fields do not match its authenticated sender and this party.
pub(crate) fn misrouted(from: PartyId, what: &str) -> ProtocolError {
    ProtocolError::Misbehaved {
        party: from,
        reason: format!("its {what} names another sender or recipient"),
    }
}

enum Culprit {
    /// A counterparty broke the protocol.
    Party(PartyIndex),
    /// The failure shows up only in the combination of everyone's values.
    Nobody,
    /// The combined signature does not verify.
    Signature,
    /// This party's own state or the glue code is wrong.
    Us,
}

fn culprit(reason: &AbortReason) -> Culprit {
    use AbortReason as R;
    match reason {
        R::UnexpectedSender { sender } | R::DuplicateSender { sender } => Culprit::Party(*sender),
        R::MissingMessageFromParty { party }
        | R::MissingCommittedPoint { party }
        | R::ChainCodeCommitmentFailed { party } => Culprit::Party(*party),
        R::SessionBindingMismatch { counterparty }
        | R::ProofVerificationFailed { counterparty }
        | R::CommitmentMismatch { counterparty }
        | R::TrivialInstancePoint { counterparty }
        | R::OtConsistencyCheckFailed { counterparty }
        | R::MultiplicationVerificationFailed { counterparty, .. }
        | R::GammaUInconsistency { counterparty }
        | R::ZeroShareDecommitFailed { counterparty } => Culprit::Party(*counterparty),
        R::PolynomialInconsistency | R::TrivialPublicKey | R::ZeroDenominator => Culprit::Nobody,
        R::SignatureVerificationFailed => Culprit::Signature,
        _ => Culprit::Us,
    }
}

//! The bodies of threshold ML-DSA messages. Each travels after the common header of
//! [`crate::wire`] (format, algorithm, scheme, session, sender).

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::partition::Mask;

/// One message of a signing session. Every message names its attempt (1, 2, ...).
#[derive(Serialize, Deserialize)]
pub(crate) enum SignMessage {
    /// Round 1: the commitment to the party's K values of w.
    Commit {
        /// The attempt.
        attempt: u32,
        /// H(session, tr, party, attempt, w_0 .. w_{K-1}), lambda / 4 bytes.
        #[serde(with = "serde_bytes")]
        commitment: Vec<u8>,
    },
    /// Round 2: the K values of w, 23 bits per coefficient.
    Reveal {
        /// The attempt.
        attempt: u32,
        /// K slots of k packed polynomials.
        #[serde(with = "serde_bytes")]
        w: Vec<u8>,
    },
    /// Round 3: which slots the party accepted and their responses.
    Respond {
        /// The attempt.
        attempt: u32,
        /// Bit j (byte j / 8, bit j % 8) set: slot j accepted.
        #[serde(with = "serde_bytes")]
        accepted: Vec<u8>,
        /// K slots of l polynomials in the FIPS 204 z encoding; a rejected slot is all zero.
        #[serde(with = "serde_bytes")]
        z: Vec<u8>,
    },
}

impl SignMessage {
    /// The attempt the message belongs to.
    pub(crate) fn attempt(&self) -> u32 {
        match self {
            Self::Commit { attempt, .. }
            | Self::Reveal { attempt, .. }
            | Self::Respond { attempt, .. } => *attempt,
        }
    }

    /// The round, 1 to 3.
    pub(crate) fn round(&self) -> u8 {
        match self {
            Self::Commit { .. } => 1,
            Self::Reveal { .. } => 2,
            Self::Respond { .. } => 3,
        }
    }
}

/// One message of a key generation session.
#[derive(Serialize, Deserialize)]
pub(crate) enum KeygenMessage {
    /// Round 1, broadcast: the commitment to the party's share r_i of the joint randomness.
    Commit {
        /// H_commit(i, r_i).
        #[serde(with = "serde_bytes")]
        commitment: Vec<u8>,
    },
    /// Round 1, private: the keys K_S of the subsets the sender leads that contain the
    /// recipient.
    SubsetKeys {
        /// (subset, K_S) pairs.
        keys: Vec<SubsetKey>,
    },
    /// Round 2, broadcast: r_i.
    Reveal {
        /// The party's 32 random bytes.
        randomness: [u8; 32],
    },
    /// Round 3, broadcast: commitments to t_S for the subsets the sender leads.
    PartialCommit {
        /// (subset, H_commit(S, t_S)) pairs.
        commitments: Vec<(Mask, Vec<u8>)>,
    },
    /// Round 4, broadcast: t_S for the subsets the sender leads, and the sender's hash of the
    /// transcript of rounds 1-3.
    Partial {
        /// (subset, t_S packed at 23 bits per coefficient) pairs.
        partials: Vec<(Mask, Vec<u8>)>,
        /// The transcript hash.
        #[serde(with = "serde_bytes")]
        transcript: Vec<u8>,
    },
}

/// A subset key K_S in transit: sent only over an encrypted channel.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub(crate) struct SubsetKey {
    /// The subset.
    #[zeroize(skip)]
    pub(crate) mask: Mask,
    /// K_S.
    pub(crate) key: [u8; 32],
}

//! The sans-IO party interface every protocol implements.

use std::fmt;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::ProtocolError;

/// A party's index within a session (a provider or the user's device). The engine maps its
/// provider names to indices; schemes only see numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartyId(pub u16);

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "party {}", self.0)
    }
}

/// Where an outgoing message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    /// Every other party of the session.
    All,
    /// One party; the message may carry secrets, so the transport must encrypt it when the
    /// scheme's [`crate::SchemeInfo::transport`] says so.
    One(PartyId),
}

/// One message to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Its recipient.
    pub to: Recipient,
    /// The encoded message, header included.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Key generation messages carry secret material: their length only.
        f.debug_struct("Outgoing")
            .field("to", &self.to)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// What a party returns after each step.
#[derive(Debug)]
pub enum Progress<O> {
    /// Send these messages and wait for more.
    Continue(Vec<Outgoing>),
    /// Send these (last) messages; the party is finished with this output.
    Done {
        /// Messages other parties still need.
        outgoing: Vec<Outgoing>,
        /// The party's result.
        output: O,
    },
}

/// One party of a key generation or signing session, as a state machine without I/O.
///
/// The driver calls [`Party::start`] once, then [`Party::receive`] for every message addressed
/// to this party, sends whatever comes back, and stops at [`Progress::Done`] or an error. Any
/// call after that returns [`ProtocolError::Misuse`]. The same machine runs in one process
/// ([`crate::sim::Simulation`]) and across a network.
pub trait Party: Send {
    /// What the party produces: a key share, or a signature.
    type Output;

    /// This party's index.
    fn id(&self) -> PartyId;

    /// Begins the protocol and returns the first messages.
    ///
    /// # Errors
    ///
    /// Returns [`ProtocolError::Misuse`] when called twice, or a scheme-specific error.
    fn start(&mut self, rng: &mut dyn CryptoRng) -> Result<Progress<Self::Output>, ProtocolError>;

    /// Handles one message. `from` must be the sender as authenticated by the transport.
    ///
    /// # Errors
    ///
    /// Returns an error naming `from` when its message is malformed, replayed, from another
    /// session, or breaks the protocol; the party is then aborted.
    fn receive(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Progress<Self::Output>, ProtocolError>;
}

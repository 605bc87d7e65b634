//! How parties reach each other.
//!
//! A [`Transport`] hands out one [`Endpoint`] per party name. An endpoint sends bytes to a named
//! party and receives bytes together with the sender's name, which the transport vouches for:
//! the networked transport authenticates it with mutual TLS, the in-memory one
//! ([`memory::MemoryNetwork`]) knows it by construction. Nothing above this layer trusts a name
//! written inside a message.

pub mod memory;

use std::time::Duration;

/// One message as received.
#[derive(Clone)]
pub struct Delivery {
    /// The sender, as authenticated by the transport.
    pub from: String,
    /// The bytes sent.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes may be a key generation message with secret material: length only.
        f.debug_struct("Delivery")
            .field("from", &self.from)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Why the transport could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No party of this name is reachable.
    #[error("no party named `{0}` is reachable")]
    UnknownParty(String),
    /// The name is already taken by another endpoint.
    #[error("an endpoint named `{0}` already exists")]
    NameTaken(String),
    /// The endpoint was shut down.
    #[error("the endpoint of `{0}` is closed")]
    Closed(String),
}

/// A way for named parties to exchange messages.
pub trait Transport: Send + Sync {
    /// Opens the endpoint of the party `name`.
    ///
    /// # Errors
    ///
    /// Returns [`TransportError::NameTaken`] when the name already has an endpoint.
    fn endpoint(&self, name: &str) -> Result<Box<dyn Endpoint>, TransportError>;
}

/// One party's end of a [`Transport`].
pub trait Endpoint: Send {
    /// This party's name.
    fn name(&self) -> &str;

    /// Sends `bytes` to the party `to`. Delivery is not confirmed: a party that crashed simply
    /// never answers.
    ///
    /// # Errors
    ///
    /// Returns [`TransportError::UnknownParty`] when no such party exists.
    fn send(&self, to: &str, bytes: Vec<u8>) -> Result<(), TransportError>;

    /// The next message for this party, waiting at most `timeout`; `None` when none came.
    ///
    /// # Errors
    ///
    /// Returns [`TransportError::Closed`] when the endpoint can receive nothing any more.
    fn recv(&mut self, timeout: Duration) -> Result<Option<Delivery>, TransportError>;
}

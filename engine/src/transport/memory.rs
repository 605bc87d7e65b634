//! The in-memory transport: every party of one process, connected by channels.
//!
//! Used by `qoesign demo`, the local command-line store and the tests. A [`Fault`] rule lets
//! a test or the demo make a party fall silent or corrupt what it sends, as a crashed or
//! faulty provider would.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{Delivery, Endpoint, Transport, TransportError};

/// What a [`Fault`] rule does to one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver it unchanged.
    Deliver,
    /// Drop it silently.
    Drop,
    /// Deliver these bytes instead.
    Replace(Vec<u8>),
}

/// A rule applied to every message before delivery: `(from, to, bytes)` to a verdict.
pub type Fault = Box<dyn FnMut(&str, &str, &[u8]) -> Verdict + Send>;

/// Channels between the parties of one process.
#[derive(Clone, Default)]
pub struct MemoryNetwork {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    inboxes: HashMap<String, Sender<Delivery>>,
    fault: Option<Fault>,
}

impl MemoryNetwork {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies `fault` to every message from now on, replacing any earlier rule.
    pub fn set_fault(&self, fault: Fault) {
        self.lock().fault = Some(fault);
    }

    /// Delivers every message unchanged from now on.
    pub fn clear_fault(&self) {
        self.lock().fault = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panicking test thread must not take the whole network down with it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Transport for MemoryNetwork {
    fn endpoint(&self, name: &str) -> Result<Box<dyn Endpoint>, TransportError> {
        let mut inner = self.lock();
        if inner.inboxes.contains_key(name) {
            return Err(TransportError::NameTaken(name.to_owned()));
        }
        let (sender, receiver) = channel();
        inner.inboxes.insert(name.to_owned(), sender);
        Ok(Box::new(MemoryEndpoint {
            name: name.to_owned(),
            network: self.clone(),
            receiver,
        }))
    }
}

struct MemoryEndpoint {
    name: String,
    network: MemoryNetwork,
    receiver: Receiver<Delivery>,
}

impl Endpoint for MemoryEndpoint {
    fn name(&self) -> &str {
        &self.name
    }

    fn send(&self, to: &str, bytes: Vec<u8>) -> Result<(), TransportError> {
        let mut inner = self.network.lock();
        let inbox = inner
            .inboxes
            .get(to)
            .cloned()
            .ok_or_else(|| TransportError::UnknownParty(to.to_owned()))?;
        let verdict = match inner.fault.as_mut() {
            Some(fault) => fault(&self.name, to, &bytes),
            None => Verdict::Deliver,
        };
        drop(inner);
        let bytes = match verdict {
            Verdict::Deliver => bytes,
            Verdict::Drop => return Ok(()),
            Verdict::Replace(other) => other,
        };
        // A receiver that is gone is a party that stopped: like a crashed peer, it just never
        // answers.
        let _ = inbox.send(Delivery {
            from: self.name.clone(),
            bytes,
        });
        Ok(())
    }

    fn recv(&mut self, timeout: Duration) -> Result<Option<Delivery>, TransportError> {
        match self.receiver.recv_timeout(timeout) {
            Ok(delivery) => Ok(Some(delivery)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(TransportError::Closed(self.name.clone())),
        }
    }
}

impl Drop for MemoryEndpoint {
    fn drop(&mut self) {
        self.network.lock().inboxes.remove(&self.name);
    }
}

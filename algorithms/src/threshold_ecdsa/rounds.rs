//! The round structure every DKLs23 protocol here shares: numbered rounds in which each party
//! hears once from every peer, messages that arrive early wait for their round, and the
//! library's typed messages travel postcard-encoded inside a [`Frame`].

use std::collections::BTreeMap;

use rand_core::CryptoRng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::framing::{Framing, malformed};
use crate::wire::{WireError, take_all, to_vec};
use crate::{Outgoing, Party, PartyId, Progress, ProtocolError, Recipient};

/// The body of every message: its round and the round's payload.
#[derive(Serialize, Deserialize)]
struct Frame {
    round: u8,
    #[serde(with = "serde_bytes")]
    payload: Vec<u8>,
}

/// What a protocol sends in one round: a payload per recipient.
pub(crate) type Sends = Vec<(PartyId, Vec<u8>)>;

/// The payloads of one round, by sender; zeroized on drop, as they may carry secrets.
pub(crate) type Received = BTreeMap<PartyId, Zeroizing<Vec<u8>>>;

/// What a protocol does after a round.
pub(crate) enum Step<O> {
    /// Send the next round's payloads.
    Send(Sends),
    /// Finished: send these last payloads (possibly none) and return the output.
    Done(Sends, O),
}

/// A protocol of `ROUNDS` rounds of messages between a fixed set of peers.
pub(crate) trait Rounds: Send {
    /// What the protocol produces.
    type Output;
    /// How many rounds of messages it has; the output comes after the last.
    const ROUNDS: u8;
    /// The payloads of round 0.
    fn first(&mut self) -> Result<Sends, ProtocolError>;
    /// Handles every peer's payload of `round` and says what comes next.
    fn next(&mut self, round: u8, received: Received) -> Result<Step<Self::Output>, ProtocolError>;
}

/// Drives a [`Rounds`] protocol as a [`Party`]: framing, sender checks, early messages.
pub(crate) struct Driver<R> {
    framing: Framing,
    peers: Vec<PartyId>,
    protocol: R,
    state: State,
    /// Payloads of rounds not yet complete, by (round, sender).
    inbox: BTreeMap<(u8, PartyId), Zeroizing<Vec<u8>>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    New,
    /// Collecting this round.
    Round(u8),
    Finished,
}

impl<R: Rounds> Driver<R> {
    /// A driver for `protocol` run by `framing.me` with `peers` (the other parties).
    pub(crate) fn new(framing: Framing, peers: Vec<PartyId>, protocol: R) -> Self {
        Self {
            framing,
            peers,
            protocol,
            state: State::New,
            inbox: BTreeMap::new(),
        }
    }

    fn frame(&self, round: u8, sends: Sends) -> Result<Vec<Outgoing>, ProtocolError> {
        sends
            .into_iter()
            .map(|(to, payload)| {
                let frame = Frame { round, payload };
                let out = self.framing.outgoing(Recipient::One(to), &frame);
                drop(Zeroizing::new(frame.payload));
                out
            })
            .collect()
    }

    /// Runs every round whose payloads are all in.
    fn advance(&mut self) -> Result<Progress<R::Output>, ProtocolError> {
        let mut outgoing = Vec::new();
        while let State::Round(round) = self.state {
            if !self
                .peers
                .iter()
                .all(|p| self.inbox.contains_key(&(round, *p)))
            {
                break;
            }
            let received: Received = self
                .peers
                .iter()
                .filter_map(|p| self.inbox.remove(&(round, *p)).map(|bytes| (*p, bytes)))
                .collect();
            match self.protocol.next(round, received)? {
                Step::Send(sends) => {
                    outgoing.extend(self.frame(round + 1, sends)?);
                    self.state = State::Round(round + 1);
                }
                Step::Done(sends, output) => {
                    outgoing.extend(self.frame(round + 1, sends)?);
                    self.state = State::Finished;
                    self.inbox.clear();
                    return Ok(Progress::Done { outgoing, output });
                }
            }
        }
        Ok(Progress::Continue(outgoing))
    }
}

impl<R: Rounds> Party for Driver<R> {
    type Output = R::Output;

    fn id(&self) -> PartyId {
        self.framing.me
    }

    fn start(&mut self, _rng: &mut dyn CryptoRng) -> Result<Progress<R::Output>, ProtocolError> {
        if self.state != State::New {
            return Err(ProtocolError::Misuse("start called twice"));
        }
        // From here on a failure ends the party for good.
        self.state = State::Finished;
        let sends = self.protocol.first()?;
        let outgoing = self.frame(0, sends)?;
        self.state = State::Round(0);
        // A peerless protocol (none here) would finish at once.
        match self.advance()? {
            Progress::Continue(more) => Ok(Progress::Continue([outgoing, more].concat())),
            Progress::Done {
                outgoing: more,
                output,
            } => Ok(Progress::Done {
                outgoing: [outgoing, more].concat(),
                output,
            }),
        }
    }

    fn receive(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        _rng: &mut dyn CryptoRng,
    ) -> Result<Progress<R::Output>, ProtocolError> {
        let step = self.handle(from, bytes);
        if step.is_err() {
            // An aborted party stays aborted.
            self.state = State::Finished;
            self.inbox.clear();
        }
        step
    }
}

impl<R: Rounds> Driver<R> {
    fn handle(
        &mut self,
        from: PartyId,
        bytes: &[u8],
    ) -> Result<Progress<R::Output>, ProtocolError> {
        let current = match self.state {
            State::New => return Err(ProtocolError::Misuse("receive called before start")),
            State::Finished => return Err(ProtocolError::Misuse("the party has finished")),
            State::Round(round) => round,
        };
        let frame: Frame = self
            .framing
            .decode(from, self.peers.contains(&from), bytes)?;
        let payload = Zeroizing::new(frame.payload);
        if frame.round >= R::ROUNDS {
            return Err(malformed(
                from,
                "round",
                format!("round {} of a {}-round protocol", frame.round, R::ROUNDS),
            ));
        }
        if frame.round < current || self.inbox.contains_key(&(frame.round, from)) {
            return Err(ProtocolError::Replayed {
                party: from,
                what: format!("its round-{} message", frame.round),
            });
        }
        self.inbox.insert((frame.round, from), payload);
        self.advance()
    }
}

/// Encodes one library message for a payload.
pub(crate) fn encode<T: Serialize>(
    what: &'static str,
    value: &T,
) -> Result<Vec<u8>, ProtocolError> {
    to_vec(what, value).map_err(|e| ProtocolError::Internal(e.to_string()))
}

/// Decodes the payload `from` sent as exactly one `T`.
pub(crate) fn decode<T: DeserializeOwned>(
    from: PartyId,
    what: &'static str,
    bytes: &[u8],
) -> Result<T, ProtocolError> {
    take_all(what, bytes).map_err(|reason: WireError| ProtocolError::Malformed {
        party: from,
        reason,
    })
}

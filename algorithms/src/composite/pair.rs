//! Two protocols run as one party: the ML-DSA half and the ECDSA half of a composite session,
//! interleaved on one channel. Each message carries the composite scheme's header and says
//! which half it belongs to; each half keeps its own state, so a restart inside the ML-DSA
//! half (another attempt) leaves the ECDSA half where it is.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

use crate::framing::{Framing, malformed};
use crate::{Outgoing, Party, PartyId, Progress, ProtocolError};

/// The body of every composite message.
#[derive(Serialize, Deserialize)]
struct Tagged {
    /// 0 for the ML-DSA half, 1 for the ECDSA half.
    half: u8,
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
}

/// Combines the two halves' outputs into the composite's.
pub(crate) type Combine<X, O> = Box<dyn FnOnce(X, X) -> Result<O, ProtocolError> + Send>;

struct Half<X> {
    party: Box<dyn Party<Output = X>>,
    output: Option<X>,
    finished: bool,
}

/// One party running both halves of a composite session.
pub(crate) struct Pair<X, O> {
    framing: Framing,
    peers: Vec<PartyId>,
    halves: [Half<X>; 2],
    combine: Option<Combine<X, O>>,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    New,
    Running,
    Finished,
}

impl<X: Send, O> Pair<X, O> {
    /// The composite party of `framing.me` with `peers`, running `mldsa` and `ecdsa`.
    pub(crate) fn new(
        framing: Framing,
        peers: Vec<PartyId>,
        mldsa: Box<dyn Party<Output = X>>,
        ecdsa: Box<dyn Party<Output = X>>,
        combine: Combine<X, O>,
    ) -> Self {
        let half = |party| Half {
            party,
            output: None,
            finished: false,
        };
        Self {
            framing,
            peers,
            halves: [half(mldsa), half(ecdsa)],
            combine: Some(combine),
            state: State::New,
        }
    }

    /// Wraps one half's step: its messages get the composite header, its output is kept.
    fn absorb(
        &mut self,
        which: u8,
        step: Result<Progress<X>, ProtocolError>,
        outgoing: &mut Vec<Outgoing>,
    ) -> Result<(), ProtocolError> {
        let step = match step {
            Ok(step) => step,
            Err(error) => {
                self.state = State::Finished;
                return Err(error);
            }
        };
        let (messages, output) = match step {
            Progress::Continue(messages) => (messages, None),
            Progress::Done { outgoing, output } => (outgoing, Some(output)),
        };
        for message in messages {
            let body = Tagged {
                half: which,
                bytes: message.bytes,
            };
            outgoing.push(self.framing.outgoing(message.to, &body)?);
        }
        if let (Some(output), Some(half)) = (output, self.halves.get_mut(usize::from(which))) {
            half.output = Some(output);
            half.finished = true;
        }
        Ok(())
    }

    /// The composite output once both halves are done.
    fn progress(&mut self, outgoing: Vec<Outgoing>) -> Result<Progress<O>, ProtocolError> {
        if !self.halves.iter().all(|h| h.finished) {
            return Ok(Progress::Continue(outgoing));
        }
        self.state = State::Finished;
        let [first, second] = &mut self.halves;
        let (Some(a), Some(b)) = (first.output.take(), second.output.take()) else {
            return Err(ProtocolError::Internal(
                "a finished half has no output".to_owned(),
            ));
        };
        let combine = self
            .combine
            .take()
            .ok_or(ProtocolError::Misuse("the composite finished twice"))?;
        let output = combine(a, b)?;
        Ok(Progress::Done { outgoing, output })
    }
}

impl<X: Send, O> Party for Pair<X, O> {
    type Output = O;

    fn id(&self) -> PartyId {
        self.framing.me
    }

    fn start(&mut self, rng: &mut dyn CryptoRng) -> Result<Progress<O>, ProtocolError> {
        if self.state != State::New {
            return Err(ProtocolError::Misuse("start called twice"));
        }
        self.state = State::Running;
        let mut outgoing = Vec::new();
        for which in [0u8, 1] {
            let step = match self.halves.get_mut(usize::from(which)) {
                Some(half) => half.party.start(rng),
                None => continue,
            };
            self.absorb(which, step, &mut outgoing)?;
        }
        self.progress(outgoing)
    }

    fn receive(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Progress<O>, ProtocolError> {
        let step = self.handle(from, bytes, rng);
        if step.is_err() {
            // An aborted party stays aborted.
            self.state = State::Finished;
        }
        step
    }
}

impl<X: Send, O> Pair<X, O> {
    fn handle(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Progress<O>, ProtocolError> {
        match self.state {
            State::New => return Err(ProtocolError::Misuse("receive called before start")),
            State::Finished => return Err(ProtocolError::Misuse("the party has finished")),
            State::Running => {}
        }
        let body: Tagged = self
            .framing
            .decode(from, self.peers.contains(&from), bytes)?;
        let Some(half) = self.halves.get_mut(usize::from(body.half)) else {
            return Err(malformed(
                from,
                "composite half",
                format!("half {} of a two-half composite", body.half),
            ));
        };
        if half.finished {
            // A half that has its output needs nothing more; a peer's late copy is dropped.
            return Ok(Progress::Continue(Vec::new()));
        }
        let step = half.party.receive(from, &body.bytes, rng);
        let mut outgoing = Vec::new();
        self.absorb(body.half, step, &mut outgoing)?;
        self.progress(outgoing)
    }
}

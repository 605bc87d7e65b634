//! A toy protocol used to test the simulator and the wire checks: every party broadcasts a
//! number once, and outputs the sum when it has everyone's.

use std::collections::BTreeMap;

use qoesign_algorithms::wire::{self, Expected, FORMAT_VERSION, Header};
use qoesign_algorithms::{
    CryptoRng, Outgoing, Party, PartyId, Progress, ProtocolError, Recipient, SessionId,
};

pub(crate) const SESSION: SessionId = SessionId([0x5e; 32]);
const ALGORITHM: &str = "toy";
const SCHEME: &str = "toy-sum";

pub(crate) struct SumParty {
    me: PartyId,
    parties: Vec<PartyId>,
    value: u32,
    received: BTreeMap<PartyId, u32>,
    finished: bool,
}

impl SumParty {
    pub(crate) fn committee(n: u16) -> Vec<Box<dyn Party<Output = u32>>> {
        let parties: Vec<PartyId> = (1..=n).map(PartyId).collect();
        parties
            .iter()
            .map(|&me| {
                Box::new(SumParty {
                    me,
                    parties: parties.clone(),
                    value: u32::from(me.0) * 10,
                    received: BTreeMap::new(),
                    finished: false,
                }) as Box<dyn Party<Output = u32>>
            })
            .collect()
    }

    fn maybe_done(&mut self, outgoing: Vec<Outgoing>) -> Progress<u32> {
        if self.received.len() + 1 == self.parties.len() {
            self.finished = true;
            let output = self.value + self.received.values().sum::<u32>();
            Progress::Done { outgoing, output }
        } else {
            Progress::Continue(outgoing)
        }
    }
}

pub(crate) fn encode(sender: PartyId, session: SessionId, value: u32) -> Vec<u8> {
    let header = Header {
        format: FORMAT_VERSION,
        algorithm: ALGORITHM.to_owned(),
        scheme: SCHEME.to_owned(),
        session,
        sender,
    };
    wire::encode(&header, &value).unwrap()
}

impl Party for SumParty {
    type Output = u32;

    fn id(&self) -> PartyId {
        self.me
    }

    fn start(&mut self, _rng: &mut dyn CryptoRng) -> Result<Progress<u32>, ProtocolError> {
        let bytes = encode(self.me, SESSION, self.value);
        Ok(self.maybe_done(vec![Outgoing {
            to: Recipient::All,
            bytes,
        }]))
    }

    fn receive(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        _rng: &mut dyn CryptoRng,
    ) -> Result<Progress<u32>, ProtocolError> {
        if self.finished {
            return Err(ProtocolError::Misuse("party already finished"));
        }
        if !self.parties.contains(&from) || from == self.me {
            return Err(ProtocolError::UnknownSender { party: from });
        }
        let expected = Expected {
            algorithm: ALGORITHM,
            scheme: SCHEME,
            session: SESSION,
        };
        let value: u32 =
            wire::decode(bytes, expected, from).map_err(|reason| ProtocolError::Malformed {
                party: from,
                reason,
            })?;
        if self.received.insert(from, value).is_some() {
            return Err(ProtocolError::Replayed {
                party: from,
                what: "value".to_owned(),
            });
        }
        Ok(self.maybe_done(Vec::new()))
    }
}

//! Signing: DKLs23's Protocol 3.6 (phases 1 to 4) among exactly t key holders, as three
//! rounds: the multiplication requests, the multiplication answers with the instance points,
//! and the broadcast of each signer's (w_i, u_i). The library combines s = Σw / Σu, low-s
//! normalised; the signature is released only after `p256` verifies it.

use std::collections::BTreeMap;

use dkls23::secp256r1::protocols::signing::{
    Broadcast3to4, KeepPhase1to2, KeepPhase2to3, SignData, TransmitPhase1to2, TransmitPhase2to3,
    UniqueKeep1to2, UniqueKeep2to3,
};
use dkls23::secp256r1::protocols::{Party as DklsParty, PartyIndex};
use p256::NistP256;
use p256::ecdsa::Signature;

use super::abort::{blame, misrouted};
use super::committee::Committee;
use super::dkg::routed;
use super::rounds::{Received, Rounds, Sends, Step, decode, encode};
use crate::single::ecdsa_p256;
use crate::{PartyId, ProtocolError, SignInput, Signed};

type Kept1 = (
    UniqueKeep1to2<NistP256>,
    BTreeMap<PartyIndex, KeepPhase1to2<NistP256>>,
);
type Kept2 = (
    UniqueKeep2to3<NistP256>,
    BTreeMap<PartyIndex, KeepPhase2to3<NistP256>>,
);

/// One signer's session.
pub(crate) struct Signing {
    committee: Committee,
    party: DklsParty<NistP256>,
    public_key: Vec<u8>,
    input: SignInput,
    data: SignData,
    kept_1: Option<Kept1>,
    kept_2: Option<Kept2>,
    /// r, as the library's hex string, and our own (w_i, u_i), after round 1.
    x_coord: Option<String>,
    own_broadcast: Option<Broadcast3to4<NistP256>>,
}

impl Signing {
    /// The session of `party` signing `digest` (the SHA-256 of `input`) with `signers`.
    pub(crate) fn new(
        committee: Committee,
        party: DklsParty<NistP256>,
        public_key: Vec<u8>,
        (input, digest): (SignInput, [u8; 32]),
        session: &[u8; 32],
        signers: &[PartyId],
    ) -> Result<Self, String> {
        let mut counterparties = Vec::with_capacity(signers.len());
        for &signer in signers {
            let index = committee
                .index(signer)
                .ok_or_else(|| format!("{signer} holds no share"))?;
            if index != party.party_index {
                counterparties.push(index);
            }
        }
        Ok(Self {
            committee,
            party,
            public_key,
            input,
            data: SignData {
                sign_id: session.to_vec(),
                counterparties,
                message_hash: digest,
            },
            kept_1: None,
            kept_2: None,
            x_coord: None,
            own_broadcast: None,
        })
    }

    fn index(&self, party: PartyId) -> Result<PartyIndex, ProtocolError> {
        self.committee.index_of(party)
    }

    fn to_party(&self, index: PartyIndex) -> Result<PartyId, ProtocolError> {
        self.committee
            .party(index)
            .ok_or_else(|| ProtocolError::Internal(format!("no signer at index {index}")))
    }

    /// Round 0 in: the peers' multiplication requests; round 1 out.
    fn answers(&mut self, received: &Received) -> Result<Sends, ProtocolError> {
        let me = self.party.party_index;
        let mut requests = Vec::with_capacity(received.len());
        for (&from, bytes) in received {
            let message: TransmitPhase1to2 = decode(from, "signing round 0", bytes)?;
            if !routed(&message.parties, self.index(from)?, me) {
                return Err(misrouted(from, "round-0 message"));
            }
            requests.push(message);
        }
        let (unique, kept) = self
            .kept_1
            .take()
            .ok_or(ProtocolError::Misuse("round 1 before round 0"))?;
        let (unique, kept, transmit) = self
            .party
            .sign_phase2(&self.data, unique, kept, &requests)
            .map_err(|abort| blame(&self.committee, &abort))?;
        self.kept_2 = Some((unique, kept));
        transmit
            .iter()
            .map(|m| {
                Ok((
                    self.to_party(m.parties.receiver)?,
                    encode("signing round 1", m)?,
                ))
            })
            .collect()
    }

    /// Round 1 in: the peers' answers; round 2 out: our (w_i, u_i) to everyone.
    fn shares(&mut self, received: &Received) -> Result<Sends, ProtocolError> {
        let me = self.party.party_index;
        let mut answers = Vec::with_capacity(received.len());
        for (&from, bytes) in received {
            let message: TransmitPhase2to3<NistP256> = decode(from, "signing round 1", bytes)?;
            if !routed(&message.parties, self.index(from)?, me) {
                return Err(misrouted(from, "round-1 message"));
            }
            answers.push(message);
        }
        let (unique, kept) = self
            .kept_2
            .take()
            .ok_or(ProtocolError::Misuse("round 2 before round 1"))?;
        let (x_coord, broadcast) = self
            .party
            .sign_phase3(&self.data, unique, kept, &answers)
            .map_err(|abort| blame(&self.committee, &abort))?;
        let bytes = encode("signing round 2", &broadcast)?;
        self.x_coord = Some(x_coord);
        self.own_broadcast = Some(broadcast);
        Ok(received.keys().map(|&peer| (peer, bytes.clone())).collect())
    }

    /// Round 2 in: every signer's (w_i, u_i); the verified signature out.
    fn combine(&mut self, received: &Received) -> Result<Signed, ProtocolError> {
        let mut broadcasts = Vec::with_capacity(received.len() + 1);
        for (&from, bytes) in received {
            broadcasts.push(decode::<Broadcast3to4<NistP256>>(
                from,
                "signing round 2",
                bytes,
            )?);
        }
        broadcasts.push(
            self.own_broadcast
                .take()
                .ok_or(ProtocolError::Misuse("combine before round 2"))?,
        );
        let x_coord = self
            .x_coord
            .take()
            .ok_or(ProtocolError::Misuse("combine before round 2"))?;
        let (s_hex, _recovery_id) = self
            .party
            .sign_phase4(&self.data, &x_coord, &broadcasts, true)
            .map_err(|abort| blame(&self.committee, &abort))?;
        let internal = |what: &str| ProtocolError::Internal(format!("the library's {what}"));
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        hex::decode_to_slice(&x_coord, &mut r).map_err(|_| internal("r is not 32 hex bytes"))?;
        hex::decode_to_slice(&s_hex, &mut s).map_err(|_| internal("s is not 32 hex bytes"))?;
        let signature = Signature::from_scalars(r, s).map_err(|_| internal("(r, s) is invalid"))?;
        let signature = signature.normalize_s();
        let der = signature.to_der().as_bytes().to_vec();
        ecdsa_p256::verify(&self.public_key, &self.input, &der)
            .map_err(|_| ProtocolError::SelfCheckFailed)?;
        Ok(Signed {
            signature: der,
            attempts: 1,
        })
    }
}

impl Rounds for Signing {
    type Output = Signed;
    const ROUNDS: u8 = 3;

    fn first(&mut self) -> Result<Sends, ProtocolError> {
        let (unique, kept, transmit) = self
            .party
            .sign_phase1(&self.data)
            .map_err(|abort| blame(&self.committee, &abort))?;
        self.kept_1 = Some((unique, kept));
        transmit
            .iter()
            .map(|m| {
                Ok((
                    self.to_party(m.parties.receiver)?,
                    encode("signing round 0", m)?,
                ))
            })
            .collect()
    }

    fn next(&mut self, round: u8, received: Received) -> Result<Step<Signed>, ProtocolError> {
        match round {
            0 => self.answers(&received).map(Step::Send),
            1 => self.shares(&received).map(Step::Send),
            _ => self
                .combine(&received)
                .map(|signed| Step::Done(Vec::new(), signed)),
        }
    }
}

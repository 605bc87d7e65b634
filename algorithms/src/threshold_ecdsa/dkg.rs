//! Distributed key generation: the four phases of DKLs23's DKG (the paper's Protocol 9.1 with
//! the zero-share, two-party multiplication and chain-code set-ups), as three rounds of
//! point-to-point messages.
//!
//! Round 0 carries each peer's polynomial fragment, round 1 the proof commitment, the
//! chain-code commitment and the pairwise zero-share commitment, round 2 the zero-share seed,
//! the pairwise oblivious-transfer (OT) set-up and the chain-code opening. What the paper
//! broadcasts in round 1 reaches each peer on its own channel, so round 2 also carries a
//! digest of every round-1 broadcast part a party saw: a party that told peers different
//! things is caught before any key is output.
//!
//! Phase 3 runs the two OT set-ups with each peer (one as multiplication receiver, one as
//! sender) in parallel on the rayon pool; it does what `dkls23::protocols::dkg::phase3`
//! does, and phase 4 of the library checks the result.

use std::collections::BTreeMap;

use dkls23::secp256r1::protocols::dkg::{
    self, BroadcastDerivationPhase2to4, BroadcastDerivationPhase3to4, KeepInitMulPhase3to4,
    KeepInitZeroSharePhase2to3, KeepInitZeroSharePhase3to4, ProofCommitment, SessionData,
    TransmitInitMulPhase3to4, TransmitInitZeroSharePhase2to4, TransmitInitZeroSharePhase3to4,
    UniqueKeepDerivationPhase2to3,
};
use dkls23::secp256r1::protocols::{Parameters, PartiesMessage, PartyIndex};
use dkls23::secp256r1::utilities::multiplication::{MulReceiver, MulSender};
use p256::{NistP256, Scalar};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::abort::{blame, misrouted};
use super::committee::Committee;
use super::fragments;
use super::record::Record;
use super::rounds::{Received, Rounds, Sends, Step, decode, encode};
use crate::{KeyShare, PartyId, ProtocolError, SchemeInfo};

/// Round 1: what the paper broadcasts, and the pairwise zero-share commitment.
#[derive(Serialize, Deserialize)]
struct Commitments {
    proof: ProofCommitment<NistP256>,
    chain_code: BroadcastDerivationPhase2to4,
    zero: TransmitInitZeroSharePhase2to4,
}

/// Round 2: the echo of round 1, the zero-share seed, the OT set-up, the chain-code opening.
#[derive(Serialize, Deserialize)]
struct Openings {
    echo: [u8; 32],
    zero: TransmitInitZeroSharePhase3to4,
    mul: TransmitInitMulPhase3to4<NistP256>,
    chain_code: BroadcastDerivationPhase3to4,
}

/// The parts of round 1 that every party must have seen alike.
#[derive(Serialize)]
struct Broadcast<'a> {
    proof: &'a ProofCommitment<NistP256>,
    chain_code: &'a BroadcastDerivationPhase2to4,
}

/// One party's DKG.
pub(crate) struct Dkg {
    info: &'static SchemeInfo,
    committee: Committee,
    me: PartyId,
    data: SessionData,
    /// f_me(me), from round 0 until round 1 sums the fragments.
    own_fragment: Option<Scalar>,
    /// This party's share of the key, from round 1 on.
    poly_point: Option<Scalar>,
    /// Round-1 broadcast parts, ours included, by sender.
    proofs: BTreeMap<PartyIndex, ProofCommitment<NistP256>>,
    chain_commits: BTreeMap<PartyIndex, BroadcastDerivationPhase2to4>,
    zero_received: Vec<TransmitInitZeroSharePhase2to4>,
    zero_kept_2: BTreeMap<PartyIndex, KeepInitZeroSharePhase2to3>,
    chain_kept: Option<UniqueKeepDerivationPhase2to3>,
    zero_kept_3: BTreeMap<PartyIndex, KeepInitZeroSharePhase3to4>,
    mul_kept: BTreeMap<PartyIndex, KeepInitMulPhase3to4<NistP256>>,
    own_chain_opening: Option<BroadcastDerivationPhase3to4>,
    echo: [u8; 32],
}

impl Dkg {
    /// The DKG of `me` among `committee` for a `threshold`-of-n key, in session `session`.
    pub(crate) fn new(
        info: &'static SchemeInfo,
        committee: Committee,
        me: PartyId,
        threshold: u8,
        session: &[u8; 32],
    ) -> Result<Self, String> {
        let parameters = Parameters::new(threshold, committee.len()).map_err(|e| e.to_string())?;
        let party_index = committee
            .index(me)
            .ok_or_else(|| format!("{me} is not among the key holders"))?;
        Ok(Self {
            info,
            committee,
            me,
            data: SessionData {
                parameters,
                party_index,
                session_id: session.to_vec(),
            },
            own_fragment: None,
            poly_point: None,
            proofs: BTreeMap::new(),
            chain_commits: BTreeMap::new(),
            zero_received: Vec::new(),
            zero_kept_2: BTreeMap::new(),
            chain_kept: None,
            zero_kept_3: BTreeMap::new(),
            mul_kept: BTreeMap::new(),
            own_chain_opening: None,
            echo: [0; 32],
        })
    }

    fn index(&self, party: PartyId) -> Result<PartyIndex, ProtocolError> {
        self.committee.index_of(party)
    }

    /// Round 0 in: every fragment f_j(me); round 1 out.
    fn commitments(&mut self, received: &Received, own: Scalar) -> Result<Sends, ProtocolError> {
        let mut fragments = fragments::gather(&self.committee, self.me, own, received)?;
        let (poly_point, proof, zero_keep, zero_transmit, chain_keep, chain_commit) =
            dkg::phase2::<NistP256>(&self.data, &fragments);
        fragments.zeroize();
        self.poly_point = Some(poly_point);
        self.zero_kept_2 = zero_keep;
        self.chain_kept = Some(chain_keep);
        let mut sends = Vec::new();
        for zero in zero_transmit {
            let to = self.peer(zero.parties.receiver)?;
            let body = Commitments {
                proof: proof.clone(),
                chain_code: chain_commit.clone(),
                zero,
            };
            sends.push((to, encode("DKG commitments", &body)?));
        }
        self.proofs.insert(self.data.party_index, proof);
        self.chain_commits
            .insert(self.data.party_index, chain_commit);
        Ok(sends)
    }

    /// Round 1 in: every peer's commitments; round 2 out.
    fn openings(&mut self, received: &Received) -> Result<Sends, ProtocolError> {
        let me = self.data.party_index;
        for (&from, bytes) in received {
            let body: Commitments = decode(from, "DKG commitments", bytes)?;
            let index = self.index(from)?;
            if body.proof.index != index
                || body.chain_code.sender_index != index
                || !routed(&body.zero.parties, index, me)
            {
                return Err(misrouted(from, "commitment message"));
            }
            self.proofs.insert(index, body.proof);
            self.chain_commits.insert(index, body.chain_code);
            self.zero_received.push(body.zero);
        }
        self.echo = self.echo_digest()?;
        let chain_kept = self
            .chain_kept
            .take()
            .ok_or(ProtocolError::Misuse("round 2 before round 1"))?;
        let opening = BroadcastDerivationPhase3to4 {
            sender_index: me,
            aux_chain_code: chain_kept.aux_chain_code,
            cc_salt: chain_kept.cc_salt.clone(),
        };
        let peers: Vec<PartyIndex> = self.committee_indices().filter(|&i| i != me).collect();
        // The expensive part of the DKG: two OT set-ups per peer, independent of each other.
        let setups: Vec<(
            PartyIndex,
            KeepInitMulPhase3to4<_>,
            TransmitInitMulPhase3to4<_>,
        )> = peers
            .par_iter()
            .map(|&peer| {
                let (keep, transmit) = mul_setup(&self.data, peer);
                (peer, keep, transmit)
            })
            .collect();
        let mut sends = Vec::with_capacity(setups.len());
        for (peer, keep, mul) in setups {
            let zero_kept = self
                .zero_kept_2
                .remove(&peer)
                .ok_or(ProtocolError::Misuse("no zero-share seed for a peer"))?;
            self.zero_kept_3.insert(
                peer,
                KeepInitZeroSharePhase3to4 {
                    seed: zero_kept.seed,
                },
            );
            let body = Openings {
                echo: self.echo,
                zero: TransmitInitZeroSharePhase3to4 {
                    parties: PartiesMessage {
                        sender: me,
                        receiver: peer,
                    },
                    seed: zero_kept.seed,
                    salt: zero_kept.salt.clone(),
                },
                mul,
                chain_code: opening.clone(),
            };
            self.mul_kept.insert(peer, keep);
            sends.push((self.peer(peer)?, encode("DKG openings", &body)?));
            let mut zero_kept = zero_kept;
            zero_kept.seed.zeroize();
        }
        self.own_chain_opening = Some(opening);
        Ok(sends)
    }

    /// Round 2 in: every peer's openings; the key share out.
    fn finish(&mut self, received: &Received) -> Result<KeyShare, ProtocolError> {
        let me = self.data.party_index;
        let mut zero_received_3 = Vec::new();
        let mut mul_received = Vec::new();
        let mut chain_openings = BTreeMap::new();
        for (&from, bytes) in received {
            let body: Openings = decode(from, "DKG openings", bytes)?;
            let index = self.index(from)?;
            if !routed(&body.zero.parties, index, me)
                || !routed(&body.mul.parties, index, me)
                || body.chain_code.sender_index != index
            {
                return Err(misrouted(from, "opening message"));
            }
            if body.echo != self.echo {
                return Err(ProtocolError::Unattributable(format!(
                    "{from} saw other round-1 broadcasts than {}: a party sent different \
                     commitments to different peers",
                    self.me
                )));
            }
            zero_received_3.push(body.zero);
            mul_received.push(body.mul);
            chain_openings.insert(index, body.chain_code);
        }
        let own_opening = self
            .own_chain_opening
            .take()
            .ok_or(ProtocolError::Misuse("finish before round 2"))?;
        chain_openings.insert(me, own_opening);
        let poly_point = self
            .poly_point
            .ok_or(ProtocolError::Misuse("finish before round 1"))?;
        let proofs: Vec<ProofCommitment<NistP256>> = self.proofs.values().cloned().collect();
        let (party, package) = dkg::phase4::<NistP256>(
            &self.data,
            &poly_point,
            &proofs,
            &self.zero_kept_3,
            &self.zero_received,
            &zero_received_3,
            &self.mul_kept,
            &mul_received,
            &self.chain_commits,
            &chain_openings,
            |_| String::new(),
        )
        .map_err(|abort| blame(&self.committee, &abort))?;
        super::share_from(
            self.info,
            &self.committee,
            self.me,
            Record::new(party, package),
        )
    }

    /// SHA-256 over every party's round-1 broadcast parts, in index order.
    fn echo_digest(&self) -> Result<[u8; 32], ProtocolError> {
        let mut hash = Sha256::new();
        hash.update(b"qoesign dkls23 DKG round-1 echo");
        hash.update(&self.data.session_id);
        for (index, proof) in &self.proofs {
            let chain_code = self
                .chain_commits
                .get(index)
                .ok_or(ProtocolError::Misuse("a chain-code commitment is missing"))?;
            hash.update(encode("echo", &Broadcast { proof, chain_code })?);
        }
        Ok(hash.finalize().into())
    }

    fn committee_indices(&self) -> impl Iterator<Item = PartyIndex> + '_ {
        self.committee
            .parties()
            .iter()
            .filter_map(|&p| self.committee.index(p))
    }

    fn peer(&self, index: PartyIndex) -> Result<PartyId, ProtocolError> {
        self.committee
            .party(index)
            .ok_or_else(|| ProtocolError::Internal(format!("no party at index {index}")))
    }
}

/// Whether a library message names `sender` and `receiver`.
pub(crate) fn routed(parties: &PartiesMessage, sender: PartyIndex, receiver: PartyIndex) -> bool {
    parties.sender == sender && parties.receiver == receiver
}

/// This party's two OT set-ups with `peer`: as multiplication receiver and as sender, under
/// the session ids `dkls23::protocols::dkg::phase4` expects (receiver index first).
fn mul_setup(
    data: &SessionData,
    peer: PartyIndex,
) -> (
    KeepInitMulPhase3to4<NistP256>,
    TransmitInitMulPhase3to4<NistP256>,
) {
    let me = data.party_index.as_u8();
    let sid = |receiver: u8, sender: u8| {
        [
            b"Multiplication protocol".as_slice(),
            &receiver.to_be_bytes(),
            &sender.to_be_bytes(),
            &data.session_id,
        ]
        .concat()
    };
    let (ot_sender, dlog_proof, nonce) =
        MulReceiver::<NistP256>::init_phase1(&sid(me, peer.as_u8()));
    let (ot_receiver, correlation, vec_r, enc_proofs) =
        MulSender::<NistP256>::init_phase1(&sid(peer.as_u8(), me));
    let transmit = TransmitInitMulPhase3to4 {
        parties: PartiesMessage {
            sender: data.party_index,
            receiver: peer,
        },
        dlog_proof,
        nonce,
        enc_proofs,
        seed: ot_receiver.seed,
    };
    let keep = KeepInitMulPhase3to4 {
        ot_sender,
        nonce,
        ot_receiver,
        correlation,
        vec_r,
    };
    (keep, transmit)
}

impl Rounds for Dkg {
    type Output = KeyShare;
    const ROUNDS: u8 = 3;

    fn first(&mut self) -> Result<Sends, ProtocolError> {
        let fragments = dkg::phase1::<NistP256>(&self.data);
        let (sends, own) = fragments::send(&self.committee, self.me, fragments)?;
        self.own_fragment = Some(own);
        Ok(sends)
    }

    fn next(&mut self, round: u8, received: Received) -> Result<Step<KeyShare>, ProtocolError> {
        match round {
            0 => {
                let own = self
                    .own_fragment
                    .take()
                    .ok_or(ProtocolError::Misuse("round 0 before start"))?;
                self.commitments(&received, own).map(Step::Send)
            }
            1 => self.openings(&received).map(Step::Send),
            _ => self
                .finish(&received)
                .map(|share| Step::Done(Vec::new(), share)),
        }
    }
}

impl Drop for Dkg {
    fn drop(&mut self) {
        self.data.session_id.zeroize();
        for point in [&mut self.own_fragment, &mut self.poly_point]
            .into_iter()
            .flatten()
        {
            point.zeroize();
        }
        for kept in self.zero_kept_2.values_mut() {
            kept.seed.zeroize();
            kept.salt.zeroize();
        }
        for kept in self.zero_kept_3.values_mut() {
            kept.seed.zeroize();
        }
        if let Some(chain) = &mut self.chain_kept {
            chain.aux_chain_code.zeroize();
            chain.cc_salt.zeroize();
        }
        for kept in self.mul_kept.values_mut() {
            kept.ot_sender.s.zeroize();
            kept.ot_receiver.seed.zeroize();
            kept.nonce.zeroize();
            kept.vec_r.zeroize();
            kept.correlation.zeroize();
        }
    }
}

//! Key refresh: all n key holders re-randomise their shares of the same key (DKLs23's refresh,
//! a DKG whose polynomials have constant term zero). Three rounds, as in key generation:
//! fragments, then the proof commitment with the zero-share commitment, then the echo of the
//! proof commitments with the zero-share seed (and, for a complete refresh, new pairwise OT
//! set-ups).
//!
//! A *fast* refresh keeps the pairwise OT state; a *complete* one renews it and is the only
//! refresh a repaired share can take part in.

use std::collections::BTreeMap;

use dkls23::secp256r1::protocols::dkg::{
    KeepInitMulPhase3to4, KeepInitZeroSharePhase2to3, KeepInitZeroSharePhase3to4, ProofCommitment,
    TransmitInitMulPhase3to4, TransmitInitZeroSharePhase2to4, TransmitInitZeroSharePhase3to4,
};
use dkls23::secp256r1::protocols::refresh::{
    KeepRefreshPhase2to3, KeepRefreshPhase3to4, TransmitRefreshPhase2to4, TransmitRefreshPhase3to4,
};
use dkls23::secp256r1::protocols::{PartiesMessage, PartyIndex};
use p256::{NistP256, Scalar};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::abort::{blame, misrouted};
use super::committee::Committee;
use super::dkg::routed;
use super::fragments;
use super::record::Record;
use super::rounds::{Driver, Received, Rounds, Sends, Step, decode, encode};
use super::{INFO, framing, open, peers, wrong_share};
use crate::{KeyShare, Party, PartyId, ProtocolError, SchemeError, SessionId};

/// Which refresh to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshKind {
    /// New shares, same pairwise OT state: cheap (no OT set-up).
    Fast,
    /// New shares and new pairwise OT state, as costly as key generation; required after a
    /// share repair.
    Complete,
}

/// The setting of one party in a refresh session. Every key holder takes part.
#[derive(Clone, Debug)]
pub struct RefreshParams {
    /// The session, bound into every message and into the new shares.
    pub session: SessionId,
    /// Fast or complete.
    pub kind: RefreshKind,
}

/// Starts this key holder's part of a refresh of `share`'s key. The output is the new share
/// (same public key, same budget and bans); store it, then erase `share` and its backups.
///
/// # Errors
///
/// Returns [`SchemeError::WrongShare`] for a share of another scheme or a damaged one, or a
/// fast refresh of a repaired share, and [`SchemeError::Banned`] when the share has banned a
/// key holder (a refresh needs all of them).
pub fn refresh(
    share: &KeyShare,
    params: &RefreshParams,
) -> Result<Box<dyn Party<Output = KeyShare>>, SchemeError> {
    share.check_scheme(&INFO)?;
    // TODO(hosted keys): a key whose required holder holds several indices would need every
    // one of them refreshed or repaired together; until that is built such keys are re-issued
    // by a new key generation instead.
    if share.required().is_some() {
        return Err(super::wrong_share(
            "refresh of a key with a required holder is not supported; re-issue the key".to_owned(),
        ));
    }
    share.check_not_banned(&INFO, share.parties())?;
    let (committee, record) = open(share)?;
    let kept = match params.kind {
        RefreshKind::Fast if record.is_hollow() => {
            return Err(wrong_share(
                "a repaired share has no pairwise state to keep; run a complete refresh".to_owned(),
            ));
        }
        RefreshKind::Fast => Kept::Fast(Stage::default()),
        RefreshKind::Complete => Kept::Complete(Stage::default(), BTreeMap::new()),
    };
    let me = share.party();
    let protocol = Refresh {
        committee,
        me,
        old: share.with_secret(crate::SecretBytes::new(Vec::new())),
        record,
        sid: params.session.0.to_vec(),
        own_fragment: None,
        correction: None,
        proofs: BTreeMap::new(),
        echo: [0; 32],
        kept,
    };
    Ok(Box::new(Driver::new(
        framing(params.session, me),
        peers(share.parties(), me),
        protocol,
    )))
}

/// The zero-share data of one refresh kind, through the rounds.
struct Stage<K2, K3, T2> {
    kept_2: BTreeMap<PartyIndex, K2>,
    kept_3: BTreeMap<PartyIndex, K3>,
    received_2: Vec<T2>,
}

impl<K2, K3, T2> Default for Stage<K2, K3, T2> {
    fn default() -> Self {
        Self {
            kept_2: BTreeMap::new(),
            kept_3: BTreeMap::new(),
            received_2: Vec::new(),
        }
    }
}

type FastStage = Stage<KeepRefreshPhase2to3, KeepRefreshPhase3to4, TransmitRefreshPhase2to4>;
type CompleteStage =
    Stage<KeepInitZeroSharePhase2to3, KeepInitZeroSharePhase3to4, TransmitInitZeroSharePhase2to4>;

/// A peer's new pairwise OT set-up (complete refresh only).
type MulSetup = TransmitInitMulPhase3to4<NistP256>;

enum Kept {
    Fast(FastStage),
    Complete(
        CompleteStage,
        BTreeMap<PartyIndex, KeepInitMulPhase3to4<NistP256>>,
    ),
}

/// Round 1: the proof commitment (broadcast in the paper) and the zero-share commitment.
#[derive(Serialize, Deserialize)]
struct Commitment<Z> {
    proof: ProofCommitment<NistP256>,
    zero: Z,
}

/// Round 2: the echo of every proof commitment, the zero-share seed, and for a complete
/// refresh the new OT set-up.
#[derive(Serialize, Deserialize)]
struct Opening<Z> {
    echo: [u8; 32],
    zero: Z,
    mul: Option<MulSetup>,
}

/// Library messages that name their sender and receiver.
trait Routed {
    fn parties(&self) -> &PartiesMessage;
}

macro_rules! routed_types {
    ($($t:ty),*) => {$(
        impl Routed for $t {
            fn parties(&self) -> &PartiesMessage {
                &self.parties
            }
        }
    )*};
}
routed_types!(
    TransmitRefreshPhase2to4,
    TransmitRefreshPhase3to4,
    TransmitInitZeroSharePhase2to4,
    TransmitInitZeroSharePhase3to4
);

struct Refresh {
    committee: Committee,
    me: PartyId,
    /// The old share without its secret: the template of the new one.
    old: KeyShare,
    record: Record,
    sid: Vec<u8>,
    own_fragment: Option<Scalar>,
    correction: Option<Scalar>,
    proofs: BTreeMap<PartyIndex, ProofCommitment<NistP256>>,
    echo: [u8; 32],
    kept: Kept,
}

impl Refresh {
    fn index(&self) -> PartyIndex {
        self.record.party.party_index
    }

    fn to_party(&self, index: PartyIndex) -> Result<PartyId, ProtocolError> {
        self.committee
            .party(index)
            .ok_or_else(|| ProtocolError::Internal(format!("no key holder at index {index}")))
    }

    /// Decodes every peer's message of a round, checking its routing fields.
    fn take<T: DeserializeOwned>(
        &self,
        received: &Received,
        what: &'static str,
        routing: impl Fn(&T) -> Vec<&PartiesMessage>,
    ) -> Result<Vec<(PartyIndex, T)>, ProtocolError> {
        let me = self.index();
        let mut out = Vec::with_capacity(received.len());
        for (&from, bytes) in received {
            let body: T = decode(from, what, bytes)?;
            let index = self.committee.index_of(from)?;
            if !routing(&body).into_iter().all(|p| routed(p, index, me)) {
                return Err(misrouted(from, what));
            }
            out.push((index, body));
        }
        Ok(out)
    }

    /// Which refresh this is.
    fn kind(&self) -> RefreshKind {
        match self.kept {
            Kept::Fast(_) => RefreshKind::Fast,
            Kept::Complete(..) => RefreshKind::Complete,
        }
    }

    /// Round 0 in: the fragments; round 1 out.
    fn commitments(&mut self, received: &Received) -> Result<Sends, ProtocolError> {
        let own = self
            .own_fragment
            .take()
            .ok_or(ProtocolError::Misuse("round 0 before start"))?;
        let mut fragments = fragments::gather(&self.committee, self.me, own, received)?;
        let party = &self.record.party;
        let (proof, sends) = match &mut self.kept {
            Kept::Fast(stage) => {
                let (correction, proof, kept, transmit) =
                    party.refresh_phase2(&self.sid, &fragments);
                self.correction = Some(correction);
                stage.kept_2 = kept;
                let sends = commitment_sends(&proof, transmit);
                (proof, sends)
            }
            Kept::Complete(stage, _) => {
                let (correction, proof, kept, transmit) =
                    party.refresh_complete_phase2(&self.sid, &fragments);
                self.correction = Some(correction);
                stage.kept_2 = kept;
                let sends = commitment_sends(&proof, transmit);
                (proof, sends)
            }
        };
        fragments.zeroize();
        self.proofs.insert(self.index(), proof);
        self.addressed(sends?)
    }

    /// Round 1 in, common to both kinds: every peer's proof commitment (checked and kept, the
    /// echo computed) and its zero-share commitment (returned).
    fn absorb_commitments<Z: DeserializeOwned + Routed>(
        &mut self,
        received: &Received,
    ) -> Result<Vec<Z>, ProtocolError> {
        let bodies =
            self.take::<Commitment<Z>>(received, "refresh commitment", |b| vec![b.zero.parties()])?;
        let mut zero = Vec::with_capacity(bodies.len());
        for (index, body) in bodies {
            check_proof_index(&self.committee, index, &body.proof)?;
            self.proofs.insert(index, body.proof);
            zero.push(body.zero);
        }
        self.echo = echo_digest(&self.sid, &self.proofs)?;
        Ok(zero)
    }

    /// Round 1 in: the peers' commitments; round 2 out.
    fn openings(&mut self, received: &Received) -> Result<Sends, ProtocolError> {
        let kind_changed = ProtocolError::Misuse("refresh kind changed");
        let sends = match self.kind() {
            RefreshKind::Fast => {
                let zero = self.absorb_commitments::<TransmitRefreshPhase2to4>(received)?;
                let Kept::Fast(stage) = &mut self.kept else {
                    return Err(kind_changed);
                };
                stage.received_2 = zero;
                let (kept, transmit) = self.record.party.refresh_phase3(&stage.kept_2);
                stage.kept_3 = kept;
                opening_sends(self.echo, transmit, BTreeMap::new())
            }
            RefreshKind::Complete => {
                let zero = self.absorb_commitments::<TransmitInitZeroSharePhase2to4>(received)?;
                let Kept::Complete(stage, mul_kept) = &mut self.kept else {
                    return Err(kind_changed);
                };
                stage.received_2 = zero;
                let (kept, zero_transmit, mul_keep, mul_transmit) = self
                    .record
                    .party
                    .refresh_complete_phase3(&self.sid, &stage.kept_2);
                stage.kept_3 = kept;
                *mul_kept = mul_keep;
                let mul = mul_transmit
                    .into_iter()
                    .map(|m| (m.parties.receiver, m))
                    .collect();
                opening_sends(self.echo, zero_transmit, mul)
            }
        };
        self.addressed(sends?)
    }

    /// Payloads by library index, addressed to party ids.
    fn addressed(&self, sends: Vec<(PartyIndex, Vec<u8>)>) -> Result<Sends, ProtocolError> {
        sends
            .into_iter()
            .map(|(index, bytes)| Ok((self.to_party(index)?, bytes)))
            .collect()
    }

    /// Round 2 in: the peers' openings; the new share out.
    fn finish(&mut self, received: &Received) -> Result<KeyShare, ProtocolError> {
        let correction = self
            .correction
            .ok_or(ProtocolError::Misuse("finish before round 1"))?;
        let proofs: Vec<ProofCommitment<NistP256>> = self.proofs.values().cloned().collect();
        let blame_on = |abort| blame(&self.committee, &abort);
        let party = match &self.kept {
            Kept::Fast(stage) => {
                let bodies = self.take::<Opening<TransmitRefreshPhase3to4>>(
                    received,
                    "refresh opening",
                    |b| vec![b.zero.parties()],
                )?;
                let received_3 = self.check_openings(bodies, false)?;
                let zero_3: Vec<_> = received_3.into_iter().map(|(zero, _)| zero).collect();
                self.record
                    .party
                    .refresh_phase4(
                        &self.sid,
                        &correction,
                        &proofs,
                        &stage.kept_3,
                        &stage.received_2,
                        &zero_3,
                    )
                    .map_err(blame_on)?
            }
            Kept::Complete(stage, mul_kept) => {
                let bodies = self.take::<Opening<TransmitInitZeroSharePhase3to4>>(
                    received,
                    "refresh opening",
                    |b| {
                        let mut parties = vec![b.zero.parties()];
                        parties.extend(b.mul.as_ref().map(|m| &m.parties));
                        parties
                    },
                )?;
                let received_3 = self.check_openings(bodies, true)?;
                let (zero_3, mul): (Vec<_>, Vec<_>) = received_3.into_iter().unzip();
                let mul: Vec<_> = mul.into_iter().flatten().collect();
                self.record
                    .party
                    .refresh_complete_phase4(
                        &self.sid,
                        &correction,
                        &proofs,
                        &stage.kept_3,
                        &stage.received_2,
                        &zero_3,
                        mul_kept,
                        &mul,
                    )
                    .map_err(blame_on)?
            }
        };
        let package = self
            .record
            .package
            .refresh(&self.sid, &proofs)
            .map_err(|reason| ProtocolError::Unattributable(reason.to_string()))?;
        let record = Record::new(party, package);
        if super::public_key_bytes(&record) != self.old.public_key() {
            return Err(ProtocolError::Unattributable(
                "the refreshed shares are of another key".to_owned(),
            ));
        }
        let secret = record.to_secret().map_err(ProtocolError::Internal)?;
        Ok(self.old.with_secret(secret))
    }

    /// Checks the echoes of the openings and whether each carries an OT set-up.
    fn check_openings<Z>(
        &self,
        bodies: Vec<(PartyIndex, Opening<Z>)>,
        with_mul: bool,
    ) -> Result<Vec<(Z, Option<MulSetup>)>, ProtocolError> {
        let mut out = Vec::with_capacity(bodies.len());
        for (index, body) in bodies {
            let from = self.to_party(index)?;
            if body.mul.is_some() != with_mul {
                return Err(misrouted(
                    from,
                    "refresh opening (OT set-up of the other refresh kind)",
                ));
            }
            if body.echo != self.echo {
                return Err(ProtocolError::Unattributable(format!(
                    "{from} saw other proof commitments than {}: a key holder sent different \
                     commitments to different peers",
                    self.me
                )));
            }
            out.push((body.zero, body.mul));
        }
        Ok(out)
    }
}

fn check_proof_index(
    committee: &Committee,
    index: PartyIndex,
    proof: &ProofCommitment<NistP256>,
) -> Result<(), ProtocolError> {
    if proof.index == index {
        return Ok(());
    }
    let from = committee.party(index).unwrap_or(PartyId(u16::MAX));
    Err(misrouted(from, "proof commitment"))
}

/// Round-1 payloads: our proof commitment beside each peer's zero-share commitment.
fn commitment_sends<Z: Serialize + Routed>(
    proof: &ProofCommitment<NistP256>,
    transmit: Vec<Z>,
) -> Result<Vec<(PartyIndex, Vec<u8>)>, ProtocolError> {
    transmit
        .into_iter()
        .map(|zero| {
            let to = zero.parties().receiver;
            let body = Commitment {
                proof: proof.clone(),
                zero,
            };
            Ok((to, encode("refresh commitment", &body)?))
        })
        .collect()
}

/// Round-2 payloads: the echo beside each peer's zero-share seed and, for a complete
/// refresh, its new OT set-up.
fn opening_sends<Z: Serialize + Routed>(
    echo: [u8; 32],
    transmit: Vec<Z>,
    mut mul: BTreeMap<PartyIndex, MulSetup>,
) -> Result<Vec<(PartyIndex, Vec<u8>)>, ProtocolError> {
    transmit
        .into_iter()
        .map(|zero| {
            let to = zero.parties().receiver;
            let body = Opening {
                echo,
                zero,
                mul: mul.remove(&to),
            };
            Ok((to, encode("refresh opening", &body)?))
        })
        .collect()
}

/// SHA-256 over every key holder's proof commitment, in index order.
fn echo_digest(
    sid: &[u8],
    proofs: &BTreeMap<PartyIndex, ProofCommitment<NistP256>>,
) -> Result<[u8; 32], ProtocolError> {
    let mut hash = Sha256::new();
    hash.update(b"qoesign dkls23 refresh round-1 echo");
    hash.update(sid);
    for proof in proofs.values() {
        hash.update(encode("echo", proof)?);
    }
    Ok(hash.finalize().into())
}

impl Rounds for Refresh {
    type Output = KeyShare;
    const ROUNDS: u8 = 3;

    fn first(&mut self) -> Result<Sends, ProtocolError> {
        let fragments = match self.kept {
            Kept::Fast(_) => self.record.party.refresh_phase1(),
            Kept::Complete(..) => self.record.party.refresh_complete_phase1(),
        };
        let (sends, own) = fragments::send(&self.committee, self.me, fragments)?;
        self.own_fragment = Some(own);
        Ok(sends)
    }

    fn next(&mut self, round: u8, received: Received) -> Result<Step<KeyShare>, ProtocolError> {
        match round {
            0 => self.commitments(&received).map(Step::Send),
            1 => self.openings(&received).map(Step::Send),
            _ => self
                .finish(&received)
                .map(|share| Step::Done(Vec::new(), share)),
        }
    }
}

impl Drop for Refresh {
    fn drop(&mut self) {
        for scalar in [&mut self.own_fragment, &mut self.correction]
            .into_iter()
            .flatten()
        {
            scalar.zeroize();
        }
        match &mut self.kept {
            Kept::Fast(stage) => {
                for kept in stage.kept_2.values_mut() {
                    kept.seed.zeroize();
                    kept.salt.zeroize();
                }
                for kept in stage.kept_3.values_mut() {
                    kept.seed.zeroize();
                }
            }
            Kept::Complete(stage, mul) => {
                for kept in stage.kept_2.values_mut() {
                    kept.seed.zeroize();
                    kept.salt.zeroize();
                }
                for kept in stage.kept_3.values_mut() {
                    kept.seed.zeroize();
                }
                for kept in mul.values_mut() {
                    kept.ot_sender.s.zeroize();
                    kept.ot_receiver.seed.zeroize();
                    kept.nonce.zeroize();
                    kept.vec_r.zeroize();
                    kept.correlation.zeroize();
                }
            }
        }
    }
}

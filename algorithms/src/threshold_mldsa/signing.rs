//! The signing protocol of one party: attempts of three rounds (commit, reveal, respond) with K
//! parallel slots, then Combine, repeated with fresh randomness until a slot yields a signature
//! (`shared/threshold-mldsa.md` §3).
//!
//! Messages may arrive early (a peer's reveal before this party holds every commitment, or the
//! next attempt's commitment before this attempt's last response); they wait in an inbox keyed
//! by (attempt, round, sender) until their turn. A second copy of a message, or a message of an
//! attempt already over, is a replay.

use std::collections::{BTreeMap, BTreeSet};

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::mldsa::VerifyingKey;
use crate::mldsa::encode::bit_pack;
use crate::mldsa::params::Params;
use crate::mldsa::poly::{Poly, ntt_vec};
use crate::mldsa::sample::h;
use crate::{
    Outgoing, Party, PartyId, Progress, ProtocolError, Recipient, SchemeInfo, SessionId, Signed,
};

use super::combine::combine;
use super::framing::{self, Framing, POLY_BYTES, malformed};
use super::key::{ShareSecret, SubsetSeed, subset_secret};
use super::mask::{SlotMask, to_canonical};
use super::messages::SignMessage;
use super::slots::{
    self, CheckedSlot, Response, challenge, decode_response, map_slots, slot_digest,
};
use super::{MAX_ATTEMPTS, SecretPolys, ThresholdParams, add_mod_q, commitment_len};

/// Domain tags of the signing hashes.
const COMMIT_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/sign-commit";
const SEED_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/attempt-seed";

/// Everything a signer needs, fixed for the whole session.
pub(crate) struct SignerSetup {
    pub(crate) info: &'static SchemeInfo,
    pub(crate) session: SessionId,
    pub(crate) me: PartyId,
    /// The signers, each with its index among the key holders, in index order.
    pub(crate) signers: Vec<(PartyId, u8)>,
    pub(crate) params: &'static ThresholdParams,
    /// The joint public key, pkEncode bytes of the share's parameter set.
    pub(crate) public_key: Vec<u8>,
    /// tr = H(pk, 64).
    pub(crate) tr: [u8; 64],
    pub(crate) mu: [u8; 64],
}

/// One party of a signing session.
pub(crate) struct Signer {
    setup: SignerSetup,
    /// The seeds of the subset secrets the partition assigns to this signer.
    assigned: Vec<SubsetSeed>,
    /// Filled by [`Party::start`]: the expensive expansions happen there, on the party's own
    /// thread, not while the session is set up.
    expanded: Option<Expanded>,
    hedge: Zeroizing<[u8; 32]>,
    attempt: u32,
    phase: Phase,
    inbox: BTreeMap<(u32, u8, PartyId), SignMessage>,
    seen: BTreeSet<(u32, u8, PartyId)>,
}

/// The expanded public key and this signer's part of the secret.
struct Expanded {
    key: VerifyingKey,
    /// NTT of the sum of the assigned subset secrets.
    s_part_hat: SecretPolys,
}

/// Where the current attempt stands.
enum Phase {
    NotStarted,
    /// Round 1 sent; waiting for every commitment.
    Committed(Round1),
    /// Round 2 sent; waiting for every reveal.
    Revealed {
        round1: Round1,
        commitments: BTreeMap<PartyId, Vec<u8>>,
    },
    /// Round 3 sent; waiting for every response.
    Responded(Aggregate),
    Finished,
}

/// The secret state of one attempt after Round 1. It is moved into Round 3 and dropped there
/// (zeroizing every mask), so it can serve one response only.
struct Round1 {
    masks: Vec<SlotMask>,
    /// This party's w per slot (public once revealed) and their encoding.
    w: Vec<Vec<Poly>>,
    w_packed: Vec<u8>,
}

/// The public values of an attempt that Combine needs.
struct Aggregate {
    /// Per slot: the sum of every signer's w, coefficients in [0, q).
    w: Vec<Vec<Poly>>,
    /// Per slot: c-tilde.
    c_tilde: Vec<Vec<u8>>,
    /// This party's own response, as sent (accepted slots are public once sent).
    own: Option<Response>,
}

impl Signer {
    /// A signer for `setup`, using the subset secrets `share` holds as the partition assigns
    /// them.
    pub(crate) fn new(setup: SignerSetup, share: &ShareSecret) -> Result<Self, String> {
        let params = setup.params;
        let indices: Vec<u8> = setup.signers.iter().map(|&(_, i)| i).collect();
        let groups = params
            .structure()
            .assignment(&indices)
            .ok_or_else(|| format!("no partition for signers {indices:?}"))?;
        let position = setup
            .signers
            .iter()
            .position(|&(p, _)| p == setup.me)
            .ok_or("this party is not a signer")?;
        let mine = groups.get(position).ok_or("partition has too few rows")?;
        let mut assigned = Vec::with_capacity(mine.len());
        for &mask in mine {
            let seed = share
                .seed(mask)
                .ok_or_else(|| format!("the share lacks subset {mask:#b} the partition assigns"))?;
            assigned.push(SubsetSeed { mask, seed: *seed });
        }
        Ok(Self {
            hedge: share.hedge_key(),
            setup,
            assigned,
            expanded: None,
            attempt: 0,
            phase: Phase::NotStarted,
            inbox: BTreeMap::new(),
            seen: BTreeSet::new(),
        })
    }

    /// Expands the public key (ExpandA) and sums the assigned subset secrets.
    fn expand(&self) -> Result<Expanded, ProtocolError> {
        let mldsa = self.mldsa();
        let key = VerifyingKey::decode(self.setup.params.set, &self.setup.public_key)
            .map_err(|e| ProtocolError::Internal(format!("public key: {e}")))?;
        let mut sum = SecretPolys(vec![Poly::default(); mldsa.k + mldsa.l]);
        for subset in &self.assigned {
            let secret = subset_secret(&subset.seed, mldsa);
            for (acc, p) in sum.0.iter_mut().zip(&secret.0) {
                acc.add_assign(p);
            }
        }
        let canonical = SecretPolys(sum.0.iter().map(to_canonical).collect());
        let s_part_hat = SecretPolys(ntt_vec(&canonical.0));
        Ok(Expanded { key, s_part_hat })
    }

    fn expanded(&self) -> Result<&Expanded, ProtocolError> {
        self.expanded
            .as_ref()
            .ok_or(ProtocolError::Misuse("the party has not been started"))
    }

    fn others(&self) -> impl Iterator<Item = PartyId> + '_ {
        self.setup
            .signers
            .iter()
            .map(|&(p, _)| p)
            .filter(move |&p| p != self.setup.me)
    }

    fn index_of(&self, party: PartyId) -> u8 {
        self.setup
            .signers
            .iter()
            .find(|&&(p, _)| p == party)
            .map_or(u8::MAX, |&(_, i)| i)
    }

    fn mldsa(&self) -> &'static Params {
        self.setup.params.set.params()
    }

    fn message(&self, body: &SignMessage) -> Result<Outgoing, ProtocolError> {
        self.framing().outgoing(Recipient::All, body)
    }

    fn framing(&self) -> Framing {
        Framing {
            info: self.setup.info,
            session: self.setup.session,
            me: self.setup.me,
        }
    }

    /// Round 1 of a new attempt (digest §3.3): K fresh masks, their w, and the commitment to
    /// all of them. The seed is hedged: fresh randomness, the share's hedge key, the session and
    /// the attempt (digest §6.3).
    fn begin_attempt(
        &mut self,
        rng: &mut dyn CryptoRng,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), ProtocolError> {
        self.attempt += 1;
        if self.attempt > MAX_ATTEMPTS {
            self.phase = Phase::Finished;
            return Err(ProtocolError::NoSignature {
                attempts: MAX_ATTEMPTS,
            });
        }
        let attempt = self.attempt;
        self.seen.retain(|&(a, _, _)| a >= attempt);
        let mut fresh = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(fresh.as_mut_slice());
        let mut seed = Zeroizing::new([0u8; 64]);
        let index = [self.index_of(self.setup.me)];
        h(
            &[
                SEED_TAG,
                self.hedge.as_slice(),
                fresh.as_slice(),
                &self.setup.session.0,
                &index,
                &attempt.to_le_bytes(),
            ],
            seed.as_mut_slice(),
        );
        let tp = self.setup.params;
        let mldsa = self.mldsa();
        let (radius, nu) = (f64::from(tp.r_prime), f64::from(tp.nu));
        let a_hat = self.expanded()?.key.a_hat();
        let len = commitment_len(mldsa);
        let slots = map_slots(tp.slots, |j| {
            let slot = u32::try_from(j).unwrap_or(u32::MAX);
            let mask = SlotMask::sample(&seed, slot, radius, nu, mldsa);
            let w = mask.commitment(a_hat, mldsa);
            let packed = framing::pack(&w);
            let digest = slot_digest(&packed, len);
            (mask, w, packed, digest)
        });
        let mut round1 = Round1 {
            masks: Vec::with_capacity(tp.slots),
            w: Vec::with_capacity(tp.slots),
            w_packed: Vec::with_capacity(tp.slots * mldsa.k * POLY_BYTES),
        };
        let mut digests = Vec::with_capacity(tp.slots * len);
        for (mask, w, packed, digest) in slots {
            round1.masks.push(mask);
            round1.w.push(w);
            round1.w_packed.extend_from_slice(&packed);
            digests.extend_from_slice(&digest);
        }
        let commitment = self.commitment(self.setup.me, attempt, &digests);
        out.push(self.message(&SignMessage::Commit {
            attempt,
            commitment,
        })?);
        self.phase = Phase::Committed(round1);
        Ok(())
    }

    /// H(tag, session, configuration, tr, party index, attempt, H(w_0), ..., H(w_{K-1})),
    /// lambda / 4 bytes,
    /// from the K slot digests. Hashing each slot's w on its own lets the digests be computed
    /// in parallel; the commitment binds all K values of w as long as H resists collisions.
    fn commitment(&self, party: PartyId, attempt: u32, digests: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; commitment_len(self.mldsa())];
        let index = [self.index_of(party)];
        h(
            &[
                COMMIT_TAG,
                &self.setup.session.0,
                &self.setup.params.binding(),
                &self.setup.tr,
                &index,
                &attempt.to_le_bytes(),
                digests,
            ],
            &mut out,
        );
        out
    }

    /// Takes the messages of `round` of the current attempt from every other signer, if all
    /// have arrived.
    fn take_round(&mut self, round: u8) -> Option<BTreeMap<PartyId, SignMessage>> {
        let attempt = self.attempt;
        let others: Vec<PartyId> = self.others().collect();
        if !others
            .iter()
            .all(|&p| self.inbox.contains_key(&(attempt, round, p)))
        {
            return None;
        }
        Some(
            others
                .into_iter()
                .filter_map(|p| self.inbox.remove(&(attempt, round, p)).map(|m| (p, m)))
                .collect(),
        )
    }

    /// Moves the protocol as far as the messages at hand allow.
    fn advance(
        &mut self,
        rng: &mut dyn CryptoRng,
        out: &mut Vec<Outgoing>,
    ) -> Result<Option<Vec<u8>>, ProtocolError> {
        loop {
            match std::mem::replace(&mut self.phase, Phase::Finished) {
                Phase::Committed(round1) => {
                    let Some(messages) = self.take_round(1) else {
                        self.phase = Phase::Committed(round1);
                        return Ok(None);
                    };
                    let commitments = messages
                        .into_iter()
                        .filter_map(|(p, m)| match m {
                            SignMessage::Commit { commitment, .. } => Some((p, commitment)),
                            _ => None,
                        })
                        .collect();
                    out.push(self.message(&SignMessage::Reveal {
                        attempt: self.attempt,
                        w: round1.w_packed.clone(),
                    })?);
                    self.phase = Phase::Revealed {
                        round1,
                        commitments,
                    };
                }
                Phase::Revealed {
                    round1,
                    commitments,
                } => {
                    let Some(messages) = self.take_round(2) else {
                        self.phase = Phase::Revealed {
                            round1,
                            commitments,
                        };
                        return Ok(None);
                    };
                    let mut aggregate = self.aggregate(&round1, &commitments, messages)?;
                    let (response, own) = self.respond(round1, &aggregate)?;
                    aggregate.own = Some(own);
                    out.push(self.message(&response)?);
                    self.phase = Phase::Responded(aggregate);
                }
                Phase::Responded(aggregate) => {
                    let Some(messages) = self.take_round(3) else {
                        self.phase = Phase::Responded(aggregate);
                        return Ok(None);
                    };
                    if let Some(signature) = self.finish_attempt(aggregate, messages)? {
                        return Ok(Some(signature));
                    }
                    self.begin_attempt(rng, out)?;
                }
                phase @ (Phase::NotStarted | Phase::Finished) => {
                    self.phase = phase;
                    return Ok(None);
                }
            }
        }
    }

    /// Round 3, step 1 (digest §3.5): checks every reveal against its commitment and the
    /// coefficient range, and sums the w of every signer per slot. The K slots are handled in
    /// parallel, each for every signer.
    fn aggregate(
        &self,
        round1: &Round1,
        commitments: &BTreeMap<PartyId, Vec<u8>>,
        reveals: BTreeMap<PartyId, SignMessage>,
    ) -> Result<Aggregate, ProtocolError> {
        let mldsa = self.mldsa();
        let slots = self.setup.params.slots;
        let slot_bytes = mldsa.k * POLY_BYTES;
        let len = commitment_len(mldsa);
        let mut revealed: Vec<(PartyId, Vec<u8>)> = Vec::with_capacity(reveals.len());
        for (party, message) in reveals {
            let SignMessage::Reveal { w, .. } = message else {
                return Err(ProtocolError::Internal(
                    "round 2 inbox holds another round".into(),
                ));
            };
            if w.len() != slots * slot_bytes {
                let reason = format!("{} bytes of w, expected {}", w.len(), slots * slot_bytes);
                return Err(malformed(party, "w", reason));
            }
            revealed.push((party, w));
        }
        let per_slot: Vec<Result<CheckedSlot, ProtocolError>> = map_slots(slots, |j| {
            let own = round1.w.get(j).map_or(&[][..], Vec::as_slice);
            let mut sum = own.to_vec();
            let mut digests = Vec::with_capacity(revealed.len());
            for (party, w) in &revealed {
                let bytes = w
                    .get(j * slot_bytes..(j + 1) * slot_bytes)
                    .unwrap_or_default();
                let theirs = framing::unpack(bytes, mldsa.k)
                    .map_err(|reason| malformed(*party, "w", format!("slot {j}: {reason}")))?;
                add_mod_q(&mut sum, &theirs);
                digests.push(slot_digest(bytes, len));
            }
            let c_tilde = challenge(&self.setup.mu, &sum, mldsa);
            Ok(CheckedSlot {
                sum,
                c_tilde,
                digests,
            })
        });
        let mut aggregate = Aggregate {
            w: Vec::with_capacity(slots),
            c_tilde: Vec::with_capacity(slots),
            own: None,
        };
        let mut digests: Vec<Vec<u8>> = vec![Vec::with_capacity(slots * len); revealed.len()];
        for result in per_slot {
            let slot = result?;
            aggregate.w.push(slot.sum);
            aggregate.c_tilde.push(slot.c_tilde);
            for (all, digest) in digests.iter_mut().zip(slot.digests) {
                all.extend_from_slice(&digest);
            }
        }
        for ((party, _), digests) in revealed.iter().zip(&digests) {
            if commitments.get(party) != Some(&self.commitment(*party, self.attempt, digests)) {
                return Err(ProtocolError::Misbehaved {
                    party: *party,
                    reason: format!(
                        "its round-2 w of attempt {} does not match its round-1 commitment",
                        self.attempt
                    ),
                });
            }
        }
        Ok(aggregate)
    }

    /// Round 3, steps 3-6 (digest §3.5): per slot, the rejection test on the continuous sample
    /// and, when it passes, the response z = c s_part^(1) + round(y)^(1). Consumes the
    /// attempt's masks.
    fn respond(
        &self,
        round1: Round1,
        aggregate: &Aggregate,
    ) -> Result<(SignMessage, Response), ProtocolError> {
        let tp = self.setup.params;
        let mldsa = self.mldsa();
        let z_len = mldsa.l * mldsa.z_poly_bytes();
        let s_part_hat = &self.expanded()?.s_part_hat.0;
        let responses: Vec<Option<Vec<Poly>>> = map_slots(tp.slots, |j| {
            let (mask, c_tilde) = (round1.masks.get(j)?, aggregate.c_tilde.get(j)?);
            slots::respond(mask, s_part_hat, c_tilde, tp, mldsa)
        });
        drop(round1);
        let mut accepted = vec![0u8; tp.slots.div_ceil(8)];
        let mut z = Vec::with_capacity(tp.slots * z_len);
        for (j, response) in responses.iter().enumerate() {
            match response {
                Some(polys) => {
                    if let Some(byte) = accepted.get_mut(j >> 3) {
                        *byte |= 1 << (j & 7);
                    }
                    for p in polys {
                        bit_pack(p, mldsa.gamma1, mldsa.z_bits(), &mut z);
                    }
                }
                None => z.resize(z.len() + z_len, 0),
            }
        }
        let own = Response {
            accepted: responses.iter().map(Option::is_some).collect(),
            z: responses,
        };
        let message = SignMessage::Respond {
            attempt: self.attempt,
            accepted,
            z,
        };
        Ok((message, own))
    }

    /// Combine (digest §3.6): decodes every response and tries the slots all
    /// signers accepted, in order.
    fn finish_attempt(
        &mut self,
        mut aggregate: Aggregate,
        responses: BTreeMap<PartyId, SignMessage>,
    ) -> Result<Option<Vec<u8>>, ProtocolError> {
        let mldsa = self.mldsa();
        let slots = self.setup.params.slots;
        let mut decoded = Vec::with_capacity(responses.len() + 1);
        for (party, message) in responses {
            decoded.push(
                decode_response(&message, slots, mldsa)
                    .map_err(|reason| malformed(party, "response", reason))?,
            );
        }
        let own = aggregate
            .own
            .take()
            .ok_or_else(|| ProtocolError::Internal("own round-3 response missing".to_owned()))?;
        decoded.push(own);
        for j in 0..slots {
            if !decoded
                .iter()
                .all(|r| r.accepted.get(j).copied().unwrap_or(false))
            {
                continue;
            }
            let mut z = vec![Poly::default(); mldsa.l];
            for response in &decoded {
                if let Some(Some(part)) = response.z.get(j) {
                    for (acc, p) in z.iter_mut().zip(part) {
                        acc.add_assign(p);
                    }
                }
            }
            let (Some(w), Some(c_tilde)) = (aggregate.w.get(j), aggregate.c_tilde.get(j)) else {
                continue;
            };
            let key = &self.expanded()?.key;
            if let Some(signature) = combine(key, &self.setup.mu, w, c_tilde, &z, mldsa) {
                self.phase = Phase::Finished;
                return Ok(Some(signature));
            }
        }
        Ok(None)
    }
}

impl Party for Signer {
    type Output = Signed;

    fn id(&self) -> PartyId {
        self.setup.me
    }

    fn start(&mut self, rng: &mut dyn CryptoRng) -> Result<Progress<Signed>, ProtocolError> {
        if !matches!(self.phase, Phase::NotStarted) {
            return Err(ProtocolError::Misuse("start called twice"));
        }
        self.expanded = Some(self.expand()?);
        let mut out = Vec::new();
        self.begin_attempt(rng, &mut out)?;
        Ok(Progress::Continue(out))
    }

    fn receive(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Progress<Signed>, ProtocolError> {
        let result = self.handle(from, bytes, rng);
        if result.is_err() {
            // An aborted party stays aborted: whatever arrives later is refused.
            self.phase = Phase::Finished;
        }
        result
    }
}

impl Signer {
    /// One message, checked and handled; [`Party::receive`] makes any error final.
    fn handle(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Progress<Signed>, ProtocolError> {
        match self.phase {
            Phase::NotStarted => return Err(ProtocolError::Misuse("receive before start")),
            Phase::Finished => return Err(ProtocolError::Misuse("the session is over")),
            _ => {}
        }
        let is_member = self.setup.signers.iter().any(|&(p, _)| p == from);
        let message: SignMessage = self.framing().decode(from, is_member, bytes)?;
        let (attempt, round) = (message.attempt(), message.round());
        if attempt < self.attempt {
            return Err(ProtocolError::Replayed {
                party: from,
                what: format!(
                    "round-{round} message of attempt {attempt}, which is over (now at attempt {})",
                    self.attempt
                ),
            });
        }
        let next_commit = attempt == self.attempt + 1 && round == 1;
        if attempt > self.attempt && !next_commit {
            return Err(ProtocolError::Misbehaved {
                party: from,
                reason: format!(
                    "sent a round-{round} message of attempt {attempt} during attempt {}",
                    self.attempt
                ),
            });
        }
        if !self.seen.insert((attempt, round, from)) {
            return Err(ProtocolError::Replayed {
                party: from,
                what: format!("a second round-{round} message of attempt {attempt}"),
            });
        }
        self.inbox.insert((attempt, round, from), message);
        let mut out = Vec::new();
        match self.advance(rng, &mut out)? {
            Some(signature) => Ok(Progress::Done {
                outgoing: out,
                output: Signed {
                    signature,
                    attempts: self.attempt,
                },
            }),
            None => Ok(Progress::Continue(out)),
        }
    }
}

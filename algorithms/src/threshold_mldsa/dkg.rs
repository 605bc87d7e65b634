//! Distributed key generation (paper App. D, Fig. 13; `shared/threshold-mldsa.md` §2.3).
//!
//! Every subset S of N - T + 1 parties has a leader, its lowest member. Four rounds:
//!
//! 1. each party commits to 32 random bytes r_i (broadcast) and, for every subset it leads,
//!    draws a subset key K_S and sends it privately to the other members;
//! 2. once it holds every commitment and every subset key addressed to it, it reveals r_i;
//! 3. with R = r_0 || ... || r_{N-1} fixed, rho = H(R), and each leader derives
//!    s_S = ExpandS(H(S, K_S, R)) and broadcasts a commitment to t_S = A s_S^(1) + s_S^(2);
//! 4. every member re-derives s_S and t_S from the K_S it received and checks the leader's
//!    commitment; then each party publishes the t_S it leads with its hash of the transcript of
//!    rounds 1-3.
//!
//! Finally every party checks every t_S against its commitment and every transcript hash
//! against its own, and sets t = sum of t_S, pk = pkEncode(rho, t1). Because R is fixed only
//! after every K_S has been delivered, no leader can steer its subset secret; because each s_S
//! is known only to the members of S, no T - 1 parties know the key.
//!
//! The paper has each party sign the transcript with a long-term key. Here the transport
//! authenticates every message (see the scheme's transport requirement), so the transcript
//! hash each party broadcasts on its authenticated channel binds it in the same way; a
//! transcript signature for non-repudiation belongs with the node identities of the engine.
//! Any failed check aborts the whole key generation, naming the party that sent the bad value.

use std::collections::BTreeMap;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::mldsa::VerifyingKey;
use crate::mldsa::params::Params;
use crate::mldsa::poly::Poly;
use crate::mldsa::sample::{expand_a, h};
use crate::{
    KeyShare, Outgoing, Party, PartyId, Progress, ProtocolError, Recipient, SchemeInfo, SessionId,
};

use super::framing::{self, Framing, malformed};
use super::key::{ShareSecret, SubsetSeed, subset_secret};
use super::mask::mlwe_image;
use super::messages::{KeygenMessage, SubsetKey};
use super::partition::{Mask, Structure};
use super::{ThresholdParams, add_mod_q, commitment_len};

const COMMIT_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/dkg-commit";
const RHO_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/dkg-rho";
const SUBSET_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/dkg-subset";
const PARTIAL_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/dkg-partial";
const TRANSCRIPT_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/dkg-transcript";

/// Everything a key generation party needs, fixed for the session.
pub(crate) struct KeygenSetup {
    pub(crate) info: &'static SchemeInfo,
    pub(crate) session: SessionId,
    pub(crate) me: PartyId,
    /// Every key holder in index order (sorted, a required party last); a party's index is its
    /// position here.
    pub(crate) parties: Vec<PartyId>,
    /// The party without whom no signature exists, if the key has one.
    pub(crate) required: Option<PartyId>,
    pub(crate) params: &'static ThresholdParams,
}

/// The kinds of message, for the inbox key.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Commit,
    SubsetKeys,
    Reveal,
    PartialCommit,
    Partial,
}

impl Kind {
    fn of(message: &KeygenMessage) -> Self {
        match message {
            KeygenMessage::Commit { .. } => Self::Commit,
            KeygenMessage::SubsetKeys { .. } => Self::SubsetKeys,
            KeygenMessage::Reveal { .. } => Self::Reveal,
            KeygenMessage::PartialCommit { .. } => Self::PartialCommit,
            KeygenMessage::Partial { .. } => Self::Partial,
        }
    }
}

/// Where the key generation stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    NotStarted,
    /// Round 1 sent: waiting for every commitment and subset key.
    Committed,
    /// Round 2 sent: waiting for every reveal.
    Revealed,
    /// Round 3 sent: waiting for every partial commitment.
    PartialCommitted,
    /// Round 4 sent: waiting for every partial public key.
    Published,
    Finished,
}

/// One party of a key generation session.
pub(crate) struct Dkg {
    setup: KeygenSetup,
    index: u8,
    stage: Stage,
    inbox: BTreeMap<(Kind, PartyId), KeygenMessage>,
    randomness: Zeroizing<[u8; 32]>,
    /// K_S of every subset this party belongs to: drawn for those it leads, received for the
    /// others.
    subset_keys: BTreeMap<Mask, Zeroizing<[u8; 32]>>,
    /// Round-1 commitments by party index (own included).
    commitments: BTreeMap<u8, Vec<u8>>,
    /// Revealed r_i by party index (own included).
    reveals: BTreeMap<u8, [u8; 32]>,
    /// Commitments to t_S by subset.
    partial_commitments: BTreeMap<Mask, Vec<u8>>,
    /// Filled in round 3.
    derived: Option<Derived>,
}

/// What round 3 derives from the joint randomness.
struct Derived {
    rho: [u8; 32],
    a_hat: Vec<Poly>,
    seeds: Vec<SubsetSeed>,
    /// t_S of every subset this party belongs to.
    partials: BTreeMap<Mask, Vec<Poly>>,
}

impl Dkg {
    pub(crate) fn new(setup: KeygenSetup) -> Result<Self, String> {
        let index = setup
            .parties
            .iter()
            .position(|&p| p == setup.me)
            .and_then(|i| u8::try_from(i).ok())
            .ok_or("this party is not a key holder")?;
        Ok(Self {
            setup,
            index,
            stage: Stage::NotStarted,
            inbox: BTreeMap::new(),
            randomness: Zeroizing::new([0; 32]),
            subset_keys: BTreeMap::new(),
            commitments: BTreeMap::new(),
            reveals: BTreeMap::new(),
            partial_commitments: BTreeMap::new(),
            derived: None,
        })
    }

    fn mldsa(&self) -> &'static Params {
        self.setup.params.set.params()
    }

    fn structure(&self) -> Structure {
        self.setup.params.structure()
    }

    /// Binds every hash to the session, the configuration (level, T, N, whether a party is
    /// required, K) and the key holders in index order, which names the required party: a
    /// party that believes in another structure, or another required party, computes other
    /// hashes from round 1 on and the key generation aborts.
    fn context(&self) -> Vec<u8> {
        let mut context = self.setup.session.0.to_vec();
        context.extend_from_slice(&self.setup.params.binding());
        for party in &self.setup.parties {
            context.extend_from_slice(&party.0.to_le_bytes());
        }
        context
    }

    fn hash(&self, tag: &[u8], parts: &[&[u8]], len: usize) -> Vec<u8> {
        let context = self.context();
        let mut all: Vec<&[u8]> = vec![tag, &context];
        all.extend_from_slice(parts);
        let mut out = vec![0u8; len];
        h(&all, &mut out);
        out
    }

    fn index_of(&self, party: PartyId) -> u8 {
        self.setup
            .parties
            .iter()
            .position(|&p| p == party)
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(u8::MAX)
    }

    fn party_at(&self, index: u8) -> PartyId {
        self.setup
            .parties
            .get(usize::from(index))
            .copied()
            .unwrap_or(PartyId(u16::MAX))
    }

    fn others(&self) -> Vec<PartyId> {
        self.setup
            .parties
            .iter()
            .copied()
            .filter(|&p| p != self.setup.me)
            .collect()
    }

    /// The subsets party `index` leads (it is their lowest member).
    fn led_by(&self, index: u8) -> Vec<Mask> {
        self.structure()
            .subsets()
            .into_iter()
            .filter(|m| m.trailing_zeros() == u32::from(index))
            .collect()
    }

    /// Refuses a list of subsets from `party` that is not exactly, in order, the subsets it
    /// leads.
    fn check_led(
        &self,
        party: PartyId,
        listed: impl Iterator<Item = Mask>,
        verb: &str,
    ) -> Result<(), ProtocolError> {
        let led = self.led_by(self.index_of(party));
        let listed: Vec<Mask> = listed.collect();
        if listed == led {
            return Ok(());
        }
        Err(ProtocolError::Misbehaved {
            party,
            reason: format!("{verb} subsets {listed:?}, it leads {led:?}"),
        })
    }

    fn message(&self, to: Recipient, body: &KeygenMessage) -> Result<Outgoing, ProtocolError> {
        let framing = Framing {
            info: self.setup.info,
            session: self.setup.session,
            me: self.setup.me,
        };
        framing.outgoing(to, body)
    }

    fn commit_randomness(&self, index: u8, randomness: &[u8; 32]) -> Vec<u8> {
        let len = commitment_len(self.mldsa());
        self.hash(COMMIT_TAG, &[&[index], randomness], len)
    }

    fn commit_partial(&self, mask: Mask, packed: &[u8]) -> Vec<u8> {
        let len = commitment_len(self.mldsa());
        self.hash(PARTIAL_TAG, &[&[mask], packed], len)
    }

    /// Round 1.
    fn round1(&mut self, rng: &mut dyn CryptoRng) -> Result<Vec<Outgoing>, ProtocolError> {
        rng.fill_bytes(self.randomness.as_mut_slice());
        for mask in self.led_by(self.index) {
            let mut key = Zeroizing::new([0u8; 32]);
            rng.fill_bytes(key.as_mut_slice());
            self.subset_keys.insert(mask, key);
        }
        let commitment = self.commit_randomness(self.index, &self.randomness);
        self.commitments.insert(self.index, commitment.clone());
        let mut out = vec![self.message(Recipient::All, &KeygenMessage::Commit { commitment })?];
        for other in self.others() {
            let bit = 1u8 << self.index_of(other);
            let keys: Vec<SubsetKey> = self
                .subset_keys
                .iter()
                .filter(|(mask, _)| *mask & bit != 0)
                .map(|(&mask, key)| SubsetKey { mask, key: **key })
                .collect();
            if !keys.is_empty() {
                let body = KeygenMessage::SubsetKeys { keys };
                out.push(self.message(Recipient::One(other), &body)?);
            }
        }
        self.stage = Stage::Committed;
        Ok(out)
    }

    /// The leaders that owe this party subset keys.
    fn expected_key_senders(&self) -> Vec<PartyId> {
        let mut leaders: Vec<u8> = self
            .structure()
            .held_by(self.index)
            .into_iter()
            .map(|m| u8::try_from(m.trailing_zeros()).unwrap_or(u8::MAX))
            .filter(|&leader| leader != self.index)
            .collect();
        leaders.sort_unstable();
        leaders.dedup();
        leaders.into_iter().map(|i| self.party_at(i)).collect()
    }

    fn have_all(&self, kind: Kind, parties: &[PartyId]) -> bool {
        parties.iter().all(|&p| self.inbox.contains_key(&(kind, p)))
    }

    fn take(&mut self, kind: Kind, party: PartyId) -> Result<KeygenMessage, ProtocolError> {
        self.inbox
            .remove(&(kind, party))
            .ok_or_else(|| ProtocolError::Internal(format!("{kind:?} of {party} missing")))
    }

    /// Round 2: after every commitment and subset key.
    fn round2(&mut self) -> Result<Vec<Outgoing>, ProtocolError> {
        for party in self.others() {
            if let KeygenMessage::Commit { commitment } = self.take(Kind::Commit, party)? {
                if commitment.len() != commitment_len(self.mldsa()) {
                    return Err(malformed(party, "commitment", "wrong length".to_owned()));
                }
                self.commitments.insert(self.index_of(party), commitment);
            }
        }
        for leader in self.expected_key_senders() {
            let KeygenMessage::SubsetKeys { keys } = self.take(Kind::SubsetKeys, leader)? else {
                continue;
            };
            let leader_index = self.index_of(leader);
            let mut owed: Vec<Mask> = self
                .led_by(leader_index)
                .into_iter()
                .filter(|m| m & (1 << self.index) != 0)
                .collect();
            let mut got: Vec<Mask> = keys.iter().map(|k| k.mask).collect();
            owed.sort_unstable();
            got.sort_unstable();
            if owed != got {
                return Err(ProtocolError::Misbehaved {
                    party: leader,
                    reason: format!("sent keys for subsets {got:?}, it owes {owed:?}"),
                });
            }
            for key in &keys {
                self.subset_keys.insert(key.mask, Zeroizing::new(key.key));
            }
        }
        self.reveals.insert(self.index, *self.randomness);
        let body = KeygenMessage::Reveal {
            randomness: *self.randomness,
        };
        self.stage = Stage::Revealed;
        Ok(vec![self.message(Recipient::All, &body)?])
    }

    /// Round 3: after every reveal.
    fn round3(&mut self) -> Result<Vec<Outgoing>, ProtocolError> {
        for party in self.others() {
            let KeygenMessage::Reveal { randomness } = self.take(Kind::Reveal, party)? else {
                continue;
            };
            let index = self.index_of(party);
            if self.commitments.get(&index) != Some(&self.commit_randomness(index, &randomness)) {
                return Err(ProtocolError::Misbehaved {
                    party,
                    reason: "its revealed randomness does not match its commitment".to_owned(),
                });
            }
            self.reveals.insert(index, randomness);
        }
        let joint: Zeroizing<Vec<u8>> =
            Zeroizing::new(self.reveals.values().flatten().copied().collect());
        let mut rho = [0u8; 32];
        rho.copy_from_slice(&self.hash(RHO_TAG, &[&joint], 32));
        let mldsa = self.mldsa();
        let a_hat = expand_a(&rho, mldsa);
        let mut seeds = Vec::with_capacity(self.subset_keys.len());
        let mut partials = BTreeMap::new();
        for (&mask, key) in &self.subset_keys {
            let mut seed = SubsetSeed {
                mask,
                seed: [0; 64],
            };
            let derived =
                Zeroizing::new(self.hash(SUBSET_TAG, &[&[mask], key.as_slice(), &joint], 64));
            seed.seed.copy_from_slice(&derived);
            let secret = subset_secret(&seed.seed, mldsa);
            partials.insert(mask, mlwe_image(&secret.0, &a_hat, mldsa));
            seeds.push(seed);
        }
        let mut commitments = Vec::new();
        for mask in self.led_by(self.index) {
            let packed = framing::pack(partials.get(&mask).map_or(&[][..], Vec::as_slice));
            let commitment = self.commit_partial(mask, &packed);
            self.partial_commitments.insert(mask, commitment.clone());
            commitments.push((mask, commitment));
        }
        // K_S is as secret as s_S and no longer needed.
        self.subset_keys.clear();
        self.derived = Some(Derived {
            rho,
            a_hat,
            seeds,
            partials,
        });
        self.stage = Stage::PartialCommitted;
        let body = KeygenMessage::PartialCommit { commitments };
        Ok(vec![self.message(Recipient::All, &body)?])
    }

    /// Round 4: after every partial commitment.
    fn round4(&mut self) -> Result<Vec<Outgoing>, ProtocolError> {
        for party in self.others() {
            let KeygenMessage::PartialCommit { commitments } =
                self.take(Kind::PartialCommit, party)?
            else {
                continue;
            };
            self.check_led(party, commitments.iter().map(|(m, _)| *m), "committed to")?;
            for (mask, commitment) in commitments {
                self.partial_commitments.insert(mask, commitment);
            }
        }
        // Re-derive and check every t_S this party helps hold but does not lead.
        let derived = self
            .derived
            .as_ref()
            .ok_or(ProtocolError::Internal("round 3 missing".into()))?;
        for (&mask, t_s) in &derived.partials {
            let leader = u8::try_from(mask.trailing_zeros()).unwrap_or(u8::MAX);
            if leader == self.index {
                continue;
            }
            let ok = self.partial_commitments.get(&mask)
                == Some(&self.commit_partial(mask, &framing::pack(t_s)));
            if !ok {
                return Err(ProtocolError::Misbehaved {
                    party: self.party_at(leader),
                    reason: format!(
                        "its commitment to t_S of subset {mask:#b} does not match the subset key \
                         it sent"
                    ),
                });
            }
        }
        let mut partials = Vec::new();
        for mask in self.led_by(self.index) {
            let t_s = derived.partials.get(&mask).map_or(&[][..], Vec::as_slice);
            partials.push((mask, framing::pack(t_s)));
        }
        let transcript = self.transcript();
        self.stage = Stage::Published;
        let body = KeygenMessage::Partial {
            partials,
            transcript,
        };
        Ok(vec![self.message(Recipient::All, &body)?])
    }

    /// The hash of rounds 1-3 as this party saw them: every commitment, every r_i and every
    /// commitment to a t_S, in party and subset order.
    fn transcript(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for (index, commitment) in &self.commitments {
            bytes.push(*index);
            bytes.extend_from_slice(commitment);
            bytes.extend_from_slice(self.reveals.get(index).map_or(&[][..], |r| r.as_slice()));
        }
        for (mask, commitment) in &self.partial_commitments {
            bytes.push(*mask);
            bytes.extend_from_slice(commitment);
        }
        self.hash(TRANSCRIPT_TAG, &[&bytes], commitment_len(self.mldsa()))
    }

    /// The local aggregation: after every partial public key.
    fn finish(&mut self) -> Result<KeyShare, ProtocolError> {
        let mldsa = self.mldsa();
        let transcript = self.transcript();
        let derived = self
            .derived
            .take()
            .ok_or(ProtocolError::Internal("round 3 missing".into()))?;
        let mut all: BTreeMap<Mask, Vec<Poly>> = BTreeMap::new();
        for mask in self.led_by(self.index) {
            if let Some(t_s) = derived.partials.get(&mask) {
                all.insert(mask, t_s.clone());
            }
        }
        for party in self.others() {
            let KeygenMessage::Partial {
                partials,
                transcript: theirs,
            } = self.take(Kind::Partial, party)?
            else {
                continue;
            };
            if theirs != transcript {
                return Err(ProtocolError::Misbehaved {
                    party,
                    reason: "its transcript of rounds 1-3 differs from this party's".to_owned(),
                });
            }
            self.check_led(party, partials.iter().map(|(m, _)| *m), "published")?;
            for (mask, packed) in partials {
                let t_s =
                    framing::unpack(&packed, mldsa.k).map_err(|e| malformed(party, "t_S", e))?;
                if self.partial_commitments.get(&mask) != Some(&self.commit_partial(mask, &packed))
                {
                    return Err(ProtocolError::Misbehaved {
                        party,
                        reason: format!(
                            "its t_S of subset {mask:#b} does not match its commitment"
                        ),
                    });
                }
                all.insert(mask, t_s);
            }
        }
        let mut t = vec![Poly::default(); mldsa.k];
        for t_s in all.values() {
            add_mod_q(&mut t, t_s);
        }
        let key = VerifyingKey::from_t(self.setup.params.set, &derived.rho, derived.a_hat, &t);
        let secret = ShareSecret::new(self.index, derived.seeds)
            .to_secret_bytes()
            .map_err(|e| ProtocolError::Internal(e.to_string()))?;
        self.stage = Stage::Finished;
        Ok(super::new_share(&self.setup, key.encode(), secret))
    }

    /// Runs every round whose messages are all at hand; returns the messages to send and the
    /// share once the last round is done.
    fn advance(&mut self) -> Result<(Vec<Outgoing>, Option<KeyShare>), ProtocolError> {
        let others = self.others();
        let mut out = Vec::new();
        loop {
            match self.stage {
                Stage::Committed
                    if self.have_all(Kind::Commit, &others)
                        && self.have_all(Kind::SubsetKeys, &self.expected_key_senders()) =>
                {
                    out.extend(self.round2()?);
                }
                Stage::Revealed if self.have_all(Kind::Reveal, &others) => {
                    out.extend(self.round3()?)
                }
                Stage::PartialCommitted if self.have_all(Kind::PartialCommit, &others) => {
                    out.extend(self.round4()?);
                }
                Stage::Published if self.have_all(Kind::Partial, &others) => {
                    let share = self.finish()?;
                    return Ok((out, Some(share)));
                }
                _ => return Ok((out, None)),
            }
        }
    }
}

impl Party for Dkg {
    type Output = KeyShare;

    fn id(&self) -> PartyId {
        self.setup.me
    }

    fn start(&mut self, rng: &mut dyn CryptoRng) -> Result<Progress<KeyShare>, ProtocolError> {
        if self.stage != Stage::NotStarted {
            return Err(ProtocolError::Misuse("start called twice"));
        }
        Ok(Progress::Continue(self.round1(rng)?))
    }

    fn receive(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Progress<KeyShare>, ProtocolError> {
        let result = self.handle(from, bytes, rng);
        if result.is_err() {
            // An aborted party stays aborted: whatever arrives later is refused.
            self.stage = Stage::Finished;
        }
        result
    }
}

impl Dkg {
    /// One message, checked and handled; [`Party::receive`] makes any error final.
    fn handle(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        _rng: &mut dyn CryptoRng,
    ) -> Result<Progress<KeyShare>, ProtocolError> {
        match self.stage {
            Stage::NotStarted => return Err(ProtocolError::Misuse("receive before start")),
            Stage::Finished => return Err(ProtocolError::Misuse("the session is over")),
            _ => {}
        }
        let framing = Framing {
            info: self.setup.info,
            session: self.setup.session,
            me: self.setup.me,
        };
        let message: KeygenMessage =
            framing.decode(from, self.setup.parties.contains(&from), bytes)?;
        let kind = Kind::of(&message);
        let consumed = match kind {
            Kind::Commit | Kind::SubsetKeys => self.stage != Stage::Committed,
            Kind::Reveal => matches!(self.stage, Stage::PartialCommitted | Stage::Published),
            Kind::PartialCommit => self.stage == Stage::Published,
            Kind::Partial => false,
        };
        if consumed || self.inbox.contains_key(&(kind, from)) {
            return Err(ProtocolError::Replayed {
                party: from,
                what: format!("a second {kind:?} message"),
            });
        }
        if kind == Kind::SubsetKeys && !self.expected_key_senders().contains(&from) {
            return Err(ProtocolError::Misbehaved {
                party: from,
                reason: "sent subset keys although it leads no subset containing this party"
                    .to_owned(),
            });
        }
        self.inbox.insert((kind, from), message);
        match self.advance()? {
            (outgoing, Some(output)) => Ok(Progress::Done { outgoing, output }),
            (outgoing, None) => Ok(Progress::Continue(outgoing)),
        }
    }
}

//! Threshold ECDSA P-256: any t of n key holders (2 <= t <= n <= 255) produce one ordinary
//! ECDSA signature (SHA-256, low s, DER) that any verifier accepts, and no key holder ever
//! holds the signing key.
//!
//! The protocol is DKLs23 (Doerner, Kondi, Lee, shelat, "Threshold ECDSA in Three Rounds",
//! IACR ePrint 2023/765) as implemented by the `dkls23` crate of 0xCarbon, pinned to one
//! version. This module wraps it behind the crate's sans-IO [`Party`] contract with the
//! message header of [`crate::wire`]: it writes no cryptography of its own beyond the
//! framing, an echo check of the DKG's broadcast values, and running the DKG's pairwise
//! oblivious-transfer set-ups in parallel.
//!
//! # Operations
//!
//! - [`Scheme::keygen`]: distributed key generation in three rounds.
//! - [`Scheme::sign`]: exactly t signers, three rounds, from the message or its 32-byte
//!   SHA-256 digest (the remote-signing case).
//! - [`refresh`]: new shares of the same key; shares from before a refresh do not sign with
//!   shares from after it. A *complete* refresh also renews the pairwise OT state and is
//!   required after a [`repair`](repair_helper).
//! - [`repair_helper`] and [`repair_target`]: t helpers rebuild a lost party's share; the
//!   rebuilt share signs after a complete refresh of all n parties.
//!
//! # What the library requires, and how it is met
//!
//! - Point-to-point messages of key generation, refresh and repair carry secrets; the
//!   transport must encrypt and authenticate them ([`SchemeInfo::transport`]).
//! - When the library reports a failed oblivious-transfer or multiplication check, the
//!   counterparty learned something about reusable OT state and must be banned for good. The
//!   party aborts with [`ProtocolError::MustBan`]; [`KeyShare::record_abort`] records the ban
//!   in the share, which from then on refuses any session including that party
//!   ([`SchemeError::Banned`]).
//! - The library draws its randomness from the operating system (`rand::rng`), not from the
//!   generator passed to [`Party::start`].
//!
//! # The user's device as a required holder
//!
//! With [`KeygenParams::required`] set, the key is an ordinary (n + 1)-of-(2n − t + 1) DKLs23
//! key in which the device holds n − t + 1 indices (see `hosted.rs`): t providers and the
//! device sign, all n providers together cannot. Every signing session then runs n + 1 DKLs23
//! members (the device's indices inside the device's process) and key generation runs over
//! 2n − t + 1 members, so its cost grows with n². Refresh and repair of such keys are not
//! provided yet.
//!
//! # Limits
//!
//! A wrong final-round value (w_i, u_i) makes the combined signature fail its check; the
//! protocol cannot say whose value was wrong, so the session ends with
//! [`ProtocolError::SelfCheckFailed`] and no culprit. A refresh cannot revoke old shares that
//! someone keeps: every party must erase its old share once the refreshed one is stored.

mod abort;
mod committee;
mod dkg;
mod fragments;
mod record;
mod refresh;
mod repair;
mod rounds;
mod signing;

use std::sync::Arc;

use p256::elliptic_curve::sec1::ToSec1Point;

use crate::framing::Framing;
use crate::single::ecdsa_p256;
use crate::{
    KeyShare, KeygenParams, Party, PartyId, ProtocolError, Scheme, SchemeError, SchemeInfo,
    SchemeKind, SignInput, SignParams, Signed, VerifyError, known,
};
use committee::Committee;
use record::Record;
use rounds::Driver;

pub use record::IMPLEMENTATION;
pub use refresh::{RefreshKind, RefreshParams, refresh};
pub use repair::{RepairParams, repair_helper, repair_target};

/// The smallest threshold the library accepts.
pub const MIN_THRESHOLD: u16 = 2;

static INFO: SchemeInfo = SchemeInfo {
    id: "dkls23",
    algorithm: &known::ECDSA_P256,
    kind: SchemeKind::Threshold,
    max_parties: 255,
    implementation: "dkls23 0.6.2 (0xCarbon), DKLs23 threshold ECDSA (ePrint 2023/765)",
    transport: "every message over an authenticated channel; the point-to-point messages of \
                key generation, refresh and repair carry secrets (polynomial fragments, \
                zero-share seeds, OT set-ups, repair terms) and must travel only over \
                encrypted, authenticated channels such as mutual TLS",
};

/// The threshold ECDSA P-256 scheme.
pub fn scheme() -> Arc<dyn Scheme> {
    Arc::new(ThresholdEcdsa)
}

struct ThresholdEcdsa;

impl Scheme for ThresholdEcdsa {
    fn info(&self) -> &'static SchemeInfo {
        &INFO
    }

    fn keygen(
        &self,
        params: &KeygenParams,
    ) -> Result<Box<dyn Party<Output = KeyShare>>, SchemeError> {
        params.check(&INFO)?;
        if params.required.is_some() {
            return crate::hosted::keygen(self, params);
        }
        let committee = Committee::new(params.parties.clone()).map_err(unsupported)?;
        let threshold = u8::try_from(params.threshold)
            .ok()
            .filter(|&t| u16::from(t) >= MIN_THRESHOLD)
            .ok_or_else(|| {
                unsupported(format!(
                    "threshold ECDSA needs 2 <= t <= n; {}-of-{} is outside that range",
                    params.threshold,
                    params.parties.len()
                ))
            })?;
        let peers = peers(committee.parties(), params.me);
        let dkg = dkg::Dkg::new(&INFO, committee, params.me, threshold, &params.session.0)
            .map_err(unsupported)?;
        Ok(Box::new(Driver::new(
            framing(params.session, params.me),
            peers,
            dkg,
        )))
    }

    fn sign(
        &self,
        share: &mut KeyShare,
        params: &SignParams,
    ) -> Result<Box<dyn Party<Output = Signed>>, SchemeError> {
        share.check_scheme(&INFO)?;
        params.check(&INFO, share)?;
        if share.required().is_some() {
            return crate::hosted::sign(self, share, params);
        }
        let threshold = usize::from(share.threshold());
        if params.signers.len() != threshold {
            return Err(unsupported(format!(
                "DKLs23 signs with exactly {threshold} signers, {} given",
                params.signers.len()
            )));
        }
        let digest =
            ecdsa_p256::prehash(&params.input).map_err(|e| SchemeError::UnsupportedInput {
                scheme: INFO.id,
                reason: e.to_string(),
            })?;
        let (committee, record) = open(share)?;
        if record.is_hollow() {
            return Err(wrong_share(
                "the share was repaired and has no pairwise state yet; run a complete \
                 refresh of all key holders before signing"
                    .to_owned(),
            ));
        }
        let signing = signing::Signing::new(
            committee,
            record.party,
            share.public_key().to_vec(),
            (params.input.clone(), digest),
            &params.session.0,
            &params.signers,
        )
        .map_err(unsupported)?;
        Ok(Box::new(Driver::new(
            framing(params.session, share.party()),
            peers(&params.signers, share.party()),
            signing,
        )))
    }

    fn verify(
        &self,
        public_key: &[u8],
        input: &SignInput,
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        ecdsa_p256::verify(public_key, input, signature)
    }
}

/// Reads a share's committee and DKLs23 state, checking that they belong together.
fn open(share: &KeyShare) -> Result<(Committee, Record), SchemeError> {
    let committee = Committee::new(share.parties().to_vec()).map_err(wrong_share)?;
    let record = Record::from_secret(share.secret()).map_err(wrong_share)?;
    if committee.index(share.party()) != Some(record.party.party_index) {
        return Err(wrong_share(format!(
            "the DKLs23 state is for index {}, not for {}",
            record.party.party_index,
            share.party()
        )));
    }
    if record.party.parameters.share_count != committee.len()
        || u16::from(record.party.parameters.threshold) != share.threshold()
    {
        return Err(wrong_share(
            "the DKLs23 parameters do not match the share's committee".to_owned(),
        ));
    }
    if public_key_bytes(&record) != share.public_key() {
        return Err(wrong_share(
            "the DKLs23 state is for another public key".to_owned(),
        ));
    }
    Ok((committee, record))
}

/// The share of `me` holding `record`.
fn share_from(
    info: &'static SchemeInfo,
    committee: &Committee,
    me: PartyId,
    record: Record,
) -> Result<KeyShare, ProtocolError> {
    let public_key = public_key_bytes(&record);
    let threshold = u16::from(record.party.parameters.threshold);
    let secret = record.to_secret().map_err(ProtocolError::Internal)?;
    Ok(KeyShare::new(
        info,
        me,
        committee.parties().to_vec(),
        threshold,
        public_key,
        secret,
    ))
}

/// SEC 1 uncompressed encoding of the group key.
fn public_key_bytes(record: &Record) -> Vec<u8> {
    record.party.pk.to_sec1_point(false).as_bytes().to_vec()
}

fn framing(session: crate::SessionId, me: PartyId) -> Framing {
    Framing {
        info: &INFO,
        session,
        me,
    }
}

fn peers(parties: &[PartyId], me: PartyId) -> Vec<PartyId> {
    parties.iter().copied().filter(|&p| p != me).collect()
}

fn unsupported(reason: String) -> SchemeError {
    SchemeError::UnsupportedCommittee {
        scheme: INFO.id,
        reason,
    }
}

fn wrong_share(reason: String) -> SchemeError {
    SchemeError::WrongShare {
        scheme: INFO.id,
        reason,
    }
}

//! Share repair: at least t surviving key holders (the helpers) rebuild the share of a key
//! holder that lost it (the target), without any of them learning it. Each helper sends the
//! target one masked term over an encrypted channel, with the group's public key package;
//! the target adds the terms up and checks the result against its verifying share.
//!
//! The rebuilt share is *hollow*: it has no pairwise OT state, so it cannot sign until all n
//! key holders run a complete refresh ([`super::RefreshKind::Complete`]). Whoever authorises
//! a repair must be sure the target really lost its share: a second holder of one index
//! lowers the effective threshold, which the complete refresh right after the repair undoes.

use dkls23::secp256r1::protocols::repair::{RepairTerm, repair_assemble};
use dkls23::secp256r1::protocols::{PartyIndex, PublicKeyPackage};
use p256::NistP256;
use serde::{Deserialize, Serialize};

use super::committee::Committee;
use super::record::Record;
use super::rounds::{Driver, Received, Rounds, Sends, Step, decode, encode};
use super::{INFO, framing, open, public_key_bytes, share_from, unsupported, wrong_share};
use crate::{KeyShare, Party, PartyId, ProtocolError, SchemeError, SessionId};

/// The setting of a repair session, the same for the helpers and the target.
#[derive(Clone, Debug)]
pub struct RepairParams {
    /// The session, bound into every message and every term's mask.
    pub session: SessionId,
    /// The helpers: at least t key holders, not the target.
    pub helpers: Vec<PartyId>,
    /// The key holder whose share is rebuilt.
    pub target: PartyId,
}

/// What a helper sends the target.
#[derive(Serialize, Deserialize)]
struct Help {
    term: RepairTerm<NistP256>,
    package: PublicKeyPackage<NistP256>,
}

/// Starts a helper's part of a repair: one message to the target, then done.
///
/// # Errors
///
/// Returns [`SchemeError::WrongShare`] for a share of another scheme or a damaged or repaired
/// one, [`SchemeError::UnsupportedCommittee`] for a bad helper set or target, and
/// [`SchemeError::Banned`] when this share has banned the target or a helper.
pub fn repair_helper(
    share: &KeyShare,
    params: &RepairParams,
) -> Result<Box<dyn Party<Output = ()>>, SchemeError> {
    share.check_scheme(&INFO)?;
    // TODO(hosted keys): a key whose required holder holds several indices would need every
    // one of them refreshed or repaired together; until that is built such keys are re-issued
    // by a new key generation instead.
    if share.required().is_some() {
        return Err(super::wrong_share(
            "repair of a key with a required holder is not supported; re-issue the key".to_owned(),
        ));
    }
    let (committee, record) = open(share)?;
    let helpers = helper_indices(&committee, params, share.threshold())?;
    let mut session = params.helpers.clone();
    session.push(params.target);
    share.check_not_banned(&INFO, &session)?;
    if !params.helpers.contains(&share.party()) {
        return Err(unsupported(format!(
            "{} is not one of the helpers",
            share.party()
        )));
    }
    let target = committee
        .index(params.target)
        .ok_or_else(|| unsupported(format!("{} holds no share", params.target)))?;
    let term = record
        .party
        .repair_term(&helpers, target, &params.session.0)
        .map_err(|e| wrong_share(format!("this share cannot help: {e}")))?;
    let helper = Helper {
        target: params.target,
        help: Some(Help {
            term,
            package: record.package,
        }),
    };
    Ok(Box::new(Driver::new(
        framing(params.session, share.party()),
        Vec::new(),
        helper,
    )))
}

/// Starts the target's part of a repair: it waits for every helper's term and returns the
/// rebuilt (hollow) share. `parties` are all key holders and `public_key` the key's SEC 1
/// encoding, both as the target knows them from its records (a certificate, the store).
///
/// # Errors
///
/// Returns [`SchemeError::UnsupportedCommittee`] for a bad helper set or target.
pub fn repair_target(
    params: &RepairParams,
    parties: &[PartyId],
    threshold: u16,
    public_key: &[u8],
) -> Result<Box<dyn Party<Output = KeyShare>>, SchemeError> {
    let committee = Committee::new(parties.to_vec()).map_err(unsupported)?;
    helper_indices(&committee, params, threshold)?;
    let target = committee
        .index(params.target)
        .ok_or_else(|| unsupported(format!("{} holds no share", params.target)))?;
    let protocol = Target {
        committee,
        me: params.target,
        index: target,
        public_key: public_key.to_vec(),
    };
    Ok(Box::new(Driver::new(
        framing(params.session, params.target),
        params.helpers.clone(),
        protocol,
    )))
}

/// The helpers' library indices, sorted; at least `threshold`, distinct, not the target.
fn helper_indices(
    committee: &Committee,
    params: &RepairParams,
    threshold: u16,
) -> Result<Vec<PartyIndex>, SchemeError> {
    let mut indices = Vec::with_capacity(params.helpers.len());
    for &helper in &params.helpers {
        if helper == params.target {
            return Err(unsupported(format!(
                "{helper} cannot help repair its own share"
            )));
        }
        let index = committee
            .index(helper)
            .ok_or_else(|| unsupported(format!("helper {helper} holds no share")))?;
        indices.push(index);
    }
    indices.sort_unstable();
    if indices.windows(2).any(|w| matches!(w, [a, b] if a == b)) {
        return Err(unsupported("a helper is listed twice".to_owned()));
    }
    if indices.len() < usize::from(threshold) {
        return Err(unsupported(format!(
            "a repair needs at least {threshold} helpers, {} given",
            indices.len()
        )));
    }
    Ok(indices)
}

struct Helper {
    target: PartyId,
    help: Option<Help>,
}

impl Rounds for Helper {
    type Output = ();
    const ROUNDS: u8 = 1;

    fn first(&mut self) -> Result<Sends, ProtocolError> {
        let help = self
            .help
            .take()
            .ok_or(ProtocolError::Misuse("the term was already sent"))?;
        Ok(vec![(self.target, encode("repair term", &help)?)])
    }

    fn next(&mut self, _round: u8, _received: Received) -> Result<Step<()>, ProtocolError> {
        Ok(Step::Done(Vec::new(), ()))
    }
}

struct Target {
    committee: Committee,
    me: PartyId,
    index: PartyIndex,
    public_key: Vec<u8>,
}

impl Rounds for Target {
    type Output = KeyShare;
    const ROUNDS: u8 = 1;

    fn first(&mut self) -> Result<Sends, ProtocolError> {
        Ok(Vec::new())
    }

    fn next(&mut self, _round: u8, received: Received) -> Result<Step<KeyShare>, ProtocolError> {
        let mut terms = Vec::with_capacity(received.len());
        let mut package: Option<(PartyId, Vec<u8>, PublicKeyPackage<NistP256>)> = None;
        for (&from, bytes) in &received {
            let help: Help = decode(from, "repair term", bytes)?;
            if Some(help.term.helper) != self.committee.index(from)
                || help.term.target != self.index
            {
                return Err(super::abort::misrouted(from, "repair term"));
            }
            let encoded = encode("public key package", &help.package)?;
            match &package {
                None => package = Some((from, encoded, help.package)),
                Some((first, seen, _)) if *seen != encoded => {
                    return Err(ProtocolError::Unattributable(format!(
                        "{first} and {from} sent different public key packages"
                    )));
                }
                Some(_) => {}
            }
            terms.push(help.term);
        }
        let (_, _, package) = package.ok_or(ProtocolError::Misuse("no helper"))?;
        let party =
            repair_assemble(&package, self.index, &terms, |_| String::new()).map_err(|e| {
                ProtocolError::Unattributable(format!("the repair terms do not fit: {e}"))
            })?;
        let record = Record::new(party, package);
        if public_key_bytes(&record) != self.public_key {
            return Err(ProtocolError::Unattributable(
                "the helpers rebuilt a share of another key".to_owned(),
            ));
        }
        share_from(&INFO, &self.committee, self.me, record)
            .map(|share| Step::Done(Vec::new(), share))
    }
}

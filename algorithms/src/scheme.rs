//! The plugin contract every scheme implements.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::composite::{self, Variant};
use crate::mldsa::ParameterSet;
use crate::{
    KeyShare, Party, PartyId, SchemeError, SchemeInfo, SessionId, SignInput, VerifyError, single,
    threshold_ecdsa, threshold_mldsa,
};

/// A scheme: one implementation of one algorithm.
///
/// Implementations are stateless values shared by the engine's registry; every session gets
/// fresh [`Party`] state machines from [`Scheme::keygen`] and [`Scheme::sign`].
pub trait Scheme: Send + Sync {
    /// The scheme's identity.
    fn info(&self) -> &'static SchemeInfo;

    /// The state machine of one party of a key generation session.
    ///
    /// # Errors
    ///
    /// Returns [`SchemeError::UnsupportedCommittee`] when the parties or the threshold are
    /// outside what the scheme supports.
    fn keygen(
        &self,
        params: &KeygenParams,
    ) -> Result<Box<dyn Party<Output = KeyShare>>, SchemeError>;

    /// The state machine of one party of a signing session, using its key share.
    ///
    /// # Errors
    ///
    /// Returns [`SchemeError::WrongShare`] for a share of another scheme or party,
    /// [`SchemeError::UnsupportedCommittee`] for a signer set the share cannot serve,
    /// [`SchemeError::UnsupportedInput`] for a message form the algorithm does not take, and
    /// [`SchemeError::BudgetExhausted`] when the share may not sign any more.
    ///
    /// A scheme with a signing budget reserves this session's share of it in `share`; the
    /// caller must persist the share before the session's first message leaves.
    fn sign(
        &self,
        share: &mut KeyShare,
        params: &SignParams,
    ) -> Result<Box<dyn Party<Output = Signed>>, SchemeError>;

    /// Standard verification of a signature, as any verifier of the algorithm does it.
    ///
    /// # Errors
    ///
    /// Returns [`VerifyError::Malformed`] when an input cannot be decoded and
    /// [`VerifyError::Invalid`] when the signature does not verify.
    fn verify(
        &self,
        public_key: &[u8],
        input: &SignInput,
        signature: &[u8],
    ) -> Result<(), VerifyError>;
}

/// What a signing party ends with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// The signature in the algorithm's standard encoding.
    pub signature: Vec<u8>,
    /// How many attempts the protocol needed (1 for schemes that never restart).
    pub attempts: u32,
}

/// The setting of one party in a key generation session.
#[derive(Clone, Debug)]
pub struct KeygenParams {
    /// The session, bound into every message.
    pub session: SessionId,
    /// This party.
    pub me: PartyId,
    /// Every key holder, this party included.
    pub parties: Vec<PartyId>,
    /// How many key holders must sign together, [`Self::required`] included.
    pub threshold: u16,
    /// A key holder without whom no set of signers, not even all the others, can sign (the
    /// user's device of a "user and t of n" key). The threshold schemes build it into their
    /// sharing; a single-party key has no room for it and is refused.
    pub required: Option<PartyId>,
}

/// The setting of one party in a signing session.
#[derive(Clone, Debug)]
pub struct SignParams {
    /// The session, bound into every message.
    pub session: SessionId,
    /// The parties signing this time, this party included.
    pub signers: Vec<PartyId>,
    /// What is signed.
    pub input: SignInput,
}

/// Every scheme this build provides, in a stable order: for each algorithm the preferred
/// scheme comes first (the registry selects and verifies with the first that fits).
pub fn builtin_schemes() -> Vec<Arc<dyn Scheme>> {
    vec![
        single::ecdsa_p256(),
        threshold_ecdsa::scheme(),
        single::qoesign_ml_dsa(ParameterSet::MlDsa44),
        single::qoesign_ml_dsa(ParameterSet::MlDsa65),
        single::qoesign_ml_dsa(ParameterSet::MlDsa87),
        single::ml_dsa(ParameterSet::MlDsa44),
        single::ml_dsa(ParameterSet::MlDsa65),
        single::ml_dsa(ParameterSet::MlDsa87),
        threshold_mldsa::scheme(ParameterSet::MlDsa44),
        threshold_mldsa::scheme(ParameterSet::MlDsa65),
        threshold_mldsa::scheme(ParameterSet::MlDsa87),
        composite::single(Variant::MlDsa44EcdsaP256),
        composite::single(Variant::MlDsa65EcdsaP256),
        composite::threshold(Variant::MlDsa44EcdsaP256),
        composite::threshold(Variant::MlDsa65EcdsaP256),
        single::ml_dsa_ipd(ParameterSet::MlDsa44),
        single::ml_dsa_ipd(ParameterSet::MlDsa65),
        single::ml_dsa_ipd(ParameterSet::MlDsa87),
    ]
}

/// The built-in schemes with one key holder, in [`builtin_schemes`] order.
pub fn single_party_schemes() -> Vec<Arc<dyn Scheme>> {
    builtin_schemes()
        .into_iter()
        .filter(|s| s.info().kind == crate::SchemeKind::Single)
        .collect()
}

impl KeygenParams {
    /// Checks the committee against a scheme's limits: distinct parties including `me`, at
    /// most `max_parties`, and `1 <= threshold <= parties`.
    ///
    /// # Errors
    ///
    /// Returns [`SchemeError::UnsupportedCommittee`] saying which rule is broken.
    pub fn check(&self, info: &SchemeInfo) -> Result<(), SchemeError> {
        check_committee(info, self.me, &self.parties)?;
        if self.threshold == 0 || usize::from(self.threshold) > self.parties.len() {
            return Err(unsupported(
                info,
                format!(
                    "threshold {} is not between 1 and the {} parties",
                    self.threshold,
                    self.parties.len()
                ),
            ));
        }
        if let Some(required) = self.required {
            if !self.parties.contains(&required) {
                return Err(unsupported(
                    info,
                    format!("the required party {required} is not among the parties"),
                ));
            }
            if self.threshold < 2 {
                return Err(unsupported(
                    info,
                    "a required party needs a threshold of at least 2".to_owned(),
                ));
            }
        }
        Ok(())
    }
}

impl SignParams {
    /// Checks the signer set against a share: distinct signers including the share's holder,
    /// all of them key holders, the share's required holder among them, none banned by the
    /// share, and at least the share's threshold of them.
    ///
    /// # Errors
    ///
    /// Returns [`SchemeError::UnsupportedCommittee`] saying which rule is broken, or
    /// [`SchemeError::Banned`] naming a banned signer.
    pub fn check(&self, info: &SchemeInfo, share: &KeyShare) -> Result<(), SchemeError> {
        check_committee(info, share.party(), &self.signers)?;
        if let Some(outsider) = self.signers.iter().find(|s| !share.parties().contains(s)) {
            return Err(unsupported(
                info,
                format!("signer {outsider} holds no share of this key"),
            ));
        }
        if let Some(required) = share.required()
            && !self.signers.contains(&required)
        {
            return Err(unsupported(
                info,
                format!("the key cannot sign without {required}, which is not a signer"),
            ));
        }
        if self.signers.len() < usize::from(share.threshold()) {
            return Err(unsupported(
                info,
                format!(
                    "{} signer(s) given, the key needs {}",
                    self.signers.len(),
                    share.threshold()
                ),
            ));
        }
        share.check_not_banned(info, &self.signers)
    }
}

/// Refuses a list of parties in which one appears twice, naming it.
pub(crate) fn check_distinct(info: &SchemeInfo, parties: &[PartyId]) -> Result<(), SchemeError> {
    let mut seen = BTreeSet::new();
    match parties.iter().find(|p| !seen.insert(**p)) {
        Some(twice) => Err(unsupported(info, format!("{twice} is listed twice"))),
        None => Ok(()),
    }
}

fn check_committee(info: &SchemeInfo, me: PartyId, parties: &[PartyId]) -> Result<(), SchemeError> {
    check_distinct(info, parties)?;
    let distinct: BTreeSet<_> = parties.iter().collect();
    if !distinct.contains(&me) {
        return Err(unsupported(info, format!("{me} is not among the parties")));
    }
    if parties.len() > usize::from(info.max_parties) {
        return Err(unsupported(
            info,
            format!(
                "{} parties, at most {} supported",
                parties.len(),
                info.max_parties
            ),
        ));
    }
    Ok(())
}

fn unsupported(info: &SchemeInfo, reason: String) -> SchemeError {
    SchemeError::UnsupportedCommittee {
        scheme: info.id,
        reason,
    }
}

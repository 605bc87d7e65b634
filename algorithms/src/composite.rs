//! Composite ML-DSA + ECDSA P-256 signatures (IETF LAMPS, draft-ietf-lamps-pq-composite-sigs-19):
//! a signature is valid only when both its post-quantum and its classical half verify.
//!
//! Two algorithms, with the draft's identifiers:
//!
//! - `mldsa44-ecdsa-p256`: id-MLDSA44-ECDSA-P256-SHA256, OID 1.3.6.1.5.5.7.6.40, label
//!   `COMPSIG-MLDSA44-ECDSA-P256-SHA256`, PH = SHA-256;
//! - `mldsa65-ecdsa-p256`: id-MLDSA65-ECDSA-P256-SHA512, OID 1.3.6.1.5.5.7.6.45, label
//!   `COMPSIG-MLDSA65-ECDSA-P256-SHA512`, PH = SHA-512.
//!
//! Both halves sign the message representative M' = Prefix ‖ Label ‖ len(ctx) ‖ ctx ‖ PH(M)
//! ([`message_representative`]): ML-DSA as pure ML-DSA with the label as its FIPS 204 context,
//! ECDSA P-256 with SHA-256 over M'. The signature is the ML-DSA signature followed by the DER
//! ECDSA signature; the public key is the ML-DSA public key followed by the SEC 1 uncompressed
//! point. A caller that never shows the document sends PH(M) ([`SignInput::Digest`]; the
//! context is then empty).
//!
//! A composite scheme runs two schemes of this crate as its halves, in one session:
//!
//! - [`single()`]: one key holder, halves [`crate::single::qoesign_ml_dsa`] and
//!   [`crate::single::ecdsa_p256`] (the reference, and a benchmark baseline);
//! - [`threshold`]: t of n key holders (the ML-DSA half's range, 2 <= t <= n <= 6), halves
//!   [`crate::threshold_mldsa::scheme`] and [`crate::threshold_ecdsa::scheme`] over the same
//!   quorum. One key generation session runs both key generations and one signing session
//!   both signing protocols, their messages interleaved; a new attempt of the ML-DSA half does
//!   not restart the ECDSA half. The composite share holds both halves' shares; the signing
//!   budget is the ML-DSA half's ([`halves`] shows it) and bans are kept on the composite share.

mod pair;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use crate::framing::Framing;
use crate::mldsa::{self, MAX_CONTEXT_LEN, ParameterSet};
use crate::single::ecdsa_p256;
use crate::{
    AlgorithmInfo, KeyShare, KeygenParams, Party, PartyId, ProtocolError, Scheme, SchemeError,
    SchemeInfo, SchemeKind, SecretBytes, SessionId, SignInput, SignParams, Signed, VerifyError,
    VerifyPart, known, single, threshold_ecdsa, threshold_mldsa,
};
use pair::Pair;

/// The draft's fixed prefix of every message representative (ASCII).
pub const PREFIX: &[u8; 32] = b"CompositeAlgorithmSignatures2025";

/// The length of a SEC 1 uncompressed P-256 point, the ECDSA half of a public key.
const POINT_LEN: usize = 65;

/// The shortest and longest DER ECDSA P-256 signature.
const DER_LEN: std::ops::RangeInclusive<usize> = 8..=72;

/// One of the two composite algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// id-MLDSA44-ECDSA-P256-SHA256.
    MlDsa44EcdsaP256,
    /// id-MLDSA65-ECDSA-P256-SHA512.
    MlDsa65EcdsaP256,
}

impl Variant {
    /// Both variants.
    pub const ALL: [Self; 2] = [Self::MlDsa44EcdsaP256, Self::MlDsa65EcdsaP256];

    /// The algorithm's identity.
    pub fn algorithm(self) -> &'static AlgorithmInfo {
        match self {
            Self::MlDsa44EcdsaP256 => &known::MLDSA44_ECDSA_P256,
            Self::MlDsa65EcdsaP256 => &known::MLDSA65_ECDSA_P256,
        }
    }

    /// The variant of a qoesign algorithm identifier.
    pub fn of(algorithm: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.algorithm().id == algorithm)
    }

    /// The draft's label (its parameter section), the ML-DSA half's context.
    pub fn label(self) -> &'static str {
        match self {
            Self::MlDsa44EcdsaP256 => "COMPSIG-MLDSA44-ECDSA-P256-SHA256",
            Self::MlDsa65EcdsaP256 => "COMPSIG-MLDSA65-ECDSA-P256-SHA512",
        }
    }

    /// The draft's name of the algorithm.
    pub fn draft_name(self) -> &'static str {
        match self {
            Self::MlDsa44EcdsaP256 => "id-MLDSA44-ECDSA-P256-SHA256",
            Self::MlDsa65EcdsaP256 => "id-MLDSA65-ECDSA-P256-SHA512",
        }
    }

    /// The ML-DSA parameter set of the post-quantum half.
    pub fn mldsa(self) -> ParameterSet {
        match self {
            Self::MlDsa44EcdsaP256 => ParameterSet::MlDsa44,
            Self::MlDsa65EcdsaP256 => ParameterSet::MlDsa65,
        }
    }

    /// The length of PH(M): 32 bytes (SHA-256) or 64 (SHA-512).
    pub fn prehash_len(self) -> usize {
        match self {
            Self::MlDsa44EcdsaP256 => 32,
            Self::MlDsa65EcdsaP256 => 64,
        }
    }

    /// PH(M).
    pub fn prehash(self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::MlDsa44EcdsaP256 => Sha256::digest(message).to_vec(),
            Self::MlDsa65EcdsaP256 => Sha512::digest(message).to_vec(),
        }
    }
}

/// M' = Prefix ‖ Label ‖ len(ctx) ‖ ctx ‖ PH(M) for a message with its context, or for PH(M)
/// given as [`SignInput::Digest`] (empty context).
///
/// # Errors
///
/// Returns [`VerifyError::Malformed`] for a context over 255 bytes, a digest of the wrong
/// length, or an external mu (an ML-DSA-only input).
pub fn message_representative(variant: Variant, input: &SignInput) -> Result<Vec<u8>, VerifyError> {
    let (context, ph): (&[u8], Vec<u8>) = match input {
        SignInput::Message { message, context } => (context, variant.prehash(message)),
        SignInput::Digest(ph) if ph.len() == variant.prehash_len() => (&[], ph.clone()),
        SignInput::Digest(ph) => {
            return Err(VerifyError::Malformed {
                part: VerifyPart::Message,
                reason: format!(
                    "PH(M) of {} is {} bytes, got {}",
                    variant.algorithm().id,
                    variant.prehash_len(),
                    ph.len()
                ),
            });
        }
        SignInput::ExternalMu(_) => {
            return Err(VerifyError::Malformed {
                part: VerifyPart::Message,
                reason: "a composite signs a message or its pre-hash PH(M), not an external mu"
                    .to_owned(),
            });
        }
    };
    let context_len = u8::try_from(context.len())
        .ok()
        .filter(|&len| usize::from(len) <= MAX_CONTEXT_LEN)
        .ok_or_else(|| VerifyError::Malformed {
            part: VerifyPart::Context,
            reason: format!(
                "the context is at most {MAX_CONTEXT_LEN} bytes, got {}",
                context.len()
            ),
        })?;
    let label = variant.label().as_bytes();
    let mut m_prime = Vec::with_capacity(PREFIX.len() + label.len() + 1 + context.len() + ph.len());
    m_prime.extend_from_slice(PREFIX);
    m_prime.extend_from_slice(label);
    m_prime.push(context_len);
    m_prime.extend_from_slice(context);
    m_prime.extend_from_slice(&ph);
    Ok(m_prime)
}

/// Splits a composite public key into its ML-DSA and ECDSA halves.
///
/// # Errors
///
/// Returns [`VerifyError::Malformed`] for a key of the wrong length.
pub fn split_public_key(
    variant: Variant,
    public_key: &[u8],
) -> Result<(&[u8], &[u8]), VerifyError> {
    let mldsa_len = variant.mldsa().public_key_len();
    if public_key.len() != mldsa_len + POINT_LEN {
        return Err(VerifyError::Malformed {
            part: VerifyPart::PublicKey,
            reason: format!(
                "a {} public key is {} bytes (ML-DSA key and SEC 1 point), got {}",
                variant.algorithm().id,
                mldsa_len + POINT_LEN,
                public_key.len()
            ),
        });
    }
    Ok(public_key.split_at(mldsa_len))
}

/// Splits a composite signature into its ML-DSA and DER ECDSA halves.
///
/// # Errors
///
/// Returns [`VerifyError::Malformed`] when the length cannot be an ML-DSA signature followed
/// by a DER ECDSA P-256 signature.
pub fn split_signature(variant: Variant, signature: &[u8]) -> Result<(&[u8], &[u8]), VerifyError> {
    let mldsa_len = variant.mldsa().signature_len();
    let ecdsa_len = signature.len().saturating_sub(mldsa_len);
    if signature.len() < mldsa_len || !DER_LEN.contains(&ecdsa_len) {
        return Err(VerifyError::Malformed {
            part: VerifyPart::Signature,
            reason: format!(
                "a {} signature is a {mldsa_len}-byte ML-DSA signature and a {}- to {}-byte DER \
                 ECDSA signature; got {} bytes",
                variant.algorithm().id,
                DER_LEN.start(),
                DER_LEN.end(),
                signature.len()
            ),
        });
    }
    Ok(signature.split_at(mldsa_len))
}

/// Composite verification: both halves over M', each with its standard verifier.
fn verify(
    variant: Variant,
    public_key: &[u8],
    input: &SignInput,
    signature: &[u8],
) -> Result<(), VerifyError> {
    let m_prime = message_representative(variant, input)?;
    let (mldsa_pk, ecdsa_pk) = split_public_key(variant, public_key)?;
    let (mldsa_sig, ecdsa_sig) = split_signature(variant, signature)?;
    let key = mldsa::VerifyingKey::decode(variant.mldsa(), mldsa_pk).map_err(|e| {
        VerifyError::Malformed {
            part: VerifyPart::PublicKey,
            reason: format!("the ML-DSA half: {e}"),
        }
    })?;
    // The ECDSA half first: a malformed point or DER is reported as such.
    let classical = ecdsa_p256::verify(ecdsa_pk, &SignInput::message(m_prime.clone()), ecdsa_sig);
    let post_quantum = key.verify(&m_prime, variant.label().as_bytes(), mldsa_sig);
    match classical {
        Err(VerifyError::Malformed { part, reason }) => Err(VerifyError::Malformed {
            part,
            reason: format!("the ECDSA half: {reason}"),
        }),
        Ok(()) if post_quantum => Ok(()),
        _ => Err(VerifyError::Invalid),
    }
}

/// The composite scheme with one key holder.
pub fn single(variant: Variant) -> Arc<dyn Scheme> {
    Arc::new(Composite {
        variant,
        info: info(variant, SchemeKind::Single),
        mldsa: single::qoesign_ml_dsa(variant.mldsa()),
        ecdsa: single::ecdsa_p256(),
    })
}

/// The threshold composite scheme: threshold ML-DSA and threshold ECDSA over one quorum.
pub fn threshold(variant: Variant) -> Arc<dyn Scheme> {
    Arc::new(Composite {
        variant,
        info: info(variant, SchemeKind::Threshold),
        mldsa: threshold_mldsa::scheme(variant.mldsa()),
        ecdsa: threshold_ecdsa::scheme(),
    })
}

const fn scheme_info(
    id: &'static str,
    algorithm: &'static AlgorithmInfo,
    kind: SchemeKind,
) -> SchemeInfo {
    let (max_parties, implementation, transport) = match kind {
        SchemeKind::Single => (
            1,
            "qoesign composite (draft-ietf-lamps-pq-composite-sigs-19) over qoesign mldsa and \
             RustCrypto p256",
            "none: one party, no messages",
        ),
        SchemeKind::Threshold => (
            threshold_mldsa::MAX_PARTIES as u16,
            "qoesign composite (draft-ietf-lamps-pq-composite-sigs-19) over threshold ML-DSA \
             (qoesign) and threshold ECDSA (dkls23 0.6.2)",
            "that of both halves: every message authenticated; the point-to-point messages of \
             key generation carry secrets and must travel only over encrypted, authenticated \
             channels",
        ),
    };
    SchemeInfo {
        id,
        algorithm,
        kind,
        max_parties,
        implementation,
        transport,
    }
}

static SINGLE_44: SchemeInfo = scheme_info(
    "composite-single-44",
    &known::MLDSA44_ECDSA_P256,
    SchemeKind::Single,
);
static SINGLE_65: SchemeInfo = scheme_info(
    "composite-single-65",
    &known::MLDSA65_ECDSA_P256,
    SchemeKind::Single,
);
static THRESHOLD_44: SchemeInfo = scheme_info(
    "composite-threshold-44",
    &known::MLDSA44_ECDSA_P256,
    SchemeKind::Threshold,
);
static THRESHOLD_65: SchemeInfo = scheme_info(
    "composite-threshold-65",
    &known::MLDSA65_ECDSA_P256,
    SchemeKind::Threshold,
);

fn info(variant: Variant, kind: SchemeKind) -> &'static SchemeInfo {
    match (variant, kind) {
        (Variant::MlDsa44EcdsaP256, SchemeKind::Single) => &SINGLE_44,
        (Variant::MlDsa65EcdsaP256, SchemeKind::Single) => &SINGLE_65,
        (Variant::MlDsa44EcdsaP256, SchemeKind::Threshold) => &THRESHOLD_44,
        (Variant::MlDsa65EcdsaP256, SchemeKind::Threshold) => &THRESHOLD_65,
    }
}

struct Composite {
    variant: Variant,
    info: &'static SchemeInfo,
    mldsa: Arc<dyn Scheme>,
    ecdsa: Arc<dyn Scheme>,
}

/// The two halves' shares inside a composite share's secret.
#[derive(Serialize, Deserialize)]
struct HalvesRecord {
    version: u8,
    mldsa: Zeroizing<Vec<u8>>,
    ecdsa: Zeroizing<Vec<u8>>,
}

const RECORD_VERSION: u8 = 1;

/// The ML-DSA and ECDSA shares inside a composite share (for example, to read the ML-DSA
/// half's signing budget).
///
/// # Errors
///
/// Returns [`SchemeError::WrongShare`] for a share whose secret is not a composite record.
pub fn halves(share: &KeyShare) -> Result<(KeyShare, KeyShare), SchemeError> {
    let record = HalvesRecord::read(share)?;
    Ok((record.half(0)?, record.half(1)?))
}

/// A threshold composite share made of an ML-DSA share and an ECDSA share that one holder got
/// from two separate key generations over the same committee: the share the composite key
/// generation builds from the two key generations it runs. For a holder that already has
/// both halves (a benchmark that has just generated them, for one).
///
/// # Errors
///
/// Returns [`SchemeError::WrongShare`] when `mldsa` is not a threshold share of the variant's
/// ML-DSA level or `ecdsa` not a threshold ECDSA share, when the two differ in holder,
/// committee, threshold or required holder, or when a half does not encode.
pub fn join(variant: Variant, mldsa: &KeyShare, ecdsa: &KeyShare) -> Result<KeyShare, SchemeError> {
    let expected = [
        (mldsa, threshold_mldsa::scheme(variant.mldsa()).info().id),
        (ecdsa, threshold_ecdsa::scheme().info().id),
    ];
    for (share, scheme) in expected {
        if share.scheme() != scheme {
            return Err(wrong_record(format!(
                "a half of {} must be a {scheme} share, not {}",
                variant.algorithm().id,
                share.scheme()
            )));
        }
    }
    let same = mldsa.party() == ecdsa.party()
        && mldsa.parties() == ecdsa.parties()
        && mldsa.threshold() == ecdsa.threshold()
        && mldsa.required() == ecdsa.required();
    if !same {
        return Err(wrong_record(
            "the halves differ in holder, committee, threshold or required holder".to_owned(),
        ));
    }
    let info = info(variant, SchemeKind::Threshold);
    assemble(
        info,
        mldsa.party(),
        mldsa.threshold(),
        mldsa.required(),
        mldsa,
        ecdsa,
    )
    .map_err(wrong_record)
}

/// The composite share of `me` from its ML-DSA half `a` and ECDSA half `b`.
fn assemble(
    info: &'static SchemeInfo,
    me: PartyId,
    threshold: u16,
    required: Option<PartyId>,
    a: &KeyShare,
    b: &KeyShare,
) -> Result<KeyShare, String> {
    let public_key = [a.public_key(), b.public_key()].concat();
    let encode = |share: &KeyShare| share.to_bytes().map_err(|e| e.to_string());
    let secret = HalvesRecord::seal(encode(a)?, encode(b)?)?;
    let parties = a.parties().to_vec();
    let share = KeyShare::new(info, me, parties, threshold, public_key, secret);
    // Each half made the required holder necessary in its own way; the composite records it
    // so signer sets without it are refused up front.
    Ok(match required {
        Some(device) => share.with_required(device),
        None => share,
    })
}

fn wrong_record(reason: String) -> SchemeError {
    SchemeError::WrongShare {
        scheme: "composite",
        reason,
    }
}

impl HalvesRecord {
    /// The record in a composite share's secret.
    fn read(share: &KeyShare) -> Result<Self, SchemeError> {
        let bytes = share.secret().expose();
        if bytes.first() != Some(&RECORD_VERSION) {
            return Err(wrong_record(format!(
                "not a composite record of version {RECORD_VERSION}"
            )));
        }
        crate::wire::take_all("composite record", bytes)
            .map_err(|e| wrong_record(format!("the composite record does not decode: {e}")))
    }

    /// Half 0 (ML-DSA) or 1 (ECDSA) as a key share.
    fn half(&self, which: u8) -> Result<KeyShare, SchemeError> {
        let (what, bytes) = match which {
            0 => ("ML-DSA", &self.mldsa),
            _ => ("ECDSA", &self.ecdsa),
        };
        KeyShare::from_bytes(bytes).map_err(|e| wrong_record(format!("the {what} half: {e}")))
    }

    /// The record of two encoded halves, as a share's secret.
    fn seal(mldsa: Zeroizing<Vec<u8>>, ecdsa: Zeroizing<Vec<u8>>) -> Result<SecretBytes, String> {
        let record = Self {
            version: RECORD_VERSION,
            mldsa,
            ecdsa,
        };
        let bytes = postcard::to_allocvec(&record).map_err(|e| e.to_string())?;
        Ok(SecretBytes::new(bytes))
    }
}

/// The session id of one half: SHA-256 over a domain label, the composite label, the half and
/// the composite session, so the halves' messages can never be taken for each other's.
fn half_session(variant: Variant, session: SessionId, half: u8) -> SessionId {
    let mut hash = Sha256::new();
    hash.update(b"qoesign composite half session");
    hash.update(variant.label());
    hash.update([half]);
    hash.update(session.0);
    SessionId(hash.finalize().into())
}

fn peers(parties: &[PartyId], me: PartyId) -> Vec<PartyId> {
    parties.iter().copied().filter(|&p| p != me).collect()
}

impl Scheme for Composite {
    fn info(&self) -> &'static SchemeInfo {
        self.info
    }

    fn keygen(
        &self,
        params: &KeygenParams,
    ) -> Result<Box<dyn Party<Output = KeyShare>>, SchemeError> {
        params.check(self.info)?;
        let half = |which: u8| KeygenParams {
            session: half_session(self.variant, params.session, which),
            ..params.clone()
        };
        let mldsa = self.mldsa.keygen(&half(0))?;
        let ecdsa = self.ecdsa.keygen(&half(1))?;
        let info = self.info;
        let (me, threshold, required) = (params.me, params.threshold, params.required);
        let combine = Box::new(move |a: KeyShare, b: KeyShare| {
            assemble(info, me, threshold, required, &a, &b).map_err(ProtocolError::Internal)
        });
        let framing = Framing {
            info,
            session: params.session,
            me,
        };
        Ok(Box::new(Pair::new(
            framing,
            peers(&params.parties, me),
            mldsa,
            ecdsa,
            combine,
        )))
    }

    fn sign(
        &self,
        share: &mut KeyShare,
        params: &SignParams,
    ) -> Result<Box<dyn Party<Output = Signed>>, SchemeError> {
        let info = self.info;
        share.check_scheme(info)?;
        params.check(info, share)?;
        let m_prime = message_representative(self.variant, &params.input).map_err(|e| {
            SchemeError::UnsupportedInput {
                scheme: info.id,
                reason: e.to_string(),
            }
        })?;
        let record = HalvesRecord::read(share)?;
        let (mut mldsa_share, mut ecdsa_share) = (record.half(0)?, record.half(1)?);
        let half = |which: u8, input: SignInput| SignParams {
            session: half_session(self.variant, params.session, which),
            signers: params.signers.clone(),
            input,
        };
        let label = self.variant.label().as_bytes().to_vec();
        let mldsa = self.mldsa.sign(
            &mut mldsa_share,
            &half(0, SignInput::with_context(m_prime.clone(), label)),
        )?;
        let ecdsa = self
            .ecdsa
            .sign(&mut ecdsa_share, &half(1, SignInput::message(m_prime)))?;
        // The ML-DSA half may have taken from its budget: the share the caller persists holds
        // it. Signing does not change the ECDSA half: its stored bytes go back as they were.
        let secret = mldsa_share
            .to_bytes()
            .map_err(|e| e.to_string())
            .and_then(|mldsa| HalvesRecord::seal(mldsa, record.ecdsa))
            .map_err(|reason| SchemeError::WrongShare {
                scheme: info.id,
                reason,
            })?;
        *share = share.with_secret(secret);
        let variant = self.variant;
        // Each half released its signature only after verifying it with its standard verifier
        // over this M' (the ML-DSA half with the label as context), which is all a composite
        // verification checks; what is left is that the two fit together.
        let combine = Box::new(move |a: Signed, b: Signed| {
            let signature = [a.signature, b.signature].concat();
            split_signature(variant, &signature).map_err(|_| ProtocolError::SelfCheckFailed)?;
            Ok(Signed {
                signature,
                attempts: a.attempts,
            })
        });
        let framing = Framing {
            info,
            session: params.session,
            me: share.party(),
        };
        Ok(Box::new(Pair::new(
            framing,
            peers(&params.signers, share.party()),
            mldsa,
            ecdsa,
            combine,
        )))
    }

    fn verify(
        &self,
        public_key: &[u8],
        input: &SignInput,
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        verify(self.variant, public_key, input, signature)
    }
}

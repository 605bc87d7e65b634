//! Threshold ML-DSA: any T of N parties (2 <= T <= N <= 6) produce one ordinary FIPS 204
//! signature, and no party ever holds the signing key.
//!
//! The scheme is that of Celi, del Pino, Espitau, Niot and Prest, "Efficient Threshold ML-DSA"
//! (IACR ePrint 2026/013, USENIX Security 2026), built on this crate's own [`crate::mldsa`]
//! arithmetic from the paper and the project's digest of it (`shared/threshold-mldsa.md`):
//!
//! - **Sharing.** The key s is the sum of one short secret s_S per subset S of N - T + 1
//!   parties, each held by exactly the members of S ([`partition`]). Any T parties hold every
//!   s_S; any T - 1 miss one.
//! - **Key generation** is the paper's four-round DKG (App. D): commit-reveal of the joint
//!   randomness, one private subset key per subset sent by its leader, commitments to the
//!   partial public keys t_S re-checked by every member, and a transcript hash bound by every
//!   party. [`dangerous_trusted_dealer`] exists for tests only: it holds the whole key.
//! - **Signing** runs attempts of three rounds (commit to K masks, reveal them, respond) with K
//!   parallel slots. Each mask is a uniform sample of a stretched hyperball; each party rejects
//!   a slot on its own before anything about its response leaves it, and sends an explicit
//!   "rejected" flag instead. Combine checks the FIPS 204 bounds, builds the hint, and runs a
//!   full ML-DSA verification before a signature is released. A failed attempt restarts with
//!   fresh randomness, at most [`MAX_ATTEMPTS`] times. The K slots of a round are computed in
//!   parallel on the rayon thread pool.
//! - **Parameters** are the paper's tables, exactly ([`ThresholdParams`]).
//!
//! # A required party: "the user and t of n"
//!
//! [`crate::KeygenParams::required`] names a key holder without whom no set of signers, not
//! even all the others, can sign: the user's device of a policy "n providers, t of them, and
//! the user". The scheme builds this into the sharing ([`partition::Structure::Required`]):
//!
//! - **Parties** are the n providers and the user U, N = n + 1 <= 6 holders, so n <= 5; the
//!   threshold counts U: `KeygenParams { parties: n + 1 ids, threshold: t + 1, required:
//!   Some(U) }`. Internally the providers are numbered 0..n-1 in id order and U is party n.
//! - **Secrets** are those of the providers' t-of-n sharing (one per subset of n - t + 1
//!   providers) plus one more, s_{U}, held by U alone; s = s_{U} + the sum of the others. No
//!   set of providers, not even all n, knows s_{U}; U alone knows only s_{U}.
//! - **Signing** takes exactly U and t providers. U uses s_{U}; the providers split theirs by
//!   the paper's t-of-n tables, relabelled over the providers' ordering (digest §4). A set
//!   without U is refused before anything is computed, and would fail anyway: without s_{U}
//!   the responses do not sum to a response for s, and Combine never releases a signature.
//! - **Key generation** is the same four-round DKG over the new subset list; U leads {U}, whose
//!   K_S travels nowhere (the subset has no other member). Every DKG hash binds the
//!   configuration (level, T, N, a required party or not, K) and the holders in index order,
//!   so parties that disagree on the structure or on who is required abort in round 3; the
//!   blame behaviour is the plain DKG's. Signing commitments bind the configuration too.
//! - **t = 1** ("the user and any one provider") is supported: the providers share one secret,
//!   held by all of them, and each signer then combines one secret, as in the paper's (2, 2).
//!   **n = 1** (the user and a single provider, both required) is the (2, 2) sharing with the
//!   user as one of the two parties; it uses its own derived row like every other shape.
//!   **t = n** needs every party, like the paper's (N, N).
//! - **Parameters** are not in the paper. [`derivation`] writes the paper's procedure (digest §5)
//!   as code and checks that it gives back the published rows; the derived rows
//!   ([`ThresholdParams::lookup_with_required`], [`ThresholdParams::all_with_required`]) come
//!   from it, with B for the largest load m(t, n), T = t + 1 signers, the target p chosen to
//!   minimise K over a 0.1 grid of -log2 p, and p_glob measured. Each row records its inputs
//!   ([`Derivation`]), its measured per-attempt success with two standard errors and its
//!   budget log2 Q_s recomputed as in digest §6.1. The generator is an ignored unit test of
//!   [`derivation`] (the command is there); it runs in the release profile.
//! - **Cost.** Three rounds per attempt, as always; each party sends 32 + K (w + z) bytes per
//!   attempt in the paper's count ([`MessageSizes`] for the exact sizes), K per row in
//!   `derived.rs`. The engine's default, ML-DSA-65 with the user and 3 of 5 providers, has
//!   K = 403: 3.07 MB per party per attempt, success 0.50 +- 0.05 per attempt (about two
//!   attempts per signature), budget 2^27.4 signing-oracle calls. Its sharing needs fewer
//!   slots than the paper's 4-of-6 (K = 804), because each provider combines at most 4 subset
//!   secrets instead of 5. Rows with the same T and load (every t = 1 row, for example) are
//!   the same design and differ only within the measurement's noise, which decided the
//!   target p between candidates of equal K.
//! - **Limits.** n <= 5 (N <= 6, as for the paper's tables). The budget per holder is
//!   Q_s / (n + 1), and the user's device spends its units on every signature, as every
//!   signer does.
//!
//! # Signing budget
//!
//! The paper's unforgeability theorem holds for a bounded number Q_s of signing-oracle calls.
//! Every key share carries a [`crate::SigningBudget`] of Round-3 executions, capped at
//! Q_s / N ([`ThresholdParams::responses_per_party`]). Starting a signing session reserves
//! [`MAX_ATTEMPTS`] executions up front, so the caller must persist the share after
//! [`crate::Scheme::sign`] returns and before the session's first message leaves: a crash then
//! never lets a party respond more often than its stored count says. Unused reservations are
//! not given back; that keeps the count conservative at the cost of budget.
//!
//! # What the transport must provide
//!
//! Every message must arrive on an authenticated channel (the sender is trusted to be who the
//! transport says). Key generation sends each subset key point-to-point: those messages carry
//! secrets and must be encrypted.
//!
//! # Keys are not FIPS 204 key generation outputs
//!
//! The public key and signatures are ordinary FIPS 204 objects, but the secret is a sum of
//! subset secrets: there is no 32-byte seed, no expanded secret key, and no export of one.
//!
//! # Side channels
//!
//! The hyperball sampler uses floating point `ln` and `sqrt` (see the sampler's notes); the
//! paper specifies no constant-time sampler. Whether a slot is accepted is public
//! by design; the rejected candidate never leaves the party. Secret values (subset seeds, the
//! summed partial secret, masks, c times the secret) are zeroized when dropped.

mod combine;
pub mod derivation;
mod derived;
mod dkg;
mod framing;
mod key;
mod mask;
mod messages;
mod params;
pub mod partition;
mod signing;
mod slots;

use std::sync::Arc;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::mldsa::poly::Poly;
use crate::mldsa::sample::expand_a;
use crate::mldsa::{MAX_CONTEXT_LEN, ParameterSet, VerifyingKey};
use crate::{
    AlgorithmInfo, KeyShare, KeygenParams, Party, PartyId, Scheme, SchemeError, SchemeInfo,
    SchemeKind, SecretBytes, SignInput, SignParams, Signed, VerifyError, known, single,
};

pub use params::{Derivation, MAX_PARTIES, MIN_THRESHOLD, ThresholdParams, UnsupportedConfig};

use key::{ShareSecret, SubsetSeed, subset_secret};
use partition::Mask;

/// The most attempts one signing session makes before giving up; each costs one unit of every
/// signer's budget. At the lowest measured per-attempt success (0.42), sixteen attempts all
/// fail with probability 2^-12.6; the caller then retries with a new session.
pub const MAX_ATTEMPTS: u32 = 16;

/// Bytes of each protocol message's payload, per party per attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageSizes {
    /// Round 1: the commitment, lambda / 4 bytes (2 lambda bits, the paper's recommendation;
    /// the paper's byte counts assume 32 at every level).
    pub commit: usize,
    /// Round 2: K packed values of w, k * 736 bytes each.
    pub reveal: usize,
    /// Round 3: K responses in the FIPS 204 z encoding plus ceil(K / 8) accept-flag bytes.
    pub respond: usize,
}

impl MessageSizes {
    /// The payload sizes of a configuration.
    pub fn of(params: &ThresholdParams) -> Self {
        let mldsa = params.set.params();
        Self {
            commit: commitment_len(mldsa),
            reveal: params.slots * mldsa.k * framing::POLY_BYTES,
            respond: params.slots * mldsa.l * mldsa.z_poly_bytes() + params.slots.div_ceil(8),
        }
    }

    /// The sum over the three rounds.
    pub fn total(&self) -> usize {
        self.commit + self.reveal + self.respond
    }
}

/// The threshold ML-DSA scheme at one level.
pub fn scheme(set: ParameterSet) -> Arc<dyn Scheme> {
    Arc::new(ThresholdMlDsa {
        set,
        verifier: single::qoesign_ml_dsa(set),
    })
}

/// Splits a freshly drawn key among `parties` with a trusted dealer (paper Fig. 5).
///
/// # Security
///
/// The dealer holds the whole signing key while it runs, which the product rules out: this is
/// for tests and known-answer checks only. Product key generation is the DKG of
/// [`Scheme::keygen`].
///
/// # Errors
///
/// Returns [`SchemeError::UnsupportedCommittee`] for a configuration outside the tables or a
/// party listed twice.
pub fn dangerous_trusted_dealer(
    set: ParameterSet,
    threshold: u16,
    parties: &[PartyId],
    rng: &mut dyn CryptoRng,
) -> Result<Vec<KeyShare>, SchemeError> {
    dangerous_trusted_dealer_with_required(set, threshold, parties, None, rng)
}

/// [`dangerous_trusted_dealer`] for a key with a required party: `threshold` counts it, so
/// "the user and t of n" is `threshold` t + 1 of n + 1 `parties`, `required` among them.
///
/// # Security
///
/// As [`dangerous_trusted_dealer`]: for tests only.
///
/// # Errors
///
/// Returns [`SchemeError::UnsupportedCommittee`] for a configuration outside the tables, a
/// party listed twice, or a required party that is not among the parties.
pub fn dangerous_trusted_dealer_with_required(
    set: ParameterSet,
    threshold: u16,
    parties: &[PartyId],
    required: Option<PartyId>,
    rng: &mut dyn CryptoRng,
) -> Result<Vec<KeyShare>, SchemeError> {
    let info = info(set);
    crate::scheme::check_distinct(info, parties)?;
    if let Some(required) = required.filter(|r| !parties.contains(r)) {
        return Err(unsupported(
            info,
            format!("the required party {required} is not among the parties"),
        ));
    }
    let ordered = key::ordering(parties, required);
    let params = lookup(
        info,
        set,
        usize::from(threshold),
        parties.len(),
        required.is_some(),
    )?;
    let mldsa = set.params();
    let mut rho = [0u8; 32];
    rng.fill_bytes(&mut rho);
    let a_hat = expand_a(&rho, mldsa);
    let mut seeds: Vec<SubsetSeed> = Vec::new();
    let mut t = vec![Poly::default(); mldsa.k];
    for mask in params.structure().subsets() {
        let mut seed = SubsetSeed {
            mask,
            seed: [0; 64],
        };
        rng.fill_bytes(&mut seed.seed);
        let t_s = mask::mlwe_image(&subset_secret(&seed.seed, mldsa).0, &a_hat, mldsa);
        add_mod_q(&mut t, &t_s);
        seeds.push(seed);
    }
    let public_key = VerifyingKey::from_t(set, &rho, a_hat, &t).encode();
    let setup = ShareContext {
        info,
        parties: ordered.clone(),
        required,
        params,
    };
    let mut shares = Vec::with_capacity(ordered.len());
    for (index, &party) in ordered.iter().enumerate() {
        let index = u8::try_from(index).unwrap_or(u8::MAX);
        let held = seeds
            .iter()
            .filter(|s| s.mask & (1 << index) != 0)
            .map(|s| SubsetSeed {
                mask: s.mask,
                seed: s.seed,
            })
            .collect();
        let secret = ShareSecret::new(index, held)
            .to_secret_bytes()
            .map_err(|e| unsupported(info, e.to_string()))?;
        shares.push(setup.share(party, public_key.clone(), secret));
    }
    seeds.zeroize();
    Ok(shares)
}

/// The commitment length: 2 lambda bits, as many bytes as c-tilde has.
fn commitment_len(mldsa: &crate::mldsa::params::Params) -> usize {
    mldsa.c_tilde_len()
}

/// acc += v coefficient-wise, both with coefficients in [0, q), the result too.
fn add_mod_q(acc: &mut [Poly], v: &[Poly]) {
    for (a, b) in acc.iter_mut().zip(v) {
        for (x, y) in a.0.iter_mut().zip(b.0) {
            let sum = *x + y - crate::mldsa::field::Q;
            *x = crate::mldsa::field::caddq(sum);
        }
    }
}

/// A vector of polynomials holding secret values, zeroized on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct SecretPolys(pub(crate) Vec<Poly>);

/// What every share of one key has in common.
struct ShareContext {
    info: &'static SchemeInfo,
    /// In index order (see [`key::ordering`]).
    parties: Vec<PartyId>,
    required: Option<PartyId>,
    params: &'static ThresholdParams,
}

impl ShareContext {
    fn share(&self, party: PartyId, public_key: Vec<u8>, secret: SecretBytes) -> KeyShare {
        let share = KeyShare::new(
            self.info,
            party,
            self.parties.clone(),
            u16::from(self.params.threshold),
            public_key,
            secret,
        )
        .with_budget(self.params.responses_per_party());
        match self.required {
            Some(required) => share.with_required(required),
            None => share,
        }
    }
}

/// The share a key generation party ends with.
fn new_share(setup: &dkg::KeygenSetup, public_key: Vec<u8>, secret: SecretBytes) -> KeyShare {
    ShareContext {
        info: setup.info,
        parties: setup.parties.clone(),
        required: setup.required,
        params: setup.params,
    }
    .share(setup.me, public_key, secret)
}

struct ThresholdMlDsa {
    set: ParameterSet,
    verifier: Arc<dyn Scheme>,
}

static INFO_44: SchemeInfo = scheme_info("qoesign-threshold-44", &known::ML_DSA_44);
static INFO_65: SchemeInfo = scheme_info("qoesign-threshold-65", &known::ML_DSA_65);
static INFO_87: SchemeInfo = scheme_info("qoesign-threshold-87", &known::ML_DSA_87);

const fn scheme_info(id: &'static str, algorithm: &'static AlgorithmInfo) -> SchemeInfo {
    SchemeInfo {
        id,
        algorithm,
        kind: SchemeKind::Threshold,
        max_parties: MAX_PARTIES as u16,
        implementation: "qoesign threshold ML-DSA (Celi et al., ePrint 2026/013) on qoesign mldsa",
        transport: "every message authenticated; key generation's point-to-point subset keys \
                    are secret and must be encrypted",
    }
}

fn info(set: ParameterSet) -> &'static SchemeInfo {
    match set {
        ParameterSet::MlDsa44 => &INFO_44,
        ParameterSet::MlDsa65 => &INFO_65,
        ParameterSet::MlDsa87 => &INFO_87,
    }
}

fn unsupported(info: &SchemeInfo, reason: String) -> SchemeError {
    SchemeError::UnsupportedCommittee {
        scheme: info.id,
        reason,
    }
}

fn lookup(
    info: &SchemeInfo,
    set: ParameterSet,
    threshold: usize,
    parties: usize,
    required: bool,
) -> Result<&'static ThresholdParams, SchemeError> {
    ThresholdParams::lookup_with_required(set, threshold, parties, required)
        .map_err(|e| unsupported(info, e.to_string()))
}

impl Scheme for ThresholdMlDsa {
    fn info(&self) -> &'static SchemeInfo {
        info(self.set)
    }

    fn keygen(
        &self,
        params: &KeygenParams,
    ) -> Result<Box<dyn Party<Output = KeyShare>>, SchemeError> {
        let info = self.info();
        params.check(info)?;
        let tp = lookup(
            info,
            self.set,
            usize::from(params.threshold),
            params.parties.len(),
            params.required.is_some(),
        )?;
        let setup = dkg::KeygenSetup {
            info,
            session: params.session,
            me: params.me,
            parties: key::ordering(&params.parties, params.required),
            required: params.required,
            params: tp,
        };
        let party = dkg::Dkg::new(setup).map_err(|reason| unsupported(info, reason))?;
        Ok(Box::new(party))
    }

    fn sign(
        &self,
        share: &mut KeyShare,
        params: &SignParams,
    ) -> Result<Box<dyn Party<Output = Signed>>, SchemeError> {
        let info = self.info();
        share.check_scheme(info)?;
        params.check(info, share)?;
        let threshold = usize::from(share.threshold());
        if params.signers.len() != threshold {
            return Err(unsupported(
                info,
                format!(
                    "threshold ML-DSA signs with exactly {threshold} signers, {} given",
                    params.signers.len()
                ),
            ));
        }
        let required = share.required();
        let tp = lookup(
            info,
            self.set,
            threshold,
            share.parties().len(),
            required.is_some(),
        )?;
        let wrong_share = |reason: String| SchemeError::WrongShare {
            scheme: info.id,
            reason,
        };
        let secret = ShareSecret::from_secret_bytes(share.secret()).map_err(wrong_share)?;
        let index = key::index_of(share.parties(), required, share.party());
        if index != Some(secret.index) {
            return Err(wrong_share(format!(
                "the share's secret is for index {}, its holder is at {index:?}",
                secret.index
            )));
        }
        let public_key = share.public_key().to_vec();
        if public_key.len() != self.set.public_key_len() {
            return Err(wrong_share(format!(
                "the public key has {} bytes, {} has {}",
                public_key.len(),
                self.set.name(),
                self.set.public_key_len()
            )));
        }
        let mut tr = [0u8; 64];
        crate::mldsa::sample::h(&[&public_key], &mut tr);
        let mu = message_representative(info, &tr, &params.input)?;
        let mut signers: Vec<(PartyId, u8)> = params
            .signers
            .iter()
            .map(|&p| {
                let index = key::index_of(share.parties(), required, p);
                (p, index.unwrap_or(u8::MAX))
            })
            .collect();
        signers.sort_unstable_by_key(|&(_, index)| index);
        let setup = signing::SignerSetup {
            info,
            session: params.session,
            me: share.party(),
            signers,
            params: tp,
            public_key,
            tr,
            mu,
        };
        let signer = signing::Signer::new(setup, &secret).map_err(wrong_share)?;
        // Reserve last, once nothing else can refuse the session.
        share.reserve(info, u64::from(MAX_ATTEMPTS))?;
        Ok(Box::new(signer))
    }

    fn verify(
        &self,
        public_key: &[u8],
        input: &SignInput,
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        self.verifier.verify(public_key, input, signature)
    }
}

/// mu: computed from a message and its context (pure ML-DSA), or given (external mu).
fn message_representative(
    info: &SchemeInfo,
    tr: &[u8; 64],
    input: &SignInput,
) -> Result<[u8; 64], SchemeError> {
    let refuse = |reason: String| SchemeError::UnsupportedInput {
        scheme: info.id,
        reason,
    };
    match input {
        SignInput::Message { message, context } => {
            let len = u8::try_from(context.len()).map_err(|_| {
                refuse(format!(
                    "the context has {} bytes, at most {MAX_CONTEXT_LEN} are allowed",
                    context.len()
                ))
            })?;
            Ok(crate::mldsa::keys::mu(tr, &[&[0, len], context, message]))
        }
        SignInput::ExternalMu(mu) => Ok(*mu),
        SignInput::Digest(_) => Err(refuse(
            "ML-DSA signs a message with a context or an external mu, not a bare digest".to_owned(),
        )),
    }
}

/// The subsets (as party bit masks) whose secrets a share holds. Which subsets a party holds
/// is public; their secrets are not.
///
/// # Errors
///
/// Returns [`SchemeError::WrongShare`] when the share is not a threshold ML-DSA share.
pub fn held_subsets(share: &KeyShare) -> Result<Vec<Mask>, SchemeError> {
    let secret = ShareSecret::from_secret_bytes(share.secret()).map_err(|reason| {
        SchemeError::WrongShare {
            scheme: "threshold ML-DSA",
            reason,
        }
    })?;
    Ok(secret.subsets.iter().map(|s| s.mask).collect())
}

#[cfg(test)]
mod tests {
    use zeroize::{Zeroize, ZeroizeOnDrop};

    use super::key::{ShareSecret, SubsetSeed};
    use super::messages::SubsetKey;
    use super::*;

    fn wiped_on_drop<T: ZeroizeOnDrop>() {}

    #[test]
    fn secret_types_are_wiped() {
        // Subset seeds, whole share secrets and subset keys in transit wipe themselves.
        wiped_on_drop::<SubsetSeed>();
        wiped_on_drop::<ShareSecret>();
        wiped_on_drop::<SubsetKey>();
        // Secret polynomial vectors (partial secrets, masks, c s_part) and masks likewise.
        wiped_on_drop::<SecretPolys>();
        wiped_on_drop::<super::mask::SlotMask>();
        let mut secret = SecretPolys(vec![Poly([7; 256]); 3]);
        for p in &mut secret.0 {
            p.zeroize();
        }
        assert!(secret.0.iter().all(|p| p.0 == [0; 256]));
        let mut seed = SubsetSeed {
            mask: 3,
            seed: [9; 64],
        };
        seed.zeroize();
        assert_eq!(seed.seed, [0; 64]);
        assert_eq!(format!("{:?}", Poly([5; 256])), "Poly(..)");
    }
}

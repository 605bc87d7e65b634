//! What a party keeps of a threshold ML-DSA key, and the key material derived from it.
//!
//! A party keeps, for every subset S it belongs to, the 64-byte seed from which FIPS 204's
//! ExpandS (Alg. 33) derives the subset secret s_S (l + k polynomials with coefficients in
//! [-eta, eta]). The seed is as secret as s_S; it is what the key share stores.

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::mldsa::params::Params;
use crate::mldsa::sample::{expand_s, h};
use crate::wire::{WireError, take_all, to_vec};
use crate::{PartyId, SecretBytes};

use super::SecretPolys;
use super::partition::Mask;

/// Version of the secret record inside a key share.
const RECORD_VERSION: u8 = 1;

/// One subset secret, as its ExpandS seed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct SubsetSeed {
    #[zeroize(skip)]
    pub(crate) mask: Mask,
    pub(crate) seed: [u8; 64],
}

impl Serialize for SubsetSeed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.mask, self.seed.as_slice()).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SubsetSeed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (mask, bytes): (Mask, Zeroizing<Vec<u8>>) = Deserialize::deserialize(deserializer)?;
        let mut seed = [0u8; 64];
        if bytes.len() != seed.len() {
            return Err(serde::de::Error::invalid_length(
                bytes.len(),
                &"a 64-byte subset seed",
            ));
        }
        seed.copy_from_slice(&bytes);
        Ok(Self { mask, seed })
    }
}

/// The secret part of a threshold ML-DSA key share: the party's position and its subset
/// seeds, in increasing mask order.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub(crate) struct ShareSecret {
    #[zeroize(skip)]
    pub(crate) version: u8,
    /// This party's index among the key holders, 0..N-1.
    #[zeroize(skip)]
    pub(crate) index: u8,
    pub(crate) subsets: Vec<SubsetSeed>,
}

impl ShareSecret {
    /// A share holding these subset seeds.
    pub(crate) fn new(index: u8, mut subsets: Vec<SubsetSeed>) -> Self {
        subsets.sort_by_key(|s| s.mask);
        Self {
            version: RECORD_VERSION,
            index,
            subsets,
        }
    }

    /// The encoding stored in a [`crate::KeyShare`].
    pub(crate) fn to_secret_bytes(&self) -> Result<SecretBytes, WireError> {
        let bytes = Zeroizing::new(to_vec("threshold ML-DSA share", self)?);
        Ok(SecretBytes::new(bytes.to_vec()))
    }

    /// Decodes the secret of a key share.
    pub(crate) fn from_secret_bytes(secret: &SecretBytes) -> Result<Self, String> {
        let record: Self =
            take_all("threshold ML-DSA share", secret.expose()).map_err(|e| e.to_string())?;
        if record.version != RECORD_VERSION {
            return Err(format!(
                "share record version {} is not {RECORD_VERSION}",
                record.version
            ));
        }
        Ok(record)
    }

    /// The seed of subset `mask`, if this party holds it.
    pub(crate) fn seed(&self, mask: Mask) -> Option<&[u8; 64]> {
        self.subsets
            .iter()
            .find(|s| s.mask == mask)
            .map(|s| &s.seed)
    }

    /// A 32-byte key for hedging the signing randomness, derived from every held seed.
    pub(crate) fn hedge_key(&self) -> Zeroizing<[u8; 32]> {
        let mut parts: Vec<&[u8]> = vec![b"qoesign/threshold-ml-dsa/v1/hedge"];
        parts.extend(self.subsets.iter().map(|s| s.seed.as_slice()));
        let mut key = Zeroizing::new([0u8; 32]);
        h(&parts, key.as_mut_slice());
        key
    }
}

/// s_S = ExpandS(seed): l + k polynomials, centred coefficients in [-eta, eta].
pub(crate) fn subset_secret(seed: &[u8; 64], params: &Params) -> SecretPolys {
    let (mut s1, s2) = expand_s(seed, params);
    s1.extend(s2);
    SecretPolys(s1)
}

/// The key holders in index order: sorted, except that a required party comes last (index
/// n of n + 1, as [`super::partition::Structure::Required`] numbers it).
pub(crate) fn ordering(parties: &[PartyId], required: Option<PartyId>) -> Vec<PartyId> {
    let mut sorted: Vec<PartyId> = parties
        .iter()
        .copied()
        .filter(|&p| Some(p) != required)
        .collect();
    sorted.sort_unstable();
    sorted.extend(required.filter(|r| parties.contains(r)));
    sorted
}

/// The index of `party` among the key holders (see [`ordering`]).
pub(crate) fn index_of(
    parties: &[PartyId],
    required: Option<PartyId>,
    party: PartyId,
) -> Option<u8> {
    ordering(parties, required)
        .iter()
        .position(|&p| p == party)
        .and_then(|i| u8::try_from(i).ok())
}

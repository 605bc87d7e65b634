//! The secret part of a threshold ECDSA key share: the library's party state and the group's
//! public key package, postcard-encoded behind a version byte and the name of the library
//! that made them.

use dkls23::secp256r1::protocols::{Party, PublicKeyPackage};
use p256::NistP256;
use serde::{Deserialize, Serialize};

use crate::SecretBytes;

/// Version of the record layout.
const RECORD_VERSION: u8 = 1;

/// The library (and exact version) whose state the record holds.
pub const IMPLEMENTATION: &str = "dkls23 0.6.2";

/// One party's DKLs23 state.
#[derive(Serialize, Deserialize)]
pub(crate) struct Record {
    version: u8,
    implementation: String,
    /// The party's share, zero-share seeds and pairwise multiplication (OT) state.
    pub(crate) party: Party<NistP256>,
    /// The group key and every party's verifying share (public; kept for share repair).
    pub(crate) package: PublicKeyPackage<NistP256>,
}

impl Record {
    /// A record of the current version.
    pub(crate) fn new(party: Party<NistP256>, package: PublicKeyPackage<NistP256>) -> Self {
        Self {
            version: RECORD_VERSION,
            implementation: IMPLEMENTATION.to_owned(),
            party,
            package,
        }
    }

    /// The encoded record, as a share's secret.
    pub(crate) fn to_secret(&self) -> Result<SecretBytes, String> {
        postcard::to_allocvec(self)
            .map(SecretBytes::new)
            .map_err(|e| format!("cannot encode the DKLs23 state: {e}"))
    }

    /// Decodes a share's secret, refusing other versions, other libraries and trailing bytes.
    pub(crate) fn from_secret(secret: &SecretBytes) -> Result<Self, String> {
        let bytes = secret.expose();
        match bytes.first() {
            Some(&RECORD_VERSION) => {}
            Some(other) => {
                return Err(format!(
                    "threshold ECDSA record version {other}; this build reads {RECORD_VERSION}"
                ));
            }
            None => return Err("empty threshold ECDSA record".to_owned()),
        }
        let (record, rest) = postcard::take_from_bytes::<Self>(bytes)
            .map_err(|e| format!("the DKLs23 state does not decode: {e}"))?;
        if !rest.is_empty() {
            return Err(format!(
                "{} trailing bytes after the DKLs23 state",
                rest.len()
            ));
        }
        if record.implementation != IMPLEMENTATION {
            return Err(format!(
                "the share was made by {}; this build runs {IMPLEMENTATION}",
                record.implementation
            ));
        }
        Ok(record)
    }

    /// Whether the party has no pairwise state yet (a repaired share before its complete
    /// refresh): it cannot sign.
    pub(crate) fn is_hollow(&self) -> bool {
        self.party.mul_senders.is_empty() || self.party.mul_receivers.is_empty()
    }
}

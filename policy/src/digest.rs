//! The policy digest: SHA3-256 over a canonical encoding of the policy's content.
//!
//! The encoding depends only on what the policy means, not on how the file is written:
//! comments, whitespace, key order, the order of `[[algorithm]]` tables and of providers do
//! not change it. Every field is written with a tag and a length prefix, so no two different
//! policies share an encoding.

use std::fmt;

use sha3::{Digest, Sha3_256};
use time::Date;

use crate::model::Policy;

/// SHA3-256 digest of a policy's canonical encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PolicyDigest([u8; 32]);

impl PolicyDigest {
    pub(crate) fn of(policy: &Policy) -> Self {
        let mut enc = Encoder(Sha3_256::new());
        enc.bytes(b"domain", DOMAIN);
        enc.u64(b"version", policy.version);
        enc.date(b"issued", policy.issued);
        enc.option(b"description", policy.description.as_deref());
        enc.bytes(b"preferred", policy.preferred.as_bytes());
        let mut providers: Vec<&str> = policy.quorum.providers.iter().map(String::as_str).collect();
        providers.sort_unstable();
        enc.u64(b"providers", providers.len() as u64);
        for provider in providers {
            enc.bytes(b"provider", provider.as_bytes());
        }
        enc.u64(b"threshold", u64::from(policy.quorum.threshold));
        enc.u64(b"user_required", u64::from(policy.quorum.user_required));
        let mut algorithms: Vec<_> = policy.algorithms.iter().collect();
        algorithms.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        enc.u64(b"algorithms", algorithms.len() as u64);
        for algorithm in algorithms {
            enc.bytes(b"id", algorithm.id.as_bytes());
            enc.bytes(b"state", algorithm.state.as_str().as_bytes());
            enc.option(b"deprecate_on", algorithm.deprecate_on.map(iso).as_deref());
            enc.option(b"retire_on", algorithm.retire_on.map(iso).as_deref());
        }
        Self(enc.0.finalize().into())
    }

    /// The 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A digest read back from storage or from a wire message; it names a policy, it does not
    /// prove one (compare it with the digest of a policy in hand).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for PolicyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Separates this encoding from any other use of SHA3-256; bump the suffix if it changes.
const DOMAIN: &[u8] = b"qoesign-policy-digest-v1";

struct Encoder(Sha3_256);

impl Encoder {
    fn bytes(&mut self, tag: &[u8], value: &[u8]) {
        self.0.update((tag.len() as u64).to_be_bytes());
        self.0.update(tag);
        self.0.update((value.len() as u64).to_be_bytes());
        self.0.update(value);
    }

    fn u64(&mut self, tag: &[u8], value: u64) {
        self.bytes(tag, &value.to_be_bytes());
    }

    fn date(&mut self, tag: &[u8], value: Date) {
        self.bytes(tag, iso(value).as_bytes());
    }

    fn option(&mut self, tag: &[u8], value: Option<&str>) {
        match value {
            Some(v) => {
                self.u64(tag, 1);
                self.bytes(tag, v.as_bytes());
            }
            None => self.u64(tag, 0),
        }
    }
}

/// A date as ISO 8601 (`YYYY-MM-DD`), the form policy files write it in.
pub(crate) fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

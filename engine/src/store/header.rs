//! The header record: the one record readable before the passphrase is known.
//!
//! Layout of its value: `postcard(schema: u32)` first, so that any build can tell which schema
//! wrote the store before it reads anything else, then `postcard(HeaderFields)` with the rest,
//! then `postcard(check)`, then SHA3-256 of everything before it. The digest tells a damaged
//! header from a wrong passphrase; the check value is an AEAD seal, under the record key, of a
//! fixed text bound to the header's fields, so it authenticates the passphrase and the whole
//! header (schema, store id, party, Argon2 parameters and salt) at once.

use serde::{Deserialize, Serialize};
use sha3::{Digest, Sha3_256};

use super::KdfParams;
use super::seal::Sealer;

/// The header's contents other than the schema version and the check value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct HeaderFields {
    /// Random; bound into every record, so records cannot move between stores.
    pub(super) store_id: [u8; 16],
    /// The party this store belongs to (a provider name or the user's device).
    pub(super) party: String,
    /// How the root key is derived from the passphrase.
    pub(super) kdf: KdfParams,
    /// The Argon2id salt.
    pub(super) salt: [u8; 16],
}

/// A decoded header.
#[derive(Debug)]
pub(super) struct Header {
    pub(super) schema: u32,
    pub(super) fields: HeaderFields,
    check: Vec<u8>,
}

/// Why a header value did not decode.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum HeaderError {
    /// The schema is newer than this build reads.
    Newer(u32),
    /// Digest mismatch, bad encoding, unknown schema 0.
    Damaged(&'static str),
}

impl Header {
    /// A header for a new store, with its check value sealed by `sealer`.
    pub(super) fn new(
        schema: u32,
        fields: HeaderFields,
        sealer: &Sealer,
    ) -> Result<Self, &'static str> {
        let check = sealer.seal(TABLE, &check_key(schema, &fields), CHECK_TEXT)?;
        Ok(Self {
            schema,
            fields,
            check,
        })
    }

    /// The stored value.
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out = to_vec(&self.schema);
        out.extend(to_vec(&self.fields));
        out.extend(to_vec(&self.check));
        let digest = Sha3_256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Decodes a stored value, refusing a newer schema before anything else is looked at.
    pub(super) fn decode(value: &[u8], supported: u32) -> Result<Self, HeaderError> {
        let (schema, _) = postcard::take_from_bytes::<u32>(value)
            .map_err(|_| HeaderError::Damaged("no schema version"))?;
        if schema > supported {
            return Err(HeaderError::Newer(schema));
        }
        if schema == 0 {
            return Err(HeaderError::Damaged("schema 0 does not exist"));
        }
        let body_len = value
            .len()
            .checked_sub(DIGEST_LEN)
            .ok_or(HeaderError::Damaged("too short"))?;
        let (body, digest) = value.split_at(body_len);
        if Sha3_256::digest(body).as_slice() != digest {
            return Err(HeaderError::Damaged("its digest does not match"));
        }
        let undecodable = |_| HeaderError::Damaged("it does not decode");
        let (_, rest) = postcard::take_from_bytes::<u32>(body).map_err(undecodable)?;
        let (fields, rest) =
            postcard::take_from_bytes::<HeaderFields>(rest).map_err(undecodable)?;
        let (check, rest) = postcard::take_from_bytes::<Vec<u8>>(rest).map_err(undecodable)?;
        if !rest.is_empty() {
            return Err(HeaderError::Damaged("trailing bytes"));
        }
        Ok(Self {
            schema,
            fields,
            check,
        })
    }

    /// Whether `sealer` (derived from the passphrase) opens the check value.
    pub(super) fn passphrase_matches(&self, sealer: &Sealer) -> bool {
        sealer
            .open(TABLE, &check_key(self.schema, &self.fields), &self.check)
            .is_ok_and(|text| text.as_slice() == CHECK_TEXT)
    }
}

/// The table that holds the header.
pub(super) const TABLE: &str = "meta";
/// The header's key in [`TABLE`].
pub(super) const KEY: &[u8] = b"header";

/// The record key the check value is sealed under: the header's own fields, so changing any
/// of them breaks the check.
fn check_key(schema: u32, fields: &HeaderFields) -> Vec<u8> {
    let mut key = KEY.to_vec();
    key.extend(to_vec(&schema));
    key.extend(to_vec(fields));
    key
}

fn to_vec<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these plain structs into a growable buffer cannot fail.
    postcard::to_allocvec(value).unwrap_or_default()
}

const CHECK_TEXT: &[u8] = b"qoesign key store: passphrase check";
const DIGEST_LEN: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> HeaderFields {
        HeaderFields {
            store_id: [3; 16],
            party: "provider-a".to_owned(),
            kdf: KdfParams::for_tests(),
            salt: [4; 16],
        }
    }

    #[test]
    fn round_trip_and_checks() {
        let sealer = Sealer::new(&[9; 32], [3; 16], 1);
        let header = Header::new(1, fields(), &sealer).unwrap();
        let value = header.encode();
        let back = Header::decode(&value, 1).unwrap();
        assert_eq!(back.schema, 1);
        assert_eq!(back.fields, fields());
        assert!(back.passphrase_matches(&sealer));
        assert!(!back.passphrase_matches(&Sealer::new(&[8; 32], [3; 16], 1)));
        for i in 0..value.len() {
            let mut bad = value.clone();
            bad[i] ^= 0x10;
            assert!(Header::decode(&bad, 1).is_err(), "byte {i}");
        }
        assert_eq!(
            Header::decode(&value[..value.len() - 1], 1).unwrap_err(),
            HeaderError::Damaged("its digest does not match")
        );
    }

    #[test]
    fn newer_schema_is_refused_first() {
        let sealer = Sealer::new(&[9; 32], [3; 16], 3);
        let value = Header::new(3, fields(), &sealer).unwrap().encode();
        assert_eq!(
            Header::decode(&value, 1).unwrap_err(),
            HeaderError::Newer(3)
        );
        assert!(Header::decode(&value, 3).is_ok());
    }
}

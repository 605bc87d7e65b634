//! Sealing of records: XChaCha20-Poly1305 under a key derived from the store's root key, with
//! a random 24-byte nonce per write and associated data that binds the record to its place.
//!
//! A sealed value is `nonce (24) || ciphertext || tag (16)`. The associated data is the
//! domain label, the store id, the schema version, the table name and the record key, each
//! length-prefixed, so a record copied to another key, table or store, or kept across a schema
//! upgrade that should have re-sealed it, fails to open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha3::{Digest, Sha3_256};
use zeroize::Zeroizing;

/// Seals and opens the records of one store.
pub(super) struct Sealer {
    /// Holds the record key; zeroizes it on drop (the crate's `zeroize` feature).
    cipher: XChaCha20Poly1305,
    store_id: [u8; 16],
    schema: u32,
}

/// A sealed value did not authenticate, or is too short to hold a nonce and a tag.
#[derive(Debug)]
pub(super) struct Unsealable;

impl Sealer {
    /// The sealer of the store `store_id` at `schema`, from the store's root key.
    pub(super) fn new(root: &[u8; 32], store_id: [u8; 16], schema: u32) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        let mut hash = Sha3_256::new();
        hash.update(RECORD_KEY_LABEL);
        hash.update(root);
        key.copy_from_slice(&hash.finalize());
        Self {
            cipher: XChaCha20Poly1305::new(&(*key).into()),
            store_id,
            schema,
        }
    }

    /// Seals `plaintext` as the record `key` of `table`, under a fresh random nonce.
    pub(super) fn seal(
        &self,
        table: &str,
        key: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, &'static str> {
        let mut nonce = XNonce::default();
        getrandom::fill(&mut nonce).map_err(|_| "the system random generator failed")?;
        let aad = self.associated_data(table, key);
        let payload = Payload {
            msg: plaintext,
            aad: &aad,
        };
        let sealed = self
            .cipher
            .encrypt(&nonce, payload)
            .map_err(|_| "the record is too large to encrypt")?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens the record `key` of `table`; the plaintext is zeroized on drop.
    pub(super) fn open(
        &self,
        table: &str,
        key: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Unsealable> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(Unsealable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| Unsealable)?;
        let aad = self.associated_data(table, key);
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| Unsealable)
    }

    fn associated_data(&self, table: &str, key: &[u8]) -> Vec<u8> {
        let mut aad = Vec::with_capacity(64 + table.len() + key.len());
        aad.extend_from_slice(AAD_LABEL);
        aad.extend_from_slice(&self.store_id);
        aad.extend_from_slice(&self.schema.to_be_bytes());
        for part in [table.as_bytes(), key] {
            aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
            aad.extend_from_slice(part);
        }
        aad
    }
}

/// Bytes a sealed value adds to its plaintext.
#[cfg(test)]
pub(super) const OVERHEAD: usize = NONCE_LEN + TAG_LEN;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Separates the record key from any other key derived from the root key.
const RECORD_KEY_LABEL: &[u8] = b"qoesign-store-v1 record sealing key";
/// Separates record sealing from any other use of the key.
const AAD_LABEL: &[u8] = b"qoesign-store-v1 record";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_bound_to_store_schema_table_and_key() {
        let root = [7u8; 32];
        let sealer = Sealer::new(&root, [1; 16], 1);
        let sealed = sealer.seal("credentials", b"id-1", b"hello").unwrap();
        assert_eq!(sealed.len(), 5 + OVERHEAD);
        assert_eq!(
            sealer
                .open("credentials", b"id-1", &sealed)
                .unwrap()
                .as_slice(),
            b"hello"
        );
        assert!(sealer.open("shares", b"id-1", &sealed).is_err());
        assert!(sealer.open("credentials", b"id-2", &sealed).is_err());
        assert!(
            Sealer::new(&root, [2; 16], 1)
                .open("credentials", b"id-1", &sealed)
                .is_err()
        );
        assert!(
            Sealer::new(&root, [1; 16], 2)
                .open("credentials", b"id-1", &sealed)
                .is_err()
        );
        assert!(
            Sealer::new(&[8; 32], [1; 16], 1)
                .open("credentials", b"id-1", &sealed)
                .is_err()
        );
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(
                sealer.open("credentials", b"id-1", &bad).is_err(),
                "byte {i}"
            );
        }
        assert!(
            sealer
                .open("credentials", b"id-1", &sealed[..OVERHEAD - 1])
                .is_err()
        );
    }

    #[test]
    fn nonces_are_fresh() {
        let sealer = Sealer::new(&[7u8; 32], [1; 16], 1);
        let a = sealer.seal("t", b"k", b"same").unwrap();
        let b = sealer.seal("t", b"k", b"same").unwrap();
        assert_ne!(a, b);
    }
}

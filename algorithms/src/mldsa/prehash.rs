//! The pre-hash functions of HashML-DSA (FIPS 204 §5.4) with their DER-encoded OIDs.

use sha2::{Sha224, Sha256, Sha384, Sha512, Sha512_224, Sha512_256};
use sha3::digest::{Digest, ExtendableOutput, XofReader as _};
use sha3::{Sha3_224, Sha3_256, Sha3_384, Sha3_512, Shake128, Shake256};

/// A hash function HashML-DSA may pre-hash the message with (FIPS 204 §5.4.1 and the NIST
/// ACVP ML-DSA specification, which tests these twelve).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PreHash {
    /// SHA-224 (FIPS 180-4).
    Sha2_224,
    /// SHA-256.
    Sha2_256,
    /// SHA-384.
    Sha2_384,
    /// SHA-512.
    Sha2_512,
    /// SHA-512/224.
    Sha2_512_224,
    /// SHA-512/256.
    Sha2_512_256,
    /// SHA3-224 (FIPS 202).
    Sha3_224,
    /// SHA3-256.
    Sha3_256,
    /// SHA3-384.
    Sha3_384,
    /// SHA3-512.
    Sha3_512,
    /// SHAKE128 with a 256-bit output.
    Shake128,
    /// SHAKE256 with a 512-bit output.
    Shake256,
}

impl PreHash {
    /// Every pre-hash function.
    pub const ALL: [Self; 12] = [
        Self::Sha2_224,
        Self::Sha2_256,
        Self::Sha2_384,
        Self::Sha2_512,
        Self::Sha2_512_224,
        Self::Sha2_512_256,
        Self::Sha3_224,
        Self::Sha3_256,
        Self::Sha3_384,
        Self::Sha3_512,
        Self::Shake128,
        Self::Shake256,
    ];

    /// The name NIST ACVP uses (`SHA2-256`, `SHA3-512`, `SHAKE-128`, ...).
    pub fn acvp_name(self) -> &'static str {
        match self {
            Self::Sha2_224 => "SHA2-224",
            Self::Sha2_256 => "SHA2-256",
            Self::Sha2_384 => "SHA2-384",
            Self::Sha2_512 => "SHA2-512",
            Self::Sha2_512_224 => "SHA2-512/224",
            Self::Sha2_512_256 => "SHA2-512/256",
            Self::Sha3_224 => "SHA3-224",
            Self::Sha3_256 => "SHA3-256",
            Self::Sha3_384 => "SHA3-384",
            Self::Sha3_512 => "SHA3-512",
            Self::Shake128 => "SHAKE-128",
            Self::Shake256 => "SHAKE-256",
        }
    }

    /// The function of an ACVP name, the inverse of [`PreHash::acvp_name`].
    pub fn from_acvp_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.acvp_name() == name)
    }

    /// PH(M), the digest HashML-DSA signs (FIPS 204 Alg. 4, steps 10-22).
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha2_224 => Sha224::digest(message).to_vec(),
            Self::Sha2_256 => Sha256::digest(message).to_vec(),
            Self::Sha2_384 => Sha384::digest(message).to_vec(),
            Self::Sha2_512 => Sha512::digest(message).to_vec(),
            Self::Sha2_512_224 => Sha512_224::digest(message).to_vec(),
            Self::Sha2_512_256 => Sha512_256::digest(message).to_vec(),
            Self::Sha3_224 => Sha3_224::digest(message).to_vec(),
            Self::Sha3_256 => Sha3_256::digest(message).to_vec(),
            Self::Sha3_384 => Sha3_384::digest(message).to_vec(),
            Self::Sha3_512 => Sha3_512::digest(message).to_vec(),
            Self::Shake128 => xof::<Shake128>(message, 32),
            Self::Shake256 => xof::<Shake256>(message, 64),
        }
    }

    /// The DER encoding of the function's OID, as HashML-DSA puts it in M' (FIPS 204 Alg. 4):
    /// the NIST hash arc 2.16.840.1.101.3.4.2 with the function's number.
    pub fn oid_der(self) -> [u8; 11] {
        let number = match self {
            Self::Sha2_256 => 1,
            Self::Sha2_384 => 2,
            Self::Sha2_512 => 3,
            Self::Sha2_224 => 4,
            Self::Sha2_512_224 => 5,
            Self::Sha2_512_256 => 6,
            Self::Sha3_224 => 7,
            Self::Sha3_256 => 8,
            Self::Sha3_384 => 9,
            Self::Sha3_512 => 10,
            Self::Shake128 => 11,
            Self::Shake256 => 12,
        };
        [
            0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, number,
        ]
    }
}

fn xof<X: Default + ExtendableOutput>(message: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0; len];
    X::default().chain(message).finalize_xof().read(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::PreHash;

    #[test]
    fn names_round_trip_and_oids_are_distinct() {
        let mut oids: Vec<_> = PreHash::ALL.iter().map(|h| h.oid_der()).collect();
        oids.sort_unstable();
        oids.dedup();
        assert_eq!(oids.len(), 12);
        for h in PreHash::ALL {
            assert_eq!(PreHash::from_acvp_name(h.acvp_name()), Some(h));
        }
    }

    #[test]
    fn sha256_of_abc() {
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let digest: String = PreHash::Sha2_256
            .digest(b"abc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, expected);
    }
}

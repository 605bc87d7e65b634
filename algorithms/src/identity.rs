//! What a verifier sees of each algorithm, and what describes a scheme.

use std::fmt;

/// Algorithm identifiers, as written in policy files and on the command line.
pub mod ids {
    /// ECDSA over NIST P-256 with SHA-256.
    pub const ECDSA_P256: &str = "ecdsa-p256";
    /// ML-DSA-44 (FIPS 204).
    pub const ML_DSA_44: &str = "ml-dsa-44";
    /// ML-DSA-65 (FIPS 204).
    pub const ML_DSA_65: &str = "ml-dsa-65";
    /// ML-DSA-87 (FIPS 204).
    pub const ML_DSA_87: &str = "ml-dsa-87";
    /// Composite ML-DSA-44 + ECDSA P-256 with SHA-256 (IETF LAMPS composite signatures).
    pub const MLDSA44_ECDSA_P256: &str = "mldsa44-ecdsa-p256";
    /// Composite ML-DSA-65 + ECDSA P-256 with SHA-512 (IETF LAMPS composite signatures).
    pub const MLDSA65_ECDSA_P256: &str = "mldsa65-ecdsa-p256";
    /// ML-DSA-44 as in the FIPS 204 initial public draft (August 2023); legacy keys only.
    pub const MLDSA44_IPD: &str = "mldsa44-ipd";
    /// ML-DSA-65 as in the FIPS 204 initial public draft (August 2023); legacy keys only.
    pub const MLDSA65_IPD: &str = "mldsa65-ipd";
    /// ML-DSA-87 as in the FIPS 204 initial public draft (August 2023); legacy keys only.
    pub const MLDSA87_IPD: &str = "mldsa87-ipd";
}

/// The public identity of an algorithm: what a verifier sees.
#[derive(Debug, PartialEq, Eq)]
pub struct AlgorithmInfo {
    /// Identifier used in policies and on the command line.
    pub id: &'static str,
    /// Human name with its standard.
    pub name: &'static str,
    /// The signature algorithm OID, dotted.
    pub oid: &'static str,
    /// NIST post-quantum security category (FIPS 204 §4), `None` for classical algorithms.
    pub nist_category: Option<u8>,
    /// Whether the algorithm resists a quantum adversary (for composites: its PQ half does).
    pub post_quantum: bool,
    /// Public key length in bytes, in the standard encoding.
    pub public_key_len: usize,
    /// Signature length in bytes, in the standard encoding.
    pub signature_len: SignatureLen,
    /// Whether a context string (0 to 255 bytes) may accompany the message.
    pub takes_context: bool,
}

/// Length of a signature encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureLen {
    /// Always this many bytes.
    Exact(usize),
    /// At most this many bytes (DER-encoded ECDSA varies).
    AtMost(usize),
}

/// Every algorithm qoesign knows, whether or not a scheme for it exists yet.
///
/// Sizes: FIPS 204 Table 2; SEC 1 uncompressed P-256 point (65 bytes) and DER ECDSA signature
/// (at most 72 bytes); composites per draft-ietf-lamps-pq-composite-sigs-19 (ML-DSA part
/// followed by the ECDSA part). OIDs: NIST CSOR for ML-DSA, RFC 5758 for ecdsa-with-SHA256, the
/// draft for the composites. The FIPS 204 initial public draft (August 2023) algorithms have
/// the final standard's sizes (as `pqcrypto-dilithium` 0.5 encodes them) and no OID.
pub static ALGORITHMS: &[&AlgorithmInfo] = &[
    &known::ECDSA_P256,
    &known::ML_DSA_44,
    &known::ML_DSA_65,
    &known::ML_DSA_87,
    &known::MLDSA44_ECDSA_P256,
    &known::MLDSA65_ECDSA_P256,
    &known::MLDSA44_IPD,
    &known::MLDSA65_IPD,
    &known::MLDSA87_IPD,
];

/// The identity of each known algorithm.
pub mod known {
    use super::{AlgorithmInfo, ECDSA_DER_MAX, P256_POINT_LEN, SignatureLen, ids};

    /// ECDSA P-256 with SHA-256.
    pub static ECDSA_P256: AlgorithmInfo = AlgorithmInfo {
        id: ids::ECDSA_P256,
        name: "ECDSA P-256 with SHA-256 (FIPS 186-5)",
        oid: "1.2.840.10045.4.3.2",
        nist_category: None,
        post_quantum: false,
        public_key_len: P256_POINT_LEN,
        signature_len: SignatureLen::AtMost(ECDSA_DER_MAX),
        takes_context: false,
    };

    /// ML-DSA-44.
    pub static ML_DSA_44: AlgorithmInfo = AlgorithmInfo {
        id: ids::ML_DSA_44,
        name: "ML-DSA-44 (FIPS 204)",
        oid: "2.16.840.1.101.3.4.3.17",
        nist_category: Some(2),
        post_quantum: true,
        public_key_len: 1312,
        signature_len: SignatureLen::Exact(2420),
        takes_context: true,
    };

    /// ML-DSA-65.
    pub static ML_DSA_65: AlgorithmInfo = AlgorithmInfo {
        id: ids::ML_DSA_65,
        name: "ML-DSA-65 (FIPS 204)",
        oid: "2.16.840.1.101.3.4.3.18",
        nist_category: Some(3),
        post_quantum: true,
        public_key_len: 1952,
        signature_len: SignatureLen::Exact(3309),
        takes_context: true,
    };

    /// ML-DSA-87.
    pub static ML_DSA_87: AlgorithmInfo = AlgorithmInfo {
        id: ids::ML_DSA_87,
        name: "ML-DSA-87 (FIPS 204)",
        oid: "2.16.840.1.101.3.4.3.19",
        nist_category: Some(5),
        post_quantum: true,
        public_key_len: 2592,
        signature_len: SignatureLen::Exact(4627),
        takes_context: true,
    };

    /// Composite ML-DSA-44 + ECDSA P-256.
    pub static MLDSA44_ECDSA_P256: AlgorithmInfo = AlgorithmInfo {
        id: ids::MLDSA44_ECDSA_P256,
        name: "Composite ML-DSA-44 + ECDSA P-256 SHA-256 (draft-ietf-lamps-pq-composite-sigs-19)",
        oid: "1.3.6.1.5.5.7.6.40",
        nist_category: Some(2),
        post_quantum: true,
        public_key_len: 1312 + P256_POINT_LEN,
        signature_len: SignatureLen::AtMost(2420 + ECDSA_DER_MAX),
        takes_context: true,
    };

    /// Composite ML-DSA-65 + ECDSA P-256.
    pub static MLDSA65_ECDSA_P256: AlgorithmInfo = AlgorithmInfo {
        id: ids::MLDSA65_ECDSA_P256,
        name: "Composite ML-DSA-65 + ECDSA P-256 SHA-512 (draft-ietf-lamps-pq-composite-sigs-19)",
        oid: "1.3.6.1.5.5.7.6.45",
        nist_category: Some(3),
        post_quantum: true,
        public_key_len: 1952 + P256_POINT_LEN,
        signature_len: SignatureLen::AtMost(3309 + ECDSA_DER_MAX),
        takes_context: true,
    };

    /// ML-DSA-44 as in the FIPS 204 initial public draft of August 2023, which early pilots
    /// deployed; kept so such keys can be held and migrated away. Its signatures do not verify
    /// as final ML-DSA-44, nor the reverse. The OID is empty: NIST assigned none to the draft,
    /// and neither `pqcrypto-dilithium` nor PQClean documents one.
    pub static MLDSA44_IPD: AlgorithmInfo = AlgorithmInfo {
        id: ids::MLDSA44_IPD,
        name: "ML-DSA-44 (FIPS 204 initial public draft, August 2023)",
        oid: "",
        nist_category: Some(2),
        post_quantum: true,
        public_key_len: 1312,
        signature_len: SignatureLen::Exact(2420),
        takes_context: false,
    };

    /// ML-DSA-65 as in the FIPS 204 initial public draft of August 2023, which early pilots
    /// deployed; kept so such keys can be held and migrated away. Its signatures do not verify
    /// as final ML-DSA-65, nor the reverse. The OID is empty: NIST assigned none to the draft,
    /// and neither `pqcrypto-dilithium` nor PQClean documents one.
    pub static MLDSA65_IPD: AlgorithmInfo = AlgorithmInfo {
        id: ids::MLDSA65_IPD,
        name: "ML-DSA-65 (FIPS 204 initial public draft, August 2023)",
        oid: "",
        nist_category: Some(3),
        post_quantum: true,
        public_key_len: 1952,
        signature_len: SignatureLen::Exact(3309),
        takes_context: false,
    };

    /// ML-DSA-87 as in the FIPS 204 initial public draft of August 2023, which early pilots
    /// deployed; kept so such keys can be held and migrated away. Its signatures do not verify
    /// as final ML-DSA-87, nor the reverse. The OID is empty: NIST assigned none to the draft,
    /// and neither `pqcrypto-dilithium` nor PQClean documents one.
    pub static MLDSA87_IPD: AlgorithmInfo = AlgorithmInfo {
        id: ids::MLDSA87_IPD,
        name: "ML-DSA-87 (FIPS 204 initial public draft, August 2023)",
        oid: "",
        nist_category: Some(5),
        post_quantum: true,
        public_key_len: 2592,
        signature_len: SignatureLen::Exact(4627),
        takes_context: false,
    };
}

/// Looks up an algorithm by identifier.
pub fn algorithm(id: &str) -> Option<&'static AlgorithmInfo> {
    ALGORITHMS.iter().copied().find(|a| a.id == id)
}

/// Whether a scheme has one key holder or several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemeKind {
    /// One party holds the whole key.
    Single,
    /// `t` of `n` parties sign together; no party holds the whole key.
    Threshold,
}

/// The identity of a scheme.
#[derive(Debug)]
pub struct SchemeInfo {
    /// Scheme identifier, recorded in every key share and message it makes.
    pub id: &'static str,
    /// The algorithm its signatures belong to.
    pub algorithm: &'static AlgorithmInfo,
    /// Single party or threshold.
    pub kind: SchemeKind,
    /// The largest number of key holders it supports.
    pub max_parties: u16,
    /// The library or module that implements it, with its version.
    pub implementation: &'static str,
    /// What it needs from the transport between parties.
    pub transport: &'static str,
}

impl SchemeKind {
    /// `single` or `threshold`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Threshold => "threshold",
        }
    }
}

impl fmt::Display for SchemeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl SignatureLen {
    /// The largest possible length.
    pub fn max(self) -> usize {
        match self {
            Self::Exact(n) | Self::AtMost(n) => n,
        }
    }
}

/// SEC 1 uncompressed P-256 point: `0x04 ‖ x ‖ y`.
const P256_POINT_LEN: usize = 65;
/// DER `SEQUENCE { INTEGER r, INTEGER s }` with 33-byte integers at most.
const ECDSA_DER_MAX: usize = 72;

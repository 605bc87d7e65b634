//! Known-answer test vectors, independent verifiers, and the conformance suite of qoesign.
//!
//! This crate is test support: nothing in the product depends on it.
//!
//! - [`independent`] verifies signatures with libraries that share no code with the schemes
//!   under test (`ring` for ECDSA P-256, RustCrypto `ml-dsa` for ML-DSA), so that every
//!   signature a test produces is checked by a standard verifier other than our own.
//! - [`acvp`] reads the NIST ACVP ML-DSA vector sets (keyGen, sigGen, sigVer) and runs them
//!   against `qoesign_algorithms::mldsa`, reporting per test group.
//! - [`wycheproof`] reads the Wycheproof ECDSA vectors shipped in `data/` (see `README.md` for
//!   their source and licence).
//! - [`composite`] reads the IETF composite signature vectors and message-representative
//!   examples, and checks them against qoesign's composite and ML-DSA verifiers.
//!
//! The conformance tests themselves live in `tests/it` and run under the README's one test
//! command.

pub mod acvp;
pub mod composite;
pub mod independent;
pub mod wycheproof;

use std::path::PathBuf;

/// Reads a JSON vector file into `T`.
fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, VectorError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| VectorError::Io {
        path: name.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| VectorError::Json { path: name, source })
}

/// The directory holding the shipped vector files.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Why a vector file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VectorError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not the JSON expected.
    #[error("{path} is not a vector file of the expected shape: {source}")]
    Json {
        /// The file.
        path: String,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A hex or base64 field does not decode.
    #[error("{case}: field {field} does not decode")]
    Encoding {
        /// The test case.
        case: String,
        /// The field.
        field: &'static str,
    },
    /// A hex field does not decode.
    #[error("test {tc_id}: field {field} is not hex")]
    Hex {
        /// The test case.
        tc_id: u64,
        /// The field.
        field: &'static str,
    },
}

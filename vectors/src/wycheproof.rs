//! Wycheproof ECDSA verification vectors (`ecdsa_verify_schema_v1`).

use std::path::Path;

use serde::Deserialize;

use crate::{VectorError, read_json};

/// One verification case.
#[derive(Clone, Debug)]
pub struct EcdsaCase {
    /// Test case number.
    pub tc_id: u64,
    /// What the case exercises.
    pub comment: String,
    /// Wycheproof flags (the kind of edge case).
    pub flags: Vec<String>,
    /// The uncompressed SEC 1 public key.
    pub public_key: Vec<u8>,
    /// The message.
    pub message: Vec<u8>,
    /// The DER signature (possibly malformed on purpose).
    pub signature: Vec<u8>,
    /// Whether the signature must be accepted.
    pub valid: bool,
}

/// Reads every case of an `EcdsaVerify` file.
///
/// # Errors
///
/// Returns a [`VectorError`] when the file cannot be read, is not of the expected shape, or a
/// hex field does not decode.
pub fn ecdsa_cases(path: &Path) -> Result<Vec<EcdsaCase>, VectorError> {
    let file: File = read_json(path)?;
    let mut cases = Vec::new();
    for group in file.test_groups {
        for test in group.tests {
            let hex = |field: &'static str, value: &str| {
                hex::decode(value).map_err(|_| VectorError::Hex {
                    tc_id: test.tc_id,
                    field,
                })
            };
            cases.push(EcdsaCase {
                tc_id: test.tc_id,
                public_key: hex("publicKey.uncompressed", &group.public_key.uncompressed)?,
                message: hex("msg", &test.msg)?,
                signature: hex("sig", &test.sig)?,
                valid: test.result == "valid",
                comment: test.comment,
                flags: test.flags,
            });
        }
    }
    Ok(cases)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    test_groups: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    public_key: PublicKey,
    tests: Vec<Test>,
}

#[derive(Deserialize)]
struct PublicKey {
    uncompressed: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Test {
    tc_id: u64,
    comment: String,
    flags: Vec<String>,
    msg: String,
    sig: String,
    result: String,
}

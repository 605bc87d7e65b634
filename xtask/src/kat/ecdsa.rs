//! Wycheproof ECDSA P-256 / SHA-256 verification files against the `ecdsa-p256` scheme.

use std::path::Path;

use qoesign_algorithms::{SignInput, VerifyError, single};
use qoesign_vectors::wycheproof;
use serde_json::Value;

use super::{Row, Source};

/// The `schema` of Wycheproof files with DER signatures.
pub(super) const DER_SCHEMA: &str = "ecdsa_verify_schema_v1.json";
/// The `schema` of Wycheproof files with IEEE P1363 (r || s) signatures.
pub(super) const P1363_SCHEMA: &str = "ecdsa_p1363_verify_schema_v1.json";

/// The length of a P1363 signature on P-256: r and s, 32 bytes each.
const P1363_LEN: usize = 64;

/// One row for the whole file: every case's verdict from the scheme against `result`.
///
/// `p1363`: signatures are r || s; one of the wrong length is refused here, as IEEE P1363
/// requires, and the others are re-encoded as DER for the scheme, which takes DER only.
pub(super) fn rows(source: Source, name: &str, path: &Path, file: &Value, p1363: bool) -> Row {
    let groups = file
        .get("testGroups")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let encoding = if p1363 { "P1363 as DER" } else { "DER" };
    let description = format!("all {groups} groups: ecdsa-p256 scheme, {encoding} signatures");
    let cases = match wycheproof::ecdsa_cases(path) {
        Ok(cases) => cases,
        Err(error) => return Row::error(source, name, error),
    };
    let scheme = single::ecdsa_p256();
    let mut row = Row::new(source, name, description);
    for case in &cases {
        let signature = if p1363 {
            p1363_to_der(&case.signature)
        } else {
            Some(case.signature.clone())
        };
        let verdict = match signature {
            None => Ok(false),
            Some(signature) => {
                let input = SignInput::message(case.message.clone());
                match scheme.verify(&case.public_key, &input, &signature) {
                    Ok(()) => Ok(true),
                    Err(VerifyError::Invalid | VerifyError::Malformed { .. }) => Ok(false),
                    Err(other) => Err(other),
                }
            }
        };
        let failure = match verdict {
            Ok(verdict) if verdict == case.valid => None,
            Ok(verdict) => Some(format!(
                "verdict {verdict}, expected {} ({}; {:?})",
                case.valid, case.comment, case.flags
            )),
            Err(error) => Some(format!("unexpected error: {error}")),
        };
        row.record(case.tc_id, failure);
    }
    row
}

/// The DER `Ecdsa-Sig-Value` of a P1363 signature, or `None` if it is not 64 bytes.
fn p1363_to_der(signature: &[u8]) -> Option<Vec<u8>> {
    if signature.len() != P1363_LEN {
        return None;
    }
    let (r, s) = signature.split_at(P1363_LEN / 2);
    let mut body = der_integer(r);
    body.extend(der_integer(s));
    // At most 2 * (2 + 33) bytes, so the short length form always fits.
    let len = u8::try_from(body.len()).ok()?;
    let mut der = vec![0x30, len];
    der.extend(body);
    Some(der)
}

/// A non-negative big-endian integer as a minimal DER INTEGER.
fn der_integer(value: &[u8]) -> Vec<u8> {
    let first = value.iter().position(|&b| b != 0).unwrap_or(value.len());
    let mut content: Vec<u8> = value.get(first..).unwrap_or_default().to_vec();
    if content.first().is_none_or(|&b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    // At most 33 bytes, see above.
    let len = u8::try_from(content.len()).unwrap_or(u8::MAX);
    let mut der = vec![0x02, len];
    der.extend(content);
    der
}

//! Signature encodings the command line accepts besides each algorithm's standard one.

use std::fmt;

/// How a signature given to `qoesign verify` is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignatureFormat {
    /// The algorithm's standard encoding (DER for ECDSA, FIPS 204 for ML-DSA).
    #[default]
    Standard,
    /// IEEE P1363 for ECDSA P-256: r || s, 32 bytes each, big-endian.
    P1363,
}

/// The length of a P1363 signature on P-256.
const P1363_LEN: usize = 64;

/// Why a signature cannot be brought into the standard encoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The format does not exist for the algorithm.
    #[error("the {format} format applies to ecdsa-p256 only, not to {algorithm}")]
    NotForAlgorithm {
        /// The format asked for.
        format: SignatureFormat,
        /// The algorithm of the signature.
        algorithm: String,
    },
    /// A P1363 signature of the wrong length (IEEE P1363 fixes it).
    #[error("a P1363 ECDSA P-256 signature is {P1363_LEN} bytes (r || s), got {0}")]
    Length(usize),
}

impl fmt::Display for SignatureFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Standard => "standard",
            Self::P1363 => "P1363",
        })
    }
}

/// `signature` of `algorithm`, given in `format`, in the algorithm's standard encoding. A
/// P1363 signature becomes the DER `Ecdsa-Sig-Value` of its r and s, whatever their values:
/// judging them is the verifier's task.
///
/// # Errors
///
/// Returns [`FormatError`] for a format the algorithm does not have or a P1363 signature that
/// is not 64 bytes.
pub fn to_standard(
    algorithm: &str,
    format: SignatureFormat,
    signature: &[u8],
) -> Result<Vec<u8>, FormatError> {
    match format {
        SignatureFormat::Standard => Ok(signature.to_vec()),
        SignatureFormat::P1363 if algorithm != "ecdsa-p256" => Err(FormatError::NotForAlgorithm {
            format,
            algorithm: algorithm.to_owned(),
        }),
        SignatureFormat::P1363 => {
            if signature.len() != P1363_LEN {
                return Err(FormatError::Length(signature.len()));
            }
            let (r, s) = signature.split_at(P1363_LEN / 2);
            let mut body = der_integer(r);
            body.extend(der_integer(s));
            // At most 2 * (2 + 33) = 70 bytes: the short length form always fits.
            let mut der = vec![0x30, u8::try_from(body.len()).unwrap_or(u8::MAX)];
            der.extend(body);
            Ok(der)
        }
    }
}

/// A non-negative big-endian integer as a minimal DER INTEGER.
fn der_integer(value: &[u8]) -> Vec<u8> {
    let first = value.iter().position(|&b| b != 0).unwrap_or(value.len());
    let mut content: Vec<u8> = value.get(first..).unwrap_or_default().to_vec();
    if content.first().is_none_or(|&b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    // At most 33 bytes for a 32-byte input.
    let mut der = vec![0x02, u8::try_from(content.len()).unwrap_or(u8::MAX)];
    der.extend(content);
    der
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p1363_becomes_minimal_der() {
        let mut sig = [0u8; 64];
        sig[31] = 0x01; // r = 1
        sig[32] = 0x80; // s has its top bit set: DER needs a leading zero
        let der = to_standard("ecdsa-p256", SignatureFormat::P1363, &sig).unwrap();
        let mut expected = vec![0x30, 3 + 35, 0x02, 0x01, 0x01, 0x02, 0x21, 0x00, 0x80];
        expected.extend([0u8; 31]);
        assert_eq!(der, expected);
        assert_eq!(
            to_standard("ecdsa-p256", SignatureFormat::P1363, &sig[..63]),
            Err(FormatError::Length(63))
        );
        assert!(matches!(
            to_standard("ml-dsa-65", SignatureFormat::P1363, &sig),
            Err(FormatError::NotForAlgorithm { .. })
        ));
    }
}

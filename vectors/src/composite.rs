//! The IETF LAMPS composite signature vectors (draft-ietf-lamps-pq-composite-sigs-19): the
//! draft's `testvectors.json` (all values base64) and the message-representative examples of
//! its appendix (`mprime_examples.json`, hex), and their check against qoesign's schemes.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use qoesign_algorithms::composite::{self, Variant};
use qoesign_algorithms::{SignInput, builtin_schemes};
use serde::Deserialize;

use crate::{VectorError, read_json};

/// One key of `testvectors.json` with its two signatures.
#[derive(Clone, Debug)]
pub struct CompositeCase {
    /// The draft's algorithm name, e.g. `id-MLDSA65-ECDSA-P256-SHA512`.
    pub tc_id: String,
    /// The public key.
    pub public_key: Vec<u8>,
    /// A signature over the file's message with an empty context.
    pub signature: Vec<u8>,
    /// A signature over the file's message with the file's context.
    pub signature_with_context: Vec<u8>,
}

/// The whole `testvectors.json`.
#[derive(Clone, Debug)]
pub struct CompositeVectors {
    /// The message every signature is over.
    pub message: Vec<u8>,
    /// The context of the `sWithContext` signatures.
    pub context: Vec<u8>,
    /// One entry per algorithm.
    pub cases: Vec<CompositeCase>,
}

/// One message-representative example: M, ctx, PH(M) and M'.
#[derive(Clone, Debug)]
pub struct MPrimeExample {
    /// The draft's algorithm name.
    pub alg: String,
    /// M.
    pub message: Vec<u8>,
    /// ctx.
    pub context: Vec<u8>,
    /// PH(M).
    pub ph_m: Vec<u8>,
    /// M'.
    pub m_prime: Vec<u8>,
}

/// Reads `testvectors.json`.
///
/// # Errors
///
/// Returns a [`VectorError`] when the file cannot be read, is not of the expected shape, or a
/// base64 field does not decode.
pub fn composite_vectors(path: &Path) -> Result<CompositeVectors, VectorError> {
    let file: VectorsFile = read_json(path)?;
    let b64 = |case: &str, field: &'static str, value: &str| {
        STANDARD.decode(value).map_err(|_| VectorError::Encoding {
            case: case.to_owned(),
            field,
        })
    };
    let mut cases = Vec::with_capacity(file.tests.len());
    for test in &file.tests {
        cases.push(CompositeCase {
            tc_id: test.tc_id.clone(),
            public_key: b64(&test.tc_id, "pk", &test.pk)?,
            signature: b64(&test.tc_id, "s", &test.s)?,
            signature_with_context: b64(&test.tc_id, "sWithContext", &test.s_with_context)?,
        });
    }
    Ok(CompositeVectors {
        message: b64("file", "m", &file.m)?,
        context: b64("file", "ctx", &file.ctx)?,
        cases,
    })
}

/// Reads `mprime_examples.json`.
///
/// # Errors
///
/// Returns a [`VectorError`] when the file cannot be read, is not of the expected shape, or a
/// hex field does not decode.
pub fn mprime_examples(path: &Path) -> Result<Vec<MPrimeExample>, VectorError> {
    let file: MPrimeFile = read_json(path)?;
    let mut examples = Vec::with_capacity(file.tests.len());
    for (i, test) in file.tests.iter().enumerate() {
        let hex = |field: &'static str, value: &str| {
            hex::decode(value).map_err(|_| VectorError::Encoding {
                case: format!("example {i}"),
                field,
            })
        };
        examples.push(MPrimeExample {
            alg: test.alg.clone(),
            message: hex("message", &test.message)?,
            context: hex("ctx", &test.ctx)?,
            ph_m: hex("phM", &test.ph_m)?,
            m_prime: hex("mPrime", &test.m_prime)?,
        });
    }
    Ok(examples)
}

/// The qoesign algorithm a draft name stands for, if qoesign has it.
pub fn algorithm_of(tc_id: &str) -> Option<&'static str> {
    match tc_id {
        "id-ML-DSA-44" => Some("ml-dsa-44"),
        "id-ML-DSA-65" => Some("ml-dsa-65"),
        "id-ML-DSA-87" => Some("ml-dsa-87"),
        _ => Variant::ALL
            .into_iter()
            .find(|v| v.draft_name() == tc_id)
            .map(|v| v.algorithm().id),
    }
}

/// Verifies both signatures of `case` with qoesign's verifier of its algorithm (the first
/// scheme the registry lists). `None` for an algorithm qoesign does not have; otherwise the
/// verdicts for `s` (empty context) and `sWithContext`, in that order.
pub fn verify_case(
    vectors: &CompositeVectors,
    case: &CompositeCase,
) -> Option<[(&'static str, Result<(), String>); 2]> {
    let algorithm = algorithm_of(&case.tc_id)?;
    let scheme = builtin_schemes()
        .into_iter()
        .find(|s| s.info().algorithm.id == algorithm)?;
    let check = |context: &[u8], signature: &[u8]| {
        let input = SignInput::with_context(vectors.message.clone(), context.to_vec());
        scheme
            .verify(&case.public_key, &input, signature)
            .map_err(|e| format!("{}: {e}", case.tc_id))
    };
    Some([
        ("s", check(&[], &case.signature)),
        (
            "sWithContext",
            check(&vectors.context, &case.signature_with_context),
        ),
    ])
}

/// Recomputes an example's PH(M) and M' (from the message and from PH(M)) and compares them
/// with the draft's, byte for byte.
///
/// # Errors
///
/// Returns what differs, or why the example cannot be computed.
pub fn check_mprime(example: &MPrimeExample) -> Result<(), String> {
    let variant = Variant::ALL
        .into_iter()
        .find(|v| v.draft_name() == example.alg)
        .ok_or_else(|| format!("{} is not a composite qoesign has", example.alg))?;
    if variant.prehash(&example.message) != example.ph_m {
        return Err(format!("{}: PH(M) differs", example.alg));
    }
    let from_message = SignInput::with_context(example.message.clone(), example.context.clone());
    let m_prime =
        composite::message_representative(variant, &from_message).map_err(|e| e.to_string())?;
    if m_prime != example.m_prime {
        return Err(format!("{}: M' differs", example.alg));
    }
    if example.context.is_empty() {
        let from_ph = SignInput::Digest(example.ph_m.clone());
        let again =
            composite::message_representative(variant, &from_ph).map_err(|e| e.to_string())?;
        if again != example.m_prime {
            return Err(format!("{}: M' from PH(M) differs", example.alg));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct VectorsFile {
    m: String,
    ctx: String,
    tests: Vec<VectorsTest>,
}

#[derive(Deserialize)]
struct VectorsTest {
    #[serde(rename = "tcId")]
    tc_id: String,
    pk: String,
    s: String,
    #[serde(rename = "sWithContext")]
    s_with_context: String,
}

#[derive(Deserialize)]
struct MPrimeFile {
    tests: Vec<MPrimeTest>,
}

#[derive(Deserialize)]
struct MPrimeTest {
    alg: String,
    message: String,
    ctx: String,
    #[serde(rename = "phM")]
    ph_m: String,
    #[serde(rename = "mPrime")]
    m_prime: String,
}

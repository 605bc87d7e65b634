//! The IETF composite vectors shipped in `data/composite`: every signature of the two
//! ML-DSA + ECDSA P-256 composites and of pure ML-DSA verifies, the draft's message
//! representatives are reproduced byte for byte, and damaged signatures are refused.

use qoesign_algorithms::composite::{self, Variant};
use qoesign_algorithms::{SignInput, VerifyError};
use qoesign_vectors::composite::{
    algorithm_of, check_mprime, composite_vectors, mprime_examples, verify_case,
};
use qoesign_vectors::data_dir;

#[test]
fn every_supported_composite_and_ml_dsa_vector_verifies() {
    let vectors = composite_vectors(&data_dir().join("composite/testvectors.json")).unwrap();
    assert_eq!(vectors.cases.len(), 21);
    let mut verified = Vec::new();
    for case in &vectors.cases {
        if let Some(results) = verify_case(&vectors, case) {
            for (field, result) in results {
                result.unwrap_or_else(|e| panic!("{field}: {e}"));
            }
            verified.push(case.tc_id.as_str());
        }
    }
    assert_eq!(
        verified,
        [
            "id-ML-DSA-44",
            "id-ML-DSA-65",
            "id-ML-DSA-87",
            "id-MLDSA44-ECDSA-P256-SHA256",
            "id-MLDSA65-ECDSA-P256-SHA512"
        ]
    );
}

#[test]
fn the_independent_composite_verifier_accepts_the_drafts_signatures() {
    let vectors = composite_vectors(&data_dir().join("composite/testvectors.json")).unwrap();
    for variant in Variant::ALL {
        let id = variant.algorithm().id;
        let case = vectors
            .cases
            .iter()
            .find(|c| algorithm_of(&c.tc_id) == Some(id))
            .unwrap();
        let verify = |ctx: &[u8], sig: &[u8]| {
            qoesign_vectors::independent::verify(id, &case.public_key, &vectors.message, ctx, sig)
        };
        assert_eq!(verify(b"", &case.signature), Some(true), "{id}");
        assert_eq!(
            verify(&vectors.context, &case.signature_with_context),
            Some(true),
            "{id}"
        );
        assert_eq!(
            verify(&vectors.context, &case.signature),
            Some(false),
            "{id}"
        );
    }
}

#[test]
fn the_drafts_message_representatives_are_reproduced() {
    let examples = mprime_examples(&data_dir().join("composite/mprime_examples.json")).unwrap();
    assert_eq!(examples.len(), 2);
    for example in &examples {
        check_mprime(example).unwrap();
    }
    assert!(examples.iter().any(|e| e.context.is_empty()));
    assert!(examples.iter().any(|e| !e.context.is_empty()));
}

#[test]
fn damaged_vector_signatures_are_refused() {
    let vectors = composite_vectors(&data_dir().join("composite/testvectors.json")).unwrap();
    for variant in Variant::ALL {
        let case = vectors
            .cases
            .iter()
            .find(|c| algorithm_of(&c.tc_id) == Some(variant.algorithm().id))
            .unwrap();
        let scheme = composite::single(variant);
        let input = SignInput::message(vectors.message.clone());
        let pk = &case.public_key;
        let good = &case.signature;
        assert!(scheme.verify(pk, &input, good).is_ok());
        let mldsa_len = variant.mldsa().signature_len();
        let flipped = |at: usize| {
            let mut sig = good.clone();
            sig[at] ^= 0x01;
            sig
        };
        // Either half invalid.
        assert_eq!(
            scheme.verify(pk, &input, &flipped(10)),
            Err(VerifyError::Invalid)
        );
        assert_eq!(
            scheme.verify(pk, &input, &flipped(good.len() - 1)),
            Err(VerifyError::Invalid)
        );
        // Truncated, over-long, malformed DER.
        let malformed = |sig: &[u8]| {
            matches!(
                scheme.verify(pk, &input, sig),
                Err(VerifyError::Malformed { .. })
            )
        };
        assert!(malformed(&good[..good.len() - 1]));
        assert!(malformed(&good[..mldsa_len]));
        assert!(malformed(&[good.as_slice(), &[0]].concat()));
        assert!(malformed(&flipped(mldsa_len)), "DER SEQUENCE tag");
        // The wrong context, and one over 255 bytes.
        let with_ctx = SignInput::with_context(vectors.message.clone(), b"other".to_vec());
        assert_eq!(
            scheme.verify(pk, &with_ctx, good),
            Err(VerifyError::Invalid)
        );
        let long = SignInput::with_context(vectors.message.clone(), vec![0; 256]);
        assert!(matches!(
            scheme.verify(pk, &long, good),
            Err(VerifyError::Malformed { .. })
        ));
        // PH(M) instead of M gives the same M'.
        let ph = SignInput::Digest(variant.prehash(&vectors.message));
        assert!(scheme.verify(pk, &ph, good).is_ok());
    }
}

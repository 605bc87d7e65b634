//! Wycheproof ECDSA P-256/SHA-256 (DER) through the `ecdsa-p256` scheme's verification.

use qoesign_algorithms::{SignInput, VerifyError, single};
use qoesign_vectors::{data_dir, independent, wycheproof};

#[test]
fn every_wycheproof_ecdsa_p256_case_gets_the_expected_verdict() {
    let path = data_dir().join("wycheproof/ecdsa_secp256r1_sha256_test.json");
    let cases = wycheproof::ecdsa_cases(&path).unwrap();
    assert_eq!(cases.len(), 484, "the file holds 484 cases");
    let scheme = single::ecdsa_p256();
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for case in &cases {
        let input = SignInput::message(case.message.clone());
        let verdict = match scheme.verify(&case.public_key, &input, &case.signature) {
            Ok(()) => true,
            Err(VerifyError::Invalid | VerifyError::Malformed { .. }) => false,
            Err(other) => panic!("tc {}: unexpected error {other}", case.tc_id),
        };
        let reference = independent::verify(
            "ecdsa-p256",
            &case.public_key,
            &case.message,
            &[],
            &case.signature,
        );
        if verdict != case.valid || reference != Some(case.valid) {
            failures.push(format!(
                "tc {} ({}; {:?}): expected {}, qoesign {verdict}, ring {reference:?}",
                case.tc_id, case.comment, case.flags, case.valid
            ));
        }
        if verdict {
            accepted += 1
        } else {
            rejected += 1
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!((accepted, rejected), (174, 310));
}

//! The legacy ML-DSA schemes of the FIPS 204 initial public draft (August 2023), on
//! `pqcrypto-dilithium` 0.5, through the plugin contract and the simulator.
//!
//! There is no second implementation of the draft to cross-verify with: every other ML-DSA
//! crate here (`fips204`, RustCrypto `ml-dsa`, our own) follows the final standard. What the
//! independent `fips204` verifier can show is the separation the registry relies on: a draft
//! signature is refused as final ML-DSA under the same public key, and a final signature made
//! with the same secret key (the encodings are shared) is refused by the draft verifier.

use fips204::traits::{SerDes, Signer};
use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::sim::{self, SessionError};
use qoesign_algorithms::{
    KeyShare, PartyId, Scheme, SchemeError, SchemeKind, SessionId, SignInput, SignParams,
    SignatureLen, VerifyError, VerifyPart, ids, single,
};
use qoesign_vectors::independent;

use crate::rng;

const SESSION: SessionId = SessionId([0x1d; 32]);

const LEVELS: [(ParameterSet, &str, &str, &str); 3] = [
    (
        ParameterSet::MlDsa44,
        ids::MLDSA44_IPD,
        ids::ML_DSA_44,
        "pqcrypto-ipd-44",
    ),
    (
        ParameterSet::MlDsa65,
        ids::MLDSA65_IPD,
        ids::ML_DSA_65,
        "pqcrypto-ipd-65",
    ),
    (
        ParameterSet::MlDsa87,
        ids::MLDSA87_IPD,
        ids::ML_DSA_87,
        "pqcrypto-ipd-87",
    ),
];

fn keygen(scheme: &dyn Scheme) -> KeyShare {
    sim::keygen(scheme, &[PartyId(0)], 1, SESSION, &mut rng())
        .unwrap()
        .remove(0)
}

fn sign(scheme: &dyn Scheme, share: &mut KeyShare, input: &SignInput) -> Vec<u8> {
    sim::sign(scheme, &mut [share], input, SESSION, &mut rng())
        .unwrap()
        .signature
}

#[test]
fn each_level_generates_signs_and_verifies() {
    for (level, algorithm, _, scheme_id) in LEVELS {
        let scheme = single::ml_dsa_ipd(level);
        let info = scheme.info();
        assert_eq!(info.id, scheme_id);
        assert_eq!(info.algorithm.id, algorithm);
        assert_eq!(info.kind, SchemeKind::Single);
        assert!(!info.algorithm.takes_context);
        assert!(info.implementation.contains("pqcrypto-dilithium 0.5"));
        let mut share = keygen(scheme.as_ref());
        assert_eq!(share.algorithm(), algorithm);
        assert_eq!(share.public_key().len(), info.algorithm.public_key_len);
        let input = SignInput::message(b"a legacy contract".to_vec());
        let sig = sign(scheme.as_ref(), &mut share, &input);
        assert_eq!(
            info.algorithm.signature_len,
            SignatureLen::Exact(sig.len()),
            "{scheme_id}"
        );
        assert_eq!(scheme.verify(share.public_key(), &input, &sig), Ok(()));
        let other = SignInput::message(b"another contract".to_vec());
        assert_eq!(
            scheme.verify(share.public_key(), &other, &sig),
            Err(VerifyError::Invalid)
        );
        let mut flipped = sig.clone();
        flipped[100] ^= 0x01;
        assert_eq!(
            scheme.verify(share.public_key(), &input, &flipped),
            Err(VerifyError::Invalid)
        );
        // A share survives its encoding and still signs.
        let mut again = KeyShare::from_bytes(&share.to_bytes().unwrap()).unwrap();
        let sig = sign(scheme.as_ref(), &mut again, &input);
        assert_eq!(scheme.verify(again.public_key(), &input, &sig), Ok(()));
    }
}

#[test]
fn draft_signatures_are_not_final_ml_dsa() {
    for (level, _, final_id, scheme_id) in LEVELS {
        let scheme = single::ml_dsa_ipd(level);
        let mut share = keygen(scheme.as_ref());
        let message = b"signed under the draft";
        let draft_sig = sign(
            scheme.as_ref(),
            &mut share,
            &SignInput::message(message.to_vec()),
        );
        let pk = share.public_key();
        assert_eq!(
            independent::verify(final_id, pk, message, b"", &draft_sig),
            Some(false),
            "{scheme_id}: a draft signature verified as final ML-DSA"
        );

        // The same secret key, read by the final-standard `fips204` crate, signs a final
        // ML-DSA signature that the independent verifier accepts under the draft public key
        // (so the two encodings agree), and the draft verifier refuses it.
        let final_sig = final_sign(level, share.secret().expose(), message);
        assert_eq!(
            independent::verify(final_id, pk, message, b"", &final_sig),
            Some(true),
            "{scheme_id}: the draft key does not read as a final ML-DSA key"
        );
        assert_eq!(
            scheme.verify(pk, &SignInput::message(message.to_vec()), &final_sig),
            Err(VerifyError::Invalid),
            "{scheme_id}: a final ML-DSA signature verified under the draft"
        );
    }
}

#[test]
fn contexts_digests_and_external_mu_are_refused() {
    let scheme = single::ml_dsa_ipd(ParameterSet::MlDsa65);
    let mut share = keygen(scheme.as_ref());
    for input in [
        SignInput::with_context(b"doc".to_vec(), b"ctx".to_vec()),
        SignInput::Digest(vec![7; 32]),
        SignInput::ExternalMu([7; 64]),
    ] {
        let err = sim::sign(
            scheme.as_ref(),
            &mut [&mut share],
            &input,
            SESSION,
            &mut rng(),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                SessionError::Setup(SchemeError::UnsupportedInput {
                    scheme: "pqcrypto-ipd-65",
                    ..
                })
            ),
            "{}: {err}",
            input.form()
        );
        let params = SignParams {
            session: SESSION,
            signers: vec![PartyId(0)],
            input: input.clone(),
        };
        assert!(matches!(
            scheme.sign(&mut share, &params).err().unwrap(),
            SchemeError::UnsupportedInput { .. }
        ));
    }
    let input = SignInput::message(b"doc".to_vec());
    let sig = sign(scheme.as_ref(), &mut share, &input);
    let pk = share.public_key();
    let part = |r: Result<(), VerifyError>| match r {
        Err(VerifyError::Malformed { part, .. }) => Some(part),
        _ => None,
    };
    let with_context = SignInput::with_context(b"doc".to_vec(), b"c".to_vec());
    assert_eq!(
        part(scheme.verify(pk, &with_context, &sig)),
        Some(VerifyPart::Context)
    );
    let digest = SignInput::Digest(vec![0; 32]);
    assert_eq!(
        part(scheme.verify(pk, &digest, &sig)),
        Some(VerifyPart::Message)
    );
    assert_eq!(
        part(scheme.verify(&pk[1..], &input, &sig)),
        Some(VerifyPart::PublicKey)
    );
    let mut long_pk = pk.to_vec();
    long_pk.push(0);
    assert_eq!(
        part(scheme.verify(&long_pk, &input, &sig)),
        Some(VerifyPart::PublicKey)
    );
    // One byte too many (one byte short and empty are checked for every
    // single-party scheme in `single::verification_separates_malformed_from_invalid`).
    let mut long_sig = sig.clone();
    long_sig.push(0);
    assert_eq!(
        part(scheme.verify(pk, &input, &long_sig)),
        Some(VerifyPart::Signature)
    );
    assert_eq!(scheme.verify(pk, &input, &sig), Ok(()));
}

#[test]
fn the_share_never_shows_its_secret() {
    for (level, _, _, scheme_id) in LEVELS {
        let share = keygen(single::ml_dsa_ipd(level).as_ref());
        let secret = share.secret().expose();
        assert!(
            secret.len() > 2000,
            "{scheme_id}: the whole secret key is stored"
        );
        let shown = format!("{share:?}");
        let secret_hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        // Any 32 bytes of the secret key (its seed rho, K or part of tr), in hex.
        let key_part = secret_hex.get(64..128).unwrap();
        assert!(!shown.contains(key_part), "{scheme_id}: {shown}");
        assert!(!shown.contains(&format!("{:?}", &secret[32..64])));
        assert!(shown.contains("redacted"), "{scheme_id}: {shown}");
    }
}

/// Final FIPS 204 ML-DSA.Sign (Alg. 2, empty context) by the `fips204` crate, over a secret key
/// in the common encoding.
fn final_sign(level: ParameterSet, secret_key: &[u8], message: &[u8]) -> Vec<u8> {
    let rnd = [0x5a; 32];
    match level {
        ParameterSet::MlDsa44 => {
            let sk = fips204::ml_dsa_44::PrivateKey::try_from_bytes(secret_key.try_into().unwrap())
                .unwrap();
            sk.try_sign_with_seed(&rnd, message, b"").unwrap().to_vec()
        }
        ParameterSet::MlDsa65 => {
            let sk = fips204::ml_dsa_65::PrivateKey::try_from_bytes(secret_key.try_into().unwrap())
                .unwrap();
            sk.try_sign_with_seed(&rnd, message, b"").unwrap().to_vec()
        }
        ParameterSet::MlDsa87 => {
            let sk = fips204::ml_dsa_87::PrivateKey::try_from_bytes(secret_key.try_into().unwrap())
                .unwrap();
            sk.try_sign_with_seed(&rnd, message, b"").unwrap().to_vec()
        }
    }
}

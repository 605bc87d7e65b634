//! Composite ML-DSA + ECDSA P-256 (draft-ietf-lamps-pq-composite-sigs-19): single-party and
//! threshold signatures checked half by half with independent verifiers (RustCrypto `ml-dsa`
//! for the ML-DSA half, `p256` for the ECDSA half), the interleaved threshold session, and the
//! refusals.

use std::cell::RefCell;
use std::rc::Rc;

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use qoesign_algorithms::composite::{self, Variant};
use qoesign_algorithms::sim::{self, Delivery, Simulation};
use qoesign_algorithms::wire::{self, FORMAT_VERSION, Header};
use qoesign_algorithms::{
    KeyShare, Party, PartyId, Scheme, SchemeError, SessionId, SignInput, SignParams, Signed,
    VerifyError, single, threshold_ecdsa, threshold_mldsa,
};
use qoesign_vectors::independent;
use sha2::{Digest, Sha256};

use crate::{cached_key, rng, subset};

const DOCUMENT: &[u8] = b"qoesign composite test document";
const CONTEXT: &[u8] = b"qoesign composite ctx";

fn session(tag: u8, i: usize) -> SessionId {
    let mut id = [tag; 32];
    id[..8].copy_from_slice(&(i as u64).to_be_bytes());
    SessionId(id)
}

/// Checks each half with a verifier that shares no code with qoesign's, and the whole with
/// the scheme's own.
fn assert_halves_verify(variant: Variant, pk: &[u8], input: &SignInput, sig: &[u8], what: &str) {
    let m_prime = composite::message_representative(variant, input).unwrap();
    let (mldsa_pk, ecdsa_pk) = composite::split_public_key(variant, pk).unwrap();
    let (mldsa_sig, ecdsa_sig) = composite::split_signature(variant, sig).unwrap();
    let mldsa_id = match variant.mldsa().name() {
        "ML-DSA-44" => "ml-dsa-44",
        _ => "ml-dsa-65",
    };
    assert_eq!(
        independent::verify(
            mldsa_id,
            mldsa_pk,
            &m_prime,
            variant.label().as_bytes(),
            mldsa_sig
        ),
        Some(true),
        "{what}: the ML-DSA half under {}",
        independent::MLDSA_VERIFIER
    );
    let key = VerifyingKey::from_sec1_bytes(ecdsa_pk).unwrap();
    let signature = Signature::from_der(ecdsa_sig).unwrap();
    let digest: [u8; 32] = Sha256::digest(&m_prime).into();
    assert!(
        key.verify_prehash(&digest, &signature).is_ok(),
        "{what}: the ECDSA half under p256"
    );
    assert!(composite::single(variant).verify(pk, input, sig).is_ok());
    if let SignInput::Message { message, context } = input {
        assert_eq!(
            independent::verify(variant.algorithm().id, pk, message, context, sig),
            Some(true),
            "{what}: {}",
            independent::COMPOSITE_VERIFIER
        );
    }
}

fn sign_with(
    scheme: &dyn Scheme,
    shares: &mut [KeyShare],
    set: &[usize],
    input: &SignInput,
    id: SessionId,
) -> Signed {
    sim::sign(scheme, &mut subset(shares, set), input, id, &mut rng()).unwrap()
}

#[test]
fn single_party_composites_sign_messages_with_context_and_pre_hashes() {
    for variant in Variant::ALL {
        let scheme = composite::single(variant);
        let mut shares = cached_key(scheme.as_ref(), 1, 1);
        let pk = shares[0].public_key().to_vec();
        assert_eq!(pk.len(), variant.algorithm().public_key_len);
        let inputs = [
            SignInput::with_context(DOCUMENT.to_vec(), CONTEXT.to_vec()),
            SignInput::message(DOCUMENT.to_vec()),
            SignInput::Digest(variant.prehash(DOCUMENT)),
        ];
        for (i, input) in inputs.iter().enumerate() {
            let signed = sign_with(scheme.as_ref(), &mut shares, &[0], input, session(1, i));
            let what = format!("{} single input {i}", variant.algorithm().id);
            assert_halves_verify(variant, &pk, input, &signed.signature, &what);
        }
        // A signature over PH(M) is one over M with an empty context.
        let signed = sign_with(
            scheme.as_ref(),
            &mut shares,
            &[0],
            &inputs[2],
            session(1, 9),
        );
        assert!(scheme.verify(&pk, &inputs[1], &signed.signature).is_ok());
        assert_eq!(
            scheme.verify(&pk, &inputs[0], &signed.signature),
            Err(VerifyError::Invalid)
        );
    }
}

#[test]
fn threshold_composites_at_two_of_three_and_three_of_five_verify_half_by_half() {
    for variant in Variant::ALL {
        let scheme = composite::threshold(variant);
        for (t, n, sets) in [
            (2, 3, vec![vec![0, 1], vec![1, 2]]),
            (3, 5, vec![vec![0, 1, 2], vec![0, 2, 4], vec![2, 3, 4]]),
        ] {
            let mut shares = cached_key(scheme.as_ref(), t, n);
            let pk = shares[0].public_key().to_vec();
            assert!(
                shares.iter().all(|s| s.public_key() == pk),
                "one public key"
            );
            assert_eq!(shares[0].scheme(), scheme.info().id);
            for (i, set) in sets.iter().enumerate() {
                let input = if i % 2 == 0 {
                    SignInput::with_context(DOCUMENT.to_vec(), CONTEXT.to_vec())
                } else {
                    SignInput::Digest(variant.prehash(DOCUMENT))
                };
                let signed = sign_with(scheme.as_ref(), &mut shares, set, &input, session(2, i));
                let what = format!("{} {t}-of-{n} signers {set:?}", variant.algorithm().id);
                assert_halves_verify(variant, &pk, &input, &signed.signature, &what);
            }
        }
    }
}

/// The composite header's length for messages from `from` in session `id`: the half tag is
/// the byte after it.
fn header_len(scheme: &dyn Scheme, from: PartyId, id: SessionId) -> usize {
    let header = Header {
        format: FORMAT_VERSION,
        algorithm: scheme.info().algorithm.id.to_owned(),
        scheme: scheme.info().id.to_owned(),
        session: id,
        sender: from,
    };
    wire::encode(&header, &()).unwrap().len()
}

#[test]
fn the_halves_run_interleaved_and_an_ml_dsa_restart_leaves_the_ecdsa_half_alone() {
    let variant = Variant::MlDsa44EcdsaP256;
    let scheme = composite::threshold(variant);
    let mut shares = cached_key(scheme.as_ref(), 2, 3);
    let pk = shares[0].public_key().to_vec();
    let input = SignInput::message(DOCUMENT.to_vec());
    let mut restarted = false;
    for i in 0..40 {
        let id = session(3, i);
        let params = SignParams {
            session: id,
            signers: vec![PartyId(0), PartyId(1)],
            input: input.clone(),
        };
        let machines: Vec<Box<dyn Party<Output = Signed>>> = shares
            .iter_mut()
            .take(2)
            .map(|s| scheme.sign(s, &params).unwrap())
            .collect();
        let halves: Rc<RefCell<Vec<u8>>> = Rc::default();
        let log = Rc::clone(&halves);
        let probe = composite::threshold(variant);
        let report = Simulation::new(machines)
            .intercept(move |env| {
                let at = header_len(probe.as_ref(), env.from, id);
                log.borrow_mut().push(env.bytes[at]);
                Delivery::Deliver
            })
            .run(&mut rng());
        let signed = report.outputs[&PartyId(0)].clone();
        assert_halves_verify(variant, &pk, &input, &signed.signature, "interleaved");
        let halves = halves.borrow();
        let ecdsa = halves.iter().filter(|&&h| h == 1).count();
        // Three rounds, one message to the one peer, for each of the two signers: whatever
        // the ML-DSA half did.
        assert_eq!(ecdsa, 6, "attempts {}: {halves:?}", signed.attempts);
        let last_mldsa = halves.iter().rposition(|&h| h == 0).unwrap();
        let first_ecdsa = halves.iter().position(|&h| h == 1).unwrap();
        assert!(
            first_ecdsa < last_mldsa,
            "not one after the other: {halves:?}"
        );
        if signed.attempts > 1 {
            restarted = true;
            break;
        }
    }
    assert!(
        restarted,
        "no session needed a second ML-DSA attempt in 40 tries"
    );
}

#[test]
fn an_ecdsa_half_made_for_the_other_composite_is_refused() {
    // A 65 composite signature whose ECDSA half signs the 44 composite's M' (another label):
    // each half is a valid signature of something, the composite is not.
    let variant = Variant::MlDsa65EcdsaP256;
    let scheme = composite::single(variant);
    let mut shares = cached_key(scheme.as_ref(), 1, 1);
    let pk = shares[0].public_key().to_vec();
    let input = SignInput::message(DOCUMENT.to_vec());
    let good = sign_with(scheme.as_ref(), &mut shares, &[0], &input, session(4, 0)).signature;
    let (_, mut ecdsa_share) = composite::halves(&shares[0]).unwrap();
    let other = composite::message_representative(Variant::MlDsa44EcdsaP256, &input).unwrap();
    let ecdsa = single::ecdsa_p256();
    let foreign = sim::sign(
        ecdsa.as_ref(),
        &mut [&mut ecdsa_share],
        &SignInput::message(other),
        session(4, 1),
        &mut rng(),
    )
    .unwrap()
    .signature;
    let (mldsa_sig, _) = composite::split_signature(variant, &good).unwrap();
    let spliced = [mldsa_sig, &foreign].concat();
    assert_eq!(
        scheme.verify(&pk, &input, &spliced),
        Err(VerifyError::Invalid)
    );
    // A 44 composite signature and key are refused by the 65 verifier by their lengths.
    let scheme_44 = composite::single(Variant::MlDsa44EcdsaP256);
    let mut shares_44 = cached_key(scheme_44.as_ref(), 1, 1);
    let sig_44 = sign_with(
        scheme_44.as_ref(),
        &mut shares_44,
        &[0],
        &input,
        session(4, 2),
    );
    assert!(matches!(
        scheme.verify(&pk, &input, &sig_44.signature),
        Err(VerifyError::Malformed { .. })
    ));
    assert!(matches!(
        scheme.verify(shares_44[0].public_key(), &input, &good),
        Err(VerifyError::Malformed { .. })
    ));
}

#[test]
fn composite_sessions_refuse_what_the_draft_does_not_allow() {
    let variant = Variant::MlDsa65EcdsaP256;
    let scheme = composite::single(variant);
    let mut shares = cached_key(scheme.as_ref(), 1, 1);
    let cases = [
        (
            SignInput::with_context(DOCUMENT.to_vec(), vec![0; 256]),
            "at most 255",
        ),
        (SignInput::Digest(vec![0; 32]), "64 bytes"),
        (SignInput::ExternalMu([0; 64]), "external mu"),
    ];
    for (input, needle) in cases {
        let params = SignParams {
            session: session(5, 0),
            signers: vec![PartyId(0)],
            input,
        };
        let err = scheme.sign(&mut shares[0], &params).err().unwrap();
        assert!(
            matches!(&err, SchemeError::UnsupportedInput { .. })
                && err.to_string().contains(needle),
            "{err}"
        );
    }
}

#[test]
fn a_threshold_composite_share_keeps_both_halves_and_the_ml_dsa_budget() {
    let variant = Variant::MlDsa44EcdsaP256;
    let scheme = composite::threshold(variant);
    let mut shares = cached_key(scheme.as_ref(), 2, 3);
    let (mldsa, ecdsa) = composite::halves(&shares[0]).unwrap();
    assert_eq!(mldsa.scheme(), "qoesign-threshold-44");
    assert_eq!(ecdsa.scheme(), "dkls23");
    let before = mldsa.budget().unwrap().used();
    let input = SignInput::message(DOCUMENT.to_vec());
    sign_with(scheme.as_ref(), &mut shares, &[0, 2], &input, session(6, 0));
    let after = composite::halves(&shares[0])
        .unwrap()
        .0
        .budget()
        .unwrap()
        .used();
    assert!(
        after > before,
        "the session's reservation is in the stored share"
    );
    let bytes = shares[0].to_bytes().unwrap();
    assert!(KeyShare::from_bytes(&bytes).unwrap() == shares[0]);
    assert!(format!("{:?}", shares[0]).contains("redacted"));
}

#[test]
fn a_composite_session_takes_the_rounds_of_its_longer_half_not_their_sum() {
    let variant = Variant::MlDsa44EcdsaP256;
    let scheme = composite::threshold(variant);
    let mut shares = cached_key(scheme.as_ref(), 2, 3);
    let input = SignInput::message(DOCUMENT.to_vec());
    for i in 0..8 {
        let params = SignParams {
            session: session(7, i),
            signers: vec![PartyId(0), PartyId(2)],
            input: input.clone(),
        };
        let machines: Vec<Box<dyn Party<Output = Signed>>> = [0, 2]
            .into_iter()
            .map(|k| scheme.sign(&mut shares[k], &params).unwrap())
            .collect();
        let report = Simulation::new(machines).concurrent().run(&mut rng());
        let attempts = report.outputs[&PartyId(0)].attempts as usize;
        // Three rounds per ML-DSA attempt, three for ECDSA: run one after the other they
        // would take the sum.
        let (mldsa, ecdsa) = (3 * attempts, 3);
        assert_eq!(
            report.waves,
            mldsa.max(ecdsa),
            "{attempts} ML-DSA attempts, {} waves",
            report.waves
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any bytes as public key and signature, with any context: a typed verdict, never a panic,
    /// and never "valid".
    #[test]
    fn arbitrary_bytes_get_a_typed_verdict(
        pk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2100),
        sig in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3500),
        ctx in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
    ) {
        for variant in Variant::ALL {
            let input = SignInput::with_context(DOCUMENT.to_vec(), ctx.clone());
            let verdict = composite::single(variant).verify(&pk, &input, &sig);
            proptest::prop_assert!(verdict.is_err());
        }
    }

    /// A real signature with one bit flipped anywhere, or cut anywhere: refused, typed.
    #[test]
    fn a_damaged_signature_is_refused(
        at in proptest::prelude::any::<proptest::sample::Index>(),
        bit in 0u8..8,
        cut in proptest::prelude::any::<bool>(),
    ) {
        let (pk, input, good) = reference_signature();
        let at = at.index(good.len());
        let damaged = if cut {
            good[..at].to_vec()
        } else {
            let mut sig = good.clone();
            sig[at] ^= 1 << bit;
            sig
        };
        let scheme = composite::single(Variant::MlDsa44EcdsaP256);
        proptest::prop_assert!(scheme.verify(&pk, &input, &damaged).is_err());
    }
}

/// One composite-44 signature, made once per test run.
fn reference_signature() -> (Vec<u8>, SignInput, Vec<u8>) {
    static SIGNED: std::sync::OnceLock<(Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    let input = SignInput::with_context(DOCUMENT.to_vec(), CONTEXT.to_vec());
    let (pk, sig) = SIGNED.get_or_init(|| {
        let scheme = composite::single(Variant::MlDsa44EcdsaP256);
        let mut shares = cached_key(scheme.as_ref(), 1, 1);
        let signed = sign_with(scheme.as_ref(), &mut shares, &[0], &input, session(8, 0));
        (shares[0].public_key().to_vec(), signed.signature)
    });
    (pk.clone(), input, sig.clone())
}

#[test]
fn halves_from_separate_key_generations_join_into_a_share_that_signs() {
    let ecdsa = cached_key(threshold_ecdsa::scheme().as_ref(), 2, 3);
    for variant in Variant::ALL {
        let mldsa = cached_key(threshold_mldsa::scheme(variant.mldsa()).as_ref(), 2, 3);
        let mut joined: Vec<KeyShare> = mldsa
            .iter()
            .zip(&ecdsa)
            .map(|(m, e)| composite::join(variant, m, e).unwrap())
            .collect();
        let pk = joined[0].public_key().to_vec();
        assert_eq!(pk, [mldsa[0].public_key(), ecdsa[0].public_key()].concat());
        assert_eq!(joined[2].scheme(), composite::threshold(variant).info().id);
        let input = SignInput::with_context(DOCUMENT.to_vec(), CONTEXT.to_vec());
        let scheme = composite::threshold(variant);
        let signed = sign_with(scheme.as_ref(), &mut joined, &[0, 2], &input, session(9, 0));
        let what = format!("{} joined 2-of-3", variant.algorithm().id);
        assert_halves_verify(variant, &pk, &input, &signed.signature, &what);

        // Halves of two holders, halves swapped, or the other level's ML-DSA: refused.
        let refusals = [
            composite::join(variant, &mldsa[0], &ecdsa[1]),
            composite::join(variant, &ecdsa[0], &mldsa[0]),
        ];
        for refused in refusals {
            assert!(
                matches!(refused, Err(SchemeError::WrongShare { .. })),
                "{refused:?}"
            );
        }
        let other = Variant::ALL.into_iter().find(|v| *v != variant).unwrap();
        let refused = composite::join(other, &mldsa[0], &ecdsa[0]);
        assert!(
            matches!(refused, Err(SchemeError::WrongShare { .. })),
            "{refused:?}"
        );
    }
}

//! The single-party schemes through the plugin contract: every signature is checked by an
//! independent verifier, and every refusal is specific.

use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::sim::{SessionError, Simulation};
use qoesign_algorithms::{
    KeygenParams, PartyId, ProtocolError, SchemeError, SessionId, SignInput, SignParams,
    VerifyError, VerifyPart, ids, sim, single,
};
use qoesign_vectors::independent;
use sha2::{Digest, Sha256};

use crate::rng;

const SESSION: SessionId = SessionId([9; 32]);

#[test]
fn each_scheme_signs_what_independent_verifiers_accept() {
    // The FIPS 204 draft schemes have no independent implementation to check against; the
    // `legacy` module tests them against the final standard instead.
    for scheme in qoesign_algorithms::single_party_schemes()
        .into_iter()
        .filter(|s| !s.info().algorithm.id.ends_with("-ipd"))
    {
        let info = scheme.info();
        let mut share = sim::keygen(scheme.as_ref(), &[PartyId(0)], 1, SESSION, &mut rng())
            .unwrap()
            .remove(0);
        let context: &[u8] = if info.algorithm.takes_context {
            b"qoesign test"
        } else {
            b""
        };
        let input = SignInput::with_context(b"a document".to_vec(), context.to_vec());
        let sig = sim::sign(
            scheme.as_ref(),
            &mut [&mut share],
            &input,
            SESSION,
            &mut rng(),
        )
        .unwrap()
        .signature;
        assert!(sig.len() <= info.algorithm.signature_len.max());
        let verdict = independent::verify(
            info.algorithm.id,
            share.public_key(),
            b"a document",
            context,
            &sig,
        );
        assert_eq!(verdict, Some(true), "{}", info.id);
    }
}

#[test]
fn ecdsa_digest_form_gives_the_same_signature() {
    let scheme = single::ecdsa_p256();
    let mut share = sim::keygen(scheme.as_ref(), &[PartyId(0)], 1, SESSION, &mut rng())
        .unwrap()
        .remove(0);
    let by_message = SignInput::message(b"contract".to_vec());
    let by_digest = SignInput::Digest(Sha256::digest(b"contract").to_vec());
    let a = sim::sign(
        scheme.as_ref(),
        &mut [&mut share],
        &by_message,
        SESSION,
        &mut rng(),
    )
    .unwrap()
    .signature;
    let b = sim::sign(
        scheme.as_ref(),
        &mut [&mut share],
        &by_digest,
        SESSION,
        &mut rng(),
    )
    .unwrap()
    .signature;
    assert_eq!(a, b, "RFC 6979 signing is deterministic");
    assert_eq!(
        independent::verify(ids::ECDSA_P256, share.public_key(), b"contract", b"", &b),
        Some(true)
    );
    assert!(scheme.verify(share.public_key(), &by_digest, &a).is_ok());
    use p256::elliptic_curve::scalar::IsHigh;
    let parsed = p256::ecdsa::Signature::from_der(&a).unwrap();
    assert!(!bool::from(parsed.s().is_high()), "signatures are low-s");
}

#[test]
fn inputs_the_algorithm_does_not_take_are_refused_up_front() {
    let ecdsa = single::ecdsa_p256();
    let mut share = sim::keygen(ecdsa.as_ref(), &[PartyId(0)], 1, SESSION, &mut rng())
        .unwrap()
        .remove(0);
    for input in [
        SignInput::with_context(b"m".to_vec(), b"ctx".to_vec()),
        SignInput::Digest(vec![0; 31]),
        SignInput::ExternalMu([0; 64]),
    ] {
        let params = SignParams {
            session: SESSION,
            signers: vec![PartyId(0)],
            input,
        };
        let err = ecdsa.sign(&mut share, &params).err().unwrap();
        assert!(matches!(err, SchemeError::UnsupportedInput { .. }), "{err}");
    }
    let mldsa = single::ml_dsa(ParameterSet::MlDsa44);
    let mut share = sim::keygen(mldsa.as_ref(), &[PartyId(0)], 1, SESSION, &mut rng())
        .unwrap()
        .remove(0);
    let params = SignParams {
        session: SESSION,
        signers: vec![PartyId(0)],
        input: SignInput::Digest(vec![0; 32]),
    };
    assert!(matches!(
        mldsa.sign(&mut share, &params).err().unwrap(),
        SchemeError::UnsupportedInput { .. }
    ));
}

#[test]
fn committees_outside_the_scheme_are_refused() {
    for scheme in qoesign_algorithms::single_party_schemes() {
        let keygen = |parties: Vec<PartyId>, me: u16, threshold: u16| {
            scheme.keygen(&KeygenParams {
                session: SESSION,
                me: PartyId(me),
                parties,
                threshold,
                required: None,
            })
        };
        for (parties, me, threshold) in [
            (vec![PartyId(0), PartyId(1)], 0, 1),
            (vec![PartyId(0)], 1, 1),
            (vec![PartyId(0)], 0, 0),
            (vec![PartyId(0)], 0, 2),
            (vec![], 0, 1),
        ] {
            let err = keygen(parties.clone(), me, threshold).err().unwrap();
            assert!(
                matches!(err, SchemeError::UnsupportedCommittee { .. }),
                "{parties:?}: {err}"
            );
        }
    }
}

#[test]
fn share_of_another_scheme_is_refused() {
    let ecdsa = single::ecdsa_p256();
    let mldsa = single::ml_dsa(ParameterSet::MlDsa65);
    let mut share = sim::keygen(ecdsa.as_ref(), &[PartyId(0)], 1, SESSION, &mut rng())
        .unwrap()
        .remove(0);
    let err = sim::sign(
        mldsa.as_ref(),
        &mut [&mut share],
        &SignInput::message(b"x".to_vec()),
        SESSION,
        &mut rng(),
    )
    .unwrap_err();
    assert!(
        matches!(err, SessionError::Setup(SchemeError::WrongShare { .. })),
        "{err}"
    );
}

#[test]
fn single_party_sessions_refuse_any_message_and_a_second_start() {
    let scheme = single::ml_dsa(ParameterSet::MlDsa44);
    let params = KeygenParams {
        session: SESSION,
        me: PartyId(0),
        parties: vec![PartyId(0)],
        threshold: 1,
        required: None,
    };
    let mut party = scheme.keygen(&params).unwrap();
    let err = party
        .receive(PartyId(5), b"hello", &mut rng())
        .err()
        .unwrap();
    assert_eq!(err.culprit(), Some(PartyId(5)));
    assert!(party.start(&mut rng()).is_ok());
    assert!(matches!(
        party.start(&mut rng()),
        Err(ProtocolError::Misuse(_))
    ));
    // A simulation whose only party is absent produces nothing.
    let report = Simulation::new(vec![scheme.keygen(&params).unwrap()])
        .absent(PartyId(0))
        .run(&mut rng());
    assert!(report.outputs.is_empty());
}

#[test]
fn verification_separates_malformed_from_invalid() {
    for scheme in qoesign_algorithms::single_party_schemes() {
        let mut share = sim::keygen(scheme.as_ref(), &[PartyId(0)], 1, SESSION, &mut rng())
            .unwrap()
            .remove(0);
        let input = SignInput::message(b"m".to_vec());
        let sig = sim::sign(
            scheme.as_ref(),
            &mut [&mut share],
            &input,
            SESSION,
            &mut rng(),
        )
        .unwrap()
        .signature;
        let pk = share.public_key();
        let part = |r: Result<(), VerifyError>| match r {
            Err(VerifyError::Malformed { part, .. }) => Some(part),
            _ => None,
        };
        assert_eq!(
            part(scheme.verify(&pk[..pk.len() - 1], &input, &sig)),
            Some(VerifyPart::PublicKey)
        );
        assert_eq!(
            part(scheme.verify(pk, &input, &sig[..sig.len() - 1])),
            Some(VerifyPart::Signature)
        );
        assert_eq!(
            part(scheme.verify(pk, &input, &[])),
            Some(VerifyPart::Signature)
        );
        let mut flipped = sig.clone();
        *flipped.last_mut().unwrap() ^= 0x01;
        assert_eq!(
            scheme.verify(pk, &input, &flipped),
            Err(VerifyError::Invalid)
        );
        assert_eq!(
            scheme.verify(pk, &SignInput::message(b"n".to_vec()), &sig),
            Err(VerifyError::Invalid)
        );
    }
}

#[test]
fn own_ml_dsa_signs_an_external_mu_the_way_a_remote_client_expects() {
    // The client holds the public key and the document; the signer sees only mu.
    for level in [
        ParameterSet::MlDsa44,
        ParameterSet::MlDsa65,
        ParameterSet::MlDsa87,
    ] {
        let scheme = single::qoesign_ml_dsa(level);
        let mut share = sim::keygen(scheme.as_ref(), &[PartyId(0)], 1, SESSION, &mut rng())
            .unwrap()
            .remove(0);
        let set = qoesign_algorithms::mldsa::ParameterSet::ALL
            .into_iter()
            .find(|s| s.public_key_len() == share.public_key().len())
            .unwrap();
        let public =
            qoesign_algorithms::mldsa::VerifyingKey::decode(set, share.public_key()).unwrap();
        let (document, context) = (b"contract, page 1 of 1", b"qes-remote");
        let mu = public.external_mu(document, context).unwrap();
        let input = SignInput::ExternalMu(mu);
        let sig = sim::sign(
            scheme.as_ref(),
            &mut [&mut share],
            &input,
            SESSION,
            &mut rng(),
        )
        .unwrap()
        .signature;
        let algorithm = scheme.info().algorithm.id;
        assert_eq!(
            independent::verify(algorithm, share.public_key(), document, context, &sig),
            Some(true),
            "{algorithm}: a signature over mu is an ordinary signature over the document"
        );
        assert!(scheme.verify(share.public_key(), &input, &sig).is_ok());
        let mut other = mu;
        other[0] ^= 1;
        assert_eq!(
            scheme.verify(share.public_key(), &SignInput::ExternalMu(other), &sig),
            Err(VerifyError::Invalid)
        );
        // The fips204-backed scheme has no external-mu interface and says so before signing.
        let fips = single::ml_dsa(level);
        let params = SignParams {
            session: SESSION,
            signers: vec![PartyId(0)],
            input,
        };
        let mut fips_share = sim::keygen(fips.as_ref(), &[PartyId(0)], 1, SESSION, &mut rng())
            .unwrap()
            .remove(0);
        assert!(matches!(
            fips.sign(&mut fips_share, &params).err().unwrap(),
            SchemeError::UnsupportedInput { .. }
        ));
    }
}

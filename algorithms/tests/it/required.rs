//! Keys with a required holder (the user's device) for the schemes that host it as several
//! indices of an ordinary key: threshold ECDSA directly and the ECDSA half of the threshold
//! composite. The device and any t providers sign; all providers together cannot.

use qoesign_algorithms::composite::{self, Variant};
use qoesign_algorithms::{
    KeyShare, PartyId, ProtocolError, SchemeError, SessionId, SignInput, sim, threshold_ecdsa,
};
use qoesign_vectors::independent;

use crate::{rng, subset, subsets};

const DOCUMENT: &[u8] = b"qoesign: a key the user's device must sign";

/// Providers 0..n and the device as party n.
fn committee(n: u16) -> (Vec<PartyId>, PartyId) {
    ((0..=n).map(PartyId).collect(), PartyId(n))
}

fn keygen(scheme: &dyn qoesign_algorithms::Scheme, t: u16, n: u16) -> Vec<KeyShare> {
    let (parties, device) = committee(n);
    let shares = sim::keygen_with_required(
        scheme,
        &parties,
        t + 1,
        Some(device),
        SessionId([0x52; 32]),
        &mut rng(),
    )
    .unwrap();
    assert!(shares.iter().all(|s| s.required() == Some(device)));
    assert!(shares.iter().all(|s| s.threshold() == t + 1));
    shares
}

fn session(i: usize) -> SessionId {
    let mut id = [0x53; 32];
    id[..8].copy_from_slice(&(i as u64).to_be_bytes());
    SessionId(id)
}

#[test]
fn the_device_and_any_t_providers_sign_threshold_ecdsa() {
    let scheme = threshold_ecdsa::scheme();
    for (t, n) in [(1, 1), (2, 3)] {
        let mut shares = keygen(scheme.as_ref(), t, n);
        let public_key = shares[0].public_key().to_vec();
        for (i, mut set) in subsets(t, n).into_iter().enumerate() {
            set.push(usize::from(n));
            let input = SignInput::message(DOCUMENT.to_vec());
            let signed = sim::sign(
                scheme.as_ref(),
                &mut subset(&mut shares, &set),
                &input,
                session(i),
                &mut rng(),
            )
            .unwrap_or_else(|e| panic!("({t},{n}) {set:?}: {e}"));
            assert_eq!(
                independent::verify("ecdsa-p256", &public_key, DOCUMENT, b"", &signed.signature),
                Some(true),
                "({t},{n}) {set:?}"
            );
        }
        all_providers_are_refused(scheme.as_ref(), &mut shares, n);
    }
}

/// Every provider together, without the device: refused before any message, because the
/// ordinary key underneath needs n + 1 indices and the providers hold n.
fn all_providers_are_refused(
    scheme: &dyn qoesign_algorithms::Scheme,
    shares: &mut [KeyShare],
    n: u16,
) {
    let providers: Vec<usize> = (0..usize::from(n)).collect();
    let err = sim::sign(
        scheme,
        &mut subset(shares, &providers),
        &SignInput::message(DOCUMENT.to_vec()),
        session(99),
        &mut rng(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("cannot sign without"), "{err}");
    // Asking a provider's share directly, as a colluding provider would, fails the same way.
    let signers: Vec<PartyId> = (0..n).map(PartyId).collect();
    let err = scheme
        .sign(
            &mut shares[0],
            &qoesign_algorithms::SignParams {
                session: session(100),
                signers,
                input: SignInput::message(DOCUMENT.to_vec()),
            },
        )
        .err()
        .unwrap();
    assert!(
        matches!(err, SchemeError::UnsupportedCommittee { .. }),
        "{err}"
    );
}

#[test]
fn the_default_shape_three_of_five_with_the_device_signs_threshold_ecdsa() {
    // 5 providers, 3 sign with the device: an ordinary 6-of-8 key, the device holding 3.
    let scheme = threshold_ecdsa::scheme();
    let mut shares = keygen(scheme.as_ref(), 3, 5);
    let public_key = shares[0].public_key().to_vec();
    for (i, set) in [[0, 1, 2, 5], [1, 3, 4, 5]].iter().enumerate() {
        let input = SignInput::message(DOCUMENT.to_vec());
        let signed = sim::sign(
            scheme.as_ref(),
            &mut subset(&mut shares, set),
            &input,
            session(10 + i),
            &mut rng(),
        )
        .unwrap();
        assert_eq!(
            independent::verify("ecdsa-p256", &public_key, DOCUMENT, b"", &signed.signature),
            Some(true),
            "{set:?}"
        );
    }
    all_providers_are_refused(scheme.as_ref(), &mut shares, 5);
}

#[test]
fn the_device_and_any_t_providers_sign_the_threshold_composite() {
    let variant = Variant::MlDsa44EcdsaP256;
    let scheme = composite::threshold(variant);
    let (t, n) = (2, 3);
    let mut shares = keygen(scheme.as_ref(), t, n);
    let public_key = shares[0].public_key().to_vec();
    let context = b"composite with the device";
    for (i, mut set) in subsets(t, n).into_iter().enumerate() {
        set.push(usize::from(n));
        let input = SignInput::with_context(DOCUMENT.to_vec(), context.to_vec());
        let signed = sim::sign(
            scheme.as_ref(),
            &mut subset(&mut shares, &set),
            &input,
            session(20 + i),
            &mut rng(),
        )
        .unwrap_or_else(|e| panic!("{set:?}: {e}"));
        assert_eq!(
            independent::verify(
                "mldsa44-ecdsa-p256",
                &public_key,
                DOCUMENT,
                context,
                &signed.signature
            ),
            Some(true),
            "{set:?}"
        );
    }
    all_providers_are_refused(scheme.as_ref(), &mut shares, n);
}

#[test]
fn keys_with_a_device_refuse_refresh_and_repair_clearly() {
    let scheme = threshold_ecdsa::scheme();
    let shares = keygen(scheme.as_ref(), 1, 1);
    let params = threshold_ecdsa::RefreshParams {
        session: session(30),
        kind: threshold_ecdsa::RefreshKind::Fast,
    };
    let err = threshold_ecdsa::refresh(&shares[0], &params).err().unwrap();
    assert!(err.to_string().contains("required holder"), "{err}");
}

/// Signs with providers 0 and 1 and the device (party 3) of a 2-of-3 key, with `tamper`
/// rewriting messages in flight, and returns the simulator's report.
fn tampered(
    shares: &mut [KeyShare],
    tag: usize,
    tamper: impl FnMut(&mut sim::Envelope) -> sim::Delivery + 'static,
) -> sim::Report<qoesign_algorithms::Signed> {
    let scheme = threshold_ecdsa::scheme();
    let params = qoesign_algorithms::SignParams {
        session: session(40 + tag),
        signers: vec![PartyId(0), PartyId(1), PartyId(3)],
        input: SignInput::message(DOCUMENT.to_vec()),
    };
    let machines = shares
        .iter_mut()
        .filter(|s| params.signers.contains(&s.party()))
        .map(|s| scheme.sign(s, &params).unwrap())
        .collect();
    sim::Simulation::new(machines)
        .intercept(tamper)
        .run(&mut rng())
}

#[test]
fn a_party_may_speak_only_for_the_indices_it_holds() {
    let mut shares = keygen(threshold_ecdsa::scheme().as_ref(), 2, 3);
    // The device holds party 3's index and 0xF001; provider 0 claims to be 0xF001.
    let report = tampered(&mut shares, 0, |env| {
        if env.from == PartyId(0) && env.to == PartyId(3) {
            env.bytes[..2].copy_from_slice(&0xF001u16.to_be_bytes());
        }
        sim::Delivery::Deliver
    });
    let error = &report.errors[&PartyId(3)];
    assert!(
        matches!(
            error,
            ProtocolError::Misbehaved {
                party: PartyId(0),
                ..
            }
        ),
        "{error}"
    );
    assert!(report.outputs.is_empty());

    // Provider 0 addresses, at provider 1, an index provider 1 does not hold.
    let report = tampered(&mut shares, 1, |env| {
        if env.from == PartyId(0) && env.to == PartyId(1) {
            env.bytes[2..4].copy_from_slice(&0xF001u16.to_be_bytes());
        }
        sim::Delivery::Deliver
    });
    let error = &report.errors[&PartyId(1)];
    assert!(
        matches!(
            error,
            ProtocolError::Misbehaved {
                party: PartyId(0),
                ..
            }
        ),
        "{error}"
    );

    // A message too short for the routing header is malformed, and blamed on its sender.
    let report = tampered(&mut shares, 2, |env| {
        if env.from == PartyId(3) && env.to == PartyId(0) {
            env.bytes.truncate(3);
        }
        sim::Delivery::Deliver
    });
    let error = &report.errors[&PartyId(0)];
    assert!(
        matches!(
            error,
            ProtocolError::Malformed {
                party: PartyId(3),
                ..
            }
        ),
        "{error}"
    );

    // Untouched, the same shares still sign: the refusals above changed nothing.
    let report = tampered(&mut shares, 3, |_| sim::Delivery::Deliver);
    let signed = report.outputs.values().next().unwrap();
    assert_eq!(
        independent::verify(
            "ecdsa-p256",
            shares[0].public_key(),
            DOCUMENT,
            b"",
            &signed.signature
        ),
        Some(true)
    );
}

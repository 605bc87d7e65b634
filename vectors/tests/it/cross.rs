//! Signatures of every built-in scheme, checked by independent implementations, for random
//! keys, messages and contexts.

use getrandom::SysRng;
use getrandom::rand_core::{Rng, UnwrapErr};
use qoesign_algorithms::{PartyId, Scheme, SessionId, SignInput, sim, single_party_schemes};
use qoesign_vectors::independent;

const ROUNDS: usize = 12;

#[test]
fn independent_verifiers_accept_every_builtin_scheme() {
    let mut rng = UnwrapErr(SysRng);
    // The FIPS 204 draft (`*-ipd`) schemes have no independent implementation to check against
    // (algorithms/tests/it/legacy.rs tests them against the final standard instead).
    for scheme in single_party_schemes()
        .into_iter()
        .filter(|s| !s.info().algorithm.id.ends_with("-ipd"))
    {
        let algorithm = scheme.info().algorithm.id;
        for round in 0..ROUNDS {
            let session = SessionId(random_bytes(&mut rng));
            let mut share = sim::keygen(scheme.as_ref(), &[PartyId(1)], 1, session, &mut rng)
                .unwrap()
                .pop()
                .unwrap();
            let message = random_vec(&mut rng, 300);
            let context = if scheme.info().algorithm.takes_context {
                random_vec(&mut rng, 256)
            } else {
                Vec::new()
            };
            let input = SignInput::with_context(message.clone(), context.clone());
            let sig = sim::sign(
                scheme.as_ref(),
                &mut [&mut share],
                &input,
                session,
                &mut rng,
            )
            .unwrap()
            .signature;
            let pk = share.public_key();
            assert_eq!(
                independent::verify(algorithm, pk, &message, &context, &sig),
                Some(true),
                "{algorithm} round {round}: independent verifier refused our signature"
            );
            assert!(scheme.verify(pk, &input, &sig).is_ok());
            assert_rejected_when_altered(scheme.as_ref(), pk, &message, &context, &sig);
        }
    }
}

#[test]
fn context_of_255_bytes_is_the_limit() {
    let mut rng = UnwrapErr(SysRng);
    for scheme in single_party_schemes()
        .into_iter()
        .filter(|s| s.info().algorithm.takes_context)
    {
        let session = SessionId([7; 32]);
        let mut share = sim::keygen(scheme.as_ref(), &[PartyId(0)], 1, session, &mut rng)
            .unwrap()
            .remove(0);
        let longest = SignInput::with_context(b"doc".to_vec(), vec![0xa5; 255]);
        let sig = sim::sign(
            scheme.as_ref(),
            &mut [&mut share],
            &longest,
            session,
            &mut rng,
        )
        .unwrap()
        .signature;
        let algorithm = scheme.info().algorithm.id;
        let verdict =
            independent::verify(algorithm, share.public_key(), b"doc", &[0xa5; 255], &sig);
        assert_eq!(verdict, Some(true));
        let too_long = SignInput::with_context(b"doc".to_vec(), vec![0xa5; 256]);
        assert!(
            sim::sign(
                scheme.as_ref(),
                &mut [&mut share],
                &too_long,
                session,
                &mut rng
            )
            .is_err()
        );
        assert!(scheme.verify(share.public_key(), &too_long, &sig).is_err());
    }
}

fn assert_rejected_when_altered(
    scheme: &dyn Scheme,
    pk: &[u8],
    message: &[u8],
    context: &[u8],
    sig: &[u8],
) {
    let algorithm = scheme.info().algorithm.id;
    let mut other_message = message.to_vec();
    other_message.push(0);
    let input = SignInput::with_context(other_message.clone(), context.to_vec());
    assert!(
        scheme.verify(pk, &input, sig).is_err(),
        "{algorithm}: altered message accepted"
    );
    let verdict = independent::verify(algorithm, pk, &other_message, context, sig);
    assert_eq!(verdict, Some(false));
    // Flip one bit near the end: for DER ECDSA this stays well-formed and changes s.
    let mut flipped = sig.to_vec();
    if let Some(last) = flipped.last_mut() {
        *last ^= 1;
    }
    let input = SignInput::with_context(message.to_vec(), context.to_vec());
    assert!(
        scheme.verify(pk, &input, &flipped).is_err(),
        "{algorithm}: flipped bit accepted"
    );
    assert_eq!(
        independent::verify(algorithm, pk, message, context, &flipped),
        Some(false)
    );
}

fn random_bytes<const N: usize>(rng: &mut impl Rng) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out
}

fn random_vec(rng: &mut impl Rng, max_len: u32) -> Vec<u8> {
    let len = rng.next_u32() % max_len;
    let mut out = vec![0u8; len as usize];
    rng.fill_bytes(&mut out);
    out
}

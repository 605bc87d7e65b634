use crate::rng;
use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::threshold_mldsa::{self, dangerous_trusted_dealer};
use qoesign_algorithms::{PartyId, SessionId, SignInput, sim};
use qoesign_vectors::independent;

#[test]
fn smoke() {
    for set in ParameterSet::ALL {
        for (t, n) in [(2u16, 3u16), (3, 5)] {
            let scheme = threshold_mldsa::scheme(set);
            let parties: Vec<PartyId> = (0..n).map(PartyId).collect();
            let mut shares =
                sim::keygen(scheme.as_ref(), &parties, t, SessionId([1; 32]), &mut rng()).unwrap();
            let _ = dangerous_trusted_dealer(set, t, &parties, &mut rng()).unwrap();
            let mut signers: Vec<_> = shares.iter_mut().take(t as usize).collect();
            let input = SignInput::with_context(b"doc".to_vec(), b"ctx".to_vec());
            let start = std::time::Instant::now();
            let signed = sim::sign(
                scheme.as_ref(),
                &mut signers,
                &input,
                SessionId([2; 32]),
                &mut rng(),
            )
            .unwrap();
            eprintln!(
                "{} ({t},{n}) attempts {} in {:?}",
                set.name(),
                signed.attempts,
                start.elapsed()
            );
            let v = independent::verify(
                scheme.info().algorithm.id,
                shares[0].public_key(),
                b"doc",
                b"ctx",
                &signed.signature,
            );
            assert_eq!(v, Some(true));
        }
    }
}

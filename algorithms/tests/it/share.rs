//! Key share encoding: round trip, refusals, and no secret in `Debug`.

use qoesign_algorithms::wire::{FORMAT_VERSION, WireError};
use qoesign_algorithms::{KeyShare, PartyId, SessionId, sim};

use crate::rng;

#[test]
fn shares_round_trip_and_refuse_damage() {
    for scheme in qoesign_algorithms::single_party_schemes() {
        let share = sim::keygen(
            scheme.as_ref(),
            &[PartyId(4)],
            1,
            SessionId([3; 32]),
            &mut rng(),
        )
        .unwrap()
        .remove(0);
        assert_eq!(share.algorithm(), scheme.info().algorithm.id);
        assert_eq!(share.scheme(), scheme.info().id);
        assert_eq!(
            share.public_key().len(),
            scheme.info().algorithm.public_key_len
        );
        let bytes = share.to_bytes().unwrap();
        assert_eq!(KeyShare::from_bytes(&bytes).unwrap(), share);

        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            let err = KeyShare::from_bytes(&bytes[..cut]).unwrap_err();
            assert!(
                matches!(err, WireError::Decode { .. }),
                "truncated at {cut}: {err}"
            );
        }
        let mut long = bytes.to_vec();
        long.extend_from_slice(&[0, 0]);
        assert_eq!(
            KeyShare::from_bytes(&long).unwrap_err(),
            WireError::TrailingBytes { count: 2 }
        );
        let mut future = bytes.to_vec();
        future[0] = u8::try_from(FORMAT_VERSION + 1).unwrap();
        assert_eq!(
            KeyShare::from_bytes(&future).unwrap_err(),
            WireError::UnknownFormat {
                found: FORMAT_VERSION + 1
            }
        );
    }
}

#[test]
fn debug_never_shows_the_secret() {
    for scheme in qoesign_algorithms::single_party_schemes() {
        let share = sim::keygen(
            scheme.as_ref(),
            &[PartyId(0)],
            1,
            SessionId([0; 32]),
            &mut rng(),
        )
        .unwrap()
        .remove(0);
        let shown = format!("{share:?}");
        let secret_hex: String = share
            .secret()
            .expose()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let secret_dec = format!("{:?}", share.secret().expose());
        assert!(
            !shown.contains(&secret_hex) && !shown.contains(&secret_dec),
            "{shown}"
        );
        assert!(shown.contains("redacted"), "{shown}");
    }
}

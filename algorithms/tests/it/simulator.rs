//! The simulator's delivery, traffic accounting and fault hooks, and the wire checks that
//! turn each fault into an error naming the culprit.

use qoesign_algorithms::sim::{Delivery, SessionError, Simulation};
use qoesign_algorithms::wire::{FORMAT_VERSION, WireError};
use qoesign_algorithms::{PartyId, ProtocolError, SessionId};

use crate::rng;
use crate::toy::{SESSION, SumParty, encode};

#[test]
fn honest_run_finishes_everyone_with_the_same_output() {
    let report = Simulation::new(SumParty::committee(4)).run(&mut rng());
    assert!(report.errors.is_empty() && report.unfinished.is_empty());
    assert_eq!(report.outputs.len(), 4);
    assert!(report.outputs.values().all(|&sum| sum == 100));
    assert_eq!(report.deliveries, 12);
    let one = report.traffic[&PartyId(1)];
    assert_eq!(one.messages, 3, "a broadcast is one copy per other party");
    assert_eq!(one.bytes, 3 * encode(PartyId(1), SESSION, 10).len());
}

#[test]
fn absent_party_leaves_the_others_waiting() {
    let report = Simulation::new(SumParty::committee(3))
        .absent(PartyId(2))
        .run(&mut rng());
    assert!(report.outputs.is_empty());
    assert!(report.errors.is_empty());
    assert_eq!(
        report.unfinished.into_iter().collect::<Vec<_>>(),
        [1, 2, 3].map(PartyId)
    );
}

#[test]
fn party_falling_silent_mid_broadcast() {
    // Party 1 reaches party 2 and crashes before its copy for party 3.
    let report = Simulation::new(SumParty::committee(3))
        .silent_after(PartyId(1), 1)
        .run(&mut rng());
    assert_eq!(report.traffic[&PartyId(1)].messages, 1);
    assert!(report.outputs.contains_key(&PartyId(2)));
    assert!(report.unfinished.contains(&PartyId(1)) && report.unfinished.contains(&PartyId(3)));
    let err = report.into_result().unwrap_err();
    assert!(matches!(err, SessionError::Unfinished { parties } if parties.len() == 2));
}

#[test]
fn garbage_is_blamed_on_its_sender() {
    let report = Simulation::new(SumParty::committee(3))
        .intercept(|env| {
            if env.from == PartyId(3) && env.to == PartyId(1) {
                env.bytes.truncate(env.bytes.len() - 2);
            }
            Delivery::Deliver
        })
        .run(&mut rng());
    let error = &report.errors[&PartyId(1)];
    assert_eq!(error.culprit(), Some(PartyId(3)));
    assert!(matches!(
        error,
        ProtocolError::Malformed {
            reason: WireError::Decode { .. },
            ..
        }
    ));
    assert!(error.to_string().contains("party 3"), "{error}");
    assert_eq!(report.outputs.len(), 2);
}

#[test]
fn replayed_message_is_refused() {
    let report = Simulation::new(SumParty::committee(2))
        .intercept(|env| {
            if env.from == PartyId(2) {
                Delivery::Duplicate
            } else {
                Delivery::Deliver
            }
        })
        .run(&mut rng());
    // Party 1 finishes on the first copy; the replay then hits a finished machine, which the
    // simulator does not deliver to. Party 2 gets party 1's single copy.
    assert_eq!(report.outputs.len(), 2);
    let report = Simulation::new(SumParty::committee(3))
        .intercept(|env| {
            if env.from == PartyId(2) && env.to == PartyId(1) {
                Delivery::Duplicate
            } else {
                Delivery::Deliver
            }
        })
        .run(&mut rng());
    let error = &report.errors[&PartyId(1)];
    assert!(
        matches!(
            error,
            ProtocolError::Replayed {
                party: PartyId(2),
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn header_checks_name_each_problem() {
    let expected = qoesign_algorithms::wire::Expected {
        algorithm: "toy",
        scheme: "toy-sum",
        session: SESSION,
    };
    let decode = |bytes: &[u8], from: u16| {
        qoesign_algorithms::wire::decode::<u32>(bytes, expected, PartyId(from)).unwrap_err()
    };
    let good = encode(PartyId(2), SESSION, 5);
    assert_eq!(
        decode(&encode(PartyId(2), SessionId([1; 32]), 5), 2),
        WireError::WrongSession {
            expected: SESSION,
            found: SessionId([1; 32])
        }
    );
    assert_eq!(
        decode(&good, 3),
        WireError::SenderMismatch {
            claimed: PartyId(2),
            actual: PartyId(3)
        }
    );
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(decode(&trailing, 2), WireError::TrailingBytes { count: 1 });
    let mut future = good.clone();
    future[0] = u8::try_from(FORMAT_VERSION + 1).unwrap();
    assert_eq!(
        decode(&future, 2),
        WireError::UnknownFormat {
            found: FORMAT_VERSION + 1
        }
    );
    assert!(matches!(decode(&[], 2), WireError::Decode { .. }));
    let other = qoesign_algorithms::wire::Expected {
        scheme: "other",
        ..expected
    };
    let err = qoesign_algorithms::wire::decode::<u32>(&good, other, PartyId(2)).unwrap_err();
    assert!(matches!(err, WireError::WrongScheme { .. }), "{err}");
}

#[test]
fn delivery_cap_stops_a_runaway_protocol() {
    let report = Simulation::new(SumParty::committee(4))
        .max_deliveries(2)
        .run(&mut rng());
    assert_eq!(report.deliveries, 2);
    assert!(report.outputs.is_empty());
    assert_eq!(report.unfinished.len(), 4);
}

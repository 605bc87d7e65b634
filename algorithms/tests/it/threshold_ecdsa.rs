//! Threshold ECDSA P-256 (DKLs23 through the `dkls23` crate): key generation, signing by every
//! or sampled t-subsets, blame for corrupted messages, persistent bans, refresh and repair.
//! Every signature is checked by `p256` and by ring.

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use qoesign_algorithms::sim::{self, Delivery, Envelope, Report, SessionError, Simulation};
use qoesign_algorithms::threshold_ecdsa::{
    self, RefreshKind, RefreshParams, RepairParams, repair_helper, repair_target,
};
use qoesign_algorithms::wire::{self, FORMAT_VERSION, Header};
use qoesign_algorithms::{
    KeyShare, Party, PartyId, ProtocolError, SchemeError, SessionId, SignInput, SignParams, Signed,
};
use qoesign_vectors::independent;
use sha2::{Digest, Sha256};

use crate::{rng, subset, subsets};

const KEYGEN: SessionId = SessionId([0x4b; 32]);
const DOCUMENT: &[u8] = b"qoesign threshold ECDSA test document";

fn parties(n: u16) -> Vec<PartyId> {
    (0..n).map(PartyId).collect()
}

/// A fresh copy of the shares of a t-of-n threshold ECDSA key.
fn key(t: u16, n: u16) -> Vec<KeyShare> {
    crate::cached_key(threshold_ecdsa::scheme().as_ref(), t, n)
}

/// Session ids that differ per call.
fn session(tag: u8, i: usize) -> SessionId {
    let mut id = [tag; 32];
    id[..8].copy_from_slice(&(i as u64).to_be_bytes());
    SessionId(id)
}

fn sign(
    shares: &mut [KeyShare],
    set: &[usize],
    input: &SignInput,
    id: SessionId,
) -> Result<Signed, SessionError> {
    let scheme = threshold_ecdsa::scheme();
    sim::sign(
        scheme.as_ref(),
        &mut subset(shares, set),
        input,
        id,
        &mut rng(),
    )
}

/// Checks a DER signature of [`DOCUMENT`] with `p256` (prehash and message paths) and ring,
/// and that it is low-s.
fn assert_verifies(pk: &[u8], der: &[u8], what: &str) {
    let key = VerifyingKey::from_sec1_bytes(pk).unwrap();
    let signature = Signature::from_der(der).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(signature.normalize_s() == signature, "{what}: high s");
    let digest: [u8; 32] = Sha256::digest(DOCUMENT).into();
    assert!(
        key.verify_prehash(&digest, &signature).is_ok(),
        "{what}: p256"
    );
    assert_eq!(
        independent::verify("ecdsa-p256", pk, DOCUMENT, b"", der),
        Some(true),
        "{what}: {}",
        independent::ECDSA_VERIFIER
    );
}

/// The message, or its SHA-256 digest (the remote-signing case), by turns.
fn input(i: usize) -> SignInput {
    if i.is_multiple_of(2) {
        SignInput::message(DOCUMENT.to_vec())
    } else {
        SignInput::Digest(Sha256::digest(DOCUMENT).to_vec())
    }
}

#[test]
fn every_three_of_five_subset_signs_what_p256_and_ring_accept() {
    let mut shares = key(3, 5);
    let pk = shares[0].public_key().to_vec();
    assert_eq!(pk.len(), 65);
    assert!(shares.iter().all(|s| s.public_key() == pk));
    assert!(shares.iter().all(|s| s.scheme() == "dkls23"));
    let sets = subsets(3, 5);
    assert_eq!(sets.len(), 10);
    for (i, set) in sets.iter().enumerate() {
        let signed = sign(&mut shares, set, &input(i), session(0x53, i))
            .unwrap_or_else(|e| panic!("signers {set:?}: {e}"));
        assert_eq!(signed.attempts, 1);
        assert_verifies(&pk, &signed.signature, &format!("3-of-5 signers {set:?}"));
    }
}

#[test]
fn two_of_three_and_four_of_six_sign_on_a_sample() {
    for (t, n, sample) in [(2, 3, 3), (4, 6, 4)] {
        let mut shares = key(t, n);
        let pk = shares[0].public_key().to_vec();
        let sets = subsets(t, n);
        // The first, the last and evenly spread ones in between.
        let step = (sets.len() - 1) / (sample - 1);
        for (i, set) in sets.iter().step_by(step.max(1)).take(sample).enumerate() {
            let signed = sign(&mut shares, set, &input(i), session(0x54, i)).unwrap();
            assert_verifies(
                &pk,
                &signed.signature,
                &format!("{t}-of-{n} signers {set:?}"),
            );
        }
    }
}

#[test]
fn wrong_committees_and_inputs_are_refused_before_any_message() {
    let scheme = threshold_ecdsa::scheme();
    for (t, n) in [(1, 3), (4, 3), (0, 2)] {
        let params = qoesign_algorithms::KeygenParams {
            session: KEYGEN,
            me: PartyId(0),
            parties: parties(n),
            threshold: t,
            required: None,
        };
        let err = scheme.keygen(&params).err().unwrap();
        assert!(
            matches!(err, SchemeError::UnsupportedCommittee { .. }),
            "{t}-of-{n}: {err}"
        );
    }
    let mut shares = key(2, 3);
    let cases = [
        (
            parties(3),
            SignInput::message(DOCUMENT.to_vec()),
            "exactly 2 signers",
        ),
        (
            parties(2),
            SignInput::with_context(DOCUMENT.to_vec(), b"ctx".to_vec()),
            "context",
        ),
        (parties(2), SignInput::Digest(vec![0; 31]), "32 bytes"),
        (parties(2), SignInput::ExternalMu([0; 64]), "external mu"),
    ];
    for (signers, input, needle) in cases {
        let params = SignParams {
            session: session(0x55, 0),
            signers,
            input,
        };
        let err = scheme.sign(&mut shares[0], &params).err().unwrap();
        assert!(err.to_string().contains(needle), "{err}");
    }
}

/// The wire header's length for messages from `from` (the round byte follows it).
fn header_len(from: PartyId, session: SessionId) -> usize {
    let header = Header {
        format: FORMAT_VERSION,
        algorithm: "ecdsa-p256".to_owned(),
        scheme: "dkls23".to_owned(),
        session,
        sender: from,
    };
    wire::encode(&header, &()).unwrap().len()
}

/// Runs signers {0, 1, 2} of the 3-of-5 key, handing each message and its round to `tamper`.
fn tampered_signing(
    shares: &mut [KeyShare],
    id: SessionId,
    mut tamper: impl FnMut(&mut Envelope, u8) -> Delivery + 'static,
) -> Report<Signed> {
    let scheme = threshold_ecdsa::scheme();
    let params = SignParams {
        session: id,
        signers: parties(3),
        input: SignInput::message(DOCUMENT.to_vec()),
    };
    let machines: Vec<Box<dyn Party<Output = Signed>>> = shares
        .iter_mut()
        .take(3)
        .map(|s| scheme.sign(s, &params).unwrap())
        .collect();
    let report = Simulation::new(machines)
        .intercept(move |env| {
            let round = env.bytes[header_len(env.from, id)];
            tamper(env, round)
        })
        .run(&mut rng());
    sim::record_aborts(&mut subset(shares, &[0, 1, 2]), &report);
    report
}

/// Flips one bit in the middle of a message's payload.
fn flip_middle(env: &mut Envelope) {
    let at = env.bytes.len() / 2 + 7;
    env.bytes[at] ^= 0x10;
}

#[test]
fn a_corrupted_message_aborts_naming_its_sender() {
    let mut shares = key(3, 5);
    // Round 0 and 1 carry the pairwise multiplications: corrupted OT data is cheating that
    // requires a ban; a garbled encoding is a malformed message.
    type Case = (u8, fn(&mut Envelope), fn(&ProtocolError) -> bool);
    let cases: [Case; 3] = [
        (0, flip_middle, |e| {
            matches!(e, ProtocolError::MustBan { .. })
        }),
        (1, flip_middle, |e| {
            matches!(
                e,
                ProtocolError::MustBan { .. } | ProtocolError::Misbehaved { .. }
            )
        }),
        (
            1,
            |env| env.bytes.truncate(env.bytes.len() - 3),
            |e| matches!(e, ProtocolError::Malformed { .. }),
        ),
    ];
    for (i, (round, damage, expected)) in cases.into_iter().enumerate() {
        let report = tampered_signing(&mut shares, session(0x56, i), move |env, r| {
            if r == round && env.from == PartyId(1) && env.to == PartyId(0) {
                damage(env);
            }
            Delivery::Deliver
        });
        let error = &report.errors[&PartyId(0)];
        assert_eq!(error.culprit(), Some(PartyId(1)), "round {round}: {error}");
        assert!(expected(error), "round {round}: {error}");
        assert!(report.outputs.is_empty(), "round {round}: no signature");
        // Start over for the next case: the bans of this one are not under test here.
        shares = key(3, 5);
    }
    // Round 2 is the broadcast of (w_i, u_i): a wrong value spoils the combined signature,
    // which no one releases, and the protocol cannot say whose value it was.
    let report = tampered_signing(&mut shares, session(0x56, 9), |env, r| {
        if r == 2 && env.from == PartyId(1) && env.to == PartyId(0) {
            let end = env.bytes.len() - 1;
            env.bytes[end] ^= 0x01;
        }
        Delivery::Deliver
    });
    let error = &report.errors[&PartyId(0)];
    assert!(matches!(error, ProtocolError::SelfCheckFailed), "{error}");
    assert!(!report.outputs.contains_key(&PartyId(0)));
}

#[test]
fn a_party_that_fails_an_ot_check_is_banned_for_good() {
    let mut shares = key(3, 5);
    let report = tampered_signing(&mut shares, session(0x57, 0), |env, round| {
        if round == 0 && env.from == PartyId(2) && env.to == PartyId(0) {
            flip_middle(env);
        }
        Delivery::Deliver
    });
    assert_eq!(report.errors[&PartyId(0)].ban(), Some(PartyId(2)));
    assert_eq!(shares[0].banned(), [PartyId(2)]);
    assert!(
        shares[1].banned().is_empty(),
        "only the detecting party bans"
    );

    // The ban survives storage, and every later session with party 2 is refused by party 0.
    let mut stored = KeyShare::from_bytes(&shares[0].to_bytes().unwrap()).unwrap();
    assert_eq!(stored.banned(), [PartyId(2)]);
    let scheme = threshold_ecdsa::scheme();
    for signers in [[0, 1, 2], [0, 2, 4]] {
        let params = SignParams {
            session: session(0x57, 1),
            signers: signers.map(PartyId).to_vec(),
            input: SignInput::message(DOCUMENT.to_vec()),
        };
        let err = scheme.sign(&mut stored, &params).err().unwrap();
        assert!(
            matches!(
                err,
                SchemeError::Banned {
                    party: PartyId(2),
                    ..
                }
            ),
            "{err}"
        );
    }
    let refresh = RefreshParams {
        session: session(0x57, 2),
        kind: RefreshKind::Fast,
    };
    assert!(matches!(
        threshold_ecdsa::refresh(&stored, &refresh).err().unwrap(),
        SchemeError::Banned { .. }
    ));
    // Without party 2, party 0 still signs.
    shares[0] = stored;
    let pk = shares[0].public_key().to_vec();
    let signed = sign(&mut shares, &[0, 1, 3], &input(0), session(0x57, 3)).unwrap();
    assert_verifies(&pk, &signed.signature, "after the ban");
}

/// Runs a refresh of every share and returns the new shares.
fn refreshed(shares: &[KeyShare], kind: RefreshKind, id: SessionId) -> Vec<KeyShare> {
    let params = RefreshParams { session: id, kind };
    let machines: Vec<_> = shares
        .iter()
        .map(|s| threshold_ecdsa::refresh(s, &params).unwrap())
        .collect();
    let new: Vec<KeyShare> = Simulation::new(machines)
        .concurrent()
        .run(&mut rng())
        .into_result()
        .unwrap()
        .into_values()
        .collect();
    assert_eq!(new.len(), shares.len());
    new
}

#[test]
fn a_refreshed_key_keeps_its_public_key_and_old_shares_no_longer_fit() {
    for (i, kind) in [RefreshKind::Fast, RefreshKind::Complete]
        .into_iter()
        .enumerate()
    {
        let old = key(2, 3);
        let pk = old[0].public_key().to_vec();
        let mut new = refreshed(&old, kind, session(0x58, i));
        assert!(
            new.iter().all(|s| s.public_key() == pk),
            "{kind:?}: same key"
        );
        for (a, b) in old.iter().zip(&new) {
            assert!(a.secret() != b.secret(), "{kind:?}: the secret changed");
        }
        let signed = sign(&mut new, &[0, 2], &input(i), session(0x59, i)).unwrap();
        assert_verifies(&pk, &signed.signature, &format!("after a {kind:?} refresh"));
        // An old share among new ones: no signature comes out.
        let mut mixed = vec![
            KeyShare::from_bytes(&old[0].to_bytes().unwrap()).unwrap(),
            KeyShare::from_bytes(&new[1].to_bytes().unwrap()).unwrap(),
        ];
        let err = sign(&mut mixed, &[0, 1], &input(0), session(0x5a, i)).err();
        assert!(
            err.is_some(),
            "{kind:?}: an old share must not sign with new ones"
        );
    }
}

#[test]
fn a_repaired_share_signs_after_a_complete_refresh() {
    let shares = key(3, 5);
    let pk = shares[0].public_key().to_vec();
    let lost = PartyId(3);
    let params = RepairParams {
        session: session(0x5b, 0),
        helpers: [0, 1, 4].map(PartyId).to_vec(),
        target: lost,
    };
    let mut machines: Vec<Box<dyn Party<Output = Option<KeyShare>>>> = Vec::new();
    for s in shares
        .iter()
        .filter(|s| params.helpers.contains(&s.party()))
    {
        machines.push(Box::new(Mapped(repair_helper(s, &params).unwrap(), |()| {
            None
        })));
    }
    let target = repair_target(&params, &parties(5), 3, &pk).unwrap();
    machines.push(Box::new(Mapped(target, Some)));
    let mut outputs = Simulation::new(machines)
        .run(&mut rng())
        .into_result()
        .unwrap();
    let repaired = outputs.remove(&lost).flatten().unwrap();
    assert_eq!(repaired.public_key(), pk);
    assert_eq!(repaired.party(), lost);

    // The rebuilt share has no pairwise state yet: it cannot sign.
    let mut all: Vec<KeyShare> = shares.into_iter().filter(|s| s.party() != lost).collect();
    all.insert(3, repaired);
    let err = sign(&mut all, &[0, 3, 4], &input(0), session(0x5c, 0)).unwrap_err();
    assert!(err.to_string().contains("complete refresh"), "{err}");
    // A fast refresh cannot help it; a complete refresh of all five does.
    let fast = RefreshParams {
        session: session(0x5d, 0),
        kind: RefreshKind::Fast,
    };
    assert!(threshold_ecdsa::refresh(&all[3], &fast).is_err());
    let mut all = refreshed(&all, RefreshKind::Complete, session(0x5e, 0));
    let signed = sign(&mut all, &[0, 3, 4], &input(1), session(0x5f, 0)).unwrap();
    assert_verifies(&pk, &signed.signature, "with the repaired share");
}

#[test]
fn a_repair_with_a_wrong_helper_term_yields_no_share() {
    let shares = key(2, 3);
    let pk = shares[0].public_key().to_vec();
    let params = RepairParams {
        session: session(0x60, 0),
        helpers: vec![PartyId(0), PartyId(1)],
        target: PartyId(2),
    };
    // A helper set below the threshold, the target helping itself: refused at once.
    let short = RepairParams {
        helpers: vec![PartyId(0)],
        ..params.clone()
    };
    assert!(repair_helper(&shares[0], &short).is_err());
    let own = RepairParams {
        helpers: vec![PartyId(0), PartyId(2)],
        ..params.clone()
    };
    assert!(repair_target(&own, &parties(3), 2, &pk).is_err());

    let mut machines: Vec<Box<dyn Party<Output = Option<KeyShare>>>> = Vec::new();
    for s in &shares[..2] {
        machines.push(Box::new(Mapped(repair_helper(s, &params).unwrap(), |()| {
            None
        })));
    }
    machines.push(Box::new(Mapped(
        repair_target(&params, &parties(3), 2, &pk).unwrap(),
        Some,
    )));
    // The term (a scalar) follows the helper and target indices at the start of the payload;
    // flipping its lowest bit keeps the message well-formed, so only the sum check can tell.
    let id = params.session;
    let report = Simulation::new(machines)
        .intercept(move |env| {
            if env.from == PartyId(1) {
                let at = payload_start(env, id) + 2 + 31;
                env.bytes[at] ^= 0x01;
            }
            Delivery::Deliver
        })
        .run(&mut rng());
    let error = &report.errors[&PartyId(2)];
    assert!(
        matches!(error, ProtocolError::Unattributable(reason) if reason.contains("do not fit")),
        "{error}"
    );
    assert!(report.outputs.get(&PartyId(2)).is_none_or(Option::is_none));
}

/// Where a message's payload starts: after the header, the round byte and the payload's
/// length (a postcard varint).
fn payload_start(env: &Envelope, id: SessionId) -> usize {
    let before = header_len(env.from, id) + 1;
    let varint = (1..=4)
        .find(|&v| {
            let len = env.bytes.len() - before - v;
            len < 1 << (7 * v) && (v == 1 || len >= 1 << (7 * (v - 1)))
        })
        .unwrap();
    before + varint
}

#[test]
fn shares_are_compact_versioned_binary_that_never_shows_its_secret() {
    for (t, n) in [(2, 3), (3, 5), (4, 6)] {
        let shares = key(t, n);
        let bytes = shares[0].to_bytes().unwrap();
        // Dominated by the pairwise OT state, about 52 kB per peer (two directions, each with
        // its OT seeds and public gadget vector); postcard, not JSON.
        println!("{t}-of-{n} key share: {} bytes", bytes.len());
        let peers = usize::from(n) - 1;
        assert!(
            bytes.len() < 56_000 * peers + 2_000,
            "{} bytes",
            bytes.len()
        );
        assert!(
            bytes.len() > 50_000 * peers,
            "{} bytes: OT state missing?",
            bytes.len()
        );
        let back = KeyShare::from_bytes(&bytes).unwrap();
        assert!(back == shares[0]);
        for cut in [1, bytes.len() / 2, bytes.len() - 1] {
            assert!(KeyShare::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let shown = format!("{:?}", shares[0]);
        assert!(shown.contains("redacted"), "{shown}");
        assert!(shown.len() < 1_000);
    }
    // The record names the library that made it; another library's (or version's) record is
    // refused with a reason, not misread.
    assert_eq!(threshold_ecdsa::IMPLEMENTATION, "dkls23 0.6.2");
    let share = &key(2, 3)[0];
    let mut forged = share.secret().expose().to_vec();
    let at = forged
        .windows(12)
        .position(|w| w == b"dkls23 0.6.2")
        .unwrap();
    forged[at + 11] = b'3';
    let forged = share.with_secret(qoesign_algorithms::SecretBytes::new(forged));
    let mut forged = forged;
    let params = SignParams {
        session: session(0x61, 0),
        signers: parties(2),
        input: SignInput::message(DOCUMENT.to_vec()),
    };
    let err = threshold_ecdsa::scheme()
        .sign(&mut forged, &params)
        .err()
        .unwrap();
    assert!(err.to_string().contains("dkls23 0.6.3"), "{err}");
}

/// Party `me` of a 2-of-3 key generation in `session`.
fn dkg_party(me: u16, session: SessionId) -> Box<dyn Party<Output = KeyShare>> {
    threshold_ecdsa::scheme()
        .keygen(&qoesign_algorithms::KeygenParams {
            session,
            me: PartyId(me),
            parties: parties(3),
            threshold: 2,
            required: None,
        })
        .unwrap()
}

#[test]
fn dkg_garbage_and_strangers_are_refused_by_name() {
    let machines: Vec<_> = (0..3).map(|me| dkg_party(me, KEYGEN)).collect();
    let report = Simulation::new(machines)
        .intercept(|env| {
            if env.from == PartyId(2) && env.to == PartyId(1) {
                let end = env.bytes.len();
                env.bytes.truncate(end - 1);
            }
            Delivery::Deliver
        })
        .run(&mut rng());
    let error = &report.errors[&PartyId(1)];
    assert!(
        matches!(
            error,
            ProtocolError::Malformed {
                party: PartyId(2),
                ..
            }
        ),
        "{error}"
    );
    assert!(report.outputs.is_empty());

    // A stranger, a replay, a message of another session: each aborts the receiving party,
    // which stays aborted.
    let first_message = |session: SessionId| {
        let qoesign_algorithms::Progress::Continue(out) =
            dkg_party(1, session).start(&mut rng()).unwrap()
        else {
            panic!("the DKG does not finish at once");
        };
        out.into_iter()
            .find(|o| o.to == qoesign_algorithms::Recipient::One(PartyId(0)))
            .unwrap()
            .bytes
    };
    let to_zero = first_message(KEYGEN);
    let started = || {
        let mut machine = dkg_party(0, KEYGEN);
        machine.start(&mut rng()).unwrap();
        machine
    };
    let mut stranger = started();
    let err = stranger
        .receive(PartyId(7), &to_zero, &mut rng())
        .unwrap_err();
    assert!(
        matches!(err, ProtocolError::UnknownSender { party: PartyId(7) }),
        "{err}"
    );
    let err = stranger
        .receive(PartyId(1), &to_zero, &mut rng())
        .unwrap_err();
    assert!(
        matches!(err, ProtocolError::Misuse(_)),
        "aborted for good: {err}"
    );

    let mut replayed = started();
    replayed.receive(PartyId(1), &to_zero, &mut rng()).unwrap();
    let err = replayed
        .receive(PartyId(1), &to_zero, &mut rng())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProtocolError::Replayed {
                party: PartyId(1),
                ..
            }
        ),
        "{err}"
    );

    let mut foreign = started();
    let other = first_message(SessionId([0x99; 32]));
    let err = foreign.receive(PartyId(1), &other, &mut rng()).unwrap_err();
    assert!(
        matches!(
            err,
            ProtocolError::Malformed {
                party: PartyId(1),
                ..
            }
        ),
        "{err}"
    );
}

/// A party whose output is mapped, so helpers and the target run in one simulation.
struct Mapped<O, P>(Box<dyn Party<Output = O>>, fn(O) -> P);

impl<O, P> Party for Mapped<O, P> {
    type Output = P;

    fn id(&self) -> PartyId {
        self.0.id()
    }

    fn start(
        &mut self,
        rng: &mut dyn qoesign_algorithms::CryptoRng,
    ) -> Result<qoesign_algorithms::Progress<P>, ProtocolError> {
        self.0.start(rng).map(|p| map(p, self.1))
    }

    fn receive(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        rng: &mut dyn qoesign_algorithms::CryptoRng,
    ) -> Result<qoesign_algorithms::Progress<P>, ProtocolError> {
        self.0.receive(from, bytes, rng).map(|p| map(p, self.1))
    }
}

fn map<O, P>(
    progress: qoesign_algorithms::Progress<O>,
    f: fn(O) -> P,
) -> qoesign_algorithms::Progress<P> {
    match progress {
        qoesign_algorithms::Progress::Continue(out) => qoesign_algorithms::Progress::Continue(out),
        qoesign_algorithms::Progress::Done { outgoing, output } => {
            qoesign_algorithms::Progress::Done {
                outgoing,
                output: f(output),
            }
        }
    }
}

#[test]
fn a_dkg_party_telling_peers_different_commitments_yields_no_key() {
    // Party 2 sends party 0 another chain-code commitment than it sends party 1. Round 1 is
    // [proof commitment, chain-code commitment (index, 32 bytes), zero-share commitment
    // (2 index bytes, 32 bytes)], so the chain-code commitment ends 34 bytes before the end.
    let machines: Vec<_> = (0..3).map(|me| dkg_party(me, KEYGEN)).collect();
    let report = Simulation::new(machines)
        .intercept(|env| {
            let round = env.bytes[header_len(env.from, KEYGEN)];
            if round == 1 && env.from == PartyId(2) && env.to == PartyId(0) {
                let at = env.bytes.len() - 34 - 1;
                env.bytes[at] ^= 0x01;
            }
            Delivery::Deliver
        })
        .run(&mut rng());
    assert!(report.outputs.is_empty(), "no party may output a key");
    for party in [PartyId(0), PartyId(1)] {
        let error = &report.errors[&party];
        assert!(
            matches!(error, ProtocolError::Unattributable(reason) if reason.contains("different")),
            "{party}: {error}"
        );
    }
}

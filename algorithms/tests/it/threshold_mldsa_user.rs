//! Threshold ML-DSA with a required party ("the user and t of n providers"): key generation and
//! signing at every level, each signature checked by RustCrypto `ml-dsa` and the `fips204`
//! crate; that all n providers together cannot sign; attempt statistics and message sizes of
//! the derived rows; the parameter derivation against the paper's published rows; refusals.

use qoesign_algorithms::mldsa::ParameterSet;
use qoesign_algorithms::sim::{Delivery, SessionError, Simulation};
use qoesign_algorithms::threshold_mldsa::{
    self, MAX_ATTEMPTS, MessageSizes, ThresholdParams, dangerous_trusted_dealer_with_required,
    derivation, held_subsets,
};
use qoesign_algorithms::{
    KeyShare, KeygenParams, PartyId, ProtocolError, Scheme, SchemeError, SecretBytes, SessionId,
    SignInput, SignParams, Signed, sim, single,
};
use qoesign_vectors::independent;

use crate::rng;

const KEYGEN: SessionId = SessionId([0x75; 32]);
const SIGN: SessionId = SessionId([0x76; 32]);
const DOCUMENT: &[u8] = b"qoesign user-and-t-of-n test document";

/// The user's id: below the providers', to show that the ordering puts it last anyway.
const USER: PartyId = PartyId(3);

fn providers(n: u8) -> Vec<PartyId> {
    (0..u16::from(n)).map(|i| PartyId(10 + i)).collect()
}

/// Providers then the user, as the engine lists them.
fn committee(n: u8) -> Vec<PartyId> {
    let mut all = providers(n);
    all.push(USER);
    all
}

fn keygen_params(me: PartyId, n: u8, t: u8, required: Option<PartyId>) -> KeygenParams {
    KeygenParams {
        session: KEYGEN,
        me,
        parties: committee(n),
        threshold: u16::from(t) + 1,
        required,
    }
}

/// The DKG of "user and t of n": shares in committee order (providers, then the user).
fn user_dkg(set: ParameterSet, t: u8, n: u8) -> Vec<KeyShare> {
    let scheme = threshold_mldsa::scheme(set);
    let machines = committee(n)
        .into_iter()
        .map(|me| scheme.keygen(&keygen_params(me, n, t, Some(USER))).unwrap())
        .collect();
    let mut outputs = Simulation::new(machines)
        .concurrent()
        .run(&mut rng())
        .into_result()
        .unwrap();
    let shares: Vec<KeyShare> = committee(n)
        .iter()
        .map(|p| outputs.remove(p).unwrap())
        .collect();
    assert!(
        shares
            .iter()
            .all(|s| s.public_key() == shares[0].public_key())
    );
    assert!(shares.iter().all(|s| s.required() == Some(USER)));
    shares
}

/// A copy of a share, through its encoding.
fn copy(share: &KeyShare) -> KeyShare {
    KeyShare::from_bytes(&share.to_bytes().unwrap()).unwrap()
}

fn dealer(set: ParameterSet, t: u8, n: u8) -> Vec<KeyShare> {
    // In index order, which is committee order: the providers sorted, the user last.
    dangerous_trusted_dealer_with_required(
        set,
        u16::from(t) + 1,
        &committee(n),
        Some(USER),
        &mut rng(),
    )
    .unwrap()
}

/// Signs with the user and the providers at positions `chosen`.
fn sign(
    scheme: &dyn Scheme,
    shares: &mut [KeyShare],
    chosen: &[usize],
    input: &SignInput,
) -> Result<Signed, SessionError> {
    let n = shares.len() - 1;
    let mut set: Vec<&mut KeyShare> = shares
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| chosen.contains(i) || *i == n)
        .map(|(_, s)| s)
        .collect();
    sim::sign(scheme, &mut set, input, SIGN, &mut rng())
}

/// Like a coordinator: a session without a signature after [`MAX_ATTEMPTS`] attempts is run
/// once more under a fresh session.
fn sign_retrying(
    scheme: &dyn Scheme,
    shares: &mut [KeyShare],
    chosen: &[usize],
    input: &SignInput,
) -> Signed {
    match sign(scheme, shares, chosen, input) {
        Err(SessionError::Aborted {
            error: ProtocolError::NoSignature { .. },
            ..
        }) => sign(scheme, shares, chosen, input).unwrap(),
        other => other.unwrap(),
    }
}

/// Both independent FIPS 204 verifiers (RustCrypto `ml-dsa`, `fips204`) accept `signature`.
fn assert_verifies(set: ParameterSet, pk: &[u8], context: &[u8], signature: &[u8], what: &str) {
    let algorithm = threshold_mldsa::scheme(set).info().algorithm.id;
    let rust_crypto = independent::verify(algorithm, pk, DOCUMENT, context, signature);
    let input = SignInput::with_context(DOCUMENT.to_vec(), context.to_vec());
    let fips204 = single::ml_dsa(set).verify(pk, &input, signature);
    assert!(
        rust_crypto == Some(true) && fips204.is_ok(),
        "{what}: RustCrypto ml-dsa {rust_crypto:?}, fips204 {fips204:?}"
    );
}

/// The derived row of "user and t of n".
fn row(set: ParameterSet, t: u8, n: u8) -> &'static ThresholdParams {
    let (signers, holders) = (usize::from(t) + 1, usize::from(n) + 1);
    ThresholdParams::lookup_with_required(set, signers, holders, true).unwrap()
}

/// Every t-subset of the n providers' positions.
fn provider_sets(t: u8, n: u8) -> Vec<Vec<usize>> {
    crate::subsets(u16::from(t), u16::from(n))
}

#[test]
fn the_user_and_any_t_providers_sign_what_independent_verifiers_accept() {
    // (3, 5) at ML-DSA-65 is the engine's default; (1, 1) is the (2, 2) case, (1, 3) the
    // "user and any one provider" one, (2, 2) needs every party.
    let configs = [
        (ParameterSet::MlDsa44, 1, 3),
        (ParameterSet::MlDsa44, 2, 4),
        (ParameterSet::MlDsa65, 3, 5),
        (ParameterSet::MlDsa65, 1, 1),
        (ParameterSet::MlDsa87, 2, 2),
        (ParameterSet::MlDsa87, 2, 3),
    ];
    for (set, t, n) in configs {
        let scheme = threshold_mldsa::scheme(set);
        let mut shares = user_dkg(set, t, n);
        let pk = shares[0].public_key().to_vec();
        let tp = row(set, t, n);
        // The user holds exactly its own secret; each provider those of the t-of-n sharing.
        assert_eq!(held_subsets(&shares[usize::from(n)]).unwrap(), vec![1 << n]);
        let sets = provider_sets(t, n);
        // Every provider set at the small configurations, three of the ten at (3, 5).
        let picked: Vec<&Vec<usize>> = sets.iter().step_by(if n == 5 { 4 } else { 1 }).collect();
        for (i, chosen) in picked.into_iter().enumerate() {
            let context: &[u8] = if i % 2 == 0 { b"" } else { b"user ctx" };
            let input = SignInput::with_context(DOCUMENT.to_vec(), context.to_vec());
            let signed = sign_retrying(scheme.as_ref(), &mut shares, chosen, &input);
            let what = format!("{} user + ({t},{n}) providers {chosen:?}", set.name());
            assert_verifies(set, &pk, context, &signed.signature, &what);
            assert!((1..=MAX_ATTEMPTS).contains(&signed.attempts));
        }
        // The budget counts the required party among the N + 1 holders.
        assert_eq!(
            shares[0].budget().unwrap().cap(),
            tp.responses_per_party(),
            "{}",
            set.name()
        );
    }
}

#[test]
fn all_providers_together_cannot_sign() {
    let set = ParameterSet::MlDsa44;
    let (t, n) = (2u8, 3u8);
    let scheme = threshold_mldsa::scheme(set);
    let mut shares = dealer(set, t, n);
    let input = SignInput::message(DOCUMENT.to_vec());
    // 1. The scheme refuses a session of every provider without the user, naming the user.
    let mut all: Vec<&mut KeyShare> = shares.iter_mut().take(usize::from(n)).collect();
    let err = sim::sign(scheme.as_ref(), &mut all, &input, SIGN, &mut rng()).unwrap_err();
    assert!(
        matches!(&err, SessionError::Setup(SchemeError::UnsupportedCommittee { reason, .. })
            if reason.contains(&USER.to_string())),
        "{err}"
    );
    // 2. Together the providers hold every subset secret but the user's.
    let known: std::collections::BTreeSet<u8> = shares[..usize::from(n)]
        .iter()
        .flat_map(|s| held_subsets(s).unwrap())
        .collect();
    let user_subset = 1u8 << n;
    assert!(!known.contains(&user_subset));
    assert_eq!(
        held_subsets(&shares[usize::from(n)]).unwrap(),
        vec![user_subset]
    );
    // 3. Computationally: the providers run the protocol with a stand-in user whose secret is
    // another key's user secret (the best a coalition of providers can do is guess s_U). Every
    // attempt's Combine fails: no signature, whatever they try.
    let other = dealer(set, t, n);
    let stand_in = KeyShare::new(
        scheme.info(),
        USER,
        shares[usize::from(n)].parties().to_vec(),
        u16::from(t) + 1,
        shares[0].public_key().to_vec(),
        SecretBytes::new(other[usize::from(n)].secret().expose().to_vec()),
    )
    .with_required(USER);
    let mut forged: Vec<KeyShare> = shares[..usize::from(n)].iter().map(copy).collect();
    forged.push(stand_in);
    let err = sign(scheme.as_ref(), &mut forged, &[0, 2], &input).unwrap_err();
    assert!(
        matches!(
            err,
            SessionError::Aborted {
                error: ProtocolError::NoSignature {
                    attempts: MAX_ATTEMPTS
                },
                ..
            }
        ),
        "{err}"
    );
    // The same providers with the real user sign at once.
    let signed = sign(scheme.as_ref(), &mut shares, &[0, 2], &input).unwrap();
    assert_verifies(
        set,
        forged[0].public_key(),
        b"",
        &signed.signature,
        "the real user",
    );
}

#[test]
fn attempt_statistics_agree_with_the_derived_success_rates() {
    // Rows with small K, dealer keys, a random provider set per signature, checked as the
    // published rows are (`assert_attempt_rate`).
    const KEYS: usize = 3;
    for (set, t, n, per_key) in [
        (ParameterSet::MlDsa44, 1u8, 2u8, 80usize),
        (ParameterSet::MlDsa44, 2, 3, 60),
        (ParameterSet::MlDsa87, 1, 3, 60),
    ] {
        let tp = row(set, t, n);
        let scheme = threshold_mldsa::scheme(set);
        let sets = provider_sets(t, n);
        let mut attempts = 0u32;
        for _ in 0..KEYS {
            let mut shares = dealer(set, t, n);
            for i in 0..per_key {
                let input = SignInput::message(format!("document {i}").into_bytes());
                let chosen = &sets[i % sets.len()];
                attempts += sign(scheme.as_ref(), &mut shares, chosen, &input)
                    .unwrap()
                    .attempts;
            }
        }
        let what = format!("{} user + ({t},{n})", set.name());
        crate::assert_attempt_rate(tp, KEYS * per_key, attempts, &what);
    }
}

#[test]
fn message_sizes_are_32_plus_k_times_w_and_z() {
    for tp in ThresholdParams::all_with_required() {
        let mldsa_w = [2944, 4416, 5888][level(tp.set)];
        let mldsa_z = [2304, 3200, 4480][level(tp.set)];
        let sizes = MessageSizes::of(tp);
        assert_eq!(sizes.commit, [32, 48, 64][level(tp.set)]);
        assert_eq!(sizes.reveal, tp.slots * mldsa_w);
        assert_eq!(sizes.respond, tp.slots * mldsa_z + tp.slots.div_ceil(8));
        let counted = 32 + tp.slots * (mldsa_w + mldsa_z);
        let ours = sizes.total() - (sizes.commit - 32) - tp.slots.div_ceil(8);
        assert_eq!(ours, counted, "{tp:?}");
        assert!(
            (counted as f64 / 1000.0 - tp.paper_kb).abs() <= 0.05 + 1e-9,
            "{tp:?}"
        );
    }
    // What travels in a live session: each message is its payload plus a small header.
    let set = ParameterSet::MlDsa44;
    let sizes = MessageSizes::of(row(set, 1, 2));
    let scheme = threshold_mldsa::scheme(set);
    let mut shares = dealer(set, 1, 2);
    let params = SignParams {
        session: SIGN,
        signers: vec![providers(2)[1], USER],
        input: SignInput::message(DOCUMENT.to_vec()),
    };
    let machines = shares
        .iter_mut()
        .skip(1)
        .map(|s| scheme.sign(s, &params).unwrap())
        .collect();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let log = std::rc::Rc::clone(&seen);
    let report = Simulation::new(machines)
        .intercept(move |env| {
            if env.from == USER {
                log.borrow_mut().push(env.bytes.len());
            }
            Delivery::Deliver
        })
        .run(&mut rng());
    assert_eq!(report.outputs.len(), 2);
    for (i, &len) in seen.borrow().iter().enumerate() {
        let payload = [sizes.commit, sizes.reveal, sizes.respond][i % 3];
        assert!(
            (payload..payload + 200).contains(&len),
            "message {i}: {len} bytes for a {payload}-byte payload"
        );
    }
}

/// A radius truncated to an integer, as the published tables print them.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "radii are positive and below 2^21"
)]
fn truncated(radius: f64) -> u32 {
    radius as u32
}

fn level(set: ParameterSet) -> usize {
    match set {
        ParameterSet::MlDsa44 => 0,
        ParameterSet::MlDsa65 => 1,
        ParameterSet::MlDsa87 => 2,
    }
}

#[test]
fn the_derivation_reproduces_the_papers_rows() {
    // Digest D5: the authors' script gives these for the three rows whose printed radii it does
    // not reproduce.
    let script = [
        (ParameterSet::MlDsa44, 2, 4, 310_060, 310_138),
        (ParameterSet::MlDsa44, 4, 5, 253_901, 253_998),
        (ParameterSet::MlDsa44, 5, 5, 234_814, 234_870),
    ];
    let mut reproduced = 0;
    for tp in ThresholdParams::all() {
        let (t, n) = (tp.threshold, tp.parties);
        // D5: ML-DSA-87 (2,3) was computed with nu = 8.
        let nu = if tp.set == ParameterSet::MlDsa87 && (t, n) == (2, 3) {
            8
        } else {
            tp.nu
        };
        let bound = derivation::design_bound(tp.set, nu, tp.max_load);
        let e = derivation::inferred_target(tp.set, t, tp.r, tp.r_prime);
        let slack = derivation::design_slack(tp.set);
        let (r, rp) = derivation::radii(tp.set, bound, slack, t, (-e).exp2());
        let got = (truncated(r), truncated(rp));
        if got == (tp.r, tp.r_prime) {
            reproduced += 1;
        } else {
            let &(.., sr, srp) = script
                .iter()
                .find(|s| (s.0, s.1, s.2) == (tp.set, t, n))
                .unwrap_or_else(|| panic!("{} ({t},{n}): {got:?}", tp.set.name()));
            assert!(
                got.0.abs_diff(sr) <= 1 && got.1.abs_diff(srp) <= 1,
                "{got:?}"
            );
        }
        // Every row's own slack lies near the design slack, and its budget is the table's.
        let bound = derivation::design_bound(tp.set, tp.nu, tp.max_load);
        let phi = derivation::row_slack(tp.r, tp.r_prime, bound);
        assert!((phi - slack).abs() < 0.2, "{tp:?}: phi_row {phi}");
        let budget = derivation::log2_budget(tp.set, phi, tp.slots);
        assert!((budget - tp.log2_budget).abs() <= 0.051, "{tp:?}: {budget}");
    }
    assert_eq!(reproduced, 42);
}

#[test]
fn derived_rows_follow_from_their_recorded_inputs() {
    assert_eq!(ThresholdParams::all_with_required().count(), 45);
    for tp in ThresholdParams::all_with_required() {
        let d = tp.derivation.unwrap();
        let (t, n) = (tp.threshold - 1, tp.parties - 1);
        let structure = tp.structure();
        assert_eq!(tp.max_load, structure.max_load());
        let bound = derivation::design_bound(tp.set, tp.nu, tp.max_load);
        assert!((bound - d.bound).abs() < 0.06, "{tp:?}");
        assert_eq!(d.slack, derivation::design_slack(tp.set));
        let p = (-d.target).exp2();
        let (r, rp) = derivation::radii(tp.set, bound, d.slack, tp.threshold, p);
        assert_eq!((truncated(r), truncated(rp)), (tp.r, tp.r_prime), "{tp:?}");
        // K from the recorded p_glob (rounded to three places, so allow one either way).
        let k = derivation::slots_for(p, d.combine_pass);
        assert!(k.abs_diff(tp.slots) <= 1, "{tp:?}: K {k}");
        let phi = derivation::row_slack(tp.r, tp.r_prime, bound);
        let budget = derivation::log2_budget(tp.set, phi, tp.slots);
        assert!((budget - tp.log2_budget).abs() <= 0.051, "{tp:?}");
        // The per-party acceptance is (r / r')^D = p^(1 / T), up to the truncation of the radii
        // (at most D / r relative, below 2 %).
        let accept = tp.party_acceptance();
        let want = p.powf(1.0 / f64::from(tp.threshold));
        assert!((accept / want - 1.0).abs() < 0.02, "{tp:?}");
        assert!(
            tp.attempt_success > 0.4,
            "{} user + ({t},{n})",
            tp.set.name()
        );
        assert!(tp.required && tp.r < tp.r_prime);
    }
    // The lookup names every supported shape and refuses the others.
    for (t, n) in [(0usize, 3usize), (6, 6), (2, 1)] {
        let err = ThresholdParams::lookup_with_required(ParameterSet::MlDsa65, t + 1, n + 1, true)
            .unwrap_err();
        assert!(err.to_string().contains("required party"), "{err}");
    }
    // Without a required party the lookup is the paper's.
    let plain = ThresholdParams::lookup_with_required(ParameterSet::MlDsa65, 4, 6, false).unwrap();
    assert_eq!((plain.slots, plain.required), (804, false));
}

#[test]
fn wrong_committees_and_signer_sets_are_refused_clearly() {
    let set = ParameterSet::MlDsa44;
    let scheme = threshold_mldsa::scheme(set);
    // Key generation: a required party that is not a key holder; more than five others.
    let mut params = keygen_params(providers(3)[0], 3, 2, Some(PartyId(99)));
    let err = scheme.keygen(&params).err().unwrap();
    assert!(
        err.to_string()
            .contains("party 99 is not among the parties"),
        "{err}"
    );
    params.required = Some(USER);
    params.parties = (0..7).map(PartyId).chain([USER]).collect();
    params.me = USER;
    let err = scheme.keygen(&params).err().unwrap();
    assert!(
        matches!(err, SchemeError::UnsupportedCommittee { .. }),
        "{err}"
    );
    // Signing: without the user, with too many providers, or too few.
    let mut shares = dealer(set, 2, 3);
    let p = providers(3);
    for signers in [
        vec![p[0], p[1]],
        vec![p[0], p[1], p[2]],
        vec![p[0], p[1], p[2], USER],
        vec![p[0], USER],
    ] {
        let params = SignParams {
            session: SIGN,
            signers: signers.clone(),
            input: SignInput::message(DOCUMENT.to_vec()),
        };
        let err = scheme.sign(&mut shares[0], &params).err().unwrap();
        assert!(
            matches!(err, SchemeError::UnsupportedCommittee { .. }),
            "{signers:?}: {err}"
        );
        if !signers.contains(&USER) {
            assert!(
                err.to_string().contains("cannot sign without party 3"),
                "{err}"
            );
        }
    }
    assert_eq!(
        shares[0].budget().unwrap().used(),
        0,
        "a refusal reserved budget"
    );
    // A share of the user structure whose record lost its required party is refused too: its
    // secrets do not fit the plain 3-of-4 partition.
    let mut plain = KeyShare::new(
        scheme.info(),
        p[0],
        shares[0].parties().to_vec(),
        3,
        shares[0].public_key().to_vec(),
        SecretBytes::new(shares[0].secret().expose().to_vec()),
    );
    let params = SignParams {
        session: SIGN,
        signers: vec![p[0], p[1], USER],
        input: SignInput::message(DOCUMENT.to_vec()),
    };
    let err = scheme.sign(&mut plain, &params).err().unwrap();
    assert!(matches!(err, SchemeError::WrongShare { .. }), "{err}");
}

#[test]
fn a_dkg_with_parties_disagreeing_on_the_required_party_outputs_no_key() {
    let set = ParameterSet::MlDsa44;
    let scheme = threshold_mldsa::scheme(set);
    let (t, n) = (2u8, 3u8);
    // The first provider believes in a plain 3-of-4 key; every hash it computes differs.
    let machines = committee(n)
        .into_iter()
        .enumerate()
        .map(|(i, me)| {
            let required = if i == 0 { None } else { Some(USER) };
            scheme.keygen(&keygen_params(me, n, t, required)).unwrap()
        })
        .collect();
    let report = Simulation::new(machines).run(&mut rng());
    assert!(report.outputs.is_empty(), "a key came out of a mixed DKG");
    assert!(!report.errors.is_empty());
    // A tampered reveal of the user is blamed on the user.
    let machines = committee(n)
        .into_iter()
        .map(|me| scheme.keygen(&keygen_params(me, n, t, Some(USER))).unwrap())
        .collect();
    let mut count = 0;
    let report = Simulation::new(machines)
        .intercept(move |env| {
            if env.from == USER {
                count += 1;
                // The user's second broadcast copy to each peer is its reveal (it sends no
                // subset keys: its own subset has no other member).
                if count > n as usize
                    && count <= 2 * n as usize
                    && let Some(last) = env.bytes.last_mut()
                {
                    *last ^= 1;
                }
            }
            Delivery::Deliver
        })
        .run(&mut rng());
    assert!(report.outputs.is_empty());
    for error in report.errors.values() {
        assert_eq!(error.culprit(), Some(USER), "{error}");
    }
}

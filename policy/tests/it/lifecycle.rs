//! `state_at`, `may_sign` and `may_create_keys` for any day.

use qoesign_policy::AlgorithmState;
use time::macros::date;

use crate::{example, parse};

#[test]
fn scheduled_retirement_takes_effect_on_its_day() {
    let v2 = example("v2-hybrid.toml");
    let eve = date!(2029 - 12 - 31);
    let day = date!(2030 - 01 - 01);
    assert_eq!(
        v2.state_at("ecdsa-p256", eve),
        Some(AlgorithmState::Deprecated)
    );
    assert!(v2.may_sign("ecdsa-p256", eve));
    assert!(!v2.may_create_keys("ecdsa-p256", eve));
    assert_eq!(
        v2.state_at("ecdsa-p256", day),
        Some(AlgorithmState::Retired)
    );
    assert!(!v2.may_sign("ecdsa-p256", day));
    assert!(v2.may_create_keys("mldsa65-ecdsa-p256", day));
}

#[test]
fn unlisted_algorithms_may_do_nothing() {
    let v2 = example("v2-hybrid.toml");
    assert_eq!(v2.state_at("ml-dsa-87", v2.issued()), None);
    assert!(!v2.may_sign("ml-dsa-87", v2.issued()));
    assert!(!v2.may_create_keys("ml-dsa-87", v2.issued()));
}

#[test]
fn two_step_schedule() {
    let policy = parse(
        r#"
        version = 7
        issued = 2027-01-01
        preferred = "ml-dsa-87"
        [quorum]
        providers = ["a", "b"]
        threshold = 2
        user_required = false
        [[algorithm]]
        id = "ml-dsa-44"
        state = "active"
        deprecate_on = 2028-01-01
        retire_on = 2029-06-30
        [[algorithm]]
        id = "ml-dsa-87"
        state = "active"
        "#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let states: Vec<_> = [
        date!(2027 - 12 - 31),
        date!(2028 - 01 - 01),
        date!(2029 - 06 - 30),
    ]
    .into_iter()
    .map(|d| policy.state_at("ml-dsa-44", d))
    .collect();
    assert_eq!(
        states,
        [
            Some(AlgorithmState::Active),
            Some(AlgorithmState::Deprecated),
            Some(AlgorithmState::Retired)
        ]
    );
    assert_eq!(
        policy.key_creation_ends(),
        None,
        "ml-dsa-87 has no end date"
    );
}

#[test]
fn key_creation_end_is_reported() {
    let policy = parse(
        r#"
        version = 1
        issued = 2027-01-01
        preferred = "ml-dsa-44"
        [quorum]
        providers = ["a"]
        threshold = 1
        user_required = false
        [[algorithm]]
        id = "ml-dsa-44"
        state = "active"
        deprecate_on = 2028-01-01
        [[algorithm]]
        id = "ml-dsa-65"
        state = "active"
        retire_on = 2029-01-01
        "#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.key_creation_ends(), Some(date!(2029 - 01 - 01)));
}

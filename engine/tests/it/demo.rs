//! The demo flow as a library call: every algorithm with a single-party scheme, and the
//! policy checks that come before any key is made.

use std::sync::Arc;

use qoesign_engine::Registry;
use qoesign_engine::admission::Refusal;
use qoesign_engine::demo::{self, DemoError};
use qoesign_policy::{DEFAULT_POLICY_TOML, Policy};
use qoesign_vectors::independent;
use time::macros::date;

fn policy_preferring(algorithm: &str, extra: &str) -> Policy {
    let text = format!(
        "version = 1\nissued = 2026-12-01\npreferred = \"{algorithm}\"\n\
         [quorum]\nproviders = [\"solo\"]\nthreshold = 1\nuser_required = false\n\
         [[algorithm]]\nid = \"{algorithm}\"\nstate = \"active\"\n{extra}"
    );
    Policy::parse(&text, "test.toml", &Registry::builtin().known_ids()).unwrap()
}

#[test]
fn demo_signs_with_every_single_party_algorithm() {
    let registry = Arc::new(Registry::builtin());
    for algorithm in ["ecdsa-p256", "ml-dsa-44", "ml-dsa-65", "ml-dsa-87"] {
        let policy = policy_preferring(algorithm, "");
        let report = demo::run(&policy, &registry, date!(2026 - 12 - 03)).unwrap();
        assert_eq!(report.algorithm, algorithm);
        assert_eq!(report.key_holders, ["solo"]);
        assert_eq!(report.policy_digest, policy.digest());
        assert_eq!(report.signatures.len(), 2);
        for signed in &report.signatures {
            let verdict = independent::verify(
                algorithm,
                &report.public_key,
                &signed.message,
                &report.context,
                &signed.signature,
            );
            assert_eq!(verdict, Some(true), "{algorithm}");
            assert_eq!(signed.signers, ["solo"]);
        }
        // One provider, none to spare: nothing is dropped.
        assert_eq!(report.dropped, None);
    }
}

#[test]
fn demo_respects_the_schedule() {
    let registry = Arc::new(Registry::builtin());
    let policy = policy_preferring("ml-dsa-44", "deprecate_on = 2027-06-01\n");
    let err = demo::run(&policy, &registry, date!(2027 - 06 - 01)).unwrap_err();
    assert!(
        matches!(
            &err,
            DemoError::NotAllowed(Refusal::Algorithm {
                action: "create keys",
                ..
            })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("deprecated"), "{err}");
    assert!(demo::run(&policy, &registry, date!(2027 - 05 - 31)).is_ok());
}

#[test]
fn the_default_policy_runs_the_user_and_three_of_five_providers_with_a_drop() {
    // The demo's rounds time out after seconds: not beside a test that takes every core.
    let _cpu = crate::shared_cpu();
    let registry = Arc::new(Registry::builtin());
    let known = registry.known_ids();
    let default = Policy::parse(DEFAULT_POLICY_TOML, "default", &known).unwrap();
    let report = demo::run(&default, &registry, default.issued()).unwrap();
    assert_eq!(report.algorithm, "ml-dsa-65");
    assert_eq!(report.scheme, "qoesign-threshold-65");
    assert_eq!(report.key_holders.len(), 6);
    assert_eq!(report.key_holders[5], "device:alice");
    assert_eq!(report.signatures.len(), 2);
    for signed in &report.signatures {
        assert_eq!(
            independent::verify(
                "ml-dsa-65",
                &report.public_key,
                &signed.message,
                &report.context,
                &signed.signature
            ),
            Some(true)
        );
        assert!(signed.signers.contains(&"device:alice".to_owned()));
        assert_eq!(signed.signers.len(), 4);
    }
    // The second signature lost its first provider mid-protocol and was retried without it.
    let dropped = report.dropped.as_deref().unwrap();
    let failures = report.signatures[1].failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].party, dropped);
    assert!(!report.signatures[1].signers.contains(&dropped.to_owned()));
    assert!(report.signatures[0].failures().is_empty());
    // The device was asked for the key and for every signing session, and shown the digest.
    assert_eq!(report.device_log.len(), 4, "{:?}", report.device_log);
}

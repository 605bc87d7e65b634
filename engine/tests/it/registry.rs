//! Which scheme the registry picks for which quorum.

use qoesign_algorithms::{ALGORITHMS, SchemeKind};
use qoesign_engine::{Committee, Registry, RegistryError};

const SINGLE: Committee = Committee {
    providers: 1,
    threshold: 1,
    user_required: false,
};

#[test]
fn every_known_algorithm_is_in_the_registry() {
    let registry = Registry::builtin();
    let ids: Vec<_> = ALGORITHMS.iter().map(|a| a.id).collect();
    assert_eq!(registry.known_ids(), ids);
    assert_eq!(
        ids,
        [
            "ecdsa-p256",
            "ml-dsa-44",
            "ml-dsa-65",
            "ml-dsa-87",
            "mldsa44-ecdsa-p256",
            "mldsa65-ecdsa-p256",
            "mldsa44-ipd",
            "mldsa65-ipd",
            "mldsa87-ipd"
        ]
    );
}

#[test]
fn one_provider_without_user_runs_the_single_party_scheme() {
    let registry = Registry::builtin();
    for id in [
        "ecdsa-p256",
        "ml-dsa-44",
        "ml-dsa-65",
        "ml-dsa-87",
        "mldsa44-ipd",
        "mldsa65-ipd",
        "mldsa87-ipd",
    ] {
        let scheme = registry.select(id, SINGLE).unwrap();
        assert_eq!(scheme.info().kind, SchemeKind::Single);
        assert_eq!(scheme.info().algorithm.id, id);
    }
}

#[test]
fn quorums_without_a_threshold_scheme_are_refused_by_name() {
    let registry = Registry::builtin();
    let seven = Committee {
        providers: 7,
        threshold: 3,
        user_required: false,
    };
    let err = registry.select("ml-dsa-65", seven).err().unwrap();
    assert!(matches!(err, RegistryError::NoSchemeForQuorum { .. }));
    assert!(
        err.to_string().starts_with("no scheme for this quorum yet"),
        "{err}"
    );
    let three_of_five = Committee {
        providers: 5,
        threshold: 3,
        user_required: false,
    };
    // The FIPS 204 draft algorithms are legacy keys with one holder: no threshold scheme.
    let err = registry.select("mldsa65-ipd", three_of_five).err().unwrap();
    assert!(matches!(err, RegistryError::NoSchemeForQuorum { .. }));
    let err = registry.select("mldsa65-ecdsa-p256", seven).err().unwrap();
    assert!(matches!(err, RegistryError::NoSchemeForQuorum { .. }));
    for id in ["mldsa44-ecdsa-p256", "mldsa65-ecdsa-p256"] {
        let single = registry.select(id, SINGLE).unwrap();
        assert_eq!(single.info().kind, SchemeKind::Single);
        let threshold = registry.select(id, three_of_five).unwrap();
        assert_eq!(threshold.info().kind, SchemeKind::Threshold);
        assert!(threshold.info().id.starts_with("composite-threshold-"));
    }
}

#[test]
fn threshold_schemes_serve_provider_quorums_with_and_without_the_user() {
    let registry = Registry::builtin();
    for id in crate::THRESHOLD_ALGORITHMS {
        let three_of_five = Committee {
            providers: 5,
            threshold: 3,
            user_required: false,
        };
        let scheme = registry.select(id, three_of_five).unwrap();
        assert_eq!(scheme.info().kind, SchemeKind::Threshold);
        assert_eq!(scheme.info().algorithm.id, id);
        let with_user = Committee {
            user_required: true,
            ..three_of_five
        };
        let scheme = registry.select(id, with_user).unwrap();
        assert_eq!(scheme.info().kind, SchemeKind::Threshold, "{id}");
    }
    // Threshold ML-DSA stops at six key holders: six providers and the user are too many.
    let six_and_user = Committee {
        providers: 6,
        threshold: 3,
        user_required: true,
    };
    let err = registry.select("ml-dsa-65", six_and_user).err().unwrap();
    assert!(
        matches!(err, RegistryError::NoSchemeForQuorum { .. }),
        "{err}"
    );
    assert!(registry.select("ecdsa-p256", six_and_user).is_ok());
}

#[test]
fn unknown_algorithms_list_the_known_ones() {
    let err = Registry::builtin()
        .select("rsa-2048", SINGLE)
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(text.contains("unknown algorithm `rsa-2048`"), "{text}");
    assert!(text.contains("ml-dsa-87, mldsa44-ecdsa-p256"), "{text}");
}

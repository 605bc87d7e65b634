//! The shipped example policies, their diff and their digests.

use qoesign_policy::{
    AlgorithmChange, AlgorithmState, DEFAULT_POLICY_NAME, DEFAULT_POLICY_TOML, DiffError, Policy,
    QuorumChange, diff,
};
use time::macros::date;

use crate::{KNOWN, example, parse};

#[test]
fn every_example_is_valid() {
    for name in [
        "default.toml",
        "v1-classical.toml",
        "v2-hybrid.toml",
        "v3-pq.toml",
    ] {
        example(name);
    }
    let default = Policy::parse(DEFAULT_POLICY_TOML, DEFAULT_POLICY_NAME, KNOWN);
    assert!(default.is_ok(), "{default:?}");
}

#[test]
fn examples_say_what_the_issue_asks() {
    let v1 = example("v1-classical.toml");
    assert_eq!(v1.preferred(), "ecdsa-p256");
    let v2 = example("v2-hybrid.toml");
    assert_eq!(v2.preferred(), "mldsa65-ecdsa-p256");
    let ecdsa = v2
        .algorithm("ecdsa-p256")
        .map(|a| (a.written_state(), a.retire_on()));
    assert_eq!(
        ecdsa,
        Some((AlgorithmState::Deprecated, Some(date!(2030 - 01 - 01))))
    );
    let v3 = example("v3-pq.toml");
    assert_eq!(v3.preferred(), "ml-dsa-65");
    assert_eq!(
        v3.state_at("ecdsa-p256", v3.issued()),
        Some(AlgorithmState::Retired)
    );
}

#[test]
fn diff_v1_to_v2() {
    let changes = diff(&example("v1-classical.toml"), &example("v2-hybrid.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((changes.old_version, changes.new_version), (1, 2));
    assert_eq!(
        changes.preferred,
        Some(("ecdsa-p256".to_owned(), "mldsa65-ecdsa-p256".to_owned()))
    );
    assert_eq!(
        changes.algorithms,
        vec![
            AlgorithmChange::Changed {
                id: "ecdsa-p256".into(),
                state: Some((AlgorithmState::Active, AlgorithmState::Deprecated)),
                deprecate_on: None,
                retire_on: Some((None, Some(date!(2030 - 01 - 01)))),
            },
            AlgorithmChange::Changed {
                id: "mldsa65-ipd".into(),
                state: Some((AlgorithmState::Active, AlgorithmState::Retired)),
                deprecate_on: None,
                retire_on: None,
            },
            AlgorithmChange::Added {
                id: "mldsa65-ecdsa-p256".into(),
                state: AlgorithmState::Active
            },
        ]
    );
    assert!(changes.quorum.is_empty());
    let text = changes.to_string();
    assert!(
        text.contains("preferred: ecdsa-p256 -> mldsa65-ecdsa-p256"),
        "{text}"
    );
    assert!(
        text.contains("state active -> deprecated, retire_on none -> 2030-01-01"),
        "{text}"
    );
}

#[test]
fn diff_reports_removals_and_quorum_changes() {
    let v2 = example("v2-hybrid.toml");
    let edited = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/v3-pq.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .replace(
        r#""de-berlin", "ee-tallinn""#,
        r#""de-berlin", "fi-helsinki""#,
    )
    .replace("threshold = 3", "threshold = 4")
    .replace("user_required = true", "user_required = false");
    let v3 = parse(&edited).unwrap_or_else(|e| panic!("{e}"));
    let changes = diff(&v2, &v3).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        changes.quorum,
        vec![
            QuorumChange::ProviderAdded("fi-helsinki".into()),
            QuorumChange::ProviderRemoved("ee-tallinn".into()),
            QuorumChange::Threshold(3, 4),
            QuorumChange::UserRequired(true, false),
        ]
    );
    let dropped = diff(&v3, &bump(&v2, 4)).unwrap_or_else(|e| panic!("{e}"));
    assert!(dropped.algorithms.contains(&AlgorithmChange::Removed {
        id: "ml-dsa-65".into()
    }));
}

#[test]
fn diff_refuses_a_version_that_does_not_increase() {
    let v1 = example("v1-classical.toml");
    let v2 = example("v2-hybrid.toml");
    assert_eq!(
        diff(&v2, &v1),
        Err(DiffError::VersionNotIncreasing { old: 2, new: 1 })
    );
    assert_eq!(
        diff(&v2, &v2),
        Err(DiffError::VersionNotIncreasing { old: 2, new: 2 })
    );
}

#[test]
fn digest_ignores_layout_and_order() {
    let v2 = example("v2-hybrid.toml");
    let reordered = r#"
        # same content, other order, other comments
        preferred = "mldsa65-ecdsa-p256"
        description = "hybrid transition"
        issued = 2026-12-01
        version = 2

        [[algorithm]]
        state = "active"
        id = "mldsa65-ecdsa-p256"

        [[algorithm]]
        retire_on = 2030-01-01
        id = "ecdsa-p256"
        state = "deprecated"

        [[algorithm]]
        id = "mldsa65-ipd"
        state = "retired"

        [quorum]
        user_required = true
        threshold = 3
        providers = ["ee-tallinn", "at-graz", "de-berlin", "at-linz", "at-wien"]
    "#;
    let same = parse(reordered).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v2.digest(), same.digest());
    assert_eq!(v2.digest().to_string().len(), 64);
}

#[test]
fn digest_changes_with_every_field() {
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/v2-hybrid.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let reference = parse(&base).unwrap_or_else(|e| panic!("{e}")).digest();
    let edits = [
        ("version = 2", "version = 3"),
        ("issued = 2026-12-01", "issued = 2026-12-02"),
        ("hybrid transition", "hybrid transition."),
        ("threshold = 3", "threshold = 2"),
        ("user_required = true", "user_required = false"),
        (r#""at-linz", "#, ""),
        ("retire_on = 2030-01-01", "retire_on = 2030-01-02"),
        (
            "state = \"deprecated\"\nretire_on",
            "state = \"active\"\ndeprecate_on = 2027-01-01\nretire_on",
        ),
        ("state = \"deprecated\"", "state = \"active\""),
    ];
    for (from, to) in edits {
        assert!(base.contains(from), "{from}");
        let edited = parse(&base.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{to}: {e}"));
        assert_ne!(
            edited.digest(),
            reference,
            "editing {from:?} -> {to:?} kept the digest"
        );
    }
}

/// The same policy content under another version number.
fn bump(policy: &Policy, version: u64) -> Policy {
    let mut text = format!(
        "version = {version}\nissued = {}\npreferred = \"{}\"\n[quorum]\nproviders = [{}]\n\
         threshold = {}\nuser_required = {}\n",
        policy.issued(),
        policy.preferred(),
        policy
            .quorum()
            .providers()
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(", "),
        policy.quorum().threshold(),
        policy.quorum().user_required(),
    );
    for a in policy.algorithms() {
        text.push_str(&format!(
            "[[algorithm]]\nid = \"{}\"\nstate = \"{}\"\n",
            a.id(),
            a.written_state()
        ));
        if let Some(d) = a.retire_on() {
            text.push_str(&format!("retire_on = {d}\n"));
        }
    }
    parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn canonical_text_reads_back_to_the_same_policy() {
    let names = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples")).unwrap();
    let mut seen = 0;
    for entry in names {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let policy = example(&name);
        let text = policy.to_toml();
        let again = Policy::parse(&text, "canonical", KNOWN).unwrap();
        assert_eq!(again, policy, "{name}");
        assert_eq!(again.digest(), policy.digest(), "{name}");
        assert_eq!(again.to_toml(), text, "{name}");
        seen += 1;
    }
    assert!(seen >= 4);
    // Quotes, backslashes and control characters in the description survive.
    let tricky = parse(
        "version = 1\nissued = 2026-12-01\ndescription = \"a \\\"b\\\" \\\\ c\\td\"\n\
         preferred = \"ml-dsa-65\"\n[quorum]\nproviders = [\"x\"]\nthreshold = 1\n\
         user_required = false\n[[algorithm]]\nid = \"ml-dsa-65\"\nstate = \"active\"\n\
         retire_on = 2030-01-01\ndeprecate_on = 2029-01-01\n",
    )
    .unwrap();
    let again = Policy::parse(&tricky.to_toml(), "canonical", KNOWN).unwrap();
    assert_eq!(again, tricky);
    assert_eq!(again.description(), Some("a \"b\" \\ c\td"));
}

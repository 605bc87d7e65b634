//! Every malformed policy is refused with its specific error at the right line and column.

use qoesign_policy::{AlgorithmState, PolicyErrorKind};
use time::macros::date;

use crate::parse;

/// A valid policy, edited by each test to break exactly one rule.
const BASE: &str = r#"version = 2
issued = 2026-12-01
preferred = "ml-dsa-65"

[quorum]
providers = ["at-graz", "at-wien", "de-berlin"]
threshold = 2
user_required = true

[[algorithm]]
id = "ecdsa-p256"
state = "deprecated"
retire_on = 2030-01-01

[[algorithm]]
id = "ml-dsa-65"
state = "active"
"#;

/// Parses `source`, expects a refusal, and returns `(line, column, kind)`.
fn refuse(source: &str) -> (usize, usize, PolicyErrorKind) {
    match parse(source) {
        Ok(_) => panic!("policy was accepted but must be refused:\n{source}"),
        Err(e) => {
            assert!(
                e.to_string()
                    .starts_with(&format!("test.toml:{}:{}: ", e.line, e.column))
            );
            (e.line, e.column, e.kind)
        }
    }
}

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "test edit does not apply: {from}");
    BASE.replacen(from, to, 1)
}

#[test]
fn base_is_valid() {
    let policy = parse(BASE).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.version(), 2);
}

#[test]
fn unknown_top_level_key() {
    let (line, column, kind) = refuse(&edit("preferred =", "colour = \"red\"\npreferred ="));
    assert_eq!((line, column), (3, 1));
    let PolicyErrorKind::Syntax { message } = kind else {
        panic!("{kind:?}")
    };
    assert!(message.contains("unknown field `colour`"), "{message}");
    assert!(message.contains("expected one of"), "{message}");
}

#[test]
fn unknown_key_in_algorithm_table() {
    let (line, column, kind) = refuse(&edit("state = \"active\"", "state = \"active\"\nfoo = 1"));
    assert_eq!((line, column), (18, 1));
    assert!(matches!(kind, PolicyErrorKind::Syntax { message } if message.contains("`foo`")));
}

#[test]
fn toml_syntax_error() {
    let (line, column, kind) = refuse(&edit("threshold = 2", "threshold = = 2"));
    assert_eq!(line, 7);
    assert_eq!(column, 13);
    assert!(matches!(kind, PolicyErrorKind::Syntax { .. }));
}

#[test]
fn wrong_type_says_what_was_expected() {
    let (line, column, kind) = refuse(&edit("threshold = 2", "threshold = \"two\""));
    assert_eq!((line, column), (7, 13));
    let PolicyErrorKind::Syntax { message } = kind else {
        panic!("{kind:?}")
    };
    assert!(message.contains("expected"), "{message}");
}

#[test]
fn missing_field() {
    let (line, _, kind) = refuse(&edit("user_required = true\n", ""));
    assert_eq!(line, 5, "points at the [quorum] table");
    assert!(
        matches!(kind, PolicyErrorKind::Syntax { message } if message.contains("user_required"))
    );
}

#[test]
fn unknown_state() {
    let (line, column, kind) = refuse(&edit("state = \"active\"", "state = \"enabled\""));
    assert_eq!((line, column), (17, 9));
    let PolicyErrorKind::Syntax { message } = kind else {
        panic!("{kind:?}")
    };
    assert!(
        message.contains("active") && message.contains("retired"),
        "{message}"
    );
}

#[test]
fn version_zero() {
    let (line, column, kind) = refuse(&edit("version = 2", "version = 0"));
    assert_eq!((line, column, kind), (1, 11, PolicyErrorKind::VersionZero));
}

#[test]
fn negative_version() {
    let (line, column, kind) = refuse(&edit("version = 2", "version = -3"));
    assert_eq!((line, column), (1, 11));
    assert!(matches!(kind, PolicyErrorKind::Syntax { .. }));
}

#[test]
fn issued_with_a_time() {
    let (line, column, kind) = refuse(&edit(
        "issued = 2026-12-01",
        "issued = 2026-12-01T10:00:00Z",
    ));
    assert_eq!((line, column), (2, 10));
    assert!(matches!(
        kind,
        PolicyErrorKind::NotADate {
            field: "issued",
            ..
        }
    ));
}

#[test]
fn threshold_zero() {
    let (line, column, kind) = refuse(&edit("threshold = 2", "threshold = 0"));
    assert_eq!(
        (line, column, kind),
        (7, 13, PolicyErrorKind::ThresholdZero)
    );
}

#[test]
fn threshold_above_providers() {
    let (line, column, kind) = refuse(&edit("threshold = 2", "threshold = 4"));
    assert_eq!(
        (line, column, kind),
        (
            7,
            13,
            PolicyErrorKind::ThresholdAboveProviders {
                threshold: 4,
                providers: 3
            }
        )
    );
}

#[test]
fn no_providers() {
    let (line, column, kind) = refuse(
        &edit(r#"["at-graz", "at-wien", "de-berlin"]"#, "[]")
            .replace("threshold = 2", "threshold = 1"),
    );
    assert_eq!((line, column, kind), (6, 13, PolicyErrorKind::NoProviders));
}

#[test]
fn duplicate_provider() {
    let (line, column, kind) = refuse(&edit(r#""de-berlin"]"#, r#""at-graz"]"#));
    assert_eq!(
        (line, column, kind),
        (
            6,
            36,
            PolicyErrorKind::DuplicateProvider {
                id: "at-graz".into(),
                first_line: 6
            }
        )
    );
}

#[test]
fn invalid_provider_id() {
    let (line, column, kind) = refuse(&edit(r#""at-wien""#, r#""AT Wien""#));
    assert_eq!(
        (line, column, kind),
        (
            6,
            25,
            PolicyErrorKind::InvalidProviderId {
                id: "AT Wien".into()
            }
        )
    );
}

#[test]
fn reserved_provider_id() {
    let (line, column, kind) = refuse(&edit(r#""at-wien""#, r#""user""#));
    assert_eq!(
        (line, column, kind),
        (6, 25, PolicyErrorKind::ReservedProviderId)
    );
}

#[test]
fn duplicate_algorithm() {
    let source = format!("{BASE}\n[[algorithm]]\nid = \"ecdsa-p256\"\nstate = \"active\"\n");
    let (line, column, kind) = refuse(&source);
    assert_eq!(
        (line, column, kind),
        (
            20,
            6,
            PolicyErrorKind::DuplicateAlgorithm {
                id: "ecdsa-p256".into(),
                first_line: 11
            }
        )
    );
}

#[test]
fn unknown_algorithm_lists_the_known_ones() {
    let (line, column, kind) = refuse(&edit(r#"id = "ecdsa-p256""#, r#"id = "rsa-2048""#));
    assert_eq!((line, column), (11, 6));
    let PolicyErrorKind::UnknownAlgorithm { id, known } = kind else {
        panic!("{kind:?}")
    };
    assert_eq!(id, "rsa-2048");
    assert_eq!(known, crate::KNOWN);
    let rendered = refuse_message(&edit(r#"id = "ecdsa-p256""#, r#"id = "rsa-2048""#));
    assert!(
        rendered.contains("ecdsa-p256, ml-dsa-44, ml-dsa-65"),
        "{rendered}"
    );
}

#[test]
fn unknown_preferred_algorithm() {
    let (line, column, kind) = refuse(&edit(
        r#"preferred = "ml-dsa-65""#,
        r#"preferred = "ml-dsa-99""#,
    ));
    assert_eq!((line, column), (3, 13));
    assert!(matches!(kind, PolicyErrorKind::UnknownAlgorithm { id, .. } if id == "ml-dsa-99"));
}

#[test]
fn preferred_without_entry() {
    let (line, column, kind) = refuse(&edit(
        r#"preferred = "ml-dsa-65""#,
        r#"preferred = "ml-dsa-87""#,
    ));
    assert_eq!(
        (line, column, kind),
        (
            3,
            13,
            PolicyErrorKind::PreferredNotListed {
                id: "ml-dsa-87".into()
            }
        )
    );
}

#[test]
fn preferred_cannot_create_keys() {
    let (line, column, kind) = refuse(&edit(
        r#"preferred = "ml-dsa-65""#,
        r#"preferred = "ecdsa-p256""#,
    ));
    assert_eq!(
        (line, column, kind),
        (
            3,
            13,
            PolicyErrorKind::PreferredCannotCreateKeys {
                id: "ecdsa-p256".into(),
                state: AlgorithmState::Deprecated,
                issued: date!(2026 - 12 - 01),
            }
        )
    );
}

#[test]
fn no_algorithm_may_create_keys() {
    let (line, column, kind) = refuse(&edit("state = \"active\"", "state = \"deprecated\""));
    assert_eq!(
        (line, column, kind),
        (
            3,
            13,
            PolicyErrorKind::NoAlgorithmCanCreateKeys {
                issued: date!(2026 - 12 - 01)
            }
        )
    );
}

#[test]
fn dates_out_of_order() {
    let source = edit(
        "state = \"active\"",
        "state = \"active\"\ndeprecate_on = 2031-01-01\nretire_on = 2028-01-01",
    );
    let (line, column, kind) = refuse(&source);
    assert_eq!(
        (line, column, kind),
        (
            19,
            13,
            PolicyErrorKind::DatesOutOfOrder {
                deprecate_on: date!(2031 - 01 - 01),
                retire_on: date!(2028 - 01 - 01),
            }
        )
    );
}

#[test]
fn schedule_before_issue_date() {
    let (line, column, kind) = refuse(&edit("retire_on = 2030-01-01", "retire_on = 2020-01-01"));
    assert_eq!(
        (line, column, kind),
        (
            13,
            13,
            PolicyErrorKind::ScheduleNotAfterIssue {
                field: "retire_on",
                date: date!(2020 - 01 - 01),
                issued: date!(2026 - 12 - 01),
            }
        )
    );
}

#[test]
fn schedule_contradicts_state() {
    let (line, column, kind) = refuse(&edit("retire_on = 2030-01-01", "deprecate_on = 2030-01-01"));
    assert_eq!(
        (line, column, kind),
        (
            13,
            16,
            PolicyErrorKind::ScheduleContradictsState {
                field: "deprecate_on",
                state: AlgorithmState::Deprecated,
            }
        )
    );
}

#[test]
fn impossible_calendar_date() {
    let (line, column, kind) = refuse(&edit("retire_on = 2030-01-01", "retire_on = 2030-02-30"));
    assert_eq!((line, column), (13, 13));
    assert!(matches!(
        kind,
        PolicyErrorKind::Syntax { .. } | PolicyErrorKind::NotADate { .. }
    ));
}

#[test]
fn column_counts_characters_not_bytes() {
    let source = edit(
        "version = 2",
        "description = \"Zürich — Graz\"\nversion = 0",
    );
    let (line, column, _) = refuse(&source);
    assert_eq!((line, column), (2, 11));
    let source = edit("version = 2", "description = \"Zürich\" ; version = 0");
    let (line, column, _) = refuse(&source);
    assert_eq!(line, 1);
    assert_eq!(
        column, 24,
        "the ';' after a multi-byte character is at character 24"
    );
}

fn refuse_message(source: &str) -> String {
    match parse(source) {
        Ok(_) => panic!("must be refused"),
        Err(e) => e.to_string(),
    }
}

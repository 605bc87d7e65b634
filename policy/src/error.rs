//! Errors of parsing, validating and loading a policy.

use std::fmt;

use time::Date;

use crate::AlgorithmState;

/// A policy that could not be accepted, located in its file.
///
/// `Display` renders `FILE:LINE:COLUMN: message`, the form editors and CI logs recognise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The file name given to the parser.
    pub file: String,
    /// 1-based line of the offending value or key.
    pub line: usize,
    /// 1-based column (in characters) of the offending value or key.
    pub column: usize,
    /// What is wrong.
    pub kind: PolicyErrorKind,
}

/// What is wrong with a policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// TOML syntax, an unknown or missing key, or a value of the wrong type.
    #[error("{message}")]
    Syntax {
        /// The parser's description, which says what was expected.
        message: String,
    },
    /// `version` must be 1 or more.
    #[error("version must be a positive integer, found 0")]
    VersionZero,
    /// A date field holds a time or an offset.
    #[error("`{field}` must be a plain date such as 2026-12-01, found `{found}`")]
    NotADate {
        /// The field name.
        field: &'static str,
        /// The value as written.
        found: String,
    },
    /// A provider identifier with characters outside `a-z`, `0-9` and `-`, or of bad length.
    #[error(
        "provider id `{id}` is not valid: expected 1 to 64 characters of a-z, 0-9 and `-`, \
         not starting with `-`"
    )]
    InvalidProviderId {
        /// The identifier as written.
        id: String,
    },
    /// The provider identifier `user` is reserved for the user's device.
    #[error("provider id `user` is reserved for the user's device")]
    ReservedProviderId,
    /// The provider list is empty.
    #[error("quorum.providers is empty: expected at least one provider id")]
    NoProviders,
    /// A provider appears twice.
    #[error("provider `{id}` is listed twice (first on line {first_line})")]
    DuplicateProvider {
        /// The repeated identifier.
        id: String,
        /// Where it first appears.
        first_line: usize,
    },
    /// The threshold is zero.
    #[error("quorum.threshold must be at least 1, found 0")]
    ThresholdZero,
    /// The threshold exceeds the number of providers.
    #[error(
        "quorum.threshold is {threshold} but only {providers} provider(s) are listed: expected \
         a threshold between 1 and {providers}"
    )]
    ThresholdAboveProviders {
        /// The threshold as written.
        threshold: u64,
        /// How many providers the policy lists.
        providers: usize,
    },
    /// An algorithm identifier the registry does not know.
    #[error("unknown algorithm `{id}`: expected one of {}", known.join(", "))]
    UnknownAlgorithm {
        /// The identifier as written.
        id: String,
        /// Every identifier the registry knows.
        known: Vec<String>,
    },
    /// An algorithm appears in two `[[algorithm]]` tables.
    #[error("algorithm `{id}` is listed twice (first on line {first_line})")]
    DuplicateAlgorithm {
        /// The repeated identifier.
        id: String,
        /// Where it first appears.
        first_line: usize,
    },
    /// The preferred algorithm has no `[[algorithm]]` table.
    #[error("preferred algorithm `{id}` has no [[algorithm]] entry: add one with its state")]
    PreferredNotListed {
        /// The preferred identifier.
        id: String,
    },
    /// The preferred algorithm may not create keys on the issue date.
    #[error(
        "preferred algorithm `{id}` is {state} on the issue date {issued} and may not create \
         keys: prefer an active algorithm"
    )]
    PreferredCannotCreateKeys {
        /// The preferred identifier.
        id: String,
        /// Its state on the issue date.
        state: AlgorithmState,
        /// The issue date.
        issued: Date,
    },
    /// No algorithm may create keys on the issue date.
    #[error(
        "no algorithm may create keys on the issue date {issued}: expected at least one active"
    )]
    NoAlgorithmCanCreateKeys {
        /// The issue date.
        issued: Date,
    },
    /// A schedule date on or before the issue date.
    #[error(
        "`{field}` {date} is not after the issue date {issued}: write the state directly instead"
    )]
    ScheduleNotAfterIssue {
        /// `deprecate_on` or `retire_on`.
        field: &'static str,
        /// The scheduled date.
        date: Date,
        /// The issue date.
        issued: Date,
    },
    /// `deprecate_on` is not before `retire_on`.
    #[error("dates out of order: deprecate_on {deprecate_on} must be before retire_on {retire_on}")]
    DatesOutOfOrder {
        /// The deprecation date.
        deprecate_on: Date,
        /// The retirement date.
        retire_on: Date,
    },
    /// A schedule that cannot apply to the written state (a retired algorithm cannot be
    /// deprecated or retired later).
    #[error("`{field}` makes no sense for an algorithm that is already {state}")]
    ScheduleContradictsState {
        /// `deprecate_on` or `retire_on`.
        field: &'static str,
        /// The written state.
        state: AlgorithmState,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.kind
        )
    }
}

impl std::error::Error for PolicyError {}

/// A policy file that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read policy file {path}: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The content is not a valid policy.
    #[error(transparent)]
    Invalid(#[from] PolicyError),
}

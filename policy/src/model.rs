//! The validated policy and the questions it answers.

use std::fmt;
use std::path::Path;

use time::Date;

use crate::digest::PolicyDigest;
use crate::error::LoadError;
use crate::{PolicyError, parse};

/// A parsed and validated policy.
///
/// Values of this type only exist after every check of [`Policy::parse`] has passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub(crate) version: u64,
    pub(crate) issued: Date,
    pub(crate) description: Option<String>,
    pub(crate) preferred: String,
    pub(crate) quorum: Quorum,
    pub(crate) algorithms: Vec<AlgorithmPolicy>,
}

/// Who holds key shares and how many of them take part in a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quorum {
    pub(crate) providers: Vec<String>,
    pub(crate) threshold: u16,
    pub(crate) user_required: bool,
}

/// The lifecycle entry of one algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlgorithmPolicy {
    pub(crate) id: String,
    pub(crate) state: AlgorithmState,
    pub(crate) deprecate_on: Option<Date>,
    pub(crate) retire_on: Option<Date>,
}

/// The lifecycle state of an algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlgorithmState {
    /// May create keys and sign.
    Active,
    /// May sign with existing keys; may not create keys. Migration is due.
    Deprecated,
    /// May neither create keys nor sign. Public keys are kept to verify old signatures.
    Retired,
}

impl Policy {
    /// Parses and validates a policy.
    ///
    /// `file` is the name used in error messages; `known_algorithms` lists every algorithm
    /// identifier the caller's registry knows.
    ///
    /// # Errors
    ///
    /// Returns a [`PolicyError`] locating the first problem: TOML syntax, an unknown key, a
    /// value of the wrong type, or a semantic error (see [`crate::PolicyErrorKind`]).
    pub fn parse(source: &str, file: &str, known_algorithms: &[&str]) -> Result<Self, PolicyError> {
        parse::parse(source, file, known_algorithms)
    }

    /// Reads and parses a policy file.
    ///
    /// # Errors
    ///
    /// Returns [`LoadError::Io`] when the file cannot be read and [`LoadError::Invalid`] when
    /// its content is not a valid policy.
    pub fn load(path: &Path, known_algorithms: &[&str]) -> Result<Self, LoadError> {
        let source = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self::parse(
            &source,
            &path.display().to_string(),
            known_algorithms,
        )?)
    }

    /// The policy version; every newer policy has a higher one.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The day the policy was issued.
    pub fn issued(&self) -> Date {
        self.issued
    }

    /// The optional human description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The algorithm for new keys.
    pub fn preferred(&self) -> &str {
        &self.preferred
    }

    /// The quorum of key holders.
    pub fn quorum(&self) -> &Quorum {
        &self.quorum
    }

    /// The algorithm entries, in file order.
    pub fn algorithms(&self) -> &[AlgorithmPolicy] {
        &self.algorithms
    }

    /// The entry of one algorithm, if the policy lists it.
    pub fn algorithm(&self, id: &str) -> Option<&AlgorithmPolicy> {
        self.algorithms.iter().find(|a| a.id == id)
    }

    /// The state of an algorithm on a given day, or `None` when the policy does not list it
    /// (an unlisted algorithm may do nothing).
    pub fn state_at(&self, id: &str, day: Date) -> Option<AlgorithmState> {
        self.algorithm(id).map(|a| a.state_at(day))
    }

    /// Whether the algorithm may sign on the given day.
    pub fn may_sign(&self, id: &str, day: Date) -> bool {
        self.state_at(id, day).is_some_and(AlgorithmState::may_sign)
    }

    /// Whether the algorithm may create keys on the given day.
    pub fn may_create_keys(&self, id: &str, day: Date) -> bool {
        self.state_at(id, day)
            .is_some_and(AlgorithmState::may_create_keys)
    }

    /// The first day on which no algorithm may create keys any more, if the schedules lead
    /// there. A newer policy must be in force before that day.
    pub fn key_creation_ends(&self) -> Option<Date> {
        // Before `issued` the policy answers as written, so only schedule dates can end key
        // creation; the latest "end of key creation" over the algorithms is the answer, and it
        // only exists if every algorithm that can create keys has one.
        let mut latest: Option<Date> = None;
        for algorithm in &self.algorithms {
            if algorithm.state != AlgorithmState::Active {
                continue;
            }
            let end = match (algorithm.deprecate_on, algorithm.retire_on) {
                (Some(d), Some(r)) => d.min(r),
                (Some(d), None) => d,
                (None, Some(r)) => r,
                (None, None) => return None,
            };
            latest = Some(latest.map_or(end, |l| l.max(end)));
        }
        latest
    }

    /// The digest that binds signing sessions to this policy.
    pub fn digest(&self) -> PolicyDigest {
        PolicyDigest::of(self)
    }
}

impl Quorum {
    /// The provider identifiers, in file order.
    pub fn providers(&self) -> &[String] {
        &self.providers
    }

    /// How many providers take part in every signature.
    pub fn threshold(&self) -> u16 {
        self.threshold
    }

    /// Whether the user's device is a party in every key generation and signature.
    pub fn user_required(&self) -> bool {
        self.user_required
    }

    /// The number of providers.
    pub fn provider_count(&self) -> usize {
        self.providers.len()
    }
}

impl AlgorithmPolicy {
    /// The algorithm identifier.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The state written in the file, before any schedule applies.
    pub fn written_state(&self) -> AlgorithmState {
        self.state
    }

    /// The day the algorithm becomes deprecated, if scheduled.
    pub fn deprecate_on(&self) -> Option<Date> {
        self.deprecate_on
    }

    /// The day the algorithm becomes retired, if scheduled.
    pub fn retire_on(&self) -> Option<Date> {
        self.retire_on
    }

    /// The state on a given day: the written state, moved on by every schedule date that has
    /// been reached. States only move forward (active, deprecated, retired).
    pub fn state_at(&self, day: Date) -> AlgorithmState {
        let mut state = self.state;
        if self.deprecate_on.is_some_and(|d| d <= day) {
            state = state.max(AlgorithmState::Deprecated);
        }
        if self.retire_on.is_some_and(|r| r <= day) {
            state = AlgorithmState::Retired;
        }
        state
    }
}

impl AlgorithmState {
    /// Whether keys in this state may sign.
    pub fn may_sign(self) -> bool {
        matches!(self, Self::Active | Self::Deprecated)
    }

    /// Whether new keys may be created in this state.
    pub fn may_create_keys(self) -> bool {
        self == Self::Active
    }

    /// The name used in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deprecated => "deprecated",
            Self::Retired => "retired",
        }
    }
}

impl fmt::Display for AlgorithmState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

//! What changes when one policy replaces another.

use std::collections::BTreeSet;
use std::fmt;

use time::Date;

use crate::model::{AlgorithmPolicy, AlgorithmState, Policy};

/// Compares two policies.
///
/// # Errors
///
/// Returns [`DiffError::VersionNotIncreasing`] when `new` does not have a higher version than
/// `old`: a deployment never goes back to an older or an equal-numbered policy.
pub fn diff(old: &Policy, new: &Policy) -> Result<PolicyDiff, DiffError> {
    if new.version <= old.version {
        return Err(DiffError::VersionNotIncreasing {
            old: old.version,
            new: new.version,
        });
    }
    let preferred =
        (old.preferred != new.preferred).then(|| (old.preferred.clone(), new.preferred.clone()));
    Ok(PolicyDiff {
        old_version: old.version,
        new_version: new.version,
        preferred,
        algorithms: algorithm_changes(old, new),
        quorum: quorum_changes(old, new),
    })
}

/// Why two policies cannot be compared.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// The new policy's version is not higher than the old one's.
    #[error("policy version must increase: the new policy has version {new}, the old one {old}")]
    VersionNotIncreasing {
        /// The old version.
        old: u64,
        /// The new version.
        new: u64,
    },
}

/// Everything that differs between two policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDiff {
    /// The old policy's version.
    pub old_version: u64,
    /// The new policy's version.
    pub new_version: u64,
    /// `(old, new)` preferred algorithm, when it changes.
    pub preferred: Option<(String, String)>,
    /// Algorithms added, removed or with a changed state or schedule.
    pub algorithms: Vec<AlgorithmChange>,
    /// Changes to the quorum.
    pub quorum: Vec<QuorumChange>,
}

/// The change of one algorithm's entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlgorithmChange {
    /// Listed only in the new policy.
    Added {
        /// Identifier.
        id: String,
        /// Written state.
        state: AlgorithmState,
    },
    /// Listed only in the old policy: it may no longer sign or create keys.
    Removed {
        /// Identifier.
        id: String,
    },
    /// Listed in both with a different state or schedule.
    Changed {
        /// Identifier.
        id: String,
        /// `(old, new)` written state, when it changes.
        state: Option<(AlgorithmState, AlgorithmState)>,
        /// `(old, new)` deprecation date, when it changes.
        deprecate_on: Option<(Option<Date>, Option<Date>)>,
        /// `(old, new)` retirement date, when it changes.
        retire_on: Option<(Option<Date>, Option<Date>)>,
    },
}

/// A change to the quorum.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuorumChange {
    /// A provider joins.
    ProviderAdded(String),
    /// A provider leaves.
    ProviderRemoved(String),
    /// `(old, new)` threshold.
    Threshold(u16, u16),
    /// `(old, new)` user-required flag.
    UserRequired(bool, bool),
}

impl PolicyDiff {
    /// Whether nothing but the version (and perhaps the description or date) changed.
    pub fn is_empty(&self) -> bool {
        self.preferred.is_none() && self.algorithms.is_empty() && self.quorum.is_empty()
    }
}

impl fmt::Display for PolicyDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "version {} -> {}", self.old_version, self.new_version)?;
        if let Some((old, new)) = &self.preferred {
            writeln!(f, "  preferred: {old} -> {new}")?;
        }
        for change in &self.algorithms {
            writeln!(f, "  {change}")?;
        }
        for change in &self.quorum {
            writeln!(f, "  {change}")?;
        }
        if self.is_empty() {
            writeln!(
                f,
                "  no change to algorithms, preferred algorithm or quorum"
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for AlgorithmChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Added { id, state } => write!(f, "algorithm {id}: added ({state})"),
            Self::Removed { id } => write!(f, "algorithm {id}: removed"),
            Self::Changed {
                id,
                state,
                deprecate_on,
                retire_on,
            } => {
                write!(f, "algorithm {id}:")?;
                let mut sep = " ";
                if let Some((old, new)) = state {
                    write!(f, "{sep}state {old} -> {new}")?;
                    sep = ", ";
                }
                if let Some((old, new)) = deprecate_on {
                    write!(f, "{sep}deprecate_on {} -> {}", show(*old), show(*new))?;
                    sep = ", ";
                }
                if let Some((old, new)) = retire_on {
                    write!(f, "{sep}retire_on {} -> {}", show(*old), show(*new))?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for QuorumChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ProviderAdded(id) => write!(f, "quorum: provider {id} added"),
            Self::ProviderRemoved(id) => write!(f, "quorum: provider {id} removed"),
            Self::Threshold(old, new) => write!(f, "quorum: threshold {old} -> {new}"),
            Self::UserRequired(old, new) => write!(f, "quorum: user_required {old} -> {new}"),
        }
    }
}

fn show(date: Option<Date>) -> String {
    date.map_or_else(|| "none".to_owned(), |d| d.to_string())
}

fn algorithm_changes(old: &Policy, new: &Policy) -> Vec<AlgorithmChange> {
    let mut changes = Vec::new();
    for before in &old.algorithms {
        match new.algorithm(&before.id) {
            None => changes.push(AlgorithmChange::Removed {
                id: before.id.clone(),
            }),
            Some(after) => changes.extend(entry_change(before, after)),
        }
    }
    for after in &new.algorithms {
        if old.algorithm(&after.id).is_none() {
            changes.push(AlgorithmChange::Added {
                id: after.id.clone(),
                state: after.state,
            });
        }
    }
    changes
}

fn entry_change(before: &AlgorithmPolicy, after: &AlgorithmPolicy) -> Option<AlgorithmChange> {
    fn changed<T: PartialEq + Copy>(old: T, new: T) -> Option<(T, T)> {
        (old != new).then_some((old, new))
    }
    let state = changed(before.state, after.state);
    let deprecate_on = changed(before.deprecate_on, after.deprecate_on);
    let retire_on = changed(before.retire_on, after.retire_on);
    (state.is_some() || deprecate_on.is_some() || retire_on.is_some()).then(|| {
        AlgorithmChange::Changed {
            id: after.id.clone(),
            state,
            deprecate_on,
            retire_on,
        }
    })
}

fn quorum_changes(old: &Policy, new: &Policy) -> Vec<QuorumChange> {
    let before: BTreeSet<&String> = old.quorum.providers.iter().collect();
    let after: BTreeSet<&String> = new.quorum.providers.iter().collect();
    let mut changes: Vec<QuorumChange> = Vec::new();
    changes.extend(
        after
            .difference(&before)
            .map(|p| QuorumChange::ProviderAdded((*p).clone())),
    );
    changes.extend(
        before
            .difference(&after)
            .map(|p| QuorumChange::ProviderRemoved((*p).clone())),
    );
    if old.quorum.threshold != new.quorum.threshold {
        changes.push(QuorumChange::Threshold(
            old.quorum.threshold,
            new.quorum.threshold,
        ));
    }
    if old.quorum.user_required != new.quorum.user_required {
        changes.push(QuorumChange::UserRequired(
            old.quorum.user_required,
            new.quorum.user_required,
        ));
    }
    changes
}

//! What a migration will do: the deployment as its stores record it, and the credentials a new
//! policy makes re-issue.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use qoesign_policy::{AlgorithmState, Policy, PolicyDigest};
use time::OffsetDateTime;

use super::MigrateError;
use super::journal::RunRecord;
use crate::store::{Credential, CredentialId, CredentialState, Passphrase, Store};
use crate::{Committee, Registry};

/// Every party store of a deployment directory, read once before a migration starts.
pub(super) struct Snapshot {
    /// Every credential, as the first store holding it records it.
    pub(super) credentials: BTreeMap<CredentialId, Credential>,
    /// Per credential, every store holding it: party, state there, public key there.
    pub(super) held_by: BTreeMap<CredentialId, Vec<(String, CredentialState, Vec<u8>)>>,
    /// The newest policy any store accepted: version and digest.
    pub(super) in_force: Option<(u64, PolicyDigest)>,
}

impl Snapshot {
    /// Opens every party store in `dir` in turn, reads it and closes it.
    pub(super) fn read(dir: &Path, passphrase: &Passphrase) -> Result<Self, MigrateError> {
        let mut snapshot = Self {
            credentials: BTreeMap::new(),
            held_by: BTreeMap::new(),
            in_force: None,
        };
        for store_dir in party_dirs(dir)? {
            let store =
                Store::open_read_only(&store_dir, passphrase).map_err(MigrateError::from_store)?;
            for credential in store.credentials().map_err(MigrateError::from_store)? {
                snapshot.held_by.entry(credential.id).or_default().push((
                    store.party().to_owned(),
                    credential.state,
                    credential.public_key.clone(),
                ));
                snapshot
                    .credentials
                    .entry(credential.id)
                    .or_insert(credential);
            }
            for accepted in store
                .accepted_policies()
                .map_err(MigrateError::from_store)?
            {
                if snapshot.in_force.is_none_or(|(v, _)| accepted.version > v) {
                    snapshot.in_force = Some((accepted.version, accepted.digest));
                }
            }
        }
        Ok(snapshot)
    }

    /// Whether every holder the credential lists stores it, active, with one public key.
    pub(super) fn complete(&self, id: &CredentialId) -> bool {
        let (Some(credential), Some(held)) = (self.credentials.get(id), self.held_by.get(id))
        else {
            return false;
        };
        credential.holders.iter().all(|holder| {
            held.iter().any(|(party, state, key)| {
                *party == holder.name
                    && *state == CredentialState::Active
                    && *key == credential.public_key
            })
        })
    }

    /// The credential's state at its most advanced holder (a retirement that reached some
    /// holders only counts as a retirement).
    fn state(&self, id: &CredentialId) -> CredentialState {
        let held = self.held_by.get(id).map(Vec::as_slice).unwrap_or_default();
        if held
            .iter()
            .any(|(_, s, _)| *s == CredentialState::Destroyed)
        {
            CredentialState::Destroyed
        } else if held.iter().any(|(_, s, _)| *s == CredentialState::Retired) {
            CredentialState::Retired
        } else {
            CredentialState::Active
        }
    }
}

/// The party store directories of a deployment directory, sorted; at least one.
fn party_dirs(dir: &Path) -> Result<Vec<PathBuf>, MigrateError> {
    match crate::local::party_dirs(dir) {
        Ok(dirs) if !dirs.is_empty() => Ok(dirs),
        _ => Err(MigrateError::NoStore(dir.to_owned())),
    }
}

/// Whether the plan starts a migration, finishes one a crash interrupted, or finds it done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanKind {
    /// Nothing of it has happened yet.
    Fresh,
    /// The journal holds an unfinished run to the same policy: running finishes it.
    Resume,
    /// The journal says this migration finished.
    Done,
}

/// One credential the migration re-issues.
#[derive(Clone, Debug)]
pub struct PlanItem {
    /// The credential as its first holder records it.
    pub credential: Credential,
    /// Its algorithm's state under the new policy at the effective instant (`not listed` when
    /// the new policy does not name it).
    pub state: String,
    /// The algorithm its successor gets: the new policy's preferred one.
    pub becomes: String,
    /// Whether the old key may still sign the rollover statement under the new policy.
    pub old_key_signs: bool,
}

/// A credential the migration leaves as it is, and why.
#[derive(Clone, Debug)]
pub struct Skipped {
    /// The credential.
    pub credential: Credential,
    /// Why it stays.
    pub reason: String,
}

/// What `qoesign migrate` will do.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Whether this starts, resumes, or finds done the migration.
    pub kind: PlanKind,
    /// The newest policy the stores accepted: version and digest.
    pub from: Option<(u64, PolicyDigest)>,
    /// The new policy's version.
    pub to_version: u64,
    /// The new policy's digest.
    pub to_digest: PolicyDigest,
    /// The instant the new policy's states are judged at.
    pub effective: OffsetDateTime,
    /// The algorithm every successor gets.
    pub target: String,
    /// The credentials re-issued, oldest first.
    pub items: Vec<PlanItem>,
    /// The credentials left as they are.
    pub skipped: Vec<Skipped>,
}

/// Computes the plan, refusing a migration that must not run.
pub(super) fn make(
    snapshot: &Snapshot,
    run: Option<&RunRecord>,
    registry: &Registry,
    new: &Policy,
    at: OffsetDateTime,
) -> Result<Plan, MigrateError> {
    let digest = new.digest();
    let (kind, effective, chosen) = match run {
        Some(run) if run.digest != *digest.as_bytes() && !run.finished => {
            return Err(MigrateError::Unfinished {
                version: run.version,
                digest: PolicyDigest::from_bytes(run.digest),
            });
        }
        Some(run) if run.digest == *digest.as_bytes() => {
            let kind = if run.finished {
                PlanKind::Done
            } else {
                PlanKind::Resume
            };
            let ids: Vec<CredentialId> = run
                .items
                .iter()
                .map(|b| CredentialId::from_bytes(*b))
                .collect();
            (kind, run.effective(), Some(ids))
        }
        _ => (PlanKind::Fresh, at, None),
    };
    let day = effective.date();
    if kind == PlanKind::Fresh {
        check_new_policy(snapshot, registry, new, day)?;
    }
    let target = new.preferred().to_owned();
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    for credential in snapshot.credentials.values() {
        let state = new.state_at(&credential.algorithm, day);
        let item = || PlanItem {
            credential: credential.clone(),
            state: state.map_or_else(|| "not listed".to_owned(), |s| s.to_string()),
            becomes: target.clone(),
            old_key_signs: new.may_sign(&credential.algorithm, day),
        };
        if let Some(chosen) = &chosen {
            if chosen.contains(&credential.id) {
                items.push(item());
            }
            continue;
        }
        let reason = match (snapshot.state(&credential.id), state) {
            (CredentialState::Active, Some(AlgorithmState::Active)) => format!(
                "{} stays active under policy version {}",
                credential.algorithm,
                new.version()
            ),
            (CredentialState::Active, _) if credential.replaced_by.is_some() => {
                "it is re-issued already".to_owned()
            }
            (CredentialState::Active, _) => {
                items.push(item());
                continue;
            }
            (other, _) => match credential.replaced_by {
                Some(by) => format!("it is {other}, re-issued as {by}"),
                None => format!("it is {other}"),
            },
        };
        skipped.push(Skipped {
            credential: credential.clone(),
            reason,
        });
    }
    // Oldest first, as the stores list them; a resumed run keeps its recorded order.
    if let Some(chosen) = &chosen {
        items.sort_by_key(|i| chosen.iter().position(|c| *c == i.credential.id));
    } else {
        items.sort_by_key(|i| (i.credential.created, i.credential.id));
    }
    skipped.sort_by_key(|s| (s.credential.created, s.credential.id));
    Ok(Plan {
        kind,
        from: snapshot.in_force,
        to_version: new.version(),
        to_digest: digest,
        effective,
        target,
        items,
        skipped,
    })
}

/// The refusals of a fresh migration: a policy that is not newer than the one in force, and
/// one under which its preferred algorithm cannot create keys for its quorum.
fn check_new_policy(
    snapshot: &Snapshot,
    registry: &Registry,
    new: &Policy,
    day: qoesign_policy::Date,
) -> Result<(), MigrateError> {
    if let Some((current, digest)) = snapshot.in_force
        && new.version() <= current
        && digest != new.digest()
    {
        return Err(MigrateError::NotNewer {
            new: new.version(),
            current,
        });
    }
    let creating: Vec<&str> = new
        .algorithms()
        .iter()
        .map(|a| a.id())
        .filter(|id| new.may_create_keys(id, day))
        .collect();
    if creating.is_empty() {
        return Err(MigrateError::NoKeyCreation {
            version: new.version(),
            day,
        });
    }
    let preferred = new.preferred();
    if !new.may_create_keys(preferred, day) {
        return Err(MigrateError::Preferred {
            algorithm: preferred.to_owned(),
            reason: format!(
                "it may not create keys on {day} ({})",
                new.state_at(preferred, day)
                    .map_or_else(|| "not listed".to_owned(), |s| s.to_string())
            ),
        });
    }
    if !registry.held_whole(preferred) {
        registry
            .select(preferred, Committee::from_quorum(new.quorum()))
            .map_err(|e| MigrateError::Preferred {
                algorithm: preferred.to_owned(),
                reason: e.to_string(),
            })?;
    }
    Ok(())
}

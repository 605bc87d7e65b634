//! Policy rollover: when a new policy retires or deprecates an algorithm, every credential of
//! it is re-issued under the new policy's preferred algorithm, without losing a key and
//! without an outage, and crash-safely.
//!
//! # Steps
//!
//! 1. **Plan.** Every party store is read. The new policy must be newer than the policy in
//!    force and must let its preferred algorithm create keys for its quorum. Every active
//!    credential whose algorithm the new policy deprecates, retires or no longer lists at the
//!    effective instant is planned for re-issue; the others are skipped with the reason.
//! 2. **Journal.** The run (policy, effective instant, planned credentials) is recorded in the
//!    coordinator's store before anything else changes.
//! 3. **Adopt.** Every party accepts the new policy; it is the policy in force from here on.
//!    The parties must: they admit a session only under the newest policy they accepted, so
//!    the new algorithm's key generation can only run under it. Credentials of a deprecated
//!    algorithm keep signing under it; those of an algorithm it retires stop, as it orders.
//! 4. **Per credential** (several at once, bounded): a fresh distributed key generation under
//!    the preferred algorithm with the new policy's quorum, the user's device included when it
//!    is required (nothing of the old key is reused); the rollover statement
//!    ([`crate::rollover`]) signed by the old key while the policy lets it sign, and by the new
//!    key; then every holder makes the old credential verify-only (its public key stays) and
//!    records the lineage both ways, after checking the new key's signature.
//! 5. **Finish.** The run is marked finished.
//!
//! # Crash safety
//!
//! Every step is one durable commit of the journal, made after the step's effect is durable
//! at the parties; a run killed anywhere is finished by running the same command again. A key
//! generation the journal saw begin but not end is adopted if every holder stored its share,
//! and otherwise discarded at the holders that did (it never signed) and run again, so each
//! old credential ends with exactly one successor. The old credential stays active until its
//! successor exists and signed the statement, so no credential is ever left without a usable
//! key. Tests kill the run after every commit ([`crate::fault`]).

mod journal;
mod plan;

pub use plan::{Plan, PlanItem, PlanKind, Skipped};

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use qoesign_policy::{Date, Policy, PolicyDigest};
use time::OffsetDateTime;

use crate::Registry;
use crate::coordinator::{Coordinator, CoordinatorError, KeygenOptions};
use crate::local::{COORDINATOR_DIR, LocalCluster, LocalError, LocalOptions};
use crate::rollover::Statement;
use crate::store::{Credential, CredentialId, Passphrase, Store, StoreError};
use journal::{Entry, Journal, RunRecord};
use plan::Snapshot;

/// Why a migration did not start (or could not go on).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// The new policy is not newer than the policy in force.
    #[error(
        "policy version {new} does not supersede version {current}, the policy in force; a \
         migration needs a policy with a higher version"
    )]
    NotNewer {
        /// The new policy's version.
        new: u64,
        /// The version in force.
        current: u64,
    },
    /// No algorithm of the new policy may create keys at the effective instant.
    #[error(
        "policy version {version} lets no algorithm create keys on {day}: there is nothing to \
         re-issue keys with"
    )]
    NoKeyCreation {
        /// The new policy's version.
        version: u64,
        /// The effective day.
        day: Date,
    },
    /// The new policy's preferred algorithm cannot make the successors.
    #[error("the new policy's preferred algorithm {algorithm} cannot re-issue keys: {reason}")]
    Preferred {
        /// The preferred algorithm.
        algorithm: String,
        /// Why not.
        reason: String,
    },
    /// The journal holds an unfinished migration to another policy.
    #[error(
        "the journal holds an unfinished migration to policy version {version} ({digest}); run \
         `qoesign migrate` with that policy again to finish it first"
    )]
    Unfinished {
        /// Its version.
        version: u64,
        /// Its digest.
        digest: PolicyDigest,
    },
    /// Another process has a store of the deployment open.
    #[error(
        "{path} is locked by another process (another qoesign command or migration is \
         running); try again when it has finished"
    )]
    Locked {
        /// The store file.
        path: PathBuf,
    },
    /// The directory holds no party store.
    #[error("{0} holds no store to migrate")]
    NoStore(PathBuf),
    /// A store failed.
    #[error(transparent)]
    Store(StoreError),
    /// The parties could not start.
    #[error(transparent)]
    Local(LocalError),
}

impl MigrateError {
    fn from_store(error: StoreError) -> Self {
        match error {
            StoreError::InUse { path } => Self::Locked { path },
            other => Self::Store(other),
        }
    }

    fn from_local(error: LocalError) -> Self {
        match error {
            LocalError::Store(store) => Self::from_store(store),
            other => Self::Local(other),
        }
    }
}

/// How a migration runs.
pub struct MigrateOptions {
    /// Credentials re-issued at the same time (at least one).
    pub jobs: usize,
    /// How the parties run; its `kdf` is also used for the coordinator's store when it is
    /// created, and its `crash` for that store's writes too.
    pub local: LocalOptions,
}

/// What happened to one planned credential.
#[derive(Clone, Debug)]
pub struct ItemReport {
    /// The credential re-issued.
    pub old: Credential,
    /// Its successor and the signed statement, or why it failed (a later run retries it).
    pub result: Result<Migrated, String>,
}

/// A credential re-issued.
#[derive(Clone, Debug)]
pub struct Migrated {
    /// The successor.
    pub new: Credential,
    /// The rollover statement's text.
    pub statement: Vec<u8>,
    /// The old key's signature of it.
    pub old_signature: Option<Vec<u8>>,
    /// Why the old key did not sign it, when it did not.
    pub old_signature_skipped: Option<String>,
    /// The new key's signature of it.
    pub new_signature: Vec<u8>,
}

/// What a migration did.
#[derive(Clone, Debug)]
pub struct Report {
    /// The plan it carried out.
    pub plan: Plan,
    /// One report per planned credential, in plan order.
    pub items: Vec<ItemReport>,
}

impl Report {
    /// Whether every planned credential was re-issued.
    pub fn all_migrated(&self) -> bool {
        self.items.iter().all(|i| i.result.is_ok())
    }
}

/// What the migration reports while it runs.
#[derive(Debug)]
pub enum Progress<'a> {
    /// Re-issuing begins, with this many credentials.
    Started {
        /// Planned credentials.
        total: usize,
    },
    /// One credential is done, one way or the other.
    Finished(&'a ItemReport),
}

/// The plan of migrating the deployment in `dir` to `new` at the effective instant `at`,
/// changing nothing (`--dry-run`).
///
/// # Errors
///
/// Returns the refusals of [`MigrateError`]: a policy that is not newer, one without key
/// creation, an unfinished migration to another policy, a locked or unreadable store.
pub fn plan(
    dir: &Path,
    passphrase: &Passphrase,
    registry: &Registry,
    new: &Policy,
    at: OffsetDateTime,
) -> Result<Plan, MigrateError> {
    look(dir, passphrase, registry, new, at).map(|(plan, _, _)| plan)
}

/// The plan, the snapshot it was made from and the journal's run record, all read through
/// read-only handles.
fn look(
    dir: &Path,
    passphrase: &Passphrase,
    registry: &Registry,
    new: &Policy,
    at: OffsetDateTime,
) -> Result<(Plan, Snapshot, Option<RunRecord>), MigrateError> {
    let coordinator_dir = dir.join(COORDINATOR_DIR);
    let run = if coordinator_dir.exists() {
        let store = Store::open_read_only(&coordinator_dir, passphrase)
            .map_err(MigrateError::from_store)?;
        Journal(&store).run().map_err(MigrateError::from_store)?
    } else {
        None
    };
    let snapshot = Snapshot::read(dir, passphrase)?;
    let plan = plan::make(&snapshot, run.as_ref(), registry, new, at)?;
    Ok((plan, snapshot, run))
}

/// Migrates the deployment in `dir` to `new` at the effective instant `at` (see the module
/// documentation), or finishes the migration a crash interrupted.
///
/// # Errors
///
/// Returns the refusals of [`plan`], and [`MigrateError::Local`] or [`MigrateError::Store`]
/// when the parties cannot start or the journal cannot be written. A credential that fails is
/// not an error: the report says why, and running again retries it.
pub fn migrate(
    dir: &Path,
    passphrase: &Passphrase,
    registry: &Arc<Registry>,
    new: &Policy,
    at: OffsetDateTime,
    options: MigrateOptions,
    progress: &(dyn Fn(&Progress<'_>) + Sync),
) -> Result<Report, MigrateError> {
    // A first look through read-only handles: a refused or finished migration writes nothing.
    let (look, snapshot, seen) = look(dir, passphrase, registry, new, at)?;
    if look.kind == PlanKind::Done {
        let store = Store::open_read_only(&dir.join(COORDINATOR_DIR), passphrase)
            .map_err(MigrateError::from_store)?;
        return Ok(done_report(&Journal(&store), &snapshot, look));
    }
    // The coordinator's store is the migration's lock: it stays open until the run ends. If
    // another run changed the journal since the look, the plan is made again under the lock.
    let store = open_coordinator_store(dir, passphrase, &options.local)?;
    let journal = Journal(&store);
    let run = journal.run().map_err(MigrateError::from_store)?;
    let (plan, snapshot) = if run == seen {
        (look, snapshot)
    } else {
        let snapshot = Snapshot::read(dir, passphrase)?;
        let plan = plan::make(&snapshot, run.as_ref(), registry, new, at)?;
        if plan.kind == PlanKind::Done {
            return Ok(done_report(&journal, &snapshot, plan));
        }
        (plan, snapshot)
    };
    let mut run = match (plan.kind, run) {
        (PlanKind::Fresh, _) | (_, None) => RunRecord {
            version: new.version(),
            digest: *new.digest().as_bytes(),
            effective: plan.effective.unix_timestamp(),
            started: (options.local.clock)().unix_timestamp(),
            items: plan
                .items
                .iter()
                .map(|i| *i.credential.id.as_bytes())
                .collect(),
            finished: false,
        },
        (_, Some(run)) => run,
    };
    if plan.kind == PlanKind::Fresh {
        journal.put_run(&run).map_err(MigrateError::from_store)?;
    }
    tracing::info!(
        version = new.version(),
        credentials = plan.items.len(),
        "migration begins"
    );
    progress(&Progress::Started {
        total: plan.items.len(),
    });
    let owners: Vec<&str> = plan
        .items
        .iter()
        .map(|i| i.credential.owner.as_str())
        .collect();
    let jobs = options.jobs.max(1);
    let cluster = LocalCluster::start(dir, Some(new), &owners, passphrase, registry, options.local)
        .map_err(MigrateError::from_local)?;
    let work = Work {
        journal: &journal,
        snapshot: &snapshot,
        new,
        effective: plan.effective,
    };
    let queue = Mutex::new(plan.items.iter().enumerate().collect::<VecDeque<_>>());
    let done: Mutex<Vec<(usize, ItemReport)>> = Mutex::new(Vec::new());
    let mut coordinators = Vec::with_capacity(jobs);
    for job in 0..jobs {
        coordinators.push(
            cluster
                .another_coordinator(&format!("migrate-{job}"))
                .map_err(MigrateError::from_local)?,
        );
    }
    std::thread::scope(|scope| {
        for mut coordinator in coordinators {
            let (queue, done, work) = (&queue, &done, &work);
            scope.spawn(move || {
                loop {
                    let next = queue
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .pop_front();
                    let Some((index, item)) = next else { break };
                    let report = ItemReport {
                        old: item.credential.clone(),
                        result: work.migrate_one(&mut coordinator, item),
                    };
                    if let Err(reason) = &report.result {
                        tracing::warn!(credential = %item.credential.id, %reason, "not migrated");
                    }
                    progress(&Progress::Finished(&report));
                    done.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((index, report));
                }
            });
        }
    });
    cluster.stop();
    let mut items = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    items.sort_by_key(|(index, _)| *index);
    let report = Report {
        plan,
        items: items.into_iter().map(|(_, r)| r).collect(),
    };
    if report.all_migrated() {
        run.finished = true;
        journal.put_run(&run).map_err(MigrateError::from_store)?;
        tracing::info!(version = new.version(), "migration finished");
    }
    Ok(report)
}

/// Opens the coordinator's store in `dir` for writing, creating it on the first migration.
fn open_coordinator_store(
    dir: &Path,
    passphrase: &Passphrase,
    options: &LocalOptions,
) -> Result<Store, MigrateError> {
    let path = dir.join(COORDINATOR_DIR);
    let mut store = if path.exists() {
        Store::open(&path, passphrase)
    } else {
        Store::create(&path, COORDINATOR_DIR, passphrase, options.kdf)
    }
    .map_err(MigrateError::from_store)?;
    if let Some(crash) = &options.crash {
        store.dangerous_inject_crash(Arc::clone(crash));
    }
    Ok(store)
}

/// The report of a finished migration, from the journal.
fn done_report(journal: &Journal<'_>, snapshot: &Snapshot, plan: Plan) -> Report {
    let items = plan
        .items
        .iter()
        .map(|item| finished_item(journal, snapshot, &plan, item))
        .collect();
    Report { plan, items }
}

/// The report of a credential a finished run re-issued, from the journal.
fn finished_item(
    journal: &Journal<'_>,
    snapshot: &Snapshot,
    plan: &Plan,
    item: &PlanItem,
) -> ItemReport {
    let old = item.credential.clone();
    let result = (|| {
        let entry = journal.entry(&old.id).map_err(|e| e.to_string())?;
        let new = entry
            .new
            .and_then(|id| snapshot.credentials.get(&CredentialId::from_bytes(id)))
            .ok_or("the journal names no successor")?;
        let statement =
            Statement::rollover(&old, new, plan.to_version, plan.to_digest, plan.effective);
        Ok(Migrated {
            statement: statement.to_bytes(),
            new: new.clone(),
            old_signature: entry.old_signature,
            old_signature_skipped: entry.old_skipped,
            new_signature: entry
                .new_signature
                .ok_or("the journal holds no new signature")?,
        })
    })();
    ItemReport { old, result }
}

/// What every worker shares.
struct Work<'a> {
    journal: &'a Journal<'a>,
    snapshot: &'a Snapshot,
    new: &'a Policy,
    effective: OffsetDateTime,
}

impl Work<'_> {
    /// Takes one credential from wherever the journal says it got to through to the end.
    fn migrate_one(
        &self,
        coordinator: &mut Coordinator,
        item: &PlanItem,
    ) -> Result<Migrated, String> {
        let old = &item.credential;
        let span = tracing::info_span!("migrate", credential = %old.id);
        let _entered = span.enter();
        let journal = |entry: &Entry| {
            self.journal
                .put_entry(&old.id, entry)
                .map_err(|e| format!("the journal could not be written: {e}"))
        };
        let mut entry = self.journal.entry(&old.id).map_err(|e| e.to_string())?;

        // 1. The successor's key.
        if let Some(pending) = entry.pending.map(CredentialId::from_bytes) {
            if let Some(done) = self
                .snapshot
                .credentials
                .get(&pending)
                .filter(|_| self.snapshot.complete(&pending))
            {
                // Every holder stored its share before the crash: confirm it and keep it.
                coordinator
                    .confirm(&done.holders, pending)
                    .map_err(|e| format!("the finished key {pending} was not confirmed: {e}"))?;
                entry.new = Some(*pending.as_bytes());
            } else if let Some(held) = self.snapshot.held_by.get(&pending) {
                // A key generation a crash cut short: its key never signed; drop it.
                let holders = self
                    .snapshot
                    .credentials
                    .get(&pending)
                    .map(|c| c.holders.clone())
                    .unwrap_or_default();
                tracing::info!(%pending, holders = held.len(), "discarding an unfinished key");
                coordinator
                    .discard(&holders, pending)
                    .map_err(|e| format!("the unfinished key {pending} stays: {e}"))?;
            }
            entry.pending = None;
            journal(&entry)?;
        }
        let new = match entry.new.map(CredentialId::from_bytes) {
            Some(id) => match self.snapshot.credentials.get(&id) {
                Some(new) => new.clone(),
                None => return Err(format!("no store holds the successor {id}")),
            },
            None => {
                let id =
                    CredentialId::random(&mut getrandom::rand_core::UnwrapErr(getrandom::SysRng));
                entry.pending = Some(*id.as_bytes());
                journal(&entry)?;
                let options = KeygenOptions {
                    credential: Some(id),
                    replaces: Some(old.id),
                };
                let new = coordinator
                    .keygen_with(&old.owner, &item.becomes, options)
                    .map_err(|e| format!("key generation failed: {e}"))?;
                entry.pending = None;
                entry.new = Some(*new.id.as_bytes());
                journal(&entry)?;
                new
            }
        };

        // 2. The rollover statement, signed by the old key while it may sign, and by the new.
        let statement = Statement::rollover(
            old,
            &new,
            self.new.version(),
            self.new.digest(),
            self.effective,
        );
        let input = statement.sign_input();
        if entry.old_signature.is_none() && entry.old_skipped.is_none() {
            if item.old_key_signs {
                match coordinator.sign(old, &input) {
                    Ok(report) => entry.old_signature = Some(report.signature),
                    Err(CoordinatorError::NotAllowed(refusal)) => {
                        entry.old_skipped = Some(format!("the policy refuses it: {refusal}"));
                    }
                    Err(e) => return Err(format!("the old key did not sign: {e}")),
                }
            } else {
                entry.old_skipped = Some(format!(
                    "{} is {} under policy version {} on {}",
                    old.algorithm,
                    item.state,
                    self.new.version(),
                    self.effective.date()
                ));
            }
            journal(&entry)?;
        }
        let new_signature = match &entry.new_signature {
            Some(signature) => signature.clone(),
            None => {
                let signature = coordinator
                    .sign(&new, &input)
                    .map_err(|e| format!("the new key did not sign: {e}"))?
                    .signature;
                entry.new_signature = Some(signature.clone());
                journal(&entry)?;
                signature
            }
        };

        // 3. The old credential becomes verify-only, linked to its successor.
        if !entry.retired {
            coordinator
                .retire(old, &new, &statement.to_bytes(), &new_signature)
                .map_err(|e| format!("the old credential was not retired: {e}"))?;
            entry.retired = true;
            journal(&entry)?;
        }
        tracing::info!(new = %new.id, "credential re-issued");
        Ok(Migrated {
            statement: statement.to_bytes(),
            new,
            old_signature: entry.old_signature,
            old_signature_skipped: entry.old_skipped,
            new_signature,
        })
    }
}

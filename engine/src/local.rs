//! Every party of a policy in one process: a directory with one store per party, the nodes on
//! the in-memory transport, and a coordinator. `qoesign demo` runs on one in a temporary
//! directory; `qoesign keygen | sign | credentials --store DIR` run on a persistent one, for a
//! single operator trying qoesign out before the parties move to machines of their own.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use qoesign_policy::Policy;
use time::OffsetDateTime;

use crate::Registry;
use crate::coordinator::{Coordinator, Timeouts, device_name};
use crate::fault::CrashPoint;
use crate::node::{Approver, Clock, Node, NodeConfig, NodeHandle};
use crate::store::{AcceptedPolicy, KdfParams, Passphrase, Store, StoreError};
use crate::transport::memory::MemoryNetwork;
use crate::transport::{Transport, TransportError};

/// Makes the approver of the device with the given name.
pub type MakeApprover = Box<dyn Fn(&str) -> Approver>;

/// How the parties of a [`LocalCluster`] behave.
pub struct LocalOptions {
    /// Argon2id cost for stores created now.
    pub kdf: KdfParams,
    /// Each node's signing round timeout.
    pub sign_round_timeout: Duration,
    /// The coordinator's timeouts.
    pub timeouts: Timeouts,
    /// The clock every party judges the policy by.
    pub clock: Clock,
    /// The user's decision on each device; `None` approves everything.
    pub approver: Option<MakeApprover>,
    /// For crash tests: every store's writes count against this budget.
    pub crash: Option<Arc<CrashPoint>>,
}

impl Default for LocalOptions {
    fn default() -> Self {
        Self {
            kdf: KdfParams::recommended(),
            sign_round_timeout: Duration::from_secs(10),
            timeouts: Timeouts::default(),
            clock: crate::node::system_clock(),
            approver: None,
            crash: None,
        }
    }
}

/// Why a local cluster could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalError {
    /// A party's store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The directory has no store yet and no policy was given to create one.
    #[error("{0} holds no store yet; give a policy to create one")]
    NoPolicy(PathBuf),
    /// A stored policy no longer parses.
    #[error("the policy stored in {path} no longer parses: {reason}")]
    StoredPolicy {
        /// The store.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Every party of one policy, running.
pub struct LocalCluster {
    /// The coordinator, under the policy in force.
    pub coordinator: Coordinator,
    network: MemoryNetwork,
    nodes: Vec<NodeHandle>,
    registry: Arc<Registry>,
    timeouts: Timeouts,
    clock: Clock,
}

/// The directory, inside a cluster directory, of the coordinator's own store (it holds no
/// share: only the journal of long operations such as a migration).
pub const COORDINATOR_DIR: &str = "coordinator";

impl LocalCluster {
    /// Opens (or creates) the store of every provider of the policy in force and of the user
    /// devices of `owners` and of every device already in `dir`, starts their nodes and a
    /// coordinator. `policy`, when given, is accepted by every store first; otherwise the
    /// newest policy the first provider accepted is in force.
    ///
    /// # Errors
    ///
    /// Returns [`LocalError`] when a store cannot be opened or created (a wrong passphrase,
    /// a damaged file), or when there is no policy at all.
    pub fn start(
        dir: &Path,
        policy: Option<&Policy>,
        owners: &[&str],
        passphrase: &Passphrase,
        registry: &Arc<Registry>,
        options: LocalOptions,
    ) -> Result<Self, LocalError> {
        let now = (options.clock)();
        let policy = match policy {
            Some(policy) => policy.clone(),
            None => stored_policy(dir, passphrase, registry)?,
        };
        let mut parties = policy.quorum().providers().to_vec();
        // Devices that hold keys from earlier runs keep serving them; a new owner gets a device
        // only when the policy makes devices key holders.
        let mut devices: Vec<String> = existing_devices(dir);
        if policy.quorum().user_required() {
            for owner in owners {
                let device = device_name(owner);
                if !devices.contains(&device) {
                    devices.push(device);
                }
            }
        }
        parties.extend(devices.iter().cloned());
        let network = MemoryNetwork::new();
        let mut nodes = Vec::with_capacity(parties.len());
        for name in &parties {
            let mut store =
                open_or_create(&dir.join(directory_of(name)), name, passphrase, &options)?;
            if let Some(crash) = &options.crash {
                store.dangerous_inject_crash(Arc::clone(crash));
            }
            accept(&store, &policy, now)?;
            let mut config = if devices.contains(name) {
                let approver = match &options.approver {
                    Some(make) => make(name),
                    None => Box::new(|_: &crate::node::Approval| true),
                };
                NodeConfig::user_device(approver)
            } else {
                NodeConfig::provider()
            };
            config.sign_round_timeout = options.sign_round_timeout;
            config.clock = Arc::clone(&options.clock);
            let endpoint = network.endpoint(name)?;
            nodes.push(Node::new(store, endpoint, Arc::clone(registry), config).spawn());
        }
        let coordinator = Coordinator::new(
            network.endpoint("coordinator")?,
            Arc::clone(registry),
            policy,
            options.timeouts,
            Arc::clone(&options.clock),
        );
        Ok(Self {
            coordinator,
            network,
            nodes,
            registry: Arc::clone(registry),
            timeouts: options.timeouts,
            clock: options.clock,
        })
    }

    /// Another coordinator under the same policy, on its own endpoint `name`: coordinators
    /// run sessions side by side (each node serves every session it is asked into).
    ///
    /// # Errors
    ///
    /// Returns [`LocalError::Transport`] when `name` is taken.
    pub fn another_coordinator(&self, name: &str) -> Result<Coordinator, LocalError> {
        Ok(Coordinator::new(
            self.network.endpoint(name)?,
            Arc::clone(&self.registry),
            self.coordinator.policy().clone(),
            self.timeouts,
            Arc::clone(&self.clock),
        ))
    }

    /// The in-memory network, for fault injection.
    pub fn network(&self) -> &MemoryNetwork {
        &self.network
    }

    /// Stops every node; their stores close.
    pub fn stop(self) {
        drop(self.nodes);
    }
}

/// The directory of a party's store inside a cluster directory.
fn directory_of(party: &str) -> String {
    party.replace(':', "-")
}

fn existing_devices(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut devices: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_prefix("device-").map(device_name))
        .collect();
    devices.sort();
    devices
}

fn open_or_create(
    path: &Path,
    name: &str,
    passphrase: &Passphrase,
    options: &LocalOptions,
) -> Result<Store, StoreError> {
    if path.exists() {
        Store::open(path, passphrase)
    } else {
        Store::create(path, name, passphrase, options.kdf)
    }
}

fn accept(store: &Store, policy: &Policy, now: OffsetDateTime) -> Result<(), StoreError> {
    if store.accepted_policy(&policy.digest())?.is_some() {
        return Ok(());
    }
    store.accept_policy(&AcceptedPolicy {
        version: policy.version(),
        digest: policy.digest(),
        source: policy.to_toml(),
        accepted_at: now,
    })
}

/// The store directory of every party in the cluster directory `dir` (the coordinator's own
/// store left out), sorted.
///
/// # Errors
///
/// Returns the error of reading `dir`.
pub fn party_dirs(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !p.ends_with(COORDINATOR_DIR))
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// The newest policy accepted by the first provider store found in `dir`.
fn stored_policy(
    dir: &Path,
    passphrase: &Passphrase,
    registry: &Registry,
) -> Result<Policy, LocalError> {
    let entries = party_dirs(dir).map_err(|_| LocalError::NoPolicy(dir.to_owned()))?;
    let first = entries
        .first()
        .ok_or_else(|| LocalError::NoPolicy(dir.to_owned()))?;
    let store = Store::open(first, passphrase)?;
    let newest = store
        .accepted_policies()?
        .into_iter()
        .max_by_key(|p| p.version)
        .ok_or_else(|| LocalError::NoPolicy(dir.to_owned()))?;
    Policy::parse(&newest.source, "stored policy", &registry.known_ids()).map_err(|e| {
        LocalError::StoredPolicy {
            path: first.clone(),
            reason: e.to_string(),
        }
    })
}

//! `qoesign keygen | sign | credentials --store DIR`: every party of the policy in one
//! directory, one encrypted store per party, for a single operator trying qoesign out.
//!
//! The operator passphrase comes from `QOESIGN_PASSPHRASE` or from `--passphrase-file`, never
//! from an argument (arguments are visible to every user of the machine).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use qoesign_algorithms::SignInput;
use qoesign_engine::Registry;
use qoesign_engine::coordinator::{SessionSummary, device_name};
use qoesign_engine::local::{LocalCluster, LocalOptions};
use qoesign_engine::node::Clock;
use qoesign_engine::store::{Credential, CredentialId, Passphrase, Store};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::common::{day, load_policy};
use crate::report::{SessionJson, sessions_json};

/// The environment variable the operator passphrase is read from.
pub(crate) const PASSPHRASE_VAR: &str = "QOESIGN_PASSPHRASE";

/// Where the stores are and how to open them.
#[derive(clap::Args)]
pub(crate) struct StoreArgs {
    /// Directory holding one store per party (created on first use).
    #[arg(long, value_name = "DIR", env = "QOESIGN_STORE")]
    pub(crate) store: PathBuf,
    /// File holding the operator passphrase (default: the QOESIGN_PASSPHRASE variable).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Day the policy is judged on, YYYY-MM-DD (default: now, UTC).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
}

impl StoreArgs {
    pub(crate) fn passphrase(&self) -> anyhow::Result<Passphrase> {
        match &self.passphrase_file {
            Some(path) => Ok(Passphrase::from_file(path)?),
            None => Passphrase::from_env(PASSPHRASE_VAR)
                .with_context(|| format!("set {PASSPHRASE_VAR} or give --passphrase-file")),
        }
    }

    pub(crate) fn clock(&self) -> anyhow::Result<Clock> {
        Ok(match &self.date {
            None => qoesign_engine::node::system_clock(),
            Some(text) => {
                let at = OffsetDateTime::new_utc(day(Some(text))?, time::macros::time!(12:00));
                Arc::new(move || at)
            }
        })
    }

    fn start(
        &self,
        policy: Option<&Path>,
        owners: &[&str],
        registry: &Arc<Registry>,
    ) -> anyhow::Result<LocalCluster> {
        let passphrase = self.passphrase()?;
        let policy = match policy {
            Some(path) => Some(load_policy(registry, Some(path))?),
            // A directory without stores starts under the embedded default policy.
            None if !self.store.exists() => Some(load_policy(registry, None)?),
            None => None,
        };
        let options = LocalOptions {
            clock: self.clock()?,
            ..LocalOptions::default()
        };
        Ok(LocalCluster::start(
            &self.store,
            policy.as_ref(),
            owners,
            &passphrase,
            registry,
            options,
        )?)
    }

    /// The credential as the first store holding it records it.
    fn credential(&self, id: &CredentialId) -> anyhow::Result<Credential> {
        let passphrase = self.passphrase()?;
        for dir in party_dirs(&self.store)? {
            let store = Store::open_read_only(&dir, &passphrase)?;
            if let Ok(credential) = store.credential(id) {
                return Ok(credential);
            }
        }
        bail!("no store in {} holds credential {id}", self.store.display())
    }
}

#[derive(Serialize)]
struct KeygenJson {
    credential: String,
    owner: String,
    algorithm: String,
    scheme: String,
    public_key: String,
    policy_version: u64,
    policy_digest: String,
    key_holders: Vec<String>,
    threshold: u16,
    user_device: Option<String>,
}

/// `qoesign keygen`.
pub(crate) fn keygen(
    args: &StoreArgs,
    owner: &str,
    algorithm: Option<&str>,
    policy: Option<&Path>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let registry = Arc::new(Registry::builtin());
    let mut cluster = args.start(policy, &[owner], &registry)?;
    let algorithm = algorithm
        .unwrap_or(cluster.coordinator.policy().preferred())
        .to_owned();
    let credential = cluster.coordinator.keygen(owner, &algorithm)?;
    cluster.stop();
    let out = KeygenJson {
        credential: credential.id.to_string(),
        owner: credential.owner.clone(),
        algorithm: credential.algorithm.clone(),
        scheme: credential.scheme.clone(),
        public_key: hex::encode(&credential.public_key),
        policy_version: credential.policy_version,
        policy_digest: credential.policy_digest.to_string(),
        key_holders: credential.holders.iter().map(|h| h.name.clone()).collect(),
        threshold: credential.threshold,
        user_device: device_of(&credential),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("credential {} for {}", out.credential, out.owner);
        println!("  algorithm   {} via {}", out.algorithm, out.scheme);
        println!(
            "  key holders {} ({} sign together)",
            out.key_holders.join(", "),
            out.threshold
        );
        println!("  public key  {}", out.public_key);
    }
    Ok(ExitCode::SUCCESS)
}

/// What `qoesign sign` signs.
pub(crate) struct SignArgs<'a> {
    pub(crate) credential: &'a str,
    pub(crate) msg: Option<&'a str>,
    pub(crate) msg_file: Option<&'a Path>,
    pub(crate) digest: Option<&'a str>,
    pub(crate) mu: Option<&'a str>,
    pub(crate) ctx: Option<&'a str>,
}

#[derive(Serialize)]
struct SignJson {
    credential: String,
    algorithm: String,
    public_key: String,
    signature: String,
    signers: Vec<String>,
    attempts: u32,
    sessions: Vec<SessionJson>,
    verified: bool,
}

/// `qoesign sign`.
pub(crate) fn sign(args: &StoreArgs, what: &SignArgs<'_>, json: bool) -> anyhow::Result<ExitCode> {
    let id: CredentialId = what
        .credential
        .parse()
        .map_err(|e| anyhow!("--credential: {e}"))?;
    let input = sign_input(what)?;
    let credential = args.credential(&id)?;
    let registry = Arc::new(Registry::builtin());
    let mut cluster = args.start(None, &[credential.owner.as_str()], &registry)?;
    let report = cluster.coordinator.sign(&credential, &input)?;
    cluster.stop();
    let out = SignJson {
        credential: credential.id.to_string(),
        algorithm: credential.algorithm.clone(),
        public_key: hex::encode(&credential.public_key),
        signature: hex::encode(&report.signature),
        signers: report.signers.iter().map(|h| h.name.clone()).collect(),
        attempts: report.attempts,
        sessions: sessions_json(&report.sessions),
        verified: true,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_sessions(&report.sessions);
        println!("signature {}", out.signature);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_sessions(sessions: &[SessionSummary]) {
    for (i, session) in sessions.iter().enumerate() {
        let signers: Vec<&str> = session.signers.iter().map(|h| h.name.as_str()).collect();
        let failures: Vec<String> = session.failures.iter().map(ToString::to_string).collect();
        let verdict = if failures.is_empty() {
            "signed, verified".to_owned()
        } else {
            format!("failed: {}", failures.join("; "))
        };
        eprintln!("session {} with {}: {verdict}", i + 1, signers.join(", "));
    }
}

fn sign_input(what: &SignArgs<'_>) -> anyhow::Result<SignInput> {
    let context = match what.ctx {
        Some(hex_text) => hex::decode(hex_text).map_err(|e| anyhow!("--ctx: not hex: {e}"))?,
        None => Vec::new(),
    };
    let given = [
        what.msg.is_some(),
        what.msg_file.is_some(),
        what.digest.is_some(),
        what.mu.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        bail!("give exactly one of --msg, --msg-file, --digest, --mu");
    }
    let decode =
        |flag: &str, text: &str| hex::decode(text).map_err(|e| anyhow!("{flag}: not hex: {e}"));
    if !context.is_empty() && (what.digest.is_some() || what.mu.is_some()) {
        bail!("--ctx goes with a message; a digest or mu already includes what it binds");
    }
    Ok(if let Some(text) = what.msg {
        SignInput::with_context(decode("--msg", text)?, context)
    } else if let Some(path) = what.msg_file {
        let message = std::fs::read(path)
            .with_context(|| format!("--msg-file: cannot read {}", path.display()))?;
        SignInput::with_context(message, context)
    } else if let Some(text) = what.digest {
        SignInput::Digest(decode("--digest", text)?)
    } else {
        let mu = decode("--mu", what.mu.unwrap_or_default())?;
        SignInput::ExternalMu(
            mu.as_slice()
                .try_into()
                .map_err(|_| anyhow!("--mu: {} bytes, FIPS 204 mu has 64", mu.len()))?,
        )
    })
}

#[derive(Serialize)]
struct CredentialJson {
    credential: String,
    owner: String,
    algorithm: String,
    scheme: String,
    state: &'static str,
    public_key: String,
    policy_version: u64,
    created: String,
    last_used: Option<String>,
    signature_count: u64,
    replaces: Option<String>,
    replaced_by: Option<String>,
    holders: Vec<HolderJson>,
}

#[derive(Serialize)]
struct HolderJson {
    party: String,
    state: &'static str,
    signature_count: u64,
    last_used: Option<String>,
}

/// `qoesign credentials`.
pub(crate) fn credentials(args: &StoreArgs, json: bool) -> anyhow::Result<ExitCode> {
    let passphrase = args.passphrase()?;
    let mut by_id: std::collections::BTreeMap<CredentialId, (Credential, Vec<HolderJson>)> =
        std::collections::BTreeMap::new();
    for dir in party_dirs(&args.store)? {
        let store = Store::open_read_only(&dir, &passphrase)?;
        for credential in store.credentials()? {
            let holder = HolderJson {
                party: store.party().to_owned(),
                state: credential.state.as_str(),
                signature_count: credential.signature_count,
                last_used: credential.last_used.map(rfc3339),
            };
            by_id
                .entry(credential.id)
                .or_insert_with(|| (credential, Vec::new()))
                .1
                .push(holder);
        }
    }
    let mut rows: Vec<CredentialJson> = by_id
        .into_values()
        .map(|(c, holders)| CredentialJson {
            credential: c.id.to_string(),
            owner: c.owner.clone(),
            algorithm: c.algorithm.clone(),
            scheme: c.scheme.clone(),
            state: c.state.as_str(),
            public_key: hex::encode(&c.public_key),
            policy_version: c.policy_version,
            created: rfc3339(c.created),
            // Signatures of the key: every signature has the same number of signers, and each
            // signer counts it once.
            signature_count: holders.iter().map(|h| h.signature_count).sum::<u64>()
                / u64::from(c.threshold.max(1)),
            last_used: holders.iter().filter_map(|h| h.last_used.clone()).max(),
            replaces: c.replaces.map(|r| r.to_string()),
            replaced_by: c.replaced_by.map(|r| r.to_string()),
            holders,
        })
        .collect();
    rows.sort_by(|a, b| {
        a.created
            .cmp(&b.created)
            .then(a.credential.cmp(&b.credential))
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("no credentials in {}", args.store.display());
    }
    for row in &rows {
        let mut lineage = String::new();
        if let Some(old) = &row.replaces {
            lineage.push_str(&format!(", re-issues {old}"));
        }
        if let Some(new) = &row.replaced_by {
            lineage.push_str(&format!(", re-issued as {new}"));
        }
        println!(
            "{}  {:<8} {:<20} {:<9} {} signature(s), created {}{lineage}",
            row.credential, row.owner, row.algorithm, row.state, row.signature_count, row.created
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn device_of(credential: &Credential) -> Option<String> {
    let device = device_name(&credential.owner);
    credential
        .holders
        .iter()
        .any(|h| h.name == device)
        .then_some(device)
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

/// Every party's store directory in `dir`, sorted.
fn party_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dirs = qoesign_engine::local::party_dirs(dir)
        .with_context(|| format!("--store: cannot read {}", dir.display()))?;
    if dirs.is_empty() {
        bail!("--store: {} holds no store", dir.display());
    }
    Ok(dirs)
}

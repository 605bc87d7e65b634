//! Helpers shared by the commands: loading the policy and today's date.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use qoesign_engine::Registry;
use qoesign_policy::{DEFAULT_POLICY_NAME, DEFAULT_POLICY_TOML, Date, Policy};
use time::macros::format_description;

/// The policy and the day a command evaluates it on.
#[derive(clap::Args)]
pub(crate) struct PolicyArgs {
    /// Policy file (default: the embedded default policy).
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Option<PathBuf>,
    /// Day to evaluate the policy on, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub(crate) date: Option<String>,
}

impl PolicyArgs {
    /// The policy (file or embedded default) and the day.
    pub(crate) fn load(&self, registry: &Registry) -> anyhow::Result<(Policy, Date)> {
        let policy = load_policy(registry, self.policy.as_deref())?;
        Ok((policy, day(self.date.as_deref())?))
    }
}

/// Loads the policy at `path`, or the embedded default.
pub(crate) fn load_policy(registry: &Registry, path: Option<&Path>) -> anyhow::Result<Policy> {
    let known = registry.known_ids();
    match path {
        Some(path) => Ok(Policy::load(path, &known)?),
        None => Policy::parse(DEFAULT_POLICY_TOML, DEFAULT_POLICY_NAME, &known)
            .map_err(|e| anyhow!("the embedded default policy is invalid (a build bug): {e}")),
    }
}

/// The day given as `YYYY-MM-DD`, or today in UTC.
pub(crate) fn day(date: Option<&str>) -> anyhow::Result<Date> {
    match date {
        None => Ok(time::OffsetDateTime::now_utc().date()),
        Some(text) => Date::parse(text, format_description!("[year]-[month]-[day]"))
            .with_context(|| format!("--date: expected a date like 2026-12-01, got `{text}`")),
    }
}

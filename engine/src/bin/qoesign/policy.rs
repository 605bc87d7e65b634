//! `qoesign policy check`: validate a policy, show its summary, warnings and diff.

use std::path::Path;
use std::process::ExitCode;

use qoesign_engine::{Committee, Registry, RegistryError};
use qoesign_policy::{AlgorithmPolicy, LoadError, Policy, diff};

/// Exit 0 with a summary when the policy (and the diff against `against`) is accepted, exit 1
/// with the located error otherwise.
pub(crate) fn check(file: &Path, against: Option<&Path>) -> anyhow::Result<ExitCode> {
    let registry = Registry::builtin();
    let known = registry.known_ids();
    let policy = match Policy::load(file, &known) {
        Ok(policy) => policy,
        Err(error) => return Ok(refuse(&error)),
    };
    let old = match against.map(|path| Policy::load(path, &known)).transpose() {
        Ok(old) => old,
        Err(error) => {
            eprintln!("error: the policy given with --against is not valid:");
            return Ok(refuse(&error));
        }
    };
    let changes = match old.as_ref().map(|old| diff(old, &policy)).transpose() {
        Ok(changes) => changes,
        Err(error) => {
            eprintln!("error: {}: {error}", file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    println!("{}: valid", file.display());
    print_summary(&policy);
    for warning in warnings(&registry, &policy) {
        println!("warning: {warning}");
    }
    if let (Some(changes), Some(old_path)) = (changes, against) {
        println!("changes from {}:", old_path.display());
        for line in changes.to_string().lines() {
            println!("  {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn refuse(error: &LoadError) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

fn print_summary(policy: &Policy) {
    let description = policy
        .description()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    println!(
        "  version    {}, issued {}{description}",
        policy.version(),
        policy.issued()
    );
    println!("  digest     {}", policy.digest());
    println!("  preferred  {}", policy.preferred());
    let quorum = policy.quorum();
    println!(
        "  quorum     {}: {}",
        Committee::from_quorum(quorum),
        quorum.providers().join(", ")
    );
    println!("  algorithms");
    for algorithm in policy.algorithms() {
        println!("    {:<20} {}", algorithm.id(), lifecycle(algorithm));
    }
}

fn lifecycle(algorithm: &AlgorithmPolicy) -> String {
    let mut text = algorithm.written_state().to_string();
    if let Some(day) = algorithm.deprecate_on() {
        text.push_str(&format!(", deprecated from {day}"));
    }
    if let Some(day) = algorithm.retire_on() {
        text.push_str(&format!(", retired from {day}"));
    }
    text
}

/// What is valid but worth an operator's attention.
pub(crate) fn warnings(registry: &Registry, policy: &Policy) -> Vec<String> {
    let committee = Committee::from_quorum(policy.quorum());
    let mut warnings = Vec::new();
    for algorithm in policy.algorithms() {
        if !algorithm.state_at(policy.issued()).may_sign() {
            continue;
        }
        if let Err(
            error @ (RegistryError::NoSchemeForQuorum { .. }
            | RegistryError::UserNotEnforceable { .. }),
        ) = registry.select(algorithm.id(), committee)
        {
            warnings.push(format!("{}: {error}", algorithm.id()));
        }
    }
    if let Some(day) = policy.key_creation_ends() {
        warnings.push(format!(
            "from {day} no algorithm may create keys: a newer policy must be in force by then"
        ));
    }
    warnings
}

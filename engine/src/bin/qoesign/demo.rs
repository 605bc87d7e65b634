//! `qoesign demo`: the main job on a policy, with a short summary or JSON.

use std::process::ExitCode;

use qoesign_engine::{Registry, demo};
use serde::Serialize;

use crate::common::{PolicyArgs, os_rng};
use crate::policy::warnings;

/// The `--json` output. The field names are a contract with scripts: keep them stable.
#[derive(Serialize)]
struct DemoJson {
    algorithm: &'static str,
    public_key: String,
    message: String,
    context: String,
    signature: String,
    scheme: &'static str,
    scheme_kind: &'static str,
    policy_version: u64,
    policy_digest: String,
    key_holders: Vec<String>,
    signers: Vec<String>,
    attempts: u32,
    verified: bool,
}

pub(crate) fn run(args: &PolicyArgs, json: bool) -> anyhow::Result<ExitCode> {
    let registry = Registry::builtin();
    let (policy, today) = args.load(&registry)?;
    let report = demo::run(&policy, &registry, today, &mut os_rng())?;
    if json {
        let out = DemoJson {
            algorithm: report.algorithm,
            public_key: hex::encode(&report.public_key),
            message: hex::encode(&report.message),
            context: hex::encode(&report.context),
            signature: hex::encode(&report.signature),
            scheme: report.scheme,
            scheme_kind: report.scheme_kind.as_str(),
            policy_version: report.policy_version,
            policy_digest: report.policy_digest.to_string(),
            key_holders: report.key_holders,
            signers: report.signers,
            attempts: report.attempts,
            verified: true,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    for warning in warnings(&registry, &policy) {
        eprintln!("warning: {warning}");
    }
    println!(
        "qoesign demo on {today} under policy v{} ({})",
        report.policy_version, report.policy_digest
    );
    println!(
        "  algorithm   {} via {} ({})",
        report.algorithm, report.scheme, report.scheme_kind
    );
    println!(
        "  key holders {}; signers {} ({} attempt(s))",
        report.key_holders.join(", "),
        report.signers.join(", "),
        report.attempts
    );
    println!(
        "  public key  {} bytes  {}",
        report.public_key.len(),
        preview(&report.public_key)
    );
    println!(
        "  document    {:?} ({} bytes), context {:?}",
        String::from_utf8_lossy(&report.message),
        report.message.len(),
        String::from_utf8_lossy(&report.context)
    );
    println!(
        "  signature   {} bytes  {}",
        report.signature.len(),
        preview(&report.signature)
    );
    println!(
        "  verified    yes, by the standard {} verifier",
        report.algorithm
    );
    Ok(ExitCode::SUCCESS)
}

/// The first and last bytes of a long public value, in hex.
fn preview(bytes: &[u8]) -> String {
    match (
        bytes.get(..8),
        bytes.len().checked_sub(4).and_then(|i| bytes.get(i..)),
    ) {
        (Some(head), Some(tail)) if bytes.len() > 16 => {
            format!("{}…{}", hex::encode(head), hex::encode(tail))
        }
        _ => hex::encode(bytes),
    }
}

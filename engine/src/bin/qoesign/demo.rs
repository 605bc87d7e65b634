//! `qoesign demo`: the main job on a policy, with a short summary or JSON.

use std::process::ExitCode;
use std::sync::Arc;

use qoesign_engine::Registry;
use qoesign_engine::demo::{self, DemoReport, DemoSignature};
use qoesign_engine::node::Approval;
use serde::Serialize;

use crate::common::PolicyArgs;
use crate::policy::warnings;
use crate::report::{SessionJson, sessions_json};

/// The `--json` output. The field names are a contract with scripts: keep them stable. The
/// top-level signature fields describe the first signature; `signatures` has every one.
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
    user_device: Option<String>,
    dropped: Option<String>,
    signatures: Vec<SignatureJson>,
}

#[derive(Serialize)]
struct SignatureJson {
    message: String,
    signature: String,
    signers: Vec<String>,
    attempts: u32,
    sessions: Vec<SessionJson>,
    verified: bool,
}

pub(crate) fn run(args: &PolicyArgs, json: bool) -> anyhow::Result<ExitCode> {
    let registry = Arc::new(Registry::builtin());
    let (policy, today) = args.load(&registry)?;
    let report = demo::run(&policy, &registry, today)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&to_json(&report))?);
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
    println!("  key holders {}", report.key_holders.join(", "));
    println!(
        "  public key  {} bytes  {}",
        report.public_key.len(),
        preview(&report.public_key)
    );
    for (n, signed) in report.signatures.iter().enumerate() {
        print_signature(n + 1, signed, &report);
    }
    if let Some(device) = user_device(&report) {
        println!("  {device} showed, and the user approved:");
        for asked in &report.device_log {
            match asked {
                Approval::Keygen {
                    credential,
                    algorithm,
                    owner,
                } => println!("    new {algorithm} key {credential} for {owner}"),
                Approval::Sign {
                    credential,
                    algorithm,
                    digest,
                } => println!("    sign with {credential} ({algorithm}): {digest}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_signature(n: usize, signed: &DemoSignature, report: &DemoReport) {
    println!(
        "  document {n}  {:?} ({} bytes), context {:?}",
        String::from_utf8_lossy(&signed.message),
        signed.message.len(),
        String::from_utf8_lossy(&report.context)
    );
    for (i, session) in signed.sessions.iter().enumerate() {
        let signers: Vec<&str> = session.signers.iter().map(|h| h.name.as_str()).collect();
        if session.failures.is_empty() {
            println!(
                "    session {} with {}: signed ({} attempt(s))",
                i + 1,
                signers.join(", "),
                signed.attempts
            );
        } else {
            let culprits: Vec<String> = session.failures.iter().map(ToString::to_string).collect();
            println!(
                "    session {} with {}: failed, {}; retrying without them",
                i + 1,
                signers.join(", "),
                culprits.join("; ")
            );
        }
    }
    println!(
        "    signature {} bytes  {}; verified by the standard {} verifier",
        signed.signature.len(),
        preview(&signed.signature),
        report.algorithm
    );
}

fn user_device(report: &DemoReport) -> Option<String> {
    let prefix = qoesign_engine::coordinator::device_name("");
    report
        .key_holders
        .iter()
        .find(|h| h.starts_with(&prefix))
        .cloned()
}

fn to_json(report: &DemoReport) -> DemoJson {
    let signatures: Vec<SignatureJson> = report
        .signatures
        .iter()
        .map(|s| SignatureJson {
            message: hex::encode(&s.message),
            signature: hex::encode(&s.signature),
            signers: s.signers.clone(),
            attempts: s.attempts,
            sessions: sessions_json(&s.sessions),
            verified: true,
        })
        .collect();
    let first = report.signatures.first();
    DemoJson {
        algorithm: report.algorithm,
        public_key: hex::encode(&report.public_key),
        message: first.map(|s| hex::encode(&s.message)).unwrap_or_default(),
        context: hex::encode(&report.context),
        signature: first.map(|s| hex::encode(&s.signature)).unwrap_or_default(),
        scheme: report.scheme,
        scheme_kind: report.scheme_kind.as_str(),
        policy_version: report.policy_version,
        policy_digest: report.policy_digest.to_string(),
        key_holders: report.key_holders.clone(),
        signers: first.map(|s| s.signers.clone()).unwrap_or_default(),
        attempts: first.map_or(0, |s| s.attempts),
        verified: true,
        user_device: user_device(report),
        dropped: report.dropped.clone(),
        signatures,
    }
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

//! `qoesign algorithms`: every algorithm, its schemes, and its state under a policy.

use std::process::ExitCode;

use qoesign_algorithms::SignatureLen;
use qoesign_engine::{AlgorithmEntry, Committee, Registry};
use qoesign_policy::{Date, Policy};
use serde::Serialize;

use crate::common::PolicyArgs;

#[derive(Serialize)]
struct Row {
    id: &'static str,
    name: &'static str,
    oid: &'static str,
    nist_category: Option<u8>,
    post_quantum: bool,
    public_key_bytes: usize,
    signature_bytes: usize,
    signature_bytes_exact: bool,
    takes_context: bool,
    schemes: Vec<SchemeRow>,
    /// `active`, `deprecated`, `retired`, or `unlisted` (not in the policy: may do nothing).
    state: String,
    may_sign: bool,
    may_create_keys: bool,
    /// The scheme that runs for the policy's quorum, if one exists yet.
    scheme_for_quorum: Option<&'static str>,
}

#[derive(Serialize)]
struct SchemeRow {
    id: &'static str,
    kind: &'static str,
    max_parties: u16,
    implementation: &'static str,
}

pub(crate) fn run(args: &PolicyArgs, json: bool) -> anyhow::Result<ExitCode> {
    let registry = Registry::builtin();
    let (policy, today) = args.load(&registry)?;
    let rows: Vec<Row> = registry
        .entries()
        .iter()
        .map(|e| row(&registry, &policy, e, today))
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "policy v{} on {today}, quorum {}",
        policy.version(),
        Committee::from_quorum(policy.quorum())
    );
    println!(
        "{:<20} {:<11} {:<3} {:<4} {:>6} {:>7}  {:<26} SCHEMES",
        "ALGORITHM", "STATE", "PQ", "CAT", "PK", "SIG", "FOR THIS QUORUM"
    );
    for row in &rows {
        let schemes: Vec<String> = row
            .schemes
            .iter()
            .map(|s| format!("{} ({}, <= {})", s.id, s.kind, s.max_parties))
            .collect();
        println!(
            "{:<20} {:<11} {:<3} {:<4} {:>6} {:>7}  {:<26} {}",
            row.id,
            row.state,
            if row.post_quantum { "yes" } else { "no" },
            row.nist_category
                .map_or_else(|| "-".to_owned(), |c| c.to_string()),
            row.public_key_bytes,
            if row.signature_bytes_exact {
                row.signature_bytes.to_string()
            } else {
                format!("<={}", row.signature_bytes)
            },
            row.scheme_for_quorum.unwrap_or("none yet"),
            if schemes.is_empty() {
                "none yet".to_owned()
            } else {
                schemes.join(", ")
            },
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn row(registry: &Registry, policy: &Policy, entry: &AlgorithmEntry, today: Date) -> Row {
    let info = entry.info;
    let state = policy.state_at(info.id, today);
    let committee = Committee::from_quorum(policy.quorum());
    Row {
        id: info.id,
        name: info.name,
        oid: info.oid,
        nist_category: info.nist_category,
        post_quantum: info.post_quantum,
        public_key_bytes: info.public_key_len,
        signature_bytes: info.signature_len.max(),
        signature_bytes_exact: matches!(info.signature_len, SignatureLen::Exact(_)),
        takes_context: info.takes_context,
        schemes: entry
            .schemes
            .iter()
            .map(|s| {
                let s = s.info();
                SchemeRow {
                    id: s.id,
                    kind: s.kind.as_str(),
                    max_parties: s.max_parties,
                    implementation: s.implementation,
                }
            })
            .collect(),
        state: state.map_or_else(|| "unlisted".to_owned(), |s| s.to_string()),
        may_sign: state.is_some_and(|s| s.may_sign()),
        may_create_keys: state.is_some_and(|s| s.may_create_keys()),
        scheme_for_quorum: registry
            .select(info.id, committee)
            .ok()
            .map(|s| s.info().id),
    }
}

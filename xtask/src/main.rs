//! `cargo xtask`: qoesign's project tooling.
//!
//! Subcommands:
//!
//! - `ci`: the gates `.ci/run` applies, in the same order: `cargo fmt --check`, clippy on all
//!   targets with warnings denied, the documentation with warnings denied, the test command of
//!   the README, then `kat`, then `bench --quick`. Run it before pushing to see what CI will say.
//! - `kat [--json]`: every known-answer vector file (NIST ACVP ML-DSA, Wycheproof ECDSA) of
//!   `vectors/data` and of the shared collection `../shared/vectors` when it exists, run
//!   against qoesign's schemes, one row per file and test group (see `kat.rs`).
//!
//! - `bench [--quick] [--filter REGEX]`: the criterion benchmarks of `benches/`, and a report
//!   of them in `target/bench/` (`report.md`, `report.json`, `latency.svg`; see `bench.rs`).

use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

mod bench;
mod kat;

/// The README's one test command, without the leading `cargo`.
const TEST_COMMAND: &[&str] = &["test", "--workspace"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("kat") => kat::kat(args.get(1..).unwrap_or_default()),
        Some("bench") => bench::bench(args.get(1..).unwrap_or_default()),
        Some(other) => Err(anyhow::anyhow!("unknown task `{other}`\n\n{USAGE}")),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <task>\n\ntasks:\n  ci    fmt check, clippy -D warnings, \
                     docs -D warnings, the README test command, kat, \
                     bench --quick\n  kat   run every \
                     known-answer vector file, one row per file and test group (--json for JSON)\n  bench \
                     run the benchmarks and write target/bench/report.{md,json} and \
                     latency.svg\n        (--quick: every benchmark once; --filter REGEX: \
                     only matching ids)";

fn ci() -> Result<()> {
    cargo(&["fmt", "--all", "--check"], &[])?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    cargo(TEST_COMMAND, &[])?;
    kat::kat(&[])?;
    bench::bench(&["--quick".to_owned()])
}

fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("cannot run {cargo}"))?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

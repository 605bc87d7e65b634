//! `qoesign`: the command line of the qoesign threshold-signing engine.
//!
//! Exit codes: 0 success (for `verify`: valid), 1 failure (for `verify`: invalid signature; for
//! `policy check`: the policy is refused), 2 malformed input or usage.

mod algorithms;
mod common;
mod demo;
mod policy;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Post-quantum threshold signing for qualified electronic signatures.
#[derive(Parser)]
#[command(name = "qoesign", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every algorithm, its schemes, and its state under a policy.
    Algorithms {
        #[command(flatten)]
        policy: common::PolicyArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check policy files.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Verify a signature with the algorithm's standard verifier (exit 0 valid, 1 invalid,
    /// 2 malformed input).
    Verify {
        /// Algorithm identifier, e.g. ml-dsa-65 or ecdsa-p256.
        #[arg(long, value_name = "ID")]
        alg: String,
        /// Public key, hex, in the algorithm's standard encoding.
        #[arg(long, value_name = "HEX")]
        pk: String,
        /// Message, hex.
        #[arg(long, value_name = "HEX")]
        msg: String,
        /// Signature, hex, in the algorithm's standard encoding.
        #[arg(long, value_name = "HEX")]
        sig: String,
        /// Context string, hex (ML-DSA and composites only; default empty).
        #[arg(long, value_name = "HEX")]
        ctx: Option<String>,
        /// Signature encoding: `standard` (the algorithm's own: DER for ECDSA) or `p1363`
        /// (ECDSA P-256 r || s, 64 bytes).
        #[arg(long, value_name = "FORMAT", default_value = "standard")]
        sig_format: String,
    },
    /// Create a key under the policy's preferred algorithm, sign a document, verify it.
    Demo {
        #[command(flatten)]
        policy: common::PolicyArgs,
        /// Print JSON: algorithm, public_key, message, context, signature (hex) and more.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Validate a policy file; with --against, also show what changes from an older one.
    Check {
        /// The policy file.
        file: PathBuf,
        /// The policy in force, which FILE would replace.
        #[arg(long, value_name = "OLD")]
        against: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Algorithms { policy, json } => algorithms::run(&policy, json),
        Command::Policy {
            command: PolicyCommand::Check { file, against },
        } => policy::check(&file, against.as_deref()),
        Command::Verify {
            alg,
            pk,
            msg,
            sig,
            ctx,
            sig_format,
        } => {
            let args = verify::Args {
                alg: &alg,
                pk: &pk,
                msg: &msg,
                sig: &sig,
                ctx: ctx.as_deref(),
                sig_format: &sig_format,
            };
            return verify::run(&args);
        }
        Command::Demo { policy, json } => demo::run(&policy, json),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

//! `qoesign`: the command line of the qoesign threshold-signing engine.
//!
//! Exit codes: 0 success (for `verify`: valid), 1 failure (for `verify`: invalid signature; for
//! `policy check`: the policy is refused), 2 malformed input or usage, 3 (`migrate`) some
//! credentials were not re-issued yet: run the same command again.

mod algorithms;
mod common;
mod demo;
mod local;
mod migrate;
mod policy;
mod report;
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
    /// Create a key for OWNER held by every party of the policy (stores in --store DIR).
    Keygen {
        #[command(flatten)]
        store: local::StoreArgs,
        /// The person the key is for; their device holds a share when the policy requires it.
        #[arg(long, value_name = "NAME")]
        owner: String,
        /// Algorithm identifier (default: the policy's preferred algorithm).
        #[arg(long, value_name = "ID")]
        alg: Option<String>,
        /// Policy to accept in every store first (default: the one in force there; the
        /// embedded default for a new directory).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Print JSON: credential, public_key (hex) and more.
        #[arg(long)]
        json: bool,
    },
    /// Sign with a credential of --store DIR: a message (hex or file), a digest or FIPS 204 mu.
    Sign {
        #[command(flatten)]
        store: local::StoreArgs,
        /// The credential identifier (32 hex characters).
        #[arg(long, value_name = "ID")]
        credential: String,
        /// Message, hex.
        #[arg(long, value_name = "HEX")]
        msg: Option<String>,
        /// Message, read from a file.
        #[arg(long, value_name = "FILE")]
        msg_file: Option<PathBuf>,
        /// The caller's digest of the document, hex (SHA-256 for ECDSA P-256).
        #[arg(long, value_name = "HEX")]
        digest: Option<String>,
        /// FIPS 204 external mu, hex (64 bytes).
        #[arg(long, value_name = "HEX")]
        mu: Option<String>,
        /// Context string, hex (ML-DSA and composites with a message; default empty).
        #[arg(long, value_name = "HEX")]
        ctx: Option<String>,
        /// Print JSON: signature (hex), signers, sessions and their failures.
        #[arg(long)]
        json: bool,
    },
    /// List the credentials of --store DIR with their state and use at every party.
    Credentials {
        #[command(flatten)]
        store: local::StoreArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create a key under the policy's preferred algorithm, sign a document, verify it.
    /// Re-issue every credential a new policy retires or deprecates, under its preferred
    /// algorithm; crash-safe: running it again finishes an interrupted migration.
    Migrate {
        #[command(flatten)]
        store: local::StoreArgs,
        /// The new policy.
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The instant the new policy's states are judged at: 2030-01-01 or an RFC 3339 time
        /// (default: now).
        #[arg(long, value_name = "INSTANT")]
        at: Option<String>,
        /// Credentials re-issued at the same time.
        #[arg(long, value_name = "N", default_value_t = 4)]
        jobs: usize,
        /// Print the plan or the report as JSON.
        #[arg(long)]
        json: bool,
    },
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
        Command::Keygen {
            store,
            owner,
            alg,
            policy,
            json,
        } => local::keygen(&store, &owner, alg.as_deref(), policy.as_deref(), json),
        Command::Sign {
            store,
            credential,
            msg,
            msg_file,
            digest,
            mu,
            ctx,
            json,
        } => {
            let what = local::SignArgs {
                credential: &credential,
                msg: msg.as_deref(),
                msg_file: msg_file.as_deref(),
                digest: digest.as_deref(),
                mu: mu.as_deref(),
                ctx: ctx.as_deref(),
            };
            local::sign(&store, &what, json)
        }
        Command::Credentials { store, json } => local::credentials(&store, json),
        Command::Migrate {
            store,
            policy,
            dry_run,
            at,
            jobs,
            json,
        } => {
            let args = migrate::MigrateArgs {
                policy: &policy,
                dry_run,
                at: at.as_deref(),
                jobs,
                json,
            };
            migrate::run(&store, &args)
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

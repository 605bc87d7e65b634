//! Wycheproof ECDSA P-256 / SHA-256 verification files, every case through the project's
//! verify path: the `qoesign verify --alg ecdsa-p256` command (with `--sig-format p1363` for
//! the P1363 files), judged by its exit code.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use qoesign_vectors::wycheproof;
use serde_json::Value;

use super::{Row, Source, workspace_root};

/// The `schema` of Wycheproof files with DER signatures.
pub(super) const DER_SCHEMA: &str = "ecdsa_verify_schema_v1.json";
/// The `schema` of Wycheproof files with IEEE P1363 (r || s) signatures.
pub(super) const P1363_SCHEMA: &str = "ecdsa_p1363_verify_schema_v1.json";

/// One row for the whole file: every case's verdict from `qoesign verify` against `result`.
/// Exit 0 is "valid"; exit 1 (invalid signature) and exit 2 (malformed input, such as a
/// P1363 signature that is not 64 bytes) are "not valid".
pub(super) fn rows(source: Source, name: &str, path: &Path, file: &Value, p1363: bool) -> Row {
    let groups = file
        .get("testGroups")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let format = if p1363 { "p1363" } else { "standard" };
    let description =
        format!("all {groups} groups: qoesign verify --alg ecdsa-p256 --sig-format {format}");
    let cases = match wycheproof::ecdsa_cases(path) {
        Ok(cases) => cases,
        Err(error) => return Row::error(source, name, error),
    };
    let cli = match cli() {
        Ok(cli) => cli,
        Err(error) => return Row::error(source, name, format!("{error:#}")),
    };
    let mut row = Row::new(source, name, description);
    for case in &cases {
        let verdict = verify(
            cli,
            &case.public_key,
            &case.message,
            &case.signature,
            format,
        );
        let failure = match verdict {
            Ok(verdict) if verdict == case.valid => None,
            Ok(verdict) => Some(format!(
                "verdict {verdict}, expected {} ({}; {:?})",
                case.valid, case.comment, case.flags
            )),
            Err(error) => Some(format!("{error:#}")),
        };
        row.record(case.tc_id, failure);
    }
    row
}

/// One run of `qoesign verify`: `Ok(true)` for exit 0, `Ok(false)` for 1 or 2.
fn verify(cli: &Path, pk: &[u8], msg: &[u8], sig: &[u8], format: &str) -> Result<bool> {
    let output = Command::new(cli)
        .args(["verify", "--alg", "ecdsa-p256", "--sig-format", format])
        .args(["--pk", &hex(pk), "--msg", &hex(msg), "--sig", &hex(sig)])
        .output()
        .with_context(|| format!("cannot run {}", cli.display()))?;
    match output.status.code() {
        Some(0) => Ok(true),
        Some(1 | 2) => Ok(false),
        other => bail!(
            "qoesign verify ended with {other:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// The `qoesign` binary of this workspace, built once (debug profile) on first use.
fn cli() -> Result<&'static Path> {
    static CLI: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    CLI.get_or_init(|| build_cli().map_err(|e| format!("{e:#}")))
        .as_deref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn build_cli() -> Result<PathBuf> {
    let root = workspace_root()?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "--quiet",
            "-p",
            "qoesign-engine",
            "--bin",
            "qoesign",
        ])
        .status()
        .context("cannot run cargo to build qoesign")?;
    if !status.success() {
        bail!("building qoesign failed ({status})");
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let binary = target
        .join("debug")
        .join(format!("qoesign{}", std::env::consts::EXE_SUFFIX));
    if !binary.is_file() {
        bail!("{} was not built", binary.display());
    }
    Ok(binary)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

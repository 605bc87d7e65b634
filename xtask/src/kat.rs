//! `cargo xtask kat [--json]`: runs every known-answer vector file of the project
//! (`vectors/data`) and, when the directory exists, of the shared collection
//! (`../shared/vectors` next to the workspace), and prints one row per file and test group.
//!
//! What runs, by kind of file:
//!
//! - an ACVP vector set (a directory with `prompt.json`): through the ACVP runner of
//!   `qoesign-vectors` against `qoesign_algorithms::mldsa`, one row per test group;
//! - a Wycheproof `ecdsa_verify_schema_v1` file (DER signatures) or
//!   `ecdsa_p1363_verify_schema_v1` file (r || s): every case through
//!   `qoesign verify --alg ecdsa-p256` (`--sig-format p1363` for the latter), one row per
//!   file;
//! - the IETF composite vectors: every signature of an algorithm qoesign has (the two
//!   ML-DSA + ECDSA P-256 composites and pure ML-DSA) through its verifier, the others
//!   skipped; the message-representative examples recomputed byte for byte;
//! - any other JSON file: listed as skipped, naming what it is. JSON schemas (files with
//!   `definitions` or `$schema` at the top) describe vector files and are not listed.
//!
//! The exit code is non-zero when any case fails or a file cannot be read. Skipped cases are
//! reported but do not fail the task.

mod ecdsa;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use qoesign_vectors::acvp;
use serde::Serialize;
use serde_json::Value;

/// Runs the task; `args` are the arguments after `kat`.
pub(crate) fn kat(args: &[String]) -> Result<()> {
    let json = match args {
        [] => false,
        [flag] if flag == "--json" => true,
        _ => bail!("usage: cargo xtask kat [--json]"),
    };
    let mut rows = survey(Source::Project, &qoesign_vectors::data_dir());
    let shared = workspace_root()?.join("..").join("shared").join("vectors");
    if shared.is_dir() {
        rows.extend(survey(Source::Shared, &shared));
    } else {
        eprintln!(
            "xtask: {} does not exist; only the project's vectors ran",
            shared.display()
        );
    }
    if json {
        let text = serde_json::to_string_pretty(&rows).context("cannot write the JSON report")?;
        println!("{text}");
    } else {
        print_table(&rows);
    }
    summarise(&rows)
}

/// Where a vector file lives.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
enum Source {
    /// `vectors/data` of this workspace.
    Project,
    /// The shared collection next to the workspace.
    Shared,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Shared => "shared",
        }
    }
}

/// One line of the report: a test group of a file, or a whole file.
#[derive(Serialize)]
struct Row {
    source: Source,
    /// The file (or ACVP directory), relative to its source's root.
    file: String,
    group: String,
    cases: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    skip_reason: Option<String>,
    /// The test ids (`tcId`) of the failed cases.
    failed_cases: Vec<u64>,
    /// Why the file could not be read; such a file counts as failed.
    error: Option<String>,
    /// What went wrong in each failed case, for the text on stderr.
    #[serde(skip)]
    details: Vec<String>,
}

impl Row {
    fn new(source: Source, file: &str, group: String) -> Self {
        Self {
            source,
            file: file.to_owned(),
            group,
            cases: 0,
            passed: 0,
            failed: 0,
            skipped: 0,
            skip_reason: None,
            failed_cases: Vec::new(),
            error: None,
            details: Vec::new(),
        }
    }

    fn error(source: Source, file: &str, error: impl std::fmt::Display) -> Self {
        Self {
            error: Some(error.to_string()),
            ..Self::new(source, file, "-".to_owned())
        }
    }

    fn skipped(source: Source, file: &str, group: String, cases: usize, reason: &str) -> Self {
        Self {
            cases,
            skipped: cases,
            skip_reason: Some(reason.to_owned()),
            ..Self::new(source, file, group)
        }
    }

    /// Counts one case: passed when `failure` is `None`.
    fn record(&mut self, tc_id: u64, failure: Option<String>) {
        self.cases += 1;
        match failure {
            None => self.passed += 1,
            Some(detail) => {
                self.failed += 1;
                self.failed_cases.push(tc_id);
                self.details.push(format!("tc {tc_id}: {detail}"));
            }
        }
    }
}

/// The workspace's root directory (the parent of this crate's).
///
/// # Errors
///
/// Fails only if the crate has no parent directory.
pub(crate) fn workspace_root() -> Result<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .parent()
        .context("the xtask crate has no parent directory")?;
    Ok(root.to_path_buf())
}

/// Every vector file under `root`, depth first in name order.
fn survey(source: Source, root: &Path) -> Vec<Row> {
    let mut rows = Vec::new();
    visit(source, root, root, &mut rows);
    rows
}

fn visit(source: Source, root: &Path, dir: &Path, rows: &mut Vec<Row>) {
    let name = relative(root, dir);
    if dir.join("prompt.json").is_file() {
        rows.extend(acvp_rows(source, &name, dir));
        return;
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(error) => {
            rows.push(Row::error(source, &name, format!("cannot list: {error}")));
            return;
        }
    };
    entries.sort();
    for path in entries {
        if path.is_dir() {
            visit(source, root, &path, rows);
        } else if path.extension().is_some_and(|e| e == "json") {
            rows.extend(json_rows(source, &relative(root, &path), &path));
        }
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let relative = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    if relative.is_empty() {
        ".".to_owned()
    } else {
        relative
    }
}

/// One row per test group of the ACVP vector set in `dir`.
fn acvp_rows(source: Source, name: &str, dir: &Path) -> Vec<Row> {
    let report = match acvp::run_dir(dir) {
        Ok(report) => report,
        Err(error) => return vec![Row::error(source, name, error)],
    };
    report
        .groups
        .iter()
        .map(|group| {
            let mut row = Row::new(
                source,
                name,
                format!("tg {}: {}", group.tg_id, group.description),
            );
            row.cases = group.cases;
            row.passed = group.passed;
            row.failed = group.failed.len();
            row.failed_cases = group.failed.iter().map(|f| f.tc_id).collect();
            row.details = group
                .failed
                .iter()
                .map(|f| format!("tc {}: {}", f.tc_id, f.detail))
                .collect();
            row.skipped = group.skipped.len();
            row.skip_reason = group.skip_reason();
            row
        })
        .collect()
}

/// The rows of a JSON file outside an ACVP directory, by what its top-level fields say it is.
fn json_rows(source: Source, name: &str, path: &Path) -> Vec<Row> {
    let value: Value = match std::fs::read_to_string(path)
        .map_err(anyhow::Error::from)
        .and_then(|text| serde_json::from_str(&text).map_err(anyhow::Error::from))
    {
        Ok(value) => value,
        Err(error) => return vec![Row::error(source, name, error)],
    };
    let schema = value.get("schema").and_then(Value::as_str);
    match schema {
        Some(ecdsa::DER_SCHEMA) => vec![ecdsa::rows(source, name, path, &value, false)],
        Some(ecdsa::P1363_SCHEMA) => vec![ecdsa::rows(source, name, path, &value, true)],
        Some(other) => {
            let reason = format!("no reader for Wycheproof schema {other}");
            vec![Row::skipped(
                source,
                name,
                "all groups".to_owned(),
                test_count(&value),
                &reason,
            )]
        }
        None if value.get("definitions").is_some() || value.get("$schema").is_some() => vec![],
        None if is_composite(&value) => vec![composite_row(source, name, path, &value)],
        None => {
            let reason = "no reader for this kind of file";
            vec![Row::skipped(
                source,
                name,
                "-".to_owned(),
                test_count(&value),
                reason,
            )]
        }
    }
}

/// One row for an IETF composite file: the draft's signatures (`testvectors.json`: `s` and
/// `sWithContext` of every key whose algorithm qoesign has, through its verifier; the others
/// skipped) or its message-representative examples (`mprime_examples.json`: PH(M) and M'
/// recomputed byte for byte).
fn composite_row(source: Source, name: &str, path: &Path, value: &Value) -> Row {
    use qoesign_vectors::composite;
    if value.get("m").is_none() {
        let examples = match composite::mprime_examples(path) {
            Ok(examples) => examples,
            Err(error) => return Row::error(source, name, error),
        };
        let mut row = Row::new(
            source,
            name,
            "M' examples: PH(M) and M' recomputed".to_owned(),
        );
        for (i, example) in examples.iter().enumerate() {
            row.record(i as u64 + 1, composite::check_mprime(example).err());
        }
        return row;
    }
    let vectors = match composite::composite_vectors(path) {
        Ok(vectors) => vectors,
        Err(error) => return Row::error(source, name, error),
    };
    let mut row = Row::new(
        source,
        name,
        "s and sWithContext through qoesign's verifiers".to_owned(),
    );
    let mut unsupported = Vec::new();
    for (i, case) in vectors.cases.iter().enumerate() {
        match composite::verify_case(&vectors, case) {
            Some(results) => {
                for (j, (field, result)) in results.into_iter().enumerate() {
                    let id = 2 * i as u64 + j as u64 + 1;
                    row.record(id, result.err().map(|e| format!("{field}: {e}")));
                }
            }
            None => unsupported.push(case.tc_id.as_str()),
        }
    }
    if !unsupported.is_empty() {
        row.skipped = 2 * unsupported.len();
        row.cases += row.skipped;
        row.skip_reason = Some(format!(
            "algorithms qoesign does not have (RSA, Ed25519, Ed448, other curves): {}",
            unsupported.len()
        ));
    }
    row
}

/// Whether a file holds IETF composite ML-DSA vectors: its tests name composite algorithms
/// (`id-MLDSA44-ECDSA-P256-SHA256`, ...).
fn is_composite(value: &Value) -> bool {
    let tests = value.get("tests").and_then(Value::as_array);
    tests.is_some_and(|tests| {
        tests.iter().any(|test| {
            ["tcId", "alg"].iter().any(|field| {
                test.get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|name| name.starts_with("id-MLDSA"))
            })
        })
    })
}

/// The number of test cases a file declares: `numberOfTests`, or the length of `tests`.
fn test_count(value: &Value) -> usize {
    let declared = value
        .get("numberOfTests")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok());
    let listed = value.get("tests").and_then(Value::as_array).map(Vec::len);
    declared.or(listed).unwrap_or(0)
}

fn print_table(rows: &[Row]) {
    let header = [
        "source", "file", "group", "cases", "passed", "failed", "skipped",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|row| {
            let skipped = match (&row.skip_reason, &row.error) {
                (_, Some(error)) => format!("error: {error}"),
                (Some(reason), None) => format!("{} ({reason})", row.skipped),
                (None, None) => row.skipped.to_string(),
            };
            [
                row.source.as_str().to_owned(),
                row.file.clone(),
                row.group.clone(),
                row.cases.to_string(),
                row.passed.to_string(),
                row.failed.to_string(),
                skipped,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let print = |line: &[String]| {
        let [source, file, group, cases, passed, failed, skipped] = line else {
            return;
        };
        let [ws, wf, wg, wc, wp, wx, _] = widths;
        println!(
            "{source:<ws$}  {file:<wf$}  {group:<wg$}  {cases:>wc$}  {passed:>wp$}  \
             {failed:>wx$}  {skipped}"
        );
    };
    print(&header.map(str::to_owned));
    for line in &cells {
        print(line);
    }
}

/// Prints the totals and the failed cases to stderr; fails if any case failed.
fn summarise(rows: &[Row]) -> Result<()> {
    let total = |count: fn(&Row) -> usize| rows.iter().map(count).sum::<usize>();
    let (cases, passed) = (total(|r| r.cases), total(|r| r.passed));
    let (failed, skipped) = (total(|r| r.failed), total(|r| r.skipped));
    let errors: Vec<&Row> = rows.iter().filter(|r| r.error.is_some()).collect();
    for row in rows.iter().filter(|r| r.failed > 0) {
        eprintln!(
            "xtask: FAILED {} {} {}:",
            row.source.as_str(),
            row.file,
            row.group
        );
        for detail in &row.details {
            eprintln!("    {detail}");
        }
    }
    for row in &errors {
        let error = row.error.as_deref().unwrap_or_default();
        eprintln!(
            "xtask: UNREADABLE {} {}: {error}",
            row.source.as_str(),
            row.file
        );
    }
    eprintln!(
        "xtask: kat: {cases} cases in {} rows: {passed} passed, {failed} failed, {skipped} \
         skipped, {} unreadable files",
        rows.len(),
        errors.len()
    );
    if failed > 0 || !errors.is_empty() {
        bail!(
            "{failed} cases failed and {} files could not be read",
            errors.len()
        );
    }
    Ok(())
}

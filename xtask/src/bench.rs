//! `cargo xtask bench [--quick] [--filter REGEX]`: runs the criterion benchmarks of
//! `benches/` and writes `target/bench/report.md`, `report.json` and `latency.svg`, then prints
//! the Markdown report.
//!
//! A full run builds the bench binaries in the release profile and lets criterion measure
//! every benchmark (the runner in `qoesign-benches` takes three samples itself where one
//! iteration takes two seconds or more); it takes about half an hour on two cores, most of it
//! in threshold ECDSA key generations. `--quick` builds them in the test profile (sharing the
//! build of `cargo test`) and runs every benchmark once: it proves they build and run, and
//! asserts nothing about time. `--filter REGEX` runs only the benchmarks whose id
//! (`group/function`, e.g. `threshold/ml-dsa-65/sign/3-of-5`) matches.
//!
//! `--render` rebuilds the three files from the last run's records (`target/bench/raw`) without
//! running anything, for example after a change to the report's layout.
//!
//! The task fails when a bench binary fails, a signature does not verify by a standard
//! verifier, or a selected benchmark has no result; the report is written all the same.

mod chart;
mod machine;
mod report;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use qoesign_benches::record::OUT_DIR_VAR;
use qoesign_benches::runner::{FILTER_VAR, QUICK_VAR};
use serde::{Deserialize, Serialize};

use crate::kat::workspace_root;
use machine::{Machine, Quiet, Snapshot};

/// The criterion bench binaries the report reads, in the order they run. The migration
/// benchmark is a throughput run of its own and is not part of the report.
const BINARIES: [&str; 3] = ["single", "threshold", "engine"];

const USAGE: &str = "usage: cargo xtask bench [--quick] [--filter REGEX] | --render";

struct Args {
    quick: bool,
    filter: Option<String>,
    render: bool,
}

/// What a run knows about itself besides the records: kept in `raw/run.json` so that
/// `--render` can rebuild the report.
#[derive(Serialize, Deserialize)]
struct Run {
    command: String,
    quick: bool,
    machine: Machine,
    quiet: Quiet,
    seconds: f64,
    /// Whether every bench binary exited successfully.
    binaries_ok: bool,
}

fn parse(args: &[String]) -> Result<Args> {
    let mut parsed = Args {
        quick: false,
        filter: None,
        render: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => parsed.quick = true,
            "--render" => parsed.render = true,
            "--filter" => {
                let Some(regex) = args.next() else {
                    bail!("--filter needs a regular expression\n{USAGE}");
                };
                parsed.filter = Some(regex.clone());
            }
            other => match other.strip_prefix("--filter=") {
                Some(regex) => parsed.filter = Some(regex.to_owned()),
                None => bail!("unknown argument `{other}`\n{USAGE}"),
            },
        }
    }
    if let Some(filter) = &parsed.filter
        && let Err(e) = qoesign_benches::runner::filter(filter)
    {
        bail!("--filter {filter:?}: {e}\n{USAGE}");
    }
    if parsed.render && (parsed.quick || parsed.filter.is_some()) {
        bail!("--render takes no other flag: it renders the last run as it was\n{USAGE}");
    }
    Ok(parsed)
}

/// Runs the task; `args` are the arguments after `bench`.
pub(crate) fn bench(args: &[String]) -> Result<()> {
    let parsed = parse(args)?;
    let root = workspace_root()?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let out = target.join("bench");
    let raw = out.join("raw");
    let criterion = out.join("criterion");
    let run_file = raw.join("run.json");
    if parsed.render {
        let text = std::fs::read_to_string(&run_file)
            .with_context(|| format!("cannot read {} (has a run finished?)", run_file.display()))?;
        let run: Run = serde_json::from_str(&text)
            .with_context(|| format!("{} does not parse", run_file.display()))?;
        return render(run, &out, &raw, &criterion);
    }
    for dir in [&raw, &criterion] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
    }
    std::fs::create_dir_all(&raw).with_context(|| format!("cannot create {}", raw.display()))?;

    let mut cargo_args: Vec<&str> = vec![
        if parsed.quick { "test" } else { "bench" },
        "-p",
        "qoesign-benches",
    ];
    for binary in BINARIES {
        cargo_args.extend(["--bench", binary]);
    }
    let mut build = cargo_args.clone();
    build.push("--no-run");
    let status = cargo(&root, &build, &[])?;
    if !status {
        bail!("the bench binaries do not build");
    }

    if !parsed.quick {
        machine::settle();
    }
    let machine = Machine::describe();
    let start = Snapshot::take();
    let clock = Instant::now();
    let filter = parsed.filter.clone().unwrap_or_default();
    let env: [(&str, &OsStr); 4] = [
        (OUT_DIR_VAR, raw.as_os_str()),
        ("CRITERION_HOME", criterion.as_os_str()),
        (FILTER_VAR, filter.as_ref()),
        (QUICK_VAR, if parsed.quick { "1" } else { "0" }.as_ref()),
    ];
    cargo_args.push("--no-fail-fast");
    let ran = cargo(&root, &cargo_args, &env)?;
    let seconds = clock.elapsed().as_secs_f64();
    let quiet = Quiet::between(start, Snapshot::take(), seconds);

    let mut command = String::from("cargo xtask bench");
    if parsed.quick {
        command.push_str(" --quick");
    }
    if let Some(filter) = &parsed.filter {
        command.push_str(&format!(" --filter '{filter}'"));
    }
    let run = Run {
        command,
        quick: parsed.quick,
        machine,
        quiet,
        seconds,
        binaries_ok: ran,
    };
    let text = serde_json::to_string_pretty(&run).context("cannot write the run's summary")?;
    std::fs::write(&run_file, text)
        .with_context(|| format!("cannot write {}", run_file.display()))?;
    render(run, &out, &raw, &criterion)
}

/// Builds the report of `run` from the records in `raw` and criterion's output, writes the
/// three files into `out` and prints the Markdown.
fn render(run: Run, out: &Path, raw: &Path, criterion: &Path) -> Result<()> {
    let binaries_ok = run.binaries_ok;
    let report = report::build(report::Inputs {
        raw,
        criterion,
        binaries: &BINARIES,
        quick: run.quick,
        command: run.command,
        machine: run.machine,
        quiet: run.quiet,
        seconds: run.seconds,
    })?;
    if report.rows.is_empty() && report.failures.is_empty() {
        bail!("no benchmark ran: does the filter match any id? (see report.json `rows[].id`)");
    }
    let markdown = report.markdown();
    let json = serde_json::to_string_pretty(&report).context("cannot write the JSON report")?;
    let write = |name: &str, text: &str| {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    write("report.md", &markdown)?;
    write("report.json", &json)?;
    let svg = out.join("latency.svg");
    chart::draw(&report, &svg)?;
    println!("{markdown}");
    eprintln!(
        "xtask: wrote {}, {} and {}",
        out.join("report.md").display(),
        out.join("report.json").display(),
        svg.display()
    );
    if !binaries_ok {
        bail!("a bench binary failed (see its output above)");
    }
    if !report.failures.is_empty() {
        bail!(
            "{} benchmark failure(s), listed at the end of the report",
            report.failures.len()
        );
    }
    Ok(())
}

/// Runs cargo in `root` and says whether it succeeded.
fn cargo(root: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> Result<bool> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .with_context(|| format!("cannot run {cargo}"))?;
    Ok(status.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_parse_in_both_forms() {
        let parsed = parse(&args(&["--quick", "--filter", "^single/"])).unwrap();
        assert!(parsed.quick);
        assert_eq!(parsed.filter.as_deref(), Some("^single/"));
        let parsed = parse(&args(&["--filter=ecdsa"])).unwrap();
        assert!(!parsed.quick);
        assert_eq!(parsed.filter.as_deref(), Some("ecdsa"));
    }

    #[test]
    fn bad_arguments_are_named() {
        let error = parse(&args(&["--fast"])).err().unwrap().to_string();
        assert!(error.contains("unknown argument `--fast`"), "{error}");
        let error = parse(&args(&["--filter"])).err().unwrap().to_string();
        assert!(
            error.contains("--filter needs a regular expression"),
            "{error}"
        );
        let error = parse(&args(&["--filter", "sign/("]))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("--filter \"sign/(\": "), "{error}");
        assert!(error.contains("is not a regular expression"), "{error}");
        let error = parse(&args(&["--render", "--quick"]))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("--render takes no other flag"), "{error}");
    }
}

//! The report: every row's times joined with its protocol figures, the sizes, the ratios, and
//! its Markdown and JSON forms.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use qoesign_benches::record::{self, Family, Protocol, Record, Role, Row, Sizes};
use serde::{Deserialize, Serialize};

use super::machine::{Machine, Quiet};

/// The version of the JSON report's layout; it changes only when a field changes meaning or
/// goes away.
pub(crate) const REPORT_VERSION: u32 = 1;

/// Where a row's times come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Source {
    /// Criterion's samples.
    Criterion,
    /// The runner's own samples (one iteration took seconds).
    Runner,
    /// A quick run's single iteration: proves the benchmark runs, measures nothing.
    Quick,
    /// No times: the row was skipped or its binary failed before measuring it.
    None,
}

/// One benchmark's result.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Measured {
    /// Criterion's full id, `group/function`.
    pub(crate) id: String,
    /// What was measured.
    #[serde(flatten)]
    pub(crate) row: Row,
    /// Where the times come from.
    pub(crate) source: Source,
    /// Samples behind the figures.
    pub(crate) samples: usize,
    /// Median time per iteration, in nanoseconds.
    pub(crate) median_ns: Option<f64>,
    /// Fastest sample's time per iteration.
    pub(crate) min_ns: Option<f64>,
    /// Slowest sample's time per iteration.
    pub(crate) max_ns: Option<f64>,
    /// Attempts, rounds and bytes of a sign row.
    pub(crate) protocol: Option<Protocol>,
    /// Why the row did not run.
    pub(crate) skipped: Option<String>,
}

/// One computed ratio of two rows' medians.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Ratio {
    /// `threshold-vs-single`, `pq-vs-classical` or `own-vs-fastest`.
    pub(crate) comparison: &'static str,
    /// What is compared, in words.
    pub(crate) subject: String,
    /// The row whose median is divided.
    pub(crate) numerator: String,
    /// The row it is divided by.
    pub(crate) denominator: String,
    /// numerator / denominator.
    pub(crate) ratio: f64,
}

/// Something a bench binary reported as failed.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Failure {
    /// The row or setting.
    pub(crate) id: String,
    /// What went wrong.
    pub(crate) reason: String,
}

/// A whole run's report.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Report {
    /// [`REPORT_VERSION`].
    pub(crate) version: u32,
    /// Whether this was a `--quick` run.
    pub(crate) quick: bool,
    /// The command, as typed.
    pub(crate) command: String,
    /// The machine.
    pub(crate) machine: Machine,
    /// How quiet it was.
    pub(crate) quiet: Quiet,
    /// Wall-clock seconds of the benchmarks (without building them).
    pub(crate) seconds: f64,
    /// Every selected benchmark, in the order the binaries ran them.
    pub(crate) rows: Vec<Measured>,
    /// Key, share and signature sizes.
    pub(crate) sizes: Vec<Sizes>,
    /// Ratios between rows.
    pub(crate) ratios: Vec<Ratio>,
    /// Failures the binaries reported.
    pub(crate) failures: Vec<Failure>,
}

/// Criterion's `sample.json`: per sample, the iterations and their total time in ns.
#[derive(Deserialize)]
struct CriterionSamples {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// The part of criterion's `benchmark.json` the report needs.
#[derive(Deserialize)]
struct CriterionBenchmark {
    full_id: String,
}

/// Time per iteration of every sample criterion wrote under `home`, by full id.
fn criterion_samples(home: &Path) -> Result<BTreeMap<String, Vec<f64>>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![home.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let in_new = path.parent().and_then(Path::file_name) == Some("new".as_ref());
            if !in_new || path.file_name() != Some("benchmark.json".as_ref()) {
                continue;
            }
            let read = |p: &Path| {
                std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
            };
            let benchmark: CriterionBenchmark = serde_json::from_str(&read(&path)?)
                .with_context(|| format!("{} does not parse", path.display()))?;
            let sample_path = path.with_file_name("sample.json");
            let samples: CriterionSamples = serde_json::from_str(&read(&sample_path)?)
                .with_context(|| format!("{} does not parse", sample_path.display()))?;
            let per_iteration = samples
                .iters
                .iter()
                .zip(&samples.times)
                .filter(|(iters, _)| **iters > 0.0)
                .map(|(iters, time)| time / iters)
                .collect();
            found.insert(benchmark.full_id, per_iteration);
        }
    }
    Ok(found)
}

/// Median, minimum and maximum.
fn summary(samples: &[f64]) -> Option<(f64, f64, f64)> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (first, last) = (*sorted.first()?, *sorted.last()?);
    let mid = sorted.len() / 2;
    let median = if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        f64::midpoint(sorted[mid - 1], sorted[mid])
    };
    Some((median, first, last))
}

/// What the report is built from, besides the records.
pub(crate) struct Inputs<'a> {
    /// The records' directory.
    pub(crate) raw: &'a Path,
    /// Criterion's output directory.
    pub(crate) criterion: &'a Path,
    /// The record files to read, by bench binary.
    pub(crate) binaries: &'a [&'a str],
    /// Whether this was a quick run.
    pub(crate) quick: bool,
    /// The command as typed.
    pub(crate) command: String,
    /// The machine.
    pub(crate) machine: Machine,
    /// How quiet it was.
    pub(crate) quiet: Quiet,
    /// Seconds the benchmarks took.
    pub(crate) seconds: f64,
}

/// Builds the report of one run.
///
/// # Errors
///
/// Returns an error naming the file that cannot be read or does not parse. A bench binary
/// that wrote no record file is reported as a failure, not as an error.
pub(crate) fn build(inputs: Inputs<'_>) -> Result<Report> {
    let criterion = criterion_samples(inputs.criterion)?;
    let mut rows: Vec<Measured> = Vec::new();
    let mut sizes = Vec::new();
    let mut failures = Vec::new();
    let mut runner_samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut protocols = BTreeMap::new();
    let mut skipped = BTreeMap::new();
    for binary in inputs.binaries {
        let path = record::file_of(inputs.raw, binary);
        if !path.exists() {
            failures.push(Failure {
                id: format!("bench binary `{binary}`"),
                reason: format!("wrote no records ({} is missing)", path.display()),
            });
            continue;
        }
        let records =
            record::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        for record in records {
            match record {
                Record::Row(row) => {
                    let id = row.id();
                    if !rows.iter().any(|m| m.id == id) {
                        rows.push(Measured {
                            id,
                            row,
                            source: Source::None,
                            samples: 0,
                            median_ns: None,
                            min_ns: None,
                            max_ns: None,
                            protocol: None,
                            skipped: None,
                        });
                    }
                }
                #[expect(clippy::cast_precision_loss, reason = "nanoseconds fit a double")]
                Record::Samples { id, ns } => {
                    runner_samples.insert(id, ns.iter().map(|&n| n as f64).collect());
                }
                Record::Protocol { id, protocol } => {
                    protocols.insert(id, protocol);
                }
                Record::Sizes(s) => sizes.push(s),
                Record::Skipped { id, reason } => {
                    skipped.insert(id, reason);
                }
                Record::Failure { id, reason } => failures.push(Failure { id, reason }),
            }
        }
    }
    for m in &mut rows {
        let (source, samples) = match (runner_samples.get(&m.id), criterion.get(&m.id)) {
            (Some(s), _) if inputs.quick => (Source::Quick, s.as_slice()),
            (Some(s), _) => (Source::Runner, s.as_slice()),
            (None, Some(s)) => (Source::Criterion, s.as_slice()),
            (None, None) => (Source::None, &[][..]),
        };
        m.source = source;
        m.samples = samples.len();
        if let Some((median, min, max)) = summary(samples) {
            (m.median_ns, m.min_ns, m.max_ns) = (Some(median), Some(min), Some(max));
        }
        m.protocol = protocols.remove(&m.id);
        m.skipped = skipped.remove(&m.id);
        if m.source == Source::None && m.skipped.is_none() {
            failures.push(Failure {
                id: m.id.clone(),
                reason: "announced but never measured (its bench binary stopped)".to_owned(),
            });
        }
    }
    let ratios = ratios(&rows);
    Ok(Report {
        version: REPORT_VERSION,
        quick: inputs.quick,
        command: inputs.command,
        machine: inputs.machine,
        quiet: inputs.quiet,
        seconds: inputs.seconds,
        rows,
        sizes,
        ratios,
        failures,
    })
}

/// The single-party implementation a threshold scheme of `algorithm` is compared with: the
/// arithmetic it is built on.
fn reference(algorithm: &str) -> &'static str {
    if algorithm == "ecdsa-p256" {
        "p256"
    } else {
        "qoesign"
    }
}

fn ratios(rows: &[Measured]) -> Vec<Ratio> {
    let median = |id: &str| rows.iter().find(|m| m.id == id).and_then(|m| m.median_ns);
    let mut out = Vec::new();
    let mut push = |comparison, subject: String, numerator: String, denominator: String| {
        if let (Some(a), Some(b)) = (median(&numerator), median(&denominator))
            && b > 0.0
        {
            out.push(Ratio {
                comparison,
                subject,
                numerator,
                denominator,
                ratio: a / b,
            });
        }
    };
    let threshold = rows.iter().filter(|m| m.row.role == Role::Threshold);
    for m in threshold.clone() {
        let Some(quorum) = m.row.quorum else { continue };
        let algorithm = &m.row.algorithm;
        let single = match m.row.op.as_str() {
            "sign" => format!("single/{algorithm}/sign/32/{}", reference(algorithm)),
            op => format!("single/{algorithm}/{op}/{}", reference(algorithm)),
        };
        push(
            "threshold-vs-single",
            format!("{algorithm} {} {}", m.row.op, quorum.label()),
            m.id.clone(),
            single,
        );
    }
    // Post-quantum against ECDSA P-256 in the same role: single party with each side's
    // reference implementation, threshold at the same quorum.
    for m in rows.iter().filter(|m| m.row.family == Family::PostQuantum) {
        let classical = match m.row.role {
            Role::Single if m.row.implementation == reference(&m.row.algorithm) => {
                m.id.replacen(&m.row.algorithm, "ecdsa-p256", 1)
                    .replacen("/qoesign", "/p256", 1)
            }
            Role::Single if m.row.implementation == "pqclean" => {
                m.id.replacen(&m.row.algorithm, "ecdsa-p256", 1)
                    .replacen("/pqclean", "/p256", 1)
            }
            Role::Threshold => m.id.replacen(&m.row.algorithm, "ecdsa-p256", 1),
            _ => continue,
        };
        let what = match (m.row.role, m.row.quorum) {
            (Role::Threshold, Some(q)) => format!("{} threshold {}", m.row.op, q.label()),
            _ => match m.row.message {
                Some(len) => format!("{} {len} B", m.row.op),
                None => m.row.op.clone(),
            },
        };
        push(
            "pq-vs-classical",
            format!("{} vs ecdsa-p256: {what}", m.row.algorithm),
            m.id.clone(),
            classical,
        );
    }
    // qoesign's backends against the fastest other library for the same operation.
    for m in rows.iter().filter(|m| m.row.role == Role::Single) {
        let own = if m.row.algorithm == "ecdsa-p256" {
            "p256"
        } else {
            "qoesign"
        };
        if m.row.implementation != own {
            continue;
        }
        let fastest = rows
            .iter()
            .filter(|o| {
                o.row.role == Role::Single
                    && o.row.group == m.row.group
                    && o.row.op == m.row.op
                    && o.row.message == m.row.message
                    && o.row.implementation != own
            })
            .filter_map(|o| o.median_ns.map(|t| (t, o)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, o)) = fastest {
            let what = match m.row.message {
                Some(len) => format!("{} {len} B", m.row.op),
                None => m.row.op.clone(),
            };
            push(
                "own-vs-fastest",
                format!(
                    "{} {what}: {own} vs {} (fastest other)",
                    m.row.algorithm, o.row.implementation
                ),
                m.id.clone(),
                o.id.clone(),
            );
        }
    }
    out
}

/// A duration in the unit that reads best, three significant digits.
pub(crate) fn duration(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    if value >= 100.0 {
        format!("{value:.0} {unit}")
    } else if value >= 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.2} {unit}")
    }
}

fn cell_time(m: &Measured) -> (String, String) {
    if let Some(reason) = &m.skipped {
        return (format!("skipped: {reason}"), String::new());
    }
    match (m.median_ns, m.min_ns, m.max_ns) {
        (Some(med), Some(min), Some(max)) if m.samples > 1 => (
            duration(med),
            format!("{} – {}", duration(min), duration(max)),
        ),
        (Some(med), ..) => (duration(med), "one sample".to_owned()),
        _ => ("—".to_owned(), String::new()),
    }
}

fn bytes(value: f64) -> String {
    format!("{value:.0}")
}

fn message(len: Option<usize>) -> String {
    match len {
        Some(1_048_576) => "1 MiB".to_owned(),
        Some(len) => format!("{len} B"),
        None => String::new(),
    }
}

impl Report {
    /// The report as Markdown.
    pub(crate) fn markdown(&self) -> String {
        let mut md = String::new();
        self.header(&mut md);
        for family in [Family::Classical, Family::PostQuantum] {
            let title = match family {
                Family::Classical => "Classical: ECDSA P-256",
                Family::PostQuantum => {
                    "Post-quantum: ML-DSA, the draft ML-DSA legacy scheme, composite ML-DSA + \
                     ECDSA P-256"
                }
            };
            let _ = writeln!(md, "## {title}\n");
            self.single_table(&mut md, family);
            self.threshold_table(&mut md, family);
            self.detail_table(&mut md, family);
        }
        self.engine_table(&mut md);
        self.sizes_table(&mut md);
        self.ratios_table(&mut md);
        self.problems(&mut md);
        md
    }

    fn header(&self, md: &mut String) {
        let m = &self.machine;
        let q = &self.quiet;
        let load = |l: Option<[f64; 3]>| {
            l.map_or_else(
                || "unknown".to_owned(),
                |[a, b, c]| format!("{a:.2} {b:.2} {c:.2}"),
            )
        };
        let mode = if self.quick {
            "quick: every benchmark once (times are single runs and measure nothing)"
        } else {
            "full: criterion, or 3 samples by the runner where one iteration takes 2 s or more"
        };
        let noisy = if q.noisy {
            format!("**yes**: {}", q.reasons.join("; "))
        } else {
            "no".to_owned()
        };
        let _ = writeln!(md, "# qoesign benchmarks\n");
        let _ = writeln!(md, "| | |\n|---|---|");
        let _ = writeln!(md, "| Command | `{}` |", self.command);
        let _ = writeln!(md, "| Mode | {mode} |");
        let _ = writeln!(md, "| CPU | {} ({} cores) |", m.cpu, m.cores);
        let _ = writeln!(md, "| rustc | {} |", m.rustc);
        let _ = writeln!(md, "| Date | {} |", m.date);
        let _ = writeln!(
            md,
            "| Load average (1, 5, 15 min) | {} at start, {} at end |",
            load(q.load_start),
            load(q.load_end)
        );
        if let Some(other) = q.other_cpu {
            let _ = writeln!(md, "| Other processes' CPU | {other:.2} cores on average |");
        }
        let _ = writeln!(md, "| Noisy | {noisy} |");
        let _ = writeln!(md, "| Duration | {:.0} s |\n", self.seconds);
        let _ = writeln!(
            md,
            "Times are per operation: median, and the fastest and slowest sample. Threshold \
             rows run every party in one process on this machine's cores, so they add up the \
             computation of all parties and leave out network latency.\n"
        );
    }

    fn rows(&self, family: Family, role: Role) -> impl Iterator<Item = &Measured> {
        self.rows
            .iter()
            .filter(move |m| m.row.family == family && m.row.role == role)
    }

    fn single_table(&self, md: &mut String, family: Family) {
        if self.rows(family, Role::Single).next().is_none() {
            return;
        }
        let _ = writeln!(md, "### Single party\n");
        let _ = writeln!(
            md,
            "| Algorithm | Operation | Message | Implementation | Median | Min – max | Samples |"
        );
        let _ = writeln!(md, "|---|---|---|---|---:|---|---:|");
        for m in self.rows(family, Role::Single) {
            let (median, range) = cell_time(m);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {median} | {range} | {} |",
                m.row.algorithm,
                m.row.op,
                message(m.row.message),
                m.row.implementation,
                m.samples
            );
        }
        md.push('\n');
    }

    fn threshold_table(&self, md: &mut String, family: Family) {
        if self.rows(family, Role::Threshold).next().is_none() {
            return;
        }
        let _ = writeln!(md, "### Threshold\n");
        let _ = writeln!(
            md,
            "| Algorithm | Quorum | Operation | Median | Min – max | Samples | Attempts | \
             Rounds | Sent per signer, mean / busiest (B) |"
        );
        let _ = writeln!(md, "|---|---|---|---:|---|---:|---:|---:|---:|");
        for m in self.rows(family, Role::Threshold) {
            let (median, range) = cell_time(m);
            let (attempts, rounds, sent) = protocol_cells(m.protocol.as_ref());
            let _ = writeln!(
                md,
                "| {} | {} | {} | {median} | {range} | {} | {attempts} | {rounds} | {sent} |",
                m.row.algorithm,
                m.row.quorum.map(|q| q.label()).unwrap_or_default(),
                m.row.op,
                m.samples
            );
        }
        md.push('\n');
    }

    fn detail_table(&self, md: &mut String, family: Family) {
        if self.rows(family, Role::Detail).next().is_none() {
            return;
        }
        let _ = writeln!(
            md,
            "### Inside threshold ECDSA key generation\n\nWhat one party computes for one peer \
             (DKLs23 phases 3 and 4); every party does each once per peer.\n"
        );
        let _ = writeln!(
            md,
            "| Step | Implementation | Median | Min – max | Samples |"
        );
        let _ = writeln!(md, "|---|---|---:|---|---:|");
        for m in self.rows(family, Role::Detail) {
            let (median, range) = cell_time(m);
            let _ = writeln!(
                md,
                "| {} | {} | {median} | {range} | {} |",
                m.row.op, m.row.implementation, m.samples
            );
        }
        md.push('\n');
    }

    fn engine_table(&self, md: &mut String) {
        let rows: Vec<&Measured> = self
            .rows
            .iter()
            .filter(|m| m.row.role == Role::Engine)
            .collect();
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(
            md,
            "## Through the engine\n\nOne signature through the coordinator, the nodes, their \
             encrypted stores and the in-memory transport, against the bare scheme in the \
             simulator with the same signers.\n"
        );
        let _ = writeln!(
            md,
            "| Algorithm | Quorum | Path | Median | Min – max | Samples | Attempts |"
        );
        let _ = writeln!(md, "|---|---|---|---:|---|---:|---:|");
        for m in rows {
            let (median, range) = cell_time(m);
            let (attempts, ..) = protocol_cells(m.protocol.as_ref());
            let _ = writeln!(
                md,
                "| {} | {} | {} | {median} | {range} | {} | {attempts} |",
                m.row.algorithm,
                m.row.quorum.map(|q| q.label()).unwrap_or_default(),
                m.row.implementation,
                m.samples
            );
        }
        md.push('\n');
    }

    fn sizes_table(&self, md: &mut String) {
        if self.sizes.is_empty() {
            return;
        }
        let _ = writeln!(
            md,
            "## Sizes\n\nBytes as qoesign encodes them: public key and signature in the \
             algorithm's standard encoding (a DER ECDSA signature varies by a few bytes), a \
             share as its key holder stores it (before the store's encryption).\n"
        );
        let _ = writeln!(
            md,
            "| Algorithm | Key | Public key | Signature | Share per provider | Device share |"
        );
        let _ = writeln!(md, "|---|---|---:|---:|---:|---:|");
        let mut sizes = self.sizes.clone();
        sizes.sort_by(|a, b| (a.family, &a.algorithm).cmp(&(b.family, &b.algorithm)));
        for s in sizes {
            let key = s.quorum.map_or_else(|| "single".to_owned(), |q| q.label());
            let device = s.device_share.map(|d| d.to_string()).unwrap_or_default();
            let _ = writeln!(
                md,
                "| {} | {key} | {} | {} | {} | {device} |",
                s.algorithm, s.public_key, s.signature, s.share
            );
        }
        md.push('\n');
    }

    fn ratios_table(&self, md: &mut String) {
        if self.ratios.is_empty() {
            return;
        }
        let _ = writeln!(
            md,
            "## Ratios\n\nMedian over median: threshold against single-party signing with the \
             arithmetic it is built on (`p256`, qoesign's ML-DSA); post-quantum against ECDSA \
             P-256 in the same role; qoesign's backends against the fastest other library.\n"
        );
        let _ = writeln!(md, "| Comparison | Subject | Ratio |");
        let _ = writeln!(md, "|---|---|---:|");
        for r in &self.ratios {
            let _ = writeln!(
                md,
                "| {} | {} | {:.2} × |",
                r.comparison, r.subject, r.ratio
            );
        }
        md.push('\n');
    }

    fn problems(&self, md: &mut String) {
        if self.failures.is_empty() {
            return;
        }
        let _ = writeln!(md, "## Failures\n");
        for f in &self.failures {
            let _ = writeln!(md, "- `{}`: {}", f.id, f.reason);
        }
        md.push('\n');
    }
}

fn protocol_cells(protocol: Option<&Protocol>) -> (String, String, String) {
    let Some(p) = protocol else {
        return Default::default();
    };
    let rounds = p.rounds.map(|r| format!("{r:.1}")).unwrap_or_default();
    let sent = match (p.sent_mean, p.sent_max) {
        (Some(mean), Some(max)) => format!("{} / {}", bytes(mean), bytes(max)),
        _ => String::new(),
    };
    (format!("{:.2}", p.attempts), rounds, sent)
}

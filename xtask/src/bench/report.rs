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
    /// Mean time per iteration over the samples (criterion's samples of one row all run the
    /// same number of iterations or grow linearly; either way this is the samples' mean).
    pub(crate) mean_ns: Option<f64>,
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
                            mean_ns: None,
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
            #[expect(clippy::cast_precision_loss, reason = "a sample count")]
            let mean = samples.iter().sum::<f64>() / samples.len() as f64;
            m.mean_ns = Some(mean);
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

/// The implementation an algorithm's other rows are compared with: the arithmetic qoesign's
/// schemes use (`p256` for ECDSA, qoesign's own ML-DSA, also inside the composites), and
/// PQClean for the draft ML-DSA, which nothing else implements.
fn reference(algorithm: &str) -> &'static str {
    if algorithm == "ecdsa-p256" {
        "p256"
    } else if algorithm.ends_with("-ipd") {
        "pqclean"
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
            Role::Single if m.row.implementation == reference(&m.row.algorithm) => m
                .id
                .replacen(&m.row.algorithm, "ecdsa-p256", 1)
                .replacen(&format!("/{}", m.row.implementation), "/p256", 1),
            Role::Threshold => m.id.replacen(&m.row.algorithm, "ecdsa-p256", 1),
            _ => continue,
        };
        let what = match (m.row.role, m.row.quorum) {
            (Role::Threshold, Some(q)) => format!("{} threshold {}", m.row.op, q.label()),
            _ => operation(m),
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
        let own = reference(&m.row.algorithm);
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
            let what = operation(m);
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
        return ("—".to_owned(), format!("not run: {reason}"));
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
        let _ = writeln!(
            md,
            "| Duration | {} min {:02} s (running the benchmarks, without building them) |\n",
            (self.seconds / 60.0).floor(),
            (self.seconds % 60.0).round()
        );
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
             simulator with the same signers. Attempts are random (threshold ML-DSA restarts \
             until every party's response passes), so compare the mean time per attempt.\n"
        );
        let _ = writeln!(
            md,
            "| Algorithm | Quorum | Path | Median | Min – max | Samples | Attempts | Mean per \
             attempt |"
        );
        let _ = writeln!(md, "|---|---|---|---:|---|---:|---:|---:|");
        for m in rows {
            let (median, range) = cell_time(m);
            let (attempts, ..) = protocol_cells(m.protocol.as_ref());
            let per_attempt = match (m.mean_ns, &m.protocol) {
                (Some(mean), Some(p)) if p.attempts > 0.0 => duration(mean / p.attempts),
                _ => String::new(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {median} | {range} | {} | {attempts} | {per_attempt} |",
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
            "## Ratios\n\nMedian over median; 2.00 × means twice as long. The JSON report lists \
             each ratio with the two rows it divides.\n"
        );
        let quorums: Vec<String> = QUORUM_LABELS.iter().map(|q| (*q).to_owned()).collect();
        self.pivot(
            md,
            "### Threshold against single party\n\nThe same algorithm's single-party operation \
             with the arithmetic the threshold scheme is built on (`p256` for ECDSA, qoesign's \
             ML-DSA).\n",
            |r| r.comparison == "threshold-vs-single",
            &quorums,
        );
        let single_columns: Vec<String> = ["keygen", "sign 32 B", "sign 1 MiB", "verify 32 B"]
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
        self.pivot(
            md,
            "### Post-quantum against ECDSA P-256, single party\n\nEach side's reference \
             implementation (`p256` for ECDSA, qoesign for ML-DSA and composite, PQClean for the \
             draft ML-DSA).\n",
            |r| r.comparison == "pq-vs-classical" && !r.numerator.starts_with("threshold/"),
            &single_columns,
        );
        self.pivot(
            md,
            "### Post-quantum against ECDSA P-256, threshold\n\nThe same quorum on both sides.\n",
            |r| r.comparison == "pq-vs-classical" && r.numerator.starts_with("threshold/"),
            &quorums,
        );
        let _ = writeln!(
            md,
            "### qoesign's backends against the fastest other library\n\nqoesign's ML-DSA \
             against the fastest of `fips204`, RustCrypto `ml-dsa` and PQClean; `p256` (what \
             qoesign's ECDSA uses) against `ring`.\n"
        );
        let _ = writeln!(md, "| Algorithm | Operation | Fastest other | Ratio |");
        let _ = writeln!(md, "|---|---|---|---:|");
        for r in self
            .ratios
            .iter()
            .filter(|r| r.comparison == "own-vs-fastest")
        {
            let other = self
                .find(&r.denominator)
                .map(|m| m.row.implementation.as_str());
            let Some(m) = self.find(&r.numerator) else {
                continue;
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                m.row.algorithm,
                operation(m),
                other.unwrap_or_default(),
                times(r.ratio)
            );
        }
        md.push('\n');
    }

    fn find(&self, id: &str) -> Option<&Measured> {
        self.rows.iter().find(|m| m.id == id)
    }

    /// One table of the ratios `select` picks: a row per algorithm and operation, a column
    /// per entry of `columns` (a quorum label, or an operation of a single-party row).
    fn pivot(
        &self,
        md: &mut String,
        title: &str,
        select: impl Fn(&Ratio) -> bool,
        columns: &[String],
    ) {
        let mut lines: Vec<(String, String, BTreeMap<String, f64>)> = Vec::new();
        for r in self.ratios.iter().filter(|r| select(r)) {
            let Some(m) = self.find(&r.numerator) else {
                continue;
            };
            let (line_op, column) = match m.row.quorum {
                Some(q) => (m.row.op.clone(), q.label()),
                None => (String::new(), operation(m)),
            };
            let key = (m.row.algorithm.clone(), line_op);
            match lines
                .iter_mut()
                .find(|(a, o, _)| (a, o) == (&key.0, &key.1))
            {
                Some((.., cells)) => {
                    cells.insert(column, r.ratio);
                }
                None => lines.push((key.0, key.1, BTreeMap::from([(column, r.ratio)]))),
            }
        }
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(md, "{title}");
        let _ = writeln!(md, "| Algorithm | Operation | {} |", columns.join(" | "));
        let _ = writeln!(md, "|---|---|{}", "---:|".repeat(columns.len()));
        for (algorithm, op, cells) in lines {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| cells.get(c).map(|&r| times(r)).unwrap_or_default())
                .collect();
            let op = if op.is_empty() { "single party" } else { &op };
            let _ = writeln!(md, "| {algorithm} | {op} | {} |", cells.join(" | "));
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

/// The quorum labels in the order the threshold benchmarks run them.
const QUORUM_LABELS: [&str; 6] = [
    "2-of-3",
    "3-of-5",
    "4-of-6",
    "user+2-of-3",
    "user+3-of-5",
    "user+4-of-6",
];

/// A single-party row's operation with its message: `sign 32 B`.
fn operation(m: &Measured) -> String {
    match m.row.message {
        Some(len) => format!("{} {}", m.row.op, message(Some(len))),
        None => m.row.op.clone(),
    }
}

/// A ratio to three significant digits, `12.3 ×`; below 0.001 as `1/N ×`.
fn times(ratio: f64) -> String {
    if ratio > 0.0 && ratio < 0.001 {
        return format!("1/{:.0} ×", 1.0 / ratio);
    }
    let digits = if ratio >= 100.0 {
        0
    } else if ratio >= 10.0 {
        1
    } else if ratio >= 0.1 {
        2
    } else {
        3
    };
    format!("{ratio:.digits$} ×")
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use qoesign_benches::record::{Quorum, Recorder};

    use super::*;
    use crate::bench::machine::Snapshot;

    fn row(group: &str, function: &str, role: Role, implementation: &str) -> Row {
        let algorithm = group.split('/').nth(1).unwrap_or_default().to_owned();
        let family = if algorithm == "ecdsa-p256" {
            Family::Classical
        } else {
            Family::PostQuantum
        };
        Row {
            group: group.to_owned(),
            function: function.to_owned(),
            family,
            algorithm,
            role,
            op: function.split('/').next().unwrap_or_default().to_owned(),
            implementation: implementation.to_owned(),
            quorum: (role == Role::Threshold).then_some(Quorum {
                t: 2,
                n: 3,
                user: false,
            }),
            message: function.contains("sign").then_some(32),
        }
    }

    /// A fresh directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("qoesign-xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn summary_takes_the_median_and_the_extremes() {
        assert_eq!(summary(&[3.0, 1.0, 2.0]), Some((2.0, 1.0, 3.0)));
        assert_eq!(summary(&[4.0, 1.0, 2.0, 3.0]), Some((2.5, 1.0, 4.0)));
        assert_eq!(summary(&[]), None);
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(duration(512.0), "512 ns");
        assert_eq!(duration(15_500.0), "15.5 µs");
        assert_eq!(duration(2_345_678.0), "2.35 ms");
        assert_eq!(duration(45e9), "45.0 s");
    }

    #[test]
    fn a_report_joins_records_criterion_samples_and_ratios() {
        let raw = scratch("raw");
        let criterion = scratch("criterion");
        let single_ecdsa = row("single/ecdsa-p256", "sign/32/p256", Role::Single, "p256");
        let ours = row(
            "single/ml-dsa-65",
            "sign/32/qoesign",
            Role::Single,
            "qoesign",
        );
        let fips = row(
            "single/ml-dsa-65",
            "sign/32/fips204",
            Role::Single,
            "fips204",
        );
        let rc = row("single/ml-dsa-65", "sign/32/ml-dsa", Role::Single, "ml-dsa");
        let threshold = row("threshold/ml-dsa-65", "sign/2-of-3", Role::Threshold, "t");
        let lost = row("threshold/ml-dsa-65", "keygen/2-of-3", Role::Threshold, "t");
        let mut out = Recorder::create(Some(&raw), "single").unwrap();
        for r in [&single_ecdsa, &ours, &fips, &rc, &threshold, &lost] {
            out.write(&Record::Row(r.clone())).unwrap();
        }
        let samples = |id: String, ns: Vec<u64>| Record::Samples { id, ns };
        out.write(&samples(single_ecdsa.id(), vec![100, 300, 200]))
            .unwrap();
        out.write(&samples(fips.id(), vec![1_000])).unwrap();
        out.write(&samples(rc.id(), vec![800, 900])).unwrap();
        out.write(&samples(threshold.id(), vec![12_000])).unwrap();
        out.write(&Record::Protocol {
            id: threshold.id(),
            protocol: Protocol {
                signatures: 4,
                attempts: 1.5,
                rounds: Some(4.5),
                sent_mean: Some(1000.0),
                sent_max: Some(1200.0),
            },
        })
        .unwrap();
        // qoesign's row is measured by criterion: 2 iterations in 3000 ns, 4 in 4000 ns.
        let dir = criterion
            .join("single_ml-dsa-65")
            .join("sign_32_qoesign")
            .join("new");
        std::fs::create_dir_all(&dir).unwrap();
        let benchmark = format!("{{\"full_id\":\"{}\",\"other\":1}}", ours.id());
        std::fs::write(dir.join("benchmark.json"), benchmark).unwrap();
        let sample = "{\"sampling_mode\":\"Flat\",\"iters\":[2.0,4.0],\"times\":[3000.0,4000.0]}";
        std::fs::write(dir.join("sample.json"), sample).unwrap();

        let snapshot = Snapshot::take();
        let report = build(Inputs {
            raw: &raw,
            criterion: &criterion,
            binaries: &["single", "missing"],
            quick: false,
            command: "cargo xtask bench".to_owned(),
            machine: Machine::describe(),
            quiet: Quiet::between(snapshot, snapshot, 1.0),
            seconds: 1.0,
        })
        .unwrap();
        let find = |id: String| report.rows.iter().find(|m| m.id == id).unwrap();
        let ecdsa = find(single_ecdsa.id());
        assert_eq!((ecdsa.source, ecdsa.samples), (Source::Runner, 3));
        assert_eq!(
            (ecdsa.median_ns, ecdsa.min_ns, ecdsa.max_ns),
            (Some(200.0), Some(100.0), Some(300.0))
        );
        let own = find(ours.id());
        assert_eq!(
            (own.source, own.median_ns),
            (Source::Criterion, Some(1250.0))
        );
        assert_eq!(find(threshold.id()).protocol.map(|p| p.signatures), Some(4));

        let ratio = |comparison: &str| {
            report
                .ratios
                .iter()
                .filter(|r| r.comparison == comparison)
                .map(|r| (r.numerator.clone(), r.denominator.clone(), r.ratio))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ratio("threshold-vs-single"),
            [(threshold.id(), ours.id(), 12_000.0 / 1250.0)]
        );
        assert_eq!(
            ratio("own-vs-fastest"),
            [(ours.id(), rc.id(), 1250.0 / 850.0)]
        );
        assert!(ratio("pq-vs-classical").contains(&(ours.id(), single_ecdsa.id(), 1250.0 / 200.0)));

        // The key generation row was announced but never measured; the second binary wrote
        // nothing: both are failures, named.
        let failed: Vec<&str> = report.failures.iter().map(|f| f.id.as_str()).collect();
        assert!(failed.contains(&lost.id().as_str()), "{failed:?}");
        assert!(failed.contains(&"bench binary `missing`"), "{failed:?}");

        let markdown = report.markdown();
        assert!(
            markdown.contains(
                "| ml-dsa-65 | sign | 32 B | qoesign | 1.25 µs | 1.00 µs – 1.50 µs | 2 |"
            )
        );
        assert!(markdown.contains(
            "| ml-dsa-65 | 2-of-3 | sign | 12.0 µs | one sample | 1 | 1.50 | 4.5 | 1000 / 1200 |"
        ));
        let json: serde_json::Value = serde_json::to_value(&report).unwrap();
        assert_eq!(json["version"], REPORT_VERSION);
        assert_eq!(json["rows"][1]["median_ns"], 1250.0);
        assert_eq!(json["rows"][1]["implementation"], "qoesign");

        // The chart draws one bar per signing row: the single-party reference rows and the
        // threshold ones, labelled, top-down in report order.
        let svg_path = raw.join("latency.svg");
        crate::bench::chart::draw(&report, &svg_path).unwrap();
        let svg = std::fs::read_to_string(&svg_path).unwrap();
        for label in [
            "ecdsa-p256 single (p256)",
            "ml-dsa-65 single (qoesign)",
            "ml-dsa-65 2-of-3",
        ] {
            assert!(svg.contains(label), "no {label} in the chart");
        }
        assert!(
            !svg.contains("single (fips204)"),
            "only reference rows are drawn"
        );

        let _ = std::fs::remove_dir_all(&raw);
        let _ = std::fs::remove_dir_all(&criterion);
    }
}

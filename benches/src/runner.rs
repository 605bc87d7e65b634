//! Runs one benchmark at a time, in criterion or, where criterion does not fit, on its own,
//! and records what the report needs.
//!
//! A benchmark runs once first. Then:
//!
//! - in a quick run (`cargo xtask bench --quick`, or the bench binaries run by `cargo test`),
//!   that one run is all: it proves the benchmark builds and works, and its time is recorded
//!   as a single sample that the report marks as such;
//! - when the one run took [`SLOW`] or more (the threshold ECDSA key generations take from
//!   seconds to a minute), criterion's minimum of ten samples plus warm-up would take up to a
//!   quarter of an hour per row, so the runner takes [`SLOW_SAMPLES`] samples itself (the first
//!   run counts as one), one iteration each;
//! - otherwise criterion measures it, with sample counts and times scaled to the one run's
//!   duration, and writes its estimates under `CRITERION_HOME` (or `target/criterion`).

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use regex::Regex;

use crate::record::{OUT_DIR_VAR, Protocol, Record, Recorder, Row, Sizes};

/// Set to `1` for a quick run: every benchmark once.
pub const QUICK_VAR: &str = "QOESIGN_BENCH_QUICK";
/// A regular expression over row ids ([`Row::id`]): only matching benchmarks run.
pub const FILTER_VAR: &str = "QOESIGN_BENCH_FILTER";
/// Overrides [`SLOW_SAMPLES`].
pub const SLOW_SAMPLES_VAR: &str = "QOESIGN_BENCH_SLOW_SAMPLES";

/// One iteration at least this long is measured by the runner instead of criterion.
pub const SLOW: Duration = Duration::from_secs(2);
/// Samples of a benchmark at least [`SLOW`] long.
pub const SLOW_SAMPLES: usize = 3;

/// The benchmark runner of one bench binary.
pub struct Runner {
    criterion: Criterion,
    recorder: Recorder,
    filter: Option<Regex>,
    quick: bool,
    slow_samples: usize,
    failures: usize,
}

/// Why a runner could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The filter is not a regular expression.
    #[error("the row filter ({FILTER_VAR}, `--filter`) is not a regular expression: {0}")]
    Filter(#[from] regex::Error),
    /// The record file cannot be written.
    #[error("cannot write the records to {OUT_DIR_VAR}: {0}")]
    Records(#[from] io::Error),
    /// The sample count is not a positive number.
    #[error("{SLOW_SAMPLES_VAR} must be a positive number, got {0:?}")]
    Samples(String),
}

impl Runner {
    /// The runner of bench binary `name`, set up from the command line (criterion's options)
    /// and the environment ([`QUICK_VAR`], [`FILTER_VAR`], [`SLOW_SAMPLES_VAR`],
    /// [`OUT_DIR_VAR`]). A run without `--bench` on the command line (`cargo test`) is quick.
    ///
    /// # Errors
    ///
    /// Returns a [`RunnerError`] for a bad filter or sample count, or a record file that
    /// cannot be created.
    pub fn from_env(name: &str) -> Result<Self, RunnerError> {
        let benching = std::env::args().any(|a| a == "--bench");
        let quick = !benching || std::env::var(QUICK_VAR).is_ok_and(|v| v == "1");
        let filter = match std::env::var(FILTER_VAR) {
            Ok(f) if !f.is_empty() => Some(filter(&f)?),
            _ => None,
        };
        let slow_samples = match std::env::var(SLOW_SAMPLES_VAR) {
            Ok(v) => match v.parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => return Err(RunnerError::Samples(v)),
            },
            Err(_) => SLOW_SAMPLES,
        };
        let dir = std::env::var_os(OUT_DIR_VAR).map(PathBuf::from);
        let recorder = Recorder::create(dir.as_deref(), name)?;
        let criterion = if quick {
            Criterion::default()
        } else {
            Criterion::default().configure_from_args()
        };
        Ok(Self {
            criterion,
            recorder,
            filter,
            quick,
            slow_samples,
            failures: 0,
        })
    }

    /// The `main` of a bench binary: sets up the runner of `name` (exit code 2 if it cannot),
    /// runs `benchmarks`, and returns [`Runner::finish`]'s exit code. Progress and failures
    /// go to `tracing` (the bench binaries print them to stderr).
    pub fn main(name: &str, benchmarks: impl FnOnce(&mut Self)) -> ExitCode {
        match Self::from_env(name) {
            Ok(mut runner) => {
                benchmarks(&mut runner);
                runner.finish()
            }
            Err(e) => {
                tracing::error!("cannot start the benchmarks: {e}");
                ExitCode::from(2)
            }
        }
    }

    /// Whether this is a quick run.
    pub fn quick(&self) -> bool {
        self.quick
    }

    /// Whether the filter selects `row`.
    pub fn selected(&self, row: &Row) -> bool {
        self.filter.as_ref().is_none_or(|f| f.is_match(&row.id()))
    }

    /// Measures `routine` as `row` if the filter selects it, and returns the output of one of
    /// its runs (the first under criterion, the last of the runner's own samples), or `None`
    /// if the row is not selected.
    pub fn measure<O>(&mut self, row: &Row, mut routine: impl FnMut() -> O) -> Option<O> {
        if !self.selected(row) {
            return None;
        }
        self.record(&Record::Row(row.clone()));
        let id = row.id();
        tracing::info!("bench {id}");
        let start = Instant::now();
        let mut output = routine();
        let once = start.elapsed();
        if self.quick || once >= SLOW {
            let runs = if self.quick { 1 } else { self.slow_samples };
            let mut ns = vec![nanos(once)];
            for _ in 1..runs {
                let start = Instant::now();
                output = routine();
                ns.push(nanos(start.elapsed()));
            }
            self.record(&Record::Samples { id, ns });
            return Some(output);
        }
        let (samples, count): (usize, u32) = if once < Duration::from_millis(50) {
            (20, 20)
        } else {
            (10, 10)
        };
        let mut group = self.criterion.benchmark_group(&row.group);
        group
            .sample_size(samples)
            .measurement_time(Duration::from_secs(2).max(once * count * 11 / 10))
            .warm_up_time(if once < Duration::from_millis(50) {
                Duration::from_millis(500)
            } else {
                Duration::from_millis(1)
            });
        if once >= Duration::from_millis(2) {
            group.sampling_mode(SamplingMode::Flat);
        }
        group.bench_function(&row.function, |b| b.iter(&mut routine));
        group.finish();
        Some(output)
    }

    /// Records the protocol figures of a sign row.
    pub fn protocol(&mut self, row: &Row, protocol: Protocol) {
        self.record(&Record::Protocol {
            id: row.id(),
            protocol,
        });
    }

    /// Records sizes.
    pub fn sizes(&mut self, sizes: Sizes) {
        self.record(&Record::Sizes(sizes));
    }

    /// Records that a selected row did not run, and why.
    pub fn skipped(&mut self, row: &Row, reason: impl Into<String>) {
        if !self.selected(row) {
            return;
        }
        let reason = reason.into();
        tracing::info!("skipping {}: {reason}", row.id());
        self.record(&Record::Row(row.clone()));
        self.record(&Record::Skipped {
            id: row.id(),
            reason,
        });
    }

    /// Records a failure (a session that failed, a signature that does not verify): the
    /// binary will exit non-zero.
    pub fn failure(&mut self, id: impl Into<String>, reason: impl Into<String>) {
        let (id, reason) = (id.into(), reason.into());
        tracing::error!("FAILED {id}: {reason}");
        self.failures += 1;
        self.record(&Record::Failure { id, reason });
    }

    /// Ends the run: criterion's summary, and failure if anything failed.
    pub fn finish(self) -> ExitCode {
        if !self.quick {
            self.criterion.final_summary();
        }
        if self.failures == 0 {
            ExitCode::SUCCESS
        } else {
            tracing::error!("{} failure(s)", self.failures);
            ExitCode::FAILURE
        }
    }

    fn record(&mut self, record: &Record) {
        if let Err(e) = self.recorder.write(record) {
            tracing::error!("cannot write a record: {e}");
            self.failures += 1;
        }
    }
}

/// Prints the runner's `tracing` events (progress and failures) to stderr, without
/// timestamps; for the `main` of a bench binary, before [`Runner::main`]. Does nothing if
/// the process already has a subscriber.
pub fn log_to_stderr() {
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .finish();
    // Another subscriber already set is fine: the events go there.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The row filter `text` stands for (a regular expression over [`Row::id`], unanchored).
///
/// # Errors
///
/// Returns [`RunnerError::Filter`] when `text` is not a regular expression.
pub fn filter(text: &str) -> Result<Regex, RunnerError> {
    Ok(Regex::new(text)?)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

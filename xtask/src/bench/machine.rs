//! What the report's header says about the machine, and whether something else ran beside
//! the benchmarks.

use std::process::Command;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The machine and toolchain a run measured on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Machine {
    /// The processor's model name (`/proc/cpuinfo`).
    pub(crate) cpu: String,
    /// Logical cores available to the run.
    pub(crate) cores: usize,
    /// `rustc --version`.
    pub(crate) rustc: String,
    /// When the run started, RFC 3339, UTC.
    pub(crate) date: String,
}

impl Machine {
    /// Reads the machine's description.
    pub(crate) fn describe() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|line| line.strip_prefix("model name"))
                    .and_then(|rest| rest.split_once(':'))
                    .map(|(_, name)| name.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned());
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
        let rustc = Command::new(rustc)
            .arg("--version")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map_or_else(|| "unknown".to_owned(), |v| v.trim().to_owned());
        let date = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| "unknown".to_owned());
        Self {
            cpu,
            cores,
            rustc,
            date,
        }
    }
}

/// The load average (`/proc/loadavg`) and CPU counters at one moment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Snapshot {
    /// The 1-, 5- and 15-minute load averages.
    pub(crate) load: Option<[f64; 3]>,
    /// CPU time every process on the machine has used, in clock ticks (`/proc/stat`).
    busy: Option<u64>,
    /// CPU time this process and the children it waited for (cargo and the bench binaries)
    /// have used, in the same clock ticks (`/proc/self/stat`).
    ours: Option<u64>,
}

impl Snapshot {
    /// Takes a snapshot; fields the system does not offer are `None`.
    pub(crate) fn take() -> Self {
        Self {
            load: load_average(),
            busy: busy_ticks(),
            ours: own_ticks(),
        }
    }
}

/// How quiet the machine was during a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Quiet {
    /// Load averages (1, 5, 15 minutes) when the benchmarks started.
    pub(crate) load_start: Option<[f64; 3]>,
    /// Load averages when they ended.
    pub(crate) load_end: Option<[f64; 3]>,
    /// CPU that other processes used during the run, in cores (0.25 = a quarter of one core
    /// on average).
    pub(crate) other_cpu: Option<f64>,
    /// Whether the run counts as noisy: a 1-minute load of [`NOISY_LOAD`] or more at the start
    /// (something was already busy), or other processes using [`NOISY_OTHER_CPU`] of a core
    /// or more during the run.
    pub(crate) noisy: bool,
    /// Why it is noisy, in words.
    pub(crate) reasons: Vec<String>,
}

/// A 1-minute load average at the start of a run at or above this marks it noisy.
pub(crate) const NOISY_LOAD: f64 = 0.5;
/// Other processes' CPU during a run at or above this (in cores) marks it noisy.
pub(crate) const NOISY_OTHER_CPU: f64 = 0.1;

impl Quiet {
    /// Compares the snapshots at the start and the end of a run that took `seconds`.
    pub(crate) fn between(start: Snapshot, end: Snapshot, seconds: f64) -> Self {
        let other_cpu = match (start.busy, end.busy, start.ours, end.ours) {
            (Some(b0), Some(b1), Some(o0), Some(o1)) if seconds > 0.0 => {
                let other = b1.saturating_sub(b0).saturating_sub(o1.saturating_sub(o0));
                Some(ticks_to_seconds(other) / seconds)
            }
            _ => None,
        };
        let mut reasons = Vec::new();
        if let Some([one, ..]) = start.load
            && one >= NOISY_LOAD
        {
            reasons.push(format!(
                "the 1-minute load average was {one:.2} when the benchmarks started"
            ));
        }
        if let Some(other) = other_cpu
            && other >= NOISY_OTHER_CPU
        {
            reasons.push(format!(
                "other processes used {other:.2} of a core on average during the run"
            ));
        }
        Self {
            load_start: start.load,
            load_end: end.load,
            other_cpu,
            noisy: !reasons.is_empty(),
            reasons,
        }
    }
}

/// The longest [`settle`] waits.
const SETTLE_AT_MOST: Duration = Duration::from_secs(180);

/// Waits until the 1-minute load average is below [`NOISY_LOAD`] (building the bench binaries
/// leaves it high for a minute or two), or [`SETTLE_AT_MOST`] has passed.
pub(crate) fn settle() {
    let start = Instant::now();
    while let Some([one, ..]) = load_average() {
        if one < NOISY_LOAD || start.elapsed() >= SETTLE_AT_MOST {
            return;
        }
        eprintln!(
            "xtask: waiting for the 1-minute load average ({one:.2}) to drop below {NOISY_LOAD}"
        );
        std::thread::sleep(Duration::from_secs(10));
    }
}

fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

/// Busy clock ticks of all processors: user, nice, system, irq, softirq and steal.
fn busy_ticks() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal ...
    let at = |i: usize| fields.get(i).copied().unwrap_or(0);
    Some(at(0) + at(1) + at(2) + at(5) + at(6) + at(7))
}

/// This process's user and system ticks plus those of the children it waited for.
fn own_ticks() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name in parentheses may hold spaces; the fields after it start at field 3.
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime, stime, cutime, cstime are fields 14 to 17, so 11 to 14 after field 3.
    fields
        .get(11..15)?
        .iter()
        .map(|f| f.parse::<u64>().ok())
        .sum()
}

/// Linux's clock ticks are USER_HZ, 100 per second on every mainstream architecture.
#[expect(
    clippy::cast_precision_loss,
    reason = "ticks of one run fit a double exactly"
)]
fn ticks_to_seconds(ticks: u64) -> f64 {
    ticks as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(load: f64, busy: u64, ours: u64) -> Snapshot {
        Snapshot {
            load: Some([load, load, load]),
            busy: Some(busy),
            ours: Some(ours),
        }
    }

    #[test]
    fn a_quiet_run_is_not_flagged() {
        let quiet = Quiet::between(snapshot(0.1, 1000, 500), snapshot(2.0, 3000, 2490), 10.0);
        assert!(!quiet.noisy, "{:?}", quiet.reasons);
        assert_eq!(quiet.other_cpu, Some(0.1 / 10.0));
    }

    #[test]
    fn a_busy_start_or_other_processes_flag_the_run() {
        let busy_start = Quiet::between(snapshot(1.5, 0, 0), snapshot(2.0, 0, 0), 10.0);
        assert!(busy_start.noisy);
        assert!(
            busy_start.reasons[0].contains("1.50"),
            "{:?}",
            busy_start.reasons
        );
        // 300 ticks (3 s) of someone else's CPU over 10 s: 0.3 of a core.
        let shared = Quiet::between(snapshot(0.0, 0, 0), snapshot(0.0, 1300, 1000), 10.0);
        assert!(shared.noisy);
        assert_eq!(shared.other_cpu, Some(0.3));
    }

    #[test]
    fn this_machine_describes_itself() {
        let machine = Machine::describe();
        assert!(machine.cores >= 1);
        assert!(machine.rustc.starts_with("rustc "), "{}", machine.rustc);
        assert!(machine.date.ends_with('Z'), "{}", machine.date);
    }
}

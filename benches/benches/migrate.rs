//! Policy rollover at scale: `QOESIGN_BENCH_CREDENTIALS` credentials (default 1,000) of
//! threshold ECDSA P-256, 3 of 5 providers and the user's device, migrated in one process to
//! the threshold composite ML-DSA-65 + ECDSA P-256 with the same quorum. Not a criterion
//! bench: one migration is one measurement, and the figure that counts is its throughput.
//!
//! Prints the time to create the credentials and to migrate them, and credentials per second
//! of the migration. Run it under `/usr/bin/time -v` for the peak memory:
//!
//! ```sh
//! QOESIGN_BENCH_CREDENTIALS=1000 /usr/bin/time -v \
//!     cargo bench -p qoesign-benches --bench migrate
//! ```
//!
//! `QOESIGN_BENCH_JOBS` (default 4) is the number of credentials re-issued at once. Stores use
//! the cheap test Argon2id parameters: opening stores is not what this measures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark that cannot run has nothing to report"
)]

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use qoesign_engine::Registry;
use qoesign_engine::coordinator::Timeouts;
use qoesign_engine::local::{LocalCluster, LocalOptions};
use qoesign_engine::migrate::{self, MigrateOptions, Progress};
use qoesign_engine::store::{KdfParams, Passphrase};
use qoesign_policy::Policy;
use zeroize::Zeroizing;

const PROVIDERS: &str = "[\"p1\", \"p2\", \"p3\", \"p4\", \"p5\"]";

fn policy(version: u64, preferred: &str, algorithms: &str) -> Policy {
    let text = format!(
        "version = {version}\nissued = 2026-12-01\npreferred = \"{preferred}\"\n[quorum]\n\
         providers = {PROVIDERS}\nthreshold = 3\nuser_required = true\n{algorithms}"
    );
    Policy::parse(&text, "bench.toml", &Registry::builtin().known_ids()).unwrap()
}

fn number(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn options() -> LocalOptions {
    LocalOptions {
        kdf: KdfParams::for_tests(),
        sign_round_timeout: Duration::from_secs(600),
        timeouts: Timeouts {
            keygen: Duration::from_secs(3600),
            sign: Duration::from_secs(3600),
            grace: Duration::from_secs(15),
        },
        ..LocalOptions::default()
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that names another bench skips this one.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args
        .iter()
        .any(|filter| !"migrate".contains(filter.as_str()))
    {
        return;
    }
    let count = number("QOESIGN_BENCH_CREDENTIALS", 1000);
    let jobs = number("QOESIGN_BENCH_JOBS", 4).max(1);
    let v1 = policy(
        1,
        "ecdsa-p256",
        "[[algorithm]]\nid = \"ecdsa-p256\"\nstate = \"active\"\n",
    );
    let v2 = policy(
        2,
        "mldsa65-ecdsa-p256",
        "[[algorithm]]\nid = \"ecdsa-p256\"\nstate = \"deprecated\"\n\
         [[algorithm]]\nid = \"mldsa65-ecdsa-p256\"\nstate = \"active\"\n",
    );
    let registry = Arc::new(Registry::builtin());
    let passphrase = Passphrase::new(Zeroizing::new("migration bench".to_owned()));
    let dir = tempfile::tempdir().unwrap();
    let owners: Vec<String> = (0..count).map(|i| format!("user{i}")).collect();
    let names: Vec<&str> = owners.iter().map(String::as_str).collect();

    let started = Instant::now();
    let cluster = LocalCluster::start(
        dir.path(),
        Some(&v1),
        &names,
        &passphrase,
        &registry,
        options(),
    )
    .unwrap();
    let next = Mutex::new(owners.iter());
    std::thread::scope(|scope| {
        for job in 0..jobs {
            let mut coordinator = cluster
                .another_coordinator(&format!("setup-{job}"))
                .unwrap();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let owner = next.lock().unwrap_or_else(PoisonError::into_inner).next();
                    let Some(owner) = owner else { break };
                    coordinator.keygen(owner, "ecdsa-p256").unwrap();
                }
            });
        }
    });
    cluster.stop();
    let setup = started.elapsed();
    eprintln!("created {count} ECDSA P-256 credentials (3 of 5 + user) in {setup:.1?}");

    let done = Mutex::new(0usize);
    let progress = |event: &Progress<'_>| {
        if let Progress::Finished(_) = event {
            let mut done = done.lock().unwrap_or_else(PoisonError::into_inner);
            *done += 1;
            if done.is_multiple_of(10) {
                eprintln!("  {done}/{count} migrated");
            }
        }
    };
    let at = time::OffsetDateTime::now_utc();
    let started = Instant::now();
    let options = MigrateOptions {
        jobs,
        local: options(),
    };
    let report = migrate::migrate(
        dir.path(),
        &passphrase,
        &registry,
        &v2,
        at,
        options,
        &progress,
    )
    .unwrap();
    let took = started.elapsed();
    assert!(report.all_migrated(), "not every credential migrated");
    let rate = f64::from(u32::try_from(count).unwrap_or(u32::MAX)) / took.as_secs_f64();
    println!(
        "migrate/ecdsa-p256-to-mldsa65-ecdsa-p256/user-and-3-of-5: {count} credentials in \
         {took:.1?} with {jobs} jobs: {rate:.3} credentials/s"
    );
}

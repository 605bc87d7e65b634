//! `qoesign migrate --policy NEW.toml --store DIR [--dry-run] [--at INSTANT]`: re-issue every
//! credential the new policy retires or deprecates, crash-safely (see
//! `qoesign_engine::migrate`).
//!
//! Exit codes: 0 when everything planned was re-issued (or nothing had to be), 1 when the
//! migration is refused or cannot start (nothing changed), 3 when some credentials failed
//! (the report says why; running the same command again retries them).

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use qoesign_engine::Registry;
use qoesign_engine::fault::CrashPoint;
use qoesign_engine::local::LocalOptions;
use qoesign_engine::migrate::{self, ItemReport, MigrateOptions, Plan, PlanKind, Progress, Report};
use qoesign_engine::store::Credential;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, time};

use crate::common::load_policy;
use crate::local::{StoreArgs, rfc3339};

/// Exit code of a migration that left some credentials to a later run.
const INCOMPLETE: u8 = 3;

/// The environment variable of the command-line crash test.
const ABORT_VAR: &str = "QOESIGN_TEST_ABORT_AFTER_COMMITS";

/// What `qoesign migrate` was asked.
pub(crate) struct MigrateArgs<'a> {
    pub(crate) policy: &'a Path,
    pub(crate) dry_run: bool,
    pub(crate) at: Option<&'a str>,
    pub(crate) jobs: usize,
    pub(crate) json: bool,
}

/// `qoesign migrate`.
pub(crate) fn run(store: &StoreArgs, args: &MigrateArgs<'_>) -> anyhow::Result<ExitCode> {
    let registry = Arc::new(Registry::builtin());
    let new = load_policy(&registry, Some(args.policy))?;
    let clock = store.clock()?;
    let at = match args.at {
        Some(text) => instant(text)?,
        None => clock(),
    };
    let passphrase = store.passphrase()?;
    if args.dry_run {
        let plan = migrate::plan(&store.store, &passphrase, &registry, &new, at)?;
        if args.json {
            let out = DryRunJson {
                dry_run: true,
                plan: plan_json(&plan),
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            print_plan(&plan);
            println!("dry run: nothing was changed");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let bar = ProgressBar::with_draw_target(None, draw_target());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} credentials re-issued ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |event: &Progress<'_>| match event {
        Progress::Started { total } => bar.set_length(u64::try_from(*total).unwrap_or(u64::MAX)),
        Progress::Finished(item) => {
            if let Err(reason) = &item.result {
                bar.println(format!("failed {}: {reason}", item.old.id));
            }
            bar.inc(1);
        }
    };
    let options = MigrateOptions {
        jobs: args.jobs,
        local: LocalOptions {
            clock,
            crash: abort_point()?,
            ..LocalOptions::default()
        },
    };
    let report = migrate::migrate(
        &store.store,
        &passphrase,
        &registry,
        &new,
        at,
        options,
        &progress,
    )?;
    bar.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report_json(&report))?);
    } else {
        print_report(&report);
    }
    Ok(if report.all_migrated() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(INCOMPLETE)
    })
}

/// The crash test's kill switch: with `QOESIGN_TEST_ABORT_AFTER_COMMITS=N`, the process aborts
/// after N commits (see `qoesign_engine::fault`). Unset in any real use.
fn abort_point() -> anyhow::Result<Option<Arc<CrashPoint>>> {
    match std::env::var(ABORT_VAR) {
        Err(_) => Ok(None),
        Ok(text) => {
            let commits = text
                .parse()
                .with_context(|| format!("{ABORT_VAR}: expected a number, got `{text}`"))?;
            Ok(Some(CrashPoint::abort_after(commits)))
        }
    }
}

/// The bar on a terminal only: piped output stays clean.
fn draw_target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// `--at`: an RFC 3339 instant, or a day (its midnight, UTC).
fn instant(text: &str) -> anyhow::Result<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let day = time::Date::parse(text, format_description!("[year]-[month]-[day]")).with_context(
        || format!("--at: expected 2030-01-01 or 2030-01-01T00:00:00Z, got `{text}`"),
    )?;
    Ok(OffsetDateTime::new_utc(day, time!(00:00)))
}

fn kind(kind: PlanKind) -> &'static str {
    match kind {
        PlanKind::Fresh => "fresh",
        PlanKind::Resume => "resume",
        PlanKind::Done => "done",
    }
}

fn print_plan(plan: &Plan) {
    let from = plan
        .from
        .map_or_else(|| "no policy".to_owned(), |(v, _)| format!("version {v}"));
    println!(
        "migration from {from} to policy version {} ({}), effective {}",
        plan.to_version,
        plan.to_digest,
        rfc3339(plan.effective)
    );
    match plan.kind {
        PlanKind::Fresh => {}
        PlanKind::Resume => println!("resuming the unfinished migration in the journal"),
        PlanKind::Done => println!("the journal says this migration finished"),
    }
    println!(
        "re-issue {} credential(s) as {}:",
        plan.items.len(),
        plan.target
    );
    for item in &plan.items {
        let signs = if item.old_key_signs {
            "old and new key sign"
        } else {
            "only the new key signs"
        };
        println!(
            "  {}  {:<12} {} ({}) -> {}; {signs}",
            item.credential.id,
            item.credential.owner,
            item.credential.algorithm,
            item.state,
            item.becomes
        );
    }
    println!("skip {} credential(s):", plan.skipped.len());
    for skipped in &plan.skipped {
        println!(
            "  {}  {:<12} {}: {}",
            skipped.credential.id,
            skipped.credential.owner,
            skipped.credential.algorithm,
            skipped.reason
        );
    }
}

fn print_report(report: &Report) {
    print_plan(&report.plan);
    let migrated = report.items.iter().filter(|i| i.result.is_ok()).count();
    println!(
        "migrated {migrated}, failed {}, skipped {}",
        report.items.len() - migrated,
        report.plan.skipped.len()
    );
    for item in &report.items {
        match &item.result {
            Ok(done) => {
                let old = match &done.old_signature_skipped {
                    None => "signed by the old and the new key".to_owned(),
                    Some(why) => format!("signed by the new key only ({why})"),
                };
                println!(
                    "  {} -> {} ({}); statement {old}",
                    item.old.id, done.new.id, done.new.algorithm
                );
            }
            Err(reason) => println!("  {} FAILED: {reason}", item.old.id),
        }
    }
    if !report.all_migrated() {
        println!("run the same command again to finish the migration");
    }
}

#[derive(Serialize)]
struct DryRunJson {
    dry_run: bool,
    plan: PlanJson,
}

#[derive(Serialize)]
struct PlanJson {
    kind: &'static str,
    from_version: Option<u64>,
    from_digest: Option<String>,
    to_version: u64,
    to_digest: String,
    effective: String,
    target: String,
    credentials: Vec<PlanItemJson>,
    skipped: Vec<SkippedJson>,
}

#[derive(Serialize)]
struct PlanItemJson {
    credential: String,
    owner: String,
    algorithm: String,
    state: String,
    becomes: String,
    old_key_signs: bool,
}

#[derive(Serialize)]
struct SkippedJson {
    credential: String,
    owner: String,
    algorithm: String,
    reason: String,
}

#[derive(Serialize)]
struct ReportJson {
    dry_run: bool,
    plan: PlanJson,
    complete: bool,
    migrated: Vec<MigratedJson>,
    failed: Vec<FailedJson>,
    skipped: Vec<SkippedJson>,
}

#[derive(Serialize)]
struct MigratedJson {
    credential: String,
    owner: String,
    algorithm: String,
    public_key: String,
    new_credential: String,
    new_algorithm: String,
    new_public_key: String,
    statement: String,
    old_signature: Option<String>,
    old_signature_skipped: Option<String>,
    new_signature: String,
}

#[derive(Serialize)]
struct FailedJson {
    credential: String,
    owner: String,
    algorithm: String,
    reason: String,
}

fn plan_json(plan: &Plan) -> PlanJson {
    PlanJson {
        kind: kind(plan.kind),
        from_version: plan.from.map(|(v, _)| v),
        from_digest: plan.from.map(|(_, d)| d.to_string()),
        to_version: plan.to_version,
        to_digest: plan.to_digest.to_string(),
        effective: rfc3339(plan.effective),
        target: plan.target.clone(),
        credentials: plan
            .items
            .iter()
            .map(|i| PlanItemJson {
                credential: i.credential.id.to_string(),
                owner: i.credential.owner.clone(),
                algorithm: i.credential.algorithm.clone(),
                state: i.state.clone(),
                becomes: i.becomes.clone(),
                old_key_signs: i.old_key_signs,
            })
            .collect(),
        skipped: skipped_json(plan),
    }
}

fn skipped_json(plan: &Plan) -> Vec<SkippedJson> {
    plan.skipped
        .iter()
        .map(|s| SkippedJson {
            credential: s.credential.id.to_string(),
            owner: s.credential.owner.clone(),
            algorithm: s.credential.algorithm.clone(),
            reason: s.reason.clone(),
        })
        .collect()
}

fn report_json(report: &Report) -> ReportJson {
    let mut migrated = Vec::new();
    let mut failed = Vec::new();
    for ItemReport { old, result } in &report.items {
        match result {
            Ok(done) => migrated.push(MigratedJson {
                credential: old.id.to_string(),
                owner: old.owner.clone(),
                algorithm: old.algorithm.clone(),
                public_key: hex::encode(&old.public_key),
                new_credential: done.new.id.to_string(),
                new_algorithm: done.new.algorithm.clone(),
                new_public_key: hex::encode(&done.new.public_key),
                statement: String::from_utf8_lossy(&done.statement).into_owned(),
                old_signature: done.old_signature.as_deref().map(hex::encode),
                old_signature_skipped: done.old_signature_skipped.clone(),
                new_signature: hex::encode(&done.new_signature),
            }),
            Err(reason) => failed.push(failed_json(old, reason)),
        }
    }
    ReportJson {
        dry_run: false,
        plan: plan_json(&report.plan),
        complete: report.all_migrated(),
        migrated,
        failed,
        skipped: skipped_json(&report.plan),
    }
}

fn failed_json(old: &Credential, reason: &str) -> FailedJson {
    FailedJson {
        credential: old.id.to_string(),
        owner: old.owner.clone(),
        algorithm: old.algorithm.clone(),
        reason: reason.to_owned(),
    }
}

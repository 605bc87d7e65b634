//! Schema versions and the upgrade path between them.
//!
//! The header records the schema that wrote the store. [`CURRENT`] is the schema this build
//! writes. Opening a store of an older schema runs the steps of [`upgrades`] in order, from the
//! store's schema up to [`CURRENT`], inside one write transaction that also rewrites the
//! header: either every step and the new header are committed, or nothing is. A store of a
//! newer schema is refused without being touched.
//!
//! Adding schema N + 1 means: bump [`CURRENT`], append a step `from: N` that rewrites every
//! record whose encoding changed (records are sealed with the schema number in their
//! associated data, so the step re-seals every record it keeps, under the new number), and add
//! a test that opens a store written by schema N. Today schema 1 is the only one, so the list
//! is empty.

use redb::WriteTransaction;

use super::seal::Sealer;

/// The schema this build writes and the newest it reads.
pub(super) const CURRENT: u32 = 1;

/// What an upgrade step gets: the open write transaction, and the sealers of the schema it
/// starts from and of the schema it ends at.
#[expect(
    dead_code,
    reason = "no step exists yet; the first real upgrade step reads these"
)]
pub(super) struct StepContext<'a> {
    /// The transaction every step of this open runs in.
    pub(super) txn: &'a WriteTransaction,
    /// Opens records of the schema the step starts from.
    pub(super) from: &'a Sealer,
    /// Seals records of the schema the step ends at.
    pub(super) to: &'a Sealer,
}

/// One step: rewrites a store of schema `from` into schema `from + 1`.
pub(super) struct Step<C: ?Sized> {
    /// The schema the step starts from.
    pub(super) from: u32,
    /// What the step changes, for errors and logs.
    pub(super) what: &'static str,
    /// The rewrite.
    pub(super) run: fn(&mut C) -> Result<(), String>,
}

/// The steps of this build, in order (none yet: schema 1 is the first).
pub(super) fn upgrades<'a>() -> Vec<Step<StepContext<'a>>> {
    Vec::new()
}

/// Why an upgrade could not run.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct UpgradeFailure {
    /// The schema of the step that is missing or failed.
    pub(super) from: u32,
    /// What went wrong.
    pub(super) reason: String,
}

/// Runs the steps from `found` up to `target` in order, each on `context`. Returns the
/// descriptions of the steps that ran.
pub(super) fn run_upgrades<C: ?Sized>(
    found: u32,
    target: u32,
    steps: &[Step<C>],
    context: &mut C,
) -> Result<Vec<&'static str>, UpgradeFailure> {
    let mut ran = Vec::new();
    for from in found..target {
        let step = steps
            .iter()
            .find(|s| s.from == from)
            .ok_or_else(|| UpgradeFailure {
                from,
                reason: "this build has no step from it".to_owned(),
            })?;
        (step.run)(context).map_err(|reason| UpgradeFailure {
            from,
            reason: format!("{}: {reason}", step.what),
        })?;
        ran.push(step.what);
    }
    Ok(ran)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps() -> Vec<Step<Vec<u32>>> {
        vec![
            Step {
                from: 2,
                what: "two to three",
                run: |log| {
                    log.push(2);
                    Ok(())
                },
            },
            Step {
                from: 1,
                what: "one to two",
                run: |log| {
                    log.push(1);
                    Ok(())
                },
            },
            Step {
                from: 3,
                what: "three to four",
                run: |_| Err("disk full".to_owned()),
            },
        ]
    }

    #[test]
    fn steps_run_in_schema_order() {
        let mut log = Vec::new();
        let ran = run_upgrades(1, 3, &steps(), &mut log).unwrap();
        assert_eq!(log, [1, 2]);
        assert_eq!(ran, ["one to two", "two to three"]);
        let mut log = Vec::new();
        assert!(run_upgrades(3, 3, &steps(), &mut log).unwrap().is_empty());
        assert!(log.is_empty());
    }

    #[test]
    fn a_missing_or_failing_step_stops_the_upgrade() {
        let mut log = Vec::new();
        let failure = run_upgrades(1, 4, &steps(), &mut log).unwrap_err();
        assert_eq!(failure.from, 3);
        assert_eq!(failure.reason, "three to four: disk full");
        let failure = run_upgrades(0, 2, &steps(), &mut Vec::new()).unwrap_err();
        assert_eq!(failure.from, 0);
    }
}

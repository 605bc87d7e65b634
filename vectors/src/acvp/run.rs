//! Runs ACVP ML-DSA vector sets against `qoesign_algorithms::mldsa` and reports per group.

use std::collections::BTreeSet;
use std::path::Path;

use qoesign_algorithms::mldsa::{self, ParameterSet, PreHash, SigningKey, VerifyingKey};

use super::{
    AcvpError, KeyFormat, KeyGenGroup, KeyInput, Mode, SigGenGroup, SigVerGroup, SignedData,
    VectorSet,
};

/// The outcome of one vector set.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// The directory name of the set, e.g. `ML-DSA-sigVer-FIPS204`.
    pub name: String,
    /// The operation the set tests.
    pub mode: Mode,
    /// The revision of the test specification.
    pub revision: String,
    /// One report per test group, in file order.
    pub groups: Vec<GroupReport>,
}

impl FileReport {
    /// The number of tests in all groups.
    pub fn cases(&self) -> usize {
        self.groups.iter().map(|g| g.cases).sum()
    }

    /// The number of tests that passed.
    pub fn passed(&self) -> usize {
        self.groups.iter().map(|g| g.passed).sum()
    }

    /// The number of tests that failed.
    pub fn failed(&self) -> usize {
        self.groups.iter().map(|g| g.failed.len()).sum()
    }

    /// The number of tests that could not be run.
    pub fn skipped(&self) -> usize {
        self.groups.iter().map(|g| g.skipped.len()).sum()
    }

    /// Whether every test ran and passed.
    pub fn all_passed(&self) -> bool {
        self.groups.iter().all(GroupReport::all_passed)
    }
}

/// The outcome of one test group.
#[derive(Clone, Debug)]
pub struct GroupReport {
    /// The group id (`tgId`).
    pub tg_id: u64,
    /// The parameter set as the file names it.
    pub parameter_set: String,
    /// The group's attributes in a few words, e.g. `sigGen external pure deterministic
    /// ML-DSA-65`.
    pub description: String,
    /// The number of tests in the group; always `passed + failed.len() + skipped.len()`.
    pub cases: usize,
    /// The number of tests that passed.
    pub passed: usize,
    /// The tests that failed, in file order.
    pub failed: Vec<CaseFailure>,
    /// The tests that could not be run, in file order.
    pub skipped: Vec<CaseSkip>,
}

impl GroupReport {
    /// Whether every test of the group ran and passed.
    pub fn all_passed(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && self.passed == self.cases
    }

    /// The distinct reasons tests were skipped, joined by `; `, or `None` if none was.
    pub fn skip_reason(&self) -> Option<String> {
        let reasons: BTreeSet<&str> = self.skipped.iter().map(|s| s.reason.as_str()).collect();
        (!reasons.is_empty()).then(|| reasons.into_iter().collect::<Vec<_>>().join("; "))
    }
}

/// A test whose result differs from the expected one.
#[derive(Clone, Debug)]
pub struct CaseFailure {
    /// The test id (`tcId`).
    pub tc_id: u64,
    /// What differs, e.g. `signature differs first at byte 40: expected 3A, got 7F`.
    pub detail: String,
}

/// A test that could not be run.
#[derive(Clone, Debug)]
pub struct CaseSkip {
    /// The test id (`tcId`).
    pub tc_id: u64,
    /// Why, e.g. `hash algorithm SHA2-999 is not implemented`.
    pub reason: String,
}

/// Reads the vector set in `dir` (see [`super::read`]) and runs it.
///
/// # Errors
///
/// Returns an [`AcvpError`] when the set cannot be read; running never fails, a test that
/// does not pass is reported in the [`FileReport`].
pub fn run_dir(dir: &Path) -> Result<FileReport, AcvpError> {
    super::read(dir).map(|set| run(&set))
}

/// Runs every test of `set` against `qoesign_algorithms::mldsa`.
///
/// - keyGen: `key_gen(seed)` must give `pk` and the expanded `sk`, byte for byte.
/// - sigGen: the key is decoded from `sk` (and must encode back to the same bytes) or, for
///   `keyFormat: seed`, derived from the seed; rnd is zero when the group is deterministic and
///   the test's `rnd` otherwise; the signature must equal the expected one byte for byte.
/// - sigVer: the verdict must equal `testPassed`.
///
/// A test is skipped, with the reason, only when the file names a parameter set or hash the
/// module does not implement.
pub fn run(set: &VectorSet) -> FileReport {
    let header = set.header();
    let groups = match set {
        VectorSet::KeyGen(set) => set.groups.iter().map(key_gen).collect(),
        VectorSet::SigGen(set) => set.groups.iter().map(sig_gen).collect(),
        VectorSet::SigVer(set) => set.groups.iter().map(sig_ver).collect(),
    };
    FileReport {
        name: set.name().to_owned(),
        mode: header.mode,
        revision: header.revision.clone(),
        groups,
    }
}

/// What became of one test.
enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

impl Outcome {
    /// Pass when every check found nothing, otherwise a failure listing what each found.
    fn from_checks(problems: impl IntoIterator<Item = Option<String>>) -> Self {
        let problems: Vec<String> = problems.into_iter().flatten().collect();
        if problems.is_empty() {
            Self::Pass
        } else {
            Self::Fail(problems.join("; "))
        }
    }
}

fn key_gen(group: &KeyGenGroup) -> GroupReport {
    let description = format!("keyGen {}", group.parameter_set);
    let set = ParameterSet::from_name(&group.parameter_set);
    let outcomes = group.cases.iter().map(|case| {
        let Some(set) = set else {
            return (case.tc_id, unknown_set(&group.parameter_set));
        };
        let (sk, vk) = mldsa::key_gen(set, &case.seed);
        let outcome = Outcome::from_checks([
            difference("pk", &case.pk, &vk.encode()),
            difference("sk", &case.sk, &sk.encode()),
        ]);
        (case.tc_id, outcome)
    });
    report(group.tg_id, &group.parameter_set, description, outcomes)
}

fn sig_gen(group: &SigGenGroup) -> GroupReport {
    let key = match group.key_format {
        Some(KeyFormat::Seed) => " seed-key",
        Some(KeyFormat::Expanded) => " expanded-key",
        None => "",
    };
    let description = format!(
        "sigGen {} {}{key} {}",
        group.interface.describe(),
        if group.deterministic {
            "deterministic"
        } else {
            "hedged"
        },
        group.parameter_set
    );
    let set = ParameterSet::from_name(&group.parameter_set);
    let outcomes = group.cases.iter().map(|case| {
        let Some(set) = set else {
            return (case.tc_id, unknown_set(&group.parameter_set));
        };
        let rnd = match (group.deterministic, case.rnd) {
            (true, _) => [0; 32],
            (false, Some(rnd)) => rnd,
            (false, None) => return (case.tc_id, Outcome::Skip("hedged test without rnd".into())),
        };
        (
            case.tc_id,
            sign_case(set, &case.key, &case.data, &rnd, &case.signature),
        )
    });
    report(group.tg_id, &group.parameter_set, description, outcomes)
}

/// One sigGen test: build the key, sign, compare.
fn sign_case(
    set: ParameterSet,
    key: &KeyInput,
    data: &SignedData,
    rnd: &[u8; 32],
    expected: &[u8],
) -> Outcome {
    let (sk, reencoded) = match key {
        KeyInput::Seed(seed) => (SigningKey::from_seed(set, seed), None),
        KeyInput::Expanded(bytes) => match SigningKey::decode(set, bytes) {
            Ok(sk) => {
                let reencoded = difference("sk re-encoded", bytes, &sk.encode());
                (sk, reencoded)
            }
            Err(error) => return Outcome::Fail(format!("sk does not decode: {error}")),
        },
    };
    let signature = match data {
        SignedData::Pure { message, context } => sk.sign(message, context, rnd),
        SignedData::PreHash {
            message,
            context,
            hash_alg,
        } => {
            let Some(ph) = PreHash::from_acvp_name(hash_alg) else {
                return unknown_hash(hash_alg);
            };
            sk.sign_prehash(message, context, ph, rnd)
        }
        SignedData::Internal { message } => Ok(sk.sign_internal(message, rnd)),
        SignedData::Mu(mu) => Ok(sk.sign_mu(mu, rnd)),
    };
    let signed = match signature {
        Ok(signature) => difference("signature", expected, &signature),
        Err(error) => Some(format!("signing failed: {error}")),
    };
    Outcome::from_checks([reencoded, signed])
}

fn sig_ver(group: &SigVerGroup) -> GroupReport {
    let description = format!(
        "sigVer {} {}",
        group.interface.describe(),
        group.parameter_set
    );
    let set = ParameterSet::from_name(&group.parameter_set);
    let outcomes = group.cases.iter().map(|case| {
        let Some(set) = set else {
            return (case.tc_id, unknown_set(&group.parameter_set));
        };
        // Every public key of a sigVer set is a valid encoding (only signatures and messages
        // are altered), so a key that does not decode is a failure whatever the verdict.
        let vk = match VerifyingKey::decode(set, &case.pk) {
            Ok(vk) => vk,
            Err(error) => {
                return (
                    case.tc_id,
                    Outcome::Fail(format!("pk does not decode: {error}")),
                );
            }
        };
        let outcome = match verify_case(&vk, &case.data, &case.signature) {
            Err(skip) => skip,
            Ok(verdict) if verdict == case.test_passed => Outcome::Pass,
            Ok(verdict) => Outcome::Fail(format!(
                "verdict {verdict}, expected {} ({})",
                case.test_passed,
                case.reason.as_deref().unwrap_or("no reason given")
            )),
        };
        (case.tc_id, outcome)
    });
    report(group.tg_id, &group.parameter_set, description, outcomes)
}

/// One sigVer verdict, or the skip that explains why there is none.
fn verify_case(vk: &VerifyingKey, data: &SignedData, signature: &[u8]) -> Result<bool, Outcome> {
    Ok(match data {
        SignedData::Pure { message, context } => vk.verify(message, context, signature),
        SignedData::PreHash {
            message,
            context,
            hash_alg,
        } => {
            let Some(ph) = PreHash::from_acvp_name(hash_alg) else {
                return Err(unknown_hash(hash_alg));
            };
            vk.verify_prehash(message, context, ph, signature)
        }
        SignedData::Internal { message } => vk.verify_internal(message, signature),
        SignedData::Mu(mu) => vk.verify_mu(mu, signature),
    })
}

fn report(
    tg_id: u64,
    parameter_set: &str,
    description: String,
    outcomes: impl Iterator<Item = (u64, Outcome)>,
) -> GroupReport {
    let mut report = GroupReport {
        tg_id,
        parameter_set: parameter_set.to_owned(),
        description,
        cases: 0,
        passed: 0,
        failed: Vec::new(),
        skipped: Vec::new(),
    };
    for (tc_id, outcome) in outcomes {
        report.cases += 1;
        match outcome {
            Outcome::Pass => report.passed += 1,
            Outcome::Fail(detail) => report.failed.push(CaseFailure { tc_id, detail }),
            Outcome::Skip(reason) => report.skipped.push(CaseSkip { tc_id, reason }),
        }
    }
    report
}

/// Where `got` first differs from `expected`, or `None` if they are equal.
fn difference(field: &str, expected: &[u8], got: &[u8]) -> Option<String> {
    let first = expected.iter().zip(got).position(|(e, g)| e != g);
    match first {
        Some(i) => Some(format!(
            "{field} differs first at byte {i} of {}: expected {:02X}, got {:02X}",
            expected.len(),
            expected.get(i).copied().unwrap_or_default(),
            got.get(i).copied().unwrap_or_default(),
        )),
        None if expected.len() != got.len() => Some(format!(
            "{field} is {} bytes, expected {} (equal up to there)",
            got.len(),
            expected.len()
        )),
        None => None,
    }
}

fn unknown_set(name: &str) -> Outcome {
    Outcome::Skip(format!("parameter set {name} is not implemented"))
}

fn unknown_hash(name: &str) -> Outcome {
    Outcome::Skip(format!("hash algorithm {name} is not implemented"))
}

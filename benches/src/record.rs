//! What a benchmark run writes for the report, besides criterion's own measurements.
//!
//! Every bench binary appends one JSON object per line to `<dir>/<binary>.jsonl`, where `<dir>`
//! is the environment variable [`OUT_DIR_VAR`] (`cargo xtask bench` sets it; without it nothing
//! is written and the benches run as plain criterion benches). `cargo xtask bench` reads these
//! lines back with the same types, so the format has one definition.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The environment variable naming the directory the records go to.
pub const OUT_DIR_VAR: &str = "QOESIGN_BENCH_OUT";

/// Which side of the migration an algorithm is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// ECDSA P-256.
    Classical,
    /// ML-DSA, the draft ML-DSA legacy scheme, and composite ML-DSA + ECDSA.
    PostQuantum,
}

/// How many parties hold the key, and what is around them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// One holder, one library call (or one plugin call).
    Single,
    /// Every party of a threshold session in one process, through the simulator.
    Threshold,
    /// A threshold signature through the coordinator, the nodes and their stores.
    Engine,
    /// A step inside a protocol, measured to explain where its time goes.
    Detail,
}

/// A threshold quorum: `t` of `n` providers sign, with the user's device as one more
/// required signer when `user` is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Quorum {
    /// Providers that sign.
    pub t: u16,
    /// Providers that hold a share.
    pub n: u16,
    /// Whether the user's device holds a share and must sign.
    pub user: bool,
}

impl Quorum {
    /// `t-of-n`, or `user+t-of-n` with the device.
    pub fn label(&self) -> String {
        let Self { t, n, user } = self;
        if *user {
            format!("user+{t}-of-{n}")
        } else {
            format!("{t}-of-{n}")
        }
    }
}

/// One benchmark: what it measures, and under which criterion id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Criterion's group name, e.g. `threshold/ml-dsa-65`.
    pub group: String,
    /// Criterion's function name inside the group, e.g. `sign/3-of-5`.
    pub function: String,
    /// Classical or post-quantum.
    pub family: Family,
    /// The policy id of the algorithm, e.g. `ml-dsa-65` or `mldsa65-ecdsa-p256`.
    pub algorithm: String,
    /// Single party, threshold, through the engine, or a protocol step.
    pub role: Role,
    /// `keygen`, `sign` or `verify` (or a step's name for [`Role::Detail`]).
    pub op: String,
    /// The library or scheme that does the work.
    pub implementation: String,
    /// The quorum of a threshold or engine row.
    pub quorum: Option<Quorum>,
    /// The message length of a sign or verify row, in bytes.
    pub message: Option<usize>,
}

impl Row {
    /// Criterion's full id: `group/function`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.group, self.function)
    }
}

/// Protocol figures of the signatures a threshold or engine sign row measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    /// Signatures released.
    pub signatures: u64,
    /// Mean attempts per signature (1 for schemes that never restart).
    pub attempts: f64,
    /// Mean communication rounds per signature on the critical path (the simulator's waves;
    /// not counted through the engine).
    pub rounds: Option<f64>,
    /// Mean bytes one signer sent per signature, over every signer (not counted through the
    /// engine).
    pub sent_mean: Option<f64>,
    /// Mean bytes the busiest signer sent per signature (not counted through the engine).
    pub sent_max: Option<f64>,
}

/// Sizes of one algorithm in one setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    /// The policy id of the algorithm.
    pub algorithm: String,
    /// Classical or post-quantum.
    pub family: Family,
    /// The quorum, for a threshold key.
    pub quorum: Option<Quorum>,
    /// Encoded public key.
    pub public_key: usize,
    /// Encoded signature (DER signatures vary by a few bytes: this is one of them).
    pub signature: usize,
    /// One provider's encoded key share (the whole secret key for a single-party key).
    pub share: usize,
    /// The user's device's encoded key share, for a key with the device.
    pub device_share: Option<usize>,
}

/// One line of a record file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "kebab-case")]
pub enum Record {
    /// A benchmark the run selected (announced before it runs).
    Row(Row),
    /// Time per iteration, in nanoseconds, of a benchmark measured without criterion: every
    /// benchmark of a `--quick` run (one sample), and benchmarks whose one iteration takes
    /// seconds (criterion takes at least ten samples plus warm-up).
    Samples {
        /// The row's [`Row::id`].
        id: String,
        /// One time per sample.
        ns: Vec<u64>,
    },
    /// The protocol figures of a sign row.
    Protocol {
        /// The row's [`Row::id`].
        id: String,
        /// The figures.
        protocol: Protocol,
    },
    /// Sizes of keys, shares and signatures.
    Sizes(Sizes),
    /// A selected benchmark that did not run, and why.
    Skipped {
        /// The row's [`Row::id`].
        id: String,
        /// Why, in words.
        reason: String,
    },
    /// Something that went wrong: a signature that does not verify, a session that failed.
    /// The bench binary exits non-zero after writing one.
    Failure {
        /// The row's [`Row::id`], or the setting that failed.
        id: String,
        /// What went wrong.
        reason: String,
    },
}

/// Appends records to one bench binary's file.
#[derive(Debug)]
pub struct Recorder {
    file: Option<BufWriter<File>>,
}

impl Recorder {
    /// A recorder writing to `<dir>/<name>.jsonl` (replacing an old file), or one that writes
    /// nothing when `dir` is `None`.
    ///
    /// # Errors
    ///
    /// Returns the I/O error when the directory or the file cannot be created.
    pub fn create(dir: Option<&Path>, name: &str) -> io::Result<Self> {
        let Some(dir) = dir else {
            return Ok(Self { file: None });
        };
        fs::create_dir_all(dir)?;
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(file_of(dir, name))?;
        Ok(Self {
            file: Some(BufWriter::new(file)),
        })
    }

    /// Writes one record and flushes it, so a crashed run keeps what it measured.
    ///
    /// # Errors
    ///
    /// Returns the I/O error of the write.
    pub fn write(&mut self, record: &Record) -> io::Result<()> {
        let Some(file) = &mut self.file else {
            return Ok(());
        };
        serde_json::to_writer(&mut *file, record)?;
        file.write_all(b"\n")?;
        file.flush()
    }
}

/// The record file of bench binary `name` in `dir`.
pub fn file_of(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.jsonl"))
}

/// Reads a record file.
///
/// # Errors
///
/// Returns the I/O error, or an `InvalidData` error naming the line that does not parse.
pub fn read(path: &Path) -> io::Result<Vec<Record>> {
    let text = fs::read_to_string(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}:{}: {e}", path.display(), i + 1),
                )
            })
        })
        .collect()
}

//! NIST ACVP ML-DSA vector sets (FIPS 204): typed readers and a runner against
//! `qoesign_algorithms::mldsa`.
//!
//! An ACVP vector set is a directory holding `prompt.json` (the inputs, grouped by `tgId`, with
//! the group attributes), `expectedResults.json` (the outputs, same `tgId`/`tcId`) and, for some
//! sets, `internalProjection.json` (both together, plus for sigVer the `reason` a signature is
//! bad). [`read`] pairs prompt and result of every test by `tgId` + `tcId` and refuses a test
//! that has only one of the two, a group whose attributes do not form a known FIPS 204
//! interface, a field a test of that kind must have but lacks or must not have but has, and a
//! field of the wrong length. ACVP writes byte strings as upper-case hex; either case is read.
//!
//! The group attributes map to FIPS 204 as follows ([`Interface`]):
//!
//! | `signatureInterface` | `preHash` / `externalMu` | FIPS 204 |
//! |---|---|---|
//! | `external` | `pure` | ML-DSA.Sign / Verify (Alg. 2 / 3), with a context |
//! | `external` | `preHash` | HashML-DSA.Sign / Verify (Alg. 4 / 5), with a context and `hashAlg` |
//! | `internal` | `externalMu: false` | Sign_internal / Verify_internal (Alg. 7 / 8) on M' |
//! | `internal` | `externalMu: true` | Alg. 7 / 8 from the step after mu, given mu |
//!
//! In sigGen, `deterministic: true` means rnd is 32 zero bytes; otherwise each test gives its
//! `rnd`. The `FIPS204-tr1` revision adds `keyFormat`: `seed` (a 32-byte seed, run through
//! KeyGen_internal) or `expanded` (the skEncode bytes, the only form of the first revision).
//!
//! [`run`] executes every test and returns a [`FileReport`]; see `README.md` of this crate for
//! where the shipped files come from.

mod raw;
mod read;
mod run;

use serde::Deserialize;

use crate::VectorError;
pub use read::read;
pub use run::{CaseFailure, CaseSkip, FileReport, GroupReport, run, run_dir};

/// The ACVP operation a vector set tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Key generation from a seed (FIPS 204 Alg. 6).
    KeyGen,
    /// Signature generation, compared byte for byte.
    SigGen,
    /// Signature verification, compared verdict for verdict.
    SigVer,
}

impl Mode {
    /// The name ACVP gives the mode (`keyGen`, `sigGen`, `sigVer`).
    pub fn name(self) -> &'static str {
        match self {
            Self::KeyGen => "keyGen",
            Self::SigGen => "sigGen",
            Self::SigVer => "sigVer",
        }
    }
}

/// The fields a vector set opens with, equal in `prompt.json` and `expectedResults.json`.
#[derive(Clone, Debug)]
pub struct Header {
    /// The vector set id.
    pub vs_id: u64,
    /// The algorithm, always `ML-DSA` here.
    pub algorithm: String,
    /// The operation.
    pub mode: Mode,
    /// The revision of the test specification (`FIPS204`, `FIPS204-tr1`).
    pub revision: String,
    /// Whether the server marked the set as a sample.
    pub is_sample: bool,
}

/// One vector set, read and paired.
#[derive(Clone, Debug)]
pub enum VectorSet {
    /// A keyGen set.
    KeyGen(Set<KeyGenGroup>),
    /// A sigGen set (either revision).
    SigGen(Set<SigGenGroup>),
    /// A sigVer set.
    SigVer(Set<SigVerGroup>),
}

impl VectorSet {
    /// The header shared by the files of the set.
    pub fn header(&self) -> &Header {
        match self {
            Self::KeyGen(set) => &set.header,
            Self::SigGen(set) => &set.header,
            Self::SigVer(set) => &set.header,
        }
    }

    /// The name of the directory the set was read from.
    pub fn name(&self) -> &str {
        match self {
            Self::KeyGen(set) => &set.name,
            Self::SigGen(set) => &set.name,
            Self::SigVer(set) => &set.name,
        }
    }

    /// The number of test cases in all groups.
    pub fn case_count(&self) -> usize {
        match self {
            Self::KeyGen(set) => set.groups.iter().map(|g| g.cases.len()).sum(),
            Self::SigGen(set) => set.groups.iter().map(|g| g.cases.len()).sum(),
            Self::SigVer(set) => set.groups.iter().map(|g| g.cases.len()).sum(),
        }
    }
}

/// The groups of a vector set of one mode.
#[derive(Clone, Debug)]
pub struct Set<G> {
    /// The directory name, e.g. `ML-DSA-sigGen-FIPS204`.
    pub name: String,
    /// The header.
    pub header: Header,
    /// The test groups, in file order.
    pub groups: Vec<G>,
}

/// How a sigGen or sigVer group signs: the combination of `signatureInterface`, `preHash` and
/// `externalMu`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    /// `external`, `pure`: ML-DSA.Sign / Verify with a context (FIPS 204 Alg. 2 / 3).
    ExternalPure,
    /// `external`, `preHash`: HashML-DSA with a context and a hash (FIPS 204 Alg. 4 / 5).
    ExternalPreHash,
    /// `internal`, `externalMu: false`: Sign_internal / Verify_internal on M' as given.
    Internal,
    /// `internal`, `externalMu: true`: Sign_internal / Verify_internal given mu.
    InternalMu,
}

impl Interface {
    /// The attributes as ACVP writes them, e.g. `external pure` or `internal externalMu`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::ExternalPure => "external pure",
            Self::ExternalPreHash => "external preHash",
            Self::Internal => "internal M'",
            Self::InternalMu => "internal externalMu",
        }
    }
}

/// `keyFormat` of a `FIPS204-tr1` sigGen group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyFormat {
    /// The test gives the 32-byte seed xi.
    Seed,
    /// The test gives the expanded secret key (skEncode, FIPS 204 Alg. 24).
    Expanded,
}

/// A keyGen group.
#[derive(Clone, Debug)]
pub struct KeyGenGroup {
    /// The group id.
    pub tg_id: u64,
    /// The ACVP test type (`AFT`).
    pub test_type: String,
    /// The parameter set as ACVP names it, e.g. `ML-DSA-44`.
    pub parameter_set: String,
    /// The tests.
    pub cases: Vec<KeyGenCase>,
}

/// A keyGen test: KeyGen_internal(seed) must give `pk` and `sk`.
#[derive(Clone, Debug)]
pub struct KeyGenCase {
    /// The test id.
    pub tc_id: u64,
    /// The seed xi.
    pub seed: [u8; 32],
    /// The expected public key (pkEncode).
    pub pk: Vec<u8>,
    /// The expected secret key (skEncode, expanded).
    pub sk: Vec<u8>,
}

/// A sigGen group.
#[derive(Clone, Debug)]
pub struct SigGenGroup {
    /// The group id.
    pub tg_id: u64,
    /// The ACVP test type (`AFT`).
    pub test_type: String,
    /// The parameter set as ACVP names it.
    pub parameter_set: String,
    /// How the tests sign.
    pub interface: Interface,
    /// `deterministic`: rnd is 32 zero bytes; otherwise each test has its `rnd`.
    pub deterministic: bool,
    /// `keyFormat`, present in the `FIPS204-tr1` revision only (absent means expanded).
    pub key_format: Option<KeyFormat>,
    /// The tests.
    pub cases: Vec<SigGenCase>,
}

/// A sigGen test: signing `data` with `key` and rnd must give `signature`.
#[derive(Clone, Debug)]
pub struct SigGenCase {
    /// The test id.
    pub tc_id: u64,
    /// The signing key.
    pub key: KeyInput,
    /// What is signed.
    pub data: SignedData,
    /// The test's `rnd`: present exactly when the group is not deterministic.
    pub rnd: Option<[u8; 32]>,
    /// The expected signature.
    pub signature: Vec<u8>,
}

/// The signing key of a sigGen test.
#[derive(Clone, Debug)]
pub enum KeyInput {
    /// `seed`: the 32-byte seed xi.
    Seed([u8; 32]),
    /// `sk`: the expanded secret key.
    Expanded(Vec<u8>),
}

/// What a sigGen or sigVer test signs, shaped by the group's [`Interface`].
#[derive(Clone, Debug)]
pub enum SignedData {
    /// [`Interface::ExternalPure`]: `message` and `context`.
    Pure {
        /// The message.
        message: Vec<u8>,
        /// The context string (0 to 255 bytes in valid tests).
        context: Vec<u8>,
    },
    /// [`Interface::ExternalPreHash`]: `message`, `context` and `hashAlg`.
    PreHash {
        /// The message (hashed by the signer).
        message: Vec<u8>,
        /// The context string.
        context: Vec<u8>,
        /// The hash as ACVP names it, e.g. `SHA2-512/256` or `SHAKE-128`.
        hash_alg: String,
    },
    /// [`Interface::Internal`]: `message`, which is M' itself.
    Internal {
        /// M'.
        message: Vec<u8>,
    },
    /// [`Interface::InternalMu`]: `mu`.
    Mu([u8; 64]),
}

/// A sigVer group.
#[derive(Clone, Debug)]
pub struct SigVerGroup {
    /// The group id.
    pub tg_id: u64,
    /// The ACVP test type (`AFT`).
    pub test_type: String,
    /// The parameter set as ACVP names it.
    pub parameter_set: String,
    /// How the tests verify.
    pub interface: Interface,
    /// The tests.
    pub cases: Vec<SigVerCase>,
}

/// A sigVer test: verifying `signature` on `data` under `pk` must give `test_passed`.
#[derive(Clone, Debug)]
pub struct SigVerCase {
    /// The test id.
    pub tc_id: u64,
    /// The public key.
    pub pk: Vec<u8>,
    /// What was signed.
    pub data: SignedData,
    /// The signature, possibly altered on purpose.
    pub signature: Vec<u8>,
    /// The expected verdict.
    pub test_passed: bool,
    /// Why the signature is good or bad, from `internalProjection.json` when the set has it
    /// (e.g. `modified signature - hint`).
    pub reason: Option<String>,
}

/// Why a vector set could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AcvpError {
    /// A file could not be read or is not JSON of the ACVP shape.
    #[error(transparent)]
    Read(#[from] VectorError),
    /// The set is not an ML-DSA set.
    #[error("{dir}: algorithm is {found}, this reader handles ML-DSA only")]
    Algorithm {
        /// The directory of the set.
        dir: String,
        /// The algorithm the file names.
        found: String,
    },
    /// `prompt.json` and `expectedResults.json` disagree on a header field.
    #[error("{dir}: {field} is {prompt} in prompt.json but {results} in expectedResults.json")]
    Mismatch {
        /// The directory of the set.
        dir: String,
        /// The header field.
        field: &'static str,
        /// Its value in the prompt.
        prompt: String,
        /// Its value in the results.
        results: String,
    },
    /// A group's attributes do not fit its mode or form no known interface.
    #[error("{dir}: group {tg_id}: {problem}")]
    Group {
        /// The directory of the set.
        dir: String,
        /// The group.
        tg_id: u64,
        /// What is wrong.
        problem: &'static str,
    },
    /// A test lacks a field its group requires.
    #[error("{dir}: group {tg_id} test {tc_id}: field {field} is missing")]
    MissingField {
        /// The directory of the set.
        dir: String,
        /// The group.
        tg_id: u64,
        /// The test.
        tc_id: u64,
        /// The field.
        field: &'static str,
    },
    /// A test has a field its group does not use.
    #[error("{dir}: group {tg_id} test {tc_id}: field {field} is not expected in this group")]
    UnexpectedField {
        /// The directory of the set.
        dir: String,
        /// The group.
        tg_id: u64,
        /// The test.
        tc_id: u64,
        /// The field.
        field: &'static str,
    },
    /// A hex field does not decode.
    #[error("{dir}: group {tg_id} test {tc_id}: field {field} is not hex")]
    Hex {
        /// The directory of the set.
        dir: String,
        /// The group.
        tg_id: u64,
        /// The test.
        tc_id: u64,
        /// The field.
        field: &'static str,
    },
    /// A fixed-size field has the wrong length.
    #[error("{dir}: group {tg_id} test {tc_id}: field {field} is {len} bytes, not {expected}")]
    Length {
        /// The directory of the set.
        dir: String,
        /// The group.
        tg_id: u64,
        /// The test.
        tc_id: u64,
        /// The field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The length FIPS 204 gives it.
        expected: usize,
    },
    /// A test appears in only one of the two files, or twice in one.
    #[error("{dir}: group {tg_id} test {tc_id}: {problem}")]
    Unpaired {
        /// The directory of the set.
        dir: String,
        /// The group.
        tg_id: u64,
        /// The test.
        tc_id: u64,
        /// What is wrong.
        problem: &'static str,
    },
}

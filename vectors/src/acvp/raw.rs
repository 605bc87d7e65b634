//! The JSON shapes of the ACVP files, as serde reads them, before any checking.
//!
//! Unknown fields are refused: a new attribute in a future vector set must make the reader fail
//! loudly rather than be ignored and change the meaning of a test without notice.

use serde::Deserialize;

use super::{KeyFormat, Mode};

/// The fields every ACVP file opens with (`prompt.json`, `expectedResults.json`,
/// `internalProjection.json`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct File<G> {
    pub(super) vs_id: u64,
    pub(super) algorithm: String,
    pub(super) mode: Mode,
    pub(super) revision: String,
    pub(super) is_sample: bool,
    pub(super) test_groups: Vec<G>,
}

/// A group of `prompt.json`: the attributes that apply to all its tests, and the inputs.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct PromptGroup {
    pub(super) tg_id: u64,
    pub(super) test_type: String,
    pub(super) parameter_set: String,
    pub(super) signature_interface: Option<Interface>,
    pub(super) pre_hash: Option<PreHash>,
    pub(super) external_mu: Option<bool>,
    pub(super) deterministic: Option<bool>,
    pub(super) key_format: Option<KeyFormat>,
    pub(super) tests: Vec<PromptTest>,
}

/// A test of `prompt.json`. Which fields are present depends on the mode and the group.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct PromptTest {
    pub(super) tc_id: u64,
    pub(super) seed: Option<String>,
    pub(super) pk: Option<String>,
    pub(super) sk: Option<String>,
    pub(super) message: Option<String>,
    pub(super) mu: Option<String>,
    pub(super) context: Option<String>,
    pub(super) hash_alg: Option<String>,
    pub(super) rnd: Option<String>,
    pub(super) signature: Option<String>,
}

/// A group of `expectedResults.json`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct ResultGroup {
    pub(super) tg_id: u64,
    pub(super) tests: Vec<ResultTest>,
}

/// A test of `expectedResults.json`: the outputs of keyGen and sigGen, the verdict of sigVer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct ResultTest {
    pub(super) tc_id: u64,
    pub(super) pk: Option<String>,
    pub(super) sk: Option<String>,
    pub(super) signature: Option<String>,
    pub(super) test_passed: Option<bool>,
}

/// A group of sigVer's `internalProjection.json`, read only for the `reason` of each test (the
/// other fields repeat `prompt.json` and `expectedResults.json`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProjectionGroup {
    pub(super) tg_id: u64,
    pub(super) tests: Vec<ProjectionTest>,
}

/// A test of sigVer's `internalProjection.json`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProjectionTest {
    pub(super) tc_id: u64,
    pub(super) reason: Option<String>,
}

/// `signatureInterface`.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum Interface {
    External,
    Internal,
}

/// `preHash`. `none` appears in internal groups of `internalProjection.json` only.
#[derive(Clone, Copy, Deserialize)]
pub(super) enum PreHash {
    #[serde(rename = "pure")]
    Pure,
    #[serde(rename = "preHash")]
    Hashed,
    #[serde(rename = "none")]
    None,
}

//! Reading an ACVP vector set: parsing, pairing prompt and results, and checking each test
//! against its group's attributes.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{
    AcvpError, Header, Interface, KeyFormat, KeyGenCase, KeyGenGroup, KeyInput, Mode, Set,
    SigGenCase, SigGenGroup, SigVerCase, SigVerGroup, SignedData, VectorSet, raw,
};
use crate::read_json;

/// Reads the vector set in `dir` (`prompt.json`, `expectedResults.json` and, for sigVer,
/// `internalProjection.json` when present) and pairs inputs with expected outputs.
///
/// # Errors
///
/// Returns an [`AcvpError`] when a file cannot be read or parsed, the two files disagree on the
/// header or on which tests exist, a group's attributes are inconsistent, or a test lacks a
/// required field, has one its group does not use, or has one of the wrong length.
pub fn read(dir: &Path) -> Result<VectorSet, AcvpError> {
    let dir_name = dir.display().to_string();
    let prompt: raw::File<raw::PromptGroup> = read_json(&dir.join("prompt.json"))?;
    let results: raw::File<raw::ResultGroup> = read_json(&dir.join("expectedResults.json"))?;
    let header = header(&dir_name, &prompt, &results)?;
    let paired = pair(&dir_name, prompt.test_groups, results.test_groups)?;
    let name = dir
        .file_name()
        .map_or_else(|| dir_name.clone(), |n| n.to_string_lossy().into_owned());
    let at = |tg_id| Place {
        dir: &dir_name,
        tg_id,
        tc_id: 0,
    };
    let paired = paired.into_iter();
    Ok(match header.mode {
        Mode::KeyGen => {
            let groups = paired.map(|(g, t)| key_gen_group(at(g.tg_id), &g, t));
            VectorSet::KeyGen(Set {
                name,
                header,
                groups: groups.collect::<Result<_, _>>()?,
            })
        }
        Mode::SigGen => {
            let groups = paired.map(|(g, t)| sig_gen_group(at(g.tg_id), &g, t));
            VectorSet::SigGen(Set {
                name,
                header,
                groups: groups.collect::<Result<_, _>>()?,
            })
        }
        Mode::SigVer => {
            let reasons = reasons(&dir.join("internalProjection.json"))?;
            let groups = paired.map(|(g, t)| sig_ver_group(at(g.tg_id), &g, t, &reasons));
            VectorSet::SigVer(Set {
                name,
                header,
                groups: groups.collect::<Result<_, _>>()?,
            })
        }
    })
}

/// The tests of a group, each prompt with its expected result.
type Tests = Vec<(raw::PromptTest, raw::ResultTest)>;

fn header(
    dir: &str,
    prompt: &raw::File<raw::PromptGroup>,
    results: &raw::File<raw::ResultGroup>,
) -> Result<Header, AcvpError> {
    let mismatch = |field, p: String, r: String| AcvpError::Mismatch {
        dir: dir.to_owned(),
        field,
        prompt: p,
        results: r,
    };
    if prompt.algorithm != "ML-DSA" {
        return Err(AcvpError::Algorithm {
            dir: dir.to_owned(),
            found: prompt.algorithm.clone(),
        });
    }
    if prompt.algorithm != results.algorithm {
        let (p, r) = (prompt.algorithm.clone(), results.algorithm.clone());
        return Err(mismatch("algorithm", p, r));
    }
    if prompt.vs_id != results.vs_id {
        let (p, r) = (prompt.vs_id.to_string(), results.vs_id.to_string());
        return Err(mismatch("vsId", p, r));
    }
    if prompt.mode != results.mode {
        let (p, r) = (
            prompt.mode.name().to_owned(),
            results.mode.name().to_owned(),
        );
        return Err(mismatch("mode", p, r));
    }
    if prompt.revision != results.revision {
        let (p, r) = (prompt.revision.clone(), results.revision.clone());
        return Err(mismatch("revision", p, r));
    }
    Ok(Header {
        vs_id: prompt.vs_id,
        algorithm: prompt.algorithm.clone(),
        mode: prompt.mode,
        revision: prompt.revision.clone(),
        is_sample: prompt.is_sample,
    })
}

/// Pairs every prompt test with its expected result by `tgId` + `tcId`, in prompt order.
fn pair(
    dir: &str,
    prompts: Vec<raw::PromptGroup>,
    results: Vec<raw::ResultGroup>,
) -> Result<Vec<(raw::PromptGroup, Tests)>, AcvpError> {
    let unpaired = |tg_id, tc_id, problem| AcvpError::Unpaired {
        dir: dir.to_owned(),
        tg_id,
        tc_id,
        problem,
    };
    let mut expected = HashMap::new();
    for group in results {
        for test in group.tests {
            let key = (group.tg_id, test.tc_id);
            if expected.insert(key, test).is_some() {
                return Err(unpaired(
                    key.0,
                    key.1,
                    "appears twice in expectedResults.json",
                ));
            }
        }
    }
    let mut seen = HashSet::new();
    let mut paired = Vec::with_capacity(prompts.len());
    for mut group in prompts {
        let mut tests = Vec::with_capacity(group.tests.len());
        for test in std::mem::take(&mut group.tests) {
            let key = (group.tg_id, test.tc_id);
            if !seen.insert(key) {
                return Err(unpaired(key.0, key.1, "appears twice in prompt.json"));
            }
            let Some(result) = expected.remove(&key) else {
                return Err(unpaired(
                    key.0,
                    key.1,
                    "has no entry in expectedResults.json",
                ));
            };
            tests.push((test, result));
        }
        paired.push((group, tests));
    }
    match expected.keys().min() {
        Some(&(tg_id, tc_id)) => Err(unpaired(tg_id, tc_id, "has no entry in prompt.json")),
        None => Ok(paired),
    }
}

/// The `reason` of every sigVer test, keyed by `tgId` + `tcId`; empty if the set ships no
/// `internalProjection.json`.
fn reasons(path: &Path) -> Result<HashMap<(u64, u64), String>, AcvpError> {
    if !path.exists() {
        return Ok(HashMap::new());
    }
    let file: raw::File<raw::ProjectionGroup> = read_json(path)?;
    let mut reasons = HashMap::new();
    for group in file.test_groups {
        for test in group.tests {
            if let Some(reason) = test.reason {
                reasons.insert((group.tg_id, test.tc_id), reason);
            }
        }
    }
    Ok(reasons)
}

fn key_gen_group(
    at: Place<'_>,
    group: &raw::PromptGroup,
    tests: Tests,
) -> Result<KeyGenGroup, AcvpError> {
    if group.signature_interface.is_some()
        || group.pre_hash.is_some()
        || group.external_mu.is_some()
        || group.deterministic.is_some()
        || group.key_format.is_some()
    {
        return Err(at.group("a keyGen group has signing attributes"));
    }
    let mut cases = Vec::with_capacity(tests.len());
    for (test, result) in tests {
        let at = at.test(test.tc_id);
        at.absent("pk", &test.pk)?;
        at.absent("sk", &test.sk)?;
        at.absent("message", &test.message)?;
        at.absent("mu", &test.mu)?;
        at.absent("context", &test.context)?;
        at.absent("hashAlg", &test.hash_alg)?;
        at.absent("rnd", &test.rnd)?;
        at.absent("signature", &test.signature)?;
        at.absent("signature", &result.signature)?;
        if result.test_passed.is_some() {
            return Err(at.unexpected("testPassed"));
        }
        cases.push(KeyGenCase {
            tc_id: test.tc_id,
            seed: at.fixed("seed", test.seed)?,
            pk: at.hex("pk", result.pk)?,
            sk: at.hex("sk", result.sk)?,
        });
    }
    Ok(KeyGenGroup {
        tg_id: group.tg_id,
        test_type: group.test_type.clone(),
        parameter_set: group.parameter_set.clone(),
        cases,
    })
}

fn sig_gen_group(
    at: Place<'_>,
    group: &raw::PromptGroup,
    tests: Tests,
) -> Result<SigGenGroup, AcvpError> {
    let interface = interface(at, group)?;
    let Some(deterministic) = group.deterministic else {
        return Err(at.group("a sigGen group without `deterministic`"));
    };
    let mut cases = Vec::with_capacity(tests.len());
    for (mut test, result) in tests {
        let at = at.test(test.tc_id);
        at.absent("pk", &test.pk)?;
        at.absent("signature", &test.signature)?;
        at.absent("pk", &result.pk)?;
        at.absent("sk", &result.sk)?;
        if result.test_passed.is_some() {
            return Err(at.unexpected("testPassed"));
        }
        let key = match group.key_format {
            Some(KeyFormat::Seed) => {
                at.absent("sk", &test.sk)?;
                KeyInput::Seed(at.fixed("seed", test.seed.take())?)
            }
            Some(KeyFormat::Expanded) | None => {
                at.absent("seed", &test.seed)?;
                KeyInput::Expanded(at.hex("sk", test.sk.take())?)
            }
        };
        let rnd = if deterministic {
            at.absent("rnd", &test.rnd)?;
            None
        } else {
            Some(at.fixed("rnd", test.rnd.take())?)
        };
        cases.push(SigGenCase {
            tc_id: test.tc_id,
            key,
            data: signed_data(at, interface, &mut test)?,
            rnd,
            signature: at.hex("signature", result.signature)?,
        });
    }
    Ok(SigGenGroup {
        tg_id: group.tg_id,
        test_type: group.test_type.clone(),
        parameter_set: group.parameter_set.clone(),
        interface,
        deterministic,
        key_format: group.key_format,
        cases,
    })
}

fn sig_ver_group(
    at: Place<'_>,
    group: &raw::PromptGroup,
    tests: Tests,
    reasons: &HashMap<(u64, u64), String>,
) -> Result<SigVerGroup, AcvpError> {
    let interface = interface(at, group)?;
    if group.deterministic.is_some() || group.key_format.is_some() {
        return Err(at.group("a sigVer group has sigGen attributes"));
    }
    let mut cases = Vec::with_capacity(tests.len());
    for (mut test, result) in tests {
        let at = at.test(test.tc_id);
        at.absent("seed", &test.seed)?;
        at.absent("sk", &test.sk)?;
        at.absent("rnd", &test.rnd)?;
        at.absent("pk", &result.pk)?;
        at.absent("sk", &result.sk)?;
        at.absent("signature", &result.signature)?;
        let Some(test_passed) = result.test_passed else {
            return Err(at.missing("testPassed"));
        };
        cases.push(SigVerCase {
            tc_id: test.tc_id,
            pk: at.hex("pk", test.pk.take())?,
            data: signed_data(at, interface, &mut test)?,
            signature: at.hex("signature", test.signature.take())?,
            test_passed,
            reason: reasons.get(&(group.tg_id, test.tc_id)).cloned(),
        });
    }
    Ok(SigVerGroup {
        tg_id: group.tg_id,
        test_type: group.test_type.clone(),
        parameter_set: group.parameter_set.clone(),
        interface,
        cases,
    })
}

/// The interface a sigGen or sigVer group's attributes select.
fn interface(at: Place<'_>, group: &raw::PromptGroup) -> Result<Interface, AcvpError> {
    use raw::{Interface as I, PreHash as P};
    let mu = group.external_mu;
    match (group.signature_interface, group.pre_hash, mu) {
        (Some(I::External), Some(P::Pure), None | Some(false)) => Ok(Interface::ExternalPure),
        (Some(I::External), Some(P::Hashed), None | Some(false)) => Ok(Interface::ExternalPreHash),
        (Some(I::External), _, Some(true)) => Err(at.group("externalMu in an external group")),
        (Some(I::External), _, _) => Err(at.group("an external group without pure/preHash")),
        (Some(I::Internal), None | Some(P::None), Some(false)) => Ok(Interface::Internal),
        (Some(I::Internal), None | Some(P::None), Some(true)) => Ok(Interface::InternalMu),
        (Some(I::Internal), None | Some(P::None), None) => {
            Err(at.group("an internal group without `externalMu`"))
        }
        (Some(I::Internal), Some(_), _) => Err(at.group("preHash in an internal group")),
        (None, _, _) => Err(at.group("a signing group without `signatureInterface`")),
    }
}

/// The signed data of a test, with the fields its interface uses taken out of `test`.
fn signed_data(
    at: Place<'_>,
    interface: Interface,
    test: &mut raw::PromptTest,
) -> Result<SignedData, AcvpError> {
    let hash_alg = test.hash_alg.take().filter(|name| name != "none");
    match interface {
        Interface::ExternalPure | Interface::ExternalPreHash => {
            at.absent("mu", &test.mu)?;
            let message = at.hex("message", test.message.take())?;
            let context = at.hex("context", test.context.take())?;
            if interface == Interface::ExternalPure {
                at.absent("hashAlg", &hash_alg)?;
                return Ok(SignedData::Pure { message, context });
            }
            let hash_alg = hash_alg.ok_or_else(|| at.missing("hashAlg"))?;
            Ok(SignedData::PreHash {
                message,
                context,
                hash_alg,
            })
        }
        Interface::Internal => {
            at.absent("mu", &test.mu)?;
            at.absent("context", &test.context)?;
            at.absent("hashAlg", &hash_alg)?;
            let message = at.hex("message", test.message.take())?;
            Ok(SignedData::Internal { message })
        }
        Interface::InternalMu => {
            at.absent("message", &test.message)?;
            at.absent("context", &test.context)?;
            at.absent("hashAlg", &hash_alg)?;
            Ok(SignedData::Mu(at.fixed("mu", test.mu.take())?))
        }
    }
}

/// Where in a vector set a field is read, for error messages.
#[derive(Clone, Copy)]
struct Place<'a> {
    dir: &'a str,
    tg_id: u64,
    tc_id: u64,
}

impl Place<'_> {
    fn test(self, tc_id: u64) -> Self {
        Self { tc_id, ..self }
    }

    fn group(self, problem: &'static str) -> AcvpError {
        AcvpError::Group {
            dir: self.dir.to_owned(),
            tg_id: self.tg_id,
            problem,
        }
    }

    fn missing(self, field: &'static str) -> AcvpError {
        AcvpError::MissingField {
            dir: self.dir.to_owned(),
            tg_id: self.tg_id,
            tc_id: self.tc_id,
            field,
        }
    }

    fn unexpected(self, field: &'static str) -> AcvpError {
        AcvpError::UnexpectedField {
            dir: self.dir.to_owned(),
            tg_id: self.tg_id,
            tc_id: self.tc_id,
            field,
        }
    }

    fn absent(self, field: &'static str, value: &Option<String>) -> Result<(), AcvpError> {
        match value {
            Some(_) => Err(self.unexpected(field)),
            None => Ok(()),
        }
    }

    fn hex(self, field: &'static str, value: Option<String>) -> Result<Vec<u8>, AcvpError> {
        let value = value.ok_or_else(|| self.missing(field))?;
        hex::decode(value).map_err(|_| AcvpError::Hex {
            dir: self.dir.to_owned(),
            tg_id: self.tg_id,
            tc_id: self.tc_id,
            field,
        })
    }

    fn fixed<const N: usize>(
        self,
        field: &'static str,
        value: Option<String>,
    ) -> Result<[u8; N], AcvpError> {
        let bytes = self.hex(field, value)?;
        let len = bytes.len();
        bytes.try_into().map_err(|_| AcvpError::Length {
            dir: self.dir.to_owned(),
            tg_id: self.tg_id,
            tc_id: self.tc_id,
            field,
            len,
            expected: N,
        })
    }
}

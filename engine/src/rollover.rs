//! The rollover statement: what a migration signs so that a relying party can follow a key to
//! its successor.
//!
//! It is a short UTF-8 text, one `name: value` field per line in a fixed order, so that a
//! person can read what was signed and any program can check it byte for byte:
//!
//! ```text
//! qoesign rollover statement 1
//! owner: alice
//! old-credential: 5f0c…
//! old-algorithm: ecdsa-p256
//! old-public-key: 04ab…
//! new-credential: 9e11…
//! new-algorithm: mldsa65-ecdsa-p256
//! new-public-key: 3082…
//! policy-version: 2
//! policy-digest: 7d3e…
//! effective: 2026-12-04
//! ```
//!
//! Both keys sign exactly these bytes as a message with an empty context (ECDSA takes none):
//! the old key while the policy still lets it sign, and the new key always. The first line
//! keeps a statement from being mistaken for a document.

use qoesign_algorithms::SignInput;
use qoesign_policy::{Date, PolicyDigest};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::store::{Credential, CredentialId};

/// The first line of every statement.
const HEADING: &str = "qoesign rollover statement 1";

/// A rollover statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The person both keys belong to.
    pub owner: String,
    /// The credential re-issued.
    pub old: CredentialId,
    /// Its algorithm.
    pub old_algorithm: String,
    /// Its public key, standard encoding.
    pub old_public_key: Vec<u8>,
    /// The credential that re-issues it.
    pub new: CredentialId,
    /// Its algorithm.
    pub new_algorithm: String,
    /// Its public key, standard encoding.
    pub new_public_key: Vec<u8>,
    /// The version of the policy that ordered the rollover.
    pub policy_version: u64,
    /// That policy's digest.
    pub policy_digest: PolicyDigest,
    /// The day the rollover takes effect.
    pub effective: Date,
}

/// A statement that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a rollover statement: {0}")]
pub struct StatementError(String);

impl Statement {
    /// The statement that `new` re-issues `old` under policy `version` (with `digest`), in
    /// force from the day of `effective`.
    pub fn rollover(
        old: &Credential,
        new: &Credential,
        version: u64,
        digest: PolicyDigest,
        effective: OffsetDateTime,
    ) -> Self {
        Self {
            owner: old.owner.clone(),
            old: old.id,
            old_algorithm: old.algorithm.clone(),
            old_public_key: old.public_key.clone(),
            new: new.id,
            new_algorithm: new.algorithm.clone(),
            new_public_key: new.public_key.clone(),
            policy_version: version,
            policy_digest: digest,
            effective: effective.date(),
        }
    }

    /// The statement's text, as signed.
    pub fn to_bytes(&self) -> Vec<u8> {
        let fields = [
            ("owner", self.owner.clone()),
            ("old-credential", self.old.to_string()),
            ("old-algorithm", self.old_algorithm.clone()),
            ("old-public-key", hex::encode(&self.old_public_key)),
            ("new-credential", self.new.to_string()),
            ("new-algorithm", self.new_algorithm.clone()),
            ("new-public-key", hex::encode(&self.new_public_key)),
            ("policy-version", self.policy_version.to_string()),
            ("policy-digest", self.policy_digest.to_string()),
            ("effective", self.effective.to_string()),
        ];
        let mut text = format!("{HEADING}\n");
        for (name, value) in fields {
            text.push_str(&format!("{name}: {value}\n"));
        }
        text.into_bytes()
    }

    /// What each key signs: the text as a message, with an empty context.
    pub fn sign_input(&self) -> SignInput {
        SignInput::message(self.to_bytes())
    }

    /// Reads a statement back from its text.
    ///
    /// # Errors
    ///
    /// Returns [`StatementError`] naming the first line that is not what a statement holds
    /// there (the fields are in a fixed order, with nothing before or after).
    pub fn parse(bytes: &[u8]) -> Result<Self, StatementError> {
        let text = std::str::from_utf8(bytes).map_err(|_| err("it is not UTF-8"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| err("it does not end with a line break"))?;
        let mut lines = body.split('\n');
        if lines.next() != Some(HEADING) {
            return Err(err(&format!("the first line is not `{HEADING}`")));
        }
        let mut field = |name: &str| next_field(&mut lines, name);
        let id = |text: String, name: &str| -> Result<CredentialId, StatementError> {
            text.parse()
                .map_err(|_| err(&format!("`{name}` is not a credential id")))
        };
        let bytes = |text: String, name: &str| -> Result<Vec<u8>, StatementError> {
            hex::decode(text).map_err(|_| err(&format!("`{name}` is not hexadecimal")))
        };
        let owner = field("owner")?;
        let old = id(field("old-credential")?, "old-credential")?;
        let old_algorithm = field("old-algorithm")?;
        let old_public_key = bytes(field("old-public-key")?, "old-public-key")?;
        let new = id(field("new-credential")?, "new-credential")?;
        let new_algorithm = field("new-algorithm")?;
        let new_public_key = bytes(field("new-public-key")?, "new-public-key")?;
        let policy_version = field("policy-version")?
            .parse()
            .map_err(|_| err("`policy-version` is not a number"))?;
        let policy_digest = parse_digest(&field("policy-digest")?)?;
        let effective = Date::parse(
            &field("effective")?,
            format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| err("`effective` is not a date"))?;
        if lines.next().is_some() {
            return Err(err("there is more after `effective`"));
        }
        let statement = Self {
            owner,
            old,
            old_algorithm,
            old_public_key,
            new,
            new_algorithm,
            new_public_key,
            policy_version,
            policy_digest,
            effective,
        };
        // One text per statement: anything that would not render back the same is refused.
        if statement.to_bytes() != text.as_bytes() {
            return Err(err("it is not in canonical form"));
        }
        Ok(statement)
    }
}

/// The value of the next line, which must be the field `name`.
fn next_field<'a>(
    lines: &mut impl Iterator<Item = &'a str>,
    name: &str,
) -> Result<String, StatementError> {
    let line = lines
        .next()
        .ok_or_else(|| err(&format!("`{name}` is missing")))?;
    line.strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(": "))
        .map(str::to_owned)
        .ok_or_else(|| err(&format!("expected `{name}: …`, found `{line}`")))
}

fn parse_digest(text: &str) -> Result<PolicyDigest, StatementError> {
    let bytes: [u8; 32] = hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| err("`policy-digest` is not 32 bytes of hexadecimal"))?;
    Ok(PolicyDigest::from_bytes(bytes))
}

fn err(what: &str) -> StatementError {
    StatementError(what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Statement {
        Statement {
            owner: "alice".to_owned(),
            old: CredentialId::from_bytes([1; 16]),
            old_algorithm: "ecdsa-p256".to_owned(),
            old_public_key: vec![4, 5, 6],
            new: CredentialId::from_bytes([2; 16]),
            new_algorithm: "ml-dsa-65".to_owned(),
            new_public_key: vec![7, 8],
            policy_version: 3,
            policy_digest: PolicyDigest::from_bytes([9; 32]),
            effective: time::macros::date!(2030 - 01 - 01),
        }
    }

    #[test]
    fn renders_and_parses_back() {
        let statement = sample();
        let bytes = statement.to_bytes();
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(text.starts_with("qoesign rollover statement 1\nowner: alice\n"));
        assert!(text.ends_with("effective: 2030-01-01\n"));
        assert_eq!(Statement::parse(&bytes), Ok(statement));
    }

    #[test]
    fn refuses_what_is_not_a_statement() {
        let good = String::from_utf8(sample().to_bytes()).expect("utf-8");
        for (bad, why) in [
            (good.replace("statement 1", "statement 2"), "first line"),
            (good.replace("owner: ", "owner:"), "expected `owner: …`"),
            (
                good.replace("policy-version: 3", "policy-version: x"),
                "not a number",
            ),
            (good.trim_end().to_owned(), "line break"),
            (format!("{good}extra\n"), "more after"),
            (good.replace("040506", "0405G6"), "not hexadecimal"),
            (good.replace("2030-01-01", "2030-1-1"), "not a date"),
        ] {
            let error = Statement::parse(bad.as_bytes()).expect_err(why);
            assert!(error.to_string().contains(why), "{error} lacks {why}");
        }
    }
}

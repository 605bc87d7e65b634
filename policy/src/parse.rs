//! Strict parsing and validation of the policy file.
//!
//! TOML is first read into "raw" structures that keep the source span of every value, so that
//! each semantic check can point at the exact line and column that caused it.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use time::{Date, Month};
use toml::Spanned;
use toml::value::Datetime;

use crate::error::{PolicyError, PolicyErrorKind};
use crate::model::{AlgorithmPolicy, AlgorithmState, Policy, Quorum};

/// Parses and validates `source`; see [`Policy::parse`].
pub(crate) fn parse(source: &str, file: &str, known: &[&str]) -> Result<Policy, PolicyError> {
    let locate = Locator { source, file };
    let raw: RawPolicy = toml::from_str(source).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        locate.error(
            span,
            PolicyErrorKind::Syntax {
                message: e.message().trim().to_owned(),
            },
        )
    })?;
    Validator { locate, known }.policy(raw)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: Spanned<u64>,
    issued: Spanned<Datetime>,
    description: Option<String>,
    preferred: Spanned<String>,
    quorum: RawQuorum,
    #[serde(rename = "algorithm", default)]
    algorithms: Vec<Spanned<RawAlgorithm>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuorum {
    providers: Spanned<Vec<Spanned<String>>>,
    threshold: Spanned<u64>,
    user_required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlgorithm {
    id: Spanned<String>,
    state: Spanned<RawState>,
    deprecate_on: Option<Spanned<Datetime>>,
    retire_on: Option<Spanned<Datetime>>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawState {
    Active,
    Deprecated,
    Retired,
}

/// Turns byte offsets into `file:line:column` errors.
struct Locator<'a> {
    source: &'a str,
    file: &'a str,
}

impl Locator<'_> {
    fn error(&self, span: Range<usize>, kind: PolicyErrorKind) -> PolicyError {
        let (line, column) = self.line_column(span.start);
        PolicyError {
            file: self.file.to_owned(),
            line,
            column,
            kind,
        }
    }

    fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        // Spans from the TOML parser always fall on character boundaries; fall back to the
        // start of the file rather than panic if one ever does not.
        let before = self.source.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    fn line(&self, offset: usize) -> usize {
        self.line_column(offset).0
    }
}

struct Validator<'a> {
    locate: Locator<'a>,
    known: &'a [&'a str],
}

impl Validator<'_> {
    fn policy(&self, raw: RawPolicy) -> Result<Policy, PolicyError> {
        if *raw.version.get_ref() == 0 {
            return Err(self
                .locate
                .error(raw.version.span(), PolicyErrorKind::VersionZero));
        }
        let issued = self.date("issued", &raw.issued)?;
        let quorum = self.quorum(raw.quorum)?;
        let algorithms = self.algorithms(&raw.algorithms, issued)?;
        let preferred = self.preferred(&raw.preferred, &algorithms, issued)?;
        Ok(Policy {
            version: raw.version.into_inner(),
            issued,
            description: raw.description,
            preferred,
            quorum,
            algorithms,
        })
    }

    fn quorum(&self, raw: RawQuorum) -> Result<Quorum, PolicyError> {
        let list_span = raw.providers.span();
        let mut first_seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut providers = Vec::new();
        for provider in raw.providers.into_inner() {
            let span = provider.span();
            let id = provider.into_inner();
            if id == "user" {
                return Err(self.locate.error(span, PolicyErrorKind::ReservedProviderId));
            }
            if !is_valid_provider_id(&id) {
                return Err(self
                    .locate
                    .error(span, PolicyErrorKind::InvalidProviderId { id }));
            }
            if let Some(&first_line) = first_seen.get(&id) {
                let kind = PolicyErrorKind::DuplicateProvider { id, first_line };
                return Err(self.locate.error(span, kind));
            }
            first_seen.insert(id.clone(), self.locate.line(span.start));
            providers.push(id);
        }
        if providers.is_empty() {
            return Err(self.locate.error(list_span, PolicyErrorKind::NoProviders));
        }
        let threshold_span = raw.threshold.span();
        let threshold = raw.threshold.into_inner();
        if threshold == 0 {
            return Err(self
                .locate
                .error(threshold_span, PolicyErrorKind::ThresholdZero));
        }
        let threshold = match u16::try_from(threshold) {
            Ok(t) if usize::from(t) <= providers.len() => t,
            _ => {
                let kind = PolicyErrorKind::ThresholdAboveProviders {
                    threshold,
                    providers: providers.len(),
                };
                return Err(self.locate.error(threshold_span, kind));
            }
        };
        Ok(Quorum {
            providers,
            threshold,
            user_required: raw.user_required,
        })
    }

    fn algorithms(
        &self,
        raw: &[Spanned<RawAlgorithm>],
        issued: Date,
    ) -> Result<Vec<AlgorithmPolicy>, PolicyError> {
        let mut first_seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut out = Vec::with_capacity(raw.len());
        for entry in raw {
            let entry = entry.get_ref();
            let id = entry.id.get_ref();
            self.check_known(&entry.id)?;
            if let Some(&first_line) = first_seen.get(id.as_str()) {
                let kind = PolicyErrorKind::DuplicateAlgorithm {
                    id: id.clone(),
                    first_line,
                };
                return Err(self.locate.error(entry.id.span(), kind));
            }
            first_seen.insert(id, self.locate.line(entry.id.span().start));
            out.push(self.algorithm(entry, issued)?);
        }
        Ok(out)
    }

    fn algorithm(&self, raw: &RawAlgorithm, issued: Date) -> Result<AlgorithmPolicy, PolicyError> {
        let state = match *raw.state.get_ref() {
            RawState::Active => AlgorithmState::Active,
            RawState::Deprecated => AlgorithmState::Deprecated,
            RawState::Retired => AlgorithmState::Retired,
        };
        let deprecate_on = self.schedule("deprecate_on", raw.deprecate_on.as_ref(), issued)?;
        let retire_on = self.schedule("retire_on", raw.retire_on.as_ref(), issued)?;
        // A schedule only moves a state forward: deprecating needs an active algorithm,
        // retiring needs one that is not retired yet.
        let contradictions = [
            (
                "deprecate_on",
                &raw.deprecate_on,
                state != AlgorithmState::Active,
            ),
            (
                "retire_on",
                &raw.retire_on,
                state == AlgorithmState::Retired,
            ),
        ];
        for (field, date, contradicts) in contradictions {
            if let (Some(date), true) = (date, contradicts) {
                let kind = PolicyErrorKind::ScheduleContradictsState { field, state };
                return Err(self.locate.error(date.span(), kind));
            }
        }
        if let (Some(d), Some(r), Some(raw_retire)) = (deprecate_on, retire_on, &raw.retire_on)
            && d >= r
        {
            let kind = PolicyErrorKind::DatesOutOfOrder {
                deprecate_on: d,
                retire_on: r,
            };
            return Err(self.locate.error(raw_retire.span(), kind));
        }
        Ok(AlgorithmPolicy {
            id: raw.id.get_ref().clone(),
            state,
            deprecate_on,
            retire_on,
        })
    }

    fn preferred(
        &self,
        raw: &Spanned<String>,
        algorithms: &[AlgorithmPolicy],
        issued: Date,
    ) -> Result<String, PolicyError> {
        self.check_known(raw)?;
        let id = raw.get_ref();
        if !algorithms
            .iter()
            .any(|a| a.state_at(issued).may_create_keys())
        {
            let kind = PolicyErrorKind::NoAlgorithmCanCreateKeys { issued };
            return Err(self.locate.error(raw.span(), kind));
        }
        let Some(entry) = algorithms.iter().find(|a| &a.id == id) else {
            let kind = PolicyErrorKind::PreferredNotListed { id: id.clone() };
            return Err(self.locate.error(raw.span(), kind));
        };
        let state = entry.state_at(issued);
        if !state.may_create_keys() {
            let kind = PolicyErrorKind::PreferredCannotCreateKeys {
                id: id.clone(),
                state,
                issued,
            };
            return Err(self.locate.error(raw.span(), kind));
        }
        Ok(id.clone())
    }

    fn check_known(&self, id: &Spanned<String>) -> Result<(), PolicyError> {
        if self.known.contains(&id.get_ref().as_str()) {
            return Ok(());
        }
        let kind = PolicyErrorKind::UnknownAlgorithm {
            id: id.get_ref().clone(),
            known: self.known.iter().map(|k| (*k).to_owned()).collect(),
        };
        Err(self.locate.error(id.span(), kind))
    }

    fn schedule(
        &self,
        field: &'static str,
        raw: Option<&Spanned<Datetime>>,
        issued: Date,
    ) -> Result<Option<Date>, PolicyError> {
        let Some(raw) = raw else { return Ok(None) };
        let date = self.date(field, raw)?;
        if date <= issued {
            let kind = PolicyErrorKind::ScheduleNotAfterIssue {
                field,
                date,
                issued,
            };
            return Err(self.locate.error(raw.span(), kind));
        }
        Ok(Some(date))
    }

    fn date(&self, field: &'static str, raw: &Spanned<Datetime>) -> Result<Date, PolicyError> {
        let value = raw.get_ref();
        let not_a_date = || {
            let kind = PolicyErrorKind::NotADate {
                field,
                found: value.to_string(),
            };
            self.locate.error(raw.span(), kind)
        };
        let (Some(date), None, None) = (value.date, value.time, value.offset) else {
            return Err(not_a_date());
        };
        let month = Month::try_from(date.month).map_err(|_| not_a_date())?;
        Date::from_calendar_date(i32::from(date.year), month, date.day).map_err(|_| not_a_date())
    }
}

/// Provider ids name a QTSP site in logs, stores and file names: keep them to a safe alphabet.
fn is_valid_provider_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && !id.starts_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

//! The JSON form of the coordinator's session reports, shared by `demo` and `sign`.

use qoesign_engine::coordinator::{Failure, FailureKind, SessionSummary};
use serde::Serialize;

/// One signing session: its signers and the parties that made it fail.
#[derive(Serialize)]
pub(crate) struct SessionJson {
    session: String,
    signers: Vec<String>,
    failures: Vec<FailureJson>,
}

/// One failure: the party, `silent` / `refused` / `misbehaved`, and the detail.
#[derive(Serialize)]
struct FailureJson {
    party: String,
    kind: &'static str,
    detail: Option<String>,
}

/// Every session of a signature, in order.
pub(crate) fn sessions_json(sessions: &[SessionSummary]) -> Vec<SessionJson> {
    sessions
        .iter()
        .map(|session| SessionJson {
            session: session.session.to_string(),
            signers: session.signers.iter().map(|h| h.name.clone()).collect(),
            failures: session.failures.iter().map(failure_json).collect(),
        })
        .collect()
}

fn failure_json(failure: &Failure) -> FailureJson {
    let (kind, detail) = match &failure.kind {
        FailureKind::Silent => ("silent", None),
        FailureKind::Refused(why) => ("refused", Some(why.clone())),
        FailureKind::Misbehaved(why) => ("misbehaved", Some(why.clone())),
    };
    FailureJson {
        party: failure.party.clone(),
        kind,
        detail,
    }
}

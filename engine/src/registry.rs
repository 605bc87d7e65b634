//! The registry: every algorithm qoesign knows, and the schemes that produce it.

use std::sync::Arc;

use qoesign_algorithms::{
    ALGORITHMS, AlgorithmInfo, KeygenParams, PartyId, Scheme, SchemeKind, SessionId, SignInput,
    VerifyError, builtin_schemes,
};

use crate::Committee;

/// Maps algorithm identifiers to scheme plugins.
pub struct Registry {
    entries: Vec<AlgorithmEntry>,
}

/// One algorithm and its schemes.
pub struct AlgorithmEntry {
    /// What a verifier sees.
    pub info: &'static AlgorithmInfo,
    /// The schemes that produce it, single party first.
    pub schemes: Vec<Arc<dyn Scheme>>,
}

/// Why the registry cannot serve a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// No algorithm has this identifier.
    #[error("unknown algorithm `{id}`: expected one of {}", known.join(", "))]
    UnknownAlgorithm {
        /// The identifier asked for.
        id: String,
        /// Every known identifier.
        known: Vec<&'static str>,
    },
    /// The algorithm is known but no scheme supports the committee yet.
    #[error("no scheme for this quorum yet: {algorithm} has no {kind} scheme for {committee}")]
    NoSchemeForQuorum {
        /// The algorithm.
        algorithm: &'static str,
        /// `single-party` or `threshold`.
        kind: &'static str,
        /// The committee asked for.
        committee: Committee,
    },
    /// The policy requires the user's device, and the algorithm's threshold scheme cannot make
    /// it a party without which the providers cannot sign.
    #[error(
        "{algorithm} cannot make the user's device a required party for {committee}: its threshold \
         scheme would let the providers sign without it; set user_required = false or choose \
         another algorithm"
    )]
    UserNotEnforceable {
        /// The algorithm.
        algorithm: &'static str,
        /// The committee asked for.
        committee: Committee,
    },
    /// The algorithm is known but no scheme can verify it yet.
    #[error("no verifier for {algorithm} yet: it has no scheme in this build")]
    NoVerifier {
        /// The algorithm.
        algorithm: &'static str,
    },
}

impl Registry {
    /// The registry of this build: every algorithm of [`ALGORITHMS`] with the built-in schemes.
    pub fn builtin() -> Self {
        let schemes = builtin_schemes();
        let entries = ALGORITHMS
            .iter()
            .map(|&info| AlgorithmEntry {
                info,
                schemes: schemes
                    .iter()
                    .filter(|s| s.info().algorithm.id == info.id)
                    .cloned()
                    .collect(),
            })
            .collect();
        Self { entries }
    }

    /// Every algorithm identifier, in registry order.
    pub fn known_ids(&self) -> Vec<&'static str> {
        self.entries.iter().map(|e| e.info.id).collect()
    }

    /// Every algorithm with its schemes.
    pub fn entries(&self) -> &[AlgorithmEntry] {
        &self.entries
    }

    /// The entry of one algorithm.
    ///
    /// # Errors
    ///
    /// Returns [`RegistryError::UnknownAlgorithm`] listing the known identifiers.
    pub fn entry(&self, id: &str) -> Result<&AlgorithmEntry, RegistryError> {
        self.entries
            .iter()
            .find(|e| e.info.id == id)
            .ok_or_else(|| RegistryError::UnknownAlgorithm {
                id: id.to_owned(),
                known: self.known_ids(),
            })
    }

    /// The scheme that runs `algorithm` for `committee`: a single-party scheme when one party
    /// holds the whole key, otherwise a threshold scheme that supports that many parties.
    ///
    /// # Errors
    ///
    /// Returns [`RegistryError::UnknownAlgorithm`], [`RegistryError::NoSchemeForQuorum`], or
    /// [`RegistryError::UserNotEnforceable`] for a quorum that requires the user's device when
    /// the scheme cannot make it necessary.
    pub fn select(
        &self,
        algorithm: &str,
        committee: Committee,
    ) -> Result<Arc<dyn Scheme>, RegistryError> {
        let entry = self.entry(algorithm)?;
        let kind = if committee.is_single() {
            SchemeKind::Single
        } else {
            SchemeKind::Threshold
        };
        let scheme = entry
            .schemes
            .iter()
            .find(|s| s.info().kind == kind && s.info().max_parties >= committee.key_holders())
            .cloned();
        let Some(scheme) = scheme else {
            return Err(RegistryError::NoSchemeForQuorum {
                algorithm: entry.info.id,
                kind: match kind {
                    SchemeKind::Single => "single-party",
                    SchemeKind::Threshold => "threshold",
                },
                committee,
            });
        };
        if committee.user_required
            && kind == SchemeKind::Threshold
            && !enforces_user(&scheme, committee)
        {
            return Err(RegistryError::UserNotEnforceable {
                algorithm: entry.info.id,
                committee,
            });
        }
        Ok(scheme)
    }

    /// Whether keys of `algorithm` are held whole by one party: it has schemes, and all of
    /// them are single-party (a legacy algorithm kept to sign and verify until its keys are
    /// migrated to one a quorum holds). `false` for an unknown algorithm.
    pub fn held_whole(&self, algorithm: &str) -> bool {
        self.entry(algorithm).is_ok_and(|e| {
            !e.schemes.is_empty()
                && e.schemes
                    .iter()
                    .all(|s| s.info().kind == SchemeKind::Single)
        })
    }

    /// Standard verification of a signature of `algorithm`. Any scheme of the algorithm
    /// verifies every signature of it, whichever scheme produced it.
    ///
    /// # Errors
    ///
    /// Returns [`RegistryError`] when the algorithm is unknown or has no scheme yet, and
    /// otherwise the verifier's verdict as `Ok(Err(VerifyError))`.
    pub fn verify(
        &self,
        algorithm: &str,
        public_key: &[u8],
        input: &SignInput,
        signature: &[u8],
    ) -> Result<Result<(), VerifyError>, RegistryError> {
        let entry = self.entry(algorithm)?;
        let scheme = entry.schemes.first().ok_or(RegistryError::NoVerifier {
            algorithm: entry.info.id,
        })?;
        Ok(scheme.verify(public_key, input, signature))
    }
}

/// Whether `scheme` accepts the user's device as a required holder for `committee`: it is asked
/// for a key generation state machine with the device required (nothing runs, nothing is sent).
fn enforces_user(scheme: &Arc<dyn Scheme>, committee: Committee) -> bool {
    let parties: Vec<PartyId> = (0..committee.key_holders()).map(PartyId).collect();
    let Some(&device) = parties.last() else {
        return false;
    };
    let params = KeygenParams {
        session: SessionId([0; 32]),
        me: device,
        parties,
        threshold: committee.signers(),
        required: Some(device),
    };
    scheme.keygen(&params).is_ok()
}

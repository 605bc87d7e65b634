//! The shape of a key's committee, as the policy's quorum dictates it.

use std::fmt;

use qoesign_policy::Quorum;

/// How many parties hold shares of a key and how many of them sign together.
///
/// The user's device, when the policy requires it, is one more key holder and one more signer
/// on top of the providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Committee {
    /// Providers holding a share.
    pub providers: u16,
    /// Providers taking part in every signature.
    pub threshold: u16,
    /// Whether the user's device is a key holder and a signer of every signature.
    pub user_required: bool,
}

impl Committee {
    /// The committee a policy's quorum asks for.
    pub fn from_quorum(quorum: &Quorum) -> Self {
        Self {
            // The policy crate caps providers far below u16::MAX in practice; saturate rather
            // than wrap if it ever does not.
            providers: u16::try_from(quorum.provider_count()).unwrap_or(u16::MAX),
            threshold: quorum.threshold(),
            user_required: quorum.user_required(),
        }
    }

    /// Every key holder: the providers, plus the user's device when required.
    pub fn key_holders(&self) -> u16 {
        self.providers.saturating_add(u16::from(self.user_required))
    }

    /// Every signer of one signature.
    pub fn signers(&self) -> u16 {
        self.threshold.saturating_add(u16::from(self.user_required))
    }

    /// Whether one party holds the whole key.
    pub fn is_single(&self) -> bool {
        self.key_holders() == 1
    }
}

impl fmt::Display for Committee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} provider(s)", self.threshold, self.providers)?;
        if self.user_required {
            f.write_str(" + the user's device")?;
        }
        Ok(())
    }
}

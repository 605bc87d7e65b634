//! The message representative a signing session signs.

/// What is signed. A remote signing service can sign without ever seeing the document: the
/// caller sends a digest (ECDSA) or the external μ (ML-DSA) instead.
#[derive(Clone, PartialEq, Eq)]
pub enum SignInput {
    /// The document and a context string (FIPS 204 pure ML-DSA; 0 to 255 bytes). ECDSA takes
    /// no context: it must be empty there.
    Message {
        /// The document bytes.
        message: Vec<u8>,
        /// The context string.
        context: Vec<u8>,
    },
    /// The caller's hash of the document: the 32-byte SHA-256 digest for ECDSA P-256.
    Digest(Vec<u8>),
    /// FIPS 204 external μ = H(tr ‖ M′, 64), computed by the caller (FIPS 204 Alg. 7, step 6).
    ExternalMu([u8; 64]),
}

impl SignInput {
    /// A message with an empty context.
    pub fn message(message: impl Into<Vec<u8>>) -> Self {
        Self::Message {
            message: message.into(),
            context: Vec::new(),
        }
    }

    /// A message with a context string.
    pub fn with_context(message: impl Into<Vec<u8>>, context: impl Into<Vec<u8>>) -> Self {
        Self::Message {
            message: message.into(),
            context: context.into(),
        }
    }

    /// A short name of the form, for errors and logs (never the content).
    pub fn form(&self) -> &'static str {
        match self {
            Self::Message { .. } => "message",
            Self::Digest(_) => "digest",
            Self::ExternalMu(_) => "external mu",
        }
    }
}

impl std::fmt::Debug for SignInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Documents may be confidential: show sizes only.
        match self {
            Self::Message { message, context } => f
                .debug_struct("Message")
                .field("message_len", &message.len())
                .field("context_len", &context.len())
                .finish(),
            Self::Digest(d) => f.debug_struct("Digest").field("len", &d.len()).finish(),
            Self::ExternalMu(_) => f.write_str("ExternalMu"),
        }
    }
}

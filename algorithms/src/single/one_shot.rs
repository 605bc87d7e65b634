//! The generic single-party scheme over a signing backend, and the one-step party it runs.

use std::sync::Arc;

use rand_core::CryptoRng;

use crate::{
    KeyShare, KeygenParams, Party, PartyId, Progress, ProtocolError, Scheme, SchemeError,
    SchemeInfo, SecretBytes, SignInput, SignParams, Signed, VerifyError,
};

/// A signing library seen through the operations a single key holder needs.
pub(super) trait Backend: Send + Sync + 'static {
    /// The scheme's identity.
    fn info(&self) -> &'static SchemeInfo;

    /// Generates a key pair: the public key in its standard encoding and the secret to keep.
    fn generate(&self, rng: &mut dyn CryptoRng) -> Result<(Vec<u8>, SecretBytes), ProtocolError>;

    /// Refuses an input the algorithm cannot sign, before any session starts.
    fn check_input(&self, input: &SignInput) -> Result<(), SchemeError>;

    /// Signs an input that passed [`Backend::check_input`].
    fn sign(
        &self,
        secret: &SecretBytes,
        input: &SignInput,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, ProtocolError>;

    /// Standard verification.
    fn verify(&self, public_key: &[u8], input: &SignInput, sig: &[u8]) -> Result<(), VerifyError>;
}

/// A [`Scheme`] with one key holder, over any [`Backend`].
pub(super) struct SingleScheme<B> {
    backend: Arc<B>,
}

impl<B: Backend> SingleScheme<B> {
    pub(super) fn new(backend: B) -> Self {
        Self {
            backend: Arc::new(backend),
        }
    }
}

impl<B: Backend> Scheme for SingleScheme<B> {
    fn info(&self) -> &'static SchemeInfo {
        self.backend.info()
    }

    fn keygen(
        &self,
        params: &KeygenParams,
    ) -> Result<Box<dyn Party<Output = KeyShare>>, SchemeError> {
        let info = self.info();
        params.check(info)?;
        let backend = Arc::clone(&self.backend);
        let (me, parties, threshold) = (params.me, params.parties.clone(), params.threshold);
        Ok(Box::new(OneShot::new(
            me,
            move |rng: &mut dyn CryptoRng| {
                let (public_key, secret) = backend.generate(rng)?;
                Ok(KeyShare::new(
                    info, me, parties, threshold, public_key, secret,
                ))
            },
        )))
    }

    fn sign(
        &self,
        share: &mut KeyShare,
        params: &SignParams,
    ) -> Result<Box<dyn Party<Output = Signed>>, SchemeError> {
        let info = self.info();
        share.check_scheme(info)?;
        params.check(info, share)?;
        self.backend.check_input(&params.input)?;
        let backend = Arc::clone(&self.backend);
        let secret = SecretBytes::new(share.secret().expose().to_vec());
        let public_key = share.public_key().to_vec();
        let input = params.input.clone();
        Ok(Box::new(OneShot::new(
            share.party(),
            move |rng: &mut dyn CryptoRng| {
                let signature = backend.sign(&secret, &input, rng)?;
                // Verify before release: a fault during signing must not leak a bad signature.
                backend
                    .verify(&public_key, &input, &signature)
                    .map_err(|_| ProtocolError::SelfCheckFailed)?;
                Ok(Signed {
                    signature,
                    attempts: 1,
                })
            },
        )))
    }

    fn verify(
        &self,
        public_key: &[u8],
        input: &SignInput,
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        self.backend.verify(public_key, input, signature)
    }
}

/// A party that finishes in its first step and expects no messages.
struct OneShot<F> {
    me: PartyId,
    step: Option<F>,
}

impl<F> OneShot<F> {
    fn new(me: PartyId, step: F) -> Self {
        Self {
            me,
            step: Some(step),
        }
    }
}

impl<F, O> Party for OneShot<F>
where
    F: FnOnce(&mut dyn CryptoRng) -> Result<O, ProtocolError> + Send,
{
    type Output = O;

    fn id(&self) -> PartyId {
        self.me
    }

    fn start(&mut self, rng: &mut dyn CryptoRng) -> Result<Progress<O>, ProtocolError> {
        let step = self
            .step
            .take()
            .ok_or(ProtocolError::Misuse("start called twice"))?;
        let output = step(rng)?;
        Ok(Progress::Done {
            outgoing: Vec::new(),
            output,
        })
    }

    fn receive(
        &mut self,
        from: PartyId,
        _bytes: &[u8],
        _rng: &mut dyn CryptoRng,
    ) -> Result<Progress<O>, ProtocolError> {
        // A single-party session has no peers: whoever sends something is not part of it.
        Err(ProtocolError::UnknownSender { party: from })
    }
}

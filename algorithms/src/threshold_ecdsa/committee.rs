//! The key holders of one key, and the translation between the engine's party ids and the
//! library's 1-based indices.

use dkls23::secp256r1::protocols::PartyIndex;

use crate::{PartyId, ProtocolError};

/// Every key holder of a key, sorted by id; the holder at position `k` is library index
/// `k + 1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Committee {
    parties: Vec<PartyId>,
}

impl Committee {
    /// The committee of `parties` (any order, distinct, at most 255).
    pub(crate) fn new(mut parties: Vec<PartyId>) -> Result<Self, String> {
        parties.sort_unstable();
        if parties.windows(2).any(|w| matches!(w, [a, b] if a == b)) {
            return Err("a key holder is listed twice".to_owned());
        }
        if parties.len() > usize::from(u8::MAX) {
            return Err(format!(
                "at most {} key holders, {} given",
                u8::MAX,
                parties.len()
            ));
        }
        Ok(Self { parties })
    }

    /// Every key holder, sorted.
    pub(crate) fn parties(&self) -> &[PartyId] {
        &self.parties
    }

    /// How many key holders.
    pub(crate) fn len(&self) -> u8 {
        u8::try_from(self.parties.len()).unwrap_or(u8::MAX)
    }

    /// The library index of `party`, if it is a key holder.
    pub(crate) fn index(&self, party: PartyId) -> Option<PartyIndex> {
        let position = self.parties.binary_search(&party).ok()?;
        let one_based = u8::try_from(position + 1).ok()?;
        PartyIndex::new(one_based).ok()
    }

    /// The library index of `party`, which the caller knows to be a key holder.
    pub(crate) fn index_of(&self, party: PartyId) -> Result<PartyIndex, ProtocolError> {
        self.index(party)
            .ok_or_else(|| ProtocolError::Internal(format!("{party} is not a key holder")))
    }

    /// The party at library index `index`, if there is one.
    pub(crate) fn party(&self, index: PartyIndex) -> Option<PartyId> {
        let position = usize::from(index.as_u8()).checked_sub(1)?;
        self.parties.get(position).copied()
    }
}

//! A required holder made of several indices of an ordinary threshold key.
//!
//! With n providers, t of whom sign with the user's device, the key is an ordinary
//! (n + 1)-of-(2n − t + 1) key of the inner scheme: each provider holds one index and the
//! device holds the other k = n − t + 1. Any t providers and the device reach n + 1 indices;
//! all n providers together hold only n, one short, so no set of providers can sign without
//! the device. The price is size: every session of the inner scheme has n + 1 members (the
//! device's k indices run in the device's process and talk to each other there, without the
//! network), and key generation runs over 2n − t + 1 indices.
//!
//! The inner scheme sees a *virtual* committee: the providers under their own ids, the device
//! under its own id and k − 1 more ids from [`VIRTUAL_BASE`] up. Every message on the network
//! carries a small routing header (virtual sender, virtual recipient) in front of the inner
//! scheme's message; a receiver checks that the authenticated sender may speak for the virtual
//! sender it names (a provider only for itself, the device only for its own indices), so no
//! party can impersonate an index it does not hold. Blame from the inner scheme is mapped back
//! to the real party.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::share::SecretBytes;
use crate::wire::WireError;
use crate::{
    CryptoRng, KeyShare, KeygenParams, Outgoing, Party, PartyId, Progress, ProtocolError,
    Recipient, Scheme, SchemeError, SchemeInfo, SignParams, Signed,
};

/// The first id of the device's extra virtual indices; real ids must stay below it.
pub(crate) const VIRTUAL_BASE: u16 = 0xF000;

/// The routing header's recipient value for "every other member".
const TO_ALL: u16 = u16::MAX;

/// Who holds which virtual indices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Layout {
    /// The required holder (the user's device).
    device: PartyId,
    /// Its virtual ids: its own id first.
    device_ids: Vec<PartyId>,
    /// The providers, each one index under its own id.
    providers: Vec<PartyId>,
}

impl Layout {
    /// The layout for `parties` with `device` required and `threshold` signers (device
    /// included): k = n − t + 1 device indices, inner threshold n + 1.
    fn new(
        info: &SchemeInfo,
        parties: &[PartyId],
        device: PartyId,
        threshold: u16,
    ) -> Result<Self, SchemeError> {
        let providers: Vec<PartyId> = parties.iter().copied().filter(|&p| p != device).collect();
        let n = u16::try_from(providers.len())
            .map_err(|_| unsupported(info, "too many parties".to_owned()))?;
        let t = threshold
            .checked_sub(1)
            .filter(|&t| t >= 1 && t <= n)
            .ok_or_else(|| {
                unsupported(
                    info,
                    format!(
                        "{threshold} signers with the device is not between 2 and {}",
                        n + 1
                    ),
                )
            })?;
        if let Some(big) = parties.iter().find(|p| p.0 >= VIRTUAL_BASE) {
            return Err(unsupported(
                info,
                format!("{big} collides with the device's virtual indices"),
            ));
        }
        let k = n - t + 1;
        let mut device_ids = vec![device];
        device_ids.extend((1..k).map(|j| PartyId(VIRTUAL_BASE + j)));
        Ok(Self {
            device,
            device_ids,
            providers,
        })
    }

    /// Every virtual member.
    fn members(&self) -> Vec<PartyId> {
        let mut all = self.providers.clone();
        all.extend(&self.device_ids);
        all.sort_unstable();
        all
    }

    /// The inner key's threshold: n + 1.
    fn inner_threshold(&self) -> u16 {
        u16::try_from(self.providers.len() + 1).unwrap_or(u16::MAX)
    }

    /// The real party behind a virtual id.
    fn real(&self, virtual_id: PartyId) -> PartyId {
        if self.device_ids.contains(&virtual_id) {
            self.device
        } else {
            virtual_id
        }
    }

    /// The virtual ids `party` holds.
    fn ids_of(&self, party: PartyId) -> Vec<PartyId> {
        if party == self.device {
            self.device_ids.clone()
        } else {
            vec![party]
        }
    }
}

/// What a hosted share keeps: the layout and the inner scheme's share of every index held.
#[derive(Serialize, Deserialize)]
struct HostedRecord {
    layout: Layout,
    inner: Vec<serde_bytes::ByteBuf>,
}

/// The key generation state machine of `me` for a key with `params.required` set, running
/// `inner` over the virtual committee.
///
/// # Errors
///
/// Returns [`SchemeError::UnsupportedCommittee`] when the layout cannot be built or the inner
/// scheme refuses the virtual committee.
pub(crate) fn keygen(
    inner: &dyn Scheme,
    params: &KeygenParams,
) -> Result<Box<dyn Party<Output = KeyShare>>, SchemeError> {
    let info = inner.info();
    let device = params
        .required
        .ok_or_else(|| unsupported(info, "no required party".to_owned()))?;
    let layout = Layout::new(info, &params.parties, device, params.threshold)?;
    let members = layout.members();
    let machines = layout
        .ids_of(params.me)
        .into_iter()
        .map(|id| {
            let virtual_params = KeygenParams {
                session: params.session,
                me: id,
                parties: members.clone(),
                threshold: layout.inner_threshold(),
                required: None,
            };
            inner.keygen(&virtual_params).map(|m| (id, m))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (me, parties, threshold) = (params.me, params.parties.clone(), params.threshold);
    let finish_layout = layout.clone();
    let finish = move |shares: Vec<KeyShare>| -> Result<KeyShare, ProtocolError> {
        let public_key = shares
            .first()
            .map(|s| s.public_key().to_vec())
            .ok_or(ProtocolError::Internal("no inner share".to_owned()))?;
        if shares.iter().any(|s| s.public_key() != public_key) {
            return Err(ProtocolError::Internal(
                "the device's indices ended with different public keys".to_owned(),
            ));
        }
        let inner = shares
            .iter()
            .map(|s| s.to_bytes().map(|b| serde_bytes::ByteBuf::from(b.to_vec())))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ProtocolError::Internal(e.to_string()))?;
        let record = HostedRecord {
            layout: finish_layout,
            inner,
        };
        let secret =
            postcard::to_stdvec(&record).map_err(|e| ProtocolError::Internal(e.to_string()))?;
        Ok(KeyShare::new(
            info,
            me,
            parties,
            threshold,
            public_key,
            SecretBytes::new(secret),
        )
        .with_required(device))
    };
    Ok(Box::new(Hosted::new(
        params.me,
        layout,
        machines,
        Box::new(finish),
    )))
}

/// The signing state machine of a hosted share's holder.
///
/// # Errors
///
/// Returns [`SchemeError::WrongShare`] for a share that is not a hosted share of `inner`, and
/// whatever the inner scheme returns for the virtual signer set.
pub(crate) fn sign(
    inner: &dyn Scheme,
    share: &KeyShare,
    params: &SignParams,
) -> Result<Box<dyn Party<Output = Signed>>, SchemeError> {
    let info = inner.info();
    let (layout, mut shares) = open(info, share)?;
    if params.signers.len() != usize::from(share.threshold()) {
        return Err(unsupported(
            info,
            format!(
                "{} signers given; this key signs with exactly {} (the device included)",
                params.signers.len(),
                share.threshold()
            ),
        ));
    }
    let mut virtual_signers: Vec<PartyId> = params
        .signers
        .iter()
        .flat_map(|&s| layout.ids_of(s))
        .collect();
    virtual_signers.sort_unstable();
    let ids = layout.ids_of(share.party());
    let machines = ids
        .iter()
        .zip(shares.iter_mut())
        .map(|(&id, inner_share)| {
            let virtual_params = SignParams {
                session: params.session,
                signers: virtual_signers.clone(),
                input: params.input.clone(),
            };
            inner.sign(inner_share, &virtual_params).map(|m| (id, m))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let finish = |mut signed: Vec<Signed>| -> Result<Signed, ProtocolError> {
        let first = signed
            .pop()
            .ok_or(ProtocolError::Internal("no inner signature".to_owned()))?;
        if signed.iter().any(|s| s.signature != first.signature) {
            return Err(ProtocolError::Internal(
                "the device's indices ended with different signatures".to_owned(),
            ));
        }
        Ok(first)
    };
    Ok(Box::new(Hosted::new(
        share.party(),
        layout,
        machines,
        Box::new(finish),
    )))
}

/// Decodes a hosted share into its layout and inner shares, checking they fit the outer share.
fn open(info: &SchemeInfo, share: &KeyShare) -> Result<(Layout, Vec<KeyShare>), SchemeError> {
    let wrong = |reason: String| SchemeError::WrongShare {
        scheme: info.id,
        reason,
    };
    let record: HostedRecord = postcard::from_bytes(share.secret().expose())
        .map_err(|e| wrong(format!("not a share with a required holder: {e}")))?;
    let layout = record.layout;
    if Some(layout.device) != share.required() {
        return Err(wrong("the layout names another required holder".to_owned()));
    }
    let ids = layout.ids_of(share.party());
    if record.inner.len() != ids.len() {
        return Err(wrong(format!(
            "{} inner shares for {} indices",
            record.inner.len(),
            ids.len()
        )));
    }
    let shares = record
        .inner
        .iter()
        .zip(&ids)
        .map(|(bytes, &id)| {
            let inner = KeyShare::from_bytes(bytes).map_err(|e| wrong(e.to_string()))?;
            if inner.party() != id || inner.public_key() != share.public_key() {
                return Err(wrong(format!(
                    "the inner share of index {id} does not belong here"
                )));
            }
            Ok(inner)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((layout, shares))
}

/// What the machine does with the inner outputs once every index is done.
type Finish<I, O> = Box<dyn FnOnce(Vec<I>) -> Result<O, ProtocolError> + Send>;

/// One real party running the inner machines of the indices it holds.
struct Hosted<I, O> {
    me: PartyId,
    layout: Layout,
    machines: BTreeMap<PartyId, Box<dyn Party<Output = I>>>,
    outputs: BTreeMap<PartyId, I>,
    finish: Option<Finish<I, O>>,
    failed: bool,
}

impl<I: Send + 'static, O: Send + 'static> Hosted<I, O> {
    fn new(
        me: PartyId,
        layout: Layout,
        machines: Vec<(PartyId, Box<dyn Party<Output = I>>)>,
        finish: Finish<I, O>,
    ) -> Self {
        Self {
            me,
            layout,
            machines: machines.into_iter().collect(),
            outputs: BTreeMap::new(),
            finish: Some(finish),
            failed: false,
        }
    }

    /// Runs `step` and every local delivery it causes, collecting what goes on the network.
    fn run(
        &mut self,
        first: Vec<(PartyId, Result<Progress<I>, ProtocolError>)>,
        rng: &mut dyn CryptoRng,
    ) -> Result<Progress<O>, ProtocolError> {
        let mut network = Vec::new();
        let mut local: VecDeque<(PartyId, PartyId, Vec<u8>)> = VecDeque::new();
        let mut steps: VecDeque<(PartyId, Result<Progress<I>, ProtocolError>)> = first.into();
        loop {
            while let Some((id, step)) = steps.pop_front() {
                let outgoing = match step.map_err(|e| self.real_blame(e))? {
                    Progress::Continue(outgoing) => outgoing,
                    Progress::Done { outgoing, output } => {
                        self.machines.remove(&id);
                        self.outputs.insert(id, output);
                        outgoing
                    }
                };
                for message in outgoing {
                    self.route(id, message, &mut network, &mut local);
                }
            }
            let Some((from, to, bytes)) = local.pop_front() else {
                break;
            };
            if let Some(machine) = self.machines.get_mut(&to) {
                steps.push_back((to, machine.receive(from, &bytes, rng)));
            }
        }
        if !self.machines.is_empty() {
            return Ok(Progress::Continue(network));
        }
        let finish = self
            .finish
            .take()
            .ok_or(ProtocolError::Misuse("already finished"))?;
        let outputs = std::mem::take(&mut self.outputs).into_values().collect();
        Ok(Progress::Done {
            outgoing: network,
            output: finish(outputs)?,
        })
    }

    /// Sends one inner message: to the network with a routing header, or to another of this
    /// party's own indices directly.
    fn route(
        &self,
        from: PartyId,
        message: Outgoing,
        network: &mut Vec<Outgoing>,
        local: &mut VecDeque<(PartyId, PartyId, Vec<u8>)>,
    ) {
        let mine = self.layout.ids_of(self.me);
        match message.to {
            Recipient::All => {
                for &other in mine.iter().filter(|&&o| o != from) {
                    local.push_back((from, other, message.bytes.clone()));
                }
                network.push(Outgoing {
                    to: Recipient::All,
                    bytes: frame(from, None, &message.bytes),
                });
            }
            Recipient::One(to) if mine.contains(&to) => {
                local.push_back((from, to, message.bytes));
            }
            Recipient::One(to) => network.push(Outgoing {
                to: Recipient::One(self.layout.real(to)),
                bytes: frame(from, Some(to), &message.bytes),
            }),
        }
    }

    /// Maps blame on a virtual index to the real party holding it.
    fn real_blame(&mut self, error: ProtocolError) -> ProtocolError {
        self.failed = true;
        error.map_culprit(|p| self.layout.real(p))
    }
}

impl<I: Send + 'static, O: Send + 'static> Party for Hosted<I, O> {
    type Output = O;

    fn id(&self) -> PartyId {
        self.me
    }

    fn start(&mut self, rng: &mut dyn CryptoRng) -> Result<Progress<O>, ProtocolError> {
        if self.failed {
            return Err(ProtocolError::Misuse("the party has aborted"));
        }
        let mut first = Vec::new();
        for (&id, machine) in &mut self.machines {
            first.push((id, machine.start(rng)));
        }
        self.run(first, rng)
    }

    fn receive(
        &mut self,
        from: PartyId,
        bytes: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Progress<O>, ProtocolError> {
        if self.failed || self.finish.is_none() {
            return Err(ProtocolError::Misuse("the party has finished or aborted"));
        }
        if from == self.me || (from != self.layout.device && !self.layout.providers.contains(&from))
        {
            return Err(ProtocolError::UnknownSender { party: from });
        }
        let (sender, to, inner) = unframe(bytes).map_err(|reason| {
            self.failed = true;
            ProtocolError::Malformed {
                party: from,
                reason,
            }
        })?;
        if !self.layout.ids_of(from).contains(&sender) {
            self.failed = true;
            return Err(ProtocolError::Misbehaved {
                party: from,
                reason: format!("it spoke for index {sender}, which it does not hold"),
            });
        }
        let mine = self.layout.ids_of(self.me);
        let targets: Vec<PartyId> = match to {
            None => mine,
            Some(to) if mine.contains(&to) => vec![to],
            Some(to) => {
                self.failed = true;
                return Err(ProtocolError::Misbehaved {
                    party: from,
                    reason: format!("it addressed index {to}, which this party does not hold"),
                });
            }
        };
        let mut first = Vec::new();
        for target in targets {
            if let Some(machine) = self.machines.get_mut(&target) {
                first.push((target, machine.receive(sender, inner, rng)));
            }
        }
        self.run(first, rng)
    }
}

/// Routing header: virtual sender (2 bytes), virtual recipient (2 bytes, [`TO_ALL`] for all),
/// then the inner message.
fn frame(from: PartyId, to: Option<PartyId>, inner: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(4 + inner.len());
    bytes.extend_from_slice(&from.0.to_be_bytes());
    bytes.extend_from_slice(&to.map_or(TO_ALL, |p| p.0).to_be_bytes());
    bytes.extend_from_slice(inner);
    bytes
}

fn unframe(bytes: &[u8]) -> Result<(PartyId, Option<PartyId>, &[u8]), WireError> {
    match bytes {
        [f0, f1, t0, t1, inner @ ..] => {
            let to = u16::from_be_bytes([*t0, *t1]);
            Ok((
                PartyId(u16::from_be_bytes([*f0, *f1])),
                (to != TO_ALL).then_some(PartyId(to)),
                inner,
            ))
        }
        _ => Err(WireError::Decode {
            what: "routing header",
            reason: format!("{} bytes, at least 4 needed", bytes.len()),
        }),
    }
}

fn unsupported(info: &SchemeInfo, reason: String) -> SchemeError {
    SchemeError::UnsupportedCommittee {
        scheme: info.id,
        reason,
    }
}

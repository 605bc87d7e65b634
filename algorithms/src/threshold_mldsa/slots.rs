//! What happens to one slot in each round of a signing attempt: Round 2's unpacking, digest
//! and challenge, Round 3's rejection test and response, and the decoding of a response for
//! Combine (`shared/threshold-mldsa.md` §3.3-3.6).

use rayon::prelude::*;

use crate::mldsa::encode::{unpack_offset, w1_encode};
use crate::mldsa::field::freeze;
use crate::mldsa::params::Params;
use crate::mldsa::poly::{Poly, scale_inv_ntt};
use crate::mldsa::rounding::high_bits;
use crate::mldsa::sample::{h, sample_in_ball};

use super::mask::{SlotMask, centred};
use super::messages::SignMessage;
use super::{SecretPolys, ThresholdParams};

/// Domain tag of the digest of one slot's w.
const SLOT_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/slot-w";

/// Below this many slots the per-slot work of a round runs on the calling thread: handing
/// fewer slots to the thread pool costs more in wake-ups than it saves.
const PARALLEL_SLOTS: usize = 6;

/// `f` applied to every slot index, in order; in parallel over the thread pool when there are
/// enough slots to be worth it.
pub(crate) fn map_slots<T: Send>(count: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    if count < PARALLEL_SLOTS {
        (0..count).map(f).collect()
    } else {
        (0..count).into_par_iter().map(f).collect()
    }
}

/// One slot of Round 3: the response z^(1), or `None` when the slot is rejected.
pub(crate) fn respond(
    mask: &SlotMask,
    s_part_hat: &[Poly],
    c_tilde: &[u8],
    tp: &ThresholdParams,
    mldsa: &Params,
) -> Option<Vec<Poly>> {
    let mut c_hat = sample_in_ball(c_tilde, mldsa.tau);
    c_hat.ntt();
    // v = c s_part as centred integers (|v| <= tau * load * eta, far below q / 2).
    let mut v = SecretPolys(scale_inv_ntt(&c_hat, s_part_hat));
    for p in &mut v.0 {
        p.reduce();
        p.caddq();
        *p = Poly(p.0.map(|x| centred(freeze(x))));
    }
    // ||v + y||_nu^2 over both parts, on the continuous sample.
    let nu2 = f64::from(tp.nu) * f64::from(tp.nu);
    let mut norm = 0.0f64;
    for (p, (vp, yp)) in v.0.iter().zip(mask.y.chunks_exact(256)).enumerate() {
        let part: f64 =
            vp.0.iter()
                .zip(yp)
                .map(|(&c, &y)| {
                    let sum = f64::from(c) + y;
                    sum * sum
                })
                .sum();
        norm += if p < mldsa.l { part / nu2 } else { part };
    }
    let r = f64::from(tp.r);
    // z = v^(1) + round(y)^(1), in integers from the same rounding that made w.
    let mut z = SecretPolys(Vec::with_capacity(mldsa.l));
    for (vp, yp) in v.0.iter().zip(&mask.rounded.0).take(mldsa.l) {
        let mut zp = vp.clone();
        zp.add_assign(yp);
        z.0.push(zp);
    }
    // An accepted slot must also fit the FIPS 204 z encoding, (-gamma1, gamma1].
    let in_range =
        z.0.iter()
            .all(|p| p.0.iter().all(|&x| x > -mldsa.gamma1 && x <= mldsa.gamma1));
    if norm > r * r || !in_range {
        return None;
    }
    // Accepted: the response is sent, so it is public from here on.
    Some(std::mem::take(&mut z.0))
}

/// c-tilde = H(mu || w1Encode(HighBits(w)), lambda / 4) for one slot's aggregate w.
pub(crate) fn challenge(mu: &[u8; 64], w: &[Poly], mldsa: &Params) -> Vec<u8> {
    let w1: Vec<Poly> = w
        .iter()
        .map(|p| Poly(p.0.map(|r| high_bits(r, mldsa.gamma2))))
        .collect();
    let mut bytes = Vec::with_capacity(mldsa.k * mldsa.w1_poly_bytes());
    w1_encode(&w1, mldsa, &mut bytes);
    let mut c_tilde = vec![0u8; mldsa.c_tilde_len()];
    h(&[mu, &bytes], &mut c_tilde);
    c_tilde
}

/// One slot after Round 2: the sum of every signer's w, its challenge, and each other signer's
/// digest of its w (in the order of the reveals).
pub(crate) struct CheckedSlot {
    pub(crate) sum: Vec<Poly>,
    pub(crate) c_tilde: Vec<u8>,
    pub(crate) digests: Vec<Vec<u8>>,
}

/// H(tag, w) for one slot's packed w, `len` bytes.
pub(crate) fn slot_digest(w: &[u8], len: usize) -> Vec<u8> {
    let mut digest = vec![0u8; len];
    h(&[SLOT_TAG, w], &mut digest);
    digest
}

/// One signer's decoded response.
pub(crate) struct Response {
    pub(crate) accepted: Vec<bool>,
    pub(crate) z: Vec<Option<Vec<Poly>>>,
}

/// Decodes a round-3 message: the flag bytes, then K slots of z, a rejected slot all zero.
pub(crate) fn decode_response(
    message: &SignMessage,
    slots: usize,
    mldsa: &Params,
) -> Result<Response, String> {
    let SignMessage::Respond { accepted, z, .. } = message else {
        return Err("not a response".to_owned());
    };
    if accepted.len() != slots.div_ceil(8) {
        return Err(format!(
            "{} flag bytes, expected {}",
            accepted.len(),
            slots.div_ceil(8)
        ));
    }
    let flag = |j: usize| accepted.get(j >> 3).is_some_and(|b| b >> (j & 7) & 1 == 1);
    if (slots..accepted.len() * 8).any(flag) {
        return Err("a flag is set beyond the last slot".to_owned());
    }
    let z_len = mldsa.l * mldsa.z_poly_bytes();
    if z.len() != slots * z_len {
        return Err(format!(
            "{} response bytes, expected {}",
            z.len(),
            slots * z_len
        ));
    }
    let mut response = Response {
        accepted: (0..slots).map(flag).collect(),
        z: Vec::with_capacity(slots),
    };
    for (j, slot) in z.chunks_exact(z_len).enumerate() {
        if !flag(j) {
            if slot.iter().any(|&b| b != 0) {
                return Err(format!(
                    "slot {j} is flagged rejected but carries a response"
                ));
            }
            response.z.push(None);
            continue;
        }
        let polys = slot
            .chunks_exact(mldsa.z_poly_bytes())
            .map(|chunk| {
                let mut p = Poly::default();
                unpack_offset(chunk, mldsa.z_bits(), mldsa.gamma1, &mut p);
                p
            })
            .collect();
        response.z.push(Some(polys));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use rayon::prelude::*;

    use super::*;
    use crate::mldsa::poly::ntt_vec;
    use crate::threshold_mldsa::key::subset_secret;
    use crate::threshold_mldsa::mask::to_canonical;

    /// Per party and slot, a mask is accepted with probability (r / r')^D whatever the secret
    /// and the challenge (the paper's Lemma G.1; the digest's sharp test, §7.5). Checked for
    /// every level and (T, N) with a partial secret of the row's largest load, and for the
    /// derived rows of keys with a required party.
    #[test]
    fn per_party_acceptance_is_r_over_r_prime_to_the_d() {
        // 90 rows are tested at once: 4.5 standard errors keep a false alarm below 0.1 %.
        const SAMPLES: u32 = 4000;
        for tp in ThresholdParams::all().chain(ThresholdParams::all_with_required()) {
            let mldsa = tp.set.params();
            let mut sum = SecretPolys(vec![Poly::default(); mldsa.k + mldsa.l]);
            for i in 0..tp.max_load {
                let secret = subset_secret(&[i ^ 0x5a; 64], mldsa);
                for (acc, p) in sum.0.iter_mut().zip(&secret.0) {
                    acc.add_assign(p);
                }
            }
            let canonical = SecretPolys(sum.0.iter().map(to_canonical).collect());
            let s_part_hat = SecretPolys(ntt_vec(&canonical.0));
            let (radius, nu) = (f64::from(tp.r_prime), f64::from(tp.nu));
            let seed = [tp.max_load ^ tp.threshold << 4; 64];
            let accepted: u32 = (0..SAMPLES)
                .into_par_iter()
                .map(|i| {
                    let mask = SlotMask::sample(&seed, i, radius, nu, mldsa);
                    let mut c_tilde = vec![0u8; mldsa.c_tilde_len()];
                    h(&[b"challenge", &i.to_le_bytes()], &mut c_tilde);
                    let response = respond(&mask, &s_part_hat.0, &c_tilde, tp, mldsa);
                    u32::from(response.is_some())
                })
                .sum();
            let p = tp.party_acceptance();
            let observed = f64::from(accepted) / f64::from(SAMPLES);
            let se = (p * (1.0 - p) / f64::from(SAMPLES)).sqrt();
            assert!(
                (observed - p).abs() <= 4.5 * se,
                "{} ({}, {}): accepted {observed:.3}, expected {p:.3} +- {:.3}",
                tp.set.name(),
                tp.threshold,
                tp.parties,
                4.5 * se
            );
        }
    }
}

//! Combine (`shared/threshold-mldsa.md` §3.6): from the aggregate w of a slot and the sum of
//! the signers' responses, the standard signature, or nothing. Uses public data only.

use crate::mldsa::VerifyingKey;
use crate::mldsa::encode::sig_encode;
use crate::mldsa::field::caddq;
use crate::mldsa::params::Params;
use crate::mldsa::poly::Poly;
use crate::mldsa::rounding::make_hint;
use crate::mldsa::sample::sample_in_ball;

use super::mask::centred;

/// The signature of one slot, or `None` when any check fails: ||z|| < gamma1 - beta, the
/// distance delta = w - u (u = A z - c t1 2^d) within gamma2, at most omega hint ones, and
/// finally a full ML-DSA verification of the encoded signature. Nothing that fails any of
/// them is released.
pub(crate) fn combine(
    key: &VerifyingKey,
    mu: &[u8; 64],
    w: &[Poly],
    c_tilde: &[u8],
    z: &[Poly],
    params: &Params,
) -> Option<Vec<u8>> {
    if !z_fits(z, params) {
        return None;
    }
    let mut c_hat = sample_in_ball(c_tilde, params.tau);
    c_hat.ntt();
    let u = key.approx_w(&c_hat, z);
    let hint = hint_for(w, &u, params)?;
    let signature = sig_encode(c_tilde, z, &hint, params);
    key.verify_mu(mu, &signature).then_some(signature)
}

/// ||z||_inf < gamma1 - beta.
pub(crate) fn z_fits(z: &[Poly], params: &Params) -> bool {
    !z.iter().any(|p| p.exceeds(params.gamma1 - params.beta))
}

/// The hint that takes u (the verifier's w'_approx) to HighBits(w), or `None` when some
/// coefficient of delta = w - u exceeds gamma2 or the hint has more than omega ones.
pub(crate) fn hint_for(w: &[Poly], u: &[Poly], params: &Params) -> Option<Vec<Poly>> {
    let mut ones = 0usize;
    let mut hint = Vec::with_capacity(w.len());
    for (wi, ui) in w.iter().zip(u) {
        let mut hi = Poly::default();
        for ((&wc, &uc), hc) in wi.0.iter().zip(&ui.0).zip(&mut hi.0) {
            let delta = centred(caddq(wc - uc));
            if delta.abs() > params.gamma2 {
                return None;
            }
            *hc = make_hint(uc, wc, params.gamma2);
            ones += usize::from(*hc == 1);
        }
        hint.push(hi);
    }
    (ones <= params.omega).then_some(hint)
}

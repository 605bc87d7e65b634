//! The mask of one signing slot: a uniform sample of a stretched hyperball, its rounding, and
//! the MLWE sample w that commits to it (`shared/threshold-mldsa.md` §3.2-3.3).
//!
//! # Side channels
//!
//! The sampler uses floating point: the polar form of Box-Muller calls the platform's `ln` and
//! `sqrt`, which are neither guaranteed constant-time nor bit-identical across platforms, and
//! it rejects some pairs of uniforms (the rejected pairs are discarded, so their number says
//! nothing about the values kept). The paper specifies no constant-time hyperball sampler; a
//! local attacker able to time these calls might learn something about the mask. Rounding and
//! the signs of coordinates are handled without branches, and every buffer is zeroized.

use chacha20::ChaCha12Rng;
use rand_core::{Rng, SeedableRng};
use zeroize::Zeroizing;

use crate::mldsa::field::{Q, caddq, freeze, reduce32};
use crate::mldsa::params::Params;
use crate::mldsa::poly::{N, Poly, matrix_mul, ntt_vec};
use crate::mldsa::sample::h;

use super::SecretPolys;

/// Domain tag of the key of the stream the hyperball sampler reads.
const SAMPLER_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/hyperball";

/// A point drawn uniformly from the solid ball of radius `radius` in R^dimension, with its first
/// `stretched` coordinates then multiplied by `nu`.
///
/// Randomness: a ChaCha12 stream keyed by SHAKE256(tag, `seed`, `slot`), read as 64-bit words
/// mapped into the open interval (0, 1). A stream cipher rather than SHAKE256 for the bulk
/// because a slot needs about 8 (D + 2) / (pi / 4) bytes and SHAKE256 would be most of the
/// sampling time; twelve rounds, as in the `rand` crate's standard generator, keep a wide
/// margin over the best known attacks (seven rounds).
///
/// Method: D + 2 independent standard normals g (polar Box-Muller), then
/// x = radius * g[..D] / |g|,
/// which is exactly uniform in the D-ball (the first D coordinates of a uniform point on the
/// sphere in D + 2 dimensions).
pub(crate) fn hyperball(
    seed: &[u8; 64],
    slot: u32,
    radius: f64,
    nu: f64,
    dimension: usize,
    stretched: usize,
) -> Zeroizing<Vec<f64>> {
    let count = dimension + 2;
    let mut key = Zeroizing::new([0u8; 32]);
    h(
        &[SAMPLER_TAG, seed, &slot.to_le_bytes()],
        key.as_mut_slice(),
    );
    let mut stream = ChaCha12Rng::from_seed(*key);
    // The normals are drawn into the output buffer, then scaled in place and cut to D.
    let mut point = Zeroizing::new(Vec::with_capacity(count + 1));
    while point.len() < count {
        // Marsaglia's polar form of Box-Muller: (u, v) uniform in the unit disc gives two
        // independent normals without trigonometry. A rejected pair is thrown away unused, so
        // how many are rejected says nothing about the values kept.
        let u = 2.0 * open_unit(stream.next_u64()) - 1.0;
        let v = 2.0 * open_unit(stream.next_u64()) - 1.0;
        let s = u * u + v * v;
        if s >= 1.0 || s == 0.0 {
            continue;
        }
        let factor = (-2.0 * s.ln() / s).sqrt();
        point.push(u * factor);
        point.push(v * factor);
    }
    point.truncate(count);
    let norm = point.iter().map(|g| g * g).sum::<f64>().sqrt();
    point.truncate(dimension);
    let scale = radius / norm;
    let (first, second) = point.split_at_mut(stretched.min(dimension));
    first.iter_mut().for_each(|x| *x *= scale * nu);
    second.iter_mut().for_each(|x| *x *= scale);
    point
}

/// A 64-bit word as a uniform value in (0, 1): its top 52 bits plus one half, over 2^52, so
/// neither 0 (ln 0 would be infinite) nor 1 can occur and every value is exact.
fn open_unit(word: u64) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 52) as f64;
    ((word >> 12) as f64 + 0.5) * SCALE
}

/// One slot's secret mask: the continuous sample y and its rounding, l + k polynomials.
#[derive(zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct SlotMask {
    /// y, coordinate 256 p + j being coefficient j of polynomial p.
    pub(crate) y: Zeroizing<Vec<f64>>,
    /// round(y) as centred integers.
    pub(crate) rounded: SecretPolys,
}

impl SlotMask {
    /// Draws the mask of `slot` from the attempt seed.
    pub(crate) fn sample(
        seed: &[u8; 64],
        slot: u32,
        radius: f64,
        nu: f64,
        params: &Params,
    ) -> Self {
        let dimension = N * (params.k + params.l);
        let y = hyperball(seed, slot, radius, nu, dimension, N * params.l);
        let mut rounded = SecretPolys(Vec::with_capacity(params.k + params.l));
        for chunk in y.chunks_exact(N) {
            let mut p = Poly::default();
            for (r, &v) in p.0.iter_mut().zip(chunk) {
                *r = round_half_away(v);
            }
            rounded.0.push(p);
        }
        Self { y, rounded }
    }

    /// w = A round(y)^(1) + round(y)^(2) mod q, coefficients in [0, q).
    pub(crate) fn commitment(&self, a_hat: &[Poly], params: &Params) -> Vec<Poly> {
        mlwe_image(&self.rounded.0, a_hat, params)
    }
}

/// The nearest integer to `v`, halves away from zero. Truncating |v| + 1/2 with a cast avoids
/// a library call per coordinate, and the sign is applied without a branch on the (secret)
/// value; |v| <= nu * r' < 2^23 keeps the result inside an i32.
fn round_half_away(v: f64) -> i32 {
    #[expect(clippy::cast_possible_truncation, reason = "bounded as said above")]
    let magnitude = (v.abs() + 0.5) as i32;
    let negative = i32::from(v.is_sign_negative());
    (magnitude ^ -negative) + negative
}

/// [A | I] u = A u^(1) + u^(2) mod q for u of l + k polynomials of centred integers, with
/// coefficients in [0, q). This is w for a mask and t_S for a subset secret.
pub(crate) fn mlwe_image(u: &[Poly], a_hat: &[Poly], params: &Params) -> Vec<Poly> {
    let (first, second) = u.split_at(params.l.min(u.len()));
    let reduced = SecretPolys(first.iter().map(to_canonical).collect());
    let mut image = matrix_mul(a_hat, &SecretPolys(ntt_vec(&reduced.0)).0);
    for (wi, ei) in image.iter_mut().zip(second) {
        wi.inv_ntt();
        wi.add_assign(&to_canonical(ei));
        *wi = Poly(wi.0.map(freeze));
    }
    image
}

/// A polynomial of centred integers of magnitude below 2^31 - q, as coefficients in [0, q).
pub(crate) fn to_canonical(p: &Poly) -> Poly {
    Poly(p.0.map(|x| caddq(reduce32(x))))
}

/// The centred representative of x mod q, for x in [0, q).
pub(crate) const fn centred(x: i32) -> i32 {
    const HALF: i32 = (Q - 1) >> 1;
    if x > HALF { x - Q } else { x }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: usize = 2048;

    fn seed(i: u8) -> [u8; 64] {
        [i; 64]
    }

    #[test]
    fn samples_stay_in_the_ball_and_the_radial_law_is_a_power_of_d() {
        // P(|x| <= a r') = a^D; pick a so that a^D = 1/2.
        let radius = 250_000.0;
        let a = 0.5f64.powf(1.0 / D as f64);
        let trials = 2000;
        let mut inside = 0usize;
        for i in 0..trials {
            let x = hyperball(&seed(7), i, radius, 1.0, D, 0);
            let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!(
                norm <= radius * (1.0 + 1e-12),
                "sample {i} left the ball: {norm}"
            );
            assert!(x.iter().all(|v| v.is_finite()));
            inside += usize::from(norm <= a * radius);
        }
        // Binomial(2000, 1/2): standard error 22.4; allow four of them.
        let expected = f64::from(trials) / 2.0;
        assert!(
            (inside as f64 - expected).abs() < 4.0 * 22.4,
            "inside {inside}"
        );
    }

    #[test]
    fn moments_match_the_uniform_ball_and_the_stretch() {
        // E|x|^2 = r'^2 D / (D + 2); each coordinate has variance r'^2 / (D + 2), times nu^2 on
        // the stretched ones.
        let (radius, nu, stretched) = (1000.0, 3.0, 1024);
        let trials = 400;
        let (mut sq_plain, mut sq_stretched) = (0.0, 0.0);
        for i in 0..trials {
            let y = hyperball(&seed(9), i, radius, nu, D, stretched);
            sq_stretched += y[..stretched].iter().map(|v| v * v).sum::<f64>();
            sq_plain += y[stretched..].iter().map(|v| v * v).sum::<f64>();
        }
        let per_coordinate = radius * radius / (D as f64 + 2.0);
        let plain = sq_plain / f64::from(trials) / (D - stretched) as f64;
        let wide = sq_stretched / f64::from(trials) / stretched as f64;
        assert!(
            (plain / per_coordinate - 1.0).abs() < 0.02,
            "variance {plain}"
        );
        assert!(
            (wide / (per_coordinate * nu * nu) - 1.0).abs() < 0.02,
            "variance {wide}"
        );
    }

    #[test]
    fn rounding_is_to_nearest_with_halves_away_from_zero() {
        for (v, r) in [
            (0.0, 0),
            (0.49, 0),
            (0.5, 1),
            (-0.5, -1),
            (-1.49, -1),
            (2.51, 3),
        ] {
            assert_eq!(round_half_away(v), r, "{v}");
        }
        assert_eq!(round_half_away(-0.0), 0);
    }

    #[test]
    fn a_zero_word_maps_inside_the_open_interval() {
        assert!(open_unit(0) > 0.0);
        assert!(open_unit(u64::MAX) < 1.0);
        assert!(open_unit(0).ln().is_finite());
    }
}

//! The mask of one signing slot: a uniform sample of a stretched hyperball, its rounding, and
//! the MLWE sample w that commits to it (`shared/threshold-mldsa.md` §3.2-3.3).
//!
//! # Side channels
//!
//! The sampler uses Box-Muller with the platform's `ln`, `sin`, `cos` and `sqrt`, which are
//! neither constant-time nor bit-identical across platforms. The paper specifies no
//! constant-time hyperball sampler; a local attacker able to time these calls might learn about
//! the mask. The values are zeroized after use.

use sha3::Shake256;
use sha3::digest::{ExtendableOutput, Update, XofReader};
use zeroize::{Zeroize, Zeroizing};

use crate::mldsa::field::{Q, caddq, freeze, reduce32};
use crate::mldsa::params::Params;
use crate::mldsa::poly::{N, Poly, matrix_mul, ntt_vec};

use super::SecretPolys;

/// Domain tag of the stream the hyperball sampler reads.
const SAMPLER_TAG: &[u8] = b"qoesign/threshold-ml-dsa/v1/hyperball";

/// A point drawn uniformly from the solid ball of radius `radius` in R^dimension, with its first
/// `stretched` coordinates then multiplied by `nu`. The randomness is the SHAKE256 stream of
/// (`seed`, `slot`), read as 64-bit words mapped into the open interval (0, 1).
///
/// Method: D + 2 independent standard normals (Box-Muller) g, then x = radius * g[..D] / |g|,
/// which is exactly uniform in the D-ball (dropping two coordinates of a uniform point on the
/// (D+1)-sphere).
pub(crate) fn hyperball(
    seed: &[u8; 64],
    slot: u32,
    radius: f64,
    nu: f64,
    dimension: usize,
    stretched: usize,
) -> Zeroizing<Vec<f64>> {
    let count = dimension + 2;
    let mut reader = Shake256::default()
        .chain(SAMPLER_TAG)
        .chain(seed)
        .chain(slot.to_le_bytes())
        .finalize_xof();
    let mut normals = Zeroizing::new(Vec::with_capacity(count + 1));
    let mut word = Zeroizing::new([0u8; 16]);
    while normals.len() < count {
        reader.read(word.as_mut_slice());
        let (a, b) = word.split_at(8);
        let (u1, u2) = (open_unit(a), open_unit(b));
        let r = (-2.0 * u1.ln()).sqrt();
        let (sin, cos) = (std::f64::consts::TAU * u2).sin_cos();
        normals.push(r * cos);
        normals.push(r * sin);
    }
    normals.truncate(count);
    let norm = normals.iter().map(|g| g * g).sum::<f64>().sqrt();
    let scale = radius / norm;
    let mut point = Zeroizing::new(Vec::with_capacity(dimension));
    for (t, g) in normals.iter().take(dimension).enumerate() {
        let x = g * scale;
        point.push(if t < stretched { x * nu } else { x });
    }
    point
}

/// A little-endian 64-bit word as a uniform value in (0, 1): its top 52 bits plus one half,
/// over 2^52, so neither 0 (ln 0 would be infinite) nor 1 can occur and every value is exact.
fn open_unit(bytes: &[u8]) -> f64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(bytes.get(..8).unwrap_or(&[0; 8]));
    let value = u64::from_le_bytes(raw);
    raw.zeroize();
    const SCALE: f64 = 1.0 / (1u64 << 52) as f64;
    ((value >> 12) as f64 + 0.5) * SCALE
}

/// One slot's secret mask: the continuous sample y and its rounding, l + k polynomials.
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
            // |y_t| <= nu * radius < 2^23: the rounded value fits an i32 with room to spare.
            #[allow(clippy::cast_possible_truncation, reason = "bounded as said above")]
            rounded.0.push(Poly(std::array::from_fn(|j| {
                chunk.get(j).map_or(0, |v| v.round() as i32)
            })));
        }
        Self { y, rounded }
    }

    /// w = A round(y)^(1) + round(y)^(2) mod q, coefficients in [0, q).
    pub(crate) fn commitment(&self, a_hat: &[Poly], params: &Params) -> Vec<Poly> {
        mlwe_image(&self.rounded.0, a_hat, params)
    }
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
    fn a_zero_word_maps_inside_the_open_interval() {
        assert!(open_unit(&[0; 8]) > 0.0);
        assert!(open_unit(&[0xff; 8]) < 1.0);
        assert!(open_unit(&[0; 8]).ln().is_finite());
    }
}

//! Polynomials of R_q = Z_q[X]/(X^256 + 1) and the vector and matrix operations of FIPS 204
//! (§2.5: pointwise products in the NTT domain, matrix-vector products).

use zeroize::Zeroize;

use super::field::{caddq, montgomery_reduce, reduce32};
use super::ntt;

/// The number of coefficients of a polynomial.
pub(crate) const N: usize = 256;

/// A polynomial, coefficients in some representative (see [`super::field`]). Used for public
/// and secret values alike; the key types zeroize their secret polynomials on drop.
#[derive(Clone, PartialEq, Eq, Zeroize)]
pub(crate) struct Poly(pub(crate) [i32; N]);

impl Default for Poly {
    fn default() -> Self {
        Self([0; N])
    }
}

impl std::fmt::Debug for Poly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Polynomials may hold secrets: never print coefficients.
        f.write_str("Poly(..)")
    }
}

impl Poly {
    /// In-place NTT (FIPS 204 Alg. 41).
    pub(crate) fn ntt(&mut self) {
        ntt::ntt(&mut self.0);
    }

    /// In-place inverse NTT of a Montgomery product (FIPS 204 Alg. 42, see
    /// [`ntt::inv_ntt_to_mont`]).
    pub(crate) fn inv_ntt(&mut self) {
        ntt::inv_ntt_to_mont(&mut self.0);
    }

    /// self += other, coefficient-wise, without reduction.
    pub(crate) fn add_assign(&mut self, other: &Self) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += *b;
        }
    }

    /// self -= other, coefficient-wise, without reduction.
    pub(crate) fn sub_assign(&mut self, other: &Self) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a -= *b;
        }
    }

    /// The pointwise Montgomery product of two NTT-domain polynomials (FIPS 204 Alg. 45,
    /// MultiplyNTT, divided by 2^32; [`Poly::inv_ntt`] puts the factor back).
    pub(crate) fn pointwise(a: &Self, b: &Self) -> Self {
        let mut c = Self::default();
        c.pointwise_acc(a, b);
        c
    }

    /// self += a * b pointwise (Montgomery), for matrix-vector products.
    pub(crate) fn pointwise_acc(&mut self, a: &Self, b: &Self) {
        for ((c, x), y) in self.0.iter_mut().zip(a.0.iter()).zip(b.0.iter()) {
            *c += montgomery_reduce(i64::from(*x) * i64::from(*y));
        }
    }

    /// Reduces every coefficient to a small representative (see [`reduce32`]).
    pub(crate) fn reduce(&mut self) {
        for a in &mut self.0 {
            *a = reduce32(*a);
        }
    }

    /// Maps coefficients in (-q, q) to [0, q).
    pub(crate) fn caddq(&mut self) {
        for a in &mut self.0 {
            *a = caddq(*a);
        }
    }

    /// Multiplies every coefficient by 2^d (FIPS 204 Alg. 8, step 9: t1 * 2^d).
    pub(crate) fn shift_left(&mut self, d: u32) {
        for a in &mut self.0 {
            *a <<= d;
        }
    }

    /// Whether some coefficient has |a| >= bound, for coefficients already reduced by
    /// [`Poly::reduce`] (so that the representative is the centred one for small values).
    ///
    /// The scan visits every coefficient and branches on nothing but the final answer: only
    /// whether the bound is exceeded becomes known, not where (FIPS 204 §3.6.3).
    pub(crate) fn exceeds(&self, bound: i32) -> bool {
        let mut over = 0i32;
        for &a in &self.0 {
            // |a| without a branch: a - 2a when a is negative.
            let sign = a >> 31;
            let abs = a - (sign & (a << 1));
            // bound - 1 - abs is negative exactly when abs >= bound.
            over |= (bound - 1) - abs;
        }
        over < 0
    }
}

/// The NTT of every polynomial of a vector.
pub(crate) fn ntt_vec(v: &[Poly]) -> Vec<Poly> {
    v.iter()
        .map(|p| {
            let mut p = p.clone();
            p.ntt();
            p
        })
        .collect()
}

/// The product of the NTT-domain matrix `a` (`rows` x `v.len()`, row-major) with the NTT-domain
/// vector `v`, in the NTT domain (FIPS 204 Alg. 48, MatrixVectorNTT, with Montgomery factors).
pub(crate) fn matrix_mul(a: &[Poly], v: &[Poly]) -> Vec<Poly> {
    a.chunks_exact(v.len())
        .map(|row| {
            let mut acc = Poly::default();
            for (aij, vj) in row.iter().zip(v) {
                acc.pointwise_acc(aij, vj);
            }
            acc
        })
        .collect()
}

/// `c` times every polynomial of the NTT-domain vector `v`, taken back out of the NTT domain:
/// the vector <<c v>> of FIPS 204 Alg. 7, steps 17-18 and 21.
pub(crate) fn scale_inv_ntt(c_hat: &Poly, v_hat: &[Poly]) -> Vec<Poly> {
    v_hat
        .iter()
        .map(|p| {
            let mut r = Poly::pointwise(c_hat, p);
            r.inv_ntt();
            r
        })
        .collect()
}

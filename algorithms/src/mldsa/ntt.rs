//! The number-theoretic transform over Z_q[X]/(X^256 + 1) (FIPS 204 Alg. 41 and 42).
//!
//! Both transforms work in place on one polynomial and allocate nothing. The twiddle factors
//! zeta^brv8(m) (zeta = 1753, a 512th root of unity mod q) are computed at compile time, in
//! Montgomery form, so every butterfly multiplication is one Montgomery reduction.

use super::field::{Q, mul_mont, pow_mod, reduce32, to_mont};

/// FIPS 204 Alg. 41 (NTT). Input coefficients must be below q in absolute value; outputs are
/// below 9q in absolute value.
pub(crate) fn ntt(w: &mut [i32; 256]) {
    let mut zetas = ZETAS.iter().skip(1);
    let mut len = 128;
    while len >= 1 {
        for block in w.chunks_exact_mut(2 * len) {
            let zeta = zetas.next().copied().unwrap_or_default();
            let (low, high) = block.split_at_mut(len);
            for (a, b) in low.iter_mut().zip(high.iter_mut()) {
                let t = mul_mont(*b, zeta);
                *b = *a - t;
                *a += t;
            }
        }
        len >>= 1;
    }
}

/// FIPS 204 Alg. 42 (NTT^-1), with the result multiplied by the Montgomery factor 2^32.
///
/// After a pointwise Montgomery product (which divides by 2^32), this gives the plain inverse
/// transform of the product. Inputs may be any representatives below 2^31 - 2^22 in absolute
/// value; outputs are below q in absolute value.
pub(crate) fn inv_ntt_to_mont(w: &mut [i32; 256]) {
    for a in w.iter_mut() {
        *a = reduce32(*a);
    }
    let mut zetas = ZETAS.iter().rev();
    let mut len = 1;
    while len < 256 {
        for block in w.chunks_exact_mut(2 * len) {
            let zeta = -zetas.next().copied().unwrap_or_default();
            let (low, high) = block.split_at_mut(len);
            for (a, b) in low.iter_mut().zip(high.iter_mut()) {
                let t = *a;
                *a = t + *b;
                *b = mul_mont(t - *b, zeta);
            }
        }
        len <<= 1;
    }
    for a in w.iter_mut() {
        *a = mul_mont(*a, INV_256_MONT2);
    }
}

/// zeta^brv8(m) * 2^32 mod q for m = 0..256 (FIPS 204 Appendix B lists the plain values).
#[expect(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "compile-time table construction with m < 256"
)]
const ZETAS: [i32; 256] = {
    let mut table = [0i32; 256];
    let mut m = 0;
    while m < 256 {
        let exponent = (m as u8).reverse_bits() as u32;
        table[m] = to_mont(pow_mod(ZETA, exponent));
        m += 1;
    }
    table
};

/// The 512th root of unity of FIPS 204 §7.5.
const ZETA: i64 = 1753;

/// 256^-1 * 2^64 mod q = 2^56 mod q: one Montgomery product by it multiplies by 256^-1 * 2^32.
#[expect(
    clippy::cast_possible_truncation,
    reason = "a residue mod q fits in 32 bits"
)]
const INV_256_MONT2: i32 = pow_mod(2, 56) as i32;

const _: () = assert!(Q == 8_380_417);

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::mldsa::field::freeze;

    proptest! {
        /// NTT^-1(NTT(a)) = a, up to the Montgomery factor 2^32 the inverse adds.
        #[test]
        fn ntt_round_trips(coefficients in proptest::collection::vec(-(Q - 1)..Q, 256)) {
            let mut a = [0i32; 256];
            a.copy_from_slice(&coefficients);
            let mut w = a;
            ntt(&mut w);
            inv_ntt_to_mont(&mut w);
            let r = (1i64 << 32) % i64::from(Q);
            let expected = a.map(|x| (i64::from(x) * r).rem_euclid(i64::from(Q)) as i32);
            prop_assert_eq!(w.map(freeze), expected);
        }
    }

    /// zeta^brv8(m) for the first entries, as listed in FIPS 204 Appendix B.
    #[test]
    fn zetas_match_fips_204_appendix_b() {
        let plain: Vec<i64> = (0..16)
            .map(|m: usize| pow_mod(ZETA, u32::from((m as u8).reverse_bits())))
            .collect();
        assert_eq!(
            plain,
            [
                1, 4808194, 3765607, 3761513, 5178923, 5496691, 5234739, 5178987, 7778734, 3542485,
                2682288, 2129892, 3764867, 7375178, 557458, 7159240
            ]
        );
        assert_eq!(
            pow_mod(ZETA, 256),
            i64::from(Q) - 1,
            "zeta is a 512th root of -1"
        );
    }

    fn schoolbook(a: &[i32; 256], b: &[i32; 256]) -> [i32; 256] {
        let q = i64::from(Q);
        let mut c = [0i64; 256];
        for (i, &x) in a.iter().enumerate() {
            for (j, &y) in b.iter().enumerate() {
                let p = i64::from(x) * i64::from(y) % q;
                if i + j < 256 {
                    c[i + j] += p;
                } else {
                    c[i + j - 256] -= p;
                }
            }
        }
        c.map(|v| v.rem_euclid(q) as i32)
    }

    #[test]
    fn ntt_multiplies_in_the_ring() {
        let mut a = [0i32; 256];
        let mut b = [0i32; 256];
        for i in 0..256 {
            a[i] = ((i * 7919 + 13) % 8380417) as i32 - 4_000_000;
            b[i] = ((i * i * 31 + 5) % 17) as i32 - 8;
        }
        let expected = schoolbook(&a, &b);
        let (mut ah, mut bh) = (a, b);
        ntt(&mut ah);
        ntt(&mut bh);
        let mut c: [i32; 256] = std::array::from_fn(|i| {
            crate::mldsa::field::montgomery_reduce(i64::from(ah[i]) * i64::from(bh[i]))
        });
        inv_ntt_to_mont(&mut c);
        assert_eq!(c.map(freeze), expected);
    }
}

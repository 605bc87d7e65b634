//! Arithmetic modulo q = 8380417 (FIPS 204 §2.3) on signed 32-bit representatives.
//!
//! Coefficients are kept as `i32` in a lazily reduced form: most operations accept any
//! representative of bounded size and only [`freeze`] produces the canonical one in [0, q).
//! Products go through Montgomery reduction with R = 2^32. Everything here is branch-free: the
//! same instructions run whatever the (possibly secret) values are.

#![expect(
    clippy::cast_possible_truncation,
    reason = "Montgomery reduction keeps the low 32 bits of a product on purpose"
)]

/// The ML-DSA modulus q = 2^23 - 2^13 + 1.
pub(crate) const Q: i32 = 8_380_417;

/// q^-1 mod 2^32, by Newton's iteration (each step doubles the number of correct low bits).
const Q_INV: i32 = {
    let q = Q as u32;
    let mut inv = q; // correct to 3 bits, since q * q = 1 mod 8
    let mut step = 0;
    while step < 4 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(q.wrapping_mul(inv)));
        step += 1;
    }
    inv.cast_signed()
};

/// Returns a * 2^-32 mod q, in (-q, q), for |a| < q * 2^31.
pub(crate) const fn montgomery_reduce(a: i64) -> i32 {
    let t = (a as i32).wrapping_mul(Q_INV);
    ((a - t as i64 * Q as i64) >> 32) as i32
}

/// Returns a representative of a mod q in [-6283008, 6283008], for a < 2^31 - 2^22.
pub(crate) const fn reduce32(a: i32) -> i32 {
    // t = round(a / 2^23); since 2^23 is close to q, a - t q is small.
    let t = (a + (1 << 22)) >> 23;
    a - t * Q
}

/// Adds q to a negative a: maps (-q, q) to [0, q).
pub(crate) const fn caddq(a: i32) -> i32 {
    a + ((a >> 31) & Q)
}

/// The canonical representative of a mod q in [0, q), for a < 2^31 - 2^22.
pub(crate) const fn freeze(a: i32) -> i32 {
    caddq(reduce32(a))
}

/// Multiplies two field elements given in any representative below 2^31 in absolute value,
/// one of them in Montgomery form (times 2^32): the result is the plain product, in (-q, q).
pub(crate) const fn mul_mont(a: i32, b_mont: i32) -> i32 {
    montgomery_reduce(a as i64 * b_mont as i64)
}

/// b^e mod q for constants.
pub(crate) const fn pow_mod(base: i64, mut exp: u32) -> i64 {
    let q = Q as i64;
    let mut result = 1i64;
    let mut b = rem(base, q);
    while exp > 0 {
        if exp & 1 == 1 {
            result = rem(result * b, q);
        }
        b = rem(b * b, q);
        exp >>= 1;
    }
    result
}

/// Montgomery form of a constant: x * 2^32 mod q, centred in (-q/2, q/2].
pub(crate) const fn to_mont(x: i64) -> i32 {
    let q = Q as i64;
    let m = rem(rem(x, q) * rem(1i64 << 32, q), q);
    let centred = if m > q >> 1 { m - q } else { m };
    centred as i32
}

/// Euclidean remainder of public constants (never used on secret values).
const fn rem(a: i64, m: i64) -> i64 {
    a.rem_euclid(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_inv_is_the_inverse_of_q_mod_2_32() {
        assert_eq!(Q.wrapping_mul(Q_INV), 1);
    }

    #[test]
    fn montgomery_reduction_divides_by_2_32() {
        for a in [
            0i64,
            1,
            -1,
            12345678,
            -98765432,
            (Q as i64) << 30,
            -((Q as i64) << 30),
        ] {
            let r = montgomery_reduce(a);
            assert!(r.abs() < Q);
            let back = (r as i64 * (1i64 << 32) - a).rem_euclid(Q as i64);
            assert_eq!(back, 0, "a = {a}");
        }
    }

    #[test]
    fn freeze_is_canonical() {
        for a in [
            0,
            1,
            -1,
            Q,
            -Q,
            Q - 1,
            2 * Q + 5,
            -2 * Q - 5,
            i32::MAX - (1 << 22),
        ] {
            let r = freeze(a);
            assert!((0..Q).contains(&r));
            assert_eq!((r as i64 - a as i64).rem_euclid(Q as i64), 0, "a = {a}");
        }
    }
}

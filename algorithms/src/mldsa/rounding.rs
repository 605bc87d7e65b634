//! Rounding and hints (FIPS 204 §7.4, Alg. 35-40), branch-free on every value signing touches.
//!
//! Inputs are canonical representatives in [0, q) unless a function says otherwise.

use super::field::Q;
use super::params::D;

/// FIPS 204 Alg. 35 (Power2Round): r = r1 * 2^d + r0 with r0 in (-2^(d-1), 2^(d-1)].
pub(crate) const fn power2round(r: i32) -> (i32, i32) {
    let r1 = (r + (1 << (D - 1)) - 1) >> D;
    (r1, r - (r1 << D))
}

/// FIPS 204 Alg. 36 (Decompose): r = r1 * 2 gamma2 + r0 with r0 in (-gamma2, gamma2], except
/// that r1 = (q - 1) / (2 gamma2) is folded to 0 (and r0 lowered by one).
///
/// The quotient is a multiplication by a precomputed reciprocal, exact for every r in [0, q):
/// no division instruction, no branch.
pub(crate) const fn decompose(r: i32, gamma2: i32) -> (i32, i32) {
    let (reciprocal, top) = if gamma2 == GAMMA2_SMALL {
        (RECIPROCAL_SMALL, 44)
    } else {
        (RECIPROCAL_LARGE, 16)
    };
    // r1 = floor((r + gamma2 - 1) / (2 gamma2)) = ceil((r - gamma2) / (2 gamma2)).
    let r1 = ((((r + gamma2 - 1) as i64) * reciprocal) >> SHIFT) as i32;
    let r0 = r - r1 * 2 * gamma2;
    // All ones when r1 is the top value (then r - r0 = q - 1), else zero.
    let wrap = ((r1 ^ top) - 1) >> 31;
    (r1 & !wrap, r0 - (wrap & 1))
}

/// FIPS 204 Alg. 37 (HighBits).
pub(crate) const fn high_bits(r: i32, gamma2: i32) -> i32 {
    decompose(r, gamma2).0
}

/// FIPS 204 Alg. 38 (LowBits).
pub(crate) const fn low_bits(r: i32, gamma2: i32) -> i32 {
    decompose(r, gamma2).1
}

/// FIPS 204 Alg. 39 (MakeHint) in the form signing uses: 1 when HighBits(r) differs from
/// HighBits(r + z), given both sums canonical. Returns 0 or 1 without branching.
pub(crate) const fn make_hint(r: i32, r_plus_z: i32, gamma2: i32) -> i32 {
    let differ = high_bits(r, gamma2) ^ high_bits(r_plus_z, gamma2);
    ((differ | differ.wrapping_neg()) >> 31) & 1
}

/// FIPS 204 Alg. 40 (UseHint). Verification only: its inputs are public.
pub(crate) const fn use_hint(hint: bool, r: i32, gamma2: i32) -> i32 {
    let (r1, r0) = decompose(r, gamma2);
    let top = if gamma2 == GAMMA2_SMALL { 44 } else { 16 };
    if !hint {
        r1
    } else if r0 > 0 {
        if r1 + 1 == top { 0 } else { r1 + 1 }
    } else if r1 == 0 {
        top - 1
    } else {
        r1 - 1
    }
}

/// gamma2 = (q - 1) / 88 (ML-DSA-44).
const GAMMA2_SMALL: i32 = 95_232;
/// gamma2 = (q - 1) / 32 (ML-DSA-65 and ML-DSA-87).
const GAMMA2_LARGE: i32 = 261_888;

const _: () = assert!(88 * GAMMA2_SMALL == Q - 1 && 32 * GAMMA2_LARGE == Q - 1);

/// Shift of the reciprocal multiplication; 2^SHIFT exceeds (q + gamma2) * 2 gamma2, which makes
/// floor(n * ceil(2^SHIFT / m) / 2^SHIFT) = floor(n / m) for every n the functions see.
const SHIFT: u32 = 48;
const RECIPROCAL_SMALL: i64 = ceil_div(1 << SHIFT, 2 * GAMMA2_SMALL as i64);
const RECIPROCAL_LARGE: i64 = ceil_div(1 << SHIFT, 2 * GAMMA2_LARGE as i64);

#[expect(
    clippy::integer_division_remainder_used,
    reason = "only evaluated at compile time, on public constants"
)]
const fn ceil_div(a: i64, m: i64) -> i64 {
    (a + m - 1) / m
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// FIPS 204 Alg. 36 written with division and branches, to check the fast form.
    fn decompose_by_definition(r: i32, gamma2: i32) -> (i32, i32) {
        let m = 2 * gamma2;
        let mut r0 = r.rem_euclid(m);
        if r0 > gamma2 {
            r0 -= m;
        }
        if r - r0 == Q - 1 {
            (0, r0 - 1)
        } else {
            ((r - r0) / m, r0)
        }
    }

    #[test]
    fn decompose_agrees_with_the_definition_everywhere() {
        for gamma2 in [GAMMA2_SMALL, GAMMA2_LARGE] {
            for r in 0..Q {
                assert_eq!(
                    decompose(r, gamma2),
                    decompose_by_definition(r, gamma2),
                    "r = {r}"
                );
            }
        }
    }

    fn centred(x: i64) -> i32 {
        let r = x.rem_euclid(i64::from(Q));
        (if r > i64::from(Q) / 2 {
            r - i64::from(Q)
        } else {
            r
        }) as i32
    }

    proptest! {
        #[test]
        fn power2round_splits_r(r in 0..Q) {
            let (r1, r0) = power2round(r);
            prop_assert_eq!(r1 * (1 << D) + r0, r);
            prop_assert!(-(1 << (D - 1)) < r0 && r0 <= 1 << (D - 1));
        }

        /// FIPS 204 §7.4: UseHint(MakeHint(z, r), r) = HighBits(r + z) for ||z|| <= gamma2.
        #[test]
        fn use_hint_recovers_high_bits(r in 0..Q, z in -GAMMA2_LARGE..=GAMMA2_LARGE,
                                       large in any::<bool>()) {
            let gamma2 = if large { GAMMA2_LARGE } else { GAMMA2_SMALL };
            let z = z.clamp(-gamma2, gamma2);
            let r_plus_z = centred(i64::from(r) + i64::from(z)).rem_euclid(Q);
            let hint = make_hint(r, r_plus_z, gamma2) == 1;
            prop_assert_eq!(use_hint(hint, r, gamma2), high_bits(r_plus_z, gamma2));
        }

        /// HighBits and LowBits rebuild r modulo q, and LowBits stays in range.
        #[test]
        fn high_and_low_bits_rebuild_r(r in 0..Q, large in any::<bool>()) {
            let gamma2 = if large { GAMMA2_LARGE } else { GAMMA2_SMALL };
            let (r1, r0) = (high_bits(r, gamma2), low_bits(r, gamma2));
            let rebuilt = (i64::from(r1) * 2 * i64::from(gamma2) + i64::from(r0))
                .rem_euclid(i64::from(Q));
            prop_assert_eq!(rebuilt, i64::from(r));
            prop_assert!(-gamma2 <= r0 && r0 <= gamma2);
        }
    }
}

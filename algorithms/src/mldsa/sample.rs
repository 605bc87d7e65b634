//! The hash functions and samplers of FIPS 204: H and G (§3.7), SampleInBall (Alg. 29),
//! RejNTTPoly (Alg. 30), RejBoundedPoly (Alg. 31), ExpandA (Alg. 32), ExpandS (Alg. 33) and
//! ExpandMask (Alg. 34).
//!
//! # Side channels
//!
//! RejBoundedPoly reads secret-derived bytes and rejects some of them; which bytes are rejected
//! depends only on values that are thrown away, so the time it takes reveals nothing about the
//! coefficients kept. SampleInBall and RejNTTPoly work on public inputs (c-tilde is published
//! with the signature, and the challenge of a rejected attempt may be revealed without harm).
//! Squeezed buffers of secret-derived bytes are zeroized after use, and so is the SHAKE state
//! itself (the `sha3` crate's `zeroize` feature wipes it on drop).

use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::{Shake128, Shake256};
use zeroize::Zeroize;

use super::encode::unpack_offset;
use super::field::Q;
use super::params::Params;
use super::poly::{N, Poly};

/// H (FIPS 204 §3.7): SHAKE256 over the concatenation of `parts`, squeezed into `out`.
pub(crate) fn h(parts: &[&[u8]], out: &mut [u8]) {
    let mut xof = Shake256::default();
    for part in parts {
        xof.update(part);
    }
    xof.finalize_xof().read(out);
}

/// FIPS 204 Alg. 29 (SampleInBall): the challenge c with tau coefficients in {-1, 1}.
pub(crate) fn sample_in_ball(c_tilde: &[u8], tau: usize) -> Poly {
    let mut reader = Shake256::default().chain(c_tilde).finalize_xof();
    let mut block = [0u8; SHAKE256_RATE];
    reader.read(&mut block);
    // Steps 3-4: the first 8 bytes are the 64 sign bits h.
    let mut signs = block
        .first_chunk::<8>()
        .map_or(0, |first| u64::from_le_bytes(*first));
    let mut pos = 8;
    let mut c = Poly::default();
    for i in (N - tau)..N {
        // Steps 6-9: draw bytes until one is at most i.
        let j = loop {
            if pos == SHAKE256_RATE {
                reader.read(&mut block);
                pos = 0;
            }
            let j = usize::from(block.get(pos).copied().unwrap_or(u8::MAX));
            pos += 1;
            if j <= i {
                break j;
            }
        };
        // Steps 10-11: c_i = c_j, c_j = (-1)^h[i + tau - 256].
        let cj = c.0.get(j).copied().unwrap_or_default();
        if let Some(ci) = c.0.get_mut(i) {
            *ci = cj;
        }
        if let Some(cj) = c.0.get_mut(j) {
            *cj = 1 - 2 * i32::from(u8::from(signs & 1 == 1));
        }
        signs >>= 1;
    }
    c
}

/// FIPS 204 Alg. 30 (RejNTTPoly) on the seed rho || s || r: a uniform polynomial in the NTT
/// domain.
pub(crate) fn rej_ntt_poly(rho: &[u8; 32], s: u8, r: u8) -> Poly {
    let mut reader = Shake128::default().chain(rho).chain([s, r]).finalize_xof();
    let mut poly = Poly::default();
    let mut filled = 0;
    let mut block = [0u8; SHAKE128_RATE];
    while filled < N {
        reader.read(&mut block);
        for triple in block.chunks_exact(3) {
            // Alg. 14 (CoeffFromThreeBytes): 23 bits, top bit of the third byte cleared.
            let [b0, b1, b2] = [0, 1, 2].map(|i| triple.get(i).copied().unwrap_or_default());
            let z = i32::from(b0) | i32::from(b1) << 8 | i32::from(b2 & 0x7f) << 16;
            if z < Q
                && let Some(slot) = poly.0.get_mut(filled)
            {
                *slot = z;
                filled += 1;
            }
        }
    }
    poly
}

/// FIPS 204 Alg. 32 (ExpandA): the k x l matrix A in the NTT domain, row-major.
pub(crate) fn expand_a(rho: &[u8; 32], params: &Params) -> Vec<Poly> {
    let mut a = Vec::with_capacity(params.k * params.l);
    for r in 0..params.k {
        for s in 0..params.l {
            a.push(rej_ntt_poly(rho, byte(s), byte(r)));
        }
    }
    a
}

/// FIPS 204 Alg. 31 (RejBoundedPoly) on the 66-byte seed rho' || index: coefficients in
/// [-eta, eta].
pub(crate) fn rej_bounded_poly(rho_prime: &[u8; 64], index: u16, eta: i32) -> Poly {
    let mut reader = Shake256::default()
        .chain(rho_prime)
        .chain(index.to_le_bytes())
        .finalize_xof();
    let mut poly = Poly::default();
    let mut filled = 0;
    let mut block = [0u8; SHAKE256_RATE];
    while filled < N {
        reader.read(&mut block);
        for &z in &block {
            for half in [z & 0x0f, z >> 4] {
                if let Some(coefficient) = coeff_from_half_byte(half, eta)
                    && let Some(slot) = poly.0.get_mut(filled)
                {
                    *slot = coefficient;
                    filled += 1;
                }
            }
        }
    }
    block.zeroize();
    poly
}

/// FIPS 204 Alg. 33 (ExpandS): s1 (l polynomials) and s2 (k polynomials).
pub(crate) fn expand_s(rho_prime: &[u8; 64], params: &Params) -> (Vec<Poly>, Vec<Poly>) {
    let s1 = (0..params.l)
        .map(|r| rej_bounded_poly(rho_prime, index(r), params.eta))
        .collect();
    let s2 = (0..params.k)
        .map(|r| rej_bounded_poly(rho_prime, index(r + params.l), params.eta))
        .collect();
    (s1, s2)
}

/// FIPS 204 Alg. 34 (ExpandMask): the mask y (l polynomials, coefficients in (-gamma1,
/// gamma1]) for attempt counter kappa.
pub(crate) fn expand_mask(rho_pp: &[u8; 64], kappa: u16, params: &Params) -> Vec<Poly> {
    let bits = params.z_bits();
    let mut buffer = [0u8; 32 * 20];
    let bytes = buffer.get_mut(..32 * bits).unwrap_or_default();
    let mut y = Vec::with_capacity(params.l);
    for r in 0..params.l {
        let counter = kappa.wrapping_add(index(r));
        h(&[rho_pp, &counter.to_le_bytes()], bytes);
        let mut poly = Poly::default();
        unpack_offset(bytes, bits, params.gamma1, &mut poly);
        y.push(poly);
    }
    buffer.zeroize();
    y
}

/// FIPS 204 Alg. 15 (CoeffFromHalfByte).
fn coeff_from_half_byte(b: u8, eta: i32) -> Option<i32> {
    let b = i32::from(b);
    if eta == 2 && b < 15 {
        // 2 - (b mod 5), with b mod 5 = b - 5 floor(b / 5) and floor(b / 5) = (b * 205) >> 10
        // for b < 15: no division on secret-derived data.
        Some(2 - (b - 5 * ((b * 205) >> 10)))
    } else if eta == 4 && b < 9 {
        Some(4 - b)
    } else {
        None
    }
}

/// A matrix index as the one byte ExpandA appends (indices stay below 8).
fn byte(i: usize) -> u8 {
    u8::try_from(i).unwrap_or(u8::MAX)
}

/// A vector index as the two bytes ExpandS and ExpandMask append (indices stay below 16).
fn index(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// Rate of SHAKE128 in bytes: one squeeze block.
const SHAKE128_RATE: usize = 168;
/// Rate of SHAKE256 in bytes.
const SHAKE256_RATE: usize = 136;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mldsa::ParameterSet;

    #[test]
    fn challenge_has_tau_signs() {
        for set in ParameterSet::ALL {
            let tau = set.params().tau;
            for seed in 0u8..20 {
                let c = sample_in_ball(&[seed; 48], tau);
                assert_eq!(c.0.iter().filter(|&&x| x != 0).count(), tau);
                assert!(c.0.iter().all(|&x| (-1..=1).contains(&x)));
            }
        }
    }

    #[test]
    fn secrets_are_bounded() {
        for eta in [2, 4] {
            let p = rej_bounded_poly(&[7; 64], 3, eta);
            assert!(p.0.iter().all(|&x| (-eta..=eta).contains(&x)));
            assert!(p.0.contains(&eta) && p.0.contains(&-eta));
        }
        for b in 0u8..15 {
            assert_eq!(coeff_from_half_byte(b, 2), Some(2 - i32::from(b % 5)));
        }
    }

    #[test]
    fn matrix_entries_are_canonical() {
        let a = rej_ntt_poly(&[1; 32], 0, 1);
        assert!(a.0.iter().all(|&x| (0..Q).contains(&x)));
    }
}

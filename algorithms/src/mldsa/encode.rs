//! Bit packing and the encodings of keys and signatures (FIPS 204 §7.1-7.2, Alg. 16-28).
//!
//! Values are packed little-endian bit first, as FIPS 204's IntegerToBits and BitsToBytes
//! specify. Decoders take exactly sized inputs (the callers check lengths) and refuse what no
//! encoder produces.

#![expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    reason = "packed fields are at most 20 bits wide; range checks come before every cast"
)]

use zeroize::Zeroize;

use super::params::{D, POLY_BYTES_T0, POLY_BYTES_T1, Params};
use super::poly::{N, Poly};

/// The secret-key fields of FIPS 204 Alg. 24 / 25, decoded; the secret ones are zeroized on
/// drop.
pub(crate) struct SecretParts {
    pub(crate) rho: [u8; 32],
    pub(crate) key: [u8; 32],
    pub(crate) tr: [u8; 64],
    pub(crate) s1: Vec<Poly>,
    pub(crate) s2: Vec<Poly>,
    pub(crate) t0: Vec<Poly>,
}

impl Drop for SecretParts {
    fn drop(&mut self) {
        self.key.zeroize();
        self.s1.zeroize();
        self.s2.zeroize();
        self.t0.zeroize();
    }
}

/// FIPS 204 Alg. 16 (SimpleBitPack): coefficients in [0, 2^bits), appended to `out`.
pub(crate) fn simple_bit_pack(w: &Poly, bits: usize, out: &mut Vec<u8>) {
    pack(w.0.iter().map(|&x| x as u32), bits, out);
}

/// FIPS 204 Alg. 17 (BitPack): coefficients in [-a, b], stored as b - w.
pub(crate) fn bit_pack(w: &Poly, b: i32, bits: usize, out: &mut Vec<u8>) {
    pack(w.0.iter().map(|&x| (b - x) as u32), bits, out);
}

/// FIPS 204 Alg. 18 (SimpleBitUnpack): 256 values of `bits` bits from `bytes`.
pub(crate) fn simple_bit_unpack(bytes: &[u8], bits: usize, w: &mut Poly) {
    unpack(bytes, bits, w, |v| v as i32);
}

/// FIPS 204 Alg. 19 (BitUnpack): w = b - v for each packed v.
pub(crate) fn unpack_offset(bytes: &[u8], bits: usize, b: i32, w: &mut Poly) {
    unpack(bytes, bits, w, |v| b - v as i32);
}

/// FIPS 204 Alg. 22 (pkEncode).
pub(crate) fn pk_encode(rho: &[u8; 32], t1: &[Poly], params: &Params) -> Vec<u8> {
    let mut out = Vec::with_capacity(params.public_key_len());
    out.extend_from_slice(rho);
    for p in t1 {
        simple_bit_pack(p, T1_BITS, &mut out);
    }
    out
}

/// FIPS 204 Alg. 23 (pkDecode), for an input of exactly the public key length.
pub(crate) fn pk_decode(pk: &[u8], params: &Params) -> ([u8; 32], Vec<Poly>) {
    let (rho, rest) = split32(pk);
    let t1 = rest
        .chunks_exact(POLY_BYTES_T1)
        .take(params.k)
        .map(|chunk| {
            let mut p = Poly::default();
            simple_bit_unpack(chunk, T1_BITS, &mut p);
            p
        })
        .collect();
    (rho, t1)
}

/// FIPS 204 Alg. 24 (skEncode).
pub(crate) fn sk_encode(sk: &SecretParts, params: &Params) -> Vec<u8> {
    let mut out = Vec::with_capacity(params.secret_key_len());
    out.extend_from_slice(&sk.rho);
    out.extend_from_slice(&sk.key);
    out.extend_from_slice(&sk.tr);
    for p in sk.s1.iter().chain(&sk.s2) {
        bit_pack(p, params.eta, params.eta_bits(), &mut out);
    }
    for p in &sk.t0 {
        bit_pack(p, T0_OFFSET, D as usize, &mut out);
    }
    out
}

/// FIPS 204 Alg. 25 (skDecode), for an input of exactly the secret key length. Refuses
/// coefficients of s1 or s2 outside [-eta, eta], which no key generation produces.
pub(crate) fn sk_decode(sk: &[u8], params: &Params) -> Option<SecretParts> {
    let (rho, rest) = split32(sk);
    let (key, rest) = split32(rest);
    let (tr, rest) = rest.split_first_chunk::<64>()?;
    let eta_bytes = 32 * params.eta_bits();
    let (s_bytes, t0_bytes) = rest.split_at_checked((params.l + params.k) * eta_bytes)?;
    let mut s = Vec::with_capacity(params.l + params.k);
    for chunk in s_bytes.chunks_exact(eta_bytes) {
        let mut p = Poly::default();
        unpack_offset(chunk, params.eta_bits(), params.eta, &mut p);
        if p.0.iter().any(|&x| x < -params.eta) {
            p.zeroize();
            s.zeroize();
            return None;
        }
        s.push(p);
    }
    let s2 = s.split_off(params.l);
    let t0 = t0_bytes
        .chunks_exact(POLY_BYTES_T0)
        .map(|chunk| {
            let mut p = Poly::default();
            unpack_offset(chunk, D as usize, T0_OFFSET, &mut p);
            p
        })
        .collect();
    Some(SecretParts {
        rho,
        key,
        tr: *tr,
        s1: s,
        s2,
        t0,
    })
}

/// FIPS 204 Alg. 26 (sigEncode): c-tilde, z (coefficients in (-gamma1, gamma1]) and the hint.
pub(crate) fn sig_encode(c_tilde: &[u8], z: &[Poly], h: &[Poly], params: &Params) -> Vec<u8> {
    let mut out = Vec::with_capacity(params.signature_len());
    out.extend_from_slice(c_tilde);
    for p in z {
        bit_pack(p, params.gamma1, params.z_bits(), &mut out);
    }
    hint_bit_pack(h, params.omega, &mut out);
    out
}

/// A decoded signature.
pub(crate) struct SignatureParts<'a> {
    pub(crate) c_tilde: &'a [u8],
    pub(crate) z: Vec<Poly>,
    pub(crate) h: Vec<Poly>,
}

/// FIPS 204 Alg. 27 (sigDecode): `None` for a wrong length or a malformed hint.
pub(crate) fn sig_decode<'a>(sig: &'a [u8], params: &Params) -> Option<SignatureParts<'a>> {
    if sig.len() != params.signature_len() {
        return None;
    }
    let (c_tilde, rest) = sig.split_at_checked(params.c_tilde_len())?;
    let (z_bytes, hint) = rest.split_at_checked(params.l * params.z_poly_bytes())?;
    let z = z_bytes
        .chunks_exact(params.z_poly_bytes())
        .map(|chunk| {
            let mut p = Poly::default();
            unpack_offset(chunk, params.z_bits(), params.gamma1, &mut p);
            p
        })
        .collect();
    let h = hint_bit_unpack(hint, params.k, params.omega)?;
    Some(SignatureParts { c_tilde, z, h })
}

/// FIPS 204 Alg. 28 (w1Encode), appended to `out`.
pub(crate) fn w1_encode(w1: &[Poly], params: &Params, out: &mut Vec<u8>) {
    for p in w1 {
        simple_bit_pack(p, params.w1_bits(), out);
    }
}

/// FIPS 204 Alg. 20 (HintBitPack): the positions of the 1s, then the running count per
/// polynomial. The caller guarantees at most omega 1s.
fn hint_bit_pack(h: &[Poly], omega: usize, out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + omega + h.len(), 0);
    let (positions, counts) = out.get_mut(start..).unwrap_or_default().split_at_mut(omega);
    let mut index = 0;
    for (p, count) in h.iter().zip(counts.iter_mut()) {
        for (j, &bit) in p.0.iter().enumerate() {
            if bit != 0 {
                if let Some(slot) = positions.get_mut(index) {
                    *slot = j as u8;
                }
                index += 1;
            }
        }
        *count = index as u8;
    }
}

/// FIPS 204 Alg. 21 (HintBitUnpack): `None` when the counts decrease or pass omega, positions
/// within a polynomial are not strictly increasing, or unused position bytes are not zero.
fn hint_bit_unpack(y: &[u8], k: usize, omega: usize) -> Option<Vec<Poly>> {
    let (positions, counts) = y.split_at_checked(omega)?;
    let mut h = Vec::with_capacity(k);
    let mut index = 0;
    for &count in counts.get(..k)? {
        let count = usize::from(count);
        if count < index || count > omega {
            return None;
        }
        let mut p = Poly::default();
        let mut previous: Option<u8> = None;
        for &position in positions.get(index..count)? {
            if previous.is_some_and(|prev| prev >= position) {
                return None;
            }
            *p.0.get_mut(usize::from(position))? = 1;
            previous = Some(position);
        }
        index = count;
        h.push(p);
    }
    if positions.get(index..)?.iter().any(|&b| b != 0) {
        return None;
    }
    Some(h)
}

/// Appends 256 values of `bits` bits each, least significant bit first.
fn pack(values: impl Iterator<Item = u32>, bits: usize, out: &mut Vec<u8>) {
    let mut acc = 0u64;
    let mut filled = 0;
    for v in values {
        acc |= u64::from(v) << filled;
        filled += bits;
        while filled >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            filled -= 8;
        }
    }
}

/// Reads 256 values of `bits` bits each from `bytes` (at least 32 * bits long) into `w`.
fn unpack(bytes: &[u8], bits: usize, w: &mut Poly, map: impl Fn(u32) -> i32) {
    let mask = (1u64 << bits) - 1;
    let mut acc = 0u64;
    let mut filled = 0;
    let mut input = bytes.iter();
    for coefficient in &mut w.0 {
        while filled < bits {
            acc |= u64::from(input.next().copied().unwrap_or_default()) << filled;
            filled += 8;
        }
        *coefficient = map((acc & mask) as u32);
        acc >>= bits;
        filled -= bits;
    }
}

fn split32(bytes: &[u8]) -> ([u8; 32], &[u8]) {
    match bytes.split_first_chunk::<32>() {
        Some((head, rest)) => (*head, rest),
        None => ([0; 32], &[]),
    }
}

/// Bits of a t1 coefficient: bitlen(q - 1) - d = 10.
const T1_BITS: usize = 10;
/// t0 is packed as 2^(d-1) - t0.
const T0_OFFSET: i32 = 1 << (D - 1);

const _: () = assert!(N == 256 && POLY_BYTES_T1 == 32 * T1_BITS && POLY_BYTES_T0 == 32 * 13);

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::mldsa::ParameterSet;

    fn poly_in(lo: i32, hi: i32) -> impl Strategy<Value = Poly> {
        proptest::collection::vec(lo..=hi, N).prop_map(|v| {
            let mut p = Poly::default();
            p.0.copy_from_slice(&v);
            p
        })
    }

    proptest! {
        #[test]
        fn simple_bit_pack_round_trips(p in poly_in(0, (1 << 10) - 1)) {
            let mut bytes = Vec::new();
            simple_bit_pack(&p, 10, &mut bytes);
            prop_assert_eq!(bytes.len(), 320);
            let mut back = Poly::default();
            simple_bit_unpack(&bytes, 10, &mut back);
            prop_assert_eq!(back, p);
        }

        #[test]
        fn bit_pack_round_trips_for_every_field(
            eta2 in poly_in(-2, 2), eta4 in poly_in(-4, 4),
            t0 in poly_in(-(1 << 12) + 1, 1 << 12),
            z17 in poly_in(-(1 << 17) + 1, 1 << 17), z19 in poly_in(-(1 << 19) + 1, 1 << 19),
        ) {
            for (p, b, bits) in [(eta2, 2, 3), (eta4, 4, 4), (t0, 1 << 12, 13),
                                 (z17, 1 << 17, 18), (z19, 1 << 19, 20)] {
                let mut bytes = Vec::new();
                bit_pack(&p, b, bits, &mut bytes);
                prop_assert_eq!(bytes.len(), 32 * bits);
                let mut back = Poly::default();
                unpack_offset(&bytes, bits, b, &mut back);
                prop_assert_eq!(back, p);
            }
        }

        #[test]
        fn hint_round_trips(positions in proptest::collection::btree_set(0usize..N * 8, 0..=75)) {
            let params = ParameterSet::MlDsa87.params();
            let mut h = vec![Poly::default(); params.k];
            for pos in positions {
                h[pos / N].0[pos % N] = 1;
            }
            let mut bytes = Vec::new();
            hint_bit_pack(&h, params.omega, &mut bytes);
            prop_assert_eq!(bytes.len(), params.omega + params.k);
            prop_assert_eq!(hint_bit_unpack(&bytes, params.k, params.omega), Some(h));
        }

        #[test]
        fn keys_round_trip(set_index in 0usize..3, seed in any::<[u8; 32]>()) {
            let set = ParameterSet::ALL[set_index];
            let params = set.params();
            let (sk, pk) = crate::mldsa::key_gen(set, &seed);
            let sk_bytes = sk.encode();
            let parts = sk_decode(&sk_bytes, params).unwrap();
            prop_assert_eq!(sk_encode(&parts, params), sk_bytes.to_vec());
            let pk_bytes = pk.encode();
            let (rho, t1) = pk_decode(&pk_bytes, params);
            prop_assert_eq!(pk_encode(&rho, &t1, params), pk_bytes);
        }
    }

    #[test]
    fn malformed_hints_are_refused() {
        let (k, omega) = (4, 80);
        let mut good = vec![0u8; omega + k];
        good[0] = 3;
        good[1] = 9;
        good[omega..].copy_from_slice(&[2, 2, 2, 2]);
        assert!(hint_bit_unpack(&good, k, omega).is_some());
        let mut unordered = good.clone();
        unordered.swap(0, 1);
        assert!(
            hint_bit_unpack(&unordered, k, omega).is_none(),
            "positions must increase"
        );
        let mut decreasing = good.clone();
        decreasing[omega + 2] = 1;
        assert!(
            hint_bit_unpack(&decreasing, k, omega).is_none(),
            "counts must not decrease"
        );
        let mut too_many = good.clone();
        too_many[omega + 3] = 81;
        assert!(
            hint_bit_unpack(&too_many, k, omega).is_none(),
            "counts stay within omega"
        );
        let mut padding = good;
        padding[omega - 1] = 1;
        assert!(
            hint_bit_unpack(&padding, k, omega).is_none(),
            "unused bytes are zero"
        );
    }
}

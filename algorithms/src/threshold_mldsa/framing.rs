//! The 23-bit packing of w and t_S on the wire (q < 2^23); the message header and its checks
//! are in [`crate::framing`].

pub(crate) use crate::framing::{Framing, malformed};
use crate::mldsa::encode::{simple_bit_pack, simple_bit_unpack};
use crate::mldsa::field::Q;
use crate::mldsa::poly::Poly;

/// Bits per coefficient of w and t_S on the wire.
pub(crate) const W_BITS: usize = 23;

/// Bytes of one polynomial packed at [`W_BITS`].
pub(crate) const POLY_BYTES: usize = 32 * W_BITS;

/// Polynomials with coefficients in [0, q), packed at [`W_BITS`].
pub(crate) fn pack(polys: &[Poly]) -> Vec<u8> {
    let mut out = Vec::with_capacity(polys.len() * POLY_BYTES);
    for p in polys {
        simple_bit_pack(p, W_BITS, &mut out);
    }
    out
}

/// Exactly `count` polynomials packed at [`W_BITS`], every coefficient below q.
pub(crate) fn unpack(bytes: &[u8], count: usize) -> Result<Vec<Poly>, String> {
    if bytes.len() != count * POLY_BYTES {
        return Err(format!(
            "{} bytes, expected {}",
            bytes.len(),
            count * POLY_BYTES
        ));
    }
    bytes
        .chunks_exact(POLY_BYTES)
        .map(|chunk| {
            let mut p = Poly::default();
            simple_bit_unpack(chunk, W_BITS, &mut p);
            match p.0.iter().find(|&&x| x >= Q) {
                Some(bad) => Err(format!("coefficient {bad} is not below q = {Q}")),
                None => Ok(p),
            }
        })
        .collect()
}

//! The three ML-DSA parameter sets (FIPS 204 §4, Table 1) and the sizes derived from them.

/// An ML-DSA parameter set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParameterSet {
    /// ML-DSA-44, NIST security category 2.
    MlDsa44,
    /// ML-DSA-65, NIST security category 3.
    MlDsa65,
    /// ML-DSA-87, NIST security category 5.
    MlDsa87,
}

/// The numbers of one parameter set, named as in FIPS 204 Table 1.
#[derive(Debug)]
pub(crate) struct Params {
    /// Rows of the matrix A (and length of s2, t, w, h).
    pub(crate) k: usize,
    /// Columns of A (and length of s1, y, z).
    pub(crate) l: usize,
    /// Bound of the secret coefficients.
    pub(crate) eta: i32,
    /// Number of ±1 coefficients of the challenge c.
    pub(crate) tau: usize,
    /// tau * eta.
    pub(crate) beta: i32,
    /// Range of the mask y: coefficients in (-gamma1, gamma1].
    pub(crate) gamma1: i32,
    /// Low-order rounding range.
    pub(crate) gamma2: i32,
    /// Largest number of 1s in the hint h.
    pub(crate) omega: usize,
    /// Collision strength of c-tilde in bits; c-tilde has lambda / 4 bytes.
    pub(crate) lambda: usize,
}

impl ParameterSet {
    /// Every parameter set, smallest first.
    pub const ALL: [Self; 3] = [Self::MlDsa44, Self::MlDsa65, Self::MlDsa87];

    /// The FIPS 204 name, as NIST ACVP spells it: `ML-DSA-44`, `ML-DSA-65`, `ML-DSA-87`.
    pub fn name(self) -> &'static str {
        match self {
            Self::MlDsa44 => "ML-DSA-44",
            Self::MlDsa65 => "ML-DSA-65",
            Self::MlDsa87 => "ML-DSA-87",
        }
    }

    /// The parameter set of a FIPS 204 name, the inverse of [`ParameterSet::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|set| set.name() == name)
    }

    /// Length of an encoded public key (FIPS 204 Table 2).
    pub fn public_key_len(self) -> usize {
        self.params().public_key_len()
    }

    /// Length of an encoded (expanded) secret key (FIPS 204 Table 2).
    pub fn secret_key_len(self) -> usize {
        self.params().secret_key_len()
    }

    /// Length of an encoded signature (FIPS 204 Table 2).
    pub fn signature_len(self) -> usize {
        self.params().signature_len()
    }

    pub(crate) fn params(self) -> &'static Params {
        match self {
            Self::MlDsa44 => &ML_DSA_44,
            Self::MlDsa65 => &ML_DSA_65,
            Self::MlDsa87 => &ML_DSA_87,
        }
    }
}

impl Params {
    /// Bits per coefficient of s1 and s2 in the secret key: bitlen(2 eta).
    pub(crate) fn eta_bits(&self) -> usize {
        if self.eta == 2 { 3 } else { 4 }
    }

    /// Bits per coefficient of z in the signature: 1 + bitlen(gamma1 - 1).
    pub(crate) fn z_bits(&self) -> usize {
        if self.gamma1 == 1 << 17 { 18 } else { 20 }
    }

    /// Bits per coefficient of w1 in w1Encode: bitlen((q - 1) / (2 gamma2) - 1).
    pub(crate) fn w1_bits(&self) -> usize {
        if self.gamma2 == GAMMA2_88 { 6 } else { 4 }
    }

    /// Length of c-tilde in bytes: lambda / 4.
    pub(crate) fn c_tilde_len(&self) -> usize {
        self.lambda >> 2
    }

    pub(crate) fn public_key_len(&self) -> usize {
        32 + self.k * POLY_BYTES_T1
    }

    pub(crate) fn secret_key_len(&self) -> usize {
        32 + 32 + 64 + (self.k + self.l) * 32 * self.eta_bits() + self.k * POLY_BYTES_T0
    }

    pub(crate) fn signature_len(&self) -> usize {
        self.c_tilde_len() + self.l * 32 * self.z_bits() + self.omega + self.k
    }

    /// Bytes of one packed polynomial of z.
    pub(crate) fn z_poly_bytes(&self) -> usize {
        32 * self.z_bits()
    }

    /// Bytes of one packed polynomial of w1.
    pub(crate) fn w1_poly_bytes(&self) -> usize {
        32 * self.w1_bits()
    }
}

/// gamma2 = (q - 1) / 88, used by ML-DSA-44.
const GAMMA2_88: i32 = 95_232;
/// gamma2 = (q - 1) / 32, used by ML-DSA-65 and ML-DSA-87.
const GAMMA2_32: i32 = 261_888;

/// The number of dropped bits of t (FIPS 204 Table 1, d = 13).
pub(crate) const D: u32 = 13;
/// Bytes of a packed t1 polynomial: 256 coefficients of 10 bits.
pub(crate) const POLY_BYTES_T1: usize = 320;
/// Bytes of a packed t0 polynomial: 256 coefficients of 13 bits.
pub(crate) const POLY_BYTES_T0: usize = 416;

// FIPS 204 Table 1.
static ML_DSA_44: Params = Params {
    k: 4,
    l: 4,
    eta: 2,
    tau: 39,
    beta: 78,
    gamma1: 1 << 17,
    gamma2: GAMMA2_88,
    omega: 80,
    lambda: 128,
};

static ML_DSA_65: Params = Params {
    k: 6,
    l: 5,
    eta: 4,
    tau: 49,
    beta: 196,
    gamma1: 1 << 19,
    gamma2: GAMMA2_32,
    omega: 55,
    lambda: 192,
};

static ML_DSA_87: Params = Params {
    k: 8,
    l: 7,
    eta: 2,
    tau: 60,
    beta: 120,
    gamma1: 1 << 19,
    gamma2: GAMMA2_32,
    omega: 75,
    lambda: 256,
};

#[cfg(test)]
mod tests {
    use super::ParameterSet;

    #[test]
    fn sizes_match_fips_204_table_2() {
        let sizes: Vec<_> = ParameterSet::ALL
            .iter()
            .map(|s| (s.public_key_len(), s.secret_key_len(), s.signature_len()))
            .collect();
        assert_eq!(
            sizes,
            [(1312, 2560, 2420), (1952, 4032, 3309), (2592, 4896, 4627)]
        );
    }

    #[test]
    fn names_round_trip() {
        for set in ParameterSet::ALL {
            assert_eq!(ParameterSet::from_name(set.name()), Some(set));
        }
        assert_eq!(ParameterSet::from_name("ML-DSA-66"), None);
    }
}

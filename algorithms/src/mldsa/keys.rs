//! Keys, and the internal algorithms of FIPS 204 §6: ML-DSA.KeyGen_internal (Alg. 6),
//! ML-DSA.Sign_internal (Alg. 7) and ML-DSA.Verify_internal (Alg. 8).

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::encode::{self, SecretParts};
use super::params::{D, ParameterSet, Params};
use super::poly::{Poly, matrix_mul, ntt_vec, scale_inv_ntt};
use super::rounding::{high_bits, low_bits, make_hint, power2round, use_hint};
use super::sample::{expand_a, expand_mask, expand_s, h, sample_in_ball};
use super::{Error, field};

/// An ML-DSA signing key in expanded form, ready to sign.
///
/// It holds the fields of FIPS 204's secret key (rho, K, tr, s1, s2, t0) together with their
/// NTT-domain forms and the expanded public matrix, so that a signature costs only the signing
/// loop. Secret fields are zeroized on drop; `Debug` prints the parameter set only.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SigningKey {
    #[zeroize(skip)]
    set: ParameterSet,
    rho: [u8; 32],
    key: [u8; 32],
    tr: [u8; 64],
    s1: Vec<Poly>,
    s2: Vec<Poly>,
    t0: Vec<Poly>,
    s1_hat: Vec<Poly>,
    s2_hat: Vec<Poly>,
    t0_hat: Vec<Poly>,
    a_hat: Vec<Poly>,
    t1: Vec<Poly>,
}

/// An ML-DSA verifying (public) key.
#[derive(Clone)]
pub struct VerifyingKey {
    set: ParameterSet,
    encoded: Vec<u8>,
    tr: [u8; 64],
    a_hat: Vec<Poly>,
    /// NTT(t1 * 2^d), the term verification subtracts (FIPS 204 Alg. 8, step 9).
    t1_shifted_hat: Vec<Poly>,
}

/// FIPS 204 Alg. 6 (ML-DSA.KeyGen_internal): the key pair of the 32-byte seed xi.
pub fn key_gen(set: ParameterSet, seed: &[u8; 32]) -> (SigningKey, VerifyingKey) {
    let params = set.params();
    // Step 1: (rho, rho', K) = H(xi || k || l, 128).
    let mut expanded = Zeroizing::new([0u8; 128]);
    h(
        &[seed, &[byte(params.k), byte(params.l)]],
        expanded.as_mut_slice(),
    );
    let (rho, rest) = split::<32>(expanded.as_slice());
    let (rho_prime, rest) = split::<64>(rest);
    let key = Zeroizing::new(split::<32>(rest).0);
    let rho_prime = Zeroizing::new(rho_prime);
    // Steps 3-4: A-hat = ExpandA(rho), (s1, s2) = ExpandS(rho').
    let a_hat = expand_a(&rho, params);
    let (s1, s2) = expand_s(&rho_prime, params);
    // Steps 5-6: t = NTT^-1(A-hat o NTT(s1)) + s2, (t1, t0) = Power2Round(t).
    let s1_hat = ntt_vec(&s1);
    let (t1, t0) = split_t(&a_hat, &s1_hat, &s2);
    // Steps 8-9: pk = pkEncode(rho, t1), tr = H(pk, 64).
    let encoded = encode::pk_encode(&rho, &t1, params);
    let mut tr = [0u8; 64];
    h(&[&encoded], &mut tr);
    let verifying = VerifyingKey::from_parts(set, encoded, tr, a_hat.clone(), &t1);
    let signing = SigningKey::from_parts(set, rho, &key, tr, [s1, s2, t0], s1_hat, a_hat, t1);
    (signing, verifying)
}

impl SigningKey {
    /// The signing key of the 32-byte seed xi (FIPS 204 Alg. 6), the compact key format.
    pub fn from_seed(set: ParameterSet, seed: &[u8; 32]) -> Self {
        key_gen(set, seed).0
    }

    /// Decodes an expanded secret key (FIPS 204 Alg. 25, skDecode).
    ///
    /// Beyond the length, it checks what skDecode leaves to the caller: s1 and s2 within
    /// [-eta, eta], t0 equal to the low bits of A s1 + s2, and tr equal to the hash of the
    /// public key those values imply. A key that passes signs exactly as FIPS 204 says.
    ///
    /// # Errors
    ///
    /// [`Error::Length`] for a wrong length, [`Error::MalformedSecretKey`] for a key that no
    /// key generation can have produced.
    pub fn decode(set: ParameterSet, expanded: &[u8]) -> Result<Self, Error> {
        let params = set.params();
        check_len("secret key", set, params.secret_key_len(), expanded.len())?;
        let parts = encode::sk_decode(expanded, params).ok_or(Error::MalformedSecretKey {
            set: set.name(),
            reason: "a coefficient of s1 or s2 is outside [-eta, eta]",
        })?;
        let a_hat = expand_a(&parts.rho, params);
        let s1_hat = ntt_vec(&parts.s1);
        let (t1, t0) = split_t(&a_hat, &s1_hat, &parts.s2);
        if !bool::from(ct_eq_vec(&t0, &parts.t0)) {
            return Err(Error::MalformedSecretKey {
                set: set.name(),
                reason: "t0 does not match rho, s1 and s2",
            });
        }
        let mut tr = [0u8; 64];
        h(&[&encode::pk_encode(&parts.rho, &t1, params)], &mut tr);
        if !bool::from(tr.ct_eq(&parts.tr)) {
            return Err(Error::MalformedSecretKey {
                set: set.name(),
                reason: "tr is not the hash of the public key",
            });
        }
        let mut parts = parts;
        let secrets = [
            std::mem::take(&mut parts.s1),
            std::mem::take(&mut parts.s2),
            std::mem::take(&mut parts.t0),
        ];
        Ok(Self::from_parts(
            set, parts.rho, &parts.key, parts.tr, secrets, s1_hat, a_hat, t1,
        ))
    }

    /// The expanded secret key encoding (FIPS 204 Alg. 24, skEncode).
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let parts = SecretParts {
            rho: self.rho,
            key: self.key,
            tr: self.tr,
            s1: self.s1.clone(),
            s2: self.s2.clone(),
            t0: self.t0.clone(),
        };
        // `parts` holds copies of the secrets; dropping it wipes them.
        Zeroizing::new(encode::sk_encode(&parts, self.set.params()))
    }

    /// The parameter set.
    pub fn parameter_set(&self) -> ParameterSet {
        self.set
    }

    /// The matching verifying key.
    pub fn verifying_key(&self) -> VerifyingKey {
        let params = self.set.params();
        let encoded = encode::pk_encode(&self.rho, &self.t1, params);
        VerifyingKey::from_parts(self.set, encoded, self.tr, self.a_hat.clone(), &self.t1)
    }

    /// tr = H(pk, 64), the public-key hash that prefixes every message representative.
    pub fn tr(&self) -> &[u8; 64] {
        &self.tr
    }

    /// FIPS 204 Alg. 7 (ML-DSA.Sign_internal) on the message representative M' as given.
    /// `rnd` is 32 fresh random bytes for hedged signing, or 32 zero bytes for the
    /// deterministic variant.
    pub fn sign_internal(&self, m_prime: &[u8], rnd: &[u8; 32]) -> Vec<u8> {
        self.sign_mu(&mu(&self.tr, &[m_prime]), rnd)
    }

    /// FIPS 204 Alg. 7 from step 7 on, with mu = H(tr || M', 64) computed by the caller (the
    /// external-mu form: the signer never sees the message).
    ///
    /// # Security
    ///
    /// `rnd` must be fresh randomness for every signature unless deterministic signing is
    /// wanted; the same `rnd` with a different key or message is harmless, but hedging is what
    /// protects against fault attacks.
    pub fn sign_mu(&self, mu: &[u8; 64], rnd: &[u8; 32]) -> Vec<u8> {
        let params = self.set.params();
        // Step 7: rho'' = H(K || rnd || mu, 64).
        let mut rho_pp = Zeroizing::new([0u8; 64]);
        h(&[&self.key, rnd, mu], rho_pp.as_mut_slice());
        // Steps 8-32: the rejection loop; kappa advances by l per attempt.
        let mut kappa: u16 = 0;
        loop {
            if let Some(signature) = self.attempt(params, mu, &rho_pp, kappa) {
                return signature;
            }
            kappa = kappa.wrapping_add(u16::try_from(params.l).unwrap_or(u16::MAX));
        }
    }

    /// One attempt of the signing loop (FIPS 204 Alg. 7, steps 11-31): a signature, or `None`
    /// when a bound check rejects it. Only that outcome depends on the secrets through a
    /// branch.
    fn attempt(
        &self,
        params: &Params,
        mu: &[u8; 64],
        rho_pp: &[u8; 64],
        kappa: u16,
    ) -> Option<Vec<u8>> {
        // Steps 11-13: y = ExpandMask(rho'', kappa), w = NTT^-1(A-hat o NTT(y)).
        let mut y = Secret(expand_mask(rho_pp, kappa, params));
        let mut w = Secret(matrix_mul(&self.a_hat, &Secret(ntt_vec(&y.0)).0));
        for p in &mut w.0 {
            p.inv_ntt();
            p.caddq();
        }
        // Steps 14-15: w1 = HighBits(w), c-tilde = H(mu || w1Encode(w1), lambda / 4).
        let w1: Vec<Poly> =
            w.0.iter()
                .map(|p| map(p, |r| high_bits(r, params.gamma2)))
                .collect();
        let mut w1_bytes = Vec::with_capacity(params.k * params.w1_poly_bytes());
        encode::w1_encode(&w1, params, &mut w1_bytes);
        let mut c_tilde = vec![0u8; params.c_tilde_len()];
        h(&[mu, &w1_bytes], &mut c_tilde);
        // Steps 16-18: c = SampleInBall(c-tilde), <<c s1>>, <<c s2>>.
        let mut c_hat = sample_in_ball(&c_tilde, params.tau);
        c_hat.ntt();
        let cs1 = Secret(scale_inv_ntt(&c_hat, &self.s1_hat));
        let cs2 = Secret(scale_inv_ntt(&c_hat, &self.s2_hat));
        // Steps 19-20: z = y + <<c s1>>, r0 = LowBits(w - <<c s2>>); y and w are not needed
        // afterwards, so both are updated in place.
        for (yi, ci) in y.0.iter_mut().zip(&cs1.0) {
            yi.add_assign(ci);
            yi.reduce();
        }
        let z = y;
        for (wi, ci) in w.0.iter_mut().zip(&cs2.0) {
            wi.sub_assign(ci);
            *wi = map(wi, field::freeze);
        }
        let w_minus_cs2 = w;
        let r0 = Secret(
            w_minus_cs2
                .0
                .iter()
                .map(|p| map(p, |r| low_bits(r, params.gamma2)))
                .collect(),
        );
        // Step 23: reject when ||z|| >= gamma1 - beta or ||r0|| >= gamma2 - beta. Both scans
        // run in full before the single public decision.
        let z_over = any_exceeds(&z.0, params.gamma1 - params.beta);
        let r0_over = any_exceeds(&r0.0, params.gamma2 - params.beta);
        if z_over | r0_over {
            return None;
        }
        // Steps 25-26: <<c t0>>, h = MakeHint(-<<c t0>>, w - <<c s2>> + <<c t0>>).
        let mut ct0 = Secret(scale_inv_ntt(&c_hat, &self.t0_hat));
        for p in &mut ct0.0 {
            p.reduce();
        }
        let hint: Vec<Poly> = w_minus_cs2
            .0
            .iter()
            .zip(&ct0.0)
            .map(|(r, ct)| {
                let mut sum = r.clone();
                sum.add_assign(ct);
                Poly(std::array::from_fn(|j| {
                    let with_ct0 = field::freeze(sum.0.get(j).copied().unwrap_or_default());
                    let without = r.0.get(j).copied().unwrap_or_default();
                    make_hint(with_ct0, without, params.gamma2)
                }))
            })
            .collect();
        // Step 28: reject when ||<<c t0>>|| >= gamma2 or h has more than omega ones.
        let ones: i32 = hint.iter().flat_map(|p| p.0.iter()).sum();
        let too_many = usize::try_from(ones).map_or(true, |n| n > params.omega);
        if any_exceeds(&ct0.0, params.gamma2) | too_many {
            return None;
        }
        // Step 33: sigma = sigEncode(c-tilde, z mod+- q, h).
        Some(encode::sig_encode(&c_tilde, &z.0, &hint, params))
    }

    /// Assembles a key from FIPS 204's secret-key fields (`[s1, s2, t0]`), NTT(s1) (which every
    /// caller has already computed), the expanded matrix and t1.
    #[expect(
        clippy::too_many_arguments,
        reason = "the fields of FIPS 204's secret key, in the standard's order"
    )]
    fn from_parts(
        set: ParameterSet,
        rho: [u8; 32],
        key: &[u8; 32],
        tr: [u8; 64],
        [s1, s2, t0]: [Vec<Poly>; 3],
        s1_hat: Vec<Poly>,
        a_hat: Vec<Poly>,
        t1: Vec<Poly>,
    ) -> Self {
        let (s2_hat, t0_hat) = (ntt_vec(&s2), ntt_vec(&t0));
        Self {
            set,
            rho,
            key: *key,
            tr,
            s1,
            s2,
            t0,
            s1_hat,
            s2_hat,
            t0_hat,
            a_hat,
            t1,
        }
    }
}

impl VerifyingKey {
    /// Decodes a public key (FIPS 204 Alg. 23, pkDecode). Every byte string of the right
    /// length is a public key.
    ///
    /// # Errors
    ///
    /// [`Error::Length`] when `bytes` is not the public key length of `set`.
    pub fn decode(set: ParameterSet, bytes: &[u8]) -> Result<Self, Error> {
        let params = set.params();
        check_len("public key", set, params.public_key_len(), bytes.len())?;
        let (rho, t1) = encode::pk_decode(bytes, params);
        let mut tr = [0u8; 64];
        h(&[bytes], &mut tr);
        Ok(Self::from_parts(
            set,
            bytes.to_vec(),
            tr,
            expand_a(&rho, params),
            &t1,
        ))
    }

    /// The encoding (FIPS 204 Alg. 22, pkEncode).
    pub fn encode(&self) -> Vec<u8> {
        self.encoded.clone()
    }

    /// The encoding, borrowed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.encoded
    }

    /// The parameter set.
    pub fn parameter_set(&self) -> ParameterSet {
        self.set
    }

    /// tr = H(pk, 64).
    pub fn tr(&self) -> &[u8; 64] {
        &self.tr
    }

    /// FIPS 204 Alg. 8 (ML-DSA.Verify_internal) on the message representative M' as given.
    pub fn verify_internal(&self, m_prime: &[u8], signature: &[u8]) -> bool {
        self.verify_mu(&mu(&self.tr, &[m_prime]), signature)
    }

    /// FIPS 204 Alg. 8 with mu = H(tr || M', 64) given by the caller (external mu).
    ///
    /// Any malformed signature (wrong length, bad hint encoding, z out of range) is simply
    /// invalid.
    pub fn verify_mu(&self, mu: &[u8; 64], signature: &[u8]) -> bool {
        let params = self.set.params();
        // Step 2: (c-tilde, z, h) = sigDecode(sigma); step 3: a malformed hint is invalid.
        let Some(sig) = encode::sig_decode(signature, params) else {
            return false;
        };
        // Step 13: ||z|| < gamma1 - beta (checked first: it is cheap).
        if any_exceeds(&sig.z, params.gamma1 - params.beta) {
            return false;
        }
        // Steps 8-9: c = SampleInBall(c-tilde), w'_approx = NTT^-1(A z - c t1 2^d).
        let mut c_hat = sample_in_ball(sig.c_tilde, params.tau);
        c_hat.ntt();
        let w = self.approx_w(&c_hat, &sig.z);
        // Step 10: w1' = UseHint(h, w'_approx).
        let w1: Vec<Poly> = w
            .iter()
            .zip(&sig.h)
            .map(|(wi, hi)| {
                Poly(std::array::from_fn(|j| {
                    let hint = hi.0.get(j).is_some_and(|&b| b == 1);
                    use_hint(
                        hint,
                        wi.0.get(j).copied().unwrap_or_default(),
                        params.gamma2,
                    )
                }))
            })
            .collect();
        // Steps 12-13: c-tilde' = H(mu || w1Encode(w1'), lambda / 4) must equal c-tilde.
        let mut w1_bytes = Vec::with_capacity(params.k * params.w1_poly_bytes());
        encode::w1_encode(&w1, params, &mut w1_bytes);
        let mut c_tilde = vec![0u8; params.c_tilde_len()];
        h(&[mu, &w1_bytes], &mut c_tilde);
        // Public values: an ordinary comparison.
        c_tilde == sig.c_tilde
    }

    fn from_parts(
        set: ParameterSet,
        encoded: Vec<u8>,
        tr: [u8; 64],
        a_hat: Vec<Poly>,
        t1: &[Poly],
    ) -> Self {
        let t1_shifted_hat = t1
            .iter()
            .map(|p| {
                let mut p = p.clone();
                p.shift_left(D);
                p.ntt();
                p
            })
            .collect();
        Self {
            set,
            encoded,
            tr,
            a_hat,
            t1_shifted_hat,
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, ..)", self.set.name())
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({}, tr ", self.set.name())?;
        for b in self.tr.get(..8).unwrap_or_default() {
            write!(f, "{b:02x}")?;
        }
        f.write_str("..)")
    }
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.set == other.set && self.encoded == other.encoded
    }
}

impl Eq for VerifyingKey {}

impl VerifyingKey {
    /// The verifying key of a whole t = A s1 + s2 (coefficients in [0, q)), for schemes that
    /// assemble t from parts (threshold key generation sums one t per subset secret).
    pub(crate) fn from_t(set: ParameterSet, rho: &[u8; 32], a_hat: Vec<Poly>, t: &[Poly]) -> Self {
        let params = set.params();
        let t1: Vec<Poly> = t
            .iter()
            .map(|ti| Poly(ti.0.map(|r| power2round(field::freeze(r)).0)))
            .collect();
        let encoded = encode::pk_encode(rho, &t1, params);
        let mut tr = [0u8; 64];
        h(&[&encoded], &mut tr);
        Self::from_parts(set, encoded, tr, a_hat, &t1)
    }

    /// w'_approx = NTT^-1(A NTT(z) - NTT(c) NTT(t1 2^d)) (FIPS 204 Alg. 8, step 9), coefficients
    /// in [0, q), for z of centred coefficients below q in magnitude.
    pub(crate) fn approx_w(&self, c_hat: &Poly, z: &[Poly]) -> Vec<Poly> {
        let mut w = matrix_mul(&self.a_hat, &ntt_vec(z));
        for (wi, ti) in w.iter_mut().zip(&self.t1_shifted_hat) {
            wi.sub_assign(&Poly::pointwise(c_hat, ti));
            wi.inv_ntt();
            wi.caddq();
        }
        w
    }

    /// NTT(A), row-major k x l.
    pub(crate) fn a_hat(&self) -> &[Poly] {
        &self.a_hat
    }
}

/// mu = H(tr || parts, 64) (FIPS 204 Alg. 7, step 6, with M' given in pieces so that a large
/// message is never copied).
pub(crate) fn mu(tr: &[u8; 64], m_prime: &[&[u8]]) -> [u8; 64] {
    let mut parts: Vec<&[u8]> = Vec::with_capacity(m_prime.len() + 1);
    parts.push(tr);
    parts.extend_from_slice(m_prime);
    let mut out = [0u8; 64];
    h(&parts, &mut out);
    out
}

/// A vector of polynomials holding secret intermediate values, zeroized on drop.
struct Secret(Vec<Poly>);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// t = NTT^-1(A-hat o s1-hat) + s2, split by Power2Round into (t1, t0) (FIPS 204 Alg. 6,
/// steps 5-6).
fn split_t(a_hat: &[Poly], s1_hat: &[Poly], s2: &[Poly]) -> (Vec<Poly>, Vec<Poly>) {
    let mut t = Secret(matrix_mul(a_hat, s1_hat));
    let mut t1 = Vec::with_capacity(s2.len());
    let mut t0 = Vec::with_capacity(s2.len());
    for (ti, s2i) in t.0.iter_mut().zip(s2) {
        ti.inv_ntt();
        ti.add_assign(s2i);
        let (mut high, mut low) = (Poly::default(), Poly::default());
        for ((r, r1), r0) in ti.0.iter().zip(&mut high.0).zip(&mut low.0) {
            (*r1, *r0) = power2round(field::freeze(*r));
        }
        t1.push(high);
        t0.push(low);
    }
    (t1, t0)
}

/// Whether any polynomial of `v` has a coefficient of absolute value >= bound; every
/// polynomial is scanned whatever the answer.
fn any_exceeds(v: &[Poly], bound: i32) -> bool {
    v.iter().fold(false, |over, p| over | p.exceeds(bound))
}

/// Constant-time equality of two vectors of secret polynomials of the same shape.
fn ct_eq_vec(a: &[Poly], b: &[Poly]) -> subtle::Choice {
    let same_len = subtle::Choice::from(u8::from(a.len() == b.len()));
    a.iter().zip(b).fold(same_len, |acc, (x, y)| {
        acc & x
            .0
            .iter()
            .zip(&y.0)
            .fold(subtle::Choice::from(1), |c, (p, q)| c & p.ct_eq(q))
    })
}

fn map(p: &Poly, f: impl Fn(i32) -> i32) -> Poly {
    Poly(p.0.map(f))
}

fn check_len(
    what: &'static str,
    set: ParameterSet,
    expected: usize,
    got: usize,
) -> Result<(), Error> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::Length {
            what,
            set: set.name(),
            expected,
            got,
        })
    }
}

fn split<const LEN: usize>(bytes: &[u8]) -> ([u8; LEN], &[u8]) {
    match bytes.split_first_chunk::<LEN>() {
        Some((head, rest)) => (*head, rest),
        None => ([0; LEN], &[]),
    }
}

fn byte(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

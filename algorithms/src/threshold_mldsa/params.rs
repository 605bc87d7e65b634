//! The published parameters of threshold ML-DSA, one row per level and (T, N).
//!
//! Source: Celi, del Pino, Espitau, Niot, Prest, "Efficient Threshold ML-DSA" (IACR ePrint
//! 2026/013, USENIX Security 2026), Figs. 9-11: the number of parallel slots K, the acceptance
//! radius r and the sampling radius r' for every 2 <= T <= N <= 6, with nu = 3 / 6 / 7 for
//! ML-DSA-44 / 65 / 87. These are used exactly as printed, never rescaled. Three further columns
//! come from the project's digest of the paper (`shared/threshold-mldsa.md` §5): the measured
//! probability that one attempt yields a signature (with two standard errors), and log2 of the
//! signing budget Q_s of the paper's Theorem 3.2 recomputed at each row's own slack.
//!
//! Keys with a required party ("user and t of n", [`Structure::Required`]) use the rows of
//! `derived.rs` instead, which this project derived with the paper's procedure
//! ([`super::derivation`]).

use thiserror::Error;

use crate::mldsa::ParameterSet;

use super::derived;
use super::partition::Structure;

/// The smallest number of signers the scheme supports.
pub const MIN_THRESHOLD: u8 = 2;

/// The largest number of key holders the scheme supports.
pub const MAX_PARTIES: u8 = 6;

/// How a row of a key with a required party was derived (`derived.rs`); see [`super::derivation`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Derivation {
    /// The design bound B on a signer's ||c s_part||_nu, for the row's
    /// [`ThresholdParams::max_load`].
    pub bound: f64,
    /// The design slack phi the radii were computed with.
    pub slack: f64,
    /// e = -log2 p, the target probability p that all signers accept a slot.
    pub target: f64,
    /// p_glob: the measured probability that a slot all signers accepted passes Combine.
    pub combine_pass: f64,
    /// Slots all signers accepted, over which [`Self::combine_pass`] was measured.
    pub combine_samples: u64,
    /// Slots of the whole protocol simulated to measure [`ThresholdParams::attempt_success`].
    pub protocol_slots: u64,
}

/// The parameters of one (level, T, N) configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThresholdParams {
    /// The ML-DSA parameter set.
    pub set: ParameterSet,
    /// Signers per signature (T).
    pub threshold: u8,
    /// Key holders (N).
    pub parties: u8,
    /// The most subset secrets one signer combines: ceil(C(N, T-1) / T).
    pub max_load: u8,
    /// Parallel slots per signing attempt (K).
    pub slots: usize,
    /// Acceptance radius r of the per-party rejection step.
    pub r: u32,
    /// Sampling radius r' of the hyperball the masks come from (r' > r).
    pub r_prime: u32,
    /// Stretch nu of the first n*l coordinates of the mask.
    pub nu: u32,
    /// Communication per party per attempt as printed in the paper, in kB.
    pub paper_kb: f64,
    /// Measured probability that one attempt yields a signature.
    pub attempt_success: f64,
    /// Two standard errors of [`Self::attempt_success`].
    pub attempt_success_2se: f64,
    /// log2 of the signing budget Q_s (calls to the honest signers' oracles).
    pub log2_budget: f64,
    /// Whether the row is for a key with a required party ([`Structure::Required`]): then
    /// [`Self::threshold`] and [`Self::parties`] count the required party too, and
    /// [`Self::paper_kb`] is this project's 32 + K (w + z) bytes, not a printed value.
    pub required: bool,
    /// For a derived row, the inputs and measurements it came from.
    pub derivation: Option<Derivation>,
}

/// A configuration the scheme does not cover.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{}", self.describe())]
pub struct UnsupportedConfig {
    /// The threshold asked for.
    pub threshold: usize,
    /// The number of parties asked for.
    pub parties: usize,
    /// Whether a required party was asked for.
    pub required: bool,
}

impl UnsupportedConfig {
    fn describe(&self) -> String {
        let (t, n) = (self.threshold, self.parties);
        if self.required {
            format!(
                "threshold ML-DSA with a required party supports the required party and 1 <= t \
                 <= n <= {} others (threshold t + 1 of n + 1 parties); {t}-of-{n} with a \
                 required party is outside that range",
                MAX_PARTIES - 1
            )
        } else {
            format!(
                "threshold ML-DSA supports {MIN_THRESHOLD} <= T <= N <= {MAX_PARTIES}; \
                 {t}-of-{n} is outside that range"
            )
        }
    }
}

impl ThresholdParams {
    /// The parameters of `set` for `threshold`-of-`parties`.
    ///
    /// # Errors
    ///
    /// Returns [`UnsupportedConfig`] unless 2 <= threshold <= parties <= 6.
    pub fn lookup(
        set: ParameterSet,
        threshold: usize,
        parties: usize,
    ) -> Result<&'static Self, UnsupportedConfig> {
        table(set)
            .iter()
            .find(|p| usize::from(p.threshold) == threshold && usize::from(p.parties) == parties)
            .ok_or(UnsupportedConfig {
                threshold,
                parties,
                required: false,
            })
    }

    /// The parameters of `set` for `threshold`-of-`parties`, with or without a required party.
    /// With one, `threshold` and `parties` count it too: "the user and t of n providers" is
    /// `threshold` t + 1 of `parties` n + 1. Cheap: a table look-up.
    ///
    /// # Errors
    ///
    /// Returns [`UnsupportedConfig`] outside the tables: without a required party unless
    /// 2 <= threshold <= parties <= 6, with one unless 2 <= threshold <= parties <= 6 as well
    /// (1 <= t <= n <= 5).
    pub fn lookup_with_required(
        set: ParameterSet,
        threshold: usize,
        parties: usize,
        required: bool,
    ) -> Result<&'static Self, UnsupportedConfig> {
        if !required {
            return Self::lookup(set, threshold, parties);
        }
        derived::table(set)
            .iter()
            .find(|p| usize::from(p.threshold) == threshold && usize::from(p.parties) == parties)
            .ok_or(UnsupportedConfig {
                threshold,
                parties,
                required: true,
            })
    }

    /// Every configuration with a required party, of every level: 45 rows.
    pub fn all_with_required() -> impl Iterator<Item = &'static Self> {
        ParameterSet::ALL
            .into_iter()
            .flat_map(|set| derived::table(set).iter())
    }

    /// The access structure the row's keys are shared for.
    pub fn structure(&self) -> Structure {
        if self.required {
            Structure::Required {
                threshold: self.threshold.saturating_sub(1),
                providers: self.parties.saturating_sub(1),
            }
        } else {
            Structure::Threshold {
                threshold: self.threshold,
                parties: self.parties,
            }
        }
    }

    /// The bytes that name the row's configuration in the protocol's hashes: level, T, N,
    /// whether a party is required, and K.
    pub(crate) fn binding(&self) -> Vec<u8> {
        let mut bytes = self.set.name().as_bytes().to_vec();
        bytes.extend_from_slice(&[self.threshold, self.parties, u8::from(self.required)]);
        bytes.extend_from_slice(&u64::try_from(self.slots).unwrap_or(u64::MAX).to_le_bytes());
        bytes
    }

    /// Every configuration of every level: 45 rows.
    pub fn all() -> impl Iterator<Item = &'static Self> {
        ParameterSet::ALL
            .into_iter()
            .flat_map(|set| table(set).iter())
    }

    /// The real dimension D = 256 (k + l) of the hyperballs.
    pub fn dimension(&self) -> usize {
        let params = self.set.params();
        256 * (params.k + params.l)
    }

    /// The probability that one party accepts one slot: (r / r')^D.
    pub fn party_acceptance(&self) -> f64 {
        let ratio = f64::from(self.r) / f64::from(self.r_prime);
        ratio.powf(self.dimension() as f64)
    }

    /// The conservative per-party cap on Round-3 executions: Q_s / N, rounded down.
    pub fn responses_per_party(&self) -> u64 {
        let cap = self.log2_budget.exp2() / f64::from(self.parties);
        // The budgets lie between 2^26 and 2^38: positive and far inside u64.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "bounded as said above"
        )]
        let cap = cap.floor() as u64;
        cap
    }
}

fn table(set: ParameterSet) -> &'static [ThresholdParams; 15] {
    match set {
        ParameterSet::MlDsa44 => &ML_DSA_44,
        ParameterSet::MlDsa65 => &ML_DSA_65,
        ParameterSet::MlDsa87 => &ML_DSA_87,
    }
}

/// A table row, in the column order of the digest's tables.
#[expect(clippy::too_many_arguments, reason = "one argument per printed column")]
pub(super) const fn row(
    set: ParameterSet,
    (threshold, parties): (u8, u8),
    max_load: u8,
    slots: usize,
    r: u32,
    r_prime: u32,
    paper_kb: f64,
    attempt_success: f64,
    attempt_success_2se: f64,
    log2_budget: f64,
) -> ThresholdParams {
    let nu = super::derivation::stretch(set);
    ThresholdParams {
        set,
        threshold,
        parties,
        max_load,
        slots,
        r,
        r_prime,
        nu,
        paper_kb,
        attempt_success,
        attempt_success_2se,
        log2_budget,
        required: false,
        derivation: None,
    }
}

/// ML-DSA-44 rows, paper Fig. 9.
static ML_DSA_44: [ThresholdParams; 15] = [
    row(
        ParameterSet::MlDsa44,
        (2, 2),
        1,
        2,
        252_778,
        252_833,
        10.5,
        0.60,
        0.02,
        32.8,
    ),
    row(
        ParameterSet::MlDsa44,
        (2, 3),
        2,
        3,
        310_060,
        310_138,
        15.8,
        0.61,
        0.02,
        32.4,
    ),
    row(
        ParameterSet::MlDsa44,
        (3, 3),
        1,
        4,
        246_490,
        246_546,
        21.0,
        0.57,
        0.02,
        33.0,
    ),
    row(
        ParameterSet::MlDsa44,
        (2, 4),
        2,
        3,
        305_919,
        305_997,
        15.8,
        0.61,
        0.02,
        32.4,
    ),
    row(
        ParameterSet::MlDsa44,
        (3, 4),
        2,
        7,
        279_235,
        279_314,
        36.8,
        0.53,
        0.02,
        31.9,
    ),
    row(
        ParameterSet::MlDsa44,
        (4, 4),
        1,
        8,
        243_463,
        243_519,
        42.0,
        0.52,
        0.02,
        32.0,
    ),
    row(
        ParameterSet::MlDsa44,
        (2, 5),
        3,
        3,
        285_363,
        285_459,
        15.8,
        0.50,
        0.02,
        32.6,
    ),
    row(
        ParameterSet::MlDsa44,
        (3, 5),
        4,
        14,
        282_800,
        282_912,
        73.5,
        0.48,
        0.02,
        30.9,
    ),
    row(
        ParameterSet::MlDsa44,
        (4, 5),
        3,
        30,
        259_427,
        259_526,
        157.4,
        0.49,
        0.02,
        31.2,
    ),
    row(
        ParameterSet::MlDsa44,
        (5, 5),
        1,
        16,
        239_924,
        239_981,
        84.0,
        0.43,
        0.02,
        32.1,
    ),
    row(
        ParameterSet::MlDsa44,
        (2, 6),
        3,
        4,
        300_265,
        300_362,
        21.0,
        0.58,
        0.02,
        32.8,
    ),
    row(
        ParameterSet::MlDsa44,
        (3, 6),
        5,
        19,
        277_014,
        277_139,
        99.8,
        0.51,
        0.02,
        30.3,
    ),
    row(
        ParameterSet::MlDsa44,
        (4, 6),
        5,
        74,
        268_705,
        268_831,
        388.4,
        0.42,
        0.02,
        28.8,
    ),
    row(
        ParameterSet::MlDsa44,
        (5, 6),
        3,
        100,
        250_590,
        250_686,
        524.8,
        0.42,
        0.02,
        27.4,
    ),
    row(
        ParameterSet::MlDsa44,
        (6, 6),
        1,
        37,
        219_245,
        219_301,
        194.2,
        0.45,
        0.01,
        29.7,
    ),
];

/// ML-DSA-65 rows, paper Fig. 10.
static ML_DSA_65: [ThresholdParams; 15] = [
    row(
        ParameterSet::MlDsa65,
        (2, 2),
        1,
        3,
        501_495,
        501_613,
        22.9,
        0.53,
        0.02,
        34.9,
    ),
    row(
        ParameterSet::MlDsa65,
        (2, 3),
        2,
        5,
        540_212,
        540_378,
        38.1,
        0.50,
        0.02,
        33.7,
    ),
    row(
        ParameterSet::MlDsa65,
        (3, 3),
        1,
        9,
        510_387,
        510_504,
        68.5,
        0.50,
        0.02,
        32.8,
    ),
    row(
        ParameterSet::MlDsa65,
        (2, 4),
        2,
        6,
        540_212,
        540_378,
        45.7,
        0.58,
        0.01,
        33.4,
    ),
    row(
        ParameterSet::MlDsa65,
        (3, 4),
        2,
        20,
        506_761,
        506_928,
        152.3,
        0.49,
        0.02,
        32.0,
    ),
    row(
        ParameterSet::MlDsa65,
        (4, 4),
        1,
        26,
        433_594,
        433_711,
        198.0,
        0.49,
        0.02,
        31.2,
    ),
    row(
        ParameterSet::MlDsa65,
        (2, 5),
        3,
        8,
        552_371,
        552_575,
        61.0,
        0.52,
        0.02,
        33.1,
    ),
    row(
        ParameterSet::MlDsa65,
        (3, 5),
        4,
        62,
        552_909,
        553_145,
        472.2,
        0.53,
        0.03,
        30.1,
    ),
    row(
        ParameterSet::MlDsa65,
        (4, 5),
        3,
        205,
        474_331,
        474_535,
        1561.3,
        0.49,
        0.03,
        28.3,
    ),
    row(
        ParameterSet::MlDsa65,
        (5, 5),
        1,
        78,
        425_914,
        426_032,
        594.1,
        0.50,
        0.02,
        30.1,
    ),
    row(
        ParameterSet::MlDsa65,
        (2, 6),
        3,
        8,
        571_208,
        571_412,
        61.0,
        0.49,
        0.02,
        33.1,
    ),
    row(
        ParameterSet::MlDsa65,
        (3, 6),
        5,
        95,
        536_793,
        537_058,
        723.5,
        0.50,
        0.02,
        29.7,
    ),
    row(
        ParameterSet::MlDsa65,
        (4, 6),
        5,
        804,
        488_704,
        488_969,
        6123.3,
        0.52,
        0.08,
        26.5,
    ),
    row(
        ParameterSet::MlDsa65,
        (5, 6),
        3,
        1200,
        461_324,
        461_529,
        9139.2,
        0.45,
        0.11,
        26.0,
    ),
    row(
        ParameterSet::MlDsa65,
        (6, 6),
        1,
        250,
        414_896,
        415_013,
        1904.0,
        0.50,
        0.05,
        27.9,
    ),
];

/// ML-DSA-87 rows, paper Fig. 11.
static ML_DSA_87: [ThresholdParams; 15] = [
    row(
        ParameterSet::MlDsa87,
        (2, 2),
        1,
        3,
        503_119,
        503_192,
        31.1,
        0.61,
        0.01,
        37.3,
    ),
    row(
        ParameterSet::MlDsa87,
        (2, 3),
        2,
        4,
        631_601,
        631_703,
        41.5,
        0.55,
        0.02,
        36.0,
    ),
    row(
        ParameterSet::MlDsa87,
        (3, 3),
        1,
        6,
        483_107,
        483_180,
        62.2,
        0.56,
        0.02,
        36.3,
    ),
    row(
        ParameterSet::MlDsa87,
        (2, 4),
        2,
        4,
        632_903,
        633_006,
        41.5,
        0.56,
        0.02,
        36.7,
    ),
    row(
        ParameterSet::MlDsa87,
        (3, 4),
        2,
        11,
        551_752,
        551_854,
        114.1,
        0.51,
        0.02,
        34.5,
    ),
    row(
        ParameterSet::MlDsa87,
        (4, 4),
        1,
        14,
        487_958,
        488_031,
        145.2,
        0.52,
        0.02,
        35.1,
    ),
    row(
        ParameterSet::MlDsa87,
        (2, 5),
        3,
        5,
        607_694,
        607_820,
        51.9,
        0.53,
        0.02,
        36.1,
    ),
    row(
        ParameterSet::MlDsa87,
        (3, 5),
        4,
        26,
        577_400,
        577_546,
        269.6,
        0.49,
        0.02,
        33.9,
    ),
    row(
        ParameterSet::MlDsa87,
        (4, 5),
        3,
        70,
        518_384,
        518_510,
        725.8,
        0.50,
        0.02,
        32.2,
    ),
    row(
        ParameterSet::MlDsa87,
        (5, 5),
        1,
        35,
        468_214,
        468_287,
        362.9,
        0.50,
        0.04,
        33.7,
    ),
    row(
        ParameterSet::MlDsa87,
        (2, 6),
        3,
        5,
        665_106,
        665_232,
        51.9,
        0.52,
        0.02,
        36.2,
    ),
    row(
        ParameterSet::MlDsa87,
        (3, 6),
        5,
        39,
        577_541,
        577_704,
        404.4,
        0.56,
        0.03,
        33.1,
    ),
    row(
        ParameterSet::MlDsa87,
        (4, 6),
        5,
        208,
        517_689,
        517_853,
        2156.6,
        0.49,
        0.04,
        31.1,
    ),
    row(
        ParameterSet::MlDsa87,
        (5, 6),
        3,
        295,
        479_692,
        479_819,
        3058.6,
        0.51,
        0.05,
        30.7,
    ),
    row(
        ParameterSet::MlDsa87,
        (6, 6),
        1,
        87,
        424_124,
        424_197,
        902.0,
        0.50,
        0.03,
        32.4,
    ),
];

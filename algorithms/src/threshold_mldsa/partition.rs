//! Who holds which subset secret, and which of them each signer uses.
//!
//! The key is shared by short replicated secret sharing: one secret per subset of
//! N - T + 1 parties, held by exactly the members of that subset. Any T parties meet every such
//! subset; any T - 1 miss the subset formed by the others. A subset is written as an N-bit mask
//! (bit i = party i).
//!
//! At signing time the subset secrets are split among the T signers by the fixed tables of the
//! paper (Alg. 6, "RSSRecover"; `shared/threshold-mldsa.md` §4): the canonical rows are written
//! for signers 0..T-1 and non-signers T..N-1 and relabelled onto the real signer set. Every
//! signer must use the same split, so the tables are part of the scheme.

/// A subset of parties as a bit mask: bit i is party i.
pub type Mask = u8;

/// Who must sign: the access structure a key's sharing is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Structure {
    /// Any `threshold` of `parties` key holders (the paper's T-of-N): one secret per subset of
    /// N - T + 1 parties.
    Threshold {
        /// T.
        threshold: u8,
        /// N.
        parties: u8,
    },
    /// A required party and any `threshold` of the `providers` others ("user and t of n").
    /// The providers are parties 0..n-1 and the required party is party n, last. The secrets
    /// are those of the providers' t-of-n sharing plus one more, the singleton {n}, held by
    /// the required party alone: no set of providers, not even all n, knows it.
    Required {
        /// t, signing providers per signature.
        threshold: u8,
        /// n, the parties other than the required one.
        providers: u8,
    },
}

impl Structure {
    /// Signers per signature, the required party included.
    pub fn signers(self) -> u8 {
        match self {
            Self::Threshold { threshold, .. } => threshold,
            Self::Required { threshold, .. } => threshold + 1,
        }
    }

    /// Key holders, the required party included.
    pub fn parties(self) -> u8 {
        match self {
            Self::Threshold { parties, .. } => parties,
            Self::Required { providers, .. } => providers + 1,
        }
    }

    /// The index of the required party, if there is one.
    pub fn required(self) -> Option<u8> {
        match self {
            Self::Threshold { .. } => None,
            Self::Required { providers, .. } => Some(providers),
        }
    }

    /// Every subset that has a secret, in increasing mask order.
    pub fn subsets(self) -> Vec<Mask> {
        match self {
            Self::Threshold { threshold, parties } => subsets(threshold, parties),
            Self::Required {
                threshold,
                providers,
            } => {
                let mut all = subsets(threshold, providers);
                all.push(1 << providers);
                all
            }
        }
    }

    /// The subsets party `me` belongs to, in increasing mask order.
    pub fn held_by(self, me: u8) -> Vec<Mask> {
        self.subsets()
            .into_iter()
            .filter(|m| m & (1 << me) != 0)
            .collect()
    }

    /// The subsets each signer uses, in the order of `signers` (increasing party indices, as
    /// many as [`Self::signers`]). For [`Self::Required`], the providers split their subsets
    /// by the t-of-n tables relabelled over the providers' ordering, and the required party,
    /// last, uses its own secret. Returns `None` for a signer set of the wrong size or order,
    /// or one without the required party.
    pub fn assignment(self, signers: &[u8]) -> Option<Vec<Vec<Mask>>> {
        match self {
            Self::Threshold { threshold, parties } => assignment(threshold, parties, signers),
            Self::Required {
                threshold,
                providers,
            } => {
                let (&last, others) = signers.split_last()?;
                if last != providers {
                    return None;
                }
                let mut groups = assignment(threshold, providers, others)?;
                groups.push(vec![1 << providers]);
                Some(groups)
            }
        }
    }

    /// The most subset secrets one signer combines.
    pub fn max_load(self) -> u8 {
        let (threshold, parties) = match self {
            Self::Threshold { threshold, parties } => (threshold, parties),
            Self::Required {
                threshold,
                providers,
            } => (threshold, providers),
        };
        let count = subsets(threshold, parties).len();
        u8::try_from(count.div_ceil(usize::from(threshold.max(1)))).unwrap_or(u8::MAX)
    }
}

/// The canonical rows of one (T, N): row x lists the subsets canonical signer x uses.
type Rows = &'static [&'static [&'static str]];

/// Canonical rows per (T, N) with T < N, digits are canonical party indices (paper Alg. 6).
const ROWS: &[((u8, u8), Rows)] = &[
    ((2, 3), &[&["01", "02"], &["12"]]),
    ((2, 4), &[&["013", "023"], &["012", "123"]]),
    ((3, 4), &[&["01", "03"], &["12", "13"], &["23", "02"]]),
    ((2, 5), &[&["0134", "0234", "0124"], &["1234", "0123"]]),
    (
        (3, 5),
        &[
            &["034", "013", "014", "023"],
            &["012", "123", "124", "134"],
            &["234", "024"],
        ],
    ),
    (
        (4, 5),
        &[
            &["01", "03", "04"],
            &["12", "13", "14"],
            &["23", "02", "24"],
            &["34"],
        ],
    ),
    (
        (2, 6),
        &[&["02345", "01235", "01245"], &["12345", "01234", "01345"]],
    ),
    (
        (3, 6),
        &[
            &["0134", "0124", "0135", "0345", "0125"],
            &["0145", "1345", "1235", "1234", "1245"],
            &["0235", "0245", "0234", "0123", "2345"],
        ],
    ),
    (
        (4, 6),
        &[
            &["014", "023", "015", "012", "045"],
            &["135", "134", "125", "145", "124"],
            &["245", "024", "235", "234", "025"],
            &["034", "013", "123", "345", "035"],
        ],
    ),
    (
        (5, 6),
        &[
            &["01", "02", "05"],
            &["12", "13", "15"],
            &["23", "24", "25"],
            &["03", "34", "35"],
            &["45", "04", "14"],
        ],
    ),
];

/// Every subset of size N - T + 1 of parties 0..N-1, in increasing mask order.
pub fn subsets(threshold: u8, parties: u8) -> Vec<Mask> {
    let size = parties.saturating_sub(threshold).saturating_add(1);
    let all: u16 = 1 << parties;
    (0..all)
        .filter(|m| m.count_ones() == u32::from(size))
        .filter_map(|m| Mask::try_from(m).ok())
        .collect()
}

/// The subsets party `me` belongs to, in increasing mask order.
pub fn held_by(threshold: u8, parties: u8, me: u8) -> Vec<Mask> {
    subsets(threshold, parties)
        .into_iter()
        .filter(|m| m & (1 << me) != 0)
        .collect()
}

/// The subsets each signer uses, in the order of `signers` (which must be T distinct parties
/// below N, increasing). Returns `None` for a signer set of the wrong size or order.
///
/// T = 1 (used only by the providers of a [`Structure::Required`] key) has a single subset,
/// all N parties, which the one signer uses.
pub fn assignment(threshold: u8, parties: u8, signers: &[u8]) -> Option<Vec<Vec<Mask>>> {
    let sorted = signers.windows(2).all(|w| matches!(w, [a, b] if a < b));
    if signers.len() != usize::from(threshold) || !sorted {
        return None;
    }
    if signers.iter().any(|&s| s >= parties) {
        return None;
    }
    if threshold == parties {
        return Some(signers.iter().map(|&s| vec![1 << s]).collect());
    }
    if threshold == 1 {
        return Some(vec![subsets(threshold, parties)]);
    }
    let (_, rows) = ROWS.iter().find(|(tn, _)| *tn == (threshold, parties))?;
    // pi maps canonical index x to the x-th signer, then T + y to the y-th non-signer.
    let others = (0..parties).filter(|p| !signers.contains(p));
    let pi: Vec<u8> = signers.iter().copied().chain(others).collect();
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|digits| {
                    digits.bytes().try_fold(0u8, |mask, d| {
                        let party = pi.get(usize::from(d.checked_sub(b'0')?))?;
                        Some(mask | 1 << party)
                    })
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn a_required_structure_splits_every_subset_once_and_needs_the_required_party() {
        for providers in 1..=5u8 {
            for threshold in 1..=providers {
                let structure = Structure::Required {
                    threshold,
                    providers,
                };
                let all: BTreeSet<Mask> = structure.subsets().into_iter().collect();
                let user: Mask = 1 << providers;
                assert!(all.contains(&user));
                // Only the required party holds its subset; the providers hold all the others.
                assert_eq!(structure.held_by(providers), vec![user]);
                let known: BTreeSet<Mask> =
                    (0..providers).flat_map(|p| structure.held_by(p)).collect();
                assert_eq!(known.len() + 1, all.len());
                for chosen in 0u8..1 << providers {
                    if chosen.count_ones() != u32::from(threshold) {
                        continue;
                    }
                    let mut signers: Vec<u8> =
                        (0..providers).filter(|p| chosen >> p & 1 == 1).collect();
                    // Without the required party there is no assignment.
                    assert!(structure.assignment(&signers).is_none());
                    signers.push(providers);
                    let groups = structure.assignment(&signers).unwrap();
                    let mut seen = BTreeSet::new();
                    for (&signer, group) in signers.iter().zip(&groups) {
                        assert!(group.len() <= usize::from(structure.max_load()));
                        for &mask in group {
                            assert!(mask & 1 << signer != 0, "{structure:?} {signers:?}");
                            assert!(seen.insert(mask), "{structure:?} {signers:?}");
                        }
                    }
                    assert_eq!(seen, all, "{structure:?} {signers:?}");
                }
            }
        }
    }

    #[test]
    fn the_worked_example_of_the_digest() {
        // (3,5), act = {1,3,4}: signer 1 uses 012 013 123 014, signer 3 uses
        // 134 034 234 023, signer 4 uses 024 124.
        let m = |digits: &str| digits.bytes().fold(0u8, |a, d| a | 1 << (d - b'0'));
        let got = assignment(3, 5, &[1, 3, 4]).unwrap();
        let want = vec![
            vec![m("012"), m("013"), m("123"), m("014")],
            vec![m("134"), m("034"), m("234"), m("023")],
            vec![m("024"), m("124")],
        ];
        let sorted = |v: &Vec<Vec<u8>>| {
            v.iter()
                .map(|g| {
                    let mut g = g.clone();
                    g.sort_unstable();
                    g
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(sorted(&got), sorted(&want));
    }
}

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
    use super::*;

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

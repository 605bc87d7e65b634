//! NIST ACVP ML-DSA vectors (FIPS 204) through `qoesign_algorithms::mldsa`, the same vectors
//! through RustCrypto `ml-dsa` (which proves they are read and interpreted right), and
//! verification of malformed input.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use getrandom::rand_core::{TryCryptoRng, TryRng};
use ml_dsa::{
    B32, EncodedSignature, EncodedVerifyingKey, ExpandedSigningKey, Keypair, MlDsa44, MlDsa65,
    MlDsa87, MlDsaParams, Signature,
};
use qoesign_algorithms::mldsa::{self, ParameterSet, PreHash};
use qoesign_vectors::acvp::{
    self, Interface, KeyFormat, KeyInput, Mode, SigGenCase, SigVerCase, SignedData, VectorSet,
};
use qoesign_vectors::{data_dir, independent};

fn acvp_dir(name: &str) -> PathBuf {
    data_dir().join("acvp").join(name)
}

/// Runs the set in `name` and requires every case of every group to pass, none skipped, with
/// `cases` cases in `groups` groups.
fn assert_conforms(name: &str, mode: Mode, cases: usize, groups: usize) -> VectorSet {
    let set = acvp::read(&acvp_dir(name)).unwrap();
    assert_eq!(set.header().mode, mode, "{name}");
    assert_eq!(set.case_count(), cases, "{name}: cases in the files");
    let report = acvp::run(&set);
    assert_eq!(report.groups.len(), groups, "{name}: groups");
    let mut problems = Vec::new();
    for group in &report.groups {
        assert_eq!(
            group.cases,
            group.passed + group.failed.len() + group.skipped.len(),
            "{name} tg {}: the counts do not add up",
            group.tg_id
        );
        for failure in &group.failed {
            problems.push(format!(
                "{name} tg {} ({}) tc {}: {}",
                group.tg_id, group.description, failure.tc_id, failure.detail
            ));
        }
        for skip in &group.skipped {
            problems.push(format!(
                "{name} tg {} ({}) tc {}: skipped: {}",
                group.tg_id, group.description, skip.tc_id, skip.reason
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {cases} cases did not pass:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(report.cases(), cases);
    assert_eq!(report.passed(), cases);
    assert!(report.all_passed());
    set
}

#[test]
fn acvp_key_gen_every_case_passes() {
    assert_conforms("ML-DSA-keyGen-FIPS204", Mode::KeyGen, 75, 3);
}

#[test]
fn acvp_sig_gen_every_case_passes() {
    let set = assert_conforms("ML-DSA-sigGen-FIPS204", Mode::SigGen, 360, 24);
    let VectorSet::SigGen(set) = set else {
        panic!("not a sigGen set")
    };
    // Every combination of interface, determinism and parameter set is a group of its own,
    // which shows the attributes were read.
    let mut kinds: Vec<_> = set
        .groups
        .iter()
        .map(|g| {
            (
                interface_index(g.interface),
                g.deterministic,
                g.parameter_set.clone(),
            )
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 24);
}

#[test]
fn acvp_sig_gen_tr1_every_case_passes() {
    let set = assert_conforms("ML-DSA-sigGen-FIPS204-tr1", Mode::SigGen, 273, 48);
    let VectorSet::SigGen(set) = set else {
        panic!("not a sigGen set")
    };
    let mut kinds: Vec<_> = set
        .groups
        .iter()
        .map(|g| {
            let seed = g.key_format == Some(KeyFormat::Seed);
            (
                interface_index(g.interface),
                g.deterministic,
                seed,
                g.parameter_set.clone(),
            )
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 48);
    let seeds = set
        .groups
        .iter()
        .flat_map(|g| &g.cases)
        .filter(|c| matches!(c.key, KeyInput::Seed(_)))
        .count();
    assert_eq!(seeds, 138, "tests with a seed key");
}

#[test]
fn acvp_sig_ver_every_case_passes() {
    let set = assert_conforms("ML-DSA-sigVer-FIPS204", Mode::SigVer, 180, 12);
    let VectorSet::SigVer(set) = set else {
        panic!("not a sigVer set")
    };
    let cases: Vec<&SigVerCase> = set.groups.iter().flat_map(|g| &g.cases).collect();
    let valid = cases.iter().filter(|c| c.test_passed).count();
    assert_eq!(
        (valid, cases.len() - valid),
        (36, 144),
        "valid and invalid signatures"
    );
    assert!(
        cases.iter().all(|c| c.reason.is_some()),
        "every case has its reason"
    );
}

/// The keyGen vectors through RustCrypto `ml-dsa`: the same public and secret keys from each
/// seed. This checks the reader, not qoesign.
#[test]
fn rustcrypto_ml_dsa_derives_the_acvp_key_gen_keys() {
    let VectorSet::KeyGen(set) = acvp::read(&acvp_dir("ML-DSA-keyGen-FIPS204")).unwrap() else {
        panic!("not a keyGen set")
    };
    let mut checked = 0;
    for group in &set.groups {
        for case in &group.cases {
            let (pk, sk) = match group.parameter_set.as_str() {
                "ML-DSA-44" => rustcrypto_keys::<MlDsa44>(&case.seed),
                "ML-DSA-65" => rustcrypto_keys::<MlDsa65>(&case.seed),
                "ML-DSA-87" => rustcrypto_keys::<MlDsa87>(&case.seed),
                other => panic!("tg {}: unexpected parameter set {other}", group.tg_id),
            };
            assert_eq!(pk, case.pk, "tg {} tc {}: pk", group.tg_id, case.tc_id);
            assert_eq!(sk, case.sk, "tg {} tc {}: sk", group.tg_id, case.tc_id);
            checked += 1;
        }
    }
    assert_eq!(checked, 75);
}

/// The sigGen vectors (both revisions) through RustCrypto `ml-dsa`, for every interface it
/// offers: pure ML-DSA, Sign_internal on M' and Sign from mu, deterministic and hedged. It has
/// no HashML-DSA, so the preHash groups are checked by qoesign alone (and by the random
/// cross-checks against `fips204` in `cross_mldsa`).
#[test]
fn rustcrypto_ml_dsa_reproduces_the_acvp_signatures() {
    let mut checked = 0;
    for (name, expected) in [
        ("ML-DSA-sigGen-FIPS204", 270),
        ("ML-DSA-sigGen-FIPS204-tr1", 194),
    ] {
        let VectorSet::SigGen(set) = acvp::read(&acvp_dir(name)).unwrap() else {
            panic!("{name} is not a sigGen set")
        };
        let mut in_file = 0;
        for group in &set.groups {
            for case in &group.cases {
                let rnd = if group.deterministic {
                    [0; 32]
                } else {
                    case.rnd.unwrap()
                };
                let signature = match group.parameter_set.as_str() {
                    "ML-DSA-44" => rustcrypto_sign::<MlDsa44>(case, &rnd),
                    "ML-DSA-65" => rustcrypto_sign::<MlDsa65>(case, &rnd),
                    "ML-DSA-87" => rustcrypto_sign::<MlDsa87>(case, &rnd),
                    other => panic!("{name} tg {}: unexpected set {other}", group.tg_id),
                };
                let Some(signature) = signature else { continue };
                assert!(
                    signature == case.signature,
                    "{name} tg {} tc {}: RustCrypto's signature differs",
                    group.tg_id,
                    case.tc_id
                );
                in_file += 1;
            }
        }
        assert_eq!(in_file, expected, "{name}: cases outside preHash groups");
        checked += in_file;
    }
    assert_eq!(checked, 464);
}

/// The sigVer vectors through RustCrypto `ml-dsa`, for every interface it offers.
#[test]
fn rustcrypto_ml_dsa_gives_the_acvp_sig_ver_verdicts() {
    let VectorSet::SigVer(set) = acvp::read(&acvp_dir("ML-DSA-sigVer-FIPS204")).unwrap() else {
        panic!("not a sigVer set")
    };
    let mut checked = 0;
    for group in &set.groups {
        for case in &group.cases {
            let verdict = match group.parameter_set.as_str() {
                "ML-DSA-44" => rustcrypto_verify::<MlDsa44>(case),
                "ML-DSA-65" => rustcrypto_verify::<MlDsa65>(case),
                "ML-DSA-87" => rustcrypto_verify::<MlDsa87>(case),
                other => panic!("tg {}: unexpected parameter set {other}", group.tg_id),
            };
            let Some(verdict) = verdict else { continue };
            assert_eq!(
                verdict, case.test_passed,
                "tg {} tc {} ({:?})",
                group.tg_id, case.tc_id, case.reason
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 135, "cases outside preHash groups");
}

/// The runner notices an altered vector: each alteration below must turn a pass into the
/// failure or skip it names, so the conformance tests above cannot pass by accident.
#[test]
fn the_runner_reports_altered_vectors() {
    let read = |name| acvp::read(&acvp_dir(name)).unwrap();

    let VectorSet::KeyGen(mut key_gen) = read("ML-DSA-keyGen-FIPS204") else {
        panic!()
    };
    key_gen.groups[0].cases[0].pk[100] ^= 1;
    key_gen.groups[1].cases[3].sk.pop();
    key_gen.groups[2].parameter_set = "ML-DSA-1024".to_owned();
    let report = acvp::run(&VectorSet::KeyGen(key_gen));
    let failed = failures(&report);
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(
        failed[0].starts_with("tg 1 tc 1: pk differs first at byte 100 of 1312"),
        "{failed:?}"
    );
    assert!(
        failed[1].contains("sk is 4032 bytes, expected 4031"),
        "{failed:?}"
    );
    assert_eq!(report.skipped(), 25);
    let reason = report.groups[2].skip_reason().unwrap();
    assert_eq!(reason, "parameter set ML-DSA-1024 is not implemented");

    let VectorSet::SigGen(mut sig_gen) = read("ML-DSA-sigGen-FIPS204") else {
        panic!()
    };
    sig_gen.groups[0].cases[0].signature[7] ^= 0x80;
    sig_gen.groups[12].cases[0].rnd.as_mut().unwrap()[0] ^= 1;
    // K (bytes 32..64) only seeds the signing randomness: the key still decodes, the
    // signature changes. rho (bytes 0..32) no longer matches t0: the key does not decode.
    if let KeyInput::Expanded(sk) = &mut sig_gen.groups[2].cases[0].key {
        sk[40] ^= 1;
    }
    if let KeyInput::Expanded(sk) = &mut sig_gen.groups[4].cases[0].key {
        sk[0] ^= 1;
    }
    if let SignedData::PreHash { hash_alg, .. } = &mut sig_gen.groups[1].cases[0].data {
        "SHA2-999".clone_into(hash_alg);
    }
    let report = acvp::run(&VectorSet::SigGen(sig_gen));
    let failed = failures(&report);
    assert_eq!(failed.len(), 4, "{failed:?}");
    assert!(
        failed[0].contains("signature differs first at byte 7"),
        "{failed:?}"
    );
    assert!(
        failed[1].starts_with("tg 3 tc 31: signature differs"),
        "{failed:?}"
    );
    assert!(
        failed[2].starts_with("tg 5 tc 61: sk does not decode"),
        "{failed:?}"
    );
    assert!(
        failed[3].starts_with("tg 13 tc 181: signature differs"),
        "{failed:?}"
    );
    assert_eq!(report.skipped(), 1);
    let reason = report.groups[1].skip_reason().unwrap();
    assert_eq!(reason, "hash algorithm SHA2-999 is not implemented");

    let VectorSet::SigVer(mut sig_ver) = read("ML-DSA-sigVer-FIPS204") else {
        panic!()
    };
    for case in &mut sig_ver.groups[7].cases[..2] {
        case.test_passed = !case.test_passed;
    }
    let report = acvp::run(&VectorSet::SigVer(sig_ver));
    let failed = failures(&report);
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed.iter().all(|f| f.contains("verdict")), "{failed:?}");
    assert!(!report.all_passed());
}

/// The reader refuses files whose tests do not pair up or do not fit their group.
#[test]
fn the_reader_refuses_inconsistent_files() {
    let seed = "0F".repeat(32);
    let prompt = |test: &str| {
        format!(
            r#"{{"vsId":1,"algorithm":"ML-DSA","mode":"keyGen","revision":"FIPS204",
            "isSample":false,"testGroups":[{{"tgId":1,"testType":"AFT",
            "parameterSet":"ML-DSA-44","tests":[{test}]}}]}}"#
        )
    };
    let results = |test: &str| {
        format!(
            r#"{{"vsId":1,"algorithm":"ML-DSA","mode":"keyGen","revision":"FIPS204",
            "isSample":false,"testGroups":[{{"tgId":1,"tests":[{test}]}}]}}"#
        )
    };
    let good_prompt = prompt(&format!(r#"{{"tcId":1,"seed":"{seed}"}}"#));
    let good_results = results(r#"{"tcId":1,"pk":"ab01","sk":"CD"}"#);
    let read = |name: &str, prompt: &str, results: &str| {
        let dir = std::env::temp_dir().join(format!("qoesign-acvp-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("prompt.json"), prompt).unwrap();
        std::fs::write(dir.join("expectedResults.json"), results).unwrap();
        let read = acvp::read(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        read.map(|set| acvp::run(&set))
    };

    // Lower-case hex is read; the made-up keys then fail, and say how.
    let report = read("good", &good_prompt, &good_results).unwrap();
    assert_eq!(report.cases(), 1);
    assert_eq!(report.failed(), 1);
    let detail = &report.groups[0].failed[0].detail;
    assert!(detail.contains("pk differs first at byte 0 of 2") || detail.contains("pk is"));

    let other_tc = results(r#"{"tcId":2,"pk":"AB","sk":"CD"}"#);
    let error = read("unpaired", &good_prompt, &other_tc)
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("group 1 test 1: has no entry in expectedResults.json"),
        "{error}"
    );

    let short_seed = prompt(&format!(r#"{{"tcId":1,"seed":"{}"}}"#, &seed[2..]));
    let error = read("short", &short_seed, &good_results)
        .unwrap_err()
        .to_string();
    assert!(error.ends_with("field seed is 31 bytes, not 32"), "{error}");

    let extra = prompt(&format!(r#"{{"tcId":1,"seed":"{seed}","comment":"x"}}"#));
    let error = read("extra", &extra, &good_results)
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `comment`"), "{error}");

    let message = prompt(&format!(r#"{{"tcId":1,"seed":"{seed}","message":"00"}}"#));
    let error = read("message", &message, &good_results)
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("field message is not expected in this group"),
        "{error}"
    );

    let not_hex = results(r#"{"tcId":1,"pk":"XY","sk":"CD"}"#);
    let error = read("hex", &good_prompt, &not_hex).unwrap_err().to_string();
    assert!(error.ends_with("field pk is not hex"), "{error}");

    let sig_ver = good_prompt.replace("keyGen", "sigVer").replace(
        r#""parameterSet":"ML-DSA-44""#,
        r#""parameterSet":"ML-DSA-44","signatureInterface":"internal""#,
    );
    let sig_ver_results = results(r#"{"tcId":1,"testPassed":true}"#).replace("keyGen", "sigVer");
    let error = read("interface", &sig_ver, &sig_ver_results)
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("group 1: an internal group without `externalMu`"),
        "{error}"
    );
}

/// Every failure of a report as `tg N tc M: detail`.
fn failures(report: &acvp::FileReport) -> Vec<String> {
    report
        .groups
        .iter()
        .flat_map(|g| {
            g.failed
                .iter()
                .map(move |f| format!("tg {} tc {}: {}", g.tg_id, f.tc_id, f.detail))
        })
        .collect()
}

/// Malformed signatures, keys and contexts are refused with `false` (or `Err` where a key is
/// decoded), never with a panic. Every altered signature is also refused by RustCrypto
/// `ml-dsa`, which shows the alteration is real.
#[test]
fn verification_refuses_malformed_input_without_panicking() {
    for set in ParameterSet::ALL {
        let layout = Layout::of(set);
        let (sk, vk) = mldsa::key_gen(set, &[0x3c; 32]);
        let pk = vk.encode();
        let context = b"acvp malformed-input test";
        let (message, signature) = signature_with_room(set, &sk, context);
        let algorithm = set.name().to_lowercase();
        let independent = |sig: &[u8], ctx: &[u8]| {
            independent::verify(&algorithm, &pk, &message, ctx, sig).unwrap()
        };
        assert!(vk.verify(&message, context, &signature), "{}", set.name());
        assert!(
            independent(&signature, context),
            "{}: ml-dsa refuses",
            set.name()
        );

        for (what, bad) in layout.malformed(&signature) {
            let label = format!("{}: {what}", set.name());
            assert!(!independent(&bad, context), "{label}: ml-dsa accepts it");
            let verdicts = catch_unwind(AssertUnwindSafe(|| {
                let mu = vk.external_mu(&message, context).unwrap();
                [
                    vk.verify(&message, context, &bad),
                    vk.verify_prehash(&message, context, PreHash::Sha2_256, &bad),
                    vk.verify_internal(&message, &bad),
                    vk.verify_mu(&mu, &bad),
                ]
            }));
            let verdicts = verdicts.unwrap_or_else(|_| panic!("{label}: verification panicked"));
            assert_eq!(verdicts, [false; 4], "{label}: accepted");
        }

        let long_context = [0x11; 256];
        assert!(!vk.verify(&message, &long_context, &signature));
        assert!(!vk.verify_prehash(&message, &long_context, PreHash::Sha2_512, &signature));
        assert!(vk.external_mu(&message, &long_context).is_err());
        assert!(sk.sign(&message, &long_context, &[0; 32]).is_err());
        assert!(
            sk.sign_prehash(&message, &long_context, PreHash::Shake256, &[0; 32])
                .is_err()
        );

        let mut longer = pk.clone();
        longer.push(0);
        for (what, key) in [
            ("one byte short", &pk[..pk.len() - 1]),
            ("one byte long", &longer[..]),
            ("empty", &[][..]),
        ] {
            let decoded = catch_unwind(|| mldsa::VerifyingKey::decode(set, key).is_err());
            assert!(
                decoded.unwrap(),
                "{}: public key {what} is accepted",
                set.name()
            );
        }
        for other in ParameterSet::ALL.into_iter().filter(|&o| o != set) {
            assert!(mldsa::VerifyingKey::decode(other, &pk).is_err());
            assert!(
                !independent::verify(
                    &other.name().to_lowercase(),
                    &pk,
                    &message,
                    context,
                    &signature
                )
                .unwrap()
            );
        }
    }
}

/// Where the parts of an ML-DSA signature sit (FIPS 204 Alg. 26 sigEncode): c~ (lambda/4
/// bytes), z (l polynomials of 256 coefficients, each gamma1 - z in `z_bits` bits), then the
/// hint: omega index bytes and k cumulative counts.
struct Layout {
    k: usize,
    l: usize,
    omega: usize,
    c_tilde: usize,
    z_bits: usize,
}

impl Layout {
    fn of(set: ParameterSet) -> Self {
        let layout = match set {
            ParameterSet::MlDsa44 => Self {
                k: 4,
                l: 4,
                omega: 80,
                c_tilde: 32,
                z_bits: 18,
            },
            ParameterSet::MlDsa65 => Self {
                k: 6,
                l: 5,
                omega: 55,
                c_tilde: 48,
                z_bits: 20,
            },
            ParameterSet::MlDsa87 => Self {
                k: 8,
                l: 7,
                omega: 75,
                c_tilde: 64,
                z_bits: 20,
            },
        };
        let z = layout.l * 256 * layout.z_bits / 8;
        assert_eq!(
            layout.c_tilde + z + layout.omega + layout.k,
            set.signature_len()
        );
        layout
    }

    fn hint_start(&self, signature: &[u8]) -> usize {
        signature.len() - self.omega - self.k
    }

    /// The cumulative hint counts of a signature.
    fn counts(&self, signature: &[u8]) -> Vec<usize> {
        signature[signature.len() - self.k..]
            .iter()
            .map(|&c| usize::from(c))
            .collect()
    }

    /// Variants of a valid signature, each malformed in one way.
    fn malformed(&self, signature: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut variant = |what: &str, change: &dyn Fn(&mut Vec<u8>)| {
            let mut bad = signature.to_vec();
            change(&mut bad);
            assert_ne!(bad, signature, "{what}: nothing changed");
            out.push((what.to_owned(), bad));
        };
        variant("signature one byte short", &|s| {
            s.pop();
        });
        variant("signature one byte long", &|s| s.push(0));
        variant("signature empty", &|s| s.clear());

        let hints = self.hint_start(signature);
        let counts_at = hints + self.omega;
        let counts = self.counts(signature);
        // A polynomial i with at least one hint, followed by one whose count we lower.
        let i = counts[..self.k - 1].iter().position(|&c| c >= 1).unwrap();
        variant("hint counts decrease", &|s| {
            s[counts_at + i + 1] = byte(counts[i] - 1)
        });
        variant("hint count above omega", &|s| {
            s[counts_at + self.k - 1] = byte(self.omega + 1)
        });
        variant("hint count 255", &|s| s[counts_at] = 0xff);
        let used = counts[self.k - 1];
        variant("hint index bytes after the last count not zero", &|s| {
            s[hints + used] = 1
        });
        // A polynomial with at least two hints: its indices must be strictly increasing.
        let (start, _) = (0..self.k)
            .map(|p| (if p == 0 { 0 } else { counts[p - 1] }, counts[p]))
            .find(|(start, end)| end - start >= 2)
            .unwrap();
        variant("hint indices not increasing", &|s| {
            s.swap(hints + start, hints + start + 1)
        });
        variant("hint index repeated", &|s| {
            s[hints + start + 1] = s[hints + start]
        });

        let last = self.l * 256 - 1;
        variant("first z coefficient = gamma1", &|s| self.set_z(s, 0, 0));
        variant("last z coefficient = gamma1", &|s| self.set_z(s, last, 0));
        let max = (1 << self.z_bits) - 1;
        variant("first z coefficient = 1 - gamma1", &|s| {
            self.set_z(s, 0, max)
        });
        variant("last z coefficient = 1 - gamma1", &|s| {
            self.set_z(s, last, max)
        });
        out
    }

    /// Sets the packed value (gamma1 - z) of coefficient `index` of z. Packed 0 is z = gamma1
    /// and packed 2^z_bits - 1 is z = 1 - gamma1: both have |z| >= gamma1 - beta.
    fn set_z(&self, signature: &mut [u8], index: usize, packed: u32) {
        for bit in 0..self.z_bits {
            let at = index * self.z_bits + bit;
            let byte = &mut signature[self.c_tilde + at / 8];
            let mask = 1u8 << (at % 8);
            if packed >> bit & 1 == 1 {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
    }
}

/// A message and a valid deterministic signature of it that leave room for every hint
/// alteration: fewer than omega hints, one polynomial with two or more.
fn signature_with_room(
    set: ParameterSet,
    sk: &mldsa::SigningKey,
    context: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let layout = Layout::of(set);
    for n in 0u32..100 {
        let message = format!("message {n}").into_bytes();
        let signature = sk.sign(&message, context, &[0; 32]).unwrap();
        let counts = layout.counts(&signature);
        let per_poly = (0..layout.k).map(|p| counts[p] - if p == 0 { 0 } else { counts[p - 1] });
        let two_in_one = per_poly.clone().any(|n| n >= 2);
        let early = counts[..layout.k - 1].iter().any(|&c| c >= 1);
        if counts[layout.k - 1] < layout.omega && two_in_one && early {
            return (message, signature);
        }
    }
    panic!(
        "{}: no signature with room for the hint alterations",
        set.name()
    )
}

fn interface_index(interface: Interface) -> u8 {
    match interface {
        Interface::ExternalPure => 0,
        Interface::ExternalPreHash => 1,
        Interface::Internal => 2,
        Interface::InternalMu => 3,
    }
}

fn rustcrypto_keys<P: MlDsaParams>(seed: &[u8; 32]) -> (Vec<u8>, Vec<u8>) {
    let key = ml_dsa::SigningKey::<P>::from_seed(&B32::from(*seed));
    let pk = key.verifying_key().encode().to_vec();
    #[expect(deprecated, reason = "the expanded encoding is what ACVP publishes")]
    let sk = key.expanded_key().to_expanded().to_vec();
    (pk, sk)
}

/// RustCrypto's signature for a sigGen case, or `None` for HashML-DSA, which it lacks.
fn rustcrypto_sign<P: MlDsaParams>(case: &SigGenCase, rnd: &[u8; 32]) -> Option<Vec<u8>> {
    let key: ExpandedSigningKey<P> = match &case.key {
        KeyInput::Seed(seed) => ExpandedSigningKey::from_seed(&B32::from(*seed)),
        KeyInput::Expanded(bytes) =>
        {
            #[expect(deprecated, reason = "ACVP gives the expanded encoding")]
            ExpandedSigningKey::from_expanded(&bytes.as_slice().try_into().unwrap())
        }
    };
    let rnd = B32::from(*rnd);
    let signature = match &case.data {
        SignedData::Pure { message, context } => {
            let prefix = [0, u8::try_from(context.len()).unwrap()];
            key.sign_internal(&[&prefix, context, message], &rnd)
        }
        SignedData::Internal { message } => key.sign_internal(&[message], &rnd),
        SignedData::Mu(mu) => {
            let mut rng = FixedRnd(Some(*rnd.as_ref()));
            key.sign_mu_randomized(&(*mu).into(), &mut rng).unwrap()
        }
        SignedData::PreHash { .. } => return None,
    };
    Some(signature.encode().to_vec())
}

/// RustCrypto's verdict for a sigVer case, or `None` for HashML-DSA, which it lacks.
fn rustcrypto_verify<P: MlDsaParams>(case: &SigVerCase) -> Option<bool> {
    if let SignedData::PreHash { .. } = case.data {
        return None;
    }
    let pk = EncodedVerifyingKey::<P>::try_from(case.pk.as_slice()).unwrap();
    let vk = ml_dsa::VerifyingKey::<P>::decode(&pk);
    let signature = EncodedSignature::<P>::try_from(case.signature.as_slice())
        .ok()
        .and_then(|s| Signature::<P>::decode(&s));
    let Some(signature) = signature else {
        return Some(false);
    };
    Some(match &case.data {
        SignedData::Pure { message, context } => {
            vk.verify_with_context(message, context, &signature)
        }
        SignedData::Internal { message } => vk.verify_internal(message, &signature),
        SignedData::Mu(mu) => vk.verify_mu(&(*mu).into(), &signature),
        SignedData::PreHash { .. } => return None,
    })
}

/// A "random" source that yields one given 32-byte rnd, once: the way to hand ACVP's rnd to
/// RustCrypto's Sign-from-mu, which takes an RNG.
struct FixedRnd(Option<[u8; 32]>);

impl TryRng for FixedRnd {
    type Error = std::io::Error;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Err(std::io::Error::other("FixedRnd gives 32 bytes only"))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Err(std::io::Error::other("FixedRnd gives 32 bytes only"))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        match self.0.take() {
            Some(rnd) if dst.len() == 32 => {
                dst.copy_from_slice(&rnd);
                Ok(())
            }
            _ => Err(std::io::Error::other("FixedRnd gives 32 bytes, once")),
        }
    }
}

impl TryCryptoRng for FixedRnd {}

fn byte(value: usize) -> u8 {
    u8::try_from(value).unwrap()
}

//! The `qoesign` command line: forms, exit codes and `--json` fields that scripts rely on.

use std::path::Path;
use std::process::{Command, Output};

use qoesign_vectors::independent;
use serde_json::Value;
use sha2::Digest;

use crate::example;

fn qoesign(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qoesign"))
        .args(args)
        .output()
        .unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn demo_json(args: &[&str]) -> Value {
    // The demo's rounds time out after seconds: not beside a test that takes every core.
    let _cpu = crate::shared_cpu();
    let output = qoesign(&[&["demo", "--json"], args].concat());
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

fn field<'a>(json: &'a Value, name: &str) -> &'a str {
    json[name]
        .as_str()
        .unwrap_or_else(|| panic!("field {name} missing in {json}"))
}

fn verify(json: &Value, pk: &str, msg: &str, sig: &str) -> Output {
    qoesign(&[
        "verify",
        "--alg",
        field(json, "algorithm"),
        "--pk",
        pk,
        "--msg",
        msg,
        "--sig",
        sig,
        "--ctx",
        field(json, "context"),
    ])
}

#[test]
fn demo_json_verifies_with_qoesign_verify_and_an_independent_verifier() {
    let json = demo_json(&[]);
    for name in ["algorithm", "public_key", "message", "context", "signature"] {
        assert!(json[name].is_string(), "field {name} in {json}");
    }
    assert_eq!(
        field(&json, "algorithm"),
        "ml-dsa-65",
        "the embedded default prefers ML-DSA-65"
    );
    let (pk, msg, sig) = (
        field(&json, "public_key"),
        field(&json, "message"),
        field(&json, "signature"),
    );
    let ctx = hex::decode(field(&json, "context")).unwrap();
    let verdict = independent::verify(
        "ml-dsa-65",
        &hex::decode(pk).unwrap(),
        &hex::decode(msg).unwrap(),
        &ctx,
        &hex::decode(sig).unwrap(),
    );
    assert_eq!(verdict, Some(true));

    let valid = verify(&json, pk, msg, sig);
    assert_eq!(code(&valid), 0, "{}", stderr(&valid));

    let mut flipped = hex::decode(sig).unwrap();
    flipped[100] ^= 0x04;
    let invalid = verify(&json, pk, msg, &hex::encode(flipped));
    assert_eq!(code(&invalid), 1, "a flipped bit is an invalid signature");

    let truncated_pk = &pk[..pk.len() - 2];
    let malformed = verify(&json, truncated_pk, msg, sig);
    assert_eq!(code(&malformed), 2, "a truncated key is malformed input");
    assert!(
        stderr(&malformed).contains("--pk"),
        "{}",
        stderr(&malformed)
    );
}

#[test]
fn demo_json_for_ecdsa_verifies_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecdsa.toml");
    std::fs::write(
        &path,
        "version = 1\nissued = 2026-12-01\npreferred = \"ecdsa-p256\"\n[quorum]\n\
         providers = [\"solo\"]\nthreshold = 1\nuser_required = false\n\
         [[algorithm]]\nid = \"ecdsa-p256\"\nstate = \"active\"\n",
    )
    .unwrap();
    let json = demo_json(&["--policy", path.to_str().unwrap()]);
    assert_eq!(field(&json, "algorithm"), "ecdsa-p256");
    assert_eq!(field(&json, "context"), "");
    let (pk, msg, sig) = (
        field(&json, "public_key"),
        field(&json, "message"),
        field(&json, "signature"),
    );
    assert!(
        pk.starts_with("04") && pk.len() == 130,
        "SEC 1 uncompressed point"
    );
    assert!(sig.starts_with("30"), "DER SEQUENCE");
    let verdict = independent::verify(
        "ecdsa-p256",
        &hex::decode(pk).unwrap(),
        &hex::decode(msg).unwrap(),
        b"",
        &hex::decode(sig).unwrap(),
    );
    assert_eq!(verdict, Some(true));
    assert_eq!(code(&verify(&json, pk, msg, sig)), 0);
    let mut flipped = hex::decode(sig).unwrap();
    *flipped.last_mut().unwrap() ^= 0x01;
    assert_eq!(code(&verify(&json, pk, msg, &hex::encode(flipped))), 1);
    assert_eq!(code(&verify(&json, &pk[..64], msg, sig)), 2);

    // The same signature as IEEE P1363 r || s.
    let parsed = p256::ecdsa::Signature::from_der(&hex::decode(sig).unwrap()).unwrap();
    let p1363 = hex::encode(parsed.to_bytes());
    let run = |sig: &str, format: &str, alg: &str| {
        qoesign(&[
            "verify",
            "--alg",
            alg,
            "--pk",
            pk,
            "--msg",
            msg,
            "--sig",
            sig,
            "--sig-format",
            format,
        ])
    };
    assert_eq!(code(&run(&p1363, "p1363", "ecdsa-p256")), 0);
    assert_eq!(code(&run(sig, "standard", "ecdsa-p256")), 0);
    let short = run(&p1363[..126], "p1363", "ecdsa-p256");
    assert_eq!(code(&short), 2);
    assert!(
        stderr(&short).contains("--sig: a P1363"),
        "{}",
        stderr(&short)
    );
    let der_as_p1363 = run(sig, "p1363", "ecdsa-p256");
    assert_eq!(code(&der_as_p1363), 2, "DER is not 64 bytes");
    let other = run(&p1363, "p1363", "ml-dsa-65");
    assert_eq!(code(&other), 2);
    assert!(
        stderr(&other).contains("--sig-format"),
        "{}",
        stderr(&other)
    );
    let unknown = run(&p1363, "raw", "ecdsa-p256");
    assert!(stderr(&unknown).contains("--sig-format: unknown format"));
}

#[test]
fn verify_names_the_argument_at_fault() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["--alg", "rsa", "--pk", "00", "--msg", "00", "--sig", "00"],
            "--alg",
        ),
        (
            &[
                "--alg",
                "ml-dsa-44",
                "--pk",
                "zz",
                "--msg",
                "00",
                "--sig",
                "00",
            ],
            "--pk",
        ),
        (
            &[
                "--alg",
                "ml-dsa-44",
                "--pk",
                "00",
                "--msg",
                "0",
                "--sig",
                "00",
            ],
            "--msg",
        ),
        (
            &[
                "--alg",
                "ml-dsa-44",
                "--pk",
                "00",
                "--msg",
                "00",
                "--sig",
                "0g",
            ],
            "--sig",
        ),
        (
            &[
                "--alg",
                "ecdsa-p256",
                "--pk",
                "00",
                "--msg",
                "00",
                "--sig",
                "00",
                "--ctx",
                "01",
            ],
            "--ctx",
        ),
    ];
    for (args, culprit) in cases {
        let output = qoesign(&[&["verify"], args].concat());
        assert_eq!(code(&output), 2, "{args:?}");
        assert!(
            stderr(&output).contains(culprit),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let json = demo_json(&[]);
    let sig = field(&json, "signature");
    let short = verify(
        &json,
        field(&json, "public_key"),
        field(&json, "message"),
        &sig[..sig.len() - 2],
    );
    assert_eq!(code(&short), 2);
    assert!(stderr(&short).contains("--sig"), "{}", stderr(&short));
    let missing = qoesign(&["verify", "--alg", "ml-dsa-44"]);
    assert_eq!(code(&missing), 2, "usage errors exit 2");
}

#[test]
fn every_example_policy_passes_check() {
    for name in [
        "default.toml",
        "v1-classical.toml",
        "v2-hybrid.toml",
        "v3-pq.toml",
    ] {
        let output = qoesign(&["policy", "check", example(name).to_str().unwrap()]);
        assert_eq!(code(&output), 0, "{name}: {}", stderr(&output));
        assert!(stdout(&output).contains("valid"));
        assert!(stdout(&output).contains("digest"));
    }
}

#[test]
fn policy_check_against_shows_the_diff_and_warns() {
    let v1 = example("v1-classical.toml");
    let v2 = example("v2-hybrid.toml");
    let output = qoesign(&[
        "policy",
        "check",
        v2.to_str().unwrap(),
        "--against",
        v1.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("version 1 -> 2"), "{text}");
    assert!(
        text.contains("preferred: ecdsa-p256 -> mldsa65-ecdsa-p256"),
        "{text}"
    );
    assert!(
        text.contains("algorithm ecdsa-p256: state active -> deprecated"),
        "{text}"
    );
    assert!(
        text.contains("algorithm mldsa65-ecdsa-p256: added (active)"),
        "{text}"
    );
    // Every algorithm of v2 has a threshold scheme that makes the user's device necessary.
    assert!(!text.contains("warning"), "{text}");

    let backwards = qoesign(&[
        "policy",
        "check",
        v1.to_str().unwrap(),
        "--against",
        v2.to_str().unwrap(),
    ]);
    assert_eq!(code(&backwards), 1);
    assert!(
        stderr(&backwards).contains("version must increase"),
        "{}",
        stderr(&backwards)
    );
}

#[test]
fn policy_check_locates_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    let text = std::fs::read_to_string(example("v2-hybrid.toml"))
        .unwrap()
        .replace("threshold = 3", "threshold = 9");
    std::fs::write(&path, text).unwrap();
    let output = qoesign(&["policy", "check", path.to_str().unwrap()]);
    assert_eq!(code(&output), 1);
    let message = stderr(&output);
    let location = format!("{}:11:13:", path.display());
    assert!(message.contains(&location), "{message}");
    assert!(
        message.contains("threshold is 9 but only 5 provider(s)"),
        "{message}"
    );

    let missing = qoesign(&[
        "policy",
        "check",
        dir.path().join("absent.toml").to_str().unwrap(),
    ]);
    assert_eq!(code(&missing), 1);
    assert!(
        stderr(&missing).contains("cannot read policy file"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn demo_refuses_a_quorum_without_a_scheme() {
    // Seven providers: more than threshold ML-DSA's six.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seven.toml");
    std::fs::write(
        &path,
        "version = 1\nissued = 2026-12-01\npreferred = \"mldsa65-ecdsa-p256\"\n[quorum]\n\
         providers = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\"]\nthreshold = 3\n\
         user_required = false\n[[algorithm]]\nid = \"mldsa65-ecdsa-p256\"\nstate = \"active\"\n",
    )
    .unwrap();
    let output = qoesign(&["demo", "--policy", path.to_str().unwrap()]);
    assert_eq!(code(&output), 1);
    assert!(
        stderr(&output).contains("no scheme for this quorum yet"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn demo_json_runs_the_threshold_composite_for_a_provider_quorum() {
    let policy = example("hybrid-threshold.toml");
    let json = demo_json(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(field(&json, "algorithm"), "mldsa65-ecdsa-p256");
    assert_eq!(field(&json, "scheme_kind"), "threshold");
    assert_eq!(field(&json, "scheme"), "composite-threshold-65");
    assert_eq!(json["signers"].as_array().unwrap().len(), 3);
    let decode = |name: &str| hex::decode(field(&json, name)).unwrap();
    let (pk, sig) = (decode("public_key"), decode("signature"));
    assert_eq!(pk.len(), 1952 + 65);
    // The ML-DSA half under RustCrypto ml-dsa: M' with the label as its context.
    let mut m_prime = b"CompositeAlgorithmSignatures2025COMPSIG-MLDSA65-ECDSA-P256-SHA512".to_vec();
    let context = decode("context");
    m_prime.push(u8::try_from(context.len()).unwrap());
    m_prime.extend_from_slice(&context);
    m_prime.extend_from_slice(&sha2::Sha512::digest(decode("message")));
    assert_eq!(
        independent::verify(
            "ml-dsa-65",
            &pk[..1952],
            &m_prime,
            b"COMPSIG-MLDSA65-ECDSA-P256-SHA512",
            &sig[..3309],
        ),
        Some(true)
    );
    // The ECDSA half under ring (ECDSA with SHA-256 over M').
    assert_eq!(
        independent::verify("ecdsa-p256", &pk[1952..], &m_prime, b"", &sig[3309..]),
        Some(true)
    );
    let check = verify(
        &json,
        field(&json, "public_key"),
        field(&json, "message"),
        field(&json, "signature"),
    );
    assert_eq!(code(&check), 0, "{}", stderr(&check));
}

#[test]
fn algorithms_lists_states_and_schemes() {
    let output = qoesign(&[
        "algorithms",
        "--json",
        "--policy",
        example("v3-pq.toml").to_str().unwrap(),
        "--date",
        "2030-06-01",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let rows: Vec<Value> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(rows.len(), 9);
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(row("ecdsa-p256")["state"], "retired");
    assert_eq!(row("ecdsa-p256")["may_sign"], false);
    assert_eq!(row("mldsa65-ecdsa-p256")["state"], "deprecated");
    assert_eq!(row("ml-dsa-65")["state"], "active");
    assert_eq!(row("ml-dsa-65")["oid"], "2.16.840.1.101.3.4.3.18");
    assert_eq!(
        row("ml-dsa-65")["schemes"][0]["id"],
        "qoesign-single-65",
        "the project's own FIPS 204 backend comes first"
    );
    assert_eq!(row("ml-dsa-65")["schemes"][1]["id"], "fips204-single-65");
    assert_eq!(row("ml-dsa-87")["state"], "unlisted");
    assert_eq!(row("mldsa44-ipd")["state"], "unlisted");
    assert_eq!(row("mldsa44-ipd")["schemes"][0]["id"], "pqcrypto-ipd-44");
    // v3 is 3 of 5 providers with the user's device: the "user and t of n" threshold ML-DSA.
    assert_eq!(
        row("ml-dsa-65")["scheme_for_quorum"],
        "qoesign-threshold-65"
    );

    let table = qoesign(&["algorithms"]);
    assert_eq!(code(&table), 0);
    assert!(stdout(&table).contains("fips204-single-65"));
    let bad_date = qoesign(&["algorithms", "--date", "tomorrow"]);
    assert_eq!(code(&bad_date), 1);
    assert!(stderr(&bad_date).contains("--date"));
}

#[test]
fn nothing_secret_reaches_the_output() {
    // The demo's output holds public values only: every field is one of the documented ones,
    // and the human summary shows no more than the JSON does.
    let json = demo_json(&[]);
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in &keys {
        assert!(
            [
                "algorithm",
                "public_key",
                "message",
                "context",
                "signature",
                "attempts",
                "scheme",
                "scheme_kind",
                "policy_version",
                "policy_digest",
                "key_holders",
                "signers",
                "verified",
                "user_device",
                "dropped",
                "signatures"
            ]
            .contains(key),
            "unexpected field {key}"
        );
    }
    assert!(Path::new(env!("CARGO_BIN_EXE_qoesign")).exists());
}

#[test]
fn demo_json_runs_threshold_ml_dsa_for_a_provider_quorum() {
    let policy = example("pq-threshold.toml");
    let json = demo_json(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(field(&json, "algorithm"), "ml-dsa-65");
    assert_eq!(field(&json, "scheme_kind"), "threshold");
    assert_eq!(field(&json, "scheme"), "qoesign-threshold-65");
    let signers: Vec<&str> = json["signers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(signers, ["at-graz", "at-wien", "at-linz"]);
    assert_eq!(json["key_holders"].as_array().unwrap().len(), 5);
    let attempts = json["attempts"].as_u64().unwrap();
    assert!((1..=16).contains(&attempts), "{attempts}");
    let decode = |name: &str| hex::decode(field(&json, name)).unwrap();
    assert_eq!(
        independent::verify(
            "ml-dsa-65",
            &decode("public_key"),
            &decode("message"),
            &decode("context"),
            &decode("signature"),
        ),
        Some(true)
    );
}

#[test]
fn demo_json_runs_threshold_ecdsa_for_a_provider_quorum() {
    let policy = example("ecdsa-threshold.toml");
    let json = demo_json(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(field(&json, "algorithm"), "ecdsa-p256");
    assert_eq!(field(&json, "scheme_kind"), "threshold");
    assert_eq!(field(&json, "scheme"), "dkls23");
    assert_eq!(json["key_holders"].as_array().unwrap().len(), 5);
    assert_eq!(json["signers"].as_array().unwrap().len(), 3);
    assert_eq!(json["attempts"].as_u64(), Some(1));
    assert_eq!(field(&json, "context"), "");
    let decode = |name: &str| hex::decode(field(&json, name)).unwrap();
    assert_eq!(
        independent::verify(
            "ecdsa-p256",
            &decode("public_key"),
            &decode("message"),
            b"",
            &decode("signature"),
        ),
        Some(true),
        "{}",
        independent::ECDSA_VERIFIER
    );
    let check = verify(
        &json,
        field(&json, "public_key"),
        field(&json, "message"),
        field(&json, "signature"),
    );
    assert_eq!(code(&check), 0, "{}", stderr(&check));
}

fn qoesign_with(passphrase: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qoesign"));
    command.args(args).env_remove("QOESIGN_PASSPHRASE");
    if let Some(passphrase) = passphrase {
        command.env("QOESIGN_PASSPHRASE", passphrase);
    }
    command.output().unwrap()
}

#[test]
fn keygen_sign_and_credentials_over_a_local_store() {
    let dir = tempfile::tempdir().unwrap();
    let stores = dir.path().join("stores");
    let stores = stores.to_str().unwrap();
    let policy = example("pq-threshold.toml");
    let pass = Some("operator passphrase");
    let output = qoesign_with(
        pass,
        &[
            "keygen",
            "--store",
            stores,
            "--owner",
            "bob",
            "--policy",
            policy.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let key: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(field(&key, "algorithm"), "ml-dsa-65");
    assert_eq!(key["key_holders"].as_array().unwrap().len(), 5);
    let id = field(&key, "credential").to_owned();
    let public_key = field(&key, "public_key").to_owned();

    let message = hex::encode(b"signed from the command line");
    let output = qoesign_with(
        pass,
        &[
            "sign",
            "--store",
            stores,
            "--credential",
            &id,
            "--msg",
            &message,
            "--ctx",
            "6162",
            "--json",
        ],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let signed: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let signature = hex::decode(field(&signed, "signature")).unwrap();
    assert_eq!(
        independent::verify(
            "ml-dsa-65",
            &hex::decode(&public_key).unwrap(),
            b"signed from the command line",
            b"ab",
            &signature
        ),
        Some(true)
    );
    assert_eq!(signed["signers"].as_array().unwrap().len(), 3);

    // The passphrase also comes from a file.
    let file = dir.path().join("passphrase");
    std::fs::write(&file, "operator passphrase\n").unwrap();
    let output = qoesign_with(
        None,
        &[
            "credentials",
            "--store",
            stores,
            "--passphrase-file",
            file.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let listed: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(field(&listed[0], "credential"), id);
    assert_eq!(field(&listed[0], "state"), "active");
    assert_eq!(listed[0]["signature_count"], 1);
    let counts: Vec<u64> = listed[0]["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["signature_count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 3, "{counts:?}");

    // A wrong or missing passphrase is a clear error; nothing is changed.
    let output = qoesign_with(Some("wrong"), &["credentials", "--store", stores]);
    assert_eq!(code(&output), 1);
    assert!(
        stderr(&output).contains("wrong passphrase"),
        "{}",
        stderr(&output)
    );
    let output = qoesign_with(None, &["credentials", "--store", stores]);
    assert_eq!(code(&output), 1);
    assert!(
        stderr(&output).contains("QOESIGN_PASSPHRASE"),
        "{}",
        stderr(&output)
    );
    // Exactly one of the inputs.
    let output = qoesign_with(pass, &["sign", "--store", stores, "--credential", &id]);
    assert_eq!(code(&output), 1);
    assert!(
        stderr(&output).contains("exactly one of"),
        "{}",
        stderr(&output)
    );
}

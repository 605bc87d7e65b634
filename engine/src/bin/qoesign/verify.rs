//! `qoesign verify`: standard verification with precise exit codes.

use std::process::ExitCode;

use qoesign_algorithms::{SignInput, VerifyError, VerifyPart};
use qoesign_engine::{FormatError, Registry, SignatureFormat, to_standard};

/// The arguments of `qoesign verify`, as given.
pub(crate) struct Args<'a> {
    pub(crate) alg: &'a str,
    pub(crate) pk: &'a str,
    pub(crate) msg: &'a str,
    pub(crate) sig: &'a str,
    pub(crate) ctx: Option<&'a str>,
    pub(crate) sig_format: &'a str,
}

/// Exit 0 valid, 1 invalid, 2 malformed input; every message names the argument at fault.
pub(crate) fn run(args: &Args<'_>) -> ExitCode {
    let alg = args.alg;
    match verify(args) {
        Ok(()) => {
            println!("valid: {alg} signature verifies");
            ExitCode::SUCCESS
        }
        Err(Outcome::Invalid) => {
            println!("invalid: the {alg} signature does not verify");
            ExitCode::from(1)
        }
        Err(Outcome::Malformed(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

enum Outcome {
    Invalid,
    Malformed(String),
}

fn verify(args: &Args<'_>) -> Result<(), Outcome> {
    let alg = args.alg;
    let registry = Registry::builtin();
    let algorithm = registry
        .entry(alg)
        .map_err(|e| Outcome::Malformed(format!("--alg: {e}")))?;
    let format = match args.sig_format {
        "standard" => SignatureFormat::Standard,
        "p1363" => SignatureFormat::P1363,
        other => {
            return Err(Outcome::Malformed(format!(
                "--sig-format: unknown format {other:?}; use standard or p1363"
            )));
        }
    };
    let pk = hex_arg("--pk", args.pk)?;
    let msg = hex_arg("--msg", args.msg)?;
    let sig = hex_arg("--sig", args.sig)?;
    let sig = to_standard(alg, format, &sig).map_err(|e| {
        let arg = match e {
            FormatError::NotForAlgorithm { .. } => "--sig-format",
            FormatError::Length(_) => "--sig",
        };
        Outcome::Malformed(format!("{arg}: {e}"))
    })?;
    let ctx = args
        .ctx
        .map(|c| hex_arg("--ctx", c))
        .transpose()?
        .unwrap_or_default();
    if !ctx.is_empty() && !algorithm.info.takes_context {
        return Err(Outcome::Malformed(format!(
            "--ctx: {alg} takes no context string"
        )));
    }
    let input = SignInput::with_context(msg, ctx);
    match registry.verify(alg, &pk, &input, &sig) {
        Err(e) => Err(Outcome::Malformed(format!("--alg: {e}"))),
        Ok(Ok(())) => Ok(()),
        Ok(Err(VerifyError::Invalid)) => Err(Outcome::Invalid),
        Ok(Err(VerifyError::Malformed { part, reason })) => {
            let arg = match part {
                VerifyPart::PublicKey => "--pk",
                VerifyPart::Signature => "--sig",
                VerifyPart::Message => "--msg",
                VerifyPart::Context => "--ctx",
            };
            Err(Outcome::Malformed(format!(
                "{arg}: malformed {}: {reason}",
                part.as_str()
            )))
        }
        Ok(Err(other)) => Err(Outcome::Malformed(other.to_string())),
    }
}

fn hex_arg(name: &str, value: &str) -> Result<Vec<u8>, Outcome> {
    hex::decode(value.trim()).map_err(|e| Outcome::Malformed(format!("{name}: not hex: {e}")))
}

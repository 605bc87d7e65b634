//! `qoesign verify`: standard verification with precise exit codes.

use std::process::ExitCode;

use qoesign_algorithms::{SignInput, VerifyError, VerifyPart};
use qoesign_engine::Registry;

/// Exit 0 valid, 1 invalid, 2 malformed input; every message names the argument at fault.
pub(crate) fn run(alg: &str, pk: &str, msg: &str, sig: &str, ctx: Option<&str>) -> ExitCode {
    match verify(alg, pk, msg, sig, ctx) {
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

fn verify(alg: &str, pk: &str, msg: &str, sig: &str, ctx: Option<&str>) -> Result<(), Outcome> {
    let registry = Registry::builtin();
    let algorithm = registry
        .entry(alg)
        .map_err(|e| Outcome::Malformed(format!("--alg: {e}")))?;
    let pk = hex_arg("--pk", pk)?;
    let msg = hex_arg("--msg", msg)?;
    let sig = hex_arg("--sig", sig)?;
    let ctx = ctx
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

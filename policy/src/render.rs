//! Writing a policy back as TOML, in one canonical layout.
//!
//! Parties store the policies they accept as text; the canonical text parses back to an equal
//! policy with the same digest, whatever the layout of the file it came from.

use std::fmt::Write as _;

use crate::digest::iso;
use crate::model::Policy;

impl Policy {
    /// The policy as TOML in a canonical layout: no comments, fields in file-format order,
    /// algorithms in the policy's order. [`Policy::parse`] reads it back to an equal policy.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(out, "version = {}", self.version);
        let _ = writeln!(out, "issued = {}", iso(self.issued));
        if let Some(description) = &self.description {
            let _ = writeln!(out, "description = {}", quoted(description));
        }
        let _ = writeln!(out, "preferred = {}", quoted(&self.preferred));
        let providers: Vec<String> = self.quorum.providers.iter().map(|p| quoted(p)).collect();
        let _ = writeln!(out, "\n[quorum]\nproviders = [{}]", providers.join(", "));
        let _ = writeln!(out, "threshold = {}", self.quorum.threshold);
        let _ = writeln!(out, "user_required = {}", self.quorum.user_required);
        for algorithm in &self.algorithms {
            let _ = writeln!(out, "\n[[algorithm]]\nid = {}", quoted(&algorithm.id));
            let _ = writeln!(out, "state = {}", quoted(algorithm.state.as_str()));
            if let Some(day) = algorithm.deprecate_on {
                let _ = writeln!(out, "deprecate_on = {}", iso(day));
            }
            if let Some(day) = algorithm.retire_on {
                let _ = writeln!(out, "retire_on = {}", iso(day));
            }
        }
        out
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

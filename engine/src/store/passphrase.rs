//! The operator passphrase and the Argon2id derivation of the store's root key from it.

use std::fmt;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::StoreError;

/// The operator passphrase that unlocks a store. It is read from an environment variable or a
/// file, never from a command-line argument (other users can read those). Zeroized on drop;
/// its `Debug` shows nothing of it.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// A passphrase held by the caller (tests and the in-process demo). [`Store::create`]
    /// refuses an empty one.
    ///
    /// [`Store::create`]: super::Store::create
    pub fn new(passphrase: Zeroizing<String>) -> Self {
        Self(passphrase)
    }

    /// Reads the passphrase from the environment variable `var`. The variable stays set: clear
    /// it after use if other code of the process could read it.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Passphrase`] when the variable is unset, not UTF-8 or empty.
    pub fn from_env(var: &str) -> Result<Self, StoreError> {
        let origin = || format!("environment variable {var}");
        let value = std::env::var_os(var).ok_or_else(|| StoreError::Passphrase {
            origin: origin(),
            reason: "not set".to_owned(),
        })?;
        let value = Zeroizing::new(value.into_string().map_err(|_| StoreError::Passphrase {
            origin: origin(),
            reason: "not valid UTF-8".to_owned(),
        })?);
        non_empty(value, origin)
    }

    /// Reads the passphrase from the file at `path`, dropping one trailing newline (`\n` or
    /// `\r\n`) that editors add.
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::Io`] when the file cannot be read, and [`StoreError::Passphrase`]
    /// when it is not UTF-8 or holds nothing but the newline.
    pub fn from_file(path: &Path) -> Result<Self, StoreError> {
        let origin = || format!("file {}", path.display());
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|source| StoreError::Io {
            path: path.to_owned(),
            action: "read the passphrase file",
            source,
        })?);
        let text = std::str::from_utf8(&bytes).map_err(|_| StoreError::Passphrase {
            origin: origin(),
            reason: "not valid UTF-8".to_owned(),
        })?;
        let text = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(text);
        non_empty(Zeroizing::new(text.to_owned()), origin)
    }

    /// Whether the passphrase is empty.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([redacted])")
    }
}

/// Argon2id cost parameters (RFC 9106). They are stored in the store's header, so a store
/// opens with the parameters it was created with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Parallel lanes.
    pub lanes: u32,
}

impl KdfParams {
    /// The second recommendation of RFC 9106 section 4 as OWASP gives it for Argon2id:
    /// 19 MiB, two passes, one lane. It costs about 25 ms per create or open on one core of
    /// this project's 2-core build machine.
    pub fn recommended() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            lanes: 1,
        }
    }

    /// Small parameters for tests and the in-process demo only: they make guessing the
    /// passphrase cheap, so never use them for a store that holds real keys.
    pub fn for_tests() -> Self {
        Self {
            memory_kib: 64,
            iterations: 1,
            lanes: 1,
        }
    }

    /// Checks the parameters against Argon2's minimums and this build's maximums (which keep a
    /// tampered header from making an open allocate without bound).
    ///
    /// # Errors
    ///
    /// Returns [`StoreError::KdfParams`] naming the bound that is broken.
    pub fn check(&self) -> Result<(), StoreError> {
        let bad = |reason: String| Err(StoreError::KdfParams { reason });
        if !(MIN_LANES..=MAX_LANES).contains(&self.lanes) {
            return bad(format!(
                "lanes {} are not between {MIN_LANES} and {MAX_LANES}",
                self.lanes
            ));
        }
        let min_memory = self.lanes.saturating_mul(8);
        if !(min_memory..=MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return bad(format!(
                "memory {} KiB is not between {min_memory} and {MAX_MEMORY_KIB} KiB",
                self.memory_kib
            ));
        }
        if !(1..=MAX_ITERATIONS).contains(&self.iterations) {
            return bad(format!(
                "iterations {} are not between 1 and {MAX_ITERATIONS}",
                self.iterations
            ));
        }
        Ok(())
    }
}

/// Derives the 32-byte root key of a store from the passphrase and the store's salt.
pub(super) fn derive_root_key(
    passphrase: &Passphrase,
    params: &KdfParams,
    salt: &[u8],
) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    params.check()?;
    let kdf_error = |e: argon2::Error| StoreError::KdfParams {
        reason: format!("rejected by Argon2: {e}"),
    };
    let params = Params::new(params.memory_kib, params.iterations, params.lanes, Some(32))
        .map_err(kdf_error)?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.expose(), salt, key.as_mut())
        .map_err(kdf_error)?;
    Ok(key)
}

fn non_empty(
    value: Zeroizing<String>,
    origin: impl Fn() -> String,
) -> Result<Passphrase, StoreError> {
    if value.is_empty() {
        return Err(StoreError::Passphrase {
            origin: origin(),
            reason: "empty".to_owned(),
        });
    }
    Ok(Passphrase(value))
}

/// 1 GiB: beyond any sensible setting, and bounded so a header cannot demand more.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 64;
const MIN_LANES: u32 = 1;
const MAX_LANES: u32 = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_passphrase() {
        let p = Passphrase::new(Zeroizing::new("correct horse".to_owned()));
        assert_eq!(format!("{p:?}"), "Passphrase([redacted])");
    }

    #[test]
    fn file_loses_one_newline_and_refuses_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        for (content, expected) in [
            ("secret\n", Some("secret")),
            ("secret\r\n", Some("secret")),
            ("secret\n\n", Some("secret\n")),
            ("secret", Some("secret")),
            ("\n", None),
            ("", None),
        ] {
            std::fs::write(&path, content).unwrap();
            match (Passphrase::from_file(&path), expected) {
                (Ok(p), Some(expected)) => assert_eq!(p.expose(), expected.as_bytes()),
                (Err(StoreError::Passphrase { reason, .. }), None) => assert_eq!(reason, "empty"),
                (other, _) => panic!("{content:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn parameters_are_bounded() {
        assert!(KdfParams::recommended().check().is_ok());
        assert!(KdfParams::for_tests().check().is_ok());
        for bad in [
            KdfParams {
                memory_kib: 7,
                ..KdfParams::for_tests()
            },
            KdfParams {
                memory_kib: u32::MAX,
                ..KdfParams::for_tests()
            },
            KdfParams {
                iterations: 0,
                ..KdfParams::for_tests()
            },
            KdfParams {
                lanes: 0,
                ..KdfParams::for_tests()
            },
        ] {
            assert!(
                matches!(bad.check(), Err(StoreError::KdfParams { .. })),
                "{bad:?}"
            );
        }
    }
}

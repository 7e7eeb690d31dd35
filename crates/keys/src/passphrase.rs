//! The passphrase that encrypts the CA key at rest.

use std::fmt;
use std::path::Path;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::KeyError;
use crate::fsutil::{ReadError, read_secret_file, write_new_secret_file};

/// The environment variable that carries the passphrase.
pub const PASSPHRASE_ENV: &str = "CAREPKI_PASSPHRASE";

/// The shortest passphrase accepted, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 16;

/// A passphrase of at least [`MIN_PASSPHRASE_CHARS`] characters.
///
/// The text is zeroized when dropped and never shown by `Debug`.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(***)")
    }
}

impl Passphrase {
    /// Wraps a passphrase, refusing one shorter than [`MIN_PASSPHRASE_CHARS`] characters.
    pub fn new(s: String) -> Result<Self, KeyError> {
        Self::checked(Zeroizing::new(s), "the given passphrase")
    }

    fn checked(s: Zeroizing<String>, origin: impl Into<String>) -> Result<Self, KeyError> {
        let len = s.chars().count();
        if len < MIN_PASSPHRASE_CHARS {
            return Err(KeyError::PassphraseTooShort {
                origin: origin.into(),
                len,
                min: MIN_PASSPHRASE_CHARS,
            });
        }
        Ok(Self(s))
    }

    /// A new random passphrase: 32 bytes from the system random number
    /// generator, as 64 lowercase hex digits.
    pub fn generate() -> Result<Self, KeyError> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| KeyError::Random)?;
        let mut s = Zeroizing::new(String::with_capacity(64));
        for b in bytes.iter() {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        Ok(Self(s))
    }

    /// The passphrase from `CAREPKI_PASSPHRASE` if that is set and not empty;
    /// else the one in `file` (as written by [`Passphrase::create_file`]).
    pub fn from_env_or_file(file: &Path) -> Result<Self, KeyError> {
        let env = match std::env::var(PASSPHRASE_ENV) {
            Ok(v) => Some(v),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(KeyError::PassphraseNotUtf8 {
                    origin: PASSPHRASE_ENV.to_owned(),
                });
            }
        };
        Self::resolve(env, file)
    }

    /// What [`Passphrase::from_env_or_file`] does, with the value of
    /// `CAREPKI_PASSPHRASE` passed in: `env_value` wins unless it is `None` or
    /// empty, in which case `file` is read.
    ///
    /// The file must be a regular file that only its owner can read or write;
    /// one trailing line break is ignored.
    pub fn resolve(env_value: Option<String>, file: &Path) -> Result<Self, KeyError> {
        let env_value = env_value.map(Zeroizing::new);
        if let Some(v) = env_value
            && !v.is_empty()
        {
            return Self::checked(v, PASSPHRASE_ENV);
        }
        Self::read_file(file)
    }

    fn read_file(file: &Path) -> Result<Self, KeyError> {
        let bytes = read_secret_file(file, "passphrase file").map_err(|e| match e {
            ReadError::NotFound => KeyError::NoPassphrase {
                path: file.to_path_buf(),
            },
            ReadError::Key(k) => k,
        })?;
        let origin = || format!("passphrase file {}", file.display());
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| KeyError::PassphraseNotUtf8 { origin: origin() })?;
        let text = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(text);
        Self::checked(Zeroizing::new(text.to_owned()), origin())
    }

    /// Generates a passphrase and writes it to `file` (with a trailing line
    /// break): created new with mode 0600, never overwriting, synced to disk.
    pub fn create_file(file: &Path) -> Result<Self, KeyError> {
        let p = Self::generate()?;
        let mut contents = Zeroizing::new(Vec::with_capacity(p.0.len() + 1));
        contents.extend_from_slice(p.0.as_bytes());
        contents.push(b'\n');
        write_new_secret_file(file, &contents)?;
        Ok(p)
    }

    /// The passphrase text, for the few places that must hand it on (the
    /// PBES2 key derivation, or showing a generated passphrase to the operator
    /// once). Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

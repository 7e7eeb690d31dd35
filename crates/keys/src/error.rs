//! The one error type of this crate.

use std::io;
use std::path::PathBuf;

use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};

/// Everything that can go wrong with CA keys and passphrases.
///
/// Messages say what is wrong and how to fix it. They never contain key
/// material or passphrases.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The signature algorithm cannot be used with the key algorithm.
    #[error(
        "signature algorithm {sig} cannot be used with a {key} key; use {default} \
         (ECDSA P-256 signs with ecdsa-with-SHA256, P-384 with ecdsa-with-SHA384, \
         RSA with sha256/384/512WithRSAEncryption)",
        default = key.default_signature_algorithm()
    )]
    AlgorithmMismatch {
        /// The key algorithm.
        key: KeyAlgorithm,
        /// The signature algorithm asked for.
        sig: SignatureAlgorithm,
    },

    /// The private key is of a type or size CarePKI does not support.
    #[error(
        "unsupported private key: {what}; use an ECDSA P-256 or P-384 key, \
         or an RSA key of 2048, 3072 or 4096 bits"
    )]
    UnsupportedKey {
        /// What the key is (type, curve or size), never its value.
        what: String,
    },

    /// The private key could not be parsed.
    #[error(
        "the private key is not a valid PKCS#8 key ({detail}); check that the file holds the CA key"
    )]
    InvalidKey {
        /// The parser's description of the problem.
        detail: String,
    },

    /// The crypto library could not generate a key.
    #[error(
        "generating a {key} key failed in the crypto library; retry, and report a bug if it persists"
    )]
    KeyGeneration {
        /// The key algorithm asked for.
        key: KeyAlgorithm,
    },

    /// The crypto library failed to sign.
    #[error("signing with {alg} failed in the crypto library; the key may be damaged: reload it")]
    Signing {
        /// The signature algorithm used.
        alg: SignatureAlgorithm,
    },

    /// The system random number generator failed.
    #[error("the system random number generator failed; check that /dev/urandom (getrandom) works")]
    Random,

    /// Encrypting or encoding the private key failed.
    #[error("cannot encrypt the private key: {detail}")]
    Encrypt {
        /// The library's description of the problem.
        detail: String,
    },

    /// The PEM text is not an encrypted PKCS#8 private key.
    #[error(
        "{what} is not a PEM \"ENCRYPTED PRIVATE KEY\" (PKCS#8) file: {detail}; \
         CarePKI only loads keys encrypted with a passphrase"
    )]
    NotEncryptedPem {
        /// What was read (e.g. "CA key file /etc/carepki/ca.key").
        what: String,
        /// What was found instead.
        detail: String,
    },

    /// The key is encrypted with a scheme or parameters CarePKI refuses.
    #[error(
        "{what} is encrypted with {detail}; re-encrypt it with PBES2: \
         `openssl pkcs8 -topk8 -v2 aes-256-cbc -scrypt -in old.pem -out new.pem`"
    )]
    UnsupportedEncryption {
        /// What was read.
        what: String,
        /// The scheme or parameters found.
        detail: String,
    },

    /// Decryption failed: the passphrase is wrong or the file is damaged.
    #[error(
        "cannot decrypt {what}: wrong passphrase or damaged file; \
         set CAREPKI_PASSPHRASE to the passphrase used at init"
    )]
    WrongPassphrase {
        /// What was decrypted (e.g. "CA key file /etc/carepki/ca.key").
        what: String,
    },

    /// A file that would hold a secret already exists.
    #[error(
        "refusing to overwrite {path}: the file already exists; move it away or choose another path"
    )]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },

    /// The CA key file does not exist.
    #[error(
        "CA key file {path} does not exist; run `carepki init` first, \
         or fix the key path in the configuration"
    )]
    KeyFileMissing {
        /// The missing file.
        path: PathBuf,
    },

    /// A file holding a secret can be read or written by group or others.
    #[error(
        "{what} {path} is accessible by group or others (mode {mode:03o}) but holds a secret; \
         run `chmod 600 {path}`"
    )]
    InsecurePermissions {
        /// What the file is ("CA key file", "passphrase file").
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The permission bits found.
        mode: u32,
    },

    /// A file holding a secret is not a regular file or is implausibly large.
    #[error("{what} {path} {problem}")]
    BadFile {
        /// What the file is.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it, and the fix.
        problem: &'static str,
    },

    /// An I/O operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done ("create", "read", "write", "sync" ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },

    /// A passphrase is shorter than the minimum.
    #[error(
        "{origin} is too short ({len} characters): a passphrase needs at least {min} characters; \
         use a longer one, e.g. from `openssl rand -hex 32`"
    )]
    PassphraseTooShort {
        /// Where the passphrase came from ("CAREPKI_PASSPHRASE", "passphrase file /x" ...).
        origin: String,
        /// Its length in characters.
        len: usize,
        /// The minimum length in characters.
        min: usize,
    },

    /// A passphrase is not valid UTF-8.
    #[error(
        "{origin} is not valid UTF-8; use a passphrase of UTF-8 text, e.g. from `openssl rand -hex 32`"
    )]
    PassphraseNotUtf8 {
        /// Where the passphrase came from.
        origin: String,
    },

    /// No passphrase: neither the environment variable nor the file is there.
    #[error(
        "no passphrase for the CA key: CAREPKI_PASSPHRASE is not set and the passphrase file \
         {path} does not exist; set CAREPKI_PASSPHRASE or restore the file written by `carepki init`"
    )]
    NoPassphrase {
        /// The passphrase file looked for.
        path: PathBuf,
    },
}

//! The one error type of this crate.

use std::io;
use std::path::PathBuf;

use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};

/// Everything that can go wrong with CA keys, passphrases and PKCS#11 tokens.
///
/// Messages say what is wrong and how to fix it. They never contain key
/// material, passphrases, PINs, SO PINs or activation codes.
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

    /// A PKCS#11 module cannot be loaded or initialised.
    #[error("cannot load the PKCS#11 module {path}: {detail}; {hint}")]
    Pkcs11Module {
        /// The module (shared library) asked for.
        path: PathBuf,
        /// What failed.
        detail: String,
        /// What to do about it.
        hint: &'static str,
    },

    /// A PKCS#11 operation on a token failed.
    #[error(
        "{action}{} (PKCS#11 module {module}) failed: {detail}",
        on_token(token)
    )]
    Pkcs11 {
        /// The module.
        module: PathBuf,
        /// The token's label ("" when no token was involved).
        token: String,
        /// What was being done.
        action: String,
        /// The module's answer.
        detail: String,
    },

    /// No initialised token carries the label.
    #[error(
        "no token labelled \"{label}\" in PKCS#11 module {module} (tokens there: {present}); \
         check the label, insert the card, or initialise the card first"
    )]
    TokenNotFound {
        /// The module.
        module: PathBuf,
        /// The label looked for.
        label: String,
        /// The labels of the initialised tokens found, or "none".
        present: String,
    },

    /// Several tokens carry the same label, so the label names none of them.
    #[error(
        "{count} tokens in PKCS#11 module {module} are labelled \"{label}\"; \
         a label must name one token: relabel or remove the others"
    )]
    AmbiguousToken {
        /// The module.
        module: PathBuf,
        /// The label.
        label: String,
        /// How many tokens carry it.
        count: usize,
    },

    /// No blank token to initialise.
    #[error(
        "PKCS#11 module {module} has no blank (uninitialised) token for \"{label}\"; \
         insert a blank card, or for SoftHSM2 check that SOFTHSM2_CONF names a \
         configuration whose directories.tokendir exists and is writable"
    )]
    NoBlankToken {
        /// The module.
        module: PathBuf,
        /// The label the token was to get.
        label: String,
    },

    /// A token to be initialised or given keys already holds objects (issue 5,
    /// bad input "a token that already holds keys").
    #[error(
        "token \"{token}\" already holds keys or certificates ({objects} objects); \
         card keys are generated once, on a blank token: use a blank card, or erase \
         this one first (SoftHSM2: `softhsm2-util --delete-token --token \"{token}\"`)"
    )]
    TokenHoldsKeys {
        /// The token's label.
        token: String,
        /// How many objects were seen.
        objects: usize,
    },

    /// The security officer's PIN was refused.
    #[error(
        "wrong SO PIN for token \"{token}\"; use the SO PIN the token was initialised with \
         (the card issuer's configuration)"
    )]
    WrongSoPin {
        /// The token's label.
        token: String,
    },

    /// A user PIN (PIN1, PIN2, or an HSM's user PIN) was refused by the token.
    #[error("wrong {pin} for token \"{token}\"{tries}")]
    WrongPin {
        /// The token's label.
        token: String,
        /// Which PIN ("PIN1 (authentication)", "PIN2 (signature)", "user PIN").
        pin: &'static str,
        /// What the token says about the tries left ("" when it says nothing).
        tries: &'static str,
    },

    /// A PIN is locked after too many wrong tries.
    #[error(
        "{pin} of token \"{token}\" is locked after too many wrong tries; \
         the registrar can order a new activation code for the card"
    )]
    PinLocked {
        /// The token's label.
        token: String,
        /// Which PIN.
        pin: &'static str,
    },

    /// A PIN is not 4 to 8 digits.
    #[error("{pin} must be 4 to 8 digits (0-9): {problem}")]
    PinFormat {
        /// Which PIN ("PIN1 (authentication)", "PIN2 (signature)").
        pin: &'static str,
        /// What is wrong, without the PIN itself.
        problem: String,
    },

    /// The activation code was refused by the card.
    #[error(
        "wrong activation code for card \"{card}\"; type the code from the activation \
         letter of this card. A code works once: after activation it no longer opens \
         the card. If the code is lost, the registrar orders a new one"
    )]
    WrongActivationCode {
        /// The card's label.
        card: String,
    },

    /// Text that cannot be an activation code.
    #[error(
        "this is not an activation code: {problem}; type the 16 letters and digits of the \
         activation letter (dashes and spaces do not matter)"
    )]
    ActivationCodeFormat {
        /// What is wrong, without the text itself.
        problem: String,
    },

    /// A card or token label CarePKI cannot use.
    #[error("card label \"{label}\" {problem}")]
    CardLabel {
        /// The label.
        label: String,
        /// What is wrong and what is allowed.
        problem: String,
    },

    /// The key (or its public half) is not on the token.
    #[error("no {what} on token \"{token}\"; {hint}")]
    KeyNotFound {
        /// The token's label.
        token: String,
        /// What was looked for.
        what: String,
        /// What to do.
        hint: &'static str,
    },

    /// The key label is already used on the token.
    #[error(
        "token \"{token}\" already holds a key labelled \"{label}\"; \
         choose another label or remove the old key"
    )]
    KeyExists {
        /// The token's label.
        token: String,
        /// The key label.
        label: String,
    },

    /// The card is not in production: the operation needs the activation code.
    #[error(
        "card \"{card}\" is not in production: {action} needs the activation code, \
         which only the card object returned by Card::initialise or \
         Card::new_activation_code holds; order a new activation code to resume"
    )]
    NotInProduction {
        /// The card's label.
        card: String,
        /// What was attempted.
        action: &'static str,
    },

    /// A certificate to be written to a card does not fit it.
    #[error("cannot write the certificate to token \"{token}\": {problem}")]
    CertificateRefused {
        /// The token's label.
        token: String,
        /// What is wrong.
        problem: String,
    },

    /// The token did not mark a generated private key as it was told to.
    #[error(
        "token \"{token}\" did not protect the generated private key ({problem}); \
         do not use this token for card or CA keys"
    )]
    KeyNotProtected {
        /// The token's label.
        token: String,
        /// Which attribute was wrong.
        problem: String,
    },
}

/// " on token \"label\"", or nothing for an operation on no token.
fn on_token(token: &str) -> String {
    if token.is_empty() {
        String::new()
    } else {
        format!(" on token \"{token}\"")
    }
}

//! The `Signer` seam of CarePKI: how the CA signs, and CA keys in software.
//!
//! Everything the CA signs goes through [`Signer`]. This crate implements it
//! with [`SoftwareKey`], an aws-lc-rs key (ECDSA P-256/P-384 or RSA
//! 2048/3072/4096) that lives in memory and is stored on disk as a PKCS#8
//! "ENCRYPTED PRIVATE KEY" PEM file (PBES2: scrypt and AES-256-CBC), readable
//! by `openssl pkey`. [`Pkcs11Signer`] implements it for a key on a PKCS#11
//! token (an HSM), and [`Card`] is a certificate card on PKCS#11 tokens: two
//! key pairs generated on the card, two PINs (R-CARD-CERTS, docs/CARDS.md).
//!
//! The file is encrypted with a [`Passphrase`], taken from the
//! `CAREPKI_PASSPHRASE` environment variable or from a passphrase file that
//! [`Passphrase::create_file`] writes at init.
//!
//! Files holding secrets are created with mode 0600, never overwritten, and
//! refused when group or others can reach them. Key material and passphrases
//! never appear in errors or `Debug` output, and secret buffers are zeroized.
//!
//! [`measure_sign_rate`] and [`measure_sign_rate_threads`] report the raw
//! signing rate for `carepki bench`.
#![forbid(unsafe_code)]

mod error;
mod fsutil;
mod passphrase;
mod pkcs11;
mod signer;
mod software;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::KeyError;
pub use passphrase::{MIN_PASSPHRASE_CHARS, PASSPHRASE_ENV, Passphrase};
pub use pkcs11::{
    ACTIVATION_CODE_CHARS, ActivationCode, Card, CardKey, CardPublicKeys, MAX_CARD_LABEL_BYTES,
    MAX_PIN_DIGITS, MIN_PIN_DIGITS, Pkcs11Module, Pkcs11Signer, SOFTHSM2_MODULE, TokenSummary,
    check_pin_format,
};
pub use signer::{Signer, digest_algorithm, measure_sign_rate, measure_sign_rate_threads};
pub use software::{SoftwareKey, check_algorithms};

pub use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};

//! Pure DER for CarePKI: certificate signing requests and proof of possession, key
//! rules, distinguished names, extensions, to-be-signed certificates and the RFC 5280
//! lints that run before anything is signed.
//!
//! This crate does no I/O and never reads the clock: callers pass the time in. It
//! encodes with x509-cert 0.3 / der 0.8 (which keep repeated name attributes and copy
//! the issuer name exactly) and verifies request signatures with aws-lc-rs.
#![forbid(unsafe_code)]

pub mod alg;
pub mod cert;
pub mod cms;
pub mod crl;
pub mod csr;
pub mod error;
pub mod ext;
pub mod key;
pub mod lint;
pub mod name;
pub mod ocsp;
pub mod oid;
pub mod revocation;
pub mod verify;

pub use alg::{KeyAlgorithm, SignatureAlgorithm};
pub use error::X509Error;
pub use key::PublicKey;
pub use revocation::RevocationReason;

/// Re-exports of the encoding crates, so that dependants use the same versions.
pub mod reexport {
    pub use const_oid;
    pub use der;
    pub use spki;
    pub use x509_cert;
}

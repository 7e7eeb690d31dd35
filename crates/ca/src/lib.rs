//! CarePKI's certificate authority: the key ceremony that creates the production and
//! TEST hierarchies, and the issuance cycle of docs/ISSUANCE.md, for service
//! certificates and for the two certificates of a card (`card`).
//!
//! This crate is the only holder of CA signing keys ([`carepki_keys::Signer`]).
#![forbid(unsafe_code)]

pub mod audit;
pub mod authority;
pub mod bench;
pub mod card;
pub mod crl;
pub mod datadir;
pub mod docsign;
pub mod error;
pub mod init;
pub mod inspect;
pub mod ocsp;
pub mod responder;
pub mod revoke;
pub mod serial;

pub use authority::{Authority, IssueRequest, Issued, LoadedCa, StepTimes};
pub use card::CardIssueRequest;
pub use datadir::DataDir;
pub use error::CaError;

use carepki_policy::Ceremony;
use carepki_policy::ceremony::RsaHash;
use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};

/// The algorithm a CA key of this kind signs with under a ceremony: ECDSA with the
/// curve's hash, RSA with the ceremony's hash (SHA-512 by default).
pub fn ceremony_signature_algorithm(ceremony: &Ceremony, key: KeyAlgorithm) -> SignatureAlgorithm {
    if key.is_rsa() {
        match ceremony.rsa_hash {
            RsaHash::Sha256 => SignatureAlgorithm::RsaPkcs1Sha256,
            RsaHash::Sha384 => SignatureAlgorithm::RsaPkcs1Sha384,
            RsaHash::Sha512 => SignatureAlgorithm::RsaPkcs1Sha512,
        }
    } else {
        key.default_signature_algorithm()
    }
}

/// The DER SubjectPublicKeyInfo of a DER certificate.
pub(crate) fn ca_spki(cert_der: &[u8]) -> Result<Vec<u8>, CaError> {
    let cert = carepki_x509::cert::decode_certificate(cert_der)?;
    Ok(carepki_x509::cert::spki_der(cert.tbs_certificate())?)
}

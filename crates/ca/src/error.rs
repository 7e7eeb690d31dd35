//! The CA's error type.

use carepki_keys::KeyError;
use carepki_policy::PolicyError;
use carepki_store::StoreError;
use carepki_x509::X509Error;
use carepki_x509::lint::Finding;

/// Why the CA refused or failed. Messages are shown to operators and customers as they
/// are: they say what is wrong and how to fix it, and hold no secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// The request (CSR) is malformed, carries an unacceptable key or does not verify.
    #[error("certificate request: {0}")]
    Csr(X509Error),
    /// The request breaks its profile.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A card's public key (SubjectPublicKeyInfo from the token) is malformed or
    /// breaks the key rules.
    #[error("the card's {role} key: {source}")]
    CardKey {
        /// Which of the card's keys.
        role: carepki_policy::KeyRole,
        /// What is wrong with it.
        source: X509Error,
    },
    /// The organisation is not in the register (R-ELIGIBLE).
    #[error(
        "organisation {0} is not in the organisation register (R-ELIGIBLE); import it with `carepki org import`"
    )]
    UnknownOrganisation(String),
    /// The public key is already bound to a revoked certificate, to another
    /// organisation's certificate or to a CA.
    #[error("{0}")]
    KeyReused(String),
    /// The organisation changed in the register while its certificate was prepared
    /// (the cycle runs once more from the current record before giving up).
    #[error(
        "organisation {0} changed in the register while its certificate was prepared; try again"
    )]
    OrganisationChanged(String),
    /// The asked-for CA is of the wrong hierarchy or role, or does not exist.
    #[error("{0}")]
    WrongCa(String),
    /// The to-be-signed certificate broke lint rules; nothing was signed.
    #[error("the certificate failed linting and was not signed: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Lint(Vec<Finding>),
    /// An argument is malformed or does not fit what is stored (unknown or
    /// already revoked serial, bad reason).
    #[error("{0}")]
    InvalidInput(String),
    /// Encoding failed.
    #[error(transparent)]
    X509(X509Error),
    /// A signed document or prescription was refused
    /// ([`crate::docsign::DocumentVerdict::into_result`]); `code` is stable
    /// (`prescription.no_sv_number`, `certificate.revoked`, ...).
    #[error("the signed document was refused ({code}): {message}")]
    DocumentRefused {
        /// The stable code of the first failed check.
        code: &'static str,
        /// What is wrong, in words.
        message: String,
    },
    /// A key could not be loaded or used.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data directory is missing, exists already, or a file in it cannot be used.
    #[error("{0}")]
    DataDir(String),
    /// An I/O error on a named path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

impl From<X509Error> for CaError {
    fn from(e: X509Error) -> Self {
        Self::X509(e)
    }
}

impl CaError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

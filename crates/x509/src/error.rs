//! The error type of the pure DER layer.

/// What can go wrong parsing, checking or encoding X.509 structures.
///
/// Messages name the problem and, where there is one, the fix; they are shown to
/// customers as they are, so they never contain key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum X509Error {
    /// The input is neither PEM of the expected label nor DER.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being read, e.g. "certificate request".
        what: &'static str,
        /// What the decoder saw.
        detail: String,
    },
    /// A key type CarePKI does not accept for certificates.
    #[error(
        "{0} keys are not accepted; use RSA (2048, 3072 or 4096 bits) or ECDSA on P-256 or P-384"
    )]
    UnsupportedKeyType(String),
    /// An elliptic curve CarePKI does not accept.
    #[error("the elliptic curve {0} is not accepted; use P-256 (prime256v1) or P-384 (secp384r1)")]
    UnsupportedCurve(String),
    /// An RSA modulus of a size CarePKI does not accept.
    #[error("RSA keys of {0} bits are not accepted; use 2048, 3072 or 4096 bits")]
    RsaKeySize(usize),
    /// An RSA public exponent that is not an odd number of at least 3.
    #[error("the RSA public exponent is not acceptable; use 65537")]
    RsaExponent,
    /// An EC point not in uncompressed form or of the wrong length.
    #[error("the EC public key is not an uncompressed point on {0}")]
    EcPoint(&'static str),
    /// A signature algorithm CarePKI does not accept in a request.
    #[error(
        "the request is signed with {0}, which is not accepted; sign it with SHA-256, SHA-384 or SHA-512 (e.g. `openssl req -sha256`)"
    )]
    UnsupportedSignatureAlgorithm(String),
    /// The request's signature does not verify with its own public key.
    #[error(
        "the request's signature does not verify with the public key it carries (no proof of possession); create a new request with the matching private key"
    )]
    BadSignature,
    /// A DER encoding error while building a structure.
    #[error("cannot encode {what}: {detail}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's message.
        detail: String,
    },
    /// A value that does not fit where it must go (length bounds, character sets).
    #[error("{0}")]
    InvalidValue(String),
    /// A signed document (CMS SignedData) that cannot be built or does not
    /// verify; `code` is stable (`document.digest_mismatch`, ...), see
    /// [`crate::cms::verify_signed_data`].
    #[error("{detail} ({code})")]
    SignedDocument {
        /// The stable code of the refusal.
        code: &'static str,
        /// What is wrong, in words.
        detail: String,
    },
}

impl X509Error {
    pub(crate) fn malformed(what: &'static str, e: impl std::fmt::Display) -> Self {
        Self::Malformed {
            what,
            detail: e.to_string(),
        }
    }

    pub(crate) fn encode(what: &'static str, e: impl std::fmt::Display) -> Self {
        Self::Encode {
            what,
            detail: e.to_string(),
        }
    }
}

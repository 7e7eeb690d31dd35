//! Signature and key algorithms CarePKI uses, with their OIDs and DER identifiers.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use der::asn1::Null;
use der::{Any, Encode};
use spki::AlgorithmIdentifierOwned;

/// A signature algorithm a CA key signs with.
///
/// ECDSA keys sign with the hash that matches their curve (RFC 5758); RSA keys use
/// PKCS#1 v1.5 with SHA-512 by default, SHA-256 or SHA-384 where a deployment asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// ecdsa-with-SHA256 (P-256 keys).
    EcdsaSha256,
    /// ecdsa-with-SHA384 (P-384 keys).
    EcdsaSha384,
    /// sha256WithRSAEncryption.
    RsaPkcs1Sha256,
    /// sha384WithRSAEncryption.
    RsaPkcs1Sha384,
    /// sha512WithRSAEncryption.
    RsaPkcs1Sha512,
}

impl SignatureAlgorithm {
    /// The algorithm's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::EcdsaSha256 => rfc5912::ECDSA_WITH_SHA_256,
            Self::EcdsaSha384 => rfc5912::ECDSA_WITH_SHA_384,
            Self::RsaPkcs1Sha256 => rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
            Self::RsaPkcs1Sha384 => rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
            Self::RsaPkcs1Sha512 => rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
        }
    }

    /// The AlgorithmIdentifier as it appears in certificates: ECDSA without
    /// parameters, RSA with an explicit NULL (RFC 5758 §3.2, RFC 4055 §5).
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        let parameters = match self {
            Self::EcdsaSha256 | Self::EcdsaSha384 => None,
            Self::RsaPkcs1Sha256 | Self::RsaPkcs1Sha384 | Self::RsaPkcs1Sha512 => {
                Some(Any::encode_from(&Null).expect("NULL always encodes"))
            }
        };
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters,
        }
    }

    /// Every algorithm CarePKI signs with.
    pub const ALL: [SignatureAlgorithm; 5] = [
        Self::EcdsaSha256,
        Self::EcdsaSha384,
        Self::RsaPkcs1Sha256,
        Self::RsaPkcs1Sha384,
        Self::RsaPkcs1Sha512,
    ];

    /// The algorithm named by an AlgorithmIdentifier, if CarePKI knows it.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.oid() == *oid)
    }

    /// The algorithm with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether this is an ECDSA algorithm.
    pub fn is_ecdsa(self) -> bool {
        matches!(self, Self::EcdsaSha256 | Self::EcdsaSha384)
    }

    /// The name used in configuration files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::EcdsaSha256 => "ecdsa-with-SHA256",
            Self::EcdsaSha384 => "ecdsa-with-SHA384",
            Self::RsaPkcs1Sha256 => "sha256WithRSAEncryption",
            Self::RsaPkcs1Sha384 => "sha384WithRSAEncryption",
            Self::RsaPkcs1Sha512 => "sha512WithRSAEncryption",
        }
    }

    /// The DER of the AlgorithmIdentifier.
    pub fn to_der(self) -> Vec<u8> {
        self.algorithm_identifier()
            .to_der()
            .expect("AlgorithmIdentifier always encodes")
    }
}

/// A key type and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 (secp256r1).
    EcdsaP256,
    /// ECDSA on NIST P-384 (secp384r1).
    EcdsaP384,
    /// RSA with a 2048-bit modulus.
    Rsa2048,
    /// RSA with a 3072-bit modulus.
    Rsa3072,
    /// RSA with a 4096-bit modulus.
    Rsa4096,
}

impl KeyAlgorithm {
    /// Whether this is an RSA key.
    pub fn is_rsa(self) -> bool {
        matches!(self, Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096)
    }

    /// A short human name, e.g. "ECDSA P-256" or "RSA 4096".
    pub fn name(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "ECDSA P-256",
            Self::EcdsaP384 => "ECDSA P-384",
            Self::Rsa2048 => "RSA 2048",
            Self::Rsa3072 => "RSA 3072",
            Self::Rsa4096 => "RSA 4096",
        }
    }

    /// The signature algorithm a key of this kind signs with by default.
    pub fn default_signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::EcdsaP256 => SignatureAlgorithm::EcdsaSha256,
            Self::EcdsaP384 => SignatureAlgorithm::EcdsaSha384,
            Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096 => SignatureAlgorithm::RsaPkcs1Sha512,
        }
    }
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

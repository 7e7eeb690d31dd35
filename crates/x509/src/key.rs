//! Subscriber and CA public keys: which are accepted, and their identifiers.

use aws_lc_rs::digest;
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5912, rfc8410};
use der::asn1::UintRef;
use der::{Decode, Sequence};
use spki::SubjectPublicKeyInfoRef;

use crate::{KeyAlgorithm, X509Error};

/// secp256k1, named so that its rejection can say what it is.
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
/// The DSA public key algorithm.
const ID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
/// RSASSA-PSS keys (RFC 4055).
const ID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");

/// RSAPublicKey (RFC 8017 A.1.1).
#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// A public key that passed CarePKI's key rules, with the facts profiles need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The key type and size.
    pub algorithm: KeyAlgorithm,
    /// The DER SubjectPublicKeyInfo, exactly as it will appear in the certificate.
    pub spki_der: Vec<u8>,
    /// The raw subjectPublicKey bits (the RSAPublicKey DER or the EC point).
    pub raw: Vec<u8>,
}

impl PublicKey {
    /// Parse and check a DER SubjectPublicKeyInfo.
    ///
    /// Accepts RSA with a 2048, 3072 or 4096-bit modulus and an odd exponent of at least
    /// 3, and ECDSA keys on P-256 and P-384 as uncompressed points. Everything else is
    /// rejected with an error that names the key type.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, X509Error> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| X509Error::malformed("public key", e))?;
        let raw = spki.subject_public_key.as_bytes().ok_or_else(|| {
            X509Error::malformed("public key", "the key bit string is not octet-aligned")
        })?;
        let oid = spki.algorithm.oid;
        let algorithm = if oid == rfc5912::RSA_ENCRYPTION {
            rsa_algorithm(raw)?
        } else if oid == rfc5912::ID_EC_PUBLIC_KEY {
            let curve: ObjectIdentifier = spki
                .algorithm
                .parameters
                .ok_or_else(|| X509Error::malformed("public key", "EC key without a named curve"))?
                .decode_as()
                .map_err(|_| {
                    X509Error::UnsupportedCurve("given by explicit parameters".to_owned())
                })?;
            ec_algorithm(&curve, raw)?
        } else {
            return Err(X509Error::UnsupportedKeyType(key_type_name(&oid)));
        };
        Ok(Self {
            algorithm,
            spki_der: der.to_vec(),
            raw: raw.to_vec(),
        })
    }

    /// The lower-case hex SHA-256 of the SubjectPublicKeyInfo: the key's identity in the
    /// store, used to refuse a key already used elsewhere.
    pub fn spki_sha256_hex(&self) -> String {
        spki_sha256_hex(&self.spki_der)
    }

    /// The subject key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280
    /// §4.2.1.2, method 1).
    pub fn key_identifier(&self) -> Vec<u8> {
        key_identifier(&self.raw)
    }
}

/// The lower-case hex SHA-256 of a DER SubjectPublicKeyInfo.
pub fn spki_sha256_hex(spki_der: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, spki_der))
}

/// SHA-1 over the subjectPublicKey bits (RFC 5280 §4.2.1.2, method 1).
pub fn key_identifier(subject_public_key: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, subject_public_key)
        .as_ref()
        .to_vec()
}

fn rsa_algorithm(raw: &[u8]) -> Result<KeyAlgorithm, X509Error> {
    let key = RsaPublicKey::from_der(raw).map_err(|e| X509Error::malformed("RSA public key", e))?;
    let n = key.modulus.as_bytes();
    let bits = n.len() * 8 - n.first().map_or(0, |b| b.leading_zeros() as usize);
    let e = key.public_exponent.as_bytes();
    let e_odd = e.last().is_some_and(|b| b & 1 == 1);
    let e_big_enough = e.len() > 1 || e.first().is_some_and(|&b| b >= 3);
    if !e_odd || !e_big_enough {
        return Err(X509Error::RsaExponent);
    }
    match bits {
        2048 => Ok(KeyAlgorithm::Rsa2048),
        3072 => Ok(KeyAlgorithm::Rsa3072),
        4096 => Ok(KeyAlgorithm::Rsa4096),
        other => Err(X509Error::RsaKeySize(other)),
    }
}

fn ec_algorithm(curve: &ObjectIdentifier, raw: &[u8]) -> Result<KeyAlgorithm, X509Error> {
    let (algorithm, name, len) = if *curve == rfc5912::SECP_256_R_1 {
        (KeyAlgorithm::EcdsaP256, "P-256", 65)
    } else if *curve == rfc5912::SECP_384_R_1 {
        (KeyAlgorithm::EcdsaP384, "P-384", 97)
    } else {
        return Err(X509Error::UnsupportedCurve(curve_name(curve)));
    };
    if raw.len() != len || raw.first() != Some(&0x04) {
        return Err(X509Error::EcPoint(name));
    }
    Ok(algorithm)
}

fn curve_name(oid: &ObjectIdentifier) -> String {
    if *oid == SECP256K1 {
        return "secp256k1".to_owned();
    }
    if *oid == rfc5912::SECP_521_R_1 {
        return "P-521 (secp521r1)".to_owned();
    }
    match const_oid::db::DB.by_oid(oid) {
        Some(name) => format!("{name} ({oid})"),
        None => oid.to_string(),
    }
}

fn key_type_name(oid: &ObjectIdentifier) -> String {
    if *oid == ID_DSA {
        "DSA".to_owned()
    } else if *oid == rfc8410::ID_ED_25519 {
        "Ed25519".to_owned()
    } else if *oid == rfc8410::ID_ED_448 {
        "Ed448".to_owned()
    } else if *oid == rfc8410::ID_X_25519 {
        "X25519".to_owned()
    } else if *oid == rfc8410::ID_X_448 {
        "X448".to_owned()
    } else if *oid == ID_RSASSA_PSS {
        "RSASSA-PSS".to_owned()
    } else {
        match const_oid::db::DB.by_oid(oid) {
            Some(name) => format!("{name} ({oid})"),
            None => format!("unknown ({oid})"),
        }
    }
}

//! Which aws-lc-rs verification algorithm checks a signature of a given
//! algorithm (by OID) made with a given key type: the one table behind the
//! signature checks of CSRs, CRLs, OCSP responses and certificates.

use aws_lc_rs::signature::{self, VerificationAlgorithm};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;

use crate::KeyAlgorithm;

/// The verification algorithm and the signature algorithm's name, for ECDSA on
/// P-256 and P-384 with SHA-256, SHA-384 or SHA-512 and RSA PKCS#1 v1.5 with
/// SHA-256, SHA-384 or SHA-512; `None` when `oid` is none of these or does not
/// fit `key`.
pub fn verification_algorithm(
    oid: &ObjectIdentifier,
    key: KeyAlgorithm,
) -> Option<(&'static dyn VerificationAlgorithm, &'static str)> {
    use KeyAlgorithm as K;
    let ecdsa = |p256: &'static dyn VerificationAlgorithm,
                 p384: &'static dyn VerificationAlgorithm,
                 name: &'static str| match key {
        K::EcdsaP256 => Some((p256, name)),
        K::EcdsaP384 => Some((p384, name)),
        _ => None,
    };
    let rsa = |alg: &'static dyn VerificationAlgorithm, name: &'static str| {
        key.is_rsa().then_some((alg, name))
    };
    if *oid == rfc5912::ECDSA_WITH_SHA_256 {
        ecdsa(
            &signature::ECDSA_P256_SHA256_ASN1,
            &signature::ECDSA_P384_SHA256_ASN1,
            "ecdsa-with-SHA256",
        )
    } else if *oid == rfc5912::ECDSA_WITH_SHA_384 {
        ecdsa(
            &signature::ECDSA_P256_SHA384_ASN1,
            &signature::ECDSA_P384_SHA384_ASN1,
            "ecdsa-with-SHA384",
        )
    } else if *oid == rfc5912::ECDSA_WITH_SHA_512 {
        ecdsa(
            &signature::ECDSA_P256_SHA512_ASN1,
            &signature::ECDSA_P384_SHA512_ASN1,
            "ecdsa-with-SHA512",
        )
    } else if *oid == rfc5912::SHA_256_WITH_RSA_ENCRYPTION {
        rsa(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            "sha256WithRSAEncryption",
        )
    } else if *oid == rfc5912::SHA_384_WITH_RSA_ENCRYPTION {
        rsa(
            &signature::RSA_PKCS1_2048_8192_SHA384,
            "sha384WithRSAEncryption",
        )
    } else if *oid == rfc5912::SHA_512_WITH_RSA_ENCRYPTION {
        rsa(
            &signature::RSA_PKCS1_2048_8192_SHA512,
            "sha512WithRSAEncryption",
        )
    } else {
        None
    }
}

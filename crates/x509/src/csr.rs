//! Certificate signing requests (PKCS#10, RFC 2986): parsing, key rules and proof of
//! possession.
//!
//! The CA takes only the public key from a request (R-CSR: the customer generates the
//! key pair). The subject and extensions a customer asked for are read so they can be
//! shown, never copied into a certificate: the profile and the organisation register
//! decide those.

use aws_lc_rs::signature::{UnparsedPublicKey, VerificationAlgorithm};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280;
use der::asn1::{AnyRef, BitStringRef};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierRef;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::request::{CertReq, CertReqInfo};

use crate::key::PublicKey;
use crate::{KeyAlgorithm, X509Error};

/// The PKCS#9 extensionRequest attribute.
const EXTENSION_REQUEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");

/// The outer shape of a request, keeping the signed bytes as they came.
#[derive(Sequence)]
struct RawCertReq<'a> {
    info: AnyRef<'a>,
    algorithm: AlgorithmIdentifierRef<'a>,
    signature: BitStringRef<'a>,
}

/// A request whose key passed the key rules and whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCsr {
    /// The requester's public key.
    pub public_key: PublicKey,
    /// The subject the requester asked for (shown with
    /// [`crate::name::display_name`], never copied).
    pub requested_subject: x509_cert::name::Name,
    /// dNSName entries of a requested subjectAltName, if any.
    pub requested_dns_names: Vec<String>,
    /// rfc822Name entries of a requested subjectAltName, if any.
    pub requested_emails: Vec<String>,
    /// The algorithm the request was signed with, by name.
    pub signature_algorithm: &'static str,
}

/// Decode a request from PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or
/// DER, check its key and verify its signature (proof of possession).
pub fn parse_and_verify(input: &[u8]) -> Result<VerifiedCsr, X509Error> {
    let der = pem_or_der(input)?;
    let raw =
        RawCertReq::from_der(&der).map_err(|e| X509Error::malformed("certificate request", e))?;
    // One decode of the contents, from the signed bytes themselves.
    let info: CertReqInfo = raw
        .info
        .decode_as()
        .map_err(|e| X509Error::malformed("certificate request", e))?;
    let spki_der = info
        .public_key
        .to_der()
        .map_err(|e| X509Error::encode("public key", e))?;
    let public_key = PublicKey::from_spki_der(&spki_der)?;

    let (verifier, signature_algorithm) = verifier(&raw.algorithm.oid, public_key.algorithm)?;
    let message = raw
        .info
        .to_der()
        .map_err(|e| X509Error::encode("request info", e))?;
    let sig = raw.signature.as_bytes().ok_or_else(|| {
        X509Error::malformed(
            "certificate request",
            "signature bit string is not octet-aligned",
        )
    })?;
    UnparsedPublicKey::new(verifier, &public_key.raw)
        .verify(&message, sig)
        .map_err(|_| X509Error::BadSignature)?;

    let (requested_dns_names, requested_emails) = requested_names(&info)?;
    Ok(VerifiedCsr {
        public_key,
        requested_subject: info.subject,
        requested_dns_names,
        requested_emails,
        signature_algorithm,
    })
}

/// Accept PEM with a request label, or DER as it is.
fn pem_or_der(input: &[u8]) -> Result<Vec<u8>, X509Error> {
    let trimmed = input.trim_ascii_start();
    if trimmed.starts_with(b"-----BEGIN") {
        let (label, der) = der::pem::decode_vec(trimmed)
            .map_err(|e| X509Error::malformed("certificate request (PEM)", e))?;
        if label != "CERTIFICATE REQUEST" && label != "NEW CERTIFICATE REQUEST" {
            return Err(X509Error::Malformed {
                what: "certificate request (PEM)",
                detail: format!(
                    "the PEM block is labelled \"{label}\"; expected \"CERTIFICATE REQUEST\""
                ),
            });
        }
        Ok(der)
    } else if trimmed.first() == Some(&0x30) {
        Ok(input.to_vec())
    } else if input.is_empty() {
        Err(X509Error::malformed(
            "certificate request",
            "the input is empty",
        ))
    } else {
        Err(X509Error::malformed(
            "certificate request",
            "the input is neither PEM (-----BEGIN CERTIFICATE REQUEST-----) nor DER",
        ))
    }
}

fn verifier(
    oid: &ObjectIdentifier,
    key: KeyAlgorithm,
) -> Result<(&'static dyn VerificationAlgorithm, &'static str), X509Error> {
    crate::verify::verification_algorithm(oid, key).ok_or_else(|| {
        let name = const_oid::db::DB
            .by_oid(oid)
            .map_or_else(|| oid.to_string(), |n| format!("{n} ({oid})"));
        X509Error::UnsupportedSignatureAlgorithm(format!("{name} on a {key} key"))
    })
}

fn requested_names(info: &CertReqInfo) -> Result<(Vec<String>, Vec<String>), X509Error> {
    let mut dns = Vec::new();
    let mut emails = Vec::new();
    for attr in info.attributes.iter() {
        if attr.oid != EXTENSION_REQUEST {
            continue;
        }
        for value in attr.values.iter() {
            let exts: x509_cert::ext::Extensions = value
                .decode_as()
                .map_err(|e| X509Error::malformed("requested extensions", e))?;
            for ext in exts
                .iter()
                .filter(|e| e.extn_id == rfc5280::ID_CE_SUBJECT_ALT_NAME)
            {
                let san = SubjectAltName::from_der(ext.extn_value.as_bytes())
                    .map_err(|e| X509Error::malformed("requested subjectAltName", e))?;
                for name in san.0 {
                    match name {
                        GeneralName::DnsName(n) => dns.push(n.to_string()),
                        GeneralName::Rfc822Name(n) => emails.push(n.to_string()),
                        _ => {}
                    }
                }
            }
        }
    }
    Ok((dns, emails))
}

/// Encode a PKCS#10 request for a key whose private half `sign` holds (signing the DER
/// CertificationRequestInfo). Used where CarePKI itself makes requests: benchmarks, the
/// tests, and keys generated on a token.
pub fn build_request(
    subject: &x509_cert::name::Name,
    spki_der: &[u8],
    algorithm: crate::SignatureAlgorithm,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, X509Error> {
    use x509_cert::request::{CertReqInfo, Version};
    let info = CertReqInfo {
        version: Version::V1,
        subject: subject.clone(),
        public_key: spki::SubjectPublicKeyInfoOwned::from_der(spki_der)
            .map_err(|e| X509Error::malformed("public key", e))?,
        attributes: Default::default(),
    };
    let info_der = info
        .to_der()
        .map_err(|e| X509Error::encode("request info", e))?;
    let signature = sign(&info_der).map_err(|e| X509Error::encode("request signature", e))?;
    let req = CertReq {
        info,
        algorithm: algorithm.algorithm_identifier(),
        signature: der::asn1::BitString::from_bytes(&signature)
            .map_err(|e| X509Error::encode("signature", e))?,
    };
    req.to_der()
        .map_err(|e| X509Error::encode("certificate request", e))
}

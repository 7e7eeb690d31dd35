//! Signed documents: CMS SignedData (RFC 5652) with one signer, built and
//! verified without holding a key (issue 5 point 9, R-CARD-CERTS, R-SV).
//!
//! Signing is two steps so that the key can stay on a card: [`prepare`] digests
//! the content and builds the signed attributes (contentType, messageDigest,
//! signingTime); the caller signs [`SignaturePlan::to_be_signed`] (the DER SET OF
//! those attributes) with the card's signature key, and [`SignaturePlan::assemble`]
//! checks that signature with the signer certificate's key and wraps everything
//! into a DER `ContentInfo` with the signer's certificate included, the content
//! encapsulated or detached.
//!
//! [`verify_signed_data`] is the relying party's half, strict: DER only (the input
//! must re-encode to itself, so sets are sorted and nothing is hidden in the
//! encoding), at most [`MAX_SIGNED_DATA`] bytes, exactly one signer whose
//! certificate is in the message, content type id-data, the three signed
//! attributes each present once, the message digest equal to the content's, and
//! the signature over the signed attributes valid under the certificate's key
//! ([`crate::verify`]). Whether that certificate may sign (its CA, validity,
//! status, key usage, SV number) is decided by the caller, which knows the CAs.
//!
//! Digests: SHA-256 with ecdsa-with-SHA256 and sha256WithRSAEncryption, SHA-384
//! with ecdsa-with-SHA384 (P-384 keys), SHA-512 with sha512WithRSAEncryption.

use aws_lc_rs::digest;
use aws_lc_rs::signature::UnparsedPublicKey;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

use crate::cert::{spki_der, unix_time, x509_time};
use crate::{PublicKey, SignatureAlgorithm, X509Error};

/// The largest signed document [`verify_signed_data`] reads, content included.
pub const MAX_SIGNED_DATA: usize = 8 * 1024 * 1024;

/// The largest content [`prepare`] signs.
pub const MAX_CONTENT: usize = MAX_SIGNED_DATA - 64 * 1024;

/// Whether the content travels inside the SignedData or beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encapsulation {
    /// The content is inside (eContent present).
    Encapsulated,
    /// The content is not inside: the verifier must be given it separately.
    Detached,
}

/// The digest that goes with a signature algorithm.
fn digest_for(
    alg: SignatureAlgorithm,
) -> (&'static digest::Algorithm, ObjectIdentifier, &'static str) {
    match alg {
        SignatureAlgorithm::EcdsaSha256 | SignatureAlgorithm::RsaPkcs1Sha256 => {
            (&digest::SHA256, rfc5912::ID_SHA_256, "SHA-256")
        }
        SignatureAlgorithm::EcdsaSha384 | SignatureAlgorithm::RsaPkcs1Sha384 => {
            (&digest::SHA384, rfc5912::ID_SHA_384, "SHA-384")
        }
        SignatureAlgorithm::RsaPkcs1Sha512 => (&digest::SHA512, rfc5912::ID_SHA_512, "SHA-512"),
    }
}

fn doc_error(code: &'static str, detail: impl Into<String>) -> X509Error {
    X509Error::SignedDocument {
        code,
        detail: detail.into(),
    }
}

fn encode_err(what: &'static str) -> impl Fn(der::Error) -> X509Error {
    move |e| X509Error::encode(what, e)
}

/// What [`prepare`] made: the bytes to sign and everything needed to assemble
/// the SignedData once the signature is back.
#[derive(Debug, Clone)]
pub struct SignaturePlan {
    cert: Certificate,
    key: PublicKey,
    algorithm: SignatureAlgorithm,
    signed_attrs: SignedAttributes,
    signed_attrs_der: Vec<u8>,
    content: Option<Vec<u8>>,
}

/// Digests `content` and builds the signed attributes for a signature by the
/// holder of `signer_cert_der` with `algorithm` (the one the card uses:
/// `Card::signature_algorithm`) at `signing_time` (Unix seconds).
///
/// Fails when the certificate cannot be read, its key does not fit the
/// algorithm, or the content is larger than [`MAX_CONTENT`].
pub fn prepare(
    content: &[u8],
    signer_cert_der: &[u8],
    algorithm: SignatureAlgorithm,
    signing_time: i64,
    encapsulation: Encapsulation,
) -> Result<SignaturePlan, X509Error> {
    if content.len() > MAX_CONTENT {
        return Err(doc_error(
            "document.too_large",
            format!(
                "the content is {} bytes; at most {MAX_CONTENT} bytes can be signed",
                content.len()
            ),
        ));
    }
    let cert = Certificate::from_der(signer_cert_der)
        .map_err(|e| X509Error::malformed("signer certificate", e))?;
    let key = PublicKey::from_spki_der(&spki_der(cert.tbs_certificate())?)?;
    if crate::verify::verification_algorithm(&algorithm.oid(), key.algorithm).is_none() {
        return Err(doc_error(
            "document.unsupported_algorithm",
            format!(
                "{} does not fit the certificate's {} key",
                algorithm.name(),
                key.algorithm.name()
            ),
        ));
    }
    let (digest_alg, _, _) = digest_for(algorithm);
    let message_digest = digest::digest(digest_alg, content);
    let time: Time = x509_time(signing_time)?;
    let attrs = vec![
        attribute(
            rfc5911::ID_CONTENT_TYPE,
            Any::encode_from(&rfc5911::ID_DATA).map_err(encode_err("content type"))?,
        )?,
        attribute(
            rfc5911::ID_MESSAGE_DIGEST,
            Any::encode_from(
                &OctetString::new(message_digest.as_ref()).map_err(encode_err("message digest"))?,
            )
            .map_err(encode_err("message digest"))?,
        )?,
        attribute(
            rfc5911::ID_SIGNING_TIME,
            Any::encode_from(&time).map_err(encode_err("signing time"))?,
        )?,
    ];
    let signed_attrs: SignedAttributes =
        SetOfVec::try_from(attrs).map_err(encode_err("signed attributes"))?;
    let signed_attrs_der = signed_attrs
        .to_der()
        .map_err(encode_err("signed attributes"))?;
    Ok(SignaturePlan {
        cert,
        key,
        algorithm,
        signed_attrs,
        signed_attrs_der,
        content: match encapsulation {
            Encapsulation::Encapsulated => Some(content.to_vec()),
            Encapsulation::Detached => None,
        },
    })
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, X509Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(encode_err("signed attribute"))?,
    })
}

impl SignaturePlan {
    /// The bytes the signer signs: the DER SET OF the signed attributes
    /// (RFC 5652 section 5.4).
    pub fn to_be_signed(&self) -> &[u8] {
        &self.signed_attrs_der
    }

    /// The signature algorithm the signature must be made with.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The DER `ContentInfo` holding the SignedData, once `signature` (made over
    /// [`SignaturePlan::to_be_signed`]; DER ECDSA-Sig-Value for ECDSA) verifies
    /// with the certificate's key. A signature by another key is refused, so a
    /// wrong card or a wrong key never produces a document.
    pub fn assemble(&self, signature: &[u8]) -> Result<Vec<u8>, X509Error> {
        let (verification, _) =
            crate::verify::verification_algorithm(&self.algorithm.oid(), self.key.algorithm)
                .ok_or_else(|| {
                    doc_error(
                        "document.unsupported_algorithm",
                        format!("{} does not fit the key", self.algorithm.name()),
                    )
                })?;
        UnparsedPublicKey::new(verification, &self.key.raw)
            .verify(&self.signed_attrs_der, signature)
            .map_err(|_| {
                doc_error(
                    "document.bad_signature",
                    "the signature does not verify with the signer certificate's key: it was \
                     made with another key (another card, or the authentication key instead \
                     of the signature key)",
                )
            })?;
        let (_, digest_oid, _) = digest_for(self.algorithm);
        let digest_alg = AlgorithmIdentifierOwned {
            oid: digest_oid,
            parameters: None,
        };
        let tbs = self.cert.tbs_certificate();
        let signer = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer().clone(),
                serial_number: tbs.serial_number().clone(),
            }),
            digest_alg: digest_alg.clone(),
            signed_attrs: Some(self.signed_attrs.clone()),
            signature_algorithm: self.algorithm.algorithm_identifier(),
            signature: OctetString::new(signature).map_err(encode_err("signature"))?,
            unsigned_attrs: None,
        };
        let econtent = match &self.content {
            Some(c) => Some(
                Any::encode_from(&OctetString::new(c.clone()).map_err(encode_err("content"))?)
                    .map_err(encode_err("content"))?,
            ),
            None => None,
        };
        let signed = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![digest_alg])
                .map_err(encode_err("digest algorithms"))?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: rfc5911::ID_DATA,
                econtent,
            },
            certificates: Some(CertificateSet(
                SetOfVec::try_from(vec![CertificateChoices::Certificate(self.cert.clone())])
                    .map_err(encode_err("certificates"))?,
            )),
            crls: None,
            signer_infos: SignerInfos(
                SetOfVec::try_from(vec![signer]).map_err(encode_err("signer infos"))?,
            ),
        };
        ContentInfo {
            content_type: rfc5911::ID_SIGNED_DATA,
            content: Any::encode_from(&signed).map_err(encode_err("signed data"))?,
        }
        .to_der()
        .map_err(encode_err("content info"))
    }
}

/// What a signed document says once its signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDocument {
    /// The signer's certificate (DER), from the document.
    pub signer_certificate: Vec<u8>,
    /// signingTime, Unix seconds.
    pub signing_time: i64,
    /// The content that was signed (encapsulated, or the detached content given).
    pub content: Vec<u8>,
    /// Whether the content was detached.
    pub detached: bool,
    /// The digest algorithm's name ("SHA-256").
    pub digest_algorithm: &'static str,
    /// The signature algorithm's name ("ecdsa-with-SHA256").
    pub signature_algorithm: &'static str,
}

/// The DER of a signed document given as DER or PEM (`CMS` or `PKCS7` label).
pub fn signed_data_der(input: &[u8]) -> Result<Vec<u8>, X509Error> {
    if input.len() > MAX_SIGNED_DATA {
        return Err(doc_error(
            "document.too_large",
            format!(
                "the signed document is {} bytes; at most {MAX_SIGNED_DATA} bytes are read",
                input.len()
            ),
        ));
    }
    let trimmed = input.trim_ascii_start();
    if trimmed.starts_with(b"-----BEGIN ") {
        let (label, der) = der::pem::decode_vec(input.trim_ascii())
            .map_err(|e| doc_error("document.malformed", format!("the PEM cannot be read: {e}")))?;
        if label != "CMS" && label != "PKCS7" {
            return Err(doc_error(
                "document.malformed",
                format!("the PEM block is a {label}, not a CMS or PKCS7 signed document"),
            ));
        }
        return Ok(der);
    }
    Ok(input.to_vec())
}

/// Verifies a signed document (DER or PEM) cryptographically: see the
/// [module](self) documentation for what is checked. `detached_content` is the
/// content of a detached signature and must be `None` for an encapsulated one.
///
/// Each refusal is [`X509Error::SignedDocument`] with a stable code:
/// `document.too_large`, `document.malformed`, `document.signers`,
/// `document.content`, `document.attributes`, `document.no_signer_certificate`,
/// `document.unsupported_algorithm` (also for a signer key CarePKI does not
/// accept), `document.digest_mismatch`, `document.bad_signature`.
pub fn verify_signed_data(
    input: &[u8],
    detached_content: Option<&[u8]>,
) -> Result<VerifiedDocument, X509Error> {
    let der = signed_data_der(input)?;
    let malformed = |what: &str, e: der::Error| {
        doc_error(
            "document.malformed",
            format!("{what} is not DER CMS (RFC 5652): {e}"),
        )
    };
    let info = ContentInfo::from_der(&der).map_err(|e| malformed("the signed document", e))?;
    if info.content_type != rfc5911::ID_SIGNED_DATA {
        return Err(doc_error(
            "document.malformed",
            format!(
                "the document's content type is {}, not signedData (1.2.840.113549.1.7.2)",
                info.content_type
            ),
        ));
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| malformed("the SignedData", e))?;
    // Strict DER: what was read must re-encode to exactly the input, so the
    // signed attributes hashed below are exactly the ones received.
    let again = ContentInfo {
        content_type: info.content_type,
        content: Any::encode_from(&signed).map_err(|e| malformed("the SignedData", e))?,
    }
    .to_der()
    .map_err(|e| malformed("the signed document", e))?;
    if again != der {
        return Err(doc_error(
            "document.malformed",
            "the signed document is not in DER (distinguished encoding: sets sorted, minimal \
             lengths); sign it again with a tool that writes DER",
        ));
    }
    let [signer] = signed.signer_infos.0.as_slice() else {
        return Err(doc_error(
            "document.signers",
            format!(
                "the document has {} signers; exactly one is accepted",
                signed.signer_infos.0.len()
            ),
        ));
    };

    // The content.
    if signed.encap_content_info.econtent_type != rfc5911::ID_DATA {
        return Err(doc_error(
            "document.content",
            format!(
                "the signed content type is {}, not id-data (1.2.840.113549.1.7.1)",
                signed.encap_content_info.econtent_type
            ),
        ));
    }
    let (content, detached) = match (&signed.encap_content_info.econtent, detached_content) {
        (Some(any), None) => {
            let octets: OctetString = any
                .decode_as()
                .map_err(|e| malformed("the encapsulated content", e))?;
            (octets.into_bytes().into_vec(), false)
        }
        (None, Some(c)) => (c.to_vec(), true),
        (Some(_), Some(_)) => {
            return Err(doc_error(
                "document.content",
                "the document carries its content, and content was also given separately: \
                 give separate content only for a detached signature",
            ));
        }
        (None, None) => {
            return Err(doc_error(
                "document.content",
                "the signature is detached: give the signed content too (--content FILE)",
            ));
        }
    };

    // The signer's certificate, named by the signer identifier.
    let certs: Vec<&Certificate> = signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(cert) => Some(cert),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let cert = certs
        .iter()
        .find(|cert| {
            let tbs = cert.tbs_certificate();
            match &signer.sid {
                SignerIdentifier::IssuerAndSerialNumber(isn) => {
                    isn.issuer == *tbs.issuer() && isn.serial_number == *tbs.serial_number()
                }
                SignerIdentifier::SubjectKeyIdentifier(ski) => {
                    crate::cert::subject_key_id(tbs).as_deref() == Some(ski.0.as_bytes())
                }
            }
        })
        .ok_or_else(|| {
            doc_error(
                "document.no_signer_certificate",
                "the signer's certificate is not in the document; sign with the certificate \
                 included",
            )
        })?;
    let cert_der = cert
        .to_der()
        .map_err(|e| malformed("the signer certificate", e))?;
    let key = spki_der(cert.tbs_certificate())
        .and_then(|spki| PublicKey::from_spki_der(&spki))
        .map_err(|e| {
            doc_error(
                "document.unsupported_algorithm",
                format!("the signer certificate's key is not accepted: {e}"),
            )
        })?;

    // Algorithms: the digest and the signature algorithm must agree.
    let sig_oid = signer.signature_algorithm.oid;
    let algorithm = if sig_oid == rfc5912::RSA_ENCRYPTION {
        // RFC 3370: rsaEncryption with the digest algorithm of the signer.
        match signer.digest_alg.oid {
            o if o == rfc5912::ID_SHA_256 => Some(SignatureAlgorithm::RsaPkcs1Sha256),
            o if o == rfc5912::ID_SHA_384 => Some(SignatureAlgorithm::RsaPkcs1Sha384),
            o if o == rfc5912::ID_SHA_512 => Some(SignatureAlgorithm::RsaPkcs1Sha512),
            _ => None,
        }
    } else {
        SignatureAlgorithm::from_oid(&sig_oid)
    };
    let Some(algorithm) = algorithm else {
        return Err(doc_error(
            "document.unsupported_algorithm",
            format!(
                "the signature algorithm {sig_oid} (digest {}) is not accepted; use ECDSA or \
                 RSA PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512",
                signer.digest_alg.oid
            ),
        ));
    };
    let (digest_alg, digest_oid, digest_name) = digest_for(algorithm);
    if signer.digest_alg.oid != digest_oid
        || !signed.digest_algorithms.iter().any(|a| a.oid == digest_oid)
    {
        return Err(doc_error(
            "document.unsupported_algorithm",
            format!(
                "the digest algorithm {} does not go with {} (which needs {digest_name})",
                signer.digest_alg.oid,
                algorithm.name()
            ),
        ));
    }
    let Some((verification, _)) =
        crate::verify::verification_algorithm(&algorithm.oid(), key.algorithm)
    else {
        return Err(doc_error(
            "document.unsupported_algorithm",
            format!(
                "{} does not fit the signer certificate's {} key",
                algorithm.name(),
                key.algorithm.name()
            ),
        ));
    };

    // The signed attributes: each of the three once, with one value.
    let Some(attrs) = &signer.signed_attrs else {
        return Err(doc_error(
            "document.attributes",
            "the signature has no signed attributes; contentType, messageDigest and \
             signingTime are required",
        ));
    };
    let one =
        |oid: ObjectIdentifier, name: &str| -> Result<&Any, X509Error> {
            let found: Vec<&Attribute> = attrs.iter().filter(|a| a.oid == oid).collect();
            match found.as_slice() {
                [a] if a.values.len() == 1 => a.values.iter().next().ok_or_else(|| {
                    doc_error("document.attributes", format!("{name} has no value"))
                }),
                [] => Err(doc_error(
                    "document.attributes",
                    format!("the signed attribute {name} is missing"),
                )),
                _ => Err(doc_error(
                    "document.attributes",
                    format!("the signed attribute {name} must appear once, with one value"),
                )),
            }
        };
    let content_type: ObjectIdentifier = one(rfc5911::ID_CONTENT_TYPE, "contentType")?
        .decode_as()
        .map_err(|e| malformed("contentType", e))?;
    if content_type != signed.encap_content_info.econtent_type {
        return Err(doc_error(
            "document.attributes",
            "the signed contentType differs from the content's type",
        ));
    }
    let message_digest: OctetString = one(rfc5911::ID_MESSAGE_DIGEST, "messageDigest")?
        .decode_as()
        .map_err(|e| malformed("messageDigest", e))?;
    let signing_time: Time = one(rfc5911::ID_SIGNING_TIME, "signingTime")?
        .decode_as()
        .map_err(|e| malformed("signingTime", e))?;

    // The digest of the content, then the signature over the attributes.
    let actual = digest::digest(digest_alg, &content);
    if message_digest.as_bytes() != actual.as_ref() {
        return Err(doc_error(
            "document.digest_mismatch",
            "the content does not match the signed message digest: the content was changed \
             after signing, or it is not the content this signature is for",
        ));
    }
    let signed_attrs_der = attrs
        .to_der()
        .map_err(|e| malformed("the signed attributes", e))?;
    UnparsedPublicKey::new(verification, &key.raw)
        .verify(&signed_attrs_der, signer.signature.as_bytes())
        .map_err(|_| {
            doc_error(
                "document.bad_signature",
                "the signature does not verify with the signer certificate's key: the signed \
                 attributes were changed, or another key made the signature",
            )
        })?;
    Ok(VerifiedDocument {
        signer_certificate: cert_der,
        signing_time: unix_time(&signing_time),
        content,
        detached,
        digest_algorithm: digest_name,
        signature_algorithm: algorithm.name(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::cert::{TbsParams, assemble, encode_tbs};
    use crate::name::{Attr, build_name};
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair,
        EcdsaSigningAlgorithm, KeyPair,
    };

    const NOW: i64 = 1_790_000_000;

    fn key(alg: &'static EcdsaSigningAlgorithm) -> EcdsaKeyPair {
        EcdsaKeyPair::generate(alg).unwrap()
    }

    fn sign(k: &EcdsaKeyPair, msg: &[u8]) -> Vec<u8> {
        k.sign(&SystemRandom::new(), msg).unwrap().as_ref().to_vec()
    }

    /// A self-signed certificate for `k` (enough for the CMS layer, which does
    /// not judge the certificate).
    fn cert_for(k: &EcdsaKeyPair, alg: SignatureAlgorithm) -> Vec<u8> {
        let spki = k.public_key().as_der().unwrap().as_ref().to_vec();
        let name = build_name(&[(Attr::CommonName, "Aino Lääkäri")]).unwrap();
        let tbs = encode_tbs(&TbsParams {
            serial: vec![0x11, 0x22],
            signature: alg,
            issuer: name.clone(),
            not_before: NOW - 100,
            not_after: NOW + 1000,
            subject: name,
            spki_der: spki,
            extensions: vec![],
        })
        .unwrap();
        let sig = sign(k, &tbs);
        assemble(&tbs, alg, &sig).unwrap()
    }

    fn signed(content: &[u8], enc: Encapsulation) -> (Vec<u8>, Vec<u8>) {
        let k = key(&ECDSA_P256_SHA256_ASN1_SIGNING);
        let cert = cert_for(&k, SignatureAlgorithm::EcdsaSha256);
        let plan = prepare(content, &cert, SignatureAlgorithm::EcdsaSha256, NOW, enc).unwrap();
        let sig = sign(&k, plan.to_be_signed());
        (plan.assemble(&sig).unwrap(), cert)
    }

    fn code(e: X509Error) -> &'static str {
        match e {
            X509Error::SignedDocument { code, .. } => code,
            other => panic!("not a document error: {other}"),
        }
    }

    #[test]
    fn round_trip_encapsulated_and_detached() {
        let content = b"Resepti: Amoksisilliini 500 mg";
        let (doc, cert) = signed(content, Encapsulation::Encapsulated);
        let v = verify_signed_data(&doc, None).unwrap();
        assert_eq!(v.content, content);
        assert_eq!(v.signer_certificate, cert);
        assert_eq!(v.signing_time, NOW);
        assert!(!v.detached);
        assert_eq!(
            (v.digest_algorithm, v.signature_algorithm),
            ("SHA-256", "ecdsa-with-SHA256")
        );
        let (doc, _) = signed(content, Encapsulation::Detached);
        let v = verify_signed_data(&doc, Some(content)).unwrap();
        assert!(v.detached);
        assert_eq!(
            code(verify_signed_data(&doc, None).unwrap_err()),
            "document.content"
        );
        // PEM too.
        let pem = der::pem::encode_string("CMS", der::pem::LineEnding::LF, &doc).unwrap();
        verify_signed_data(pem.as_bytes(), Some(content)).unwrap();
    }

    #[test]
    fn p384_uses_sha384() {
        let k = key(&ECDSA_P384_SHA384_ASN1_SIGNING);
        let cert = cert_for(&k, SignatureAlgorithm::EcdsaSha384);
        let plan = prepare(
            b"x",
            &cert,
            SignatureAlgorithm::EcdsaSha384,
            NOW,
            Encapsulation::Encapsulated,
        )
        .unwrap();
        let doc = plan.assemble(&sign(&k, plan.to_be_signed())).unwrap();
        let v = verify_signed_data(&doc, None).unwrap();
        assert_eq!(v.digest_algorithm, "SHA-384");
        // A P-384 key with the P-256 algorithm's digest is refused at prepare.
        assert!(
            prepare(
                b"x",
                &cert,
                SignatureAlgorithm::RsaPkcs1Sha256,
                NOW,
                Encapsulation::Detached
            )
            .is_err()
        );
    }

    #[test]
    fn tampered_content_is_refused() {
        let content = b"Resepti: Amoksisilliini 500 mg";
        let (doc, _) = signed(content, Encapsulation::Detached);
        let e = verify_signed_data(&doc, Some(b"Resepti: Amoksisilliini 750 mg")).unwrap_err();
        assert_eq!(code(e), "document.digest_mismatch");
        // Encapsulated: change one byte of the content inside.
        let (mut doc, _) = signed(content, Encapsulation::Encapsulated);
        let at = doc
            .windows(content.len())
            .position(|w| w == content)
            .unwrap();
        doc[at + 25] = b'7';
        let e = verify_signed_data(&doc, None).unwrap_err();
        assert_eq!(code(e), "document.digest_mismatch");
    }

    #[test]
    fn tampered_attributes_are_refused() {
        let (mut doc, _) = signed(b"abc", Encapsulation::Encapsulated);
        // The signing time's UTCTime digits: change the year's last digit.
        let time = x509_time(NOW).unwrap().to_der().unwrap();
        let at = doc.windows(time.len()).position(|w| w == time).unwrap();
        doc[at + 3] ^= 0x01;
        let e = verify_signed_data(&doc, None).unwrap_err();
        assert_eq!(code(e.clone()), "document.bad_signature", "{e:?}");
    }

    #[test]
    fn wrong_key_is_refused() {
        let k = key(&ECDSA_P256_SHA256_ASN1_SIGNING);
        let cert = cert_for(&k, SignatureAlgorithm::EcdsaSha256);
        // Another key whose certificate has the same length (ECDSA signatures
        // vary by a byte or two), so that it can be swapped in below.
        let (other, other_cert) = (0..100)
            .map(|_| {
                let o = key(&ECDSA_P256_SHA256_ASN1_SIGNING);
                let c = cert_for(&o, SignatureAlgorithm::EcdsaSha256);
                (o, c)
            })
            .find(|(_, c)| c.len() == cert.len())
            .unwrap();
        let plan = prepare(
            b"abc",
            &cert,
            SignatureAlgorithm::EcdsaSha256,
            NOW,
            Encapsulation::Encapsulated,
        )
        .unwrap();
        let wrong = sign(&other, plan.to_be_signed());
        assert_eq!(
            code(plan.assemble(&wrong).unwrap_err()),
            "document.bad_signature"
        );
        // A document whose certificate is another key's: swap the certificate.
        let good = plan.assemble(&sign(&k, plan.to_be_signed())).unwrap();
        let at = good.windows(cert.len()).position(|w| w == cert).unwrap();
        let mut swapped = good.clone();
        swapped[at..at + cert.len()].copy_from_slice(&other_cert);
        assert_eq!(
            code(verify_signed_data(&swapped, None).unwrap_err()),
            "document.bad_signature"
        );
    }

    #[test]
    fn garbage_and_oversize_are_refused() {
        for input in [&b""[..], b"garbage", b"\x30\x03\x02\x01\x01"] {
            assert_eq!(
                code(verify_signed_data(input, None).unwrap_err()),
                "document.malformed"
            );
        }
        let big = vec![0x30; MAX_SIGNED_DATA + 1];
        assert_eq!(
            code(verify_signed_data(&big, None).unwrap_err()),
            "document.too_large"
        );
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(
            code(verify_signed_data(pem.as_bytes(), None).unwrap_err()),
            "document.malformed"
        );
    }
}

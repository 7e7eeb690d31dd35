//! To-be-signed certificates: encoded by CarePKI, signed by a `Signer` elsewhere, and
//! assembled into the final certificate around that one signature.

use std::time::Duration;

use der::asn1::{AnyRef, BitString, BitStringRef};
use der::{Decode, DecodePem, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::{SignatureAlgorithm, X509Error};

/// TBSCertificate as CarePKI writes it: always v3, always with extensions.
#[derive(Sequence)]
struct TbsOut {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

/// Certificate around an already-encoded TBSCertificate.
#[derive(Sequence)]
struct CertOut<'a> {
    tbs: AnyRef<'a>,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitStringRef<'a>,
}

/// Everything a to-be-signed certificate holds.
#[derive(Debug, Clone)]
pub struct TbsParams {
    /// The serial number's octets (big-endian, positive, at most 20 octets).
    pub serial: Vec<u8>,
    /// The algorithm the issuer signs with.
    pub signature: SignatureAlgorithm,
    /// The issuer's name, exactly as the subject of the issuer's certificate.
    pub issuer: Name,
    /// notBefore, seconds since the Unix epoch.
    pub not_before: i64,
    /// notAfter, seconds since the Unix epoch (inclusive, RFC 5280 §4.1.2.5).
    pub not_after: i64,
    /// The subject's name.
    pub subject: Name,
    /// The subject's public key (DER SubjectPublicKeyInfo).
    pub spki_der: Vec<u8>,
    /// The extensions in the order they are to appear.
    pub extensions: Vec<Extension>,
}

/// A time as X.509 encodes it: UTCTime through 2049, GeneralizedTime from 2050.
pub fn x509_time(unix: i64) -> Result<Time, X509Error> {
    let secs = u64::try_from(unix)
        .map_err(|_| X509Error::InvalidValue(format!("time {unix} is before 1970")))?;
    let dt = der::DateTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|e| X509Error::encode("time", e))?;
    Ok(Time::from(dt))
}

/// Seconds since the Unix epoch of an X.509 time.
pub fn unix_time(time: &Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// Encode a to-be-signed certificate.
pub fn encode_tbs(params: &TbsParams) -> Result<Vec<u8>, X509Error> {
    let tbs = TbsOut {
        version: Version::V3,
        serial_number: SerialNumber::new(&params.serial)
            .map_err(|e| X509Error::encode("serial number", e))?,
        signature: params.signature.algorithm_identifier(),
        issuer: params.issuer.clone(),
        validity: Validity::new(x509_time(params.not_before)?, x509_time(params.not_after)?),
        subject: params.subject.clone(),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(&params.spki_der)
            .map_err(|e| X509Error::malformed("public key", e))?,
        extensions: params.extensions.clone(),
    };
    tbs.to_der()
        .map_err(|e| X509Error::encode("to-be-signed certificate", e))
}

/// Put the one signature around the to-be-signed bytes it was made over.
pub fn assemble(
    tbs_der: &[u8],
    algorithm: SignatureAlgorithm,
    signature: &[u8],
) -> Result<Vec<u8>, X509Error> {
    let cert = CertOut {
        tbs: AnyRef::from_der(tbs_der)
            .map_err(|e| X509Error::malformed("to-be-signed certificate", e))?,
        algorithm: algorithm.algorithm_identifier(),
        signature: BitStringRef::from_bytes(signature)
            .map_err(|e| X509Error::encode("signature", e))?,
    };
    cert.to_der()
        .map_err(|e| X509Error::encode("certificate", e))
}

/// Decode a to-be-signed certificate with x509-cert's independent decoder.
pub fn decode_tbs(tbs_der: &[u8]) -> Result<TbsCertificate, X509Error> {
    TbsCertificate::from_der(tbs_der)
        .map_err(|e| X509Error::malformed("to-be-signed certificate", e))
}

/// Decode a certificate from DER.
pub fn decode_certificate(der: &[u8]) -> Result<Certificate, X509Error> {
    Certificate::from_der(der).map_err(|e| X509Error::malformed("certificate", e))
}

/// Decode a certificate from PEM or DER.
pub fn decode_certificate_any(input: &[u8]) -> Result<Certificate, X509Error> {
    let trimmed = input.trim_ascii_start();
    if trimmed.starts_with(b"-----BEGIN") {
        Certificate::from_pem(trimmed).map_err(|e| X509Error::malformed("certificate (PEM)", e))
    } else {
        decode_certificate(input)
    }
}

/// PEM ("CERTIFICATE") of a DER certificate.
pub fn certificate_pem(der: &[u8]) -> Result<String, X509Error> {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der)
        .map_err(|e| X509Error::encode("PEM", e))
}

/// The subject key identifier a certificate carries, if any.
pub fn subject_key_id(tbs: &TbsCertificate) -> Option<Vec<u8>> {
    tbs.get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
        .ok()
        .flatten()
        .map(|(_, ski)| ski.0.as_bytes().to_vec())
}

/// The DER SubjectPublicKeyInfo of a decoded certificate.
pub fn spki_der(tbs: &TbsCertificate) -> Result<Vec<u8>, X509Error> {
    tbs.subject_public_key_info()
        .to_der()
        .map_err(|e| X509Error::encode("public key", e))
}

/// The DER of a name.
pub fn name_der(name: &Name) -> Result<Vec<u8>, X509Error> {
    name.to_der().map_err(|e| X509Error::encode("name", e))
}

/// Lower-case hex of a serial number's content octets without leading zero padding.
pub fn serial_hex(serial: &[u8]) -> String {
    let trimmed = match serial.iter().position(|&b| b != 0) {
        Some(i) => &serial[i..],
        None => &serial[serial.len().saturating_sub(1)..],
    };
    hex::encode(trimmed)
}

/// Wrap raw signature bytes in a BIT STRING (used by tests and CRL/OCSP encoders).
pub fn bit_string(bytes: &[u8]) -> Result<BitString, X509Error> {
    BitString::from_bytes(bytes).map_err(|e| X509Error::encode("bit string", e))
}

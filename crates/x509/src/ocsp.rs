//! OCSP (RFC 6960) in the lightweight profile of RFC 5019: requests parsed strictly on
//! the responder's hot path, CertIDs, responses encoded around one signature, and a
//! decoder for the status audit and the tests.
//!
//! Requests and responses are read with a small DER reader of this module rather than
//! with derived der decoders: it borrows from the input ([`parse_request_ref`] makes
//! one allocation per request), it keeps every CertID exactly as received, because a
//! response must echo those bytes, and it is strict about DER: definite lengths in
//! their shortest form, minimal INTEGERs, no trailing data. Two things DER forbids
//! are tolerated in requests because they change nothing: an explicit `version` v1
//! and an explicit `critical` FALSE. Responses are written with the same few TLV
//! helpers; times go through der's `GeneralizedTime` (`YYYYMMDDHHMMSSZ`).
//!
//! The responder signs the DER of [`encode_response_data`] with its key and puts the
//! signature around it with [`assemble_response`], as `cert::assemble` does for
//! certificates.

use std::time::Duration;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{UnparsedPublicKey, VerificationAlgorithm};
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5912, rfc6960};
use der::asn1::GeneralizedTime;
use der::{Decode, Encode};

use crate::key::PublicKey;
use crate::{KeyAlgorithm, RevocationReason, SignatureAlgorithm, X509Error};

/// The largest request body a responder should read, in octets.
///
/// A request about one certificate with a nonce is about 100 octets; 8 KiB leaves room
/// for a requestor name, a signature with its certificates, and a few dozen CertIDs.
/// [`parse_request`] itself takes any length: callers bound the body with this.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;

/// The longest nonce accepted, in octets (RFC 8954 §2.1).
pub const MAX_NONCE_LEN: usize = 32;

/// The length of a ResponderID `byKey` hash: SHA-1 (RFC 6960 §4.2.1).
pub const RESPONDER_KEY_HASH_LEN: usize = 20;

const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
const ENUMERATED: u8 = 0x0a;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;

/// A constructed context-specific tag: `[n]` EXPLICIT, or IMPLICIT over a SEQUENCE.
const fn ctx(n: u8) -> u8 {
    0xa0 | n
}

/// A primitive context-specific tag: `[n] IMPLICIT NULL`.
const fn ctx_primitive(n: u8) -> u8 {
    0x80 | n
}

// ---------------------------------------------------------------------------------
// Hash algorithms and CertIDs
// ---------------------------------------------------------------------------------

/// A hash algorithm a CertID may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-1: what RFC 5019 clients send, and openssl's default.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// Every hash algorithm a CertID may use.
    pub const ALL: [HashAlg; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    /// The algorithm's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => rfc5912::ID_SHA_1,
            Self::Sha256 => rfc5912::ID_SHA_256,
            Self::Sha384 => rfc5912::ID_SHA_384,
            Self::Sha512 => rfc5912::ID_SHA_512,
        }
    }

    /// The algorithm with this object identifier, if a CertID may use it.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::from_oid_content(oid.as_bytes())
    }

    /// The length of a digest, in octets.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The usual name, e.g. "SHA-256".
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let algorithm = match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        };
        digest::digest(algorithm, data).as_ref().to_vec()
    }

    /// The algorithm whose OID has these content octets (no allocation, no OID parse).
    fn from_oid_content(content: &[u8]) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|h| h.oid().as_bytes() == content)
    }
}

impl std::fmt::Display for HashAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A CertID that borrows from the request it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertIdRef<'a> {
    /// The hash algorithm of both issuer hashes.
    pub hash: HashAlg,
    /// The hash of the DER of the issuer's name; its length matches `hash`.
    pub issuer_name_hash: &'a [u8],
    /// The hash of the issuer's subjectPublicKey bits; its length matches `hash`.
    pub issuer_key_hash: &'a [u8],
    /// The serial number's INTEGER content octets, exactly as encoded (minimal).
    pub serial: &'a [u8],
    /// The whole CertID exactly as received, to echo in the response.
    pub der: &'a [u8],
}

impl CertIdRef<'_> {
    /// An owned copy.
    pub fn into_owned(self) -> CertId {
        CertId {
            hash: self.hash,
            issuer_name_hash: self.issuer_name_hash.to_vec(),
            issuer_key_hash: self.issuer_key_hash.to_vec(),
            serial: self.serial.to_vec(),
            der: self.der.to_vec(),
        }
    }

    /// The serial number as the store keeps it: lower-case hex without leading zero
    /// octets ([`crate::cert::serial_hex`]).
    pub fn serial_hex(&self) -> String {
        crate::cert::serial_hex(self.serial)
    }
}

/// A CertID (RFC 6960 §4.1.1), owned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertId {
    /// The hash algorithm of both issuer hashes.
    pub hash: HashAlg,
    /// The hash of the DER of the issuer's name; its length matches `hash`.
    pub issuer_name_hash: Vec<u8>,
    /// The hash of the issuer's subjectPublicKey bits; its length matches `hash`.
    pub issuer_key_hash: Vec<u8>,
    /// The serial number's INTEGER content octets, exactly as encoded (minimal).
    pub serial: Vec<u8>,
    /// The whole CertID exactly as received, to echo in the response.
    pub der: Vec<u8>,
}

impl CertId {
    /// The serial number as the store keeps it: lower-case hex without leading zero
    /// octets ([`crate::cert::serial_hex`]).
    pub fn serial_hex(&self) -> String {
        crate::cert::serial_hex(&self.serial)
    }
}

/// The DER of a CertID for a certificate.
///
/// `issuer_name_der` is the DER of the issuer's subject Name (the certificate's issuer
/// field); `issuer_public_key_bits` is the value of the issuer's subjectPublicKey BIT
/// STRING without tag, length and unused-bits octet ([`PublicKey::raw`]); `serial` is
/// the serial number's INTEGER content octets as in the certificate. The
/// AlgorithmIdentifier carries NULL parameters, as openssl and most clients send it.
///
/// Fails if `serial` is empty or not a minimal INTEGER encoding.
pub fn cert_id(
    hash: HashAlg,
    issuer_name_der: &[u8],
    issuer_public_key_bits: &[u8],
    serial: &[u8],
) -> Result<Vec<u8>, X509Error> {
    check_integer(serial, "serial number")
        .map_err(|e| X509Error::InvalidValue(format!("cannot build a CertID: {}", e.0)))?;
    let mut alg = Vec::with_capacity(16);
    push_tlv(&mut alg, OID, hash.oid().as_bytes());
    push_tlv(&mut alg, NULL, &[]);
    let mut body = Vec::with_capacity(32 + 2 * hash.output_len() + serial.len());
    push_tlv(&mut body, SEQUENCE, &alg);
    push_tlv(&mut body, OCTET_STRING, &hash.digest(issuer_name_der));
    push_tlv(
        &mut body,
        OCTET_STRING,
        &hash.digest(issuer_public_key_bits),
    );
    push_tlv(&mut body, INTEGER, serial);
    Ok(tlv(SEQUENCE, &body))
}

// ---------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------

/// A request that borrows from its DER: what [`parse_request_ref`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspRequestRef<'a> {
    /// The certificates asked about, in request order (at least one).
    pub cert_ids: Vec<CertIdRef<'a>>,
    /// The content of the nonce's OCTET STRING (RFC 8954), 1 to 32 octets.
    pub nonce: Option<&'a [u8]>,
}

impl OcspRequestRef<'_> {
    /// An owned copy.
    pub fn into_owned(self) -> OcspRequest {
        OcspRequest {
            cert_ids: self
                .cert_ids
                .into_iter()
                .map(CertIdRef::into_owned)
                .collect(),
            nonce: self.nonce.map(<[u8]>::to_vec),
        }
    }
}

/// A parsed OCSP request, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspRequest {
    /// The certificates asked about, in request order (at least one).
    pub cert_ids: Vec<CertId>,
    /// The content of the nonce's OCTET STRING (RFC 8954), 1 to 32 octets.
    pub nonce: Option<Vec<u8>>,
}

/// Why a request was refused. Every variant is answered with `malformedRequest`
/// ([`RequestError::status`]); the messages are for logs, not for clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Not a DER OCSPRequest: what the reader found wrong.
    #[error("malformed OCSP request: {0}")]
    Malformed(String),
    /// A CertID with a hash algorithm other than SHA-1, SHA-256, SHA-384 or SHA-512.
    #[error(
        "the OCSP request's CertID uses the hash algorithm {}, which is not supported; \
         use SHA-1, SHA-256, SHA-384 or SHA-512",
        oid_label(.0)
    )]
    UnsupportedHash(String),
    /// More CertIDs than the caller answers in one request.
    #[error(
        "the OCSP request asks about {count} certificates; at most {max} are answered per request"
    )]
    TooMany {
        /// How many CertIDs the request holds.
        count: usize,
        /// The most the caller accepts.
        max: usize,
    },
    /// A nonce shorter than 1 or longer than 32 octets (RFC 8954 §2.1).
    #[error("the OCSP request's nonce is {0} octets long; RFC 8954 allows 1 to 32 octets")]
    NonceLength(usize),
}

impl RequestError {
    /// The status to answer this request with: always `malformedRequest`.
    pub fn status(&self) -> ResponseStatus {
        ResponseStatus::MalformedRequest
    }
}

impl From<RequestError> for X509Error {
    fn from(e: RequestError) -> Self {
        X509Error::malformed("OCSP request", e)
    }
}

/// Parse a DER OCSPRequest, copying what it holds. See [`parse_request_ref`].
pub fn parse_request(der: &[u8], max_certs: usize) -> Result<OcspRequest, RequestError> {
    parse_request_ref(der, max_certs).map(OcspRequestRef::into_owned)
}

/// Parse a DER OCSPRequest without copying: the hot path of the responder.
///
/// Accepts a requestorName and ignores an optionalSignature (its certificates are not
/// looked at, and nothing about the request depends on it). Refuses empty input,
/// anything that is not DER (indefinite or non-minimal lengths, non-minimal INTEGERs),
/// trailing data, an empty requestList, more than `max_certs` CertIDs, hash algorithms
/// other than the four of [`HashAlg`] (with or without NULL parameters), issuer hashes
/// whose length does not match the algorithm, a nonce outside 1 to 32 octets or
/// written twice, and unknown critical extensions. Never panics.
pub fn parse_request_ref(der: &[u8], max_certs: usize) -> Result<OcspRequestRef<'_>, RequestError> {
    if der.is_empty() {
        return Err(RequestError::Malformed("the request is empty".to_owned()));
    }
    let ocsp_request = one_tlv(der, SEQUENCE, "OCSPRequest")?;
    let mut r = Reader::new(ocsp_request.value);
    let tbs = r.expect(SEQUENCE, "tbsRequest")?;
    if let Some(sig) = r.optional(ctx(0), "optionalSignature")? {
        one_tlv(sig.value, SEQUENCE, "optionalSignature")?;
    }
    r.finish("OCSPRequest")?;

    let mut t = Reader::new(tbs.value);
    if let Some(version) = t.optional(ctx(0), "version")? {
        check_version(version.value)?;
    }
    if let Some(name) = t.optional(ctx(1), "requestorName")? {
        Reader::new(name.value).single("requestorName")?;
    }
    let list = t.expect(SEQUENCE, "requestList")?;
    let extensions = t.optional(ctx(2), "requestExtensions")?;
    t.finish("tbsRequest")?;

    // Count before looking inside: a request with thousands of CertIDs costs one scan.
    let mut count = 0usize;
    let mut scan = Reader::new(list.value);
    while !scan.is_empty() {
        scan.read("Request")?;
        count += 1;
    }
    if count == 0 {
        return Err(RequestError::Malformed(
            "the requestList is empty: a request must ask about at least one certificate"
                .to_owned(),
        ));
    }
    if count > max_certs {
        return Err(RequestError::TooMany {
            count,
            max: max_certs,
        });
    }

    let mut cert_ids = Vec::with_capacity(count);
    let mut l = Reader::new(list.value);
    while !l.is_empty() {
        let request = l.expect(SEQUENCE, "Request")?;
        let mut q = Reader::new(request.value);
        let cert_id = q.expect(SEQUENCE, "reqCert")?;
        if let Some(exts) = q.optional(ctx(0), "singleRequestExtensions")? {
            walk_extensions(exts.value, false)?;
        }
        q.finish("Request")?;
        cert_ids.push(parse_cert_id(cert_id)?);
    }
    let nonce = match extensions {
        Some(exts) => walk_extensions(exts.value, true)?,
        None => None,
    };
    Ok(OcspRequestRef { cert_ids, nonce })
}

/// Read a CertID whose outer SEQUENCE has been read.
fn parse_cert_id(cert_id: Tlv<'_>) -> Result<CertIdRef<'_>, RequestError> {
    let mut c = Reader::new(cert_id.value);
    let alg = c.expect(SEQUENCE, "hashAlgorithm")?;
    let name_hash = c.expect(OCTET_STRING, "issuerNameHash")?;
    let key_hash = c.expect(OCTET_STRING, "issuerKeyHash")?;
    let serial = c.expect(INTEGER, "serialNumber")?;
    c.finish("CertID")?;

    let mut a = Reader::new(alg.value);
    let oid = a.expect(OID, "hashAlgorithm OID")?;
    if let Some(params) = a.optional_any("hashAlgorithm parameters")?
        && (params.tag != NULL || !params.value.is_empty())
    {
        return Err(RequestError::Malformed(
            "the CertID's hash algorithm has parameters; they must be absent or NULL".to_owned(),
        ));
    }
    a.finish("hashAlgorithm")?;
    let Some(hash) = HashAlg::from_oid_content(oid.value) else {
        return Err(match ObjectIdentifier::from_bytes(oid.value) {
            Ok(o) => RequestError::UnsupportedHash(o.to_string()),
            Err(e) => RequestError::Malformed(format!("the CertID's hash algorithm OID: {e}")),
        });
    };
    for (what, got) in [
        ("issuerNameHash", name_hash.value),
        ("issuerKeyHash", key_hash.value),
    ] {
        if got.len() != hash.output_len() {
            return Err(RequestError::Malformed(format!(
                "the CertID's {what} is {} octets long; a {hash} hash has {}",
                got.len(),
                hash.output_len()
            )));
        }
    }
    check_integer(serial.value, "serialNumber")?;
    Ok(CertIdRef {
        hash,
        issuer_name_hash: name_hash.value,
        issuer_key_hash: key_hash.value,
        serial: serial.value,
        der: cert_id.raw,
    })
}

/// Check an explicit `version` (the content of `[0]`): only v1 exists.
fn check_version(explicit: &[u8]) -> Result<(), DerErr> {
    let v = one_tlv(explicit, INTEGER, "version")?;
    if v.value == [0] {
        Ok(())
    } else {
        Err(DerErr(format!(
            "version {} is not v1 (0), the only version",
            hex::encode(v.value)
        )))
    }
}

/// Walk Extensions (the content of their explicit tag): every extension well formed,
/// no unknown critical one. Returns the nonce where `nonce_here` (request and response
/// extensions; a nonce elsewhere is an unknown extension).
fn walk_extensions(explicit: &[u8], nonce_here: bool) -> Result<Option<&[u8]>, RequestError> {
    let seq = one_tlv(explicit, SEQUENCE, "Extensions")?;
    if seq.value.is_empty() {
        return Err(RequestError::Malformed(
            "an Extensions field is empty; omit it instead".to_owned(),
        ));
    }
    let mut nonce = None;
    let mut r = Reader::new(seq.value);
    while !r.is_empty() {
        let ext = r.expect(SEQUENCE, "Extension")?;
        let mut e = Reader::new(ext.value);
        let oid = e.expect(OID, "extnID")?;
        let critical = match e.optional(BOOLEAN, "critical")? {
            None => false,
            Some(b) => match b.value {
                [0x00] => false,
                [0xff] => true,
                _ => return Err(DerErr("a BOOLEAN is neither 00 nor FF".to_owned()).into()),
            },
        };
        let value = e.expect(OCTET_STRING, "extnValue")?;
        e.finish("Extension")?;
        if nonce_here && oid.value == rfc6960::ID_PKIX_OCSP_NONCE.as_bytes() {
            if nonce.is_some() {
                return Err(RequestError::Malformed(
                    "the nonce extension appears twice".to_owned(),
                ));
            }
            let inner = one_tlv(value.value, OCTET_STRING, "nonce").map_err(|e| {
                RequestError::Malformed(format!(
                    "the nonce's extnValue must be a DER OCTET STRING (RFC 8954): {}",
                    e.0
                ))
            })?;
            if inner.value.is_empty() || inner.value.len() > MAX_NONCE_LEN {
                return Err(RequestError::NonceLength(inner.value.len()));
            }
            nonce = Some(inner.value);
        } else if critical {
            let name = ObjectIdentifier::from_bytes(oid.value)
                .map_or_else(|_| hex::encode(oid.value), |o| oid_label(&o.to_string()));
            return Err(RequestError::Malformed(format!(
                "the critical extension {name} is not supported"
            )));
        }
    }
    Ok(nonce)
}

/// The DER of an unsigned OCSPRequest asking about `cert_ids` (each a DER CertID
/// from [`cert_id`]), with a nonce extension when `nonce` is given: what clients
/// send, for tests and benchmarks.
pub fn encode_request(cert_ids: &[&[u8]], nonce: Option<&[u8]>) -> Vec<u8> {
    let mut list = Vec::new();
    for id in cert_ids {
        push_tlv(&mut list, SEQUENCE, id);
    }
    let mut tbs = Vec::with_capacity(list.len() + 64);
    push_tlv(&mut tbs, SEQUENCE, &list);
    if let Some(nonce) = nonce {
        let mut ext = Vec::with_capacity(nonce.len() + 20);
        push_tlv(&mut ext, OID, rfc6960::ID_PKIX_OCSP_NONCE.as_bytes());
        push_tlv(&mut ext, OCTET_STRING, &tlv(OCTET_STRING, nonce));
        push_tlv(&mut tbs, ctx(2), &tlv(SEQUENCE, &tlv(SEQUENCE, &ext)));
    }
    tlv(SEQUENCE, &tlv(SEQUENCE, &tbs))
}

// ---------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------

/// The status of one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    /// Issued by this CA and not revoked.
    Good,
    /// Revoked.
    Revoked {
        /// revocationTime, seconds since the Unix epoch.
        at: i64,
        /// The reason. [`RevocationReason::Unspecified`] is written as an absent
        /// reason (RFC 5280 §5.3.1: absent rather than unspecified), so it decodes as
        /// `None`.
        reason: Option<RevocationReason>,
    },
    /// Not known to this responder (RFC 6960 §2.2; RFC 5019 §2.2.3).
    Unknown,
}

/// One SingleResponse to encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SingleResponse<'a> {
    /// The CertID exactly as the request had it ([`CertIdRef::der`]).
    pub cert_id_der: &'a [u8],
    /// The certificate's status.
    pub status: CertStatus,
    /// thisUpdate, seconds since the Unix epoch.
    pub this_update: i64,
    /// nextUpdate, seconds since the Unix epoch; RFC 5019 §2.2.4 asks for one.
    pub next_update: Option<i64>,
}

/// The DER of a ResponseData, the part the responder signs.
///
/// Version v1 (omitted), ResponderID `byKey` with `responder_key_hash`: the SHA-1 of
/// the responder's subjectPublicKey bits ([`crate::key::key_identifier`]), producedAt,
/// the responses in the order given, and, when `nonce` is given, the nonce extension
/// (id-pkix-ocsp-nonce, not critical) echoing it as RFC 8954 writes it: an extnValue
/// holding a DER OCTET STRING of the nonce. Times are GeneralizedTime without
/// fractions.
///
/// Fails on a key hash that is not 20 octets, no responses, a `cert_id_der` that is not
/// one CertID, a nextUpdate before thisUpdate, a nonce outside 1 to 32 octets, or a
/// time before 1970 or after 9999.
pub fn encode_response_data(
    responder_key_hash: &[u8],
    produced_at: i64,
    responses: &[SingleResponse<'_>],
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, X509Error> {
    if responder_key_hash.len() != RESPONDER_KEY_HASH_LEN {
        return Err(X509Error::InvalidValue(format!(
            "the responder key hash is {} octets long; byKey is the 20-octet SHA-1 of the \
             responder's public key bits",
            responder_key_hash.len()
        )));
    }
    if responses.is_empty() {
        return Err(X509Error::InvalidValue(
            "an OCSP response needs at least one SingleResponse".to_owned(),
        ));
    }
    let mut list = Vec::with_capacity(responses.len() * 128);
    for single in responses {
        encode_single(&mut list, single)?;
    }
    let mut body = Vec::with_capacity(list.len() + 96);
    let mut key_hash = Vec::with_capacity(2 + RESPONDER_KEY_HASH_LEN);
    push_tlv(&mut key_hash, OCTET_STRING, responder_key_hash);
    push_tlv(&mut body, ctx(2), &key_hash);
    push_time(&mut body, produced_at, "producedAt")?;
    push_tlv(&mut body, SEQUENCE, &list);
    if let Some(nonce) = nonce {
        if nonce.is_empty() || nonce.len() > MAX_NONCE_LEN {
            return Err(X509Error::InvalidValue(format!(
                "a nonce of {} octets cannot be echoed; RFC 8954 allows 1 to 32 octets",
                nonce.len()
            )));
        }
        let mut ext = Vec::with_capacity(nonce.len() + 20);
        push_tlv(&mut ext, OID, rfc6960::ID_PKIX_OCSP_NONCE.as_bytes());
        push_tlv(&mut ext, OCTET_STRING, &tlv(OCTET_STRING, nonce));
        push_tlv(&mut body, ctx(1), &tlv(SEQUENCE, &tlv(SEQUENCE, &ext)));
    }
    Ok(tlv(SEQUENCE, &body))
}

fn encode_single(out: &mut Vec<u8>, single: &SingleResponse<'_>) -> Result<(), X509Error> {
    one_tlv(single.cert_id_der, SEQUENCE, "CertID")
        .map_err(RequestError::from)
        .and_then(parse_cert_id)
        .map_err(|e| X509Error::InvalidValue(format!("cert_id_der is not a CertID: {e}")))?;
    if let Some(next) = single.next_update
        && next < single.this_update
    {
        return Err(X509Error::InvalidValue(format!(
            "nextUpdate ({next}) is before thisUpdate ({})",
            single.this_update
        )));
    }
    let mut body = Vec::with_capacity(single.cert_id_der.len() + 64);
    body.extend_from_slice(single.cert_id_der);
    match single.status {
        CertStatus::Good => push_tlv(&mut body, ctx_primitive(0), &[]),
        CertStatus::Revoked { at, reason } => {
            let mut info = Vec::with_capacity(24);
            push_time(&mut info, at, "revocationTime")?;
            if let Some(reason) = reason.filter(|r| *r != RevocationReason::Unspecified) {
                push_tlv(&mut info, ctx(0), &tlv(ENUMERATED, &[reason.code()]));
            }
            push_tlv(&mut body, ctx(1), &info);
        }
        CertStatus::Unknown => push_tlv(&mut body, ctx_primitive(2), &[]),
    }
    push_time(&mut body, single.this_update, "thisUpdate")?;
    if let Some(next) = single.next_update {
        let mut time = Vec::with_capacity(17);
        push_time(&mut time, next, "nextUpdate")?;
        push_tlv(&mut body, ctx(0), &time);
    }
    push_tlv(out, SEQUENCE, &body);
    Ok(())
}

/// Put the signature around the ResponseData it was made over: the complete DER
/// OCSPResponse, status successful, with a BasicOCSPResponse (id-pkix-ocsp-basic)
/// that carries `certs` (DER certificates, e.g. a delegated responder's) in `[0]`
/// when there are any.
pub fn assemble_response(
    response_data_der: &[u8],
    alg: SignatureAlgorithm,
    signature: &[u8],
    certs: &[&[u8]],
) -> Result<Vec<u8>, X509Error> {
    one_tlv(response_data_der, SEQUENCE, "ResponseData")
        .map_err(|e| X509Error::malformed("OCSP ResponseData", e.0))?;
    if signature.is_empty() {
        return Err(X509Error::InvalidValue(
            "the OCSP response's signature is empty".to_owned(),
        ));
    }
    let certs_len: usize = certs.iter().map(|c| c.len()).sum();
    let mut cert_list = Vec::with_capacity(certs_len);
    for cert in certs {
        one_tlv(cert, SEQUENCE, "Certificate")
            .map_err(|e| X509Error::malformed("responder certificate", e.0))?;
        cert_list.extend_from_slice(cert);
    }
    let mut basic = Vec::with_capacity(response_data_der.len() + signature.len() + certs_len + 48);
    basic.extend_from_slice(response_data_der);
    basic.extend_from_slice(&alg.to_der());
    push_header(&mut basic, BIT_STRING, signature.len() + 1);
    basic.push(0);
    basic.extend_from_slice(signature);
    if !certs.is_empty() {
        push_tlv(&mut basic, ctx(0), &tlv(SEQUENCE, &cert_list));
    }
    let mut response_bytes = Vec::with_capacity(basic.len() + 24);
    push_tlv(
        &mut response_bytes,
        OID,
        rfc6960::ID_PKIX_OCSP_BASIC.as_bytes(),
    );
    push_tlv(&mut response_bytes, OCTET_STRING, &tlv(SEQUENCE, &basic));
    let mut body = Vec::with_capacity(response_bytes.len() + 16);
    push_tlv(&mut body, ENUMERATED, &[ResponseStatus::Successful.code()]);
    push_tlv(&mut body, ctx(0), &tlv(SEQUENCE, &response_bytes));
    Ok(tlv(SEQUENCE, &body))
}

/// OCSPResponseStatus (RFC 6960 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseStatus {
    /// successful (0): the response carries responseBytes.
    Successful,
    /// malformedRequest (1).
    MalformedRequest,
    /// internalError (2).
    InternalError,
    /// tryLater (3).
    TryLater,
    /// sigRequired (5).
    SigRequired,
    /// unauthorized (6): also the answer for a CA this responder does not serve
    /// (RFC 5019 §2.2.3).
    Unauthorized,
}

impl ResponseStatus {
    /// Every status, in code order.
    pub const ALL: [ResponseStatus; 6] = [
        Self::Successful,
        Self::MalformedRequest,
        Self::InternalError,
        Self::TryLater,
        Self::SigRequired,
        Self::Unauthorized,
    ];

    /// The ENUMERATED value.
    pub fn code(self) -> u8 {
        match self {
            Self::Successful => 0,
            Self::MalformedRequest => 1,
            Self::InternalError => 2,
            Self::TryLater => 3,
            Self::SigRequired => 5,
            Self::Unauthorized => 6,
        }
    }

    /// The status with this ENUMERATED value.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The RFC 6960 name, e.g. `malformedRequest`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Successful => "successful",
            Self::MalformedRequest => "malformedRequest",
            Self::InternalError => "internalError",
            Self::TryLater => "tryLater",
            Self::SigRequired => "sigRequired",
            Self::Unauthorized => "unauthorized",
        }
    }
}

impl std::fmt::Display for ResponseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The unsigned OCSPResponse for an error status, e.g. `30 03 0A 01 01` for
/// malformedRequest. `None` for [`ResponseStatus::Successful`], which needs
/// responseBytes ([`assemble_response`]).
pub fn error_response(status: ResponseStatus) -> Option<&'static [u8]> {
    const fn unsigned(code: u8) -> [u8; 5] {
        [SEQUENCE, 3, ENUMERATED, 1, code]
    }
    const MALFORMED_REQUEST: [u8; 5] = unsigned(1);
    const INTERNAL_ERROR: [u8; 5] = unsigned(2);
    const TRY_LATER: [u8; 5] = unsigned(3);
    const SIG_REQUIRED: [u8; 5] = unsigned(5);
    const UNAUTHORIZED: [u8; 5] = unsigned(6);
    match status {
        ResponseStatus::Successful => None,
        ResponseStatus::MalformedRequest => Some(&MALFORMED_REQUEST),
        ResponseStatus::InternalError => Some(&INTERNAL_ERROR),
        ResponseStatus::TryLater => Some(&TRY_LATER),
        ResponseStatus::SigRequired => Some(&SIG_REQUIRED),
        ResponseStatus::Unauthorized => Some(&UNAUTHORIZED),
    }
}

// ---------------------------------------------------------------------------------
// Decoding responses
// ---------------------------------------------------------------------------------

/// A decoded OCSPResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedResponse {
    /// The responseStatus.
    pub status: ResponseStatus,
    /// The BasicOCSPResponse: present exactly when the status is successful.
    pub basic: Option<BasicResponse>,
}

/// A decoded BasicOCSPResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicResponse {
    /// The DER ResponseData exactly as signed.
    pub tbs: Vec<u8>,
    /// The signature algorithm's OID (parameters are not kept).
    pub signature_algorithm: ObjectIdentifier,
    /// The signature (the BIT STRING's octets).
    pub signature: Vec<u8>,
    /// Who signed.
    pub responder_id: ResponderId,
    /// producedAt, seconds since the Unix epoch.
    pub produced_at: i64,
    /// The content of the nonce's OCTET STRING, if the response has one.
    pub nonce: Option<Vec<u8>>,
    /// The SingleResponses, in order.
    pub responses: Vec<DecodedSingleResponse>,
    /// The certificates in `certs`, DER each, in order.
    pub certs: Vec<Vec<u8>>,
}

/// A ResponderID (RFC 6960 §4.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponderId {
    /// byKey: the SHA-1 of the responder's subjectPublicKey bits.
    ByKey(Vec<u8>),
    /// byName: the DER of the responder's Name.
    ByName(Vec<u8>),
}

/// A decoded SingleResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedSingleResponse {
    /// The CertID.
    pub cert_id: CertId,
    /// The status.
    pub status: CertStatus,
    /// thisUpdate, seconds since the Unix epoch.
    pub this_update: i64,
    /// nextUpdate, seconds since the Unix epoch.
    pub next_update: Option<i64>,
}

/// Decode a DER OCSPResponse.
///
/// As strict as the request parser. Fails also on a successful response that is not
/// id-pkix-ocsp-basic, on CertIDs with a hash other than the four of [`HashAlg`], and
/// on a revocation reason CarePKI does not use (e.g. certificateHold).
pub fn decode_response(der: &[u8]) -> Result<DecodedResponse, X509Error> {
    decode_response_inner(der).map_err(|e| match e {
        // The reader's messages are shared with requests; keep only the detail.
        RequestError::Malformed(detail) => X509Error::malformed("OCSP response", detail),
        other => X509Error::malformed("OCSP response", other),
    })
}

fn decode_response_inner(der: &[u8]) -> Result<DecodedResponse, RequestError> {
    let outer = one_tlv(der, SEQUENCE, "OCSPResponse")?;
    let mut r = Reader::new(outer.value);
    let status = r.expect(ENUMERATED, "responseStatus")?;
    let status = match status.value {
        [code] => ResponseStatus::from_code(*code),
        _ => None,
    }
    .ok_or_else(|| {
        RequestError::Malformed(format!(
            "responseStatus {} is not an OCSPResponseStatus",
            hex::encode(status.value)
        ))
    })?;
    let bytes = r.optional(ctx(0), "responseBytes")?;
    r.finish("OCSPResponse")?;
    let Some(bytes) = bytes else {
        if status == ResponseStatus::Successful {
            return Err(RequestError::Malformed(
                "a successful response without responseBytes".to_owned(),
            ));
        }
        return Ok(DecodedResponse {
            status,
            basic: None,
        });
    };
    if status != ResponseStatus::Successful {
        return Err(RequestError::Malformed(format!(
            "a {status} response with responseBytes"
        )));
    }
    let rb = one_tlv(bytes.value, SEQUENCE, "ResponseBytes")?;
    let mut r = Reader::new(rb.value);
    let kind = r.expect(OID, "responseType")?;
    let response = r.expect(OCTET_STRING, "response")?;
    r.finish("ResponseBytes")?;
    if kind.value != rfc6960::ID_PKIX_OCSP_BASIC.as_bytes() {
        return Err(RequestError::Malformed(
            "the responseType is not id-pkix-ocsp-basic".to_owned(),
        ));
    }
    Ok(DecodedResponse {
        status,
        basic: Some(decode_basic(response.value)?),
    })
}

fn decode_basic(der: &[u8]) -> Result<BasicResponse, RequestError> {
    let basic = one_tlv(der, SEQUENCE, "BasicOCSPResponse")?;
    let mut r = Reader::new(basic.value);
    let tbs = r.expect(SEQUENCE, "tbsResponseData")?;
    let alg = r.expect(SEQUENCE, "signatureAlgorithm")?;
    let sig = r.expect(BIT_STRING, "signature")?;
    let certs = r.optional(ctx(0), "certs")?;
    r.finish("BasicOCSPResponse")?;

    let mut a = Reader::new(alg.value);
    let alg_oid = a.expect(OID, "signatureAlgorithm OID")?;
    a.optional_any("signatureAlgorithm parameters")?;
    a.finish("signatureAlgorithm")?;
    let signature_algorithm = ObjectIdentifier::from_bytes(alg_oid.value)
        .map_err(|e| RequestError::Malformed(format!("the signatureAlgorithm OID: {e}")))?;
    let signature = match sig.value {
        [0, rest @ ..] => rest.to_vec(),
        _ => {
            return Err(RequestError::Malformed(
                "the signature BIT STRING is empty or not octet-aligned".to_owned(),
            ));
        }
    };
    let mut cert_list = Vec::new();
    if let Some(certs) = certs {
        let seq = one_tlv(certs.value, SEQUENCE, "certs")?;
        let mut c = Reader::new(seq.value);
        while !c.is_empty() {
            cert_list.push(c.expect(SEQUENCE, "Certificate")?.raw.to_vec());
        }
    }

    let mut t = Reader::new(tbs.value);
    if let Some(version) = t.optional(ctx(0), "version")? {
        check_version(version.value)?;
    }
    let responder_id = match t.peek() {
        Some(tag) if tag == ctx(1) => {
            let by_name = t.read("responderID")?;
            ResponderId::ByName(one_tlv(by_name.value, SEQUENCE, "byName")?.raw.to_vec())
        }
        Some(tag) if tag == ctx(2) => {
            let by_key = t.read("responderID")?;
            ResponderId::ByKey(one_tlv(by_key.value, OCTET_STRING, "byKey")?.value.to_vec())
        }
        _ => {
            return Err(RequestError::Malformed(
                "the responderID is neither byName [1] nor byKey [2]".to_owned(),
            ));
        }
    };
    let produced_at = read_time(&mut t, "producedAt")?;
    let list = t.expect(SEQUENCE, "responses")?;
    let extensions = t.optional(ctx(1), "responseExtensions")?;
    t.finish("ResponseData")?;

    let mut responses = Vec::new();
    let mut l = Reader::new(list.value);
    while !l.is_empty() {
        responses.push(decode_single(l.expect(SEQUENCE, "SingleResponse")?)?);
    }
    let nonce = match extensions {
        Some(exts) => walk_extensions(exts.value, true)?.map(<[u8]>::to_vec),
        None => None,
    };
    Ok(BasicResponse {
        tbs: tbs.raw.to_vec(),
        signature_algorithm,
        signature,
        responder_id,
        produced_at,
        nonce,
        responses,
        certs: cert_list,
    })
}

fn decode_single(single: Tlv<'_>) -> Result<DecodedSingleResponse, RequestError> {
    let mut s = Reader::new(single.value);
    let cert_id = parse_cert_id(s.expect(SEQUENCE, "certID")?)?.into_owned();
    let status = s.read("certStatus")?;
    let status = match status.tag {
        t if t == ctx_primitive(0) && status.value.is_empty() => CertStatus::Good,
        t if t == ctx_primitive(2) && status.value.is_empty() => CertStatus::Unknown,
        t if t == ctx(1) => {
            let mut info = Reader::new(status.value);
            let at = read_time(&mut info, "revocationTime")?;
            let reason = match info.optional(ctx(0), "revocationReason")? {
                None => None,
                Some(explicit) => {
                    let code = one_tlv(explicit.value, ENUMERATED, "revocationReason")?;
                    let reason = match code.value {
                        [c] => RevocationReason::from_code(*c),
                        _ => None,
                    };
                    Some(reason.ok_or_else(|| {
                        RequestError::Malformed(format!(
                            "revocation reason {} is not one CarePKI uses",
                            hex::encode(code.value)
                        ))
                    })?)
                }
            };
            info.finish("RevokedInfo")?;
            CertStatus::Revoked { at, reason }
        }
        t => {
            return Err(RequestError::Malformed(format!(
                "certStatus has tag {t:#04x}; expected good [0], revoked [1] or unknown [2]"
            )));
        }
    };
    let this_update = read_time(&mut s, "thisUpdate")?;
    let next_update = match s.optional(ctx(0), "nextUpdate")? {
        Some(explicit) => Some(read_time(&mut Reader::new(explicit.value), "nextUpdate")?),
        None => None,
    };
    if let Some(exts) = s.optional(ctx(1), "singleExtensions")? {
        walk_extensions(exts.value, false)?;
    }
    s.finish("SingleResponse")?;
    Ok(DecodedSingleResponse {
        cert_id,
        status,
        this_update,
        next_update,
    })
}

/// Check that a successful response's signature verifies with the public key in
/// `signer_spki_der` (the responder certificate's DER SubjectPublicKeyInfo).
///
/// Accepts ECDSA on P-256 and P-384 with SHA-256, SHA-384 or SHA-512, and RSA PKCS#1
/// v1.5 with SHA-256, SHA-384 or SHA-512. It checks the signature only: whether that
/// key may sign for the CA (the issuer itself, or a delegated responder) is the
/// caller's question.
pub fn verify_signature(
    decoded: &DecodedResponse,
    signer_spki_der: &[u8],
) -> Result<(), X509Error> {
    let basic = decoded.basic.as_ref().ok_or_else(|| {
        X509Error::InvalidValue(format!(
            "a {} OCSP response carries no signature to verify",
            decoded.status
        ))
    })?;
    let key = PublicKey::from_spki_der(signer_spki_der)?;
    let algorithm = verification_algorithm(&basic.signature_algorithm, key.algorithm)?;
    UnparsedPublicKey::new(algorithm, &key.raw)
        .verify(&basic.tbs, &basic.signature)
        .map_err(|_| {
            X509Error::InvalidValue(
                "the OCSP response's signature does not verify with the given responder key"
                    .to_owned(),
            )
        })
}

fn verification_algorithm(
    oid: &ObjectIdentifier,
    key: KeyAlgorithm,
) -> Result<&'static dyn VerificationAlgorithm, X509Error> {
    crate::verify::verification_algorithm(oid, key)
        .map(|(algorithm, _)| algorithm)
        .ok_or_else(|| {
            X509Error::InvalidValue(format!(
                "the OCSP response is signed with {}, which cannot be verified with a {key} key",
                oid_label(&oid.to_string())
            ))
        })
}

// ---------------------------------------------------------------------------------
// The DER reader and writer
// ---------------------------------------------------------------------------------

/// What the reader found wrong.
#[derive(Debug)]
struct DerErr(String);

impl From<DerErr> for RequestError {
    fn from(e: DerErr) -> Self {
        RequestError::Malformed(e.0)
    }
}

/// One tag-length-value.
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    /// The identifier octet (low tag numbers only).
    tag: u8,
    /// The contents.
    value: &'a [u8],
    /// The whole encoding, header included.
    raw: &'a [u8],
}

/// A strict DER reader over a slice.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Read the next TLV, whatever its tag.
    fn read(&mut self, what: &str) -> Result<Tlv<'a>, DerErr> {
        let data = self.rest;
        let Some((&tag, after)) = data.split_first() else {
            return Err(DerErr(format!("{what} is missing")));
        };
        if tag & 0x1f == 0x1f {
            return Err(DerErr(format!(
                "{what} has a high tag number, which OCSP never uses"
            )));
        }
        let Some((&first, mut after)) = after.split_first() else {
            return Err(DerErr(format!("{what} is cut off in its length")));
        };
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(DerErr(format!(
                "{what} has an indefinite length (BER, not DER)"
            )));
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return Err(DerErr(format!("{what} has a length of {n} octets")));
            }
            let Some((bytes, rest)) = after.split_at_checked(n) else {
                return Err(DerErr(format!("{what} is cut off in its length")));
            };
            if bytes.first() == Some(&0) {
                return Err(DerErr(format!(
                    "{what}'s length has a leading zero (not DER)"
                )));
            }
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if len < 0x80 {
                return Err(DerErr(format!(
                    "{what}'s length {len} is in long form (not DER)"
                )));
            }
            after = rest;
            len
        };
        let Some((value, rest)) = after.split_at_checked(len) else {
            return Err(DerErr(format!(
                "{what} claims {len} octets but only {} remain",
                after.len()
            )));
        };
        let header_len = data.len() - after.len();
        let raw = data.get(..header_len + len).unwrap_or(data);
        self.rest = rest;
        Ok(Tlv { tag, value, raw })
    }

    /// Read the next TLV, which must have this tag.
    fn expect(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, DerErr> {
        match self.peek() {
            Some(t) if t == tag => self.read(what),
            Some(t) => Err(DerErr(format!(
                "expected {what} (tag {tag:#04x}) but found tag {t:#04x}"
            ))),
            None => Err(DerErr(format!("{what} is missing"))),
        }
    }

    /// Read the next TLV if it has this tag.
    fn optional(&mut self, tag: u8, what: &str) -> Result<Option<Tlv<'a>>, DerErr> {
        if self.peek() == Some(tag) {
            self.read(what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Read the next TLV if there is one.
    fn optional_any(&mut self, what: &str) -> Result<Option<Tlv<'a>>, DerErr> {
        if self.is_empty() {
            Ok(None)
        } else {
            self.read(what).map(Some)
        }
    }

    /// Read one TLV that must be all there is.
    fn single(mut self, what: &str) -> Result<Tlv<'a>, DerErr> {
        let tlv = self.read(what)?;
        self.finish(what)?;
        Ok(tlv)
    }

    /// Nothing may follow.
    fn finish(&self, what: &str) -> Result<(), DerErr> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DerErr(format!(
                "{} unexpected octets after {what}",
                self.rest.len()
            )))
        }
    }
}

/// `data` must be exactly one TLV with this tag.
fn one_tlv<'a>(data: &'a [u8], tag: u8, what: &str) -> Result<Tlv<'a>, DerErr> {
    let mut r = Reader::new(data);
    let tlv = r.expect(tag, what)?;
    r.finish(what)?;
    Ok(tlv)
}

/// INTEGER contents must be present and minimal.
fn check_integer(value: &[u8], what: &str) -> Result<(), DerErr> {
    match value {
        [] => Err(DerErr(format!("{what} is an empty INTEGER"))),
        [0x00, b, ..] if b & 0x80 == 0 => Err(DerErr(format!(
            "{what} has a superfluous leading 00 (not DER)"
        ))),
        [0xff, b, ..] if b & 0x80 != 0 => Err(DerErr(format!(
            "{what} has a superfluous leading FF (not DER)"
        ))),
        _ => Ok(()),
    }
}

/// Read a GeneralizedTime (`YYYYMMDDHHMMSSZ`) as Unix seconds.
fn read_time(r: &mut Reader<'_>, what: &str) -> Result<i64, DerErr> {
    let t = r.expect(GENERALIZED_TIME, what)?;
    let time = GeneralizedTime::from_der(t.raw)
        .map_err(|e| DerErr(format!("{what} is not a DER GeneralizedTime: {e}")))?;
    Ok(i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX))
}

/// Write a GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn push_time(out: &mut Vec<u8>, unix: i64, what: &str) -> Result<(), X509Error> {
    let secs = u64::try_from(unix)
        .map_err(|_| X509Error::InvalidValue(format!("{what} ({unix}) is before 1970")))?;
    GeneralizedTime::from_unix_duration(Duration::from_secs(secs))
        .and_then(|t| t.encode_to_vec(out))
        .map_err(|e| X509Error::InvalidValue(format!("{what} ({unix}): {e}")))?;
    Ok(())
}

fn push_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    match u8::try_from(len) {
        Ok(short) if short < 0x80 => out.push(short),
        _ => {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            let significant = bytes.get(skip..).unwrap_or(&bytes);
            // At most 8 octets: the count always fits below the long-form bit.
            out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0x7f));
            out.extend_from_slice(significant);
        }
    }
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    push_header(out, tag, value.len());
    out.extend_from_slice(value);
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    push_tlv(&mut out, tag, value);
    out
}

/// "name (dotted)" where const-oid knows the name, else the dotted OID.
fn oid_label(dotted: &str) -> String {
    ObjectIdentifier::new(dotted)
        .ok()
        .and_then(|oid| const_oid::db::DB.by_oid(&oid))
        .map_or_else(|| dotted.to_owned(), |name| format!("{name} ({dotted})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(der: &[u8]) -> Result<OcspRequest, RequestError> {
        parse_request(der, 10)
    }

    /// A request for one CertID, with the given extensions (already `[2]`-wrapped).
    fn request(cert_id: &[u8], tail: &[u8]) -> Vec<u8> {
        let mut tbs = tlv(SEQUENCE, &tlv(SEQUENCE, cert_id));
        tbs.extend_from_slice(tail);
        tlv(SEQUENCE, &tlv(SEQUENCE, &tbs))
    }

    fn sample_cert_id() -> Vec<u8> {
        cert_id(HashAlg::Sha1, b"\x30\x00", b"\x04key", &[0x01, 0x02]).unwrap()
    }

    #[test]
    fn encoded_requests_parse_back() {
        let id = cert_id(HashAlg::Sha1, b"issuer name", b"issuer key", &[0x01, 0x02]).unwrap();
        let req = encode_request(&[&id, &id], Some(b"nonce-123"));
        let parsed = parse_request(&req, 10).unwrap();
        assert_eq!(parsed.cert_ids.len(), 2);
        assert_eq!(parsed.cert_ids[0].der, id);
        assert_eq!(parsed.cert_ids[1].serial, [0x01, 0x02]);
        assert_eq!(parsed.nonce.as_deref(), Some(&b"nonce-123"[..]));
        let plain = encode_request(&[&id], None);
        assert_eq!(parse_request(&plain, 1).unwrap().nonce, None);
        assert!(matches!(
            parse_request(&req, 1),
            Err(RequestError::TooMany { count: 2, max: 1 })
        ));
    }

    #[test]
    fn a_minimal_request_parses() {
        let id = sample_cert_id();
        let req = parse(&request(&id, &[])).unwrap();
        assert_eq!(req.cert_ids.len(), 1);
        assert_eq!(req.cert_ids[0].der, id);
        assert_eq!(req.cert_ids[0].serial, [1, 2]);
        assert_eq!(req.cert_ids[0].serial_hex(), "0102");
        assert_eq!(req.nonce, None);
    }

    #[test]
    fn lengths_must_be_der() {
        // Indefinite length.
        assert!(matches!(
            parse(&[0x30, 0x80, 0x00, 0x00]),
            Err(RequestError::Malformed(m)) if m.contains("indefinite")
        ));
        // Long form for a short length.
        assert!(matches!(
            parse(&[0x30, 0x81, 0x05, 0, 0, 0, 0, 0]),
            Err(RequestError::Malformed(m)) if m.contains("long form")
        ));
        // Leading zero in a long-form length.
        let mut padded = vec![0x30, 0x82, 0x00, 0x80];
        padded.extend([0u8; 0x80]);
        assert!(matches!(
            parse(&padded),
            Err(RequestError::Malformed(m)) if m.contains("leading zero")
        ));
        // High tag number, constructed OCTET STRING (BER).
        assert!(parse(&[0x3f, 0x01, 0x00]).is_err());
        let id = sample_cert_id();
        let mut ber = id.clone();
        // The issuerNameHash tag, before two hashes of 20 + 2 and a 4-octet serial.
        let name_hash_tag = ber.len() - 4 - 22 - 22;
        ber[name_hash_tag] = 0x24;
        assert!(parse(&request(&ber, &[])).is_err());
    }

    #[test]
    fn integers_must_be_minimal() {
        assert!(check_integer(&[0x00, 0x7f], "n").is_err());
        assert!(check_integer(&[0xff, 0x80], "n").is_err());
        assert!(check_integer(&[], "n").is_err());
        assert!(check_integer(&[0x00, 0x80], "n").is_ok());
        assert!(check_integer(&[0x00], "n").is_ok());
        assert!(cert_id(HashAlg::Sha1, b"", b"", &[0, 1]).is_err());
    }

    #[test]
    fn header_lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536, 1 << 24] {
            let mut out = Vec::new();
            push_header(&mut out, OCTET_STRING, len);
            out.resize(out.len() + len, 0);
            let t = one_tlv(&out, OCTET_STRING, "x").unwrap();
            assert_eq!(t.value.len(), len);
            assert_eq!(t.raw.len(), out.len());
        }
    }

    #[test]
    fn nonce_rules() {
        let id = sample_cert_id();
        let nonce_ext = |inner: &[u8], critical: bool| {
            let mut ext = tlv(OID, rfc6960::ID_PKIX_OCSP_NONCE.as_bytes());
            if critical {
                ext.extend(tlv(BOOLEAN, &[0xff]));
            }
            ext.extend(tlv(OCTET_STRING, inner));
            tlv(SEQUENCE, &ext)
        };
        let wrap = |exts: &[u8]| tlv(ctx(2), &tlv(SEQUENCE, exts));
        let ok = parse(&request(
            &id,
            &wrap(&nonce_ext(&tlv(OCTET_STRING, b"abc"), true)),
        ));
        assert_eq!(ok.unwrap().nonce.as_deref(), Some(&b"abc"[..]));
        let long = parse(&request(
            &id,
            &wrap(&nonce_ext(&tlv(OCTET_STRING, &[7; 33]), false)),
        ));
        assert_eq!(long, Err(RequestError::NonceLength(33)));
        let empty = parse(&request(
            &id,
            &wrap(&nonce_ext(&tlv(OCTET_STRING, &[]), false)),
        ));
        assert_eq!(empty, Err(RequestError::NonceLength(0)));
        // A raw nonce without its OCTET STRING (pre-RFC 8954 clients) is refused.
        assert!(parse(&request(&id, &wrap(&nonce_ext(b"abcdefgh", false)))).is_err());
        let one = nonce_ext(&tlv(OCTET_STRING, b"abc"), false);
        let twice = [one.clone(), one].concat();
        assert!(parse(&request(&id, &wrap(&twice))).is_err());
        // Unknown critical extension: refused; unknown non-critical: ignored.
        let mut unknown = tlv(OID, &[0x2a, 0x03]);
        unknown.extend(tlv(BOOLEAN, &[0xff]));
        unknown.extend(tlv(OCTET_STRING, &[0x05, 0x00]));
        let err = parse(&request(&id, &wrap(&tlv(SEQUENCE, &unknown)))).unwrap_err();
        assert!(
            err.to_string().contains("critical extension 1.2.3"),
            "{err}"
        );
        let mut quiet = tlv(OID, &[0x2a, 0x03]);
        quiet.extend(tlv(OCTET_STRING, &[0x05, 0x00]));
        assert!(parse(&request(&id, &wrap(&tlv(SEQUENCE, &quiet)))).is_ok());
    }

    #[test]
    fn hash_parameters_absent_or_null() {
        let mut alg = tlv(OID, HashAlg::Sha256.oid().as_bytes());
        let mut body = tlv(SEQUENCE, &alg);
        body.extend(tlv(OCTET_STRING, &[1; 32]));
        body.extend(tlv(OCTET_STRING, &[2; 32]));
        body.extend(tlv(INTEGER, &[3]));
        let req = parse(&request(&tlv(SEQUENCE, &body), &[])).unwrap();
        assert_eq!(req.cert_ids[0].hash, HashAlg::Sha256);

        alg.extend(tlv(OCTET_STRING, &[]));
        let mut body = tlv(SEQUENCE, &alg);
        body.extend(tlv(OCTET_STRING, &[1; 32]));
        body.extend(tlv(OCTET_STRING, &[2; 32]));
        body.extend(tlv(INTEGER, &[3]));
        assert!(matches!(
            parse(&request(&tlv(SEQUENCE, &body), &[])),
            Err(RequestError::Malformed(m)) if m.contains("parameters")
        ));
    }

    #[test]
    fn response_errors_speak_of_responses() {
        let err = decode_response(&[0x30, 0x03, 0x0a, 0x01, 0x00]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed OCSP response: a successful response without responseBytes"
        );
    }

    #[test]
    fn error_responses_are_five_octets() {
        assert_eq!(
            error_response(ResponseStatus::MalformedRequest),
            Some(&[0x30, 0x03, 0x0a, 0x01, 0x01][..])
        );
        assert_eq!(error_response(ResponseStatus::Successful), None);
        for status in ResponseStatus::ALL {
            assert_eq!(ResponseStatus::from_code(status.code()), Some(status));
            if let Some(der) = error_response(status) {
                let decoded = decode_response(der).unwrap();
                assert_eq!(decoded.status, status);
                assert_eq!(decoded.basic, None);
            }
        }
        assert_eq!(ResponseStatus::from_code(4), None);
    }

    #[test]
    fn response_data_round_trips() {
        let id = sample_cert_id();
        let responses = [
            SingleResponse {
                cert_id_der: &id,
                status: CertStatus::Revoked {
                    at: 1_700_000_000,
                    reason: Some(RevocationReason::KeyCompromise),
                },
                this_update: 1_700_000_100,
                next_update: Some(1_700_086_500),
            },
            SingleResponse {
                cert_id_der: &id,
                status: CertStatus::Revoked {
                    at: 1_700_000_000,
                    reason: Some(RevocationReason::Unspecified),
                },
                this_update: 1_700_000_100,
                next_update: None,
            },
        ];
        let tbs = encode_response_data(&[9; 20], 1_700_000_200, &responses, Some(b"n")).unwrap();
        let resp = assemble_response(&tbs, SignatureAlgorithm::EcdsaSha256, &[1, 2], &[]).unwrap();
        let basic = decode_response(&resp).unwrap().basic.unwrap();
        assert_eq!(basic.tbs, tbs);
        assert_eq!(basic.responder_id, ResponderId::ByKey(vec![9; 20]));
        assert_eq!(basic.produced_at, 1_700_000_200);
        assert_eq!(basic.nonce.as_deref(), Some(&b"n"[..]));
        assert_eq!(basic.signature, [1, 2]);
        assert_eq!(basic.responses[0].status, responses[0].status);
        assert_eq!(basic.responses[0].next_update, Some(1_700_086_500));
        // Unspecified is written as an absent reason.
        assert_eq!(
            basic.responses[1].status,
            CertStatus::Revoked {
                at: 1_700_000_000,
                reason: None
            }
        );
        assert!(basic.certs.is_empty());
    }

    #[test]
    fn response_data_refuses_bad_input() {
        let id = sample_cert_id();
        let good = SingleResponse {
            cert_id_der: &id,
            status: CertStatus::Good,
            this_update: 100,
            next_update: Some(50),
        };
        assert!(encode_response_data(&[0; 20], 0, &[good], None).is_err());
        let good = SingleResponse {
            next_update: None,
            ..good
        };
        assert!(encode_response_data(&[0; 19], 0, &[good], None).is_err());
        assert!(encode_response_data(&[0; 20], 0, &[], None).is_err());
        assert!(encode_response_data(&[0; 20], -1, &[good], None).is_err());
        assert!(encode_response_data(&[0; 20], 0, &[good], Some(&[0; 33])).is_err());
        let not_an_id = SingleResponse {
            cert_id_der: &id[..id.len() - 1],
            ..good
        };
        assert!(encode_response_data(&[0; 20], 0, &[not_an_id], None).is_err());
        assert!(encode_response_data(&[0; 20], 0, &[good], None).is_ok());
    }
}

//! Certificate revocation lists (RFC 5280 §5): encoded as a stream, parsed without
//! materialising the entries.
//!
//! A CRL of a million entries is tens of megabytes, so nothing here holds all the
//! entries as structures. The caller encodes each entry with [`encode_entry`] (or
//! an [`EntryWriter`]) as it reads them from the database, into a file or a buffer,
//! and adds up their lengths. [`tbs_frame`] then gives the bytes that go before and
//! after the entries, so that `prefix ++ entries ++ suffix` is the exact
//! TBSCertList. The caller hashes those bytes ([`digest_tbs`], with the digest of
//! [`digest_algorithm`]), signs the digest once, and writes the CRL around the
//! signature ([`write_crl`], or [`certificate_list_frame`] for the two pieces).
//! [`build_crl`] does the same in memory for small CRLs.
//!
//! [`parse_crl`] reads the header, the extensions and the signature, and leaves the
//! entries in the input: [`ParsedCrl::entries`] decodes them one at a time.
//!
//! Entries are encoded by hand: each is a few dozen octets whose every length fits
//! the short form, which is what makes a million of them take well under a second.
//! The parser reads strict DER with its own small reader; it never panics, and it
//! refuses what RFC 5280 forbids a CRL issuer to write (an empty
//! revokedCertificates, a GeneralizedTime before 2050 in a Time, extensions in a v1
//! CRL, an unknown critical extension).

use std::io::{self, Read, Write};

use aws_lc_rs::digest;
use aws_lc_rs::signature::UnparsedPublicKey;
use der::{Decode, Encode};
use x509_cert::ext::pkix::crl::FreshestCrl;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::name::Name;

use crate::{PublicKey, RevocationReason, SignatureAlgorithm, X509Error, ext};

/// What parse errors call the input.
const WHAT: &str = "CRL";

/// Tags of the universal types this module reads and writes.
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const ENUMERATED: u8 = 0x0a;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;
/// crlExtensions `[0] EXPLICIT`.
const CONTEXT_0: u8 = 0xa0;

/// OID contents (without tag and length) of the extensions this module knows.
const OID_REASON_CODE: &[u8] = &[0x55, 0x1d, 0x15];
const OID_INVALIDITY_DATE: &[u8] = &[0x55, 0x1d, 0x18];
const OID_CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];
const OID_DELTA_CRL_INDICATOR: &[u8] = &[0x55, 0x1d, 0x1b];
const OID_ISSUING_DP: &[u8] = &[0x55, 0x1d, 0x1c];
const OID_AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
const OID_FRESHEST_CRL: &[u8] = &[0x55, 0x1d, 0x2e];

/// The first second that X.509 writes as GeneralizedTime: 2050-01-01T00:00:00Z.
const Y2050: i64 = 2_524_608_000;
/// The last second a four-digit year can hold: 9999-12-31T23:59:59Z.
const MAX_TIME: i64 = 253_402_300_799;

/// The most content octets an entry's serial number may have (RFC 5280 §4.1.2.2,
/// counting the sign octet as pkilint and zlint do).
const MAX_SERIAL_LEN: usize = 20;

/// One revoked certificate, as encoded into a CRL and as read back from one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrlEntry<'a> {
    /// The serial number's INTEGER content octets: big-endian, minimal, positive, at
    /// most 20 octets including any leading zero (as in CarePKI's certificates).
    pub serial: &'a [u8],
    /// revocationDate, seconds since the Unix epoch.
    pub revoked_at: i64,
    /// The reasonCode. `Unspecified` is written as no reasonCode at all (RFC 5280
    /// §5.3.1 recommends that), so it reads back as `None`.
    pub reason: Option<RevocationReason>,
    /// invalidityDate (RFC 5280 §5.3.2): when the key is known or suspected to have
    /// been compromised, seconds since the Unix epoch.
    pub invalidity_date: Option<i64>,
}

/// The scope a CRL declares in its issuingDistributionPoint (RFC 5280 §5.2.5).
///
/// A delta CRL must carry the same one as its base CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuingDp {
    /// The URL the CRL is published at (its distributionPoint full name), if named.
    pub url: Option<String>,
    /// onlyContainsUserCerts: the CRL covers end-entity certificates only.
    pub only_user_certs: bool,
    /// onlyContainsCACerts: the CRL covers CA certificates only.
    pub only_ca_certs: bool,
}

/// What a CRL says besides its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlParams {
    /// The issuer's name DER, exactly as the subject of the issuer's certificate.
    pub issuer_name_der: Vec<u8>,
    /// The algorithm the issuer signs with.
    pub signature: SignatureAlgorithm,
    /// thisUpdate, seconds since the Unix epoch.
    pub this_update: i64,
    /// nextUpdate, seconds since the Unix epoch; later than `this_update`.
    pub next_update: i64,
    /// cRLNumber: grows with every CRL the issuer publishes, full and delta alike.
    pub crl_number: u64,
    /// The issuer's subject key identifier, written as the authorityKeyIdentifier.
    pub authority_key_id: Vec<u8>,
    /// `Some(base CRL number)` makes this a delta CRL: a critical deltaCRLIndicator.
    pub delta_base: Option<u64>,
    /// The URL of the delta CRLs, written into a full CRL as freshestCRL. Not allowed
    /// in a delta CRL.
    pub freshest_crl: Option<String>,
    /// An issuingDistributionPoint, critical; `None` leaves it out (a complete CRL
    /// for every certificate of the issuer).
    pub issuing_dp: Option<IssuingDp>,
}

/// The bytes around the entries of a TBSCertList: `prefix ++ entries ++ suffix` is
/// the exact to-be-signed DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TbsFrame {
    /// The TBSCertList header through the revokedCertificates SEQUENCE header (no
    /// such header when there are no entries).
    pub prefix: Vec<u8>,
    /// crlExtensions, `[0]`.
    pub suffix: Vec<u8>,
    /// The total length of the encoded entries the frame was made for.
    pub entries_len: usize,
}

impl TbsFrame {
    /// The length of the whole TBSCertList.
    pub fn tbs_len(&self) -> usize {
        // tbs_frame checked the sum; saturate for frames built some other way.
        self.prefix
            .len()
            .saturating_add(self.entries_len)
            .saturating_add(self.suffix.len())
    }
}

/// The digest that `alg` signs: SHA-256, SHA-384 or SHA-512, as named in the
/// algorithm (so SHA-512, not SHA-512/256, for sha512WithRSAEncryption).
///
/// Hash the TBSCertList with it and pass the digest to aws-lc-rs's
/// `EcdsaKeyPair::sign_digest` or `RsaKeyPair::sign_digest`, which check that the
/// digest's algorithm is the one the key signs with.
pub fn digest_algorithm(alg: SignatureAlgorithm) -> &'static digest::Algorithm {
    match alg {
        SignatureAlgorithm::EcdsaSha256 | SignatureAlgorithm::RsaPkcs1Sha256 => &digest::SHA256,
        SignatureAlgorithm::EcdsaSha384 | SignatureAlgorithm::RsaPkcs1Sha384 => &digest::SHA384,
        SignatureAlgorithm::RsaPkcs1Sha512 => &digest::SHA512,
    }
}

// ---------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------

/// Append one RevokedCertificate SEQUENCE to `out`.
///
/// The revocationDate is UTCTime before 2050 and GeneralizedTime from 2050 on
/// (RFC 5280 §5.1.2.6). crlEntryExtensions are written only when there is
/// something to say: reasonCode (not critical, left out for `unspecified`), then
/// invalidityDate (GeneralizedTime, not critical). On error nothing is appended.
pub fn encode_entry(entry: &CrlEntry<'_>, out: &mut Vec<u8>) -> Result<(), X509Error> {
    check_serial(entry.serial)?;
    check_time(entry.revoked_at, "revocation date")?;
    if let Some(t) = entry.invalidity_date {
        check_time(t, "invalidity date")?;
    }
    let reason = entry.reason.filter(|r| *r != RevocationReason::Unspecified);

    // Every length below is under 128, so each header is two octets.
    let time_len = if entry.revoked_at >= Y2050 { 15 } else { 13 };
    let mut ext_len = 0;
    if reason.is_some() {
        ext_len += 12;
    }
    if entry.invalidity_date.is_some() {
        ext_len += 26;
    }
    let mut len = 2 + entry.serial.len() + 2 + time_len;
    if ext_len > 0 {
        len += 2 + ext_len;
    }

    out.reserve(2 + len);
    out.extend_from_slice(&[SEQUENCE, len as u8, INTEGER, entry.serial.len() as u8]);
    out.extend_from_slice(entry.serial);
    push_time(out, entry.revoked_at);
    if ext_len > 0 {
        out.extend_from_slice(&[SEQUENCE, ext_len as u8]);
        if let Some(r) = reason {
            // Extension { reasonCode, OCTET STRING { ENUMERATED code } }
            out.extend_from_slice(&[SEQUENCE, 10, OID, 3]);
            out.extend_from_slice(OID_REASON_CODE);
            out.extend_from_slice(&[OCTET_STRING, 3, ENUMERATED, 1, r.code()]);
        }
        if let Some(t) = entry.invalidity_date {
            // Extension { invalidityDate, OCTET STRING { GeneralizedTime } }
            out.extend_from_slice(&[SEQUENCE, 24, OID, 3]);
            out.extend_from_slice(OID_INVALIDITY_DATE);
            out.extend_from_slice(&[OCTET_STRING, 17]);
            push_generalized_time(out, t);
        }
    }
    Ok(())
}

/// Encodes entries into a writer (a temporary file, say), buffered, counting the
/// length that [`tbs_frame`] needs.
#[derive(Debug)]
pub struct EntryWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    len: usize,
    count: u64,
}

impl<W: Write> EntryWriter<W> {
    /// Flush to `out` whenever this much is buffered.
    const FLUSH_AT: usize = 64 * 1024;

    /// A writer that encodes into `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            buf: Vec::with_capacity(Self::FLUSH_AT + 128),
            len: 0,
            count: 0,
        }
    }

    /// Encode one entry. Invalid entries fail with an `X509Error` inside an
    /// `io::Error` of kind `InvalidInput`, and nothing of them is written.
    pub fn push(&mut self, entry: &CrlEntry<'_>) -> io::Result<()> {
        let before = self.buf.len();
        encode_entry(entry, &mut self.buf)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        self.len = self
            .len
            .checked_add(self.buf.len() - before)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "too many CRL entries"))?;
        self.count += 1;
        if self.buf.len() >= Self::FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// The number of entries pushed so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Write what is buffered and return the writer with the total length of the
    /// encoded entries.
    pub fn finish(mut self) -> io::Result<(W, usize)> {
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok((self.out, self.len))
    }
}

/// The TBSCertList around entries that encode to `entries_len` octets in all.
///
/// Version v2. The revokedCertificates field is left out when `entries_len` is 0
/// (RFC 5280 §5.1.2.6). crlExtensions hold authorityKeyIdentifier, cRLNumber, then
/// deltaCRLIndicator (delta CRLs) or freshestCRL (full CRLs that name one), then
/// issuingDistributionPoint if given.
pub fn tbs_frame(params: &CrlParams, entries_len: usize) -> Result<TbsFrame, X509Error> {
    Name::from_der(&params.issuer_name_der).map_err(|e| X509Error::malformed("issuer name", e))?;
    check_time(params.this_update, "thisUpdate")?;
    check_time(params.next_update, "nextUpdate")?;
    if params.next_update <= params.this_update {
        return Err(X509Error::InvalidValue(format!(
            "the CRL's nextUpdate ({}) must be later than its thisUpdate ({})",
            params.next_update, params.this_update
        )));
    }
    if params.authority_key_id.is_empty() {
        return Err(X509Error::InvalidValue(
            "a CRL needs the issuer's key identifier for its authorityKeyIdentifier".to_owned(),
        ));
    }

    let mut extensions = vec![
        ext::authority_key_identifier(&params.authority_key_id)?,
        ext::crl_number(params.crl_number)?,
    ];
    match (params.delta_base, &params.freshest_crl) {
        (Some(_), Some(_)) => {
            return Err(X509Error::InvalidValue(
                "a delta CRL cannot name a freshest CRL (RFC 5280 §5.2.6); set freshest_crl \
                 only on full CRLs"
                    .to_owned(),
            ));
        }
        (Some(base), None) => {
            if base >= params.crl_number {
                return Err(X509Error::InvalidValue(format!(
                    "a delta CRL's base CRL number ({base}) must be lower than its own CRL \
                     number ({})",
                    params.crl_number
                )));
            }
            extensions.push(ext::delta_crl_indicator(base)?);
        }
        (None, Some(url)) => extensions.push(ext::freshest_crl(url)?),
        (None, None) => {}
    }
    if let Some(idp) = &params.issuing_dp {
        extensions.push(ext::issuing_distribution_point(
            idp.url.as_deref(),
            idp.only_user_certs,
            idp.only_ca_certs,
        )?);
    }
    let mut exts = Vec::new();
    for e in &extensions {
        e.encode_to_vec(&mut exts)
            .map_err(|e| X509Error::encode("CRL extension", e))?;
    }
    let mut suffix = Vec::with_capacity(exts.len() + 12);
    push_header(&mut suffix, CONTEXT_0, header_len(exts.len()) + exts.len());
    push_header(&mut suffix, SEQUENCE, exts.len());
    suffix.extend_from_slice(&exts);

    let alg = params.signature.to_der();
    let mut fields = Vec::with_capacity(128 + params.issuer_name_der.len());
    fields.extend_from_slice(&[INTEGER, 1, 1]);
    fields.extend_from_slice(&alg);
    fields.extend_from_slice(&params.issuer_name_der);
    push_time(&mut fields, params.this_update);
    push_time(&mut fields, params.next_update);

    let too_long = || X509Error::InvalidValue("the CRL is too long to encode".to_owned());
    let revoked_len = if entries_len == 0 {
        0
    } else {
        entries_len
            .checked_add(header_len(entries_len))
            .ok_or_else(too_long)?
    };
    let content_len = fields
        .len()
        .checked_add(revoked_len)
        .and_then(|n| n.checked_add(suffix.len()))
        .ok_or_else(too_long)?;
    // The outer CertificateList adds its own header, an AlgorithmIdentifier and a
    // signature; keep room for them so that certificate_list_frame cannot overflow.
    content_len.checked_add(1 << 16).ok_or_else(too_long)?;

    let mut prefix = Vec::with_capacity(fields.len() + 12);
    push_header(&mut prefix, SEQUENCE, content_len);
    prefix.extend_from_slice(&fields);
    if entries_len > 0 {
        push_header(&mut prefix, SEQUENCE, entries_len);
    }
    Ok(TbsFrame {
        prefix,
        suffix,
        entries_len,
    })
}

/// The CertificateList around a TBSCertList of `tbs_len` octets: the outer SEQUENCE
/// header, and what follows the TBSCertList (signatureAlgorithm and the signature
/// BIT STRING).
pub fn certificate_list_frame(
    tbs_len: usize,
    alg: SignatureAlgorithm,
    signature: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), X509Error> {
    if signature.is_empty() {
        return Err(X509Error::encode("CRL", "the signature is empty"));
    }
    let mut trailer = alg.to_der();
    push_header(&mut trailer, BIT_STRING, signature.len() + 1);
    trailer.push(0);
    trailer.extend_from_slice(signature);
    let len = tbs_len
        .checked_add(trailer.len())
        .ok_or_else(|| X509Error::InvalidValue("the CRL is too long to encode".to_owned()))?;
    let mut header = Vec::with_capacity(6);
    push_header(&mut header, SEQUENCE, len);
    Ok((header, trailer))
}

/// Build and sign a CRL in memory: for small CRLs and tests. `sign` receives the
/// TBSCertList and returns the signature.
pub fn build_crl<E: std::fmt::Display>(
    params: &CrlParams,
    entries: &[CrlEntry<'_>],
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, X509Error> {
    let mut encoded = Vec::new();
    for e in entries {
        encode_entry(e, &mut encoded)?;
    }
    let frame = tbs_frame(params, encoded.len())?;
    let mut tbs = Vec::with_capacity(frame.tbs_len());
    tbs.extend_from_slice(&frame.prefix);
    tbs.extend_from_slice(&encoded);
    tbs.extend_from_slice(&frame.suffix);
    drop(encoded);
    let signature = sign(&tbs).map_err(|e| X509Error::encode("CRL signature", e))?;
    let (header, trailer) = certificate_list_frame(tbs.len(), params.signature, &signature)?;
    let mut crl = Vec::with_capacity(header.len() + tbs.len() + trailer.len());
    crl.extend_from_slice(&header);
    crl.extend_from_slice(&tbs);
    crl.extend_from_slice(&trailer);
    Ok(crl)
}

/// Hash `prefix ++ entries ++ suffix` with the digest `alg` signs, reading the
/// entries from `entries`, which must yield exactly `frame.entries_len` octets.
pub fn digest_tbs<R: Read>(
    frame: &TbsFrame,
    alg: SignatureAlgorithm,
    entries: R,
) -> io::Result<digest::Digest> {
    let mut ctx = digest::Context::new(digest_algorithm(alg));
    ctx.update(&frame.prefix);
    copy_exact(entries, frame.entries_len, |chunk| {
        ctx.update(chunk);
        Ok(())
    })?;
    ctx.update(&frame.suffix);
    Ok(ctx.finish())
}

/// Write the signed CRL: the CertificateList header, `prefix`, the entries read from
/// `entries` (exactly `frame.entries_len` octets), `suffix`, the algorithm and the
/// signature. Returns the number of octets written. On error `out` holds a partial
/// CRL, to be thrown away.
pub fn write_crl<R: Read, W: Write>(
    frame: &TbsFrame,
    alg: SignatureAlgorithm,
    signature: &[u8],
    entries: R,
    mut out: W,
) -> io::Result<u64> {
    let (header, trailer) = certificate_list_frame(frame.tbs_len(), alg, signature)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    out.write_all(&header)?;
    out.write_all(&frame.prefix)?;
    copy_exact(entries, frame.entries_len, |chunk| out.write_all(chunk))?;
    out.write_all(&frame.suffix)?;
    out.write_all(&trailer)?;
    out.flush()?;
    Ok((header.len() + frame.tbs_len() + trailer.len()) as u64)
}

/// PEM ("X509 CRL") of a DER CRL.
pub fn crl_pem(der: &[u8]) -> Result<String, X509Error> {
    der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, der)
        .map_err(|e| X509Error::encode("PEM", e))
}

/// Feed exactly `len` octets of `from` to `sink`; fail if it has more or fewer.
fn copy_exact<R: Read>(
    mut from: R,
    len: usize,
    mut sink: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let want = left.min(buf.len());
        let n = match from.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the CRL entries ended {left} octets short of the {len} the frame was made for"
                    ),
                ));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        sink(&buf[..n])?;
        left -= n;
    }
    loop {
        match from.read(&mut buf[..1]) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the CRL entries are longer than the {len} octets the frame was made for"
                    ),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

fn check_serial(serial: &[u8]) -> Result<(), X509Error> {
    let problem = match serial {
        [] => Some("is empty"),
        _ if serial.len() > MAX_SERIAL_LEN => Some("is longer than 20 octets"),
        [b, ..] if *b >= 0x80 => Some("is negative"),
        [0] => Some("is zero"),
        [0, b, ..] if *b < 0x80 => Some("has a leading zero octet"),
        _ => None,
    };
    match problem {
        Some(p) => Err(X509Error::InvalidValue(format!(
            "the serial number {} {p}; a CRL entry needs the minimal positive INTEGER of \
             at most 20 octets",
            hex::encode(serial)
        ))),
        None => Ok(()),
    }
}

fn check_time(t: i64, what: &str) -> Result<(), X509Error> {
    if (0..=MAX_TIME).contains(&t) {
        Ok(())
    } else {
        Err(X509Error::InvalidValue(format!(
            "the {what} {t} is outside 1970-01-01 to 9999-12-31"
        )))
    }
}

/// The length of a DER header for `len` content octets (one-octet tag).
fn header_len(len: usize) -> usize {
    if len < 0x80 {
        2
    } else {
        2 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize
    }
}

fn push_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = (len.leading_zeros() / 8) as usize;
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// A Time of RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. `t` has
/// passed [`check_time`].
fn push_time(out: &mut Vec<u8>, t: i64) {
    if t >= Y2050 {
        out.extend_from_slice(&[GENERALIZED_TIME, 15]);
        push_digits(out, t, true);
    } else {
        out.extend_from_slice(&[UTC_TIME, 13]);
        push_digits(out, t, false);
    }
}

fn push_generalized_time(out: &mut Vec<u8>, t: i64) {
    out.extend_from_slice(&[GENERALIZED_TIME, 15]);
    push_digits(out, t, true);
}

/// `YYMMDDHHMMSSZ` or `YYYYMMDDHHMMSSZ` of a time in 1970..=9999.
fn push_digits(out: &mut Vec<u8>, t: i64, four_digit_year: bool) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let two = |out: &mut Vec<u8>, v: i64| {
        out.push(b'0' + (v / 10 % 10) as u8);
        out.push(b'0' + (v % 10) as u8);
    };
    if four_digit_year {
        two(out, year / 100);
    }
    two(out, year % 100);
    two(out, i64::from(month));
    two(out, i64::from(day));
    two(out, secs / 3600);
    two(out, secs / 60 % 60);
    two(out, secs % 60);
    out.push(b'Z');
}

/// (year, month, day) of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a valid civil date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// ---------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------

/// A CRL read without decoding its entries; see [`ParsedCrl::entries`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCrl<'a> {
    /// The TBSCertList exactly as signed.
    pub tbs: &'a [u8],
    /// The signature algorithm (the same in the TBSCertList and outside it).
    pub signature_algorithm: SignatureAlgorithm,
    /// The signature value.
    pub signature: &'a [u8],
    /// The issuer's name DER.
    pub issuer_name_der: &'a [u8],
    /// thisUpdate, seconds since the Unix epoch.
    pub this_update: i64,
    /// nextUpdate, seconds since the Unix epoch, if present.
    pub next_update: Option<i64>,
    /// cRLNumber's INTEGER content octets, if present (see [`Self::crl_number_u64`]).
    pub crl_number: Option<&'a [u8]>,
    /// The base CRL number's INTEGER content octets, if this is a delta CRL.
    pub delta_base: Option<&'a [u8]>,
    /// The authorityKeyIdentifier's keyIdentifier, if present.
    pub authority_key_id: Option<&'a [u8]>,
    /// The first URI of the freshestCRL extension, if present.
    pub freshest_crl: Option<String>,
    /// The issuingDistributionPoint, if present.
    pub issuing_dp: Option<IssuingDp>,
    /// Whether the CRL is v2 (extensions are allowed only then).
    pub v2: bool,
    /// The content of revokedCertificates (empty when the field is absent).
    revoked: &'a [u8],
}

impl<'a> ParsedCrl<'a> {
    /// The revoked certificates, decoded one at a time from the input. After the
    /// first error the iterator ends.
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            rest: self.revoked,
            v2: self.v2,
        }
    }

    /// Whether this is a delta CRL.
    pub fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    /// The cRLNumber if present and at most 64 bits wide.
    pub fn crl_number_u64(&self) -> Option<u64> {
        self.crl_number.and_then(integer_to_u64)
    }

    /// The base CRL number of a delta CRL, if at most 64 bits wide.
    pub fn delta_base_u64(&self) -> Option<u64> {
        self.delta_base.and_then(integer_to_u64)
    }

    /// Check the signature with the issuer's public key.
    pub fn verify_signature(&self, issuer: &PublicKey) -> Result<(), X509Error> {
        let verifier = crate::verify::verification_algorithm(
            &self.signature_algorithm.oid(),
            issuer.algorithm,
        )
        .map(|(verifier, _)| verifier)
        .ok_or_else(|| {
            X509Error::InvalidValue(format!(
                "the CRL is signed with {} but the issuer's key is {}",
                self.signature_algorithm, issuer.algorithm
            ))
        })?;
        UnparsedPublicKey::new(verifier, &issuer.raw)
            .verify(self.tbs, self.signature)
            .map_err(|_| {
                X509Error::InvalidValue(
                    "the CRL's signature does not verify with the issuer's public key".to_owned(),
                )
            })
    }
}

/// The big-endian value of a non-negative INTEGER's content octets, if it fits.
pub fn integer_to_u64(content: &[u8]) -> Option<u64> {
    let digits = match content {
        [0, rest @ ..] => rest,
        _ => content,
    };
    if digits.len() > 8 {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
    )
}

/// The entries of a [`ParsedCrl`], decoded lazily.
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    rest: &'a [u8],
    v2: bool,
}

impl std::iter::FusedIterator for Entries<'_> {}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<CrlEntry<'a>, X509Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let mut r = Reader::new(self.rest);
        let item = r
            .expect(SEQUENCE, "revoked certificate")
            .and_then(|content| {
                self.rest = r.rest();
                parse_entry(content, self.v2)
            });
        if item.is_err() {
            self.rest = &[];
        }
        Some(item)
    }
}

fn bad(detail: impl Into<String>) -> X509Error {
    X509Error::Malformed {
        what: WHAT,
        detail: detail.into(),
    }
}

/// Parse a DER CRL. The entries stay in `der` until [`ParsedCrl::entries`] reads
/// them; everything else is checked here.
pub fn parse_crl(der: &[u8]) -> Result<ParsedCrl<'_>, X509Error> {
    let mut outer = Reader::new(der);
    let list = outer.expect(SEQUENCE, "CertificateList")?;
    outer.end("CertificateList")?;

    let mut r = Reader::new(list);
    let (tbs_content, tbs) = r.expect_tlv(SEQUENCE, "TBSCertList")?;
    let (_, alg_der) = r.expect_tlv(SEQUENCE, "signatureAlgorithm")?;
    let signature_algorithm = algorithm_from_der(alg_der)?;
    let sig = r.expect(BIT_STRING, "signature")?;
    r.end("CertificateList")?;
    let signature = match sig {
        [0, s @ ..] if !s.is_empty() => s,
        _ => {
            return Err(bad(
                "the signature BIT STRING is empty or not octet-aligned",
            ));
        }
    };

    let mut t = Reader::new(tbs_content);
    let v2 = if t.peek() == Some(INTEGER) {
        if t.expect(INTEGER, "version")? != [1] {
            return Err(bad("the version is not v2 (1)"));
        }
        true
    } else {
        false
    };
    let (_, inner_alg) = t.expect_tlv(SEQUENCE, "signature")?;
    if inner_alg != alg_der {
        return Err(bad(
            "the signature algorithm inside the TBSCertList differs from the one outside",
        ));
    }
    let (_, issuer_name_der) = t.expect_tlv(SEQUENCE, "issuer")?;
    Name::from_der(issuer_name_der).map_err(|e| bad(format!("issuer name: {e}")))?;
    let this_update = read_time(&mut t, "thisUpdate")?;
    let next_update = match t.peek() {
        Some(UTC_TIME | GENERALIZED_TIME) => Some(read_time(&mut t, "nextUpdate")?),
        _ => None,
    };
    let revoked = if t.peek() == Some(SEQUENCE) {
        let content = t.expect(SEQUENCE, "revokedCertificates")?;
        if content.is_empty() {
            return Err(bad(
                "revokedCertificates is an empty SEQUENCE; RFC 5280 leaves the field out instead",
            ));
        }
        content
    } else {
        &[]
    };

    let mut crl = ParsedCrl {
        tbs,
        signature_algorithm,
        signature,
        issuer_name_der,
        this_update,
        next_update,
        crl_number: None,
        delta_base: None,
        authority_key_id: None,
        freshest_crl: None,
        issuing_dp: None,
        v2,
        revoked,
    };
    if t.peek() == Some(CONTEXT_0) {
        if !v2 {
            return Err(bad("a v1 CRL has crlExtensions; they need version v2"));
        }
        let wrapped = t.expect(CONTEXT_0, "crlExtensions")?;
        let mut w = Reader::new(wrapped);
        let list = w.expect(SEQUENCE, "crlExtensions")?;
        w.end("crlExtensions")?;
        parse_crl_extensions(list, &mut crl)?;
    }
    t.end("TBSCertList")?;
    Ok(crl)
}

fn algorithm_from_der(der: &[u8]) -> Result<SignatureAlgorithm, X509Error> {
    SignatureAlgorithm::ALL
        .into_iter()
        .find(|a| a.to_der() == der)
        .ok_or_else(|| {
            bad(format!(
                "the signature algorithm {} is not one CarePKI signs with",
                hex::encode(der)
            ))
        })
}

/// One Extension: (OID content, critical, extnValue content).
fn read_extension<'a>(r: &mut Reader<'a>) -> Result<(&'a [u8], bool, &'a [u8]), X509Error> {
    let content = r.expect(SEQUENCE, "extension")?;
    let mut e = Reader::new(content);
    let oid = e.expect(OID, "extension OID")?;
    check_oid(oid)?;
    let critical = if e.peek() == Some(BOOLEAN) {
        match e.expect(BOOLEAN, "critical")? {
            [0xff] => true,
            [0x00] => return Err(bad("an extension spells out critical FALSE, the default")),
            _ => return Err(bad("critical is not a DER BOOLEAN")),
        }
    } else {
        false
    };
    let value = e.expect(OCTET_STRING, "extnValue")?;
    e.end("extension")?;
    Ok((oid, critical, value))
}

fn parse_crl_extensions<'a>(list: &'a [u8], crl: &mut ParsedCrl<'a>) -> Result<(), X509Error> {
    if list.is_empty() {
        return Err(bad("crlExtensions is empty; leave the field out instead"));
    }
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut r = Reader::new(list);
    while !r.is_empty() {
        let (oid, critical, value) = read_extension(&mut r)?;
        if seen.contains(&oid) {
            return Err(bad(format!(
                "the extension {} appears twice",
                oid_text(oid)
            )));
        }
        seen.push(oid);
        match oid {
            OID_AUTHORITY_KEY_ID => crl.authority_key_id = parse_aki(value)?,
            OID_CRL_NUMBER => crl.crl_number = Some(single_crl_number(value, "cRLNumber")?),
            OID_DELTA_CRL_INDICATOR => {
                if !critical {
                    return Err(bad("deltaCRLIndicator is not critical"));
                }
                crl.delta_base = Some(single_crl_number(value, "deltaCRLIndicator")?);
            }
            OID_FRESHEST_CRL => {
                let fresh =
                    FreshestCrl::from_der(value).map_err(|e| bad(format!("freshestCRL: {e}")))?;
                crl.freshest_crl = fresh.0.iter().find_map(|dp| match &dp.distribution_point {
                    Some(DistributionPointName::FullName(names)) => first_uri(names),
                    _ => None,
                });
            }
            OID_ISSUING_DP => crl.issuing_dp = Some(parse_idp(value)?),
            _ if critical => {
                return Err(bad(format!(
                    "the critical extension {} is not one CarePKI understands",
                    oid_text(oid)
                )));
            }
            _ => {}
        }
    }
    if crl.delta_base.is_some() && crl.freshest_crl.is_some() {
        return Err(bad("a delta CRL carries freshestCRL (RFC 5280 §5.2.6)"));
    }
    Ok(())
}

fn first_uri(names: &[GeneralName]) -> Option<String> {
    names.iter().find_map(|n| match n {
        GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
        _ => None,
    })
}

fn parse_idp(value: &[u8]) -> Result<IssuingDp, X509Error> {
    let idp = IssuingDistributionPoint::from_der(value)
        .map_err(|e| bad(format!("issuingDistributionPoint: {e}")))?;
    if idp.only_some_reasons.is_some() || idp.indirect_crl || idp.only_contains_attribute_certs {
        return Err(bad(
            "the issuingDistributionPoint limits reasons, is indirect or covers attribute \
             certificates, which CarePKI does not support",
        ));
    }
    if idp.only_contains_user_certs && idp.only_contains_ca_certs {
        return Err(bad(
            "the issuingDistributionPoint sets both onlyContainsUserCerts and onlyContainsCACerts",
        ));
    }
    let url = match &idp.distribution_point {
        Some(DistributionPointName::FullName(names)) => first_uri(names),
        _ => None,
    };
    if url.is_none() && !idp.only_contains_user_certs && !idp.only_contains_ca_certs {
        return Err(bad(
            "the issuingDistributionPoint says nothing CarePKI can use",
        ));
    }
    Ok(IssuingDp {
        url,
        only_user_certs: idp.only_contains_user_certs,
        only_ca_certs: idp.only_contains_ca_certs,
    })
}

/// AuthorityKeyIdentifier ::= SEQUENCE { [0] keyIdentifier OPTIONAL,
/// [1] authorityCertIssuer OPTIONAL, [2] authorityCertSerialNumber OPTIONAL }
fn parse_aki(value: &[u8]) -> Result<Option<&[u8]>, X509Error> {
    let mut outer = Reader::new(value);
    let content = outer.expect(SEQUENCE, "authorityKeyIdentifier")?;
    outer.end("authorityKeyIdentifier")?;
    let mut r = Reader::new(content);
    let mut key_id = None;
    let mut last = None;
    while !r.is_empty() {
        let (tag, field, _) = r.tlv("authorityKeyIdentifier")?;
        let order = match tag {
            0x80 => 0,
            0xa1 => 1,
            0x82 => 2,
            _ => return Err(bad("authorityKeyIdentifier has an unknown field")),
        };
        if last.is_some_and(|l| order <= l) {
            return Err(bad(
                "authorityKeyIdentifier fields are repeated or out of order",
            ));
        }
        last = Some(order);
        if tag == 0x80 {
            key_id = Some(field);
        }
    }
    Ok(key_id)
}

/// The INTEGER inside cRLNumber or deltaCRLIndicator: non-negative, at most 20
/// octets of value (RFC 5280 §5.2.3).
fn single_crl_number<'a>(value: &'a [u8], what: &'static str) -> Result<&'a [u8], X509Error> {
    let mut r = Reader::new(value);
    let n = r.expect(INTEGER, what)?;
    r.end(what)?;
    check_integer(n, what)?;
    if n[0] >= 0x80 {
        return Err(bad(format!("{what} is negative")));
    }
    let digits = if n[0] == 0 && n.len() > 1 { &n[1..] } else { n };
    if digits.len() > 20 {
        return Err(bad(format!("{what} is longer than 20 octets")));
    }
    Ok(n)
}

/// DER: at least one octet, and no redundant leading octet.
fn check_integer(n: &[u8], what: &str) -> Result<(), X509Error> {
    match n {
        [] => Err(bad(format!("{what} is an empty INTEGER"))),
        [0x00, b, ..] if *b < 0x80 => Err(bad(format!("{what} is not minimally encoded"))),
        [0xff, b, ..] if *b >= 0x80 => Err(bad(format!("{what} is not minimally encoded"))),
        _ => Ok(()),
    }
}

fn check_oid(oid: &[u8]) -> Result<(), X509Error> {
    let ok = !oid.is_empty()
        && oid.last().is_some_and(|b| b & 0x80 == 0)
        && oid
            .iter()
            .enumerate()
            .all(|(i, b)| *b != 0x80 || (i > 0 && oid[i - 1] & 0x80 != 0));
    if ok {
        Ok(())
    } else {
        Err(bad("an extension OID is not valid DER"))
    }
}

fn oid_text(oid: &[u8]) -> String {
    // Cannot fail on what check_oid accepted, but a hex fallback costs nothing.
    der::asn1::ObjectIdentifier::from_bytes(oid)
        .map_or_else(|_| hex::encode(oid), |o| o.to_string())
}

fn parse_entry(content: &[u8], v2: bool) -> Result<CrlEntry<'_>, X509Error> {
    let mut r = Reader::new(content);
    let serial = r.expect(INTEGER, "userCertificate")?;
    check_integer(serial, "a revoked serial number")?;
    if serial.len() > MAX_SERIAL_LEN {
        return Err(bad("a revoked serial number is longer than 20 octets"));
    }
    let revoked_at = read_time(&mut r, "revocationDate")?;
    let mut entry = CrlEntry {
        serial,
        revoked_at,
        reason: None,
        invalidity_date: None,
    };
    if !r.is_empty() {
        if !v2 {
            return Err(bad("a v1 CRL has crlEntryExtensions; they need version v2"));
        }
        let list = r.expect(SEQUENCE, "crlEntryExtensions")?;
        r.end("revoked certificate")?;
        if list.is_empty() {
            return Err(bad(
                "crlEntryExtensions is empty; leave the field out instead",
            ));
        }
        let mut seen: [&[u8]; 8] = [&[]; 8];
        let mut n = 0;
        let mut e = Reader::new(list);
        while !e.is_empty() {
            let (oid, critical, value) = read_extension(&mut e)?;
            if seen[..n].contains(&oid) {
                return Err(bad(format!(
                    "the entry extension {} appears twice",
                    oid_text(oid)
                )));
            }
            if n == seen.len() {
                return Err(bad("a revoked certificate has more than 8 extensions"));
            }
            seen[n] = oid;
            n += 1;
            match oid {
                OID_REASON_CODE => entry.reason = Some(parse_reason(value)?),
                OID_INVALIDITY_DATE => {
                    let mut v = Reader::new(value);
                    let t = v.expect(GENERALIZED_TIME, "invalidityDate")?;
                    v.end("invalidityDate")?;
                    entry.invalidity_date = Some(parse_time_digits(t, true, "invalidityDate")?);
                }
                _ if critical => {
                    return Err(bad(format!(
                        "the critical entry extension {} is not one CarePKI understands",
                        oid_text(oid)
                    )));
                }
                _ => {}
            }
        }
    }
    Ok(entry)
}

fn parse_reason(value: &[u8]) -> Result<RevocationReason, X509Error> {
    let mut r = Reader::new(value);
    let code = r.expect(ENUMERATED, "reasonCode")?;
    r.end("reasonCode")?;
    match code {
        [c] if *c < 0x80 => RevocationReason::from_code(*c)
            .ok_or_else(|| bad(format!("the reason code {c} is not one CarePKI uses"))),
        _ => Err(bad(
            "the reason code is not a small non-negative ENUMERATED",
        )),
    }
}

/// A Time (RFC 5280 §4.1.2.5): UTCTime for 1950–2049, GeneralizedTime from 2050.
fn read_time(r: &mut Reader<'_>, what: &'static str) -> Result<i64, X509Error> {
    let (tag, content, _) = r.tlv(what)?;
    match tag {
        UTC_TIME => parse_time_digits(content, false, what),
        GENERALIZED_TIME => {
            let t = parse_time_digits(content, true, what)?;
            if t < Y2050 {
                return Err(bad(format!(
                    "{what} is a GeneralizedTime before 2050, which RFC 5280 writes as UTCTime"
                )));
            }
            Ok(t)
        }
        _ => Err(bad(format!("{what} is not a UTCTime or GeneralizedTime"))),
    }
}

/// `YYMMDDHHMMSSZ` (UTCTime, 1950–2049) or `YYYYMMDDHHMMSSZ` (GeneralizedTime), as
/// DER and RFC 5280 require: in UTC, with seconds, without fractions.
fn parse_time_digits(s: &[u8], generalized: bool, what: &str) -> Result<i64, X509Error> {
    let digits = if generalized { 14 } else { 12 };
    if s.len() != digits + 1 || s[digits] != b'Z' || !s[..digits].iter().all(u8::is_ascii_digit) {
        return Err(bad(format!(
            "{what} is not of the form {}",
            if generalized {
                "YYYYMMDDHHMMSSZ"
            } else {
                "YYMMDDHHMMSSZ"
            }
        )));
    }
    let num = |i: usize| i64::from(s[i] - b'0') * 10 + i64::from(s[i + 1] - b'0');
    let (year, at) = if generalized {
        (num(0) * 100 + num(2), 4)
    } else {
        let yy = num(0);
        (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
    };
    let (month, day) = (num(at), num(at + 2));
    let (hour, minute, second) = (num(at + 4), num(at + 6), num(at + 8));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return Err(bad(format!("{what} is not a valid date and time")));
    }
    Ok(days_from_civil(year, month as u32, day as u32) * 86_400
        + hour * 3600
        + minute * 60
        + second)
}

/// A strict DER reader over one level of TLVs: one-octet tags, definite minimal
/// lengths.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn rest(&self) -> &'a [u8] {
        self.data
    }

    fn peek(&self) -> Option<u8> {
        self.data.first().copied()
    }

    fn end(&self, what: &str) -> Result<(), X509Error> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(bad(format!(
                "{} octets of trailing data after the {what}",
                self.data.len()
            )))
        }
    }

    /// The next TLV: (tag, content, whole encoding).
    fn tlv(&mut self, what: &str) -> Result<(u8, &'a [u8], &'a [u8]), X509Error> {
        let d = self.data;
        let short = || bad(format!("the {what} is cut short"));
        let (&tag, rest) = d.split_first().ok_or_else(short)?;
        if tag & 0x1f == 0x1f {
            return Err(bad(format!("the {what} has a multi-octet tag")));
        }
        let (&first, rest) = rest.split_first().ok_or_else(short)?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 {
                return Err(bad(format!("the {what} has an indefinite length")));
            }
            if n > size_of::<usize>() {
                return Err(bad(format!("the {what} is too long")));
            }
            let (bytes, rest) = rest.split_at_checked(n).ok_or_else(short)?;
            if bytes[0] == 0 {
                return Err(bad(format!("the {what}'s length is not minimal")));
            }
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if len < 0x80 {
                return Err(bad(format!("the {what}'s length is not minimal")));
            }
            (len, rest)
        };
        let (content, rest) = rest.split_at_checked(len).ok_or_else(short)?;
        let whole = &d[..d.len() - rest.len()];
        self.data = rest;
        Ok((tag, content, whole))
    }

    /// The next TLV, which must have `tag`: (content, whole encoding).
    fn expect_tlv(&mut self, tag: u8, what: &str) -> Result<(&'a [u8], &'a [u8]), X509Error> {
        match self.tlv(what)? {
            (t, content, whole) if t == tag => Ok((content, whole)),
            (t, _, _) => Err(bad(format!(
                "expected the {what} (tag {tag:#04x}) but found tag {t:#04x}"
            ))),
        }
    }

    /// The content of the next TLV, which must have `tag`.
    fn expect(&mut self, tag: u8, what: &str) -> Result<&'a [u8], X509Error> {
        self.expect_tlv(tag, what).map(|(content, _)| content)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn time_der(t: i64) -> Vec<u8> {
        crate::cert::x509_time(t).unwrap().to_der().unwrap()
    }

    #[test]
    fn times_match_the_der_crate() {
        for t in [
            0,
            951_782_400, // 2000-02-29
            1_700_000_000,
            Y2050 - 1,
            Y2050,
            4_107_542_399, // 2099-12-31T23:59:59
            MAX_TIME,
        ] {
            let mut ours = Vec::new();
            push_time(&mut ours, t);
            assert_eq!(ours, time_der(t), "{t}");
            let mut r = Reader::new(&ours);
            assert_eq!(read_time(&mut r, "t").unwrap(), t);
        }
    }

    proptest! {
        #[test]
        fn any_time_round_trips(t in 0..=MAX_TIME) {
            let mut ours = Vec::new();
            push_time(&mut ours, t);
            prop_assert_eq!(&ours, &time_der(t));
            let mut r = Reader::new(&ours);
            prop_assert_eq!(read_time(&mut r, "t").unwrap(), t);
            let mut g = Vec::new();
            push_generalized_time(&mut g, t);
            prop_assert_eq!(parse_time_digits(&g[2..], true, "t").unwrap(), t);
        }

        #[test]
        fn headers_are_minimal(len in 0usize..1 << 40) {
            let mut out = Vec::new();
            push_header(&mut out, SEQUENCE, len);
            prop_assert_eq!(out.len(), header_len(len));
            out.resize(out.len() + if len < 4096 { len } else { 0 }, 0);
            if len < 4096 {
                let mut r = Reader::new(&out);
                prop_assert_eq!(r.expect(SEQUENCE, "x").unwrap().len(), len);
            }
        }
    }

    #[test]
    fn bad_times_are_refused() {
        for s in [
            &b"990230000000Z"[..], // 30 February
            b"2302281200Z",        // no seconds
            b"230228120000+0000",  // not in UTC
            b"230228126000Z",      // 60 minutes
            b"230228240000Z",      // 24 hours
            b"230229000000Z",      // not a leap year
            b"23022812000aZ",      // not a digit
        ] {
            assert!(parse_time_digits(s, false, "t").is_err(), "{s:?}");
        }
        // UTCTime years 50-99 are 1950-1999.
        assert_eq!(
            parse_time_digits(b"500101000000Z", false, "t").unwrap(),
            -631_152_000
        );
        assert!(parse_time_digits(b"20240229000000Z", true, "t").is_ok());
        assert!(parse_time_digits(b"21000229000000Z", true, "t").is_err());
        assert!(parse_time_digits(b"20240229000000.5Z", true, "t").is_err());
        // GeneralizedTime before 2050 in a Time field.
        let mut r = Reader::new(b"\x18\x0f20240229000000Z");
        assert!(read_time(&mut r, "t").is_err());
    }

    #[test]
    fn entry_layout() {
        let mut out = Vec::new();
        encode_entry(
            &CrlEntry {
                serial: &[0x01, 0x02],
                revoked_at: 1_700_000_000,
                reason: Some(RevocationReason::KeyCompromise),
                invalidity_date: Some(1_699_000_000),
            },
            &mut out,
        )
        .unwrap();
        let expected = hex::decode(concat!(
            "303b",
            "02020102",
            "170d3233313131343232313332305a",
            "3026",
            "300a0603551d1504030a0101",
            "30180603551d180411180f",
        ))
        .unwrap();
        assert_eq!(&out[..expected.len()], &expected[..]);
        assert_eq!(&out[expected.len()..], b"20231103082640Z");
        let parsed = parse_entry(&out[2..], true).unwrap();
        assert_eq!(parsed.serial, &[1, 2]);
        assert_eq!(parsed.reason, Some(RevocationReason::KeyCompromise));
        assert_eq!(parsed.invalidity_date, Some(1_699_000_000));
    }

    #[test]
    fn bad_serials_are_refused() {
        let mut out = Vec::new();
        for serial in [&[][..], &[0], &[0x80], &[0, 0x7f], &[1; 21]] {
            let e = CrlEntry {
                serial,
                revoked_at: 0,
                reason: None,
                invalidity_date: None,
            };
            assert!(encode_entry(&e, &mut out).is_err(), "{serial:?}");
        }
        assert!(out.is_empty());
        let max = [0x7f; 20];
        let ok = CrlEntry {
            serial: &max,
            revoked_at: MAX_TIME,
            reason: Some(RevocationReason::CessationOfOperation),
            invalidity_date: Some(MAX_TIME),
        };
        encode_entry(&ok, &mut out).unwrap();
        assert!(out[1] < 0x80);
        assert_eq!(usize::from(out[1]) + 2, out.len());
        assert_eq!(parse_entry(&out[2..], true).unwrap(), ok);
        // 20 octets of INTEGER content at most (with the sign octet, as pkilint and
        // the other linters read RFC 5280 §4.1.2.2): 2^159 - 1 is the largest serial.
        let mut padded = vec![0u8];
        padded.extend_from_slice(&[0x80; 20]);
        let long = CrlEntry {
            serial: &padded,
            ..ok
        };
        assert!(encode_entry(&long, &mut Vec::new()).is_err());
    }

    #[test]
    fn integers() {
        assert_eq!(integer_to_u64(&[0]), Some(0));
        assert_eq!(integer_to_u64(&[0, 0xff]), Some(255));
        assert_eq!(
            integer_to_u64(&[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Some(u64::MAX)
        );
        assert_eq!(integer_to_u64(&[1, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn digests_follow_the_algorithm() {
        assert_eq!(
            digest_algorithm(SignatureAlgorithm::EcdsaSha384),
            &digest::SHA384
        );
        assert_eq!(
            digest_algorithm(SignatureAlgorithm::RsaPkcs1Sha512),
            &digest::SHA512
        );
        assert_eq!(
            digest_algorithm(SignatureAlgorithm::EcdsaSha256),
            &digest::SHA256
        );
    }
}

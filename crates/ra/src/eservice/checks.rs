//! The checks an upload gets at once (R-CSR, R-ELIGIBLE, R-CONFORMITY): the
//! certificate request against its certificate type and the organisation in
//! the register, and the certificate of conformity as a PDF.

use carepki_policy::Ceremony;
use carepki_policy::ProfileId;
use carepki_policy::org::Organisation;
use carepki_policy::profile::{CertRequest, Purpose, check_request};
use carepki_x509::csr::{VerifiedCsr, parse_and_verify};
use carepki_x509::name::{Attr, display_name, name_attributes};
use serde::Serialize;

use super::{ErrorKind, EsError, EsResult};

/// The largest certificate of conformity, in bytes (R-CONFORMITY).
pub const MAX_CONFORMITY_BYTES: usize = 5 * 1024 * 1024;

/// The largest certificate request, in bytes (a PEM RSA-4096 request is about
/// 2 KB).
pub const MAX_CSR_BYTES: usize = 64 * 1024;

/// A certificate request in plain words, as the applicant sees it on upload
/// (R-CSR), and what the certificate made from it will say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsrSummary {
    /// The key, e.g. `"ECDSA P-256"` or `"RSA 3072"`.
    pub key: String,
    /// SHA-256 of the public key, hex: to compare with the key the applicant made.
    pub key_sha256: String,
    /// The subject the request asks for, as text (attacker input: escape it).
    pub requested_subject: String,
    /// The DNS names the request asks for.
    pub requested_dns_names: Vec<String>,
    /// The algorithm the request is signed with.
    pub signature_algorithm: String,
    /// The common name the certificate will carry.
    pub common_name: String,
    /// The DNS names the certificate will carry (server certificates).
    pub dns_names: Vec<String>,
    /// The subject the certificate will carry, as text (the organisation's long
    /// name from the register, R-LONGNAME).
    pub subject: String,
    /// The validity, in days.
    pub days: u32,
}

/// What the certificate will be issued from: the common name and DNS names
/// taken from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedCsr {
    pub(crate) summary: CsrSummary,
    pub(crate) common_name: String,
    pub(crate) dns_names: Vec<String>,
}

/// Parses a request, verifies its signature and key, and checks it against
/// the certificate type and the organisation (R-CSR, R-ELIGIBLE): every problem
/// is listed. The common name comes from the request's CN (for a server
/// certificate, the first DNS name when there is no CN); the organisation name
/// and identifier never come from the request (R-LONGNAME).
pub(crate) fn check_csr(
    bytes: &[u8],
    profile: ProfileId,
    org: &Organisation,
    ceremony: &Ceremony,
) -> EsResult<CheckedCsr> {
    if bytes.is_empty() {
        return Err(EsError::invalid(
            "csr.empty",
            "the file is empty: attach the certificate signing request (PEM or DER)",
        ));
    }
    if bytes.len() > MAX_CSR_BYTES {
        return Err(EsError::new(
            ErrorKind::TooLarge,
            "csr.too_large",
            format!(
                "the file is {} bytes; a certificate signing request is at most {} bytes: \
                 attach the CSR itself, not an archive or a certificate chain",
                bytes.len(),
                MAX_CSR_BYTES
            ),
        ));
    }
    let csr: VerifiedCsr = parse_and_verify(bytes).map_err(|e| {
        EsError::invalid(
            "csr.malformed",
            format!(
                "this is not a valid certificate signing request ({e}); make a new one \
                 (for example `openssl req -new -key server.key -out server.csr`) and \
                 attach it in PEM or DER"
            ),
        )
    })?;
    let cn_in_request = name_attributes(&csr.requested_subject)
        .into_iter()
        .find(|(oid, _, _)| *oid == Attr::CommonName.oid())
        .map(|(_, value, _)| value);
    let common_name = match (cn_in_request, profile.purpose()) {
        (Some(cn), _) if !cn.trim().is_empty() => cn,
        (_, Purpose::Tls) if !csr.requested_dns_names.is_empty() => {
            csr.requested_dns_names[0].clone()
        }
        (_, Purpose::Tls) => {
            return Err(EsError::invalid(
                "csr.no_name",
                "the request names no host: put the server's DNS name in the subject's \
                 common name (CN) or in a subjectAltName",
            ));
        }
        _ => {
            return Err(EsError::invalid(
                "csr.no_name",
                "the request's subject has no common name (CN): put the information \
                 system's name in CN",
            ));
        }
    };
    let dns_names = match profile.purpose() {
        Purpose::Tls => csr.requested_dns_names.clone(),
        _ => Vec::new(),
    };
    let approved = check_request(
        &CertRequest {
            profile,
            organisation: org,
            common_name: common_name.clone(),
            dns_names: dns_names.clone(),
            emails: Vec::new(),
            days: None,
            key: csr.public_key.clone(),
        },
        ceremony,
    )
    .map_err(|e| match e {
        carepki_policy::PolicyError::Rejected(problems) => EsError::invalid(
            "csr.profile",
            format!(
                "the certificate request does not fit a {} certificate of {}",
                profile,
                org.long_name()
            ),
        )
        .with_problems(problems),
        other => EsError::invalid("csr.profile", other.to_string()),
    })?;
    let subject = approved
        .subject
        .iter()
        .map(|(attr, value)| format!("{}={value}", attr.short_name()))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(CheckedCsr {
        summary: CsrSummary {
            key: csr.public_key.algorithm.to_string(),
            key_sha256: csr.public_key.spki_sha256_hex(),
            requested_subject: display_name(&csr.requested_subject),
            requested_dns_names: csr.requested_dns_names.clone(),
            signature_algorithm: csr.signature_algorithm.to_owned(),
            common_name: approved
                .subject
                .iter()
                .find(|(a, _)| *a == Attr::CommonName)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            dns_names: approved.dns_names.clone(),
            subject,
            days: approved.days,
        },
        common_name,
        dns_names,
    })
}

/// Checks a certificate of conformity (R-CONFORMITY): a PDF document (by its
/// contents, not its name), 1 byte to [`MAX_CONFORMITY_BYTES`].
pub fn check_conformity_pdf(bytes: &[u8]) -> EsResult<()> {
    if bytes.len() > MAX_CONFORMITY_BYTES {
        return Err(EsError::new(
            ErrorKind::TooLarge,
            "conformity.too_large",
            format!(
                "the file is {} bytes; the certificate of conformity may be at most {} MB: \
                 save it as a smaller PDF",
                bytes.len(),
                MAX_CONFORMITY_BYTES / (1024 * 1024)
            ),
        ));
    }
    // A PDF starts with "%PDF-1.x" or "%PDF-2.x" (ISO 32000; readers allow
    // the header within the first 1024 bytes) and ends with "%%EOF" (possibly
    // followed by an end-of-line).
    let head = &bytes[..bytes.len().min(1024)];
    let header_ok = head
        .windows(7)
        .any(|w| w.starts_with(b"%PDF-") && matches!(w[5], b'1' | b'2') && w[6] == b'.');
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    let eof_ok = tail.windows(5).any(|w| w == b"%%EOF");
    if !(header_ok && eof_ok) {
        return Err(EsError::new(
            ErrorKind::UnsupportedType,
            "conformity.not_pdf",
            "the certificate of conformity must be a PDF document; this file is not one \
             (or it is cut short): save or scan it as PDF and attach it again",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_is_recognised_by_its_contents() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
        assert!(check_conformity_pdf(&pdf).is_ok());
        let png = b"\x89PNG\r\n\x1a\n....%%EOF".to_vec();
        assert_eq!(
            check_conformity_pdf(&png).unwrap_err().kind,
            ErrorKind::UnsupportedType
        );
        let cut = b"%PDF-1.7\n1 0 obj\n<<>>\n".to_vec();
        assert_eq!(
            check_conformity_pdf(&cut).unwrap_err().code,
            "conformity.not_pdf"
        );
        assert_eq!(
            check_conformity_pdf(b"").unwrap_err().kind,
            ErrorKind::UnsupportedType
        );
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(MAX_CONFORMITY_BYTES + 1, b' ');
        big.extend_from_slice(b"%%EOF");
        assert_eq!(
            check_conformity_pdf(&big).unwrap_err().kind,
            ErrorKind::TooLarge
        );
    }
}

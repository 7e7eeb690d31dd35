//! The relying party's check of a signed document or prescription (issue 5
//! point 9; R-CARD-CERTS, R-SV, R-USE-SYSSIG, R-STATUS-TRUTH).
//!
//! [`Authority::verify_document`] takes a CMS SignedData (DER or PEM), verifies
//! it cryptographically ([`carepki_x509::cms::verify_signed_data`]: the message
//! digest against the content, the signature over the signed attributes with the
//! signer certificate's key), then judges the signer's certificate with what
//! the certificate test service knows ([`Authority::inspect`]):
//!
//! - **chain**: issued by one of our CAs, the very certificate in our records,
//!   its signature and the CA chain up to the root good; a TEST-hierarchy
//!   certificate only when the caller allows it (R-TYPES);
//! - **validity**: within its validity at signingTime and now; signingTime not in
//!   the future (a clock skew of [`SIGNING_TIME_SKEW`] is tolerated);
//! - **revocation**: not revoked in the database, the one source of truth
//!   (R-STATUS-TRUTH: a valid certificate is never reported revoked);
//! - **usage**: a signature certificate: keyUsage nonRepudiation, profile
//!   `card-<kind>-signature` (R-CARD-CERTS) or a system signature certificate
//!   (R-USE-SYSSIG), and keyUsage and extendedKeyUsage fit that profile, so a
//!   card's authentication certificate never signs;
//! - **prescription** (only when the document is verified as a prescription): a
//!   card's signature certificate whose subject carries the SV number in
//!   `pseudonym` (2.5.4.65), R-SV.
//!
//! The verdict lists every check with its outcome; the first failed check's
//! stable code is the refusal. [`DocumentVerdict::into_result`] turns a refusal
//! into [`CaError::DocumentRefused`].

use aws_lc_rs::digest;
use carepki_policy::{CardProfile, KeyRole, ProfileId};
use carepki_x509::X509Error;
use carepki_x509::cert::{decode_certificate, unix_time};
use carepki_x509::cms::{VerifiedDocument, verify_signed_data};
use carepki_x509::ext::Ku;
use carepki_x509::name::{Attr, name_attributes};
use serde::Serialize;

use crate::authority::rfc3339;
use crate::inspect::{InspectInput, Inspection, IssuedHere, SourceState, ValidityState};
use crate::{Authority, CaError};

/// How far in the future a signingTime may be (seconds) before it is refused:
/// the signer's clock may run a little ahead.
pub const SIGNING_TIME_SKEW: i64 = 300;

/// What the document is verified as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentPurpose {
    /// A patient document or a document sent to Kanta: a card's signature
    /// certificate or a system signature certificate (R-USE-SYSSIG).
    Document,
    /// A prescription: a card's signature certificate with the SV number (R-SV).
    Prescription,
}

impl DocumentPurpose {
    /// `document` or `prescription`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Document => "document",
            Self::Prescription => "prescription",
        }
    }
}

/// The options of [`Authority::verify_document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// What the document is verified as.
    pub purpose: DocumentPurpose,
    /// Whether a signer certificate of the TEST hierarchy is accepted (for test
    /// environments; never in production, R-TYPES).
    pub allow_test_hierarchy: bool,
}

/// Who signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignerFacts {
    /// The subject's common name.
    pub name: Option<String>,
    /// The holder number (subject serialNumber): the registration number of a
    /// professional, a CarePKI number for others; the organisation OID of a
    /// system signature certificate.
    pub holder_number: Option<String>,
    /// The SV number (subject pseudonym), for a prescriber.
    pub sv_number: Option<String>,
    /// The subject DN.
    pub subject: String,
    /// The certificate's serial number, lower-case hex.
    pub serial: String,
    /// The issuing CA's id, if it is one of ours.
    pub ca: Option<String>,
    /// The certificate's profile in our records (`card-professional-signature`).
    pub profile: Option<String>,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    /// The check: `signature`, `chain`, `validity`, `revocation`, `usage`,
    /// `prescription`.
    pub check: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// The stable code of the failure (`certificate.revoked`), when it failed.
    pub code: Option<&'static str>,
    /// What was found, in words.
    pub detail: String,
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The stable code: `document.*` for the signature itself, `certificate.*`
    /// for the signer's certificate, `prescription.no_sv_number` or
    /// `prescription.not_a_card` for a prescription.
    pub code: &'static str,
    /// What is wrong, in words, with the rule.
    pub message: String,
}

/// The verdict of [`Authority::verify_document`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentVerdict {
    /// Whether every check passed.
    pub accepted: bool,
    /// The first failed check's code and message, when refused.
    pub refusal: Option<Refusal>,
    /// What the document was verified as.
    pub purpose: DocumentPurpose,
    /// The signer (`None` when the signature itself did not verify).
    pub signer: Option<SignerFacts>,
    /// signingTime, RFC 3339.
    pub signing_time: Option<String>,
    /// SHA-256 of the signed content, lower-case hex.
    pub content_sha256: Option<String>,
    /// Whether the signature was detached.
    pub detached: Option<bool>,
    /// The signature algorithm ("ecdsa-with-SHA256").
    pub signature_algorithm: Option<String>,
    /// Every check, in order.
    pub checks: Vec<CheckOutcome>,
    /// When it was judged, RFC 3339.
    pub checked_at: String,
}

impl DocumentVerdict {
    /// The verdict when accepted; [`CaError::DocumentRefused`] with the
    /// refusal's code and message otherwise.
    pub fn into_result(self) -> Result<Self, CaError> {
        match &self.refusal {
            None => Ok(self),
            Some(r) => Err(CaError::DocumentRefused {
                code: r.code,
                message: r.message.clone(),
            }),
        }
    }

    /// The outcome of the check named `check`, if it ran.
    pub fn check(&self, check: &str) -> Option<&CheckOutcome> {
        self.checks.iter().find(|c| c.check == check)
    }
}

impl Authority {
    /// Verifies a signed document (CMS SignedData, DER or PEM) at `now`: see the
    /// [module](self) documentation. `detached_content` is the content of a
    /// detached signature (`None` when it is encapsulated).
    ///
    /// A document that is refused is an `Ok` verdict with `accepted: false`;
    /// errors are only for a database that cannot be read.
    pub async fn verify_document(
        &self,
        signed: &[u8],
        detached_content: Option<&[u8]>,
        options: VerifyOptions,
        now: i64,
    ) -> Result<DocumentVerdict, CaError> {
        let mut verdict = DocumentVerdict {
            accepted: false,
            refusal: None,
            purpose: options.purpose,
            signer: None,
            signing_time: None,
            content_sha256: None,
            detached: None,
            signature_algorithm: None,
            checks: Vec::new(),
            checked_at: rfc3339(now),
        };
        let doc = match verify_signed_data(signed, detached_content) {
            Ok(doc) => doc,
            Err(e) => {
                let code = match &e {
                    X509Error::SignedDocument { code, .. } => *code,
                    _ => "document.malformed",
                };
                verdict.push("signature", Err((code, e.to_string())));
                return Ok(verdict.finish());
            }
        };
        verdict.signing_time = Some(rfc3339(doc.signing_time));
        verdict.content_sha256 = Some(hex::encode(digest::digest(&digest::SHA256, &doc.content)));
        verdict.detached = Some(doc.detached);
        verdict.signature_algorithm = Some(doc.signature_algorithm.to_owned());
        verdict.push(
            "signature",
            Ok(format!(
                "the {} signature over the signed attributes verifies with the signer \
                 certificate's key, and the content matches the signed {} digest",
                doc.signature_algorithm, doc.digest_algorithm
            )),
        );
        let inspection = self
            .inspect(
                InspectInput::Certificate(doc.signer_certificate.clone()),
                now,
            )
            .await?;
        let signer = signer_facts(&doc, &inspection)?;
        let cert = decode_certificate(&doc.signer_certificate)?;
        let validity = cert.tbs_certificate().validity();
        let (not_before, not_after) = (
            unix_time(&validity.not_before),
            unix_time(&validity.not_after),
        );

        verdict.push("chain", chain_outcome(&inspection, options));
        verdict.push(
            "validity",
            validity_outcome(&inspection, &doc, not_before, not_after, now),
        );
        verdict.push("revocation", revocation_outcome(&inspection));
        verdict.push(
            "usage",
            usage_outcome(&inspection, signer.profile.as_deref()),
        );
        if options.purpose == DocumentPurpose::Prescription {
            verdict.push("prescription", prescription_outcome(&signer));
        }
        verdict.signer = Some(signer);
        Ok(verdict.finish())
    }
}

type Outcome = Result<String, (&'static str, String)>;

impl DocumentVerdict {
    fn push(&mut self, check: &'static str, outcome: Outcome) {
        self.checks.push(match outcome {
            Ok(detail) => CheckOutcome {
                check,
                passed: true,
                code: None,
                detail,
            },
            Err((code, detail)) => CheckOutcome {
                check,
                passed: false,
                code: Some(code),
                detail,
            },
        });
    }

    fn finish(mut self) -> Self {
        self.refusal = self.checks.iter().find(|c| !c.passed).map(|c| Refusal {
            code: c.code.unwrap_or("document.refused"),
            message: c.detail.clone(),
        });
        self.accepted = self.refusal.is_none() && !self.checks.is_empty();
        self
    }
}

fn signer_facts(doc: &VerifiedDocument, inspection: &Inspection) -> Result<SignerFacts, CaError> {
    let cert = decode_certificate(&doc.signer_certificate)?;
    let tbs = cert.tbs_certificate();
    let attrs = name_attributes(tbs.subject());
    let attr = |a: Attr| {
        attrs
            .iter()
            .find(|(oid, _, _)| *oid == a.oid())
            .map(|(_, v, _)| v.clone())
    };
    let facts = inspection.certificate.as_ref();
    Ok(SignerFacts {
        name: attr(Attr::CommonName),
        holder_number: attr(Attr::SerialNumber),
        sv_number: attr(Attr::Pseudonym),
        subject: carepki_x509::name::display_name(tbs.subject()),
        serial: carepki_x509::cert::serial_hex(tbs.serial_number().as_bytes()),
        ca: inspection.chain.issuing_ca.clone(),
        profile: facts.and_then(|f| f.profile.clone()),
        not_before: rfc3339(unix_time(&tbs.validity().not_before)),
        not_after: rfc3339(unix_time(&tbs.validity().not_after)),
    })
}

fn chain_outcome(inspection: &Inspection, options: VerifyOptions) -> Outcome {
    let chain = &inspection.chain;
    let path_ok = chain
        .path
        .iter()
        .all(|l| l.signature_valid && l.within_validity);
    if chain.issued_here != IssuedHere::Yes || chain.signature_valid != Some(true) || !path_ok {
        return Err((
            "certificate.not_issued_here",
            format!(
                "the signer's certificate does not chain to a CA of this service: {}",
                chain.detail
            ),
        ));
    }
    if chain.hierarchy.as_deref() == Some("test") && !options.allow_test_hierarchy {
        return Err((
            "certificate.test_hierarchy",
            format!(
                "the signer's certificate is from the TEST hierarchy ({}), which is never valid \
                 for production (R-TYPES); verify with --allow-test only in a test environment",
                chain.issuing_ca.as_deref().unwrap_or("?")
            ),
        ));
    }
    Ok(chain.detail.clone())
}

fn validity_outcome(
    inspection: &Inspection,
    doc: &VerifiedDocument,
    not_before: i64,
    not_after: i64,
    now: i64,
) -> Outcome {
    let at = rfc3339(doc.signing_time);
    let period = format!("{} – {}", rfc3339(not_before), rfc3339(not_after));
    if doc.signing_time > now + SIGNING_TIME_SKEW {
        return Err((
            "document.signing_time_in_future",
            format!("the signing time {at} is in the future; the signer's clock is wrong"),
        ));
    }
    if doc.signing_time < not_before || doc.signing_time > not_after {
        return Err((
            "certificate.not_valid_at_signing",
            format!(
                "the signing time {at} is outside the certificate's validity ({period}): it \
                 could not sign then"
            ),
        ));
    }
    match inspection.validity.as_ref().map(|v| v.state) {
        Some(ValidityState::Valid) => {
            Ok(format!("valid at the signing time {at} and now ({period})"))
        }
        Some(ValidityState::Expired) => Err((
            "certificate.expired",
            format!("the signer's certificate has expired ({period})"),
        )),
        _ => Err((
            "certificate.not_yet_valid",
            format!("the signer's certificate is not yet valid ({period})"),
        )),
    }
}

fn revocation_outcome(inspection: &Inspection) -> Outcome {
    let db = &inspection.revocation.database;
    match db.state {
        SourceState::Good => Ok("not revoked in the CA's database, the one source of truth \
                                 (R-STATUS-TRUTH)"
            .to_owned()),
        SourceState::Revoked => Err((
            "certificate.revoked",
            format!(
                "the signer's certificate was revoked on {} ({}); a signature made with it is \
                 not accepted",
                db.revoked_at.as_deref().unwrap_or("?"),
                db.reason.as_deref().unwrap_or("unspecified")
            ),
        )),
        _ => Err((
            "certificate.status_unknown",
            format!("the certificate's status is not known: {}", db.detail),
        )),
    }
}

/// Whether `profile` is a signing profile: a card's signature certificate, or a
/// system signature certificate.
fn signing_profile(profile: &str) -> bool {
    CardProfile::parse(profile).is_some_and(|p| p.role == KeyRole::Signature)
        || matches!(
            ProfileId::parse(profile),
            Some(ProfileId::SystemSignature | ProfileId::TestSystemSignature)
        )
}

fn usage_outcome(inspection: &Inspection, profile: Option<&str>) -> Outcome {
    let Some(usage) = inspection.usage.as_ref() else {
        return Err((
            "certificate.not_for_signing",
            "the signer's certificate has no readable key usage".to_owned(),
        ));
    };
    let non_repudiation = usage
        .key_usage
        .iter()
        .any(|k| k == Ku::NonRepudiation.name());
    let profile_ok = profile.is_some_and(signing_profile);
    if !non_repudiation || !profile_ok {
        return Err((
            "certificate.not_for_signing",
            format!(
                "the signer's certificate ({}) is not a signature certificate: documents are \
                 signed with a card's signature key and certificate (keyUsage nonRepudiation, \
                 PIN2; R-CARD-CERTS) or a system signature certificate (R-USE-SYSSIG){}",
                profile.unwrap_or("no profile"),
                if non_repudiation {
                    String::new()
                } else {
                    format!(
                        "; its keyUsage is {} without nonRepudiation",
                        usage.key_usage.join(", ")
                    )
                }
            ),
        ));
    }
    if usage.fit != Some(true) {
        return Err((
            "certificate.not_for_signing",
            format!(
                "the signer's key usage does not fit its profile: {}",
                usage.does_not_fit.join("; ")
            ),
        ));
    }
    Ok(format!(
        "a signature certificate ({}): keyUsage {}",
        profile.unwrap_or("?"),
        usage.key_usage.join(", ")
    ))
}

fn prescription_outcome(signer: &SignerFacts) -> Outcome {
    let profile = signer.profile.as_deref().unwrap_or("?");
    if CardProfile::parse(profile).is_none_or(|p| p.role != KeyRole::Signature) {
        return Err((
            "prescription.not_a_card",
            format!(
                "a prescription is signed with a prescriber's card (R-SV); this is a {profile} \
                 certificate"
            ),
        ));
    }
    match &signer.sv_number {
        Some(sv) => Ok(format!(
            "the signer's certificate carries the SV number {sv} in pseudonym (R-SV)"
        )),
        None => Err((
            "prescription.no_sv_number",
            format!(
                "the signer's certificate (holder {}, serial {}) carries no SV number \
                 (pseudonym, 2.5.4.65): without it prescriptions cannot be signed (R-SV). A \
                 prescriber needs a card whose certificate has the SV number: order a new card \
                 for a prescriber whose card lacks it; other professionals cannot prescribe",
                signer.holder_number.as_deref().unwrap_or("?"),
                signer.serial
            ),
        )),
    }
}

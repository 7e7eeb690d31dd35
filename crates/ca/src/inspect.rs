//! The certificate test service: what CarePKI knows about one certificate.
//!
//! [`Authority::inspect`] takes a certificate (PEM or DER) or an issuer and a serial
//! number, and reports:
//!
//! - **chain**: which CarePKI CA issued it (issuer name DER and authority key
//!   identifier), whether its signature verifies with that CA's key, and the CA
//!   certificates up to the self-signed root, in which hierarchy. A TEST
//!   certificate is never valid for production (R-TYPES). A certificate whose
//!   serial is in the database must be byte-identical to the stored one;
//!   otherwise it was not issued here.
//! - **validity**: not yet valid, valid or expired, at `now`.
//! - **usage**: whether keyUsage and extendedKeyUsage fit the certificate's
//!   purpose, from its stored profile or (for a certificate not issued here)
//!   from its extended key usage.
//! - **revocation**: the status as each source reports it: the database, the
//!   pre-signed OCSP response and the latest full and delta CRLs, with their
//!   signatures checked. A source with nothing published says so; nothing is
//!   guessed.
//!
//! The verdict comes from the database alone, the one source of truth
//! (R-STATUS-TRUTH): a certificate the database holds as valid is never reported
//! revoked, whatever a stale or faulty CRL or OCSP response says. When a
//! published source disagrees with the database, `sources_agree` is false and
//! the source says why.
//!
//! Free-text details are in English; the web layer localises the labels.

use aws_lc_rs::digest;
use aws_lc_rs::signature::UnparsedPublicKey;
use carepki_policy::ProfileId;
use carepki_store::{CertificateRow, CrlRow};
use carepki_x509::PublicKey;
use carepki_x509::cert::{decode_certificate, serial_hex, spki_der, unix_time};
use carepki_x509::crl::parse_crl;
use carepki_x509::ext::Ku;
use carepki_x509::name::{Attr, display_name, name_attributes};
use carepki_x509::ocsp::{CertStatus, DecodedResponse, decode_response, verify_signature};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280;
use der::Decode;
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage};
use x509_cert::name::Name;
use x509_cert::request::CertReq;

use crate::authority::rfc3339;
use crate::revoke::parse_serial;
use crate::{Authority, CaError, LoadedCa};

/// The largest certificate the service reads (a CarePKI certificate is 1–2 KiB).
pub const MAX_INPUT: usize = 64 * 1024;

/// What to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InspectInput {
    /// A certificate, PEM (the first CERTIFICATE block) or DER.
    Certificate(Vec<u8>),
    /// A certificate of this CA, named by its issuer and serial number.
    IssuerSerial {
        /// The issuing CA: its id (`service-providers`), its subject DN text or
        /// its common name.
        issuer: String,
        /// The serial number, hex (colons and spaces allowed).
        serial: String,
    },
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Issued here, signature and chain good, within its validity, not revoked.
    Valid,
    /// Issued here and not revoked, but its validity has not begun.
    NotYetValid,
    /// Issued here and not revoked, but its validity has ended.
    Expired,
    /// Issued here and revoked (the database says so).
    Revoked,
    /// Not issued by this CA: unknown issuer, no record, or a record that differs.
    NotIssuedHere,
    /// Claims a CarePKI CA as issuer, but the signature does not verify.
    InvalidSignature,
}

impl Verdict {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::NotYetValid => "not_yet_valid",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::NotIssuedHere => "not_issued_here",
            Self::InvalidSignature => "invalid_signature",
        }
    }
}

/// The report of [`Authority::inspect`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inspection {
    /// The overall answer, from the database (R-STATUS-TRUTH).
    pub verdict: Verdict,
    /// One sentence that says the verdict and why.
    pub summary: String,
    /// The time everything was judged at, RFC 3339.
    pub checked_at: String,
    /// The certificate's public facts (`None` when an issuer and serial named no
    /// certificate).
    pub certificate: Option<CertificateFacts>,
    /// Issuer, signature, chain and hierarchy.
    pub chain: ChainCheck,
    /// The validity period (`None` without a certificate).
    pub validity: Option<ValidityCheck>,
    /// Key usage against the purpose (`None` without a certificate).
    pub usage: Option<UsageCheck>,
    /// The status as each source reports it.
    pub revocation: RevocationCheck,
    /// Whether every source that has published something reports the database's
    /// status with a signature that verifies.
    pub sources_agree: bool,
}

/// Public facts read from the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateFacts {
    /// The serial number, lower-case hex.
    pub serial: String,
    /// The subject DN.
    pub subject: String,
    /// The issuer DN.
    pub issuer: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// SHA-256 of the DER, lower-case hex.
    pub sha256: String,
    /// The profile the database stores for it, if issued here.
    pub profile: Option<String>,
}

/// How a certificate relates to this CA's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuedHere {
    /// The database holds this very certificate.
    Yes,
    /// It is one of this installation's CA certificates.
    CaCertificate,
    /// The issuer is not a CA of this installation.
    UnknownIssuer,
    /// The issuer is ours but the database has no certificate with this serial.
    NoRecord,
    /// The database has a certificate with this serial, and it is a different one.
    DifferentCertificate,
}

/// Issuer, signature and chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainCheck {
    /// The id of the CA that issued it, if it is one of ours.
    pub issuing_ca: Option<String>,
    /// `"production"` or `"test"`.
    pub hierarchy: Option<String>,
    /// Whether it may be used in production: production hierarchy, chain good.
    /// A TEST certificate never is (R-TYPES).
    pub valid_for_production: bool,
    /// Whether the certificate's signature verifies with the issuing CA's key
    /// (`None` when no CA of ours matches its issuer).
    pub signature_valid: Option<bool>,
    /// The CA certificates from the issuing CA to the root.
    pub path: Vec<ChainLink>,
    /// How the certificate relates to our records.
    pub issued_here: IssuedHere,
    /// What was found, in words.
    pub detail: String,
}

/// One CA certificate on the path to the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainLink {
    /// The CA's id.
    pub ca_id: String,
    /// Its subject DN.
    pub subject: String,
    /// Whether its own certificate's signature verifies with its issuer's key
    /// (its own, for the root).
    pub signature_valid: bool,
    /// Whether it is within its validity at the time checked.
    pub within_validity: bool,
    /// notAfter, RFC 3339.
    pub not_after: String,
}

/// Where the time checked lies in the validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidityState {
    /// Before notBefore.
    NotYetValid,
    /// Within notBefore..=notAfter.
    Valid,
    /// After notAfter.
    Expired,
}

/// The validity period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidityCheck {
    /// The state at the time checked.
    pub state: ValidityState,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339 (inclusive).
    pub not_after: String,
}

/// Key usage against the purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageCheck {
    /// The purpose judged against: a profile name, `ca`, or `unknown`.
    pub purpose: String,
    /// Where the purpose came from: `profile` (stored), `extended_key_usage`,
    /// `key_usage`, `basic_constraints`, or `none`.
    pub purpose_from: String,
    /// The keyUsage bits the certificate has.
    pub key_usage: Vec<String>,
    /// The extended key usages it has (names, or dotted OIDs).
    pub extended_key_usage: Vec<String>,
    /// What fits the purpose.
    pub fits: Vec<String>,
    /// What does not.
    pub does_not_fit: Vec<String>,
    /// Whether it fits (`None` when the purpose is unknown).
    pub fit: Option<bool>,
}

/// What one source says about the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// Not revoked (the database: valid; OCSP: good; a CRL: not listed).
    Good,
    /// Revoked.
    Revoked,
    /// OCSP `unknown`: the responder does not know the certificate.
    Unknown,
    /// Nothing published yet (no CRL, no OCSP response).
    NotPublished,
    /// The question does not apply (the certificate is not ours).
    NotApplicable,
    /// Published, but it could not be read or its signature does not verify.
    Unavailable,
}

/// One source's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// What the source says.
    pub state: SourceState,
    /// The revocation time it gives, RFC 3339.
    pub revoked_at: Option<String>,
    /// The revocation reason it gives (RFC 5280 name).
    pub reason: Option<String>,
    /// thisUpdate of the CRL or OCSP response, RFC 3339.
    pub this_update: Option<String>,
    /// nextUpdate, RFC 3339.
    pub next_update: Option<String>,
    /// The CRL number, for CRLs.
    pub number: Option<i64>,
    /// Whether its signature verifies (`None` for the database and when nothing
    /// was published).
    pub signature_valid: Option<bool>,
    /// Whether it reports the database's status (`None` when it has nothing to
    /// say, or is not expected to know yet).
    pub agrees_with_database: Option<bool>,
    /// What was found, in words.
    pub detail: String,
}

impl SourceReport {
    fn new(state: SourceState, detail: impl Into<String>) -> Self {
        Self {
            state,
            revoked_at: None,
            reason: None,
            this_update: None,
            next_update: None,
            number: None,
            signature_valid: None,
            agrees_with_database: None,
            detail: detail.into(),
        }
    }

    fn unavailable(detail: impl Into<String>) -> Self {
        Self {
            agrees_with_database: Some(false),
            ..Self::new(SourceState::Unavailable, detail)
        }
    }
}

/// The status as each source reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationCheck {
    /// The database: the one source of truth (R-STATUS-TRUTH).
    pub database: SourceReport,
    /// The pre-signed OCSP response.
    pub ocsp: SourceReport,
    /// The latest full CRL.
    pub crl_full: SourceReport,
    /// The latest delta CRL.
    pub crl_delta: SourceReport,
}

impl RevocationCheck {
    fn not_applicable(why: &str) -> Self {
        let na = || SourceReport::new(SourceState::NotApplicable, why);
        Self {
            database: na(),
            ocsp: na(),
            crl_full: na(),
            crl_delta: na(),
        }
    }

    fn sources(&self) -> [&SourceReport; 4] {
        [&self.database, &self.ocsp, &self.crl_full, &self.crl_delta]
    }
}

impl Authority {
    /// Inspects one certificate at `now` (see the [module](self) documentation).
    ///
    /// Fails with [`CaError::InvalidInput`] when the input is not one certificate
    /// (empty, not DER or PEM, truncated, a CSR or a key) or names an issuer that
    /// is not a CA of this installation; with other errors only when the
    /// database cannot be read.
    pub async fn inspect(&self, input: InspectInput, now: i64) -> Result<Inspection, CaError> {
        let der = match input {
            InspectInput::Certificate(bytes) => certificate_der(&bytes)?,
            InspectInput::IssuerSerial { issuer, serial } => {
                let ca = self.find_ca(&issuer)?;
                let serial = parse_serial(&serial)?;
                match self.store().certificate(&serial).await? {
                    Some(CertificateRow {
                        der: Some(der),
                        ca_id,
                        ..
                    }) if ca_id == ca.row.id => der,
                    _ => return Ok(no_such_certificate(ca, &serial, now)),
                }
            }
        };
        self.inspect_der(&der, now).await
    }

    /// The CA named by id, subject DN or common name (case-insensitive).
    fn find_ca(&self, issuer: &str) -> Result<&LoadedCa, CaError> {
        let wanted = issuer.trim().to_lowercase();
        let found = self.cas().values().find(|ca| {
            ca.row.id.to_lowercase() == wanted
                || display_name(&ca.subject).to_lowercase() == wanted
                || common_name(&ca.subject).is_some_and(|cn| cn.to_lowercase() == wanted)
        });
        found.ok_or_else(|| {
            CaError::InvalidInput(format!(
                "`{issuer}` is not a CA of this service; give one of {} (or the CA's name)",
                self.cas().keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
    }

    async fn inspect_der(&self, der: &[u8], now: i64) -> Result<Inspection, CaError> {
        let cert = decode_certificate(der).map_err(|e| not_a_certificate(der, &e.to_string()))?;
        let raw = RawCert::parse(der)
            .ok_or_else(|| not_a_certificate(der, "its outer structure is not DER"))?;
        let tbs = cert.tbs_certificate();
        let serial = serial_hex(tbs.serial_number().as_bytes());
        let not_before = unix_time(&tbs.validity().not_before);
        let not_after = unix_time(&tbs.validity().not_after);

        // Our records: the certificate row, or one of our CA certificates.
        let row = self.store().certificate(&serial).await?;
        let own_ca = self.cas().values().find(|ca| ca.row.cert_der == der);

        let mut facts = CertificateFacts {
            serial: serial.clone(),
            subject: display_name(tbs.subject()),
            issuer: display_name(tbs.issuer()),
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
            sha256: hex::encode(digest::digest(&digest::SHA256, der)),
            profile: None,
        };

        let chain = self.check_chain(&cert, &raw, row.as_ref(), own_ca, der, now);
        let identical = matches!(
            chain.issued_here,
            IssuedHere::Yes | IssuedHere::CaCertificate
        );
        if chain.issued_here == IssuedHere::Yes {
            facts.profile = row.as_ref().map(|r| r.profile.clone());
        }

        let validity = ValidityCheck {
            state: if now < not_before {
                ValidityState::NotYetValid
            } else if now > not_after {
                ValidityState::Expired
            } else {
                ValidityState::Valid
            },
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
        };
        let usage = check_usage(&cert, facts.profile.as_deref());

        let revocation = match (&chain.issued_here, &row, &chain.issuing_ca) {
            (IssuedHere::Yes, Some(row), Some(ca_id)) if chain.signature_valid == Some(true) => {
                self.check_revocation(ca_id, &raw, row, now).await?
            }
            (IssuedHere::CaCertificate, ..) => RevocationCheck::not_applicable(
                "a CA certificate: CarePKI publishes no status for its own CAs",
            ),
            _ => RevocationCheck::not_applicable("not a certificate issued by this CA"),
        };
        let sources_agree = revocation
            .sources()
            .iter()
            .all(|s| s.agrees_with_database != Some(false));

        let db_revoked = revocation.database.state == SourceState::Revoked;
        let path_signed = chain.path.iter().all(|link| link.signature_valid);
        let verdict = if chain.signature_valid == Some(false) || !path_signed {
            Verdict::InvalidSignature
        } else if !identical || chain.signature_valid != Some(true) {
            Verdict::NotIssuedHere
        } else if db_revoked {
            Verdict::Revoked
        } else {
            match validity.state {
                ValidityState::NotYetValid => Verdict::NotYetValid,
                ValidityState::Expired => Verdict::Expired,
                ValidityState::Valid => Verdict::Valid,
            }
        };
        let summary = summary(verdict, &chain, &validity, &revocation, sources_agree);
        Ok(Inspection {
            verdict,
            summary,
            checked_at: rfc3339(now),
            certificate: Some(facts),
            chain,
            validity: Some(validity),
            usage: Some(usage),
            revocation,
            sources_agree,
        })
    }

    fn check_chain(
        &self,
        cert: &Certificate,
        raw: &RawCert<'_>,
        row: Option<&CertificateRow>,
        own_ca: Option<&LoadedCa>,
        der: &[u8],
        now: i64,
    ) -> ChainCheck {
        let aki = cert
            .tbs_certificate()
            .get_extension::<AuthorityKeyIdentifier>()
            .ok()
            .flatten()
            .and_then(|(_, aki)| aki.key_identifier.map(|k| k.as_bytes().to_vec()));
        let issuer = self.cas().values().find(|ca| {
            ca.subject_der == raw.issuer && aki.as_ref().is_none_or(|k| *k == ca.key_identifier)
        });
        let Some(issuer) = issuer else {
            return ChainCheck {
                issuing_ca: None,
                hierarchy: None,
                valid_for_production: false,
                signature_valid: None,
                path: Vec::new(),
                issued_here: IssuedHere::UnknownIssuer,
                detail: format!(
                    "the issuer {} is not a CA of this service",
                    display_name(cert.tbs_certificate().issuer())
                ),
            };
        };
        let signature_valid = ca_spki(issuer)
            .and_then(|spki| verify_raw(raw, &spki))
            .is_ok();
        let path = self.path_to_root(issuer, now);
        let path_ok = path
            .iter()
            .all(|link| link.signature_valid && link.within_validity);
        let issued_here = if own_ca.is_some() {
            IssuedHere::CaCertificate
        } else {
            match row {
                Some(r) if r.der.as_deref() == Some(der) => IssuedHere::Yes,
                Some(_) => IssuedHere::DifferentCertificate,
                None => IssuedHere::NoRecord,
            }
        };
        let hierarchy = issuer.hierarchy.as_str().to_owned();
        let production = hierarchy == "production";
        let mut detail = format!(
            "issued by {} ({} hierarchy); ",
            issuer.row.id,
            if production { "production" } else { "TEST" }
        );
        detail.push_str(if signature_valid {
            "the signature verifies with the CA's key"
        } else {
            "the signature does NOT verify with the CA's key"
        });
        detail.push_str(if path_ok {
            "; the CA chain up to the root verifies"
        } else {
            "; the CA chain up to the root has a problem"
        });
        if !production {
            detail.push_str("; a TEST certificate is never valid for production (R-TYPES)");
        }
        match issued_here {
            IssuedHere::Yes => detail.push_str("; it is the certificate in our records"),
            IssuedHere::CaCertificate => detail.push_str("; it is one of our CA certificates"),
            IssuedHere::NoRecord => detail.push_str(
                "; but no certificate with this serial is in our records: not issued by this CA",
            ),
            IssuedHere::DifferentCertificate => detail.push_str(
                "; but the certificate with this serial in our records is a different one: \
                 not issued by this CA",
            ),
            IssuedHere::UnknownIssuer => {}
        }
        ChainCheck {
            issuing_ca: Some(issuer.row.id.clone()),
            hierarchy: Some(hierarchy),
            valid_for_production: production
                && signature_valid
                && path_ok
                && matches!(issued_here, IssuedHere::Yes | IssuedHere::CaCertificate),
            signature_valid: Some(signature_valid),
            path,
            issued_here,
            detail,
        }
    }

    /// The CA certificates from `ca` up to its root, each verified by its parent.
    fn path_to_root(&self, ca: &LoadedCa, now: i64) -> Vec<ChainLink> {
        let mut path = Vec::new();
        let mut current = Some(ca);
        while let Some(ca) = current {
            if path.len() > self.cas().len() {
                break;
            }
            let parent = match &ca.row.parent_id {
                Some(id) => self.cas().get(id),
                None => Some(ca),
            };
            let signature_valid = parent.is_some_and(|p| {
                RawCert::parse(&ca.row.cert_der)
                    .is_some_and(|raw| ca_spki(p).and_then(|s| verify_raw(&raw, &s)).is_ok())
            });
            path.push(ChainLink {
                ca_id: ca.row.id.clone(),
                subject: display_name(&ca.subject),
                signature_valid,
                within_validity: ca.row.not_before <= now && now <= ca.row.not_after,
                not_after: rfc3339(ca.row.not_after),
            });
            current = match &ca.row.parent_id {
                Some(_) => parent,
                None => None,
            };
        }
        path
    }

    async fn check_revocation(
        &self,
        ca_id: &str,
        raw: &RawCert<'_>,
        row: &CertificateRow,
        now: i64,
    ) -> Result<RevocationCheck, CaError> {
        let revoked = row.status == "revoked";
        let database = SourceReport {
            revoked_at: row.revoked_at.map(rfc3339),
            reason: row.revocation_reason.clone(),
            agrees_with_database: Some(true),
            ..SourceReport::new(
                if revoked {
                    SourceState::Revoked
                } else {
                    SourceState::Good
                },
                if revoked {
                    "revoked in the CA's database, the one source of truth"
                } else {
                    "valid (not revoked) in the CA's database, the one source of truth"
                },
            )
        };
        let ca = self.loaded_ca(ca_id)?;
        let ocsp = self.check_ocsp(ca, row, now).await?;
        let full = self.store().latest_crl(ca_id, "full").await?;
        let delta = self.store().latest_crl(ca_id, "delta").await?;
        let crl_full = self.check_crl(ca, full.as_ref(), None, raw, row, now);
        let crl_delta = self.check_crl(ca, delta.as_ref(), Some(full.as_ref()), raw, row, now);
        Ok(RevocationCheck {
            database,
            ocsp,
            crl_full,
            crl_delta,
        })
    }

    async fn check_ocsp(
        &self,
        ca: &LoadedCa,
        row: &CertificateRow,
        now: i64,
    ) -> Result<SourceReport, CaError> {
        let Some(stored) = self.store().ocsp_response(&row.serial).await? else {
            return Ok(SourceReport::new(
                SourceState::NotPublished,
                "no OCSP response for this certificate has been published yet",
            ));
        };
        let decoded = match decode_response(&stored.der) {
            Ok(d) => d,
            Err(e) => {
                return Ok(SourceReport::unavailable(format!(
                    "the stored OCSP response cannot be read: {e}"
                )));
            }
        };
        let Some(basic) = decoded.basic.as_ref() else {
            return Ok(SourceReport::unavailable(format!(
                "the stored OCSP response is not successful ({})",
                decoded.status
            )));
        };
        let Some(single) = basic
            .responses
            .iter()
            .find(|s| s.cert_id.serial_hex() == row.serial)
        else {
            return Ok(SourceReport::unavailable(
                "the stored OCSP response is about another certificate",
            ));
        };
        let (signature_valid, signer) = ocsp_signature(ca, &decoded);
        let mut report = SourceReport {
            this_update: Some(rfc3339(single.this_update)),
            next_update: single.next_update.map(rfc3339),
            signature_valid: Some(signature_valid),
            ..SourceReport::new(SourceState::Good, "")
        };
        let mut detail = match single.status {
            CertStatus::Good => "the OCSP response says good".to_owned(),
            CertStatus::Revoked { at, reason } => {
                report.state = SourceState::Revoked;
                report.revoked_at = Some(rfc3339(at));
                report.reason = Some(reason.map_or("unspecified", |r| r.name()).to_owned());
                "the OCSP response says revoked".to_owned()
            }
            CertStatus::Unknown => {
                report.state = SourceState::Unknown;
                "the OCSP response says unknown".to_owned()
            }
        };
        detail.push_str(&format!("; signed by {signer}"));
        if !signature_valid {
            detail.push_str(", and its signature does NOT verify");
        }
        if single.next_update.is_some_and(|next| next < now) {
            detail.push_str("; it is out of date (nextUpdate has passed)");
        }
        let db_revoked = row.status == "revoked";
        let agrees = match report.state {
            SourceState::Good => !db_revoked,
            SourceState::Revoked => db_revoked,
            _ => false,
        } && signature_valid;
        if !agrees {
            detail.push_str(if db_revoked {
                "; the database says revoked"
            } else {
                "; the database says valid, which is what holds (R-STATUS-TRUTH)"
            });
            if db_revoked
                && report.state == SourceState::Good
                && row.revoked_at.is_some_and(|at| single.this_update < at)
            {
                detail
                    .push_str("; the response predates the revocation and is due to be re-signed");
            }
        }
        report.agrees_with_database = Some(agrees);
        report.detail = detail;
        Ok(report)
    }

    /// One CRL's report. For a delta CRL, `base` is `Some(the latest full CRL)`;
    /// for a full CRL it is `None`.
    fn check_crl(
        &self,
        ca: &LoadedCa,
        crl: Option<&CrlRow>,
        base: Option<Option<&CrlRow>>,
        raw: &RawCert<'_>,
        row: &CertificateRow,
        now: i64,
    ) -> SourceReport {
        let is_delta = base.is_some();
        let base = base.flatten();
        let kind = if is_delta { "delta CRL" } else { "full CRL" };
        let Some(crl) = crl else {
            return SourceReport::new(
                SourceState::NotPublished,
                format!("no {kind} of {} has been published yet", ca.row.id),
            );
        };
        let path = self.data_dir().resolve(&crl.file);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                return SourceReport::unavailable(format!(
                    "{kind} number {} is recorded but its file cannot be read: {e}",
                    crl.number
                ));
            }
        };
        let parsed = match parse_crl(&bytes) {
            Ok(p) => p,
            Err(e) => {
                return SourceReport::unavailable(format!(
                    "{kind} number {} cannot be read: {e}",
                    crl.number
                ));
            }
        };
        let signature_valid = parsed.issuer_name_der == ca.subject_der.as_slice()
            && PublicKey::from_spki_der(&ca_spki(ca).unwrap_or_default())
                .is_ok_and(|key| parsed.verify_signature(&key).is_ok());
        let mut listed = None;
        for entry in parsed.entries() {
            match entry {
                Ok(e) if strip_zeros(e.serial) == strip_zeros(raw.serial) => {
                    listed = Some((e.revoked_at, e.reason));
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    return SourceReport::unavailable(format!(
                        "{kind} number {} has an unreadable entry: {e}",
                        crl.number
                    ));
                }
            }
        }
        let mut report = SourceReport {
            this_update: Some(rfc3339(parsed.this_update)),
            next_update: parsed.next_update.map(rfc3339),
            number: Some(crl.number),
            signature_valid: Some(signature_valid),
            ..SourceReport::new(SourceState::Good, "")
        };
        let mut detail = match listed {
            Some((at, reason)) => {
                report.state = SourceState::Revoked;
                report.revoked_at = Some(rfc3339(at));
                report.reason = Some(reason.map_or("unspecified", |r| r.name()).to_owned());
                format!("listed as revoked on {kind} number {}", crl.number)
            }
            None => format!("not listed on {kind} number {}", crl.number),
        };
        if !signature_valid {
            detail.push_str("; its signature does NOT verify with the CA's key");
        }
        if parsed.next_update.is_some_and(|next| next < now) {
            detail.push_str("; it is out of date (nextUpdate has passed)");
        }

        // Whether this CRL is expected to list the certificate: revoked within its
        // snapshot of revocations, and not expired when it was made (entries are
        // dropped after expiry).
        let expected = row.revocation_seq.map(|seq| {
            let after = if is_delta {
                match base {
                    Some(b) if Some(b.number) == crl.base_number => Some(b.revocation_seq),
                    _ => None,
                }
            } else {
                Some(0)
            };
            let expired_before = row.not_after < crl.this_update;
            after.map(|after| seq > after && seq <= crl.revocation_seq && !expired_before)
        });
        let agrees = match (listed.is_some(), row.status == "revoked", expected) {
            // A valid certificate on a CRL: the failure R-STATUS-TRUTH forbids.
            (true, false, _) => {
                detail.push_str("; the database says valid, which is what holds (R-STATUS-TRUTH)");
                Some(false)
            }
            (true, true, _) | (false, false, _) => Some(true),
            (false, true, Some(Some(true))) => {
                detail.push_str("; the database says revoked and this CRL should list it");
                Some(false)
            }
            (false, true, Some(Some(false))) => {
                if is_delta {
                    detail.push_str(
                        "; revoked outside this delta CRL's range (see the full CRL), or \
                         after it was made",
                    );
                } else if row.not_after < crl.this_update {
                    detail.push_str("; expired certificates are dropped from CRLs");
                } else {
                    detail.push_str("; revoked after this CRL was made: the next CRL lists it");
                }
                None
            }
            (false, true, _) => None,
        };
        report.agrees_with_database = if signature_valid { agrees } else { Some(false) };
        report.detail = detail;
        report
    }
}

/// The report for an issuer and serial that name no certificate.
fn no_such_certificate(ca: &LoadedCa, serial: &str, now: i64) -> Inspection {
    let detail = format!(
        "{} has issued no certificate with serial {serial}: not issued by this CA",
        ca.row.id
    );
    Inspection {
        verdict: Verdict::NotIssuedHere,
        summary: format!("Not issued here: {detail}."),
        checked_at: rfc3339(now),
        certificate: None,
        chain: ChainCheck {
            issuing_ca: Some(ca.row.id.clone()),
            hierarchy: Some(ca.hierarchy.as_str().to_owned()),
            valid_for_production: false,
            signature_valid: None,
            path: Vec::new(),
            issued_here: IssuedHere::NoRecord,
            detail,
        },
        validity: None,
        usage: None,
        revocation: RevocationCheck::not_applicable("no such certificate"),
        sources_agree: true,
    }
}

fn summary(
    verdict: Verdict,
    chain: &ChainCheck,
    validity: &ValidityCheck,
    revocation: &RevocationCheck,
    sources_agree: bool,
) -> String {
    let test = chain.hierarchy.as_deref() == Some("test");
    let mut s = match verdict {
        Verdict::Valid if test => format!(
            "Valid in the TEST hierarchy only (never for production): issued by {}, until {}.",
            chain.issuing_ca.as_deref().unwrap_or("?"),
            validity.not_after
        ),
        Verdict::Valid => format!(
            "Valid: issued by {}, until {}.",
            chain.issuing_ca.as_deref().unwrap_or("?"),
            validity.not_after
        ),
        Verdict::NotYetValid => format!("Not yet valid: valid from {}.", validity.not_before),
        Verdict::Expired => format!("Expired on {}.", validity.not_after),
        Verdict::Revoked => format!(
            "Revoked on {} ({}).",
            revocation.database.revoked_at.as_deref().unwrap_or("?"),
            revocation
                .database
                .reason
                .as_deref()
                .unwrap_or("unspecified")
        ),
        Verdict::NotIssuedHere => format!("Not issued by this CA: {}.", chain.detail),
        Verdict::InvalidSignature => format!(
            "Invalid signature: the certificate names {} as its issuer, but that CA's key did \
             not sign it.",
            chain.issuing_ca.as_deref().unwrap_or("one of our CAs")
        ),
    };
    if !sources_agree {
        s.push_str(
            " Warning: a published status source disagrees with the database; the database \
             holds (R-STATUS-TRUTH).",
        );
    }
    s
}

// ---------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------

/// The DER of the one certificate in `input` (PEM or DER).
fn certificate_der(input: &[u8]) -> Result<Vec<u8>, CaError> {
    if input.len() > MAX_INPUT {
        return Err(CaError::InvalidInput(format!(
            "the input is {} bytes; a certificate is at most {MAX_INPUT} bytes",
            input.len()
        )));
    }
    let trimmed = input.trim_ascii();
    if trimmed.is_empty() {
        return Err(CaError::InvalidInput(
            "no certificate was given: paste a PEM certificate (-----BEGIN CERTIFICATE-----) \
             or send the DER file"
                .to_owned(),
        ));
    }
    if let Some(text) = std::str::from_utf8(trimmed)
        .ok()
        .filter(|t| t.contains("-----BEGIN "))
    {
        return pem_certificate(text);
    }
    // DER is taken exactly as given: its last octet (part of the signature) may
    // well be a byte that reads as ASCII white space.
    match decode_certificate(input) {
        Ok(_) => Ok(input.to_vec()),
        Err(e) => Err(not_a_certificate(input, &e.to_string())),
    }
}

fn pem_certificate(text: &str) -> Result<Vec<u8>, CaError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let Some(start) = text.find(BEGIN) else {
        let label = text
            .split("-----BEGIN ")
            .nth(1)
            .and_then(|rest| rest.split("-----").next())
            .unwrap_or("?");
        return Err(CaError::InvalidInput(match label {
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                "this is a certificate signing request (CSR), not a certificate: test the \
                 certificate you received from the CA"
                    .to_owned()
            }
            l if l.contains("PRIVATE KEY") => format!(
                "this is a private key ({l}), not a certificate; never send a private key to \
                 anyone, and treat this one as compromised if it left your system"
            ),
            l => format!("the PEM block is a {l}, not a CERTIFICATE"),
        }));
    };
    let Some(len) = text[start..].find(END) else {
        return Err(CaError::InvalidInput(
            "the PEM certificate is truncated: -----END CERTIFICATE----- is missing".to_owned(),
        ));
    };
    let block = &text[start..start + len + END.len()];
    let (_, der) = der::pem::decode_vec(block.as_bytes()).map_err(|e| {
        CaError::InvalidInput(format!(
            "the PEM certificate cannot be decoded ({e}); paste it whole, from -----BEGIN \
             CERTIFICATE----- to -----END CERTIFICATE-----"
        ))
    })?;
    decode_certificate(&der).map_err(|e| not_a_certificate(&der, &e.to_string()))?;
    Ok(der)
}

/// The error for bytes that are not a certificate, naming a CSR when they are one.
fn not_a_certificate(der: &[u8], why: &str) -> CaError {
    if CertReq::from_der(der).is_ok() {
        return CaError::InvalidInput(
            "this is a certificate signing request (CSR), not a certificate: test the \
             certificate you received from the CA"
                .to_owned(),
        );
    }
    CaError::InvalidInput(format!(
        "this is not an X.509 certificate ({why}); give one certificate as DER or PEM, whole \
         and unmodified"
    ))
}

// ---------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------

/// The parts of a certificate that signatures are about, as they are in the DER.
struct RawCert<'a> {
    tbs: &'a [u8],
    serial: &'a [u8],
    issuer: &'a [u8],
    signature_algorithm: ObjectIdentifier,
    signature: &'a [u8],
}

impl<'a> RawCert<'a> {
    fn parse(der: &'a [u8]) -> Option<Self> {
        let (outer, rest) = tlv(der)?;
        if outer.tag != 0x30 || !rest.is_empty() {
            return None;
        }
        let (tbs, rest) = tlv(outer.value)?;
        let (alg, rest) = tlv(rest)?;
        let (sig, rest) = tlv(rest)?;
        if tbs.tag != 0x30 || alg.tag != 0x30 || sig.tag != 0x03 || !rest.is_empty() {
            return None;
        }
        let (oid, _) = tlv(alg.value)?;
        let signature_algorithm = ObjectIdentifier::from_bytes(oid.value).ok()?;
        let signature = match sig.value {
            [0, s @ ..] => s,
            _ => return None,
        };
        let mut fields = tbs.value;
        let (mut field, mut rest) = tlv(fields)?;
        if field.tag == 0xa0 {
            fields = rest;
            (field, rest) = tlv(fields)?;
        }
        let serial = field.value;
        let (_, rest) = tlv(rest)?; // signature AlgorithmIdentifier
        let (issuer, _) = tlv(rest)?;
        Some(Self {
            tbs: tbs.raw,
            serial,
            issuer: issuer.raw,
            signature_algorithm,
            signature,
        })
    }
}

struct Tlv<'a> {
    tag: u8,
    value: &'a [u8],
    raw: &'a [u8],
}

/// One DER TLV (definite lengths up to four octets) and what follows it.
fn tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((
        Tlv {
            tag,
            value: &rest[..len],
            raw: &input[..header + len],
        },
        &rest[len..],
    ))
}

fn ca_spki(ca: &LoadedCa) -> Result<Vec<u8>, CaError> {
    crate::ca_spki(&ca.row.cert_der)
}

/// Verifies a certificate's signature with the public key in `issuer_spki`.
fn verify_raw(raw: &RawCert<'_>, issuer_spki: &[u8]) -> Result<(), CaError> {
    let key = PublicKey::from_spki_der(issuer_spki)?;
    let algorithm =
        carepki_x509::verify::verification_algorithm(&raw.signature_algorithm, key.algorithm)
            .map(|(algorithm, _)| algorithm)
            .ok_or_else(|| {
                CaError::InvalidInput(format!(
                    "signature algorithm {} does not fit a {} key",
                    raw.signature_algorithm,
                    key.algorithm.name()
                ))
            })?;
    UnparsedPublicKey::new(algorithm, &key.raw)
        .verify(raw.tbs, raw.signature)
        .map_err(|_| CaError::InvalidInput("the signature does not verify".to_owned()))
}

/// Whether an OCSP response's signature verifies, and who signed it: the
/// responder certificate it carries (which must be signed by the CA), or the CA
/// itself when it carries none.
fn ocsp_signature(ca: &LoadedCa, decoded: &DecodedResponse) -> (bool, String) {
    let ca_key = ca_spki(ca).unwrap_or_default();
    let certs = decoded.basic.as_ref().map_or(&[][..], |b| &b.certs[..]);
    match certs.first() {
        None => (
            verify_signature(decoded, &ca_key).is_ok(),
            format!("the CA {} itself", ca.row.id),
        ),
        Some(responder) => {
            let delegated =
                RawCert::parse(responder).is_some_and(|raw| verify_raw(&raw, &ca_key).is_ok());
            let Ok(cert) = decode_certificate(responder) else {
                return (false, "an unreadable responder certificate".to_owned());
            };
            let ocsp_signing = cert
                .tbs_certificate()
                .get_extension::<ExtendedKeyUsage>()
                .ok()
                .flatten()
                .is_some_and(|(_, eku)| eku.0.contains(&rfc5280::ID_KP_OCSP_SIGNING));
            let signed = spki_der(cert.tbs_certificate())
                .is_ok_and(|spki| verify_signature(decoded, &spki).is_ok());
            let who = format!(
                "the delegated responder {}{}",
                serial_hex(cert.tbs_certificate().serial_number().as_bytes()),
                if delegated && ocsp_signing {
                    format!(" (certified by {} for OCSP signing)", ca.row.id)
                } else {
                    format!(" (NOT certified by {} for OCSP signing)", ca.row.id)
                }
            );
            (signed && delegated && ocsp_signing, who)
        }
    }
}

fn strip_zeros(serial: &[u8]) -> &[u8] {
    let start = serial
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(serial.len().saturating_sub(1));
    &serial[start..]
}

fn common_name(name: &Name) -> Option<String> {
    name_attributes(name)
        .into_iter()
        .find(|(oid, _, _)| *oid == Attr::CommonName.oid())
        .map(|(_, value, _)| value)
}

// ---------------------------------------------------------------------------------
// Key usage
// ---------------------------------------------------------------------------------

/// What a purpose asks of keyUsage and extendedKeyUsage.
struct Expectation {
    purpose: String,
    purpose_from: &'static str,
    key_usage: Vec<Ku>,
    /// Empty: the certificate must carry no extendedKeyUsage.
    extended_key_usage: Vec<ObjectIdentifier>,
}

fn eku_name(oid: &ObjectIdentifier) -> String {
    match *oid {
        o if o == rfc5280::ID_KP_SERVER_AUTH => "serverAuth".to_owned(),
        o if o == rfc5280::ID_KP_CLIENT_AUTH => "clientAuth".to_owned(),
        o if o == rfc5280::ID_KP_EMAIL_PROTECTION => "emailProtection".to_owned(),
        o if o == rfc5280::ID_KP_OCSP_SIGNING => "OCSPSigning".to_owned(),
        o if o == rfc5280::ID_KP_CODE_SIGNING => "codeSigning".to_owned(),
        o if o == rfc5280::ID_KP_TIME_STAMPING => "timeStamping".to_owned(),
        o => o.to_string(),
    }
}

fn check_usage(cert: &Certificate, profile: Option<&str>) -> UsageCheck {
    let tbs = cert.tbs_certificate();
    let ku: Option<Vec<Ku>> = tbs
        .get_extension::<KeyUsage>()
        .ok()
        .flatten()
        .map(|(_, ku)| Ku::from_key_usage(&ku));
    let eku: Option<Vec<ObjectIdentifier>> = tbs
        .get_extension::<ExtendedKeyUsage>()
        .ok()
        .flatten()
        .map(|(_, eku)| eku.0);
    let is_ca = tbs
        .get_extension::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, bc)| bc.ca);
    let key = spki_der(tbs)
        .ok()
        .and_then(|spki| PublicKey::from_spki_der(&spki).ok());
    let expectation = expectation(profile, eku.as_deref(), ku.as_deref(), is_ca, key.as_ref());
    let have_ku = ku.clone().unwrap_or_default();
    let have_eku = eku.clone().unwrap_or_default();
    let mut check = UsageCheck {
        purpose: expectation
            .as_ref()
            .map_or_else(|| "unknown".to_owned(), |e| e.purpose.clone()),
        purpose_from: expectation
            .as_ref()
            .map_or("none", |e| e.purpose_from)
            .to_owned(),
        key_usage: have_ku.iter().map(|k| k.name().to_owned()).collect(),
        extended_key_usage: have_eku.iter().map(eku_name).collect(),
        fits: Vec::new(),
        does_not_fit: Vec::new(),
        fit: None,
    };
    let Some(expect) = expectation else {
        check.does_not_fit.push(
            "its purpose cannot be told from its extensions, so its key usage was not judged"
                .to_owned(),
        );
        return check;
    };
    let purpose = &expect.purpose;
    if ku.is_none() {
        check
            .does_not_fit
            .push("it has no keyUsage extension".to_owned());
    }
    for bit in &expect.key_usage {
        if have_ku.contains(bit) {
            check.fits.push(format!("keyUsage {}", bit.name()));
        } else if ku.is_some() {
            check.does_not_fit.push(format!(
                "keyUsage {} is missing (a {purpose} certificate needs it)",
                bit.name()
            ));
        }
    }
    for bit in have_ku.iter().filter(|b| !expect.key_usage.contains(b)) {
        check.does_not_fit.push(format!(
            "keyUsage {} is not for a {purpose} certificate",
            bit.name()
        ));
    }
    if expect.extended_key_usage.is_empty() {
        if have_eku.is_empty() {
            check
                .fits
                .push("no extendedKeyUsage, as it should be".to_owned());
        } else {
            check.does_not_fit.push(format!(
                "a {purpose} certificate carries no extendedKeyUsage, but this one has {}",
                check.extended_key_usage.join(", ")
            ));
        }
    } else {
        for oid in &expect.extended_key_usage {
            if have_eku.contains(oid) {
                check
                    .fits
                    .push(format!("extendedKeyUsage {}", eku_name(oid)));
            } else {
                check.does_not_fit.push(format!(
                    "extendedKeyUsage {} is missing (a {purpose} certificate needs it)",
                    eku_name(oid)
                ));
            }
        }
        for oid in have_eku
            .iter()
            .filter(|o| !expect.extended_key_usage.contains(o))
        {
            check.does_not_fit.push(format!(
                "extendedKeyUsage {} is not for a {purpose} certificate",
                eku_name(oid)
            ));
        }
    }
    check.fit = Some(check.does_not_fit.is_empty());
    check
}

fn expectation(
    profile: Option<&str>,
    eku: Option<&[ObjectIdentifier]>,
    ku: Option<&[Ku]>,
    is_ca: bool,
    key: Option<&PublicKey>,
) -> Option<Expectation> {
    let from_profile = |p: ProfileId, from: &'static str| Expectation {
        purpose: p.as_str().to_owned(),
        purpose_from: from,
        key_usage: match key {
            Some(k) => p.key_usage(k),
            None => vec![Ku::DigitalSignature],
        },
        extended_key_usage: p
            .extended_key_usage()
            .into_iter()
            .map(|e| e.oid())
            .collect(),
    };
    let responder = |from: &'static str| Expectation {
        purpose: crate::responder::RESPONDER_PROFILE.to_owned(),
        purpose_from: from,
        key_usage: vec![Ku::DigitalSignature],
        extended_key_usage: vec![rfc5280::ID_KP_OCSP_SIGNING],
    };
    if let Some(profile) = profile {
        if let Some(p) = ProfileId::parse(profile) {
            return Some(from_profile(p, "profile"));
        }
        if profile == crate::responder::RESPONDER_PROFILE {
            return Some(responder("profile"));
        }
        if let Some(card) = carepki_policy::CardProfile::parse(profile) {
            return Some(Expectation {
                purpose: card.as_str().to_owned(),
                purpose_from: "profile",
                key_usage: match (key, card.role) {
                    (Some(k), role) => role.key_usage(k),
                    (None, carepki_policy::KeyRole::Authentication) => vec![Ku::DigitalSignature],
                    (None, carepki_policy::KeyRole::Signature) => vec![Ku::NonRepudiation],
                },
                extended_key_usage: card
                    .role
                    .extended_key_usage()
                    .into_iter()
                    .map(|e| e.oid())
                    .collect(),
            });
        }
    }
    if is_ca {
        return Some(Expectation {
            purpose: "ca".to_owned(),
            purpose_from: "basic_constraints",
            key_usage: vec![Ku::KeyCertSign, Ku::CrlSign],
            extended_key_usage: Vec::new(),
        });
    }
    let eku = eku.unwrap_or_default();
    if eku.contains(&rfc5280::ID_KP_SERVER_AUTH) || eku.contains(&rfc5280::ID_KP_CLIENT_AUTH) {
        return Some(from_profile(ProfileId::Server, "extended_key_usage"));
    }
    if eku.contains(&rfc5280::ID_KP_EMAIL_PROTECTION) {
        return Some(from_profile(ProfileId::Email, "extended_key_usage"));
    }
    if eku.contains(&rfc5280::ID_KP_OCSP_SIGNING) {
        return Some(responder("extended_key_usage"));
    }
    if eku.is_empty() && ku.is_some_and(|k| k.contains(&Ku::NonRepudiation)) {
        return Some(from_profile(ProfileId::SystemSignature, "key_usage"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_garbage_inputs_are_refused_clearly() {
        for (input, needle) in [
            (&b""[..], "no certificate"),
            (b"  \n", "no certificate"),
            (b"garbage", "not an X.509 certificate"),
            (b"\x30\x82\x01", "not an X.509 certificate"),
            (
                b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                "(CSR)",
            ),
            (
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "private key",
            ),
            (b"-----BEGIN CERTIFICATE-----\nMIIB", "truncated"),
            (
                b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
                "cannot be decoded",
            ),
        ] {
            let err = certificate_der(input).unwrap_err().to_string();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
        let big = vec![0x30; MAX_INPUT + 1];
        assert!(
            certificate_der(&big)
                .unwrap_err()
                .to_string()
                .contains("at most")
        );
    }

    #[test]
    fn tlv_reader_is_strict() {
        assert!(tlv(&[0x30, 0x03, 1, 2]).is_none());
        assert!(tlv(&[0x30, 0x80]).is_none());
        assert!(tlv(&[0x30, 0x85, 0, 0, 0, 0, 1]).is_none());
        let (t, rest) = tlv(&[0x04, 0x81, 0x01, 9, 7]).unwrap();
        assert_eq!(
            (t.tag, t.value, t.raw, rest),
            (4, &[9][..], &[4, 0x81, 1, 9][..], &[7][..])
        );
        assert_eq!(strip_zeros(&[0, 0, 5]), &[5]);
        assert_eq!(strip_zeros(&[0]), &[0]);
    }
}

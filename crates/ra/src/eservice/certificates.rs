//! An organisation's certificates: listing, download with the chain
//! (R-DELIVERY), and the revocation request (R-REVOKE-HOW, R-REVOKE-WHEN).

use carepki_policy::application::Role;
use carepki_store::{CertFilter, CertificateRow};
use carepki_x509::RevocationReason;
use serde::Serialize;

use super::{EService, ErrorKind, EsError, EsResult, Principal};
use crate::notify::Notification;

/// A certificate as the e-service shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateView {
    /// Serial number, lower-case hex.
    pub serial: String,
    /// The certificate type.
    pub profile: String,
    /// The subject, as text.
    pub subject: String,
    /// The organisation.
    pub org_oid: Option<String>,
    /// The issuing CA.
    pub ca_id: String,
    /// Start of validity.
    pub not_before: i64,
    /// End of validity.
    pub not_after: i64,
    /// `"valid"` or `"revoked"` (an expired one is `"valid"` with `not_after`
    /// past).
    pub status: String,
    /// When revoked.
    pub revoked_at: Option<i64>,
    /// Why revoked (RFC 5280 name).
    pub revocation_reason: Option<String>,
}

impl From<&CertificateRow> for CertificateView {
    fn from(c: &CertificateRow) -> Self {
        Self {
            serial: c.serial.clone(),
            profile: c.profile.clone(),
            subject: c.subject.clone(),
            org_oid: c.org_oid.clone(),
            ca_id: c.ca_id.clone(),
            not_before: c.not_before,
            not_after: c.not_after,
            status: c.status.clone(),
            revoked_at: c.revoked_at,
            revocation_reason: c.revocation_reason.clone(),
        }
    }
}

/// A certificate's files (R-DELIVERY).
#[derive(Debug, Clone)]
pub struct CertificateFiles {
    /// What it is.
    pub view: CertificateView,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The certificate, PEM.
    pub pem: String,
    /// The issuing CA and root, PEM, issuing CA first.
    pub chain_pem: String,
}

/// The reasons a customer may give (RFC 5280 names, R-REVOKE-WHEN).
pub const REQUESTABLE_REASONS: [&str; 5] = [
    "keyCompromise",
    "cessationOfOperation",
    "affiliationChanged",
    "superseded",
    "unspecified",
];

impl EService {
    /// Normalises a serial number as typed: hex digits, spaces and colons
    /// allowed, case ignored.
    fn clean_serial(serial: &str) -> EsResult<String> {
        let s: String = serial
            .chars()
            .filter(|c| !matches!(c, ' ' | ':' | '\t'))
            .collect::<String>()
            .to_ascii_lowercase();
        let s = s.strip_prefix("0x").unwrap_or(&s).to_owned();
        if s.is_empty() || s.len() > 40 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(EsError::invalid(
                "certificate.serial",
                "give the certificate's serial number in hexadecimal, as it is shown in \
                 the certificate (e.g. 5a:3f:…); spaces and colons are allowed",
            ));
        }
        Ok(s)
    }

    /// A signed certificate the principal may see: his organisation's (not a
    /// technical contact's, but for the applications he is invited to), or any
    /// for officers and auditors.
    async fn readable_certificate(&self, p: &Principal, serial: &str) -> EsResult<CertificateRow> {
        let serial = Self::clean_serial(serial)?;
        let not_found = || EsError::not_found(&format!("certificate {serial}"));
        let cert = self
            .store()
            .certificate(&serial)
            .await?
            .filter(|c| c.der.is_some())
            .ok_or_else(not_found)?;
        if p.officer || p.auditor {
            return Ok(cert);
        }
        let Some(org) = &p.org else {
            return Err(not_found());
        };
        if cert.org_oid.as_deref() != Some(org.oid.as_str()) {
            return Err(not_found());
        }
        if org.role == Role::TechnicalContact {
            let apps = self.applications(p).await?;
            let his = apps.iter().any(|a| {
                a.facts.get("serial").and_then(|s| s.as_str()) == Some(cert.serial.as_str())
            });
            if !his {
                return Err(not_found());
            }
        }
        Ok(cert)
    }

    /// The organisation's certificates, newest first.
    pub async fn certificates(&self, p: &Principal) -> EsResult<Vec<CertificateView>> {
        let org = p.require_org(&[Role::OrgAdmin, Role::OrgUser])?;
        let mut certs = self
            .store()
            .certificates(&CertFilter {
                org_oid: Some(org.oid.clone()),
                ..CertFilter::default()
            })
            .await?;
        certs.sort_by_key(|c| std::cmp::Reverse(c.not_before));
        Ok(certs.iter().map(CertificateView::from).collect())
    }

    /// One certificate.
    pub async fn certificate(&self, p: &Principal, serial: &str) -> EsResult<CertificateView> {
        Ok(CertificateView::from(
            &self.readable_certificate(p, serial).await?,
        ))
    }

    /// A certificate's files, with its chain (R-DELIVERY).
    pub async fn certificate_files(
        &self,
        p: &Principal,
        serial: &str,
    ) -> EsResult<CertificateFiles> {
        let cert = self.readable_certificate(p, serial).await?;
        let der = cert.der.clone().unwrap_or_default();
        let pem = carepki_x509::cert::certificate_pem(&der).map_err(EsError::unavailable)?;
        let chain_pem = self
            .authority()
            .loaded_ca(&cert.ca_id)
            .map(|ca| self.authority().chain_pem(ca))
            .unwrap_or_default();
        Ok(CertificateFiles {
            view: CertificateView::from(&cert),
            der,
            pem,
            chain_pem,
        })
    }

    /// What the requester reviews before revoking (R-REVOKE-HOW): the
    /// certificate, if it is his organisation's and not revoked yet.
    pub async fn revocation_preview(
        &self,
        p: &Principal,
        serial: &str,
    ) -> EsResult<CertificateView> {
        p.require_org(&[Role::OrgAdmin, Role::OrgUser])?;
        let cert = self.readable_certificate(p, serial).await?;
        if cert.status == "revoked" {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "certificate.already_revoked",
                "this certificate is revoked already; revocation is final",
            ));
        }
        Ok(CertificateView::from(&cert))
    }

    /// Revokes one of the organisation's certificates on the requester's
    /// confirmation (R-REVOKE-HOW): at once — the CRLs and OCSP say so within
    /// seconds (R-REVOKE-WHEN asks for 24 hours) — and final. The requester
    /// and the organisation's administrators get a confirmation by mail.
    pub async fn request_revocation(
        &self,
        p: &Principal,
        serial: &str,
        reason: &str,
        confirmed: bool,
        now: i64,
    ) -> EsResult<CertificateView> {
        let org = p.require_org(&[Role::OrgAdmin, Role::OrgUser])?.clone();
        let cert = self.readable_certificate(p, serial).await?;
        if cert.status == "revoked" {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "certificate.already_revoked",
                "this certificate is revoked already; revocation is final",
            ));
        }
        if !REQUESTABLE_REASONS.contains(&reason) {
            return Err(EsError::invalid(
                "revocation.reason",
                "choose the reason: keyCompromise (the key may be in wrong hands), \
                 cessationOfOperation (no longer needed), affiliationChanged (the \
                 organisation or purpose changed), superseded (replaced by a new one) or \
                 unspecified",
            ));
        }
        if !confirmed {
            return Err(EsError::invalid(
                "revocation.unconfirmed",
                "revocation cannot be undone: confirm that you want the certificate revoked",
            ));
        }
        let reason = RevocationReason::from_name(reason)
            .map_err(|e| EsError::invalid("revocation.reason", e.to_string()))?;
        self.authority()
            .revoke(&cert.serial, reason, None, &p.actor)
            .await?;
        let after = self
            .store()
            .certificate(&cert.serial)
            .await?
            .unwrap_or(cert.clone());
        let mut people: Vec<String> = vec![p.actor.clone()];
        for m in self.store().members_of_org(&org.oid).await? {
            if m.role == "org-admin" {
                people.push(carepki_store::user_actor(m.user_id));
            }
        }
        people.sort();
        people.dedup();
        for actor in people {
            let Ok(Some(to)) = self.recipient_of(&actor).await else {
                continue;
            };
            let n = Notification::Revoked {
                serial: after.serial.clone(),
                subject: after.subject.clone(),
                organisation: org.name(&to.language).to_owned(),
                reason: reason.name().to_owned(),
                revoked_at: after.revoked_at.unwrap_or(now),
            };
            self.notify(
                &to,
                &n,
                &format!("revoked:{}:{actor}", after.serial),
                Some(&org.oid),
                Some(&after.serial),
                "eservice:notify",
                now,
            )
            .await;
        }
        Ok(CertificateView::from(&after))
    }
}

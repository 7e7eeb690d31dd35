//! Plain row types exchanged with the store. Times are unix seconds UTC.

use serde::Serialize;

/// A health-care organisation eligible for certificates (R-ELIGIBLE).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganisationRow {
    /// The organisation's OID (its key).
    pub oid: String,
    /// Name in Finnish.
    pub name_fi: String,
    /// Name in Swedish.
    pub name_sv: String,
    /// Name in English.
    pub name_en: String,
    /// Finnish business ID (Y-tunnus).
    pub business_id: String,
    /// `"public"` or `"private"`.
    pub sector: String,
    /// Whether the organisation acts as a Kanta intermediary.
    pub kanta_intermediary: bool,
    /// DNS domains the organisation controls.
    pub domains: Vec<String>,
    /// When the record was first imported. Set by the store on import.
    pub created_at: i64,
    /// When the record last changed. Set by the store on import.
    pub updated_at: i64,
}

/// What [`Store::import_organisations`](crate::Store::import_organisations) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Organisations that were new.
    pub inserted: usize,
    /// Organisations that existed and changed.
    pub updated: usize,
    /// Organisations that existed unchanged.
    pub unchanged: usize,
}

/// A certificate authority of one of the hierarchies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaRow {
    /// The CA's identifier (its key).
    pub id: String,
    /// `"production"` or `"test"`.
    pub hierarchy: String,
    /// The CA's role in its hierarchy (for example `"root"`).
    pub role: String,
    /// The issuing CA, `None` for a root.
    pub parent_id: Option<String>,
    /// The subject distinguished name, as text.
    pub subject: String,
    /// The CA certificate's serial number, lower-case hex.
    pub serial: String,
    /// Start of validity.
    pub not_before: i64,
    /// End of validity.
    pub not_after: i64,
    /// The key algorithm.
    pub key_algorithm: String,
    /// The signature algorithm the CA signs with.
    pub signature_algorithm: String,
    /// Where the CA's private key is kept (a file name, never key material).
    pub key_file: String,
    /// The CA certificate, DER.
    pub cert_der: Vec<u8>,
    /// When the record was created.
    pub created_at: i64,
}

/// What is known about a certificate once it passed the lints, before it is
/// signed ([`Store::store_issuance_record`](crate::Store::store_issuance_record)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuanceRecord {
    /// The reserved serial number, hex (stored lower-case).
    pub serial: String,
    /// The issuing CA; must be the CA the serial was reserved for.
    pub ca_id: String,
    /// The certificate profile.
    pub profile: String,
    /// The subject organisation, if any.
    pub org_oid: Option<String>,
    /// The subject distinguished name, as text.
    pub subject: String,
    /// SHA-256 of the subject public key info, hex (stored lower-case).
    pub spki_sha256: String,
    /// Start of validity.
    pub not_before: i64,
    /// End of validity.
    pub not_after: i64,
    /// The to-be-signed certificate, DER.
    pub tbs_der: Vec<u8>,
    /// The register version of the organisation the certificate was built from
    /// ([`crate::Store::organisation_with_version`]); when given, the record is
    /// refused with [`crate::StoreError::OrganisationChanged`] unless it is still
    /// current.
    pub org_version: Option<i64>,
}

/// A certificate record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateRow {
    /// The serial number, lower-case hex.
    pub serial: String,
    /// The issuing CA.
    pub ca_id: String,
    /// The certificate profile.
    pub profile: String,
    /// The subject organisation, if any.
    pub org_oid: Option<String>,
    /// The subject distinguished name, as text.
    pub subject: String,
    /// SHA-256 of the subject public key info, lower-case hex.
    pub spki_sha256: String,
    /// Start of validity.
    pub not_before: i64,
    /// End of validity.
    pub not_after: i64,
    /// The signed certificate, DER; `None` until signed.
    pub der: Option<Vec<u8>>,
    /// `"pending"`, `"valid"`, `"revoked"` or `"abandoned"`.
    pub status: String,
    /// When the record was created (the lint pass).
    pub created_at: i64,
    /// When the certificate was signed.
    pub issued_at: Option<i64>,
    /// When the certificate was revoked.
    pub revoked_at: Option<i64>,
    /// Why the certificate was revoked.
    pub revocation_reason: Option<String>,
    /// When the key became unusable, if the revocation said.
    pub invalidity_date: Option<i64>,
    /// The revocation's position in the log of revocations.
    pub revocation_seq: Option<i64>,
}

/// Which certificates [`Store::certificates`](crate::Store::certificates) lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertFilter {
    /// Only certificates of this organisation.
    pub org_oid: Option<String>,
    /// Only certificates issued by this CA.
    pub ca_id: Option<String>,
    /// Also list records that were never signed (pending and abandoned).
    /// By default only signed certificates are listed.
    pub include_pending: bool,
}

/// A certificate that certifies a given public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyUse {
    /// The certificate's serial number, lower-case hex.
    pub serial: String,
    /// The subject organisation, if any.
    pub org_oid: Option<String>,
    /// `"valid"` or `"revoked"`.
    pub status: String,
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    /// Position in the log (increasing).
    pub id: i64,
    /// When it happened.
    pub at: i64,
    /// Who did it.
    pub actor: String,
    /// What was done, for example `"certificate.issue"`.
    pub action: String,
    /// The CA concerned, if any.
    pub ca_id: Option<String>,
    /// The serial concerned, if any.
    pub serial: Option<String>,
    /// The organisation concerned, if any.
    pub org_oid: Option<String>,
    /// Event-specific details.
    pub details: serde_json::Value,
}

/// An audit event to append with [`Store::append_audit`](crate::Store::append_audit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewAuditEvent {
    /// When it happened.
    pub at: i64,
    /// Who did it.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// The CA concerned, if any.
    pub ca_id: Option<String>,
    /// The serial concerned, if any (stored lower-case).
    pub serial: Option<String>,
    /// The organisation concerned, if any.
    pub org_oid: Option<String>,
    /// Event-specific details.
    pub details: serde_json::Value,
}

/// Counters of the group-commit writer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    /// Write jobs executed (successful or not).
    pub jobs: u64,
    /// Transactions committed.
    pub commits: u64,
}

impl WriteStats {
    /// Average number of jobs per commit (0 before the first commit).
    pub fn average_batch(&self) -> f64 {
        if self.commits == 0 {
            0.0
        } else {
            self.jobs as f64 / self.commits as f64
        }
    }
}

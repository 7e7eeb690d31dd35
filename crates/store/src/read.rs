//! Decoding rows into the public row types.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{Result, StoreError};
use crate::model::{AuditEvent, CaRow, CertificateRow, KeyUse, OrganisationRow};

/// The columns [`organisation_from_row`] reads, for `concat!`.
macro_rules! organisation_columns {
    () => {
        "oid, name_fi, name_sv, name_en, business_id, sector, kanta_intermediary, domains, \
         created_at, updated_at"
    };
}
pub(crate) use organisation_columns;

/// The columns [`ca_from_row`] reads, for `concat!`.
macro_rules! ca_columns {
    () => {
        "id, hierarchy, role, parent_id, subject, serial, not_before, not_after, key_algorithm, \
         signature_algorithm, key_file, cert_der, created_at"
    };
}
pub(crate) use ca_columns;

/// The columns [`certificate_from_row`] reads, for `concat!`.
macro_rules! certificate_columns {
    () => {
        "serial, ca_id, profile, org_oid, subject, spki_sha256, not_before, not_after, der, \
         status, created_at, issued_at, revoked_at, revocation_reason, invalidity_date, revocation_seq"
    };
}
pub(crate) use certificate_columns;

pub(crate) fn organisation_from_row(row: &AnyRow) -> Result<OrganisationRow> {
    let oid: String = row.try_get("oid")?;
    let domains: String = row.try_get("domains")?;
    let domains = serde_json::from_str(&domains).map_err(|e| StoreError::CorruptData {
        what: format!("domains of organisation {oid} are not a JSON array of strings: {e}"),
    })?;
    let kanta: i64 = row.try_get("kanta_intermediary")?;
    Ok(OrganisationRow {
        name_fi: row.try_get("name_fi")?,
        name_sv: row.try_get("name_sv")?,
        name_en: row.try_get("name_en")?,
        business_id: row.try_get("business_id")?,
        sector: row.try_get("sector")?,
        kanta_intermediary: kanta != 0,
        domains,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        oid,
    })
}

pub(crate) fn ca_from_row(row: &AnyRow) -> Result<CaRow> {
    Ok(CaRow {
        id: row.try_get("id")?,
        hierarchy: row.try_get("hierarchy")?,
        role: row.try_get("role")?,
        parent_id: row.try_get("parent_id")?,
        subject: row.try_get("subject")?,
        serial: row.try_get("serial")?,
        not_before: row.try_get("not_before")?,
        not_after: row.try_get("not_after")?,
        key_algorithm: row.try_get("key_algorithm")?,
        signature_algorithm: row.try_get("signature_algorithm")?,
        key_file: row.try_get("key_file")?,
        cert_der: row.try_get("cert_der")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn certificate_from_row(row: &AnyRow) -> Result<CertificateRow> {
    Ok(CertificateRow {
        serial: row.try_get("serial")?,
        ca_id: row.try_get("ca_id")?,
        profile: row.try_get("profile")?,
        org_oid: row.try_get("org_oid")?,
        subject: row.try_get("subject")?,
        spki_sha256: row.try_get("spki_sha256")?,
        not_before: row.try_get("not_before")?,
        not_after: row.try_get("not_after")?,
        der: row.try_get("der")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        issued_at: row.try_get("issued_at")?,
        revoked_at: row.try_get("revoked_at")?,
        revocation_reason: row.try_get("revocation_reason")?,
        invalidity_date: row.try_get("invalidity_date")?,
        revocation_seq: row.try_get("revocation_seq")?,
    })
}

pub(crate) fn key_use_from_row(row: &AnyRow) -> Result<KeyUse> {
    Ok(KeyUse {
        serial: row.try_get("serial")?,
        org_oid: row.try_get("org_oid")?,
        status: row.try_get("status")?,
    })
}

pub(crate) fn audit_from_row(row: &AnyRow) -> Result<AuditEvent> {
    let id: i64 = row.try_get("id")?;
    let details: String = row.try_get("details")?;
    let details = serde_json::from_str(&details).map_err(|e| StoreError::CorruptData {
        what: format!("details of audit event {id} are not JSON: {e}"),
    })?;
    Ok(AuditEvent {
        id,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        ca_id: row.try_get("ca_id")?,
        serial: row.try_get("serial")?,
        org_oid: row.try_get("org_oid")?,
        details,
    })
}

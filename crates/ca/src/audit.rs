//! The status audit (R-STATUS-TRUTH): one source of truth, checked.
//!
//! For every signed certificate the database row is the truth. The audit reads
//! what each publication says about it — the pre-signed OCSP response, the
//! latest full CRL with the latest delta CRL of its CA, and the search answer —
//! and reports every disagreement. The failures that matter, and that make
//! `carepki status audit` exit non-zero, are a valid certificate reported
//! revoked anywhere, and a revoked certificate reported good where the
//! publication should already know (an OCSP response older than the revocation
//! by more than [`OCSP_GRACE`] seconds, or a CRL whose snapshot includes the
//! revocation). Publications that simply have not caught up yet are listed as
//! pending, and missing OCSP responses as notes.

use std::collections::HashMap;

use carepki_store::StatusRow;
use carepki_x509::PublicKey;
use carepki_x509::crl::parse_crl;
use carepki_x509::ocsp::{CertStatus, decode_response};
use futures_util::StreamExt;
use serde::Serialize;

use crate::{Authority, CaError};

/// How long after a revocation a stored OCSP response may still say good
/// before the audit calls it a failure (the responder replaces it within a
/// second when it runs).
pub const OCSP_GRACE: i64 = 60;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A valid certificate reported revoked, or a revoked one reported good by
    /// a publication that should know: the audit fails.
    Failure,
    /// A publication that has not caught up yet (it was made before the change).
    Pending,
    /// Nothing wrong is reported, but something is missing.
    Note,
}

/// One disagreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The certificate (lower-case hex serial), or the CA for CRL-level findings.
    pub serial: String,
    /// The issuing CA.
    pub ca_id: String,
    /// Where the disagreement is: `ocsp`, `crl`, `delta-crl`, `search`.
    pub source: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// What the database says and what the source says.
    pub message: String,
}

/// The audit's result.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditReport {
    /// Signed certificates checked.
    pub certificates: u64,
    /// Of which revoked in the database.
    pub revoked: u64,
    /// Stored OCSP responses read.
    pub ocsp_responses: u64,
    /// CRLs read (full and delta).
    pub crls: u64,
    /// Search answers compared.
    pub search_answers: u64,
    /// Every disagreement.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// The number of failures.
    pub fn failures(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Failure)
            .count()
    }

    /// Whether nothing is reported wrongly.
    pub fn passed(&self) -> bool {
        self.failures() == 0
    }
}

/// What a CRL pair (full + delta) of one CA says.
#[derive(Debug, Default)]
struct CrlView {
    /// Revoked serials (lower-case hex) and whether they came from the delta.
    listed: HashMap<String, bool>,
    /// The revocation positions the full and the delta CRL cover.
    full_seq: Option<i64>,
    delta_seq: Option<i64>,
}

impl Authority {
    /// Runs the status audit at `now`. `search` answers the status of a serial
    /// as the certificate search reports it (`None`: not found); pass `None`
    /// to leave the search out.
    pub async fn audit_status(
        &self,
        now: i64,
        search: Option<&HashMap<String, String>>,
    ) -> Result<AuditReport, CaError> {
        let mut report = AuditReport::default();
        let crls = self.crl_views(now, &mut report).await?;

        // The stored OCSP responses, by serial: (status, thisUpdate).
        let mut ocsp: HashMap<String, (CertStatus, i64)> = HashMap::new();
        let mut rows = self.store().ocsp_responses();
        while let Some(row) = rows.next().await {
            let row = row?;
            report.ocsp_responses += 1;
            let status = match decode_response(&row.der) {
                Ok(d) => d
                    .basic
                    .and_then(|b| b.responses.into_iter().next())
                    .filter(|s| s.cert_id.serial_hex() == row.serial)
                    .map(|s| s.status),
                Err(_) => None,
            };
            match status {
                Some(s) => {
                    ocsp.insert(row.serial.clone(), (s, row.this_update));
                }
                None => report.findings.push(Finding {
                    serial: row.serial.clone(),
                    ca_id: row.ca_id.clone(),
                    source: "ocsp",
                    severity: Severity::Failure,
                    message: "the stored OCSP response does not decode or is for another serial"
                        .to_owned(),
                }),
            }
        }
        drop(rows);

        let mut statuses = self.store().statuses();
        while let Some(row) = statuses.next().await {
            let row = row?;
            report.certificates += 1;
            if row.status == "revoked" {
                report.revoked += 1;
            }
            check_ocsp(&row, ocsp.get(&row.serial), now, &mut report.findings);
            check_crl(&row, crls.get(&row.ca_id), now, &mut report.findings);
            if let Some(search) = search {
                report.search_answers += 1;
                check_search(&row, search.get(&row.serial), &mut report.findings);
            }
        }
        Ok(report)
    }

    /// Reads and verifies the latest full and delta CRL of every CA.
    async fn crl_views(
        &self,
        now: i64,
        report: &mut AuditReport,
    ) -> Result<HashMap<String, CrlView>, CaError> {
        let mut views = HashMap::new();
        for (id, ca) in self.cas() {
            let mut view = CrlView::default();
            let ca_key = PublicKey::from_spki_der(&crate::ca_spki(&ca.row.cert_der)?)?;
            for (kind, is_delta) in [("full", false), ("delta", true)] {
                let Some(row) = self.store().latest_crl(id, kind).await? else {
                    continue;
                };
                let path = self.data_dir().resolve(&row.file);
                let source = if is_delta { "delta-crl" } else { "crl" };
                let fail = |message: String| Finding {
                    serial: String::new(),
                    ca_id: id.clone(),
                    source,
                    severity: Severity::Failure,
                    message,
                };
                let bytes = match std::fs::read(&path) {
                    Ok(b) => b,
                    Err(e) => {
                        report.findings.push(fail(format!(
                            "CRL {} is recorded but {} cannot be read: {e}",
                            row.number,
                            path.display()
                        )));
                        continue;
                    }
                };
                report.crls += 1;
                let parsed = match parse_crl(&bytes) {
                    Ok(p) => p,
                    Err(e) => {
                        report
                            .findings
                            .push(fail(format!("CRL {} does not parse: {e}", row.number)));
                        continue;
                    }
                };
                if let Err(e) = parsed.verify_signature(&ca_key) {
                    report.findings.push(fail(format!(
                        "the signature of CRL {} does not verify: {e}",
                        row.number
                    )));
                    continue;
                }
                if parsed.next_update.is_some_and(|n| n < now) {
                    report.findings.push(Finding {
                        severity: Severity::Note,
                        ..fail(format!("CRL {} is past its nextUpdate", row.number))
                    });
                }
                for entry in parsed.entries() {
                    let entry = match entry {
                        Ok(e) => e,
                        Err(e) => {
                            report.findings.push(fail(format!(
                                "an entry of CRL {} does not decode: {e}",
                                row.number
                            )));
                            break;
                        }
                    };
                    view.listed
                        .insert(carepki_x509::cert::serial_hex(entry.serial), is_delta);
                }
                if is_delta {
                    view.delta_seq = Some(row.revocation_seq);
                } else {
                    view.full_seq = Some(row.revocation_seq);
                }
            }
            views.insert(id.clone(), view);
        }
        Ok(views)
    }
}

fn finding(row: &StatusRow, source: &'static str, severity: Severity, message: String) -> Finding {
    Finding {
        serial: row.serial.clone(),
        ca_id: row.ca_id.clone(),
        source,
        severity,
        message,
    }
}

fn check_ocsp(
    row: &StatusRow,
    stored: Option<&(CertStatus, i64)>,
    now: i64,
    out: &mut Vec<Finding>,
) {
    let Some((status, this_update)) = stored else {
        out.push(finding(
            row,
            "ocsp",
            Severity::Note,
            "no pre-signed OCSP response yet (answered by signing on demand)".to_owned(),
        ));
        return;
    };
    match (row.status.as_str(), status) {
        ("valid", CertStatus::Revoked { .. }) => out.push(finding(
            row,
            "ocsp",
            Severity::Failure,
            "VALID certificate reported REVOKED by its OCSP response".to_owned(),
        )),
        ("revoked", CertStatus::Good) => {
            let revoked_at = row.revoked_at.unwrap_or_default();
            // Times are whole seconds: a response of the revocation's own second
            // may have been signed just before it.
            let severity = if *this_update <= revoked_at && now - revoked_at <= OCSP_GRACE {
                Severity::Pending
            } else {
                Severity::Failure
            };
            out.push(finding(
                row,
                "ocsp",
                severity,
                format!(
                    "REVOKED certificate reported good by its OCSP response (made {}s {} the revocation)",
                    (this_update - revoked_at).abs(),
                    if *this_update <= revoked_at { "before" } else { "after" }
                ),
            ));
        }
        (_, CertStatus::Unknown) => out.push(finding(
            row,
            "ocsp",
            Severity::Failure,
            format!(
                "{} certificate reported unknown by its OCSP response",
                row.status
            ),
        )),
        _ => {}
    }
}

fn check_crl(row: &StatusRow, view: Option<&CrlView>, now: i64, out: &mut Vec<Finding>) {
    let Some(view) = view else {
        return;
    };
    let listed = view.listed.get(&row.serial);
    match (row.status.as_str(), listed) {
        ("valid", Some(from_delta)) => out.push(finding(
            row,
            if *from_delta { "delta-crl" } else { "crl" },
            Severity::Failure,
            "VALID certificate listed as REVOKED".to_owned(),
        )),
        ("revoked", None) => {
            if row.not_after < now {
                return; // expired certificates leave the CRL
            }
            let seq = row.revocation_seq.unwrap_or(i64::MAX);
            let covered = view.full_seq.max(view.delta_seq).unwrap_or(-1);
            if view.full_seq.is_none() {
                out.push(finding(
                    row,
                    "crl",
                    Severity::Note,
                    "no CRL of this CA has been published yet".to_owned(),
                ));
            } else if seq <= covered {
                out.push(finding(
                    row,
                    "crl",
                    Severity::Failure,
                    format!(
                        "REVOKED certificate missing from the CRLs that cover its revocation (position {seq})"
                    ),
                ));
            } else {
                out.push(finding(
                    row,
                    "crl",
                    Severity::Pending,
                    "revoked after the latest CRLs were built; the next delta CRL lists it"
                        .to_owned(),
                ));
            }
        }
        _ => {}
    }
}

fn check_search(row: &StatusRow, answer: Option<&String>, out: &mut Vec<Finding>) {
    let said = answer.map_or("not found", String::as_str);
    let db = row.status.as_str();
    let agrees = match db {
        // The search may say "expired" of a valid certificate past notAfter.
        "valid" => said == "valid" || said == "expired",
        other => said == other,
    };
    if !agrees {
        let severity =
            if (db == "valid" && said == "revoked") || (db == "revoked" && said != "revoked") {
                Severity::Failure
            } else {
                Severity::Note
            };
        out.push(finding(
            row,
            "search",
            severity,
            format!("the database says {db}, the certificate search says {said}"),
        ));
    }
}

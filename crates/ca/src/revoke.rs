//! The revocation cycle (docs/REVOCATION.md): R-REVOKE-WHEN, R-STATUS-TRUTH.
//!
//! A revocation is durable (committed) before [`Authority::revoke`] returns; the
//! status publishers of this process are woken at once and those of other
//! processes follow the audit log (`Store::status_changes`).

use carepki_store::{Revocation, StoreError};
use carepki_x509::RevocationReason;

use crate::authority::now_unix;
use crate::{Authority, CaError};

/// The longest serial number CarePKI accepts (RFC 5280: at most 20 octets).
const MAX_SERIAL_HEX: usize = 40;

/// Normalises a serial number as people type it: hex digits, optionally with
/// `0x`, colons or spaces between octets; returned lower-case without separators.
///
/// Fails with a message that shows the expected form.
pub fn parse_serial(input: &str) -> Result<String, CaError> {
    let trimmed = input.trim();
    let body = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    let hex: String = body
        .chars()
        .filter(|c| *c != ':' && *c != ' ')
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.is_empty() || hex.len() > MAX_SERIAL_HEX || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CaError::InvalidInput(format!(
            "`{input}` is not a certificate serial number: give 1 to {MAX_SERIAL_HEX} hex digits, e.g. 01a3f7c2… as `carepki cert list` shows it"
        )));
    }
    Ok(hex)
}

impl Authority {
    /// Revokes the certificate with `serial` (R-REVOKE-WHEN), durably and audited,
    /// and wakes this process's status publishers. Revocation is final. An
    /// expired certificate may be revoked (recorded as such). After any
    /// revocation, and in particular for keyCompromise, the public key is refused
    /// for every later certificate.
    ///
    /// `invalidity_date` (unix seconds) must not lie in the future.
    pub async fn revoke(
        &self,
        serial: &str,
        reason: RevocationReason,
        invalidity_date: Option<i64>,
        actor: &str,
    ) -> Result<Revocation, CaError> {
        let serial = parse_serial(serial)?;
        let now = now_unix();
        let result = self
            .store()
            .record_revocation(&serial, reason.name(), invalidity_date, actor, now)
            .await;
        match result {
            Ok(r) => {
                self.revocations_recorded(std::slice::from_ref(&r));
                Ok(r)
            }
            Err(StoreError::NotFound { .. }) => Err(CaError::InvalidInput(format!(
                "no certificate with serial {serial} was issued here; check the number (`carepki cert list` shows every certificate)"
            ))),
            Err(StoreError::CertificateState { found, .. }) => Err(CaError::InvalidInput(format!(
                "certificate {serial} was never issued (its record is {found}); there is nothing to revoke"
            ))),
            Err(e @ StoreError::AlreadyRevoked { .. }) => Err(CaError::InvalidInput(e.to_string())),
            Err(StoreError::InvalidInput { field, reason }) => {
                Err(CaError::InvalidInput(format!("{field} {reason}")))
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Authority {
    /// What follows revocations the store has made durable (here, or in one
    /// transaction for both certificates of a card): this process's status
    /// publishers are told at once (OCSP, delta CRLs), each is counted in
    /// `carepki_revocations_total` by reason, and logged.
    pub fn revocations_recorded(&self, revocations: &[Revocation]) {
        if revocations.is_empty() {
            return;
        }
        self.notify_status_change();
        for r in revocations {
            metrics::counter!("carepki_revocations_total", "reason" => r.reason.clone())
                .increment(1);
            tracing::info!(
                serial = %r.serial,
                ca = %r.ca_id,
                reason = %r.reason,
                seq = r.seq,
                "certificate revoked"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_normalised() {
        assert_eq!(parse_serial("01:AB:cd").unwrap(), "01abcd");
        assert_eq!(parse_serial(" 0x7F00 ").unwrap(), "7f00");
        for bad in ["", "xyz", "12-34", &"a".repeat(41), "0x"] {
            let err = parse_serial(bad).unwrap_err().to_string();
            assert!(err.contains("hex digits"), "{bad}: {err}");
        }
    }
}

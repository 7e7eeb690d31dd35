//! Certificate status: revocations, CRL records, OCSP responders and pre-signed
//! OCSP responses (migration 0002). The write jobs run on the writer like every
//! other write; the reads go to the pool.
//!
//! The one source of truth for a certificate's status is its row in
//! `certificates` (R-STATUS-TRUTH); CRLs and OCSP responses are derived from it
//! and `carepki status audit` checks that they agree.

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::error::{Result, StoreError};
use crate::jobs::{Ctx, Job, Output};
use crate::multirow::{MultiRow, chunks};
use crate::{Store, check_actor, normalise_serial};

/// What [`Store::record_revocation`] recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revocation {
    /// The serial number, lower-case hex.
    pub serial: String,
    /// The issuing CA.
    pub ca_id: String,
    /// The subject organisation, if any.
    pub org_oid: Option<String>,
    /// The position in the log of revocations (increasing, from 1).
    pub seq: i64,
    /// When it was revoked (the revocation date of CRLs and OCSP).
    pub revoked_at: i64,
    /// The RFC 5280 reason name.
    pub reason: String,
    /// When the key became unusable, if the requester said.
    pub invalidity_date: Option<i64>,
    /// Whether the certificate had already expired (allowed, and recorded).
    pub expired: bool,
}

/// A revoked certificate as a CRL lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokedEntry {
    /// The serial number, lower-case hex.
    pub serial: String,
    /// When it was revoked.
    pub revoked_at: i64,
    /// The RFC 5280 reason name.
    pub reason: String,
    /// When the key became unusable, if known.
    pub invalidity_date: Option<i64>,
    /// The position in the log of revocations.
    pub seq: i64,
}

/// A published CRL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrlRow {
    /// The issuing CA.
    pub ca_id: String,
    /// The CRL number.
    pub number: i64,
    /// `"full"` or `"delta"`.
    pub kind: String,
    /// For a delta CRL, the number of the full CRL it updates.
    pub base_number: Option<i64>,
    /// The CRL holds every revocation of the CA up to this position.
    pub revocation_seq: i64,
    /// thisUpdate.
    pub this_update: i64,
    /// nextUpdate.
    pub next_update: i64,
    /// Number of entries.
    pub entries: i64,
    /// Size of the DER in bytes.
    pub bytes: i64,
    /// SHA-256 of the DER, lower-case hex.
    pub sha256: String,
    /// Path of the DER file, relative to the data directory.
    pub file: String,
    /// When it was recorded.
    pub created_at: i64,
}

/// A delegated OCSP responder (its certificate is in `certificates`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponderRow {
    /// The responder certificate's serial number, lower-case hex.
    pub serial: String,
    /// The CA it answers for (and that issued it).
    pub ca_id: String,
    /// Its encrypted key file, relative to the data directory.
    pub key_file: String,
    /// Start of validity.
    pub not_before: i64,
    /// End of validity.
    pub not_after: i64,
    /// When it was recorded.
    pub created_at: i64,
}

/// A pre-signed OCSP response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OcspResponseRow {
    /// The certificate's serial number, lower-case hex.
    pub serial: String,
    /// The issuing CA.
    pub ca_id: String,
    /// `"good"` or `"revoked"`.
    pub cert_status: String,
    /// thisUpdate of the response.
    pub this_update: i64,
    /// nextUpdate of the response.
    pub next_update: i64,
    /// The responder certificate that signed it.
    pub responder_serial: String,
    /// The OCSPResponse, DER.
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// A change of a certificate's status, in the order of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    /// The audit event's position.
    pub id: i64,
    /// The certificate's serial number, lower-case hex.
    pub serial: String,
    /// `"certificate.issue"` or `"certificate.revoke"`.
    pub action: String,
}

/// A certificate's status as the database holds it, for publishers and audits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// The serial number, lower-case hex.
    pub serial: String,
    /// The issuing CA.
    pub ca_id: String,
    /// `"valid"` or `"revoked"`.
    pub status: String,
    /// End of validity.
    pub not_after: i64,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// The RFC 5280 reason name.
    pub revocation_reason: Option<String>,
    /// The position in the log of revocations.
    pub revocation_seq: Option<i64>,
}

const STATUS_COLUMNS: &str =
    "serial, ca_id, status, not_after, revoked_at, revocation_reason, revocation_seq";

fn status_from_row(row: &sqlx::any::AnyRow) -> Result<StatusRow> {
    Ok(StatusRow {
        serial: row.try_get("serial")?,
        ca_id: row.try_get("ca_id")?,
        status: row.try_get("status")?,
        not_after: row.try_get("not_after")?,
        revoked_at: row.try_get("revoked_at")?,
        revocation_reason: row.try_get("revocation_reason")?,
        revocation_seq: row.try_get("revocation_seq")?,
    })
}

fn crl_from_row(row: &sqlx::any::AnyRow) -> Result<CrlRow> {
    Ok(CrlRow {
        ca_id: row.try_get("ca_id")?,
        number: row.try_get("number")?,
        kind: row.try_get("kind")?,
        base_number: row.try_get("base_number")?,
        revocation_seq: row.try_get("revocation_seq")?,
        this_update: row.try_get("this_update")?,
        next_update: row.try_get("next_update")?,
        entries: row.try_get("entries")?,
        bytes: row.try_get("bytes")?,
        sha256: row.try_get("sha256")?,
        file: row.try_get("file")?,
        created_at: row.try_get("created_at")?,
    })
}

fn responder_from_row(row: &sqlx::any::AnyRow) -> Result<ResponderRow> {
    Ok(ResponderRow {
        serial: row.try_get("serial")?,
        ca_id: row.try_get("ca_id")?,
        key_file: row.try_get("key_file")?,
        not_before: row.try_get("not_before")?,
        not_after: row.try_get("not_after")?,
        created_at: row.try_get("created_at")?,
    })
}

fn ocsp_from_row(row: &sqlx::any::AnyRow) -> Result<OcspResponseRow> {
    Ok(OcspResponseRow {
        serial: row.try_get("serial")?,
        ca_id: row.try_get("ca_id")?,
        cert_status: row.try_get("cert_status")?,
        this_update: row.try_get("this_update")?,
        next_update: row.try_get("next_update")?,
        responder_serial: row.try_get("responder_serial")?,
        der: row.try_get("der")?,
    })
}

/// One chunk of what a CRL reads, aggregated into lines of
/// `serial revoked_at reason invalidity_date seq` (reason and date may be empty),
/// answered from the covering index of migration 0003. SQLite dialect.
const REVOKED_CHUNK_SQLITE: &str = "SELECT group_concat(line, char(10)), MAX(seq), COUNT(*) FROM (\
     SELECT serial || ' ' || COALESCE(CAST(revoked_at AS TEXT), '0') || ' ' \
       || COALESCE(revocation_reason, '') || ' ' || COALESCE(CAST(invalidity_date AS TEXT), '') \
       || ' ' || CAST(revocation_seq AS TEXT) AS line, revocation_seq AS seq \
     FROM certificates \
     WHERE ca_id = $1 AND revocation_seq IS NOT NULL \
       AND revocation_seq > $2 AND revocation_seq <= $3 AND not_after >= $4 \
     ORDER BY revocation_seq LIMIT $5) AS chunk";

/// [`REVOKED_CHUNK_SQLITE`] in the PostgreSQL dialect.
const REVOKED_CHUNK_POSTGRES: &str = "SELECT string_agg(line, chr(10) ORDER BY seq), MAX(seq), COUNT(*) FROM (\
     SELECT serial || ' ' || COALESCE(CAST(revoked_at AS TEXT), '0') || ' ' \
       || COALESCE(revocation_reason, '') || ' ' || COALESCE(CAST(invalidity_date AS TEXT), '') \
       || ' ' || CAST(revocation_seq AS TEXT) AS line, revocation_seq AS seq \
     FROM certificates \
     WHERE ca_id = $1 AND revocation_seq IS NOT NULL \
       AND revocation_seq > $2 AND revocation_seq <= $3 AND not_after >= $4 \
     ORDER BY revocation_seq LIMIT $5) AS chunk";

/// Rows per chunk.
const REVOKED_CHUNK: i64 = 4096;

fn parse_revoked_chunk(text: &str) -> Result<Vec<RevokedEntry>> {
    let bad = |line: &str| StoreError::CorruptData {
        what: format!(
            "revocation row {line:?} does not read as serial, time, reason, date, position"
        ),
    };
    let mut out = Vec::with_capacity(usize::try_from(REVOKED_CHUNK).unwrap_or(0));
    for line in text.split('\n') {
        let mut parts = line.split(' ');
        let (Some(serial), Some(at), Some(reason), Some(date), Some(seq), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad(line));
        };
        out.push(RevokedEntry {
            serial: serial.to_owned(),
            revoked_at: at.parse().map_err(|_| bad(line))?,
            reason: if reason.is_empty() {
                "unspecified".to_owned()
            } else {
                reason.to_owned()
            },
            invalidity_date: if date.is_empty() {
                None
            } else {
                Some(date.parse().map_err(|_| bad(line))?)
            },
            seq: seq.parse().map_err(|_| bad(line))?,
        });
    }
    Ok(out)
}

const OCSP_COLUMNS: &str =
    "serial, ca_id, cert_status, this_update, next_update, responder_serial, der";

impl Store {
    /// Revokes a signed certificate, durably, and appends `certificate.revoke`
    /// (R-REVOKE-WHEN). Revocation is final: a second revocation fails with
    /// [`StoreError::AlreadyRevoked`] (saying since when). An expired certificate
    /// may be revoked; the audit event records that it had expired. Revoking
    /// makes its public key unusable for any later certificate (the key rule of
    /// the issuance cycle refuses keys of revoked certificates).
    ///
    /// `reason` is an RFC 5280 reason name, checked by the caller. Fails with
    /// [`StoreError::NotFound`] for an unknown serial and
    /// [`StoreError::CertificateState`] for one that was never signed.
    pub async fn record_revocation(
        &self,
        serial: &str,
        reason: &str,
        invalidity_date: Option<i64>,
        actor: &str,
        at: i64,
    ) -> Result<Revocation> {
        if let Some(date) = invalidity_date
            && date > at
        {
            return Err(StoreError::InvalidInput {
                field: "invalidity date",
                reason: "lies in the future; give the time the key was known or suspected to be compromised".to_owned(),
            });
        }
        let job = Job::RecordRevocation {
            serial: normalise_serial(serial)?,
            reason: reason.to_owned(),
            invalidity_date,
            actor: check_actor(actor)?,
            at,
        };
        match self.submit(job).await? {
            Output::Revocation(r) => Ok(*r),
            other => unreachable!("revocation job answered {other:?}"),
        }
    }

    /// The status of every signed certificate, by serial.
    pub fn statuses(&self) -> BoxStream<'_, Result<StatusRow>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {STATUS_COLUMNS} FROM certificates \
             WHERE status IN ('valid', 'revoked') ORDER BY serial"
        )))
        .fetch(&self.inner.pool)
        .map(|row| status_from_row(&row?))
        .boxed()
    }

    /// The status of the signed certificates with these serials (lower-case hex).
    pub async fn statuses_of(&self, serials: &[String]) -> Result<Vec<StatusRow>> {
        let mut out = Vec::with_capacity(serials.len());
        for serial in serials {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT {STATUS_COLUMNS} FROM certificates \
                 WHERE serial = $1 AND status IN ('valid', 'revoked')"
            )))
            .bind(serial.as_str())
            .fetch_optional(&self.inner.pool)
            .await?;
            if let Some(row) = row {
                out.push(status_from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// The highest revocation position of `ca_id` (0 before the first).
    pub async fn max_revocation_seq(&self, ca_id: &str) -> Result<i64> {
        let seq: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(revocation_seq) FROM certificates \
             WHERE ca_id = $1 AND revocation_seq IS NOT NULL",
        )
        .bind(ca_id)
        .fetch_one(&self.inner.pool)
        .await?;
        Ok(seq.unwrap_or(0))
    }

    /// The revocations of `ca_id` with positions in `(after_seq, upto_seq]`, of
    /// certificates that have not expired at `not_expired_at`, in position
    /// order, streamed (a CRL of a million entries never sits in memory as rows).
    ///
    /// A task reads the rows and hands them over in batches, so reading and
    /// encoding overlap.
    pub fn revoked_entries(
        &self,
        ca_id: &str,
        after_seq: i64,
        upto_seq: i64,
        not_expired_at: i64,
    ) -> BoxStream<'static, Result<RevokedEntry>> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<RevokedEntry>>>(8);
        let store = self.clone();
        let ca_id = ca_id.to_owned();
        tokio::spawn(async move {
            let range = (after_seq, upto_seq, not_expired_at);
            let read = store.revoked_chunks(&ca_id, range, &tx).await;
            if let Err(e) = read {
                let _ = tx.send(Err(e)).await;
            }
        });
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) })
            .flat_map(|batch| match batch {
                Ok(rows) => futures_util::stream::iter(rows.into_iter().map(Ok)).left_stream(),
                Err(e) => futures_util::stream::iter([Err(e)]).right_stream(),
            })
            .boxed()
    }

    /// Reads the revocations in chunks of [`REVOKED_CHUNK`] rows, each chunk
    /// aggregated by the database into one text value (serial, time, reason and
    /// invalidity date per line): per-row overhead in the driver, not the
    /// database, took most of the time of a million-entry CRL.
    async fn revoked_chunks(
        &self,
        ca_id: &str,
        (after, upto, not_expired_at): (i64, i64, i64),
        tx: &tokio::sync::mpsc::Sender<Result<Vec<RevokedEntry>>>,
    ) -> Result<()> {
        let sql = match self.inner.backend {
            crate::Backend::Sqlite => REVOKED_CHUNK_SQLITE,
            crate::Backend::Postgres => REVOKED_CHUNK_POSTGRES,
        };
        let mut last = after;
        loop {
            let row = sqlx::query(sql)
                .bind(ca_id)
                .bind(last)
                .bind(upto)
                .bind(not_expired_at)
                .bind(REVOKED_CHUNK)
                .fetch_one(&self.inner.pool)
                .await?;
            let text: Option<String> = row.try_get(0)?;
            let max: Option<i64> = row.try_get(1)?;
            let count: i64 = row.try_get(2)?;
            let (Some(text), Some(max)) = (text, max) else {
                return Ok(());
            };
            let batch = parse_revoked_chunk(&text)?;
            if tx.send(Ok(batch)).await.is_err() {
                return Ok(()); // the reader gave up
            }
            if count < REVOKED_CHUNK {
                return Ok(());
            }
            last = max;
        }
    }

    /// The CRL number the next CRL of `ca_id` gets (full and delta CRLs share
    /// one sequence).
    pub async fn next_crl_number(&self, ca_id: &str) -> Result<i64> {
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(number) FROM crls WHERE ca_id = $1")
            .bind(ca_id)
            .fetch_one(&self.inner.pool)
            .await?;
        Ok(max.unwrap_or(0) + 1)
    }

    /// Records a published CRL and appends `crl.publish`. Fails with
    /// [`StoreError::Conflict`] if its number is taken or not above every
    /// earlier number of the CA (CRL numbers only increase, across restarts).
    pub async fn record_crl(&self, crl: &CrlRow, actor: &str) -> Result<()> {
        if !matches!(crl.kind.as_str(), "full" | "delta") {
            return Err(StoreError::InvalidInput {
                field: "kind",
                reason: format!("{:?} is neither full nor delta", crl.kind),
            });
        }
        self.submit(Job::RecordCrl {
            crl: Box::new(crl.clone()),
            actor: check_actor(actor)?,
        })
        .await
        .map(|_| ())
    }

    /// The latest CRL of `ca_id` of `kind` (`"full"` or `"delta"`).
    pub async fn latest_crl(&self, ca_id: &str, kind: &str) -> Result<Option<CrlRow>> {
        let row = sqlx::query(
            "SELECT ca_id, number, kind, base_number, revocation_seq, this_update, next_update, \
             entries, bytes, sha256, file, created_at FROM crls \
             WHERE ca_id = $1 AND kind = $2 ORDER BY number DESC LIMIT 1",
        )
        .bind(ca_id)
        .bind(kind)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(crl_from_row).transpose()
    }

    /// Records a new delegated OCSP responder of `ca_id` (its certificate must
    /// be stored already) and appends `ocsp.responder`.
    pub async fn record_responder(&self, responder: &ResponderRow, actor: &str) -> Result<()> {
        self.submit(Job::RecordResponder {
            responder: Box::new(responder.clone()),
            actor: check_actor(actor)?,
        })
        .await
        .map(|_| ())
    }

    /// The responders of `ca_id` still valid at `at` and not revoked, the
    /// newest first.
    pub async fn responders(&self, ca_id: &str, at: i64) -> Result<Vec<ResponderRow>> {
        let rows = sqlx::query(
            "SELECT r.serial, r.ca_id, r.key_file, r.not_before, r.not_after, r.created_at \
             FROM ocsp_responders r JOIN certificates c ON c.serial = r.serial \
             WHERE r.ca_id = $1 AND r.not_after > $2 AND c.status = 'valid' \
             ORDER BY r.not_after DESC, r.serial",
        )
        .bind(ca_id)
        .bind(at)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(responder_from_row).collect()
    }

    /// The serials of every responder certificate that is not revoked and still
    /// valid at `at`: responses signed by any other must not be served.
    pub async fn usable_responders(&self, at: i64) -> Result<std::collections::HashSet<String>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT r.serial FROM ocsp_responders r JOIN certificates c ON c.serial = r.serial \
             WHERE r.not_after > $1 AND c.status = 'valid'",
        )
        .bind(at)
        .fetch_all(&self.inner.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Stores pre-signed OCSP responses, replacing earlier ones of the same
    /// serials, in one transaction (not audited: they only restate the status).
    pub async fn store_ocsp_responses(&self, rows: Vec<OcspResponseRow>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        for row in &rows {
            if !matches!(row.cert_status.as_str(), "good" | "revoked") {
                return Err(StoreError::InvalidInput {
                    field: "cert_status",
                    reason: format!("{:?} is neither good nor revoked", row.cert_status),
                });
            }
        }
        self.submit(Job::StoreOcspResponses { rows })
            .await
            .map(|_| ())
    }

    /// Every stored OCSP response, streamed.
    pub fn ocsp_responses(&self) -> BoxStream<'_, Result<OcspResponseRow>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {OCSP_COLUMNS} FROM ocsp_responses"
        )))
        .fetch(&self.inner.pool)
        .map(|row| ocsp_from_row(&row?))
        .boxed()
    }

    /// The stored OCSP response of one serial.
    pub async fn ocsp_response(&self, serial: &str) -> Result<Option<OcspResponseRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OCSP_COLUMNS} FROM ocsp_responses WHERE serial = $1"
        )))
        .bind(serial.to_ascii_lowercase())
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(ocsp_from_row).transpose()
    }

    /// Signed certificates whose stored OCSP response is missing, says another
    /// status, has a nextUpdate before `refresh_before`, or was signed by a
    /// responder certificate that has been revoked: what an OCSP publisher must
    /// sign next (at most `limit`).
    pub async fn ocsp_due(&self, refresh_before: i64, limit: i64) -> Result<Vec<StatusRow>> {
        let rows = sqlx::query(
            "SELECT c.serial, c.ca_id, c.status, c.not_after, c.revoked_at, \
             c.revocation_reason, c.revocation_seq \
             FROM certificates c LEFT JOIN ocsp_responses o ON o.serial = c.serial \
             LEFT JOIN certificates r ON r.serial = o.responder_serial \
             WHERE c.status IN ('valid', 'revoked') AND (o.serial IS NULL \
               OR o.next_update < $1 \
               OR o.cert_status <> CASE c.status WHEN 'valid' THEN 'good' ELSE 'revoked' END \
               OR r.status IS NULL OR r.status <> 'valid') \
             LIMIT $2",
        )
        .bind(refresh_before)
        .bind(limit)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(status_from_row).collect()
    }

    /// Issuances and revocations logged after audit position `after_id`, in
    /// order, at most `limit`: how publishers follow status changes made by any
    /// process.
    pub async fn status_changes(&self, after_id: i64, limit: i64) -> Result<Vec<StatusChange>> {
        let rows = sqlx::query(
            "SELECT id, serial, action FROM audit_events WHERE id > $1 \
             AND action IN ('certificate.issue', 'certificate.revoke') AND serial IS NOT NULL \
             ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StatusChange {
                    id: row.try_get(0)?,
                    serial: row.try_get(1)?,
                    action: row.try_get(2)?,
                })
            })
            .collect()
    }

    /// The position of the newest audit event (0 for an empty log).
    pub async fn last_audit_id(&self) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_events")
            .fetch_one(&self.inner.pool)
            .await?;
        Ok(id.unwrap_or(0))
    }

    /// Counts of signed certificates by status: (valid, revoked).
    pub async fn status_counts(&self) -> Result<(i64, i64)> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) FROM certificates \
             WHERE status IN ('valid', 'revoked') GROUP BY status",
        )
        .fetch_all(&self.inner.pool)
        .await?;
        let (mut valid, mut revoked) = (0, 0);
        for row in rows {
            let status: String = row.try_get(0)?;
            let n: i64 = row.try_get(1)?;
            if status == "valid" {
                valid = n;
            } else {
                revoked = n;
            }
        }
        Ok((valid, revoked))
    }

    /// Benchmark support (`carepki bench crl`, on a throw-away data directory):
    /// adds `n` revoked certificate records of `ca_id` with synthetic serials
    /// (`7e` followed by 30 hex digits of a counter), revoked at `at` for
    /// keyCompromise, valid until `not_after`, in one transaction. Their DER is
    /// a placeholder: they exist only to be listed on CRLs. Returns the number
    /// of rows added.
    pub async fn insert_synthetic_revocations(
        &self,
        ca_id: &str,
        n: i64,
        at: i64,
        not_after: i64,
    ) -> Result<u64> {
        let serial = match self.backend() {
            crate::Backend::Sqlite => "'7e' || printf('%030x', seq.i)",
            crate::Backend::Postgres => "'7e' || lpad(to_hex(seq.i), 30, '0')",
        };
        let base = sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(revocation_seq) FROM certificates WHERE revocation_seq IS NOT NULL",
        )
        .fetch_one(&self.inner.pool)
        .await?
        .unwrap_or(0);
        let cte = "WITH RECURSIVE seq(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL                    SELECT i + 1 FROM seq WHERE i < $1) ";
        let mut tx = self.inner.pool.begin().await?;
        sqlx::query(AssertSqlSafe(format!(
            "{cte}INSERT INTO serials (serial, ca_id, state, reserved_at, updated_at)              SELECT {serial}, $2, 'issued', $3, $3 FROM seq"
        )))
        .bind(n)
        .bind(ca_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(AssertSqlSafe(format!(
            "{cte}INSERT INTO certificates (serial, ca_id, profile, org_oid, subject, spki_sha256,              not_before, not_after, tbs_der, der, status, created_at, issued_at, revoked_at,              revocation_reason, invalidity_date, revocation_seq)              SELECT {serial}, $2, 'server', NULL, 'CN=synthetic',              '7e' || {digest}, $3, $4, $5, $5, 'revoked', $3, $3, $3, 'keyCompromise', NULL, $6 + seq.i              FROM seq",
            digest = match self.backend() {
                crate::Backend::Sqlite => "printf('%062x', seq.i)",
                crate::Backend::Postgres => "lpad(to_hex(seq.i), 62, '0')",
            }
        )))
        .bind(n)
        .bind(ca_id)
        .bind(at)
        .bind(not_after)
        .bind(&[0x30_u8, 0x00][..])
        .bind(base)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Test support: moves a certificate's notAfter (in the database only), so
    /// that tests can treat it as expired.
    #[cfg(feature = "testing")]
    pub async fn set_not_after_for_tests(&self, serial: &str, not_after: i64) -> Result<()> {
        sqlx::query("UPDATE certificates SET not_after = $2 WHERE serial = $1")
            .bind(serial.to_ascii_lowercase())
            .bind(not_after)
            .execute(&self.inner.pool)
            .await?;
        Ok(())
    }

    /// Test and audit support: sets a certificate's stored status without the
    /// revocation cycle, as a bug or a bad manual edit would. Only for tests
    /// that prove the status audit catches it.
    #[cfg(feature = "testing")]
    pub async fn corrupt_status_for_tests(&self, serial: &str, status: &str) -> Result<()> {
        sqlx::query("UPDATE certificates SET status = $2 WHERE serial = $1")
            .bind(serial.to_ascii_lowercase())
            .bind(status)
            .execute(&self.inner.pool)
            .await?;
        Ok(())
    }
}

// ---- jobs -----------------------------------------------------------------

pub(crate) async fn record_revocation(
    cx: &mut Ctx<'_>,
    serial: &str,
    reason: &str,
    invalidity_date: Option<i64>,
) -> Result<Revocation> {
    let row = sqlx::query(
        "SELECT status, revoked_at, ca_id, org_oid, not_after FROM certificates WHERE serial = $1",
    )
    .bind(serial)
    .fetch_optional(&mut *cx.conn)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::NotFound {
            what: "certificate",
            key: serial.to_owned(),
        });
    };
    let status: String = row.try_get("status")?;
    let ca_id: String = row.try_get("ca_id")?;
    let org_oid: Option<String> = row.try_get("org_oid")?;
    let not_after: i64 = row.try_get("not_after")?;
    match status.as_str() {
        "valid" => {}
        "revoked" => {
            let since: Option<i64> = row.try_get("revoked_at")?;
            return Err(StoreError::AlreadyRevoked {
                serial: serial.to_owned(),
                since: since.unwrap_or_default(),
            });
        }
        _ => {
            return Err(StoreError::CertificateState {
                serial: serial.to_owned(),
                expected: "valid".to_owned(),
                found: status,
            });
        }
    }
    let max: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(revocation_seq) FROM certificates WHERE revocation_seq IS NOT NULL",
    )
    .fetch_one(&mut *cx.conn)
    .await?;
    let seq = max.unwrap_or(0) + 1;
    let done = sqlx::query(
        "UPDATE certificates SET status = 'revoked', revoked_at = $2, revocation_reason = $3, \
         invalidity_date = $4, revocation_seq = $5 WHERE serial = $1 AND status = 'valid'",
    )
    .bind(serial)
    .bind(cx.at)
    .bind(reason)
    .bind(invalidity_date)
    .bind(seq)
    .execute(&mut *cx.conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::CertificateState {
            serial: serial.to_owned(),
            expected: "valid".to_owned(),
            found: "changed concurrently".to_owned(),
        });
    }
    let expired = not_after < cx.at;
    cx.audit(
        "certificate.revoke",
        Some(&ca_id),
        Some(serial),
        org_oid.as_deref(),
        &json!({
            "reason": reason,
            "invalidity_date": invalidity_date,
            "seq": seq,
            "expired": expired,
        }),
    );
    Ok(Revocation {
        serial: serial.to_owned(),
        ca_id,
        org_oid,
        seq,
        revoked_at: cx.at,
        reason: reason.to_owned(),
        invalidity_date,
        expired,
    })
}

pub(crate) async fn record_crl(cx: &mut Ctx<'_>, crl: &CrlRow) -> Result<()> {
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(number) FROM crls WHERE ca_id = $1")
        .bind(&crl.ca_id)
        .fetch_one(&mut *cx.conn)
        .await?;
    if let Some(max) = max
        && crl.number <= max
    {
        return Err(StoreError::Conflict {
            what: format!(
                "CRL number {} of {} is not above the last one ({max}); CRL numbers only increase",
                crl.number, crl.ca_id
            ),
        });
    }
    sqlx::query(
        "INSERT INTO crls (ca_id, number, kind, base_number, revocation_seq, this_update, \
         next_update, entries, bytes, sha256, file, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&crl.ca_id)
    .bind(crl.number)
    .bind(&crl.kind)
    .bind(crl.base_number)
    .bind(crl.revocation_seq)
    .bind(crl.this_update)
    .bind(crl.next_update)
    .bind(crl.entries)
    .bind(crl.bytes)
    .bind(&crl.sha256)
    .bind(&crl.file)
    .bind(cx.at)
    .execute(&mut *cx.conn)
    .await?;
    cx.audit(
        "crl.publish",
        Some(&crl.ca_id),
        None,
        None,
        &json!({
            "number": crl.number,
            "kind": crl.kind,
            "base_number": crl.base_number,
            "entries": crl.entries,
            "this_update": crl.this_update,
            "next_update": crl.next_update,
            "sha256": crl.sha256,
        }),
    );
    Ok(())
}

pub(crate) async fn record_responder(cx: &mut Ctx<'_>, r: &ResponderRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO ocsp_responders (serial, ca_id, key_file, not_before, not_after, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&r.serial)
    .bind(&r.ca_id)
    .bind(&r.key_file)
    .bind(r.not_before)
    .bind(r.not_after)
    .bind(cx.at)
    .execute(&mut *cx.conn)
    .await?;
    cx.audit(
        "ocsp.responder",
        Some(&r.ca_id),
        Some(&r.serial),
        None,
        &json!({ "not_before": r.not_before, "not_after": r.not_after }),
    );
    Ok(())
}

static DELETE_OCSP: MultiRow = MultiRow::new(
    "DELETE FROM ocsp_responses WHERE serial IN (SELECT v.column1 FROM (VALUES ",
    "({0})",
    1,
    ") AS v WHERE v.column1 IS NOT NULL)",
);

static INSERT_OCSP: MultiRow = MultiRow::new(
    "INSERT INTO ocsp_responses (serial, ca_id, cert_status, this_update, next_update, \
     responder_serial, der) \
     SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7 \
     FROM (VALUES ",
    "({0}, {1}, {2}, {3}, {4}, {5}, {6})",
    7,
    ") AS v WHERE v.column1 IS NOT NULL",
);

pub(crate) async fn store_ocsp_responses(
    conn: &mut AnyConnection,
    rows: &[OcspResponseRow],
) -> Result<()> {
    for chunk in chunks(rows) {
        let mut query = sqlx::query(AssertSqlSafe(DELETE_OCSP.sql_for(conn, chunk.len())));
        for row in chunk {
            query = query.bind(row.serial.as_str());
        }
        for _ in 0..DELETE_OCSP.padding(chunk.len()) {
            query = query.bind(None::<&str>);
        }
        query.execute(&mut *conn).await?;
        let mut query = sqlx::query(AssertSqlSafe(INSERT_OCSP.sql_for(conn, chunk.len())));
        for row in chunk {
            query = query
                .bind(row.serial.as_str())
                .bind(row.ca_id.as_str())
                .bind(row.cert_status.as_str())
                .bind(row.this_update)
                .bind(row.next_update)
                .bind(row.responder_serial.as_str())
                .bind(row.der.as_slice());
        }
        for _ in 0..INSERT_OCSP.padding(chunk.len()) {
            let none: Option<&str> = None;
            query = query
                .bind(none)
                .bind(none)
                .bind(none)
                .bind(None::<i64>)
                .bind(None::<i64>)
                .bind(none)
                .bind(None::<&[u8]>);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

//! The write operations. Each runs on the writer's connection inside the
//! batch transaction and collects its audit events instead of inserting them;
//! the writer inserts the events of the jobs that succeeded, in order, just
//! before the commit. A job may leave partial changes behind when it fails:
//! the writer undoes them (see `writer.rs`).

use serde_json::json;

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::cardbulk::{self, CardBulkJob, CardBulkOutput};
use crate::cardreg::{self, CardRegJob, CardRegOutput};
use crate::cards::{self, CardJob};
use crate::error::{Result, StoreError, is_foreign_key_violation};
use crate::eservice::{self, EserviceJob, EserviceOutput};
use crate::model::{CaRow, ImportSummary, IssuanceRecord, NewAuditEvent, OrganisationRow};
use crate::multirow::{MultiRow, chunks};
use crate::professionals::{self, ProfessionalsJob, ProfessionalsOutput};
use crate::read::{organisation_columns, organisation_from_row};
use crate::sessions::{self, ApiTokenJob, ApiTokenRow};
use crate::status::{self, CrlRow, OcspResponseRow, ResponderRow, Revocation};

/// One write request, with its arguments already validated and normalised.
#[derive(Debug)]
pub(crate) enum Job {
    ImportOrganisations {
        orgs: Vec<OrganisationRow>,
        actor: String,
        at: i64,
    },
    InsertCas {
        cas: Vec<CaRow>,
        actor: String,
        at: i64,
    },
    ReserveSerial {
        serial: String,
        ca_id: String,
        actor: String,
        at: i64,
    },
    StoreIssuanceRecord {
        rec: IssuanceRecord,
        actor: String,
        at: i64,
    },
    StoreCertificate {
        serial: String,
        der: Vec<u8>,
        actor: String,
        at: i64,
    },
    AbandonSerial {
        serial: String,
        reason: String,
        actor: String,
        at: i64,
    },
    AbandonStaleSerials {
        older_than: i64,
        actor: String,
        at: i64,
    },
    RecordRevocation {
        serial: String,
        reason: String,
        invalidity_date: Option<i64>,
        actor: String,
        at: i64,
    },
    RecordCrl {
        crl: Box<CrlRow>,
        actor: String,
    },
    RecordResponder {
        responder: Box<ResponderRow>,
        actor: String,
    },
    StoreOcspResponses {
        rows: Vec<OcspResponseRow>,
    },
    AppendAudit(NewAuditEvent),
    /// A write of the e-service (`eservice.rs`).
    Eservice(Box<EserviceJob>),
    /// A write of API tokens (`sessions.rs`).
    ApiToken(Box<ApiTokenJob>),
    /// A write of the professional registers (`professionals.rs`).
    Professionals(Box<ProfessionalsJob>),
    /// A step of a card's issuance, for both certificates at once (`cards.rs`).
    Card(Box<CardJob>),
    /// A write of the card registration system (`cardreg.rs`).
    CardReg(Box<CardRegJob>),
    /// A write of the incident tools' bulk jobs (`cardbulk.rs`).
    CardBulk(Box<CardBulkJob>),
}

/// What a job returns to its caller.
#[derive(Debug)]
pub(crate) enum Output {
    Unit,
    Import(ImportSummary),
    Count(u64),
    Revocation(Box<Revocation>),
    Eservice(Box<EserviceOutput>),
    ApiToken(Box<ApiTokenRow>),
    Professionals(Box<ProfessionalsOutput>),
    CardReg(Box<CardRegOutput>),
    CardBulk(Box<CardBulkOutput>),
}

/// An audit event produced by a job, inserted with the batch's others just
/// before the commit (see [`insert_audits`]).
#[derive(Debug)]
pub(crate) struct AuditRow {
    at: i64,
    actor: String,
    action: String,
    ca_id: Option<String>,
    serial: Option<String>,
    org_oid: Option<String>,
    details: String,
}

impl AuditRow {
    pub(crate) fn new(
        at: i64,
        actor: &str,
        action: &str,
        ids: [Option<&str>; 3],
        details: &serde_json::Value,
    ) -> Self {
        let [ca_id, serial, org_oid] = ids;
        AuditRow {
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            ca_id: ca_id.map(str::to_owned),
            serial: serial.map(str::to_owned),
            org_oid: org_oid.map(str::to_owned),
            details: details.to_string(),
        }
    }
}

/// What a job works with: the batch's connection (inside its transaction),
/// where its audit events go, and who acts when.
pub(crate) struct Ctx<'a> {
    pub(crate) conn: &'a mut AnyConnection,
    audits: &'a mut Vec<AuditRow>,
    actor: &'a str,
    pub(crate) at: i64,
}

impl Ctx<'_> {
    /// Who acts.
    pub(crate) fn actor(&self) -> &str {
        self.actor
    }

    /// How many audit events the batch has recorded so far (for [`Ctx::annotate_audits`]).
    pub(crate) fn audit_mark(&self) -> usize {
        self.audits.len()
    }

    /// Adds `key: value` to the details of the audit events recorded since `mark`
    /// (a card's id to the events of its certificates).
    pub(crate) fn annotate_audits(&mut self, mark: usize, key: &str, value: &str) -> Result<()> {
        for row in self.audits.iter_mut().skip(mark) {
            let mut details: serde_json::Value =
                serde_json::from_str(&row.details).map_err(|e| StoreError::CorruptData {
                    what: format!("audit details are not JSON: {e}"),
                })?;
            if let Some(map) = details.as_object_mut() {
                map.insert(key.to_owned(), serde_json::Value::from(value));
            }
            row.details = details.to_string();
        }
        Ok(())
    }

    /// Records an audit event of this job's actor and time.
    pub(crate) fn audit(
        &mut self,
        action: &str,
        ca_id: Option<&str>,
        serial: Option<&str>,
        org_oid: Option<&str>,
        details: &serde_json::Value,
    ) {
        self.audits.push(AuditRow::new(
            self.at,
            self.actor,
            action,
            [ca_id, serial, org_oid],
            details,
        ));
    }
}

/// Runs one job on `conn`, pushing its audit events to `audits`. On error the
/// caller must undo the job's changes and drop the audit events it pushed.
pub(crate) async fn run(
    conn: &mut AnyConnection,
    audits: &mut Vec<AuditRow>,
    job: &Job,
) -> Result<Output> {
    if let Job::AppendAudit(ev) = job {
        audits.push(AuditRow {
            at: ev.at,
            actor: ev.actor.clone(),
            action: ev.action.clone(),
            ca_id: ev.ca_id.clone(),
            serial: ev.serial.clone(),
            org_oid: ev.org_oid.clone(),
            details: ev.details.to_string(),
        });
        return Ok(Output::Unit);
    }
    let (actor, at) = match job {
        Job::ImportOrganisations { actor, at, .. }
        | Job::InsertCas { actor, at, .. }
        | Job::ReserveSerial { actor, at, .. }
        | Job::StoreIssuanceRecord { actor, at, .. }
        | Job::StoreCertificate { actor, at, .. }
        | Job::AbandonSerial { actor, at, .. }
        | Job::AbandonStaleSerials { actor, at, .. }
        | Job::RecordRevocation { actor, at, .. } => (actor.as_str(), *at),
        Job::RecordCrl { crl, actor } => (actor.as_str(), crl.created_at),
        Job::RecordResponder { responder, actor } => (actor.as_str(), responder.created_at),
        Job::AppendAudit(ev) => (ev.actor.as_str(), ev.at),
        Job::Eservice(job) => (job.actor.as_str(), job.at),
        Job::ApiToken(job) => (job.actor.as_str(), job.at),
        Job::Professionals(job) => (job.actor.as_str(), job.at),
        Job::Card(job) => (job.actor.as_str(), job.at),
        Job::CardReg(job) => (job.actor.as_str(), job.at),
        Job::CardBulk(job) => (job.actor.as_str(), job.at),
        Job::StoreOcspResponses { rows } => {
            status::store_ocsp_responses(conn, rows).await?;
            return Ok(Output::Unit);
        }
    };
    let mut cx = Ctx {
        conn,
        audits,
        actor,
        at,
    };
    match job {
        Job::ImportOrganisations { orgs, .. } => import_organisations(&mut cx, orgs)
            .await
            .map(Output::Import),
        Job::InsertCas { cas, .. } => insert_cas(&mut cx, cas).await.map(|()| Output::Unit),
        Job::ReserveSerial { serial, ca_id, .. } => reserve_serial(&mut cx, serial, ca_id)
            .await
            .map(|()| Output::Unit),
        Job::StoreIssuanceRecord { rec, .. } => store_issuance_record(&mut cx, rec)
            .await
            .map(|()| Output::Unit),
        Job::StoreCertificate { serial, der, .. } => store_certificate(&mut cx, serial, der)
            .await
            .map(|()| Output::Unit),
        Job::AbandonSerial { serial, reason, .. } => abandon_serial(&mut cx, serial, reason)
            .await
            .map(|()| Output::Unit),
        Job::AbandonStaleSerials { older_than, .. } => abandon_stale_serials(&mut cx, *older_than)
            .await
            .map(Output::Count),
        Job::RecordRevocation {
            serial,
            reason,
            invalidity_date,
            ..
        } => status::record_revocation(&mut cx, serial, reason, *invalidity_date)
            .await
            .map(|r| Output::Revocation(Box::new(r))),
        Job::RecordCrl { crl, .. } => status::record_crl(&mut cx, crl)
            .await
            .map(|()| Output::Unit),
        Job::RecordResponder { responder, .. } => status::record_responder(&mut cx, responder)
            .await
            .map(|()| Output::Unit),
        Job::Eservice(job) => eservice::run(&mut cx, job)
            .await
            .map(|out| Output::Eservice(Box::new(out))),
        Job::ApiToken(job) => sessions::run(&mut cx, job)
            .await
            .map(|row| Output::ApiToken(Box::new(row))),
        Job::Professionals(job) => professionals::run(&mut cx, job)
            .await
            .map(|out| Output::Professionals(Box::new(out))),
        Job::Card(job) => cards::run(&mut cx, job).await.map(|()| Output::Unit),
        Job::CardReg(job) => cardreg::run(&mut cx, job)
            .await
            .map(|out| Output::CardReg(Box::new(out))),
        Job::CardBulk(job) => cardbulk::run(&mut cx, job)
            .await
            .map(|out| Output::CardBulk(Box::new(out))),
        Job::AppendAudit(_) | Job::StoreOcspResponses { .. } => Ok(Output::Unit),
    }
}

static INSERT_AUDITS: MultiRow = MultiRow::new(
    "INSERT INTO audit_events (at, actor, action, ca_id, serial, org_oid, details) \
     SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7 \
     FROM (VALUES ",
    "({0}, {1}, {2}, {3}, {4}, {5}, {6})",
    7,
    ") AS v WHERE v.column1 IS NOT NULL",
);

/// Inserts `rows` into the audit log, in order.
pub(crate) async fn insert_audits(conn: &mut AnyConnection, rows: &[AuditRow]) -> Result<()> {
    for chunk in chunks(rows) {
        let mut query = sqlx::query(AssertSqlSafe(INSERT_AUDITS.sql_for(conn, chunk.len())));
        for row in chunk {
            query = query
                .bind(row.at)
                .bind(row.actor.as_str())
                .bind(row.action.as_str())
                .bind(row.ca_id.as_deref())
                .bind(row.serial.as_deref())
                .bind(row.org_oid.as_deref())
                .bind(row.details.as_str());
        }
        for _ in 0..INSERT_AUDITS.padding(chunk.len()) {
            let none: Option<&str> = None;
            query = query
                .bind(None::<i64>)
                .bind(none)
                .bind(none)
                .bind(none)
                .bind(none)
                .bind(none)
                .bind(none);
        }
        let done = query.execute(&mut *conn).await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(StoreError::CorruptData {
                what: "audit events were not all appended".to_owned(),
            });
        }
    }
    Ok(())
}

fn domains_json(domains: &[String]) -> Result<String> {
    serde_json::to_string(domains).map_err(|e| StoreError::InvalidInput {
        field: "domains",
        reason: e.to_string(),
    })
}

async fn import_organisations(cx: &mut Ctx<'_>, orgs: &[OrganisationRow]) -> Result<ImportSummary> {
    let at = cx.at;
    let mut summary = ImportSummary::default();
    for org in orgs {
        let existing = sqlx::query(concat!(
            "SELECT ",
            organisation_columns!(),
            " FROM organisations WHERE oid = $1"
        ))
        .bind(&org.oid)
        .fetch_optional(&mut *cx.conn)
        .await?
        .map(|row| organisation_from_row(&row))
        .transpose()?;
        let domains = domains_json(&org.domains)?;
        let (action, stored) = match existing {
            None => {
                let stored = OrganisationRow {
                    created_at: at,
                    updated_at: at,
                    ..org.clone()
                };
                sqlx::query(
                    "INSERT INTO organisations (oid, name_fi, name_sv, name_en, business_id, \
                     sector, kanta_intermediary, domains, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                )
                .bind(&org.oid)
                .bind(&org.name_fi)
                .bind(&org.name_sv)
                .bind(&org.name_en)
                .bind(&org.business_id)
                .bind(&org.sector)
                .bind(i64::from(org.kanta_intermediary))
                .bind(domains)
                .bind(at)
                .execute(&mut *cx.conn)
                .await?;
                summary.inserted += 1;
                ("org.import.insert", stored)
            }
            Some(old) => {
                let stored = OrganisationRow {
                    created_at: old.created_at,
                    updated_at: at,
                    ..org.clone()
                };
                let same = OrganisationRow {
                    updated_at: old.updated_at,
                    ..stored.clone()
                };
                if same == old {
                    summary.unchanged += 1;
                    continue;
                }
                sqlx::query(
                    "UPDATE organisations SET name_fi = $2, name_sv = $3, name_en = $4, \
                     business_id = $5, sector = $6, kanta_intermediary = $7, domains = $8, \
                     updated_at = $9, version = version + 1 WHERE oid = $1",
                )
                .bind(&org.oid)
                .bind(&org.name_fi)
                .bind(&org.name_sv)
                .bind(&org.name_en)
                .bind(&org.business_id)
                .bind(&org.sector)
                .bind(i64::from(org.kanta_intermediary))
                .bind(domains)
                .bind(at)
                .execute(&mut *cx.conn)
                .await?;
                summary.updated += 1;
                ("org.import.update", stored)
            }
        };
        let details = serde_json::to_value(&stored).map_err(|e| StoreError::InvalidInput {
            field: "organisation",
            reason: e.to_string(),
        })?;
        cx.audit(action, None, None, Some(&org.oid), &details);
    }
    Ok(summary)
}

/// Orders `cas` so that a CA comes after its parent when both are in the slice.
fn parents_first(cas: &[CaRow]) -> Vec<&CaRow> {
    let depth = |ca: &CaRow| {
        let mut depth = 0usize;
        let mut parent = ca.parent_id.as_deref();
        while let Some(id) = parent {
            if depth > cas.len() {
                break; // a cycle; the database will reject it
            }
            depth += 1;
            parent = cas
                .iter()
                .find(|c| c.id == id)
                .and_then(|c| c.parent_id.as_deref());
        }
        depth
    };
    let mut ordered: Vec<(usize, &CaRow)> = cas.iter().map(|ca| (depth(ca), ca)).collect();
    ordered.sort_by_key(|(depth, _)| *depth);
    ordered.into_iter().map(|(_, ca)| ca).collect()
}

async fn insert_cas(cx: &mut Ctx<'_>, cas: &[CaRow]) -> Result<()> {
    for ca in parents_first(cas) {
        sqlx::query(
            "INSERT INTO cas (id, hierarchy, role, parent_id, subject, serial, not_before, \
             not_after, key_algorithm, signature_algorithm, key_file, cert_der, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&ca.id)
        .bind(&ca.hierarchy)
        .bind(&ca.role)
        .bind(ca.parent_id.as_deref())
        .bind(&ca.subject)
        .bind(&ca.serial)
        .bind(ca.not_before)
        .bind(ca.not_after)
        .bind(&ca.key_algorithm)
        .bind(&ca.signature_algorithm)
        .bind(&ca.key_file)
        .bind(ca.cert_der.as_slice())
        .bind(ca.created_at)
        .execute(&mut *cx.conn)
        .await
        .map_err(|e| match &ca.parent_id {
            Some(parent) if is_foreign_key_violation(&e) => StoreError::NotFound {
                what: "CA",
                key: parent.clone(),
            },
            _ => e.into(),
        })?;
        let details = json!({
            "hierarchy": ca.hierarchy,
            "role": ca.role,
            "parent_id": ca.parent_id,
            "subject": ca.subject,
            "serial": ca.serial,
            "not_before": ca.not_before,
            "not_after": ca.not_after,
            "key_algorithm": ca.key_algorithm,
            "signature_algorithm": ca.signature_algorithm,
            "key_file": ca.key_file,
        });
        cx.audit("ca.create", Some(&ca.id), None, None, &details);
    }
    Ok(())
}

pub(crate) async fn reserve_serial(cx: &mut Ctx<'_>, serial: &str, ca_id: &str) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO serials (serial, ca_id, state, reserved_at, updated_at) \
         VALUES ($1, $2, 'reserved', $3, $3) ON CONFLICT (serial) DO NOTHING",
    )
    .bind(serial)
    .bind(ca_id)
    .bind(cx.at)
    .execute(&mut *cx.conn)
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            StoreError::NotFound {
                what: "CA",
                key: ca_id.to_owned(),
            }
        } else {
            e.into()
        }
    })?;
    if done.rows_affected() != 1 {
        return Err(StoreError::DuplicateSerial {
            serial: serial.to_owned(),
        });
    }
    cx.audit(
        "serial.reserve",
        Some(ca_id),
        Some(serial),
        None,
        &json!({}),
    );
    Ok(())
}

/// The state and CA of a serial, if it exists.
async fn serial_state(conn: &mut AnyConnection, serial: &str) -> Result<Option<(String, String)>> {
    let row = sqlx::query("SELECT state, ca_id FROM serials WHERE serial = $1")
        .bind(serial)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| Ok((row.try_get("state")?, row.try_get("ca_id")?)))
        .transpose()
}

/// The error for a serial that is not in the `expected` state.
pub(crate) async fn serial_state_error(
    conn: &mut AnyConnection,
    serial: &str,
    expected: &str,
) -> StoreError {
    match serial_state(conn, serial).await {
        Ok(Some((found, _))) => StoreError::SerialState {
            serial: serial.to_owned(),
            expected: expected.to_owned(),
            found,
        },
        Ok(None) => StoreError::NotFound {
            what: "serial",
            key: serial.to_owned(),
        },
        Err(e) => e,
    }
}

/// Why the serial of `rec` could not go from reserved to linted.
pub(crate) async fn lint_failure(conn: &mut AnyConnection, rec: &IssuanceRecord) -> StoreError {
    match serial_state(conn, &rec.serial).await {
        Err(e) => e,
        Ok(None) => StoreError::NotFound {
            what: "serial",
            key: rec.serial.clone(),
        },
        Ok(Some((_, ca_id))) if ca_id != rec.ca_id => StoreError::InvalidInput {
            field: "ca_id",
            reason: format!(
                "serial {} was reserved for CA {ca_id}, not {}",
                rec.serial, rec.ca_id
            ),
        },
        Ok(Some((found, _))) => StoreError::SerialState {
            serial: rec.serial.clone(),
            expected: "reserved".to_owned(),
            found,
        },
    }
}

pub(crate) async fn store_issuance_record(cx: &mut Ctx<'_>, rec: &IssuanceRecord) -> Result<()> {
    if let (Some(oid), Some(version)) = (&rec.org_oid, rec.org_version) {
        let current: Option<i64> =
            sqlx::query_scalar("SELECT version FROM organisations WHERE oid = $1")
                .bind(oid)
                .fetch_optional(&mut *cx.conn)
                .await?;
        if current != Some(version) {
            return Err(StoreError::OrganisationChanged { oid: oid.clone() });
        }
    }
    if let Some(conflict) = key_conflict(
        cx.conn,
        &rec.serial,
        &rec.spki_sha256,
        rec.org_oid.as_deref(),
    )
    .await?
    {
        return Err(conflict);
    }
    let done = sqlx::query(
        "UPDATE serials SET state = 'linted', updated_at = $3 \
         WHERE serial = $1 AND ca_id = $2 AND state = 'reserved'",
    )
    .bind(&rec.serial)
    .bind(&rec.ca_id)
    .bind(cx.at)
    .execute(&mut *cx.conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(lint_failure(cx.conn, rec).await);
    }
    sqlx::query(
        "INSERT INTO certificates (serial, ca_id, profile, org_oid, subject, spki_sha256, \
         not_before, not_after, tbs_der, der, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, 'pending', $10)",
    )
    .bind(&rec.serial)
    .bind(&rec.ca_id)
    .bind(&rec.profile)
    .bind(rec.org_oid.as_deref())
    .bind(&rec.subject)
    .bind(&rec.spki_sha256)
    .bind(rec.not_before)
    .bind(rec.not_after)
    .bind(rec.tbs_der.as_slice())
    .bind(cx.at)
    .execute(&mut *cx.conn)
    .await
    .map_err(|e| match &rec.org_oid {
        Some(oid) if is_foreign_key_violation(&e) => StoreError::NotFound {
            what: "organisation",
            key: oid.clone(),
        },
        _ => e.into(),
    })?;
    let details = json!({
        "profile": rec.profile,
        "subject": rec.subject,
        "spki_sha256": rec.spki_sha256,
        "not_before": rec.not_before,
        "not_after": rec.not_after,
    });
    cx.audit(
        "certificate.lint_pass",
        Some(&rec.ca_id),
        Some(&rec.serial),
        rec.org_oid.as_deref(),
        &details,
    );
    Ok(())
}

/// Whether a key may not be bound to new certificate `serial` of `org_oid`: another
/// pending, valid or revoked certificate holds it and is revoked or another
/// organisation's.
/// Checked in the writer's transaction, so two requests cannot both pass.
pub(crate) async fn key_conflict(
    conn: &mut AnyConnection,
    serial: &str,
    spki_sha256: &str,
    org_oid: Option<&str>,
) -> Result<Option<StoreError>> {
    // Only the key's index in the WHERE clause (see fast::KEY_HOLDERS); the rest is
    // decided here.
    let rows = sqlx::query(
        "SELECT serial, org_oid, status, card_id FROM certificates WHERE spki_sha256 = $1",
    )
    .bind(spki_sha256)
    .fetch_all(&mut *conn)
    .await?;
    let mut found = None;
    for row in rows {
        let holder: String = row.try_get(0)?;
        let holder_org: Option<String> = row.try_get(1)?;
        let status: String = row.try_get(2)?;
        let holder_card: Option<String> = row.try_get(3)?;
        if holder == serial || !matches!(status.as_str(), "pending" | "valid" | "revoked") {
            continue;
        }
        if status == "revoked" {
            return Ok(Some(StoreError::KeyInUse {
                serial: holder,
                revoked: true,
            }));
        }
        if holder_card.is_some() {
            found = Some(StoreError::CardKeyInUse { serial: holder });
        } else if holder_org.as_deref() != org_oid && found.is_none() {
            found = Some(StoreError::KeyInUse {
                serial: holder,
                revoked: false,
            });
        }
    }
    Ok(found)
}

pub(crate) async fn store_certificate(cx: &mut Ctx<'_>, serial: &str, der: &[u8]) -> Result<()> {
    let done = sqlx::query(
        "UPDATE serials SET state = 'issued', updated_at = $2 \
         WHERE serial = $1 AND state = 'linted'",
    )
    .bind(serial)
    .bind(cx.at)
    .execute(&mut *cx.conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(serial_state_error(cx.conn, serial, "linted").await);
    }
    let row = sqlx::query(
        "UPDATE certificates SET der = $2, status = 'valid', issued_at = $3 \
         WHERE serial = $1 AND status = 'pending' AND der IS NULL RETURNING ca_id, org_oid",
    )
    .bind(serial)
    .bind(der)
    .bind(cx.at)
    .fetch_optional(&mut *cx.conn)
    .await?;
    let Some(row) = row else {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM certificates WHERE serial = $1")
                .bind(serial)
                .fetch_optional(&mut *cx.conn)
                .await?;
        return Err(match status {
            Some(found) => StoreError::CertificateState {
                serial: serial.to_owned(),
                expected: "pending".to_owned(),
                found,
            },
            None => StoreError::NotFound {
                what: "certificate",
                key: serial.to_owned(),
            },
        });
    };
    let ca_id: String = row.try_get("ca_id")?;
    let org_oid: Option<String> = row.try_get("org_oid")?;
    cx.audit(
        "certificate.issue",
        Some(&ca_id),
        Some(serial),
        org_oid.as_deref(),
        &json!({ "der_bytes": der.len() }),
    );
    Ok(())
}

pub(crate) async fn abandon_serial(cx: &mut Ctx<'_>, serial: &str, reason: &str) -> Result<()> {
    let Some((state, ca_id)) = serial_state(cx.conn, serial).await? else {
        return Err(StoreError::NotFound {
            what: "serial",
            key: serial.to_owned(),
        });
    };
    if state != "reserved" && state != "linted" {
        return Err(StoreError::SerialState {
            serial: serial.to_owned(),
            expected: "reserved or linted".to_owned(),
            found: state,
        });
    }
    abandon_one(cx, serial, &state, &ca_id, reason).await
}

/// Abandons a serial known to be in `state` (reserved or linted).
async fn abandon_one(
    cx: &mut Ctx<'_>,
    serial: &str,
    state: &str,
    ca_id: &str,
    reason: &str,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE serials SET state = 'abandoned', updated_at = $3 WHERE serial = $1 AND state = $2",
    )
    .bind(serial)
    .bind(state)
    .bind(cx.at)
    .execute(&mut *cx.conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(serial_state_error(cx.conn, serial, "reserved or linted").await);
    }
    let org_oid: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE certificates SET status = 'abandoned' \
         WHERE serial = $1 AND status = 'pending' RETURNING org_oid",
    )
    .bind(serial)
    .fetch_optional(&mut *cx.conn)
    .await?;
    cx.audit(
        "serial.abandon",
        Some(ca_id),
        Some(serial),
        org_oid.flatten().as_deref(),
        &json!({ "reason": reason, "previous_state": state }),
    );
    Ok(())
}

async fn abandon_stale_serials(cx: &mut Ctx<'_>, older_than: i64) -> Result<u64> {
    let rows = sqlx::query(
        "SELECT serial, state, ca_id FROM serials \
         WHERE state IN ('reserved', 'linted') AND reserved_at < $1 ORDER BY reserved_at, serial",
    )
    .bind(older_than)
    .fetch_all(&mut *cx.conn)
    .await?;
    let reason = format!("stale: reserved before {older_than} and never completed");
    let mut count = 0;
    for row in rows {
        let serial: String = row.try_get("serial")?;
        let state: String = row.try_get("state")?;
        let ca_id: String = row.try_get("ca_id")?;
        abandon_one(cx, &serial, &state, &ca_id, &reason).await?;
        count += 1;
    }
    Ok(count)
}

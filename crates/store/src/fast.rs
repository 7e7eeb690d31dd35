//! The fast path of a batch: the three steps of the issuance cycle, grouped.
//!
//! The calls of one batch are concurrent (none has been answered yet), so they
//! may be executed in any order. The fast path runs all `reserve_serial` jobs
//! of the batch as one multi-row statement, then all `store_issuance_record`
//! jobs, then all `store_certificate` jobs, and then the other jobs one by one
//! — a handful of statements instead of several per job.
//!
//! A job refused for its own reason that leaves nothing to undo (a duplicate
//! serial, a serial in the wrong state) simply gets its error. Anything else —
//! a database error, an unexpected row count, a failing job of another kind —
//! makes the fast path give up: the writer rolls the transaction back and runs
//! the batch again job by job, each in its own savepoint.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::error::{Result, StoreError};
use crate::jobs::{self, AuditRow, Job, Output};
use crate::model::IssuanceRecord;
use crate::multirow::{MultiRow, chunks};

/// Why the fast path gave up (for the log).
pub(crate) struct GiveUp(pub(crate) String);

impl From<sqlx::Error> for GiveUp {
    fn from(e: sqlx::Error) -> Self {
        GiveUp(e.to_string())
    }
}

impl From<StoreError> for GiveUp {
    fn from(e: StoreError) -> Self {
        GiveUp(e.to_string())
    }
}

// Typed NULLs for the padding rows (PostgreSQL types each parameter).
const NO_TEXT: Option<&str> = None;
const NO_INT: Option<i64> = None;
const NO_BLOB: Option<&[u8]> = None;

static RESERVE: MultiRow = MultiRow::new(
    "INSERT INTO serials (serial, ca_id, state, reserved_at, updated_at) \
     SELECT v.column1, v.column2, 'reserved', v.column3, v.column3 FROM (VALUES ",
    "({0}, {1}, {2})",
    3,
    ") AS v WHERE v.column1 IS NOT NULL ON CONFLICT (serial) DO NOTHING RETURNING serial",
);

static KEY_HOLDERS: MultiRow = MultiRow::new(
    // Only the key's index in the WHERE clause: with the status there too, SQLite may
    // scan the status index instead (statuses are filtered below).
    "SELECT spki_sha256, serial, org_oid, status, card_id FROM certificates \
     WHERE spki_sha256 IN (",
    "{0}",
    1,
    ")",
);

static ORG_VERSIONS: MultiRow = MultiRow::new(
    "SELECT oid, version FROM organisations WHERE oid IN (",
    "{0}",
    1,
    ")",
);

static LINT_SERIALS: MultiRow = MultiRow::new(
    "UPDATE serials SET state = 'linted', updated_at = v.column3 FROM (VALUES ",
    "({0}, {1}, {2})",
    3,
    ") AS v WHERE serials.serial = v.column1 AND serials.ca_id = v.column2 \
     AND serials.state = 'reserved' RETURNING serial",
);

static INSERT_CERTIFICATES: MultiRow = MultiRow::new(
    "INSERT INTO certificates (serial, ca_id, profile, org_oid, subject, spki_sha256, \
     not_before, not_after, tbs_der, status, created_at) \
     SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, \
     v.column8, v.column9, 'pending', v.column10 FROM (VALUES ",
    "({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9})",
    10,
    ") AS v WHERE v.column1 IS NOT NULL",
);

static ISSUE_SERIALS: MultiRow = MultiRow::new(
    "UPDATE serials SET state = 'issued', updated_at = v.column2 FROM (VALUES ",
    "({0}, {1})",
    2,
    ") AS v WHERE serials.serial = v.column1 AND serials.state = 'linted' RETURNING serial",
);

static ISSUE_CERTIFICATES: MultiRow = MultiRow::new(
    "UPDATE certificates SET der = v.column2, status = 'valid', issued_at = v.column3 \
     FROM (VALUES ",
    "({0}, {1}, {2})",
    3,
    ") AS v WHERE certificates.serial = v.column1 AND certificates.status = 'pending' \
     AND certificates.der IS NULL RETURNING serial, ca_id, org_oid",
);

/// Runs `batch` on `conn` (inside the batch transaction), pushing audit events
/// to `audits`. Returns each job's result, in batch order.
pub(crate) async fn run(
    conn: &mut AnyConnection,
    batch: &[&Job],
    audits: &mut Vec<AuditRow>,
) -> std::result::Result<Vec<Result<Output>>, GiveUp> {
    let mut results: Vec<Option<Result<Output>>> = batch.iter().map(|_| None).collect();
    let (mut reserves, mut lints, mut issues, mut others) = (vec![], vec![], vec![], vec![]);
    for (index, job) in batch.iter().enumerate() {
        match job {
            Job::ReserveSerial { .. } => reserves.push(index),
            Job::StoreIssuanceRecord { .. } => lints.push(index),
            Job::StoreCertificate { .. } => issues.push(index),
            _ => others.push(index),
        }
    }
    reserve(conn, batch, &reserves, &mut results, audits).await?;
    lint(conn, batch, &lints, &mut results, audits).await?;
    issue(conn, batch, &issues, &mut results, audits).await?;
    for index in others {
        let output = jobs::run(conn, audits, batch[index]).await?;
        results[index] = Some(Ok(output));
    }
    results
        .into_iter()
        .map(|result| result.ok_or_else(|| GiveUp("a job was left out".to_owned())))
        .collect()
}

async fn reserve(
    conn: &mut AnyConnection,
    batch: &[&Job],
    indices: &[usize],
    results: &mut [Option<Result<Output>>],
    audits: &mut Vec<AuditRow>,
) -> std::result::Result<(), GiveUp> {
    // (index, serial, ca_id, actor, at) of the jobs to insert; a serial asked
    // for twice in the batch goes to the first.
    let mut todo = Vec::with_capacity(indices.len());
    let mut seen = HashSet::new();
    for &index in indices {
        let Job::ReserveSerial {
            serial,
            ca_id,
            actor,
            at,
        } = batch[index]
        else {
            return Err(GiveUp("not a reserve_serial job".to_owned()));
        };
        if seen.insert(serial.as_str()) {
            todo.push((index, serial, ca_id, actor, *at));
        } else {
            results[index] = Some(Err(StoreError::DuplicateSerial {
                serial: serial.clone(),
            }));
        }
    }
    let mut inserted = HashSet::new();
    for chunk in chunks(&todo) {
        let mut query = sqlx::query(AssertSqlSafe(RESERVE.sql_for(conn, chunk.len())));
        for (_, serial, ca_id, _, at) in chunk {
            query = query.bind(serial.as_str()).bind(ca_id.as_str()).bind(*at);
        }
        for _ in 0..RESERVE.padding(chunk.len()) {
            query = query.bind(NO_TEXT).bind(NO_TEXT).bind(NO_INT);
        }
        for row in query.fetch_all(&mut *conn).await? {
            inserted.insert(row.try_get::<String, _>(0)?);
        }
    }
    for (index, serial, ca_id, actor, at) in todo {
        results[index] = Some(if inserted.contains(serial) {
            audits.push(AuditRow::new(
                at,
                actor,
                "serial.reserve",
                [Some(ca_id), Some(serial), None],
                &json!({}),
            ));
            Ok(Output::Unit)
        } else {
            Err(StoreError::DuplicateSerial {
                serial: serial.clone(),
            })
        });
    }
    Ok(())
}

/// A job's own error, or a reason to give up if finding it failed in the
/// database (on PostgreSQL a failed statement aborts the whole transaction).
fn own_error(error: StoreError) -> std::result::Result<StoreError, GiveUp> {
    match error {
        StoreError::Database(_)
        | StoreError::Constraint { .. }
        | StoreError::CorruptData { .. } => Err(GiveUp(error.to_string())),
        error => Ok(error),
    }
}

/// Gives up if a serial occurs twice among `serials`.
fn distinct<'a>(serials: impl Iterator<Item = &'a str>) -> std::result::Result<(), GiveUp> {
    let mut seen = HashSet::new();
    for serial in serials {
        if !seen.insert(serial) {
            return Err(GiveUp(format!("serial {serial} twice in one batch")));
        }
    }
    Ok(())
}

async fn lint(
    conn: &mut AnyConnection,
    batch: &[&Job],
    indices: &[usize],
    results: &mut [Option<Result<Output>>],
    audits: &mut Vec<AuditRow>,
) -> std::result::Result<(), GiveUp> {
    let mut jobs = Vec::with_capacity(indices.len());
    for &index in indices {
        let Job::StoreIssuanceRecord { rec, actor, at } = batch[index] else {
            return Err(GiveUp("not a store_issuance_record job".to_owned()));
        };
        jobs.push((index, rec, actor, *at));
    }
    distinct(jobs.iter().map(|(_, rec, _, _)| rec.serial.as_str()))?;
    // Two new certificates for one key in a batch: the job-by-job path decides them
    // in order.
    distinct(jobs.iter().map(|(_, rec, _, _)| rec.spki_sha256.as_str()))?;
    let jobs = refuse_changed_organisations(conn, jobs, results).await?;
    let jobs = refuse_key_conflicts(conn, jobs, results).await?;

    let mut linted = HashSet::new();
    for chunk in chunks(&jobs) {
        let mut query = sqlx::query(AssertSqlSafe(LINT_SERIALS.sql_for(conn, chunk.len())));
        for (_, rec, _, at) in chunk {
            query = query
                .bind(rec.serial.as_str())
                .bind(rec.ca_id.as_str())
                .bind(*at);
        }
        for _ in 0..LINT_SERIALS.padding(chunk.len()) {
            query = query.bind(NO_TEXT).bind(NO_TEXT).bind(NO_INT);
        }
        for row in query.fetch_all(&mut *conn).await? {
            linted.insert(row.try_get::<String, _>(0)?);
        }
    }
    let mut ok = Vec::with_capacity(linted.len());
    for (index, rec, actor, at) in jobs {
        if linted.contains(&rec.serial) {
            ok.push((index, rec, actor, at));
        } else {
            results[index] = Some(Err(own_error(jobs::lint_failure(conn, rec).await)?));
        }
    }
    for chunk in chunks(&ok) {
        let mut query = sqlx::query(AssertSqlSafe(
            INSERT_CERTIFICATES.sql_for(conn, chunk.len()),
        ));
        for (_, rec, _, at) in chunk {
            query = query
                .bind(rec.serial.as_str())
                .bind(rec.ca_id.as_str())
                .bind(rec.profile.as_str())
                .bind(rec.org_oid.as_deref())
                .bind(rec.subject.as_str())
                .bind(rec.spki_sha256.as_str())
                .bind(rec.not_before)
                .bind(rec.not_after)
                .bind(rec.tbs_der.as_slice())
                .bind(*at);
        }
        for _ in 0..INSERT_CERTIFICATES.padding(chunk.len()) {
            query = query
                .bind(NO_TEXT)
                .bind(NO_TEXT)
                .bind(NO_TEXT)
                .bind(NO_TEXT)
                .bind(NO_TEXT)
                .bind(NO_TEXT)
                .bind(NO_INT)
                .bind(NO_INT)
                .bind(NO_BLOB)
                .bind(NO_INT);
        }
        let done = query.execute(&mut *conn).await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(GiveUp(
                "certificate records were not all inserted".to_owned(),
            ));
        }
    }
    for (index, rec, actor, at) in ok {
        let details = json!({
            "profile": rec.profile,
            "subject": rec.subject,
            "spki_sha256": rec.spki_sha256,
            "not_before": rec.not_before,
            "not_after": rec.not_after,
        });
        audits.push(AuditRow::new(
            at,
            actor,
            "certificate.lint_pass",
            [Some(&rec.ca_id), Some(&rec.serial), rec.org_oid.as_deref()],
            &details,
        ));
        results[index] = Some(Ok(Output::Unit));
    }
    Ok(())
}

/// Refuses the jobs built from an organisation record that has changed since (as
/// `jobs::store_issuance_record` does one by one); returns the rest.
async fn refuse_changed_organisations<'a>(
    conn: &mut AnyConnection,
    jobs: Vec<(usize, &'a IssuanceRecord, &'a String, i64)>,
    results: &mut [Option<Result<Output>>],
) -> std::result::Result<Vec<(usize, &'a IssuanceRecord, &'a String, i64)>, GiveUp> {
    let mut oids: Vec<&str> = jobs
        .iter()
        .filter(|(_, rec, _, _)| rec.org_version.is_some())
        .filter_map(|(_, rec, _, _)| rec.org_oid.as_deref())
        .collect();
    oids.sort_unstable();
    oids.dedup();
    let mut current: HashMap<String, i64> = HashMap::new();
    for chunk in chunks(&oids) {
        let mut query = sqlx::query(AssertSqlSafe(ORG_VERSIONS.sql_for(conn, chunk.len())));
        for oid in chunk {
            query = query.bind(*oid);
        }
        for _ in 0..ORG_VERSIONS.padding(chunk.len()) {
            query = query.bind(NO_TEXT);
        }
        for row in query.fetch_all(&mut *conn).await? {
            current.insert(row.try_get(0)?, row.try_get(1)?);
        }
    }
    let mut ok = Vec::with_capacity(jobs.len());
    for job in jobs {
        let (index, rec, _, _) = job;
        match (&rec.org_oid, rec.org_version) {
            (Some(oid), Some(version)) if current.get(oid) != Some(&version) => {
                results[index] = Some(Err(StoreError::OrganisationChanged { oid: oid.clone() }));
            }
            _ => ok.push(job),
        }
    }
    Ok(ok)
}

/// A certificate holding a key: serial, org_oid, status, and whether it is on a card.
type KeyHolder = (String, Option<String>, String, bool);

/// Refuses the jobs whose key is bound to a revoked certificate or another
/// organisation's (as [`jobs::key_conflict`] does one by one); returns the rest.
async fn refuse_key_conflicts<'a>(
    conn: &mut AnyConnection,
    jobs: Vec<(usize, &'a IssuanceRecord, &'a String, i64)>,
    results: &mut [Option<Result<Output>>],
) -> std::result::Result<Vec<(usize, &'a IssuanceRecord, &'a String, i64)>, GiveUp> {
    // spki → the certificates holding it.
    let mut holders: HashMap<String, Vec<KeyHolder>> = HashMap::new();
    for chunk in chunks(&jobs) {
        let mut query = sqlx::query(AssertSqlSafe(KEY_HOLDERS.sql_for(conn, chunk.len())));
        for (_, rec, _, _) in chunk {
            query = query.bind(rec.spki_sha256.as_str());
        }
        for _ in 0..KEY_HOLDERS.padding(chunk.len()) {
            query = query.bind(NO_TEXT);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let status: String = row.try_get(3)?;
            if !matches!(status.as_str(), "pending" | "valid" | "revoked") {
                continue;
            }
            let card: Option<String> = row.try_get(4)?;
            holders.entry(row.try_get(0)?).or_default().push((
                row.try_get(1)?,
                row.try_get(2)?,
                status,
                card.is_some(),
            ));
        }
    }
    let mut ok = Vec::with_capacity(jobs.len());
    for job in jobs {
        let (index, rec, _, _) = job;
        let conflict = holders.get(&rec.spki_sha256).and_then(|held| {
            let others = || held.iter().filter(|(serial, ..)| *serial != rec.serial);
            let revoked = others().find(|(_, _, status, _)| status == "revoked");
            let on_card = others().find(|(.., card)| *card);
            let foreign = others().find(|(_, org, ..)| org.as_deref() != rec.org_oid.as_deref());
            match (revoked, on_card, foreign) {
                (Some((serial, ..)), _, _) => Some(StoreError::KeyInUse {
                    serial: serial.clone(),
                    revoked: true,
                }),
                (None, Some((serial, ..)), _) => Some(StoreError::CardKeyInUse {
                    serial: serial.clone(),
                }),
                (None, None, Some((serial, ..))) => Some(StoreError::KeyInUse {
                    serial: serial.clone(),
                    revoked: false,
                }),
                (None, None, None) => None,
            }
        });
        match conflict {
            Some(error) => results[index] = Some(Err(error)),
            None => ok.push(job),
        }
    }
    Ok(ok)
}

async fn issue(
    conn: &mut AnyConnection,
    batch: &[&Job],
    indices: &[usize],
    results: &mut [Option<Result<Output>>],
    audits: &mut Vec<AuditRow>,
) -> std::result::Result<(), GiveUp> {
    let mut jobs = Vec::with_capacity(indices.len());
    for &index in indices {
        let Job::StoreCertificate {
            serial,
            der,
            actor,
            at,
        } = batch[index]
        else {
            return Err(GiveUp("not a store_certificate job".to_owned()));
        };
        jobs.push((index, serial, der, actor, *at));
    }
    distinct(jobs.iter().map(|(_, serial, ..)| serial.as_str()))?;

    let mut issued = HashSet::new();
    for chunk in chunks(&jobs) {
        let mut query = sqlx::query(AssertSqlSafe(ISSUE_SERIALS.sql_for(conn, chunk.len())));
        for (_, serial, _, _, at) in chunk {
            query = query.bind(serial.as_str()).bind(*at);
        }
        for _ in 0..ISSUE_SERIALS.padding(chunk.len()) {
            query = query.bind(NO_TEXT).bind(NO_INT);
        }
        for row in query.fetch_all(&mut *conn).await? {
            issued.insert(row.try_get::<String, _>(0)?);
        }
    }
    let mut ok = Vec::with_capacity(issued.len());
    for (index, serial, der, actor, at) in jobs {
        if issued.contains(serial) {
            ok.push((index, serial, der, actor, at));
        } else {
            let error = jobs::serial_state_error(conn, serial, "linted").await;
            results[index] = Some(Err(own_error(error)?));
        }
    }
    // serial -> (ca_id, org_oid) of the certificates that were signed.
    let mut signed = HashMap::new();
    for chunk in chunks(&ok) {
        let mut query = sqlx::query(AssertSqlSafe(ISSUE_CERTIFICATES.sql_for(conn, chunk.len())));
        for (_, serial, der, _, at) in chunk {
            query = query.bind(serial.as_str()).bind(der.as_slice()).bind(*at);
        }
        for _ in 0..ISSUE_CERTIFICATES.padding(chunk.len()) {
            query = query.bind(NO_TEXT).bind(NO_BLOB).bind(NO_INT);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let serial: String = row.try_get(0)?;
            let ca_id: String = row.try_get(1)?;
            let org_oid: Option<String> = row.try_get(2)?;
            signed.insert(serial, (ca_id, org_oid));
        }
    }
    for (index, serial, der, actor, at) in ok {
        // A linted serial without a pending record: the slow path tells why.
        let Some((ca_id, org_oid)) = signed.get(serial.as_str()) else {
            return Err(GiveUp(format!("certificate {serial} is not pending")));
        };
        audits.push(AuditRow::new(
            at,
            actor,
            "certificate.issue",
            [Some(ca_id), Some(serial), org_oid.as_deref()],
            &json!({ "der_bytes": der.len() }),
        ));
        results[index] = Some(Ok(Output::Unit));
    }
    Ok(())
}

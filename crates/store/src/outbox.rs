//! The mail outbox (migration 0004): notifications queued in the database and
//! sent later by SMTP (`carepki-ra`'s `Outbox`), so that a mail survives a
//! restart, is retried, and is never queued twice.
//!
//! # The life of a mail
//!
//! ```text
//! enqueue_mail ─► queued ──claim_due_mail──► sending ──mark_mail_sent──► sent
//!                   ▲                          │  │
//!                   └── mark_mail_failed(Some) ┘  └── mark_mail_failed(None) ──► failed
//!                   ▲                          │
//!                   └──── the lease ran out ───┘  (claimable again, by any sender)
//! ```
//!
//! - **No duplicates in the queue.** Every mail has a `dedupe_key` (for example
//!   `delivery:<application>:<serial>`), unique in the table: queuing the same
//!   key again answers [`EnqueueOutcome::AlreadyQueued`] and changes nothing.
//! - **One sender per mail.** [`Store::claim_due_mail`] marks the rows it
//!   returns `sending` with a lease (`claimed_by`, `claimed_until`) in one
//!   conditional `UPDATE`: two senders, in one process or in several on one
//!   PostgreSQL, never claim the same row at once.
//! - **Crashes.** A sender that dies mid-send leaves its rows `sending`; once the
//!   lease runs out they are claimable again. Delivery is therefore **at least
//!   once**, not exactly once: if the SMTP server accepted a mail and the sender
//!   died before [`Store::mark_mail_sent`] committed, the mail is sent again.
//!   No protocol can close that window (the acceptance and our commit are two
//!   systems); the sender keeps it small (it records the result at once) and
//!   gives every copy the same Message-ID, derived from the dedupe key, so that
//!   receivers can drop the duplicate.
//!
//! # Writes, and the writer
//!
//! The writes here run in a transaction of their own on a pooled connection
//! (`BEGIN IMMEDIATE` on SQLite), with their audit events in the same
//! transaction, rather than as jobs of the group-commit writer (`writer.rs`).
//! Mail is a few writes per certificate, so sharing an fsync gains nothing, and
//! the writer's job list lives in `jobs.rs`, which this module leaves alone. Each
//! write keeps the store's rules: all-or-nothing with its audit event, durable
//! (`synchronous=FULL`) when it returns `Ok`. The bodies take a connection and an
//! audit list, so they can become writer jobs unchanged.
//!
//! Audit events (`mail.queue`, `mail.sent`, `mail.failed`) hold the key, the
//! recipient, the subject and the attachments' names, types and sizes: never a
//! body (an invitation mail carries a secret link) nor attachment bytes.

use std::fmt;

use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};

use crate::check::{attachment_filename, email, invalid, mime_type, one_line};
use crate::error::{Result, StoreError};
use crate::jobs::{self, AuditRow};
use crate::{Backend, Store, check_actor, normalise_serial};

/// The longest dedupe key, in bytes.
pub const MAX_DEDUPE_KEY_LEN: usize = 200;
/// The most attachment bytes one mail may carry (all attachments together).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// The longest error text kept in `last_error` and the audit log, in bytes.
const MAX_ERROR_LEN: usize = 2000;

/// A file attached to a mail.
#[derive(Clone, PartialEq, Eq)]
pub struct MailAttachment {
    /// The file name the receiver sees, e.g. `"0a1b2c.der"` (no path).
    pub filename: String,
    /// Its MIME type, e.g. `"application/pkix-cert"` (DER certificate) or
    /// `"application/x-pem-file"` (PEM).
    pub content_type: String,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for MailAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// A mail to queue with [`Store::enqueue_mail`].
///
/// Its `Debug` shows the sizes of the bodies, never their text: a body may
/// hold a secret (an invitation link).
#[derive(Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Names the notification, so that it is queued once: e.g.
    /// `"delivery:<application>:<serial>"`. 1 to [`MAX_DEDUPE_KEY_LEN`]
    /// bytes, no control characters. Also the base of the Message-ID.
    pub dedupe_key: String,
    /// The one recipient's address, e.g. `"matti@example.fi"` or
    /// `"Matti Meikäläinen <matti@example.fi>"`.
    pub recipient: String,
    /// The subject, one line (UTF-8 is fine).
    pub subject: String,
    /// The plain-text body.
    pub body_text: String,
    /// An HTML alternative of the body, if any.
    pub body_html: Option<String>,
    /// The attachments, in order.
    pub attachments: Vec<MailAttachment>,
    /// The organisation the mail is about, for the audit log.
    pub org_oid: Option<String>,
    /// The certificate the mail is about (hex serial), for the audit log.
    pub serial: Option<String>,
}

impl fmt::Debug for NewMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewMail")
            .field("dedupe_key", &self.dedupe_key)
            .field("recipient", &self.recipient)
            .field("subject", &self.subject)
            .field("body_text_bytes", &self.body_text.len())
            .field("body_html_bytes", &self.body_html.as_ref().map(String::len))
            .field("attachments", &self.attachments)
            .field("org_oid", &self.org_oid)
            .field("serial", &self.serial)
            .finish()
    }
}

/// What [`Store::enqueue_mail`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EnqueueOutcome {
    /// The mail was queued as this row.
    Queued {
        /// The outbox row.
        id: i64,
    },
    /// A mail with the same dedupe key was queued before (whatever became of
    /// it since): nothing was changed.
    AlreadyQueued {
        /// The earlier mail's row.
        id: i64,
    },
}

impl EnqueueOutcome {
    /// The outbox row, new or earlier.
    pub fn id(self) -> i64 {
        match self {
            EnqueueOutcome::Queued { id } | EnqueueOutcome::AlreadyQueued { id } => id,
        }
    }
}

/// Where a mail is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailStatus {
    /// Waiting to be sent (first time, or again after a transient error).
    Queued,
    /// Claimed by a sender, whose lease has not yet been given back.
    Sending,
    /// Accepted by the SMTP server.
    Sent,
    /// Given up: a permanent error, or too many attempts.
    Failed,
}

impl MailStatus {
    /// `"queued"`, `"sending"`, `"sent"` or `"failed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "queued" => Ok(MailStatus::Queued),
            "sending" => Ok(MailStatus::Sending),
            "sent" => Ok(MailStatus::Sent),
            "failed" => Ok(MailStatus::Failed),
            other => Err(StoreError::CorruptData {
                what: format!("outbox status {other:?}"),
            }),
        }
    }
}

impl fmt::Display for MailStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mail claimed by a sender: everything needed to send it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimedMail {
    /// The outbox row.
    pub id: i64,
    /// Its dedupe key (the base of its Message-ID).
    pub dedupe_key: String,
    /// The recipient's address.
    pub recipient: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub body_text: String,
    /// The HTML alternative, if any.
    pub body_html: Option<String>,
    /// The attachments, in order.
    pub attachments: Vec<MailAttachment>,
    /// The organisation the mail is about.
    pub org_oid: Option<String>,
    /// The certificate the mail is about.
    pub serial: Option<String>,
    /// Attempts started, this one included.
    pub attempts: i64,
    /// When it was queued.
    pub created_at: i64,
    /// When this claim's lease runs out.
    pub claimed_until: i64,
}

impl fmt::Debug for ClaimedMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimedMail")
            .field("id", &self.id)
            .field("dedupe_key", &self.dedupe_key)
            .field("recipient", &self.recipient)
            .field("subject", &self.subject)
            .field("body_text_bytes", &self.body_text.len())
            .field("body_html_bytes", &self.body_html.as_ref().map(String::len))
            .field("attachments", &self.attachments)
            .field("attempts", &self.attempts)
            .field("claimed_until", &self.claimed_until)
            .finish_non_exhaustive()
    }
}

/// A mail's state, without its bodies and attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailRow {
    /// The outbox row.
    pub id: i64,
    /// Its dedupe key.
    pub dedupe_key: String,
    /// The recipient's address.
    pub recipient: String,
    /// The subject.
    pub subject: String,
    /// The organisation the mail is about.
    pub org_oid: Option<String>,
    /// The certificate the mail is about.
    pub serial: Option<String>,
    /// Where it is.
    pub status: MailStatus,
    /// Attempts started.
    pub attempts: i64,
    /// Queued: when it may be tried; sending: when the lease runs out.
    pub next_attempt_at: i64,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: i64,
    /// When the SMTP server accepted it.
    pub sent_at: Option<i64>,
    /// The sender holding it (only while sending).
    pub claimed_by: Option<String>,
    /// When that sender's lease runs out (only while sending).
    pub claimed_until: Option<i64>,
}

/// How many mails are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MailCounts {
    /// Waiting.
    pub queued: i64,
    /// Claimed by a sender.
    pub sending: i64,
    /// Sent.
    pub sent: i64,
    /// Given up.
    pub failed: i64,
}

const MAIL_COLUMNS: &str = "id, dedupe_key, recipient, subject, org_oid, serial, status, \
     attempts, next_attempt_at, last_error, created_at, sent_at, claimed_by, claimed_until";

fn mail_from_row(row: &AnyRow) -> Result<MailRow> {
    Ok(MailRow {
        id: row.try_get("id")?,
        dedupe_key: row.try_get("dedupe_key")?,
        recipient: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        org_oid: row.try_get("org_oid")?,
        serial: row.try_get("serial")?,
        status: MailStatus::parse(&row.try_get::<String, _>("status")?)?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
        claimed_by: row.try_get("claimed_by")?,
        claimed_until: row.try_get("claimed_until")?,
    })
}

/// Checks a new mail and normalises its serial.
fn check_mail(mail: &NewMail) -> Result<NewMail> {
    one_line("dedupe_key", &mail.dedupe_key, MAX_DEDUPE_KEY_LEN)?;
    email("recipient", &mail.recipient)?;
    one_line("subject", &mail.subject, 900)?;
    let mut total = 0usize;
    for attachment in &mail.attachments {
        attachment_filename(&attachment.filename)?;
        mime_type(&attachment.content_type, "application/pkix-cert")?;
        total += attachment.bytes.len();
    }
    if total > MAX_ATTACHMENT_BYTES {
        return Err(invalid(
            "attachments",
            format!("{total} bytes in all; at most {MAX_ATTACHMENT_BYTES}"),
        ));
    }
    let mut positions = std::collections::HashSet::new();
    if !mail
        .attachments
        .iter()
        .all(|a| positions.insert(a.filename.as_str()))
    {
        return Err(invalid("attachments", "two attachments have the same name"));
    }
    Ok(NewMail {
        serial: mail.serial.as_deref().map(normalise_serial).transpose()?,
        ..mail.clone()
    })
}

fn check_worker(worker: &str) -> Result<String> {
    one_line("worker", worker, 200)?;
    check_actor(worker)
}

/// `error` cut to [`MAX_ERROR_LEN`] bytes at a character boundary.
fn truncate_error(error: &str) -> String {
    if error.len() <= MAX_ERROR_LEN {
        return error.to_owned();
    }
    let mut end = MAX_ERROR_LEN;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &error[..end])
}

impl Store {
    /// Queues a mail (R-DELIVERY), durably, with a `mail.queue` audit event.
    /// It is due at once (`at`).
    ///
    /// Idempotent on the dedupe key: if a mail with the same key was ever
    /// queued, this answers [`EnqueueOutcome::AlreadyQueued`] with that mail's
    /// row and changes nothing (no event either), whatever its state; so a
    /// caller that retries after a lost answer, or two requests racing, queue
    /// one mail. Fails with [`StoreError::InvalidInput`] for a malformed mail
    /// (control characters in a header field, a bad MIME type, more than
    /// [`MAX_ATTACHMENT_BYTES`] attached).
    pub async fn enqueue_mail(
        &self,
        mail: &NewMail,
        actor: &str,
        at: i64,
    ) -> Result<EnqueueOutcome> {
        let mail = check_mail(mail)?;
        let actor = check_actor(actor)?;
        let mut conn = self.inner.pool.acquire().await?;
        let mut tx = conn.begin_with(self.begin_sql()).await?;
        let mut audits = Vec::new();
        let outcome = enqueue(&mut tx, &mut audits, &mail, &actor, at).await?;
        if matches!(outcome, EnqueueOutcome::Queued { .. }) {
            commit(tx, &audits).await?;
        } else {
            tx.rollback().await?;
        }
        Ok(outcome)
    }

    /// Claims up to `limit` mails that are due at `now` for sender `worker`:
    /// queued mails whose `next_attempt_at` has come, and mails left `sending`
    /// by a sender whose lease ran out (it crashed or hung). Each becomes
    /// `sending`, held by `worker` until `now + lease_secs`, its attempts
    /// counted up by one. Oldest due first.
    ///
    /// One conditional `UPDATE` does it, so no two senders hold a mail at once
    /// (on PostgreSQL, rows another sender is claiming are skipped). Not
    /// audited: the outcome of the attempt is.
    pub async fn claim_due_mail(
        &self,
        worker: &str,
        now: i64,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedMail>> {
        let worker = check_worker(worker)?;
        if lease_secs <= 0 {
            return Err(invalid("lease_secs", "must be positive"));
        }
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.inner.pool.acquire().await?;
        let mut tx = conn.begin_with(self.begin_sql()).await?;
        let claimed = claim(
            &mut tx,
            self.inner.backend,
            &worker,
            now,
            now.saturating_add(lease_secs),
            limit,
        )
        .await?;
        commit(tx, &[]).await?;
        Ok(claimed)
    }

    /// Records that the SMTP server accepted mail `id`, sent by `worker` (which
    /// must hold it), with a `mail.sent` audit event.
    ///
    /// Succeeds without a change if the mail is already `sent` (another
    /// sender, which took it over after this one's lease ran out, finished
    /// first). Fails with [`StoreError::Conflict`] if another sender holds it
    /// now or it was given up, and [`StoreError::NotFound`] for an unknown id.
    pub async fn mark_mail_sent(&self, id: i64, worker: &str, now: i64) -> Result<()> {
        let worker = check_worker(worker)?;
        let mut conn = self.inner.pool.acquire().await?;
        let mut tx = conn.begin_with(self.begin_sql()).await?;
        let mut audits = Vec::new();
        match mark_sent(&mut tx, &mut audits, id, &worker, now).await? {
            true => commit(tx, &audits).await,
            false => {
                tx.rollback().await?;
                Ok(())
            }
        }
    }

    /// Records that an attempt to send mail `id` by `worker` (which must hold
    /// it) failed with `error`, with a `mail.failed` audit event. With
    /// `retry_at` the mail is queued again, due then (a transient error);
    /// without, it is `failed` for good (a permanent error, or the last
    /// attempt). The error is kept in `last_error` (cut to 2000 bytes).
    ///
    /// Fails with [`StoreError::Conflict`] if `worker` does not hold the mail
    /// (its lease ran out and another sender took it, or it is done), and
    /// [`StoreError::NotFound`] for an unknown id.
    pub async fn mark_mail_failed(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let worker = check_worker(worker)?;
        let error = truncate_error(error);
        let mut conn = self.inner.pool.acquire().await?;
        let mut tx = conn.begin_with(self.begin_sql()).await?;
        let mut audits = Vec::new();
        mark_failed(&mut tx, &mut audits, id, &worker, &error, retry_at, now).await?;
        commit(tx, &audits).await
    }

    /// Mail `id`, without bodies and attachments.
    pub async fn mail(&self, id: i64) -> Result<Option<MailRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MAIL_COLUMNS} FROM outbox WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(mail_from_row).transpose()
    }

    /// The mail queued with this dedupe key, without bodies and attachments.
    pub async fn mail_by_dedupe_key(&self, dedupe_key: &str) -> Result<Option<MailRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MAIL_COLUMNS} FROM outbox WHERE dedupe_key = $1"
        )))
        .bind(dedupe_key)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(mail_from_row).transpose()
    }

    /// When the next mail falls due (a queued mail's next attempt, or the end
    /// of a sending mail's lease); `None` when nothing waits. Senders sleep
    /// until then.
    pub async fn next_mail_due(&self) -> Result<Option<i64>> {
        let due: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status IN ('queued', 'sending')",
        )
        .fetch_one(&self.inner.pool)
        .await?;
        Ok(due)
    }

    /// How many mails are in each state.
    pub async fn mail_counts(&self) -> Result<MailCounts> {
        let rows = sqlx::query("SELECT status, COUNT(*) FROM outbox GROUP BY status")
            .fetch_all(&self.inner.pool)
            .await?;
        let mut counts = MailCounts::default();
        for row in rows {
            let n: i64 = row.try_get(1)?;
            match MailStatus::parse(&row.try_get::<String, _>(0)?)? {
                MailStatus::Queued => counts.queued = n,
                MailStatus::Sending => counts.sending = n,
                MailStatus::Sent => counts.sent = n,
                MailStatus::Failed => counts.failed = n,
            }
        }
        Ok(counts)
    }

    /// How a write transaction begins: on SQLite it takes the write lock at
    /// once, so that it waits (`busy_timeout`) behind the writer instead of
    /// failing to upgrade a read lock.
    pub(crate) fn begin_sql(&self) -> &'static str {
        match self.inner.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }
}

/// Appends `audits` and commits; a failed commit is reported as not confirmed.
pub(crate) async fn commit(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    audits: &[AuditRow],
) -> Result<()> {
    jobs::insert_audits(&mut tx, audits).await?;
    tx.commit()
        .await
        .map_err(|e| StoreError::WriteNotConfirmed {
            reason: format!("commit failed: {e}"),
        })
}

// ---- the writes (a connection inside a transaction, and an audit list) ----

async fn enqueue(
    conn: &mut AnyConnection,
    audits: &mut Vec<AuditRow>,
    mail: &NewMail,
    actor: &str,
    at: i64,
) -> Result<EnqueueOutcome> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO outbox (dedupe_key, recipient, subject, body_text, body_html, org_oid, \
         serial, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8) \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(&mail.dedupe_key)
    .bind(&mail.recipient)
    .bind(&mail.subject)
    .bind(&mail.body_text)
    .bind(mail.body_html.as_deref())
    .bind(mail.org_oid.as_deref())
    .bind(mail.serial.as_deref())
    .bind(at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else {
        let id: i64 = sqlx::query_scalar("SELECT id FROM outbox WHERE dedupe_key = $1")
            .bind(&mail.dedupe_key)
            .fetch_one(&mut *conn)
            .await?;
        return Ok(EnqueueOutcome::AlreadyQueued { id });
    };
    for (position, attachment) in mail.attachments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO outbox_attachments (outbox_id, position, filename, content_type, bytes) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(&attachment.filename)
        .bind(&attachment.content_type)
        .bind(attachment.bytes.as_slice())
        .execute(&mut *conn)
        .await?;
    }
    let attachments: Vec<_> = mail
        .attachments
        .iter()
        .map(|a| json!({ "filename": a.filename, "content_type": a.content_type, "size": a.bytes.len() }))
        .collect();
    audits.push(AuditRow::new(
        at,
        actor,
        "mail.queue",
        [None, mail.serial.as_deref(), mail.org_oid.as_deref()],
        &json!({
            "outbox_id": id,
            "dedupe_key": mail.dedupe_key,
            "recipient": mail.recipient,
            "subject": mail.subject,
            "html": mail.body_html.is_some(),
            "attachments": attachments,
        }),
    ));
    Ok(EnqueueOutcome::Queued { id })
}

const CLAIM_SQLITE: &str = "UPDATE outbox SET status = 'sending', claimed_by = $1, \
     claimed_until = $2, next_attempt_at = $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM outbox WHERE status IN ('queued', 'sending') \
       AND next_attempt_at <= $3 ORDER BY next_attempt_at, id LIMIT $4) \
     AND status IN ('queued', 'sending') AND next_attempt_at <= $3 \
     RETURNING id, dedupe_key, recipient, subject, body_text, body_html, org_oid, serial, \
       attempts, created_at";

/// [`CLAIM_SQLITE`] for PostgreSQL. The due rows are picked first, in a
/// materialised CTE, locking them and skipping rows that another sender is
/// claiming at this moment; a `LIMIT`ed sub-select inside `IN (…)` would be
/// run again for every row of a semi-join and claim more than the limit. The
/// conditions are repeated on the updated rows.
const CLAIM_POSTGRES: &str = "WITH due AS MATERIALIZED (SELECT id FROM outbox \
       WHERE status IN ('queued', 'sending') AND next_attempt_at <= $3 \
       ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
     UPDATE outbox SET status = 'sending', claimed_by = $1, \
     claimed_until = $2, next_attempt_at = $2, attempts = attempts + 1 \
     FROM due WHERE outbox.id = due.id \
     AND outbox.status IN ('queued', 'sending') AND outbox.next_attempt_at <= $3 \
     RETURNING outbox.id, outbox.dedupe_key, outbox.recipient, outbox.subject, \
       outbox.body_text, outbox.body_html, outbox.org_oid, outbox.serial, outbox.attempts, \
       outbox.created_at";

async fn claim(
    conn: &mut AnyConnection,
    backend: Backend,
    worker: &str,
    now: i64,
    until: i64,
    limit: i64,
) -> Result<Vec<ClaimedMail>> {
    let sql = match backend {
        Backend::Sqlite => CLAIM_SQLITE,
        Backend::Postgres => CLAIM_POSTGRES,
    };
    let rows = sqlx::query(sql)
        .bind(worker)
        .bind(until)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        claimed.push(ClaimedMail {
            id: row.try_get("id")?,
            dedupe_key: row.try_get("dedupe_key")?,
            recipient: row.try_get("recipient")?,
            subject: row.try_get("subject")?,
            body_text: row.try_get("body_text")?,
            body_html: row.try_get("body_html")?,
            attachments: Vec::new(),
            org_oid: row.try_get("org_oid")?,
            serial: row.try_get("serial")?,
            attempts: row.try_get("attempts")?,
            created_at: row.try_get("created_at")?,
            claimed_until: until,
        });
    }
    claimed.sort_by_key(|mail| mail.id);
    for mail in &mut claimed {
        let rows = sqlx::query(
            "SELECT filename, content_type, bytes FROM outbox_attachments \
             WHERE outbox_id = $1 ORDER BY position",
        )
        .bind(mail.id)
        .fetch_all(&mut *conn)
        .await?;
        mail.attachments = rows
            .iter()
            .map(|row| {
                Ok(MailAttachment {
                    filename: row.try_get("filename")?,
                    content_type: row.try_get("content_type")?,
                    bytes: row.try_get("bytes")?,
                })
            })
            .collect::<Result<_>>()?;
    }
    Ok(claimed)
}

/// The error for a mail that `worker` does not hold.
async fn not_held(conn: &mut AnyConnection, id: i64, worker: &str) -> StoreError {
    let row = sqlx::query("SELECT status, claimed_by FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await;
    match row {
        Err(e) => e.into(),
        Ok(None) => StoreError::NotFound {
            what: "mail",
            key: id.to_string(),
        },
        Ok(Some(row)) => {
            let status: String = row.try_get("status").unwrap_or_default();
            let holder: Option<String> = row.try_get("claimed_by").unwrap_or_default();
            StoreError::Conflict {
                what: match holder {
                    Some(holder) => format!(
                        "mail {id} is held by sender {holder:?}, not {worker:?}: \
                         {worker:?}'s lease ran out and {holder:?} took it over"
                    ),
                    None => format!("mail {id} is {status}, not being sent by {worker:?}"),
                },
            }
        }
    }
}

/// Marks the mail sent; `false` (nothing to commit) if it already was.
async fn mark_sent(
    conn: &mut AnyConnection,
    audits: &mut Vec<AuditRow>,
    id: i64,
    worker: &str,
    now: i64,
) -> Result<bool> {
    let row = sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $3, claimed_by = NULL, \
         claimed_until = NULL, last_error = NULL \
         WHERE id = $1 AND status = 'sending' AND claimed_by = $2 \
         RETURNING dedupe_key, recipient, org_oid, serial, attempts",
    )
    .bind(id)
    .bind(worker)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        if status.as_deref() == Some("sent") {
            return Ok(false);
        }
        return Err(not_held(conn, id, worker).await);
    };
    let dedupe_key: String = row.try_get("dedupe_key")?;
    let recipient: String = row.try_get("recipient")?;
    let org_oid: Option<String> = row.try_get("org_oid")?;
    let serial: Option<String> = row.try_get("serial")?;
    let attempts: i64 = row.try_get("attempts")?;
    audits.push(AuditRow::new(
        now,
        worker,
        "mail.sent",
        [None, serial.as_deref(), org_oid.as_deref()],
        &json!({
            "outbox_id": id,
            "dedupe_key": dedupe_key,
            "recipient": recipient,
            "attempts": attempts,
        }),
    ));
    Ok(true)
}

async fn mark_failed(
    conn: &mut AnyConnection,
    audits: &mut Vec<AuditRow>,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<()> {
    let (status, next) = match retry_at {
        Some(at) => ("queued", at),
        None => ("failed", now),
    };
    let row = sqlx::query(
        "UPDATE outbox SET status = $3, next_attempt_at = $4, last_error = $5, \
         claimed_by = NULL, claimed_until = NULL \
         WHERE id = $1 AND status = 'sending' AND claimed_by = $2 \
         RETURNING dedupe_key, recipient, org_oid, serial, attempts",
    )
    .bind(id)
    .bind(worker)
    .bind(status)
    .bind(next)
    .bind(error)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Err(not_held(conn, id, worker).await);
    };
    let dedupe_key: String = row.try_get("dedupe_key")?;
    let recipient: String = row.try_get("recipient")?;
    let org_oid: Option<String> = row.try_get("org_oid")?;
    let serial: Option<String> = row.try_get("serial")?;
    let attempts: i64 = row.try_get("attempts")?;
    audits.push(AuditRow::new(
        now,
        worker,
        "mail.failed",
        [None, serial.as_deref(), org_oid.as_deref()],
        &json!({
            "outbox_id": id,
            "dedupe_key": dedupe_key,
            "recipient": recipient,
            "attempts": attempts,
            "error": error,
            "permanent": retry_at.is_none(),
            "retry_at": retry_at,
        }),
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> NewMail {
        NewMail {
            dedupe_key: "delivery:a1:0a".to_owned(),
            recipient: "matti@example.fi".to_owned(),
            subject: "Varmenne on valmis".to_owned(),
            body_text: "secret link".to_owned(),
            body_html: None,
            attachments: vec![MailAttachment {
                filename: "0a.der".to_owned(),
                content_type: "application/pkix-cert".to_owned(),
                bytes: vec![0x30, 0x00],
            }],
            org_oid: None,
            serial: Some("0A".to_owned()),
        }
    }

    #[test]
    fn mails_are_checked_and_the_serial_normalised() {
        assert_eq!(check_mail(&mail()).unwrap().serial.as_deref(), Some("0a"));
        let bad = |f: fn(&mut NewMail)| {
            let mut m = mail();
            f(&mut m);
            check_mail(&m).unwrap_err()
        };
        bad(|m| m.subject = "a\r\nBcc: x@example.org".to_owned());
        bad(|m| m.recipient = "nobody".to_owned());
        bad(|m| m.dedupe_key = String::new());
        bad(|m| m.dedupe_key = "k".repeat(MAX_DEDUPE_KEY_LEN + 1));
        bad(|m| m.attachments[0].content_type = "pkix cert".to_owned());
        bad(|m| m.attachments[0].filename = "../x.der".to_owned());
        bad(|m| m.attachments.push(m.attachments[0].clone()));
    }

    #[test]
    fn debug_never_shows_bodies_or_bytes() {
        let text = format!("{:?}", mail());
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("body_text_bytes: 11"), "{text}");
        assert!(text.contains("bytes: 2"), "{text}");
    }

    #[test]
    fn long_errors_are_cut_at_a_character_boundary() {
        let error = "ä".repeat(MAX_ERROR_LEN);
        let cut = truncate_error(&error);
        assert!(cut.len() <= MAX_ERROR_LEN + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}

//! The e-service's accounts and applications (migration 0005; issue 4:
//! R-ACCOUNT, R-STAGES, R-CSR, R-CONFORMITY, R-SLA, R-LAPSE).
//!
//! # What it keeps, and what it never keeps
//!
//! - **Users** ([`UserRow`]), found by the HMAC-SHA256 of their identity
//!   ([`subject_hash`]). The caller (the e-service) computes the HMAC under a
//!   server-side key that is never given to the store, so the store receives,
//!   keeps and logs only the hash: the national identity code or OIDC subject
//!   is never in the database, and without the key a leaked database does not
//!   tell whose accounts are in it (identity codes are too few to hide behind a
//!   plain hash).
//! - **Memberships** ([`MembershipRow`]): a user's roles in organisations (a user
//!   may act for several), and **global roles** (`ca-officer`, `auditor`).
//! - **Invitations** ([`InvitationRow`]): single-use, with an expiry. Only the
//!   SHA-256 of the token in the link is stored ([`token_hash`]).
//! - **Applications** ([`ApplicationRow`]), their **timeline**
//!   ([`TimelineEntry`], R-STAGES) and their **attachments** ([`AttachmentMeta`]).
//!
//! # The policy decides, the store keeps
//!
//! The state machine is `carepki-policy`'s `application::transition`. The store
//! does not depend on that crate and decides nothing about applications: the
//! caller runs `transition` and hands the outcome over as plain values — the
//! state name (`StateKind::as_str`), the facts serialised as JSON, the timeline
//! event, and the times the policy derives from the facts (`completed_at`;
//! `due_at` = `sla_due`, set exactly while the application counts towards the
//! delivery time; `pending_since` = `pending_since`, set exactly while it can
//! lapse). The officer queue is then "every application with a due date", and
//! the lapse candidates "every application pending since before a cutoff":
//! what counts is what the policy said, not a list of states kept here.
//!
//! Role names are the policy's `Role::as_str` (`org-admin`, `org-user`,
//! `technical-contact`, `ca-officer`, `auditor`); the schema CHECKs them.
//!
//! # Concurrency
//!
//! Every application carries a `version`, raised by every change. A change
//! names the version it was made from and is refused with
//! [`StoreError::Conflict`] if the application moved on meanwhile (a form sent
//! twice, an edit racing a submission): the state, the facts, the version and
//! the timeline event change together or not at all. An invitation is redeemed
//! by one conditional `UPDATE`, so of two concurrent redemptions exactly one
//! wins, in one process or several on one PostgreSQL.
//!
//! # Writes
//!
//! Every write is a job of the group-commit writer (`writer.rs`), all-or-nothing
//! with its audit event: who (the actor id: [`user_actor`] for a user), for
//! which organisation, when, and what — never a token, a hash of an identity,
//! or attachment bytes.

use std::fmt;

use aws_lc_rs::{digest, hmac};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::check::{attachment_filename, email, invalid, mime_type, one_line};
use crate::error::{Result, StoreError, format_unix, is_foreign_key_violation};
use crate::jobs::{Ctx, Job, Output};
use crate::{Store, check_actor};

/// The largest application attachment (a CSR or a certificate of conformity),
/// in bytes.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// The roles a user may hold in an organisation (the policy's `Role::as_str`).
pub const ORG_ROLES: [&str; 3] = ["org-admin", "org-user", "technical-contact"];

/// The roles a user may hold for no organisation (the policy's `Role::as_str`).
pub const GLOBAL_ROLES: [&str; 2] = ["ca-officer", "auditor"];

/// The languages of the e-service.
pub const LANGUAGES: [&str; 3] = ["fi", "sv", "en"];

/// The kinds of application attachment: the certificate request (R-CSR) and
/// the certificate of conformity (R-CONFORMITY).
pub const ATTACHMENT_KINDS: [&str; 2] = ["csr", "conformity"];

/// The HMAC-SHA256 of `subject` (the OIDC subject or national identity code)
/// under the server-side `key`, as 64 lower-case hex digits: the only form in
/// which the store ever sees an identity. Keep `key` out of the database (it is
/// a secret of the e-service's configuration); it cannot be changed without
/// re-hashing every user at their next sign-in.
pub fn subject_hash(key: &[u8], subject: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hex::encode(hmac::sign(&key, subject.as_bytes()).as_ref())
}

/// The SHA-256 of a random token, as 64 lower-case hex digits: the only form
/// in which the store sees a token. For an invitation, what
/// [`Store::create_invitation`] and [`Store::redeem_invitation`] take (the
/// token itself goes only into the invitation mail); likewise a session
/// cookie's token ([`Store::create_session`]), an OIDC `state`
/// ([`Store::create_oidc_login`]) and an API bearer token
/// ([`Store::create_api_token`]).
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// The actor id of user `id`, as the audit log, the timeline and the policy's
/// `Actor::id` name him: `"user:<id>"` (pseudonymous, never his identity).
pub fn user_actor(id: i64) -> String {
    format!("user:{id}")
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, bytes).as_ref())
}

// ---- rows ---------------------------------------------------------------

/// An e-service user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    /// The user's id; [`user_actor`] makes his actor id.
    pub id: i64,
    /// The HMAC-SHA256 of his identity ([`subject_hash`]), lower-case hex.
    #[serde(skip)]
    pub subject_hash: String,
    /// The name shown in the e-service.
    pub display_name: String,
    /// Where his mail goes.
    pub email: String,
    /// `"fi"`, `"sv"` or `"en"`.
    pub language: String,
    /// When the account was made.
    pub created_at: i64,
    /// When he last signed in.
    pub last_login_at: Option<i64>,
}

/// A user to create with [`Store::create_user`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// [`subject_hash`] of his identity: 64 hex digits.
    pub subject_hash: String,
    /// The name shown, one line.
    pub display_name: String,
    /// His email address.
    pub email: String,
    /// `"fi"`, `"sv"` or `"en"`.
    pub language: String,
}

/// A user's role in an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MembershipRow {
    /// The user.
    pub user_id: i64,
    /// The organisation's OID.
    pub org_oid: String,
    /// One of [`ORG_ROLES`].
    pub role: String,
    /// When it was granted.
    pub created_at: i64,
    /// Who granted it (an actor id).
    pub created_by: String,
}

/// A user's role for no organisation (one of [`GLOBAL_ROLES`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlobalRoleRow {
    /// The user.
    pub user_id: i64,
    /// `"ca-officer"` or `"auditor"`.
    pub role: String,
    /// When it was granted.
    pub created_at: i64,
    /// Who granted it (an actor id).
    pub created_by: String,
}

/// An invitation to create with [`Store::create_invitation`].
///
/// Its `Debug` leaves the token hash out.
#[derive(Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// [`token_hash`] of the token in the link: 64 hex digits.
    pub token_hash: String,
    /// Where the invitation is sent.
    pub email: String,
    /// The organisation the invitee will act for.
    pub org_oid: String,
    /// One of [`ORG_ROLES`].
    pub role: String,
    /// For a technical contact (and only for one), the application he is
    /// invited to; it must be the organisation's.
    pub application_id: Option<i64>,
    /// The first second at which the link no longer works.
    pub expires_at: i64,
}

impl fmt::Debug for NewInvitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewInvitation")
            .field("email", &self.email)
            .field("org_oid", &self.org_oid)
            .field("role", &self.role)
            .field("application_id", &self.application_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A stored invitation (without its token hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationRow {
    /// The invitation's id.
    pub id: i64,
    /// Where it was sent.
    pub email: String,
    /// The organisation.
    pub org_oid: String,
    /// One of [`ORG_ROLES`].
    pub role: String,
    /// The application a technical contact is invited to.
    pub application_id: Option<i64>,
    /// The first second at which it no longer works.
    pub expires_at: i64,
    /// When it was redeemed.
    pub used_at: Option<i64>,
    /// Who redeemed it.
    pub used_by: Option<i64>,
    /// Who made it (an actor id).
    pub created_by: String,
    /// When it was made.
    pub created_at: i64,
}

/// One line of an application's timeline to store (R-STAGES): the policy's
/// `TimelineEvent` in plain values. Its state is the application's new state.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTimelineEvent {
    /// When, in Unix seconds; also the application's `updated_at`.
    pub at: i64,
    /// Who: the policy's `Actor::id` (e.g. [`user_actor`], or a job's name).
    pub actor_id: String,
    /// In which role: the policy's `Role::as_str`.
    pub role: String,
    /// What: the policy's `ActionKind::as_str` (the store records a new
    /// application's first line as the caller names it, e.g. `"create"`).
    pub action: String,
    /// What else the applicant sees: the officer's message, the rejection
    /// reason, the serial number (a JSON object, `{}` when nothing).
    pub detail: Value,
}

/// A new application for [`Store::create_application`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication {
    /// The applying organisation (must be in the register).
    pub org_oid: String,
    /// The certificate type: the policy's profile id.
    pub profile: String,
    /// The first state, as the policy names it (`"draft"`).
    pub state: String,
    /// The policy's facts, serialised.
    pub facts: Value,
    /// Since when it is pending in the sense of R-LAPSE (the policy's
    /// `pending_since` of the new draft: its creation).
    pub pending_since: Option<i64>,
    /// The first line of its timeline; its actor is the creator.
    pub event: NewTimelineEvent,
}

/// What a change of an application stores: the outcome of the policy's
/// `transition`, in plain values. Every field is the value after the change
/// (`None` clears a time).
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationUpdate {
    /// The state after the change (`StateKind::as_str`).
    pub state: String,
    /// The facts after the change, serialised.
    pub facts: Value,
    /// When it was last made complete (the facts' `completed_at`).
    pub completed_at: Option<i64>,
    /// The delivery due date (the policy's `sla_due`): set while the
    /// application counts towards the delivery time, and only then.
    pub due_at: Option<i64>,
    /// Since when it is pending in the sense of R-LAPSE (the policy's
    /// `pending_since`): set while it can lapse, and only then.
    pub pending_since: Option<i64>,
    /// The timeline line of the change; its actor and time are the audit
    /// event's.
    pub event: NewTimelineEvent,
}

/// A stored application.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationRow {
    /// Its id.
    pub id: i64,
    /// The applying organisation.
    pub org_oid: String,
    /// The certificate type.
    pub profile: String,
    /// The current state, as the policy names it.
    pub state: String,
    /// The policy's facts, as the caller serialised them.
    pub facts: Value,
    /// Raised by every change; name it in the next change.
    pub version: i64,
    /// When it was created.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// Who created it (an actor id).
    pub created_by: String,
    /// When it was last made complete.
    pub completed_at: Option<i64>,
    /// The delivery due date, while it counts towards the delivery time.
    pub due_at: Option<i64>,
    /// Since when it is pending, while it can lapse.
    pub pending_since: Option<i64>,
}

/// One line of an application's timeline (R-STAGES).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// Its position (increasing).
    pub id: i64,
    /// The application.
    pub application_id: i64,
    /// The state after the action.
    pub state: String,
    /// When.
    pub at: i64,
    /// Who (an actor id).
    pub actor_id: String,
    /// In which role.
    pub role: String,
    /// What was done.
    pub action: String,
    /// The message, reason or serial number, as JSON.
    pub detail: Value,
}

/// A file to attach with [`Store::add_attachment`].
#[derive(Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// `"csr"` or `"conformity"`.
    pub kind: String,
    /// The name it was uploaded under (no path), one line.
    pub filename: String,
    /// Its MIME type as the caller determined it (e.g. `application/pdf`,
    /// `application/pkcs10`); the caller checks the contents.
    pub content_type: String,
    /// The contents, 1 to [`MAX_UPLOAD_BYTES`] bytes.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for NewAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAttachment")
            .field("kind", &self.kind)
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// A stored attachment, without its bytes ([`Store::attachment_bytes`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentMeta {
    /// Its id.
    pub id: i64,
    /// The application.
    pub application_id: i64,
    /// `"csr"` or `"conformity"`.
    pub kind: String,
    /// The uploaded file name.
    pub filename: String,
    /// Its MIME type.
    pub content_type: String,
    /// SHA-256 of the bytes, lower-case hex, computed by the store.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// Who uploaded it (an actor id).
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: i64,
}

/// An application in the CA officer's queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueEntry {
    /// The application.
    pub application: ApplicationRow,
    /// Its delivery due date (R-SLA).
    pub due_at: i64,
    /// Whether the due date has passed (`due_at < now`, the policy's
    /// `is_overdue`: a delivery at the due second itself is on time).
    pub overdue: bool,
}

// ---- the jobs -----------------------------------------------------------

/// A write of the e-service, run by the writer (see `jobs.rs`).
#[derive(Debug)]
pub(crate) struct EserviceJob {
    pub(crate) actor: String,
    pub(crate) at: i64,
    op: Op,
}

#[derive(Debug)]
enum Op {
    CreateUser(NewUser),
    RecordLogin {
        user_id: i64,
    },
    AddMembership {
        user_id: i64,
        org_oid: String,
        role: String,
    },
    GrantGlobalRole {
        user_id: i64,
        role: String,
    },
    CreateInvitation(NewInvitation),
    RedeemInvitation {
        token_hash: String,
        user_id: i64,
    },
    CreateApplication(Box<NewApplication>),
    RecordTransition {
        id: i64,
        expected_version: i64,
        update: Box<ApplicationUpdate>,
    },
    AddAttachment {
        id: i64,
        expected_version: i64,
        attachment: NewAttachment,
        sha256: String,
        update: Box<ApplicationUpdate>,
    },
}

/// What an e-service job answers.
#[derive(Debug)]
pub(crate) enum EserviceOutput {
    Unit,
    User(UserRow),
    Membership(MembershipRow),
    Invitation(InvitationRow),
    Application(ApplicationRow),
    Attachment(AttachmentMeta, ApplicationRow),
}

/// Runs an e-service job in the writer's transaction.
pub(crate) async fn run(cx: &mut Ctx<'_>, job: &EserviceJob) -> Result<EserviceOutput> {
    match &job.op {
        Op::CreateUser(user) => create_user(cx, user).await.map(EserviceOutput::User),
        Op::RecordLogin { user_id } => record_login(cx, *user_id)
            .await
            .map(|()| EserviceOutput::Unit),
        Op::AddMembership {
            user_id,
            org_oid,
            role,
        } => add_membership(cx, &job.actor, *user_id, org_oid, role)
            .await
            .map(EserviceOutput::Membership),
        Op::GrantGlobalRole { user_id, role } => grant_global_role(cx, &job.actor, *user_id, role)
            .await
            .map(|()| EserviceOutput::Unit),
        Op::CreateInvitation(inv) => create_invitation(cx, &job.actor, inv)
            .await
            .map(EserviceOutput::Invitation),
        Op::RedeemInvitation {
            token_hash,
            user_id,
        } => redeem_invitation(cx, token_hash, *user_id)
            .await
            .map(EserviceOutput::Invitation),
        Op::CreateApplication(app) => create_application(cx, app)
            .await
            .map(EserviceOutput::Application),
        Op::RecordTransition {
            id,
            expected_version,
            update,
        } => record_transition(cx, *id, *expected_version, update, None)
            .await
            .map(EserviceOutput::Application),
        Op::AddAttachment {
            id,
            expected_version,
            attachment,
            sha256,
            update,
        } => {
            let meta = insert_attachment(cx, &job.actor, *id, attachment, sha256).await?;
            let mut update = update.as_ref().clone();
            if let Value::Object(detail) = &mut update.event.detail {
                detail.insert(
                    "attachment".to_owned(),
                    json!({
                        "id": meta.id,
                        "kind": meta.kind,
                        "filename": meta.filename,
                        "sha256": meta.sha256,
                        "size": meta.size,
                    }),
                );
            }
            let app = record_transition(cx, *id, *expected_version, &update, Some(&meta)).await?;
            Ok(EserviceOutput::Attachment(meta, app))
        }
    }
}

const USER_COLUMNS: &str =
    "id, subject_hash, display_name, email, language, created_at, last_login_at";
const MEMBERSHIP_COLUMNS: &str = "user_id, org_oid, role, created_at, created_by";
const INVITATION_COLUMNS: &str = "id, email, org_oid, role, application_id, expires_at, \
     used_at, used_by, created_by, created_at";
const APPLICATION_COLUMNS: &str = "id, org_oid, profile, state, facts, version, created_at, \
     updated_at, created_by, completed_at, due_at, pending_since";
const EVENT_COLUMNS: &str = "id, application_id, state, at, actor_id, role, action, detail";
const ATTACHMENT_COLUMNS: &str = "id, application_id, kind, filename, content_type, sha256, \
     size, uploaded_by, uploaded_at";

fn user_from_row(row: &AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        id: row.try_get("id")?,
        subject_hash: row.try_get("subject_hash")?,
        display_name: row.try_get("display_name")?,
        email: row.try_get("email")?,
        language: row.try_get("language")?,
        created_at: row.try_get("created_at")?,
        last_login_at: row.try_get("last_login_at")?,
    })
}

fn membership_from_row(row: &AnyRow) -> Result<MembershipRow> {
    Ok(MembershipRow {
        user_id: row.try_get("user_id")?,
        org_oid: row.try_get("org_oid")?,
        role: row.try_get("role")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
    })
}

fn invitation_from_row(row: &AnyRow) -> Result<InvitationRow> {
    Ok(InvitationRow {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        org_oid: row.try_get("org_oid")?,
        role: row.try_get("role")?,
        application_id: row.try_get("application_id")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        used_by: row.try_get("used_by")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn json_column(row: &AnyRow, column: &str, what: &str, id: i64) -> Result<Value> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::CorruptData {
        what: format!("{column} of {what} {id} is not JSON: {e}"),
    })
}

fn application_from_row(row: &AnyRow) -> Result<ApplicationRow> {
    let id: i64 = row.try_get("id")?;
    Ok(ApplicationRow {
        id,
        org_oid: row.try_get("org_oid")?,
        profile: row.try_get("profile")?,
        state: row.try_get("state")?,
        facts: json_column(row, "facts", "application", id)?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        created_by: row.try_get("created_by")?,
        completed_at: row.try_get("completed_at")?,
        due_at: row.try_get("due_at")?,
        pending_since: row.try_get("pending_since")?,
    })
}

fn event_from_row(row: &AnyRow) -> Result<TimelineEntry> {
    let id: i64 = row.try_get("id")?;
    Ok(TimelineEntry {
        id,
        application_id: row.try_get("application_id")?,
        state: row.try_get("state")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        role: row.try_get("role")?,
        action: row.try_get("action")?,
        detail: json_column(row, "detail", "timeline event", id)?,
    })
}

fn attachment_from_row(row: &AnyRow) -> Result<AttachmentMeta> {
    Ok(AttachmentMeta {
        id: row.try_get("id")?,
        application_id: row.try_get("application_id")?,
        kind: row.try_get("kind")?,
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        sha256: row.try_get("sha256")?,
        size: row.try_get("size")?,
        uploaded_by: row.try_get("uploaded_by")?,
        uploaded_at: row.try_get("uploaded_at")?,
    })
}

/// Maps a foreign-key violation to `NotFound` for `what`/`key`.
pub(crate) fn fk(
    what: &'static str,
    key: impl fmt::Display,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| {
        if is_foreign_key_violation(&e) {
            StoreError::NotFound {
                what,
                key: key.to_string(),
            }
        } else {
            e.into()
        }
    }
}

async fn create_user(cx: &mut Ctx<'_>, user: &NewUser) -> Result<UserRow> {
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE subject_hash = $1")
        .bind(&user.subject_hash)
        .fetch_optional(&mut *cx.conn)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict {
            what: "a user with this identity already exists: sign in instead".to_owned(),
        });
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO users (subject_hash, display_name, email, language, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {USER_COLUMNS}"
    )))
    .bind(&user.subject_hash)
    .bind(&user.display_name)
    .bind(&user.email)
    .bind(&user.language)
    .bind(cx.at)
    .fetch_one(&mut *cx.conn)
    .await?;
    let row = user_from_row(&row)?;
    cx.audit(
        "user.create",
        None,
        None,
        None,
        &json!({ "user_id": row.id, "language": row.language }),
    );
    Ok(row)
}

async fn record_login(cx: &mut Ctx<'_>, user_id: i64) -> Result<()> {
    let done = sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(cx.at)
        .execute(&mut *cx.conn)
        .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::NotFound {
            what: "user",
            key: user_id.to_string(),
        });
    }
    cx.audit(
        "user.login",
        None,
        None,
        None,
        &json!({ "user_id": user_id }),
    );
    Ok(())
}

async fn user_exists(cx: &mut Ctx<'_>, user_id: i64) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *cx.conn)
        .await?;
    found.map(|_| ()).ok_or_else(|| StoreError::NotFound {
        what: "user",
        key: user_id.to_string(),
    })
}

async fn organisation_exists(cx: &mut Ctx<'_>, oid: &str) -> Result<()> {
    let found: Option<String> = sqlx::query_scalar("SELECT oid FROM organisations WHERE oid = $1")
        .bind(oid)
        .fetch_optional(&mut *cx.conn)
        .await?;
    found.map(|_| ()).ok_or_else(|| StoreError::NotFound {
        what: "organisation",
        key: oid.to_owned(),
    })
}

/// Inserts a membership unless the user already holds it; answers the row.
async fn insert_membership(
    cx: &mut Ctx<'_>,
    granted_by: &str,
    user_id: i64,
    org_oid: &str,
    role: &str,
) -> Result<(MembershipRow, bool)> {
    user_exists(cx, user_id).await?;
    organisation_exists(cx, org_oid).await?;
    let inserted = sqlx::query(
        "INSERT INTO memberships (user_id, org_oid, role, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, org_oid, role) DO NOTHING",
    )
    .bind(user_id)
    .bind(org_oid)
    .bind(role)
    .bind(cx.at)
    .bind(granted_by)
    .execute(&mut *cx.conn)
    .await?
    .rows_affected()
        == 1;
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM memberships \
         WHERE user_id = $1 AND org_oid = $2 AND role = $3"
    )))
    .bind(user_id)
    .bind(org_oid)
    .bind(role)
    .fetch_one(&mut *cx.conn)
    .await?;
    Ok((membership_from_row(&row)?, inserted))
}

async fn add_membership(
    cx: &mut Ctx<'_>,
    actor: &str,
    user_id: i64,
    org_oid: &str,
    role: &str,
) -> Result<MembershipRow> {
    let (row, inserted) = insert_membership(cx, actor, user_id, org_oid, role).await?;
    if inserted {
        cx.audit(
            "membership.add",
            None,
            None,
            Some(org_oid),
            &json!({ "user_id": user_id, "role": role }),
        );
    }
    Ok(row)
}

async fn grant_global_role(cx: &mut Ctx<'_>, actor: &str, user_id: i64, role: &str) -> Result<()> {
    user_exists(cx, user_id).await?;
    let done = sqlx::query(
        "INSERT INTO global_roles (user_id, role, created_at, created_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, role) DO NOTHING",
    )
    .bind(user_id)
    .bind(role)
    .bind(cx.at)
    .bind(actor)
    .execute(&mut *cx.conn)
    .await?;
    if done.rows_affected() == 1 {
        cx.audit(
            "global_role.grant",
            None,
            None,
            None,
            &json!({ "user_id": user_id, "role": role }),
        );
    }
    Ok(())
}

async fn create_invitation(
    cx: &mut Ctx<'_>,
    actor: &str,
    inv: &NewInvitation,
) -> Result<InvitationRow> {
    organisation_exists(cx, &inv.org_oid).await?;
    if let Some(app_id) = inv.application_id {
        let org: Option<String> =
            sqlx::query_scalar("SELECT org_oid FROM applications WHERE id = $1")
                .bind(app_id)
                .fetch_optional(&mut *cx.conn)
                .await?;
        match org {
            None => {
                return Err(StoreError::NotFound {
                    what: "application",
                    key: app_id.to_string(),
                });
            }
            Some(org) if org != inv.org_oid => {
                return Err(StoreError::InvalidInput {
                    field: "application_id",
                    reason: format!(
                        "application {app_id} is not organisation {}'s: invite a technical \
                         contact only to the organisation's own applications",
                        inv.org_oid
                    ),
                });
            }
            Some(_) => {}
        }
    }
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM invitations WHERE token_hash = $1")
        .bind(&inv.token_hash)
        .fetch_optional(&mut *cx.conn)
        .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict {
            what: "an invitation with this token exists already: make a new random token"
                .to_owned(),
        });
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO invitations (token_hash, email, org_oid, role, application_id, \
         expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING {INVITATION_COLUMNS}"
    )))
    .bind(&inv.token_hash)
    .bind(&inv.email)
    .bind(&inv.org_oid)
    .bind(&inv.role)
    .bind(inv.application_id)
    .bind(inv.expires_at)
    .bind(actor)
    .bind(cx.at)
    .fetch_one(&mut *cx.conn)
    .await?;
    let row = invitation_from_row(&row)?;
    cx.audit(
        "invitation.create",
        None,
        None,
        Some(&row.org_oid),
        &json!({
            "invitation_id": row.id,
            "email": row.email,
            "role": row.role,
            "application_id": row.application_id,
            "expires_at": row.expires_at,
        }),
    );
    Ok(row)
}

async fn redeem_invitation(
    cx: &mut Ctx<'_>,
    token_hash: &str,
    user_id: i64,
) -> Result<InvitationRow> {
    user_exists(cx, user_id).await?;
    // One conditional UPDATE: of two concurrent redemptions (here, or in another
    // process on the same PostgreSQL) exactly one changes the row.
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE invitations SET used_at = $2, used_by = $3 \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
         RETURNING {INVITATION_COLUMNS}"
    )))
    .bind(token_hash)
    .bind(cx.at)
    .bind(user_id)
    .fetch_optional(&mut *cx.conn)
    .await?;
    let Some(row) = row else {
        let found =
            sqlx::query("SELECT used_at, expires_at FROM invitations WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&mut *cx.conn)
                .await?;
        return Err(match found {
            None => StoreError::NotFound {
                what: "invitation",
                key: "for this link".to_owned(),
            },
            Some(found) => match found.try_get::<Option<i64>, _>("used_at")? {
                Some(used_at) => StoreError::Conflict {
                    what: format!(
                        "this invitation was already used (at {}); an invitation link works \
                         once: ask for a new invitation",
                        format_unix(used_at)
                    ),
                },
                None => StoreError::Conflict {
                    what: format!(
                        "this invitation expired at {}; ask for a new invitation",
                        format_unix(found.try_get("expires_at")?)
                    ),
                },
            },
        });
    };
    let inv = invitation_from_row(&row)?;
    insert_membership(cx, &inv.created_by, user_id, &inv.org_oid, &inv.role).await?;
    cx.audit(
        "invitation.redeem",
        None,
        None,
        Some(&inv.org_oid),
        &json!({
            "invitation_id": inv.id,
            "user_id": user_id,
            "role": inv.role,
            "application_id": inv.application_id,
        }),
    );
    Ok(inv)
}

async fn insert_event(
    cx: &mut Ctx<'_>,
    application_id: i64,
    state: &str,
    event: &NewTimelineEvent,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO application_events (application_id, state, at, actor_id, role, action, \
         detail) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(application_id)
    .bind(state)
    .bind(event.at)
    .bind(&event.actor_id)
    .bind(&event.role)
    .bind(&event.action)
    .bind(event.detail.to_string())
    .fetch_one(&mut *cx.conn)
    .await?;
    Ok(id)
}

async fn create_application(cx: &mut Ctx<'_>, app: &NewApplication) -> Result<ApplicationRow> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO applications (org_oid, profile, state, facts, version, created_at, \
         updated_at, created_by, pending_since) VALUES ($1, $2, $3, $4, 1, $5, $5, $6, $7) \
         RETURNING {APPLICATION_COLUMNS}"
    )))
    .bind(&app.org_oid)
    .bind(&app.profile)
    .bind(&app.state)
    .bind(app.facts.to_string())
    .bind(app.event.at)
    .bind(&app.event.actor_id)
    .bind(app.pending_since)
    .fetch_one(&mut *cx.conn)
    .await
    .map_err(fk("organisation", &app.org_oid))?;
    let row = application_from_row(&row)?;
    insert_event(cx, row.id, &row.state, &app.event).await?;
    cx.audit(
        "application.create",
        None,
        None,
        Some(&row.org_oid),
        &json!({
            "application_id": row.id,
            "profile": row.profile,
            "state": row.state,
            "role": app.event.role,
        }),
    );
    Ok(row)
}

async fn record_transition(
    cx: &mut Ctx<'_>,
    id: i64,
    expected_version: i64,
    update: &ApplicationUpdate,
    attachment: Option<&AttachmentMeta>,
) -> Result<ApplicationRow> {
    let before = sqlx::query("SELECT state, version FROM applications WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *cx.conn)
        .await?;
    let Some(before) = before else {
        return Err(StoreError::NotFound {
            what: "application",
            key: id.to_string(),
        });
    };
    let from_state: String = before.try_get("state")?;
    let stored_version: i64 = before.try_get("version")?;
    let stale = || StoreError::Conflict {
        what: format!(
            "application {id} was changed meanwhile (it is at version {stored_version}, \
             the change was made from version {expected_version}): nothing was saved; \
             reload the application and try again"
        ),
    };
    if stored_version != expected_version {
        return Err(stale());
    }
    // The version check again in the UPDATE itself, so that the rule holds even
    // for writers outside this store's one writer.
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE applications SET state = $3, facts = $4, version = version + 1, \
         updated_at = $5, completed_at = $6, due_at = $7, pending_since = $8 \
         WHERE id = $1 AND version = $2 RETURNING {APPLICATION_COLUMNS}"
    )))
    .bind(id)
    .bind(expected_version)
    .bind(&update.state)
    .bind(update.facts.to_string())
    .bind(update.event.at)
    .bind(update.completed_at)
    .bind(update.due_at)
    .bind(update.pending_since)
    .fetch_optional(&mut *cx.conn)
    .await?;
    let Some(row) = row else {
        return Err(stale());
    };
    let row = application_from_row(&row)?;
    let event_id = insert_event(cx, id, &row.state, &update.event).await?;
    let mut details = json!({
        "application_id": id,
        "event_id": event_id,
        "action": update.event.action,
        "role": update.event.role,
        "from_state": from_state,
        "state": row.state,
        "version": row.version,
        "due_at": row.due_at,
    });
    let action = match attachment {
        Some(meta) => {
            details["attachment"] = json!({
                "id": meta.id,
                "kind": meta.kind,
                "filename": meta.filename,
                "content_type": meta.content_type,
                "sha256": meta.sha256,
                "size": meta.size,
            });
            "application.attach"
        }
        None => "application.transition",
    };
    cx.audit(action, None, None, Some(&row.org_oid), &details);
    Ok(row)
}

async fn insert_attachment(
    cx: &mut Ctx<'_>,
    actor: &str,
    id: i64,
    attachment: &NewAttachment,
    sha256: &str,
) -> Result<AttachmentMeta> {
    let size = i64::try_from(attachment.bytes.len()).map_err(|_| StoreError::InvalidInput {
        field: "attachment",
        reason: "too large".to_owned(),
    })?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO application_attachments (application_id, kind, filename, content_type, \
         sha256, bytes, size, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {ATTACHMENT_COLUMNS}"
    )))
    .bind(id)
    .bind(&attachment.kind)
    .bind(&attachment.filename)
    .bind(&attachment.content_type)
    .bind(sha256)
    .bind(attachment.bytes.as_slice())
    .bind(size)
    .bind(actor)
    .bind(cx.at)
    .fetch_one(&mut *cx.conn)
    .await
    .map_err(fk("application", id))?;
    attachment_from_row(&row)
}

// ---- checks -------------------------------------------------------------

/// A stable name of the policy's (a state, role, action or profile): 1 to 64
/// lower-case ASCII letters, digits and hyphens.
fn policy_name(field: &'static str, name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{name:?} is not a name like \"in-review\" (lower-case letters, digits, -)"),
        ))
    }
}

fn one_of(field: &'static str, value: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("{value:?} is not one of {}", allowed.join(", ")),
        ))
    }
}

/// 64 hex digits, lower-cased.
pub(crate) fn hash_hex(field: &'static str, hash: &str) -> Result<String> {
    let hash = hash.to_ascii_lowercase();
    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hash)
    } else {
        Err(invalid(field, "is not 64 hex digits (a SHA-256)"))
    }
}

fn check_event(event: &NewTimelineEvent) -> Result<()> {
    check_actor(&event.actor_id)?;
    one_line("actor_id", &event.actor_id, 200)?;
    policy_name("role", &event.role)?;
    policy_name("action", &event.action)?;
    if !event.detail.is_object() {
        return Err(invalid("detail", "is not a JSON object"));
    }
    Ok(())
}

fn check_update(update: &ApplicationUpdate) -> Result<()> {
    policy_name("state", &update.state)?;
    check_event(&update.event)
}

fn check_attachment(attachment: &NewAttachment) -> Result<()> {
    one_of("attachment kind", &attachment.kind, &ATTACHMENT_KINDS)?;
    attachment_filename(&attachment.filename)?;
    let ct = &attachment.content_type;
    if ct.len() > 127 {
        return Err(invalid(
            "attachment content_type",
            format!("{ct:?} is not a MIME type like application/pdf"),
        ));
    }
    mime_type(ct, "application/pdf")?;
    if attachment.bytes.is_empty() {
        return Err(invalid("attachment", "the file is empty"));
    }
    if attachment.bytes.len() > MAX_UPLOAD_BYTES {
        return Err(invalid(
            "attachment",
            format!(
                "the file is {} bytes; at most {MAX_UPLOAD_BYTES} bytes ({} MiB) are accepted",
                attachment.bytes.len(),
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(())
}

// ---- the API ------------------------------------------------------------

impl Store {
    async fn submit_eservice(&self, actor: &str, at: i64, op: Op) -> Result<EserviceOutput> {
        let job = EserviceJob {
            actor: check_actor(actor)?,
            at,
            op,
        };
        match self.submit(Job::Eservice(Box::new(job))).await? {
            Output::Eservice(out) => Ok(*out),
            other => unreachable!("e-service job answered {other:?}"),
        }
    }

    /// Creates a user (R-ACCOUNT), with a `user.create` audit event. The store
    /// receives only [`subject_hash`] of his identity. Fails with
    /// [`StoreError::Conflict`] if a user with the same hash exists.
    pub async fn create_user(&self, user: &NewUser, actor: &str, at: i64) -> Result<UserRow> {
        let user = NewUser {
            subject_hash: hash_hex("subject_hash", &user.subject_hash)?,
            ..user.clone()
        };
        one_line("display_name", &user.display_name, 200)?;
        email("email", &user.email)?;
        one_of("language", &user.language, &LANGUAGES)?;
        match self
            .submit_eservice(actor, at, Op::CreateUser(user))
            .await?
        {
            EserviceOutput::User(row) => Ok(row),
            other => unreachable!("create_user answered {other:?}"),
        }
    }

    /// Records a sign-in (`last_login_at`, and a `user.login` audit event).
    pub async fn record_login(&self, user_id: i64, at: i64) -> Result<()> {
        self.submit_eservice(&user_actor(user_id), at, Op::RecordLogin { user_id })
            .await
            .map(|_| ())
    }

    /// The user with this id.
    pub async fn user(&self, id: i64) -> Result<Option<UserRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every user, by id.
    pub async fn users(&self) -> Result<Vec<UserRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY id"
        )))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The user whose identity has this [`subject_hash`] (at sign-in).
    pub async fn user_by_subject_hash(&self, subject_hash: &str) -> Result<Option<UserRow>> {
        let hash = hash_hex("subject_hash", subject_hash)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE subject_hash = $1"
        )))
        .bind(hash)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Gives a user a role in an organisation (one of [`ORG_ROLES`]), with a
    /// `membership.add` audit event. Holding it already changes nothing. Fails
    /// with [`StoreError::NotFound`] for an unknown user or organisation.
    pub async fn add_membership(
        &self,
        user_id: i64,
        org_oid: &str,
        role: &str,
        actor: &str,
        at: i64,
    ) -> Result<MembershipRow> {
        one_of("role", role, &ORG_ROLES)?;
        let op = Op::AddMembership {
            user_id,
            org_oid: org_oid.to_owned(),
            role: role.to_owned(),
        };
        match self.submit_eservice(actor, at, op).await? {
            EserviceOutput::Membership(row) => Ok(row),
            other => unreachable!("add_membership answered {other:?}"),
        }
    }

    /// A user's roles in organisations, by organisation and role.
    pub async fn memberships_of_user(&self, user_id: i64) -> Result<Vec<MembershipRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM memberships WHERE user_id = $1 \
             ORDER BY org_oid, role"
        )))
        .bind(user_id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(membership_from_row).collect()
    }

    /// The members of an organisation, by user and role.
    pub async fn members_of_org(&self, org_oid: &str) -> Result<Vec<MembershipRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM memberships WHERE org_oid = $1 \
             ORDER BY user_id, role"
        )))
        .bind(org_oid)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(membership_from_row).collect()
    }

    /// Gives a user a role for no organisation (one of [`GLOBAL_ROLES`]), with
    /// a `global_role.grant` audit event. Holding it already changes nothing.
    pub async fn grant_global_role(
        &self,
        user_id: i64,
        role: &str,
        actor: &str,
        at: i64,
    ) -> Result<()> {
        one_of("role", role, &GLOBAL_ROLES)?;
        let op = Op::GrantGlobalRole {
            user_id,
            role: role.to_owned(),
        };
        self.submit_eservice(actor, at, op).await.map(|_| ())
    }

    /// A user's global roles.
    pub async fn global_roles(&self, user_id: i64) -> Result<Vec<GlobalRoleRow>> {
        let rows = sqlx::query(
            "SELECT user_id, role, created_at, created_by FROM global_roles \
             WHERE user_id = $1 ORDER BY role",
        )
        .bind(user_id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(GlobalRoleRow {
                    user_id: row.try_get("user_id")?,
                    role: row.try_get("role")?,
                    created_at: row.try_get("created_at")?,
                    created_by: row.try_get("created_by")?,
                })
            })
            .collect()
    }

    /// Stores an invitation (R-ACCOUNT) with an `invitation.create` audit event
    /// (without the token or its hash). A technical contact is invited to one
    /// application of the organisation, and only he. Fails with
    /// [`StoreError::NotFound`] for an unknown organisation or application.
    pub async fn create_invitation(
        &self,
        invitation: &NewInvitation,
        actor: &str,
        at: i64,
    ) -> Result<InvitationRow> {
        let invitation = NewInvitation {
            token_hash: hash_hex("token_hash", &invitation.token_hash)?,
            ..invitation.clone()
        };
        email("email", &invitation.email)?;
        one_of("role", &invitation.role, &ORG_ROLES)?;
        match (invitation.role.as_str(), invitation.application_id) {
            ("technical-contact", None) => {
                return Err(invalid(
                    "application_id",
                    "a technical contact is invited to one application: name it",
                ));
            }
            (role, Some(_)) if role != "technical-contact" => {
                return Err(invalid(
                    "application_id",
                    "only a technical contact is invited to an application; other roles \
                     are invited to the organisation",
                ));
            }
            _ => {}
        }
        if invitation.expires_at <= at {
            return Err(invalid("expires_at", "is not in the future"));
        }
        match self
            .submit_eservice(actor, at, Op::CreateInvitation(invitation))
            .await?
        {
            EserviceOutput::Invitation(row) => Ok(row),
            other => unreachable!("create_invitation answered {other:?}"),
        }
    }

    /// Redeems the invitation whose token has this [`token_hash`] for user
    /// `user_id` at `now`: marks it used and gives the user the invited role in
    /// the organisation, in one transaction, with an `invitation.redeem` audit
    /// event. Single use: of two concurrent redemptions exactly one succeeds.
    ///
    /// Fails with [`StoreError::NotFound`] for an unknown token (or user), and
    /// [`StoreError::Conflict`] for a used or expired invitation (valid while
    /// `now < expires_at`). For a technical contact, the answer names the
    /// application: the caller adds him to it through the policy (`Edit`).
    pub async fn redeem_invitation(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
    ) -> Result<InvitationRow> {
        let op = Op::RedeemInvitation {
            token_hash: hash_hex("token_hash", token_hash)?,
            user_id,
        };
        match self.submit_eservice(&user_actor(user_id), now, op).await? {
            EserviceOutput::Invitation(row) => Ok(row),
            other => unreachable!("redeem_invitation answered {other:?}"),
        }
    }

    /// The invitation whose token has this [`token_hash`], used or not (to
    /// check it before redeeming it).
    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<InvitationRow>> {
        let hash = hash_hex("token_hash", token_hash)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1"
        )))
        .bind(hash)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    /// The invitation with this id.
    pub async fn invitation(&self, id: i64) -> Result<Option<InvitationRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    /// An organisation's invitations, oldest first.
    pub async fn invitations_of_org(&self, org_oid: &str) -> Result<Vec<InvitationRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE org_oid = $1 ORDER BY id"
        )))
        .bind(org_oid)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(invitation_from_row).collect()
    }

    /// Stores a new application at version 1 with the first line of its
    /// timeline, and an `application.create` audit event; its creator and time
    /// are the event's. Fails with [`StoreError::NotFound`] for an organisation
    /// that is not in the register.
    pub async fn create_application(&self, app: &NewApplication) -> Result<ApplicationRow> {
        policy_name("profile", &app.profile)?;
        policy_name("state", &app.state)?;
        check_event(&app.event)?;
        let (actor, at) = (app.event.actor_id.clone(), app.event.at);
        let op = Op::CreateApplication(Box::new(app.clone()));
        match self.submit_eservice(&actor, at, op).await? {
            EserviceOutput::Application(row) => Ok(row),
            other => unreachable!("create_application answered {other:?}"),
        }
    }

    /// Stores the outcome of the policy's `transition` on application `id`:
    /// state, facts, times and timeline event, and raises the version, in one
    /// transaction with an `application.transition` audit event. The change must
    /// have been made from `expected_version`; if the application changed since
    /// (a form sent twice, an edit racing a submission) it fails with
    /// [`StoreError::Conflict`] and nothing is stored. Answers the application
    /// as stored.
    pub async fn record_transition(
        &self,
        id: i64,
        expected_version: i64,
        update: &ApplicationUpdate,
    ) -> Result<ApplicationRow> {
        check_update(update)?;
        let (actor, at) = (update.event.actor_id.clone(), update.event.at);
        let op = Op::RecordTransition {
            id,
            expected_version,
            update: Box::new(update.clone()),
        };
        match self.submit_eservice(&actor, at, op).await? {
            EserviceOutput::Application(row) => Ok(row),
            other => unreachable!("record_transition answered {other:?}"),
        }
    }

    /// Attaches a file to application `id` together with the policy's
    /// transition for it (`AttachCsr` or `AttachConformity`), as
    /// [`Store::record_transition`] does, in one transaction: the file, its
    /// SHA-256 (computed here), the new state and facts, the timeline event
    /// (whose detail gains an `attachment` object with the id, kind, name, hash
    /// and size) and an `application.attach` audit event. A file of more than
    /// [`MAX_UPLOAD_BYTES`] is refused with [`StoreError::InvalidInput`]; a
    /// stale `expected_version` with [`StoreError::Conflict`].
    pub async fn add_attachment(
        &self,
        id: i64,
        expected_version: i64,
        attachment: &NewAttachment,
        update: &ApplicationUpdate,
    ) -> Result<(AttachmentMeta, ApplicationRow)> {
        check_attachment(attachment)?;
        check_update(update)?;
        let (actor, at) = (update.event.actor_id.clone(), update.event.at);
        let op = Op::AddAttachment {
            id,
            expected_version,
            sha256: sha256_hex(&attachment.bytes),
            attachment: attachment.clone(),
            update: Box::new(update.clone()),
        };
        match self.submit_eservice(&actor, at, op).await? {
            EserviceOutput::Attachment(meta, row) => Ok((meta, row)),
            other => unreachable!("add_attachment answered {other:?}"),
        }
    }

    /// The application with this id.
    pub async fn application(&self, id: i64) -> Result<Option<ApplicationRow>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(application_from_row).transpose()
    }

    /// An organisation's applications, newest first.
    pub async fn applications_of_org(&self, org_oid: &str) -> Result<Vec<ApplicationRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE org_oid = $1 ORDER BY id DESC"
        )))
        .bind(org_oid)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(application_from_row).collect()
    }

    /// An application's timeline (R-STAGES), in order.
    pub async fn application_timeline(&self, id: i64) -> Result<Vec<TimelineEntry>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM application_events WHERE application_id = $1 ORDER BY id"
        )))
        .bind(id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// An application's attachments (without their bytes), in upload order.
    pub async fn attachments(&self, id: i64) -> Result<Vec<AttachmentMeta>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM application_attachments \
             WHERE application_id = $1 ORDER BY id"
        )))
        .bind(id)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(attachment_from_row).collect()
    }

    /// The bytes of attachment `attachment_id` of application `id` (`None` if
    /// the application has no such attachment: an id of another application's
    /// attachment reads nothing).
    pub async fn attachment_bytes(&self, id: i64, attachment_id: i64) -> Result<Option<Vec<u8>>> {
        let bytes: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT bytes FROM application_attachments WHERE application_id = $1 AND id = $2",
        )
        .bind(id)
        .bind(attachment_id)
        .fetch_optional(&self.inner.pool)
        .await?;
        Ok(bytes)
    }

    /// The CA officer's queue (R-SLA): every application with a delivery due
    /// date — the policy sets one exactly while an application is complete and
    /// with the CA (`StateKind::in_sla`) — earliest due first, each flagged
    /// `overdue` when `due_at < now`.
    pub async fn officer_queue(&self, now: i64) -> Result<Vec<QueueEntry>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE due_at IS NOT NULL \
             ORDER BY due_at, id"
        )))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let application = application_from_row(row)?;
                let due_at = application.due_at.unwrap_or_default();
                Ok(QueueEntry {
                    application,
                    due_at,
                    overdue: due_at < now,
                })
            })
            .collect()
    }

    /// Every application in `state` (the policy's `StateKind::as_str`), oldest
    /// first: e.g. the issued applications the delivery job looks at.
    pub async fn applications_in_state(&self, state: &str) -> Result<Vec<ApplicationRow>> {
        policy_name("state", state)?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE state = $1 ORDER BY id"
        )))
        .bind(state)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(application_from_row).collect()
    }

    /// The valid signed certificates that expire after `from` and at or before
    /// `until`, soonest first: those the e-service warns about.
    pub async fn certificates_expiring(
        &self,
        from: i64,
        until: i64,
    ) -> Result<Vec<crate::CertificateRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            crate::read::certificate_columns!(),
            " FROM certificates WHERE status = 'valid' AND der IS NOT NULL \
             AND not_after > $1 AND not_after <= $2 ORDER BY not_after, serial"
        ))
        .bind(from)
        .bind(until)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(crate::read::certificate_from_row).collect()
    }

    /// The applications the lapse job (R-LAPSE) should look at: every one
    /// pending — as the policy recorded it in `pending_since`, set exactly
    /// while it can lapse — since `cutoff` or before, longest pending first.
    /// The policy decides which of them lapse (`lapse_due`, in calendar months,
    /// Helsinki time): pass a cutoff that errs on the late side, for example
    /// `now` minus 180 days (six calendar months are never shorter than 181
    /// days less the hour a change to summer time takes).
    pub async fn lapse_candidates(&self, cutoff: i64) -> Result<Vec<ApplicationRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications \
             WHERE pending_since IS NOT NULL AND pending_since <= $1 ORDER BY pending_since, id"
        )))
        .bind(cutoff)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(application_from_row).collect()
    }
}

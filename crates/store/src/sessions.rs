//! The e-service's sign-in sessions, pending OIDC logins and API tokens
//! (migration 0006; issue 4: R-ACCOUNT).
//!
//! # What it keeps, and what it never keeps
//!
//! - **Sessions** ([`SessionRow`]): server-side. The cookie holds a random
//!   token; the store holds only its SHA-256 ([`token_hash`](crate::token_hash)), computed by the
//!   web layer. A session has an absolute expiry and an idle expiry, which use
//!   slides forward ([`Store::touch_session`]) but never past the absolute one;
//!   it is valid while `now` is before both. It names the organisation the user
//!   currently acts for (R-ACCOUNT: he may act for several), which the web
//!   layer sets after checking his membership: the store does not decide who
//!   may act for whom.
//! - **Pending OIDC logins** ([`OidcLoginRow`]): the nonce, PKCE verifier and
//!   return path of an authorization request in flight, keyed by the SHA-256 of
//!   its `state`. Single use: [`Store::take_oidc_login`] deletes and returns it
//!   in one statement, so of two callbacks with the same state at most one gets
//!   it (in one process, or in several on one PostgreSQL).
//! - **API tokens** ([`ApiTokenRow`]) of an organisation's systems, for the
//!   REST API's `Authorization: Bearer`: only the SHA-256 of the token, a name,
//!   an expiry, and whether and by whom it was revoked.
//!
//! No row type holds a hash, and the types that carry a hash or a secret to the
//! store ([`NewSession`], [`NewOidcLogin`], [`NewApiToken`]) and out of it
//! ([`OidcLoginRow`]) leave them out of their `Debug`. Audit events never hold
//! a token, a hash of one, a nonce or a verifier.
//!
//! # Writes
//!
//! Sessions and pending logins churn (every sign-in, every request), so their
//! writes run on a pooled connection, each in a short transaction of its own
//! (`BEGIN IMMEDIATE` on SQLite), as the mail outbox does (`outbox.rs`), not
//! through the group-commit writer. [`Store::create_session`] appends a
//! `session.start` audit event and [`Store::delete_session`] a `session.end`,
//! each in its write's transaction. Sliding the idle expiry, choosing the
//! organisation, and purging expired rows are not audited.
//!
//! API tokens grant access, so creating and revoking one goes through the
//! writer (`writer.rs`), all-or-nothing with its `api-token.create` or
//! `api-token.revoke` audit event (with the organisation; never the hash).
//! Recording a token's use is one cheap `UPDATE`, not audited.

use std::fmt;

use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Row};

use crate::check::{invalid, one_line};
use crate::error::{Result, StoreError, format_unix, is_foreign_key_violation};
use crate::eservice::{fk, hash_hex, user_actor};
use crate::jobs::{AuditRow, Ctx, Job, Output};
use crate::outbox::commit;
use crate::{Store, check_actor};

/// The longest name of an API token, in characters.
pub const MAX_API_TOKEN_NAME_CHARS: usize = 100;

/// The longest `return_to` path of a pending OIDC login, in bytes.
pub const MAX_RETURN_TO_LEN: usize = 2048;

/// The most audit events [`Store::audit_events_for_org`] answers at once.
pub const MAX_AUDIT_PAGE: i64 = 1000;

// ---- rows ---------------------------------------------------------------

/// A session to create with [`Store::create_session`].
///
/// Its `Debug` leaves the hash out.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    /// [`token_hash`](crate::token_hash) of the random token in the cookie: 64 hex digits.
    pub id_hash: String,
    /// The signed-in user.
    pub user_id: i64,
    /// The organisation he acts for, if he has chosen one (it must be in the
    /// register; the caller checks his membership).
    pub org_oid: Option<String>,
    /// The absolute expiry: the first second at which the session no longer
    /// works, however active.
    pub expires_at: i64,
    /// The first idle expiry: the first second at which it no longer works
    /// unless used before. Capped at `expires_at`.
    pub idle_expires_at: i64,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("user_id", &self.user_id)
            .field("org_oid", &self.org_oid)
            .field("expires_at", &self.expires_at)
            .field("idle_expires_at", &self.idle_expires_at)
            .finish_non_exhaustive()
    }
}

/// A stored session (without its hash: the caller has it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRow {
    /// The signed-in user.
    pub user_id: i64,
    /// The organisation he currently acts for.
    pub org_oid: Option<String>,
    /// When he signed in.
    pub created_at: i64,
    /// When the session was last used ([`Store::touch_session`]).
    pub last_seen_at: i64,
    /// The absolute expiry (first second no longer valid).
    pub expires_at: i64,
    /// The idle expiry (first second no longer valid), at most `expires_at`.
    pub idle_expires_at: i64,
}

/// An authorization request in flight, for [`Store::create_oidc_login`].
///
/// Its `Debug` shows only the return path and the times.
#[derive(Clone, PartialEq, Eq)]
pub struct NewOidcLogin {
    /// [`token_hash`](crate::token_hash) of the random `state` sent to the provider: 64 hex digits.
    pub state_hash: String,
    /// The OIDC `nonce` sent to the provider, checked against the ID token:
    /// 1 to 255 visible ASCII characters.
    pub nonce: String,
    /// The PKCE `code_verifier` (RFC 7636 §4.1: 43 to 128 characters of
    /// `A-Z a-z 0-9 - . _ ~`).
    pub pkce_verifier: String,
    /// The local path to return to after sign-in: begins with one `/` (never
    /// `//`: another site), at most [`MAX_RETURN_TO_LEN`] bytes.
    pub return_to: String,
    /// The first second at which the callback is refused.
    pub expires_at: i64,
}

impl fmt::Debug for NewOidcLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewOidcLogin")
            .field("return_to", &self.return_to)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A pending OIDC login, as [`Store::take_oidc_login`] hands it back (once).
///
/// Its `Debug` leaves the nonce and the verifier out.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcLoginRow {
    /// The nonce to check the ID token's `nonce` claim against.
    pub nonce: String,
    /// The PKCE `code_verifier` for the token request.
    pub pkce_verifier: String,
    /// The local path to return to.
    pub return_to: String,
    /// When the request was made.
    pub created_at: i64,
    /// The first second at which it was no longer accepted.
    pub expires_at: i64,
}

impl fmt::Debug for OidcLoginRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcLoginRow")
            .field("return_to", &self.return_to)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// An API token to create with [`Store::create_api_token`].
///
/// Its `Debug` leaves the hash out.
#[derive(Clone, PartialEq, Eq)]
pub struct NewApiToken {
    /// The organisation whose systems use it (must be in the register).
    pub org_oid: String,
    /// What it is for, as the organisation names it: one line of 1 to
    /// [`MAX_API_TOKEN_NAME_CHARS`] characters, without spaces at either end.
    pub name: String,
    /// [`token_hash`](crate::token_hash) of the bearer token: 64 hex digits. The token itself is
    /// shown to the user once and never stored.
    pub token_hash: String,
    /// The first second at which it no longer works.
    pub expires_at: i64,
}

impl fmt::Debug for NewApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewApiToken")
            .field("org_oid", &self.org_oid)
            .field("name", &self.name)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A stored API token (without its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenRow {
    /// Its id.
    pub id: i64,
    /// The organisation whose systems use it.
    pub org_oid: String,
    /// Its name.
    pub name: String,
    /// Who created it (an actor id).
    pub created_by: String,
    /// When.
    pub created_at: i64,
    /// The first second at which it no longer works.
    pub expires_at: i64,
    /// When it was revoked (final).
    pub revoked_at: Option<i64>,
    /// Who revoked it (an actor id).
    pub revoked_by: Option<String>,
    /// When it was last used, as recorded by [`Store::record_api_token_use`].
    pub last_used_at: Option<i64>,
}

impl ApiTokenRow {
    /// Whether the token works at `now`: not revoked and `now < expires_at`.
    pub fn is_usable(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

const SESSION_COLUMNS: &str =
    "user_id, org_oid, created_at, last_seen_at, expires_at, idle_expires_at";
const OIDC_LOGIN_COLUMNS: &str = "nonce, pkce_verifier, return_to, created_at, expires_at";
const API_TOKEN_COLUMNS: &str = "id, org_oid, name, created_by, created_at, expires_at, \
     revoked_at, revoked_by, last_used_at";

fn session_from_row(row: &AnyRow) -> Result<SessionRow> {
    Ok(SessionRow {
        user_id: row.try_get("user_id")?,
        org_oid: row.try_get("org_oid")?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
        idle_expires_at: row.try_get("idle_expires_at")?,
    })
}

fn oidc_login_from_row(row: &AnyRow) -> Result<OidcLoginRow> {
    Ok(OidcLoginRow {
        nonce: row.try_get("nonce")?,
        pkce_verifier: row.try_get("pkce_verifier")?,
        return_to: row.try_get("return_to")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

fn api_token_from_row(row: &AnyRow) -> Result<ApiTokenRow> {
    Ok(ApiTokenRow {
        id: row.try_get("id")?,
        org_oid: row.try_get("org_oid")?,
        name: row.try_get("name")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        revoked_by: row.try_get("revoked_by")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

// ---- checks -------------------------------------------------------------

fn future(field: &'static str, when: i64, at: i64) -> Result<()> {
    if when <= at {
        return Err(invalid(
            field,
            format!(
                "{} is not after {} (the time of the change): give a time in the future",
                format_unix(when),
                format_unix(at)
            ),
        ));
    }
    Ok(())
}

fn check_session(session: &NewSession, at: i64) -> Result<NewSession> {
    let id_hash = hash_hex("id_hash", &session.id_hash)?;
    future("expires_at", session.expires_at, at)?;
    future("idle_expires_at", session.idle_expires_at, at)?;
    if let Some(org) = &session.org_oid {
        one_line("org_oid", org, 200)?;
    }
    Ok(NewSession {
        id_hash,
        idle_expires_at: session.idle_expires_at.min(session.expires_at),
        ..session.clone()
    })
}

fn check_oidc_login(login: &NewOidcLogin, at: i64) -> Result<NewOidcLogin> {
    let state_hash = hash_hex("state_hash", &login.state_hash)?;
    let nonce = &login.nonce;
    if nonce.is_empty() || nonce.len() > 255 || !nonce.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(
            "nonce",
            "is not 1 to 255 visible ASCII characters (make it from random bytes, e.g. \
             base64url)",
        ));
    }
    let verifier = &login.pkce_verifier;
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    if !(43..=128).contains(&verifier.len()) || !verifier.bytes().all(unreserved) {
        return Err(invalid(
            "pkce_verifier",
            "is not 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1; e.g. 32 \
             random bytes in base64url without padding)",
        ));
    }
    let path = &login.return_to;
    one_line("return_to", path, MAX_RETURN_TO_LEN)?;
    if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
        return Err(invalid(
            "return_to",
            "is not a local path: it must begin with a single / (like /applications) \
             and hold no backslash, so that sign-in never sends the user to another site",
        ));
    }
    future("expires_at", login.expires_at, at)?;
    Ok(NewOidcLogin {
        state_hash,
        ..login.clone()
    })
}

fn check_api_token(token: &NewApiToken, at: i64) -> Result<NewApiToken> {
    let token_hash = hash_hex("token_hash", &token.token_hash)?;
    one_line("org_oid", &token.org_oid, 200)?;
    let name = &token.name;
    one_line("name", name, 4 * MAX_API_TOKEN_NAME_CHARS)?;
    let chars = name.chars().count();
    if chars > MAX_API_TOKEN_NAME_CHARS {
        return Err(invalid(
            "name",
            format!("is {chars} characters long; at most {MAX_API_TOKEN_NAME_CHARS} are allowed"),
        ));
    }
    if name.trim() != name {
        return Err(invalid(
            "name",
            "has spaces at its start or end: remove them",
        ));
    }
    future("expires_at", token.expires_at, at)?;
    Ok(NewApiToken {
        token_hash,
        ..token.clone()
    })
}

// ---- the writer's jobs (API tokens) ---------------------------------------

/// A write of API tokens, run by the writer (see `jobs.rs`).
#[derive(Debug)]
pub(crate) struct ApiTokenJob {
    pub(crate) actor: String,
    pub(crate) at: i64,
    op: TokenOp,
}

#[derive(Debug)]
enum TokenOp {
    Create(NewApiToken),
    Revoke { id: i64, org_oid: String },
}

/// Runs an API token job in the writer's transaction.
pub(crate) async fn run(cx: &mut Ctx<'_>, job: &ApiTokenJob) -> Result<ApiTokenRow> {
    match &job.op {
        TokenOp::Create(token) => create_api_token(cx, &job.actor, token).await,
        TokenOp::Revoke { id, org_oid } => revoke_api_token(cx, &job.actor, *id, org_oid).await,
    }
}

async fn create_api_token(
    cx: &mut Ctx<'_>,
    actor: &str,
    token: &NewApiToken,
) -> Result<ApiTokenRow> {
    // ON CONFLICT: a taken hash is an answer, not a failed statement (which
    // would abort the writer's batch on PostgreSQL).
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO api_tokens (org_oid, name, token_hash, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_hash) DO NOTHING \
         RETURNING {API_TOKEN_COLUMNS}"
    )))
    .bind(&token.org_oid)
    .bind(&token.name)
    .bind(&token.token_hash)
    .bind(actor)
    .bind(cx.at)
    .bind(token.expires_at)
    .fetch_optional(&mut *cx.conn)
    .await
    .map_err(fk("organisation", &token.org_oid))?;
    let Some(row) = row else {
        return Err(StoreError::Conflict {
            what: "an API token with this hash exists already: make a new random token".to_owned(),
        });
    };
    let row = api_token_from_row(&row)?;
    cx.audit(
        "api-token.create",
        None,
        None,
        Some(&row.org_oid),
        &json!({ "token_id": row.id, "name": row.name, "expires_at": row.expires_at }),
    );
    Ok(row)
}

async fn revoke_api_token(
    cx: &mut Ctx<'_>,
    actor: &str,
    id: i64,
    org_oid: &str,
) -> Result<ApiTokenRow> {
    let not_found = || StoreError::NotFound {
        what: "API token",
        key: format!("{id} of organisation {org_oid}"),
    };
    let found = sqlx::query("SELECT org_oid, revoked_at FROM api_tokens WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *cx.conn)
        .await?;
    // Another organisation's token is answered like a missing one: an
    // organisation learns nothing about the tokens of others.
    let Some(found) = found else {
        return Err(not_found());
    };
    if found.try_get::<String, _>("org_oid")? != org_oid {
        return Err(not_found());
    }
    if let Some(since) = found.try_get::<Option<i64>, _>("revoked_at")? {
        return Err(StoreError::Conflict {
            what: format!(
                "API token {id} was already revoked at {}; revocation is final: create a new \
                 token if one is needed",
                format_unix(since)
            ),
        });
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE api_tokens SET revoked_at = $3, revoked_by = $4 \
         WHERE id = $1 AND org_oid = $2 AND revoked_at IS NULL RETURNING {API_TOKEN_COLUMNS}"
    )))
    .bind(id)
    .bind(org_oid)
    .bind(cx.at)
    .bind(actor)
    .fetch_optional(&mut *cx.conn)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::Conflict {
            what: format!("API token {id} was revoked meanwhile"),
        });
    };
    let row = api_token_from_row(&row)?;
    cx.audit(
        "api-token.revoke",
        None,
        None,
        Some(&row.org_oid),
        &json!({ "token_id": row.id, "name": row.name }),
    );
    Ok(row)
}

// ---- session writes (a connection inside a transaction, and an audit list) --

async fn user_exists(conn: &mut AnyConnection, user_id: i64) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    found.map(|_| ()).ok_or_else(|| StoreError::NotFound {
        what: "user",
        key: user_id.to_string(),
    })
}

async fn organisation_exists(conn: &mut AnyConnection, oid: &str) -> Result<()> {
    let found: Option<String> = sqlx::query_scalar("SELECT oid FROM organisations WHERE oid = $1")
        .bind(oid)
        .fetch_optional(&mut *conn)
        .await?;
    found.map(|_| ()).ok_or_else(|| StoreError::NotFound {
        what: "organisation",
        key: oid.to_owned(),
    })
}

async fn insert_session(
    conn: &mut AnyConnection,
    audits: &mut Vec<AuditRow>,
    session: &NewSession,
    at: i64,
) -> Result<SessionRow> {
    user_exists(conn, session.user_id).await?;
    if let Some(org) = &session.org_oid {
        organisation_exists(conn, org).await?;
    }
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO sessions (id_hash, user_id, org_oid, created_at, last_seen_at, expires_at, \
         idle_expires_at) VALUES ($1, $2, $3, $4, $4, $5, $6) \
         ON CONFLICT (id_hash) DO NOTHING RETURNING {SESSION_COLUMNS}"
    )))
    .bind(&session.id_hash)
    .bind(session.user_id)
    .bind(session.org_oid.as_deref())
    .bind(at)
    .bind(session.expires_at)
    .bind(session.idle_expires_at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Err(StoreError::Conflict {
            what: "a session with this id exists already: make a new random token".to_owned(),
        });
    };
    let row = session_from_row(&row)?;
    audits.push(AuditRow::new(
        at,
        &user_actor(row.user_id),
        "session.start",
        [None, None, row.org_oid.as_deref()],
        &json!({
            "user_id": row.user_id,
            "expires_at": row.expires_at,
            "idle_expires_at": row.idle_expires_at,
        }),
    ));
    Ok(row)
}

/// A `session.end` event for a deleted session.
fn session_end(at: i64, actor: &str, row: &AnyRow, why: &str) -> Result<AuditRow> {
    let user_id: i64 = row.try_get("user_id")?;
    let org_oid: Option<String> = row.try_get("org_oid")?;
    let started_at: i64 = row.try_get("created_at")?;
    Ok(AuditRow::new(
        at,
        actor,
        "session.end",
        [None, None, org_oid.as_deref()],
        &json!({ "user_id": user_id, "started_at": started_at, "why": why }),
    ))
}

// ---- the API ------------------------------------------------------------

impl Store {
    async fn submit_api_token(&self, actor: &str, at: i64, op: TokenOp) -> Result<ApiTokenRow> {
        let job = ApiTokenJob {
            actor: check_actor(actor)?,
            at,
            op,
        };
        match self.submit(Job::ApiToken(Box::new(job))).await? {
            Output::ApiToken(row) => Ok(*row),
            other => unreachable!("API token job answered {other:?}"),
        }
    }

    // ---- sessions ---------------------------------------------------------

    /// Starts a session at `at` (R-ACCOUNT: sign-in), with a `session.start`
    /// audit event (actor [`user_actor`], the organisation if one is chosen,
    /// the expiries; never the hash), in one transaction. The idle expiry is
    /// capped at the absolute one.
    ///
    /// Fails with [`StoreError::NotFound`] for an unknown user or
    /// organisation, [`StoreError::InvalidInput`] for a malformed hash or an
    /// expiry not after `at`, and [`StoreError::Conflict`] if a session with
    /// this hash exists (make a new random token). Nothing is stored then.
    pub async fn create_session(&self, session: &NewSession, at: i64) -> Result<SessionRow> {
        let session = check_session(session, at)?;
        let mut conn = self.inner.pool.acquire().await?;
        let mut tx = conn.begin_with(self.begin_sql()).await?;
        let mut audits = Vec::new();
        let row = insert_session(&mut tx, &mut audits, &session, at).await?;
        commit(tx, &audits).await?;
        Ok(row)
    }

    /// The session whose cookie token has this [`token_hash`](crate::token_hash), if it is valid
    /// at `now`: `None` when there is none, or when `now >= expires_at` or
    /// `now >= idle_expires_at` (the expiries are the first seconds at which
    /// it no longer works).
    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<SessionRow>> {
        let id_hash = hash_hex("id_hash", id_hash)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions \
             WHERE id_hash = $1 AND expires_at > $2 AND idle_expires_at > $2"
        )))
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Records that a valid session was used at `now`: `last_seen_at = now`,
    /// and its idle expiry slides to `idle_expires_at`, capped at the absolute
    /// expiry (a session never outlives it, however active). One statement,
    /// not audited.
    ///
    /// Answers the session as updated, or `None` (and changes nothing) when
    /// there is no such session or it had expired at `now`: an expired
    /// session is never revived. Fails with [`StoreError::InvalidInput`] for
    /// an `idle_expires_at` not after `now`.
    pub async fn touch_session(
        &self,
        id_hash: &str,
        now: i64,
        idle_expires_at: i64,
    ) -> Result<Option<SessionRow>> {
        let id_hash = hash_hex("id_hash", id_hash)?;
        future("idle_expires_at", idle_expires_at, now)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE sessions SET last_seen_at = $2, \
             idle_expires_at = CASE WHEN $3 < expires_at THEN $3 ELSE expires_at END \
             WHERE id_hash = $1 AND expires_at > $2 AND idle_expires_at > $2 \
             RETURNING {SESSION_COLUMNS}"
        )))
        .bind(id_hash)
        .bind(now)
        .bind(idle_expires_at)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Sets the organisation the session's user acts for (`None`: none). The
    /// caller checks that he is a member (R-ACCOUNT); the store only that the
    /// organisation is in the register. Not audited: what he then does for it
    /// is.
    ///
    /// Fails with [`StoreError::NotFound`] for an unknown session or
    /// organisation.
    pub async fn set_session_org(&self, id_hash: &str, org_oid: Option<&str>) -> Result<()> {
        let id_hash = hash_hex("id_hash", id_hash)?;
        if let Some(org) = org_oid {
            one_line("org_oid", org, 200)?;
        }
        let done = sqlx::query("UPDATE sessions SET org_oid = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(org_oid)
            .execute(&self.inner.pool)
            .await
            .map_err(|e| {
                if is_foreign_key_violation(&e) {
                    StoreError::NotFound {
                        what: "organisation",
                        key: org_oid.unwrap_or_default().to_owned(),
                    }
                } else {
                    e.into()
                }
            })?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound {
                what: "session",
                key: "for this cookie".to_owned(),
            });
        }
        Ok(())
    }

    /// Ends a session (sign-out) at `at`, with a `session.end` audit event
    /// (actor: the session's user; when the session started). Answers whether
    /// there was one: ending an unknown session changes nothing and writes no
    /// event.
    pub async fn delete_session(&self, id_hash: &str, at: i64) -> Result<bool> {
        let id_hash = hash_hex("id_hash", id_hash)?;
        let mut conn = self.inner.pool.acquire().await?;
        let mut tx = conn.begin_with(self.begin_sql()).await?;
        let row = sqlx::query(
            "DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id, org_oid, created_at",
        )
        .bind(id_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        let user_id: i64 = row.try_get("user_id")?;
        let event = session_end(at, &user_actor(user_id), &row, "sign-out")?;
        commit(tx, &[event]).await?;
        Ok(true)
    }

    /// Ends every session of a user (sign out everywhere; a user removed or
    /// suspected compromised), by `actor` at `at`, with a `session.end` audit
    /// event per session, in one transaction. Answers how many there were.
    pub async fn delete_sessions_of_user(&self, user_id: i64, actor: &str, at: i64) -> Result<u64> {
        let actor = check_actor(actor)?;
        let mut conn = self.inner.pool.acquire().await?;
        let mut tx = conn.begin_with(self.begin_sql()).await?;
        let rows = sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 RETURNING user_id, org_oid, created_at",
        )
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        let events = rows
            .iter()
            .map(|row| session_end(at, &actor, row, "all-sessions-ended"))
            .collect::<Result<Vec<_>>>()?;
        commit(tx, &events).await?;
        Ok(rows.len() as u64)
    }

    /// Deletes every session expired at `now` (absolute or idle), and answers
    /// how many. Not audited: the expiry was known at `session.start`.
    pub async fn purge_expired_sessions(&self, now: i64) -> Result<u64> {
        // idle_expires_at <= expires_at (a CHECK of the table), so this is
        // every session expired either way, found through the idle index.
        let done = sqlx::query("DELETE FROM sessions WHERE idle_expires_at <= $1")
            .bind(now)
            .execute(&self.inner.pool)
            .await?;
        Ok(done.rows_affected())
    }

    // ---- pending OIDC logins ----------------------------------------------

    /// Stores an authorization request in flight, made at `at`, until its
    /// callback takes it ([`Store::take_oidc_login`]). Not audited (no one has
    /// signed in yet).
    ///
    /// Fails with [`StoreError::InvalidInput`] for a malformed field (a
    /// `return_to` that is not a local path, a verifier RFC 7636 would refuse)
    /// and [`StoreError::Conflict`] if a login with this state is pending
    /// (make a new random state).
    pub async fn create_oidc_login(&self, login: &NewOidcLogin, at: i64) -> Result<()> {
        let login = check_oidc_login(login, at)?;
        let done = sqlx::query(
            "INSERT INTO oidc_logins (state_hash, nonce, pkce_verifier, return_to, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (state_hash) DO NOTHING",
        )
        .bind(&login.state_hash)
        .bind(&login.nonce)
        .bind(&login.pkce_verifier)
        .bind(&login.return_to)
        .bind(at)
        .bind(login.expires_at)
        .execute(&self.inner.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                what: "a sign-in with this state is pending already: make a new random state"
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// Takes the pending login whose `state` has this [`token_hash`](crate::token_hash): deletes
    /// it and answers it, in one statement, so that of two callbacks with the
    /// same state (a replay, a double click) at most one gets it, in one
    /// process or several on one PostgreSQL. `None` when there is none, or
    /// when it expired (`now >= expires_at`; it is deleted all the same).
    pub async fn take_oidc_login(
        &self,
        state_hash: &str,
        now: i64,
    ) -> Result<Option<OidcLoginRow>> {
        let state_hash = hash_hex("state_hash", state_hash)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING {OIDC_LOGIN_COLUMNS}"
        )))
        .bind(state_hash)
        .fetch_optional(&self.inner.pool)
        .await?;
        let login = row.as_ref().map(oidc_login_from_row).transpose()?;
        Ok(login.filter(|login| now < login.expires_at))
    }

    /// Deletes every pending login expired at `now` (abandoned sign-ins), and
    /// answers how many.
    pub async fn purge_expired_oidc_logins(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM oidc_logins WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.inner.pool)
            .await?;
        Ok(done.rows_affected())
    }

    // ---- API tokens ---------------------------------------------------------

    /// Creates an API token for an organisation's systems (R-ACCOUNT), by
    /// `actor` at `at`, with an `api-token.create` audit event (the
    /// organisation, the token's id, name and expiry; never the hash).
    ///
    /// Fails with [`StoreError::NotFound`] for an organisation not in the
    /// register, [`StoreError::InvalidInput`] for a malformed name or hash or
    /// an expiry not after `at`, and [`StoreError::Conflict`] if a token with
    /// this hash exists (make a new random token).
    pub async fn create_api_token(
        &self,
        token: &NewApiToken,
        actor: &str,
        at: i64,
    ) -> Result<ApiTokenRow> {
        let token = check_api_token(token, at)?;
        self.submit_api_token(actor, at, TokenOp::Create(token))
            .await
    }

    /// The API token whose bearer token has this [`token_hash`](crate::token_hash), if it works
    /// at `now`: `None` when there is none, it is revoked, or
    /// `now >= expires_at`.
    pub async fn api_token_by_hash(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<ApiTokenRow>> {
        let token_hash = hash_hex("token_hash", token_hash)?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2"
        )))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(api_token_from_row).transpose()
    }

    /// Records that token `id` was used at `now` (`last_used_at`, which never
    /// goes back). One cheap `UPDATE`, not audited; the caller may record only
    /// every so often. Fails with [`StoreError::NotFound`] for an unknown id.
    pub async fn record_api_token_use(&self, id: i64, now: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_tokens SET last_used_at = $2 \
             WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)",
        )
        .bind(id)
        .bind(now)
        .execute(&self.inner.pool)
        .await?;
        if done.rows_affected() == 0 {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM api_tokens WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.inner.pool)
                .await?;
            if found.is_none() {
                return Err(StoreError::NotFound {
                    what: "API token",
                    key: id.to_string(),
                });
            }
        }
        Ok(())
    }

    /// An organisation's API tokens, revoked and expired ones included, newest
    /// first.
    pub async fn api_tokens_of_org(&self, org_oid: &str) -> Result<Vec<ApiTokenRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE org_oid = $1 ORDER BY id DESC"
        )))
        .bind(org_oid)
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(api_token_from_row).collect()
    }

    /// Revokes token `id` of organisation `org_oid`, by `actor` at `at`, with
    /// an `api-token.revoke` audit event; final. Answers the token as revoked.
    ///
    /// Fails with [`StoreError::NotFound`] when the organisation has no such
    /// token (another organisation's token is refused the same way, without
    /// telling that it exists), and [`StoreError::Conflict`] when it was
    /// revoked already (saying when).
    pub async fn revoke_api_token(
        &self,
        id: i64,
        org_oid: &str,
        actor: &str,
        at: i64,
    ) -> Result<ApiTokenRow> {
        let op = TokenOp::Revoke {
            id,
            org_oid: org_oid.to_owned(),
        };
        self.submit_api_token(actor, at, op).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

    fn login() -> NewOidcLogin {
        NewOidcLogin {
            state_hash: HASH.to_owned(),
            nonce: "n-0S6_WzA2Mj".to_owned(),
            pkce_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned(),
            return_to: "/applications?page=2".to_owned(),
            expires_at: 100,
        }
    }

    #[test]
    fn debug_never_shows_hashes_nonces_or_verifiers() {
        let texts = [
            format!(
                "{:?}",
                NewSession {
                    id_hash: HASH.to_owned(),
                    user_id: 1,
                    org_oid: None,
                    expires_at: 2,
                    idle_expires_at: 1,
                }
            ),
            format!("{:?}", login()),
            format!(
                "{:?}",
                OidcLoginRow {
                    nonce: login().nonce,
                    pkce_verifier: login().pkce_verifier,
                    return_to: "/".to_owned(),
                    created_at: 0,
                    expires_at: 1,
                }
            ),
            format!(
                "{:?}",
                NewApiToken {
                    org_oid: "1.2.246.10.1".to_owned(),
                    name: "Kanta gateway".to_owned(),
                    token_hash: HASH.to_owned(),
                    expires_at: 1,
                }
            ),
        ];
        for text in texts {
            for secret in [HASH, "c0ffee", &login().nonce, &login().pkce_verifier] {
                assert!(!text.contains(secret), "{text}");
            }
        }
    }

    #[test]
    fn oidc_logins_are_checked() {
        assert!(check_oidc_login(&login(), 0).is_ok());
        let bad = |f: fn(&mut NewOidcLogin), field: &str| {
            let mut l = login();
            f(&mut l);
            match check_oidc_login(&l, 0) {
                Err(StoreError::InvalidInput { field: got, reason }) => {
                    assert_eq!(got, field, "{reason}");
                }
                other => panic!("{other:?}"),
            }
        };
        bad(|l| l.state_hash = "state".to_owned(), "state_hash");
        bad(|l| l.nonce = String::new(), "nonce");
        bad(|l| l.nonce = "a b".to_owned(), "nonce");
        bad(|l| l.pkce_verifier = "short".to_owned(), "pkce_verifier");
        bad(|l| l.pkce_verifier = "a".repeat(129), "pkce_verifier");
        bad(
            |l| l.pkce_verifier = format!("{}+", "a".repeat(43)),
            "pkce_verifier",
        );
        bad(
            |l| l.return_to = "https://evil.example/".to_owned(),
            "return_to",
        );
        bad(|l| l.return_to = "//evil.example/".to_owned(), "return_to");
        bad(|l| l.return_to = "/\\evil.example/".to_owned(), "return_to");
        bad(
            |l| l.return_to = "/a\r\nSet-Cookie: x".to_owned(),
            "return_to",
        );
        bad(
            |l| l.return_to = format!("/{}", "a".repeat(MAX_RETURN_TO_LEN)),
            "return_to",
        );
        bad(|l| l.expires_at = 0, "expires_at");
    }

    #[test]
    fn api_token_names_are_one_line_of_at_most_100_characters() {
        let token = |name: &str| NewApiToken {
            org_oid: "1.2.246.10.1".to_owned(),
            name: name.to_owned(),
            token_hash: HASH.to_uppercase(),
            expires_at: 10,
        };
        let ok = check_api_token(&token(&"ä".repeat(100)), 0).unwrap();
        assert_eq!(ok.token_hash, HASH, "the hash is lower-cased");
        for name in ["", "  ", " x", "x ", "a\nb", &"ä".repeat(101)] {
            assert!(
                matches!(
                    check_api_token(&token(name), 0),
                    Err(StoreError::InvalidInput { field: "name", .. })
                ),
                "{name:?}"
            );
        }
        assert!(
            check_api_token(&token("x"), 10).is_err(),
            "expired at birth"
        );
    }
}

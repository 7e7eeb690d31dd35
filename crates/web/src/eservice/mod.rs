//! The e-service over HTTP (issue 4): sign-in (OpenID Connect, or the demo
//! identity provider of the embedded demo), sessions, the pages ([`pages`],
//! in Finnish, Swedish and English; their contract is
//! `docs/ESERVICE-PAGES.md`) and the JSON API under `/api/v1`. Every rule and permission lives in
//! `carepki_ra::eservice`; this module authenticates, checks CSRF tokens and
//! rate limits, and turns answers into pages, JSON and problem documents.

mod api;
mod auth;
mod orders;
pub mod pages;
pub mod registration;
mod registration_pages;
pub mod session;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use carepki_ra::eservice::{EService, ErrorKind, EsError, Principal};
use carepki_store::SessionRow;
use serde_json::json;

use crate::oidc::OidcClient;
use crate::problem::{PROBLEM_JSON, ProblemKind};
use session::{Keys, RateLimiter, SESSION_COOKIE, cookie, session_hash};

/// How users sign in.
#[derive(Debug, Clone)]
pub enum SignInMethod {
    /// OpenID Connect against a configured provider.
    Oidc(OidcClient),
    /// The clearly labelled demo identity provider of the embedded demo: the
    /// user types any name and identity code. Never in production (the
    /// service refuses to start with it there).
    Demo,
}

/// The e-service's HTTP state.
#[derive(Clone)]
pub struct EsWeb {
    pub(crate) es: EService,
    pub(crate) sign_in: SignInMethod,
    pub(crate) keys: Arc<Keys>,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) secure_cookies: bool,
}

impl std::fmt::Debug for EsWeb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EsWeb")
            .field("sign_in", &self.sign_in)
            .field("secure_cookies", &self.secure_cookies)
            .finish_non_exhaustive()
    }
}

impl EsWeb {
    /// The e-service's HTTP state. Cookies are `Secure` when the public URL
    /// is https.
    pub fn new(es: EService, sign_in: SignInMethod) -> Self {
        let keys = Keys::derive(&es.settings().subject_key);
        let secure_cookies = es.settings().public_url.starts_with("https://");
        Self {
            es,
            sign_in,
            keys: Arc::new(keys),
            limiter: Arc::new(RateLimiter::default()),
            secure_cookies,
        }
    }
}

/// The e-service's routes: sign-in, pages and API. The pages and the
/// sign-in answer `Cache-Control: no-store` and may not be framed
/// ([`pages::page_headers`]).
pub fn router(web: EsWeb) -> Router {
    let pages = auth::routes()
        .merge(pages::routes())
        .merge(registration_pages::page_routes())
        .merge(orders::page_routes())
        .layer(axum::middleware::map_response(pages::page_headers));
    Router::new()
        .merge(pages)
        .merge(api::routes())
        .merge(registration::api_routes())
        .merge(orders::api_routes())
        .with_state(web)
}

/// Who is asking: the session (if any) and the principal.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The session token from the cookie, when signed in by session.
    pub(crate) session_token: Option<String>,
    /// The stored session.
    pub(crate) session: Option<SessionRow>,
    /// Who acts.
    pub(crate) principal: Principal,
}

impl EsWeb {
    /// The caller behind a request's session cookie, sliding its idle expiry.
    pub(crate) async fn session_caller(
        &self,
        headers: &HeaderMap,
        now: i64,
    ) -> Result<Option<Caller>, EsError> {
        let Some(token) = cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        if token.is_empty() || token.len() > 100 {
            return Ok(None);
        }
        let store = self.es.store();
        let hash = session_hash(token);
        let Some(row) = store.session(&hash, now).await? else {
            return Ok(None);
        };
        if now - row.last_seen_at >= 60 {
            store
                .touch_session(&hash, now, now + session::IDLE_MINUTES * 60)
                .await?;
        }
        let principal = self
            .es
            .principal_for_user(row.user_id, row.org_oid.as_deref())
            .await?;
        Ok(Some(Caller {
            session_token: Some(token.to_owned()),
            session: Some(row),
            principal,
        }))
    }

    /// The caller of an API request: a bearer token, or a session (whose
    /// changes need the `X-CSRF-Token` header). `X-CarePKI-Organisation`
    /// chooses the organisation a session user acts for.
    pub(crate) async fn api_caller(
        &self,
        headers: &HeaderMap,
        now: i64,
    ) -> Result<Option<Caller>, EsError> {
        if let Some(auth) = headers.get(header::AUTHORIZATION) {
            let value = auth.to_str().unwrap_or("");
            let Some(token) = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
            else {
                return Ok(None);
            };
            return Ok(self
                .es
                .principal_for_token(token, now)
                .await?
                .map(|principal| Caller {
                    session_token: None,
                    session: None,
                    principal,
                }));
        }
        let Some(mut caller) = self.session_caller(headers, now).await? else {
            return Ok(None);
        };
        if let Some(org) = headers
            .get("x-carepki-organisation")
            .and_then(|v| v.to_str().ok())
        {
            let user_id = caller.session.as_ref().map_or(0, |s| s.user_id);
            caller.principal = self
                .es
                .principal_for_user(user_id, Some(org.trim()))
                .await?;
            if caller.principal.org.is_none() {
                return Err(EsError::not_found(&format!("organisation {org}")));
            }
        }
        Ok(Some(caller))
    }

    /// Whether a state-changing request by `caller` carries its CSRF token
    /// (always true for a bearer token).
    pub(crate) fn csrf_ok(&self, caller: &Caller, given: Option<&str>) -> bool {
        match &caller.session_token {
            None => true,
            Some(token) => given.is_some_and(|g| self.keys.csrf_ok(token, g)),
        }
    }
}

/// The client's address, for rate limits.
pub(crate) fn client_ip(info: Option<&ConnectInfo<SocketAddr>>) -> String {
    info.map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// The problem type of an e-service error kind.
pub(crate) fn problem_kind(kind: ErrorKind) -> ProblemKind {
    match kind {
        ErrorKind::NotFound => ProblemKind::NotFound,
        ErrorKind::Forbidden => ProblemKind::Forbidden,
        ErrorKind::Invalid => ProblemKind::InvalidInput,
        ErrorKind::Conflict => ProblemKind::Conflict,
        ErrorKind::TooLarge => ProblemKind::BodyTooLarge,
        ErrorKind::UnsupportedType => ProblemKind::UnsupportedMediaType,
        ErrorKind::Unavailable => ProblemKind::Unavailable,
    }
}

/// An e-service error as an RFC 9457 problem document, with the stable
/// `code` and the list of `problems`.
pub(crate) fn problem_response(e: &EsError, instance: &str) -> Response {
    problem_of_kind(e, instance, problem_kind(e.kind))
}

/// The problem document of `e` as a problem of `kind`: its type, title and
/// status are the kind's (the same for every occurrence), `detail`, `code`
/// and `problems` are `e`'s.
fn problem_of_kind(e: &EsError, instance: &str, kind: ProblemKind) -> Response {
    let status = kind.status();
    let body = json!({
        "type": kind.type_uri(),
        "title": kind.title(),
        "status": status.as_u16(),
        "detail": e.detail,
        "instance": instance,
        "code": e.code,
        "problems": e.problems,
    });
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    h.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("en"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// 401 for an API request without valid credentials.
pub(crate) fn unauthorized(instance: &str) -> Response {
    let e = EsError::new(
        ErrorKind::Forbidden,
        "unauthenticated",
        "sign in, or send an API token as `Authorization: Bearer <token>`",
    );
    let mut resp = problem_of_kind(&e, instance, ProblemKind::Unauthenticated);
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"carepki\""),
    );
    resp
}

/// 429 with `Retry-After`.
pub(crate) fn too_many(instance: &str, retry_after: i64) -> Response {
    let e = EsError::new(
        ErrorKind::Conflict,
        "rate_limited",
        format!("too many attempts: try again in {retry_after} seconds"),
    );
    let mut resp = problem_of_kind(&e, instance, ProblemKind::RateLimited);
    if let Ok(v) = HeaderValue::from_str(&retry_after.max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind of e-service error is answered with the problem type whose
    /// status is the kind's.
    #[test]
    fn error_kinds_have_their_problem_types() {
        for kind in [
            ErrorKind::NotFound,
            ErrorKind::Forbidden,
            ErrorKind::Invalid,
            ErrorKind::Conflict,
            ErrorKind::TooLarge,
            ErrorKind::UnsupportedType,
            ErrorKind::Unavailable,
        ] {
            let problem = problem_kind(kind);
            assert_eq!(problem.status().as_u16(), kind.status(), "{kind:?}");
            assert!(ProblemKind::ALL.contains(&problem), "{kind:?}");
        }
    }
}

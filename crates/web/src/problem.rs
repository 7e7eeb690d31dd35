//! Errors of the JSON API as RFC 9457 problem details
//! (`application/problem+json`).
//!
//! Every error answer under `/api/` is a [`Problem`]: the handlers build one with
//! the [`ProblemKind`] that fits and a `detail` that says what is wrong and how to
//! fix it, and [`api_problems`] turns whatever the framework answers on its own
//! (no such route, wrong method, a timeout, an extractor's rejection) into one
//! too, so a client meets a single error format. The HTML pages keep their HTML
//! errors.
//!
//! A problem document has the five members of RFC 9457 §3.1, always present:
//! `type` (the kind, a URI), `title` (the kind in words, the same for every
//! occurrence), `status` (equal to the HTTP status), `detail` (this occurrence:
//! what is wrong and how to fix it) and `instance` (the request path, without
//! the query). Bad parameters also get the extension member `invalid_params`,
//! `[{ "name", "reason" }]`, as in RFC 9457's example, spelled with an
//! underscore as §3.2 recommends for extension names.
//!
//! # Problem type URIs
//!
//! The types are `tag:` URIs (RFC 4151), `tag:carepki.github.io,2026:problems/<kind>`
//! (see [`TYPE_PREFIX`] and the variants of [`ProblemKind`]), not `https://` URLs. The type is
//! an identifier that clients compare, and it must be the same on every CarePKI
//! deployment and never move: a URL would either name one deployment's host (and
//! differ between installations, or need configuring) or name a documentation
//! site that the project does not run. RFC 9457 does not require a type URI to
//! resolve, and tells clients not to dereference it automatically (§3.1.1); a
//! `tag:` URI says plainly that it is a name, not a locator. The tagging
//! authority is `carepki.github.io`, the host name assigned to the `carepki`
//! account that holds the project's repository, and 2026 the year the names were
//! minted. Each type is documented where clients look: in the OpenAPI document
//! (`/api/v1/openapi.json`, schema `Problem`), with its status and meaning. An
//! answer the service has no kind for (a status it never chose itself) carries
//! `about:blank`, whose title is the HTTP reason phrase (RFC 9457 §4.2.1).
//!
//! Internal failures (500) never show internal messages: the handler logs the
//! error and the problem says only that the request could not be completed.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of a problem document.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// What every problem type URI starts with; the kind's slug follows.
pub(crate) const TYPE_PREFIX: &str = "tag:carepki.github.io,2026:problems/";

/// The kinds of problem the API answers with, each with one type URI, title
/// and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProblemKind {
    /// 400: a query or path parameter is unknown, repeated or has a bad value.
    InvalidParameter,
    /// 400: the request body cannot be used (not a certificate, JSON of the
    /// wrong shape, an unknown issuer, a serial that is not hex).
    InvalidBody,
    /// 404: no certificate with this serial number was issued here.
    CertificateNotFound,
    /// 404: there is no such API path; or (e-service) the object does not
    /// exist or is not the caller's to see — the two are not told apart.
    NotFound,
    /// 405: the path exists, but not with this method.
    MethodNotAllowed,
    /// 408: the request took too long (a body sent too slowly).
    RequestTimeout,
    /// 413: the request body is larger than the API reads.
    BodyTooLarge,
    /// 415: the body's content type is not one the operation accepts.
    UnsupportedMediaType,
    /// 500: the service could not complete the request (the cause is logged).
    InternalError,
    /// 401 (e-service): no valid session or API token came with the request.
    Unauthenticated,
    /// 403 (e-service): the caller may see the object but not do this in his
    /// role, or a session's change lacks its CSRF token.
    Forbidden,
    /// 409 (e-service): the object changed meanwhile, the action was done
    /// already, or the object is in a state that does not allow it.
    Conflict,
    /// 422 (e-service): the input is wrong (a CSR that does not fit its
    /// certificate type, an unknown role, JSON of the wrong shape).
    InvalidInput,
    /// 429 (e-service): too many sign-ins or invitations; `Retry-After` says
    /// when to try again.
    RateLimited,
    /// 503 (e-service): the service failed (database, keys) and stored nothing.
    Unavailable,
    /// Any other status, with type `about:blank`.
    Other(StatusCode),
}

impl ProblemKind {
    /// Every kind with a CarePKI type URI (all but [`ProblemKind::Other`]); the
    /// tests hold the OpenAPI document's list to it.
    #[cfg(test)]
    pub(crate) const ALL: [ProblemKind; 15] = [
        ProblemKind::InvalidParameter,
        ProblemKind::InvalidBody,
        ProblemKind::CertificateNotFound,
        ProblemKind::NotFound,
        ProblemKind::MethodNotAllowed,
        ProblemKind::RequestTimeout,
        ProblemKind::BodyTooLarge,
        ProblemKind::UnsupportedMediaType,
        ProblemKind::InternalError,
        ProblemKind::Unauthenticated,
        ProblemKind::Forbidden,
        ProblemKind::Conflict,
        ProblemKind::InvalidInput,
        ProblemKind::RateLimited,
        ProblemKind::Unavailable,
    ];

    /// The last part of the type URI (`None` for `about:blank`).
    pub(crate) fn slug(self) -> Option<&'static str> {
        Some(match self {
            ProblemKind::InvalidParameter => "invalid-parameter",
            ProblemKind::InvalidBody => "invalid-body",
            ProblemKind::CertificateNotFound => "certificate-not-found",
            ProblemKind::NotFound => "not-found",
            ProblemKind::MethodNotAllowed => "method-not-allowed",
            ProblemKind::RequestTimeout => "request-timeout",
            ProblemKind::BodyTooLarge => "body-too-large",
            ProblemKind::UnsupportedMediaType => "unsupported-media-type",
            ProblemKind::InternalError => "internal-error",
            ProblemKind::Unauthenticated => "unauthenticated",
            ProblemKind::Forbidden => "forbidden",
            ProblemKind::Conflict => "conflict",
            ProblemKind::InvalidInput => "invalid-input",
            ProblemKind::RateLimited => "rate-limited",
            ProblemKind::Unavailable => "unavailable",
            ProblemKind::Other(_) => return None,
        })
    }

    /// The `type` member.
    pub(crate) fn type_uri(self) -> String {
        match self.slug() {
            Some(slug) => format!("{TYPE_PREFIX}{slug}"),
            None => "about:blank".to_owned(),
        }
    }

    /// The `title` member: the same for every occurrence of the kind.
    pub(crate) fn title(self) -> &'static str {
        match self {
            ProblemKind::InvalidParameter => "A request parameter is not valid",
            ProblemKind::InvalidBody => "The request body cannot be used",
            ProblemKind::CertificateNotFound => "No such certificate",
            ProblemKind::NotFound => "Not found",
            ProblemKind::MethodNotAllowed => "Method not allowed on this path",
            ProblemKind::RequestTimeout => "The request took too long",
            ProblemKind::BodyTooLarge => "The request body is too large",
            ProblemKind::UnsupportedMediaType => "Content type not accepted",
            ProblemKind::InternalError => "The service could not complete the request",
            ProblemKind::Unauthenticated => "Sign-in or API token needed",
            ProblemKind::Forbidden => "Not allowed",
            ProblemKind::Conflict => "Conflicts with the current state",
            ProblemKind::InvalidInput => "The input is not valid",
            ProblemKind::RateLimited => "Too many requests",
            ProblemKind::Unavailable => "The service is unavailable",
            ProblemKind::Other(status) => status.canonical_reason().unwrap_or("Error"),
        }
    }

    /// The HTTP status, which the `status` member repeats.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            ProblemKind::InvalidParameter | ProblemKind::InvalidBody => StatusCode::BAD_REQUEST,
            ProblemKind::CertificateNotFound | ProblemKind::NotFound => StatusCode::NOT_FOUND,
            ProblemKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemKind::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ProblemKind::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProblemKind::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ProblemKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ProblemKind::Forbidden => StatusCode::FORBIDDEN,
            ProblemKind::Conflict => StatusCode::CONFLICT,
            ProblemKind::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ProblemKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ProblemKind::Other(status) => status,
        }
    }
}

/// One entry of `invalid_params`: a parameter and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct InvalidParam {
    /// The parameter's name, as the request gave it.
    pub(crate) name: String,
    /// What is wrong with it and how to fix it.
    pub(crate) reason: String,
}

impl InvalidParam {
    /// `name` is wrong because of `reason`.
    pub(crate) fn new(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            reason: reason.into(),
        }
    }
}

/// An RFC 9457 problem: the error answer of the JSON API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    kind: ProblemKind,
    detail: String,
    instance: String,
    invalid_params: Vec<InvalidParam>,
}

impl Problem {
    /// A problem of `kind` for the request to `instance` (its path).
    pub(crate) fn new(
        kind: ProblemKind,
        instance: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            detail: detail.into(),
            instance: instance.into(),
            invalid_params: Vec::new(),
        }
    }

    /// A bad parameter: `invalid-parameter`, with the parameter in
    /// `invalid_params` and its reason as the detail.
    pub(crate) fn invalid_param(instance: impl Into<String>, param: InvalidParam) -> Self {
        Self {
            detail: param.reason.clone(),
            invalid_params: vec![param],
            ..Self::new(ProblemKind::InvalidParameter, instance, "")
        }
    }

    /// A failure inside the service: 500 with `detail` only (which must hold
    /// nothing internal; the caller logs the cause).
    pub(crate) fn internal(instance: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::InternalError, instance, detail)
    }
}

/// The JSON members, in RFC 9457's order.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    instance: &'a str,
    #[serde(skip_serializing_if = "<[InvalidParam]>::is_empty")]
    invalid_params: &'a [InvalidParam],
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.kind.status();
        let doc = Document {
            type_uri: self.kind.type_uri(),
            title: self.kind.title(),
            status: status.as_u16(),
            detail: &self.detail,
            instance: &self.instance,
            invalid_params: &self.invalid_params,
        };
        // Serialising strings and numbers cannot fail; should it, the answer
        // is still a problem document.
        let body = serde_json::to_vec(&doc).unwrap_or_else(|_| {
            format!(
                "{{\"type\":\"about:blank\",\"title\":\"Error\",\"status\":{},\
                 \"detail\":\"\",\"instance\":\"\"}}",
                status.as_u16()
            )
            .into_bytes()
        });
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        // The details are in English; an answer about one request is not for
        // caches (a certificate not found now may be issued in a minute).
        h.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("en"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// Whether `path` is the JSON API's, whose errors are problem documents.
pub(crate) fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The most of a framework's error text that is carried into `detail`.
const MAX_FRAMEWORK_TEXT: usize = 2048;

/// Middleware: an error answer under `/api/` that is not yet a problem document
/// (answered by the framework, not by a handler) becomes one. A 4xx keeps the
/// framework's plain-text message as its detail; a 5xx never shows its body.
/// `Allow` and `Retry-After` are kept (axum adds the `Allow` of a 405 outside
/// this layer, so it reaches the client either way).
pub(crate) async fn api_problems(req: Request, next: Next) -> Response {
    if !is_api_path(req.uri().path()) {
        return next.run(req).await;
    }
    let instance = req.uri().path().to_owned();
    let resp = next.run(req).await;
    let status = resp.status();
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text_body = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    let said = if status.is_client_error() && text_body {
        match axum::body::to_bytes(body, MAX_FRAMEWORK_TEXT).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
            Err(_) => String::new(),
        }
    } else {
        String::new()
    };
    let (kind, detail) = framework_problem(status, &instance, said);
    if kind == ProblemKind::InternalError {
        tracing::error!(%status, path = %instance, "API request failed outside its handler");
    }
    let mut problem = Problem::new(kind, instance, detail).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            problem.headers_mut().insert(name, v.clone());
        }
    }
    problem
}

/// The kind and detail of an error the framework answered with.
fn framework_problem(status: StatusCode, path: &str, said: String) -> (ProblemKind, String) {
    let or_said = |default: String| {
        if said.is_empty() {
            default
        } else {
            said.clone()
        }
    };
    match status {
        StatusCode::NOT_FOUND => (
            ProblemKind::NotFound,
            format!(
                "there is no API path {path}; the paths are listed in the OpenAPI document at \
                 /api/v1/openapi.json"
            ),
        ),
        // axum adds the `Allow` header after this layer has run, so the detail
        // points to it rather than repeating it.
        StatusCode::METHOD_NOT_ALLOWED => (
            ProblemKind::MethodNotAllowed,
            format!(
                "{path} does not take this method; the Allow header lists the methods it \
                 takes (see also /api/v1/openapi.json)"
            ),
        ),
        StatusCode::REQUEST_TIMEOUT => (
            ProblemKind::RequestTimeout,
            format!(
                "the request was not complete within {} seconds; send the whole request at \
                 once and try again",
                crate::REQUEST_TIMEOUT.as_secs()
            ),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            ProblemKind::BodyTooLarge,
            or_said("the request body is too large; send one certificate".to_owned()),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ProblemKind::UnsupportedMediaType,
            or_said("the request's content type is not accepted here".to_owned()),
        ),
        StatusCode::INTERNAL_SERVER_ERROR => (
            ProblemKind::InternalError,
            "the request could not be completed; try again later".to_owned(),
        ),
        other => (
            ProblemKind::Other(other),
            or_said(format!(
                "the request failed with HTTP status {}",
                other.as_u16()
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_json(resp: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn a_problem_has_the_five_members_and_its_status() {
        for kind in ProblemKind::ALL {
            let resp = Problem::new(kind, "/api/v1/x", "what to fix").into_response();
            assert_eq!(resp.status(), kind.status());
            assert_eq!(resp.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
            let v = body_json(resp).await;
            let slug = kind.slug().unwrap();
            assert_eq!(v["type"], format!("{TYPE_PREFIX}{slug}"));
            assert_eq!(v["title"], kind.title());
            assert_eq!(v["status"], kind.status().as_u16());
            assert_eq!(v["detail"], "what to fix");
            assert_eq!(v["instance"], "/api/v1/x");
            assert!(v.get("invalid_params").is_none());
        }
        let p = Problem::invalid_param("/p", InvalidParam::new("page", "must be 1 or more"));
        let v = body_json(p.into_response()).await;
        assert_eq!(v["detail"], "must be 1 or more");
        assert_eq!(
            v["invalid_params"],
            serde_json::json!([{ "name": "page", "reason": "must be 1 or more" }])
        );
        let v = body_json(
            Problem::new(ProblemKind::Other(StatusCode::CONFLICT), "/p", "x").into_response(),
        )
        .await;
        assert_eq!(
            (v["type"].as_str(), v["title"].as_str()),
            (Some("about:blank"), Some("Conflict"))
        );
    }

    #[test]
    fn slugs_are_unique_and_titles_fixed() {
        let mut slugs: Vec<_> = ProblemKind::ALL.iter().filter_map(|k| k.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemKind::ALL.len());
        assert!(is_api_path("/api/v1/certificates"));
        assert!(is_api_path("/api"));
        assert!(!is_api_path("/apiary"));
    }
}

//! The certificate test service over HTTP: [`Authority::inspect`] as a JSON API
//! and as an HTML page.
//!
//! - `POST /api/v1/test-certificate` with the certificate as the body (PEM or
//!   DER: `application/pkix-cert`, `application/x-pem-file`, `text/plain`,
//!   `application/octet-stream`) or `application/json`
//!   `{ "issuer": "<ca id>", "serial": "<hex>" }` → the inspection as JSON.
//!   Errors are RFC 9457 problem documents ([`Problem`]): bodies over 64 KiB
//!   get 413 (`body-too-large`), another content type 415
//!   (`unsupported-media-type`), and input that is not a certificate, or names
//!   no CA or no serial, 400 (`invalid-body`), each saying what to send instead.
//! - `GET /test-certificate` → the form (file upload, paste, or issuer and
//!   serial); with `issuer` and `serial` in the query it also shows the report
//!   (the search page links here). The language is [`crate::i18n`]'s
//!   (`lang=fi|sv|en` picks one); the page's texts, the summary included, come
//!   from the message files, while the details of each check are the report's
//!   own (English) words.
//! - `POST /test-certificate` (multipart or URL-encoded form) → the report.
//!
//! The verdict is the database's (R-STATUS-TRUTH); each published source is
//! shown beside it with whether it agrees.
//!
//! [`Authority::inspect`]: carepki_ca::Authority::inspect

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use carepki_ca::CaError;
use carepki_ca::authority::now_unix;
use carepki_ca::inspect::{InspectInput, Inspection, MAX_INPUT, Verdict};
use fluent_bundle::FluentArgs;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::i18n::{self, Lang, PageLang};
use crate::problem::{Problem, ProblemKind};
use crate::search::render;

/// The largest request body of the API: one certificate, 64 KiB.
pub(crate) const MAX_BODY: usize = MAX_INPUT;

/// The largest form submission: the certificate plus the form's own overhead
/// (multipart boundaries, URL-encoding of a pasted PEM).
const MAX_FORM: usize = 4 * MAX_INPUT;

/// The routes of the test service.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/test-certificate", post(api_test))
        .route("/test-certificate", get(page).post(submit))
        .layer(DefaultBodyLimit::max(MAX_FORM))
}

/// The body types the API reads as a certificate.
const CERTIFICATE_TYPES: [&str; 5] = [
    "application/pkix-cert",
    "application/x-pem-file",
    "text/plain",
    "application/octet-stream",
    "application/x-x509-ca-cert",
];

/// The JSON form of the API's request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BySerial {
    issuer: String,
    serial: String,
}

enum ReadError {
    TooLarge,
    Broken(String),
}

/// Reads a body of at most `limit` bytes, stopping as soon as it is exceeded.
async fn read_limited(body: Body, limit: usize) -> Result<Vec<u8>, ReadError> {
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ReadError::Broken(e.to_string()))?;
        if out.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|v| !v.is_empty())
}

fn too_large() -> String {
    format!(
        "the request body is larger than {} KiB; send one certificate (a few KiB)",
        MAX_BODY / 1024
    )
}

/// What an inspection failure means for the caller: a message for a bad
/// request, or `Err` with the internal error to log.
fn inspect_failure(e: CaError) -> Result<String, String> {
    match e {
        CaError::InvalidInput(message) => Ok(message),
        other => Err(other.to_string()),
    }
}

const UNAVAILABLE: &str = "the certificate could not be checked right now; try again later";

async fn run(state: &AppState, input: InspectInput) -> Result<Inspection, (StatusCode, String)> {
    state
        .authority
        .inspect(input, now_unix())
        .await
        .map_err(|e| match inspect_failure(e) {
            Ok(message) => (StatusCode::BAD_REQUEST, message),
            Err(internal) => {
                tracing::error!(error = %internal, "certificate test failed");
                (StatusCode::INTERNAL_SERVER_ERROR, UNAVAILABLE.to_owned())
            }
        })
}

async fn api_test(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let instance = uri.path();
    let problem = |kind, detail: String| Problem::new(kind, instance, detail).into_response();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return problem(ProblemKind::BodyTooLarge, too_large());
    }
    let media = media_type(&headers);
    let json = media.as_deref() == Some("application/json");
    if !json
        && media
            .as_deref()
            .is_some_and(|m| !CERTIFICATE_TYPES.contains(&m))
    {
        return problem(
            ProblemKind::UnsupportedMediaType,
            format!(
                "content type {} is not accepted; send the certificate as {}, or JSON \
                 {{\"issuer\": \"<ca id>\", \"serial\": \"<hex>\"}} as application/json",
                media.unwrap_or_default(),
                CERTIFICATE_TYPES.join(", ")
            ),
        );
    }
    let bytes = match read_limited(body, MAX_BODY).await {
        Ok(b) => b,
        Err(ReadError::TooLarge) => return problem(ProblemKind::BodyTooLarge, too_large()),
        Err(ReadError::Broken(e)) => {
            return problem(
                ProblemKind::InvalidBody,
                format!("the request body could not be read: {e}; send it again"),
            );
        }
    };
    let input = if json {
        match serde_json::from_slice::<BySerial>(&bytes) {
            Ok(b) => InspectInput::IssuerSerial {
                issuer: b.issuer,
                serial: b.serial,
            },
            Err(e) => {
                return problem(
                    ProblemKind::InvalidBody,
                    format!(
                        "the JSON body must be {{\"issuer\": \"<ca id>\", \"serial\": \
                         \"<hex>\"}} ({e}); to test a certificate file, send it as \
                         application/pkix-cert or application/x-pem-file instead"
                    ),
                );
            }
        }
    } else {
        InspectInput::Certificate(bytes)
    };
    match run(&state, input).await {
        Ok(report) => axum::Json(report).into_response(),
        // `run` has logged an internal failure, and its message hides it.
        Err((StatusCode::BAD_REQUEST, message)) => problem(ProblemKind::InvalidBody, message),
        Err((_, message)) => problem(ProblemKind::InternalError, message),
    }
}

// ---------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------

/// The form's fields, echoed back into it.
#[derive(Debug, Default)]
struct FormFields {
    file: Vec<u8>,
    pem: String,
    issuer: String,
    serial: String,
}

impl FormFields {
    fn input(&self) -> Option<InspectInput> {
        if !self.file.is_empty() {
            Some(InspectInput::Certificate(self.file.clone()))
        } else if !self.pem.trim().is_empty() {
            Some(InspectInput::Certificate(self.pem.clone().into_bytes()))
        } else if !self.issuer.trim().is_empty() && !self.serial.trim().is_empty() {
            Some(InspectInput::IssuerSerial {
                issuer: self.issuer.trim().to_owned(),
                serial: self.serial.trim().to_owned(),
            })
        } else {
            None
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    issuer: Option<String>,
    serial: Option<String>,
}

/// The report's one-line summary in `lang`, built from the report's facts (the
/// report's own `summary` is English, for the API).
fn summary(lang: Lang, report: &Inspection) -> String {
    let mut args = FluentArgs::new();
    let when = |t: Option<&str>| {
        t.and_then(i18n::parse_rfc3339)
            .map_or_else(|| "–".to_owned(), |u| i18n::format_datetime(lang, u))
    };
    let issuer = report
        .chain
        .issuing_ca
        .clone()
        .unwrap_or_else(|| "–".into());
    let validity = report.validity.as_ref();
    let id = match report.verdict {
        Verdict::Valid => {
            args.set("issuer", issuer);
            args.set("until", when(validity.map(|v| v.not_after.as_str())));
            if report.chain.hierarchy.as_deref() == Some("test") {
                "summary-valid-test"
            } else {
                "summary-valid"
            }
        }
        Verdict::NotYetValid => {
            args.set("from", when(validity.map(|v| v.not_before.as_str())));
            "summary-not-yet-valid"
        }
        Verdict::Expired => {
            args.set("until", when(validity.map(|v| v.not_after.as_str())));
            "summary-expired"
        }
        Verdict::Revoked => {
            let db = &report.revocation.database;
            args.set("at", when(db.revoked_at.as_deref()));
            let reason = db.reason.as_deref().unwrap_or("unspecified");
            let reason = i18n::message(lang, &format!("reason-{reason}"), None)
                .unwrap_or_else(|| reason.to_owned());
            args.set("reason", reason);
            "summary-revoked"
        }
        Verdict::NotIssuedHere => {
            args.set("detail", report.chain.detail.clone());
            "summary-not-issued-here"
        }
        Verdict::InvalidSignature => {
            args.set("issuer", issuer);
            "summary-invalid-signature"
        }
    };
    i18n::translate(lang, id, Some(&args))
}

fn render_page(
    state: &AppState,
    lang: &PageLang,
    status: StatusCode,
    form: &FormFields,
    error: Option<String>,
    report: Option<&Inspection>,
) -> Response {
    let cas: Vec<&String> = state.authority.cas().keys().collect();
    let ctx = json!({
        "form": {
            "pem": form.pem,
            "issuer": form.issuer,
            "serial": form.serial,
        },
        "cas": cas,
        "error": error,
        "report": report,
        "summary": report.map(|r| summary(lang.lang, r)),
    });
    // The language switcher keeps a test by issuer and serial.
    let keep = [
        ("issuer", form.issuer.trim()),
        ("serial", form.serial.trim()),
    ];
    let keep: &[(&str, &str)] = if keep.iter().all(|(_, v)| !v.is_empty()) {
        &keep
    } else {
        &[]
    };
    render(
        status,
        "testservice.html",
        "test",
        lang,
        keep,
        "/test-certificate",
        ctx,
    )
}

async fn inspect_and_render(state: &AppState, lang: &PageLang, form: FormFields) -> Response {
    let Some(input) = form.input() else {
        let message = i18n::t(lang.lang, "test-nothing");
        return render_page(
            state,
            lang,
            StatusCode::BAD_REQUEST,
            &form,
            Some(message),
            None,
        );
    };
    match run(state, input).await {
        Ok(report) => render_page(state, lang, StatusCode::OK, &form, None, Some(&report)),
        Err((status, message)) => {
            let message = if status == StatusCode::BAD_REQUEST {
                let mut args = FluentArgs::new();
                args.set("detail", message);
                i18n::translate(lang.lang, "test-invalid-input", Some(&args))
            } else {
                i18n::t(lang.lang, "test-unavailable")
            };
            render_page(state, lang, status, &form, Some(message), None)
        }
    }
}

async fn page(
    State(state): State<AppState>,
    lang: PageLang,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let form = FormFields {
        issuer: q.issuer.unwrap_or_default(),
        serial: q.serial.unwrap_or_default(),
        ..FormFields::default()
    };
    if form.issuer.is_empty() || form.serial.is_empty() {
        return render_page(&state, &lang, StatusCode::OK, &form, None, None);
    }
    inspect_and_render(&state, &lang, form).await
}

async fn submit(State(state): State<AppState>, lang: PageLang, req: Request) -> Response {
    let media = media_type(req.headers());
    let form = match media.as_deref() {
        Some("multipart/form-data") => read_multipart(&state, req).await,
        Some("application/x-www-form-urlencoded") => {
            match axum::Form::<Vec<(String, String)>>::from_request(req, &state).await {
                Ok(axum::Form(pairs)) => {
                    let mut form = FormFields::default();
                    for (name, value) in pairs {
                        match name.as_str() {
                            "pem" => form.pem = value,
                            "issuer" => form.issuer = value,
                            "serial" => form.serial = value,
                            _ => {}
                        }
                    }
                    Ok(form)
                }
                Err(e) => Err((e.status(), e.body_text())),
            }
        }
        _ => Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, String::new())),
    };
    match form {
        Ok(form) => inspect_and_render(&state, &lang, form).await,
        Err((status, detail)) => {
            let message = match status {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    let mut args = FluentArgs::new();
                    args.set("kib", MAX_INPUT / 1024);
                    i18n::translate(lang.lang, "test-too-large", Some(&args))
                }
                StatusCode::UNSUPPORTED_MEDIA_TYPE => i18n::t(lang.lang, "test-unsupported-form"),
                _ => {
                    let mut args = FluentArgs::new();
                    args.set("detail", detail);
                    i18n::translate(lang.lang, "test-form-unreadable", Some(&args))
                }
            };
            render_page(
                &state,
                &lang,
                status,
                &FormFields::default(),
                Some(message),
                None,
            )
        }
    }
}

async fn read_multipart(
    state: &AppState,
    req: Request,
) -> Result<FormFields, (StatusCode, String)> {
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|e| (e.status(), e.body_text()))?;
    let mut form = FormFields::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err((e.status(), e.body_text())),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| (e.status(), e.body_text()))?;
        if bytes.len() > MAX_INPUT {
            return Err((StatusCode::PAYLOAD_TOO_LARGE, String::new()));
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "file" => form.file = bytes.to_vec(),
            "pem" => form.pem = text(),
            "issuer" => form.issuer = text(),
            "serial" => form.serial = text(),
            _ => {}
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_input_precedence() {
        let mut f = FormFields {
            issuer: "root".into(),
            serial: "01".into(),
            ..FormFields::default()
        };
        assert!(matches!(f.input(), Some(InspectInput::IssuerSerial { .. })));
        f.pem = "  ".into();
        assert!(matches!(f.input(), Some(InspectInput::IssuerSerial { .. })));
        f.pem = "-----BEGIN".into();
        assert!(matches!(f.input(), Some(InspectInput::Certificate(_))));
        assert!(FormFields::default().input().is_none());
    }
}

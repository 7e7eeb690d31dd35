//! Status over HTTP: the OCSP responder (RFC 6960 Appendix A, RFC 5019 §5–6),
//! the CRLs at their distribution points (RFC 5280, content type RFC 2585) and
//! the Prometheus metrics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use carepki_ca::Authority;
use carepki_ca::ocsp::{AnswerKind, OcspAnswer, OcspService};
use carepki_x509::ocsp::{MAX_REQUEST_BYTES, ResponseStatus, error_response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

const OCSP_RESPONSE: HeaderValue = HeaderValue::from_static("application/ocsp-response");

/// The state of the OCSP routes.
#[derive(Clone)]
pub(crate) struct OcspState {
    service: Arc<OcspService>,
}

/// POST `/ocsp/{ca}` (and `/ocsp`) and GET `/ocsp/{ca}/{base64 request}`.
/// Bodies over [`MAX_REQUEST_BYTES`] get 413 before they are read in full.
pub(crate) fn ocsp_routes(service: Arc<OcspService>) -> Router {
    Router::new()
        .route("/ocsp", post(ocsp_post))
        .route("/ocsp/{ca}", post(ocsp_post_ca))
        .route("/ocsp/{ca}/{*request}", get(ocsp_get))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(OcspState { service })
}

async fn ocsp_post_ca(
    State(s): State<OcspState>,
    Path(_ca): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ocsp_post(State(s), headers, body).await
}

async fn ocsp_post(State(s): State<OcspState>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if content_type.as_deref() != Some("application/ocsp-request") {
        count(AnswerKind::Malformed);
        tracing::debug!(?content_type, "OCSP POST without application/ocsp-request");
        let mut resp = error_answer(ResponseStatus::MalformedRequest);
        *resp.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        resp.headers_mut().insert(
            "x-carepki-error",
            HeaderValue::from_static(
                "send the DER request with Content-Type: application/ocsp-request",
            ),
        );
        return resp;
    }
    let answer = s.service.respond(&body, now()).await;
    answer_response(answer)
}

async fn ocsp_get(
    State(s): State<OcspState>,
    Path((_ca, request)): Path<(String, String)>,
) -> Response {
    // The path segment is URL-decoded by the router; clients use standard base64
    // (RFC 6960 Appendix A.1), some the URL-safe alphabet.
    let trimmed = request.trim_matches('/');
    if trimmed.len() > MAX_REQUEST_BYTES * 4 / 3 + 4 {
        count(AnswerKind::Malformed);
        return error_answer(ResponseStatus::MalformedRequest);
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(trimmed))
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed));
    let Ok(der) = der else {
        count(AnswerKind::Malformed);
        return error_answer(ResponseStatus::MalformedRequest);
    };
    let answer = s.service.respond(&der, now()).await;
    answer_response(answer)
}

fn error_answer(status: ResponseStatus) -> Response {
    let body = error_response(status).unwrap_or(&[0x30, 0x03, 0x0a, 0x01, 0x02]);
    let mut resp = (StatusCode::OK, Bytes::from_static(body)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, OCSP_RESPONSE);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn answer_response(answer: OcspAnswer) -> Response {
    count(answer.kind);
    let mut resp = (StatusCode::OK, answer.body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, OCSP_RESPONSE);
    match answer.cache {
        // RFC 5019 §6.2: validators and freshness from the response itself.
        Some(c) => {
            let max_age = (c.next_update - now()).max(0);
            if let Some(v) = cached_header(&CACHE_CONTROL_VALUES, max_age, || {
                format!("max-age={max_age}, public, no-transform, must-revalidate")
            }) {
                h.insert(header::CACHE_CONTROL, v);
            }
            if let Some(v) = cached_header(&DATE_VALUES, c.this_update, || http_date(c.this_update))
            {
                h.insert(header::LAST_MODIFIED, v);
            }
            if let Some(v) = cached_header(&DATE_VALUES, c.next_update, || http_date(c.next_update))
            {
                h.insert(header::EXPIRES, v);
            }
            if let Ok(v) = HeaderValue::from_str(&c.etag) {
                h.insert(header::ETAG, v);
            }
        }
        None => {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
    resp
}

/// The answer counters, registered once (after the recorder is installed):
/// registering per request would hash the name and labels every time.
fn count(kind: AnswerKind) {
    static COUNTERS: OnceLock<HashMap<AnswerKind, metrics::Counter>> = OnceLock::new();
    let counters = COUNTERS.get_or_init(|| {
        [
            AnswerKind::Good,
            AnswerKind::Revoked,
            AnswerKind::SignedOnDemand,
            AnswerKind::Unknown,
            AnswerKind::Malformed,
            AnswerKind::Unauthorized,
            AnswerKind::TryLater,
            AnswerKind::InternalError,
        ]
        .into_iter()
        .map(|k| {
            (
                k,
                metrics::counter!("carepki_ocsp_responses_total", "status" => k.label()),
            )
        })
        .collect()
    });
    if let Some(c) = counters.get(&kind) {
        c.increment(1);
    }
}

/// A few recently made header values per thread, by the number they show:
/// pre-signed responses of one refresh share their times, so formatting them
/// once per thread and second is enough.
type HeaderCache = std::thread::LocalKey<std::cell::RefCell<Vec<(i64, HeaderValue)>>>;

thread_local! {
    static DATE_VALUES: std::cell::RefCell<Vec<(i64, HeaderValue)>> =
        const { std::cell::RefCell::new(Vec::new()) };
    static CACHE_CONTROL_VALUES: std::cell::RefCell<Vec<(i64, HeaderValue)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn cached_header(
    cache: &'static HeaderCache,
    key: i64,
    make: impl FnOnce() -> String,
) -> Option<HeaderValue> {
    cache.with(|c| {
        let mut c = c.borrow_mut();
        if let Some((_, v)) = c.iter().find(|(k, _)| *k == key) {
            return Some(v.clone());
        }
        let v = HeaderValue::from_str(&make()).ok()?;
        if c.len() >= 8 {
            c.remove(0);
        }
        c.push((key, v.clone()));
        Some(v)
    })
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// An IMF-fixdate (RFC 9110 §5.6.7).
pub(crate) fn http_date(unix: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs(u64::try_from(unix.max(0)).unwrap_or(0));
    httpdate::fmt_http_date(t)
}

// ---- CRLs -----------------------------------------------------------------

/// A CA id and `"full"` or `"delta"`.
type CrlKey = (String, &'static str);

/// Where each CA's CRLs are served: the paths of the ceremony's CRL and delta
/// CRL URLs, and the latest bytes read (by CRL number).
#[derive(Default)]
pub(crate) struct CrlPaths {
    paths: HashMap<String, (String, &'static str)>,
    cache: Mutex<HashMap<CrlKey, (i64, Bytes)>>,
}

impl CrlPaths {
    pub(crate) fn new(authority: &Authority) -> Self {
        let mut paths = HashMap::new();
        let c = authority.ceremony();
        for id in authority.cas().keys() {
            for (url, kind) in [(c.crl_url(id), "full"), (c.delta_crl_url(id), "delta")] {
                match c.path_of(&url) {
                    Some(path) => {
                        paths.insert(path, (id.clone(), kind));
                    }
                    None => tracing::warn!(%url, "CRL URL is not under base_url; not served here"),
                }
            }
        }
        Self {
            paths,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The CRL response for `path`, or `None` if no CRL is published there.
    pub(crate) async fn serve(&self, authority: &Authority, path: &str) -> Option<Response> {
        let (ca_id, kind) = self.paths.get(path)?;
        let row = match authority.store().latest_crl(ca_id, kind).await {
            Ok(Some(row)) => row,
            Ok(None) => {
                return Some(
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [(header::RETRY_AFTER, "5")],
                        "this CRL has not been published yet; try again in a few seconds\n",
                    )
                        .into_response(),
                );
            }
            Err(e) => {
                tracing::error!(error = %e, "reading the CRL record failed");
                return Some(
                    (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response(),
                );
            }
        };
        let key = (ca_id.clone(), *kind);
        let cached = self.cache.lock().ok().and_then(|c| {
            c.get(&key)
                .filter(|(n, _)| *n == row.number)
                .map(|(_, b)| b.clone())
        });
        let bytes = match cached {
            Some(b) => b,
            None => {
                let path = authority.data_dir().resolve(&row.file);
                match tokio::fs::read(&path).await {
                    Ok(b) => {
                        let b = Bytes::from(b);
                        if let Ok(mut c) = self.cache.lock() {
                            c.insert(key, (row.number, b.clone()));
                        }
                        b
                    }
                    Err(e) => {
                        tracing::error!(path = %path.display(), error = %e, "CRL file unreadable");
                        return Some(
                            (StatusCode::SERVICE_UNAVAILABLE, "CRL file unavailable\n")
                                .into_response(),
                        );
                    }
                }
            }
        };
        let mut resp = (StatusCode::OK, bytes).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pkix-crl"),
        );
        // Caches may keep it until a newer one is due: a delta soon, a full CRL later.
        let max_age = (row.next_update - now()).clamp(0, 3600);
        if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}, no-transform")) {
            h.insert(header::CACHE_CONTROL, v);
        }
        if let Ok(v) = HeaderValue::from_str(&http_date(row.this_update)) {
            h.insert(header::LAST_MODIFIED, v);
        }
        if let Ok(v) = HeaderValue::from_str(&http_date(row.next_update)) {
            h.insert(header::EXPIRES, v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", row.sha256)) {
            h.insert(header::ETAG, v);
        }
        Some(resp)
    }
}

// ---- metrics --------------------------------------------------------------

/// The process's Prometheus recorder (installed once).
pub(crate) fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    "a metrics recorder was installed already; /metrics shows only this one's"
                );
            }
            handle
        })
        .clone()
}

/// GET `/metrics`: counters kept as things happen, and gauges read from the
/// database at scrape time (certificates by status, CRL age, audit result).
pub(crate) fn metrics_routes(authority: Arc<Authority>) -> Router {
    let handle = metrics_handle();
    Router::new()
        .route("/metrics", get(render_metrics))
        .with_state((authority, handle))
}

async fn render_metrics(
    State((authority, handle)): State<(Arc<Authority>, PrometheusHandle)>,
) -> Response {
    let now = now();
    if let Ok((valid, revoked)) = authority.store().status_counts().await {
        metrics::gauge!("carepki_certificates", "status" => "valid").set(valid as f64);
        metrics::gauge!("carepki_certificates", "status" => "revoked").set(revoked as f64);
    }
    for id in authority.cas().keys() {
        for kind in ["full", "delta"] {
            if let Ok(Some(row)) = authority.store().latest_crl(id, kind).await {
                metrics::gauge!("carepki_crl_age_seconds", "ca" => id.clone(), "kind" => kind)
                    .set((now - row.this_update) as f64);
                metrics::gauge!("carepki_crl_number", "ca" => id.clone(), "kind" => kind)
                    .set(row.number as f64);
            }
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

// ---- the background status audit --------------------------------------------

/// How often the service audits every certificate's status (R-STATUS-TRUTH).
pub(crate) const AUDIT_INTERVAL: Duration = Duration::from_secs(600);

/// Runs the status audit every [`AUDIT_INTERVAL`] (the first a minute after
/// start, once the publishers have caught up) and exposes the result as
/// `carepki_status_audit_failures` and `carepki_status_audit_last_run_timestamp_seconds`.
pub(crate) async fn run_audits(authority: Arc<Authority>) {
    tokio::time::sleep(Duration::from_secs(60)).await;
    loop {
        let now = now();
        match crate::audit_once(&authority, now).await {
            Ok(report) => {
                let failures = report.failures();
                metrics::gauge!("carepki_status_audit_failures").set(failures as f64);
                metrics::gauge!("carepki_status_audit_certificates")
                    .set(report.certificates as f64);
                metrics::gauge!("carepki_status_audit_last_run_timestamp_seconds").set(now as f64);
                if failures > 0 {
                    for f in report
                        .findings
                        .iter()
                        .filter(|f| f.severity == carepki_ca::audit::Severity::Failure)
                    {
                        tracing::error!(serial = %f.serial, ca = %f.ca_id, source = f.source, "{}", f.message);
                    }
                } else {
                    tracing::info!(certificates = report.certificates, "status audit passed");
                }
            }
            Err(e) => tracing::error!(error = %e, "status audit could not run"),
        }
        tokio::time::sleep(AUDIT_INTERVAL).await;
    }
}

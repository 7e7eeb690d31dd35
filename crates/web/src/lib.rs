//! CarePKI's HTTP face: the CA certificates at the URLs that issued certificates
//! name in their authorityInfoAccess (caIssuers), the CRLs at their distribution
//! points, the OCSP responder, certificate search, the certificate test service,
//! Prometheus metrics and a health endpoint. Only this crate speaks HTTP.
//!
//! The JSON API lives under `/api/v1`, is described by the OpenAPI document at
//! `/api/v1/openapi.json` (`openapi.rs`), and answers every error with an
//! RFC 9457 problem document (`problem.rs`).
//!
//! The pages speak Finnish, Swedish and English ([`i18n`]: Fluent message files,
//! language negotiation, local dates and numbers).
#![forbid(unsafe_code)]

pub mod cardauth;
mod cardpages;
pub mod eservice;
pub mod i18n;
pub mod oidc;
mod openapi;
mod problem;
mod search;
mod status;
mod testservice;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use carepki_ca::Authority;
use carepki_ca::ocsp::OcspService;
use carepki_store::Store;

/// A document served at a fixed path.
#[derive(Debug, Clone)]
struct Published {
    content_type: &'static str,
    body: Arc<Vec<u8>>,
}

/// What every handler can reach.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) authority: Arc<Authority>,
    pub(crate) store: Store,
    published: Arc<HashMap<String, Published>>,
    crls: Arc<status::CrlPaths>,
    ca_count: usize,
}

/// Build the router for an authority.
///
/// Every CA certificate is served as DER (`application/pkix-cert`, RFC 2585) at the
/// path of its caIssuers URL from the ceremony, and as PEM next to it (`.pem` in place
/// of `.der`, `application/x-pem-file`).
pub fn router(authority: &Arc<Authority>) -> Router {
    let mut published = HashMap::new();
    for (id, ca) in authority.cas() {
        let url = authority.ceremony().ca_issuers_url(id);
        let Some(path) = authority.ceremony().path_of(&url) else {
            tracing::warn!(%url, "CA issuers URL is not under base_url; not served here");
            continue;
        };
        published.insert(
            path.clone(),
            Published {
                content_type: "application/pkix-cert",
                body: Arc::new(ca.row.cert_der.clone()),
            },
        );
        if let Some(stem) = path.strip_suffix(".der") {
            published.insert(
                format!("{stem}.pem"),
                Published {
                    content_type: "application/x-pem-file",
                    body: Arc::new(ca.pem.clone().into_bytes()),
                },
            );
        }
    }
    let state = AppState {
        authority: Arc::clone(authority),
        store: authority.store().clone(),
        ca_count: authority.cas().len(),
        published: Arc::new(published),
        crls: Arc::new(status::CrlPaths::new(authority)),
    };
    Router::new()
        .route("/health", get(health))
        .merge(search::routes())
        .merge(testservice::routes())
        .merge(openapi::routes())
        // An unknown path under /api/ gets its 404 as a problem document from
        // the layer below, like every other error of the API.
        .fallback(published_document)
        .layer(axum::middleware::from_fn(problem::api_problems))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Response {
    match state.store.count_certificates().await {
        Ok(n) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({
                "status": "ok",
                "database": "ok",
                "cas": state.ca_count,
                "certificates": n,
            })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "error", "database": "unavailable"})),
            )
                .into_response()
        }
    }
}

async fn published_document(State(state): State<AppState>, uri: Uri) -> Response {
    if let Some(resp) = state.crls.serve(&state.authority, uri.path()).await {
        return resp;
    }
    match state.published.get(uri.path()) {
        Some(doc) => {
            let mut resp = (StatusCode::OK, doc.body.as_ref().clone()).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(doc.content_type),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            );
            resp
        }
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// The whole service: [`router`] plus the OCSP responder and `/metrics`.
///
/// A request that takes longer than [`REQUEST_TIMEOUT`] (a client that sends its
/// body slowly, say) gets 408, so slow clients cannot hold connections forever;
/// under `/api/` that 408 is a problem document.
pub fn service_router(authority: &Arc<Authority>, ocsp: Arc<OcspService>) -> Router {
    let timeout = || {
        tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        )
    };
    // The OCSP routes answer OCSP, never problem documents: they get the timeout
    // but not the API's error middleware, which their hot path does not need.
    let ocsp = status::ocsp_routes(ocsp).layer(timeout());
    router(authority)
        .merge(status::metrics_routes(Arc::clone(authority)))
        .layer(timeout())
        .layer(axum::middleware::from_fn(problem::api_problems))
        .merge(ocsp)
}

/// [`service_router`], with the e-service (sign-in, pages and its API) when
/// given: what [`serve_with`] serves. The e-service's routes get the same
/// timeout, and their errors under `/api/` are problem documents too.
pub fn service_router_with(
    authority: &Arc<Authority>,
    ocsp: Arc<OcspService>,
    eservice: Option<eservice::EsWeb>,
) -> Router {
    let app = service_router(authority, ocsp);
    match eservice {
        Some(es) => eservice::router(es)
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                REQUEST_TIMEOUT,
            ))
            .layer(axum::middleware::from_fn(problem::api_problems))
            .merge(app),
        None => app,
    }
}

/// The longest a request may take, body included.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The status machinery of a running service: the OCSP responder and the
/// background tasks (its refresher, the CRL publisher, the periodic audit).
#[derive(Debug)]
pub struct StatusServices {
    /// The OCSP responder.
    pub ocsp: Arc<OcspService>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl StatusServices {
    /// Stops the background tasks and waits until they have stopped (before the
    /// store is closed, so that none of them fails on a closed pool).
    pub async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Starts the status machinery of a service: the OCSP responder (responder
/// certificates, pre-signed responses) and, in the background, its refresher,
/// the CRL publisher and the periodic status audit.
pub async fn start_status_services(
    authority: &Arc<Authority>,
) -> Result<StatusServices, carepki_ca::CaError> {
    status::metrics_handle();
    let ocsp = OcspService::start(Arc::clone(authority)).await?;
    let tasks = vec![
        tokio::spawn(Arc::clone(&ocsp).run_refresher()),
        tokio::spawn(Arc::clone(authority).run_crl_publisher()),
        tokio::spawn(status::run_audits(Arc::clone(authority))),
    ];
    Ok(StatusServices { ocsp, tasks })
}

/// Serve until the process is stopped (Ctrl-C or SIGTERM).
pub async fn serve(
    authority: &Arc<Authority>,
    ocsp: Arc<OcspService>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    serve_with(authority, ocsp, None, listener).await
}

/// [`serve`], with the e-service (sign-in, pages and its API) when given.
pub async fn serve_with(
    authority: &Arc<Authority>,
    ocsp: Arc<OcspService>,
    eservice: Option<eservice::EsWeb>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let app = service_router_with(authority, ocsp, eservice);
    // Small answers on kept-alive connections: without TCP_NODELAY, Nagle's
    // algorithm and delayed ACKs held some OCSP answers back by tens of ms.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// One status audit of `authority` at `now`, with the certificate search's
/// answer for every certificate (R-STATUS-TRUTH); what `carepki status audit`
/// and the service's periodic audit run.
///
/// The search is asked serial by serial through the same query the search API
/// and page run, so a fault in it shows up here.
pub async fn audit_once(
    authority: &Authority,
    now: i64,
) -> Result<carepki_ca::audit::AuditReport, carepki_ca::CaError> {
    use futures_util::StreamExt as _;
    let store = authority.store();
    let mut answers = HashMap::new();
    let mut serials = Vec::new();
    let mut statuses = store.statuses();
    while let Some(row) = statuses.next().await {
        serials.push(row?.serial);
    }
    drop(statuses);
    for serial in serials {
        let q = carepki_store::SearchQuery {
            serial: Some(serial.clone()),
            per_page: 2,
            ..carepki_store::SearchQuery::all(now)
        };
        let page = store.search_certificates(&q).await?;
        if let Some(hit) = page.items.iter().find(|h| h.serial == serial) {
            answers.insert(serial, hit.status.as_str().to_owned());
        }
    }
    authority.audit_status(now, Some(&answers)).await
}

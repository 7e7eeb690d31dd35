//! CarePKI's HTTP face. For now: the CA certificates at the URLs that issued
//! certificates name in their authorityInfoAccess (caIssuers), and a health endpoint.
//! Later issues add CRLs, OCSP, search and the e-service here: only this crate speaks
//! HTTP.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use carepki_ca::Authority;
use carepki_store::Store;

/// A document served at a fixed path.
#[derive(Debug, Clone)]
struct Published {
    content_type: &'static str,
    body: Arc<Vec<u8>>,
}

#[derive(Clone)]
struct AppState {
    store: Store,
    published: Arc<HashMap<String, Published>>,
    ca_count: usize,
}

/// Build the router for an authority.
///
/// Every CA certificate is served as DER (`application/pkix-cert`, RFC 2585) at the
/// path of its caIssuers URL from the ceremony, and as PEM next to it (`.pem` in place
/// of `.der`, `application/x-pem-file`).
pub fn router(authority: &Authority) -> Router {
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
        store: authority.store().clone(),
        ca_count: authority.cas().len(),
        published: Arc::new(published),
    };
    Router::new()
        .route("/health", get(health))
        .fallback(published_document)
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

/// Serve until the process is stopped (Ctrl-C or SIGTERM).
pub async fn serve(
    authority: &Authority,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let app = router(authority);
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

//! The OpenAPI 3.1 document of the JSON API, served at `GET /api/v1/openapi.json`.
//!
//! The document is written by hand (`crates/web/openapi/openapi.json`) and
//! compiled in: it is short, it reads as documentation, and it needs no
//! generator crate. What keeps it true is the tests: `tests/openapi.rs` checks it
//! with an independent OpenAPI 3.1 validator, proves that every path and method
//! it documents is served and that every `/api/v1` route the code registers is
//! documented, and validates real responses (hits, pages, inspection reports,
//! problems) against its schemas; the unit tests below tie its problem types and
//! profile names to the code.
//!
//! The answer is `application/json`, cacheable for an hour by anyone, with a
//! strong `ETag` (the document changes only with the binary), and a matching
//! `If-None-Match` gets 304.

use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

/// The document.
pub(crate) const DOCUMENT: &str = include_str!("../openapi/openapi.json");

/// The routes: the document alone. (Every route's path is a literal, so that
/// `tests/openapi.rs` can read the registered routes from the source.)
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(document))
}

/// The entity tag of the document: a hash of its text and the crate's version.
fn etag() -> &'static HeaderValue {
    static ETAG: OnceLock<HeaderValue> = OnceLock::new();
    ETAG.get_or_init(|| {
        // SipHash with fixed keys: the same text gives the same tag in one binary.
        let mut h = std::hash::DefaultHasher::new();
        DOCUMENT.hash(&mut h);
        let tag = format!("\"{}-{:016x}\"", env!("CARGO_PKG_VERSION"), h.finish());
        HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"openapi\""))
    })
}

/// Whether `If-None-Match` names the document's tag (or is `*`).
fn not_modified(headers: &HeaderMap) -> bool {
    let tag = etag().as_bytes();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(|t| t.trim_ascii())
        .any(|t| t == b"*" || t == tag || t.strip_prefix(b"W/") == Some(tag))
}

async fn document(headers: HeaderMap) -> Response {
    let mut resp = if not_modified(&headers) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut resp = (StatusCode::OK, DOCUMENT).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    };
    let h = resp.headers_mut();
    h.insert(header::ETAG, etag().clone());
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use carepki_policy::ProfileId;
    use serde_json::Value;

    use super::*;
    use crate::problem::{ProblemKind, TYPE_PREFIX};

    fn doc() -> Value {
        serde_json::from_str(DOCUMENT).unwrap()
    }

    fn consts(v: &Value) -> Vec<String> {
        let mut out: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["const"].as_str().unwrap().to_owned())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn the_problem_types_are_the_codes() {
        let doc = doc();
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..4]), Some("3.1."));
        let problem = &doc["components"]["schemas"]["Problem"];
        let documented = consts(&problem["properties"]["type"]["oneOf"]);
        let mut served: Vec<String> = ProblemKind::ALL.iter().map(|k| k.type_uri()).collect();
        served.push("about:blank".to_owned());
        served.sort();
        assert_eq!(documented, served);
        assert!(
            served
                .iter()
                .all(|t| t == "about:blank" || t.starts_with(TYPE_PREFIX))
        );
        // Each type's description gives its status and title.
        for c in problem["properties"]["type"]["oneOf"].as_array().unwrap() {
            let Some(kind) = ProblemKind::ALL
                .into_iter()
                .find(|k| k.type_uri() == c["const"].as_str().unwrap())
            else {
                continue;
            };
            assert_eq!(c["title"], kind.title(), "{kind:?}");
            let status = kind.status().as_u16().to_string();
            assert!(
                c["description"].as_str().unwrap().starts_with(&status),
                "{kind:?}: the description starts with {status}"
            );
        }
    }

    #[test]
    fn the_profiles_and_statuses_are_the_codes() {
        let doc = doc();
        let mut profiles: Vec<&str> = ProfileId::ALL.iter().map(|p| p.as_str()).collect();
        profiles.push(carepki_ca::responder::RESPONDER_PROFILE);
        profiles.sort_unstable();
        let schemas = &doc["components"]["schemas"];
        let mut documented: Vec<&str> = schemas["Profile"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        documented.sort_unstable();
        assert_eq!(documented, profiles);
        let statuses: Vec<&str> = carepki_store::SearchStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(schemas["Status"]["enum"], serde_json::json!(statuses));
    }

    #[test]
    fn the_security_schemes_are_the_cookies() {
        let doc = doc();
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(
            schemes["session"]["name"],
            crate::eservice::session::SESSION_COOKIE
        );
        assert_eq!(
            schemes["registration"]["name"],
            crate::eservice::session::REGISTER_COOKIE
        );
    }

    #[tokio::test]
    async fn served_cacheable_with_an_etag() {
        let resp = document(HeaderMap::new()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
        assert!(
            resp.headers()[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .starts_with("public")
        );
        let tag = resp.headers()[header::ETAG].clone();
        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, tag);
        assert_eq!(document(again).await.status(), StatusCode::NOT_MODIFIED);
        let mut other = HeaderMap::new();
        other.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\""));
        assert_eq!(document(other).await.status(), StatusCode::OK);
    }
}

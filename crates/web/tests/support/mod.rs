//! What the web tests share: sending a request through the router and reading
//! the answer, and checking RFC 9457 problem documents.
#![allow(dead_code, unreachable_pub)] // each test file uses a part

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub mod eservice;
pub mod orders;
pub mod softcard;

/// The prefix of CarePKI's problem types.
pub const TYPE_PREFIX: &str = "tag:carepki.github.io,2026:problems/";

/// An answer of the router.
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// The RFC 9457 problem of an error answer, checked: its content type, its
    /// type `kind`, its status equal to the HTTP status, and non-empty title,
    /// detail and instance.
    pub fn problem(&self, kind: &str) -> Value {
        assert_eq!(
            self.content_type,
            "application/problem+json",
            "{}",
            self.text()
        );
        let v = self.json();
        assert_eq!(v["type"], format!("{TYPE_PREFIX}{kind}"), "{v}");
        assert_eq!(v["status"], self.status.as_u16(), "{v}");
        for member in ["title", "detail", "instance"] {
            assert!(
                v[member].as_str().is_some_and(|s| !s.is_empty()),
                "{member}: {v}"
            );
        }
        v
    }
}

/// Sends `req` through `app` and reads the whole answer.
pub async fn send(app: &axum::Router, req: Request<Body>) -> Reply {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        content_type,
        headers,
        body,
    }
}

/// GET `uri`.
pub async fn get(app: &axum::Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// HTTP methods, lower case, as OpenAPI names them.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// The (method, path) pairs that `.route("…", get(…).post(…))` calls register
/// in `src`; a route whose path is not a string literal fails the test.
pub fn routes_in_source(file: &str, src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (at, _) in src.match_indices(".route(") {
        let rest = src[at + ".route(".len()..].trim_start();
        let Some(rest) = rest.strip_prefix('"') else {
            panic!(
                "{file}: a route whose path is not a literal: {}",
                &rest[..rest.len().min(60)]
            );
        };
        let end = rest.find('"').unwrap();
        let path = &rest[..end];
        let after = &rest[end + 1..];
        let mut depth = 1;
        let close = after
            .char_indices()
            .find(|(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        let router = &after[..close];
        for method in METHODS {
            for (p, _) in router.match_indices(&format!("{method}(")) {
                let before = router[..p].chars().next_back();
                if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                    out.push((method.to_uppercase(), path.to_owned()));
                }
            }
        }
    }
    out
}

//! The OpenAPI document (`GET /api/v1/openapi.json`) against the service that
//! serves it, on a real authority:
//!
//! - it is valid OpenAPI 3.1 by an independent validator (Python's
//!   `openapi-spec-validator`, through `openapi_check.py`);
//! - the routes it documents are exactly the `/api/v1` routes the code
//!   registers (read from the source), each documented path and method is
//!   served, and every other method on those paths gets 405;
//! - real responses (hits, pages, files, inspection reports, problems) match
//!   the documented status, content type and schema (Python's `jsonschema`,
//!   with the object schemas closed); without Python the required members are
//!   still checked here;
//! - every error of the API, whoever answers it (a handler, the router, the
//!   timeout), is an RFC 9457 problem document whose `status` is the HTTP status.
//!
//! The Python checks are skipped with a note when `python3` cannot import
//! `openapi_spec_validator` (`python3 -m pip install openapi-spec-validator`),
//! unless `CAREPKI_REQUIRE_OPENAPI_VALIDATOR=1` (as `scripts/test` sets), which
//! makes that a failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepki_ca::authority::now_unix;
use carepki_ca::crl::CrlKind;
use carepki_policy::ProfileId;
use carepki_x509::RevocationReason;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

#[path = "../../ca/tests/common/mod.rs"]
mod common;
mod support;

use carepki_ra::eservice::{EService, EServiceSettings};
use carepki_web::eservice::{EsWeb, SignInMethod};
use common::{ORG, authority, issue};
use support::eservice::{self as es, Auth, Payload, request as es_request};
use support::{METHODS, Reply, TYPE_PREFIX, routes_in_source};

/// Set to 1 to fail, not skip, when the Python validator is missing.
const REQUIRE_VAR: &str = "CAREPKI_REQUIRE_OPENAPI_VALIDATOR";

/// The public `/api/v1` routes the code registers, as (method, path).
const PUBLIC: [(&str, &str); 6] = [
    ("GET", "/api/v1/certificates"),
    ("GET", "/api/v1/certificates/{serial}"),
    ("GET", "/api/v1/certificates/{serial}/der"),
    ("GET", "/api/v1/certificates/{serial}/pem"),
    ("POST", "/api/v1/test-certificate"),
    ("GET", "/api/v1/openapi.json"),
];

/// The e-service's `/api/v1` routes (issue 4, point 9), as (method, path).
const ESERVICE: [(&str, &str); 50] = [
    ("POST", "/api/v1/register"),
    ("GET", "/api/v1/me"),
    ("POST", "/api/v1/session/organisation"),
    ("POST", "/api/v1/accounts"),
    ("GET", "/api/v1/account"),
    ("POST", "/api/v1/invitations"),
    ("POST", "/api/v1/invitations/accept"),
    ("GET", "/api/v1/applications"),
    ("POST", "/api/v1/applications"),
    ("GET", "/api/v1/applications/{id}"),
    ("POST", "/api/v1/applications/{id}/csr"),
    ("POST", "/api/v1/applications/{id}/conformity"),
    ("GET", "/api/v1/applications/{id}/attachments/{attachment}"),
    ("POST", "/api/v1/applications/{id}/syssig-basis"),
    ("POST", "/api/v1/applications/{id}/submit"),
    ("POST", "/api/v1/applications/{id}/withdraw"),
    ("POST", "/api/v1/applications/{id}/provide-info"),
    ("POST", "/api/v1/applications/{id}/start-review"),
    ("POST", "/api/v1/applications/{id}/approve"),
    ("POST", "/api/v1/applications/{id}/issue"),
    ("POST", "/api/v1/applications/{id}/request-more-info"),
    ("POST", "/api/v1/applications/{id}/reject"),
    ("GET", "/api/v1/queue"),
    ("GET", "/api/v1/my-certificates"),
    ("GET", "/api/v1/my-certificates/{serial}"),
    ("GET", "/api/v1/my-certificates/{serial}/der"),
    ("GET", "/api/v1/my-certificates/{serial}/pem"),
    ("GET", "/api/v1/my-certificates/{serial}/chain"),
    ("POST", "/api/v1/revocations"),
    ("GET", "/api/v1/cards"),
    ("POST", "/api/v1/cards/{id}/revocation"),
    ("GET", "/api/v1/registration-points"),
    ("GET", "/api/v1/registration-point-applications"),
    ("POST", "/api/v1/registration-point-applications"),
    (
        "POST",
        "/api/v1/registration-point-applications/{id}/decision",
    ),
    ("POST", "/api/v1/registration-points/{id}/registrars"),
    ("POST", "/api/v1/registrars/{id}/approval"),
    ("GET", "/api/v1/registrars/{id}/training"),
    ("GET", "/api/v1/powers-of-attorney"),
    ("POST", "/api/v1/powers-of-attorney"),
    ("POST", "/api/v1/powers-of-attorney/{id}/withdrawal"),
    ("GET", "/api/v1/registrar/points"),
    ("GET", "/api/v1/registration-points/{id}/card-orders"),
    ("POST", "/api/v1/registration-points/{id}/card-orders"),
    ("POST", "/api/v1/card-orders/{id}/cancellation"),
    ("POST", "/api/v1/card-orders/{id}/hand-over"),
    ("POST", "/api/v1/card-orders/{id}/revocation"),
    ("GET", "/api/v1/api-tokens"),
    ("POST", "/api/v1/api-tokens"),
    ("DELETE", "/api/v1/api-tokens/{id}"),
];

/// The source files that register routes.
const SOURCES: [(&str, &str); 11] = [
    ("lib.rs", include_str!("../src/lib.rs")),
    ("search.rs", include_str!("../src/search.rs")),
    ("testservice.rs", include_str!("../src/testservice.rs")),
    ("openapi.rs", include_str!("../src/openapi.rs")),
    ("status.rs", include_str!("../src/status.rs")),
    ("eservice/mod.rs", include_str!("../src/eservice/mod.rs")),
    ("eservice/auth.rs", include_str!("../src/eservice/auth.rs")),
    ("eservice/api.rs", include_str!("../src/eservice/api.rs")),
    (
        "eservice/registration.rs",
        include_str!("../src/eservice/registration.rs"),
    ),
    (
        "eservice/orders.rs",
        include_str!("../src/eservice/orders.rs"),
    ),
    (
        "eservice/session.rs",
        include_str!("../src/eservice/session.rs"),
    ),
];

/// Every `/api/v1` route the code registers.
fn registered() -> BTreeSet<(String, String)> {
    PUBLIC
        .iter()
        .chain(ESERVICE.iter())
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect()
}

/// The requests of a test, recorded for the schema checks.
struct Recorder {
    app: axum::Router,
    exchanges: Vec<Value>,
}

impl Recorder {
    /// Sends `req`; `template` is the documented path it is for (`None`: a
    /// path the document does not have).
    async fn send(&mut self, template: Option<&str>, req: Request<Body>) -> Reply {
        let method = req.method().to_string();
        let uri = req.uri().to_string();
        let reply = support::send(&self.app, req).await;
        let status = reply.status;
        let media = reply.content_type.split(';').next().unwrap_or_default();
        let body = if media.ends_with("json") {
            reply.json()
        } else if media.starts_with("text/") || media == "application/x-pem-file" {
            Value::String(String::from_utf8(reply.body.clone()).unwrap())
        } else {
            Value::Null
        };
        if status.is_client_error() || status.is_server_error() {
            assert_problem(&reply, &uri);
        }
        self.exchanges.push(json!({
            "method": method,
            "template": template,
            "uri": uri,
            "status": status.as_u16(),
            "content_type": reply.content_type,
            "body": body,
        }));
        reply
    }

    async fn get(&mut self, template: Option<&str>, uri: &str) -> Reply {
        self.send(template, Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    async fn post(&mut self, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let mut req = Request::post(TEST);
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        self.send(Some(TEST), req.body(Body::from(body)).unwrap())
            .await
    }
}

const TEST: &str = "/api/v1/test-certificate";

/// An error answer of the API: `application/problem+json` with the five
/// members, `status` equal to the HTTP status and `instance` the request path.
fn assert_problem(r: &Reply, uri: &str) -> Value {
    assert_eq!(
        r.content_type,
        "application/problem+json",
        "{uri}: {}",
        String::from_utf8_lossy(&r.body)
    );
    let v = r.json();
    for member in ["type", "title", "detail", "instance"] {
        assert!(
            v[member].as_str().is_some_and(|s| !s.is_empty()),
            "{uri}: `{member}` is missing or empty: {v}"
        );
    }
    assert_eq!(v["status"], r.status.as_u16(), "{uri}: {v}");
    let path = uri.split('?').next().unwrap();
    assert_eq!(v["instance"], path, "{uri}: {v}");
    let t = v["type"].as_str().unwrap();
    assert!(
        t.starts_with(TYPE_PREFIX) || t == "about:blank",
        "{uri}: {t}"
    );
    v
}

/// The problem type of an error answer.
fn kind(r: &Reply) -> String {
    let v = r.json();
    v["type"]
        .as_str()
        .unwrap()
        .trim_start_matches(TYPE_PREFIX)
        .to_owned()
}

/// The (method, path) pairs the document describes.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Whether `python3` has the validator; `None` when the checks are to be
/// skipped (with the note printed).
fn python_validator() -> Option<()> {
    let ok = std::process::Command::new("python3")
        .args([
            "-c",
            "import openapi_spec_validator, jsonschema, referencing",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(());
    }
    if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") {
        panic!("{REQUIRE_VAR}=1 but python3 cannot import openapi_spec_validator");
    }
    eprintln!(
        "note: python3 with openapi-spec-validator is missing \
         (python3 -m pip install openapi-spec-validator): skipping the OpenAPI \
         validation and the schema checks by jsonschema"
    );
    None
}

/// Runs `openapi_check.py` on the document and the exchanges.
fn run_python_checks(doc: &[u8], exchanges: &[Value]) {
    let dir = tempfile::tempdir().unwrap();
    let doc_path = dir.path().join("openapi.json");
    let ex_path = dir.path().join("exchanges.json");
    std::fs::write(&doc_path, doc).unwrap();
    std::fs::write(&ex_path, serde_json::to_vec(exchanges).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/openapi_check.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&doc_path)
        .arg(&ex_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "openapi_check.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", stdout.trim());
}

/// Without Python: the documented schema's required members are in `body`
/// (following `$ref`, `anyOf` with null, `properties` and `items`).
fn check_required(doc: &Value, schema: &Value, body: &Value, at: &str) {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    };
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        if !body.is_null() {
            let non_null = any.iter().find(|s| s["type"] != "null").unwrap();
            check_required(doc, non_null, body, at);
        }
        return;
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        let obj = body
            .as_object()
            .unwrap_or_else(|| panic!("{at}: not an object"));
        for name in required {
            let name = name.as_str().unwrap();
            assert!(obj.contains_key(name), "{at}: `{name}` is missing");
        }
        for (name, sub) in schema["properties"].as_object().unwrap() {
            if let Some(v) = obj.get(name) {
                check_required(doc, sub, v, &format!("{at}/{name}"));
            }
        }
        let documented: BTreeSet<&String> =
            schema["properties"].as_object().unwrap().keys().collect();
        for name in obj.keys() {
            assert!(
                documented.contains(name),
                "{at}: `{name}` is not documented"
            );
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), body.as_array()) {
        for (i, v) in values.iter().enumerate() {
            check_required(doc, items, v, &format!("{at}/{i}"));
        }
    }
}

/// The schema of the documented answer to an exchange (JSON answers only).
fn response_schema<'a>(doc: &'a Value, ex: &Value) -> Option<&'a Value> {
    let media = ex["content_type"].as_str()?.split(';').next()?;
    if !media.ends_with("json") {
        return None;
    }
    let Some(template) = ex["template"].as_str() else {
        return Some(&doc["components"]["schemas"]["Problem"]);
    };
    let method = ex["method"].as_str()?.to_lowercase();
    let responses = &doc["paths"][template][&method]["responses"];
    let mut response = responses
        .get(ex["status"].to_string())
        .or_else(|| responses.get("default"))?;
    if let Some(r) = response.get("$ref").and_then(Value::as_str) {
        response = &doc["components"]["responses"][r.rsplit('/').next()?];
    }
    response["content"][media].get("schema")
}

#[tokio::test]
async fn the_document_matches_the_service() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store.clone(), tmp.path()).await;
    let a = issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await;
    let b = issue(&ca, ProfileId::Server, "b.jarvilaakso-hva.fi").await;
    let t = issue(&ca, ProfileId::TestServer, "t.jarvilaakso-hva.fi").await;
    ca.revoke(&b.serial, RevocationReason::KeyCompromise, None, "test")
        .await
        .unwrap();
    ca.publish_crl("service-providers", CrlKind::Full, now_unix())
        .await
        .unwrap();
    let ocsp = carepki_ca::ocsp::OcspService::start(Arc::clone(&ca))
        .await
        .unwrap();
    // The whole service, e-service included, as `carepki serve` serves it.
    let es = EService::new(
        Arc::clone(&ca),
        EServiceSettings::new(vec![7u8; 32], "https://pki.example.fi"),
    )
    .unwrap();
    let web = EsWeb::new(es, SignInMethod::Demo);
    let mut rec = Recorder {
        app: carepki_web::service_router_with(&ca, ocsp, Some(web)),
        exchanges: Vec::new(),
    };

    // The document: JSON, cacheable, with an ETag that a revalidation matches.
    let doc_path = "/api/v1/openapi.json";
    let r = rec.get(Some(doc_path), doc_path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type, "application/json");
    let cache = r.headers[header::CACHE_CONTROL].to_str().unwrap();
    assert!(
        cache.contains("public") && cache.contains("max-age="),
        "{cache}"
    );
    let doc_bytes = r.body.clone();
    let doc = r.json();
    let etag = r.headers[header::ETAG].clone();
    let req = Request::get(doc_path)
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .unwrap();
    let r = rec.send(Some(doc_path), req).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());

    // (b) The documented routes are the registered ones, read from the source.
    let registered = registered();
    assert_eq!(documented(&doc), registered, "documented vs registered");
    let in_source: BTreeSet<(String, String)> = SOURCES
        .iter()
        .flat_map(|(file, src)| routes_in_source(file, src))
        .filter(|(_, path)| path.starts_with("/api/"))
        .collect();
    assert_eq!(in_source, registered, "the source registers other routes");
    assert!(
        SOURCES.iter().all(|(_, src)| !src.contains(".nest(")),
        "a nested router's routes would not be seen here"
    );

    // Every documented public operation is served: called with real data, it
    // answers 2xx (never the router's 404 or 405). (The e-service's are called
    // by `the_eservice_answers_match_the_document`.)
    let der = format!("/api/v1/certificates/{}/der", a.serial);
    let pem = format!("/api/v1/certificates/{}/pem", a.serial);
    let one = format!("/api/v1/certificates/{}", a.serial);
    for (method, template) in PUBLIC {
        let uri = template.replace("{serial}", &a.serial);
        let r = match method {
            "GET" => rec.get(Some(template), &uri).await,
            _ => {
                rec.post(Some("application/x-pem-file"), a.pem.clone().into_bytes())
                    .await
            }
        };
        assert!(r.status.is_success(), "{method} {uri}: {}", r.status);
    }
    // Every other method on a documented path is refused with 405 and `Allow`
    // (HEAD follows GET in axum, and is left out).
    for (path, item) in doc["paths"].as_object().unwrap() {
        let uri = path
            .replace("{serial}", &a.serial)
            .replace("{id}", "1")
            .replace("{attachment}", "1");
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if item.get(method.to_lowercase()).is_some() {
                continue;
            }
            let req = Request::builder()
                .method(method)
                .uri(&uri)
                .body(Body::empty())
                .unwrap();
            let r = rec.send(None, req).await;
            assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
            assert_eq!(kind(&r), "method-not-allowed");
            assert!(r.headers.contains_key(header::ALLOW), "{method} {uri}");
        }
    }
    // Paths the document does not have are not served.
    for uri in [
        "/api/v1/nothing",
        "/api/v2/certificates",
        "/api/v1/certificates/01/der/x",
        "/api",
    ] {
        let r = rec.get(None, uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(kind(&r), "not-found", "{uri}");
    }

    // (c) Real answers for the schema checks: searches, one certificate and
    // its files, inspections of every kind.
    let search = Some("/api/v1/certificates");
    for query in [
        "",
        "?status=revoked",
        "?status=valid&profile=server",
        &format!("?org={ORG}&per_page=1"),
        "?per_page=1&page=2",
        "?org_name=sj%C3%B6dalens",
        "?subject=nobody-at-all",
        "?lang=en",
    ] {
        let r = rec
            .get(search, &format!("/api/v1/certificates{query}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}");
    }
    let r = rec.get(Some("/api/v1/certificates/{serial}"), &one).await;
    assert_eq!(r.json()["serial"], a.serial.as_str());
    let revoked = format!("/api/v1/certificates/{}", b.serial);
    let r = rec
        .get(Some("/api/v1/certificates/{serial}"), &revoked)
        .await;
    assert_eq!(r.json()["revocation_reason"], "keyCompromise");
    let r = rec
        .get(Some("/api/v1/certificates/{serial}/der"), &der)
        .await;
    assert_eq!(r.body, a.der);
    let r = rec
        .get(Some("/api/v1/certificates/{serial}/pem"), &pem)
        .await;
    assert_eq!(String::from_utf8(r.body).unwrap(), a.pem);

    // The test service takes each documented body type, and no other.
    let body_types = &doc["paths"][TEST]["post"]["requestBody"]["content"];
    for (ct, _) in body_types.as_object().unwrap() {
        let body = match ct.as_str() {
            "application/json" => json!({ "issuer": "service-providers", "serial": b.serial })
                .to_string()
                .into_bytes(),
            "application/x-pem-file" | "text/plain" => t.pem.clone().into_bytes(),
            _ => a.der.clone(),
        };
        let r = rec.post(Some(ct), body).await;
        assert_eq!(r.status, StatusCode::OK, "{ct}");
    }
    let r = rec.post(None, a.pem.clone().into_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "no content type");
    for (issuer, serial) in [("service-providers", "7f01"), ("root", "01")] {
        let body = json!({ "issuer": issuer, "serial": serial }).to_string();
        let r = rec.post(Some("application/json"), body.into_bytes()).await;
        assert_eq!(r.json()["verdict"], "not_issued_here");
        assert!(r.json()["certificate"].is_null());
    }
    let root_pem = carepki_x509::cert::certificate_pem(&ca.cas()["root"].row.cert_der).unwrap();
    let r = rec
        .post(Some("application/x-pem-file"), root_pem.into_bytes())
        .await;
    assert_eq!(r.json()["chain"]["issued_here"], "ca_certificate");
    for ct in [
        "image/png",
        "multipart/form-data; boundary=x",
        "application/xml",
    ] {
        let r = rec.post(Some(ct), a.der.clone()).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        assert_eq!(kind(&r), "unsupported-media-type");
    }

    // (d) The errors of the handlers: each a problem of its type.
    for (uri, status, expected) in [
        ("/api/v1/certificates?status=gone", 400, "invalid-parameter"),
        (
            "/api/v1/certificates?per_page=1000",
            400,
            "invalid-parameter",
        ),
        ("/api/v1/certificates?bogus=1", 400, "invalid-parameter"),
        (
            "/api/v1/certificates?page=1&page=2",
            400,
            "invalid-parameter",
        ),
        ("/api/v1/certificates/zz", 400, "invalid-parameter"),
        ("/api/v1/certificates/%FF", 400, "invalid-parameter"),
        ("/api/v1/certificates/zz/der", 400, "invalid-parameter"),
        ("/api/v1/certificates/7f0102", 404, "certificate-not-found"),
        (
            "/api/v1/certificates/7f0102/der",
            404,
            "certificate-not-found",
        ),
        (
            "/api/v1/certificates/7f0102/pem",
            404,
            "certificate-not-found",
        ),
    ] {
        let template = if uri.contains('?') {
            "/api/v1/certificates"
        } else if uri.ends_with("/der") {
            "/api/v1/certificates/{serial}/der"
        } else if uri.ends_with("/pem") {
            "/api/v1/certificates/{serial}/pem"
        } else {
            "/api/v1/certificates/{serial}"
        };
        let r = rec.get(Some(template), uri).await;
        assert_eq!(r.status.as_u16(), status, "{uri}");
        assert_eq!(kind(&r), expected, "{uri}");
        if expected == "invalid-parameter" {
            assert!(r.json()["invalid_params"][0]["name"].is_string(), "{uri}");
        }
    }
    for (ct, body) in [
        ("application/pkix-cert", b"garbage".to_vec()),
        ("application/pkix-cert", Vec::new()),
        ("application/json", b"{\"serial\": 1}".to_vec()),
        (
            "application/json",
            br#"{"issuer": "nobody", "serial": "01"}"#.to_vec(),
        ),
        ("application/json", b"not json".to_vec()),
    ] {
        let r = rec.post(Some(ct), body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{ct}");
        assert_eq!(kind(&r), "invalid-body");
    }
    let r = rec
        .post(Some("application/x-pem-file"), vec![b'A'; 64 * 1024 + 1])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(kind(&r), "body-too-large");

    // 500: with the database gone, a problem that shows nothing internal.
    store.close().await;
    for (template, uri) in [
        ("/api/v1/certificates", "/api/v1/certificates".to_owned()),
        ("/api/v1/certificates/{serial}", one.clone()),
        ("/api/v1/certificates/{serial}/pem", pem.clone()),
    ] {
        let r = rec.get(Some(template), &uri).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert_eq!(kind(&r), "internal-error");
        let detail = r.json()["detail"].as_str().unwrap().to_lowercase();
        for leak in ["pool", "sqlx", "sqlite", "closed", "database error"] {
            assert!(!detail.contains(leak), "{uri}: {detail}");
        }
    }
    let body = json!({ "issuer": "service-providers", "serial": a.serial }).to_string();
    let r = rec.post(Some("application/json"), body.into_bytes()).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(kind(&r), "internal-error");

    // Without Python, at least the required members of every JSON answer.
    for ex in &rec.exchanges {
        if let Some(schema) = response_schema(&doc, ex) {
            let at = format!("{} {}", ex["method"], ex["uri"]);
            if schema.get("$ref").is_some() || schema.get("required").is_some() {
                check_required(&doc, schema, &ex["body"], &at);
            }
        }
    }
    // (a) and (c) by the independent validators.
    if python_validator().is_some() {
        run_python_checks(&doc_bytes, &rec.exchanges);
    }
}

impl Recorder {
    /// Sends an e-service request for the documented `template`.
    async fn es(
        &mut self,
        template: &str,
        method: &str,
        uri: &str,
        auth: Auth<'_>,
        body: Payload,
    ) -> Reply {
        self.send(Some(template), es_request(method, uri, auth, None, body))
            .await
    }
}

/// The e-service's answers match the document (issue 4, point 9): one journey
/// calls every e-service operation with real data — each answers 2xx at least
/// once — and a few refusals; every answer is validated against its
/// documented status, content type and schema. (R-ACCOUNT, R-CSR, R-STAGES,
/// R-CONFORMITY, R-SYSSIG-APPLICANT, R-DELIVERY, R-REVOKE-HOW.)
#[tokio::test]
async fn the_eservice_answers_match_the_document() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let w = es::world(store, "https://pki.example.fi").await;
    let mut rec = Recorder {
        app: w.app.clone(),
        exchanges: Vec::new(),
    };
    let doc: Value =
        serde_json::from_slice(&support::get(&w.app, "/api/v1/openapi.json").await.body).unwrap();

    // Registration through the API after the demo identity provider's
    // sign-in; without the registration cookie, refused.
    let r = rec
        .es(
            "/api/v1/register",
            "POST",
            "/api/v1/register",
            Auth::Anonymous,
            Payload::Json(json!({"display_name": "X", "email": "x@example.fi", "language": "fi"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = es::demo_login(&w.app, "010180-9026", es::next_client()).await;
    let reg = es::cookie_pair(&es::set_cookie(&r, "carepki_register").unwrap());
    let form = support::send(
        &w.app,
        Request::get("/register")
            .header(header::COOKIE, &reg)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let req = Request::post("/api/v1/register")
        .header(header::COOKIE, &reg)
        .header("x-csrf-token", form.headers["x-csrf-token"].clone())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"display_name": "Alice Admin", "email": "alice@example.fi", "language": "sv"})
                .to_string(),
        ))
        .unwrap();
    let r = rec.send(Some("/api/v1/register"), req).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let alice = es::session_of(&w.app, &r).await;
    let a = Auth::Session(&alice);

    let r = rec
        .es(
            "/api/v1/me",
            "GET",
            "/api/v1/me",
            Auth::Anonymous,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = rec
        .es(
            "/api/v1/accounts",
            "POST",
            "/api/v1/accounts",
            a,
            Payload::Json(json!({"org_oid": es::ORG_A})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = rec
        .es(
            "/api/v1/session/organisation",
            "POST",
            "/api/v1/session/organisation",
            a,
            Payload::Json(json!({"org_oid": es::ORG_A})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = rec
        .es("/api/v1/me", "GET", "/api/v1/me", a, Payload::Empty)
        .await;
    assert_eq!(r.json()["acting_for"]["oid"], es::ORG_A);

    // Applications: a server certificate's, with its CSR (PEM), attachment,
    // timeline; a refusal with its problems.
    let apps = "/api/v1/applications";
    let new_app = |profile: &str| Payload::Json(json!({ "profile": profile }));
    let r = rec.es(apps, "POST", apps, a, new_app("server")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let app1 = r.json()["id"].as_i64().unwrap();
    let csr_t = "/api/v1/applications/{id}/csr";
    let r = rec
        .es(
            csr_t,
            "POST",
            &format!("/api/v1/applications/{app1}/csr?filename=evil.csr"),
            a,
            Payload::Raw("application/pkcs10", es::csr_der("www.evil.example")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "csr.profile");
    let pem = es::csr_pem(&format!("www.{}", es::DOMAIN_A));
    let r = rec
        .es(
            csr_t,
            "POST",
            &format!("/api/v1/applications/{app1}/csr?version=1&filename=www.csr"),
            a,
            Payload::Raw("application/x-pem-file", pem.into_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = rec
        .es(
            "/api/v1/applications/{id}",
            "GET",
            &format!("/api/v1/applications/{app1}"),
            a,
            Payload::Empty,
        )
        .await;
    let view = r.json();
    assert!(view["csr"]["subject"].is_string());
    let att = view["attachments"][0]["id"].as_i64().unwrap();
    let r = rec
        .es(
            "/api/v1/applications/{id}/attachments/{attachment}",
            "GET",
            &format!("/api/v1/applications/{app1}/attachments/{att}"),
            a,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.content_type, "application/pkcs10");

    // Invitations: one sent through the API; one taken up.
    let r = rec
        .es(
            "/api/v1/invitations",
            "POST",
            "/api/v1/invitations",
            a,
            Payload::Json(json!({
                "email": "vendor@it.example", "role": "technical-contact",
                "application_id": app1, "language": "en",
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let admin = w.principal(alice.user_id, Some(es::ORG_A)).await;
    let invited =
        w.es.invite(&admin, "bob@example.fi", "org-user", None, "fi", now_unix())
            .await
            .unwrap();
    let bob = es::sign_up(&w.app, "030390-9019", "Bob User").await;
    let token = invited.link.rsplit('/').next().unwrap();
    let r = rec
        .es(
            "/api/v1/invitations/accept",
            "POST",
            "/api/v1/invitations/accept",
            Auth::Session(&bob),
            Payload::Json(json!({ "token": token })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = rec
        .es(
            "/api/v1/invitations/accept",
            "POST",
            "/api/v1/invitations/accept",
            Auth::Session(&bob),
            Payload::Json(json!({ "token": token })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = rec
        .es(
            "/api/v1/account",
            "GET",
            "/api/v1/account",
            a,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.json()["members"].as_array().unwrap().len(), 2);

    // Submission, and the officer's queue and decisions.
    let act = |id: i64, what: &str| format!("/api/v1/applications/{id}/{what}");
    let t = |what: &str| format!("/api/v1/applications/{{id}}/{what}");
    let r = rec
        .es(
            &t("submit"),
            "POST",
            &act(app1, "submit"),
            a,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.json()["state"], "submitted");
    let r = rec
        .es(
            &t("submit"),
            "POST",
            &act(app1, "submit"),
            a,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = rec.es(apps, "GET", apps, a, Payload::Empty).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let olli = es::sign_up(&w.app, "020270-903P", "Olli Officer").await;
    w.store()
        .grant_global_role(olli.user_id, "ca-officer", "test", now_unix())
        .await
        .unwrap();
    let o = Auth::Session(&olli);
    let r = rec
        .es("/api/v1/queue", "GET", "/api/v1/queue", o, Payload::Empty)
        .await;
    assert_eq!(r.json()[0]["application"]["id"], app1);
    let r = rec
        .es(
            &t("start-review"),
            "POST",
            &act(app1, "start-review"),
            o,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.json()["state"], "in-review");
    let r = rec
        .es(
            &t("approve"),
            "POST",
            &act(app1, "approve"),
            o,
            Payload::Json(json!({"version": r.json()["version"]})),
        )
        .await;
    assert_eq!(r.json()["state"], "issued");
    let serial = r.json()["facts"]["serial"].as_str().unwrap().to_owned();

    // The certificate and its files.
    let mine = "/api/v1/my-certificates";
    let r = rec.es(mine, "GET", mine, a, Payload::Empty).await;
    assert_eq!(r.json()[0]["serial"], serial.as_str());
    for (suffix, media) in [
        ("", "application/json"),
        ("/der", "application/pkix-cert"),
        ("/pem", "application/x-pem-file"),
        ("/chain", "application/x-pem-file"),
    ] {
        let r = rec
            .es(
                &format!("{mine}/{{serial}}{suffix}"),
                "GET",
                &format!("{mine}/{serial}{suffix}"),
                a,
                Payload::Empty,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{suffix}");
        assert_eq!(r.content_type, media, "{suffix}");
    }

    // A system signature draft: its ground, a certificate of conformity,
    // withdrawn.
    let r = rec
        .es(apps, "POST", apps, a, new_app("system-signature"))
        .await;
    let app2 = r.json()["id"].as_i64().unwrap();
    let r = rec
        .es(
            &t("syssig-basis"),
            "POST",
            &act(app2, "syssig-basis"),
            a,
            Payload::Json(json!({"basis": "administers-system"})),
        )
        .await;
    assert_eq!(r.json()["facts"]["syssig_basis"], "administers-system");
    let r = rec
        .es(
            &t("conformity"),
            "POST",
            &act(app2, "conformity?filename=c.pdf"),
            a,
            Payload::Raw("application/pdf", es::PDF.to_vec()),
        )
        .await;
    assert_eq!(r.json()["facts"]["conformity_attached"], true);
    let r = rec
        .es(
            &t("conformity"),
            "POST",
            &act(app2, "conformity"),
            a,
            Payload::Raw("application/pdf", b"GIF89a".to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = rec
        .es(
            &t("withdraw"),
            "POST",
            &act(app2, "withdraw"),
            a,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.json()["state"], "withdrawn");

    // Asked for more, sent back, rejected.
    let r = rec.es(apps, "POST", apps, a, new_app("test-server")).await;
    let app3 = r.json()["id"].as_i64().unwrap();
    let csr = es::csr_der(&format!("test.{}", es::DOMAIN_A));
    let r = rec
        .es(
            csr_t,
            "POST",
            &act(app3, "csr"),
            a,
            Payload::Raw("application/pkcs10", csr),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    rec.es(
        &t("submit"),
        "POST",
        &act(app3, "submit"),
        a,
        Payload::Empty,
    )
    .await;
    let r = rec
        .es(
            &t("request-more-info"),
            "POST",
            &act(app3, "request-more-info"),
            o,
            Payload::Json(json!({"message": "Kerro palvelimen käyttötarkoitus."})),
        )
        .await;
    assert_eq!(r.json()["state"], "incomplete");
    let r = rec
        .es(
            &t("provide-info"),
            "POST",
            &act(app3, "provide-info"),
            a,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.json()["state"], "submitted");
    let r = rec
        .es(
            &t("reject"),
            "POST",
            &act(app3, "reject"),
            o,
            Payload::Json(json!({"reason": "Palvelin ei ole Kanta-liittymässä."})),
        )
        .await;
    assert_eq!(r.json()["state"], "rejected");

    // Approved, but the CA refuses to issue while the register no longer
    // lists the domain (R-ELIGIBLE); issued once it does again.
    let r = rec.es(apps, "POST", apps, a, new_app("server")).await;
    let app4 = r.json()["id"].as_i64().unwrap();
    let csr = es::csr_der(&format!("api.{}", es::DOMAIN_A));
    rec.es(
        csr_t,
        "POST",
        &act(app4, "csr"),
        a,
        Payload::Raw("application/pkcs10", csr),
    )
    .await;
    rec.es(
        &t("submit"),
        "POST",
        &act(app4, "submit"),
        a,
        Payload::Empty,
    )
    .await;
    rec.es(
        &t("start-review"),
        "POST",
        &act(app4, "start-review"),
        o,
        Payload::Empty,
    )
    .await;
    w.store()
        .import_organisations(&[es::org_a(&["elsewhere.fi"])], "test", now_unix())
        .await
        .unwrap();
    let r = rec
        .es(
            &t("approve"),
            "POST",
            &act(app4, "approve"),
            o,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    w.store()
        .import_organisations(&[es::org_a(&[es::DOMAIN_A])], "test", now_unix())
        .await
        .unwrap();
    let r = rec
        .es(&t("issue"), "POST", &act(app4, "issue"), o, Payload::Empty)
        .await;
    assert_eq!(r.json()["state"], "issued", "{}", r.text());

    // Revocation.
    let r = rec
        .es(
            "/api/v1/revocations",
            "POST",
            "/api/v1/revocations",
            a,
            Payload::Json(json!({"serial": serial, "reason": "keyCompromise", "confirm": true})),
        )
        .await;
    assert_eq!(r.json()["status"], "revoked");

    // The organisation's staff cards: listed, revoked by its administrator
    // (issue 5, point 7); refusals as problems.
    let card = es::staff_card(&w, es::ORG_A, "Sihteeri").await;
    let other = es::staff_card(&w, es::ORG_B, "Muualla").await;
    let cards = "/api/v1/cards";
    let r = rec.es(cards, "GET", cards, a, Payload::Empty).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()[0]["order_id"], card.id);
    assert_eq!(r.json()[0]["holder_name"], "Sanna Sihteeri");
    let r = rec
        .es(cards, "GET", cards, Auth::Session(&bob), Payload::Empty)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let revoke_t = "/api/v1/cards/{id}/revocation";
    let revoke_at = |id: i64| format!("/api/v1/cards/{id}/revocation");
    let r = rec
        .es(revoke_t, "POST", &revoke_at(card.id), a, Payload::Empty)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "revocation.unconfirmed");
    let r = rec
        .es(
            revoke_t,
            "POST",
            &revoke_at(other.id),
            a,
            Payload::Json(json!({"confirm": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = rec
        .es(
            revoke_t,
            "POST",
            &revoke_at(card.id),
            a,
            Payload::Json(json!({"reason": "affiliationChanged", "confirm": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "revoked");
    assert_eq!(r.json()["revocation_reason"], "affiliationChanged");
    let r = rec
        .es(
            revoke_t,
            "POST",
            &revoke_at(card.id),
            a,
            Payload::Json(json!({"confirm": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "card.already_revoked");

    // Registration points (issue 5, point 2; R-REG-POINT, R-ORDER): A's
    // administrator applies and signs the agreement, the officer accepts, two
    // registrars are applied for with their training certificate and
    // approved; a private organisation gives the point a power of attorney
    // and withdraws it. Refusals as problems.
    let pts = "/api/v1/registration-points";
    let pas = "/api/v1/registration-point-applications";
    let apply = |signed: bool| {
        Payload::Json(
            json!({"name": "Järvilaakson rekisteröintipiste", "agreement_signed": signed}),
        )
    };
    let r = rec.es(pas, "POST", pas, a, apply(false)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "regpoint.no_agreement");
    let r = rec.es(pas, "POST", pas, a, apply(true)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["state"], "pending");
    assert_eq!(
        r.json()["agreement_version"],
        carepki_ra::cards::REGPOINT_AGREEMENT_VERSION
    );
    let pa_id = r.json()["id"].as_i64().unwrap();
    let r = rec.es(pas, "POST", pas, a, apply(true)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "regpoint.application_pending");
    let r = rec.es(pas, "GET", pas, a, Payload::Empty).await;
    assert_eq!(r.json()[0]["id"], pa_id);
    let r = rec.es(pas, "GET", pas, o, Payload::Empty).await;
    assert_eq!(r.json()[0]["id"], pa_id);
    let decide_t = "/api/v1/registration-point-applications/{id}/decision";
    let decide = format!("{pas}/{pa_id}/decision");
    let accept = || Payload::Json(json!({"decision": "accept"}));
    let r = rec.es(decide_t, "POST", &decide, a, accept()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "officer_only");
    let r = rec
        .es(
            decide_t,
            "POST",
            &decide,
            o,
            Payload::Json(json!({"decision": "reject"})),
        )
        .await;
    assert_eq!(r.json()["code"], "regpoint.reject_reason");
    let r = rec.es(decide_t, "POST", &decide, o, accept()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "accepted");
    let point = r.json()["point_id"].as_i64().unwrap();
    let r = rec.es(decide_t, "POST", &decide, o, accept()).await;
    assert_eq!(r.json()["code"], "regpoint.application_decided");
    // (A has the point of its staff cards above, too.)
    let find = |list: &Value, id: i64| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("point {id} not in {list}"))
    };
    let r = rec.es(pts, "GET", pts, a, Payload::Empty).await;
    assert_eq!(find(&r.json()["points"], point)["may_order"], false);
    for p in r.json()["points"].as_array().unwrap() {
        assert_eq!(p["org_oid"], es::ORG_A, "{p}");
    }
    assert_eq!(r.json()["public_points"], json!([]));

    let regs_t = "/api/v1/registration-points/{id}/registrars";
    let regs = format!("{pts}/{point}/registrars");
    let registrar = |user: i64, file: &[u8]| {
        Payload::Raw(
            es::MULTIPART,
            es::multipart(
                &[("user_id", &user.to_string())],
                Some(("koulutus.pdf", file)),
            ),
        )
    };
    let r = rec
        .es(regs_t, "POST", &regs, a, registrar(bob.user_id, b"GIF89a"))
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.json()["code"], "training.not_pdf");
    let mut registrars = Vec::new();
    for user in [bob.user_id, alice.user_id] {
        let r = rec
            .es(regs_t, "POST", &regs, a, registrar(user, es::PDF))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["state"], "pending");
        registrars.push(r.json()["id"].as_i64().unwrap());
    }
    let r = rec
        .es(regs_t, "POST", &regs, a, registrar(bob.user_id, es::PDF))
        .await;
    assert_eq!(r.json()["code"], "registrar.exists");
    let r = rec
        .es(regs_t, "POST", &regs, a, registrar(olli.user_id, es::PDF))
        .await;
    assert_eq!(r.json()["code"], "registrar.not_member");
    let training_t = "/api/v1/registrars/{id}/training";
    let r = rec
        .es(
            training_t,
            "GET",
            &format!("/api/v1/registrars/{}/training", registrars[0]),
            o,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type, "application/pdf");
    assert_eq!(r.body, es::PDF);
    let approval_t = "/api/v1/registrars/{id}/approval";
    let approval = |id: i64| format!("/api/v1/registrars/{id}/approval");
    let r = rec
        .es(
            approval_t,
            "POST",
            &approval(registrars[0]),
            a,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.json()["code"], "officer_only");
    for id in &registrars {
        let r = rec
            .es(approval_t, "POST", &approval(*id), o, Payload::Empty)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["state"], "approved");
    }
    let r = rec
        .es(
            approval_t,
            "POST",
            &approval(registrars[0]),
            o,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.json()["code"], "registrar.already_approved");
    let r = rec.es(pts, "GET", pts, o, Payload::Empty).await;
    assert_eq!(find(&r.json()["points"], point)["may_order"], true);

    let pirkko = es::sign_up(&w.app, "040485-9052", "Pirkko Private").await;
    let p = Auth::Session(&pirkko);
    let r = rec
        .es(
            "/api/v1/accounts",
            "POST",
            "/api/v1/accounts",
            p,
            Payload::Json(json!({"org_oid": es::PRIVATE})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = rec.es(pts, "GET", pts, p, Payload::Empty).await;
    assert_eq!(r.json()["points"], json!([]));
    assert_eq!(
        find(&r.json()["public_points"], point)["org_oid"],
        es::ORG_A
    );
    let poas = "/api/v1/powers-of-attorney";
    let r = rec
        .es(
            poas,
            "POST",
            poas,
            a,
            Payload::Json(json!({"point_id": point})),
        )
        .await;
    assert_eq!(r.json()["code"], "poa.own_point");
    let r = rec
        .es(
            poas,
            "POST",
            poas,
            p,
            Payload::Json(json!({"point_id": point})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["grantor_oid"], es::PRIVATE);
    let poa = r.json()["id"].as_i64().unwrap();
    let r = rec.es(poas, "GET", poas, p, Payload::Empty).await;
    assert_eq!(r.json()[0]["id"], poa);
    let withdraw_t = "/api/v1/powers-of-attorney/{id}/withdrawal";
    let withdraw = format!("{poas}/{poa}/withdrawal");
    let reason = || Payload::Json(json!({"reason": "Sopimus päättyi"}));
    let r = rec.es(withdraw_t, "POST", &withdraw, a, reason()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = rec.es(withdraw_t, "POST", &withdraw, p, reason()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["revoke_reason"], "Sopimus päättyi");
    let r = rec.es(withdraw_t, "POST", &withdraw, p, reason()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // API tokens: made, listed, used, revoked.
    let tokens = "/api/v1/api-tokens";
    let r = rec
        .es(
            tokens,
            "POST",
            tokens,
            a,
            Payload::Json(json!({"name": "EHR", "days": 30})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let bearer = r.json()["token"].as_str().unwrap().to_owned();
    let id = r.json()["api_token"]["id"].as_i64().unwrap();
    rec.es(tokens, "GET", tokens, a, Payload::Empty).await;
    let r = rec
        .es(apps, "GET", apps, Auth::Bearer(&bearer), Payload::Empty)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = rec
        .es(
            "/api/v1/me",
            "GET",
            "/api/v1/me",
            Auth::Bearer(&bearer),
            Payload::Empty,
        )
        .await;
    assert!(r.json()["user"].is_null());
    // Card orders by a registrar (issue 5, point 3): Alice and Bob are the
    // approved registrars of a point of A; his points, an order, the list;
    // refusals as problems (an API token, an expired document, a point that
    // is not his).
    let point =
        es::registrar_point(&w, es::ORG_A, "Ajanvaraus", &[alice.user_id, bob.user_id]).await;
    let points = "/api/v1/registrar/points";
    let r = rec.es(points, "GET", points, a, Payload::Empty).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // (Alice may also be a registrar of the point the registration part made.)
    let listed = r.json();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["point_id"] == point)
        .unwrap_or_else(|| panic!("point {point} is not listed: {listed}"));
    assert_eq!(mine["you_may_order"], true);
    let r = rec
        .es(points, "GET", points, Auth::Bearer(&bearer), Payload::Empty)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "registrar.user_only");
    let orders_t = "/api/v1/registration-points/{id}/card-orders";
    let orders_at = format!("/api/v1/registration-points/{point}/card-orders");
    let r = rec
        .es(
            orders_t,
            "POST",
            &orders_at,
            a,
            Payload::Json(es::staff_order(es::ORG_A, "Tilaaja")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()[0]["kind"], "staff");
    let staff_id = r.json()[0]["order_id"].as_i64().unwrap();
    assert_eq!(r.json()[0]["ordered_by"], format!("user:{}", alice.user_id));
    assert!(!r.text().contains("XP7654321"), "{}", r.text());
    let r = rec
        .es(
            orders_t,
            "POST",
            &orders_at,
            a,
            Payload::Json(json!({"kind": "test", "count": 2})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    let test_id = r.json()[0]["order_id"].as_i64().unwrap();
    let mut expired = es::staff_order(es::ORG_A, "Vanha");
    expired["identity"]["expires"] = json!("2001-01-01");
    let r = rec
        .es(orders_t, "POST", &orders_at, a, Payload::Json(expired))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "order.identity_expired");
    let r = rec.es(orders_t, "GET", &orders_at, a, Payload::Empty).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json().as_array().unwrap().len(), 3);
    let elsewhere = "/api/v1/registration-points/987654321/card-orders";
    let r = rec.es(orders_t, "GET", elsewhere, a, Payload::Empty).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "registrar.not_of_point");

    // Cancelling an order before its card is made, and handing produced
    // cards over (a staff card with the identity check, a test card
    // without); the order as the list shows it. Refusals as problems: an API
    // token, a card handed over already, an order that does not exist.
    let cancel_t = "/api/v1/card-orders/{id}/cancellation";
    let r = rec
        .es(
            cancel_t,
            "POST",
            &format!("/api/v1/card-orders/{staff_id}/cancellation"),
            a,
            Payload::Json(json!({"reason": "Tilattu väärälle henkilölle"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "cancelled");
    assert_eq!(r.json()["cancel_reason"], "Tilattu väärälle henkilölle");
    let r = rec
        .es(
            cancel_t,
            "POST",
            &format!("/api/v1/card-orders/{staff_id}/cancellation"),
            a,
            Payload::Json(json!({"reason": "Uudelleen"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "card.not_ordered");
    let r = rec
        .es(
            orders_t,
            "POST",
            &orders_at,
            a,
            Payload::Json(es::staff_order(es::ORG_A, "Luovutettava")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let to_hand = r.json()[0]["order_id"].as_i64().unwrap();
    for id in [to_hand, test_id] {
        let o = w.store().card_order(id).await.unwrap().unwrap();
        es::produce_without_token(&w, &o, now_unix()).await;
    }
    let hand_t = "/api/v1/card-orders/{id}/hand-over";
    let hand_at = format!("/api/v1/card-orders/{to_hand}/hand-over");
    let identity = json!({"identity": {
        "document_type": "passport",
        "document_number": "XP7654321",
        "issuing_country": "FI",
        "expires": "2031-12-31",
    }});
    let r = rec
        .es(
            hand_t,
            "POST",
            &hand_at,
            Auth::Bearer(&bearer),
            Payload::Json(identity.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "registrar.user_only");
    let r = rec
        .es(
            hand_t,
            "POST",
            &hand_at,
            Auth::Session(&bob),
            Payload::Json(identity.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["handed_over_by"], format!("user:{}", bob.user_id));
    assert!(r.json()["handed_over_at"].is_i64());
    assert!(!r.text().contains("XP7654321"), "{}", r.text());
    let r = rec
        .es(hand_t, "POST", &hand_at, a, Payload::Json(identity.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "card.handed_over");
    let r = rec
        .es(
            hand_t,
            "POST",
            &format!("/api/v1/card-orders/{test_id}/hand-over"),
            a,
            Payload::Json(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["kind"], "test");
    let r = rec
        .es(
            hand_t,
            "POST",
            "/api/v1/card-orders/987654321/hand-over",
            a,
            Payload::Json(identity),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");

    // Revoking the handed-over card (issue 5, point 7): both certificates;
    // refusals as problems (no confirmation, a reason not of the list, an
    // API token, revoked already, an order that does not exist).
    let revoke_t = "/api/v1/card-orders/{id}/revocation";
    let revoke_at = format!("/api/v1/card-orders/{to_hand}/revocation");
    for (auth, body, status, code) in [
        (
            a,
            json!({"reason": "keyCompromise"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "revocation.unconfirmed",
        ),
        (
            a,
            json!({"reason": "certificateHold", "confirm": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "revocation.reason",
        ),
        (
            Auth::Bearer(&bearer),
            json!({"reason": "keyCompromise", "confirm": true}),
            StatusCode::FORBIDDEN,
            "registrar.user_only",
        ),
    ] {
        let r = rec
            .es(revoke_t, "POST", &revoke_at, auth, Payload::Json(body))
            .await;
        assert_eq!(r.status, status, "{}", r.text());
        assert_eq!(r.json()["code"], code);
    }
    let r = rec
        .es(
            revoke_t,
            "POST",
            &revoke_at,
            Auth::Session(&bob),
            Payload::Json(json!({"reason": "keyCompromise", "confirm": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "revoked");
    let o = w.store().card_order(to_hand).await.unwrap().unwrap();
    for serial in [&o.auth_serial, &o.sign_serial].into_iter().flatten() {
        let cert = w.store().certificate(serial).await.unwrap().unwrap();
        assert_eq!(cert.status, "revoked", "{serial}");
    }
    let r = rec
        .es(
            revoke_t,
            "POST",
            &revoke_at,
            a,
            Payload::Json(json!({"reason": "unspecified", "confirm": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "card.already_revoked");
    let r = rec
        .es(
            revoke_t,
            "POST",
            "/api/v1/card-orders/987654321/revocation",
            a,
            Payload::Json(json!({"reason": "unspecified", "confirm": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");

    let r = rec
        .es(
            "/api/v1/api-tokens/{id}",
            "DELETE",
            &format!("{tokens}/{id}"),
            a,
            Payload::Empty,
        )
        .await;
    assert_eq!(r.json()["revoked"], id);

    // Every e-service operation answered 2xx at least once.
    let served: BTreeSet<(String, String)> = rec
        .exchanges
        .iter()
        .filter(|ex| (200..300).contains(&ex["status"].as_u64().unwrap()))
        .map(|ex| {
            (
                ex["method"].as_str().unwrap().to_owned(),
                ex["template"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let all: BTreeSet<(String, String)> = ESERVICE
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(served, all, "operations not called with success");

    for ex in &rec.exchanges {
        if let Some(schema) = response_schema(&doc, ex) {
            let at = format!("{} {}", ex["method"], ex["uri"]);
            if schema.get("$ref").is_some() || schema.get("required").is_some() {
                check_required(&doc, schema, &ex["body"], &at);
            }
        }
    }
    if python_validator().is_some() {
        let bytes = serde_json::to_vec(&doc).unwrap();
        run_python_checks(&bytes, &rec.exchanges);
    }
}

/// A request whose body never completes gets 408 from the service's timeout,
/// as a problem document (time is paused, so the test does not wait 10 s).
#[tokio::test]
async fn a_timeout_is_a_problem_too() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path()).await;
    let ocsp = carepki_ca::ocsp::OcspService::start(Arc::clone(&ca))
        .await
        .unwrap();
    let app = carepki_web::service_router(&ca, ocsp);
    tokio::time::pause();
    let never = futures_util::stream::pending::<Result<Vec<u8>, std::io::Error>>();
    let req = Request::post(TEST)
        .header(header::CONTENT_TYPE, "application/pkix-cert")
        .body(Body::from_stream(never))
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    let status = resp.status();
    let content_type = resp.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    let r = Reply {
        status,
        content_type,
        headers: axum::http::HeaderMap::new(),
        body,
    };
    assert_eq!(r.status, StatusCode::REQUEST_TIMEOUT);
    assert_problem(&r, TEST);
    assert_eq!(kind(&r), "request-timeout");
}

//! The certificate test service over HTTP on a real authority: the JSON API
//! (PEM, DER, issuer + serial; limits; bad input gets 400, never 500) and the
//! HTML page (upload, paste, issuer + serial; languages; escaping).
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepki_ca::authority::now_unix;
use carepki_ca::crl::CrlKind;
use carepki_policy::ProfileId;
use carepki_x509::RevocationReason;

#[path = "../../ca/tests/common/mod.rs"]
mod common;
mod support;

use common::{authority, issue};
use support::{Reply, get, send};
const BOUNDARY: &str = "carepki-test-boundary";

async fn post(app: &axum::Router, uri: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
    let mut req = Request::post(uri);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    send(app, req.body(Body::from(body)).unwrap()).await
}

/// The `detail` of an RFC 9457 problem of type `kind` about the test service
/// (checked as `Reply::problem` does, and its `instance` is the API path).
fn problem(r: &Reply, kind: &str) -> String {
    let v = r.problem(kind);
    assert_eq!(v["instance"], API, "{v}");
    v["detail"].as_str().unwrap().to_owned()
}

const API: &str = "/api/v1/test-certificate";

#[tokio::test]
async fn api_on_every_backend() {
    for (backend, store, _guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store, tmp.path()).await;
        let a = issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await;
        let b = issue(&ca, ProfileId::Server, "b.jarvilaakso-hva.fi").await;
        ca.revoke(&b.serial, RevocationReason::KeyCompromise, None, "test")
            .await
            .unwrap();
        ca.publish_crl("service-providers", CrlKind::Full, now_unix())
            .await
            .unwrap();
        let app = carepki_web::router(&ca);

        // PEM and DER bodies, with each accepted content type (or none).
        for (ct, body) in [
            (Some("application/x-pem-file"), a.pem.clone().into_bytes()),
            (
                Some("text/plain; charset=utf-8"),
                a.pem.clone().into_bytes(),
            ),
            (Some("application/pkix-cert"), a.der.clone()),
            (Some("application/octet-stream"), a.der.clone()),
            (None, a.der.clone()),
        ] {
            let r = post(&app, API, ct, body).await;
            assert_eq!(r.status, StatusCode::OK, "{backend} {ct:?}: {}", r.text());
            let v = r.json();
            assert_eq!(v["verdict"], "valid", "{backend} {ct:?}");
            assert_eq!(v["certificate"]["serial"], a.serial.as_str());
            assert_eq!(v["chain"]["issued_here"], "yes");
            assert_eq!(v["chain"]["hierarchy"], "production");
            assert_eq!(v["usage"]["fit"], true);
            assert_eq!(v["revocation"]["database"]["state"], "good");
            assert_eq!(v["revocation"]["crl_full"]["state"], "good");
            assert_eq!(v["revocation"]["crl_delta"]["state"], "not_published");
            assert_eq!(v["revocation"]["ocsp"]["state"], "not_published");
            assert_eq!(v["sources_agree"], true);
        }

        // By issuer and serial, as JSON.
        let body = serde_json::json!({ "issuer": "service-providers", "serial": b.serial });
        let r = post(
            &app,
            API,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.text());
        let v = r.json();
        assert_eq!(v["verdict"], "revoked", "{backend}");
        assert_eq!(v["revocation"]["crl_full"]["state"], "revoked");
        assert_eq!(v["revocation"]["crl_full"]["agrees_with_database"], true);
        let body = serde_json::json!({ "issuer": "service-providers", "serial": "7f01" });
        let v = post(
            &app,
            API,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await
        .json();
        assert_eq!(v["verdict"], "not_issued_here");
    }
}

#[tokio::test]
async fn api_refuses_bad_input_clearly() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path()).await;
    let a = issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await;
    let app = carepki_web::router(&ca);
    let csr = carepki_ca::bench::generate_csrs(1).unwrap().remove(0);

    for (ct, body, needle) in [
        ("application/pkix-cert", Vec::new(), "no certificate"),
        (
            "application/pkix-cert",
            b"garbage".to_vec(),
            "not an X.509 certificate",
        ),
        (
            "application/pkix-cert",
            a.der[..a.der.len() - 10].to_vec(),
            "not an X.509 certificate",
        ),
        ("application/octet-stream", csr, "(CSR)"),
        (
            "application/x-pem-file",
            a.pem.as_bytes()[..a.pem.len() / 2].to_vec(),
            "truncated",
        ),
        (
            "application/json",
            b"{\"serial\": 1}".to_vec(),
            "\"issuer\"",
        ),
        (
            "application/json",
            br#"{"issuer": "nobody", "serial": "01"}"#.to_vec(),
            "not a CA of this service",
        ),
        (
            "application/json",
            br#"{"issuer": "root", "serial": "zz"}"#.to_vec(),
            "hex digits",
        ),
    ] {
        let r = post(&app, API, Some(ct), body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{needle}: {}", r.text());
        let detail = problem(&r, "invalid-body");
        assert!(detail.contains(needle), "{needle}: {detail}");
    }

    // Too large: refused while reading, and at once when the length is declared.
    let big = vec![b'A'; 64 * 1024 + 1];
    let r = post(&app, API, Some("application/x-pem-file"), big.clone()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let detail = problem(&r, "body-too-large");
    assert!(detail.contains("64 KiB"), "{detail}");
    let req = Request::post(API)
        .header(header::CONTENT_TYPE, "application/pkix-cert")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big))
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    problem(&r, "body-too-large");
    // Exactly 64 KiB is read (and is not a certificate).
    let r = post(&app, API, Some("application/pkix-cert"), vec![0; 64 * 1024]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = post(&app, API, Some("image/png"), a.der.clone()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let detail = problem(&r, "unsupported-media-type");
    assert!(detail.contains("application/pkix-cert"), "{detail}");
}

fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, value) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

#[tokio::test]
async fn html_page_upload_paste_and_serial() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path()).await;
    let a = issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await;
    let t = issue(&ca, ProfileId::TestServer, "t.jarvilaakso-hva.fi").await;
    let app = carepki_web::router(&ca);

    // The form, in Finnish by default.
    let r = get(&app, "/test-certificate").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type.starts_with("text/html"));
    let html = r.text();
    assert!(html.contains("Varmenteen testaus"));
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(html.contains("<option value=\"service-providers\""));
    assert!(!html.contains("id=\"report\""));

    // Upload of the DER file.
    let body = multipart(&[
        ("file", Some("a.der"), &a.der),
        ("pem", None, b""),
        ("issuer", None, b""),
        ("serial", None, b""),
    ]);
    let r = post(&app, "/test-certificate", Some(&multipart_type()), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("id=\"report\""));
    assert!(html.contains("class=\"verdict-valid\""), "{html}");
    assert!(html.contains(&a.serial));
    assert!(
        html.contains("Ei vielä julkaistu"),
        "no CRL or OCSP yet, in Finnish"
    );

    // Paste, in Swedish: a TEST certificate is never for production.
    let body = multipart(&[("file", Some(""), b""), ("pem", None, t.pem.as_bytes())]);
    let r = post(
        &app,
        "/test-certificate?lang=sv",
        Some(&multipart_type()),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(html.contains("TEST (inte för produktion)"), "{html}");
    assert!(html.contains("Giltigt"));

    // Issuer and serial, URL-encoded, in English.
    let body = format!("issuer=service-providers&serial={}", a.serial);
    let r = post(
        &app,
        "/test-certificate?lang=en",
        Some("application/x-www-form-urlencoded"),
        body.into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Not revoked"));

    // The search page's link: issuer and serial in the query.
    let r = get(
        &app,
        &format!(
            "/test-certificate?lang=en&issuer=service-providers&serial={}",
            a.serial
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("class=\"verdict-valid\""));

    // Nothing given, garbage, a CSR: a message and 400, never 500.
    let r = post(
        &app,
        "/test-certificate",
        Some(&multipart_type()),
        multipart(&[("pem", None, b"  ")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("Anna varmennetiedosto"), "{}", r.text());
    let csr = carepki_ca::bench::generate_csrs(1).unwrap().remove(0);
    for (file, needle) in [
        (&b"\x00\x01garbage"[..], "not an X.509 certificate"),
        (&csr[..], "(CSR)"),
        (&a.der[..100], "not an X.509 certificate"),
    ] {
        let body = multipart(&[("file", Some("x.der"), file)]);
        let r = post(&app, "/test-certificate", Some(&multipart_type()), body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{needle}");
        assert!(r.text().contains(needle), "{needle}: {}", r.text());
    }

    // Echoed input is escaped.
    let evil = b"</textarea><script>alert(1)</script>";
    let body = multipart(&[("pem", None, evil)]);
    let r = post(&app, "/test-certificate", Some(&multipart_type()), body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let html = r.text();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;&#x2f;textarea&gt;"), "{html}");

    // Too large a submission.
    let big = vec![b'A'; 300 * 1024];
    let body = multipart(&[("file", Some("big.der"), &big)]);
    let r = post(
        &app,
        "/test-certificate?lang=en",
        Some(&multipart_type()),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert!(r.text().contains("at most 64 KiB"));
    let body = multipart(&[("file", Some("big.der"), &big[..70 * 1024])]);
    let r = post(
        &app,
        "/test-certificate?lang=en",
        Some(&multipart_type()),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());

    // Another content type.
    let r = post(
        &app,
        "/test-certificate",
        Some("application/json"),
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

//! OCSP, CRLs and metrics over HTTP on a real authority and store (both
//! backends): RFC 5019 caching headers on pre-signed answers, no-store on the
//! rest, 415 and 413 for wrong content types and oversized bodies, GET in both
//! base64 alphabets, CRLs with their content type, and the counters in /metrics.
#![allow(clippy::unwrap_used)]

#[path = "../../ca/tests/common/mod.rs"]
mod common;
mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use carepki_ca::authority::now_unix;
use carepki_policy::ProfileId;
use carepki_store::testing::test_stores;
use carepki_x509::RevocationReason;
use carepki_x509::cert::decode_certificate;
use carepki_x509::ocsp::{
    CertStatus, HashAlg, ResponseStatus, cert_id, decode_response, encode_request,
};
use common::{authority, issue};
use support::send;

fn post(uri: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn ocsp_crl_and_metrics_over_http() {
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let ca = authority(store, dir.path()).await;
        let cert = issue(&ca, ProfileId::Server, "ocsp.jarvilaakso-hva.fi").await;
        let services = carepki_web::start_status_services(&ca).await.unwrap();
        let app = carepki_web::service_router(&ca, std::sync::Arc::clone(&services.ocsp));

        let issuer = ca.loaded_ca("service-providers").unwrap();
        let bits = issuer.key_bits.clone();
        let serial = decode_certificate(&cert.der)
            .unwrap()
            .tbs_certificate()
            .serial_number()
            .as_bytes()
            .to_vec();
        let id = cert_id(HashAlg::Sha1, &issuer.subject_der, &bits, &serial).unwrap();
        let request = encode_request(&[&id], None);

        // The pre-signed answer, with RFC 5019 caching headers (the response of a
        // certificate issued before start is pre-signed by OcspService::start).
        let r = send(
            &app,
            post(
                "/ocsp/service-providers",
                "application/ocsp-request",
                request.clone(),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{backend}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/ocsp-response");
        let cc = r.headers[header::CACHE_CONTROL].to_str().unwrap();
        assert!(
            cc.starts_with("max-age=") && cc.contains("public") && cc.contains("must-revalidate"),
            "{cc}"
        );
        let max_age: i64 = cc["max-age=".len()..cc.find(',').unwrap()].parse().unwrap();
        assert!(max_age > 3600, "{cc}");
        for h in [header::LAST_MODIFIED, header::EXPIRES, header::ETAG] {
            assert!(r.headers.contains_key(&h), "{backend}: {h} missing");
        }
        let d = decode_response(&r.body).unwrap();
        assert_eq!(d.basic.unwrap().responses[0].status, CertStatus::Good);

        // GET, standard and URL-safe base64 (URL-encoded), gives the same bytes.
        let std_b64 = base64::engine::general_purpose::STANDARD.encode(&request);
        let encoded = std_b64
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let get = send(
            &app,
            Request::get(format!("/ocsp/service-providers/{encoded}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(get.status, StatusCode::OK);
        assert_eq!(get.body, r.body, "{backend}: GET and POST answer alike");
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&request);
        let get = send(
            &app,
            Request::get(format!("/ocsp/service-providers/{url_safe}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(get.body, r.body);

        // Refusals.
        let r = send(
            &app,
            post("/ocsp/service-providers", "text/plain", request.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            decode_response(&r.body).unwrap().status,
            ResponseStatus::MalformedRequest
        );
        let r = send(
            &app,
            post(
                "/ocsp/service-providers",
                "application/ocsp-request",
                vec![0x30; 64 * 1024],
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{backend}");
        let r = send(
            &app,
            Request::get("/ocsp/service-providers/not*base64")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(
            decode_response(&r.body).unwrap().status,
            ResponseStatus::MalformedRequest
        );
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");

        // Revocation shows up over HTTP; the delta CRL is served with its type.
        ca.revoke(&cert.serial, RevocationReason::Superseded, None, "t")
            .await
            .unwrap();
        let mut revoked = false;
        for _ in 0..100 {
            let r = send(
                &app,
                post(
                    "/ocsp/service-providers",
                    "application/ocsp-request",
                    request.clone(),
                ),
            )
            .await;
            let d = decode_response(&r.body).unwrap();
            if matches!(
                d.basic.unwrap().responses[0].status,
                CertStatus::Revoked { .. }
            ) {
                revoked = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(revoked, "{backend}: OCSP never said revoked");
        ca.publish_due_crls("service-providers", now_unix())
            .await
            .unwrap();
        let r = send(
            &app,
            Request::get("/crl/service-providers-delta.crl")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{backend}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/pkix-crl");
        let crl = carepki_x509::crl::parse_crl(&r.body).unwrap();
        assert!(crl.is_delta());

        // The metrics count what happened.
        let m = send(&app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
        let text = String::from_utf8(m.body).unwrap();
        for needle in [
            "carepki_ocsp_responses_total{status=\"good\"}",
            "carepki_ocsp_responses_total{status=\"revoked\"}",
            "carepki_ocsp_responses_total{status=\"malformed_request\"}",
            "carepki_revocations_total{reason=\"superseded\"}",
            "carepki_crl_age_seconds{",
            "carepki_certificates{status=\"revoked\"}",
        ] {
            assert!(
                text.contains(needle),
                "{backend}: /metrics lacks {needle}:\n{text}"
            );
        }
        services.stop().await;
    }
}

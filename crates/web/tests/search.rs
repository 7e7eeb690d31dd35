//! Certificate search over HTTP on a real authority: the JSON API (filters,
//! paging, downloads, 400s that say what to fix), the HTML page (languages,
//! escaping), and the page in headless Chromium.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::http::StatusCode;
use carepki_policy::ProfileId;
use carepki_x509::RevocationReason;
use serde_json::Value;

#[path = "../../ca/tests/common/mod.rs"]
mod common;
mod support;

use common::{ORG, authority, issue};
use support::get;

fn serials(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["serial"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn search_api_on_every_backend() {
    for (backend, store, _guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store, tmp.path()).await;
        let a = issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await;
        let b = issue(&ca, ProfileId::Server, "b.jarvilaakso-hva.fi").await;
        let t = issue(&ca, ProfileId::TestServer, "t.jarvilaakso-hva.fi").await;
        ca.revoke(&b.serial, RevocationReason::KeyCompromise, None, "test")
            .await
            .unwrap();
        let app = carepki_web::router(&ca);

        // Everything, with public data, PEM and RFC 3339 times.
        let r = get(&app, "/api/v1/certificates").await;
        assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.text());
        assert!(r.content_type.starts_with("application/json"));
        let v = r.json();
        assert_eq!(v["total"], 3, "{backend}");
        assert_eq!(
            (v["page"].as_u64(), v["per_page"].as_u64()),
            (Some(1), Some(20))
        );
        assert!(v["next_page"].is_null());
        let mut found = serials(&v);
        found.sort();
        let mut expected = vec![a.serial.clone(), b.serial.clone(), t.serial.clone()];
        expected.sort();
        assert_eq!(found, expected);
        let item = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["serial"] == a.serial.as_str())
            .unwrap();
        assert_eq!(item["pem"].as_str().unwrap(), a.pem, "{backend}");
        assert_eq!(item["status"], "valid");
        assert_eq!(item["issuer_ca"], "service-providers");
        assert_eq!(item["profile"], "server");
        assert_eq!(item["organisation"]["oid"], ORG);
        assert_eq!(item["organisation"]["name_sv"], "Sjödalens välfärdsområde");
        let not_after = item["not_after"].as_str().unwrap();
        assert!(
            not_after.ends_with('Z') && not_after.contains('T'),
            "{not_after}"
        );
        assert!(item["revoked_at"].is_null());
        assert!(item.get("spki_sha256").is_none(), "public data only");

        // Filters.
        let v = get(&app, "/api/v1/certificates?status=revoked")
            .await
            .json();
        assert_eq!(serials(&v), [b.serial.as_str()], "{backend}");
        assert_eq!(v["items"][0]["revocation_reason"], "keyCompromise");
        assert!(v["items"][0]["revoked_at"].as_str().unwrap().ends_with('Z'));
        let colons: Vec<String> = a
            .serial
            .to_uppercase()
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let v = get(
            &app,
            &format!("/api/v1/certificates?serial={}", colons.join("%3A")),
        )
        .await
        .json();
        assert_eq!(serials(&v), [a.serial.as_str()], "{backend}");
        let v = get(&app, "/api/v1/certificates?org_name=J%C3%84RVILAAKSON").await;
        assert_eq!(v.json()["total"], 3, "{backend}: {}", v.text());
        let v = get(
            &app,
            "/api/v1/certificates?org_name=sj%C3%B6dalens&status=valid",
        )
        .await
        .json();
        assert_eq!(v["total"], 2, "{backend}");
        let v = get(
            &app,
            &format!("/api/v1/certificates?org={ORG}&profile=test-server"),
        )
        .await
        .json();
        assert_eq!(serials(&v), [t.serial.as_str()], "{backend}");
        let v = get(&app, "/api/v1/certificates?subject=B.JARVILAAKSO")
            .await
            .json();
        assert_eq!(serials(&v), [b.serial.as_str()], "{backend}");
        let v = get(&app, "/api/v1/certificates?status=expired")
            .await
            .json();
        assert_eq!(v["total"], 0);

        // Paging.
        let v = get(&app, "/api/v1/certificates?per_page=2").await.json();
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        assert_eq!(v["next_page"], 2, "{backend}");
        let v = get(&app, "/api/v1/certificates?per_page=2&page=2")
            .await
            .json();
        assert_eq!(v["items"].as_array().unwrap().len(), 1);
        assert!(v["next_page"].is_null());

        // One certificate, and its files.
        let r = get(
            &app,
            &format!("/api/v1/certificates/{}", a.serial.to_uppercase()),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["serial"], a.serial.as_str());
        let r = get(&app, &format!("/api/v1/certificates/{}/der", a.serial)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.content_type, "application/pkix-cert");
        assert_eq!(r.body, a.der);
        let r = get(&app, &format!("/api/v1/certificates/{}/pem", a.serial)).await;
        assert_eq!(r.content_type, "application/x-pem-file");
        assert_eq!(r.text(), a.pem);
        let r = get(&app, "/api/v1/certificates/7f0102").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let p = r.problem("certificate-not-found");
        assert!(p["detail"].as_str().unwrap().contains("7f0102"));
        assert_eq!(p["instance"], "/api/v1/certificates/7f0102");
        let r = get(&app, "/api/v1/certificates/7f0102/der").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        r.problem("certificate-not-found");
    }
}

#[tokio::test]
async fn bad_parameters_say_what_to_fix() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path()).await;
    let app = carepki_web::router(&ca);
    for (query, name, needle) in [
        ("status=gone", "status", "use valid, revoked or expired"),
        ("per_page=0", "per_page", "from 1 to 100"),
        ("per_page=1000", "per_page", "from 1 to 100"),
        ("page=0", "page", "whole number from 1"),
        ("page=abc", "page", "whole number"),
        ("profile=tls", "profile", "unknown profile `tls`"),
        ("serial=xyz", "serial", "hex digits"),
        ("stauts=valid", "stauts", "unknown parameter `stauts`"),
        ("page=1&page=2", "page", "twice"),
    ] {
        let r = get(&app, &format!("/api/v1/certificates?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        let p = r.problem("invalid-parameter");
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{query}: {detail}");
        assert_eq!(p["instance"], "/api/v1/certificates", "without the query");
        assert_eq!(p["invalid_params"][0]["name"], name, "{query}: {p}");
        let reason = p["invalid_params"][0]["reason"].as_str().unwrap();
        assert!(reason.contains(needle), "{query}: {reason}");
    }
    let r = get(&app, "/api/v1/certificates/not-a-serial").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let p = r.problem("invalid-parameter");
    assert!(p["detail"].as_str().unwrap().contains("hex"));
    assert_eq!(p["invalid_params"][0]["name"], "serial");
}

#[tokio::test]
async fn search_page_in_three_languages_and_escaped() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path()).await;
    let a = issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await;
    let b = issue(&ca, ProfileId::Server, "b.jarvilaakso-hva.fi").await;
    ca.revoke(&b.serial, RevocationReason::KeyCompromise, None, "test")
        .await
        .unwrap();
    let app = carepki_web::router(&ca);

    let r = get(&app, "/search").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.content_type.starts_with("text/html"),
        "{}",
        r.content_type
    );
    let html = r.text();
    assert!(html.contains("<html lang=\"fi\">"));
    assert!(html.contains("Varmennehaku"));
    assert!(html.contains(&format!("data-serial=\"{}\"", a.serial)));
    assert!(html.contains("Järvilaakson hyvinvointialue"));
    assert!(html.contains("Suljettu"), "revoked, in Finnish");
    assert!(html.contains(&format!("/api/v1/certificates/{}/pem", a.serial)));
    assert!(!html.contains("<script"), "no JavaScript");

    let html = get(&app, "/search?lang=sv&status=revoked").await.text();
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(html.contains("Certifikatsökning"));
    assert!(html.contains("Sjödalens välfärdsområde"));
    assert!(html.contains(&format!("data-serial=\"{}\"", b.serial)));
    assert!(!html.contains(&format!("data-serial=\"{}\"", a.serial)));
    assert!(html.contains("Spärrat"));

    let html = get(&app, "/search?lang=en&per_page=1").await.text();
    assert!(html.contains("Certificate search"));
    assert!(html.contains("rel=\"next\""), "a next page link");
    assert!(html.contains("page=2"));

    // Everything echoed is escaped.
    let r = get(
        &app,
        "/search?subject=%3Cscript%3Ealert(1)%3C%2Fscript%3E&org_name=%22%3E%3Cimg",
    )
    .await;
    let html = r.text();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{html}"
    );
    assert!(!html.contains("\"><img"));

    // Bad parameters: the page says what is wrong, with 400.
    let r = get(&app, "/search?status=gone&lang=en").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("use valid, revoked or expired"));
    let r = get(&app, "/search?serial=zz").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("heksadesimaalinumerot"), "in Finnish");
}

/// The search page in a real browser: headless Chromium against a real server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_page_in_headless_chromium() {
    let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!("note: chromium is not installed: skipping the headless browser test");
        return;
    };
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path()).await;
    let a = issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ocsp = carepki_ca::ocsp::OcspService::start(Arc::clone(&ca))
        .await
        .unwrap();
    let server = {
        let ca = Arc::clone(&ca);
        tokio::spawn(async move { carepki_web::serve(&ca, ocsp, listener).await })
    };

    let profile = tempfile::tempdir().unwrap();
    let url = format!("http://{addr}/search?lang=en&org_name=lake+valley");
    let run = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", &url])
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(90), run)
        .await
        .expect("chromium finishes within 90 s")
        .unwrap();
    server.abort();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains(&format!("data-serial=\"{}\"", a.serial)),
        "the certificate row is in the DOM; stderr: {}\n{dom}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains("class=\"certificate\""));
    assert!(dom.contains("Lake Valley Wellbeing County"));
}

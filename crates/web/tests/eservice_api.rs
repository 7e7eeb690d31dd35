//! The e-service's REST API end to end (issue 4, point 9), through the whole
//! service as `carepki serve` serves it, on a real CA and store: sign-in
//! through the demo identity provider and registration, the customer
//! account, an application with its CSR (PEM and DER), submission, the
//! officer's approval, the certificate's files, the revocation request, API
//! tokens — and every kind of bad input of the "Bad input", each
//! with its status and problem `code`, and nothing half-stored. The journey
//! runs on SQLite and, when `CAREPKI_TEST_PG_URL` is set, on PostgreSQL.
#![allow(clippy::unwrap_used)]

use axum::http::{StatusCode, header};
use carepki_ca::authority::now_unix;
use carepki_ra::eservice::MAX_CONFORMITY_BYTES;
use carepki_store::Store;
use serde_json::{Value, json};

mod support;

use support::Reply;
use support::eservice::{
    self as es, Auth, DOMAIN_A, ORG_A, ORG_B, PDF, Payload, Session, World, admin_of, call, officer,
};

/// POST of a JSON body; the future owns what it needs.
fn post_json(
    app: &axum::Router,
    uri: &str,
    auth: Auth<'_>,
    body: Value,
) -> impl Future<Output = Reply> + use<> {
    let app = app.clone();
    let uri = uri.to_owned();
    let auth = match auth {
        Auth::Session(s) => Owned::Session(s.clone()),
        Auth::SessionWithoutCsrf(s) => Owned::NoCsrf(s.clone()),
        Auth::Bearer(t) => Owned::Bearer(t.to_owned()),
        Auth::Anonymous => Owned::Anon,
    };
    async move { call(&app, "POST", &uri, auth.get(), Payload::Json(body)).await }
}

/// An owned [`Auth`], for futures that outlive the borrow.
enum Owned {
    Anon,
    Session(Session),
    NoCsrf(Session),
    Bearer(String),
}

impl Owned {
    fn get(&self) -> Auth<'_> {
        match self {
            Owned::Anon => Auth::Anonymous,
            Owned::Session(s) => Auth::Session(s),
            Owned::NoCsrf(s) => Auth::SessionWithoutCsrf(s),
            Owned::Bearer(t) => Auth::Bearer(t),
        }
    }
}

async fn get(app: &axum::Router, uri: &str, auth: Auth<'_>) -> Reply {
    call(app, "GET", uri, auth, Payload::Empty).await
}

/// Uploads `bytes` to `/api/v1/applications/{id}/{what}{query}`.
async fn upload(
    app: &axum::Router,
    id: i64,
    what: &str,
    query: &str,
    auth: Auth<'_>,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Reply {
    call(
        app,
        "POST",
        &format!("/api/v1/applications/{id}/{what}{query}"),
        auth,
        Payload::Raw(content_type, bytes),
    )
    .await
}

/// A refusal: its status, problem type and `code`.
fn refused(r: &Reply, status: StatusCode, kind: &str, code: &str) -> Value {
    assert_eq!(r.status, status, "{}", r.text());
    let p = r.problem(kind);
    assert_eq!(p["code"], code, "{p}");
    p
}

/// What an application holds: its version, state and number of attachments.
async fn held(w: &World, id: i64) -> (i64, String, usize) {
    let row = w.store().application(id).await.unwrap().unwrap();
    let n = w.store().attachments(id).await.unwrap().len();
    (row.version, row.state, n)
}

/// The attributes of a `Set-Cookie` header, lower case.
fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

/// A new application of `profile` by `s`: its id.
async fn new_application(w: &World, s: Auth<'_>, profile: &str) -> i64 {
    let r = call(
        &w.app,
        "POST",
        "/api/v1/applications",
        s,
        Payload::Json(json!({ "profile": profile })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["state"], "draft");
    r.json()["id"].as_i64().unwrap()
}

/// The journey of a server certificate (R-ACCOUNT, R-CSR, R-LONGNAME,
/// R-STAGES, R-SLA, R-DELIVERY, R-REVOKE-HOW) on `store`.
async fn journey(backend: &str, store: Store) {
    let w = es::world(store, "https://pki.example.fi").await;
    let app = &w.app;

    // Sign-in through the demo identity provider: a new person gets the
    // signed registration cookie, then registers and gets his session.
    let r = es::demo_login(app, "010180-9026", es::next_client()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}");
    let reg = es::set_cookie(&r, "carepki_register").unwrap();
    let a = attributes(&reg);
    for want in [
        "httponly",
        "samesite=lax",
        "max-age=900",
        "secure",
        "path=/",
    ] {
        assert!(a.contains(&want.to_owned()), "{backend}: {reg}");
    }
    let alice = es::sign_up(app, "020202-9026", "Alice Admin").await;
    let s = Auth::Session(&alice);
    let me = get(app, "/api/v1/me", s).await.json();
    assert!(me["acting_for"].is_null());
    assert_eq!(me["organisations"], json!([]));
    assert_eq!(me["user"]["display_name"], "Alice Admin");
    assert!(me["user"].get("subject_hash").is_none(), "never shown");

    // The customer account (R-ACCOUNT): she administers it and acts for it.
    let r = post_json(app, "/api/v1/accounts", s, json!({"org_oid": ORG_A})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["role"], "org-admin");
    let me = get(app, "/api/v1/me", s).await.json();
    assert_eq!(me["acting_for"]["oid"], ORG_A);
    assert_eq!(me["acting_for"]["name_fi"], "Järvilaakson hyvinvointialue");

    // An application; its CSR as PEM, checked at once and shown in plain
    // words, with the organisation's long name from the register.
    let id = new_application(&w, s, "server").await;
    let pem = es::csr_pem(&format!("www.{DOMAIN_A}"));
    let r = upload(
        app,
        id,
        "csr",
        "?version=1&filename=../www.csr",
        s,
        "application/x-pem-file",
        pem.clone().into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.text());
    let v = r.json();
    assert_eq!(v["csr"]["key"], "ECDSA P-256");
    assert_eq!(v["csr"]["dns_names"], json!([format!("www.{DOMAIN_A}")]));
    assert!(
        v["csr"]["subject"]
            .as_str()
            .unwrap()
            .contains("O=Järvilaakson hyvinvointialue"),
        "R-LONGNAME: {v}"
    );
    assert_eq!(v["application"]["version"], 2);
    // The attachment as uploaded, named without its path.
    let view = get(app, &format!("/api/v1/applications/{id}"), s)
        .await
        .json();
    let att = &view["attachments"][0];
    assert_eq!(att["filename"], "www.csr");
    let r = get(
        app,
        &format!("/api/v1/applications/{id}/attachments/{}", att["id"]),
        s,
    )
    .await;
    assert_eq!(r.body, pem.as_bytes());
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    // Another application, its CSR as DER; then withdrawn.
    let id2 = new_application(&w, s, "test-server").await;
    let r = upload(
        app,
        id2,
        "csr",
        "",
        s,
        "application/pkcs10",
        es::csr_der(&format!("test.{DOMAIN_A}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json()["csr"]["requested_subject"],
        format!("CN=test.{DOMAIN_A}")
    );
    let r = post_json(
        app,
        &format!("/api/v1/applications/{id2}/withdraw"),
        s,
        json!({}),
    )
    .await;
    assert_eq!(r.json()["state"], "withdrawn");

    // Submitted (R-STAGES): due in 5 working days (R-SLA).
    let r = post_json(
        app,
        &format!("/api/v1/applications/{id}/submit"),
        s,
        json!({"version": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "submitted");
    assert!(r.json()["due_at"].as_i64().unwrap() > now_unix() + 4 * 86_400);

    // The officer's queue and decision; the CA issues at once.
    let olli = officer(&w, "030303-903P").await;
    let o = Auth::Session(&olli);
    let q = get(app, "/api/v1/queue", o).await.json();
    assert_eq!(q[0]["application"]["id"], id);
    assert_eq!(q[0]["overdue"], false);
    let r = post_json(
        app,
        &format!("/api/v1/applications/{id}/start-review"),
        o,
        json!({}),
    )
    .await;
    assert_eq!(r.json()["state"], "in-review");
    let r = post_json(
        app,
        &format!("/api/v1/applications/{id}/approve"),
        o,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "issued");
    let serial = r.json()["facts"]["serial"].as_str().unwrap().to_owned();
    let view = get(app, &format!("/api/v1/applications/{id}"), s)
        .await
        .json();
    let actions: Vec<&str> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "attach-csr",
            "submit",
            "start-review",
            "approve",
            "mark-issued"
        ]
    );
    assert_eq!(view["serial"], serial.as_str());

    // The certificate and its files (R-DELIVERY).
    let list = get(app, "/api/v1/my-certificates", s).await.json();
    assert_eq!(list[0]["serial"], serial.as_str());
    let base = format!("/api/v1/my-certificates/{serial}");
    let stored = w.store().certificate(&serial).await.unwrap().unwrap();
    let der = get(app, &format!("{base}/der"), s).await;
    assert_eq!(der.content_type, "application/pkix-cert");
    assert_eq!(Some(der.body), stored.der);
    let pem = get(app, &format!("{base}/pem"), s).await;
    assert!(pem.text().starts_with("-----BEGIN CERTIFICATE-----"));
    let chain = get(app, &format!("{base}/chain"), s).await;
    assert_eq!(
        chain.text().matches("BEGIN CERTIFICATE").count(),
        2,
        "issuing CA and root"
    );
    assert!(
        chain.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("-chain.pem")
    );

    // Revocation (R-REVOKE-HOW): reviewed, confirmed, final.
    let shown = get(app, &base, s).await.json();
    assert_eq!(shown["status"], "valid");
    let rev = |confirm: bool| json!({"serial": serial.to_uppercase(), "reason": "keyCompromise", "confirm": confirm});
    let r = post_json(app, "/api/v1/revocations", s, rev(false)).await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "revocation.unconfirmed",
    );
    assert_eq!(
        w.store()
            .certificate(&serial)
            .await
            .unwrap()
            .unwrap()
            .status,
        "valid"
    );
    let r = post_json(app, "/api/v1/revocations", s, rev(true)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "revoked");
    assert_eq!(r.json()["revocation_reason"], "keyCompromise");
    let r = post_json(app, "/api/v1/revocations", s, rev(true)).await;
    refused(
        &r,
        StatusCode::CONFLICT,
        "conflict",
        "certificate.already_revoked",
    );

    // API tokens: made (shown once), used without CSRF, bound to their
    // organisation whatever the request says, revoked.
    let r = post_json(
        app,
        "/api/v1/api-tokens",
        s,
        json!({"name": "Potilastietojärjestelmä", "days": 30}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let token_id = r.json()["api_token"]["id"].as_i64().unwrap();
    assert!(
        !get(app, "/api/v1/api-tokens", s)
            .await
            .text()
            .contains(&token),
        "shown once"
    );
    let t = Auth::Bearer(&token);
    let me = get(app, "/api/v1/me", t).await.json();
    assert_eq!(me["actor"], format!("api-token:{token_id}"));
    assert_eq!(me["acting_for"]["role"], "org-user");
    let listed = get(app, "/api/v1/applications", t).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let id3 = new_application(&w, t, "server").await;
    let r = es::request("GET", "/api/v1/me", t, Some(ORG_B), Payload::Empty);
    let r = support::send(app, r).await;
    assert_eq!(
        r.json()["acting_for"]["oid"],
        ORG_A,
        "a token acts for its own organisation"
    );
    let r = call(
        app,
        "DELETE",
        &format!("/api/v1/api-tokens/{token_id}"),
        s,
        Payload::Empty,
    )
    .await;
    assert_eq!(r.json()["revoked"], token_id);
    let r = get(app, "/api/v1/applications", t).await;
    refused(
        &r,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "unauthenticated",
    );
    let r = call(
        app,
        "DELETE",
        &format!("/api/v1/api-tokens/{token_id}"),
        s,
        Payload::Empty,
    )
    .await;
    refused(&r, StatusCode::CONFLICT, "conflict", "api_token.revoked");
    assert_eq!(held(&w, id3).await.1, "draft");
}

/// The journey, on each backend.
#[tokio::test]
async fn a_server_certificate_from_sign_in_to_revocation() {
    for (backend, store, _guard) in carepki_store::testing::test_stores().await {
        journey(&backend, store).await;
    }
}

/// Every bad input of the list is refused with its status and
/// `code`, and nothing of it is stored (R-CSR, R-ELIGIBLE, R-CONFORMITY,
/// R-ACCOUNT, R-REVOKE-HOW, R-STAGES).
#[tokio::test]
async fn bad_input_is_refused_and_nothing_is_half_stored() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let w = es::world(store, "https://pki.example.fi").await;
    let app = &w.app;
    let alice = admin_of(&w, "010180-9026", "Alice Admin", ORG_A).await;
    let s = Auth::Session(&alice);
    let id = new_application(&w, s, "server").await;
    let start = held(&w, id).await;

    // CSRs that do not fit: not matching the profile (a wildcard, an IP
    // address), for a domain the organisation does not administer
    // (R-ELIGIBLE), not a CSR, empty, too large.
    for (cn, problem) in [
        (format!("*.{DOMAIN_A}"), "wildcard"),
        ("192.0.2.10".to_owned(), "IP address"),
        ("www.example.com".to_owned(), "R-ELIGIBLE"),
    ] {
        let r = upload(
            app,
            id,
            "csr",
            "",
            s,
            "application/pkcs10",
            es::csr_der(&cn),
        )
        .await;
        let p = refused(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
            "csr.profile",
        );
        let problems = p["problems"].as_array().unwrap();
        assert!(
            problems
                .iter()
                .any(|x| x.as_str().unwrap().contains(problem)),
            "{cn}: {p}"
        );
        assert_eq!(held(&w, id).await, start, "{cn}: nothing stored");
    }
    let r = upload(
        app,
        id,
        "csr",
        "",
        s,
        "application/pkcs10",
        b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n".to_vec(),
    )
    .await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "csr.malformed",
    );
    let r = upload(app, id, "csr", "", s, "application/pkcs10", Vec::new()).await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "csr.empty",
    );
    let r = upload(
        app,
        id,
        "csr",
        "",
        s,
        "application/pkcs10",
        vec![b'A'; 64 * 1024 + 1],
    )
    .await;
    refused(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        "csr.too_large",
    );
    assert_eq!(held(&w, id).await, start);
    let sys = new_application(&w, s, "system-signature").await;

    // Certificates of conformity (R-CONFORMITY): too large (refused by the
    // e-service with its code; far too large, cut off by the service), not a
    // PDF (by its contents, whatever the content type says).
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(MAX_CONFORMITY_BYTES + 1, b' ');
    big.extend_from_slice(b"%%EOF\n");
    let r = upload(app, id, "conformity", "", s, "application/pdf", big).await;
    refused(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        "conformity.too_large",
    );
    let r = upload(
        app,
        id,
        "conformity",
        "",
        s,
        "application/pdf",
        vec![b' '; MAX_CONFORMITY_BYTES + 2 * 1024 * 1024],
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    r.problem("body-too-large");
    let r = upload(
        app,
        id,
        "conformity",
        "",
        s,
        "application/pdf",
        b"\x89PNG\r\n\x1a\n....%%EOF".to_vec(),
    )
    .await;
    refused(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        "conformity.not_pdf",
    );
    assert_eq!(held(&w, id).await, start, "no attachment stored");

    // A stale version (the form shown before another change): refused.
    let r = upload(
        app,
        id,
        "csr",
        "",
        s,
        "application/pkcs10",
        es::csr_der(&format!("www.{DOMAIN_A}")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let now = held(&w, id).await;
    let r = upload(
        app,
        id,
        "conformity",
        "?version=1",
        s,
        "application/pdf",
        PDF.to_vec(),
    )
    .await;
    refused(&r, StatusCode::CONFLICT, "conflict", "application.changed");
    let r = post_json(
        app,
        &format!("/api/v1/applications/{id}/submit"),
        s,
        json!({"version": 1}),
    )
    .await;
    refused(&r, StatusCode::CONFLICT, "conflict", "application.changed");
    assert_eq!(held(&w, id).await, now);

    // The same form sent twice; an edit after submission (R-STAGES).
    let submit = |version: i64| {
        post_json(
            app,
            &format!("/api/v1/applications/{id}/submit"),
            s,
            json!({ "version": version }),
        )
    };
    let r = submit(now.0).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let submitted = held(&w, id).await;
    let r = submit(now.0).await;
    refused(&r, StatusCode::CONFLICT, "conflict", "application.changed");
    let r = post_json(
        app,
        &format!("/api/v1/applications/{id}/submit"),
        s,
        json!({}),
    )
    .await;
    refused(
        &r,
        StatusCode::CONFLICT,
        "conflict",
        "application.already_submitted",
    );
    let r = upload(
        app,
        id,
        "csr",
        "",
        s,
        "application/pkcs10",
        es::csr_der(&format!("www.{DOMAIN_A}")),
    )
    .await;
    refused(
        &r,
        StatusCode::CONFLICT,
        "conflict",
        "application.edit_after_submit",
    );
    let r = upload(
        app,
        id,
        "conformity",
        "",
        s,
        "application/pdf",
        PDF.to_vec(),
    )
    .await;
    refused(
        &r,
        StatusCode::CONFLICT,
        "conflict",
        "application.edit_after_submit",
    );
    let r = post_json(
        app,
        &format!("/api/v1/applications/{id}/syssig-basis"),
        s,
        json!({"basis": "administers-system"}),
    )
    .await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "application.syssig_basis",
    );
    assert_eq!(held(&w, id).await, submitted);
    // Not ready: what it lacks, listed.
    let r = post_json(
        app,
        &format!("/api/v1/applications/{sys}/submit"),
        s,
        json!({}),
    )
    .await;
    let p = refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "application.not_ready",
    );
    assert_eq!(
        p["problems"].as_array().unwrap().len(),
        2,
        "CSR and ground: {p}"
    );

    // Invitations: expired, used, unknown; nothing granted.
    let admin = w.principal(alice.user_id, Some(ORG_A)).await;
    let ttl = w.es.settings().invitation_ttl_secs;
    let old =
        w.es.invite(
            &admin,
            "late@example.fi",
            "org-user",
            None,
            "fi",
            now_unix() - ttl - 1,
        )
        .await
        .unwrap();
    let fresh =
        w.es.invite(&admin, "bob@example.fi", "org-user", None, "fi", now_unix())
            .await
            .unwrap();
    let token = |link: &str| link.rsplit('/').next().unwrap().to_owned();
    let bob = es::sign_up(app, "030390-9019", "Bob").await;
    let b = Auth::Session(&bob);
    let accept = |t: String| post_json(app, "/api/v1/invitations/accept", b, json!({ "token": t }));
    let r = accept(token(&old.link)).await;
    refused(
        &r,
        StatusCode::CONFLICT,
        "conflict",
        "invitation.used_or_expired",
    );
    let r = accept("not-a-token".into()).await;
    refused(&r, StatusCode::NOT_FOUND, "not-found", "invitation.unknown");
    assert_eq!(
        get(app, "/api/v1/me", b).await.json()["organisations"],
        json!([])
    );
    let r = accept(token(&fresh.link)).await;
    assert_eq!(r.status, StatusCode::OK);
    let carl = es::sign_up(app, "040485-9052", "Carl").await;
    let r = post_json(
        app,
        "/api/v1/invitations/accept",
        Auth::Session(&carl),
        json!({"token": token(&fresh.link)}),
    )
    .await;
    refused(
        &r,
        StatusCode::CONFLICT,
        "conflict",
        "invitation.used_or_expired",
    );
    assert_eq!(
        get(app, "/api/v1/me", Auth::Session(&carl)).await.json()["organisations"],
        json!([])
    );
    // Bad invitations are refused with what is wrong.
    let invite = |body: Value| post_json(app, "/api/v1/invitations", s, body);
    let r = invite(json!({"email": "x@example.fi", "role": "ca-officer"})).await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "invitation.role",
    );
    let r = invite(json!({"email": "not an address", "role": "org-user"})).await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "invitation.email",
    );
    let r =
        invite(json!({"email": "t@example.fi", "role": "technical-contact", "application_id": id}))
            .await;
    refused(
        &r,
        StatusCode::CONFLICT,
        "conflict",
        "invitation.application_closed",
    );

    // Revocation of another organisation's serial: as if it did not exist.
    let bertta = admin_of(&w, "050595-9021", "Bertta", ORG_B).await;
    let bid = new_application(&w, Auth::Session(&bertta), "server").await;
    let bp = w.principal(bertta.user_id, Some(ORG_B)).await;
    w.es.attach_csr(
        &bp,
        bid,
        None,
        "b.csr",
        &es::csr_der("www.toinen.fi"),
        now_unix(),
    )
    .await
    .unwrap();
    w.es.submit(&bp, bid, None, now_unix()).await.unwrap();
    let olli = officer(&w, "060606-9017").await;
    let op = w.principal(olli.user_id, None).await;
    w.es.start_review(&op, bid, None, now_unix()).await.unwrap();
    let issued = w.es.approve(&op, bid, None, now_unix()).await.unwrap();
    let b_serial = issued.facts["serial"].as_str().unwrap().to_owned();
    let r = post_json(
        app,
        "/api/v1/revocations",
        s,
        json!({"serial": b_serial, "reason": "keyCompromise", "confirm": true}),
    )
    .await;
    let other = refused(&r, StatusCode::NOT_FOUND, "not-found", "not_found");
    let r = post_json(
        app,
        "/api/v1/revocations",
        s,
        json!({"serial": "7a6b5c4d3e2f", "reason": "keyCompromise", "confirm": true}),
    )
    .await;
    let none = refused(&r, StatusCode::NOT_FOUND, "not-found", "not_found");
    assert_eq!(
        other["detail"].as_str().unwrap().replace(&b_serial, "S"),
        none["detail"]
            .as_str()
            .unwrap()
            .replace("7a6b5c4d3e2f", "S"),
        "told apart"
    );
    assert_eq!(
        w.store()
            .certificate(&b_serial)
            .await
            .unwrap()
            .unwrap()
            .status,
        "valid"
    );
    let r = post_json(
        app,
        "/api/v1/revocations",
        s,
        json!({"serial": "xyz", "reason": "keyCompromise", "confirm": true}),
    )
    .await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "certificate.serial",
    );
    // B's application and its attachment, reached through A's path or B's.
    let b_att = w.store().attachments(bid).await.unwrap()[0].id;
    let r = get(
        app,
        &format!("/api/v1/applications/{id}/attachments/{b_att}"),
        s,
    )
    .await;
    refused(&r, StatusCode::NOT_FOUND, "not-found", "not_found");
    let r = get(
        app,
        &format!("/api/v1/applications/{bid}/attachments/{b_att}"),
        s,
    )
    .await;
    refused(&r, StatusCode::NOT_FOUND, "not-found", "not_found");
    // Acting for an organisation he holds no role in.
    let r = support::send(
        app,
        es::request(
            "GET",
            "/api/v1/applications",
            s,
            Some(ORG_B),
            Payload::Empty,
        ),
    )
    .await;
    refused(&r, StatusCode::NOT_FOUND, "not-found", "not_found");

    // A body that is not the JSON the operation takes.
    let r = call(
        app,
        "POST",
        "/api/v1/applications",
        s,
        Payload::Raw("application/json", b"{\"profile\":".to_vec()),
    )
    .await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "invalid_body",
    );
    let r = post_json(app, "/api/v1/applications", s, json!({"profile": "email"})).await;
    refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-input",
        "application.profile",
    );

    // CSRF: a session's change without its token, with a wrong one, or with
    // another session's: refused, nothing stored.
    let before = w.store().applications_of_org(ORG_A).await.unwrap().len();
    let r = post_json(
        app,
        "/api/v1/applications",
        Auth::SessionWithoutCsrf(&alice),
        json!({"profile": "server"}),
    )
    .await;
    refused(&r, StatusCode::FORBIDDEN, "forbidden", "csrf");
    for csrf in ["0000".to_owned(), bob.csrf.clone()] {
        let forged = Session {
            csrf,
            ..alice.clone()
        };
        let r = post_json(
            app,
            "/api/v1/applications",
            Auth::Session(&forged),
            json!({"profile": "server"}),
        )
        .await;
        refused(&r, StatusCode::FORBIDDEN, "forbidden", "csrf");
    }
    assert_eq!(
        w.store().applications_of_org(ORG_A).await.unwrap().len(),
        before
    );

    // No credentials, or credentials that are not: 401 with the scheme.
    for auth in [
        None,
        Some("Bearer not-a-token"),
        Some("Basic YWxhZGRpbjpvcGVuc2VzYW1l"),
    ] {
        let mut req = axum::http::Request::get("/api/v1/applications");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        let r = support::send(app, req.body(axum::body::Body::empty()).unwrap()).await;
        refused(
            &r,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "unauthenticated",
        );
        assert_eq!(
            r.headers[header::WWW_AUTHENTICATE],
            "Bearer realm=\"carepki\""
        );
    }
    let r = get(
        app,
        "/api/v1/me",
        Auth::Session(&Session {
            cookie: "carepki_session=forged".into(),
            ..alice.clone()
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// Sign-in is rate limited per client address, invitations per person: 429
/// with `Retry-After`.
#[tokio::test]
async fn sign_in_and_invitations_are_rate_limited() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let w = es::world(store, "https://pki.example.fi").await;
    let app = &w.app;
    let client = es::next_client();
    for i in 0..20 {
        let r = es::demo_login(app, &format!("1{i:05}-9999"), client).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "attempt {i}");
    }
    let r = es::demo_login(app, "999999-9999", client).await;
    refused(
        &r,
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "rate_limited",
    );
    let retry: i64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let r = es::demo_login(app, "999999-9999", es::next_client()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "another address");

    let alice = admin_of(&w, "010180-9026", "Alice", ORG_A).await;
    let invite = |i: u32| {
        post_json(
            app,
            "/api/v1/invitations",
            Auth::Session(&alice),
            json!({"email": format!("p{i}@example.fi"), "role": "org-user"}),
        )
    };
    for i in 0..30 {
        assert_eq!(
            invite(i).await.status,
            StatusCode::CREATED,
            "invitation {i}"
        );
    }
    let r = invite(30).await;
    refused(
        &r,
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "rate_limited",
    );
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(w.store().invitations_of_org(ORG_A).await.unwrap().len(), 30);
}

/// Session cookies: HttpOnly, SameSite=Lax, with a Max-Age, `Secure` when the
/// public address is https; signing out ends the session (R-ACCOUNT).
#[tokio::test]
async fn session_cookies_and_signing_out() {
    for (url, secure) in [
        ("https://pki.example.fi", true),
        ("http://localhost:8080", false),
    ] {
        let (store, _guard) = carepki_store::testing::sqlite_store().await;
        let w = es::world(store, url).await;
        let app = &w.app;
        let alice = es::sign_up(app, "010180-9026", "Alice").await;
        let r = es::demo_login(app, "010180-9026", es::next_client()).await;
        let set = es::set_cookie(&r, "carepki_session").unwrap();
        let a = attributes(&set);
        for want in ["httponly", "samesite=lax", "path=/", "max-age=28800"] {
            assert!(a.contains(&want.to_owned()), "{url}: {set}");
        }
        assert_eq!(a.contains(&"secure".to_owned()), secure, "{url}: {set}");
        let cleared = es::set_cookie(&r, "carepki_register").unwrap();
        assert!(
            attributes(&cleared).contains(&"max-age=0".to_owned()),
            "{cleared}"
        );
        let again = es::session_of(app, &r).await;
        assert_eq!(again.user_id, alice.user_id, "a known person signs in");

        // Signing out needs the CSRF token, then ends the session.
        let logout = |csrf: Option<&str>| {
            let mut req =
                axum::http::Request::post("/logout").header(header::COOKIE, &alice.cookie);
            if let Some(c) = csrf {
                req = req.header("x-csrf-token", c);
            }
            support::send(app, req.body(axum::body::Body::empty()).unwrap())
        };
        assert_eq!(logout(None).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            get(app, "/api/v1/me", Auth::Session(&alice)).await.status,
            StatusCode::OK
        );
        let r = logout(Some(&alice.csrf)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let gone = es::set_cookie(&r, "carepki_session").unwrap();
        assert!(
            attributes(&gone).contains(&"max-age=0".to_owned()),
            "{gone}"
        );
        let r = get(app, "/api/v1/me", Auth::Session(&alice)).await;
        refused(
            &r,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "unauthenticated",
        );
        assert_eq!(
            get(app, "/api/v1/me", Auth::Session(&again)).await.status,
            StatusCode::OK,
            "only that session"
        );
    }
}

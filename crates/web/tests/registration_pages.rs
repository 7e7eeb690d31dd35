//! The registration pages of the e-service (issue 5, point 2; R-REG-POINT,
//! R-ORDER; contract in docs/ESERVICE-PAGES.md) through the whole service, as
//! a browser without JavaScript uses them: forms sent as
//! `application/x-www-form-urlencoded` or `multipart/form-data` with the
//! session's CSRF token read off the page, redirects read off `Location`.
//!
//! The whole flow — the administrator applies for a point and signs the
//! agreement, a CA officer accepts, the point exists, two registrars are
//! applied for with a real PDF, the officer reads the PDF and approves them,
//! the point may order — and the refusals: a refusal shows
//! `.error[data-code]`, a form without its CSRF token gets 403 and changes
//! nothing, another organisation's administrator gets 404 or 403 and changes
//! nothing; a private organisation gives and withdraws a power of attorney;
//! every message the pages use exists in Finnish, Swedish and English.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepki_ca::authority::now_unix;
use carepki_web::i18n::{self, Lang, MISSING_MARK};
use serde_json::json;

mod support;

use support::eservice::{
    self as es, Auth, ORG_A, ORG_B, PRIVATE, Payload, Session, World, admin_of, call, get_page,
    officer, post_page,
};
use support::{Reply, send};

/// A one-page PDF with a correct cross-reference table: a training
/// certificate as a PDF writer makes it.
fn training_pdf(name: &str) -> Vec<u8> {
    let content = format!("BT /F1 14 Tf 72 720 Td (Registrar training completed: {name}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// POST a multipart form with a file to `uri` with `s`'s session.
async fn post_file(
    w: &World,
    s: &Session,
    uri: &str,
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
) -> Reply {
    send(
        &w.app,
        Request::post(uri)
            .header(header::COOKIE, &s.cookie)
            .header(header::CONTENT_TYPE, es::MULTIPART)
            .body(Body::from(es::multipart(fields, Some(file))))
            .unwrap(),
    )
    .await
}

/// The page's CSRF token (the hidden field of its forms).
fn csrf(r: &Reply) -> String {
    let html = r.text();
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no CSRF field in {html}"))
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// Text as the templates escape it.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

fn has(r: &Reply, what: &str) -> bool {
    r.text().contains(what)
}

/// A page in `lang`: 200, its language, no missing message.
fn assert_page(r: &Reply, lang: Lang, what: &str) {
    let html = r.text();
    assert_eq!(r.status, StatusCode::OK, "{what}: {html}");
    assert!(
        html.contains(&format!("<html lang=\"{}\">", lang.code())),
        "{what}"
    );
    assert!(!html.contains(MISSING_MARK), "{what}: {html}");
    assert!(!html.contains("{$") && !html.contains("{ $"), "{what}");
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store", "{what}");
    assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY", "{what}");
}

/// A refused form: its status and `.error[data-code=code]`.
fn assert_refused(r: &Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert!(
        has(r, &format!("class=\"error\" data-code=\"{code}\""))
            || has(r, &format!("data-code=\"{code}\"")),
        "{code}: {}",
        r.text()
    );
}

/// Signs `identity` up as a user of `admin`'s organisation `org`.
async fn member_of(w: &World, admin: &Session, org: &str, identity: &str, name: &str) -> Session {
    let p = w.principal(admin.user_id, Some(org)).await;
    let inv =
        w.es.invite(&p, "member@example.fi", "org-user", None, "fi", now_unix())
            .await
            .unwrap();
    let s = es::sign_up(&w.app, identity, name).await;
    let r = call(
        &w.app,
        "POST",
        "/api/v1/invitations/accept",
        Auth::Session(&s),
        Payload::Json(json!({ "token": inv.link.rsplit('/').next().unwrap() })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    s
}

/// The service's public address in these tests.
const URL: &str = "http://pki.example.fi";

/// The whole flow on the pages (R-REG-POINT): the administrator applies and
/// signs the agreement, the officer accepts, two registrars with a real PDF,
/// the officer reads it and approves them, and the point may order.
#[tokio::test]
async fn an_organisation_gets_a_registration_point_that_may_order() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let w = es::world(store, URL).await;
    let admin = admin_of(&w, "010180-9026", "Aino Admin", ORG_A).await;
    let olli = officer(&w, "020270-903P").await;
    let bob = member_of(&w, &admin, ORG_A, "030390-9019", "Bertta Rekisteröijä").await;

    // The navigation: only administrators and officers see their link.
    let home = get_page(&w, &admin, "/").await;
    assert!(has(&home, "id=\"nav-registration\""));
    assert!(!has(&home, "id=\"nav-registration-review\""));
    let home = get_page(&w, &olli, "/").await;
    assert!(has(&home, "id=\"nav-registration-review\""));
    assert!(!has(&home, "id=\"nav-registration\""));
    let home = get_page(&w, &bob, "/").await;
    assert!(!has(&home, "nav-registration"));

    // The page in every language, with the agreement and its version.
    for lang in Lang::ALL {
        let r = get_page(&w, &admin, &format!("/registration?lang={}", lang.code())).await;
        assert_page(&r, lang, "registration");
        for id in ["points", "point-applications", "apply-point", "agreement"] {
            assert!(has(&r, &format!("id=\"{id}\"")), "{id}");
        }
        assert!(has(
            &r,
            &format!(
                "data-version=\"{}\"",
                carepki_ra::cards::REGPOINT_AGREEMENT_VERSION
            )
        ));
        assert!(has(&r, &escaped(&i18n::t(lang, "es-reg-agreement-1"))));
        assert!(has(&r, "type=\"checkbox\" name=\"agreement_signed\""));
        assert!(!has(&r, "id=\"poa\""), "a public organisation gives none");
    }
    let page = get_page(&w, &admin, "/registration").await;
    let token = csrf(&page);

    // Unsigned: refused with its message, nothing stored.
    let name = "Järvilaakson rekisteröintipiste";
    let r = post_page(
        &w,
        &admin,
        "/registration/point-applications",
        &[("csrf", &token), ("name", name)],
    )
    .await;
    assert_refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "regpoint.no_agreement",
    );
    assert!(has(
        &r,
        &escaped(&i18n::t(Lang::Fi, "error-regpoint-no-agreement"))
    ));
    let apps = |w: &World| {
        let store = w.store().clone();
        async move {
            store
                .regpoint_applications(Some(ORG_A), None)
                .await
                .unwrap()
        }
    };
    assert!(apps(&w).await.is_empty());

    // Signed: post/redirect/get, the application waiting.
    let r = post_page(
        &w,
        &admin,
        "/registration/point-applications",
        &[
            ("csrf", &token),
            ("name", name),
            ("agreement_signed", "yes"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.headers[header::LOCATION],
        "/registration?done=point-applied"
    );
    let r = get_page(&w, &admin, "/registration?done=point-applied&lang=sv").await;
    assert_page(&r, Lang::Sv, "after applying");
    assert!(has(&r, "data-done=\"point-applied\""));
    assert!(has(&r, "data-state=\"pending\""));
    assert!(has(&r, "id=\"application-pending\""));
    let app = apps(&w).await.remove(0);
    assert_eq!(app.signed_by, format!("user:{}", admin.user_id));

    // The officer's review page: the application, accepted.
    for lang in Lang::ALL {
        let r = get_page(
            &w,
            &olli,
            &format!("/registration/review?lang={}", lang.code()),
        )
        .await;
        assert_page(&r, lang, "review");
        assert!(has(&r, &format!("data-application-id=\"{}\"", app.id)));
        assert!(has(&r, "class=\"accept-point") && has(&r, "class=\"reject-point"));
        assert!(has(&r, "textarea") && has(&r, "name=\"reason\""));
    }
    let review = get_page(&w, &olli, "/registration/review").await;
    let otoken = csrf(&review);
    let accept = format!("/registration/point-applications/{}/accept", app.id);
    let r = post_page(&w, &olli, &accept, &[("csrf", &otoken)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.headers[header::LOCATION],
        "/registration/review?done=point-accepted"
    );
    // Decided once.
    let r = post_page(&w, &olli, &accept, &[("csrf", &otoken)]).await;
    assert_refused(&r, StatusCode::CONFLICT, "regpoint.application_decided");

    // The point exists, and has no registrars yet.
    let points: Vec<_> = w
        .store()
        .regpoints()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.org_oid == ORG_A)
        .collect();
    assert_eq!(points.len(), 1);
    let point = points[0].id;
    assert_eq!(points[0].name, name);
    let r = get_page(&w, &admin, "/registration").await;
    assert!(
        has(
            &r,
            &format!("data-point-id=\"{point}\" data-may-order=\"false\"")
        ),
        "{}",
        r.text()
    );
    assert!(has(&r, "data-state=\"accepted\""));
    assert!(has(&r, "class=\"apply-registrar"));
    assert!(has(&r, "name=\"user_id\"") && has(&r, "type=\"file\" name=\"file\""));
    assert!(has(&r, &format!("<option value=\"{}\">", bob.user_id)));
    assert!(has(&r, &format!("<option value=\"{}\">", admin.user_id)));

    // Two registrars with a real PDF; a file that is not a PDF is refused.
    let action = format!("/registration/points/{point}/registrars");
    let bob_id = bob.user_id.to_string();
    let r = post_file(
        &w,
        &admin,
        &action,
        &[("csrf", &token), ("user_id", &bob_id)],
        ("koulutus.gif", b"GIF89a not a pdf"),
    )
    .await;
    assert_refused(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "training.not_pdf");
    assert!(
        w.store()
            .registrars_of_point(point)
            .await
            .unwrap()
            .is_empty()
    );
    let pdfs = [training_pdf("Bertta"), training_pdf("Aino")];
    for (user, pdf) in [(bob.user_id, &pdfs[0]), (admin.user_id, &pdfs[1])] {
        let r = post_file(
            &w,
            &admin,
            &action,
            &[("csrf", &token), ("user_id", &user.to_string())],
            ("koulutustodistus.pdf", pdf),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(
            r.headers[header::LOCATION],
            "/registration?done=registrar-applied"
        );
    }
    let registrars = w.store().registrars_of_point(point).await.unwrap();
    assert_eq!(registrars.len(), 2);
    assert!(registrars.iter().all(|r| r.state == "pending"));
    let r = get_page(&w, &admin, "/registration?done=registrar-applied").await;
    assert!(has(&r, "data-done=\"registrar-applied\""));
    assert!(has(&r, "Bertta Rekisteröijä"));
    assert!(!has(&r, "class=\"apply-registrar"), "everybody is one now");

    // The officer reads each training certificate as uploaded and approves.
    let review = get_page(&w, &olli, "/registration/review").await;
    for (reg, pdf) in registrars.iter().zip(&pdfs) {
        assert!(has(&review, &format!("data-registrar-id=\"{}\"", reg.id)));
        let link = format!("/api/v1/registrars/{}/training", reg.id);
        assert!(has(&review, &link.replace('/', "&#x2f;")) || has(&review, &link));
        let file = get_page(&w, &olli, &link).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.content_type, "application/pdf");
        assert_eq!(&file.body, pdf);
    }
    assert!(has(&review, "class=\"approve-registrar"));
    for reg in &registrars {
        let r = post_page(
            &w,
            &olli,
            &format!("/registration/registrars/{}/approve", reg.id),
            &[("csrf", &otoken)],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(
            r.headers[header::LOCATION],
            "/registration/review?done=registrar-approved"
        );
    }
    let r = get_page(&w, &olli, "/registration/review?done=registrar-approved").await;
    assert!(has(&r, "data-done=\"registrar-approved\""));
    assert!(!has(&r, "class=\"approve-registrar"), "none pending");

    // The point may order now (two approved registrars).
    assert!(w.es.cards().point(point).await.unwrap().may_order);
    let r = get_page(&w, &admin, "/registration").await;
    assert!(has(
        &r,
        &format!("data-point-id=\"{point}\" data-may-order=\"true\"")
    ));
    assert_eq!(r.text().matches("data-state=\"approved\"").count(), 2);
}

/// Refusals on the pages: `.error[data-code]` with the status; no CSRF token,
/// 403 and nothing changed; another organisation's administrator, 404 or 403
/// and nothing changed; a rejection's reason reaches the organisation.
#[tokio::test]
async fn refusals_change_nothing() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let w = es::world(store, URL).await;
    let admin = admin_of(&w, "010180-9026", "Aino Admin", ORG_A).await;
    let other = admin_of(&w, "040485-9052", "Bertil Admin", ORG_B).await;
    let olli = officer(&w, "020270-903P").await;
    let bob = member_of(&w, &admin, ORG_A, "030390-9019", "Bob User").await;
    let cards = w.es.cards();
    let officer_cli = carepki_ra::cards::Officer::cli("cli:officer");
    let point = cards
        .create_point(&officer_cli, ORG_A, "Piste", true, now_unix())
        .await
        .unwrap();
    let snapshot = async || {
        let store = w.store();
        let apps = store.regpoint_applications(None, None).await.unwrap();
        let mut regs = Vec::new();
        for p in store.regpoints().await.unwrap() {
            regs.push((p.id, store.registrars_of_point(p.id).await.unwrap()));
        }
        (apps, regs)
    };
    let token = csrf(&get_page(&w, &admin, "/registration").await);

    // Without the CSRF token: 403 and nothing stored (form and upload).
    let before = snapshot().await;
    let r = post_page(
        &w,
        &admin,
        "/registration/point-applications",
        &[("name", "Piste 2"), ("agreement_signed", "yes")],
    )
    .await;
    assert_refused(&r, StatusCode::FORBIDDEN, "csrf");
    let r = post_file(
        &w,
        &admin,
        &format!("/registration/points/{}/registrars", point.id),
        &[("user_id", &bob.user_id.to_string())],
        ("t.pdf", es::PDF),
    )
    .await;
    assert_refused(&r, StatusCode::FORBIDDEN, "csrf");
    assert_eq!(before, snapshot().await);

    // Signed out: to the sign-in, coming back to the page.
    for page in ["/registration", "/registration/review"] {
        let r = send(&w.app, Request::get(page).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}");
        let back = form_urlencoded::byte_serialize(page.as_bytes()).collect::<String>();
        assert_eq!(
            r.headers[header::LOCATION],
            format!("/login?return_to={back}")
        );
    }

    // The organisation's user and another organisation's administrator.
    let r = get_page(&w, &bob, "/registration").await;
    assert_refused(&r, StatusCode::FORBIDDEN, "role");
    let r = get_page(&w, &admin, "/registration/review").await;
    assert_refused(&r, StatusCode::FORBIDDEN, "officer_only");
    let otoken = csrf(&get_page(&w, &other, "/registration").await);
    let r = get_page(&w, &other, "/registration").await;
    assert!(!has(&r, &format!("data-point-id=\"{}\"", point.id)));
    let r = post_file(
        &w,
        &other,
        &format!("/registration/points/{}/registrars", point.id),
        &[("csrf", &otoken), ("user_id", &bob.user_id.to_string())],
        ("t.pdf", es::PDF),
    )
    .await;
    assert_refused(&r, StatusCode::NOT_FOUND, "not_found");
    let app = cards
        .apply_for_point(
            &w.principal(admin.user_id, Some(ORG_A)).await,
            "Toinen piste",
            true,
            now_unix(),
        )
        .await
        .unwrap();
    let before = snapshot().await;
    let r = post_page(
        &w,
        &other,
        &format!("/registration/point-applications/{}/accept", app.id),
        &[("csrf", &otoken)],
    )
    .await;
    assert_refused(&r, StatusCode::FORBIDDEN, "officer_only");
    let reg = cards
        .apply_for_registrar(
            &w.principal(admin.user_id, Some(ORG_A)).await,
            point.id,
            bob.user_id,
            "t.pdf",
            es::PDF,
            now_unix(),
        )
        .await
        .unwrap();
    let before_reg = snapshot().await;
    assert_ne!(before, before_reg);
    let r = get_page(
        &w,
        &other,
        &format!("/api/v1/registrars/{}/training", reg.id),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post_page(
        &w,
        &other,
        &format!("/registration/registrars/{}/approve", reg.id),
        &[("csrf", &otoken)],
    )
    .await;
    assert_refused(&r, StatusCode::FORBIDDEN, "officer_only");
    assert_eq!(before_reg, snapshot().await);

    // A rejection needs a reason; the organisation reads it.
    let vtoken = csrf(&get_page(&w, &olli, "/registration/review").await);
    let reject = format!("/registration/point-applications/{}/reject", app.id);
    let r = post_page(&w, &olli, &reject, &[("csrf", &vtoken), ("reason", " ")]).await;
    assert_refused(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "regpoint.reject_reason",
    );
    assert_eq!(before_reg, snapshot().await);
    let reason = "Rekisteröintipisteellä ei ole tiloja.";
    let r = post_page(&w, &olli, &reject, &[("csrf", &vtoken), ("reason", reason)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = get_page(&w, &admin, "/registration").await;
    assert!(has(&r, "data-state=\"rejected\""));
    assert!(has(&r, reason));
    // A second registrar application for the same person: refused.
    let r = post_file(
        &w,
        &admin,
        &format!("/registration/points/{}/registrars", point.id),
        &[("csrf", &token), ("user_id", &bob.user_id.to_string())],
        ("t.pdf", es::PDF),
    )
    .await;
    assert_refused(&r, StatusCode::CONFLICT, "registrar.exists");
    assert!(has(
        &r,
        &escaped(&i18n::t(Lang::Fi, "error-registrar-exists"))
    ));
}

/// A private organisation gives a public point a power of attorney on the
/// page and withdraws it (R-ORDER).
#[tokio::test]
async fn a_private_organisation_gives_and_withdraws_a_power_of_attorney() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let w = es::world(store, URL).await;
    let pirkko = admin_of(&w, "090909-902F", "Pirkko Private", PRIVATE).await;
    let cards = w.es.cards();
    let officer_cli = carepki_ra::cards::Officer::cli("cli:officer");
    let point = cards
        .create_point(&officer_cli, ORG_A, "Järvilaakson piste", true, now_unix())
        .await
        .unwrap();
    for lang in Lang::ALL {
        let r = get_page(&w, &pirkko, &format!("/registration?lang={}", lang.code())).await;
        assert_page(&r, lang, "private");
        assert!(has(&r, "id=\"poa\"") && has(&r, "id=\"give-poa\""));
        assert!(has(&r, &format!("<option value=\"{}\">", point.id)));
        assert!(has(&r, "Järvilaakson piste"));
    }
    let token = csrf(&get_page(&w, &pirkko, "/registration").await);
    let r = post_page(
        &w,
        &pirkko,
        "/registration/powers-of-attorney",
        &[("csrf", &token), ("point_id", &point.id.to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.headers[header::LOCATION], "/registration?done=poa-given");
    let poa = w.store().poas_of_point(point.id).await.unwrap().remove(0);
    assert_eq!(poa.grantor_oid, PRIVATE);
    let r = get_page(&w, &pirkko, "/registration?done=poa-given").await;
    assert!(has(&r, "data-done=\"poa-given\""));
    assert!(has(
        &r,
        &format!("data-poa-id=\"{}\" data-state=\"live\"", poa.id)
    ));
    assert!(has(&r, "class=\"withdraw-poa"));
    // One in force per point.
    let r = post_page(
        &w,
        &pirkko,
        "/registration/powers-of-attorney",
        &[("csrf", &token), ("point_id", &point.id.to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let withdraw = format!("/registration/powers-of-attorney/{}/withdraw", poa.id);
    let r = post_page(&w, &pirkko, &withdraw, &[("csrf", &token), ("reason", "")]).await;
    assert_refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "poa.reason");
    assert!(
        w.store()
            .poa(poa.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none()
    );
    let r = post_page(
        &w,
        &pirkko,
        &withdraw,
        &[("csrf", &token), ("reason", "Sopimus päättyi")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.headers[header::LOCATION],
        "/registration?done=poa-withdrawn"
    );
    let row = w.store().poa(poa.id).await.unwrap().unwrap();
    assert_eq!(row.revoke_reason.as_deref(), Some("Sopimus päättyi"));
    let r = get_page(&w, &pirkko, "/registration").await;
    assert!(has(&r, "data-state=\"withdrawn\""));
    assert!(!has(&r, "class=\"withdraw-poa"));
}

/// Every message the registration pages use, every notice and every refusal
/// code of the registration system has its Finnish, Swedish and English
/// text, and the Finnish and Swedish ones are not English copies.
#[test]
fn every_registration_message_is_in_fi_sv_and_en() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ids = Vec::new();
    for t in ["es_registration.html", "es_registration_review.html"] {
        let text = std::fs::read_to_string(root.join("templates").join(t)).unwrap();
        for piece in text.split("t(\"").skip(1) {
            let id = piece.split('"').next().unwrap();
            if id.ends_with('-') {
                continue;
            }
            ids.push(id.to_owned());
        }
    }
    // The ids the templates build.
    for s in ["pending", "approved"] {
        ids.push(format!("es-reg-registrar-{s}"));
    }
    for s in ["pending", "accepted", "rejected"] {
        ids.push(format!("es-reg-application-{s}"));
    }
    for s in ["live", "withdrawn"] {
        ids.push(format!("es-reg-poa-{s}"));
    }
    for d in carepki_web::eservice::registration::DONE {
        ids.push(format!("es-done-{d}"));
    }
    ids.push("nav-registration".into());
    ids.push("nav-registration-review".into());
    // The refusal codes of the registration system and its pages.
    let mut codes = Vec::new();
    for f in [
        "../ra/src/cards/applications.rs",
        "../ra/src/cards/mod.rs",
        "src/eservice/registration.rs",
    ] {
        let text = std::fs::read_to_string(root.join(f)).unwrap();
        for piece in text.split('"').skip(1).step_by(2) {
            if ["regpoint.", "registrar.", "poa.", "training.", "upload."]
                .iter()
                .any(|p| piece.starts_with(p))
                && piece
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
            {
                codes.push(piece.to_owned());
            }
        }
    }
    // Only on the command line (the officer adds registrars there), and the
    // default file name.
    codes.retain(|c| c != "registrar.no_user" && c != "training.pdf");
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 12, "{codes:?}");
    for c in &codes {
        ids.push(carepki_web::eservice::pages::error_message_id(c));
    }
    assert!(ids.len() > 60, "{}", ids.len());
    let mut missing = Vec::new();
    for id in &ids {
        let en = i18n::message(Lang::En, id, None);
        if en.is_none() {
            missing.push(format!("en:{id}"));
        }
        for lang in [Lang::Fi, Lang::Sv] {
            match i18n::message(lang, id, None) {
                None => missing.push(format!("{}:{id}", lang.code())),
                // Words that are the same in Swedish and English.
                Some(text)
                    if Some(&text) == en.as_ref()
                        && !["field-status", "field-organisation"].contains(&id.as_str()) =>
                {
                    missing.push(format!("{}:{id} (English copy)", lang.code()));
                }
                Some(_) => {}
            }
        }
    }
    assert!(missing.is_empty(), "{missing:?}");
}

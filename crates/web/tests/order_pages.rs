//! Card orders by a registrar (issue 5, point 3; R-REG-POINT, R-ORDER,
//! R-CARD-TYPES, R-SV) through the whole service as `carepki serve` serves
//! it: the page `/orders` as a browser without JavaScript uses it (forms
//! sent as `application/x-www-form-urlencoded`, post/redirect/get), and the
//! API `/api/v1/registrar/points` and
//! `/api/v1/registration-points/{id}/card-orders`. The registrar's cancel,
//! hand-over and revocation are in `order_actions.rs`.
//!
//! The world is `support::orders`'s: a registration point of A whose approved
//! registrars are Aino and Rasmus; a pending registrar Pekka at the same
//! point; a point of B with registrars of its own; Bertta of organisation B,
//! who is no registrar; the professional registers of
//! `examples/professionals.json`. Every refusal shows `.error[data-code]`
//! with the form filled as typed (or answers the problem) and stores nothing.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepki_web::i18n::{self, Lang, MISSING_MARK};
use serde_json::json;

mod support;

use support::eservice::{
    self as es, Auth, ORG_A, Payload, Session, call, get_page, post_page, staff_order,
};
use support::orders::{NO_VALID_RIGHT, PRESCRIBER, cast, fields, has_id, orders_of, set};
use support::send;

/// A registrar orders a professional card (R-SV: the prescriber's SV
/// number), a staff card and a test order of 3 on the page, in every
/// language; the orders are listed and audited with his identity.
#[tokio::test]
async fn a_registrar_orders_cards_on_the_page() {
    let c = cast().await;
    let w = &c.w;
    let point = c.point.to_string();
    let at = format!("/orders?point={point}");

    // The home page links to the orders for a registrar.
    let r = get_page(w, &c.aino, "/").await;
    assert!(has_id(&r.text(), "nav-orders"), "{}", r.text());

    for lang in Lang::ALL {
        let r = get_page(w, &c.aino, &format!("{at}&lang={}", lang.code())).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        assert!(!html.contains(MISSING_MARK), "{lang:?}: {html}");
        assert!(html.contains(&i18n::t(lang, "es-orders-title")));
        for id in [
            "registrar-points",
            "order-card",
            "order-card-submit",
            "card-orders",
            "identity-check",
        ] {
            assert!(has_id(&html, id), "{lang:?}: #{id}");
        }
        assert!(html.contains(&format!("data-point=\"{point}\"")));
        assert!(html.contains("data-registrar-state=\"approved\""));
        for name in [
            "csrf",
            "point_id",
            "kind",
            "document_type",
            "document_number",
            "issuing_country",
            "expires",
            "holder_number",
            "given_name",
            "surname",
            "title",
            "org_oid",
            "email",
            "count",
        ] {
            assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
        }
        assert!(html.contains("name=\"expires\" type=\"date\""));
        assert!(html.contains("name=\"email\" type=\"email\""));
        assert!(html.contains("name=\"count\" type=\"number\""));
        assert!(html.contains(&format!("<option value=\"{ORG_A}\"")));
        assert!(html.contains(&c.aino.csrf));
    }

    // A professional card for a prescriber.
    let f = set(
        fields(&c.aino, &point, "professional"),
        "holder_number",
        PRESCRIBER,
    );
    let r = post_page(w, &c.aino, "/orders", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let done = format!("/orders?point={point}&done=card-ordered");
    assert_eq!(r.headers[header::LOCATION], done.as_str());
    let orders = orders_of(w, c.point).await;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].kind, "professional");
    assert_eq!(orders[0].holder_number, PRESCRIBER);
    assert_eq!(orders[0].holder["sv_number"], "900101");
    assert_eq!(orders[0].created_by, format!("user:{}", c.aino.user_id));
    // Audited with the registrar's identity, never the document number.
    let events = w.store().audit_events(None).await.unwrap();
    let ordered = events.iter().rfind(|e| e.action == "card.order").unwrap();
    assert_eq!(ordered.actor, format!("user:{}", c.aino.user_id));
    assert!(!format!("{ordered:?}").contains("XP1234567"), "{ordered:?}");

    // A staff card for the point's organisation.
    let mut f = fields(&c.aino, &point, "staff");
    f.extend([
        ("given_name", "Sanna"),
        ("surname", "Sihteeri"),
        ("title", "Osastosihteeri"),
        ("org_oid", ORG_A),
    ]);
    let r = post_page(w, &c.aino, "/orders", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let orders = orders_of(w, c.point).await;
    assert_eq!(orders.len(), 2);
    let staff = orders.iter().find(|o| o.kind == "staff").unwrap();
    assert_eq!(staff.org_oid.as_deref(), Some(ORG_A));
    assert!(staff.holder_number.starts_with("CP"));

    // A test order of 3 cards (no identity check needed; what was typed in
    // its fields is ignored).
    let f = vec![
        ("csrf", c.rasmus.csrf.as_str()),
        ("point_id", point.as_str()),
        ("kind", "test"),
        ("count", "3"),
    ];
    let r = post_page(w, &c.rasmus, "/orders", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let orders = orders_of(w, c.point).await;
    assert_eq!(orders.iter().filter(|o| o.kind == "test").count(), 3);
    // Left empty, the count is the domain's one card.
    let f = set(f, "count", "");
    let r = post_page(w, &c.rasmus, "/orders", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let orders = orders_of(w, c.point).await;
    assert_eq!(orders.iter().filter(|o| o.kind == "test").count(), 4);

    // The list after the redirect: the notice and every order.
    let r = get_page(w, &c.aino, &format!("{done}&lang=sv")).await;
    let html = r.text();
    assert!(html.contains("data-done=\"card-ordered\""), "{html}");
    assert!(html.contains(&i18n::t(Lang::Sv, "es-done-card-ordered")));
    for o in &orders {
        assert!(
            html.contains(&format!(
                "data-order=\"{}\" data-kind=\"{}\" data-state=\"ordered\"",
                o.id, o.kind
            )),
            "{}",
            o.id
        );
    }
    assert!(html.contains("Sanna Sihteeri"));
    assert!(
        !html.contains("XP1234567"),
        "the document number is not listed"
    );
}

/// Every refusal shows the form again with what was typed and
/// `.error[data-code]`, and stores nothing.
#[tokio::test]
async fn refused_orders_store_nothing() {
    let c = cast().await;
    let w = &c.w;
    let point = c.point.to_string();
    let before = orders_of(w, c.point).await.len();
    let audit = w.store().audit_events(None).await.unwrap().len();

    let refused = async |s: &Session, f: &[(&str, &str)], status: StatusCode, code: &str| {
        let r = post_page(w, s, "/orders", f).await;
        let html = r.text();
        assert_eq!(r.status, status, "{code}: {html}");
        assert!(
            html.contains(&format!(
                "class=\"error\" role=\"alert\" data-code=\"{code}\""
            )),
            "{code}: {html}"
        );
        assert!(!r.headers.contains_key(header::LOCATION));
        assert_eq!(orders_of(w, c.point).await.len(), before, "{code}");
        assert_eq!(orders_of(w, c.point_b).await.len(), 0, "{code}");
        html
    };

    // No valid right in the registers: the form again, as typed.
    let f = set(
        fields(&c.aino, &point, "professional"),
        "holder_number",
        NO_VALID_RIGHT,
    );
    let html = refused(
        &c.aino,
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "order.no_valid_right",
    )
    .await;
    assert!(has_id(&html, "order-card"));
    assert!(html.contains(&format!("value=\"{NO_VALID_RIGHT}\"")));
    assert!(html.contains("value=\"haltija@example.fi\""));
    assert!(html.contains("<option value=\"professional\" selected>"));
    assert!(html.contains(&i18n::t(Lang::Fi, "error-order-no-valid-right")));

    // An expired identity document: the number stays in the form, never in a URL.
    let f = set(
        set(
            fields(&c.aino, &point, "professional"),
            "holder_number",
            PRESCRIBER,
        ),
        "expires",
        "2001-01-01",
    );
    let html = refused(
        &c.aino,
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "order.identity_expired",
    )
    .await;
    assert!(html.contains("value=\"XP1234567\""));
    assert!(!html.contains("?document_number") && !html.contains("&amp;document_number"));

    // 21 test cards, or a count that is not a number.
    for count in ["21", "kolme"] {
        let f = set(fields(&c.aino, &point, "test"), "count", count);
        let html = refused(
            &c.aino,
            &f,
            StatusCode::UNPROCESSABLE_ENTITY,
            "order.test_count",
        )
        .await;
        assert!(html.contains(&format!("value=\"{count}\"")), "{count}");
    }

    // A staff card for an organisation whose power of attorney the point does not hold.
    let mut f = fields(&c.aino, &point, "staff");
    f.extend([
        ("given_name", "Sanna"),
        ("surname", "Sihteeri"),
        ("title", "Osastosihteeri"),
        ("org_oid", es::PRIVATE),
    ]);
    refused(
        &c.aino,
        &f,
        StatusCode::FORBIDDEN,
        "order.no_power_of_attorney",
    )
    .await;

    // A registrar not approved yet.
    let f = set(
        fields(&c.pekka, &point, "professional"),
        "holder_number",
        PRESCRIBER,
    );
    refused(
        &c.pekka,
        &f,
        StatusCode::FORBIDDEN,
        "registrar.not_approved",
    )
    .await;
    let r = get_page(w, &c.pekka, &format!("/orders?point={point}")).await;
    let html = r.text();
    assert!(html.contains("data-registrar-state=\"pending\""), "{html}");
    assert!(has_id(&html, "may-not-order") && !has_id(&html, "order-card"));

    // A registrar of another point (B's), and a user who is no registrar.
    let b = c.point_b.to_string();
    let f = set(
        fields(&c.aino, &b, "professional"),
        "holder_number",
        PRESCRIBER,
    );
    refused(&c.aino, &f, StatusCode::FORBIDDEN, "registrar.not_of_point").await;
    let f = set(
        fields(&c.bertta, &point, "professional"),
        "holder_number",
        PRESCRIBER,
    );
    refused(
        &c.bertta,
        &f,
        StatusCode::FORBIDDEN,
        "registrar.not_of_point",
    )
    .await;

    // Without the CSRF token: 403, nothing stored.
    let f: Vec<_> = set(
        fields(&c.aino, &point, "professional"),
        "holder_number",
        PRESCRIBER,
    )
    .into_iter()
    .filter(|(k, _)| *k != "csrf")
    .collect();
    refused(&c.aino, &f, StatusCode::FORBIDDEN, "csrf").await;

    assert_eq!(w.store().audit_events(None).await.unwrap().len(), audit);
}

/// A user of another organisation who is no registrar gets no point: no
/// link, no point listed, and a point that is not his is refused.
#[tokio::test]
async fn a_user_of_another_organisation_gets_no_point() {
    let c = cast().await;
    let w = &c.w;
    let r = get_page(w, &c.bertta, "/").await;
    assert!(!has_id(&r.text(), "nav-orders"));
    let r = get_page(w, &c.bertta, "/orders").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(has_id(&html, "no-points"), "{html}");
    assert!(!html.contains("data-point="));
    let r = get_page(w, &c.bertta, &format!("/orders?point={}", c.point)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let html = r.text();
    assert!(html.contains("data-code=\"registrar.not_of_point\""));
    assert!(!has_id(&html, "order-card") && !has_id(&html, "card-orders"));
    // Signed out: to the sign-in, back to the page.
    let r = send(&w.app, Request::get("/orders").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/login?return_to=%2Forders");
}

/// The API: a registrar's points and orders; an API token, a pending
/// registrar, a registrar of another point and a session without its CSRF
/// token are refused with their codes and store nothing.
#[tokio::test]
async fn the_order_api() {
    let c = cast().await;
    let w = &c.w;
    let app = &w.app;
    let orders = format!("/api/v1/registration-points/{}/card-orders", c.point);

    let r = call(
        app,
        "GET",
        "/api/v1/registrar/points",
        Auth::Session(&c.aino),
        Payload::Empty,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let points = r.json();
    assert_eq!(points.as_array().unwrap().len(), 1, "{points}");
    assert_eq!(points[0]["point_id"], c.point);
    assert_eq!(points[0]["approved_registrars"], 2);
    assert_eq!(points[0]["organisations"], json!([ORG_A]));
    let r = call(
        app,
        "GET",
        "/api/v1/registrar/points",
        Auth::Session(&c.pekka),
        Payload::Empty,
    )
    .await;
    assert_eq!(r.json()[0]["registrar_state"], "pending");
    assert_eq!(r.json()[0]["you_may_order"], false);
    let r = call(
        app,
        "GET",
        "/api/v1/registrar/points",
        Auth::Session(&c.bertta),
        Payload::Empty,
    )
    .await;
    assert_eq!(r.json(), json!([]));

    // A professional card for a prescriber: R-SV.
    let body = json!({
        "kind": "professional",
        "identity": {"document_type": "id-card", "document_number": "ID998877", "issuing_country": "fi", "expires": "2030-06-30"},
        "holder_number": PRESCRIBER,
        "email": "aino@example.fi",
    });
    let r = call(
        app,
        "POST",
        &orders,
        Auth::Session(&c.rasmus),
        Payload::Json(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let made = r.json();
    assert_eq!(made[0]["prescriber"], true);
    assert_eq!(made[0]["surname"], "Esimerkki");
    assert_eq!(made[0]["identity_document_type"], "id-card");
    assert_eq!(made[0]["identity_issuing_country"], "FI");
    assert_eq!(made[0]["ordered_by"], format!("user:{}", c.rasmus.user_id));
    assert!(!r.text().contains("ID998877"));

    let count = async || orders_of(w, c.point).await.len();
    let n = count().await;
    let refused = async |auth: Auth<'_>,
                         uri: &str,
                         body: serde_json::Value,
                         status: StatusCode,
                         code: &str| {
        let r = call(app, "POST", uri, auth, Payload::Json(body)).await;
        assert_eq!(r.status, status, "{code} at {uri}: {}", r.text());
        assert_eq!(r.json()["code"], code, "{code} at {uri}");
        assert_eq!(count().await, n, "{code} at {uri}");
    };
    let mut no_right = body.clone();
    no_right["holder_number"] = json!(NO_VALID_RIGHT);
    let b_orders = format!("/api/v1/registration-points/{}/card-orders", c.point_b);
    let cases = [
        (
            Auth::Session(&c.aino),
            &orders,
            no_right,
            StatusCode::UNPROCESSABLE_ENTITY,
            "order.no_valid_right",
        ),
        (
            Auth::Session(&c.pekka),
            &orders,
            body.clone(),
            StatusCode::FORBIDDEN,
            "registrar.not_approved",
        ),
        (
            Auth::Session(&c.aino),
            &b_orders,
            body.clone(),
            StatusCode::FORBIDDEN,
            "registrar.not_of_point",
        ),
        (
            Auth::SessionWithoutCsrf(&c.aino),
            &orders,
            body.clone(),
            StatusCode::FORBIDDEN,
            "csrf",
        ),
        (
            Auth::Session(&c.aino),
            &orders,
            json!({"kind": "test", "count": 21}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "order.test_count",
        ),
        (
            Auth::Session(&c.aino),
            &orders,
            json!({"kind": 5}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ];
    for (auth, uri, body, status, code) in cases {
        refused(auth, uri, body, status, code).await;
    }
    // An API token of B has no person behind it.
    let r = call(
        app,
        "POST",
        "/api/v1/api-tokens",
        Auth::Session(&c.bertta),
        Payload::Json(json!({"name": "EHR"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    refused(
        Auth::Bearer(&token),
        &orders,
        body.clone(),
        StatusCode::FORBIDDEN,
        "registrar.user_only",
    )
    .await;
    let r = call(app, "GET", &orders, Auth::Bearer(&token), Payload::Empty).await;
    assert_eq!(r.json()["code"], "registrar.user_only");

    // The list: for the point's approved registrars only.
    let r = call(app, "GET", &orders, Auth::Session(&c.aino), Payload::Empty).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json().as_array().unwrap().len(), n);
    let r = call(app, "GET", &orders, Auth::Session(&c.pekka), Payload::Empty).await;
    assert_eq!(r.json()["code"], "registrar.not_approved");
    let r = call(
        app,
        "GET",
        &orders,
        Auth::Session(&c.bertta),
        Payload::Empty,
    )
    .await;
    assert_eq!(r.json()["code"], "registrar.not_of_point");

    // A staff order by Aino, listed with the order made by Rasmus.
    let r = call(
        app,
        "POST",
        &orders,
        Auth::Session(&c.aino),
        Payload::Json(staff_order(ORG_A, "Kulkija")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = call(
        app,
        "GET",
        &orders,
        Auth::Session(&c.rasmus),
        Payload::Empty,
    )
    .await;
    let list = r.json();
    assert_eq!(list[0]["kind"], "staff");
    assert_eq!(list[0]["org_oid"], ORG_A);
    assert_eq!(list[1]["kind"], "professional");
}

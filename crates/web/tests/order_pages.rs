//! Card orders by a registrar (issue 5, point 3; R-REG-POINT, R-ORDER,
//! R-CARD-TYPES, R-SV) through the whole service as `carepki serve` serves
//! it: the page `/orders` as a browser without JavaScript uses it (forms
//! sent as `application/x-www-form-urlencoded`, post/redirect/get), and the
//! API `/api/v1/registrar/points`,
//! `/api/v1/registration-points/{id}/card-orders`, and the registrar's
//! cancel, hand-over and revocation (`/api/v1/card-orders/{id}/cancellation`,
//! `/api/v1/card-orders/{id}/hand-over`, `/api/v1/card-orders/{id}/revocation`,
//! the row forms of the order list).
//!
//! The world: a registration point of A whose approved registrars are Aino
//! and Rasmus; a pending registrar Pekka at the same point; a point of B
//! with registrars of its own; Bertta of organisation B, who is no
//! registrar. The professional registers hold `examples/professionals.json`.
//! Every refusal shows `.error[data-code]` with the form filled as typed (or
//! answers the problem) and stores nothing.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepki_ca::authority::now_unix;
use carepki_ra::cards::Officer;
use carepki_web::i18n::{self, Lang, MISSING_MARK};
use serde_json::json;

mod support;

use support::eservice::{
    self as es, Auth, ORG_A, ORG_B, PDF, Payload, Session, World, call, get_page, post_page,
    produce_without_token, registrar_point, staff_order,
};
use support::send;

/// A prescriber with valid rights (SV number 900101).
const PRESCRIBER: &str = "99900000101";
/// A professional whose rights have ended.
const NO_VALID_RIGHT: &str = "99900000106";

/// The world with the professional registers and the cast.
struct Cast {
    w: World,
    aino: Session,
    rasmus: Session,
    pekka: Session,
    bertta: Session,
    /// A registrar of B's point.
    olga: Session,
    point: i64,
    point_b: i64,
    _guard: carepki_store::testing::Guard,
}

async fn cast() -> Cast {
    let (store, guard) = carepki_store::testing::sqlite_store().await;
    let w = es::world(store, "https://pki.example.fi").await;
    let rows: Vec<_> = carepki_policy::registers::parse_professionals(include_str!(
        "../../../examples/professionals.json"
    ))
    .unwrap()
    .iter()
    .map(carepki_ra::cards::professional_row)
    .collect();
    w.store()
        .sync_professionals(&rows, "flag", "test", now_unix())
        .await
        .unwrap();
    let app = w.app.clone();
    let aino = es::sign_up(&app, "010180-9026", "Aino Rekisteröijä").await;
    let rasmus = es::sign_up(&app, "040485-9052", "Rasmus Rekisteröijä").await;
    let pekka = es::sign_up(&app, "050595-9021", "Pekka Koulutettava").await;
    let bertta = es::sign_up(&app, "030390-9019", "Bertta Bee").await;
    let r = call(
        &app,
        "POST",
        "/api/v1/accounts",
        Auth::Session(&bertta),
        Payload::Json(json!({"org_oid": ORG_B})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let point = registrar_point(
        &w,
        ORG_A,
        "Keskussairaalan rekisteröintipiste",
        &[aino.user_id, rasmus.user_id],
    )
    .await;
    // Pekka's training is not approved yet.
    w.es.cards()
        .add_registrar(
            &Officer::cli("cli:officer"),
            point,
            pekka.user_id,
            "koulutus.pdf",
            PDF,
            now_unix(),
        )
        .await
        .unwrap();
    let b1 = es::sign_up(&app, "060606-9017", "Olga B").await;
    let b2 = es::sign_up(&app, "070707-901B", "Olli B").await;
    let point_b = registrar_point(&w, ORG_B, "Toinen piste", &[b1.user_id, b2.user_id]).await;
    Cast {
        w,
        aino,
        rasmus,
        pekka,
        bertta,
        olga: b1,
        point,
        point_b,
        _guard: guard,
    }
}

fn has_id(html: &str, id: &str) -> bool {
    html.contains(&format!("id=\"{id}\""))
}

/// The order form's fields for `kind` at `point`, with the session's CSRF token.
fn fields<'a>(s: &'a Session, point: &'a str, kind: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", s.csrf.as_str()),
        ("point_id", point),
        ("kind", kind),
        ("document_type", "passport"),
        ("document_number", "XP1234567"),
        ("issuing_country", "FI"),
        ("expires", "2031-12-31"),
        ("email", "haltija@example.fi"),
    ]
}

/// Sets `name` in a form's fields.
fn set<'a>(
    mut f: Vec<(&'a str, &'a str)>,
    name: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    f.retain(|(k, _)| *k != name);
    f.push((name, value));
    f
}

async fn orders_of(w: &World, point: i64) -> Vec<carepki_store::CardOrderRow> {
    w.store().card_orders_of_point(point).await.unwrap()
}

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

// ---------------------------------------------------------------------------------
// Cancelling an order and handing a card over (docs/CARDS.md, "Cancelling an
// order"; "Production, activation and revocation")
// ---------------------------------------------------------------------------------

/// A passport seen at the hand-over.
const HANDOVER_DOC: &str = "HX7777777";

/// Orders one card of `body` at the point as `s` through the API: the stored order.
async fn order_one(c: &Cast, s: &Session, body: serde_json::Value) -> carepki_store::CardOrderRow {
    let uri = format!("/api/v1/registration-points/{}/card-orders", c.point);
    let r = call(
        &c.w.app,
        "POST",
        &uri,
        Auth::Session(s),
        Payload::Json(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()[0]["order_id"].as_i64().unwrap();
    c.w.store().card_order(id).await.unwrap().unwrap()
}

/// A produced staff card at the point (ordered by Aino).
async fn produced(c: &Cast, surname: &str) -> carepki_store::CardOrderRow {
    let o = order_one(c, &c.aino, staff_order(ORG_A, surname)).await;
    produce_without_token(&c.w, &o, now_unix()).await
}

/// The `<tr>` of order `id` in a page.
fn row(html: &str, id: i64) -> &str {
    let start = html
        .find(&format!("data-order=\"{id}\""))
        .unwrap_or_else(|| panic!("row {id} in {html}"));
    let end = start + html[start..].find("</tr>").unwrap();
    &html[start..end]
}

/// Everything stored about the card orders of both points, and the audit
/// log's length: what a refusal must leave as it was.
async fn orders_state(c: &Cast) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    for p in [c.point, c.point_b] {
        for o in orders_of(&c.w, p).await {
            out.push(format!("{} {} {} {}", o.id, o.state, o.version, o.detail));
        }
    }
    (out, c.w.store().audit_events(None).await.unwrap().len())
}

/// The hand-over form's fields for `s`.
fn handover_fields<'a>(
    s: &'a Session,
    point: &'a str,
    expires: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", s.csrf.as_str()),
        ("point_id", point),
        ("document_type", "passport"),
        ("document_number", HANDOVER_DOC),
        ("issuing_country", "FI"),
        ("expires", expires),
    ]
}

/// A registrar cancels an order and hands produced cards over on the page;
/// the list shows it, each is audited with his identity, and the document
/// number is neither stored in the hand-over record nor listed.
#[tokio::test]
async fn a_registrar_cancels_and_hands_over_on_the_page() {
    let c = cast().await;
    let w = &c.w;
    let point = c.point.to_string();
    let at = format!("/orders?point={point}");

    let mistaken = order_one(&c, &c.rasmus, staff_order(ORG_A, "Virhe")).await;
    let card = produced(&c, "Kortti").await;
    let test = order_one(&c, &c.aino, json!({"kind": "test", "count": 1})).await;
    let test = produce_without_token(w, &test, now_unix()).await;

    for lang in Lang::ALL {
        let r = get_page(w, &c.aino, &format!("{at}&lang={}", lang.code())).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        assert!(!html.contains(MISSING_MARK), "{lang:?}: {html}");
        // An ordered card: the cancel form, no hand-over.
        let tr = row(&html, mistaken.id);
        assert!(tr.contains("class=\"cancel-order\""), "{tr}");
        assert!(tr.contains(&format!("action=\"/orders/{}/cancel\"", mistaken.id)));
        assert!(tr.contains("name=\"reason\"") && tr.contains("type=\"submit\""));
        assert!(tr.contains("name=\"csrf\"") && tr.contains(&c.aino.csrf));
        assert!(!tr.contains("class=\"hand-over\""));
        // A produced card: the hand-over form with the identity check.
        let tr = row(&html, card.id);
        assert!(tr.contains("class=\"hand-over\""), "{tr}");
        assert!(tr.contains(&format!("action=\"/orders/{}/hand-over\"", card.id)));
        for name in [
            "document_type",
            "document_number",
            "issuing_country",
            "expires",
        ] {
            assert!(tr.contains(&format!("name=\"{name}\"")), "{name}: {tr}");
        }
        assert!(!tr.contains("class=\"cancel-order\""));
        assert!(tr.contains("data-handed-over=\"false\""));
        // A produced test card: the hand-over form without an identity check.
        let tr = row(&html, test.id);
        assert!(tr.contains("class=\"hand-over\""), "{tr}");
        assert!(!tr.contains("name=\"document_number\""), "{tr}");
    }

    // Cancelling the mistaken order.
    let f = [
        ("csrf", c.aino.csrf.as_str()),
        ("point_id", point.as_str()),
        ("reason", "Tilattu väärälle henkilölle"),
    ];
    let r = post_page(w, &c.aino, &format!("/orders/{}/cancel", mistaken.id), &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/orders?point={point}&done=card-cancelled").as_str()
    );
    let o = w.store().card_order(mistaken.id).await.unwrap().unwrap();
    assert_eq!(o.state, "cancelled");
    assert_eq!(o.detail["cancel_reason"], "Tilattu väärälle henkilölle");
    let events = w.store().audit_events(None).await.unwrap();
    let e = events.iter().rfind(|e| e.action == "card.cancel").unwrap();
    assert_eq!(e.actor, format!("user:{}", c.aino.user_id));

    // Handing the card over, with the holder's passport.
    let f = handover_fields(&c.aino, &point, "2032-05-31");
    let r = post_page(w, &c.aino, &format!("/orders/{}/hand-over", card.id), &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/orders?point={point}&done=card-handed-over").as_str()
    );
    let o = w.store().card_order(card.id).await.unwrap().unwrap();
    assert_eq!(o.state, "produced");
    assert!(o.detail["handed_over_at"].is_i64(), "{}", o.detail);
    assert_eq!(
        o.detail["handed_over_by"],
        format!("user:{}", c.aino.user_id)
    );
    assert_eq!(o.detail["hand_over_identity"]["document_type"], "passport");
    assert_eq!(
        o.detail["hand_over_identity"]["same_document_as_order"],
        false
    );
    assert!(!o.detail.to_string().contains(HANDOVER_DOC), "{}", o.detail);
    let events = w.store().audit_events(None).await.unwrap();
    let e = events
        .iter()
        .rfind(|e| e.action == "card.hand_over")
        .unwrap();
    assert_eq!(e.actor, format!("user:{}", c.aino.user_id));
    assert!(!format!("{e:?}").contains(HANDOVER_DOC), "{e:?}");

    // The test card needs no identity check.
    let f = [
        ("csrf", c.rasmus.csrf.as_str()),
        ("point_id", point.as_str()),
    ];
    let r = post_page(w, &c.rasmus, &format!("/orders/{}/hand-over", test.id), &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let o = w.store().card_order(test.id).await.unwrap().unwrap();
    assert_eq!(
        o.detail["handed_over_by"],
        format!("user:{}", c.rasmus.user_id)
    );

    // The list after the redirect, in Swedish.
    let r = get_page(w, &c.aino, &format!("{at}&done=card-handed-over&lang=sv")).await;
    let html = r.text();
    assert!(html.contains("data-done=\"card-handed-over\""), "{html}");
    assert!(html.contains(&i18n::t(Lang::Sv, "es-done-card-handed-over")));
    let tr = row(&html, card.id);
    assert!(tr.contains("data-handed-over=\"true\""), "{tr}");
    assert!(!tr.contains("class=\"hand-over\""), "{tr}");
    let tr = row(&html, mistaken.id);
    assert!(tr.contains("data-state=\"cancelled\""), "{tr}");
    assert!(!tr.contains("<form"), "{tr}");
    assert!(tr.contains("Tilattu väärälle henkilölle"));
    assert!(!html.contains(HANDOVER_DOC));
    let r = get_page(w, &c.aino, &format!("{at}&done=card-cancelled")).await;
    assert!(
        r.text()
            .contains(&i18n::t(Lang::Fi, "es-done-card-cancelled"))
    );
}

/// Every refused cancel or hand-over on the page shows the page again with
/// `.error[data-code]` (what was typed in the row's form, never in a URL)
/// and stores nothing. Another point's registrar, or a user who is no
/// registrar, gets the same answer as for an order that does not exist.
#[tokio::test]
async fn refused_cancels_and_hand_overs_store_nothing() {
    let c = cast().await;
    let w = &c.w;
    let point = c.point.to_string();
    let ordered = order_one(&c, &c.aino, staff_order(ORG_A, "Tilattu")).await;
    let card = produced(&c, "Valmis").await;
    let given = produced(&c, "Luovutettu").await;
    w.es.cards()
        .hand_over(
            c.aino.user_id,
            given.id,
            Some(&carepki_ra::cards::IdentityCheck {
                document_type: "passport".into(),
                document_number: "XP7654321".into(),
                issuing_country: "FI".into(),
                expires: "2031-12-31".into(),
            }),
            now_unix(),
        )
        .await
        .unwrap();
    let before = orders_state(&c).await;

    let refused =
        async |s: &Session, uri: &str, f: &[(&str, &str)], status: StatusCode, code: &str| {
            let r = post_page(w, s, uri, f).await;
            let html = r.text();
            assert_eq!(r.status, status, "{code}: {html}");
            assert!(
                html.contains(&format!(
                    "class=\"error\" role=\"alert\" data-code=\"{code}\""
                )),
                "{code}: {html}"
            );
            assert!(!r.headers.contains_key(header::LOCATION), "{code}");
            assert_eq!(orders_state(&c).await, before, "{code}");
            html
        };
    let cancel = |id: i64| format!("/orders/{id}/cancel");
    let hand = |id: i64| format!("/orders/{id}/hand-over");

    // Cancelling: no reason; a card that is made (not ordered).
    let f = [
        ("csrf", c.aino.csrf.as_str()),
        ("point_id", point.as_str()),
        ("reason", " "),
    ];
    refused(
        &c.aino,
        &cancel(ordered.id),
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "order.cancel_reason",
    )
    .await;
    let f = [
        ("csrf", c.aino.csrf.as_str()),
        ("point_id", point.as_str()),
        ("reason", "Virhe"),
    ];
    let html = refused(
        &c.aino,
        &cancel(card.id),
        &f,
        StatusCode::CONFLICT,
        "card.not_ordered",
    )
    .await;
    assert!(html.contains(&i18n::t(Lang::Fi, "error-card-not-ordered")));

    // Handing over: an ordered card, a card handed over already, an expired
    // passport (shown again in the row's form, never in a URL), no identity
    // check for a card that is not a test card.
    let f = handover_fields(&c.aino, &point, "2032-05-31");
    refused(
        &c.aino,
        &hand(ordered.id),
        &f,
        StatusCode::CONFLICT,
        "card.not_produced",
    )
    .await;
    let html = refused(
        &c.aino,
        &hand(given.id),
        &f,
        StatusCode::CONFLICT,
        "card.handed_over",
    )
    .await;
    assert!(html.contains(&i18n::t(Lang::Fi, "error-card-handed-over")));
    let f = handover_fields(&c.aino, &point, "2001-01-01");
    let html = refused(
        &c.aino,
        &hand(card.id),
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "order.identity_expired",
    )
    .await;
    assert!(
        row(&html, card.id).contains(&format!("value=\"{HANDOVER_DOC}\"")),
        "{html}"
    );
    assert!(!html.contains(&format!("document_number={HANDOVER_DOC}")));
    let f = [("csrf", c.aino.csrf.as_str()), ("point_id", point.as_str())];
    refused(
        &c.aino,
        &hand(card.id),
        &f,
        StatusCode::UNPROCESSABLE_ENTITY,
        "order.identity_missing",
    )
    .await;

    // A pending registrar of the point.
    let f = handover_fields(&c.pekka, &point, "2032-05-31");
    refused(
        &c.pekka,
        &hand(card.id),
        &f,
        StatusCode::FORBIDDEN,
        "registrar.not_approved",
    )
    .await;

    // Another point's registrar and a user who is no registrar: as for an
    // order that does not exist.
    let ghost = 987_654_321;
    for s in [&c.olga, &c.bertta] {
        let b = c.point_b.to_string();
        let f = handover_fields(s, &b, "2032-05-31");
        let h1 = refused(s, &hand(card.id), &f, StatusCode::NOT_FOUND, "not_found").await;
        let h2 = refused(s, &hand(ghost), &f, StatusCode::NOT_FOUND, "not_found").await;
        assert!(!h1.contains("Valmis") && !h2.contains("Valmis"));
        let f = [
            ("csrf", s.csrf.as_str()),
            ("point_id", b.as_str()),
            ("reason", "Virhe"),
        ];
        refused(
            s,
            &cancel(ordered.id),
            &f,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        refused(s, &cancel(ghost), &f, StatusCode::NOT_FOUND, "not_found").await;
    }

    // Without the CSRF token.
    let f = [("point_id", point.as_str()), ("reason", "Virhe")];
    refused(
        &c.aino,
        &cancel(ordered.id),
        &f,
        StatusCode::FORBIDDEN,
        "csrf",
    )
    .await;
    let f: Vec<_> = handover_fields(&c.aino, &point, "2032-05-31")
        .into_iter()
        .filter(|(k, _)| *k != "csrf")
        .collect();
    refused(&c.aino, &hand(card.id), &f, StatusCode::FORBIDDEN, "csrf").await;
}

/// The API: cancel and hand over answer the order as the list shows it; an
/// API token, another point's registrar (as for an order that does not
/// exist), a session without its CSRF token, a card not ordered or handed
/// over already and an expired document are refused and store nothing.
#[tokio::test]
async fn the_cancel_and_hand_over_api() {
    let c = cast().await;
    let w = &c.w;
    let app = &w.app;
    let ordered = order_one(&c, &c.aino, staff_order(ORG_A, "Tilattu")).await;
    let card = produced(&c, "Valmis").await;
    let cancel = |id: i64| format!("/api/v1/card-orders/{id}/cancellation");
    let hand = |id: i64| format!("/api/v1/card-orders/{id}/hand-over");
    let identity = |expires: &str| json!({"identity": {"document_type": "id-card", "document_number": HANDOVER_DOC, "issuing_country": "fi", "expires": expires}});

    // B's API token (its creation is audited before the refusals).
    let r = call(
        app,
        "POST",
        "/api/v1/api-tokens",
        Auth::Session(&c.bertta),
        Payload::Json(json!({"name": "EHR"})),
    )
    .await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let before = orders_state(&c).await;

    let refused = async |auth: Auth<'_>,
                         uri: &str,
                         body: serde_json::Value,
                         status: StatusCode,
                         code: &str| {
        let r = call(app, "POST", uri, auth, Payload::Json(body)).await;
        assert_eq!(r.status, status, "{code} at {uri}: {}", r.text());
        assert_eq!(r.json()["code"], code, "{code} at {uri}");
        assert!(!r.text().contains(HANDOVER_DOC), "{code} at {uri}");
        assert_eq!(orders_state(&c).await, before, "{code} at {uri}");
        r.json()
    };
    // An API token has no person behind it.
    let reason = json!({"reason": "Tilattu väärälle henkilölle"});
    refused(
        Auth::Bearer(&token),
        &cancel(ordered.id),
        reason.clone(),
        StatusCode::FORBIDDEN,
        "registrar.user_only",
    )
    .await;
    refused(
        Auth::Bearer(&token),
        &hand(card.id),
        identity("2032-05-31"),
        StatusCode::FORBIDDEN,
        "registrar.user_only",
    )
    .await;
    // Another point's registrar: as for an order that does not exist.
    let ghost = 987_654_321;
    let a = refused(
        Auth::Session(&c.olga),
        &cancel(ordered.id),
        reason.clone(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let b = refused(
        Auth::Session(&c.olga),
        &cancel(ghost),
        reason.clone(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        a["detail"]
            .as_str()
            .map(|d| d.replace(&ordered.id.to_string(), "N")),
        b["detail"]
            .as_str()
            .map(|d| d.replace(&ghost.to_string(), "N"))
    );
    let a = refused(
        Auth::Session(&c.olga),
        &hand(card.id),
        identity("2032-05-31"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let b = refused(
        Auth::Session(&c.olga),
        &hand(ghost),
        identity("2032-05-31"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        a["detail"]
            .as_str()
            .map(|d| d.replace(&card.id.to_string(), "N")),
        b["detail"]
            .as_str()
            .map(|d| d.replace(&ghost.to_string(), "N"))
    );
    // Without the CSRF token; the wrong state; an expired document; no reason; a bad body.
    let cases = [
        (
            Auth::SessionWithoutCsrf(&c.aino),
            cancel(ordered.id),
            reason.clone(),
            StatusCode::FORBIDDEN,
            "csrf",
        ),
        (
            Auth::SessionWithoutCsrf(&c.aino),
            hand(card.id),
            identity("2032-05-31"),
            StatusCode::FORBIDDEN,
            "csrf",
        ),
        (
            Auth::Session(&c.aino),
            cancel(card.id),
            reason.clone(),
            StatusCode::CONFLICT,
            "card.not_ordered",
        ),
        (
            Auth::Session(&c.aino),
            hand(ordered.id),
            identity("2032-05-31"),
            StatusCode::CONFLICT,
            "card.not_produced",
        ),
        (
            Auth::Session(&c.aino),
            hand(card.id),
            identity("2001-01-01"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "order.identity_expired",
        ),
        (
            Auth::Session(&c.aino),
            hand(card.id),
            json!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "order.identity_missing",
        ),
        (
            Auth::Session(&c.aino),
            cancel(ordered.id),
            json!({"reason": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "order.cancel_reason",
        ),
        (
            Auth::Session(&c.aino),
            cancel(ordered.id),
            json!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ];
    for (auth, uri, body, status, code) in cases {
        refused(auth, &uri, body, status, code).await;
    }

    // Done: the order as the point's list shows it.
    let r = call(
        app,
        "POST",
        &cancel(ordered.id),
        Auth::Session(&c.rasmus),
        Payload::Json(reason.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["order_id"], ordered.id);
    assert_eq!(v["state"], "cancelled");
    assert_eq!(v["cancel_reason"], "Tilattu väärälle henkilölle");
    assert!(v["cancelled_at"].is_i64());
    let r = call(
        app,
        "POST",
        &hand(card.id),
        Auth::Session(&c.rasmus),
        Payload::Json(identity("2032-05-31")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["state"], "produced");
    assert!(v["handed_over_at"].is_i64());
    assert_eq!(v["handed_over_by"], format!("user:{}", c.rasmus.user_id));
    assert!(!r.text().contains(HANDOVER_DOC));
    let events = w.store().audit_events(None).await.unwrap();
    for action in ["card.cancel", "card.hand_over"] {
        let e = events.iter().rfind(|e| e.action == action).unwrap();
        assert_eq!(e.actor, format!("user:{}", c.rasmus.user_id), "{action}");
    }
    // Once: handed over already, cancelled already.
    let before = orders_state(&c).await;
    let again = async |uri: &str, body: serde_json::Value, code: &str| {
        let r = call(
            app,
            "POST",
            uri,
            Auth::Session(&c.aino),
            Payload::Json(body),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        assert_eq!(r.json()["code"], code);
        assert_eq!(orders_state(&c).await, before, "{code}");
    };
    again(&hand(card.id), identity("2032-05-31"), "card.handed_over").await;
    again(&cancel(ordered.id), reason.clone(), "card.not_ordered").await;
    // The list shows both.
    let list = format!("/api/v1/registration-points/{}/card-orders", c.point);
    let r = call(app, "GET", &list, Auth::Session(&c.aino), Payload::Empty).await;
    let l = r.json();
    let of = |id: i64| {
        l.as_array()
            .unwrap()
            .iter()
            .find(|o| o["order_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(of(ordered.id)["state"], "cancelled");
    assert!(of(card.id)["handed_over_at"].is_i64());
    assert!(!r.text().contains(HANDOVER_DOC));
}

// ---------------------------------------------------------------------------------
// Revoking a card (docs/CARDS.md, "Card revocation"; issue 5, point 7)
// ---------------------------------------------------------------------------------

/// The status of both certificates of `order` in the store, each as the
/// certificate row and as the status rows OCSP and the CRLs are made from
/// say it (they must agree): `(status, reason)`.
async fn card_statuses(
    w: &World,
    order: &carepki_store::CardOrderRow,
) -> Vec<(String, Option<String>)> {
    let serials: Vec<String> = [&order.auth_serial, &order.sign_serial]
        .into_iter()
        .map(|s| s.clone().unwrap())
        .collect();
    let published = w.store().statuses_of(&serials).await.unwrap();
    assert_eq!(published.len(), 2);
    let mut out = Vec::new();
    for (serial, p) in serials.iter().zip(&published) {
        let c = w.store().certificate(serial).await.unwrap().unwrap();
        assert_eq!(&p.serial, serial);
        assert_eq!(
            (&p.status, &p.revocation_reason),
            (&c.status, &c.revocation_reason),
            "{serial}"
        );
        out.push((c.status, c.revocation_reason));
    }
    out
}

fn revoked_for(reason: &str) -> Vec<(String, Option<String>)> {
    vec![("revoked".into(), Some(reason.into())); 2]
}

fn still_valid() -> Vec<(String, Option<String>)> {
    vec![("valid".into(), None); 2]
}

/// The revoke form's fields for `s`.
fn revoke_fields<'a>(s: &'a Session, point: &'a str, reason: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", s.csrf.as_str()),
        ("point_id", point),
        ("reason", reason),
        ("confirm", "yes"),
    ]
}

/// A registrar revokes a produced card on the page: both certificates are
/// revoked in the store (OCSP's status rows agree), the order is `revoked`
/// with no form left, the audit actor is the registrar and the holder's mail
/// is queued. Every refusal shows `.error[data-code]` and changes nothing.
#[tokio::test]
async fn a_registrar_revokes_a_card_on_the_page() {
    let c = cast().await;
    let w = &c.w;
    let point = c.point.to_string();
    let at = format!("/orders?point={point}");
    let ordered = order_one(&c, &c.aino, staff_order(ORG_A, "Tilattu")).await;
    let card = produced(&c, "Suljettava").await;
    let other = produced(&c, "Toinen").await;

    // The form on a produced row, in every language; none on an ordered row.
    for lang in Lang::ALL {
        let r = get_page(w, &c.aino, &format!("{at}&lang={}", lang.code())).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let html = r.text();
        assert!(!html.contains(MISSING_MARK), "{html}");
        let tr = row(&html, card.id);
        assert!(
            tr.contains(&format!(
                "<form class=\"revoke-card\" method=\"post\" action=\"/orders/{}/revoke\">",
                card.id
            )),
            "{tr}"
        );
        assert!(tr.contains(&format!("name=\"csrf\" value=\"{}\"", c.aino.csrf)));
        assert!(tr.contains(&format!("name=\"point_id\" value=\"{point}\"")));
        assert!(tr.contains("name=\"reason\""));
        assert!(tr.contains("<option value=\"keyCompromise\">"));
        assert!(tr.contains("type=\"checkbox\" name=\"confirm\""));
        assert!(tr.contains(&i18n::t(lang, "es-orders-revoke-confirm")));
        assert!(tr.contains(&i18n::t(lang, "es-orders-revoke")));
        assert!(!row(&html, ordered.id).contains("revoke-card"));
    }

    // Refusals: nothing changes.
    let before = orders_state(&c).await;
    let refused =
        async |s: &Session, uri: &str, f: &[(&str, &str)], status: StatusCode, code: &str| {
            let r = post_page(w, s, uri, f).await;
            let html = r.text();
            assert_eq!(r.status, status, "{code}: {html}");
            assert!(
                html.contains(&format!(
                    "class=\"error\" role=\"alert\" data-code=\"{code}\""
                )),
                "{code}: {html}"
            );
            assert!(!r.headers.contains_key(header::LOCATION), "{code}");
            assert_eq!(orders_state(&c).await, before, "{code}");
            assert_eq!(card_statuses(w, &card).await, still_valid(), "{code}");
            html
        };
    let revoke = |id: i64| format!("/orders/{id}/revoke");
    let no_confirm: Vec<_> = revoke_fields(&c.aino, &point, "keyCompromise")
        .into_iter()
        .filter(|(k, _)| *k != "confirm")
        .collect();
    let html = refused(
        &c.aino,
        &revoke(card.id),
        &no_confirm,
        StatusCode::UNPROCESSABLE_ENTITY,
        "revocation.unconfirmed",
    )
    .await;
    assert!(html.contains(&i18n::t(Lang::Fi, "error-revocation-unconfirmed")));
    // The reason chosen is kept in the row's form.
    assert!(
        row(&html, card.id).contains("<option value=\"keyCompromise\" selected>"),
        "{html}"
    );
    for bad in ["", "certificateHold", "caCompromise", "key-compromise"] {
        refused(
            &c.aino,
            &revoke(card.id),
            &revoke_fields(&c.aino, &point, bad),
            StatusCode::UNPROCESSABLE_ENTITY,
            "revocation.reason",
        )
        .await;
    }
    refused(
        &c.aino,
        &revoke(ordered.id),
        &revoke_fields(&c.aino, &point, "keyCompromise"),
        StatusCode::CONFLICT,
        "card.not_produced",
    )
    .await;
    refused(
        &c.pekka,
        &revoke(card.id),
        &revoke_fields(&c.pekka, &point, "keyCompromise"),
        StatusCode::FORBIDDEN,
        "registrar.not_approved",
    )
    .await;
    let ghost = 987_654_321;
    for s in [&c.olga, &c.bertta] {
        let b = c.point_b.to_string();
        let f = revoke_fields(s, &b, "keyCompromise");
        let h1 = refused(s, &revoke(card.id), &f, StatusCode::NOT_FOUND, "not_found").await;
        let h2 = refused(s, &revoke(ghost), &f, StatusCode::NOT_FOUND, "not_found").await;
        assert!(!h1.contains("Suljettava") && !h2.contains("Suljettava"));
    }
    let no_csrf: Vec<_> = revoke_fields(&c.aino, &point, "keyCompromise")
        .into_iter()
        .filter(|(k, _)| *k != "csrf")
        .collect();
    refused(
        &c.aino,
        &revoke(card.id),
        &no_csrf,
        StatusCode::FORBIDDEN,
        "csrf",
    )
    .await;
    assert!(
        w.store()
            .mail_by_dedupe_key(&format!("card-revoked:{}", card.id))
            .await
            .unwrap()
            .is_none()
    );

    // Done.
    let r = post_page(
        w,
        &c.aino,
        &revoke(card.id),
        &revoke_fields(&c.aino, &point, "keyCompromise"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/orders?point={point}&done=card-revoked").as_str()
    );
    let o = w.store().card_order(card.id).await.unwrap().unwrap();
    assert_eq!(o.state, "revoked");
    assert_eq!(card_statuses(w, &o).await, revoked_for("keyCompromise"));
    assert_eq!(card_statuses(w, &other).await, still_valid());
    let events = w.store().audit_events(None).await.unwrap();
    let e = events.iter().rfind(|e| e.action == "card.revoke").unwrap();
    assert_eq!(e.actor, format!("user:{}", c.aino.user_id));
    let mail = w
        .store()
        .mail_by_dedupe_key(&format!("card-revoked:{}", card.id))
        .await
        .unwrap()
        .expect("the holder's revocation mail is queued");
    assert_eq!(mail.recipient, "kalle@example.fi");
    let r = get_page(w, &c.aino, &format!("{at}&done=card-revoked&lang=sv")).await;
    let html = r.text();
    assert!(
        html.contains(&i18n::t(Lang::Sv, "es-done-card-revoked")),
        "{html}"
    );
    let tr = row(&html, card.id);
    assert!(tr.contains("data-state=\"revoked\""), "{tr}");
    assert!(
        !tr.contains("revoke-card") && !tr.contains("hand-over"),
        "{tr}"
    );

    // Once: revoked already.
    let before = orders_state(&c).await;
    let r = post_page(
        w,
        &c.rasmus,
        &revoke(card.id),
        &revoke_fields(&c.rasmus, &point, "unspecified"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("data-code=\"card.already_revoked\""));
    assert_eq!(orders_state(&c).await, before);
    assert_eq!(card_statuses(w, &o).await, revoked_for("keyCompromise"));
}

/// The API: `POST /api/v1/card-orders/{id}/revocation` answers the order as
/// the list shows it with both certificates revoked; an API token, another
/// point's registrar (as for an order that does not exist), a session
/// without its CSRF token, no confirmation, a bad reason, a card not made or
/// revoked already are refused and change nothing.
#[tokio::test]
async fn the_revocation_api() {
    let c = cast().await;
    let w = &c.w;
    let app = &w.app;
    let ordered = order_one(&c, &c.aino, staff_order(ORG_A, "Tilattu")).await;
    let card = produced(&c, "Suljettava").await;
    let revoke = |id: i64| format!("/api/v1/card-orders/{id}/revocation");
    let ok = json!({"reason": "affiliationChanged", "confirm": true});

    let r = call(
        app,
        "POST",
        "/api/v1/api-tokens",
        Auth::Session(&c.bertta),
        Payload::Json(json!({"name": "EHR"})),
    )
    .await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let before = orders_state(&c).await;
    let refused = async |auth: Auth<'_>,
                         uri: &str,
                         body: serde_json::Value,
                         status: StatusCode,
                         code: &str| {
        let r = call(app, "POST", uri, auth, Payload::Json(body)).await;
        assert_eq!(r.status, status, "{code}: {}", r.text());
        assert_eq!(r.json()["code"], code);
        assert_eq!(orders_state(&c).await, before, "{code}");
        assert_eq!(card_statuses(w, &card).await, still_valid(), "{code}");
        r.json()
    };
    refused(
        Auth::Bearer(&token),
        &revoke(card.id),
        ok.clone(),
        StatusCode::FORBIDDEN,
        "registrar.user_only",
    )
    .await;
    let ghost = 987_654_321;
    let a = refused(
        Auth::Session(&c.olga),
        &revoke(card.id),
        ok.clone(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let b = refused(
        Auth::Session(&c.olga),
        &revoke(ghost),
        ok.clone(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        a["detail"]
            .as_str()
            .map(|d| d.replace(&card.id.to_string(), "N")),
        b["detail"]
            .as_str()
            .map(|d| d.replace(&ghost.to_string(), "N"))
    );
    refused(
        Auth::SessionWithoutCsrf(&c.aino),
        &revoke(card.id),
        ok.clone(),
        StatusCode::FORBIDDEN,
        "csrf",
    )
    .await;
    for body in [
        json!({"reason": "affiliationChanged"}),
        json!({"reason": "affiliationChanged", "confirm": false}),
    ] {
        refused(
            Auth::Session(&c.aino),
            &revoke(card.id),
            body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "revocation.unconfirmed",
        )
        .await;
    }
    for reason in [
        "certificateHold",
        "removeFromCRL",
        "caCompromise",
        "",
        "KEYCOMPROMISE",
    ] {
        refused(
            Auth::Session(&c.aino),
            &revoke(card.id),
            json!({"reason": reason, "confirm": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "revocation.reason",
        )
        .await;
    }
    refused(
        Auth::Session(&c.aino),
        &revoke(card.id),
        json!({"confirm": true}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    )
    .await;
    refused(
        Auth::Session(&c.aino),
        &revoke(ordered.id),
        ok.clone(),
        StatusCode::CONFLICT,
        "card.not_produced",
    )
    .await;

    // Done: the order as the point's list shows it.
    let r = call(
        app,
        "POST",
        &revoke(card.id),
        Auth::Session(&c.rasmus),
        Payload::Json(ok.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["order_id"], card.id);
    assert_eq!(v["state"], "revoked");
    assert_eq!(
        card_statuses(w, &card).await,
        revoked_for("affiliationChanged")
    );
    let events = w.store().audit_events(None).await.unwrap();
    let e = events.iter().rfind(|e| e.action == "card.revoke").unwrap();
    assert_eq!(e.actor, format!("user:{}", c.rasmus.user_id));
    assert!(
        w.store()
            .mail_by_dedupe_key(&format!("card-revoked:{}", card.id))
            .await
            .unwrap()
            .is_some()
    );
    // Once.
    let before = orders_state(&c).await;
    let r = call(
        app,
        "POST",
        &revoke(card.id),
        Auth::Session(&c.aino),
        Payload::Json(json!({"reason": "keyCompromise", "confirm": true})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["code"], "card.already_revoked");
    assert_eq!(orders_state(&c).await, before);
    assert_eq!(
        card_statuses(w, &card).await,
        revoked_for("affiliationChanged")
    );
    let list = format!("/api/v1/registration-points/{}/card-orders", c.point);
    let r = call(app, "GET", &list, Auth::Session(&c.aino), Payload::Empty).await;
    let l = r.json();
    let listed = l
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order_id"] == card.id)
        .unwrap();
    assert_eq!(listed, &v);
}

/// An activated card (the holder's activation stood in for by the store's
/// state change, as `produce_without_token` stands in for production) has
/// the revoke form too and is revoked through it.
#[tokio::test]
async fn an_activated_card_is_revoked_on_the_page() {
    let c = cast().await;
    let w = &c.w;
    let point = c.point.to_string();
    let card = produced(&c, "Käytössä").await;
    let card = w
        .store()
        .update_card_order(
            card.id,
            &carepki_store::CardOrderUpdate {
                from_state: "produced".into(),
                to_state: "activated".into(),
                action: "card.activate".into(),
                card_label: None,
                serials: None,
                detail: json!({ "activated_at": now_unix() }),
            },
            "test",
            now_unix(),
        )
        .await
        .unwrap();
    let r = get_page(w, &c.rasmus, &format!("/orders?point={point}")).await;
    let html = r.text();
    let tr = row(&html, card.id);
    assert!(tr.contains("data-state=\"activated\""), "{tr}");
    assert!(tr.contains("class=\"revoke-card\""), "{tr}");
    let r = post_page(
        w,
        &c.rasmus,
        &format!("/orders/{}/revoke", card.id),
        &revoke_fields(&c.rasmus, &point, "cessationOfOperation"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let o = w.store().card_order(card.id).await.unwrap().unwrap();
    assert_eq!(o.state, "revoked");
    assert_eq!(
        card_statuses(w, &o).await,
        revoked_for("cessationOfOperation")
    );
    let e = w
        .store()
        .audit_events(None)
        .await
        .unwrap()
        .into_iter()
        .rfind(|e| e.action == "card.revoke")
        .unwrap();
    assert_eq!(e.actor, format!("user:{}", c.rasmus.user_id));
}

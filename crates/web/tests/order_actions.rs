//! The registrar's actions on the order list (issue 5, points 3 and 4;
//! R-REG-POINT): cancelling an order before its card is made and recording
//! the hand-over of a made card after a second identity check, through the
//! page `/orders` (the row forms) and the API
//! (`/api/v1/card-orders/{id}/cancellation`, `/hand-over`). Revoking a card
//! is in `order_revocation.rs`. The world is `support::orders`'s. Every
//! refusal stores nothing, and an order at a point where the caller is no
//! registrar answers as one that does not exist.
#![allow(clippy::unwrap_used)]

use axum::http::{StatusCode, header};
use carepki_ca::authority::now_unix;
use carepki_web::i18n::{self, Lang, MISSING_MARK};
use serde_json::json;

mod support;

use support::eservice::{
    Auth, ORG_A, Payload, Session, call, get_page, post_page, produce_without_token, staff_order,
};
use support::orders::{cast, order_one, orders_state, produced, row};

// ---------------------------------------------------------------------------------
// Cancelling an order and handing a card over (docs/CARDS.md, "Cancelling an
// order"; "Production, activation and revocation")
// ---------------------------------------------------------------------------------

/// A passport seen at the hand-over.
const HANDOVER_DOC: &str = "HX7777777";

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

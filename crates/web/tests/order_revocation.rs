//! The registrar revokes both certificates of a card (issue 5, point 7;
//! R-CARD-CERTS) on the order list: the page `/orders` (`form.revoke-card`)
//! and the API (`/api/v1/card-orders/{id}/revocation`), confirmed and with
//! the reason. The world is `support::orders`'s. Every refusal stores
//! nothing, and an order at a point where the caller is no registrar
//! answers as one that does not exist.
#![allow(clippy::unwrap_used)]

use axum::http::{StatusCode, header};
use carepki_ca::authority::now_unix;
use carepki_web::i18n::{self, Lang, MISSING_MARK};
use serde_json::json;

mod support;

use support::eservice::{
    Auth, ORG_A, Payload, Session, World, call, get_page, post_page, staff_order,
};
use support::orders::{cast, order_one, orders_state, produced, row};

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
        // The registrar's reasons fit a professional card too: a right ended.
        let reason = i18n::t(lang, "es-orders-reason-affiliationChanged");
        assert!(tr.contains(&reason), "{reason}: {tr}");
        assert_ne!(reason, i18n::t(lang, "es-card-reason-affiliationChanged"));
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

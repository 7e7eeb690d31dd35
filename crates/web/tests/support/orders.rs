//! The world of the card order tests (`order_pages.rs`, `order_actions.rs`,
//! `order_revocation.rs`):
//! a registration point of A whose approved registrars are Aino and Rasmus, a
//! pending registrar Pekka at the same point, a point of B with registrars of
//! its own, Bertta of organisation B who is no registrar, and the
//! professional registers of `examples/professionals.json`; and the order
//! form's fields.

use axum::http::StatusCode;
use carepki_ca::authority::now_unix;
use carepki_ra::cards::Officer;
use serde_json::json;

use super::eservice::{
    self as es, Auth, ORG_A, ORG_B, PDF, Payload, Session, World, call, produce_without_token,
    registrar_point, staff_order,
};

/// A prescriber with valid rights (SV number 900101).
pub const PRESCRIBER: &str = "99900000101";
/// A professional whose rights have ended.
pub const NO_VALID_RIGHT: &str = "99900000106";

/// The world with the professional registers and the cast.
pub struct Cast {
    pub w: World,
    pub aino: Session,
    pub rasmus: Session,
    pub pekka: Session,
    pub bertta: Session,
    /// A registrar of B's point.
    pub olga: Session,
    pub point: i64,
    pub point_b: i64,
    pub _guard: carepki_store::testing::Guard,
}

pub async fn cast() -> Cast {
    let (store, guard) = carepki_store::testing::sqlite_store().await;
    let w = es::world(store, "https://pki.example.fi").await;
    let rows: Vec<_> = carepki_policy::registers::parse_professionals(include_str!(
        "../../../../examples/professionals.json"
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

pub fn has_id(html: &str, id: &str) -> bool {
    html.contains(&format!("id=\"{id}\""))
}

/// The order form's fields for `kind` at `point`, with the session's CSRF token.
pub fn fields<'a>(s: &'a Session, point: &'a str, kind: &'a str) -> Vec<(&'a str, &'a str)> {
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
pub fn set<'a>(
    mut f: Vec<(&'a str, &'a str)>,
    name: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    f.retain(|(k, _)| *k != name);
    f.push((name, value));
    f
}

pub async fn orders_of(w: &World, point: i64) -> Vec<carepki_store::CardOrderRow> {
    w.store().card_orders_of_point(point).await.unwrap()
}

/// Orders one card of `body` at the point as `s` through the API: the stored order.
pub async fn order_one(
    c: &Cast,
    s: &Session,
    body: serde_json::Value,
) -> carepki_store::CardOrderRow {
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
pub async fn produced(c: &Cast, surname: &str) -> carepki_store::CardOrderRow {
    let o = order_one(c, &c.aino, staff_order(ORG_A, surname)).await;
    produce_without_token(&c.w, &o, now_unix()).await
}

/// The `<tr>` of order `id` in a page.
pub fn row(html: &str, id: i64) -> &str {
    let start = html
        .find(&format!("data-order=\"{id}\""))
        .unwrap_or_else(|| panic!("row {id} in {html}"));
    let end = start + html[start..].find("</tr>").unwrap();
    &html[start..end]
}

/// Everything stored about the card orders of both points, and the audit
/// log's length: what a refusal must leave as it was.
pub async fn orders_state(c: &Cast) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    for p in [c.point, c.point_b] {
        for o in orders_of(&c.w, p).await {
            out.push(format!("{} {} {} {}", o.id, o.state, o.version, o.detail));
        }
    }
    (out, c.w.store().audit_events(None).await.unwrap().len())
}

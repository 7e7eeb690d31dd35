//! Card orders by a registrar (issue 5, point 3; R-CARD-TYPES, R-ORDER,
//! R-REG-POINT, R-SV), in the JSON API and on the page `/orders`.
//!
//! A registrar is an e-service user whom a CA officer approved at a
//! registration point; he acts as himself, so an API token (no person behind
//! it) is refused with 403 `registrar.user_only`. Every rule is the domain's
//! (`carepki_ra::cards`): whether he may order at a point
//! (`registrar.not_of_point`, `registrar.not_approved`,
//! `regpoint.too_few_registrars`), the identity check, and each kind's rules
//! (`order.*`). Each order is audited by the domain with him as the actor
//! (`user:<id>`).
//!
//! - `GET /api/v1/registrar/points`: his points, his registrar state there,
//!   whether he may order there, the organisations a staff or actor card may
//!   be tied to.
//! - `GET /api/v1/registration-points/{id}/card-orders`: the point's orders,
//!   for its approved registrars; of the identity check only the document
//!   type and issuing country.
//! - `POST /api/v1/registration-points/{id}/card-orders`: an order (the
//!   domain's `OrderInput` as JSON); 201 with the orders made.
//! - `POST /api/v1/card-orders/{id}/cancellation` (`{"reason"}`): the
//!   domain's [`CardService::cancel_order`](carepki_ra::cards::CardService::cancel_order);
//!   200 with the order as the point's list shows it.
//! - `POST /api/v1/card-orders/{id}/hand-over` (`{"identity"}`, none for a
//!   test card): the domain's
//!   [`CardService::hand_over`](carepki_ra::cards::CardService::hand_over);
//!   200 with the order as the point's list shows it.
//! - `POST /api/v1/card-orders/{id}/revocation` (`{"reason", "confirm"}`):
//!   the domain's
//!   [`CardService::revoke_card_confirmed`](carepki_ra::cards::CardService::revoke_card_confirmed),
//!   both certificates of a produced or activated card (R-CARD-CERTS); 200
//!   with the order as the point's list shows it.
//! - `GET /orders` and `POST /orders`: the same for people (the DOM contract
//!   is `docs/ESERVICE-PAGES.md`), with `POST /orders/{id}/cancel`,
//!   `POST /orders/{id}/hand-over` and `POST /orders/{id}/revoke` from the
//!   order list. A refused form shows
//!   the page again with what was typed and `.error[data-code]`; the
//!   document number is never put in a URL.
//!
//! An order of a point where the caller is not a registrar is answered as
//! one that does not exist (404 `not_found`, [`hide_other_points`]): nothing
//! is revealed about other points' orders.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use carepki_ra::cards::{
    DOCUMENT_TYPES, IdentityCheck, MAX_TEST_CARDS, OrderInput, PointOrderView, RegistrarPointView,
    registrar_user,
};
use carepki_ra::eservice::{EsError, EsResult};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::{answer, body, caller};
use super::pages::{Form, Page, csrf_of, form_caller, org_names, see_other, signed_in};
use super::{Caller, EsWeb};
use crate::i18n::{self, PageLang};

/// The card kinds a registrar orders, in the form's order.
pub(crate) const ORDER_KINDS: [&str; 5] = ["professional", "staff", "actor", "temporary", "test"];

/// The reasons a registrar gives for revoking a card, in the form's order
/// (RFC 5280 names; the form has none chosen: he chooses one).
pub(crate) const REVOCATION_REASONS: [&str; 5] = [
    "keyCompromise",
    "affiliationChanged",
    "cessationOfOperation",
    "superseded",
    "unspecified",
];

/// The notices of the orders page (`?done=`); each is `es-done-<what>`.
pub(crate) const ORDER_DONE: &[&str] = &[
    "card-ordered",
    "card-cancelled",
    "card-handed-over",
    "card-revoked",
];

/// The API routes.
pub(super) fn api_routes() -> Router<EsWeb> {
    Router::new()
        .route("/api/v1/registrar/points", get(api_points))
        .route(
            "/api/v1/registration-points/{id}/card-orders",
            get(api_point_orders).post(api_order),
        )
        .route("/api/v1/card-orders/{id}/cancellation", post(api_cancel))
        .route("/api/v1/card-orders/{id}/hand-over", post(api_hand_over))
        .route("/api/v1/card-orders/{id}/revocation", post(api_revoke))
}

/// The page routes (they get the pages' headers in `router`).
pub(super) fn page_routes() -> Router<EsWeb> {
    Router::new()
        .route("/orders", get(orders_page).post(order_form))
        .route("/orders/{id}/cancel", post(cancel_form))
        .route("/orders/{id}/hand-over", post(hand_over_form))
        .route("/orders/{id}/revoke", post(revoke_form))
}

fn now() -> i64 {
    carepki_ca::authority::now_unix()
}

// ---------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------

async fn api_points(State(web): State<EsWeb>, headers: HeaderMap, uri: Uri) -> Response {
    let c = match caller(&web, &headers, &uri, false).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let user = registrar_user(&c.principal)?;
        web.es.cards().registrar_points(user).await
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

async fn api_point_orders(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(point): Path<i64>,
) -> Response {
    let c = match caller(&web, &headers, &uri, false).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let user = registrar_user(&c.principal)?;
        web.es.cards().point_orders(user, point).await
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

async fn api_order(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(point): Path<i64>,
    bytes: Bytes,
) -> Response {
    let c = match caller(&web, &headers, &uri, true).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let user = registrar_user(&c.principal)?;
        let input: OrderInput = body(&bytes)?;
        place(&web, user, point, &input).await
    }
    .await;
    answer(&uri, StatusCode::CREATED, r)
}

/// Registrar `user` orders at `point`: the orders made, as the point's list
/// shows them.
async fn place(
    web: &EsWeb,
    user: i64,
    point: i64,
    input: &OrderInput,
) -> EsResult<Vec<PointOrderView>> {
    let made = web.es.cards().order(user, point, input, now()).await?;
    Ok(made.iter().map(PointOrderView::from).collect())
}

/// A refusal for an order at a point where the caller is not a registrar,
/// answered as for an order that does not exist (the domain's
/// `order_of_registrar` says `registrar.not_of_point` for the one and
/// `not_found` for the other): nothing is revealed about other points'
/// orders. Every other answer is the domain's.
fn hide_other_points(order: i64, e: EsError) -> EsError {
    if e.code == "registrar.not_of_point" {
        EsError::not_found(&format!("card order {order}"))
    } else {
        e
    }
}

/// What `POST /api/v1/card-orders/{id}/cancellation` takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelInput {
    reason: String,
}

/// What `POST /api/v1/card-orders/{id}/hand-over` takes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HandOverInput {
    /// The identity check at the hand-over; none for a test card.
    #[serde(default)]
    identity: Option<IdentityCheck>,
}

/// What `POST /api/v1/card-orders/{id}/revocation` takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeInput {
    /// An RFC 5280 name (`keyCompromise`, `affiliationChanged`, ...).
    reason: String,
    /// That the registrar knows revocation cannot be undone.
    #[serde(default)]
    confirm: bool,
}

/// Registrar `user` revokes the card of order `order` (both certificates),
/// with `reason`, once `confirmed`: the order as the point's list shows it.
async fn revoke(
    web: &EsWeb,
    user: i64,
    order: i64,
    reason: &str,
    confirmed: bool,
) -> EsResult<PointOrderView> {
    web.es
        .cards()
        .revoke_card_confirmed(user, order, reason, confirmed, now())
        .await
        .map(|o| PointOrderView::from(&o))
        .map_err(|e| hide_other_points(order, e))
}

/// Registrar `user` cancels order `order`: the order as the point's list
/// shows it.
async fn cancel(web: &EsWeb, user: i64, order: i64, reason: &str) -> EsResult<PointOrderView> {
    web.es
        .cards()
        .cancel_order(user, order, reason, now())
        .await
        .map(|o| PointOrderView::from(&o))
        .map_err(|e| hide_other_points(order, e))
}

/// Registrar `user` hands the card of order `order` over: the order as the
/// point's list shows it.
async fn hand_over(
    web: &EsWeb,
    user: i64,
    order: i64,
    identity: Option<&IdentityCheck>,
) -> EsResult<PointOrderView> {
    web.es
        .cards()
        .hand_over(user, order, identity, now())
        .await
        .map(|o| PointOrderView::from(&o))
        .map_err(|e| hide_other_points(order, e))
}

async fn api_cancel(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(order): Path<i64>,
    bytes: Bytes,
) -> Response {
    let c = match caller(&web, &headers, &uri, true).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let user = registrar_user(&c.principal)?;
        let input: CancelInput = body(&bytes)?;
        cancel(&web, user, order, &input.reason).await
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

async fn api_hand_over(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(order): Path<i64>,
    bytes: Bytes,
) -> Response {
    let c = match caller(&web, &headers, &uri, true).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let user = registrar_user(&c.principal)?;
        let input: HandOverInput = body(&bytes)?;
        hand_over(&web, user, order, input.identity.as_ref()).await
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

async fn api_revoke(
    State(web): State<EsWeb>,
    headers: HeaderMap,
    uri: Uri,
    Path(order): Path<i64>,
    bytes: Bytes,
) -> Response {
    let c = match caller(&web, &headers, &uri, true).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let user = registrar_user(&c.principal)?;
        let input: RevokeInput = body(&bytes)?;
        revoke(&web, user, order, &input.reason, input.confirm).await
    }
    .await;
    answer(&uri, StatusCode::OK, r)
}

// ---------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------

/// What `GET /orders` may be asked.
#[derive(Debug, Default, Deserialize)]
struct OrdersQuery {
    done: Option<String>,
    point: Option<String>,
}

/// `GET /orders`: the registrar's points and, for the chosen point
/// (`?point=`), its order form and its orders.
async fn orders_page(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    q: Result<Query<OrdersQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let point = q
        .point
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok());
    let back = match point {
        Some(p) => format!("/orders?point={p}"),
        None => "/orders".to_owned(),
    };
    let c = match signed_in(&web, &lang, &headers, &back).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let done = q
        .done
        .as_deref()
        .and_then(|d| ORDER_DONE.iter().find(|x| **x == d));
    let page = orders_view(&web, &lang, &c, point, &Typed::default(), None).await;
    let page = match done {
        Some(done) => {
            let text = i18n::t(lang.lang, &format!("es-done-{done}"));
            page.with("es_notice", json!({"done": done, "text": text}))
        }
        None => page,
    };
    page.render(&web, Some(&c))
}

/// What was typed in the order form, to show it again after a refusal.
#[derive(Debug, Default, serde::Serialize)]
struct Typed {
    kind: String,
    document_type: String,
    document_number: String,
    issuing_country: String,
    expires: String,
    holder_number: String,
    given_name: String,
    surname: String,
    title: String,
    org_oid: String,
    email: String,
    count: String,
}

impl Typed {
    fn of(form: &Form) -> Self {
        let f = |k: &str| form.text(k).to_owned();
        Self {
            kind: f("kind"),
            document_type: f("document_type"),
            document_number: f("document_number"),
            issuing_country: f("issuing_country"),
            expires: f("expires"),
            holder_number: f("holder_number"),
            given_name: f("given_name"),
            surname: f("surname"),
            title: f("title"),
            org_oid: f("org_oid"),
            email: f("email"),
            count: f("count"),
        }
    }

    /// The domain's order input: a field left empty is not given; the
    /// identity check is given when any of its fields is (not for a test
    /// order); the count only for a test order (left empty, the domain's one
    /// card; not a number, 0, which the domain refuses with `order.test_count`).
    fn input(&self) -> OrderInput {
        let opt = |v: &str| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_owned())
        };
        let test = self.kind == "test";
        let identity = [
            &self.document_type,
            &self.document_number,
            &self.issuing_country,
            &self.expires,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
        .then(|| IdentityCheck {
            document_type: self.document_type.trim().to_owned(),
            document_number: self.document_number.trim().to_owned(),
            issuing_country: self.issuing_country.trim().to_owned(),
            expires: self.expires.trim().to_owned(),
        });
        OrderInput {
            kind: self.kind.trim().to_owned(),
            identity: if test { None } else { identity },
            holder_number: opt(&self.holder_number),
            given_name: opt(&self.given_name),
            surname: opt(&self.surname),
            title: opt(&self.title),
            org_oid: opt(&self.org_oid),
            email: opt(&self.email),
            count: match (test, self.count.trim()) {
                (false, _) | (true, "") => None,
                (true, n) => Some(n.parse::<u32>().unwrap_or(0)),
            },
        }
    }
}

/// `POST /orders`: the order form of a point (hidden `point_id`). Done, to
/// the point's page with the notice; refused, the form again with what was
/// typed and the refusal.
async fn order_form(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let point = form.text("point_id").trim().parse::<i64>().ok();
    let back = match point {
        Some(p) => format!("/orders?point={p}"),
        None => "/orders".to_owned(),
    };
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), &back).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let typed = Typed::of(&form);
    let r = async {
        let user = registrar_user(&c.principal)?;
        let point = point.ok_or_else(|| {
            EsError::invalid(
                "order.point",
                "choose the registration point the order is made at",
            )
        })?;
        place(&web, user, point, &typed.input()).await
    }
    .await;
    match (r, point) {
        (Ok(_), Some(p)) => see_other(&format!("/orders?point={p}&done=card-ordered")),
        (Ok(_), None) => see_other("/orders?done=card-ordered"),
        (Err(e), _) => orders_view(&web, &lang, &c, point, &typed, Some(&e))
            .await
            .render(&web, Some(&c)),
    }
}

/// What was typed in an order row's form (cancel, hand-over or revoke), to show it
/// again after a refusal; `order` is the row's.
#[derive(Debug, Default, serde::Serialize)]
struct RowTyped {
    order: i64,
    reason: String,
    confirm: bool,
    document_type: String,
    document_number: String,
    issuing_country: String,
    expires: String,
}

impl RowTyped {
    fn of(order: i64, form: &Form) -> Self {
        let f = |k: &str| form.text(k).to_owned();
        Self {
            order,
            reason: f("reason"),
            confirm: form.get("confirm").is_some_and(|v| !v.is_empty()),
            document_type: f("document_type"),
            document_number: f("document_number"),
            issuing_country: f("issuing_country"),
            expires: f("expires"),
        }
    }

    /// The identity check of a hand-over: given when any of its fields is
    /// (a test card's form has none).
    fn identity(&self) -> Option<IdentityCheck> {
        [
            &self.document_type,
            &self.document_number,
            &self.issuing_country,
            &self.expires,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
        .then(|| IdentityCheck {
            document_type: self.document_type.trim().to_owned(),
            document_number: self.document_number.trim().to_owned(),
            issuing_country: self.issuing_country.trim().to_owned(),
            expires: self.expires.trim().to_owned(),
        })
    }
}

/// The order list's row actions.
#[derive(Debug, Clone, Copy)]
enum RowAction {
    Cancel,
    HandOver,
    Revoke,
}

impl RowAction {
    /// The notice when done (`?done=`), one of [`ORDER_DONE`].
    fn done(self) -> &'static str {
        match self {
            Self::Cancel => "card-cancelled",
            Self::HandOver => "card-handed-over",
            Self::Revoke => "card-revoked",
        }
    }
}

/// `POST /orders/{id}/cancel`: `reason`, hidden `point_id`.
async fn cancel_form(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    Path(order): Path<i64>,
    bytes: Bytes,
) -> Response {
    row_form(web, lang, headers, order, bytes, RowAction::Cancel).await
}

/// `POST /orders/{id}/hand-over`: the identity check's fields (none for a
/// test card), hidden `point_id`.
async fn hand_over_form(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    Path(order): Path<i64>,
    bytes: Bytes,
) -> Response {
    row_form(web, lang, headers, order, bytes, RowAction::HandOver).await
}

/// `POST /orders/{id}/revoke`: `reason` (an RFC 5280 name), `confirm`
/// (a checkbox), hidden `point_id`.
async fn revoke_form(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    Path(order): Path<i64>,
    bytes: Bytes,
) -> Response {
    row_form(web, lang, headers, order, bytes, RowAction::Revoke).await
}

/// A row form of the order list. Done, to the point's page with the notice;
/// refused, the page again with what was typed (never in a URL) and the
/// refusal. The point shown is the form's `point_id`, never the order's: a
/// refusal says nothing of where an order the caller may not act on is.
async fn row_form(
    web: EsWeb,
    lang: PageLang,
    headers: HeaderMap,
    order: i64,
    bytes: Bytes,
    action: RowAction,
) -> Response {
    let form = Form::parse(&bytes);
    let point = form.text("point_id").trim().parse::<i64>().ok();
    let back = match point {
        Some(p) => format!("/orders?point={p}"),
        None => "/orders".to_owned(),
    };
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), &back).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let typed = RowTyped::of(order, &form);
    let r = async {
        let user = registrar_user(&c.principal)?;
        match action {
            RowAction::Cancel => cancel(&web, user, order, &typed.reason).await,
            RowAction::HandOver => hand_over(&web, user, order, typed.identity().as_ref()).await,
            RowAction::Revoke => revoke(&web, user, order, &typed.reason, typed.confirm).await,
        }
    }
    .await;
    match r {
        Ok(o) => see_other(&format!(
            "/orders?point={}&done={}",
            o.point_id,
            action.done()
        )),
        Err(e) => orders_view(&web, &lang, &c, point, &Typed::default(), Some(&e))
            .await
            .with("row_typed", &typed)
            .render(&web, Some(&c)),
    }
}

/// The orders page of `c`, with `point` chosen, the form filled with `typed`
/// and the refusal `error`.
async fn orders_view<'a>(
    web: &EsWeb,
    lang: &'a PageLang,
    c: &Caller,
    point: Option<i64>,
    typed: &Typed,
    error: Option<&EsError>,
) -> Page<'a> {
    let mut page = Page::new(lang, "es_orders.html", "orders", "/orders")
        .keep("point", &point.map(|p| p.to_string()).unwrap_or_default());
    let cards = web.es.cards();
    let user = match registrar_user(&c.principal) {
        Ok(u) => u,
        Err(e) => return page.error(Some(&e)),
    };
    let points = match cards.registrar_points(user).await {
        Ok(p) => p,
        Err(e) => return page.error(Some(&e)),
    };
    let names = org_names(web, lang.lang).await.unwrap_or_default();
    let name_of = |oid: &str| names.get(oid).cloned().unwrap_or_else(|| oid.to_owned());
    let point_json = |p: &RegistrarPointView| {
        json!({
            "id": p.point_id,
            "name": p.name,
            "org_oid": p.org_oid,
            "org_name": name_of(&p.org_oid),
            "registrar_state": p.registrar_state,
            "approved_registrars": p.approved_registrars,
            "may_order": p.may_order,
            "you_may_order": p.you_may_order,
            "chosen": Some(p.point_id) == point,
        })
    };
    page = page
        .with("points", points.iter().map(point_json).collect::<Vec<_>>())
        .with("csrf", csrf_of(web, c))
        .with("kinds", ORDER_KINDS)
        .with("document_types", DOCUMENT_TYPES)
        .with("revocation_reasons", REVOCATION_REASONS)
        .with("max_test_cards", MAX_TEST_CARDS)
        .with("typed", typed);
    let mut shown = error.cloned();
    if let Some(id) = point {
        match points.iter().find(|p| p.point_id == id) {
            Some(p) => {
                let orgs: Vec<Value> = p
                    .organisations
                    .iter()
                    .map(|oid| json!({"oid": oid, "name": name_of(oid)}))
                    .collect();
                page = page
                    .with("point", point_json(p))
                    .with("organisations", orgs);
                match cards.point_orders(user, id).await {
                    Ok(orders) => {
                        let orders: Vec<Value> = orders
                            .iter()
                            .map(|o| {
                                let mut v = serde_json::to_value(o).unwrap_or(Value::Null);
                                v["org_name"] = json!(o.org_oid.as_deref().map(&name_of));
                                v
                            })
                            .collect();
                        page = page.with("orders", orders);
                    }
                    Err(e) => {
                        shown.get_or_insert(e);
                    }
                }
            }
            None => {
                shown.get_or_insert_with(|| {
                    EsError::forbidden(
                        "registrar.not_of_point",
                        format!("you are not a registrar of registration point {id}"),
                    )
                });
            }
        }
    }
    page.error(shown.as_ref())
}

//! The registrar's own view (issue 5, point 3; R-REG-POINT, R-ORDER): the
//! registration points where an e-service user is a registrar, and the card
//! orders of a point for its registrars. [`CardService::order`] places the
//! orders; this module is what the e-service's HTTP layer lists around it.
//!
//! A registrar acts as himself: his user id is the actor of every order
//! (`user:<id>`), so a principal without a person behind it (an
//! organisation's API token) is refused ([`registrar_user`]). Which points he
//! sees is decided only by the registrar rows an officer keeps: his session's
//! organisation plays no part.
//!
//! The order list shows what a registrar needs to hand out the card: kind,
//! holder number and names, title, organisation, state, when and by whom it
//! was ordered, and of the identity check only the document type and the
//! issuing country (as the `card.order` audit event), and when and by whom
//! the card was handed over or the order cancelled (and why). The document's number
//! and expiry, the holder's email and the certificates' serials are not
//! listed; no copy of an identity document is stored anywhere.

use carepki_store::{CardOrderRow, HANDED_OVER_AT, MIN_APPROVED_REGISTRARS, RegistrarRow};
use serde::Serialize;

use super::CardService;
use crate::eservice::{EsError, EsResult, Principal};

/// A registration point as one of its registrars sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistrarPointView {
    /// The point's id.
    pub point_id: i64,
    /// Its name.
    pub name: String,
    /// The organisation it belongs to.
    pub org_oid: String,
    /// His registrar row's id.
    pub registrar_id: i64,
    /// His registrar state: `pending` (training not approved yet) or `approved`.
    pub registrar_state: String,
    /// How many approved registrars the point has.
    pub approved_registrars: usize,
    /// Whether the point orders cards (at least [`MIN_APPROVED_REGISTRARS`]
    /// approved registrars, R-REG-POINT).
    pub may_order: bool,
    /// Whether he may order there now: he is approved and the point may order.
    pub you_may_order: bool,
    /// The organisations a staff or actor card may be tied to here: the
    /// point's own, then every grantor of a live power of attorney (R-ORDER).
    pub organisations: Vec<String>,
}

/// A card order as the point's registrars see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PointOrderView {
    /// The order's id.
    pub order_id: i64,
    /// The point.
    pub point_id: i64,
    /// `professional`, `staff`, `actor`, `temporary` or `test`.
    pub kind: String,
    /// `ordered`, `produced`, `activated`, `revoked` or `cancelled`.
    pub state: String,
    /// The holder number (a registration number, a CarePKI-assigned `CP…`
    /// number or a test identity's).
    pub holder_number: String,
    /// The holder's given names.
    pub given_name: String,
    /// The holder's surname.
    pub surname: String,
    /// The title on the card.
    pub title: String,
    /// Whether the card carries the SV number (R-SV).
    pub prescriber: bool,
    /// The organisation a staff or actor card is tied to.
    pub org_oid: Option<String>,
    /// The first order of a test batch.
    pub batch: Option<i64>,
    /// The pending order a temporary card stands in for.
    pub replaces_order: Option<i64>,
    /// The identity document's type (`passport`, `id-card`); none for test cards.
    pub identity_document_type: Option<String>,
    /// The identity document's issuing country.
    pub identity_issuing_country: Option<String>,
    /// When it was ordered.
    pub ordered_at: i64,
    /// Who ordered it (`user:<id>` of the registrar).
    pub ordered_by: String,
    /// When a registrar handed the produced card to its holder
    /// ([`CardService::hand_over`]); none before.
    pub handed_over_at: Option<i64>,
    /// Who handed it over (`user:<id>` of the registrar).
    pub handed_over_by: Option<String>,
    /// When the order was cancelled ([`CardService::cancel_order`]).
    pub cancelled_at: Option<i64>,
    /// Why, as the registrar said.
    pub cancel_reason: Option<String>,
}

impl From<&CardOrderRow> for PointOrderView {
    fn from(o: &CardOrderRow) -> Self {
        let s = |k: &str| o.holder[k].as_str().unwrap_or_default().to_owned();
        let id = |k: &str| {
            o.identity_check
                .as_ref()
                .and_then(|c| c[k].as_str())
                .map(str::to_owned)
        };
        Self {
            order_id: o.id,
            point_id: o.point_id,
            kind: o.kind.clone(),
            state: o.state.clone(),
            holder_number: o.holder_number.clone(),
            given_name: s("given_name"),
            surname: s("surname"),
            title: s("title"),
            prescriber: o.holder["prescriber"].as_bool().unwrap_or(false),
            org_oid: o.org_oid.clone(),
            batch: o.batch,
            replaces_order: o.replaces_order,
            identity_document_type: id("document_type"),
            identity_issuing_country: id("issuing_country"),
            ordered_at: o.created_at,
            ordered_by: o.created_by.clone(),
            handed_over_at: o.detail[HANDED_OVER_AT].as_i64(),
            handed_over_by: o.detail["handed_over_by"].as_str().map(str::to_owned),
            cancelled_at: o.detail["cancelled_at"].as_i64(),
            cancel_reason: o.detail["cancel_reason"].as_str().map(str::to_owned),
        }
    }
}

/// The user id of a principal acting as a registrar, or the refusal: a
/// registrar acts as himself, and an API token has no person behind it
/// (R-REG-POINT: only trained registrars use the registration system).
pub fn registrar_user(p: &Principal) -> EsResult<i64> {
    p.user.as_ref().map(|u| u.id).ok_or_else(|| {
        EsError::forbidden(
            "registrar.user_only",
            "card orders are made by a registrar in person: sign in to the e-service as \
             yourself; an API token has no person behind it",
        )
    })
}

/// His approved registrar row of a point among `regs`, or the refusal.
fn approved_in(regs: &[RegistrarRow], user_id: i64, point_id: i64) -> EsResult<&RegistrarRow> {
    let Some(me) = regs.iter().find(|r| r.user_id == user_id) else {
        return Err(EsError::forbidden(
            "registrar.not_of_point",
            format!("you are not a registrar of registration point {point_id}"),
        ));
    };
    if me.state != "approved" {
        return Err(EsError::forbidden(
            "registrar.not_approved",
            "your registrar training has not been approved by a CA officer yet \
             (R-REG-POINT)",
        ));
    }
    Ok(me)
}

impl CardService {
    /// The points where `user_id` is a registrar (pending or approved), by
    /// point id.
    pub async fn registrar_points(&self, user_id: i64) -> EsResult<Vec<RegistrarPointView>> {
        let mut out = Vec::new();
        for point in self.store.regpoints().await? {
            let regs = self.store.registrars_of_point(point.id).await?;
            let Some(me) = regs.iter().find(|r| r.user_id == user_id) else {
                continue;
            };
            let approved = regs.iter().filter(|r| r.state == "approved").count();
            let may_order = i64::try_from(approved).unwrap_or(i64::MAX) >= MIN_APPROVED_REGISTRARS;
            let mut organisations = vec![point.org_oid.clone()];
            for poa in self.store.poas_of_point(point.id).await? {
                if poa.revoked_at.is_none() && !organisations.contains(&poa.grantor_oid) {
                    organisations.push(poa.grantor_oid);
                }
            }
            out.push(RegistrarPointView {
                point_id: point.id,
                name: point.name,
                org_oid: point.org_oid,
                registrar_id: me.id,
                registrar_state: me.state.clone(),
                approved_registrars: approved,
                may_order,
                you_may_order: may_order && me.state == "approved",
                organisations,
            });
        }
        Ok(out)
    }

    /// The card orders of `point_id`, newest first, for its approved
    /// registrar `user_id` (also while the point has too few approved
    /// registrars to order: what was ordered stays his to hand out).
    pub async fn point_orders(&self, user_id: i64, point_id: i64) -> EsResult<Vec<PointOrderView>> {
        let regs = self.store.registrars_of_point(point_id).await?;
        approved_in(&regs, user_id, point_id)?;
        let mut out: Vec<PointOrderView> = self
            .store
            .card_orders_of_point(point_id)
            .await?
            .iter()
            .map(PointOrderView::from)
            .collect();
        out.sort_by_key(|o| std::cmp::Reverse(o.order_id));
        Ok(out)
    }
}

//! Revocation by the organisation when employment ends (issue 5, point 7;
//! R-CARD-TYPES: staff and actor cards are tied to an organisation and its
//! employment).
//!
//! An e-service user who is an **administrator** of an organisation lists the
//! staff and actor cards tied to it (and temporary cards standing in for
//! them) and revokes one: both certificates, reason `affiliationChanged` by
//! default, after confirming that revocation cannot be undone. The
//! `card.revoke` audit event names him and the organisation.
//!
//! A card's organisation is the one it is tied to (a staff or actor card's
//! employer, also when a power of attorney let another organisation's point
//! order it), or else the organisation of the registration point that
//! ordered it. Another organisation's card answers **not found**, like one
//! that does not exist; a professional or test card of his own point is
//! refused (`card.not_organisation_card`): the organisation revokes only the
//! cards tied to its employment.

use carepki_policy::application::Role;
use carepki_store::CardOrderRow;
use serde::Serialize;
use serde_json::json;

use super::CardService;
use crate::eservice::{EsError, EsResult, Principal};

/// A staff or actor card as the organisation sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgCardView {
    /// The card order.
    pub order_id: i64,
    /// `staff`, `actor`, or `temporary` standing in for one of them.
    pub kind: String,
    /// For a temporary card, the kind it stands in for.
    pub stands_in_for: Option<String>,
    /// The holder's given name and surname.
    pub holder_name: String,
    /// The holder number (CarePKI-assigned).
    pub holder_number: String,
    /// The job title on the card.
    pub title: String,
    /// `ordered`, `produced`, `activated` or `revoked`.
    pub state: String,
    /// The organisation the card is tied to.
    pub org_oid: String,
    /// The authentication certificate's serial (once produced).
    pub auth_serial: Option<String>,
    /// The signature certificate's serial (once produced).
    pub sign_serial: Option<String>,
    /// Start of validity (once produced).
    pub not_before: Option<i64>,
    /// End of validity (once produced).
    pub not_after: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// Why (RFC 5280 reason name).
    pub revocation_reason: Option<String>,
}

/// The card kinds an organisation revokes: those tied to its employment.
fn is_organisation_card(o: &CardOrderRow) -> bool {
    match o.kind.as_str() {
        "staff" | "actor" => true,
        "temporary" => matches!(o.holder["replaces_kind"].as_str(), Some("staff" | "actor")),
        _ => false,
    }
}

impl CardService {
    async fn org_card_view(&self, o: &CardOrderRow) -> EsResult<OrgCardView> {
        let s = |k: &str| o.holder[k].as_str().unwrap_or_default().to_owned();
        let cert = match &o.auth_serial {
            Some(serial) => self.store.certificate(serial).await?,
            None => None,
        };
        Ok(OrgCardView {
            order_id: o.id,
            kind: o.kind.clone(),
            stands_in_for: o.holder["replaces_kind"].as_str().map(str::to_owned),
            holder_name: format!("{} {}", s("given_name"), s("surname")),
            holder_number: o.holder_number.clone(),
            title: s("title"),
            state: o.state.clone(),
            org_oid: o.org_oid.clone().unwrap_or_default(),
            auth_serial: o.auth_serial.clone(),
            sign_serial: o.sign_serial.clone(),
            not_before: cert.as_ref().map(|c| c.not_before),
            not_after: cert.as_ref().map(|c| c.not_after),
            revoked_at: cert.as_ref().and_then(|c| c.revoked_at),
            revocation_reason: cert.and_then(|c| c.revocation_reason),
        })
    }

    /// The staff and actor cards of the organisation `p` administers (and
    /// temporary cards standing in for them), by order id.
    pub async fn organisation_cards(&self, p: &Principal) -> EsResult<Vec<OrgCardView>> {
        let org = p.require_org(&[Role::OrgAdmin])?;
        let mut out = Vec::new();
        for o in self.store.card_orders_of_org(&org.oid).await? {
            if is_organisation_card(&o) {
                out.push(self.org_card_view(&o).await?);
            }
        }
        Ok(out)
    }

    /// The administrator `p` revokes the card of order `order_id` of his
    /// organisation when the holder's employment ended: both certificates,
    /// `reason` (an RFC 5280 name of `REQUESTABLE_REASONS`; by default
    /// `affiliationChanged`), once he `confirmed` that it cannot be undone.
    pub async fn revoke_organisation_card(
        &self,
        p: &Principal,
        order_id: i64,
        reason: Option<&str>,
        confirmed: bool,
        now: i64,
    ) -> EsResult<OrgCardView> {
        let org = p.require_org(&[Role::OrgAdmin])?.clone();
        let not_found = || EsError::not_found(&format!("card {order_id}"));
        let order = self
            .store
            .card_order(order_id)
            .await?
            .ok_or_else(not_found)?;
        let card_org = match &order.org_oid {
            Some(oid) => oid.clone(),
            None => match self.store.regpoint(order.point_id).await? {
                Some(point) => point.org_oid,
                None => return Err(not_found()),
            },
        };
        if card_org != org.oid {
            return Err(not_found());
        }
        if !is_organisation_card(&order) {
            return Err(EsError::forbidden(
                "card.not_organisation_card",
                format!(
                    "card {order_id} is a {} card: an organisation revokes only the staff and \
                     actor cards tied to it; a professional card is revoked by a registrar or \
                     its holder",
                    order.kind
                ),
            ));
        }
        super::revocation::check_revocable(&order)?;
        // affiliationChanged (the employment ended) when he gives none.
        let reason =
            super::revocation::requested_reason(reason.unwrap_or("affiliationChanged"), confirmed)?;
        let done = self
            .revoke_orders(
                &[&order],
                reason,
                json!({ "by": "organisation", "org_oid": org.oid, "requested_by": p.actor }),
                None,
                &p.actor,
                now,
            )
            .await?;
        let revoked = done
            .orders
            .first()
            .ok_or_else(|| EsError::unavailable("the store answered no revoked order"))?;
        self.org_card_view(revoked).await
    }
}

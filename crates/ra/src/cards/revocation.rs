//! Card revocation (issue 5, point 7; R-CARD-CERTS): both certificates of a
//! card are revoked together. Every way a card is revoked — by its registrar
//! ([`CardService::revoke_card`]), by the organisation when employment ends
//! ([`super::organisation`]), on a right that ended in the professional
//! registers ([`super::registers`]) — ends in [`CardService::revoke_orders`]:
//! one transaction of the store revokes both certificates of each card, sets
//! the orders `revoked` with their `card.revoke` audit events, and (for the
//! registers) resolves the finding. A failure leaves nothing half-done: no
//! card with one certificate revoked and the other valid.

use carepki_store::{CardOrderRow, CardRevocation, CardRevocationDone, user_actor};
use carepki_x509::revocation::RevocationReason;
use serde_json::{Value, json};

use super::CardService;
use crate::eservice::{ErrorKind, EsError, EsResult};

/// Refuses a card that cannot be revoked: revoked already, or never produced.
pub(crate) fn check_revocable(order: &CardOrderRow) -> EsResult<()> {
    if order.state == "revoked" {
        return Err(EsError::new(
            ErrorKind::Conflict,
            "card.already_revoked",
            format!(
                "the card of order {} is revoked already; revocation is final",
                order.id
            ),
        ));
    }
    if order.auth_serial.is_none() || order.sign_serial.is_none() {
        return Err(EsError::new(
            ErrorKind::Conflict,
            "card.not_produced",
            format!(
                "card order {} is {}: it has no certificates to revoke yet; its \
                 registration point cancels an order whose card is not made",
                order.id, order.state
            ),
        ));
    }
    Ok(())
}

impl CardService {
    /// Revokes the cards of `orders` (as read: a card changed since is a
    /// conflict) with `reason`, both certificates of each, and resolves
    /// `finding` with its resolution, in one transaction; tells this
    /// process's status publishers. `detail` goes to each order and its audit
    /// event `card.revoke`.
    pub(crate) async fn revoke_orders(
        &self,
        orders: &[&CardOrderRow],
        reason: RevocationReason,
        detail: Value,
        finding: Option<(i64, String)>,
        actor: &str,
        now: i64,
    ) -> EsResult<CardRevocationDone> {
        self.revoke_orders_as("card.revoke", orders, reason, detail, finding, actor, now)
            .await
    }

    /// [`Self::revoke_orders`] audited as `action` (`card.supersede`).
    #[allow(clippy::too_many_arguments)] // the revocation's parts, who and when
    pub(crate) async fn revoke_orders_as(
        &self,
        action: &str,
        orders: &[&CardOrderRow],
        reason: RevocationReason,
        detail: Value,
        finding: Option<(i64, String)>,
        actor: &str,
        now: i64,
    ) -> EsResult<CardRevocationDone> {
        for o in orders {
            check_revocable(o)?;
        }
        let authority = self.authority()?.clone();
        let req = CardRevocation {
            action: action.to_owned(),
            orders: orders.iter().map(|o| (o.id, o.version)).collect(),
            reason: reason.name().to_owned(),
            detail,
            resolve_finding: finding,
        };
        let done = self.store.revoke_card_orders(&req, actor, now).await?;
        authority.revocations_recorded(&done.revocations);
        Ok(done)
    }

    /// Registrar `user_id` revokes the card of order `order_id`: both
    /// certificates together, with `reason`.
    pub async fn revoke_card(
        &self,
        user_id: i64,
        order_id: i64,
        reason: RevocationReason,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let order = self.order_of_registrar(user_id, order_id).await?;
        let actor = user_actor(user_id);
        let mut done = self
            .revoke_orders(
                &[&order],
                reason,
                json!({ "by": "registrar" }),
                None,
                &actor,
                now,
            )
            .await?;
        done.orders
            .pop()
            .ok_or_else(|| EsError::unavailable("the store answered no revoked order"))
    }
}

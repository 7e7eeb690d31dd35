//! Card revocation (issue 5, point 7; R-CARD-CERTS): both certificates of a
//! card are revoked together. Every way a card is revoked — by its registrar
//! ([`CardService::revoke_card`]), by the organisation when employment ends
//! ([`super::organisation`]), on a right that ended in the professional
//! registers ([`super::registers`]) — ends in [`CardService::revoke_orders`]:
//! one transaction of the store revokes both certificates of each card, sets
//! the orders `revoked` with their `card.revoke` audit events, and (for the
//! registers) resolves the finding. A failure leaves nothing half-done: no
//! card with one certificate revoked and the other valid.

use carepki_store::{CardOrderRow, CardRevocation, CardRevocationDone, NewMail, user_actor};
use carepki_x509::revocation::RevocationReason;
use serde_json::{Value, json};

use super::CardService;
use crate::eservice::{ErrorKind, EsError, EsResult, REQUESTABLE_REASONS};

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

/// The reason someone who asks for a card's revocation in the e-service (the
/// organisation's administrator, a registrar) gives: a name of
/// [`REQUESTABLE_REASONS`], accepted once he `confirmed` that revocation
/// cannot be undone; or the refusal (`revocation.reason`, then
/// `revocation.unconfirmed`).
pub(crate) fn requested_reason(reason: &str, confirmed: bool) -> EsResult<RevocationReason> {
    if !REQUESTABLE_REASONS.contains(&reason) {
        return Err(EsError::invalid(
            "revocation.reason",
            "choose the reason: keyCompromise (the card is lost or may be in wrong hands), \
             affiliationChanged (the holder's right or employment ended), \
             cessationOfOperation (no longer needed), superseded (replaced by a new card) \
             or unspecified (revocation is final: a card is never put on hold)",
        ));
    }
    if !confirmed {
        return Err(EsError::invalid(
            "revocation.unconfirmed",
            "revocation cannot be undone: confirm that you want both certificates of the \
             card revoked (\"confirm\": true)",
        ));
    }
    RevocationReason::from_name(reason)
        .map_err(|e| EsError::invalid("revocation.reason", e.to_string()))
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
        // The holder learns it from us, not from a failed sign-in; not when his
        // own new card replaced the card (he activated it himself).
        if action != "card.supersede" {
            for o in &done.orders {
                self.tell_holder_revoked(o, reason, now).await;
            }
        }
        Ok(done)
    }

    /// Queues the mail that tells the holder of `order` (at the address the
    /// order has) that both certificates of his card were revoked, why, and
    /// whom to ask; in Finnish, Swedish and English. The revocation stands
    /// whatever happens to the mail: a failure to queue it is logged.
    async fn tell_holder_revoked(&self, order: &CardOrderRow, reason: RevocationReason, now: i64) {
        let Some(to) = order.holder["email"].as_str() else {
            return;
        };
        let day = carepki_policy::calendar::to_helsinki(now).map_or_else(
            |_| String::new(),
            |t| format!(" {}.{}.{}", t.day(), u8::from(t.month()), t.year()),
        );
        let (id, why) = (order.id, reason.name());
        let mail = NewMail {
            dedupe_key: format!("card-revoked:{id}"),
            recipient: to.to_owned(),
            subject: "Varmennekorttisi on suljettu / Ditt certifikatkort har spärrats / Your \
                      certificate card has been revoked"
                .into(),
            body_text: format!(
                "Varmennekorttisi (tilaus {id}) molemmat varmenteet on suljettu{day} \
                 (syy: {why}). Korttia ei voi enää käyttää tunnistautumiseen eikä \
                 allekirjoittamiseen. Jos et tunnista tätä, ota yhteyttä \
                 rekisteröintipisteeseesi.\n\n\
                 Båda certifikaten på ditt certifikatkort (beställning {id}) har spärrats{day} \
                 (orsak: {why}). Kortet kan inte längre användas för identifiering eller \
                 underskrift. Om du inte känner igen detta, kontakta din registreringspunkt.\n\n\
                 Both certificates of your certificate card (order {id}) were revoked{day} \
                 (reason: {why}). The card can no longer be used to sign in or to sign. If you \
                 do not recognise this, contact your registration point.\n"
            ),
            body_html: None,
            attachments: Vec::new(),
            org_oid: order.org_oid.clone(),
            serial: order.auth_serial.clone(),
        };
        if let Err(e) = self.store.enqueue_mail(&mail, "cards", now).await {
            tracing::warn!(order = id, error = %e, "the holder's revocation mail was not queued");
        }
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
        self.revoke_as_registrar(user_id, &order, reason, now).await
    }

    /// Registrar `user_id` revokes the card of order `order_id` in the
    /// e-service: as [`Self::revoke_card`], with `reason` a name of
    /// [`REQUESTABLE_REASONS`] and only once he `confirmed` it
    /// ([`requested_reason`]). Checked in this order: the order is at one of
    /// his points, the card can be revoked, the reason, the confirmation.
    pub async fn revoke_card_confirmed(
        &self,
        user_id: i64,
        order_id: i64,
        reason: &str,
        confirmed: bool,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let order = self.order_of_registrar(user_id, order_id).await?;
        check_revocable(&order)?;
        let reason = requested_reason(reason.trim(), confirmed)?;
        self.revoke_as_registrar(user_id, &order, reason, now).await
    }

    /// Revokes `order` (as read) for registrar `user_id`: the revoked order.
    async fn revoke_as_registrar(
        &self,
        user_id: i64,
        order: &CardOrderRow,
        reason: RevocationReason,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let mut done = self
            .revoke_orders(
                &[order],
                reason,
                json!({ "by": "registrar" }),
                None,
                &user_actor(user_id),
                now,
            )
            .await?;
        done.orders
            .pop()
            .ok_or_else(|| EsError::unavailable("the store answered no revoked order"))
    }
}

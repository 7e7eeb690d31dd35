//! Ordering a card again "as before" (issue 5, points 6 and 8; R-SELF-RENEW,
//! R-SV).
//!
//! [`CardService::order_as_before`] is the one way a card is ordered without a
//! registrar's identity check: for self-service renewal (the holder signed in
//! with the card he renews) and for the CA's re-issue of faulty cards (the 2023
//! incident: prescribers' cards without the SV number). The new order goes to
//! the same registration point and registrar as the old one (another approved
//! registrar of the point when that one is no longer approved); its
//! `replaces_order` names the old order, and a card is replaced at most once
//! while the replacement lives (a unique index, so racing requests cannot
//! both succeed). A professional card's holder facts are read again from the
//! registers (name, title, SV number), so a renewed card carries a changed name
//! and a re-issued card the SV number; staff and actor cards keep theirs.

use carepki_store::{CardOrderRow, NewCardOrder, StoreError};
use serde_json::json;

use super::CardService;
use super::orders::{check_enough_registrars, professional_holder};
use crate::eservice::{ErrorKind, EsError, EsResult};

/// Why a card is ordered again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsBefore {
    /// The holder renews his card online (R-SELF-RENEW).
    Renewal,
    /// The CA re-issues a faulty card (an incident's bulk re-order).
    Reissue,
}

impl AsBefore {
    /// The word stored with the new order (`renewal`, `reissue`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Renewal => "renewal",
            Self::Reissue => "reissue",
        }
    }
}

impl CardService {
    /// Orders a new card "as before" for the card of order `old_id`, at the
    /// same registration point, by `actor` (the holder for a renewal, an
    /// officer for a re-issue). Answers the new order (state `ordered`).
    ///
    /// Refused: an order that was never produced (`reorder.not_produced`); a
    /// temporary or test card (`reorder.kind`: they are ordered afresh); a card
    /// already replaced by a live order (`reorder.pending`); a professional who
    /// no longer has a valid right (`order.no_valid_right`); a point that can no
    /// longer order (`regpoint.too_few_registrars`).
    pub async fn order_as_before(
        &self,
        old_id: i64,
        why: AsBefore,
        actor: &str,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let old = self
            .store
            .card_order(old_id)
            .await?
            .ok_or_else(|| EsError::not_found(&format!("card order {old_id}")))?;
        if old.auth_serial.is_none() {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "reorder.not_produced",
                format!("card order {old_id} was never produced: there is no card to order again"),
            ));
        }
        if matches!(old.kind.as_str(), "temporary" | "test") {
            return Err(EsError::invalid(
                "reorder.kind",
                format!(
                    "a {} card is not ordered again as before: a registrar orders a new one",
                    old.kind
                ),
            ));
        }
        if let Some(live) = self
            .store
            .card_orders_replacing(old_id)
            .await?
            .into_iter()
            .find(super::is_live)
        {
            return Err(pending(old_id, live.id));
        }
        let mut holder = old.holder.clone();
        if old.kind == "professional" {
            let person = self
                .store
                .professional(&old.holder_number)
                .await?
                .ok_or_else(|| {
                    EsError::invalid(
                        "order.not_in_registers",
                        format!(
                            "{} is no longer in the professional registers",
                            old.holder_number
                        ),
                    )
                })?;
            let fresh = professional_holder(&person, now)?;
            for key in ["given_name", "surname", "title", "prescriber", "sv_number"] {
                holder[key] = fresh[key].clone();
            }
        }
        let regs = self.store.registrars_of_point(old.point_id).await?;
        check_enough_registrars(old.point_id, &regs)?;
        let registrar = regs
            .iter()
            .find(|r| r.id == old.registrar_id && r.state == "approved")
            .or_else(|| regs.iter().find(|r| r.state == "approved"))
            .ok_or_else(|| {
                EsError::unavailable("a point that may order has approved registrars")
            })?;
        let order = NewCardOrder {
            kind: old.kind.clone(),
            holder_number: old.holder_number.clone(),
            holder,
            org_oid: old.org_oid.clone(),
            // No document was seen: the holder is the one of the card replaced.
            identity_check: Some(json!({
                "as_before": why.as_str(),
                "replaces_order": old.id,
                "replaces_serials": [old.auth_serial, old.sign_serial],
            })),
            replaces_order: Some(old.id),
        };
        match self
            .store
            .create_card_orders(old.point_id, registrar.id, &[order], actor, now)
            .await
        {
            Ok(mut rows) => Ok(rows.remove(0)),
            // The unique index: another request replaced it first.
            Err(StoreError::Constraint { .. }) => {
                let live = self
                    .store
                    .card_orders_replacing(old_id)
                    .await?
                    .into_iter()
                    .find(super::is_live)
                    .map_or(0, |o| o.id);
                Err(pending(old_id, live))
            }
            Err(e) => Err(e.into()),
        }
    }
}

fn pending(old_id: i64, new_id: i64) -> EsError {
    EsError::new(
        ErrorKind::Conflict,
        "reorder.pending",
        format!("the card of order {old_id} is already being replaced by order {new_id}"),
    )
}

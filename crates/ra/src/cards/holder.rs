//! Revocation of a card by its holder (issue 5, point 7, "by the holder";
//! R-REVOKE-WHEN, R-CARD-CERTS).
//!
//! The holder signs in with the card's authentication certificate
//! (`web/src/cardauth.rs`) and revokes that card: both certificates together,
//! with one of [`HOLDER_REASONS`], audited with the actor
//! `holder:<holder number>` (each certificate's `revoke` event, and
//! `card.revoke` on the order). A revoked certificate cannot be reinstated
//! (R-REVOKE-WHEN), so the request must carry an explicit confirmation
//! (`revocation.unconfirmed` without it).

use carepki_store::CardOrderRow;
use carepki_x509::revocation::RevocationReason;
use serde_json::json;

use super::CardService;
use super::renewal::holder_actor;
use crate::eservice::{EsError, EsResult};

/// The reasons a holder may give (RFC 5280 names): his key may be compromised
/// (the card is lost or stolen), he no longer works where the card is for, he
/// has a new card, he stops working, or he does not say.
pub const HOLDER_REASONS: [RevocationReason; 5] = [
    RevocationReason::KeyCompromise,
    RevocationReason::AffiliationChanged,
    RevocationReason::Superseded,
    RevocationReason::CessationOfOperation,
    RevocationReason::Unspecified,
];

/// What the holder sends to revoke his card.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct HolderRevocation {
    /// One of [`HOLDER_REASONS`] by its RFC 5280 name (`keyCompromise`,
    /// `affiliationChanged`, `superseded`, `cessationOfOperation`,
    /// `unspecified`).
    #[serde(default)]
    pub reason: String,
    /// The holder confirms that the revocation cannot be undone.
    #[serde(default)]
    pub confirm: bool,
}

impl CardService {
    /// The holder signed in with authentication certificate `serial` revokes
    /// that card at `now`: both certificates with the reason he gave. Answers
    /// the revoked order.
    ///
    /// Refused: no confirmation (`revocation.unconfirmed`), a reason a holder
    /// does not give (`revocation.reason`), a card revoked already
    /// (`card.already_revoked`).
    pub async fn revoke_by_holder(
        &self,
        serial: &str,
        input: &HolderRevocation,
        now: i64,
    ) -> EsResult<CardOrderRow> {
        let names = HOLDER_REASONS.map(RevocationReason::name).join(", ");
        let reason = RevocationReason::from_name(input.reason.trim())
            .ok()
            .filter(|r| HOLDER_REASONS.contains(r))
            .ok_or_else(|| {
                EsError::invalid(
                    "revocation.reason",
                    format!(
                        "{:?} is not a reason a holder gives: use one of {names}",
                        input.reason
                    ),
                )
            })?;
        if !input.confirm {
            return Err(EsError::invalid(
                "revocation.unconfirmed",
                "revoking your card cannot be undone: both its certificates stop working for \
                 good. Confirm it (confirm: true) to go on",
            ));
        }
        let order = self.order_of_signed_in(serial).await?;
        let actor = holder_actor(&order.holder_number);
        let mut done = self
            .revoke_orders(
                &[&order],
                reason,
                json!({ "by": "holder" }),
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

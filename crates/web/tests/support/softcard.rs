//! Cards produced with software keys instead of a token (as
//! `produce_without_token` of the RA's tests), for the web tests whose subject
//! is not the token: tests/support/eservice.rs and tests/card_pages.rs.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use carepki_ca::{Authority, CardIssueRequest, Issued};
use carepki_policy::CardKind;
use carepki_policy::card::HolderFacts;
use carepki_store::{CardOrderRow, CardOrderUpdate, Store};

/// Produces order `order` with the software keys of `authentication_spki`
/// and `signature_spki`: both certificates issued by `ca` and the order
/// `produced` with their serials. The produced order and the authentication
/// certificate.
pub async fn produce_with_keys(
    store: &Store,
    ca: &Arc<Authority>,
    order: &CardOrderRow,
    authentication_spki: Vec<u8>,
    signature_spki: Vec<u8>,
    now: i64,
) -> (CardOrderRow, Issued) {
    let s = |k: &str| order.holder[k].as_str().unwrap_or_default().to_owned();
    let req = CardIssueRequest {
        card_id: carepki_ra::cards::production::card_id(order.id),
        kind: CardKind::parse(&order.kind).unwrap(),
        replaces: order.holder["replaces_kind"]
            .as_str()
            .and_then(CardKind::parse),
        holder: HolderFacts {
            given_name: s("given_name"),
            surname: s("surname"),
            holder_number: order.holder_number.clone(),
            title: s("title"),
            prescriber: order.holder["prescriber"].as_bool().unwrap_or(false),
            sv_number: order.holder["sv_number"].as_str().map(str::to_owned),
        },
        org_oid: order.org_oid.clone(),
        days: None,
        authentication_spki,
        signature_spki,
        actor: "test".into(),
    };
    let (auth, sign) = ca.issue_card(&req).await.unwrap();
    let produced = store
        .update_card_order(
            order.id,
            &CardOrderUpdate {
                from_state: "ordered".into(),
                to_state: "produced".into(),
                action: "card.produce".into(),
                card_label: Some(format!("SOFT{}", order.id)),
                serials: Some((auth.serial.clone(), sign.serial)),
                detail: serde_json::json!({ "produced_at": now }),
            },
            "test",
            now,
        )
        .await
        .unwrap();
    (produced, auth)
}

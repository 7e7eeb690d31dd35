//! Self-service renewal (issue 5, point 6; R-SELF-RENEW) and revocation by the
//! holder (point 7), on SQLite and PostgreSQL: the rules of
//! `ra/src/cards/renewal.rs` and `holder.rs` with cards produced without a
//! token (the token is not the subject here; web/tests/card_journey.rs runs
//! the whole journey on SoftHSM2 over TLS).
#![allow(clippy::unwrap_used)]

mod support;

use carepki_ca::authority::now_unix;
use carepki_ra::cards::{
    HolderRevocation, OrderInput, RenewalGround, holder_actor, renewal_opens_at,
};
use carepki_ra::eservice::ErrorKind;
use carepki_store::{CardOrderRow, CardOrderUpdate};
use support::{
    ORG, PRESCRIBER, PROFESSIONALS_JSON, World, import_professionals, passport,
    point_with_registrars, produce_without_token, professional_order, sync_professionals_json,
    world_on,
};

/// Marks a produced order activated, as `CardService::activate` does after the
/// token has taken the PINs.
async fn activated(w: &World, order: &CardOrderRow, now: i64) -> CardOrderRow {
    w.store
        .update_card_order(
            order.id,
            &CardOrderUpdate {
                from_state: "produced".into(),
                to_state: "activated".into(),
                action: "card.activate".into(),
                card_label: None,
                serials: None,
                detail: serde_json::json!({ "activated_at": now }),
            },
            &holder_actor(&order.holder_number),
            now,
        )
        .await
        .unwrap()
}

/// An activated professional card for `regno`, ordered at `point`.
async fn card(w: &World, registrar: i64, point: i64, regno: &str, now: i64) -> CardOrderRow {
    let order = w
        .cards
        .order(registrar, point, &professional_order(regno), now)
        .await
        .unwrap()
        .remove(0);
    let produced = produce_without_token(w, &order, now).await;
    activated(w, &produced, now).await
}

fn auth(o: &CardOrderRow) -> &str {
    o.auth_serial.as_deref().unwrap()
}

#[tokio::test]
async fn renewal_in_the_window_once_and_the_replaced_card_superseded() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, _]) = point_with_registrars(&w).await;
        let old = card(&w, reg1, point, PRESCRIBER, now).await;
        let cert = w.store.certificate(auth(&old)).await.unwrap().unwrap();
        let opens = renewal_opens_at(cert.not_after).unwrap();
        // About five years ahead: 5 years less 3 months.
        assert!(
            (opens - now) > 4 * 365 * 86_400 && (opens - now) < 5 * 365 * 86_400,
            "{backend}"
        );

        // Now, with five years left: refused, saying when renewal opens.
        let e = w
            .cards
            .renewal_eligibility(auth(&old), now_unix())
            .await
            .unwrap();
        assert!(!e.allowed, "{backend}: {e:?}");
        assert_eq!(e.code, Some("renewal.too_early"), "{backend}");
        assert_eq!(e.not_after, cert.not_after);
        assert_eq!(e.opens_at, Some(opens));
        assert_eq!(e.order_id, old.id);
        let r = w.cards.renew(auth(&old), now_unix()).await.unwrap_err();
        assert_eq!((r.kind, r.code), (ErrorKind::Conflict, "renewal.too_early"));
        let year = carepki_policy::calendar::to_helsinki(opens).unwrap().year();
        assert!(r.detail.contains(&year.to_string()), "{}", r.detail);
        assert!(r.detail.contains("Helsinki time"), "{}", r.detail);
        // One second before the window: still refused; nothing was ordered.
        let r = w.cards.renew(auth(&old), opens - 1).await.unwrap_err();
        assert_eq!(r.code, "renewal.too_early", "{backend}");
        assert!(
            w.store
                .card_orders_replacing(old.id)
                .await
                .unwrap()
                .is_empty()
        );

        // The signature certificate does not sign in.
        let r = w
            .cards
            .renew(old.sign_serial.as_deref().unwrap(), opens)
            .await
            .unwrap_err();
        assert_eq!(r.code, "card.not_authentication", "{backend}");

        // In the window: allowed, and renewed as before at the same point.
        let e = w
            .cards
            .renewal_eligibility(auth(&old), opens)
            .await
            .unwrap();
        assert!(e.allowed, "{backend}: {e:?}");
        assert_eq!(e.grounds, vec![RenewalGround::ValidityEnding]);
        assert_eq!(e.code, None);
        let new = w.cards.renew(auth(&old), opens).await.unwrap();
        assert_eq!(new.state, "ordered", "{backend}");
        assert_eq!(new.kind, "professional");
        assert_eq!(new.point_id, point);
        assert_eq!(new.replaces_order, Some(old.id));
        assert_eq!(new.holder_number, PRESCRIBER);
        assert_eq!(new.holder["sv_number"], "900101");
        assert_eq!(new.created_by, "holder:99900000101");
        assert_eq!(new.identity_check.as_ref().unwrap()["as_before"], "renewal");
        let audit = w.store.audit_events_for_org(ORG, 1000).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "card.order" && a.actor == "holder:99900000101"),
            "{backend}"
        );

        // Once: the next request is told a renewal is pending.
        let e = w
            .cards
            .renewal_eligibility(auth(&old), opens)
            .await
            .unwrap();
        assert_eq!(e.code, Some("renewal.pending"), "{backend}");
        assert_eq!(e.pending_order, Some(new.id));
        let r = w.cards.renew(auth(&old), opens).await.unwrap_err();
        assert_eq!((r.kind, r.code), (ErrorKind::Conflict, "renewal.pending"));

        // Until the new card is activated, the old one stays valid.
        let produced = produce_without_token(&w, &new, opens).await;
        let none = w.cards.supersede_replaced(&produced, opens).await.unwrap();
        assert!(
            none.is_none(),
            "{backend}: a produced card supersedes nothing"
        );
        assert_eq!(
            w.store
                .certificate(auth(&old))
                .await
                .unwrap()
                .unwrap()
                .status,
            "valid"
        );
        // Activated: the old card is revoked, both certificates, superseded.
        let new = activated(&w, &produced, opens).await;
        let revoked = w
            .cards
            .supersede_replaced(&new, opens)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(revoked.id, old.id);
        assert_eq!(revoked.state, "revoked", "{backend}");
        assert_eq!(revoked.detail["replaced_by"], new.id);
        for serial in [old.auth_serial.as_ref(), old.sign_serial.as_ref()] {
            let c = w.store.certificate(serial.unwrap()).await.unwrap().unwrap();
            assert_eq!(c.status, "revoked", "{backend}");
            assert_eq!(c.revocation_reason.as_deref(), Some("superseded"));
            let events = w.store.audit_events(Some(serial.unwrap())).await.unwrap();
            assert!(
                events.iter().any(|e| e.actor == "holder:99900000101"),
                "{backend}: {events:?}"
            );
        }
        let audit = w.store.audit_events_for_org(ORG, 1000).await.unwrap();
        let ev = audit.iter().find(|a| a.action == "card.supersede").unwrap();
        assert_eq!(ev.actor, "holder:99900000101");
        assert_eq!(ev.details["order_id"], old.id);
        // Again: nothing more to do.
        assert!(
            w.cards
                .supersede_replaced(&new, opens)
                .await
                .unwrap()
                .is_none()
        );
        // The old card can no longer be renewed.
        let e = w
            .cards
            .renewal_eligibility(auth(&old), opens)
            .await
            .unwrap();
        assert_eq!(e.code, Some("renewal.card_not_valid"), "{backend}");

        // Racing renewals of another card: exactly one new order.
        let other = card(&w, reg1, point, "99900000102", now).await;
        let at = renewal_opens_at(
            w.store
                .certificate(auth(&other))
                .await
                .unwrap()
                .unwrap()
                .not_after,
        )
        .unwrap();
        let (a, b) = tokio::join!(
            w.cards.renew(auth(&other), at),
            w.cards.renew(auth(&other), at)
        );
        assert_eq!(
            usize::from(a.is_ok()) + usize::from(b.is_ok()),
            1,
            "{backend}"
        );
        assert_eq!(a.err().or(b.err()).unwrap().code, "renewal.pending");
        assert_eq!(
            w.store.card_orders_replacing(other.id).await.unwrap().len(),
            1
        );
    }
}

#[tokio::test]
async fn renewal_refusals_and_a_changed_name() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, _]) = point_with_registrars(&w).await;

        // A staff card is not renewed online.
        let staff = w
            .cards
            .order(
                reg1,
                point,
                &OrderInput {
                    kind: "staff".into(),
                    identity: Some(passport()),
                    given_name: Some("Anna-Kaisa".into()),
                    surname: Some("Järvinen".into()),
                    title: Some("Osastosihteeri".into()),
                    org_oid: Some(ORG.into()),
                    email: Some("anna@example.fi".into()),
                    ..OrderInput::default()
                },
                now,
            )
            .await
            .unwrap()
            .remove(0);
        let staff = activated(&w, &produce_without_token(&w, &staff, now).await, now).await;
        let r = w.cards.renew(auth(&staff), now_unix()).await.unwrap_err();
        assert_eq!(
            (r.kind, r.code),
            (ErrorKind::Forbidden, "renewal.not_professional"),
            "{backend}"
        );

        // A card not activated yet is not a valid card to renew.
        let order = w
            .cards
            .order(reg1, point, &professional_order("99900000103"), now)
            .await
            .unwrap()
            .remove(0);
        let produced = produce_without_token(&w, &order, now).await;
        let r = w
            .cards
            .renew(auth(&produced), now_unix())
            .await
            .unwrap_err();
        assert_eq!(r.code, "renewal.card_not_valid", "{backend}");
        // Nor a card whose certificate was revoked (by a registrar).
        let act = activated(&w, &produced, now).await;
        w.cards
            .authority()
            .unwrap()
            .revoke(
                act.sign_serial.as_deref().unwrap(),
                carepki_x509::RevocationReason::KeyCompromise,
                None,
                "test",
            )
            .await
            .unwrap();
        let r = w.cards.renew(auth(&act), now_unix()).await.unwrap_err();
        assert_eq!(r.code, "renewal.card_not_valid", "{backend}");
        assert!(r.detail.contains("revoked"), "{}", r.detail);

        // A right that ends before the window: no valid right, no renewal
        // (99900000104's right ends 2030-08-31).
        let ending = card(&w, reg1, point, "99900000104", now).await;
        let not_after = w
            .store
            .certificate(auth(&ending))
            .await
            .unwrap()
            .unwrap()
            .not_after;
        let at = renewal_opens_at(not_after).unwrap();
        let r = w.cards.renew(auth(&ending), at).await.unwrap_err();
        assert_eq!(
            (r.kind, r.code),
            (ErrorKind::Forbidden, "order.no_valid_right"),
            "{backend}"
        );

        // A changed name: renewal allowed at once, the new card carries it.
        let maija = card(&w, reg1, point, "99900000105", now).await;
        let e = w
            .cards
            .renewal_eligibility(auth(&maija), now_unix())
            .await
            .unwrap();
        assert_eq!(e.code, Some("renewal.too_early"), "{backend}");
        let changed = PROFESSIONALS_JSON.replacen("\"Kuvitelma\"", "\"Uusinimi\"", 1);
        assert_ne!(
            changed, PROFESSIONALS_JSON,
            "the example file names Kuvitelma"
        );
        sync_professionals_json(&w.store, &changed).await;
        let e = w
            .cards
            .renewal_eligibility(auth(&maija), now_unix())
            .await
            .unwrap();
        assert!(e.allowed, "{backend}: {e:?}");
        assert_eq!(e.grounds, vec![RenewalGround::NameChanged]);
        assert!(
            e.registers_name.as_deref().unwrap().contains("Uusinimi"),
            "{e:?}"
        );
        let new = w.cards.renew(auth(&maija), now_unix()).await.unwrap();
        assert_eq!(new.holder["surname"], "Uusinimi", "{backend}");
        assert_eq!(new.replaces_order, Some(maija.id));
    }
}

#[tokio::test]
async fn the_holder_revokes_his_card() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, _]) = point_with_registrars(&w).await;
        let c = card(&w, reg1, point, PRESCRIBER, now).await;
        let input = |reason: &str, confirm: bool| HolderRevocation {
            reason: reason.into(),
            confirm,
        };

        // Not confirmed; a reason a holder does not give: refused, nothing revoked.
        let r = w
            .cards
            .revoke_by_holder(auth(&c), &input("keyCompromise", false), now)
            .await
            .unwrap_err();
        assert_eq!(
            (r.kind, r.code),
            (ErrorKind::Invalid, "revocation.unconfirmed"),
            "{backend}"
        );
        assert!(r.detail.contains("cannot be undone"), "{}", r.detail);
        for bad in ["certificateHold", "removeFromCRL", "", "privilegeWithdrawn"] {
            let r = w
                .cards
                .revoke_by_holder(auth(&c), &input(bad, true), now)
                .await
                .unwrap_err();
            assert_eq!(r.code, "revocation.reason", "{backend}: {bad}");
        }
        let r = w
            .cards
            .revoke_by_holder(
                c.sign_serial.as_deref().unwrap(),
                &input("unspecified", true),
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(r.code, "card.not_authentication", "{backend}");
        for serial in [auth(&c), c.sign_serial.as_deref().unwrap()] {
            let row = w.store.certificate(serial).await.unwrap().unwrap();
            assert_eq!(row.status, "valid", "{backend}");
        }

        // Confirmed: both certificates, audited as the holder.
        let revoked = w
            .cards
            .revoke_by_holder(auth(&c), &input("keyCompromise", true), now)
            .await
            .unwrap();
        assert_eq!(revoked.state, "revoked", "{backend}");
        assert_eq!(revoked.detail["reason"], "keyCompromise");
        for serial in [auth(&c), c.sign_serial.as_deref().unwrap()] {
            let row = w.store.certificate(serial).await.unwrap().unwrap();
            assert_eq!(row.status, "revoked", "{backend}");
            assert_eq!(row.revocation_reason.as_deref(), Some("keyCompromise"));
            let events = w.store.audit_events(Some(serial)).await.unwrap();
            assert!(
                events.iter().any(|e| e.actor == "holder:99900000101"),
                "{backend}: {events:?}"
            );
        }
        let audit = w.store.audit_events_for_org(ORG, 1000).await.unwrap();
        let ev = audit
            .iter()
            .find(|a| a.action == "card.revoke" && a.details["order_id"] == c.id)
            .unwrap();
        assert_eq!(ev.actor, "holder:99900000101", "{backend}");

        // Once.
        let r = w
            .cards
            .revoke_by_holder(auth(&c), &input("keyCompromise", true), now)
            .await
            .unwrap_err();
        assert_eq!(r.code, "card.already_revoked", "{backend}");

        // Every holder reason is accepted (another card each).
        for reason in [
            "affiliationChanged",
            "superseded",
            "cessationOfOperation",
            "unspecified",
        ] {
            let c = card(&w, reg1, point, "99900000102", now).await;
            let revoked = w
                .cards
                .revoke_by_holder(auth(&c), &input(reason, true), now)
                .await
                .unwrap();
            assert_eq!(revoked.detail["reason"], reason, "{backend}");
        }
    }
}

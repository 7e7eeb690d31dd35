//! The card registration system on real databases (SQLite and, with
//! CAREPKI_TEST_PG_URL, PostgreSQL): registration points, registrars and powers
//! of attorney (R-REG-POINT, R-ORDER), with every refusal by its code.
#![allow(clippy::unwrap_used)]

mod support;

use carepki_ca::authority::now_unix;
use carepki_ra::cards::{AsBefore, OrderInput};
use carepki_ra::eservice::ErrorKind;
use support::*;

#[tokio::test]
async fn registration_points_registrars_and_powers_of_attorney() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let now = now_unix();
        let off = officer();

        // No agreement, unknown organisation.
        let e = w
            .cards
            .create_point(&off, ORG, "P", false, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "regpoint.no_agreement", "{backend}");
        let e = w
            .cards
            .create_point(&off, "1.2.246.10.1.10.0", "P", true, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "organisation.not_registered", "{backend}");

        let point = w
            .cards
            .create_point(&off, ORG, "Keskussairaala", true, now)
            .await
            .unwrap();
        assert_eq!(point.agreement_accepted_by, "cli:officer");
        assert_eq!(point.agreement_accepted_at, now);

        // The training certificate must be a PDF; the user must exist.
        let u1 = user(&w.store, "Aada").await;
        let e = w
            .cards
            .add_registrar(&off, point.id, u1, "t.pdf", b"not a pdf", now)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::UnsupportedType, "training.not_pdf")
        );
        let e = w
            .cards
            .add_registrar(&off, point.id, 9999, "t.pdf", PDF, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "registrar.no_user");

        let r1 = w
            .cards
            .add_registrar(&off, point.id, u1, "t.pdf", PDF, now)
            .await
            .unwrap();
        assert_eq!(r1.state, "pending");
        assert_eq!(
            r1.training_sha256,
            hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, PDF))
        );
        assert_eq!(
            w.store.registrar_training(r1.id).await.unwrap().unwrap(),
            PDF
        );
        let e = w
            .cards
            .add_registrar(&off, point.id, u1, "t.pdf", PDF, now)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Conflict);

        let view = w.cards.point(point.id).await.unwrap();
        assert!(!view.may_order);
        let r1 = w.cards.approve_registrar(&off, r1.id, now).await.unwrap();
        assert_eq!(r1.approved_by.as_deref(), Some("cli:officer"));
        assert_eq!(
            w.cards
                .approve_registrar(&off, r1.id, now)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Conflict
        );
        assert!(
            !w.cards.point(point.id).await.unwrap().may_order,
            "one is not enough"
        );
        let u2 = user(&w.store, "Bertta").await;
        let r2 = w
            .cards
            .add_registrar(&off, point.id, u2, "t.pdf", PDF, now)
            .await
            .unwrap();
        w.cards.approve_registrar(&off, r2.id, now).await.unwrap();
        assert!(w.cards.point(point.id).await.unwrap().may_order);

        // Powers of attorney: private to public only; one live; revocable.
        let e = w
            .cards
            .grant_poa(&off, OTHER, point.id, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "poa.grantor_not_private");
        let poa = w
            .cards
            .grant_poa(&off, PRIVATE, point.id, now)
            .await
            .unwrap();
        assert_eq!(
            w.cards
                .grant_poa(&off, PRIVATE, point.id, now)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Conflict
        );
        let poa = w
            .cards
            .revoke_poa(&off, poa.id, "sopimus päättyi", now)
            .await
            .unwrap();
        assert_eq!(poa.revoked_at, Some(now));
        assert_eq!(
            w.cards
                .revoke_poa(&off, poa.id, "x", now)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Conflict
        );
        // After a revocation a new one may be given.
        w.cards
            .grant_poa(&off, PRIVATE, point.id, now)
            .await
            .unwrap();

        let actions: Vec<String> = w
            .store
            .audit_events_for_org(ORG, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        let private: Vec<String> = w
            .store
            .audit_events_for_org(PRIVATE, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(private.iter().any(|x| x == "poa.revoke"));
        for a in ["regpoint.create", "registrar.add", "registrar.approve"] {
            assert!(actions.iter().any(|x| x == a), "{backend}: {a} audited");
        }
        let _ = point_with_registrars(&w).await;
        let _ = w.dir.path();
    }
}

#[tokio::test]
async fn card_orders_and_their_refusals() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, reg2]) = point_with_registrars(&w).await;
        let count = || async { w.store.card_orders_count().await.unwrap() };

        // A professional card for a prescriber carries the SV number.
        let o = w
            .cards
            .order(reg1, point, &professional_order(PRESCRIBER), now)
            .await
            .unwrap();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].state, "ordered");
        assert_eq!(o[0].holder["sv_number"], "900101", "{backend}");
        assert_eq!(o[0].holder["prescriber"], true);
        assert_eq!(
            o[0].identity_check.as_ref().unwrap()["document_number"],
            "XP1234567"
        );
        assert_eq!(o[0].created_by, format!("user:{reg1}"));
        let audits = w.store.audit_events_for_org(ORG, 1000).await.unwrap();
        let ev = audits.iter().find(|e| e.action == "card.order").unwrap();
        assert_eq!(ev.actor, format!("user:{reg1}"));
        assert!(
            !ev.details.to_string().contains("XP1234567"),
            "no document number in the audit"
        );
        let before = count().await;

        let refuse = |input: OrderInput, user: i64| {
            let cards = w.cards.clone();
            async move { cards.order(user, point, &input, now).await.unwrap_err() }
        };
        // No valid right; not in the registers.
        assert_eq!(
            refuse(professional_order(NO_VALID_RIGHT), reg1).await.code,
            "order.no_valid_right"
        );
        assert_eq!(
            refuse(professional_order("99999999999"), reg1).await.code,
            "order.not_in_registers"
        );
        // Identity check missing or wrong.
        let mut i = professional_order(PRESCRIBER);
        i.identity = None;
        assert_eq!(refuse(i, reg1).await.code, "order.identity_missing");
        let mut i = professional_order(PRESCRIBER);
        i.identity.as_mut().unwrap().document_type = "driving-licence".into();
        assert_eq!(refuse(i, reg1).await.code, "order.identity_document");
        let mut i = professional_order(PRESCRIBER);
        i.identity.as_mut().unwrap().expires = "2020-01-01".into();
        assert_eq!(refuse(i, reg1).await.code, "order.identity_expired");
        // A registrar of another point, an unapproved registrar, a point with one.
        let other = w
            .cards
            .create_point(&officer(), OTHER, "Toinen", true, now)
            .await
            .unwrap();
        let e = w
            .cards
            .order(reg1, other.id, &professional_order(PRESCRIBER), now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "registrar.not_of_point");
        let u3 = user(&w.store, "Cecilia").await;
        w.cards
            .add_registrar(&officer(), point, u3, "t.pdf", PDF, now)
            .await
            .unwrap();
        assert_eq!(
            refuse(professional_order(PRESCRIBER), u3).await.code,
            "registrar.not_approved"
        );
        let r = w
            .cards
            .add_registrar(&officer(), other.id, u3, "t.pdf", PDF, now)
            .await
            .unwrap();
        w.cards
            .approve_registrar(&officer(), r.id, now)
            .await
            .unwrap();
        let e = w
            .cards
            .order(u3, other.id, &professional_order(PRESCRIBER), now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "regpoint.too_few_registrars");

        // Staff: own organisation, or a grantor of a live power of attorney.
        let staff = |org: &str| OrderInput {
            kind: "staff".into(),
            identity: Some(passport()),
            given_name: Some("Anna-Kaisa".into()),
            surname: Some("Järvinen".into()),
            title: Some("Osastosihteeri".into()),
            org_oid: Some(org.into()),
            email: Some("anna@example.fi".into()),
            ..OrderInput::default()
        };
        let s = w.cards.order(reg2, point, &staff(ORG), now).await.unwrap();
        assert!(s[0].holder_number.starts_with("CP"));
        // Orders placed at the same moment never share a holder number (the
        // number is the database's sequence, not a count of orders).
        let racing: Vec<_> = (0..8)
            .map(|_| {
                let cards = w.cards.clone();
                let input = staff(ORG);
                tokio::spawn(async move { cards.order(reg2, point, &input, now).await.unwrap() })
            })
            .collect();
        let mut numbers = std::collections::BTreeSet::from([s[0].holder_number.clone()]);
        for task in racing {
            let row = task.await.unwrap().remove(0);
            assert!(
                numbers.insert(row.holder_number.clone()),
                "{} twice",
                row.holder_number
            );
        }
        assert_eq!(
            refuse(staff(PRIVATE), reg2).await.code,
            "order.no_power_of_attorney"
        );
        let poa = w
            .cards
            .grant_poa(&officer(), PRIVATE, point, now)
            .await
            .unwrap();
        w.cards
            .order(reg2, point, &staff(PRIVATE), now)
            .await
            .unwrap();
        w.cards
            .revoke_poa(&officer(), poa.id, "päättyi", now)
            .await
            .unwrap();
        assert_eq!(
            refuse(staff(PRIVATE), reg2).await.code,
            "order.no_power_of_attorney"
        );

        // Temporary: only with a pending order, copying its data.
        let temp = |n: &str| OrderInput {
            kind: "temporary".into(),
            identity: Some(passport()),
            holder_number: Some(n.into()),
            ..OrderInput::default()
        };
        assert_eq!(
            refuse(temp("99900000102"), reg1).await.code,
            "order.no_pending_order"
        );
        let t = w
            .cards
            .order(reg1, point, &temp(PRESCRIBER), now)
            .await
            .unwrap();
        assert_eq!(t[0].replaces_order, Some(o[0].id));
        assert_eq!(t[0].holder["sv_number"], "900101");
        assert_eq!(t[0].holder["replaces_kind"], "professional");

        // Test cards: up to 20, fixed identities.
        let test = |n: u32| OrderInput {
            kind: "test".into(),
            count: Some(n),
            ..OrderInput::default()
        };
        assert_eq!(refuse(test(21), reg1).await.code, "order.test_count");
        let before_tests = count().await;
        let tests = w.cards.order(reg1, point, &test(20), now).await.unwrap();
        assert_eq!(tests.len(), 20);
        assert!(tests.iter().all(|t| t.batch == Some(tests[0].id)));
        assert_eq!(count().await, before_tests + 20);
        assert_eq!(
            count().await,
            before + 3 + 8 + 20,
            "{backend}: refusals stored nothing (3 orders, 8 racing staff orders, 20 test cards)"
        );
    }
}

#[tokio::test]
async fn a_card_is_ordered_again_as_before_once() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, _]) = point_with_registrars(&w).await;
        let order = w
            .cards
            .order(reg1, point, &professional_order(PRESCRIBER), now)
            .await
            .unwrap()
            .remove(0);

        // Nothing to order again before the card exists.
        let e = w
            .cards
            .order_as_before(order.id, AsBefore::Renewal, "holder:x", now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "reorder.not_produced", "{backend}");

        let produced = produce_without_token(&w, &order, now).await;
        let again = w
            .cards
            .order_as_before(produced.id, AsBefore::Renewal, "holder:x", now)
            .await
            .unwrap();
        assert_eq!(again.state, "ordered", "{backend}");
        assert_eq!(again.kind, "professional");
        assert_eq!(again.point_id, point);
        assert_eq!(again.registrar_id, produced.registrar_id);
        assert_eq!(again.holder_number, PRESCRIBER);
        assert_eq!(again.replaces_order, Some(produced.id));
        assert_eq!(again.holder["sv_number"], "900101");
        assert_eq!(again.holder["email"], "aino@example.fi");
        assert_eq!(again.created_by, "holder:x");
        assert_eq!(
            again.identity_check.as_ref().unwrap()["as_before"],
            "renewal"
        );

        // Once: a second renewal or re-issue of the same card is refused.
        for why in [AsBefore::Renewal, AsBefore::Reissue] {
            let e = w
                .cards
                .order_as_before(produced.id, why, "officer", now)
                .await
                .unwrap_err();
            assert_eq!((e.kind, e.code), (ErrorKind::Conflict, "reorder.pending"));
        }

        // Racing requests for another card: exactly one wins.
        let second = w
            .cards
            .order(reg1, point, &professional_order("99900000102"), now)
            .await
            .unwrap()
            .remove(0);
        let second = produce_without_token(&w, &second, now).await;
        let (a, b) = tokio::join!(
            w.cards
                .order_as_before(second.id, AsBefore::Reissue, "officer", now),
            w.cards
                .order_as_before(second.id, AsBefore::Reissue, "officer", now)
        );
        assert_eq!(
            usize::from(a.is_ok()) + usize::from(b.is_ok()),
            1,
            "{backend}"
        );
        let lost = a.err().or(b.err()).unwrap();
        assert_eq!(lost.code, "reorder.pending", "{backend}");
        assert_eq!(
            w.store
                .card_orders_replacing(second.id)
                .await
                .unwrap()
                .len(),
            1
        );

        // Test cards are ordered afresh, not as before.
        let test = w
            .cards
            .order(
                reg1,
                point,
                &OrderInput {
                    kind: "test".into(),
                    count: Some(1),
                    ..OrderInput::default()
                },
                now,
            )
            .await
            .unwrap()
            .remove(0);
        let test = produce_without_token(&w, &test, now).await;
        let e = w
            .cards
            .order_as_before(test.id, AsBefore::Reissue, "officer", now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "reorder.kind", "{backend}");
        assert_eq!(
            w.store
                .card_order_by_serial(test.sign_serial.as_deref().unwrap())
                .await
                .unwrap()
                .unwrap()
                .id,
            test.id
        );
    }
}

/// A registrar of the card's point hands the produced card to its holder after
/// checking his identity again: recorded once, before activation, and audited
/// with the registrar's identity, without the document's number (issue 5,
/// point 3). Every refusal changes nothing.
#[tokio::test]
async fn a_produced_card_is_handed_over_once_by_a_registrar_of_its_point() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, reg2]) = point_with_registrars(&w).await;
        let ordered = w
            .cards
            .order(reg1, point, &professional_order(PRESCRIBER), now)
            .await
            .unwrap()
            .remove(0);
        let stored = |id| {
            let store = w.store.clone();
            async move { store.card_order(id).await.unwrap().unwrap() }
        };

        // Not produced yet.
        let e = w
            .cards
            .hand_over(reg2, ordered.id, Some(&passport()), now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "card.not_produced", "{backend}");
        let produced = produce_without_token(&w, &ordered, now).await;

        // A stranger, no identity check, an expired document: refused.
        let stranger = user(&w.store, "Vieras").await;
        let e = w
            .cards
            .hand_over(stranger, produced.id, Some(&passport()), now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "registrar.not_of_point");
        let e = w
            .cards
            .hand_over(reg2, produced.id, None, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "order.identity_missing");
        let mut expired = passport();
        expired.expires = "2001-01-01".into();
        let e = w
            .cards
            .hand_over(reg2, produced.id, Some(&expired), now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "order.identity_expired");
        assert_eq!(
            stored(produced.id).await,
            produced,
            "{backend}: refusals change nothing"
        );

        // The other registrar hands it over, seeing a national ID card this time.
        let id_card = carepki_ra::cards::IdentityCheck {
            document_type: "id-card".into(),
            document_number: "FI9876543".into(),
            issuing_country: "fi".into(),
            expires: "2032-01-31".into(),
        };
        let handed = w
            .cards
            .hand_over(reg2, produced.id, Some(&id_card), now + 60)
            .await
            .unwrap();
        assert_eq!(handed.state, "produced", "{backend}");
        assert_eq!(handed.detail["handed_over_at"], now + 60);
        assert_eq!(handed.detail["handed_over_by"], format!("user:{reg2}"));
        let seen = &handed.detail["hand_over_identity"];
        assert_eq!(seen["document_type"], "id-card");
        assert_eq!(seen["issuing_country"], "FI");
        assert_eq!(seen["same_document_as_order"], false);
        assert!(seen.get("document_number").is_none());
        let audits = w.store.audit_events_for_org(ORG, 1000).await.unwrap();
        let ev = audits
            .iter()
            .find(|e| e.action == "card.hand_over")
            .unwrap();
        assert_eq!(ev.actor, format!("user:{reg2}"), "{backend}");
        assert_eq!(ev.details["order_id"], produced.id);
        assert!(!ev.details.to_string().contains("FI9876543"));

        // Once only, by anyone.
        let e = w
            .cards
            .hand_over(reg1, produced.id, Some(&passport()), now + 120)
            .await
            .unwrap_err();
        assert_eq!(e.code, "card.handed_over", "{backend}");
        assert_eq!(stored(produced.id).await, handed);
        let audits = w.store.audit_events_for_org(ORG, 1000).await.unwrap();
        assert_eq!(
            audits
                .iter()
                .filter(|e| e.action == "card.hand_over")
                .count(),
            1
        );
    }
}

/// A registrar of the order's point cancels an order before its card is made,
/// saying why: final, audited `card.cancel` with his identity; a made card is
/// revoked instead. A cancelled renewal is not a live one: the card can be
/// renewed again (the one-replacement index of migration 0014).
#[tokio::test]
async fn a_registrar_cancels_an_order_before_its_card_is_made() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, reg2]) = point_with_registrars(&w).await;
        let order = w
            .cards
            .order(reg1, point, &professional_order("99900000102"), now)
            .await
            .unwrap()
            .remove(0);

        let stranger = user(&w.store, "Vieras").await;
        let e = w
            .cards
            .cancel_order(stranger, order.id, "väärä henkilö", now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "registrar.not_of_point", "{backend}");
        let e = w
            .cards
            .cancel_order(reg2, order.id, "  ", now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "order.cancel_reason");
        assert_eq!(w.store.card_order(order.id).await.unwrap().unwrap(), order);

        let cancelled = w
            .cards
            .cancel_order(reg2, order.id, "tilattu väärälle henkilölle", now + 5)
            .await
            .unwrap();
        assert_eq!(cancelled.state, "cancelled", "{backend}");
        assert_eq!(
            cancelled.detail["cancel_reason"],
            "tilattu väärälle henkilölle"
        );
        let audits = w.store.audit_events_for_org(ORG, 1000).await.unwrap();
        let ev = audits.iter().find(|e| e.action == "card.cancel").unwrap();
        assert_eq!(ev.actor, format!("user:{reg2}"), "{backend}");
        assert_eq!(
            (ev.details["from"].as_str(), ev.details["to"].as_str()),
            (Some("ordered"), Some("cancelled"))
        );

        // Final; nothing made from it.
        let e = w
            .cards
            .cancel_order(reg1, order.id, "uudestaan", now)
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Conflict, "card.not_ordered"));
        assert!(e.detail.contains("cancelled already"), "{}", e.detail);
        let e = w
            .cards
            .hand_over(reg1, order.id, Some(&passport()), now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "card.not_produced");

        // A made card is revoked, not cancelled.
        let made = w
            .cards
            .order(reg1, point, &professional_order(PRESCRIBER), now)
            .await
            .unwrap()
            .remove(0);
        let made = produce_without_token(&w, &made, now).await;
        let e = w
            .cards
            .cancel_order(reg1, made.id, "myöhässä", now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "card.not_ordered");
        assert!(e.detail.contains("revoke the card instead"), "{}", e.detail);

        // A renewal's order cancelled: the card can be renewed again.
        let renewal = w
            .cards
            .order_as_before(made.id, AsBefore::Renewal, "holder:x", now)
            .await
            .unwrap();
        w.cards
            .cancel_order(reg1, renewal.id, "haltija perui", now)
            .await
            .unwrap();
        let again = w
            .cards
            .order_as_before(made.id, AsBefore::Renewal, "holder:x", now)
            .await
            .unwrap();
        assert_eq!(again.replaces_order, Some(made.id), "{backend}");
        assert_ne!(again.id, renewal.id);
    }
}

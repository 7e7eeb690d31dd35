//! Card revocation on real databases (SQLite and, with CAREPKI_TEST_PG_URL,
//! PostgreSQL), issue 5 points 1 and 7: a right that ended in the registers
//! revokes the professional cards no longer right (R-CARD-TYPES, R-SV) or
//! leaves the finding to a registrar's decision; an organisation's
//! administrator revokes the staff and actor cards tied to it, and nobody
//! else's. Both certificates of a card always go together.
#![allow(clippy::unwrap_used)]

mod support;

use carepki_ca::authority::now_unix;
use carepki_policy::application::Role;
use carepki_ra::cards::{FindingDecision, OrderInput};
use carepki_ra::eservice::{ErrorKind, OrgContext, Principal};
use carepki_store::{CardOrderRow, ProfessionalRow, Store};
use support::*;

/// The statuses and reasons of a card's two certificates.
async fn statuses(store: &Store, order: &CardOrderRow) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for serial in [&order.auth_serial, &order.sign_serial] {
        let c = store
            .certificate(serial.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        out.push((c.status, c.revocation_reason));
    }
    out
}

fn revoked() -> Vec<(String, Option<String>)> {
    vec![("revoked".into(), Some("affiliationChanged".into())); 2]
}

fn valid() -> Vec<(String, Option<String>)> {
    vec![("valid".into(), None); 2]
}

/// The example register with changes: `drop_people` gone, `drop_rights`
/// (registration number, profession) gone.
fn register_without(drop_people: &[&str], drop_rights: &[(&str, &str)]) -> Vec<ProfessionalRow> {
    let mut rows = example_rows();
    rows.retain(|p| !drop_people.contains(&p.registration_number.as_str()));
    for p in &mut rows {
        p.rights.retain(|r| {
            !drop_rights.contains(&(p.registration_number.as_str(), r.profession.as_str()))
        });
    }
    rows
}

#[tokio::test]
async fn an_ended_right_revokes_the_cards_no_longer_right() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, _]) = point_with_registrars(&w).await;
        let mut card = std::collections::BTreeMap::new();
        for regno in [
            "99900000101", // two prescribing rights, loses one: stays
            "99900000102", // removed from the register: revoked
            "99900000107", // loses his prescribing right, card has the SV number: revoked
            "99900000105", // removed; also has a temporary card: both revoked
            "99900000112", // unaffected
            "99900000108", // flagged later, revoked by decision
            "99900000109", // flagged later, kept by decision
        ] {
            let o = w
                .cards
                .order(reg1, point, &professional_order(regno), now)
                .await
                .unwrap()
                .remove(0);
            card.insert(regno, produce_without_token(&w, &o, now).await);
        }
        let temp = w
            .cards
            .order(
                reg1,
                point,
                &OrderInput {
                    kind: "temporary".into(),
                    identity: Some(passport()),
                    holder_number: Some("99900000105".into()),
                    ..OrderInput::default()
                },
                now,
            )
            .await
            .unwrap()
            .remove(0);
        let temp = produce_without_token(&w, &temp, now).await;
        // A card never produced has nothing to revoke and is no finding's card.
        w.cards
            .order(reg1, point, &professional_order("99900000102"), now)
            .await
            .unwrap();

        let report = w
            .store
            .sync_professionals(
                &register_without(
                    &["99900000102", "99900000105"],
                    &[("99900000101", "102"), ("99900000107", "202")],
                ),
                "revoke",
                "test",
                now,
            )
            .await
            .unwrap();
        assert_eq!(report.ended.len(), 4, "{backend}: {:?}", report.ended);

        // The list shows each finding with the holder's cards.
        let open = w.cards.open_findings(now).await.unwrap();
        let of = |regno: &str| {
            open.iter()
                .find(|v| v.finding.registration_number == regno)
                .unwrap()
                .clone()
        };
        assert!(of("99900000101").has_valid_right && of("99900000101").is_prescriber);
        assert_eq!(of("99900000101").cards[0].no_longer_right, None);
        assert!(of("99900000107").has_valid_right && !of("99900000107").is_prescriber);
        assert!(of("99900000107").cards[0].no_longer_right.is_some());
        assert_eq!(of("99900000105").cards.len(), 2, "{backend}");

        let acted = w.cards.act_on_ended_rights("cli:op", now).await.unwrap();
        assert_eq!(acted.len(), 4, "{backend}");
        let outcome = |regno: &str| {
            acted
                .iter()
                .map(|r| r.as_ref().unwrap())
                .find(|o| o.registration_number == regno)
                .unwrap()
                .clone()
        };
        assert!(outcome("99900000101").revoked_orders.is_empty());
        assert!(
            outcome("99900000101")
                .resolution
                .starts_with("another right is still valid; the card stays"),
            "{}",
            outcome("99900000101").resolution
        );
        assert_eq!(
            outcome("99900000102").revoked_orders,
            vec![card["99900000102"].id]
        );
        assert_eq!(outcome("99900000102").revoked_serials.len(), 2);
        assert!(
            outcome("99900000107")
                .resolution
                .contains("no longer a prescriber")
        );
        let mut both = outcome("99900000105").revoked_orders;
        both.sort_unstable();
        assert_eq!(both, vec![card["99900000105"].id, temp.id], "{backend}");

        for (regno, want) in [
            ("99900000101", valid()),
            ("99900000102", revoked()),
            ("99900000107", revoked()),
            ("99900000105", revoked()),
            ("99900000112", valid()),
            ("99900000108", valid()),
        ] {
            assert_eq!(
                statuses(&w.store, &card[regno]).await,
                want,
                "{backend} {regno}"
            );
            let order = w.store.card_order(card[regno].id).await.unwrap().unwrap();
            assert_eq!(
                order.state == "revoked",
                want == revoked(),
                "{backend} {regno}"
            );
        }
        assert_eq!(statuses(&w.store, &temp).await, revoked());
        let events = w.store.audit_events(None).await.unwrap();
        let card_revokes: Vec<_> = events
            .iter()
            .filter(|e| e.action == "card.revoke")
            .collect();
        assert_eq!(card_revokes.len(), 4, "{backend}");
        assert!(card_revokes.iter().all(|e| e.actor == "cli:op"
            && e.details["detail"]["by"] == "registers"
            && e.details["detail"]["reason"] == "affiliationChanged"));

        // Every finding is resolved, and is not acted on twice.
        assert!(w.store.open_register_findings().await.unwrap().is_empty());
        for f in &report.ended {
            let all = w
                .store
                .register_findings_of(&f.registration_number)
                .await
                .unwrap();
            assert!(
                all.iter()
                    .all(|f| f.resolved_by.as_deref() == Some("cli:op"))
            );
        }
        assert!(
            w.cards
                .act_on_ended_rights("cli:op", now)
                .await
                .unwrap()
                .is_empty()
        );

        // With "flag", nothing is revoked until someone decides.
        let report = w
            .store
            .sync_professionals(
                &register_without(
                    &["99900000102", "99900000105", "99900000108", "99900000109"],
                    &[("99900000101", "102"), ("99900000107", "202")],
                ),
                "flag",
                "test",
                now,
            )
            .await
            .unwrap();
        assert_eq!(report.ended.len(), 2, "{backend}");
        assert!(
            w.cards
                .act_on_ended_rights("cli:op", now)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(statuses(&w.store, &card["99900000108"]).await, valid());
        let id_of = |regno: &str| {
            report
                .ended
                .iter()
                .find(|f| f.registration_number == regno)
                .unwrap()
                .id
        };
        let e = w
            .cards
            .decide_finding(
                id_of("99900000108"),
                FindingDecision::Revoke,
                " ",
                "cli:r",
                now,
            )
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Invalid, "finding.reason"));
        let o = w
            .cards
            .decide_finding(
                id_of("99900000108"),
                FindingDecision::Revoke,
                "employment at the hospital ended too",
                "cli:registrar",
                now,
            )
            .await
            .unwrap();
        assert_eq!(o.revoked_orders, vec![card["99900000108"].id], "{backend}");
        assert!(
            o.resolution
                .contains("employment at the hospital ended too")
        );
        assert_eq!(statuses(&w.store, &card["99900000108"]).await, revoked());
        let o = w
            .cards
            .decide_finding(
                id_of("99900000109"),
                FindingDecision::Keep,
                "the register file was wrong; Valvira confirms the right",
                "cli:registrar",
                now,
            )
            .await
            .unwrap();
        assert!(o.resolution.starts_with("kept by decision"));
        assert_eq!(statuses(&w.store, &card["99900000109"]).await, valid());
        for id in [id_of("99900000108"), id_of("99900000109"), 987_654] {
            for d in [FindingDecision::Revoke, FindingDecision::Keep] {
                let e = w
                    .cards
                    .decide_finding(id, d, "again", "cli:registrar", now)
                    .await
                    .unwrap_err();
                assert_eq!((e.kind, e.code), (ErrorKind::Conflict, "finding.not_open"));
            }
        }
    }
}

fn admin_of(oid: &str, user: i64, role: Role) -> Principal {
    Principal {
        actor: format!("user:{user}"),
        user: None,
        org: Some(OrgContext {
            oid: oid.into(),
            name_fi: "Org".into(),
            name_sv: "Org".into(),
            name_en: "Org".into(),
            role,
        }),
        officer: false,
        auditor: false,
    }
}

fn staff(kind: &str, org: &str, surname: &str) -> OrderInput {
    OrderInput {
        kind: kind.into(),
        identity: Some(passport()),
        given_name: Some("Sanna".into()),
        surname: Some(surname.into()),
        title: Some("Osastosihteeri".into()),
        org_oid: Some(org.into()),
        email: Some("sanna@example.fi".into()),
        ..OrderInput::default()
    }
}

#[tokio::test]
async fn the_organisation_revokes_its_staff_and_actor_cards() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, _]) = point_with_registrars(&w).await;
        w.cards
            .grant_poa(&officer(), PRIVATE, point, now)
            .await
            .unwrap();
        let order = async |input: OrderInput| {
            let o = w
                .cards
                .order(reg1, point, &input, now)
                .await
                .unwrap()
                .remove(0);
            produce_without_token(&w, &o, now).await
        };
        let staff_card = order(staff("staff", ORG, "Sihteeri")).await;
        let actor_card = order(staff("actor", ORG, "Konsultti")).await;
        let private_card = order(staff("staff", PRIVATE, "Yksityinen")).await;
        let professional = order(professional_order(PRESCRIBER)).await;
        let unproduced = w
            .cards
            .order(reg1, point, &staff("staff", ORG, "Tuleva"), now)
            .await
            .unwrap()
            .remove(0);

        let admin = admin_of(ORG, 41, Role::OrgAdmin);
        let list = w.cards.organisation_cards(&admin).await.unwrap();
        let ids: Vec<i64> = list.iter().map(|c| c.order_id).collect();
        assert_eq!(
            ids,
            vec![staff_card.id, actor_card.id, unproduced.id],
            "{backend}"
        );
        let first = &list[0];
        assert_eq!(first.kind, "staff");
        assert_eq!(first.holder_name, "Sanna Sihteeri");
        assert_eq!(first.title, "Osastosihteeri");
        assert_eq!(first.holder_number, staff_card.holder_number);
        assert_eq!(first.state, "produced");
        assert_eq!(first.auth_serial, staff_card.auth_serial);
        assert!(first.not_after.unwrap() > first.not_before.unwrap());
        assert_eq!(list[2].not_after, None);

        // Only the organisation's administrator.
        for p in [
            admin_of(ORG, 42, Role::OrgUser),
            admin_of(ORG, 43, Role::TechnicalContact),
        ] {
            let e = w.cards.organisation_cards(&p).await.unwrap_err();
            assert_eq!((e.kind, e.code), (ErrorKind::Forbidden, "role"));
            let e = w
                .cards
                .revoke_organisation_card(&p, staff_card.id, None, true, now)
                .await
                .unwrap_err();
            assert_eq!((e.kind, e.code), (ErrorKind::Forbidden, "role"));
        }
        let nobody = Principal {
            org: None,
            officer: true,
            ..admin_of(ORG, 44, Role::OrgAdmin)
        };
        let e = w.cards.organisation_cards(&nobody).await.unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Forbidden, "no_organisation"));

        // Another organisation's card is not found, like no card; B lists none of A's.
        let other = admin_of(OTHER, 45, Role::OrgAdmin);
        assert!(w.cards.organisation_cards(&other).await.unwrap().is_empty());
        for id in [staff_card.id, professional.id, 987_654] {
            let e = w
                .cards
                .revoke_organisation_card(&other, id, None, true, now)
                .await
                .unwrap_err();
            assert_eq!((e.kind, e.code), (ErrorKind::NotFound, "not_found"), "{id}");
        }
        // A card ordered at A's point for a private organisation is that one's.
        let e = w
            .cards
            .revoke_organisation_card(&admin, private_card.id, None, true, now)
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::NotFound, "not_found"));

        // A professional card is not the organisation's to revoke.
        let e = w
            .cards
            .revoke_organisation_card(&admin, professional.id, None, true, now)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Forbidden, "card.not_organisation_card")
        );
        // Unconfirmed, or a reason that is not one: nothing happens.
        let e = w
            .cards
            .revoke_organisation_card(&admin, staff_card.id, None, false, now)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Invalid, "revocation.unconfirmed")
        );
        let e = w
            .cards
            .revoke_organisation_card(&admin, staff_card.id, Some("removeFromCRL"), true, now)
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Invalid, "revocation.reason"));
        let e = w
            .cards
            .revoke_organisation_card(&admin, unproduced.id, None, true, now)
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Conflict, "card.not_produced"));
        for c in [&staff_card, &professional, &private_card] {
            assert_eq!(statuses(&w.store, c).await, valid(), "{backend}");
        }

        // Revoked: both certificates, affiliationChanged, audited with who and for whom.
        let done = w
            .cards
            .revoke_organisation_card(&admin, staff_card.id, None, true, now)
            .await
            .unwrap();
        assert_eq!(done.state, "revoked");
        assert_eq!(
            done.revocation_reason.as_deref(),
            Some("affiliationChanged")
        );
        assert_eq!(
            statuses(&w.store, &staff_card).await,
            revoked(),
            "{backend}"
        );
        assert_eq!(statuses(&w.store, &actor_card).await, valid());
        // The holder is told, at the order's address, in Finnish, Swedish and
        // English; refusals above queued nothing for the other cards.
        let mail = w
            .store
            .mail_by_dedupe_key(&format!("card-revoked:{}", staff_card.id))
            .await
            .unwrap()
            .expect("the holder's revocation mail is queued");
        assert_eq!(mail.recipient, "sanna@example.fi", "{backend}");
        assert!(mail.subject.contains("suljettu") && mail.subject.contains("revoked"));
        assert_eq!(mail.serial, staff_card.auth_serial);
        for c in [&actor_card, &professional, &private_card, &unproduced] {
            let key = format!("card-revoked:{}", c.id);
            assert!(w.store.mail_by_dedupe_key(&key).await.unwrap().is_none());
        }
        let events = w.store.audit_events(None).await.unwrap();
        let ev = events.iter().find(|e| e.action == "card.revoke").unwrap();
        assert_eq!(ev.actor, "user:41");
        assert_eq!(ev.org_oid.as_deref(), Some(ORG));
        assert_eq!(ev.details["detail"]["by"], "organisation");
        assert_eq!(ev.details["detail"]["org_oid"], ORG);
        assert_eq!(ev.details["order_id"], staff_card.id);
        let certs: Vec<_> = events
            .iter()
            .filter(|e| e.action == "certificate.revoke")
            .collect();
        assert_eq!(certs.len(), 2, "{backend}");
        assert!(certs.iter().all(|e| e.actor == "user:41"));

        let e = w
            .cards
            .revoke_organisation_card(&admin, staff_card.id, None, true, now)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "card.already_revoked")
        );

        // The private organisation's administrator revokes its own card.
        let private = admin_of(PRIVATE, 46, Role::OrgAdmin);
        let list = w.cards.organisation_cards(&private).await.unwrap();
        assert_eq!(list.len(), 1);
        let done = w
            .cards
            .revoke_organisation_card(&private, private_card.id, Some("keyCompromise"), true, now)
            .await
            .unwrap();
        assert_eq!(done.revocation_reason.as_deref(), Some("keyCompromise"));
    }
}

/// Nothing half-done: a revocation of several cards with one that cannot be
/// revoked, or with a finding resolved meanwhile, revokes nothing.
#[tokio::test]
async fn a_card_revocation_is_all_or_nothing() {
    use carepki_store::{CardRevocation, StoreError};
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let now = now_unix();
        let (point, [reg1, _]) = point_with_registrars(&w).await;
        let mut produced = Vec::new();
        for regno in ["99900000102", "99900000103"] {
            let o = w
                .cards
                .order(reg1, point, &professional_order(regno), now)
                .await
                .unwrap()
                .remove(0);
            produced.push(produce_without_token(&w, &o, now).await);
        }
        let (a, b) = (&produced[0], &produced[1]);
        let done = w
            .cards
            .revoke_card(
                reg1,
                b.id,
                carepki_x509::RevocationReason::KeyCompromise,
                now,
            )
            .await
            .unwrap();
        assert_eq!(done.state, "revoked", "{backend}");
        let e = w
            .cards
            .revoke_card(
                reg1,
                b.id,
                carepki_x509::RevocationReason::KeyCompromise,
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "card.already_revoked")
        );

        // A valid card and a revoked one: refused, the valid one untouched.
        let b_now = w.store.card_order(b.id).await.unwrap().unwrap();
        let both = CardRevocation {
            action: "card.revoke".into(),
            orders: vec![(a.id, a.version), (b_now.id, b_now.version)],
            reason: "affiliationChanged".into(),
            detail: serde_json::json!({ "by": "test" }),
            resolve_finding: None,
        };
        let e = w
            .store
            .revoke_card_orders(&both, "test", now)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{backend}: {e}");
        assert_eq!(statuses(&w.store, a).await, valid(), "{backend}");
        // A card changed since it was read: refused.
        let stale = CardRevocation {
            action: "card.revoke".into(),
            orders: vec![(a.id, a.version - 1)],
            ..both.clone()
        };
        let e = w
            .store
            .revoke_card_orders(&stale, "test", now)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{backend}: {e}");
        assert_eq!(statuses(&w.store, a).await, valid());

        // A finding resolved meanwhile: the card's revocation is undone with it.
        w.store
            .sync_professionals(
                &register_without(&["99900000102"], &[]),
                "revoke",
                "test",
                now,
            )
            .await
            .unwrap();
        let finding = w.store.open_register_findings().await.unwrap()[0].id;
        w.store
            .resolve_register_finding(finding, "handled by hand", "cli:other", now)
            .await
            .unwrap();
        let with_finding = CardRevocation {
            action: "card.revoke".into(),
            orders: vec![(a.id, a.version)],
            resolve_finding: Some((finding, "revoked".into())),
            ..both.clone()
        };
        let e = w
            .store
            .revoke_card_orders(&with_finding, "test", now)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict { .. }), "{backend}: {e}");
        assert_eq!(statuses(&w.store, a).await, valid(), "{backend}");
        assert_eq!(
            w.store.card_order(a.id).await.unwrap().unwrap().state,
            "produced"
        );
        // ... and acting on it is refused as well: it is not open.
        assert!(
            w.cards
                .act_on_ended_rights("cli:op", now)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(statuses(&w.store, a).await, valid());
    }
}

//! The organisation's side of the card registration system (issue 5 point 2;
//! R-REG-POINT, R-ORDER), on SQLite and PostgreSQL: an administrator applies for
//! a registration point and signs its agreement, a CA officer decides, the
//! administrator applies for his users as registrars with their training
//! certificates, and a private organisation gives a public point a power of
//! attorney and withdraws it. Every refusal by its code; another
//! organisation's objects answer not found.
#![allow(clippy::unwrap_used)]

mod support;

use carepki_ca::authority::now_unix;
use carepki_ra::cards::{Officer, REGPOINT_AGREEMENT_VERSION};
use carepki_ra::eservice::ErrorKind;
use support::*;

#[tokio::test]
async fn an_organisation_applies_for_its_point_registrars_and_powers_of_attorney() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let now = now_unix();
        let admin_id = member(&w, "Pääkäyttäjä", ORG, "org-admin").await;
        let admin = principal(&w, admin_id, Some(ORG)).await;
        let clerk_id = member(&w, "Virkailija", ORG, "org-user").await;
        let clerk = principal(&w, clerk_id, Some(ORG)).await;
        let nurse_id = member(&w, "Hoitaja", ORG, "org-user").await;
        let other_id = member(&w, "Toinen", OTHER, "org-admin").await;
        let other = principal(&w, other_id, Some(OTHER)).await;
        let officer_id = user(&w.store, "Virkamies").await;
        w.store
            .grant_global_role(officer_id, "ca-officer", "test", now)
            .await
            .unwrap();
        let officer = Officer::from_principal(&principal(&w, officer_id, None).await).unwrap();
        assert_eq!(
            Officer::from_principal(&admin).unwrap_err().code,
            "officer_only"
        );

        // The application: name, agreement, administrator only, one pending.
        let e = w
            .cards
            .apply_for_point(&admin, "  ", true, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "regpoint.name", "{backend}");
        let e = w
            .cards
            .apply_for_point(&admin, "Keskussairaala", false, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "regpoint.no_agreement");
        let e = w
            .cards
            .apply_for_point(&clerk, "Keskussairaala", true, now)
            .await
            .unwrap_err();
        assert_eq!((e.kind, e.code), (ErrorKind::Forbidden, "role"));
        let app = w
            .cards
            .apply_for_point(&admin, "Keskussairaala", true, now)
            .await
            .unwrap();
        assert_eq!(app.state, "pending");
        assert_eq!(app.signed_by, admin.actor);
        assert_eq!(app.agreement_version, REGPOINT_AGREEMENT_VERSION);
        let e = w
            .cards
            .apply_for_point(&admin, "Toinen piste", true, now)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "regpoint.application_pending")
        );

        // Who sees it.
        assert_eq!(w.cards.point_applications(&admin).await.unwrap().len(), 1);
        assert!(w.cards.point_applications(&other).await.unwrap().is_empty());
        let officer_p = principal(&w, officer_id, None).await;
        let pending = w.cards.point_applications(&officer_p).await.unwrap();
        assert_eq!(pending.iter().map(|a| a.id).collect::<Vec<_>>(), [app.id]);

        // The officer's decision: a reason for a rejection; accepted once.
        let e = w
            .cards
            .decide_point_application(&officer, app.id, Some(" "), now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "regpoint.reject_reason");
        let accepted = w
            .cards
            .decide_point_application(&officer, app.id, None, now)
            .await
            .unwrap();
        assert_eq!(accepted.state, "accepted");
        assert_eq!(accepted.decided_by.as_deref(), Some(officer.actor()));
        let point = accepted.point_id.unwrap();
        let points = w.store.regpoints_of_org(ORG).await.unwrap();
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].id, point);
        assert_eq!(points[0].name, "Keskussairaala");
        assert_eq!(points[0].agreement_accepted_by, officer.actor());
        let e = w
            .cards
            .decide_point_application(&officer, app.id, Some("myöhässä"), now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "regpoint.application_decided");
        let e = w
            .cards
            .decide_point_application(&officer, 9999, None, now)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        // A rejected application leaves no point.
        let other_app = w
            .cards
            .apply_for_point(&other, "Toisen piste", true, now)
            .await
            .unwrap();
        let rejected = w
            .cards
            .decide_point_application(&officer, other_app.id, Some("sopimus puuttuu"), now)
            .await
            .unwrap();
        assert_eq!(rejected.state, "rejected");
        assert_eq!(rejected.decision_reason.as_deref(), Some("sopimus puuttuu"));
        assert!(w.store.regpoints_of_org(OTHER).await.unwrap().is_empty());

        // Registrars: the organisation's own users, with a training PDF.
        let e = w
            .cards
            .apply_for_registrar(&admin, point, nurse_id, "t.pdf", b"no pdf", now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "training.not_pdf");
        let e = w
            .cards
            .apply_for_registrar(&admin, point, other_id, "t.pdf", PDF, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "registrar.not_member");
        let e = w
            .cards
            .apply_for_registrar(&other, point, other_id, "t.pdf", PDF, now)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "another organisation's point");
        let e = w
            .cards
            .apply_for_registrar(&clerk, point, nurse_id, "t.pdf", PDF, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "role");
        let mut ids = Vec::new();
        for uid in [clerk_id, nurse_id] {
            let r = w
                .cards
                .apply_for_registrar(&admin, point, uid, "koulutus.pdf", PDF, now)
                .await
                .unwrap();
            assert_eq!(r.state, "pending");
            assert_eq!(r.added_by, admin.actor);
            ids.push(r.id);
        }
        let e = w
            .cards
            .apply_for_registrar(&admin, point, nurse_id, "t.pdf", PDF, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "registrar.exists");
        assert!(!w.cards.point(point).await.unwrap().may_order);
        for id in ids {
            w.cards.approve_registrar(&officer, id, now).await.unwrap();
        }
        assert!(w.cards.point(point).await.unwrap().may_order, "{backend}");

        // A power of attorney: given by a private organisation to a public point.
        let private_id = member(&w, "Yksityinen", PRIVATE, "org-admin").await;
        let private = principal(&w, private_id, Some(PRIVATE)).await;
        let e = w
            .cards
            .give_power_of_attorney(&admin, point, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "poa.own_point");
        let e = w
            .cards
            .give_power_of_attorney(&other, point, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "poa.grantor_not_private");
        let poa = w
            .cards
            .give_power_of_attorney(&private, point, now)
            .await
            .unwrap();
        assert_eq!(poa.grantor_oid, PRIVATE);
        assert_eq!(poa.granted_by, private.actor);
        let e = w
            .cards
            .withdraw_power_of_attorney(&other, poa.id, "ei", now)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "not the grantor's");
        let withdrawn = w
            .cards
            .withdraw_power_of_attorney(&private, poa.id, "sopimus päättyi", now)
            .await
            .unwrap();
        assert!(withdrawn.revoked_at.is_some());
        assert_eq!(
            withdrawn.revoked_by.as_deref(),
            Some(private.actor.as_str())
        );

        // Every step is in the audit log.
        let actions: Vec<String> = w
            .store
            .audit_events(None)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for a in [
            "regpoint.apply",
            "regpoint.application.accept",
            "regpoint.application.reject",
            "regpoint.create",
            "registrar.add",
            "poa.grant",
            "poa.revoke",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} missing: {actions:?}");
        }
    }
}

/// What the e-service's registration routes read (R-REG-POINT, R-ORDER): the
/// points one may see (a private organisation also the public points it may
/// authorise), the powers of attorney an organisation gave, a registrar's
/// training certificate for an officer or the point's administrator only, an
/// officer's approval once; a public organisation's power of attorney is
/// refused alike for another organisation's point and for none.
#[tokio::test]
async fn the_e_service_reads_points_powers_of_attorney_and_training() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let now = now_unix();
        let admin_id = member(&w, "Pääkäyttäjä", ORG, "org-admin").await;
        let admin = principal(&w, admin_id, Some(ORG)).await;
        let clerk_id = member(&w, "Virkailija", ORG, "org-user").await;
        let clerk = principal(&w, clerk_id, Some(ORG)).await;
        let other_id = member(&w, "Toinen", OTHER, "org-admin").await;
        let other = principal(&w, other_id, Some(OTHER)).await;
        let private_id = member(&w, "Yksityinen", PRIVATE, "org-admin").await;
        let private = principal(&w, private_id, Some(PRIVATE)).await;
        let officer_id = user(&w.store, "Virkamies").await;
        w.store
            .grant_global_role(officer_id, "ca-officer", "test", now)
            .await
            .unwrap();
        let officer_p = principal(&w, officer_id, None).await;
        let officer = Officer::from_principal(&officer_p).unwrap();
        let point = w
            .cards
            .create_point(&officer, ORG, "Keskussairaala", true, now)
            .await
            .unwrap()
            .id;
        let other_point = w
            .cards
            .create_point(&officer, OTHER, "Toisen piste", true, now)
            .await
            .unwrap()
            .id;

        // Who sees which points.
        let v = w.cards.visible_points(&officer_p).await.unwrap();
        assert_eq!(v.points.len(), 2, "{backend}");
        assert!(v.public_points.is_empty());
        let v = w.cards.visible_points(&admin).await.unwrap();
        assert_eq!(
            v.points.iter().map(|p| p.point.id).collect::<Vec<_>>(),
            [point]
        );
        assert!(v.public_points.is_empty(), "a public organisation's admin");
        let v = w.cards.visible_points(&private).await.unwrap();
        assert!(v.points.is_empty());
        let mut public: Vec<i64> = v.public_points.iter().map(|p| p.id).collect();
        public.sort_unstable();
        assert_eq!(public, [point, other_point]);
        assert_eq!(
            w.cards.visible_points(&clerk).await.unwrap_err().code,
            "role"
        );

        // A public organisation is refused before the point is looked up.
        for id in [point, 987_654] {
            let e = w
                .cards
                .give_power_of_attorney(&other, id, now)
                .await
                .unwrap_err();
            assert_eq!(e.code, "poa.grantor_not_private", "{id}");
        }
        let e = w
            .cards
            .give_power_of_attorney(&private, 987_654, now)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);

        // The powers of attorney given: the grantor's only.
        let poa = w
            .cards
            .give_power_of_attorney(&private, point, now)
            .await
            .unwrap();
        let given = w.cards.powers_of_attorney_given(&private).await.unwrap();
        assert_eq!(given.iter().map(|x| x.id).collect::<Vec<_>>(), [poa.id]);
        assert!(
            w.cards
                .powers_of_attorney_given(&admin)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            w.cards
                .powers_of_attorney_given(&clerk)
                .await
                .unwrap_err()
                .code,
            "role"
        );

        // The training certificate: the officer and the point's admin.
        let reg = w
            .cards
            .apply_for_registrar(&admin, point, clerk_id, "koulutus.pdf", PDF, now)
            .await
            .unwrap();
        for p in [&officer_p, &admin] {
            let (row, pdf) = w.cards.registrar_training(p, reg.id).await.unwrap();
            assert_eq!((row.id, pdf.as_slice()), (reg.id, PDF));
        }
        let e = w
            .cards
            .registrar_training(&other, reg.id)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "another organisation's");
        let e = w
            .cards
            .registrar_training(&clerk, reg.id)
            .await
            .unwrap_err();
        assert_eq!(e.code, "role");

        // The officer approves once; nobody else.
        let e = w
            .cards
            .approve_registrar_as(&admin, reg.id, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "officer_only");
        let row = w
            .cards
            .approve_registrar_as(&officer_p, reg.id, now)
            .await
            .unwrap();
        assert_eq!(row.state, "approved");
        let e = w
            .cards
            .approve_registrar_as(&officer_p, reg.id, now)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "registrar.already_approved")
        );
        let e = w
            .cards
            .approve_registrar_as(&officer_p, 987_654, now)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
    }
}

//! The registrar's view (issue 5, point 3; R-REG-POINT, R-ORDER) on real
//! databases (SQLite and, with CAREPKI_TEST_PG_URL, PostgreSQL): the points
//! where a user is a registrar, whether he may order there, and the point's
//! orders for its approved registrars, without the identity document's
//! number.
#![allow(clippy::unwrap_used)]

mod support;

use carepki_ca::authority::now_unix;
use carepki_ra::cards::{OrderInput, registrar_user};
use carepki_ra::eservice::ErrorKind;
use support::*;

#[tokio::test]
async fn a_registrar_sees_his_points_and_their_orders() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let now = now_unix();
        import_professionals(&w.store).await;
        let (point, [r1, r2]) = point_with_registrars(&w).await;
        let stranger = user(&w.store, "Muukalainen").await;
        assert!(w.cards.registrar_points(stranger).await.unwrap().is_empty());

        // A pending registrar at the point, and a power of attorney from a
        // private organisation: its grantor is one of the organisations.
        let pending = user(&w.store, "Odottaja").await;
        w.cards
            .add_registrar(&officer(), point, pending, "k.pdf", PDF, now)
            .await
            .unwrap();
        w.cards
            .grant_poa(&officer(), PRIVATE, point, now)
            .await
            .unwrap();
        let mine = w.cards.registrar_points(r1).await.unwrap();
        assert_eq!(mine.len(), 1, "{backend}");
        assert_eq!(mine[0].point_id, point);
        assert_eq!(mine[0].registrar_state, "approved");
        assert_eq!(mine[0].approved_registrars, 2);
        assert!(mine[0].may_order && mine[0].you_may_order);
        assert_eq!(mine[0].organisations, [ORG, PRIVATE]);
        let theirs = w.cards.registrar_points(pending).await.unwrap();
        assert_eq!(theirs[0].registrar_state, "pending");
        assert!(theirs[0].may_order && !theirs[0].you_may_order);

        // Orders: listed newest first, without the document's number.
        w.cards
            .order(r1, point, &professional_order(PRESCRIBER), now)
            .await
            .unwrap();
        let test = OrderInput {
            kind: "test".into(),
            count: Some(2),
            ..OrderInput::default()
        };
        w.cards.order(r2, point, &test, now).await.unwrap();
        let list = w.cards.point_orders(r2, point).await.unwrap();
        assert_eq!(list.len(), 3, "{backend}");
        assert_eq!(list[0].kind, "test");
        assert!(list[0].identity_document_type.is_none());
        let prof = &list[2];
        assert_eq!(prof.kind, "professional");
        assert!(prof.prescriber, "R-SV");
        assert_eq!(prof.ordered_by, format!("user:{r1}"));
        assert_eq!(prof.identity_document_type.as_deref(), Some("passport"));
        assert_eq!(prof.identity_issuing_country.as_deref(), Some("FI"));
        assert!(!format!("{list:?}").contains("XP1234567"));

        // Only the point's approved registrars list them.
        let e = w.cards.point_orders(pending, point).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Forbidden, "registrar.not_approved")
        );
        let e = w.cards.point_orders(stranger, point).await.unwrap_err();
        assert_eq!(e.code, "registrar.not_of_point");
        let e = w.cards.point_orders(r1, 987_654).await.unwrap_err();
        assert_eq!(e.code, "registrar.not_of_point");

        // A principal without a person (an API token) is no registrar.
        let token = carepki_ra::eservice::Principal {
            actor: "api-token:1".into(),
            user: None,
            org: None,
            officer: false,
            auditor: false,
        };
        assert_eq!(
            registrar_user(&token).unwrap_err().code,
            "registrar.user_only"
        );
    }
}

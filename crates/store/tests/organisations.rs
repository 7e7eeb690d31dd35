//! Importing the eligible organisations.

mod common;

use carepki_store::StoreError;
use carepki_store::testing::test_stores;
use common::*;

#[tokio::test]
async fn import_counts_inserts_updates_and_unchanged() {
    for (backend, store, _guard) in test_stores().await {
        let a = org("1.2.246.10.1");
        let b = org("1.2.246.10.2");
        let summary = store
            .import_organisations(&[a.clone(), b.clone()], ACTOR, T0)
            .await
            .unwrap();
        assert_eq!(
            (summary.inserted, summary.updated, summary.unchanged),
            (2, 0, 0),
            "{backend}"
        );

        let mut b2 = b.clone();
        b2.name_en = "Renamed".to_owned();
        b2.sector = "private".to_owned();
        let c = org("1.2.246.10.3");
        let summary = store
            .import_organisations(&[a.clone(), b2.clone(), c.clone()], ACTOR, T0 + 10)
            .await
            .unwrap();
        assert_eq!(
            (summary.inserted, summary.updated, summary.unchanged),
            (1, 1, 1),
            "{backend}"
        );

        let orgs = store.organisations().await.unwrap();
        let oids: Vec<_> = orgs.iter().map(|o| o.oid.as_str()).collect();
        assert_eq!(
            oids,
            ["1.2.246.10.1", "1.2.246.10.2", "1.2.246.10.3"],
            "{backend}"
        );
        let got_a = &orgs[0];
        assert_eq!((got_a.created_at, got_a.updated_at), (T0, T0), "{backend}");
        let got_b = &orgs[1];
        assert_eq!(got_b.name_en, "Renamed");
        assert_eq!(got_b.sector, "private");
        // created_at is kept on update.
        assert_eq!(
            (got_b.created_at, got_b.updated_at),
            (T0, T0 + 10),
            "{backend}"
        );
        assert_eq!((orgs[2].created_at, orgs[2].updated_at), (T0 + 10, T0 + 10));

        let events = store.audit_events(None).await.unwrap();
        let actions: Vec<_> = events
            .iter()
            .map(|e| (e.action.as_str(), e.org_oid.as_deref().unwrap()))
            .collect();
        assert_eq!(
            actions,
            [
                ("org.import.insert", "1.2.246.10.1"),
                ("org.import.insert", "1.2.246.10.2"),
                ("org.import.update", "1.2.246.10.2"),
                ("org.import.insert", "1.2.246.10.3"),
            ],
            "{backend}"
        );
        // The details are the new record.
        assert_eq!(events[2].details["name_en"], "Renamed");
        assert_eq!(events[2].details["created_at"], T0);
        assert_eq!(events[2].details["updated_at"], T0 + 10);
        assert_eq!(events[2].actor, ACTOR);
        assert_eq!(events[2].at, T0 + 10);
    }
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    for (backend, store, _guard) in test_stores().await {
        store
            .import_organisations(&[org("1.2.246.10.1")], ACTOR, T0)
            .await
            .unwrap();
        let mut changed = org("1.2.246.10.1");
        changed.name_fi = "Muutettu".to_owned();
        let mut bad = org("1.2.246.10.9");
        bad.sector = "x".to_owned(); // violates the CHECK
        let err = store
            .import_organisations(&[changed, org("1.2.246.10.2"), bad], ACTOR, T0 + 5)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Constraint { .. }),
            "{backend}: {err}"
        );

        let orgs = store.organisations().await.unwrap();
        assert_eq!(orgs.len(), 1, "{backend}");
        assert_eq!(orgs[0].name_fi, org("1.2.246.10.1").name_fi, "{backend}");
        assert_eq!(
            store.audit_events(None).await.unwrap().len(),
            1,
            "{backend}"
        );

        // The store is still usable afterwards.
        let summary = store
            .import_organisations(&[org("1.2.246.10.2")], ACTOR, T0 + 6)
            .await
            .unwrap();
        assert_eq!(summary.inserted, 1, "{backend}");
    }
}

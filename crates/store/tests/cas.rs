//! Recording the CA hierarchies.

mod common;

use carepki_store::StoreError;
use carepki_store::testing::test_stores;
use common::*;

#[tokio::test]
async fn cas_are_inserted_and_ordered() {
    for (backend, store, _guard) in test_stores().await {
        let mut cas = hierarchy();
        cas.push(ca("test-issuing-b", "test", "issuing", Some("test-root")));
        cas.push(ca("a-test-issuing", "test", "issuing", Some("test-root")));
        cas.push(ca("prod-policy", "production", "policy", Some("prod-root")));
        cas.push(ca(
            "prod-issuing-2",
            "production",
            "issuing",
            Some("prod-policy"),
        ));
        // Children come before their parents in the slice: the store copes.
        store.insert_cas(&cas, ACTOR, T0).await.unwrap();

        let ids: Vec<_> = store
            .cas()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(
            ids,
            [
                "prod-root",
                "prod-issuing",
                "prod-policy",
                "prod-issuing-2",
                "test-root",
                "a-test-issuing",
                "test-issuing-b",
            ],
            "{backend}"
        );

        let events = store.audit_events(None).await.unwrap();
        assert_eq!(events.len(), cas.len(), "{backend}");
        assert!(events.iter().all(|e| e.action == "ca.create"), "{backend}");
        let root = events
            .iter()
            .find(|e| e.ca_id.as_deref() == Some("prod-root"))
            .unwrap();
        assert_eq!(root.details["hierarchy"], "production");
    }
}

#[tokio::test]
async fn ca_insert_is_all_or_nothing() {
    for (backend, store, _guard) in test_stores().await {
        let mut cas = hierarchy();
        cas.push(ca("orphan", "test", "issuing", Some("no-such-parent")));
        let err = store.insert_cas(&cas, ACTOR, T0).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::NotFound { what: "CA", key } if key == "no-such-parent"),
            "{backend}: {err}"
        );
        assert!(store.cas().await.unwrap().is_empty(), "{backend}");
        assert!(
            store.audit_events(None).await.unwrap().is_empty(),
            "{backend}"
        );

        store.insert_cas(&hierarchy(), ACTOR, T0).await.unwrap();
        // The same CA twice is refused.
        let err = store
            .insert_cas(&[ca("test-root", "test", "root", None)], ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Constraint { .. }),
            "{backend}: {err}"
        );
        // An unknown hierarchy violates the CHECK.
        let err = store
            .insert_cas(&[ca("x", "staging", "root", None)], ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Constraint { .. }),
            "{backend}: {err}"
        );
        assert_eq!(store.cas().await.unwrap().len(), 3, "{backend}");
    }
}

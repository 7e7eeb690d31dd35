//! A public key belongs to one organisation and is never certified again after a
//! revocation: `store_issuance_record` refuses otherwise, inside the writer's
//! transaction, so concurrent requests cannot both pass (on the grouped fast path and
//! on the job-by-job path alike).

mod common;

use carepki_store::StoreError;
use carepki_store::testing::test_stores;
use common::{ACTOR, T0, issue, org, record, seed};

const A: &str = "1.2.246.10.1";
const B: &str = "1.2.246.10.2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_one_organisation_and_never_after_revocation() {
    for (backend, store, guard) in test_stores().await {
        seed(&store).await;
        store
            .import_organisations(&[org(B)], ACTOR, T0)
            .await
            .unwrap();

        // Two organisations race for key 7 in one batch: exactly one wins.
        for serial in ["a1", "b1"] {
            store
                .reserve_serial(serial, "prod-issuing", ACTOR, T0)
                .await
                .unwrap();
        }
        let race: Vec<_> = [("a1", A), ("b1", B)]
            .into_iter()
            .map(|(serial, oid)| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .store_issuance_record(&record(serial, Some(oid), 7), ACTOR, T0)
                        .await
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for call in race {
            outcomes.push(call.await.unwrap());
        }
        let wins = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(wins, 1, "{backend}: {outcomes:?}");
        assert!(
            outcomes
                .iter()
                .any(|o| matches!(o, Err(StoreError::KeyInUse { revoked: false, .. }))),
            "{backend}: {outcomes:?}"
        );
        let (winner, owner) = if outcomes[0].is_ok() {
            ("a1", A)
        } else {
            ("b1", B)
        };
        store
            .store_certificate(winner, b"der", ACTOR, T0)
            .await
            .unwrap();

        // The same organisation may certify the key again (a renewal).
        issue(&store, "e1", Some(owner), 7, T0 + 1).await;

        // After a revocation, nobody may.
        store
            .record_revocation("e1", "keyCompromise", None, ACTOR, T0 + 2)
            .await
            .unwrap();
        store
            .reserve_serial("e2", "prod-issuing", ACTOR, T0 + 3)
            .await
            .unwrap();
        let again = store
            .store_issuance_record(&record("e2", Some(owner), 7), ACTOR, T0 + 3)
            .await;
        assert!(
            matches!(&again, Err(StoreError::KeyInUse { serial, revoked: true }) if serial == "e1"),
            "{backend}: {again:?}"
        );
        // The refused serial is still only reserved: the CA abandons it.
        store
            .abandon_serial("e2", "key in use", ACTOR, T0 + 3)
            .await
            .unwrap();
        assert_eq!(store.count_certificates().await.unwrap(), 2, "{backend}");
        store.close().await;
        drop(guard);
    }
}

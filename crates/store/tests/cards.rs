//! A card's two certificates go through each issuance step together: both or
//! neither (R-CARD-CERTS). A card's keys are certified once, for one card; and a key
//! on a card is never certified for anything else, on the grouped fast path and on
//! the job-by-job path alike.
#![allow(clippy::unwrap_used)]

mod common;

use carepki_store::testing::test_stores;
use carepki_store::{IssuanceRecord, Store, StoreError};
use common::{ACTOR, T0, der_for, issue, record, seed};

const ORG: &str = "1.2.246.10.1";

fn card_record(serial: &str, key: u64, role: &str) -> IssuanceRecord {
    IssuanceRecord {
        profile: format!("card-professional-{role}"),
        subject: format!("C=FI, CN=Virtanen Maija {serial}"),
        ..record(serial, None, key)
    }
}

async fn statuses(store: &Store, card: &str) -> Vec<(String, String)> {
    store
        .card_certificates(card)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.serial, c.status))
        .collect()
}

async fn serial_state(store: &Store, serial: &str) -> String {
    let events = store.audit_events(Some(serial)).await.unwrap();
    events.last().map(|e| e.action.clone()).unwrap_or_default()
}

/// Runs the three steps for a card with keys `keys`, serials `<card>a`, `<card>b`.
async fn issue_card(store: &Store, card: &str, keys: [u64; 2]) -> Result<(), StoreError> {
    issue_card_as(store, card, card, keys).await
}

/// [`issue_card`] with serials `<prefix>a`, `<prefix>b`.
async fn issue_card_as(
    store: &Store,
    card: &str,
    prefix: &str,
    keys: [u64; 2],
) -> Result<(), StoreError> {
    let (a, s) = (format!("{prefix}a"), format!("{prefix}b"));
    store
        .reserve_card_serials(
            card,
            &[(&a, "prod-issuing"), (&s, "prod-issuing")],
            ACTOR,
            T0,
        )
        .await?;
    let records = [
        card_record(&a, keys[0], "authentication"),
        card_record(&s, keys[1], "signature"),
    ];
    if let Err(e) = store.store_card_records(card, &records, ACTOR, T0).await {
        store
            .abandon_card_serials(card, &[&a, &s], &e.to_string(), ACTOR, T0)
            .await
            .unwrap();
        return Err(e);
    }
    store
        .store_card_certificates(card, &[(&a, &der_for(&a)), (&s, &der_for(&s))], ACTOR, T0)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_is_issued_whole_or_not_at_all() {
    for (backend, store, guard) in test_stores().await {
        seed(&store).await;

        issue_card(&store, "c1", [100, 101]).await.unwrap();
        assert_eq!(
            statuses(&store, "c1").await,
            [
                ("c1a".into(), "valid".into()),
                ("c1b".into(), "valid".into())
            ],
            "{backend}"
        );
        // Every event of the card names it.
        for serial in ["c1a", "c1b"] {
            let events = store.audit_events(Some(serial)).await.unwrap();
            let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
            assert_eq!(
                actions,
                [
                    "serial.reserve",
                    "certificate.lint_pass",
                    "certificate.issue"
                ],
                "{backend}"
            );
            assert!(
                events.iter().all(|e| e.details["card_id"] == "c1"),
                "{backend}"
            );
        }

        // A card holds one pair: the id cannot be used again.
        let again = issue_card_as(&store, "c1", "c7", [102, 103]).await;
        assert!(
            matches!(&again, Err(StoreError::CardExists { card_id }) if card_id == "c1"),
            "{backend}: {again:?}"
        );

        // The second record's key is on another card: neither record is stored,
        // and both serials are abandoned by the caller.
        let reused = issue_card(&store, "c2", [200, 101]).await;
        assert!(
            matches!(&reused, Err(StoreError::CardKeyInUse { serial }) if serial == "c1b"),
            "{backend}: {reused:?}"
        );
        assert_eq!(
            statuses(&store, "c2").await,
            Vec::<(String, String)>::new(),
            "{backend}"
        );
        for serial in ["c2a", "c2b"] {
            assert_eq!(
                serial_state(&store, serial).await,
                "serial.abandon",
                "{backend}"
            );
            let row = store.certificate(serial).await.unwrap();
            assert!(row.is_none(), "{backend}: no record of {serial}");
        }

        // One key for both roles.
        let same = issue_card(&store, "c3", [300, 300]).await;
        assert!(
            matches!(
                &same,
                Err(StoreError::InvalidInput {
                    field: "spki_sha256",
                    ..
                })
            ),
            "{backend}: {same:?}"
        );

        // A key of a revoked service certificate.
        issue(&store, "e1", Some(ORG), 400, T0).await;
        store
            .record_revocation("e1", "keyCompromise", None, ACTOR, T0 + 1)
            .await
            .unwrap();
        let revoked = issue_card(&store, "c4", [401, 400]).await;
        assert!(
            matches!(&revoked, Err(StoreError::KeyInUse { serial, revoked: true }) if serial == "e1"),
            "{backend}: {revoked:?}"
        );
        // A key of a valid service certificate, even of the same organisation.
        issue(&store, "e2", Some(ORG), 500, T0).await;
        let service = issue_card(&store, "c5", [500, 501]).await;
        assert!(
            matches!(&service, Err(StoreError::CardKeyInUse { serial }) if serial == "e2"),
            "{backend}: {service:?}"
        );

        // The other way round: a card's key is never certified for anything else,
        // one job alone (job-by-job path) ...
        store
            .reserve_serial("e3", "prod-issuing", ACTOR, T0)
            .await
            .unwrap();
        let onto = store
            .store_issuance_record(&record("e3", Some(ORG), 100), ACTOR, T0)
            .await;
        assert!(
            matches!(&onto, Err(StoreError::CardKeyInUse { serial }) if serial == "c1a"),
            "{backend}: {onto:?}"
        );
        // ... or many in one batch (grouped fast path).
        let serials: Vec<String> = (0..16).map(|i| format!("f{i:02}")).collect();
        for s in &serials {
            store
                .reserve_serial(s, "prod-issuing", ACTOR, T0)
                .await
                .unwrap();
        }
        let calls: Vec<_> = serials
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let store = store.clone();
                // f00 takes the card's signature key; the others fresh keys.
                let key = if i == 0 { 101 } else { 1000 + i as u64 };
                let rec = record(s, Some(ORG), key);
                tokio::spawn(async move { store.store_issuance_record(&rec, ACTOR, T0).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for c in calls {
            outcomes.push(c.await.unwrap());
        }
        assert!(
            matches!(&outcomes[0], Err(StoreError::CardKeyInUse { serial }) if serial == "c1b"),
            "{backend}: {:?}",
            outcomes[0]
        );
        assert!(
            outcomes[1..].iter().all(Result::is_ok),
            "{backend}: {outcomes:?}"
        );

        // Abandoning is all or nothing too, and idempotent for abandoned serials.
        store
            .reserve_card_serials(
                "c6",
                &[("c6a", "prod-issuing"), ("c6b", "prod-issuing")],
                ACTOR,
                T0,
            )
            .await
            .unwrap();
        store
            .abandon_serial("c6a", "recovered", ACTOR, T0)
            .await
            .unwrap();
        store
            .abandon_card_serials("c6", &["c6a", "c6b"], "test", ACTOR, T0)
            .await
            .unwrap();
        assert_eq!(
            serial_state(&store, "c6b").await,
            "serial.abandon",
            "{backend}"
        );
        let bad = store
            .abandon_card_serials("c1", &["c1a"], "test", ACTOR, T0)
            .await;
        assert!(
            matches!(bad, Err(StoreError::SerialState { .. })),
            "{backend}: {bad:?}"
        );
        assert_eq!(statuses(&store, "c1").await.len(), 2, "{backend}");
        assert!(matches!(
            store
                .reserve_card_serials("bad id", &[("d1", "prod-issuing")], ACTOR, T0)
                .await,
            Err(StoreError::InvalidInput {
                field: "card_id",
                ..
            })
        ));

        store.close().await;
        drop(guard);
    }
}

#![allow(clippy::unwrap_used)]
//! Revocations, CRL records, OCSP responders and pre-signed responses
//! (migration 0002), on both backends.

mod common;

use carepki_store::testing::test_stores;
use carepki_store::{CrlRow, OcspResponseRow, ResponderRow, StoreError};
use common::*;
use futures_util::TryStreamExt;

const ORG: &str = "1.2.246.10.1";

fn crl(number: i64, kind: &str, base: Option<i64>, seq: i64) -> CrlRow {
    CrlRow {
        ca_id: "prod-issuing".to_owned(),
        number,
        kind: kind.to_owned(),
        base_number: base,
        revocation_seq: seq,
        this_update: T0,
        next_update: T0 + 86_400,
        entries: 0,
        bytes: 10,
        sha256: "00".repeat(32),
        file: format!("crl/prod-issuing-{number}.crl"),
        created_at: T0 + number,
    }
}

#[tokio::test]
async fn revocations_are_numbered_in_order_and_read_back_by_range() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        for (i, serial) in ["a1", "a2", "a3", "a4"].iter().enumerate() {
            issue(&store, serial, Some(ORG), 10 + i as u64, T0).await;
        }
        assert_eq!(store.max_revocation_seq("prod-issuing").await.unwrap(), 0);
        let r1 = store
            .record_revocation("A2", "keyCompromise", Some(T0 + 5), ACTOR, T0 + 10)
            .await
            .unwrap();
        assert_eq!((r1.serial.as_str(), r1.seq), ("a2", 1), "{backend}");
        assert_eq!(r1.invalidity_date, Some(T0 + 5));
        assert!(!r1.expired);
        let r2 = store
            .record_revocation("a4", "superseded", None, ACTOR, T0 + 20)
            .await
            .unwrap();
        assert_eq!(r2.seq, 2);
        assert_eq!(store.max_revocation_seq("prod-issuing").await.unwrap(), 2);

        let all: Vec<_> = store
            .revoked_entries("prod-issuing", 0, 2, T0)
            .try_collect()
            .await
            .unwrap();
        let serials: Vec<_> = all.iter().map(|e| e.serial.as_str()).collect();
        assert_eq!(serials, ["a2", "a4"], "{backend}");
        assert_eq!(all[0].reason, "keyCompromise");
        assert_eq!(all[0].invalidity_date, Some(T0 + 5));
        assert_eq!(all[1].revoked_at, T0 + 20);
        // A delta after position 1 holds only the second.
        let delta: Vec<_> = store
            .revoked_entries("prod-issuing", 1, 2, T0)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(delta.len(), 1);
        assert_eq!(delta[0].serial, "a4");
        // Expired certificates leave the CRL.
        let later: Vec<_> = store
            .revoked_entries("prod-issuing", 0, 2, T0 + 366 * 86_400)
            .try_collect()
            .await
            .unwrap();
        assert!(later.is_empty(), "{backend}");

        // Already revoked: says since when, changes nothing.
        let err = store
            .record_revocation("a2", "superseded", None, ACTOR, T0 + 30)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::AlreadyRevoked { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("since 2025-06-15T15:06:50Z"), "{msg}");
        assert_eq!(store.max_revocation_seq("prod-issuing").await.unwrap(), 2);

        // An invalidity date in the future is refused before anything is written.
        let err = store
            .record_revocation("a1", "keyCompromise", Some(T0 + 999), ACTOR, T0 + 40)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("future"), "{err}");
        assert_eq!(
            store.certificate("a1").await.unwrap().unwrap().status,
            "valid"
        );

        // An expired certificate may be revoked; the audit says it had expired.
        let r3 = store
            .record_revocation("a3", "cessationOfOperation", None, ACTOR, T0 + 400 * 86_400)
            .await
            .unwrap();
        assert!(r3.expired);
        let ev = store.audit_events(Some("a3")).await.unwrap();
        let last = ev.last().unwrap();
        assert_eq!(last.action, "certificate.revoke");
        assert_eq!(last.details["expired"], true);
        assert_eq!(last.details["seq"], 3);

        let changes = store.status_changes(0, 100).await.unwrap();
        let seen: Vec<_> = changes
            .iter()
            .map(|c| (c.serial.as_str(), c.action.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("a1", "certificate.issue"),
                ("a2", "certificate.issue"),
                ("a3", "certificate.issue"),
                ("a4", "certificate.issue"),
                ("a2", "certificate.revoke"),
                ("a4", "certificate.revoke"),
                ("a3", "certificate.revoke"),
            ],
            "{backend}"
        );
        let after = store.status_changes(changes[4].id, 100).await.unwrap();
        assert_eq!(after.len(), 2);
        assert_eq!(store.status_counts().await.unwrap(), (1, 3));
        let statuses: Vec<_> = store.statuses().try_collect().await.unwrap();
        assert_eq!(statuses.len(), 4);
        assert_eq!(statuses[1].revocation_seq, Some(1));
    }
}

#[tokio::test]
async fn crl_numbers_only_increase() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        assert_eq!(store.next_crl_number("prod-issuing").await.unwrap(), 1);
        store
            .record_crl(&crl(1, "full", None, 0), ACTOR)
            .await
            .unwrap();
        store
            .record_crl(&crl(2, "delta", Some(1), 0), ACTOR)
            .await
            .unwrap();
        assert_eq!(store.next_crl_number("prod-issuing").await.unwrap(), 3);
        let err = store
            .record_crl(&crl(2, "full", None, 0), ACTOR)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { .. }),
            "{backend}: {err}"
        );
        // A delta without a base is refused by the schema.
        let err = store
            .record_crl(&crl(5, "delta", None, 0), ACTOR)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Constraint { .. }),
            "{backend}: {err}"
        );
        let full = store
            .latest_crl("prod-issuing", "full")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(full.number, 1);
        let delta = store
            .latest_crl("prod-issuing", "delta")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(delta.base_number, Some(1));
        assert!(
            store
                .latest_crl("prod-root", "full")
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn ocsp_responses_are_replaced_and_due_ones_found() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        issue(&store, "b1", Some(ORG), 1, T0).await;
        issue(&store, "b2", Some(ORG), 2, T0).await;
        issue(&store, "f0", None, 3, T0).await;
        store
            .record_responder(
                &ResponderRow {
                    serial: "f0".to_owned(),
                    ca_id: "prod-issuing".to_owned(),
                    key_file: "ocsp/f0.key".to_owned(),
                    not_before: T0,
                    not_after: T0 + 7 * 86_400,
                    created_at: T0,
                },
                ACTOR,
            )
            .await
            .unwrap();
        assert_eq!(store.responders("prod-issuing", T0).await.unwrap().len(), 1);
        assert!(
            store
                .responders("prod-issuing", T0 + 8 * 86_400)
                .await
                .unwrap()
                .is_empty()
        );

        let due = store.ocsp_due(T0, 100).await.unwrap();
        assert_eq!(due.len(), 3, "{backend}: none has a response yet");
        let resp = |serial: &str, status: &str, next: i64| OcspResponseRow {
            serial: serial.to_owned(),
            ca_id: "prod-issuing".to_owned(),
            cert_status: status.to_owned(),
            this_update: T0,
            next_update: next,
            responder_serial: "f0".to_owned(),
            der: serial.as_bytes().to_vec(),
        };
        store
            .store_ocsp_responses(vec![
                resp("b1", "good", T0 + 100),
                resp("b2", "good", T0 + 100),
                resp("f0", "good", T0 + 100),
            ])
            .await
            .unwrap();
        assert!(
            store.ocsp_due(T0, 100).await.unwrap().is_empty(),
            "{backend}"
        );
        // Stale ones are due again.
        assert_eq!(store.ocsp_due(T0 + 101, 100).await.unwrap().len(), 3);
        // A revocation makes the stored "good" wrong: due at once.
        store
            .record_revocation("b2", "superseded", None, ACTOR, T0 + 1)
            .await
            .unwrap();
        let due = store.ocsp_due(T0, 100).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].serial, "b2");
        assert_eq!(due[0].status, "revoked");
        store
            .store_ocsp_responses(vec![resp("b2", "revoked", T0 + 100)])
            .await
            .unwrap();
        let stored = store.ocsp_response("B2").await.unwrap().unwrap();
        assert_eq!(stored.cert_status, "revoked", "{backend}");
        let all: Vec<_> = store.ocsp_responses().try_collect().await.unwrap();
        assert_eq!(all.len(), 3, "replaced, not added");
        let err = store
            .store_ocsp_responses(vec![resp("b1", "unknown", T0)])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput { .. }));
    }
}

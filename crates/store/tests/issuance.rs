//! The issuance cycle, its state machine and the audit log.

mod common;

use carepki_store::testing::test_stores;
use carepki_store::{CertFilter, KeyUse, NewAuditEvent, StoreError};
use common::*;
use serde_json::json;

const ORG: &str = "1.2.246.10.1";

#[tokio::test]
async fn full_cycle() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        let serial = "7F00AB";
        store
            .reserve_serial(serial, "prod-issuing", ACTOR, T0 + 1)
            .await
            .unwrap();
        assert!(
            store.certificate(serial).await.unwrap().is_none(),
            "{backend}"
        );

        store
            .store_issuance_record(&record(serial, Some(ORG), 42), ACTOR, T0 + 2)
            .await
            .unwrap();
        let pending = store.certificate(serial).await.unwrap().unwrap();
        assert_eq!(pending.status, "pending", "{backend}");
        assert_eq!(pending.der, None);
        assert_eq!(pending.serial, "7f00ab", "stored lower-case");
        assert_eq!(pending.created_at, T0 + 2);
        // Unsigned records are not listed or counted by default.
        assert!(
            store
                .certificates(&CertFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.count_certificates().await.unwrap(), 0);
        let all = CertFilter {
            include_pending: true,
            ..CertFilter::default()
        };
        assert_eq!(
            store.certificates(&all).await.unwrap().len(),
            1,
            "{backend}"
        );

        store
            .store_certificate(serial, &der_for("7f00ab"), ACTOR, T0 + 3)
            .await
            .unwrap();
        let cert = store.certificate("7f00ab").await.unwrap().unwrap();
        assert_eq!(cert.status, "valid", "{backend}");
        assert_eq!(cert.der.as_deref(), Some(der_for("7f00ab").as_slice()));
        assert_eq!(cert.issued_at, Some(T0 + 3));
        assert_eq!(cert.org_oid.as_deref(), Some(ORG));
        assert_eq!(cert.ca_id, "prod-issuing");
        assert_eq!(cert.profile, "tls-server");
        assert_eq!(cert.spki_sha256, spki(42));
        assert_eq!((cert.not_before, cert.not_after), (T0, T0 + 365 * 86_400));
        assert_eq!(cert.revoked_at, None);
        assert_eq!(store.count_certificates().await.unwrap(), 1, "{backend}");
        // Any case finds it.
        assert_eq!(store.certificate("7F00AB").await.unwrap().unwrap(), cert);

        let events = store.audit_events(Some("7F00ab")).await.unwrap();
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
        assert!(events.windows(2).all(|w| w[0].id < w[1].id));
        assert!(events.iter().all(|e| e.serial.as_deref() == Some("7f00ab")));
        assert!(
            events
                .iter()
                .all(|e| e.ca_id.as_deref() == Some("prod-issuing"))
        );
        assert_eq!(events[1].org_oid.as_deref(), Some(ORG));
        assert_eq!(events[2].org_oid.as_deref(), Some(ORG));
        assert_eq!(events[1].details["profile"], "tls-server");
        assert_eq!(
            events.iter().map(|e| e.at).collect::<Vec<_>>(),
            [T0 + 1, T0 + 2, T0 + 3]
        );
    }
}

#[tokio::test]
async fn wrong_transitions_are_rejected() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        store
            .reserve_serial("01", "prod-issuing", ACTOR, T0)
            .await
            .unwrap();

        // Signing before the lint pass.
        let err = store
            .store_certificate("01", b"der", ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::SerialState { serial, expected, found }
                if serial == "01" && expected == "linted" && found == "reserved"),
            "{backend}: {err}"
        );

        // A record for another CA than the reservation.
        let mut other_ca = record("01", None, 1);
        other_ca.ca_id = "test-root".to_owned();
        let err = store
            .store_issuance_record(&other_ca, ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidInput { field: "ca_id", .. }),
            "{backend}: {err}"
        );

        // An unknown organisation: the foreign key rejects it, nothing changes.
        let err = store
            .store_issuance_record(&record("01", Some("1.2.3.4"), 1), ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::NotFound { what: "organisation", key } if key == "1.2.3.4"),
            "{backend}: {err}"
        );

        store
            .store_issuance_record(&record("01", None, 1), ACTOR, T0)
            .await
            .unwrap();
        // A second lint pass.
        let err = store
            .store_issuance_record(&record("01", None, 1), ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::SerialState { .. }),
            "{backend}: {err}"
        );

        store
            .store_certificate("01", b"first", ACTOR, T0)
            .await
            .unwrap();
        // Storing a certificate twice for one serial.
        let err = store
            .store_certificate("01", b"second", ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::SerialState { found, .. } if found == "issued"),
            "{backend}: {err}"
        );
        let certs = store.certificates(&CertFilter::default()).await.unwrap();
        assert_eq!(certs.len(), 1, "{backend}");
        assert_eq!(certs[0].der.as_deref(), Some(&b"first"[..]));

        // Abandoning an issued serial.
        let err = store
            .abandon_serial("01", "oops", ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::SerialState { .. }),
            "{backend}: {err}"
        );

        // Unknown serials.
        let err = store
            .store_issuance_record(&record("99", None, 1), ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { what: "serial", .. }),
            "{backend}: {err}"
        );
        let err = store
            .store_certificate("99", b"x", ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { what: "serial", .. }),
            "{backend}: {err}"
        );
        let err = store
            .abandon_serial("99", "x", ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { what: "serial", .. }),
            "{backend}: {err}"
        );

        // Malformed input never reaches the database.
        let err = store
            .reserve_serial("not-hex", "prod-issuing", ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::InvalidInput {
                    field: "serial",
                    ..
                }
            ),
            "{backend}: {err}"
        );
        let mut bad_key = record("02", None, 1);
        bad_key.spki_sha256 = "abc".to_owned();
        let err = store
            .store_issuance_record(&bad_key, ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidInput { .. }),
            "{backend}: {err}"
        );
        let err = store
            .reserve_serial("02", "prod-issuing", "", T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidInput { field: "actor", .. }),
            "{backend}: {err}"
        );

        // Only the successful steps left audit events.
        let actions: Vec<_> = store
            .audit_events(Some("01"))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "serial.reserve",
                "certificate.lint_pass",
                "certificate.issue"
            ],
            "{backend}"
        );
    }
}

#[tokio::test]
async fn duplicate_serials_are_refused() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        store
            .reserve_serial("abcd", "prod-issuing", ACTOR, T0)
            .await
            .unwrap();
        for dup in ["abcd", "ABCD"] {
            let err = store
                .reserve_serial(dup, "test-root", ACTOR, T0)
                .await
                .unwrap_err();
            assert!(
                matches!(&err, StoreError::DuplicateSerial { serial } if serial == "abcd"),
                "{backend}: {err}"
            );
        }
        // Even after it was abandoned: serials are never reused.
        store
            .abandon_serial("abcd", "test", ACTOR, T0)
            .await
            .unwrap();
        let err = store
            .reserve_serial("abcd", "prod-issuing", ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::DuplicateSerial { .. }),
            "{backend}: {err}"
        );

        let err = store
            .reserve_serial("beef", "no-such-ca", ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::NotFound { what: "CA", key } if key == "no-such-ca"),
            "{backend}: {err}"
        );
        assert_eq!(
            store.audit_events(Some("abcd")).await.unwrap().len(),
            2,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn abandon() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        // Abandoned while reserved.
        store
            .reserve_serial("a1", "prod-issuing", ACTOR, T0)
            .await
            .unwrap();
        store
            .abandon_serial("a1", "signer down", ACTOR, T0 + 1)
            .await
            .unwrap();
        let err = store
            .store_issuance_record(&record("a1", None, 1), ACTOR, T0 + 2)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::SerialState { found, .. } if found == "abandoned"),
            "{backend}: {err}"
        );

        // Abandoned after the lint pass: the pending record is abandoned too.
        store
            .reserve_serial("a2", "prod-issuing", ACTOR, T0)
            .await
            .unwrap();
        store
            .store_issuance_record(&record("a2", Some(ORG), 2), ACTOR, T0)
            .await
            .unwrap();
        store
            .abandon_serial("A2", "lint later failed", ACTOR, T0 + 1)
            .await
            .unwrap();
        let cert = store.certificate("a2").await.unwrap().unwrap();
        assert_eq!(cert.status, "abandoned", "{backend}");
        assert_eq!(cert.der, None);
        let err = store
            .store_certificate("a2", b"x", ACTOR, T0 + 2)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::SerialState { .. }),
            "{backend}: {err}"
        );
        let err = store
            .abandon_serial("a2", "again", ACTOR, T0 + 3)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::SerialState { .. }),
            "{backend}: {err}"
        );

        let events = store.audit_events(Some("a2")).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!(last.action, "serial.abandon", "{backend}");
        assert_eq!(last.details["reason"], "lint later failed");
        assert_eq!(last.details["previous_state"], "linted");
        assert_eq!(last.org_oid.as_deref(), Some(ORG));

        let listed = store
            .certificates(&CertFilter {
                include_pending: true,
                ..CertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "{backend}");
        assert_eq!(store.count_certificates().await.unwrap(), 0);
        assert!(store.key_uses(&spki(2)).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn stale_serials_are_abandoned() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        store
            .reserve_serial("b1", "prod-issuing", ACTOR, T0)
            .await
            .unwrap(); // stale, reserved
        store
            .reserve_serial("b2", "prod-issuing", ACTOR, T0)
            .await
            .unwrap(); // stale, linted
        store
            .store_issuance_record(&record("b2", None, 2), ACTOR, T0 + 500)
            .await
            .unwrap();
        issue(&store, "b3", None, 3, T0).await; // issued: untouched
        store
            .reserve_serial("b4", "prod-issuing", ACTOR, T0 + 100)
            .await
            .unwrap(); // recent

        let n = store
            .abandon_stale_serials(T0 + 100, "recovery", T0 + 1000)
            .await
            .unwrap();
        assert_eq!(n, 2, "{backend}");
        let status = |s: &str| {
            let store = store.clone();
            let s = s.to_owned();
            async move { store.certificate(&s).await.unwrap().map(|c| c.status) }
        };
        assert_eq!(status("b2").await.as_deref(), Some("abandoned"));
        assert_eq!(status("b3").await.as_deref(), Some("valid"));
        // b1 was abandoned (it cannot progress), b4 still can.
        assert!(
            store
                .store_issuance_record(&record("b1", None, 1), ACTOR, T0)
                .await
                .is_err()
        );
        store
            .store_issuance_record(&record("b4", None, 4), ACTOR, T0 + 1001)
            .await
            .unwrap();
        let abandon_events: Vec<_> = store
            .audit_events(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "serial.abandon")
            .map(|e| (e.serial.unwrap(), e.actor))
            .collect();
        assert_eq!(
            abandon_events,
            [
                ("b1".to_owned(), "recovery".to_owned()),
                ("b2".to_owned(), "recovery".to_owned())
            ],
            "{backend}"
        );
        assert_eq!(
            store
                .abandon_stale_serials(T0 + 100, "recovery", T0)
                .await
                .unwrap(),
            0
        );
    }
}

#[tokio::test]
async fn filters_and_key_uses() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        store
            .import_organisations(&[org("1.2.246.10.2")], ACTOR, T0)
            .await
            .unwrap();
        issue(&store, "c3", Some(ORG), 7, T0 + 3).await;
        issue(&store, "c1", Some(ORG), 7, T0 + 1).await;
        issue(&store, "c2", Some("1.2.246.10.2"), 8, T0 + 1).await;
        store
            .reserve_serial("c4", "prod-issuing", ACTOR, T0)
            .await
            .unwrap();
        store
            .store_issuance_record(&record("c4", Some(ORG), 7), ACTOR, T0)
            .await
            .unwrap(); // pending, same key
        store
            .record_revocation("c3", "keyCompromise", None, ACTOR, T0 + 9)
            .await
            .unwrap();

        let serials = |certs: Vec<carepki_store::CertificateRow>| -> Vec<String> {
            certs.into_iter().map(|c| c.serial).collect()
        };
        // Ordered by issued_at, then serial.
        let all = store.certificates(&CertFilter::default()).await.unwrap();
        assert_eq!(serials(all), ["c1", "c2", "c3"], "{backend}");
        let org1 = CertFilter {
            org_oid: Some(ORG.to_owned()),
            ..CertFilter::default()
        };
        assert_eq!(
            serials(store.certificates(&org1).await.unwrap()),
            ["c1", "c3"]
        );
        let org1_pending = CertFilter {
            include_pending: true,
            ..org1.clone()
        };
        assert_eq!(
            serials(store.certificates(&org1_pending).await.unwrap()),
            ["c1", "c3", "c4"],
            "{backend}"
        );
        let by_ca = CertFilter {
            ca_id: Some("prod-issuing".to_owned()),
            ..org1.clone()
        };
        assert_eq!(
            serials(store.certificates(&by_ca).await.unwrap()),
            ["c1", "c3"]
        );
        let other_ca = CertFilter {
            ca_id: Some("test-root".to_owned()),
            ..CertFilter::default()
        };
        assert!(store.certificates(&other_ca).await.unwrap().is_empty());

        let uses = store.key_uses(&spki(7).to_uppercase()).await.unwrap();
        assert_eq!(
            uses,
            [
                KeyUse {
                    serial: "c1".into(),
                    org_oid: Some(ORG.into()),
                    status: "valid".into()
                },
                KeyUse {
                    serial: "c3".into(),
                    org_oid: Some(ORG.into()),
                    status: "revoked".into()
                },
            ],
            "{backend}"
        );
        assert_eq!(store.key_uses(&spki(8)).await.unwrap().len(), 1);
        assert!(store.key_uses(&spki(9)).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn revocation() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        issue(&store, "d1", Some(ORG), 1, T0).await;
        store
            .record_revocation("D1", "keyCompromise", None, "revoker", T0 + 60)
            .await
            .unwrap();
        let cert = store.certificate("d1").await.unwrap().unwrap();
        assert_eq!(cert.status, "revoked", "{backend}");
        assert_eq!(cert.revoked_at, Some(T0 + 60));
        assert_eq!(cert.revocation_reason.as_deref(), Some("keyCompromise"));
        // Still a signed certificate.
        assert_eq!(store.count_certificates().await.unwrap(), 1);

        let err = store
            .record_revocation("d1", "superseded", None, "revoker", T0 + 120)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::AlreadyRevoked { serial, since } if serial == "d1" && *since == T0 + 60),
            "{backend}: {err}"
        );
        let cert = store.certificate("d1").await.unwrap().unwrap();
        assert_eq!(cert.revocation_reason.as_deref(), Some("keyCompromise"));

        let err = store
            .record_revocation("ee", "x", None, ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::NotFound {
                    what: "certificate",
                    ..
                }
            ),
            "{backend}: {err}"
        );

        store
            .reserve_serial("d2", "prod-issuing", ACTOR, T0)
            .await
            .unwrap();
        store
            .store_issuance_record(&record("d2", None, 2), ACTOR, T0)
            .await
            .unwrap();
        let err = store
            .record_revocation("d2", "x", None, ACTOR, T0)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::CertificateState { found, .. } if found == "pending"),
            "{backend}: {err}"
        );

        let events = store.audit_events(Some("d1")).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!(last.action, "certificate.revoke", "{backend}");
        assert_eq!(last.actor, "revoker");
        assert_eq!(last.details["reason"], "keyCompromise");
        assert_eq!(last.details["seq"], 1);
        assert_eq!(events.len(), 4, "{backend}");
    }
}

#[tokio::test]
async fn audit_log_keeps_every_step_in_order() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        store
            .append_audit(&NewAuditEvent {
                at: T0,
                actor: "operator".into(),
                action: "ceremony.note".into(),
                ca_id: Some("prod-root".into()),
                serial: None,
                org_oid: None,
                details: json!({ "note": "keys generated offline", "n": [1, 2] }),
            })
            .await
            .unwrap();
        issue(&store, "e1", Some(ORG), 1, T0 + 1).await;
        store
            .reserve_serial("e2", "prod-issuing", ACTOR, T0 + 2)
            .await
            .unwrap();
        store
            .abandon_serial("e2", "cancelled", ACTOR, T0 + 3)
            .await
            .unwrap();
        store
            .record_revocation("e1", "cessationOfOperation", None, ACTOR, T0 + 4)
            .await
            .unwrap();
        store
            .append_audit(&NewAuditEvent {
                at: T0 + 5,
                actor: "web".into(),
                action: "certificate.download".into(),
                ca_id: None,
                serial: Some("E1".into()),
                org_oid: Some(ORG.into()),
                details: json!({}),
            })
            .await
            .unwrap();

        let events = store.audit_events(None).await.unwrap();
        let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "ca.create",
                "ca.create",
                "ca.create",
                "org.import.insert",
                "ceremony.note",
                "serial.reserve",
                "certificate.lint_pass",
                "certificate.issue",
                "serial.reserve",
                "serial.abandon",
                "certificate.revoke",
                "certificate.download",
            ],
            "{backend}"
        );
        assert!(events.windows(2).all(|w| w[0].id < w[1].id), "{backend}");
        assert_eq!(events[4].details["n"], json!([1, 2]));
        assert_eq!(events[4].ca_id.as_deref(), Some("prod-root"));
        let e1: Vec<_> = store
            .audit_events(Some("e1"))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            e1,
            [
                "serial.reserve",
                "certificate.lint_pass",
                "certificate.issue",
                "certificate.revoke",
                "certificate.download"
            ],
            "{backend}"
        );
    }
}

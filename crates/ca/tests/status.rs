//! The status machinery on real databases (SQLite and PostgreSQL): the OCSP
//! responder (pre-signed and on-demand answers, every refusal of bad input), CRL
//! publication (full and delta, numbers, entries, expiry) and the status audit
//! (R-STATUS-TRUTH), with revocations through the real cycle (R-REVOKE-WHEN).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use carepki_ca::audit::Severity;
use carepki_ca::authority::now_unix;
use carepki_ca::crl::CrlKind;
use carepki_ca::ocsp::{AnswerKind, OcspService};
use carepki_ca::{Authority, CaError, Issued};
use carepki_policy::ProfileId;
use carepki_store::testing::test_stores;
use carepki_x509::RevocationReason;
use carepki_x509::cert::decode_certificate;
use carepki_x509::crl::parse_crl;
use carepki_x509::ocsp::{
    CertStatus, HashAlg, ResponderId, ResponseStatus, cert_id, decode_response, encode_request,
    verify_signature,
};
use common::{authority, issue};

/// The DER CertID of an issued certificate under `hash`.
fn id_of(ca: &Authority, issued: &Issued, hash: HashAlg) -> Vec<u8> {
    let loaded = ca.loaded_ca(&issued.ca).unwrap();
    let cert = decode_certificate(&issued.der).unwrap();
    let serial = cert.tbs_certificate().serial_number().as_bytes().to_vec();
    cert_id(hash, &loaded.subject_der, &loaded.key_bits, &serial).unwrap()
}

/// Decodes a successful answer's single status and checks its signature with
/// the responder certificate it carries, and that certificate's issuer.
fn status_of(ca: &Authority, der: &[u8], issuer: &str) -> CertStatus {
    let decoded = decode_response(der).unwrap();
    assert_eq!(decoded.status, ResponseStatus::Successful);
    let basic = decoded.basic.as_ref().unwrap();
    let responder = decode_certificate(&basic.certs[0]).unwrap();
    let spki = carepki_x509::cert::spki_der(responder.tbs_certificate()).unwrap();
    verify_signature(&decoded, &spki).unwrap();
    let ResponderId::ByKey(hash) = &basic.responder_id else {
        panic!("responder id by name")
    };
    assert_eq!(
        hash,
        &carepki_ca::responder::public_key_sha1(&spki).unwrap()
    );
    // The responder is delegated by the issuing CA itself.
    let ca_subject = &ca.loaded_ca(issuer).unwrap().subject_der;
    assert_eq!(
        &carepki_x509::cert::name_der(responder.tbs_certificate().issuer()).unwrap(),
        ca_subject
    );
    basic.responses[0].status
}

async fn wait_for(ocsp: &OcspService, req: &[u8], want: AnswerKind) {
    for _ in 0..200 {
        ocsp.apply_changes().await.unwrap();
        if ocsp.respond(req, now_unix()).await.kind == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("OCSP never answered {want:?}");
}

#[tokio::test]
async fn ocsp_answers_pre_signed_on_demand_and_refuses_bad_input() {
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let ca = authority(store, dir.path()).await;
        let good = issue(&ca, ProfileId::Server, "good.jarvilaakso-hva.fi").await;
        let bad = issue(&ca, ProfileId::Server, "bad.jarvilaakso-hva.fi").await;
        let ocsp = OcspService::start(Arc::clone(&ca)).await.unwrap();
        let now = now_unix();

        // Pre-signed: SHA-1, no nonce; the stored bytes are what is served.
        let good_req = encode_request(&[&id_of(&ca, &good, HashAlg::Sha1)], None);
        let a = ocsp.respond(&good_req, now).await;
        assert_eq!(a.kind, AnswerKind::Good, "{backend}");
        let cache = a.cache.clone().expect("pre-signed answers are cacheable");
        assert!(cache.next_update > now && cache.this_update <= now);
        assert_eq!(
            status_of(&ca, &a.body, "service-providers"),
            CertStatus::Good
        );
        let stored = ca
            .store()
            .ocsp_response(&good.serial)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.der, a.body.to_vec(), "{backend}: served = stored");

        // Revocation replaces the response.
        let bad_req = encode_request(&[&id_of(&ca, &bad, HashAlg::Sha1)], None);
        ca.revoke(
            &bad.serial,
            RevocationReason::KeyCompromise,
            Some(now - 3600),
            "t",
        )
        .await
        .unwrap();
        wait_for(&ocsp, &bad_req, AnswerKind::Revoked).await;
        let a = ocsp.respond(&bad_req, now_unix()).await;
        let CertStatus::Revoked { at, reason } = status_of(&ca, &a.body, "service-providers")
        else {
            panic!("{backend}: not revoked")
        };
        assert_eq!(reason, Some(RevocationReason::KeyCompromise));
        assert!((at - now).abs() <= 2);
        assert_eq!(
            ca.store()
                .ocsp_response(&bad.serial)
                .await
                .unwrap()
                .unwrap()
                .cert_status,
            "revoked"
        );

        // A nonce is echoed, signed on demand, never cached.
        let with_nonce = encode_request(
            &[&id_of(&ca, &good, HashAlg::Sha1)],
            Some(b"0123456789abcdef"),
        );
        let a = ocsp.respond(&with_nonce, now).await;
        assert_eq!(a.kind, AnswerKind::SignedOnDemand);
        assert!(a.cache.is_none());
        let d = decode_response(&a.body).unwrap();
        assert_eq!(
            d.basic.as_ref().unwrap().nonce.as_deref(),
            Some(&b"0123456789abcdef"[..])
        );
        // SHA-256 CertIDs and two certificates in one request.
        let sha256 = encode_request(&[&id_of(&ca, &bad, HashAlg::Sha256)], None);
        let a = ocsp.respond(&sha256, now).await;
        assert!(matches!(
            status_of(&ca, &a.body, "service-providers"),
            CertStatus::Revoked { .. }
        ));
        let two = encode_request(
            &[
                &id_of(&ca, &good, HashAlg::Sha1),
                &id_of(&ca, &bad, HashAlg::Sha1),
            ],
            None,
        );
        let d = decode_response(&ocsp.respond(&two, now).await.body).unwrap();
        let statuses: Vec<_> = d
            .basic
            .unwrap()
            .responses
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses[0], CertStatus::Good);
        assert!(matches!(statuses[1], CertStatus::Revoked { .. }));

        // A serial the CA never issued: unknown, signed.
        let loaded = ca.loaded_ca("service-providers").unwrap();
        let unknown_id = cert_id(
            HashAlg::Sha1,
            &loaded.subject_der,
            &loaded.key_bits,
            &[0x12, 0x34],
        )
        .unwrap();
        let a = ocsp
            .respond(&encode_request(&[&unknown_id], None), now)
            .await;
        assert_eq!(a.kind, AnswerKind::Unknown, "{backend}");
        assert_eq!(
            status_of(&ca, &a.body, "service-providers"),
            CertStatus::Unknown
        );
        // A certificate of another CA asked under this CA's hashes: unknown, not good.
        let test_ca = ca.loaded_ca("test-service-providers").unwrap();
        let foreign = cert_id(
            HashAlg::Sha1,
            &test_ca.subject_der,
            &test_ca.key_bits,
            decode_certificate(&good.der)
                .unwrap()
                .tbs_certificate()
                .serial_number()
                .as_bytes(),
        )
        .unwrap();
        let a = ocsp.respond(&encode_request(&[&foreign], None), now).await;
        assert_eq!(
            status_of(&ca, &a.body, "test-service-providers"),
            CertStatus::Unknown
        );

        // An issuer we do not serve.
        let stranger = cert_id(HashAlg::Sha1, b"\x30\x00", b"some key", &[1]).unwrap();
        let a = ocsp.respond(&encode_request(&[&stranger], None), now).await;
        assert_eq!(a.kind, AnswerKind::Unauthorized);
        assert_eq!(
            decode_response(&a.body).unwrap().status,
            ResponseStatus::Unauthorized
        );

        // Malformed: empty, garbage, truncated, 1,000 CertIDs, MD5.
        let id = id_of(&ca, &good, HashAlg::Sha1);
        let thousand: Vec<&[u8]> = (0..1000).map(|_| id.as_slice()).collect();
        // A CertID with MD5 (1.2.840.113549.2.5), built by hand.
        let mut md5 = Vec::new();
        let md5_alg = [
            0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00,
        ];
        let mut body = md5_alg.to_vec();
        body.extend([0x04, 0x10]);
        body.extend([0u8; 16]);
        body.extend([0x04, 0x10]);
        body.extend([0u8; 16]);
        body.extend([0x02, 0x01, 0x01]);
        md5.push(0x30);
        md5.push(u8::try_from(body.len()).unwrap());
        md5.extend(body);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("garbage", b"GET / HTTP/1.1\r\n\r\n".to_vec()),
            ("truncated", good_req[..good_req.len() - 3].to_vec()),
            ("1,000 CertIDs", encode_request(&thousand, None)),
            ("MD5", encode_request(&[&md5], None)),
        ];
        for (what, req) in cases {
            let t = std::time::Instant::now();
            let a = ocsp.respond(&req, now).await;
            assert_eq!(a.kind, AnswerKind::Malformed, "{backend}: {what}");
            assert_eq!(
                decode_response(&a.body).unwrap().status,
                ResponseStatus::MalformedRequest,
                "{what}"
            );
            assert!(
                t.elapsed() < std::time::Duration::from_millis(500),
                "{what} was slow"
            );
        }
        // And the responder still answers.
        assert_eq!(ocsp.respond(&good_req, now).await.kind, AnswerKind::Good);
    }
}

#[tokio::test]
async fn crls_full_and_delta_with_increasing_numbers() {
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let ca = authority(store, dir.path()).await;
        let certs = [
            issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await,
            issue(&ca, ProfileId::Server, "b.jarvilaakso-hva.fi").await,
            issue(&ca, ProfileId::SystemSignature, "Potilastietojärjestelmä").await,
        ];
        let now = now_unix();
        ca.revoke(&certs[0].serial, RevocationReason::Superseded, None, "t")
            .await
            .unwrap();
        let full = ca
            .publish_crl("service-providers", CrlKind::Full, now)
            .await
            .unwrap();
        ca.revoke(
            &certs[2].serial,
            RevocationReason::Unspecified,
            Some(now - 10),
            "t",
        )
        .await
        .unwrap();
        let delta = ca
            .publish_crl("service-providers", CrlKind::Delta, now + 1)
            .await
            .unwrap();
        assert!(delta.row.number > full.row.number, "{backend}");
        assert_eq!(delta.row.base_number, Some(full.row.number));

        let ca_key = carepki_x509::PublicKey::from_spki_der(
            &carepki_x509::cert::spki_der(
                decode_certificate(&ca.loaded_ca("service-providers").unwrap().row.cert_der)
                    .unwrap()
                    .tbs_certificate(),
            )
            .unwrap(),
        )
        .unwrap();
        let full_der = std::fs::read(&full.path).unwrap();
        let parsed = parse_crl(&full_der).unwrap();
        parsed.verify_signature(&ca_key).unwrap();
        assert!(!parsed.is_delta());
        assert_eq!(
            parsed.crl_number_u64(),
            Some(u64::try_from(full.row.number).unwrap())
        );
        assert_eq!(
            parsed.freshest_crl.as_deref(),
            Some(ca.ceremony().delta_crl_url("service-providers").as_str())
        );
        let listed: Vec<_> = parsed
            .entries()
            .map(|e| carepki_x509::cert::serial_hex(e.unwrap().serial))
            .collect();
        assert_eq!(listed, [certs[0].serial.clone()], "{backend}");

        let delta_der = std::fs::read(&delta.path).unwrap();
        let parsed = parse_crl(&delta_der).unwrap();
        parsed.verify_signature(&ca_key).unwrap();
        assert_eq!(
            parsed.delta_base_u64(),
            Some(u64::try_from(full.row.number).unwrap())
        );
        let entries: Vec<_> = parsed.entries().map(Result::unwrap).collect();
        assert_eq!(entries.len(), 1, "only the revocation after the base");
        assert_eq!(
            carepki_x509::cert::serial_hex(entries[0].serial),
            certs[2].serial
        );
        assert_eq!(
            entries[0].reason, None,
            "unspecified is written as no reason"
        );
        assert_eq!(entries[0].invalidity_date, Some(now - 10));

        // A CRL after the certificates expired no longer lists them.
        let later = now + 800 * 86_400;
        let expired = ca
            .publish_crl("service-providers", CrlKind::Full, later)
            .await
            .unwrap();
        assert_eq!(expired.row.entries, 0, "{backend}");
        // Numbers keep increasing, and a stale number is refused.
        let mut stale = expired.row.clone();
        stale.number = full.row.number;
        let err = ca.store().record_crl(&stale, "t").await.unwrap_err();
        assert!(err.to_string().contains("only increase"), "{err}");
        // The delta still refers to the older full CRL: the scheduler replaces it
        // (and only it), then publishes nothing while everything is fresh.
        let due = ca
            .publish_due_crls("service-providers", later + 1)
            .await
            .unwrap();
        assert_eq!(due.len(), 1, "{backend}");
        assert_eq!(due[0].row.kind, "delta");
        assert_eq!(due[0].row.base_number, Some(expired.row.number));
        assert!(
            ca.publish_due_crls("service-providers", later + 2)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn the_audit_passes_after_a_mixed_run_and_catches_a_wrong_status() {
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let ca = authority(store, dir.path()).await;
        let mut issued = Vec::new();
        for (i, profile) in [
            ProfileId::Server,
            ProfileId::SystemSignature,
            ProfileId::TestServer,
            ProfileId::Server,
            ProfileId::TestSystemSignature,
            ProfileId::Server,
        ]
        .into_iter()
        .enumerate()
        {
            let cn = if matches!(profile, ProfileId::Server | ProfileId::TestServer) {
                format!("h{i}.jarvilaakso-hva.fi")
            } else {
                format!("Järjestelmä {i}")
            };
            issued.push(issue(&ca, profile, &cn).await);
        }
        for (cert, reason) in [
            (&issued[1], RevocationReason::KeyCompromise),
            (&issued[2], RevocationReason::AffiliationChanged),
            (&issued[5], RevocationReason::CessationOfOperation),
        ] {
            ca.revoke(&cert.serial, reason, None, "t").await.unwrap();
        }
        let ocsp = OcspService::start(Arc::clone(&ca)).await.unwrap();
        ocsp.apply_changes().await.unwrap();
        let now = now_unix();
        for id in ca.cas().keys() {
            ca.publish_due_crls(id, now).await.unwrap();
        }
        let report = ca.audit_status(now, None).await.unwrap();
        assert!(report.passed(), "{backend}: {:#?}", report.findings);
        assert_eq!(report.revoked, 3);
        assert!(report.certificates >= 6);
        assert!(report.crls >= 16, "a full and a delta CRL of every CA");

        // A revoked certificate set back to valid in the database (as a bad edit
        // would): OCSP and the CRLs now report a VALID certificate revoked.
        ca.store()
            .corrupt_status_for_tests(&issued[1].serial, "valid")
            .await
            .unwrap();
        let report = ca.audit_status(now, None).await.unwrap();
        assert!(!report.passed(), "{backend}");
        let sources: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Failure && f.serial == issued[1].serial)
            .map(|f| f.source)
            .collect();
        assert!(sources.contains(&"ocsp"), "{backend}: {sources:?}");
        assert!(
            sources.contains(&"crl") || sources.contains(&"delta-crl"),
            "{backend}: {sources:?}"
        );
        ca.store()
            .corrupt_status_for_tests(&issued[1].serial, "revoked")
            .await
            .unwrap();

        // A search that answers wrongly is caught too.
        let mut search = std::collections::HashMap::new();
        search.insert(issued[0].serial.clone(), "revoked".to_owned());
        let report = ca.audit_status(now, Some(&search)).await.unwrap();
        assert!(report.findings.iter().any(|f| f.source == "search"
            && f.severity == Severity::Failure
            && f.serial == issued[0].serial));
    }
}

#[tokio::test]
async fn revocation_refusals_change_nothing() {
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let ca = authority(store, dir.path()).await;
        let cert = issue(&ca, ProfileId::Server, "x.jarvilaakso-hva.fi").await;
        let events = ca.store().audit_events(None).await.unwrap().len();
        let refuse = |r: Result<_, CaError>| r.unwrap_err().to_string();
        let e = refuse(
            ca.revoke("xyz", RevocationReason::Superseded, None, "t")
                .await,
        );
        assert!(e.contains("hex digits"), "{backend}: {e}");
        let e = refuse(
            ca.revoke("0badc0de", RevocationReason::Superseded, None, "t")
                .await,
        );
        assert!(e.contains("no certificate with serial 0badc0de"), "{e}");
        let e = refuse(
            ca.revoke(
                &cert.serial,
                RevocationReason::Superseded,
                Some(now_unix() + 3600),
                "t",
            )
            .await,
        );
        assert!(e.contains("future"), "{e}");
        assert_eq!(ca.store().audit_events(None).await.unwrap().len(), events);
        assert_eq!(
            ca.store()
                .certificate(&cert.serial)
                .await
                .unwrap()
                .unwrap()
                .status,
            "valid"
        );
        let r = ca
            .revoke(
                &cert.serial.to_uppercase(),
                RevocationReason::KeyCompromise,
                None,
                "t",
            )
            .await
            .unwrap();
        assert!(!r.expired);
        let e = refuse(
            ca.revoke(&cert.serial, RevocationReason::Superseded, None, "t")
                .await,
        );
        assert!(e.contains("already revoked") && e.contains("since"), "{e}");
        // The key of a certificate revoked for keyCompromise is never certified again
        // (same CSR key): covered in issuance.rs; here an expired one may be revoked.
        let old = issue(&ca, ProfileId::Server, "old.jarvilaakso-hva.fi").await;
        ca.store()
            .set_not_after_for_tests(&old.serial, now_unix() - 86_400)
            .await
            .unwrap();
        let r = ca
            .revoke(
                &old.serial,
                RevocationReason::CessationOfOperation,
                None,
                "t",
            )
            .await
            .unwrap();
        assert!(r.expired, "{backend}");
    }
}

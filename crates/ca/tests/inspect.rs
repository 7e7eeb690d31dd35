//! The certificate test service (`Authority::inspect`) on real certificates, CRLs
//! and OCSP responses, on every backend: chain and hierarchy (R-TYPES), validity,
//! key usage, each status source, and R-STATUS-TRUTH (a valid certificate is
//! never reported revoked, whatever a published source says).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use carepki_ca::authority::now_unix;
use carepki_ca::crl::CrlKind;
use carepki_ca::inspect::{
    InspectInput, Inspection, IssuedHere, SourceState, ValidityState, Verdict,
};
use carepki_ca::ocsp::OcspService;
use carepki_ca::{Authority, CaError, Issued};
use carepki_policy::ProfileId;
use carepki_store::OcspResponseRow;
use carepki_x509::RevocationReason;
use carepki_x509::cert::{certificate_pem, decode_certificate};
use carepki_x509::ocsp::{
    CertStatus, HashAlg, SingleResponse, assemble_response, cert_id, encode_response_data,
};

mod common;

use common::{authority, issue};

async fn inspect_pem(ca: &Authority, issued: &Issued, now: i64) -> Inspection {
    ca.inspect(
        InspectInput::Certificate(issued.pem.clone().into_bytes()),
        now,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn every_source_on_every_backend() {
    for (backend, store, _guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store.clone(), tmp.path()).await;
        let a = issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await;
        let b = issue(&ca, ProfileId::Server, "b.jarvilaakso-hva.fi").await;
        let now = now_unix();

        // A fresh server certificate: valid, and nothing is published yet.
        let r = inspect_pem(&ca, &a, now).await;
        assert_eq!(r.verdict, Verdict::Valid, "{backend}: {r:#?}");
        assert!(r.sources_agree);
        let facts = r.certificate.as_ref().unwrap();
        assert_eq!(facts.serial, a.serial);
        assert_eq!(facts.profile.as_deref(), Some("server"));
        assert_eq!(r.chain.issued_here, IssuedHere::Yes);
        assert_eq!(r.chain.issuing_ca.as_deref(), Some("service-providers"));
        assert_eq!(r.chain.hierarchy.as_deref(), Some("production"));
        assert!(r.chain.valid_for_production);
        assert_eq!(r.chain.signature_valid, Some(true));
        let path: Vec<_> = r.chain.path.iter().map(|l| l.ca_id.as_str()).collect();
        assert_eq!(path, ["service-providers", "root"]);
        assert!(
            r.chain
                .path
                .iter()
                .all(|l| l.signature_valid && l.within_validity)
        );
        assert_eq!(r.validity.as_ref().unwrap().state, ValidityState::Valid);
        let usage = r.usage.as_ref().unwrap();
        assert_eq!(
            (usage.purpose.as_str(), usage.purpose_from.as_str()),
            ("server", "profile")
        );
        assert_eq!(usage.fit, Some(true), "{usage:#?}");
        assert!(
            usage
                .fits
                .contains(&"extendedKeyUsage serverAuth".to_owned())
        );
        assert!(
            usage
                .fits
                .contains(&"extendedKeyUsage clientAuth".to_owned())
        );
        assert_eq!(r.revocation.database.state, SourceState::Good);
        for source in [
            &r.revocation.ocsp,
            &r.revocation.crl_full,
            &r.revocation.crl_delta,
        ] {
            assert_eq!(source.state, SourceState::NotPublished, "{backend}");
            assert!(source.detail.contains("published yet"), "{}", source.detail);
            assert_eq!(source.agrees_with_database, None);
        }

        assert!(r.revocation.crl_delta.detail.contains("no delta CRL"));
        assert!(r.revocation.crl_full.detail.contains("no full CRL"));

        // The same by issuer and serial, as people type them.
        let colons = a
            .serial
            .to_uppercase()
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":");
        let by_serial = ca
            .inspect(
                InspectInput::IssuerSerial {
                    issuer: "Service-Providers".into(),
                    serial: colons,
                },
                now,
            )
            .await
            .unwrap();
        assert_eq!(by_serial, r, "{backend}");

        // Revoked, before any CRL: the database says so.
        ca.revoke(&b.serial, RevocationReason::KeyCompromise, None, "test")
            .await
            .unwrap();
        let r = inspect_pem(&ca, &b, now_unix()).await;
        assert_eq!(r.verdict, Verdict::Revoked, "{backend}");
        assert_eq!(r.revocation.database.state, SourceState::Revoked);
        assert_eq!(
            r.revocation.database.reason.as_deref(),
            Some("keyCompromise")
        );
        assert!(r.summary.starts_with("Revoked"), "{}", r.summary);

        // A full CRL lists b and not a; its signature verifies.
        ca.publish_crl("service-providers", CrlKind::Full, now_unix())
            .await
            .unwrap();
        let r = inspect_pem(&ca, &b, now_unix()).await;
        let full = &r.revocation.crl_full;
        assert_eq!(full.state, SourceState::Revoked, "{backend}: {full:#?}");
        assert_eq!(full.signature_valid, Some(true));
        assert_eq!(full.agrees_with_database, Some(true));
        assert_eq!(full.reason.as_deref(), Some("keyCompromise"));
        assert!(r.sources_agree);
        let r = inspect_pem(&ca, &a, now_unix()).await;
        assert_eq!(r.revocation.crl_full.state, SourceState::Good);
        assert_eq!(r.revocation.crl_full.agrees_with_database, Some(true));
        assert_eq!(r.revocation.crl_delta.state, SourceState::NotPublished);

        // a revoked after the full CRL: that CRL is behind, not wrong; the next
        // delta CRL lists it.
        ca.revoke(&a.serial, RevocationReason::Superseded, None, "test")
            .await
            .unwrap();
        let r = inspect_pem(&ca, &a, now_unix()).await;
        assert_eq!(r.verdict, Verdict::Revoked);
        assert_eq!(r.revocation.crl_full.state, SourceState::Good);
        assert_eq!(r.revocation.crl_full.agrees_with_database, None);
        assert!(
            r.revocation.crl_full.detail.contains("next CRL"),
            "{}",
            r.revocation.crl_full.detail
        );
        assert!(r.sources_agree);
        ca.publish_crl("service-providers", CrlKind::Delta, now_unix())
            .await
            .unwrap();
        let r = inspect_pem(&ca, &a, now_unix()).await;
        let delta = &r.revocation.crl_delta;
        assert_eq!(delta.state, SourceState::Revoked, "{backend}: {delta:#?}");
        assert_eq!(delta.agrees_with_database, Some(true));
        assert_eq!(delta.signature_valid, Some(true));
        // b is in the full CRL, outside the delta's range: not a disagreement.
        let r = inspect_pem(&ca, &b, now_unix()).await;
        assert_eq!(r.revocation.crl_delta.state, SourceState::Good);
        assert_eq!(r.revocation.crl_delta.agrees_with_database, None);
        assert!(r.sources_agree);

        // OCSP: pre-signed responses, checked with the delegated responder.
        let c = issue(&ca, ProfileId::Server, "c.jarvilaakso-hva.fi").await;
        let ocsp = OcspService::start(Arc::clone(&ca)).await.unwrap();
        let r = inspect_pem(&ca, &c, now_unix()).await;
        let o = &r.revocation.ocsp;
        assert_eq!(o.state, SourceState::Good, "{backend}: {o:#?}");
        assert_eq!(o.signature_valid, Some(true), "{}", o.detail);
        assert_eq!(o.agrees_with_database, Some(true));
        assert!(o.detail.contains("delegated responder"), "{}", o.detail);
        assert_eq!(r.verdict, Verdict::Valid);
        let r = inspect_pem(&ca, &a, now_unix()).await;
        assert_eq!(r.revocation.ocsp.state, SourceState::Revoked);
        assert_eq!(r.revocation.ocsp.agrees_with_database, Some(true));
        ca.revoke(
            &c.serial,
            RevocationReason::CessationOfOperation,
            None,
            "test",
        )
        .await
        .unwrap();
        ocsp.apply_changes().await.unwrap();
        let r = inspect_pem(&ca, &c, now_unix()).await;
        assert_eq!(r.verdict, Verdict::Revoked);
        assert_eq!(r.revocation.ocsp.state, SourceState::Revoked, "{backend}");
        assert_eq!(
            r.revocation.ocsp.reason.as_deref(),
            Some("cessationOfOperation")
        );

        // Validity at other times.
        let later = now_unix() + 400 * 86_400;
        let d = issue(&ca, ProfileId::Server, "d.jarvilaakso-hva.fi").await;
        let r = inspect_pem(&ca, &d, later).await;
        assert_eq!(r.verdict, Verdict::Expired, "{backend}");
        assert_eq!(r.validity.as_ref().unwrap().state, ValidityState::Expired);
        let r = inspect_pem(&ca, &d, 1_000_000_000).await;
        assert_eq!(r.verdict, Verdict::NotYetValid);
        // A revoked certificate stays revoked after expiry.
        let r = inspect_pem(&ca, &b, later).await;
        assert_eq!(r.verdict, Verdict::Revoked);
    }
}

#[tokio::test]
async fn hierarchies_profiles_and_ca_certificates() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path()).await;
    let now = now_unix();

    // A TEST certificate is valid only in the TEST hierarchy (R-TYPES).
    let t = issue(&ca, ProfileId::TestServer, "t.jarvilaakso-hva.fi").await;
    // Inspected at a time after its issuance (notBefore is the issuance's
    // second, which may be later than `now`).
    let r = inspect_pem(&ca, &t, now_unix()).await;
    assert_eq!(r.verdict, Verdict::Valid);
    assert_eq!(r.chain.hierarchy.as_deref(), Some("test"));
    assert!(!r.chain.valid_for_production);
    assert!(r.summary.contains("TEST"), "{}", r.summary);
    let path: Vec<_> = r.chain.path.iter().map(|l| l.ca_id.as_str()).collect();
    assert_eq!(path, ["test-service-providers", "test-root"]);

    // System signature: digitalSignature + nonRepudiation, no EKU.
    let s = issue(&ca, ProfileId::SystemSignature, "Potilastietojärjestelmä").await;
    let r = inspect_pem(&ca, &s, now_unix()).await;
    let usage = r.usage.unwrap();
    assert_eq!(usage.purpose, "system-signature");
    assert_eq!(usage.fit, Some(true), "{usage:#?}");
    assert_eq!(usage.key_usage, ["digitalSignature", "nonRepudiation"]);
    assert!(usage.extended_key_usage.is_empty());

    // A CA certificate of ours, as DER.
    let root = &ca.cas()["root"];
    let r = ca
        .inspect(InspectInput::Certificate(root.row.cert_der.clone()), now)
        .await
        .unwrap();
    assert_eq!(r.chain.issued_here, IssuedHere::CaCertificate);
    assert_eq!(r.verdict, Verdict::Valid);
    assert_eq!(r.usage.as_ref().unwrap().purpose, "ca");
    assert_eq!(r.usage.as_ref().unwrap().fit, Some(true));
    assert_eq!(r.revocation.database.state, SourceState::NotApplicable);

    // Issuer and serial that name nothing; an issuer that is not ours.
    let r = ca
        .inspect(
            InspectInput::IssuerSerial {
                issuer: "service-providers".into(),
                serial: "7f0102".into(),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::NotIssuedHere);
    assert!(r.certificate.is_none());
    // The TEST certificate's serial under the production CA: not that CA's.
    let r = ca
        .inspect(
            InspectInput::IssuerSerial {
                issuer: "service-providers".into(),
                serial: t.serial.clone(),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::NotIssuedHere);
    let err = ca
        .inspect(
            InspectInput::IssuerSerial {
                issuer: "Some Other CA".into(),
                serial: "01".into(),
            },
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, CaError::InvalidInput(ref m) if m.contains("service-providers")),
        "{err}"
    );
    let err = ca
        .inspect(
            InspectInput::IssuerSerial {
                issuer: "root".into(),
                serial: "xyz".into(),
            },
            now,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("hex digits"), "{err}");
}

#[tokio::test]
async fn forged_foreign_and_malformed_input() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path()).await;
    let a = issue(&ca, ProfileId::Server, "kanta.jarvilaakso-hva.fi").await;
    let now = now_unix();

    // One letter of the subject changed: the signature no longer verifies, and
    // the database holds a different certificate under that serial.
    let mut forged = a.der.clone();
    let at = forged
        .windows(5)
        .position(|w| w == b"kanta")
        .expect("the CN is in the DER");
    forged[at] = b'K';
    decode_certificate(&forged).unwrap();
    let r = ca
        .inspect(InspectInput::Certificate(forged), now)
        .await
        .unwrap();
    assert_eq!(r.verdict, Verdict::InvalidSignature);
    assert_eq!(r.chain.signature_valid, Some(false));
    assert_eq!(r.chain.issued_here, IssuedHere::DifferentCertificate);
    assert!(!r.chain.valid_for_production);
    assert_eq!(r.revocation.database.state, SourceState::NotApplicable);

    // The same names from another installation's CA: not ours.
    let (other_store, _other_guard) = carepki_store::testing::sqlite_store().await;
    let other_tmp = tempfile::tempdir().unwrap();
    let other = authority(other_store, other_tmp.path()).await;
    let foreign = issue(&other, ProfileId::Server, "kanta.jarvilaakso-hva.fi").await;
    let r = inspect_pem(&ca, &foreign, now).await;
    assert_eq!(r.verdict, Verdict::NotIssuedHere);
    assert_eq!(r.chain.issued_here, IssuedHere::UnknownIssuer);
    assert_eq!(r.chain.signature_valid, None);
    // Its usage is still judged, from its extended key usage.
    let usage = r.usage.unwrap();
    assert_eq!(
        (usage.purpose.as_str(), usage.purpose_from.as_str()),
        ("server", "extended_key_usage")
    );

    // Bad input is refused with a message, never a panic.
    let csr = carepki_ca::bench::generate_csrs(1).unwrap().remove(0);
    let truncated = a.der[..a.der.len() / 2].to_vec();
    let two = format!("{}{}", a.pem, certificate_pem(&foreign.der).unwrap());
    for (input, needle) in [
        (Vec::new(), "no certificate"),
        (b"hello world".to_vec(), "not an X.509 certificate"),
        (truncated, "not an X.509 certificate"),
        (csr, "(CSR)"),
    ] {
        let err = ca
            .inspect(InspectInput::Certificate(input), now)
            .await
            .unwrap_err();
        assert!(
            matches!(err, CaError::InvalidInput(ref m) if m.contains(needle)),
            "{needle}: {err}"
        );
    }
    // A PEM chain: the first certificate is inspected.
    let r = ca
        .inspect(InspectInput::Certificate(two.into_bytes()), now)
        .await
        .unwrap();
    assert_eq!(r.certificate.unwrap().serial, a.serial);
}

/// R-STATUS-TRUTH: a published source that calls a valid certificate revoked is
/// reported as disagreeing; the verdict stays what the database says.
#[tokio::test]
async fn a_valid_certificate_is_never_reported_revoked() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store.clone(), tmp.path()).await;
    let a = issue(&ca, ProfileId::Server, "a.jarvilaakso-hva.fi").await;
    let now = now_unix();

    // A correctly signed but wrong OCSP response ("revoked") for a valid certificate.
    let issuer = &ca.cas()["service-providers"];
    let issuer_bits = issuer.key_bits.clone();
    let serial = hex::decode(&a.serial).unwrap();
    let id = cert_id(HashAlg::Sha1, &issuer.subject_der, &issuer_bits, &serial).unwrap();
    let responder = ca
        .current_responder("service-providers", now)
        .await
        .unwrap();
    let tbs = encode_response_data(
        &responder.key_hash,
        now,
        &[SingleResponse {
            cert_id_der: &id,
            status: CertStatus::Revoked {
                at: now,
                reason: Some(RevocationReason::KeyCompromise),
            },
            this_update: now,
            next_update: Some(now + 3600),
        }],
        None,
    )
    .unwrap();
    let signature = responder.signer.sign(&tbs).unwrap();
    let der = assemble_response(
        &tbs,
        responder.signer.signature_algorithm(),
        &signature,
        &[&responder.cert_der],
    )
    .unwrap();
    store
        .store_ocsp_responses(vec![OcspResponseRow {
            serial: a.serial.clone(),
            ca_id: "service-providers".into(),
            cert_status: "revoked".into(),
            this_update: now,
            next_update: now + 3600,
            responder_serial: responder.serial.clone(),
            der,
        }])
        .await
        .unwrap();

    let r = inspect_pem(&ca, &a, now).await;
    assert_eq!(r.verdict, Verdict::Valid, "{r:#?}");
    assert_eq!(r.revocation.database.state, SourceState::Good);
    assert_eq!(r.revocation.ocsp.state, SourceState::Revoked);
    assert_eq!(r.revocation.ocsp.signature_valid, Some(true));
    assert_eq!(r.revocation.ocsp.agrees_with_database, Some(false));
    assert!(
        r.revocation.ocsp.detail.contains("R-STATUS-TRUTH"),
        "{}",
        r.revocation.ocsp.detail
    );
    assert!(!r.sources_agree);
    assert!(r.summary.starts_with("Valid"), "{}", r.summary);
    assert!(r.summary.contains("disagrees"), "{}", r.summary);

    // A response whose responder certificate was tampered with (its signature is
    // the last field) is not trusted.
    let mut rows = Vec::new();
    let mut stored = store.ocsp_response(&a.serial).await.unwrap().unwrap();
    let last = stored.der.len() - 1;
    stored.der[last] ^= 0x01;
    rows.push(stored);
    store.store_ocsp_responses(rows).await.unwrap();
    let r = inspect_pem(&ca, &a, now).await;
    assert_eq!(r.verdict, Verdict::Valid);
    assert_eq!(r.revocation.ocsp.signature_valid, Some(false));
    assert_eq!(r.revocation.ocsp.agrees_with_database, Some(false));
}

/// A DER certificate whose last octet (in its signature) reads as ASCII white
/// space is inspected whole, not cut short (it once was trimmed like PEM text).
#[tokio::test]
async fn der_ending_in_a_white_space_byte_is_read_whole() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path()).await;
    let mut found = None;
    for i in 0..3000 {
        let issued = issue(&ca, ProfileId::Server, &format!("w{i}.jarvilaakso-hva.fi")).await;
        if issued.der.last().is_some_and(|b| b.is_ascii_whitespace()) {
            found = Some(issued);
            break;
        }
    }
    let issued = found.expect("one of 3,000 signatures ends in a white-space byte");
    let report = ca
        .inspect(InspectInput::Certificate(issued.der.clone()), now_unix())
        .await
        .unwrap();
    assert_eq!(report.verdict, Verdict::Valid);
}

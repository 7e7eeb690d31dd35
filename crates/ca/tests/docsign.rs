//! The relying party's check of signed documents (`Authority::verify_document`)
//! with service certificates, on every backend: a system signature certificate
//! signs documents but never prescriptions (R-USE-SYSSIG, R-SV); a server
//! certificate does not sign (no nonRepudiation); a TEST-hierarchy signer only
//! when allowed (R-TYPES); another CA's certificate, a signing time outside the
//! validity or in the future, and a revoked certificate are refused; a valid
//! one is never refused as revoked (R-STATUS-TRUTH). The card certificates are
//! covered on SoftHSM2 in crates/ra/tests/document_signing.rs.
#![allow(clippy::unwrap_used)]

mod common;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use carepki_ca::authority::now_unix;
use carepki_ca::docsign::{DocumentPurpose, DocumentVerdict, VerifyOptions};
use carepki_ca::{Authority, CaError, IssueRequest};
use carepki_policy::ProfileId;
use carepki_x509::cms::{Encapsulation, prepare};
use carepki_x509::csr::build_request;
use carepki_x509::name::{Attr, build_name};
use carepki_x509::{RevocationReason, SignatureAlgorithm};
use common::{ORG, authority};

const CONTENT: &[u8] = b"<ClinicalDocument>hoitokertomus</ClinicalDocument>";

/// A certificate of `profile` for a fresh P-256 key: (key, certificate DER, serial).
async fn issue_with_key(
    ca: &Authority,
    profile: ProfileId,
    cn: &str,
) -> (EcdsaKeyPair, Vec<u8>, String) {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let spki = key.public_key().as_der().unwrap().as_ref().to_vec();
    let rng = SystemRandom::new();
    let csr = build_request(
        &build_name(&[(Attr::CommonName, cn)]).unwrap(),
        &spki,
        SignatureAlgorithm::EcdsaSha256,
        |m| Ok(key.sign(&rng, m).unwrap().as_ref().to_vec()),
    )
    .unwrap();
    let dns_names = if matches!(profile, ProfileId::Server) {
        vec![cn.to_owned()]
    } else {
        vec![]
    };
    let issued = ca
        .issue(&IssueRequest {
            profile,
            org_oid: ORG.into(),
            csr,
            common_name: cn.into(),
            dns_names,
            emails: vec![],
            days: None,
            ca: None,
            actor: "tester".into(),
        })
        .await
        .unwrap();
    (key, issued.der, issued.serial)
}

fn sign(key: &EcdsaKeyPair, cert: &[u8], at: i64) -> Vec<u8> {
    let plan = prepare(
        CONTENT,
        cert,
        SignatureAlgorithm::EcdsaSha256,
        at,
        Encapsulation::Encapsulated,
    )
    .unwrap();
    let sig = key.sign(&SystemRandom::new(), plan.to_be_signed()).unwrap();
    plan.assemble(sig.as_ref()).unwrap()
}

async fn verify(
    ca: &Authority,
    doc: &[u8],
    purpose: DocumentPurpose,
    test: bool,
) -> DocumentVerdict {
    ca.verify_document(
        doc,
        None,
        VerifyOptions {
            purpose,
            allow_test_hierarchy: test,
        },
        now_unix(),
    )
    .await
    .unwrap()
}

fn code(v: &DocumentVerdict) -> &'static str {
    assert!(!v.accepted, "accepted: {v:#?}");
    v.refusal.as_ref().unwrap().code
}

#[tokio::test]
async fn service_certificates_as_document_signers() {
    for (backend, store, _guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store.clone(), tmp.path()).await;
        let now = now_unix();

        // A system signature certificate signs documents (R-USE-SYSSIG) ...
        let (key, cert, serial) =
            issue_with_key(&ca, ProfileId::SystemSignature, "Potilastietojärjestelmä").await;
        let doc = sign(&key, &cert, now_unix());
        let v = verify(&ca, &doc, DocumentPurpose::Document, false).await;
        assert!(v.accepted, "{backend}: {v:#?}");
        let signer = v.signer.as_ref().unwrap();
        assert_eq!(signer.profile.as_deref(), Some("system-signature"));
        assert_eq!(signer.ca.as_deref(), Some("service-providers"));
        assert_eq!(signer.serial, serial);
        assert_eq!(v.checks.len(), 5, "no prescription check for a document");
        // ... but never prescriptions (R-SV).
        let v = verify(&ca, &doc, DocumentPurpose::Prescription, false).await;
        assert_eq!(code(&v), "prescription.not_a_card", "{backend}");
        assert!(v.check("usage").unwrap().passed);
        let e = v.into_result().unwrap_err();
        assert!(
            matches!(
                e,
                CaError::DocumentRefused {
                    code: "prescription.not_a_card",
                    ..
                }
            ),
            "{e}"
        );

        // A server certificate has no nonRepudiation: it does not sign documents.
        let (skey, scert, _) =
            issue_with_key(&ca, ProfileId::Server, "palvelu.jarvilaakso-hva.fi").await;
        let v = verify(
            &ca,
            &sign(&skey, &scert, now_unix()),
            DocumentPurpose::Document,
            false,
        )
        .await;
        assert_eq!(code(&v), "certificate.not_for_signing", "{backend}");
        assert!(v.refusal.unwrap().message.contains("R-USE-SYSSIG"));

        // A TEST-hierarchy system signature: only when allowed (R-TYPES).
        let (tkey, tcert, _) =
            issue_with_key(&ca, ProfileId::TestSystemSignature, "Testijärjestelmä").await;
        let tdoc = sign(&tkey, &tcert, now_unix());
        let v = verify(&ca, &tdoc, DocumentPurpose::Document, false).await;
        assert_eq!(code(&v), "certificate.test_hierarchy", "{backend}");
        let v = verify(&ca, &tdoc, DocumentPurpose::Document, true).await;
        assert!(v.accepted, "{backend}: {v:#?}");

        // A signing time before the certificate's validity, or in the future.
        let v = verify(
            &ca,
            &sign(&key, &cert, now - 86_400),
            DocumentPurpose::Document,
            false,
        )
        .await;
        assert_eq!(code(&v), "certificate.not_valid_at_signing", "{backend}");
        let v = verify(
            &ca,
            &sign(&key, &cert, now + 3_600),
            DocumentPurpose::Document,
            false,
        )
        .await;
        assert_eq!(code(&v), "document.signing_time_in_future", "{backend}");

        // Another CA's certificate (a second installation) is not ours.
        let (other_store, _other_guard) = carepki_store::testing::sqlite_store().await;
        let other_tmp = tempfile::tempdir().unwrap();
        let other = authority(other_store, other_tmp.path()).await;
        let (okey, ocert, _) =
            issue_with_key(&other, ProfileId::SystemSignature, "Vieras järjestelmä").await;
        let odoc = sign(&okey, &ocert, now_unix());
        assert!(
            verify(&other, &odoc, DocumentPurpose::Document, false)
                .await
                .accepted
        );
        let v = verify(&ca, &odoc, DocumentPurpose::Document, false).await;
        assert_eq!(code(&v), "certificate.not_issued_here", "{backend}");

        // Revoked: refused; the other, valid certificate still passes
        // (R-STATUS-TRUTH).
        ca.revoke(&serial, RevocationReason::KeyCompromise, None, "test")
            .await
            .unwrap();
        let v = verify(&ca, &doc, DocumentPurpose::Document, false).await;
        assert_eq!(code(&v), "certificate.revoked", "{backend}");
        assert!(v.check("usage").unwrap().passed);
        let v = verify(&ca, &tdoc, DocumentPurpose::Document, true).await;
        assert!(v.accepted, "{backend}: {v:#?}");

        // Garbage: a verdict with the signature check failed, not an error.
        let v = verify(&ca, b"garbage", DocumentPurpose::Document, false).await;
        assert_eq!(code(&v), "document.malformed");
        assert!(v.signer.is_none());
    }
}

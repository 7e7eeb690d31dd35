//! The issuance cycle end to end on real databases (SQLite and, when
//! CAREPKI_TEST_PG_URL is set, PostgreSQL): ceremony, issue, audit trail, refusals
//! that leave nothing stored.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a failed test

use carepki_ca::authority::now_unix;
use carepki_ca::init::{InitOptions, prepare, run_ceremony};
use carepki_ca::{Authority, CaError, DataDir, IssueRequest};
use carepki_keys::Passphrase;
use carepki_policy::ProfileId;
use carepki_store::{OrganisationRow, Store};
use carepki_x509::KeyAlgorithm;
use carepki_x509::cert::decode_certificate;

const ORG: &str = "1.2.246.10.97835177.10.0";
const OTHER_ORG: &str = "1.2.246.10.98888625.10.0";

fn org(oid: &str, name: &str, domain: &str) -> OrganisationRow {
    OrganisationRow {
        oid: oid.into(),
        name_fi: name.into(),
        name_sv: name.into(),
        name_en: name.into(),
        business_id: "9783517-7".into(),
        sector: "public".into(),
        kanta_intermediary: false,
        domains: vec![domain.into()],
        created_at: 0,
        updated_at: 0,
    }
}

async fn authority(store: Store, dir: &std::path::Path) -> Authority {
    let data = DataDir::new(dir.join("data"));
    let passphrase = Passphrase::new("correct horse battery staple".into()).unwrap();
    let opts = InitOptions {
        ceremony_toml: String::new(),
        algorithm: KeyAlgorithm::EcdsaP384,
        passphrase: Some(passphrase.clone()),
        now: now_unix(),
        actor: "test".into(),
    };
    let (ceremony, passphrase, generated) = prepare(&data, &opts).unwrap();
    assert!(!generated, "a passphrase given is used, not generated");
    let cas = run_ceremony(&data, &store, &ceremony, &passphrase, &opts)
        .await
        .unwrap();
    assert_eq!(cas.len(), 8);
    store
        .import_organisations(
            &[
                org(ORG, "Järvilaakson hyvinvointialue", "jarvilaakso-hva.fi"),
                org(OTHER_ORG, "Hiidenkivi Terveysdata Oy", "hiidenkivi-data.fi"),
            ],
            "test",
            now_unix(),
        )
        .await
        .unwrap();
    Authority::open(data, store, passphrase).await.unwrap()
}

fn csr() -> Vec<u8> {
    carepki_ca::bench::generate_csrs(1).unwrap().remove(0)
}

fn request(profile: ProfileId, org: &str, cn: &str, csr: Vec<u8>) -> IssueRequest {
    IssueRequest {
        profile,
        org_oid: org.into(),
        csr,
        common_name: cn.into(),
        dns_names: vec![],
        emails: vec![],
        days: None,
        ca: None,
        actor: "tester".into(),
    }
}

#[tokio::test]
async fn issuance_cycle_on_every_backend() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store.clone(), tmp.path()).await;

        // A server certificate: stored, valid, audited step by step.
        let issued = ca
            .issue(&request(
                ProfileId::Server,
                ORG,
                "kanta.jarvilaakso-hva.fi",
                csr(),
            ))
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(issued.ca, "service-providers");
        let cert = decode_certificate(&issued.der).unwrap();
        assert_eq!(
            carepki_x509::cert::serial_hex(cert.tbs_certificate().serial_number().as_bytes()),
            issued.serial
        );
        let row = store.certificate(&issued.serial).await.unwrap().unwrap();
        assert_eq!(row.status, "valid", "{backend}");
        assert_eq!(row.der.as_deref(), Some(issued.der.as_slice()));
        let actions: Vec<String> = store
            .audit_events(Some(&issued.serial))
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

        // The test profile goes to the TEST hierarchy (R-TYPES).
        let test = ca
            .issue(&request(
                ProfileId::TestServer,
                ORG,
                "test.jarvilaakso-hva.fi",
                csr(),
            ))
            .await
            .unwrap();
        assert_eq!(test.ca, "test-service-providers");
        assert!(test.issuer.contains("TEST"), "{}", test.issuer);

        // Refusals leave the count as it was.
        let before = store.count_certificates().await.unwrap();
        let mut wrong_ca = request(ProfileId::Server, ORG, "a.jarvilaakso-hva.fi", csr());
        wrong_ca.ca = Some("test-service-providers".into());
        assert!(
            matches!(ca.issue(&wrong_ca).await, Err(CaError::WrongCa(m)) if m.contains("R-TYPES"))
        );
        let unknown = request(
            ProfileId::Server,
            "1.2.246.10.1.10.0",
            "a.example.fi",
            csr(),
        );
        assert!(matches!(
            ca.issue(&unknown).await,
            Err(CaError::UnknownOrganisation(_))
        ));
        let outside = request(ProfileId::Server, ORG, "kanta.example.com", csr());
        assert!(matches!(ca.issue(&outside).await, Err(CaError::Policy(_))));
        let mut too_long = request(ProfileId::SystemSignature, ORG, "Aura", csr());
        too_long.days = Some(731);
        assert!(matches!(ca.issue(&too_long).await, Err(CaError::Policy(_))));
        let refusals: Vec<_> = store
            .audit_events(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "certificate.refuse")
            .collect();
        assert_eq!(refusals.len(), 4, "{backend}: every refusal is audited");
        assert!(
            refusals[3].details["reason"]
                .as_str()
                .unwrap()
                .contains("R-VALIDITY")
        );

        // One key, one organisation; never again after a revocation.
        let shared = csr();
        ca.issue(&request(
            ProfileId::Server,
            ORG,
            "k1.jarvilaakso-hva.fi",
            shared.clone(),
        ))
        .await
        .unwrap();
        let renewal = ca
            .issue(&request(
                ProfileId::Server,
                ORG,
                "k1.jarvilaakso-hva.fi",
                shared.clone(),
            ))
            .await
            .unwrap();
        let other = request(
            ProfileId::Server,
            OTHER_ORG,
            "k1.hiidenkivi-data.fi",
            shared.clone(),
        );
        assert!(
            matches!(ca.issue(&other).await, Err(CaError::KeyReused(m)) if m.contains("another organisation"))
        );
        store
            .record_revocation(&renewal.serial, "keyCompromise", None, "test", now_unix())
            .await
            .unwrap();
        let after_revoke = request(ProfileId::Server, ORG, "k1.jarvilaakso-hva.fi", shared);
        assert!(
            matches!(ca.issue(&after_revoke).await, Err(CaError::KeyReused(m)) if m.contains("revoked"))
        );
        assert_eq!(
            store.count_certificates().await.unwrap(),
            before + 2,
            "{backend}"
        );

        // No serial was left reserved by the refusals: each one stopped before step 4.
        assert_eq!(ca.recover(-1, "test").await.unwrap(), 0, "{backend}");
        store.close().await;
        drop(guard);
    }
}

#[tokio::test]
async fn concurrent_issuance_gives_distinct_serials() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = std::sync::Arc::new(authority(store.clone(), tmp.path()).await);
    let csrs = carepki_ca::bench::generate_csrs(40).unwrap();
    let report = carepki_ca::bench::bench_issue(ca, csrs, ORG, "jarvilaakso-hva.fi", 8)
        .await
        .unwrap();
    assert_eq!(report.certificates, 40);
    let certs = store.certificates(&Default::default()).await.unwrap();
    let mut serials: Vec<_> = certs.iter().map(|c| c.serial.clone()).collect();
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), 40);
    assert!(
        report.commits > 0 && report.commits <= 120,
        "{} commits",
        report.commits
    );
}

#[tokio::test]
async fn a_changed_register_entry_is_never_used_from_the_cache() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store.clone(), tmp.path()).await;
        let first = ca
            .issue(&request(
                ProfileId::Server,
                ORG,
                "a.jarvilaakso-hva.fi",
                csr(),
            ))
            .await
            .unwrap();
        assert!(
            first.subject.contains("O=Järvilaakson hyvinvointialue"),
            "{}",
            first.subject
        );

        // Another process renames the organisation; this authority still has the old
        // record cached, under which the request passes: the store refuses the record
        // built from it, and the cycle runs again from the current one.
        let mut renamed = org(
            ORG,
            "Järvilaakson uusi hyvinvointialue",
            "jarvilaakso-hva.fi",
        );
        renamed.name_sv = "Järvidalens nya välfärdsområde".into();
        store
            .import_organisations(&[renamed.clone()], "test", now_unix())
            .await
            .unwrap();
        let second = ca
            .issue(&request(
                ProfileId::Server,
                ORG,
                "b.jarvilaakso-hva.fi",
                csr(),
            ))
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(
            second
                .subject
                .contains("O=Järvilaakson uusi hyvinvointialue"),
            "{}",
            second.subject
        );
        let abandoned = |store: Store| async move {
            store
                .audit_events(None)
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.action == "serial.abandon")
                .map(|e| e.details.to_string())
                .collect::<Vec<_>>()
        };
        let reasons = abandoned(store.clone()).await;
        assert_eq!(reasons.len(), 1, "{backend}");
        assert!(
            reasons[0].contains("changed in the register"),
            "{backend}: {reasons:?}"
        );

        // The organisation moves to a new domain: the old one is refused although the
        // cache still allows it (R-ELIGIBLE), and the new one is accepted although the
        // cache does not know it yet.
        let moved = org(
            ORG,
            "Järvilaakson uusi hyvinvointialue",
            "jarvilaakso-uusi.fi",
        );
        store
            .import_organisations(&[moved], "test", now_unix())
            .await
            .unwrap();
        let old = request(ProfileId::Server, ORG, "c.jarvilaakso-hva.fi", csr());
        assert!(
            matches!(ca.issue(&old).await, Err(CaError::Policy(_))),
            "{backend}"
        );
        let moved_again = org(
            ORG,
            "Järvilaakson uusi hyvinvointialue",
            "jarvilaakso-uusi2.fi",
        );
        store
            .import_organisations(&[moved_again], "test", now_unix())
            .await
            .unwrap();
        let new = request(ProfileId::Server, ORG, "d.jarvilaakso-uusi2.fi", csr());
        ca.issue(&new)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        store.close().await;
        drop(guard);
    }
}

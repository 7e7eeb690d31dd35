//! Certificate cards end to end on real databases (SQLite and, with
//! CAREPKI_TEST_PG_URL, PostgreSQL): a card's two certificates for every card kind
//! and key type, checked field by field and by `openssl verify` and pkilint's
//! `lint_pkix_cert`; the refusals; and that a card is never left with one
//! certificate (R-CARD-TYPES, R-CARD-CERTS, R-SV).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
};
use carepki_ca::inspect::{InspectInput, Verdict};
use carepki_ca::{CaError, CardIssueRequest, Issued};
use carepki_policy::card::{HolderFacts, TEST_IDENTITIES, add_months, assigned_holder_number};
use carepki_policy::{CardKind, ProfileId};
use carepki_store::{AuditEvent, Store};
use carepki_x509::cert::{decode_certificate, unix_time};
use carepki_x509::ext::Ku;
use carepki_x509::name::{Attr, name_attributes};
use carepki_x509::reexport::der::Tag;
use carepki_x509::reexport::x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, SubjectAltName};
use common::{ORG, authority};

#[derive(Debug, Clone, Copy)]
enum KeyType {
    P256,
    P384,
    Rsa2048,
}

/// A fresh key pair's DER SubjectPublicKeyInfo, as a token would give it.
fn spki(t: KeyType) -> Vec<u8> {
    match t {
        KeyType::P256 => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
            .unwrap()
            .public_key()
            .as_der()
            .unwrap()
            .as_ref()
            .to_vec(),
        KeyType::P384 => EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING)
            .unwrap()
            .public_key()
            .as_der()
            .unwrap()
            .as_ref()
            .to_vec(),
        KeyType::Rsa2048 => RsaKeyPair::generate(KeySize::Rsa2048)
            .unwrap()
            .public_key()
            .as_der()
            .unwrap()
            .as_ref()
            .to_vec(),
    }
}

fn doctor() -> HolderFacts {
    HolderFacts {
        given_name: "Maija Liisa".into(),
        surname: "Virtanen".into(),
        holder_number: "10100012345".into(),
        title: "Lääkäri".into(),
        prescriber: true,
        sv_number: Some("123456".into()),
    }
}

fn secretary() -> HolderFacts {
    HolderFacts {
        given_name: "Anna-Kaisa".into(),
        surname: "Järvinen".into(),
        holder_number: assigned_holder_number(42).unwrap(),
        title: "Osastosihteeri".into(),
        prescriber: false,
        sv_number: None,
    }
}

fn consultant() -> HolderFacts {
    HolderFacts {
        given_name: "Teemu".into(),
        surname: "Korhonen".into(),
        holder_number: assigned_holder_number(77).unwrap(),
        title: "Järjestelmäasiantuntija".into(),
        prescriber: false,
        sv_number: None,
    }
}

fn test_identity(i: usize) -> HolderFacts {
    let t = TEST_IDENTITIES[i];
    HolderFacts {
        given_name: t.given_name.into(),
        surname: t.surname.into(),
        holder_number: t.holder_number.into(),
        title: t.title.into(),
        prescriber: t.sv_number.is_some(),
        sv_number: t.sv_number.map(Into::into),
    }
}

/// A request for `kind` with the holder that kind needs and fresh keys of `key`.
fn request(card_id: &str, kind: CardKind, key: KeyType) -> CardIssueRequest {
    let (holder, org, replaces) = match kind {
        CardKind::Professional => (doctor(), None, None),
        CardKind::Staff => (secretary(), Some(ORG.to_owned()), None),
        CardKind::Actor => (consultant(), Some(ORG.to_owned()), None),
        CardKind::Temporary => (doctor(), None, Some(CardKind::Professional)),
        CardKind::Test => (test_identity(0), None, None),
    };
    CardIssueRequest {
        card_id: card_id.into(),
        kind,
        replaces,
        holder,
        org_oid: org,
        days: None,
        authentication_spki: spki(key),
        signature_spki: spki(key),
        actor: "registrar:test".into(),
    }
}

/// The extension `$t` of a certificate: `Some((critical, value))`.
macro_rules! ext {
    ($t:ty, $cert:expr) => {
        $cert.tbs_certificate().get_extension::<$t>().unwrap()
    };
}

/// Checks the profile of an issued pair field by field.
fn check_pair(kind: CardKind, key: KeyType, auth: &Issued, sign: &Issued) {
    let what = format!("{kind} {key:?}");
    assert_eq!(
        auth.profile,
        format!("card-{kind}-authentication"),
        "{what}"
    );
    assert_eq!(sign.profile, format!("card-{kind}-signature"), "{what}");
    let want_ca = match kind {
        CardKind::Temporary => "temporary",
        CardKind::Test => "test-professionals",
        _ => "professionals",
    };
    for issued in [auth, sign] {
        assert_eq!(issued.ca, want_ca, "{what}");
        let cert = decode_certificate(&issued.der).unwrap();
        let tbs = cert.tbs_certificate();

        // Subject: attributes, order and string types.
        let attrs = name_attributes(tbs.subject());
        let got: Vec<(Attr, String)> = attrs
            .iter()
            .map(|(oid, v, _)| (Attr::from_oid(oid).unwrap(), v.clone()))
            .collect();
        let holder = match kind {
            CardKind::Professional | CardKind::Temporary => doctor(),
            CardKind::Staff => secretary(),
            CardKind::Actor => consultant(),
            CardKind::Test => test_identity(0),
        };
        let mut want = vec![(Attr::Country, "FI".to_owned())];
        if matches!(kind, CardKind::Staff | CardKind::Actor) {
            want.push((Attr::Organization, "Järvilaakson hyvinvointialue".into()));
        }
        want.extend([
            (Attr::Title, holder.title.clone()),
            (Attr::Surname, holder.surname.clone()),
            (Attr::GivenName, holder.given_name.clone()),
            (Attr::SerialNumber, holder.holder_number.clone()),
            (
                Attr::CommonName,
                format!("{} {}", holder.surname, holder.given_name),
            ),
        ]);
        // R-SV: the prescriber's SV number in pseudonym, and only then.
        if let Some(sv) = &holder.sv_number {
            want.push((Attr::Pseudonym, sv.clone()));
        }
        assert_eq!(got, want, "{what}: subject");
        for (oid, _, tag) in &attrs {
            let a = Attr::from_oid(oid).unwrap();
            let t = if matches!(a, Attr::Country | Attr::SerialNumber) {
                Tag::PrintableString
            } else {
                Tag::Utf8String
            };
            assert_eq!(*tag, t, "{what}: {a:?}");
        }

        // Validity: the kind's cap in calendar months, exactly.
        let nb = unix_time(&tbs.validity().not_before);
        let na = unix_time(&tbs.validity().not_after);
        let months = if kind == CardKind::Temporary { 3 } else { 60 };
        assert_eq!(na + 1, add_months(nb, months).unwrap(), "{what}: validity");

        // No SAN; no basicConstraints.
        assert!(ext!(SubjectAltName, cert).is_none(), "{what}");
    }

    let rsa = matches!(key, KeyType::Rsa2048);
    let a = decode_certificate(&auth.der).unwrap();
    let (critical, ku) = ext!(KeyUsage, a).unwrap();
    assert!(critical, "{what}: keyUsage critical");
    let want_ku = if rsa {
        vec![
            Ku::DigitalSignature,
            Ku::KeyEncipherment,
            Ku::DataEncipherment,
        ]
    } else {
        vec![Ku::DigitalSignature]
    };
    assert_eq!(Ku::from_key_usage(&ku), want_ku, "{what}: auth keyUsage");
    let (critical, eku) = ext!(ExtendedKeyUsage, a).unwrap();
    assert!(!critical);
    assert_eq!(eku.0, [const_oid::db::rfc5280::ID_KP_CLIENT_AUTH], "{what}");

    let s = decode_certificate(&sign.der).unwrap();
    let (critical, ku) = ext!(KeyUsage, s).unwrap();
    assert!(critical, "{what}: keyUsage critical");
    assert_eq!(
        Ku::from_key_usage(&ku),
        [Ku::NonRepudiation],
        "{what}: sign keyUsage"
    );
    assert!(ext!(ExtendedKeyUsage, s).is_none(), "{what}: no EKU");
}

fn tool(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let user = std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/bin").join(name));
    on_path
        .into_iter()
        .chain(user)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{name} is neither on PATH nor in ~/.local/bin (pkilint: pip install pkilint)")
        })
}

/// `openssl verify -x509_strict` of `cert` under `root` with the issuing CA.
fn openssl_verify(root: &Path, chain: &Path, cert: &Path, purpose: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new("openssl");
    cmd.args(["verify", "-x509_strict", "-CAfile"])
        .arg(root)
        .arg("-untrusted")
        .arg(chain);
    if let Some(p) = purpose {
        cmd.args(["-purpose", p]);
    }
    let out = cmd.arg(cert).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.success() && text.trim_end().ends_with(": OK"),
        text,
    )
}

/// pkilint's PKIX certificate linter: every finding at WARNING, ERROR or FATAL.
fn pkilint(cert: &Path) -> Vec<String> {
    let out = Command::new(tool("lint_pkix_cert"))
        .arg("lint")
        .arg(cert)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let bad: Vec<String> = stdout
        .lines()
        .chain(stderr.lines())
        .filter(|l| l.contains("ERROR") || l.contains("WARNING") || l.contains("FATAL"))
        .map(str::to_owned)
        .collect();
    // Exit 0: nothing found; exit 1 with findings: linted. Anything else (or exit 1
    // without findings) means it could not read the file.
    let findings = stdout.lines().any(|l| l.contains(" ("));
    assert!(
        out.status.code() == Some(0) || (out.status.code() == Some(1) && findings),
        "lint_pkix_cert could not lint {}: {stdout}{stderr}",
        cert.display()
    );
    bad
}

/// Card events: (action, serial) of every audit event whose details name `card`.
fn card_events(events: &[AuditEvent], card: &str) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|e| e.details["card_id"] == card)
        .map(|e| (e.action.clone(), e.serial.clone().unwrap_or_default()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_and_key_type_passes_openssl_and_pkilint() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store.clone(), tmp.path()).await;
        let dir = tmp.path().join("out");
        std::fs::create_dir(&dir).unwrap();
        let root_pem = |id: &str| {
            let p = dir.join(format!("{id}.pem"));
            std::fs::write(&p, &ca.cas()[id].pem).unwrap();
            p
        };
        let (root, test_root) = (root_pem("root"), root_pem("test-root"));

        let mut files = Vec::new();
        for kind in CardKind::ALL {
            for key in [KeyType::P256, KeyType::P384, KeyType::Rsa2048] {
                let card_id = format!("{kind}-{key:?}");
                let (auth, sign) = ca
                    .issue_card(&request(&card_id, kind, key))
                    .await
                    .unwrap_or_else(|e| panic!("{backend} {card_id}: {e}"));
                check_pair(kind, key, &auth, &sign);

                // Stored: both valid, linked by the card id; audited step by step.
                let rows = store.card_certificates(&card_id).await.unwrap();
                assert_eq!(rows.len(), 2, "{backend} {card_id}");
                assert!(
                    rows.iter().all(|r| r.status == "valid"),
                    "{backend} {card_id}"
                );
                let events = store.audit_events(None).await.unwrap();
                let mut actions: Vec<_> = card_events(&events, &card_id)
                    .into_iter()
                    .map(|(a, _)| a)
                    .collect();
                actions.sort();
                assert_eq!(
                    actions,
                    [
                        "certificate.issue",
                        "certificate.issue",
                        "certificate.lint_pass",
                        "certificate.lint_pass",
                        "serial.reserve",
                        "serial.reserve"
                    ],
                    "{backend} {card_id}"
                );

                // openssl verify, both against the chain (and the test card never
                // under the production root, nor the others under the TEST root).
                let (good_root, wrong_root) = if kind == CardKind::Test {
                    (&test_root, &root)
                } else {
                    (&root, &test_root)
                };
                let chain = dir.join(format!("{card_id}-chain.pem"));
                std::fs::write(&chain, &auth.chain_pem).unwrap();
                for (issued, role, purpose) in [
                    (&auth, "authentication", Some("sslclient")),
                    (&sign, "signature", None),
                ] {
                    let file = dir.join(format!("{card_id}-{role}.pem"));
                    std::fs::write(&file, &issued.pem).unwrap();
                    let (ok, out) = openssl_verify(good_root, &chain, &file, purpose);
                    assert!(ok, "{backend} {card_id} {role}: {out}");
                    let (ok, _) = openssl_verify(wrong_root, &chain, &file, None);
                    assert!(!ok, "{backend} {card_id} {role} under the other root");
                    files.push(file);
                }
            }
        }

        // pkilint (slow to start: once per certificate, in parallel, on one backend).
        if backend == "sqlite" {
            let bad: Vec<(PathBuf, Vec<String>)> = std::thread::scope(|s| {
                let runs: Vec<_> = files
                    .iter()
                    .map(|f| s.spawn(move || (f.clone(), pkilint(f))))
                    .collect();
                runs.into_iter()
                    .map(|r| r.join().unwrap())
                    .filter(|(_, bad)| !bad.is_empty())
                    .collect()
            });
            assert!(bad.is_empty(), "pkilint reports problems: {bad:#?}");
            assert_eq!(files.len(), 30);
        }
        store.close().await;
        drop(guard);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pseudonym_only_for_prescribers_and_caps_by_kind() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store.clone(), tmp.path()).await;
        let pseudonyms = |i: &Issued| {
            let cert = decode_certificate(&i.der).unwrap();
            name_attributes(cert.tbs_certificate().subject())
                .into_iter()
                .filter(|(oid, ..)| Attr::from_oid(oid) == Some(Attr::Pseudonym))
                .map(|(_, v, _)| v)
                .collect::<Vec<_>>()
        };
        // A professional who does not prescribe: no pseudonym.
        let mut nurse = request("nurse", CardKind::Professional, KeyType::P256);
        nurse.holder.prescriber = false;
        nurse.holder.sv_number = None;
        nurse.holder.title = "Sairaanhoitaja".into();
        let (a, s) = ca.issue_card(&nurse).await.unwrap();
        assert!(
            pseudonyms(&a).is_empty() && pseudonyms(&s).is_empty(),
            "{backend}"
        );
        // A test prescriber: the test SV number.
        let mut t = request("test-13", CardKind::Test, KeyType::P256);
        t.holder = test_identity(12);
        let (_, s) = ca.issue_card(&t).await.unwrap();
        assert_eq!(pseudonyms(&s), ["999013"], "{backend}");
        // A shorter validity is fine; a temporary card of 30 days.
        let mut short = request("temp-30", CardKind::Temporary, KeyType::P256);
        short.days = Some(30);
        let (a, _) = ca.issue_card(&short).await.unwrap();
        let cert = decode_certificate(&a.der).unwrap();
        let v = cert.tbs_certificate().validity();
        assert_eq!(
            unix_time(&v.not_after) - unix_time(&v.not_before) + 1,
            30 * 86_400
        );
        // A temporary card standing in for a staff card names the organisation.
        let mut staff_temp = request("temp-staff", CardKind::Temporary, KeyType::P384);
        staff_temp.holder = secretary();
        staff_temp.org_oid = Some(ORG.into());
        staff_temp.replaces = Some(CardKind::Staff);
        let (a, _) = ca.issue_card(&staff_temp).await.unwrap();
        assert!(
            a.subject.contains("O=Järvilaakson hyvinvointialue"),
            "{}",
            a.subject
        );
        assert_eq!(a.ca, "temporary");

        // The certificate test service knows the card profiles: an RSA card's pair
        // is valid and fits its use.
        let (a, s) = ca
            .issue_card(&request("rsa", CardKind::Professional, KeyType::Rsa2048))
            .await
            .unwrap();
        for issued in [&a, &s] {
            let r = ca
                .inspect(
                    InspectInput::Certificate(issued.pem.clone().into_bytes()),
                    common_now(),
                )
                .await
                .unwrap();
            assert_eq!(r.verdict, Verdict::Valid, "{backend}: {r:#?}");
            let usage = r.usage.unwrap();
            assert_eq!(usage.fit, Some(true), "{backend}: {usage:#?}");
        }
        store.close().await;
        drop(guard);
    }
}

/// Serials and certificates of a refused card: nothing stored for it, and every
/// serial it reserved abandoned.
async fn assert_nothing_issued(store: &Store, card: &str, reserved: usize, what: &str) {
    assert!(
        store.card_certificates(card).await.unwrap().is_empty(),
        "{what}: no certificate record"
    );
    let events = store.audit_events(None).await.unwrap();
    let ev = card_events(&events, card);
    let reserves: Vec<_> = ev.iter().filter(|(a, _)| a == "serial.reserve").collect();
    let abandons: Vec<_> = ev.iter().filter(|(a, _)| a == "serial.abandon").collect();
    assert_eq!(reserves.len(), reserved, "{what}: {ev:?}");
    assert_eq!(
        abandons.len(),
        reserved,
        "{what}: both serials abandoned: {ev:?}"
    );
    for (_, serial) in &reserves {
        assert!(store.certificate(serial).await.unwrap().is_none(), "{what}");
    }
    assert!(
        ev.iter().all(
            |(a, _)| ["serial.reserve", "serial.abandon", "certificate.refuse"]
                .contains(&a.as_str())
        ),
        "{what}: {ev:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_is_never_left_with_one_certificate() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store.clone(), tmp.path()).await;

        let first = request("first", CardKind::Professional, KeyType::P256);
        let (_, first_sign) = ca.issue_card(&first).await.unwrap();
        let before = store.count_certificates().await.unwrap();

        // The second certificate's key is on another card: after both serials were
        // reserved, the pair's records are refused together.
        let mut on_card = request("second", CardKind::Professional, KeyType::P256);
        on_card.signature_spki = first.signature_spki.clone();
        let e = ca.issue_card(&on_card).await.unwrap_err();
        assert!(
            matches!(&e, CaError::KeyReused(m) if m.contains("signature key") && m.contains("R-CARD-CERTS") && m.contains(&first_sign.serial)),
            "{backend}: {e}"
        );
        assert_nothing_issued(&store, "second", 2, &format!("{backend} on card")).await;

        // The second certificate's key belongs to a revoked certificate.
        store
            .record_revocation(
                &first_sign.serial,
                "keyCompromise",
                None,
                "test",
                common_now(),
            )
            .await
            .unwrap();
        let mut revoked = request("third", CardKind::Staff, KeyType::P256);
        revoked.signature_spki = first.signature_spki.clone();
        let e = ca.issue_card(&revoked).await.unwrap_err();
        assert!(
            matches!(&e, CaError::KeyReused(m) if m.contains("signature key belongs to revoked certificate")),
            "{backend}: {e}"
        );
        assert_nothing_issued(&store, "third", 2, &format!("{backend} revoked")).await;

        // A key of a service certificate, and the other way round.
        let service = common::issue(&ca, ProfileId::SystemSignature, "Aura").await;
        let service_row = store.certificate(&service.serial).await.unwrap().unwrap();
        let service_cert = decode_certificate(&service.der).unwrap();
        let service_spki = carepki_x509::cert::spki_der(service_cert.tbs_certificate()).unwrap();
        assert_eq!(
            carepki_x509::key::spki_sha256_hex(&service_spki),
            service_row.spki_sha256
        );
        let mut service_key = request("fourth", CardKind::Staff, KeyType::P256);
        service_key.authentication_spki = service_spki;
        let e = ca.issue_card(&service_key).await.unwrap_err();
        assert!(
            matches!(&e, CaError::KeyReused(m) if m.contains("authentication key is already certified")),
            "{backend}: {e}"
        );
        assert_nothing_issued(&store, "fourth", 2, &format!("{backend} service key")).await;

        // A card id gets one pair.
        let again = request("first", CardKind::Professional, KeyType::P256);
        let e = ca.issue_card(&again).await.unwrap_err();
        assert!(
            matches!(&e, CaError::InvalidInput(m) if m.contains("card first already has certificates")),
            "{backend}: {e}"
        );
        assert_eq!(store.card_certificates("first").await.unwrap().len(), 2);

        // Refusals before any serial: the same key twice, a CA's key, a bad key,
        // a bad card id, an unknown organisation.
        let mut same = request("fifth", CardKind::Professional, KeyType::P256);
        same.signature_spki = same.authentication_spki.clone();
        let e = ca.issue_card(&same).await.unwrap_err();
        assert!(
            matches!(&e, CaError::Policy(_)) && e.to_string().contains("same key"),
            "{backend}: {e}"
        );
        let ca_spki = carepki_x509::cert::spki_der(
            decode_certificate(&ca.cas()["professionals"].row.cert_der)
                .unwrap()
                .tbs_certificate(),
        )
        .unwrap();
        let mut ca_key = request("sixth", CardKind::Professional, KeyType::P256);
        ca_key.signature_spki = ca_spki;
        assert!(
            matches!(ca.issue_card(&ca_key).await, Err(CaError::KeyReused(m)) if m.contains("CA's public key")),
            "{backend}"
        );
        let mut garbage = request("seventh", CardKind::Professional, KeyType::P256);
        garbage.signature_spki = vec![0x30, 0x03, 0x02, 0x01, 0x01];
        let e = ca.issue_card(&garbage).await.unwrap_err();
        assert!(
            matches!(&e, CaError::CardKey { .. })
                && e.to_string().starts_with("the card's signature key"),
            "{backend}: {e}"
        );
        let mut bad_id = request("a card", CardKind::Professional, KeyType::P256);
        bad_id.card_id = "kortti #1".into();
        assert!(matches!(
            ca.issue_card(&bad_id).await,
            Err(CaError::InvalidInput(_))
        ));
        let mut unknown = request("eighth", CardKind::Staff, KeyType::P256);
        unknown.org_oid = Some("1.2.246.10.1.10.0".into());
        assert!(matches!(
            ca.issue_card(&unknown).await,
            Err(CaError::UnknownOrganisation(_))
        ));
        for card in ["fifth", "sixth", "seventh", "eighth"] {
            assert_nothing_issued(&store, card, 0, &format!("{backend} {card}")).await;
        }
        let refusals = store
            .audit_events(None)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "certificate.refuse")
            .count();
        assert_eq!(
            refusals, 5,
            "{backend}: every refusal before a serial is audited"
        );

        // Only the first card and the service certificate were issued.
        assert_eq!(
            store.count_certificates().await.unwrap(),
            before + 1,
            "{backend}"
        );
        assert_eq!(
            ca.recover(-1, "test").await.unwrap(),
            0,
            "{backend}: nothing left reserved"
        );
        store.close().await;
        drop(guard);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_sv_the_cycle_refuses_a_prescribers_card_without_it() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let tmp = tempfile::tempdir().unwrap();
        let ca = authority(store.clone(), tmp.path()).await;
        let mut r = request("no-sv", CardKind::Professional, KeyType::P256);
        r.holder.sv_number = None;
        let e = ca.issue_card(&r).await.unwrap_err();
        assert!(
            matches!(&e, CaError::Policy(_)) && e.to_string().contains("R-SV"),
            "{backend}: {e}"
        );
        let events = store.audit_events(None).await.unwrap();
        let refuse = events
            .iter()
            .find(|e| e.action == "certificate.refuse")
            .unwrap();
        assert_eq!(refuse.details["card_id"], "no-sv");
        assert_eq!(refuse.details["profile"], "card-professional");
        assert!(refuse.details["reason"].as_str().unwrap().contains("R-SV"));
        assert_nothing_issued(&store, "no-sv", 0, &backend).await;
        // So does the temporary card that copies such an order.
        let mut t = request("no-sv-temp", CardKind::Temporary, KeyType::P256);
        t.holder.sv_number = None;
        assert!(
            ca.issue_card(&t)
                .await
                .unwrap_err()
                .to_string()
                .contains("R-SV")
        );
        // Too long a temporary card, and a validity over 5 years.
        let mut long = request("long-temp", CardKind::Temporary, KeyType::P256);
        long.days = Some(93);
        assert!(
            ca.issue_card(&long)
                .await
                .unwrap_err()
                .to_string()
                .contains("3 months")
        );
        let mut long = request("long", CardKind::Actor, KeyType::P256);
        long.days = Some(2000);
        assert!(
            ca.issue_card(&long)
                .await
                .unwrap_err()
                .to_string()
                .contains("5 years")
        );
        assert_eq!(store.count_certificates().await.unwrap(), 0);
        store.close().await;
        drop(guard);
    }
}

fn common_now() -> i64 {
    carepki_ca::authority::now_unix()
}

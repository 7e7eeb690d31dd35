//! Card requests checked against the card profiles (R-CARD-TYPES, R-CARD-CERTS,
//! R-SV), and the card lints over to-be-signed certificates.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a failed test

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeySize, PrivateDecryptingKey};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
};
use carepki_policy::card::{
    ApprovedCard, ApprovedCardCert, CardRequest, HolderFacts, TEST_IDENTITIES, add_months,
    assigned_holder_number, check_card_request, lint_card, max_days, validate_card_id,
};
use carepki_policy::org::{LocalisedName, Organisation, Sector};
use carepki_policy::profile::IssuingCa;
use carepki_policy::{CaRole, CardKind, CardProfile, Ceremony, Hierarchy, KeyRole, PolicyError};
use carepki_x509::PublicKey;
use carepki_x509::cert::{TbsParams, encode_tbs};
use carepki_x509::ext::{self, Eku, Ku};
use carepki_x509::name::{Attr, build_name};
use carepki_x509::oid::PolicyOid;

/// 2026-03-01T10:00:00Z.
const START: i64 = 1_772_359_200;

fn org() -> Organisation {
    Organisation {
        oid: "1.2.246.10.97835177.10.0".into(),
        name: LocalisedName {
            fi: "Järvilaakson hyvinvointialue".into(),
            sv: "Järvidalens välfärdsområde".into(),
            en: "Järvilaakso Wellbeing Services County".into(),
        },
        business_id: "9783517-7".into(),
        sector: Sector::Public,
        kanta_intermediary: false,
        domains: vec!["jarvilaakso-hva.fi".into()],
    }
}

fn p256() -> PublicKey {
    let k = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    PublicKey::from_spki_der(k.public_key().as_der().unwrap().as_ref()).unwrap()
}

fn p384() -> PublicKey {
    let k = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
    PublicKey::from_spki_der(k.public_key().as_der().unwrap().as_ref()).unwrap()
}

fn rsa() -> PublicKey {
    let k = PrivateDecryptingKey::generate(KeySize::Rsa2048).unwrap();
    PublicKey::from_spki_der(k.public_key().as_der().unwrap().as_ref()).unwrap()
}

/// A prescribing physician.
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

fn nurse() -> HolderFacts {
    HolderFacts {
        given_name: "Pekka".into(),
        surname: "Nieminen".into(),
        holder_number: "20200054321".into(),
        title: "Sairaanhoitaja".into(),
        prescriber: false,
        sv_number: None,
    }
}

fn secretary() -> HolderFacts {
    HolderFacts {
        given_name: "Anna-Kaisa".into(),
        surname: "O'Brien".into(),
        holder_number: assigned_holder_number(42).unwrap(),
        title: "Osastosihteeri".into(),
        prescriber: false,
        sv_number: None,
    }
}

fn test_holder(i: usize) -> HolderFacts {
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

fn request<'a>(
    kind: CardKind,
    holder: &'a HolderFacts,
    organisation: Option<&'a Organisation>,
) -> CardRequest<'a> {
    CardRequest {
        kind,
        replaces: None,
        holder,
        organisation,
        days: None,
        authentication_key: p256(),
        signature_key: p256(),
    }
}

fn approve(r: &CardRequest<'_>) -> ApprovedCard {
    check_card_request(r, &Ceremony::default(), START).unwrap()
}

fn problems_with(r: &CardRequest<'_>, c: &Ceremony) -> Vec<String> {
    match check_card_request(r, c, START) {
        Err(PolicyError::Rejected(p)) => p,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn problems(r: &CardRequest<'_>) -> Vec<String> {
    problems_with(r, &Ceremony::default())
}

/// Asserts that the one problem of `r` contains `needle`.
#[track_caller]
fn refused_with(r: &CardRequest<'_>, needle: &str) {
    let p = problems(r);
    assert!(
        p.len() == 1 && p[0].contains(needle),
        "expected one problem containing {needle:?}, got {p:#?}"
    );
}

fn subject(c: &ApprovedCardCert) -> Vec<(&'static str, &str)> {
    c.subject
        .iter()
        .map(|(a, v)| (a.short_name(), v.as_str()))
        .collect()
}

#[test]
fn a_prescribers_professional_card() {
    let h = doctor();
    let mut r = request(CardKind::Professional, &h, None);
    r.authentication_key = rsa();
    let a = approve(&r);
    assert_eq!(a.kind, CardKind::Professional);
    assert_eq!(a.org_oid, None);
    let want = [
        ("C", "FI"),
        ("title", "Lääkäri"),
        ("SN", "Virtanen"),
        ("GN", "Maija Liisa"),
        ("serialNumber", "10100012345"),
        ("CN", "Virtanen Maija Liisa"),
        ("pseudonym", "123456"),
    ];
    for c in a.certificates() {
        assert_eq!(subject(c), want, "R-SV: the SV number in pseudonym");
        assert_eq!(c.sv_number.as_deref(), Some("123456"));
        assert_eq!(c.days, 1826, "5 years from 2026-03-01 (with 29.2.2028)");
        assert_eq!(c.policy_oid.to_string(), "1.3.6.1.4.1.32473.77.2.1");
        assert_eq!(c.holder_kind, CardKind::Professional);
    }
    assert_eq!(
        a.authentication.profile,
        CardProfile {
            kind: CardKind::Professional,
            role: KeyRole::Authentication
        }
    );
    assert_eq!(
        a.authentication.profile.as_str(),
        "card-professional-authentication"
    );
    assert_eq!(a.signature.profile.as_str(), "card-professional-signature");
    // RSA authentication key: keyEncipherment and dataEncipherment too.
    assert_eq!(
        a.authentication.key_usage,
        [
            Ku::DigitalSignature,
            Ku::KeyEncipherment,
            Ku::DataEncipherment
        ]
    );
    assert_eq!(a.authentication.extended_key_usage, [Eku::ClientAuth]);
    assert_eq!(a.signature.key_usage, [Ku::NonRepudiation]);
    assert!(a.signature.extended_key_usage.is_empty());
    assert_eq!(a.authentication.key, r.authentication_key);
    assert_eq!(a.signature.key, r.signature_key);
}

#[test]
fn key_usage_by_role_and_key_type() {
    let h = nurse();
    for (key, auth) in [
        (p256(), vec![Ku::DigitalSignature]),
        (p384(), vec![Ku::DigitalSignature]),
        (
            rsa(),
            vec![
                Ku::DigitalSignature,
                Ku::KeyEncipherment,
                Ku::DataEncipherment,
            ],
        ),
    ] {
        let mut r = request(CardKind::Professional, &h, None);
        r.authentication_key = key.clone();
        r.signature_key = if key.algorithm.is_rsa() {
            rsa()
        } else {
            p384()
        };
        let a = approve(&r);
        assert_eq!(a.authentication.key_usage, auth, "{}", key.algorithm);
        assert_eq!(
            a.signature.key_usage,
            [Ku::NonRepudiation],
            "{}",
            key.algorithm
        );
    }
}

#[test]
fn a_non_prescriber_has_no_pseudonym() {
    let h = nurse();
    let a = approve(&request(CardKind::Professional, &h, None));
    for c in a.certificates() {
        assert!(c.subject.iter().all(|(a, _)| *a != Attr::Pseudonym));
        assert_eq!(c.sv_number, None);
    }
}

#[test]
fn staff_and_actor_cards_name_the_organisation() {
    let h = secretary();
    let o = org();
    for (kind, arc) in [(CardKind::Staff, 2), (CardKind::Actor, 3)] {
        let a = approve(&request(kind, &h, Some(&o)));
        assert_eq!(a.org_oid.as_deref(), Some("1.2.246.10.97835177.10.0"));
        assert_eq!(
            subject(&a.signature),
            [
                ("C", "FI"),
                ("O", "Järvilaakson hyvinvointialue"),
                ("title", "Osastosihteeri"),
                ("SN", "O'Brien"),
                ("GN", "Anna-Kaisa"),
                ("serialNumber", "CP0000000042"),
                ("CN", "O'Brien Anna-Kaisa"),
            ]
        );
        assert_eq!(
            a.signature.policy_oid.to_string(),
            format!("1.3.6.1.4.1.32473.77.2.{arc}")
        );
        assert_eq!(kind.issuing_role(), CaRole::Professionals);
        assert_eq!(kind.hierarchy(), Hierarchy::Production);
    }
}

#[test]
fn temporary_cards_copy_the_pending_order_and_last_three_months() {
    let doc = doctor();
    let mut r = request(CardKind::Temporary, &doc, None);
    r.replaces = Some(CardKind::Professional);
    let a = approve(&r);
    assert_eq!(a.authentication.days, 92, "1.3. to 1.6.");
    assert_eq!(a.signature.profile.as_str(), "card-temporary-signature");
    assert_eq!(a.signature.sv_number.as_deref(), Some("123456"), "R-SV");
    assert_eq!(
        a.signature.policy_oid.to_string(),
        "1.3.6.1.4.1.32473.77.2.4"
    );
    assert_eq!(CardKind::Temporary.issuing_role(), CaRole::Temporary);
    assert_eq!(CardKind::Temporary.hierarchy(), Hierarchy::Production);

    let sec = secretary();
    let o = org();
    let mut r = request(CardKind::Temporary, &sec, Some(&o));
    r.replaces = Some(CardKind::Staff);
    let a = approve(&r);
    assert_eq!(a.org_oid.as_deref(), Some(o.oid.as_str()));
    assert_eq!(a.authentication.holder_kind, CardKind::Staff);

    // A temporary card for a prescriber is still refused without the SV number.
    let mut no_sv = doctor();
    no_sv.sv_number = None;
    let mut r = request(CardKind::Temporary, &no_sv, None);
    r.replaces = Some(CardKind::Professional);
    refused_with(&r, "R-SV");
}

#[test]
fn test_cards_go_to_fixed_test_identities_under_the_test_hierarchy() {
    for (i, identity) in TEST_IDENTITIES.iter().enumerate() {
        let h = test_holder(i);
        let a = approve(&request(CardKind::Test, &h, None));
        assert_eq!(a.signature.sv_number.as_deref(), identity.sv_number);
        assert_eq!(
            a.authentication.policy_oid.to_string(),
            "1.3.6.1.4.1.32473.77.2.101"
        );
    }
    assert_eq!(CardKind::Test.hierarchy(), Hierarchy::Test);
    assert_eq!(CardKind::Test.issuing_role(), CaRole::Professionals);
    let mut numbers: Vec<_> = TEST_IDENTITIES.iter().map(|t| t.holder_number).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), 20);

    let stranger = doctor();
    refused_with(
        &request(CardKind::Test, &stranger, None),
        "only to the fixed test identities",
    );
    let mut changed = test_holder(0);
    changed.title = "Ylilääkäri".into();
    refused_with(&request(CardKind::Test, &changed, None), "copy it exactly");
    let o = org();
    refused_with(
        &request(CardKind::Test, &test_holder(3), Some(&o)),
        "a test card names no organisation",
    );
}

#[test]
fn r_sv_a_prescribers_card_without_the_sv_number_is_refused() {
    let mut h = doctor();
    h.sv_number = None;
    let r = request(CardKind::Professional, &h, None);
    refused_with(&r, "no SV number");
    assert!(problems(&r)[0].contains("R-SV"));
    h.sv_number = Some("  ".into());
    refused_with(&request(CardKind::Professional, &h, None), "no SV number");

    let mut h = nurse();
    h.sv_number = Some("123456".into());
    refused_with(
        &request(CardKind::Professional, &h, None),
        "no right to prescribe",
    );
    let mut h = doctor();
    h.sv_number = Some("12-34".into());
    refused_with(
        &request(CardKind::Professional, &h, None),
        "1 to 16 ASCII letters and digits",
    );
}

#[test]
fn every_refusal_names_its_problem() {
    let o = org();
    let base = nurse();
    let with = |f: &dyn Fn(&mut HolderFacts)| {
        let mut h = base.clone();
        f(&mut h);
        h
    };

    for bad in ["1010001234", "101000123456", "1010001234X", "CP0000000042"] {
        let h = with(&|h| h.holder_number = bad.into());
        refused_with(
            &request(CardKind::Professional, &h, None),
            "must be the 11 digits",
        );
    }
    let h = with(&|h| h.given_name = "  ".into());
    refused_with(
        &request(CardKind::Professional, &h, None),
        "given name is empty",
    );
    let h = with(&|h| h.surname = String::new());
    refused_with(
        &request(CardKind::Professional, &h, None),
        "surname is empty",
    );
    let h = with(&|h| h.title = String::new());
    refused_with(&request(CardKind::Professional, &h, None), "title");
    let h = with(&|h| h.title = "Erikoislääkäri, ".repeat(5));
    refused_with(
        &request(CardKind::Professional, &h, None),
        "a title holds at most 64",
    );
    let h = with(&|h| h.given_name = "Pekka2".into());
    refused_with(&request(CardKind::Professional, &h, None), "contains '2'");
    let h = with(&|h| h.surname = "x".repeat(65));
    refused_with(
        &request(CardKind::Professional, &h, None),
        "longer than 64 characters",
    );
    let h = with(&|h| {
        h.surname = "Virtanen-Korhonen-Mäkinen-Nieminen-Hämäläinen".into();
        h.given_name = "Aleksanteri-Valtteri".into();
    });
    refused_with(
        &request(CardKind::Professional, &h, None),
        "does not fit the 64 characters of a common name",
    );
    // Trailing given names are left out of the CN when all would not fit.
    let h = with(&|h| {
        h.surname = "Virtanen-Korhonen-Mäkinen".into();
        h.given_name = "Aleksanteri Valtteri Johannes Kristian Emil Oskari".into();
    });
    let a = approve(&request(CardKind::Professional, &h, None));
    assert!(
        a.signature.subject.contains(&(
            Attr::CommonName,
            "Virtanen-Korhonen-Mäkinen Aleksanteri Valtteri Johannes Kristian".into()
        )),
        "{:?}",
        a.signature.subject
    );
    assert!(a.signature.subject.contains(&(
        Attr::GivenName,
        "Aleksanteri Valtteri Johannes Kristian Emil Oskari".into()
    )));
    // White space is folded.
    let h = with(&|h| h.given_name = "  Pekka   Juhani ".into());
    let a = approve(&request(CardKind::Professional, &h, None));
    assert!(
        a.signature
            .subject
            .contains(&(Attr::GivenName, "Pekka Juhani".into()))
    );

    // Validity caps (R-CARD-TYPES).
    let mut r = request(CardKind::Professional, &base, None);
    r.days = Some(1827);
    refused_with(
        &r,
        "exceeds the cap of professional cards, 5 years (1826 days",
    );
    r.days = Some(1826);
    assert_eq!(approve(&r).signature.days, 1826);
    r.days = Some(0);
    refused_with(&r, "at least 1 day");
    let sec = secretary();
    for kind in [CardKind::Staff, CardKind::Actor] {
        let mut r = request(kind, &sec, Some(&o));
        r.days = Some(1900);
        refused_with(&r, "5 years");
    }
    let mut r = request(CardKind::Temporary, &base, None);
    r.replaces = Some(CardKind::Professional);
    r.days = Some(93);
    refused_with(&r, "exceeds the cap of temporary cards, 3 months (92 days");
    r.days = Some(30);
    assert_eq!(approve(&r).signature.days, 30);
    let tester = test_holder(0);
    let mut r = request(CardKind::Test, &tester, None);
    r.days = Some(1827);
    refused_with(&r, "5 years");

    // Kinds and organisations.
    refused_with(
        &request(CardKind::Professional, &base, Some(&o)),
        "names no organisation",
    );
    refused_with(
        &request(CardKind::Staff, &sec, None),
        "tied to an organisation",
    );
    let reg = with(&|h| h.holder_number = "10100012345".into());
    refused_with(
        &request(CardKind::Actor, &reg, Some(&o)),
        "CarePKI-assigned number",
    );
    let doc = doctor();
    let mut staff_doc = doc.clone();
    staff_doc.holder_number = assigned_holder_number(7).unwrap();
    refused_with(
        &request(CardKind::Staff, &staff_doc, Some(&o)),
        "a prescriber needs a professional card",
    );
    let mut r = request(CardKind::Temporary, &base, None);
    refused_with(&r, "name the kind of the card it stands in for");
    r.replaces = Some(CardKind::Test);
    assert!(problems(&r)[0].contains("not a test card"));
    let mut r = request(CardKind::Professional, &base, None);
    r.replaces = Some(CardKind::Staff);
    refused_with(&r, "only a temporary card stands in for another card");

    // Keys (R-CARD-CERTS).
    let mut r = request(CardKind::Professional, &base, None);
    r.signature_key = r.authentication_key.clone();
    refused_with(&r, "are the same key");
    let only_p384 = Ceremony::from_toml(
        "[card_key_algorithms]\nsignature = [\"ecdsa-p384\"]\nauthentication = [\"ecdsa-p256\", \"rsa-2048\"]\n",
    )
    .unwrap();
    let r = request(CardKind::Professional, &base, None);
    let p = problems_with(&r, &only_p384);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("the signature key is ECDSA P-256, which this deployment does not certify for signature (ceremony card_key_algorithms.signature: ecdsa-p384)"),
        "{p:?}"
    );
    let mut r = request(CardKind::Professional, &base, None);
    r.signature_key = p384();
    assert!(check_card_request(&r, &only_p384, START).is_ok());

    // Every problem at once.
    let mut h = doctor();
    h.sv_number = None;
    h.holder_number = "123".into();
    h.given_name = String::new();
    h.title = "x".repeat(65);
    let mut r = request(CardKind::Professional, &h, Some(&o));
    r.days = Some(5000);
    r.signature_key = r.authentication_key.clone();
    let p = problems(&r);
    assert_eq!(p.len(), 7, "{p:#?}");
}

#[test]
fn calendar_caps() {
    // 2026-01-31T10:00:00Z + 1 month is the last of February.
    let jan31 = 1_769_853_600;
    assert_eq!(add_months(jan31, 1), Some(jan31 + 28 * 86_400));
    assert_eq!(max_days(CardKind::Temporary, START), Some(92));
    // 2026-11-30 + 3 months = 2027-02-28: 90 days.
    let nov30 = 1_796_032_800;
    assert_eq!(max_days(CardKind::Temporary, nov30), Some(90));
    // 2027-03-01 to 2032-03-01 holds two leap days.
    let mar2027 = START + 365 * 86_400;
    assert_eq!(max_days(CardKind::Professional, mar2027), Some(1827));
    assert_eq!(max_days(CardKind::Staff, START), Some(1826));
}

#[test]
fn holder_numbers_and_card_ids() {
    assert_eq!(assigned_holder_number(0).unwrap(), "CP0000000000");
    assert_eq!(
        assigned_holder_number(9_999_999_999).unwrap(),
        "CP9999999999"
    );
    assert_eq!(assigned_holder_number(10_000_000_000), None);
    assert!(validate_card_id("card-2026.03_0001").is_ok());
    assert!(validate_card_id("").is_err());
    assert!(validate_card_id(&"a".repeat(65)).is_err());
    assert!(validate_card_id("kortti ä").is_err());
    for kind in CardKind::ALL {
        assert_eq!(CardKind::parse(kind.as_str()), Some(kind));
        for role in KeyRole::ALL {
            let p = CardProfile { kind, role };
            assert_eq!(CardProfile::parse(p.as_str()), Some(p));
        }
    }
    assert_eq!(CardProfile::parse("server"), None);
}

#[test]
fn card_policy_oids_are_configurable_and_distinct() {
    let c = Ceremony::default();
    let mut oids: Vec<String> = CardKind::ALL
        .iter()
        .map(|k| c.card_policy_oid(*k).to_string())
        .collect();
    assert!(
        oids.iter()
            .all(|o| o.starts_with("1.3.6.1.4.1.32473.77.2."))
    );
    assert!(
        oids.iter().all(|o| !o.starts_with("1.2.246.517")),
        "never DVV's arc"
    );
    oids.sort();
    oids.dedup();
    assert_eq!(oids.len(), 5);

    let c = Ceremony::from_toml(
        "oid_arc = \"1.3.6.1.4.1.99999\"\ncard_policy_oids = { professional = \"1.3.6.1.4.1.88888.5\" }\n",
    )
    .unwrap();
    assert!(!c.default_oids);
    assert_eq!(
        c.card_policy_oid(CardKind::Professional).to_string(),
        "1.3.6.1.4.1.88888.5"
    );
    assert_eq!(
        c.card_policy_oid(CardKind::Test).to_string(),
        "1.3.6.1.4.1.99999.2.101"
    );
    let h = nurse();
    let a = check_card_request(&request(CardKind::Professional, &h, None), &c, START).unwrap();
    assert_eq!(a.signature.policy_oid.to_string(), "1.3.6.1.4.1.88888.5");

    for (bad, why) in [
        (
            "card_policy_oids = { doctor = \"1.2.3\" }",
            "unknown card kind",
        ),
        ("card_policy_oids = { staff = \"x\" }", "staff cards"),
        (
            "card_policy_oids = { staff = \"1.3.6.1.4.1.32473.77.2.1\" }",
            "also given to professional cards",
        ),
        (
            "card_policy_oids = { test = \"1.3.6.1.4.1.32473.77.1.1\" }",
            "also given to the server profile",
        ),
        ("card_key_algorithms = { signature = [] }", "at least one"),
        (
            "card_key_algorithms = { authentication = [\"rsa-1024\"] }",
            "unknown key type \"rsa-1024\"",
        ),
        (
            "card_key_algorithms = { pin = [\"rsa-2048\"] }",
            "unknown field",
        ),
    ] {
        let e = Ceremony::from_toml(bad).unwrap_err().to_string();
        assert!(e.contains(why), "{bad}: {e}");
    }
    // The ceremony files written before cards stay valid.
    assert!(Ceremony::from_toml("policy_oids = { server = \"1.3.6.1.4.1.99999.1\" }").is_ok());
}

// ---- lints -------------------------------------------------------------------------

const CRL: &str = "http://127.0.0.1:8080/crl/professionals.crl";
const OCSP: &str = "http://127.0.0.1:8080/ocsp/professionals";
const ISSUERS: &str = "http://127.0.0.1:8080/ca/professionals.der";

fn professionals_ca() -> IssuingCa<'static> {
    IssuingCa {
        hierarchy: Hierarchy::Production,
        role: CaRole::Professionals,
        crl_url: CRL,
        ocsp_url: OCSP,
        ca_issuers_url: ISSUERS,
    }
}

/// What to change in a to-be-signed card certificate.
#[derive(Default)]
struct Tamper {
    seconds: Option<i64>,
    subject: Option<Vec<(Attr, String)>>,
    key_usage: Option<Vec<Ku>>,
    eku: Option<Vec<Eku>>,
    san: bool,
    policy: Option<PolicyOid>,
    key: Option<PublicKey>,
    basic_constraints: bool,
}

fn tbs(c: &ApprovedCardCert, t: &Tamper) -> Vec<u8> {
    let subject = t.subject.clone().unwrap_or_else(|| c.subject.clone());
    let subject: Vec<(Attr, &str)> = subject.iter().map(|(a, v)| (*a, v.as_str())).collect();
    let key = t.key.clone().unwrap_or_else(|| c.key.clone());
    let mut extensions =
        vec![ext::key_usage(t.key_usage.as_ref().unwrap_or(&c.key_usage)).unwrap()];
    let eku = t
        .eku
        .clone()
        .unwrap_or_else(|| c.extended_key_usage.clone());
    if !eku.is_empty() {
        extensions.push(ext::extended_key_usage(&eku).unwrap());
    }
    if t.san {
        extensions.push(ext::subject_alt_name(&[], &["maija@example.fi".into()]).unwrap());
    }
    if t.basic_constraints {
        extensions.push(ext::basic_constraints(false, None).unwrap());
    }
    extensions.extend([
        ext::certificate_policies(std::slice::from_ref(
            t.policy.as_ref().unwrap_or(&c.policy_oid),
        ))
        .unwrap(),
        ext::crl_distribution_point(CRL).unwrap(),
        ext::authority_info_access(OCSP, ISSUERS).unwrap(),
        ext::subject_key_identifier(&key.key_identifier()).unwrap(),
        ext::authority_key_identifier(&[9; 20]).unwrap(),
    ]);
    encode_tbs(&TbsParams {
        serial: vec![1; 16],
        signature: carepki_x509::SignatureAlgorithm::EcdsaSha384,
        issuer: build_name(&[(Attr::CommonName, "CA")]).unwrap(),
        not_before: START,
        not_after: START + t.seconds.unwrap_or(i64::from(c.days) * 86_400) - 1,
        subject: build_name(&subject).unwrap(),
        spki_der: key.spki_der.clone(),
        extensions,
    })
    .unwrap()
}

fn rules(der: &[u8], c: &ApprovedCardCert, ca: &IssuingCa<'_>) -> Vec<&'static str> {
    lint_card(der, c, ca).into_iter().map(|f| f.rule).collect()
}

#[test]
fn card_lints_pass_the_approved_certificates() {
    let doc = doctor();
    let a = approve(&request(CardKind::Professional, &doc, None));
    for c in a.certificates() {
        let findings = lint_card(&tbs(c, &Tamper::default()), c, &professionals_ca());
        assert!(findings.is_empty(), "{}: {findings:?}", c.profile);
    }
    let sec = secretary();
    let o = org();
    let a = approve(&request(CardKind::Staff, &sec, Some(&o)));
    for c in a.certificates() {
        assert!(lint_card(&tbs(c, &Tamper::default()), c, &professionals_ca()).is_empty());
    }
}

#[test]
fn card_lints_catch_what_strays_from_the_profile() {
    let doc = doctor();
    let a = approve(&request(CardKind::Professional, &doc, None));
    let (auth, sign) = (&a.authentication, &a.signature);
    let ca = professionals_ca();
    let check = |c: &ApprovedCardCert, t: Tamper, rule: &str| {
        let got = rules(&tbs(c, &t), c, &ca);
        assert!(got.contains(&rule), "expected {rule}, got {got:?}");
    };

    // R-SV: the pseudonym left out, or carried by a non-prescriber.
    let no_pseudonym: Vec<_> = sign
        .subject
        .iter()
        .filter(|(a, _)| *a != Attr::Pseudonym)
        .cloned()
        .collect();
    check(
        sign,
        Tamper {
            subject: Some(no_pseudonym),
            ..Tamper::default()
        },
        "card.sv",
    );
    let nurse = nurse();
    let n = approve(&request(CardKind::Professional, &nurse, None));
    let mut with_pseudonym = n.signature.subject.clone();
    with_pseudonym.push((Attr::Pseudonym, "123456".into()));
    check(
        &n.signature,
        Tamper {
            subject: Some(with_pseudonym),
            ..Tamper::default()
        },
        "card.sv",
    );
    // Subject fields.
    let no_title: Vec<_> = auth
        .subject
        .iter()
        .filter(|(a, _)| *a != Attr::Title)
        .cloned()
        .collect();
    check(
        auth,
        Tamper {
            subject: Some(no_title),
            ..Tamper::default()
        },
        "card.subject.fields",
    );
    // keyUsage, EKU, SAN, validity, policy, key, basicConstraints.
    check(
        sign,
        Tamper {
            key_usage: Some(vec![Ku::DigitalSignature, Ku::NonRepudiation]),
            ..Tamper::default()
        },
        "card.ku",
    );
    check(
        sign,
        Tamper {
            eku: Some(vec![Eku::ClientAuth]),
            ..Tamper::default()
        },
        "card.eku",
    );
    check(
        auth,
        Tamper {
            eku: Some(vec![Eku::ClientAuth, Eku::EmailProtection]),
            ..Tamper::default()
        },
        "card.eku",
    );
    check(
        auth,
        Tamper {
            san: true,
            ..Tamper::default()
        },
        "card.san",
    );
    check(
        auth,
        Tamper {
            seconds: Some(1827 * 86_400),
            ..Tamper::default()
        },
        "card.validity",
    );
    check(
        auth,
        Tamper {
            policy: Some(PolicyOid::parse("1.3.6.1.4.1.32473.77.2.2").unwrap()),
            ..Tamper::default()
        },
        "card.policy",
    );
    check(
        auth,
        Tamper {
            key: Some(p256()),
            ..Tamper::default()
        },
        "card.key",
    );
    check(
        sign,
        Tamper {
            basic_constraints: true,
            ..Tamper::default()
        },
        "card.bc",
    );
    // The wrong CA (R-CARD-TYPES), and a card that outlasts the temporary cap.
    let good = tbs(auth, &Tamper::default());
    for wrong in [
        IssuingCa {
            hierarchy: Hierarchy::Test,
            ..professionals_ca()
        },
        IssuingCa {
            role: CaRole::Temporary,
            ..professionals_ca()
        },
    ] {
        assert!(rules(&good, auth, &wrong).contains(&"card.types"));
    }
    let mut r = request(CardKind::Temporary, &doc, None);
    r.replaces = Some(CardKind::Professional);
    let t = approve(&r);
    let temporary_ca = IssuingCa {
        role: CaRole::Temporary,
        ..professionals_ca()
    };
    let long = tbs(
        &t.signature,
        &Tamper {
            seconds: Some(93 * 86_400),
            ..Tamper::default()
        },
    );
    assert!(rules(&long, &t.signature, &temporary_ca).contains(&"card.validity"));
    assert!(rules(&[0x30, 0x00], auth, &ca).contains(&"card.der"));
}

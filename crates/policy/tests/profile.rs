//! Requests checked against the profiles of DOMAIN.md, and the profile lints over
//! to-be-signed certificates.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a failed test

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeySize, PrivateDecryptingKey};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use carepki_policy::org::{LocalisedName, Organisation, Sector};
use carepki_policy::profile::{CertRequest, IssuingCa, check_request, lint_profile};
use carepki_policy::{CaRole, Ceremony, Hierarchy, PolicyError, ProfileId};
use carepki_x509::PublicKey;
use carepki_x509::cert::{TbsParams, encode_tbs};
use carepki_x509::ext::{self, Eku, Ku};
use carepki_x509::name::{Attr, build_name};

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

fn ec_key() -> PublicKey {
    let k = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    PublicKey::from_spki_der(k.public_key().as_der().unwrap().as_ref()).unwrap()
}

fn rsa_key() -> PublicKey {
    let k = PrivateDecryptingKey::generate(KeySize::Rsa2048).unwrap();
    PublicKey::from_spki_der(k.public_key().as_der().unwrap().as_ref()).unwrap()
}

fn req<'a>(profile: ProfileId, org: &'a Organisation, cn: &str, key: PublicKey) -> CertRequest<'a> {
    CertRequest {
        profile,
        organisation: org,
        common_name: cn.into(),
        dns_names: vec![],
        emails: vec![],
        days: None,
        key,
    }
}

fn problems(r: &CertRequest<'_>) -> String {
    match check_request(r, &Ceremony::default()) {
        Err(PolicyError::Rejected(p)) => p.join("\n"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn server_profile_builds_subject_from_the_register() {
    let o = org();
    let a = check_request(
        &req(ProfileId::Server, &o, "kanta.jarvilaakso-hva.fi", ec_key()),
        &Ceremony::default(),
    )
    .unwrap();
    let subject: Vec<_> = a
        .subject
        .iter()
        .map(|(k, v)| (k.short_name(), v.as_str()))
        .collect();
    assert_eq!(
        subject,
        [
            ("C", "FI"),
            ("O", "Järvilaakson hyvinvointialue"),
            ("serialNumber", "1.2.246.10.97835177.10.0"),
            ("CN", "kanta.jarvilaakso-hva.fi")
        ]
    );
    assert_eq!(a.dns_names, ["kanta.jarvilaakso-hva.fi"]);
    assert_eq!(a.days, 365);
    assert_eq!(a.key_usage, [Ku::DigitalSignature]);
    assert_eq!(a.extended_key_usage, [Eku::ServerAuth, Eku::ClientAuth]);
    let rsa = check_request(
        &req(ProfileId::Server, &o, "kanta.jarvilaakso-hva.fi", rsa_key()),
        &Ceremony::default(),
    )
    .unwrap();
    assert_eq!(rsa.key_usage, [Ku::DigitalSignature, Ku::KeyEncipherment]);
}

#[test]
fn system_signature_and_email_profiles() {
    let o = org();
    let s = check_request(
        &req(ProfileId::SystemSignature, &o, "Aura", rsa_key()),
        &Ceremony::default(),
    )
    .unwrap();
    assert_eq!(s.key_usage, [Ku::DigitalSignature, Ku::NonRepudiation]);
    assert!(s.extended_key_usage.is_empty());
    assert_eq!(s.days, 730);
    let mut e = req(ProfileId::Email, &o, "Kirjaamo", ec_key());
    e.emails = vec!["kirjaamo@jarvilaakso-hva.fi".into()];
    let e = check_request(&e, &Ceremony::default()).unwrap();
    assert_eq!(e.emails, ["kirjaamo@jarvilaakso-hva.fi"]);
    assert_eq!(e.extended_key_usage, [Eku::EmailProtection]);
}

#[test]
fn refusals_name_the_problem() {
    let o = org();
    let mut r = req(ProfileId::Server, &o, "kanta.jarvilaakso-hva.fi", ec_key());
    r.days = Some(366);
    assert!(problems(&r).contains("exceeds the 365-day cap"));
    let mut r = req(ProfileId::SystemSignature, &o, "Aura", ec_key());
    r.days = Some(731);
    assert!(problems(&r).contains("exceeds the 730-day cap"));
    for (name, expect) in [
        ("evil-jarvilaakso-hva.fi", "R-ELIGIBLE"),
        ("jarvilaakso-hva.fi.evil.com", "R-ELIGIBLE"),
        ("192.0.2.1", "IP address"),
        ("2001:db8::1", "IP address"),
        ("*.jarvilaakso-hva.fi", "wildcard"),
        ("bad_name.jarvilaakso-hva.fi", "DNS name"),
    ] {
        let mut r = req(ProfileId::Server, &o, name, ec_key());
        r.dns_names = vec![name.into()];
        let p = problems(&r);
        assert!(p.contains(expect), "{name}: {p}");
    }
    let mut r = req(ProfileId::Server, &o, "a.jarvilaakso-hva.fi", ec_key());
    r.dns_names = vec!["b.jarvilaakso-hva.fi".into()];
    assert!(problems(&r).contains("must be one of the certificate's DNS names"));
    let mut r = req(ProfileId::SystemSignature, &o, "Aura", ec_key());
    r.dns_names = vec!["a.jarvilaakso-hva.fi".into()];
    assert!(problems(&r).contains("CN only"));
    let r = req(ProfileId::Email, &o, "Kirjaamo", ec_key());
    assert!(problems(&r).contains("at least one email address"));
    let mut r = req(ProfileId::Email, &o, "Kirjaamo", ec_key());
    r.emails = vec!["someone@gmail.com".into()];
    assert!(problems(&r).contains("R-ELIGIBLE"));
    let r = req(ProfileId::Server, &o, &"a".repeat(65), ec_key());
    assert!(problems(&r).contains("longer than 64"));
}

#[test]
fn wildcards_only_when_the_ceremony_allows_them() {
    let o = org();
    let ceremony = Ceremony::from_toml("allow_wildcards = true").unwrap();
    let mut r = req(ProfileId::Server, &o, "*.jarvilaakso-hva.fi", ec_key());
    r.dns_names = vec!["*.jarvilaakso-hva.fi".into()];
    assert!(check_request(&r, &ceremony).is_ok());
}

#[test]
fn profile_lints_catch_a_tbs_that_strays_from_the_approval() {
    let o = org();
    let c = Ceremony::default();
    let approved = check_request(
        &req(ProfileId::Server, &o, "kanta.jarvilaakso-hva.fi", ec_key()),
        &c,
    )
    .unwrap();
    let issuer = build_name(&[(Attr::CommonName, "CA")]).unwrap();
    let ca = IssuingCa {
        hierarchy: Hierarchy::Production,
        role: CaRole::ServiceProviders,
        crl_url: "http://127.0.0.1:8080/crl/service-providers.crl",
        ocsp_url: "http://127.0.0.1:8080/ocsp/service-providers",
        ca_issuers_url: "http://127.0.0.1:8080/ca/service-providers.der",
    };
    let build = |days: i64, subject: &[(Attr, &str)], ku: &[Ku], san: &[String]| {
        encode_tbs(&TbsParams {
            serial: vec![1; 16],
            signature: carepki_x509::SignatureAlgorithm::EcdsaSha384,
            issuer: issuer.clone(),
            not_before: 1_800_000_000,
            not_after: 1_800_000_000 + days * 86_400 - 1,
            subject: build_name(subject).unwrap(),
            spki_der: approved.key.spki_der.clone(),
            extensions: vec![
                ext::key_usage(ku).unwrap(),
                ext::extended_key_usage(&approved.extended_key_usage).unwrap(),
                ext::subject_alt_name(san, &[]).unwrap(),
                ext::certificate_policies(std::slice::from_ref(&approved.policy_oid)).unwrap(),
                ext::crl_distribution_point(ca.crl_url).unwrap(),
                ext::authority_info_access(ca.ocsp_url, ca.ca_issuers_url).unwrap(),
                ext::subject_key_identifier(&approved.key.key_identifier()).unwrap(),
                ext::authority_key_identifier(&[9; 20]).unwrap(),
            ],
        })
        .unwrap()
    };
    let subject = approved.subject_ref();
    let good = build(365, &subject, &approved.key_usage, &approved.dns_names);
    assert!(
        lint_profile(&good, &approved, &ca).is_empty(),
        "{:?}",
        lint_profile(&good, &approved, &ca)
    );

    let rules = |tbs: &[u8], ca: &IssuingCa<'_>| -> Vec<&'static str> {
        lint_profile(tbs, &approved, ca)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    };
    assert!(
        rules(
            &build(366, &subject, &approved.key_usage, &approved.dns_names),
            &ca
        )
        .contains(&"profile.validity")
    );
    let copied_from_csr = [(Attr::CommonName, "kanta.jarvilaakso-hva.fi")];
    assert!(
        rules(
            &build(
                365,
                &copied_from_csr,
                &approved.key_usage,
                &approved.dns_names
            ),
            &ca
        )
        .contains(&"profile.subject")
    );
    assert!(
        rules(
            &build(
                365,
                &subject,
                &[Ku::DigitalSignature, Ku::KeyEncipherment],
                &approved.dns_names
            ),
            &ca
        )
        .contains(&"profile.ku")
    );
    assert!(
        rules(
            &build(
                365,
                &subject,
                &approved.key_usage,
                &["x.example.com".into()]
            ),
            &ca
        )
        .contains(&"profile.san")
    );
    let test_ca = IssuingCa {
        hierarchy: Hierarchy::Test,
        ..ca.clone()
    };
    assert!(rules(&good, &test_ca).contains(&"profile.types"));
    let other_urls = IssuingCa {
        crl_url: "http://elsewhere.example/x.crl",
        ..ca.clone()
    };
    assert!(rules(&good, &other_urls).contains(&"profile.crldp"));
}

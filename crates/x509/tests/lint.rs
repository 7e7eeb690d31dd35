//! The RFC 5280 lints fire on the faults they name and stay quiet on a good
//! certificate; CSR parsing accepts the keys CarePKI accepts and names the rest.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a failed test

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
};
use carepki_x509::cert::{TbsParams, assemble, decode_certificate, encode_tbs};
use carepki_x509::csr::{build_request, parse_and_verify};
use carepki_x509::ext::{self, Eku, Ku};
use carepki_x509::key::key_identifier;
use carepki_x509::lint::{IssuerFacts, lint_rfc5280};
use carepki_x509::name::{Attr, build_name, display_name};
use carepki_x509::oid::PolicyOid;
use carepki_x509::reexport::der::pem::{LineEnding, encode_string};
use carepki_x509::reexport::x509_cert::ext::Extension;
use carepki_x509::reexport::x509_cert::name::Name;
use carepki_x509::reexport::x509_cert::time::Time;
use carepki_x509::{KeyAlgorithm, PublicKey, SignatureAlgorithm, X509Error};

struct Fixture {
    issuer_key: EcdsaKeyPair,
    issuer_ski: Vec<u8>,
    subject: PublicKey,
}

fn fixture() -> Fixture {
    let issuer_key = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
    let issuer_ski = key_identifier(issuer_key.public_key().as_ref());
    let sub = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let subject = PublicKey::from_spki_der(sub.public_key().as_der().unwrap().as_ref()).unwrap();
    Fixture {
        issuer_key,
        issuer_ski,
        subject,
    }
}

fn issuer_name() -> Name {
    build_name(&[
        (Attr::Country, "FI"),
        (Attr::Organization, "CarePKI"),
        (Attr::CommonName, "Test CA"),
    ])
    .unwrap()
}

fn good_extensions(f: &Fixture) -> Vec<Extension> {
    vec![
        ext::key_usage(&[Ku::DigitalSignature]).unwrap(),
        ext::extended_key_usage(&[Eku::ServerAuth, Eku::ClientAuth]).unwrap(),
        ext::subject_alt_name(&["kanta.example.fi".into()], &[]).unwrap(),
        ext::certificate_policies(&[PolicyOid::parse("1.3.6.1.4.1.32473.77.1.1").unwrap()])
            .unwrap(),
        ext::crl_distribution_point("http://127.0.0.1:8080/crl/x.crl").unwrap(),
        ext::authority_info_access(
            "http://127.0.0.1:8080/ocsp/x",
            "http://127.0.0.1:8080/ca/x.der",
        )
        .unwrap(),
        ext::subject_key_identifier(&f.subject.key_identifier()).unwrap(),
        ext::authority_key_identifier(&f.issuer_ski).unwrap(),
    ]
}

fn params(f: &Fixture, extensions: Vec<Extension>) -> TbsParams {
    TbsParams {
        serial: vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        signature: SignatureAlgorithm::EcdsaSha384,
        issuer: issuer_name(),
        not_before: 1_800_000_000,
        not_after: 1_800_000_000 + 365 * 86_400 - 1,
        subject: build_name(&[
            (Attr::Country, "FI"),
            (Attr::CommonName, "kanta.example.fi"),
        ])
        .unwrap(),
        spki_der: f.subject.spki_der.clone(),
        extensions,
    }
}

fn rules(f: &Fixture, p: &TbsParams) -> Vec<&'static str> {
    let tbs = encode_tbs(p).unwrap();
    let issuer_der = carepki_x509::cert::name_der(&issuer_name()).unwrap();
    lint_rfc5280(
        &tbs,
        &IssuerFacts {
            subject_der: &issuer_der,
            key_identifier: &f.issuer_ski,
            signature_algorithm: SignatureAlgorithm::EcdsaSha384,
        },
    )
    .into_iter()
    .map(|x| x.rule)
    .collect()
}

#[test]
fn a_good_certificate_has_no_findings_and_assembles() {
    let f = fixture();
    let p = params(&f, good_extensions(&f));
    assert_eq!(rules(&f, &p), Vec::<&str>::new());
    let tbs = encode_tbs(&p).unwrap();
    let sig = f.issuer_key.sign(&SystemRandom::new(), &tbs).unwrap();
    let der = assemble(&tbs, SignatureAlgorithm::EcdsaSha384, sig.as_ref()).unwrap();
    let cert = decode_certificate(&der).unwrap();
    assert_eq!(
        display_name(cert.tbs_certificate().subject()),
        "C=FI, CN=kanta.example.fi"
    );
}

#[test]
fn each_fault_is_named() {
    let f = fixture();
    let mut exts = good_extensions(&f);
    exts[0] = ext::key_usage(&[Ku::DigitalSignature, Ku::KeyEncipherment]).unwrap();
    assert!(rules(&f, &params(&f, exts)).contains(&"rfc5280.ku.ec"));

    let mut exts = good_extensions(&f);
    exts[7] = ext::authority_key_identifier(&[1, 2, 3]).unwrap();
    assert!(rules(&f, &params(&f, exts)).contains(&"rfc5280.aki.match"));

    let mut exts = good_extensions(&f);
    exts.remove(6);
    assert!(rules(&f, &params(&f, exts)).contains(&"rfc5280.ski.present"));

    let mut exts = good_extensions(&f);
    exts.push(ext::key_usage(&[Ku::DigitalSignature]).unwrap());
    assert!(rules(&f, &params(&f, exts)).contains(&"rfc5280.extensions.unique"));

    let mut exts = good_extensions(&f);
    exts[0] = ext::key_usage(&[Ku::DigitalSignature, Ku::KeyCertSign]).unwrap();
    assert!(rules(&f, &params(&f, exts)).contains(&"rfc5280.ku.certsign"));

    let mut exts = good_extensions(&f);
    exts[2] = ext::subject_alt_name(&["Bad_Name.example.fi".into()], &[]).unwrap();
    assert!(rules(&f, &params(&f, exts)).contains(&"rfc5280.san.dns"));

    let mut p = params(&f, good_extensions(&f));
    p.serial = vec![0x01, 0x02];
    assert!(rules(&f, &p).contains(&"rfc5280.serial.entropy"));

    let mut p = params(&f, good_extensions(&f));
    p.not_after = p.not_before - 1;
    assert!(rules(&f, &p).contains(&"rfc5280.validity.order"));

    let mut p = params(&f, good_extensions(&f));
    p.signature = SignatureAlgorithm::EcdsaSha256;
    assert!(rules(&f, &p).contains(&"rfc5280.signature.match"));

    let mut p = params(&f, good_extensions(&f));
    p.issuer = build_name(&[(Attr::CommonName, "Someone else")]).unwrap();
    assert!(rules(&f, &p).contains(&"rfc5280.issuer.match"));
}

#[test]
fn times_from_2050_are_generalized() {
    let f = fixture();
    let mut p = params(&f, good_extensions(&f));
    p.not_after = 2_556_143_999 + 86_400; // 2051-01-01
    assert!(rules(&f, &p).is_empty());
    let tbs = carepki_x509::cert::decode_tbs(&encode_tbs(&p).unwrap()).unwrap();
    assert!(matches!(tbs.validity().not_after, Time::GeneralTime(_)));
}

fn csr_for(key: &EcdsaKeyPair, alg: SignatureAlgorithm) -> Vec<u8> {
    let rng = SystemRandom::new();
    build_request(
        &build_name(&[(Attr::CommonName, "x")]).unwrap(),
        key.public_key().as_der().unwrap().as_ref(),
        alg,
        |m| Ok(key.sign(&rng, m).unwrap().as_ref().to_vec()),
    )
    .unwrap()
}

#[test]
fn csr_proof_of_possession() {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let der = csr_for(&key, SignatureAlgorithm::EcdsaSha256);
    let v = parse_and_verify(&der).unwrap();
    assert_eq!(v.public_key.algorithm, KeyAlgorithm::EcdsaP256);
    let pem = encode_string("CERTIFICATE REQUEST", LineEnding::LF, &der).unwrap();
    assert_eq!(parse_and_verify(pem.as_bytes()).unwrap(), v);

    let mut bad = der.clone();
    let last = bad.len() - 3;
    bad[last] ^= 0x01;
    assert_eq!(parse_and_verify(&bad), Err(X509Error::BadSignature));

    let other = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
    let rng = SystemRandom::new();
    let forged = build_request(
        &build_name(&[(Attr::CommonName, "x")]).unwrap(),
        key.public_key().as_der().unwrap().as_ref(),
        SignatureAlgorithm::EcdsaSha256,
        |m| Ok(other.sign(&rng, m).unwrap().as_ref().to_vec()),
    )
    .unwrap();
    assert!(
        parse_and_verify(&forged).is_err(),
        "a request signed by another key"
    );

    for junk in [
        &b""[..],
        b"hello",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        &[0x30, 0x03, 0x02, 0x01],
    ] {
        assert!(
            matches!(parse_and_verify(junk), Err(X509Error::Malformed { .. })),
            "{junk:?}"
        );
    }
}

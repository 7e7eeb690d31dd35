//! Issuance for every profile and every accepted key type, judged by openssl and pkilint
//! (issue 2: Acceptance; DOMAIN.md R-TYPES, R-VALIDITY, R-ELIGIBLE, R-LONGNAME).

use std::collections::BTreeSet;
use std::fs;

use serde_json::Value;

use crate::support::{
    CertInfo, HIISI, HIISI_NAME, JARVI, JARVI_NAME, KeyType, Pki, assert_does_not_verify,
    assert_pkilint_clean, assert_verifies, der_of_pem, make_csr, parse_rfc3339, pem_blocks,
    public_key_of,
};

const DAY: i64 = 86_400;

/// One certificate to issue and what it must look like.
struct Case<'a> {
    profile: &'a str,
    key: KeyType,
    org: &'a str,
    org_name: &'a str,
    cn: &'a str,
    /// `--dns` arguments; the certificate must carry exactly these (or the CN when none).
    dns: &'a [&'a str],
    emails: &'a [&'a str],
    days: Option<u32>,
}

impl Case<'_> {
    fn is_test(&self) -> bool {
        self.profile.starts_with("test-")
    }

    fn issuing_ca(&self) -> &'static str {
        if self.is_test() {
            "test-service-providers"
        } else {
            "service-providers"
        }
    }

    fn root(&self) -> (&'static str, &'static str) {
        if self.is_test() {
            ("test-root", "root")
        } else {
            ("root", "test-root")
        }
    }

    /// The profile's cap in days (R-VALIDITY).
    fn cap_days(&self) -> i64 {
        match self.profile {
            "server" | "test-server" => 365,
            _ => 730,
        }
    }
}

/// Issues the case from a fresh `openssl req` CSR and checks everything issue 2 and
/// DOMAIN.md demand of it. Returns the `--json` output and openssl's view.
fn issue_and_check(pki: &Pki, case: &Case<'_>, expect_ca_sig: &str) -> (Value, CertInfo) {
    let name = format!("{}-{:?}-{}", case.profile, case.key, case.org);
    let csr = make_csr(pki.tmp.path(), &name, case.key);
    let days = case.days.map(|d| d.to_string());
    let mut args = vec![
        "--profile",
        case.profile,
        "--org",
        case.org,
        "--csr",
        crate::support::s(&csr.csr),
        "--cn",
        case.cn,
        "--json",
    ];
    for d in case.dns {
        args.extend(["--dns", d]);
    }
    for e in case.emails {
        args.extend(["--email", e]);
    }
    if let Some(d) = &days {
        args.extend(["--days", d.as_str()]);
    }
    let (run, out) = pki.issue(&args);
    let run = run.ok();
    let json = run.json();
    let cert = out.join("cert.pem");
    let chain = out.join("chain.pem");
    let info = CertInfo::load(&cert);
    let ctx = format!("{name}:\n{}", info.text);

    // The files: cert.der is cert.pem's DER; chain.pem is the issuing CA then the root.
    assert_eq!(
        fs::read(out.join("cert.der")).unwrap(),
        der_of_pem(&cert),
        "cert.der differs from cert.pem ({name})"
    );
    let chain_blocks = pem_blocks(&fs::read_to_string(&chain).unwrap());
    let (root_id, other_root_id) = case.root();
    let expect_chain: Vec<String> = [case.issuing_ca(), root_id]
        .iter()
        .flat_map(|id| pem_blocks(&fs::read_to_string(pki.ca_pem(id)).unwrap()))
        .collect();
    assert_eq!(
        chain_blocks,
        expect_chain,
        "chain.pem must be {} then {root_id} ({name})",
        case.issuing_ca()
    );

    // Independent tools accept it under the right root, and only there (R-TYPES).
    let purposes: &[Option<&str>] = match case.profile {
        "server" | "test-server" => &[None, Some("sslserver"), Some("sslclient")],
        "email" => &[None, Some("smimesign")],
        _ => &[None],
    };
    for p in purposes {
        assert_verifies(&pki.ca_pem(root_id), Some(&chain), &cert, *p);
    }
    assert_does_not_verify(&pki.ca_pem(other_root_id), Some(&chain), &cert);
    assert_pkilint_clean(&cert);

    // The key is the CSR's key; nothing else of the CSR is copied.
    assert_eq!(
        public_key_of("x509", &cert, &[]),
        public_key_of("req", &csr.csr, &[]),
        "the certificate must certify the CSR's public key ({name})"
    );
    assert_eq!(
        public_key_of("x509", &cert, &[]),
        public_key_of("pkey", &csr.key, &[]),
        "the certificate must match the customer's private key ({name})"
    );
    for m in case.key.text_markers() {
        assert!(info.text.contains(m), "expected {m:?} in {ctx}");
    }
    assert!(
        !info.text.to_lowercase().contains("evil"),
        "something of the CSR's subject or SANs was copied into the certificate: {ctx}"
    );

    // Subject built from the register (R-LONGNAME): C=FI, O=<long name>, serialNumber=<OID>, CN.
    let subject = info.subject_string();
    assert_eq!(
        subject,
        format!(
            "C=FI, O={}, serialNumber={}, CN={}",
            case.org_name, case.org, case.cn
        ),
        "{ctx}"
    );
    assert_eq!(info.signature_algorithm(), expect_ca_sig, "{ctx}");

    // Extensions every certificate carries.
    let policies = info.must_ext("X509v3 Certificate Policies");
    assert!(policies.body.contains("Policy: "), "{ctx}");
    let cdp = info.must_ext("X509v3 CRL Distribution Points");
    assert!(cdp.body.contains("URI:http"), "{ctx}");
    let aia = info.must_ext("Authority Information Access");
    assert!(aia.body.contains("OCSP - URI:http"), "{ctx}");
    let ca_issuers = aia
        .body
        .lines()
        .find_map(|l| l.strip_prefix("CA Issuers - URI:"))
        .unwrap_or_else(|| panic!("no caIssuers URL: {ctx}"));
    assert!(
        ca_issuers.ends_with(&format!("/{}.der", case.issuing_ca())),
        "caIssuers {ca_issuers} should name the issuing CA {}",
        case.issuing_ca()
    );
    let ski = info.must_ext("X509v3 Subject Key Identifier");
    assert!(!ski.body.is_empty(), "{ctx}");
    let aki = info.must_ext("X509v3 Authority Key Identifier");
    let issuer_info = CertInfo::load(&pki.ca_pem(case.issuing_ca()));
    let issuer_ski = &issuer_info.must_ext("X509v3 Subject Key Identifier").body;
    assert!(
        aki.body.contains(issuer_ski.as_str()),
        "AKI {} must be the issuing CA's SKI {issuer_ski} ({name})",
        aki.body
    );
    if let Some(bc) = info.ext("X509v3 Basic Constraints") {
        assert!(bc.body.contains("CA:FALSE"), "{ctx}");
    }
    assert!(info.ext("X509v3 Name Constraints").is_none(), "{ctx}");

    // Validity (R-VALIDITY): within the cap; the cap when --days is not given.
    let validity = info.validity_seconds();
    assert!(
        validity <= case.cap_days() * DAY,
        "validity {validity} s exceeds {} days: {ctx}",
        case.cap_days()
    );
    let wanted = case.days.map_or(case.cap_days(), i64::from) * DAY;
    assert_eq!(validity, wanted, "validity in seconds ({name})");

    // Per profile.
    let ku = info.must_ext("X509v3 Key Usage");
    match case.profile {
        "server" | "test-server" => {
            let sans: BTreeSet<String> = info
                .list("X509v3 Subject Alternative Name")
                .into_iter()
                .collect();
            let names: &[&str] = if case.dns.is_empty() {
                &[case.cn]
            } else {
                case.dns
            };
            let expect: BTreeSet<String> = names.iter().map(|d| format!("DNS:{d}")).collect();
            assert_eq!(
                sans, expect,
                "the SANs must be exactly the DNS names: {ctx}"
            );
            let expect_ku: &[&str] = if case.key.is_rsa() {
                &["Digital Signature", "Key Encipherment"]
            } else {
                &["Digital Signature"]
            };
            assert_eq!(info.list("X509v3 Key Usage"), expect_ku, "{ctx}");
            assert_eq!(
                info.list("X509v3 Extended Key Usage"),
                [
                    "TLS Web Client Authentication",
                    "TLS Web Server Authentication"
                ],
                "{ctx}"
            );
        }
        "system-signature" | "test-system-signature" => {
            assert!(ku.critical, "keyUsage must be critical: {ctx}");
            assert_eq!(
                info.list("X509v3 Key Usage"),
                ["Digital Signature", "Non Repudiation"],
                "{ctx}"
            );
            assert!(
                info.ext("X509v3 Extended Key Usage").is_none(),
                "no EKU on a system signature certificate: {ctx}"
            );
            assert!(
                info.ext("X509v3 Subject Alternative Name").is_none(),
                "{ctx}"
            );
        }
        "email" => {
            let expect: Vec<String> = case.emails.iter().map(|e| format!("email:{e}")).collect();
            let mut expect = expect;
            expect.sort();
            assert_eq!(
                info.list("X509v3 Subject Alternative Name"),
                expect,
                "{ctx}"
            );
            assert!(
                info.list("X509v3 Key Usage")
                    .iter()
                    .any(|u| u == "Digital Signature"),
                "{ctx}"
            );
        }
        other => panic!("unknown profile {other}"),
    }

    // The --json output agrees with the certificate.
    for field in [
        "serial",
        "profile",
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "status",
    ] {
        assert!(
            json.get(field).is_some_and(Value::is_string),
            "--json lacks the string field {field}: {json}"
        );
    }
    assert_eq!(json["profile"], case.profile);
    assert_eq!(json["status"], "valid");
    assert_eq!(json["subject"], subject.as_str());
    assert_eq!(json["issuer"], info.issuer_string().as_str());
    assert_eq!(
        json["serial"].as_str().unwrap().to_ascii_lowercase(),
        info.serial,
        "--json serial vs the certificate's"
    );
    assert!(
        info.serial.trim_start_matches('0').len() >= 16,
        "serial {} has fewer than 64 bits",
        info.serial
    );
    assert_eq!(
        parse_rfc3339(json["not_before"].as_str().unwrap()),
        info.not_before
    );
    assert_eq!(
        parse_rfc3339(json["not_after"].as_str().unwrap()),
        info.not_after
    );
    (json, info)
}

const EC_SIG: &str = "ecdsa-with-SHA384";

#[test]
fn server_rsa2048_and_p256() {
    let pki = Pki::init(&[]);
    issue_and_check(
        &pki,
        &Case {
            profile: "server",
            key: KeyType::Rsa2048,
            org: JARVI,
            org_name: JARVI_NAME,
            cn: "www.jarvilaakso-hva.fi",
            dns: &["www.jarvilaakso-hva.fi", "jarvilaaksonhyvinvointi.fi"],
            emails: &[],
            days: None,
        },
        EC_SIG,
    );
    issue_and_check(
        &pki,
        &Case {
            profile: "server",
            key: KeyType::P256,
            org: HIISI,
            org_name: HIISI_NAME,
            cn: "kanta.hiidenkivi-data.fi",
            dns: &[],
            emails: &[],
            days: Some(30),
        },
        EC_SIG,
    );
    assert_eq!(pki.cert_count(), 2);
}

#[test]
fn test_server_rsa3072_and_p384() {
    let pki = Pki::init(&[]);
    issue_and_check(
        &pki,
        &Case {
            profile: "test-server",
            key: KeyType::Rsa3072,
            org: JARVI,
            org_name: JARVI_NAME,
            cn: "testi.jarvilaakso-hva.fi",
            dns: &["testi.jarvilaakso-hva.fi"],
            emails: &[],
            days: None,
        },
        EC_SIG,
    );
    issue_and_check(
        &pki,
        &Case {
            profile: "test-server",
            key: KeyType::P384,
            org: HIISI,
            org_name: HIISI_NAME,
            cn: "hiidenkivi-data.fi",
            dns: &["hiidenkivi-data.fi"],
            emails: &[],
            days: Some(365),
        },
        EC_SIG,
    );
}

#[test]
fn system_signature_p384_and_rsa3072() {
    let pki = Pki::init(&[]);
    issue_and_check(
        &pki,
        &Case {
            profile: "system-signature",
            key: KeyType::P384,
            org: JARVI,
            org_name: JARVI_NAME,
            cn: "Järvilaakso potilastietojärjestelmä",
            dns: &[],
            emails: &[],
            days: None,
        },
        EC_SIG,
    );
    issue_and_check(
        &pki,
        &Case {
            profile: "system-signature",
            key: KeyType::Rsa3072,
            org: HIISI,
            org_name: HIISI_NAME,
            cn: "Hiidenkivi arkistointipalvelu",
            dns: &[],
            emails: &[],
            days: Some(730),
        },
        EC_SIG,
    );
}

#[test]
fn test_system_signature_rsa4096() {
    let pki = Pki::init(&[]);
    issue_and_check(
        &pki,
        &Case {
            profile: "test-system-signature",
            key: KeyType::Rsa4096,
            org: JARVI,
            org_name: JARVI_NAME,
            cn: "Järvilaakso testijärjestelmä",
            dns: &[],
            emails: &[],
            days: Some(100),
        },
        EC_SIG,
    );
}

#[test]
fn email_p256_and_rsa2048() {
    let pki = Pki::init(&[]);
    issue_and_check(
        &pki,
        &Case {
            profile: "email",
            key: KeyType::P256,
            org: JARVI,
            org_name: JARVI_NAME,
            cn: "Kirjaamo",
            dns: &[],
            emails: &["kirjaamo@jarvilaakso-hva.fi"],
            days: None,
        },
        EC_SIG,
    );
    issue_and_check(
        &pki,
        &Case {
            profile: "email",
            key: KeyType::Rsa2048,
            org: HIISI,
            org_name: HIISI_NAME,
            cn: "Tietosuojavastaava",
            dns: &[],
            emails: &["tietosuoja@hiidenkivi-data.fi"],
            days: Some(10),
        },
        EC_SIG,
    );
}

/// Under an RSA-4096 hierarchy the certificates are signed sha512WithRSAEncryption.
pub(crate) fn issue_under_rsa_hierarchy(pki: &Pki) {
    issue_and_check(
        pki,
        &Case {
            profile: "server",
            key: KeyType::P256,
            org: JARVI,
            org_name: JARVI_NAME,
            cn: "rsa.jarvilaakso-hva.fi",
            dns: &[],
            emails: &[],
            days: None,
        },
        "sha512WithRSAEncryption",
    );
    issue_and_check(
        pki,
        &Case {
            profile: "test-system-signature",
            key: KeyType::Rsa2048,
            org: HIISI,
            org_name: HIISI_NAME,
            cn: "Hiidenkivi testi",
            dns: &[],
            emails: &[],
            days: None,
        },
        "sha512WithRSAEncryption",
    );
}

/// `cert list --json`, `cert list --org` and `cert show SERIAL --json` agree with what
/// `issue --json` printed.
#[test]
fn cert_list_filters_and_cert_show_agrees() {
    let pki = Pki::init(&[]);
    let a = make_csr(pki.tmp.path(), "a", KeyType::P256);
    let b = make_csr(pki.tmp.path(), "b", KeyType::P256);
    let (ra, _) = pki.issue(&[
        "--profile",
        "server",
        "--org",
        JARVI,
        "--csr",
        crate::support::s(&a.csr),
        "--cn",
        "www.jarvilaakso-hva.fi",
        "--json",
    ]);
    let ja = ra.ok().json();
    let (rb, out_b) = pki.issue(&[
        "--profile",
        "test-system-signature",
        "--org",
        HIISI,
        "--csr",
        crate::support::s(&b.csr),
        "--cn",
        "Hiidenkivi testi",
        "--json",
    ]);
    let jb = rb.ok().json();

    let all = pki.run(&["cert", "list", "--json"]).ok().json();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let serials: BTreeSet<&str> = all.iter().map(|c| c["serial"].as_str().unwrap()).collect();
    assert_eq!(
        serials,
        BTreeSet::from([
            ja["serial"].as_str().unwrap(),
            jb["serial"].as_str().unwrap()
        ])
    );
    for c in all {
        for field in [
            "serial",
            "profile",
            "subject",
            "not_before",
            "not_after",
            "status",
        ] {
            assert!(c.get(field).is_some_and(Value::is_string), "{field}: {c}");
        }
    }

    let jarvi = pki
        .run(&["cert", "list", "--org", JARVI, "--json"])
        .ok()
        .json();
    let jarvi = jarvi.as_array().unwrap();
    assert_eq!(jarvi.len(), 1, "{jarvi:?}");
    assert_eq!(jarvi[0]["serial"], ja["serial"]);
    assert_eq!(jarvi[0]["subject"], ja["subject"]);
    let hiisi = pki
        .run(&["cert", "list", "--org", HIISI, "--json"])
        .ok()
        .json();
    assert_eq!(hiisi.as_array().unwrap().len(), 1, "{hiisi}");
    assert_eq!(hiisi[0]["serial"], jb["serial"]);
    let none = pki
        .run(&[
            "cert",
            "list",
            "--org",
            "1.2.246.10.12345678.10.0",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(none.as_array().unwrap().len(), 0, "{none}");

    // cert show with the serial exactly as issue --json printed it.
    for (j, org) in [(&ja, JARVI), (&jb, HIISI)] {
        let serial = j["serial"].as_str().unwrap();
        let shown = pki.run(&["cert", "show", serial, "--json"]).ok().json();
        for field in [
            "serial",
            "profile",
            "subject",
            "not_before",
            "not_after",
            "status",
        ] {
            assert_eq!(shown[field], j[field], "cert show {serial}: {field}");
        }
        assert_eq!(shown["organisation"], org);
    }
    // The PEM it shows is the certificate issued.
    let serial_b = jb["serial"].as_str().unwrap();
    let shown = pki.run(&["cert", "show", serial_b, "--json"]).ok().json();
    assert_eq!(
        pem_blocks(shown["pem"].as_str().unwrap_or_default()),
        pem_blocks(&fs::read_to_string(out_b.join("cert.pem")).unwrap())
    );
    // Upper case works as well; an unknown serial is a clear error.
    pki.run(&["cert", "show", &serial_b.to_ascii_uppercase()])
        .ok();
    pki.run(&["cert", "show", "7fffffffffffffffffffffffffffffff"])
        .refused(&["no issued certificate"]);
}

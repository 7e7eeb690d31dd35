//! The CA hierarchies of `init`: every CA certificate lints clean with pkilint and
//! chains to its own root only; path lengths; algorithms (issue 2, item 2).

use std::collections::BTreeSet;
use std::fs;

use crate::support::{
    CertInfo, Pki, assert_does_not_verify, assert_pkilint_clean, assert_verifies, s,
};

const IDS: [&str; 8] = [
    "root",
    "service-providers",
    "professionals",
    "temporary",
    "test-root",
    "test-service-providers",
    "test-professionals",
    "test-temporary",
];

fn check_hierarchy(pki: &Pki, sig_alg: &str, key_markers: &[&str]) {
    // ca export wrote exactly the eight <id>.pem files.
    let files: BTreeSet<String> = fs::read_dir(pki.cas_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let expect: BTreeSet<String> = IDS.iter().map(|id| format!("{id}.pem")).collect();
    assert_eq!(files, expect, "ca export must write one <id>.pem per CA");

    let listed = pki.run(&["ca", "list", "--json"]).ok().json();
    let listed: BTreeSet<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, IDS.iter().copied().collect::<BTreeSet<_>>());

    let root = CertInfo::load(&pki.ca_pem("root"));
    let test_root = CertInfo::load(&pki.ca_pem("test-root"));
    assert_ne!(
        root.subject_string(),
        test_root.subject_string(),
        "the TEST root must be a different CA (R-TYPES)"
    );

    for id in IDS {
        let pem = pki.ca_pem(id);
        let info = CertInfo::load(&pem);
        let ctx = format!("{id}:\n{}", info.text);
        let test = id.starts_with("test-");
        let (own_root, other_root) = if test {
            ("test-root", "root")
        } else {
            ("root", "test-root")
        };
        let is_root = id == own_root;

        assert_pkilint_clean(&pem);
        assert_verifies(&pki.ca_pem(own_root), None, &pem, None);
        assert_does_not_verify(&pki.ca_pem(other_root), None, &pem);

        assert_eq!(info.signature_algorithm(), sig_alg, "{ctx}");
        for m in key_markers {
            assert!(info.text.contains(m), "expected {m:?}: {ctx}");
        }
        let bc = info.must_ext("X509v3 Basic Constraints");
        assert!(bc.critical, "basicConstraints must be critical: {ctx}");
        assert!(bc.body.starts_with("CA:TRUE"), "{ctx}");
        if is_root {
            assert!(
                bc.body == "CA:TRUE" || bc.body == "CA:TRUE, pathlen:1",
                "root pathLen must be unset or 1: {ctx}"
            );
            assert_eq!(info.subject, info.issuer, "a root is self-issued: {ctx}");
        } else {
            assert_eq!(bc.body, "CA:TRUE, pathlen:0", "sub-CA pathLen 0: {ctx}");
            let root_info = if test { &test_root } else { &root };
            assert_eq!(info.issuer, root_info.subject, "{ctx}");
            let root_ski = &root_info.must_ext("X509v3 Subject Key Identifier").body;
            assert!(
                info.must_ext("X509v3 Authority Key Identifier")
                    .body
                    .contains(root_ski.as_str()),
                "AKI must be the root's SKI: {ctx}"
            );
        }
        let ku = info.must_ext("X509v3 Key Usage");
        assert!(ku.critical, "{ctx}");
        assert!(
            info.list("X509v3 Key Usage")
                .iter()
                .any(|u| u == "Certificate Sign"),
            "{ctx}"
        );
        assert!(info.ext("X509v3 Subject Key Identifier").is_some(), "{ctx}");
        assert_eq!(
            test,
            info.subject_string().contains("TEST"),
            "TEST CAs say so in their names: {ctx}"
        );
    }
}

#[test]
fn ecdsa_p384_hierarchy_is_clean() {
    let pki = Pki::init(&[]);
    check_hierarchy(&pki, "ecdsa-with-SHA384", &["NIST CURVE: P-384"]);
}

/// `init --algorithm rsa-4096` as issue 2 spells it; one RSA init only (slow).
#[test]
fn rsa_4096_hierarchy_is_clean() {
    let pki = Pki::uninitialised();
    let init = pki.run(&["init", "--demo-organisations", "--algorithm", "rsa-4096"]);
    assert!(
        init.success(),
        "issue 2 asks for `init --algorithm rsa-4096`: {}",
        init.describe()
    );
    pki.run(&["ca", "export", "--out-dir", s(&pki.cas_dir())])
        .ok();
    check_hierarchy(
        &pki,
        "sha512WithRSAEncryption",
        &["rsaEncryption", "Public-Key: (4096 bit)"],
    );
    crate::issuance::issue_under_rsa_hierarchy(&pki);
}

//! The judges themselves: the pkilint gate and the message matcher can fail.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::support::{Pki, assert_pkilint_clean, names_all, openssl, s};

#[test]
fn pkilint_gate_rejects_a_bad_certificate() {
    let pki = Pki::uninitialised();
    // A CA certificate without keyCertSign and with a non-critical keyUsage: pkilint
    // reports an ERROR and a WARNING.
    let bad = pki.path("bad-ca.pem");
    openssl([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        s(&pki.path("bad-ca.key")),
        "-subj",
        "/CN=bad",
        "-days",
        "10",
        "-addext",
        "keyUsage=digitalSignature",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-out",
        s(&bad),
    ])
    .ok();
    let caught = catch_unwind(AssertUnwindSafe(|| assert_pkilint_clean(&bad)));
    assert!(
        caught.is_err(),
        "the pkilint gate let a bad certificate through"
    );
    // A file that is not a certificate is not "clean" either.
    let junk = pki.path("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let caught = catch_unwind(AssertUnwindSafe(|| assert_pkilint_clean(&junk)));
    assert!(
        caught.is_err(),
        "the pkilint gate passed a file it could not read"
    );
}

#[test]
fn message_matcher_needs_whole_words() {
    assert!(names_all("error: DSA keys are not accepted", &["dsa"]));
    assert!(!names_all("error: use ECDSA on P-256", &["dsa"]));
    assert!(names_all(
        "DNS name \"evil-jarvilaakso-hva.fi\" is not within the domains",
        &["evil-jarvilaakso-hva.fi", "domains"]
    ));
    assert!(!names_all("a validity of 3660 days", &["366"]));
}

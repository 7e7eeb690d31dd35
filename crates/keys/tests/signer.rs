//! Signing with every key algorithm and its allowed signature algorithms,
//! verified against the SubjectPublicKeyInfo with aws-lc-rs.
// Helpers outside #[test] fns unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use carepki_keys::{
    KeyAlgorithm, KeyError, SignatureAlgorithm, Signer, SoftwareKey, check_algorithms,
    measure_sign_rate, measure_sign_rate_threads,
};
use const_oid::db::rfc5912;
use der::Decode;
use spki::SubjectPublicKeyInfoRef;

const KEYS: [KeyAlgorithm; 5] = [
    KeyAlgorithm::EcdsaP256,
    KeyAlgorithm::EcdsaP384,
    KeyAlgorithm::Rsa2048,
    KeyAlgorithm::Rsa3072,
    KeyAlgorithm::Rsa4096,
];

const SIGS: [SignatureAlgorithm; 5] = [
    SignatureAlgorithm::EcdsaSha256,
    SignatureAlgorithm::EcdsaSha384,
    SignatureAlgorithm::RsaPkcs1Sha256,
    SignatureAlgorithm::RsaPkcs1Sha384,
    SignatureAlgorithm::RsaPkcs1Sha512,
];

fn allowed(key: KeyAlgorithm) -> Vec<SignatureAlgorithm> {
    match key {
        KeyAlgorithm::EcdsaP256 => vec![SignatureAlgorithm::EcdsaSha256],
        KeyAlgorithm::EcdsaP384 => vec![SignatureAlgorithm::EcdsaSha384],
        _ => vec![
            SignatureAlgorithm::RsaPkcs1Sha256,
            SignatureAlgorithm::RsaPkcs1Sha384,
            SignatureAlgorithm::RsaPkcs1Sha512,
        ],
    }
}

fn verification_alg(sig: SignatureAlgorithm) -> &'static dyn VerificationAlgorithm {
    match sig {
        SignatureAlgorithm::EcdsaSha256 => &signature::ECDSA_P256_SHA256_ASN1,
        SignatureAlgorithm::EcdsaSha384 => &signature::ECDSA_P384_SHA384_ASN1,
        SignatureAlgorithm::RsaPkcs1Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        SignatureAlgorithm::RsaPkcs1Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        SignatureAlgorithm::RsaPkcs1Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
    }
}

/// Verifies `sig` over `msg` with the key in `spki_der`, and checks that the
/// SPKI names the key's algorithm.
fn verify(
    spki_der: &[u8],
    key: KeyAlgorithm,
    alg: SignatureAlgorithm,
    msg: &[u8],
    sig: &[u8],
) -> bool {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der).unwrap();
    let (oid, param) = spki.algorithm.oids().unwrap();
    match key {
        KeyAlgorithm::EcdsaP256 => {
            assert_eq!(oid, rfc5912::ID_EC_PUBLIC_KEY);
            assert_eq!(param, Some(rfc5912::SECP_256_R_1));
        }
        KeyAlgorithm::EcdsaP384 => {
            assert_eq!(oid, rfc5912::ID_EC_PUBLIC_KEY);
            assert_eq!(param, Some(rfc5912::SECP_384_R_1));
        }
        _ => assert_eq!(oid, rfc5912::RSA_ENCRYPTION),
    }
    let bits = spki.subject_public_key.as_bytes().unwrap();
    UnparsedPublicKey::new(verification_alg(alg), bits)
        .verify(msg, sig)
        .is_ok()
}

fn check_key(key: KeyAlgorithm) {
    let msg = b"tbsCertificate stand-in";
    for sig in SIGS {
        let result = SoftwareKey::generate(key, sig);
        if !allowed(key).contains(&sig) {
            let err = result.unwrap_err();
            assert!(
                matches!(err, KeyError::AlgorithmMismatch { .. }),
                "{key} {sig}: {err}"
            );
            assert!(err.to_string().contains(sig.name()), "{err}");
            assert!(check_algorithms(key, sig).is_err());
            continue;
        }
        let signer = result.unwrap();
        assert_eq!(signer.key_algorithm(), key);
        assert_eq!(signer.signature_algorithm(), sig);
        let s = signer.sign(msg).unwrap();
        if sig.is_ecdsa() {
            assert_eq!(s[0], 0x30, "ECDSA signature must be a DER SEQUENCE");
        } else {
            let bytes = match key {
                KeyAlgorithm::Rsa2048 => 256,
                KeyAlgorithm::Rsa3072 => 384,
                _ => 512,
            };
            assert_eq!(s.len(), bytes);
        }
        assert!(
            verify(signer.public_key_spki(), key, sig, msg, &s),
            "{key} {sig}"
        );
        assert!(!verify(
            signer.public_key_spki(),
            key,
            sig,
            b"another message",
            &s
        ));
        // Signing a digest fed in pieces verifies as a signature over the whole message.
        let mut ctx = signer.digest_context();
        ctx.update(&msg[..5]);
        ctx.update(&msg[5..]);
        let streamed = signer.sign_digest(&ctx.finish()).unwrap();
        assert!(
            verify(signer.public_key_spki(), key, sig, msg, &streamed),
            "{key} {sig}: digest signing"
        );
        // Debug shows the algorithms, not the key.
        let dbg = format!("{signer:?}");
        assert!(dbg.starts_with("SoftwareKey"), "{dbg}");
        assert!(dbg.len() < 120, "{dbg}");
    }
}

#[test]
fn ecdsa_p256() {
    check_key(KeyAlgorithm::EcdsaP256);
}

#[test]
fn ecdsa_p384() {
    check_key(KeyAlgorithm::EcdsaP384);
}

#[test]
fn rsa_2048() {
    check_key(KeyAlgorithm::Rsa2048);
}

#[test]
fn rsa_3072() {
    check_key(KeyAlgorithm::Rsa3072);
}

#[test]
fn rsa_4096() {
    check_key(KeyAlgorithm::Rsa4096);
}

#[test]
fn every_pair_is_checked() {
    for key in KEYS {
        for sig in SIGS {
            assert_eq!(
                check_algorithms(key, sig).is_ok(),
                allowed(key).contains(&sig),
                "{key} {sig}"
            );
        }
    }
}

/// An unencrypted PKCS#8 DER key made by the openssl binary (its PEM output
/// is PKCS#8; its DER output would be the traditional format).
fn openssl_pkcs8(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .arg("genpkey")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = String::from_utf8(out.stdout).unwrap();
    let (label, doc) = der::SecretDocument::from_pem(&pem).unwrap();
    assert_eq!(label, "PRIVATE KEY");
    doc.as_bytes().to_vec()
}

#[test]
fn pkcs8_detects_key_type_and_size() {
    let p384 = openssl_pkcs8(&["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]);
    let k = SoftwareKey::from_pkcs8_der(&p384, SignatureAlgorithm::EcdsaSha384).unwrap();
    assert_eq!(k.key_algorithm(), KeyAlgorithm::EcdsaP384);
    let s = k.sign(b"m").unwrap();
    assert!(verify(
        k.public_key_spki(),
        KeyAlgorithm::EcdsaP384,
        SignatureAlgorithm::EcdsaSha384,
        b"m",
        &s
    ));
    let err = SoftwareKey::from_pkcs8_der(&p384, SignatureAlgorithm::EcdsaSha256).unwrap_err();
    assert!(matches!(err, KeyError::AlgorithmMismatch { .. }), "{err}");
    let err = SoftwareKey::from_pkcs8_der(&p384, SignatureAlgorithm::RsaPkcs1Sha256).unwrap_err();
    assert!(matches!(err, KeyError::AlgorithmMismatch { .. }), "{err}");

    let p256 = openssl_pkcs8(&["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    let k = SoftwareKey::from_pkcs8_der(&p256, SignatureAlgorithm::EcdsaSha256).unwrap();
    assert_eq!(k.key_algorithm(), KeyAlgorithm::EcdsaP256);

    let rsa = openssl_pkcs8(&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
    let k = SoftwareKey::from_pkcs8_der(&rsa, SignatureAlgorithm::RsaPkcs1Sha384).unwrap();
    assert_eq!(k.key_algorithm(), KeyAlgorithm::Rsa2048);
    let s = k.sign(b"m").unwrap();
    assert!(verify(
        k.public_key_spki(),
        KeyAlgorithm::Rsa2048,
        SignatureAlgorithm::RsaPkcs1Sha384,
        b"m",
        &s
    ));
    let err = SoftwareKey::from_pkcs8_der(&rsa, SignatureAlgorithm::EcdsaSha256).unwrap_err();
    assert!(matches!(err, KeyError::AlgorithmMismatch { .. }), "{err}");

    let p521 = openssl_pkcs8(&["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]);
    let err = SoftwareKey::from_pkcs8_der(&p521, SignatureAlgorithm::EcdsaSha384).unwrap_err();
    assert!(matches!(err, KeyError::UnsupportedKey { .. }), "{err}");

    let ed = openssl_pkcs8(&["-algorithm", "ED25519"]);
    let err = SoftwareKey::from_pkcs8_der(&ed, SignatureAlgorithm::EcdsaSha256).unwrap_err();
    assert!(matches!(err, KeyError::UnsupportedKey { .. }), "{err}");

    let err =
        SoftwareKey::from_pkcs8_der(b"not a key", SignatureAlgorithm::EcdsaSha256).unwrap_err();
    assert!(matches!(err, KeyError::InvalidKey { .. }), "{err}");
}

#[test]
fn sign_rate_is_measured() {
    let key =
        SoftwareKey::generate(KeyAlgorithm::EcdsaP256, SignatureAlgorithm::EcdsaSha256).unwrap();
    let rate = measure_sign_rate(&key, b"m", Duration::from_millis(50)).unwrap();
    assert!(rate > 0.0);
    let rate =
        measure_sign_rate_threads(Arc::new(key), b"m", Duration::from_millis(50), 2).unwrap();
    assert!(rate > 0.0);
}

/// Raw signing rates; run with
/// `cargo test -p carepki-keys --release -- --ignored --nocapture sign_rates`.
#[test]
#[ignore = "benchmark: takes several seconds"]
fn sign_rates() {
    let cases = [
        (KeyAlgorithm::EcdsaP384, SignatureAlgorithm::EcdsaSha384),
        (KeyAlgorithm::EcdsaP256, SignatureAlgorithm::EcdsaSha256),
        (KeyAlgorithm::Rsa2048, SignatureAlgorithm::RsaPkcs1Sha256),
        (KeyAlgorithm::Rsa4096, SignatureAlgorithm::RsaPkcs1Sha512),
    ];
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    // About the size of a tbsCertificate.
    let message = vec![0x5a_u8; 1000];
    for (key, sig) in cases {
        let signer: Arc<dyn Signer> = Arc::new(SoftwareKey::generate(key, sig).unwrap());
        let one = measure_sign_rate(signer.as_ref(), &message, Duration::from_secs(1)).unwrap();
        let many =
            measure_sign_rate_threads(signer, &message, Duration::from_secs(1), threads).unwrap();
        println!("{key:<12} {sig:<24} 1 thread: {one:>9.0}/s   {threads} threads: {many:>9.0}/s");
    }
}

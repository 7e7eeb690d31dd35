//! The encrypted key file: round trip, wrong passphrase, OpenSSL interop,
//! file modes.
// Helpers outside #[test] fns unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use carepki_keys::{KeyAlgorithm, KeyError, Passphrase, SignatureAlgorithm, Signer, SoftwareKey};
use der::asn1::OctetStringRef;
use der::pem::LineEnding;
use der::{Decode, SecretDocument};
use pkcs8::EncryptedPrivateKeyInfoRef;
use pkcs8::pkcs5::pbes2::Kdf;
use pkcs8::pkcs5::{EncryptionScheme, scrypt};

const PASS: &str = "correct horse battery staple";

fn pass(s: &str) -> Passphrase {
    Passphrase::new(s.to_owned()).unwrap()
}

fn p256() -> SoftwareKey {
    SoftwareKey::generate(KeyAlgorithm::EcdsaP256, SignatureAlgorithm::EcdsaSha256).unwrap()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn encrypted_pem_round_trip() {
    let key =
        SoftwareKey::generate(KeyAlgorithm::EcdsaP384, SignatureAlgorithm::EcdsaSha384).unwrap();
    let pem = key.to_encrypted_pem(&pass(PASS)).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
        "{}",
        pem.as_str()
    );

    // PBES2 with scrypt N=2^14 r=8 p=1, AES-256-CBC, 16-byte salt.
    let (_, doc) = SecretDocument::from_pem(&pem).unwrap();
    let info = EncryptedPrivateKeyInfoRef::from_der(doc.as_bytes()).unwrap();
    let EncryptionScheme::Pbes2(params) = &info.encryption_algorithm else {
        panic!("not PBES2")
    };
    let Kdf::Scrypt(s) = &params.kdf else {
        panic!("not scrypt")
    };
    assert_eq!(
        (s.cost_parameter, s.block_size, s.parallelization),
        (1 << 14, 8, 1)
    );
    assert_eq!(s.salt.as_bytes().len(), 16);
    assert!(matches!(
        params.encryption,
        pkcs8::pkcs5::pbes2::EncryptionScheme::Aes256Cbc { .. }
    ));

    // Salt and IV are fresh each time.
    let again = key.to_encrypted_pem(&pass(PASS)).unwrap();
    assert_ne!(pem.as_str(), again.as_str());

    let back = SoftwareKey::from_encrypted_pem(&pem, &pass(PASS), SignatureAlgorithm::EcdsaSha384)
        .unwrap();
    assert_eq!(back.public_key_spki(), key.public_key_spki());
    assert_eq!(back.key_algorithm(), KeyAlgorithm::EcdsaP384);

    let err = SoftwareKey::from_encrypted_pem(&pem, &pass(PASS), SignatureAlgorithm::EcdsaSha256)
        .unwrap_err();
    assert!(matches!(err, KeyError::AlgorithmMismatch { .. }), "{err}");
}

#[test]
fn rsa_round_trip_keeps_signature_algorithm_choice() {
    let key =
        SoftwareKey::generate(KeyAlgorithm::Rsa2048, SignatureAlgorithm::RsaPkcs1Sha512).unwrap();
    let pem = key.to_encrypted_pem(&pass(PASS)).unwrap();
    let back =
        SoftwareKey::from_encrypted_pem(&pem, &pass(PASS), SignatureAlgorithm::RsaPkcs1Sha256)
            .unwrap();
    assert_eq!(back.key_algorithm(), KeyAlgorithm::Rsa2048);
    assert_eq!(
        back.signature_algorithm(),
        SignatureAlgorithm::RsaPkcs1Sha256
    );
    assert_eq!(back.public_key_spki(), key.public_key_spki());
}

#[test]
fn wrong_passphrase_gives_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.key");
    p256().write_encrypted(&path, &pass(PASS)).unwrap();
    let wrong = "the wrong passphrase, surely";
    let err = SoftwareKey::load_encrypted(&path, &pass(wrong), SignatureAlgorithm::EcdsaSha256)
        .unwrap_err();
    assert!(matches!(err, KeyError::WrongPassphrase { .. }), "{err:?}");
    let msg = err.to_string();
    assert_eq!(
        msg,
        format!(
            "cannot decrypt CA key file {}: wrong passphrase or damaged file; \
             set CAREPKI_PASSPHRASE to the passphrase used at init",
            path.display()
        )
    );
    assert!(!msg.contains(wrong) && !format!("{err:?}").contains(wrong));
    assert!(!msg.contains(PASS) && !format!("{err:?}").contains(PASS));

    let pem = fs::read_to_string(&path).unwrap();
    let err = SoftwareKey::from_encrypted_pem(&pem, &pass(wrong), SignatureAlgorithm::EcdsaSha256)
        .unwrap_err();
    assert!(matches!(err, KeyError::WrongPassphrase { .. }), "{err:?}");
}

#[test]
fn damaged_and_foreign_pem_is_refused() {
    let key = p256();
    let pem = key.to_encrypted_pem(&pass(PASS)).unwrap();
    let err =
        SoftwareKey::from_encrypted_pem("hello", &pass(PASS), SignatureAlgorithm::EcdsaSha256)
            .unwrap_err();
    assert!(matches!(err, KeyError::NotEncryptedPem { .. }), "{err}");

    let plain = pem.replace("ENCRYPTED PRIVATE KEY", "PRIVATE KEY");
    let err = SoftwareKey::from_encrypted_pem(&plain, &pass(PASS), SignatureAlgorithm::EcdsaSha256)
        .unwrap_err();
    assert!(matches!(err, KeyError::NotEncryptedPem { .. }), "{err}");
    assert!(err.to_string().contains("\"PRIVATE KEY\""), "{err}");
}

#[test]
fn excessive_scrypt_cost_is_refused() {
    // An attacker who can edit the file must not make us allocate gigabytes.
    let params = pkcs8::pkcs5::pbes2::Parameters::generate_scrypt_aes256cbc(
        scrypt::Params::new(22, 8, 1).unwrap(),
        &[7u8; 16],
        [9u8; 16],
    )
    .unwrap();
    let info = EncryptedPrivateKeyInfoRef {
        encryption_algorithm: EncryptionScheme::Pbes2(params),
        encrypted_data: OctetStringRef::new(&[0u8; 48]).unwrap(),
    };
    let pem = SecretDocument::encode_msg(&info)
        .unwrap()
        .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .unwrap();
    let err = SoftwareKey::from_encrypted_pem(&pem, &pass(PASS), SignatureAlgorithm::EcdsaSha256)
        .unwrap_err();
    assert!(
        matches!(err, KeyError::UnsupportedEncryption { .. }),
        "{err}"
    );
}

fn openssl_pubkey_der(path: &Path, passphrase: &str) -> Vec<u8> {
    let out = Command::new("/usr/bin/openssl")
        .arg("pkey")
        .arg("-in")
        .arg(path)
        .args([
            "-passin",
            "env:CAREPKI_TEST_PASSIN",
            "-pubout",
            "-outform",
            "DER",
        ])
        .env("CAREPKI_TEST_PASSIN", passphrase)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl pkey failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn openssl_reads_our_file() {
    let dir = tempfile::tempdir().unwrap();
    for (key, sig) in [
        (KeyAlgorithm::EcdsaP384, SignatureAlgorithm::EcdsaSha384),
        (KeyAlgorithm::EcdsaP256, SignatureAlgorithm::EcdsaSha256),
        (KeyAlgorithm::Rsa2048, SignatureAlgorithm::RsaPkcs1Sha256),
    ] {
        let k = SoftwareKey::generate(key, sig).unwrap();
        let path = dir.path().join(format!("{sig}.pem"));
        k.write_encrypted(&path, &pass(PASS)).unwrap();
        assert_eq!(
            openssl_pubkey_der(&path, PASS),
            k.public_key_spki(),
            "{key}"
        );

        // And the PEM form `openssl pkey -pubout` prints by default.
        let out = Command::new("/usr/bin/openssl")
            .arg("pkey")
            .arg("-in")
            .arg(&path)
            .args(["-passin", &format!("pass:{PASS}"), "-pubout"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (label, doc) =
            der::Document::from_pem(std::str::from_utf8(&out.stdout).unwrap()).unwrap();
        assert_eq!(label, "PUBLIC KEY");
        assert_eq!(doc.as_bytes(), k.public_key_spki());
    }
}

#[test]
fn we_read_openssl_encrypted_keys() {
    let dir = tempfile::tempdir().unwrap();
    for (args, sig, key) in [
        (
            vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            SignatureAlgorithm::EcdsaSha384,
            KeyAlgorithm::EcdsaP384,
        ),
        (
            vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
            SignatureAlgorithm::RsaPkcs1Sha384,
            KeyAlgorithm::Rsa3072,
        ),
    ] {
        let path = dir.path().join(format!("{key}.pem"));
        // OpenSSL's default PBES2: PBKDF2-HMAC-SHA256 with AES-256-CBC.
        let st = Command::new("/usr/bin/openssl")
            .arg("genpkey")
            .args(&args)
            .args(["-aes-256-cbc", "-pass", "env:CAREPKI_TEST_PASSIN", "-out"])
            .arg(&path)
            .env("CAREPKI_TEST_PASSIN", PASS)
            .status()
            .unwrap();
        assert!(st.success());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let k = SoftwareKey::load_encrypted(&path, &pass(PASS), sig).unwrap();
        assert_eq!(k.key_algorithm(), key);
        assert_eq!(openssl_pubkey_der(&path, PASS), k.public_key_spki());
    }
}

#[test]
fn write_creates_0600_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.key");
    let key = p256();
    key.write_encrypted(&path, &pass(PASS)).unwrap();
    assert_eq!(mode(&path), 0o600);
    let before = fs::read(&path).unwrap();

    let err = p256().write_encrypted(&path, &pass(PASS)).unwrap_err();
    assert!(matches!(err, KeyError::AlreadyExists { .. }), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "the existing key must be untouched"
    );

    let loaded =
        SoftwareKey::load_encrypted(&path, &pass(PASS), SignatureAlgorithm::EcdsaSha256).unwrap();
    assert_eq!(loaded.public_key_spki(), key.public_key_spki());
}

#[test]
fn load_refuses_group_or_world_access() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.key");
    p256().write_encrypted(&path, &pass(PASS)).unwrap();
    for bad in [0o644, 0o640, 0o604, 0o620] {
        fs::set_permissions(&path, fs::Permissions::from_mode(bad)).unwrap();
        let err = SoftwareKey::load_encrypted(&path, &pass(PASS), SignatureAlgorithm::EcdsaSha256)
            .unwrap_err();
        assert!(matches!(err, KeyError::InsecurePermissions { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("chmod 600 {}", path.display())),
            "{msg}"
        );
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    SoftwareKey::load_encrypted(&path, &pass(PASS), SignatureAlgorithm::EcdsaSha256).unwrap();
}

#[test]
fn load_missing_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.key");
    let err = SoftwareKey::load_encrypted(&path, &pass(PASS), SignatureAlgorithm::EcdsaSha256)
        .unwrap_err();
    assert!(matches!(err, KeyError::KeyFileMissing { .. }), "{err}");
    assert!(err.to_string().contains("nope.key"), "{err}");
}

#[test]
fn write_into_missing_directory_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/ca.key");
    let err = p256().write_encrypted(&path, &pass(PASS)).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::Io {
                action: "create",
                ..
            }
        ),
        "{err}"
    );
}

//! Passphrases: length, secrecy in Debug, env-or-file resolution.
// Helpers outside #[test] fns unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;

use carepki_keys::{KeyError, Passphrase};

#[test]
fn too_short_is_rejected() {
    let err = Passphrase::new("fifteen chars!!".to_owned()).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::PassphraseTooShort {
                len: 15,
                min: 16,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.to_string().contains("fifteen"), "{err}");
    assert!(!format!("{err:?}").contains("fifteen"));
    Passphrase::new("sixteen chars!!!".to_owned()).unwrap();
    // Characters, not bytes.
    assert!(Passphrase::new("é".repeat(15)).is_err());
    Passphrase::new("é".repeat(16)).unwrap();
}

#[test]
fn debug_hides_it() {
    let p = Passphrase::new("a very secret passphrase".to_owned()).unwrap();
    assert_eq!(format!("{p:?}"), "Passphrase(***)");
    assert_eq!(format!("{:?}", Some(&p)), "Some(Passphrase(***))");
}

#[test]
fn generated_passphrases_are_long_and_random() {
    let a = Passphrase::generate().unwrap();
    let b = Passphrase::generate().unwrap();
    assert_eq!(a.expose_secret().len(), 64);
    assert!(a.expose_secret().bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a.expose_secret(), b.expose_secret());
}

#[test]
fn create_file_then_resolve_from_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passphrase");
    let created = Passphrase::create_file(&file).unwrap();
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        format!("{}\n", created.expose_secret())
    );

    let read = Passphrase::resolve(None, &file).unwrap();
    assert_eq!(read.expose_secret(), created.expose_secret());
    // An empty variable counts as unset.
    let read = Passphrase::resolve(Some(String::new()), &file).unwrap();
    assert_eq!(read.expose_secret(), created.expose_secret());

    let err = Passphrase::create_file(&file).unwrap_err();
    assert!(matches!(err, KeyError::AlreadyExists { .. }), "{err}");
    assert_eq!(
        Passphrase::resolve(None, &file).unwrap().expose_secret(),
        created.expose_secret()
    );
}

#[test]
fn env_value_wins_over_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passphrase");
    Passphrase::create_file(&file).unwrap();
    let p = Passphrase::resolve(Some("from the environment".to_owned()), &file).unwrap();
    assert_eq!(p.expose_secret(), "from the environment");
    // Even with no file at all.
    let p = Passphrase::resolve(
        Some("from the environment".to_owned()),
        &dir.path().join("none"),
    )
    .unwrap();
    assert_eq!(p.expose_secret(), "from the environment");

    let err = Passphrase::resolve(Some("short".to_owned()), &file).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("CAREPKI_PASSPHRASE is too short"),
        "{err}"
    );
}

#[test]
fn from_env_or_file_reads_the_file() {
    // The test process does not set CAREPKI_PASSPHRASE; skip if a developer has.
    if std::env::var_os("CAREPKI_PASSPHRASE").is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passphrase");
    let created = Passphrase::create_file(&file).unwrap();
    let read = Passphrase::from_env_or_file(&file).unwrap();
    assert_eq!(read.expose_secret(), created.expose_secret());
}

#[test]
fn missing_file_and_no_env_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passphrase");
    let err = Passphrase::resolve(None, &file).unwrap_err();
    assert!(matches!(err, KeyError::NoPassphrase { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("CAREPKI_PASSPHRASE") && msg.contains(&file.display().to_string()),
        "{msg}"
    );
}

#[test]
fn file_checks() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passphrase");
    fs::write(&file, "a passphrase typed by hand\r\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    let err = Passphrase::resolve(None, &file).unwrap_err();
    assert!(matches!(err, KeyError::InsecurePermissions { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("chmod 600 {}", file.display())),
        "{err}"
    );

    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let p = Passphrase::resolve(None, &file).unwrap();
    assert_eq!(p.expose_secret(), "a passphrase typed by hand");

    fs::write(&file, "short\n").unwrap();
    let err = Passphrase::resolve(None, &file).unwrap_err();
    assert!(matches!(err, KeyError::PassphraseTooShort { .. }), "{err}");
    assert!(err.to_string().contains("passphrase file"), "{err}");
    assert!(!err.to_string().contains("short\n"));

    let err = Passphrase::resolve(None, dir.path()).unwrap_err();
    assert!(matches!(err, KeyError::BadFile { .. }), "{err}");
}

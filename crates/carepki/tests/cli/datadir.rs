//! The data directory: `init` never touches an existing one; files 0600, directories
//! 0700; CA keys encrypted at rest; `CAREPKI_PASSPHRASE`; uninitialised directories.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::support::{JARVI, KeyType, Pki, make_csr, openssl, public_key_of, s, walk};

/// A snapshot of a directory tree: paths, modes and file contents.
fn snapshot(root: &Path) -> Vec<(PathBuf, u32, Option<Vec<u8>>)> {
    walk(root)
        .into_iter()
        .map(|p| {
            let meta = fs::symlink_metadata(&p).unwrap();
            let content = meta.is_file().then(|| fs::read(&p).unwrap());
            (p, meta.permissions().mode() & 0o7777, content)
        })
        .collect()
}

#[test]
fn init_refuses_an_existing_directory_and_leaves_it_untouched() {
    let pki = Pki::uninitialised();

    // An empty directory.
    fs::create_dir(&pki.data).unwrap();
    fs::set_permissions(&pki.data, fs::Permissions::from_mode(0o755)).unwrap();
    let before = snapshot(&pki.data);
    pki.run(&["init"]).refused(&["exists"]);
    assert_eq!(
        snapshot(&pki.data),
        before,
        "init changed an empty directory"
    );

    // A directory with something in it.
    fs::write(pki.data.join("notes.txt"), "mine").unwrap();
    let before = snapshot(&pki.data);
    pki.run(&["init", "--demo-organisations"])
        .refused(&["exists"]);
    assert_eq!(
        snapshot(&pki.data),
        before,
        "init changed a non-empty directory"
    );

    // A file where the directory would go.
    let file = Pki::uninitialised();
    fs::write(&file.data, "data").unwrap();
    file.run(&["init"]).refused(&["exists"]);
    assert_eq!(fs::read_to_string(&file.data).unwrap(), "data");

    // An initialised data directory: a second init changes nothing, the first
    // hierarchy stays usable.
    let other = Pki::init(&[]);
    let before = snapshot(&other.data);
    other
        .run(&["init", "--demo-organisations"])
        .refused(&["exists"]);
    assert_eq!(
        snapshot(&other.data),
        before,
        "a second init changed the data directory"
    );
    let again = other.path("cas-again");
    other.run(&["ca", "export", "--out-dir", s(&again)]).ok();
    for id in ["root", "service-providers", "test-root"] {
        assert_eq!(
            fs::read(again.join(format!("{id}.pem"))).unwrap(),
            fs::read(other.ca_pem(id)).unwrap(),
            "CA {id} changed"
        );
    }
}

fn issue_one(pki: &Pki, name: &str) -> crate::support::Run {
    let csr = make_csr(pki.tmp.path(), name, KeyType::P256);
    pki.issue(&[
        "--profile",
        "server",
        "--org",
        JARVI,
        "--csr",
        s(&csr.csr),
        "--cn",
        "www.jarvilaakso-hva.fi",
    ])
    .0
}

/// The key files under `keys/`, by CA id.
fn key_files(data: &Path) -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = walk(data)
        .into_iter()
        .filter(|p| p.is_file() && s(p).ends_with(".pem"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let id = name
                .trim_end_matches(".pem")
                .trim_end_matches(".key")
                .to_owned();
            (id, p)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn data_directory_is_private_and_keys_are_encrypted() {
    let pki = Pki::init(&[]);
    issue_one(&pki, "a").ok();

    for p in walk(&pki.data) {
        let meta = fs::symlink_metadata(&p).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "directory {} has mode {mode:o}", p.display());
        } else {
            assert_eq!(mode, 0o600, "file {} has mode {mode:o}", p.display());
        }
    }

    let passphrase = pki.data.join("passphrase");
    assert!(passphrase.is_file(), "no generated passphrase file");
    let keys = key_files(&pki.data);
    assert_eq!(keys.len(), 8, "one key file per CA: {keys:?}");
    for (id, path) in &keys {
        let text = fs::read_to_string(path).unwrap();
        assert!(
            text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
            "{} is not an encrypted PKCS#8 key",
            path.display()
        );
        assert!(!text.contains("-----BEGIN PRIVATE KEY-----"));
        assert!(!text.contains("-----BEGIN EC PRIVATE KEY-----"));
        // openssl reads it with the passphrase file, and it is the CA certificate's key.
        let pass = format!("file:{}", s(&passphrase));
        assert_eq!(
            public_key_of("pkey", path, &["-passin", &pass]),
            public_key_of("x509", &pki.ca_pem(id), &[]),
            "{} is not the key of CA {id}",
            path.display()
        );
        // ... and not without it.
        let wrong = openssl([
            "pkey",
            "-in",
            s(path),
            "-passin",
            "pass:not-the-passphrase-at-all",
            "-noout",
        ]);
        assert!(
            !wrong.success(),
            "{} opens with a wrong passphrase",
            path.display()
        );
    }
}

#[test]
fn env_passphrase_writes_no_file_and_a_wrong_one_fails_clearly() {
    const PASS: &str = "correct horse battery staple 2026";
    let mut pki = Pki::uninitialised();
    pki.envs.push(("CAREPKI_PASSPHRASE".into(), PASS.into()));
    pki.init_here(&[]);
    let listing: Vec<PathBuf> = walk(&pki.data);
    assert!(
        !listing
            .iter()
            .any(|p| p.file_name().is_some_and(|n| n == "passphrase")),
        "a passphrase file was written although CAREPKI_PASSPHRASE was set: {listing:?}"
    );
    for (id, path) in key_files(&pki.data) {
        assert_eq!(
            public_key_of("pkey", &path, &["-passin", &format!("pass:{PASS}")]),
            public_key_of("x509", &pki.ca_pem(&id), &[]),
        );
    }

    // A wrong passphrase at issue time: refused, clearly, nothing stored.
    pki.envs = vec![(
        "CAREPKI_PASSPHRASE".into(),
        "a wrong passphrase, long enough".into(),
    )];
    issue_one(&pki, "wrong").refused(&["passphrase"]);
    // No passphrase at all.
    pki.envs.clear();
    issue_one(&pki, "none").refused(&["CAREPKI_PASSPHRASE"]);
    assert_eq!(pki.cert_count(), 0);
    // The right one works.
    pki.envs = vec![("CAREPKI_PASSPHRASE".into(), PASS.into())];
    issue_one(&pki, "right").ok();
    assert_eq!(pki.cert_count(), 1);
}

#[test]
fn commands_on_an_uninitialised_directory_say_to_run_init() {
    let pki = Pki::uninitialised();
    let csr = pki.path("dummy.csr");
    fs::write(&csr, "not used").unwrap();
    let examples = crate::support::examples_file();
    let out = pki.path("export");
    let commands: Vec<Vec<&str>> = vec![
        vec!["cert", "list"],
        vec!["cert", "show", "01"],
        vec!["org", "list"],
        vec!["org", "import", s(&examples)],
        vec!["ca", "list"],
        vec!["ca", "export", "--out-dir", s(&out)],
    ];
    let mut failures = Vec::new();
    for empty_dir_exists in [false, true] {
        if empty_dir_exists {
            fs::create_dir(&pki.data).unwrap();
        }
        let mut all = commands.clone();
        let issue_out = pki.path(&format!("issue-out-{empty_dir_exists}"));
        all.push(vec![
            "issue",
            "--profile",
            "server",
            "--org",
            JARVI,
            "--csr",
            s(&csr),
            "--cn",
            "www.jarvilaakso-hva.fi",
            "--out-dir",
            s(&issue_out),
        ]);
        for args in &all {
            let r = pki.run(args);
            if let Err(e) = r.check_refused(&["init"]) {
                failures.push(e);
            }
            if empty_dir_exists {
                let listing = walk(&pki.data);
                if listing.len() != 1 {
                    failures.push(format!(
                        "`{}` left files in the uninitialised directory: {listing:?}",
                        args.join(" ")
                    ));
                }
            } else if pki.data.exists() {
                failures.push(format!(
                    "`{}` created {}",
                    args.join(" "),
                    pki.data.display()
                ));
                let _ = fs::remove_dir_all(&pki.data);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

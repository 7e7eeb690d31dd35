//! Issue 2, "Bad input": each is refused with a non-zero exit and a message that names
//! the problem, and nothing is stored (`cert list` shows the same count).

use std::fs;
use std::path::Path;

use crate::support::{HIISI, JARVI, KeyType, Pki, csr_for_key, make_csr, openssl, s};

/// Runs every case, checking the refusal, the unchanged count and the absence of
/// output files; reports all failures at once.
fn expect_refusals(pki: &Pki, cases: &[(&str, Vec<&str>, &[&str])]) {
    let before = pki.cert_count();
    let mut failures = Vec::new();
    for (label, args, fragments) in cases {
        let (run, out) = pki.issue(args);
        if let Err(e) = run.check_refused(fragments) {
            failures.push(format!("[{label}] {e}"));
        }
        for f in ["cert.pem", "cert.der", "chain.pem"] {
            if out.join(f).exists() {
                failures.push(format!("[{label}] {f} was written although refused"));
            }
        }
        let after = pki.cert_count();
        if after != before {
            failures.push(format!(
                "[{label}] cert list shows {after} certificates, {before} before"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were mishandled:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

fn server_args(csr: &Path) -> Vec<&str> {
    vec![
        "--profile",
        "server",
        "--org",
        JARVI,
        "--csr",
        s(csr),
        "--cn",
        "www.jarvilaakso-hva.fi",
    ]
}

/// Malformed PEM and DER, a broken signature, and keys outside the accepted set.
#[test]
fn bad_csrs_are_refused() {
    let pki = Pki::init(&[]);
    let dir = pki.tmp.path();
    // A good CSR first, so the count is not trivially zero.
    let good = make_csr(dir, "good", KeyType::Rsa2048);
    pki.issue(&server_args(&good.csr)).0.ok();
    assert_eq!(pki.cert_count(), 1);

    // Malformed PEM: a CSR label around text that is not Base64.
    let bad_pem = dir.join("bad-pem.csr");
    fs::write(
        &bad_pem,
        "-----BEGIN CERTIFICATE REQUEST-----\nthis is not base64 !!\n-----END CERTIFICATE REQUEST-----\n",
    )
    .unwrap();
    // Malformed DER: a SEQUENCE tag with a correct length, then random bytes.
    let bad_der = dir.join("bad-der.csr");
    let mut der = vec![0x30, 0x81, 200];
    let rand = dir.join("rand.bin");
    openssl(["rand", "-out", s(&rand), "200"]).ok();
    der.extend(fs::read(&rand).unwrap());
    fs::write(&bad_der, &der).unwrap();
    // A CSR whose signature does not verify: flip a byte in the signature value (the
    // last bytes of the DER).
    let good_der = dir.join("good.der");
    openssl([
        "req",
        "-in",
        s(&good.csr),
        "-outform",
        "DER",
        "-out",
        s(&good_der),
    ])
    .ok();
    let good_bytes = fs::read(&good_der).unwrap();
    let truncated = dir.join("truncated.der");
    fs::write(&truncated, &good_bytes[..good_bytes.len() / 2]).unwrap();
    let mut tampered = good_bytes.clone();
    let n = tampered.len();
    tampered[n - 10] ^= 0xff;
    let bad_sig = dir.join("bad-sig.der");
    fs::write(&bad_sig, &tampered).unwrap();
    // openssl agrees that the signature is broken (and that the DER still parses).
    let check = openssl([
        "req",
        "-in",
        s(&bad_sig),
        "-inform",
        "DER",
        "-verify",
        "-noout",
    ]);
    assert!(
        !check.success() || !check.stdout.contains("verify OK"),
        "{}",
        check.describe()
    );
    openssl([
        "req",
        "-in",
        s(&bad_sig),
        "-inform",
        "DER",
        "-noout",
        "-text",
    ])
    .ok();

    let rsa1024_key = dir.join("rsa1024.pem");
    openssl([
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:1024",
        "-out",
        s(&rsa1024_key),
    ])
    .ok();
    let rsa1024 = csr_for_key(dir, "rsa1024", &rsa1024_key);
    let k1_key = dir.join("secp256k1.pem");
    openssl([
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:secp256k1",
        "-out",
        s(&k1_key),
    ])
    .ok();
    let k1 = csr_for_key(dir, "secp256k1", &k1_key);
    let dsa_params = dir.join("dsa-params.pem");
    openssl([
        "genpkey",
        "-genparam",
        "-algorithm",
        "DSA",
        "-pkeyopt",
        "dsa_paramgen_bits:2048",
        "-out",
        s(&dsa_params),
    ])
    .ok();
    let dsa_key = dir.join("dsa.pem");
    openssl(["genpkey", "-paramfile", s(&dsa_params), "-out", s(&dsa_key)]).ok();
    let dsa = csr_for_key(dir, "dsa", &dsa_key);
    let ed448_key = dir.join("ed448.pem");
    openssl(["genpkey", "-algorithm", "ED448", "-out", s(&ed448_key)]).ok();
    let ed448 = csr_for_key(dir, "ed448", &ed448_key);
    let empty = dir.join("empty.csr");
    fs::write(&empty, b"").unwrap();

    expect_refusals(
        &pki,
        &[
            ("malformed PEM", server_args(&bad_pem), &["malformed"]),
            ("malformed DER", server_args(&bad_der), &["malformed"]),
            ("truncated DER", server_args(&truncated), &["malformed"]),
            ("empty file", server_args(&empty), &["empty"]),
            (
                "signature does not verify",
                server_args(&bad_sig),
                &["signature", "verify"],
            ),
            ("RSA 1024", server_args(&rsa1024), &["RSA", "1024"]),
            ("secp256k1", server_args(&k1), &["secp256k1"]),
            ("DSA", server_args(&dsa), &["DSA"]),
            ("Ed448", server_args(&ed448), &["Ed448"]),
        ],
    );
}

/// Validity caps, names outside the organisation's domains, IP addresses, wildcards,
/// unknown organisations and the production/TEST split.
#[test]
fn bad_requests_are_refused() {
    let pki = Pki::init(&[]);
    let csr = make_csr(pki.tmp.path(), "c", KeyType::P256);
    let c = s(&csr.csr);
    let jarvi = |cn: &'static str, extra: &[&'static str]| {
        let mut v = vec![
            "--profile",
            "server",
            "--org",
            JARVI,
            "--csr",
            c,
            "--cn",
            cn,
        ];
        v.extend_from_slice(extra);
        v
    };
    let www = "www.jarvilaakso-hva.fi";
    expect_refusals(
        &pki,
        &[
            (
                "server --days 366",
                jarvi(www, &["--days", "366"]),
                &["366", "365"],
            ),
            (
                "system-signature --days 731",
                vec![
                    "--profile",
                    "system-signature",
                    "--org",
                    JARVI,
                    "--csr",
                    c,
                    "--cn",
                    "Järjestelmä",
                    "--days",
                    "731",
                ],
                &["731", "730"],
            ),
            (
                "email --days 731",
                vec![
                    "--profile",
                    "email",
                    "--org",
                    JARVI,
                    "--csr",
                    c,
                    "--cn",
                    "Kirjaamo",
                    "--email",
                    "kirjaamo@jarvilaakso-hva.fi",
                    "--days",
                    "731",
                ],
                &["731", "730"],
            ),
            (
                "look-alike prefix as CN",
                jarvi("evil-jarvilaakso-hva.fi", &[]),
                &["evil-jarvilaakso-hva.fi", "domains"],
            ),
            (
                "look-alike suffix as --dns",
                jarvi(www, &["--dns", www, "--dns", "jarvilaakso-hva.fi.evil.com"]),
                &["jarvilaakso-hva.fi.evil.com", "domains"],
            ),
            (
                "another organisation's domain",
                jarvi(www, &["--dns", www, "--dns", "www.hiidenkivi-data.fi"]),
                &["www.hiidenkivi-data.fi", "domains"],
            ),
            (
                "IPv4 address",
                jarvi(www, &["--dns", www, "--dns", "10.0.0.1"]),
                &["10.0.0.1", "IP address"],
            ),
            (
                "IPv6 address",
                jarvi(www, &["--dns", www, "--dns", "2001:db8::1"]),
                &["2001:db8::1", "IP address"],
            ),
            (
                "wildcard",
                jarvi(www, &["--dns", www, "--dns", "*.jarvilaakso-hva.fi"]),
                &["wildcard"],
            ),
            (
                "organisation not in the register",
                vec![
                    "--profile",
                    "server",
                    "--org",
                    "1.2.246.10.12345678.10.0",
                    "--csr",
                    c,
                    "--cn",
                    www,
                ],
                &["1.2.246.10.12345678.10.0", "register"],
            ),
            (
                "test profile of a production CA",
                vec![
                    "--profile",
                    "test-server",
                    "--ca",
                    "service-providers",
                    "--org",
                    JARVI,
                    "--csr",
                    c,
                    "--cn",
                    www,
                ],
                &["test-server", "service-providers", "production"],
            ),
            (
                "production profile of a TEST CA",
                jarvi(www, &["--ca", "test-service-providers"]),
                &["server", "test-service-providers", "test"],
            ),
            (
                "test system signature of a production CA",
                vec![
                    "--profile",
                    "test-system-signature",
                    "--ca",
                    "service-providers",
                    "--org",
                    JARVI,
                    "--csr",
                    c,
                    "--cn",
                    "Järjestelmä",
                ],
                &["test-system-signature", "service-providers"],
            ),
        ],
    );
    assert_eq!(pki.cert_count(), 0);
}

/// A public key is never certified for a second organisation, nor again after its
/// certificate was revoked.
#[test]
fn reused_public_keys_are_refused() {
    let pki = Pki::init(&[]);
    let shared = make_csr(pki.tmp.path(), "shared", KeyType::P256);
    let first = pki
        .issue(&[
            "--profile",
            "server",
            "--org",
            JARVI,
            "--csr",
            s(&shared.csr),
            "--cn",
            "www.jarvilaakso-hva.fi",
            "--json",
        ])
        .0
        .ok()
        .json();
    let first_serial = first["serial"].as_str().unwrap().to_owned();
    expect_refusals(
        &pki,
        &[(
            "key of another organisation's certificate",
            vec![
                "--profile",
                "server",
                "--org",
                HIISI,
                "--csr",
                s(&shared.csr),
                "--cn",
                "www.hiidenkivi-data.fi",
            ],
            &["organisation", &first_serial],
        )],
    );

    // Revoke a certificate directly in the store (no `revoke` command before issue 3).
    let doomed = make_csr(pki.tmp.path(), "doomed", KeyType::Rsa2048);
    let args = [
        "--profile",
        "system-signature",
        "--org",
        JARVI,
        "--csr",
        s(&doomed.csr),
        "--cn",
        "Järjestelmä",
        "--json",
    ];
    let issued = pki.issue(&args).0.ok().json();
    let serial = issued["serial"].as_str().unwrap().to_owned();
    let db = pki.data.join("carepki.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = carepki_store::Store::open_sqlite_path(&db).await.unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        store
            .record_revocation(&serial, "keyCompromise", None, "e2e-test", now)
            .await
            .unwrap();
        store.close().await;
    });
    let list = pki.run(&["cert", "list", "--json"]).ok().json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["serial"] == serial.as_str())
        .unwrap_or_else(|| panic!("{serial} not listed: {list}"));
    assert_eq!(row["status"], "revoked", "{row}");

    let again: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
    expect_refusals(
        &pki,
        &[
            (
                "key of a revoked certificate, same organisation",
                again,
                &["revoked", &serial],
            ),
            (
                "key of a revoked certificate, server profile",
                vec![
                    "--profile",
                    "server",
                    "--org",
                    JARVI,
                    "--csr",
                    s(&doomed.csr),
                    "--cn",
                    "www.jarvilaakso-hva.fi",
                ],
                &["revoked", &serial],
            ),
        ],
    );
}

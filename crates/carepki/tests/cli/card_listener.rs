//! `carepki serve` with the card sign-in listener (issue 5, point 6;
//! docs/CARDS.md, "The card listener in serve"): half-given or unreadable
//! settings are refused with what to do; with a server certificate that
//! CarePKI itself issued (`carepki issue --profile server`), `openssl
//! s_client` verifies the listener's chain to the exported root and, sending
//! no client certificate, gets 401 `no-client-certificate` on /card/session.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::serve::start_serve_until;
use crate::support::{JARVI, KeyType, KillOnDrop, Pki, free_port, make_csr, s};

const HOST: &str = "kortti.jarvilaakso-hva.fi";

/// Issues a server certificate for [`HOST`] with CarePKI itself; writes the
/// chain file (the certificate, then its CA) and answers (chain, key) paths.
fn server_certificate(pki: &Pki) -> (std::path::PathBuf, std::path::PathBuf) {
    let csr = make_csr(pki.tmp.path(), "card-listener", KeyType::P256);
    let (run, out) = pki.issue(&[
        "--profile",
        "server",
        "--org",
        JARVI,
        "--csr",
        s(&csr.csr),
        "--cn",
        HOST,
    ]);
    run.ok();
    let mut chain = std::fs::read_to_string(out.join("cert.pem")).unwrap();
    chain.push_str(&std::fs::read_to_string(out.join("chain.pem")).unwrap());
    let path = pki.path("card-listener-chain.pem");
    std::fs::write(&path, chain).unwrap();
    (path, csr.key)
}

#[test]
fn serve_refuses_a_half_given_card_listener() {
    let pki = Pki::init(&[]);
    let (chain, key) = server_certificate(&pki);
    let listen = format!("127.0.0.1:{}", free_port());
    let card = format!("127.0.0.1:{}", free_port());

    // Only some of the three.
    pki.run(&["serve", "--listen", &listen, "--card-listen", &card])
        .refused(&["--card-tls-cert", "--card-tls-key", "missing"]);
    pki.run(&["serve", "--listen", &listen, "--card-tls-cert", s(&chain)])
        .refused(&["--card-listen", "--card-tls-key"]);
    pki.run(&["serve", "--listen", &listen, "--card-accept-test"])
        .refused(&["--card-accept-test", "--card-listen"]);
    // A file that cannot be read; a key file without a PKCS#8 key.
    let gone = pki.path("no-such-key.pem");
    pki.run(&[
        "serve",
        "--listen",
        &listen,
        "--card-listen",
        &card,
        "--card-tls-cert",
        s(&chain),
        "--card-tls-key",
        s(&gone),
    ])
    .refused(&["cannot", "use", s(&gone)]);
    pki.run(&[
        "serve",
        "--listen",
        &listen,
        "--card-listen",
        &card,
        "--card-tls-cert",
        s(&chain),
        "--card-tls-key",
        s(&chain),
    ])
    .refused(&["PKCS#8", s(&chain)]);
    // A key that is not the certificate's.
    let other = make_csr(pki.tmp.path(), "other", KeyType::P256);
    pki.run(&[
        "serve",
        "--listen",
        &listen,
        "--card-listen",
        &card,
        "--card-tls-cert",
        s(&chain),
        "--card-tls-key",
        s(&other.key),
    ])
    .refused(&["server", "certificate", "key"]);
    // TEST cards in production.
    let run = pki.run(&[
        "serve",
        "--listen",
        &listen,
        "--production",
        "--public-url",
        "https://ca.example.fi",
        "--oidc-issuer",
        "https://idp.example.fi",
        "--oidc-client-id",
        "carepki",
        "--card-listen",
        &card,
        "--card-tls-cert",
        s(&chain),
        "--card-tls-key",
        s(&key),
        "--card-accept-test",
    ]);
    run.refused(&["--card-accept-test", "--production"]);
}

#[test]
fn serve_runs_the_card_listener() {
    let pki = Pki::init(&[]);
    let (chain, key) = server_certificate(&pki);
    let listen = format!("127.0.0.1:{}", free_port());
    let card = format!("127.0.0.1:{}", free_port());
    let served = start_serve_until(
        &pki,
        &[
            "serve",
            "--listen",
            &listen,
            "--card-listen",
            &card,
            "--card-tls-cert",
            s(&chain),
            "--card-tls-key",
            s(&key),
        ],
        "card sign-in:",
    );
    let line = served.banner.last().unwrap();
    assert!(
        line.contains(&format!("https://{card}/card/session")),
        "{line}"
    );

    // No client certificate: the handshake completes (openssl verifies the
    // server's chain to the exported root and its name), and the route says 401.
    let mut client = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &card,
            "-servername",
            HOST,
            "-verify_hostname",
            HOST,
            "-CAfile",
            s(&pki.ca_pem("root")),
            "-verify_return_error",
            "-quiet",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    client
        .stdin
        .take()
        .unwrap()
        .write_all(
            format!("GET /card/session HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
    let client = KillOnDrop(client);
    let out = wait_output(client, Duration::from_secs(30));
    assert!(out.0.starts_with("HTTP/1.1 401"), "{out:?}");
    assert!(out.0.contains("\"no-client-certificate\""), "{out:?}");
    assert!(!out.1.contains("verify error"), "{out:?}");
}

/// Waits for a client to finish (at most `limit`): its stdout and stderr.
fn wait_output(mut child: KillOnDrop, limit: Duration) -> (String, String) {
    let mut out = child.0.stdout.take().unwrap();
    let mut err = child.0.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    while child.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "openssl s_client did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
    (out.join().unwrap(), err.join().unwrap())
}

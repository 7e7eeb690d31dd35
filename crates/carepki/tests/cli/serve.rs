//! `carepki serve`: the first run makes a demo data directory, then serves the health
//! endpoint and the CA certificates at the AIA caIssuers URLs (issue 2, item 8).

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{
    CertInfo, JARVI, KeyType, KillOnDrop, Pki, der_of_pem, free_port, http_get, make_csr,
    pem_blocks, s,
};

/// A running `carepki serve` and what it printed up to its "listening" line.
pub(crate) struct Served {
    guard: KillOnDrop,
    /// Stdout lines so far (up to and including the "listening" line at first).
    pub(crate) banner: Vec<String>,
    /// The rest of stdout.
    lines: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Served {
    /// Waits for a stdout line containing `needle` (polling, at most 30 s) and returns it.
    fn wait_for_line(&mut self, needle: &str) -> String {
        if let Some(l) = self.banner.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(50)) {
                self.banner.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
        }
        panic!("serve printed no line with {needle:?}: {:#?}", self.banner);
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.guard.0.kill();
        let _ = self.guard.0.wait();
        if let Some(t) = self.stderr.take() {
            let _ = t.join();
        }
    }
}

/// Starts `carepki serve --listen LISTEN` and waits (polling) for its "listening" line
/// and the lines printed right after it.
fn start_serve(pki: &Pki, listen: &str) -> Served {
    start_serve_until(pki, &["serve", "--listen", listen], "listening")
}

/// Starts `carepki ARGS` (a `serve` command line) and waits (polling, at most
/// 120 s) for a stdout line containing `until`, the last line of the banner.
pub(crate) fn start_serve_until(pki: &Pki, args: &[&str], until: &str) -> Served {
    let mut cmd = pki.command(args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut guard = KillOnDrop(cmd.spawn().expect("carepki serve starts"));

    // Lines of stdout as they come; stderr collected for diagnostics.
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = guard.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stderr = guard.0.stderr.take().unwrap();
    let stderr_thread = std::thread::spawn(move || {
        let mut buf = String::new();
        let _ = stderr.read_to_string(&mut buf);
        buf
    });

    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let done = line.contains(until);
                seen.push(line);
                if done {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(status) = guard.0.try_wait().unwrap() {
                    drop(guard);
                    panic!(
                        "serve exited with {status} before printing {until:?}\nstdout: {seen:#?}\nstderr: {}",
                        stderr_thread.join().unwrap()
                    );
                }
                assert!(
                    Instant::now() < deadline,
                    "serve printed no line with {until:?} within 120 s; stdout: {seen:#?}"
                );
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = guard.0.wait().unwrap();
                panic!(
                    "serve closed stdout ({status}) before printing {until:?}\nstdout: {seen:#?}\nstderr: {}",
                    stderr_thread.join().unwrap()
                );
            }
        }
    }
    Served {
        guard,
        banner: seen,
        lines: rx,
        stderr: Some(stderr_thread),
    }
}

#[test]
fn serve_first_run_serves_health_and_ca_certificates() {
    let pki = Pki::uninitialised();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let addr: SocketAddr = listen.parse().unwrap();
    let served = start_serve(&pki, &listen);
    let seen = &served.banner;
    let banner = seen.join("\n");
    assert!(
        banner.contains(&listen),
        "the listening line names the address: {banner}"
    );
    assert!(pki.data.is_dir(), "the first run made the data directory");

    // Health.
    let health = http_get(addr, "/health");
    assert_eq!(health.status, 200, "{health:?}");
    assert!(
        health
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{health:?}"
    );
    let body: serde_json::Value = serde_json::from_slice(&health.body).unwrap();
    assert_eq!(body["status"], "ok", "{body}");

    // The first run imported the example register and made both hierarchies.
    let orgs = pki.run(&["org", "list", "--json"]).ok().json();
    assert!(orgs.as_array().unwrap().len() >= 20, "{orgs}");
    // ... and the example professional registers (issue 5).
    let doctor = pki
        .run(&["professionals", "show", "99900000101", "--json"])
        .ok()
        .json();
    assert_eq!(doctor["is_prescriber"], true, "{doctor}");
    pki.run(&["ca", "export", "--out-dir", s(&pki.cas_dir())])
        .ok();

    // Issue while the service runs; fetch the issuing CA at the certificate's caIssuers URL.
    let csr = make_csr(pki.tmp.path(), "served", KeyType::P256);
    let (run, out) = pki.issue(&[
        "--profile",
        "server",
        "--org",
        JARVI,
        "--csr",
        s(&csr.csr),
        "--cn",
        "www.jarvilaakso-hva.fi",
    ]);
    run.ok();
    let info = CertInfo::load(&out.join("cert.pem"));
    let aia = &info.must_ext("Authority Information Access").body;
    let url = aia
        .lines()
        .find_map(|l| l.strip_prefix("CA Issuers - URI:"))
        .unwrap_or_else(|| panic!("no caIssuers URL in {aia}"));
    let prefix = format!("http://{listen}");
    let path = url.strip_prefix(&prefix).unwrap_or_else(|| {
        panic!("the caIssuers URL {url} should point at this service ({prefix})")
    });
    assert_eq!(path, "/ca/service-providers.der");
    let ca = http_get(addr, path);
    assert_eq!(ca.status, 200, "{ca:?}");
    assert_eq!(ca.header("content-type"), Some("application/pkix-cert"));
    let exported = der_of_pem(&pki.ca_pem("service-providers"));
    assert_eq!(ca.body, exported, "served DER differs from `ca export`");
    // ... which is also the first certificate of chain.pem.
    let chain = std::fs::read_to_string(out.join("chain.pem")).unwrap();
    let ca_pem = std::fs::read_to_string(pki.ca_pem("service-providers")).unwrap();
    assert_eq!(pem_blocks(&chain)[0], pem_blocks(&ca_pem)[0]);

    // Every CA is served at its path.
    for id in [
        "root",
        "test-root",
        "test-service-providers",
        "professionals",
    ] {
        let r = http_get(addr, &format!("/ca/{id}.der"));
        assert_eq!(r.status, 200, "{id}: {r:?}");
        assert_eq!(r.body, der_of_pem(&pki.ca_pem(id)), "{id}");
    }

    // Unknown paths.
    for p in ["/no/such/thing", "/ca/nobody.der", "/ca/"] {
        let r = http_get(addr, p);
        assert_eq!(r.status, 404, "{p}: {r:?}");
    }

    drop(served);
}

/// With `--listen 127.0.0.1:0` the system picks the port; the first run must not bake
/// port 0 into the URLs it prints and that certificates carry (AIA caIssuers): they
/// must name the port it actually listens on.
#[test]
fn serve_first_run_on_port_zero_names_reachable_urls() {
    let pki = Pki::uninitialised();
    let mut served = start_serve(&pki, "127.0.0.1:0");
    let ca_line = served.wait_for_line("CA certificates:");
    let banner = served.banner.join("\n");
    let listening = served.wait_for_line("listening");
    let bound = listening
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ' ']).next())
        .unwrap_or_else(|| panic!("no address in the banner: {banner}"))
        .to_owned();
    let addr: SocketAddr = bound.parse().unwrap();
    assert_ne!(addr.port(), 0, "{banner}");
    let ca_url = ca_line
        .split_once("CA certificates:")
        .map(|(_, url)| url.trim())
        .unwrap();
    let path = ca_url
        .strip_prefix(&format!("http://{bound}"))
        .unwrap_or_else(|| {
            panic!("the printed CA certificates URL {ca_url} is not where serve listens ({bound}):\n{banner}")
        });
    assert_eq!(http_get(addr, path).status, 200, "{ca_url}");

    let csr = make_csr(pki.tmp.path(), "port0", KeyType::P256);
    let (run, out) = pki.issue(&[
        "--profile",
        "server",
        "--org",
        JARVI,
        "--csr",
        s(&csr.csr),
        "--cn",
        "www.jarvilaakso-hva.fi",
    ]);
    run.ok();
    let info = CertInfo::load(&out.join("cert.pem"));
    let aia = &info.must_ext("Authority Information Access").body;
    assert!(
        aia.contains(&format!("CA Issuers - URI:http://{bound}/")),
        "the certificate's caIssuers URL must name where serve listens ({bound}): {aia}"
    );
}

/// Issue 4: the demo identity provider exists only for the embedded demo; a
/// production service refuses to start with it, or without https and an
/// OpenID provider, before it creates or opens anything.
#[test]
fn production_refuses_the_demo_identity_provider() {
    let pki = Pki::uninitialised();
    let listen = format!("127.0.0.1:{}", free_port());
    pki.run(&["serve", "--listen", &listen, "--production", "--demo-idp"])
        .refused(&["demo identity provider", "production"]);
    pki.run(&["serve", "--listen", &listen, "--production"])
        .refused(&["--public-url", "https"]);
    pki.run(&[
        "serve",
        "--listen",
        &listen,
        "--production",
        "--public-url",
        "https://pki.example.fi",
    ])
    .refused(&["--oidc-issuer"]);
    assert!(!pki.data.exists(), "nothing was created");
}

/// Issue 4: without an OpenID provider the embedded demo signs in through the
/// clearly labelled demo identity provider; the e-service's secret is made
/// once, readable by the owner only.
#[test]
fn the_demo_serves_the_labelled_demo_sign_in() {
    use std::os::unix::fs::PermissionsExt as _;
    let pki = Pki::uninitialised();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let addr: SocketAddr = listen.parse().unwrap();
    let _served = start_serve(&pki, &listen);
    let page = http_get(addr, "/demo-login?lang=en");
    assert_eq!(page.status, 200, "{page:?}");
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("DEMO IDENTITY PROVIDER"), "{html}");
    assert!(html.contains("id=\"demo-login\""), "{html}");
    // Labelled in the user's language too.
    let fi = http_get(addr, "/demo-login?lang=fi");
    assert!(String::from_utf8_lossy(&fi.body).contains("DEMO"), "{fi:?}");
    let login = http_get(addr, "/login");
    assert_eq!(login.status, 303, "{login:?}");
    assert!(
        login
            .header("location")
            .is_some_and(|l| l.starts_with("/demo-login")),
        "{login:?}"
    );
    let key = pki.data.join("eservice-subject.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", key.display());
}

//! Certificate status (issue 3) end to end: `carepki revoke`, `crl generate`, `status
//! audit` and the OCSP responder and CRL distribution points of `carepki serve`, judged
//! by tools nobody here wrote: `openssl ocsp` asks and verifies, `openssl crl` reads the
//! CRLs, `openssl verify -crl_check [-use_deltas]` applies them, pkilint (`lint_crl`,
//! `lint_ocsp_response`, `lint_pkix_cert`) lints them. The database of a data directory
//! is opened directly only to back-date or corrupt a row (`carepki-store`'s `testing`
//! feature), with no `carepki` process touching it at the time.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use carepki_store::Store;
use serde_json::Value;

use crate::support::{
    CertInfo, HIISI, HttpResponse, JARVI, KeyType, KillOnDrop, Pki, Run,
    assert_pkilint_program_clean, free_port, http_get, http_request, make_csr, names_all, openssl,
    parse_openssl_time, parse_rfc3339, pkilint_program, run, s, tool,
};

/// The CA that issues the server certificates of these tests.
const SP: &str = "service-providers";

/// How long one request of the bad-input battery may take before it counts as hanging.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

// ---- a running `carepki serve` --------------------------------------------------------

/// `carepki serve` on 127.0.0.1, started and judged ready: its banner printed and
/// `/health` answered (the banner comes before the OCSP responder has started).
struct Serve {
    child: KillOnDrop,
    addr: SocketAddr,
    /// Stdout lines after the banner (kept open so that the service can still write).
    stdout: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Serve {
    /// Starts `carepki serve --listen 127.0.0.1:PORT` (a first run creates the data
    /// directory, with this address as its base URL).
    fn start(pki: &Pki, port: u16) -> Serve {
        let listen = format!("127.0.0.1:{port}");
        let mut cmd = pki.command(&["serve", "--listen", &listen]);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = KillOnDrop(cmd.spawn().expect("carepki serve starts"));
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.0.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let mut err = child.0.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut buf = String::new();
            let _ = err.read_to_string(&mut buf);
            buf
        });
        let mut serve = Serve {
            child,
            addr: listen.parse().unwrap(),
            stdout: rx,
            stderr: Some(stderr),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut banner = Vec::new();
        loop {
            match serve.stdout.recv_timeout(Duration::from_millis(50)) {
                // The last line of the banner.
                Ok(line) if line.contains("metrics:") => break,
                Ok(line) => banner.push(line),
                Err(e) => {
                    let exited = serve.child.0.try_wait().unwrap();
                    if exited.is_some()
                        || matches!(e, mpsc::RecvTimeoutError::Disconnected)
                        || Instant::now() > deadline
                    {
                        let _ = serve.child.0.kill();
                        let _ = serve.child.0.wait();
                        let log = serve.stderr.take().unwrap().join().unwrap();
                        panic!(
                            "serve did not start ({exited:?}); stdout: {banner:#?}\nstderr: {log}"
                        );
                    }
                }
            }
        }
        let health = http_get(serve.addr, "/health");
        assert_eq!(health.status, 200, "{health:?}");
        serve
    }

    /// The URL of a path of this service.
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the service with SIGTERM, as an operator would, waits for it to exit and
    /// returns its log.
    fn stop(mut self) -> String {
        let pid = self.child.0.id().to_string();
        run(tool("kill", ["-TERM", pid.as_str()])).ok();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.0.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "serve did not stop within 20 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stderr.take().unwrap().join().unwrap()
    }
}

/// Asserts that a service log has no ERROR line before the service began to shut down.
/// (After that, the background tasks that are still running can meet the database
/// closed under them; that is reported separately.)
#[track_caller]
fn assert_no_errors_logged(log: &str) {
    let errors: Vec<&str> = log
        .lines()
        .take_while(|l| !l.contains("shutting down"))
        .filter(|l| l.contains(" ERROR "))
        .collect();
    assert!(errors.is_empty(), "serve logged errors: {errors:#?}");
}

/// A first run of `carepki serve` on a free port, with the CA certificates exported.
fn served_pki() -> (Pki, Serve) {
    let pki = Pki::uninitialised();
    let serve = Serve::start(&pki, free_port());
    pki.run(&["ca", "export", "--out-dir", s(&pki.cas_dir())])
        .ok();
    (pki, serve)
}

// ---- certificates ---------------------------------------------------------------------

/// An issued certificate.
struct Issued {
    serial: String,
    cert: PathBuf,
}

static CSRS: AtomicUsize = AtomicUsize::new(0);

/// Issues a certificate from a fresh `openssl req` CSR (P-256).
#[track_caller]
fn issue(pki: &Pki, profile: &str, org: &str, cn: &str, extra: &[&str]) -> Issued {
    let name = format!("csr{}", CSRS.fetch_add(1, Ordering::Relaxed));
    let csr = make_csr(pki.tmp.path(), &name, KeyType::P256);
    let mut args = vec![
        "--profile",
        profile,
        "--org",
        org,
        "--csr",
        s(&csr.csr),
        "--cn",
        cn,
        "--json",
    ];
    args.extend_from_slice(extra);
    let (run, out) = pki.issue(&args);
    let json = run.ok().json();
    let serial = json["serial"].as_str().unwrap().to_owned();
    let cert = out.join("cert.pem");
    assert_eq!(CertInfo::load(&cert).serial, serial, "{json}");
    Issued { serial, cert }
}

/// A server certificate of Järvilaakso.
#[track_caller]
fn issue_server(pki: &Pki) -> Issued {
    issue(pki, "server", JARVI, "www.jarvilaakso-hva.fi", &[])
}

/// `carepki revoke SERIAL --reason R [more] --json`; returns the JSON.
#[track_caller]
fn revoke(pki: &Pki, serial: &str, reason: &str, more: &[&str]) -> Value {
    let mut args = vec!["revoke", serial, "--reason", reason, "--json"];
    args.extend_from_slice(more);
    let json = pki.run(&args).ok().json();
    assert_eq!(json["serial"], serial, "{json}");
    assert_eq!(json["status"], "revoked", "{json}");
    assert_eq!(json["reason"], reason, "{json}");
    json
}

/// The serial of the delegated OCSP responder certificate of `ca` that `cert list` shows.
fn listed_responders(pki: &Pki, ca: &str) -> Vec<String> {
    let list = pki.run(&["cert", "list", "--json"]).ok().json();
    list.as_array()
        .unwrap()
        .iter()
        .filter(|c| c["profile"] == "ocsp-responder" && c["ca"] == ca)
        .map(|c| c["serial"].as_str().unwrap().to_owned())
        .collect()
}

// ---- time -------------------------------------------------------------------------------

fn now_unix() -> i64 {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(d.as_secs()).unwrap()
}

/// Unix seconds as `2026-11-20T08:00:00Z` (Howard Hinnant's civil_from_days).
fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// An IMF-fixdate (`Mon, 23 Nov 2026 01:04:43 GMT`) as Unix seconds.
#[track_caller]
fn http_date(v: &str) -> i64 {
    let p: Vec<&str> = v.split_whitespace().collect();
    assert!(
        p.len() == 6 && p[0].ends_with(',') && p[5] == "GMT",
        "not an HTTP date: {v:?}"
    );
    parse_openssl_time(&format!("{} {} {} {} GMT", p[2], p[1], p[4], p[3]))
}

/// The time openssl prints after `label` (e.g. `This Update:`) in `text`.
#[track_caller]
fn time_after(text: &str, label: &str) -> i64 {
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} in\n{text}"));
    parse_openssl_time(line.trim())
}

// ---- OCSP -------------------------------------------------------------------------------

/// `openssl ocsp -issuer <service-providers> OPTS... -url URL -CAfile <root>`: asks the
/// running service and verifies the answer; stdout and stderr together.
#[track_caller]
fn ask(pki: &Pki, serve: &Serve, opts: &[&str]) -> String {
    let url = serve.url(&format!("/ocsp/{SP}"));
    let issuer = pki.ca_pem(SP);
    let root = pki.ca_pem("root");
    let mut args = vec!["ocsp", "-timeout", "10", "-issuer", s(&issuer)];
    args.extend_from_slice(opts);
    args.extend(["-url", url.as_str(), "-CAfile", s(&root)]);
    let r = openssl(&args);
    format!("{}\n{}", r.stdout, r.stderr)
}

/// Asserts that openssl verified the answer and read `status` for `cert`.
#[track_caller]
fn assert_answer(said: &str, cert: &Path, status: &str) {
    assert!(
        said.contains("Response verify OK"),
        "openssl did not verify the OCSP response:\n{said}"
    );
    assert!(
        said.contains(&format!("{}: {status}", cert.display())),
        "expected `{}: {status}` from openssl ocsp:\n{said}",
        cert.display()
    );
}

static FILES: AtomicUsize = AtomicUsize::new(0);

/// Writes bytes to a fresh file in the test's directory.
fn write_new(pki: &Pki, stem: &str, bytes: &[u8]) -> PathBuf {
    let p = pki.path(&format!("{stem}-{}", FILES.fetch_add(1, Ordering::Relaxed)));
    fs::write(&p, bytes).unwrap();
    p
}

/// `openssl ocsp -respin R -resp_text -noverify` (stdout and stderr).
fn response_text(resp: &Path) -> String {
    let r = openssl(["ocsp", "-respin", s(resp), "-resp_text", "-noverify"]);
    format!("{}\n{}", r.stdout, r.stderr)
}

/// What openssl reads as the responseStatus of a DER OCSPResponse: `successful`, or the
/// error (`malformedrequest`, `unauthorized`, `trylater`, …).
fn response_status(pki: &Pki, der: &[u8]) -> String {
    let text = response_text(&write_new(pki, "resp", der));
    if let Some(rest) = text.split("Responder Error: ").nth(1) {
        return rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
    }
    if text.contains("OCSP Response Status: successful") {
        return "successful".to_owned();
    }
    format!("unreadable: {text}")
}

/// The delegated responder certificate carried in a response, as a PEM file.
#[track_caller]
fn responder_cert(pki: &Pki, resp: &Path) -> PathBuf {
    let text = response_text(resp);
    let start = text
        .find("-----BEGIN CERTIFICATE-----")
        .unwrap_or_else(|| panic!("no responder certificate in the response:\n{text}"));
    let end = text.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----".len();
    write_new(
        pki,
        "responder.pem",
        format!("{}\n", &text[start..end]).as_bytes(),
    )
}

/// A DER OCSP request for `cert` made by `openssl ocsp -reqout` with `opts`.
fn make_request(pki: &Pki, issuer: &Path, opts: &[&str]) -> Vec<u8> {
    let out = pki.path(&format!(
        "req-{}.der",
        FILES.fetch_add(1, Ordering::Relaxed)
    ));
    let mut args = vec!["ocsp", "-issuer", s(issuer)];
    args.extend_from_slice(opts);
    args.extend(["-reqout", s(&out)]);
    openssl(&args).ok();
    fs::read(&out).unwrap()
}

/// POST a body to `/ocsp/service-providers` with a content type (or none).
fn post(serve: &Serve, content_type: Option<&str>, body: &[u8]) -> Result<HttpResponse, String> {
    let headers: Vec<(&str, &str)> = content_type
        .map(|c| vec![("Content-Type", c)])
        .unwrap_or_default();
    http_request(
        serve.addr,
        "POST",
        &format!("/ocsp/{SP}"),
        &headers,
        body,
        REQUEST_TIMEOUT,
    )
}

/// POST an OCSP request properly.
#[track_caller]
fn post_ocsp(serve: &Serve, request: &[u8]) -> HttpResponse {
    post(serve, Some("application/ocsp-request"), request).unwrap()
}

/// Whether a POSTed request about one good certificate is answered `good` at once.
fn still_good(pki: &Pki, serve: &Serve, request: &[u8]) -> Result<(), String> {
    let resp = post(serve, Some("application/ocsp-request"), request)?;
    let text = response_text(&write_new(pki, "still-good.der", &resp.body));
    if resp.status == 200
        && text.contains("OCSP Response Status: successful")
        && text.contains("Cert Status: good")
    {
        Ok(())
    } else {
        Err(format!("HTTP {}: {text}", resp.status))
    }
}

/// The GET form of an OCSP request (RFC 6960 A.1: base64, then URL-encoded).
fn get_path(pki: &Pki, request: &[u8]) -> String {
    let file = write_new(pki, "get.der", request);
    let b64 = openssl(["base64", "-A", "-in", s(&file)]).ok().stdout;
    let encoded = b64
        .trim()
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    format!("/ocsp/{SP}/{encoded}")
}

/// Asserts the RFC 5019 §6.2 caching headers of a pre-signed answer, against the
/// thisUpdate and nextUpdate openssl reads in it; returns the ETag.
#[track_caller]
fn assert_cacheable(resp: &HttpResponse, said: &str) -> String {
    let ctx = format!("{:?}\n{said}", resp.headers);
    assert_eq!(
        resp.header("content-type"),
        Some("application/ocsp-response"),
        "{ctx}"
    );
    let cc = resp.header("cache-control").unwrap_or_default();
    assert!(names_all(cc, &["public"]), "Cache-Control: {ctx}");
    let max_age: i64 = cc
        .split(',')
        .find_map(|p| p.trim().strip_prefix("max-age="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no max-age in Cache-Control: {ctx}"));
    let this_update = time_after(said, "This Update:");
    let next_update = time_after(said, "Next Update:");
    let last_modified = http_date(resp.header("last-modified").expect("Last-Modified"));
    let expires = http_date(resp.header("expires").expect("Expires"));
    assert_eq!(
        last_modified, this_update,
        "Last-Modified is thisUpdate: {ctx}"
    );
    assert_eq!(expires, next_update, "Expires is nextUpdate: {ctx}");
    assert!(
        max_age > 0 && max_age <= next_update - now_unix() + 1,
        "max-age must count down to nextUpdate: {ctx}"
    );
    let etag = resp.header("etag").expect("ETag").to_owned();
    assert!(etag.len() > 2 && etag.starts_with('"'), "ETag: {ctx}");
    etag
}

// ---- DER, for requests openssl will not make -------------------------------------------

/// The tag, header length and content length of the TLV at the start of `der`.
fn tlv_head(der: &[u8]) -> (u8, usize, usize) {
    let first = der[1];
    if first & 0x80 == 0 {
        return (der[0], 2, usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    let len = der[2..2 + n]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    (der[0], 2 + n, len)
}

/// The content of the TLV at the start of `tlv`.
fn content(tlv: &[u8]) -> &[u8] {
    let (_, h, l) = tlv_head(tlv);
    &tlv[h..h + l]
}

/// The TLVs one after another in `content`.
fn children(mut content: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (_, h, l) = tlv_head(content);
        out.push(&content[..h + l]);
        content = &content[h + l..];
    }
    out
}

/// One DER TLV.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut out = vec![tag];
    if n < 0x80 {
        out.push(u8::try_from(n).unwrap());
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap());
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// The first CertID of a DER OCSPRequest (tbsRequest → requestList → Request → reqCert).
fn first_cert_id(request: &[u8]) -> Vec<u8> {
    let tbs = children(content(request))[0];
    let list = children(content(tbs))
        .into_iter()
        .find(|c| c[0] == 0x30)
        .expect("a requestList");
    let req = children(content(list))[0];
    children(content(req))[0].to_vec()
}

/// An OCSPRequest without nonce asking about `count` copies of one CertID.
fn request_with(cert_id: &[u8], count: usize) -> Vec<u8> {
    let one = der(0x30, cert_id);
    let list: Vec<u8> = std::iter::repeat_n(one.as_slice(), count)
        .flatten()
        .copied()
        .collect();
    der(0x30, &der(0x30, &der(0x30, &list)))
}

/// Lower-case hex to bytes.
fn unhex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

// ---- CRLs -------------------------------------------------------------------------------

/// Whether a DER CRL lists a serial (its INTEGER appears in the entries).
fn lists(crl: &[u8], serial: &str) -> bool {
    let bytes = unhex(serial);
    let mut needle = vec![0x02, u8::try_from(bytes.len()).unwrap()];
    needle.extend(bytes);
    crl.windows(needle.len()).any(|w| w == needle)
}

/// `openssl crl -inform DER -text` of a file.
#[track_caller]
fn crl_text(der: &Path) -> String {
    openssl(["crl", "-inform", "DER", "-in", s(der), "-noout", "-text"])
        .ok()
        .stdout
}

/// The number on the line after `label` in `openssl crl -text` output.
#[track_caller]
fn number_after(text: &str, label: &str) -> i64 {
    let mut lines = text.lines();
    lines
        .by_ref()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in\n{text}"));
    lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?} in\n{text}"))
}

/// A DER CRL as PEM, by `openssl crl`.
#[track_caller]
fn crl_pem(der: &Path) -> PathBuf {
    let pem = der.with_extension("pem");
    openssl(["crl", "-inform", "DER", "-in", s(der), "-out", s(&pem)]).ok();
    pem
}

/// `openssl verify -x509_strict -crl_check [-use_deltas] -CRLfile... ` of a certificate
/// of service-providers.
fn verify_with_crls(pki: &Pki, cert: &Path, crls: &[&Path], deltas: bool) -> Run {
    let root = pki.ca_pem("root");
    let sp = pki.ca_pem(SP);
    let mut args = vec!["verify", "-x509_strict", "-crl_check"];
    if deltas {
        args.push("-use_deltas");
    }
    args.extend(["-CAfile", s(&root), "-untrusted", s(&sp)]);
    for c in crls {
        args.extend(["-CRLfile", s(c)]);
    }
    args.push(s(cert));
    openssl(&args)
}

/// Asserts that openssl refuses a certificate as revoked.
#[track_caller]
fn assert_revoked_by_crl(r: &Run) {
    assert!(
        !r.success() && format!("{}{}", r.stdout, r.stderr).contains("certificate revoked"),
        "openssl verify must refuse the revoked certificate as revoked: {}",
        r.describe()
    );
}

/// Asserts that openssl accepts a certificate with the CRLs.
#[track_caller]
fn assert_accepted(r: &Run) {
    assert!(
        r.success() && r.stdout.trim_end().ends_with(": OK"),
        "openssl verify must accept the certificate: {}",
        r.describe()
    );
}

/// Asserts the caching headers of a served CRL; returns the DER.
#[track_caller]
fn assert_crl_headers(resp: &HttpResponse, what: &str) {
    let ctx = format!("{what}: {:?}", resp.headers);
    assert_eq!(resp.status, 200, "{ctx}");
    assert_eq!(
        resp.header("content-type"),
        Some("application/pkix-crl"),
        "{ctx}"
    );
    let cc = resp.header("cache-control").unwrap_or_default();
    let max_age: i64 = cc
        .split(',')
        .find_map(|p| p.trim().strip_prefix("max-age="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no max-age in Cache-Control: {ctx}"));
    assert!(max_age > 0 && names_all(cc, &["public"]), "{ctx}");
    let last_modified = http_date(resp.header("last-modified").expect("Last-Modified"));
    let expires = http_date(resp.header("expires").expect("Expires"));
    assert!(
        last_modified <= now_unix() && expires > now_unix(),
        "Last-Modified must be past and Expires ahead: {ctx}"
    );
    assert!(resp.header("etag").is_some_and(|e| e.len() > 2), "{ctx}");
}

/// Polls the served delta CRL of service-providers until it lists `serial`; returns it
/// and how long that took.
#[track_caller]
fn wait_for_delta(serve: &Serve, serial: &str) -> (HttpResponse, Duration) {
    let start = Instant::now();
    let path = format!("/crl/{SP}-delta.crl");
    loop {
        let resp = http_get(serve.addr, &path);
        if resp.status == 200 && lists(&resp.body, serial) {
            return (resp, start.elapsed());
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the delta CRL at {path} did not list {serial} within 10 s: {resp:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---- the database, opened directly ----------------------------------------------------

/// Runs `f` on the data directory's SQLite database, opened and closed around it (no
/// `carepki` process may be writing at the time).
fn with_store<T>(pki: &Pki, f: impl AsyncFnOnce(&Store) -> T) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = Store::open_sqlite_path(&pki.data.join("carepki.db"))
                .await
                .unwrap();
            let out = f(&store).await;
            store.close().await;
            out
        })
}

/// How many audit events the database holds.
fn audit_event_count(pki: &Pki) -> usize {
    with_store(pki, async |st: &Store| {
        st.audit_events(None).await.unwrap().len()
    })
}

// ---- 1. OCSP end to end -----------------------------------------------------------------

/// A certificate is `good`, then `revoked` with its reason within a second of
/// `carepki revoke` returning, on every path of the responder: the pre-signed answer
/// (SHA-1 CertID, no nonce), the on-demand one (nonce, SHA-256 CertID), and GET with the
/// RFC 5019 caching headers.
#[test]
fn ocsp_says_good_then_revoked_within_a_second() {
    let (pki, serve) = served_pki();
    let issued = issue_server(&pki);
    let cert = issued.cert.as_path();
    let cert_s = s(cert);

    // Good, on every path.
    assert_answer(&ask(&pki, &serve, &["-cert", cert_s]), cert, "good");
    let presigned = ask(&pki, &serve, &["-no_nonce", "-cert", cert_s]);
    assert_answer(&presigned, cert, "good");
    assert_answer(
        &ask(&pki, &serve, &["-no_nonce", "-sha256", "-cert", cert_s]),
        cert,
        "good",
    );
    // openssl sends a nonce by default: the answer must echo it.
    let with_nonce = ask(&pki, &serve, &["-cert", cert_s]);
    assert!(!with_nonce.contains("WARNING"), "{with_nonce}");

    // GET of the pre-signed answer, with RFC 5019 caching headers.
    let issuer = pki.ca_pem(SP);
    let request = make_request(&pki, &issuer, &["-no_nonce", "-cert", cert_s]);
    let got = http_get(serve.addr, &get_path(&pki, &request));
    assert_eq!(got.status, 200, "{got:?}");
    let got_file = write_new(&pki, "get-good.der", &got.body);
    let got_said = {
        let r = openssl([
            "ocsp",
            "-respin",
            s(&got_file),
            "-issuer",
            s(&issuer),
            "-cert",
            cert_s,
            "-CAfile",
            s(&pki.ca_pem("root")),
        ]);
        format!("{}\n{}", r.stdout, r.stderr)
    };
    assert_answer(&got_said, cert, "good");
    let etag_good = assert_cacheable(&got, &got_said);
    // POST of the same request gets the same pre-signed bytes; a nonce request is signed
    // for that client alone and must not be cached.
    let posted = post_ocsp(&serve, &request);
    assert_eq!(
        posted.body, got.body,
        "GET and POST answer with the same bytes"
    );
    let nonce_request = make_request(&pki, &issuer, &["-nonce", "-cert", cert_s]);
    let nonce_answer = post_ocsp(&serve, &nonce_request);
    assert_eq!(nonce_answer.status, 200);
    assert_eq!(
        nonce_answer.header("cache-control"),
        Some("no-store"),
        "an answer with a nonce must not be cached: {:?}",
        nonce_answer.headers
    );

    // Revoke, with an invalidity date in the past.
    let invalid_since = rfc3339(now_unix() - 2 * 86_400);
    let started = Instant::now();
    let json = revoke(
        &pki,
        &issued.serial,
        "keyCompromise",
        &["--invalidity-date", &invalid_since],
    );
    let returned = Instant::now();
    assert_eq!(json["invalidity_date"], invalid_since.as_str(), "{json}");
    assert_eq!(json["expired"], false, "{json}");
    let revoked_at = parse_rfc3339(json["revoked_at"].as_str().unwrap());

    // Poll the pre-signed path until it says revoked: within a second.
    let revoked_answer = loop {
        let answer = post_ocsp(&serve, &request);
        if answer.body != posted.body {
            let text = response_text(&write_new(&pki, "poll.der", &answer.body));
            if text.contains("Cert Status: revoked") {
                break answer;
            }
        }
        assert!(
            returned.elapsed() < Duration::from_secs(1),
            "OCSP still did not say revoked 1 s after `carepki revoke` returned"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    eprintln!(
        "OCSP said revoked {:?} after `carepki revoke` returned ({:?} after it started)",
        returned.elapsed(),
        started.elapsed()
    );

    // Revoked, with its reason and time, on every path, verified.
    for opts in [
        vec!["-cert", cert_s],
        vec!["-no_nonce", "-cert", cert_s],
        vec!["-no_nonce", "-sha256", "-cert", cert_s],
        vec!["-sha256", "-cert", cert_s],
    ] {
        let said = ask(&pki, &serve, &opts);
        assert_answer(&said, cert, "revoked");
        assert!(said.contains("Reason: keyCompromise"), "{opts:?}:\n{said}");
        assert_eq!(
            time_after(&said, "Revocation Time:"),
            revoked_at,
            "the revocation time is when it was revoked ({opts:?}):\n{said}"
        );
    }
    let got = http_get(serve.addr, &get_path(&pki, &request));
    assert_eq!(got.body, revoked_answer.body, "GET serves the new answer");
    let got_file = write_new(&pki, "get-revoked.der", &got.body);
    let r = openssl([
        "ocsp",
        "-respin",
        s(&got_file),
        "-issuer",
        s(&issuer),
        "-cert",
        cert_s,
        "-CAfile",
        s(&pki.ca_pem("root")),
    ]);
    let got_said = format!("{}\n{}", r.stdout, r.stderr);
    assert_answer(&got_said, cert, "revoked");
    let etag_revoked = assert_cacheable(&got, &got_said);
    assert_ne!(etag_good, etag_revoked, "a new answer has a new ETag");
    assert!(
        http_date(got.header("last-modified").unwrap()) >= revoked_at,
        "{:?}",
        got.headers
    );

    assert_no_errors_logged(&serve.stop());
}

// ---- 2. CRLs ----------------------------------------------------------------------------

/// After a revocation the served delta CRL lists it within seconds, the full CRL points
/// at the delta, `crl generate` makes a full CRL that lists it, and `openssl verify
/// -crl_check` refuses the revoked certificate and accepts another with either; CRL
/// numbers keep increasing across a restart of the service.
#[test]
fn crls_list_revocations_for_openssl_and_numbers_survive_a_restart() {
    let (pki, serve) = served_pki();
    let port = serve.addr.port();
    let revoked = issue_server(&pki);
    let kept = issue(&pki, "server", HIISI, "kanta.hiidenkivi-data.fi", &[]);
    let invalid_since = rfc3339(now_unix() - 3600);
    revoke(
        &pki,
        &revoked.serial,
        "keyCompromise",
        &["--invalidity-date", &invalid_since],
    );

    // The delta CRL served lists it within a few seconds (the CLI's revocation is seen
    // by the service's publisher).
    let (delta, took) = wait_for_delta(&serve, &revoked.serial);
    eprintln!("the served delta CRL listed the revocation after {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_crl_headers(&delta, "delta CRL");
    let full = http_get(serve.addr, &format!("/crl/{SP}.crl"));
    assert_crl_headers(&full, "full CRL");
    let delta_der = write_new(&pki, "delta.der", &delta.body);
    let full_der = write_new(&pki, "full.der", &full.body);
    let delta_text = crl_text(&delta_der);
    let full_text = crl_text(&full_der);
    assert!(
        delta_text.contains("X509v3 Delta CRL Indicator: critical"),
        "{delta_text}"
    );
    assert_eq!(
        number_after(&delta_text, "X509v3 Delta CRL Indicator"),
        number_after(&full_text, "X509v3 CRL Number"),
        "the delta CRL names the full CRL it updates:\n{full_text}\n{delta_text}"
    );
    assert!(full_text.contains("X509v3 Freshest CRL"), "{full_text}");
    assert!(
        full_text.contains(&format!(
            "URI:{}",
            serve.url(&format!("/crl/{SP}-delta.crl"))
        )),
        "freshestCRL points at the served delta CRL:\n{full_text}"
    );
    assert!(
        delta_text.contains(&revoked.serial.to_ascii_uppercase())
            && delta_text.contains("Key Compromise")
            && delta_text.contains("Invalidity Date"),
        "{delta_text}"
    );
    let (full_pem, delta_pem) = (crl_pem(&full_der), crl_pem(&delta_der));
    assert_revoked_by_crl(&verify_with_crls(
        &pki,
        &revoked.cert,
        &[&full_pem, &delta_pem],
        true,
    ));
    assert_accepted(&verify_with_crls(
        &pki,
        &kept.cert,
        &[&full_pem, &delta_pem],
        true,
    ));

    // The service stops first: a `crl generate` while it publishes races it for the CRL
    // number (see `concurrent_crl_generation_leaves_every_recorded_crl_readable`).
    assert_no_errors_logged(&serve.stop());

    // A full CRL made now lists it.
    let out = pki.path("crl.der");
    let made = pki
        .run(&["crl", "generate", "--ca", SP, "--out", s(&out), "--json"])
        .ok()
        .json();
    let n1 = made[0]["number"].as_i64().unwrap();
    assert_eq!(made[0]["kind"], "full", "{made}");
    assert_eq!(made[0]["entries"], 1, "{made}");
    let text = crl_text(&out);
    assert_eq!(number_after(&text, "X509v3 CRL Number"), n1, "{text}");
    assert!(
        text.contains(&revoked.serial.to_ascii_uppercase()) && text.contains("Key Compromise"),
        "{text}"
    );
    let pem = crl_pem(&out);
    assert_revoked_by_crl(&verify_with_crls(&pki, &revoked.cert, &[&pem], false));
    assert_accepted(&verify_with_crls(&pki, &kept.cert, &[&pem], false));
    // ... and a delta CRL made now refers to it.
    let delta_out = pki.path("delta-now.der");
    pki.run(&[
        "crl",
        "generate",
        "--ca",
        SP,
        "--delta",
        "--out",
        s(&delta_out),
    ])
    .ok();
    let text = crl_text(&delta_out);
    assert_eq!(
        number_after(&text, "X509v3 Delta CRL Indicator"),
        n1,
        "{text}"
    );
    assert!(number_after(&text, "X509v3 CRL Number") > n1, "{text}");

    // Across a restart, numbers only increase; the service serves the full CRL the
    // command line made.
    let serve = Serve::start(&pki, port);
    let served = http_get(serve.addr, &format!("/crl/{SP}.crl"));
    assert_crl_headers(&served, "full CRL after restart");
    let served_text = crl_text(&write_new(&pki, "full2.der", &served.body));
    assert_eq!(
        number_after(&served_text, "X509v3 CRL Number"),
        n1,
        "{served_text}"
    );
    let again = pki
        .run(&["crl", "generate", "--ca", SP, "--json"])
        .ok()
        .json();
    let n2 = again[0]["number"].as_i64().unwrap();
    assert!(n2 > n1 + 1, "CRL numbers must increase: {n1} then {n2}");
    assert_no_errors_logged(&serve.stop());
}

// ---- 3. pkilint -------------------------------------------------------------------------

/// pkilint finds nothing at WARNING or above in full and delta CRLs (empty and with an
/// entry), in good, revoked and unknown OCSP responses (pre-signed and on demand), and in
/// the delegated responder certificate.
#[test]
fn crls_ocsp_responses_and_responder_certificate_are_pkilint_clean() {
    for p in ["lint_crl", "lint_ocsp_response", "lint_pkix_cert"] {
        pkilint_program(p);
    }
    let (pki, serve) = served_pki();
    let issued = issue_server(&pki);
    let cert_s = s(&issued.cert);
    let respout = |name: &str, opts: &[&str]| -> PathBuf {
        let out = pki.path(name);
        let mut all = opts.to_vec();
        all.extend(["-respout", s(&out)]);
        let said = ask(&pki, &serve, &all);
        assert!(said.contains("Response verify OK"), "{said}");
        out
    };
    let mut responses = vec![
        respout("good-presigned.der", &["-no_nonce", "-cert", cert_s]),
        respout("good-nonce.der", &["-cert", cert_s]),
        respout("unknown.der", &["-no_nonce", "-serial", "0x1234"]),
    ];
    // An empty full and delta CRL, as served.
    let empty_full = http_get(serve.addr, &format!("/crl/{SP}.crl"));
    let empty_delta = http_get(serve.addr, &format!("/crl/{SP}-delta.crl"));
    let mut crls = vec![
        write_new(&pki, "empty-full.der", &empty_full.body),
        write_new(&pki, "empty-delta.der", &empty_delta.body),
    ];

    revoke(
        &pki,
        &issued.serial,
        "keyCompromise",
        &["--invalidity-date", &rfc3339(now_unix() - 600)],
    );
    let (delta, _) = wait_for_delta(&serve, &issued.serial);
    crls.push(write_new(&pki, "delta.der", &delta.body));
    let full = pki.path("full.der");
    pki.run(&["crl", "generate", "--ca", SP, "--out", s(&full)])
        .ok();
    crls.push(full);
    let deadline = Instant::now() + Duration::from_secs(2);
    while !ask(&pki, &serve, &["-no_nonce", "-cert", cert_s]).contains(": revoked") {
        assert!(Instant::now() < deadline, "OCSP never said revoked");
        std::thread::sleep(Duration::from_millis(50));
    }
    responses.push(respout(
        "revoked-presigned.der",
        &["-no_nonce", "-cert", cert_s],
    ));
    responses.push(respout("revoked-nonce.der", &["-cert", cert_s]));

    for crl in &crls {
        assert!(!fs::read(crl).unwrap().is_empty(), "{}", crl.display());
        assert_pkilint_program_clean("lint_crl", &["-t", "CRL", "-p", "PKIX"], crl);
    }
    for resp in &responses {
        assert_pkilint_program_clean("lint_ocsp_response", &[], resp);
    }
    let responder = responder_cert(&pki, &responses[0]);
    assert_eq!(
        listed_responders(&pki, SP),
        vec![CertInfo::load(&responder).serial],
        "the responder in the answer is the one `cert list` shows"
    );
    assert_pkilint_program_clean("lint_pkix_cert", &[], &responder);
    assert_no_errors_logged(&serve.stop());
}

// ---- 4. the status audit ----------------------------------------------------------------

/// After a mixed run (every profile, revocations with each reason, the service
/// publishing) the audit passes with nothing pending; a row edited behind the
/// revocation cycle's back is named, with its serial and the publications that
/// contradict it.
#[test]
fn status_audit_passes_a_mixed_run_and_names_corrupted_rows() {
    let (pki, serve) = served_pki();
    let certs = [
        issue_server(&pki),
        issue(&pki, "server", HIISI, "kanta.hiidenkivi-data.fi", &[]),
        issue(&pki, "test-server", JARVI, "testi.jarvilaakso-hva.fi", &[]),
        issue(
            &pki,
            "system-signature",
            JARVI,
            "Järvilaakso potilastietojärjestelmä",
            &[],
        ),
        issue(
            &pki,
            "test-system-signature",
            JARVI,
            "Järvilaakso testijärjestelmä",
            &[],
        ),
        issue(
            &pki,
            "email",
            JARVI,
            "Kirjaamo",
            &["--email", "kirjaamo@jarvilaakso-hva.fi"],
        ),
    ];
    let reasons = [
        (0, "keyCompromise"),
        (2, "superseded"),
        (3, "cessationOfOperation"),
        (5, "affiliationChanged"),
        (4, "unspecified"),
    ];
    for (i, reason) in reasons {
        revoke(&pki, &certs[i].serial, reason, &[]);
    }

    // The publishers catch up within a few seconds: nothing pending, nothing missing.
    // (The first audit waits 3 s: one run in the moment between a revocation and the
    // responder's new answer can report a false failure; see
    // `status_audit_counts_an_answer_signed_in_the_revocation_second_as_pending`.)
    std::thread::sleep(Duration::from_secs(3));
    let start = Instant::now();
    let report = loop {
        let report = pki.run(&["status", "audit", "--json"]).ok().json();
        let findings = report["findings"].as_array().unwrap();
        if findings.is_empty() {
            break report;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the publishers did not catch up within 10 s: {report:#}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    eprintln!(
        "the status audit found nothing 3 s + {:?} after the last revocation",
        start.elapsed()
    );
    assert_eq!(report["revoked"], reasons.len(), "{report:#}");
    assert!(
        report["ocsp_responses"].as_u64().unwrap() >= 6 + 8,
        "{report:#}"
    );
    let text = pki.run(&["status", "audit"]).ok();
    assert!(text.stdout.contains("PASSED"), "{}", text.describe());

    assert_no_errors_logged(&serve.stop());

    // A revoked certificate set back to valid: its OCSP response and the delta CRL
    // report a VALID certificate revoked.
    let resurrected = &certs[0].serial;
    with_store(&pki, async |st: &Store| {
        st.corrupt_status_for_tests(resurrected, "valid")
            .await
            .unwrap();
    });
    let r = pki
        .run(&["status", "audit"])
        .refused(&["status audit FAILED"]);
    let failures: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("FAILURE") && l.contains(resurrected.as_str()))
        .collect();
    assert!(
        failures.iter().any(|l| names_all(l, &["ocsp"])),
        "the audit must name {resurrected} and its OCSP response: {}",
        r.describe()
    );
    assert!(
        failures.iter().any(|l| names_all(l, &["crl"])),
        "the audit must name {resurrected} and the CRL that lists it: {}",
        r.describe()
    );
    let json = pki.run(&["status", "audit", "--json"]);
    assert_eq!(json.status.code(), Some(1), "{}", json.describe());
    let findings = json.json()["findings"].as_array().unwrap().clone();
    let failed_sources: Vec<&str> = findings
        .iter()
        .filter(|f| f["serial"] == resurrected.as_str() && f["severity"] == "failure")
        .map(|f| f["source"].as_str().unwrap())
        .collect();
    assert!(
        failed_sources.contains(&"ocsp")
            && failed_sources
                .iter()
                .any(|s| *s == "crl" || *s == "delta-crl"),
        "{findings:#?}"
    );

    // A valid certificate marked revoked behind the cycle's back: its OCSP response says
    // good, and nothing explains when it was revoked.
    let marked = &certs[1].serial;
    with_store(&pki, async |st: &Store| {
        st.corrupt_status_for_tests(marked, "revoked")
            .await
            .unwrap();
    });
    let r = pki
        .run(&["status", "audit"])
        .refused(&["status audit FAILED"]);
    assert!(
        r.stdout.lines().any(|l| l.contains("FAILURE")
            && l.contains(marked.as_str())
            && names_all(l, &["ocsp"])),
        "the audit must name {marked} and its OCSP response: {}",
        r.describe()
    );
}

// ---- 5. revocation: bad input -----------------------------------------------------------

/// Every bad `carepki revoke` is refused with a message that names the problem, and
/// changes nothing: no certificate, no audit event.
#[test]
fn revoke_refuses_bad_input_and_changes_nothing() {
    let pki = Pki::init(&[]);
    let valid = issue_server(&pki);
    let done = issue(&pki, "server", HIISI, "kanta.hiidenkivi-data.fi", &[]);
    let first = revoke(&pki, &done.serial, "superseded", &[]);
    let since = first["revoked_at"].as_str().unwrap().to_owned();

    let list_before = pki.run(&["cert", "list", "--json"]).ok().json();
    let events_before = audit_event_count(&pki);
    let unknown = "0123456789abcdef0123456789abcdef";
    let future = rfc3339(now_unix() + 86_400);
    let v = valid.serial.as_str();
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec![unknown, "--reason", "keyCompromise"],
            vec![unknown, "no certificate"],
        ),
        (vec!["xyz", "--reason", "keyCompromise"], vec!["xyz", "hex"]),
        (
            vec!["12-34", "--reason", "superseded"],
            vec!["12-34", "hex"],
        ),
        (vec!["", "--reason", "superseded"], vec!["hex"]),
        (
            vec![&done.serial, "--reason", "keyCompromise"],
            vec!["already revoked", "since", &since],
        ),
        (
            vec![v, "--reason", "certificateHold"],
            vec!["certificateHold", "final", "hold"],
        ),
        (
            vec![v, "--reason", "removeFromCRL"],
            vec!["removeFromCRL", "final"],
        ),
        (
            vec![v, "--reason", "bogus"],
            vec!["bogus", "keyCompromise", "superseded"],
        ),
        (
            vec![v, "--reason", "keyCompromise", "--invalidity-date", &future],
            vec!["invalidity date", "future"],
        ),
        (
            vec![
                v,
                "--reason",
                "keyCompromise",
                "--invalidity-date",
                "yesterday",
            ],
            vec!["yesterday", "RFC 3339"],
        ),
        (
            vec![
                v,
                "--reason",
                "keyCompromise",
                "--invalidity-date",
                "2026-13-45T00:00:00Z",
            ],
            vec!["2026-13-45T00:00:00Z", "RFC 3339"],
        ),
    ];
    let mut problems = Vec::new();
    for (args, fragments) in &cases {
        let mut all = vec!["revoke"];
        all.extend_from_slice(args);
        if let Err(e) = pki.run(&all).check_refused(fragments) {
            problems.push(e);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert_eq!(
        pki.run(&["cert", "list", "--json"]).ok().json(),
        list_before,
        "refused revocations must change no certificate"
    );
    assert_eq!(
        audit_event_count(&pki),
        events_before,
        "refused revocations must write no audit event"
    );
}

/// An expired certificate can be revoked; the answer says that it had expired.
#[test]
fn revoke_records_an_expired_certificate_as_expired() {
    let pki = Pki::init(&[]);
    let a = issue_server(&pki);
    let b = issue(&pki, "server", HIISI, "kanta.hiidenkivi-data.fi", &[]);
    let past = now_unix() - 86_400;
    with_store(&pki, async |st: &Store| {
        st.set_not_after_for_tests(&a.serial, past).await.unwrap();
        st.set_not_after_for_tests(&b.serial, past).await.unwrap();
    });
    let json = revoke(&pki, &a.serial, "cessationOfOperation", &[]);
    assert_eq!(json["expired"], true, "{json}");
    let text = pki
        .run(&["revoke", &b.serial, "--reason", "superseded"])
        .ok();
    assert!(
        names_all(&text.stdout, &["expired", &b.serial]),
        "{}",
        text.describe()
    );
    let list = pki.run(&["cert", "list", "--json"]).ok().json();
    for serial in [&a.serial, &b.serial] {
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["serial"] == serial.as_str())
            .unwrap();
        assert_eq!(row["status"], "revoked", "{row}");
    }
}

// ---- 6. OCSP: bad input -----------------------------------------------------------------

/// What a bad request must get.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// HTTP 200 with an OCSPResponse of this status, as openssl reads it.
    Ocsp(&'static str),
    /// This HTTP status.
    Http(u16),
    /// HTTP 415 with an OCSP malformedRequest body.
    WrongType,
}

/// Every bad request gets a quick, clear answer (an OCSP error status, 413 or 415), and
/// the responder answers a good request right after each.
#[test]
fn ocsp_answers_bad_requests_quickly_and_keeps_serving() {
    let (pki, serve) = served_pki();
    let issued = issue_server(&pki);
    let cert_s = s(&issued.cert);
    let issuer = pki.ca_pem(SP);
    let good = make_request(&pki, &issuer, &["-no_nonce", "-cert", cert_s]);
    still_good(&pki, &serve, &good).unwrap();
    let cert_id = first_cert_id(&good);
    assert_eq!(
        request_with(&cert_id, 1),
        good,
        "the request is rebuilt exactly"
    );

    // Another CA, which this responder does not serve.
    let other_key = pki.path("other.key");
    let other = pki.path("other.pem");
    openssl([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        s(&other_key),
        "-subj",
        "/CN=Some Other CA",
        "-days",
        "2",
        "-out",
        s(&other),
    ])
    .ok();
    let foreign = make_request(&pki, &other, &["-no_nonce", "-serial", "0x1234"]);
    // MD5 in the CertID (openssl still makes one); check that it really did.
    let md5 = make_request(&pki, &issuer, &["-no_nonce", "-md5", "-cert", cert_s]);
    let md5_oid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05];
    assert!(md5.windows(md5_oid.len()).any(|w| w == md5_oid));

    let mut garbage = Vec::with_capacity(300);
    let mut x: u32 = 0x1234_5678;
    for _ in 0..300 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage.push(x.to_le_bytes()[0]);
    }
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[0x05, 0x00]);
    let ten = request_with(&cert_id, 10);
    let eleven = request_with(&cert_id, 11);
    let thousand = request_with(&cert_id, 1000);
    let mebibyte = vec![0x30_u8; 1 << 20];
    let truncated = &good[..good.len() - 7];

    let ocsp_type = Some("application/ocsp-request");
    type Case<'a> = (&'a str, Option<&'a str>, &'a [u8], Expect);
    let posts: Vec<Case<'_>> = vec![
        (
            "empty body",
            ocsp_type,
            b"",
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "garbage",
            ocsp_type,
            &garbage,
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "truncated DER",
            ocsp_type,
            truncated,
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "trailing bytes",
            ocsp_type,
            &trailing,
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "11 CertIDs",
            ocsp_type,
            &eleven,
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "1,000 CertIDs (77 kB)",
            ocsp_type,
            &thousand,
            Expect::Http(413),
        ),
        ("1 MiB body", ocsp_type, &mebibyte, Expect::Http(413)),
        ("text/plain", Some("text/plain"), &good, Expect::WrongType),
        ("no content type", None, &good, Expect::WrongType),
        (
            "MD5 CertID",
            ocsp_type,
            &md5,
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "issuer not served",
            ocsp_type,
            &foreign,
            Expect::Ocsp("unauthorized"),
        ),
    ];

    let battery = Instant::now();
    let mut problems = Vec::new();
    let mut timings = Vec::new();
    let mut judge = |what: &str, answer: Result<HttpResponse, String>, expect: Expect, took| {
        timings.push(format!("{what}: {took:?}"));
        if took > Duration::from_secs(2) {
            problems.push(format!("{what}: took {took:?}"));
        }
        let resp = match answer {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{what}: {e}"));
                return;
            }
        };
        let got = match expect {
            Expect::Ocsp(status) => {
                let said = response_status(&pki, &resp.body);
                if resp.status == 200 && said == status {
                    None
                } else {
                    Some(format!(
                        "HTTP {} with {said}, expected 200 with {status}",
                        resp.status
                    ))
                }
            }
            Expect::Http(code) => {
                (resp.status != code).then(|| format!("HTTP {}, expected {code}", resp.status))
            }
            Expect::WrongType => {
                let said = response_status(&pki, &resp.body);
                (resp.status != 415 || said != "malformedrequest").then(|| {
                    format!(
                        "HTTP {} with {said}, expected 415 with malformedrequest",
                        resp.status
                    )
                })
            }
        };
        if let Some(g) = got {
            problems.push(format!("{what}: {g} ({:?})", resp.headers));
        }
        // The responder still answers a good request at once.
        if let Err(e) = still_good(&pki, &serve, &good) {
            problems.push(format!("{what}: the good request after it: {e}"));
        }
    };
    for (what, content_type, body, expect) in &posts {
        let t = Instant::now();
        let answer = post(&serve, *content_type, body);
        judge(what, answer, *expect, t.elapsed());
    }
    // The same over GET.
    let gets: Vec<(&str, String, Expect)> = vec![
        (
            "GET not base64",
            format!("/ocsp/{SP}/%21%21not-base64%21%21"),
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "GET truncated DER",
            get_path(&pki, truncated),
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "GET garbage",
            get_path(&pki, &garbage),
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "GET MD5 CertID",
            get_path(&pki, &md5),
            Expect::Ocsp("malformedrequest"),
        ),
        (
            "GET issuer not served",
            get_path(&pki, &foreign),
            Expect::Ocsp("unauthorized"),
        ),
        (
            "GET 200 CertIDs (20 kB URL)",
            get_path(&pki, &request_with(&cert_id, 200)),
            Expect::Ocsp("malformedrequest"),
        ),
    ];
    for (what, path, expect) in &gets {
        let t = Instant::now();
        let answer = http_request(serve.addr, "GET", path, &[], b"", REQUEST_TIMEOUT);
        judge(what, answer, *expect, t.elapsed());
    }
    let total = battery.elapsed();
    eprintln!("bad-input battery: {total:?}\n  {}", timings.join("\n  "));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        total < Duration::from_secs(15),
        "the battery took {total:?}"
    );

    // Ten CertIDs are the most one request may hold: answered, ten times good.
    let answer = post_ocsp(&serve, &ten);
    let text = response_text(&write_new(&pki, "ten.der", &answer.body));
    assert_eq!(
        text.matches("Cert Status: good").count(),
        10,
        "ten CertIDs get ten answers:\n{text}"
    );
    // A serial this CA never issued is unknown, in a verified response.
    let said = ask(&pki, &serve, &["-serial", "0x1234"]);
    assert!(
        said.contains("0x1234: unknown") && said.contains("Response verify OK"),
        "{said}"
    );
    // And the real certificate is still good.
    assert_answer(&ask(&pki, &serve, &["-cert", cert_s]), &issued.cert, "good");
    assert_no_errors_logged(&serve.stop());
}

// ---- bugs found while writing these -----------------------------------------------------

/// Two `carepki crl generate` runs at once (or one while `carepki serve` publishes)
/// race for the same CRL number; the one that loses must not take the winner's
/// published CRL with it. Whatever each run answers, every CRL recorded stays
/// readable: the audit passes and the latest CRL lists the revocation.
#[test]
fn concurrent_crl_generation_leaves_every_recorded_crl_readable() {
    let pki = Pki::init(&[]);
    let revoked = issue_server(&pki);
    revoke(&pki, &revoked.serial, "keyCompromise", &[]);
    let mut outcomes = Vec::new();
    let mut broken = Vec::new();
    for round in 0..6 {
        let runs: Vec<_> = (0..6)
            .map(|_| {
                let cmd = pki.command(&["crl", "generate", "--ca", SP]);
                std::thread::spawn(move || run(cmd))
            })
            .collect();
        for r in runs {
            let r = r.join().unwrap();
            assert_ne!(r.status.code(), Some(101), "{}", r.describe());
            assert!(r.status.code().is_some(), "{}", r.describe());
            outcomes.push(if r.success() {
                format!("round {round}: ok")
            } else {
                format!("round {round}: {}", r.stderr.trim())
            });
        }
        // The audit reads the latest full CRL: it must be there after every round.
        let audit = pki.run(&["status", "audit"]);
        if !audit.success() {
            broken.push(format!("after round {round}: {}", audit.stdout.trim()));
        }
    }
    assert!(
        broken.is_empty(),
        "concurrent `crl generate` runs lost a recorded CRL:\n{}\n\nwhat the runs said:\n{}",
        broken.join("\n"),
        outcomes.join("\n")
    );
    let latest = pki.path("latest.der");
    pki.run(&["crl", "generate", "--ca", SP, "--out", s(&latest)])
        .ok();
    assert!(lists(&fs::read(&latest).unwrap(), &revoked.serial));
}

/// A delegated OCSP responder certificate revoked for keyCompromise must sign no more
/// responses: it carries id-pkix-ocsp-nocheck, so relying parties cannot find out. At
/// the latest after a restart the service answers with another responder, for the
/// pre-signed answers as well as the ones signed on demand.
#[test]
fn a_revoked_responder_certificate_signs_no_more_responses() {
    let (pki, serve) = served_pki();
    let port = serve.addr.port();
    let issued = issue_server(&pki);
    let cert_s = s(&issued.cert);
    let out = pki.path("before.der");
    let said = ask(
        &pki,
        &serve,
        &["-no_nonce", "-cert", cert_s, "-respout", s(&out)],
    );
    assert_answer(&said, &issued.cert, "good");
    let before = CertInfo::load(&responder_cert(&pki, &out)).serial;
    assert_eq!(listed_responders(&pki, SP), vec![before.clone()]);

    revoke(&pki, &before, "keyCompromise", &[]);
    assert_no_errors_logged(&serve.stop());
    let serve = Serve::start(&pki, port);
    for (name, opts) in [("presigned.der", vec!["-no_nonce"]), ("nonce.der", vec![])] {
        let out = pki.path(name);
        let mut all = opts.clone();
        all.extend(["-cert", cert_s, "-respout", s(&out)]);
        let said = ask(&pki, &serve, &all);
        assert_answer(&said, &issued.cert, "good");
        let now = CertInfo::load(&responder_cert(&pki, &out)).serial;
        assert_ne!(
            now, before,
            "{name}: the service still signs with responder {before}, revoked for keyCompromise"
        );
    }
    assert_no_errors_logged(&serve.stop());
}

/// The audit calls a revoked certificate's `good` answer pending while the answer may
/// predate the revocation and the grace period has not passed. Times are whole seconds,
/// so an answer signed in the very second of the revocation (the responder signs one for
/// every certificate issued a moment ago, and replaces it within 100 ms of a revocation)
/// may predate it: it is pending too, not a failure that makes `status audit` exit 1 and
/// the service's periodic audit log errors.
#[test]
fn status_audit_counts_an_answer_signed_in_the_revocation_second_as_pending() {
    let (pki, serve) = served_pki();
    let issued = issue_server(&pki);
    let request = make_request(
        &pki,
        &pki.ca_pem(SP),
        &["-no_nonce", "-cert", s(&issued.cert)],
    );
    // Wait for the pre-signed answer (it has caching headers; answers signed on demand
    // have none), then stop the service so that nothing replaces it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !post_ocsp(&serve, &request)
        .header("cache-control")
        .is_some_and(|c| c.contains("max-age"))
    {
        assert!(Instant::now() < deadline, "no pre-signed answer within 5 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_no_errors_logged(&serve.stop());
    let json = revoke(&pki, &issued.serial, "keyCompromise", &[]);
    let revoked_at = parse_rfc3339(json["revoked_at"].as_str().unwrap());

    let mut outcomes = Vec::new();
    for (label, this_update) in [
        ("a second before", revoked_at - 1),
        ("the second of", revoked_at),
    ] {
        let serial = issued.serial.clone();
        with_store(&pki, async |st: &Store| {
            let mut row = st.ocsp_response(&serial).await.unwrap().unwrap();
            assert_eq!(row.cert_status, "good");
            row.this_update = this_update;
            st.store_ocsp_responses(vec![row]).await.unwrap();
        });
        let r = pki.run(&["status", "audit", "--json"]);
        let report: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
        let ocsp: Vec<String> = report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["serial"] == issued.serial.as_str() && f["source"] == "ocsp")
            .map(|f| format!("{}: {}", f["severity"], f["message"]))
            .collect();
        let pending = r.success() && ocsp.iter().all(|f| f.starts_with("\"pending\""));
        outcomes.push(format!(
            "answer signed {label} the revocation: exit {:?}, {ocsp:?}",
            r.status.code()
        ));
        assert!(!ocsp.is_empty(), "{}", r.describe());
        if !pending {
            panic!(
                "a good answer signed {label} the revocation, within the grace period, must be \
                 pending, not a failure:\n{}",
                outcomes.join("\n")
            );
        }
    }
}

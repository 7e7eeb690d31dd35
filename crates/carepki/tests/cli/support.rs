//! Helpers shared by the end-to-end tests: running the `carepki` binary in a temporary
//! directory, making CSRs with `openssl req`, and judging the output with tools nobody
//! here wrote (`openssl x509`, `openssl verify`, pkilint's `lint_pkix_cert`).

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// Järvilaakson hyvinvointialue in examples/organisations.json.
pub(crate) const JARVI: &str = "1.2.246.10.97835177.10.0";
/// Its Finnish long name (R-LONGNAME).
pub(crate) const JARVI_NAME: &str = "Järvilaakson hyvinvointialue";
/// Hiidenkivi Terveysdata Oy in examples/organisations.json (domain hiidenkivi-data.fi).
pub(crate) const HIISI: &str = "1.2.246.10.98888625.10.0";
/// Its Finnish long name.
pub(crate) const HIISI_NAME: &str = "Hiidenkivi Terveysdata Oy";

/// The environment variables of carepki that must not leak from the caller's shell.
const CAREPKI_VARS: [&str; 4] = [
    "CAREPKI_DATA_DIR",
    "CAREPKI_DATABASE_URL",
    "CAREPKI_PASSPHRASE",
    "CAREPKI_LOG",
];

/// Longest any one child process may run before the test gives up on it.
const CHILD_TIMEOUT: Duration = Duration::from_secs(240);

/// The shipped example register.
pub(crate) fn examples_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/organisations.json")
}

/// A path as `&str` (temporary paths are ASCII).
pub(crate) fn s(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// The outcome of one process run.
#[derive(Debug)]
pub(crate) struct Run {
    /// The command line, for messages.
    pub(crate) cmdline: String,
    /// The exit status.
    pub(crate) status: ExitStatus,
    /// Standard output (lossy UTF-8).
    pub(crate) stdout: String,
    /// Standard error (lossy UTF-8).
    pub(crate) stderr: String,
}

impl Run {
    /// Whether the process exited with status 0.
    pub(crate) fn success(&self) -> bool {
        self.status.success()
    }

    /// Everything about the run, for assertion messages.
    pub(crate) fn describe(&self) -> String {
        format!(
            "`{}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline, self.status, self.stdout, self.stderr
        )
    }

    /// Asserts exit status 0.
    #[track_caller]
    pub(crate) fn ok(self) -> Self {
        assert!(self.success(), "expected success: {}", self.describe());
        self
    }

    /// Asserts a refusal: a non-zero exit that is neither a crash (signal) nor a Rust
    /// panic (101), with the problem on stderr naming every fragment (see
    /// [`names_all`]).
    #[track_caller]
    pub(crate) fn refused(self, fragments: &[&str]) -> Self {
        if let Err(e) = self.check_refused(fragments) {
            panic!("{e}");
        }
        self
    }

    /// [`Run::refused`] as a result, for tests that collect every failure.
    pub(crate) fn check_refused(&self, fragments: &[&str]) -> Result<(), String> {
        match self.status.code() {
            Some(0) => return Err(format!("expected a refusal: {}", self.describe())),
            Some(101) => return Err(format!("panicked instead of refusing: {}", self.describe())),
            None => return Err(format!("killed by a signal: {}", self.describe())),
            Some(_) => {}
        }
        if !names_all(&self.stderr, fragments) {
            return Err(format!(
                "stderr does not name the problem (expected the words {fragments:?}): {}",
                self.describe()
            ));
        }
        Ok(())
    }

    /// Standard output parsed as JSON.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.describe()))
    }
}

/// Whether `text` contains every fragment, case-insensitively and as whole words: the
/// characters around a match must not be letters or digits, so `DSA` does not match
/// inside `ECDSA`.
pub(crate) fn names_all(text: &str, fragments: &[&str]) -> bool {
    let hay = text.to_lowercase();
    fragments.iter().all(|f| {
        let needle = f.to_lowercase();
        hay.match_indices(&needle).any(|(i, _)| {
            let before = hay[..i].chars().next_back();
            let after = hay[i + needle.len()..].chars().next();
            let edge = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            edge(before) && edge(after)
        })
    })
}

/// A `carepki` command with none of the caller's `CAREPKI_*` settings.
pub(crate) fn carepki() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carepki"));
    for v in CAREPKI_VARS {
        c.env_remove(v);
    }
    c.env("NO_COLOR", "1");
    c
}

/// A command of some other program.
pub(crate) fn tool<I, S>(program: &str, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(program);
    c.args(args);
    c
}

/// Runs a command to completion (killing it after [`CHILD_TIMEOUT`]).
#[track_caller]
pub(crate) fn run(mut cmd: Command) -> Run {
    let cmdline = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{cmdline}`: {e}"));
    let out = drain(child.stdout.take().expect("piped stdout"));
    let err = drain(child.stderr.take().expect("piped stderr"));
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for a child") {
            break status;
        }
        if started.elapsed() > CHILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{cmdline}` did not finish within {CHILD_TIMEOUT:?}");
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let stdout = out.join().expect("stdout reader");
    let stderr = err.join().expect("stderr reader");
    Run {
        cmdline,
        status,
        stdout,
        stderr,
    }
}

/// Reads a pipe to its end on a thread.
fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Runs `openssl` with these arguments.
#[track_caller]
pub(crate) fn openssl<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    run(tool("openssl", args))
}

// ---- a CarePKI instance in a temporary directory ---------------------------------

/// A data directory in its own temporary directory, with the CA certificates exported
/// to `cas/`.
pub(crate) struct Pki {
    /// The temporary directory holding everything (the working directory of every run).
    pub(crate) tmp: TempDir,
    /// The data directory.
    pub(crate) data: PathBuf,
    /// Extra environment for every run.
    pub(crate) envs: Vec<(String, String)>,
    /// Extra global arguments for every run (e.g. `--database-url`).
    pub(crate) global: Vec<String>,
}

static OUT_DIRS: AtomicUsize = AtomicUsize::new(0);

impl Pki {
    /// A temporary directory whose data directory does not exist yet.
    pub(crate) fn uninitialised() -> Pki {
        let tmp = tempfile::Builder::new()
            .prefix("carepki-e2e-")
            .tempdir()
            .expect("a temporary directory");
        let data = tmp.path().join("data");
        Pki {
            tmp,
            data,
            envs: Vec::new(),
            global: Vec::new(),
        }
    }

    /// `carepki init --demo-organisations` plus `extra`, then `ca export`.
    #[track_caller]
    pub(crate) fn init(extra: &[&str]) -> Pki {
        let pki = Pki::uninitialised();
        pki.init_here(extra);
        pki
    }

    /// Runs init (with `--demo-organisations`) and `ca export` on this instance.
    #[track_caller]
    pub(crate) fn init_here(&self, extra: &[&str]) {
        let mut args = vec!["init", "--demo-organisations"];
        args.extend_from_slice(extra);
        self.run(&args).ok();
        self.run(&["ca", "export", "--out-dir", s(&self.cas_dir())])
            .ok();
    }

    /// A path in the temporary directory.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Where `ca export` wrote the CA certificates.
    pub(crate) fn cas_dir(&self) -> PathBuf {
        self.path("cas")
    }

    /// An exported CA certificate, by id.
    pub(crate) fn ca_pem(&self, id: &str) -> PathBuf {
        self.cas_dir().join(format!("{id}.pem"))
    }

    /// `carepki --data-dir DATA ARGS...` as a command.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut c = carepki();
        c.current_dir(self.tmp.path())
            .arg("--data-dir")
            .arg(&self.data)
            .args(&self.global)
            .args(args);
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        c
    }

    /// Runs `carepki --data-dir DATA ARGS...`.
    #[track_caller]
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        run(self.command(args))
    }

    /// How many certificates `cert list --json` shows.
    #[track_caller]
    pub(crate) fn cert_count(&self) -> usize {
        let v = self.run(&["cert", "list", "--json"]).ok().json();
        v.as_array()
            .unwrap_or_else(|| panic!("cert list --json is not an array: {v}"))
            .len()
    }

    /// A fresh, not yet existing output directory.
    pub(crate) fn new_out_dir(&self) -> PathBuf {
        self.path(&format!("out{}", OUT_DIRS.fetch_add(1, Ordering::Relaxed)))
    }

    /// `carepki issue ARGS... --out-dir <fresh>`; returns the run and the output directory.
    #[track_caller]
    pub(crate) fn issue(&self, args: &[&str]) -> (Run, PathBuf) {
        let out = self.new_out_dir();
        let mut all = vec!["issue"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--out-dir", s(&out)]);
        (self.run(&all), out)
    }
}

// ---- keys and CSRs ----------------------------------------------------------------

/// The subscriber key types issue 2 accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    P256,
    P384,
}

impl KeyType {
    /// `openssl req -newkey` arguments.
    fn newkey(self) -> Vec<&'static str> {
        match self {
            KeyType::Rsa2048 => vec!["-newkey", "rsa:2048"],
            KeyType::Rsa3072 => vec!["-newkey", "rsa:3072"],
            KeyType::Rsa4096 => vec!["-newkey", "rsa:4096"],
            KeyType::P256 => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeyType::P384 => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        }
    }

    /// Whether it is an RSA key.
    pub(crate) fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096)
    }

    /// What `openssl x509 -text` prints about such a public key (all must appear).
    pub(crate) fn text_markers(self) -> &'static [&'static str] {
        match self {
            KeyType::Rsa2048 => &["rsaEncryption", "Public-Key: (2048 bit)"],
            KeyType::Rsa3072 => &["rsaEncryption", "Public-Key: (3072 bit)"],
            KeyType::Rsa4096 => &["rsaEncryption", "Public-Key: (4096 bit)"],
            KeyType::P256 => &["id-ecPublicKey", "NIST CURVE: P-256"],
            KeyType::P384 => &["id-ecPublicKey", "NIST CURVE: P-384"],
        }
    }
}

/// A CSR made by `openssl req` and its key.
#[derive(Debug, Clone)]
pub(crate) struct Csr {
    /// The CSR (PEM).
    pub(crate) csr: PathBuf,
    /// The private key (PEM, unencrypted).
    pub(crate) key: PathBuf,
}

/// What a customer's CSR claims; the CA must not copy any of it (the subject is built
/// from the register), so none of it may appear in a certificate.
pub(crate) const CSR_SUBJECT: &str = "/C=SE/O=Evil Corp/serialNumber=6.6.6/CN=evil.example.com";

/// Makes a key and a CSR with `openssl req` in `dir` (files `<name>.key`, `<name>.csr`).
/// The CSR carries a foreign subject and SANs that the CA must ignore.
#[track_caller]
pub(crate) fn make_csr(dir: &Path, name: &str, key: KeyType) -> Csr {
    let csr = dir.join(format!("{name}.csr"));
    let keyf = dir.join(format!("{name}.key"));
    let mut args = vec!["req", "-new"];
    args.extend(key.newkey());
    args.extend([
        "-nodes",
        "-keyout",
        s(&keyf),
        "-subj",
        CSR_SUBJECT,
        "-addext",
        "subjectAltName=DNS:evil.example.com,email:mallory@evil.example.com",
        "-out",
        s(&csr),
    ]);
    openssl(&args).ok();
    Csr { csr, key: keyf }
}

/// A CSR signed by an existing key file (any algorithm `openssl req` can sign with).
#[track_caller]
pub(crate) fn csr_for_key(dir: &Path, name: &str, key: &Path) -> PathBuf {
    let csr = dir.join(format!("{name}.csr"));
    openssl([
        "req",
        "-new",
        "-key",
        s(key),
        "-subj",
        "/CN=whatever",
        "-out",
        s(&csr),
    ])
    .ok();
    csr
}

// ---- judging certificates -----------------------------------------------------------

/// The DER of a PEM certificate, by `openssl x509`.
#[track_caller]
pub(crate) fn der_of_pem(pem: &Path) -> Vec<u8> {
    let mut c = tool("openssl", ["x509", "-in", s(pem), "-outform", "DER"]);
    c.stdin(Stdio::null()).stderr(Stdio::piped());
    let out = c.output().expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl x509 cannot read {}: {}",
        pem.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The PEM blocks of a file, each with whitespace removed (for comparison).
pub(crate) fn pem_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("-----BEGIN ") {
            cur = Some(line.to_owned());
        } else if line.starts_with("-----END ") {
            if let Some(mut b) = cur.take() {
                b.push_str(line);
                blocks.push(b);
            }
        } else if let Some(b) = cur.as_mut() {
            b.push_str(line);
        }
    }
    blocks
}

/// The public key of a CSR or certificate or private key as PEM, by openssl.
#[track_caller]
pub(crate) fn public_key_of(kind: &str, path: &Path, extra: &[&str]) -> String {
    let mut args: Vec<&str> = match kind {
        "req" => vec!["req", "-in", s(path), "-pubkey", "-noout"],
        "x509" => vec!["x509", "-in", s(path), "-pubkey", "-noout"],
        "pkey" => vec!["pkey", "-in", s(path), "-pubout"],
        _ => panic!("unknown kind {kind}"),
    };
    args.extend_from_slice(extra);
    openssl(&args).ok().stdout
}

/// One extension as `openssl x509 -text` prints it.
#[derive(Debug, Clone)]
pub(crate) struct Ext {
    /// The name openssl gives it, e.g. `X509v3 Key Usage`.
    pub(crate) name: String,
    /// Whether openssl marks it critical.
    pub(crate) critical: bool,
    /// Its body lines, trimmed, joined with newlines.
    pub(crate) body: String,
}

/// A certificate as openssl reads it.
#[derive(Debug, Clone)]
pub(crate) struct CertInfo {
    /// `openssl x509 -text` output.
    pub(crate) text: String,
    /// Subject attributes in order, as (short name, value), e.g. ("C", "FI").
    pub(crate) subject: Vec<(String, String)>,
    /// Issuer attributes in order.
    pub(crate) issuer: Vec<(String, String)>,
    /// Serial in lower-case hex, as openssl prints it.
    pub(crate) serial: String,
    /// notBefore, Unix seconds.
    pub(crate) not_before: i64,
    /// notAfter, Unix seconds.
    pub(crate) not_after: i64,
    /// The extensions.
    pub(crate) exts: Vec<Ext>,
}

impl CertInfo {
    /// Reads a PEM certificate with `openssl x509`.
    #[track_caller]
    pub(crate) fn load(path: &Path) -> CertInfo {
        let text = openssl(["x509", "-in", s(path), "-noout", "-text"])
            .ok()
            .stdout;
        let fields = openssl([
            "x509",
            "-in",
            s(path),
            "-noout",
            "-serial",
            "-startdate",
            "-enddate",
            "-subject",
            "-issuer",
            "-nameopt",
            "multiline,utf8,-esc_msb",
        ])
        .ok()
        .stdout;
        let mut subject = Vec::new();
        let mut issuer = Vec::new();
        let mut serial = String::new();
        let mut not_before = None;
        let mut not_after = None;
        let mut target: Option<&mut Vec<(String, String)>> = None;
        for line in fields.lines() {
            if let Some(v) = line.strip_prefix("serial=") {
                serial = v.trim().to_ascii_lowercase();
                target = None;
            } else if let Some(v) = line.strip_prefix("notBefore=") {
                not_before = Some(parse_openssl_time(v));
                target = None;
            } else if let Some(v) = line.strip_prefix("notAfter=") {
                not_after = Some(parse_openssl_time(v));
                target = None;
            } else if line.starts_with("subject=") {
                target = Some(&mut subject);
            } else if line.starts_with("issuer=") {
                target = Some(&mut issuer);
            } else if let (Some(t), Some((k, v))) = (target.as_mut(), line.split_once(" = ")) {
                t.push((short_name(k.trim()), v.to_owned()));
            }
        }
        CertInfo {
            exts: parse_extensions(&text),
            text,
            subject,
            issuer,
            serial,
            not_before: not_before.expect("openssl printed notBefore"),
            not_after: not_after.expect("openssl printed notAfter"),
        }
    }

    /// The extension openssl names `name` (e.g. "X509v3 Key Usage").
    pub(crate) fn ext(&self, name: &str) -> Option<&Ext> {
        self.exts.iter().find(|e| e.name == name)
    }

    /// The extension, which must be present.
    #[track_caller]
    pub(crate) fn must_ext(&self, name: &str) -> &Ext {
        self.ext(name)
            .unwrap_or_else(|| panic!("no {name} extension in\n{}", self.text))
    }

    /// The signature algorithm.
    pub(crate) fn signature_algorithm(&self) -> String {
        self.text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Signature Algorithm: "))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    /// The validity period in seconds as RFC 5280 counts it (both ends inclusive).
    pub(crate) fn validity_seconds(&self) -> i64 {
        self.not_after - self.not_before + 1
    }

    /// The comma-separated values of an extension body, as a sorted list.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .must_ext(name)
            .body
            .split([',', '\n'])
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        v.sort();
        v
    }

    /// The subject in `C=FI, O=…` form.
    pub(crate) fn subject_string(&self) -> String {
        join_name(&self.subject)
    }

    /// The issuer in `C=FI, O=…` form.
    pub(crate) fn issuer_string(&self) -> String {
        join_name(&self.issuer)
    }
}

/// A name as `A=x, B=y`.
pub(crate) fn join_name(n: &[(String, String)]) -> String {
    n.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn short_name(long: &str) -> String {
    match long {
        "countryName" => "C",
        "organizationName" => "O",
        "organizationalUnitName" => "OU",
        "commonName" => "CN",
        "serialNumber" => "serialNumber",
        other => other,
    }
    .to_owned()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The extensions section of `openssl x509 -text`.
fn parse_extensions(text: &str) -> Vec<Ext> {
    let mut exts: Vec<Ext> = Vec::new();
    let mut lines = text.lines();
    let Some(base) = lines
        .by_ref()
        .find(|l| l.trim() == "X509v3 extensions:")
        .map(indent)
    else {
        return exts;
    };
    for line in lines {
        let i = indent(line);
        if line.trim().is_empty() {
            continue;
        }
        if i <= base {
            break;
        }
        if i == base + 4 {
            let head = line.trim();
            let (name, rest) = head.split_once(':').unwrap_or((head, ""));
            exts.push(Ext {
                name: name.trim().to_owned(),
                critical: rest.trim() == "critical",
                body: String::new(),
            });
        } else if let Some(e) = exts.last_mut() {
            if !e.body.is_empty() {
                e.body.push('\n');
            }
            e.body.push_str(line.trim());
        }
    }
    exts
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn hms(t: &str) -> i64 {
    let p: Vec<i64> = t
        .split(':')
        .map(|x| x.parse().unwrap_or_else(|_| panic!("bad time {t}")))
        .collect();
    p[0] * 3600 + p[1] * 60 + p[2]
}

/// `Nov 22 22:36:06 2026 GMT` (openssl's format) as Unix seconds.
pub(crate) fn parse_openssl_time(t: &str) -> i64 {
    let p: Vec<&str> = t.split_whitespace().collect();
    assert!(
        p.len() == 5 && p[4] == "GMT",
        "unexpected openssl time {t:?}"
    );
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months
        .iter()
        .position(|x| *x == p[0])
        .unwrap_or_else(|| panic!("bad month in {t:?}")) as i64
        + 1;
    let d: i64 = p[1].parse().expect("day");
    let y: i64 = p[3].parse().expect("year");
    days_from_civil(y, m, d) * 86_400 + hms(p[2])
}

/// `2026-11-22T22:36:06Z` as Unix seconds.
pub(crate) fn parse_rfc3339(t: &str) -> i64 {
    let (date, time) = t
        .strip_suffix('Z')
        .and_then(|t| t.split_once('T'))
        .unwrap_or_else(|| panic!("not an RFC 3339 UTC time: {t:?}"));
    let p: Vec<i64> = date
        .split('-')
        .map(|x| x.parse().expect("date part"))
        .collect();
    days_from_civil(p[0], p[1], p[2]) * 86_400 + hms(time.split('.').next().unwrap_or(time))
}

/// `openssl verify -x509_strict -CAfile ROOT -untrusted CHAIN [-purpose P] CERT`.
#[track_caller]
pub(crate) fn verify(root: &Path, chain: Option<&Path>, cert: &Path, purpose: Option<&str>) -> Run {
    let mut args = vec!["verify", "-x509_strict", "-CAfile", s(root)];
    if let Some(chain) = chain {
        args.extend(["-untrusted", s(chain)]);
    }
    if let Some(p) = purpose {
        args.extend(["-purpose", p]);
    }
    args.push(s(cert));
    openssl(&args)
}

/// Asserts that openssl verifies `cert` up to `root`.
#[track_caller]
pub(crate) fn assert_verifies(
    root: &Path,
    chain: Option<&Path>,
    cert: &Path,
    purpose: Option<&str>,
) {
    let r = verify(root, chain, cert, purpose);
    assert!(
        r.success() && r.stdout.trim_end().ends_with(": OK"),
        "openssl verify should accept {} under {} (purpose {purpose:?}): {}",
        cert.display(),
        root.display(),
        r.describe()
    );
}

/// Asserts that openssl refuses to chain `cert` to `root`.
#[track_caller]
pub(crate) fn assert_does_not_verify(root: &Path, chain: Option<&Path>, cert: &Path) {
    let r = verify(root, chain, cert, None);
    assert!(
        !r.success(),
        "openssl verify must refuse {} under the other hierarchy's root {}: {}",
        cert.display(),
        root.display(),
        r.describe()
    );
}

/// Asserts that pkilint's `lint_pkix_cert lint` reports nothing at WARNING, ERROR or
/// FATAL (NOTICE and INFO are fine), and that it did read the certificate.
#[track_caller]
pub(crate) fn assert_pkilint_clean(cert: &Path) {
    assert_pkilint_program_clean("lint_pkix_cert", &[], cert);
}

// ---- a tiny HTTP/1.1 client ---------------------------------------------------------

/// An HTTP response.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    /// The status code.
    pub(crate) status: u16,
    /// Header names (lower case) and values.
    pub(crate) headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub(crate) body: Vec<u8>,
}

impl HttpResponse {
    /// A header's value.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` over a new connection.
#[track_caller]
pub(crate) fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("cannot connect to {addr}: {e}"));
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("reading the response to GET {path}: {e}"));
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut rest = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    assert!(status_line.starts_with("HTTP/1."), "{status_line}");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let resp = HttpResponse {
        status,
        headers,
        body: Vec::new(),
    };
    if resp
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        rest = dechunk(&rest);
    } else if let Some(len) = resp.header("content-length") {
        let len: usize = len.parse().expect("numeric content-length");
        assert_eq!(rest.len(), len, "body length differs from content-length");
    }
    HttpResponse { body: rest, ..resp }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("hex chunk size");
        b = &b[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("an ephemeral port")
        .port()
}

/// A child process killed (and reaped) when dropped, also when a test panics.
pub(crate) struct KillOnDrop(pub(crate) Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every file and directory under `root` (itself included).
pub(crate) fn walk(root: &Path) -> Vec<PathBuf> {
    let mut all = vec![root.to_path_buf()];
    if root.is_dir() {
        let mut entries: Vec<_> = fs::read_dir(root)
            .expect("readable directory")
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for e in entries {
            all.extend(walk(&e));
        }
    }
    all
}

// ---- requests with a body, and the other pkilint linters (issue 3) ---------------------

/// `METHOD path` with `headers` and `body` over a new connection; every step gives up
/// after `timeout`. The body is written on its own thread while the response is read,
/// so a server that answers before reading it all (413) is heard. Connection errors and
/// timeouts are returned as text, for the caller to judge.
pub(crate) fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> Result<HttpResponse, String> {
    let mut conn = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    conn.set_read_timeout(Some(timeout))
        .and_then(|()| conn.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut writer = conn.try_clone().map_err(|e| e.to_string())?;
    let body = body.to_vec();
    let sender = std::thread::spawn(move || {
        // The server may answer and close before it has read everything: ignore errors.
        let _ = writer
            .write_all(head.as_bytes())
            .and_then(|()| writer.write_all(&body));
    });
    let mut raw = Vec::new();
    let read = conn.read_to_end(&mut raw);
    let _ = sender.join();
    if let Err(e) = read
        && raw.is_empty()
    {
        return Err(format!(
            "{method} {path}: no answer within {timeout:?}: {e}"
        ));
    }
    parse_http_response(&raw).map_err(|e| format!("{method} {path}: {e}"))
}

/// An HTTP/1.1 response as read from the wire (the body de-chunked).
pub(crate) fn parse_http_response(raw: &[u8]) -> Result<HttpResponse, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {:?}", String::from_utf8_lossy(raw)))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    if !status_line.starts_with("HTTP/1.") {
        return Err(format!("bad status line {status_line:?}"));
    }
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut resp = HttpResponse {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    if resp
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        resp.body = dechunk(&resp.body);
    }
    Ok(resp)
}

/// A pkilint program (`lint_crl`, `lint_ocsp_response`, `lint_pkix_cert`, …): from PATH,
/// else from `~/.local/bin`, where `pip install --user` puts it.
pub(crate) fn pkilint_program(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let user = std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/bin").join(name));
    on_path
        .into_iter()
        .chain(user)
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} (pkilint) is neither on PATH nor in ~/.local/bin"))
}

/// Asserts that the pkilint linter `program` (with `args` before the file) reports
/// nothing at WARNING, ERROR or FATAL for `file` (NOTICE and INFO are fine), and that it
/// did read the file.
#[track_caller]
pub(crate) fn assert_pkilint_program_clean(program: &str, args: &[&str], file: &Path) {
    let mut all: Vec<&str> = vec!["lint"];
    all.extend_from_slice(args);
    all.push(s(file));
    let r = run(tool(s(&pkilint_program(program)), &all));
    let bad: Vec<&str> = r
        .stdout
        .lines()
        .chain(r.stderr.lines())
        .filter(|l| l.contains("ERROR") || l.contains("WARNING") || l.contains("FATAL"))
        .collect();
    assert!(
        bad.is_empty(),
        "{program} reports problems in {}: {bad:?}\n{}",
        file.display(),
        r.describe()
    );
    // Exit 1 with findings means it linted; exit 1 without findings (and a message on
    // stderr) means it could not read the file.
    let findings = r
        .stdout
        .lines()
        .filter(|l| l.trim_end().ends_with("(INFO)") || l.trim_end().ends_with("(NOTICE)"))
        .count();
    let read_ok = match r.status.code() {
        Some(0) => true,
        Some(1) => findings > 0,
        _ => false,
    };
    assert!(
        read_ok && r.stderr.trim().is_empty(),
        "{program} did not lint {}: {}",
        file.display(),
        r.describe()
    );
}

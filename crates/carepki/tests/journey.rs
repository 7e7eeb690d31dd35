//! The e-service's whole journey in a real browser (issue 4, first acceptance check):
//! headless Chromium driven over WebDriver (Debian's `chromedriver`) through the pages
//! of a running `carepki serve`, in Finnish and then in Swedish.
//!
//! For each language, fresh processes: a real SMTP server (aiosmtpd,
//! `crates/ra/tests/smtp_server.py`), a real OpenID provider (the npm package
//! oidc-provider, `crates/web/tests/oidc-provider/`), `carepki serve` on a new demo data
//! directory, and chromedriver with three browsers of their own (profile, cookies): the
//! applicant, the IT vendor's technical contact and the CA officer. The applicant signs
//! in through the provider, registers, creates the customer account of a demo
//! organisation, opens a server certificate application and invites the technical
//! contact by mail; the contact follows the mail's link, signs in, registers, accepts and
//! uploads a CSR made by `openssl req`; the applicant submits; the officer signs in, is
//! made a CA officer by `carepki users grant`, reviews and approves; the delivery mail
//! with the DER and PEM files reaches the SMTP server; the applicant downloads the
//! certificate, requests its revocation, and `openssl ocsp` hears `revoked`. Then the
//! card registration system (issue 5, point 2): the applicant applies for a
//! registration point and signs its agreement, the officer accepts; the applicant
//! applies for himself as a registrar with a training certificate, the officer
//! approves; his order page says that one approved registrar is not enough. Every page
//! of the e-service must be in the journey's language. Screenshots of the key pages go to
//! `<target dir>/journey-screenshots/<lang>/NN-<name>.png` (paths printed); a failing
//! step also saves the page (`failed-<who>.png`, `failed-<who>.html`) there, and the
//! servers' logs and the mails received go to `<target dir>/journey-logs/<lang>/`.
//!
//! The selectors are the DOM contract of docs/ESERVICE-PAGES.md.
//!
//! Skipped with a note when chromium or chromedriver, node and the provider's modules,
//! or python3's aiosmtpd are missing, unless `CAREPKI_REQUIRE_BROWSER=1`,
//! `CAREPKI_REQUIRE_OIDC_PROVIDER=1` or `CAREPKI_REQUIRE_SMTP=1` (as `scripts/test` sets)
//! makes the missing piece a failure.
// Helpers outside #[test] functions unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "cli/support.rs"]
#[allow(dead_code)]
mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use support::{KillOnDrop, Pki, der_of_pem, free_port, http_get, openssl, pem_blocks, run, s};

/// The demo register's organisation the journey applies for (domain ahvenlahti-yos.fi).
const ORG_OID: &str = "1.2.246.10.97044316.10.0";
/// The server name of the certificate applied for.
const HOST: &str = "www.ahvenlahti-yos.fi";
const CLIENT_ID: &str = "carepki-eservice";
const CLIENT_SECRET: &str = "journey-test-client-secret";
/// The longest wait for any one thing (an element, a page, a mail, a process).
const WAIT: Duration = Duration::from_secs(20);
/// How often waits look again.
const POLL: Duration = Duration::from_millis(100);

/// What a journey in one language expects to see.
struct Lang {
    code: &'static str,
    /// The organisation's name in the register, in this language (R-LONGNAME).
    org_name: &'static str,
    /// Words the pages show in this language, by page (lower case; found in the
    /// page's visible text; crates/web/locales/<lang>/eservice.ftl).
    signed_out: &'static [&'static str],
    register: &'static [&'static str],
    invitation: &'static [&'static str],
    home: &'static [&'static str],
    account: &'static [&'static str],
    application: &'static [&'static str],
    queue: &'static [&'static str],
    certificate: &'static [&'static str],
    revoke: &'static [&'static str],
    /// Words of the mails' subjects (crates/ra/locales/<lang>/mail.ftl).
    invitation_subject: &'static str,
    delivered_subject: &'static str,
    revoked_subject: &'static str,
}

const FINNISH: Lang = Lang {
    code: "fi",
    org_name: "Ahvenlahden yliopistollinen sairaala",
    signed_out: &["kirjaudu sisään"],
    register: &["rekisteröidy asiointipalveluun"],
    invitation: &["kutsu asiointipalveluun"],
    home: &["hakemukset", "varmenteet"],
    account: &["asiakastili"],
    application: &["hakemus"],
    queue: &["käsittelyjono"],
    certificate: &["varmenne"],
    revoke: &["sulkeminen"],
    invitation_subject: "Kutsu",
    delivered_subject: "myönnetty",
    revoked_subject: "suljettu",
};

const SWEDISH: Lang = Lang {
    code: "sv",
    org_name: "Abborrvikens universitetssjukhus",
    signed_out: &["logga in"],
    register: &["registrera dig i e-tjänsten"],
    invitation: &["inbjudan till e-tjänsten"],
    home: &["ansökningar", "certifikat"],
    account: &["kundkonto"],
    application: &["ansökan"],
    queue: &["behandlingskö"],
    certificate: &["certifikat"],
    revoke: &["spärrning"],
    invitation_subject: "Inbjudan",
    delivered_subject: "beviljats",
    revoked_subject: "spärrats",
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_in_finnish_and_swedish() {
    let Some(tools) = Tools::find() else { return };
    let started = Instant::now();
    for lang in [&FINNISH, &SWEDISH] {
        let t = Instant::now();
        journey(&tools, lang).await;
        eprintln!(
            "journey in {}: {:.1} s",
            lang.code,
            t.elapsed().as_secs_f64()
        );
    }
    eprintln!("both journeys: {:.1} s", started.elapsed().as_secs_f64());
}

async fn journey(tools: &Tools, lang: &'static Lang) {
    let code = lang.code;
    let shots = Shots::new(lang);
    let logs = artifacts_dir("journey-logs", code);
    let pki = Pki::uninitialised();
    let tmp = pki.tmp.path().to_path_buf();

    // --- the servers ------------------------------------------------------------------
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mail = MailDir::start(&tmp.join("mail"), &logs);
    let provider = start_provider(&base, &logs);
    let serve = start_serve(&pki, port, &provider.issuer, mail.port, &logs);
    let driver = Driver::start(tools, &tmp, &logs);

    let mut applicant = driver.browser("applicant", lang, &base, &shots).await;
    let mut vendor = driver.browser("vendor", lang, &base, &shots).await;
    let mut officer = driver.browser("officer", lang, &base, &shots).await;

    // --- the applicant signs in, registers and creates the customer account ------------
    let a = &mut applicant;
    a.goto(&format!("/?lang={code}")).await;
    a.wait_css("a#sign-in").await;
    a.assert_lang(lang.signed_out).await;
    a.shot("home").await;
    a.click_nav("a#sign-in").await;
    a.provider_sign_in(&provider.issuer, "010180-9026", true)
        .await;
    a.register(
        "Aino Applicant",
        &format!("aino.{code}@ahvenlahti-yos.fi"),
        true,
    )
    .await;
    a.wait_css("a#nav-account").await;
    a.assert_lang(lang.home).await;
    a.click_nav("a#nav-account").await;
    a.wait_css("form#create-account").await;
    a.select("form#create-account select[name=org_oid]", ORG_OID)
        .await;
    a.click_nav("#create-account-submit").await;
    a.wait_css(".notice[data-done=account-created]").await;
    a.wait_css("table#members").await;
    a.wait_css("form#invite").await;
    let acting = a.text("#acting-for").await;
    assert!(
        acting.contains(lang.org_name),
        "#acting-for shows {acting:?}, not the organisation's {code} name {:?}",
        lang.org_name
    );
    a.assert_lang(lang.account).await;
    a.shot("account").await;

    // --- a server certificate application; the technical contact is invited ------------
    a.click_nav("a#nav-applications").await;
    a.wait_css("form#new-application").await;
    a.select("form#new-application select[name=profile]", "server")
        .await;
    a.click_nav("#new-application-submit").await;
    a.wait_css("#state[data-state]").await;
    let app_path = a.path().await;
    let app_id = app_path
        .strip_prefix("/applications/")
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("the new application's page is at {app_path}"))
        .to_owned();
    assert_eq!(a.attr("#state", "data-state").await, "draft");
    a.assert_lang(lang.application).await;
    let vendor_email = format!("tuki.{code}@it-toimittaja.example");
    a.fill("form#invite-contact input[name=email]", &vendor_email)
        .await;
    a.select("form#invite-contact select[name=language]", code)
        .await;
    a.click_nav("#invite-contact-submit").await;
    a.wait_css(".notice[data-done=invite-contact]").await;
    a.assert_no_error().await;

    let invitation = mail.wait_for("the technical contact's invitation", |m| {
        m.to.contains(&vendor_email)
    });
    assert!(
        invitation.subject.contains(lang.invitation_subject),
        "the invitation's subject is not in {code}: {:?}",
        invitation.subject
    );
    let link = invitation
        .link(&format!("{base}/invitations/"))
        .unwrap_or_else(|| panic!("no invitation link in the mail:\n{}", invitation.text));

    // --- the technical contact follows the link, signs in, accepts, attaches the CSR ----
    let v = &mut vendor;
    v.goto_url(&link).await;
    v.provider_sign_in(&provider.issuer, "150370-919L", false)
        .await;
    v.register("Ville Vendor", &vendor_email, false).await;
    // Registration leads back to the invitation the person came for.
    let at = v.url().await;
    assert!(
        at.starts_with(&link),
        "after signing in and registering, the technical contact is at {at}, not at the invitation"
    );
    v.wait_css("form#accept-invitation").await;
    v.assert_lang(lang.invitation).await;
    v.click_nav("#accept-invitation-submit").await;
    v.wait_css(".notice[data-done=invitation-accepted]").await;
    v.wait_css("form#upload-csr").await;
    assert_eq!(
        v.path().await,
        app_path,
        "accepting the invitation leads to the application"
    );
    let csr = make_csr(&tmp);
    v.upload("form#upload-csr input[type=file][name=file]", &csr)
        .await;
    v.click_nav("#upload-csr-submit").await;
    v.wait_css(".notice[data-done=csr]").await;
    let summary = v.wait_css("#csr-summary").await.text().await.unwrap();
    assert!(
        summary.contains(HOST),
        "#csr-summary does not name {HOST}: {summary:?}"
    );
    v.assert_no_error().await;
    v.assert_lang(lang.application).await;

    // --- the applicant sees the CSR and submits ----------------------------------------
    a.goto(&app_path).await;
    let summary = a.wait_css("#csr-summary").await.text().await.unwrap();
    assert!(summary.contains(HOST), "{summary:?}");
    a.wait_css("table#attachments").await;
    a.shot_at("application-csr", "#csr-summary").await;
    a.click_nav("#submit-application-submit").await;
    a.wait_css(".notice[data-done=submit]").await;
    a.wait_state(&["submitted"]).await;
    a.assert_no_error().await;

    // --- the officer signs in, is made a CA officer, reviews and approves --------------
    let o = &mut officer;
    o.goto(&format!("/?lang={code}")).await;
    o.click_nav("a#sign-in").await;
    o.provider_sign_in(&provider.issuer, "241265-9515", false)
        .await;
    let officer_email = format!("virkailija.{code}@carepki.example");
    o.register("Olli Officer", &officer_email, false).await;
    grant_officer(&pki, &officer_email);
    o.goto("/").await;
    o.wait_css("a#nav-queue").await;
    o.click_nav("a#nav-queue").await;
    let row = format!("table#queue tr[data-application-id=\"{app_id}\"]");
    o.wait_css(&row).await;
    o.assert_lang(lang.queue).await;
    o.shot("officer-queue").await;
    o.click_nav(&format!("{row} a")).await;
    assert_eq!(
        o.path().await,
        app_path,
        "the queue links to the application"
    );
    o.click_nav("#start-review-submit").await;
    o.wait_state(&["in-review"]).await;
    o.click_nav("#approve-submit").await;
    o.wait_css(".notice[data-done=approve]").await;
    o.wait_state(&["issued", "delivered"]).await;
    o.assert_no_error().await;

    // --- the delivery mail: DER and PEM of the same certificate ------------------------
    let delivery = mail.wait_for("the delivery mail with the certificate", |m| {
        m.attachments.len() >= 2
    });
    assert!(
        delivery.subject.contains(lang.delivered_subject),
        "the delivery mail's subject is not in {code}: {:?}",
        delivery.subject
    );
    let der = delivery.attachment(&["application/pkix-cert"], ".der");
    let pem = delivery.attachment(
        &["application/x-pem-file", "application/x-x509-ca-cert"],
        ".pem",
    );
    let leaf_der = tmp.join("mailed.der");
    let leaf_pem = tmp.join("mailed.pem");
    std::fs::write(&leaf_der, &der).unwrap();
    std::fs::write(&leaf_pem, &pem).unwrap();
    let text = openssl([
        "x509",
        "-inform",
        "DER",
        "-in",
        s(&leaf_der),
        "-noout",
        "-text",
    ])
    .ok()
    .stdout;
    assert!(
        text.contains(HOST),
        "the certificate does not name {HOST}:\n{text}"
    );
    assert_eq!(
        der_of_pem(&leaf_pem),
        der,
        "the mail's PEM and DER are not the same certificate"
    );
    let serial = openssl(["x509", "-in", s(&leaf_pem), "-noout", "-serial"])
        .ok()
        .stdout
        .trim()
        .trim_start_matches("serial=")
        .to_ascii_lowercase();

    // --- the applicant sees the issued application and downloads the certificate -------
    a.goto(&app_path).await;
    a.wait_state(&["issued", "delivered"]).await;
    let steps = a.count("ol#timeline > li[data-action]").await;
    assert!(steps >= 4, "the timeline shows {steps} steps");
    a.assert_lang(lang.application).await;
    a.shot_at("application-issued", "ol#timeline").await;
    a.click_nav("a#certificate-link").await;
    a.wait_css("dl#certificate").await;
    let cert_path = a.path().await;
    assert!(
        cert_path
            .to_ascii_lowercase()
            .trim_start_matches("/certificates/")
            .trim_start_matches('0')
            == serial.trim_start_matches('0'),
        "the certificate link leads to {cert_path}, not to serial {serial}"
    );
    assert_eq!(a.attr("#status", "data-status").await, "valid");
    a.assert_lang(lang.certificate).await;
    a.shot("certificate").await;
    let downloaded = a.download("a#download-der").await;
    assert_eq!(
        downloaded, der,
        "the downloaded DER differs from the mailed one"
    );
    let downloaded_pem = a.download("a#download-pem").await;
    assert_eq!(
        pem_blocks(&String::from_utf8_lossy(&downloaded_pem)),
        pem_blocks(&String::from_utf8_lossy(&pem)),
        "the downloaded PEM differs from the mailed one"
    );
    let chain = String::from_utf8(a.download("a#download-chain").await).unwrap();
    let issuer_pem = issuer_of(&tmp, &leaf_pem, &serve.addr);
    let issuer_block = pem_blocks(&std::fs::read_to_string(&issuer_pem).unwrap());
    assert!(
        pem_blocks(&chain).contains(&issuer_block[0]),
        "the downloaded chain lacks the issuing CA:\n{chain}"
    );

    // --- the OCSP responder says good, then the applicant revokes ----------------------
    let root = export_root(&pki);
    assert_ocsp(&leaf_pem, &issuer_pem, &root, "good", Duration::ZERO);
    a.click_nav("a#revoke").await;
    a.wait_css("dl#revoke-preview").await;
    a.wait_css("#irreversible").await;
    a.assert_lang(lang.revoke).await;
    a.shot_at("revocation-review", "form#revoke-confirm").await;
    a.select("form#revoke-confirm select[name=reason]", "keyCompromise")
        .await;
    a.click("form#revoke-confirm input[type=checkbox][name=confirm]")
        .await;
    a.click_nav("#revoke-confirm-submit").await;
    a.wait_css(".notice[data-done=revoked]").await;
    assert_eq!(a.path().await, cert_path);
    assert_eq!(a.attr("#status", "data-status").await, "revoked");
    assert!(
        a.c.find(Locator::Css("a#revoke")).await.is_err(),
        "a revoked certificate still offers a#revoke"
    );
    a.assert_lang(lang.certificate).await;
    a.shot("revoked").await;
    assert_ocsp(
        &leaf_pem,
        &issuer_pem,
        &root,
        "revoked",
        Duration::from_secs(5),
    );
    let revoked = mail.wait_for("the revocation mail", |m| {
        m.subject.contains(lang.revoked_subject)
    });
    assert!(revoked.to.contains("aino."), "{:?}", revoked.to);

    // --- the registration system (issue 5, point 2; R-REG-POINT): the organisation
    // applies for a registration point and signs the agreement, the officer accepts;
    // the administrator applies for himself as a registrar with his training
    // certificate, the officer approves; his order page then says that a point with
    // one approved registrar cannot order cards yet.
    let a = &mut applicant;
    a.goto("/").await;
    a.click_nav("a#nav-registration").await;
    a.fill(
        "form#apply-point input[name=name]",
        "Ahvenlahden rekisteröintipiste",
    )
    .await;
    a.click("form#apply-point input[name=agreement_signed]")
        .await;
    a.shot_at("registration", "form#apply-point").await;
    a.click_nav("#apply-point-submit").await;
    a.wait_css(".notice[data-done=point-applied]").await;
    a.wait_css("#application-pending").await;
    let o = &mut officer;
    o.goto("/").await;
    o.click_nav("a#nav-registration-review").await;
    o.click_nav("table#pending-point-applications form.accept-point button")
        .await;
    o.wait_css(".notice[data-done=point-accepted]").await;
    let a = &mut applicant;
    a.goto("/registration").await;
    a.wait_css("table#points tr[data-point-id]").await;
    let me =
        a.c.find(Locator::XPath(
            "//form[contains(@class,'apply-registrar')]//option[contains(., 'Aino Applicant')]",
        ))
        .await;
    let me = match me {
        Ok(e) => e.attr("value").await.ok().flatten().unwrap_or_default(),
        Err(e) => {
            a.fail(format!("Aino is not offered as a registrar: {e}"))
                .await
        }
    };
    a.select("form.apply-registrar select[name=user_id]", &me)
        .await;
    let training = tmp.join("koulutustodistus.pdf");
    std::fs::write(
        &training,
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
    )
    .unwrap();
    a.upload(
        "form.apply-registrar input[type=file][name=file]",
        &training,
    )
    .await;
    a.click_nav("form.apply-registrar button[type=submit]")
        .await;
    a.wait_css(".notice[data-done=registrar-applied]").await;
    let o = &mut officer;
    o.goto("/registration/review").await;
    o.wait_css("table#pending-registrars a.training").await;
    o.shot_at("registration-review", "table#pending-registrars")
        .await;
    o.click_nav("table#pending-registrars form.approve-registrar button")
        .await;
    o.wait_css(".notice[data-done=registrar-approved]").await;
    let a = &mut applicant;
    a.goto("/").await;
    a.click_nav("a#nav-orders").await;
    a.click_nav("table#registrar-points a.choose-point").await;
    a.wait_css("#may-not-order").await;
    a.assert_no_error().await;
    a.shot("orders").await;

    for b in [applicant, vendor, officer] {
        b.close().await;
    }
    drop(driver);
    drop(serve);
    eprintln!("screenshots ({code}):");
    for p in shots.taken() {
        eprintln!("  {}", p.display());
    }
}

// ---- tools and skipping --------------------------------------------------------------

/// The programs the journey needs.
struct Tools {
    chromedriver: PathBuf,
    chromium: Option<PathBuf>,
}

impl Tools {
    /// The tools, or `None` (after a note) when one is missing and not required.
    fn find() -> Option<Tools> {
        let chromedriver = which("chromedriver");
        let chromium = ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .find_map(|n| which(n));
        let browser = chromedriver.is_some() && chromium.is_some();
        let node = Command::new("node")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            && provider_dir()
                .join("node_modules/oidc-provider/package.json")
                .is_file();
        let smtp = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let checks = [
            (
                browser,
                "CAREPKI_REQUIRE_BROWSER",
                "chromium or chromedriver is not installed (apt-get install chromium chromium-driver)",
            ),
            (
                node,
                "CAREPKI_REQUIRE_OIDC_PROVIDER",
                "node or the test OpenID provider's modules are missing (npm ci --prefix crates/web/tests/oidc-provider)",
            ),
            (
                smtp,
                "CAREPKI_REQUIRE_SMTP",
                "python3 cannot import aiosmtpd (pip install aiosmtpd)",
            ),
        ];
        let mut ok = true;
        for (present, var, why) in checks {
            if present {
                continue;
            }
            assert!(
                std::env::var(var).as_deref() != Ok("1"),
                "{why} and {var}=1"
            );
            eprintln!("note: {why}: skipping the browser journey");
            ok = false;
        }
        ok.then(|| Tools {
            chromedriver: chromedriver.unwrap(),
            chromium,
        })
    }
}

/// A program on PATH.
fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/tests/oidc-provider")
}

fn smtp_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ra/tests/smtp_server.py")
}

/// `<target dir>/<what>/<lang>`, emptied: the target directory is the one the carepki
/// binary under test was built in.
fn artifacts_dir(what: &str, lang: &str) -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_carepki"));
    let target = bin
        .parent()
        .and_then(Path::parent)
        .expect("the binary is in <target>/<profile>/");
    let dir = target.join(what).join(lang);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---- child processes -------------------------------------------------------------------

/// Starts `cmd` with stdout piped (lines sent to the returned channel) and stderr to
/// `log`.
fn spawn_logged(mut cmd: Command, log: &Path) -> (KillOnDrop, mpsc::Receiver<String>) {
    let err = std::fs::File::create(log).unwrap();
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(err);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (KillOnDrop(child), rx)
}

/// Waits for a stdout line starting with `prefix`; returns the rest of it.
fn wait_line(
    child: &mut KillOnDrop,
    lines: &mpsc::Receiver<String>,
    prefix: &str,
    what: &str,
    log: &Path,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match lines.recv_timeout(POLL) {
            Ok(line) => {
                if let Some(rest) = line.split_once(prefix).map(|(_, r)| r.trim().to_owned()) {
                    return rest;
                }
                seen.push(line);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if let Some(status) = child.0.try_wait().unwrap() {
            panic!(
                "{what} exited with {status}; stdout {seen:#?}\nstderr: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
    }
    panic!(
        "{what} did not print {prefix:?}; stdout {seen:#?}\nstderr: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// The OpenID provider (node, oidc-provider).
struct Provider {
    _child: KillOnDrop,
    issuer: String,
}

fn start_provider(base: &str, logs: &Path) -> Provider {
    let mut cmd = Command::new("node");
    cmd.arg("provider.mjs")
        .arg("0")
        .current_dir(provider_dir())
        .env("OIDC_CLIENT_ID", CLIENT_ID)
        .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
        .env("OIDC_REDIRECT_URIS", format!("{base}/oidc/callback"));
    let log = logs.join("oidc-provider.log");
    let (mut child, lines) = spawn_logged(cmd, &log);
    let port = wait_line(
        &mut child,
        &lines,
        "LISTENING ",
        "the OpenID provider",
        &log,
    );
    Provider {
        _child: child,
        issuer: format!("http://127.0.0.1:{port}"),
    }
}

/// `carepki serve` on a new demo data directory.
struct Serve {
    _child: KillOnDrop,
    addr: SocketAddr,
}

fn start_serve(pki: &Pki, port: u16, issuer: &str, smtp_port: u16, logs: &Path) -> Serve {
    let listen = format!("127.0.0.1:{port}");
    let smtp = format!("127.0.0.1:{smtp_port}");
    let mut cmd = pki.command(&[
        "serve",
        "--listen",
        &listen,
        "--public-url",
        &format!("http://{listen}"),
        "--oidc-issuer",
        issuer,
        "--oidc-client-id",
        CLIENT_ID,
        "--smtp",
        &smtp,
        "--smtp-tls",
        "plain",
        "--mail-from",
        "CarePKI <noreply@carepki.example>",
    ]);
    cmd.env("CAREPKI_OIDC_CLIENT_SECRET", CLIENT_SECRET);
    let log = logs.join("carepki-serve.log");
    let (mut child, lines) = spawn_logged(cmd, &log);
    wait_line(&mut child, &lines, "listening on", "carepki serve", &log);
    // Keep draining stdout so that serve never blocks on a full pipe.
    std::thread::spawn(move || while lines.recv().is_ok() {});
    Serve {
        _child: child,
        addr: listen.parse().unwrap(),
    }
}

/// Makes the person who registered with `email` a CA officer, as an operator would.
fn grant_officer(pki: &Pki, email: &str) {
    let users = pki.run(&["users", "list", "--json"]).ok().json();
    let id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == email)
        .and_then(|u| u["id"].as_i64())
        .unwrap_or_else(|| panic!("{email} is not among the users: {users}"));
    pki.run(&["users", "grant", &id.to_string(), "ca-officer"])
        .ok();
}

/// A P-256 key and a CSR for [`HOST`], by `openssl req`.
fn make_csr(dir: &Path) -> PathBuf {
    let csr = dir.join("www.csr");
    let key = dir.join("www.key");
    openssl([
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        s(&key),
        "-subj",
        &format!("/CN={HOST}"),
        "-out",
        s(&csr),
    ])
    .ok();
    csr
}

/// The issuing CA of `leaf`, fetched at its AIA caIssuers URL (DER), as PEM.
fn issuer_of(dir: &Path, leaf: &Path, addr: &SocketAddr) -> PathBuf {
    let text = openssl([
        "x509",
        "-in",
        s(leaf),
        "-noout",
        "-ext",
        "authorityInfoAccess",
    ])
    .ok()
    .stdout;
    let url = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("CA Issuers - URI:"))
        .unwrap_or_else(|| panic!("no caIssuers URL in {text}"));
    let path = url
        .strip_prefix(&format!("http://{addr}"))
        .unwrap_or_else(|| panic!("the caIssuers URL {url} is not this service's"));
    let r = http_get(*addr, path);
    assert_eq!(r.status, 200, "GET {url}: {r:?}");
    let der = dir.join("issuer.der");
    let pem = dir.join("issuer.pem");
    std::fs::write(&der, &r.body).unwrap();
    openssl(["x509", "-inform", "DER", "-in", s(&der), "-out", s(&pem)]).ok();
    pem
}

/// The root CA's certificate, by `carepki ca export`.
fn export_root(pki: &Pki) -> PathBuf {
    pki.run(&["ca", "export", "--out-dir", s(&pki.cas_dir())])
        .ok();
    pki.ca_pem("root")
}

/// Asks the OCSP responder in the certificate's AIA with `openssl ocsp` until it
/// verifies an answer with `status` for `leaf` (at most `patience`, at least once).
fn assert_ocsp(leaf: &Path, issuer: &Path, root: &Path, status: &str, patience: Duration) {
    let text = openssl(["x509", "-in", s(leaf), "-noout", "-ocsp_uri"])
        .ok()
        .stdout;
    let url = text.trim().to_owned();
    assert!(
        url.starts_with("http://"),
        "no OCSP URL in the certificate: {text:?}"
    );
    let deadline = Instant::now() + patience;
    loop {
        let r = openssl([
            "ocsp",
            "-timeout",
            "10",
            "-issuer",
            s(issuer),
            "-cert",
            s(leaf),
            "-url",
            &url,
            "-CAfile",
            s(root),
        ]);
        let said = format!("{}\n{}", r.stdout, r.stderr);
        let verified = said.contains("Response verify OK");
        if verified && said.contains(&format!("{}: {status}", leaf.display())) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "openssl ocsp did not verify `{status}` from {url}:\n{said}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

// ---- the SMTP server and its mail ---------------------------------------------------------

/// The SMTP server and the messages it wrote (copied to the logs when dropped).
struct MailDir {
    _child: KillOnDrop,
    dir: PathBuf,
    port: u16,
    logs: PathBuf,
}

impl Drop for MailDir {
    fn drop(&mut self) {
        let keep = self.logs.join("mail");
        let _ = std::fs::create_dir_all(&keep);
        for e in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let _ = std::fs::copy(e.path(), keep.join(e.file_name()));
        }
    }
}

/// One received message, as `smtp_server.py parse` reads it.
#[derive(Debug, Clone)]
struct Mail {
    file: PathBuf,
    subject: String,
    to: String,
    text: String,
    /// (file name, content type, bytes)
    attachments: Vec<(String, String, Vec<u8>)>,
}

impl MailDir {
    fn start(dir: &Path, logs: &Path) -> MailDir {
        std::fs::create_dir_all(dir).unwrap();
        let mut cmd = Command::new("python3");
        cmd.arg(smtp_script())
            .args(["serve", "--port", "0", "--dir"])
            .arg(dir);
        let log = logs.join("smtp-server.log");
        let (mut child, lines) = spawn_logged(cmd, &log);
        let port = wait_line(&mut child, &lines, "READY ", "the SMTP server", &log)
            .parse()
            .unwrap();
        MailDir {
            _child: child,
            dir: dir.to_path_buf(),
            port,
            logs: logs.to_path_buf(),
        }
    }

    /// Every message received so far.
    fn all(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files.iter().map(|f| parse_mail(f)).collect()
    }

    /// Waits (at most [`WAIT`]) for a message that `pred` likes.
    fn wait_for(&self, what: &str, pred: impl Fn(&Mail) -> bool) -> Mail {
        let deadline = Instant::now() + WAIT;
        loop {
            let all = self.all();
            if let Some(m) = all.iter().find(|m| pred(m)) {
                return m.clone();
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not arrive within {WAIT:?}; received: {:#?}",
                all.iter()
                    .map(|m| (&m.to, &m.subject, m.attachments.len()))
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn parse_mail(file: &Path) -> Mail {
    let mut cmd = Command::new("python3");
    cmd.arg(smtp_script()).arg("parse").arg(file);
    let v: Value = serde_json::from_str(&run(cmd).ok().stdout).unwrap();
    let attachments = v["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["filename"].as_str().unwrap_or_default().to_owned(),
                a["content_type"].as_str().unwrap_or_default().to_owned(),
                hex::decode(a["bytes_hex"].as_str().unwrap()).unwrap(),
            )
        })
        .collect();
    Mail {
        file: file.to_path_buf(),
        subject: v["subject"].as_str().unwrap_or_default().to_owned(),
        to: v["to"].as_str().unwrap_or_default().to_owned(),
        text: v["text"].as_str().unwrap_or_default().to_owned(),
        attachments,
    }
}

impl Mail {
    /// The first URL in the text that starts with `prefix`.
    fn link(&self, prefix: &str) -> Option<String> {
        let start = self.text.find(prefix)?;
        let rest = &self.text[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ')'))
            .unwrap_or(rest.len());
        Some(rest[..end].to_owned())
    }

    /// The bytes of the attachment of one of these content types or with this file
    /// name ending.
    fn attachment(&self, types: &[&str], suffix: &str) -> Vec<u8> {
        self.attachments
            .iter()
            .find(|(name, ty, _)| types.contains(&ty.as_str()) || name.ends_with(suffix))
            .map(|(_, _, b)| b.clone())
            .unwrap_or_else(|| {
                panic!(
                    "no {suffix} attachment in {}: {:?}",
                    self.file.display(),
                    self.attachments
                        .iter()
                        .map(|(n, t, _)| (n, t))
                        .collect::<Vec<_>>()
                )
            })
    }
}

// ---- the browsers ------------------------------------------------------------------------

/// chromedriver, in a process group of its own so that the browsers it starts go with
/// it.
struct Driver {
    child: Option<KillOnDrop>,
    url: String,
    chromium: Option<PathBuf>,
    profiles: PathBuf,
    logs: PathBuf,
}

impl Driver {
    fn start(tools: &Tools, tmp: &Path, logs: &Path) -> Driver {
        use std::os::unix::process::CommandExt as _;
        let port = free_port();
        let mut cmd = Command::new(&tools.chromedriver);
        cmd.arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                logs.join("chromedriver.log").display()
            ))
            .process_group(0);
        let log = logs.join("chromedriver.stderr");
        let (mut child, lines) = spawn_logged(cmd, &log);
        wait_line(
            &mut child,
            &lines,
            "started successfully on port",
            "chromedriver",
            &log,
        );
        std::thread::spawn(move || while lines.recv().is_ok() {});
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        Driver {
            child: Some(child),
            url: format!("http://{addr}"),
            chromium: tools.chromium.clone(),
            profiles: tmp.join("profiles"),
            logs: logs.to_path_buf(),
        }
    }

    /// A new browser with a profile (and so cookies) of its own, preferring the
    /// journey's language.
    async fn browser<'s>(
        &self,
        who: &'static str,
        lang: &'static Lang,
        base: &str,
        shots: &'s Shots,
    ) -> Browser<'s> {
        let profile = self.profiles.join(who);
        std::fs::create_dir_all(&profile).unwrap();
        let mut options = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-crash-reporter",
                "--no-first-run",
                "--window-size=1280,1000",
                format!("--lang={}", lang.code),
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": { "intl.accept_languages": lang.code },
        });
        // Debian's /usr/bin/chromium is a wrapper script; chromedriver finds the real
        // binary itself, other installations may need to be told.
        if let Some(p) = &self.chromium
            && !p.starts_with("/usr/bin")
        {
            options["binary"] = json!(p);
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": options,
        });
        let client = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start a browser for the {who}: {e}\n{}",
                    std::fs::read_to_string(self.logs.join("chromedriver.log")).unwrap_or_default()
                )
            });
        Browser {
            c: client,
            who,
            lang,
            base: base.to_owned(),
            shots,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let Some(child) = self.child.take() else {
            return;
        };
        // The browsers are in chromedriver's process group: end the group, then reap
        // chromedriver.
        let pid = child.0.id();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stderr(Stdio::null())
            .status();
        drop(child);
    }
}

/// The screenshots of one journey.
struct Shots {
    dir: PathBuf,
    taken: std::sync::Mutex<Vec<PathBuf>>,
}

impl Shots {
    fn new(lang: &Lang) -> Shots {
        Shots {
            dir: artifacts_dir("journey-screenshots", lang.code),
            taken: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn next_path(&self, name: &str) -> PathBuf {
        let mut taken = self.taken.lock().unwrap();
        let p = self.dir.join(format!("{:02}-{name}.png", taken.len() + 1));
        taken.push(p.clone());
        p
    }

    fn taken(&self) -> Vec<PathBuf> {
        self.taken.lock().unwrap().clone()
    }
}

/// One person's browser.
struct Browser<'s> {
    c: Client,
    who: &'static str,
    lang: &'static Lang,
    base: String,
    shots: &'s Shots,
}

impl Browser<'_> {
    /// Saves the page and fails the test with `msg`.
    async fn fail(&self, msg: String) -> ! {
        let url = self.url().await;
        let dir = &self.shots.dir;
        if let Ok(png) = self.c.screenshot().await {
            let _ = std::fs::write(dir.join(format!("failed-{}.png", self.who)), png);
        }
        let source = self.c.source().await.unwrap_or_default();
        let _ = std::fs::write(dir.join(format!("failed-{}.html", self.who)), &source);
        let text = self.body_text().await;
        panic!(
            "[{} {}] {msg}\n  at {url}\n  page saved in {}\n--- page text ---\n{}",
            self.lang.code,
            self.who,
            dir.display(),
            text.chars().take(3000).collect::<String>()
        );
    }

    async fn url(&self) -> String {
        self.c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// The current path (without query).
    async fn path(&self) -> String {
        self.c
            .current_url()
            .await
            .map(|u| u.path().to_owned())
            .unwrap_or_default()
    }

    async fn body_text(&self) -> String {
        self.c
            .execute(
                "return document.body ? document.body.innerText : ''",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Opens a path of the e-service.
    async fn goto(&self, path: &str) {
        self.goto_url(&format!("{}{path}", self.base)).await;
    }

    async fn goto_url(&self, url: &str) {
        if let Err(e) = self.c.goto(url).await {
            self.fail(format!("cannot open {url}: {e}")).await;
        }
    }

    /// Waits (at most [`WAIT`]) for an element; fails on a `.error` shown meanwhile.
    async fn wait_css(&self, css: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await {
                return e;
            }
            if let Ok(err) = self.c.find(Locator::Css(".error")).await {
                let code = err.attr("data-code").await.ok().flatten();
                let text = err.text().await.unwrap_or_default();
                self.fail(format!(
                    "waiting for `{css}`, the page shows an error {code:?}: {text}"
                ))
                .await;
            }
            if Instant::now() > deadline {
                self.fail(format!("no `{css}` within {WAIT:?}")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn assert_no_error(&self) {
        if let Ok(err) = self.c.find(Locator::Css(".error")).await {
            let code = err.attr("data-code").await.ok().flatten();
            let text = err.text().await.unwrap_or_default();
            self.fail(format!("the page shows an error {code:?}: {text}"))
                .await;
        }
    }

    async fn click(&self, css: &str) {
        let e = self.wait_css(css).await;
        if let Err(err) = e.click().await {
            self.fail(format!("cannot click `{css}`: {err}")).await;
        }
    }

    /// Clicks `css` and waits until a new document has loaded.
    async fn click_nav(&self, css: &str) {
        let e = self.wait_css(css).await;
        let _ = self
            .c
            .execute("window.__journeyOld = true; return true", vec![])
            .await;
        if let Err(err) = e.click().await {
            self.fail(format!("cannot click `{css}`: {err}")).await;
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let state = self
                .c
                .execute(
                    "return window.__journeyOld === undefined && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(state, Ok(Value::Bool(true))) {
                return;
            }
            if Instant::now() > deadline {
                self.fail(format!(
                    "clicking `{css}` loaded no new page within {WAIT:?}"
                ))
                .await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn fill(&self, css: &str, value: &str) {
        let e = self.wait_css(css).await;
        if let Err(err) = async {
            e.clear().await?;
            e.send_keys(value).await
        }
        .await
        {
            self.fail(format!("cannot type into `{css}`: {err}")).await;
        }
    }

    async fn select(&self, css: &str, value: &str) {
        let e = self.wait_css(css).await;
        if let Err(err) = e.select_by_value(value).await {
            let options = e.html(true).await.unwrap_or_default();
            self.fail(format!(
                "cannot choose {value:?} in `{css}`: {err}\noptions: {options}"
            ))
            .await;
        }
    }

    /// Gives a file input the path of a file to upload.
    async fn upload(&self, css: &str, file: &Path) {
        let e = self.wait_css(css).await;
        if let Err(err) = e.send_keys(s(file)).await {
            self.fail(format!(
                "cannot attach {} to `{css}`: {err}",
                file.display()
            ))
            .await;
        }
    }

    async fn text(&self, css: &str) -> String {
        self.wait_css(css).await.text().await.unwrap_or_default()
    }

    async fn attr(&self, css: &str, name: &str) -> String {
        match self.wait_css(css).await.attr(name).await {
            Ok(Some(v)) => v,
            other => self.fail(format!("`{css}` has no {name}: {other:?}")).await,
        }
    }

    /// Waits until the application's `#state[data-state]` is one of `states`.
    async fn wait_state(&self, states: &[&str]) {
        let deadline = Instant::now() + WAIT;
        loop {
            let state = self.attr("#state", "data-state").await;
            if states.contains(&state.as_str()) {
                return;
            }
            if Instant::now() > deadline {
                self.fail(format!(
                    "the application is {state}, not {states:?}, within {WAIT:?}"
                ))
                .await;
            }
            tokio::time::sleep(POLL).await;
            self.c.refresh().await.unwrap();
        }
    }

    /// Asserts that the page is in the journey's language: `<html lang>`, and each of
    /// `words` (lower case) in its visible text.
    async fn assert_lang(&self, words: &[&str]) {
        let lang = self
            .c
            .execute("return document.documentElement.lang", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if lang != self.lang.code {
            self.fail(format!(
                "the page is in {lang:?}, not {:?} (<html lang>)",
                self.lang.code
            ))
            .await;
        }
        let text = self.body_text().await.to_lowercase();
        let missing: Vec<&&str> = words.iter().filter(|w| !text.contains(**w)).collect();
        if !missing.is_empty() {
            self.fail(format!(
                "the page lacks the {} words {missing:?}",
                self.lang.code
            ))
            .await;
        }
    }

    /// How many elements match `css` (at least one, waited for).
    async fn count(&self, css: &str) -> usize {
        self.wait_css(css).await;
        self.c
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Scrolls `css` into view, then takes the next screenshot.
    async fn shot_at(&self, name: &str, css: &str) {
        let e = self.wait_css(css).await;
        let arg = serde_json::to_value(&e).unwrap();
        if let Err(err) = self
            .c
            .execute(
                "arguments[0].scrollIntoView({block: 'center'}); return true",
                vec![arg],
            )
            .await
        {
            self.fail(format!("cannot scroll to `{css}`: {err}")).await;
        }
        self.shot(name).await;
    }

    /// Saves a screenshot of the page as the journey's next one.
    async fn shot(&self, name: &str) {
        let path = self.shots.next_path(name);
        match self.c.screenshot().await {
            Ok(png) => std::fs::write(&path, png).unwrap(),
            Err(e) => self.fail(format!("no screenshot: {e}")).await,
        }
    }

    /// Goes through the OpenID provider's sign-in (and consent) pages with `login`
    /// until the browser is back at the e-service.
    async fn provider_sign_in(&self, issuer: &str, login: &str, shot: bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self.url().await;
            if url.starts_with(&self.base) {
                return;
            }
            if url.starts_with(issuer) {
                let prompt = match self.c.find(Locator::Css("input[name=prompt]")).await {
                    Ok(e) => e.attr("value").await.ok().flatten(),
                    Err(_) => None,
                };
                match prompt.as_deref() {
                    Some("login") => {
                        if shot {
                            self.shot("sign-in").await;
                        }
                        self.fill("input[name=login]", login).await;
                        self.fill("input[name=password]", "any password").await;
                        self.click_nav("button[type=submit]").await;
                        continue;
                    }
                    Some("consent") => {
                        self.click_nav("button[type=submit]").await;
                        continue;
                    }
                    _ => {}
                }
            }
            if Instant::now() > deadline {
                self.fail(format!(
                    "signing in at the OpenID provider did not lead back to {} within {WAIT:?}",
                    self.base
                ))
                .await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Fills in the registration of a first sign-in, in the journey's language.
    async fn register(&self, name: &str, email: &str, shot: bool) {
        self.wait_css("form#register").await;
        if self.path().await != "/register" {
            self.fail("a first sign-in does not lead to /register".into())
                .await;
        }
        self.assert_lang(self.lang.register).await;
        self.fill("form#register input[name=display_name]", name)
            .await;
        self.fill("form#register input[name=email]", email).await;
        self.select("form#register select[name=language]", self.lang.code)
            .await;
        if shot {
            self.shot("registration").await;
        }
        self.click_nav("#register-submit").await;
        self.assert_no_error().await;
    }

    /// Downloads what the link `css` points at, with the browser's session (fetch
    /// with credentials, as the link would).
    async fn download(&self, css: &str) -> Vec<u8> {
        let href = self.attr(css, "href").await;
        let r = self
            .c
            .execute_async(
                "const [url, done] = arguments;
                 fetch(url, {credentials: 'same-origin'})
                   .then(r => r.arrayBuffer().then(b =>
                       done({status: r.status, bytes: Array.from(new Uint8Array(b))})))
                   .catch(e => done({status: 0, error: String(e)}));",
                vec![json!(href)],
            )
            .await;
        let v = match r {
            Ok(v) => v,
            Err(e) => self.fail(format!("fetching {href}: {e}")).await,
        };
        if v["status"] != 200 {
            self.fail(format!(
                "GET {href} answered {} {}",
                v["status"],
                v.get("error").cloned().unwrap_or_default()
            ))
            .await;
        }
        v["bytes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
            .collect()
    }

    async fn close(self) {
        let _ = self.c.close().await;
    }
}

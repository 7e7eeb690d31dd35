#![allow(clippy::unwrap_used)]
//! The mail outbox against a real SMTP server on the loopback (aiosmtpd,
//! started from `tests/smtp_server.py`), on both database backends: what
//! arrives, once per dedupe key, retries when the server is down, permanent
//! failure on 550, and what a crash mid-send does.
//!
//! Skipped with a note when `python3` or its `aiosmtpd` package is missing,
//! unless `CAREPKI_REQUIRE_SMTP=1` (set by scripts/test once it installed
//! aiosmtpd), which makes that a failure.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use carepki_ra::{Mailbox, Outbox, OutboxSettings, SmtpSettings, SmtpTls, message_id_for};
use carepki_store::testing::test_stores;
use carepki_store::{EnqueueOutcome, MailAttachment, MailStatus, NewMail, Store};
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::Value;

const T0: i64 = 1_780_000_000;
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_server.py");
const REQUIRE_VAR: &str = "CAREPKI_REQUIRE_SMTP";
const SUBJECT: &str =
    "Varmenteenne on myönnetty – hakemus HAK-2026-0042 (Äänekosken terveyskeskus)";
const FROM: &str = "CarePKI-varmennepalvelu <noreply@carepki.test>";
const TO: &str = "Päivi Mäkelä <paivi.makela@example.fi>";

/// Whether the SMTP server can run here; panics if it cannot but must.
fn smtp_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !ok {
        if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") {
            panic!("{REQUIRE_VAR}=1 but python3 with aiosmtpd is not available");
        }
        eprintln!(
            "note: python3 with aiosmtpd is missing (python3 -m pip install aiosmtpd): \
             skipping the SMTP tests"
        );
    }
    ok
}

/// The loopback SMTP server; killed when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmtpServer {
    fn start(dir: &Path, port: u16, mode: &str) -> SmtpServer {
        SmtpServer::start_with(dir, port, mode, &[])
    }

    fn start_with(dir: &Path, port: u16, mode: &str, extra: &[&str]) -> SmtpServer {
        let mut child = Command::new("python3")
            .arg(SCRIPT)
            .args(["serve", "--dir"])
            .arg(dir)
            .args(["--port", &port.to_string(), "--mode", mode])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server did not start: {line:?}"));
        SmtpServer {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    /// The messages received so far, in order.
    fn received(&self) -> Vec<PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message as Python's email package reads it.
fn parse(file: &Path) -> Value {
    let out = Command::new("python3")
        .arg(SCRIPT)
        .arg("parse")
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The Message-ID header of a received message, read from its raw bytes.
fn message_id(file: &Path) -> String {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("Message-ID: "))
        .unwrap()
        .trim()
        .to_owned()
}

/// A port nothing listens on (it was free a moment ago).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn der() -> Vec<u8> {
    // Every byte value, NUL and 0xff included: binary must survive exactly.
    let mut der = vec![0x30, 0x82, 0x01, 0x04];
    der.extend(0..=255u8);
    der
}

/// A PEM file as long as a real certificate's, with LF line ends: over SMTP's
/// 1000-octet line limit were it sent as one line.
fn pem() -> Vec<u8> {
    let mut pem = b"-----BEGIN CERTIFICATE-----\n".to_vec();
    for _ in 0..20 {
        pem.extend_from_slice(
            b"MIIBBDCCAQCgAwIBAgIUAP8MIIBBDCCAQCgAwIBAgIUAP8MIIBBDCCAQCgAwIBAgIU\n",
        );
    }
    pem.extend_from_slice(b"-----END CERTIFICATE-----\n");
    pem
}

fn delivery(key: &str) -> NewMail {
    NewMail {
        dedupe_key: key.to_owned(),
        recipient: TO.to_owned(),
        subject: SUBJECT.to_owned(),
        body_text: "Hyvä vastaanottaja,\n\nvarmenteenne on myönnetty. Löydätte sen liitteenä \
                    DER- ja PEM-muodossa.\n\nYstävällisin terveisin\nCarePKI\n"
            .to_owned(),
        body_html: Some("<p>Hyvä vastaanottaja, varmenteenne on myönnetty.</p>".to_owned()),
        attachments: vec![
            MailAttachment {
                filename: "0a1b2c.der".to_owned(),
                content_type: "application/pkix-cert".to_owned(),
                bytes: der(),
            },
            MailAttachment {
                filename: "0a1b2c.pem".to_owned(),
                content_type: "application/x-pem-file".to_owned(),
                bytes: pem(),
            },
        ],
        org_oid: Some("1.2.246.10.1".to_owned()),
        serial: Some("0a1b2c".to_owned()),
    }
}

fn outbox(store: &Store, port: u16, worker: &str) -> Outbox {
    outbox_with(store, port, worker, |_| {})
}

fn outbox_with(
    store: &Store,
    port: u16,
    worker: &str,
    change: impl FnOnce(&mut OutboxSettings),
) -> Outbox {
    let from: Mailbox = FROM.parse().unwrap();
    let mut smtp = SmtpSettings::new("127.0.0.1", port, SmtpTls::None, from);
    smtp.timeout = Duration::from_secs(10);
    let mut settings = OutboxSettings {
        worker: worker.to_owned(),
        ..OutboxSettings::default()
    };
    change(&mut settings);
    Outbox::new(store.clone(), smtp, settings).unwrap()
}

#[tokio::test]
async fn a_certificate_arrives_once_with_der_and_pem_and_finnish_intact() {
    if !smtp_available() {
        return;
    }
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let server = SmtpServer::start(dir.path(), 0, "accept");
        let key = "delivery:HAK-2026-0042:0a1b2c";
        let first = store
            .enqueue_mail(&delivery(key), "officer", T0)
            .await
            .unwrap();
        let again = store
            .enqueue_mail(&delivery(key), "officer", T0)
            .await
            .unwrap();
        assert_eq!(again, EnqueueOutcome::AlreadyQueued { id: first.id() });

        let outbox = outbox(&store, server.port, "sender-1");
        let report = outbox.run_once(T0).await.unwrap();
        assert_eq!(
            (report.claimed, report.sent),
            (1, 1),
            "{backend}: {report:?}"
        );
        // Nothing more to do, however often it runs.
        assert_eq!(outbox.run_once(T0 + 3600).await.unwrap().claimed, 0);

        let files = server.received();
        assert_eq!(files.len(), 1, "{backend}: exactly one mail");
        let raw = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            raw.is_ascii(),
            "{backend}: headers and bodies are transfer-encoded"
        );
        let mail = parse(&files[0]);
        assert_eq!(mail["subject"], SUBJECT, "{backend}: ä, ö and – survive");
        assert_eq!(mail["to"], TO);
        assert_eq!(mail["from"], FROM);
        assert_eq!(mail["auto_submitted"], "auto-generated");
        assert_eq!(
            mail["message_id"],
            message_id_for(key, "carepki.test").as_str(),
            "{backend}"
        );
        assert_eq!(mail["content_type"], "multipart/mixed");
        let text = mail["text"].as_str().unwrap();
        assert!(text.contains("Löydätte sen liitteenä"), "{text}");
        assert!(text.contains("Ystävällisin terveisin"));
        assert!(
            mail["html"]
                .as_str()
                .unwrap()
                .contains("<p>Hyvä vastaanottaja")
        );
        let attachments = mail["attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), 2, "{backend}");
        assert_eq!(attachments[0]["filename"], "0a1b2c.der");
        assert_eq!(attachments[0]["content_type"], "application/pkix-cert");
        assert_eq!(
            attachments[0]["bytes_hex"],
            hex::encode(der()),
            "{backend}: DER exact"
        );
        assert_eq!(attachments[1]["filename"], "0a1b2c.pem");
        assert_eq!(attachments[1]["content_type"], "application/x-pem-file");
        assert_eq!(
            attachments[1]["bytes_hex"],
            hex::encode(pem()),
            "{backend}: PEM exact"
        );

        let row = store.mail(first.id()).await.unwrap().unwrap();
        assert_eq!(
            (row.status, row.attempts, row.sent_at),
            (MailStatus::Sent, 1, Some(T0))
        );
        let actions: Vec<_> = store
            .audit_events(Some("0a1b2c"))
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.actor))
            .collect();
        assert_eq!(
            actions,
            [
                ("mail.queue".to_owned(), "officer".to_owned()),
                ("mail.sent".to_owned(), "sender-1".to_owned())
            ],
            "{backend}"
        );
    }
}

#[tokio::test]
async fn two_senders_at_once_send_every_mail_exactly_once() {
    if !smtp_available() {
        return;
    }
    for (backend, store, guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let server = SmtpServer::start(dir.path(), 0, "accept");
        for i in 0..12 {
            for _ in 0..2 {
                store
                    .enqueue_mail(
                        &delivery(&format!("delivery:app-{i}:0a1b2c")),
                        "officer",
                        T0,
                    )
                    .await
                    .unwrap();
            }
        }
        // Two senders, as two processes would be: separate store handles.
        let other = Store::open(guard.url()).await.unwrap();
        let a = outbox(&store, server.port, "sender-a");
        let b = outbox(&other, server.port, "sender-b");
        let (ra, rb) = tokio::join!(a.run_once(T0), b.run_once(T0));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(ra.sent + rb.sent, 12, "{backend}: {ra:?} {rb:?}");
        assert_eq!(ra.claimed + rb.claimed, 12);

        let files = server.received();
        assert_eq!(files.len(), 12, "{backend}: one message per key");
        let ids: HashSet<String> = files.iter().map(|f| message_id(f)).collect();
        assert_eq!(ids.len(), 12, "{backend}: no key sent twice");
        assert_eq!(store.mail_counts().await.unwrap().sent, 12);
        other.close().await;
    }
}

#[tokio::test]
async fn a_server_that_is_down_at_first_gets_the_mail_later() {
    if !smtp_available() {
        return;
    }
    for (backend, store, _guard) in test_stores().await {
        let port = free_port();
        let id = store
            .enqueue_mail(&delivery("delivery:down:0a1b2c"), "officer", T0)
            .await
            .unwrap()
            .id();
        let outbox = outbox(&store, port, "sender");
        // Connection refused: transient, retried after a minute.
        let report = outbox.run_once(T0).await.unwrap();
        assert_eq!(
            (report.claimed, report.retrying),
            (1, 1),
            "{backend}: {report:?}"
        );
        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!(row.status, MailStatus::Queued, "{backend}");
        assert_eq!((row.attempts, row.next_attempt_at), (1, T0 + 60));
        let error = row.last_error.unwrap();
        assert!(
            error.to_lowercase().contains("connection"),
            "{backend}: {error}"
        );
        assert_eq!(store.next_mail_due().await.unwrap(), Some(T0 + 60));
        // Not before its time.
        assert_eq!(outbox.run_once(T0 + 59).await.unwrap().claimed, 0);
        // Still down at the second attempt: the wait grows to 5 minutes.
        let report = outbox.run_once(T0 + 60).await.unwrap();
        assert_eq!(report.retrying, 1, "{backend}");
        assert_eq!(
            store.mail(id).await.unwrap().unwrap().next_attempt_at,
            T0 + 60 + 300
        );

        // The server comes up on that port; the third attempt delivers.
        let dir = tempfile::tempdir().unwrap();
        let server = SmtpServer::start(dir.path(), port, "accept");
        let report = outbox.run_once(T0 + 360).await.unwrap();
        assert_eq!(report.sent, 1, "{backend}: {report:?}");
        assert_eq!(server.received().len(), 1);
        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!(
            (row.status, row.attempts, row.last_error),
            (MailStatus::Sent, 3, None)
        );
        let failed = store
            .audit_events(Some("0a1b2c"))
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "mail.failed")
            .count();
        assert_eq!(failed, 2, "{backend}: each failed attempt is audited");
    }
}

#[tokio::test]
async fn a_550_answer_fails_the_mail_for_good_with_the_reason_kept() {
    if !smtp_available() {
        return;
    }
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let server = SmtpServer::start(dir.path(), 0, "reject");
        let id = store
            .enqueue_mail(&delivery("delivery:550:0a1b2c"), "officer", T0)
            .await
            .unwrap()
            .id();
        let outbox = outbox(&store, server.port, "sender");
        let report = outbox.run_once(T0).await.unwrap();
        assert_eq!(
            (report.claimed, report.failed),
            (1, 1),
            "{backend}: {report:?}"
        );
        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!(row.status, MailStatus::Failed, "{backend}");
        let error = row.last_error.unwrap();
        assert!(
            error.contains("550") && error.contains("User unknown"),
            "{backend}: {error}"
        );
        assert!(server.received().is_empty());
        assert_eq!(outbox.run_once(T0 + 86_400).await.unwrap().claimed, 0);
        let event = store
            .audit_events(Some("0a1b2c"))
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.action == "mail.failed")
            .unwrap();
        assert_eq!(event.details["permanent"], true, "{backend}");
        assert!(event.details["error"].as_str().unwrap().contains("550"));
    }
}

#[tokio::test]
async fn a_451_answer_is_retried_until_the_attempts_run_out() {
    if !smtp_available() {
        return;
    }
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let server = SmtpServer::start(dir.path(), 0, "tempfail");
        let id = store
            .enqueue_mail(&delivery("delivery:451:0a1b2c"), "officer", T0)
            .await
            .unwrap()
            .id();
        let outbox = outbox_with(&store, server.port, "sender", |s| s.max_attempts = 3);
        let mut now = T0;
        for delay in [60, 300] {
            let report = outbox.run_once(now).await.unwrap();
            assert_eq!(report.retrying, 1, "{backend}: {report:?}");
            let row = store.mail(id).await.unwrap().unwrap();
            assert_eq!(row.next_attempt_at, now + delay, "{backend}");
            assert!(row.last_error.unwrap().contains("451"));
            now += delay;
        }
        let report = outbox.run_once(now).await.unwrap();
        assert_eq!(report.failed, 1, "{backend}: {report:?}");
        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!((row.status, row.attempts), (MailStatus::Failed, 3));
        assert!(
            row.last_error
                .unwrap()
                .starts_with("given up after 3 attempts")
        );
    }
}

#[tokio::test]
async fn after_a_crash_the_mail_is_sent_when_the_lease_runs_out() {
    if !smtp_available() {
        return;
    }
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let server = SmtpServer::start(dir.path(), 0, "accept");
        let lease = 300;
        let before = store
            .enqueue_mail(&delivery("delivery:crash-before:0a1b2c"), "officer", T0)
            .await
            .unwrap()
            .id();
        let after = store
            .enqueue_mail(&delivery("delivery:crash-after:0a1b2c"), "officer", T0)
            .await
            .unwrap()
            .id();
        let crashed = outbox(&store, server.port, "crashed-sender");
        let claimed = store
            .claim_due_mail("crashed-sender", T0, lease, 2)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 2);
        // The first mail: the sender died before sending. The second: the server
        // accepted it, and the sender died before recording that.
        let accepted = claimed.iter().find(|m| m.id == after).unwrap();
        let raw = crashed.render(accepted, T0).unwrap();
        let envelope = Envelope::new(
            Some("noreply@carepki.test".parse().unwrap()),
            vec!["paivi.makela@example.fi".parse().unwrap()],
        )
        .unwrap();
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(server.port)
            .build()
            .send_raw(&envelope, &raw)
            .await
            .unwrap();
        drop(crashed);
        assert_eq!(server.received().len(), 1);

        // A restarted sender: nothing to do while the dead one's lease holds.
        let restarted = outbox(&store, server.port, "restarted-sender");
        assert_eq!(restarted.run_once(T0 + lease - 1).await.unwrap().claimed, 0);
        let report = restarted.run_once(T0 + lease).await.unwrap();
        assert_eq!(report.sent, 2, "{backend}: {report:?}");
        for id in [before, after] {
            let row = store.mail(id).await.unwrap().unwrap();
            assert_eq!(
                (row.status, row.attempts),
                (MailStatus::Sent, 2),
                "{backend}"
            );
        }

        // At least once, not exactly once: the mail the server had accepted
        // arrived twice, both copies with the same Message-ID, so that the
        // receiver can drop one. The other arrived once.
        let ids: Vec<String> = server.received().iter().map(|f| message_id(f)).collect();
        let twice = message_id_for("delivery:crash-after:0a1b2c", "carepki.test");
        let once = message_id_for("delivery:crash-before:0a1b2c", "carepki.test");
        assert_eq!(ids.len(), 3, "{backend}: {ids:?}");
        assert_eq!(
            ids.iter().filter(|id| **id == twice).count(),
            2,
            "{backend}"
        );
        assert_eq!(ids.iter().filter(|id| **id == once).count(), 1, "{backend}");
    }
}

#[tokio::test]
async fn the_service_loop_sends_what_is_queued_while_it_runs() {
    if !smtp_available() {
        return;
    }
    for (backend, store, _guard) in test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let server = SmtpServer::start(dir.path(), 0, "accept");
        let outbox = outbox_with(&store, server.port, "loop", |s| {
            s.poll_interval = Duration::from_secs(30);
        });
        let waker = outbox.waker();
        let task = tokio::spawn(outbox.run());
        // Queued with the real clock (run uses it), then the loop is woken.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let id = store
            .enqueue_mail(&delivery("delivery:loop:0a1b2c"), "officer", now)
            .await
            .unwrap()
            .id();
        waker.notify_one();
        let mut status = MailStatus::Queued;
        for _ in 0..100 {
            status = store.mail(id).await.unwrap().unwrap().status;
            if status == MailStatus::Sent {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        task.abort();
        assert_eq!(
            status,
            MailStatus::Sent,
            "{backend}: sent well before the 30 s poll"
        );
        assert_eq!(server.received().len(), 1);
    }
}

#[tokio::test]
async fn tls_and_starttls_need_a_trusted_certificate() {
    if !smtp_available() {
        return;
    }
    // A test CA and a server certificate for "localhost" issued by it (a
    // self-signed server certificate cannot be a trust anchor for rustls).
    let certs = tempfile::tempdir().unwrap();
    let path = |name: &str| certs.path().join(name);
    std::fs::write(
        path("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
         extendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(certs.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let p256 = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &p256,
            &["-days", "1", "-subj", "/CN=CarePKI test SMTP CA"],
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &p256,
            &[
                "-subj",
                "/CN=localhost",
                "-keyout",
                "key.pem",
                "-out",
                "srv.csr",
            ],
        ]
        .concat(),
    );
    openssl(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    ]);
    let root = std::fs::read(path("ca.pem")).unwrap();
    let (cert, key) = (path("cert.pem"), path("key.pem"));
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let from: Mailbox = FROM.parse().unwrap();
    for (backend, store, _guard) in test_stores().await {
        for (tls, extra) in [
            (SmtpTls::StartTls, vec!["--cert", cert, "--key", key]),
            (
                SmtpTls::Tls,
                vec!["--cert", cert, "--key", key, "--implicit-tls"],
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let server = SmtpServer::start_with(dir.path(), 0, "accept", &extra);
            let id = store
                .enqueue_mail(
                    &delivery(&format!("delivery:{tls:?}:0a1b2c")),
                    "officer",
                    T0,
                )
                .await
                .unwrap()
                .id();
            // Not trusted (only the system's roots): never sent in clear, retried.
            let mut smtp = SmtpSettings::new("localhost", server.port, tls, from.clone());
            smtp.timeout = Duration::from_secs(10);
            let settings = OutboxSettings {
                worker: "untrusting".to_owned(),
                ..OutboxSettings::default()
            };
            let untrusting = Outbox::new(store.clone(), smtp.clone(), settings).unwrap();
            let report = untrusting.run_once(T0).await.unwrap();
            assert_eq!(report.retrying, 1, "{backend} {tls:?}: {report:?}");
            assert!(server.received().is_empty());
            let error = store.mail(id).await.unwrap().unwrap().last_error.unwrap();
            assert!(error.contains("certificate"), "{backend} {tls:?}: {error}");
            // With the server's root added: delivered, encrypted.
            smtp.extra_roots_pem = Some(root.clone());
            let settings = OutboxSettings {
                worker: "trusting".to_owned(),
                ..OutboxSettings::default()
            };
            let trusting = Outbox::new(store.clone(), smtp, settings).unwrap();
            let report = trusting.run_once(T0 + 60).await.unwrap();
            let row = store.mail(id).await.unwrap().unwrap();
            assert_eq!(report.sent, 1, "{backend} {tls:?}: {report:?} {row:?}");
            assert_eq!(server.received().len(), 1);
            let row = store.mail(id).await.unwrap().unwrap();
            assert_eq!(row.status, MailStatus::Sent, "{backend} {tls:?}");
        }
    }
}

//! Sending the mail outbox by SMTP (R-DELIVERY, issue 4).
//!
//! Mails are queued in the database with
//! [`Store::enqueue_mail`](carepki_store::Store::enqueue_mail) (once per
//! dedupe key). An [`Outbox`] claims the mails that are due, one at a time with
//! a lease, builds each into a MIME message with lettre and hands it to the
//! configured SMTP server:
//!
//! - **accepted** (the server answered 250 to the message): recorded `sent`
//!   at once. A mail is recorded sent only after the server accepted it.
//! - **transient** (a 4xx answer, connection refused or reset, a timeout, a
//!   TLS failure, or a 5xx that says our *configuration* is wrong: 500–504,
//!   530, 534, 535, 538, such as a bad password): queued again after
//!   [`OutboxSettings::backoff`] (1 min, 5 min, 30 min, 2 h, then every 6 h),
//!   until [`OutboxSettings::max_attempts`] attempts, then `failed`.
//! - **permanent** (any other 5xx, e.g. 550 no such mailbox; or a recipient
//!   that is not a valid address): `failed` at once, the error kept.
//!
//! # Exactly once is not possible; at least once is what you get
//!
//! The sender records the result right after the server's answer. If the
//! process dies between the server's acceptance and that record (or the
//! database write fails), the mail stays `sending` until its lease runs out
//! (default 5 minutes), then it is claimed again and **sent a second time**.
//! SMTP gives no way to ask a server whether it already has a message, so
//! this window cannot be closed; it is kept short instead, and every copy
//! carries the same `Message-ID`, derived from the dedupe key
//! ([`message_id_for`]), so that mail systems and readers can drop the
//! duplicate. Everything else is exactly once: a key is queued once, and two
//! senders never hold one mail at the same time.
//!
//! The SMTP password is never logged, and neither are bodies (an invitation
//! carries a secret link).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use carepki_store::{ClaimedMail, Store, StoreError};
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Body, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

pub use lettre::message::Mailbox;

use crate::error::{RaError, Result};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmtpTls {
    /// Plain SMTP, unprotected: only for a relay on the same host (the
    /// loopback) or a trusted network. Refused together with a username or
    /// password unless the host is the loopback.
    None,
    /// SMTP, then `STARTTLS` (required: a server that does not offer it is an
    /// error, never a silent fall-back to plain text). Usually port 587.
    StartTls,
    /// TLS from the first byte ("implicit TLS", SMTPS). Usually port 465.
    Tls,
}

/// Where and how to send mail. Build with [`SmtpSettings::new`] and set the
/// optional fields.
#[derive(Clone)]
pub struct SmtpSettings {
    /// The SMTP server's host name (also the name its TLS certificate must hold).
    pub host: String,
    /// Its port: usually 25 (relay), 587 ([`SmtpTls::StartTls`]) or 465
    /// ([`SmtpTls::Tls`]).
    pub port: u16,
    /// How the connection is protected.
    pub tls: SmtpTls,
    /// The user name to log in with, if the server wants one.
    pub username: Option<String>,
    /// The password to log in with (never logged, never in `Debug`).
    pub password: Option<String>,
    /// The sender of every mail; its domain also names the Message-IDs and,
    /// unless [`helo_name`](Self::helo_name) is set, the EHLO greeting.
    pub from: Mailbox,
    /// The most one SMTP step (connect, each command) may take. Default 30 s.
    pub timeout: Duration,
    /// Extra trusted root certificates (PEM), added to the system's, for a
    /// server whose certificate comes from a private CA.
    pub extra_roots_pem: Option<Vec<u8>>,
    /// The name to greet the server with (EHLO); default: the domain of
    /// [`from`](Self::from).
    pub helo_name: Option<String>,
}

impl SmtpSettings {
    /// Settings with no login, the default timeout and the system's roots.
    pub fn new(host: impl Into<String>, port: u16, tls: SmtpTls, from: Mailbox) -> Self {
        SmtpSettings {
            host: host.into(),
            port,
            tls,
            username: None,
            password: None,
            from,
            timeout: Duration::from_secs(30),
            extra_roots_pem: None,
            helo_name: None,
        }
    }
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from.to_string())
            .field("timeout", &self.timeout)
            .field("extra_roots_pem", &self.extra_roots_pem.is_some())
            .field("helo_name", &self.helo_name)
            .finish()
    }
}

/// The waits after the 1st, 2nd, … failed attempt, in seconds: 1 min, 5 min,
/// 30 min, 2 h, then 6 h for every later one.
pub const DEFAULT_BACKOFF: [i64; 5] = [60, 300, 1800, 7200, 21_600];

/// How an [`Outbox`] works the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxSettings {
    /// This sender's name in the database (`claimed_by`) and the audit log.
    /// Must differ between senders that share a database; the default holds
    /// the process id and the start time.
    pub worker: String,
    /// How long a claim holds a mail, in seconds (default 300). It must be
    /// well above the time one send can take (a few SMTP steps of at most
    /// [`SmtpSettings::timeout`] each): a send that outlives its lease may be
    /// duplicated by another sender.
    pub lease_secs: i64,
    /// The most mails one [`Outbox::run_once`] sends (default 50).
    pub batch: usize,
    /// Attempts before a mail that keeps failing transiently is given up
    /// (default 10). A claim counts as an attempt even if its sender crashed,
    /// so a mail that crashes the sender cannot loop for ever.
    pub max_attempts: i64,
    /// Seconds to wait after the n-th failed attempt (the last value repeats).
    pub backoff: Vec<i64>,
    /// The longest [`Outbox::run`] sleeps before looking at the queue again
    /// (mails queued by other processes, expired leases). Default 10 s; a
    /// [`Outbox::waker`] notification wakes it at once.
    pub poll_interval: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        OutboxSettings {
            worker: format!("outbox:{}:{started:x}", std::process::id()),
            lease_secs: 300,
            batch: 50,
            max_attempts: 10,
            backoff: DEFAULT_BACKOFF.to_vec(),
            poll_interval: Duration::from_secs(10),
        }
    }
}

impl OutboxSettings {
    /// Seconds to wait after a mail's `attempts`-th attempt failed.
    pub fn retry_delay(&self, attempts: i64) -> i64 {
        let index = usize::try_from(attempts.saturating_sub(1)).unwrap_or(0);
        self.backoff
            .get(index)
            .or(self.backoff.last())
            .copied()
            .unwrap_or(60)
    }
}

/// What one [`Outbox::run_once`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Mails claimed.
    pub claimed: usize,
    /// Accepted by the server and recorded sent.
    pub sent: usize,
    /// Failed transiently: queued again for later.
    pub retrying: usize,
    /// Failed permanently, or given up after too many attempts.
    pub failed: usize,
    /// Sent, but another sender had taken the mail over meanwhile (this
    /// sender's lease ran out): the mail may arrive twice.
    pub lease_lost: usize,
}

/// The outbox's sender: claims due mail from the store and sends it by SMTP.
pub struct Outbox {
    store: Store,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    settings: OutboxSettings,
    wake: Arc<Notify>,
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("from", &self.from.to_string())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn setting(setting: &'static str, reason: impl Into<String>) -> RaError {
    RaError::Settings {
        setting,
        reason: reason.into(),
    }
}

fn transport(smtp: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    if smtp.host.trim().is_empty() {
        return Err(setting("smtp.host", "is empty; name the SMTP server"));
    }
    if smtp.port == 0 {
        return Err(setting("smtp.port", "is 0; name the SMTP server's port"));
    }
    if smtp.timeout.is_zero() {
        return Err(setting("smtp.timeout", "is zero"));
    }
    let credentials = match (&smtp.username, &smtp.password) {
        (None, None) => None,
        (Some(user), Some(password)) => Some(Credentials::new(user.clone(), password.clone())),
        _ => {
            return Err(setting(
                "smtp.username",
                "a username needs a password and a password a username",
            ));
        }
    };
    if credentials.is_some() && smtp.tls == SmtpTls::None && !is_loopback(&smtp.host) {
        return Err(setting(
            "smtp.tls",
            "a password would cross the network in clear text: use StartTls or Tls",
        ));
    }
    let helo = match &smtp.helo_name {
        Some(name) => name.clone(),
        None => smtp.from.email.domain().to_owned(),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .timeout(Some(smtp.timeout))
        .hello_name(ClientId::Domain(helo));
    if smtp.tls != SmtpTls::None {
        let mut params = TlsParameters::builder(smtp.host.clone());
        if let Some(pem) = &smtp.extra_roots_pem {
            let roots = Certificate::from_pem(pem).map_err(|e| {
                setting("smtp.extra_roots_pem", format!("not PEM certificates: {e}"))
            })?;
            params = params.add_root_certificate(roots);
        }
        let params = params
            .build_rustls()
            .map_err(|e| setting("smtp.tls", format!("cannot set up TLS: {e}")))?;
        builder = builder.tls(match smtp.tls {
            SmtpTls::StartTls => Tls::Required(params),
            _ => Tls::Wrapper(params),
        });
    }
    if let Some(credentials) = credentials {
        builder = builder.credentials(credentials);
    }
    Ok(builder.build())
}

/// The Message-ID of every copy of the mail queued as `dedupe_key`:
/// `<carepki.KEY@DOMAIN>`, with every byte of the key other than letters,
/// digits, `-` and `_` written `=XX` (so `delivery:a1:0f` becomes
/// `carepki.delivery=3Aa1=3A0f`). The same key always gives the same id, so a
/// mail sent twice (see the module docs) can be recognised as one.
pub fn message_id_for(dedupe_key: &str, domain: &str) -> String {
    let mut id = String::with_capacity(dedupe_key.len() + domain.len() + 12);
    id.push_str("<carepki.");
    for byte in dedupe_key.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            id.push(char::from(byte));
        } else {
            id.push_str(&format!("={byte:02X}"));
        }
    }
    id.push('@');
    id.push_str(domain);
    id.push('>');
    id
}

/// Whether a failed send should be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Transient,
    Permanent,
}

/// 5xx answers that say our configuration or the session is wrong (syntax,
/// authentication), not the mail: retried, so that fixing the settings
/// delivers the queue.
const CONFIGURATION_CODES: [u16; 9] = [500, 501, 502, 503, 504, 530, 534, 535, 538];

fn classify(error: &lettre::transport::smtp::Error) -> Verdict {
    if !error.is_permanent() {
        return Verdict::Transient;
    }
    let code = error
        .status()
        .and_then(|code| code.to_string().parse::<u16>().ok());
    match code {
        Some(code) if CONFIGURATION_CODES.contains(&code) => Verdict::Transient,
        _ => Verdict::Permanent,
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Outbox {
    /// A sender for `store`'s outbox through the SMTP server of `smtp`.
    /// Checks the settings; connects only when there is mail to send.
    pub fn new(store: Store, smtp: SmtpSettings, settings: OutboxSettings) -> Result<Self> {
        if settings.worker.trim().is_empty() {
            return Err(setting("outbox.worker", "is empty"));
        }
        if settings.lease_secs <= 0 {
            return Err(setting("outbox.lease_secs", "must be positive"));
        }
        if settings.max_attempts < 1 {
            return Err(setting("outbox.max_attempts", "must be at least 1"));
        }
        if settings.backoff.is_empty() || settings.backoff.iter().any(|&s| s <= 0) {
            return Err(setting(
                "outbox.backoff",
                "needs at least one positive delay",
            ));
        }
        let transport = transport(&smtp)?;
        Ok(Outbox {
            store,
            transport,
            from: smtp.from,
            settings,
            wake: Arc::new(Notify::new()),
        })
    }

    /// This sender's name (`claimed_by`).
    pub fn worker(&self) -> &str {
        &self.settings.worker
    }

    /// A handle that wakes [`Outbox::run`] at once (call `notify_one()` after
    /// queuing a mail), instead of at the next poll.
    pub fn waker(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// The message `mail` becomes, as sent at `now`: RFC 5322 bytes, with
    /// UTF-8 header fields encoded (RFC 2047), the text (and HTML alternative)
    /// and the attachments with their content types, and the Message-ID of
    /// [`message_id_for`]. Also how a mail can be shown or saved (`.eml`).
    pub fn render(&self, mail: &ClaimedMail, now: i64) -> Result<Vec<u8>> {
        Ok(self.message(mail, now)?.formatted())
    }

    fn message(&self, mail: &ClaimedMail, now: i64) -> Result<Message> {
        let bad = |reason: String| RaError::Mail {
            id: mail.id,
            reason,
        };
        let to: Mailbox = mail.recipient.parse().map_err(|e| {
            bad(format!(
                "recipient {:?} is not an address: {e}",
                mail.recipient
            ))
        })?;
        let date = UNIX_EPOCH + Duration::from_secs(u64::try_from(now).unwrap_or(0));
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .date(date)
            .message_id(Some(message_id_for(
                &mail.dedupe_key,
                self.from.email.domain(),
            )))
            // RFC 3834: an automatic notification; no vacation replies, please.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ));
        let text = SinglePart::plain(mail.body_text.clone());
        let message = match (&mail.body_html, mail.attachments.is_empty()) {
            (None, true) => builder.singlepart(text),
            (Some(html), true) => builder.multipart(MultiPart::alternative_plain_html(
                mail.body_text.clone(),
                html.clone(),
            )),
            (html, false) => {
                let mut mixed = match html {
                    Some(html) => MultiPart::mixed().multipart(MultiPart::alternative_plain_html(
                        mail.body_text.clone(),
                        html.clone(),
                    )),
                    None => MultiPart::mixed().singlepart(text),
                };
                for attachment in &mail.attachments {
                    let content_type =
                        ContentType::parse(&attachment.content_type).map_err(|e| {
                            bad(format!(
                                "content type {:?} of {:?}: {e}",
                                attachment.content_type, attachment.filename
                            ))
                        })?;
                    // Always base64: the file arrives byte for byte. Left to
                    // choose, lettre sends ASCII bytes (a PEM file) as 7bit with
                    // their bare LF line ends, which SMTP reads as one line: a
                    // certificate's PEM is over the 1000-octet limit (RFC 5321
                    // 4.5.3.1.6) and the server refuses the whole mail.
                    let body = Body::new_with_encoding(
                        attachment.bytes.clone(),
                        ContentTransferEncoding::Base64,
                    )
                    .map_err(|_| bad(format!("cannot encode {:?}", attachment.filename)))?;
                    mixed = mixed.singlepart(
                        Attachment::new(attachment.filename.clone()).body(body, content_type),
                    );
                }
                builder.multipart(mixed)
            }
        };
        message.map_err(|e| bad(e.to_string()))
    }

    /// Sends the mail that is due at `now`: claims one mail at a time (so a
    /// lease covers one send, not a batch), at most
    /// [`OutboxSettings::batch`], sends it and records the outcome before
    /// claiming the next. Returns what happened; fails only when the database
    /// does (a mail claimed but not yet recorded is then sent again after its
    /// lease, see the module docs).
    pub async fn run_once(&self, now: i64) -> Result<SendReport> {
        let mut report = SendReport::default();
        let worker = self.settings.worker.as_str();
        while report.claimed < self.settings.batch {
            let claimed = self
                .store
                .claim_due_mail(worker, now, self.settings.lease_secs, 1)
                .await?;
            if claimed.is_empty() {
                break;
            }
            for mail in &claimed {
                report.claimed += 1;
                self.deliver(mail, now, &mut report).await?;
            }
        }
        Ok(report)
    }

    /// Sends one claimed mail and records the outcome.
    async fn deliver(&self, mail: &ClaimedMail, now: i64, report: &mut SendReport) -> Result<()> {
        let worker = self.settings.worker.as_str();
        if mail.attempts > self.settings.max_attempts {
            // Claimed again after its sender died mid-send, too often.
            let error = format!(
                "given up after {} attempts; the last ones never finished (the sender stopped mid-send)",
                mail.attempts - 1
            );
            tracing::error!(id = mail.id, recipient = %mail.recipient, "mail given up");
            self.record_failure(mail, &error, None, now, report).await?;
            return Ok(());
        }
        let message = match self.message(mail, now) {
            Ok(message) => message,
            Err(e) => {
                tracing::error!(id = mail.id, error = %e, "mail cannot be built; giving it up");
                self.record_failure(mail, &e.to_string(), None, now, report)
                    .await?;
                return Ok(());
            }
        };
        match self.transport.send(message).await {
            Ok(_response) => {
                tracing::info!(id = mail.id, recipient = %mail.recipient, attempt = mail.attempts, "mail sent");
                match self.store.mark_mail_sent(mail.id, worker, now).await {
                    Ok(()) => report.sent += 1,
                    Err(StoreError::Conflict { what }) => {
                        tracing::warn!(id = mail.id, %what, "mail sent after this sender's lease ran out; it may arrive twice");
                        report.lease_lost += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) => {
                let error = e.to_string();
                let verdict = classify(&e);
                let retry_at = match verdict {
                    Verdict::Transient if mail.attempts < self.settings.max_attempts => {
                        Some(now.saturating_add(self.settings.retry_delay(mail.attempts)))
                    }
                    _ => None,
                };
                let error = match (verdict, retry_at) {
                    (Verdict::Transient, None) => {
                        format!("given up after {} attempts: {error}", mail.attempts)
                    }
                    _ => error,
                };
                match retry_at {
                    Some(at) => {
                        tracing::warn!(id = mail.id, recipient = %mail.recipient, %error, retry_at = at, "mail not sent; will retry")
                    }
                    None => {
                        tracing::error!(id = mail.id, recipient = %mail.recipient, %error, "mail failed permanently")
                    }
                }
                self.record_failure(mail, &error, retry_at, now, report)
                    .await?;
            }
        }
        Ok(())
    }

    async fn record_failure(
        &self,
        mail: &ClaimedMail,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
        report: &mut SendReport,
    ) -> Result<()> {
        let worker = self.settings.worker.as_str();
        match self
            .store
            .mark_mail_failed(mail.id, worker, error, retry_at, now)
            .await
        {
            Ok(()) if retry_at.is_some() => report.retrying += 1,
            Ok(()) => report.failed += 1,
            // Another sender took it over after our lease ran out: its attempt counts.
            Err(StoreError::Conflict { what }) => {
                tracing::warn!(id = mail.id, %what, "mail failure not recorded: lease lost");
                report.lease_lost += 1;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// The service loop: [`run_once`](Self::run_once) with the clock, then
    /// sleep until the next mail falls due, at most
    /// [`OutboxSettings::poll_interval`], or until [`waker`](Self::waker)
    /// is notified. Database errors are logged and retried at the next poll.
    /// Never returns; stop it by dropping (aborting) its task, which is safe at
    /// any point: a mail being sent then is claimed again after its lease.
    pub async fn run(self) {
        tracing::info!(worker = %self.settings.worker, "mail outbox started");
        loop {
            let now = unix_now();
            let pause = match self.run_once(now).await {
                Ok(report) if report.claimed >= self.settings.batch => Duration::ZERO,
                Ok(report) => {
                    if report.claimed > 0 {
                        tracing::debug!(?report, "mail outbox round");
                    }
                    match self.store.next_mail_due().await {
                        Ok(Some(due)) => {
                            let wait = u64::try_from(due.saturating_sub(unix_now())).unwrap_or(0);
                            Duration::from_secs(wait)
                                .clamp(Duration::from_millis(200), self.settings.poll_interval)
                        }
                        Ok(None) => self.settings.poll_interval,
                        Err(e) => {
                            tracing::warn!(error = %e, "mail outbox cannot read the queue");
                            self.settings.poll_interval
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "mail outbox round failed");
                    self.settings.poll_interval
                }
            };
            if !pause.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = self.wake.notified() => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_stable_and_valid() {
        let id = message_id_for("delivery:app-1:0a1b", "example.fi");
        assert_eq!(id, "<carepki.delivery=3Aapp-1=3A0a1b@example.fi>");
        assert_eq!(id, message_id_for("delivery:app-1:0a1b", "example.fi"));
        assert_ne!(id, message_id_for("delivery.app-1.0a1b", "example.fi"));
        let local = id.trim_matches(['<', '>']).split('@').next().unwrap_or("");
        assert!(
            local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_=.".contains(&b))
        );
        assert!(message_id_for("ä", "x").contains("=C3=A4"));
    }

    #[test]
    fn backoff_grows_then_stays() {
        let s = OutboxSettings::default();
        let delays: Vec<_> = (1..=7).map(|n| s.retry_delay(n)).collect();
        assert_eq!(delays, [60, 300, 1800, 7200, 21_600, 21_600, 21_600]);
        assert_eq!(s.retry_delay(0), 60);
    }

    #[test]
    fn passwords_stay_out_of_debug_and_clear_text() {
        let from: Mailbox = "CarePKI <noreply@example.fi>"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let mut smtp = SmtpSettings::new("mail.example.fi", 25, SmtpTls::None, from);
        smtp.username = Some("carepki".to_owned());
        smtp.password = Some("hunter2-secret".to_owned());
        assert!(!format!("{smtp:?}").contains("hunter2"));
        let err = transport(&smtp).map(|_| ()).unwrap_err();
        assert!(err.to_string().contains("clear text"), "{err}");
        smtp.host = "127.0.0.1".to_owned();
        assert!(transport(&smtp).is_ok());
        smtp.password = None;
        assert!(transport(&smtp).is_err());
    }
}

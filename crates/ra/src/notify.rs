//! The e-service's notification mails, in the recipient's language (issue 4,
//! points 7 and 8).
//!
//! A [`Notification`] says what happened; [`render`] makes it into a subject,
//! a plain-text body and attachments in Finnish, Swedish or English, from the
//! message files `crates/ra/locales/<lang>/mail.ftl` (compiled in, one
//! `carepki_i18n::Catalog`); [`enqueue`] queues it in the database outbox,
//! whence the [`Outbox`](crate::Outbox) sends it by SMTP.
//!
//! Every mail is: a greeting, the notification's text, the signature
//! delimiter `-- ` and a one-line signature that names the service and says
//! that the message is automatic. Times are Helsinki time in the language's
//! own format ([`carepki_i18n::format_datetime_long`]).
//!
//! # What the caller's strings can and cannot do
//!
//! The mail is plain text, so names and the officer's words go in as they are,
//! never escaped. But a value must not break out of its place:
//!
//! - the **subject** is one line whatever the values hold: line breaks and
//!   other control characters become spaces, Unicode bidirectional overrides
//!   are dropped, and each value is cut to [`MAX_SUBJECT_VALUE_CHARS`]
//!   characters, so no header can be injected and the store's limit holds;
//! - one-line values (organisation, names, serial, subject DN, link) are made
//!   one line in the body too, so that an organisation name cannot add lines
//!   that look like the service's own;
//! - the officer's message ([`Notification::MoreInfoNeeded`]) and a rejection's
//!   reason ([`Notification::Rejected`]) are shown verbatim, line breaks and
//!   all, in a paragraph of their own.

use std::fmt;
use std::sync::LazyLock;

use carepki_i18n::{Catalog, FluentArgs, I18nError, Lang, format_datetime_long};
use carepki_store::{EnqueueOutcome, MailAttachment, NewMail, Store};
use lettre::Address;
use lettre::message::Mailbox;

use crate::error::{RaError, Result};

/// The message files of the mail, compiled in: `locales/<lang>/mail.ftl`.
const FI: &str = include_str!("../locales/fi/mail.ftl");
const SV: &str = include_str!("../locales/sv/mail.ftl");
const EN: &str = include_str!("../locales/en/mail.ftl");
/// [`FI`], [`SV`] and [`EN`] as a catalog's sources.
const SOURCES: &[(Lang, &[&str])] = &[(Lang::Fi, &[FI]), (Lang::Sv, &[SV]), (Lang::En, &[EN])];

/// The longest a value inserted into a subject line may be, in characters;
/// longer ones are cut and end in `…`.
pub const MAX_SUBJECT_VALUE_CHARS: usize = 120;

/// The MIME type of a DER certificate (RFC 2585).
const DER_TYPE: &str = "application/pkix-cert";
/// The MIME type of a PEM file.
const PEM_TYPE: &str = "application/x-pem-file";

/// The mail's messages, built on first use.
fn catalog() -> &'static Catalog {
    static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(SOURCES));
    &CATALOG
}

/// Who gets a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The address, e.g. `"paivi.makela@example.fi"`.
    pub email: String,
    /// The name shown with the address, if known, e.g. `"Päivi Mäkelä"`.
    pub display_name: Option<String>,
    /// The user's language: `"fi"`, `"sv"` or `"en"` (a region subtag such as
    /// `"sv-FI"` is fine); anything else means Finnish.
    pub language: String,
}

/// A notification of the e-service (issue 4, point 7).
///
/// Times are Unix seconds; `profile` is a policy `ProfileId::as_str` (e.g.
/// `"server"`, `"test-system-signature"`); `link` is the page of the
/// e-service the mail points to. Its `Debug` shows the kind and the ids only:
/// an invitation's link is a secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Notification {
    /// An invitation to an organisation's customer account (R-ACCOUNT): the
    /// link works once and expires.
    Invitation {
        /// The organisation's long name.
        organisation: String,
        /// `"org-admin"`, `"org-user"` or `"technical-contact"`.
        role: String,
        /// The name of the person who invited.
        inviter: String,
        /// The single-use invitation link.
        link: String,
        /// When the link stops working.
        expires_at: i64,
    },
    /// An application was submitted (R-STAGES).
    ApplicationReceived {
        /// The application.
        application_id: i64,
        /// The certificate type.
        profile: String,
        /// The organisation's long name.
        organisation: String,
        /// The due date (R-SLA), once the application is complete.
        due_at: Option<i64>,
        /// The application's page.
        link: String,
    },
    /// The officer asks for more (R-STAGES; the application lapses after six
    /// months, R-LAPSE).
    MoreInfoNeeded {
        /// The application.
        application_id: i64,
        /// The certificate type.
        profile: String,
        /// The organisation's long name.
        organisation: String,
        /// The officer's words, shown verbatim.
        message: String,
        /// The application's page.
        link: String,
    },
    /// The application was rejected (R-STAGES).
    Rejected {
        /// The application.
        application_id: i64,
        /// The certificate type.
        profile: String,
        /// The organisation's long name.
        organisation: String,
        /// The officer's reason, shown verbatim.
        reason: String,
        /// The application's page.
        link: String,
    },
    /// The certificate was issued and is delivered with this mail
    /// (R-DELIVERY: DER and PEM attached, and the CA chain).
    Delivered {
        /// The application.
        application_id: i64,
        /// The certificate type.
        profile: String,
        /// The organisation's long name.
        organisation: String,
        /// The certificate's serial number, hex.
        serial: String,
        /// The certificate's subject, as text.
        subject: String,
        /// The end of the certificate's validity.
        not_after: i64,
        /// The certificate, DER.
        der: Vec<u8>,
        /// The certificate, PEM.
        pem: String,
        /// The issuing CA's chain, PEM.
        chain_pem: String,
        /// The page where the certificate can be downloaded.
        link: String,
    },
    /// An incomplete application pending over six months lapsed (R-LAPSE).
    Lapsed {
        /// The application.
        application_id: i64,
        /// The certificate type.
        profile: String,
        /// The organisation's long name.
        organisation: String,
        /// Since when the application was pending.
        pending_since: i64,
        /// The e-service's page for a new application.
        link: String,
    },
    /// A certificate was revoked (R-REVOKE-HOW: an email confirms it;
    /// R-REVOKE-WHEN: it cannot be undone).
    Revoked {
        /// The certificate's serial number, hex.
        serial: String,
        /// The certificate's subject, as text.
        subject: String,
        /// The organisation's long name.
        organisation: String,
        /// The RFC 5280 name of the reason, e.g. `"keyCompromise"`,
        /// `"cessationOfOperation"`, `"affiliationChanged"`, `"superseded"`,
        /// `"unspecified"`.
        reason: String,
        /// When it was revoked.
        revoked_at: i64,
    },
    /// A certificate expires within 30 days.
    ExpiringSoon {
        /// The certificate's serial number, hex.
        serial: String,
        /// The certificate's subject, as text.
        subject: String,
        /// The organisation's long name.
        organisation: String,
        /// The end of the certificate's validity.
        not_after: i64,
        /// The e-service's page for a new application.
        link: String,
    },
}

impl Notification {
    /// Every kind, in the order of the enum.
    pub const KINDS: [&'static str; 8] = [
        "invitation",
        "application-received",
        "more-info-needed",
        "rejected",
        "delivered",
        "lapsed",
        "revoked",
        "expiring-soon",
    ];

    /// The kind of notification: `"invitation"`, `"application-received"`,
    /// `"more-info-needed"`, `"rejected"`, `"delivered"`, `"lapsed"`,
    /// `"revoked"` or `"expiring-soon"` (also the prefix of its message ids).
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::Invitation { .. } => "invitation",
            Notification::ApplicationReceived { .. } => "application-received",
            Notification::MoreInfoNeeded { .. } => "more-info-needed",
            Notification::Rejected { .. } => "rejected",
            Notification::Delivered { .. } => "delivered",
            Notification::Lapsed { .. } => "lapsed",
            Notification::Revoked { .. } => "revoked",
            Notification::ExpiringSoon { .. } => "expiring-soon",
        }
    }

    /// The application the notification is about, if any.
    fn application_id(&self) -> Option<i64> {
        match self {
            Notification::ApplicationReceived { application_id, .. }
            | Notification::MoreInfoNeeded { application_id, .. }
            | Notification::Rejected { application_id, .. }
            | Notification::Delivered { application_id, .. }
            | Notification::Lapsed { application_id, .. } => Some(*application_id),
            Notification::Invitation { .. }
            | Notification::Revoked { .. }
            | Notification::ExpiringSoon { .. } => None,
        }
    }

    /// The certificate the notification is about, if any.
    fn serial(&self) -> Option<&str> {
        match self {
            Notification::Delivered { serial, .. }
            | Notification::Revoked { serial, .. }
            | Notification::ExpiringSoon { serial, .. } => Some(serial),
            _ => None,
        }
    }
}

impl fmt::Debug for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notification")
            .field("kind", &self.kind())
            .field("application_id", &self.application_id())
            .field("serial", &self.serial())
            .finish_non_exhaustive()
    }
}

/// A notification made into a mail.
///
/// Its `Debug` shows the subject, the size of the text and the attachments,
/// never the text (an invitation's carries a secret link).
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject: one line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The attachments, in order (only a delivery has any).
    pub attachments: Vec<MailAttachment>,
}

impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendered")
            .field("subject", &self.subject)
            .field("text_bytes", &self.text.len())
            .field("attachments", &self.attachments)
            .finish()
    }
}

/// `n` as a mail in `language` (`"fi"`, `"sv"`, `"en"`; anything else is
/// Finnish).
///
/// A message missing from a language's file falls back to Finnish (logged);
/// the tests prove none is missing.
pub fn render(n: &Notification, language: &str) -> Rendered {
    render_in(n, Lang::from_tag_or_default(language), &mut Vec::new())
}

/// Queues `n` for `to` in the outbox ([`Store::enqueue_mail`]) in the
/// recipient's language, durably and with a `mail.queue` audit event by
/// `actor` at `now`; `org_oid` and `serial` name what the mail is about in
/// the audit log.
///
/// Idempotent on `dedupe_key` (e.g. `"delivery:<application>:<serial>"`): a
/// key queued before answers [`EnqueueOutcome::AlreadyQueued`] and changes
/// nothing, so a retried or doubled call sends one mail. Fails with
/// [`RaError::Recipient`] for an address that is not one, and with the
/// store's error for a malformed key or a database failure.
#[allow(clippy::too_many_arguments)] // The call the e-service's handlers make; a struct would only rename the arguments.
pub async fn enqueue(
    store: &Store,
    to: &Recipient,
    n: &Notification,
    dedupe_key: &str,
    org_oid: Option<&str>,
    serial: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<EnqueueOutcome> {
    let recipient = mailbox(to)?;
    let rendered = render(n, &to.language);
    let mail = NewMail {
        dedupe_key: dedupe_key.to_owned(),
        recipient,
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: None,
        attachments: rendered.attachments,
        org_oid: org_oid.map(ToOwned::to_owned),
        serial: serial.map(ToOwned::to_owned),
    };
    Ok(store.enqueue_mail(&mail, actor, now).await?)
}

/// The `To` of `to`: `Name <address>`, the name quoted as RFC 5322 needs and
/// made one line.
fn mailbox(to: &Recipient) -> Result<String> {
    let address: Address = to.email.trim().parse().map_err(|e| RaError::Recipient {
        reason: format!("{:?} is not an email address: {e}", to.email),
    })?;
    let name = to
        .display_name
        .as_deref()
        .map(|name| one_line(name, MAX_SUBJECT_VALUE_CHARS))
        .filter(|name| !name.is_empty());
    Ok(Mailbox::new(name, address).to_string())
}

// ---------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------

/// A value given to the messages.
enum Value {
    /// A name, number or link: one line everywhere.
    Line(String),
    /// The officer's words: verbatim in the body, one line in a subject.
    Text(String),
}

/// The values of `n`'s messages in `lang`, by variable name.
fn values(n: &Notification, lang: Lang) -> Vec<(&'static str, Value)> {
    use Value::{Line, Text};
    let line = |s: &str| Line(s.to_owned());
    let when = |t: i64| Line(format_datetime_long(lang, t));
    let profile = |p: &str| Line(named(lang, "profile", p));
    let id = |a: i64| Line(a.to_string());
    match n {
        Notification::Invitation {
            organisation,
            role,
            inviter,
            link,
            expires_at,
        } => vec![
            ("organisation", line(organisation)),
            ("role", Line(named(lang, "role", role))),
            ("inviter", line(inviter)),
            ("link", line(link)),
            ("expires", when(*expires_at)),
        ],
        Notification::ApplicationReceived {
            application_id,
            profile: p,
            organisation,
            due_at,
            link,
        } => vec![
            ("application", id(*application_id)),
            ("profile", profile(p)),
            ("organisation", line(organisation)),
            ("has-due", line(if due_at.is_some() { "yes" } else { "no" })),
            ("due", due_at.map_or_else(|| line(""), when)),
            ("link", line(link)),
        ],
        Notification::MoreInfoNeeded {
            application_id,
            profile: p,
            organisation,
            message,
            link,
        } => vec![
            ("application", id(*application_id)),
            ("profile", profile(p)),
            ("organisation", line(organisation)),
            ("message", Text(message.clone())),
            ("link", line(link)),
        ],
        Notification::Rejected {
            application_id,
            profile: p,
            organisation,
            reason,
            link,
        } => vec![
            ("application", id(*application_id)),
            ("profile", profile(p)),
            ("organisation", line(organisation)),
            ("reason", Text(reason.clone())),
            ("link", line(link)),
        ],
        Notification::Delivered {
            application_id,
            profile: p,
            organisation,
            serial,
            subject,
            not_after,
            link,
            ..
        } => vec![
            ("application", id(*application_id)),
            ("profile", profile(p)),
            ("organisation", line(organisation)),
            ("serial", line(serial)),
            ("subject", line(subject)),
            ("until", when(*not_after)),
            ("link", line(link)),
        ],
        Notification::Lapsed {
            application_id,
            profile: p,
            organisation,
            pending_since,
            link,
        } => vec![
            ("application", id(*application_id)),
            ("profile", profile(p)),
            ("organisation", line(organisation)),
            ("since", when(*pending_since)),
            ("link", line(link)),
        ],
        Notification::Revoked {
            serial,
            subject,
            organisation,
            reason,
            revoked_at,
        } => vec![
            ("serial", line(serial)),
            ("subject", line(subject)),
            ("organisation", line(organisation)),
            ("reason", Line(named(lang, "reason", reason))),
            ("revoked", when(*revoked_at)),
        ],
        Notification::ExpiringSoon {
            serial,
            subject,
            organisation,
            not_after,
            link,
        } => vec![
            ("serial", line(serial)),
            ("subject", line(subject)),
            ("organisation", line(organisation)),
            ("until", when(*not_after)),
            ("link", line(link)),
        ],
    }
}

/// The name of `raw` (a profile, role or reason) in `lang`: the message
/// `<prefix>-<raw>`, or `raw` itself (one line) if there is none.
fn named(lang: Lang, prefix: &str, raw: &str) -> String {
    let id = format!("{prefix}-{raw}");
    if catalog().contains(lang, &id) {
        catalog().t(lang, &id)
    } else {
        one_line(raw, usize::MAX)
    }
}

/// The message `id` in `lang`; a problem is recorded in `problems` (for the
/// tests) and the text falls back as [`Catalog::translate`] does.
fn text(
    lang: Lang,
    id: &str,
    args: Option<&FluentArgs<'_>>,
    problems: &mut Vec<I18nError>,
) -> String {
    match catalog().try_message(lang, id, args) {
        Ok(text) => text,
        Err(problem) => {
            problems.push(problem);
            catalog().translate(lang, id, args)
        }
    }
}

/// [`render`] in `lang`, recording every message that is missing or cannot be
/// formatted in `problems`.
fn render_in(n: &Notification, lang: Lang, problems: &mut Vec<I18nError>) -> Rendered {
    let kind = n.kind();
    let values = values(n, lang);
    let mut subject_args = FluentArgs::new();
    let mut body_args = FluentArgs::new();
    for (name, value) in &values {
        let (subject, body) = match value {
            Value::Line(s) => (
                one_line(s, MAX_SUBJECT_VALUE_CHARS),
                one_line(s, usize::MAX),
            ),
            Value::Text(s) => (one_line(s, MAX_SUBJECT_VALUE_CHARS), s.clone()),
        };
        subject_args.set(*name, subject);
        body_args.set(*name, body);
    }
    let subject = text(
        lang,
        &format!("{kind}-subject"),
        Some(&subject_args),
        problems,
    );
    let body = text(lang, &format!("{kind}-body"), Some(&body_args), problems);
    let greeting = text(lang, "greeting", None, problems);
    let signature = text(lang, "signature", None, problems);
    Rendered {
        // The message's own text is one line; this makes sure of it.
        subject: one_line(&subject, usize::MAX),
        text: format!(
            "{greeting}

{body}

-- 
{signature}
"
        ),
        attachments: attachments(n),
    }
}

/// The files a notification carries: for a delivery the certificate as DER
/// and PEM and the CA chain as PEM (R-DELIVERY); nothing otherwise.
fn attachments(n: &Notification) -> Vec<MailAttachment> {
    let Notification::Delivered {
        serial,
        der,
        pem,
        chain_pem,
        ..
    } = n
    else {
        return Vec::new();
    };
    let file = |filename: String, content_type: &str, bytes: &[u8]| MailAttachment {
        filename,
        content_type: content_type.to_owned(),
        bytes: bytes.to_vec(),
    };
    vec![
        file(format!("{serial}.der"), DER_TYPE, der),
        file(format!("{serial}.pem"), PEM_TYPE, pem.as_bytes()),
        file(
            format!("{serial}-chain.pem"),
            PEM_TYPE,
            chain_pem.as_bytes(),
        ),
    ]
}

/// `s` as one line of at most `max_chars` characters: line breaks (also
/// U+2028, U+2029) and other control characters become spaces, runs of
/// spaces one, bidirectional formatting characters are dropped, the ends are
/// trimmed, and a longer text is cut and ends in `…`.
fn one_line(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_bidi_control(c) {
            continue;
        }
        let c = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            ' '
        } else {
            c
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    if out.chars().count() > max_chars {
        out = out.chars().take(max_chars.saturating_sub(1)).collect();
        out.truncate(out.trim_end().len());
        out.push('…');
    }
    out
}

/// The characters that reorder text (U+200E, U+200F, U+202A–U+202E,
/// U+2066–U+2069): a name with them could make a subject read otherwise
/// than it is.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One notification of each kind, and the variants of their options.
    fn samples() -> Vec<Notification> {
        let t = 1_795_435_500;
        let link = "https://carepki.test/hakemukset/42".to_owned();
        let org = "Äänekosken terveyskeskus".to_owned();
        let mut all = Vec::new();
        for role in ["org-admin", "org-user", "technical-contact"] {
            all.push(Notification::Invitation {
                organisation: org.clone(),
                role: role.to_owned(),
                inviter: "Päivi Mäkelä".to_owned(),
                link: link.clone(),
                expires_at: t,
            });
        }
        for due_at in [Some(t), None] {
            all.push(Notification::ApplicationReceived {
                application_id: 42,
                profile: "server".to_owned(),
                organisation: org.clone(),
                due_at,
                link: link.clone(),
            });
        }
        all.push(Notification::MoreInfoNeeded {
            application_id: 42,
            profile: "test-server".to_owned(),
            organisation: org.clone(),
            message: "Liittäkää CSR.".to_owned(),
            link: link.clone(),
        });
        all.push(Notification::Rejected {
            application_id: 42,
            profile: "system-signature".to_owned(),
            organisation: org.clone(),
            reason: "Verkkotunnus ei ole organisaation hallinnassa.".to_owned(),
            link: link.clone(),
        });
        all.push(Notification::Delivered {
            application_id: 42,
            profile: "test-system-signature".to_owned(),
            organisation: org.clone(),
            serial: "0a1b2c".to_owned(),
            subject: "CN=palvelin.example.fi".to_owned(),
            not_after: t,
            der: vec![0x30, 0x82, 0x00],
            pem: "-----BEGIN CERTIFICATE-----\n".to_owned(),
            chain_pem: "-----BEGIN CERTIFICATE-----\n".to_owned(),
            link: link.clone(),
        });
        all.push(Notification::Lapsed {
            application_id: 42,
            profile: "email".to_owned(),
            organisation: org.clone(),
            pending_since: t,
            link: link.clone(),
        });
        for reason in [
            "unspecified",
            "keyCompromise",
            "affiliationChanged",
            "superseded",
            "cessationOfOperation",
        ] {
            all.push(Notification::Revoked {
                serial: "0a1b2c".to_owned(),
                subject: "CN=palvelin.example.fi".to_owned(),
                organisation: org.clone(),
                reason: reason.to_owned(),
                revoked_at: t,
            });
        }
        all.push(Notification::ExpiringSoon {
            serial: "0a1b2c".to_owned(),
            subject: "CN=palvelin.example.fi".to_owned(),
            organisation: org,
            not_after: t,
            link,
        });
        all
    }

    #[test]
    fn the_embedded_files_parse_without_errors() {
        let catalog = Catalog::try_new(SOURCES);
        assert!(catalog.is_ok(), "{:?}", catalog.err());
    }

    #[test]
    fn every_notification_formats_without_a_fluent_error_in_every_language() {
        let samples = samples();
        let kinds: std::collections::BTreeSet<_> = samples.iter().map(Notification::kind).collect();
        assert_eq!(kinds.len(), Notification::KINDS.len());
        for n in &samples {
            for lang in Lang::ALL {
                let mut problems = Vec::new();
                let r = render_in(n, lang, &mut problems);
                assert!(problems.is_empty(), "{lang} {}: {problems:?}", n.kind());
                assert!(!r.subject.is_empty() && !r.text.is_empty());
            }
        }
    }

    #[test]
    fn profiles_roles_and_reasons_have_names_in_every_language() {
        for lang in Lang::ALL {
            for (prefix, raw) in [
                ("profile", "server"),
                ("profile", "test-server"),
                ("profile", "system-signature"),
                ("profile", "test-system-signature"),
                ("profile", "email"),
                ("role", "org-admin"),
                ("role", "org-user"),
                ("role", "technical-contact"),
                ("reason", "keyCompromise"),
            ] {
                assert_ne!(named(lang, prefix, raw), raw, "{lang} {prefix}-{raw}");
            }
            // An unknown one is shown as it is, on one line.
            assert_eq!(named(lang, "profile", "qualified\nseal"), "qualified seal");
            assert_eq!(named(lang, "reason", "removeFromCRL"), "removeFromCRL");
        }
    }

    #[test]
    fn one_line_flattens_breaks_and_bidi_controls_and_cuts() {
        assert_eq!(one_line("a\r\nBcc: x@y", 100), "a Bcc: x@y");
        assert_eq!(one_line("  a\t\tb \u{2028} c\u{0}  ", 100), "a b c");
        assert_eq!(one_line("abc\u{202E}def\u{2066}", 100), "abcdef");
        assert_eq!(one_line("Äänekoski", 4), "Ään…");
        assert_eq!(one_line("ab cd", 4), "ab…");
        assert_eq!(one_line("", 4), "");
        assert_eq!(
            one_line("Helsingin  VI apteekki", usize::MAX),
            "Helsingin VI apteekki"
        );
    }

    #[test]
    fn the_recipient_is_quoted_and_parses_back() {
        for name in [
            Some("Päivi Mäkelä"),
            Some("Mäkelä, Päivi \"IT\""),
            Some("Evil\r\nBcc: victim@example.org"),
            Some("   "),
            None,
        ] {
            let to = Recipient {
                email: " paivi.makela@example.fi ".to_owned(),
                display_name: name.map(ToOwned::to_owned),
                language: "fi".to_owned(),
            };
            let text = mailbox(&to).unwrap();
            assert!(!text.contains(['\r', '\n']), "{text:?}");
            let parsed: Mailbox = text.parse().unwrap();
            assert_eq!(parsed.email.to_string(), "paivi.makela@example.fi");
            let want = name
                .map(|n| one_line(n, usize::MAX))
                .filter(|n| !n.is_empty());
            assert_eq!(parsed.name, want, "{text:?}");
        }
        let bad = Recipient {
            email: "not an address".to_owned(),
            display_name: None,
            language: "fi".to_owned(),
        };
        assert!(matches!(mailbox(&bad), Err(RaError::Recipient { .. })));
    }

    #[test]
    fn debug_shows_no_link_nor_text() {
        let n = &samples()[0];
        let debug = format!("{n:?}");
        assert!(debug.contains("invitation"), "{debug}");
        assert!(!debug.contains("carepki.test"), "{debug}");
        let debug = format!("{:?}", render(n, "fi"));
        assert!(!debug.contains("carepki.test"), "{debug}");
    }
}

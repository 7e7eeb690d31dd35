#![forbid(unsafe_code)]
//! The CarePKI e-service domain (the registration authority): organisations'
//! customer accounts, applications, delivery and notifications (issue 4).
//!
//! For now it holds the notifications ([`notify`]): made into mail in the
//! recipient's language (Finnish, Swedish or English, from this crate's own
//! message files through `carepki-i18n`) and queued in the database outbox
//! ([`carepki_store::Store::enqueue_mail`]) by whoever decides to send them;
//! and the mail sender ([`mail`]): an [`Outbox`] sends them by SMTP, with
//! retries, never twice on purpose, and surviving restarts (R-DELIVERY).

pub mod cards;
mod error;
pub mod eservice;
pub mod mail;
pub mod notify;

pub use error::{RaError, Result};
pub use mail::{
    DEFAULT_BACKOFF, Mailbox, Outbox, OutboxSettings, SendReport, SmtpSettings, SmtpTls,
    message_id_for,
};
pub use notify::{Notification, Recipient, Rendered, enqueue, render};

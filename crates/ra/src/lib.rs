#![forbid(unsafe_code)]
//! The CarePKI e-service domain (the registration authority): organisations'
//! customer accounts, applications, delivery and notifications (issue 4).
//!
//! For now it holds the mail sender ([`mail`]): notifications are queued in
//! the database outbox ([`carepki_store::Store::enqueue_mail`]) by whoever
//! decides to send them, and an [`Outbox`] sends them by SMTP, with retries,
//! never twice on purpose, and surviving restarts (R-DELIVERY).

mod error;
pub mod eservice;
pub mod mail;
pub mod notify;

pub use error::{RaError, Result};
pub use mail::{
    DEFAULT_BACKOFF, Mailbox, Outbox, OutboxSettings, SendReport, SmtpSettings, SmtpTls,
    message_id_for,
};

#![forbid(unsafe_code)]
//! The languages of CarePKI: Finnish (the default), Swedish (as written in
//! Finland) and English (issue 4, point 8).
//!
//! This crate holds what every user of a language needs and nothing that is
//! particular to one of them:
//!
//! - [`Lang`], the three languages and how a language tag names one;
//! - [`Catalog`], Fluent bundles (fluent-bundle 0.16) built from message files
//!   that the *user crate* embeds at compile time and hands over as
//!   `&[(Lang, &[&str])]`; a crate keeps its catalog in a `LazyLock`. The pages
//!   (`carepki-web`) and the mail (`carepki-ra`) each have their own files;
//! - lookup with a fallback to Finnish ([`Catalog::translate`]) and a strict
//!   lookup for tests ([`Catalog::try_message`]);
//! - dates in Helsinki time and numbers, the local way ([`format_datetime`],
//!   [`format_datetime_long`], [`format_date`], [`format_date_long`],
//!   [`format_number`], [`format_decimal`]), and [`parse_rfc3339`].
//!
//! Choosing the language of an HTTP request stays in `carepki-web`.
//!
//! # Isolation marks
//!
//! Fluent by default wraps every inserted value in the Unicode isolation marks
//! U+2068 and U+2069, for right-to-left scripts. None of our languages needs
//! them, and in plain-text mail and in HTML attributes they are invisible
//! garbage that breaks copying a serial number or a link; every bundle is built
//! with them off.

mod catalog;
mod error;
mod format;
mod inventory;
mod lang;

pub use catalog::{Catalog, MISSING_MARK};
pub use error::I18nError;
pub use fluent_bundle::{FluentArgs, FluentValue};
pub use format::{
    format_date, format_date_long, format_datetime, format_datetime_long, format_decimal,
    format_number, parse_rfc3339,
};
pub use inventory::{Inventory, inventory};
pub use lang::Lang;

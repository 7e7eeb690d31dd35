//! Pure policy for CarePKI: the ceremony file (names, OIDs, URLs), the two CA
//! hierarchies, the service-certificate profiles with the check of a request against
//! them and the profile lints, the card-certificate profiles (`card`) likewise, the
//! organisation register's rules, and the professional registers (Terhikki, Suosikki).
//!
//! No I/O and no clock: callers pass files' contents and times in.
#![forbid(unsafe_code)]

pub mod application;
pub mod calendar;
pub mod card;
pub mod ceremony;
pub mod hierarchy;
pub mod org;
pub mod profile;
pub mod registers;

pub use card::{CardKind, CardProfile, KeyRole};
pub use ceremony::Ceremony;
pub use hierarchy::{CaRole, Hierarchy};
pub use profile::ProfileId;

/// Why policy refused something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The ceremony file is invalid; the message names the field.
    #[error("{0}")]
    Ceremony(String),
    /// A request broke its profile; every problem found is listed.
    #[error("request refused: {}", .0.join("; "))]
    Rejected(Vec<String>),
}

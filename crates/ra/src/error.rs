//! The e-service's single error type.

use carepki_store::StoreError;

/// The result type of every fallible call of this crate.
pub type Result<T, E = RaError> = std::result::Result<T, E>;

/// Everything that can go wrong in the e-service.
///
/// Messages never carry secrets: no SMTP password, no mail body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RaError {
    /// A setting is missing, malformed or unsafe.
    #[error("invalid setting {setting}: {reason}")]
    Settings {
        /// The setting, e.g. `"smtp.password"`.
        setting: &'static str,
        /// What is wrong, and how to fix it.
        reason: String,
    },

    /// A queued mail cannot be made into a message (for example, its
    /// recipient is not a valid address).
    #[error("mail {id} cannot be built: {reason}")]
    Mail {
        /// The outbox row.
        id: i64,
        /// What is wrong with it.
        reason: String,
    },

    /// A notification's recipient is not a valid email address.
    #[error("invalid recipient: {reason}")]
    Recipient {
        /// What is wrong with it.
        reason: String,
    },

    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

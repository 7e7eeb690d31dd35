//! The store's single error type.

use sqlx::error::ErrorKind;

/// The result type of every fallible store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything that can go wrong in the store.
///
/// Messages name what is wrong (a serial, a state, an identifier) but never
/// carry secrets: database URLs are shown with their password removed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL names no supported backend, or asks for something the
    /// store does not support (such as an in-memory SQLite database).
    #[error("unsupported database URL: {reason}")]
    UnsupportedUrl {
        /// What is wrong with the URL.
        reason: String,
    },

    /// The database could not be opened.
    #[error("cannot open the database {target}: {source}")]
    Connect {
        /// The database URL with any password removed.
        target: String,
        /// The underlying driver error.
        #[source]
        source: sqlx::Error,
    },

    /// Applying the embedded schema migrations failed (for example, an applied
    /// migration was edited after the fact).
    #[error("database migration failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),

    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),

    /// The database rejected a change because it violates a constraint of the
    /// schema (a CHECK, a foreign key, a uniqueness or NOT NULL rule).
    #[error("the database rejected the change: {message}")]
    Constraint {
        /// The database's description of the violated constraint.
        message: String,
    },

    /// A serial number is already reserved (serial numbers are never reused).
    #[error("serial {serial} is already in use")]
    DuplicateSerial {
        /// The serial number, lower-case hex.
        serial: String,
    },

    /// A serial number is not in the state the operation requires.
    #[error("serial {serial} is {found}, expected {expected}")]
    SerialState {
        /// The serial number, lower-case hex.
        serial: String,
        /// The state(s) the operation requires.
        expected: String,
        /// The state the serial is in.
        found: String,
    },

    /// A certificate record is not in the status the operation requires.
    #[error("certificate {serial} is {found}, expected {expected}")]
    CertificateState {
        /// The serial number, lower-case hex.
        serial: String,
        /// The status(es) the operation requires.
        expected: String,
        /// The status the certificate is in.
        found: String,
    },

    /// The certificate is already revoked.
    #[error(
        "certificate {serial} is already revoked (since {}); revocation is final and cannot be repeated or undone",
        format_unix(*since)
    )]
    AlreadyRevoked {
        /// The serial number, lower-case hex.
        serial: String,
        /// When it was revoked, unix seconds UTC.
        since: i64,
    },

    /// The public key of a new certificate is already bound to a revoked
    /// certificate or to another organisation's certificate: a key belongs to one
    /// organisation and is never certified again after a revocation.
    #[error(
        "this public key belongs to {} certificate {serial}",
        if *.revoked { "revoked" } else { "another organisation's" }
    )]
    KeyInUse {
        /// The certificate that holds the key.
        serial: String,
        /// Whether that certificate is revoked (otherwise it belongs to another
        /// organisation).
        revoked: bool,
    },

    /// The public key is on a card, or a card's new certificate would certify a key
    /// that another certificate already holds: a card's keys are certified once, for
    /// one role of one card (R-CARD-CERTS).
    #[error(
        "this public key is already certified in certificate {serial}; a card's keys are certified once, for one role of one card"
    )]
    CardKeyInUse {
        /// The certificate that holds the key.
        serial: String,
    },

    /// The card already has certificates that are pending, valid or revoked: a card
    /// holds one pair, and a new card gets a new id.
    #[error("card {card_id} already has certificates; a new card needs a new card id")]
    CardExists {
        /// The card's id.
        card_id: String,
    },

    /// The organisation record a certificate was built from changed before the
    /// certificate's record was stored; build it again from the current record.
    #[error("organisation {oid} changed in the register while the certificate was prepared")]
    OrganisationChanged {
        /// The organisation's OID.
        oid: String,
    },

    /// The change conflicts with what is stored (for example, a CRL number
    /// that is not above the last one).
    #[error("{what}")]
    Conflict {
        /// What conflicts, and why.
        what: String,
    },

    /// A record the operation needs does not exist.
    #[error("{what} {key} not found")]
    NotFound {
        /// The kind of record ("serial", "certificate", "CA", "organisation").
        what: &'static str,
        /// Its key.
        key: String,
    },

    /// An argument is malformed.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The argument or field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A value read from the database cannot be decoded (for example, a JSON
    /// column that does not hold the expected JSON).
    #[error("corrupt data in the database: {what}")]
    CorruptData {
        /// What could not be decoded, and where.
        what: String,
    },

    /// A write was executed but its commit could not be confirmed (the COMMIT
    /// failed, or the connection broke before it). The change is most likely
    /// not in the database, but on a broken connection that cannot be known.
    #[error("the write could not be confirmed as committed: {reason}")]
    WriteNotConfirmed {
        /// Why the commit failed.
        reason: String,
    },

    /// The store's writer thread could not be started.
    #[error("cannot start the store's writer thread: {source}")]
    WriterStart {
        /// Why the thread could not be spawned.
        #[source]
        source: std::io::Error,
    },

    /// The store's writer task is not running: the store was closed, or the
    /// task stopped unexpectedly. No write is accepted.
    #[error("the store's writer is not running (the store is closed or its writer failed)")]
    WriterUnavailable,
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            match db.kind() {
                ErrorKind::UniqueViolation
                | ErrorKind::ForeignKeyViolation
                | ErrorKind::NotNullViolation
                | ErrorKind::CheckViolation => {
                    return StoreError::Constraint {
                        message: db.message().to_owned(),
                    };
                }
                _ => {}
            }
        }
        StoreError::Database(err)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migrate(err)
    }
}

/// Whether `err` is a foreign-key violation reported by the database.
pub(crate) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.kind() == ErrorKind::ForeignKeyViolation)
}

/// `2026-11-23T01:02:03Z` for unix seconds (the number itself if out of range).
pub(crate) fn format_unix(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| at.to_string())
}

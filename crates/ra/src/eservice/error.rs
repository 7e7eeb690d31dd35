//! What the e-service answers when it refuses or fails: a kind (which HTTP
//! status it becomes), a stable code (which translated message the pages and
//! mails show, and which problem type the API names) and an English detail
//! that says what is wrong and how to fix it.

use std::fmt;

use carepki_ca::CaError;
use carepki_policy::application::ApplicationError;
use carepki_store::StoreError;
use serde::Serialize;

/// Which kind of refusal or failure, and so which HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Not there, or not his to see (the two are not told apart, so nobody learns
    /// what another organisation has): 404.
    NotFound,
    /// He may see it but not do this: 403.
    Forbidden,
    /// The input is wrong: 422.
    Invalid,
    /// It changed meanwhile, was done already, or is in the wrong state: 409.
    Conflict,
    /// An upload is too large: 413.
    TooLarge,
    /// An upload is of the wrong type: 415.
    UnsupportedType,
    /// The service failed (database, keys); nothing was half-stored: 503.
    Unavailable,
}

impl ErrorKind {
    /// The HTTP status code.
    pub fn status(self) -> u16 {
        match self {
            Self::NotFound => 404,
            Self::Forbidden => 403,
            Self::Invalid => 422,
            Self::Conflict => 409,
            Self::TooLarge => 413,
            Self::UnsupportedType => 415,
            Self::Unavailable => 503,
        }
    }
}

/// A refusal or failure of the e-service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsError {
    /// The kind.
    pub kind: ErrorKind,
    /// A stable identifier, e.g. `"csr.profile"` or `"application.edit_after_submit"`:
    /// the pages translate it (`error-<code with . and _ as ->` in Fluent) and
    /// fall back to `detail`.
    pub code: &'static str,
    /// What is wrong and how to fix it, in English.
    pub detail: String,
    /// Each problem found, when there are several (a CSR that breaks its profile
    /// in three ways), in English.
    pub problems: Vec<String>,
}

impl EsError {
    /// A refusal of `kind` with `code` and `detail`.
    pub fn new(kind: ErrorKind, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            detail: detail.into(),
            problems: Vec::new(),
        }
    }

    /// Not found (or not his).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "not_found",
            format!(
                "{what} does not exist, or it is not yours to see: check the number, and \
                 the organisation you act for"
            ),
        )
    }

    /// Not allowed in his role.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, code, detail)
    }

    /// Wrong input.
    pub fn invalid(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, detail)
    }

    /// With the list of problems.
    pub fn with_problems(mut self, problems: Vec<String>) -> Self {
        self.problems = problems;
        self
    }

    pub(crate) fn unavailable(e: impl fmt::Display) -> Self {
        tracing::error!(error = %e, "e-service: internal failure");
        Self::new(
            ErrorKind::Unavailable,
            "unavailable",
            "the service could not complete the request and stored nothing of it; try \
             again in a moment",
        )
    }
}

impl fmt::Display for EsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)?;
        if !self.problems.is_empty() {
            write!(f, ": {}", self.problems.join("; "))?;
        }
        Ok(())
    }
}

impl std::error::Error for EsError {}

impl From<StoreError> for EsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => {
                Self::new(ErrorKind::Conflict, "conflict", e.to_string())
            }
            StoreError::AlreadyRevoked { .. } => Self::new(
                ErrorKind::Conflict,
                "certificate.already_revoked",
                e.to_string(),
            ),
            StoreError::KeyInUse { .. } => Self::invalid("csr.key_reused", e.to_string()),
            StoreError::InvalidInput { .. } => Self::invalid("invalid", e.to_string()),
            StoreError::NotFound { .. } => {
                Self::new(ErrorKind::NotFound, "not_found", e.to_string())
            }
            other => Self::unavailable(other),
        }
    }
}

impl From<ApplicationError> for EsError {
    fn from(e: ApplicationError) -> Self {
        let kind = match &e {
            ApplicationError::Forbidden { .. } => ErrorKind::Forbidden,
            ApplicationError::OtherOrganisation | ApplicationError::NotInvited => {
                ErrorKind::NotFound
            }
            ApplicationError::InvalidMessage
            | ApplicationError::InvalidReason
            | ApplicationError::InvalidSerial
            | ApplicationError::NotReady { .. } => ErrorKind::Invalid,
            _ => ErrorKind::Conflict,
        };
        let problems = match &e {
            ApplicationError::NotReady { missing } => {
                missing.iter().map(ToString::to_string).collect()
            }
            _ => Vec::new(),
        };
        Self {
            kind,
            code: e.code(),
            detail: e.to_string(),
            problems,
        }
    }
}

impl From<CaError> for EsError {
    fn from(e: CaError) -> Self {
        match e {
            CaError::Policy(carepki_policy::PolicyError::Rejected(problems)) => Self::new(
                ErrorKind::Invalid,
                "csr.profile",
                "the certificate request does not fit the certificate type",
            )
            .with_problems(problems),
            CaError::Csr(e) => Self::invalid("csr.malformed", format!("certificate request: {e}")),
            CaError::KeyReused(msg) => Self::invalid("csr.key_reused", msg),
            CaError::UnknownOrganisation(oid) => Self::new(
                ErrorKind::Invalid,
                "organisation.not_registered",
                format!("organisation {oid} is not in the SOTE organisation register (R-ELIGIBLE)"),
            ),
            CaError::InvalidInput(msg) => {
                Self::new(ErrorKind::Conflict, "certificate.invalid", msg)
            }
            CaError::Store(e) => e.into(),
            other => Self::unavailable(other),
        }
    }
}

impl From<crate::RaError> for EsError {
    fn from(e: crate::RaError) -> Self {
        match e {
            crate::RaError::Store(e) => e.into(),
            other => Self::unavailable(other),
        }
    }
}

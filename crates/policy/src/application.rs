//! The service-certificate application: its states, who may move it and when it lapses
//! (R-STAGES, R-CSR, R-SYSSIG-APPLICANT, R-CONFORMITY, R-SLA, R-LAPSE).
//!
//! The e-service keeps an application's [`ApplicationFacts`], and every change goes
//! through [`transition`]: it checks the actor's role and organisation, the state, and
//! what the action needs, and returns the application as it is afterwards together
//! with the [`TimelineEvent`] the applicant sees (R-STAGES). Nothing here stores,
//! sends or reads the clock: `now` is passed in.
//!
//! ```text
//!  Draft ──Submit──▶ Submitted ──StartReview──▶ InReview ──Approve (×1 or ×2)──▶ Approved
//!    │                ▲    │                       │                                │
//!    │     ProvideInfo│    │RequestMoreInfo        │RequestMoreInfo          MarkIssued
//!    │                │    ▼                       ▼                                ▼
//!    │               Incomplete ◀──────────────────┘                             Issued
//!    │                                                                              │
//!    ├─Withdraw──▶ Withdrawn                                               MarkDelivered
//!    └─Lapse (Draft, Incomplete: R-LAPSE) ──▶ Lapsed                               ▼
//!  Reject (Submitted, Incomplete, InReview, Approved) ──▶ Rejected              Delivered
//! ```
//!
//! Delivered, Rejected, Lapsed and Withdrawn are final.
//!
//! Who may act ([`Role::may`]): the organisation administrator and organisation user
//! of the applying organisation edit, attach, submit, answer and withdraw; an invited
//! technical contact only attaches the CSR (R-CSR); a CA officer reviews, asks for
//! more, approves and rejects; the CA officer or the system (the issuance cycle and
//! the mail outbox) mark issuance and delivery; only the system lets an application
//! lapse; an auditor reads and changes nothing.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::calendar::{self, CalendarError};
use crate::org::{Organisation, Sector};
use crate::profile::{ProfileId, Purpose};

/// Months after which a draft or incomplete application lapses (R-LAPSE).
pub const LAPSE_MONTHS: u32 = 6;

/// What the technical contact's organisation field reads when a Kanta intermediary
/// applies for a system signature certificate in its own name (R-SYSSIG-APPLICANT).
pub const KANTA_PROVIDER: &str = "Kanta provider";

/// The longest officer's message or rejection reason, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// The longest serial number, in hexadecimal digits (20 octets, RFC 5280).
const MAX_SERIAL_HEX: usize = 40;

/// Where an application is, with the officer's words where there are some (R-STAGES).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum State {
    /// Being written by the applicant; never submitted.
    Draft,
    /// Submitted and complete as far as the e-service can tell; waiting for an officer.
    Submitted,
    /// An officer asked for more information; the applicant may change it again.
    Incomplete {
        /// What the officer asked for.
        message: String,
    },
    /// An officer is reviewing it.
    InReview,
    /// Approved by enough officers; the certificate is to be issued.
    Approved,
    /// The certificate has been issued.
    Issued,
    /// The certificate has been delivered (R-DELIVERY). Final.
    Delivered,
    /// Refused by an officer. Final.
    Rejected {
        /// Why, as the applicant sees it.
        reason: String,
    },
    /// Lapsed after 6 months while a draft or incomplete (R-LAPSE). Final.
    Lapsed,
    /// Withdrawn by the applicant while a draft. Final.
    Withdrawn,
}

impl State {
    /// The state without its text.
    pub fn kind(&self) -> StateKind {
        match self {
            Self::Draft => StateKind::Draft,
            Self::Submitted => StateKind::Submitted,
            Self::Incomplete { .. } => StateKind::Incomplete,
            Self::InReview => StateKind::InReview,
            Self::Approved => StateKind::Approved,
            Self::Issued => StateKind::Issued,
            Self::Delivered => StateKind::Delivered,
            Self::Rejected { .. } => StateKind::Rejected,
            Self::Lapsed => StateKind::Lapsed,
            Self::Withdrawn => StateKind::Withdrawn,
        }
    }
}

/// An application's state without the officer's text: what is stored and matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateKind {
    /// See [`State::Draft`].
    Draft,
    /// See [`State::Submitted`].
    Submitted,
    /// See [`State::Incomplete`].
    Incomplete,
    /// See [`State::InReview`].
    InReview,
    /// See [`State::Approved`].
    Approved,
    /// See [`State::Issued`].
    Issued,
    /// See [`State::Delivered`].
    Delivered,
    /// See [`State::Rejected`].
    Rejected,
    /// See [`State::Lapsed`].
    Lapsed,
    /// See [`State::Withdrawn`].
    Withdrawn,
}

impl StateKind {
    /// Every state, in the order of the timeline.
    pub const ALL: [StateKind; 10] = [
        StateKind::Draft,
        StateKind::Submitted,
        StateKind::Incomplete,
        StateKind::InReview,
        StateKind::Approved,
        StateKind::Issued,
        StateKind::Delivered,
        StateKind::Rejected,
        StateKind::Lapsed,
        StateKind::Withdrawn,
    ];

    /// The state's stable name, e.g. `"in-review"`, as stored and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Incomplete => "incomplete",
            Self::InReview => "in-review",
            Self::Approved => "approved",
            Self::Issued => "issued",
            Self::Delivered => "delivered",
            Self::Rejected => "rejected",
            Self::Lapsed => "lapsed",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// The state with this stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether nothing can happen to the application any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Rejected | Self::Lapsed | Self::Withdrawn
        )
    }

    /// Whether the application counts towards the delivery time (R-SLA): it is complete
    /// and with the CA, not yet delivered.
    pub fn in_sla(self) -> bool {
        matches!(
            self,
            Self::Submitted | Self::InReview | Self::Approved | Self::Issued
        )
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Draft => "a draft",
            Self::InReview => "in review",
            other => other.as_str(),
        })
    }
}

/// What a user or job does in the e-service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Administers the organisation's customer account (R-ACCOUNT).
    OrgAdmin,
    /// An e-service user of the organisation (R-ACCOUNT).
    OrgUser,
    /// A technical contact (often an IT vendor) invited to specific applications (R-CSR).
    TechnicalContact,
    /// Decides applications.
    CaOfficer,
    /// Reads everything, changes nothing.
    Auditor,
    /// The e-service's own scheduled jobs, the issuance cycle and the mail outbox.
    System,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::OrgAdmin,
        Role::OrgUser,
        Role::TechnicalContact,
        Role::CaOfficer,
        Role::Auditor,
        Role::System,
    ];

    /// The role's stable name, e.g. `"org-admin"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrgAdmin => "org-admin",
            Self::OrgUser => "org-user",
            Self::TechnicalContact => "technical-contact",
            Self::CaOfficer => "ca-officer",
            Self::Auditor => "auditor",
            Self::System => "system",
        }
    }

    /// Whether this role may ever take `action` (the state and the organisation are
    /// checked separately, by [`transition`]).
    pub fn may(self, action: ActionKind) -> bool {
        use ActionKind as A;
        match self {
            Self::OrgAdmin | Self::OrgUser => matches!(
                action,
                A::Edit
                    | A::AttachCsr
                    | A::AttachConformity
                    | A::Submit
                    | A::Withdraw
                    | A::ProvideInfo
            ),
            Self::TechnicalContact => action == A::AttachCsr,
            Self::CaOfficer => matches!(
                action,
                A::RequestMoreInfo
                    | A::StartReview
                    | A::Approve
                    | A::Reject
                    | A::MarkIssued
                    | A::MarkDelivered
            ),
            Self::Auditor => false,
            Self::System => matches!(action, A::MarkIssued | A::MarkDelivered | A::Lapse),
        }
    }

    /// Whether the role acts for the applying organisation (and must match it).
    fn is_organisation_role(self) -> bool {
        matches!(
            self,
            Self::OrgAdmin | Self::OrgUser | Self::TechnicalContact
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OrgAdmin => "an organisation administrator",
            Self::OrgUser => "an organisation user",
            Self::TechnicalContact => "a technical contact",
            Self::CaOfficer => "a CA officer",
            Self::Auditor => "an auditor",
            Self::System => "the system",
        })
    }
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's stable, pseudonymous id in the e-service (never the national
    /// identity code), or the job's name for [`Role::System`]. The two-officer rule
    /// compares these.
    pub id: String,
    /// The role the user acts in.
    pub role: Role,
    /// The OID of the organisation the user acts for; needed by the organisation roles,
    /// ignored for the others.
    pub organisation: Option<String>,
}

/// On what ground an organisation applies for a system signature certificate
/// (R-SYSSIG-APPLICANT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyssigBasis {
    /// The applicant administers the information system, even if its operation is
    /// outsourced.
    AdministersSystem,
    /// The applicant is a Kanta intermediary applying in its own name; the technical
    /// contact's organisation then reads [`KANTA_PROVIDER`].
    KantaIntermediaryOwnName,
}

/// One officer's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The officer's [`Actor::id`].
    pub officer: String,
    /// When, in Unix seconds.
    pub at: i64,
}

/// What the policy needs to know about an application. The e-service stores it, and
/// takes `sector` and `kanta_intermediary` from the organisation register. It is
/// stored as JSON (serde), which is why every field has a stable serialised name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationFacts {
    /// The certificate type applied for.
    pub profile: ProfileId,
    /// The applying organisation's OID.
    pub org_oid: String,
    /// Public or private, from the register (R-CONFORMITY).
    pub sector: Sector,
    /// Whether the register lists the applicant as a Kanta intermediary
    /// (R-SYSSIG-APPLICANT).
    pub kanta_intermediary: bool,
    /// For a system signature certificate: the applicant's declared ground.
    pub syssig_basis: Option<SyssigBasis>,
    /// The [`Actor::id`]s of the technical contacts invited to this application.
    pub technical_contacts: Vec<String>,
    /// Whether a CSR that passed the profile check is attached (R-CSR).
    pub csr_attached: bool,
    /// Whether a certificate of conformity is attached (R-CONFORMITY).
    pub conformity_attached: bool,
    /// The current state.
    pub state: State,
    /// When the draft was created, in Unix seconds.
    pub created_at: i64,
    /// When the application entered its current state, in Unix seconds.
    pub state_since: i64,
    /// When it was last made complete (submitted, or sent back with the information
    /// asked for): the start of the delivery time (R-SLA).
    pub completed_at: Option<i64>,
    /// The approvals given since it was last made complete.
    pub approvals: Vec<Approval>,
    /// The issued certificate's serial number (lower-case hex).
    pub serial: Option<String>,
}

impl ApplicationFacts {
    /// A new draft for `org`, created at `now`.
    pub fn new_draft(profile: ProfileId, org: &Organisation, now: i64) -> Self {
        Self {
            profile,
            org_oid: org.oid.clone(),
            sector: org.sector,
            kanta_intermediary: org.kanta_intermediary,
            syssig_basis: None,
            technical_contacts: Vec::new(),
            csr_attached: false,
            conformity_attached: false,
            state: State::Draft,
            created_at: now,
            state_since: now,
            completed_at: None,
            approvals: Vec::new(),
            serial: None,
        }
    }

    /// How many different CA officers must approve: two for a production system
    /// signature certificate, one otherwise.
    pub fn required_approvals(&self) -> usize {
        if self.profile == ProfileId::SystemSignature {
            2
        } else {
            1
        }
    }

    /// What the application still lacks before it can be submitted; empty when it is
    /// complete as far as the e-service can tell.
    ///
    /// A CSR always (R-CSR). For both system signature types, a declared ground that
    /// holds (R-SYSSIG-APPLICANT). For a production system signature certificate of a
    /// private provider, a certificate of conformity (R-CONFORMITY): a system is
    /// certified before production use (R-CERTIFIED-SYSTEM), so a TEST system
    /// signature certificate, used while the system is being tested, needs none.
    pub fn missing(&self) -> Vec<Requirement> {
        let mut missing = Vec::new();
        if !self.csr_attached {
            missing.push(Requirement::Csr);
        }
        if self.profile.purpose() == Purpose::SystemSignature {
            match self.syssig_basis {
                None => missing.push(Requirement::SyssigBasis),
                Some(SyssigBasis::KantaIntermediaryOwnName) if !self.kanta_intermediary => {
                    missing.push(Requirement::KantaIntermediary);
                }
                Some(_) => {}
            }
            if self.profile == ProfileId::SystemSignature
                && self.sector == Sector::Private
                && !self.conformity_attached
            {
                missing.push(Requirement::Conformity);
            }
        }
        missing
    }

    /// What the technical contact's organisation field must read, when the policy
    /// fixes it: [`KANTA_PROVIDER`] for a Kanta intermediary applying for a system
    /// signature certificate in its own name (R-SYSSIG-APPLICANT).
    pub fn technical_contact_organisation(&self) -> Option<&'static str> {
        (self.profile.purpose() == Purpose::SystemSignature
            && self.syssig_basis == Some(SyssigBasis::KantaIntermediaryOwnName))
        .then_some(KANTA_PROVIDER)
    }
}

/// Something an application needs before it is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Requirement {
    /// No CSR attached (R-CSR).
    Csr,
    /// A system signature application without its ground (R-SYSSIG-APPLICANT).
    SyssigBasis,
    /// Applied as a Kanta intermediary, but the register does not list the
    /// organisation as one (R-SYSSIG-APPLICANT).
    KantaIntermediary,
    /// A private provider's production system signature application without the
    /// certificate of conformity (R-CONFORMITY).
    Conformity,
}

impl Requirement {
    /// A stable identifier, for translations and API clients.
    pub fn code(self) -> &'static str {
        match self {
            Self::Csr => "requirement.csr",
            Self::SyssigBasis => "requirement.syssig_basis",
            Self::KantaIntermediary => "requirement.kanta_intermediary",
            Self::Conformity => "requirement.conformity",
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Csr => {
                "no certificate signing request (CSR) is attached: attach it, or invite \
                 a technical contact to attach it"
            }
            Self::SyssigBasis => {
                "a system signature application must say that your organisation \
                 administers the information system, or that it is a Kanta intermediary \
                 applying in its own name"
            }
            Self::KantaIntermediary => {
                "the organisation register does not list your organisation as a Kanta \
                 intermediary: apply as the organisation that administers the system, or \
                 have the register corrected first"
            }
            Self::Conformity => {
                "a private provider must attach the information system's certificate of \
                 conformity to a system signature application"
            }
        })
    }
}

/// What someone does to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Change the application's own fields (names, declared ground, invited
    /// technical contacts). The e-service applies the change itself once this is
    /// allowed.
    Edit,
    /// Attach or replace the CSR; the e-service has checked it against the profile.
    AttachCsr,
    /// Attach or replace the certificate of conformity.
    AttachConformity,
    /// Send the draft to the CA.
    Submit,
    /// Give up a draft.
    Withdraw,
    /// Ask the applicant for more (the officer's message is shown to him).
    RequestMoreInfo {
        /// What is missing or wrong.
        message: String,
    },
    /// Send an incomplete application back to the CA with what was asked for.
    ProvideInfo,
    /// Take a submitted application into review.
    StartReview,
    /// Approve (the first of two for a production system signature certificate).
    Approve,
    /// Refuse the application.
    Reject {
        /// Why, as the applicant will read it.
        reason: String,
    },
    /// Record that the certificate was issued.
    MarkIssued {
        /// Its serial number, lower-case hex as the CA stores it.
        serial: String,
    },
    /// Record that the certificate was delivered (R-DELIVERY).
    MarkDelivered,
    /// Let a draft or incomplete application lapse (R-LAPSE).
    Lapse,
}

impl Action {
    /// The action without its data.
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::Edit => ActionKind::Edit,
            Self::AttachCsr => ActionKind::AttachCsr,
            Self::AttachConformity => ActionKind::AttachConformity,
            Self::Submit => ActionKind::Submit,
            Self::Withdraw => ActionKind::Withdraw,
            Self::RequestMoreInfo { .. } => ActionKind::RequestMoreInfo,
            Self::ProvideInfo => ActionKind::ProvideInfo,
            Self::StartReview => ActionKind::StartReview,
            Self::Approve => ActionKind::Approve,
            Self::Reject { .. } => ActionKind::Reject,
            Self::MarkIssued { .. } => ActionKind::MarkIssued,
            Self::MarkDelivered => ActionKind::MarkDelivered,
            Self::Lapse => ActionKind::Lapse,
        }
    }
}

/// An [`Action`] without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// See [`Action::Edit`].
    Edit,
    /// See [`Action::AttachCsr`].
    AttachCsr,
    /// See [`Action::AttachConformity`].
    AttachConformity,
    /// See [`Action::Submit`].
    Submit,
    /// See [`Action::Withdraw`].
    Withdraw,
    /// See [`Action::RequestMoreInfo`].
    RequestMoreInfo,
    /// See [`Action::ProvideInfo`].
    ProvideInfo,
    /// See [`Action::StartReview`].
    StartReview,
    /// See [`Action::Approve`].
    Approve,
    /// See [`Action::Reject`].
    Reject,
    /// See [`Action::MarkIssued`].
    MarkIssued,
    /// See [`Action::MarkDelivered`].
    MarkDelivered,
    /// See [`Action::Lapse`].
    Lapse,
}

impl ActionKind {
    /// Every action.
    pub const ALL: [ActionKind; 13] = [
        ActionKind::Edit,
        ActionKind::AttachCsr,
        ActionKind::AttachConformity,
        ActionKind::Submit,
        ActionKind::Withdraw,
        ActionKind::RequestMoreInfo,
        ActionKind::ProvideInfo,
        ActionKind::StartReview,
        ActionKind::Approve,
        ActionKind::Reject,
        ActionKind::MarkIssued,
        ActionKind::MarkDelivered,
        ActionKind::Lapse,
    ];

    /// The action's stable name, e.g. `"request-more-info"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::AttachCsr => "attach-csr",
            Self::AttachConformity => "attach-conformity",
            Self::Submit => "submit",
            Self::Withdraw => "withdraw",
            Self::RequestMoreInfo => "request-more-info",
            Self::ProvideInfo => "provide-info",
            Self::StartReview => "start-review",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::MarkIssued => "mark-issued",
            Self::MarkDelivered => "mark-delivered",
            Self::Lapse => "lapse",
        }
    }

    /// Whether the action changes what the applicant wrote or attached.
    fn is_edit(self) -> bool {
        matches!(self, Self::Edit | Self::AttachCsr | Self::AttachConformity)
    }

    /// The states the action starts from, in words, for error messages.
    fn valid_from(self) -> &'static str {
        match self {
            Self::Edit | Self::AttachCsr | Self::AttachConformity => {
                "only a draft, or an application the CA marked incomplete, can be changed"
            }
            Self::Submit => "only a draft can be submitted",
            Self::Withdraw => "only a draft can be withdrawn",
            Self::ProvideInfo => {
                "information is sent back only for an application the CA marked incomplete"
            }
            Self::RequestMoreInfo => {
                "only a submitted application or one in review can be marked incomplete"
            }
            Self::StartReview => "only a submitted application can be taken into review",
            Self::Approve => "only an application in review can be approved",
            Self::Reject => {
                "only a submitted, incomplete, in-review or approved application can be rejected"
            }
            Self::MarkIssued => "only an approved application can be marked issued",
            Self::MarkDelivered => "only an issued application can be marked delivered",
            Self::Lapse => "only a draft or an incomplete application can lapse",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Edit => "edit the application",
            Self::AttachCsr => "attach the CSR to the application",
            Self::AttachConformity => "attach the certificate of conformity to the application",
            Self::Submit => "submit the application",
            Self::Withdraw => "withdraw the application",
            Self::RequestMoreInfo => "ask for more information on the application",
            Self::ProvideInfo => "send back the information asked for",
            Self::StartReview => "start reviewing the application",
            Self::Approve => "approve the application",
            Self::Reject => "reject the application",
            Self::MarkIssued => "mark the application issued",
            Self::MarkDelivered => "mark the application delivered",
            Self::Lapse => "let the application lapse",
        })
    }
}

/// One line of the application's timeline (R-STAGES).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    /// The state after the action.
    pub state: State,
    /// When, in Unix seconds.
    pub at: i64,
    /// Who: the [`Actor::id`].
    pub actor: String,
    /// In which role.
    pub role: Role,
    /// What was done.
    pub action: ActionKind,
    /// The serial number for [`ActionKind::MarkIssued`] (the officer's message and
    /// the rejection reason are in `state`).
    pub serial: Option<String>,
}

/// The outcome of an allowed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The application after the action.
    pub facts: ApplicationFacts,
    /// The timeline entry to store and show.
    pub event: TimelineEvent,
    /// Whether the state changed (false for edits, attachments and a first approval).
    pub state_changed: bool,
}

impl Transition {
    /// The state after the action.
    pub fn state(&self) -> &State {
        &self.facts.state
    }
}

/// Why an action on an application was refused. Every message says what to do
/// instead; [`ApplicationError::code`] is stable for translations.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApplicationError {
    /// The role may never take this action.
    Forbidden {
        /// The actor's role.
        role: Role,
        /// The action refused.
        action: ActionKind,
    },
    /// The actor acts for another organisation than the applicant.
    OtherOrganisation,
    /// A technical contact who is not invited to this application.
    NotInvited,
    /// A change after submission, outside the Incomplete state.
    EditAfterSubmit {
        /// The application's state.
        state: StateKind,
    },
    /// Submit on an application already submitted (e.g. a form sent twice).
    AlreadySubmitted {
        /// The application's state.
        state: StateKind,
    },
    /// The application is in a final state.
    Closed {
        /// The final state.
        state: StateKind,
    },
    /// The action does not start from the application's state.
    InvalidState {
        /// The application's state.
        state: StateKind,
        /// The action refused.
        action: ActionKind,
    },
    /// The application is not complete; everything missing is listed.
    NotReady {
        /// What is missing.
        missing: Vec<Requirement>,
    },
    /// The officer already approved this application.
    SameOfficer,
    /// The officer's message is empty or too long.
    InvalidMessage,
    /// The rejection reason is empty or too long.
    InvalidReason,
    /// The serial number is not 1–40 lower-case hex digits.
    InvalidSerial,
    /// Lapse asked for an application that does not lapse yet (R-LAPSE).
    LapseNotDue {
        /// The last second before it lapses, in Unix seconds, if known.
        lapses_after: Option<i64>,
    },
}

impl ApplicationError {
    /// A stable identifier of the kind of error, e.g. `"application.edit_after_submit"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Forbidden { .. } => "application.forbidden",
            Self::OtherOrganisation => "application.other_organisation",
            Self::NotInvited => "application.not_invited",
            Self::EditAfterSubmit { .. } => "application.edit_after_submit",
            Self::AlreadySubmitted { .. } => "application.already_submitted",
            Self::Closed { .. } => "application.closed",
            Self::InvalidState { .. } => "application.invalid_state",
            Self::NotReady { .. } => "application.not_ready",
            Self::SameOfficer => "application.same_officer",
            Self::InvalidMessage => "application.invalid_message",
            Self::InvalidReason => "application.invalid_reason",
            Self::InvalidSerial => "application.invalid_serial",
            Self::LapseNotDue { .. } => "application.lapse_not_due",
        }
    }
}

impl fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Forbidden { role, action } => {
                let who: Vec<String> = Role::ALL
                    .into_iter()
                    .filter(|r| r.may(*action))
                    .map(|r| r.to_string())
                    .collect();
                if who.is_empty() {
                    write!(f, "{role} may not {action}")
                } else {
                    write!(f, "{role} may not {action}; only {} may", who.join(" or "))
                }
            }
            Self::OtherOrganisation => f.write_str(
                "this application belongs to another organisation: choose the organisation \
                 you act for, or ask its administrator to invite you",
            ),
            Self::NotInvited => f.write_str(
                "you are not invited to this application as its technical contact: ask the \
                 applicant to invite you",
            ),
            Self::EditAfterSubmit { state } => write!(
                f,
                "the application has been submitted and is {state}, so it can no longer be \
                 changed; it can be changed again only if the CA asks for more information"
            ),
            Self::AlreadySubmitted { state } => write!(
                f,
                "the application has already been submitted and is {state}; there is nothing \
                 to submit again"
            ),
            Self::Closed { state } => write!(
                f,
                "the application is closed ({state}); make a new application instead"
            ),
            Self::InvalidState { state, action } => write!(
                f,
                "cannot {action}: it is {state}, and {}",
                action.valid_from()
            ),
            Self::NotReady { missing } => {
                f.write_str("the application is not complete: ")?;
                for (i, m) in missing.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{m}")?;
                }
                Ok(())
            }
            Self::SameOfficer => f.write_str(
                "you have already approved this application; a production system signature \
                 certificate needs the approval of a second, different CA officer",
            ),
            Self::InvalidMessage => write!(
                f,
                "write what the applicant must add or correct (1–{MAX_TEXT_CHARS} characters)"
            ),
            Self::InvalidReason => write!(
                f,
                "write the reason for the rejection, which the applicant will read \
                 (1–{MAX_TEXT_CHARS} characters)"
            ),
            Self::InvalidSerial => write!(
                f,
                "the serial number must be 1–{MAX_SERIAL_HEX} lower-case hexadecimal digits, \
                 as the CA stores it"
            ),
            Self::LapseNotDue { lapses_after } => {
                f.write_str(
                    "the application does not lapse yet: a draft or an incomplete \
                     application lapses when it has been pending more than 6 months",
                )?;
                match lapses_after {
                    Some(t) => write!(f, " (after {t}, Unix seconds)"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for ApplicationError {}

/// Take `action` on `app` as `actor` at `now` (Unix seconds).
///
/// Checked in this order, so that nobody learns about another organisation's
/// application: the role may take the action at all; an organisation role acts for
/// the applying organisation (and a technical contact is invited to this
/// application); the application is not closed; the action starts from its state;
/// what the action needs is there.
pub fn transition(
    app: &ApplicationFacts,
    action: Action,
    actor: &Actor,
    now: i64,
) -> Result<Transition, ApplicationError> {
    let kind = action.kind();
    let state = app.state.kind();
    if !actor.role.may(kind) {
        return Err(ApplicationError::Forbidden {
            role: actor.role,
            action: kind,
        });
    }
    if actor.role.is_organisation_role() && actor.organisation.as_deref() != Some(&app.org_oid) {
        return Err(ApplicationError::OtherOrganisation);
    }
    if actor.role == Role::TechnicalContact && !app.technical_contacts.contains(&actor.id) {
        return Err(ApplicationError::NotInvited);
    }
    if state.is_final() {
        return Err(ApplicationError::Closed { state });
    }
    let invalid = ApplicationError::InvalidState {
        state,
        action: kind,
    };
    let open_for_edit = matches!(state, StateKind::Draft | StateKind::Incomplete);
    if kind.is_edit() && !open_for_edit {
        return Err(ApplicationError::EditAfterSubmit { state });
    }

    let mut facts = app.clone();
    let mut serial_note = None;
    match action {
        Action::Edit => {}
        Action::AttachCsr => facts.csr_attached = true,
        Action::AttachConformity => facts.conformity_attached = true,
        Action::Submit => {
            match state {
                StateKind::Draft => {}
                StateKind::Incomplete => return Err(invalid),
                _ => return Err(ApplicationError::AlreadySubmitted { state }),
            }
            complete(&mut facts, now)?;
        }
        Action::Withdraw => {
            if state != StateKind::Draft {
                return Err(invalid);
            }
            facts.state = State::Withdrawn;
        }
        Action::RequestMoreInfo { message } => {
            if !matches!(state, StateKind::Submitted | StateKind::InReview) {
                return Err(invalid);
            }
            let message = valid_text(&message).ok_or(ApplicationError::InvalidMessage)?;
            facts.state = State::Incomplete { message };
            facts.approvals.clear();
        }
        Action::ProvideInfo => {
            if state != StateKind::Incomplete {
                return Err(invalid);
            }
            complete(&mut facts, now)?;
        }
        Action::StartReview => {
            if state != StateKind::Submitted {
                return Err(invalid);
            }
            facts.state = State::InReview;
        }
        Action::Approve => {
            if state != StateKind::InReview {
                return Err(invalid);
            }
            if facts.approvals.iter().any(|a| a.officer == actor.id) {
                return Err(ApplicationError::SameOfficer);
            }
            // The register or the attachments may have changed since submission.
            let missing = facts.missing();
            if !missing.is_empty() {
                return Err(ApplicationError::NotReady { missing });
            }
            facts.approvals.push(Approval {
                officer: actor.id.clone(),
                at: now,
            });
            if facts.approvals.len() >= facts.required_approvals() {
                facts.state = State::Approved;
            }
        }
        Action::Reject { reason } => {
            if !matches!(
                state,
                StateKind::Submitted
                    | StateKind::Incomplete
                    | StateKind::InReview
                    | StateKind::Approved
            ) {
                return Err(invalid);
            }
            let reason = valid_text(&reason).ok_or(ApplicationError::InvalidReason)?;
            facts.state = State::Rejected { reason };
        }
        Action::MarkIssued { serial } => {
            if state != StateKind::Approved {
                return Err(invalid);
            }
            if serial.is_empty()
                || serial.len() > MAX_SERIAL_HEX
                || !serial
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            {
                return Err(ApplicationError::InvalidSerial);
            }
            facts.serial = Some(serial.clone());
            serial_note = Some(serial);
            facts.state = State::Issued;
        }
        Action::MarkDelivered => {
            if state != StateKind::Issued {
                return Err(invalid);
            }
            facts.state = State::Delivered;
        }
        Action::Lapse => {
            if !open_for_edit {
                return Err(invalid);
            }
            if !lapse_due(app, now) {
                return Err(ApplicationError::LapseNotDue {
                    lapses_after: lapses_after(app),
                });
            }
            facts.state = State::Lapsed;
        }
    }

    let state_changed = facts.state.kind() != state;
    if state_changed {
        facts.state_since = now;
    }
    let event = TimelineEvent {
        state: facts.state.clone(),
        at: now,
        actor: actor.id.clone(),
        role: actor.role,
        action: kind,
        serial: serial_note,
    };
    Ok(Transition {
        facts,
        event,
        state_changed,
    })
}

/// Submit or send back: check completeness, then start the delivery time afresh.
fn complete(facts: &mut ApplicationFacts, now: i64) -> Result<(), ApplicationError> {
    let missing = facts.missing();
    if !missing.is_empty() {
        return Err(ApplicationError::NotReady { missing });
    }
    facts.state = State::Submitted;
    facts.completed_at = Some(now);
    facts.approvals.clear();
    Ok(())
}

/// `text` trimmed, if it is 1–[`MAX_TEXT_CHARS`] characters.
fn valid_text(text: &str) -> Option<String> {
    let t = text.trim();
    let n = t.chars().count();
    (n > 0 && n <= MAX_TEXT_CHARS).then(|| t.to_owned())
}

/// Since when the application has been pending in the sense of R-LAPSE, if it can
/// lapse: a draft since it was created (never submitted, so it is not complete), an
/// incomplete application since it last entered Incomplete (the officer's request
/// starts the applicant's time; time spent with the CA never counts against him).
/// Submitted, in-review and later applications never lapse: they are complete and
/// with the CA (R-SLA).
pub fn pending_since(app: &ApplicationFacts) -> Option<i64> {
    match app.state.kind() {
        StateKind::Draft => Some(app.created_at),
        StateKind::Incomplete => Some(app.state_since),
        _ => None,
    }
}

/// The last second at which the application is not yet lapsed: [`pending_since`]
/// plus [`LAPSE_MONTHS`] calendar months, in Helsinki time
/// ([`calendar::add_months`]). `None` when it cannot lapse, or when the stored time is
/// outside the calendar's years.
pub fn lapses_after(app: &ApplicationFacts) -> Option<i64> {
    calendar::add_months(pending_since(app)?, LAPSE_MONTHS).ok()
}

/// Whether the application lapses at `now` (R-LAPSE): it has been pending more than 6
/// months, that is `now` is strictly after [`lapses_after`]. Exactly 6 months is not
/// yet more than 6 months.
pub fn lapse_due(app: &ApplicationFacts, now: i64) -> bool {
    lapses_after(app).is_some_and(|t| now > t)
}

/// The delivery due date (R-SLA) of an application that is complete and with the CA:
/// [`calendar::due_date`] of [`ApplicationFacts::completed_at`]. `None` for drafts,
/// incomplete and final applications.
pub fn sla_due(app: &ApplicationFacts) -> Result<Option<i64>, CalendarError> {
    match app.completed_at {
        Some(t) if app.state.kind().in_sla() => calendar::due_date(t).map(Some),
        _ => Ok(None),
    }
}

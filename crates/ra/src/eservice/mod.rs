//! The e-service's domain (issue 4): customer accounts, invitations,
//! applications and their timeline, the CA officer's work queue, issuance and
//! delivery, revocation requests, API tokens and the scheduled jobs — every
//! rule and every permission check, with no HTTP in it. `carepki-web` turns
//! requests into calls of [`EService`] and its answers into pages, JSON and
//! problem documents; the tests call it directly.
//!
//! # Who acts
//!
//! Every call names a [`Principal`]: a signed-in user acting for one
//! organisation at a time (R-ACCOUNT: a user may act for several, and always
//! sees which), a CA officer, an auditor, or an organisation's system with an
//! API token. [`EService::principal_for_user`] and
//! [`EService::principal_for_token`] build it from what is stored, never from
//! what the client says.
//!
//! # What another organisation sees
//!
//! Nothing: an application, certificate, invitation or token of another
//! organisation answers [`ErrorKind::NotFound`] exactly as one that does not
//! exist, so that its existence is not revealed either. Inside his own
//! organisation a user whose role may not do something gets
//! [`ErrorKind::Forbidden`].
//!
//! # Changes
//!
//! Every change of an application goes through the policy's
//! `application::transition` (R-STAGES) and is stored, with its timeline line
//! and its audit event, by one conditional write of the store: a form sent
//! twice, or an edit racing a submission, is refused with a conflict and
//! nothing half-stored. A caller may name the version it showed the user
//! (`expected_version`); the change is then refused if the application moved
//! on meanwhile.

mod accounts;
mod applications;
mod certificates;
mod checks;
mod error;
mod jobs;
mod tokens;

use std::fmt;
use std::sync::Arc;

use carepki_ca::Authority;
use carepki_policy::application::{Actor, Role};
use carepki_policy::org::Organisation;
use carepki_store::{ApplicationRow, Store, UserRow, user_actor};
use serde::Serialize;

pub use accounts::{CustomerAccount, Invited, Member, SignIn};
pub use applications::{ApplicationView, AttachmentView, QueueItem};
pub use certificates::{CertificateFiles, CertificateView, REQUESTABLE_REASONS};
pub use checks::{CsrSummary, MAX_CONFORMITY_BYTES, MAX_CSR_BYTES, check_conformity_pdf};
pub use error::{ErrorKind, EsError};
pub use jobs::{EXPIRY_WARNING_DAYS, JobReport};
pub use tokens::NewToken;

/// The result of an e-service call.
pub type EsResult<T> = Result<T, EsError>;

/// The e-service's settings.
#[derive(Clone)]
pub struct EServiceSettings {
    /// The key under which identities are hashed ([`carepki_store::subject_hash`]):
    /// at least 32 bytes, secret, never in the database. Changing it makes every
    /// user new at his next sign-in.
    pub subject_key: Vec<u8>,
    /// The e-service's public address, without a trailing slash, for the links
    /// in mails (e.g. `https://pki.example.fi`).
    pub public_url: String,
    /// How long an invitation link works, in seconds (7 days by default).
    pub invitation_ttl_secs: i64,
    /// The longest an API token may be valid, in days (365 by default).
    pub api_token_max_days: i64,
    /// How many invitations an organisation may have open (unused and
    /// unexpired) at once (50 by default).
    pub max_open_invitations: usize,
}

impl fmt::Debug for EServiceSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EServiceSettings")
            .field("public_url", &self.public_url)
            .field("invitation_ttl_secs", &self.invitation_ttl_secs)
            .field("api_token_max_days", &self.api_token_max_days)
            .field("max_open_invitations", &self.max_open_invitations)
            .finish_non_exhaustive()
    }
}

impl EServiceSettings {
    /// Settings with the defaults and this key and address.
    pub fn new(subject_key: Vec<u8>, public_url: impl Into<String>) -> Self {
        Self {
            subject_key,
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            invitation_ttl_secs: 7 * 86_400,
            api_token_max_days: 365,
            max_open_invitations: 50,
        }
    }
}

/// The organisation a principal acts for, with his role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgContext {
    /// Its OID in the register.
    pub oid: String,
    /// Its names, from the register (R-LONGNAME: `fi` is the long name).
    pub name_fi: String,
    /// In Swedish.
    pub name_sv: String,
    /// In English.
    pub name_en: String,
    /// His role in it: `org-admin`, `org-user` or `technical-contact`.
    pub role: Role,
}

impl OrgContext {
    /// The organisation's name in `language` (`fi`, `sv`, `en`).
    pub fn name(&self, language: &str) -> &str {
        match language {
            "sv" => &self.name_sv,
            "en" => &self.name_en,
            _ => &self.name_fi,
        }
    }
}

/// Who acts, as the store knows him.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The actor id in the audit log and the timeline: `user:<id>` or
    /// `api-token:<id>`.
    pub actor: String,
    /// The signed-in user (none for an API token).
    pub user: Option<UserRow>,
    /// The organisation he acts for now, if any.
    pub org: Option<OrgContext>,
    /// Whether he is a CA officer.
    pub officer: bool,
    /// Whether he is an auditor.
    pub auditor: bool,
}

impl Principal {
    /// His language for mails about what he does (`fi` for a token).
    pub fn language(&self) -> &str {
        self.user.as_ref().map_or("fi", |u| u.language.as_str())
    }

    /// His role in the organisation he acts for.
    pub fn org_role(&self) -> Option<Role> {
        self.org.as_ref().map(|o| o.role)
    }

    /// Whether he acts for `org_oid` in one of `roles`.
    pub fn acts_for(&self, org_oid: &str, roles: &[Role]) -> bool {
        self.org
            .as_ref()
            .is_some_and(|o| o.oid == org_oid && roles.contains(&o.role))
    }

    /// The user, or a refusal for an API token.
    pub(crate) fn require_user(&self) -> EsResult<&UserRow> {
        self.user.as_ref().ok_or_else(|| {
            EsError::forbidden(
                "user_only",
                "only a signed-in person can do this, not a system with an API token",
            )
        })
    }

    /// The organisation he acts for in one of `roles`, or a refusal.
    pub(crate) fn require_org(&self, roles: &[Role]) -> EsResult<&OrgContext> {
        match &self.org {
            None => Err(EsError::forbidden(
                "no_organisation",
                "choose the organisation you act for first (or create its customer account)",
            )),
            Some(o) if roles.contains(&o.role) => Ok(o),
            Some(o) => Err(EsError::forbidden(
                "role",
                format!(
                    "as {} of this organisation you may not do this; ask its administrator",
                    o.role
                ),
            )),
        }
    }

    /// The policy's actor for an action: as a CA officer for the officer's
    /// actions, otherwise in his organisation role.
    pub(crate) fn policy_actor(&self, officer_action: bool) -> Actor {
        let role = if officer_action && self.officer {
            Role::CaOfficer
        } else if let Some(o) = &self.org {
            o.role
        } else if self.officer {
            Role::CaOfficer
        } else {
            Role::Auditor
        };
        Actor {
            id: self.actor.clone(),
            role,
            organisation: self.org.as_ref().map(|o| o.oid.clone()),
        }
    }
}

/// The e-service. Cheap to clone.
#[derive(Clone)]
pub struct EService {
    inner: Arc<Inner>,
}

struct Inner {
    authority: Arc<Authority>,
    settings: EServiceSettings,
}

impl fmt::Debug for EService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EService")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl EService {
    /// The e-service of `authority`. Refuses a subject key shorter than 32
    /// bytes.
    pub fn new(authority: Arc<Authority>, settings: EServiceSettings) -> crate::Result<Self> {
        if settings.subject_key.len() < 32 {
            return Err(crate::RaError::Settings {
                setting: "eservice.subject_key",
                reason: "must be at least 32 bytes of secret randomness".into(),
            });
        }
        if !(settings.public_url.starts_with("https://")
            || settings.public_url.starts_with("http://"))
        {
            return Err(crate::RaError::Settings {
                setting: "eservice.public_url",
                reason: format!(
                    "{:?} is not an http(s) URL; give the address users reach the \
                     e-service at",
                    settings.public_url
                ),
            });
        }
        Ok(Self {
            inner: Arc::new(Inner {
                authority,
                settings,
            }),
        })
    }

    /// The authority.
    pub fn authority(&self) -> &Arc<Authority> {
        &self.inner.authority
    }

    /// The store.
    pub fn store(&self) -> &Store {
        self.inner.authority.store()
    }

    /// The card registration system on the same store and CA (for the
    /// organisation's card revocation, issue 5 point 7).
    pub fn cards(&self) -> crate::cards::CardService {
        crate::cards::CardService::new(
            self.store().clone(),
            Some(Arc::clone(&self.inner.authority)),
        )
    }

    /// The settings.
    pub fn settings(&self) -> &EServiceSettings {
        &self.inner.settings
    }

    /// A link into the e-service, for mails.
    pub(crate) fn link(&self, path: &str) -> String {
        format!("{}{path}", self.inner.settings.public_url)
    }

    /// The organisation from the register, or not found.
    pub(crate) async fn organisation(&self, oid: &str) -> EsResult<Organisation> {
        match self.store().organisation(oid).await? {
            Some(row) => Ok(carepki_ca::authority::organisation_from_row(&row)),
            None => Err(EsError::new(
                ErrorKind::NotFound,
                "organisation.not_registered",
                format!(
                    "organisation {oid} is not in the SOTE organisation register \
                     (R-ELIGIBLE): only organisations in the register can apply"
                ),
            )),
        }
    }

    /// The principal of signed-in user `user_id` acting for `org_oid` — if he
    /// holds a role there; otherwise for no organisation.
    pub async fn principal_for_user(
        &self,
        user_id: i64,
        org_oid: Option<&str>,
    ) -> EsResult<Principal> {
        let store = self.store();
        let user = store
            .user(user_id)
            .await?
            .ok_or_else(|| EsError::not_found("the user"))?;
        let globals = store.global_roles(user_id).await?;
        let mut org = None;
        if let Some(oid) = org_oid {
            let memberships = store.memberships_of_user(user_id).await?;
            let role = strongest_role(
                memberships
                    .iter()
                    .filter(|m| m.org_oid == oid)
                    .map(|m| m.role.as_str()),
            );
            if let Some(role) = role
                && let Some(row) = store.organisation(oid).await?
            {
                org = Some(OrgContext {
                    oid: row.oid,
                    name_fi: row.name_fi,
                    name_sv: row.name_sv,
                    name_en: row.name_en,
                    role,
                });
            }
        }
        Ok(Principal {
            actor: user_actor(user_id),
            officer: globals.iter().any(|g| g.role == "ca-officer"),
            auditor: globals.iter().any(|g| g.role == "auditor"),
            user: Some(user),
            org,
        })
    }

    /// The organisations `user_id` may act for, with his strongest role in each,
    /// by name.
    pub async fn organisations_of(&self, user_id: i64) -> EsResult<Vec<OrgContext>> {
        let store = self.store();
        let memberships = store.memberships_of_user(user_id).await?;
        let mut oids: Vec<&str> = memberships.iter().map(|m| m.org_oid.as_str()).collect();
        oids.dedup();
        let mut out = Vec::new();
        for oid in oids {
            let role = strongest_role(
                memberships
                    .iter()
                    .filter(|m| m.org_oid == oid)
                    .map(|m| m.role.as_str()),
            );
            if let (Some(role), Some(row)) = (role, store.organisation(oid).await?) {
                out.push(OrgContext {
                    oid: row.oid,
                    name_fi: row.name_fi,
                    name_sv: row.name_sv,
                    name_en: row.name_en,
                    role,
                });
            }
        }
        out.sort_by(|a, b| a.name_fi.cmp(&b.name_fi));
        Ok(out)
    }

    /// Loads an application the principal may read, or not found.
    pub(crate) async fn readable_application(
        &self,
        p: &Principal,
        id: i64,
    ) -> EsResult<ApplicationRow> {
        let row = self
            .store()
            .application(id)
            .await?
            .ok_or_else(|| EsError::not_found(&format!("application {id}")))?;
        if may_read(p, &row) {
            Ok(row)
        } else {
            Err(EsError::not_found(&format!("application {id}")))
        }
    }
}

/// Whether `p` may read application `row`: officers and auditors all; the
/// organisation's administrators and users theirs; a technical contact the
/// applications he is invited to (R-CSR).
pub(crate) fn may_read(p: &Principal, row: &ApplicationRow) -> bool {
    if p.officer || p.auditor {
        return true;
    }
    match &p.org {
        Some(o) if o.oid == row.org_oid => match o.role {
            Role::OrgAdmin | Role::OrgUser => true,
            Role::TechnicalContact => row
                .facts
                .get("technical_contacts")
                .and_then(|v| v.as_array())
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(p.actor.as_str()))),
            _ => false,
        },
        _ => false,
    }
}

/// The strongest of organisation roles by name: administrator, then user,
/// then technical contact.
fn strongest_role<'a>(roles: impl Iterator<Item = &'a str>) -> Option<Role> {
    let mut best: Option<Role> = None;
    for r in roles {
        let role = match r {
            "org-admin" => Role::OrgAdmin,
            "org-user" => Role::OrgUser,
            "technical-contact" => Role::TechnicalContact,
            _ => continue,
        };
        let rank = |r: Role| match r {
            Role::OrgAdmin => 3,
            Role::OrgUser => 2,
            _ => 1,
        };
        if best.is_none_or(|b| rank(role) > rank(b)) {
            best = Some(role);
        }
    }
    best
}

/// 32 random bytes, base64url without padding: a session, invitation or API
/// token.
pub fn new_secret_token() -> EsResult<String> {
    new_token()
}

pub(crate) fn new_token() -> EsResult<String> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| EsError::unavailable("no randomness"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

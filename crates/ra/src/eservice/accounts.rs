//! Users, customer accounts and invitations (R-ACCOUNT).

use carepki_policy::application::{Action, Role, transition};
use carepki_store::{
    InvitationRow, MembershipRow, NewInvitation, NewUser, StoreError, UserRow, subject_hash,
    token_hash, user_actor,
};
use serde::Serialize;

use super::applications::{facts_of, update_of};
use super::{EService, ErrorKind, EsError, EsResult, Principal, new_token};
use crate::notify::{self, Notification, Recipient};

/// What a sign-in found.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// A registered user (his sign-in is recorded).
    Known(UserRow),
    /// A person not yet registered: he registers with
    /// [`EService::register`] under this hash.
    New {
        /// The HMAC of his identity; the identity itself is not kept.
        subject_hash: String,
    },
}

/// A customer account: an organisation and its people.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerAccount {
    /// The organisation's OID.
    pub org_oid: String,
    /// Its members.
    pub members: Vec<Member>,
    /// Its invitations (the token is never shown again).
    pub invitations: Vec<InvitationRow>,
}

/// A member of an organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// The user's id.
    pub user_id: i64,
    /// His name.
    pub display_name: String,
    /// His email address.
    pub email: String,
    /// His role.
    pub role: String,
}

/// A new invitation: the row, and the link that goes into the mail (shown
/// once, never stored).
#[derive(Debug, Clone)]
pub struct Invited {
    /// The stored invitation.
    pub invitation: InvitationRow,
    /// The single-use link.
    pub link: String,
}

const LANGUAGES: [&str; 3] = ["fi", "sv", "en"];

impl EService {
    /// A person signed in with strong identification (R-ACCOUNT): finds his
    /// account by the HMAC of `identity` (the identity claim, e.g. the national
    /// identity code, which is never stored) and records the sign-in.
    pub async fn sign_in(&self, identity: &str, now: i64) -> EsResult<SignIn> {
        if identity.trim().is_empty() {
            return Err(EsError::invalid(
                "sign_in.no_identity",
                "the identity provider sent no identity; sign in again",
            ));
        }
        let hash = subject_hash(&self.settings().subject_key, identity);
        match self.store().user_by_subject_hash(&hash).await? {
            Some(user) => {
                self.store().record_login(user.id, now).await?;
                Ok(SignIn::Known(user))
            }
            None => Ok(SignIn::New { subject_hash: hash }),
        }
    }

    /// Registers a person who signed in for the first time (R-ACCOUNT).
    pub async fn register(
        &self,
        subject_hash: &str,
        display_name: &str,
        email: &str,
        language: &str,
        now: i64,
    ) -> EsResult<UserRow> {
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 200 {
            return Err(EsError::invalid(
                "register.name",
                "give your name as colleagues know it (1–200 characters)",
            ));
        }
        let email = email.trim();
        if !plausible_email(email) {
            return Err(EsError::invalid(
                "register.email",
                "give an email address such as matti.meikalainen@example.fi: \
                 certificates and notifications are sent there",
            ));
        }
        if !LANGUAGES.contains(&language) {
            return Err(EsError::invalid(
                "register.language",
                "choose Finnish (fi), Swedish (sv) or English (en)",
            ));
        }
        let user = NewUser {
            subject_hash: subject_hash.to_owned(),
            display_name: display_name.to_owned(),
            email: email.to_owned(),
            language: language.to_owned(),
        };
        match self
            .store()
            .create_user(&user, "eservice:register", now)
            .await
        {
            Ok(row) => {
                self.store().record_login(row.id, now).await?;
                Ok(row)
            }
            Err(StoreError::Conflict { .. }) => Err(EsError::new(
                ErrorKind::Conflict,
                "register.exists",
                "you are registered already (perhaps in another window): sign in again",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// A signed-in user creates the customer account of an organisation in the
    /// register and becomes its administrator (R-ACCOUNT, R-ELIGIBLE). An
    /// organisation has one account: if it has an administrator already, he
    /// must invite the others.
    pub async fn create_customer_account(
        &self,
        p: &Principal,
        org_oid: &str,
        now: i64,
    ) -> EsResult<MembershipRow> {
        let user = p.require_user()?;
        let org_oid = org_oid.trim();
        self.organisation(org_oid).await?;
        let members = self.store().members_of_org(org_oid).await?;
        if members.iter().any(|m| m.role == "org-admin") {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "account.exists",
                "this organisation already has a customer account: ask its administrator \
                 to invite you",
            ));
        }
        Ok(self
            .store()
            .add_membership(user.id, org_oid, "org-admin", &p.actor, now)
            .await?)
    }

    /// Invites a person by email (R-ACCOUNT): the administrator invites users,
    /// administrators and technical contacts; an organisation user invites
    /// technical contacts to the organisation's applications (R-CSR). A
    /// technical contact is invited to one application, which must still be
    /// open for the CSR (a draft, or incomplete). The mail goes out in
    /// `language` with a single-use link valid for the configured time.
    pub async fn invite(
        &self,
        p: &Principal,
        email: &str,
        role: &str,
        application_id: Option<i64>,
        language: &str,
        now: i64,
    ) -> EsResult<Invited> {
        let inviter = p.require_user()?;
        let org = p.require_org(&[Role::OrgAdmin, Role::OrgUser])?.clone();
        let role = match role {
            "org-admin" | "org-user" | "technical-contact" => role,
            _ => {
                return Err(EsError::invalid(
                    "invitation.role",
                    "choose the role: organisation administrator (org-admin), organisation \
                     user (org-user) or technical contact (technical-contact)",
                ));
            }
        };
        if org.role != Role::OrgAdmin && role != "technical-contact" {
            return Err(EsError::forbidden(
                "invitation.admin_only",
                "only the organisation's administrator invites users; you may invite a \
                 technical contact to an application",
            ));
        }
        let email = email.trim();
        if !plausible_email(email) {
            return Err(EsError::invalid(
                "invitation.email",
                "give the invitee's email address, such as tekninen.yhteyshenkilo@example.fi",
            ));
        }
        if !LANGUAGES.contains(&language) {
            return Err(EsError::invalid(
                "invitation.language",
                "choose the language of the invitation: fi, sv or en",
            ));
        }
        let application_id = match (role, application_id) {
            ("technical-contact", Some(id)) => {
                let app = self.readable_application(p, id).await?;
                // An officer or auditor reads every application; he invites
                // only to his organisation's.
                if app.org_oid != org.oid {
                    return Err(EsError::not_found(&format!("application {id}")));
                }
                let state = app.state.as_str();
                if !matches!(state, "draft" | "incomplete") {
                    return Err(EsError::new(
                        ErrorKind::Conflict,
                        "invitation.application_closed",
                        "a technical contact can attach the CSR only to a draft or to an \
                         application the CA marked incomplete; this one is not open",
                    ));
                }
                Some(id)
            }
            ("technical-contact", None) => {
                return Err(EsError::invalid(
                    "invitation.application",
                    "a technical contact is invited to one application: choose it",
                ));
            }
            (_, Some(_)) => {
                return Err(EsError::invalid(
                    "invitation.application",
                    "only a technical contact is invited to an application; users are \
                     invited to the whole organisation",
                ));
            }
            (_, None) => None,
        };
        let open = self
            .store()
            .invitations_of_org(&org.oid)
            .await?
            .into_iter()
            .filter(|i| i.used_at.is_none() && i.expires_at > now)
            .count();
        if open >= self.settings().max_open_invitations {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "invitation.too_many",
                format!(
                    "the organisation has {open} open invitations, the most allowed: wait \
                     until some are used or expire"
                ),
            ));
        }
        let token = new_token()?;
        let expires_at = now + self.settings().invitation_ttl_secs;
        let invitation = self
            .store()
            .create_invitation(
                &NewInvitation {
                    token_hash: token_hash(&token),
                    email: email.to_owned(),
                    org_oid: org.oid.clone(),
                    role: role.to_owned(),
                    application_id,
                    expires_at,
                },
                &p.actor,
                now,
            )
            .await?;
        let link = self.link(&format!("/invitations/{token}"));
        notify::enqueue(
            self.store(),
            &Recipient {
                email: email.to_owned(),
                display_name: None,
                language: language.to_owned(),
            },
            &Notification::Invitation {
                organisation: org.name(language).to_owned(),
                role: role.to_owned(),
                inviter: inviter.display_name.clone(),
                link: link.clone(),
                expires_at,
            },
            &format!("invitation:{}", invitation.id),
            Some(&org.oid),
            None,
            &p.actor,
            now,
        )
        .await?;
        Ok(Invited { invitation, link })
    }

    /// The signed-in user takes up an invitation: single use, before it
    /// expires. He gets the role; a technical contact is also added to his
    /// application (R-CSR). Answers the organisation's OID.
    pub async fn accept_invitation(
        &self,
        p: &Principal,
        token: &str,
        now: i64,
    ) -> EsResult<InvitationRow> {
        let user = p.require_user()?;
        let token = token.trim();
        if token.is_empty() || token.len() > 200 {
            return Err(EsError::not_found("the invitation"));
        }
        // A technical contact's invitation is worth taking up only while his
        // application is open for the CSR: check that before it is used up.
        if let Some(pending) = self.store().invitation_by_token(&token_hash(token)).await?
            && pending.used_at.is_none()
            && pending.expires_at > now
            && let Some(app_id) = pending.application_id
        {
            let open = self
                .store()
                .application(app_id)
                .await?
                .is_some_and(|a| matches!(a.state.as_str(), "draft" | "incomplete"));
            if !open {
                return Err(EsError::new(
                    ErrorKind::Conflict,
                    "invitation.application_closed",
                    "the application you are invited to is no longer open for a CSR (it \
                     was submitted, decided or withdrawn); the invitation was not used: \
                     ask the applicant for a new one if the CA asks for a new CSR",
                ));
            }
        }
        let invitation = match self
            .store()
            .redeem_invitation(&token_hash(token), user.id, now)
            .await
        {
            Ok(row) => row,
            Err(StoreError::NotFound { .. }) => {
                return Err(EsError::new(
                    ErrorKind::NotFound,
                    "invitation.unknown",
                    "this invitation link is not valid: check that the whole link was \
                     copied, or ask for a new invitation",
                ));
            }
            Err(StoreError::Conflict { .. }) => {
                return Err(EsError::new(
                    ErrorKind::Conflict,
                    "invitation.used_or_expired",
                    "this invitation has been used already or has expired: an invitation \
                     works once and for a limited time; ask for a new one",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(app_id) = invitation.application_id {
            self.add_technical_contact(&invitation, app_id, user.id, now)
                .await?;
        }
        Ok(invitation)
    }

    /// Adds an invited technical contact to his application, as an edit by the
    /// person who invited him (the policy lets only the applicant's people edit).
    async fn add_technical_contact(
        &self,
        invitation: &InvitationRow,
        app_id: i64,
        user_id: i64,
        now: i64,
    ) -> EsResult<()> {
        let store = self.store();
        let app = store
            .application(app_id)
            .await?
            .ok_or_else(|| EsError::not_found(&format!("application {app_id}")))?;
        let facts = facts_of(&app)?;
        let contact = user_actor(user_id);
        if facts.technical_contacts.contains(&contact) {
            return Ok(());
        }
        let inviter_role = match invitation
            .created_by
            .strip_prefix("user:")
            .and_then(|id| id.parse::<i64>().ok())
        {
            Some(id) => {
                let roles = store.memberships_of_user(id).await?;
                if roles
                    .iter()
                    .any(|m| m.org_oid == app.org_oid && m.role == "org-admin")
                {
                    Role::OrgAdmin
                } else {
                    Role::OrgUser
                }
            }
            None => Role::OrgUser,
        };
        let actor = carepki_policy::application::Actor {
            id: invitation.created_by.clone(),
            role: inviter_role,
            organisation: Some(app.org_oid.clone()),
        };
        let t = transition(&facts, Action::Edit, &actor, now).map_err(|e| {
            EsError::new(
                ErrorKind::Conflict,
                "invitation.application_closed",
                format!(
                    "you now act for the organisation, but you could not be added to \
                     application {app_id}: {e}"
                ),
            )
        })?;
        let mut t = t;
        t.facts.technical_contacts.push(contact.clone());
        let update = update_of(&t, serde_json::json!({"technical_contact_added": contact}))?;
        store
            .record_transition(app.id, app.version, &update)
            .await?;
        Ok(())
    }

    /// The customer account of the organisation the principal administers.
    pub async fn customer_account(&self, p: &Principal) -> EsResult<CustomerAccount> {
        let org = p.require_org(&[Role::OrgAdmin])?;
        let store = self.store();
        let mut members = Vec::new();
        for m in store.members_of_org(&org.oid).await? {
            if let Some(u) = store.user(m.user_id).await? {
                members.push(Member {
                    user_id: u.id,
                    display_name: u.display_name,
                    email: u.email,
                    role: m.role,
                });
            }
        }
        Ok(CustomerAccount {
            org_oid: org.oid.clone(),
            members,
            invitations: store.invitations_of_org(&org.oid).await?,
        })
    }
}

/// A light check of an email address: one `@`, something on both sides, a dot
/// in the domain, no spaces or control characters, at most 254 characters.
/// (The mail server decides the rest.)
pub(crate) fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

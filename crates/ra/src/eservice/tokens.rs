//! API tokens for an organisation's systems (issue 4, point 9): a system
//! presents `Authorization: Bearer <token>` and acts for the organisation as an
//! organisation user; only the SHA-256 of a token is stored, and the token is
//! shown once, when made.

use carepki_policy::application::Role;
use carepki_store::{ApiTokenRow, NewApiToken, token_hash};

use super::{EService, ErrorKind, EsError, EsResult, OrgContext, Principal, new_token};

/// A token just made: the row, and the token itself, shown once.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The stored token (without its hash).
    pub row: ApiTokenRow,
    /// The bearer token. Shown to the administrator once; never stored.
    pub token: String,
}

impl EService {
    /// The principal of a bearer token, if it is valid at `now` (not revoked,
    /// not expired, its organisation still in the register). Records its use.
    pub async fn principal_for_token(&self, token: &str, now: i64) -> EsResult<Option<Principal>> {
        let token = token.trim();
        if token.is_empty() || token.len() > 200 {
            return Ok(None);
        }
        let Some(row) = self
            .store()
            .api_token_by_hash(&token_hash(token), now)
            .await?
        else {
            return Ok(None);
        };
        let Some(org) = self.store().organisation(&row.org_oid).await? else {
            return Ok(None);
        };
        // At most one write a minute per token.
        if row.last_used_at.is_none_or(|t| now - t >= 60) {
            self.store().record_api_token_use(row.id, now).await?;
        }
        Ok(Some(Principal {
            actor: format!("api-token:{}", row.id),
            user: None,
            org: Some(OrgContext {
                oid: org.oid,
                name_fi: org.name_fi,
                name_sv: org.name_sv,
                name_en: org.name_en,
                role: Role::OrgUser,
            }),
            officer: false,
            auditor: false,
        }))
    }

    /// Makes an API token for the organisation the administrator acts for,
    /// valid `days` days (1 to the configured maximum).
    pub async fn create_api_token(
        &self,
        p: &Principal,
        name: &str,
        days: i64,
        now: i64,
    ) -> EsResult<NewToken> {
        p.require_user()?;
        let org = p.require_org(&[Role::OrgAdmin])?;
        let max = self.settings().api_token_max_days;
        if !(1..=max).contains(&days) {
            return Err(EsError::invalid(
                "api_token.days",
                format!("a token is valid 1 to {max} days: choose its validity within that"),
            ));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(EsError::invalid(
                "api_token.name",
                "name the token after the system that uses it (1–100 characters, one line)",
            ));
        }
        let token = new_token()?;
        let row = self
            .store()
            .create_api_token(
                &NewApiToken {
                    org_oid: org.oid.clone(),
                    name: name.to_owned(),
                    token_hash: token_hash(&token),
                    expires_at: now + days * 86_400,
                },
                &p.actor,
                now,
            )
            .await?;
        Ok(NewToken { row, token })
    }

    /// The organisation's API tokens (without hashes).
    pub async fn api_tokens(&self, p: &Principal) -> EsResult<Vec<ApiTokenRow>> {
        let org = p.require_org(&[Role::OrgAdmin])?;
        Ok(self.store().api_tokens_of_org(&org.oid).await?)
    }

    /// Revokes one of the organisation's API tokens; it stops working at once.
    pub async fn revoke_api_token(&self, p: &Principal, id: i64, now: i64) -> EsResult<()> {
        p.require_user()?;
        let org = p.require_org(&[Role::OrgAdmin])?;
        if !self
            .store()
            .api_tokens_of_org(&org.oid)
            .await?
            .iter()
            .any(|t| t.id == id)
        {
            return Err(EsError::not_found(&format!("API token {id}")));
        }
        match self
            .store()
            .revoke_api_token(id, &org.oid, &p.actor, now)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = EsError::from(e);
                // The store answers a conflict for a token revoked already.
                if e.kind == ErrorKind::Conflict {
                    Err(EsError::new(
                        ErrorKind::Conflict,
                        "api_token.revoked",
                        e.detail,
                    ))
                } else {
                    Err(e)
                }
            }
        }
    }
}

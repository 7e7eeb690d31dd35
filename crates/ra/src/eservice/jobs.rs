//! The e-service's scheduled work: lapsing (R-LAPSE), marking delivery once
//! the delivery mail has gone (R-DELIVERY, R-STAGES) and warning of expiring
//! certificates. Each run is idempotent: a run that stops half-way is finished
//! by the next one, and a notification is queued once (outbox dedupe keys).

use std::time::Duration;

use carepki_policy::application::{self as policy, Action, Actor, Role, StateKind, transition};
use carepki_store::{MailStatus, StoreError};
use serde::Serialize;
use serde_json::json;

use super::applications::{delivery_key, facts_of, update_of};
use super::{EService, EsResult};
use crate::notify::Notification;

/// Days before expiry at which the organisation is warned.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobReport {
    /// Applications that lapsed.
    pub lapsed: usize,
    /// Applications marked delivered.
    pub delivered: usize,
    /// Expiry warnings queued.
    pub expiry_warnings: usize,
    /// Expired sessions and abandoned sign-ins removed.
    pub purged: u64,
}

fn system(job: &str) -> Actor {
    Actor {
        id: format!("job:{job}"),
        role: Role::System,
        organisation: None,
    }
}

impl EService {
    /// One run of every job at `now`.
    pub async fn run_jobs(&self, now: i64) -> EsResult<JobReport> {
        Ok(JobReport {
            lapsed: self.lapse_pending(now).await?,
            delivered: self.mark_delivered(now).await?,
            expiry_warnings: self.warn_expiring(now).await?,
            purged: self.store().purge_expired_sessions(now).await?
                + self.store().purge_expired_oidc_logins(now).await?,
        })
    }

    /// Runs the jobs every `every` until the task is dropped.
    pub async fn run_jobs_forever(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = carepki_ca::authority::now_unix();
            match self.run_jobs(now).await {
                Ok(r) if r != JobReport::default() => {
                    tracing::info!(
                        lapsed = r.lapsed,
                        delivered = r.delivered,
                        expiry_warnings = r.expiry_warnings,
                        purged = r.purged,
                        "e-service jobs"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "e-service jobs failed; retrying next round"),
            }
        }
    }

    /// R-LAPSE: every draft or incomplete application pending more than six
    /// calendar months lapses, and the applicant is told.
    pub async fn lapse_pending(&self, now: i64) -> EsResult<usize> {
        // Six calendar months are never shorter than 181 days less an hour.
        let cutoff = now - 180 * 86_400;
        let mut n = 0;
        for row in self.store().lapse_candidates(cutoff).await? {
            let facts = facts_of(&row)?;
            if !policy::lapse_due(&facts, now) {
                continue;
            }
            let t = transition(&facts, Action::Lapse, &system("lapse"), now)?;
            let update = update_of(&t, json!({"pending_since": policy::pending_since(&facts)}))?;
            match self
                .store()
                .record_transition(row.id, row.version, &update)
                .await
            {
                Ok(stored) => {
                    n += 1;
                    if let Ok(Some(to)) = self.recipient_of(&stored.created_by).await {
                        let n = Notification::Lapsed {
                            application_id: stored.id,
                            profile: stored.profile.clone(),
                            organisation: self.org_name(&stored.org_oid, &to.language).await,
                            pending_since: policy::pending_since(&facts).unwrap_or(row.created_at),
                            link: self.link(&format!("/applications/{}", stored.id)),
                        };
                        self.notify(
                            &to,
                            &n,
                            &format!("application:{}:lapsed", stored.id),
                            Some(&stored.org_oid),
                            None,
                            "job:lapse",
                            now,
                        )
                        .await;
                    }
                }
                // Changed meanwhile (the applicant acted): next round decides again.
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(n)
    }

    /// R-DELIVERY: an issued application is delivered once a delivery mail
    /// of its certificate has been accepted by the mail server.
    pub async fn mark_delivered(&self, now: i64) -> EsResult<usize> {
        let mut n = 0;
        for row in self
            .store()
            .applications_in_state(StateKind::Issued.as_str())
            .await?
        {
            let facts = facts_of(&row)?;
            let Some(serial) = facts.serial.clone() else {
                continue;
            };
            let mut people = vec![row.created_by.clone()];
            people.extend(facts.technical_contacts.iter().cloned());
            let mut sent = false;
            for actor in &people {
                if let Some(mail) = self
                    .store()
                    .mail_by_dedupe_key(&delivery_key(row.id, &serial, actor))
                    .await?
                    && mail.status == MailStatus::Sent
                {
                    sent = true;
                    break;
                }
            }
            if !sent {
                continue;
            }
            let t = transition(&facts, Action::MarkDelivered, &system("delivery"), now)?;
            let update = update_of(&t, json!({"serial": serial}))?;
            match self
                .store()
                .record_transition(row.id, row.version, &update)
                .await
            {
                Ok(_) => n += 1,
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(n)
    }

    /// Warns each organisation's administrators of its certificates that
    /// expire within [`EXPIRY_WARNING_DAYS`] days (once per certificate and
    /// person).
    pub async fn warn_expiring(&self, now: i64) -> EsResult<usize> {
        let mut n = 0;
        let until = now + EXPIRY_WARNING_DAYS * 86_400;
        for cert in self.store().certificates_expiring(now, until).await? {
            let Some(org_oid) = cert.org_oid.clone() else {
                continue;
            };
            for m in self.store().members_of_org(&org_oid).await? {
                if m.role != "org-admin" {
                    continue;
                }
                let actor = carepki_store::user_actor(m.user_id);
                let Ok(Some(to)) = self.recipient_of(&actor).await else {
                    continue;
                };
                let key = format!("expiring:{}:{actor}", cert.serial);
                if self.store().mail_by_dedupe_key(&key).await?.is_some() {
                    continue;
                }
                let notification = Notification::ExpiringSoon {
                    serial: cert.serial.clone(),
                    subject: cert.subject.clone(),
                    organisation: self.org_name(&org_oid, &to.language).await,
                    not_after: cert.not_after,
                    link: self.link(&format!("/certificates/{}", cert.serial)),
                };
                self.notify(
                    &to,
                    &notification,
                    &key,
                    Some(&org_oid),
                    Some(&cert.serial),
                    "job:expiry",
                    now,
                )
                .await;
                n += 1;
            }
        }
        Ok(n)
    }
}

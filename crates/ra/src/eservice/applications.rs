//! Applications for service certificates: drafts, attachments, submission,
//! the CA officer's decisions, issuance and delivery (R-STAGES, R-CSR,
//! R-SYSSIG-APPLICANT, R-CONFORMITY, R-ELIGIBLE, R-SLA, R-DELIVERY).

use carepki_ca::IssueRequest;
use carepki_policy::ProfileId;
use carepki_policy::application::{
    self as policy, Action, ApplicationFacts, Role, StateKind, SyssigBasis, Transition, transition,
};
use carepki_store::{
    ApplicationRow, ApplicationUpdate, AttachmentMeta, NewApplication, NewAttachment,
    NewTimelineEvent, TimelineEntry,
};
use serde::Serialize;
use serde_json::{Value, json};

use super::checks::{CsrSummary, check_conformity_pdf, check_csr};
use super::{EService, ErrorKind, EsError, EsResult, Principal};
use crate::notify::{self, Notification, Recipient};

/// An application as its reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    /// The stored application.
    pub application: ApplicationRow,
    /// The organisation's long name (R-LONGNAME).
    pub organisation: String,
    /// Its timeline, oldest first (R-STAGES).
    pub timeline: Vec<TimelineEntry>,
    /// Its attachments.
    pub attachments: Vec<AttachmentView>,
    /// The attached CSR in plain words, if one is attached.
    pub csr: Option<CsrSummary>,
    /// What it lacks before it can be submitted: (code, English text).
    pub missing: Vec<(String, String)>,
    /// The declared ground of a system signature application.
    pub syssig_basis: Option<SyssigBasis>,
    /// What the technical contact's organisation field reads, when fixed
    /// (R-SYSSIG-APPLICANT: "Kanta provider").
    pub technical_contact_organisation: Option<String>,
    /// The last second before it lapses, while it can (R-LAPSE).
    pub lapses_after: Option<i64>,
    /// How many officer approvals it needs, and has.
    pub approvals: (usize, usize),
    /// The certificate's serial number, once issued.
    pub serial: Option<String>,
}

/// An attachment as listed.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    /// The stored metadata (SHA-256, size, who, when).
    #[serde(flatten)]
    pub meta: AttachmentMeta,
}

/// An entry of the CA officer's queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    /// The application.
    pub application: ApplicationRow,
    /// The organisation's long name.
    pub organisation: String,
    /// The delivery due date (R-SLA).
    pub due_at: i64,
    /// Whether it is overdue.
    pub overdue: bool,
}

/// The policy's facts of a stored application.
pub(crate) fn facts_of(row: &ApplicationRow) -> EsResult<ApplicationFacts> {
    serde_json::from_value(row.facts.clone()).map_err(|e| {
        EsError::unavailable(format!(
            "application {}: stored facts unreadable: {e}",
            row.id
        ))
    })
}

/// What the store keeps of a transition.
pub(crate) fn update_of(t: &Transition, detail: Value) -> EsResult<ApplicationUpdate> {
    let facts = serde_json::to_value(&t.facts).map_err(EsError::unavailable)?;
    let due_at = policy::sla_due(&t.facts).map_err(EsError::unavailable)?;
    Ok(ApplicationUpdate {
        state: t.facts.state.kind().as_str().to_owned(),
        facts,
        completed_at: t.facts.completed_at,
        due_at,
        pending_since: policy::pending_since(&t.facts),
        event: NewTimelineEvent {
            at: t.event.at,
            actor_id: t.event.actor.clone(),
            role: t.event.role.as_str().to_owned(),
            action: t.event.action.as_str().to_owned(),
            detail,
        },
    })
}

fn check_version(row: &ApplicationRow, expected: Option<i64>) -> EsResult<()> {
    match expected {
        Some(v) if v != row.version => Err(EsError::new(
            ErrorKind::Conflict,
            "application.changed",
            format!(
                "application {} has changed since you opened it (it is now {}): reload it, \
                 check it, and do this again if still needed",
                row.id, row.state
            ),
        )),
        _ => Ok(()),
    }
}

fn parse_profile(profile: &str) -> EsResult<ProfileId> {
    match ProfileId::parse(profile) {
        Some(p) if p != ProfileId::Email => Ok(p),
        _ => Err(EsError::invalid(
            "application.profile",
            "choose the certificate type: server, test-server, system-signature or \
             test-system-signature",
        )),
    }
}

/// The filename as given, without any path, one line, at most 200 characters.
fn clean_filename(name: &str, fallback: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        fallback.to_owned()
    } else {
        clean
    }
}

impl EService {
    /// The mail recipient behind an actor id, if it is a user.
    pub(crate) async fn recipient_of(&self, actor: &str) -> EsResult<Option<Recipient>> {
        let Some(id) = actor
            .strip_prefix("user:")
            .and_then(|s| s.parse::<i64>().ok())
        else {
            return Ok(None);
        };
        Ok(self.store().user(id).await?.map(|u| Recipient {
            email: u.email,
            display_name: Some(u.display_name),
            language: u.language,
        }))
    }

    /// The organisation's name in a language.
    pub(crate) async fn org_name(&self, oid: &str, language: &str) -> String {
        match self.store().organisation(oid).await {
            Ok(Some(row)) => match language {
                "sv" => row.name_sv,
                "en" => row.name_en,
                _ => row.name_fi,
            },
            _ => oid.to_owned(),
        }
    }

    /// Queues a notification; a failure is logged, not returned: the change it
    /// reports is stored already.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn notify(
        &self,
        to: &Recipient,
        n: &Notification,
        dedupe_key: &str,
        org_oid: Option<&str>,
        serial: Option<&str>,
        actor: &str,
        now: i64,
    ) {
        if let Err(e) =
            notify::enqueue(self.store(), to, n, dedupe_key, org_oid, serial, actor, now).await
        {
            tracing::error!(error = %e, dedupe_key, "could not queue a notification");
        }
    }

    /// Runs `action` on application `id` as `p` and stores it. Answers the
    /// stored application and the transition.
    #[allow(clippy::too_many_arguments)]
    async fn act(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        action: Action,
        officer: bool,
        detail: Value,
        now: i64,
    ) -> EsResult<(ApplicationRow, Transition)> {
        let row = self.readable_application(p, id).await?;
        check_version(&row, expected_version)?;
        let facts = facts_of(&row)?;
        let t = transition(&facts, action, &p.policy_actor(officer), now)?;
        let update = update_of(&t, detail)?;
        let stored = self
            .store()
            .record_transition(row.id, row.version, &update)
            .await?;
        Ok((stored, t))
    }

    /// Starts an application for the organisation the principal acts for
    /// (R-ACCOUNT, R-ELIGIBLE): a draft, with the organisation's sector and
    /// intermediary status from the register.
    pub async fn create_application(
        &self,
        p: &Principal,
        profile: &str,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        let org = p.require_org(&[Role::OrgAdmin, Role::OrgUser])?;
        let profile = parse_profile(profile)?;
        let organisation = self.organisation(&org.oid).await?;
        let facts = ApplicationFacts::new_draft(profile, &organisation, now);
        let row = self
            .store()
            .create_application(&NewApplication {
                org_oid: org.oid.clone(),
                profile: profile.as_str().to_owned(),
                state: facts.state.kind().as_str().to_owned(),
                facts: serde_json::to_value(&facts).map_err(EsError::unavailable)?,
                pending_since: policy::pending_since(&facts),
                event: NewTimelineEvent {
                    at: now,
                    actor_id: p.actor.clone(),
                    role: org.role.as_str().to_owned(),
                    action: "create".into(),
                    detail: json!({}),
                },
            })
            .await?;
        Ok(row)
    }

    /// The applications the principal may read: his organisation's (a technical
    /// contact: those he is invited to), newest first.
    pub async fn applications(&self, p: &Principal) -> EsResult<Vec<ApplicationRow>> {
        let Some(org) = &p.org else {
            return Ok(Vec::new());
        };
        Ok(self
            .store()
            .applications_of_org(&org.oid)
            .await?
            .into_iter()
            .filter(|a| super::may_read(p, a))
            .collect())
    }

    /// One application with its timeline, attachments and CSR in plain words.
    pub async fn application(&self, p: &Principal, id: i64) -> EsResult<ApplicationView> {
        let row = self.readable_application(p, id).await?;
        let facts = facts_of(&row)?;
        let store = self.store();
        let timeline = store.application_timeline(id).await?;
        let attachments = store.attachments(id).await?;
        let organisation = self.organisation(&row.org_oid).await?;
        let csr = match attachments.iter().rev().find(|a| a.kind == "csr") {
            Some(a) => match store.attachment_bytes(id, a.id).await? {
                Some(bytes) => check_csr(
                    &bytes,
                    facts.profile,
                    &organisation,
                    self.authority().ceremony(),
                )
                .ok()
                .map(|c| c.summary),
                None => None,
            },
            None => None,
        };
        Ok(ApplicationView {
            organisation: organisation.long_name().to_owned(),
            timeline,
            attachments: attachments
                .into_iter()
                .map(|meta| AttachmentView { meta })
                .collect(),
            csr,
            missing: facts
                .missing()
                .into_iter()
                .map(|m| (m.code().to_owned(), m.to_string()))
                .collect(),
            syssig_basis: facts.syssig_basis,
            technical_contact_organisation: facts
                .technical_contact_organisation()
                .map(str::to_owned),
            lapses_after: policy::lapses_after(&facts),
            approvals: (facts.required_approvals(), facts.approvals.len()),
            serial: facts.serial.clone(),
            application: row,
        })
    }

    /// An attachment's metadata and bytes.
    pub async fn attachment(
        &self,
        p: &Principal,
        id: i64,
        attachment_id: i64,
    ) -> EsResult<(AttachmentMeta, Vec<u8>)> {
        self.readable_application(p, id).await?;
        let meta = self
            .store()
            .attachments(id)
            .await?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or_else(|| EsError::not_found("the attachment"))?;
        let bytes = self
            .store()
            .attachment_bytes(id, attachment_id)
            .await?
            .ok_or_else(|| EsError::not_found("the attachment"))?;
        Ok((meta, bytes))
    }

    /// Declares the ground of a system signature application
    /// (R-SYSSIG-APPLICANT): the applicant administers the system, or is a Kanta
    /// intermediary applying in its own name.
    pub async fn set_syssig_basis(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        basis: &str,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        let basis = match basis {
            "administers-system" => SyssigBasis::AdministersSystem,
            "kanta-intermediary-own-name" => SyssigBasis::KantaIntermediaryOwnName,
            _ => {
                return Err(EsError::invalid(
                    "application.syssig_basis",
                    "choose the ground: administers-system, or kanta-intermediary-own-name",
                ));
            }
        };
        let row = self.readable_application(p, id).await?;
        check_version(&row, expected_version)?;
        let facts = facts_of(&row)?;
        if facts.profile.purpose() != carepki_policy::profile::Purpose::SystemSignature {
            return Err(EsError::invalid(
                "application.syssig_basis",
                "only a system signature application declares this ground",
            ));
        }
        if basis == SyssigBasis::KantaIntermediaryOwnName && !facts.kanta_intermediary {
            return Err(EsError::invalid(
                "requirement.kanta_intermediary",
                carepki_policy::application::Requirement::KantaIntermediary.to_string(),
            ));
        }
        let mut t = transition(&facts, Action::Edit, &p.policy_actor(false), now)?;
        t.facts.syssig_basis = Some(basis);
        let update = update_of(&t, json!({"syssig_basis": basis}))?;
        Ok(self
            .store()
            .record_transition(row.id, row.version, &update)
            .await?)
    }

    /// Attaches the certificate request (R-CSR), checked against the
    /// certificate type and the organisation at once (R-ELIGIBLE); a request
    /// that does not fit is refused with every problem listed and nothing
    /// stored.
    pub async fn attach_csr(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        filename: &str,
        bytes: &[u8],
        now: i64,
    ) -> EsResult<(ApplicationRow, CsrSummary)> {
        let row = self.readable_application(p, id).await?;
        check_version(&row, expected_version)?;
        let facts = facts_of(&row)?;
        let t = transition(&facts, Action::AttachCsr, &p.policy_actor(false), now)?;
        let organisation = self.organisation(&row.org_oid).await?;
        let checked = check_csr(
            bytes,
            facts.profile,
            &organisation,
            self.authority().ceremony(),
        )?;
        // A key already certified for another organisation, or revoked, is
        // refused now rather than at issuance.
        for used in self.store().key_uses(&checked.summary.key_sha256).await? {
            if used.status == "revoked" || used.org_oid.as_deref() != Some(&row.org_oid) {
                return Err(EsError::invalid(
                    "csr.key_reused",
                    "this key has been certified before and that certificate was revoked, \
                     or it belongs to another organisation: generate a new key pair and a \
                     new CSR",
                ));
            }
        }
        if self
            .authority()
            .cas()
            .values()
            .any(|ca| ca.spki_sha256 == checked.summary.key_sha256)
        {
            return Err(EsError::invalid(
                "csr.key_reused",
                "the request carries a CA's public key: generate a new key pair",
            ));
        }
        let update = update_of(&t, json!({}))?;
        let (_, stored) = self
            .store()
            .add_attachment(
                row.id,
                row.version,
                &NewAttachment {
                    kind: "csr".into(),
                    filename: clean_filename(filename, "request.csr"),
                    content_type: "application/pkcs10".into(),
                    bytes: bytes.to_vec(),
                },
                &update,
            )
            .await?;
        Ok((stored, checked.summary))
    }

    /// Attaches the certificate of conformity (R-CONFORMITY): a PDF, size
    /// limited, stored with its SHA-256.
    pub async fn attach_conformity(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        filename: &str,
        bytes: &[u8],
        now: i64,
    ) -> EsResult<ApplicationRow> {
        let row = self.readable_application(p, id).await?;
        check_version(&row, expected_version)?;
        let facts = facts_of(&row)?;
        let t = transition(
            &facts,
            Action::AttachConformity,
            &p.policy_actor(false),
            now,
        )?;
        check_conformity_pdf(bytes)?;
        let update = update_of(&t, json!({}))?;
        let (_, stored) = self
            .store()
            .add_attachment(
                row.id,
                row.version,
                &NewAttachment {
                    kind: "conformity".into(),
                    filename: clean_filename(filename, "conformity.pdf"),
                    content_type: "application/pdf".into(),
                    bytes: bytes.to_vec(),
                },
                &update,
            )
            .await?;
        Ok(stored)
    }

    /// Submits a draft (R-STAGES); the applicant is told it was received.
    pub async fn submit(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        let (row, _) = self
            .act(
                p,
                id,
                expected_version,
                Action::Submit,
                false,
                json!({}),
                now,
            )
            .await?;
        self.tell_applicant(&row, "received", now, |org, link| {
            Notification::ApplicationReceived {
                application_id: row.id,
                profile: row.profile.clone(),
                organisation: org,
                due_at: row.due_at,
                link,
            }
        })
        .await;
        Ok(row)
    }

    /// Sends an incomplete application back to the CA with what was asked for.
    pub async fn provide_info(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        let (row, _) = self
            .act(
                p,
                id,
                expected_version,
                Action::ProvideInfo,
                false,
                json!({}),
                now,
            )
            .await?;
        Ok(row)
    }

    /// Gives up a draft.
    pub async fn withdraw(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        Ok(self
            .act(
                p,
                id,
                expected_version,
                Action::Withdraw,
                false,
                json!({}),
                now,
            )
            .await?
            .0)
    }

    /// The CA officer's queue (R-SLA): complete applications by due date,
    /// overdue ones flagged.
    pub async fn queue(&self, p: &Principal, now: i64) -> EsResult<Vec<QueueItem>> {
        if !(p.officer || p.auditor) {
            return Err(EsError::forbidden(
                "officer_only",
                "only CA officers (and auditors, to read) see the work queue",
            ));
        }
        let mut out = Vec::new();
        for e in self.store().officer_queue(now).await? {
            let organisation = self.org_name(&e.application.org_oid, "fi").await;
            out.push(QueueItem {
                organisation,
                due_at: e.due_at,
                overdue: e.overdue,
                application: e.application,
            });
        }
        Ok(out)
    }

    fn require_officer(p: &Principal) -> EsResult<()> {
        if p.officer {
            Ok(())
        } else {
            Err(EsError::forbidden(
                "officer_only",
                "only a CA officer decides applications",
            ))
        }
    }

    /// For an officer's action on application `id`: not found unless the
    /// principal may read it (another organisation's application answers as
    /// one that does not exist), then refused unless he is a CA officer.
    async fn require_officer_on(&self, p: &Principal, id: i64) -> EsResult<()> {
        self.readable_application(p, id).await?;
        Self::require_officer(p)
    }

    /// Takes a submitted application into review.
    pub async fn start_review(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        self.require_officer_on(p, id).await?;
        Ok(self
            .act(
                p,
                id,
                expected_version,
                Action::StartReview,
                true,
                json!({}),
                now,
            )
            .await?
            .0)
    }

    /// Asks the applicant for more; he is told what, by mail.
    pub async fn request_more_info(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        message: &str,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        self.require_officer_on(p, id).await?;
        let action = Action::RequestMoreInfo {
            message: message.to_owned(),
        };
        let (row, _) = self
            .act(
                p,
                id,
                expected_version,
                action,
                true,
                json!({"message": message.trim()}),
                now,
            )
            .await?;
        let msg = message.trim().to_owned();
        self.tell_applicant(
            &row,
            &format!("more-info:{}", row.version),
            now,
            |org, link| Notification::MoreInfoNeeded {
                application_id: row.id,
                profile: row.profile.clone(),
                organisation: org,
                message: msg.clone(),
                link,
            },
        )
        .await;
        Ok(row)
    }

    /// Rejects the application with a reason the applicant reads.
    pub async fn reject(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        reason: &str,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        self.require_officer_on(p, id).await?;
        let action = Action::Reject {
            reason: reason.to_owned(),
        };
        let (row, _) = self
            .act(
                p,
                id,
                expected_version,
                action,
                true,
                json!({"reason": reason.trim()}),
                now,
            )
            .await?;
        let reason = reason.trim().to_owned();
        self.tell_applicant(&row, "rejected", now, |org, link| Notification::Rejected {
            application_id: row.id,
            profile: row.profile.clone(),
            organisation: org,
            reason: reason.clone(),
            link,
        })
        .await;
        Ok(row)
    }

    /// Approves an application in review. Once it has every approval it needs
    /// (two different officers for a production system signature
    /// certificate), the CA issues the certificate at once.
    pub async fn approve(
        &self,
        p: &Principal,
        id: i64,
        expected_version: Option<i64>,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        self.require_officer_on(p, id).await?;
        let (row, t) = self
            .act(
                p,
                id,
                expected_version,
                Action::Approve,
                true,
                json!({}),
                now,
            )
            .await?;
        if t.facts.state.kind() == StateKind::Approved {
            return self.issue(p, row.id, now).await;
        }
        Ok(row)
    }

    /// Issues the certificate of an approved application through the CA's
    /// issuance cycle, records the serial, and queues the delivery mail with
    /// the DER and PEM files to the applicant and the technical contacts
    /// (R-DELIVERY). An approved application whose issuance failed (the CA
    /// said why) can be issued again with this call.
    pub async fn issue(&self, p: &Principal, id: i64, now: i64) -> EsResult<ApplicationRow> {
        let row = self.readable_application(p, id).await?;
        Self::require_officer(p)?;
        let facts = facts_of(&row)?;
        if facts.state.kind() != StateKind::Approved {
            return Err(EsError::new(
                ErrorKind::Conflict,
                "application.not_approved",
                format!(
                    "application {id} is {}, not approved: nothing to issue",
                    row.state
                ),
            ));
        }
        let store = self.store();
        let csr_meta = store
            .attachments(id)
            .await?
            .into_iter()
            .rev()
            .find(|a| a.kind == "csr")
            .ok_or_else(|| EsError::invalid("requirement.csr", "no CSR is attached"))?;
        let csr = store
            .attachment_bytes(id, csr_meta.id)
            .await?
            .ok_or_else(|| EsError::invalid("requirement.csr", "no CSR is attached"))?;
        let organisation = self.organisation(&row.org_oid).await?;
        let checked = check_csr(
            &csr,
            facts.profile,
            &organisation,
            self.authority().ceremony(),
        )?;
        // Issued already, but the serial was not recorded (a crash between the
        // two)? Then record that certificate rather than make a second one.
        if let Some(issued) = self.issued_earlier(&row, &facts, &checked).await? {
            tracing::warn!(application = id, serial = %issued.serial, "recording a certificate issued earlier for this application");
            return self.record_issued(&row, &facts, p, &issued, now).await;
        }
        let issued = self
            .authority()
            .issue(&IssueRequest {
                profile: facts.profile,
                org_oid: row.org_oid.clone(),
                csr,
                common_name: checked.common_name,
                dns_names: checked.dns_names,
                emails: Vec::new(),
                days: None,
                ca: None,
                actor: p.actor.clone(),
            })
            .await?;
        self.record_issued(&row, &facts, p, &issued, now).await
    }

    /// A valid certificate of this organisation and type for the request's key,
    /// issued since the last approval: one the CA issued for this application
    /// whose serial was never recorded.
    async fn issued_earlier(
        &self,
        row: &ApplicationRow,
        facts: &ApplicationFacts,
        checked: &super::checks::CheckedCsr,
    ) -> EsResult<Option<carepki_ca::Issued>> {
        let store = self.store();
        let approved_at = facts
            .approvals
            .iter()
            .map(|a| a.at)
            .max()
            .unwrap_or(row.updated_at);
        for used in store.key_uses(&checked.summary.key_sha256).await? {
            if used.status != "valid" || used.org_oid.as_deref() != Some(row.org_oid.as_str()) {
                continue;
            }
            let Some(cert) = store.certificate(&used.serial).await? else {
                continue;
            };
            let Some(der) = cert.der.clone() else {
                continue;
            };
            if cert.profile != facts.profile.as_str()
                || cert.issued_at.is_none_or(|t| t < approved_at)
            {
                continue;
            }
            let ca = self.authority().loaded_ca(&cert.ca_id)?;
            return Ok(Some(carepki_ca::Issued {
                serial: cert.serial.clone(),
                profile: facts.profile.as_str().to_owned(),
                subject: cert.subject.clone(),
                issuer: ca.row.subject.clone(),
                ca: cert.ca_id.clone(),
                not_before: carepki_ca::authority::rfc3339(cert.not_before),
                not_after: carepki_ca::authority::rfc3339(cert.not_after),
                status: cert.status.clone(),
                pem: carepki_x509::cert::certificate_pem(&der).map_err(EsError::unavailable)?,
                der,
                chain_pem: self.authority().chain_pem(ca),
            }));
        }
        Ok(None)
    }

    /// Records the serial of an issued certificate and queues its delivery.
    async fn record_issued(
        &self,
        row: &ApplicationRow,
        facts: &ApplicationFacts,
        p: &Principal,
        issued: &carepki_ca::Issued,
        now: i64,
    ) -> EsResult<ApplicationRow> {
        let t = transition(
            facts,
            Action::MarkIssued {
                serial: issued.serial.clone(),
            },
            &p.policy_actor(true),
            now,
        )?;
        let update = update_of(&t, json!({"serial": issued.serial}))?;
        let stored = self
            .store()
            .record_transition(row.id, row.version, &update)
            .await?;
        self.send_delivery(&stored, facts, issued, now).await;
        Ok(stored)
    }

    /// Queues the delivery mail to the applicant and each technical contact.
    async fn send_delivery(
        &self,
        row: &ApplicationRow,
        facts: &ApplicationFacts,
        issued: &carepki_ca::Issued,
        now: i64,
    ) {
        let not_after = time::OffsetDateTime::parse(
            &issued.not_after,
            &time::format_description::well_known::Rfc3339,
        )
        .map_or(0, time::OffsetDateTime::unix_timestamp);
        let mut people = vec![row.created_by.clone()];
        people.extend(facts.technical_contacts.iter().cloned());
        people.dedup();
        for actor in people {
            let Ok(Some(to)) = self.recipient_of(&actor).await else {
                continue;
            };
            let n = Notification::Delivered {
                application_id: row.id,
                profile: row.profile.clone(),
                organisation: self.org_name(&row.org_oid, &to.language).await,
                serial: issued.serial.clone(),
                subject: issued.subject.clone(),
                not_after,
                der: issued.der.clone(),
                pem: issued.pem.clone(),
                chain_pem: issued.chain_pem.clone(),
                link: self.link(&format!("/certificates/{}", issued.serial)),
            };
            self.notify(
                &to,
                &n,
                &delivery_key(row.id, &issued.serial, &actor),
                Some(&row.org_oid),
                Some(&issued.serial),
                "eservice:delivery",
                now,
            )
            .await;
        }
    }

    /// Tells the applicant (the application's creator) something.
    async fn tell_applicant(
        &self,
        row: &ApplicationRow,
        what: &str,
        now: i64,
        make: impl Fn(String, String) -> Notification,
    ) {
        let Ok(Some(to)) = self.recipient_of(&row.created_by).await else {
            return;
        };
        let org = self.org_name(&row.org_oid, &to.language).await;
        let link = self.link(&format!("/applications/{}", row.id));
        self.notify(
            &to,
            &make(org, link),
            &format!("application:{}:{what}", row.id),
            Some(&row.org_oid),
            None,
            "eservice:notify",
            now,
        )
        .await;
    }
}

/// The outbox key of the delivery mail of application `id`'s certificate to
/// one person; the delivery job looks for it.
pub(crate) fn delivery_key(id: i64, serial: &str, actor: &str) -> String {
    format!("delivery:{id}:{serial}:{actor}")
}

//! TEMPORARY compile shim; replaced by the notify branch.
#![allow(missing_docs, clippy::too_many_arguments)]
pub struct Recipient {
    pub email: String,
    pub display_name: Option<String>,
    pub language: String,
}
pub enum Notification {
    Invitation {
        organisation: String,
        role: String,
        inviter: String,
        link: String,
        expires_at: i64,
    },
    ApplicationReceived {
        application_id: i64,
        profile: String,
        organisation: String,
        due_at: Option<i64>,
        link: String,
    },
    MoreInfoNeeded {
        application_id: i64,
        profile: String,
        organisation: String,
        message: String,
        link: String,
    },
    Rejected {
        application_id: i64,
        profile: String,
        organisation: String,
        reason: String,
        link: String,
    },
    Delivered {
        application_id: i64,
        profile: String,
        organisation: String,
        serial: String,
        subject: String,
        not_after: i64,
        der: Vec<u8>,
        pem: String,
        chain_pem: String,
        link: String,
    },
    Lapsed {
        application_id: i64,
        profile: String,
        organisation: String,
        pending_since: i64,
        link: String,
    },
    Revoked {
        serial: String,
        subject: String,
        organisation: String,
        reason: String,
        revoked_at: i64,
    },
    ExpiringSoon {
        serial: String,
        subject: String,
        organisation: String,
        not_after: i64,
        link: String,
    },
}
pub async fn enqueue(
    _store: &carepki_store::Store,
    _to: &Recipient,
    _n: &Notification,
    _dedupe_key: &str,
    _org_oid: Option<&str>,
    _serial: Option<&str>,
    _actor: &str,
    _now: i64,
) -> crate::Result<carepki_store::EnqueueOutcome> {
    Ok(_store
        .enqueue_mail(
            &carepki_store::NewMail {
                dedupe_key: _dedupe_key.into(),
                recipient: _to.email.clone(),
                subject: "shim".into(),
                body_text: "shim".into(),
                body_html: None,
                attachments: vec![],
                org_oid: _org_oid.map(Into::into),
                serial: _serial.map(Into::into),
            },
            _actor,
            _now,
        )
        .await?)
}

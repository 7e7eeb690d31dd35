//! The e-service's domain end to end on a real store and CA (issue 4): accounts
//! and invitations (R-ACCOUNT), applications and their checks (R-CSR,
//! R-ELIGIBLE, R-SYSSIG-APPLICANT, R-CONFORMITY), the officer's queue and the
//! due date (R-SLA), issuance and delivery (R-DELIVERY), lapsing (R-LAPSE) and
//! revocation requests (R-REVOKE-HOW) — with a controlled clock wherever a
//! rule counts time.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use carepki_ca::authority::now_unix;
use carepki_ca::init::{InitOptions, prepare, run_ceremony};
use carepki_ca::{Authority, DataDir};
use carepki_keys::Passphrase;
use carepki_ra::eservice::{EService, EServiceSettings, ErrorKind, Principal, SignIn};
use carepki_store::{MailStatus, OrganisationRow, Store};
use carepki_x509::name::{Attr, build_name};
use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};

const ORG: &str = "1.2.246.10.97835177.10.0";
const OTHER: &str = "1.2.246.10.12345672.10.0";
const PRIVATE: &str = "1.2.246.10.24681357.10.0";

fn org(oid: &str, fi: &str, sector: &str, domain: &str) -> OrganisationRow {
    OrganisationRow {
        oid: oid.into(),
        name_fi: fi.into(),
        name_sv: format!("{fi} (sv)"),
        name_en: format!("{fi} (en)"),
        business_id: "9783517-7".into(),
        sector: sector.into(),
        kanta_intermediary: false,
        domains: vec![domain.into()],
        created_at: 0,
        updated_at: 0,
    }
}

struct World {
    es: EService,
    _dir: tempfile::TempDir,
    _guard: carepki_store::testing::Guard,
}

async fn world() -> World {
    let (store, guard) = carepki_store::testing::sqlite_store().await;
    world_on(store, guard).await
}

async fn world_on(store: Store, guard: carepki_store::testing::Guard) -> World {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    let passphrase = Passphrase::new("correct horse battery staple".into()).unwrap();
    let opts = InitOptions {
        ceremony_toml: String::new(),
        algorithm: KeyAlgorithm::EcdsaP384,
        passphrase: Some(passphrase.clone()),
        now: now_unix() - 60,
        actor: "test".into(),
    };
    let (ceremony, passphrase, _) = prepare(&data, &opts).unwrap();
    run_ceremony(&data, &store, &ceremony, &passphrase, &opts)
        .await
        .unwrap();
    let mut other = org(OTHER, "Toisen kunnan sote", "public", "toinen.fi");
    other.business_id = "1234567-1".into();
    let mut private = org(
        PRIVATE,
        "Yksityinen Lääkäriasema Oy",
        "private",
        "laakari.fi",
    );
    private.business_id = "2468135-9".into();
    store
        .import_organisations(
            &[
                org(
                    ORG,
                    "Järvilaakson hyvinvointialue",
                    "public",
                    "jarvilaakso-hva.fi",
                ),
                other,
                private,
            ],
            "test",
            now_unix(),
        )
        .await
        .unwrap();
    let authority = Arc::new(Authority::open(data, store, passphrase).await.unwrap());
    let es = EService::new(
        authority,
        EServiceSettings::new(vec![42u8; 32], "https://pki.example.fi"),
    )
    .unwrap();
    World {
        es,
        _dir: dir,
        _guard: guard,
    }
}

fn store(w: &World) -> &Store {
    w.es.store()
}

/// Registers a person and answers his principal acting for `org`.
async fn person(w: &World, who: &str, org: Option<&str>, now: i64) -> Principal {
    let SignIn::New { subject_hash } = w.es.sign_in(who, now).await.unwrap() else {
        panic!("{who} is new");
    };
    let user =
        w.es.register(&subject_hash, who, &format!("{who}@example.fi"), "fi", now)
            .await
            .unwrap();
    let p = w.es.principal_for_user(user.id, None).await.unwrap();
    if let Some(org) = org {
        w.es.create_customer_account(&p, org, now).await.unwrap();
        return w.es.principal_for_user(user.id, Some(org)).await.unwrap();
    }
    p
}

async fn officer(w: &World, who: &str, now: i64) -> Principal {
    let p = person(w, who, None, now).await;
    let id = p.user.as_ref().unwrap().id;
    store(w)
        .grant_global_role(id, "ca-officer", "test", now)
        .await
        .unwrap();
    w.es.principal_for_user(id, None).await.unwrap()
}

/// A PEM-less DER CSR with this CN and no SANs.
fn csr(cn: &str) -> Vec<u8> {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let spki = key.public_key().as_der().unwrap();
    let subject = build_name(&[(Attr::CommonName, cn)]).unwrap();
    let rng = SystemRandom::new();
    carepki_x509::csr::build_request(
        &subject,
        spki.as_ref(),
        SignatureAlgorithm::EcdsaSha256,
        |m| {
            key.sign(&rng, m)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| "sign".to_owned())
        },
    )
    .unwrap()
}

const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// Helsinki 2026-04-02 10:00 EEST (Thursday before Easter), Unix seconds.
const THU_BEFORE_EASTER_2026: i64 = 1_775_113_200;

/// The whole life of a server certificate application, on SQLite and on
/// PostgreSQL.
#[tokio::test]
async fn server_certificate_from_application_to_revocation() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        eprintln!("backend: {backend}");
        server_certificate_life(world_on(store, guard).await).await;
    }
}

async fn server_certificate_life(w: World) {
    let t0 = THU_BEFORE_EASTER_2026;
    let alice = person(&w, "010180-9026", Some(ORG), t0).await;
    let olli = officer(&w, "020270-903P", t0).await;

    let app = w.es.create_application(&alice, "server", t0).await.unwrap();
    assert_eq!(app.state, "draft");
    // A CSR for a domain the organisation does not administer (R-ELIGIBLE):
    // refused with the reason, nothing stored.
    let e =
        w.es.attach_csr(
            &alice,
            app.id,
            Some(app.version),
            "x.csr",
            &csr("www.evil.example"),
            t0,
        )
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Invalid, "csr.profile"));
    assert!(
        e.problems.iter().any(|p| p.contains("www.evil.example")),
        "{e}"
    );
    assert!(store(&w).attachments(app.id).await.unwrap().is_empty());
    assert_eq!(
        store(&w)
            .application(app.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        app.version
    );
    // Garbage is not a CSR.
    let e =
        w.es.attach_csr(&alice, app.id, None, "x.csr", b"hello", t0)
            .await
            .unwrap_err();
    assert_eq!(e.code, "csr.malformed");

    let (app, summary) =
        w.es.attach_csr(
            &alice,
            app.id,
            Some(app.version),
            "www.csr",
            &csr("www.jarvilaakso-hva.fi"),
            t0,
        )
        .await
        .unwrap();
    assert_eq!(summary.key, "ECDSA P-256");
    assert_eq!(summary.dns_names, vec!["www.jarvilaakso-hva.fi".to_owned()]);
    assert!(
        summary.subject.contains("O=Järvilaakson hyvinvointialue"),
        "R-LONGNAME: {}",
        summary.subject
    );

    // Submitting: received, due in 5 working days (R-SLA): Good Friday and
    // Easter Monday are holidays, so the 5th working day is Monday 13 April,
    // ending 23:59:59 Helsinki time (20:59:59 UTC).
    let submitted =
        w.es.submit(&alice, app.id, Some(app.version), t0)
            .await
            .unwrap();
    assert_eq!(submitted.state, "submitted");
    assert_eq!(submitted.due_at, Some(1_776_113_999));
    let received = store(&w)
        .mail_by_dedupe_key(&format!("application:{}:received", app.id))
        .await
        .unwrap()
        .expect("the applicant is told");
    assert!(
        received.recipient.ends_with("<010180-9026@example.fi>"),
        "{}",
        received.recipient
    );
    // The same form sent twice.
    let e =
        w.es.submit(&alice, app.id, Some(app.version), t0)
            .await
            .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    // Edited after submission.
    let e =
        w.es.attach_csr(
            &alice,
            app.id,
            None,
            "www.csr",
            &csr("www.jarvilaakso-hva.fi"),
            t0,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "application.edit_after_submit");

    // The queue: on time before the due date, overdue after it.
    let q = w.es.queue(&olli, t0).await.unwrap();
    assert_eq!(q.len(), 1);
    assert!(!q[0].overdue);
    let q = w.es.queue(&olli, 1_776_114_000).await.unwrap();
    assert!(q[0].overdue, "overdue from the second after the due date");
    // The applicant is no officer.
    assert_eq!(
        w.es.queue(&alice, t0).await.unwrap_err().kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        w.es.approve(&alice, app.id, None, t0)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );

    let t1 = t0 + 3600;
    w.es.start_review(&olli, app.id, None, t1).await.unwrap();
    let issued = w.es.approve(&olli, app.id, None, t1).await.unwrap();
    assert_eq!(issued.state, "issued");
    let serial = issued.facts["serial"].as_str().unwrap().to_owned();

    // Delivered by mail with DER, PEM and chain; the delivery job marks it
    // delivered once the mail has gone.
    let key = format!("delivery:{}:{serial}:{}", app.id, alice.actor);
    let mail = store(&w).mail_by_dedupe_key(&key).await.unwrap().unwrap();
    assert_eq!(mail.status, MailStatus::Queued);
    assert_eq!(w.es.mark_delivered(t1).await.unwrap(), 0, "not sent yet");
    let claimed = store(&w)
        .claim_due_mail("t", t1 + 10, 60, 100)
        .await
        .unwrap();
    assert!(claimed.iter().any(|m| m.id == mail.id));
    store(&w)
        .mark_mail_sent(mail.id, "t", t1 + 11)
        .await
        .unwrap();
    assert_eq!(w.es.mark_delivered(t1 + 12).await.unwrap(), 1);
    let view = w.es.application(&alice, app.id).await.unwrap();
    assert_eq!(view.application.state, "delivered");
    let actions: Vec<&str> = view.timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create",
            "attach-csr",
            "submit",
            "start-review",
            "approve",
            "mark-issued",
            "mark-delivered"
        ]
    );

    // Download with the chain.
    let files = w.es.certificate_files(&alice, &serial).await.unwrap();
    assert!(files.pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(files.chain_pem.matches("BEGIN CERTIFICATE").count(), 2);

    // Another organisation sees nothing of it.
    let bob = person(&w, "030390-9019", Some(OTHER), t1).await;
    assert_eq!(
        w.es.application(&bob, app.id).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        w.es.certificate_files(&bob, &serial)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    let e =
        w.es.request_revocation(&bob, &serial, "keyCompromise", true, t1)
            .await
            .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "another organisation's serial");

    // Revocation (R-REVOKE-HOW): reviewed, confirmed, final, confirmed by mail.
    let preview = w.es.revocation_preview(&alice, &serial).await.unwrap();
    assert_eq!(preview.status, "valid");
    let e =
        w.es.request_revocation(&alice, &serial, "keyCompromise", false, t1)
            .await
            .unwrap_err();
    assert_eq!(e.code, "revocation.unconfirmed");
    let e =
        w.es.request_revocation(&alice, &serial, "certificateHold", true, t1)
            .await
            .unwrap_err();
    assert_eq!(e.code, "revocation.reason");
    let spaced: String = serial
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap().to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(":");
    let revoked =
        w.es.request_revocation(&alice, &spaced, "keyCompromise", true, t1)
            .await
            .unwrap();
    assert_eq!(revoked.status, "revoked");
    assert_eq!(revoked.revocation_reason.as_deref(), Some("keyCompromise"));
    assert!(
        store(&w)
            .mail_by_dedupe_key(&format!("revoked:{serial}:{}", alice.actor))
            .await
            .unwrap()
            .is_some()
    );
    let e = w.es.revocation_preview(&alice, &serial).await.unwrap_err();
    assert_eq!(e.code, "certificate.already_revoked");
}

#[tokio::test]
async fn technical_contact_attaches_the_csr_and_nothing_else() {
    let w = world().await;
    let t0 = now_unix();
    let alice = person(&w, "010180-9026", Some(ORG), t0).await;
    let app =
        w.es.create_application(&alice, "test-server", t0)
            .await
            .unwrap();
    let other_app = w.es.create_application(&alice, "server", t0).await.unwrap();
    let invited =
        w.es.invite(
            &alice,
            "vendor@it.example",
            "technical-contact",
            Some(app.id),
            "sv",
            t0,
        )
        .await
        .unwrap();
    let token = invited.link.rsplit('/').next().unwrap().to_owned();
    let mail = store(&w)
        .mail_by_dedupe_key(&format!("invitation:{}", invited.invitation.id))
        .await
        .unwrap()
        .unwrap();
    assert!(
        mail.recipient.contains("vendor@it.example"),
        "{}",
        mail.recipient
    );

    let vendor = person(&w, "040485-9052", None, t0).await;
    w.es.accept_invitation(&vendor, &token, t0 + 10)
        .await
        .unwrap();
    // Single use.
    let e =
        w.es.accept_invitation(&vendor, &token, t0 + 11)
            .await
            .unwrap_err();
    assert_eq!(e.code, "invitation.used_or_expired");
    let vendor =
        w.es.principal_for_user(vendor.user.as_ref().unwrap().id, Some(ORG))
            .await
            .unwrap();
    // He sees his application only.
    let visible: Vec<i64> =
        w.es.applications(&vendor)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
    assert_eq!(visible, vec![app.id]);
    assert_eq!(
        w.es.application(&vendor, other_app.id)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    // He attaches the CSR, and cannot submit or invite or see certificates.
    let app_now = store(&w).application(app.id).await.unwrap().unwrap();
    w.es.attach_csr(
        &vendor,
        app.id,
        Some(app_now.version),
        "t.csr",
        &csr("test.jarvilaakso-hva.fi"),
        t0 + 20,
    )
    .await
    .unwrap();
    assert_eq!(
        w.es.submit(&vendor, app.id, None, t0 + 30)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        w.es.invite(&vendor, "x@example.fi", "org-user", None, "fi", t0)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    assert_eq!(
        w.es.certificates(&vendor).await.unwrap_err().kind,
        ErrorKind::Forbidden
    );
    // The applicant submits.
    w.es.submit(&alice, app.id, None, t0 + 40).await.unwrap();

    // An expired invitation.
    let invited =
        w.es.invite(&alice, "late@example.fi", "org-user", None, "en", t0)
            .await
            .unwrap();
    let token = invited.link.rsplit('/').next().unwrap().to_owned();
    let late = person(&w, "050595-9021", None, t0).await;
    let expires = invited.invitation.expires_at;
    let e =
        w.es.accept_invitation(&late, &token, expires)
            .await
            .unwrap_err();
    assert_eq!(
        e.code, "invitation.used_or_expired",
        "expired at its second"
    );
    let e =
        w.es.accept_invitation(&late, "not-a-token", t0)
            .await
            .unwrap_err();
    assert_eq!(e.code, "invitation.unknown");
    // A second customer account for the same organisation is refused.
    let e =
        w.es.create_customer_account(&late, ORG, t0)
            .await
            .unwrap_err();
    assert_eq!(e.code, "account.exists");
    let e =
        w.es.create_customer_account(&late, "1.2.246.10.99999999.10.0", t0)
            .await
            .unwrap_err();
    assert_eq!(e.code, "organisation.not_registered");

    // Invited to an application that is then submitted: taking the
    // invitation up is refused and uses nothing up (no half-stored state).
    let app3 = w.es.create_application(&alice, "server", t0).await.unwrap();
    let invited =
        w.es.invite(
            &alice,
            "late-vendor@it.example",
            "technical-contact",
            Some(app3.id),
            "fi",
            t0,
        )
        .await
        .unwrap();
    w.es.attach_csr(
        &alice,
        app3.id,
        None,
        "c.csr",
        &csr("c.jarvilaakso-hva.fi"),
        t0,
    )
    .await
    .unwrap();
    w.es.submit(&alice, app3.id, None, t0).await.unwrap();
    let token = invited.link.rsplit('/').next().unwrap().to_owned();
    let e =
        w.es.accept_invitation(&late, &token, t0 + 5)
            .await
            .unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::Conflict, "invitation.application_closed")
    );
    let row = store(&w)
        .invitation(invited.invitation.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.used_at, None, "not used up");
    let late_id = late.user.as_ref().unwrap().id;
    assert!(
        store(&w)
            .memberships_of_user(late_id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn production_system_signature_needs_conformity_and_two_officers() {
    let w = world().await;
    let t0 = now_unix();
    let pia = person(&w, "060606-9017", Some(PRIVATE), t0).await;
    let o1 = officer(&w, "070707-901B", t0).await;
    let o2 = officer(&w, "080808-9019", t0).await;
    let app =
        w.es.create_application(&pia, "system-signature", t0)
            .await
            .unwrap();
    w.es.attach_csr(&pia, app.id, None, "s.csr", &csr("Lääkäriasema EHR"), t0)
        .await
        .unwrap();
    let e = w.es.submit(&pia, app.id, None, t0).await.unwrap_err();
    assert_eq!(e.code, "application.not_ready");
    assert_eq!(e.problems.len(), 2, "ground and conformity: {e}");
    let e =
        w.es.set_syssig_basis(&pia, app.id, None, "kanta-intermediary-own-name", t0)
            .await
            .unwrap_err();
    assert_eq!(e.code, "requirement.kanta_intermediary");
    w.es.set_syssig_basis(&pia, app.id, None, "administers-system", t0)
        .await
        .unwrap();
    // A PNG is no certificate of conformity (R-CONFORMITY).
    let e =
        w.es.attach_conformity(&pia, app.id, None, "c.pdf", b"\x89PNG\r\n\x1a\n", t0)
            .await
            .unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnsupportedType);
    w.es.attach_conformity(&pia, app.id, None, "../../c.pdf", PDF, t0)
        .await
        .unwrap();
    let view = w.es.application(&pia, app.id).await.unwrap();
    let conf = view
        .attachments
        .iter()
        .find(|a| a.meta.kind == "conformity")
        .unwrap();
    assert_eq!(conf.meta.filename, "c.pdf", "no path kept");
    assert_eq!(conf.meta.size, PDF.len() as i64);
    w.es.submit(&pia, app.id, None, t0).await.unwrap();
    w.es.start_review(&o1, app.id, None, t0).await.unwrap();
    let once = w.es.approve(&o1, app.id, None, t0).await.unwrap();
    assert_eq!(once.state, "in-review", "one approval is not enough");
    let e = w.es.approve(&o1, app.id, None, t0).await.unwrap_err();
    assert_eq!(e.code, "application.same_officer");
    let twice = w.es.approve(&o2, app.id, None, t0).await.unwrap();
    assert_eq!(twice.state, "issued");
}

#[tokio::test]
async fn drafts_and_incomplete_applications_lapse_after_six_months() {
    let w = world().await;
    // 2026-01-15 12:00 Helsinki (EET) = 10:00 UTC.
    let t0 = 1_768_471_200;
    let alice = person(&w, "010180-9026", Some(ORG), t0).await;
    let o = officer(&w, "020270-903P", t0).await;
    let draft = w.es.create_application(&alice, "server", t0).await.unwrap();
    let asked = w.es.create_application(&alice, "server", t0).await.unwrap();
    w.es.attach_csr(
        &alice,
        asked.id,
        None,
        "a.csr",
        &csr("a.jarvilaakso-hva.fi"),
        t0,
    )
    .await
    .unwrap();
    w.es.submit(&alice, asked.id, None, t0).await.unwrap();
    // Asked for more a month later: its six months start then.
    let t1 = t0 + 31 * 86_400;
    w.es.request_more_info(&o, asked.id, None, "Liitä myös välivarmenne.", t1)
        .await
        .unwrap();
    assert_eq!(
        store(&w)
            .application(asked.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "incomplete"
    );

    // Exactly six months after creation (2026-07-15 12:00 EEST = 09:00 UTC):
    // not yet more than six months.
    let six_months = 1_784_106_000;
    assert_eq!(w.es.lapse_pending(six_months).await.unwrap(), 0);
    assert_eq!(w.es.lapse_pending(six_months + 1).await.unwrap(), 1);
    let d = store(&w).application(draft.id).await.unwrap().unwrap();
    assert_eq!(d.state, "lapsed");
    assert!(
        store(&w)
            .mail_by_dedupe_key(&format!("application:{}:lapsed", draft.id))
            .await
            .unwrap()
            .is_some(),
        "the applicant is told"
    );
    // The incomplete one lapses six months after the officer's request.
    assert_eq!(
        store(&w)
            .application(asked.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "incomplete"
    );
    assert_eq!(w.es.lapse_pending(t1 + 184 * 86_400).await.unwrap(), 1);
    assert_eq!(
        store(&w)
            .application(asked.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "lapsed"
    );
    // Idempotent.
    assert_eq!(w.es.lapse_pending(t1 + 200 * 86_400).await.unwrap(), 0);
}

/// A crash between the CA issuing and the application recording the serial
/// leaves an approved application whose certificate exists: issuing again
/// records that certificate instead of making a second one for the key.
#[tokio::test]
async fn issuing_again_after_a_crash_records_the_certificate_already_issued() {
    use carepki_policy::application::{self as policy, Action, Actor, Role, transition};
    let w = world().await;
    let t0 = now_unix();
    let alice = person(&w, "010180-9026", Some(ORG), t0).await;
    let o = officer(&w, "020270-903P", t0).await;
    let request = csr("api.jarvilaakso-hva.fi");
    let app = w.es.create_application(&alice, "server", t0).await.unwrap();
    w.es.attach_csr(&alice, app.id, None, "a.csr", &request, t0)
        .await
        .unwrap();
    w.es.submit(&alice, app.id, None, t0).await.unwrap();
    let row = w.es.start_review(&o, app.id, None, t0).await.unwrap();
    // The approval is stored, but the process dies before the serial is.
    let facts: policy::ApplicationFacts = serde_json::from_value(row.facts.clone()).unwrap();
    let officer = Actor {
        id: o.actor.clone(),
        role: Role::CaOfficer,
        organisation: None,
    };
    let t = transition(&facts, Action::Approve, &officer, t0).unwrap();
    let update = carepki_store::ApplicationUpdate {
        state: t.facts.state.kind().as_str().into(),
        facts: serde_json::to_value(&t.facts).unwrap(),
        completed_at: t.facts.completed_at,
        due_at: policy::sla_due(&t.facts).unwrap(),
        pending_since: policy::pending_since(&t.facts),
        event: carepki_store::NewTimelineEvent {
            at: t0,
            actor_id: o.actor.clone(),
            role: "ca-officer".into(),
            action: "approve".into(),
            detail: serde_json::json!({}),
        },
    };
    store(&w)
        .record_transition(app.id, row.version, &update)
        .await
        .unwrap();
    let first =
        w.es.authority()
            .issue(&carepki_ca::IssueRequest {
                profile: carepki_policy::ProfileId::Server,
                org_oid: ORG.into(),
                csr: request.clone(),
                common_name: "api.jarvilaakso-hva.fi".into(),
                dns_names: vec![],
                emails: vec![],
                days: None,
                ca: None,
                actor: o.actor.clone(),
            })
            .await
            .unwrap();
    let issued = w.es.issue(&o, app.id, t0 + 2).await.unwrap();
    assert_eq!(issued.state, "issued");
    assert_eq!(issued.facts["serial"].as_str(), Some(first.serial.as_str()));
    let certs = w.es.certificates(&alice).await.unwrap();
    assert_eq!(
        certs.len(),
        1,
        "no second certificate for the key: {certs:?}"
    );
}

/// Point 7: the organisation's administrators are warned once of a certificate
/// that expires within 30 days, in their language; a revoked or already
/// expired one is not.
#[tokio::test]
async fn administrators_are_warned_once_of_an_expiring_certificate() {
    let w = world().await;
    let t0 = now_unix();
    let alice = person(&w, "010180-9026", Some(ORG), t0).await;
    let o = officer(&w, "020270-903P", t0).await;
    let mut serials = Vec::new();
    for host in ["a.jarvilaakso-hva.fi", "b.jarvilaakso-hva.fi"] {
        let app = w.es.create_application(&alice, "server", t0).await.unwrap();
        w.es.attach_csr(&alice, app.id, None, "a.csr", &csr(host), t0)
            .await
            .unwrap();
        w.es.submit(&alice, app.id, None, t0).await.unwrap();
        w.es.start_review(&o, app.id, None, t0).await.unwrap();
        let issued = w.es.approve(&o, app.id, None, t0).await.unwrap();
        serials.push(issued.facts["serial"].as_str().unwrap().to_owned());
    }
    assert_eq!(w.es.warn_expiring(t0).await.unwrap(), 0, "a year left");
    // Both expire in ten days; one of them is revoked.
    for s in &serials {
        store(&w)
            .set_not_after_for_tests(s, t0 + 10 * 86_400)
            .await
            .unwrap();
    }
    w.es.request_revocation(&alice, &serials[1], "superseded", true, t0)
        .await
        .unwrap();
    assert_eq!(w.es.warn_expiring(t0).await.unwrap(), 1);
    let key = format!("expiring:{}:{}", serials[0], alice.actor);
    let mail = store(&w)
        .mail_by_dedupe_key(&key)
        .await
        .unwrap()
        .expect("warned");
    assert!(
        mail.recipient.contains("010180-9026@example.fi"),
        "{}",
        mail.recipient
    );
    assert_eq!(w.es.warn_expiring(t0 + 3600).await.unwrap(), 0, "once");
    // Past its expiry: nothing to warn of.
    store(&w)
        .set_not_after_for_tests(&serials[0], t0 - 1)
        .await
        .unwrap();
    assert_eq!(w.es.warn_expiring(t0).await.unwrap(), 0);
}

/// A CA officer or an auditor reads every organisation's applications and
/// certificates, but acts for an organisation only in his own: one who also
/// works for another organisation neither revokes this one's certificate
/// (R-REVOKE-HOW) nor invites a technical contact to its application
/// (R-CSR); both answer as for objects that do not exist. A non-officer of
/// another organisation gets not found for an officer's action too.
#[tokio::test]
async fn officers_act_for_other_organisations_only_as_officers() {
    let w = world().await;
    let t0 = now_unix();
    let alice = person(&w, "010180-9026", Some(ORG), t0).await;
    let olli = officer(&w, "020270-903P", t0).await;
    // Bob administers the other organisation and is a CA officer and an
    // auditor too.
    let bob = person(&w, "030390-9019", Some(OTHER), t0).await;
    let bob_id = bob.user.as_ref().unwrap().id;
    for role in ["ca-officer", "auditor"] {
        store(&w)
            .grant_global_role(bob_id, role, "test", t0)
            .await
            .unwrap();
    }
    let bob = w.es.principal_for_user(bob_id, Some(OTHER)).await.unwrap();
    let carl = person(&w, "040485-9052", Some(PRIVATE), t0).await;

    let draft = w.es.create_application(&alice, "server", t0).await.unwrap();
    let app = w.es.create_application(&alice, "server", t0).await.unwrap();
    w.es.attach_csr(
        &alice,
        app.id,
        None,
        "a.csr",
        &csr("a.jarvilaakso-hva.fi"),
        t0,
    )
    .await
    .unwrap();
    w.es.submit(&alice, app.id, None, t0).await.unwrap();
    w.es.start_review(&olli, app.id, None, t0).await.unwrap();
    let issued = w.es.approve(&olli, app.id, None, t0).await.unwrap();
    let serial = issued.facts["serial"].as_str().unwrap().to_owned();

    // He reads them, as an officer.
    assert!(w.es.application(&bob, draft.id).await.is_ok());
    assert!(w.es.certificate(&bob, &serial).await.is_ok());
    // He does not revoke the certificate, nor preview its revocation.
    let e =
        w.es.request_revocation(&bob, &serial, "keyCompromise", true, t0)
            .await
            .unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::NotFound, "not_found"));
    let e = w.es.revocation_preview(&bob, &serial).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let cert = store(&w).certificate(&serial).await.unwrap().unwrap();
    assert_eq!(cert.status, "valid");
    // He does not invite a technical contact to the application.
    let before = store(&w).invitations_of_org(OTHER).await.unwrap().len();
    let e =
        w.es.invite(
            &bob,
            "vendor@it.example",
            "technical-contact",
            Some(draft.id),
            "fi",
            t0,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(
        store(&w).invitations_of_org(OTHER).await.unwrap().len(),
        before
    );
    // A non-officer of another organisation: not found, not "officers only".
    let e =
        w.es.start_review(&carl, app.id, None, t0)
            .await
            .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = w.es.issue(&carl, app.id, t0).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    // In his own organisation a user is told it is for officers.
    let e =
        w.es.reject(&alice, draft.id, None, "x", t0)
            .await
            .unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Forbidden, "officer_only"));
}

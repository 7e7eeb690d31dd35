#![allow(clippy::unwrap_used)]
//! The notification mails (issue 4, points 7 and 8): every kind renders in
//! Finnish, Swedish and English with nothing missing, the three message files
//! agree, times are Helsinki time, subjects stay one line whatever the input,
//! a delivery carries its files byte for byte, an unknown language is
//! Finnish, and queuing is idempotent on SQLite and PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use carepki_i18n::MISSING_MARK;
use carepki_policy::ProfileId;
use carepki_ra::notify::{self, Notification, Recipient, Rendered};
use carepki_ra::{Mailbox, RaError};
use carepki_store::testing::test_stores;
use carepki_store::{EnqueueOutcome, MailAttachment};
use carepki_x509::RevocationReason;
use fluent_syntax::ast;

const LANGS: [&str; 3] = ["fi", "sv", "en"];
/// 2026-11-23T12:05:00Z: 14.05 in Helsinki (standard time, UTC+2).
const WINTER: i64 = 1_795_435_500;
/// 2026-07-01T06:07:00Z: 9.07 in Helsinki (summer time, UTC+3).
const SUMMER: i64 = 1_782_886_020;
const LINK: &str = "https://carepki.test/asiointi/hakemukset/4711";
const ORG: &str = "Helsingin VI apteekki";

// ---------------------------------------------------------------------------------
// The message files
// ---------------------------------------------------------------------------------

/// A language's messages (`id` or `id.attribute` → its variables), from the
/// files on disk.
fn read_messages(lang: &str) -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["mail.ftl"], "{lang}: one file, mail.ftl");
    let text = std::fs::read_to_string(dir.join("mail.ftl")).unwrap();
    carepki_i18n::inventory(&text).unwrap_or_else(|e| panic!("{lang}/mail.ftl: {e}"))
}

#[test]
fn the_three_files_define_the_same_ids_with_the_same_variables() {
    let fi = read_messages("fi");
    for lang in ["sv", "en"] {
        let other = read_messages(lang);
        let fi_ids: Vec<_> = fi.keys().collect();
        let other_ids: Vec<_> = other.keys().collect();
        assert_eq!(other_ids, fi_ids, "{lang}: the ids of fi");
        for (id, vars) in &fi {
            assert_eq!(&other[id], vars, "{lang}: variables of {id}");
        }
    }
    // What the code asks for exists.
    let mut used: BTreeSet<String> = ["greeting", "signature"].map(String::from).into();
    for kind in Notification::KINDS {
        used.insert(format!("{kind}-subject"));
        used.insert(format!("{kind}-body"));
    }
    for profile in ProfileId::ALL {
        used.insert(format!("profile-{}", profile.as_str()));
    }
    for reason in RevocationReason::ALL {
        used.insert(format!("reason-{}", reason.name()));
    }
    for role in ["org-admin", "org-user", "technical-contact"] {
        used.insert(format!("role-{role}"));
    }
    let defined: BTreeSet<String> = fi.keys().cloned().collect();
    assert_eq!(defined, used, "defined ids = the ids the code uses");
    // Finnish and Swedish are translations, not copies of English.
    let en = plain_texts("en");
    for lang in ["fi", "sv"] {
        let copies: Vec<_> = plain_texts(lang)
            .into_iter()
            .filter(|(id, text)| en.get(id) == Some(text))
            .collect();
        assert!(copies.is_empty(), "{lang} copied from English: {copies:?}");
    }
}

/// The messages of a language that are plain text (no placeable), as text.
fn plain_texts(lang: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("locales/{lang}/mail.ftl"));
    let text = std::fs::read_to_string(path).unwrap();
    let resource = fluent_syntax::parser::parse(text.as_str()).unwrap();
    let mut out = BTreeMap::new();
    for entry in &resource.body {
        if let ast::Entry::Message(m) = entry
            && let Some(value) = &m.value
            && let [ast::PatternElement::TextElement { value }] = value.elements.as_slice()
        {
            out.insert(m.id.name.to_owned(), (*value).to_owned());
        }
    }
    assert!(out.len() > 10, "{lang}: {}", out.len());
    out
}

// ---------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------

fn delivered(not_after: i64, der: Vec<u8>) -> Notification {
    Notification::Delivered {
        application_id: 4711,
        profile: "server".to_owned(),
        organisation: ORG.to_owned(),
        serial: "7c5e0a1b2c3d4e5f".to_owned(),
        subject: "CN=kanta.apteekki.example.fi, O=Helsingin VI apteekki".to_owned(),
        not_after,
        der,
        pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_owned(),
        chain_pem: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n\
                    -----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----\n"
            .to_owned(),
        link: LINK.to_owned(),
    }
}

/// Every kind, with every profile, role and reason among them.
fn samples() -> Vec<Notification> {
    let mut all = Vec::new();
    for role in ["org-admin", "org-user", "technical-contact"] {
        all.push(Notification::Invitation {
            organisation: ORG.to_owned(),
            role: role.to_owned(),
            inviter: "Päivi Mäkelä".to_owned(),
            link: "https://carepki.test/kutsu/9f8e7d6c".to_owned(),
            expires_at: WINTER,
        });
    }
    for (i, profile) in ProfileId::ALL.into_iter().enumerate() {
        let p = profile.as_str().to_owned();
        let id = 4711 + i64::try_from(i).unwrap();
        all.push(Notification::ApplicationReceived {
            application_id: id,
            profile: p.clone(),
            organisation: ORG.to_owned(),
            due_at: (i % 2 == 0).then_some(WINTER),
            link: LINK.to_owned(),
        });
        all.push(Notification::MoreInfoNeeded {
            application_id: id,
            profile: p.clone(),
            organisation: ORG.to_owned(),
            message: "Liittäkää hakemukseen varmennepyyntö (CSR).\nKiitos!".to_owned(),
            link: LINK.to_owned(),
        });
        all.push(Notification::Rejected {
            application_id: id,
            profile: p.clone(),
            organisation: ORG.to_owned(),
            reason: "Verkkotunnus ei ole organisaation hallinnassa.".to_owned(),
            link: LINK.to_owned(),
        });
        all.push(Notification::Lapsed {
            application_id: id,
            profile: p,
            organisation: ORG.to_owned(),
            pending_since: SUMMER,
            link: LINK.to_owned(),
        });
    }
    all.push(delivered(WINTER, vec![0x30, 0x03, 0x02, 0x01, 0x00]));
    for reason in RevocationReason::ALL {
        all.push(Notification::Revoked {
            serial: "7c5e0a1b2c3d4e5f".to_owned(),
            subject: "CN=kanta.apteekki.example.fi".to_owned(),
            organisation: ORG.to_owned(),
            reason: reason.name().to_owned(),
            revoked_at: WINTER,
        });
    }
    all.push(Notification::ExpiringSoon {
        serial: "7c5e0a1b2c3d4e5f".to_owned(),
        subject: "CN=kanta.apteekki.example.fi".to_owned(),
        organisation: ORG.to_owned(),
        not_after: SUMMER,
        link: LINK.to_owned(),
    });
    all
}

/// What every rendered mail must be: complete, one-line subject, the
/// service's signature last.
fn assert_complete(r: &Rendered, lang: &str, what: &str, ids: &BTreeSet<String>) {
    for text in [&r.subject, &r.text] {
        assert!(!text.contains(MISSING_MARK), "{lang} {what}: {text}");
        assert!(
            !text.contains("{$") && !text.contains("{ $"),
            "{lang} {what}: {text}"
        );
        assert!(!text.contains(['\u{2068}', '\u{2069}']), "{lang} {what}");
        // No message id leaks (the ids with a hyphen: the others are words).
        for id in ids.iter().filter(|id| id.contains('-')) {
            assert!(!text.contains(id.as_str()), "{lang} {what}: {id} in {text}");
        }
    }
    assert!(!r.subject.contains(['\r', '\n']), "{lang} {what}");
    assert!(!r.subject.trim().is_empty());
    let last = r.text.trim_end().lines().last().unwrap();
    let (service, automatic) = match lang {
        "fi" => ("CarePKI-asiointipalvelu", "automaattinen viesti"),
        "sv" => ("CarePKI e-tjänsten", "automatiskt meddelande"),
        _ => ("CarePKI e-service", "automatic message"),
    };
    assert!(
        last.contains(service) && last.contains(automatic),
        "{lang} {what}: {last}"
    );
    assert!(
        r.text.contains("\n-- \n"),
        "{lang} {what}: signature delimiter"
    );
}

#[test]
fn every_notification_renders_completely_in_every_language() {
    let ids: BTreeSet<String> = read_messages("fi").into_keys().collect();
    let samples = samples();
    let kinds: BTreeSet<_> = samples.iter().map(Notification::kind).collect();
    assert_eq!(kinds, Notification::KINDS.into_iter().collect());
    for n in &samples {
        let mut subjects = BTreeSet::new();
        for lang in LANGS {
            let r = notify::render(n, lang);
            assert_complete(&r, lang, n.kind(), &ids);
            subjects.insert(r.subject.clone());
        }
        assert_eq!(subjects.len(), 3, "{}: three different subjects", n.kind());
    }
}

#[test]
fn names_are_translated() {
    let received = |profile: &str, lang: &str| {
        notify::render(
            &Notification::ApplicationReceived {
                application_id: 1,
                profile: profile.to_owned(),
                organisation: ORG.to_owned(),
                due_at: None,
                link: LINK.to_owned(),
            },
            lang,
        )
        .text
    };
    for (profile, fi, sv, en) in [
        (
            "server",
            "palvelinvarmenne",
            "servercertifikat",
            "server certificate",
        ),
        (
            "system-signature",
            "järjestelmäallekirjoitusvarmenne",
            "systemsigneringscertifikat",
            "system signature certificate",
        ),
        (
            "email",
            "sähköpostivarmenne",
            "e-postcertifikat",
            "email certificate",
        ),
        (
            "test-server",
            "testiympäristön palvelinvarmenne",
            "servercertifikat för testmiljön",
            "test server certificate",
        ),
    ] {
        assert!(received(profile, "fi").contains(fi), "{profile}");
        assert!(received(profile, "sv").contains(sv), "{profile}");
        assert!(received(profile, "en").contains(en), "{profile}");
    }
    let revoked = |lang: &str| {
        notify::render(
            &Notification::Revoked {
                serial: "0a".to_owned(),
                subject: "CN=x".to_owned(),
                organisation: ORG.to_owned(),
                reason: "keyCompromise".to_owned(),
                revoked_at: WINTER,
            },
            lang,
        )
        .text
    };
    assert!(revoked("fi").contains("yksityinen avain on vaarantunut"));
    assert!(revoked("sv").contains("den privata nyckeln har röjts"));
    assert!(revoked("en").contains("the private key has been compromised"));
    // R-REVOKE-WHEN: the mail says it cannot be undone.
    assert!(revoked("fi").contains("eikä sitä voi perua"));
    assert!(revoked("sv").contains("kan inte hävas"));
    assert!(revoked("en").contains("cannot be undone"));
}

#[test]
fn the_invitation_states_its_expiry_and_single_use() {
    let n = &samples()[0];
    let fi = notify::render(n, "fi").text;
    assert!(fi.contains("23.11.2026 klo 14.05 asti"), "{fi}");
    assert!(fi.contains("vain kerran"), "{fi}");
    let sv = notify::render(n, "sv").text;
    assert!(sv.contains("23.11.2026 kl. 14.05"), "{sv}");
    assert!(sv.contains("endast en gång"), "{sv}");
    let en = notify::render(n, "en").text;
    assert!(
        en.contains("23 November 2026 at 14:05 (Helsinki time)"),
        "{en}"
    );
    assert!(en.contains("only once"), "{en}");
    assert!(en.contains("https://carepki.test/kutsu/9f8e7d6c"));
}

#[test]
fn times_are_helsinki_time_in_winter_and_summer() {
    let winter = delivered(WINTER, vec![1]);
    let summer = delivered(SUMMER, vec![1]);
    let cases = [
        ("fi", "23.11.2026 klo 14.05", "1.7.2026 klo 9.07"),
        ("sv", "23.11.2026 kl. 14.05", "1.7.2026 kl. 9.07"),
        (
            "en",
            "23 November 2026 at 14:05 (Helsinki time)",
            "1 July 2026 at 09:07 (Helsinki time)",
        ),
    ];
    for (lang, w, s) in cases {
        let text = notify::render(&winter, lang).text;
        assert!(text.contains(w), "{lang}: {text}");
        let text = notify::render(&summer, lang).text;
        assert!(text.contains(s), "{lang}: {text}");
    }
}

#[test]
fn subjects_stay_one_line_whatever_the_input() {
    let evil = "Evil Oy\r\nBcc: victim@example.org\r\n\r\nHello";
    let notes = [
        Notification::Invitation {
            organisation: evil.to_owned(),
            role: "org-user\n".to_owned(),
            inviter: evil.to_owned(),
            link: "https://x/\r\ny".to_owned(),
            expires_at: WINTER,
        },
        Notification::MoreInfoNeeded {
            application_id: 1,
            profile: "server\r\nX-Evil: 1".to_owned(),
            organisation: evil.to_owned(),
            message: "Rivi 1\nRivi 2\r\nRivi 3".to_owned(),
            link: LINK.to_owned(),
        },
        Notification::Revoked {
            serial: "0a\r\nBcc: victim@example.org".to_owned(),
            subject: evil.to_owned(),
            organisation: evil.repeat(100),
            reason: "keyCompromise\n".to_owned(),
            revoked_at: WINTER,
        },
    ];
    for n in &notes {
        for lang in LANGS {
            let r = notify::render(n, lang);
            assert!(
                !r.subject.chars().any(char::is_control),
                "{lang}: {:?}",
                r.subject
            );
            assert!(r.subject.len() < 900, "{}", r.subject.len());
            // One-line values are one line in the body too...
            assert!(
                !r.text.lines().any(|l| l.starts_with("Bcc:")),
                "{lang}: {}",
                r.text
            );
        }
    }
    let r = notify::render(&notes[0], "fi");
    assert_eq!(
        r.subject,
        "Kutsu CarePKI-asiointipalveluun (Evil Oy Bcc: victim@example.org Hello)"
    );
    // ...while the officer's words keep their lines (verbatim, plain text).
    let r = notify::render(&notes[1], "en");
    assert!(r.text.contains("Rivi 1\nRivi 2\r\nRivi 3"), "{}", r.text);
    assert!(r.subject.starts_with("Further information is needed"));
}

#[test]
fn a_delivery_attaches_der_pem_and_chain_byte_for_byte() {
    // Bytes that a text transformation would damage: NUL, CR, LF, 0xFF,
    // trailing white space.
    let der: Vec<u8> = (0..=255u8).chain([b'\r', b'\n', b' ', 0]).collect();
    let n = delivered(WINTER, der.clone());
    let Notification::Delivered { pem, chain_pem, .. } = &n else {
        unreachable!()
    };
    for lang in LANGS {
        let r = notify::render(&n, lang);
        assert_eq!(
            r.attachments,
            vec![
                MailAttachment {
                    filename: "7c5e0a1b2c3d4e5f.der".to_owned(),
                    content_type: "application/pkix-cert".to_owned(),
                    bytes: der.clone(),
                },
                MailAttachment {
                    filename: "7c5e0a1b2c3d4e5f.pem".to_owned(),
                    content_type: "application/x-pem-file".to_owned(),
                    bytes: pem.as_bytes().to_vec(),
                },
                MailAttachment {
                    filename: "7c5e0a1b2c3d4e5f-chain.pem".to_owned(),
                    content_type: "application/x-pem-file".to_owned(),
                    bytes: chain_pem.as_bytes().to_vec(),
                },
            ],
            "{lang}"
        );
        // The body names each file.
        for a in &r.attachments {
            assert!(r.text.contains(&a.filename), "{lang}: {}", a.filename);
        }
    }
    // Nothing else carries files.
    for n in samples().iter().filter(|n| n.kind() != "delivered") {
        assert!(
            notify::render(n, "fi").attachments.is_empty(),
            "{}",
            n.kind()
        );
    }
}

#[test]
fn an_unknown_language_is_finnish() {
    for n in samples() {
        let fi = notify::render(&n, "fi");
        for other in ["", "de", "xx-YY", "finnish", "FI"] {
            assert_eq!(notify::render(&n, other), fi, "{other:?}");
        }
        assert_eq!(notify::render(&n, "sv-FI"), notify::render(&n, "sv"));
        assert_ne!(notify::render(&n, "sv").subject, fi.subject);
    }
}

// ---------------------------------------------------------------------------------
// Queuing
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn enqueue_is_idempotent_and_in_the_recipients_language() {
    const T0: i64 = 1_780_000_000;
    for (backend, store, _guard) in test_stores().await {
        let to = Recipient {
            email: "paivi.makela@example.fi".to_owned(),
            display_name: Some("Mäkelä, Päivi".to_owned()),
            language: "sv".to_owned(),
        };
        let n = delivered(WINTER, vec![0x30, 0x00, 0xff]);
        let key = "delivery:4711:7c5e0a1b2c3d4e5f";
        let oid = Some("1.2.246.10.1234567.10.0");
        let serial = Some("7c5e0a1b2c3d4e5f");
        let first = notify::enqueue(&store, &to, &n, key, oid, serial, "officer:anna", T0)
            .await
            .unwrap();
        assert!(matches!(first, EnqueueOutcome::Queued { .. }), "{backend}");
        let again = notify::enqueue(&store, &to, &n, key, oid, serial, "officer:anna", T0 + 5)
            .await
            .unwrap();
        assert_eq!(
            again,
            EnqueueOutcome::AlreadyQueued { id: first.id() },
            "{backend}"
        );
        // A recipient whose language is unknown gets Finnish.
        let fi_to = Recipient {
            language: "de".to_owned(),
            display_name: None,
            ..to.clone()
        };
        let other = Notification::ExpiringSoon {
            serial: "7c5e0a1b2c3d4e5f".to_owned(),
            subject: "CN=x".to_owned(),
            organisation: ORG.to_owned(),
            not_after: SUMMER,
            link: LINK.to_owned(),
        };
        let second = notify::enqueue(
            &store,
            &fi_to,
            &other,
            "expiring:7c5e0a1b2c3d4e5f",
            oid,
            serial,
            "system",
            T0,
        )
        .await
        .unwrap();
        assert!(matches!(second, EnqueueOutcome::Queued { .. }), "{backend}");

        let mut claimed = store.claim_due_mail("test", T0 + 10, 60, 10).await.unwrap();
        claimed.sort_by_key(|m| m.id);
        assert_eq!(claimed.len(), 2, "{backend}: one mail per key");
        let sv = notify::render(&n, "sv");
        let mail = &claimed[0];
        assert_eq!(mail.id, first.id());
        assert_eq!(mail.subject, sv.subject, "{backend}");
        assert_eq!(mail.body_text, sv.text, "{backend}");
        assert_eq!(mail.attachments, sv.attachments, "{backend}");
        assert_eq!(mail.body_html, None);
        let recipient: Mailbox = mail.recipient.parse().unwrap();
        assert_eq!(recipient.name.as_deref(), Some("Mäkelä, Päivi"));
        assert_eq!(recipient.email.to_string(), "paivi.makela@example.fi");
        assert_eq!(mail.org_oid.as_deref(), oid);
        assert_eq!(
            claimed[1].subject,
            notify::render(&other, "fi").subject,
            "{backend}"
        );
        assert_eq!(claimed[1].recipient, "paivi.makela@example.fi");

        // A bad address is refused before anything is queued.
        let bad = Recipient {
            email: "paivi.makela".to_owned(),
            ..to
        };
        let err = notify::enqueue(&store, &bad, &n, "delivery:bad", None, None, "x", T0)
            .await
            .unwrap_err();
        assert!(matches!(err, RaError::Recipient { .. }), "{err}");
    }
}

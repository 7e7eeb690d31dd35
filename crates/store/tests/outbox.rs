#![allow(clippy::unwrap_used)]
//! The mail outbox (migration 0004), on both backends: queuing once per key,
//! claims with leases, retries and failures, and what the audit log keeps.

use std::collections::HashSet;

use carepki_store::testing::test_stores;
use carepki_store::{EnqueueOutcome, MailAttachment, MailStatus, NewMail, Store, StoreError};

const T0: i64 = 1_750_000_000;
const ACTOR: &str = "officer:test";

fn mail(key: &str) -> NewMail {
    NewMail {
        dedupe_key: key.to_owned(),
        recipient: "Matti Meikäläinen <matti@example.fi>".to_owned(),
        subject: "Varmenteenne on myönnetty – löydätte sen liitteenä".to_owned(),
        body_text: "Hyvä vastaanottaja, SECRET-BODY-TEXT".to_owned(),
        body_html: Some("<p>SECRET-BODY-HTML</p>".to_owned()),
        attachments: vec![
            MailAttachment {
                filename: "0a1b.der".to_owned(),
                content_type: "application/pkix-cert".to_owned(),
                // NUL and 0xff bytes must round-trip exactly.
                bytes: vec![0x30, 0x82, 0x00, 0xff, 0x7f, 0x80, 0x00],
            },
            MailAttachment {
                filename: "0a1b.pem".to_owned(),
                content_type: "application/x-pem-file".to_owned(),
                bytes: b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n".to_vec(),
            },
        ],
        org_oid: Some("1.2.246.10.1".to_owned()),
        serial: Some("0A1B".to_owned()),
    }
}

async fn mail_audits(store: &Store) -> Vec<carepki_store::AuditEvent> {
    store
        .audit_events(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("mail."))
        .collect()
}

#[tokio::test]
async fn a_mail_is_queued_once_per_key_and_claimed_whole() {
    for (backend, store, _guard) in test_stores().await {
        let first = store
            .enqueue_mail(&mail("delivery:app-1:0a1b"), ACTOR, T0)
            .await
            .unwrap();
        let EnqueueOutcome::Queued { id } = first else {
            panic!("{backend}: first enqueue answered {first:?}");
        };
        // The same notification again (a retried request, a double click): nothing new.
        let again = store
            .enqueue_mail(&mail("delivery:app-1:0a1b"), "someone-else", T0 + 5)
            .await
            .unwrap();
        assert_eq!(again, EnqueueOutcome::AlreadyQueued { id }, "{backend}");
        assert_eq!(store.mail_counts().await.unwrap().queued, 1, "{backend}");
        assert_eq!(
            mail_audits(&store).await.len(),
            1,
            "{backend}: one mail.queue"
        );

        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!(row.status, MailStatus::Queued);
        assert_eq!(row.serial.as_deref(), Some("0a1b"), "serial normalised");
        assert_eq!((row.attempts, row.next_attempt_at), (0, T0));
        assert_eq!(store.next_mail_due().await.unwrap(), Some(T0));
        assert_eq!(
            store
                .mail_by_dedupe_key("delivery:app-1:0a1b")
                .await
                .unwrap()
                .unwrap()
                .id,
            id
        );

        // Not due before it was queued.
        assert!(
            store
                .claim_due_mail("w1", T0 - 1, 60, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let claimed = store.claim_due_mail("w1", T0, 60, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "{backend}");
        let c = &claimed[0];
        let expected = mail("delivery:app-1:0a1b");
        assert_eq!(c.id, id);
        assert_eq!(c.subject, expected.subject, "{backend}: UTF-8 subject");
        assert_eq!(c.recipient, expected.recipient);
        assert_eq!(c.body_text, expected.body_text);
        assert_eq!(c.body_html, expected.body_html);
        assert_eq!(
            c.attachments, expected.attachments,
            "{backend}: bytes exact, in order"
        );
        assert_eq!((c.attempts, c.claimed_until), (1, T0 + 60));
        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!(row.status, MailStatus::Sending);
        assert_eq!(row.claimed_by.as_deref(), Some("w1"));
        // Held: nobody else gets it, not even w1 again, until the lease runs out.
        assert!(
            store
                .claim_due_mail("w2", T0 + 59, 60, 10)
                .await
                .unwrap()
                .is_empty()
        );

        store.mark_mail_sent(id, "w1", T0 + 2).await.unwrap();
        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!((row.status, row.sent_at), (MailStatus::Sent, Some(T0 + 2)));
        assert_eq!((row.claimed_by, row.claimed_until), (None, None));
        assert!(
            store
                .claim_due_mail("w2", T0 + 10_000, 60, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.next_mail_due().await.unwrap(), None);
        // Recording it twice is harmless.
        store.mark_mail_sent(id, "w1", T0 + 3).await.unwrap();

        // A sent mail's key still answers AlreadyQueued: it is never sent twice.
        let later = store
            .enqueue_mail(&mail("delivery:app-1:0a1b"), ACTOR, T0 + 99)
            .await
            .unwrap();
        assert_eq!(later, EnqueueOutcome::AlreadyQueued { id });

        // The audit log: queue and sent, linked to the serial and organisation,
        // and never a body or attachment bytes.
        let events = mail_audits(&store).await;
        let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["mail.queue", "mail.sent"], "{backend}");
        assert_eq!(events[0].actor, ACTOR);
        assert_eq!(events[1].actor, "w1");
        assert_eq!(events[0].serial.as_deref(), Some("0a1b"));
        assert_eq!(events[0].org_oid.as_deref(), Some("1.2.246.10.1"));
        let queued = &events[0].details;
        assert_eq!(queued["dedupe_key"], "delivery:app-1:0a1b");
        assert_eq!(queued["recipient"], expected.recipient.as_str());
        assert_eq!(
            queued["attachments"][0]["content_type"],
            "application/pkix-cert"
        );
        assert_eq!(queued["attachments"][0]["size"], 7);
        for event in &events {
            let text = event.details.to_string();
            assert!(
                !text.contains("SECRET-BODY"),
                "{backend}: body in the audit log: {text}"
            );
            assert!(
                !text.contains("BEGIN CERTIFICATE"),
                "{backend}: bytes in the log: {text}"
            );
        }
        assert_eq!(store.audit_events(Some("0a1b")).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn an_expired_lease_makes_the_mail_claimable_again() {
    for (backend, store, _guard) in test_stores().await {
        let id = store
            .enqueue_mail(&mail("k"), ACTOR, T0)
            .await
            .unwrap()
            .id();
        let first = store.claim_due_mail("crashed", T0, 300, 10).await.unwrap();
        assert_eq!(first.len(), 1);
        // The sender "crashes": nothing is recorded. Before the lease runs out the
        // mail stays with it.
        assert!(
            store
                .claim_due_mail("w2", T0 + 299, 300, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.next_mail_due().await.unwrap(), Some(T0 + 300));
        let second = store.claim_due_mail("w2", T0 + 300, 300, 10).await.unwrap();
        assert_eq!(second.len(), 1, "{backend}");
        assert_eq!(
            second[0].attempts, 2,
            "{backend}: the crashed attempt counts"
        );
        assert_eq!(second[0].attachments.len(), 2);

        // The crashed sender comes back: it no longer holds the mail.
        let err = store
            .mark_mail_sent(id, "crashed", T0 + 301)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { what } if what.contains("w2")),
            "{backend}: {err}"
        );
        let err = store
            .mark_mail_failed(id, "crashed", "x", Some(T0 + 400), T0 + 301)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { .. }),
            "{backend}: {err}"
        );
        store.mark_mail_sent(id, "w2", T0 + 302).await.unwrap();
        // The late one may still record success: the mail is sent either way.
        store.mark_mail_sent(id, "crashed", T0 + 303).await.unwrap();
        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!(
            (row.status, row.attempts, row.sent_at),
            (MailStatus::Sent, 2, Some(T0 + 302))
        );
        let sent = mail_audits(&store)
            .await
            .iter()
            .filter(|e| e.action == "mail.sent")
            .count();
        assert_eq!(sent, 1, "{backend}");

        let err = store.mark_mail_sent(9999, "w2", T0).await.unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { .. }),
            "{backend}: {err}"
        );
    }
}

#[tokio::test]
async fn failures_retry_later_or_give_up_with_the_error_kept() {
    for (backend, store, _guard) in test_stores().await {
        let id = store
            .enqueue_mail(&mail("retry"), ACTOR, T0)
            .await
            .unwrap()
            .id();
        store.claim_due_mail("w", T0, 60, 10).await.unwrap();
        store
            .mark_mail_failed(id, "w", "connection refused", Some(T0 + 60), T0 + 1)
            .await
            .unwrap();
        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!(row.status, MailStatus::Queued, "{backend}");
        assert_eq!(row.next_attempt_at, T0 + 60);
        assert_eq!(row.last_error.as_deref(), Some("connection refused"));
        assert_eq!(row.claimed_by, None);
        assert!(
            store
                .claim_due_mail("w", T0 + 59, 60, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let again = store.claim_due_mail("w", T0 + 60, 60, 10).await.unwrap();
        assert_eq!(again[0].attempts, 2);
        let error = "550 5.1.1 <matti@example.fi>: Recipient address rejected: ä";
        store
            .mark_mail_failed(id, "w", error, None, T0 + 61)
            .await
            .unwrap();
        let row = store.mail(id).await.unwrap().unwrap();
        assert_eq!(row.status, MailStatus::Failed, "{backend}");
        assert_eq!(row.last_error.as_deref(), Some(error));
        assert!(
            store
                .claim_due_mail("w", T0 + 99_999, 60, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let counts = store.mail_counts().await.unwrap();
        assert_eq!(
            (counts.queued, counts.sending, counts.sent, counts.failed),
            (0, 0, 0, 1)
        );

        let failed: Vec<_> = mail_audits(&store)
            .await
            .into_iter()
            .filter(|e| e.action == "mail.failed")
            .collect();
        assert_eq!(failed.len(), 2, "{backend}");
        assert_eq!(failed[0].details["permanent"], false);
        assert_eq!(failed[0].details["retry_at"], T0 + 60);
        assert_eq!(failed[1].details["permanent"], true);
        assert_eq!(failed[1].details["error"], error);
        assert_eq!(failed[1].details["attempts"], 2);
    }
}

#[tokio::test]
async fn bad_mails_are_refused_and_leave_nothing() {
    for (backend, store, _guard) in test_stores().await {
        let mut bad = mail("bad");
        bad.subject = "Hei\r\nBcc: everyone@example.org".to_owned();
        let err = store.enqueue_mail(&bad, ACTOR, T0).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::InvalidInput {
                    field: "subject",
                    ..
                }
            ),
            "{err}"
        );
        let mut bad = mail("bad");
        bad.attachments[1].content_type = "text".to_owned();
        assert!(store.enqueue_mail(&bad, ACTOR, T0).await.is_err());
        let mut big = mail("big");
        big.attachments[0].bytes = vec![0; carepki_store::MAX_ATTACHMENT_BYTES + 1];
        assert!(store.enqueue_mail(&big, ACTOR, T0).await.is_err());
        assert_eq!(store.mail_counts().await.unwrap().queued, 0, "{backend}");
        assert!(mail_audits(&store).await.is_empty());
        // A mail with no attachments and no HTML is fine.
        let mut plain = mail("plain");
        plain.attachments.clear();
        plain.body_html = None;
        plain.serial = None;
        let id = store.enqueue_mail(&plain, ACTOR, T0).await.unwrap().id();
        let claimed = store.claim_due_mail("w", T0, 60, 1).await.unwrap();
        assert_eq!(
            (claimed[0].id, claimed[0].attachments.len()),
            (id, 0),
            "{backend}"
        );
        assert!(store.claim_due_mail("", T0, 60, 1).await.is_err());
        assert!(store.claim_due_mail("w", T0, 0, 1).await.is_err());
    }
}

#[tokio::test]
async fn concurrent_senders_and_enqueuers_never_share_a_mail() {
    for (backend, store, guard) in test_stores().await {
        // A second handle on the same database: another process, as far as the
        // database is concerned.
        let other = Store::open(guard.url()).await.unwrap();
        // Both race to queue the same 40 notifications.
        let mut tasks = Vec::new();
        for handle in [store.clone(), other.clone()] {
            tasks.push(tokio::spawn(async move {
                let mut queued = 0;
                for i in 0..40 {
                    let outcome = handle
                        .enqueue_mail(&mail(&format!("race:{i}")), ACTOR, T0)
                        .await
                        .unwrap();
                    queued += usize::from(matches!(outcome, EnqueueOutcome::Queued { .. }));
                }
                queued
            }));
        }
        let mut queued = 0;
        for task in tasks {
            queued += task.await.unwrap();
        }
        assert_eq!(queued, 40, "{backend}");

        // Four senders on two handles claim in small bites until nothing is left.
        let mut tasks = Vec::new();
        for (n, handle) in [&store, &other, &store, &other].into_iter().enumerate() {
            let handle = handle.clone();
            tasks.push(tokio::spawn(async move {
                let worker = format!("w{n}");
                let mut mine = Vec::new();
                loop {
                    let claimed = handle.claim_due_mail(&worker, T0, 600, 3).await.unwrap();
                    if claimed.is_empty() {
                        break;
                    }
                    for mail in claimed {
                        handle
                            .mark_mail_sent(mail.id, &worker, T0 + 1)
                            .await
                            .unwrap();
                        mine.push(mail.dedupe_key);
                    }
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 40, "{backend}: every mail claimed exactly once");
        assert_eq!(distinct.len(), 40, "{backend}");
        assert_eq!(store.mail_counts().await.unwrap().sent, 40);
        other.close().await;
    }
}

#[tokio::test]
async fn the_queue_survives_closing_the_store() {
    for (backend, store, guard) in test_stores().await {
        let id = store
            .enqueue_mail(&mail("durable"), ACTOR, T0)
            .await
            .unwrap()
            .id();
        store
            .claim_due_mail("before-restart", T0, 60, 10)
            .await
            .unwrap();
        store.close().await;
        let reopened = Store::open(guard.url()).await.unwrap();
        let row = reopened.mail(id).await.unwrap().unwrap();
        assert_eq!(row.status, MailStatus::Sending, "{backend}");
        let claimed = reopened
            .claim_due_mail("after-restart", T0 + 60, 60, 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1, "{backend}");
        assert_eq!(claimed[0].attachments, mail("durable").attachments);
        reopened.close().await;
    }
}

#[tokio::test]
async fn a_claim_takes_at_most_its_limit_oldest_due_first() {
    for (backend, store, _guard) in test_stores().await {
        let mut ids = Vec::new();
        for (i, at) in [T0 + 2, T0, T0 + 1, T0 + 50].into_iter().enumerate() {
            ids.push(
                store
                    .enqueue_mail(&mail(&format!("k{i}")), ACTOR, at)
                    .await
                    .unwrap()
                    .id(),
            );
        }
        // Due at T0 + 10: the first three, oldest first, one or two at a time.
        let one = store.claim_due_mail("w", T0 + 10, 60, 1).await.unwrap();
        assert_eq!(
            one.iter().map(|m| m.id).collect::<Vec<_>>(),
            [ids[1]],
            "{backend}"
        );
        let two = store.claim_due_mail("w", T0 + 10, 60, 2).await.unwrap();
        assert_eq!(
            two.iter().map(|m| m.id).collect::<Vec<_>>(),
            [ids[0], ids[2]],
            "{backend}"
        );
        assert!(
            store
                .claim_due_mail("w", T0 + 10, 60, 5)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.mail_counts().await.unwrap().sending, 3, "{backend}");
        assert!(
            store
                .claim_due_mail("w", T0 + 10, 60, 0)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

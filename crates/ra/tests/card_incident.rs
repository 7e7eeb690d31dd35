//! The incident tools (issue 5, point 8; R-SV, R-STATUS-TRUTH) on real
//! databases (SQLite and, with CAREPKI_TEST_PG_URL, PostgreSQL).
//!
//! The 2023 incident is seeded as it happened: professional cards issued to
//! holders who were not prescribers when the cards were made (so their
//! certificates carry no SV number), then registers re-imported in which some
//! of them are prescribers with SV numbers. Next to them: correct cards of
//! prescribers, of non-prescribers, a revoked faulty card, a temporary card
//! standing in for a professional one, a staff card, a card at another point.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use carepki_ca::authority::now_unix;
use carepki_ra::cards::incident::STALE_RUNNING_SECS;
use carepki_ra::cards::{AsBefore, BulkAction, BulkControl, CardFilter, CardService, OrderInput};
use carepki_store::{CardOrderRow, CardOrderUpdate, Store};
use carepki_x509::RevocationReason;
use serde_json::Value;
use support::*;

const EXAMPLE: &str = include_str!("../../../examples/professionals.json");

/// Not prescribers when their cards were made; prescribers with SV numbers in
/// the register re-imported later.
const LATE_PRESCRIBERS: [&str; 6] = [
    "99900000102",
    "99900000107",
    "99900000103",
    "99900000105",
    "99900000126",
    "99900000129",
];

/// The example registers now, but 99900000107's prescribing right ended at
/// the end of 2024: he keeps his SV number and a valid right, and is no
/// prescriber (his card without the SV number is correct).
fn registers_after() -> String {
    let mut people: Value = serde_json::from_str(EXAMPLE).unwrap();
    for p in people.as_array_mut().unwrap() {
        if p["registration_number"] == "99900000107" {
            for r in p["professions"].as_array_mut().unwrap() {
                if r["prescribing"] == true {
                    r["valid_until"] = Value::String("2024-12-31".into());
                }
            }
        }
    }
    people.to_string()
}

/// The example registers with the late prescribers not (yet) prescribers.
fn registers_before() -> String {
    let mut people: Value = serde_json::from_str(EXAMPLE).unwrap();
    for p in people.as_array_mut().unwrap() {
        if LATE_PRESCRIBERS.contains(&p["registration_number"].as_str().unwrap()) {
            p.as_object_mut().unwrap().remove("sv_number");
            for r in p["professions"].as_array_mut().unwrap() {
                r["prescribing"] = Value::Bool(false);
            }
        }
    }
    people.to_string()
}

struct Seeded {
    /// Registrar user ids at the first point.
    registrars: [i64; 2],
    point: i64,
    other_point: i64,
    /// Order ids by name.
    faulty: BTreeSet<i64>,
    correct_prescriber: i64,
    correct_other_prescriber: i64,
    non_prescriber: i64,
    sv_no_right: i64,
    expired_non_prescriber: i64,
    revoked_faulty: i64,
    pending_professional: i64,
    temporary_faulty: i64,
    staff: i64,
    at_other_point: i64,
    /// By registration number: the faulty professional cards.
    by_regno: std::collections::BTreeMap<String, i64>,
}

async fn order_one(
    cards: &CardService,
    registrar: i64,
    point: i64,
    input: &OrderInput,
) -> CardOrderRow {
    let mut rows = cards
        .order(registrar, point, input, now_unix())
        .await
        .unwrap();
    rows.remove(0)
}

async fn produced(w: &World, registrar: i64, point: i64, regno: &str) -> CardOrderRow {
    let o = order_one(&w.cards, registrar, point, &professional_order(regno)).await;
    produce_without_token(w, &o, now_unix()).await
}

/// Helsinki 2023 dates as Unix seconds (checked against the offsets: EET
/// +02:00 until 26.3.2023, EEST +03:00 after).
const H_2023_03_15_00_00: i64 = 1_678_831_200; // 2023-03-14T22:00:00Z
const H_2023_03_20_12_00: i64 = 1_679_306_400; // 2023-03-20T10:00:00Z
const H_2023_04_13_23_59_59: i64 = 1_681_419_599; // 2023-04-13T20:59:59Z
const H_2023_04_14_00_00: i64 = 1_681_419_600; // 2023-04-13T21:00:00Z

async fn set_not_before(store: &Store, o: &CardOrderRow, t: i64) {
    for s in [&o.auth_serial, &o.sign_serial] {
        store
            .set_not_before_for_tests(s.as_deref().unwrap(), t)
            .await
            .unwrap();
    }
}

async fn seed(w: &World) -> Seeded {
    sync_professionals_json(&w.store, &registers_before()).await;
    let (point, registrars) = point_with_registrars(w).await;
    let r = registrars[0];
    let now = now_unix();

    // Faulty: professional cards of (then) non-prescribers.
    let mut by_regno = std::collections::BTreeMap::new();
    for regno in ["99900000102", "99900000103", "99900000105"] {
        let o = produced(w, r, point, regno).await;
        assert_eq!(
            o.holder["sv_number"],
            Value::Null,
            "{regno} not a prescriber yet"
        );
        by_regno.insert(regno.to_owned(), o.id);
    }
    // Correct: prescribers' cards with the SV number; non-prescribers' cards.
    let correct_prescriber = produced(w, r, point, "99900000101").await;
    let correct_other_prescriber = produced(w, r, point, "99900000121").await;
    let non_prescriber = produced(w, r, point, "99900000108").await;
    // Has an SV number now, but no valid prescribing right: correct.
    let sv_no_right = produced(w, r, point, "99900000107").await;
    let expired_non_prescriber = produced(w, r, point, "99900000109").await;
    w.store
        .set_not_after_for_tests(
            expired_non_prescriber.auth_serial.as_deref().unwrap(),
            now - 10,
        )
        .await
        .unwrap();
    // A faulty card revoked already.
    let revoked = produced(w, r, point, "99900000126").await;
    w.cards
        .revoke_card(r, revoked.id, RevocationReason::Superseded, now)
        .await
        .unwrap();
    // A pending professional order and the temporary card standing in for it.
    let pending = order_one(&w.cards, r, point, &professional_order("99900000129")).await;
    let temp = order_one(
        &w.cards,
        r,
        point,
        &OrderInput {
            kind: "temporary".into(),
            identity: Some(passport()),
            holder_number: Some("99900000129".into()),
            email: Some("temp@example.fi".into()),
            ..OrderInput::default()
        },
    )
    .await;
    let temp = produce_without_token(w, &temp, now).await;
    // A staff card.
    let staff = order_one(
        &w.cards,
        r,
        point,
        &OrderInput {
            kind: "staff".into(),
            identity: Some(passport()),
            given_name: Some("Sanna".into()),
            surname: Some("Sihteeri".into()),
            title: Some("Osastosihteeri".into()),
            org_oid: Some(ORG.into()),
            email: Some("sanna@example.fi".into()),
            ..OrderInput::default()
        },
    )
    .await;
    let staff = produce_without_token(w, &staff, now).await;
    // A correct card at another point.
    let other_point = w
        .cards
        .create_point(&officer(), OTHER, "Toinen piste", true, now)
        .await
        .unwrap();
    let mut other_regs = [0; 2];
    for (i, name) in ["Toinen1", "Toinen2"].iter().enumerate() {
        let uid = user(&w.store, name).await;
        let reg = w
            .cards
            .add_registrar(&officer(), other_point.id, uid, "k.pdf", PDF, now)
            .await
            .unwrap();
        w.cards
            .approve_registrar(&officer(), reg.id, now)
            .await
            .unwrap();
        other_regs[i] = uid;
    }
    let at_other = produced(w, other_regs[0], other_point.id, "99900000110").await;
    // The holder of a correct card activated it.
    w.store
        .update_card_order(
            correct_prescriber.id,
            &CardOrderUpdate {
                from_state: "produced".into(),
                to_state: "activated".into(),
                action: "card.activate".into(),
                card_label: None,
                serials: None,
                detail: serde_json::json!({}),
            },
            "test",
            now,
        )
        .await
        .unwrap();

    // Validity starts inside and outside the incident window 15.3.–13.4.2023.
    let o = |regno: &str| by_regno[regno];
    let card = |id| async move { w.store.card_order(id).await.unwrap().unwrap() };
    set_not_before(&w.store, &correct_other_prescriber, H_2023_03_15_00_00).await;
    set_not_before(&w.store, &card(o("99900000102")).await, H_2023_03_20_12_00).await;
    set_not_before(
        &w.store,
        &card(o("99900000105")).await,
        H_2023_04_13_23_59_59,
    )
    .await;
    set_not_before(&w.store, &card(o("99900000103")).await, H_2023_04_14_00_00).await;

    // The registers now: the late prescribers have SV numbers.
    sync_professionals_json(&w.store, &registers_after()).await;
    let person = w.store.professional("99900000107").await.unwrap().unwrap();
    assert_eq!(person.sv_number.as_deref(), Some("900107"));

    let mut faulty: BTreeSet<i64> = by_regno.values().copied().collect();
    faulty.insert(temp.id);
    Seeded {
        registrars,
        point,
        other_point: other_point.id,
        faulty,
        correct_prescriber: correct_prescriber.id,
        correct_other_prescriber: correct_other_prescriber.id,
        non_prescriber: non_prescriber.id,
        sv_no_right: sv_no_right.id,
        expired_non_prescriber: expired_non_prescriber.id,
        revoked_faulty: revoked.id,
        pending_professional: pending.id,
        temporary_faulty: temp.id,
        staff: staff.id,
        at_other_point: at_other.id,
        by_regno,
    }
}

async fn ids(cards: &CardService, f: &CardFilter) -> BTreeSet<i64> {
    cards
        .find_cards(f, now_unix())
        .await
        .unwrap()
        .iter()
        .map(|c| c.order_id)
        .collect()
}

fn set(v: &[i64]) -> BTreeSet<i64> {
    v.iter().copied().collect()
}

#[tokio::test]
async fn find_narrows_by_each_filter_and_finds_exactly_the_cards_missing_sv() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let s = seed(&w).await;
        let missing = CardFilter {
            missing_sv: true,
            ..CardFilter::default()
        };
        let found = w.cards.find_cards(&missing, now_unix()).await.unwrap();
        let got: BTreeSet<i64> = found.iter().map(|c| c.order_id).collect();
        assert_eq!(
            got, s.faulty,
            "{backend}: --missing-sv finds exactly the faulty cards"
        );
        for c in &found {
            assert!(
                c.why.contains(
                    "no SV number (pseudonym) in the authentication and signature certificates"
                ) && c.why.contains(&c.holder_number)
                    && c.why.contains("SV number 9001"),
                "{backend}: {}",
                c.why
            );
            assert_eq!(c.cert_status.as_deref(), Some("valid"));
        }
        // The correct prescriber's certificates do carry the pseudonym: the
        // check reads the certificates, so a card ordered with the SV number
        // is not found.
        assert!(!got.contains(&s.correct_prescriber));
        // An SV number without a valid prescribing right is no prescriber.
        assert!(!got.contains(&s.sv_no_right));

        // Each filter narrows.
        let all_cards = ids(&w.cards, &CardFilter::default()).await;
        assert_eq!(all_cards.len(), 13, "{backend}: {all_cards:?}");
        let kind = |k: &str| CardFilter {
            kind: Some(k.into()),
            ..CardFilter::default()
        };
        assert_eq!(
            ids(&w.cards, &kind("temporary")).await,
            set(&[s.temporary_faulty])
        );
        assert_eq!(ids(&w.cards, &kind("staff")).await, set(&[s.staff]));
        assert_eq!(
            ids(
                &w.cards,
                &CardFilter {
                    kind: Some("temporary".into()),
                    missing_sv: true,
                    ..CardFilter::default()
                }
            )
            .await,
            set(&[s.temporary_faulty])
        );
        assert!(
            ids(
                &w.cards,
                &CardFilter {
                    kind: Some("staff".into()),
                    missing_sv: true,
                    ..CardFilter::default()
                }
            )
            .await
            .is_empty()
        );
        let point = |p| CardFilter {
            point: Some(p),
            ..CardFilter::default()
        };
        assert_eq!(
            ids(&w.cards, &point(s.other_point)).await,
            set(&[s.at_other_point])
        );
        assert_eq!(ids(&w.cards, &point(s.point)).await.len(), 12);
        let status = |st: &[&str]| CardFilter {
            statuses: st.iter().map(|x| x.to_string()).collect(),
            ..CardFilter::default()
        };
        assert_eq!(
            ids(&w.cards, &status(&["ordered"])).await,
            set(&[s.pending_professional])
        );
        assert_eq!(
            ids(&w.cards, &status(&["activated"])).await,
            set(&[s.correct_prescriber])
        );
        assert_eq!(
            ids(&w.cards, &status(&["revoked"])).await,
            set(&[s.revoked_faulty])
        );
        assert_eq!(
            ids(&w.cards, &status(&["expired"])).await,
            set(&[s.expired_non_prescriber])
        );
        let valid = ids(&w.cards, &status(&["valid"])).await;
        assert_eq!(valid.len(), 10, "{backend}: {valid:?}");
        assert!(!valid.contains(&s.expired_non_prescriber) && !valid.contains(&s.revoked_faulty));
        // Order state and certificate status combine with "and".
        assert_eq!(
            ids(&w.cards, &status(&["activated", "valid"])).await,
            set(&[s.correct_prescriber])
        );
        assert!(
            ids(&w.cards, &status(&["ordered", "valid"]))
                .await
                .is_empty()
        );

        // The validity start range: Helsinki days, both ends inclusive.
        let window = CardFilter {
            valid_from_start: Some("2023-03-15".into()),
            valid_from_end: Some("2023-04-13".into()),
            ..CardFilter::default()
        };
        assert_eq!(
            ids(&w.cards, &window).await,
            set(&[
                s.correct_other_prescriber,
                s.by_regno["99900000102"],
                s.by_regno["99900000105"]
            ]),
            "{backend}"
        );
        let window_missing = CardFilter {
            missing_sv: true,
            ..window.clone()
        };
        assert_eq!(
            ids(&w.cards, &window_missing).await,
            set(&[s.by_regno["99900000102"], s.by_regno["99900000105"]])
        );
        let from_14_4 = CardFilter {
            valid_from_start: Some("2023-04-14".into()),
            valid_from_end: Some("2023-04-14".into()),
            ..CardFilter::default()
        };
        assert_eq!(
            ids(&w.cards, &from_14_4).await,
            set(&[s.by_regno["99900000103"]])
        );
        assert_eq!(
            ids(&w.cards, &point(s.other_point)).await,
            set(&[s.at_other_point])
        );

        // Bad filters, by code.
        let bad = |f: CardFilter| {
            let cards = w.cards.clone();
            async move { cards.find_cards(&f, now_unix()).await.unwrap_err().code }
        };
        assert_eq!(bad(kind("nurse")).await, "find.kind");
        assert_eq!(bad(status(&["lost"])).await, "find.status");
        assert_eq!(
            bad(CardFilter {
                valid_from_start: Some("2023-02-30".into()),
                ..CardFilter::default()
            })
            .await,
            "find.date"
        );
        assert_eq!(
            bad(CardFilter {
                valid_from_start: Some("2023-04-14".into()),
                valid_from_end: Some("2023-04-13".into()),
                ..CardFilter::default()
            })
            .await,
            "find.date_range"
        );
        let _ = s.non_prescriber;
        let _ = s.registrars;
    }
}

fn missing_sv() -> CardFilter {
    CardFilter {
        missing_sv: true,
        ..CardFilter::default()
    }
}

async fn audit_actions(store: &Store, prefix: &str) -> Vec<(String, Value)> {
    store
        .audit_events(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with(prefix))
        .map(|e| (e.action, e.details))
        .collect()
}

#[tokio::test]
async fn bulk_notify_interrupted_and_resumed_mails_each_holder_once() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let s = seed(&w).await;
        let off = officer();
        let job = w
            .cards
            .start_bulk(&off, &missing_sv(), BulkAction::Notify, now_unix())
            .await
            .unwrap();
        assert_eq!(job.items_total, 4);
        assert_eq!(job.state, "running");
        let items: BTreeSet<i64> = w
            .cards
            .bulk_job(job.id)
            .await
            .unwrap()
            .items
            .iter()
            .map(|i| i.order_id)
            .collect();
        assert_eq!(
            items, s.faulty,
            "{backend}: the job's items are the cards found"
        );

        // Stopped after two cards.
        let control = BulkControl {
            max_items: Some(2),
            ..BulkControl::default()
        };
        let mut seen = Vec::new();
        let r = w
            .cards
            .run_bulk(&off, job.id, &control, |i, n| seen.push((i.order_id, n)))
            .await
            .unwrap();
        assert_eq!(r.job.state, "interrupted", "{backend}");
        assert_eq!((r.count("done"), r.count("pending")), (2, 2));
        assert_eq!(seen.iter().map(|x| x.1).collect::<Vec<_>>(), vec![1, 2]);
        // Running an interrupted job needs a resume first.
        let e = w
            .cards
            .run_bulk(&off, job.id, &BulkControl::default(), |_, _| {})
            .await
            .unwrap_err();
        assert_eq!(e.code, "bulk.not_running");

        w.cards.resume_bulk(&off, job.id, now_unix()).await.unwrap();
        // A second resumer does not get the running job.
        let e = w
            .cards
            .resume_bulk(&off, job.id, now_unix())
            .await
            .unwrap_err();
        assert_eq!(e.code, "bulk.not_resumable", "{backend}");
        let r = w
            .cards
            .run_bulk(&off, job.id, &BulkControl::default(), |_, _| {})
            .await
            .unwrap();
        assert_eq!(r.job.state, "finished");
        assert_eq!(r.count("done"), 4, "{backend}: {:?}", r.items);
        assert!(r.items.iter().all(|i| i.attempts == 1), "{:?}", r.items);
        // A finished job is not resumed; an unknown one is named.
        let e = w
            .cards
            .resume_bulk(&off, job.id, now_unix())
            .await
            .unwrap_err();
        assert_eq!(e.code, "bulk.not_resumable");
        assert!(e.detail.contains("finished"), "{}", e.detail);
        let e = w
            .cards
            .resume_bulk(&off, 999_999, now_unix())
            .await
            .unwrap_err();
        assert_eq!(e.code, "bulk.unknown_job");

        // One mail per card, bilingual, with the dedupe key of the job and card.
        for id in &s.faulty {
            assert!(
                w.store
                    .mail_by_dedupe_key(&format!("card-bulk:{}:{id}", job.id))
                    .await
                    .unwrap()
                    .is_some(),
                "{backend}: no mail for order {id}"
            );
        }
        // (The scenario's revoked cards told their holders too.)
        let (mails, others): (Vec<_>, Vec<_>) = w
            .store
            .claim_due_mail("test", now_unix() + 1, 60, 100)
            .await
            .unwrap()
            .into_iter()
            .partition(|m| m.dedupe_key.starts_with("card-bulk:"));
        assert!(
            others
                .iter()
                .all(|m| m.dedupe_key.starts_with("card-revoked:")),
            "{backend}: {others:?}"
        );
        assert_eq!(mails.len(), 4, "{backend}: one mail per card");
        for m in &mails {
            assert!(m.dedupe_key.starts_with(&format!("card-bulk:{}:", job.id)));
            assert!(m.body_text.contains("SV-tunnus") && m.body_text.contains("SV number"));
            assert!(m.body_text.contains("What happens next"));
        }

        // Audited: start, interrupt, resume, an event per item, finish.
        let events = audit_actions(&w.store, "card.bulk.").await;
        let names: Vec<&str> = events.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            names,
            [
                "card.bulk.start",
                "card.bulk.item",
                "card.bulk.item",
                "card.bulk.interrupt",
                "card.bulk.resume",
                "card.bulk.item",
                "card.bulk.item",
                "card.bulk.finish"
            ],
            "{backend}"
        );
        assert_eq!(events[0].1["items"], 4);
        assert_eq!(events[7].1["outcomes"]["done"], 4);

        // A job of nothing is refused and stores nothing.
        let e = w
            .cards
            .start_bulk(
                &off,
                &CardFilter {
                    kind: Some("staff".into()),
                    missing_sv: true,
                    ..CardFilter::default()
                },
                BulkAction::Notify,
                now_unix(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "bulk.nothing_found");
        assert_eq!(w.cards.bulk_jobs().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn bulk_revoke_cancelled_then_resumed_revokes_each_card_once() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let s = seed(&w).await;
        let off = officer();
        let job = w
            .cards
            .start_bulk(
                &off,
                &missing_sv(),
                BulkAction::Revoke(RevocationReason::Superseded),
                now_unix(),
            )
            .await
            .unwrap();
        // Ctrl-C during the first card: the run stops after it.
        let control = BulkControl::default();
        let flag = control.cancel.clone();
        let r = w
            .cards
            .run_bulk(&off, job.id, &control, |_, _| {
                flag.store(true, Ordering::SeqCst)
            })
            .await
            .unwrap();
        assert_eq!(r.job.state, "interrupted", "{backend}");
        assert_eq!(r.count("done"), 1);
        let first = r
            .items
            .iter()
            .find(|i| i.outcome == "done")
            .unwrap()
            .order_id;
        let first_before = w.store.card_order(first).await.unwrap().unwrap();

        // Meanwhile a registrar revokes one of the pending cards himself.
        let pending: Vec<i64> = r
            .items
            .iter()
            .filter(|i| i.outcome == "pending")
            .map(|i| i.order_id)
            .collect();
        w.cards
            .revoke_card(
                s.registrars[0],
                pending[0],
                RevocationReason::Superseded,
                now_unix(),
            )
            .await
            .unwrap();

        w.cards.resume_bulk(&off, job.id, now_unix()).await.unwrap();
        let r = w
            .cards
            .run_bulk(&off, job.id, &BulkControl::default(), |_, _| {})
            .await
            .unwrap();
        assert_eq!(r.job.state, "finished", "{backend}");
        assert_eq!(
            (r.count("done"), r.count("skipped")),
            (3, 1),
            "{:?}",
            r.items
        );
        let skipped = r.items.iter().find(|i| i.outcome == "skipped").unwrap();
        assert_eq!(skipped.order_id, pending[0]);
        assert_eq!(
            skipped.detail.as_deref(),
            Some("the card is revoked already")
        );
        // The first card was not touched again.
        assert_eq!(
            w.store.card_order(first).await.unwrap().unwrap(),
            first_before
        );

        // Both certificates of every faulty card are revoked; others are not.
        for id in &s.faulty {
            let o = w.store.card_order(*id).await.unwrap().unwrap();
            assert_eq!(o.state, "revoked", "{backend}: order {id}");
            for serial in [&o.auth_serial, &o.sign_serial] {
                let c = w
                    .store
                    .certificate(serial.as_deref().unwrap())
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(c.status, "revoked");
                assert_eq!(c.revocation_reason.as_deref(), Some("superseded"));
            }
        }
        let correct = w
            .store
            .card_order(s.correct_prescriber)
            .await
            .unwrap()
            .unwrap();
        let c = w
            .store
            .certificate(correct.auth_serial.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.status, "valid");
        // Each certificate was revoked once: one revoke event per serial.
        let revokes = audit_actions(&w.store, "certificate.revoke").await;
        let mut serials: Vec<String> = revokes
            .iter()
            .filter_map(|(_, d)| d["serial"].as_str().map(str::to_owned))
            .collect();
        let n = serials.len();
        serials.sort();
        serials.dedup();
        assert_eq!(serials.len(), n, "{backend}: a certificate revoked twice");
        // Nothing is found missing the SV number any more.
        assert!(ids(&w.cards, &missing_sv()).await.is_empty());
    }
}

#[tokio::test]
async fn bulk_reorder_skips_cards_being_replaced_and_never_orders_twice() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let s = seed(&w).await;
        let off = officer();
        // One faulty card is being renewed by its holder already.
        let renewed = s.by_regno["99900000105"];
        w.cards
            .order_as_before(renewed, AsBefore::Renewal, "holder:99900000105", now_unix())
            .await
            .unwrap();
        let job = w
            .cards
            .start_bulk(&off, &missing_sv(), BulkAction::Reorder, now_unix())
            .await
            .unwrap();
        let items = w.cards.bulk_job(job.id).await.unwrap().items;

        // A crash after the first card's re-order, before its outcome was
        // recorded: the item is left started, and the job still running.
        let first = items[0].order_id;
        w.store
            .start_card_bulk_item(job.id, first, off.actor(), now_unix())
            .await
            .unwrap();
        w.cards
            .order_as_before(first, AsBefore::Reissue, off.actor(), now_unix())
            .await
            .unwrap();
        // A fresh running job is not taken over; one still for long is.
        let e = w
            .cards
            .resume_bulk(&off, job.id, now_unix())
            .await
            .unwrap_err();
        assert_eq!(e.code, "bulk.not_resumable", "{backend}");
        w.cards
            .resume_bulk(&off, job.id, now_unix() + STALE_RUNNING_SECS + 1)
            .await
            .unwrap();
        let r = w
            .cards
            .run_bulk(&off, job.id, &BulkControl::default(), |_, _| {})
            .await
            .unwrap();
        assert_eq!(r.job.state, "finished", "{backend}");
        let outcome = |id: i64| r.items.iter().find(|i| i.order_id == id).unwrap().clone();
        let f = outcome(first);
        assert_eq!(f.outcome, "done", "{f:?}");
        assert!(
            f.detail.as_deref().unwrap().contains("found on resume"),
            "{f:?}"
        );
        let rn = outcome(renewed);
        assert_eq!(rn.outcome, "skipped", "{rn:?}");
        assert!(
            rn.detail
                .as_deref()
                .unwrap()
                .contains("already being replaced")
        );
        // The temporary card is not ordered again as before: skipped, with why.
        let t = outcome(s.temporary_faulty);
        assert_eq!(t.outcome, "skipped", "{t:?}");
        assert!(t.detail.as_deref().unwrap().contains("reorder.kind"));
        // Every professional card has exactly one live replacement, carrying
        // the SV number now.
        for id in s.by_regno.values() {
            let repl = w.store.card_orders_replacing(*id).await.unwrap();
            assert_eq!(repl.len(), 1, "{backend}: order {id} replaced {repl:?}");
            assert!(
                repl[0].holder["sv_number"].is_string(),
                "{:?}",
                repl[0].holder
            );
        }
        let done = r.count("done");
        assert_eq!(done, 2, "{:?}", r.items);
    }
}

#[tokio::test]
async fn failed_cards_are_recorded_and_tried_again_on_resume() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let s = seed(&w).await;
        let off = officer();
        let job = w
            .cards
            .start_bulk(
                &off,
                &missing_sv(),
                BulkAction::Revoke(RevocationReason::Superseded),
                now_unix(),
            )
            .await
            .unwrap();
        // A process without the CA open fails every card, and says why.
        let without_ca = CardService::new(w.store.clone(), None);
        let r = without_ca
            .run_bulk(&off, job.id, &BulkControl::default(), |_, _| {})
            .await
            .unwrap();
        assert_eq!(r.job.state, "finished", "{backend}");
        assert_eq!(r.count("failed"), 4, "{:?}", r.items);
        assert!(
            r.items[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("the CA is not open here")
        );
        for id in &s.faulty {
            let o = w.store.card_order(*id).await.unwrap().unwrap();
            assert_ne!(o.state, "revoked", "{backend}: nothing revoked");
        }
        // Resumed with the CA: each failed card is tried again, once more.
        w.cards.resume_bulk(&off, job.id, now_unix()).await.unwrap();
        let r = w
            .cards
            .run_bulk(&off, job.id, &BulkControl::default(), |_, _| {})
            .await
            .unwrap();
        assert_eq!(
            (r.job.state.as_str(), r.count("done")),
            ("finished", 4),
            "{backend}"
        );
        assert!(r.items.iter().all(|i| i.attempts == 2), "{:?}", r.items);
        let e = w
            .cards
            .resume_bulk(&off, job.id, now_unix())
            .await
            .unwrap_err();
        assert_eq!(e.code, "bulk.not_resumable");
    }
}

//! The professional registers: a re-import is a sync; rights that end become
//! findings (R-CARD-TYPES, R-SV). Every test runs on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use carepki_store::testing::test_stores;
use carepki_store::{ProfessionalRightRow, ProfessionalRow, Store, StoreError, SyncReport};
use common::{ACTOR, T0};

const DAY: i64 = 86_400;

fn right(
    register: &str,
    profession: &str,
    from: &str,
    ends_at: Option<i64>,
) -> ProfessionalRightRow {
    ProfessionalRightRow {
        register: register.to_owned(),
        profession: profession.to_owned(),
        title: format!("Ammatti {profession}"),
        right_kind: "licensed".to_owned(),
        valid_from: from.to_owned(),
        valid_until: ends_at.map(|_| "2025-06-30".to_owned()),
        starts_at: T0 - 3000 * DAY,
        ends_at,
        prescribing: false,
        restrictions: vec![],
        removed_at: None,
        ended_at: None,
    }
}

fn person(number: &str, surname: &str, rights: Vec<ProfessionalRightRow>) -> ProfessionalRow {
    ProfessionalRow {
        registration_number: number.to_owned(),
        surname: surname.to_owned(),
        given_names: "Testi".to_owned(),
        birth_year: Some(1980),
        sv_number: None,
        rights,
        created_at: 0,
        updated_at: 0,
        removed_at: None,
    }
}

const A: &str = "10000000001";
const B: &str = "10000000002";
const C: &str = "10000000003";

/// A doctor who prescribes, a nurse, and a social worker whose right ends at T0 + 10 days.
fn register() -> Vec<ProfessionalRow> {
    let mut doctor_right = right("terhikki", "101", "2001-06-01", None);
    doctor_right.prescribing = true;
    doctor_right.restrictions = vec!["Ei huumausaineita".to_owned()];
    let mut a = person(
        A,
        "Esimerkki",
        vec![doctor_right, right("terhikki", "102", "2008-01-01", None)],
    );
    a.sv_number = Some("900001".to_owned());
    let b = person(
        B,
        "Meikäläinen",
        vec![right("terhikki", "201", "2010-01-01", None)],
    );
    let c = person(
        C,
        "Testinen",
        vec![right("suosikki", "501", "2015-01-01", Some(T0 + 10 * DAY))],
    );
    vec![a, b, c]
}

async fn sync(store: &Store, people: &[ProfessionalRow], at: i64) -> SyncReport {
    store
        .sync_professionals(people, "flag", ACTOR, at)
        .await
        .unwrap()
}

fn counts(r: &SyncReport) -> (usize, usize, usize, usize) {
    (r.inserted, r.updated, r.unchanged, r.removed)
}

/// The ended rights of a report as (registration number, profession, kind).
fn ended(r: &SyncReport) -> Vec<(String, String, String)> {
    r.ended
        .iter()
        .map(|f| {
            (
                f.registration_number.clone(),
                f.profession.clone(),
                f.kind.clone(),
            )
        })
        .collect()
}

fn e(number: &str, profession: &str, kind: &str) -> (String, String, String) {
    (number.to_owned(), profession.to_owned(), kind.to_owned())
}

#[tokio::test]
async fn insert_unchanged_update_and_reads() {
    for (backend, store, _guard) in test_stores().await {
        let people = register();
        let first = sync(&store, &people, T0).await;
        assert_eq!(counts(&first), (3, 0, 0, 0), "{backend}");
        assert!(first.ended.is_empty(), "{backend}");

        // The same register again: nothing changes, nothing ends.
        let again = sync(&store, &people, T0 + 1).await;
        assert_eq!(counts(&again), (0, 0, 3, 0), "{backend}");
        assert!(
            again.ended.is_empty() && again.valid_again == 0,
            "{backend}"
        );

        let a = store.professional(A).await.unwrap().unwrap();
        assert_eq!(a.surname, "Esimerkki");
        assert_eq!(a.sv_number.as_deref(), Some("900001"));
        assert_eq!((a.created_at, a.updated_at, a.removed_at), (T0, T0, None));
        assert_eq!(a.rights.len(), 2, "{backend}");
        assert_eq!(a.rights[0].profession, "101");
        assert!(a.rights[0].prescribing);
        assert_eq!(a.rights[0].restrictions, ["Ei huumausaineita"]);
        assert!(a.rights[0].is_valid_at(T0));
        let by_sv = store.professionals_by_sv("900001").await.unwrap();
        assert_eq!(by_sv.len(), 1, "{backend}");
        assert_eq!(by_sv[0].registration_number, A);
        assert_eq!(by_sv[0].rights.len(), 2);
        assert!(
            store
                .professionals_by_sv("900002")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(store.professional("19999999999").await.unwrap().is_none());
        assert_eq!(store.professionals().await.unwrap().len(), 3);

        // A name changes and a right is added: one update.
        let mut changed = register();
        changed[1].surname = "Uusinimi".to_owned();
        changed[1]
            .rights
            .push(right("terhikki", "203", "2020-01-01", None));
        let upd = sync(&store, &changed, T0 + 2).await;
        assert_eq!(counts(&upd), (0, 1, 2, 0), "{backend}");
        assert!(upd.ended.is_empty());
        let b = store.professional(B).await.unwrap().unwrap();
        assert_eq!((b.surname.as_str(), b.rights.len()), ("Uusinimi", 2));
        assert_eq!((b.created_at, b.updated_at), (T0, T0 + 2));

        // The audit: one summary event per sync, without personal data.
        let events = store.audit_events(None).await.unwrap();
        let imports: Vec<_> = events
            .iter()
            .filter(|e| e.action == "professional.import")
            .collect();
        assert_eq!(imports.len(), 3, "{backend}");
        assert_eq!(imports[0].details["inserted"], 3);
        assert_eq!(imports[1].details["unchanged"], 3);
        assert_eq!(imports[2].details["updated"], 1);
        assert_eq!(imports[2].actor, ACTOR);
        for event in &imports {
            let text = event.details.to_string();
            for personal in ["Esimerkki", "Uusinimi", "900001", "Testi", "1980"] {
                assert!(!text.contains(personal), "{backend}: {text}");
            }
        }
    }
}

#[tokio::test]
async fn ended_rights_become_findings_once() {
    for (backend, store, _guard) in test_stores().await {
        sync(&store, &register(), T0).await;

        // C's right expires (T0 + 10 days) with no change in the file.
        let later = T0 + 20 * DAY;
        let r = sync(&store, &register(), later).await;
        assert_eq!(counts(&r), (0, 0, 3, 0), "{backend}");
        assert_eq!(ended(&r), [e(C, "501", "expired")], "{backend}");
        assert_eq!(r.ended[0].on_ended, "flag");
        assert_eq!(r.ended[0].detected_at, later);
        assert_eq!(r.ended[0].valid_until.as_deref(), Some("2025-06-30"));
        let c = store.professional(C).await.unwrap().unwrap();
        assert_eq!(c.rights[0].ended_at, Some(later), "{backend}");
        assert!(!c.rights[0].is_valid_at(later));

        // Idempotent: the same register again finds nothing new.
        let r = sync(&store, &register(), later + 1).await;
        assert!(r.ended.is_empty(), "{backend}: {r:?}");
        assert_eq!(store.open_register_findings().await.unwrap().len(), 1);

        // A's second right is gone from the register: "removed".
        let mut people = register();
        people[0].rights.truncate(1);
        let r = sync(&store, &people, later + 2).await;
        assert_eq!(counts(&r), (0, 1, 2, 0), "{backend}");
        assert_eq!(ended(&r), [e(A, "102", "removed")], "{backend}");
        let a = store.professional(A).await.unwrap().unwrap();
        assert_eq!(a.rights.len(), 2, "the row is kept");
        assert_eq!(a.rights[1].removed_at, Some(later + 2));
        assert!(!a.rights[1].is_valid_at(later + 2));
        let r = sync(&store, &people, later + 3).await;
        assert!(
            r.ended.is_empty() && counts(&r) == (0, 0, 3, 0),
            "{backend}: {r:?}"
        );

        let open = store.open_register_findings().await.unwrap();
        let kinds: Vec<_> = open
            .iter()
            .map(|f| (f.registration_number.as_str(), f.kind.as_str()))
            .collect();
        assert_eq!(kinds, [(C, "expired"), (A, "removed")], "{backend}");
        assert!(open.iter().all(|f| f.resolved_at.is_none()));

        // C's right is extended: valid again, its finding resolved by the sync.
        let mut extended = people.clone();
        extended[2].rights[0].ends_at = Some(T0 + 400 * DAY);
        extended[2].rights[0].valid_until = Some("2026-07-20".to_owned());
        let r = sync(&store, &extended, later + 4).await;
        assert_eq!((r.valid_again, r.updated), (1, 1), "{backend}: {r:?}");
        let c = store.professional(C).await.unwrap().unwrap();
        assert_eq!(c.rights[0].ended_at, None);
        assert!(c.rights[0].is_valid_at(later + 4));
        let open = store.open_register_findings().await.unwrap();
        assert_eq!(open.len(), 1, "{backend}");
        assert_eq!(open[0].registration_number, A);
        let of_c = store.register_findings_of(C).await.unwrap();
        assert_eq!(of_c.len(), 1);
        assert_eq!(of_c[0].resolved_by.as_deref(), Some(ACTOR));
        assert_eq!(of_c[0].resolved_at, Some(later + 4));
    }
}

#[tokio::test]
async fn a_removed_person_ends_every_right_and_may_come_back() {
    for (backend, store, _guard) in test_stores().await {
        // B also holds a right that has already ended when first seen: no finding.
        let mut people = register();
        people[1]
            .rights
            .push(right("terhikki", "210", "2000-01-01", Some(T0 - DAY)));
        let first = sync(&store, &people, T0).await;
        assert!(first.ended.is_empty(), "{backend}: {first:?}");
        let b = store.professional(B).await.unwrap().unwrap();
        assert_eq!(b.rights[1].ended_at, Some(T0), "{backend}");

        // A disappears from the register.
        let without_a: Vec<_> = people[1..].to_vec();
        let r = sync(&store, &without_a, T0 + 5).await;
        assert_eq!(counts(&r), (0, 0, 2, 1), "{backend}");
        assert_eq!(
            ended(&r),
            [e(A, "101", "person-removed"), e(A, "102", "person-removed")],
            "{backend}"
        );
        let a = store.professional(A).await.unwrap().unwrap();
        assert_eq!(a.removed_at, Some(T0 + 5), "{backend}");
        assert!(a.rights.iter().all(|r| r.removed_at == Some(T0 + 5)));
        assert!(
            store
                .professionals_by_sv("900001")
                .await
                .unwrap()
                .is_empty()
        );
        // Idempotent.
        let r = sync(&store, &without_a, T0 + 6).await;
        assert_eq!(counts(&r), (0, 0, 2, 0), "{backend}");
        assert!(r.ended.is_empty());

        // B is removed too: only his right still valid ends (210 had ended).
        let r = sync(&store, &without_a[1..], T0 + 7).await;
        assert_eq!(ended(&r), [e(B, "201", "person-removed")], "{backend}");

        // A is back: an update, his rights valid again, his findings resolved.
        let back = vec![people[0].clone(), people[2].clone()];
        let r = sync(&store, &back, T0 + 8).await;
        assert_eq!(counts(&r), (0, 1, 1, 0), "{backend}: {r:?}");
        assert_eq!(r.valid_again, 2);
        let a = store.professional(A).await.unwrap().unwrap();
        assert_eq!(a.removed_at, None);
        assert!(
            a.rights
                .iter()
                .all(|r| r.is_valid_at(T0 + 8) && r.ended_at.is_none())
        );
        assert_eq!(store.professionals_by_sv("900001").await.unwrap().len(), 1);
        let open = store.open_register_findings().await.unwrap();
        assert_eq!(open.len(), 1, "{backend}: {open:?}");
        assert_eq!(open[0].registration_number, B);
    }
}

#[tokio::test]
async fn a_bad_register_stores_nothing() {
    for (backend, store, _guard) in test_stores().await {
        sync(&store, &register(), T0).await;
        let before = store.professionals().await.unwrap();
        let audits_before = store.audit_events(None).await.unwrap().len();

        // The database refuses the third person (an SV number of 5 digits) after
        // the first two were written: the whole sync is undone.
        let mut bad = register();
        bad[0].surname = "Ei saa tallentua".to_owned();
        bad.push(person(
            "10000000004",
            "Uusi",
            vec![right("terhikki", "101", "2020-01-01", None)],
        ));
        bad[3].sv_number = Some("90001".to_owned());
        bad.remove(1); // B would be removed
        let err = store
            .sync_professionals(&bad, "flag", ACTOR, T0 + 1)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Constraint { .. }),
            "{backend}: {err}"
        );
        assert_eq!(store.professionals().await.unwrap(), before, "{backend}");
        assert_eq!(
            store.professional(A).await.unwrap().unwrap().surname,
            "Esimerkki"
        );
        assert!(store.professional("10000000004").await.unwrap().is_none());
        assert!(store.open_register_findings().await.unwrap().is_empty());
        assert_eq!(
            store.audit_events(None).await.unwrap().len(),
            audits_before,
            "{backend}"
        );

        // Refused before the database: repeated people and rights, unknown values.
        let mut twice = register();
        twice.push(register().remove(0));
        let mut repeated_right = register();
        let r = repeated_right[1].rights[0].clone();
        repeated_right[1].rights.push(r);
        let mut bad_kind = register();
        bad_kind[0].rights[0].right_kind = "full".to_owned();
        let mut bad_register = register();
        bad_register[0].rights[0].register = "kela".to_owned();
        let mut no_rights = register();
        no_rights[2].rights.clear();
        let mut short = register();
        short[0].registration_number = "1234".to_owned();
        for (what, people, on_ended) in [
            ("a person twice", twice, "flag"),
            ("a right twice", repeated_right, "flag"),
            ("a kind of right", bad_kind, "flag"),
            ("a register", bad_register, "flag"),
            ("no rights", no_rights, "flag"),
            ("a short number", short, "flag"),
            ("an action", register(), "delete"),
        ] {
            let err = store
                .sync_professionals(&people, on_ended, ACTOR, T0 + 2)
                .await
                .unwrap_err();
            assert!(
                matches!(err, StoreError::InvalidInput { .. }),
                "{backend} {what}: {err}"
            );
        }
        assert!(matches!(
            store
                .sync_professionals(&register(), "flag", " ", T0 + 2)
                .await,
            Err(StoreError::InvalidInput { field: "actor", .. })
        ));
        assert_eq!(store.professionals().await.unwrap(), before, "{backend}");
    }
}

#[tokio::test]
async fn findings_are_resolved_once_and_audited() {
    for (backend, store, _guard) in test_stores().await {
        sync(&store, &register(), T0).await;
        let r = store
            .sync_professionals(&register()[..2], "revoke", ACTOR, T0 + 1)
            .await
            .unwrap();
        assert_eq!(ended(&r), [e(C, "501", "person-removed")], "{backend}");
        let finding = &r.ended[0];
        assert_eq!(finding.on_ended, "revoke");

        let resolved = store
            .resolve_register_finding(finding.id, "card revoked", "registrar-1", T0 + 2)
            .await
            .unwrap();
        assert_eq!(resolved.resolved_at, Some(T0 + 2), "{backend}");
        assert_eq!(resolved.resolved_by.as_deref(), Some("registrar-1"));
        assert_eq!(resolved.resolution.as_deref(), Some("card revoked"));
        assert!(store.open_register_findings().await.unwrap().is_empty());
        let again = store
            .resolve_register_finding(finding.id, "again", "registrar-1", T0 + 3)
            .await
            .unwrap_err();
        assert!(
            matches!(again, StoreError::Conflict { .. }),
            "{backend}: {again}"
        );
        let unknown = store
            .resolve_register_finding(999_999, "x", "registrar-1", T0 + 3)
            .await
            .unwrap_err();
        assert!(
            matches!(unknown, StoreError::NotFound { .. }),
            "{backend}: {unknown}"
        );
        assert!(matches!(
            store
                .resolve_register_finding(finding.id, " ", "registrar-1", T0 + 3)
                .await,
            Err(StoreError::InvalidInput { .. })
        ));

        let events = store.audit_events(None).await.unwrap();
        let import = events
            .iter()
            .rfind(|e| e.action == "professional.import")
            .unwrap();
        assert_eq!(import.details["removed"], 1, "{backend}");
        assert_eq!(import.details["on_ended"], "revoke");
        assert_eq!(import.details["ended"][0]["registration_number"], C);
        assert_eq!(import.details["ended"][0]["finding"], finding.id);
        let resolve: Vec<_> = events
            .iter()
            .filter(|e| e.action == "register.finding.resolve")
            .collect();
        assert_eq!(resolve.len(), 1, "{backend}");
        assert_eq!(resolve[0].actor, "registrar-1");
        assert_eq!(resolve[0].details["finding"], finding.id);
    }
}

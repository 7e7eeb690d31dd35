//! Group commit: many concurrent writers, one transaction per batch, each call
//! durable and isolated.

mod common;

use std::time::Duration;

use carepki_store::testing::test_stores;
use carepki_store::{Store, StoreError};
use common::*;

/// Waits for `f`, failing the test instead of hanging.
async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("a store call hung")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_issuance_is_batched_and_durable() {
    const TASKS: usize = 200;
    for (backend, store, guard) in test_stores().await {
        seed(&store).await;
        let before = store.write_stats().await;
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let serial = format!("{:x}", 0x1000 + i);
                    let org = (i % 2 == 0).then_some("1.2.246.10.1");
                    issue(&store, &serial, org, i as u64, T0 + i as i64).await;
                })
            })
            .collect();
        for task in tasks {
            within(task).await.unwrap();
        }
        let after = store.write_stats().await;
        let jobs = after.jobs - before.jobs;
        let commits = after.commits - before.commits;
        assert_eq!(jobs, 3 * TASKS as u64, "{backend}");
        assert!(
            commits < jobs,
            "{backend}: {commits} commits for {jobs} jobs: no batching"
        );
        eprintln!(
            "{backend}: {jobs} writes in {commits} commits ({:.1} per commit)",
            jobs as f64 / commits as f64
        );
        store.close().await;

        // Every acknowledged write survived closing and reopening.
        let store = Store::open(guard.url()).await.unwrap();
        assert_eq!(
            store.count_certificates().await.unwrap(),
            TASKS as i64,
            "{backend}"
        );
        let events = store.audit_events(None).await.unwrap();
        for i in 0..TASKS {
            let serial = format!("{:x}", 0x1000 + i);
            let actions: Vec<_> = events
                .iter()
                .filter(|e| e.serial.as_deref() == Some(serial.as_str()))
                .map(|e| e.action.as_str())
                .collect();
            assert_eq!(
                actions,
                [
                    "serial.reserve",
                    "certificate.lint_pass",
                    "certificate.issue"
                ],
                "{backend} {serial}"
            );
            let cert = store.certificate(&serial).await.unwrap().unwrap();
            assert_eq!(cert.status, "valid");
            assert_eq!(cert.der, Some(der_for(&serial)));
        }
        store.close().await;
    }
}

#[derive(Debug)]
enum Expect {
    Ok,
    Duplicate,
    UnknownOrg,
    WrongState,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_does_not_fail_its_neighbours() {
    for (backend, store, guard) in test_stores().await {
        seed(&store).await;
        for i in 0..30 {
            store
                .reserve_serial(&format!("ee{i:02x}"), "prod-issuing", ACTOR, T0)
                .await
                .unwrap();
        }
        let before = store.write_stats().await;

        // Keep the writer busy so that the jobs below queue up and are
        // committed together.
        let big: Vec<_> = (0..3000).map(|i| org(&format!("1.2.246.99.{i}"))).collect();
        let busy = {
            let store = store.clone();
            tokio::spawn(async move { store.import_organisations(&big, ACTOR, T0).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;

        let mut tasks = Vec::new();
        for i in 0..120 {
            let store = store.clone();
            // Interleave successes with three kinds of failure: a constraint
            // (ON CONFLICT), a foreign-key error raised by the database (which
            // aborts a PostgreSQL transaction unless rolled back to the
            // savepoint) and a state error found after a write.
            let (expect, job) = match i % 4 {
                0 | 2 => (Expect::Ok, i),
                1 => (Expect::Duplicate, i),
                _ => (
                    if i % 8 == 3 {
                        Expect::UnknownOrg
                    } else {
                        Expect::WrongState
                    },
                    i,
                ),
            };
            tasks.push(tokio::spawn(async move {
                let fresh = format!("ff{job:02x}");
                let taken = format!("ee{:02x}", job / 4);
                let result = match expect {
                    Expect::Ok => {
                        store
                            .reserve_serial(&fresh, "prod-issuing", ACTOR, T0)
                            .await
                    }
                    Expect::Duplicate => {
                        store
                            .reserve_serial(&taken, "prod-issuing", ACTOR, T0)
                            .await
                    }
                    Expect::UnknownOrg => {
                        store
                            .store_issuance_record(&record(&taken, Some("9.9.9"), 1), ACTOR, T0)
                            .await
                    }
                    Expect::WrongState => store.store_certificate(&taken, b"x", ACTOR, T0).await,
                };
                (expect, fresh, taken, result)
            }));
        }
        let mut fresh_ok = Vec::new();
        for task in tasks {
            let (expect, fresh, taken, result) = within(task).await.unwrap();
            match (&expect, &result) {
                (Expect::Ok, Ok(())) => fresh_ok.push(fresh),
                (Expect::Duplicate, Err(StoreError::DuplicateSerial { serial })) => {
                    assert_eq!(serial, &taken)
                }
                (
                    Expect::UnknownOrg,
                    Err(StoreError::NotFound {
                        what: "organisation",
                        ..
                    }),
                ) => {}
                (Expect::WrongState, Err(StoreError::SerialState { found, .. })) => {
                    assert_eq!(found, "reserved")
                }
                _ => panic!("{backend}: expected {expect:?}, got {result:?}"),
            }
        }
        assert_eq!(fresh_ok.len(), 60);
        let summary = within(busy).await.unwrap().unwrap();
        assert_eq!(summary.inserted, 3000);

        let after = store.write_stats().await;
        let (jobs, commits) = (after.jobs - before.jobs, after.commits - before.commits);
        assert_eq!(jobs, 121, "{backend}");
        assert!(
            commits < jobs,
            "{backend}: {commits} commits for {jobs} jobs: no batching"
        );
        store.close().await;

        let store = Store::open(guard.url()).await.unwrap();
        let events = store.audit_events(None).await.unwrap();
        for serial in &fresh_ok {
            let n = events
                .iter()
                .filter(|e| e.serial.as_ref() == Some(serial) && e.action == "serial.reserve")
                .count();
            assert_eq!(
                n, 1,
                "{backend}: {serial} was acknowledged but not committed"
            );
        }
        // The failed jobs left nothing behind.
        assert!(
            !events
                .iter()
                .any(|e| e.action == "certificate.lint_pass" || e.action == "certificate.issue"),
            "{backend}"
        );
        assert_eq!(
            events
                .iter()
                .filter(|e| e.action == "serial.reserve")
                .count(),
            90,
            "{backend}"
        );
        assert!(
            store
                .certificates(&carepki_store::CertFilter {
                    include_pending: true,
                    ..Default::default()
                })
                .await
                .unwrap()
                .is_empty()
        );
        // The serials the failed jobs touched are still merely reserved.
        store
            .store_issuance_record(&record("ee03", None, 1), ACTOR, T0)
            .await
            .unwrap();
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_calls_in_one_batch() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        for serial in ["c0", "c1", "c2", "c3"] {
            store
                .reserve_serial(serial, "prod-issuing", ACTOR, T0)
                .await
                .unwrap();
        }
        store
            .store_issuance_record(&record("c1", None, 1), ACTOR, T0)
            .await
            .unwrap();

        let big: Vec<_> = (0..2000).map(|i| org(&format!("1.2.246.98.{i}"))).collect();
        let busy = {
            let store = store.clone();
            tokio::spawn(async move { store.import_organisations(&big, ACTOR, T0).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;

        // Ten callers race for one new serial, and for one taken serial.
        let mut races = Vec::new();
        for serial in ["d0", "c0"] {
            for _ in 0..10 {
                let store = store.clone();
                races.push(tokio::spawn(async move {
                    store
                        .reserve_serial(serial, "prod-issuing", ACTOR, T0 + 1)
                        .await
                }));
            }
        }
        // Two lint passes for one serial, two signatures for another.
        let lint_twice: Vec<_> = (0..2)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .store_issuance_record(&record("c2", None, 2), ACTOR, T0 + 1)
                        .await
                })
            })
            .collect();
        let sign_twice: Vec<_> = (0..2)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(
                    async move { store.store_certificate("c1", &[i], ACTOR, T0 + 1).await },
                )
            })
            .collect();
        // Steps that fail on their own: signing a merely reserved serial, and
        // abandoning an unknown one.
        let early = {
            let store = store.clone();
            tokio::spawn(async move { store.store_certificate("c3", b"x", ACTOR, T0 + 1).await })
        };
        let unknown = {
            let store = store.clone();
            tokio::spawn(async move { store.abandon_serial("9999", "x", ACTOR, T0 + 1).await })
        };

        let mut won = [0, 0];
        for (i, race) in races.into_iter().enumerate() {
            match within(race).await.unwrap() {
                Ok(()) => won[i / 10] += 1,
                Err(StoreError::DuplicateSerial { .. }) => {}
                Err(e) => panic!("{backend}: {e}"),
            }
        }
        assert_eq!(
            won,
            [1, 0],
            "{backend}: exactly one caller gets a new serial"
        );
        for calls in [lint_twice, sign_twice] {
            let mut ok = 0;
            for call in calls {
                match within(call).await.unwrap() {
                    Ok(()) => ok += 1,
                    Err(StoreError::SerialState { .. }) => {}
                    Err(e) => panic!("{backend}: {e}"),
                }
            }
            assert_eq!(ok, 1, "{backend}");
        }
        assert!(matches!(
            within(early).await.unwrap(),
            Err(StoreError::SerialState { .. })
        ));
        assert!(matches!(
            within(unknown).await.unwrap(),
            Err(StoreError::NotFound { what: "serial", .. })
        ));
        within(busy).await.unwrap().unwrap();

        let count = |action: &'static str, serial: &'static str| {
            let store = store.clone();
            async move {
                store
                    .audit_events(Some(serial))
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|e| e.action == action)
                    .count()
            }
        };
        assert_eq!(count("serial.reserve", "d0").await, 1, "{backend}");
        assert_eq!(count("serial.reserve", "c0").await, 1, "{backend}");
        assert_eq!(count("certificate.lint_pass", "c2").await, 1, "{backend}");
        assert_eq!(count("certificate.issue", "c1").await, 1, "{backend}");
        assert_eq!(count("certificate.issue", "c3").await, 0, "{backend}");
        let signed = store.certificate("c1").await.unwrap().unwrap();
        assert_eq!(signed.status, "valid");
        assert_eq!(signed.der.as_ref().map(Vec::len), Some(1));
        assert_eq!(store.count_certificates().await.unwrap(), 1, "{backend}");
        assert_eq!(
            store.certificate("c2").await.unwrap().unwrap().status,
            "pending"
        );
    }
}

/// Failures the grouped fast path answers without falling back to savepoints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_inside_the_grouped_steps() {
    for (backend, store, guard) in test_stores().await {
        seed(&store).await;
        for serial in ["c0", "c1", "c2", "c3"] {
            store
                .reserve_serial(serial, "prod-issuing", ACTOR, T0)
                .await
                .unwrap();
        }
        store
            .store_issuance_record(&record("c1", None, 1), ACTOR, T0)
            .await
            .unwrap();

        let big: Vec<_> = (0..2000).map(|i| org(&format!("1.2.246.97.{i}"))).collect();
        let busy = {
            let store = store.clone();
            tokio::spawn(async move { store.import_organisations(&big, ACTOR, T0).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;

        let mut calls = Vec::new();
        for serial in ["d0", "c0", "d1"] {
            for _ in 0..5 {
                let store = store.clone();
                calls.push((
                    format!("reserve {serial}"),
                    tokio::spawn(async move {
                        store
                            .reserve_serial(serial, "prod-issuing", ACTOR, T0 + 1)
                            .await
                    }),
                ));
            }
        }
        for (serial, what) in [
            ("c2", "lint"),
            ("77", "lint"),
            ("c1", "sign"),
            ("c3", "sign"),
            ("78", "sign"),
        ] {
            let store = store.clone();
            calls.push((
                format!("{what} {serial}"),
                tokio::spawn(async move {
                    if what == "lint" {
                        store
                            .store_issuance_record(&record(serial, None, 5), ACTOR, T0 + 1)
                            .await
                    } else {
                        store.store_certificate(serial, b"der", ACTOR, T0 + 1).await
                    }
                }),
            ));
        }
        let mut outcomes = std::collections::BTreeMap::<String, Vec<String>>::new();
        for (name, call) in calls {
            let outcome = match within(call).await.unwrap() {
                Ok(()) => "ok".to_owned(),
                Err(StoreError::DuplicateSerial { .. }) => "duplicate".to_owned(),
                Err(StoreError::SerialState { found, .. }) => format!("state {found}"),
                Err(StoreError::NotFound { what, .. }) => format!("no {what}"),
                Err(e) => panic!("{backend} {name}: {e}"),
            };
            outcomes.entry(name).or_default().push(outcome);
        }
        within(busy).await.unwrap().unwrap();
        for outcome in outcomes.values_mut() {
            outcome.sort();
        }
        let expect = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            outcomes["reserve d0"],
            expect(&["duplicate", "duplicate", "duplicate", "duplicate", "ok"]),
            "{backend}"
        );
        assert_eq!(
            outcomes["reserve d1"],
            expect(&["duplicate", "duplicate", "duplicate", "duplicate", "ok"]),
            "{backend}"
        );
        assert_eq!(
            outcomes["reserve c0"],
            expect(&["duplicate"; 5]),
            "{backend}"
        );
        assert_eq!(outcomes["lint c2"], expect(&["ok"]), "{backend}");
        assert_eq!(outcomes["lint 77"], expect(&["no serial"]), "{backend}");
        assert_eq!(outcomes["sign c1"], expect(&["ok"]), "{backend}");
        assert_eq!(
            outcomes["sign c3"],
            expect(&["state reserved"]),
            "{backend}"
        );
        assert_eq!(outcomes["sign 78"], expect(&["no serial"]), "{backend}");
        store.close().await;

        // Durable, and nothing of the refused calls was written.
        let store = Store::open(guard.url()).await.unwrap();
        let events = store.audit_events(None).await.unwrap();
        let count = |action: &str, serial: &str| {
            events
                .iter()
                .filter(|e| e.action == action && e.serial.as_deref() == Some(serial))
                .count()
        };
        assert_eq!(count("serial.reserve", "d0"), 1, "{backend}");
        assert_eq!(count("serial.reserve", "d1"), 1, "{backend}");
        assert_eq!(count("serial.reserve", "c0"), 1, "{backend}");
        assert_eq!(count("certificate.lint_pass", "c2"), 1, "{backend}");
        assert_eq!(count("certificate.issue", "c1"), 1, "{backend}");
        assert_eq!(count("certificate.issue", "c3"), 0, "{backend}");
        assert_eq!(store.count_certificates().await.unwrap(), 1, "{backend}");
        assert_eq!(
            store
                .certificate("c1")
                .await
                .unwrap()
                .unwrap()
                .der
                .as_deref(),
            Some(&b"der"[..])
        );
        store.close().await;
    }
}

#[tokio::test]
async fn writes_after_close_fail_instead_of_hanging() {
    for (backend, store, _guard) in test_stores().await {
        seed(&store).await;
        let clone = store.clone();
        store.close().await;
        let err = within(clone.reserve_serial("01", "prod-issuing", ACTOR, T0))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::WriterUnavailable),
            "{backend}: {err}"
        );
        assert!(
            within(clone.count_certificates()).await.is_err(),
            "{backend}"
        );
        // Closing twice is harmless.
        within(store.close()).await;
    }
}

#[tokio::test]
async fn the_writer_recovers_from_a_lost_connection() {
    for (backend, store, guard) in test_stores().await {
        if backend != "postgres" {
            continue;
        }
        seed(&store).await;
        store
            .reserve_serial("01", "prod-issuing", ACTOR, T0)
            .await
            .unwrap();

        // Kill every connection of the store, the writer's included.
        use sqlx::Connection as _;
        let mut admin = sqlx::AnyConnection::connect(guard.url()).await.unwrap();
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut admin)
        .await
        .unwrap();
        admin.close().await.unwrap();

        // The first write may fail (its connection died under it), but it
        // must answer, and the next one must succeed on a new connection.
        let first = within(store.reserve_serial("02", "prod-issuing", ACTOR, T0)).await;
        eprintln!("after losing its connection, the first write gave {first:?}");
        if let Err(err) = &first {
            assert!(matches!(err, StoreError::WriteNotConfirmed { .. }), "{err}");
            within(store.reserve_serial("02", "prod-issuing", ACTOR, T0))
                .await
                .unwrap();
        }
        within(store.reserve_serial("03", "prod-issuing", ACTOR, T0))
            .await
            .unwrap();
        assert_eq!(store.audit_events(Some("03")).await.unwrap().len(), 1);
    }
}

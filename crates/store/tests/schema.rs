//! Opening, migrations and type round-trips, on every available backend.

mod common;

use carepki_store::testing::test_stores;
use carepki_store::{Backend, Store, StoreError};
use common::*;

#[tokio::test]
async fn migrations_are_idempotent_on_reopen() {
    for (backend, store, guard) in test_stores().await {
        seed(&store).await;
        issue(&store, "0a", Some("1.2.246.10.1"), 1, T0).await;
        store.close().await;

        // Opening again re-runs the migrator: nothing to apply, data intact.
        for _ in 0..2 {
            let again = Store::open(guard.url()).await.unwrap();
            assert_eq!(again.count_certificates().await.unwrap(), 1, "{backend}");
            assert_eq!(again.cas().await.unwrap().len(), 3, "{backend}");
            again.close().await;
        }
    }
}

#[tokio::test]
async fn backend_is_reported() {
    for (backend, store, _guard) in test_stores().await {
        assert_eq!(store.backend().as_str(), backend);
        let expected = if backend == "sqlite" {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        assert_eq!(store.backend(), expected);
    }
}

#[tokio::test]
async fn open_sqlite_path_creates_the_file() {
    let dir = std::env::temp_dir().join(format!("carepki store path {}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A name that needs percent-encoding in a URL.
    let path = dir.join("ca #1?.db");
    let store = Store::open_sqlite_path(&path).await.unwrap();
    assert!(path.exists());
    seed(&store).await;
    store.close().await;
    let store = Store::open_sqlite_path(&path).await.unwrap();
    assert_eq!(store.cas().await.unwrap().len(), 3);
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn unsupported_urls_are_rejected_without_leaking_secrets() {
    for url in ["mysql://root:hunter2@db/ca", "sqlite::memory:", "nonsense"] {
        let err = Store::open(url).await.unwrap_err();
        assert!(
            matches!(err, StoreError::UnsupportedUrl { .. }),
            "{url}: {err}"
        );
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    let err = Store::open("postgres://ca:hunter2@127.0.0.1:notaport/ca")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Connect { .. }), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[tokio::test]
async fn booleans_blobs_and_json_round_trip() {
    for (backend, store, _guard) in test_stores().await {
        let mut yes = org("1.2.246.10.2");
        yes.kanta_intermediary = true;
        yes.domains = vec!["a.fi".into(), "b.fi".into(), "ääkköset.fi".into()];
        let mut no = org("1.2.246.10.3");
        no.kanta_intermediary = false;
        no.domains = vec![];
        store
            .import_organisations(&[yes.clone(), no.clone()], ACTOR, T0)
            .await
            .unwrap();
        let got_yes = store.organisation(&yes.oid).await.unwrap().unwrap();
        let got_no = store.organisation(&no.oid).await.unwrap().unwrap();
        assert!(got_yes.kanta_intermediary, "{backend}");
        assert!(!got_no.kanta_intermediary, "{backend}");
        assert_eq!(got_yes.domains, yes.domains, "{backend}");
        assert!(got_no.domains.is_empty(), "{backend}");

        store.insert_cas(&hierarchy(), ACTOR, T0).await.unwrap();
        let root = store.ca("prod-root").await.unwrap().unwrap();
        assert_eq!(
            root,
            ca("prod-root", "production", "root", None),
            "{backend}"
        );
        assert!(store.ca("nope").await.unwrap().is_none());
    }
}

//! Certificate search on both backends: every filter, the status rules
//! (R-STATUS-TRUTH), wildcard escaping, paging, and refusals.
#![allow(clippy::unwrap_used)]

mod common;

use carepki_store::{
    IssuanceRecord, OrganisationRow, SearchQuery, SearchStatus, Store, StoreError,
};
use common::{ACTOR, T0, der_for, issue, org, seed, spki};

const NORDIC_ORG: &str = "1.2.246.10.2";
const NOW: i64 = T0 + 30 * 86_400;

fn nordic_org() -> OrganisationRow {
    OrganisationRow {
        name_fi: "Järvilaakson hyvinvointialue".to_owned(),
        name_sv: "Sjödalens välfärdsområde".to_owned(),
        name_en: "Lake Valley Wellbeing County".to_owned(),
        ..org(NORDIC_ORG)
    }
}

/// Issues a certificate with a chosen profile, subject and validity.
async fn issue_custom(
    store: &Store,
    serial: &str,
    profile: &str,
    subject: &str,
    org_oid: Option<&str>,
    not_after: i64,
    at: i64,
) {
    // Each certificate has a key of its own.
    let key = u64::try_from(at - T0).unwrap();
    store
        .reserve_serial(serial, "prod-issuing", ACTOR, at)
        .await
        .unwrap();
    let rec = IssuanceRecord {
        serial: serial.to_owned(),
        ca_id: "prod-issuing".to_owned(),
        profile: profile.to_owned(),
        org_oid: org_oid.map(str::to_owned),
        subject: subject.to_owned(),
        spki_sha256: spki(key),
        not_before: T0,
        not_after,
        tbs_der: vec![0x30, 0x00],
        org_version: None,
    };
    store.store_issuance_record(&rec, ACTOR, at).await.unwrap();
    store
        .store_certificate(serial, &der_for(serial), ACTOR, at)
        .await
        .unwrap();
}

/// Six signed certificates and one pending record:
/// - `a1` org 1, valid;  `a2` org 1, revoked
/// - `b1` Nordic org, valid, subject `CN=Kanta.JÄRVI.fi`
/// - `c1` no org, subject with `%`; `c2` no org, subject with `_`
/// - `e1` Nordic org, email, expired at `NOW`
async fn fixture(store: &Store) {
    seed(store).await;
    store
        .import_organisations(&[nordic_org()], ACTOR, T0)
        .await
        .unwrap();
    issue(store, "a1", Some("1.2.246.10.1"), 1, T0 + 1).await;
    issue(store, "a2", Some("1.2.246.10.1"), 2, T0 + 2).await;
    let year = T0 + 365 * 86_400;
    issue_custom(
        store,
        "b1",
        "server",
        "C=FI, O=Järvilaakson hyvinvointialue, CN=Kanta.JÄRVI.fi",
        Some(NORDIC_ORG),
        year,
        T0 + 3,
    )
    .await;
    issue_custom(
        store,
        "c1",
        "server",
        "CN=100%sure.example.fi",
        None,
        year,
        T0 + 4,
    )
    .await;
    issue_custom(
        store,
        "c2",
        "server",
        "CN=snake_case.example.fi",
        None,
        year,
        T0 + 5,
    )
    .await;
    issue_custom(
        store,
        "e1",
        "email",
        "CN=posti",
        Some(NORDIC_ORG),
        T0 + 86_400,
        T0 + 6,
    )
    .await;
    // A record that was never signed is never found.
    store
        .reserve_serial("f1", "prod-issuing", ACTOR, T0 + 7)
        .await
        .unwrap();
    store
        .store_issuance_record(&common::record("f1", None, 7), ACTOR, T0 + 7)
        .await
        .unwrap();
    store
        .record_revocation("a2", "keyCompromise", None, ACTOR, T0 + 10)
        .await
        .unwrap();
}

fn query() -> SearchQuery {
    SearchQuery::all(NOW)
}

async fn serials(store: &Store, q: &SearchQuery) -> Vec<String> {
    store
        .search_certificates(q)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|h| h.serial)
        .collect()
}

#[tokio::test]
async fn filters_and_statuses_on_every_backend() {
    for (backend, store, _guard) in carepki_store::testing::test_stores().await {
        fixture(&store).await;

        // Everything signed, newest issue first; the pending record is not there.
        let page = store.search_certificates(&query()).await.unwrap();
        assert_eq!(page.total, 6, "{backend}");
        assert_eq!(page.next_page, None, "{backend}");
        let all: Vec<_> = page.items.iter().map(|h| h.serial.as_str()).collect();
        assert_eq!(all, ["e1", "c2", "c1", "b1", "a2", "a1"], "{backend}");

        // Public data, with the status from the database.
        let a2 = page.items.iter().find(|h| h.serial == "a2").unwrap();
        assert_eq!(a2.status, SearchStatus::Revoked, "{backend}");
        assert_eq!(a2.revoked_at, Some(T0 + 10), "{backend}");
        assert_eq!(a2.revocation_reason.as_deref(), Some("keyCompromise"));
        assert_eq!(a2.der, der_for("a2"), "{backend}: DER round-trips");
        let b1 = page.items.iter().find(|h| h.serial == "b1").unwrap();
        assert_eq!(b1.status, SearchStatus::Valid);
        assert_eq!(b1.ca_id, "prod-issuing");
        let names = b1.organisation.as_ref().unwrap();
        assert_eq!(names.oid, NORDIC_ORG);
        assert_eq!(
            names.name_fi.as_deref(),
            Some("Järvilaakson hyvinvointialue")
        );
        let e1 = page.items.iter().find(|h| h.serial == "e1").unwrap();
        assert_eq!(e1.status, SearchStatus::Expired, "{backend}");
        let c1 = page.items.iter().find(|h| h.serial == "c1").unwrap();
        assert_eq!(c1.organisation, None);

        // Serial: exact, any case, colons, spaces.
        for s in ["B1", "b1", "0x b1", "00:B1"] {
            let q = SearchQuery {
                serial: Some(s.to_owned()),
                ..query()
            };
            assert_eq!(serials(&store, &q).await, ["b1"], "{backend}: {s}");
        }
        let q = SearchQuery {
            serial: Some("b".to_owned()),
            ..query()
        };
        assert!(
            serials(&store, &q).await.is_empty(),
            "{backend}: exact only"
        );
        let q = SearchQuery {
            serial: Some("f1".to_owned()),
            ..query()
        };
        assert!(serials(&store, &q).await.is_empty(), "{backend}: unsigned");

        // Organisation OID: exact.
        let q = SearchQuery {
            org_oid: Some("1.2.246.10.1".to_owned()),
            ..query()
        };
        assert_eq!(serials(&store, &q).await, ["a2", "a1"], "{backend}");
        let q = SearchQuery {
            org_oid: Some("1.2.246.10".to_owned()),
            ..query()
        };
        assert!(serials(&store, &q).await.is_empty(), "{backend}");

        // Organisation name: case-insensitive substring of any language.
        for name in ["JÄRVILAAKSON", "hyvinvointi", "SJÖDALENS", "lake valley"] {
            let q = SearchQuery {
                org_name: Some(name.to_owned()),
                ..query()
            };
            assert_eq!(serials(&store, &q).await, ["e1", "b1"], "{backend}: {name}");
        }

        // Subject: case-insensitive substring; % and _ are literal.
        let q = SearchQuery {
            subject: Some("kanta.järvi".to_owned()),
            ..query()
        };
        assert_eq!(serials(&store, &q).await, ["b1"], "{backend}");
        let q = SearchQuery {
            subject: Some("100%".to_owned()),
            ..query()
        };
        assert_eq!(serials(&store, &q).await, ["c1"], "{backend}");
        let q = SearchQuery {
            subject: Some("%".to_owned()),
            ..query()
        };
        assert_eq!(serials(&store, &q).await, ["c1"], "{backend}");
        let q = SearchQuery {
            subject: Some("e_c".to_owned()),
            ..query()
        };
        assert_eq!(serials(&store, &q).await, ["c2"], "{backend}");
        let q = SearchQuery {
            subject: Some("_".to_owned()),
            ..query()
        };
        assert_eq!(serials(&store, &q).await, ["c2"], "{backend}");

        // Profile: exact.
        let q = SearchQuery {
            profile: Some("email".to_owned()),
            ..query()
        };
        assert_eq!(serials(&store, &q).await, ["e1"], "{backend}");

        // Status at `now`.
        let by_status = |status| SearchQuery {
            status: Some(status),
            ..query()
        };
        assert_eq!(
            serials(&store, &by_status(SearchStatus::Revoked)).await,
            ["a2"],
            "{backend}"
        );
        assert_eq!(
            serials(&store, &by_status(SearchStatus::Expired)).await,
            ["e1"],
            "{backend}"
        );
        assert_eq!(
            serials(&store, &by_status(SearchStatus::Valid)).await,
            ["c2", "c1", "b1", "a1"],
            "{backend}"
        );
        // Before e1's end it is valid.
        let early = SearchQuery {
            status: Some(SearchStatus::Valid),
            now: T0 + 100,
            ..query()
        };
        assert!(serials(&store, &early).await.contains(&"e1".to_owned()));

        // Filters combine.
        let q = SearchQuery {
            org_name: Some("järvi".to_owned()),
            status: Some(SearchStatus::Valid),
            profile: Some("server".to_owned()),
            ..query()
        };
        assert_eq!(serials(&store, &q).await, ["b1"], "{backend}");
    }
}

#[tokio::test]
async fn paging_on_every_backend() {
    for (backend, store, _guard) in carepki_store::testing::test_stores().await {
        fixture(&store).await;
        let mut seen = Vec::new();
        let mut page_no = 1;
        loop {
            let q = SearchQuery {
                page: page_no,
                per_page: 4,
                ..query()
            };
            let page = store.search_certificates(&q).await.unwrap();
            assert_eq!(page.total, 6, "{backend}");
            assert_eq!(page.page, page_no);
            assert_eq!(page.per_page, 4);
            seen.extend(page.items.into_iter().map(|h| h.serial));
            match page.next_page {
                Some(next) => page_no = next,
                None => break,
            }
        }
        assert_eq!(page_no, 2, "{backend}: 6 hits in pages of 4");
        assert_eq!(seen, ["e1", "c2", "c1", "b1", "a2", "a1"], "{backend}");

        // Past the end: an empty page with the total.
        let q = SearchQuery {
            page: 9,
            per_page: 4,
            ..query()
        };
        let page = store.search_certificates(&q).await.unwrap();
        assert!(page.items.is_empty());
        assert_eq!((page.total, page.next_page), (6, None), "{backend}");

        // Exactly full pages have no next page.
        let q = SearchQuery {
            per_page: 3,
            page: 2,
            ..query()
        };
        assert_eq!(store.search_certificates(&q).await.unwrap().next_page, None);
    }
}

#[tokio::test]
async fn bad_queries_are_refused() {
    for (backend, store, _guard) in carepki_store::testing::test_stores().await {
        seed(&store).await;
        for (per_page, page) in [(0, 1), (101, 1), (20, 0), (20, 100_001)] {
            let q = SearchQuery {
                per_page,
                page,
                ..query()
            };
            let err = store.search_certificates(&q).await.unwrap_err();
            assert!(
                matches!(err, StoreError::InvalidInput { .. }),
                "{backend}: {err}"
            );
        }
        let q = SearchQuery {
            serial: Some("not-hex".to_owned()),
            ..query()
        };
        let err = store.search_certificates(&q).await.unwrap_err();
        assert!(err.to_string().contains("hex digits"), "{backend}: {err}");
        // Blank filters match everything; an empty store finds nothing.
        let q = SearchQuery {
            subject: Some("  ".to_owned()),
            serial: Some(String::new()),
            ..query()
        };
        let page = store.search_certificates(&q).await.unwrap();
        assert_eq!((page.total, page.items.len()), (0, 0), "{backend}");
    }
}

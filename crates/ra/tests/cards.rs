//! The card registration system on real databases (SQLite and, with
//! CAREPKI_TEST_PG_URL, PostgreSQL): registration points, registrars and powers
//! of attorney (R-REG-POINT, R-ORDER), with every refusal by its code.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use carepki_ca::authority::now_unix;
use carepki_ca::init::{InitOptions, prepare, run_ceremony};
use carepki_ca::{Authority, DataDir};
use carepki_keys::Passphrase;
use carepki_ra::cards::{CardService, Officer};
use carepki_ra::eservice::ErrorKind;
use carepki_store::{NewUser, OrganisationRow, Store};
use carepki_x509::KeyAlgorithm;

const ORG: &str = "1.2.246.10.97835177.10.0";
const OTHER: &str = "1.2.246.10.12345672.10.0";
const PRIVATE: &str = "1.2.246.10.24681357.10.0";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

fn org(oid: &str, fi: &str, sector: &str, business_id: &str) -> OrganisationRow {
    OrganisationRow {
        oid: oid.into(),
        name_fi: fi.into(),
        name_sv: format!("{fi} (sv)"),
        name_en: format!("{fi} (en)"),
        business_id: business_id.into(),
        sector: sector.into(),
        kanta_intermediary: false,
        domains: vec![],
        created_at: 0,
        updated_at: 0,
    }
}

struct World {
    cards: CardService,
    store: Store,
    dir: tempfile::TempDir,
    _guard: carepki_store::testing::Guard,
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
    store
        .import_organisations(
            &[
                org(ORG, "Järvilaakson hyvinvointialue", "public", "9783517-7"),
                org(OTHER, "Toisen kunnan sote", "public", "1234567-1"),
                org(
                    PRIVATE,
                    "Yksityinen Lääkäriasema Oy",
                    "private",
                    "2468135-9",
                ),
            ],
            "test",
            now_unix(),
        )
        .await
        .unwrap();
    let authority = Arc::new(
        Authority::open(data, store.clone(), passphrase)
            .await
            .unwrap(),
    );
    World {
        cards: CardService::new(store.clone(), Some(authority)),
        store,
        dir,
        _guard: guard,
    }
}

async fn user(store: &Store, name: &str) -> i64 {
    let hash = carepki_store::subject_hash(&[7u8; 32], name);
    store
        .create_user(
            &NewUser {
                subject_hash: hash,
                display_name: name.into(),
                email: format!("{}@example.fi", name.to_lowercase()),
                language: "fi".into(),
            },
            "test",
            now_unix(),
        )
        .await
        .unwrap()
        .id
}

fn officer() -> Officer {
    Officer::cli("cli:officer")
}

/// A point of [`ORG`] with two approved registrars: (point, [registrar user ids]).
async fn point_with_registrars(w: &World) -> (i64, [i64; 2]) {
    let now = now_unix();
    let point = w
        .cards
        .create_point(&officer(), ORG, "Järvilaakson keskussairaala", true, now)
        .await
        .unwrap();
    let mut users = [0; 2];
    for (i, name) in ["Rekisteröijä1", "Rekisteröijä2"].iter().enumerate() {
        let uid = user(&w.store, name).await;
        let r = w
            .cards
            .add_registrar(&officer(), point.id, uid, "koulutus.pdf", PDF, now)
            .await
            .unwrap();
        w.cards
            .approve_registrar(&officer(), r.id, now)
            .await
            .unwrap();
        users[i] = uid;
    }
    (point.id, users)
}

#[tokio::test]
async fn registration_points_registrars_and_powers_of_attorney() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        let now = now_unix();
        let off = officer();

        // No agreement, unknown organisation.
        let e = w
            .cards
            .create_point(&off, ORG, "P", false, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "regpoint.no_agreement", "{backend}");
        let e = w
            .cards
            .create_point(&off, "1.2.246.10.1.10.0", "P", true, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "organisation.not_registered", "{backend}");

        let point = w
            .cards
            .create_point(&off, ORG, "Keskussairaala", true, now)
            .await
            .unwrap();
        assert_eq!(point.agreement_accepted_by, "cli:officer");
        assert_eq!(point.agreement_accepted_at, now);

        // The training certificate must be a PDF; the user must exist.
        let u1 = user(&w.store, "Aada").await;
        let e = w
            .cards
            .add_registrar(&off, point.id, u1, "t.pdf", b"not a pdf", now)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::UnsupportedType, "training.not_pdf")
        );
        let e = w
            .cards
            .add_registrar(&off, point.id, 9999, "t.pdf", PDF, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "registrar.no_user");

        let r1 = w
            .cards
            .add_registrar(&off, point.id, u1, "t.pdf", PDF, now)
            .await
            .unwrap();
        assert_eq!(r1.state, "pending");
        assert_eq!(
            r1.training_sha256,
            hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, PDF))
        );
        assert_eq!(
            w.store.registrar_training(r1.id).await.unwrap().unwrap(),
            PDF
        );
        let e = w
            .cards
            .add_registrar(&off, point.id, u1, "t.pdf", PDF, now)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Conflict);

        let view = w.cards.point(point.id).await.unwrap();
        assert!(!view.may_order);
        let r1 = w.cards.approve_registrar(&off, r1.id, now).await.unwrap();
        assert_eq!(r1.approved_by.as_deref(), Some("cli:officer"));
        assert_eq!(
            w.cards
                .approve_registrar(&off, r1.id, now)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Conflict
        );
        assert!(
            !w.cards.point(point.id).await.unwrap().may_order,
            "one is not enough"
        );
        let u2 = user(&w.store, "Bertta").await;
        let r2 = w
            .cards
            .add_registrar(&off, point.id, u2, "t.pdf", PDF, now)
            .await
            .unwrap();
        w.cards.approve_registrar(&off, r2.id, now).await.unwrap();
        assert!(w.cards.point(point.id).await.unwrap().may_order);

        // Powers of attorney: private to public only; one live; revocable.
        let e = w
            .cards
            .grant_poa(&off, OTHER, point.id, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "poa.grantor_not_private");
        let poa = w
            .cards
            .grant_poa(&off, PRIVATE, point.id, now)
            .await
            .unwrap();
        assert_eq!(
            w.cards
                .grant_poa(&off, PRIVATE, point.id, now)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Conflict
        );
        let poa = w
            .cards
            .revoke_poa(&off, poa.id, "sopimus päättyi", now)
            .await
            .unwrap();
        assert_eq!(poa.revoked_at, Some(now));
        assert_eq!(
            w.cards
                .revoke_poa(&off, poa.id, "x", now)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Conflict
        );
        // After a revocation a new one may be given.
        w.cards
            .grant_poa(&off, PRIVATE, point.id, now)
            .await
            .unwrap();

        let actions: Vec<String> = w
            .store
            .audit_events_for_org(ORG, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        let private: Vec<String> = w
            .store
            .audit_events_for_org(PRIVATE, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(private.iter().any(|x| x == "poa.revoke"));
        for a in ["regpoint.create", "registrar.add", "registrar.approve"] {
            assert!(actions.iter().any(|x| x == a), "{backend}: {a} audited");
        }
        let _ = point_with_registrars(&w).await;
        let _ = w.dir.path();
    }
}

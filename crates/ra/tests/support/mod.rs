//! Shared set-up of the card registration tests: a CA with both hierarchies,
//! three organisations, e-service users, a registration point with two approved
//! registrars, the example professional registers, and a card produced
//! without a token (software keys) where the token is not what a test is about.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::sync::Arc;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use carepki_ca::authority::now_unix;
use carepki_ca::init::{InitOptions, prepare, run_ceremony};
use carepki_ca::{Authority, CardIssueRequest, DataDir};
use carepki_keys::Passphrase;
use carepki_policy::CardKind;
use carepki_policy::card::HolderFacts;
use carepki_ra::cards::{CardService, IdentityCheck, Officer, OrderInput};
use carepki_store::{CardOrderRow, CardOrderUpdate, NewUser, OrganisationRow, Store};
use carepki_x509::KeyAlgorithm;

pub const ORG: &str = "1.2.246.10.97835177.10.0";
pub const OTHER: &str = "1.2.246.10.12345672.10.0";
pub const PRIVATE: &str = "1.2.246.10.24681357.10.0";
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

pub fn org(oid: &str, fi: &str, sector: &str, business_id: &str) -> OrganisationRow {
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

pub struct World {
    pub cards: CardService,
    pub store: Store,
    pub dir: tempfile::TempDir,
    pub _guard: carepki_store::testing::Guard,
}

pub async fn world_on(store: Store, guard: carepki_store::testing::Guard) -> World {
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

pub async fn user(store: &Store, name: &str) -> i64 {
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

pub fn officer() -> Officer {
    Officer::cli("cli:officer")
}

/// A point of [`ORG`] with two approved registrars: (point, [registrar user ids]).
pub async fn point_with_registrars(w: &World) -> (i64, [i64; 2]) {
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

/// The example professional registers, examples/professionals.json.
pub const PROFESSIONALS_JSON: &str = include_str!("../../../../examples/professionals.json");

/// Syncs the registers in the store to the register file `text` (a re-import).
pub async fn sync_professionals_json(store: &Store, text: &str) {
    store
        .sync_professionals(&rows_of(text), "flag", "test", now_unix())
        .await
        .unwrap();
}

/// The store's rows of examples/professionals.json.
pub fn example_rows() -> Vec<carepki_store::ProfessionalRow> {
    rows_of(PROFESSIONALS_JSON)
}

/// The store's rows of the register file `text`.
pub fn rows_of(text: &str) -> Vec<carepki_store::ProfessionalRow> {
    carepki_policy::registers::parse_professionals(text)
        .unwrap()
        .iter()
        .map(carepki_ra::cards::professional_row)
        .collect()
}

/// Imports examples/professionals.json into the store.
pub async fn import_professionals(store: &Store) {
    sync_professionals_json(store, PROFESSIONALS_JSON).await;
}

pub fn passport() -> IdentityCheck {
    IdentityCheck {
        document_type: "passport".into(),
        document_number: "XP1234567".into(),
        issuing_country: "FI".into(),
        expires: "2031-12-31".into(),
    }
}

pub fn professional_order(regno: &str) -> OrderInput {
    OrderInput {
        kind: "professional".into(),
        identity: Some(passport()),
        holder_number: Some(regno.into()),
        email: Some("aino@example.fi".into()),
        ..OrderInput::default()
    }
}

pub const PRESCRIBER: &str = "99900000101";
pub const NO_VALID_RIGHT: &str = "99900000106";

/// A fresh P-256 key pair's DER SubjectPublicKeyInfo, as a token would give it.
fn software_spki() -> Vec<u8> {
    EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
        .unwrap()
        .public_key()
        .as_der()
        .unwrap()
        .as_ref()
        .to_vec()
}

/// Produces order `order` as a card would be, but with two software P-256
/// keys instead of a token: both certificates issued by the CA and the order
/// `produced` with their serials. For tests whose subject is not the token.
pub async fn produce_without_token(w: &World, order: &CardOrderRow, now: i64) -> CardOrderRow {
    let s = |k: &str| order.holder[k].as_str().unwrap_or_default().to_owned();
    let req = CardIssueRequest {
        card_id: carepki_ra::cards::production::card_id(order.id),
        kind: CardKind::parse(&order.kind).unwrap(),
        replaces: order.holder["replaces_kind"]
            .as_str()
            .and_then(CardKind::parse),
        holder: HolderFacts {
            given_name: s("given_name"),
            surname: s("surname"),
            holder_number: order.holder_number.clone(),
            title: s("title"),
            prescriber: order.holder["prescriber"].as_bool().unwrap_or(false),
            sv_number: order.holder["sv_number"].as_str().map(str::to_owned),
        },
        org_oid: order.org_oid.clone(),
        days: None,
        authentication_spki: software_spki(),
        signature_spki: software_spki(),
        actor: "test".into(),
    };
    let authority = w.cards.authority().unwrap();
    let (auth, sign) = authority.issue_card(&req).await.unwrap();
    w.store
        .update_card_order(
            order.id,
            &CardOrderUpdate {
                from_state: "ordered".into(),
                to_state: "produced".into(),
                action: "card.produce".into(),
                card_label: Some(format!("SOFT{}", order.id)),
                serials: Some((auth.serial, sign.serial)),
                detail: serde_json::json!({ "produced_at": now }),
            },
            "test",
            now,
        )
        .await
        .unwrap()
}

/// The e-service principal of user `user_id` acting for `org` (or for no
/// organisation), as the web layer builds it from what is stored.
pub async fn principal(
    w: &World,
    user_id: i64,
    org: Option<&str>,
) -> carepki_ra::eservice::Principal {
    let es = carepki_ra::eservice::EService::new(
        w.cards.authority().unwrap().clone(),
        carepki_ra::eservice::EServiceSettings::new(vec![42u8; 32], "https://pki.example.fi"),
    )
    .unwrap();
    es.principal_for_user(user_id, org).await.unwrap()
}

/// A new user with `role` (`org-admin`, `org-user`, ...) in `org`.
pub async fn member(w: &World, name: &str, org: &str, role: &str) -> i64 {
    let id = user(&w.store, name).await;
    w.store
        .add_membership(id, org, role, "test", now_unix())
        .await
        .unwrap();
    id
}

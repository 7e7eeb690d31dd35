//! Signing in with a certificate card over TLS (docs/CARDS.md, "Signing in with
//! the card"): a real CA, the card sign-in listener on the loopback, and rustls
//! clients. The card test runs on a real SoftHSM2 card whose authentication key
//! signs the TLS handshake through PKCS#11 (`Card::sign`), in a child process of
//! this test binary with its own SOFTHSM2_CONF (SoftHSM2 reads it once per
//! process). The other refusals use software keys, on SQLite and, with
//! CAREPKI_TEST_PG_URL, PostgreSQL.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a failed test

#[path = "support/cardtls.rs"]
mod cardtls;

use cardtls::{CardSigningKey, Fixed, software_key};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use carepki_ca::authority::now_unix;
use carepki_ca::init::{InitOptions, prepare, run_ceremony};
use carepki_ca::{Authority, CardIssueRequest, DataDir, IssueRequest, Issued};
use carepki_keys::testing::on_softhsm;
use carepki_keys::{Card, CardKey, KeyAlgorithm, Passphrase, Pkcs11Module};
use carepki_policy::card::{HolderFacts, TEST_IDENTITIES};
use carepki_policy::{CardKind, ProfileId};
use carepki_store::{OrganisationRow, Store};
use carepki_web::cardauth::CardClock;
use carepki_x509::RevocationReason;
use carepki_x509::SignatureAlgorithm;
use carepki_x509::csr::build_request;
use carepki_x509::name::{Attr, build_name};
use rustls::SupportedProtocolVersion;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::sign::CertifiedKey;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ORG: &str = "1.2.246.10.97835177.10.0";
const HOST: &str = "kortti.jarvilaakso-hva.fi";
const SO_PIN: &str = "card-issuer-so-pin";
const PIN1: &str = "2468";
const PIN2: &str = "13579135";
const TLS13: &SupportedProtocolVersion = &rustls::version::TLS13;
const TLS12: &SupportedProtocolVersion = &rustls::version::TLS12;

fn org() -> OrganisationRow {
    OrganisationRow {
        oid: ORG.into(),
        name_fi: "Järvilaakson hyvinvointialue".into(),
        name_sv: "Sjödalens välfärdsområde".into(),
        name_en: "Lake Valley Wellbeing County".into(),
        business_id: "9783517-7".into(),
        sector: "public".into(),
        kanta_intermediary: false,
        domains: vec!["jarvilaakso-hva.fi".into()],
        created_at: 0,
        updated_at: 0,
    }
}

/// Both hierarchies (a real ceremony) in `dir` on `store`, with [`org`].
async fn authority(store: Store, dir: &Path) -> Arc<Authority> {
    let data = DataDir::new(dir.join("data"));
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
        .import_organisations(&[org()], "test", now_unix())
        .await
        .unwrap();
    Arc::new(Authority::open(data, store, passphrase).await.unwrap())
}

fn doctor() -> HolderFacts {
    HolderFacts {
        given_name: "Maija Liisa".into(),
        surname: "Virtanen".into(),
        holder_number: "10100012345".into(),
        title: "Lääkäri".into(),
        prescriber: true,
        sv_number: Some("123456".into()),
    }
}

static NEXT_CARD: AtomicU32 = AtomicU32::new(1);

fn card_request(kind: CardKind, auth: Vec<u8>, sign: Vec<u8>) -> CardIssueRequest {
    let holder = if kind == CardKind::Test {
        let t = TEST_IDENTITIES[0];
        HolderFacts {
            given_name: t.given_name.into(),
            surname: t.surname.into(),
            holder_number: t.holder_number.into(),
            title: t.title.into(),
            prescriber: t.sv_number.is_some(),
            sv_number: t.sv_number.map(Into::into),
        }
    } else {
        doctor()
    };
    CardIssueRequest {
        card_id: format!("card-{}", NEXT_CARD.fetch_add(1, Ordering::Relaxed)),
        kind,
        replaces: None,
        holder,
        org_oid: None,
        days: None,
        authentication_spki: auth,
        signature_spki: sign,
        actor: "registrar:test".into(),
    }
}

/// A software card: its two certificates and keys (authentication first).
struct SoftCard {
    auth: Issued,
    auth_key: Vec<u8>,
    sign: Issued,
    sign_key: Vec<u8>,
}

async fn software_card(ca: &Authority, kind: CardKind) -> SoftCard {
    let (auth_key, auth_spki) = software_key();
    let (sign_key, sign_spki) = software_key();
    let (auth, sign) = ca
        .issue_card(&card_request(kind, auth_spki, sign_spki))
        .await
        .unwrap();
    SoftCard {
        auth,
        auth_key,
        sign,
        sign_key,
    }
}

/// A server certificate for [`HOST`] through the normal issuance path, and its key.
async fn server_certificate(ca: &Authority) -> (Issued, Vec<u8>) {
    let (pkcs8, spki) = software_key();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8).unwrap();
    let rng = SystemRandom::new();
    let csr = build_request(
        &build_name(&[(Attr::CommonName, HOST)]).unwrap(),
        &spki,
        SignatureAlgorithm::EcdsaSha256,
        |msg| Ok(key.sign(&rng, msg).unwrap().as_ref().to_vec()),
    )
    .unwrap();
    let issued = ca
        .issue(&IssueRequest {
            profile: ProfileId::Server,
            org_oid: ORG.into(),
            csr,
            common_name: HOST.into(),
            dns_names: vec![HOST.into()],
            emails: vec![],
            days: None,
            ca: None,
            actor: "tester".into(),
        })
        .await
        .unwrap();
    (issued, pkcs8)
}

/// The listener of `ca` on the loopback; TEST cards accepted when `accept_test`.
struct Server {
    addr: SocketAddr,
    /// The server's own certificate and key (a service certificate, also
    /// presented as a client certificate in a test).
    cert: Issued,
    key: Vec<u8>,
    intermediate: Vec<u8>,
}

async fn start(ca: &Arc<Authority>, accept_test: bool) -> Server {
    let (cert, key) = server_certificate(ca).await;
    let intermediate = ca.loaded_ca(&cert.ca).unwrap().row.cert_der.clone();
    let chain = vec![cert.der.clone().into(), intermediate.clone().into()];
    let addr =
        cardtls::serve_card_listener(ca, chain, key.clone(), accept_test, &CardClock::system())
            .await;
    Server {
        addr,
        cert,
        key,
        intermediate,
    }
}

/// What the client presents.
enum Client {
    None,
    Software(Vec<Vec<u8>>, Vec<u8>),
    Card(Vec<Vec<u8>>, CardSigningKey),
}

/// `GET /card/session` over TLS `version` as `client`: the status and JSON body,
/// or the TLS error when the handshake is refused.
async fn get_session(
    server: &Server,
    version: &'static SupportedProtocolVersion,
    client: Client,
) -> Result<(u16, Value), String> {
    let builder = cardtls::pinned_client(&server.cert.der, version);
    let chain = |c: Vec<Vec<u8>>| c.into_iter().map(CertificateDer::from).collect::<Vec<_>>();
    let config = match client {
        Client::None => builder.with_no_client_auth(),
        Client::Software(certs, key) => builder
            .with_client_auth_cert(
                chain(certs),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
            )
            .unwrap(),
        Client::Card(certs, key) => builder.with_client_cert_resolver(Arc::new(Fixed(Arc::new(
            CertifiedKey::new(chain(certs), Arc::new(key)),
        )))),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from(HOST).unwrap(), tcp)
        .await
        .map_err(|e| e.to_string())?;
    let req = format!("GET /card/session HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n");
    tls.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.map_err(|e| e.to_string())?;
    let text = String::from_utf8(out).unwrap();
    if text.is_empty() {
        return Err("connection closed without an answer".into());
    }
    let status: u16 = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1;
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"));
    Ok((status, json))
}

fn software(cert: &Issued, key: &[u8]) -> Client {
    Client::Software(vec![cert.der.clone()], key.to_vec())
}

/// The refusals and answers that need no card token, on each store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_checks_with_software_keys() {
    for (backend, store, _guard) in carepki_store::testing::test_stores().await {
        let dir = tempfile::tempdir().unwrap();
        let ca = authority(store, dir.path()).await;
        let server = start(&ca, false).await;

        // No client certificate: the handshake completes, the route says 401.
        let (status, body) = get_session(&server, TLS13, Client::None).await.unwrap();
        assert_eq!(status, 401, "{backend}: {body}");
        assert_eq!(body["error"], "no-client-certificate", "{backend}");

        // A professional card with software keys signs in over both versions;
        // the client sends only its own certificate (no intermediate).
        let card = software_card(&ca, CardKind::Professional).await;
        for version in [TLS13, TLS12] {
            let (status, body) =
                get_session(&server, version, software(&card.auth, &card.auth_key))
                    .await
                    .unwrap();
            assert_eq!(status, 200, "{backend}: {body}");
            assert_eq!(body["serial"], card.auth.serial, "{backend}");
            assert_eq!(body["registration_number"], "10100012345", "{backend}");
            assert_eq!(body["card_kind"], "professional", "{backend}");
            assert_eq!(body["test"], false, "{backend}");
        }
        // With the intermediate sent too.
        let (status, _) = get_session(
            &server,
            TLS13,
            Client::Software(
                vec![card.auth.der.clone(), server.intermediate.clone()],
                card.auth_key.clone(),
            ),
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{backend}");

        // The card's signature certificate, with its own key: 403.
        let (status, body) = get_session(&server, TLS13, software(&card.sign, &card.sign_key))
            .await
            .unwrap();
        assert_eq!(status, 403, "{backend}: {body}");
        assert_eq!(body["error"], "not-authentication-certificate", "{backend}");

        // A service certificate (TLS server and client profile): 403.
        let (status, body) = get_session(&server, TLS13, software(&server.cert, &server.key))
            .await
            .unwrap();
        assert_eq!(status, 403, "{backend}: {body}");
        assert_eq!(body["error"], "not-authentication-certificate", "{backend}");

        // Expired in the store: 403.
        let expired = software_card(&ca, CardKind::Professional).await;
        ca.store()
            .set_not_after_for_tests(&expired.auth.serial, now_unix() - 10)
            .await
            .unwrap();
        let (status, body) =
            get_session(&server, TLS13, software(&expired.auth, &expired.auth_key))
                .await
                .unwrap();
        assert_eq!(status, 403, "{backend}: {body}");
        assert_eq!(body["error"], "expired", "{backend}");

        // Revoked: 403.
        let revoked = software_card(&ca, CardKind::Professional).await;
        ca.revoke(
            &revoked.auth.serial,
            RevocationReason::KeyCompromise,
            None,
            "tester",
        )
        .await
        .unwrap();
        let (status, body) =
            get_session(&server, TLS12, software(&revoked.auth, &revoked.auth_key))
                .await
                .unwrap();
        assert_eq!(status, 403, "{backend}: {body}");
        assert_eq!(body["error"], "revoked", "{backend}");

        // A TEST card: refused in the handshake here, accepted by a listener
        // configured for TEST cards.
        let test = software_card(&ca, CardKind::Test).await;
        let err = get_session(&server, TLS13, software(&test.auth, &test.auth_key))
            .await
            .unwrap_err();
        assert!(
            err.contains("UnknownCA") || err.contains("alert"),
            "{backend}: {err}"
        );
        let test_server = start(&ca, true).await;
        let (status, body) = get_session(&test_server, TLS13, software(&test.auth, &test.auth_key))
            .await
            .unwrap();
        assert_eq!(status, 200, "{backend}: {body}");
        assert_eq!(body["card_kind"], "test", "{backend}");
        assert_eq!(body["test"], true, "{backend}");

        // A card of another CA: refused in the handshake, over both versions.
        let other_dir = tempfile::tempdir().unwrap();
        let (other_store, _other_guard) = carepki_store::testing::sqlite_store().await;
        let other = authority(other_store, other_dir.path()).await;
        let foreign = software_card(&other, CardKind::Professional).await;
        for version in [TLS13, TLS12] {
            let err = get_session(&server, version, software(&foreign.auth, &foreign.auth_key))
                .await
                .unwrap_err();
            assert!(
                err.contains("UnknownCA") || err.contains("alert"),
                "{backend}: {err}"
            );
        }
    }
}

/// The acceptance line: a card made on SoftHSM2 (keys generated on the token,
/// both certificates issued and written, activated with PINs) signs in over
/// TLS 1.3 and 1.2 with its authentication key through PKCS#11; its signature
/// certificate is refused, and so is the authentication certificate once revoked.
#[test]
fn card_sign_in_on_softhsm() {
    on_softhsm("card_sign_in_on_softhsm", |module, _| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(card_sign_in(module));
    });
}

async fn card_sign_in(module: &Pkcs11Module) {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = authority(store, dir.path()).await;
    let server = start(&ca, false).await;

    // Production and activation.
    let card = Card::initialise(module, "card 0001", SO_PIN).unwrap();
    let code = card.activation_code().unwrap();
    let keys = card.generate_keys(KeyAlgorithm::EcdsaP256).unwrap();
    let (auth, sign) = ca
        .issue_card(&card_request(
            CardKind::Professional,
            keys.get(CardKey::Auth).to_vec(),
            keys.get(CardKey::Sign).to_vec(),
        ))
        .await
        .unwrap();
    card.write_certificate(CardKey::Auth, &auth.der).unwrap();
    card.write_certificate(CardKey::Sign, &sign.der).unwrap();
    card.activate(code.expose_secret(), PIN1, PIN2).unwrap();
    let card = Arc::new(Card::open(module, "card 0001").unwrap());
    let on_card = |which: CardKey, pin: &'static str| {
        let cert = card.certificate(which).unwrap().unwrap();
        Client::Card(
            vec![cert],
            CardSigningKey {
                card: Arc::clone(&card),
                which,
                pin,
            },
        )
    };

    for version in [TLS13, TLS12] {
        let (status, body) = get_session(&server, version, on_card(CardKey::Auth, PIN1))
            .await
            .unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["serial"], auth.serial);
        assert_eq!(body["card_kind"], "professional");
        assert_eq!(body["registration_number"], "10100012345");
        assert_eq!(body["holder_number"], "10100012345");
        assert_eq!(body["common_name"], "Virtanen Maija Liisa");
        assert_eq!(body["given_name"], "Maija Liisa");
        assert_eq!(body["surname"], "Virtanen");
        assert_eq!(body["sv_number"], "123456");
        assert_eq!(body["title"], "Lääkäri");
        assert_eq!(body["ca"], "professionals");
        assert_eq!(body["test"], false);
    }

    // The wrong PIN: the card refuses to sign, the handshake fails.
    let wrong = get_session(&server, TLS13, on_card(CardKey::Auth, "9999")).await;
    assert!(wrong.is_err(), "{wrong:?}");

    // The signature certificate, signed with the signature key and PIN2: 403.
    let (status, body) = get_session(&server, TLS13, on_card(CardKey::Sign, PIN2))
        .await
        .unwrap();
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "not-authentication-certificate");

    // Revoked: the next sign-in is refused.
    ca.revoke(
        &auth.serial,
        RevocationReason::AffiliationChanged,
        None,
        "registrar:test",
    )
    .await
    .unwrap();
    let (status, body) = get_session(&server, TLS13, on_card(CardKey::Auth, PIN1))
        .await
        .unwrap();
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "revoked");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("affiliationChanged"),
        "{body}"
    );
}

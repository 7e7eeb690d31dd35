//! Issue 5's first acceptance line, end to end on SoftHSM2 (docs/CARDS.md):
//! a registrar orders a professional card for a prescriber; the keys are
//! generated on the token; both certificates are issued and written; the
//! holder activates the card with PIN1 and PIN2 (the code from the outbox
//! mail); he signs in over TLS with the authentication key **on the token**
//! (PIN1) against the real card listener on the loopback; renewal is refused
//! now (about five years left) and allowed with the listener's clock moved
//! into the last three months (a new order at the same registration point,
//! replacing the old one); the renewed card, activated, supersedes the old
//! one; the holder revokes the new card; and OCSP, asked over HTTP with
//! `openssl ocsp`, answers `revoked` for both certificates of each card,
//! while the next sign-in with a revoked card is refused (403 `revoked`).
//!
//! Runs in a child process of this test binary with its own SOFTHSM2_CONF
//! (SoftHSM2 reads it once per process), as web/tests/cardauth.rs does.
#![allow(clippy::unwrap_used)]

#[path = "support/cardtls.rs"]
mod cardtls;

#[path = "../../ra/tests/support/mod.rs"]
mod support;

use cardtls::{CardSigningKey, Fixed, Listener};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use carepki_ca::Authority;
use carepki_keys::testing::on_softhsm;
use carepki_keys::{Card, CardKey, KeyAlgorithm, Pkcs11Module};
use carepki_ra::cards::CardOrderRow;
use carepki_web::cardauth::CardClock;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::sign::CertifiedKey;
use serde_json::Value;
use support::{
    ORG, PRESCRIBER, World, import_professionals, point_with_registrars, professional_order,
    world_on,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HOST: &str = "kortti.jarvilaakso-hva.fi";
const SO_PIN: &str = "card-issuer-so-pin";
const PIN1: &str = "2468";
const PIN2: &str = "13579135";

/// A card's authentication certificate and key, on the token.
fn on_card(card: &Arc<Card>) -> (Vec<u8>, CardSigningKey) {
    (
        card.certificate(CardKey::Auth).unwrap().unwrap(),
        CardSigningKey {
            card: Arc::clone(card),
            which: CardKey::Auth,
            pin: PIN1,
        },
    )
}

/// One HTTP/1.1 request over TLS 1.3 signed in with `card` (none: no client
/// certificate): the status and JSON body, or the TLS error.
async fn request(
    server: &Listener,
    card: Option<&Arc<Card>>,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
) -> Result<(u16, Value), String> {
    let builder = cardtls::pinned_client(&server.server_cert, &rustls::version::TLS13);
    let config = match card {
        None => builder.with_no_client_auth(),
        Some(card) => {
            let (cert, key) = on_card(card);
            builder.with_client_cert_resolver(Arc::new(Fixed(Arc::new(CertifiedKey::new(
                vec![CertificateDer::from(cert)],
                Arc::new(key),
            )))))
        }
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from(HOST).unwrap(), tcp)
        .await
        .map_err(|e| e.to_string())?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n");
    match body {
        Some((content_type, text)) => req.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        )),
        None => req.push_str("Content-Length: 0\r\n\r\n"),
    }
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

const JSON: &str = "application/json";

// ---- the CA side ----

/// The card listener of `ca` on the loopback, on `clock` (the handshake and
/// the routes share it).
async fn start_listener(ca: &Arc<Authority>, clock: &CardClock) -> Listener {
    cardtls::start_listener(ca, clock, ORG, "jarvilaakso-hva.fi", HOST).await
}

/// The service's plain-HTTP side (OCSP, CRLs) on the loopback, as
/// `carepki serve` runs it; its OCSP responder.
async fn start_status(ca: &Arc<Authority>) -> (SocketAddr, carepki_web::StatusServices) {
    let services = carepki_web::start_status_services(ca).await.unwrap();
    let app = carepki_web::service_router(ca, Arc::clone(&services.ocsp));
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(tcp, app.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .unwrap();
    });
    (addr, services)
}

fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// `openssl ocsp` over HTTP at `ocsp` for the card certificate in `file`,
/// issued by the professionals CA: its whole output (the response verified
/// against the CA certificates in `cas.pem`).
async fn openssl_ocsp(dir: PathBuf, ocsp: SocketAddr, file: &'static str) -> String {
    tokio::task::spawn_blocking(move || {
        let out = Command::new("openssl")
            .args([
                "ocsp",
                "-issuer",
                "professionals.pem",
                "-cert",
                file,
                "-url",
                &format!("http://{ocsp}/ocsp/professionals"),
                "-CAfile",
                "cas.pem",
                "-no_nonce",
            ])
            .current_dir(&dir)
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
    .await
    .unwrap()
}

/// OCSP answers `revoked` for both certificates of `card` (files `<name>-auth.pem`,
/// `<name>-sign.pem` in `dir`), the response verified.
async fn assert_ocsp_revoked(w: &World, ocsp: SocketAddr, files: [&'static str; 2]) {
    for file in files {
        let out = openssl_ocsp(w.dir.path().to_path_buf(), ocsp, file).await;
        assert!(out.contains("Response verify OK"), "{file}: {out}");
        assert!(out.contains(&format!("{file}: revoked")), "{file}: {out}");
    }
}

/// The activation code mailed for order `order` (the `n`th code), due by `now`.
async fn mailed_code(w: &World, order: &CardOrderRow, n: u32, now: i64) -> String {
    let key = format!("card-activation:{}:{n}", order.id);
    let mail = w
        .store
        .claim_due_mail("test", now + 1, 60, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.dedupe_key == key)
        .unwrap_or_else(|| panic!("no mail {key}"));
    assert_eq!(mail.recipient, "aino@example.fi");
    mail.body_text
        .lines()
        .find(|l| l.len() >= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap()
        .to_owned()
}

#[test]
fn card_journey_on_softhsm() {
    on_softhsm("card_journey_on_softhsm", |module, _| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(journey(module));
    });
}

async fn journey(module: &Pkcs11Module) {
    let (store, guard) = carepki_store::testing::sqlite_store().await;
    let w = world_on(store, guard).await;
    import_professionals(&w.store).await;
    let ca = Arc::clone(w.cards.authority().unwrap());
    let clock = CardClock::system();
    let (point, [reg1, reg2]) = point_with_registrars(&w).await;

    // The registrar orders a professional card for a prescriber.
    let order = w
        .cards
        .order(reg1, point, &professional_order(PRESCRIBER), clock.now())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(order.holder["sv_number"], "900101");

    // Keys generated on the token, both certificates issued and written.
    let produced = w
        .cards
        .produce(
            reg2,
            order.id,
            module,
            "CARD1",
            SO_PIN,
            KeyAlgorithm::EcdsaP256,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(produced.state, "produced");
    let card1 = Arc::new(Card::open(module, "CARD1").unwrap());
    let auth1 = card1.certificate(CardKey::Auth).unwrap().unwrap();
    let sign1 = card1.certificate(CardKey::Sign).unwrap().unwrap();
    assert_eq!(
        ca.store()
            .certificate(produced.auth_serial.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap()
            .der
            .as_deref(),
        Some(auth1.as_slice())
    );

    // Activation with PIN1 and PIN2, the code from the outbox mail.
    let code = mailed_code(&w, &order, 1, clock.now()).await;
    let activated = w
        .cards
        .activate(order.id, module, &code, PIN1, PIN2, clock.now())
        .await
        .unwrap();
    assert_eq!(activated.state, "activated");

    // Sign-in with the card's authentication key on the token (PIN1).
    let server = start_listener(&ca, &clock).await;
    let (ocsp, services) = start_status(&ca).await;
    let (status, body) = request(&server, None, "GET", "/card/session", None)
        .await
        .unwrap();
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "no-client-certificate");
    let (status, session) = request(&server, Some(&card1), "GET", "/card/session", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["serial"], produced.auth_serial.clone().unwrap());
    assert_eq!(session["holder_number"], PRESCRIBER);
    assert_eq!(session["registration_number"], PRESCRIBER);
    assert_eq!(session["sv_number"], "900101");
    assert_eq!(session["given_name"], "Aino Maria");
    assert_eq!(session["surname"], "Esimerkki");
    assert_eq!(session["card_kind"], "professional");

    // Renewal now, with about five years left: refused, saying when it opens.
    let (status, e) = request(&server, Some(&card1), "GET", "/card/renewal", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{e}");
    assert_eq!(e["allowed"], false, "{e}");
    assert_eq!(e["code"], "renewal.too_early", "{e}");
    let not_after = e["not_after"].as_i64().unwrap();
    let opens_at = e["opens_at"].as_i64().unwrap();
    assert!(not_after - clock.now() > 4 * 365 * 86_400, "{e}");
    assert!(
        (not_after - opens_at) >= 89 * 86_400 && (not_after - opens_at) <= 92 * 86_400 + 3600,
        "{e}"
    );
    let (status, r) = request(
        &server,
        Some(&card1),
        "POST",
        "/card/renewal",
        Some((JSON, "{}")),
    )
    .await
    .unwrap();
    assert_eq!(status, 409, "{r}");
    assert_eq!(r["error"], "renewal.too_early", "{r}");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("renewed online from")
    );
    // A POST that is not JSON (what a cross-site form sends) is refused.
    let (status, r) = request(
        &server,
        Some(&card1),
        "POST",
        "/card/renewal",
        Some(("application/x-www-form-urlencoded", "a=b")),
    )
    .await
    .unwrap();
    assert_eq!((status, r["error"].as_str()), (415, Some("json-required")));

    // The clock moves into the last three months: the same listener, the
    // handshake included, sees the card with weeks left.
    clock.advance(opens_at - clock.now() + 7 * 86_400);
    let (status, e) = request(&server, Some(&card1), "GET", "/card/renewal", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{e}");
    assert_eq!(e["allowed"], true, "{e}");
    assert_eq!(e["grounds"], serde_json::json!(["validity_ending"]), "{e}");
    let (status, renewed) = request(
        &server,
        Some(&card1),
        "POST",
        "/card/renewal",
        Some((JSON, "{}")),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{renewed}");
    assert_eq!(renewed["state"], "ordered");
    assert_eq!(renewed["point_id"], point, "the same registration point");
    assert_eq!(renewed["replaces_order"], order.id);
    assert_eq!(renewed["holder_number"], PRESCRIBER);
    assert_eq!(renewed["created_by"], format!("holder:{PRESCRIBER}"));
    let (status, r) = request(
        &server,
        Some(&card1),
        "POST",
        "/card/renewal",
        Some((JSON, "{}")),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, r["error"].as_str()),
        (409, Some("renewal.pending"))
    );

    // The renewed card is produced on another token and activated: the old
    // card is superseded, both its certificates revoked.
    let new_id = renewed["id"].as_i64().unwrap();
    let new_order = w.store.card_order(new_id).await.unwrap().unwrap();
    assert_eq!(new_order.holder["sv_number"], "900101");
    w.cards
        .produce(
            reg1,
            new_id,
            module,
            "CARD2",
            SO_PIN,
            KeyAlgorithm::EcdsaP256,
            clock.now(),
        )
        .await
        .unwrap();
    let code = mailed_code(&w, &new_order, 1, clock.now()).await;
    w.cards
        .activate(new_id, module, &code, PIN1, PIN2, clock.now())
        .await
        .unwrap();
    let old = w.store.card_order(order.id).await.unwrap().unwrap();
    assert_eq!(old.state, "revoked");
    let card2 = Arc::new(Card::open(module, "CARD2").unwrap());
    let auth2 = card2.certificate(CardKey::Auth).unwrap().unwrap();
    let sign2 = card2.certificate(CardKey::Sign).unwrap().unwrap();

    // OCSP over HTTP, as relying parties ask it.
    let dir = w.dir.path();
    let mut cas = String::new();
    for c in ca.cas().values() {
        cas.push_str(&c.pem);
    }
    std::fs::write(dir.join("cas.pem"), cas).unwrap();
    std::fs::write(
        dir.join("professionals.pem"),
        &ca.loaded_ca("professionals").unwrap().pem,
    )
    .unwrap();
    for (file, der) in [
        ("card1-auth.pem", &auth1),
        ("card1-sign.pem", &sign1),
        ("card2-auth.pem", &auth2),
        ("card2-sign.pem", &sign2),
    ] {
        std::fs::write(dir.join(file), pem(der)).unwrap();
    }
    services.ocsp.apply_changes().await.unwrap();
    assert_ocsp_revoked(&w, ocsp, ["card1-auth.pem", "card1-sign.pem"]).await;
    for file in ["card2-auth.pem", "card2-sign.pem"] {
        let out = openssl_ocsp(dir.to_path_buf(), ocsp, file).await;
        assert!(out.contains(&format!("{file}: good")), "{file}: {out}");
    }
    // The superseded card no longer signs in.
    let (status, r) = request(&server, Some(&card1), "GET", "/card/session", None)
        .await
        .unwrap();
    assert_eq!((status, r["error"].as_str()), (403, Some("revoked")), "{r}");
    assert!(r["detail"].as_str().unwrap().contains("superseded"), "{r}");

    // The holder signs in with the new card and revokes it himself.
    let (status, s2) = request(&server, Some(&card2), "GET", "/card/session", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{s2}");
    assert_eq!(s2["sv_number"], "900101");
    let (status, r) = request(
        &server,
        Some(&card2),
        "POST",
        "/card/revocation",
        Some((JSON, r#"{"reason": "keyCompromise"}"#)),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, r["error"].as_str()),
        (422, Some("revocation.unconfirmed")),
        "{r}"
    );
    let (status, r) = request(
        &server,
        Some(&card2),
        "POST",
        "/card/revocation",
        Some((JSON, r#"{"reason": "keyCompromise", "confirm": true}"#)),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["state"], "revoked");
    services.ocsp.apply_changes().await.unwrap();
    assert_ocsp_revoked(&w, ocsp, ["card2-auth.pem", "card2-sign.pem"]).await;
    let (status, r) = request(&server, Some(&card2), "GET", "/card/session", None)
        .await
        .unwrap();
    assert_eq!((status, r["error"].as_str()), (403, Some("revoked")), "{r}");
    assert!(
        r["detail"].as_str().unwrap().contains("keyCompromise"),
        "{r}"
    );

    // Audited as the holder.
    let audit = w.store.audit_events(None).await.unwrap();
    for action in [
        "card.order",
        "card.activate",
        "card.supersede",
        "card.revoke",
    ] {
        assert!(
            audit
                .iter()
                .any(|a| a.action == action && a.actor == format!("holder:{PRESCRIBER}")),
            "{action} by the holder"
        );
    }
    services.stop().await;
}

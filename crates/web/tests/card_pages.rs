//! The card holder's pages on the card listener (docs/CARDS.md, "The holder's
//! pages"; R-SELF-RENEW, R-CARD-CERTS, R-SV), over real TLS client-certificate
//! connections to the listener on the loopback, as a browser without
//! JavaScript uses them (forms as `application/x-www-form-urlencoded`,
//! post/redirect/get): the page in Finnish and Swedish shows who signed in;
//! renewal is refused too early (with the opening date), allowed in the window
//! (the listener's `CardClock` moved there) and then shows the renewal
//! ordered; a form without the CSRF token, with a wrong one or with another
//! card's is refused (403) and changes nothing; revocation needs the
//! confirmation; a revoked card no longer signs in.
//!
//! The cards are ordered through the registration system and produced with
//! software keys (the token is not the subject here; web/tests/card_journey.rs
//! runs the journey on SoftHSM2). On SQLite and, with CAREPKI_TEST_PG_URL,
//! PostgreSQL.
#![allow(clippy::unwrap_used)]

#[path = "support/cardtls.rs"]
mod cardtls;
#[path = "support/softcard.rs"]
mod softcard;

#[path = "../../ra/tests/support/mod.rs"]
mod support;

use cardtls::{Listener, software_key};
use std::sync::Arc;

use carepki_ca::Authority;
use carepki_ca::authority::now_unix;
use carepki_ra::cards::{CardOrderRow, holder_actor, renewal_opens_at};
use carepki_store::CardOrderUpdate;
use carepki_web::cardauth::CardClock;
use carepki_web::i18n::{Lang, MISSING_MARK, format_date, format_datetime};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use support::{PRESCRIBER, World, import_professionals, point_with_registrars, world_on};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HOST: &str = "kortti.jarvilaakso-hva.fi";
/// A nurse with a valid right and no prescribing right (no SV number).
const NURSE: &str = "99900000108";

/// A card signed in with: its authentication certificate and key (software).
#[derive(Clone)]
struct SoftCard {
    order: CardOrderRow,
    auth_der: Vec<u8>,
    auth_key: Vec<u8>,
}

/// A professional card for `regno` ordered at `point` by `registrar`,
/// produced with software keys (`softcard::produce_with_keys`, keeping
/// the authentication key) and activated.
async fn activated_card(w: &World, registrar: i64, point: i64, regno: &str) -> SoftCard {
    let now = now_unix();
    let order = w
        .cards
        .order(registrar, point, &support::professional_order(regno), now)
        .await
        .unwrap()
        .remove(0);
    let (auth_key, auth_spki) = software_key();
    let (_, sign_spki) = software_key();
    let ca = w.cards.authority().unwrap();
    let (order, auth) =
        softcard::produce_with_keys(&w.store, ca, &order, auth_spki, sign_spki, now).await;
    let order = w
        .store
        .update_card_order(
            order.id,
            &CardOrderUpdate {
                from_state: "produced".into(),
                to_state: "activated".into(),
                action: "card.activate".into(),
                card_label: None,
                serials: None,
                detail: serde_json::json!({}),
            },
            &holder_actor(&order.holder_number),
            now,
        )
        .await
        .unwrap();
    SoftCard {
        order,
        auth_der: auth.der,
        auth_key,
    }
}

/// The card listener on the loopback, as `carepki serve --card-listen` runs it
/// (`cardauth::router`, which has the pages), on `clock`.
async fn start_listener(ca: &Arc<Authority>, clock: &CardClock) -> Listener {
    cardtls::start_listener(ca, clock, support::ORG, "jarvilaakso-hva.fi", HOST).await
}

/// An answer: status, headers (names lower case), body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }

    /// The hidden `csrf` field's value of the first form.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find(r#"name="csrf" value=""#)
            .unwrap_or_else(|| panic!("no csrf field: {}", self.body));
        let rest = &self.body[at + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }
}

/// One HTTP/1.1 request over TLS 1.3, signed in with `card` (none: no client
/// certificate), with `headers` and a form `body`.
async fn request(
    server: &Listener,
    card: Option<&SoftCard>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    form: Option<&str>,
) -> Answer {
    let builder = cardtls::pinned_client(&server.server_cert, &rustls::version::TLS13);
    let config = match card {
        None => builder.with_no_client_auth(),
        Some(card) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from(card.auth_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(card.auth_key.clone())),
            )
            .unwrap(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from(HOST).unwrap(), tcp)
        .await
        .unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    match form {
        Some(text) => req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        )),
        None => req.push_str("Content-Length: 0\r\n\r\n"),
    }
    tls.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

async fn get(server: &Listener, card: &SoftCard, path: &str, headers: &[(&str, &str)]) -> Answer {
    request(server, Some(card), "GET", path, headers, None).await
}

async fn post(server: &Listener, card: &SoftCard, path: &str, form: &str) -> Answer {
    request(server, Some(card), "POST", path, &[], Some(form)).await
}

/// A page: HTML, never stored or framed, no message missing.
fn assert_page(a: &Answer, lang: Lang, what: &str) {
    assert!(
        a.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{what}: {a:?}"
    );
    assert_eq!(a.header("cache-control"), Some("no-store"), "{what}");
    assert_eq!(a.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        a.header("content-security-policy"),
        Some("frame-ancestors 'none'"),
        "{what}"
    );
    assert_eq!(a.header("content-language"), Some(lang.code()), "{what}");
    assert!(a.has(&format!("<html lang=\"{}\">", lang.code())), "{what}");
    assert!(
        !a.has(MISSING_MARK),
        "{what}: a message is missing: {}",
        a.body
    );
}

/// Whether the card's certificates are both still `valid`, and the order
/// still `activated` with no renewal.
async fn unchanged(w: &World, card: &SoftCard) -> bool {
    let o = w.store.card_order(card.order.id).await.unwrap().unwrap();
    let mut valid = o.state == "activated";
    for serial in [&o.auth_serial, &o.sign_serial].into_iter().flatten() {
        let c = w.store.certificate(serial).await.unwrap().unwrap();
        valid &= c.status == "valid";
    }
    valid
        && w.store
            .card_orders_replacing(card.order.id)
            .await
            .unwrap()
            .is_empty()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_holders_pages() {
    for (backend, store, guard) in carepki_store::testing::test_stores().await {
        let w = world_on(store, guard).await;
        import_professionals(&w.store).await;
        let (point, [reg1, _]) = point_with_registrars(&w).await;
        let doctor = activated_card(&w, reg1, point, PRESCRIBER).await;
        let nurse = activated_card(&w, reg1, point, NURSE).await;
        let ca = Arc::clone(w.cards.authority().unwrap());
        let clock = CardClock::system();
        let server = start_listener(&ca, &clock).await;
        let cert = w
            .store
            .certificate(doctor.order.auth_serial.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        let opens = renewal_opens_at(cert.not_after).unwrap();

        // No client certificate: 401, a page that says how to sign in.
        let a = request(&server, None, "GET", "/card?lang=en", &[], None).await;
        assert_eq!(a.status, 401, "{backend}: {a:?}");
        assert_page(&a, Lang::En, "no certificate");
        assert!(a.has(r#"data-code="no-client-certificate""#), "{backend}");
        assert!(a.has(r#"id="sign-in-help""#), "{backend}");

        // Finnish: who signed in, with the SV number (R-SV); renewal not yet.
        let a = get(&server, &doctor, "/card?lang=fi", &[]).await;
        assert_eq!(a.status, 200, "{backend}: {}", a.body);
        assert_page(&a, Lang::Fi, "fi");
        assert!(
            a.header("set-cookie")
                .is_some_and(|c| c.starts_with("lang=fi") && c.contains("Secure")),
            "{backend}: {a:?}"
        );
        assert!(
            a.has(r#"<dd id="holder-name">Aino Maria Esimerkki</dd>"#),
            "{backend}"
        );
        assert!(
            a.has(&format!(
                r#"<dd id="registration-number" class="mono">{PRESCRIBER}</dd>"#
            )),
            "{backend}"
        );
        assert!(
            a.has(r#"<dd id="card-kind" data-kind="professional">Ammattikortti</dd>"#),
            "{backend}"
        );
        let valid_to = format_date(Lang::Fi, cert.not_after);
        assert!(a.has(&format!(">{valid_to}</dd>")), "{backend}: {valid_to}");
        assert!(
            a.has(r#"<dd id="sv-number" class="mono">900101</dd>"#),
            "{backend}"
        );
        assert!(
            a.has(r#"data-allowed="false" data-code="renewal.too_early""#),
            "{backend}"
        );
        assert!(a.has(&format_datetime(Lang::Fi, opens)), "{backend}");
        assert!(!a.has(r#"id="renew""#), "{backend}: no renewal form yet");
        assert!(a.has(r#"<form id="revoke-card""#), "{backend}");
        for reason in [
            "keyCompromise",
            "affiliationChanged",
            "superseded",
            "cessationOfOperation",
            "unspecified",
        ] {
            assert!(
                a.has(&format!(r#"value="{reason}""#)),
                "{backend}: {reason}"
            );
        }
        let doctor_csrf = a.csrf();

        // Swedish by Accept-Language; the nurse's card has no SV number.
        let a = get(
            &server,
            &nurse,
            "/card",
            &[("Accept-Language", "sv-FI, en;q=0.5")],
        )
        .await;
        assert_eq!(a.status, 200, "{backend}: {}", a.body);
        assert_page(&a, Lang::Sv, "sv");
        assert!(
            a.has(r#"<dd id="holder-name">Heikki Harjoitus</dd>"#),
            "{backend}"
        );
        assert!(a.has(NURSE), "{backend}");
        assert!(a.has(">Yrkeskort</dd>"), "{backend}");
        let nurse_cert = w
            .store
            .certificate(nurse.order.auth_serial.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(
            a.has(&format!(
                ">{}</dd>",
                format_date(Lang::Sv, nurse_cert.not_after)
            )),
            "{backend}"
        );
        assert!(!a.has(r#"id="sv-number""#), "{backend}");
        assert!(a.has("Giltigt till"), "{backend}");
        let nurse_csrf = a.csrf();
        assert_ne!(nurse_csrf, doctor_csrf, "{backend}: a token per card");

        // CSRF: without the token, with a wrong one, with another card's:
        // 403, nothing changed.
        let forged = "0".repeat(64);
        for form in [
            String::new(),
            "csrf=".to_owned(),
            format!("csrf={forged}"),
            format!("csrf={nurse_csrf}"),
            "csrf=not-hex".to_owned(),
        ] {
            let a = post(&server, &doctor, "/card/renew", &form).await;
            assert_eq!(a.status, 403, "{backend}: {form}: {}", a.body);
            assert!(a.has(r#"data-code="csrf""#), "{backend}: {form}");
            let revoke = format!("{form}&reason=keyCompromise&confirm=yes");
            let a = post(&server, &doctor, "/card/revoke", &revoke).await;
            assert_eq!(a.status, 403, "{backend}: {revoke}: {}", a.body);
            assert!(a.has(r#"data-code="csrf""#), "{backend}: {revoke}");
        }
        assert!(unchanged(&w, &doctor).await, "{backend}");

        // Renewal too early: refused, saying from when.
        let a = post(
            &server,
            &doctor,
            "/card/renew?lang=en",
            &format!("csrf={doctor_csrf}"),
        )
        .await;
        assert_eq!(a.status, 409, "{backend}: {}", a.body);
        assert_page(&a, Lang::En, "too early");
        assert!(a.has(r#"class="error" role="alert" data-code="renewal.too_early""#));
        assert!(
            a.has(&format!(
                "Renewal is possible from {}.",
                format_datetime(Lang::En, opens)
            )),
            "{backend}: {}",
            a.body
        );
        assert!(unchanged(&w, &doctor).await, "{backend}");

        // The nurse's name changed in the registers: renewal allowed before
        // the window, saying why and the new name.
        let renamed = support::PROFESSIONALS_JSON.replace(
            r#""surname": "Harjoitus""#,
            r#""surname": "Harjoitus-Uusi""#,
        );
        assert_ne!(renamed, support::PROFESSIONALS_JSON);
        support::sync_professionals_json(&w.store, &renamed).await;
        let a = get(&server, &nurse, "/card?lang=en", &[]).await;
        assert_eq!(a.status, 200, "{backend}: {}", a.body);
        assert!(a.has(r#"data-allowed="true" data-code="""#), "{backend}");
        assert!(a.has(r#"<li data-ground="name-changed">"#), "{backend}");
        assert!(!a.has(r#"data-ground="validity-ending""#), "{backend}");
        assert!(a.has("(Heikki Harjoitus-Uusi)"), "{backend}: {}", a.body);
        assert!(a.has(r#"<form id="renew""#), "{backend}");
        assert!(unchanged(&w, &nurse).await, "{backend}");

        // In the window: the form, then the renewal ordered.
        clock.advance(opens - clock.now() + 7 * 86_400);
        let a = get(&server, &doctor, "/card?lang=fi", &[]).await;
        assert_eq!(a.status, 200, "{backend}: {}", a.body);
        assert!(a.has(r#"data-allowed="true""#), "{backend}");
        assert!(a.has(r#"data-ground="validity-ending""#), "{backend}");
        assert!(a.has(r#"<form id="renew" method="post" action="/card/renew""#));
        let a = post(
            &server,
            &doctor,
            "/card/renew",
            &format!("csrf={doctor_csrf}"),
        )
        .await;
        assert_eq!(a.status, 303, "{backend}: {}", a.body);
        assert_eq!(
            a.header("location"),
            Some("/card?done=renewed"),
            "{backend}"
        );
        let renewals = w
            .store
            .card_orders_replacing(doctor.order.id)
            .await
            .unwrap();
        assert_eq!(renewals.len(), 1, "{backend}");
        let renewal = &renewals[0];
        assert_eq!(renewal.state, "ordered", "{backend}");
        assert_eq!(renewal.point_id, point, "{backend}");
        assert_eq!(
            renewal.created_by,
            format!("holder:{PRESCRIBER}"),
            "{backend}"
        );
        let a = get(&server, &doctor, "/card?done=renewed", &[]).await;
        assert_eq!(a.status, 200, "{backend}: {}", a.body);
        assert_page(&a, Lang::Fi, "renewed (Finnish, the default)");
        assert!(a.has(r#"data-done="renewed""#), "{backend}");
        assert!(
            a.has(&format!(
                r#"id="pending-renewal" data-order="{}" data-state="ordered""#,
                renewal.id
            )),
            "{backend}: {}",
            a.body
        );
        assert!(a.has(r#"data-code="renewal.pending""#), "{backend}");
        assert!(!a.has(r#"id="renew""#), "{backend}");
        // Sent again (a reload of the POST): refused, one renewal only.
        let a = post(
            &server,
            &doctor,
            "/card/renew",
            &format!("csrf={doctor_csrf}"),
        )
        .await;
        assert_eq!(a.status, 409, "{backend}: {}", a.body);
        assert!(a.has(r#"role="alert" data-code="renewal.pending""#));
        assert_eq!(
            w.store
                .card_orders_replacing(doctor.order.id)
                .await
                .unwrap()
                .len(),
            1
        );

        // Revocation: the confirmation and the reason are required.
        for (form, code) in [
            (
                format!("csrf={nurse_csrf}&reason=keyCompromise"),
                "revocation.unconfirmed",
            ),
            (
                format!("csrf={nurse_csrf}&reason=privilegeWithdrawn&confirm=yes"),
                "revocation.reason",
            ),
        ] {
            let a = post(&server, &nurse, "/card/revoke", &form).await;
            assert_eq!(a.status, 422, "{backend}: {code}: {}", a.body);
            assert!(
                a.has(&format!(r#"data-code="{code}""#)),
                "{backend}: {code}"
            );
        }
        assert!(unchanged(&w, &nurse).await, "{backend}");
        let a = post(
            &server,
            &nurse,
            "/card/revoke",
            &format!("csrf={nurse_csrf}&reason=keyCompromise&confirm=yes"),
        )
        .await;
        assert_eq!(a.status, 303, "{backend}: {}", a.body);
        assert_eq!(
            a.header("location"),
            Some("/card?done=revoked"),
            "{backend}"
        );
        let o = w.store.card_order(nurse.order.id).await.unwrap().unwrap();
        assert_eq!(o.state, "revoked", "{backend}");
        for serial in [&o.auth_serial, &o.sign_serial].into_iter().flatten() {
            let c = w.store.certificate(serial).await.unwrap().unwrap();
            assert_eq!(c.status, "revoked", "{backend}: {serial}");
            assert_eq!(c.revocation_reason.as_deref(), Some("keyCompromise"));
        }

        // The revoked card no longer signs in: the page says so (with the
        // notice after the form), the JSON route too, and no form works.
        let a = get(&server, &nurse, "/card?done=revoked&lang=sv", &[]).await;
        assert_eq!(a.status, 403, "{backend}: {}", a.body);
        assert_page(&a, Lang::Sv, "revoked");
        assert!(a.has(r#"data-done="revoked""#), "{backend}");
        assert!(a.has(r#"data-code="revoked""#), "{backend}");
        assert!(!a.has("<form"), "{backend}");
        let a = get(&server, &nurse, "/card/session", &[]).await;
        assert_eq!(a.status, 403, "{backend}");
        assert!(a.has(r#""error":"revoked""#), "{backend}: {}", a.body);
        let a = post(
            &server,
            &nurse,
            "/card/renew",
            &format!("csrf={nurse_csrf}"),
        )
        .await;
        assert_eq!(a.status, 403, "{backend}");
        assert!(a.has(r#"data-code="revoked""#), "{backend}");
        // The doctor's card is untouched by the nurse's revocation.
        let a = get(&server, &doctor, "/card", &[]).await;
        assert_eq!(a.status, 200, "{backend}");
    }
}

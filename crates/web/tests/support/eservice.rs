//! The e-service's test world (issue 4): a real CA (both hierarchies, a real
//! ceremony) on a real store, organisations in the register, and the whole
//! service as `carepki serve` serves it (`service_router_with`, the demo
//! identity provider switched on); people sign up and in through the demo
//! identity provider and the registration API, exactly as a browser or a
//! client would.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use carepki_ca::authority::now_unix;
use carepki_ca::init::{InitOptions, prepare, run_ceremony};
use carepki_ca::{Authority, DataDir};
use carepki_keys::Passphrase;
use carepki_ra::eservice::{EService, EServiceSettings, Principal};
use carepki_store::{OrganisationRow, Store};
use carepki_web::eservice::{EsWeb, SignInMethod};
use carepki_x509::name::{Attr, build_name};
use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};
use serde_json::{Value, json};

use super::{Reply, send};

/// Järvilaakson hyvinvointialue: public, administers `jarvilaakso-hva.fi`.
pub const ORG_A: &str = "1.2.246.10.97835177.10.0";
/// Toisen kunnan sote: public, administers `toinen.fi`.
pub const ORG_B: &str = "1.2.246.10.12345672.10.0";
/// Yksityinen Lääkäriasema Oy: a private provider, administers `laakari.fi`.
pub const PRIVATE: &str = "1.2.246.10.24681357.10.0";
/// The domain of [`ORG_A`].
pub const DOMAIN_A: &str = "jarvilaakso-hva.fi";

/// A small certificate of conformity: a PDF by its contents.
pub const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

fn org_row(
    oid: &str,
    name: &str,
    business_id: &str,
    sector: &str,
    domain: &str,
) -> OrganisationRow {
    OrganisationRow {
        oid: oid.into(),
        name_fi: name.into(),
        name_sv: format!("{name} (sv)"),
        name_en: format!("{name} (en)"),
        business_id: business_id.into(),
        sector: sector.into(),
        kanta_intermediary: false,
        domains: vec![domain.into()],
        created_at: 0,
        updated_at: 0,
    }
}

/// The register's row of [`ORG_A`], administering `domains`.
pub fn org_a(domains: &[&str]) -> OrganisationRow {
    let mut row = org_row(
        ORG_A,
        "Järvilaakson hyvinvointialue",
        "9783517-7",
        "public",
        DOMAIN_A,
    );
    row.domains = domains.iter().map(|d| (*d).to_owned()).collect();
    row
}

/// An organisation in the register that has no customer account yet: the
/// `n`th spare one (`1.2.246.10.<7 digits + check digit>.10.0`).
pub fn spare_org(n: u32) -> String {
    let digits = format!("{:07}", 5_000_000 + n * 7);
    // A business id whose check digit is 1 does not exist: skip those.
    match carepki_policy::org::business_id_check_digit(&digits) {
        Some(c) => format!("1.2.246.10.{digits}{c}.10.0"),
        None => spare_org(n + 1000),
    }
}

fn spare_row(n: u32) -> OrganisationRow {
    let oid = spare_org(n);
    let digits = &oid["1.2.246.10.".len()..oid.len() - ".10.0".len()];
    org_row(
        &oid,
        &format!("Varaorganisaatio {n}"),
        &format!("{}-{}", &digits[..7], &digits[7..]),
        "public",
        &format!("vara{n}.fi"),
    )
}

/// How many spare organisations the register holds.
pub const SPARES: u32 = 16;

/// The service with its e-service, on `store`.
pub struct World {
    /// The whole service, as `carepki serve` serves it.
    pub app: axum::Router,
    /// The e-service behind it.
    pub es: EService,
    /// The CA.
    pub ca: Arc<Authority>,
    _dir: tempfile::TempDir,
}

impl World {
    /// The store.
    pub fn store(&self) -> &Store {
        self.es.store()
    }

    /// The principal of user `user_id` acting for `org`.
    pub async fn principal(&self, user_id: i64, org: Option<&str>) -> Principal {
        self.es.principal_for_user(user_id, org).await.unwrap()
    }
}

/// A world on `store` whose public address is `public_url` (cookies are
/// `Secure` when it is https).
pub async fn world(store: Store, public_url: &str) -> World {
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
    let mut orgs = vec![
        org_a(&[DOMAIN_A]),
        org_row(
            ORG_B,
            "Toisen kunnan sote",
            "1234567-1",
            "public",
            "toinen.fi",
        ),
        org_row(
            PRIVATE,
            "Yksityinen Lääkäriasema Oy",
            "2468135-9",
            "private",
            "laakari.fi",
        ),
    ];
    orgs.extend((0..SPARES).map(spare_row));
    store
        .import_organisations(&orgs, "test", now_unix())
        .await
        .unwrap();
    let ca = Arc::new(Authority::open(data, store, passphrase).await.unwrap());
    let es = EService::new(
        Arc::clone(&ca),
        EServiceSettings::new(vec![42u8; 32], public_url),
    )
    .unwrap();
    let ocsp = carepki_ca::ocsp::OcspService::start(Arc::clone(&ca))
        .await
        .unwrap();
    let web = EsWeb::new(es.clone(), SignInMethod::Demo);
    let app = carepki_web::service_router_with(&ca, ocsp, Some(web));
    World {
        app,
        es,
        ca,
        _dir: dir,
    }
}

/// A fresh client address on the loopback for each sign-in (the sign-in
/// rate limit counts per address).
pub fn next_client() -> SocketAddr {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    SocketAddr::from(([127, 1, (n >> 8) as u8, n as u8], 40_000))
}

/// A signed-in person: his session cookie and its CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// `carepki_session=<token>`, for the `Cookie` header.
    pub cookie: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// His user id.
    pub user_id: i64,
}

/// Who sends a request.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// Nobody: no cookie, no token.
    Anonymous,
    /// A session; changes carry its CSRF token.
    Session(&'a Session),
    /// A session whose changes leave the CSRF token out.
    SessionWithoutCsrf(&'a Session),
    /// An API token.
    Bearer(&'a str),
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Payload {
    /// None.
    Empty,
    /// JSON.
    Json(Value),
    /// Bytes of this content type.
    Raw(&'static str, Vec<u8>),
}

/// A request `method uri` by `auth` with `body`, acting for `org` when given.
pub fn request(
    method: &str,
    uri: &str,
    auth: Auth<'_>,
    org: Option<&str>,
    body: Payload,
) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    match auth {
        Auth::Anonymous => {}
        Auth::Session(s) => {
            req = req.header(header::COOKIE, &s.cookie);
            if method != "GET" {
                req = req.header("x-csrf-token", &s.csrf);
            }
        }
        Auth::SessionWithoutCsrf(s) => req = req.header(header::COOKIE, &s.cookie),
        Auth::Bearer(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
    }
    if let Some(org) = org {
        req = req.header("x-carepki-organisation", org);
    }
    let body = match body {
        Payload::Empty => Body::empty(),
        Payload::Json(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        Payload::Raw(ct, bytes) => {
            req = req.header(header::CONTENT_TYPE, ct);
            Body::from(bytes)
        }
    };
    req.body(body).unwrap()
}

/// Sends `method uri` by `auth` with `body`.
pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    auth: Auth<'_>,
    body: Payload,
) -> Reply {
    send(app, request(method, uri, auth, None, body)).await
}

/// GET page `uri` with `s`'s session, as a browser asks for it (the session
/// cookie, no CSRF header).
pub async fn get_page(w: &World, s: &Session, uri: &str) -> Reply {
    send(
        &w.app,
        Request::get(uri)
            .header(header::COOKIE, &s.cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// POST the form `fields` (`application/x-www-form-urlencoded`) to `uri` with
/// `s`'s session, as a browser sends it (the CSRF token, if any, among the
/// fields).
pub async fn post_page(w: &World, s: &Session, uri: &str, fields: &[(&str, &str)]) -> Reply {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    send(
        &w.app,
        Request::post(uri)
            .header(header::COOKIE, &s.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// The `Set-Cookie` header that sets cookie `name`, if any.
pub fn set_cookie(r: &Reply, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// `name=value` of a `Set-Cookie` header.
pub fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_owned()
}

/// The demo identity provider's sign-in of `identity` from `client`.
pub async fn demo_login(app: &axum::Router, identity: &str, client: SocketAddr) -> Reply {
    let mut req = Request::post("/demo-login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "identity={}&return_to=%2F",
            form_urlencoded::byte_serialize(identity.as_bytes()).collect::<String>()
        )))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(client));
    send(app, req).await
}

/// The session behind a reply that set the session cookie: its CSRF token
/// and user from `GET /api/v1/me`.
pub async fn session_of(app: &axum::Router, r: &Reply) -> Session {
    let set = set_cookie(r, "carepki_session").expect("a session cookie");
    let mut s = Session {
        cookie: cookie_pair(&set),
        csrf: String::new(),
        user_id: 0,
    };
    let me = call(app, "GET", "/api/v1/me", Auth::Session(&s), Payload::Empty).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    let me = me.json();
    s.csrf = me["csrf_token"].as_str().unwrap().to_owned();
    s.user_id = me["user"]["id"].as_i64().unwrap();
    s
}

/// A new person signs in through the demo identity provider and registers
/// through the API (`POST /api/v1/register` with the CSRF token of
/// `GET /register`): his session.
pub async fn sign_up(app: &axum::Router, identity: &str, name: &str) -> Session {
    let r = demo_login(app, identity, next_client()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.headers[header::LOCATION], "/register");
    let reg = cookie_pair(&set_cookie(&r, "carepki_register").expect("registration cookie"));
    let form = send(
        app,
        Request::get("/register")
            .header(header::COOKIE, &reg)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.headers["x-csrf-token"].to_str().unwrap().to_owned();
    let r = send(
        app,
        Request::post("/api/v1/register")
            .header(header::COOKIE, &reg)
            .header("x-csrf-token", csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({
                    "display_name": name,
                    "email": format!("{}@example.fi", name.to_lowercase().replace(' ', ".")),
                    "language": "fi",
                })
                .to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    session_of(app, &r).await
}

/// Signs `identity` up and creates the customer account of `org`
/// (`POST /api/v1/accounts`): its administrator.
pub async fn admin_of(w: &World, identity: &str, name: &str, org: &str) -> Session {
    let s = sign_up(&w.app, identity, name).await;
    let r = call(
        &w.app,
        "POST",
        "/api/v1/accounts",
        Auth::Session(&s),
        Payload::Json(json!({ "org_oid": org })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    s
}

/// Signs `identity` up as a CA officer.
pub async fn officer(w: &World, identity: &str) -> Session {
    let s = sign_up(&w.app, identity, "Olli Officer").await;
    w.store()
        .grant_global_role(s.user_id, "ca-officer", "test", now_unix())
        .await
        .unwrap();
    s
}

/// A registered person signs in again: a new session of his.
pub async fn sign_in(app: &axum::Router, identity: &str) -> Session {
    let r = demo_login(app, identity, next_client()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    session_of(app, &r).await
}

/// A DER certificate request from a fresh P-256 key, subject `CN=cn`.
pub fn csr_der(cn: &str) -> Vec<u8> {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let spki = key.public_key().as_der().unwrap();
    let subject = build_name(&[(Attr::CommonName, cn)]).unwrap();
    let rng = SystemRandom::new();
    carepki_x509::csr::build_request(
        &subject,
        spki.as_ref(),
        SignatureAlgorithm::EcdsaSha256,
        |m| {
            key.sign(&rng, m)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| "sign".to_owned())
        },
    )
    .unwrap()
}

/// The same, PEM.
pub fn csr_pem(cn: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(csr_der(cn));
    let mut pem = String::from("-----BEGIN CERTIFICATE REQUEST-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE REQUEST-----\n");
    pem
}

/// A staff card of `org` (issue 5, point 7): a registration point of `org`
/// with two approved registrars orders it, and it is produced as a card
/// would be but with two software P-256 keys instead of a token (both
/// certificates issued by the CA). Answers the produced order.
pub async fn staff_card(w: &World, org: &str, surname: &str) -> carepki_store::CardOrderRow {
    staff_card_on(w.store(), &w.ca, org, surname).await
}

/// [`staff_card`] on any store and CA (for test files with a world of their own).
pub async fn staff_card_on(
    store: &Store,
    ca: &Arc<Authority>,
    org: &str,
    surname: &str,
) -> carepki_store::CardOrderRow {
    use carepki_ra::cards::{CardService, IdentityCheck, Officer, OrderInput};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let now = now_unix();
    let cards = CardService::new(store.clone(), Some(Arc::clone(ca)));
    let officer = Officer::cli("cli:officer");
    let point = cards
        .create_point(&officer, org, "Rekisteröintipiste", true, now)
        .await
        .unwrap();
    let mut registrar = 0;
    for _ in 0..2 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let user = store
            .create_user(
                &carepki_store::NewUser {
                    subject_hash: carepki_store::subject_hash(&[9u8; 32], &format!("reg{n}")),
                    display_name: format!("Rekisteröijä {n}"),
                    email: format!("reg{n}@example.fi"),
                    language: "fi".into(),
                },
                "test",
                now,
            )
            .await
            .unwrap();
        let r = cards
            .add_registrar(&officer, point.id, user.id, "koulutus.pdf", PDF, now)
            .await
            .unwrap();
        cards.approve_registrar(&officer, r.id, now).await.unwrap();
        registrar = user.id;
    }
    let order = cards
        .order(
            registrar,
            point.id,
            &OrderInput {
                kind: "staff".into(),
                identity: Some(IdentityCheck {
                    document_type: "passport".into(),
                    document_number: "XP1234567".into(),
                    issuing_country: "FI".into(),
                    expires: "2031-12-31".into(),
                }),
                given_name: Some("Sanna".into()),
                surname: Some(surname.into()),
                title: Some("Osastosihteeri".into()),
                org_oid: Some(org.into()),
                email: Some("sanna@example.fi".into()),
                ..OrderInput::default()
            },
            now,
        )
        .await
        .unwrap()
        .remove(0);
    produce_without_token_on(store, ca, &order, now).await
}

/// Produces order `order` as a card would be, but with two software P-256
/// keys instead of a token: both certificates issued by the CA and the order
/// `produced` with their serials (as `produce_without_token` of the RA's
/// tests). For tests whose subject is not the token.
pub async fn produce_without_token(
    w: &World,
    order: &carepki_store::CardOrderRow,
    now: i64,
) -> carepki_store::CardOrderRow {
    produce_without_token_on(w.store(), &w.ca, order, now).await
}

/// [`produce_without_token`] on any store and CA.
pub async fn produce_without_token_on(
    store: &Store,
    ca: &Arc<Authority>,
    order: &carepki_store::CardOrderRow,
    now: i64,
) -> carepki_store::CardOrderRow {
    let spki = || {
        EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
            .unwrap()
            .public_key()
            .as_der()
            .unwrap()
            .as_ref()
            .to_vec()
    };
    super::softcard::produce_with_keys(store, ca, order, spki(), spki(), now)
        .await
        .0
}

/// The content type of [`multipart`] bodies.
pub const MULTIPART: &str = "multipart/form-data; boundary=carepki-test-boundary-7f3a";

/// A `multipart/form-data` body of text fields and, when `file` is given, a
/// file field `file` with its name and bytes.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let boundary = "carepki-test-boundary-7f3a";
    let mut out = Vec::new();
    for (name, value) in fields {
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// A registration point of `org` (issue 5, point 3; R-REG-POINT) whose
/// approved registrars are the e-service users `registrars` (an officer
/// creates it and approves each). Answers the point's id.
pub async fn registrar_point(w: &World, org: &str, name: &str, registrars: &[i64]) -> i64 {
    use carepki_ra::cards::Officer;
    let now = now_unix();
    let cards = w.es.cards();
    let officer = Officer::cli("cli:officer");
    let point = cards
        .create_point(&officer, org, name, true, now)
        .await
        .unwrap();
    for user in registrars {
        let r = cards
            .add_registrar(&officer, point.id, *user, "koulutus.pdf", PDF, now)
            .await
            .unwrap();
        cards.approve_registrar(&officer, r.id, now).await.unwrap();
    }
    point.id
}

/// A staff card order for `org` as the order API and the page take it
/// (a valid passport, names, title, email).
pub fn staff_order(org: &str, surname: &str) -> Value {
    json!({
        "kind": "staff",
        "identity": {
            "document_type": "passport",
            "document_number": "XP7654321",
            "issuing_country": "FI",
            "expires": "2031-12-31",
        },
        "given_name": "Kalle",
        "surname": surname,
        "title": "Osastosihteeri",
        "org_oid": org,
        "email": "kalle@example.fi",
    })
}

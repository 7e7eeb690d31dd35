//! The e-service's pages (docs/ESERVICE-PAGES.md) through the router, as a
//! browser without JavaScript uses them: a cookie jar, forms sent as
//! `application/x-www-form-urlencoded` or `multipart/form-data`, redirects
//! read off `Location`. Sign-in is the demo identity provider's.
//!
//! Every page renders in Finnish, Swedish and English with no missing message
//! and with the contract's ids; every form needs its CSRF token; attacker
//! input (organisation names, CSR subjects, officers' words) stays escaped;
//! the whole journey — customer account, application, technical contact,
//! CSR upload, submission, an officer's approval, the certificate,
//! revocation — goes through the forms with post/redirect/get.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use carepki_ca::Authority;
use carepki_ca::authority::now_unix;
use carepki_ra::eservice::{EService, EServiceSettings};
use carepki_store::{OrganisationRow, Store, subject_hash};
use carepki_web::eservice::pages::{
    APPLICABLE_PROFILES, APPLICATION_ACTIONS, DONE, error_message_id,
};
use carepki_web::eservice::{EsWeb, SignInMethod};
use carepki_web::i18n::{self, Lang, MISSING_MARK};
use carepki_x509::SignatureAlgorithm;
use carepki_x509::name::{Attr, build_name};
use http_body_util::BodyExt;
use tower::ServiceExt;

#[path = "../../ca/tests/common/mod.rs"]
mod common;
mod support;

const ORG: &str = "1.2.246.10.97835177.10.0";
const EVIL_ORG: &str = "1.2.246.10.97835177.10.9";
const PRIVATE_ORG: &str = "1.2.246.10.24681357.10.0";
const KANTA_ORG: &str = "1.2.246.10.13572468.10.0";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
const SUBJECT_KEY: [u8; 32] = [42u8; 32];

fn organisations() -> Vec<OrganisationRow> {
    let row = |oid: &str, fi: &str, sv: &str, en: &str, domain: &str| OrganisationRow {
        oid: oid.into(),
        name_fi: fi.into(),
        name_sv: sv.into(),
        name_en: en.into(),
        business_id: "9783517-7".into(),
        sector: "public".into(),
        kanta_intermediary: false,
        domains: vec![domain.into()],
        created_at: 0,
        updated_at: 0,
    };
    let mut private = row(
        PRIVATE_ORG,
        "Yksityinen Lääkäriasema Oy",
        "Privata Läkarstationen Ab",
        "Private Medical Centre Ltd",
        "laakari.fi",
    );
    private.sector = "private".into();
    private.business_id = "2468135-9".into();
    let mut kanta = row(
        KANTA_ORG,
        "Välittäjäpalvelu Oy",
        "Förmedlingstjänst Ab",
        "Intermediary Services Ltd",
        "valittaja.fi",
    );
    kanta.sector = "private".into();
    kanta.business_id = "1357246-8".into();
    kanta.kanta_intermediary = true;
    vec![
        kanta,
        row(
            ORG,
            "Järvilaakson hyvinvointialue",
            "Sjödalens välfärdsområde",
            "Lake Valley Wellbeing County",
            "jarvilaakso-hva.fi",
        ),
        row(
            EVIL_ORG,
            "<script>alert('fi')</script> Oy",
            "<script>alert('sv')</script> Ab",
            "<script>alert('en')</script> Ltd",
            "evil.example.fi",
        ),
        private,
    ]
}

struct World {
    app: Router,
    store: Store,
    _ca: Arc<Authority>,
    _dir: tempfile::TempDir,
    _guard: carepki_store::testing::Guard,
}

async fn world_on(store: Store, guard: carepki_store::testing::Guard) -> World {
    let dir = tempfile::tempdir().unwrap();
    let ca = common::authority_with(store.clone(), dir.path(), "", &organisations()).await;
    let es = EService::new(
        Arc::clone(&ca),
        EServiceSettings::new(SUBJECT_KEY.to_vec(), "http://pki.example.fi"),
    )
    .unwrap();
    let app = carepki_web::eservice::router(EsWeb::new(es, SignInMethod::Demo));
    World {
        app,
        store,
        _ca: ca,
        _dir: dir,
        _guard: guard,
    }
}

async fn world() -> World {
    let (store, guard) = carepki_store::testing::sqlite_store().await;
    world_on(store, guard).await
}

// ---------------------------------------------------------------------------------
// A browser: a cookie jar and forms
// ---------------------------------------------------------------------------------

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_else(|| panic!("no Location ({}): {}", self.status, self.html))
    }

    /// A 303 to `to`.
    fn assert_see_other(&self, to: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.html);
        assert_eq!(self.location(), to);
    }
}

struct Browser<'a> {
    app: &'a Router,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a Router) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
        }
    }

    async fn send(&mut self, mut req: Request<Body>) -> Reply {
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req.headers_mut()
                .insert(header::COOKIE, jar.join("; ").parse().unwrap());
        }
        let resp = self.app.clone().oneshot(req).await.unwrap();
        for c in resp.headers().get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            html: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn get(&mut self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn post_file(
        &mut self,
        uri: &str,
        fields: &[(&str, &str)],
        filename: &str,
        bytes: &[u8],
    ) -> Reply {
        let boundary = "----carepkitestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post(uri)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

/// The part of `html` from the element with `id` to the end of its form (or
/// 4000 characters).
fn section<'h>(html: &'h str, id: &str) -> &'h str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    let end = rest.find("</form>").unwrap_or(rest.len().min(4000));
    &rest[..end]
}

/// The value of the field `name` in the form with `id`.
fn field(html: &str, form: &str, name: &str) -> String {
    let s = section(html, form);
    let marker = format!("name=\"{name}\" value=\"");
    let at = s
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in #{form}: {s}"));
    let v = &s[at + marker.len()..];
    unescape(&v[..v.find('"').unwrap()])
}

/// Text of an HTML attribute, unescaped (minijinja escapes `/` too).
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn has_id(html: &str, id: &str) -> bool {
    html.contains(&format!("id=\"{id}\""))
}

fn assert_ids(html: &str, ids: &[&str], what: &str) {
    for id in ids {
        assert!(has_id(html, id), "{what}: no #{id} in {html}");
    }
}

/// Every message id of the pages (those with a `-`: ids like `yes` are
/// words too).
fn message_ids() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/en");
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some((id, _)) = line.split_once(" = ")
                && id.contains('-')
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                ids.insert(id.to_owned());
            }
        }
    }
    ids
}

/// The text of `html`, without its tags and its style sheet.
fn text_of(html: &str) -> String {
    let html = match (html.find("<style>"), html.find("</style>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b..]),
        _ => html.to_owned(),
    };
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A page in `lang`: 200, its language, no missing message, no Fluent error,
/// no raw message id in its text, the language links, and the e-service's
/// headers.
fn assert_page(r: &Reply, lang: Lang, ids: &BTreeSet<String>, what: &str) {
    assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.html);
    let code = lang.code();
    assert!(
        r.html.contains(&format!("<html lang=\"{code}\">")),
        "{what}: {}",
        r.html
    );
    assert!(!r.html.contains(MISSING_MARK), "{what}: {}", r.html);
    assert!(!r.html.contains("{$") && !r.html.contains("{ $"), "{what}");
    let text = text_of(&r.html);
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        assert!(!ids.contains(word), "{what}: raw message id {word:?}");
    }
    for other in Lang::ALL {
        assert!(
            r.html.contains(&format!("hreflang=\"{}\"", other.code())),
            "{what}: language links"
        );
    }
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store", "{what}");
    assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY", "{what}");
}

// ---------------------------------------------------------------------------------
// People and files
// ---------------------------------------------------------------------------------

/// Signs a new person up through the demo identity provider and the
/// registration form, going to `return_to` after.
async fn sign_up(b: &mut Browser<'_>, identity: &str, name: &str, return_to: &str) {
    let r = b
        .get(&format!(
            "/login?return_to={}",
            form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/demo-login?return_to="));
    let r = b.get(r.location()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.html);
    assert_ids(&r.html, &["demo-login", "demo-login-submit"], "demo-login");
    let rt = field(&r.html, "demo-login", "return_to");
    assert_eq!(rt, return_to);
    let r = b
        .post("/demo-login", &[("identity", identity), ("return_to", &rt)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    assert!(r.location().starts_with("/register"), "{}", r.location());
    let r = b.get(r.location()).await;
    assert_ids(&r.html, &["register", "register-submit"], "register");
    let csrf = field(&r.html, "register", "csrf");
    let rt = field(&r.html, "register", "return_to");
    let email = format!("{}@example.fi", identity.to_ascii_lowercase());
    let r = b
        .post(
            "/register",
            &[
                ("csrf", &csrf),
                ("display_name", name),
                ("email", &email),
                ("language", "fi"),
                ("return_to", &rt),
            ],
        )
        .await;
    r.assert_see_other(return_to);
    assert!(b.cookies.contains_key("carepki_session"));
    // The pages speak the language he chose.
    assert_eq!(b.cookies.get("lang").map(String::as_str), Some("fi"));
}

/// Makes the person with `identity` a CA officer.
async fn make_officer(store: &Store, identity: &str) {
    let hash = subject_hash(&SUBJECT_KEY, &format!("demo:{identity}"));
    let user = store.user_by_subject_hash(&hash).await.unwrap().unwrap();
    store
        .grant_global_role(user.id, "ca-officer", "test", now_unix())
        .await
        .unwrap();
}

/// A DER CSR with this CN (a server certificate takes its DNS name from it).
fn csr(cn: &str) -> Vec<u8> {
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

/// An administrator of `org` with a new application of `profile`: answers
/// the application's path.
async fn admin_with_application(
    b: &mut Browser<'_>,
    identity: &str,
    org: &str,
    profile: &str,
) -> String {
    sign_up(b, identity, identity, "/").await;
    let r = b.get("/account").await;
    let csrf = field(&r.html, "create-account", "csrf");
    let r = b
        .post("/account", &[("csrf", &csrf), ("org_oid", org)])
        .await;
    r.assert_see_other("/account?done=account-created");
    let r = b.get("/applications").await;
    let csrf = field(&r.html, "new-application", "csrf");
    let r = b
        .post("/applications", &[("csrf", &csrf), ("profile", profile)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let to = r.location().to_owned();
    assert!(to.ends_with("?done=created"), "{to}");
    to.trim_end_matches("?done=created").to_owned()
}

// ---------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn signed_out_pages_redirect_to_the_sign_in() {
    let w = world().await;
    let mut b = Browser::new(&w.app);
    for (path, back) in [
        ("/account", "%2Faccount"),
        ("/applications", "%2Fapplications"),
        ("/applications/1", "%2Fapplications%2F1"),
        ("/queue", "%2Fqueue"),
        ("/certificates", "%2Fcertificates"),
        ("/certificates/0a1b", "%2Fcertificates%2F0a1b"),
        ("/revoke", "%2Frevoke"),
        ("/revoke?serial=0a1b", "%2Frevoke%3Fserial%3D0a1b"),
        ("/invitations/abc", "%2Finvitations%2Fabc"),
    ] {
        let r = b.get(path).await;
        r.assert_see_other(&format!("/login?return_to={back}"));
    }
    // A form sent without a session changes nothing and goes to the sign-in.
    let r = b
        .post("/applications", &[("csrf", "x"), ("profile", "server")])
        .await;
    r.assert_see_other("/login?return_to=%2Fapplications");
    // The home page signed out: the way in.
    let ids = message_ids();
    for lang in Lang::ALL {
        let r = b.get(&format!("/?lang={}", lang.code())).await;
        assert_page(&r, lang, &ids, "home signed out");
        assert_ids(&r.html, &["sign-in"], "home");
        assert!(r.html.contains("href=\"/login\""));
        assert!(!has_id(&r.html, "sign-out"));
    }
}

#[tokio::test]
async fn every_page_in_every_language_with_the_contract_ids() {
    let w = world().await;
    let ids = message_ids();
    let mut admin = Browser::new(&w.app);
    let app = admin_with_application(&mut admin, "010180-9026", ORG, "server").await;
    // The CSR, submitted.
    let r = admin.get(&app).await;
    let (csrf, version) = (
        field(&r.html, "upload-csr", "csrf"),
        field(&r.html, "upload-csr", "version"),
    );
    let r = admin
        .post_file(
            &format!("{app}/csr"),
            &[("csrf", &csrf), ("version", &version)],
            "www.csr",
            &csr("www.jarvilaakso-hva.fi"),
        )
        .await;
    r.assert_see_other(&format!("{app}?done=csr"));
    let draft = admin.get(&app).await;
    let r = admin
        .post(
            &format!("{app}/submit"),
            &[
                ("csrf", &field(&draft.html, "submit-application", "csrf")),
                (
                    "version",
                    &field(&draft.html, "submit-application", "version"),
                ),
            ],
        )
        .await;
    r.assert_see_other(&format!("{app}?done=submit"));
    // A second, still a draft, of a system signature certificate.
    let r = admin.get("/applications").await;
    let csrf = field(&r.html, "new-application", "csrf");
    let r = admin
        .post(
            "/applications",
            &[("csrf", &csrf), ("profile", "system-signature")],
        )
        .await;
    let syssig = r.location().trim_end_matches("?done=created").to_owned();
    // A certificate, issued by an officer.
    let mut officer = Browser::new(&w.app);
    sign_up(&mut officer, "020270-903P", "Olli Officer", "/").await;
    make_officer(&w.store, "020270-903P").await;
    for action in ["start-review", "approve"] {
        let r = officer.get(&app).await;
        let r = officer
            .post(
                &format!("{app}/{action}"),
                &[
                    ("csrf", &field(&r.html, action, "csrf")),
                    ("version", &field(&r.html, action, "version")),
                ],
            )
            .await;
        r.assert_see_other(&format!("{app}?done={action}"));
    }
    let r = admin.get(&app).await;
    let href = section(&r.html, "certificate-link");
    let serial = href
        .split("/certificates/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    let certificate = format!("/certificates/{serial}");
    let revoke = format!("/revoke?serial={serial}");
    let frame = ["user-name", "acting-for", "sign-out", "sign-out-submit"];
    let pages: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "/",
            "admin",
            vec![
                "nav-applications",
                "nav-certificates",
                "nav-revoke",
                "nav-account",
                "choose-org",
                "choose-org-submit",
            ],
        ),
        (
            "/account",
            "admin",
            vec![
                "create-account",
                "create-account-submit",
                "members",
                "invitations",
                "invite",
                "invite-submit",
                "api-tokens",
                "new-api-token",
                "new-api-token-submit",
            ],
        ),
        (
            "/applications",
            "admin",
            vec!["applications", "new-application", "new-application-submit"],
        ),
        (
            &app,
            "admin",
            vec![
                "state",
                "timeline",
                "attachments",
                "csr-summary",
                "certificate-link",
            ],
        ),
        (
            &syssig,
            "admin",
            vec![
                "state",
                "timeline",
                "attachments",
                "missing",
                "upload-csr",
                "upload-csr-submit",
                "upload-conformity",
                "syssig-basis",
                "invite-contact",
                "invite-contact-submit",
                "submit-application",
                "submit-application-submit",
                "withdraw",
            ],
        ),
        ("/certificates", "admin", vec!["certificates"]),
        (
            &certificate,
            "admin",
            vec![
                "certificate",
                "status",
                "download-der",
                "download-pem",
                "download-chain",
                "revoke",
            ],
        ),
        (
            "/revoke",
            "admin",
            vec!["revoke-lookup", "revoke-lookup-submit"],
        ),
        (
            &revoke,
            "admin",
            vec![
                "revoke-preview",
                "irreversible",
                "revoke-confirm",
                "revoke-confirm-submit",
            ],
        ),
        ("/queue", "officer", vec!["queue", "nav-queue"]),
        (&app, "officer", vec!["state", "timeline"]),
        (
            "/invitations/some-token",
            "admin",
            vec!["accept-invitation", "accept-invitation-submit"],
        ),
    ];
    for lang in Lang::ALL {
        let code = lang.code();
        for (path, who, want) in &pages {
            let b = if *who == "admin" {
                &mut admin
            } else {
                &mut officer
            };
            let sep = if path.contains('?') { '&' } else { '?' };
            let r = b.get(&format!("{path}{sep}lang={code}")).await;
            let what = format!("{path} as {who} in {code}");
            assert_page(&r, lang, &ids, &what);
            assert_ids(&r.html, &frame, &what);
            assert_ids(&r.html, want, &what);
        }
        // Text in the language, dates the local way.
        let r = admin.get(&format!("{app}?lang={code}")).await;
        let state = i18n::t(lang, "state-issued");
        assert!(r.html.contains(&state), "{code}: {state}");
        assert!(r.html.contains("data-state=\"issued\""));
        let title = i18n::t(lang, "profile-server");
        assert!(r.html.contains(&title), "{code}: {title}");
        for action in [
            "create",
            "attach-csr",
            "submit",
            "start-review",
            "approve",
            "mark-issued",
        ] {
            assert!(
                r.html.contains(&format!("data-action=\"{action}\"")),
                "{code}: timeline {action}"
            );
        }
        let day = i18n::format_date(lang, now_unix());
        assert!(r.html.contains(&day), "{code}: {day}");
        // R-LONGNAME: the long name of the register in the CSR summary.
        assert!(
            section(&r.html, "csr-summary").contains("O=Järvilaakson hyvinvointialue"),
            "{}",
            r.html
        );
        // The header: who and for whom (R-ACCOUNT).
        let acting = section(&r.html, "acting-for");
        let name = match lang {
            Lang::Fi => "Järvilaakson hyvinvointialue",
            Lang::Sv => "Sjödalens välfärdsområde",
            Lang::En => "Lake Valley Wellbeing County",
        };
        assert!(acting.contains(name), "{code}: {acting}");
    }
    // The signed-out pages of the sign-in.
    let mut stranger = Browser::new(&w.app);
    for lang in Lang::ALL {
        let r = stranger
            .get(&format!("/demo-login?lang={}", lang.code()))
            .await;
        assert_page(&r, lang, &ids, "demo-login");
        assert!(r.html.contains("class=\"demo\""));
    }
}

#[tokio::test]
async fn forms_without_their_csrf_token_change_nothing() {
    let w = world().await;
    let mut b = Browser::new(&w.app);
    let app = admin_with_application(&mut b, "010180-9026", ORG, "server").await;
    let id: i64 = app.rsplit('/').next().unwrap().parse().unwrap();
    let before = w.store.applications_of_org(ORG).await.unwrap();
    for lang in Lang::ALL {
        for csrf in [None, Some(""), Some("00ff")] {
            let mut fields = vec![("profile", "server")];
            if let Some(c) = csrf {
                fields.push(("csrf", c));
            }
            let r = b
                .post(&format!("/applications?lang={}", lang.code()), &fields)
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
            assert!(r.html.contains("data-code=\"csrf\""), "{}", r.html);
            let msg = i18n::t(lang, "error-csrf");
            assert!(
                r.html.contains(&msg.replace('\'', "&#x27;")),
                "{msg}: {}",
                r.html
            );
        }
    }
    let page = b.get(&app).await;
    let version = field(&page.html, "submit-application", "version");
    let r = b
        .post(&format!("{app}/submit"), &[("version", &version)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .post_file(
            &format!("{app}/csr"),
            &[("version", &version), ("csrf", "forged")],
            "www.csr",
            &csr("www.jarvilaakso-hva.fi"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
    let r = b
        .post(
            "/account/invitations",
            &[("email", "x@example.fi"), ("role", "org-user")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b.post("/organisation", &[("org_oid", ORG)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Nothing changed: the same applications, still a draft with no
    // attachment, no invitation; still signed in.
    assert_eq!(w.store.applications_of_org(ORG).await.unwrap(), before);
    assert!(w.store.attachments(id).await.unwrap().is_empty());
    assert!(w.store.invitations_of_org(ORG).await.unwrap().is_empty());
    let r = b.get("/account").await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn attacker_input_stays_escaped() {
    let w = world().await;
    let mut b = Browser::new(&w.app);
    // The organisation's name (from the register) in the header and lists.
    let app =
        admin_with_application(&mut b, "010180-9026", EVIL_ORG, "test-system-signature").await;
    // A CSR whose subject is markup (a system name is free text).
    let page = b.get(&app).await;
    let r = b
        .post_file(
            &format!("{app}/csr"),
            &[
                ("csrf", &field(&page.html, "upload-csr", "csrf")),
                ("version", &field(&page.html, "upload-csr", "version")),
            ],
            "<img src=x onerror=alert(1)>.csr",
            &csr("<script>alert(1)</script>"),
        )
        .await;
    r.assert_see_other(&format!("{app}?done=csr"));
    for lang in Lang::ALL {
        let code = lang.code();
        for path in ["/", "/account", "/applications", &app] {
            let r = b.get(&format!("{path}?lang={code}")).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(!r.html.contains("<script"), "{path} {code}: {}", r.html);
            assert!(!r.html.contains("<img"), "{path} {code}: {}", r.html);
            assert!(
                r.html
                    .contains(&format!("&lt;script&gt;alert(&#x27;{code}&#x27;)")),
                "{path} {code}: {}",
                r.html
            );
        }
        let r = b.get(&format!("{app}?lang={code}")).await;
        let summary = section(&r.html, "csr-summary");
        assert!(
            summary.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{summary}"
        );
        assert!(r.html.contains("&lt;img src=x onerror=alert(1)&gt;.csr"));
    }
    // A CSR refused by the profile: its problems quote the request, escaped.
    let mut b2 = Browser::new(&w.app);
    let app2 = admin_with_application(&mut b2, "030390-9035", ORG, "server").await;
    let page = b2.get(&app2).await;
    let r = b2
        .post_file(
            &format!("{app2}/csr"),
            &[
                ("csrf", &field(&page.html, "upload-csr", "csrf")),
                ("version", &field(&page.html, "upload-csr", "version")),
            ],
            "x.csr",
            &csr("<b>x</b>.evil.example"),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.html);
    assert!(!r.html.contains("<b>"), "{}", r.html);
    // An officer's message and rejection reason.
    let page = b.get(&app).await;
    let r = b
        .post(
            &format!("{app}/syssig-basis"),
            &[
                ("csrf", &field(&page.html, "syssig-basis", "csrf")),
                ("version", &field(&page.html, "syssig-basis", "version")),
                ("basis", "administers-system"),
            ],
        )
        .await;
    r.assert_see_other(&format!("{app}?done=syssig-basis"));
    let page = b.get(&app).await;
    let r = b
        .post(
            &format!("{app}/submit"),
            &[
                ("csrf", &field(&page.html, "submit-application", "csrf")),
                (
                    "version",
                    &field(&page.html, "submit-application", "version"),
                ),
            ],
        )
        .await;
    r.assert_see_other(&format!("{app}?done=submit"));
    let mut officer = Browser::new(&w.app);
    sign_up(&mut officer, "020270-903P", "Olli", "/").await;
    make_officer(&w.store, "020270-903P").await;
    let page = officer.get(&app).await;
    let r = officer
        .post(
            &format!("{app}/request-more-info"),
            &[
                ("csrf", &field(&page.html, "request-more-info", "csrf")),
                (
                    "version",
                    &field(&page.html, "request-more-info", "version"),
                ),
                ("message", "<script>alert('officer')</script> please fix"),
            ],
        )
        .await;
    r.assert_see_other(&format!("{app}?done=request-more-info"));
    for r in [b.get(&app).await, officer.get(&app).await] {
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(
            r.html.contains(
                "&lt;script&gt;alert(&#x27;officer&#x27;)&lt;&#x2f;script&gt; please fix"
            ),
            "{}",
            r.html
        );
        assert!(has_id(&r.html, "officer-message"));
    }
}

/// The whole journey through the forms, on every store (SQLite, and
/// PostgreSQL when configured).
#[tokio::test]
async fn the_journey_through_the_forms() {
    for (label, store, guard) in carepki_store::testing::test_stores().await {
        eprintln!("journey on {label}");
        let w = world_on(store, guard).await;
        journey(&w).await;
    }
}

async fn journey(w: &World) {
    let ids = message_ids();
    // The applicant: signs up, creates the customer account, starts an
    // application.
    let mut alice = Browser::new(&w.app);
    let app = admin_with_application(&mut alice, "010180-9026", ORG, "server").await;
    let id: i64 = app.rsplit('/').next().unwrap().parse().unwrap();
    let r = alice.get(&format!("{app}?done=created&lang=sv")).await;
    assert_page(&r, Lang::Sv, &ids, "new application");
    assert!(r.html.contains("data-done=\"created\""));
    assert!(section(&r.html, "missing").contains("data-code=\"requirement.csr\""));
    assert!(r.html.contains(&i18n::t(Lang::Sv, "requirement-csr")));
    // She invites the technical contact (R-CSR).
    let r = alice
        .post(
            &format!("{app}/invite-contact"),
            &[
                ("csrf", &field(&r.html, "invite-contact", "csrf")),
                ("version", &field(&r.html, "invite-contact", "version")),
                ("email", "vendor@it.example"),
                ("language", "sv"),
            ],
        )
        .await;
    r.assert_see_other(&format!("{app}?done=invite-contact"));
    let mail = w
        .store
        .claim_due_mail("test", now_unix() + 1, 60, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.dedupe_key.starts_with("invitation:"))
        .expect("the invitation mail");
    assert!(mail.recipient.contains("vendor@it.example"));
    let link = mail
        .body_text
        .split_whitespace()
        .find(|w| w.starts_with("http://pki.example.fi/invitations/"))
        .unwrap();
    let invitation = link.trim_start_matches("http://pki.example.fi");

    // The technical contact: the link, the sign-in, the registration, back to
    // the invitation, which he accepts.
    let mut vendor = Browser::new(&w.app);
    let r = vendor.get(invitation).await;
    assert!(
        r.location()
            .starts_with("/login?return_to=%2Finvitations%2F")
    );
    sign_up(&mut vendor, "040485-9052", "Ville Vendor", invitation).await;
    let r = vendor.get(&format!("{invitation}?lang=sv")).await;
    assert_page(&r, Lang::Sv, &ids, "invitation");
    let r = vendor
        .post(
            invitation,
            &[("csrf", &field(&r.html, "accept-invitation", "csrf"))],
        )
        .await;
    r.assert_see_other(&format!("{app}?done=invitation-accepted"));
    // He attaches the CSR; the page shows it in plain words (R-CSR,
    // R-LONGNAME).
    let r = vendor.get(&app).await;
    assert!(section(&r.html, "acting-for").contains("Sjödalens välfärdsområde"));
    assert!(
        !has_id(&r.html, "submit-application"),
        "only the applicant submits"
    );
    let r = vendor
        .post_file(
            &format!("{app}/csr"),
            &[
                ("csrf", &field(&r.html, "upload-csr", "csrf")),
                ("version", &field(&r.html, "upload-csr", "version")),
            ],
            "www.csr",
            &csr("www.jarvilaakso-hva.fi"),
        )
        .await;
    r.assert_see_other(&format!("{app}?done=csr"));
    let r = vendor.get(&format!("{app}?done=csr")).await;
    assert!(r.html.contains("data-done=\"csr\""));
    let summary = section(&r.html, "csr-summary");
    assert!(summary.contains("ECDSA P-256"), "{summary}");
    assert!(summary.contains("www.jarvilaakso-hva.fi"), "{summary}");
    assert!(
        summary.contains("O=Järvilaakson hyvinvointialue"),
        "{summary}"
    );
    assert!(section(&r.html, "attachments").contains("data-kind=\"csr\""));

    // The applicant submits; the same form sent again is refused with the
    // translated conflict, nothing changed.
    let page = alice.get(&format!("{app}?lang=fi")).await;
    assert!(!has_id(&page.html, "missing"));
    let submit = [
        ("csrf", field(&page.html, "submit-application", "csrf")),
        (
            "version",
            field(&page.html, "submit-application", "version"),
        ),
    ];
    let submit: Vec<(&str, &str)> = submit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = alice.post(&format!("{app}/submit"), &submit).await;
    r.assert_see_other(&format!("{app}?done=submit"));
    let r = alice.get(&format!("{app}?done=submit")).await;
    assert!(section(&r.html, "state").contains("data-state=\"submitted\""));
    assert!(has_id(&r.html, "due"), "R-SLA: the due date");
    let version_after = w.store.application(id).await.unwrap().unwrap().version;
    let r = alice.post(&format!("{app}/submit"), &submit).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
    assert!(
        r.html.contains("data-code=\"application.changed\""),
        "{}",
        r.html
    );
    assert!(r.html.contains("class=\"error\""));
    let conflict = i18n::t(Lang::Fi, "error-application-changed");
    assert!(r.html.contains(&conflict), "{}", r.html);
    assert_eq!(
        w.store.application(id).await.unwrap().unwrap().version,
        version_after
    );
    // The technical contact may not submit, even by hand.
    let r = vendor.get(&app).await;
    assert!(!has_id(&r.html, "upload-csr"), "edited after submission");

    // The officer: the queue (R-SLA), the review, the approval; the CA issues.
    let mut olli = Browser::new(&w.app);
    sign_up(&mut olli, "020270-903P", "Olli Officer", "/").await;
    let r = olli.get("/queue").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not yet an officer");
    assert!(r.html.contains("data-code=\"officer_only\""));
    make_officer(&w.store, "020270-903P").await;
    let r = olli.get("/queue?lang=en").await;
    assert_page(&r, Lang::En, &ids, "queue");
    let row = section(&r.html, "queue");
    assert!(
        row.contains(&format!("data-application-id=\"{id}\"")),
        "{row}"
    );
    let due = w
        .store
        .application(id)
        .await
        .unwrap()
        .unwrap()
        .due_at
        .unwrap();
    assert!(row.contains(&i18n::format_date(Lang::En, due)), "{row}");
    assert!(!row.contains("class=\"overdue\""));
    for action in ["start-review", "approve"] {
        let r = olli.get(&app).await;
        assert_ids(&r.html, &[action, &format!("{action}-submit")], action);
        let r = olli
            .post(
                &format!("{app}/{action}"),
                &[
                    ("csrf", &field(&r.html, action, "csrf")),
                    ("version", &field(&r.html, action, "version")),
                ],
            )
            .await;
        r.assert_see_other(&format!("{app}?done={action}"));
    }
    let r = alice.get(&app).await;
    assert!(section(&r.html, "state").contains("data-state=\"issued\""));
    let link = section(&r.html, "certificate-link");
    let serial = link
        .split("/certificates/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // The certificate: listed, shown, downloadable (R-DELIVERY).
    let r = alice.get("/certificates").await;
    assert!(section(&r.html, "certificates").contains(&format!("data-serial=\"{serial}\"")));
    let r = alice.get(&format!("/certificates/{serial}")).await;
    assert!(section(&r.html, "status").contains("data-status=\"valid\""));
    for (id, ext) in [
        ("download-der", "der"),
        ("download-pem", "pem"),
        ("download-chain", "chain"),
    ] {
        let href = format!("/api/v1/my-certificates/{serial}/{ext}");
        assert!(section(&r.html, id).contains(&href));
        let file = alice.get(&href).await;
        assert_eq!(file.status, StatusCode::OK, "{href}");
    }
    assert!(section(&r.html, "revoke").contains(&format!("/revoke?serial={serial}")));

    // Revocation (R-REVOKE-HOW): look up, review, reason, confirm.
    let r = alice.get("/revoke").await;
    assert!(has_id(&r.html, "revoke-lookup"));
    let r = alice
        .get(&format!("/revoke?serial={}&lang=sv", serial.to_uppercase()))
        .await;
    assert_page(&r, Lang::Sv, &ids, "revoke preview");
    assert!(section(&r.html, "revoke-preview").contains(&serial));
    assert!(
        r.html
            .contains(&i18n::t(Lang::Sv, "es-revoke-irreversible"))
    );
    let csrf = field(&r.html, "revoke-confirm", "csrf");
    let hidden = field(&r.html, "revoke-confirm", "serial");
    // Without the confirmation: refused, translated, nothing revoked.
    let r = alice
        .post(
            "/revoke",
            &[
                ("csrf", &csrf),
                ("serial", &hidden),
                ("reason", "keyCompromise"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
    assert!(r.html.contains("data-code=\"revocation.unconfirmed\""));
    assert!(has_id(&r.html, "revoke-preview"));
    let cert = w.store.certificate(&serial).await.unwrap().unwrap();
    assert_eq!(cert.status, "valid");
    let r = alice
        .post(
            "/revoke",
            &[
                ("csrf", &csrf),
                ("serial", &hidden),
                ("reason", "keyCompromise"),
                ("confirm", "yes"),
            ],
        )
        .await;
    r.assert_see_other(&format!("/certificates/{serial}?done=revoked"));
    let r = alice
        .get(&format!("/certificates/{serial}?done=revoked&lang=en"))
        .await;
    assert_page(&r, Lang::En, &ids, "revoked");
    assert!(r.html.contains("data-done=\"revoked\""));
    assert!(section(&r.html, "status").contains("data-status=\"revoked\""));
    assert!(!has_id(&r.html, "revoke"), "final: no second revocation");
    assert_eq!(
        w.store.certificate(&serial).await.unwrap().unwrap().status,
        "revoked"
    );
    // Revoked twice: the translated refusal.
    let r = alice
        .post(
            "/revoke",
            &[
                ("csrf", &csrf),
                ("serial", &hidden),
                ("reason", "keyCompromise"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);
    assert!(
        r.html.contains("data-code=\"certificate.already_revoked\""),
        "{}",
        r.html
    );

    // Signing out ends the session.
    let r = alice.get("/").await;
    let csrf = field(&r.html, "sign-out", "csrf");
    let r = alice.post("/logout", &[("csrf", &csrf)]).await;
    r.assert_see_other("/");
    let r = alice.get("/applications").await;
    r.assert_see_other("/login?return_to=%2Fapplications");
}

#[tokio::test]
async fn a_new_api_token_is_shown_once() {
    let w = world().await;
    let mut b = Browser::new(&w.app);
    admin_with_application(&mut b, "010180-9026", ORG, "server").await;
    let r = b.get("/account").await;
    let csrf = field(&r.html, "new-api-token", "csrf");
    let r = b
        .post(
            "/account/api-tokens",
            &[
                ("csrf", &csrf),
                ("name", "Potilastietojärjestelmä"),
                ("days", "30"),
            ],
        )
        .await;
    r.assert_see_other("/account?done=api-token-created");
    let r = b.get("/account?done=api-token-created").await;
    let token = section(&r.html, "new-token");
    let token = token.split('>').nth(1).unwrap().split('<').next().unwrap();
    assert!(token.len() >= 40, "{token}");
    assert!(section(&r.html, "api-tokens").contains("Potilastietojärjestelmä"));
    // Once: the next view does not show it.
    let r = b.get("/account?done=api-token-created").await;
    assert!(!has_id(&r.html, "new-token"));
    // The token works with the API.
    let resp = w
        .app
        .clone()
        .oneshot(
            Request::get("/api/v1/applications")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // Revoked through its form.
    let r = b.get("/account").await;
    let form = section(&r.html, "api-tokens");
    let action = form
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(form.contains("class=\"revoke-api-token"), "{form}");
    let r = b.post(&action, &[("csrf", &csrf)]).await;
    r.assert_see_other("/account?done=api-token-revoked");
    // Invitations through the account page.
    let r = b
        .post(
            "/account/invitations",
            &[
                ("csrf", &csrf),
                ("email", "colleague@example.fi"),
                ("role", "org-user"),
                ("language", "en"),
            ],
        )
        .await;
    r.assert_see_other("/account?done=invited");
    let r = b.get("/account").await;
    assert!(section(&r.html, "invitations").contains("colleague@example.fi"));
    // A bad address: the translated refusal on the page, with the form.
    let r = b
        .post(
            "/account/invitations?lang=en",
            &[
                ("csrf", &csrf),
                ("email", "not an address"),
                ("role", "org-user"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.html.contains("data-code=\"invitation.email\""));
    assert!(has_id(&r.html, "invite"));
}

#[tokio::test]
async fn the_organisation_chooser_switches_whom_he_acts_for() {
    let w = world().await;
    let mut b = Browser::new(&w.app);
    admin_with_application(&mut b, "010180-9026", ORG, "server").await;
    let r = b.get("/account").await;
    let csrf = field(&r.html, "create-account", "csrf");
    let r = b
        .post("/account", &[("csrf", &csrf), ("org_oid", PRIVATE_ORG)])
        .await;
    r.assert_see_other("/account?done=account-created");
    let r = b.get("/?lang=en").await;
    assert!(section(&r.html, "acting-for").contains("Private Medical Centre Ltd"));
    let chooser = section(&r.html, "choose-org");
    assert!(
        chooser.contains(ORG) && chooser.contains(PRIVATE_ORG),
        "{chooser}"
    );
    let r = b
        .post("/organisation", &[("csrf", &csrf), ("org_oid", ORG)])
        .await;
    r.assert_see_other("/?done=organisation");
    let r = b.get("/?done=organisation&lang=en").await;
    assert!(section(&r.html, "acting-for").contains("Lake Valley Wellbeing County"));
    assert!(r.html.contains("data-done=\"organisation\""));
    // Not his: refused, still acting for the same.
    let r = b
        .post("/organisation", &[("csrf", &csrf), ("org_oid", EVIL_ORG)])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.html.contains("data-code=\"not_found\""));
    let r = b.get("/").await;
    assert!(section(&r.html, "acting-for").contains(ORG));
    // An organisation with an account already: the translated refusal.
    let mut other = Browser::new(&w.app);
    sign_up(&mut other, "050505-9019", "Other", "/").await;
    let r = other.get("/account").await;
    let csrf = field(&r.html, "create-account", "csrf");
    let r = other
        .post("/account?lang=sv", &[("csrf", &csrf), ("org_oid", ORG)])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.html.contains("data-code=\"account.exists\""));
    assert!(r.html.contains(&i18n::t(Lang::Sv, "error-account-exists")));
}

// ---------------------------------------------------------------------------------
// The messages
// ---------------------------------------------------------------------------------

/// The error codes the e-service's sources name: after a constructor's kind
/// (`EsError::invalid(`, `forbidden(`, `ErrorKind::X,`), the first string.
fn error_codes() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["ra/src/eservice", "web/src/eservice"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    let markers = [
        "invalid(",
        "forbidden(",
        "ErrorKind::NotFound,",
        "ErrorKind::Forbidden,",
        "ErrorKind::Invalid,",
        "ErrorKind::Conflict,",
        "ErrorKind::TooLarge,",
        "ErrorKind::UnsupportedType,",
        "ErrorKind::Unavailable,",
        // The sign-in's refusals: `refused(…, StatusCode::X, "code", …)`.
        "StatusCode::NOT_FOUND,",
        "StatusCode::UNAUTHORIZED,",
        "StatusCode::BAD_REQUEST,",
        "StatusCode::FORBIDDEN,",
    ];
    let mut codes = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for m in markers {
            for piece in text.split(m).skip(1) {
                let piece = piece.trim_start();
                if let Some(rest) = piece.strip_prefix('"') {
                    let code = rest.split('"').next().unwrap();
                    if !code.is_empty()
                        && code
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b"._".contains(&b))
                    {
                        codes.insert(code.to_owned());
                    }
                }
            }
        }
    }
    // The policy's codes.
    let policy = std::fs::read_to_string(root.join("policy/src/application.rs")).unwrap();
    for piece in policy.split("=> \"").skip(1) {
        let code = piece.split('"').next().unwrap();
        if code.starts_with("application.") || code.starts_with("requirement.") {
            codes.insert(code.to_owned());
        }
    }
    codes
}

#[test]
fn every_code_state_and_notice_has_its_message() {
    let codes = error_codes();
    for must in [
        "csrf",
        "not_found",
        "application.changed",
        "application.not_ready",
        "csr.profile",
        "conformity.not_pdf",
        "revocation.unconfirmed",
        "requirement.conformity",
        "upload.too_large",
        "sign_in.expired",
    ] {
        assert!(codes.contains(must), "{must} in {codes:?}");
    }
    // And the ones the `From` conversions name.
    let mut all: Vec<String> = codes.into_iter().collect();
    for c in [
        "conflict",
        "invalid",
        "unavailable",
        "certificate.invalid",
        "csr.key_reused",
    ] {
        all.push(c.to_owned());
    }
    let mut ids: Vec<String> = all.iter().map(|c| error_message_id(c)).collect();
    for d in DONE {
        ids.push(format!("es-done-{d}"));
    }
    for a in APPLICATION_ACTIONS {
        ids.push(format!("es-done-{a}"));
    }
    for p in APPLICABLE_PROFILES {
        ids.push(format!("profile-{}", p.as_str()));
    }
    for s in carepki_policy::application::StateKind::ALL {
        ids.push(format!("state-{}", s.as_str()));
    }
    for a in carepki_policy::application::ActionKind::ALL {
        ids.push(format!("action-{}", a.as_str()));
    }
    ids.push("action-create".into());
    for r in carepki_policy::application::Role::ALL {
        ids.push(format!("role-{}", r.as_str()));
    }
    for r in carepki_ra::eservice::REQUESTABLE_REASONS {
        ids.push(format!("es-reason-{r}"));
    }
    for b in ["administers-system", "kanta-intermediary-own-name"] {
        ids.push(format!("basis-{b}"));
    }
    for s in ["open", "used", "expired"] {
        ids.push(format!("es-invitation-{s}"));
    }
    for s in ["active", "revoked", "expired"] {
        ids.push(format!("es-token-{s}"));
    }
    for k in ["csr", "conformity"] {
        ids.push(format!("es-attachment-{k}"));
    }
    for r in ["csr", "syssig-basis", "kanta-intermediary", "conformity"] {
        ids.push(format!("requirement-{r}"));
    }
    let mut missing = Vec::new();
    for lang in Lang::ALL {
        for id in &ids {
            if i18n::message(lang, id, None).is_none() {
                missing.push(format!("{}:{id}", lang.code()));
            }
        }
    }
    assert!(missing.is_empty(), "no message for {missing:?}");
}

/// Sends the form `form` of the page at `path` with its CSRF token and
/// version, and `extra`.
async fn send_form(
    b: &mut Browser<'_>,
    path: &str,
    form: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let page = b.get(path).await;
    let csrf = field(&page.html, form, "csrf");
    let version = field(&page.html, form, "version");
    let mut fields = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    fields.extend_from_slice(extra);
    b.post(&format!("{path}/{action}"), &fields).await
}

/// Uploads `bytes` through the upload form `form` of the application at
/// `path`.
async fn upload(b: &mut Browser<'_>, path: &str, form: &str, name: &str, bytes: &[u8]) -> Reply {
    let page = b.get(path).await;
    let csrf = field(&page.html, form, "csrf");
    let version = field(&page.html, form, "version");
    let action = if form == "upload-csr" {
        "csr"
    } else {
        "conformity"
    };
    b.post_file(
        &format!("{path}/{action}"),
        &[("csrf", &csrf), ("version", &version)],
        name,
        bytes,
    )
    .await
}

#[tokio::test]
async fn a_system_signature_needs_its_ground_its_conformity_and_two_officers() {
    let w = world().await;
    let ids = message_ids();
    let mut b = Browser::new(&w.app);
    let app = admin_with_application(&mut b, "010180-9026", PRIVATE_ORG, "system-signature").await;
    // What it lacks (R-CSR, R-SYSSIG-APPLICANT, R-CONFORMITY), translated.
    let r = b.get(&format!("{app}?lang=sv")).await;
    assert_page(&r, Lang::Sv, &ids, "system signature draft");
    let missing = section(&r.html, "missing");
    for code in [
        "requirement.csr",
        "requirement.syssig_basis",
        "requirement.conformity",
    ] {
        assert!(
            missing.contains(&format!("data-code=\"{code}\"")),
            "{missing}"
        );
    }
    assert!(
        r.html
            .contains(&i18n::t(Lang::Sv, "requirement-conformity"))
    );
    assert!(
        r.html
            .contains(&i18n::t(Lang::Sv, "es-conformity-required"))
    );
    assert!(
        has_id(&r.html, "lapses"),
        "R-LAPSE: a draft shows when it lapses"
    );
    assert!(r.html.contains(&i18n::t(Lang::Sv, "es-two-officers")));
    // Submitting now lists what is missing, translated.
    let r = send_form(&mut b, &app, "submit-application", "submit", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
    assert!(r.html.contains("data-code=\"application.not_ready\""));
    assert!(
        r.html
            .contains(&i18n::t(Lang::Sv, "requirement-syssig-basis"))
    );
    // A certificate of conformity that is not a PDF: refused by type.
    let r = upload(
        &mut b,
        &app,
        "upload-conformity",
        "todistus.pdf",
        b"GIF89a not a pdf",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.html);
    assert!(r.html.contains("data-code=\"conformity.not_pdf\""));
    assert!(
        r.html
            .contains(&i18n::t(Lang::Sv, "error-conformity-not-pdf"))
    );
    // Too large: by the certificate of conformity's limit, and beyond what
    // any upload may be.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(carepki_ra::eservice::MAX_CONFORMITY_BYTES + 1, b' ');
    big.extend_from_slice(b"%%EOF");
    let r = upload(&mut b, &app, "upload-conformity", "iso.pdf", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.html);
    assert!(r.html.contains("data-code=\"conformity.too_large\""));
    big.resize(8 * 1024 * 1024, b' ');
    let r = upload(&mut b, &app, "upload-conformity", "huge.pdf", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.html);
    assert!(
        r.html.contains("data-code=\"upload.too_large\""),
        "{}",
        r.html
    );
    assert!(
        w.store
            .attachments(app.rsplit('/').next().unwrap().parse().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    let r = upload(&mut b, &app, "upload-conformity", "todistus.pdf", PDF).await;
    r.assert_see_other(&format!("{app}?done=conformity"));
    // Not a Kanta intermediary: that ground is refused.
    let r = send_form(
        &mut b,
        &app,
        "syssig-basis",
        "syssig-basis",
        &[("basis", "kanta-intermediary-own-name")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
    assert!(
        r.html
            .contains("data-code=\"requirement.kanta_intermediary\"")
    );
    let r = send_form(
        &mut b,
        &app,
        "syssig-basis",
        "syssig-basis",
        &[("basis", "administers-system")],
    )
    .await;
    r.assert_see_other(&format!("{app}?done=syssig-basis"));
    let r = upload(
        &mut b,
        &app,
        "upload-csr",
        "pts.csr",
        &csr("Potilastietojärjestelmä"),
    )
    .await;
    r.assert_see_other(&format!("{app}?done=csr"));
    let r = b.get(&app).await;
    assert!(!has_id(&r.html, "missing"), "complete");
    let attachments = section(&r.html, "attachments");
    assert!(
        attachments.contains("data-kind=\"conformity\"")
            && attachments.contains("data-kind=\"csr\"")
    );
    // The attachment downloads as uploaded.
    let href = attachments
        .split("href=\"")
        .find(|h| h.contains("/attachments/"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let file = b.get(&unescape(&href)).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let r = send_form(&mut b, &app, "submit-application", "submit", &[]).await;
    r.assert_see_other(&format!("{app}?done=submit"));

    // Two different officers (production system signature).
    let mut first = Browser::new(&w.app);
    sign_up(&mut first, "020270-903P", "Olli", "/").await;
    make_officer(&w.store, "020270-903P").await;
    let r = send_form(&mut first, &app, "start-review", "start-review", &[]).await;
    r.assert_see_other(&format!("{app}?done=start-review"));
    let r = send_form(&mut first, &app, "approve", "approve", &[]).await;
    r.assert_see_other(&format!("{app}?done=approve"));
    let r = first.get(&format!("{app}?lang=en")).await;
    assert!(section(&r.html, "state").contains("data-state=\"in-review\""));
    assert!(
        unescape(section(&r.html, "approvals")).contains("1 / 2"),
        "{}",
        r.html
    );
    assert!(has_id(&r.html, "approved-already"));
    assert!(
        !has_id(&r.html, "approve"),
        "the same officer cannot approve twice"
    );
    let mut second = Browser::new(&w.app);
    sign_up(&mut second, "030370-9058", "Outi", "/").await;
    make_officer(&w.store, "030370-9058").await;
    let r = send_form(&mut second, &app, "approve", "approve", &[]).await;
    r.assert_see_other(&format!("{app}?done=approve"));
    let r = b.get(&app).await;
    assert!(section(&r.html, "state").contains("data-state=\"issued\""));
    assert!(has_id(&r.html, "certificate-link"));
}

#[tokio::test]
async fn a_kanta_intermediary_in_its_own_name_is_a_kanta_provider() {
    let w = world().await;
    let mut b = Browser::new(&w.app);
    let app =
        admin_with_application(&mut b, "010180-9026", KANTA_ORG, "test-system-signature").await;
    let r = send_form(
        &mut b,
        &app,
        "syssig-basis",
        "syssig-basis",
        &[("basis", "kanta-intermediary-own-name")],
    )
    .await;
    r.assert_see_other(&format!("{app}?done=syssig-basis"));
    for (lang, provider) in [
        (Lang::Fi, "Kanta-välittäjä"),
        (Lang::Sv, "Kanta-förmedlare"),
        (Lang::En, "Kanta provider"),
    ] {
        let r = b.get(&format!("{app}?lang={}", lang.code())).await;
        assert!(
            section(&r.html, "kanta-provider").contains(provider),
            "{}",
            r.html
        );
        assert!(
            section(&r.html, "syssig-basis-current")
                .contains("data-basis=\"kanta-intermediary-own-name\"")
        );
        // A test certificate needs no certificate of conformity.
        assert!(!r.html.contains("data-code=\"requirement.conformity\""));
    }
}

#[tokio::test]
async fn an_overdue_application_is_flagged() {
    let w = world().await;
    let mut b = Browser::new(&w.app);
    let app = admin_with_application(&mut b, "010180-9026", ORG, "server").await;
    let id: i64 = app.rsplit('/').next().unwrap().parse().unwrap();
    let r = upload(
        &mut b,
        &app,
        "upload-csr",
        "www.csr",
        &csr("www.jarvilaakso-hva.fi"),
    )
    .await;
    r.assert_see_other(&format!("{app}?done=csr"));
    let r = send_form(&mut b, &app, "submit-application", "submit", &[]).await;
    r.assert_see_other(&format!("{app}?done=submit"));
    // Its due date moves into the past (as if submitted long ago).
    let row = w.store.application(id).await.unwrap().unwrap();
    let past = now_unix() - 3 * 86_400;
    w.store
        .record_transition(
            id,
            row.version,
            &carepki_store::ApplicationUpdate {
                state: row.state.clone(),
                facts: row.facts.clone(),
                completed_at: row.completed_at,
                due_at: Some(past),
                pending_since: None,
                event: carepki_store::NewTimelineEvent {
                    at: now_unix(),
                    actor_id: "test".into(),
                    role: "system".into(),
                    action: "edit".into(),
                    detail: serde_json::json!({}),
                },
            },
        )
        .await
        .unwrap();
    let mut olli = Browser::new(&w.app);
    sign_up(&mut olli, "020270-903P", "Olli", "/").await;
    make_officer(&w.store, "020270-903P").await;
    for lang in Lang::ALL {
        let r = olli.get(&format!("/queue?lang={}", lang.code())).await;
        let queue = section(&r.html, "queue");
        assert!(
            queue.contains(&format!("data-application-id=\"{id}\" class=\"overdue\"")),
            "{queue}"
        );
        assert!(queue.contains(&i18n::t(lang, "es-overdue")));
        assert!(queue.contains(&i18n::format_date(lang, past)));
        let r = olli.get(&format!("{app}?lang={}", lang.code())).await;
        let due = section(&r.html, "due");
        assert!(due.contains("data-overdue=\"true\""), "{due}");
    }
}

/// The organisation's administrator revokes a staff card on the cards page
/// (issue 5, point 7), in every language; without the confirmation nothing
/// happens; a revoked card is refused with its message.
#[tokio::test]
async fn the_administrator_revokes_a_staff_card_on_its_page() {
    let w = world().await;
    let ids = message_ids();
    let mut b = Browser::new(&w.app);
    sign_up(&mut b, "010180-9026", "Aino Admin", "/").await;
    let r = b.get("/account").await;
    let csrf = field(&r.html, "create-account", "csrf");
    b.post("/account", &[("csrf", &csrf), ("org_oid", ORG)])
        .await
        .assert_see_other("/account?done=account-created");
    let card = support::eservice::staff_card_on(&w.store, &w._ca, ORG, "Sihteeri").await;
    let status = async |serial: &Option<String>| {
        w.store
            .certificate(serial.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap()
            .status
    };

    for lang in Lang::ALL {
        let r = b.get(&format!("/cards?lang={}", lang.code())).await;
        assert_page(&r, lang, &ids, "cards");
        assert!(has_id(&r.html, "cards") && has_id(&r.html, "nav-cards"));
        assert!(r.html.contains("Sanna Sihteeri") && r.html.contains(&card.holder_number));
        assert!(r.html.contains(&i18n::t(lang, "card-kind-staff")));
    }
    let r = b.get("/cards").await;
    let csrf = unescape(
        r.html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap(),
    );
    let action = format!("/cards/{}/revoke", card.id);
    assert!(r.html.contains(&action));

    // Without the confirmation: refused with its message, nothing revoked.
    let r = b
        .post(
            &action,
            &[("csrf", &csrf), ("reason", "affiliationChanged")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
    assert!(r.html.contains("data-code=\"revocation.unconfirmed\""));
    assert_eq!(status(&card.auth_serial).await, "valid");

    // Confirmed: both certificates revoked, the notice shown.
    let r = b
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("reason", "affiliationChanged"),
                ("confirm", "yes"),
            ],
        )
        .await;
    r.assert_see_other("/cards?done=card-revoked");
    assert_eq!(status(&card.auth_serial).await, "revoked");
    assert_eq!(status(&card.sign_serial).await, "revoked");
    let r = b.get("/cards?done=card-revoked&lang=sv").await;
    assert_page(&r, Lang::Sv, &ids, "cards after");
    assert!(r.html.contains("data-done=\"card-revoked\""));
    assert!(r.html.contains("data-state=\"revoked\""));
    assert!(!r.html.contains(&action), "a revoked card has no form");
    // Again: refused as revoked already.
    let r = b
        .post(&action, &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.html.contains("data-code=\"card.already_revoked\""));
    // (In Swedish: the language chosen last sticks.)
    assert!(
        r.html
            .contains(&i18n::t(Lang::Sv, "error-card-already-revoked"))
    );
}

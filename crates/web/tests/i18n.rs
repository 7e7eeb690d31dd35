//! The languages of the e-service: the message files agree across Finnish,
//! Swedish and English, every page renders in each language with no missing
//! message, the language is negotiated (query, cookie, Accept-Language), dates
//! and numbers are local, and translated output stays escaped.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepki_ca::Authority;
use carepki_ca::authority::now_unix;
use carepki_policy::ProfileId;
use carepki_store::{OrganisationRow, Store};
use carepki_web::i18n::{self, Lang, MISSING_MARK};
use carepki_x509::RevocationReason;
use fluent_bundle::FluentArgs;
use http_body_util::BodyExt;
use tower::ServiceExt;

#[path = "../../ca/tests/common/mod.rs"]
mod common;

use common::issue_for as issue;

// ---------------------------------------------------------------------------------
// The message files
// ---------------------------------------------------------------------------------

/// One language's messages: `id` or `id.attribute` → its variables.
type Messages = BTreeMap<String, BTreeSet<String>>;

fn locales() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")
}

fn read_messages(lang: &str) -> (Messages, BTreeSet<String>) {
    let mut messages = Messages::new();
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(locales().join(lang)).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("ftl") {
            continue;
        }
        files.insert(path.file_name().unwrap().to_string_lossy().into_owned());
        let text = std::fs::read_to_string(&path).unwrap();
        let inventory =
            carepki_i18n::inventory(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (id, vars) in inventory {
            assert!(
                messages.insert(id.clone(), vars).is_none(),
                "{lang}: {id} twice"
            );
        }
    }
    (messages, files)
}

#[test]
fn every_message_is_in_every_language_with_the_same_variables() {
    let (fi, fi_files) = read_messages("fi");
    assert!(fi.len() > 100, "{}", fi.len());
    for lang in ["sv", "en"] {
        let (other, files) = read_messages(lang);
        assert_eq!(files, fi_files, "{lang}: the same files as fi");
        let missing: Vec<_> = fi.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !fi.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        assert!(extra.is_empty(), "{lang} has ids fi lacks: {extra:?}");
        for (id, vars) in &fi {
            assert_eq!(&other[id], vars, "{lang}: variables of {id}");
        }
    }
    // Swedish and Finnish are translations, not English copies: apart from
    // words that are the same in both languages, no message equals English.
    let same = [
        "fi:source-ocsp",
        "sv:source-ocsp",
        "sv:field-organisation",
        "sv:field-status",
    ];
    let text = |lang: Lang, id: &str| i18n::message(lang, id, None);
    let mut copies = Vec::new();
    for id in fi.keys().filter(|id| fi[*id].is_empty()) {
        let en = text(Lang::En, id);
        for lang in [Lang::Fi, Lang::Sv] {
            let key = format!("{}:{id}", lang.code());
            if text(lang, id) == en && !same.contains(&key.as_str()) {
                copies.push(key);
            }
        }
    }
    assert!(copies.is_empty(), "copied from English: {copies:?}");
}

#[test]
fn every_id_the_code_and_templates_use_exists() {
    let (fi, _) = read_messages("fi");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = BTreeSet::new();
    // Literal ids in the templates: t("id" …).
    for entry in std::fs::read_dir(root.join("templates")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for piece in text.split("t(\"").skip(1) {
            let id = piece.split('"').next().unwrap();
            if !id.ends_with('-') {
                used.insert(id.to_owned());
            }
        }
    }
    // Literal ids in the code: "search-…", "test-…", "summary-…".
    for file in ["src/search.rs", "src/testservice.rs"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for piece in text.split('"').skip(1).step_by(2) {
            if ["search-", "test-", "summary-"]
                .iter()
                .any(|p| piece.starts_with(p))
                && piece.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            {
                used.insert(piece.to_owned());
            }
        }
    }
    // Ids the templates build from the report's and the search's values.
    let dynamic: &[(&str, &[&str])] = &[
        (
            "verdict-",
            &[
                "valid",
                "not-yet-valid",
                "expired",
                "revoked",
                "not-issued-here",
                "invalid-signature",
            ],
        ),
        ("hierarchy-", &["production", "test"]),
        (
            "issued-here-",
            &[
                "yes",
                "ca-certificate",
                "unknown-issuer",
                "no-record",
                "different-certificate",
            ],
        ),
        ("validity-", &["not-yet-valid", "valid", "expired"]),
        (
            "source-state-",
            &[
                "good",
                "revoked",
                "unknown",
                "not-published",
                "not-applicable",
                "unavailable",
            ],
        ),
        ("source-", &["database", "ocsp", "crl-full", "crl-delta"]),
        ("status-", &["valid", "revoked", "expired"]),
    ];
    for (prefix, values) in dynamic {
        for v in *values {
            used.insert(format!("{prefix}{v}"));
        }
    }
    for reason in RevocationReason::ALL {
        used.insert(format!("reason-{}", reason.name()));
    }
    // The card holder's pages (src/cardpages.rs, templates/card.html): the
    // literal ids, and those built from the sign-in refusals, the domain's
    // refusal codes, the card kinds, the holder's reasons and the states of a
    // pending renewal.
    let cardpages = std::fs::read_to_string(root.join("src/cardpages.rs")).unwrap();
    for piece in cardpages.split('"').skip(1).step_by(2) {
        if piece.starts_with("holder-")
            && !piece.ends_with('-')
            && piece.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        {
            used.insert(piece.to_owned());
        }
    }
    let holder: &[(&str, &[&str])] = &[
        (
            "holder-refusal-",
            &[
                "no-client-certificate",
                "unknown-certificate",
                "revoked",
                "expired",
                "not-authentication-certificate",
                "test-card",
                "invalid-certificate",
                "unavailable",
            ],
        ),
        (
            "holder-error-",
            &[
                "renewal-too-early",
                "renewal-pending",
                "renewal-not-professional",
                "renewal-card-not-valid",
                "order-not-in-registers",
                "order-no-valid-right",
                "revocation-reason",
                "revocation-unconfirmed",
                "card-already-revoked",
                "card-no-order",
                "card-not-authentication",
                "csrf",
            ],
        ),
        (
            "holder-kind-",
            &["professional", "staff", "actor", "temporary", "test"],
        ),
        (
            "holder-pending-state-",
            &["ordered", "produced", "activated"],
        ),
    ];
    for (prefix, values) in holder {
        for v in *values {
            used.insert(format!("{prefix}{v}"));
        }
    }
    for reason in carepki_ra::cards::HOLDER_REASONS {
        used.insert(format!("holder-reason-{}", reason.name()));
    }
    assert!(used.len() > 80, "{}", used.len());
    let missing: Vec<_> = used.iter().filter(|id| !fi.contains_key(*id)).collect();
    assert!(missing.is_empty(), "used but not defined: {missing:?}");
}

// ---------------------------------------------------------------------------------
// Dates, numbers, plurals
// ---------------------------------------------------------------------------------

#[test]
fn dates_are_local_in_helsinki_time() {
    // 2026-11-23T12:05:00Z: 14.05 in Helsinki (standard time, UTC+2).
    let winter = 1_795_435_500;
    assert_eq!(
        i18n::parse_rfc3339("2026-11-23T12:05:00Z"),
        Some(winter),
        "the instant"
    );
    assert_eq!(
        i18n::format_datetime(Lang::Fi, winter),
        "23.11.2026 klo 14.05"
    );
    assert_eq!(
        i18n::format_datetime(Lang::Sv, winter),
        "23.11.2026 kl. 14.05"
    );
    assert_eq!(
        i18n::format_datetime(Lang::En, winter),
        "23 Nov 2026, 14:05"
    );
    // 2026-07-01T06:07:00Z: 9.07 in Helsinki (summer time, UTC+3).
    let summer = i18n::parse_rfc3339("2026-07-01T06:07:00Z").unwrap();
    assert_eq!(i18n::format_datetime(Lang::Fi, summer), "1.7.2026 klo 9.07");
    assert_eq!(i18n::format_datetime(Lang::Sv, summer), "1.7.2026 kl. 9.07");
    assert_eq!(i18n::format_datetime(Lang::En, summer), "1 Jul 2026, 09:07");
    // New Year in Helsinki comes two hours before UTC's.
    let new_year = i18n::parse_rfc3339("2026-12-31T22:30:00Z").unwrap();
    assert_eq!(
        i18n::format_datetime(Lang::Fi, new_year),
        "1.1.2027 klo 0.30"
    );
}

#[test]
fn numbers_are_grouped_the_local_way() {
    const NNBSP: char = '\u{202F}';
    for (value, fi, en) in [
        (0.0, "0".to_owned(), "0"),
        (999.0, "999".to_owned(), "999"),
        (1000.0, format!("1{NNBSP}000"), "1,000"),
        (
            1_234_567.5,
            format!("1{NNBSP}234{NNBSP}567,5"),
            "1,234,567.5",
        ),
        (-1234.25, format!("\u{2212}1{NNBSP}234,25"), "-1,234.25"),
        (0.1234, "0,123".to_owned(), "0.123"),
    ] {
        assert_eq!(i18n::format_number(Lang::Fi, value), fi, "{value}");
        assert_eq!(i18n::format_number(Lang::Sv, value), fi, "{value}");
        assert_eq!(i18n::format_number(Lang::En, value), en, "{value}");
    }
    assert_eq!(i18n::format_decimal(Lang::Fi, 2.5, 2, 2), "2,50");
    assert_eq!(i18n::format_decimal(Lang::En, 2.0, 2, 2), "2.00");
}

#[test]
fn plurals_and_numbers_in_messages_without_isolation_marks() {
    let found = |lang, n: i64| {
        let mut args = FluentArgs::new();
        args.set("total", n);
        i18n::translate(lang, "search-found", Some(&args))
    };
    assert_eq!(found(Lang::Fi, 1), "Löytyi 1 varmenne");
    assert_eq!(found(Lang::Fi, 3), "Löytyi 3 varmennetta");
    assert_eq!(found(Lang::Fi, 12_345), "Löytyi 12\u{202F}345 varmennetta");
    assert_eq!(found(Lang::Sv, 12_345), "Hittade 12\u{202F}345 certifikat");
    assert_eq!(found(Lang::En, 1), "Found 1 certificate");
    assert_eq!(found(Lang::En, 12_345), "Found 12,345 certificates");
    let mut args = FluentArgs::new();
    args.set("value", "x");
    let text = i18n::translate(Lang::En, "search-error-status", Some(&args));
    assert!(text.contains("“x”"), "{text:?}");
    assert!(!text.contains(['\u{2068}', '\u{2069}']), "{text:?}");
    // A missing message shows its marker (and the page tests look for it).
    assert!(i18n::t(Lang::Sv, "no-such-message").starts_with(MISSING_MARK));
}

// ---------------------------------------------------------------------------------
// Negotiation
// ---------------------------------------------------------------------------------

#[test]
fn accept_language_by_q_values() {
    for (header, expected) in [
        ("sv-FI,sv;q=0.9,en;q=0.8", Some(Lang::Sv)),
        ("en-GB", Some(Lang::En)),
        ("en-GB,en;q=0.9", Some(Lang::En)),
        ("fi-FI", Some(Lang::Fi)),
        ("FI", Some(Lang::Fi)),
        ("de", None),
        ("de-DE,en;q=0.5,sv;q=0.6", Some(Lang::Sv)),
        ("fi;q=0.1, en;q=0.9", Some(Lang::En)),
        ("sv;q=0, en;q=0.2", Some(Lang::En)),
        ("sv;q=0", None),
        ("de, *;q=0.1", Some(Lang::Fi)),
        ("en;q=0.5, sv;q=0.5", Some(Lang::En)),
        ("", None),
        ("en;q=garbage, sv;q=0.3", Some(Lang::Sv)),
    ] {
        assert_eq!(i18n::from_accept_language(header), expected, "{header:?}");
    }
    assert_eq!(Lang::from_tag("sv_FI"), Some(Lang::Sv));
    assert_eq!(Lang::from_tag("svx"), None);
}

#[test]
fn the_cookie_is_for_the_whole_site_for_a_year() {
    let c = i18n::lang_cookie(Lang::Sv, false);
    assert_eq!(c, "lang=sv; Path=/; Max-Age=31536000; SameSite=Lax");
    assert_eq!(
        i18n::lang_cookie(Lang::En, true),
        "lang=en; Path=/; Max-Age=31536000; SameSite=Lax; Secure"
    );
}

// ---------------------------------------------------------------------------------
// The pages
// ---------------------------------------------------------------------------------

/// An organisation whose names try to inject markup.
const EVIL_ORG: &str = "1.2.246.10.97835177.10.9";

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
    vec![
        row(
            "1.2.246.10.97835177.10.0",
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
    ]
}

async fn authority(store: Store, dir: &Path, ceremony: &str) -> Arc<Authority> {
    common::authority_with(store, dir, ceremony, &organisations()).await
}

struct Reply {
    status: StatusCode,
    language: String,
    set_cookie: Vec<String>,
    html: String,
}

async fn send(app: &axum::Router, req: Request<Body>) -> Reply {
    let resp = app.clone().oneshot(req).await.unwrap();
    let header = |name| {
        resp.headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let language = header(header::CONTENT_LANGUAGE);
    let set_cookie = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        language,
        set_cookie,
        html: String::from_utf8(body.to_vec()).unwrap(),
    }
}

async fn get(app: &axum::Router, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::get(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

/// A page in `lang`: its `<html lang>` and `Content-Language`, no missing
/// message, no Fluent error (`{$…}`), no isolation mark.
fn assert_page(r: &Reply, lang: Lang, what: &str) {
    let code = lang.code();
    assert!(
        r.html.contains(&format!("<html lang=\"{code}\">")),
        "{what}: {}",
        r.html
    );
    assert_eq!(r.language, code, "{what}: Content-Language");
    assert!(!r.html.contains(MISSING_MARK), "{what}: {}", r.html);
    assert!(!r.html.contains("{$"), "{what}: a Fluent error: {}", r.html);
    assert!(
        !r.html.contains("{ $"),
        "{what}: a Fluent error: {}",
        r.html
    );
    assert!(
        !r.html.contains(['\u{2068}', '\u{2069}']),
        "{what}: isolation marks"
    );
    // The language switcher: every language, with the page's other parameters.
    for other in Lang::ALL {
        assert!(
            r.html.contains(&format!("hreflang=\"{}\"", other.code())),
            "{what}: switcher"
        );
    }
}

#[tokio::test]
async fn every_page_in_every_language() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path(), "").await;
    let org = "1.2.246.10.97835177.10.0";
    let a = issue(&ca, ProfileId::Server, org, "a.jarvilaakso-hva.fi").await;
    let b = issue(&ca, ProfileId::Server, org, "b.jarvilaakso-hva.fi").await;
    let t = issue(&ca, ProfileId::TestServer, org, "t.jarvilaakso-hva.fi").await;
    ca.revoke(&b.serial, RevocationReason::KeyCompromise, None, "test")
        .await
        .unwrap();
    let app = carepki_web::router(&ca);

    let not_after = {
        let hit = ca
            .store()
            .search_certificates(&carepki_store::SearchQuery {
                serial: Some(a.serial.clone()),
                ..carepki_store::SearchQuery::all(now_unix())
            })
            .await
            .unwrap();
        hit.items[0].not_after
    };

    let pages = [
        "/search".to_owned(),
        "/search?per_page=1&page=2&subject=jarvilaakso".to_owned(),
        "/search?status=gone".to_owned(),
        "/search?serial=zz".to_owned(),
        "/search?per_page=0".to_owned(),
        "/search?subject=nothing-matches-this".to_owned(),
        "/test-certificate".to_owned(),
        format!(
            "/test-certificate?issuer=service-providers&serial={}",
            a.serial
        ),
        format!(
            "/test-certificate?issuer=service-providers&serial={}",
            b.serial
        ),
        format!(
            "/test-certificate?issuer=test-service-providers&serial={}",
            t.serial
        ),
        "/test-certificate?issuer=service-providers&serial=7f0102".to_owned(),
        "/test-certificate?issuer=nobody&serial=01".to_owned(),
    ];
    for lang in Lang::ALL {
        let code = lang.code();
        for page in &pages {
            let sep = if page.contains('?') { '&' } else { '?' };
            let uri = format!("{page}{sep}lang={code}");
            let r = get(&app, &uri, &[]).await;
            assert!(
                r.status.is_success() || r.status == StatusCode::BAD_REQUEST,
                "{uri}: {}",
                r.status
            );
            assert_page(&r, lang, &uri);
        }
        // The search page: local dates, the status, the reason, the count.
        let r = get(&app, &format!("/search?lang={code}"), &[]).await;
        let date = i18n::format_datetime(lang, not_after);
        assert!(r.html.contains(&date), "{code}: {date} in {}", r.html);
        let revoked = i18n::t(lang, "status-revoked");
        assert!(r.html.contains(&revoked), "{code}");
        let reason = i18n::t(lang, "reason-keyCompromise");
        assert!(r.html.contains(&reason), "{code}: {reason}");
        let mut args = FluentArgs::new();
        args.set("total", 3);
        let found = i18n::translate(lang, "search-found", Some(&args));
        assert!(r.html.contains(&found), "{code}: {found}");
        // The language switcher keeps the search.
        let r = get(&app, &format!("/search?subject=b.j&lang={code}"), &[]).await;
        assert!(
            r.html.contains("subject=b.j&amp;lang=sv\" lang=\"sv\""),
            "{}",
            r.html
        );
        // The test page: the verdict and the summary in the language.
        let r = get(
            &app,
            &format!(
                "/test-certificate?issuer=service-providers&serial={}&lang={code}",
                b.serial
            ),
            &[],
        )
        .await;
        let verdict = i18n::t(lang, "verdict-revoked");
        assert!(r.html.contains(&verdict), "{code}: {}", r.html);
        let summary_start = i18n::t(lang, "summary-revoked");
        let start = summary_start.split(' ').next().unwrap();
        assert!(
            r.html.contains(&format!("<p id=\"summary\">{start} ")),
            "{code}: {}",
            r.html
        );
        assert!(
            r.html
                .contains(&format!("serial={}&amp;lang=en\"", b.serial)),
            "the switcher keeps issuer and serial: {}",
            r.html
        );
    }
    // Text in the right language, not just the right lang attribute.
    for (lang, title) in [
        (Lang::Fi, "Varmenteen testaus"),
        (Lang::Sv, "Testa certifikat"),
        (Lang::En, "Certificate test"),
    ] {
        let r = get(
            &app,
            &format!("/test-certificate?lang={}", lang.code()),
            &[],
        )
        .await;
        assert!(r.html.contains(&format!("<h1>{title}</h1>")), "{title}");
    }
}

#[tokio::test]
async fn negotiation_query_cookie_accept_language() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path(), "").await;
    let app = carepki_web::router(&ca);

    for (header, lang) in [
        ("sv-FI,sv;q=0.9,en;q=0.8", Lang::Sv),
        ("de", Lang::Fi),
        ("en-GB", Lang::En),
        ("fi-FI,fi;q=0.9", Lang::Fi),
        ("de-DE,de;q=0.9,en;q=0.5", Lang::En),
    ] {
        for page in ["/search", "/test-certificate"] {
            let r = get(&app, page, &[("accept-language", header)]).await;
            assert_page(&r, lang, &format!("{page} {header}"));
            assert!(r.set_cookie.is_empty(), "only ?lang= sets the cookie");
        }
    }
    // No preference at all: Finnish.
    let r = get(&app, "/search", &[]).await;
    assert_page(&r, Lang::Fi, "no header");

    // ?lang=sv sets the cookie (http: not Secure)…
    let r = get(&app, "/search?lang=sv", &[("accept-language", "en")]).await;
    assert_page(&r, Lang::Sv, "?lang=sv");
    assert_eq!(
        r.set_cookie,
        ["lang=sv; Path=/; Max-Age=31536000; SameSite=Lax"]
    );
    let cookie = r.set_cookie[0].split(';').next().unwrap().to_owned();
    // …and a later request with only the cookie is Swedish, on every page,
    // even when the browser prefers English.
    for page in ["/search", "/test-certificate"] {
        let r = get(
            &app,
            page,
            &[
                ("cookie", &format!("other=1; {cookie}")),
                ("accept-language", "en"),
            ],
        )
        .await;
        assert_page(&r, Lang::Sv, &format!("{page} with the cookie"));
        assert!(r.html.contains("Certifikat"), "{}", r.html);
        assert!(r.set_cookie.is_empty());
    }
    // An explicit choice beats the cookie, and replaces it.
    let r = get(&app, "/test-certificate?lang=en", &[("cookie", &cookie)]).await;
    assert_page(&r, Lang::En, "?lang=en over the cookie");
    assert_eq!(
        r.set_cookie,
        ["lang=en; Path=/; Max-Age=31536000; SameSite=Lax"]
    );
    // A language we do not have is ignored: the cookie decides.
    let r = get(&app, "/search?lang=de", &[("cookie", &cookie)]).await;
    assert_page(&r, Lang::Sv, "?lang=de");
    assert!(r.set_cookie.is_empty());
    // A POST keeps the language of its form's query.
    let r = send(
        &app,
        Request::post("/test-certificate?lang=sv")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("pem="))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_page(&r, Lang::Sv, "POST");
    assert!(r.html.contains("Ge en certifikatfil"), "{}", r.html);
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_service_is_https() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path(), "base_url = \"https://pki.example.fi\"\n").await;
    let app = carepki_web::router(&ca);
    let r = get(&app, "/search?lang=en", &[]).await;
    assert_page(&r, Lang::En, "https");
    assert_eq!(
        r.set_cookie,
        ["lang=en; Path=/; Max-Age=31536000; SameSite=Lax; Secure"]
    );
}

#[tokio::test]
async fn translated_output_stays_escaped() {
    let (store, _guard) = carepki_store::testing::sqlite_store().await;
    let tmp = tempfile::tempdir().unwrap();
    let ca = authority(store, tmp.path(), "").await;
    let evil = issue(&ca, ProfileId::Server, EVIL_ORG, "www.evil.example.fi").await;
    let app = carepki_web::router(&ca);

    for lang in Lang::ALL {
        let code = lang.code();
        // The organisation's name, in each language's column.
        let r = get(&app, &format!("/search?lang={code}"), &[]).await;
        assert_page(&r, lang, "evil org");
        assert!(r.html.contains(&format!("data-serial=\"{}\"", evil.serial)));
        assert!(!r.html.contains("<script"), "{code}: {}", r.html);
        assert!(
            r.html
                .contains(&format!("&lt;script&gt;alert(&#x27;{code}&#x27;)")),
            "{code}: {}",
            r.html
        );
        // A value that goes through a Fluent message's variable.
        let r = get(
            &app,
            &format!("/search?lang={code}&status=%3Cscript%3Ex%3C%2Fscript%3E"),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_page(&r, lang, "evil status");
        assert!(!r.html.contains("<script"), "{code}: {}", r.html);
        assert!(
            r.html.contains("&lt;script&gt;x&lt;&#x2f;script&gt;"),
            "{}",
            r.html
        );
        // And the language switcher's links, which carry the query.
        let r = get(
            &app,
            &format!("/search?lang={code}&subject=%22%3E%3Cb%3E"),
            &[],
        )
        .await;
        assert!(!r.html.contains("\"><b>"), "{}", r.html);
        assert!(r.html.contains("subject=%22%3E%3Cb%3E"), "{}", r.html);
    }
    // A cookie with markup in it is no language at all.
    let r = get(&app, "/search", &[("cookie", "lang=<script>")]).await;
    assert_page(&r, Lang::Fi, "evil cookie");
}

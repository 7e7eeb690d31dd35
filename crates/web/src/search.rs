//! Certificate search (the real service's "certificate search"): a JSON API and
//! a server-rendered HTML page over [`Store::search_certificates`].
//!
//! - `GET /api/v1/certificates?serial=&org=&org_name=&subject=&profile=&status=&page=&per_page=`
//!   → `{ "items": [...], "page", "per_page", "total", "next_page" }`
//! - `GET /api/v1/certificates/{serial}` → one certificate, or 404
//! - `GET /api/v1/certificates/{serial}/der` and `/pem` → the certificate file
//! - `GET /search?…` → the HTML page (a GET form; no JavaScript), in the
//!   language [`crate::i18n`] negotiates (`lang=fi|sv|en` picks one)
//!
//! Only public data is shown: serial, profile, subject, issuing CA, organisation,
//! validity, status and the certificate itself. The status is the database's
//! (R-STATUS-TRUTH). Errors are RFC 9457 problem documents ([`Problem`]): bad
//! parameters get 400 (`invalid-parameter`, naming the parameter in
//! `invalid_params`) saying what is wrong and how to fix it, an unknown serial
//! 404 (`certificate-not-found`); times are RFC 3339.
//!
//! This module also holds what the HTML pages share: the templates (minijinja,
//! HTML auto-escaping on, texts from [`crate::i18n`]) and the page frame.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use carepki_ca::authority::{now_unix, rfc3339};
use carepki_policy::ProfileId;
use carepki_store::{
    DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, SearchHit, SearchPage, SearchQuery, SearchStatus,
    StoreError,
};
use carepki_x509::cert::certificate_pem;
use fluent_bundle::FluentArgs;
use minijinja::Environment;
use serde::Serialize;
use serde_json::json;

use crate::AppState;
use crate::i18n::{self, Lang, PageLang};
use crate::problem::{InvalidParam, Problem, ProblemKind};

/// The routes of certificate search.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/certificates", get(api_search))
        .route("/api/v1/certificates/{serial}", get(api_one))
        .route("/api/v1/certificates/{serial}/der", get(api_der))
        .route("/api/v1/certificates/{serial}/pem", get(api_pem))
        .route("/search", get(search_page))
}

/// The query parameters of a search.
const PARAMS: [&str; 9] = [
    "serial", "org", "org_name", "subject", "profile", "status", "page", "per_page", "lang",
];

/// The profiles a search may name.
const RESPONDER_PROFILE: &str = carepki_ca::responder::RESPONDER_PROFILE;

fn known_profiles() -> Vec<&'static str> {
    let mut all: Vec<&str> = ProfileId::ALL.iter().map(|p| p.as_str()).collect();
    all.push(RESPONDER_PROFILE);
    all
}

/// The raw parameters, one value each.
type Params = BTreeMap<String, String>;

/// Collects the query pairs, refusing repeated and unknown names.
fn collect_params(pairs: Vec<(String, String)>) -> Result<Params, InvalidParam> {
    let mut params = Params::new();
    for (name, value) in pairs {
        if !PARAMS.contains(&name.as_str()) {
            let reason = format!(
                "unknown parameter `{name}`; the parameters are {}",
                PARAMS.join(", ")
            );
            return Err(InvalidParam::new(name, reason));
        }
        if params.insert(name.clone(), value).is_some() {
            let reason = format!("parameter `{name}` is given twice; give it once");
            return Err(InvalidParam::new(name, reason));
        }
    }
    Ok(params)
}

fn given<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn number(params: &Params, name: &str, default: u32, max: u32) -> Result<u32, InvalidParam> {
    match given(params, name) {
        None => Ok(default),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(InvalidParam::new(
                name,
                format!("`{name}` must be a whole number from 1 to {max}, not `{text}`"),
            )),
        },
    }
}

/// Turns the parameters into a query, or says what is wrong.
fn parse_query(params: &Params, now: i64) -> Result<SearchQuery, InvalidParam> {
    let status = match given(params, "status") {
        None => None,
        Some(s) => Some(SearchStatus::parse(&s.to_ascii_lowercase()).ok_or_else(|| {
            InvalidParam::new(
                "status",
                format!("unknown status `{s}`; use valid, revoked or expired (or leave it out)"),
            )
        })?),
    };
    let profile = match given(params, "profile") {
        None => None,
        Some(p) if known_profiles().contains(&p) => Some(p.to_owned()),
        Some(p) => {
            return Err(InvalidParam::new(
                "profile",
                format!(
                    "unknown profile `{p}`; use one of {} (or leave it out)",
                    known_profiles().join(", ")
                ),
            ));
        }
    };
    let owned = |name| given(params, name).map(str::to_owned);
    Ok(SearchQuery {
        serial: owned("serial"),
        org_oid: owned("org"),
        org_name: owned("org_name"),
        subject: owned("subject"),
        profile,
        status,
        now,
        page: number(params, "page", 1, MAX_PAGE)?,
        per_page: number(params, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)?,
    })
}

/// What a store error means to a user: `Ok` with the bad parameter, or `Err`
/// with the internal message to log.
fn store_failure(e: StoreError) -> Result<InvalidParam, String> {
    match e {
        StoreError::InvalidInput { field, reason } => {
            Ok(InvalidParam::new(field, format!("{field}: {reason}")))
        }
        other => Err(other.to_string()),
    }
}

/// The message an internal failure shows (details go to the log only).
const UNAVAILABLE: &str = "the certificate database cannot be searched right now; try again later";

/// Runs a query; a bad request becomes 400 and a failure 500, as problems of
/// the request to `instance`.
async fn run_search(
    state: &AppState,
    q: &SearchQuery,
    instance: &str,
) -> Result<SearchPage, Problem> {
    state
        .store
        .search_certificates(q)
        .await
        .map_err(|e| match store_failure(e) {
            Ok(param) => Problem::invalid_param(instance, param),
            Err(internal) => {
                tracing::error!(error = %internal, "certificate search failed");
                Problem::internal(instance, UNAVAILABLE)
            }
        })
}

/// One hit as the API shows it.
fn item_json(hit: &SearchHit) -> serde_json::Value {
    let base = format!("/api/v1/certificates/{}", hit.serial);
    json!({
        "serial": hit.serial,
        "profile": hit.profile,
        "subject": hit.subject,
        "issuer_ca": hit.ca_id,
        "organisation": hit.organisation.as_ref().map(|o| json!({
            "oid": o.oid,
            "name_fi": o.name_fi,
            "name_sv": o.name_sv,
            "name_en": o.name_en,
        })),
        "not_before": rfc3339(hit.not_before),
        "not_after": rfc3339(hit.not_after),
        "status": hit.status.as_str(),
        "revoked_at": hit.revoked_at.map(rfc3339),
        "revocation_reason": hit.revocation_reason,
        "pem": certificate_pem(&hit.der).ok(),
        "links": {
            "self": base,
            "der": format!("{base}/der"),
            "pem": format!("{base}/pem"),
        },
    })
}

async fn api_search(
    State(state): State<AppState>,
    uri: Uri,
    query: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let instance = uri.path();
    let pairs = match query {
        Ok(Query(pairs)) => pairs,
        Err(e) => {
            return Problem::new(
                ProblemKind::InvalidParameter,
                instance,
                format!(
                    "the query string cannot be read: {e}; percent-encode each value \
                     (UTF-8) and join the pairs with &"
                ),
            )
            .into_response();
        }
    };
    let q = match collect_params(pairs).and_then(|p| parse_query(&p, now_unix())) {
        Ok(q) => q,
        Err(param) => return Problem::invalid_param(instance, param).into_response(),
    };
    match run_search(&state, &q, instance).await {
        Ok(page) => axum::Json(json!({
            "items": page.items.iter().map(item_json).collect::<Vec<_>>(),
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "next_page": page.next_page,
        }))
        .into_response(),
        Err(problem) => problem.into_response(),
    }
}

/// The one signed certificate whose serial is the path's, or the problem to
/// answer the request to `uri` with.
async fn find_one(
    state: &AppState,
    uri: &Uri,
    serial: Result<Path<String>, PathRejection>,
) -> Result<SearchHit, Problem> {
    let instance = uri.path();
    let serial = match serial {
        Ok(Path(serial)) => serial,
        Err(e) => {
            let reason =
                format!("the serial number in the path cannot be read ({e}); give its hex digits");
            return Err(Problem::invalid_param(
                instance,
                InvalidParam::new("serial", reason),
            ));
        }
    };
    let q = SearchQuery {
        serial: Some(serial.clone()),
        per_page: 1,
        ..SearchQuery::all(now_unix())
    };
    let page = run_search(state, &q, instance).await?;
    page.items.into_iter().next().ok_or_else(|| {
        Problem::new(
            ProblemKind::CertificateNotFound,
            instance,
            format!(
                "no certificate with serial {serial} was issued here; check the number, or \
                 search with GET /api/v1/certificates?subject=…"
            ),
        )
    })
}

async fn api_one(
    State(state): State<AppState>,
    uri: Uri,
    serial: Result<Path<String>, PathRejection>,
) -> Response {
    match find_one(&state, &uri, serial).await {
        Ok(hit) => axum::Json(item_json(&hit)).into_response(),
        Err(problem) => problem.into_response(),
    }
}

fn download(body: Vec<u8>, content_type: &'static str, filename: String) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

async fn api_der(
    State(state): State<AppState>,
    uri: Uri,
    serial: Result<Path<String>, PathRejection>,
) -> Response {
    match find_one(&state, &uri, serial).await {
        Ok(hit) => download(
            hit.der,
            "application/pkix-cert",
            format!("{}.der", hit.serial),
        ),
        Err(problem) => problem.into_response(),
    }
}

async fn api_pem(
    State(state): State<AppState>,
    uri: Uri,
    serial: Result<Path<String>, PathRejection>,
) -> Response {
    match find_one(&state, &uri, serial).await {
        Ok(hit) => match certificate_pem(&hit.der) {
            Ok(pem) => download(
                pem.into_bytes(),
                "application/x-pem-file",
                format!("{}.pem", hit.serial),
            ),
            Err(e) => {
                tracing::error!(serial = %hit.serial, error = %e, "stored certificate is not DER");
                Problem::internal(uri.path(), UNAVAILABLE).into_response()
            }
        },
        Err(problem) => problem.into_response(),
    }
}

// ---------------------------------------------------------------------------------
// HTML: what the pages share
// ---------------------------------------------------------------------------------

/// The templates, with HTML auto-escaping (their names end in `.html`) and the
/// i18n functions and filters ([`i18n::register`]).
fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        i18n::register(&mut env);
        for (name, source) in TEMPLATES.iter().copied() {
            if let Err(e) = env.add_template(name, source) {
                // The templates are compiled in; a test renders each of them.
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        env
    })
}

/// The page templates, compiled in: the public pages, the e-service's
/// (`es_*.html`, `crate::eservice`) and the card holder's on the card listener
/// (`card*.html`, `crate::cardpages`).
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("search.html", include_str!("../templates/search.html")),
    (
        "testservice.html",
        include_str!("../templates/testservice.html"),
    ),
    ("es_home.html", include_str!("../templates/es_home.html")),
    (
        "es_register.html",
        include_str!("../templates/es_register.html"),
    ),
    (
        "es_demo_login.html",
        include_str!("../templates/es_demo_login.html"),
    ),
    ("es_error.html", include_str!("../templates/es_error.html")),
    (
        "es_account.html",
        include_str!("../templates/es_account.html"),
    ),
    (
        "es_invitation.html",
        include_str!("../templates/es_invitation.html"),
    ),
    (
        "es_applications.html",
        include_str!("../templates/es_applications.html"),
    ),
    (
        "es_application.html",
        include_str!("../templates/es_application.html"),
    ),
    ("es_queue.html", include_str!("../templates/es_queue.html")),
    (
        "es_registration.html",
        include_str!("../templates/es_registration.html"),
    ),
    (
        "es_registration_review.html",
        include_str!("../templates/es_registration_review.html"),
    ),
    (
        "es_certificates.html",
        include_str!("../templates/es_certificates.html"),
    ),
    (
        "es_certificate.html",
        include_str!("../templates/es_certificate.html"),
    ),
    (
        "es_revoke.html",
        include_str!("../templates/es_revoke.html"),
    ),
    ("es_cards.html", include_str!("../templates/es_cards.html")),
    (
        "es_orders.html",
        include_str!("../templates/es_orders.html"),
    ),
    (
        "card_base.html",
        include_str!("../templates/card_base.html"),
    ),
    ("card.html", include_str!("../templates/card.html")),
];

/// A language switch link: this page in another language.
#[derive(Serialize)]
struct LangLink {
    code: &'static str,
    label: &'static str,
    href: String,
}

/// Percent-encodes a query value.
pub(crate) fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&…` from pairs, skipping empty values.
pub(crate) fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Renders a page: `page` names the menu item to highlight (`search`, `test`,
/// or an e-service page's, see `crate::eservice::pages`), `keep`
/// the query parameters the language switcher keeps, `ctx` the page's own
/// values; the frame adds `lang`, `langs` and `page`. The answer carries
/// `Content-Language`, `Vary` and, when `?lang=` chose the language, the cookie
/// that remembers it.
pub(crate) fn render(
    status: StatusCode,
    template: &str,
    page: &str,
    lang: &PageLang,
    keep: &[(&str, &str)],
    path: &str,
    ctx: serde_json::Value,
) -> Response {
    let langs: Vec<LangLink> = Lang::ALL
        .iter()
        .map(|l| {
            let mut pairs: Vec<(&str, &str)> = keep.to_vec();
            pairs.push(("lang", l.code()));
            LangLink {
                code: l.code(),
                label: l.autonym(),
                href: href(path, &pairs),
            }
        })
        .collect();
    let mut merged = json!({
        "lang": lang.lang.code(),
        "langs": langs,
        "page": page,
    });
    if let (Some(m), serde_json::Value::Object(own)) = (merged.as_object_mut(), ctx) {
        m.extend(own);
    }
    let rendered = environment()
        .get_template(template)
        .and_then(|t| t.render(minijinja::value::Serde(&merged)));
    match rendered {
        Ok(html) => {
            let mut resp = (status, Html(html)).into_response();
            lang.decorate(resp.headers_mut());
            resp
        }
        Err(e) => {
            tracing::error!(template, error = %e, "page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered; try again later\n",
            )
                .into_response()
        }
    }
}

// ---------------------------------------------------------------------------------
// HTML: the search page
// ---------------------------------------------------------------------------------

fn org_name(hit: &SearchHit, lang: Lang) -> Option<String> {
    let o = hit.organisation.as_ref()?;
    match lang {
        Lang::Fi => o.name_fi.clone(),
        Lang::Sv => o.name_sv.clone().or_else(|| o.name_fi.clone()),
        Lang::En => o.name_en.clone().or_else(|| o.name_fi.clone()),
    }
}

/// What the page says about a bad parameter, in the page's language (the API
/// says it in English, in the problem document).
fn page_error(lang: Lang, params: &Params, param: &InvalidParam) -> String {
    let value = params
        .get(&param.name)
        .map(|v| v.trim())
        .unwrap_or_default();
    let mut args = FluentArgs::new();
    args.set("value", value.to_owned());
    let id = match param.name.as_str() {
        "status" => "search-error-status",
        "profile" => {
            args.set("profiles", known_profiles().join(", "));
            "search-error-profile"
        }
        "page" => {
            args.set("max", MAX_PAGE);
            "search-error-page"
        }
        "per_page" => {
            args.set("max", MAX_PER_PAGE);
            "search-error-per-page"
        }
        "serial" => "search-error-serial",
        other => {
            args = FluentArgs::new();
            args.set("field", other.to_owned());
            args.set("reason", param.reason.clone());
            "search-error-invalid"
        }
    };
    i18n::translate(lang, id, Some(&args))
}

async fn search_page(
    State(state): State<AppState>,
    page_lang: PageLang,
    query: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let pairs = query.map(|Query(p)| p).unwrap_or_default();
    // The page ignores what it does not know (the API refuses it).
    let mut params = Params::new();
    for (name, value) in pairs {
        if PARAMS.contains(&name.as_str()) {
            params.entry(name).or_insert(value);
        }
    }
    let lang = page_lang.lang;
    let field = |name: &str| params.get(name).cloned().unwrap_or_default();
    let form = json!({
        "serial": field("serial"),
        "org": field("org"),
        "org_name": field("org_name"),
        "subject": field("subject"),
        "profile": field("profile"),
        "status": field("status"),
        "per_page": given(&params, "per_page").unwrap_or("20"),
    });
    let keep: Vec<(&str, String)> = [
        "serial", "org", "org_name", "subject", "profile", "status", "per_page",
    ]
    .into_iter()
    .map(|k| (k, field(k)))
    .collect();
    let keep_refs: Vec<(&str, &str)> = keep.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let profiles: Vec<_> = known_profiles()
        .into_iter()
        .map(|p| json!({ "value": p, "label": p }))
        .collect();
    let statuses: Vec<_> = SearchStatus::ALL.into_iter().map(|s| s.as_str()).collect();

    let mut ctx = json!({
        "form": form,
        "profiles": profiles,
        "statuses": statuses,
        "error": null,
        "result": null,
    });
    let mut status = StatusCode::OK;
    match parse_query(&params, now_unix()) {
        Err(param) => {
            status = StatusCode::BAD_REQUEST;
            ctx["error"] = json!(page_error(lang, &params, &param));
        }
        Ok(q) => match state.store.search_certificates(&q).await {
            Err(e) => match store_failure(e) {
                Ok(param) => {
                    status = StatusCode::BAD_REQUEST;
                    ctx["error"] = json!(page_error(lang, &params, &param));
                }
                Err(internal) => {
                    tracing::error!(error = %internal, "certificate search failed");
                    status = StatusCode::INTERNAL_SERVER_ERROR;
                    ctx["error"] = json!(i18n::t(lang, "search-error-unavailable"));
                }
            },
            Ok(page) => {
                let items: Vec<_> = page
                    .items
                    .iter()
                    .map(|h| {
                        json!({
                            "serial": h.serial,
                            "subject": h.subject,
                            "org_oid": h.organisation.as_ref().map(|o| o.oid.clone()),
                            "org_name": org_name(h, lang),
                            "profile": h.profile,
                            "ca_id": h.ca_id,
                            "not_before": h.not_before,
                            "not_before_rfc3339": rfc3339(h.not_before),
                            "not_after": h.not_after,
                            "not_after_rfc3339": rfc3339(h.not_after),
                            "status": h.status.as_str(),
                            "revoked_at": h.revoked_at,
                            "reason": h.revocation_reason,
                        })
                    })
                    .collect();
                let page_link = |n: u32| {
                    let n = n.to_string();
                    let mut pairs = keep_refs.clone();
                    pairs.push(("page", &n));
                    pairs.push(("lang", lang.code()));
                    href("/search", &pairs)
                };
                ctx["prev_href"] = json!((page.page > 1).then(|| page_link(page.page - 1)));
                ctx["next_href"] = json!(page.next_page.map(page_link));
                ctx["result"] = json!({
                    "items": items,
                    "total": page.total,
                    "page": page.page,
                });
            }
        },
    }
    // The language switcher keeps the search and the page it is on.
    let page_no = field("page");
    let mut switch = keep_refs.clone();
    switch.push(("page", &page_no));
    render(
        status,
        "search.html",
        "search",
        &page_lang,
        &switch,
        "/search",
        ctx,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parameters_are_checked() {
        let q = parse_query(&params(&[]), 5).unwrap();
        assert_eq!((q.page, q.per_page, q.now), (1, DEFAULT_PER_PAGE, 5));
        let q = parse_query(
            &params(&[
                ("status", "Revoked"),
                ("profile", "server"),
                ("subject", " x "),
            ]),
            0,
        )
        .unwrap();
        assert_eq!(q.status, Some(SearchStatus::Revoked));
        assert_eq!(q.subject.as_deref(), Some("x"));
        for (bad, needle) in [
            (("status", "gone"), "valid, revoked or expired"),
            (("profile", "tls"), "server"),
            (("per_page", "0"), "from 1 to 100"),
            (("per_page", "101"), "from 1 to 100"),
            (("page", "-1"), "whole number"),
        ] {
            let err = parse_query(&params(&[bad]), 0).unwrap_err();
            assert_eq!(err.name, bad.0);
            assert!(err.reason.contains(needle), "{bad:?}: {err:?}");
        }
        let err = collect_params(vec![("stauts".into(), "x".into())]).unwrap_err();
        assert_eq!(err.name, "stauts");
        assert!(err.reason.contains("unknown parameter `stauts`"), "{err:?}");
        let err = collect_params(vec![
            ("page".into(), "1".into()),
            ("page".into(), "2".into()),
        ])
        .unwrap_err();
        assert!(err.reason.contains("twice"), "{err:?}");
    }

    #[test]
    fn templates_compile() {
        let env = environment();
        for (name, _) in TEMPLATES.iter().copied() {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
        assert_eq!(
            href(
                "/search",
                &[("subject", "a&b <c>"), ("org", ""), ("lang", "sv")]
            ),
            "/search?subject=a%26b%20%3Cc%3E&lang=sv"
        );
    }
}

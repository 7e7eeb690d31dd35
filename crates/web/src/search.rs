//! Certificate search (the real service's "certificate search"): a JSON API and
//! a server-rendered HTML page over [`Store::search_certificates`].
//!
//! - `GET /api/v1/certificates?serial=&org=&org_name=&subject=&profile=&status=&page=&per_page=`
//!   → `{ "items": [...], "page", "per_page", "total", "next_page" }`
//! - `GET /api/v1/certificates/{serial}` → one certificate, or 404
//! - `GET /api/v1/certificates/{serial}/der` and `/pem` → the certificate file
//! - `GET /search?…&lang=fi|sv|en` → the HTML page (a GET form; no JavaScript)
//!
//! Only public data is shown: serial, profile, subject, issuing CA, organisation,
//! validity, status and the certificate itself. The status is the database's
//! (R-STATUS-TRUTH). Errors are RFC 9457 problem documents ([`Problem`]): bad
//! parameters get 400 (`invalid-parameter`, naming the parameter in
//! `invalid_params`) saying what is wrong and how to fix it, an unknown serial
//! 404 (`certificate-not-found`); times are RFC 3339.
//!
//! This module also holds what the HTML pages share: the languages, the
//! templates (minijinja, HTML auto-escaping on) and the page frame.

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
use minijinja::Environment;
use serde::Serialize;
use serde_json::json;

use crate::AppState;
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

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Finnish, the default.
    Fi,
    /// Swedish.
    Sv,
    /// English.
    En,
}

impl Lang {
    const ALL: [Lang; 3] = [Lang::Fi, Lang::Sv, Lang::En];

    /// `fi`, `sv` or `en`; anything else is Finnish.
    pub(crate) fn parse(code: Option<&str>) -> Lang {
        match code.map(str::trim) {
            Some("sv") => Lang::Sv,
            Some("en") => Lang::En,
            _ => Lang::Fi,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Lang::Fi => "Suomeksi",
            Lang::Sv => "På svenska",
            Lang::En => "In English",
        }
    }
}

/// Every text of the pages, in Finnish, Swedish and English.
const TEXTS: &[(&str, [&str; 3])] = &[
    (
        "service",
        ["Varmennepalvelu", "Certifikattjänst", "Certificate service"],
    ),
    (
        "nav_search",
        ["Varmennehaku", "Certifikatsökning", "Certificate search"],
    ),
    (
        "nav_test",
        ["Varmenteen testaus", "Testa certifikat", "Certificate test"],
    ),
    (
        "footer",
        [
            "CarePKI – sosiaali- ja terveydenhuollon varmennepalvelu. Sivulla näytetään vain julkisia varmennetietoja.",
            "CarePKI – certifikattjänst för social- och hälsovården. Sidan visar endast offentliga certifikatuppgifter.",
            "CarePKI – certificate service for social welfare and healthcare. This page shows public certificate data only.",
        ],
    ),
    (
        "search_title",
        ["Varmennehaku", "Certifikatsökning", "Certificate search"],
    ),
    (
        "search_intro",
        [
            "Hae palvelun myöntämiä varmenteita. Tyhjä haku näyttää uusimmat varmenteet.",
            "Sök certifikat som tjänsten har utfärdat. En tom sökning visar de senaste certifikaten.",
            "Search the certificates this service has issued. An empty search lists the newest.",
        ],
    ),
    ("serial", ["Sarjanumero", "Serienummer", "Serial number"]),
    (
        "org_oid",
        [
            "Organisaation OID",
            "Organisationens OID",
            "Organisation OID",
        ],
    ),
    (
        "org_name",
        [
            "Organisaation nimi",
            "Organisationens namn",
            "Organisation name",
        ],
    ),
    (
        "organisation",
        ["Organisaatio", "Organisation", "Organisation"],
    ),
    ("subject", ["Subjekti", "Subjekt", "Subject"]),
    (
        "profile",
        ["Varmennetyyppi", "Certifikattyp", "Certificate type"],
    ),
    ("status", ["Tila", "Status", "Status"]),
    ("any", ["Kaikki", "Alla", "Any"]),
    (
        "per_page",
        ["Tuloksia sivulla", "Resultat per sida", "Results per page"],
    ),
    ("search_button", ["Hae", "Sök", "Search"]),
    ("found", ["Löytyi", "Hittade", "Found"]),
    ("page", ["sivu", "sida", "page"]),
    ("issuer_ca", ["Myöntäjä-CA", "Utfärdande CA", "Issuing CA"]),
    ("issuer", ["Myöntäjä", "Utfärdare", "Issuer"]),
    (
        "valid_from",
        ["Voimassa alkaen", "Giltigt från", "Valid from"],
    ),
    ("valid_to", ["Voimassa asti", "Giltigt till", "Valid until"]),
    ("download", ["Lataa", "Ladda ner", "Download"]),
    ("test_link", ["Testaa", "Testa", "Test"]),
    (
        "no_results",
        [
            "Hakuehdoilla ei löytynyt varmenteita.",
            "Inga certifikat matchade sökningen.",
            "No certificate matches the search.",
        ],
    ),
    ("previous", ["Edellinen", "Föregående", "Previous"]),
    ("next", ["Seuraava", "Nästa", "Next"]),
    ("status_valid", ["Voimassa", "Giltigt", "Valid"]),
    ("status_revoked", ["Suljettu", "Spärrat", "Revoked"]),
    ("status_expired", ["Vanhentunut", "Utgånget", "Expired"]),
    (
        "test_title",
        ["Varmenteen testaus", "Testa certifikat", "Certificate test"],
    ),
    (
        "test_intro",
        [
            "Tarkista varmenteen ketju, voimassaolo, käyttötarkoitus ja sulkutieto. Lähetä varmenne (PEM tai DER) tai anna myöntäjä ja sarjanumero.",
            "Kontrollera certifikatets kedja, giltighet, användning och spärrstatus. Skicka certifikatet (PEM eller DER) eller ange utfärdare och serienummer.",
            "Check a certificate's chain, validity, key usage and revocation status. Send the certificate (PEM or DER), or give its issuer and serial number.",
        ],
    ),
    (
        "test_by_certificate",
        ["Varmenne", "Certifikat", "Certificate"],
    ),
    (
        "test_file",
        ["Varmennetiedosto", "Certifikatfil", "Certificate file"],
    ),
    (
        "test_paste",
        [
            "…tai liitä PEM-muotoinen varmenne",
            "…eller klistra in certifikatet i PEM-format",
            "…or paste the certificate as PEM",
        ],
    ),
    (
        "test_by_serial",
        [
            "…tai myöntäjä ja sarjanumero",
            "…eller utfärdare och serienummer",
            "…or issuer and serial number",
        ],
    ),
    (
        "test_button",
        [
            "Testaa varmenne",
            "Testa certifikatet",
            "Test the certificate",
        ],
    ),
    ("verdict", ["Tulos", "Resultat", "Result"]),
    (
        "sources_disagree",
        [
            "Varoitus: julkaistu sulkutieto on ristiriidassa tietokannan kanssa. Tietokannan tila on ratkaiseva.",
            "Varning: en publicerad spärrkälla motsäger databasen. Databasens status gäller.",
            "Warning: a published status source disagrees with the database. The database's status holds.",
        ],
    ),
    ("certificate", ["Varmenne", "Certifikat", "Certificate"]),
    (
        "chain",
        ["Varmenneketju", "Certifikatkedja", "Certificate chain"],
    ),
    ("hierarchy", ["Hierarkia", "Hierarki", "Hierarchy"]),
    (
        "production_use",
        [
            "Kelpaa tuotantoon",
            "Giltigt i produktion",
            "Valid for production",
        ],
    ),
    ("signature", ["Allekirjoitus", "Signatur", "Signature"]),
    ("verifies", ["Kunnossa", "Korrekt", "Verifies"]),
    (
        "does_not_verify",
        ["Virheellinen", "Felaktig", "Does not verify"],
    ),
    (
        "issued_here",
        [
            "Myönnetty tässä palvelussa",
            "Utfärdat av denna tjänst",
            "Issued here",
        ],
    ),
    (
        "ca_certificate",
        ["CA-varmenne", "CA-certifikat", "CA certificate"],
    ),
    ("details", ["Tiedot", "Detaljer", "Details"]),
    ("validity", ["Voimassaolo", "Giltighet", "Validity"]),
    ("state", ["Tila", "Status", "State"]),
    ("checked_at", ["Tarkistettu", "Kontrollerat", "Checked at"]),
    ("usage", ["Käyttötarkoitus", "Användning", "Key usage"]),
    ("purpose", ["Tarkoitus", "Ändamål", "Purpose"]),
    ("fits", ["Sopii", "Passar", "Fits"]),
    ("does_not_fit", ["Ei sovi", "Passar inte", "Does not fit"]),
    (
        "revocation",
        [
            "Sulkutieto lähteittäin",
            "Spärrstatus per källa",
            "Revocation status by source",
        ],
    ),
    ("source", ["Lähde", "Källa", "Source"]),
    ("revoked_at", ["Suljettu", "Spärrat", "Revoked at"]),
    (
        "updated",
        [
            "Päivitetty → seuraava",
            "Uppdaterad → nästa",
            "Updated → next",
        ],
    ),
    (
        "agrees",
        [
            "Sama kuin tietokanta",
            "Samma som databasen",
            "Agrees with database",
        ],
    ),
    ("yes", ["Kyllä", "Ja", "Yes"]),
    ("no", ["Ei", "Nej", "No"]),
    (
        "truth_note",
        [
            "Tietokanta on varmenteen tilan ainoa totuuslähde; CRL ja OCSP johdetaan siitä.",
            "Databasen är den enda sanningskällan för certifikatets status; CRL och OCSP härleds från den.",
            "The database is the one source of truth for a certificate's status; CRLs and OCSP are derived from it.",
        ],
    ),
];

/// The texts of one language, by key.
pub(crate) fn texts(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    let i = match lang {
        Lang::Fi => 0,
        Lang::Sv => 1,
        Lang::En => 2,
    };
    TEXTS.iter().map(|(k, v)| (*k, v[i])).collect()
}

/// The text of `key` in `lang` (the key itself if it has none).
pub(crate) fn text(lang: Lang, key: &str) -> &'static str {
    let i = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    TEXTS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, v)| v[i])
}

/// The templates, with HTML auto-escaping (their names end in `.html`).
fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../templates/base.html")),
            ("search.html", include_str!("../templates/search.html")),
            (
                "testservice.html",
                include_str!("../templates/testservice.html"),
            ),
        ] {
            if let Err(e) = env.add_template(name, source) {
                // The templates are compiled in; a test renders each of them.
                tracing::error!(template = name, error = %e, "template does not compile");
            }
        }
        env
    })
}

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

/// Renders a page: `page` is `search` or `test` (for the navigation), `ctx`
/// the page's own values; the frame adds `lang`, `langs` and `t`.
pub(crate) fn render(
    status: StatusCode,
    template: &str,
    page: &str,
    lang: Lang,
    lang_pairs: &[(&str, &str)],
    path: &str,
    ctx: serde_json::Value,
) -> Response {
    let langs: Vec<LangLink> = Lang::ALL
        .iter()
        .map(|l| {
            let mut pairs: Vec<(&str, &str)> = lang_pairs.to_vec();
            pairs.push(("lang", l.code()));
            LangLink {
                code: l.code(),
                label: l.label(),
                href: href(path, &pairs),
            }
        })
        .collect();
    let frame = json!({
        "lang": lang.code(),
        "langs": langs,
        "t": texts(lang),
        "page": page,
    });
    let mut merged = frame;
    if let (Some(m), serde_json::Value::Object(own)) = (merged.as_object_mut(), ctx) {
        m.extend(own);
    }
    let rendered = environment()
        .get_template(template)
        .and_then(|t| t.render(minijinja::value::Serde(&merged)));
    match rendered {
        Ok(html) => {
            let mut resp = (status, Html(html)).into_response();
            resp.headers_mut().insert(
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(lang.code()),
            );
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

fn status_label(lang: Lang, status: SearchStatus) -> &'static str {
    text(lang, &format!("status_{}", status.as_str()))
}

fn org_name(hit: &SearchHit, lang: Lang) -> Option<String> {
    let o = hit.organisation.as_ref()?;
    match lang {
        Lang::Fi => o.name_fi.clone(),
        Lang::Sv => o.name_sv.clone().or_else(|| o.name_fi.clone()),
        Lang::En => o.name_en.clone().or_else(|| o.name_fi.clone()),
    }
}

async fn search_page(
    State(state): State<AppState>,
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
    let lang = Lang::parse(params.get("lang").map(String::as_str));
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
    let statuses: Vec<_> = SearchStatus::ALL
        .into_iter()
        .map(|s| json!({ "value": s.as_str(), "label": status_label(lang, s) }))
        .collect();

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
            ctx["error"] = json!(param.reason);
        }
        Ok(q) => match state.store.search_certificates(&q).await {
            Err(e) => match store_failure(e) {
                Ok(param) => {
                    status = StatusCode::BAD_REQUEST;
                    ctx["error"] = json!(param.reason);
                }
                Err(internal) => {
                    tracing::error!(error = %internal, "certificate search failed");
                    status = StatusCode::INTERNAL_SERVER_ERROR;
                    ctx["error"] = json!(UNAVAILABLE);
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
                            "not_before": rfc3339(h.not_before),
                            "not_after": rfc3339(h.not_after),
                            "status": h.status.as_str(),
                            "status_label": status_label(lang, h.status),
                            "revoked_at": h.revoked_at.map(rfc3339),
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
    render(
        status,
        "search.html",
        "search",
        lang,
        &keep_refs,
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
    fn every_text_has_three_languages_and_templates_compile() {
        for lang in Lang::ALL {
            let t = texts(lang);
            assert!(t.values().all(|v| !v.is_empty()));
            assert_eq!(t.len(), TEXTS.len(), "keys are unique");
        }
        let env = environment();
        for name in ["base.html", "search.html", "testservice.html"] {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
        assert_eq!(Lang::parse(Some("xx")), Lang::Fi);
        assert_eq!(
            href(
                "/search",
                &[("subject", "a&b <c>"), ("org", ""), ("lang", "sv")]
            ),
            "/search?subject=a%26b%20%3Cc%3E&lang=sv"
        );
    }
}

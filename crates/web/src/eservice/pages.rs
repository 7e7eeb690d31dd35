//! The e-service's pages (issue 4), in Finnish, Swedish and English: the
//! page map and DOM contract is `docs/ESERVICE-PAGES.md`.
//!
//! Every rule and permission check is `carepki_ra::eservice`'s; a page
//! handler authenticates the session, checks the form's CSRF token, calls
//! [`EService`](carepki_ra::eservice::EService) and shows the answer:
//!
//! - a signed-out GET of a page that needs a session redirects to
//!   `/login?return_to=<the page>`;
//! - every POST is a form with the session's CSRF token in the field `csrf`
//!   (refused with a 403 page otherwise, nothing changed); forms about an
//!   application also carry the `version` shown, so that a form sent twice or
//!   an edit racing a submission is refused with a conflict;
//! - a successful POST redirects (303) to a GET page that shows
//!   `.notice[data-done=<what>]` (post/redirect/get); a refused one shows the
//!   page again with `.error[data-code=<EsError code>]`, the message
//!   translated (`error-<code>` in `locales/*/eservice.ftl`, or the English
//!   detail when a code has no translation) and the problems listed;
//! - every value is escaped by the templates (minijinja auto-escape): names
//!   of organisations, CSR subjects, file names and officers' words are
//!   attacker input and are never marked safe;
//! - the answers are `Cache-Control: no-store`, may not be framed, and send
//!   no referrer to other sites (an invitation link's token is in its path).

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use carepki_policy::ProfileId;
use carepki_policy::application::{
    Action, Actor, ApplicationError, ApplicationFacts, Requirement, Role, State as AppState,
    transition,
};
use carepki_policy::profile::Purpose;
use carepki_ra::eservice::{
    ApplicationView, ErrorKind, EsError, EsResult, MAX_CONFORMITY_BYTES, Principal,
    REQUESTABLE_REASONS,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::serde_urlencoded_pairs;
use super::session::{cookie, set_cookie};
use super::{Caller, EsWeb};
use crate::i18n::{self, Lang, PageLang};
use crate::search::{encode_query_value, render};

/// Uploads may be this large (the certificate of conformity's limit and room
/// for the form); the e-service refuses more than its own limits with a clear
/// message.
const UPLOAD_LIMIT: usize = MAX_CONFORMITY_BYTES + 1024 * 1024;

/// The cookie that carries a new API token from its form to the account page,
/// which shows it once and deletes the cookie (post/redirect/get).
const NEW_TOKEN_COOKIE: &str = "carepki_new_token";

/// The notices a page shows after a successful form: `?done=<what>` names
/// one of these (anything else is ignored); each is `es-done-<what>` in the
/// message files.
pub const DONE: &[&str] = &[
    "organisation",
    "account-created",
    "invited",
    "api-token-created",
    "api-token-revoked",
    "invitation-accepted",
    "created",
    "csr",
    "conformity",
    "syssig-basis",
    "invite-contact",
    "submit",
    "withdraw",
    "provide-info",
    "start-review",
    "approve",
    "request-more-info",
    "reject",
    "revoked",
    "card-revoked",
];

/// The actions on an application that are plain forms (POST
/// `/applications/{id}/<action>`); `csr` and `conformity` are uploads.
pub const APPLICATION_ACTIONS: &[&str] = &[
    "syssig-basis",
    "invite-contact",
    "submit",
    "withdraw",
    "provide-info",
    "start-review",
    "approve",
    "request-more-info",
    "reject",
];

/// The certificate types one applies for (not the email certificate).
pub const APPLICABLE_PROFILES: [ProfileId; 4] = [
    ProfileId::Server,
    ProfileId::TestServer,
    ProfileId::SystemSignature,
    ProfileId::TestSystemSignature,
];

/// The e-service's page routes.
pub(super) fn routes() -> Router<EsWeb> {
    let mut router = Router::new()
        .route("/", get(home))
        .route("/organisation", post(choose_org))
        .route("/account", get(account).post(create_account))
        .route("/account/invitations", post(invite))
        .route("/account/api-tokens", post(new_api_token))
        .route("/account/api-tokens/{id}/revoke", post(revoke_api_token))
        .route(
            "/invitations/{token}",
            get(invitation).post(accept_invitation),
        )
        .route("/applications", get(applications).post(new_application))
        .route("/applications/{id}", get(application))
        .route(
            "/applications/{id}/attachments/{attachment}",
            get(attachment),
        )
        .route(
            "/applications/{id}/csr",
            upload_route("csr").layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/applications/{id}/conformity",
            upload_route("conformity").layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/queue", get(queue))
        .route("/certificates", get(certificates))
        .route("/certificates/{serial}", get(certificate))
        .route("/revoke", get(revoke_page).post(revoke))
        .route("/cards", get(cards_page))
        .route("/cards/{id}/revoke", post(revoke_card));
    for action in APPLICATION_ACTIONS {
        router = router.route(
            &format!("/applications/{{id}}/{action}"),
            action_route(action),
        );
    }
    router
}

/// The headers of every page: never stored (they show a person's data), never
/// framed (clickjacking), no referrer to other sites.
pub(crate) async fn page_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn now() -> i64 {
    carepki_ca::authority::now_unix()
}

// ---------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------

/// A page to render: its template, its place in the navigation, its path
/// (for the language links) and its values.
pub(super) struct Page<'a> {
    lang: &'a PageLang,
    status: StatusCode,
    template: &'static str,
    nav: &'static str,
    path: String,
    keep: Vec<(&'static str, String)>,
    ctx: serde_json::Map<String, Value>,
}

impl<'a> Page<'a> {
    /// A page from `template`, at `path`, highlighted as `nav` in the menu.
    pub(super) fn new(
        lang: &'a PageLang,
        template: &'static str,
        nav: &'static str,
        path: impl Into<String>,
    ) -> Self {
        let mut ctx = serde_json::Map::new();
        ctx.insert("es_page".into(), Value::Bool(true));
        Self {
            lang,
            status: StatusCode::OK,
            template,
            nav,
            path: path.into(),
            keep: Vec::new(),
            ctx,
        }
    }

    /// The page's language.
    pub(super) fn lang(&self) -> Lang {
        self.lang.lang
    }

    /// Sets a value.
    pub(super) fn with(mut self, key: &str, value: impl serde::Serialize) -> Self {
        self.ctx.insert(
            key.to_owned(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }

    /// A query parameter the language links keep.
    pub(super) fn keep(mut self, key: &'static str, value: &str) -> Self {
        if !value.is_empty() {
            self.keep.push((key, value.to_owned()));
        }
        self
    }

    /// The notice of a done action (`?done=`), if it is one of [`DONE`].
    pub(super) fn notice(self, done: Option<&str>) -> Self {
        match done.and_then(|d| {
            DONE.iter()
                .chain(super::registration::DONE)
                .find(|x| **x == d)
        }) {
            Some(done) => {
                let text = i18n::t(self.lang(), &format!("es-done-{done}"));
                self.with("es_notice", json!({"done": done, "text": text}))
            }
            None => self,
        }
    }

    /// The refusal to show, with its status.
    pub(super) fn error(mut self, e: Option<&EsError>) -> Self {
        if let Some(e) = e {
            self.status = status_of(e);
            let lang = self.lang();
            self = self.with("es_error", error_json(lang, e));
        }
        self
    }

    /// Renders it, with the signed-in frame when `caller` is given.
    pub(super) fn render(mut self, web: &EsWeb, caller: Option<&Caller>) -> Response {
        if let Some(c) = caller {
            let session = session_json(web, c, self.lang());
            self.ctx.insert("session".into(), session);
        }
        let keep: Vec<(&str, &str)> = self.keep.iter().map(|(k, v)| (*k, v.as_str())).collect();
        render(
            self.status,
            self.template,
            self.nav,
            self.lang,
            &keep,
            &self.path,
            Value::Object(self.ctx),
        )
    }
}

/// The HTTP status of a refusal.
fn status_of(e: &EsError) -> StatusCode {
    StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

/// The header of a signed-in page: his name, the organisation he acts for
/// (R-ACCOUNT: always visible), his global roles and the CSRF token of the
/// sign-out form.
fn session_json(web: &EsWeb, c: &Caller, lang: Lang) -> Value {
    let p = &c.principal;
    json!({
        "user_name": p.user.as_ref().map(|u| u.display_name.clone()),
        "acting_for": p.org.as_ref().map(|o| json!({
            "oid": o.oid,
            "name": o.name(lang.code()),
            "role": o.role.as_str(),
        })),
        "csrf": csrf_of(web, c),
        "officer": p.officer,
        "auditor": p.auditor,
    })
}

/// The CSRF token of the caller's session.
pub(super) fn csrf_of(web: &EsWeb, c: &Caller) -> String {
    c.session_token
        .as_deref()
        .map(|t| web.keys.csrf_token(t))
        .unwrap_or_default()
}

/// The Fluent id of an error code: `error-` and the code with `.` and `_` as
/// `-` (`csr.key_reused` → `error-csr-key-reused`).
pub fn error_message_id(code: &str) -> String {
    format!("error-{}", code.replace(['.', '_'], "-"))
}

/// The Fluent id of a requirement's code (`requirement.syssig_basis` →
/// `requirement-syssig-basis`).
pub fn requirement_message_id(code: &str) -> String {
    code.replace(['.', '_'], "-")
}

/// Every requirement, to recognise one in a refusal's problems.
const REQUIREMENTS: [Requirement; 4] = [
    Requirement::Csr,
    Requirement::SyssigBasis,
    Requirement::KantaIntermediary,
    Requirement::Conformity,
];

/// A refusal as a page shows it: the code, the message in the page's
/// language (the English detail when the code has no translation), and the
/// problems — a requirement translated, anything else (the profile check's
/// findings) as the domain says it, in English.
pub(super) fn error_json(lang: Lang, e: &EsError) -> Value {
    let translated = i18n::message(lang, &error_message_id(e.code), None);
    let message_lang = if translated.is_some() {
        None
    } else {
        Some("en")
    };
    let message = translated.unwrap_or_else(|| e.detail.clone());
    let problems: Vec<Value> = e
        .problems
        .iter()
        .map(
            |p| match REQUIREMENTS.iter().find(|r| r.to_string() == *p) {
                Some(r) => json!({
                    "text": i18n::t(lang, &requirement_message_id(r.code())),
                    "lang": null,
                }),
                None => json!({"text": p, "lang": "en"}),
            },
        )
        .collect();
    json!({
        "code": e.code,
        "message": message,
        "message_lang": message_lang,
        "problems": problems,
    })
}

/// A page that only says what went wrong, with a way back to `back`.
pub(super) fn error_page(
    web: &EsWeb,
    lang: &PageLang,
    caller: Option<&Caller>,
    e: &EsError,
    back: &str,
) -> Response {
    Page::new(lang, "es_error.html", "", back)
        .with("back", back)
        .error(Some(e))
        .render(web, caller)
}

/// 303 to `to`.
pub(super) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// 303 to the sign-in, which comes back to `return_to`.
fn to_login(return_to: &str) -> Response {
    see_other(&format!(
        "/login?return_to={}",
        encode_query_value(return_to)
    ))
}

/// The refusal of a form without its session's CSRF token.
pub(super) fn csrf_refused() -> EsError {
    EsError::forbidden(
        "csrf",
        "the form is stale or did not come from this service: reload the page and \
         send it again",
    )
}

/// The signed-in caller, or the answer: to the sign-in (coming back to
/// `return_to`), or an error page.
pub(super) async fn signed_in(
    web: &EsWeb,
    lang: &PageLang,
    headers: &HeaderMap,
    return_to: &str,
) -> Result<Caller, Response> {
    match web.session_caller(headers, now()).await {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(to_login(return_to)),
        Err(e) => Err(error_page(web, lang, None, &e, "/")),
    }
}

/// The signed-in caller of a form whose CSRF token is `csrf`, or the answer:
/// to the sign-in (coming back to the form's page `back`), or 403.
pub(super) async fn form_caller(
    web: &EsWeb,
    lang: &PageLang,
    headers: &HeaderMap,
    csrf: Option<&str>,
    back: &str,
) -> Result<Caller, Response> {
    let c = signed_in(web, lang, headers, back).await?;
    if web.csrf_ok(&c, csrf) {
        Ok(c)
    } else {
        Err(error_page(web, lang, Some(&c), &csrf_refused(), back))
    }
}

/// A form's fields (`application/x-www-form-urlencoded`).
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    pub(super) fn parse(bytes: &Bytes) -> Self {
        Self(serde_urlencoded_pairs(bytes))
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// The application version the form was made from; one that is not a
    /// number matches no version.
    fn version(&self) -> Option<i64> {
        self.get("version")
            .map(|v| v.trim().parse::<i64>().unwrap_or(-1))
    }
}

/// What a GET page may be asked in its query.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PageQuery {
    pub(super) done: Option<String>,
    serial: Option<String>,
}

pub(super) fn page_query(q: Result<Query<PageQuery>, QueryRejection>) -> PageQuery {
    q.map(|Query(q)| q).unwrap_or_default()
}

/// The policy's actor for the principal, as the e-service makes it: the CA
/// officer for the officer's actions, otherwise his organisation role.
fn actor(p: &Principal, officer_action: bool) -> Actor {
    let role = if officer_action && p.officer {
        Role::CaOfficer
    } else if let Some(o) = &p.org {
        o.role
    } else if p.officer {
        Role::CaOfficer
    } else {
        Role::Auditor
    };
    Actor {
        id: p.actor.clone(),
        role,
        organisation: p.org.as_ref().map(|o| o.oid.clone()),
    }
}

/// The organisation names of the register by OID, in `lang`.
pub(super) async fn org_names(web: &EsWeb, lang: Lang) -> EsResult<HashMap<String, String>> {
    let rows = web
        .es
        .store()
        .organisations()
        .await
        .map_err(EsError::from)?;
    Ok(rows
        .into_iter()
        .map(|o| {
            let name = match lang {
                Lang::Fi => o.name_fi,
                Lang::Sv => o.name_sv,
                Lang::En => o.name_en,
            };
            (o.oid, name)
        })
        .collect())
}

// ---------------------------------------------------------------------------------
// Home and the organisation chooser (R-ACCOUNT)
// ---------------------------------------------------------------------------------

async fn home(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    match web.session_caller(&headers, now()).await {
        Ok(c) => home_page(&web, &lang, c.as_ref(), q.done.as_deref(), None).await,
        Err(e) => error_page(&web, &lang, None, &e, "/"),
    }
}

async fn home_page(
    web: &EsWeb,
    lang: &PageLang,
    caller: Option<&Caller>,
    done: Option<&str>,
    error: Option<&EsError>,
) -> Response {
    let mut page = Page::new(lang, "es_home.html", "home", "/");
    if let Some(c) = caller
        && let Some(user) = &c.principal.user
    {
        let orgs = match web.es.organisations_of(user.id).await {
            Ok(o) => o,
            Err(e) => return error_page(web, lang, Some(c), &e, "/"),
        };
        let current = c.principal.org.as_ref().map(|o| o.oid.as_str());
        let orgs: Vec<Value> = orgs
            .iter()
            .map(|o| {
                json!({
                    "oid": o.oid,
                    "name": o.name(lang.lang.code()),
                    "role": o.role.as_str(),
                    "current": Some(o.oid.as_str()) == current,
                })
            })
            .collect();
        page = page.with("orgs", orgs).with("csrf", csrf_of(web, c));
        // Card orders (issue 5, point 3): the link for a registrar of any point.
        let registrar = match web.es.cards().registrar_points(user.id).await {
            Ok(points) => !points.is_empty(),
            Err(e) => return error_page(web, lang, Some(c), &e, "/"),
        };
        page = page.with("registrar", registrar);
    }
    page.notice(done).error(error).render(web, caller)
}

/// `POST /organisation`: the organisation he acts for from now on.
async fn choose_org(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let user = user_of(&c)?;
        let oid = form.text("org_oid").trim();
        let p = web.es.principal_for_user(user, Some(oid)).await?;
        let org = p
            .org
            .ok_or_else(|| EsError::not_found(&format!("organisation {oid}")))?;
        set_session_org(&web, &c, &org.oid).await
    }
    .await;
    match r {
        Ok(()) => see_other("/?done=organisation"),
        Err(e) => home_page(&web, &lang, Some(&c), None, Some(&e)).await,
    }
}

fn user_of(c: &Caller) -> EsResult<i64> {
    c.principal
        .user
        .as_ref()
        .map(|u| u.id)
        .ok_or_else(|| EsError::forbidden("user_only", "only a signed-in person can do this"))
}

async fn set_session_org(web: &EsWeb, c: &Caller, oid: &str) -> EsResult<()> {
    if let Some(token) = &c.session_token {
        web.es
            .store()
            .set_session_org(&super::session::session_hash(token), Some(oid))
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The customer account (R-ACCOUNT)
// ---------------------------------------------------------------------------------

async fn account(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let c = match signed_in(&web, &lang, &headers, "/account").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let q = page_query(q);
    // A token just made is shown here once (its form redirected here).
    let new_token = cookie(&headers, NEW_TOKEN_COOKIE)
        .and_then(|v| open_new_token(&web, &c, v))
        .filter(|_| q.done.as_deref() == Some("api-token-created"));
    let had_cookie = cookie(&headers, NEW_TOKEN_COOKIE).is_some();
    let mut resp = account_page(&web, &lang, &c, q.done.as_deref(), None, new_token).await;
    if had_cookie && let Ok(v) = HeaderValue::from_str(&token_cookie("", 0, web.secure_cookies)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The cookie that carries a new token to the account page: the token and a
/// MAC bound to the session, for five minutes, only to `/account`.
fn token_cookie(value: &str, max_age: i64, secure: bool) -> String {
    set_cookie(NEW_TOKEN_COOKIE, value, max_age, secure)
        .replacen("Path=/;", "Path=/account;", 1)
        .replacen("SameSite=Lax", "SameSite=Strict", 1)
}

fn new_token_mac(web: &EsWeb, c: &Caller, token: &str) -> String {
    let session = c.session_token.as_deref().unwrap_or("");
    web.keys
        .csrf_token(&format!("new-api-token\n{session}\n{token}"))
}

/// The token in the cookie, if its MAC is this session's.
fn open_new_token(web: &EsWeb, c: &Caller, value: &str) -> Option<String> {
    let (token, mac) = value.split_once('.')?;
    let want = new_token_mac(web, c, token);
    let same: bool = subtle::ConstantTimeEq::ct_eq(want.as_bytes(), mac.as_bytes()).into();
    same.then(|| token.to_owned()).filter(|t| !t.is_empty())
}

async fn account_page(
    web: &EsWeb,
    lang: &PageLang,
    c: &Caller,
    done: Option<&str>,
    error: Option<&EsError>,
    new_token: Option<String>,
) -> Response {
    let p = &c.principal;
    let l = lang.lang;
    let now = now();
    let mut register = match web.es.store().organisations().await {
        Ok(rows) => rows
            .into_iter()
            .map(|o| {
                let name = match l {
                    Lang::Fi => o.name_fi,
                    Lang::Sv => o.name_sv,
                    Lang::En => o.name_en,
                };
                (name, o.oid)
            })
            .collect::<Vec<_>>(),
        Err(e) => return error_page(web, lang, Some(c), &EsError::from(e), "/"),
    };
    register.sort();
    let register: Vec<Value> = register
        .into_iter()
        .map(|(name, oid)| json!({"oid": oid, "name": name}))
        .collect();
    let mut page = Page::new(lang, "es_account.html", "account", "/account")
        .with("csrf", csrf_of(web, c))
        .with("register", register)
        .with("new_token", new_token)
        .with("max_token_days", web.es.settings().api_token_max_days);
    if p.org_role() == Some(Role::OrgAdmin) {
        let account = match web.es.customer_account(p).await {
            Ok(a) => a,
            Err(e) => return error_page(web, lang, Some(c), &e, "/"),
        };
        let tokens = match web.es.api_tokens(p).await {
            Ok(t) => t,
            Err(e) => return error_page(web, lang, Some(c), &e, "/"),
        };
        let invitations: Vec<Value> = account
            .invitations
            .iter()
            .map(|i| {
                let status = if i.used_at.is_some() {
                    "used"
                } else if i.expires_at <= now {
                    "expired"
                } else {
                    "open"
                };
                json!({
                    "email": i.email,
                    "role": i.role,
                    "application_id": i.application_id,
                    "created_at": i.created_at,
                    "expires_at": i.expires_at,
                    "used_at": i.used_at,
                    "status": status,
                })
            })
            .collect();
        let tokens: Vec<Value> = tokens
            .iter()
            .map(|t| {
                let status = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.expires_at <= now {
                    "expired"
                } else {
                    "active"
                };
                json!({
                    "id": t.id,
                    "name": t.name,
                    "created_at": t.created_at,
                    "expires_at": t.expires_at,
                    "last_used_at": t.last_used_at,
                    "revoked_at": t.revoked_at,
                    "status": status,
                })
            })
            .collect();
        page = page
            .with("admin", true)
            .with("members", &account.members)
            .with("invitations", invitations)
            .with("tokens", tokens);
    }
    page.notice(done).error(error).render(web, Some(c))
}

/// `POST /account`: creates the customer account of an organisation in the
/// register; its creator is its administrator and acts for it from now on.
async fn create_account(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/account").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let m = web
            .es
            .create_customer_account(&c.principal, form.text("org_oid"), now())
            .await?;
        set_session_org(&web, &c, &m.org_oid).await
    }
    .await;
    match r {
        Ok(()) => see_other("/account?done=account-created"),
        Err(e) => account_page(&web, &lang, &c, None, Some(&e), None).await,
    }
}

/// How many invitations one person may send in an hour (the API's limit).
fn invite_limited(web: &EsWeb, c: &Caller) -> EsResult<()> {
    web.limiter
        .check(
            "invite",
            &c.principal.actor,
            super::api::INVITES_PER_HOUR,
            3600,
            now(),
        )
        .map_err(|retry| {
            EsError::new(
                ErrorKind::Conflict,
                "rate_limited",
                format!("too many invitations: try again in {retry} seconds"),
            )
        })
}

/// `POST /account/invitations`: the administrator invites a user.
async fn invite(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/account").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        invite_limited(&web, &c)?;
        web.es
            .invite(
                &c.principal,
                form.text("email"),
                form.text("role"),
                None,
                form.get("language").unwrap_or(lang.lang.code()),
                now(),
            )
            .await
    }
    .await;
    match r {
        Ok(_) => see_other("/account?done=invited"),
        Err(e) => account_page(&web, &lang, &c, None, Some(&e), None).await,
    }
}

/// `POST /account/api-tokens`: a new API token, shown once on the account
/// page.
async fn new_api_token(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/account").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let days = form.text("days").trim();
        let days = if days.is_empty() {
            90
        } else {
            days.parse::<i64>().map_err(|_| {
                EsError::invalid(
                    "api_token.days",
                    "give the token's validity in days, as a whole number",
                )
            })?
        };
        web.es
            .create_api_token(&c.principal, form.text("name"), days, now())
            .await
    }
    .await;
    match r {
        Ok(t) => {
            let value = format!("{}.{}", t.token, new_token_mac(&web, &c, &t.token));
            let mut resp = see_other("/account?done=api-token-created");
            if let Ok(v) = HeaderValue::from_str(&token_cookie(&value, 300, web.secure_cookies)) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Err(e) => account_page(&web, &lang, &c, None, Some(&e), None).await,
    }
}

/// `POST /account/api-tokens/{id}/revoke`.
async fn revoke_api_token(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/account").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = match id {
        Ok(Path(id)) => web.es.revoke_api_token(&c.principal, id, now()).await,
        Err(_) => Err(EsError::not_found("the API token")),
    };
    match r {
        Ok(()) => see_other("/account?done=api-token-revoked"),
        Err(e) => account_page(&web, &lang, &c, None, Some(&e), None).await,
    }
}

// ---------------------------------------------------------------------------------
// Invitations (R-ACCOUNT, R-CSR)
// ---------------------------------------------------------------------------------

/// The path of an invitation page, its token percent-encoded.
fn invitation_path(token: &str) -> String {
    format!("/invitations/{}", encode_query_value(token))
}

async fn invitation(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let path = invitation_path(&token);
    let c = match signed_in(&web, &lang, &headers, &path).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    invitation_page(&web, &lang, &c, &path, None)
}

fn invitation_page(
    web: &EsWeb,
    lang: &PageLang,
    c: &Caller,
    path: &str,
    error: Option<&EsError>,
) -> Response {
    Page::new(lang, "es_invitation.html", "", path)
        .with("csrf", csrf_of(web, c))
        .with("action", path)
        .error(error)
        .render(web, Some(c))
}

/// `POST /invitations/{token}`: takes the invitation up; he then acts for
/// its organisation, and a technical contact goes to his application.
async fn accept_invitation(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    Path(token): Path<String>,
    bytes: Bytes,
) -> Response {
    let path = invitation_path(&token);
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), &path).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let r = async {
        let inv = web
            .es
            .accept_invitation(&c.principal, &token, now())
            .await?;
        set_session_org(&web, &c, &inv.org_oid).await?;
        Ok::<_, EsError>(inv)
    }
    .await;
    match r {
        Ok(inv) => match inv.application_id {
            Some(id) => see_other(&format!("/applications/{id}?done=invitation-accepted")),
            None => see_other("/?done=invitation-accepted"),
        },
        Err(e) => invitation_page(&web, &lang, &c, &path, Some(&e)),
    }
}

// ---------------------------------------------------------------------------------
// Applications (R-STAGES)
// ---------------------------------------------------------------------------------

async fn applications(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let c = match signed_in(&web, &lang, &headers, "/applications").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let q = page_query(q);
    applications_page(&web, &lang, &c, q.done.as_deref(), None).await
}

async fn applications_page(
    web: &EsWeb,
    lang: &PageLang,
    c: &Caller,
    done: Option<&str>,
    error: Option<&EsError>,
) -> Response {
    let p = &c.principal;
    let rows = match web.es.applications(p).await {
        Ok(r) => r,
        Err(e) => return error_page(web, lang, Some(c), &e, "/"),
    };
    let now = now();
    let items: Vec<Value> = rows
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "profile": a.profile,
                "state": a.state,
                "created_at": a.created_at,
                "updated_at": a.updated_at,
                "due_at": a.due_at,
                "overdue": a.due_at.is_some_and(|d| d < now),
            })
        })
        .collect();
    let may_create = matches!(p.org_role(), Some(Role::OrgAdmin | Role::OrgUser));
    let profiles: Vec<&str> = APPLICABLE_PROFILES.iter().map(|p| p.as_str()).collect();
    Page::new(
        lang,
        "es_applications.html",
        "applications",
        "/applications",
    )
    .with("csrf", csrf_of(web, c))
    .with("applications", items)
    .with("may_create", may_create)
    .with("profiles", profiles)
    .notice(done)
    .error(error)
    .render(web, Some(c))
}

/// `POST /applications`: a new draft, then its page.
async fn new_application(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/applications").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    match web
        .es
        .create_application(&c.principal, form.text("profile"), now())
        .await
    {
        Ok(app) => see_other(&format!("/applications/{}?done=created", app.id)),
        Err(e) => applications_page(&web, &lang, &c, None, Some(&e)).await,
    }
}

async fn application(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let raw = id.map(|Path(s)| s).unwrap_or_default();
    let path = format!("/applications/{}", encode_query_value(&raw));
    let c = match signed_in(&web, &lang, &headers, &path).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let Ok(id) = raw.parse::<i64>() else {
        let e = EsError::not_found(&format!("application {raw}"));
        return error_page(&web, &lang, Some(&c), &e, "/applications");
    };
    let q = page_query(q);
    application_page(&web, &lang, &c, id, q.done.as_deref(), None).await
}

/// The names of the people behind actor ids (`user:<id>`), for the timeline
/// and the technical contacts.
pub(super) async fn user_names(
    web: &EsWeb,
    actors: impl Iterator<Item = &str>,
) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for actor in actors {
        if names.contains_key(actor) {
            continue;
        }
        if let Some(id) = actor
            .strip_prefix("user:")
            .and_then(|s| s.parse::<i64>().ok())
            && let Ok(Some(u)) = web.es.store().user(id).await
        {
            names.insert(actor.to_owned(), u.display_name);
        }
    }
    names
}

/// One application's page (R-STAGES): its state and timeline, what it
/// lacks, its attachments and CSR in plain words, and the forms the reader
/// may use now — exactly those the policy would accept from him.
async fn application_page(
    web: &EsWeb,
    lang: &PageLang,
    c: &Caller,
    id: i64,
    done: Option<&str>,
    error: Option<&EsError>,
) -> Response {
    let p = &c.principal;
    let path = format!("/applications/{id}");
    let view = match web.es.application(p, id).await {
        Ok(v) => v,
        Err(e) => return error_page(web, lang, Some(c), &e, "/applications"),
    };
    let facts: ApplicationFacts = match serde_json::from_value(view.application.facts.clone()) {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(id, error = %e, "application facts unreadable");
            let e = EsError::new(
                ErrorKind::Unavailable,
                "unavailable",
                "the application cannot be shown right now; try again in a moment",
            );
            return error_page(web, lang, Some(c), &e, "/applications");
        }
    };
    let ctx = application_ctx(web, lang.lang, p, &view, &facts).await;
    let mut page =
        Page::new(lang, "es_application.html", "applications", path).with("csrf", csrf_of(web, c));
    for (k, v) in ctx {
        page = page.with(&k, v);
    }
    page.notice(done).error(error).render(web, Some(c))
}

/// What the application page shows.
async fn application_ctx(
    web: &EsWeb,
    lang: Lang,
    p: &Principal,
    view: &ApplicationView,
    facts: &ApplicationFacts,
) -> serde_json::Map<String, Value> {
    let now = now();
    let row = &view.application;
    let org_actor = actor(p, false);
    let officer_actor = actor(p, true);
    let try_as = |a: Action, who: &Actor| transition(facts, a, who, now);
    let ok = |a: Action, who: &Actor| try_as(a, who).is_ok();
    let ok_or_missing = |a: Action, who: &Actor| {
        matches!(
            try_as(a, who),
            Ok(_) | Err(ApplicationError::NotReady { .. })
        )
    };
    let org_member = matches!(p.org_role(), Some(Role::OrgAdmin | Role::OrgUser));
    let syssig = facts.profile.purpose() == Purpose::SystemSignature;
    let officer = p.officer;
    let may = json!({
        // R-CSR: the applicant or the invited technical contact.
        "csr": ok(Action::AttachCsr, &org_actor),
        // R-CONFORMITY: a system signature application's certificate of conformity.
        "conformity": syssig && ok(Action::AttachConformity, &org_actor),
        // R-SYSSIG-APPLICANT: the ground of a system signature application.
        "syssig_basis": syssig && ok(Action::Edit, &org_actor),
        "invite_contact": org_member && ok(Action::Edit, &org_actor),
        "submit": ok_or_missing(Action::Submit, &org_actor),
        "withdraw": ok(Action::Withdraw, &org_actor),
        "provide_info": ok_or_missing(Action::ProvideInfo, &org_actor),
        "start_review": officer && ok(Action::StartReview, &officer_actor),
        "approve": officer && ok_or_missing(Action::Approve, &officer_actor),
        "approved_already": officer && matches!(
            try_as(Action::Approve, &officer_actor),
            Err(ApplicationError::SameOfficer)
        ),
        "request_more_info": officer && ok(
            Action::RequestMoreInfo { message: "?".into() },
            &officer_actor,
        ),
        "reject": officer && ok(Action::Reject { reason: "?".into() }, &officer_actor),
    });
    let actors = view
        .timeline
        .iter()
        .map(|e| e.actor_id.as_str())
        .chain(facts.technical_contacts.iter().map(String::as_str))
        .chain(
            view.timeline
                .iter()
                .filter_map(|e| e.detail.get("technical_contact_added"))
                .filter_map(Value::as_str),
        )
        .chain(view.attachments.iter().map(|a| a.meta.uploaded_by.as_str()));
    let names = user_names(web, actors).await;
    // Officers' names are not shown to applicants: the CA decides, not a person.
    let name_of = |actor: &str, role: &str| -> Option<String> {
        if matches!(role, "org-admin" | "org-user" | "technical-contact") || p.officer || p.auditor
        {
            names.get(actor).cloned()
        } else {
            None
        }
    };
    let timeline: Vec<Value> = view
        .timeline
        .iter()
        .map(|e| {
            let d = &e.detail;
            json!({
                "action": e.action,
                "state": e.state,
                "at": e.at,
                "at_rfc3339": carepki_ca::authority::rfc3339(e.at),
                "role": e.role,
                "actor": name_of(&e.actor_id, &e.role),
                "message": d.get("message").and_then(Value::as_str),
                "reason": d.get("reason").and_then(Value::as_str),
                "serial": d.get("serial").and_then(Value::as_str),
                "basis": d.get("syssig_basis").and_then(Value::as_str),
                "contact": d
                    .get("technical_contact_added")
                    .and_then(Value::as_str)
                    .map(|a| names.get(a).cloned().unwrap_or_default()),
            })
        })
        .collect();
    let attachments: Vec<Value> = view
        .attachments
        .iter()
        .map(|a| {
            let m = &a.meta;
            json!({
                "id": m.id,
                "kind": m.kind,
                "filename": m.filename,
                "size": m.size,
                "sha256": m.sha256,
                "uploaded_at": m.uploaded_at,
                "uploaded_by": names.get(&m.uploaded_by).cloned(),
            })
        })
        .collect();
    let missing: Vec<Value> = view
        .missing
        .iter()
        .map(|(code, _)| json!({"code": code, "id": requirement_message_id(code)}))
        .collect();
    let contacts: Vec<String> = facts
        .technical_contacts
        .iter()
        .map(|a| names.get(a).cloned().unwrap_or_else(|| a.clone()))
        .collect();
    let (message, reason) = match &facts.state {
        AppState::Incomplete { message } => (Some(message.clone()), None),
        AppState::Rejected { reason } => (None, Some(reason.clone())),
        _ => (None, None),
    };
    let org_name = web
        .es
        .store()
        .organisation(&row.org_oid)
        .await
        .ok()
        .flatten()
        .map(|o| match lang {
            Lang::Fi => o.name_fi,
            Lang::Sv => o.name_sv,
            Lang::En => o.name_en,
        });
    let mut ctx = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        ctx.insert(k.to_owned(), v);
    };
    put(
        "app",
        json!({
            "id": row.id,
            "version": row.version,
            "profile": row.profile,
            "state": row.state,
            "org_oid": row.org_oid,
            "created_at": row.created_at,
            "completed_at": row.completed_at,
            "due_at": row.due_at,
            // R-SLA: delivery within 5 working days of a complete application.
            "overdue": row.due_at.is_some_and(|d| d < now),
            // R-LAPSE: the last second before a pending application lapses.
            "lapses_after": view.lapses_after,
            "syssig": syssig,
            "syssig_basis": view.syssig_basis,
            "kanta_intermediary": facts.kanta_intermediary,
            "private": facts.sector == carepki_policy::org::Sector::Private,
            "kanta_provider": view.technical_contact_organisation.is_some(),
            "approvals_needed": view.approvals.0,
            "approvals_given": view.approvals.1,
            "serial": view.serial,
            "message": message,
            "reason": reason,
        }),
    );
    // R-LONGNAME: the long name from the register, as the certificate will say it.
    put("long_name", json!(view.organisation));
    put("org_name", json!(org_name));
    put("timeline", json!(timeline));
    put("attachments", json!(attachments));
    put("csr", json!(view.csr));
    put("missing", json!(missing));
    put("contacts", json!(contacts));
    put("may", may);
    put("csr_max", json!(carepki_ra::eservice::MAX_CSR_BYTES));
    put(
        "conformity_max_mb",
        json!(MAX_CONFORMITY_BYTES / (1024 * 1024)),
    );
    ctx
}

/// A plain form's route on an application: `POST /applications/{id}/<action>`.
fn action_route(action: &'static str) -> MethodRouter<EsWeb> {
    post(
        move |State(web): State<EsWeb>,
              lang: PageLang,
              headers: HeaderMap,
              id: Result<Path<i64>, PathRejection>,
              bytes: Bytes| async move { act(web, lang, headers, id, action, bytes).await },
    )
}

async fn act(
    web: EsWeb,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    action: &'static str,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let id = id.map(|Path(id)| id).unwrap_or(0);
    let back = format!("/applications/{id}");
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), &back).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let p = &c.principal;
    let v = form.version();
    let now = now();
    let es = &web.es;
    let r: EsResult<()> = match action {
        "syssig-basis" => es
            .set_syssig_basis(p, id, v, form.text("basis"), now)
            .await
            .map(drop),
        "invite-contact" => invite_contact(&web, &c, id, v, &form, lang.lang).await,
        "submit" => es.submit(p, id, v, now).await.map(drop),
        "withdraw" => es.withdraw(p, id, v, now).await.map(drop),
        "provide-info" => es.provide_info(p, id, v, now).await.map(drop),
        "start-review" => es.start_review(p, id, v, now).await.map(drop),
        "approve" => es.approve(p, id, v, now).await.map(drop),
        "request-more-info" => es
            .request_more_info(p, id, v, form.text("message"), now)
            .await
            .map(drop),
        "reject" => es
            .reject(p, id, v, form.text("reason"), now)
            .await
            .map(drop),
        _ => Err(EsError::not_found("the action")),
    };
    match r {
        Ok(()) => see_other(&format!("{back}?done={action}")),
        Err(e) => application_page(&web, &lang, &c, id, None, Some(&e)).await,
    }
}

/// Invites a technical contact to the application (R-CSR), if the
/// application is still the version the form showed.
async fn invite_contact(
    web: &EsWeb,
    c: &Caller,
    id: i64,
    version: Option<i64>,
    form: &Form,
    lang: Lang,
) -> EsResult<()> {
    let p = &c.principal;
    let view = web.es.application(p, id).await?;
    if let Some(v) = version
        && v != view.application.version
    {
        return Err(EsError::new(
            ErrorKind::Conflict,
            "application.changed",
            format!(
                "application {id} has changed since you opened it: reload it, check it, and \
                 do this again if still needed"
            ),
        ));
    }
    invite_limited(web, c)?;
    web.es
        .invite(
            p,
            form.text("email"),
            "technical-contact",
            Some(id),
            form.get("language").unwrap_or(lang.code()),
            now(),
        )
        .await
        .map(drop)
}

/// An upload's route: `POST /applications/{id}/csr|conformity`, multipart.
fn upload_route(kind: &'static str) -> MethodRouter<EsWeb> {
    post(
        move |State(web): State<EsWeb>,
              lang: PageLang,
              headers: HeaderMap,
              id: Result<Path<i64>, PathRejection>,
              mp: Result<Multipart, MultipartRejection>| async move {
            upload(web, lang, headers, id, kind, mp).await
        },
    )
}

/// A multipart form with a file.
struct Upload {
    csrf: Option<String>,
    version: Option<i64>,
    filename: String,
    bytes: Vec<u8>,
}

fn upload_failed(e: &axum::extract::multipart::MultipartError) -> EsError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        EsError::new(
            ErrorKind::TooLarge,
            "upload.too_large",
            format!(
                "the file is too large: a certificate of conformity is at most {} MB and a \
                 certificate request much less",
                MAX_CONFORMITY_BYTES / (1024 * 1024)
            ),
        )
    } else {
        EsError::invalid(
            "upload.unreadable",
            "the upload could not be read: choose the file and send the form again",
        )
    }
}

async fn read_upload(mut mp: Multipart) -> EsResult<Upload> {
    let mut up = Upload {
        csrf: None,
        version: None,
        filename: String::new(),
        bytes: Vec::new(),
    };
    while let Some(field) = mp.next_field().await.map_err(|e| upload_failed(&e))? {
        match field.name().unwrap_or("") {
            "csrf" => up.csrf = Some(field.text().await.map_err(|e| upload_failed(&e))?),
            "version" => {
                let v = field.text().await.map_err(|e| upload_failed(&e))?;
                up.version = Some(v.trim().parse().unwrap_or(-1));
            }
            "file" => {
                up.filename = field.file_name().unwrap_or("").to_owned();
                up.bytes = field.bytes().await.map_err(|e| upload_failed(&e))?.to_vec();
            }
            _ => {
                field.bytes().await.map_err(|e| upload_failed(&e))?;
            }
        }
    }
    Ok(up)
}

async fn upload(
    web: EsWeb,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    kind: &'static str,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let id = id.map(|Path(id)| id).unwrap_or(0);
    let back = format!("/applications/{id}");
    let c = match signed_in(&web, &lang, &headers, &back).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let up = match mp {
        Ok(mp) => read_upload(mp).await,
        Err(_) => Err(EsError::invalid(
            "upload.unreadable",
            "the upload could not be read: send the form as multipart/form-data with the file \
             in the field `file`",
        )),
    };
    let up = match up {
        Ok(up) if web.csrf_ok(&c, up.csrf.as_deref()) => up,
        Ok(_) => return error_page(&web, &lang, Some(&c), &csrf_refused(), &back),
        // Nothing was read that could change anything; show why on a page
        // without the form's token (a CSRF refusal needs it first).
        Err(e) => return error_page(&web, &lang, Some(&c), &e, &back),
    };
    let p = &c.principal;
    let r = match kind {
        "csr" => web
            .es
            .attach_csr(p, id, up.version, &up.filename, &up.bytes, now())
            .await
            .map(drop),
        _ => web
            .es
            .attach_conformity(p, id, up.version, &up.filename, &up.bytes, now())
            .await
            .map(drop),
    };
    match r {
        Ok(()) => see_other(&format!("{back}?done={kind}")),
        Err(e) => application_page(&web, &lang, &c, id, None, Some(&e)).await,
    }
}

/// `GET /applications/{id}/attachments/{attachment}`: the file as uploaded.
async fn attachment(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Response {
    let Ok(Path((id, attachment))) = ids else {
        return error_page(
            &web,
            &lang,
            None,
            &EsError::not_found("the attachment"),
            "/applications",
        );
    };
    let back = format!("/applications/{id}");
    let c = match signed_in(&web, &lang, &headers, &back).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    match web.es.attachment(&c.principal, id, attachment).await {
        Ok((meta, bytes)) => super::api::download(bytes, &meta.content_type, &meta.filename),
        Err(e) => error_page(&web, &lang, Some(&c), &e, &back),
    }
}

// ---------------------------------------------------------------------------------
// The CA officer's queue (R-SLA)
// ---------------------------------------------------------------------------------

async fn queue(State(web): State<EsWeb>, lang: PageLang, headers: HeaderMap) -> Response {
    let c = match signed_in(&web, &lang, &headers, "/queue").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let now = now();
    let items = match web.es.queue(&c.principal, now).await {
        Ok(i) => i,
        Err(e) => return error_page(&web, &lang, Some(&c), &e, "/"),
    };
    let names = match org_names(&web, lang.lang).await {
        Ok(n) => n,
        Err(e) => return error_page(&web, &lang, Some(&c), &e, "/"),
    };
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            let a = &i.application;
            json!({
                "id": a.id,
                "organisation": names.get(&a.org_oid).cloned().unwrap_or_else(|| i.organisation.clone()),
                "org_oid": a.org_oid,
                "profile": a.profile,
                "state": a.state,
                "completed_at": a.completed_at,
                "due_at": i.due_at,
                "overdue": i.overdue,
            })
        })
        .collect();
    Page::new(&lang, "es_queue.html", "queue", "/queue")
        .with("items", items)
        .render(&web, Some(&c))
}

// ---------------------------------------------------------------------------------
// Certificates (R-DELIVERY) and revocation (R-REVOKE-HOW)
// ---------------------------------------------------------------------------------

/// `valid`, `revoked` or `expired`.
fn cert_status(status: &str, not_after: i64, now: i64) -> &'static str {
    if status == "revoked" {
        "revoked"
    } else if not_after < now {
        "expired"
    } else {
        "valid"
    }
}

async fn certificates(State(web): State<EsWeb>, lang: PageLang, headers: HeaderMap) -> Response {
    let c = match signed_in(&web, &lang, &headers, "/certificates").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let now = now();
    let (items, error) = match web.es.certificates(&c.principal).await {
        Ok(certs) => (
            certs
                .iter()
                .map(|v| {
                    json!({
                        "serial": v.serial,
                        "profile": v.profile,
                        "subject": v.subject,
                        "not_before": v.not_before,
                        "not_after": v.not_after,
                        "status": cert_status(&v.status, v.not_after, now),
                    })
                })
                .collect::<Vec<_>>(),
            None,
        ),
        Err(e) => (Vec::new(), Some(e)),
    };
    Page::new(
        &lang,
        "es_certificates.html",
        "certificates",
        "/certificates",
    )
    .with("certificates", items)
    .error(error.as_ref())
    .render(&web, Some(&c))
}

/// A certificate as its pages show it.
async fn cert_json(web: &EsWeb, lang: Lang, v: &carepki_ra::eservice::CertificateView) -> Value {
    let org_name = match &v.org_oid {
        Some(oid) => org_names(web, lang)
            .await
            .ok()
            .and_then(|n| n.get(oid).cloned()),
        None => None,
    };
    json!({
        "serial": v.serial,
        "profile": v.profile,
        "subject": v.subject,
        "org_oid": v.org_oid,
        "org_name": org_name,
        "ca_id": v.ca_id,
        "not_before": v.not_before,
        "not_after": v.not_after,
        "status": cert_status(&v.status, v.not_after, now()),
        "revoked_at": v.revoked_at,
        "reason": v.revocation_reason,
    })
}

async fn certificate(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    Path(serial): Path<String>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let path = format!("/certificates/{}", encode_query_value(&serial));
    let c = match signed_in(&web, &lang, &headers, &path).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let q = page_query(q);
    let view = match web.es.certificate(&c.principal, &serial).await {
        Ok(v) => v,
        Err(e) => return error_page(&web, &lang, Some(&c), &e, "/certificates"),
    };
    let may_revoke = view.status != "revoked"
        && matches!(c.principal.org_role(), Some(Role::OrgAdmin | Role::OrgUser));
    let cert = cert_json(&web, lang.lang, &view).await;
    Page::new(&lang, "es_certificate.html", "certificates", path)
        .with("cert", cert)
        .with("may_revoke", may_revoke)
        .notice(q.done.as_deref())
        .render(&web, Some(&c))
}

async fn revoke_page(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    let serial = q.serial.unwrap_or_default();
    let return_to = if serial.is_empty() {
        "/revoke".to_owned()
    } else {
        format!("/revoke?serial={}", encode_query_value(&serial))
    };
    let c = match signed_in(&web, &lang, &headers, &return_to).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    revoke_form(&web, &lang, &c, &serial, None, None).await
}

/// The revocation page (R-REVOKE-HOW): the lookup by serial number; with a
/// serial, the certificate to review, the warning that revocation is final,
/// the reason and the confirmation.
async fn revoke_form(
    web: &EsWeb,
    lang: &PageLang,
    c: &Caller,
    serial: &str,
    reason: Option<&str>,
    error: Option<&EsError>,
) -> Response {
    let serial = serial.trim();
    let mut page = Page::new(lang, "es_revoke.html", "revoke", "/revoke")
        .keep("serial", serial)
        .with("serial", serial)
        .with("csrf", csrf_of(web, c))
        .with("reasons", REQUESTABLE_REASONS)
        .with("reason", reason.unwrap_or(""));
    let mut error = error.cloned();
    if !serial.is_empty() {
        match web.es.revocation_preview(&c.principal, serial).await {
            Ok(v) => {
                let cert = cert_json(web, lang.lang, &v).await;
                page = page.with("preview", cert);
            }
            Err(e) => {
                error.get_or_insert(e);
            }
        }
    }
    page.error(error.as_ref()).render(web, Some(c))
}

/// `POST /revoke`: revokes the certificate at once, on the requester's
/// confirmation that he knows it cannot be undone (R-REVOKE-HOW,
/// R-REVOKE-WHEN).
async fn revoke(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let serial = form.text("serial").to_owned();
    let back = format!("/revoke?serial={}", encode_query_value(&serial));
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), &back).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let confirmed = form.get("confirm").is_some_and(|v| !v.is_empty());
    match web
        .es
        .request_revocation(&c.principal, &serial, form.text("reason"), confirmed, now())
        .await
    {
        Ok(v) => see_other(&format!("/certificates/{}?done=revoked", v.serial)),
        Err(e) => {
            let reason = form.get("reason");
            revoke_form(&web, &lang, &c, &serial, reason, Some(&e)).await
        }
    }
}

/// `GET /cards`: the staff and actor cards of the organisation the
/// administrator acts for, each produced one with its revocation form (issue
/// 5, point 7: employment ended).
async fn cards_page(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    let c = match signed_in(&web, &lang, &headers, "/cards").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    cards_form(&web, &lang, &c, None, None)
        .await
        .notice(q.done.as_deref())
        .render(&web, Some(&c))
}

/// The cards page, with the refusal of a revocation of card `failed`.
async fn cards_form<'a>(
    web: &EsWeb,
    lang: &'a PageLang,
    c: &Caller,
    failed: Option<i64>,
    error: Option<&EsError>,
) -> Page<'a> {
    let now = now();
    let (items, listed) = match web.es.cards().organisation_cards(&c.principal).await {
        Ok(cards) => (
            cards
                .iter()
                .map(|v| {
                    let live = v.not_after.is_some_and(|end| end > now);
                    json!({
                        "id": v.order_id,
                        "kind": v.kind,
                        "stands_in_for": v.stands_in_for,
                        "holder_name": v.holder_name,
                        "holder_number": v.holder_number,
                        "title": v.title,
                        "state": v.state,
                        "auth_serial": v.auth_serial,
                        "sign_serial": v.sign_serial,
                        "not_before": v.not_before,
                        "not_after": v.not_after,
                        "revocable": live && matches!(v.state.as_str(), "produced" | "activated"),
                    })
                })
                .collect::<Vec<_>>(),
            None,
        ),
        Err(e) => (Vec::new(), Some(e)),
    };
    Page::new(lang, "es_cards.html", "cards", "/cards")
        .with("cards", items)
        .with("csrf", csrf_of(web, c))
        .with("reasons", REQUESTABLE_REASONS)
        .with("failed", failed)
        .error(error.or(listed.as_ref()))
}

/// `POST /cards/{id}/revoke`: the administrator revokes both certificates of
/// a staff or actor card, on his confirmation that it cannot be undone.
async fn revoke_card(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    bytes: Bytes,
) -> Response {
    let form = Form::parse(&bytes);
    let c = match form_caller(&web, &lang, &headers, form.get("csrf"), "/cards").await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let confirmed = form.get("confirm").is_some_and(|v| !v.is_empty());
    let reason = form.get("reason").filter(|r| !r.is_empty());
    let (id, r) = match id {
        Ok(Path(id)) => (
            Some(id),
            web.es
                .cards()
                .revoke_organisation_card(&c.principal, id, reason, confirmed, now())
                .await,
        ),
        Err(_) => (None, Err(EsError::not_found("the card"))),
    };
    match r {
        Ok(_) => see_other("/cards?done=card-revoked"),
        Err(e) => cards_form(&web, &lang, &c, id, Some(&e))
            .await
            .render(&web, Some(&c)),
    }
}

//! Signing in and out (issue 4, point 1; R-ACCOUNT).
//!
//! `GET /login` starts an OpenID Connect authorization code flow (PKCE S256,
//! state, nonce): the state, nonce and verifier are stored server-side under
//! the SHA-256 of the state, for ten minutes and single use. The provider
//! sends the browser back to `GET /oidc/callback`, which takes the pending
//! login (a replayed or forged state finds nothing), lets the OIDC client
//! exchange the code and verify the ID token, and hands the identity claim to
//! the e-service, which keeps only its HMAC. A known user gets a session; a
//! new one registers first (the page `/register`, or `POST /api/v1/register`,
//! under a signed, short-lived cookie that carries only the HMAC), and then
//! goes where he was going (`return_to`, e.g. an invitation).
//!
//! With the demo identity provider (embedded demo only), `GET /demo-login`
//! shows a form, clearly marked as a demo, where any name and identity code
//! sign in.

use std::net::SocketAddr;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carepki_ra::eservice::{ErrorKind, EsError, SignIn};
use carepki_store::{NewOidcLogin, NewSession};
use serde::Deserialize;
use serde_json::json;

use super::pages::Page;
use super::session::{
    self, IDLE_MINUTES, REGISTER_COOKIE, SESSION_COOKIE, SESSION_HOURS, cookie, set_cookie,
    state_hash,
};
use super::{EsWeb, SignInMethod, client_ip, problem_response, too_many};
use crate::i18n::PageLang;

/// Sign-in attempts per client address per minute.
pub(crate) const SIGN_INS_PER_MINUTE: u32 = 20;
/// How long a started sign-in may take.
const LOGIN_TTL: i64 = 600;
/// How long a first sign-in may take to register.
const REGISTER_TTL: i64 = 900;

pub(super) fn routes() -> Router<EsWeb> {
    Router::new()
        .route("/login", get(login))
        .route("/oidc/callback", get(callback))
        .route("/logout", post(logout))
        .route("/demo-login", get(demo_form).post(demo_login))
        .route("/register", get(register_form).post(register))
        .route("/api/v1/register", post(register))
}

fn now() -> i64 {
    carepki_ca::authority::now_unix()
}

/// A path inside the e-service to return to: relative, one slash, no scheme.
fn safe_return(to: Option<&str>) -> String {
    match to {
        Some(t)
            if t.starts_with('/') && !t.starts_with("//") && !t.contains('\\') && t.len() < 500 =>
        {
            t.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
}

async fn login(
    State(web): State<EsWeb>,
    info: Option<Extension<ConnectInfo<SocketAddr>>>,
    Query(q): Query<LoginQuery>,
    uri: Uri,
) -> Response {
    let now = now();
    if let Err(retry) = web.limiter.check(
        "sign-in",
        &client_ip(info.as_ref().map(|e| &e.0)),
        SIGN_INS_PER_MINUTE,
        60,
        now,
    ) {
        return too_many(uri.path(), retry);
    }
    let return_to = safe_return(q.return_to.as_deref());
    match &web.sign_in {
        SignInMethod::Demo => Redirect::to(&format!(
            "/demo-login?return_to={}",
            crate::search::encode_query_value(&return_to)
        ))
        .into_response(),
        SignInMethod::Oidc(client) => {
            let (url, pending) = client.begin();
            let stored = web
                .es
                .store()
                .create_oidc_login(
                    &NewOidcLogin {
                        state_hash: state_hash(&pending.state),
                        nonce: pending.nonce.clone(),
                        pkce_verifier: pending.pkce_verifier.clone(),
                        return_to,
                        expires_at: now + LOGIN_TTL,
                    },
                    now,
                )
                .await;
            match stored {
                Ok(()) => Redirect::to(&url).into_response(),
                Err(e) => problem_response(&EsError::from(e), uri.path()),
            }
        }
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(web): State<EsWeb>,
    lang: PageLang,
    info: Option<Extension<ConnectInfo<SocketAddr>>>,
    Query(q): Query<CallbackQuery>,
    uri: Uri,
) -> Response {
    let now = now();
    if let Err(retry) = web.limiter.check(
        "sign-in",
        &client_ip(info.as_ref().map(|e| &e.0)),
        SIGN_INS_PER_MINUTE,
        60,
        now,
    ) {
        return too_many(uri.path(), retry);
    }
    let SignInMethod::Oidc(client) = &web.sign_in else {
        return refused(
            &web,
            &lang,
            StatusCode::NOT_FOUND,
            "sign_in.not_configured",
            "OpenID Connect sign-in is not configured here.",
        );
    };
    if let Some(err) = &q.error {
        tracing::info!(error = %err, description = ?q.error_description, "sign-in refused by the provider");
        return refused(
            &web,
            &lang,
            StatusCode::UNAUTHORIZED,
            "sign_in.provider_error",
            "The identification service did not identify you (it answered with an error). Sign in again.",
        );
    }
    let (Some(code), Some(state)) = (q.code.as_deref(), q.state.as_deref()) else {
        return refused(
            &web,
            &lang,
            StatusCode::BAD_REQUEST,
            "sign_in.incomplete",
            "The sign-in answer is incomplete. Sign in again.",
        );
    };
    let pending = match web
        .es
        .store()
        .take_oidc_login(&state_hash(state), now)
        .await
    {
        Ok(Some(p)) => p,
        Ok(None) => {
            return refused(
                &web,
                &lang,
                StatusCode::BAD_REQUEST,
                "sign_in.expired",
                "This sign-in has expired or was used already. Sign in again.",
            );
        }
        Err(e) => return problem_response(&EsError::from(e), uri.path()),
    };
    let pending_login = crate::oidc::PendingLogin {
        state: state.to_owned(),
        nonce: pending.nonce.clone(),
        pkce_verifier: pending.pkce_verifier.clone(),
    };
    let identity = match client.complete(&pending_login, code).await {
        Ok(id) => id,
        Err(e) => {
            tracing::warn!(error = %e, "sign-in failed");
            return refused(
                &web,
                &lang,
                StatusCode::UNAUTHORIZED,
                "sign_in.unverified",
                "The identification could not be verified. Sign in again.",
            );
        }
    };
    finish_sign_in(&web, &lang, &identity.subject, &pending.return_to, now).await
}

/// After a verified identification: a session for a known user, or the
/// registration step for a new one.
async fn finish_sign_in(
    web: &EsWeb,
    lang: &PageLang,
    identity: &str,
    return_to: &str,
    now: i64,
) -> Response {
    match web.es.sign_in(identity, now).await {
        Ok(SignIn::Known(user)) => start_session(web, user.id, return_to, now).await,
        Ok(SignIn::New { subject_hash }) => {
            let value = web.keys.sign_register(&subject_hash, now + REGISTER_TTL);
            // The page he was going to (an invitation, say) comes after the
            // registration.
            let to = match safe_return(Some(return_to)).as_str() {
                "/" => "/register".to_owned(),
                other => format!(
                    "/register?return_to={}",
                    crate::search::encode_query_value(other)
                ),
            };
            let mut resp = Redirect::to(&to).into_response();
            set(
                &mut resp,
                &set_cookie(REGISTER_COOKIE, &value, REGISTER_TTL, web.secure_cookies),
            );
            resp
        }
        Err(e) => super::pages::error_page(web, lang, None, &e, "/login"),
    }
}

fn set(resp: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A new session for `user_id`, acting for his only organisation if he has
/// exactly one.
async fn start_session(web: &EsWeb, user_id: i64, return_to: &str, now: i64) -> Response {
    let token = match carepki_ra::eservice::new_secret_token() {
        Ok(t) => t,
        Err(e) => return problem_response(&e, "/login"),
    };
    let orgs = web.es.organisations_of(user_id).await.unwrap_or_default();
    let org = (orgs.len() == 1).then(|| orgs[0].oid.clone());
    let created = web
        .es
        .store()
        .create_session(
            &NewSession {
                id_hash: session::session_hash(&token),
                user_id,
                org_oid: org,
                expires_at: now + SESSION_HOURS * 3600,
                idle_expires_at: now + IDLE_MINUTES * 60,
            },
            now,
        )
        .await;
    if let Err(e) = created {
        return problem_response(&EsError::from(e), "/login");
    }
    let mut resp = Redirect::to(&safe_return(Some(return_to))).into_response();
    set(
        &mut resp,
        &set_cookie(
            SESSION_COOKIE,
            &token,
            SESSION_HOURS * 3600,
            web.secure_cookies,
        ),
    );
    set(
        &mut resp,
        &set_cookie(REGISTER_COOKIE, "", 0, web.secure_cookies),
    );
    resp
}

#[derive(Deserialize)]
struct RegisterBody {
    display_name: String,
    email: String,
    language: String,
}

/// Registers the person of a first sign-in and signs him in. The body is
/// JSON or a form; the registration cookie proves the identification, and
/// its CSRF token (from `GET /register`) must come along as `X-CSRF-Token`
/// or the form field `csrf`. A form gets pages (the registration page again
/// with the refusal, translated); JSON gets problem documents.
async fn register(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    let now = now();
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let Some(reg) = cookie(&headers, REGISTER_COOKIE).map(str::to_owned) else {
        if form {
            return Redirect::to("/login").into_response();
        }
        return problem_response(
            &EsError::forbidden(
                "register.no_identification",
                "identify yourself first: GET /login",
            ),
            uri.path(),
        );
    };
    let Some(subject_hash) = web.keys.open_register(&reg, now) else {
        let e = EsError::forbidden(
            "register.expired",
            "the identification has expired; identify yourself again: GET /login",
        );
        if form {
            return super::pages::error_page(&web, &lang, None, &e, "/login");
        }
        return problem_response(&e, uri.path());
    };
    let mut return_to = "/".to_owned();
    let (b, csrf): (RegisterBody, Option<String>) = if form {
        let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&bytes);
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        return_to = safe_return(get("return_to").as_deref());
        (
            RegisterBody {
                display_name: get("display_name").unwrap_or_default(),
                email: get("email").unwrap_or_default(),
                language: get("language").unwrap_or_default(),
            },
            get("csrf"),
        )
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(b) => (
                b,
                headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            ),
            Err(e) => {
                return problem_response(
                    &EsError::invalid(
                        "invalid_body",
                        format!("the body is not the JSON expected: {e}"),
                    ),
                    uri.path(),
                );
            }
        }
    };
    if !csrf.is_some_and(|c| web.keys.csrf_ok(&reg, &c)) {
        let e = EsError::forbidden(
            "csrf",
            "the form is stale or forged: open the registration page again",
        );
        if form {
            return super::pages::error_page(&web, &lang, None, &e, "/register");
        }
        return problem_response(&e, uri.path());
    }
    match web
        .es
        .register(&subject_hash, &b.display_name, &b.email, &b.language, now)
        .await
    {
        Ok(user) => {
            let mut resp = start_session(&web, user.id, &return_to, now).await;
            // The pages speak the language he chose, from now on.
            if form && let Some(l) = crate::i18n::Lang::from_tag(&user.language) {
                set(&mut resp, &crate::i18n::lang_cookie(l, web.secure_cookies));
            }
            if !form && resp.status().is_redirection() {
                // JSON clients get the user, with the cookies.
                let cookies: Vec<HeaderValue> = resp
                    .headers()
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .cloned()
                    .collect();
                resp = (StatusCode::CREATED, axum::Json(json!({"user": user}))).into_response();
                for c in cookies {
                    resp.headers_mut().append(header::SET_COOKIE, c);
                }
            }
            resp
        }
        Err(e) if form => {
            let csrf = web.keys.csrf_token(&reg);
            register_page(&web, &lang, &csrf, &return_to, &b, Some(&e))
        }
        Err(e) => problem_response(&e, uri.path()),
    }
}

/// `application/x-www-form-urlencoded` pairs.
pub(crate) fn serde_urlencoded_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// The registration form of a first sign-in (name, email, language), with its
/// CSRF token; JSON clients read the token from `X-CSRF-Token` of this answer.
async fn register_form(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let Some(reg) = cookie(&headers, REGISTER_COOKIE) else {
        return Redirect::to("/login").into_response();
    };
    if web.keys.open_register(reg, now()).is_none() {
        return Redirect::to("/login").into_response();
    }
    let csrf = web.keys.csrf_token(reg);
    let return_to = safe_return(q.return_to.as_deref());
    let values = RegisterBody {
        display_name: String::new(),
        email: String::new(),
        language: lang.lang.code().to_owned(),
    };
    let mut resp = register_page(&web, &lang, &csrf, &return_to, &values, None);
    if let Ok(v) = HeaderValue::from_str(&csrf) {
        resp.headers_mut().insert("x-csrf-token", v);
    }
    resp
}

/// The registration page, with what was typed and why it was refused.
fn register_page(
    web: &EsWeb,
    lang: &PageLang,
    csrf: &str,
    return_to: &str,
    values: &RegisterBody,
    error: Option<&EsError>,
) -> Response {
    let keep = if return_to == "/" { "" } else { return_to };
    Page::new(lang, "es_register.html", "", "/register")
        .keep("return_to", keep)
        .with("csrf", csrf)
        .with("return_to", return_to)
        .with(
            "form",
            json!({
                "display_name": values.display_name,
                "email": values.email,
                "language": values.language,
            }),
        )
        .error(error)
        .render(web, None)
}

async fn logout(
    State(web): State<EsWeb>,
    lang: PageLang,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let now = now();
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let pairs = serde_urlencoded_pairs(&bytes);
        let csrf = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
        if !csrf.is_some_and(|c| web.keys.csrf_ok(token, c)) {
            return refused(
                &web,
                &lang,
                StatusCode::FORBIDDEN,
                "csrf",
                "The sign-out form is stale. Reload the page and sign out again.",
            );
        }
        if let Err(e) = web
            .es
            .store()
            .delete_session(&session::session_hash(token), now)
            .await
        {
            return problem_response(&EsError::from(e), "/logout");
        }
    }
    let mut resp = Redirect::to("/").into_response();
    set(
        &mut resp,
        &set_cookie(SESSION_COOKIE, "", 0, web.secure_cookies),
    );
    resp
}

/// A page that says why a sign-in was refused, in the page's language
/// (`error-<code>`), with a link to sign in again.
fn refused(
    web: &EsWeb,
    lang: &PageLang,
    status: StatusCode,
    code: &'static str,
    detail: &'static str,
) -> Response {
    let kind = match status {
        StatusCode::NOT_FOUND => ErrorKind::NotFound,
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => ErrorKind::Forbidden,
        _ => ErrorKind::Invalid,
    };
    let e = EsError::new(kind, code, detail);
    let mut resp = super::pages::error_page(web, lang, None, &e, "/");
    *resp.status_mut() = status;
    resp
}

async fn demo_form(
    State(web): State<EsWeb>,
    lang: PageLang,
    Query(q): Query<LoginQuery>,
) -> Response {
    if !matches!(web.sign_in, SignInMethod::Demo) {
        return refused(
            &web,
            &lang,
            StatusCode::NOT_FOUND,
            "sign_in.demo_off",
            "The demo identity provider is not switched on.",
        );
    }
    let return_to = safe_return(q.return_to.as_deref());
    let keep = if return_to == "/" {
        ""
    } else {
        return_to.as_str()
    };
    Page::new(&lang, "es_demo_login.html", "", "/demo-login")
        .keep("return_to", keep)
        .with("return_to", &return_to)
        .render(&web, None)
}

async fn demo_login(
    State(web): State<EsWeb>,
    lang: PageLang,
    info: Option<Extension<ConnectInfo<SocketAddr>>>,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    if !matches!(web.sign_in, SignInMethod::Demo) {
        return refused(
            &web,
            &lang,
            StatusCode::NOT_FOUND,
            "sign_in.demo_off",
            "The demo identity provider is not switched on.",
        );
    }
    let now = now();
    if let Err(retry) = web.limiter.check(
        "sign-in",
        &client_ip(info.as_ref().map(|e| &e.0)),
        SIGN_INS_PER_MINUTE,
        60,
        now,
    ) {
        return too_many(uri.path(), retry);
    }
    let pairs = serde_urlencoded_pairs(&bytes);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let identity = get("identity").unwrap_or("").trim();
    if identity.is_empty() || identity.len() > 100 {
        return refused(
            &web,
            &lang,
            StatusCode::BAD_REQUEST,
            "sign_in.demo_identity",
            "Type an identity (1–100 characters).",
        );
    }
    tracing::warn!("sign-in through the DEMO identity provider");
    finish_sign_in(
        &web,
        &lang,
        &format!("demo:{identity}"),
        get("return_to").unwrap_or("/"),
        now,
    )
    .await
}

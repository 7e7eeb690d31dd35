//! The card holder's pages on the card listener (R-SELF-RENEW, R-CARD-CERTS,
//! R-SV; docs/CARDS.md, "The holder's pages"): what a professional sees in his
//! browser after signing in with his card's authentication certificate as a
//! TLS client certificate. Finnish, Swedish and English, the language chosen
//! as on the other pages (`?lang=`, the `lang` cookie, `Accept-Language`).
//!
//! - `GET /card`: who signed in (name, registration number, the card's kind,
//!   the end of its validity as a Helsinki date, the SV number when the card
//!   carries one), whether the card may be renewed now and why, or from when,
//!   or the renewal already ordered; the renewal form `form#renew` when
//!   renewal is allowed and the revocation form `form#revoke-card`.
//! - `POST /card/renew` and `POST /card/revoke`: the forms; 303 to
//!   `/card?done=renewed|revoked` when done, the page again with
//!   `.error[data-code]` when refused.
//!
//! The rules are `carepki_ra::cards` (`renewal.rs`, `holder.rs`), reached
//! through the same [`CardAuthState`] as the JSON routes of
//! [`crate::cardauth::router`], which stay as they are.
//!
//! **CSRF.** A browser presents the client certificate to every request to
//! this listener, also one that a foreign site's page makes it send (a
//! cross-site form POST). So the certificate alone does not prove that the
//! holder meant to send a form. Every form carries the hidden field `csrf`:
//! an HMAC-SHA-256 ([`csrf_token`]) over the serial of the authentication
//! certificate the holder signed in with, under the key of the state: derived
//! from a secret the nodes share (`carepki serve` gives the data directory's
//! e-service key; [`CardAuthState::with_page_secret`]), or else drawn at
//! random when the router is built and kept for the life of the process. A
//! foreign site can neither read the page (same-origin policy; the pages may
//! not be framed) nor compute the token, and a token is bound to one card. A
//! form without the token, or with another card's or a forged one, is refused
//! with 403 (`.error[data-code=csrf]`) before anything is done.
//!
//! Why an HMAC and not a double-submit cookie: the card listener has no
//! session and needs none (the certificate is checked on every request); the
//! HMAC needs no cookie, no stored state and no Origin/Referer parsing (both
//! headers may be missing behind privacy settings), and it cannot be planted
//! by a sibling subdomain the way a cookie can. With a random key (no shared
//! secret given) an open form is refused once as stale (`csrf`) after a
//! restart, and a reload gives a fresh token; with the shared secret the
//! token holds across restarts and nodes.

use std::sync::Arc;

use aws_lc_rs::hmac;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRef, FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use carepki_ra::cards::{HOLDER_REASONS, HolderRevocation, RenewalEligibility, RenewalGround};
use carepki_ra::eservice::EsError;
use carepki_x509::revocation::RevocationReason;
use fluent_bundle::FluentArgs;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::cardauth::{CardAuthState, CardClient, CardRefusal};
use crate::i18n::{self, Lang, PageLang};
use crate::search::render;

/// What the holder's pages need: the card listener's state and the CSRF key.
#[derive(Clone)]
pub(crate) struct CardPages {
    auth: CardAuthState,
    /// The key of [`csrf_token`], random for the life of the process; `None`
    /// only when the system's random generator failed (then no form is shown
    /// and every form is refused).
    csrf: Option<Arc<hmac::Key>>,
}

impl FromRef<CardPages> for CardAuthState {
    fn from_ref(pages: &CardPages) -> Self {
        pages.auth.clone()
    }
}

/// The card listener is always https: the `lang` cookie is `Secure`.
impl FromRequestParts<CardPages> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &CardPages) -> Result<Self, Self::Rejection> {
        Ok(PageLang::from_parts(parts, true))
    }
}

/// The holder's page routes (see the module documentation), with the CSRF
/// key of `auth` ([`CardAuthState::with_page_secret`]) or else a new random
/// one; merged into [`crate::cardauth::router`].
pub(crate) fn routes(auth: CardAuthState) -> Router {
    let csrf = match &auth.page_key {
        Some(key) => Some(Arc::clone(key)),
        None => {
            match hmac::Key::generate(hmac::HMAC_SHA256, &aws_lc_rs::rand::SystemRandom::new()) {
                Ok(key) => Some(Arc::new(key)),
                Err(_) => {
                    tracing::error!(
                        "card pages: no random CSRF key; the holder's forms are refused"
                    );
                    None
                }
            }
        }
    };
    Router::new()
        .route("/card", get(card_page))
        .route("/card/renew", post(renew))
        .route("/card/revoke", post(revoke))
        .layer(axum::middleware::map_response(
            crate::eservice::pages::page_headers,
        ))
        .with_state(CardPages { auth, csrf })
}

/// The CSRF key derived from the shared `secret`: HMAC-SHA-256 of a fixed
/// label under it, so the secret itself never signs a token.
pub(crate) fn derive_csrf_key(secret: &[u8]) -> hmac::Key {
    let derived = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, secret),
        b"carepki card pages csrf v1",
    );
    hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())
}

/// The `csrf` field of the forms of the holder signed in with authentication
/// certificate `serial`: hex HMAC-SHA-256 under `key` (see the module
/// documentation).
pub(crate) fn csrf_token(key: &hmac::Key, serial: &str) -> String {
    hex::encode(hmac::sign(key, &csrf_message(serial)).as_ref())
}

fn csrf_message(serial: &str) -> Vec<u8> {
    let mut m = b"carepki card form\0".to_vec();
    m.extend_from_slice(serial.as_bytes());
    m
}

/// Whether `given` is the CSRF token of `serial` (constant time).
fn csrf_ok(pages: &CardPages, serial: &str, given: Option<&str>) -> bool {
    let (Some(key), Some(given)) = (pages.csrf.as_deref(), given) else {
        return false;
    };
    let Ok(tag) = hex::decode(given.trim()) else {
        return false;
    };
    hmac::verify(key, &csrf_message(serial), &tag).is_ok()
}

#[derive(Debug, Default, Deserialize)]
struct CardQuery {
    done: Option<String>,
}

/// The Fluent id of a refusal code on these pages (`renewal.too_early` →
/// `holder-error-renewal-too-early`).
fn error_id(code: &str) -> String {
    format!("holder-error-{}", code.replace(['.', '_'], "-"))
}

/// A refusal as the pages show it: its code and the message in the page's
/// language (this page's own, then the e-service's, then the English detail).
fn error_json(lang: Lang, e: &EsError, eligibility: Option<&RenewalEligibility>) -> Value {
    let mut args = FluentArgs::new();
    if let Some(opens) = eligibility.and_then(|x| x.opens_at) {
        args.set("opens", i18n::format_datetime(lang, opens));
    }
    if let Some(order) = eligibility.and_then(|x| x.pending_order) {
        args.set("order", order.to_string());
    }
    let own = i18n::message(lang, &error_id(e.code), Some(&args)).or_else(|| {
        i18n::message(
            lang,
            &crate::eservice::pages::error_message_id(e.code),
            None,
        )
    });
    let message_lang = if own.is_some() { None } else { Some("en") };
    json!({
        "code": e.code,
        "message": own.unwrap_or_else(|| e.detail.clone()),
        "message_lang": message_lang,
        "problems": [],
    })
}

fn status_of(e: &EsError) -> StatusCode {
    StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

/// The page of a request whose card cannot sign in: why, in the page's
/// language, with the refusal's status (401 without a certificate, 403, 503).
fn refusal_page(lang: &PageLang, refusal: &CardRefusal, done: Option<&str>) -> Response {
    let l = lang.lang;
    let status = match refusal {
        CardRefusal::NoCertificate => StatusCode::UNAUTHORIZED,
        CardRefusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::FORBIDDEN,
    };
    let mut args = FluentArgs::new();
    if let CardRefusal::Revoked { reason, .. } = refusal {
        let text =
            i18n::message(l, &format!("reason-{reason}"), None).unwrap_or_else(|| reason.clone());
        args.set("reason", text);
    }
    let id = format!("holder-refusal-{}", refusal.code());
    let message = i18n::message(l, &id, Some(&args));
    let message_lang = if message.is_some() { None } else { Some("en") };
    let mut ctx = json!({
        "es_error": {
            "code": refusal.code(),
            "message": message.unwrap_or_else(|| refusal.to_string()),
            "message_lang": message_lang,
            "problems": [],
        },
        "refused": true,
    });
    // The page the revocation form leads to: the card no longer signs in.
    if done == Some("revoked")
        && matches!(refusal, CardRefusal::Revoked { .. })
        && let Some(m) = ctx.as_object_mut()
    {
        m.insert(
            "es_notice".into(),
            json!({"done": "revoked", "text": i18n::t(l, "holder-done-revoked")}),
        );
    }
    render(status, "card.html", "card", lang, &[], "/card", ctx)
}

/// What the page shows about the signed-in holder.
fn holder_json(client: &CardClient) -> Value {
    let name = if client.given_name.is_empty() && client.surname.is_empty() {
        client.common_name.clone()
    } else {
        format!("{} {}", client.given_name, client.surname)
            .trim()
            .to_owned()
    };
    json!({
        "name": name,
        "holder_number": client.holder_number,
        "registration_number": client.registration_number(),
        "kind": client.card_kind.as_str(),
        "title": client.title,
        "sv_number": client.sv_number,
        "not_after": client.not_after,
        "serial": client.serial,
        "test": client.test,
    })
}

/// The renewal section: whether he may renew now and why, in plain words.
async fn renewal_json(
    pages: &CardPages,
    lang: Lang,
    client: &CardClient,
) -> (Value, Option<RenewalEligibility>) {
    let now = pages.auth.clock.now();
    match pages
        .auth
        .cards
        .renewal_eligibility(&client.serial, now)
        .await
    {
        Ok(e) => {
            let grounds: Vec<&str> = e
                .grounds
                .iter()
                .map(|g| match g {
                    RenewalGround::ValidityEnding => "validity-ending",
                    RenewalGround::NameChanged => "name-changed",
                })
                .collect();
            let pending = match e.pending_order {
                Some(id) => pages
                    .auth
                    .cards
                    .store()
                    .card_order(id)
                    .await
                    .ok()
                    .flatten()
                    .map(|o| json!({"id": o.id, "state": o.state, "created_at": o.created_at})),
                None => None,
            };
            let refusal = e.code.map(|code| {
                let err = EsError::new(
                    carepki_ra::eservice::ErrorKind::Conflict,
                    code,
                    e.detail.clone(),
                );
                error_json(lang, &err, Some(&e))
            });
            let v = json!({
                "allowed": e.allowed,
                "grounds": grounds,
                "code": e.code,
                "refusal": refusal,
                "opens_at": e.opens_at,
                "pending": pending,
                "registers_name": e.registers_name,
                "revocable": true,
            });
            (v, Some(e))
        }
        // A card the registration system does not know (not ordered through
        // it): neither renewed nor revoked here.
        Err(e) => (
            json!({
                "allowed": false,
                "grounds": [],
                "code": e.code,
                "refusal": error_json(lang, &e, None),
                "revocable": false,
            }),
            None,
        ),
    }
}

/// The page of the signed-in holder, with a refusal of his form when `error`.
async fn holder_page(
    pages: &CardPages,
    lang: &PageLang,
    client: &CardClient,
    done: Option<&str>,
    error: Option<&EsError>,
    chosen_reason: Option<&str>,
) -> Response {
    let l = lang.lang;
    let (renewal, eligibility) = renewal_json(pages, l, client).await;
    let mut ctx = json!({
        "holder": holder_json(client),
        "renewal": renewal,
        // Empty without a key: the forms are then refused (`csrf_ok`).
        "csrf": pages
            .csrf
            .as_deref()
            .map(|k| csrf_token(k, &client.serial))
            .unwrap_or_default(),
        "reasons": HOLDER_REASONS.map(RevocationReason::name),
        "chosen_reason": chosen_reason.unwrap_or("keyCompromise"),
    });
    let m = ctx.as_object_mut();
    let mut status = StatusCode::OK;
    if let Some(m) = m {
        if let Some(e) = error {
            status = status_of(e);
            m.insert("es_error".into(), error_json(l, e, eligibility.as_ref()));
        } else if done == Some("renewed")
            && eligibility
                .as_ref()
                .is_some_and(|e| e.pending_order.is_some())
        {
            // The notice only where it is true: a renewal is pending.
            m.insert(
                "es_notice".into(),
                json!({"done": "renewed", "text": i18n::t(l, "holder-done-renewed")}),
            );
        }
    }
    render(status, "card.html", "card", lang, &[], "/card", ctx)
}

/// `GET /card`.
async fn card_page(
    State(pages): State<CardPages>,
    lang: PageLang,
    q: Result<Query<CardQuery>, QueryRejection>,
    client: Result<CardClient, CardRefusal>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    match client {
        Ok(client) => holder_page(&pages, &lang, &client, q.done.as_deref(), None, None).await,
        Err(refusal) => refusal_page(&lang, &refusal, q.done.as_deref()),
    }
}

/// A form's fields (`application/x-www-form-urlencoded`).
fn form_fields(bytes: &Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn csrf_refused() -> EsError {
    EsError::forbidden(
        "csrf",
        "the form is stale or did not come from this service: reload the page and send it again",
    )
}

/// The signed-in holder of a form with a valid CSRF token, or the answer.
async fn form_client(
    pages: &CardPages,
    lang: &PageLang,
    client: Result<CardClient, CardRefusal>,
    form: &[(String, String)],
) -> Result<CardClient, Response> {
    let client = client.map_err(|r| refusal_page(lang, &r, None))?;
    if csrf_ok(pages, &client.serial, field(form, "csrf")) {
        Ok(client)
    } else {
        tracing::info!(holder = %client.holder_number, "card form refused: no valid CSRF token");
        Err(holder_page(pages, lang, &client, None, Some(&csrf_refused()), None).await)
    }
}

/// `POST /card/renew`: orders the renewed card (R-SELF-RENEW).
async fn renew(
    State(pages): State<CardPages>,
    lang: PageLang,
    client: Result<CardClient, CardRefusal>,
    bytes: Bytes,
) -> Response {
    let form = form_fields(&bytes);
    let client = match form_client(&pages, &lang, client, &form).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    match pages
        .auth
        .cards
        .renew(&client.serial, pages.auth.clock.now())
        .await
    {
        Ok(order) => {
            tracing::info!(order = order.id, holder = %client.holder_number, "card renewal ordered (page)");
            Redirect::to("/card?done=renewed").into_response()
        }
        Err(e) => holder_page(&pages, &lang, &client, None, Some(&e), None).await,
    }
}

/// `POST /card/revoke`: the holder revokes his card, both certificates, on
/// his confirmation.
async fn revoke(
    State(pages): State<CardPages>,
    lang: PageLang,
    client: Result<CardClient, CardRefusal>,
    bytes: Bytes,
) -> Response {
    let form = form_fields(&bytes);
    let client = match form_client(&pages, &lang, client, &form).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let input = HolderRevocation {
        reason: field(&form, "reason").unwrap_or_default().to_owned(),
        confirm: field(&form, "confirm").is_some_and(|v| !v.is_empty()),
    };
    match pages
        .auth
        .cards
        .revoke_by_holder(&client.serial, &input, pages.auth.clock.now())
        .await
    {
        Ok(order) => {
            tracing::info!(order = order.id, holder = %client.holder_number, "card revoked by its holder (page)");
            Redirect::to("/card?done=revoked").into_response()
        }
        Err(e) => {
            holder_page(
                &pages,
                &lang,
                &client,
                None,
                Some(&e),
                Some(input.reason.as_str()),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key derived from one secret gives the same token after a restart and
    /// on another node; another secret gives another token; the secret itself
    /// does not sign tokens.
    #[test]
    fn the_derived_key_is_stable_and_bound_to_its_secret() {
        let secret = [7u8; 32];
        let a = derive_csrf_key(&secret);
        let serial = "5f1c9a";
        let t = csrf_token(&a, serial);
        assert_eq!(t, csrf_token(&derive_csrf_key(&secret), serial));
        assert_ne!(t, csrf_token(&a, "5f1c9b"));
        assert_ne!(t, csrf_token(&derive_csrf_key(&[8u8; 32]), serial));
        assert_ne!(
            t,
            csrf_token(&hmac::Key::new(hmac::HMAC_SHA256, &secret), serial)
        );
    }

    #[test]
    fn the_csrf_token_is_bound_to_the_card_and_the_key() {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng).unwrap_or_else(|_| panic!("rng"));
        let other = hmac::Key::generate(hmac::HMAC_SHA256, &rng).unwrap_or_else(|_| panic!("rng"));
        let t = csrf_token(&key, "0a1b");
        assert_eq!(t.len(), 64);
        assert_ne!(t, csrf_token(&key, "0a1c"));
        assert_ne!(t, csrf_token(&other, "0a1b"));
        let verify = |key: &hmac::Key, serial: &str, given: &str| {
            hex::decode(given)
                .ok()
                .is_some_and(|tag| hmac::verify(key, &csrf_message(serial), &tag).is_ok())
        };
        assert!(verify(&key, "0a1b", &t));
        assert!(!verify(&key, "0a1c", &t));
        assert!(!verify(&other, "0a1b", &t));
    }
}

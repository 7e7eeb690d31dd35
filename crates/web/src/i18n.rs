//! The languages of the pages: Finnish (the default), Swedish and English.
//!
//! The language-generic part (the [`Lang`] enum, Fluent catalogs, Helsinki-time
//! dates, local numbers) is the crate `carepki-i18n`, re-exported here. This
//! module holds what is particular to the pages: their message files under
//! `crates/web/locales/<lang>/*.ftl`, compiled into the binary ([`FILES`]) and
//! built into one [`Catalog`] on first use; the language of a request; and the
//! template functions. (The mail has its own message files, in `carepki-ra`.)
//!
//! The language of a request ([`negotiate`]): an explicit `?lang=fi|sv|en` wins
//! and is remembered in the `lang` cookie ([`lang_cookie`]), then that cookie,
//! then the browser's `Accept-Language` with its q-values
//! ([`from_accept_language`]), then Finnish.
//!
//! Templates take their text through `t("message-id", name=value, …)` and format
//! with the filters `datetime` (Unix seconds or RFC 3339 → Helsinki time in the
//! local format, [`format_datetime`]), `date` ([`format_date`]), `number`
//! ([`format_number`]) and `reason` (a revocation reason's name); see `register`.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use carepki_i18n::Catalog;
use fluent_bundle::{FluentArgs, FluentValue};
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use crate::AppState;
use crate::eservice::EsWeb;

pub use carepki_i18n::{
    Lang, MISSING_MARK, format_date, format_datetime, format_decimal, format_number, parse_rfc3339,
};

// ---------------------------------------------------------------------------------
// The message files
// ---------------------------------------------------------------------------------

/// The message files compiled in: language, file name, text. A unit test checks
/// that this list is exactly the files under `locales/`.
pub const FILES: &[(Lang, &str, &str)] = &[
    (
        Lang::Fi,
        "common.ftl",
        include_str!("../locales/fi/common.ftl"),
    ),
    (
        Lang::Fi,
        "eservice.ftl",
        include_str!("../locales/fi/eservice.ftl"),
    ),
    (
        Lang::Fi,
        "registration.ftl",
        include_str!("../locales/fi/registration.ftl"),
    ),
    (
        Lang::Fi,
        "orders.ftl",
        include_str!("../locales/fi/orders.ftl"),
    ),
    (
        Lang::Fi,
        "search.ftl",
        include_str!("../locales/fi/search.ftl"),
    ),
    (
        Lang::Fi,
        "testservice.ftl",
        include_str!("../locales/fi/testservice.ftl"),
    ),
    (Lang::Fi, "card.ftl", include_str!("../locales/fi/card.ftl")),
    (
        Lang::Sv,
        "common.ftl",
        include_str!("../locales/sv/common.ftl"),
    ),
    (
        Lang::Sv,
        "eservice.ftl",
        include_str!("../locales/sv/eservice.ftl"),
    ),
    (
        Lang::Sv,
        "registration.ftl",
        include_str!("../locales/sv/registration.ftl"),
    ),
    (
        Lang::Sv,
        "orders.ftl",
        include_str!("../locales/sv/orders.ftl"),
    ),
    (
        Lang::Sv,
        "search.ftl",
        include_str!("../locales/sv/search.ftl"),
    ),
    (
        Lang::Sv,
        "testservice.ftl",
        include_str!("../locales/sv/testservice.ftl"),
    ),
    (Lang::Sv, "card.ftl", include_str!("../locales/sv/card.ftl")),
    (
        Lang::En,
        "common.ftl",
        include_str!("../locales/en/common.ftl"),
    ),
    (
        Lang::En,
        "eservice.ftl",
        include_str!("../locales/en/eservice.ftl"),
    ),
    (
        Lang::En,
        "registration.ftl",
        include_str!("../locales/en/registration.ftl"),
    ),
    (
        Lang::En,
        "orders.ftl",
        include_str!("../locales/en/orders.ftl"),
    ),
    (
        Lang::En,
        "search.ftl",
        include_str!("../locales/en/search.ftl"),
    ),
    (
        Lang::En,
        "testservice.ftl",
        include_str!("../locales/en/testservice.ftl"),
    ),
    (Lang::En, "card.ftl", include_str!("../locales/en/card.ftl")),
];

/// The pages' messages, built from [`FILES`] on first use.
fn catalog() -> &'static Catalog {
    static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
        let texts = Lang::ALL.map(|lang| {
            FILES
                .iter()
                .filter(|(l, _, _)| *l == lang)
                .map(|(_, _, text)| *text)
                .collect::<Vec<_>>()
        });
        let sources: Vec<(Lang, &[&str])> = Lang::ALL
            .into_iter()
            .zip(&texts)
            .map(|(lang, texts)| (lang, texts.as_slice()))
            .collect();
        Catalog::new(&sources)
    });
    &CATALOG
}

/// The message `id` (or `id.attribute`) in `lang` with `args`, or `None` when
/// the language has no such message.
pub fn message(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
    catalog().message(lang, id, args)
}

/// The message `id` in `lang` with `args`; a missing message is logged and
/// shown in Finnish, or if Finnish lacks it too as `⟦missing:id⟧`, so that a
/// page still renders and a test finds it.
pub fn translate(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
    catalog().translate(lang, id, args)
}

/// [`translate`] without arguments.
pub fn t(lang: Lang, id: &str) -> String {
    translate(lang, id, None)
}

// ---------------------------------------------------------------------------------
// Negotiation
// ---------------------------------------------------------------------------------

/// The name of the cookie that remembers the language.
pub const COOKIE: &str = "lang";

/// How long the cookie is kept: a year, in seconds.
pub const COOKIE_MAX_AGE: u32 = 365 * 24 * 60 * 60;

/// The best supported language of an `Accept-Language` value, by q-value (ties
/// go to the earlier); `*` stands for the default. `None` when it names none of
/// ours (the caller then uses [`Lang::DEFAULT`]).
pub fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let mut q = 1.0_f32;
        for param in parts {
            let param = param.trim();
            if let Some(v) = param
                .strip_prefix("q=")
                .or_else(|| param.strip_prefix("Q="))
            {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        if q.is_nan() || q <= 0.0 {
            continue;
        }
        let lang = if tag == "*" {
            Some(Lang::DEFAULT)
        } else {
            Lang::from_tag(tag)
        };
        if let Some(lang) = lang
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

/// The language the `lang` cookie names, if any.
pub fn from_cookies(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| Lang::from_tag(value.trim_matches('"')))
}

/// The `Set-Cookie` value that remembers `lang` for a year on the whole site;
/// `Secure` when the service is reached over https.
pub fn lang_cookie(lang: Lang, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax{secure}",
        lang.code()
    )
}

/// The language of a request, and whether to remember it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// The language to answer in.
    pub lang: Lang,
    /// True when it was chosen explicitly (`?lang=`): set the cookie.
    pub explicit: bool,
}

/// Picks the language of a request: `query_lang` (the `lang` query parameter)
/// if it names one of ours, then the cookie, then `Accept-Language`, then
/// Finnish.
pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap) -> Negotiated {
    if let Some(lang) = query_lang.and_then(Lang::from_tag) {
        return Negotiated {
            lang,
            explicit: true,
        };
    }
    let lang = from_cookies(headers)
        .or_else(|| {
            headers
                .get_all(header::ACCEPT_LANGUAGE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(from_accept_language)
        })
        .unwrap_or(Lang::DEFAULT);
    Negotiated {
        lang,
        explicit: false,
    }
}

/// The language of a page request, as an extractor: what [`negotiate`] picks,
/// with the cookie to set when `?lang=` chose it.
#[derive(Debug, Clone)]
pub(crate) struct PageLang {
    pub(crate) lang: Lang,
    set_cookie: Option<HeaderValue>,
}

impl PageLang {
    /// Adds `Content-Language`, `Vary` and the cookie (if any) to a page's answer.
    pub(crate) fn decorate(&self, headers: &mut HeaderMap) {
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.lang.code()),
        );
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Accept-Language, Cookie"),
        );
        if let Some(cookie) = &self.set_cookie {
            headers.append(header::SET_COOKIE, cookie.clone());
        }
    }
}

impl PageLang {
    /// The language of a request with these parts; `secure` marks the cookie
    /// `Secure` (the service is reached over https).
    pub(crate) fn from_parts(parts: &Parts, secure: bool) -> Self {
        let query_lang = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.into_iter().find(|(k, _)| k == "lang").map(|(_, v)| v));
        let n = negotiate(query_lang.as_deref(), &parts.headers);
        let set_cookie = n
            .explicit
            .then(|| HeaderValue::from_str(&lang_cookie(n.lang, secure)).ok())
            .flatten();
        PageLang {
            lang: n.lang,
            set_cookie,
        }
    }
}

impl FromRequestParts<AppState> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secure = state
            .authority
            .ceremony()
            .base_url
            .to_ascii_lowercase()
            .starts_with("https://");
        Ok(PageLang::from_parts(parts, secure))
    }
}

/// The e-service's pages: the cookie is `Secure` when its public address is
/// https.
impl FromRequestParts<EsWeb> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &EsWeb) -> Result<Self, Self::Rejection> {
        Ok(PageLang::from_parts(parts, state.secure_cookies))
    }
}

// ---------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------

/// The language of a template being rendered: its `lang` variable.
fn state_lang(state: &State<'_, '_>) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::from_tag))
        .unwrap_or(Lang::DEFAULT)
}

/// `t("id", name=value, …)`: the message in the page's language.
fn t_function(state: &State<'_, '_>, id: &str, kwargs: Kwargs) -> Result<String, Error> {
    let mut args = FluentArgs::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        let fluent = match value.kind() {
            ValueKind::Number => match f64::try_from(value.clone()) {
                Ok(n) => FluentValue::from(n),
                Err(_) => FluentValue::from(value.to_string()),
            },
            ValueKind::Undefined | ValueKind::None => FluentValue::from("–"),
            _ => FluentValue::from(value.to_string()),
        };
        args.set(name.to_owned(), fluent);
    }
    kwargs.assert_all_used()?;
    let args = args.iter().next().is_some().then_some(&args);
    Ok(translate(state_lang(state), id, args))
}

/// `|datetime`: Unix seconds or an RFC 3339 string in Helsinki time, the local
/// way; none stays none (so `or "–"` still works).
fn datetime_filter(state: &State<'_, '_>, value: Value) -> Result<Value, Error> {
    let lang = state_lang(state);
    let unix = match value.kind() {
        ValueKind::Undefined | ValueKind::None => return Ok(Value::from(())),
        ValueKind::Number => value.as_i64(),
        ValueKind::String => value.as_str().and_then(parse_rfc3339),
        _ => None,
    };
    match unix {
        Some(unix) => Ok(Value::from(format_datetime(lang, unix))),
        None => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("datetime: {value} is neither Unix seconds nor an RFC 3339 time"),
        )),
    }
}

/// `|date`: the Helsinki date of Unix seconds, the local way; none stays none.
fn date_filter(state: &State<'_, '_>, value: Value) -> Result<Value, Error> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Ok(Value::from(())),
        _ => match value.as_i64() {
            Some(unix) => Ok(Value::from(format_date(state_lang(state), unix))),
            None => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("date: {value} is not Unix seconds"),
            )),
        },
    }
}

/// `|number`: a number the local way.
fn number_filter(state: &State<'_, '_>, value: Value) -> Result<String, Error> {
    let n = f64::try_from(value.clone()).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("number: {value} is not a number"),
        )
    })?;
    Ok(format_number(state_lang(state), n))
}

/// `|reason`: a revocation reason (`keyCompromise`…) in the page's language, or
/// as it is if it has no message.
fn reason_filter(state: &State<'_, '_>, value: Value) -> String {
    let raw = value.to_string();
    message(state_lang(state), &format!("reason-{raw}"), None).unwrap_or(raw)
}

/// Adds `t` and the filters `datetime`, `date`, `number` and `reason` to `env`; the
/// template's `lang` variable picks the language.
pub(crate) fn register(env: &mut Environment<'_>) {
    env.add_function("t", t_function);
    env.add_filter("datetime", datetime_filter);
    env.add_filter("date", date_filter);
    env.add_filter("number", number_filter);
    env.add_filter("reason", reason_filter);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_files_are_the_files_on_disk() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let mut on_disk = Vec::new();
        for lang in Lang::ALL {
            for entry in std::fs::read_dir(dir.join(lang.code())).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                if name.ends_with(".ftl") {
                    on_disk.push((lang.code(), name));
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<_> = FILES
            .iter()
            .map(|(l, n, _)| (l.code(), (*n).to_owned()))
            .collect();
        embedded.sort();
        assert_eq!(embedded, on_disk, "list every .ftl file in FILES");
        for (lang, name, text) in FILES {
            let res = Catalog::try_new(&[(*lang, &[*text])]);
            assert!(res.is_ok(), "{}/{name}: {:?}", lang.code(), res.err());
        }
    }
}

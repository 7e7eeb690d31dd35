//! The languages of the e-service: Finnish (the default), Swedish and English.
//!
//! Every text a page or an email shows comes from the Fluent message files under
//! `crates/web/locales/<lang>/*.ftl`, which are compiled into the binary
//! ([`FILES`]); nothing is read from disk at run time. One bundle per language is
//! built on first use, with Unicode isolation marks turned off (the pages and
//! plain-text mail would otherwise carry invisible U+2068/U+2069 around every
//! variable) and with this module's number format, so that a number given to a
//! message is grouped the local way and still selects the right plural.
//!
//! The language of a request ([`negotiate`]): an explicit `?lang=fi|sv|en` wins
//! and is remembered in the `lang` cookie ([`lang_cookie`]), then that cookie,
//! then the browser's `Accept-Language` with its q-values
//! ([`from_accept_language`]), then Finnish.
//!
//! Templates take their text through `t("message-id", name=value, …)` and format
//! with the filters `datetime` (Unix seconds or RFC 3339 → Helsinki time in the
//! local format, [`format_datetime`]), `number` ([`format_number`]) and `reason`
//! (a revocation reason's name); see [`register`].
//!
//! fluent-bundle is used directly rather than through fluent-templates: the
//! files are embedded with `include_str!`, the concurrent bundle is `Sync` and
//! lives in a `OnceLock`, and no proc-macro or directory walk is needed.

use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use crate::AppState;

/// A language of the e-service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Finnish, the default.
    Fi,
    /// Swedish (as written in Finland).
    Sv,
    /// English.
    En,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 3] = [Lang::Fi, Lang::Sv, Lang::En];

    /// The language when nothing else decides: Finnish.
    pub const DEFAULT: Lang = Lang::Fi;

    /// The language code: `fi`, `sv` or `en` (for `lang=`, the cookie,
    /// `<html lang>` and `Content-Language`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// The language of a BCP 47 tag by its primary subtag, in any case:
    /// `fi`, `fi-FI`, `sv-FI`, `SV`, `en-GB`…; `None` for any other language.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.code()))
    }

    /// The name of the language in itself, for the language switcher.
    pub fn autonym(self) -> &'static str {
        match self {
            Lang::Fi => "Suomeksi",
            Lang::Sv => "På svenska",
            Lang::En => "In English",
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::Fi => 0,
            Lang::Sv => 1,
            Lang::En => 2,
        }
    }
}

// ---------------------------------------------------------------------------------
// The message files and bundles
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
        "search.ftl",
        include_str!("../locales/fi/search.ftl"),
    ),
    (
        Lang::Fi,
        "testservice.ftl",
        include_str!("../locales/fi/testservice.ftl"),
    ),
    (
        Lang::Sv,
        "common.ftl",
        include_str!("../locales/sv/common.ftl"),
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
    (
        Lang::En,
        "common.ftl",
        include_str!("../locales/en/common.ftl"),
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
];

/// What a missing message shows in its place (and what the tests look for).
pub const MISSING_MARK: &str = "⟦missing:";

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [Bundle; 3] {
    static BUNDLES: OnceLock<[Bundle; 3]> = OnceLock::new();
    BUNDLES.get_or_init(|| Lang::ALL.map(build_bundle))
}

fn build_bundle(lang: Lang) -> Bundle {
    // "fi", "sv" and "en" are well-formed language tags.
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(match lang {
        Lang::Fi => fluent_number_fi,
        Lang::Sv => fluent_number_sv,
        Lang::En => fluent_number_en,
    }));
    for (file_lang, name, text) in FILES {
        if *file_lang != lang {
            continue;
        }
        let resource = match FluentResource::try_new((*text).to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                // The files are compiled in and a test parses each of them.
                tracing::error!(
                    lang = lang.code(),
                    file = name,
                    ?errors,
                    "message file has errors"
                );
                r
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(
                lang = lang.code(),
                file = name,
                ?errors,
                "duplicate message ids"
            );
        }
    }
    bundle
}

fn fluent_number(lang: Lang, value: &FluentValue<'_>) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(format_decimal(
            lang,
            n.value,
            n.options.minimum_fraction_digits.unwrap_or(0),
            n.options.maximum_fraction_digits.unwrap_or(3),
        )),
        _ => None,
    }
}

fn fluent_number_fi<M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    fluent_number(Lang::Fi, value)
}

fn fluent_number_sv<M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    fluent_number(Lang::Sv, value)
}

fn fluent_number_en<M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    fluent_number(Lang::En, value)
}

/// The message `id` (or `id.attribute`) in `lang` with `args`, or `None` when
/// the language has no such message.
pub fn message(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
    let bundle = &bundles()[lang.index()];
    let (id, attribute) = match id.split_once('.') {
        Some((id, attr)) => (id, Some(attr)),
        None => (id, None),
    };
    let msg = bundle.get_message(id)?;
    let pattern = match attribute {
        Some(attr) => msg.get_attribute(attr)?.value(),
        None => msg.value()?,
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::error!(
            lang = lang.code(),
            id,
            ?errors,
            "message could not be formatted fully"
        );
    }
    Some(text.into_owned())
}

/// The message `id` in `lang` with `args`; a missing message is logged and shows
/// as `⟦missing:id⟧`, so that a page still renders and a test finds it.
pub fn translate(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
    message(lang, id, args).unwrap_or_else(|| {
        tracing::error!(lang = lang.code(), id, "missing message");
        format!("{MISSING_MARK}{id}⟧")
    })
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

impl FromRequestParts<AppState> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let query_lang = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.into_iter().find(|(k, _)| k == "lang").map(|(_, v)| v));
        let n = negotiate(query_lang.as_deref(), &parts.headers);
        let secure = state
            .authority
            .ceremony()
            .base_url
            .to_ascii_lowercase()
            .starts_with("https://");
        let set_cookie = n
            .explicit
            .then(|| HeaderValue::from_str(&lang_cookie(n.lang, secure)).ok())
            .flatten();
        Ok(PageLang {
            lang: n.lang,
            set_cookie,
        })
    }
}

// ---------------------------------------------------------------------------------
// Dates and numbers
// ---------------------------------------------------------------------------------

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The instant `unix` in Helsinki time, the local way: `23.11.2026 klo 14.05`,
/// `23.11.2026 kl. 14.05`, `23 Nov 2026, 14:05`. An instant the calendar does not
/// cover (only a broken clock or record gives one) is shown as RFC 3339 UTC.
pub fn format_datetime(lang: Lang, unix: i64) -> String {
    let Ok(t) = carepki_policy::calendar::to_helsinki(unix) else {
        return carepki_ca::authority::rfc3339(unix);
    };
    let (d, m, y) = (t.day(), u8::from(t.month()), t.year());
    let (h, min) = (t.hour(), t.minute());
    match lang {
        Lang::Fi => format!("{d}.{m}.{y} klo {h}.{min:02}"),
        Lang::Sv => format!("{d}.{m}.{y} kl. {h}.{min:02}"),
        Lang::En => {
            let month = MONTHS_EN[usize::from(m.saturating_sub(1)) % 12];
            format!("{d} {month} {y}, {h:02}:{min:02}")
        }
    }
}

/// An RFC 3339 time as Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

/// A number the local way, with at most three decimals: `1 234 567,5` (fi, sv:
/// narrow no-break space U+202F between thousands, decimal comma, U+2212 minus)
/// or `1,234,567.5` (en).
pub fn format_number(lang: Lang, value: f64) -> String {
    format_decimal(lang, value, 0, 3)
}

/// A number the local way with `min_frac` to `max_frac` decimals.
pub fn format_decimal(lang: Lang, value: f64, min_frac: usize, max_frac: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let max_frac = max_frac.max(min_frac);
    let (group, decimal, minus) = match lang {
        Lang::Fi | Lang::Sv => ('\u{202F}', ',', '\u{2212}'),
        Lang::En => (',', '.', '-'),
    };
    let plain = format!("{:.*}", max_frac, value.abs());
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut frac = frac.to_owned();
    while frac.len() > min_frac && frac.ends_with('0') {
        frac.pop();
    }
    let mut out = String::with_capacity(plain.len() + 8);
    let zero = int.bytes().all(|b| b == b'0') && frac.bytes().all(|b| b == b'0');
    if value < 0.0 && !zero {
        out.push(minus);
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(decimal);
        out.push_str(&frac);
    }
    out
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

/// Adds `t` and the filters `datetime`, `number` and `reason` to `env`; the
/// template's `lang` variable picks the language.
pub(crate) fn register(env: &mut Environment<'_>) {
    env.add_function("t", t_function);
    env.add_filter("datetime", datetime_filter);
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
            let res = FluentResource::try_new((*text).to_owned());
            assert!(res.is_ok(), "{}/{name}: {:?}", lang.code(), res.err());
        }
    }
}

//! A set of translated messages: one Fluent bundle per language.

use std::fmt;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::error::I18nError;
use crate::format::format_decimal;
use crate::lang::Lang;

/// What a missing message shows in its place (and what tests look for):
/// `⟦missing:id⟧`.
pub const MISSING_MARK: &str = "⟦missing:";

type Bundle = FluentBundle<FluentResource>;

/// The messages of one user crate in every language.
///
/// Built once from the crate's own `.ftl` files, embedded with `include_str!`,
/// and kept in a `static` (`LazyLock<Catalog>`):
///
/// ```
/// use std::sync::LazyLock;
/// use carepki_i18n::{Catalog, Lang};
///
/// static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
///     Catalog::new(&[
///         (Lang::Fi, &["hello = Hei, { $name }!"]),
///         (Lang::Sv, &["hello = Hej, { $name }!"]),
///         (Lang::En, &["hello = Hello, { $name }!"]),
///     ])
/// });
///
/// let mut args = carepki_i18n::FluentArgs::new();
/// args.set("name", "Päivi");
/// assert_eq!(CATALOG.translate(Lang::Sv, "hello", Some(&args)), "Hej, Päivi!");
/// ```
///
/// Each bundle has Unicode isolation marks off (see the crate's documentation)
/// and formats numbers the local way ([`format_decimal`]), so that a number
/// given to a message is grouped like `1 234` and still selects the right
/// plural variant.
pub struct Catalog {
    bundles: [Bundle; 3],
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog").finish_non_exhaustive()
    }
}

impl Catalog {
    /// The catalog of `sources`: for each language, the texts of its `.ftl`
    /// files (a language may appear more than once; a language that does not
    /// appear has no messages). Errors in a source are logged and what parses
    /// is kept: the files are compiled in, and the user crate's tests check
    /// them with [`Catalog::try_new`].
    pub fn new(sources: &[(Lang, &[&str])]) -> Catalog {
        let (catalog, problems) = Catalog::build(sources);
        for problem in &problems {
            tracing::error!(%problem, "message files have errors");
        }
        catalog
    }

    /// The catalog of `sources`, or every problem found in them: a syntax
    /// error, or an id defined twice in a language.
    pub fn try_new(sources: &[(Lang, &[&str])]) -> Result<Catalog, Vec<I18nError>> {
        let (catalog, problems) = Catalog::build(sources);
        if problems.is_empty() {
            Ok(catalog)
        } else {
            Err(problems)
        }
    }

    fn build(sources: &[(Lang, &[&str])]) -> (Catalog, Vec<I18nError>) {
        let mut problems = Vec::new();
        let mut bundles = Lang::ALL.map(new_bundle);
        for lang in Lang::ALL {
            let texts = sources
                .iter()
                .filter(|(l, _)| *l == lang)
                .flat_map(|(_, texts)| texts.iter());
            for (index, text) in texts.enumerate() {
                let resource = match FluentResource::try_new((*text).to_owned()) {
                    Ok(r) => r,
                    Err((r, errors)) => {
                        problems.push(I18nError::Syntax {
                            lang,
                            index,
                            errors: join(&errors),
                        });
                        r
                    }
                };
                if let Err(errors) = bundles[lang.index()].add_resource(resource) {
                    problems.push(I18nError::Duplicate {
                        lang,
                        index,
                        errors: join(&errors),
                    });
                }
            }
        }
        (Catalog { bundles }, problems)
    }

    /// Whether `lang` has the message `id` (or `id.attribute`) with a value.
    pub fn contains(&self, lang: Lang, id: &str) -> bool {
        self.pattern(lang, id).is_some()
    }

    /// The message `id` (or `id.attribute`) in `lang` with `args`, strictly:
    /// [`I18nError::Missing`] when `lang` lacks it (no fallback) and
    /// [`I18nError::Format`] when it cannot be formatted fully (a variable not
    /// given, a reference to a missing message). For tests and for callers
    /// that must not send a half-formatted text.
    pub fn try_message(
        &self,
        lang: Lang,
        id: &str,
        args: Option<&FluentArgs<'_>>,
    ) -> Result<String, I18nError> {
        self.format(lang, id, args).map_err(|(_, e)| e)
    }

    /// The message `id` (or `id.attribute`) in `lang` with `args`, or `None`
    /// when `lang` has no such message (no fallback). A formatting error is
    /// logged and the text returned as Fluent left it (a missing variable
    /// shows as `{$name}`).
    pub fn message(&self, lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        match self.format(lang, id, args) {
            Ok(text) => Some(text),
            Err((Some(text), error)) => {
                tracing::error!(%error, "message could not be formatted fully");
                Some(text)
            }
            Err((None, _)) => None,
        }
    }

    /// The message `id` in `lang` with `args`; if `lang` lacks it, the
    /// Finnish one (logged: the files should agree); if Finnish lacks it too,
    /// `⟦missing:id⟧` (logged), so that a page or mail still renders and a test
    /// finds the gap ([`MISSING_MARK`]).
    pub fn translate(&self, lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        if let Some(text) = self.message(lang, id, args) {
            return text;
        }
        if lang != Lang::DEFAULT
            && let Some(text) = self.message(Lang::DEFAULT, id, args)
        {
            tracing::error!(
                lang = lang.code(),
                id,
                "missing message; shown in Finnish instead"
            );
            return text;
        }
        tracing::error!(lang = lang.code(), id, "missing message");
        format!("{MISSING_MARK}{id}⟧")
    }

    /// [`Catalog::translate`] without arguments.
    pub fn t(&self, lang: Lang, id: &str) -> String {
        self.translate(lang, id, None)
    }

    /// The pattern of `id` (or `id.attribute`) in `lang`, if it has one.
    fn pattern(&self, lang: Lang, id: &str) -> Option<&fluent_syntax::ast::Pattern<&str>> {
        let bundle = &self.bundles[lang.index()];
        let (msg_id, attribute) = match id.split_once('.') {
            Some((msg_id, attr)) => (msg_id, Some(attr)),
            None => (id, None),
        };
        let msg = bundle.get_message(msg_id)?;
        match attribute {
            Some(attr) => Some(msg.get_attribute(attr)?.value()),
            None => msg.value(),
        }
    }

    /// Formats `id` in `lang`: the text, or the error with the text Fluent
    /// managed when the message exists.
    fn format(
        &self,
        lang: Lang,
        id: &str,
        args: Option<&FluentArgs<'_>>,
    ) -> Result<String, (Option<String>, I18nError)> {
        let Some(pattern) = self.pattern(lang, id) else {
            return Err((
                None,
                I18nError::Missing {
                    lang,
                    id: id.to_owned(),
                },
            ));
        };
        let mut errors = Vec::new();
        let text = self.bundles[lang.index()]
            .format_pattern(pattern, args, &mut errors)
            .into_owned();
        if errors.is_empty() {
            Ok(text)
        } else {
            Err((
                Some(text),
                I18nError::Format {
                    lang,
                    id: id.to_owned(),
                    errors: join(&errors),
                },
            ))
        }
    }
}

/// An empty bundle for `lang`: no isolation marks, local numbers.
fn new_bundle(lang: Lang) -> Bundle {
    // "fi", "sv" and "en" are well-formed language tags; the default (und)
    // would only lose the plural rules, and a unit test covers them.
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(match lang {
        Lang::Fi => fluent_number_fi,
        Lang::Sv => fluent_number_sv,
        Lang::En => fluent_number_en,
    }));
    bundle
}

fn join<E: fmt::Display>(errors: &[E]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A Fluent number, the local way; anything else as Fluent formats it.
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const FI: &str = "
hello = Hei, { $name }!
files = { $count ->
    [one] { $count } tiedosto
   *[other] { $count } tiedostoa
}
only-fi = Vain suomeksi
button = Nappi
    .title = Paina
";
    const SV: &str = "
hello = Hej, { $name }!
files = { $count ->
    [one] { $count } fil
   *[other] { $count } filer
}
button = Knapp
    .title = Tryck
";
    const EN: &str = "
hello = Hello, { $name }!
files = { $count ->
    [one] { $count } file
   *[other] { $count } files
}
button = Button
    .title = Press
";

    fn catalog() -> Catalog {
        Catalog::try_new(&[(Lang::Fi, &[FI]), (Lang::Sv, &[SV]), (Lang::En, &[EN])]).unwrap()
    }

    fn args<'a>(pairs: &[(&'a str, FluentValue<'a>)]) -> FluentArgs<'a> {
        let mut args = FluentArgs::new();
        for (k, v) in pairs {
            args.set(*k, v.clone());
        }
        args
    }

    #[test]
    fn messages_have_no_isolation_marks() {
        let c = catalog();
        let a = args(&[("name", "Åsa Öberg".into())]);
        for lang in Lang::ALL {
            let text = c.translate(lang, "hello", Some(&a));
            assert!(text.contains("Åsa Öberg"), "{text}");
            assert!(!text.contains(['\u{2068}', '\u{2069}']), "{text:?}");
        }
        assert_eq!(c.translate(Lang::Fi, "hello", Some(&a)), "Hei, Åsa Öberg!");
    }

    #[test]
    fn numbers_are_grouped_locally_and_select_plurals() {
        let c = catalog();
        let one = args(&[("count", 1.into())]);
        let many = args(&[("count", 12345.into())]);
        assert_eq!(c.translate(Lang::Fi, "files", Some(&one)), "1 tiedosto");
        assert_eq!(
            c.translate(Lang::Fi, "files", Some(&many)),
            "12\u{202F}345 tiedostoa"
        );
        assert_eq!(
            c.translate(Lang::Sv, "files", Some(&many)),
            "12\u{202F}345 filer"
        );
        assert_eq!(c.translate(Lang::En, "files", Some(&one)), "1 file");
        assert_eq!(c.translate(Lang::En, "files", Some(&many)), "12,345 files");
    }

    #[test]
    fn attributes_are_looked_up_with_a_dot() {
        let c = catalog();
        assert_eq!(c.t(Lang::Sv, "button.title"), "Tryck");
        assert!(c.contains(Lang::En, "button.title"));
        assert!(!c.contains(Lang::En, "button.nope"));
        assert!(c.t(Lang::En, "button.nope").starts_with(MISSING_MARK));
    }

    #[test]
    fn a_missing_message_falls_back_to_finnish_then_shows_a_mark() {
        let c = catalog();
        assert_eq!(c.message(Lang::Sv, "only-fi", None), None);
        assert_eq!(c.t(Lang::Sv, "only-fi"), "Vain suomeksi");
        assert_eq!(
            c.try_message(Lang::Sv, "only-fi", None),
            Err(I18nError::Missing {
                lang: Lang::Sv,
                id: "only-fi".to_owned()
            })
        );
        assert_eq!(c.t(Lang::En, "nowhere"), "⟦missing:nowhere⟧");
    }

    #[test]
    fn a_missing_variable_is_an_error_only_to_the_strict_lookup() {
        let c = catalog();
        let lenient = c.translate(Lang::En, "hello", None);
        assert!(lenient.contains("{$name}"), "{lenient}");
        assert!(matches!(
            c.try_message(Lang::En, "hello", None),
            Err(I18nError::Format { .. })
        ));
        assert!(c.contains(Lang::En, "hello"));
    }

    #[test]
    fn bad_sources_are_reported_and_the_rest_kept() {
        let sources: &[(Lang, &[&str])] = &[
            (Lang::Fi, &["ok = Hyvä\nbroken = { $\n", "ok = Toinen\n"]),
            (Lang::Sv, &["ok = Bra\n"]),
        ];
        let problems = Catalog::try_new(sources).unwrap_err();
        assert!(
            matches!(
                problems[0],
                I18nError::Syntax {
                    lang: Lang::Fi,
                    index: 0,
                    ..
                }
            ),
            "{problems:?}"
        );
        assert!(
            matches!(
                problems[1],
                I18nError::Duplicate {
                    lang: Lang::Fi,
                    index: 1,
                    ..
                }
            ),
            "{problems:?}"
        );
        let lenient = Catalog::new(sources);
        assert_eq!(lenient.t(Lang::Fi, "ok"), "Hyvä");
        assert_eq!(lenient.t(Lang::Sv, "ok"), "Bra");
        // No English source: everything falls back to Finnish.
        assert_eq!(lenient.t(Lang::En, "ok"), "Hyvä");
    }
}

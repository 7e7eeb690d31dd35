//! The three languages.

use std::fmt;

/// A language of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    /// The language code: `fi`, `sv` or `en` (for `lang=`, cookies,
    /// `<html lang>`, `Content-Language` and the stored preference of a user).
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

    /// [`Lang::from_tag`], or Finnish for anything it does not recognise
    /// (an empty or unknown preference).
    pub fn from_tag_or_default(tag: &str) -> Lang {
        Lang::from_tag(tag).unwrap_or(Lang::DEFAULT)
    }

    /// The name of the language in itself, for a language switcher.
    pub fn autonym(self) -> &'static str {
        match self {
            Lang::Fi => "Suomeksi",
            Lang::Sv => "På svenska",
            Lang::En => "In English",
        }
    }

    /// The position of the language in [`Lang::ALL`].
    pub(crate) fn index(self) -> usize {
        match self {
            Lang::Fi => 0,
            Lang::Sv => 1,
            Lang::En => 2,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_languages_by_their_primary_subtag() {
        assert_eq!(Lang::from_tag("fi"), Some(Lang::Fi));
        assert_eq!(Lang::from_tag("sv-FI"), Some(Lang::Sv));
        assert_eq!(Lang::from_tag(" EN_gb "), Some(Lang::En));
        assert_eq!(Lang::from_tag("de"), None);
        assert_eq!(Lang::from_tag(""), None);
        assert_eq!(Lang::from_tag("finnish"), None);
        assert_eq!(Lang::from_tag_or_default("xx"), Lang::Fi);
        assert_eq!(Lang::from_tag_or_default("sv"), Lang::Sv);
        for (i, l) in Lang::ALL.into_iter().enumerate() {
            assert_eq!(l.index(), i);
            assert_eq!(Lang::from_tag(l.code()), Some(l));
            assert_eq!(l.to_string(), l.code());
        }
        assert_eq!(Lang::DEFAULT, Lang::ALL[0]);
    }
}

//! The crate's single error type.

use crate::Lang;

/// What can be wrong with message files or with a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum I18nError {
    /// A message source does not parse as Fluent.
    #[error("{lang} message source {index}: {errors}; fix the .ftl file")]
    Syntax {
        /// The language of the source.
        lang: Lang,
        /// The source's position among that language's sources, from 0.
        index: usize,
        /// The parser's complaints, joined.
        errors: String,
    },

    /// A message id is defined twice in one language.
    #[error("{lang} message source {index}: {errors}; every id must be defined once")]
    Duplicate {
        /// The language of the source.
        lang: Lang,
        /// The source's position among that language's sources, from 0.
        index: usize,
        /// The ids defined again, as fluent-bundle words it.
        errors: String,
    },

    /// The language has no such message (or the message no such attribute,
    /// or no value).
    #[error("{lang}: no message {id:?}; add it to the language's .ftl file")]
    Missing {
        /// The language asked for.
        lang: Lang,
        /// The id (`id` or `id.attribute`).
        id: String,
    },

    /// The message exists but could not be formatted fully, e.g. it refers to
    /// a variable that was not given.
    #[error("{lang}: message {id:?} could not be formatted: {errors}")]
    Format {
        /// The language asked for.
        lang: Lang,
        /// The id (`id` or `id.attribute`).
        id: String,
        /// The resolver's complaints, joined.
        errors: String,
    },
}

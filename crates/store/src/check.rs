//! Checks of caller-supplied text shared by the store's write APIs (the mail
//! outbox and the e-service data): one-line fields, email addresses, attachment
//! names and MIME types. Each failure is an [`StoreError::InvalidInput`] that
//! names the field.

use crate::error::{Result, StoreError};

/// An [`StoreError::InvalidInput`] for `field`.
pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::InvalidInput {
        field,
        reason: reason.into(),
    }
}

/// One line of 1 to `max` bytes, without control characters (CR and LF above
/// all: they would inject headers into mail).
pub(crate) fn one_line(field: &'static str, text: &str, max: usize) -> Result<()> {
    if text.trim().is_empty() {
        return Err(invalid(field, "is empty"));
    }
    if text.len() > max {
        return Err(invalid(field, format!("is longer than {max} bytes")));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid(
            field,
            "contains a control character (line breaks are not allowed)",
        ));
    }
    Ok(())
}

/// An email address as far as the store cares: one line of at most 320 bytes
/// with an `@`.
pub(crate) fn email(field: &'static str, address: &str) -> Result<()> {
    one_line(field, address, 320)?;
    if !address.contains('@') {
        return Err(invalid(field, "is not an email address (no @)"));
    }
    Ok(())
}

/// An attachment's file name: one line of at most 255 bytes, no path separator
/// and no quote (it goes into Content-Disposition headers).
pub(crate) fn attachment_filename(filename: &str) -> Result<()> {
    one_line("attachment filename", filename, 255)?;
    if filename.contains(['/', '\\', '"']) {
        return Err(invalid(
            "attachment filename",
            format!("{filename:?} holds a path separator or a quote"),
        ));
    }
    Ok(())
}

/// A MIME type `type/subtype` of RFC 2045 tokens; `example` goes into the message.
pub(crate) fn mime_type(content_type: &str, example: &str) -> Result<()> {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    let valid = content_type
        .split_once('/')
        .is_some_and(|(top, sub)| token(top) && token(sub));
    if valid {
        Ok(())
    } else {
        Err(invalid(
            "attachment content_type",
            format!("{content_type:?} is not a MIME type like {example}"),
        ))
    }
}

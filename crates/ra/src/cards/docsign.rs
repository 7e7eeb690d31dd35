//! Signing a document with a card (issue 5 point 9, R-CARD-CERTS): the content
//! is digested and the signed attributes built in `carepki_x509::cms`, the card
//! signs them on the token with the key's PIN (PIN2 for the signature key), and
//! the SignedData is assembled with the certificate read from the same token.
//! The key never leaves the card; the PIN is handed to the token and kept
//! nowhere.
//!
//! The relying party's check is `carepki_ca::Authority::verify_document`.

use carepki_keys::{Card, CardKey};
use carepki_x509::X509Error;
use carepki_x509::cms::{Encapsulation, prepare};

use super::production::key_error;
use crate::eservice::{EsError, EsResult};

/// Signs `content` with the card's key `which` (always [`CardKey::Sign`] for a
/// document; [`CardKey::Auth`] only to show that such a signature is refused),
/// opened with `pin`, at `signing_time` (Unix seconds): the DER ContentInfo of
/// a CMS SignedData with the card's certificate, the content encapsulated or
/// detached.
///
/// Refusals: `card.pin_format`, `card.wrong_pin`, `card.token` (the token
/// failed), `card.no_certificate` (the token holds no certificate for the
/// key), `document.*` (the content is too large, or the token's signature does
/// not verify with its certificate).
pub fn sign_document(
    card: &Card,
    which: CardKey,
    pin: &str,
    content: &[u8],
    encapsulation: Encapsulation,
    signing_time: i64,
) -> EsResult<Vec<u8>> {
    let cert = card.certificate(which).map_err(key_error)?.ok_or_else(|| {
        EsError::invalid(
            "card.no_certificate",
            format!(
                "the card \"{}\" holds no {which} certificate: it was not produced (or its \
                 production did not finish); sign with a produced and activated card",
                card.label()
            ),
        )
    })?;
    let algorithm = card.signature_algorithm(which).map_err(key_error)?;
    let plan =
        prepare(content, &cert, algorithm, signing_time, encapsulation).map_err(document_error)?;
    let signature = card
        .sign(which, pin, plan.to_be_signed())
        .map_err(key_error)?;
    plan.assemble(&signature).map_err(document_error)
}

fn document_error(e: X509Error) -> EsError {
    let code = match &e {
        X509Error::SignedDocument { code, .. } => *code,
        _ => "document.certificate",
    };
    EsError::invalid(code, e.to_string())
}

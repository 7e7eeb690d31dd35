//! `carepki station produce|activate|new-code|revoke|show`: the registration
//! station, where a registrar has the card reader (a PKCS#11 module: a real
//! card through OpenSC, or SoftHSM2 in the demo) and produces, activates,
//! resets and revokes the cards of his point's orders (issue 5, point 4 and 7;
//! R-CARD-CERTS, R-REG-POINT) through `carepki_ra::cards::CardService`.
//!
//! Secrets (the card issuer's SO PIN, the activation code, PIN1 and PIN2) are
//! never command-line arguments, which other users of the machine can read:
//! each comes from its environment variable or, when that is not set, from one
//! line of standard input. They are never printed or logged.

use std::io::BufRead as _;
use std::sync::Arc;

use carepki_ca::authority::now_unix;
use carepki_keys::Pkcs11Module;
use carepki_ra::cards::CardService;
use carepki_store::CardOrderRow;
use carepki_x509::KeyAlgorithm;
use carepki_x509::RevocationReason;
use zeroize::Zeroizing;

use crate::cli::{CardKeyType, Global, StationCommand};
use crate::commands::{Error, open_authority, open_store};

/// The card issuer's security officer PIN.
pub(crate) const SO_PIN_ENV: &str = "CAREPKI_CARD_SO_PIN";
/// The activation code from the holder's letter or mail.
pub(crate) const ACTIVATION_CODE_ENV: &str = "CAREPKI_CARD_ACTIVATION_CODE";
/// The holder's new PIN1 (authentication).
pub(crate) const PIN1_ENV: &str = "CAREPKI_CARD_PIN1";
/// The holder's new PIN2 (signature).
pub(crate) const PIN2_ENV: &str = "CAREPKI_CARD_PIN2";

/// A secret from `var`, else one line of standard input (trailing newline
/// removed); refused when neither gives one.
fn secret(var: &str, what: &str) -> Result<Zeroizing<String>, Error> {
    if let Ok(v) = std::env::var(var)
        && !v.is_empty()
    {
        return Ok(Zeroizing::new(v));
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read {what} from standard input: {e}"))?;
    let v = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if v.is_empty() {
        return Err(format!(
            "{what} is needed: set {var} or give it as one line on standard input \
             (never as an argument)"
        )
        .into());
    }
    Ok(v)
}

fn key_algorithm(t: CardKeyType) -> KeyAlgorithm {
    match t {
        CardKeyType::EcdsaP256 => KeyAlgorithm::EcdsaP256,
        CardKeyType::EcdsaP384 => KeyAlgorithm::EcdsaP384,
        CardKeyType::Rsa2048 => KeyAlgorithm::Rsa2048,
        CardKeyType::Rsa3072 => KeyAlgorithm::Rsa3072,
    }
}

fn module(path: &std::path::Path) -> Result<Pkcs11Module, Error> {
    Ok(Pkcs11Module::load(path)?)
}

fn describe(o: &CardOrderRow) -> String {
    let serials = match (&o.auth_serial, &o.sign_serial) {
        (Some(a), Some(s)) => format!("; authentication {a}, signature {s}"),
        _ => String::new(),
    };
    format!(
        "card order {}: {} card for {} {} ({}), {}{}{}",
        o.id,
        o.kind,
        o.holder["given_name"].as_str().unwrap_or_default(),
        o.holder["surname"].as_str().unwrap_or_default(),
        o.holder_number,
        o.state,
        o.card_label
            .as_deref()
            .map(|l| format!(" on card {l:?}"))
            .unwrap_or_default(),
        serials
    )
}

fn print(o: &CardOrderRow, json: bool, then: &str) -> Result<(), Error> {
    if json {
        say!("{}", serde_json::to_string_pretty(o)?);
    } else {
        say!("{}", describe(o));
        if !then.is_empty() {
            say!("{then}");
        }
    }
    Ok(())
}

/// Runs one `station` subcommand.
pub(crate) async fn run(g: &Global, cmd: StationCommand) -> Result<(), Error> {
    let now = now_unix();
    let (cards, result) = match cmd {
        StationCommand::Show { order, json } => {
            let cards = CardService::new(open_store(g).await?, None);
            let r = match cards.store().card_order(order).await {
                Ok(Some(o)) => print(&o, json, ""),
                Ok(None) => Err(format!("there is no card order {order}").into()),
                Err(e) => Err(e.into()),
            };
            (cards, r)
        }
        StationCommand::Produce {
            order,
            registrar_user,
            module: path,
            label,
            key_type,
            json,
        } => {
            let so_pin = secret(SO_PIN_ENV, "the card issuer's SO PIN")?;
            let module = module(&path)?;
            let cards = CardService::new(
                open_store(g).await?,
                Some(Arc::new(open_authority(g).await?)),
            );
            let r = cards
                .produce(
                    registrar_user,
                    order,
                    &module,
                    &label,
                    &so_pin,
                    key_algorithm(key_type),
                    now,
                )
                .await;
            let r = match r {
                Ok(o) => print(
                    &o,
                    json,
                    "the activation code goes to the holder separately, by mail through the outbox",
                ),
                Err(e) => Err(format!("{e} [{}]", e.code).into()),
            };
            (cards, r)
        }
        StationCommand::Activate {
            order,
            module: path,
            json,
        } => {
            let code = secret(ACTIVATION_CODE_ENV, "the activation code")?;
            let pin1 = secret(PIN1_ENV, "PIN1 (authentication, 4 to 8 digits)")?;
            let pin2 = secret(PIN2_ENV, "PIN2 (signature, 4 to 8 digits)")?;
            let module = module(&path)?;
            let cards = CardService::new(open_store(g).await?, None);
            let r = match cards
                .activate(order, &module, &code, &pin1, &pin2, now)
                .await
            {
                Ok(o) => print(&o, json, "the card is activated: PIN1 and PIN2 are set"),
                Err(e) => Err(format!("{e} [{}]", e.code).into()),
            };
            (cards, r)
        }
        StationCommand::NewCode {
            order,
            registrar_user,
            module: path,
            json,
        } => {
            let so_pin = secret(SO_PIN_ENV, "the card issuer's SO PIN")?;
            let module = module(&path)?;
            let cards = CardService::new(open_store(g).await?, None);
            let r = match cards
                .new_activation_code(registrar_user, order, &module, &so_pin, now)
                .await
            {
                Ok(o) => print(
                    &o,
                    json,
                    "a new activation code goes to the holder by mail; the card waits for \
                     activation",
                ),
                Err(e) => Err(format!("{e} [{}]", e.code).into()),
            };
            (cards, r)
        }
        StationCommand::HandOver {
            order,
            registrar_user,
            identity,
            json,
        } => {
            let cards = CardService::new(open_store(g).await?, None);
            let r = match cards
                .hand_over(registrar_user, order, identity.check().as_ref(), now)
                .await
            {
                Ok(o) => print(
                    &o,
                    json,
                    "the card is handed over; the holder activates it with the code sent \
                     to him",
                ),
                Err(e) => Err(format!("{e} [{}]", e.code).into()),
            };
            (cards, r)
        }
        StationCommand::Cancel {
            order,
            registrar_user,
            reason,
            json,
        } => {
            let cards = CardService::new(open_store(g).await?, None);
            let r = match cards
                .cancel_order(registrar_user, order, &reason, now)
                .await
            {
                Ok(o) => print(&o, json, "the order is cancelled; no card will be made"),
                Err(e) => Err(format!("{e} [{}]", e.code).into()),
            };
            (cards, r)
        }
        StationCommand::Revoke {
            order,
            registrar_user,
            reason,
            json,
        } => {
            let reason = RevocationReason::from_name(&reason)?;
            let cards = CardService::new(
                open_store(g).await?,
                Some(Arc::new(open_authority(g).await?)),
            );
            let r = match cards.revoke_card(registrar_user, order, reason, now).await {
                Ok(o) => print(
                    &o,
                    json,
                    "both certificates of the card are revoked (final; OCSP and CRLs follow)",
                ),
                Err(e) => Err(format!("{e} [{}]", e.code).into()),
            };
            (cards, r)
        }
    };
    cards.store().close().await;
    result
}

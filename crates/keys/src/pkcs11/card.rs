//! Certificate cards: two tokens, two key pairs, two PINs (R-CARD-CERTS,
//! issue 5 point 4). The model is described in the parent module.

use std::fmt;
use std::sync::Mutex;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::object::{Attribute, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::Encode;
use zeroize::Zeroizing;

use super::{Pkcs11Module, SignInput, card_signature_algorithm, lock};
use crate::KeyError;

/// The fewest digits of PIN1 and PIN2 (issue 5).
pub const MIN_PIN_DIGITS: usize = 4;
/// The most digits of PIN1 and PIN2 (issue 5).
pub const MAX_PIN_DIGITS: usize = 8;
/// The characters of an activation code (without the dashes it is printed with).
pub const ACTIVATION_CODE_CHARS: usize = 16;
/// The longest card label in bytes: a token label has 32 bytes, and the card's
/// tokens are `"<card> AUTH"` and `"<card> SIGN"`.
pub const MAX_CARD_LABEL_BYTES: usize = 32 - 5;

/// The activation code alphabet: capitals and digits without I, O, 0 and 1,
/// which are easy to misread on a letter. 32 symbols, 5 bits each: a code
/// carries 80 random bits.
const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// The two keys of a card (R-CARD-CERTS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardKey {
    /// The authentication key, opened with PIN1.
    Auth,
    /// The signature key (non-repudiation), opened with PIN2.
    Sign,
}

impl CardKey {
    /// Both keys, authentication first.
    pub const BOTH: [CardKey; 2] = [CardKey::Auth, CardKey::Sign];

    /// The PIN that opens the key, for messages: "PIN1 (authentication)" or
    /// "PIN2 (signature)".
    pub fn pin_name(self) -> &'static str {
        match self {
            Self::Auth => "PIN1 (authentication)",
            Self::Sign => "PIN2 (signature)",
        }
    }

    /// The label of the key's objects (private key, public key, certificate).
    pub fn object_label(self) -> &'static str {
        match self {
            Self::Auth => "authentication",
            Self::Sign => "signature",
        }
    }

    fn token_suffix(self) -> &'static str {
        match self {
            Self::Auth => " AUTH",
            Self::Sign => " SIGN",
        }
    }
}

impl fmt::Display for CardKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.object_label())
    }
}

/// Checks that `pin` is 4 to 8 digits, naming the PIN of `which` in the
/// error (never the PIN itself).
pub fn check_pin_format(which: CardKey, pin: &str) -> Result<(), KeyError> {
    let problem = if pin.is_empty() {
        "it is empty".to_owned()
    } else if !pin.chars().all(|c| c.is_ascii_digit()) {
        "it contains a character that is not a digit".to_owned()
    } else if pin.len() < MIN_PIN_DIGITS {
        format!("it has {} digits, fewer than {MIN_PIN_DIGITS}", pin.len())
    } else if pin.len() > MAX_PIN_DIGITS {
        format!("it has {} digits, more than {MAX_PIN_DIGITS}", pin.len())
    } else {
        return Ok(());
    };
    Err(KeyError::PinFormat {
        pin: which.pin_name(),
        problem,
    })
}

/// A card's activation code: 16 capitals and digits (no I, O, 0 or 1),
/// printed in groups of four. Never all digits, so never a valid PIN.
///
/// The text is zeroized when dropped and never shown by `Debug`.
#[derive(Clone)]
pub struct ActivationCode(Zeroizing<String>);

impl fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationCode(***)")
    }
}

impl ActivationCode {
    /// A new random code (80 bits from the system random number generator),
    /// with at least one letter.
    pub fn generate() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        loop {
            let mut bytes = Zeroizing::new([0u8; ACTIVATION_CODE_CHARS]);
            rng.fill(bytes.as_mut()).map_err(|_| KeyError::Random)?;
            let code: Zeroizing<String> = Zeroizing::new(
                bytes
                    .iter()
                    .map(|b| char::from(CODE_ALPHABET[usize::from(b & 0x1f)]))
                    .collect(),
            );
            // All digits (chance 2^-32) could be mistaken for a PIN's format.
            if code.chars().any(|c| c.is_ascii_uppercase()) {
                return Ok(Self(code));
            }
        }
    }

    /// Reads a code as the holder types it: dashes and white space are
    /// ignored, lower case is taken as upper case.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let code: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| *c != '-' && !c.is_whitespace())
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        let problem = if code.is_empty() {
            "it is empty".to_owned()
        } else if !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
            "it contains a character that activation codes never use \
             (they use the capitals A-Z except I and O, and the digits 2-9)"
                .to_owned()
        } else if code.len() != ACTIVATION_CODE_CHARS {
            format!(
                "it has {} letters and digits, not {ACTIVATION_CODE_CHARS}",
                code.len()
            )
        } else {
            return Ok(Self(code));
        };
        Err(KeyError::ActivationCodeFormat { problem })
    }

    /// The code without dashes, as the token's user PIN. Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The code in groups of four ("ABCD-EFGH-JKLM-NPQR"), for the activation
    /// letter. Never log it.
    pub fn grouped(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(ACTIVATION_CODE_CHARS + 3));
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }
}

/// The public keys of a card's two key pairs, as DER SubjectPublicKeyInfo
/// for the CA's certificate requests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CardPublicKeys {
    /// The type and size of both keys.
    pub algorithm: KeyAlgorithm,
    /// The authentication key.
    pub auth: Vec<u8>,
    /// The signature key.
    pub sign: Vec<u8>,
}

impl CardPublicKeys {
    /// The public key of `which`.
    pub fn get(&self, which: CardKey) -> &[u8] {
        match which {
            CardKey::Auth => &self.auth,
            CardKey::Sign => &self.sign,
        }
    }
}

/// A certificate card on a PKCS#11 module: the tokens `"<label> AUTH"` and
/// `"<label> SIGN"` (see the parent module for the model).
///
/// A card returned by [`Card::initialise`] or after
/// [`Card::new_activation_code`] is *in production*: it holds the activation
/// code, with which [`Card::generate_keys`] and [`Card::write_certificate`]
/// log in. [`Card::activate`] ends production. `Debug` shows the label only.
pub struct Card {
    module: Pkcs11Module,
    label: String,
    production: Mutex<Option<ActivationCode>>,
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("label", &self.label)
            .field("module", &self.module.path())
            .field("in_production", &lock(&self.production).is_some())
            .finish_non_exhaustive()
    }
}

fn check_card_label(label: &str) -> Result<(), KeyError> {
    let problem = if label.is_empty() {
        "is empty".to_owned()
    } else if label.len() > MAX_CARD_LABEL_BYTES {
        format!(
            "has {} bytes; a card label has at most {MAX_CARD_LABEL_BYTES} \
             (a token label has 32, and \" AUTH\" or \" SIGN\" is added)",
            label.len()
        )
    } else if !label
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" -_.".contains(&b))
    {
        "may only contain ASCII letters, digits, spaces, '-', '_' and '.'".to_owned()
    } else if label.starts_with(' ') || label.ends_with(' ') {
        "may not start or end with a space (token labels are space-padded)".to_owned()
    } else {
        return Ok(());
    };
    Err(KeyError::CardLabel {
        label: label.to_owned(),
        problem,
    })
}

impl Card {
    /// Initialises the card's two tokens (`"<card_label> AUTH"` and
    /// `"<card_label> SIGN"`) with the card issuer's SO PIN, and sets a new
    /// [`ActivationCode`] as the user PIN of both: the card is in production.
    ///
    /// Uses the tokens already labelled so (re-initialising them with the same
    /// SO PIN) or else blank tokens. Refuses tokens that already hold keys or
    /// certificates (issue 5, bad input), before changing anything.
    pub fn initialise(
        module: &Pkcs11Module,
        card_label: &str,
        so_pin: &str,
    ) -> Result<Card, KeyError> {
        check_card_label(card_label)?;
        let card = Card {
            module: module.clone(),
            label: card_label.to_owned(),
            production: Mutex::new(None),
        };
        let _guard = module.login_guard();
        for which in CardKey::BOTH {
            let token = card.token_label(which);
            if let Some(slot) = module.find_slot(&token)? {
                let session = module.open_session(slot, &token, false)?;
                let objects = module.find(&session, &token, &[])?.len();
                if objects > 0 {
                    return Err(KeyError::TokenHoldsKeys { token, objects });
                }
            }
        }
        let code = ActivationCode::generate()?;
        let so = AuthPin::from(so_pin.to_owned());
        for which in CardKey::BOTH {
            let token = card.token_label(which);
            let slot = match module.find_slot(&token)? {
                Some(slot) => slot,
                None => module.blank_slot()?.ok_or_else(|| KeyError::NoBlankToken {
                    module: module.path().to_path_buf(),
                    label: token.clone(),
                })?,
            };
            module
                .pkcs11()
                .init_token(slot, &so, &token)
                .map_err(|e| match e {
                    CkError::Pkcs11(RvError::PinIncorrect, _) => KeyError::WrongSoPin {
                        token: token.clone(),
                    },
                    e => module.error(&token, "initialising the token", &e),
                })?;
            // SoftHSM2 gives an initialised token a new slot id.
            let slot = module.slot(&token)?;
            let session = module.open_session(slot, &token, true)?;
            module.login(&session, slot, &token, UserType::So, so_pin, "SO PIN")?;
            session
                .init_pin(&AuthPin::from(code.expose_secret().to_owned()))
                .map_err(|e| module.error(&token, "setting the activation code", &e))?;
            let _ = session.logout();
        }
        *lock(&card.production) = Some(code);
        Ok(card)
    }

    /// The card labelled `card_label`: both its tokens must be there. The
    /// card is not in production.
    pub fn open(module: &Pkcs11Module, card_label: &str) -> Result<Card, KeyError> {
        check_card_label(card_label)?;
        let card = Card {
            module: module.clone(),
            label: card_label.to_owned(),
            production: Mutex::new(None),
        };
        for which in CardKey::BOTH {
            module.slot(&card.token_label(which))?;
        }
        Ok(card)
    }

    /// The card's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The label of the token holding `which`: `"<card> AUTH"` or `"<card> SIGN"`.
    pub fn token_label(&self, which: CardKey) -> String {
        format!("{}{}", self.label, which.token_suffix())
    }

    /// The activation code while the card is in production (for the
    /// activation letter); `None` otherwise.
    pub fn activation_code(&self) -> Option<ActivationCode> {
        lock(&self.production).clone()
    }

    fn production_code(&self, action: &'static str) -> Result<ActivationCode, KeyError> {
        self.activation_code()
            .ok_or_else(|| KeyError::NotInProduction {
                card: self.label.clone(),
                action,
            })
    }

    /// A session on the token of `which`, logged in as the user with the
    /// activation code.
    fn production_session(
        &self,
        which: CardKey,
        code: &ActivationCode,
    ) -> Result<(Session, String), KeyError> {
        let token = self.token_label(which);
        let slot = self.module.slot(&token)?;
        let session = self.module.open_session(slot, &token, true)?;
        self.module
            .login(
                &session,
                slot,
                &token,
                UserType::User,
                code.expose_secret(),
                "activation code",
            )
            .map_err(|e| self.code_error(e))?;
        Ok((session, token))
    }

    fn code_error(&self, e: KeyError) -> KeyError {
        match e {
            KeyError::WrongPin { .. } => KeyError::WrongActivationCode {
                card: self.label.clone(),
            },
            e => e,
        }
    }

    /// Generates the authentication and the signature key pair, each on its
    /// token (issue 5: "keys generated on the token"), and returns their
    /// public keys. The private keys are sensitive, non-extractable token
    /// objects (checked after generation); an RSA authentication key may also
    /// decrypt (its certificate has keyEncipherment and dataEncipherment).
    ///
    /// Needs the card in production. Refuses, before generating anything, a
    /// token that already holds keys or certificates; if the second key
    /// pair fails, the first is destroyed again.
    pub fn generate_keys(&self, alg: KeyAlgorithm) -> Result<CardPublicKeys, KeyError> {
        let code = self.production_code("generating the keys")?;
        let module = &self.module;
        let _guard = module.login_guard();
        let mut sessions = Vec::with_capacity(2);
        for which in CardKey::BOTH {
            let (session, token) = self.production_session(which, &code)?;
            let objects = module.find(&session, &token, &[])?.len();
            if objects > 0 {
                return Err(KeyError::TokenHoldsKeys { token, objects });
            }
            sessions.push((which, session, token));
        }
        let [(_, auth_session, auth_token), (_, sign_session, sign_token)] = &sessions[..] else {
            return Err(KeyError::KeyNotFound {
                token: self.label.clone(),
                what: "pair of tokens".to_owned(),
                hint: "a card is two tokens: initialise the card",
            });
        };
        let auth = module.generate_pair(
            auth_session,
            auth_token,
            alg,
            CardKey::Auth.object_label(),
            true,
        );
        let auth = auth.inspect_err(|_| destroy_all(auth_session))?;
        let sign = module.generate_pair(
            sign_session,
            sign_token,
            alg,
            CardKey::Sign.object_label(),
            false,
        );
        // Nothing half-made: a card with one key pair is no card.
        let sign = sign.inspect_err(|_| {
            destroy_all(sign_session);
            destroy_all(auth_session);
        })?;
        for (_, session, _) in &sessions {
            let _ = session.logout();
        }
        Ok(CardPublicKeys {
            algorithm: alg,
            auth: auth.spki_der,
            sign: sign.spki_der,
        })
    }

    /// Writes the certificate (DER) of `which` to its token as a public
    /// `CKO_CERTIFICATE` of type `CKC_X_509`, with the key's `CKA_ID` and label,
    /// and the certificate's subject, issuer and serial number.
    ///
    /// Needs the card in production. Refuses a certificate that does not
    /// parse or whose public key is not the key of `which`, and a token that
    /// already holds a certificate.
    pub fn write_certificate(&self, which: CardKey, der: &[u8]) -> Result<(), KeyError> {
        let code = self.production_code("writing a certificate")?;
        let module = &self.module;
        let token = self.token_label(which);
        let refused = |problem: String| KeyError::CertificateRefused {
            token: token.clone(),
            problem,
        };
        let cert = carepki_x509::cert::decode_certificate(der)
            .map_err(|e| refused(format!("it is not a DER X.509 certificate ({e})")))?;
        let tbs = cert.tbs_certificate();
        let cert_spki = carepki_x509::cert::spki_der(tbs).map_err(|e| refused(e.to_string()))?;
        let encode = |e: &dyn fmt::Display| refused(format!("cannot encode its fields ({e})"));
        let subject = carepki_x509::cert::name_der(tbs.subject()).map_err(|e| encode(&e))?;
        let issuer = carepki_x509::cert::name_der(tbs.issuer()).map_err(|e| encode(&e))?;
        let serial = tbs.serial_number().to_der().map_err(|e| encode(&e))?;

        let _guard = module.login_guard();
        let (session, token) = self.production_session(which, &code)?;
        let (public, key) = self.public_key_object(&session, &token)?;
        if key.spki_der != cert_spki {
            return Err(refused(format!(
                "its public key is not the card's {which} key"
            )));
        }
        let existing = module.find(
            &session,
            &token,
            &[Attribute::Class(ObjectClass::CERTIFICATE)],
        )?;
        if !existing.is_empty() {
            return Err(refused(
                "the token already holds a certificate; a card gets its certificates once"
                    .to_owned(),
            ));
        }
        let id = module
            .bytes_attribute(
                &session,
                &token,
                public,
                cryptoki::object::AttributeType::Id,
            )?
            .unwrap_or_else(|| key.key_identifier());
        session
            .create_object(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
                Attribute::Token(true),
                Attribute::Private(false),
                Attribute::Label(which.object_label().as_bytes().to_vec()),
                Attribute::Id(id),
                Attribute::Subject(subject),
                Attribute::Issuer(issuer),
                Attribute::SerialNumber(serial),
                Attribute::Value(der.to_vec()),
            ])
            .map_err(|e| module.error(&token, "writing the certificate", &e))?;
        let _ = session.logout();
        Ok(())
    }

    /// The one public key object on the token, and its checked key.
    fn public_key_object(
        &self,
        session: &Session,
        token: &str,
    ) -> Result<(ObjectHandle, carepki_x509::PublicKey), KeyError> {
        let found =
            self.module
                .find(session, token, &[Attribute::Class(ObjectClass::PUBLIC_KEY)])?;
        let [public] = found.as_slice() else {
            return Err(KeyError::KeyNotFound {
                token: token.to_owned(),
                what: if found.is_empty() {
                    "public key".to_owned()
                } else {
                    format!("single public key (there are {})", found.len())
                },
                hint: "a card token holds exactly one key pair: generate the card's keys",
            });
        };
        let key = self.module.public_key_info(session, token, *public)?;
        Ok((*public, key))
    }

    fn public_session(&self, which: CardKey) -> Result<(Session, String, Slot), KeyError> {
        let token = self.token_label(which);
        let slot = self.module.slot(&token)?;
        let session = self.module.open_session(slot, &token, false)?;
        Ok((session, token, slot))
    }

    /// The certificate (DER) of `which` on the card, if one was written.
    pub fn certificate(&self, which: CardKey) -> Result<Option<Vec<u8>>, KeyError> {
        let (session, token, _) = self.public_session(which)?;
        let found = self.module.find(
            &session,
            &token,
            &[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::CertificateType(CertificateType::X_509),
            ],
        )?;
        match found.first() {
            None => Ok(None),
            Some(cert) => self.module.bytes_attribute(
                &session,
                &token,
                *cert,
                cryptoki::object::AttributeType::Value,
            ),
        }
    }

    /// The public key (DER SubjectPublicKeyInfo) of `which`, read from the card.
    pub fn public_key(&self, which: CardKey) -> Result<Vec<u8>, KeyError> {
        let (session, token, _) = self.public_session(which)?;
        Ok(self.public_key_object(&session, &token)?.1.spki_der)
    }

    /// The algorithm [`Card::sign`] uses with `which`: ecdsa-with-SHA256 on
    /// P-256, ecdsa-with-SHA384 on P-384, sha256WithRSAEncryption with RSA.
    pub fn signature_algorithm(&self, which: CardKey) -> Result<SignatureAlgorithm, KeyError> {
        let (session, token, _) = self.public_session(which)?;
        let key = self.public_key_object(&session, &token)?.1;
        Ok(card_signature_algorithm(key.algorithm))
    }

    /// Activation by the holder (issue 5 point 4): checks the activation code
    /// on both tokens, then sets PIN1 as the authentication token's user PIN
    /// and PIN2 as the signature token's. PINs are 4 to 8 digits.
    ///
    /// A wrong code, a code of a card already activated and a bad PIN are
    /// refused before anything changes; if setting PIN2 fails, PIN1 is put
    /// back to the code. Ends production.
    pub fn activate(&self, activation_code: &str, pin1: &str, pin2: &str) -> Result<(), KeyError> {
        let code = ActivationCode::parse(activation_code)?;
        check_pin_format(CardKey::Auth, pin1)?;
        check_pin_format(CardKey::Sign, pin2)?;
        let module = &self.module;
        let _guard = module.login_guard();
        let mut sessions = Vec::with_capacity(2);
        for which in CardKey::BOTH {
            let (session, token) = self.production_session(which, &code)?;
            sessions.push((session, token));
        }
        let old = AuthPin::from(code.expose_secret().to_owned());
        let new = [
            AuthPin::from(pin1.to_owned()),
            AuthPin::from(pin2.to_owned()),
        ];
        let mut done: Vec<usize> = Vec::with_capacity(2);
        for (i, (session, token)) in sessions.iter().enumerate() {
            if let Err(e) = session.set_pin(&old, &new[i]) {
                for &j in &done {
                    let _ = sessions[j].0.set_pin(&new[j], &old);
                }
                let pin = CardKey::BOTH[i].pin_name();
                return Err(match e {
                    CkError::Pkcs11(RvError::PinLenRange | RvError::PinInvalid, _) => {
                        KeyError::PinFormat {
                            pin,
                            problem: format!("the token \"{token}\" does not accept it"),
                        }
                    }
                    e => module.error(token, format!("setting the {pin}"), &e),
                });
            }
            done.push(i);
        }
        for (session, _) in &sessions {
            let _ = session.logout();
        }
        *lock(&self.production) = None;
        Ok(())
    }

    /// A new activation code for a card whose code was lost or whose PINs
    /// were forgotten or locked (issue 5: "the registrar orders a new
    /// activation code"): the SO resets the user PIN of both tokens to the
    /// new code. The SO PIN is checked on both tokens before anything
    /// changes. Puts the card (this object) back into production.
    pub fn new_activation_code(&self, so_pin: &str) -> Result<ActivationCode, KeyError> {
        let module = &self.module;
        let _guard = module.login_guard();
        let mut sessions = Vec::with_capacity(2);
        for which in CardKey::BOTH {
            let token = self.token_label(which);
            let slot = module.slot(&token)?;
            let session = module.open_session(slot, &token, true)?;
            module.login(&session, slot, &token, UserType::So, so_pin, "SO PIN")?;
            sessions.push((session, token));
        }
        let code = ActivationCode::generate()?;
        let pin = AuthPin::from(code.expose_secret().to_owned());
        for (session, token) in &sessions {
            session
                .init_pin(&pin)
                .map_err(|e| module.error(token, "setting the activation code", &e))?;
            let _ = session.logout();
        }
        *lock(&self.production) = Some(code.clone());
        Ok(code)
    }

    /// Signs `message` with the key `which`, opened with its PIN (PIN1 for
    /// [`CardKey::Auth`], PIN2 for [`CardKey::Sign`]); the algorithm is
    /// [`Card::signature_algorithm`], ECDSA signatures are DER.
    ///
    /// A PIN not of 4 to 8 digits is refused without trying it on the card;
    /// a wrong PIN is refused by the token, which counts the tries and locks
    /// the PIN as it is configured to (the error says what it reports).
    pub fn sign(&self, which: CardKey, pin: &str, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        check_pin_format(which, pin)?;
        let module = &self.module;
        let _guard = module.login_guard();
        let (session, token, slot) = self.public_session(which)?;
        module.login(
            &session,
            slot,
            &token,
            UserType::User,
            pin,
            which.pin_name(),
        )?;
        let result = (|| {
            let private = module.find(
                &session,
                &token,
                &[Attribute::Class(ObjectClass::PRIVATE_KEY)],
            )?;
            let [private] = private.as_slice() else {
                return Err(KeyError::KeyNotFound {
                    token: token.clone(),
                    what: format!("single {which} private key (there are {})", private.len()),
                    hint: "a card token holds exactly one key pair: generate the card's keys",
                });
            };
            let key = self.public_key_object(&session, &token)?.1;
            module.sign_with(
                &session,
                &token,
                *private,
                card_signature_algorithm(key.algorithm),
                SignInput::Message(message),
                key.algorithm.is_rsa() && module.has_rsa_hash_and_sign(slot),
            )
        })();
        let _ = session.logout();
        result
    }
}

/// Destroys every object the session sees (best effort): used only on a
/// token that was found empty before this call generated on it.
fn destroy_all(session: &Session) {
    if let Ok(objects) = session.find_objects(&[]) {
        for o in objects {
            let _ = session.destroy_object(o);
        }
    }
}

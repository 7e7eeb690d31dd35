//! Keys on PKCS#11 tokens: certificate cards (issue 5) and CA keys in an HSM.
//!
//! [`Pkcs11Module`] loads a PKCS#11 module (SoftHSM2 in tests and the demo, a
//! card reader's or an HSM's module in production) once per process and lists
//! its tokens. [`Card`] is a certificate card on top of it; [`Pkcs11Signer`]
//! implements [`Signer`](crate::Signer) for any key on a token, so a CA key
//! can live in an HSM through the same code.
//!
//! # The card model (R-CARD-CERTS)
//!
//! A card holds an authentication key pair and a signature key pair, each
//! behind its own PIN: PIN1 opens the authentication key, PIN2 the signature
//! key (R-CARD-CERTS: "two key pairs, two PINs"). PKCS#11 gives a token one
//! user PIN, so **a card is two tokens**, `"<card> AUTH"` (user PIN = PIN1)
//! and `"<card> SIGN"` (user PIN = PIN2), one key pair each. This is how
//! OpenSC presents real multi-PIN cards too (one virtual slot per PIN:
//! `slots_per_card`, `create_slots_for_pins` in `opensc.conf`), so the same
//! code drives SoftHSM2 and a real card. The other
//! candidate, one token with `CKA_ALWAYS_AUTHENTICATE` on the signature key,
//! does not give two PINs on SoftHSM2: its context-specific login checks the
//! same user PIN again, so "PIN2" would just be PIN1 typed twice.
//!
//! Each key pair is generated on its token (`C_GenerateKeyPair`): the private
//! key with `CKA_TOKEN`, `CKA_PRIVATE` and `CKA_SENSITIVE` true and
//! `CKA_EXTRACTABLE` false, which is checked after generation together with
//! `CKA_LOCAL`, `CKA_ALWAYS_SENSITIVE` and `CKA_NEVER_EXTRACTABLE`; the public
//! key is a public token object. Private key, public key and certificate share
//! one `CKA_ID`, the SHA-1 of the public key (RFC 5280 §4.2.1.2 method 1, the
//! certificate's subject key identifier), and the labels `authentication` or
//! `signature`.
//!
//! # Activation (issue 5, point 4)
//!
//! [`Card::initialise`] initialises both tokens with the card issuer's SO PIN
//! and sets a random [`ActivationCode`] as the user PIN of both: production
//! (key generation, writing the certificates) logs in with it. The code goes to
//! the holder separately from the card; [`Card::activate`] changes the user
//! PINs from the code to PIN1 and PIN2 (4 to 8 digits each). A code is never
//! all digits, so it cannot be a PIN: after activation it opens nothing. A lost
//! code: [`Card::new_activation_code`] (the SO resets both user PINs).
//!
//! # Signing
//!
//! SoftHSM2 2.6 has no `CKM_ECDSA_SHA256`, and cards often lack the hash-and-
//! sign mechanisms, so ECDSA hashes in Rust, signs the digest with `CKM_ECDSA`
//! and turns the raw `r‖s` into the DER `ECDSA-Sig-Value` X.509 wants. RSA
//! uses `CKM_SHA256_RSA_PKCS` (and SHA-384/512) when the token offers it, else
//! the DigestInfo of a Rust hash with `CKM_RSA_PKCS`.
//!
//! # Sessions and secrets
//!
//! A `Session` is not `Sync`: [`Pkcs11Signer`] keeps a small pool of them.
//! Login state is per token and process in PKCS#11, so card operations (which
//! log in, act and log out) are serialised per module and always log in
//! afresh: a PIN is checked every time. PINs, SO PINs and activation codes are
//! never logged, never in errors, hidden from `Debug` and zeroized on drop.

mod card;
mod signer;

pub use card::{
    ACTIVATION_CODE_CHARS, ActivationCode, Card, CardKey, CardPublicKeys, MAX_CARD_LABEL_BYTES,
    MAX_PIN_DIGITS, MIN_PIN_DIGITS, check_pin_format,
};
pub use signer::Pkcs11Signer;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use aws_lc_rs::digest;
use carepki_x509::{KeyAlgorithm, PublicKey, SignatureAlgorithm};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectHandle};
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::{AuthPin, Ulong};
use der::asn1::{Any, BitString, OctetStringRef, UintRef};
use der::{Decode, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::KeyError;

/// Where Debian's `softhsm2` package puts the SoftHSM2 module.
pub const SOFTHSM2_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// The modules loaded in this process: `C_Initialize` runs once per module.
static LOADED: Mutex<Vec<Pkcs11Module>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A loaded and initialised PKCS#11 module (one per process and module file).
///
/// Cheap to clone: clones share the module.
#[derive(Clone)]
pub struct Pkcs11Module {
    inner: Arc<ModuleInner>,
}

struct ModuleInner {
    /// The path as given to [`Pkcs11Module::load`], for messages.
    path: PathBuf,
    /// The canonical path, to find a module loaded already.
    canonical: PathBuf,
    ctx: Pkcs11,
    /// Serialises operations that log in and out (login state is per token
    /// and process in PKCS#11).
    login_lock: Mutex<()>,
}

impl fmt::Debug for Pkcs11Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Module")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// A token in a slot of a module, as [`Pkcs11Module::tokens`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenSummary {
    /// The slot's id (may change when a token is initialised, as on SoftHSM2).
    pub slot_id: u64,
    /// The token's label (empty for a blank token).
    pub label: String,
    /// The token's manufacturer.
    pub manufacturer: String,
    /// The token's model.
    pub model: String,
    /// The token's serial number.
    pub serial: String,
    /// Whether the token is initialised (has an SO PIN and a label).
    pub initialized: bool,
    /// Whether the token's user PIN is set.
    pub user_pin_initialized: bool,
    /// Whether the token reports its user PIN locked.
    pub user_pin_locked: bool,
}

const LOAD_HINT: &str = "check the module path in the configuration; for SoftHSM2 install \
     `softhsm2` (module /usr/lib/softhsm/libsofthsm2.so)";
const INIT_HINT: &str = "SoftHSM2 reads its configuration from SOFTHSM2_CONF (else \
     /etc/softhsm/softhsm2.conf): check that it exists and that its directories.tokendir \
     exists and is writable; for a card, check the reader and its middleware";

impl Pkcs11Module {
    /// Loads the PKCS#11 module at `path` and runs `C_Initialize`, once per
    /// process: loading the same file again returns the module loaded first.
    /// A module stays loaded (never `C_Finalize`d) until the process ends.
    ///
    /// Errors name the module path and what to check.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let load_err = |detail: String, hint| KeyError::Pkcs11Module {
            path: path.to_path_buf(),
            detail,
            hint,
        };
        let canonical = std::fs::canonicalize(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                load_err("the file does not exist".to_owned(), LOAD_HINT)
            } else {
                load_err(e.to_string(), LOAD_HINT)
            }
        })?;
        let mut loaded = lock(&LOADED);
        if let Some(m) = loaded.iter().find(|m| m.inner.canonical == canonical) {
            return Ok(m.clone());
        }
        let ctx = Pkcs11::new(&canonical).map_err(|e| load_err(e.to_string(), LOAD_HINT))?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            // Another library in this process initialised it: share that.
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(load_err(format!("C_Initialize failed: {e}"), INIT_HINT)),
        }
        let module = Self {
            inner: Arc::new(ModuleInner {
                path: path.to_path_buf(),
                canonical,
                ctx,
                login_lock: Mutex::new(()),
            }),
        };
        loaded.push(module.clone());
        Ok(module)
    }

    /// The module's path, as given to [`Pkcs11Module::load`].
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The cryptoki context, for what this crate does not wrap (tools, tests).
    /// Sessions opened here share the login state of this crate's sessions.
    pub fn pkcs11(&self) -> &Pkcs11 {
        &self.inner.ctx
    }

    /// The tokens present in the module's slots, blank ones included.
    pub fn tokens(&self) -> Result<Vec<TokenSummary>, KeyError> {
        Ok(self
            .token_slots()?
            .into_iter()
            .map(|(slot, info)| TokenSummary {
                slot_id: slot.id(),
                label: info.label().to_owned(),
                manufacturer: info.manufacturer_id().to_owned(),
                model: info.model().to_owned(),
                serial: info.serial_number().to_owned(),
                initialized: info.token_initialized(),
                user_pin_initialized: info.user_pin_initialized(),
                user_pin_locked: info.user_pin_locked(),
            })
            .collect())
    }

    fn token_slots(&self) -> Result<Vec<(Slot, cryptoki::slot::TokenInfo)>, KeyError> {
        let ctx = &self.inner.ctx;
        let slots = ctx
            .get_slots_with_token()
            .map_err(|e| self.error("", "listing the slots", &e))?;
        slots
            .into_iter()
            .map(|slot| {
                ctx.get_token_info(slot)
                    .map(|info| (slot, info))
                    .map_err(|e| self.error("", "reading the token information", &e))
            })
            .collect()
    }

    /// The slot of the initialised token labelled `label`, if there is one.
    fn find_slot(&self, label: &str) -> Result<Option<Slot>, KeyError> {
        let matching: Vec<Slot> = self
            .token_slots()?
            .into_iter()
            .filter(|(_, info)| info.token_initialized() && info.label() == label)
            .map(|(slot, _)| slot)
            .collect();
        match matching.as_slice() {
            [] => Ok(None),
            [slot] => Ok(Some(*slot)),
            more => Err(KeyError::AmbiguousToken {
                module: self.inner.path.clone(),
                label: label.to_owned(),
                count: more.len(),
            }),
        }
    }

    /// The slot of the initialised token labelled `label`.
    fn slot(&self, label: &str) -> Result<Slot, KeyError> {
        if let Some(slot) = self.find_slot(label)? {
            return Ok(slot);
        }
        let present: Vec<String> = self
            .token_slots()?
            .into_iter()
            .filter(|(_, info)| info.token_initialized())
            .map(|(_, info)| format!("\"{}\"", info.label()))
            .collect();
        Err(KeyError::TokenNotFound {
            module: self.inner.path.clone(),
            label: label.to_owned(),
            present: if present.is_empty() {
                "none".to_owned()
            } else {
                present.join(", ")
            },
        })
    }

    /// A slot with a blank (uninitialised) token.
    fn blank_slot(&self) -> Result<Option<Slot>, KeyError> {
        Ok(self
            .token_slots()?
            .into_iter()
            .find(|(_, info)| !info.token_initialized())
            .map(|(slot, _)| slot))
    }

    fn login_guard(&self) -> MutexGuard<'_, ()> {
        lock(&self.inner.login_lock)
    }

    /// A [`KeyError::Pkcs11`] for a failed operation.
    fn error(&self, token: &str, action: impl Into<String>, e: &CkError) -> KeyError {
        KeyError::Pkcs11 {
            module: self.inner.path.clone(),
            token: token.to_owned(),
            action: action.into(),
            detail: e.to_string(),
        }
    }

    fn open_session(&self, slot: Slot, token: &str, rw: bool) -> Result<Session, KeyError> {
        let ctx = &self.inner.ctx;
        let s = if rw {
            ctx.open_rw_session(slot)
        } else {
            ctx.open_ro_session(slot)
        };
        s.map_err(|e| self.error(token, "opening a session", &e))
    }

    /// Logs `session` in as `user` with `pin`, logging out first if the
    /// token is logged in already (so the PIN is always checked).
    fn login(
        &self,
        session: &Session,
        slot: Slot,
        token: &str,
        user: UserType,
        pin: &str,
        pin_name: &'static str,
    ) -> Result<(), KeyError> {
        if let Ok(info) = session.get_session_info()
            && !matches!(
                info.session_state(),
                SessionState::RoPublic | SessionState::RwPublic
            )
        {
            // Ignored: a failure shows in the login below.
            let _ = session.logout();
        }
        session
            .login(user, Some(&AuthPin::from(pin.to_owned())))
            .map_err(|e| self.login_error(e, slot, token, user, pin_name))
    }

    /// Logs `session` in as the user with `pin`, unless this process is
    /// logged in to the token already (another [`Pkcs11Signer`] on it): then
    /// the login is shared and the PIN not checked again.
    fn login_shared(
        &self,
        session: &Session,
        slot: Slot,
        token: &str,
        pin: &str,
    ) -> Result<(), KeyError> {
        match session.login(UserType::User, Some(&AuthPin::from(pin.to_owned()))) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
            Err(e) => Err(self.login_error(e, slot, token, UserType::User, "user PIN")),
        }
    }

    fn login_error(
        &self,
        e: CkError,
        slot: Slot,
        token: &str,
        user: UserType,
        pin_name: &'static str,
    ) -> KeyError {
        match e {
            CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _) => {
                if matches!(user, UserType::So) {
                    return KeyError::WrongSoPin {
                        token: token.to_owned(),
                    };
                }
                let info = self.inner.ctx.get_token_info(slot).ok();
                if info.as_ref().is_some_and(|i| i.user_pin_locked()) {
                    return KeyError::PinLocked {
                        token: token.to_owned(),
                        pin: pin_name,
                    };
                }
                let tries = match info {
                    Some(i) if i.user_pin_final_try() => {
                        "; one try remains before the token locks the PIN"
                    }
                    Some(i) if i.user_pin_count_low() => {
                        "; the token reports that few tries remain before it locks the PIN"
                    }
                    _ => "",
                };
                KeyError::WrongPin {
                    token: token.to_owned(),
                    pin: pin_name,
                    tries,
                }
            }
            CkError::Pkcs11(RvError::PinLocked, _) => KeyError::PinLocked {
                token: token.to_owned(),
                pin: pin_name,
            },
            e => self.error(token, format!("logging in with the {pin_name}"), &e),
        }
    }

    /// The objects the session sees that match `template`.
    fn find(
        &self,
        session: &Session,
        token: &str,
        template: &[Attribute],
    ) -> Result<Vec<ObjectHandle>, KeyError> {
        session
            .find_objects(template)
            .map_err(|e| self.error(token, "searching the token", &e))
    }

    fn bytes_attribute(
        &self,
        session: &Session,
        token: &str,
        object: ObjectHandle,
        ty: AttributeType,
    ) -> Result<Option<Vec<u8>>, KeyError> {
        let attrs = session
            .get_attributes(object, &[ty])
            .map_err(|e| self.error(token, format!("reading attribute {ty}"), &e))?;
        Ok(attrs.into_iter().find_map(|a| match a {
            Attribute::Id(v)
            | Attribute::Label(v)
            | Attribute::Value(v)
            | Attribute::EcParams(v)
            | Attribute::EcPoint(v)
            | Attribute::Modulus(v)
            | Attribute::PublicExponent(v) => Some(v),
            _ => None,
        }))
    }

    /// The DER SubjectPublicKeyInfo of a public key object, checked against
    /// CarePKI's key rules.
    fn public_key_info(
        &self,
        session: &Session,
        token: &str,
        public: ObjectHandle,
    ) -> Result<PublicKey, KeyError> {
        let attrs = session
            .get_attributes(public, &[AttributeType::KeyType])
            .map_err(|e| self.error(token, "reading the key type", &e))?;
        let key_type = attrs.into_iter().find_map(|a| match a {
            Attribute::KeyType(t) => Some(t),
            _ => None,
        });
        let missing = |what: &str| KeyError::UnsupportedKey {
            what: format!("a public key on token \"{token}\" without {what}"),
        };
        let spki = match key_type {
            Some(t) if t == KeyType::EC => {
                let params = self
                    .bytes_attribute(session, token, public, AttributeType::EcParams)?
                    .ok_or_else(|| missing("CKA_EC_PARAMS"))?;
                let point = self
                    .bytes_attribute(session, token, public, AttributeType::EcPoint)?
                    .ok_or_else(|| missing("CKA_EC_POINT"))?;
                let (curve, len) = curve_of(&params).ok_or_else(|| KeyError::UnsupportedKey {
                    what: "an EC key on a curve other than P-256 or P-384".to_owned(),
                })?;
                ec_spki(curve, ec_point(&point, len))
            }
            Some(t) if t == KeyType::RSA => {
                let n = self
                    .bytes_attribute(session, token, public, AttributeType::Modulus)?
                    .ok_or_else(|| missing("CKA_MODULUS"))?;
                let e = self
                    .bytes_attribute(session, token, public, AttributeType::PublicExponent)?
                    .ok_or_else(|| missing("CKA_PUBLIC_EXPONENT"))?;
                rsa_spki(&n, &e)
            }
            Some(t) => {
                return Err(KeyError::UnsupportedKey {
                    what: format!("a {t} key"),
                });
            }
            None => return Err(missing("CKA_KEY_TYPE")),
        }
        .map_err(|e| KeyError::UnsupportedKey {
            what: format!("a public key that cannot be encoded ({e})"),
        })?;
        PublicKey::from_spki_der(&spki).map_err(|e| KeyError::UnsupportedKey {
            what: e.to_string(),
        })
    }

    /// Generates a key pair on the token of `session` (logged in as the
    /// user) and returns its public key: see the module documentation for the
    /// attributes.
    fn generate_pair(
        &self,
        session: &Session,
        token: &str,
        alg: KeyAlgorithm,
        label: &str,
        decrypt: bool,
    ) -> Result<PublicKey, KeyError> {
        let label_attr = || Attribute::Label(label.as_bytes().to_vec());
        let (mechanism, mut public_t) = match alg {
            KeyAlgorithm::EcdsaP256 => (
                Mechanism::EccKeyPairGen,
                vec![Attribute::EcParams(P256_PARAMS.to_vec())],
            ),
            KeyAlgorithm::EcdsaP384 => (
                Mechanism::EccKeyPairGen,
                vec![Attribute::EcParams(P384_PARAMS.to_vec())],
            ),
            KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096 => {
                let bits: u16 = match alg {
                    KeyAlgorithm::Rsa2048 => 2048,
                    KeyAlgorithm::Rsa3072 => 3072,
                    _ => 4096,
                };
                (
                    Mechanism::RsaPkcsKeyPairGen,
                    vec![
                        Attribute::ModulusBits(Ulong::from(u64::from(bits))),
                        Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
                    ],
                )
            }
        };
        // Every usage set explicitly: tokens differ in their defaults (SoftHSM2
        // lets a key decrypt, unwrap and derive unless told otherwise).
        let rsa_decrypt = decrypt && alg.is_rsa();
        public_t.extend([
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::Encrypt(rsa_decrypt),
            Attribute::Wrap(false),
            Attribute::Derive(false),
            label_attr(),
        ]);
        let private_t = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Decrypt(rsa_decrypt),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
            label_attr(),
        ];
        let (public, private) = session
            .generate_key_pair(&mechanism, &public_t, &private_t)
            .map_err(|e| self.error(token, format!("generating a {alg} key pair"), &e))?;
        let key = self.public_key_info(session, token, public)?;
        if key.algorithm != alg {
            return Err(KeyError::UnsupportedKey {
                what: format!(
                    "a {} key where token \"{token}\" was asked for {alg}",
                    key.algorithm
                ),
            });
        }
        let id = key.key_identifier();
        for object in [public, private] {
            session
                .update_attributes(object, &[Attribute::Id(id.clone())])
                .map_err(|e| self.error(token, "setting the key's CKA_ID", &e))?;
        }
        self.check_protection(session, token, private)?;
        Ok(key)
    }

    /// Checks that a private key is a sensitive, never-extractable token
    /// object generated on the token.
    fn check_protection(
        &self,
        session: &Session,
        token: &str,
        private: ObjectHandle,
    ) -> Result<(), KeyError> {
        let attrs = session
            .get_attributes(
                private,
                &[
                    AttributeType::Token,
                    AttributeType::Private,
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::Local,
                    AttributeType::AlwaysSensitive,
                    AttributeType::NeverExtractable,
                ],
            )
            .map_err(|e| self.error(token, "reading the private key's attributes", &e))?;
        let get = |ty: AttributeType| {
            attrs.iter().find_map(|a| match (ty, a) {
                (AttributeType::Token, Attribute::Token(b))
                | (AttributeType::Private, Attribute::Private(b))
                | (AttributeType::Sensitive, Attribute::Sensitive(b))
                | (AttributeType::Extractable, Attribute::Extractable(b))
                | (AttributeType::Local, Attribute::Local(b))
                | (AttributeType::AlwaysSensitive, Attribute::AlwaysSensitive(b))
                | (AttributeType::NeverExtractable, Attribute::NeverExtractable(b)) => Some(*b),
                _ => None,
            })
        };
        for (ty, want) in [
            (AttributeType::Token, true),
            (AttributeType::Private, true),
            (AttributeType::Sensitive, true),
            (AttributeType::Extractable, false),
            (AttributeType::Local, true),
            (AttributeType::AlwaysSensitive, true),
            (AttributeType::NeverExtractable, true),
        ] {
            match get(ty) {
                Some(b) if b == want => {}
                got => {
                    return Err(KeyError::KeyNotProtected {
                        token: token.to_owned(),
                        problem: format!("{ty} is {got:?}, expected {want}"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Signs with the private key `key`: hash in Rust (or with the token's
    /// hash-and-sign RSA mechanism when `rsa_hash_and_sign`), ECDSA output as DER.
    fn sign_with(
        &self,
        session: &Session,
        token: &str,
        key: ObjectHandle,
        alg: SignatureAlgorithm,
        input: SignInput<'_>,
        rsa_hash_and_sign: bool,
    ) -> Result<Vec<u8>, KeyError> {
        let sign_err = |e: CkError| self.error(token, format!("signing with {alg}"), &e);
        let digest = |msg: &[u8]| digest::digest(crate::digest_algorithm(alg), msg);
        if alg.is_ecdsa() {
            let d = match input {
                SignInput::Message(m) => digest(m),
                SignInput::Digest(d) => *d,
            };
            let raw = session
                .sign(&Mechanism::Ecdsa, key, d.as_ref())
                .map_err(sign_err)?;
            return ecdsa_raw_to_der(&raw).ok_or_else(|| KeyError::Pkcs11 {
                module: self.inner.path.clone(),
                token: token.to_owned(),
                action: format!("signing with {alg}"),
                detail: format!(
                    "CKM_ECDSA returned {} bytes, not a raw r||s signature",
                    raw.len()
                ),
            });
        }
        if let (SignInput::Message(m), true) = (input, rsa_hash_and_sign) {
            let mech = match alg {
                SignatureAlgorithm::RsaPkcs1Sha384 => Mechanism::Sha384RsaPkcs,
                SignatureAlgorithm::RsaPkcs1Sha512 => Mechanism::Sha512RsaPkcs,
                _ => Mechanism::Sha256RsaPkcs,
            };
            return session.sign(&mech, key, m).map_err(sign_err);
        }
        let d = match input {
            SignInput::Message(m) => digest(m),
            SignInput::Digest(d) => *d,
        };
        let mut info = digest_info_prefix(alg).to_vec();
        info.extend_from_slice(d.as_ref());
        session
            .sign(&Mechanism::RsaPkcs, key, &info)
            .map_err(sign_err)
    }

    /// Whether the token in `slot` signs with RSA hash-and-sign mechanisms
    /// (`CKM_SHA256_RSA_PKCS`, `CKM_SHA384_RSA_PKCS`, `CKM_SHA512_RSA_PKCS`).
    fn has_rsa_hash_and_sign(&self, slot: Slot) -> bool {
        self.inner
            .ctx
            .get_mechanism_list(slot)
            .map(|list| {
                [
                    MechanismType::SHA256_RSA_PKCS,
                    MechanismType::SHA384_RSA_PKCS,
                    MechanismType::SHA512_RSA_PKCS,
                ]
                .iter()
                .all(|m| list.contains(m))
            })
            .unwrap_or(false)
    }
}

/// What to sign: the message, or its digest.
#[derive(Clone, Copy)]
enum SignInput<'a> {
    Message(&'a [u8]),
    Digest(&'a digest::Digest),
}

/// The signature algorithm a card key signs with: ecdsa-with-SHA256 on P-256,
/// ecdsa-with-SHA384 on P-384, sha256WithRSAEncryption with RSA.
fn card_signature_algorithm(key: KeyAlgorithm) -> SignatureAlgorithm {
    match key {
        KeyAlgorithm::EcdsaP256 => SignatureAlgorithm::EcdsaSha256,
        KeyAlgorithm::EcdsaP384 => SignatureAlgorithm::EcdsaSha384,
        _ => SignatureAlgorithm::RsaPkcs1Sha256,
    }
}

/// DER of the namedCurve OID of P-256 (CKA_EC_PARAMS).
const P256_PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// DER of the namedCurve OID of P-384 (CKA_EC_PARAMS).
const P384_PARAMS: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];

/// The curve and the uncompressed point length of CKA_EC_PARAMS.
fn curve_of(params: &[u8]) -> Option<(ObjectIdentifier, usize)> {
    if params == P256_PARAMS {
        Some((rfc5912::SECP_256_R_1, 65))
    } else if params == P384_PARAMS {
        Some((rfc5912::SECP_384_R_1, 97))
    } else {
        None
    }
}

/// The raw point of CKA_EC_POINT: PKCS#11 says a DER OCTET STRING, some
/// tokens give the bare point.
fn ec_point(value: &[u8], point_len: usize) -> &[u8] {
    if value.len() == point_len {
        return value;
    }
    <&OctetStringRef>::from_der(value).map_or(value, OctetStringRef::as_bytes)
}

fn ec_spki(curve: ObjectIdentifier, point: &[u8]) -> der::Result<Vec<u8>> {
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: rfc5912::ID_EC_PUBLIC_KEY,
            parameters: Some(Any::encode_from(&curve)?),
        },
        subject_public_key: BitString::from_bytes(point)?,
    }
    .to_der()
}

/// RSAPublicKey (RFC 8017 A.1.1).
#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

fn rsa_spki(n: &[u8], e: &[u8]) -> der::Result<Vec<u8>> {
    let key = RsaPublicKey {
        modulus: UintRef::new(n)?,
        public_exponent: UintRef::new(e)?,
    }
    .to_der()?;
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: rfc5912::RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        },
        subject_public_key: BitString::from_bytes(&key)?,
    }
    .to_der()
}

/// ECDSA-Sig-Value (RFC 5480 §2.2.3 / RFC 3279).
#[derive(Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// The DER ECDSA-Sig-Value of a raw `r‖s` signature (CKM_ECDSA output).
fn ecdsa_raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    EcdsaSigValue {
        r: UintRef::new(r).ok()?,
        s: UintRef::new(s).ok()?,
    }
    .to_der()
    .ok()
}

/// The DER DigestInfo before the hash (RFC 8017 §9.2 note 1).
fn digest_info_prefix(alg: SignatureAlgorithm) -> &'static [u8] {
    const SHA256: &[u8] = &[
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    const SHA384: &[u8] = &[
        0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
        0x05, 0x00, 0x04, 0x30,
    ];
    const SHA512: &[u8] = &[
        0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
        0x05, 0x00, 0x04, 0x40,
    ];
    match alg {
        SignatureAlgorithm::RsaPkcs1Sha384 | SignatureAlgorithm::EcdsaSha384 => SHA384,
        SignatureAlgorithm::RsaPkcs1Sha512 => SHA512,
        _ => SHA256,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn ecdsa_der_strips_and_pads() {
        // r with a leading zero byte, s with the high bit set.
        let mut raw = vec![0u8; 64];
        raw[1] = 0x01;
        raw[32] = 0x80;
        let der = ecdsa_raw_to_der(&raw).unwrap();
        let sig = EcdsaSigValue::from_der(&der).unwrap();
        assert_eq!(sig.r.as_bytes()[0], 0x01);
        assert_eq!(sig.r.as_bytes().len(), 31);
        assert_eq!(sig.s.as_bytes().len(), 32);
        // INTEGER 0x00 0x80...: the pad byte is there.
        assert!(der.windows(3).any(|w| w == [0x02, 0x21, 0x00]));
        assert!(ecdsa_raw_to_der(&[1, 2, 3]).is_none());
    }

    #[test]
    fn ec_point_accepts_der_and_bare() {
        let mut bare = vec![0x04];
        bare.extend([7u8; 64]);
        let der = OctetStringRef::new(&bare).unwrap().to_der().unwrap();
        assert_eq!(ec_point(&der, 65), bare.as_slice());
        assert_eq!(ec_point(&bare, 65), bare.as_slice());
    }

    #[test]
    fn digest_info_lengths() {
        for (alg, len) in [
            (SignatureAlgorithm::RsaPkcs1Sha256, 32),
            (SignatureAlgorithm::RsaPkcs1Sha384, 48),
            (SignatureAlgorithm::RsaPkcs1Sha512, 64),
        ] {
            let p = digest_info_prefix(alg);
            assert_eq!(usize::from(p[1]), p.len() - 2 + len);
            assert_eq!(usize::from(p[p.len() - 1]), len);
        }
    }
}

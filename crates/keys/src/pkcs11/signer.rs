//! [`Signer`] for a key on a PKCS#11 token (an HSM, or a card's key).

use std::fmt;
use std::sync::Mutex;

use carepki_x509::{KeyAlgorithm, PublicKey, SignatureAlgorithm};
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use cryptoki::slot::Slot;

use super::{Pkcs11Module, SignInput, lock};
use crate::{KeyError, Signer, check_algorithms};

/// Idle sessions kept for reuse; more are opened when threads need them.
const POOL_MAX_IDLE: usize = 16;

/// A signing key on a PKCS#11 token, as a [`Signer`]: a CA key in an HSM
/// goes through the same code as a software key.
///
/// The token stays logged in while the signer lives (a session held for
/// that); signatures run on pooled sessions (a `Session` is not `Sync`), so
/// threads sign in parallel as far as the token allows. Login state is per
/// token and process in PKCS#11: do not run [`Card`](super::Card) operations
/// on a token a signer uses, they log out. `Debug` shows no PIN (none is kept).
pub struct Pkcs11Signer {
    module: Pkcs11Module,
    slot: Slot,
    token: String,
    key_label: String,
    key: ObjectHandle,
    key_alg: KeyAlgorithm,
    sig_alg: SignatureAlgorithm,
    spki: Vec<u8>,
    rsa_hash_and_sign: bool,
    pool: Mutex<Vec<Session>>,
    /// Holds the login (closing a token's last session logs it out).
    _login: Mutex<Session>,
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("module", &self.module.path())
            .field("token", &self.token)
            .field("key_label", &self.key_label)
            .field("key_algorithm", &self.key_alg)
            .field("signature_algorithm", &self.sig_alg)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Signer {
    /// The private key labelled `key_label` on the token labelled
    /// `token_label`, logged in with the token's user PIN, signing with `sig`.
    ///
    /// The public key comes from the public key object, or else the
    /// certificate, with the private key's `CKA_ID`. Fails with a clear error
    /// if the token or key is missing, the PIN is wrong, or `sig` does not fit
    /// the key. The PIN is not kept.
    pub fn open(
        module: &Pkcs11Module,
        token_label: &str,
        key_label: &str,
        user_pin: &str,
        sig: SignatureAlgorithm,
    ) -> Result<Self, KeyError> {
        let slot = module.slot(token_label)?;
        let _guard = module.login_guard();
        let login = module.open_session(slot, token_label, false)?;
        module.login_shared(&login, slot, token_label, user_pin)?;
        Self::assemble(module, slot, token_label, key_label, login, sig)
    }

    /// Generates a key pair of type `key` labelled `key_label` on the token
    /// labelled `token_label` (a sensitive, non-extractable token object,
    /// checked after generation, with a public key object beside it) and
    /// opens it as [`Pkcs11Signer::open`] does. Refuses a label in use.
    pub fn generate(
        module: &Pkcs11Module,
        token_label: &str,
        key_label: &str,
        user_pin: &str,
        key: KeyAlgorithm,
        sig: SignatureAlgorithm,
    ) -> Result<Self, KeyError> {
        check_algorithms(key, sig)?;
        let slot = module.slot(token_label)?;
        let _guard = module.login_guard();
        let login = module.open_session(slot, token_label, true)?;
        module.login_shared(&login, slot, token_label, user_pin)?;
        let existing = module.find(
            &login,
            token_label,
            &[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(key_label.as_bytes().to_vec()),
            ],
        )?;
        if !existing.is_empty() {
            return Err(KeyError::KeyExists {
                token: token_label.to_owned(),
                label: key_label.to_owned(),
            });
        }
        module.generate_pair(&login, token_label, key, key_label, false)?;
        Self::assemble(module, slot, token_label, key_label, login, sig)
    }

    fn assemble(
        module: &Pkcs11Module,
        slot: Slot,
        token: &str,
        key_label: &str,
        login: Session,
        sig: SignatureAlgorithm,
    ) -> Result<Self, KeyError> {
        let not_found = |what: String| KeyError::KeyNotFound {
            token: token.to_owned(),
            what,
            hint: "check the key label, or generate the key",
        };
        let found = module.find(
            &login,
            token,
            &[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(key_label.as_bytes().to_vec()),
            ],
        )?;
        let key = match found.as_slice() {
            [key] => *key,
            [] => return Err(not_found(format!("private key labelled \"{key_label}\""))),
            more => {
                return Err(not_found(format!(
                    "single private key labelled \"{key_label}\" (there are {})",
                    more.len()
                )));
            }
        };
        let id = module
            .bytes_attribute(&login, token, key, AttributeType::Id)?
            .unwrap_or_default();
        let public = Self::public_key(module, &login, token, &id)?.ok_or_else(|| {
            not_found(format!(
                "public key or certificate with the CKA_ID of the private key \"{key_label}\""
            ))
        })?;
        check_algorithms(public.algorithm, sig)?;
        Ok(Self {
            module: module.clone(),
            slot,
            token: token.to_owned(),
            key_label: key_label.to_owned(),
            key,
            key_alg: public.algorithm,
            sig_alg: sig,
            spki: public.spki_der,
            rsa_hash_and_sign: public.algorithm.is_rsa() && module.has_rsa_hash_and_sign(slot),
            pool: Mutex::new(Vec::new()),
            _login: Mutex::new(login),
        })
    }

    /// The public key with CKA_ID `id`: from the public key object, else
    /// from the certificate.
    fn public_key(
        module: &Pkcs11Module,
        session: &Session,
        token: &str,
        id: &[u8],
    ) -> Result<Option<PublicKey>, KeyError> {
        let with_id = |class| [Attribute::Class(class), Attribute::Id(id.to_vec())];
        if let Some(public) = module
            .find(session, token, &with_id(ObjectClass::PUBLIC_KEY))?
            .first()
        {
            return module.public_key_info(session, token, *public).map(Some);
        }
        let Some(cert) = module
            .find(session, token, &with_id(ObjectClass::CERTIFICATE))?
            .first()
            .copied()
        else {
            return Ok(None);
        };
        let Some(der) = module.bytes_attribute(session, token, cert, AttributeType::Value)? else {
            return Ok(None);
        };
        let bad = |e: &dyn fmt::Display| KeyError::UnsupportedKey {
            what: format!("a key whose certificate on token \"{token}\" does not parse ({e})"),
        };
        let cert = carepki_x509::cert::decode_certificate(&der).map_err(|e| bad(&e))?;
        let spki = carepki_x509::cert::spki_der(cert.tbs_certificate()).map_err(|e| bad(&e))?;
        PublicKey::from_spki_der(&spki)
            .map(Some)
            .map_err(|e| KeyError::UnsupportedKey {
                what: e.to_string(),
            })
    }

    /// The label of the token holding the key.
    pub fn token_label(&self) -> &str {
        &self.token
    }

    /// The key's label.
    pub fn key_label(&self) -> &str {
        &self.key_label
    }

    /// Runs `f` on a pooled session. A session whose use failed is dropped,
    /// not pooled.
    fn with_session<T>(
        &self,
        f: impl FnOnce(&Session) -> Result<T, KeyError>,
    ) -> Result<T, KeyError> {
        let pooled = lock(&self.pool).pop();
        let session = match pooled {
            Some(s) => s,
            None => self.module.open_session(self.slot, &self.token, false)?,
        };
        let result = f(&session);
        if result.is_ok() {
            let mut pool = lock(&self.pool);
            if pool.len() < POOL_MAX_IDLE {
                pool.push(session);
            }
        }
        result
    }

    fn sign_input(&self, input: SignInput<'_>) -> Result<Vec<u8>, KeyError> {
        self.with_session(|s| {
            self.module.sign_with(
                s,
                &self.token,
                self.key,
                self.sig_alg,
                input,
                self.rsa_hash_and_sign,
            )
        })
    }
}

impl Signer for Pkcs11Signer {
    fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.sig_alg
    }

    fn key_algorithm(&self) -> KeyAlgorithm {
        self.key_alg
    }

    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.sign_input(SignInput::Message(message))
    }

    fn sign_digest(&self, digest: &aws_lc_rs::digest::Digest) -> Result<Vec<u8>, KeyError> {
        let expected = crate::digest_algorithm(self.sig_alg);
        if digest.algorithm() != expected {
            return Err(KeyError::Signing { alg: self.sig_alg });
        }
        self.sign_input(SignInput::Digest(digest))
    }
}

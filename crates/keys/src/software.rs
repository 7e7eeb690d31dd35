//! CA keys held in memory by aws-lc-rs, stored encrypted at rest.

use std::fmt;
use std::path::Path;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, RsaEncoding, RsaKeyPair,
};
use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};
use const_oid::db::rfc5912;
use der::asn1::OctetStringRef;
use der::pem::LineEnding;
use der::{Decode, SecretDocument};
use pkcs8::pkcs5::pbes2::{self, Kdf};
use pkcs8::pkcs5::{EncryptionScheme, scrypt};
use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use zeroize::Zeroizing;

use crate::fsutil::{ReadError, read_secret_file, write_new_secret_file};
use crate::{KeyError, Passphrase, Signer};

/// PEM label of PKCS#8 EncryptedPrivateKeyInfo.
const ENCRYPTED_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// scrypt cost we write: N = 2^14, r = 8, p = 1 (16 MiB), within
/// OpenSSL's default 32 MB scrypt memory limit.
const SCRYPT_LOG_N: u8 = 14;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

/// Largest scrypt memory (128·N·r bytes) and parallelism we accept when
/// reading, so a doctored file cannot make us allocate gigabytes.
const SCRYPT_MAX_MEMORY: u64 = 256 << 20;
const SCRYPT_MAX_P: u16 = 16;

/// Checks that `sig` is the right signature algorithm for `key`: ECDSA P-256
/// with ecdsa-with-SHA256, P-384 with ecdsa-with-SHA384, RSA with any of
/// sha256/384/512WithRSAEncryption.
pub fn check_algorithms(key: KeyAlgorithm, sig: SignatureAlgorithm) -> Result<(), KeyError> {
    use KeyAlgorithm as K;
    use SignatureAlgorithm as S;
    let ok = match key {
        K::EcdsaP256 => sig == S::EcdsaSha256,
        K::EcdsaP384 => sig == S::EcdsaSha384,
        K::Rsa2048 | K::Rsa3072 | K::Rsa4096 => !sig.is_ecdsa(),
    };
    if ok {
        Ok(())
    } else {
        Err(KeyError::AlgorithmMismatch { key, sig })
    }
}

enum Inner {
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair, &'static dyn RsaEncoding),
}

/// A CA key held in memory (aws-lc-rs): ECDSA P-256/P-384 or RSA
/// 2048/3072/4096, stored on disk as an encrypted PKCS#8 PEM file.
///
/// `Debug` shows the algorithms only.
pub struct SoftwareKey {
    inner: Inner,
    key_alg: KeyAlgorithm,
    sig_alg: SignatureAlgorithm,
    spki: Vec<u8>,
    rng: SystemRandom,
}

impl fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareKey")
            .field("key_algorithm", &self.key_alg)
            .field("signature_algorithm", &self.sig_alg)
            .finish_non_exhaustive()
    }
}

fn ecdsa_alg(sig: SignatureAlgorithm) -> Option<&'static EcdsaSigningAlgorithm> {
    match sig {
        SignatureAlgorithm::EcdsaSha256 => Some(&signature::ECDSA_P256_SHA256_ASN1_SIGNING),
        SignatureAlgorithm::EcdsaSha384 => Some(&signature::ECDSA_P384_SHA384_ASN1_SIGNING),
        _ => None,
    }
}

fn rsa_encoding(sig: SignatureAlgorithm) -> Option<&'static dyn RsaEncoding> {
    match sig {
        SignatureAlgorithm::RsaPkcs1Sha256 => Some(&signature::RSA_PKCS1_SHA256),
        SignatureAlgorithm::RsaPkcs1Sha384 => Some(&signature::RSA_PKCS1_SHA384),
        SignatureAlgorithm::RsaPkcs1Sha512 => Some(&signature::RSA_PKCS1_SHA512),
        _ => None,
    }
}

fn rsa_key_algorithm(modulus_bytes: usize) -> Option<KeyAlgorithm> {
    match modulus_bytes * 8 {
        2048 => Some(KeyAlgorithm::Rsa2048),
        3072 => Some(KeyAlgorithm::Rsa3072),
        4096 => Some(KeyAlgorithm::Rsa4096),
        _ => None,
    }
}

impl SoftwareKey {
    /// Generates a new key of type `key` that will sign with `sig`.
    ///
    /// Fails if `sig` does not fit `key` (see [`check_algorithms`]).
    pub fn generate(key: KeyAlgorithm, sig: SignatureAlgorithm) -> Result<Self, KeyError> {
        check_algorithms(key, sig)?;
        let gen_err = |_| KeyError::KeyGeneration { key };
        let inner = if let Some(alg) = ecdsa_alg(sig) {
            Inner::Ecdsa(EcdsaKeyPair::generate(alg).map_err(gen_err)?)
        } else {
            let size = match key {
                KeyAlgorithm::Rsa2048 => KeySize::Rsa2048,
                KeyAlgorithm::Rsa3072 => KeySize::Rsa3072,
                _ => KeySize::Rsa4096,
            };
            let encoding = rsa_encoding(sig).ok_or(KeyError::AlgorithmMismatch { key, sig })?;
            Inner::Rsa(RsaKeyPair::generate(size).map_err(gen_err)?, encoding)
        };
        Self::assemble(inner, key, sig)
    }

    fn assemble(
        inner: Inner,
        key_alg: KeyAlgorithm,
        sig_alg: SignatureAlgorithm,
    ) -> Result<Self, KeyError> {
        let spki = match &inner {
            Inner::Ecdsa(kp) => kp.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Inner::Rsa(kp, _) => kp.public_key().as_der().map(|d| d.as_ref().to_vec()),
        }
        .map_err(|_| KeyError::InvalidKey {
            detail: "its public key cannot be encoded".to_owned(),
        })?;
        Ok(Self {
            inner,
            key_alg,
            sig_alg,
            spki,
            rng: SystemRandom::new(),
        })
    }

    /// Loads an unencrypted PKCS#8 (DER) private key that will sign with
    /// `sig`; the key type and size are read from the key.
    ///
    /// Fails if the key is not ECDSA P-256/P-384 or RSA 2048/3072/4096, or if
    /// `sig` does not fit it.
    pub fn from_pkcs8_der(der: &[u8], sig: SignatureAlgorithm) -> Result<Self, KeyError> {
        let info = PrivateKeyInfoRef::from_der(der).map_err(|e| KeyError::InvalidKey {
            detail: e.to_string(),
        })?;
        let (oid, param) = info.algorithm.oids().map_err(|e| KeyError::InvalidKey {
            detail: e.to_string(),
        })?;
        let rejected = |e: aws_lc_rs::error::KeyRejected| KeyError::InvalidKey {
            detail: format!("rejected by the crypto library: {e}"),
        };
        if oid == rfc5912::ID_EC_PUBLIC_KEY {
            let key = match param {
                Some(c) if c == rfc5912::SECP_256_R_1 => KeyAlgorithm::EcdsaP256,
                Some(c) if c == rfc5912::SECP_384_R_1 => KeyAlgorithm::EcdsaP384,
                Some(c) => {
                    return Err(KeyError::UnsupportedKey {
                        what: format!("an EC key on curve {c}"),
                    });
                }
                None => {
                    return Err(KeyError::UnsupportedKey {
                        what: "an EC key without a named curve".to_owned(),
                    });
                }
            };
            check_algorithms(key, sig)?;
            let alg = ecdsa_alg(sig).ok_or(KeyError::AlgorithmMismatch { key, sig })?;
            let kp = EcdsaKeyPair::from_pkcs8(alg, der).map_err(rejected)?;
            Self::assemble(Inner::Ecdsa(kp), key, sig)
        } else if oid == rfc5912::RSA_ENCRYPTION {
            let kp = RsaKeyPair::from_pkcs8(der).map_err(rejected)?;
            let len = kp.public_modulus_len();
            let key = rsa_key_algorithm(len).ok_or_else(|| KeyError::UnsupportedKey {
                what: format!("an RSA key of {} bits", len * 8),
            })?;
            check_algorithms(key, sig)?;
            let encoding = rsa_encoding(sig).ok_or(KeyError::AlgorithmMismatch { key, sig })?;
            Self::assemble(Inner::Rsa(kp, encoding), key, sig)
        } else {
            Err(KeyError::UnsupportedKey {
                what: format!("a key of algorithm {oid}"),
            })
        }
    }

    /// The key as unencrypted PKCS#8 v1 DER, zeroized on drop.
    fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let err = |_| KeyError::Encrypt {
            detail: "the key cannot be encoded as PKCS#8".to_owned(),
        };
        // The library's own buffers zeroize themselves on drop.
        let der = match &self.inner {
            Inner::Ecdsa(kp) => Zeroizing::new(kp.to_pkcs8v1().map_err(err)?.as_ref().to_vec()),
            Inner::Rsa(kp, _) => Zeroizing::new(kp.as_der().map_err(err)?.as_ref().to_vec()),
        };
        Ok(der)
    }

    /// The key as a PEM "ENCRYPTED PRIVATE KEY" (PKCS#8 EncryptedPrivateKeyInfo):
    /// PBES2 with scrypt (N = 2^14, r = 8, p = 1) and AES-256-CBC, with a
    /// random 16-byte salt and IV. `openssl pkey` reads it.
    pub fn to_encrypted_pem(&self, passphrase: &Passphrase) -> Result<Zeroizing<String>, KeyError> {
        let der = self.to_pkcs8_der()?;
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        self.rng.fill(&mut salt).map_err(|_| KeyError::Random)?;
        self.rng.fill(&mut iv).map_err(|_| KeyError::Random)?;
        let enc_err = |e: &dyn fmt::Display| KeyError::Encrypt {
            detail: e.to_string(),
        };
        let cost =
            scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P).map_err(|e| enc_err(&e))?;
        let params = pbes2::Parameters::generate_scrypt_aes256cbc(cost, &salt, iv)
            .map_err(|e| enc_err(&e))?;
        let ciphertext = params
            .encrypt(passphrase.expose_secret(), &der)
            .map_err(|e| enc_err(&e))?;
        let info = EncryptedPrivateKeyInfoRef {
            encryption_algorithm: EncryptionScheme::Pbes2(params),
            encrypted_data: OctetStringRef::new(&ciphertext).map_err(|e| enc_err(&e))?,
        };
        SecretDocument::encode_msg(&info)
            .and_then(|doc| doc.to_pem(ENCRYPTED_LABEL, LineEnding::LF))
            .map_err(|e| enc_err(&e))
    }

    /// Loads a key from PEM "ENCRYPTED PRIVATE KEY" text (as written by
    /// [`SoftwareKey::to_encrypted_pem`], or by OpenSSL with PBES2), that
    /// will sign with `sig`.
    pub fn from_encrypted_pem(
        pem: &str,
        passphrase: &Passphrase,
        sig: SignatureAlgorithm,
    ) -> Result<Self, KeyError> {
        Self::decrypt_pem(pem, passphrase, sig, "the encrypted private key")
    }

    fn decrypt_pem(
        pem: &str,
        passphrase: &Passphrase,
        sig: SignatureAlgorithm,
        what: &str,
    ) -> Result<Self, KeyError> {
        let not_pem = |detail: String| KeyError::NotEncryptedPem {
            what: what.to_owned(),
            detail,
        };
        let (label, doc) = SecretDocument::from_pem(pem.trim_start())
            .map_err(|e| not_pem(format!("cannot decode the PEM ({e})")))?;
        if label != ENCRYPTED_LABEL {
            return Err(not_pem(format!("found a PEM \"{label}\" block")));
        }
        let info = EncryptedPrivateKeyInfoRef::from_der(doc.as_bytes())
            .map_err(|e| not_pem(format!("its contents do not parse ({e})")))?;
        check_encryption(&info.encryption_algorithm, what)?;
        let der =
            info.decrypt(passphrase.expose_secret())
                .map_err(|_| KeyError::WrongPassphrase {
                    what: what.to_owned(),
                })?;
        match Self::from_pkcs8_der(der.as_bytes(), sig) {
            // Garbage that happened to have valid padding: the passphrase was wrong.
            Err(KeyError::InvalidKey { .. }) => Err(KeyError::WrongPassphrase {
                what: what.to_owned(),
            }),
            other => other,
        }
    }

    /// Writes the key encrypted (see [`SoftwareKey::to_encrypted_pem`]) to a
    /// new file at `path`, created with mode 0600 and synced to disk. Never
    /// overwrites: fails if `path` exists.
    pub fn write_encrypted(&self, path: &Path, passphrase: &Passphrase) -> Result<(), KeyError> {
        let pem = self.to_encrypted_pem(passphrase)?;
        write_new_secret_file(path, pem.as_bytes())
    }

    /// Loads a key written by [`SoftwareKey::write_encrypted`], that will sign
    /// with `sig`. Refuses a file that group or others can read or write.
    pub fn load_encrypted(
        path: &Path,
        passphrase: &Passphrase,
        sig: SignatureAlgorithm,
    ) -> Result<Self, KeyError> {
        let bytes = read_secret_file(path, "CA key file").map_err(|e| match e {
            ReadError::NotFound => KeyError::KeyFileMissing {
                path: path.to_path_buf(),
            },
            ReadError::Key(k) => k,
        })?;
        let what = format!("CA key file {}", path.display());
        let pem = std::str::from_utf8(&bytes).map_err(|_| KeyError::NotEncryptedPem {
            what: what.clone(),
            detail: "it is not text".to_owned(),
        })?;
        Self::decrypt_pem(pem, passphrase, sig, &what)
    }
}

/// Refuses PBES1 and scrypt parameters that would cost too much memory.
fn check_encryption(scheme: &EncryptionScheme, what: &str) -> Result<(), KeyError> {
    let unsupported = |detail: String| KeyError::UnsupportedEncryption {
        what: what.to_owned(),
        detail,
    };
    let params = match scheme {
        EncryptionScheme::Pbes2(p) => p,
        EncryptionScheme::Pbes1(_) => {
            return Err(unsupported("the obsolete PBES1 scheme".to_owned()));
        }
        _ => return Err(unsupported("an unknown encryption scheme".to_owned())),
    };
    if let Kdf::Scrypt(s) = &params.kdf {
        let memory = 128u64
            .saturating_mul(s.cost_parameter)
            .saturating_mul(u64::from(s.block_size));
        if memory > SCRYPT_MAX_MEMORY || s.parallelization > SCRYPT_MAX_P {
            return Err(unsupported(format!(
                "scrypt parameters N={} r={} p={} that need more than 256 MiB or 16 passes",
                s.cost_parameter, s.block_size, s.parallelization
            )));
        }
    }
    Ok(())
}

impl Signer for SoftwareKey {
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
        let err = |_| KeyError::Signing { alg: self.sig_alg };
        match &self.inner {
            Inner::Ecdsa(kp) => Ok(kp.sign(&self.rng, message).map_err(err)?.as_ref().to_vec()),
            Inner::Rsa(kp, encoding) => {
                let mut sig = vec![0u8; kp.public_modulus_len()];
                kp.sign(*encoding, &self.rng, message, &mut sig)
                    .map_err(err)?;
                Ok(sig)
            }
        }
    }

    fn sign_digest(&self, digest: &aws_lc_rs::digest::Digest) -> Result<Vec<u8>, KeyError> {
        let err = |_| KeyError::Signing { alg: self.sig_alg };
        match &self.inner {
            Inner::Ecdsa(kp) => Ok(kp.sign_digest(digest).map_err(err)?.as_ref().to_vec()),
            Inner::Rsa(kp, encoding) => {
                let mut sig = vec![0u8; kp.public_modulus_len()];
                kp.sign_digest(*encoding, digest, &mut sig).map_err(err)?;
                Ok(sig)
            }
        }
    }
}

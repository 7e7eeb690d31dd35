//! Certificate cards and HSM keys on a real SoftHSM2 (docs/CARDS.md).
//!
//! SoftHSM2 reads SOFTHSM2_CONF once, at C_Initialize, and a module is
//! initialised once per process; so every SoftHSM test runs its body in a child
//! process of this test binary with its own configuration and token directory
//! in a temporary directory. Without /usr/lib/softhsm/libsofthsm2.so they are
//! skipped with a note, unless CAREPKI_REQUIRE_SOFTHSM=1.
// Helpers outside #[test] fns unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::signature::UnparsedPublicKey;
use carepki_keys::testing::on_softhsm;
use carepki_keys::{
    ActivationCode, Card, CardKey, KeyAlgorithm, KeyError, Pkcs11Module, Pkcs11Signer,
    SOFTHSM2_MODULE, SignatureAlgorithm, Signer, check_pin_format, measure_sign_rate_threads,
};
use carepki_x509::PublicKey;
use carepki_x509::cert::{TbsParams, assemble, decode_certificate, encode_tbs};
use carepki_x509::ext::{self, Ku};
use carepki_x509::name::{Attr, build_name};
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeInfo, AttributeType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;

const SO_PIN: &str = "card-issuer-so-pin";
const PIN1: &str = "2468";
const PIN2: &str = "13579135";
const HSM_SO_PIN: &str = "hsm-so-pin-0000";
const HSM_PIN: &str = "hsm-user-pin-0000";

macro_rules! softhsm_test {
    ($name:ident, $body:expr) => {
        #[test]
        fn $name() {
            on_softhsm(stringify!($name), $body);
        }
    };
}

/// Verifies `sig` over `msg` with the key in `spki` (aws-lc-rs).
fn verify(spki: &[u8], alg: SignatureAlgorithm, msg: &[u8], sig: &[u8]) {
    let key = PublicKey::from_spki_der(spki).unwrap();
    let (va, _) = carepki_x509::verify::verification_algorithm(&alg.oid(), key.algorithm).unwrap();
    UnparsedPublicKey::new(va, &key.raw)
        .verify(msg, sig)
        .unwrap_or_else(|_| panic!("{alg} signature does not verify"));
}

fn assert_err<T: std::fmt::Debug>(
    r: Result<T, KeyError>,
    pred: impl Fn(&KeyError) -> bool,
) -> String {
    let e = r.unwrap_err();
    assert!(pred(&e), "unexpected error: {e:?}");
    e.to_string()
}

/// Initialises a plain token (an "HSM" partition) through raw cryptoki.
fn init_hsm_token(module: &Pkcs11Module, label: &str) {
    let ctx = module.pkcs11();
    let blank = ctx
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| !ctx.get_token_info(*s).unwrap().token_initialized())
        .unwrap();
    ctx.init_token(blank, &AuthPin::from(HSM_SO_PIN.to_owned()), label)
        .unwrap();
    let slot = ctx
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| ctx.get_token_info(*s).unwrap().label() == label)
        .unwrap();
    let session = ctx.open_rw_session(slot).unwrap();
    session
        .login(UserType::So, Some(&AuthPin::from(HSM_SO_PIN.to_owned())))
        .unwrap();
    session
        .init_pin(&AuthPin::from(HSM_PIN.to_owned()))
        .unwrap();
}

/// A certificate for `spki` issued by `ca`, with the key usage of a card key.
fn card_certificate(ca: &dyn Signer, spki: &[u8], which: CardKey, serial: u8) -> Vec<u8> {
    let ku = match which {
        CardKey::Auth => vec![Ku::DigitalSignature],
        CardKey::Sign => vec![Ku::NonRepudiation],
    };
    let tbs = encode_tbs(&TbsParams {
        serial: vec![0x42, serial, 1, 2, 3, 4, 5, 6],
        signature: ca.signature_algorithm(),
        issuer: build_name(&[(Attr::Country, "FI"), (Attr::CommonName, "Test CA")]).unwrap(),
        not_before: 1_800_000_000,
        not_after: 1_900_000_000,
        subject: build_name(&[
            (Attr::Country, "FI"),
            (Attr::CommonName, &format!("Holder {which}")),
        ])
        .unwrap(),
        spki_der: spki.to_vec(),
        extensions: vec![ext::key_usage(&ku).unwrap()],
    })
    .unwrap();
    let sig = ca.sign(&tbs).unwrap();
    assemble(&tbs, ca.signature_algorithm(), &sig).unwrap()
}

/// OpenSC's pkcs11-tool reads the public key of `which` from the token but
/// not the private key (it fails, or gives no bytes: OpenSC 0.23 says
/// "reading private keys not (yet) supported"), and it lists the private key
/// as sensitive and never extractable.
fn pkcs11_tool_cannot_read(token: &str, which: CardKey, pin: &str) {
    if Command::new("pkcs11-tool").arg("--help").output().is_err() {
        eprintln!("note: pkcs11-tool (opensc) is missing: the independent check is skipped");
        return;
    }
    let tool = |ty: &str| {
        Command::new("pkcs11-tool")
            .args(["--module", SOFTHSM2_MODULE, "--token-label", token])
            .args(["--login", "--pin", pin])
            .args(["--read-object", "--type", ty])
            .args(["--label", which.object_label()])
            .output()
            .unwrap()
    };
    let public = tool("pubkey");
    assert!(
        public.status.success() && !public.stdout.is_empty(),
        "pkcs11-tool cannot read the public key: {}",
        String::from_utf8_lossy(&public.stderr)
    );
    let private = tool("privkey");
    assert!(
        !private.status.success() || private.stdout.is_empty(),
        "pkcs11-tool read {} bytes of the private {which} key",
        private.stdout.len()
    );
    let list = Command::new("pkcs11-tool")
        .args(["--module", SOFTHSM2_MODULE, "--token-label", token])
        .args([
            "--login",
            "--pin",
            pin,
            "--list-objects",
            "--type",
            "privkey",
        ])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&list.stdout);
    let access = listing
        .lines()
        .find(|l| l.trim_start().starts_with("Access:"))
        .unwrap_or_else(|| panic!("no Access line in: {listing}"));
    let flags: Vec<&str> = access
        .trim_start()
        .trim_start_matches("Access:")
        .split(',')
        .map(str::trim)
        .collect();
    for want in [
        "sensitive",
        "always sensitive",
        "never extractable",
        "local",
    ] {
        assert!(flags.contains(&want), "{which}: {access}");
    }
    assert!(!flags.contains(&"extractable"), "{which}: {access}");
    eprintln!(
        "pkcs11-tool on the private {which} key of {token}: {}, {}",
        private.status,
        String::from_utf8_lossy(&private.stderr).trim()
    );
}

// --- no SoftHSM needed ---------------------------------------------------------

#[test]
fn pin_formats_are_checked_with_clear_errors() {
    for ok in ["1234", "12345678", "0000"] {
        check_pin_format(CardKey::Auth, ok).unwrap();
    }
    for (pin, says) in [
        ("123", "it has 3 digits, fewer than 4"),
        ("123456789", "it has 9 digits, more than 8"),
        ("12a4", "not a digit"),
        ("abcd", "not a digit"),
        ("", "it is empty"),
        ("١٢٣٤", "not a digit"),
    ] {
        let msg = assert_err(check_pin_format(CardKey::Sign, pin), |e| {
            matches!(e, KeyError::PinFormat { .. })
        });
        assert!(
            msg.starts_with("PIN2 (signature) must be 4 to 8 digits"),
            "{msg}"
        );
        assert!(msg.contains(says), "{msg}");
        if !pin.is_empty() {
            assert!(!msg.contains(pin), "the message shows the PIN: {msg}");
        }
    }
}

#[test]
fn activation_codes_are_random_readable_and_hidden() {
    let a = ActivationCode::generate().unwrap();
    let b = ActivationCode::generate().unwrap();
    assert_ne!(a.expose_secret(), b.expose_secret());
    assert_eq!(a.expose_secret().len(), 16);
    assert!(a.expose_secret().chars().any(|c| c.is_ascii_uppercase()));
    assert!(
        a.expose_secret()
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='9').contains(&c))
    );
    assert!(!a.expose_secret().contains(['I', 'O']));
    let grouped = a.grouped();
    assert_eq!(grouped.len(), 19);
    assert_eq!(grouped.matches('-').count(), 3);
    // Typed back in lower case with spaces: the same code.
    let typed = grouped.to_lowercase().replace('-', " ");
    assert_eq!(
        ActivationCode::parse(&typed).unwrap().expose_secret(),
        a.expose_secret()
    );
    assert_eq!(format!("{a:?}"), "ActivationCode(***)");
    for (bad, says) in [
        ("", "it is empty"),
        ("ABCD-EFGH-JKLM", "it has 12 letters and digits, not 16"),
        ("ABCD-EFGH-JKLM-NPQ0", "never use"),
        ("ABCD-EFGH-JKLM-NPQ!", "never use"),
    ] {
        let msg = assert_err(ActivationCode::parse(bad), |e| {
            matches!(e, KeyError::ActivationCodeFormat { .. })
        });
        assert!(msg.contains(says), "{msg}");
    }
}

// --- SoftHSM2 ------------------------------------------------------------------

softhsm_test!(
    module_loads_once_lists_tokens_and_names_things,
    |module, _| {
        let msg = assert_err(Pkcs11Module::load("/nonexistent/libpkcs11.so"), |e| {
            matches!(e, KeyError::Pkcs11Module { .. })
        });
        assert!(msg.contains("/nonexistent/libpkcs11.so"), "{msg}");
        assert!(msg.contains("does not exist"), "{msg}");
        assert!(msg.contains("softhsm2"), "{msg}");
        // Loading again shares the module (C_Initialize ran once).
        let again = Pkcs11Module::load(SOFTHSM2_MODULE).unwrap();
        assert_eq!(again.path(), module.path());
        let tokens = module.tokens().unwrap();
        assert!(tokens.iter().any(|t| !t.initialized), "{tokens:?}");
        assert!(format!("{module:?}").contains("libsofthsm2.so"));

        let msg = assert_err(Card::open(module, "nobody"), |e| {
            matches!(e, KeyError::TokenNotFound { .. })
        });
        assert!(msg.contains("\"nobody AUTH\""), "{msg}");
        assert!(msg.contains(SOFTHSM2_MODULE), "{msg}");
        assert!(msg.contains("tokens there: none"), "{msg}");

        for (label, says) in [
            ("", "is empty"),
            ("a-card-label-that-is-far-too-long", "at most 27"),
            ("kortti/1", "may only contain"),
            (" card", "may not start or end with a space"),
        ] {
            let msg = assert_err(Card::initialise(module, label, SO_PIN), |e| {
                matches!(e, KeyError::CardLabel { .. })
            });
            assert!(msg.contains(says), "{msg}");
        }
    }
);

fn p256_card_lifecycle(module: &Pkcs11Module, _dir: &Path) {
    // The CA key lives in an "HSM" token of the same module.
    init_hsm_token(module, "CA HSM");
    let ca = Pkcs11Signer::generate(
        module,
        "CA HSM",
        "professionals-ca",
        HSM_PIN,
        KeyAlgorithm::EcdsaP384,
        SignatureAlgorithm::EcdsaSha384,
    )
    .unwrap();

    // Production: initialise, generate on the token.
    let card = Card::initialise(module, "card 0001", SO_PIN).unwrap();
    let code = card.activation_code().unwrap();
    let debug = format!("{card:?}");
    assert!(debug.contains("card 0001") && debug.contains("in_production: true"));
    assert!(!debug.contains(code.expose_secret()), "{debug}");
    let keys = card.generate_keys(KeyAlgorithm::EcdsaP256).unwrap();
    assert_eq!(keys.algorithm, KeyAlgorithm::EcdsaP256);
    assert_ne!(keys.auth, keys.sign);
    for which in CardKey::BOTH {
        assert_eq!(card.public_key(which).unwrap(), keys.get(which));
        assert_eq!(
            PublicKey::from_spki_der(keys.get(which)).unwrap().algorithm,
            KeyAlgorithm::EcdsaP256
        );
        assert_eq!(
            card.signature_algorithm(which).unwrap(),
            SignatureAlgorithm::EcdsaSha256
        );
        assert_eq!(card.certificate(which).unwrap(), None);
    }

    // The private keys are not extractable: C_GetAttributeValue(CKA_VALUE) is
    // refused as sensitive, and the attributes say so.
    for which in CardKey::BOTH {
        let ctx = module.pkcs11();
        let label = card.token_label(which);
        let slot = ctx
            .get_slots_with_token()
            .unwrap()
            .into_iter()
            .find(|s| ctx.get_token_info(*s).unwrap().label() == label)
            .unwrap();
        let session = ctx.open_ro_session(slot).unwrap();
        session
            .login(
                UserType::User,
                Some(&AuthPin::from(code.expose_secret().to_owned())),
            )
            .unwrap();
        let private = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .unwrap();
        assert_eq!(private.len(), 1);
        let info = session
            .get_attribute_info(private[0], &[AttributeType::Value])
            .unwrap();
        assert!(
            matches!(info[..], [AttributeInfo::Sensitive]),
            "{which}: CKA_VALUE is {info:?}"
        );
        assert!(
            session
                .get_attributes(private[0], &[AttributeType::Value])
                .unwrap()
                .is_empty()
        );
        let attrs = session
            .get_attributes(
                private[0],
                &[
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::Token,
                    AttributeType::NeverExtractable,
                    AttributeType::Local,
                    AttributeType::Id,
                    AttributeType::Label,
                ],
            )
            .unwrap();
        let ski = PublicKey::from_spki_der(keys.get(which))
            .unwrap()
            .key_identifier();
        for want in [
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Token(true),
            Attribute::NeverExtractable(true),
            Attribute::Local(true),
            Attribute::Id(ski),
            Attribute::Label(which.object_label().as_bytes().to_vec()),
        ] {
            assert!(attrs.contains(&want), "{which}: {want:?} not in {attrs:?}");
        }
        // Nor can it leave the token wrapped under another key.
        let aes = session
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::ValueLen(32.into()),
                    Attribute::Wrap(true),
                    Attribute::Token(false),
                ],
            )
            .unwrap();
        let wrapped = session.wrap_key(&Mechanism::AesKeyWrapPad, aes, private[0]);
        assert!(
            matches!(
                wrapped,
                Err(cryptoki::error::Error::Pkcs11(RvError::KeyUnextractable, _))
            ),
            "{which}: C_WrapKey gave {wrapped:?}"
        );
        session.logout().unwrap();

        // An independent tool cannot read the private key either.
        pkcs11_tool_cannot_read(&label, which, code.expose_secret());
    }

    // A token that already holds keys: refused by generate and initialise.
    let msg = assert_err(card.generate_keys(KeyAlgorithm::EcdsaP256), |e| {
        matches!(e, KeyError::TokenHoldsKeys { .. })
    });
    assert!(
        msg.contains("\"card 0001 AUTH\" already holds keys"),
        "{msg}"
    );
    let msg = assert_err(Card::initialise(module, "card 0001", SO_PIN), |e| {
        matches!(e, KeyError::TokenHoldsKeys { .. })
    });
    assert!(msg.contains("softhsm2-util --delete-token"), "{msg}");
    // ... and nothing changed: the production code still opens the card.
    assert_eq!(card.public_key(CardKey::Auth).unwrap(), keys.auth);

    // The CA (on the HSM) issues both certificates; they are written and read back.
    let certs: Vec<Vec<u8>> = CardKey::BOTH
        .iter()
        .zip([1u8, 2])
        .map(|(w, n)| card_certificate(&ca, keys.get(*w), *w, n))
        .collect();
    let msg = assert_err(card.write_certificate(CardKey::Auth, &certs[1]), |e| {
        matches!(e, KeyError::CertificateRefused { .. })
    });
    assert!(msg.contains("not the card's authentication key"), "{msg}");
    let msg = assert_err(
        card.write_certificate(CardKey::Auth, b"not a certificate"),
        |e| matches!(e, KeyError::CertificateRefused { .. }),
    );
    assert!(msg.contains("not a DER X.509 certificate"), "{msg}");
    for (which, cert) in CardKey::BOTH.iter().zip(&certs) {
        card.write_certificate(*which, cert).unwrap();
        let back = card.certificate(*which).unwrap().unwrap();
        assert_eq!(&back, cert);
        let parsed = decode_certificate(&back).unwrap();
        let tbs = der::Encode::to_der(parsed.tbs_certificate()).unwrap();
        verify(
            ca.public_key_spki(),
            SignatureAlgorithm::EcdsaSha384,
            &tbs,
            parsed.signature().raw_bytes(),
        );
    }
    let msg = assert_err(card.write_certificate(CardKey::Sign, &certs[1]), |e| {
        matches!(e, KeyError::CertificateRefused { .. })
    });
    assert!(msg.contains("already holds a certificate"), "{msg}");

    // Activation: bad PINs and wrong codes are refused and change nothing.
    for (pin1, pin2, says) in [
        (
            "123",
            PIN2,
            "PIN1 (authentication) must be 4 to 8 digits (0-9): it has 3 digits",
        ),
        (
            PIN1,
            "123456789",
            "PIN2 (signature) must be 4 to 8 digits (0-9): it has 9 digits",
        ),
        (
            "12ab",
            PIN2,
            "PIN1 (authentication) must be 4 to 8 digits (0-9): it contains",
        ),
        (
            PIN1,
            "abcd",
            "PIN2 (signature) must be 4 to 8 digits (0-9): it contains",
        ),
    ] {
        let msg = assert_err(card.activate(code.expose_secret(), pin1, pin2), |e| {
            matches!(e, KeyError::PinFormat { .. })
        });
        assert!(msg.contains(says), "{msg}");
    }
    let wrong = ActivationCode::generate().unwrap();
    let msg = assert_err(card.activate(wrong.expose_secret(), PIN1, PIN2), |e| {
        matches!(e, KeyError::WrongActivationCode { .. })
    });
    assert!(
        msg.contains("wrong activation code for card \"card 0001\""),
        "{msg}"
    );
    assert!(!msg.contains(wrong.expose_secret()));
    assert_err(card.activate("not-a-code", PIN1, PIN2), |e| {
        matches!(e, KeyError::ActivationCodeFormat { .. })
    });
    // The holder types the code as printed on the letter.
    card.activate(&code.grouped(), PIN1, PIN2).unwrap();
    assert!(card.activation_code().is_none());
    // After activation the code no longer works.
    assert_err(card.activate(code.expose_secret(), "1111", "2222"), |e| {
        matches!(e, KeyError::WrongActivationCode { .. })
    });
    assert_err(card.write_certificate(CardKey::Auth, &certs[0]), |e| {
        matches!(e, KeyError::NotInProduction { .. })
    });

    // Signing: PIN1 opens the authentication key only, PIN2 the signature key only.
    let opened = Card::open(module, "card 0001").unwrap();
    for i in 0..16u8 {
        let msg = [b"prescription ".as_slice(), &[i]].concat();
        let sig = opened.sign(CardKey::Auth, PIN1, &msg).unwrap();
        verify(&keys.auth, SignatureAlgorithm::EcdsaSha256, &msg, &sig);
        let sig = opened.sign(CardKey::Sign, PIN2, &msg).unwrap();
        verify(&keys.sign, SignatureAlgorithm::EcdsaSha256, &msg, &sig);
    }
    let msg = assert_err(opened.sign(CardKey::Sign, PIN1, b"x"), |e| {
        matches!(e, KeyError::WrongPin { .. })
    });
    assert!(
        msg.starts_with("wrong PIN2 (signature) for token \"card 0001 SIGN\""),
        "{msg}"
    );
    assert!(!msg.contains(PIN1));
    let msg = assert_err(opened.sign(CardKey::Auth, PIN2, b"x"), |e| {
        matches!(e, KeyError::WrongPin { .. })
    });
    assert!(
        msg.starts_with("wrong PIN1 (authentication) for token \"card 0001 AUTH\""),
        "{msg}"
    );
    assert_err(opened.sign(CardKey::Auth, "12", b"x"), |e| {
        matches!(e, KeyError::PinFormat { .. })
    });
    // A wrong PIN does not leave the token open: the right one is asked again.
    assert_err(opened.sign(CardKey::Auth, "9999", b"x"), |e| {
        matches!(e, KeyError::WrongPin { .. })
    });
    opened.sign(CardKey::Auth, PIN1, b"x").unwrap();
    // Certificates and public keys read back from the opened card.
    assert_eq!(
        opened.certificate(CardKey::Sign).unwrap().unwrap(),
        certs[1]
    );
    assert_eq!(opened.public_key(CardKey::Sign).unwrap(), keys.sign);
    // Still a card with keys.
    assert_err(Card::initialise(module, "card 0001", SO_PIN), |e| {
        matches!(e, KeyError::TokenHoldsKeys { .. })
    });
}
softhsm_test!(
    p256_card_production_activation_and_signing,
    p256_card_lifecycle
);

fn sign_and_verify_card(module: &Pkcs11Module, label: &str, alg: KeyAlgorithm) {
    let card = Card::initialise(module, label, SO_PIN).unwrap();
    let keys = card.generate_keys(alg).unwrap();
    let code = card.activation_code().unwrap();
    card.activate(code.expose_secret(), PIN1, PIN2).unwrap();
    let expected = match alg {
        KeyAlgorithm::EcdsaP384 => SignatureAlgorithm::EcdsaSha384,
        KeyAlgorithm::EcdsaP256 => SignatureAlgorithm::EcdsaSha256,
        _ => SignatureAlgorithm::RsaPkcs1Sha256,
    };
    for (which, pin) in [(CardKey::Auth, PIN1), (CardKey::Sign, PIN2)] {
        assert_eq!(
            PublicKey::from_spki_der(keys.get(which)).unwrap().algorithm,
            alg
        );
        assert_eq!(card.signature_algorithm(which).unwrap(), expected);
        for i in 0..4u8 {
            let msg = [b"document ".as_slice(), &[i]].concat();
            let sig = card.sign(which, pin, &msg).unwrap();
            verify(keys.get(which), expected, &msg, &sig);
        }
    }
}

softhsm_test!(rsa2048_card_signs_and_verifies, |module, _| {
    sign_and_verify_card(module, "rsa card", KeyAlgorithm::Rsa2048);
    // The RSA authentication key may decrypt (keyEncipherment), the signature key not.
    let ctx = module.pkcs11();
    for (label, decrypt) in [("rsa card AUTH", true), ("rsa card SIGN", false)] {
        let slot = ctx
            .get_slots_with_token()
            .unwrap()
            .into_iter()
            .find(|s| ctx.get_token_info(*s).unwrap().label() == label)
            .unwrap();
        let session = ctx.open_ro_session(slot).unwrap();
        let pin = if decrypt { PIN1 } else { PIN2 };
        session
            .login(UserType::User, Some(&AuthPin::from(pin.to_owned())))
            .unwrap();
        let key = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .unwrap()[0];
        let attrs = session
            .get_attributes(key, &[AttributeType::Decrypt])
            .unwrap();
        assert_eq!(attrs, vec![Attribute::Decrypt(decrypt)], "{label}");
        session.logout().unwrap();
        let which = if decrypt {
            CardKey::Auth
        } else {
            CardKey::Sign
        };
        pkcs11_tool_cannot_read(label, which, pin);
    }
});

softhsm_test!(p384_and_rsa3072_cards_side_by_side, |module, _| {
    sign_and_verify_card(module, "p384 card", KeyAlgorithm::EcdsaP384);
    sign_and_verify_card(module, "rsa3072 card", KeyAlgorithm::Rsa3072);
    let labels: Vec<String> = module
        .tokens()
        .unwrap()
        .into_iter()
        .filter(|t| t.initialized)
        .map(|t| t.label)
        .collect();
    for l in [
        "p384 card AUTH",
        "p384 card SIGN",
        "rsa3072 card AUTH",
        "rsa3072 card SIGN",
    ] {
        assert!(labels.iter().any(|x| x == l), "{labels:?}");
    }
});

softhsm_test!(a_lost_activation_code_is_replaced_by_the_so, |module, _| {
    let card = Card::initialise(module, "card 0002", SO_PIN).unwrap();
    let first = card.activation_code().unwrap();
    card.generate_keys(KeyAlgorithm::EcdsaP256).unwrap();
    let opened = Card::open(module, "card 0002").unwrap();
    assert!(opened.activation_code().is_none());
    // Production needs the code: a card merely opened is not in production.
    assert_err(opened.write_certificate(CardKey::Auth, b"x"), |e| {
        matches!(e, KeyError::NotInProduction { .. })
    });
    let msg = assert_err(opened.new_activation_code("wrong-so-pin"), |e| {
        matches!(e, KeyError::WrongSoPin { .. })
    });
    assert!(
        msg.contains("wrong SO PIN for token \"card 0002 AUTH\""),
        "{msg}"
    );
    assert!(!msg.contains("wrong-so-pin"));
    let second = opened.new_activation_code(SO_PIN).unwrap();
    assert_ne!(first.expose_secret(), second.expose_secret());
    assert!(opened.activation_code().is_some());
    assert_err(opened.activate(first.expose_secret(), PIN1, PIN2), |e| {
        matches!(e, KeyError::WrongActivationCode { .. })
    });
    opened.activate(second.expose_secret(), PIN1, PIN2).unwrap();
    opened.sign(CardKey::Sign, PIN2, b"x").unwrap();
    // Forgotten PINs: a new code again; the old PINs stop working.
    let third = opened.new_activation_code(SO_PIN).unwrap();
    assert_err(opened.sign(CardKey::Sign, PIN2, b"x"), |e| {
        matches!(e, KeyError::WrongPin { .. })
    });
    opened
        .activate(third.expose_secret(), "5555", "66666")
        .unwrap();
    opened.sign(CardKey::Sign, "66666", b"x").unwrap();
    // The keys survived all of it.
    assert_eq!(opened.public_key(CardKey::Auth).unwrap().len(), 91);
});

softhsm_test!(pkcs11_signer_signs_and_verifies, |module, _| {
    init_hsm_token(module, "HSM");
    let message = b"to be signed by a CA key in an HSM";
    for (i, (key, sig)) in [
        (KeyAlgorithm::EcdsaP256, SignatureAlgorithm::EcdsaSha256),
        (KeyAlgorithm::EcdsaP384, SignatureAlgorithm::EcdsaSha384),
        (KeyAlgorithm::Rsa2048, SignatureAlgorithm::RsaPkcs1Sha256),
        (KeyAlgorithm::Rsa2048, SignatureAlgorithm::RsaPkcs1Sha512),
    ]
    .into_iter()
    .enumerate()
    {
        let label = format!("ca-key-{i}");
        let signer = Pkcs11Signer::generate(module, "HSM", &label, HSM_PIN, key, sig).unwrap();
        assert_eq!(signer.key_algorithm(), key);
        assert_eq!(signer.signature_algorithm(), sig);
        assert_eq!(signer.token_label(), "HSM");
        assert_eq!(signer.key_label(), label);
        let s = signer.sign(message).unwrap();
        verify(signer.public_key_spki(), sig, message, &s);
        // The digest path (CKM_ECDSA / DigestInfo + CKM_RSA_PKCS).
        let mut ctx = signer.digest_context();
        ctx.update(message);
        let s = signer.sign_digest(&ctx.finish()).unwrap();
        verify(signer.public_key_spki(), sig, message, &s);
        // Opened again by label, the same key.
        let again = Pkcs11Signer::open(module, "HSM", &label, HSM_PIN, sig).unwrap();
        assert_eq!(again.public_key_spki(), signer.public_key_spki());
        let msg = assert_err(
            Pkcs11Signer::generate(module, "HSM", &label, HSM_PIN, key, sig),
            |e| matches!(e, KeyError::KeyExists { .. }),
        );
        assert!(msg.contains(&label), "{msg}");
    }

    // Several threads at once on the session pool.
    let signer = Pkcs11Signer::open(
        module,
        "HSM",
        "ca-key-0",
        HSM_PIN,
        SignatureAlgorithm::EcdsaSha256,
    )
    .unwrap();
    let debug = format!("{signer:?}");
    assert!(
        debug.contains("ca-key-0") && !debug.contains(HSM_PIN),
        "{debug}"
    );
    let signer: Arc<dyn Signer> = Arc::new(signer);
    let rate =
        measure_sign_rate_threads(signer.clone(), message, Duration::from_millis(200), 4).unwrap();
    assert!(rate > 0.0);
    std::thread::scope(|s| {
        for t in 0..4u8 {
            let signer = signer.clone();
            s.spawn(move || {
                for i in 0..20u8 {
                    let msg = [t, i];
                    let sig = signer.sign(&msg).unwrap();
                    verify(
                        signer.public_key_spki(),
                        SignatureAlgorithm::EcdsaSha256,
                        &msg,
                        &sig,
                    );
                }
            });
        }
    });

    assert_err(
        Pkcs11Signer::open(
            module,
            "HSM",
            "ca-key-0",
            HSM_PIN,
            SignatureAlgorithm::EcdsaSha384,
        ),
        |e| matches!(e, KeyError::AlgorithmMismatch { .. }),
    );
    let msg = assert_err(
        Pkcs11Signer::open(
            module,
            "HSM",
            "no-such-key",
            HSM_PIN,
            SignatureAlgorithm::EcdsaSha256,
        ),
        |e| matches!(e, KeyError::KeyNotFound { .. }),
    );
    assert!(msg.contains("\"no-such-key\""), "{msg}");
    let msg = assert_err(
        Pkcs11Signer::open(
            module,
            "no HSM",
            "k",
            HSM_PIN,
            SignatureAlgorithm::EcdsaSha256,
        ),
        |e| matches!(e, KeyError::TokenNotFound { .. }),
    );
    assert!(msg.contains("\"HSM\""), "{msg}");
    // Once no signer holds the token's login, a wrong PIN is refused.
    drop(signer);
    let msg = assert_err(
        Pkcs11Signer::open(
            module,
            "HSM",
            "ca-key-0",
            "wrong-pin",
            SignatureAlgorithm::EcdsaSha256,
        ),
        |e| matches!(e, KeyError::WrongPin { .. }),
    );
    assert!(msg.starts_with("wrong user PIN for token \"HSM\""), "{msg}");

    // A card's signature key works through the same Signer.
    let card = Card::initialise(module, "card 0003", SO_PIN).unwrap();
    let keys = card.generate_keys(KeyAlgorithm::EcdsaP256).unwrap();
    let code = card.activation_code().unwrap();
    card.activate(code.expose_secret(), PIN1, PIN2).unwrap();
    let signer = Pkcs11Signer::open(
        module,
        &card.token_label(CardKey::Sign),
        CardKey::Sign.object_label(),
        PIN2,
        SignatureAlgorithm::EcdsaSha256,
    )
    .unwrap();
    assert_eq!(signer.public_key_spki(), keys.sign.as_slice());
    let s = signer.sign(message).unwrap();
    verify(&keys.sign, SignatureAlgorithm::EcdsaSha256, message, &s);
});

//! Signing prescriptions with the card and verifying them (issue 5 point 9,
//! R-SV, R-CARD-CERTS): cards produced on SoftHSM2 tokens for two prescribers
//! (P-256 and RSA 2048) and for a professional who may not prescribe (P-384, no
//! SV number), activated with their PINs; documents signed through PKCS#11 with
//! PIN2, verified by the CA's verifier and by `openssl cms -verify`. The
//! non-prescriber's prescription is refused with `prescription.no_sv_number`,
//! an authentication-key signature is refused, and a revoked card's signature
//! is refused. Runs SoftHSM2 in a child process with its own SOFTHSM2_CONF, as
//! card_production.rs does.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::Command;

use carepki_ca::authority::now_unix;
use carepki_ca::docsign::{DocumentPurpose, DocumentVerdict, VerifyOptions};
use carepki_keys::testing::on_softhsm;
use carepki_keys::{Card, CardKey, Pkcs11Module};
use carepki_ra::cards::docsign::sign_document;
use carepki_x509::KeyAlgorithm;
use carepki_x509::cms::Encapsulation;
use support::{
    PRESCRIBER, World, import_professionals, point_with_registrars, professional_order, world_on,
};

const SO_PIN: &str = "card-issuer-so-pin";
/// A professional with a valid right (profession 201) who may not prescribe:
/// no SV number in the example registers.
const NON_PRESCRIBER: &str = "99900000108";
/// Another prescriber (SV number 900102).
const PRESCRIBER_RSA: &str = "99900000102";
const PIN1: &str = "2468";
const PIN2: &str = "13579135";
const PRESCRIPTION: &[u8] = b"Resepti\nPotilas: 010101-123N\nAmoksisilliini 500 mg, 1 x 3, 7 vrk\n";

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Orders, produces on token `label` and activates a professional card for
/// `regno`: (order id, the card).
async fn card_for(
    w: &World,
    module: &Pkcs11Module,
    registrars: [i64; 2],
    point: i64,
    regno: &str,
    label: &str,
    alg: KeyAlgorithm,
) -> (i64, Card) {
    let now = now_unix();
    let order = w
        .cards
        .order(registrars[0], point, &professional_order(regno), now)
        .await
        .unwrap()
        .remove(0);
    w.cards
        .produce(registrars[1], order.id, module, label, SO_PIN, alg, now)
        .await
        .unwrap();
    let mail = w
        .store
        .claim_due_mail("test", now_unix() + 1, 60, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.dedupe_key == format!("card-activation:{}:1", order.id))
        .unwrap();
    let code = mail
        .body_text
        .lines()
        .find(|l| l.len() >= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap()
        .to_owned();
    w.cards
        .activate(order.id, module, &code, PIN1, PIN2, now)
        .await
        .unwrap();
    (order.id, Card::open(module, label).unwrap())
}

async fn verify(
    w: &World,
    doc: &[u8],
    content: Option<&[u8]>,
    purpose: DocumentPurpose,
) -> DocumentVerdict {
    w.cards
        .authority()
        .unwrap()
        .verify_document(
            doc,
            content,
            VerifyOptions {
                purpose,
                allow_test_hierarchy: false,
            },
            now_unix(),
        )
        .await
        .unwrap()
}

fn refused(v: &DocumentVerdict) -> &'static str {
    assert!(!v.accepted, "accepted: {v:#?}");
    v.refusal.as_ref().unwrap().code
}

#[test]
fn prescriptions_signed_on_softhsm() {
    on_softhsm("prescriptions_signed_on_softhsm", |module, _dir| {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(prescriptions(module));
    });
}

async fn prescriptions(module: &Pkcs11Module) {
    let (store, guard) = carepki_store::testing::sqlite_store().await;
    let w = world_on(store, guard).await;
    import_professionals(&w.store).await;
    let (point, registrars) = point_with_registrars(&w).await;
    let (prescriber_order, prescriber) = card_for(
        &w,
        module,
        registrars,
        point,
        PRESCRIBER,
        "RX1",
        KeyAlgorithm::EcdsaP256,
    )
    .await;
    let (_, nurse) = card_for(
        &w,
        module,
        registrars,
        point,
        NON_PRESCRIBER,
        "NURSE1",
        KeyAlgorithm::EcdsaP384,
    )
    .await;
    let (_, rsa) = card_for(
        &w,
        module,
        registrars,
        point,
        PRESCRIBER_RSA,
        "RX2",
        KeyAlgorithm::Rsa2048,
    )
    .await;
    let now = now_unix();

    // The prescriber's prescription, signed with PIN2 on the token: accepted as
    // a prescription, with the signer's facts.
    let rx = sign_document(
        &prescriber,
        CardKey::Sign,
        PIN2,
        PRESCRIPTION,
        Encapsulation::Encapsulated,
        now,
    )
    .unwrap();
    let v = verify(&w, &rx, None, DocumentPurpose::Prescription).await;
    assert!(v.accepted, "{v:#?}");
    let signer = v.signer.as_ref().unwrap();
    assert_eq!(signer.sv_number.as_deref(), Some("900101"));
    assert_eq!(signer.holder_number.as_deref(), Some(PRESCRIBER));
    assert_eq!(signer.ca.as_deref(), Some("professionals"));
    assert_eq!(
        signer.profile.as_deref(),
        Some("card-professional-signature")
    );
    assert_eq!(v.signature_algorithm.as_deref(), Some("ecdsa-with-SHA256"));
    for check in [
        "signature",
        "chain",
        "validity",
        "revocation",
        "usage",
        "prescription",
    ] {
        assert!(v.check(check).unwrap().passed, "{check}: {v:#?}");
    }

    // Detached, too; the wrong content is refused.
    let detached = sign_document(
        &prescriber,
        CardKey::Sign,
        PIN2,
        PRESCRIPTION,
        Encapsulation::Detached,
        now,
    )
    .unwrap();
    let v = verify(
        &w,
        &detached,
        Some(PRESCRIPTION),
        DocumentPurpose::Prescription,
    )
    .await;
    assert!(v.accepted, "{v:#?}");
    let v = verify(
        &w,
        &detached,
        Some(b"Resepti\nAmoksisilliini 750 mg"),
        DocumentPurpose::Prescription,
    )
    .await;
    assert_eq!(refused(&v), "document.digest_mismatch");

    // A wrong PIN2 is refused by the token, and nothing is produced.
    let e = sign_document(
        &prescriber,
        CardKey::Sign,
        "9999",
        PRESCRIPTION,
        Encapsulation::Encapsulated,
        now,
    )
    .unwrap_err();
    assert_eq!(e.code, "card.wrong_pin");

    // openssl verifies what we produce, with all our CA certificates as anchors
    // (encapsulated and detached, ECDSA P-256 and RSA).
    let tmp = w.dir.path();
    let mut cas = String::new();
    for ca in w.cards.authority().unwrap().cas().values() {
        cas.push_str(&ca.pem);
    }
    std::fs::write(tmp.join("cas.pem"), cas).unwrap();
    std::fs::write(tmp.join("rx.p7s"), &rx).unwrap();
    std::fs::write(tmp.join("rx-detached.p7s"), &detached).unwrap();
    std::fs::write(tmp.join("rx.txt"), PRESCRIPTION).unwrap();
    let rsa_rx = sign_document(
        &rsa,
        CardKey::Sign,
        PIN2,
        PRESCRIPTION,
        Encapsulation::Encapsulated,
        now,
    )
    .unwrap();
    std::fs::write(tmp.join("rx-rsa.p7s"), &rsa_rx).unwrap();
    let v = verify(&w, &rsa_rx, None, DocumentPurpose::Prescription).await;
    assert!(v.accepted, "{v:#?}");
    assert_eq!(
        v.signature_algorithm.as_deref(),
        Some("sha256WithRSAEncryption")
    );
    let verify_args = |file: &'static str, content: bool| {
        let mut args = vec![
            "cms", "-verify", "-binary", "-inform", "DER", "-in", file, "-CAfile", "cas.pem",
            "-purpose", "any", "-out", "out.txt",
        ];
        if content {
            args.extend(["-content", "rx.txt"]);
        }
        args
    };
    for (file, content) in [
        ("rx.p7s", false),
        ("rx-detached.p7s", true),
        ("rx-rsa.p7s", false),
    ] {
        let (ok, out) = openssl(&verify_args(file, content), tmp);
        assert!(
            ok && out.contains("Verification successful"),
            "{file}: {out}"
        );
        assert_eq!(std::fs::read(tmp.join("out.txt")).unwrap(), PRESCRIPTION);
    }
    // ... and refuses a changed document (so the check above can fail).
    let mut changed = rx.clone();
    let at = changed
        .windows(PRESCRIPTION.len())
        .position(|w| w == PRESCRIPTION)
        .unwrap();
    changed[at + 40] ^= 0x01;
    std::fs::write(tmp.join("changed.p7s"), &changed).unwrap();
    let (ok, out) = openssl(&verify_args("changed.p7s", false), tmp);
    assert!(!ok, "{out}");
    let v = verify(&w, &changed, None, DocumentPurpose::Prescription).await;
    assert_eq!(refused(&v), "document.digest_mismatch");

    // The non-prescriber's card: refused as a prescription (R-SV), accepted as
    // a plain document.
    let nurse_rx = sign_document(
        &nurse,
        CardKey::Sign,
        PIN2,
        PRESCRIPTION,
        Encapsulation::Encapsulated,
        now,
    )
    .unwrap();
    let v = verify(&w, &nurse_rx, None, DocumentPurpose::Prescription).await;
    assert_eq!(refused(&v), "prescription.no_sv_number");
    let message = &v.refusal.as_ref().unwrap().message;
    assert!(
        message.contains("R-SV") && message.contains(NON_PRESCRIBER),
        "{message}"
    );
    assert!(v.check("signature").unwrap().passed);
    assert!(v.check("revocation").unwrap().passed);
    let e = v.clone().into_result().unwrap_err();
    assert!(
        matches!(
            e,
            carepki_ca::CaError::DocumentRefused {
                code: "prescription.no_sv_number",
                ..
            }
        ),
        "{e}"
    );
    let v = verify(&w, &nurse_rx, None, DocumentPurpose::Document).await;
    assert!(v.accepted, "{v:#?}");
    assert_eq!(v.signature_algorithm.as_deref(), Some("ecdsa-with-SHA384"));
    assert_eq!(v.signer.as_ref().unwrap().sv_number, None);

    // Signed with the AUTHENTICATION key and certificate (PIN1): no
    // nonRepudiation, refused for any document.
    let auth_doc = sign_document(
        &prescriber,
        CardKey::Auth,
        PIN1,
        PRESCRIPTION,
        Encapsulation::Encapsulated,
        now,
    )
    .unwrap();
    for purpose in [DocumentPurpose::Document, DocumentPurpose::Prescription] {
        let v = verify(&w, &auth_doc, None, purpose).await;
        assert_eq!(refused(&v), "certificate.not_for_signing", "{v:#?}");
        assert!(v.check("signature").unwrap().passed);
    }

    // After the prescriber's card is revoked, his prescription is refused as
    // revoked; the other cards' signatures still pass (R-STATUS-TRUTH).
    w.cards
        .revoke_card(
            registrars[0],
            prescriber_order,
            carepki_x509::revocation::RevocationReason::KeyCompromise,
            now,
        )
        .await
        .unwrap();
    for purpose in [DocumentPurpose::Document, DocumentPurpose::Prescription] {
        let v = verify(&w, &rx, None, purpose).await;
        assert_eq!(refused(&v), "certificate.revoked", "{v:#?}");
        assert!(v.refusal.unwrap().message.contains("keyCompromise"));
    }
    let v = verify(&w, &rsa_rx, None, DocumentPurpose::Prescription).await;
    assert!(v.accepted, "{v:#?}");
    let v = verify(&w, &nurse_rx, None, DocumentPurpose::Document).await;
    assert!(v.accepted, "{v:#?}");
}

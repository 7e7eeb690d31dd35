//! A card end to end on SoftHSM2 (issue 5): a point with two approved registrars
//! orders a professional card for a prescriber, produces it on a token, the holder
//! activates it and signs with PIN2, the registrar revokes it and OCSP answers
//! revoked for both certificates. Runs SoftHSM2 in a child process with its own
//! SOFTHSM2_CONF, as crates/keys/tests/pkcs11.rs does.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::Command;

use carepki_ca::authority::now_unix;
use carepki_keys::testing::on_softhsm;
use carepki_keys::{Card, CardKey, Pkcs11Module};
use carepki_x509::KeyAlgorithm;
use support::{
    PRESCRIBER, import_professionals, point_with_registrars, professional_order, user, world_on,
};

const SO_PIN: &str = "card-issuer-so-pin";

fn openssl(args: &[&str], dir: &Path) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

#[test]
fn card_end_to_end_on_softhsm() {
    on_softhsm("card_end_to_end_on_softhsm", |module, _dir| {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(end_to_end(module));
    });
}

async fn end_to_end(module: &Pkcs11Module) {
    let (store, guard) = carepki_store::testing::sqlite_store().await;
    let w = world_on(store, guard).await;
    import_professionals(&w.store).await;
    let now = now_unix();
    let (point, [reg1, reg2]) = point_with_registrars(&w).await;
    let order = w
        .cards
        .order(reg1, point, &professional_order(PRESCRIBER), now)
        .await
        .unwrap()
        .remove(0);

    // Registrar of another point may not produce it.
    let stranger = user(&w.store, "Vieras").await;
    let e = w
        .cards
        .produce(
            stranger,
            order.id,
            module,
            "CARD1",
            SO_PIN,
            KeyAlgorithm::EcdsaP256,
            now,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "registrar.not_of_point");

    let produced = w
        .cards
        .produce(
            reg2,
            order.id,
            module,
            "CARD1",
            SO_PIN,
            KeyAlgorithm::EcdsaP256,
            now,
        )
        .await
        .unwrap();
    assert_eq!(produced.state, "produced");

    // A token that already holds keys is refused; the other order stays ordered.
    let other = w
        .cards
        .order(reg1, point, &professional_order("99900000102"), now)
        .await
        .unwrap()
        .remove(0);
    let e = w
        .cards
        .produce(
            reg1,
            other.id,
            module,
            "CARD1",
            SO_PIN,
            KeyAlgorithm::EcdsaP256,
            now,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "card.token_holds_keys");
    assert_eq!(
        w.store.card_order(other.id).await.unwrap().unwrap().state,
        "ordered"
    );

    // The registers are read again at production, before the token is
    // touched: a right that ended since the order refuses it, and so does an
    // SV number that changed (R-CARD-TYPES, R-SV). Both orders stay ordered
    // and the blank token "CARD2" is never initialised.
    let third = w
        .cards
        .order(reg1, point, &professional_order("99900000103"), now)
        .await
        .unwrap()
        .remove(0);
    let mut registers: serde_json::Value =
        serde_json::from_str(support::PROFESSIONALS_JSON).unwrap();
    for p in registers.as_array_mut().unwrap() {
        match p["registration_number"].as_str().unwrap() {
            "99900000102" => {
                for r in p["professions"].as_array_mut().unwrap() {
                    r["valid_until"] = "2001-01-01".into();
                }
            }
            "99900000103" => p["sv_number"] = "900199".into(),
            _ => {}
        }
    }
    support::sync_professionals_json(&w.store, &registers.to_string()).await;
    for (o, code) in [
        (&other, "order.no_valid_right"),
        (&third, "order.registers_changed"),
    ] {
        let e = w
            .cards
            .produce(
                reg1,
                o.id,
                module,
                "CARD2",
                SO_PIN,
                KeyAlgorithm::EcdsaP256,
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, code, "{e:?}");
        assert_eq!(
            w.store.card_order(o.id).await.unwrap().unwrap().state,
            "ordered"
        );
    }
    let e = w
        .cards
        .produce(
            reg1,
            third.id,
            module,
            "CARD2",
            SO_PIN,
            KeyAlgorithm::EcdsaP256,
            now,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.problems,
        ["SV number: \"900103\" at ordering, \"900199\" now"]
    );
    assert!(
        Card::open(module, "CARD2").is_err(),
        "a refused production must not initialise the token"
    );

    // Both certificates on the token; openssl verify both.
    let card = Card::open(module, "CARD1").unwrap();
    let tmp = w.dir.path();
    let mut all = String::new();
    for ca in w.cards.authority().unwrap().cas().values() {
        all.push_str(&ca.pem);
    }
    std::fs::write(tmp.join("cas.pem"), all).unwrap();
    for (which, file) in [(CardKey::Auth, "auth.pem"), (CardKey::Sign, "sign.pem")] {
        let der = card.certificate(which).unwrap().unwrap();
        std::fs::write(tmp.join(file), pem(&der)).unwrap();
        let out = openssl(&["verify", "-x509_strict", "-CAfile", "cas.pem", file], tmp);
        assert!(out.contains(": OK"), "{file}: {out}");
    }
    // The SV number in pseudonym (R-SV).
    let subject = openssl(
        &[
            "x509", "-in", "sign.pem", "-noout", "-subject", "-nameopt", "oneline",
        ],
        tmp,
    );
    assert!(subject.contains("pseudonym = 900101"), "{subject}");

    // The activation code came by mail, separately.
    let mail = w
        .store
        .claim_due_mail("test", now_unix() + 1, 60, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.dedupe_key == format!("card-activation:{}:1", order.id))
        .unwrap();
    assert_eq!(mail.recipient, "aino@example.fi");
    let code = mail
        .body_text
        .lines()
        .find(|l| l.len() >= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap()
        .to_owned();
    // Wrong PIN formats.
    for (p1, p2) in [("12", "5678"), ("1234", "12345678901"), ("12a4", "5678")] {
        let e = w
            .cards
            .activate(order.id, module, &code, p1, p2, now)
            .await
            .unwrap_err();
        assert_eq!(e.code, "card.pin_format", "{p1} {p2}");
    }
    let act = w
        .cards
        .activate(order.id, module, &code, "2468", "13579135", now)
        .await
        .unwrap();
    assert_eq!(act.state, "activated");

    // Signing with PIN2 verifies against the signature certificate.
    let msg = b"Resepti: Amoksisilliini 500 mg";
    let sig = card.sign(CardKey::Sign, "13579135", msg).unwrap();
    std::fs::write(tmp.join("msg"), msg).unwrap();
    std::fs::write(tmp.join("sig"), &sig).unwrap();
    let pubkey = openssl(&["x509", "-in", "sign.pem", "-noout", "-pubkey"], tmp);
    std::fs::write(tmp.join("pub.pem"), pubkey).unwrap();
    let out = openssl(
        &[
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig",
            "msg",
        ],
        tmp,
    );
    assert!(out.contains("Verified OK"), "{out}");

    // Revocation of both, by the registrar; OCSP answers revoked for both.
    let revoked = w
        .cards
        .revoke_card(
            reg1,
            order.id,
            carepki_x509::revocation::RevocationReason::Superseded,
            now,
        )
        .await
        .unwrap();
    assert_eq!(revoked.state, "revoked");
    let ocsp = carepki_ca::ocsp::OcspService::start(w.cards.authority().unwrap().clone())
        .await
        .unwrap();
    ocsp.apply_changes().await.unwrap();
    let cas: Vec<String> = w
        .cards
        .authority()
        .unwrap()
        .cas()
        .values()
        .map(|c| c.pem.clone())
        .collect();
    for file in ["auth.pem", "sign.pem"] {
        let mut statuses = Vec::new();
        for ca in &cas {
            std::fs::write(tmp.join("issuer.pem"), ca).unwrap();
            openssl(
                &[
                    "ocsp",
                    "-issuer",
                    "issuer.pem",
                    "-cert",
                    file,
                    "-no_nonce",
                    "-reqout",
                    "req.der",
                ],
                tmp,
            );
            let req = std::fs::read(tmp.join("req.der")).unwrap();
            let answer = ocsp.respond(&req, now_unix()).await;
            std::fs::write(tmp.join("resp.der"), &answer.body).unwrap();
            statuses.push(openssl(
                &["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"],
                tmp,
            ));
        }
        assert!(
            statuses.iter().any(|t| t.contains("Cert Status: revoked")),
            "{file}: {statuses:?}"
        );
        assert!(
            !statuses.iter().any(|t| t.contains("Cert Status: good")),
            "{file}"
        );
    }
}

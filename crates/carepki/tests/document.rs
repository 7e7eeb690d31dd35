//! `carepki document verify` end to end (issue 5 point 9, R-SV): a data
//! directory made by `carepki init`; two card certificate pairs issued in
//! process by the CA (software keys: the token is not the subject here, see
//! crates/ra/tests/document_signing.rs for the card on SoftHSM2), one for a
//! prescriber with the SV number and one for a professional without it;
//! documents signed with their signature keys; then the binary verifies them,
//! refuses the non-prescriber's prescription with `prescription.no_sv_number`
//! (exit 1), and refuses the prescriber's after `carepki revoke`.
#![allow(clippy::unwrap_used)]

#[allow(dead_code, unreachable_pub)]
#[path = "cli/support.rs"]
mod support;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use carepki_ca::authority::now_unix;
use carepki_ca::{Authority, CardIssueRequest, DataDir};
use carepki_keys::testing::on_softhsm;
use carepki_keys::{Card, CardKey, Passphrase, Pkcs11Module, SOFTHSM2_MODULE};
use carepki_policy::CardKind;
use carepki_policy::card::HolderFacts;
use carepki_x509::cms::{Encapsulation, prepare};
use carepki_x509::{KeyAlgorithm, SignatureAlgorithm};
use support::{Pki, s};

const PRESCRIPTION: &[u8] = b"Resepti\nAmoksisilliini 500 mg, 1 x 3, 7 vrk\n";

struct Signer {
    key: EcdsaKeyPair,
    cert: Vec<u8>,
    serial: String,
}

impl Signer {
    fn sign(&self, content: &[u8], encapsulation: Encapsulation) -> Vec<u8> {
        let plan = prepare(
            content,
            &self.cert,
            SignatureAlgorithm::EcdsaSha256,
            now_unix(),
            encapsulation,
        )
        .unwrap();
        let sig = self
            .key
            .sign(&SystemRandom::new(), plan.to_be_signed())
            .unwrap();
        plan.assemble(sig.as_ref()).unwrap()
    }
}

fn key() -> (EcdsaKeyPair, Vec<u8>) {
    let k = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let spki = k.public_key().as_der().unwrap().as_ref().to_vec();
    (k, spki)
}

/// Issues a professional card's two certificates; the signature key's signer.
async fn card(authority: &Authority, n: u32, holder: &str, sv: Option<&str>) -> Signer {
    let (_, auth_spki) = key();
    let (sign_key, sign_spki) = key();
    let req = CardIssueRequest {
        card_id: format!("cli-doc-{n}"),
        kind: CardKind::Professional,
        replaces: None,
        holder: HolderFacts {
            given_name: "Aino".into(),
            surname: ["Lääkäri", "Hoitaja"][n as usize % 2].into(),
            holder_number: holder.into(),
            title: "Lääkäri".into(),
            prescriber: sv.is_some(),
            sv_number: sv.map(str::to_owned),
        },
        org_oid: None,
        days: None,
        authentication_spki: auth_spki,
        signature_spki: sign_spki,
        actor: "test".into(),
    };
    let (_, sign) = authority.issue_card(&req).await.unwrap();
    Signer {
        key: sign_key,
        cert: sign.der,
        serial: sign.serial,
    }
}

#[test]
fn document_verify_on_the_command_line() {
    let pki = Pki::init(&[]);
    let (prescriber, nurse) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let dir = DataDir::new(&pki.data);
        let store = carepki_store::Store::open_sqlite_path(&dir.sqlite_file())
            .await
            .unwrap();
        let passphrase = Passphrase::from_env_or_file(&dir.passphrase_file()).unwrap();
        let authority = Authority::open(dir, store.clone(), passphrase)
            .await
            .unwrap();
        let prescriber = card(&authority, 1, "99900000101", Some("900101")).await;
        let nurse = card(&authority, 2, "99900000108", None).await;
        store.close().await;
        (prescriber, nurse)
    });
    let write = |name: &str, bytes: &[u8]| {
        let p = pki.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let rx = write(
        "rx.p7s",
        &prescriber.sign(PRESCRIPTION, Encapsulation::Encapsulated),
    );
    let detached = write(
        "rx-detached.p7s",
        &prescriber.sign(PRESCRIPTION, Encapsulation::Detached),
    );
    let content = write("rx.txt", PRESCRIPTION);
    let nurse_rx = write(
        "nurse.p7s",
        &nurse.sign(PRESCRIPTION, Encapsulation::Encapsulated),
    );

    // The prescriber's prescription is accepted, encapsulated and detached.
    let out = pki
        .run(&["document", "verify", s(&rx), "--prescription"])
        .ok();
    assert!(
        out.stdout.contains("ACCEPTED as a prescription"),
        "{}",
        out.describe()
    );
    assert!(out.stdout.contains("900101"), "{}", out.describe());
    pki.run(&[
        "document",
        "verify",
        s(&detached),
        "--content",
        s(&content),
        "--prescription",
    ])
    .ok();
    // A detached signature without its content is refused (exit 1).
    pki.run(&["document", "verify", s(&detached)])
        .refused(&["document.content", "--content"]);

    // The non-prescriber's: refused as a prescription (R-SV), exit 1; accepted
    // as a document.
    let out = pki
        .run(&["document", "verify", s(&nurse_rx), "--prescription"])
        .refused(&["prescription.no_sv_number", "R-SV"]);
    assert!(
        out.stdout.contains("REFUSED as a prescription"),
        "{}",
        out.describe()
    );
    let out = pki.run(&[
        "document",
        "verify",
        s(&nurse_rx),
        "--prescription",
        "--json",
    ]);
    assert!(!out.success(), "{}", out.describe());
    let v = out.json();
    assert_eq!(v["accepted"], false);
    assert_eq!(v["refusal"]["code"], "prescription.no_sv_number");
    assert_eq!(v["signer"]["holder_number"], "99900000108");
    pki.run(&["document", "verify", s(&nurse_rx)]).ok();

    // Garbage is refused, not crashed on.
    let junk = write("junk.p7s", b"not a signed document");
    pki.run(&["document", "verify", s(&junk)])
        .refused(&["document.malformed"]);

    // Revoked: refused.
    pki.run(&["revoke", &prescriber.serial, "--reason", "keyCompromise"])
        .ok();
    pki.run(&["document", "verify", s(&rx), "--prescription"])
        .refused(&["certificate.revoked"]);
    pki.run(&["document", "verify", s(&nurse_rx)]).ok();
}

#[test]
fn document_sign_on_softhsm() {
    on_softhsm("document_sign_on_softhsm", |module, _| {
        sign_with_card(module)
    });
}

/// A prescriber's card produced on a token in process; then `carepki document
/// sign` signs with it (PIN2 from CAREPKI_PIN2, then from stdin), and
/// `carepki document verify --prescription` accepts what it wrote.
fn sign_with_card(module: &Pkcs11Module) {
    let pki = Pki::init(&[]);
    let card = Card::initialise(module, "CLIRX", "so-pin-1234").unwrap();
    let keys = card.generate_keys(KeyAlgorithm::EcdsaP256).unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let dir = DataDir::new(&pki.data);
        let store = carepki_store::Store::open_sqlite_path(&dir.sqlite_file())
            .await
            .unwrap();
        let passphrase = Passphrase::from_env_or_file(&dir.passphrase_file()).unwrap();
        let authority = Authority::open(dir, store.clone(), passphrase)
            .await
            .unwrap();
        let req = CardIssueRequest {
            card_id: "cli-card".into(),
            kind: CardKind::Professional,
            replaces: None,
            holder: HolderFacts {
                given_name: "Aino".into(),
                surname: "Lääkäri".into(),
                holder_number: "99900000101".into(),
                title: "Lääkäri".into(),
                prescriber: true,
                sv_number: Some("900101".into()),
            },
            org_oid: None,
            days: None,
            authentication_spki: keys.get(CardKey::Auth).to_vec(),
            signature_spki: keys.get(CardKey::Sign).to_vec(),
            actor: "test".into(),
        };
        let (auth, sign) = authority.issue_card(&req).await.unwrap();
        card.write_certificate(CardKey::Auth, &auth.der).unwrap();
        card.write_certificate(CardKey::Sign, &sign.der).unwrap();
        store.close().await;
    });
    let code = card.activation_code().unwrap();
    card.activate(code.expose_secret(), "2468", "13579135")
        .unwrap();
    let content = pki.path("rx.txt");
    std::fs::write(&content, PRESCRIPTION).unwrap();
    let sign_args = |out: &str| {
        vec![
            "document".to_owned(),
            "sign".to_owned(),
            "--module".to_owned(),
            SOFTHSM2_MODULE.to_owned(),
            "--card".to_owned(),
            "CLIRX".to_owned(),
            "--content".to_owned(),
            s(&content).to_owned(),
            "--out".to_owned(),
            s(&pki.path(out)).to_owned(),
        ]
    };
    let args = sign_args("env.p7s");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // PIN2 from the environment.
    let mut cmd = pki.command(&args);
    cmd.env("CAREPKI_PIN2", "13579135");
    let out = support::run(cmd).ok();
    assert!(!out.stdout.contains("13579135") && !out.stderr.contains("13579135"));
    pki.run(&[
        "document",
        "verify",
        s(&pki.path("env.p7s")),
        "--prescription",
    ])
    .ok();
    // The output file exists now: refused, not overwritten.
    let mut cmd = pki.command(&args);
    cmd.env("CAREPKI_PIN2", "13579135");
    support::run(cmd).refused(&["exists already"]);
    // A wrong PIN2: the token refuses; nothing written.
    let wrong = sign_args("wrong.p7s");
    let wrong: Vec<&str> = wrong.iter().map(String::as_str).collect();
    let mut cmd = pki.command(&wrong);
    cmd.env("CAREPKI_PIN2", "9999");
    support::run(cmd).refused(&["card.wrong_pin"]);
    assert!(!pki.path("wrong.p7s").exists());

    // PIN2 from standard input, detached.
    let stdin_args = sign_args("stdin.p7s");
    let mut stdin_args: Vec<&str> = stdin_args.iter().map(String::as_str).collect();
    stdin_args.push("--detached");
    let mut child = pki
        .command(&stdin_args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"13579135\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    pki.run(&[
        "document",
        "verify",
        s(&pki.path("stdin.p7s")),
        "--content",
        s(&content),
        "--prescription",
    ])
    .ok();
}

//! `carepki station` (issue 5, points 4 and 7): a registrar produces a card on a
//! real SoftHSM2 token, the holder activates it with PINs given on standard
//! input, a lost code is replaced, and the registrar revokes both certificates.
//! The order and the registration point come from the other card commands;
//! the registrars are e-service users made in the data directory's database.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use carepki_store::{NewUser, Store};
use serde_json::Value;

use crate::support::{Pki, examples_file, s};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const ORG: &str = "1.2.246.10.97835177.10.0";
const PRESCRIBER: &str = "99900000101";
const SO_PIN: &str = "station-so-pin-1234";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

/// Two e-service users (the registrars), made in the data directory's SQLite
/// database as a sign-in would.
async fn two_users(db: &Path) -> [i64; 2] {
    let store = Store::open_sqlite_path(db).await.unwrap();
    let mut ids = [0; 2];
    for (i, name) in ["Rekisteröijä Yksi", "Rekisteröijä Kaksi"]
        .iter()
        .enumerate()
    {
        ids[i] = store
            .create_user(
                &NewUser {
                    subject_hash: carepki_store::subject_hash(&[9u8; 32], name),
                    display_name: (*name).into(),
                    email: format!("registrar{i}@example.fi"),
                    language: "fi".into(),
                },
                "test",
                1,
            )
            .await
            .unwrap()
            .id;
    }
    store.close().await;
    ids
}

/// The newest activation code mailed for `order` (from the outbox).
async fn activation_code(db: &Path, order: i64, n: i64) -> String {
    let store = Store::open_sqlite_path(db).await.unwrap();
    let mail = store
        .claim_due_mail("test", i64::MAX / 2, 60, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.dedupe_key == format!("card-activation:{order}:{n}"))
        .unwrap_or_else(|| panic!("no activation mail {n} for order {order}"));
    store.close().await;
    mail.body_text
        .lines()
        .find(|l| l.len() >= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap()
        .to_owned()
}

/// Runs `cmd` with `input` on its standard input: (success, stdout, stderr).
fn run_with_stdin(mut cmd: Command, input: &str) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registrar_produces_activates_and_revokes_a_card_on_softhsm() {
    if !Path::new(MODULE).exists() {
        assert!(
            std::env::var("CAREPKI_REQUIRE_SOFTHSM").as_deref() != Ok("1"),
            "{MODULE} is missing and CAREPKI_REQUIRE_SOFTHSM=1"
        );
        eprintln!("note: skipping: {MODULE} is missing (apt-get install softhsm2)");
        return;
    }
    let mut pki = Pki::init(&[]);
    pki.run(&[
        "professionals",
        "import",
        s(&examples_file().with_file_name("professionals.json")),
    ])
    .ok();
    let [reg1, reg2] = two_users(&pki.data.join("carepki.db")).await;

    // SoftHSM2 with a token directory of this test's own, for every command.
    let tokens = pki.path("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = pki.path("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    pki.envs.push(("SOFTHSM2_CONF".into(), s(&conf).into()));

    let point = pki
        .run(&[
            "regpoint",
            "create",
            "--org",
            ORG,
            "--name",
            "Keskussairaala",
            "--agreement-accepted",
            "--json",
        ])
        .ok()
        .json()["id"]
        .as_i64()
        .unwrap();
    std::fs::write(pki.path("training.pdf"), PDF).unwrap();
    for user in [reg1, reg2] {
        let r = pki
            .run(&[
                "registrar",
                "add",
                "--point",
                &point.to_string(),
                "--user",
                &user.to_string(),
                "--training",
                s(&pki.path("training.pdf")),
                "--json",
            ])
            .ok()
            .json();
        pki.run(&["registrar", "approve", &r["id"].to_string()])
            .ok();
    }
    let order: Value = pki
        .run(&[
            "card",
            "order",
            "--point",
            &point.to_string(),
            "--registrar-user",
            &reg1.to_string(),
            "--kind",
            "professional",
            "--holder-number",
            PRESCRIBER,
            "--document-type",
            "passport",
            "--document-number",
            "XP1234567",
            "--document-country",
            "FI",
            "--document-expires",
            "2035-01-31",
            "--email",
            "aino@example.fi",
            "--json",
        ])
        .ok()
        .json();
    let order = order[0]["id"].as_i64().unwrap().to_string();
    let (reg1, reg2) = (reg1.to_string(), reg2.to_string());

    // No SO PIN: refused before the token is touched, and it says how to give one.
    let run = crate::support::run(pki.command(&[
        "station",
        "produce",
        &order,
        "--registrar-user",
        &reg1,
        "--module",
        MODULE,
        "--label",
        "CARD1",
    ]));
    run.refused(&["CAREPKI_CARD_SO_PIN"]);

    // Produce: keys on the token, both certificates issued and written.
    let mut cmd = pki.command(&[
        "station",
        "produce",
        &order,
        "--registrar-user",
        &reg1,
        "--module",
        MODULE,
        "--label",
        "CARD1",
        "--json",
    ]);
    cmd.env("CAREPKI_CARD_SO_PIN", SO_PIN);
    let produced = crate::support::run(cmd).ok();
    assert!(!produced.stdout.contains(SO_PIN) && !produced.stderr.contains(SO_PIN));
    let produced = produced.json();
    assert_eq!(produced["state"], "produced");
    let auth = produced["auth_serial"].as_str().unwrap().to_owned();
    let sign = produced["sign_serial"].as_str().unwrap().to_owned();
    for serial in [&auth, &sign] {
        let cert = pki.run(&["cert", "show", serial, "--json"]).ok().json();
        assert_eq!(cert["status"], "valid", "{cert}");
    }
    // Both certificates are on the card (OpenSC's pkcs11-tool reads them back).
    if let Ok(out) = Command::new("pkcs11-tool")
        .args([
            "--module",
            MODULE,
            "--list-objects",
            "--token-label",
            "CARD1 SIGN",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Certificate Object"), "{text}");
    }

    // Hand-over: the identity is checked again; once only; audited as the registrar.
    let hand_over = |who: &str, expires: &str| {
        crate::support::run(pki.command(&[
            "station",
            "hand-over",
            &order,
            "--registrar-user",
            who,
            "--document-type",
            "passport",
            "--document-number",
            "XP1234567",
            "--document-country",
            "FI",
            "--document-expires",
            expires,
            "--json",
        ]))
    };
    hand_over(&reg2, "2001-01-01").refused(&["order.identity_expired"]);
    let handed = hand_over(&reg2, "2031-12-31").ok().json();
    assert_eq!(handed["detail"]["handed_over_by"], format!("user:{reg2}"));
    assert_eq!(
        handed["detail"]["hand_over_identity"]["same_document_as_order"],
        true
    );
    hand_over(&reg1, "2031-12-31").refused(&["card.handed_over", "once"]);

    // Activation: a wrong PIN format changes nothing; PINs on stdin work.
    let db = pki.data.join("carepki.db");
    let code = activation_code(&db, order.parse().unwrap(), 1).await;
    let (ok, _, err) = run_with_stdin(
        pki.command(&["station", "activate", &order, "--module", MODULE]),
        &format!("{code}\n12\n13579135\n"),
    );
    assert!(!ok && err.contains("card.pin_format"), "{err}");
    assert!(!err.contains(&code), "the code must not be printed");
    let (ok, out, err) = run_with_stdin(
        pki.command(&["station", "activate", &order, "--module", MODULE, "--json"]),
        &format!("{code}\n2468\n13579135\n"),
    );
    assert!(ok, "{out}{err}");
    let activated: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(activated["state"], "activated");
    assert!(!out.contains("13579135") && !err.contains("13579135"));

    // A lost code: a new one is mailed, and the card waits for activation again.
    let mut cmd = pki.command(&[
        "station",
        "new-code",
        &order,
        "--registrar-user",
        &reg2,
        "--module",
        MODULE,
        "--json",
    ]);
    cmd.env("CAREPKI_CARD_SO_PIN", SO_PIN);
    assert_eq!(crate::support::run(cmd).ok().json()["state"], "produced");
    let code2 = activation_code(&db, order.parse().unwrap(), 2).await;
    assert_ne!(code, code2);
    let mut cmd = pki.command(&["station", "activate", &order, "--module", MODULE]);
    cmd.env("CAREPKI_CARD_ACTIVATION_CODE", &code2)
        .env("CAREPKI_CARD_PIN1", "1111")
        .env("CAREPKI_CARD_PIN2", "22222222");
    crate::support::run(cmd).ok();

    // Revocation by the other registrar: both certificates, final.
    let revoked = pki
        .run(&[
            "station",
            "revoke",
            &order,
            "--registrar-user",
            &reg2,
            "--reason",
            "keyCompromise",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(revoked["state"], "revoked");
    for serial in [&auth, &sign] {
        let cert = pki.run(&["cert", "show", serial, "--json"]).ok().json();
        assert_eq!(cert["status"], "revoked", "{cert}");
    }
    pki.run(&[
        "station",
        "revoke",
        &order,
        "--registrar-user",
        &reg1,
        "--reason",
        "keyCompromise",
    ])
    .refused(&["card.already_revoked"]);
    // A made card cannot be cancelled, only revoked.
    pki.run(&[
        "station",
        "cancel",
        &order,
        "--registrar-user",
        &reg1,
        "--reason",
        "tilattu väärin",
    ])
    .refused(&["card.not_ordered"]);
    let shown = pki.run(&["station", "show", &order]).ok();
    assert!(shown.stdout.contains("revoked") && shown.stdout.contains("CARD1"));
}

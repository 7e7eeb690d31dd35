//! `carepki card find` and bulk revocation (issue 5, point 8; R-SV): the
//! 2023 incident seeded as it happened (professional cards issued while their
//! holders were not prescribers, then registers re-imported in which they are,
//! with SV numbers), next to correct cards; `card find --missing-sv` must
//! name exactly the faulty ones, and a bulk revoke must leave both of their
//! certificates revoked and the others valid.
//!
//! The cards are made in process with software keys (the token is not the
//! subject here): the same `CardService` and `Authority::issue_card` as the
//! registration station, on the data directory the binary made.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use carepki_ca::authority::now_unix;
use carepki_ca::{Authority, CardIssueRequest, DataDir};
use carepki_keys::Passphrase;
use carepki_policy::CardKind;
use carepki_policy::card::HolderFacts;
use carepki_ra::cards::{CardService, IdentityCheck, Officer, OrderInput};
use carepki_store::{CardOrderUpdate, NewUser, Store};
use serde_json::Value;

use crate::support::{JARVI, Pki, s};

const PASS: &str = "incident tools passphrase 2023";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
/// Not prescribers when their cards were made.
const LATE: [&str; 2] = ["99900000102", "99900000103"];

fn example_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/professionals.json")
}

fn spki() -> Vec<u8> {
    EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
        .unwrap()
        .public_key()
        .as_der()
        .unwrap()
        .as_ref()
        .to_vec()
}

/// Orders and produces (software keys) professional cards for `regnos`;
/// answers their order ids.
fn seed_cards(pki: &Pki, regnos: &[&str]) -> Vec<i64> {
    let regnos: Vec<String> = regnos.iter().map(|r| r.to_string()).collect();
    let data = pki.data.clone();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let store = Store::open_sqlite_path(&data.join("carepki.db"))
                .await
                .unwrap();
            let passphrase = Passphrase::new(PASS.into()).unwrap();
            let authority = Arc::new(
                Authority::open(DataDir::new(&data), store.clone(), passphrase)
                    .await
                    .unwrap(),
            );
            let cards = CardService::new(store.clone(), Some(authority.clone()));
            let now = now_unix();
            let off = Officer::cli("cli:officer");
            let point = cards
                .create_point(&off, JARVI, "Keskussairaala", true, now)
                .await
                .unwrap();
            let mut registrar = 0;
            for name in ["Rekisteröijä1", "Rekisteröijä2"] {
                let u = store
                    .create_user(
                        &NewUser {
                            subject_hash: carepki_store::subject_hash(&[7u8; 32], name),
                            display_name: name.into(),
                            email: format!("{name}@example.fi"),
                            language: "fi".into(),
                        },
                        "test",
                        now,
                    )
                    .await
                    .unwrap();
                let r = cards
                    .add_registrar(&off, point.id, u.id, "k.pdf", PDF, now)
                    .await
                    .unwrap();
                cards.approve_registrar(&off, r.id, now).await.unwrap();
                registrar = u.id;
            }
            let mut ids = Vec::new();
            for regno in &regnos {
                let input = OrderInput {
                    kind: "professional".into(),
                    identity: Some(IdentityCheck {
                        document_type: "passport".into(),
                        document_number: "XP1234567".into(),
                        issuing_country: "FI".into(),
                        expires: "2031-12-31".into(),
                    }),
                    holder_number: Some(regno.clone()),
                    email: Some("holder@example.fi".into()),
                    ..OrderInput::default()
                };
                let o = cards
                    .order(registrar, point.id, &input, now)
                    .await
                    .unwrap()
                    .remove(0);
                let h = |k: &str| o.holder[k].as_str().unwrap_or_default().to_owned();
                let (auth, sign) = authority
                    .issue_card(&CardIssueRequest {
                        card_id: carepki_ra::cards::production::card_id(o.id),
                        kind: CardKind::Professional,
                        replaces: None,
                        holder: HolderFacts {
                            given_name: h("given_name"),
                            surname: h("surname"),
                            holder_number: o.holder_number.clone(),
                            title: h("title"),
                            prescriber: o.holder["prescriber"].as_bool().unwrap(),
                            sv_number: o.holder["sv_number"].as_str().map(str::to_owned),
                        },
                        org_oid: None,
                        days: None,
                        authentication_spki: spki(),
                        signature_spki: spki(),
                        actor: "test".into(),
                    })
                    .await
                    .unwrap();
                store
                    .update_card_order(
                        o.id,
                        &CardOrderUpdate {
                            from_state: "ordered".into(),
                            to_state: "produced".into(),
                            action: "card.produce".into(),
                            card_label: Some(format!("SOFT{}", o.id)),
                            serials: Some((auth.serial, sign.serial)),
                            detail: serde_json::json!({}),
                        },
                        "test",
                        now,
                    )
                    .await
                    .unwrap();
                ids.push(o.id);
            }
            store.close().await;
            ids
        })
}

fn order_ids(v: &Value) -> BTreeSet<i64> {
    v["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["order_id"].as_i64().unwrap())
        .collect()
}

#[test]
fn card_find_missing_sv_names_exactly_the_faulty_cards_and_bulk_revoke_revokes_them() {
    let mut pki = Pki::uninitialised();
    pki.envs.push(("CAREPKI_PASSPHRASE".into(), PASS.into()));
    pki.init_here(&[]);

    // The registers when the cards were made: the late prescribers without
    // their SV numbers and prescribing rights.
    let mut people: Value =
        serde_json::from_str(&fs::read_to_string(example_file()).unwrap()).unwrap();
    for p in people.as_array_mut().unwrap() {
        if LATE.contains(&p["registration_number"].as_str().unwrap()) {
            p.as_object_mut().unwrap().remove("sv_number");
            for r in p["professions"].as_array_mut().unwrap() {
                r["prescribing"] = Value::Bool(false);
            }
        }
    }
    let before = pki.path("before.json");
    fs::write(&before, people.to_string()).unwrap();
    pki.run(&["professionals", "import", s(&before)]).ok();
    // Faulty (late prescribers), a correct prescriber's card, a non-prescriber's.
    let ids = seed_cards(
        &pki,
        &["99900000102", "99900000103", "99900000101", "99900000108"],
    );
    let faulty: BTreeSet<i64> = ids[..2].iter().copied().collect();

    // Nothing is missing before the registers change.
    let none = pki
        .run(&["card", "find", "--missing-sv", "--json"])
        .ok()
        .json();
    assert_eq!(none["count"], 0, "{none}");
    pki.run(&["professionals", "import", s(&example_file())])
        .ok();

    let found = pki
        .run(&["card", "find", "--missing-sv", "--json"])
        .ok()
        .json();
    assert_eq!(order_ids(&found), faulty, "{found}");
    assert_eq!(found["count"], 2);
    let text = pki.run(&["card", "find", "--missing-sv"]).ok();
    assert!(text.stdout.contains("2 cards found"), "{}", text.describe());
    for regno in LATE {
        assert!(text.stdout.contains(regno), "{}", text.describe());
    }
    assert!(
        text.stdout.contains("why: no SV number (pseudonym)"),
        "{}",
        text.describe()
    );
    // Other filters narrow the same data.
    let all = pki.run(&["card", "find", "--json"]).ok().json();
    assert_eq!(all["count"], 4);
    let staff = pki
        .run(&["card", "find", "--kind", "staff", "--json"])
        .ok()
        .json();
    assert_eq!(staff["count"], 0);
    pki.run(&["card", "find", "--valid-from-start", "2023-02-30"])
        .refused(&["find.date"]);
    pki.run(&["card", "find", "--revoke"])
        .refused(&["--reason"]);

    // Bulk revoke; plain lines on stderr (not a terminal).
    let run = pki
        .run(&[
            "card",
            "find",
            "--missing-sv",
            "--revoke",
            "--reason",
            "superseded",
        ])
        .ok();
    assert!(
        run.stdout.contains("2 done, 0 skipped, 0 failed"),
        "{}",
        run.describe()
    );
    assert!(run.stderr.contains("[2/2] order"), "{}", run.describe());
    let revoked = pki
        .run(&["card", "find", "--status", "revoked", "--json"])
        .ok()
        .json();
    assert_eq!(order_ids(&revoked), faulty, "{revoked}");
    let valid = pki
        .run(&["card", "find", "--status", "valid", "--json"])
        .ok()
        .json();
    assert_eq!(
        order_ids(&valid),
        ids[2..].iter().copied().collect::<BTreeSet<_>>()
    );
    // Both certificates of each faulty card are revoked in the certificate list.
    let certs = pki.run(&["cert", "list", "--json"]).ok().json();
    let card_serials: Vec<String> = revoked["cards"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            [
                c["auth_serial"].as_str().unwrap().to_owned(),
                c["sign_serial"].as_str().unwrap().to_owned(),
            ]
        })
        .collect();
    assert_eq!(card_serials.len(), 4);
    for serial in &card_serials {
        let c = certs
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["serial"].as_str() == Some(serial))
            .unwrap_or_else(|| panic!("{serial} not listed: {certs}"));
        assert_eq!(c["status"], "revoked", "{c}");
    }
    // The job: finished, shown, not resumed twice.
    let job = pki
        .run(&["card", "bulk", "show", "1", "--json"])
        .ok()
        .json();
    assert_eq!(job["job"]["state"], "finished", "{job}");
    assert_eq!(job["job"]["action"], "revoke");
    assert_eq!(job["job"]["params"]["reason"], "superseded");
    pki.run(&["card", "bulk", "resume", "1"])
        .refused(&["finished"]);
    pki.run(&["card", "bulk", "show", "7"])
        .refused(&["bulk.unknown_job"]);
    let list = pki.run(&["card", "bulk", "list"]).ok();
    assert!(list.stdout.contains("1 bulk job"), "{}", list.describe());
    // Nothing is missing any more.
    let after = pki
        .run(&["card", "find", "--missing-sv", "--json"])
        .ok()
        .json();
    assert_eq!(after["count"], 0, "{after}");
}

//! `professionals import|show` (issue 5, point 1): the example register, a re-import
//! that shows the rights that ended, the configured action, and a bad file refused
//! with its line and field while nothing changes (R-CARD-TYPES, R-SV).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{JARVI, Pki, s};

/// The shipped example register of professionals.
fn example_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/professionals.json")
}

fn example() -> Value {
    serde_json::from_str(&fs::read_to_string(example_file()).unwrap()).unwrap()
}

fn counts(v: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("no {k} in {v}"));
    (n("inserted"), n("updated"), n("unchanged"), n("removed"))
}

fn write(pki: &Pki, name: &str, v: &Value) -> PathBuf {
    let path = pki.path(name);
    fs::write(&path, serde_json::to_string_pretty(v).unwrap()).unwrap();
    path
}

/// The index of the first person with a right without end that includes
/// prescribing, and a second right: the one whose second right will expire.
fn prescriber_with_two_rights(people: &Value) -> usize {
    people
        .as_array()
        .unwrap()
        .iter()
        .position(|p| {
            let rights = p["professions"].as_array().unwrap();
            rights.len() == 2
                && rights
                    .iter()
                    .all(|r| r["valid_until"].is_null() && r["prescribing"] == true)
        })
        .expect("the example has a prescriber with two open-ended rights")
}

#[test]
fn professionals_import_resync_shows_ended_rights() {
    let pki = Pki::uninitialised();
    // This deployment revokes on an ended right (the card workflow will).
    let ceremony = pki.path("ceremony.toml");
    fs::write(&ceremony, "[registers]\non_right_ended = \"revoke\"\n").unwrap();
    pki.run(&["init", "--ceremony", s(&ceremony)]).ok();
    let people = example();
    let n = people.as_array().unwrap().len() as u64;
    assert!(
        (20..=40).contains(&n),
        "issue 5 asks for 20–40 people, got {n}"
    );
    let ex = s(&example_file()).to_owned();

    let first = pki
        .run(&["professionals", "import", &ex, "--json"])
        .ok()
        .json();
    assert_eq!(counts(&first), (n, 0, 0, 0), "{first}");
    assert_eq!(first["ended"], Value::Array(vec![]), "{first}");
    let again = pki.run(&["professionals", "import", &ex]).ok();
    assert!(
        again.stdout.contains(&format!("{n} unchanged"))
            && again.stdout.contains("no rights ended"),
        "{}",
        again.describe()
    );

    // Show: a prescriber, with his rights.
    let p = prescriber_with_two_rights(&people);
    let number = people[p]["registration_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = pki
        .run(&["professionals", "show", &number, "--json"])
        .ok()
        .json();
    assert_eq!(shown["has_valid_right"], true, "{shown}");
    assert_eq!(shown["is_prescriber"], true, "{shown}");
    assert_eq!(shown["sv_number"], people[p]["sv_number"]);
    assert_eq!(shown["rights"].as_array().unwrap().len(), 2);
    let text = pki.run(&["professionals", "show", &number]).ok();
    assert!(
        text.stdout.contains("prescriber now:   yes")
            && text.stdout.contains(people[p]["surname"].as_str().unwrap()),
        "{}",
        text.describe()
    );

    // The register changes: one right of the prescriber expired, and another person
    // is gone.
    let mut changed = people.clone();
    changed[p]["professions"][1]["valid_until"] = Value::String("2024-01-31".into());
    let gone_index = (p + 1) % changed.as_array().unwrap().len();
    let gone = changed[gone_index]["registration_number"]
        .as_str()
        .unwrap()
        .to_owned();
    // His rights still valid today end with him (an ended one had ended already).
    let now = time::OffsetDateTime::now_utc().date();
    let today = format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    );
    let gone_rights = changed[gone_index]["professions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["valid_until"]
                .as_str()
                .is_none_or(|u| u >= today.as_str())
        })
        .count();
    assert!(gone_rights > 0);
    changed.as_array_mut().unwrap().remove(gone_index);
    let changed_file = write(&pki, "changed.json", &changed);
    let resync = pki
        .run(&["professionals", "import", s(&changed_file), "--json"])
        .ok()
        .json();
    assert_eq!(counts(&resync), (0, 1, n - 2, 1), "{resync}");
    let ended = resync["ended"].as_array().unwrap();
    assert_eq!(ended.len(), 1 + gone_rights, "{resync}");
    assert_eq!(ended[0]["registration_number"], number.as_str());
    assert_eq!(ended[0]["kind"], "expired");
    assert_eq!(ended[0]["valid_until"], "2024-01-31");
    assert_eq!(ended[0]["action"], "revoke", "the ceremony's setting");
    // With `revoke`, the import acted on each finding at once: nobody holds a
    // card yet, so each is resolved with nothing to revoke.
    let acted = resync["acted"].as_array().unwrap();
    assert_eq!(acted.len(), ended.len(), "{resync}");
    assert!(
        acted
            .iter()
            .all(|a| a["revoked_orders"] == Value::Array(vec![])
                && a["resolution"]
                    .as_str()
                    .unwrap()
                    .starts_with("no professional card")),
        "{resync}"
    );
    assert!(
        ended[1..]
            .iter()
            .all(|f| f["registration_number"] == gone.as_str() && f["kind"] == "person-removed"),
        "{resync}"
    );
    // Idempotent, and the text output of a re-sync that finds something.
    let quiet = pki
        .run(&["professionals", "import", s(&changed_file), "--json"])
        .ok()
        .json();
    assert_eq!(counts(&quiet), (0, 0, n - 1, 0), "{quiet}");
    assert_eq!(quiet["ended"], Value::Array(vec![]));

    // The prescriber still prescribes on his other right; the removed person is out.
    let shown = pki
        .run(&["professionals", "show", &number, "--json"])
        .ok()
        .json();
    assert_eq!(shown["is_prescriber"], true, "{shown}");
    assert_eq!(shown["findings"].as_array().unwrap().len(), 1);
    assert_eq!(shown["findings"][0]["kind"], "expired");
    let out = pki
        .run(&["professionals", "show", &gone, "--json"])
        .ok()
        .json();
    assert_eq!(out["in_register"], false, "{out}");
    assert_eq!(out["has_valid_right"], false);
    assert_eq!(out["is_prescriber"], false);

    // Back to the original file: the findings were resolved when they were
    // acted on, so none is resolved again as "valid again".
    let back = pki.run(&["professionals", "import", &ex]).ok();
    assert!(
        back.stdout.contains("0 inserted, 2 updated") && !back.stdout.contains("valid again"),
        "{}",
        back.describe()
    );

    // A re-sync that ends a right says so in text, naming the registration number.
    let text = pki.run(&["professionals", "import", s(&changed_file)]).ok();
    assert!(
        text.stdout.contains("rights that ended")
            && text.stdout.contains(&number)
            && text.stdout.contains(&gone)
            && text.stdout.contains("expired"),
        "{}",
        text.describe()
    );
}

#[test]
fn a_bad_professionals_file_is_refused_with_its_line_and_field() {
    let pki = Pki::uninitialised();
    pki.run(&["init"]).ok();
    let ex = s(&example_file()).to_owned();
    pki.run(&["professionals", "import", &ex]).ok();
    let people = example();
    let number = people[0]["registration_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = pki
        .run(&["professionals", "show", &number, "--json"])
        .ok()
        .json();

    // One impossible date and a changed name elsewhere: refused, nothing applied.
    let mut bad = people.clone();
    bad[0]["surname"] = Value::String("Ei saa tallentua".into());
    bad[4]["professions"][0]["valid_from"] = Value::String("2023-02-29".into());
    let text = serde_json::to_string_pretty(&bad).unwrap();
    let line = text.lines().position(|l| l.contains("2023-02-29")).unwrap() + 1;
    let bad_file = pki.path("bad.json");
    fs::write(&bad_file, &text).unwrap();
    pki.run(&["professionals", "import", s(&bad_file)])
        .refused(&[
            "professionals[4]",
            &format!("line {line}"),
            "professions[0].valid_from",
            "2023-02-29",
            "nothing was imported",
        ]);
    let after = pki
        .run(&["professionals", "show", &number, "--json"])
        .ok()
        .json();
    assert_eq!(after, before, "a refused import changed the register");

    // Not JSON: the line and column.
    fs::write(&bad_file, "[\n  {\"registration_number\": \"1\",}\n]").unwrap();
    pki.run(&["professionals", "import", s(&bad_file)])
        .refused(&["line 2", "column"]);
    // An unknown registration number and a malformed one.
    pki.run(&["professionals", "show", "12345678901"])
        .refused(&["no professional", "12345678901"]);
    pki.run(&["professionals", "show", "1234"])
        .refused(&["1234", "11 digits"]);
}

/// Produces professional cards for `regnos` in the data directory of `pki`, in
/// this process (the command line has no production without a token): a
/// registration point of Järvilaakso with two approved registrars orders each
/// card, and the CA issues both certificates for two software keys. Answers
/// the orders by registration number.
fn produce_cards(pki: &Pki, regnos: &[&str]) -> Vec<(String, carepki_store::CardOrderRow)> {
    use aws_lc_rs::encoding::AsDer as _;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
    use carepki_ra::cards::{CardService, IdentityCheck, Officer, OrderInput};
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = carepki_store::Store::open_sqlite_path(&pki.data.join("carepki.db"))
            .await
            .unwrap();
        let dir = carepki_ca::DataDir::new(&pki.data);
        let passphrase =
            carepki_keys::Passphrase::from_env_or_file(&dir.passphrase_file()).unwrap();
        let authority = std::sync::Arc::new(
            carepki_ca::Authority::open(dir, store.clone(), passphrase)
                .await
                .unwrap(),
        );
        let cards = CardService::new(store.clone(), Some(authority.clone()));
        let now = carepki_ca::authority::now_unix();
        let officer = Officer::cli("cli:officer");
        let point = cards
            .create_point(&officer, JARVI, "Keskussairaala", true, now)
            .await
            .unwrap();
        let mut registrar = 0;
        for n in 0..2 {
            let user = store
                .create_user(
                    &carepki_store::NewUser {
                        subject_hash: carepki_store::subject_hash(&[3u8; 32], &format!("r{n}")),
                        display_name: format!("Rekisteröijä {n}"),
                        email: format!("r{n}@example.fi"),
                        language: "fi".into(),
                    },
                    "test",
                    now,
                )
                .await
                .unwrap();
            let r = cards
                .add_registrar(
                    &officer,
                    point.id,
                    user.id,
                    "k.pdf",
                    b"%PDF-1.7\n%%EOF\n",
                    now,
                )
                .await
                .unwrap();
            cards.approve_registrar(&officer, r.id, now).await.unwrap();
            registrar = user.id;
        }
        let spki = || {
            EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
                .unwrap()
                .public_key()
                .as_der()
                .unwrap()
                .as_ref()
                .to_vec()
        };
        let mut out = Vec::new();
        for regno in regnos {
            let order = cards
                .order(
                    registrar,
                    point.id,
                    &OrderInput {
                        kind: "professional".into(),
                        identity: Some(IdentityCheck {
                            document_type: "passport".into(),
                            document_number: "XP1234567".into(),
                            issuing_country: "FI".into(),
                            expires: "2031-12-31".into(),
                        }),
                        holder_number: Some((*regno).into()),
                        email: Some("holder@example.fi".into()),
                        ..OrderInput::default()
                    },
                    now,
                )
                .await
                .unwrap()
                .remove(0);
            let h = |k: &str| order.holder[k].as_str().unwrap_or_default().to_owned();
            let req = carepki_ca::CardIssueRequest {
                card_id: carepki_ra::cards::production::card_id(order.id),
                kind: carepki_policy::CardKind::Professional,
                replaces: None,
                holder: carepki_policy::card::HolderFacts {
                    given_name: h("given_name"),
                    surname: h("surname"),
                    holder_number: order.holder_number.clone(),
                    title: h("title"),
                    prescriber: order.holder["prescriber"].as_bool().unwrap_or(false),
                    sv_number: order.holder["sv_number"].as_str().map(str::to_owned),
                },
                org_oid: None,
                days: None,
                authentication_spki: spki(),
                signature_spki: spki(),
                actor: "test".into(),
            };
            let (auth, sign) = authority.issue_card(&req).await.unwrap();
            let produced = store
                .update_card_order(
                    order.id,
                    &carepki_store::CardOrderUpdate {
                        from_state: "ordered".into(),
                        to_state: "produced".into(),
                        action: "card.produce".into(),
                        card_label: Some(format!("SOFT{}", order.id)),
                        serials: Some((auth.serial, sign.serial)),
                        detail: serde_json::json!({}),
                    },
                    "test",
                    now,
                )
                .await
                .unwrap();
            out.push(((*regno).to_owned(), produced));
        }
        store.close().await;
        out
    })
}

/// The statuses of both certificates of a card, by `cert show --json`.
fn card_statuses(pki: &Pki, order: &carepki_store::CardOrderRow) -> Vec<String> {
    [&order.auth_serial, &order.sign_serial]
        .iter()
        .map(|serial| {
            let v = pki
                .run(&["cert", "show", serial.as_deref().unwrap(), "--json"])
                .ok()
                .json();
            v["status"]
                .as_str()
                .unwrap_or_else(|| panic!("{v}"))
                .to_owned()
        })
        .collect()
}

/// The example register without `people` and without the rights `(regno, profession)`.
fn without(people: &[&str], rights: &[(&str, &str)]) -> Value {
    let mut v = example();
    let list = v.as_array_mut().unwrap();
    list.retain(|p| !people.contains(&p["registration_number"].as_str().unwrap()));
    for p in list.iter_mut() {
        let regno = p["registration_number"].as_str().unwrap().to_owned();
        p["professions"]
            .as_array_mut()
            .unwrap()
            .retain(|r| !rights.contains(&(regno.as_str(), r["profession"].as_str().unwrap())));
    }
    v
}

#[test]
fn ended_rights_revoke_cards_or_wait_for_a_decision() {
    let pki = Pki::uninitialised();
    let ceremony = pki.path("ceremony.toml");
    fs::write(&ceremony, "[registers]\non_right_ended = \"revoke\"\n").unwrap();
    pki.run(&["init", "--demo-organisations", "--ceremony", s(&ceremony)])
        .ok();
    let ex = s(&example_file()).to_owned();
    pki.run(&["professionals", "import", &ex]).ok();
    let cards: std::collections::BTreeMap<String, carepki_store::CardOrderRow> = produce_cards(
        &pki,
        &["99900000101", "99900000102", "99900000108", "99900000109"],
    )
    .into_iter()
    .collect();
    let valid = vec!["valid".to_owned(); 2];
    let revoked = vec!["revoked".to_owned(); 2];

    // revoke: 102 is gone from the register (his card is revoked); 101 loses one
    // of his two prescribing rights (his card stays).
    let changed = write(
        &pki,
        "changed.json",
        &without(&["99900000102"], &[("99900000101", "102")]),
    );
    let r = pki
        .run(&["professionals", "import", s(&changed), "--json"])
        .ok()
        .json();
    let acted = r["acted"].as_array().unwrap();
    assert_eq!(acted.len(), 2, "{r}");
    let of = |regno: &str| {
        acted
            .iter()
            .find(|a| a["registration_number"] == regno)
            .unwrap_or_else(|| panic!("{regno} in {r}"))
    };
    assert_eq!(
        of("99900000102")["revoked_orders"][0],
        cards["99900000102"].id
    );
    assert_eq!(
        of("99900000102")["revoked_serials"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        of("99900000101")["resolution"]
            .as_str()
            .unwrap()
            .starts_with("another right is still valid; the card stays")
    );
    assert_eq!(card_statuses(&pki, &cards["99900000102"]), revoked);
    assert_eq!(card_statuses(&pki, &cards["99900000101"]), valid);
    for serial in [
        &cards["99900000102"].auth_serial,
        &cards["99900000102"].sign_serial,
    ] {
        let reason = tokio::runtime::Runtime::new().unwrap().block_on(async {
            let store = carepki_store::Store::open_sqlite_path(&pki.data.join("carepki.db"))
                .await
                .unwrap();
            let c = store.certificate(serial.as_deref().unwrap()).await.unwrap();
            store.close().await;
            c.unwrap().revocation_reason
        });
        assert_eq!(reason.as_deref(), Some("affiliationChanged"));
    }
    // Acted on once: the same import again acts on nothing.
    let again = pki
        .run(&["professionals", "import", s(&changed), "--json"])
        .ok()
        .json();
    assert_eq!(again["acted"], Value::Array(vec![]), "{again}");
    assert_eq!(
        pki.run(&["professionals", "findings"]).ok().stdout.trim(),
        "no open findings"
    );

    // flag: 108 and 109 are gone too; nothing is revoked until someone decides.
    let ceremony_file = pki.data.join("ceremony.toml");
    let text = fs::read_to_string(&ceremony_file).unwrap();
    fs::write(&ceremony_file, text.replace("\"revoke\"", "\"flag\"")).unwrap();
    let flagged = write(
        &pki,
        "flagged.json",
        &without(
            &["99900000102", "99900000108", "99900000109"],
            &[("99900000101", "102")],
        ),
    );
    let r = pki
        .run(&["professionals", "import", s(&flagged), "--json"])
        .ok()
        .json();
    assert_eq!(r["ended"].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(r["acted"], Value::Array(vec![]), "{r}");
    assert_eq!(card_statuses(&pki, &cards["99900000108"]), valid);
    let findings = pki
        .run(&["professionals", "findings", "--json"])
        .ok()
        .json();
    let list = findings.as_array().unwrap();
    assert_eq!(list.len(), 2, "{findings}");
    let id_of = |regno: &str| {
        list.iter()
            .find(|f| f["registration_number"] == regno)
            .unwrap()["finding"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    let f108 = list
        .iter()
        .find(|f| f["registration_number"] == "99900000108")
        .unwrap();
    assert_eq!(f108["has_valid_right"], false);
    assert_eq!(f108["cards"][0]["order_id"], cards["99900000108"].id);
    assert!(f108["cards"][0]["no_longer_right"].is_string(), "{f108}");
    let text = pki.run(&["professionals", "findings"]).ok();
    assert!(
        text.stdout.contains("99900000109") && text.stdout.contains("would be revoked"),
        "{}",
        text.describe()
    );

    // The decisions: a reason is required, and one of --revoke or --keep.
    pki.run(&[
        "professionals",
        "resolve",
        &id_of("99900000108"),
        "--reason",
        "x",
    ])
    .refused(&["--revoke"]);
    pki.run(&[
        "professionals",
        "resolve",
        &id_of("99900000108"),
        "--revoke",
        "--reason",
        " ",
    ])
    .refused(&["reason"]);
    let done = pki
        .run(&[
            "professionals",
            "resolve",
            &id_of("99900000108"),
            "--revoke",
            "--reason",
            "employment ended as well",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(done["revoked_orders"][0], cards["99900000108"].id, "{done}");
    assert_eq!(card_statuses(&pki, &cards["99900000108"]), revoked);
    let kept = pki
        .run(&[
            "professionals",
            "resolve",
            &id_of("99900000109"),
            "--keep",
            "--reason",
            "the file was wrong; Valvira confirms the right",
        ])
        .ok();
    assert!(
        kept.stdout.contains("kept by decision"),
        "{}",
        kept.describe()
    );
    assert_eq!(card_statuses(&pki, &cards["99900000109"]), valid);
    pki.run(&[
        "professionals",
        "resolve",
        &id_of("99900000109"),
        "--revoke",
        "--reason",
        "again",
    ])
    .refused(&["not open"]);
    assert_eq!(
        pki.run(&["professionals", "findings"]).ok().stdout.trim(),
        "no open findings"
    );
}

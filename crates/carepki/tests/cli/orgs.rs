//! `org import`: counts, idempotence, updates by OID and a refused bad file that
//! changes nothing (R-ELIGIBLE, R-REGISTERS, R-LONGNAME).

use std::fs;

use serde_json::Value;

use crate::support::{KeyType, Pki, examples_file, make_csr, s};

fn summary(v: &Value) -> (u64, u64, u64) {
    (
        v["inserted"].as_u64().unwrap(),
        v["updated"].as_u64().unwrap(),
        v["unchanged"].as_u64().unwrap(),
    )
}

#[test]
fn org_import_counts_updates_and_refuses_a_bad_file() {
    let pki = Pki::uninitialised();
    pki.run(&["init"]).ok();
    let examples: Value =
        serde_json::from_str(&fs::read_to_string(examples_file()).unwrap()).unwrap();
    let n = examples.as_array().unwrap().len() as u64;
    assert!(
        n >= 20,
        "issue 2 asks for at least 20 example organisations, got {n}"
    );
    let ex = s(&examples_file()).to_owned();

    let first = pki.run(&["org", "import", &ex, "--json"]).ok().json();
    assert_eq!(summary(&first), (n, 0, 0), "{first}");
    let listed = pki.run(&["org", "list", "--json"]).ok().json();
    assert_eq!(listed.as_array().unwrap().len() as u64, n);

    let again = pki.run(&["org", "import", &ex, "--json"]).ok().json();
    assert_eq!(summary(&again), (0, 0, n), "{again}");
    let text = pki.run(&["org", "import", &ex]).ok();
    assert!(
        text.stdout.contains(&format!("{n} unchanged")),
        "{}",
        text.describe()
    );

    // One long name changed: one update, and the next certificate carries the new name.
    let oid = examples[0]["oid"].as_str().unwrap().to_owned();
    let domain = examples[0]["domains"][0].as_str().unwrap().to_owned();
    let new_name = "Järvilaakson hyvinvointialue (uusi nimi)";
    let mut edited = examples.clone();
    edited[0]["name"]["fi"] = Value::String(new_name.into());
    let edited_file = pki.path("edited.json");
    fs::write(&edited_file, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let upd = pki
        .run(&["org", "import", s(&edited_file), "--json"])
        .ok()
        .json();
    assert_eq!(summary(&upd), (0, 1, n - 1), "{upd}");
    let listed = pki.run(&["org", "list", "--json"]).ok().json();
    let row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["oid"] == oid.as_str())
        .unwrap();
    assert_eq!(row["name_fi"], new_name, "{row}");
    let csr = make_csr(pki.tmp.path(), "renamed", KeyType::P256);
    let issued = pki
        .issue(&[
            "--profile",
            "server",
            "--org",
            &oid,
            "--csr",
            s(&csr.csr),
            "--cn",
            &domain,
            "--json",
        ])
        .0
        .ok()
        .json();
    assert!(
        issued["subject"]
            .as_str()
            .unwrap()
            .contains(&format!("O={new_name},")),
        "the subject must carry the register's current long name: {issued}"
    );

    // A bad business id check digit in one record (and a name change in another):
    // refused naming the field, and nothing of the file is applied.
    let before = pki.run(&["org", "list", "--json"]).ok().json();
    let mut bad = examples.clone();
    let bid = bad[3]["business_id"].as_str().unwrap().to_owned();
    let last = bid.chars().last().unwrap().to_digit(10).unwrap();
    let wrong = format!("{}{}", &bid[..bid.len() - 1], (last + 1) % 10);
    bad[3]["business_id"] = Value::String(wrong.clone());
    bad[0]["name"]["fi"] = Value::String("Ei saa päivittyä".into());
    let bad_file = pki.path("bad.json");
    fs::write(&bad_file, serde_json::to_string_pretty(&bad).unwrap()).unwrap();
    pki.run(&["org", "import", s(&bad_file)])
        .refused(&["business_id", &wrong, "check digit"]);
    let after = pki.run(&["org", "list", "--json"]).ok().json();
    assert_eq!(after, before, "a refused import changed the register");
}

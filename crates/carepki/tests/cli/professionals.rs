//! `professionals import|show` (issue 5, point 1): the example register, a re-import
//! that shows the rights that ended, the configured action, and a bad file refused
//! with its line and field while nothing changes (R-CARD-TYPES, R-SV).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Pki, s};

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

    // Back to the original file: the text output lists what is valid again.
    let back = pki.run(&["professionals", "import", &ex]).ok();
    assert!(
        back.stdout.contains("0 inserted, 2 updated") && back.stdout.contains("valid again"),
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

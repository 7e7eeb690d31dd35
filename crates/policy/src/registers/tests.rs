//! Unit tests of the professional register rules.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use proptest::prelude::*;
use serde_json::json;
use time::macros::datetime;

use super::*;

const EXAMPLE: &str = include_str!("../../../../examples/professionals.json");

fn doctor() -> Value {
    json!({
        "registration_number": "10000000001",
        "surname": "Esimerkki",
        "given_names": "Aino Maria",
        "birth_year": 1975,
        "sv_number": "900001",
        "professions": [{
            "register": "terhikki", "profession": "101", "title": "Laillistettu lääkäri",
            "right": "licensed", "valid_from": "2001-06-01", "valid_until": null,
            "prescribing": true, "restrictions": []
        }]
    })
}

fn social_worker() -> Value {
    json!({
        "registration_number": "10000000002",
        "surname": "Meikäläinen",
        "given_names": "Maija",
        "professions": [{
            "register": "suosikki", "profession": "501",
            "title": "Laillistettu sosiaalityöntekijä", "right": "licensed",
            "valid_from": "2010-01-01", "valid_until": "2024-07-31"
        }]
    })
}

fn pretty(values: &[Value]) -> String {
    serde_json::to_string_pretty(&Value::Array(values.to_vec())).unwrap()
}

fn problems_of(text: &str) -> Vec<RegisterProblem> {
    match parse_professionals(text) {
        Err(RegisterError::Invalid(problems)) => problems,
        other => panic!("expected RegisterError::Invalid, got {other:?}"),
    }
}

fn problems(values: &[Value]) -> Vec<RegisterProblem> {
    problems_of(&pretty(values))
}

/// The (index, field) of every problem.
fn places(problems: &[RegisterProblem]) -> Vec<(usize, String)> {
    problems
        .iter()
        .map(|p| (p.index, p.field.clone()))
        .collect()
}

/// Asserts that the line a problem names holds `needle` (its key, usually).
#[track_caller]
fn assert_line_holds(text: &str, problem: &RegisterProblem, needle: &str) {
    let line = problem.line.unwrap_or_else(|| panic!("no line: {problem}"));
    let content = text.lines().nth(line - 1).unwrap();
    assert!(
        content.contains(needle),
        "line {line} is `{content}`, expected it to hold `{needle}`: {problem}"
    );
}

fn unix(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

// ---- the example file ----

#[test]
fn example_file_parses_and_covers_the_cases() {
    let people = parse_professionals(EXAMPLE).unwrap();
    assert!((20..=40).contains(&people.len()), "{} people", people.len());
    let at = unix(datetime!(2026-01-15 12:00 +2));
    let all: Vec<&Profession> = people.iter().flat_map(|p| &p.professions).collect();
    for register in Register::ALL {
        assert!(all.iter().any(|p| p.register == register), "{register}");
    }
    for kind in RightKind::ALL {
        assert!(all.iter().any(|p| p.right == kind), "{kind}");
    }
    let prescribers = people.iter().filter(|p| p.is_prescriber(at)).count();
    assert!(prescribers >= 5, "{prescribers} prescribers");
    // Some people hold an ended right; some have no valid right at all.
    assert!(
        all.iter()
            .any(|p| !p.is_valid_at(at) && p.valid_until.is_some())
    );
    assert!(people.iter().any(|p| !p.has_valid_right(at)));
    // A prescriber whose right ended keeps his SV number but no longer prescribes.
    assert!(
        people
            .iter()
            .any(|p| p.sv_number.is_some() && !p.is_prescriber(at))
    );
    assert!(all.iter().any(|p| !p.restrictions.is_empty()));
    // Fictional numbers: all in the 999… series.
    for p in &people {
        assert!(p.registration_number.starts_with("999"), "{p:?}");
    }
    let svs: HashSet<_> = people.iter().filter_map(|p| p.sv_number.as_ref()).collect();
    assert_eq!(
        svs.len(),
        people.iter().filter(|p| p.sv_number.is_some()).count()
    );
}

#[test]
fn a_good_file_round_trips() {
    let people = parse_professionals(&pretty(&[doctor(), social_worker()])).unwrap();
    assert_eq!(people.len(), 2);
    let d = &people[0];
    assert_eq!(d.registration_number, "10000000001");
    assert_eq!(d.birth_year, Some(1975));
    assert_eq!(d.sv_number.as_deref(), Some("900001"));
    assert_eq!(d.professions[0].valid_until, None);
    assert!(d.professions[0].prescribing);
    let s = &people[1];
    assert_eq!(s.birth_year, None);
    assert_eq!(s.sv_number, None);
    assert!(!s.professions[0].prescribing);
    assert!(s.professions[0].restrictions.is_empty());
    let serialised = serde_json::to_value(s).unwrap();
    assert_eq!(serialised["professions"][0]["valid_until"], "2024-07-31");
    assert_eq!(serialised["professions"][0]["right"], "licensed");
    assert_eq!(serialised["professions"][0]["register"], "suosikki");
    assert_eq!(parse_professionals("[]").unwrap(), vec![]);
}

// ---- validity ----

#[test]
fn validity_runs_from_helsinki_midnight_to_the_midnight_after_the_last_day() {
    let people = parse_professionals(&pretty(&[doctor(), social_worker()])).unwrap();
    let (d, s) = (&people[0], &people[1]);
    // valid_until 2024-07-31 in summer time: ends at 2024-08-01 00:00 +03.
    let end = unix(datetime!(2024-08-01 00:00 +3));
    assert_eq!(s.professions[0].ends_at(), Some(end));
    assert_eq!(
        s.professions[0].starts_at(),
        unix(datetime!(2010-01-01 00:00 +2))
    );
    assert!(s.has_valid_right(end - 1));
    assert!(!s.has_valid_right(end));
    assert!(!s.has_valid_right(unix(datetime!(2009-12-31 23:59:59 +2))));
    assert!(s.has_valid_right(unix(datetime!(2010-01-01 00:00 +2))));
    assert!(
        !s.is_prescriber(end - 1),
        "a social worker never prescribes"
    );
    // No end.
    assert!(d.has_valid_right(unix(datetime!(2199-01-01 00:00 UTC))));
    assert!(d.is_prescriber(unix(datetime!(2030-01-01 00:00 UTC))));
    assert!(!d.is_prescriber(unix(datetime!(2001-05-31 23:59 +3))));
    // Without the SV number nobody is a prescriber, whatever the rights say.
    let mut no_sv = d.clone();
    no_sv.sv_number = None;
    assert!(!is_prescriber(
        &no_sv,
        unix(datetime!(2030-01-01 00:00 UTC))
    ));
    assert!(has_valid_right(
        &no_sv,
        unix(datetime!(2030-01-01 00:00 UTC))
    ));
}

#[test]
fn a_winter_end_and_a_limited_prescribing_right() {
    let mut v = doctor();
    v["professions"] = json!([
        {"register": "terhikki", "profession": "201", "title": "Laillistettu sairaanhoitaja",
         "right": "licensed", "valid_from": "2010-01-01"},
        {"register": "terhikki", "profession": "202",
         "title": "Sairaanhoitaja, rajattu lääkkeenmääräämisoikeus", "right": "licensed",
         "valid_from": "2020-01-01", "valid_until": "2025-12-31", "prescribing": true}
    ]);
    let p = parse_professionals(&pretty(&[v])).unwrap().remove(0);
    let end = unix(datetime!(2026-01-01 00:00 +2));
    assert_eq!(p.professions[1].ends_at(), Some(end));
    assert!(p.is_prescriber(end - 1));
    assert!(!p.is_prescriber(end));
    assert!(p.has_valid_right(end), "the nurse's right goes on");
}

// ---- every bad field, with its place ----

#[test]
fn every_bad_field_is_reported_with_its_line() {
    let mut a = doctor();
    a["registration_number"] = json!("1000000001"); // 10 digits
    a["surname"] = json!("Esim\u{200B}erkki");
    a["given_names"] = json!("Aino  Maria");
    a["birth_year"] = json!(1850);
    a["sv_number"] = json!("99999");
    a["professions"][0]["valid_from"] = json!("2023-02-29");
    a["professions"][0]["title"] = json!("x".repeat(65));
    let mut b = social_worker();
    b["professions"][0]["register"] = json!("valvira");
    b["professions"][0]["right"] = json!("licenced");
    b["professions"][0]["profession"] = json!("50 1");
    b["professions"][0]["valid_until"] = json!("2009-12-31");
    b["professions"][0]["restrictions"] = json!(["ok", 7, "ok"]);
    b["professions"][0]["prescribing"] = json!("yes");
    b["hetu"] = json!("010101-123N");
    let text = pretty(&[a, b]);
    let found = problems_of(&text);
    let expected: Vec<(usize, &str, &str)> = vec![
        (0, "registration_number", "\"registration_number\""),
        (0, "surname", "\"surname\""),
        (0, "given_names", "\"given_names\""),
        (0, "birth_year", "\"birth_year\""),
        (0, "sv_number", "\"sv_number\""),
        (0, "professions[0].title", "\"title\""),
        (0, "professions[0].valid_from", "\"valid_from\""),
        (1, "hetu", "\"hetu\""),
        (1, "professions[0].register", "\"register\""),
        (1, "professions[0].profession", "\"profession\""),
        (1, "professions[0].right", "\"right\""),
        (1, "professions[0].valid_until", "\"valid_until\""),
        (1, "professions[0].prescribing", "\"prescribing\""),
        (1, "professions[0].restrictions[1]", "7"),
        (1, "professions[0].restrictions[2]", "\"ok\""),
    ];
    let got: HashSet<(usize, String)> = places(&found).into_iter().collect();
    let want: HashSet<(usize, String)> = expected
        .iter()
        .map(|(i, f, _)| (*i, (*f).to_owned()))
        .collect();
    assert_eq!(got, want, "{found:#?}");
    for (index, field, needle) in &expected {
        let problem = found
            .iter()
            .find(|p| p.index == *index && p.field == *field)
            .unwrap();
        assert_line_holds(&text, problem, needle);
    }
    let message = |field: &str| {
        found
            .iter()
            .find(|p| p.field == field)
            .unwrap()
            .message
            .clone()
    };
    assert!(message("registration_number").contains("exactly 11 digits"));
    assert!(message("surname").contains("U+200B"));
    assert!(message("given_names").contains("two spaces"));
    assert!(message("sv_number").contains("000099999") || message("sv_number").contains("099999"));
    assert!(message("professions[0].valid_from").contains("no day 29"));
    assert!(message("professions[0].valid_until").contains("before it starts"));
    assert!(message("hetu").contains("identity code"));
    assert!(message("professions[0].restrictions[2]").contains("twice"));
    // The registration number of a record with a bad one is still shown as written.
    assert_eq!(found[0].registration_number.as_deref(), Some("1000000001"));
    let rendered = RegisterError::Invalid(found.clone()).to_string();
    assert!(rendered.starts_with("15 problems"), "{rendered}");
    assert!(
        rendered.contains("professions[0].valid_until") && rendered.contains(", line "),
        "{rendered}"
    );
}

#[test]
fn missing_and_mistyped_fields() {
    let text = r#"[
  {"registration_number": 10000000001, "surname": "A", "professions": {}},
  "not a person",
  {"registration_number": "10000000003", "surname": "B", "given_names": "C",
   "professions": [17, {"register": "terhikki"}]},
  {"registration_number": "10000000004", "surname": "D", "given_names": "E",
   "professions": []}
]"#;
    let found = problems_of(text);
    let got: Vec<(usize, String)> = places(&found);
    for want in [
        (0, "registration_number"),
        (0, "given_names"),
        (0, "professions"),
        (1, "(record)"),
        (2, "professions[0]"),
        (2, "professions[1].profession"),
        (2, "professions[1].title"),
        (2, "professions[1].right"),
        (2, "professions[1].valid_from"),
        (3, "professions"),
    ] {
        assert!(
            got.contains(&(want.0, want.1.to_owned())),
            "{want:?} missing from {found:#?}"
        );
    }
    assert_eq!(got.len(), 10, "{found:#?}");
    let line_of = |index: usize, field: &str| {
        found
            .iter()
            .find(|p| p.index == index && p.field == field)
            .unwrap()
            .line
    };
    assert_eq!(line_of(0, "registration_number"), Some(2));
    assert_eq!(line_of(1, "(record)"), Some(3));
    assert_eq!(line_of(2, "professions[0]"), Some(5));
    // A missing field is placed on its person's line.
    assert_eq!(line_of(2, "professions[1].title"), Some(5));
    assert_eq!(line_of(3, "professions"), Some(7));
    assert!(found[0].message.contains("a number"), "{}", found[0]);
    assert_eq!(found[0].registration_number, None);
}

#[test]
fn prescribing_rules_r_sv() {
    // Prescribing without an SV number.
    let mut a = doctor();
    a.as_object_mut().unwrap().remove("sv_number");
    // An SV number without any Terhikki right.
    let mut b = social_worker();
    b["sv_number"] = json!("900002");
    // Prescribing in Suosikki, and with a protected title.
    let mut c = social_worker();
    c["registration_number"] = json!("10000000003");
    c["sv_number"] = json!("900003");
    c["professions"] = json!([
        {"register": "suosikki", "profession": "501", "title": "Sosiaalityöntekijä",
         "right": "licensed", "valid_from": "2010-01-01", "prescribing": true},
        {"register": "terhikki", "profession": "210", "title": "Nimikesuojattu lähihoitaja",
         "right": "protected_title", "valid_from": "2010-01-01", "prescribing": true}
    ]);
    let found = problems(&[a, b, c]);
    assert_eq!(
        places(&found),
        vec![
            (0, "professions[0].prescribing".to_owned()),
            (1, "sv_number".to_owned()),
            (2, "professions[0].prescribing".to_owned()),
            (2, "professions[1].prescribing".to_owned()),
        ],
        "{found:#?}"
    );
    assert!(found[0].message.contains("R-SV"));
}

#[test]
fn duplicates_in_the_file() {
    let a = doctor();
    let mut b = doctor(); // the same registration number and SV number
    b["surname"] = json!("Toinen");
    let mut c = social_worker();
    let right = c["professions"][0].clone();
    c["professions"] = json!([right.clone(), right]);
    let found = problems(&[a, b, c]);
    assert_eq!(
        places(&found),
        vec![
            (1, "registration_number".to_owned()),
            (1, "sv_number".to_owned()),
            (2, "professions[1]".to_owned()),
        ],
        "{found:#?}"
    );
    assert!(found[0].message.contains("professionals[0]"));
}

#[test]
fn json_errors_and_shape() {
    match parse_professionals("[\n {\"surname\": \"A\",\n  \"surname\": \"B\"}]") {
        Err(RegisterError::Json { line, message, .. }) => {
            assert_eq!(line, 3);
            assert!(message.contains("twice"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match parse_professionals("[\n  {\"a\": 1,}\n]") {
        Err(RegisterError::Json { line: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        parse_professionals("{}"),
        Err(RegisterError::NotAnArray { found: "an object" })
    );
}

#[test]
fn field_rules() {
    assert!(validate_registration_number("00198705840").is_ok());
    for bad in [
        "",
        "1234567890",
        "123456789012",
        "1234567890a",
        "１２３４５６７８９０１",
    ] {
        assert!(validate_registration_number(bad).is_err(), "{bad}");
    }
    assert!(
        validate_registration_number("101 0012 3456")
            .unwrap_err()
            .contains("`10100123456`")
    );
    assert!(validate_sv_number("032680").is_ok());
    assert!(validate_sv_number(FOREIGN_PRESCRIBER_CODE).is_err());
    assert!(
        validate_sv_number("10100123456")
            .unwrap_err()
            .contains("registration number")
    );
    for good in [
        "Nguyễn",
        "O'Brien",
        "von Wright",
        "Anna-Liisa",
        "Åsa",
        "J. R. R.",
        "Zoë",
    ] {
        assert_eq!(
            check_person_name(good, "name"),
            Vec::<String>::new(),
            "{good}"
        );
    }
    // Combining marks (a decomposed ë).
    assert!(check_person_name("Zoe\u{0308}", "name").is_empty());
    for bad in [
        "",
        " Aino",
        "Aino ",
        "Ai\nno",
        "R2-D2",
        "Aino\u{202E}",
        "---",
        "Ai<no",
        &"a".repeat(65),
    ] {
        assert!(!check_person_name(bad, "name").is_empty(), "{bad:?}");
    }
    assert!(validate_profession_code("001").is_ok());
    assert!(validate_profession_code("").is_err());
    assert!(validate_profession_code("0 1").is_err());
    assert!(validate_profession_code(&"1".repeat(17)).is_err());
    assert_eq!(format_date(parse_date("2024-02-29").unwrap()), "2024-02-29");
    for bad in [
        "2023-02-29",
        "1.6.2020",
        "2020-13-01",
        "1899-12-31",
        "2200-01-01",
        "2020-1-01",
    ] {
        assert!(parse_date(bad).is_err(), "{bad}");
    }
    assert_eq!(format_date(parse_date("2199-12-31").unwrap()), "2199-12-31");
}

#[test]
fn settings_in_the_ceremony() {
    use crate::Ceremony;
    assert_eq!(
        Ceremony::default().registers.on_right_ended,
        EndedRightAction::Flag
    );
    let c = Ceremony::from_toml("[registers]\non_right_ended = \"revoke\"\n").unwrap();
    assert_eq!(c.registers.on_right_ended, EndedRightAction::Revoke);
    assert_eq!(c.registers.on_right_ended.as_str(), "revoke");
    assert!(Ceremony::from_toml("[registers]\non_right_ended = \"delete\"\n").is_err());
    assert!(Ceremony::from_toml("[registers]\nother = 1\n").is_err());
    assert_eq!(
        EndedRightAction::REVOCATION_REASON.name(),
        "affiliationChanged"
    );
}

// ---- properties ----

/// Ways to break one field of a good record: (field, JSON pointer, bad value, key on
/// the line). The pointer is into the person.
fn corruptions() -> Vec<(&'static str, &'static str, Value, &'static str)> {
    vec![
        (
            "registration_number",
            "/registration_number",
            json!("12345"),
            "registration_number",
        ),
        (
            "registration_number",
            "/registration_number",
            json!(12345678901_u64),
            "registration_number",
        ),
        ("surname", "/surname", json!(""), "surname"),
        ("surname", "/surname", json!("Tab\tbed"), "surname"),
        (
            "given_names",
            "/given_names",
            json!(["Aino"]),
            "given_names",
        ),
        ("birth_year", "/birth_year", json!("1975"), "birth_year"),
        ("sv_number", "/sv_number", json!("90001"), "sv_number"),
        ("professions", "/professions", json!([]), "professions"),
        (
            "professions[0].register",
            "/professions/0/register",
            json!("kela"),
            "register",
        ),
        (
            "professions[0].profession",
            "/professions/0/profession",
            json!(""),
            "profession",
        ),
        (
            "professions[0].title",
            "/professions/0/title",
            json!(" Lääkäri"),
            "title",
        ),
        (
            "professions[0].right",
            "/professions/0/right",
            json!("full"),
            "right",
        ),
        (
            "professions[0].valid_from",
            "/professions/0/valid_from",
            json!("2001-06-31"),
            "valid_from",
        ),
        (
            "professions[0].valid_until",
            "/professions/0/valid_until",
            json!("1999-01-01"),
            "valid_until",
        ),
        (
            "professions[0].prescribing",
            "/professions/0/prescribing",
            json!(1),
            "prescribing",
        ),
        (
            "professions[0].restrictions",
            "/professions/0/restrictions",
            json!("none"),
            "restrictions",
        ),
    ]
}

fn person(number: u64, sv: u32) -> Value {
    let mut v = doctor();
    v["registration_number"] = json!(format!("{number:011}"));
    v["sv_number"] = json!(format!("{sv:06}"));
    v
}

proptest! {
    #[test]
    fn one_bad_field_is_named_with_its_line(
        n in 1usize..6,
        seed in any::<u64>(),
        which in 0usize..16,
    ) {
        let corruption = &corruptions()[which % corruptions().len()];
        let mut people: Vec<Value> = (0..n)
            .map(|i| person(10_000_000_000 + seed % 1_000_000 * 10 + i as u64, 100_000 + i as u32))
            .collect();
        let target = (seed as usize) % n;
        *people[target].pointer_mut(corruption.1).unwrap() = corruption.2.clone();
        let text = pretty(&people);
        let found = problems_of(&text);
        prop_assert_eq!(found.len(), 1, "{:#?}", found);
        prop_assert_eq!(found[0].index, target);
        prop_assert_eq!(&found[0].field, corruption.0);
        let line = found[0].line.unwrap();
        let content = text.lines().nth(line - 1).unwrap();
        prop_assert!(content.contains(&format!("\"{}\"", corruption.3)), "line {}: {}", line, content);
    }

    #[test]
    fn good_people_all_parse(numbers in proptest::collection::hash_set(0u64..99_999_999_999, 0..8)) {
        let people: Vec<Value> = numbers
            .iter()
            .enumerate()
            .map(|(i, n)| person(*n, 100_000 + i as u32))
            .collect();
        let parsed = parse_professionals(&pretty(&people)).unwrap();
        prop_assert_eq!(parsed.len(), numbers.len());
        for p in &parsed {
            prop_assert_eq!(p.registration_number.len(), 11);
        }
    }

    #[test]
    fn registration_numbers_are_exactly_eleven_digits(s in "\\PC{0,14}") {
        let ok = s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit());
        prop_assert_eq!(validate_registration_number(&s).is_ok(), ok);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = parse_professionals(&s);
        let _ = lines::value_lines(&s);
    }
}

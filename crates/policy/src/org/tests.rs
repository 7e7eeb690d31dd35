//! Unit tests of the organisation register rules.

use super::*;

const EXAMPLE: &str = include_str!("../../../../examples/organisations.json");

fn record(oid: &str, business_id: &str, domains: &[&str]) -> Value {
    serde_json::json!({
        "oid": oid,
        "name": {"fi": "Testilän hyvinvointialue", "sv": "Testby välfärdsområde", "en": ""},
        "business_id": business_id,
        "sector": "public",
        "kanta_intermediary": false,
        "domains": domains,
    })
}

fn good() -> Value {
    record("1.2.246.10.2048198.10.0", "0204819-8", &["example.fi"])
}

fn parse_values(values: &[Value]) -> Result<Vec<Organisation>, OrgError> {
    parse_organisations(&Value::Array(values.to_vec()).to_string())
}

fn problems(values: &[Value]) -> Vec<OrgProblem> {
    match parse_values(values) {
        Err(OrgError::Invalid(problems)) => problems,
        other => panic!("expected OrgError::Invalid, got {other:?}"),
    }
}

fn org(domains: &[&str]) -> Organisation {
    let mut v = good();
    v["domains"] = serde_json::json!(domains);
    parse_values(&[v]).unwrap().remove(0)
}

// ---- the example file ----

#[test]
fn example_file_parses_and_covers_the_sectors() {
    let orgs = parse_organisations(EXAMPLE).unwrap();
    assert!(orgs.len() >= 20, "only {} organisations", orgs.len());
    assert!(orgs.iter().any(|o| o.sector == Sector::Public));
    assert!(orgs.iter().any(|o| o.sector == Sector::Private));
    // R-SYSSIG-APPLICANT: exactly one Kanta intermediary, the IT vendor.
    let intermediaries: Vec<&Organisation> = orgs.iter().filter(|o| o.kanta_intermediary).collect();
    assert_eq!(intermediaries.len(), 1);
    assert_eq!(intermediaries[0].long_name(), "Hiidenkivi Terveysdata Oy");
    assert_eq!(intermediaries[0].sector, Sector::Private);
    // Every OID is <register arc><business id digits without the dash>.10.0.
    for o in &orgs {
        let digits = o.business_id.replace('-', "");
        assert_eq!(
            o.oid,
            format!("1.2.246.10.{digits}.10.0"),
            "{}",
            o.long_name()
        );
        assert!(o.long_name().chars().count() <= MAX_NAME_CHARS);
    }
    // Business ids are unique, too.
    let ids: HashSet<&str> = orgs.iter().map(|o| o.business_id.as_str()).collect();
    assert_eq!(ids.len(), orgs.len());
}

#[test]
fn example_file_has_the_expected_kinds_of_organisation() {
    let orgs = parse_organisations(EXAMPLE).unwrap();
    let names: Vec<&str> = orgs.iter().map(Organisation::long_name).collect();
    let count = |needle: &str| names.iter().filter(|n| n.contains(needle)).count();
    assert!(count("hyvinvointialue") >= 2, "{names:?}");
    assert!(count("yliopistollinen") >= 1);
    assert!(count("terveyskeskus") >= 2);
    assert!(count("apteekki") >= 4);
    assert!(count("Hammas") >= 2);
    assert!(count("Työterveys") >= 1);
    assert!(count("Hoivakoti") >= 1);
    assert!(count("Laboratorio") >= 1);
    // Pharmacies are private.
    for o in orgs.iter().filter(|o| o.long_name().contains("apteekki")) {
        assert_eq!(o.sector, Sector::Private, "{}", o.long_name());
    }
    // A public body without domains, one with several, and an IDN A-label.
    assert!(
        orgs.iter()
            .any(|o| o.sector == Sector::Public && o.domains.is_empty())
    );
    assert!(
        orgs.iter()
            .any(|o| o.sector == Sector::Public && o.domains.len() >= 2)
    );
    assert!(
        orgs.iter()
            .flat_map(|o| &o.domains)
            .any(|d| d.starts_with("xn--"))
    );
    // An empty English name fell back to the Finnish one.
    assert!(orgs.iter().all(|o| !o.name.en.is_empty()));
    assert!(orgs.iter().any(|o| o.name.en == o.name.fi));
}

#[test]
fn example_file_domains_are_owned_by_their_organisations() {
    let orgs = parse_organisations(EXAMPLE).unwrap();
    let jarvilaakso = orgs
        .iter()
        .find(|o| o.long_name() == "Järvilaakson hyvinvointialue")
        .unwrap();
    assert_eq!(jarvilaakso.name.sv, "Järvidalens välfärdsområde");
    assert_eq!(jarvilaakso.sector, Sector::Public);
    assert!(jarvilaakso.dns_name_allowed("kanta.jarvilaakso-hva.fi"));
    assert!(!jarvilaakso.dns_name_allowed("hiidenkivi-data.fi"));
    // No domain is registered to two organisations.
    let mut owner: HashMap<&str, &str> = HashMap::new();
    for o in &orgs {
        for d in &o.domains {
            assert!(
                owner.insert(d.as_str(), o.oid.as_str()).is_none(),
                "{d} registered twice"
            );
        }
    }
}

// ---- parsing and error reporting ----

#[test]
fn parses_a_valid_record_and_falls_back_to_finnish_english_name() {
    let orgs = parse_values(&[good()]).unwrap();
    assert_eq!(orgs.len(), 1);
    let o = &orgs[0];
    assert_eq!(o.oid, "1.2.246.10.2048198.10.0");
    assert_eq!(o.long_name(), "Testilän hyvinvointialue");
    assert_eq!(o.name.en, "Testilän hyvinvointialue");
    assert_eq!(o.sector, Sector::Public);
    assert!(!o.kanta_intermediary);
    assert_eq!(o.domains, vec!["example.fi".to_owned()]);
}

#[test]
fn optional_fields_default() {
    let mut v = good();
    let map = v.as_object_mut().unwrap();
    map.remove("kanta_intermediary");
    map.remove("domains");
    map["name"].as_object_mut().unwrap().remove("en");
    let o = parse_values(&[v]).unwrap().remove(0);
    assert!(!o.kanta_intermediary);
    assert!(o.domains.is_empty());
    assert_eq!(o.name.en, o.name.fi);
}

#[test]
fn english_name_is_kept_when_given() {
    let mut v = good();
    v["name"]["en"] = "Testilä Wellbeing Services County".into();
    let o = parse_values(&[v]).unwrap().remove(0);
    assert_eq!(o.name.en, "Testilä Wellbeing Services County");
    assert_eq!(o.long_name(), "Testilän hyvinvointialue");
}

#[test]
fn empty_array_is_accepted() {
    assert_eq!(parse_organisations("[]").unwrap(), Vec::new());
}

#[test]
fn syntax_error_has_line_and_column() {
    let err = parse_organisations("[\n  {\"oid\": \"1.2\",\n  oops\n]").unwrap_err();
    match &err {
        OrgError::Json {
            line,
            column,
            message,
        } => {
            assert_eq!(*line, 3);
            assert!(*column > 0);
            assert!(!message.contains("at line"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("line 3"));
}

#[test]
fn duplicate_keys_are_rejected_with_position() {
    let json = "[{\"oid\": \"1.2.246.10.2048198.10.0\",\n \"oid\": \"1.2.246.10.1.10.0\"}]";
    match parse_organisations(json).unwrap_err() {
        OrgError::Json { line, message, .. } => {
            assert_eq!(line, 2);
            assert!(message.contains("`oid` appears twice"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn top_level_must_be_an_array() {
    let err = parse_organisations(&good().to_string()).unwrap_err();
    assert_eq!(err, OrgError::NotAnArray { found: "an object" });
    assert!(err.to_string().contains("JSON array"));
}

#[test]
fn reports_all_problems_of_all_records() {
    let mut bad_names = good();
    bad_names["oid"] = "1.2.246.10.1.10.0".into();
    bad_names["name"]["fi"] = " ".into();
    bad_names["name"]["sv"] = "Rad\nbrytning".into();
    let bad_id_and_domain = record("1.2.246.10.2.10.0", "0204819-7", &["Example.fi"]);
    let ps = problems(&[good(), bad_names, bad_id_and_domain]);
    let fields: Vec<(usize, &str)> = ps.iter().map(|p| (p.index, p.field.as_str())).collect();
    assert_eq!(
        fields,
        vec![
            (1, "name.fi"),
            (1, "name.sv"),
            (2, "business_id"),
            (2, "domains[0]")
        ]
    );
    assert_eq!(ps[2].oid.as_deref(), Some("1.2.246.10.2.10.0"));
    assert!(ps[3].message.contains("lower case: `example.fi`"));
    let text = OrgError::Invalid(ps).to_string();
    assert!(
        text.starts_with("4 problems in the organisation file:"),
        "{text}"
    );
    assert!(
        text.contains(
            "organisations[2] (oid `1.2.246.10.2.10.0`), field `business_id`: `0204819-7`"
        )
    );
}

#[test]
fn duplicate_oid_in_one_file_is_rejected() {
    let mut other = good();
    other["business_id"] = "0112038-9".into();
    let ps = problems(&[good(), other.clone(), other]);
    assert_eq!(ps.len(), 2);
    for (p, index) in ps.iter().zip([1, 2]) {
        assert_eq!(p.index, index);
        assert_eq!(p.field, "oid");
        assert!(
            p.message.contains("already used by organisations[0]"),
            "{p}"
        );
    }
}

#[test]
fn shape_errors_name_each_field() {
    let v = serde_json::json!({
        "oid": 5,
        "name": {"fi": "A", "sv": "B", "de": "C"},
        "sector": "Public",
        "kanta_intermediary": "no",
        "domains": ["example.fi", 7],
        "colour": "blue"
    });
    let ps = problems(&[v, serde_json::json!("not an object")]);
    let fields: Vec<(usize, &str)> = ps.iter().map(|p| (p.index, p.field.as_str())).collect();
    assert_eq!(
        fields,
        vec![
            (0, "colour"),
            (0, "oid"),
            (0, "name.de"),
            (0, "business_id"),
            (0, "sector"),
            (0, "kanta_intermediary"),
            (0, "domains[1]"),
            (1, "(record)"),
        ]
    );
    assert_eq!(ps[0].oid, None);
    assert!(ps[3].message.contains("missing"));
    assert!(
        ps[4].message.contains("\"public\" or \"private\""),
        "{}",
        ps[4]
    );
    assert!(ps[7].message.contains("a string, not an object"));
}

#[test]
fn shape_and_rule_problems_are_collected_across_records() {
    let mut shape = good();
    shape["sector"] = "municipal".into();
    shape["oid"] = "1.2.246.10.3.10.0".into();
    let rule = record("1.2.246.10.4.10.0", "1234567-0", &[]);
    let ps = problems(&[shape, rule]);
    assert_eq!(ps.len(), 2);
    assert_eq!((ps[0].index, ps[0].field.as_str()), (0, "sector"));
    assert_eq!((ps[1].index, ps[1].field.as_str()), (1, "business_id"));
}

#[test]
fn rules_are_checked_on_the_well_typed_fields_of_a_broken_record() {
    let v = serde_json::json!({
        "oid": "1.2.246.10.02048198.10.0",
        "name": {"fi": "Nimi ", "sv": 3},
        "business_id": "204819-8",
        "sector": "x",
        "domains": ["Example.fi", false, "ok.example.fi"]
    });
    let ps = problems(&[v]);
    let fields: Vec<&str> = ps.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "name.sv",
            "sector",
            "domains[1]",
            "oid",
            "name.fi",
            "business_id",
            "domains[0]"
        ]
    );
    assert!(ps[5].message.contains("`0204819-8`"), "{}", ps[5]);
}

#[test]
fn into_organisation_validates_one_record() {
    let input: OrganisationInput = serde_json::from_value(good()).unwrap();
    let o = input
        .clone()
        .into_organisation(&OrgRules::default())
        .unwrap();
    assert_eq!(o.long_name(), "Testilän hyvinvointialue");
    let rules = OrgRules {
        oid_prefix: "1.2.246.999".to_owned(),
    };
    match input.into_organisation(&rules).unwrap_err() {
        OrgError::Invalid(ps) => {
            assert_eq!(ps.len(), 1);
            assert!(ps[0].message.contains("`1.2.246.999.`"), "{}", ps[0]);
        }
        other => panic!("{other:?}"),
    }
}

// ---- OIDs (R-REGISTERS) ----

#[test]
fn oid_syntax() {
    for ok in [
        "0.0",
        "1.39",
        "2.999",
        "1.2.246.10.2048198.10.0",
        "2.5.4.10",
    ] {
        assert_eq!(validate_oid(ok), Ok(()), "{ok}");
    }
    for bad in [
        "",
        "1",
        "3.1",
        "1.40",
        "0.100",
        "1.2..3",
        ".1.2",
        "1.2.",
        "1.02",
        "01.2",
        "1.2.a",
        " 1.2",
        "1.2 ",
        "1.-2",
        "1.2.246.10.02048198.10.0",
        "1,2",
    ] {
        assert!(validate_oid(bad).is_err(), "{bad:?}");
    }
    assert!(
        validate_oid("1.2.246.10.02048198.10.0")
            .unwrap_err()
            .contains("`2048198`")
    );
}

#[test]
fn oid_must_be_below_the_register_arc() {
    for oid in [
        "1.2.246.10",
        "1.2.246.100.1.10.0",
        "1.2.246.517.1",
        "2.16.840.1",
    ] {
        let mut v = good();
        v["oid"] = oid.into();
        let ps = problems(&[v]);
        assert_eq!(ps.len(), 1, "{oid}: {ps:?}");
        assert_eq!(ps[0].field, "oid");
    }
    let mut v = good();
    v["oid"] = "1.2.246.10.2048198.10.0.1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18".into();
    let ps = problems(&[v]);
    assert!(ps[0].message.contains("serialNumber"), "{}", ps[0]);
}

#[test]
fn oid_prefix_is_configurable() {
    let mut v = good();
    v["oid"] = "1.3.6.1.4.1.99999.5.1".into();
    let json = Value::Array(vec![v]).to_string();
    assert!(parse_organisations(&json).is_err());
    for prefix in ["1.3.6.1.4.1.99999", "1.3.6.1.4.1.99999.", ""] {
        let rules = OrgRules {
            oid_prefix: prefix.to_owned(),
        };
        assert!(parse_organisations_with(&json, &rules).is_ok(), "{prefix}");
    }
    let rules = OrgRules {
        oid_prefix: "1.3.6.1.4.1.9999".to_owned(),
    };
    assert!(parse_organisations_with(&json, &rules).is_err());
    let rules = OrgRules {
        oid_prefix: "1.2.x".to_owned(),
    };
    assert!(matches!(
        parse_organisations_with(&json, &rules),
        Err(OrgError::InvalidPrefix { .. })
    ));
    assert_eq!(OrgRules::default().oid_prefix, "1.2.246.10.");
}

// ---- business ids (R-REGISTERS) ----

#[test]
fn business_id_check_digit_of_real_looking_ids() {
    assert_eq!(validate_business_id("0204819-8"), Ok(()));
    assert!(validate_business_id("0204819-7").is_err());
    // 0,2,0,4,8,1,9 weighted: 0+18+0+20+64+4+18 = 124; 124 mod 11 = 3; 11-3 = 8.
    assert_eq!(business_id_check_digit("0204819"), Some(8));
    assert_eq!(validate_business_id("0112038-9"), Ok(()));
    // Remainder 0 gives check digit 0.
    assert_eq!(business_id_check_digit("0246246"), Some(0));
    assert_eq!(validate_business_id("0246246-0"), Ok(()));
    assert_eq!(business_id_check_digit("0000000"), Some(0));
}

#[test]
fn remainder_one_has_no_valid_check_digit() {
    // 6 * 2 = 12, 12 mod 11 = 1.
    assert_eq!(business_id_check_digit("0000006"), None);
    for c in 0..10 {
        let err = validate_business_id(&format!("0000006-{c}")).unwrap_err();
        assert!(err.contains("remainder 1"), "{err}");
    }
}

#[test]
fn exactly_one_check_digit_fits_unless_remainder_is_one() {
    for n in (0..10_000_000_u32).step_by(7919) {
        let digits = format!("{n:07}");
        let valid: Vec<u32> = (0..10)
            .filter(|c| validate_business_id(&format!("{digits}-{c}")).is_ok())
            .collect();
        let sum: u32 = digits
            .bytes()
            .zip(BUSINESS_ID_WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        match sum % 11 {
            1 => assert!(valid.is_empty(), "{digits}"),
            0 => assert_eq!(valid, vec![0], "{digits}"),
            r => assert_eq!(valid, vec![11 - r], "{digits}"),
        }
    }
}

#[test]
fn business_id_form() {
    for bad in [
        "",
        "02048198",
        "204819-8",
        "0204819-",
        "0204819 8",
        "0204819–8",
        "a204819-8",
        " 0204819-8",
        "0204819-8 ",
        "00204819-8",
        "0204819-88",
        "FI02048198",
    ] {
        assert!(validate_business_id(bad).is_err(), "{bad:?}");
    }
    assert!(
        validate_business_id("02048198")
            .unwrap_err()
            .contains("`0204819-8`")
    );
    assert!(
        validate_business_id("204819-8")
            .unwrap_err()
            .contains("`0204819-8`")
    );
    assert_eq!(business_id_check_digit("020481"), None);
    assert_eq!(business_id_check_digit("020481x"), None);
}

// ---- names (R-LONGNAME) ----

fn name_problems(fi: &str, sv: &str, en: &str) -> Vec<String> {
    let mut v = good();
    v["name"] = serde_json::json!({"fi": fi, "sv": sv, "en": en});
    match parse_values(&[v]) {
        Ok(_) => Vec::new(),
        Err(OrgError::Invalid(ps)) => ps.into_iter().map(|p| p.field).collect(),
        Err(other) => panic!("{other:?}"),
    }
}

#[test]
fn name_length_boundary_is_64_characters() {
    let a64 = "ä".repeat(64); // 128 bytes, 64 characters
    let a65 = "ä".repeat(65);
    assert!(name_problems(&a64, &a64, &a64).is_empty());
    assert_eq!(name_problems(&a65, "x", ""), vec!["name.fi"]);
    assert_eq!(name_problems("x", &a65, ""), vec!["name.sv"]);
    assert_eq!(name_problems("x", "x", &a65), vec!["name.en"]);
}

#[test]
fn names_are_required_trimmed_and_single_line() {
    assert_eq!(name_problems("", "x", ""), vec!["name.fi"]);
    assert_eq!(name_problems("x", "", ""), vec!["name.sv"]);
    assert_eq!(name_problems("x ", " x", ""), vec!["name.fi", "name.sv"]);
    assert_eq!(name_problems("a\tb", "x", ""), vec!["name.fi"]);
    assert_eq!(name_problems("x", "a\u{7f}b", ""), vec!["name.sv"]);
    assert_eq!(name_problems("a\u{200b}b", "x", ""), vec!["name.fi"]);
    assert_eq!(name_problems("a\u{202e}b", "x", ""), vec!["name.fi"]);
    assert_eq!(name_problems("x", "x", "   "), vec!["name.en"]);
    // Several problems in one name are all reported.
    let long_with_newline = format!(" {}\n", "a".repeat(70));
    assert_eq!(
        name_problems(&long_with_newline, "x", ""),
        vec!["name.fi", "name.fi", "name.fi"]
    );
    // Ordinary punctuation and Nordic letters are fine.
    assert!(name_problems("Åbolands Apotek – Ö:n & Co. (Oy)", "x", "").is_empty());
}

#[test]
fn long_name_message_explains_the_bound() {
    let mut v = good();
    v["name"]["fi"] = "a".repeat(65).into();
    let ps = problems(&[v]);
    assert!(ps[0].message.contains("65 characters"));
    assert!(ps[0].message.contains("organizationName"));
    assert!(ps[0].message.contains("R-LONGNAME"));
}

// ---- domains (R-ELIGIBLE) ----

#[test]
fn dns_name_accepts_ldh_names() {
    for ok in [
        "example.fi",
        "www.example.fi",
        "a.b",
        "kanta-yhteys.jarvilaakso-hva.fi",
        "xn--jrvilaakso-hva-5hb.fi",
        "1st.example.fi",
        "example.xn--p1ai",
    ] {
        assert_eq!(validate_dns_name(ok, false), Ok(()), "{ok}");
    }
}

#[test]
fn dns_name_rejects_bad_names() {
    for bad in [
        "",
        ".",
        "fi",
        "localhost",
        "example.fi.",
        ".example.fi",
        "www..example.fi",
        "-a.example.fi",
        "a-.example.fi",
        "under_score.example.fi",
        "Example.fi",
        "192.168.1.1",
        "::1",
        "fe80::1",
        "1.2.3",
        "example.123",
        "https://example.fi",
        "example.fi:443",
        "example.fi/path",
        "two words.fi",
        "*.example.fi",
    ] {
        assert!(validate_dns_name(bad, false).is_err(), "{bad:?}");
    }
}

#[test]
fn dns_name_errors_explain_the_fix() {
    let idn = validate_dns_name("järvilaakso-hva.fi", false).unwrap_err();
    assert!(idn.contains("xn--"), "{idn}");
    assert!(idn.contains("A-label"), "{idn}");
    assert!(
        validate_dns_name("example.fi.", false)
            .unwrap_err()
            .contains("`example.fi`")
    );
    assert!(
        validate_dns_name("10.0.0.1", false)
            .unwrap_err()
            .contains("IP address")
    );
    assert!(
        validate_dns_name("*.example.fi", false)
            .unwrap_err()
            .contains("not allowed")
    );
}

#[test]
fn dns_name_length_boundaries() {
    let l63 = "a".repeat(63);
    let l64 = "a".repeat(64);
    assert_eq!(validate_dns_name(&format!("{l63}.fi"), false), Ok(()));
    assert!(validate_dns_name(&format!("{l64}.fi"), false).is_err());
    let name253 = format!("{l63}.{l63}.{l63}.{}", "d".repeat(61));
    assert_eq!(name253.len(), 253);
    assert_eq!(validate_dns_name(&name253, false), Ok(()));
    let name254 = format!("{l63}.{l63}.{l63}.{}", "d".repeat(62));
    assert_eq!(name254.len(), 254);
    assert!(validate_dns_name(&name254, false).is_err());
    assert_eq!(validate_dns_name("a.b", false), Ok(()));
}

#[test]
fn wildcards_only_when_allowed_and_well_placed() {
    for ok in ["*.example.fi", "*.www.example.fi"] {
        assert_eq!(validate_dns_name(ok, true), Ok(()), "{ok}");
    }
    for bad in [
        "*",
        "*.fi",
        "*.",
        "*.*.example.fi",
        "www.*.example.fi",
        "w*.example.fi",
        "*w.example.fi",
        "**.example.fi",
        "example.*",
        "*..fi",
        "*.Example.fi",
    ] {
        assert!(validate_dns_name(bad, true).is_err(), "{bad:?}");
    }
    assert!(
        validate_dns_name("*.fi", true)
            .unwrap_err()
            .contains("two labels after")
    );
}

#[test]
fn registered_domains_are_validated_and_unique() {
    let v = record(
        "1.2.246.10.2048198.10.0",
        "0204819-8",
        &[
            "example.fi",
            "*.example.fi",
            "example.fi",
            "sub.example.fi",
            "xn--jrvi-loa.fi",
        ],
    );
    let ps = problems(&[v]);
    let fields: Vec<&str> = ps.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, vec!["domains[1]", "domains[2]"]);
    assert!(ps[1].message.contains("domains[0]"));
}

#[test]
fn any_sector_may_have_no_domains() {
    let public = record("1.2.246.10.2048198.10.0", "0204819-8", &[]);
    let mut private = record("1.2.246.10.1120389.10.0", "0112038-9", &[]);
    private["sector"] = "private".into();
    let orgs = parse_values(&[public, private]).unwrap();
    assert!(orgs.iter().all(|o| o.domains.is_empty()));
    assert!(!orgs[0].dns_name_allowed("example.fi"));
}

#[test]
fn dns_name_allowed_respects_label_boundaries() {
    let o = org(&["example.fi", "palvelu.toinen.fi"]);
    for allowed in [
        "example.fi",
        "www.example.fi",
        "a.b.c.example.fi",
        "EXAMPLE.FI",
        "Www.Example.Fi",
        "*.example.fi",
        "*.x.example.fi",
        "palvelu.toinen.fi",
        "api.palvelu.toinen.fi",
    ] {
        assert!(o.dns_name_allowed(allowed), "{allowed}");
    }
    for refused in [
        "evilexample.fi",
        "example.fi.evil.fi",
        "fi",
        "toinen.fi",
        "muu.toinen.fi",
        "xpalvelu.toinen.fi",
        ".example.fi",
        "www..example.fi",
        "example.fi.",
        "*.fi",
        "*",
        "",
        "wwwexample.fi",
        "www.exam ple.fi",
        "www.exämple.fi",
    ] {
        assert!(!o.dns_name_allowed(refused), "{refused:?}");
    }
    // A wildcard over a registered host covers more than the organisation holds.
    let host_only = org(&["www.example.fi"]);
    assert!(!host_only.dns_name_allowed("*.example.fi"));
    assert!(host_only.dns_name_allowed("*.www.example.fi"));
    assert!(!host_only.dns_name_allowed("example.fi"));
}

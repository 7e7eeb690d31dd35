//! Organisation register rules: which organisations may hold service certificates,
//! under which name, and for which DNS names.
//!
//! Service certificates are granted only to organisations in the national SOTE
//! organisation register (R-REGISTERS, R-ELIGIBLE). CarePKI imports that register
//! (or the part of it a deployment serves) from a JSON file: an array of records
//!
//! ```json
//! [{"oid": "1.2.246.10.2048198.10.0",
//!   "name": {"fi": "Järvilaakson hyvinvointialue", "sv": "Järvidalens välfärdsområde", "en": ""},
//!   "business_id": "0204819-8", "sector": "public", "kanta_intermediary": false,
//!   "domains": ["jarvilaakso-hva.fi"]}]
//! ```
//!
//! This module turns such a file into validated [`Organisation`] values ("parse,
//! don't validate"): [`parse_organisations`] reports *every* problem it finds in the
//! file at once, each naming the record (array index and OID), the field, and how to
//! fix it. It is pure: no I/O, no clock.
//!
//! Rules enforced here:
//! - R-REGISTERS: the organisation OID is a valid dotted OID inside the SOTE
//!   organisation register arc (default `1.2.246.10.`, configurable through
//!   [`OrgRules`]); OIDs are unique within a file; the business id (Y-tunnus) has a
//!   valid check digit.
//! - R-LONGNAME: the Finnish name is the long name that becomes the certificate's
//!   organizationName (O) attribute, so it is at most 64 characters (X.520
//!   `ub-organization-name`), single-line, without invisible formatting characters.
//! - R-ELIGIBLE: a server certificate may only name DNS names the organisation
//!   administers: the registered domains and their subdomains
//!   ([`Organisation::dns_name_allowed`]). Registered domains are lower-case LDH
//!   host names ([`validate_dns_name`]).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The default OID arc of the SOTE organisation register (R-REGISTERS): every
/// imported organisation OID must lie below it.
pub const DEFAULT_OID_PREFIX: &str = "1.2.246.10.";

/// Maximum length, in characters, of an organisation name (fi, sv and en).
///
/// The Finnish name becomes the certificate's organizationName (O) attribute
/// (R-LONGNAME), whose X.520 upper bound `ub-organization-name` is 64.
pub const MAX_NAME_CHARS: usize = 64;

/// Maximum length, in characters, of an organisation OID.
///
/// The OID is written into the subject's serialNumber attribute, whose X.520
/// upper bound `ub-serial-number` is 64.
pub const MAX_OID_CHARS: usize = 64;

/// Maximum length of a DNS name in its textual form without a trailing dot (RFC 1035).
pub const MAX_DNS_NAME_LEN: usize = 253;

/// Maximum length of one DNS label (RFC 1035).
pub const MAX_DNS_LABEL_LEN: usize = 63;

/// Weights of the Finnish business id (Y-tunnus) check digit, applied from the left
/// over the seven digits.
const BUSINESS_ID_WEIGHTS: [u32; 7] = [7, 9, 10, 5, 8, 4, 2];

/// The fields an organisation record may have.
const FIELDS: [&str; 6] = [
    "oid",
    "name",
    "business_id",
    "sector",
    "kanta_intermediary",
    "domains",
];

/// The fields of an organisation's localised name.
const NAME_FIELDS: [&str; 3] = ["fi", "sv", "en"];

/// Whether an organisation is a public body or a private provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sector {
    /// A public body: a wellbeing services county, municipality, joint authority, …
    Public,
    /// A private service provider, pharmacy or IT service provider.
    Private,
}

/// An organisation's name in Finnish, Swedish and English.
///
/// In an [`OrganisationInput`] `en` may be empty or missing; in a validated
/// [`Organisation`] all three are non-empty, because an empty English name has been
/// replaced by the Finnish one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalisedName {
    /// The Finnish name: the organisation's long name, used as the certificate's
    /// organizationName (O) (R-LONGNAME).
    pub fi: String,
    /// The Swedish name.
    pub sv: String,
    /// The English name; empty in the input means "same as the Finnish name".
    #[serde(default)]
    pub en: String,
}

/// One organisation record exactly as it appears in the import file, not yet validated.
///
/// `kanta_intermediary` defaults to `false` and `domains` to an empty list when missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    /// The organisation's OID in the SOTE organisation register.
    pub oid: String,
    /// The organisation's names.
    pub name: LocalisedName,
    /// The business id (Y-tunnus), `NNNNNNN-C`.
    pub business_id: String,
    /// Public or private.
    pub sector: Sector,
    /// Whether the organisation is listed in the Kanta intermediary register
    /// (R-SYSSIG-APPLICANT).
    #[serde(default)]
    pub kanta_intermediary: bool,
    /// The DNS domains the organisation administers (R-ELIGIBLE).
    #[serde(default)]
    pub domains: Vec<String>,
}

/// A validated organisation from the SOTE organisation register.
///
/// Values returned by [`parse_organisations`] satisfy every rule of this module; the
/// fields are public for reading and for tests, so code that builds or changes one
/// by hand takes over that responsibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    /// The organisation OID, a valid dotted OID below the register arc (R-REGISTERS).
    pub oid: String,
    /// The names; all three non-empty, `en` falls back to `fi`.
    pub name: LocalisedName,
    /// The business id (Y-tunnus) with a verified check digit.
    pub business_id: String,
    /// Public or private.
    pub sector: Sector,
    /// Whether the organisation is a Kanta intermediary (R-SYSSIG-APPLICANT).
    pub kanta_intermediary: bool,
    /// Registered domains: lower-case LDH host names without wildcards, no duplicates.
    /// May be empty, in which case the organisation cannot get server certificates.
    pub domains: Vec<String>,
}

impl Organisation {
    /// The organisation's long name, written into the certificate's organizationName
    /// (O) attribute: the Finnish name (R-LONGNAME).
    pub fn long_name(&self) -> &str {
        &self.name.fi
    }

    /// Whether a server certificate for this organisation may name `dns_name`
    /// (R-ELIGIBLE): the name equals one of the registered domains or lies below one
    /// of them at a label boundary (`www.example.fi` is under `example.fi`,
    /// `evilexample.fi` is not). The comparison ignores ASCII case.
    ///
    /// A wildcard such as `*.x.example.fi` is under `example.fi`; whether wildcards
    /// are allowed at all is the certificate profile's decision. Names that are not
    /// valid DNS names ([`validate_dns_name`] with wildcards allowed, after lower-casing)
    /// are never allowed.
    pub fn dns_name_allowed(&self, dns_name: &str) -> bool {
        let name = dns_name.to_ascii_lowercase();
        if validate_dns_name(&name, true).is_err() {
            return false;
        }
        self.domains.iter().any(|domain| {
            let domain = domain.to_ascii_lowercase();
            name == domain
                || name
                    .strip_suffix(domain.as_str())
                    .is_some_and(|head| head.len() > 1 && head.ends_with('.'))
        })
    }
}

impl OrganisationInput {
    /// Validates a single record (for example one entered in a form) as
    /// [`parse_organisations_with`] would validate element 0 of a file.
    pub fn into_organisation(self, rules: &OrgRules) -> Result<Organisation, OrgError> {
        let prefix = rules.normalised_prefix()?;
        let mut problems = Vec::new();
        match validate_record(0, self, &prefix, &mut problems) {
            Some(org) if problems.is_empty() => Ok(org),
            _ => Err(OrgError::Invalid(problems)),
        }
    }
}

/// Deployment-specific parameters of the organisation rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrgRules {
    /// The OID arc every organisation OID must lie strictly below (R-REGISTERS).
    /// Default [`DEFAULT_OID_PREFIX`] (`1.2.246.10.`); a missing trailing dot is
    /// implied, so `1.2.246.10` does not admit `1.2.246.100.…`. The empty string
    /// disables the check.
    pub oid_prefix: String,
}

impl Default for OrgRules {
    fn default() -> Self {
        Self {
            oid_prefix: DEFAULT_OID_PREFIX.to_owned(),
        }
    }
}

impl OrgRules {
    /// The prefix with exactly one trailing dot, or the empty string; checks that it
    /// is an OID.
    fn normalised_prefix(&self) -> Result<String, OrgError> {
        let raw = self.oid_prefix.as_str();
        if raw.is_empty() {
            return Ok(String::new());
        }
        let bare = raw.strip_suffix('.').unwrap_or(raw);
        validate_oid(bare).map_err(|reason| OrgError::InvalidPrefix {
            prefix: raw.to_owned(),
            reason,
        })?;
        Ok(format!("{bare}."))
    }
}

/// One problem found in one organisation record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgProblem {
    /// The record's 0-based index in the JSON array.
    pub index: usize,
    /// The record's `oid` as written in the file, if it has a string `oid`.
    pub oid: Option<String>,
    /// The field concerned, e.g. `business_id`, `name.fi`, `domains[2]`, or
    /// `(record)` for the record as a whole.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for OrgProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "organisations[{}] ", self.index)?;
        match &self.oid {
            Some(oid) => write!(f, "(oid `{oid}`)")?,
            None => f.write_str("(no oid)")?,
        }
        write!(f, ", field `{}`: {}", self.field, self.message)
    }
}

/// Why an organisation file or record was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrgError {
    /// The file is not well-formed JSON, or an object in it repeats a key.
    #[error(
        "the organisation file is not valid JSON at line {line}, column {column}: {message}; \
         fix the file there and import it again"
    )]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// The top level of the file is not a JSON array.
    #[error(
        "the organisation file must be a JSON array of organisation objects, but its top \
         level is {found}; wrap the records in `[` … `]`"
    )]
    NotAnArray {
        /// The kind of JSON value found instead (e.g. "an object").
        found: &'static str,
    },
    /// The configured register OID prefix ([`OrgRules::oid_prefix`]) is not an OID.
    #[error(
        "the SOTE register OID prefix `{prefix}` in the organisation rules is invalid: \
         {reason}; configure a dotted OID such as `{DEFAULT_OID_PREFIX}` (or leave it empty \
         to disable the check)"
    )]
    InvalidPrefix {
        /// The configured prefix.
        prefix: String,
        /// Why it is invalid.
        reason: String,
    },
    /// One or more records break the rules; every problem found is listed.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<OrgProblem>),
}

fn render_problems(problems: &[OrgProblem]) -> String {
    let mut out = format!(
        "{} problem{} in the organisation file:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        out.push_str("\n  - ");
        out.push_str(&problem.to_string());
    }
    out
}

/// Parses and validates an organisation import file with the default [`OrgRules`].
pub fn parse_organisations(json: &str) -> Result<Vec<Organisation>, OrgError> {
    parse_organisations_with(json, &OrgRules::default())
}

/// Parses and validates an organisation import file (R-REGISTERS, R-LONGNAME,
/// R-ELIGIBLE).
///
/// Syntax errors and repeated keys inside an object are reported as
/// [`OrgError::Json`] with line and column. Otherwise every record is checked and
/// all problems are returned together in [`OrgError::Invalid`]; an OID used by more
/// than one record is a problem of each later record. An empty array is accepted.
pub fn parse_organisations_with(
    json: &str,
    rules: &OrgRules,
) -> Result<Vec<Organisation>, OrgError> {
    let prefix = rules.normalised_prefix()?;
    serde_json::from_str::<NoDuplicateKeys>(json).map_err(json_error)?;
    let value: Value = serde_json::from_str(json).map_err(json_error)?;
    let records = match value {
        Value::Array(records) => records,
        other => {
            return Err(OrgError::NotAnArray {
                found: json_kind(&other),
            });
        }
    };

    let mut problems = Vec::new();
    let mut organisations = Vec::with_capacity(records.len());
    let mut first_index_of_oid: HashMap<&str, usize> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let oid = record.get("oid").and_then(Value::as_str);
        if let Some(oid) = oid {
            if let Some(first) = first_index_of_oid.get(oid) {
                problems.push(OrgProblem {
                    index,
                    oid: Some(oid.to_owned()),
                    field: "oid".to_owned(),
                    message: format!(
                        "the OID is already used by organisations[{first}]; an OID identifies \
                         one organisation, so remove the duplicate record or correct its OID"
                    ),
                });
            } else {
                first_index_of_oid.insert(oid, index);
            }
        }
        match OrganisationInput::deserialize(record) {
            Ok(input) => {
                if let Some(org) = validate_record(index, input, &prefix, &mut problems) {
                    organisations.push(org);
                }
            }
            Err(err) => diagnose_shape(index, oid, record, &err, &prefix, &mut problems),
        }
    }
    if problems.is_empty() {
        Ok(organisations)
    } else {
        Err(OrgError::Invalid(problems))
    }
}

fn json_error(err: serde_json::Error) -> OrgError {
    let (line, column) = (err.line(), err.column());
    let full = err.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    OrgError::Json {
        line,
        column,
        message,
    }
}

pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A deserialisation pass that accepts any JSON but rejects an object with a
/// repeated key (which `serde_json::Value` would silently collapse to the last one).
pub(crate) struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(NoDuplicateKeys)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        NoDuplicateKeys::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "the key `{key}` appears twice in the same object; keep only one of them"
                )));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }
}

/// Collects the problems of one record.
struct Record<'a> {
    index: usize,
    oid: Option<&'a str>,
    problems: &'a mut Vec<OrgProblem>,
}

impl Record<'_> {
    fn problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(OrgProblem {
            index: self.index,
            oid: self.oid.map(str::to_owned),
            field: field.into(),
            message: message.into(),
        });
    }

    /// Checks that `map[key]`, if present, has type `T`; reports a missing required key.
    fn typed<T: DeserializeOwned>(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        path: &str,
        required: bool,
        expected: &str,
    ) {
        match map.get(key) {
            None if required => {
                self.problem(path, format!("the field is missing; add it ({expected})"))
            }
            None => {}
            Some(value) => {
                if let Err(err) = T::deserialize(value) {
                    self.problem(path, format!("{err}; write it as {expected}"));
                }
            }
        }
    }
}

/// Explains why a record does not have the shape of an [`OrganisationInput`], field
/// by field, and checks the rules on the fields that do have the right type, so that
/// one import attempt reports every problem.
fn diagnose_shape(
    index: usize,
    oid: Option<&str>,
    record: &Value,
    err: &serde_json::Error,
    prefix: &str,
    problems: &mut Vec<OrgProblem>,
) {
    let before = problems.len();
    let mut rec = Record {
        index,
        oid,
        problems,
    };
    let Some(map) = record.as_object() else {
        rec.problem(
            "(record)",
            format!(
                "the record is {}, not an object; write each organisation as an object with \
                 the fields {}",
                json_kind(record),
                FIELDS.join(", ")
            ),
        );
        return;
    };
    for key in map.keys() {
        if !FIELDS.contains(&key.as_str()) {
            rec.problem(
                key.as_str(),
                format!(
                    "unknown field; remove it or correct its spelling (the fields are {})",
                    FIELDS.join(", ")
                ),
            );
        }
    }
    rec.typed::<String>(
        map,
        "oid",
        "oid",
        true,
        "a string such as \"1.2.246.10.2048198.10.0\"",
    );
    match map.get("name") {
        None => rec.problem(
            "name",
            "the field is missing; add it as an object {\"fi\": …, \"sv\": …, \"en\": …}",
        ),
        Some(Value::Object(name)) => {
            for key in name.keys() {
                if !NAME_FIELDS.contains(&key.as_str()) {
                    rec.problem(
                        format!("name.{key}"),
                        "unknown language; remove it (the name has the fields fi, sv and en)",
                    );
                }
            }
            rec.typed::<String>(name, "fi", "name.fi", true, "a string: the Finnish name");
            rec.typed::<String>(name, "sv", "name.sv", true, "a string: the Swedish name");
            rec.typed::<String>(
                name,
                "en",
                "name.en",
                false,
                "a string: the English name, or \"\"",
            );
        }
        Some(other) => rec.problem(
            "name",
            format!(
                "the name is {}; write it as an object {{\"fi\": …, \"sv\": …, \"en\": …}}",
                json_kind(other)
            ),
        ),
    }
    rec.typed::<String>(
        map,
        "business_id",
        "business_id",
        true,
        "a string such as \"0204819-8\"",
    );
    rec.typed::<Sector>(map, "sector", "sector", true, "\"public\" or \"private\"");
    rec.typed::<bool>(
        map,
        "kanta_intermediary",
        "kanta_intermediary",
        false,
        "true or false",
    );
    match map.get("domains") {
        None => {}
        Some(Value::Array(domains)) => {
            for (i, domain) in domains.iter().enumerate() {
                if !domain.is_string() {
                    rec.problem(
                        format!("domains[{i}]"),
                        format!(
                            "the domain is {}; write it as a string such as \"example.fi\"",
                            json_kind(domain)
                        ),
                    );
                }
            }
        }
        Some(other) => rec.problem(
            "domains",
            format!(
                "the domains are {}; write them as an array of strings such as \
                 [\"example.fi\"] (or [] for none)",
                json_kind(other)
            ),
        ),
    }
    let shape_problems = rec.problems.len() - before;
    check_rules(&mut rec, &RuleFields::from_map(map), prefix);
    if shape_problems == 0 {
        // Not expected: the checks above cover every way the shape can be wrong.
        rec.problem("(record)", format!("{err}; correct the record"));
    }
}

/// Validates one well-shaped record; pushes its problems and returns the organisation
/// only when it has none.
fn validate_record(
    index: usize,
    input: OrganisationInput,
    prefix: &str,
    problems: &mut Vec<OrgProblem>,
) -> Option<Organisation> {
    let before = problems.len();
    let mut rec = Record {
        index,
        oid: Some(input.oid.as_str()),
        problems,
    };

    let fields = RuleFields {
        oid: Some(&input.oid),
        fi: Some(&input.name.fi),
        sv: Some(&input.name.sv),
        en: Some(&input.name.en),
        business_id: Some(&input.business_id),
        domains: input
            .domains
            .iter()
            .enumerate()
            .map(|(i, d)| (i, d.as_str()))
            .collect(),
    };
    check_rules(&mut rec, &fields, prefix);

    if rec.problems.len() > before {
        return None;
    }
    let OrganisationInput {
        oid,
        name,
        business_id,
        sector,
        kanta_intermediary,
        domains,
    } = input;
    let en = if name.en.is_empty() {
        name.fi.clone()
    } else {
        name.en
    };
    Some(Organisation {
        oid,
        name: LocalisedName {
            fi: name.fi,
            sv: name.sv,
            en,
        },
        business_id,
        sector,
        kanta_intermediary,
        domains,
    })
}

/// The fields of a record that have the right JSON type, for the rule checks.
struct RuleFields<'v> {
    oid: Option<&'v str>,
    fi: Option<&'v str>,
    sv: Option<&'v str>,
    en: Option<&'v str>,
    business_id: Option<&'v str>,
    /// (index in the `domains` array, domain)
    domains: Vec<(usize, &'v str)>,
}

impl<'v> RuleFields<'v> {
    /// The well-typed fields of a record that is an object but not a well-shaped
    /// [`OrganisationInput`].
    fn from_map(map: &'v Map<String, Value>) -> Self {
        let name = map.get("name").and_then(Value::as_object);
        let name_field = |key: &str| name.and_then(|n| n.get(key)).and_then(Value::as_str);
        Self {
            oid: map.get("oid").and_then(Value::as_str),
            fi: name_field("fi"),
            sv: name_field("sv"),
            en: name_field("en"),
            business_id: map.get("business_id").and_then(Value::as_str),
            domains: map
                .get("domains")
                .and_then(Value::as_array)
                .map(|ds| {
                    ds.iter()
                        .enumerate()
                        .filter_map(|(i, d)| d.as_str().map(|d| (i, d)))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// The rules of R-REGISTERS, R-LONGNAME and R-ELIGIBLE on the fields present.
fn check_rules(rec: &mut Record<'_>, fields: &RuleFields<'_>, prefix: &str) {
    // R-REGISTERS: the OID.
    if let Some(oid) = fields.oid {
        match validate_oid(oid) {
            Err(reason) => rec.problem(
                "oid",
                format!("{reason}; use the organisation's OID from the SOTE organisation register"),
            ),
            Ok(()) => {
                let length = oid.chars().count();
                if length > MAX_OID_CHARS {
                    rec.problem(
                        "oid",
                        format!(
                            "the OID is {length} characters long, but it becomes the certificate \
                             subject's serialNumber, which X.520 limits to {MAX_OID_CHARS} \
                             characters; check that it is the organisation's register OID"
                        ),
                    );
                }
                if !oid.starts_with(prefix) {
                    rec.problem(
                        "oid",
                        format!(
                            "the OID is not in the SOTE organisation register arc `{prefix}` \
                             (R-REGISTERS); use the organisation's OID from that register, \
                             e.g. `{prefix}2048198.10.0`"
                        ),
                    );
                }
            }
        }
    }

    // R-LONGNAME: the names.
    if let Some(fi) = fields.fi {
        check_name(rec, "name.fi", "Finnish", fi, true);
    }
    if let Some(sv) = fields.sv {
        check_name(rec, "name.sv", "Swedish", sv, true);
    }
    if let Some(en) = fields.en.filter(|en| !en.is_empty()) {
        check_name(rec, "name.en", "English", en, false);
    }

    // R-REGISTERS: the business id.
    if let Some(Err(reason)) = fields.business_id.map(validate_business_id) {
        rec.problem("business_id", reason);
    }

    // R-ELIGIBLE: the domains.
    let mut first_index_of_domain: HashMap<&str, usize> = HashMap::new();
    for &(i, domain) in &fields.domains {
        let field = format!("domains[{i}]");
        if let Err(reason) = validate_dns_name(domain, false) {
            rec.problem(field, reason);
        } else if let Some(first) = first_index_of_domain.get(domain) {
            rec.problem(
                field,
                format!("`{domain}` is already listed as domains[{first}]; remove the duplicate"),
            );
        } else {
            first_index_of_domain.insert(domain, i);
        }
    }
}

/// Characters that are not control characters but are invisible or reorder text:
/// they have no place in a name shown in certificates (spoofing risk).
pub(crate) fn is_invisible_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// R-LONGNAME: a name is non-empty (when required), trimmed, single-line, free of
/// invisible formatting characters and at most [`MAX_NAME_CHARS`] characters.
fn check_name(rec: &mut Record<'_>, field: &str, language: &str, name: &str, required: bool) {
    if name.trim().is_empty() {
        let message = if required {
            format!(
                "the {language} name is empty; give the organisation's {language} name as in \
                 the national code service (R-LONGNAME)"
            )
        } else {
            format!(
                "the {language} name is only whitespace; write the name, or \"\" to use the Finnish name"
            )
        };
        rec.problem(field, message);
        return;
    }
    if name.trim() != name {
        rec.problem(
            field,
            format!("the {language} name has leading or trailing whitespace; remove it"),
        );
    }
    if let Some((pos, c)) = name.chars().enumerate().find(|(_, c)| c.is_control()) {
        rec.problem(
            field,
            format!(
                "the {language} name contains the control character U+{:04X} at character {}; \
                 names are single-line text, remove it",
                u32::from(c),
                pos + 1
            ),
        );
    }
    if let Some((pos, c)) = name
        .chars()
        .enumerate()
        .find(|(_, c)| is_invisible_format_char(*c))
    {
        rec.problem(
            field,
            format!(
                "the {language} name contains the invisible formatting character U+{:04X} at \
                 character {}; remove it (it would be hidden in the certificate)",
                u32::from(c),
                pos + 1
            ),
        );
    }
    let length = name.chars().count();
    if length > MAX_NAME_CHARS {
        rec.problem(
            field,
            format!(
                "the {language} name is {length} characters long, but at most {MAX_NAME_CHARS} \
                 are allowed: the Finnish name becomes the certificate's organizationName (O), \
                 whose X.520 upper bound is {MAX_NAME_CHARS} characters (R-LONGNAME); use the \
                 shortened long name of the national code service"
            ),
        );
    }
}

mod fields;
pub use fields::{business_id_check_digit, validate_business_id, validate_dns_name, validate_oid};

#[cfg(test)]
mod tests;

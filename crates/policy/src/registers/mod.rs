//! The professional registers: who is a healthcare or social welfare professional,
//! with which rights, until when, and who may prescribe.
//!
//! Valvira keeps two central registers of professionals: Terhikki (healthcare) and
//! Suosikki (social welfare). A professional card is only for a person in one of them
//! (R-CARD-TYPES), and a prescriber's card must carry the SV number (R-SV). CarePKI
//! imports the registers (or the part a deployment serves) from a JSON file, an array
//! of people:
//!
//! ```json
//! [{"registration_number": "10000000001",
//!   "surname": "Esimerkki", "given_names": "Aino Maria", "birth_year": 1975,
//!   "sv_number": "900001",
//!   "professions": [
//!     {"register": "terhikki", "profession": "001", "title": "Laillistettu lääkäri",
//!      "right": "licensed", "valid_from": "2001-06-01", "valid_until": null,
//!      "prescribing": true, "restrictions": []}]}]
//! ```
//!
//! | field | rule |
//! |---|---|
//! | `registration_number` | required; exactly 11 digits, as a string ([`validate_registration_number`]); unique in the file |
//! | `surname`, `given_names` | required; a name as in the Population Information System ([`check_person_name`]) |
//! | `birth_year` | optional; 1900–2100. Only the year, as the public register shows it: CarePKI needs no date of birth and never takes an identity code |
//! | `sv_number` | optional; exactly 6 digits ([`validate_sv_number`]); unique in the file; only with a Terhikki right |
//! | `professions` | required; at least one right, each unique by (`register`, `profession`, `valid_from`) |
//! | `professions[].register` | `"terhikki"` or `"suosikki"` ([`Register`]) |
//! | `professions[].profession` | the register's code of the right, form only ([`validate_profession_code`]) |
//! | `professions[].title` | required; its name, one line, at most 64 characters (X.520 `ub-title`) |
//! | `professions[].right` | `"licensed"`, `"protected_title"` or `"limited"` ([`RightKind`]) |
//! | `professions[].valid_from`, `valid_until` | `YYYY-MM-DD`, Helsinki dates; `valid_until` is the last valid day, absent or `null` for no end, never before `valid_from` |
//! | `professions[].prescribing` | optional, default `false`: the right includes prescribing; needs the SV number (R-SV), a Terhikki right, and not a protected title |
//! | `professions[].restrictions` | optional list of one-line texts or codes; a restricted right is still a valid right |
//!
//! [`parse_professionals`] turns such a file into validated [`Professional`] values
//! and reports *every* problem at once, each with its place: the person (array index
//! and registration number), the line of the file and the field, e.g.
//! `professionals[3] (registration number 10000000004), line 57, field
//! professions[1].valid_until`. It is pure: no I/O, no clock.
//!
//! Validity is decided by [`has_valid_right`] and [`is_prescriber`] at an instant
//! given by the caller: a right is valid from Helsinki midnight at the start of
//! `valid_from` up to (not including) Helsinki midnight after `valid_until`
//! ([`Profession::starts_at`], [`Profession::ends_at`]).
//!
//! What happens when a right ends (a re-import shows it expired or gone) is the
//! deployment's choice, [`RegisterSettings::on_right_ended`] in the ceremony file.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use time::{Date, PrimitiveDateTime, Time};

use crate::calendar;
use crate::org::{NoDuplicateKeys, json_kind};

mod fields;
mod lines;

pub use fields::{
    FOREIGN_PRESCRIBER_CODE, MAX_YEAR, MIN_YEAR, check_person_name, check_restriction, check_title,
    format_date, parse_date, validate_profession_code, validate_registration_number,
    validate_sv_number,
};

/// Maximum length, in characters, of a surname or the given names. A card
/// certificate carries them in surname, givenName and commonName; the common name's
/// X.520 upper bound is 64.
pub const MAX_NAME_CHARS: usize = 64;

/// Maximum length, in characters, of a professional title (X.520 `ub-title`).
pub const MAX_TITLE_CHARS: usize = 64;

/// Maximum length, in characters, of one restriction.
pub const MAX_RESTRICTION_CHARS: usize = 200;

/// The earliest and latest birth year accepted.
pub const BIRTH_YEARS: std::ops::RangeInclusive<u16> = 1900..=2100;

/// The fields of a person.
const FIELDS: [&str; 6] = [
    "registration_number",
    "surname",
    "given_names",
    "birth_year",
    "sv_number",
    "professions",
];

/// The fields of a right.
const PROFESSION_FIELDS: [&str; 8] = [
    "register",
    "profession",
    "title",
    "right",
    "valid_from",
    "valid_until",
    "prescribing",
    "restrictions",
];

/// Field names that would carry a personal identity code, refused with a reason.
const IDENTITY_CODE_FIELDS: [&str; 8] = [
    "hetu",
    "henkilotunnus",
    "henkilötunnus",
    "personal_identity_code",
    "identity_code",
    "personal_id",
    "ssn",
    "pic",
];

/// The register a right comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Register {
    /// Terhikki, the central register of healthcare professionals.
    Terhikki,
    /// Suosikki, the central register of social welfare professionals.
    Suosikki,
}

impl Register {
    /// Both registers.
    pub const ALL: [Register; 2] = [Register::Terhikki, Register::Suosikki];

    /// `"terhikki"` or `"suosikki"`, as in the file and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Register::Terhikki => "terhikki",
            Register::Suosikki => "suosikki",
        }
    }

    /// The register named `s` ([`Register::as_str`]).
    pub fn parse(s: &str) -> Option<Register> {
        Register::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Register {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a right to practise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RightKind {
    /// A licensed professional (laillistettu ammattihenkilö): the right to practise
    /// the profession, e.g. a licensed physician or social worker.
    Licensed,
    /// A professional with a protected title (nimikesuojattu ammattihenkilö): the
    /// right to use the title, e.g. a practical nurse. Never includes prescribing.
    ProtectedTitle,
    /// A fixed-term or limited right, exercised under direction and supervision,
    /// e.g. a student acting as a physician or pharmacist.
    Limited,
}

impl RightKind {
    /// Every kind.
    pub const ALL: [RightKind; 3] = [
        RightKind::Licensed,
        RightKind::ProtectedTitle,
        RightKind::Limited,
    ];

    /// `"licensed"`, `"protected_title"` or `"limited"`, as in the file and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RightKind::Licensed => "licensed",
            RightKind::ProtectedTitle => "protected_title",
            RightKind::Limited => "limited",
        }
    }

    /// The kind named `s` ([`RightKind::as_str`]).
    pub fn parse(s: &str) -> Option<RightKind> {
        RightKind::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for RightKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn ser_date<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_date(*date))
}

fn ser_opt_date<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => s.serialize_str(&format_date(*date)),
        None => s.serialize_none(),
    }
}

/// One right of a professional, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profession {
    /// The register the right comes from.
    pub register: Register,
    /// The register's code of the right (profession code).
    pub profession: String,
    /// The name of the profession or title.
    pub title: String,
    /// The kind of right.
    pub right: RightKind,
    /// The first valid day (Helsinki).
    #[serde(serialize_with = "ser_date")]
    pub valid_from: Date,
    /// The last valid day (Helsinki); `None` for no end.
    #[serde(serialize_with = "ser_opt_date")]
    pub valid_until: Option<Date>,
    /// Whether the right includes prescribing (R-SV).
    pub prescribing: bool,
    /// Restrictions of the right, as one-line texts or codes.
    pub restrictions: Vec<String>,
}

/// Helsinki midnight at the start of `date`, in Unix seconds. Midnight always exists
/// in Helsinki (the clocks change at 03:00 and 04:00).
fn helsinki_midnight(date: Date) -> i64 {
    let local = PrimitiveDateTime::new(date, Time::MIDNIGHT);
    calendar::from_helsinki(local)
        // Only for dates outside the calendar, which parsing never produces.
        .unwrap_or_else(|_| {
            local.assume_offset(calendar::helsinki_offset(
                local.assume_utc().unix_timestamp(),
            ))
        })
        .unix_timestamp()
}

impl Profession {
    /// The first instant the right is valid: Helsinki midnight at the start of
    /// `valid_from`, in Unix seconds.
    pub fn starts_at(&self) -> i64 {
        helsinki_midnight(self.valid_from)
    }

    /// The first instant the right is no longer valid: Helsinki midnight after
    /// `valid_until`, in Unix seconds; `None` when it has no end.
    pub fn ends_at(&self) -> Option<i64> {
        self.valid_until
            .map(|until| until.next_day().map_or(i64::MAX, helsinki_midnight))
    }

    /// Whether the right is valid at `at` (Unix seconds): `starts_at <= at < ends_at`.
    /// Restrictions do not make a right invalid.
    pub fn is_valid_at(&self, at: i64) -> bool {
        self.starts_at() <= at && self.ends_at().is_none_or(|end| at < end)
    }
}

/// A person in the professional registers, validated.
///
/// Values returned by [`parse_professionals`] satisfy every rule of this module; the
/// fields are public for reading and for tests, so code that builds or changes one
/// by hand takes over that responsibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Professional {
    /// The registration number: 11 digits.
    pub registration_number: String,
    /// The surname.
    pub surname: String,
    /// The given names, space-separated.
    pub given_names: String,
    /// The birth year, if the register gave it.
    pub birth_year: Option<u16>,
    /// The SV number (yksilöintitunnus): 6 digits, for prescribers (R-SV).
    pub sv_number: Option<String>,
    /// The rights, in the order of the file; at least one.
    pub professions: Vec<Profession>,
}

impl Professional {
    /// See [`has_valid_right`].
    pub fn has_valid_right(&self, at: i64) -> bool {
        has_valid_right(self, at)
    }

    /// See [`is_prescriber`].
    pub fn is_prescriber(&self, at: i64) -> bool {
        is_prescriber(self, at)
    }
}

/// Whether `professional` holds at least one right valid at `at` (Unix seconds), in
/// either register: the condition for a professional card (R-CARD-TYPES).
pub fn has_valid_right(professional: &Professional, at: i64) -> bool {
    professional.professions.iter().any(|p| p.is_valid_at(at))
}

/// Whether `professional` may prescribe at `at` (Unix seconds): he has an SV number
/// and a right valid at `at` that includes prescribing. A prescriber's card must carry
/// the SV number (R-SV).
pub fn is_prescriber(professional: &Professional, at: i64) -> bool {
    professional.sv_number.is_some()
        && professional
            .professions
            .iter()
            .any(|p| p.prescribing && p.is_valid_at(at))
}

/// What CarePKI does when a re-import shows that a right ended (it expired, or it or
/// the whole person is gone from the register).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndedRightAction {
    /// Record a finding for a registrar to decide on (the default: a mistake in an
    /// imported file must not revoke anyone's card by itself, R-STATUS-TRUTH).
    #[default]
    Flag,
    /// Record a finding and revoke the person's professional card certificates with
    /// the reason affiliationChanged. Applies once cards exist (issue 5); until then
    /// the finding is recorded with this action for the card workflow to carry out.
    Revoke,
}

impl EndedRightAction {
    /// `"flag"` or `"revoke"`, as in the ceremony file and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EndedRightAction::Flag => "flag",
            EndedRightAction::Revoke => "revoke",
        }
    }

    /// The revocation reason of [`EndedRightAction::Revoke`].
    pub const REVOCATION_REASON: carepki_x509::revocation::RevocationReason =
        carepki_x509::revocation::RevocationReason::AffiliationChanged;
}

/// The deployment's settings of the professional registers: the `[registers]` table of
/// the ceremony file.
///
/// ```toml
/// [registers]
/// on_right_ended = "flag"   # or "revoke"
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegisterSettings {
    /// What a re-import does with a right that ended.
    pub on_right_ended: EndedRightAction,
}

/// One problem found in one person of a register file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterProblem {
    /// The person's 0-based index in the JSON array.
    pub index: usize,
    /// The person's `registration_number` as written, if it is a string.
    pub registration_number: Option<String>,
    /// The 1-based line of the field (or of the person) in the file.
    pub line: Option<usize>,
    /// The field concerned, e.g. `sv_number`, `professions[1].valid_until`, or
    /// `(record)` for the person as a whole.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RegisterProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "professionals[{}] ", self.index)?;
        match &self.registration_number {
            Some(number) => write!(f, "(registration number {number})")?,
            None => f.write_str("(no registration number)")?,
        }
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        write!(f, ", field `{}`: {}", self.field, self.message)
    }
}

/// Why a register file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The file is not well-formed JSON, or an object in it repeats a key.
    #[error(
        "the professional register file is not valid JSON at line {line}, column {column}: \
         {message}; fix the file there and import it again"
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
        "the professional register file must be a JSON array of people, but its top level \
         is {found}; wrap the records in `[` … `]`"
    )]
    NotAnArray {
        /// The kind of JSON value found instead.
        found: &'static str,
    },
    /// One or more people break the rules; every problem found is listed.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<RegisterProblem>),
}

fn render_problems(problems: &[RegisterProblem]) -> String {
    let mut out = format!(
        "{} problem{} in the professional register file (nothing was imported):",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        out.push_str("\n  - ");
        out.push_str(&problem.to_string());
    }
    out
}

fn json_error(err: serde_json::Error) -> RegisterError {
    let (line, column) = (err.line(), err.column());
    let full = err.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    RegisterError::Json {
        line,
        column,
        message,
    }
}

/// Parses and validates a professional register file (R-CARD-TYPES, R-SV).
///
/// Syntax errors and repeated keys are [`RegisterError::Json`] with line and column.
/// Otherwise every person is checked and all problems are returned together in
/// [`RegisterError::Invalid`], each with its line; a registration number or SV number
/// used by more than one person is a problem of each later person. An empty array is
/// accepted (it means: nobody is in the register).
pub fn parse_professionals(json: &str) -> Result<Vec<Professional>, RegisterError> {
    serde_json::from_str::<NoDuplicateKeys>(json).map_err(json_error)?;
    let value: Value = serde_json::from_str(json).map_err(json_error)?;
    let records = match value {
        Value::Array(records) => records,
        other => {
            return Err(RegisterError::NotAnArray {
                found: json_kind(&other),
            });
        }
    };
    let lines = lines::value_lines(json);
    let mut problems = Vec::new();
    let mut people = Vec::with_capacity(records.len());
    let mut first_of_number: HashMap<&str, usize> = HashMap::new();
    let mut first_of_sv: HashMap<&str, usize> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let number = record.get("registration_number").and_then(Value::as_str);
        let mut rec = Rec {
            index,
            number,
            lines: &lines,
            problems: &mut problems,
        };
        if let Some(number) = number {
            if let Some(first) = first_of_number.get(number) {
                rec.problem(
                    "registration_number",
                    format!(
                        "the registration number is already used by professionals[{first}]; a \
                         registration number identifies one person, so merge the two records \
                         (a person's rights are listed together under `professions`)"
                    ),
                );
            } else {
                first_of_number.insert(number, index);
            }
        }
        if let Some(sv) = record.get("sv_number").and_then(Value::as_str) {
            if let Some(first) = first_of_sv.get(sv) {
                rec.problem(
                    "sv_number",
                    format!(
                        "the SV number is already used by professionals[{first}]; an SV number \
                         identifies one prescriber, correct one of them"
                    ),
                );
            } else {
                first_of_sv.insert(sv, index);
            }
        }
        if let Some(person) = validate_person(&mut rec, record) {
            people.push(person);
        }
    }
    if problems.is_empty() {
        Ok(people)
    } else {
        Err(RegisterError::Invalid(problems))
    }
}

/// Collects the problems of one person.
struct Rec<'a> {
    index: usize,
    number: Option<&'a str>,
    lines: &'a HashMap<String, usize>,
    problems: &'a mut Vec<RegisterProblem>,
}

impl Rec<'_> {
    fn problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        let index = self.index;
        // The field's own line, or else the line of the nearest enclosing value that
        // is in the file (a missing field is placed on its object's line).
        let mut path = format!("[{index}].{field}");
        let line = loop {
            if let Some(line) = self.lines.get(&path) {
                break Some(*line);
            }
            match path.rfind(['.', '[']) {
                Some(cut) if cut > 0 => path.truncate(cut),
                _ => break None,
            }
        };
        self.problems.push(RegisterProblem {
            index,
            registration_number: self.number.map(str::to_owned),
            line,
            field,
            message: message.into(),
        });
    }

    fn count(&self) -> usize {
        self.problems.len()
    }

    /// Reports keys of `map` that are not in `known`.
    fn unknown_fields(&mut self, map: &Map<String, Value>, prefix: &str, known: &[&str]) {
        for key in map.keys() {
            if known.contains(&key.as_str()) {
                continue;
            }
            let message = if IDENTITY_CODE_FIELDS.contains(&key.to_lowercase().as_str()) {
                "CarePKI does not take personal identity codes: the registration number \
                 identifies the professional; remove the field"
                    .to_owned()
            } else {
                format!(
                    "unknown field; remove it or correct its spelling (the fields are {})",
                    known.join(", ")
                )
            };
            self.problem(format!("{prefix}{key}"), message);
        }
    }

    /// The string at `map[key]`; reports a missing required field or a wrong type.
    /// `null` counts as missing.
    fn string<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        key: &str,
        path: &str,
        required: bool,
        expected: &str,
    ) -> Option<&'v str> {
        match map.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.problem(path, format!("the field is missing; add it ({expected})"));
                }
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                self.problem(
                    path,
                    format!("the field is {}; write it as {expected}", json_kind(other)),
                );
                None
            }
        }
    }
}

/// Checks one person; returns it when it has no problems.
fn validate_person(rec: &mut Rec<'_>, record: &Value) -> Option<Professional> {
    let before = rec.count();
    let Some(map) = record.as_object() else {
        rec.problem(
            "(record)",
            format!(
                "the record is {}, not an object; write each person as an object with the \
                 fields {}",
                json_kind(record),
                FIELDS.join(", ")
            ),
        );
        return None;
    };
    rec.unknown_fields(map, "", &FIELDS);

    let number = rec.string(
        map,
        "registration_number",
        "registration_number",
        true,
        "a string of 11 digits such as \"10000000001\"",
    );
    if let Some(Err(reason)) = number.map(validate_registration_number) {
        rec.problem("registration_number", reason);
    }
    let surname = rec.string(map, "surname", "surname", true, "a string: the surname");
    for reason in surname
        .map(|s| check_person_name(s, "surname"))
        .unwrap_or_default()
    {
        rec.problem("surname", reason);
    }
    let given_names = rec.string(
        map,
        "given_names",
        "given_names",
        true,
        "a string: the given names separated by spaces",
    );
    for reason in given_names
        .map(|s| check_person_name(s, "given names"))
        .unwrap_or_default()
    {
        rec.problem("given_names", reason);
    }
    let birth_year = match map.get("birth_year") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64().and_then(|y| u16::try_from(y).ok()) {
            Some(year) if BIRTH_YEARS.contains(&year) => Some(year),
            _ => {
                rec.problem(
                    "birth_year",
                    format!(
                        "the birth year is {value}; write a year from {} to {} as a number, or \
                         leave the field out",
                        BIRTH_YEARS.start(),
                        BIRTH_YEARS.end()
                    ),
                );
                None
            }
        },
    };
    let sv_number = rec.string(
        map,
        "sv_number",
        "sv_number",
        false,
        "a string of 6 digits such as \"900001\", or leave it out",
    );
    if let Some(Err(reason)) = sv_number.map(validate_sv_number) {
        rec.problem("sv_number", reason);
    }

    let mut professions = Vec::new();
    match map.get("professions") {
        None | Some(Value::Null) => rec.problem(
            "professions",
            "the field is missing; add the person's rights as an array of objects",
        ),
        Some(Value::Array(items)) => {
            if items.is_empty() {
                rec.problem(
                    "professions",
                    "the person has no rights; a person is in the register because of a right, \
                     so list at least one (an ended right stays with its valid_until), or \
                     remove the person",
                );
            }
            let mut first_of_key: HashMap<(Register, String, Date), usize> = HashMap::new();
            for (i, item) in items.iter().enumerate() {
                let Some(p) = validate_profession(rec, i, item) else {
                    continue;
                };
                let key = (p.register, p.profession.clone(), p.valid_from);
                if let Some(first) = first_of_key.get(&key) {
                    rec.problem(
                        format!("professions[{i}]"),
                        format!(
                            "the same right (register, profession and valid_from) is already \
                             listed as professions[{first}]; remove the duplicate"
                        ),
                    );
                } else {
                    first_of_key.insert(key, i);
                }
                professions.push((i, p));
            }
        }
        Some(other) => rec.problem(
            "professions",
            format!(
                "the field is {}; write the rights as an array of objects",
                json_kind(other)
            ),
        ),
    }

    // R-SV: prescribing needs the SV number; the SV number belongs to healthcare.
    if map.get("sv_number").is_none_or(Value::is_null) {
        for (i, p) in &professions {
            if p.prescribing {
                rec.problem(
                    format!("professions[{i}].prescribing"),
                    "the right includes prescribing, but the person has no sv_number: a \
                     prescriber's card must carry the SV number (R-SV); add the person's \
                     sv_number or set prescribing to false",
                );
            }
        }
    }
    if sv_number.is_some()
        && !professions.is_empty()
        && professions
            .iter()
            .all(|(_, p)| p.register != Register::Terhikki)
    {
        rec.problem(
            "sv_number",
            "the person has an SV number but no Terhikki right: Valvira gives SV numbers to \
             healthcare professionals only; remove it or add the Terhikki right",
        );
    }

    if rec.count() > before {
        return None;
    }
    Some(Professional {
        registration_number: number?.to_owned(),
        surname: surname?.to_owned(),
        given_names: given_names?.to_owned(),
        birth_year,
        sv_number: sv_number.map(str::to_owned),
        professions: professions.into_iter().map(|(_, p)| p).collect(),
    })
}

/// Checks one right; returns it when it has no problems.
fn validate_profession(rec: &mut Rec<'_>, i: usize, item: &Value) -> Option<Profession> {
    let before = rec.count();
    let at = format!("professions[{i}]");
    let Some(map) = item.as_object() else {
        rec.problem(
            at,
            format!(
                "the right is {}, not an object; write it as an object with the fields {}",
                json_kind(item),
                PROFESSION_FIELDS.join(", ")
            ),
        );
        return None;
    };
    rec.unknown_fields(map, &format!("{at}."), &PROFESSION_FIELDS);
    let path = |field: &str| format!("{at}.{field}");

    let register = rec
        .string(
            map,
            "register",
            &path("register"),
            true,
            "\"terhikki\" or \"suosikki\"",
        )
        .and_then(|s| {
            let parsed = Register::parse(s);
            if parsed.is_none() {
                rec.problem(
                    path("register"),
                    format!(
                        "`{s}` is not a register; write \"terhikki\" (healthcare) or \"suosikki\" \
                         (social welfare)"
                    ),
                );
            }
            parsed
        });
    let profession = rec.string(
        map,
        "profession",
        &path("profession"),
        true,
        "a string: the register's code of the right, e.g. \"001\"",
    );
    if let Some(Err(reason)) = profession.map(validate_profession_code) {
        rec.problem(path("profession"), reason);
    }
    let title = rec.string(
        map,
        "title",
        &path("title"),
        true,
        "a string: the name of the profession, e.g. \"Laillistettu lääkäri\"",
    );
    for reason in title.map(check_title).unwrap_or_default() {
        rec.problem(path("title"), reason);
    }
    let right = rec
        .string(
            map,
            "right",
            &path("right"),
            true,
            "\"licensed\", \"protected_title\" or \"limited\"",
        )
        .and_then(|s| {
            let parsed = RightKind::parse(s);
            if parsed.is_none() {
                rec.problem(
                    path("right"),
                    format!(
                        "`{s}` is not a kind of right; write \"licensed\" (laillistettu), \
                         \"protected_title\" (nimikesuojattu) or \"limited\" (a fixed-term or \
                         limited right under direction and supervision)"
                    ),
                );
            }
            parsed
        });
    let date = |rec: &mut Rec<'_>, key: &str, required: bool| -> Option<Date> {
        let text = rec.string(map, key, &path(key), required, "a date YYYY-MM-DD")?;
        match parse_date(text) {
            Ok(date) => Some(date),
            Err(reason) => {
                rec.problem(path(key), reason);
                None
            }
        }
    };
    let valid_from = date(rec, "valid_from", true);
    let valid_until = date(rec, "valid_until", false);
    if let (Some(from), Some(until)) = (valid_from, valid_until)
        && until < from
    {
        rec.problem(
            path("valid_until"),
            format!(
                "the right ends ({}) before it starts ({}); valid_until is the last valid \
                 day, on or after valid_from",
                format_date(until),
                format_date(from)
            ),
        );
    }
    let prescribing = match map.get("prescribing") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            rec.problem(
                path("prescribing"),
                format!("the field is {}; write true or false", json_kind(other)),
            );
            false
        }
    };
    if prescribing {
        if register == Some(Register::Suosikki) {
            rec.problem(
                path("prescribing"),
                "a Suosikki (social welfare) right never includes prescribing; set prescribing \
                 to false",
            );
        }
        if right == Some(RightKind::ProtectedTitle) {
            rec.problem(
                path("prescribing"),
                "a protected title never includes prescribing; set prescribing to false",
            );
        }
    }
    let mut restrictions = Vec::new();
    match map.get("restrictions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (j, item) in items.iter().enumerate() {
                let field = path(&format!("restrictions[{j}]"));
                match item {
                    Value::String(text) => {
                        let problems = check_restriction(text);
                        if restrictions.contains(text) {
                            rec.problem(
                                field.clone(),
                                "the restriction is listed twice; remove the duplicate",
                            );
                        }
                        for reason in problems {
                            rec.problem(field.clone(), reason);
                        }
                        restrictions.push(text.clone());
                    }
                    other => rec.problem(
                        field,
                        format!(
                            "the restriction is {}; write it as a string",
                            json_kind(other)
                        ),
                    ),
                }
            }
        }
        Some(other) => rec.problem(
            path("restrictions"),
            format!(
                "the field is {}; write the restrictions as an array of strings (or [] for none)",
                json_kind(other)
            ),
        ),
    }

    if rec.count() > before {
        return None;
    }
    Some(Profession {
        register: register?,
        profession: profession?.to_owned(),
        title: title?.to_owned(),
        right: right?,
        valid_from: valid_from?,
        valid_until,
        prescribing,
        restrictions,
    })
}

#[cfg(test)]
mod tests;

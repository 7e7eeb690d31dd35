//! Field rules of the professional registers: registration numbers, SV numbers,
//! names, codes, free text and dates.

use time::{Date, Month};

use crate::org::is_invisible_format_char;

use super::{MAX_NAME_CHARS, MAX_RESTRICTION_CHARS, MAX_TITLE_CHARS};

/// Checks a registration number of the professional registers (Terhikki, Suosikki):
/// exactly 11 ASCII digits.
///
/// Valvira describes the number only as "a technical 11-digit number" given to every
/// professional entered in either register; no check digit or inner structure is
/// public, so only the form is checked. Leading zeros are part of the number (the
/// Finnish HL7 examples carry numbers such as `00198705840`): it is text, never an
/// integer.
pub fn validate_registration_number(number: &str) -> Result<(), String> {
    if number.len() == 11 && number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let hint = if digits.len() == 11 && number.len() != 11 {
        format!("; remove the spaces and separators: `{digits}`")
    } else if number.bytes().all(|b| b.is_ascii_digit()) && number.len() < 11 {
        format!(
            "; it has {} digits: leading zeros are part of the number, write all 11 \
             (e.g. `{number:0>11}`; in a JSON file as a string, never a number)",
            number.len()
        )
    } else {
        String::new()
    };
    Err(format!(
        "`{number}` is not a registration number: a Terhikki or Suosikki registration \
         number is exactly 11 digits{hint}"
    ))
}

/// Kela's placeholder prescriber code for a paper prescription written in another
/// EU or EEA country or Switzerland: never a person's SV number.
pub const FOREIGN_PRESCRIBER_CODE: &str = "999993";

/// Checks an SV number (yksilöintitunnus, the prescriber's identifier; called the
/// health insurance or SV number until 2009): exactly 6 ASCII digits, not Kela's
/// placeholder [`FOREIGN_PRESCRIBER_CODE`].
///
/// Valvira gives it to physicians, dentists, medical and dental students entitled to
/// prescribe, and nurses, dental hygienists and opticians with a right to prescribe;
/// Kela's prescription data name it a 6-digit identifier. No check digit is public,
/// so only the form is checked. Leading zeros are part of it (`032680`).
pub fn validate_sv_number(number: &str) -> Result<(), String> {
    if number == FOREIGN_PRESCRIBER_CODE {
        return Err(format!(
            "`{number}` is Kela's placeholder for a prescriber from another EU or EEA \
             country, not a person's SV number; give the professional's own number or \
             leave the field out"
        ));
    }
    if number.len() == 6 && number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    let hint = if number.bytes().all(|b| b.is_ascii_digit()) && number.len() < 6 {
        format!(
            "; leading zeros are part of the number: write all 6 (e.g. `{number:0>6}`) as a \
             JSON string"
        )
    } else if number.len() == 11 && number.bytes().all(|b| b.is_ascii_digit()) {
        "; an 11-digit number is a registration number, not an SV number".to_owned()
    } else {
        String::new()
    };
    Err(format!(
        "`{number}` is not an SV number (yksilöintitunnus): it is exactly 6 digits{hint}"
    ))
}

/// Whether `c` may appear in a person's name: letters of any script, combining
/// diacritical marks, and the separators of compound and foreign names (space,
/// hyphen, apostrophe, full stop).
fn is_name_char(c: char) -> bool {
    c.is_alphabetic()
        || matches!(c, '\u{0300}'..='\u{036F}')
        || matches!(c, ' ' | '-' | '\'' | '\u{2019}' | '.')
}

/// Problems common to every one-line text field: empty, surrounding or doubled
/// whitespace, control and invisible formatting characters, length.
fn one_line(value: &str, what: &str, max: usize, problems: &mut Vec<String>) -> bool {
    if value.trim().is_empty() {
        problems.push(format!("the {what} is empty; write it"));
        return false;
    }
    if value.trim() != value {
        problems.push(format!(
            "the {what} has leading or trailing whitespace; remove it"
        ));
    }
    if value.contains("  ") {
        problems.push(format!(
            "the {what} has two spaces in a row; separate words with one space"
        ));
    }
    if let Some((pos, c)) = value.chars().enumerate().find(|(_, c)| c.is_control()) {
        problems.push(format!(
            "the {what} contains the control character U+{:04X} at character {}; it is \
             single-line text, remove it",
            u32::from(c),
            pos + 1
        ));
    }
    if let Some((pos, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| is_invisible_format_char(*c))
    {
        problems.push(format!(
            "the {what} contains the invisible formatting character U+{:04X} at character \
             {}; remove it (it would be hidden in a certificate)",
            u32::from(c),
            pos + 1
        ));
    }
    let length = value.chars().count();
    if length > max {
        problems.push(format!(
            "the {what} is {length} characters long, but at most {max} are allowed"
        ));
    }
    true
}

/// Checks a surname or the given names as in the Population Information System:
/// one line, at most [`MAX_NAME_CHARS`] characters, letters (any script) with
/// combining marks, single spaces, hyphens, apostrophes and full stops, and at least
/// one letter. Returns every problem found.
pub fn check_person_name(value: &str, what: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if !one_line(value, what, MAX_NAME_CHARS, &mut problems) {
        return problems;
    }
    if let Some((pos, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| !is_name_char(*c) && !c.is_control() && !is_invisible_format_char(*c))
    {
        problems.push(format!(
            "the {what} contains `{c}` (U+{:04X}) at character {}; a name has letters, \
             spaces, hyphens, apostrophes and full stops only",
            u32::from(c),
            pos + 1
        ));
    }
    if !value.chars().any(char::is_alphabetic) {
        problems.push(format!("the {what} has no letters; write the name"));
    }
    problems
}

/// Checks a professional title (shown to people and, later, written into a card
/// certificate's title attribute): one line, at most [`MAX_TITLE_CHARS`] characters.
pub fn check_title(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    one_line(value, "title", MAX_TITLE_CHARS, &mut problems);
    problems
}

/// Checks one restriction of a right: one line of free text or a code, at most
/// [`MAX_RESTRICTION_CHARS`] characters.
pub fn check_restriction(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    one_line(value, "restriction", MAX_RESTRICTION_CHARS, &mut problems);
    problems
}

/// Checks a profession code: 1 to 16 characters of `A-Z a-z 0-9 . _ -`.
///
/// Valvira publishes its professional-right codes in the national code service
/// (code system `1.2.246.537.6.140`, "Valvira - Ammattioikeudet", e.g. `001`) and
/// changes them without notice, so CarePKI keeps no list of its own and checks the
/// form only.
pub fn validate_profession_code(code: &str) -> Result<(), String> {
    if code.is_empty() {
        return Err(
            "the profession code is empty; give the code of the right from the \
                    register's code system (e.g. `001`)"
                .to_owned(),
        );
    }
    if code.len() > 16
        || !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(format!(
            "`{code}` is not a profession code: 1 to 16 characters of A–Z, a–z, 0–9, `.`, \
             `_` and `-`; give the code from the register's code system (e.g. `001`), and the \
             name in `title`"
        ));
    }
    Ok(())
}

/// Parses a calendar date `YYYY-MM-DD` in the years [`MIN_YEAR`]`..=`[`MAX_YEAR`].
pub fn parse_date(text: &str) -> Result<Date, String> {
    let form = || format!("`{text}` is not a date: write it as YYYY-MM-DD, e.g. `2024-03-01`");
    let b = text.as_bytes();
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return Err(form());
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u16>().map_err(|_| form());
    let year = number(0..4)?;
    let month = number(5..7)?;
    let day = number(8..10)?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(format!(
            "`{text}`: the year must be {MIN_YEAR} to {MAX_YEAR}; check the date"
        ));
    }
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| format!("`{text}`: there is no month {month}; write it as YYYY-MM-DD"))?;
    let day_u8 = u8::try_from(day).unwrap_or(0);
    Date::from_calendar_date(i32::from(year), month, day_u8).map_err(|_| {
        format!(
            "`{text}`: {} has no day {day}; check the date",
            month_name(month, i32::from(year))
        )
    })
}

fn month_name(month: Month, year: i32) -> String {
    format!("{month} {year}")
}

/// The first year a register date may have.
pub const MIN_YEAR: u16 = 1900;
/// The last year a register date may have: the Helsinki calendar covers up to 2200,
/// and the day after the last valid day must still be in it.
pub const MAX_YEAR: u16 = 2199;

/// A date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

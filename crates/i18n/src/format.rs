//! Dates in Helsinki time and numbers, the local way.
//!
//! Finnish and Swedish (as written in Finland) write dates the same way,
//! `23.11.2026`, and times with a full stop, `14.05`, after `klo` or `kl.`;
//! English writes the month's name and a 24-hour clock. Every time is shown in
//! Helsinki time (`carepki_policy::calendar`), summer time included.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::lang::Lang;

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The month's English name, whole or cut to three letters.
fn month_en(month: u8, short: bool) -> &'static str {
    let name = MONTHS_EN[usize::from(month.saturating_sub(1)) % 12];
    if short { &name[..3] } else { name }
}

/// `unix` in Helsinki time, or `None` outside the calendar's years (only a
/// broken clock or record gives such an instant).
fn helsinki(unix: i64) -> Option<OffsetDateTime> {
    carepki_policy::calendar::to_helsinki(unix).ok()
}

/// `unix` as RFC 3339 in UTC: what is shown when Helsinki time cannot be.
fn rfc3339_utc(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// The instant `unix` in Helsinki time, compactly (tables, pages):
/// `23.11.2026 klo 14.05`, `23.11.2026 kl. 14.05`, `23 Nov 2026, 14:05`.
/// An instant the calendar does not cover is shown as RFC 3339 UTC.
pub fn format_datetime(lang: Lang, unix: i64) -> String {
    let Some(t) = helsinki(unix) else {
        return rfc3339_utc(unix);
    };
    let (d, m, y) = (t.day(), u8::from(t.month()), t.year());
    let (h, min) = (t.hour(), t.minute());
    match lang {
        Lang::Fi => format!("{d}.{m}.{y} klo {h}.{min:02}"),
        Lang::Sv => format!("{d}.{m}.{y} kl. {h}.{min:02}"),
        Lang::En => format!("{d} {} {y}, {h:02}:{min:02}", month_en(m, true)),
    }
}

/// The instant `unix` in Helsinki time for running text (mail), where an
/// English reader may be elsewhere: `23.11.2026 klo 14.05`,
/// `23.11.2026 kl. 14.05`, `23 November 2026 at 14:05 (Helsinki time)`.
/// An instant the calendar does not cover is shown as RFC 3339 UTC.
pub fn format_datetime_long(lang: Lang, unix: i64) -> String {
    let Some(t) = helsinki(unix) else {
        return rfc3339_utc(unix);
    };
    match lang {
        Lang::Fi | Lang::Sv => format_datetime(lang, unix),
        Lang::En => format!(
            "{} {} {} at {:02}:{:02} (Helsinki time)",
            t.day(),
            month_en(u8::from(t.month()), false),
            t.year(),
            t.hour(),
            t.minute()
        ),
    }
}

/// The Helsinki date of `unix`, compactly: `23.11.2026` (fi, sv),
/// `23 Nov 2026` (en). Outside the calendar: RFC 3339 UTC.
pub fn format_date(lang: Lang, unix: i64) -> String {
    date(lang, unix, true)
}

/// The Helsinki date of `unix` for running text: `23.11.2026` (fi, sv),
/// `23 November 2026` (en). Outside the calendar: RFC 3339 UTC.
pub fn format_date_long(lang: Lang, unix: i64) -> String {
    date(lang, unix, false)
}

fn date(lang: Lang, unix: i64, short: bool) -> String {
    let Some(t) = helsinki(unix) else {
        return rfc3339_utc(unix);
    };
    let (d, m, y) = (t.day(), u8::from(t.month()), t.year());
    match lang {
        Lang::Fi | Lang::Sv => format!("{d}.{m}.{y}"),
        Lang::En => format!("{d} {} {y}", month_en(m, short)),
    }
}

/// An RFC 3339 time as Unix seconds; `None` if it is not one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// A number the local way, with at most three decimals: `1 234 567,5` (fi, sv:
/// narrow no-break space U+202F between thousands, decimal comma, U+2212 minus)
/// or `1,234,567.5` (en).
pub fn format_number(lang: Lang, value: f64) -> String {
    format_decimal(lang, value, 0, 3)
}

/// A number the local way with `min_frac` to `max_frac` decimals.
pub fn format_decimal(lang: Lang, value: f64, min_frac: usize, max_frac: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let max_frac = max_frac.max(min_frac);
    let (group, decimal, minus) = match lang {
        Lang::Fi | Lang::Sv => ('\u{202F}', ',', '\u{2212}'),
        Lang::En => (',', '.', '-'),
    };
    let plain = format!("{:.*}", max_frac, value.abs());
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut frac = frac.to_owned();
    while frac.len() > min_frac && frac.ends_with('0') {
        frac.pop();
    }
    let mut out = String::with_capacity(plain.len() + 8);
    let zero = int.bytes().all(|b| b == b'0') && frac.bytes().all(|b| b == b'0');
    if value < 0.0 && !zero {
        out.push(minus);
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(decimal);
        out.push_str(&frac);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// 2026-11-23T12:05:00Z: 14.05 in Helsinki (standard time, UTC+2).
    const WINTER: i64 = 1_795_435_500;

    #[test]
    fn winter_times_are_utc_plus_two() {
        assert_eq!(parse_rfc3339("2026-11-23T12:05:00Z"), Some(WINTER));
        assert_eq!(format_datetime(Lang::Fi, WINTER), "23.11.2026 klo 14.05");
        assert_eq!(format_datetime(Lang::Sv, WINTER), "23.11.2026 kl. 14.05");
        assert_eq!(format_datetime(Lang::En, WINTER), "23 Nov 2026, 14:05");
        assert_eq!(
            format_datetime_long(Lang::Fi, WINTER),
            "23.11.2026 klo 14.05"
        );
        assert_eq!(
            format_datetime_long(Lang::Sv, WINTER),
            "23.11.2026 kl. 14.05"
        );
        assert_eq!(
            format_datetime_long(Lang::En, WINTER),
            "23 November 2026 at 14:05 (Helsinki time)"
        );
        assert_eq!(format_date(Lang::Fi, WINTER), "23.11.2026");
        assert_eq!(format_date(Lang::En, WINTER), "23 Nov 2026");
        assert_eq!(format_date_long(Lang::Sv, WINTER), "23.11.2026");
        assert_eq!(format_date_long(Lang::En, WINTER), "23 November 2026");
    }

    #[test]
    fn summer_times_are_utc_plus_three() {
        let summer = parse_rfc3339("2026-07-01T06:07:00Z").unwrap();
        assert_eq!(format_datetime(Lang::Fi, summer), "1.7.2026 klo 9.07");
        assert_eq!(format_datetime(Lang::Sv, summer), "1.7.2026 kl. 9.07");
        assert_eq!(format_datetime(Lang::En, summer), "1 Jul 2026, 09:07");
        assert_eq!(
            format_datetime_long(Lang::En, summer),
            "1 July 2026 at 09:07 (Helsinki time)"
        );
        // Late in the UTC evening it is already the next day in Helsinki.
        let late = parse_rfc3339("2026-12-31T22:30:00Z").unwrap();
        assert_eq!(format_date(Lang::Fi, late), "1.1.2027");
        assert_eq!(format_datetime(Lang::Fi, late), "1.1.2027 klo 0.30");
    }

    #[test]
    fn instants_outside_the_calendar_are_shown_in_utc() {
        let far = parse_rfc3339("9000-01-01T00:00:00Z").unwrap();
        for lang in Lang::ALL {
            assert_eq!(format_datetime(lang, far), "9000-01-01T00:00:00Z");
            assert_eq!(format_date_long(lang, far), "9000-01-01T00:00:00Z");
        }
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn numbers_are_local() {
        let cases = [
            (0.0, "0", "0"),
            (7.0, "7", "7"),
            (1234.0, "1\u{202F}234", "1,234"),
            (1_234_567.5, "1\u{202F}234\u{202F}567,5", "1,234,567.5"),
            (-42.25, "\u{2212}42,25", "-42.25"),
            (-0.0001, "0", "0"),
        ];
        for (value, fi, en) in cases {
            assert_eq!(format_number(Lang::Fi, value), fi, "{value}");
            assert_eq!(format_number(Lang::Sv, value), fi, "{value}");
            assert_eq!(format_number(Lang::En, value), en, "{value}");
        }
        assert_eq!(format_decimal(Lang::Fi, 2.5, 2, 2), "2,50");
        assert_eq!(format_decimal(Lang::En, 2.0, 2, 2), "2.00");
        assert_eq!(format_number(Lang::En, f64::INFINITY), "inf");
    }
}

//! Finnish working days, Helsinki time and the delivery due date (R-SLA).
//!
//! R-SLA: a service certificate is delivered within at most 5 working days of a
//! complete application. Weekends and Finnish public holidays are not working days,
//! and neither are Midsummer Eve and Christmas Eve: they are not public holidays in
//! law, but offices are closed on them by collective agreement and custom (de facto
//! non-working days). [`Holiday::is_de_facto`] tells them apart.
//!
//! Every date here is a date in Helsinki (Europe/Helsinki): standard time UTC+2, summer
//! time UTC+3 from the last Sunday of March at 03:00 local (01:00 UTC) to the last
//! Sunday of October at 04:00 local (01:00 UTC). The offset rule is written here
//! ([`helsinki_offset`]) rather than read from a time-zone database, so the crate stays
//! pure.
//!
//! The present rules (holidays since 1991, the EU summer-time rule since 1996) are
//! applied to every year: dates before those years follow today's rules, not history's.
//! [`holidays`] and [`is_working_day`] answer for any date; the functions that turn
//! instants into Helsinki dates refuse instants outside the years
//! [`FIRST_YEAR`]`..=`[`LAST_YEAR`] with [`CalendarError::OutOfRange`], which only a
//! wrong clock or corrupt data can produce. What is computed from an instant in range
//! (a due date, a lapse date) may fall in the year after [`LAST_YEAR`].
//!
//! No clock is read: every time is passed in, as Unix seconds or `OffsetDateTime`.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// The first year whose instants the calendar converts.
pub const FIRST_YEAR: i32 = 1900;

/// The last year whose instants the calendar converts.
pub const LAST_YEAR: i32 = 2200;

/// The working days within which a complete application is delivered (R-SLA).
pub const SLA_WORKING_DAYS: u32 = 5;

/// 1900-01-01T00:00:00Z.
const MIN_UNIX: i64 = -2_208_988_800;

/// 2200-12-31T23:59:59Z.
const MAX_UNIX: i64 = 7_289_654_399;

/// Finnish standard time (EET).
const EET: UtcOffset = time::macros::offset!(+2);

/// Finnish summer time (EEST).
const EEST: UtcOffset = time::macros::offset!(+3);

/// The last second of a day: a due date is the end of its day.
const END_OF_DAY: Time = time::macros::time!(23:59:59);

/// Why a time could not be placed in the Helsinki calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The instant lies outside the years the calendar covers.
    #[error(
        "the time {unix} (Unix seconds) is outside the years {FIRST_YEAR}–{LAST_YEAR} that \
         the calendar covers; check the clock or the stored time"
    )]
    OutOfRange {
        /// The instant, in Unix seconds (for a local time: read at UTC+2).
        unix: i64,
    },
}

impl CalendarError {
    /// A stable identifier of the kind of error, for translations and API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::OutOfRange { .. } => "calendar.out_of_range",
        }
    }
}

/// A day on which Finnish offices do not work, other than Saturdays and Sundays.
/// Serialised as [`Holiday::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Holiday {
    /// 1 January.
    NewYearsDay,
    /// 6 January.
    Epiphany,
    /// The Friday before Easter.
    GoodFriday,
    /// Easter Sunday (Gregorian computus).
    EasterSunday,
    /// The Monday after Easter.
    EasterMonday,
    /// 1 May.
    MayDay,
    /// Easter + 39 days (a Thursday).
    AscensionDay,
    /// Easter + 49 days (Pentecost, a Sunday).
    WhitSunday,
    /// The Friday between 19 and 25 June: a de facto non-working day.
    MidsummerEve,
    /// The Saturday between 20 and 26 June.
    MidsummerDay,
    /// The Saturday between 31 October and 6 November.
    AllSaintsDay,
    /// 6 December.
    IndependenceDay,
    /// 24 December: a de facto non-working day.
    ChristmasEve,
    /// 25 December.
    ChristmasDay,
    /// 26 December.
    StStephensDay,
}

impl Holiday {
    /// Every holiday, in calendar order.
    pub const ALL: [Holiday; 15] = [
        Holiday::NewYearsDay,
        Holiday::Epiphany,
        Holiday::GoodFriday,
        Holiday::EasterSunday,
        Holiday::EasterMonday,
        Holiday::MayDay,
        Holiday::AscensionDay,
        Holiday::WhitSunday,
        Holiday::MidsummerEve,
        Holiday::MidsummerDay,
        Holiday::AllSaintsDay,
        Holiday::IndependenceDay,
        Holiday::ChristmasEve,
        Holiday::ChristmasDay,
        Holiday::StStephensDay,
    ];

    /// A stable identifier, e.g. `"midsummer-eve"` (for message files and APIs).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewYearsDay => "new-years-day",
            Self::Epiphany => "epiphany",
            Self::GoodFriday => "good-friday",
            Self::EasterSunday => "easter-sunday",
            Self::EasterMonday => "easter-monday",
            Self::MayDay => "may-day",
            Self::AscensionDay => "ascension-day",
            Self::WhitSunday => "whit-sunday",
            Self::MidsummerEve => "midsummer-eve",
            Self::MidsummerDay => "midsummer-day",
            Self::AllSaintsDay => "all-saints-day",
            Self::IndependenceDay => "independence-day",
            Self::ChristmasEve => "christmas-eve",
            Self::ChristmasDay => "christmas-day",
            Self::StStephensDay => "st-stephens-day",
        }
    }

    /// The Finnish name.
    pub fn name_fi(self) -> &'static str {
        match self {
            Self::NewYearsDay => "uudenvuodenpäivä",
            Self::Epiphany => "loppiainen",
            Self::GoodFriday => "pitkäperjantai",
            Self::EasterSunday => "pääsiäispäivä",
            Self::EasterMonday => "toinen pääsiäispäivä",
            Self::MayDay => "vappu",
            Self::AscensionDay => "helatorstai",
            Self::WhitSunday => "helluntaipäivä",
            Self::MidsummerEve => "juhannusaatto",
            Self::MidsummerDay => "juhannuspäivä",
            Self::AllSaintsDay => "pyhäinpäivä",
            Self::IndependenceDay => "itsenäisyyspäivä",
            Self::ChristmasEve => "jouluaatto",
            Self::ChristmasDay => "joulupäivä",
            Self::StStephensDay => "tapaninpäivä",
        }
    }

    /// The Swedish name (as used in Finland).
    pub fn name_sv(self) -> &'static str {
        match self {
            Self::NewYearsDay => "nyårsdagen",
            Self::Epiphany => "trettondedag jul",
            Self::GoodFriday => "långfredagen",
            Self::EasterSunday => "påskdagen",
            Self::EasterMonday => "annandag påsk",
            Self::MayDay => "första maj",
            Self::AscensionDay => "Kristi himmelsfärdsdag",
            Self::WhitSunday => "pingstdagen",
            Self::MidsummerEve => "midsommaraftonen",
            Self::MidsummerDay => "midsommardagen",
            Self::AllSaintsDay => "alla helgons dag",
            Self::IndependenceDay => "självständighetsdagen",
            Self::ChristmasEve => "julaftonen",
            Self::ChristmasDay => "juldagen",
            Self::StStephensDay => "annandag jul",
        }
    }

    /// The English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::NewYearsDay => "New Year's Day",
            Self::Epiphany => "Epiphany",
            Self::GoodFriday => "Good Friday",
            Self::EasterSunday => "Easter Sunday",
            Self::EasterMonday => "Easter Monday",
            Self::MayDay => "May Day",
            Self::AscensionDay => "Ascension Day",
            Self::WhitSunday => "Whit Sunday",
            Self::MidsummerEve => "Midsummer Eve",
            Self::MidsummerDay => "Midsummer Day",
            Self::AllSaintsDay => "All Saints' Day",
            Self::IndependenceDay => "Independence Day",
            Self::ChristmasEve => "Christmas Eve",
            Self::ChristmasDay => "Christmas Day",
            Self::StStephensDay => "St Stephen's Day",
        }
    }

    /// Whether this is a de facto non-working day rather than a public holiday in law
    /// (Midsummer Eve and Christmas Eve).
    pub fn is_de_facto(self) -> bool {
        matches!(self, Self::MidsummerEve | Self::ChristmasEve)
    }
}

/// Easter Sunday of `year` by the Gregorian computus (the anonymous Gregorian
/// algorithm of Meeus, Jones and Butcher), applied proleptically before 1583.
/// `None` only for a year that `time::Date` cannot represent.
pub fn easter_sunday(year: i32) -> Option<Date> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    // n / 31 is 3 (March) or 4 (April), and n % 31 + 1 is the day of that month.
    let month = if n / 31 == 3 {
        Month::March
    } else {
        Month::April
    };
    let day = u8::try_from(n % 31 + 1).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// The holidays of `year` in date order (R-SLA). Ascension Day can fall on May Day
/// (1913, 2008, 2160): that date is then listed twice, May Day first. Empty only for a
/// year that `time::Date` cannot represent.
pub fn holidays(year: i32) -> Vec<(Date, Holiday)> {
    let date = |month, day| Date::from_calendar_date(year, month, day).ok();
    let mut out = Vec::with_capacity(Holiday::ALL.len());
    let mut push = |d: Option<Date>, h| {
        if let Some(d) = d {
            out.push((d, h));
        }
    };
    let easter = easter_sunday(year);
    let from_easter = |days: i64| easter.and_then(|e| e.checked_add(time::Duration::days(days)));
    push(date(Month::January, 1), Holiday::NewYearsDay);
    push(date(Month::January, 6), Holiday::Epiphany);
    push(from_easter(-2), Holiday::GoodFriday);
    push(easter, Holiday::EasterSunday);
    push(from_easter(1), Holiday::EasterMonday);
    push(date(Month::May, 1), Holiday::MayDay);
    push(from_easter(39), Holiday::AscensionDay);
    push(from_easter(49), Holiday::WhitSunday);
    let midsummer_eve = date(Month::June, 19).map(|d| on_or_after(d, Weekday::Friday));
    push(midsummer_eve, Holiday::MidsummerEve);
    push(
        midsummer_eve.and_then(Date::next_day),
        Holiday::MidsummerDay,
    );
    let all_saints = date(Month::October, 31).map(|d| on_or_after(d, Weekday::Saturday));
    push(all_saints, Holiday::AllSaintsDay);
    push(date(Month::December, 6), Holiday::IndependenceDay);
    push(date(Month::December, 24), Holiday::ChristmasEve);
    push(date(Month::December, 25), Holiday::ChristmasDay);
    push(date(Month::December, 26), Holiday::StStephensDay);
    out.sort();
    out
}

/// The holiday on `date`, if any; May Day when Ascension Day falls on it too.
pub fn holiday(date: Date) -> Option<Holiday> {
    let (month, day) = (date.month(), date.day());
    let weekday = date.weekday();
    let fixed = match (month, day) {
        (Month::January, 1) => Some(Holiday::NewYearsDay),
        (Month::January, 6) => Some(Holiday::Epiphany),
        (Month::May, 1) => Some(Holiday::MayDay),
        (Month::December, 6) => Some(Holiday::IndependenceDay),
        (Month::December, 24) => Some(Holiday::ChristmasEve),
        (Month::December, 25) => Some(Holiday::ChristmasDay),
        (Month::December, 26) => Some(Holiday::StStephensDay),
        (Month::June, 19..=25) if weekday == Weekday::Friday => Some(Holiday::MidsummerEve),
        (Month::June, 20..=26) if weekday == Weekday::Saturday => Some(Holiday::MidsummerDay),
        (Month::October, 31) | (Month::November, 1..=6) if weekday == Weekday::Saturday => {
            Some(Holiday::AllSaintsDay)
        }
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    // Good Friday is 20 March at the earliest and Whit Sunday 13 June at the latest.
    if !(3..=6).contains(&u8::from(month)) {
        return None;
    }
    let easter = easter_sunday(date.year())?;
    match date.to_julian_day() - easter.to_julian_day() {
        -2 => Some(Holiday::GoodFriday),
        0 => Some(Holiday::EasterSunday),
        1 => Some(Holiday::EasterMonday),
        39 => Some(Holiday::AscensionDay),
        49 => Some(Holiday::WhitSunday),
        _ => None,
    }
}

/// Whether `date` is a working day: Monday to Friday and not a [`Holiday`] (R-SLA).
pub fn is_working_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && holiday(date).is_none()
}

/// The first `weekday` on or after `date`.
fn on_or_after(date: Date, weekday: Weekday) -> Date {
    let ahead = (i64::from(weekday.number_days_from_monday())
        - i64::from(date.weekday().number_days_from_monday()))
    .rem_euclid(7);
    date.checked_add(time::Duration::days(ahead))
        .unwrap_or(date)
}

/// Helsinki's UTC offset at the instant `unix`: UTC+3 from the last Sunday of March
/// 01:00 UTC (03:00 local) up to the last Sunday of October 01:00 UTC (04:00 local),
/// UTC+2 otherwise. Defined for every instant (the present rule, applied to all years).
pub fn helsinki_offset(unix: i64) -> UtcOffset {
    let days = unix.div_euclid(86_400);
    let year = civil_year(days);
    let start = i128::from(last_sunday(year, 3, 31)) * 86_400 + 3_600;
    let end = i128::from(last_sunday(year, 10, 31)) * 86_400 + 3_600;
    let t = i128::from(unix);
    if start <= t && t < end { EEST } else { EET }
}

/// The instant `unix` as Helsinki local time, with Helsinki's offset at that instant.
/// Refuses instants outside the years [`FIRST_YEAR`]`..=`[`LAST_YEAR`] (UTC).
pub fn to_helsinki(unix: i64) -> Result<OffsetDateTime, CalendarError> {
    check_range(unix)?;
    local(unix).ok_or(CalendarError::OutOfRange { unix })
}

/// The instant at which Helsinki's clocks show `local`. Refuses local times outside
/// the years [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
///
/// Two hours a year need a rule. A wall time that occurs twice (03:00–03:59 on the
/// last Sunday of October) is read as the later instant, in standard time. A wall time
/// that never occurs (03:00–03:59 on the last Sunday of March) is read at the standard
/// offset, which lands one hour later in summer time (03:30 becomes 04:30 EEST).
/// Neither can happen on a working day: the clocks change on Sundays.
pub fn from_helsinki(local: PrimitiveDateTime) -> Result<OffsetDateTime, CalendarError> {
    let out_of_range = CalendarError::OutOfRange {
        unix: local.assume_offset(EET).unix_timestamp(),
    };
    if !(FIRST_YEAR..=LAST_YEAR).contains(&local.year()) {
        return Err(out_of_range);
    }
    instant_of(local).ok_or(out_of_range)
}

/// [`from_helsinki`] without the range check, for results computed from checked
/// inputs (a due date may fall in the first days of the year after [`LAST_YEAR`]).
fn instant_of(local_time: PrimitiveDateTime) -> Option<OffsetDateTime> {
    let standard = local_time.assume_offset(EET);
    let summer = local_time.assume_offset(EEST);
    let standard_ok = helsinki_offset(standard.unix_timestamp()) == EET;
    let summer_ok = helsinki_offset(summer.unix_timestamp()) == EEST;
    let chosen = if summer_ok && !standard_ok {
        summer
    } else {
        standard
    };
    local(chosen.unix_timestamp())
}

/// [`to_helsinki`] without the range check.
fn local(unix: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .checked_to_offset(helsinki_offset(unix))
}

/// Refuses instants outside the years the calendar covers.
fn check_range(unix: i64) -> Result<(), CalendarError> {
    if (MIN_UNIX..=MAX_UNIX).contains(&unix) {
        Ok(())
    } else {
        Err(CalendarError::OutOfRange { unix })
    }
}

/// The `n`th working day after `from`, at the same Helsinki wall-clock time.
///
/// Counting starts on the day after `from`'s Helsinki date: that date never counts,
/// even when it is a working day, and it may itself be a non-working day. With `n = 0`
/// the answer is `from` itself (in Helsinki's offset). Because working days are never
/// the Sundays on which the clocks change, the wall-clock time always exists once.
pub fn add_working_days(from: OffsetDateTime, n: u32) -> Result<OffsetDateTime, CalendarError> {
    let local = to_helsinki(from.unix_timestamp())?;
    if n == 0 {
        return Ok(local);
    }
    let unix = from.unix_timestamp();
    let day = nth_working_day_after(local.date(), n, unix)?;
    instant_of(PrimitiveDateTime::new(day, local.time())).ok_or(CalendarError::OutOfRange { unix })
}

/// The delivery due date of an application completed at `completed_at_unix` (R-SLA),
/// in Unix seconds: 23:59:59 Helsinki time on the 5th working day after the Helsinki
/// date of completion.
///
/// The day of completion never counts, whatever the hour: an application completed
/// on a Monday at 08:00 is due on the following Monday at 23:59:59, and one completed
/// on a Friday evening, a Saturday or a Sunday is due on the following Friday at
/// 23:59:59 (when no holiday intervenes). Each holiday or de facto non-working day in
/// between adds a day. A delivery at the due second itself is on time
/// ([`is_overdue`]).
pub fn due_date(completed_at_unix: i64) -> Result<i64, CalendarError> {
    let local = to_helsinki(completed_at_unix)?;
    let day = nth_working_day_after(local.date(), SLA_WORKING_DAYS, completed_at_unix)?;
    instant_of(PrimitiveDateTime::new(day, END_OF_DAY))
        .map(OffsetDateTime::unix_timestamp)
        .ok_or(CalendarError::OutOfRange {
            unix: completed_at_unix,
        })
}

/// Whether an application due at `due` (from [`due_date`]) is overdue at `now`:
/// strictly after the due second.
pub fn is_overdue(due: i64, now: i64) -> bool {
    now > due
}

/// `at` plus `months` calendar months, in Helsinki time: the same wall-clock time on
/// the day with the same number, or on the month's last day when it is shorter
/// (31 August + 6 months = 28 or 29 February), as Finnish law counts periods in months
/// (Act on the Calculation of Statutory Time Limits 150/1930, section 3). The DST
/// rule of [`from_helsinki`] applies.
pub fn add_months(at: i64, months: u32) -> Result<i64, CalendarError> {
    let local = to_helsinki(at)?;
    let out_of_range = CalendarError::OutOfRange { unix: at };
    let index =
        i64::from(local.year()) * 12 + i64::from(u8::from(local.month())) - 1 + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).map_err(|_| out_of_range)?;
    let month = u8::try_from(index.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or(out_of_range)?;
    let day = local.day().min(month.length(year));
    let date = Date::from_calendar_date(year, month, day).map_err(|_| out_of_range)?;
    instant_of(PrimitiveDateTime::new(date, local.time()))
        .map(OffsetDateTime::unix_timestamp)
        .ok_or(out_of_range)
}

/// The `n`th working day after `date` (which does not count). Gives up beyond the
/// year after [`LAST_YEAR`], so that a huge `n` cannot keep it busy.
fn nth_working_day_after(date: Date, n: u32, unix: i64) -> Result<Date, CalendarError> {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        day = day
            .next_day()
            .filter(|d| d.year() <= LAST_YEAR + 1)
            .ok_or(CalendarError::OutOfRange { unix })?;
        if is_working_day(day) {
            left -= 1;
        }
    }
    Ok(day)
}

/// The proleptic Gregorian year of the day `days` after 1970-01-01.
fn civil_year(days: i64) -> i64 {
    // Howard Hinnant's civil_from_days, keeping only the year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let year = yoe + era * 400;
    if mp >= 10 { year + 1 } else { year }
}

/// Days after 1970-01-01 of `year`-`month`-`day` (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The last Sunday on or before `month`/`last_day` of `year`, in days after 1970-01-01.
fn last_sunday(year: i64, month: i64, last_day: i64) -> i64 {
    let d = days_from_civil(year, month, last_day);
    // 1970-01-01 was a Thursday: (d + 4) mod 7 counts days since Sunday.
    d - (d + 4).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_arithmetic_matches_time() {
        for days in (-80_000..120_000).step_by(7) {
            let d = Date::from_julian_day(2_440_588 + days).unwrap();
            assert_eq!(civil_year(i64::from(days)), i64::from(d.year()));
            let back = days_from_civil(
                i64::from(d.year()),
                i64::from(u8::from(d.month())),
                i64::from(d.day()),
            );
            assert_eq!(back, i64::from(days));
        }
    }

    #[test]
    fn range_bounds_are_the_years() {
        let min = OffsetDateTime::from_unix_timestamp(MIN_UNIX).unwrap();
        let max = OffsetDateTime::from_unix_timestamp(MAX_UNIX).unwrap();
        assert_eq!((min.year(), min.ordinal(), min.hour()), (FIRST_YEAR, 1, 0));
        assert_eq!(
            (max.year(), max.month(), max.day()),
            (LAST_YEAR, Month::December, 31)
        );
        assert_eq!((max.hour(), max.minute(), max.second()), (23, 59, 59));
    }

    #[test]
    fn offset_is_total() {
        for t in [i64::MIN, i64::MAX, 0, -1] {
            let _ = helsinki_offset(t);
        }
    }
}

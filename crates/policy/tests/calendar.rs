//! Finnish working days, Helsinki time and the delivery due date (R-SLA), with a
//! controlled clock: every instant is written out, none is read.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a failed test

use carepki_policy::calendar::{
    FIRST_YEAR, Holiday, LAST_YEAR, add_months, add_working_days, due_date, easter_sunday,
    from_helsinki, helsinki_offset, holiday, holidays, is_overdue, is_working_day, to_helsinki,
};
use proptest::prelude::*;
use time::macros::{date, datetime, offset};
use time::{Date, Month, OffsetDateTime, Time, Weekday};

/// Unix seconds of an `OffsetDateTime` literal.
fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// The due date of a completion, as a Helsinki date-time, for readable assertions.
fn due(completed: OffsetDateTime) -> OffsetDateTime {
    to_helsinki(due_date(unix(completed)).unwrap()).unwrap()
}

/// Knuth's Easter algorithm (TAOCP vol. 1, 1.3.2, exercise 14): an independent
/// computus to check the one in the crate against.
fn knuth_easter(year: i32) -> Date {
    let y = i64::from(year);
    let g = y % 19 + 1;
    let c = y / 100 + 1;
    let x = 3 * c / 4 - 12;
    let z = (8 * c + 5) / 25 - 5;
    let d = 5 * y / 4 - x - 10;
    let mut e = (11 * g + 20 + z - x).rem_euclid(30);
    if (e == 25 && g > 11) || e == 24 {
        e += 1;
    }
    let mut n = 44 - e;
    if n < 21 {
        n += 30;
    }
    n = n + 7 - (d + n) % 7;
    let (month, day) = if n > 31 {
        (Month::April, n - 31)
    } else {
        (Month::March, n)
    };
    Date::from_calendar_date(year, month, u8::try_from(day).unwrap()).unwrap()
}

#[test]
fn easter_known_dates() {
    let known = [
        date!(1900 - 04 - 15),
        date!(1913 - 03 - 23),
        date!(1943 - 04 - 25),
        date!(1961 - 04 - 02),
        date!(2000 - 04 - 23),
        date!(2008 - 03 - 23),
        date!(2011 - 04 - 24),
        date!(2019 - 04 - 21),
        date!(2024 - 03 - 31),
        date!(2025 - 04 - 20),
        date!(2026 - 04 - 05),
        date!(2027 - 03 - 28),
        date!(2038 - 04 - 25),
        date!(2100 - 03 - 28),
        date!(2160 - 03 - 23),
        date!(2200 - 04 - 06),
    ];
    for d in known {
        assert_eq!(easter_sunday(d.year()), Some(d), "Easter {}", d.year());
    }
}

#[test]
fn easter_agrees_with_knuth_and_stays_in_its_window() {
    for year in 1583..=4099 {
        let e = easter_sunday(year).unwrap();
        assert_eq!(e, knuth_easter(year), "Easter {year}");
        assert_eq!(e.weekday(), Weekday::Sunday);
        assert!(e >= Date::from_calendar_date(year, Month::March, 22).unwrap());
        assert!(e <= Date::from_calendar_date(year, Month::April, 25).unwrap());
    }
}

#[test]
fn holidays_of_2025() {
    use Holiday as H;
    let expected = vec![
        (date!(2025 - 01 - 01), H::NewYearsDay),
        (date!(2025 - 01 - 06), H::Epiphany),
        (date!(2025 - 04 - 18), H::GoodFriday),
        (date!(2025 - 04 - 20), H::EasterSunday),
        (date!(2025 - 04 - 21), H::EasterMonday),
        (date!(2025 - 05 - 01), H::MayDay),
        (date!(2025 - 05 - 29), H::AscensionDay),
        (date!(2025 - 06 - 08), H::WhitSunday),
        (date!(2025 - 06 - 20), H::MidsummerEve),
        (date!(2025 - 06 - 21), H::MidsummerDay),
        (date!(2025 - 11 - 01), H::AllSaintsDay),
        (date!(2025 - 12 - 06), H::IndependenceDay),
        (date!(2025 - 12 - 24), H::ChristmasEve),
        (date!(2025 - 12 - 25), H::ChristmasDay),
        (date!(2025 - 12 - 26), H::StStephensDay),
    ];
    assert_eq!(holidays(2025), expected);
}

#[test]
fn moving_holidays_of_2024_and_2026() {
    let h24 = holidays(2024);
    let h26 = holidays(2026);
    let find = |hs: &[(Date, Holiday)], h| hs.iter().find(|(_, x)| *x == h).unwrap().0;
    assert_eq!(find(&h24, Holiday::GoodFriday), date!(2024 - 03 - 29));
    // Ascension Day on May Day, 2008.
    assert_eq!(holiday(date!(2008 - 05 - 01)), Some(Holiday::MayDay));
    let h08 = holidays(2008);
    assert_eq!(find(&h08, Holiday::AscensionDay), date!(2008 - 05 - 01));
    assert_eq!(h08.len(), 15);
    assert_eq!(find(&h24, Holiday::EasterMonday), date!(2024 - 04 - 01));
    assert_eq!(find(&h24, Holiday::AscensionDay), date!(2024 - 05 - 09));
    assert_eq!(find(&h24, Holiday::WhitSunday), date!(2024 - 05 - 19));
    assert_eq!(find(&h24, Holiday::MidsummerEve), date!(2024 - 06 - 21));
    assert_eq!(find(&h24, Holiday::MidsummerDay), date!(2024 - 06 - 22));
    assert_eq!(find(&h24, Holiday::AllSaintsDay), date!(2024 - 11 - 02));
    assert_eq!(find(&h26, Holiday::GoodFriday), date!(2026 - 04 - 03));
    assert_eq!(find(&h26, Holiday::AscensionDay), date!(2026 - 05 - 14));
    // The earliest Midsummer Eve (19 June) and All Saints' Day (31 October).
    assert_eq!(find(&h26, Holiday::MidsummerEve), date!(2026 - 06 - 19));
    assert_eq!(find(&h26, Holiday::MidsummerDay), date!(2026 - 06 - 20));
    assert_eq!(find(&h26, Holiday::AllSaintsDay), date!(2026 - 10 - 31));
    // The latest: Midsummer Eve 25 June 2027, All Saints' Day 6 November 2027.
    let h27 = holidays(2027);
    assert_eq!(find(&h27, Holiday::MidsummerEve), date!(2027 - 06 - 25));
    assert_eq!(find(&h27, Holiday::MidsummerDay), date!(2027 - 06 - 26));
    assert_eq!(find(&h27, Holiday::AllSaintsDay), date!(2027 - 11 - 06));
}

/// Every day of 1900–2200: `holiday(date)` and `holidays(year)` agree, each year has
/// all 15 in date order, and the moving ones keep their weekdays and windows.
/// Ascension Day falls on May Day in some years (1913, 2008, 2160): then the date is
/// listed twice and `holiday` names May Day.
#[test]
fn holiday_and_holidays_agree_for_every_day_of_the_range() {
    for year in FIRST_YEAR..=LAST_YEAR {
        let list = holidays(year);
        let mut kinds: Vec<Holiday> = list.iter().map(|(_, h)| *h).collect();
        kinds.sort();
        assert_eq!(kinds, Holiday::ALL.to_vec(), "{year}");
        assert!(list.windows(2).all(|w| w[0] <= w[1]), "{year} in order");
        let mut days: Vec<Date> = list.iter().map(|(d, _)| *d).collect();
        days.dedup();
        let coinciding = list.len() - days.len();
        for (d, h) in &list {
            let named = holiday(*d).unwrap();
            if named != *h {
                assert_eq!((named, *h), (Holiday::MayDay, Holiday::AscensionDay), "{d}");
            }
            match h {
                Holiday::MidsummerEve => {
                    assert_eq!(d.weekday(), Weekday::Friday);
                    assert!((19..=25).contains(&d.day()) && d.month() == Month::June);
                }
                Holiday::MidsummerDay | Holiday::AllSaintsDay => {
                    assert_eq!(d.weekday(), Weekday::Saturday);
                }
                Holiday::GoodFriday => assert_eq!(d.weekday(), Weekday::Friday),
                Holiday::EasterMonday => assert_eq!(d.weekday(), Weekday::Monday),
                Holiday::AscensionDay => assert_eq!(d.weekday(), Weekday::Thursday),
                Holiday::WhitSunday | Holiday::EasterSunday => {
                    assert_eq!(d.weekday(), Weekday::Sunday);
                }
                _ => {}
            }
        }
        let mut day = Date::from_calendar_date(year, Month::January, 1).unwrap();
        let mut found = 0;
        while day.year() == year {
            if holiday(day).is_some() {
                found += 1;
            }
            day = day.next_day().unwrap();
        }
        assert_eq!(found, days.len(), "{year}");
        assert!(
            coinciding == 0 || [1913, 2008, 2160].contains(&year),
            "{year}"
        );
    }
}

#[test]
fn holiday_names_in_three_languages() {
    let mut fi: Vec<_> = Holiday::ALL.iter().map(|h| h.name_fi()).collect();
    let mut sv: Vec<_> = Holiday::ALL.iter().map(|h| h.name_sv()).collect();
    let mut en: Vec<_> = Holiday::ALL.iter().map(|h| h.name_en()).collect();
    let mut ids: Vec<_> = Holiday::ALL.iter().map(|h| h.as_str()).collect();
    for names in [&mut fi, &mut sv, &mut en, &mut ids] {
        assert!(names.iter().all(|n| !n.is_empty()));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 15);
    }
    assert_eq!(Holiday::MidsummerEve.name_fi(), "juhannusaatto");
    assert_eq!(Holiday::MidsummerEve.name_sv(), "midsommaraftonen");
    assert_eq!(Holiday::MidsummerEve.name_en(), "Midsummer Eve");
    assert_eq!(Holiday::StStephensDay.name_fi(), "tapaninpäivä");
    assert_eq!(Holiday::StStephensDay.name_sv(), "annandag jul");
    for h in Holiday::ALL {
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{}\"", h.as_str()));
    }
    let de_facto: Vec<_> = Holiday::ALL
        .into_iter()
        .filter(|h| h.is_de_facto())
        .collect();
    assert_eq!(de_facto, [Holiday::MidsummerEve, Holiday::ChristmasEve]);
}

#[test]
fn working_days() {
    assert!(is_working_day(date!(2025 - 06 - 19))); // Thursday before Midsummer
    assert!(!is_working_day(date!(2025 - 06 - 20))); // Midsummer Eve, de facto
    assert!(!is_working_day(date!(2025 - 05 - 29))); // Ascension Day, a Thursday
    assert!(!is_working_day(date!(2025 - 12 - 24))); // Christmas Eve, a Wednesday
    assert!(is_working_day(date!(2025 - 12 - 31))); // New Year's Eve works
    assert!(!is_working_day(date!(2026 - 01 - 06))); // Epiphany, a Tuesday
    assert!(!is_working_day(date!(2025 - 01 - 04))); // Saturday
    assert!(!is_working_day(date!(2025 - 01 - 05))); // Sunday
    assert!(is_working_day(date!(2025 - 01 - 07))); // an ordinary Tuesday
    assert!(!is_working_day(date!(2024 - 12 - 06))); // Independence Day, a Friday
}

#[test]
fn summer_time_switches() {
    let cases = [
        // Last Sunday of March 2025: 30 March. 03:00 EET becomes 04:00 EEST.
        (datetime!(2025-03-30 00:59:59 UTC), offset!(+2)),
        (datetime!(2025-03-30 01:00:00 UTC), offset!(+3)),
        // Last Sunday of October 2025: 26 October. 04:00 EEST becomes 03:00 EET.
        (datetime!(2025-10-26 00:59:59 UTC), offset!(+3)),
        (datetime!(2025-10-26 01:00:00 UTC), offset!(+2)),
        // 31 March 2024 was itself the last Sunday (and Easter Sunday).
        (datetime!(2024-03-31 00:59:59 UTC), offset!(+2)),
        (datetime!(2024-03-31 01:00:00 UTC), offset!(+3)),
        (datetime!(2024-03-24 12:00:00 UTC), offset!(+2)),
        // 31 October 2021 was the last Sunday.
        (datetime!(2021-10-31 00:59:59 UTC), offset!(+3)),
        (datetime!(2021-10-31 01:00:00 UTC), offset!(+2)),
        (datetime!(2021-10-24 12:00:00 UTC), offset!(+3)),
        // Midwinter and midsummer; and the year boundary.
        (datetime!(2025-01-15 12:00:00 UTC), offset!(+2)),
        (datetime!(2025-07-15 12:00:00 UTC), offset!(+3)),
        (datetime!(2025-12-31 22:30:00 UTC), offset!(+2)),
    ];
    for (t, off) in cases {
        assert_eq!(helsinki_offset(unix(t)), off, "{t}");
        let local = to_helsinki(unix(t)).unwrap();
        assert_eq!(local.offset(), off);
        assert_eq!(unix(local), unix(t));
    }
    // The year boundary in Helsinki comes two hours before UTC's.
    let new_year = to_helsinki(unix(datetime!(2025-12-31 22:30:00 UTC))).unwrap();
    assert_eq!(new_year.date(), date!(2026 - 01 - 01));
}

#[test]
fn local_times_on_switch_days() {
    use time::PrimitiveDateTime as P;
    let at = |d: Date, t: Time| from_helsinki(P::new(d, t)).unwrap();
    // Spring: 02:59:59 EET exists, 03:30 does not (read as 04:30 EEST), 04:00 EEST exists.
    let spring = date!(2025 - 03 - 30);
    assert_eq!(
        at(spring, time::macros::time!(02:59:59)),
        datetime!(2025-03-30 02:59:59 +2)
    );
    let gap = at(spring, time::macros::time!(03:30));
    assert_eq!(gap, datetime!(2025-03-30 04:30 +3));
    assert_eq!(gap.offset(), offset!(+3));
    assert_eq!(
        at(spring, time::macros::time!(04:00)),
        datetime!(2025-03-30 04:00 +3)
    );
    // Autumn: 03:30 happens twice; the later (EET) is taken.
    let autumn = date!(2025 - 10 - 26);
    assert_eq!(
        at(autumn, time::macros::time!(02:59:59)),
        datetime!(2025-10-26 02:59:59 +3)
    );
    let twice = at(autumn, time::macros::time!(03:30));
    assert_eq!(twice, datetime!(2025-10-26 03:30 +2));
    assert_eq!(twice.offset(), offset!(+2));
    assert_eq!(
        at(autumn, time::macros::time!(04:00)),
        datetime!(2025-10-26 04:00 +2)
    );
}

#[test]
fn due_after_an_ordinary_week() {
    // Friday evening, Saturday, Sunday: due the following Friday, end of day.
    let friday = datetime!(2025-01-17 23:59:59 +2);
    assert_eq!(due(datetime!(2025-01-10 19:00 +2)), friday);
    assert_eq!(due(datetime!(2025-01-11 10:00 +2)), friday);
    assert_eq!(due(datetime!(2025-01-12 23:59:59 +2)), friday);
    // Monday: the completion day never counts, even at 00:00 local.
    assert_eq!(
        due(datetime!(2025-01-13 00:00 +2)),
        datetime!(2025-01-20 23:59:59 +2)
    );
    assert_eq!(
        due(datetime!(2025-01-13 08:00 +2)),
        datetime!(2025-01-20 23:59:59 +2)
    );
}

#[test]
fn due_uses_the_helsinki_date_not_the_utc_date() {
    // Thursday 22:30 UTC is already Friday 00:30 in Helsinki.
    let completed = datetime!(2025-01-09 22:30 UTC);
    assert_eq!(due(completed), datetime!(2025-01-17 23:59:59 +2));
    // One second before Helsinki midnight is still Thursday.
    assert_eq!(
        due(datetime!(2025-01-09 21:59:59 UTC)),
        datetime!(2025-01-16 23:59:59 +2)
    );
}

#[test]
fn due_around_easter() {
    // Maundy Thursday 2025: Good Friday and Easter Monday do not count.
    assert_eq!(
        due(datetime!(2025-04-17 10:00 +3)),
        datetime!(2025-04-28 23:59:59 +3)
    );
    // Completed on Good Friday itself.
    assert_eq!(
        due(datetime!(2025-04-18 10:00 +3)),
        datetime!(2025-04-28 23:59:59 +3)
    );
}

#[test]
fn due_around_may_day_and_ascension() {
    assert_eq!(
        due(datetime!(2025-04-30 16:00 +3)),
        datetime!(2025-05-08 23:59:59 +3)
    );
    assert_eq!(
        due(datetime!(2025-05-26 09:00 +3)),
        datetime!(2025-06-03 23:59:59 +3)
    );
}

#[test]
fn due_around_midsummer() {
    // Midsummer Eve 2025 is Friday 20 June, a de facto non-working day.
    assert_eq!(
        due(datetime!(2025-06-18 12:00 +3)),
        datetime!(2025-06-26 23:59:59 +3)
    );
    assert_eq!(
        due(datetime!(2025-06-20 12:00 +3)),
        datetime!(2025-06-27 23:59:59 +3)
    );
}

#[test]
fn due_over_christmas_and_new_year() {
    // 24–26 Dec 2025 are Wed–Fri, 1 Jan 2026 a Thursday, 6 Jan a Tuesday.
    assert_eq!(
        due(datetime!(2025-12-22 09:00 +2)),
        datetime!(2026-01-02 23:59:59 +2)
    );
    assert_eq!(
        due(datetime!(2025-12-19 20:00 +2)),
        datetime!(2025-12-31 23:59:59 +2)
    );
    assert_eq!(
        due(datetime!(2025-12-31 23:30 +2)),
        datetime!(2026-01-09 23:59:59 +2)
    );
    // Independence Day 2024 was a Friday.
    assert_eq!(
        due(datetime!(2024-12-05 12:00 +2)),
        datetime!(2024-12-13 23:59:59 +2)
    );
}

#[test]
fn due_across_summer_time_switches() {
    // Completed in standard time, due in summer time: the week is an hour shorter.
    let completed = datetime!(2025-03-28 18:00 +2);
    let d = due(completed);
    assert_eq!(d, datetime!(2025-04-04 23:59:59 +3));
    assert_eq!(d.offset(), offset!(+3));
    assert_eq!(
        unix(d) - unix(completed),
        7 * 86_400 + 5 * 3_600 + 3_599 - 3_600
    );
    // Completed in summer time, due in standard time.
    let d = due(datetime!(2025-10-24 18:00 +3));
    assert_eq!(d, datetime!(2025-10-31 23:59:59 +2));
    assert_eq!(d.offset(), offset!(+2));
    // Completed on the switch Sunday itself, in its repeated hour.
    assert_eq!(
        due(datetime!(2025-10-26 00:30 UTC)),
        datetime!(2025-10-31 23:59:59 +2)
    );
}

#[test]
fn due_date_at_the_range_ends() {
    let first = datetime!(1900-01-01 00:00 UTC);
    assert!(due_date(unix(first)).is_ok());
    let e = due_date(unix(first) - 1).unwrap_err();
    assert_eq!(e.code(), "calendar.out_of_range");
    assert!(e.to_string().contains("1900–2200"), "{e}");
    let last = datetime!(2200-12-31 23:59:59 UTC);
    // Already 2201-01-01 (a holiday) in Helsinki; the due date lies beyond the range
    // and is still given.
    assert_eq!(
        due_date(unix(last)).unwrap(),
        unix(datetime!(2201-01-09 23:59:59 +2))
    );
    assert!(to_helsinki(unix(last) + 1).is_err());
    assert!(due_date(unix(last) + 1).is_err());
    assert!(due_date(i64::MIN).is_err());
    assert!(due_date(i64::MAX).is_err());
}

#[test]
fn overdue_only_after_the_due_second() {
    let d = due_date(unix(datetime!(2025-01-10 19:00 +2))).unwrap();
    assert!(!is_overdue(d, d - 1));
    assert!(!is_overdue(d, d));
    assert!(is_overdue(d, d + 1));
}

#[test]
fn working_days_keep_the_wall_clock_time() {
    let fri = datetime!(2025-01-10 15:00 +2);
    assert_eq!(add_working_days(fri, 0).unwrap(), fri);
    assert_eq!(
        add_working_days(fri, 1).unwrap(),
        datetime!(2025-01-13 15:00 +2)
    );
    assert_eq!(
        add_working_days(fri, 5).unwrap(),
        datetime!(2025-01-17 15:00 +2)
    );
    // Given in UTC, answered in Helsinki time; across the spring switch.
    let from = datetime!(2025-03-28 13:00 UTC); // Friday 15:00 EET
    let next = add_working_days(from, 1).unwrap();
    assert_eq!(next, datetime!(2025-03-31 15:00 +3));
    assert_eq!(next.offset(), offset!(+3));
    assert_eq!(unix(next) - unix(from), 3 * 86_400 - 3_600);
    // From a Sunday, n = 0 stays on the Sunday.
    let sunday = datetime!(2025-01-12 10:00 +2);
    assert_eq!(add_working_days(sunday, 0).unwrap(), sunday);
    assert_eq!(
        add_working_days(sunday, 1).unwrap(),
        datetime!(2025-01-13 10:00 +2)
    );
}

#[test]
fn calendar_months() {
    let plus6 = |t: OffsetDateTime| to_helsinki(add_months(unix(t), 6).unwrap()).unwrap();
    // The month's last day when the day does not exist.
    assert_eq!(
        plus6(datetime!(2025-08-31 12:00 +3)),
        datetime!(2026-02-28 12:00 +2)
    );
    assert_eq!(
        plus6(datetime!(2027-08-31 12:00 +3)),
        datetime!(2028-02-29 12:00 +2)
    );
    // Across the autumn switch the wall-clock time is kept, so an hour more passes.
    let from = datetime!(2025-09-15 12:00 +3);
    let to = plus6(from);
    assert_eq!(to, datetime!(2026-03-15 12:00 +2));
    assert_eq!(unix(to) - unix(from), 181 * 86_400 + 3_600);
    // Onto the spring gap: 03:30 does not exist on 30 March 2025, 04:30 EEST does.
    assert_eq!(
        plus6(datetime!(2024-09-30 03:30 +3)),
        datetime!(2025-03-30 04:30 +3)
    );
    // Over a year boundary, and by a whole number of years.
    assert_eq!(
        to_helsinki(add_months(unix(datetime!(2025-11-30 00:00 +2)), 3).unwrap()).unwrap(),
        datetime!(2026-02-28 00:00 +2)
    );
    assert_eq!(
        to_helsinki(add_months(unix(datetime!(2024-02-29 09:00 +2)), 12).unwrap()).unwrap(),
        datetime!(2025-02-28 09:00 +2)
    );
}

/// Instants 1900-01-01 to 2200-12-10 (UTC): the last three weeks of the range are
/// left out, because their due dates fall in 2201, where the calendar ends.
fn instant() -> impl Strategy<Value = i64> {
    -2_208_988_800_i64..=7_287_839_999_i64
}

/// Working days strictly after `from` up to and including `to`.
fn working_days_between(from: Date, to: Date) -> u32 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d = d.next_day().unwrap();
        if is_working_day(d) {
            n += 1;
        }
    }
    n
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// The due date comes after completion, at the end of a working day, exactly five
    /// working days after the completion's Helsinki date.
    #[test]
    fn due_date_is_five_working_days_later(completed in instant()) {
        let due = due_date(completed).unwrap();
        prop_assert!(due > completed);
        // At least Sunday 23:59:59 to Friday 23:59:59, less the hour the spring
        // switch takes.
        prop_assert!(due - completed >= 5 * 86_400 - 3_600);
        let local_due = to_helsinki(due).unwrap();
        prop_assert_eq!(local_due.time(), time::macros::time!(23:59:59));
        prop_assert!(is_working_day(local_due.date()));
        let local_completed = to_helsinki(completed).unwrap();
        prop_assert_eq!(working_days_between(local_completed.date(), local_due.date()), 5);
        // No earlier working day's end would do: the day before the due date holds
        // only four.
        prop_assert_eq!(
            working_days_between(local_completed.date(), local_due.date().previous_day().unwrap()),
            4
        );
    }

    /// A later completion is never due earlier.
    #[test]
    fn due_date_is_monotonic(a in instant(), b in instant()) {
        let (a, b) = (a.min(b), a.max(b));
        prop_assert!(due_date(a).unwrap() <= due_date(b).unwrap());
    }

    /// Helsinki local time round-trips, except in the repeated autumn hour, where the
    /// later instant is chosen.
    #[test]
    fn helsinki_round_trip(t in instant()) {
        let local = to_helsinki(t).unwrap();
        let back = unix(from_helsinki(time::PrimitiveDateTime::new(local.date(), local.time())).unwrap());
        if back != t {
            prop_assert_eq!(back, t + 3_600);
            prop_assert_eq!(local.month(), Month::October);
            prop_assert_eq!(local.weekday(), Weekday::Sunday);
            prop_assert_eq!(local.hour(), 3);
        }
    }

    /// n working days later is a working day at the same wall-clock time, with exactly
    /// n working days in between.
    #[test]
    fn add_working_days_counts(t in instant(), n in 1_u32..30) {
        let from = to_helsinki(t).unwrap();
        if from.year() < LAST_YEAR {
            let to = add_working_days(from, n).unwrap();
            prop_assert!(is_working_day(to.date()));
            prop_assert_eq!(to.time(), from.time());
            prop_assert_eq!(working_days_between(from.date(), to.date()), n);
        }
    }
}

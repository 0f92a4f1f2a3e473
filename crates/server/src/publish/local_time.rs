//! Times and durations as pages show them: local time of a time zone, in German (`lang` =
//! `"de"`) or English (any other `lang`). Pure functions; the current time is an argument.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use radar_core::Timestamp;

/// Is `lang` German? Everything else is English.
fn german(lang: &str) -> bool {
    lang.eq_ignore_ascii_case("de")
}

/// The local time of `ts` in `tz`. Timestamps are validated at intake, far inside chrono's
/// range; one outside it shows as the Unix epoch.
fn local(ts: Timestamp, tz: Tz) -> DateTime<Tz> {
    DateTime::<Utc>::from_timestamp(ts.0, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// Hours and minutes of the local time: `14:49`.
pub fn time_of_day(ts: Timestamp, tz: Tz) -> String {
    local(ts, tz).format("%H:%M").to_string()
}

/// Day and time, without "today": `17 May 14:49` / `17. Mai 14:49`; the year only when it
/// differs from `now`'s: `17 May 2016 14:49` / `17. Mai 2016 14:49`.
fn day_and_time(ts: Timestamp, tz: Tz, lang: &str, now: Timestamp) -> String {
    let t = local(ts, tz);
    let month = t.month0() as usize;
    let year = if t.year() == local(now, tz).year() {
        String::new()
    } else {
        format!(" {}", t.year())
    };
    let hm = t.format("%H:%M");
    if german(lang) {
        format!("{}. {}{year} {hm}", t.day(), MONTHS_DE[month])
    } else {
        format!("{} {}{year} {hm}", t.day(), MONTHS_EN[month])
    }
}

/// Date and time for a page: `today 14:49` / `heute 14:49` on `now`'s local day, else
/// `17 May 14:49` / `17. Mai 14:49`, with the year only when it differs from `now`'s.
pub fn date_time(ts: Timestamp, tz: Tz, lang: &str, now: Timestamp) -> String {
    if local(ts, tz).date_naive() == local(now, tz).date_naive() {
        let today = if german(lang) { "heute" } else { "today" };
        format!("{today} {}", time_of_day(ts, tz))
    } else {
        day_and_time(ts, tz, lang, now)
    }
}

/// A duration in whole minutes, rounded down, with its two largest units: `45 min`,
/// `2 h 10 min`, `3 d 4 h` / `45 Min.`, `2 Std. 10 Min.`, `3 Tg. 4 Std.`; a zero second unit
/// is left out (`2 h`); under a minute (or negative) is `< 1 min` / `< 1 Min.`.
pub fn duration(secs: i64, lang: &str) -> String {
    let (d, h, m) = if german(lang) {
        ("Tg.", "Std.", "Min.")
    } else {
        ("d", "h", "min")
    };
    let minutes = secs.max(0) / 60;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let pair = |a: i64, ua: &str, b: i64, ub: &str| {
        if b == 0 {
            format!("{a} {ua}")
        } else {
            format!("{a} {ua} {b} {ub}")
        }
    };
    if days > 0 {
        pair(days, d, hours, h)
    } else if hours > 0 {
        pair(hours, h, mins, m)
    } else if mins > 0 {
        format!("{mins} {m}")
    } else {
        format!("< 1 {m}")
    }
}

/// Since when and for how long: `since 14:49, 2 h 10 min` / `seit 14:49, 2 Std. 10 Min.`; a
/// start on an earlier local day shows its date: `since 17 May 14:49, 3 d 4 h`. The duration
/// is the real time elapsed, also across a change to or from daylight saving time.
pub fn since(start: Timestamp, now: Timestamp, tz: Tz, lang: &str) -> String {
    let when = if local(start, tz).date_naive() == local(now, tz).date_naive() {
        time_of_day(start, tz)
    } else {
        day_and_time(start, tz, lang, now)
    };
    let word = if german(lang) { "seit" } else { "since" };
    format!("{word} {when}, {}", duration(now.0 - start.0, lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn time_of_day_is_local() {
        // 17 May 2017: CEST, UTC+2.
        assert_eq!(time_of_day(at("2017-05-17T12:49:30Z"), Berlin), "14:49");
        assert_eq!(time_of_day(at("2017-05-17T12:49:30Z"), Tz::UTC), "12:49");
        // Winter: CET, UTC+1.
        assert_eq!(time_of_day(at("2017-01-10T23:05:00Z"), Berlin), "00:05");
    }

    #[test]
    fn date_time_today_this_year_and_other_years() {
        let now = at("2017-05-17T16:00:00Z");
        let ts = at("2017-05-17T12:49:00Z");
        assert_eq!(date_time(ts, Berlin, "en", now), "today 14:49");
        assert_eq!(date_time(ts, Berlin, "de", now), "heute 14:49");
        let earlier = at("2017-05-12T12:49:00Z");
        assert_eq!(date_time(earlier, Berlin, "en", now), "12 May 14:49");
        assert_eq!(date_time(earlier, Berlin, "de", now), "12. Mai 14:49");
        let march = at("2017-03-01T08:00:00Z");
        assert_eq!(date_time(march, Berlin, "de", now), "1. März 09:00");
        let last_year = at("2016-12-31T12:00:00Z");
        assert_eq!(date_time(last_year, Berlin, "en", now), "31 Dec 2016 13:00");
        assert_eq!(
            date_time(last_year, Berlin, "de", now),
            "31. Dezember 2016 13:00"
        );
    }

    #[test]
    fn today_is_the_local_day() {
        // 22:30 UTC on 17 May is 00:30 on 18 May in Berlin: not "today" for 20:00 UTC.
        let now = at("2017-05-17T20:00:00Z");
        assert_eq!(
            date_time(at("2017-05-17T22:30:00Z"), Berlin, "en", now),
            "18 May 00:30"
        );
        assert_eq!(
            date_time(at("2017-05-17T22:30:00Z"), Tz::UTC, "en", now),
            "today 22:30"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration(2 * 3600 + 10 * 60 + 59, "en"), "2 h 10 min");
        assert_eq!(duration(2 * 3600 + 10 * 60, "de"), "2 Std. 10 Min.");
        assert_eq!(duration(45 * 60, "en"), "45 min");
        assert_eq!(duration(45 * 60, "de"), "45 Min.");
        assert_eq!(duration(3 * 86_400 + 4 * 3600 + 59 * 60, "en"), "3 d 4 h");
        assert_eq!(duration(3 * 86_400 + 4 * 3600, "de"), "3 Tg. 4 Std.");
        assert_eq!(duration(2 * 3600, "en"), "2 h");
        assert_eq!(duration(86_400 + 30 * 60, "en"), "1 d");
        assert_eq!(duration(59, "en"), "< 1 min");
        assert_eq!(duration(-5, "de"), "< 1 Min.");
    }

    #[test]
    fn since_today_and_earlier() {
        let now = at("2017-05-17T14:59:00Z");
        let start = at("2017-05-17T12:49:00Z");
        assert_eq!(since(start, now, Berlin, "en"), "since 14:49, 2 h 10 min");
        assert_eq!(
            since(start, now, Berlin, "de"),
            "seit 14:49, 2 Std. 10 Min."
        );
        let start = at("2017-05-12T10:00:00Z");
        assert_eq!(
            since(start, now, Berlin, "de"),
            "seit 12. Mai 12:00, 5 Tg. 4 Std."
        );
    }

    #[test]
    fn spring_forward_in_berlin() {
        // 26 March 2017, 01:00 UTC: 02:00 CET becomes 03:00 CEST.
        assert_eq!(time_of_day(at("2017-03-26T00:59:00Z"), Berlin), "01:59");
        assert_eq!(time_of_day(at("2017-03-26T01:00:00Z"), Berlin), "03:00");
        // One real hour from 01:30 to 03:30 local.
        let (start, now) = (at("2017-03-26T00:30:00Z"), at("2017-03-26T01:30:00Z"));
        assert_eq!(since(start, now, Berlin, "en"), "since 01:30, 1 h");
        assert_eq!(date_time(start, Berlin, "de", now), "heute 01:30");
        assert_eq!(time_of_day(now, Berlin), "03:30");
        // The day before, still on winter time.
        assert_eq!(
            date_time(at("2017-03-25T12:00:00Z"), Berlin, "en", now),
            "25 Mar 13:00"
        );
    }

    #[test]
    fn fall_back_in_berlin() {
        // 29 October 2017, 01:00 UTC: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
        let first = at("2017-10-29T00:30:00Z");
        let second = at("2017-10-29T01:30:00Z");
        assert_eq!(time_of_day(first, Berlin), "02:30");
        assert_eq!(time_of_day(second, Berlin), "02:30");
        // An hour passed although the clock shows the same time.
        assert_eq!(since(first, second, Berlin, "en"), "since 02:30, 1 h");
        assert_eq!(since(first, second, Berlin, "de"), "seit 02:30, 1 Std.");
        // The 25-hour day: local midnight to 23:59 is 24 h 59 min, shown as its two largest
        // units.
        let midnight = at("2017-10-28T22:00:00Z");
        let late = at("2017-10-29T22:59:00Z");
        assert_eq!(time_of_day(midnight, Berlin), "00:00");
        assert_eq!(time_of_day(late, Berlin), "23:59");
        assert_eq!(since(midnight, late, Berlin, "en"), "since 00:00, 1 d");
        assert_eq!(date_time(midnight, Berlin, "en", late), "today 00:00");
    }
}

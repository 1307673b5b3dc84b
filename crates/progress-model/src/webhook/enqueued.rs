//! `enqueuedDateTime`, read leniently: the platform writes it as .NET's
//! default US format (`11/3/2023 8:07:01 PM`), not ISO 8601, and may change.

use std::time::{Duration, SystemTime};

/// When the platform queued a delivery, as sent and, if it could be read, as
/// a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    /// The field as sent (empty when it was absent or not a string).
    pub raw: String,
    /// The time it names, taken as UTC: read from `M/D/YYYY h:mm:ss AM|PM`,
    /// the same in 24-hour form, or ISO 8601 (`2023-11-03T20:07:01Z`,
    /// fraction and offset allowed). `None` when it is none of these; a
    /// delivery is never refused for it.
    pub at: Option<SystemTime>,
}

impl Enqueued {
    pub(crate) fn read(raw: Option<&str>) -> Self {
        let raw = raw.unwrap_or_default();
        Self {
            raw: raw.to_owned(),
            at: parse(raw),
        }
    }
}

/// The time in `text`, or `None`; never panics, whatever the text.
pub(crate) fn parse(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    if text.len() > 64 {
        return None;
    }
    us_format(text).or_else(|| iso_8601(text))
}

/// `11/3/2023 8:07:01 PM`, `11/03/2023 20:07:01`, seconds with a fraction allowed.
fn us_format(text: &str) -> Option<SystemTime> {
    let mut words = text.split_ascii_whitespace();
    let (date, time, meridiem) = (words.next()?, words.next()?, words.next());
    if words.next().is_some() {
        return None;
    }
    let [month, day, year] = numbers(date, '/')?;
    let (hour, minute, second, nanos) = clock_time(time)?;
    let hour = match meridiem {
        None => hour,
        Some(word) if (1..=12).contains(&hour) => match word.to_ascii_uppercase().as_str() {
            "AM" => hour % 12,
            "PM" => hour % 12 + 12,
            _ => return None,
        },
        Some(_) => return None,
    };
    instant(year, month, day, hour, minute, second, nanos, 0)
}

/// `2023-11-03T20:07:01Z`, `2023-11-03 20:07:01.5+01:00`, or with no zone (UTC).
fn iso_8601(text: &str) -> Option<SystemTime> {
    let (date, rest) = text.split_at_checked(10)?;
    let [year, month, day] = numbers(date, '-')?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (time, offset_seconds) = if let Some(time) = rest.strip_suffix(['Z', 'z']) {
        (time, 0)
    } else if let Some(at) = rest.rfind(['+', '-']) {
        let (time, zone) = rest.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let [hours, minutes] = numbers(&zone[1..], ':')?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        (time, sign * i64::from(hours * 3600 + minutes * 60))
    } else {
        (rest, 0)
    };
    let (hour, minute, second, nanos) = clock_time(time)?;
    instant(
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset_seconds,
    )
}

/// `h:mm:ss` or `h:mm:ss.fff`: hours, minutes, seconds, nanoseconds.
fn clock_time(text: &str) -> Option<(u32, u32, u32, u32)> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let [hour, minute, second] = numbers(whole, ':')?;
    let nanos = match fraction {
        None => 0,
        Some(digits) if (1..=9).contains(&digits.len()) => {
            let value = number(digits)?;
            value * 10u32.pow(9 - digits.len() as u32)
        }
        Some(_) => return None,
    };
    Some((hour, minute, second, nanos))
}

/// Exactly `N` decimal numbers separated by `separator`.
fn numbers<const N: usize>(text: &str, separator: char) -> Option<[u32; N]> {
    let mut parts = text.split(separator);
    let mut out = [0; N];
    for slot in &mut out {
        *slot = number(parts.next()?)?;
    }
    parts.next().is_none().then_some(out)
}

fn number(digits: &str) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[allow(clippy::too_many_arguments)]
fn instant(
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    offset_seconds: i64,
) -> Option<SystemTime> {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let valid = (1970..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=month_days[month as usize - 1]).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    if !valid {
        return None;
    }
    let seconds = days_since_epoch(year, month, day) * 86_400
        + i64::from(hour * 3600 + minute * 60 + second)
        - offset_seconds;
    let seconds = u64::try_from(seconds).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::new(seconds, nanos))
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (Howard Hinnant's `days_from_civil`).
fn days_since_epoch(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64, nanos: u32) -> Option<SystemTime> {
        Some(SystemTime::UNIX_EPOCH + Duration::new(seconds, nanos))
    }

    // 2023-11-03T20:07:01Z
    const SAMPLE: u64 = 1_699_042_021;

    #[test]
    fn reads_every_form_the_platform_may_send() {
        let cases = [
            ("11/3/2023 8:07:01 PM", at(SAMPLE, 0)),
            ("11/03/2023 08:07:01 pm", at(SAMPLE, 0)),
            ("11/3/2023 8:07:01 AM", at(SAMPLE - 12 * 3600, 0)),
            ("11/3/2023 12:07:01 AM", at(SAMPLE - 20 * 3600, 0)),
            ("11/3/2023 12:07:01 PM", at(SAMPLE - 8 * 3600, 0)),
            ("11/3/2023 20:07:01", at(SAMPLE, 0)),
            ("11/3/2023 8:07:01.25 PM", at(SAMPLE, 250_000_000)),
            ("2023-11-03T20:07:01Z", at(SAMPLE, 0)),
            ("2023-11-03T20:07:01.1234567Z", at(SAMPLE, 123_456_700)),
            ("2023-11-03 21:07:01+01:00", at(SAMPLE, 0)),
            ("2023-11-03T19:07:01-01:00", at(SAMPLE, 0)),
            ("2023-11-03T20:07:01", at(SAMPLE, 0)),
            ("1/1/1970 12:00:00 AM", at(0, 0)),
            ("2/29/2024 1:00:00 PM", at(1_709_211_600, 0)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), expected, "{text}");
        }
    }

    #[test]
    fn anything_else_is_none_not_an_error() {
        for text in [
            "",
            "yesterday",
            "13/3/2023 8:07:01 PM",
            "2/29/2023 8:07:01 PM",
            "11/3/2023 13:07:01 PM",
            "11/3/2023 0:07:01 AM",
            "11/3/2023 8:07:60 PM",
            "11/3/2023 8:07:01 XM",
            "11/3/2023 8:07:01 PM extra",
            "11/3/1969 8:07:01 PM",
            "11/3/2023 8:07:01.1234567890 PM",
            "2023-11-03T20:07:01+24:00",
            "2023-11-03X20:07:01Z",
            "2023-11-03T20:07Z",
            "１１/3/2023 8:07:01 PM",
            "11/3/99999999999 8:07:01 PM",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}

//! Durations as a person reads them, in messages: `250 ms`, `2.7 s`,
//! `30 s`, `1 min 30 s`, `2 h 5 min`; or roughly, `about 6 min`. Programs
//! get the exact `Duration` from the fields instead.

use std::time::Duration;

/// `duration`, rounded to what matters at its size.
pub fn duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        return format!("{millis} ms");
    }
    if millis < 9_950 {
        // One decimal: 2.7 s. Below 9.95 s, so that it never rounds to "10.0 s".
        return format!("{:.1} s", duration.as_secs_f64());
    }
    let seconds = (millis + 500) / 1000;
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => with_rest(seconds / 60, "min", seconds % 60, "s"),
        _ => {
            let minutes = (seconds + 30) / 60;
            with_rest(minutes / 60, "h", minutes % 60, "min")
        }
    }
}

/// `duration` in one unit, rounded: `45 s`, `6 min`, `3 h`, for a bound
/// that is itself an estimate.
pub fn rough(duration: Duration) -> String {
    let seconds = (duration.as_millis() + 500) / 1000;
    match seconds {
        0..90 => format!("{seconds} s"),
        90..5400 => format!("{} min", (seconds + 30) / 60),
        _ => format!("{} h", (seconds + 1800) / 3600),
    }
}

/// `1 min 30 s`, or `1 min` when the rest is zero.
fn with_rest(whole: u128, unit: &str, rest: u128, rest_unit: &str) -> String {
    if rest == 0 {
        format!("{whole} {unit}")
    } else {
        format!("{whole} {unit} {rest} {rest_unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rough_bound_has_one_unit() {
        assert_eq!(rough(Duration::from_secs(45)), "45 s");
        assert_eq!(rough(Duration::from_secs(345)), "6 min");
        assert_eq!(rough(Duration::from_secs(3 * 3600 + 600)), "3 h");
    }

    #[test]
    fn rounds_to_what_a_person_reads() {
        let cases = [
            (Duration::from_millis(250), "250 ms"),
            (Duration::from_nanos(2_709_519_055), "2.7 s"),
            (Duration::from_millis(9_949), "9.9 s"),
            (Duration::from_millis(9_950), "10 s"),
            (Duration::from_secs(30), "30 s"),
            (Duration::from_millis(59_600), "1 min"),
            (Duration::from_secs(90), "1 min 30 s"),
            (Duration::from_secs(360), "6 min"),
            (Duration::from_secs(3600), "1 h"),
            (Duration::from_secs(2 * 3600 + 5 * 60 + 10), "2 h 5 min"),
        ];
        for (duration, text) in cases {
            assert_eq!(super::duration(duration), text, "{duration:?}");
        }
    }
}
